//! The pushed authorization request endpoint (RFC 9126).
//!
//! 1. Parse the request: POST, form body, client authentication, no `request_uri` inside
//!    (`ostium-messages`; checklist item 55).
//! 2. Authenticate the client ([`crate::authenticate`]); the pushed request's `client_id` must be
//!    that client.
//! 3. Check what can be checked without the user: the code flow, the redirect URI against the
//!    registration, PKCE. (The authorization endpoint checks everything again when the request is
//!    used.)
//! 4. Store the parameters under the hash of a fresh `request_uri`
//!    (`urn:ietf:params:oauth:request_uri:` + 256 random bits) and answer 201 with it and
//!    `expires_in` (RFC 9126 §2.2). It is client-bound, expiring and single-use: the
//!    authorization endpoint takes it atomically.

use std::sync::Arc;

use ostium_messages::authorization::ResponseType;
use ostium_messages::client_auth::ClientAuthentication;
use ostium_messages::par::{PushedAuthorizationRequest, PushedAuthorizationResponse};
use ostium_messages::redirect_uri::select_redirect_uri;
use ostium_messages::values::AbsoluteUri;
use ostium_messages::{ErrorResponse, HttpRequest, HttpResponse, TokenErrorCode};
use ostium_pkce::CodeChallengeMethod;
use ostium_rand::SecureRng;
use time::OffsetDateTime;

use crate::Engine;
use crate::authorize::redirect_rule;
use crate::client::{Client, GrantType};
use crate::client_write::{ClientWrite, ClientWriteFlow};
use crate::dpop::{ProvenKey, invalid_dpop};
use crate::issue::server_error;
use crate::records::PushedRecord;
use crate::secret::{Entropy, SecretHash};
use crate::step::Step;
use crate::store::Write;

/// The URN prefix of the `request_uri` values this server issues (RFC 9126 §2.2).
pub(crate) const REQUEST_URI_PREFIX: &str = "urn:ietf:params:oauth:request_uri:";

/// The PAR endpoint, once its request is parsed: its randomness and the pushed request.
pub(crate) struct PushEndpoint {
    entropy: Entropy,
    request: PushedAuthorizationRequest,
    /// The request's DPoP proof (RFC 9449 §10.1), checked: its key binds the code.
    proof: Option<Box<ProvenKey>>,
}

/// The PAR endpoint's suspended state.
pub(crate) type ParFlow = ClientWriteFlow<PushEndpoint>;

fn invalid(code: TokenErrorCode, text: &str) -> ErrorResponse<TokenErrorCode> {
    ErrorResponse::new(code).with_description(text)
}

impl Engine {
    /// Handles a pushed authorization request (RFC 9126 §2.1). `rng` is drawn from once.
    ///
    /// A DPoP proof in the request (RFC 9449 §10.1) is checked like one at the token endpoint
    /// and binds the code to its key, as `dpop_jkt` would; a `dpop_jkt` naming another key is
    /// refused.
    pub fn pushed_authorization(
        &self,
        request: &HttpRequest<'_>,
        now: OffsetDateTime,
        rng: &mut (impl SecureRng + ?Sized),
    ) -> Step {
        let proof = match request.dpop {
            Some(proof) => {
                let endpoint = self.config().endpoints.pushed_authorization.as_deref();
                match self.check_dpop_proof(proof, endpoint.unwrap_or_default(), now) {
                    Ok(proven) => Some(Box::new(proven)),
                    Err(error) => return self.stamp_dpop_nonce(self.token_error(&error), now),
                }
            }
            None => None,
        };
        let step = ParFlow::begin(
            self,
            now,
            rng,
            Entropy::REQUEST_URI,
            PushedAuthorizationRequest::parse(request),
            |entropy, request| PushEndpoint {
                entropy,
                request,
                proof,
            },
        );
        self.stamp_dpop_nonce_if(step, request.dpop.map(|_| now))
    }
}

impl ClientWrite for PushEndpoint {
    fn client_auth(&mut self) -> &mut ClientAuthentication {
        &mut self.request.client_auth
    }

    fn proof(&mut self) -> Option<&mut ProvenKey> {
        self.proof.as_deref_mut()
    }

    fn decide(
        &mut self,
        engine: &Engine,
        now: OffsetDateTime,
        client: &Arc<Client>,
    ) -> Result<(Vec<Write>, HttpResponse), ErrorResponse<TokenErrorCode>> {
        check(engine, client, &self.request)?;
        // RFC 9449 §10.1: a proof binds the code as `dpop_jkt` does; both must name one key.
        if let Some(proof) = &self.proof {
            match &self.request.request.dpop_jkt {
                Some(named) if *named != proof.jkt => {
                    return Err(invalid_dpop(
                        "dpop_jkt is not the thumbprint of the DPoP proof's key",
                    ));
                }
                Some(_) => {}
                None => self.request.request.dpop_jkt = Some(proof.jkt.clone()),
            }
        }
        let secret = self
            .entropy
            .primary_secret()
            .ok_or_else(|| server_error("no randomness was drawn for this request"))?;
        let lifetime = engine.config().lifetimes.pushed_request;
        let request_uri = AbsoluteUri::parse(&format!("{REQUEST_URI_PREFIX}{}", secret.as_str()))
            .map_err(|_| server_error("minted request_uri is not a URI"))?;
        let record = PushedRecord {
            client_id: client.id.clone(),
            parameters: self.request.request.to_params().encode(),
            expires_at: now.saturating_add(lifetime),
        };
        let response = PushedAuthorizationResponse::new(
            request_uri,
            u64::try_from(lifetime.whole_seconds()).unwrap_or(0),
        );
        Ok((
            vec![Write::PushedRequest(secret.hash(), Box::new(record))],
            response.to_response(),
        ))
    }
}

/// The checks that need no user: who pushes, which flow, where to, PKCE.
fn check(
    engine: &Engine,
    client: &Client,
    pushed: &PushedAuthorizationRequest,
) -> Result<(), ErrorResponse<TokenErrorCode>> {
    let request = &pushed.request;
    if request.client_id != client.id {
        return Err(invalid(
            TokenErrorCode::InvalidRequest,
            "client_id is not the authenticated client",
        ));
    }
    // RFC 9126 §2.3: the authorization endpoint's error codes (RFC 6749 §4.1.2.1).
    if request.response_type != Some(ResponseType::CODE) {
        return Err(invalid(
            TokenErrorCode::UnsupportedResponseType,
            "only response_type=code is supported",
        ));
    }
    if !client.may_use(GrantType::AuthorizationCode) {
        return Err(invalid(
            TokenErrorCode::UnauthorizedClient,
            "the client may not use the code flow",
        ));
    }
    let openid = request.scope.as_ref().is_some_and(|s| s.contains("openid"));
    if select_redirect_uri(
        &client.redirect_uris,
        request.redirect_uri.as_ref(),
        redirect_rule(&engine.config().profile, openid),
    )
    .is_err()
    {
        return Err(invalid(
            TokenErrorCode::InvalidRequest,
            "the redirect_uri is missing or not registered",
        ));
    }
    let profile = &engine.config().profile;
    match &request.code_challenge {
        None if profile.require_pkce => Err(invalid(
            TokenErrorCode::InvalidRequest,
            "code_challenge (PKCE, S256) is required",
        )),
        Some(challenge)
            if challenge.method() != CodeChallengeMethod::S256
                && !profile.danger_allow_plain_pkce =>
        {
            Err(invalid(
                TokenErrorCode::InvalidRequest,
                "code_challenge_method must be S256",
            ))
        }
        _ => Ok(()),
    }
}

/// The hash under which a `request_uri` of this server is stored, if it is one.
pub(crate) fn pushed_request_hash(request_uri: &str) -> Option<SecretHash> {
    request_uri
        .strip_prefix(REQUEST_URI_PREFIX)
        .filter(|secret| !secret.is_empty())
        .map(SecretHash::of)
}

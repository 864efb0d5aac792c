//! Starting an authorization: the request URL (RFC 6749 §4.1.1; RFC 7636 §4.3; OIDC Core
//! §3.1.2.1) or a pushed request (RFC 9126 §2), and the pending value to keep.

use ostium_messages::authorization::{Prompt, ResponseType};
use ostium_messages::claims::ClaimsRequest;
use ostium_messages::par::{PushedAuthorizationRequest, PushedAuthorizationResponse};
use ostium_messages::{
    AbsoluteUri, AuthorizationDetails, AuthorizationRequest, CodeChallenge, CodeVerifier,
    HttpResponse, JwkThumbprint, Nonce, ResponseMode, Scope, State,
};
use ostium_rand::SecureRng;
use time::OffsetDateTime;

use crate::client::Client;
use crate::error::{ClientError, ResponseError};
use crate::http::OutboundRequest;
use crate::pending::PendingAuthorization;
use crate::provider::{ProviderConfig, check_json};
use crate::random::random_b64url;
use crate::token::server_error;

/// What to ask for. `state`, `nonce` and the PKCE verifier are not options: they are generated
/// for every request.
#[derive(Clone, Debug, Default, PartialEq)]
#[non_exhaustive]
pub struct AuthorizationOptions {
    /// `response_type`; `None` means `code`.
    pub response_type: Option<ResponseType>,
    /// `scope`. With `openid`, the request is an OpenID Connect one and carries a `nonce`.
    pub scope: Option<Scope>,
    /// `response_mode` (OAuth 2.0 Multiple Response Type Encoding Practices; Form Post).
    pub response_mode: Option<ResponseMode>,
    /// `resource` indicators (RFC 8707 §2).
    pub resource: Vec<AbsoluteUri>,
    /// `authorization_details` (RFC 9396 §2).
    pub authorization_details: Option<AuthorizationDetails>,
    /// `max_age`, seconds (OIDC Core §3.1.2.1): the ID token's `auth_time` is checked against it.
    pub max_age: Option<u64>,
    /// `prompt` (OIDC Core §3.1.2.1).
    pub prompt: Vec<Prompt>,
    /// `acr_values` (OIDC Core §3.1.2.1): the ID token's `acr` must be one of them.
    pub acr_values: Vec<String>,
    /// `login_hint` (OIDC Core §3.1.2.1).
    pub login_hint: Option<String>,
    /// `ui_locales` (OIDC Core §3.1.2.1).
    pub ui_locales: Vec<String>,
    /// `claims` (OIDC Core §5.5).
    pub claims: Option<ClaimsRequest>,
    /// `dpop_jkt` (RFC 9449 §10): binds the code to a DPoP key
    /// ([`DpopKey::thumbprint`](crate::DpopKey::thumbprint)).
    pub dpop_jkt: Option<JwkThumbprint>,
}

impl AuthorizationOptions {
    /// No options: a plain code flow request.
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets `scope`.
    #[must_use]
    pub fn with_scope(mut self, scope: Scope) -> Self {
        self.scope = Some(scope);
        self
    }

    /// Sets `response_type`.
    #[must_use]
    pub fn with_response_type(mut self, response_type: ResponseType) -> Self {
        self.response_type = Some(response_type);
        self
    }

    /// Sets `response_mode`.
    #[must_use]
    pub fn with_response_mode(mut self, mode: ResponseMode) -> Self {
        self.response_mode = Some(mode);
        self
    }

    /// Adds a `resource` indicator.
    #[must_use]
    pub fn with_resource(mut self, resource: AbsoluteUri) -> Self {
        self.resource.push(resource);
        self
    }

    /// Sets `authorization_details`.
    #[must_use]
    pub fn with_authorization_details(mut self, details: AuthorizationDetails) -> Self {
        self.authorization_details = Some(details);
        self
    }

    /// Sets `max_age`.
    #[must_use]
    pub fn with_max_age(mut self, seconds: u64) -> Self {
        self.max_age = Some(seconds);
        self
    }

    /// Adds a `prompt` value.
    #[must_use]
    pub fn with_prompt(mut self, prompt: Prompt) -> Self {
        self.prompt.push(prompt);
        self
    }

    /// Adds an `acr_values` entry.
    #[must_use]
    pub fn with_acr_value(mut self, acr: impl Into<String>) -> Self {
        self.acr_values.push(acr.into());
        self
    }

    /// Sets `login_hint`.
    #[must_use]
    pub fn with_login_hint(mut self, hint: impl Into<String>) -> Self {
        self.login_hint = Some(hint.into());
        self
    }

    /// Sets `claims`.
    #[must_use]
    pub fn with_claims(mut self, claims: ClaimsRequest) -> Self {
        self.claims = Some(claims);
        self
    }

    /// Sets `dpop_jkt`.
    #[must_use]
    pub fn with_dpop_jkt(mut self, jkt: JwkThumbprint) -> Self {
        self.dpop_jkt = Some(jkt);
        self
    }
}

/// Where to send the user, and what to keep until the callback.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct AuthorizationStart {
    /// The authorization endpoint URL with the request in its query: redirect the user agent
    /// there (a 303, RFC 9700 §4.11).
    pub url: String,
    /// Keep it bound to this user agent until the callback.
    pub pending: PendingAuthorization,
}

/// A pushed authorization request to send, and what to keep until the callback.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct PushedAuthorizationStart {
    /// The `POST` to the PAR endpoint (RFC 9126 §2.1).
    pub request: OutboundRequest,
    /// Keep it bound to this user agent until the callback.
    pub pending: PendingAuthorization,
}

impl Client {
    /// Builds an authorization request: fresh `state` (256 bits), PKCE S256 with a fresh
    /// verifier (RFC 7636 §4.1–4.2; RFC 9700 §2.1.1; checklist item 58), a fresh `nonce` when
    /// the scope has `openid` or the response type an `id_token`, and the options.
    ///
    /// # Errors
    ///
    /// [`ClientError::Misuse`] without an authorization endpoint, or when the provider requires
    /// PAR (use [`pushed_authorization_request`](Self::pushed_authorization_request));
    /// [`ClientError::Random`].
    pub fn authorization_request(
        &self,
        options: AuthorizationOptions,
        rng: &mut (impl SecureRng + ?Sized),
    ) -> Result<AuthorizationStart, ClientError> {
        if self.provider.require_pushed_authorization_requests {
            return Err(ClientError::Misuse(
                "the provider requires pushed authorization requests (RFC 9126 §5)",
            ));
        }
        let endpoint = ProviderConfig::endpoint(
            &self.provider.authorization_endpoint,
            "the provider has no authorization_endpoint",
        )?;
        let (request, pending) = self.prepare(options, rng)?;
        Ok(AuthorizationStart {
            url: request.to_url(endpoint),
            pending,
        })
    }

    /// Builds a pushed authorization request (RFC 9126 §2.1): the same parameters as
    /// [`authorization_request`](Self::authorization_request), sent authenticated to the PAR
    /// endpoint. Read the answer with
    /// [`pushed_authorization_response`](Self::pushed_authorization_response).
    ///
    /// # Errors
    ///
    /// [`ClientError::Misuse`] without a PAR endpoint; [`ClientError::Random`];
    /// [`ClientError::Signing`] for a client assertion that cannot be signed.
    pub fn pushed_authorization_request(
        &self,
        options: AuthorizationOptions,
        rng: &mut (impl SecureRng + ?Sized),
        now: OffsetDateTime,
    ) -> Result<PushedAuthorizationStart, ClientError> {
        let endpoint = ProviderConfig::endpoint(
            &self.provider.pushed_authorization_request_endpoint,
            "the provider has no pushed_authorization_request_endpoint",
        )?;
        let (request, pending) = self.prepare(options, rng)?;
        let client_auth = self.authentication(endpoint, rng, now)?;
        let (params, authorization) =
            PushedAuthorizationRequest::new(client_auth, request).to_form();
        Ok(PushedAuthorizationStart {
            request: OutboundRequest::form_post(endpoint, &params, authorization),
            pending,
        })
    }

    /// Reads the PAR response (RFC 9126 §2.2) and returns the URL to send the user to: the
    /// authorization endpoint with only `client_id` and `request_uri` (RFC 9126 §4).
    ///
    /// # Errors
    ///
    /// [`ClientError::Response`] for an error response, a status other than 201 (or 200, which
    /// some servers send), or a malformed body; [`ClientError::Misuse`] without an
    /// authorization endpoint.
    pub fn pushed_authorization_response(
        &self,
        response: &HttpResponse,
    ) -> Result<String, ClientError> {
        let endpoint = ProviderConfig::endpoint(
            &self.provider.authorization_endpoint,
            "the provider has no authorization_endpoint",
        )?;
        if !matches!(response.status(), 200 | 201) {
            return Err(server_error(response).into());
        }
        check_json(response)?;
        let pushed = PushedAuthorizationResponse::parse_json(response.body())
            .map_err(ResponseError::Json)?;
        let mut request = AuthorizationRequest::new(self.client_id.clone());
        request.response_type = None;
        request.request_uri = Some(pushed.request_uri);
        Ok(request.to_url(endpoint))
    }

    fn prepare(
        &self,
        options: AuthorizationOptions,
        rng: &mut (impl SecureRng + ?Sized),
    ) -> Result<(AuthorizationRequest, PendingAuthorization), ClientError> {
        let response_type = options.response_type.unwrap_or(ResponseType::CODE);
        if !response_type.has_code() {
            return Err(ClientError::Misuse(
                "only response types with code are supported (RFC 9700 §2.1.2)",
            ));
        }
        let state = State::parse(&random_b64url(rng, 32)?)
            .map_err(|_| ClientError::Misuse("generated state is not a VSCHAR string"))?;
        let openid = options
            .scope
            .as_ref()
            .is_some_and(ostium_scope::oidc::is_openid_request);
        let nonce = if openid || response_type.has_id_token() {
            Some(
                Nonce::parse(&random_b64url(rng, 32)?)
                    .map_err(|_| ClientError::Misuse("generated nonce is not a VSCHAR string"))?,
            )
        } else {
            None
        };
        let code_verifier = CodeVerifier::generate(rng)?;

        let mut request = AuthorizationRequest::new(self.client_id.clone());
        request.response_type = Some(response_type);
        request.redirect_uri = self.redirect_uri.clone();
        request.scope = options.scope.clone();
        request.state = Some(state.clone());
        request.code_challenge = Some(CodeChallenge::s256(&code_verifier));
        request.response_mode = options.response_mode;
        request.nonce = nonce.clone();
        request.prompt = options.prompt;
        request.max_age = options.max_age;
        request.ui_locales = options.ui_locales;
        request.login_hint = options.login_hint;
        request.acr_values = options.acr_values.clone();
        request.claims = options.claims;
        request.authorization_details = options.authorization_details;
        request.resource = options.resource;
        request.dpop_jkt = options.dpop_jkt.clone();

        let pending = PendingAuthorization {
            state,
            nonce,
            code_verifier,
            issuer: self.provider.issuer.clone(),
            redirect_uri: self.redirect_uri.clone(),
            response_type,
            scope: options.scope,
            max_age: options.max_age,
            acr_values: options.acr_values,
            dpop_jkt: options.dpop_jkt,
        };
        Ok((request, pending))
    }
}

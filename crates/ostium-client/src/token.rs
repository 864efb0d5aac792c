//! The token endpoint: requests for each grant (RFC 6749 §4.1.3, §4.4.2, §6; RFC 8693 §2.1)
//! as HTTP descriptions, and response validation (RFC 6749 §5.1–5.2, §7.1; OIDC Core
//! §3.1.3.3–8, §12.2; RFC 9449 §8).

use std::fmt;

use ostium_messages::error::{ErrorResponse, TokenErrorCode};
use ostium_messages::response::header;
use ostium_messages::{
    AccessToken, AuthorizationDetails, Grant, HttpResponse, RefreshToken, Scope, TokenRequest,
    TokenResponse, TokenType,
};
use ostium_rand::SecureRng;
use time::{Duration, OffsetDateTime};

use crate::callback::AuthorizedCode;
use crate::client::Client;
use crate::error::{ClientError, ResponseError};
use crate::http::OutboundRequest;
use crate::id_token::{IdToken, IdTokenExpectations, IdTokenStep, check_refreshed};
use crate::jwks::{JwksRefresh, ProviderJwks};
use crate::provider::{ProviderConfig, check_json};

/// What a successful token response gave the client. For an OpenID Connect code exchange the
/// ID token has been validated (its `nonce` included) before any token is handed out
/// (checklist item 64).
#[derive(Clone)]
#[non_exhaustive]
pub struct TokenSet {
    /// The access token.
    pub access_token: AccessToken,
    /// `Bearer` or `DPoP` (any other type is refused, RFC 6749 §7.1).
    pub token_type: TokenType,
    /// When the access token expires, from `expires_in` and the time the response was read.
    pub expires_at: Option<OffsetDateTime>,
    /// The refresh token, if any (after a refresh without a new one, the previous one).
    pub refresh_token: Option<RefreshToken>,
    /// The granted scope: the response's `scope`, or the requested one when the response omits
    /// it (RFC 6749 §5.1: omitted means "as requested").
    pub scope: Option<Scope>,
    /// The validated ID token (OpenID Connect).
    pub id_token: Option<IdToken>,
    /// The granted `authorization_details` (RFC 9396 §7).
    pub authorization_details: Option<AuthorizationDetails>,
    /// The `DPoP-Nonce` the server sent with these tokens (RFC 9449 §8.2): the nonce for the
    /// next proof to this server. `None` when the response named none (a refresh does not
    /// carry an older one over: it may have gone stale).
    pub dpop_nonce: Option<String>,
}

impl fmt::Debug for TokenSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TokenSet")
            .field("access_token", &self.access_token)
            .field("token_type", &self.token_type)
            .field("expires_at", &self.expires_at)
            .field("refresh_token", &self.refresh_token)
            .field("scope", &self.scope)
            .field("id_token", &self.id_token)
            .field("authorization_details", &self.authorization_details)
            .field("dpop_nonce", &self.dpop_nonce)
            .finish()
    }
}

impl TokenSet {
    /// Whether the access token has expired at `now` (never, when the server gave no lifetime).
    pub fn is_expired(&self, now: OffsetDateTime) -> bool {
        self.expires_at.is_some_and(|at| now >= at)
    }
}

/// The outcome of reading a token response.
// Made once per flow and matched at once: boxing the large variant would only make matching
// clumsier.
#[allow(clippy::large_enum_variant)]
#[derive(Clone, Debug)]
#[must_use]
#[non_exhaustive]
pub enum TokenStep {
    /// The tokens.
    Tokens(TokenSet),
    /// The ID token names a key the cached JWK Set lacks: fetch it again
    /// ([`Client::jwks_request`]) and read the same response again with the new set.
    RefreshJwks(JwksRefresh),
    /// The server wants a DPoP nonce (`use_dpop_nonce`, RFC 9449 §8): build the request again
    /// with a proof carrying this nonce and send it.
    RetryWithDpopNonce(String),
}

/// What the response must satisfy beyond RFC 6749 §5.1.
enum Expect<'a> {
    /// No ID token is validated (client credentials, token exchange, ...).
    Plain,
    /// The code exchange of `pending`: the ID token is required for OpenID Connect requests.
    Code(&'a AuthorizedCode),
    /// A refresh: a new ID token keeps the previous one's identity (OIDC Core §12.2).
    Refresh(&'a TokenSet),
}

impl Client {
    /// The token request for `grant` (RFC 6749 §3.2): a form `POST` to the token endpoint with
    /// the client's authentication. Add a DPoP proof with
    /// [`OutboundRequest::with_dpop_proof`].
    ///
    /// # Errors
    ///
    /// [`ClientError::Misuse`] without a token endpoint; [`ClientError::Signing`],
    /// [`ClientError::Random`] for JWT client authentication.
    pub fn token_request(
        &self,
        grant: Grant,
        rng: &mut (impl SecureRng + ?Sized),
        now: OffsetDateTime,
    ) -> Result<OutboundRequest, ClientError> {
        self.token_request_with(TokenRequest::new(grant, self.no_auth()), rng, now)
    }

    /// The token request `request` (its client authentication is replaced by the client's).
    ///
    /// # Errors
    ///
    /// As [`token_request`](Self::token_request).
    pub fn token_request_with(
        &self,
        mut request: TokenRequest,
        rng: &mut (impl SecureRng + ?Sized),
        now: OffsetDateTime,
    ) -> Result<OutboundRequest, ClientError> {
        let endpoint = ProviderConfig::endpoint(
            &self.provider.token_endpoint,
            "the provider has no token_endpoint",
        )?;
        request.client_auth = self.authentication(endpoint, rng, now)?;
        let (params, authorization) = request.to_form();
        Ok(OutboundRequest::form_post(endpoint, &params, authorization))
    }

    /// The code exchange (RFC 6749 §4.1.3; RFC 7636 §4.5): the code, the `redirect_uri` sent in
    /// the authorization request, the PKCE `code_verifier`.
    ///
    /// # Errors
    ///
    /// As [`token_request`](Self::token_request).
    pub fn code_exchange_request(
        &self,
        authorized: &AuthorizedCode,
        rng: &mut (impl SecureRng + ?Sized),
        now: OffsetDateTime,
    ) -> Result<OutboundRequest, ClientError> {
        let grant = Grant::AuthorizationCode {
            code: authorized.code.clone(),
            redirect_uri: authorized.pending.redirect_uri.clone(),
            code_verifier: Some(authorized.pending.code_verifier.clone()),
        };
        self.token_request(grant, rng, now)
    }

    /// Reads the code exchange response, received at `now`. For an OpenID Connect request the
    /// ID token is required and validated (OIDC Core §3.1.3.5–8: signature, `iss`, `aud`,
    /// `nonce` equal to the one sent, `at_hash` if present, ...) before the tokens are
    /// returned (checklist items 60, 61, 64). Unknown members are ignored; an unknown
    /// `token_type` is refused (item 65).
    ///
    /// # Errors
    ///
    /// [`ClientError::Response`] for an error response or a malformed one;
    /// [`ClientError::IdToken`] for an ID token that fails validation.
    pub fn code_exchange_response(
        &self,
        authorized: &AuthorizedCode,
        response: &HttpResponse,
        keys: Option<&ProviderJwks>,
        now: OffsetDateTime,
    ) -> Result<TokenStep, ClientError> {
        self.read_token_response(response, Expect::Code(authorized), keys, now)
    }

    /// A refresh request (RFC 6749 §6) with the refresh token of `tokens`, optionally for a
    /// narrower `scope`.
    ///
    /// # Errors
    ///
    /// [`ClientError::Misuse`] when `tokens` has no refresh token; as
    /// [`token_request`](Self::token_request).
    pub fn refresh_request(
        &self,
        tokens: &TokenSet,
        scope: Option<Scope>,
        rng: &mut (impl SecureRng + ?Sized),
        now: OffsetDateTime,
    ) -> Result<OutboundRequest, ClientError> {
        let refresh_token = tokens
            .refresh_token
            .clone()
            .ok_or(ClientError::Misuse("the token set has no refresh token"))?;
        self.token_request(
            Grant::RefreshToken {
                refresh_token,
                scope,
            },
            rng,
            now,
        )
    }

    /// Reads a refresh response. A new ID token is validated and must keep the previous one's
    /// `iss`, `sub`, `aud` and `auth_time`, with no `nonce` or the original one (OIDC Core
    /// §12.2; checklist item 63). What the response omits (refresh token, ID token, scope)
    /// carries over from `previous`.
    ///
    /// # Errors
    ///
    /// As [`code_exchange_response`](Self::code_exchange_response), and
    /// [`IdTokenError::RefreshChanged`](crate::IdTokenError::RefreshChanged).
    pub fn refresh_response(
        &self,
        previous: &TokenSet,
        response: &HttpResponse,
        keys: Option<&ProviderJwks>,
        now: OffsetDateTime,
    ) -> Result<TokenStep, ClientError> {
        self.read_token_response(response, Expect::Refresh(previous), keys, now)
    }

    /// A client credentials request (RFC 6749 §4.4.2).
    ///
    /// # Errors
    ///
    /// As [`token_request`](Self::token_request).
    pub fn client_credentials_request(
        &self,
        scope: Option<Scope>,
        rng: &mut (impl SecureRng + ?Sized),
        now: OffsetDateTime,
    ) -> Result<OutboundRequest, ClientError> {
        self.token_request(Grant::ClientCredentials { scope }, rng, now)
    }

    /// Reads a token response of a grant without ID token validation (client credentials,
    /// token exchange, JWT bearer). An `id_token` member, if any, is not validated and so not
    /// returned.
    ///
    /// # Errors
    ///
    /// [`ClientError::Response`].
    pub fn token_response(
        &self,
        response: &HttpResponse,
        now: OffsetDateTime,
    ) -> Result<TokenStep, ClientError> {
        self.read_token_response(response, Expect::Plain, None, now)
    }

    fn read_token_response(
        &self,
        response: &HttpResponse,
        expect: Expect<'_>,
        keys: Option<&ProviderJwks>,
        now: OffsetDateTime,
    ) -> Result<TokenStep, ClientError> {
        if response.status() != 200 {
            if let Some(nonce) = dpop_nonce_demand(response) {
                return Ok(TokenStep::RetryWithDpopNonce(nonce));
            }
            return Err(server_error(response).into());
        }
        check_json(response)?;
        let parsed = TokenResponse::parse_json_lenient(response.body(), self.leniency)
            .map_err(ResponseError::Json)?;
        match &parsed.token_type {
            TokenType::Bearer | TokenType::DPoP => {}
            other => {
                return Err(ResponseError::UnsupportedTokenType(other.as_str().to_owned()).into());
            }
        }
        let id_token = match (&expect, &parsed.id_token) {
            (Expect::Plain, _) | (Expect::Refresh(_), None) => None,
            (Expect::Code(authorized), None) => {
                if authorized.pending.is_openid() {
                    return Err(ResponseError::MissingIdToken.into());
                }
                None
            }
            (Expect::Code(authorized), Some(token)) => {
                let expectations = IdTokenExpectations::from_pending(&authorized.pending)
                    .with_access_token(parsed.access_token.clone(), false);
                match self.validate_id_token(token.as_str(), &expectations, keys, now)? {
                    IdTokenStep::Valid(id_token) => Some(id_token),
                    IdTokenStep::RefreshJwks(refresh) => {
                        return Ok(TokenStep::RefreshJwks(refresh));
                    }
                }
            }
            (Expect::Refresh(previous), Some(token)) => {
                let expectations = IdTokenExpectations::default()
                    .with_access_token(parsed.access_token.clone(), false);
                match self.validate_id_token(token.as_str(), &expectations, keys, now)? {
                    IdTokenStep::Valid(id_token) => {
                        if let Some(old) = &previous.id_token {
                            check_refreshed(old, &id_token)?;
                        }
                        Some(id_token)
                    }
                    IdTokenStep::RefreshJwks(refresh) => {
                        return Ok(TokenStep::RefreshJwks(refresh));
                    }
                }
            }
        };
        // Lifetimes beyond ~136 years are read as that; past the calendar's end as unknown.
        let expires_at = parsed.expires_in.and_then(|seconds| {
            now.checked_add(Duration::seconds(
                i64::try_from(seconds.min(u64::from(u32::MAX))).unwrap_or_default(),
            ))
        });
        let requested_scope = match &expect {
            Expect::Code(authorized) => authorized.pending.scope.clone(),
            Expect::Refresh(previous) => previous.scope.clone(),
            Expect::Plain => None,
        };
        let (previous_refresh, previous_id_token) = match &expect {
            Expect::Refresh(previous) => {
                (previous.refresh_token.clone(), previous.id_token.clone())
            }
            _ => (None, None),
        };
        Ok(TokenStep::Tokens(TokenSet {
            access_token: parsed.access_token,
            token_type: parsed.token_type,
            expires_at,
            refresh_token: parsed.refresh_token.or(previous_refresh),
            scope: parsed.scope.or(requested_scope),
            id_token: id_token.or(previous_id_token),
            authorization_details: parsed.authorization_details,
            dpop_nonce: response.header(header::DPOP_NONCE).map(str::to_owned),
        }))
    }

    /// Client authentication placeholder replaced in [`token_request_with`](Self::token_request_with).
    fn no_auth(&self) -> ostium_messages::ClientAuthentication {
        ostium_messages::ClientAuthentication::None {
            client_id: self.client_id.clone(),
        }
    }
}

/// `use_dpop_nonce` with a `DPoP-Nonce` header (RFC 9449 §8): the nonce to retry with.
pub(crate) fn dpop_nonce_demand(response: &HttpResponse) -> Option<String> {
    let nonce = response.header(header::DPOP_NONCE)?;
    let error = ErrorResponse::<TokenErrorCode>::parse_json_lenient(response.body()).ok()?;
    (error.error.as_str() == "use_dpop_nonce").then(|| nonce.to_owned())
}

/// The error of a non-success response: the RFC 6749 §5.2 body if there is one, else the
/// status.
pub(crate) fn server_error(response: &HttpResponse) -> ResponseError {
    match ErrorResponse::<TokenErrorCode>::parse_json_lenient(response.body()) {
        Ok(error) if response.status() >= 400 => ResponseError::Server {
            status: response.status(),
            error,
        },
        _ => ResponseError::UnexpectedStatus(response.status()),
    }
}

//! Errors: one [`ClientError`] wrapping an enum per subsystem, so that a caller can match the
//! exact rule that failed (`ClientError::IdToken(IdTokenError::NonceMismatch)`).

use std::fmt;

use ostium_messages::error::{AuthorizationErrorCode, ErrorResponse, TokenErrorCode};
use ostium_messages::metadata::MetadataError;
use ostium_messages::resource::Challenge;
use ostium_messages::{JsonError, ResourceErrorCode};

/// Any failure of this crate.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub enum ClientError {
    /// The authorization response at the redirect URI was refused.
    Callback(CallbackError),
    /// A response from the authorization server (token, PAR, revocation, introspection, device,
    /// JWKS, discovery) was an error or could not be read.
    Response(ResponseError),
    /// An ID token failed validation (OIDC Core §3.1.3.7).
    IdToken(IdTokenError),
    /// A UserInfo response was refused (OIDC Core §5.3.2).
    UserInfo(UserInfoError),
    /// A discovery document was refused (RFC 8414 §3.3; OIDC Discovery §4.3).
    Discovery(MetadataError),
    /// The configuration does not allow what was asked; the text says what to change.
    Misuse(&'static str),
    /// A JWT (client assertion, DPoP proof) could not be signed, or a key is unusable.
    Signing(ostium_jose::Error),
    /// The random generator failed.
    Random,
}

impl fmt::Display for ClientError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Callback(e) => write!(f, "authorization response refused: {e}"),
            Self::Response(e) => e.fmt(f),
            Self::IdToken(e) => write!(f, "ID token refused: {e}"),
            Self::UserInfo(e) => write!(f, "UserInfo response refused: {e}"),
            Self::Discovery(e) => write!(f, "discovery document refused: {e}"),
            Self::Misuse(text) => write!(f, "client misuse: {text}"),
            Self::Signing(e) => write!(f, "signing failed: {e}"),
            Self::Random => f.write_str("the secure random number generator failed"),
        }
    }
}

impl std::error::Error for ClientError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Self::Callback(e) => Some(e),
            Self::Response(e) => Some(e),
            Self::IdToken(e) => Some(e),
            Self::UserInfo(e) => Some(e),
            Self::Discovery(e) => Some(e),
            Self::Signing(e) => Some(e),
            Self::Misuse(_) | Self::Random => None,
        }
    }
}

impl From<CallbackError> for ClientError {
    fn from(e: CallbackError) -> Self {
        Self::Callback(e)
    }
}

impl From<ResponseError> for ClientError {
    fn from(e: ResponseError) -> Self {
        Self::Response(e)
    }
}

impl From<IdTokenError> for ClientError {
    fn from(e: IdTokenError) -> Self {
        Self::IdToken(e)
    }
}

impl From<UserInfoError> for ClientError {
    fn from(e: UserInfoError) -> Self {
        Self::UserInfo(e)
    }
}

impl From<MetadataError> for ClientError {
    fn from(e: MetadataError) -> Self {
        Self::Discovery(e)
    }
}

impl From<ostium_rand::RandomFailure> for ClientError {
    fn from(_: ostium_rand::RandomFailure) -> Self {
        Self::Random
    }
}

impl From<ostium_jose::JwsError> for ClientError {
    fn from(e: ostium_jose::JwsError) -> Self {
        Self::Signing(e.into())
    }
}

impl From<ostium_jose::KeyError> for ClientError {
    fn from(e: ostium_jose::KeyError) -> Self {
        Self::Signing(e.into())
    }
}

/// Why an authorization response was refused (RFC 6749 §4.1.2; RFC 9207 §2.4; RFC 9700 §4.7).
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum CallbackError {
    /// The parameters could not be read (repeated, malformed, both or neither of `code` and
    /// `error`); the text says which.
    Malformed(String),
    /// `state` is missing or differs from the one sent (CSRF defence, RFC 6749 §10.12).
    StateMismatch,
    /// `iss` differs from the issuer the request was sent to (mix-up attack, RFC 9207 §2.4).
    IssuerMismatch {
        /// The issuer the request was sent to.
        expected: String,
        /// The `iss` received.
        found: String,
    },
    /// `iss` is missing although the provider advertises
    /// `authorization_response_iss_parameter_supported` (RFC 9207 §2.4).
    IssuerMissing,
    /// The authorization server answered with an error (RFC 6749 §4.1.2.1; OIDC Core §3.1.2.6),
    /// after `state` and `iss` checked out.
    Denied(ErrorResponse<AuthorizationErrorCode>),
    /// No `code` in a success response of the code flow.
    MissingCode,
    /// No `id_token` in the success response of a response type that includes it.
    MissingIdToken,
}

impl fmt::Display for CallbackError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Malformed(text) => write!(f, "malformed: {text}"),
            Self::StateMismatch => f.write_str("state is missing or does not match"),
            Self::IssuerMismatch { expected, found } => {
                write!(f, "iss {found:?} is not the expected issuer {expected:?}")
            }
            Self::IssuerMissing => f.write_str("iss is missing but the provider supports it"),
            Self::Denied(error) => write!(f, "the authorization server answered {error}"),
            Self::MissingCode => f.write_str("code is missing"),
            Self::MissingIdToken => f.write_str("id_token is missing"),
        }
    }
}

impl std::error::Error for CallbackError {}

/// Why a back-channel response (token, PAR, revocation, introspection, device authorization,
/// JWKS, discovery, protected resource) was not accepted.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ResponseError {
    /// The server answered with an RFC 6749 §5.2 error.
    Server {
        /// The HTTP status.
        status: u16,
        /// The error.
        error: ErrorResponse<TokenErrorCode>,
    },
    /// A protected resource (UserInfo, an API) refused the token (RFC 6750 §3; RFC 9449 §7.1).
    Challenged {
        /// The HTTP status.
        status: u16,
        /// The `Bearer` and `DPoP` challenges of `WWW-Authenticate`.
        challenges: Vec<Challenge>,
    },
    /// A status the endpoint never answers with in this situation.
    UnexpectedStatus(u16),
    /// The `content-type` is not the one the endpoint must use.
    UnexpectedContentType(Option<String>),
    /// The body is not the expected JSON.
    Json(JsonError),
    /// The `token_type` is neither `Bearer` nor `DPoP` (RFC 6749 §7.1: a client must not use a
    /// token whose type it does not understand).
    UnsupportedTokenType(String),
    /// The token response of an OpenID Connect request has no `id_token` (OIDC Core §3.1.3.3).
    MissingIdToken,
    /// The JWK Set could not be read.
    Jwks(ostium_jose::KeyError),
}

impl ResponseError {
    /// The resource server's error code, for a [`ResponseError::Challenged`].
    pub fn resource_error(&self) -> Option<&ResourceErrorCode> {
        match self {
            Self::Challenged { challenges, .. } => challenges
                .iter()
                .find_map(|c| c.error.as_ref().map(|e| &e.error)),
            _ => None,
        }
    }
}

impl fmt::Display for ResponseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Server { status, error } => write!(f, "server answered {status}: {error}"),
            Self::Challenged { status, challenges } => {
                write!(f, "resource answered {status}")?;
                for challenge in challenges {
                    write!(f, "; {}", challenge.to_header_value())?;
                }
                Ok(())
            }
            Self::UnexpectedStatus(status) => write!(f, "unexpected HTTP status {status}"),
            Self::UnexpectedContentType(found) => {
                write!(f, "unexpected content type {found:?}")
            }
            Self::Json(e) => e.fmt(f),
            Self::UnsupportedTokenType(t) => write!(f, "unsupported token_type {t:?}"),
            Self::MissingIdToken => f.write_str("the token response has no id_token"),
            Self::Jwks(e) => write!(f, "JWK Set: {e}"),
        }
    }
}

impl std::error::Error for ResponseError {}

impl From<JsonError> for ResponseError {
    fn from(e: JsonError) -> Self {
        Self::Json(e)
    }
}

/// Why an ID token was refused (OIDC Core §3.1.3.7, §3.2.2.9–11, §12.2).
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum IdTokenError {
    /// Signature, algorithm, `typ`, `iss`, `aud`, `exp`, `iat` or `sub` presence: the JOSE
    /// layer's exact reason.
    Jose(ostium_jose::Error),
    /// The `kid` (or, without `kid`, the algorithm) names no key of the provider's JWK Set, and
    /// the set was fetched too recently to be worth fetching again.
    UnknownKey {
        /// The `kid` of the token, if any.
        kid: Option<String>,
    },
    /// The claims do not have the ID token shape (OIDC Core §2); the text says which.
    Claims(String),
    /// `sub` is longer than 255 ASCII characters or not ASCII (OIDC Core §2).
    InvalidSubject,
    /// `aud` holds an audience the client does not trust (OIDC Core §3.1.3.7 step 3).
    UntrustedAudience(String),
    /// Several audiences and no `azp` (step 4), or `azp` is not the client (step 5).
    AuthorizedPartyMismatch,
    /// `nonce` is absent although one was sent (step 11).
    NonceMissing,
    /// `nonce` differs from the one sent (step 11).
    NonceMismatch,
    /// `auth_time` is absent although `max_age` was sent (step 13; OIDC Core §2).
    AuthTimeMissing,
    /// The authentication is older than `max_age` allows (step 13).
    AuthenticationTooOld,
    /// `acr` is absent or not one of the requested `acr_values` (step 12).
    AcrNotSatisfied,
    /// `at_hash` is absent where it is required (OIDC Core §3.2.2.10).
    AtHashMissing,
    /// `at_hash` does not match the access token (OIDC Core §3.1.3.8, §3.2.2.9).
    AtHashMismatch,
    /// `c_hash` is absent where it is required (OIDC Core §3.3.2.11).
    CHashMissing,
    /// `c_hash` does not match the code (OIDC Core §3.3.2.10).
    CHashMismatch,
    /// A refreshed ID token changed a claim that must stay the same (OIDC Core §12.2): `iss`,
    /// `sub`, `aud`, `auth_time`, or a `nonce` other than the original.
    RefreshChanged(&'static str),
}

impl fmt::Display for IdTokenError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Jose(e) => e.fmt(f),
            Self::UnknownKey { kid } => write!(f, "no provider key matches kid {kid:?}"),
            Self::Claims(text) => write!(f, "claims: {text}"),
            Self::InvalidSubject => f.write_str("sub must be 1 to 255 ASCII characters"),
            Self::UntrustedAudience(aud) => write!(f, "untrusted audience {aud:?}"),
            Self::AuthorizedPartyMismatch => f.write_str("azp is missing or not this client"),
            Self::NonceMissing => f.write_str("nonce is missing"),
            Self::NonceMismatch => f.write_str("nonce does not match"),
            Self::AuthTimeMissing => f.write_str("auth_time is missing although max_age was sent"),
            Self::AuthenticationTooOld => f.write_str("auth_time is older than max_age"),
            Self::AcrNotSatisfied => f.write_str("acr is not one of the requested acr_values"),
            Self::AtHashMissing => f.write_str("at_hash is missing"),
            Self::AtHashMismatch => f.write_str("at_hash does not match the access token"),
            Self::CHashMissing => f.write_str("c_hash is missing"),
            Self::CHashMismatch => f.write_str("c_hash does not match the code"),
            Self::RefreshChanged(claim) => {
                write!(f, "the refreshed ID token changed {claim}")
            }
        }
    }
}

impl std::error::Error for IdTokenError {}

impl From<ostium_jose::Error> for IdTokenError {
    fn from(e: ostium_jose::Error) -> Self {
        Self::Jose(e)
    }
}

/// Why a UserInfo response was refused (OIDC Core §5.3.2–4).
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum UserInfoError {
    /// `sub` differs from the ID token's: the response must not be used (OIDC Core §5.3.2).
    SubjectMismatch,
    /// The response is a signed or encrypted JWT (`application/jwt`), which this crate does not
    /// read.
    SignedResponseUnsupported,
}

impl fmt::Display for UserInfoError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::SubjectMismatch => f.write_str("sub differs from the ID token's sub"),
            Self::SignedResponseUnsupported => {
                f.write_str("signed or encrypted UserInfo responses are not supported")
            }
        }
    }
}

impl std::error::Error for UserInfoError {}

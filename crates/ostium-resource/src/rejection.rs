//! Why a request was refused, and the `WWW-Authenticate` challenge that says so (RFC 6750 §3,
//! §3.1; RFC 9449 §7.1, §9).

use std::fmt;

use ostium_messages::error::ErrorResponse;
use ostium_messages::resource::{Challenge, TokenScheme};
use ostium_messages::{ResourceErrorCode, Scope};

/// A refused request: what failed and with which scheme the client presented its token.
/// Turn it into the HTTP response with
/// [`ResourceGuard::rejection_response`](crate::ResourceGuard::rejection_response).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rejection {
    kind: RejectionKind,
    scheme: Option<TokenScheme>,
}

impl Rejection {
    pub(crate) fn new(kind: RejectionKind, scheme: Option<TokenScheme>) -> Self {
        Self { kind, scheme }
    }

    /// What failed.
    pub fn kind(&self) -> &RejectionKind {
        &self.kind
    }

    /// The scheme the challenge uses: the one the client used (`DPoP` for a downgraded
    /// DPoP-bound token); `None` when no credentials were sent (then both are offered).
    pub fn scheme(&self) -> Option<TokenScheme> {
        self.scheme
    }

    /// The RFC 6750 §3.1 / RFC 9449 §7.1 error code; `None` when no credentials were sent
    /// (RFC 6750 §3.1: no error code then).
    pub fn error_code(&self) -> Option<ResourceErrorCode> {
        match &self.kind {
            RejectionKind::NoCredentials => None,
            RejectionKind::Malformed(error) => Some(error.error.clone()),
            RejectionKind::InvalidRequest(_) => Some(ResourceErrorCode::InvalidRequest),
            RejectionKind::InvalidToken(_) => Some(ResourceErrorCode::InvalidToken),
            RejectionKind::InvalidDpopProof(_) => Some(ResourceErrorCode::InvalidDpopProof),
            RejectionKind::UseDpopNonce(_) => Some(ResourceErrorCode::UseDpopNonce),
            RejectionKind::InsufficientScope(_) => Some(ResourceErrorCode::InsufficientScope),
        }
    }

    /// Whether the token names a signing key the JWK Set lacks: the embedder may fetch the
    /// issuer's JWK Set again (rate-limited) and retry once.
    pub fn is_unknown_key(&self) -> bool {
        matches!(
            self.kind,
            RejectionKind::InvalidToken(TokenRejection::UnknownKey)
        )
    }

    /// The error for the challenge: a fixed, uninformative description for token and proof
    /// failures (the peer must not learn which check failed; the [`kind`](Self::kind) says it
    /// for logs).
    pub(crate) fn challenge_error(&self) -> Option<ErrorResponse<ResourceErrorCode>> {
        let code = self.error_code()?;
        let description = match &self.kind {
            RejectionKind::Malformed(error) => {
                return Some(error.clone());
            }
            RejectionKind::InvalidRequest(text) => text,
            RejectionKind::InvalidToken(
                TokenRejection::Expired
                | TokenRejection::Jose(ostium_jose::Error::Claims(ostium_jose::ClaimsError::Expired)),
            ) => "the access token expired",
            RejectionKind::InvalidToken(_) => "the access token is not valid here",
            RejectionKind::InvalidDpopProof(_) => "the DPoP proof is not valid",
            RejectionKind::UseDpopNonce(_) => "a DPoP nonce is required",
            RejectionKind::InsufficientScope(_) => "the access token does not allow this",
            RejectionKind::NoCredentials => return None,
        };
        Some(ErrorResponse::new(code).with_description(description))
    }

    /// The challenges for this rejection.
    pub(crate) fn challenges(&self, realm: Option<&str>, dpop_algs: &[&str]) -> Vec<Challenge> {
        let mut bearer = Challenge::bearer();
        let mut dpop = Challenge::dpop(dpop_algs.iter().copied());
        if let Some(realm) = realm {
            bearer = bearer.with_realm(realm);
            dpop = dpop.with_realm(realm);
        }
        let Some(error) = self.challenge_error() else {
            // No credentials: offer every scheme, without an error code (RFC 6750 §3.1).
            return if dpop_algs.is_empty() {
                vec![bearer]
            } else {
                vec![bearer, dpop]
            };
        };
        let mut challenge = match self.scheme {
            Some(TokenScheme::DPoP) => dpop,
            _ => bearer,
        };
        challenge = challenge.with_error(error);
        if let RejectionKind::InsufficientScope(scope) = &self.kind {
            challenge = challenge.with_scope(scope.clone());
        }
        vec![challenge]
    }
}

impl fmt::Display for Rejection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.kind.fmt(f)
    }
}

impl std::error::Error for Rejection {}

/// What failed (for logs and tests; the peer sees only the error code).
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum RejectionKind {
    /// No access token at all: 401 with a challenge and no error code (RFC 6750 §3.1).
    NoCredentials,
    /// The credentials were malformed or presented wrongly (twice, in the query, `DPoP` scheme
    /// without a proof, ...): the error from `ostium-messages`.
    Malformed(ErrorResponse<ResourceErrorCode>),
    /// The request itself is malformed (`invalid_request`, 400), e.g. a resource path that
    /// could mean something else.
    InvalidRequest(&'static str),
    /// The access token is not valid here (`invalid_token`, 401).
    InvalidToken(TokenRejection),
    /// The DPoP proof is not valid (`invalid_dpop_proof`, 401, RFC 9449 §7.1).
    InvalidDpopProof(DpopRejection),
    /// The proof lacks the current server nonce (`use_dpop_nonce`, 401, with this nonce in
    /// `DPoP-Nonce`, RFC 9449 §9).
    UseDpopNonce(String),
    /// The token does not cover the operation (`insufficient_scope`, 403, with the scope that
    /// would, RFC 6750 §3.1).
    InsufficientScope(Scope),
}

impl fmt::Display for RejectionKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::NoCredentials => f.write_str("no credentials"),
            Self::Malformed(error) => write!(f, "malformed credentials: {error}"),
            Self::InvalidRequest(text) => write!(f, "invalid request: {text}"),
            Self::InvalidToken(why) => write!(f, "invalid token: {why}"),
            Self::InvalidDpopProof(why) => write!(f, "invalid DPoP proof: {why}"),
            Self::UseDpopNonce(_) => f.write_str("the DPoP proof lacks the current nonce"),
            Self::InsufficientScope(scope) => write!(f, "insufficient scope, needs {scope}"),
        }
    }
}

/// Why an access token was refused.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum TokenRejection {
    /// The JWT failed the JOSE checks (signature, algorithm, `typ`, `iss`, `aud`, `exp`, `nbf`,
    /// `iat`, required claims): the exact reason.
    Jose(ostium_jose::Error),
    /// The token names a key the JWK Set lacks ([`Rejection::is_unknown_key`]).
    UnknownKey,
    /// The claims are not RFC 9068 §2.2 access token claims; the text says which.
    Claims(String),
    /// The introspection response says `active: false` (RFC 7662 §2.2).
    Inactive,
    /// `exp` has passed.
    Expired,
    /// `nbf` (or `iat`) is in the future.
    NotYetValid,
    /// `iss` is not the expected issuer.
    IssuerMismatch,
    /// `aud` does not name this resource server.
    AudienceMismatch,
    /// The token is bound by a confirmation method this guard cannot check (e.g. mTLS
    /// `x5t#S256`, RFC 8705 §3): refused rather than used as a bearer token.
    UnsupportedConfirmation,
    /// A DPoP-bound token (`cnf.jkt`) was presented as a `Bearer` token (RFC 9449 §7.2).
    DowngradedToBearer,
    /// A token without `cnf.jkt` was presented with the `DPoP` scheme (RFC 9449 §7.1).
    NotDpopBound,
}

impl fmt::Display for TokenRejection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Jose(e) => e.fmt(f),
            Self::UnknownKey => f.write_str("no key of the JWK Set matches the token"),
            Self::Claims(text) => write!(f, "claims: {text}"),
            Self::Inactive => f.write_str("the token is not active"),
            Self::Expired => f.write_str("the token has expired"),
            Self::NotYetValid => f.write_str("the token is not valid yet"),
            Self::IssuerMismatch => f.write_str("unexpected issuer"),
            Self::AudienceMismatch => f.write_str("the token is not meant for this resource"),
            Self::UnsupportedConfirmation => {
                f.write_str("the token is bound by an unsupported confirmation method")
            }
            Self::DowngradedToBearer => f.write_str("a DPoP-bound token was sent as Bearer"),
            Self::NotDpopBound => f.write_str("the token is not DPoP-bound"),
        }
    }
}

/// Why a DPoP proof was refused (RFC 9449 §4.3).
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum DpopRejection {
    /// No `DPoP` header with a `DPoP` token.
    Missing,
    /// The JWS failed the JOSE checks: malformed, `typ` not `dpop+jwt`, `alg` not allowed
    /// (`none`, HMAC, one outside the allow-list), no or private or unusable `jwk`, bad
    /// signature, `iat` in the future, a claim of the wrong type.
    Jose(ostium_jose::Error),
    /// A required claim (`jti`, `htm`, `htu`, `iat`, `ath`) is missing or not a string.
    MissingClaim(&'static str),
    /// `htm` is not the request's method.
    MethodMismatch,
    /// `htu` is not the request's URI (query and fragment ignored, RFC 3986 §6.2.2–3
    /// normalization applied).
    UriMismatch,
    /// `iat` is outside the accepted window.
    IssuedAtOutOfWindow,
    /// `ath` is not the hash of the access token.
    AccessTokenHashMismatch,
    /// The proof's key is not the one the token is bound to (`cnf.jkt`).
    KeyMismatch,
    /// The `jti` was seen before (replay).
    Replayed,
}

impl fmt::Display for DpopRejection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Missing => f.write_str("the DPoP header is missing"),
            Self::Jose(e) => e.fmt(f),
            Self::MissingClaim(name) => write!(f, "claim {name} is missing"),
            Self::MethodMismatch => f.write_str("htm is not the request method"),
            Self::UriMismatch => f.write_str("htu is not the request URI"),
            Self::IssuedAtOutOfWindow => f.write_str("iat is outside the accepted window"),
            Self::AccessTokenHashMismatch => f.write_str("ath does not match the access token"),
            Self::KeyMismatch => f.write_str("the proof key is not the token's cnf.jkt"),
            Self::Replayed => f.write_str("the jti was used before"),
        }
    }
}

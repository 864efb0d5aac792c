//! Error codes per endpoint family, and the `error_description` / `error_uri` values that travel
//! with them (RFC 6749 §4.1.2.1, §5.2; RFC 6750 §3.1; RFC 7591 §3.2.2).
//!
//! Each family has every registered code as a variant, an `Unknown(String)` variant for codes this
//! crate does not know (kept when a *client* parses a response; an extension code a *server* writes
//! is sanitized to the allowed character set on output), and the HTTP status the code maps to.

use std::borrow::Cow;
use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// Characters allowed in `error`, `error_description` (RFC 6749 §4.1.2.1, §5.2; RFC 6750 §3):
/// `%x20-21 / %x23-5B / %x5D-7E`, that is printable ASCII without `"` and `\`.
pub(crate) const fn is_error_char(b: u8) -> bool {
    matches!(b, 0x20..=0x21 | 0x23..=0x5B | 0x5D..=0x7E)
}

/// Characters allowed in `error_uri` (RFC 6749 §4.1.2.1: `%x21 / %x23-5B / %x5D-7E`), further
/// narrowed to the RFC 3986 URI-reference characters.
fn is_error_uri_char(b: u8) -> bool {
    crate::redirect_uri::is_uri_char(b)
}

/// Replaces every byte outside the `error`/`error_description` set by `?`.
fn sanitize(text: &str) -> String {
    text.chars()
        .map(|c| {
            if c.is_ascii() && is_error_char(c as u8) {
                c
            } else {
                '?'
            }
        })
        .collect()
}

macro_rules! error_codes {
    (
        $(#[$meta:meta])*
        $name:ident {
            $( $(#[$vmeta:meta])* $variant:ident = $wire:literal => $status:literal, )*
        }
        unknown_status = $unknown_status:literal;
    ) => {
        $(#[$meta])*
        #[derive(Clone, Debug, PartialEq, Eq, Hash)]
        #[non_exhaustive]
        pub enum $name {
            $( $(#[$vmeta])* #[doc = concat!("\n\nWire code `", $wire, "`, HTTP ", stringify!($status), ".")] $variant, )*
            /// A code this crate does not know, kept as received. When written, bytes outside the
            /// RFC 6749 `error` character set are replaced by `?`.
            Unknown(String),
        }

        impl $name {
            /// Every registered code of this family, in registry order.
            pub const REGISTERED: &'static [$name] = &[$($name::$variant),*];

            /// Maps a wire code to its variant, exactly and case-sensitively; any other string
            /// becomes [`Unknown`](Self::Unknown).
            pub fn from_wire(code: &str) -> Self {
                match code {
                    $( $wire => Self::$variant, )*
                    other => Self::Unknown(other.to_owned()),
                }
            }

            /// The wire code as it is written: registered codes verbatim, an unknown code with
            /// bytes outside `%x20-21 / %x23-5B / %x5D-7E` replaced by `?`.
            pub fn as_str(&self) -> Cow<'_, str> {
                match self {
                    $( Self::$variant => Cow::Borrowed($wire), )*
                    Self::Unknown(code) => {
                        if !code.is_empty() && code.bytes().all(is_error_char) {
                            Cow::Borrowed(code)
                        } else {
                            Cow::Owned(sanitize(if code.is_empty() { "?" } else { code }))
                        }
                    }
                }
            }

            /// The HTTP status this code is sent with.
            pub fn status(&self) -> u16 {
                match self {
                    $( Self::$variant => $status, )*
                    Self::Unknown(_) => $unknown_status,
                }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.as_str())
            }
        }

        impl Serialize for $name {
            fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(&self.as_str())
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                let code = Cow::<'de, str>::deserialize(deserializer)?;
                Ok(Self::from_wire(&code))
            }
        }

        impl ErrorCode for $name {
            fn from_wire(code: &str) -> Self {
                $name::from_wire(code)
            }
            fn as_str(&self) -> Cow<'_, str> {
                $name::as_str(self)
            }
            fn status(&self) -> u16 {
                $name::status(self)
            }
        }
    };
}

/// What every error-code family offers, so that [`ErrorResponse`] works with each.
pub trait ErrorCode: Clone + fmt::Debug + PartialEq + Eq {
    /// Maps a wire code to the family's variant (unknown codes are kept).
    fn from_wire(code: &str) -> Self;
    /// The wire code as written.
    fn as_str(&self) -> Cow<'_, str>;
    /// The HTTP status the code is sent with (for redirect-delivered codes: the status a
    /// non-redirecting error page would use).
    fn status(&self) -> u16;

    /// Maps a received wire code as a *client* does: bytes outside the RFC 6749 `error`
    /// character set become `?` first, so that the value reads back the same after writing.
    fn from_wire_sanitized(code: &str) -> Self {
        if !code.is_empty() && code.bytes().all(is_error_char) {
            Self::from_wire(code)
        } else {
            Self::from_wire(&sanitize(if code.is_empty() { "?" } else { code }))
        }
    }
}

error_codes! {
    /// Authorization endpoint errors, delivered by redirect (RFC 6749 §4.1.2.1, §4.2.2.1;
    /// OIDC Core §3.1.2.6; RFC 9396 §5; RFC 8707 §2). The status is the one an error *page* uses
    /// when the error cannot be redirected.
    AuthorizationErrorCode {
        /// Missing, invalid or repeated parameter, or otherwise malformed (RFC 6749 §4.1.2.1).
        InvalidRequest = "invalid_request" => 400,
        /// The client may not use this method (RFC 6749 §4.1.2.1).
        UnauthorizedClient = "unauthorized_client" => 400,
        /// The resource owner or server denied the request (RFC 6749 §4.1.2.1).
        AccessDenied = "access_denied" => 403,
        /// The `response_type` is not supported (RFC 6749 §4.1.2.1).
        UnsupportedResponseType = "unsupported_response_type" => 400,
        /// The scope is invalid, unknown or malformed (RFC 6749 §4.1.2.1).
        InvalidScope = "invalid_scope" => 400,
        /// An unexpected condition on the server (RFC 6749 §4.1.2.1).
        ServerError = "server_error" => 500,
        /// The server is temporarily overloaded or down (RFC 6749 §4.1.2.1).
        TemporarilyUnavailable = "temporarily_unavailable" => 503,
        /// End-user interaction is required (OIDC Core §3.1.2.6).
        InteractionRequired = "interaction_required" => 400,
        /// End-user authentication is required (OIDC Core §3.1.2.6).
        LoginRequired = "login_required" => 400,
        /// The end-user must select an account (OIDC Core §3.1.2.6).
        AccountSelectionRequired = "account_selection_required" => 400,
        /// End-user consent is required (OIDC Core §3.1.2.6).
        ConsentRequired = "consent_required" => 400,
        /// The `request_uri` is invalid or unusable (OIDC Core §3.1.2.6).
        InvalidRequestUri = "invalid_request_uri" => 400,
        /// The request object is invalid (OIDC Core §3.1.2.6).
        InvalidRequestObject = "invalid_request_object" => 400,
        /// The `request` parameter is not supported (OIDC Core §3.1.2.6).
        RequestNotSupported = "request_not_supported" => 400,
        /// The `request_uri` parameter is not supported (OIDC Core §3.1.2.6).
        RequestUriNotSupported = "request_uri_not_supported" => 400,
        /// The `registration` parameter is not supported (OIDC Core §3.1.2.6).
        RegistrationNotSupported = "registration_not_supported" => 400,
        /// The `authorization_details` are invalid (RFC 9396 §5).
        InvalidAuthorizationDetails = "invalid_authorization_details" => 400,
        /// A `resource` is invalid or not accepted (RFC 8707 §2).
        InvalidTarget = "invalid_target" => 400,
    }
    unknown_status = 400;
}

error_codes! {
    /// Errors of the back-channel JSON endpoints that reuse RFC 6749 §5.2: token, revocation
    /// (RFC 7009 §2.2.1), introspection (RFC 7662 §2.3), device authorization (RFC 8628 §3.2),
    /// PAR (RFC 9126 §2.3); with the device grant (RFC 8628 §3.5), token exchange (RFC 8693 §2.2.2),
    /// RAR (RFC 9396 §6.1) and DPoP (RFC 9449 §5, §8) additions.
    TokenErrorCode {
        /// Missing, invalid or repeated parameter, or more than one authentication method
        /// (RFC 6749 §5.2).
        InvalidRequest = "invalid_request" => 400,
        /// Client authentication failed (RFC 6749 §5.2). Always 401 here, with a
        /// `WWW-Authenticate` header (see [`crate::response::HttpResponse::token_error`]).
        InvalidClient = "invalid_client" => 401,
        /// The grant or refresh token is invalid, expired, revoked or not this client's
        /// (RFC 6749 §5.2).
        InvalidGrant = "invalid_grant" => 400,
        /// The client may not use this grant type (RFC 6749 §5.2).
        UnauthorizedClient = "unauthorized_client" => 400,
        /// A pushed authorization request's `response_type` is not supported (RFC 9126 §2.3,
        /// by reference to RFC 6749 §4.1.2.1).
        UnsupportedResponseType = "unsupported_response_type" => 400,
        /// The grant type is not supported (RFC 6749 §5.2).
        UnsupportedGrantType = "unsupported_grant_type" => 400,
        /// The scope is invalid or exceeds the grant (RFC 6749 §5.2).
        InvalidScope = "invalid_scope" => 400,
        /// The device authorization is still pending (RFC 8628 §3.5).
        AuthorizationPending = "authorization_pending" => 400,
        /// Polling too fast: add 5 seconds to the interval (RFC 8628 §3.5).
        SlowDown = "slow_down" => 400,
        /// The user denied the device authorization (RFC 8628 §3.5).
        AccessDenied = "access_denied" => 400,
        /// The device code expired (RFC 8628 §3.5).
        ExpiredToken = "expired_token" => 400,
        /// The revocation endpoint does not support this token type (RFC 7009 §2.2.1).
        UnsupportedTokenType = "unsupported_token_type" => 400,
        /// The requested target (`resource`, `audience`) is invalid (RFC 8693 §2.2.2, RFC 8707 §2).
        InvalidTarget = "invalid_target" => 400,
        /// The `authorization_details` are invalid (RFC 9396 §6.1).
        InvalidAuthorizationDetails = "invalid_authorization_details" => 400,
        /// The DPoP proof is invalid (RFC 9449 §5).
        InvalidDpopProof = "invalid_dpop_proof" => 400,
        /// Retry with the server's `DPoP-Nonce` (RFC 9449 §8).
        UseDpopNonce = "use_dpop_nonce" => 400,
        /// An unexpected server condition, for the endpoints that send one (RFC 7009 §2.2.1 by
        /// reference to RFC 6749 §4.1.2.1).
        ServerError = "server_error" => 500,
        /// The server is temporarily unavailable (RFC 7009 §2.2.1).
        TemporarilyUnavailable = "temporarily_unavailable" => 503,
    }
    unknown_status = 400;
}

error_codes! {
    /// Errors of a protected resource (and the UserInfo endpoint) in a `WWW-Authenticate`
    /// challenge (RFC 6750 §3.1; RFC 9449 §7.1, §9).
    ResourceErrorCode {
        /// Malformed request: missing or repeated parameter, more than one token method
        /// (RFC 6750 §3.1).
        InvalidRequest = "invalid_request" => 400,
        /// The access token is expired, revoked, malformed or invalid (RFC 6750 §3.1).
        InvalidToken = "invalid_token" => 401,
        /// The token lacks the privileges required (RFC 6750 §3.1).
        InsufficientScope = "insufficient_scope" => 403,
        /// The DPoP proof is invalid (RFC 9449 §7.1).
        InvalidDpopProof = "invalid_dpop_proof" => 401,
        /// Retry with the resource server's `DPoP-Nonce` (RFC 9449 §9).
        UseDpopNonce = "use_dpop_nonce" => 401,
    }
    unknown_status = 401;
}

error_codes! {
    /// Dynamic client registration errors (RFC 7591 §3.2.2; OIDC Registration §3.3).
    RegistrationErrorCode {
        /// A redirect URI is invalid (RFC 7591 §3.2.2).
        InvalidRedirectUri = "invalid_redirect_uri" => 400,
        /// A metadata field is invalid (RFC 7591 §3.2.2).
        InvalidClientMetadata = "invalid_client_metadata" => 400,
        /// The software statement is invalid (RFC 7591 §3.2.2).
        InvalidSoftwareStatement = "invalid_software_statement" => 400,
        /// The software statement is not approved (RFC 7591 §3.2.2).
        UnapprovedSoftwareStatement = "unapproved_software_statement" => 400,
    }
    unknown_status = 400;
}

/// An `error_description`: human-readable ASCII text in `%x20-21 / %x23-5B / %x5D-7E`
/// (RFC 6749 §4.1.2.1, §5.2): printable ASCII without `"` and `\`. Valid by construction.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct ErrorDescription(String);

/// Longest `error_description` accepted or written, in bytes.
pub const MAX_ERROR_DESCRIPTION_LEN: usize = 1024;

impl ErrorDescription {
    /// Checks `text` against the RFC 6749 character set.
    ///
    /// # Errors
    ///
    /// [`ErrorValueRejected`] when `text` is empty, longer than
    /// [`MAX_ERROR_DESCRIPTION_LEN`], or holds a byte outside the set.
    pub fn new(text: impl Into<String>) -> Result<Self, ErrorValueRejected> {
        let text = text.into();
        if text.is_empty() || text.len() > MAX_ERROR_DESCRIPTION_LEN {
            return Err(ErrorValueRejected::Length);
        }
        if let Some(at) = text.bytes().position(|b| !is_error_char(b)) {
            return Err(ErrorValueRejected::Character { at });
        }
        Ok(Self(text))
    }

    /// Makes any text fit: each character outside the set becomes `?`, and the result is cut to
    /// [`MAX_ERROR_DESCRIPTION_LEN`] bytes. An empty text becomes `?`. For messages built from
    /// input (a parameter name, a parser's complaint) and for lenient client-side parsing.
    pub fn sanitized(text: &str) -> Self {
        let mut out = sanitize(text);
        out.truncate(MAX_ERROR_DESCRIPTION_LEN);
        if out.is_empty() {
            out.push('?');
        }
        Self(out)
    }

    /// The description.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for ErrorDescription {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl Serialize for ErrorDescription {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for ErrorDescription {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = Cow::<'de, str>::deserialize(deserializer)?;
        Self::new(text.into_owned()).map_err(serde::de::Error::custom)
    }
}

/// An `error_uri`: a URI-reference (RFC 3986 §4.1) in `%x21 / %x23-5B / %x5D-7E`
/// (RFC 6749 §4.1.2.1, §5.2). Valid by construction.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct ErrorUri(String);

impl ErrorUri {
    /// Checks `uri`: non-empty, at most 2048 bytes, only RFC 3986 characters with well-formed
    /// percent-encodings, and if it has a scheme, an absolute URI that parses.
    ///
    /// # Errors
    ///
    /// [`ErrorValueRejected`] naming the rule.
    pub fn new(uri: impl Into<String>) -> Result<Self, ErrorValueRejected> {
        let uri = uri.into();
        if uri.is_empty() || uri.len() > 2048 {
            return Err(ErrorValueRejected::Length);
        }
        if let Some(at) = uri.bytes().position(|b| !is_error_uri_char(b)) {
            return Err(ErrorValueRejected::Character { at });
        }
        if !crate::redirect_uri::percent_encodings_well_formed(&uri) {
            return Err(ErrorValueRejected::NotUriReference);
        }
        if crate::redirect_uri::has_scheme(&uri) && url::Url::parse(&uri).is_err() {
            return Err(ErrorValueRejected::NotUriReference);
        }
        Ok(Self(uri))
    }

    /// The URI.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for ErrorUri {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl Serialize for ErrorUri {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for ErrorUri {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let uri = Cow::<'de, str>::deserialize(deserializer)?;
        Self::new(uri.into_owned()).map_err(serde::de::Error::custom)
    }
}

/// Why an `error_description` or `error_uri` value was refused.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ErrorValueRejected {
    /// Empty, or longer than the limit.
    Length,
    /// A byte outside the allowed set, at this offset.
    Character {
        /// Byte offset.
        at: usize,
    },
    /// Not a URI-reference.
    NotUriReference,
}

impl fmt::Display for ErrorValueRejected {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Length => f.write_str("error value is empty or too long"),
            Self::Character { at } => write!(
                f,
                "error value has a character outside the RFC 6749 set at byte {at}"
            ),
            Self::NotUriReference => f.write_str("error_uri is not a URI-reference"),
        }
    }
}

impl std::error::Error for ErrorValueRejected {}

/// An OAuth error: code, optional description and optional URI (RFC 6749 §4.1.2.1, §5.2).
///
/// The JSON form (`{"error": ..., "error_description": ..., "error_uri": ...}`) is the body of an
/// RFC 6749 §5.2 error response; the same fields go into an authorization error redirect and a
/// `WWW-Authenticate` challenge.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(bound(serialize = "C: Serialize", deserialize = "C: Deserialize<'de>"))]
pub struct ErrorResponse<C> {
    /// The code.
    pub error: C,
    /// Human-readable detail for the client developer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error_description: Option<ErrorDescription>,
    /// A page about the error.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error_uri: Option<ErrorUri>,
}

impl<C: ErrorCode> ErrorResponse<C> {
    /// An error with only a code.
    pub fn new(error: C) -> Self {
        Self {
            error,
            error_description: None,
            error_uri: None,
        }
    }

    /// Adds a description, sanitized to the allowed character set
    /// (see [`ErrorDescription::sanitized`]).
    #[must_use]
    pub fn with_description(mut self, text: &str) -> Self {
        self.error_description = Some(ErrorDescription::sanitized(text));
        self
    }

    /// Adds an `error_uri`.
    #[must_use]
    pub fn with_uri(mut self, uri: ErrorUri) -> Self {
        self.error_uri = Some(uri);
        self
    }

    /// The HTTP status of the code.
    pub fn status(&self) -> u16 {
        self.error.status()
    }

    /// The JSON body (RFC 6749 §5.2): the bytes serde_json writes for `self`, without serde.
    pub(crate) fn to_json(&self) -> Vec<u8> {
        let code = self.error.as_str();
        let description = self
            .error_description
            .as_ref()
            .map(ErrorDescription::as_str);
        let uri = self.error_uri.as_ref().map(ErrorUri::as_str);
        let capacity = 64 + code.len() + description.map_or(0, str::len) + uri.map_or(0, str::len);
        let mut object = crate::json::ObjectWriter::with_capacity(capacity);
        object.string("error", &code);
        if let Some(description) = description {
            object.string("error_description", description);
        }
        if let Some(uri) = uri {
            object.string("error_uri", uri);
        }
        object.finish()
    }

    /// The parameters in wire order: `error`, then `error_description` and `error_uri` if set.
    pub fn to_pairs(&self) -> Vec<(&'static str, String)> {
        let mut pairs = vec![("error", self.error.as_str().into_owned())];
        if let Some(description) = &self.error_description {
            pairs.push(("error_description", description.as_str().to_owned()));
        }
        if let Some(uri) = &self.error_uri {
            pairs.push(("error_uri", uri.as_str().to_owned()));
        }
        pairs
    }

    /// Parses an error JSON body strictly: `error_description` and `error_uri` must follow the
    /// RFC 6749 character sets.
    ///
    /// # Errors
    ///
    /// [`crate::JsonError`] for anything else.
    pub fn parse_json(body: &[u8]) -> Result<Self, crate::JsonError>
    where
        C: serde::de::DeserializeOwned,
    {
        crate::json::from_slice(body)
    }

    /// Parses an error JSON body as a *client* receives it: a description with characters
    /// outside the allowed set is sanitized rather than refused, an invalid `error_uri` is dropped,
    /// unknown fields are ignored.
    ///
    /// # Errors
    ///
    /// [`crate::JsonError`] when the body is not a JSON object with a string `error`.
    pub fn parse_json_lenient(body: &[u8]) -> Result<Self, crate::JsonError> {
        #[derive(Deserialize)]
        struct Raw {
            error: String,
            #[serde(default)]
            error_description: Option<String>,
            #[serde(default)]
            error_uri: Option<String>,
        }
        let raw: Raw = crate::json::from_slice(body)?;
        Ok(Self {
            error: C::from_wire_sanitized(&raw.error),
            error_description: raw
                .error_description
                .filter(|d| !d.is_empty())
                .map(|d| ErrorDescription::sanitized(&d)),
            error_uri: raw.error_uri.and_then(|u| ErrorUri::new(u).ok()),
        })
    }
}

impl<C: ErrorCode> fmt::Display for ErrorResponse<C> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.error.as_str())?;
        if let Some(description) = &self.error_description {
            write!(f, ": {description}")?;
        }
        Ok(())
    }
}

impl<C: ErrorCode> std::error::Error for ErrorResponse<C> {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_registered_code_round_trips() {
        for code in AuthorizationErrorCode::REGISTERED {
            assert_eq!(&AuthorizationErrorCode::from_wire(&code.as_str()), code);
        }
        for code in TokenErrorCode::REGISTERED {
            assert_eq!(&TokenErrorCode::from_wire(&code.as_str()), code);
        }
        for code in ResourceErrorCode::REGISTERED {
            assert_eq!(&ResourceErrorCode::from_wire(&code.as_str()), code);
        }
        for code in RegistrationErrorCode::REGISTERED {
            assert_eq!(&RegistrationErrorCode::from_wire(&code.as_str()), code);
        }
    }

    #[test]
    fn unknown_codes_are_kept_and_sanitized_on_output() {
        let code = TokenErrorCode::from_wire("Invalid_Grant");
        assert_eq!(code, TokenErrorCode::Unknown("Invalid_Grant".into()));
        assert_eq!(
            TokenErrorCode::Unknown("a\"b\\c\n".into()).as_str(),
            "a?b?c?"
        );
        assert_eq!(TokenErrorCode::Unknown(String::new()).as_str(), "?");
    }

    #[test]
    fn statuses_follow_the_rfcs() {
        assert_eq!(TokenErrorCode::InvalidClient.status(), 401);
        assert_eq!(TokenErrorCode::InvalidGrant.status(), 400);
        assert_eq!(ResourceErrorCode::InvalidRequest.status(), 400);
        assert_eq!(ResourceErrorCode::InvalidToken.status(), 401);
        assert_eq!(ResourceErrorCode::InsufficientScope.status(), 403);
        assert_eq!(AuthorizationErrorCode::ServerError.status(), 500);
    }

    #[test]
    fn req_11_error_description_charset_is_enforced() {
        assert!(ErrorDescription::new("The \"code\" is bad").is_err());
        assert!(ErrorDescription::new("back\\slash").is_err());
        assert!(ErrorDescription::new("tab\there").is_err());
        assert!(ErrorDescription::new("caf\u{e9}").is_err());
        assert!(ErrorDescription::new("").is_err());
        assert!(ErrorDescription::new("Fine: 'quotes' ~ [ok] {} !#$%&()").is_ok());
        assert_eq!(
            ErrorDescription::sanitized("say \"hi\"\r\n").as_str(),
            "say ?hi???"
        );
        let long = "a".repeat(MAX_ERROR_DESCRIPTION_LEN + 10);
        assert_eq!(
            ErrorDescription::sanitized(&long).as_str().len(),
            MAX_ERROR_DESCRIPTION_LEN
        );
    }

    #[test]
    fn req_11_error_uri_is_a_uri_reference() {
        assert!(ErrorUri::new("https://as.example/errors/invalid_request").is_ok());
        assert!(ErrorUri::new("/errors#x").is_ok());
        assert!(ErrorUri::new("https://as.example/a b").is_err());
        assert!(ErrorUri::new("https://as.example/\"").is_err());
        assert!(ErrorUri::new("https://as.example/%zz").is_err());
        assert!(ErrorUri::new("https://as.example/\\").is_err());
        assert!(ErrorUri::new("").is_err());
    }

    #[test]
    fn clients_sanitize_received_codes() {
        let code = <TokenErrorCode as ErrorCode>::from_wire_sanitized("bad\u{0}code");
        assert_eq!(code, TokenErrorCode::Unknown("bad?code".into()));
        assert_eq!(TokenErrorCode::from_wire(&code.as_str()), code);
        assert_eq!(
            <TokenErrorCode as ErrorCode>::from_wire_sanitized("slow_down"),
            TokenErrorCode::SlowDown
        );
    }

    #[test]
    fn json_form_matches_rfc_6749_section_5_2() {
        let error = ErrorResponse::new(TokenErrorCode::InvalidRequest);
        assert_eq!(
            serde_json::to_string(&error).unwrap(),
            r#"{"error":"invalid_request"}"#
        );
        let parsed: ErrorResponse<TokenErrorCode> = ErrorResponse::parse_json_lenient(
            br#"{"error":"slow_down","error_description":"bad \"x\"","error_uri":"a b","extra":1}"#,
        )
        .unwrap();
        assert_eq!(parsed.error, TokenErrorCode::SlowDown);
        assert_eq!(parsed.error_description.unwrap().as_str(), "bad ?x?");
        assert_eq!(parsed.error_uri, None);
    }

    proptest::proptest! {
        #[test]
        fn error_bodies_are_written_as_serde_json_writes_them(
            code in "invalid_grant|invalid_client|(\\PC|[\\x00-\\x1f\"\\\\]){0,12}",
            description in proptest::option::of("(\\PC|[\\x00-\\x1f\"\\\\]){0,40}"),
            uri in proptest::option::of("https://[a-z]{1,5}\\.example/[ -~]{0,10}"),
        ) {
            let mut error = ErrorResponse::new(TokenErrorCode::from_wire(&code));
            error.error_description = description.as_deref().map(ErrorDescription::sanitized);
            error.error_uri = uri.and_then(|uri| ErrorUri::new(uri).ok());
            proptest::prop_assert_eq!(error.to_json(), serde_json::to_vec(&error).unwrap());
        }
    }
}

//! Protected resource requests: the access token as presented (RFC 6750 §2; RFC 9449 §7.1) and
//! the `WWW-Authenticate` challenges written (RFC 6750 §3; RFC 9449 §7.1) and parsed (for
//! clients; RFC 9110 §11.6.1).
//!
//! By default only the `Authorization` header is read. The form-body method (RFC 6750 §2.2) is
//! opt-in; the query method (§2.3) is opt-in under a `danger_` name, since tokens in URLs leak
//! into logs and `Referer` headers (RFC 9700 §4.3.2; FAPI 2.0 forbids it). Presenting a token
//! by more than one method is `invalid_request` (RFC 6750 §3.1).

use std::fmt;

use ostium_scope::Scope;

use crate::client_auth::split_credentials;
use crate::error::{ErrorResponse, ResourceErrorCode};
use crate::params::Params;
use crate::request::HttpRequest;
use crate::response::{HttpResponse, header, quoted_string};
use crate::values::{AccessToken, TokenString};

/// The scheme a token was presented with.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum TokenScheme {
    /// `Bearer` (RFC 6750).
    Bearer,
    /// `DPoP` (RFC 9449 §7.1).
    DPoP,
}

impl TokenScheme {
    /// The scheme name as written.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Bearer => "Bearer",
            Self::DPoP => "DPoP",
        }
    }
}

/// Where a bearer token was found.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum TokenLocation {
    /// The `Authorization` header (RFC 6750 §2.1).
    Header,
    /// The form body (RFC 6750 §2.2).
    FormBody,
    /// The query (RFC 6750 §2.3).
    Query,
}

/// An access token as presented to a resource server.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct PresentedToken {
    /// The token.
    pub access_token: AccessToken,
    /// The scheme (`DPoP` only from the header).
    pub scheme: TokenScheme,
    /// Where it came from.
    pub location: TokenLocation,
    /// The `DPoP` header, if any, kept as a string for `ostium-jose` to verify. Present with a
    /// `Bearer` token it lets the resource server detect a downgrade of a DPoP-bound token
    /// (RFC 9449 §7.2).
    pub dpop_proof: Option<TokenString>,
}

/// Which token presentation methods a resource server accepts.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct TokenMethods {
    allow_form_body: bool,
    allow_query: bool,
}

impl TokenMethods {
    /// Only the `Authorization` header (the default).
    pub const HEADER_ONLY: Self = Self {
        allow_form_body: false,
        allow_query: false,
    };

    /// Also accept `access_token` in a form-encoded `POST` body (RFC 6750 §2.2).
    #[must_use]
    pub fn with_form_body(mut self) -> Self {
        self.allow_form_body = true;
        self
    }

    /// Also accept `access_token` in the query (RFC 6750 §2.3): tokens in URLs leak; forbidden
    /// by FAPI 2.0 and discouraged by RFC 9700 §4.3.2.
    #[must_use]
    pub fn danger_with_query(mut self) -> Self {
        self.allow_query = true;
        self
    }
}

/// `b64token = 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"="` (RFC 6750 §2.1).
fn is_b64token(value: &str) -> bool {
    let body = value.trim_end_matches('=');
    !body.is_empty()
        && body.bytes().all(|b| {
            b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~' | b'+' | b'/')
        })
}

fn error(code: ResourceErrorCode, text: &str) -> ErrorResponse<ResourceErrorCode> {
    ErrorResponse::new(code).with_description(text)
}

/// RFC 9449 §4.3 step 9: `htu` matches the request URI, ignoring query and fragment, after
/// syntax- and scheme-based normalization (RFC 3986 §6.2.2–3: case of scheme and host, default
/// port, dot segments, as the WHATWG URL parser applies them).
pub fn same_target(htu: &str, uri: &str) -> bool {
    let normalize = |text: &str| {
        let mut url = url::Url::parse(text).ok()?;
        url.set_query(None);
        url.set_fragment(None);
        Some(String::from(url))
    };
    match (normalize(htu), normalize(uri)) {
        (Some(a), Some(b)) => a == b,
        _ => false,
    }
}

/// Reads the access token a request presents (RFC 6750 §2; RFC 9449 §7.1).
///
/// `Ok(None)` means no credentials at all: answer 401 with a challenge that carries no error
/// code (RFC 6750 §3.1; checklist item 51).
///
/// # Errors
///
/// `invalid_request` for a token presented twice or by a disabled method, a malformed header,
/// or repeated body/query parameters; `invalid_dpop_proof` for the `DPoP` scheme without a
/// `DPoP` header. (An unknown scheme in `Authorization` is `invalid_request` too: the resource
/// server cannot tell what was meant.)
pub fn presented_token(
    request: &HttpRequest<'_>,
    methods: TokenMethods,
) -> Result<Option<PresentedToken>, ErrorResponse<ResourceErrorCode>> {
    use ResourceErrorCode as Code;
    let dpop_proof = request
        .dpop
        .map(|proof| {
            TokenString::parse(proof)
                .map_err(|_| error(Code::InvalidDpopProof, "malformed DPoP header"))
        })
        .transpose()?;
    let mut found: Vec<PresentedToken> = Vec::new();

    if let Some(value) = request.authorization {
        let (scheme, token) = if let Some(token) = split_credentials(value, "Bearer") {
            (TokenScheme::Bearer, token)
        } else if let Some(token) = split_credentials(value, "DPoP") {
            (TokenScheme::DPoP, token)
        } else {
            return Err(error(
                Code::InvalidRequest,
                "the Authorization header must use the Bearer or DPoP scheme with one token",
            ));
        };
        if !is_b64token(token) {
            return Err(error(Code::InvalidToken, "malformed access token"));
        }
        if scheme == TokenScheme::DPoP && dpop_proof.is_none() {
            return Err(error(Code::InvalidDpopProof, "the DPoP header is required"));
        }
        found.push(PresentedToken {
            access_token: AccessToken::parse(token)
                .map_err(|_| error(Code::InvalidToken, "malformed access token"))?,
            scheme,
            location: TokenLocation::Header,
            dpop_proof: dpop_proof.clone(),
        });
    }

    let form = request.method != "GET"
        && request
            .content_type
            .is_some_and(|c| crate::params::check_form_content_type(Some(c)).is_ok());
    if form
        && let Some(token) =
            token_parameter(Params::parse_form(request.content_type, request.body))?
    {
        if !methods.allow_form_body {
            return Err(error(
                Code::InvalidRequest,
                "access_token in the request body is not accepted",
            ));
        }
        found.push(body_token(token, TokenLocation::FormBody, &dpop_proof)?);
    }
    if let Some(query) = request.query
        && let Some(token) = token_parameter(Params::parse_query(query))?
    {
        if !methods.allow_query {
            return Err(error(
                Code::InvalidRequest,
                "access_token in the URI is not accepted",
            ));
        }
        found.push(body_token(token, TokenLocation::Query, &dpop_proof)?);
    }
    if found.len() > 1 {
        return Err(error(
            Code::InvalidRequest,
            "the access token was presented by more than one method",
        ));
    }
    Ok(found.pop())
}

fn token_parameter(
    params: Result<Params, crate::params::ParamsError>,
) -> Result<Option<String>, ErrorResponse<ResourceErrorCode>> {
    let params = params.map_err(|e| error(ResourceErrorCode::InvalidRequest, &e.to_string()))?;
    params
        .single("access_token")
        .map(|t| t.map(str::to_owned))
        .map_err(|e| error(ResourceErrorCode::InvalidRequest, &e.to_string()))
}

fn body_token(
    token: String,
    location: TokenLocation,
    dpop_proof: &Option<TokenString>,
) -> Result<PresentedToken, ErrorResponse<ResourceErrorCode>> {
    Ok(PresentedToken {
        access_token: AccessToken::parse(&token)
            .map_err(|_| error(ResourceErrorCode::InvalidToken, "malformed access token"))?,
        scheme: TokenScheme::Bearer,
        location,
        dpop_proof: dpop_proof.clone(),
    })
}

/// A `WWW-Authenticate` challenge for `Bearer` (RFC 6750 §3) or `DPoP` (RFC 9449 §7.1).
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Challenge {
    /// The scheme.
    pub scheme: TokenScheme,
    /// `realm`.
    pub realm: Option<String>,
    /// `scope`: what the resource needs (RFC 6750 §3).
    pub scope: Option<Scope>,
    /// `error`, `error_description`, `error_uri`; absent when no credentials were sent
    /// (RFC 6750 §3.1).
    pub error: Option<ErrorResponse<ResourceErrorCode>>,
    /// `algs`: the DPoP proof algorithms accepted (RFC 9449 §7.1).
    pub algs: Vec<String>,
    /// Other parameters, kept when parsing (lowercase names).
    pub extra: Vec<(String, String)>,
}

impl Challenge {
    /// A `Bearer` challenge with no parameters.
    pub fn bearer() -> Self {
        Self::new(TokenScheme::Bearer)
    }

    /// A `DPoP` challenge listing the accepted proof algorithms.
    pub fn dpop(algs: impl IntoIterator<Item = impl Into<String>>) -> Self {
        let mut challenge = Self::new(TokenScheme::DPoP);
        challenge.algs = algs.into_iter().map(Into::into).collect();
        challenge
    }

    fn new(scheme: TokenScheme) -> Self {
        Self {
            scheme,
            realm: None,
            scope: None,
            error: None,
            algs: Vec::new(),
            extra: Vec::new(),
        }
    }

    /// Sets `realm`.
    #[must_use]
    pub fn with_realm(mut self, realm: impl Into<String>) -> Self {
        self.realm = Some(realm.into());
        self
    }

    /// Sets `scope`.
    #[must_use]
    pub fn with_scope(mut self, scope: Scope) -> Self {
        self.scope = Some(scope);
        self
    }

    /// Sets the error.
    #[must_use]
    pub fn with_error(mut self, error: ErrorResponse<ResourceErrorCode>) -> Self {
        self.error = Some(error);
        self
    }

    /// The header value, e.g. `Bearer realm="example", error="invalid_token",
    /// error_description="The access token expired"` (RFC 6750 §3).
    pub fn to_header_value(&self) -> String {
        let mut params: Vec<String> = Vec::new();
        if let Some(realm) = &self.realm {
            params.push(format!("realm={}", quoted_string(realm)));
        }
        if let Some(error) = &self.error {
            for (name, value) in error.to_pairs() {
                params.push(format!("{name}={}", quoted_string(&value)));
            }
        }
        if let Some(scope) = &self.scope
            && !scope.is_empty()
        {
            params.push(format!("scope={}", quoted_string(&scope.to_string())));
        }
        if !self.algs.is_empty() {
            params.push(format!("algs={}", quoted_string(&self.algs.join(" "))));
        }
        for (name, value) in &self.extra {
            if is_token(name) {
                params.push(format!("{name}={}", quoted_string(value)));
            }
        }
        if params.is_empty() {
            self.scheme.as_str().to_owned()
        } else {
            format!("{} {}", self.scheme.as_str(), params.join(", "))
        }
    }

    /// Parses the `Bearer` and `DPoP` challenges of a `WWW-Authenticate` header value, as a
    /// client; challenges of other schemes are skipped. Error codes are kept as received
    /// ([`ResourceErrorCode::Unknown`] for unknown ones); a description with characters outside
    /// the RFC 6749 set is sanitized.
    ///
    /// # Errors
    ///
    /// [`ChallengeParseError`] for a header that is not valid challenge syntax or exceeds the
    /// limits (8 KiB, 16 challenges, 32 parameters each).
    pub fn parse_header(value: &str) -> Result<Vec<Self>, ChallengeParseError> {
        let raw = parse_challenges(value)?;
        Ok(raw
            .into_iter()
            .filter_map(|raw| {
                let scheme = if raw.scheme.eq_ignore_ascii_case("bearer") {
                    TokenScheme::Bearer
                } else if raw.scheme.eq_ignore_ascii_case("dpop") {
                    TokenScheme::DPoP
                } else {
                    return None;
                };
                let mut challenge = Self::new(scheme);
                let mut code = None;
                let mut description = None;
                let mut uri = None;
                for (name, value) in raw.params {
                    match name.as_str() {
                        "realm" => challenge.realm = Some(value),
                        "scope" => {
                            challenge.scope =
                                Scope::parse_lenient(&value).ok().filter(|s| !s.is_empty());
                        }
                        "error" => code = Some(value),
                        "error_description" => description = Some(value),
                        "error_uri" => uri = Some(value),
                        "algs" => {
                            challenge.algs = value
                                .split(' ')
                                .filter(|s| !s.is_empty())
                                .map(str::to_owned)
                                .collect();
                        }
                        _ => challenge.extra.push((name, value)),
                    }
                }
                challenge.error = code.map(|code| {
                    let mut error = ErrorResponse::new(
                        <ResourceErrorCode as crate::error::ErrorCode>::from_wire_sanitized(&code),
                    );
                    error.error_description = description
                        .filter(|d| !d.is_empty())
                        .map(|d| crate::error::ErrorDescription::sanitized(&d));
                    error.error_uri = uri.and_then(|u| crate::error::ErrorUri::new(u).ok());
                    error
                });
                Some(challenge)
            })
            .collect())
    }
}

/// The 401/400/403 response of a protected resource: one `WWW-Authenticate` header per
/// challenge (RFC 6750 §3; RFC 9449 §7.1), the status from the first challenge's error
/// (RFC 6750 §3.1: 400 `invalid_request`, 401 `invalid_token`, 403 `insufficient_scope`; 401 when
/// there is no error), and `DPoP-Nonce` when a nonce is given (RFC 9449 §9).
pub fn resource_error_response(challenges: &[Challenge], dpop_nonce: Option<&str>) -> HttpResponse {
    let status = challenges
        .iter()
        .find_map(|c| c.error.as_ref().map(ErrorResponse::status))
        .unwrap_or(401);
    let mut response = HttpResponse::new(status).with_header(header::CACHE_CONTROL, "no-store");
    for challenge in challenges {
        response = response.with_header(header::WWW_AUTHENTICATE, challenge.to_header_value());
    }
    if let Some(nonce) = dpop_nonce {
        response = response.with_header(header::DPOP_NONCE, nonce.to_owned());
    }
    response
}

/// Why a `WWW-Authenticate` value could not be parsed.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ChallengeParseError {
    /// Larger than the limits.
    TooLarge,
    /// Not challenge syntax, at this byte offset.
    Syntax {
        /// Byte offset.
        at: usize,
    },
}

impl fmt::Display for ChallengeParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::TooLarge => f.write_str("WWW-Authenticate value exceeds the limits"),
            Self::Syntax { at } => write!(f, "WWW-Authenticate syntax error at byte {at}"),
        }
    }
}

impl std::error::Error for ChallengeParseError {}

/// `tchar` (RFC 9110 §5.6.2).
fn is_tchar(b: u8) -> bool {
    b.is_ascii_alphanumeric()
        || matches!(
            b,
            b'!' | b'#'
                | b'$'
                | b'%'
                | b'&'
                | b'\''
                | b'*'
                | b'+'
                | b'-'
                | b'.'
                | b'^'
                | b'_'
                | b'`'
                | b'|'
                | b'~'
        )
}

fn is_token(text: &str) -> bool {
    !text.is_empty() && text.bytes().all(is_tchar)
}

/// One challenge as written: scheme, optional token68, parameters (names lowercased).
#[derive(Debug)]
struct RawChallenge {
    scheme: String,
    params: Vec<(String, String)>,
}

struct Cursor<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl Cursor<'_> {
    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.at).copied()
    }

    fn skip_ows(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t')) {
            self.at += 1;
        }
    }

    fn take_while(&mut self, keep: impl Fn(u8) -> bool) -> String {
        let start = self.at;
        while self.peek().is_some_and(&keep) {
            self.at += 1;
        }
        String::from_utf8_lossy(self.bytes.get(start..self.at).unwrap_or_default()).into_owned()
    }

    fn error(&self) -> ChallengeParseError {
        ChallengeParseError::Syntax { at: self.at }
    }

    fn quoted_string(&mut self) -> Result<String, ChallengeParseError> {
        // The opening quote was peeked.
        self.at += 1;
        let mut out = Vec::new();
        loop {
            match self.peek() {
                None => return Err(self.error()),
                Some(b'"') => {
                    self.at += 1;
                    return String::from_utf8(out).map_err(|_| self.error());
                }
                Some(b'\\') => {
                    self.at += 1;
                    match self.peek() {
                        Some(b) if b == b'\t' || b >= 0x20 && b != 0x7F => out.push(b),
                        _ => return Err(self.error()),
                    }
                    self.at += 1;
                }
                Some(b) if b == b'\t' || b >= 0x20 && b != 0x7F => {
                    out.push(b);
                    self.at += 1;
                }
                Some(_) => return Err(self.error()),
            }
        }
    }
}

const MAX_HEADER_BYTES: usize = 8 * 1024;
const MAX_CHALLENGES: usize = 16;
const MAX_PARAMS: usize = 32;

/// RFC 9110 §11.6.1 `#challenge`.
fn parse_challenges(value: &str) -> Result<Vec<RawChallenge>, ChallengeParseError> {
    if value.len() > MAX_HEADER_BYTES {
        return Err(ChallengeParseError::TooLarge);
    }
    let mut cursor = Cursor {
        bytes: value.as_bytes(),
        at: 0,
    };
    let mut challenges: Vec<RawChallenge> = Vec::new();
    loop {
        // Empty list elements are allowed (RFC 9110 §5.6.1).
        loop {
            cursor.skip_ows();
            if cursor.peek() == Some(b',') {
                cursor.at += 1;
            } else {
                break;
            }
        }
        if cursor.peek().is_none() {
            return Ok(challenges);
        }
        let scheme = cursor.take_while(is_tchar);
        if scheme.is_empty() {
            return Err(cursor.error());
        }
        if challenges.len() >= MAX_CHALLENGES {
            return Err(ChallengeParseError::TooLarge);
        }
        let mut challenge = RawChallenge {
            scheme,
            params: Vec::new(),
        };
        if cursor.peek() == Some(b' ') {
            cursor.skip_ows();
            parse_challenge_body(&mut cursor, &mut challenge)?;
        }
        challenges.push(challenge);
        cursor.skip_ows();
        match cursor.peek() {
            None => return Ok(challenges),
            Some(b',') => {}
            Some(_) => return Err(cursor.error()),
        }
    }
}

/// Parses `token68` or `auth-param *( OWS "," OWS auth-param )` after a scheme, stopping before
/// the comma that starts the next challenge.
fn parse_challenge_body(
    cursor: &mut Cursor<'_>,
    challenge: &mut RawChallenge,
) -> Result<(), ChallengeParseError> {
    loop {
        let start = cursor.at;
        let name = cursor.take_while(is_tchar);
        if name.is_empty() {
            // Nothing (a scheme followed by spaces), or a token68 starting with `/`.
            let token68 = cursor.take_while(|b| b == b'/' || b == b'=');
            if !token68.is_empty() {
                challenge.params.push((String::new(), token68));
            }
            return Ok(());
        }
        let after_name = cursor.at;
        cursor.skip_ows();
        if cursor.peek() != Some(b'=') {
            // Not a parameter: a new challenge's scheme after a comma, or a token68.
            cursor.at = start;
            if challenge.params.is_empty() {
                let token68 = cursor.take_while(|b| {
                    b.is_ascii_alphanumeric()
                        || matches!(b, b'-' | b'.' | b'_' | b'~' | b'+' | b'/')
                });
                let padding = cursor.take_while(|b| b == b'=');
                challenge.params.push((String::new(), token68 + &padding));
            }
            return Ok(());
        }
        // `name=`: could still be a token68 ending in `=` (e.g. `abc==`).
        cursor.at += 1;
        cursor.skip_ows();
        let value = match cursor.peek() {
            Some(b'"') => cursor.quoted_string()?,
            Some(b) if is_tchar(b) => cursor.take_while(is_tchar),
            _ if challenge.params.is_empty() => {
                // token68 with padding.
                cursor.at = after_name;
                let padding = cursor.take_while(|b| b == b'=');
                challenge.params.push((String::new(), name + &padding));
                return Ok(());
            }
            _ => return Err(cursor.error()),
        };
        if challenge.params.len() >= MAX_PARAMS {
            return Err(ChallengeParseError::TooLarge);
        }
        challenge.params.push((name.to_ascii_lowercase(), value));
        cursor.skip_ows();
        if cursor.peek() != Some(b',') {
            return Ok(());
        }
        // A comma: the next item is another parameter or the next challenge.
        let comma = cursor.at;
        cursor.at += 1;
        loop {
            cursor.skip_ows();
            if cursor.peek() == Some(b',') {
                cursor.at += 1;
            } else {
                break;
            }
        }
        let lookahead = cursor.at;
        let next = cursor.take_while(is_tchar);
        cursor.skip_ows();
        let is_param = !next.is_empty() && cursor.peek() == Some(b'=');
        cursor.at = if is_param { lookahead } else { comma };
        if !is_param {
            return Ok(());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn target_normalization() {
        let uri = "https://rs.example/diagrams/plan.svg";
        for same in [
            "https://rs.example/diagrams/plan.svg",
            "https://rs.example/diagrams/plan.svg?version=2",
            "https://rs.example/diagrams/plan.svg#top",
            "HTTPS://RS.Example/diagrams/plan.svg",
            "https://rs.example:443/diagrams/plan.svg",
        ] {
            assert!(same_target(same, uri), "{same}");
        }
        for other in [
            "https://rs.example/diagrams/other.svg",
            "http://rs.example/diagrams/plan.svg",
            "https://rs.example:8443/diagrams/plan.svg",
            "https://evil.example/diagrams/plan.svg",
            "/diagrams/plan.svg",
            "",
        ] {
            assert!(!same_target(other, uri), "{other}");
        }
    }

    use crate::error::ErrorDescription;

    #[test]
    fn rfc_6750_section_2_1_header() {
        let request = HttpRequest {
            method: "GET",
            authorization: Some("Bearer mF_9.B5f-4.1JqM"),
            ..HttpRequest::default()
        };
        let token = presented_token(&request, TokenMethods::HEADER_ONLY)
            .unwrap()
            .unwrap();
        assert_eq!(token.access_token.as_str(), "mF_9.B5f-4.1JqM");
        assert_eq!(token.scheme, TokenScheme::Bearer);
        let lower = HttpRequest {
            authorization: Some("bearer   mF_9.B5f-4.1JqM=="),
            ..request
        };
        assert!(presented_token(&lower, TokenMethods::HEADER_ONLY).is_ok());
    }

    #[test]
    fn req_51_query_tokens_refused_by_default_and_no_credentials_is_none() {
        let query = HttpRequest::get("access_token=mF_9.B5f-4.1JqM");
        let error = presented_token(&query, TokenMethods::HEADER_ONLY).unwrap_err();
        assert_eq!(error.error, ResourceErrorCode::InvalidRequest);
        assert!(
            presented_token(&query, TokenMethods::HEADER_ONLY.danger_with_query())
                .unwrap()
                .is_some()
        );
        assert_eq!(
            presented_token(&HttpRequest::get("x=1"), TokenMethods::HEADER_ONLY).unwrap(),
            None
        );
        let challenge = Challenge::bearer().with_realm("example");
        let response = resource_error_response(&[challenge], None);
        assert_eq!(response.status(), 401);
        assert_eq!(
            response.header("www-authenticate"),
            Some("Bearer realm=\"example\"")
        );
    }

    #[test]
    fn form_body_is_opt_in_and_two_methods_conflict() {
        let body = HttpRequest::form_post(b"access_token=mF_9.B5f-4.1JqM");
        assert!(presented_token(&body, TokenMethods::HEADER_ONLY).is_err());
        let token = presented_token(&body, TokenMethods::HEADER_ONLY.with_form_body())
            .unwrap()
            .unwrap();
        assert_eq!(token.location, TokenLocation::FormBody);
        let both = body.with_authorization("Bearer abc");
        let error = presented_token(&both, TokenMethods::HEADER_ONLY.with_form_body()).unwrap_err();
        assert_eq!(error.error, ResourceErrorCode::InvalidRequest);
    }

    #[test]
    fn dpop_needs_its_proof_header() {
        let request = HttpRequest {
            method: "GET",
            authorization: Some("DPoP Kz~8mXK1EalYznwH-LC-1fBAo.4Ljp~zsPE_NeO.gxU"),
            ..HttpRequest::default()
        };
        let error = presented_token(&request, TokenMethods::HEADER_ONLY).unwrap_err();
        assert_eq!(error.error, ResourceErrorCode::InvalidDpopProof);
        let with_proof =
            request.with_dpop("eyJ0eXAiOiJkcG9wK2p3dCJ9.eyJqdGkiOiJlMWozVl9iS2ljOC1MQUVCIn0.sig");
        let token = presented_token(&with_proof, TokenMethods::HEADER_ONLY)
            .unwrap()
            .unwrap();
        assert_eq!(token.scheme, TokenScheme::DPoP);
        assert!(token.dpop_proof.is_some());
        for bad in [
            "Basic abc",
            "Bearer",
            "Bearer a b",
            "Bearer a\"b",
            "Token abc",
        ] {
            let request = HttpRequest {
                method: "GET",
                authorization: Some(bad),
                ..HttpRequest::default()
            };
            assert!(
                presented_token(&request, TokenMethods::HEADER_ONLY).is_err(),
                "{bad}"
            );
        }
    }

    #[test]
    fn rfc_6750_section_3_challenges_written_exactly() {
        let expired = Challenge::bearer().with_realm("example").with_error(
            ErrorResponse::new(ResourceErrorCode::InvalidToken)
                .with_description("The access token expired"),
        );
        assert_eq!(
            expired.to_header_value(),
            "Bearer realm=\"example\", error=\"invalid_token\", error_description=\"The access token expired\""
        );
        let dpop = Challenge::dpop(["ES256", "PS256"])
            .with_error(ErrorResponse::new(ResourceErrorCode::InvalidToken));
        // RFC 9449 §7.1 example shape.
        assert_eq!(
            dpop.to_header_value(),
            "DPoP error=\"invalid_token\", algs=\"ES256 PS256\""
        );
        let response = resource_error_response(
            &[Challenge::bearer()
                .with_error(ErrorResponse::new(ResourceErrorCode::InsufficientScope))
                .with_scope(Scope::parse("read write").unwrap())],
            None,
        );
        assert_eq!(response.status(), 403);
        let nonce = resource_error_response(
            &[Challenge::dpop(["ES256"])
                .with_error(ErrorResponse::new(ResourceErrorCode::UseDpopNonce))],
            Some("eyJ7S_zG.eyJH0-Z.HX4w-7v"),
        );
        assert_eq!(nonce.status(), 401);
        assert_eq!(nonce.header("dpop-nonce"), Some("eyJ7S_zG.eyJH0-Z.HX4w-7v"));
    }

    #[test]
    fn challenges_parse_back() {
        let written = Challenge::bearer()
            .with_realm("a \"quoted\" realm")
            .with_scope(Scope::parse("openid profile").unwrap())
            .with_error(ErrorResponse {
                error: ResourceErrorCode::InvalidToken,
                error_description: Some(ErrorDescription::new("it, expired").unwrap()),
                error_uri: None,
            });
        let header = format!(
            "Basic realm=\"x\", {}, DPoP algs=\"ES256\", Newauth abc==",
            written.to_header_value()
        );
        let parsed = Challenge::parse_header(&header).unwrap();
        assert_eq!(parsed.len(), 2);
        assert_eq!(parsed[0], written);
        assert_eq!(parsed[1].algs, ["ES256"]);
        assert_eq!(
            Challenge::parse_header("Bearer").unwrap(),
            vec![Challenge::bearer()]
        );
        assert!(Challenge::parse_header("Bearer realm=\"unterminated").is_err());
        assert!(Challenge::parse_header("=x").is_err());
        assert!(Challenge::parse_header(&"Bearer a=b, ".repeat(2000)).is_err());
    }
}

//! Responses as data: status, headers and body, for the embedder to send as they are.
//!
//! - JSON responses carry `Content-Type: application/json`, `Cache-Control: no-store` and
//!   `Pragma: no-cache` (RFC 6749 §5.1, §5.2);
//! - a token-endpoint `invalid_client` is 401 with `WWW-Authenticate` (RFC 6749 §5.2);
//! - authorization responses are delivered to a [`MatchedRedirectUri`] by a 303 redirect with the
//!   parameters in the query (the registered query kept) or the fragment, or by an auto-submitting
//!   `form_post` page (OAuth 2.0 Form Post Response Mode §2) with every value HTML-escaped.
//!
//! 303 See Other is used for every redirect: after a POST (a login form, a form-post
//! authorization request) it makes the browser follow with GET and never re-send credentials,
//! which a 307 would do (RFC 9700 §4.12).

use std::borrow::Cow;
use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::error::{ErrorResponse, TokenErrorCode};
use crate::form;
use crate::params::Params;
use crate::redirect_uri::MatchedRedirectUri;

/// Header names used by this crate, lowercase as HTTP/2 writes them.
pub mod header {
    /// `cache-control`
    pub const CACHE_CONTROL: &str = "cache-control";
    /// `pragma`
    pub const PRAGMA: &str = "pragma";
    /// `content-type`
    pub const CONTENT_TYPE: &str = "content-type";
    /// `location`
    pub const LOCATION: &str = "location";
    /// `www-authenticate`
    pub const WWW_AUTHENTICATE: &str = "www-authenticate";
    /// `content-security-policy`
    pub const CONTENT_SECURITY_POLICY: &str = "content-security-policy";
    /// `referrer-policy`
    pub const REFERRER_POLICY: &str = "referrer-policy";
    /// `dpop-nonce` (RFC 9449 §8)
    pub const DPOP_NONCE: &str = "dpop-nonce";
    /// `authorization`
    pub const AUTHORIZATION: &str = "authorization";
    /// `dpop` (RFC 9449 §4.1)
    pub const DPOP: &str = "dpop";
}

/// One response header: its lowercase name and its value (a static value is not copied).
pub type HeaderField = (&'static str, Cow<'static, str>);

/// An HTTP response as data.
#[derive(Clone, PartialEq, Eq)]
pub struct HttpResponse {
    status: u16,
    /// A fixed set of static headers is shared, not copied, until one is added.
    headers: Cow<'static, [HeaderField]>,
    body: Vec<u8>,
}

/// The headers of every JSON response: `Content-Type`, and no caching (RFC 6749 §5.1).
static JSON_NO_STORE: [HeaderField; 3] = [
    (header::CONTENT_TYPE, Cow::Borrowed("application/json")),
    (header::CACHE_CONTROL, Cow::Borrowed("no-store")),
    (header::PRAGMA, Cow::Borrowed("no-cache")),
];

impl HttpResponse {
    /// A response with a status, no headers and an empty body.
    pub fn new(status: u16) -> Self {
        Self {
            status,
            headers: Cow::Borrowed(&[]),
            body: Vec::new(),
        }
    }

    /// A JSON response with `Cache-Control: no-store` and `Pragma: no-cache`
    /// (RFC 6749 §5.1; also right for introspection, registration and every response that may
    /// hold a secret).
    pub fn json<T: Serialize>(status: u16, body: &T) -> Self {
        Self::json_bytes(status, crate::json::to_vec(body))
    }

    /// [`json`](Self::json) with the body already written.
    pub(crate) fn json_bytes(status: u16, body: Vec<u8>) -> Self {
        Self {
            status,
            headers: Cow::Borrowed(&JSON_NO_STORE),
            body,
        }
    }

    /// A back-channel error response (RFC 6749 §5.2): 400 JSON, except `invalid_client`, which
    /// is 401 with `WWW-Authenticate: Basic realm="<realm>"` (a 401 must carry a challenge,
    /// RFC 9110 §15.5.2, and RFC 6749 §5.2 requires it when the client used the Authorization
    /// header). 5xx codes keep their status.
    pub fn token_error(error: &ErrorResponse<TokenErrorCode>, realm: &str) -> Self {
        let response = Self::json_bytes(error.status(), error.to_json());
        if error.error == TokenErrorCode::InvalidClient {
            response.with_header(
                header::WWW_AUTHENTICATE,
                format!("Basic realm={}", quoted_string(realm)),
            )
        } else {
            response
        }
    }

    /// A 303 redirect to `location`.
    pub fn redirect(location: String) -> Self {
        Self::new(303)
            .with_header(header::LOCATION, location)
            .with_header(header::CACHE_CONTROL, "no-store")
    }

    /// Adds a header. A `&'static str` value is kept without copying.
    #[must_use]
    pub fn with_header(mut self, name: &'static str, value: impl Into<Cow<'static, str>>) -> Self {
        let headers = self.headers.to_mut();
        if headers.capacity() == 0 {
            // Room for what the endpoints add (content type, caching, a challenge or location)
            // without growing.
            headers.reserve(4);
        }
        headers.push((name, value.into()));
        self
    }

    /// Replaces the body.
    #[must_use]
    pub fn with_body(mut self, body: Vec<u8>) -> Self {
        self.body = body;
        self
    }

    /// The status code.
    pub fn status(&self) -> u16 {
        self.status
    }

    /// The headers, lowercase names, in the order added.
    pub fn headers(&self) -> &[HeaderField] {
        &self.headers
    }

    /// The first value of header `name` (lowercase).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, v)| &**v)
    }

    /// The body.
    pub fn body(&self) -> &[u8] {
        &self.body
    }

    /// Status, headers and body. The headers are borrowed when they are a fixed static set
    /// (every JSON response's), owned otherwise.
    pub fn into_parts(self) -> (u16, Cow<'static, [HeaderField]>, Vec<u8>) {
        (self.status, self.headers, self.body)
    }
}

impl fmt::Debug for HttpResponse {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Bodies and Location headers carry codes and tokens.
        f.debug_struct("HttpResponse")
            .field("status", &self.status)
            .field(
                "headers",
                &self.headers.iter().map(|(n, _)| n).collect::<Vec<_>>(),
            )
            .field("body_len", &self.body.len())
            .finish()
    }
}

/// Writes `text` as an HTTP quoted-string (RFC 9110 §5.6.4): `"` and `\` are escaped, and
/// characters that cannot appear (controls, non-ASCII) become `?`.
pub(crate) fn quoted_string(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        match c {
            '"' | '\\' => {
                out.push('\\');
                out.push(c);
            }
            ' ' | '\t' | '!'..='~' => out.push(c),
            _ => out.push('?'),
        }
    }
    out.push('"');
    out
}

/// How authorization response parameters reach the client (OAuth 2.0 Multiple Response Type
/// Encoding Practices §2.1; Form Post Response Mode §2).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ResponseMode {
    /// In the redirect URI's query (the default for `code`).
    Query,
    /// In the redirect URI's fragment (the default for response types that issue tokens).
    Fragment,
    /// In an auto-submitting HTML form POSTed to the redirect URI.
    FormPost,
    /// Any other value (JARM's `jwt` modes, ...), kept so the server can refuse it with a 400
    /// and no redirect (OIDC Core §3.1.2.6, checklist item 12).
    Unknown(String),
}

impl ResponseMode {
    /// Maps a `response_mode` value.
    pub fn from_wire(value: &str) -> Self {
        match value {
            "query" => Self::Query,
            "fragment" => Self::Fragment,
            "form_post" => Self::FormPost,
            other => Self::Unknown(other.to_owned()),
        }
    }

    /// The wire value.
    pub fn as_str(&self) -> &str {
        match self {
            Self::Query => "query",
            Self::Fragment => "fragment",
            Self::FormPost => "form_post",
            Self::Unknown(other) => other,
        }
    }
}

impl Serialize for ResponseMode {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for ResponseMode {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let value = std::borrow::Cow::<'de, str>::deserialize(deserializer)?;
        Ok(Self::from_wire(&value))
    }
}

/// Why an authorization response could not be delivered.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum DeliveryError {
    /// The response mode is not one of `query`, `fragment`, `form_post`: answer with a plain
    /// HTTP 400 and no redirect (OIDC Core §3.1.2.6).
    UnsupportedResponseMode(String),
}

impl fmt::Display for DeliveryError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::UnsupportedResponseMode(mode) => {
                write!(f, "response_mode {mode:?} is not supported")
            }
        }
    }
}

impl std::error::Error for DeliveryError {}

/// The SHA-256 of [`FORM_POST_SCRIPT`], base64, for the page's Content-Security-Policy.
const FORM_POST_SCRIPT_SHA256: &str = "8lDeP0UDwCO6/RhblgeH/ctdBzjVpJxrXizsnIk3cEQ=";
/// The only script on the form-post page.
const FORM_POST_SCRIPT: &str = "document.forms[0].submit();";

/// Delivers authorization response `params` to `target` in `mode`.
///
/// - `Query`: a 303 to `target` with the parameters appended to its query; a registered query is
///   kept (RFC 6749 §3.1.2).
/// - `Fragment`: a 303 to `target#params`.
/// - `FormPost`: a 200 HTML page whose form POSTs the parameters to `target`, submitted by a
///   script allowed by hash in its Content-Security-Policy, with a button for browsers without
///   script. Every value is HTML-escaped.
///
/// # Errors
///
/// [`DeliveryError::UnsupportedResponseMode`] for [`ResponseMode::Unknown`].
pub fn deliver(
    target: &MatchedRedirectUri,
    mode: &ResponseMode,
    params: &Params,
) -> Result<HttpResponse, DeliveryError> {
    deliver_pairs(target, mode, params.entries())
}

/// [`deliver`] for parameters that are not in a [`Params`]: `pairs` is walked once to size the
/// URL and once to write it.
pub(crate) fn deliver_pairs<'a>(
    target: &MatchedRedirectUri,
    mode: &ResponseMode,
    pairs: impl Iterator<Item = (&'a str, &'a str)> + Clone,
) -> Result<HttpResponse, DeliveryError> {
    let uri = target.as_str();
    match mode {
        ResponseMode::Query if pairs.clone().next().is_none() => {
            Ok(HttpResponse::redirect(uri.to_owned()))
        }
        ResponseMode::Query => Ok(HttpResponse::redirect(with_pairs(
            uri,
            query_separator(uri),
            pairs,
        ))),
        ResponseMode::Fragment => Ok(HttpResponse::redirect(with_pairs(uri, "#", pairs))),
        ResponseMode::FormPost => Ok(form_post_page(target, pairs)),
        ResponseMode::Unknown(other) => Err(DeliveryError::UnsupportedResponseMode(
            crate::params::clip(other),
        )),
    }
}

/// `uri`, `separator` and the form-encoded `pairs`, written into a string of the exact length.
fn with_pairs<'a>(
    uri: &str,
    separator: &str,
    pairs: impl Iterator<Item = (&'a str, &'a str)> + Clone,
) -> String {
    let length = uri.len() + separator.len() + form::pairs_len(pairs.clone());
    let mut out = String::with_capacity(length);
    out.push_str(uri);
    out.push_str(separator);
    form::encode_pairs_into(&mut out, pairs);
    out
}

/// What goes between a URI without fragment and the parameters appended to its query: `?` when
/// it has no query, nothing when the query is empty or ends with `&`, else `&` (an existing query
/// is kept, RFC 6749 §3.1.2).
fn query_separator(uri: &str) -> &'static str {
    match uri.rfind('?') {
        None => "?",
        Some(_) if uri.ends_with('?') || uri.ends_with('&') => "",
        Some(_) => "&",
    }
}

/// Appends an encoded query to a URI that has no fragment, keeping an existing query.
pub(crate) fn append_query(uri: &str, encoded: &str) -> String {
    if encoded.is_empty() {
        return uri.to_owned();
    }
    [uri, query_separator(uri), encoded].concat()
}

fn form_post_page<'a>(
    target: &MatchedRedirectUri,
    pairs: impl Iterator<Item = (&'a str, &'a str)>,
) -> HttpResponse {
    let mut html = String::with_capacity(512);
    html.push_str(
        "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>Submit This Form</title></head>\n<body>\n<form method=\"post\" action=\"",
    );
    html.push_str(&escape_html(target.as_str()));
    html.push_str("\">\n");
    for (name, value) in pairs {
        html.push_str("<input type=\"hidden\" name=\"");
        html.push_str(&escape_html(name));
        html.push_str("\" value=\"");
        html.push_str(&escape_html(value));
        html.push_str("\">\n");
    }
    html.push_str(
        "<noscript><button type=\"submit\">Continue</button></noscript>\n</form>\n<script>",
    );
    html.push_str(FORM_POST_SCRIPT);
    html.push_str("</script>\n</body></html>\n");
    HttpResponse::new(200)
        .with_header(header::CONTENT_TYPE, "text/html; charset=utf-8")
        .with_header(header::CACHE_CONTROL, "no-store")
        .with_header(header::PRAGMA, "no-cache")
        .with_header(header::REFERRER_POLICY, "no-referrer")
        .with_header(
            header::CONTENT_SECURITY_POLICY,
            format!("default-src 'none'; script-src 'sha256-{FORM_POST_SCRIPT_SHA256}'"),
        )
        .with_body(html.into_bytes())
}

/// Escapes text for an HTML attribute value or text node.
pub(crate) fn escape_html(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::redirect_uri::{
        RedirectUri, RedirectUriParameter, RegisteredRedirectUri, select_redirect_uri,
    };

    fn target(uri: &str) -> MatchedRedirectUri {
        let registered = [RegisteredRedirectUri::parse(uri).unwrap()];
        select_redirect_uri(
            &registered,
            Some(&RedirectUri::parse(uri).unwrap()),
            RedirectUriParameter::Required,
        )
        .unwrap()
    }

    fn params() -> Params {
        [("code", "SplxlOBeZQQYbYS6WxSbIA"), ("state", "xyz")]
            .into_iter()
            .collect()
    }

    #[test]
    fn req_8_registered_query_is_preserved() {
        let response = deliver(
            &target("https://client.example/cb?tenant=a"),
            &ResponseMode::Query,
            &params(),
        )
        .unwrap();
        assert_eq!(response.status(), 303);
        assert_eq!(
            response.header(header::LOCATION),
            Some("https://client.example/cb?tenant=a&code=SplxlOBeZQQYbYS6WxSbIA&state=xyz")
        );
        assert_eq!(
            append_query("https://c.example/cb?", "a=1"),
            "https://c.example/cb?a=1"
        );
        assert_eq!(
            append_query("https://c.example/cb?x=1&", "a=1"),
            "https://c.example/cb?x=1&a=1"
        );
        assert_eq!(
            append_query("https://c.example/cb", "a=1"),
            "https://c.example/cb?a=1"
        );
    }

    #[test]
    fn req_24_redirects_are_303_not_307() {
        for mode in [ResponseMode::Query, ResponseMode::Fragment] {
            let response = deliver(&target("https://client.example/cb"), &mode, &params()).unwrap();
            assert_eq!(response.status(), 303);
        }
    }

    #[test]
    fn fragment_mode() {
        let response = deliver(
            &target("https://client.example/cb?x=1"),
            &ResponseMode::Fragment,
            &params(),
        )
        .unwrap();
        assert_eq!(
            response.header(header::LOCATION),
            Some("https://client.example/cb?x=1#code=SplxlOBeZQQYbYS6WxSbIA&state=xyz")
        );
    }

    #[test]
    fn form_post_escapes_everything() {
        let hostile: Params = [("state", "\"><script>alert(1)</script>&'")]
            .into_iter()
            .collect();
        let response = deliver(
            &target("https://client.example/cb?a=1&b=2"),
            &ResponseMode::FormPost,
            &hostile,
        )
        .unwrap();
        assert_eq!(response.status(), 200);
        let html = String::from_utf8(response.body().to_vec()).unwrap();
        assert!(html.contains("action=\"https://client.example/cb?a=1&amp;b=2\""));
        assert!(
            html.contains("value=\"&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;&amp;&#39;\"")
        );
        assert_eq!(html.matches("<script>").count(), 1);
        assert_eq!(response.header(header::CACHE_CONTROL), Some("no-store"));
    }

    #[test]
    fn form_post_script_hash_matches_the_script() {
        use base64::Engine as _;
        let digest = ring::digest::digest(&ring::digest::SHA256, FORM_POST_SCRIPT.as_bytes());
        assert_eq!(
            base64::engine::general_purpose::STANDARD.encode(digest.as_ref()),
            FORM_POST_SCRIPT_SHA256
        );
    }

    #[test]
    fn req_12_unknown_response_mode_is_not_delivered() {
        assert_eq!(
            deliver(
                &target("https://client.example/cb"),
                &ResponseMode::from_wire("query.jwt"),
                &params()
            ),
            Err(DeliveryError::UnsupportedResponseMode("query.jwt".into()))
        );
    }

    #[test]
    fn req_37_json_responses_are_not_cached() {
        let response = HttpResponse::json(200, &serde_json::json!({"access_token": "x"}));
        assert_eq!(response.header(header::CACHE_CONTROL), Some("no-store"));
        assert_eq!(response.header(header::PRAGMA), Some("no-cache"));
        assert_eq!(
            response.header(header::CONTENT_TYPE),
            Some("application/json")
        );
    }

    #[test]
    fn req_32_invalid_client_is_401_with_challenge() {
        let error = ErrorResponse::new(TokenErrorCode::InvalidClient);
        let response = HttpResponse::token_error(&error, "as \"x\"");
        assert_eq!(response.status(), 401);
        assert_eq!(
            response.header(header::WWW_AUTHENTICATE),
            Some("Basic realm=\"as \\\"x\\\"\"")
        );
        assert_eq!(response.body(), br#"{"error":"invalid_client"}"#);
        let grant =
            HttpResponse::token_error(&ErrorResponse::new(TokenErrorCode::InvalidGrant), "as");
        assert_eq!(grant.status(), 400);
        assert_eq!(grant.header(header::WWW_AUTHENTICATE), None);
    }

    /// The delivery this module replaced: `form_urlencoded` and `format!`.
    fn reference_deliver(
        target: &MatchedRedirectUri,
        mode: &ResponseMode,
        params: &Params,
    ) -> String {
        let encoded = crate::params::reference::encode(params.iter());
        match mode {
            ResponseMode::Fragment => format!("{}#{}", target.as_str(), encoded),
            _ if encoded.is_empty() => target.as_str().to_owned(),
            _ => {
                let uri = target.as_str();
                let separator = match uri.rfind('?') {
                    None => "?",
                    Some(_) if uri.ends_with('?') || uri.ends_with('&') => "",
                    Some(_) => "&",
                };
                format!("{uri}{separator}{encoded}")
            }
        }
    }

    proptest::proptest! {
        #[test]
        fn redirects_match_the_reference(
            pairs in proptest::collection::vec((".{0,6}", ".{0,6}"), 0..5),
            uri in proptest::sample::select(&[
                "https://client.example/cb",
                "https://client.example/cb?",
                "https://client.example/cb?x=1",
                "https://client.example/cb?x=1&",
                "https://client.example/a?b/c",
                "com.example.app:/cb",
            ][..]),
            fragment: bool,
        ) {
            let params: Params = pairs.iter().map(|(n, v)| (n.as_str(), v.as_str())).collect();
            let mode = if fragment { ResponseMode::Fragment } else { ResponseMode::Query };
            let response = deliver(&target(uri), &mode, &params).unwrap();
            let location = response.header(header::LOCATION).unwrap();
            proptest::prop_assert_eq!(location, reference_deliver(&target(uri), &mode, &params));
            let (_, headers, _) = response.into_parts();
            let location = headers.into_owned().into_iter().find(|(n, _)| *n == header::LOCATION).unwrap().1;
            let std::borrow::Cow::Owned(location) = location else {
                return Err(proptest::test_runner::TestCaseError::fail("a Location is built"));
            };
            proptest::prop_assert_eq!(location.len(), location.capacity());
        }
    }
}

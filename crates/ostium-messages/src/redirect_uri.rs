//! Redirect URIs: syntax, registration rules and the one matching function
//! (RFC 6749 §3.1.2, §3.1.2.3; RFC 8252 §7.3, §8.3; RFC 9700 §2.1, §2.6, §4.1.3).
//!
//! Three types, three moments:
//! - [`RedirectUri`]: a `redirect_uri` as sent in a request, syntax-checked only: an absolute URI
//!   of RFC 3986 characters, without fragment (RFC 6749 §3.1.2).
//! - [`RegisteredRedirectUri`]: a URI accepted at registration time, with stricter rules (below).
//! - [`MatchedRedirectUri`]: the result of matching a request against the registered set; the
//!   only type the response writers accept, so that nothing redirects to an unverified URI
//!   (RFC 6749 §4.1.2.1, RFC 9700 §4.11.2).
//!
//! # The matching rule
//!
//! Exact, byte-for-byte string comparison (RFC 9700 §4.1.3, RFC 6749 §3.1.2.3, OIDC Core
//! §3.1.2.1): no case folding, no percent-decoding, no default-port or trailing-slash
//! normalization, no query tolerance. One exception: a registered **loopback IP** URI,
//! `http://127.0.0.1…` or `http://[::1]…`, matches the same URI with any port, or none, at request
//! time (RFC 8252 §7.3); scheme, host literal, path and query must still be identical.
//!
//! # `localhost`
//!
//! `localhost` is not a loopback IP literal and gets no special treatment: RFC 8252 §8.3 calls
//! it NOT RECOMMENDED (the name may resolve to a non-loopback interface, or be captured by another
//! listener), and RFC 9700 §2.6 allows `http` only for the loopback interface. So
//! `http://localhost…` is refused at registration ([`RedirectUriError::HttpLocalhost`], with a
//! message pointing at `http://127.0.0.1`), and no port flexibility ever applies to it.
//! `https://localhost…` is an ordinary https URI, matched exactly.
//!
//! # Registration rules
//!
//! On top of the request-time syntax: the scheme is lowercase; `javascript`, `data`, `vbscript`,
//! `file`, `blob` and `about` are refused; `http`/`https` URIs have a host and no userinfo; `http`
//! only with the host literals `127.0.0.1` or `[::1]`. Private-use schemes for native apps
//! (`com.example.app:/callback`, RFC 8252 §7.1) are accepted.

use std::fmt;
use std::sync::Arc;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// Longest redirect URI accepted, in bytes.
pub const MAX_REDIRECT_URI_LEN: usize = 2048;

/// RFC 3986 characters: unreserved, reserved and `%`.
pub(crate) fn is_uri_char(b: u8) -> bool {
    URI_CHARS.get(usize::from(b)).copied().unwrap_or(false)
}

/// [`is_uri_char`] as a table.
// Built at compile time, where an index out of bounds is a build error, not a panic.
#[allow(clippy::indexing_slicing)]
static URI_CHARS: [bool; 256] = {
    let mut table = [false; 256];
    let mut b = 0;
    while b < 256 {
        let c = b as u8;
        table[b] = c.is_ascii_alphanumeric()
            || matches!(
                c,
                b'-' | b'.'
                    | b'_'
                    | b'~'
                    | b':'
                    | b'/'
                    | b'?'
                    | b'#'
                    | b'['
                    | b']'
                    | b'@'
                    | b'!'
                    | b'$'
                    | b'&'
                    | b'\''
                    | b'('
                    | b')'
                    | b'*'
                    | b'+'
                    | b','
                    | b';'
                    | b'='
                    | b'%'
            );
        b += 1;
    }
    table
};

/// Every `%` is followed by two hexadecimal digits.
pub(crate) fn percent_encodings_well_formed(text: &str) -> bool {
    let bytes = text.as_bytes();
    bytes.iter().enumerate().all(|(i, &b)| {
        b != b'%'
            || matches!(
                (bytes.get(i + 1), bytes.get(i + 2)),
                (Some(h), Some(l)) if h.is_ascii_hexdigit() && l.is_ascii_hexdigit()
            )
    })
}

/// `scheme ":"` at the start (RFC 3986 §3.1: `ALPHA *( ALPHA / DIGIT / "+" / "-" / "." )`).
pub(crate) fn has_scheme(text: &str) -> bool {
    text.starts_with("https:") || text.starts_with("http:") || scheme_of(text).is_some()
}

fn scheme_of(text: &str) -> Option<&str> {
    let (scheme, _) = text.split_once(':')?;
    let mut bytes = scheme.bytes();
    let first = bytes.next()?;
    (first.is_ascii_alphabetic()
        && bytes.all(|b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'-' | b'.')))
    .then_some(scheme)
}

/// Why a redirect URI was refused or did not match.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum RedirectUriError {
    /// Empty, or longer than [`MAX_REDIRECT_URI_LEN`].
    Length,
    /// A byte that is not an RFC 3986 character, at this offset (spaces, `"`, `<`, `\`,
    /// non-ASCII: an IRI must be sent in its URI form).
    Character {
        /// Byte offset.
        at: usize,
    },
    /// A `%` not followed by two hexadecimal digits.
    MalformedPercentEncoding,
    /// Not an absolute URI (RFC 6749 §3.1.2).
    NotAbsolute,
    /// Has a fragment (RFC 6749 §3.1.2).
    Fragment,
    /// Registration: the scheme is not lowercase.
    SchemeNotLowercase,
    /// Registration: a scheme that can run code or read local data (`javascript`, `data`, ...).
    ForbiddenScheme(String),
    /// Registration: an `http`/`https` URI without a host.
    MissingHost,
    /// Registration: userinfo (`user@`) in the authority.
    UserInfo,
    /// Registration: a port that is empty, zero, above 65535 or has a leading zero.
    InvalidPort,
    /// Registration: `http` with a host other than `127.0.0.1` or `[::1]` (RFC 9700 §2.6).
    HttpNotLoopback,
    /// Registration: `http://localhost`; RFC 8252 §8.3 recommends the loopback IP literal.
    HttpLocalhost,
    /// Request: the `redirect_uri` matches no registered URI (RFC 6749 §3.1.2.4).
    NotRegistered,
    /// Request: `redirect_uri` is required here (several or no URIs registered, or OpenID
    /// Connect) but was not sent (RFC 6749 §3.1.2.3, OIDC Core §3.1.2.1).
    Required,
}

impl fmt::Display for RedirectUriError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Length => write!(
                f,
                "redirect_uri is empty or longer than {MAX_REDIRECT_URI_LEN} bytes"
            ),
            Self::Character { at } => write!(
                f,
                "redirect_uri has a character outside RFC 3986 at byte {at}"
            ),
            Self::MalformedPercentEncoding => {
                f.write_str("redirect_uri has a malformed percent-encoding")
            }
            Self::NotAbsolute => f.write_str("redirect_uri is not an absolute URI"),
            Self::Fragment => f.write_str("redirect_uri must not have a fragment"),
            Self::SchemeNotLowercase => f.write_str("redirect_uri scheme must be lowercase"),
            Self::ForbiddenScheme(scheme) => {
                write!(f, "redirect_uri scheme {scheme} is not allowed")
            }
            Self::MissingHost => f.write_str("redirect_uri has no host"),
            Self::UserInfo => f.write_str("redirect_uri must not contain userinfo"),
            Self::InvalidPort => f.write_str("redirect_uri port must be 1 to 65535 without leading zeros"),
            Self::HttpNotLoopback => f.write_str(
                "http redirect_uri is allowed only for http://127.0.0.1 or http://[::1]",
            ),
            Self::HttpLocalhost => f.write_str(
                "http://localhost is not allowed; register http://127.0.0.1 or http://[::1] (RFC 8252 section 8.3)",
            ),
            Self::NotRegistered => f.write_str("redirect_uri is not registered for this client"),
            Self::Required => f.write_str("redirect_uri is required"),
        }
    }
}

impl std::error::Error for RedirectUriError {}

/// A `redirect_uri` as sent in a request (RFC 6749 §3.1.2): an absolute URI of RFC 3986
/// characters, with well-formed percent-encodings and no fragment. Not yet matched against a
/// registration; see [`RegisteredRedirectUri::matches`].
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct RedirectUri(Arc<str>);

impl RedirectUri {
    /// Checks the request-time syntax.
    ///
    /// # Errors
    ///
    /// [`RedirectUriError`] naming the rule.
    pub fn parse(uri: &str) -> Result<Self, RedirectUriError> {
        check_syntax(uri)?;
        Ok(Self(uri.into()))
    }

    /// The URI exactly as received.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

fn check_syntax(uri: &str) -> Result<(), RedirectUriError> {
    check_syntax_with(uri, parses_as_url)
}

/// The request-time syntax, with `parses` deciding whether `url` accepts the URI.
fn check_syntax_with(uri: &str, parses: fn(&str) -> bool) -> Result<(), RedirectUriError> {
    if uri.is_empty() || uri.len() > MAX_REDIRECT_URI_LEN {
        return Err(RedirectUriError::Length);
    }
    // One pass for three rules, reported in their order: the first character outside RFC 3986,
    // then a fragment, then a malformed escape.
    let bytes = uri.as_bytes();
    let mut fragment = false;
    let mut escape = false;
    let mut all_uri_chars = true;
    // No early exit: the common, valid URI is read once without a branch per byte.
    for &b in bytes {
        all_uri_chars &= is_uri_char(b);
        fragment |= b == b'#';
        escape |= b == b'%';
    }
    if !all_uri_chars {
        let at = bytes.iter().position(|&b| !is_uri_char(b)).unwrap_or(0);
        return Err(RedirectUriError::Character { at });
    }
    if fragment {
        return Err(RedirectUriError::Fragment);
    }
    if escape && !percent_encodings_well_formed(uri) {
        return Err(RedirectUriError::MalformedPercentEncoding);
    }
    if !has_scheme(uri) || !parses(uri) {
        return Err(RedirectUriError::NotAbsolute);
    }
    Ok(())
}

/// Whether `url::Url::parse` accepts `uri` (of at most a few kilobytes), the proof that it is an
/// absolute URI. The common shape is recognized without `url` ([`is_plain_http_url`]); anything
/// else is parsed.
pub(crate) fn parses_as_url(uri: &str) -> bool {
    is_plain_http_url(uri) || url::Url::parse(uri).is_ok()
}

/// Whether `uri` is an `http` or `https` URL of a shape `url` always accepts (WHATWG URL §4.4):
/// the lowercase scheme and `//`; a host of lowercase DNS labels (`a-z`, digits, inner hyphens,
/// no `--` in the third and fourth places, so no `xn--` label for IDNA to decode) whose last
/// label starts with a letter (so not an IPv4 address); an optional port of 1 to 5 digits up to
/// 65535; then a path and query of RFC 3986 characters without `#`. `false` decides nothing.
fn is_plain_http_url(uri: &str) -> bool {
    let Some(rest) = uri
        .strip_prefix("https://")
        .or_else(|| uri.strip_prefix("http://"))
    else {
        return false;
    };
    let bytes = rest.as_bytes();
    // The host, label by label, in one pass up to the port, path or query.
    let mut label_start = 0;
    let mut end = bytes.len();
    for (at, &b) in bytes.iter().enumerate() {
        match b {
            b'a'..=b'z' | b'0'..=b'9' | b'-' => {}
            b'.' => {
                if !is_plain_label(bytes.get(label_start..at).unwrap_or_default()) {
                    return false;
                }
                label_start = at + 1;
            }
            b':' | b'/' | b'?' => {
                end = at;
                break;
            }
            _ => return false,
        }
    }
    let last_label = bytes.get(label_start..end).unwrap_or_default();
    if !is_plain_label(last_label) || !last_label.first().is_some_and(u8::is_ascii_lowercase) {
        return false;
    }
    let after_host = bytes.get(end..).unwrap_or_default();
    let path_and_query = match after_host.strip_prefix(b":") {
        Some(port_and_rest) => {
            let digits = port_and_rest
                .iter()
                .take_while(|b| b.is_ascii_digit())
                .count();
            let (port, rest) = port_and_rest.split_at(digits);
            // A port ends the authority: what follows must start the path or the query.
            if !(1..=5).contains(&port.len()) || !matches!(rest.first(), None | Some(b'/' | b'?')) {
                return false;
            }
            // At most five digits: no overflow.
            let value = port
                .iter()
                .fold(0u32, |value, d| value * 10 + u32::from(d - b'0'));
            if value > 65535 {
                return false;
            }
            rest
        }
        None => after_host,
    };
    path_and_query
        .iter()
        .fold(true, |plain, &b| plain & is_uri_char(b) & (b != b'#'))
}

/// A DNS label as [`is_plain_http_url`] describes them (its bytes already known to be
/// lowercase letters, digits and hyphens).
fn is_plain_label(label: &[u8]) -> bool {
    matches!(
        (label.first(), label.last()),
        (Some(first), Some(last)) if first.is_ascii_alphanumeric() && last.is_ascii_alphanumeric()
    ) && label.get(2..4) != Some(b"--")
}

impl fmt::Debug for RedirectUri {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("RedirectUri").field(&self.0).finish()
    }
}

impl fmt::Display for RedirectUri {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::str::FromStr for RedirectUri {
    type Err = RedirectUriError;

    fn from_str(uri: &str) -> Result<Self, Self::Err> {
        Self::parse(uri)
    }
}

impl Serialize for RedirectUri {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for RedirectUri {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let uri = std::borrow::Cow::<'de, str>::deserialize(deserializer)?;
        Self::parse(&uri).map_err(serde::de::Error::custom)
    }
}

/// The loopback IP literal of a registered loopback redirect URI (RFC 8252 §7.3).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
enum LoopbackHost {
    V4,
    V6,
}

impl LoopbackHost {
    fn literal(self) -> &'static str {
        match self {
            Self::V4 => "127.0.0.1",
            Self::V6 => "[::1]",
        }
    }
}

/// A redirect URI accepted at registration time (see the [module docs](self) for the rules).
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct RegisteredRedirectUri {
    uri: Arc<str>,
    /// For `http://127.0.0.1[:port]rest` / `http://[::1][:port]rest`: the host and `rest` (path
    /// and query), which must match exactly while the port may vary.
    loopback: Option<(LoopbackHost, String)>,
}

const FORBIDDEN_SCHEMES: &[&str] = &["javascript", "data", "vbscript", "file", "blob", "about"];

impl RegisteredRedirectUri {
    /// Checks a URI against the registration rules (RFC 6749 §3.1.2, RFC 8252 §7, RFC 9700 §2.6).
    ///
    /// # Errors
    ///
    /// [`RedirectUriError`] naming the rule (`invalid_redirect_uri` in dynamic registration,
    /// RFC 7591 §3.2.2).
    pub fn parse(uri: &str) -> Result<Self, RedirectUriError> {
        check_syntax(uri)?;
        let scheme = scheme_of(uri).ok_or(RedirectUriError::NotAbsolute)?;
        if scheme.bytes().any(|b| b.is_ascii_uppercase()) {
            return Err(RedirectUriError::SchemeNotLowercase);
        }
        if FORBIDDEN_SCHEMES.contains(&scheme) {
            return Err(RedirectUriError::ForbiddenScheme(scheme.to_owned()));
        }
        let mut loopback = None;
        if scheme == "http" || scheme == "https" {
            let rest = uri
                .get(scheme.len() + 1..)
                .and_then(|r| r.strip_prefix("//"))
                .ok_or(RedirectUriError::MissingHost)?;
            let (authority, path_and_query) = split_authority(rest);
            if authority.contains('@') {
                return Err(RedirectUriError::UserInfo);
            }
            let host = host_of(authority);
            if host.is_empty() {
                return Err(RedirectUriError::MissingHost);
            }
            if let Some(port) = authority
                .get(host.len()..)
                .and_then(|p| p.strip_prefix(':'))
                && !is_canonical_port(port)
            {
                return Err(RedirectUriError::InvalidPort);
            }
            if scheme == "http" {
                let literal = match host {
                    "127.0.0.1" => LoopbackHost::V4,
                    "[::1]" => LoopbackHost::V6,
                    h if h.eq_ignore_ascii_case("localhost")
                        || h.eq_ignore_ascii_case("localhost.") =>
                    {
                        return Err(RedirectUriError::HttpLocalhost);
                    }
                    _ => return Err(RedirectUriError::HttpNotLoopback),
                };
                loopback = Some((literal, path_and_query.to_owned()));
            }
        }
        Ok(Self {
            uri: uri.into(),
            loopback,
        })
    }

    /// The URI exactly as registered.
    pub fn as_str(&self) -> &str {
        &self.uri
    }

    /// Whether this is a loopback IP URI, matched with any port (RFC 8252 §7.3).
    pub fn is_loopback(&self) -> bool {
        self.loopback.is_some()
    }

    /// Whether `requested` matches this registration: exact string comparison, or for a loopback
    /// IP URI the same URI with any port (RFC 8252 §7.3).
    pub fn matches(&self, requested: &RedirectUri) -> bool {
        self.matches_str(requested.as_str())
    }

    /// [`matches`](Self::matches) on a raw string, for callers that have not parsed it.
    pub fn matches_str(&self, requested: &str) -> bool {
        if requested == &*self.uri {
            return true;
        }
        let Some((host, rest)) = &self.loopback else {
            return false;
        };
        let Some(after_host) = requested
            .strip_prefix("http://")
            .and_then(|r| r.strip_prefix(host.literal()))
        else {
            return false;
        };
        let after_port = match after_host.strip_prefix(':') {
            Some(port_and_rest) => {
                let digits = port_and_rest.bytes().take_while(u8::is_ascii_digit).count();
                let (port, tail) = port_and_rest.split_at(digits);
                if !is_canonical_port(port) {
                    return false;
                }
                tail
            }
            None => after_host,
        };
        after_port == rest
    }

    /// The URI as a redirect target, for the case where the request carried no `redirect_uri`
    /// and this is the client's only registration.
    fn to_matched(&self) -> MatchedRedirectUri {
        MatchedRedirectUri(self.uri.clone())
    }
}

/// A port written canonically: 1 to 65535, no leading zero.
fn is_canonical_port(port: &str) -> bool {
    !port.starts_with('0')
        && (1..=5).contains(&port.len())
        && port.parse::<u32>().is_ok_and(|p| (1..=65535).contains(&p))
}

/// Splits `authority` from `path-abempty [ "?" query ]` after `//`.
fn split_authority(rest: &str) -> (&str, &str) {
    let end = rest.find(['/', '?']).unwrap_or(rest.len());
    rest.split_at(end)
}

/// The host of an authority without userinfo: an IP-literal in brackets, or up to the port.
fn host_of(authority: &str) -> &str {
    if authority.starts_with('[') {
        match authority.find(']') {
            Some(end) => authority.get(..=end).unwrap_or(authority),
            None => authority,
        }
    } else {
        authority.split(':').next().unwrap_or_default()
    }
}

impl fmt::Debug for RegisteredRedirectUri {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("RegisteredRedirectUri")
            .field(&self.uri)
            .finish()
    }
}

impl fmt::Display for RegisteredRedirectUri {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.uri)
    }
}

impl Serialize for RegisteredRedirectUri {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.uri)
    }
}

impl<'de> Deserialize<'de> for RegisteredRedirectUri {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let uri = std::borrow::Cow::<'de, str>::deserialize(deserializer)?;
        Self::parse(&uri).map_err(serde::de::Error::custom)
    }
}

/// A redirect URI that matched the client's registration: the only kind the response writers
/// redirect to. For a loopback URI it carries the port the request asked for.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct MatchedRedirectUri(Arc<str>);

impl MatchedRedirectUri {
    /// The URI to redirect to.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for MatchedRedirectUri {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("MatchedRedirectUri").field(&self.0).finish()
    }
}

impl fmt::Display for MatchedRedirectUri {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Whether the request must carry `redirect_uri`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum RedirectUriParameter {
    /// OAuth 2.0 (RFC 6749 §3.1.2.3): may be omitted when exactly one non-loopback URI is
    /// registered. (A loopback registration always needs the request's port.)
    OptionalWithSingleRegistration,
    /// OpenID Connect (OIDC Core §3.1.2.1) and FAPI 2.0: always required.
    Required,
}

/// The one redirect-URI decision used everywhere: picks the redirect target for a request
/// (RFC 6749 §3.1.2.3, §3.1.2.4; RFC 8252 §7.3; OIDC Core §3.1.2.1).
///
/// On error the server must not redirect: it shows an error page (RFC 6749 §4.1.2.1).
///
/// # Errors
///
/// [`RedirectUriError::Required`] when the parameter is missing but required;
/// [`RedirectUriError::NotRegistered`] when it matches no registered URI.
pub fn select_redirect_uri(
    registered: &[RegisteredRedirectUri],
    requested: Option<&RedirectUri>,
    rule: RedirectUriParameter,
) -> Result<MatchedRedirectUri, RedirectUriError> {
    match requested {
        Some(requested) => registered
            .iter()
            .any(|r| r.matches(requested))
            .then(|| MatchedRedirectUri(Arc::clone(&requested.0)))
            .ok_or(RedirectUriError::NotRegistered),
        None => match (rule, registered) {
            (RedirectUriParameter::OptionalWithSingleRegistration, [only])
                if !only.is_loopback() =>
            {
                Ok(only.to_matched())
            }
            _ => Err(RedirectUriError::Required),
        },
    }
}

/// Checks the request-time syntax on `uri` against the same rules with every URI parsed by
/// `url`: the same verdict, the same error; and that whatever [`is_plain_http_url`] accepts,
/// `url` accepts.
///
/// # Panics
///
/// On any disagreement.
#[cfg(any(test, fuzzing))]
#[allow(clippy::panic)]
pub(crate) fn check_against_url(uri: &str) {
    let by_url = |uri: &str| url::Url::parse(uri).is_ok();
    if is_plain_http_url(uri) {
        assert!(by_url(uri), "url refuses {uri:?}");
    }
    assert_eq!(
        check_syntax(uri),
        check_syntax_with(uri, by_url),
        "syntax of {uri:?}"
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reg(uri: &str) -> RegisteredRedirectUri {
        RegisteredRedirectUri::parse(uri).unwrap()
    }

    #[test]
    fn req_8_registration_rules() {
        for ok in [
            "https://client.example/cb",
            "https://client.example/cb?tenant=a&x=1",
            "https://client.example",
            "https://localhost/cb",
            "http://127.0.0.1/cb",
            "http://127.0.0.1:8080/cb",
            "http://[::1]/cb",
            "http://[::1]:5000",
            "com.example.app:/oauth2redirect",
            "com.example.app:callback",
        ] {
            assert!(RegisteredRedirectUri::parse(ok).is_ok(), "{ok}");
        }
        let cases = [
            ("https://client.example/cb#frag", RedirectUriError::Fragment),
            ("https://client.example/cb#", RedirectUriError::Fragment),
            ("/cb", RedirectUriError::NotAbsolute),
            ("client.example/cb", RedirectUriError::NotAbsolute),
            ("", RedirectUriError::Length),
            (
                "http://client.example/cb",
                RedirectUriError::HttpNotLoopback,
            ),
            ("http://localhost/cb", RedirectUriError::HttpLocalhost),
            ("http://LOCALHOST:8080/cb", RedirectUriError::HttpLocalhost),
            ("http://127.0.0.2/cb", RedirectUriError::HttpNotLoopback),
            ("http://127.1/cb", RedirectUriError::HttpNotLoopback),
            (
                "http://[0:0:0:0:0:0:0:1]/cb",
                RedirectUriError::HttpNotLoopback,
            ),
            (
                "http://127.0.0.1.evil.example/cb",
                RedirectUriError::HttpNotLoopback,
            ),
            (
                "HTTPS://client.example/cb",
                RedirectUriError::SchemeNotLowercase,
            ),
            ("https://user@client.example/cb", RedirectUriError::UserInfo),
            ("http://user@127.0.0.1/cb", RedirectUriError::UserInfo),
            (
                "javascript:alert(1)",
                RedirectUriError::ForbiddenScheme("javascript".into()),
            ),
            (
                "data:text/html,x",
                RedirectUriError::ForbiddenScheme("data".into()),
            ),
            (
                "https://client.example/a b",
                RedirectUriError::Character { at: 24 },
            ),
            (
                "https://client.example/\\cb",
                RedirectUriError::Character { at: 23 },
            ),
            (
                "https://caf\u{e9}.example/",
                RedirectUriError::Character { at: 11 },
            ),
            (
                "https://client.example/%zz",
                RedirectUriError::MalformedPercentEncoding,
            ),
            ("https:///cb", RedirectUriError::MissingHost),
            ("http://[::1]:/cb", RedirectUriError::InvalidPort),
            ("http://127.0.0.1:080/cb", RedirectUriError::InvalidPort),
            ("https://client.example:0/cb", RedirectUriError::InvalidPort),
        ];
        for (uri, expected) in cases {
            assert_eq!(RegisteredRedirectUri::parse(uri), Err(expected), "{uri}");
        }
    }

    #[test]
    fn req_6_exact_match_refuses_near_misses() {
        let registered = reg("https://client.example/cb?tenant=a");
        assert!(registered.matches_str("https://client.example/cb?tenant=a"));
        for near in [
            "https://Client.example/cb?tenant=a",
            "HTTPS://client.example/cb?tenant=a",
            "https://client.example/CB?tenant=a",
            "https://client.example/cb/?tenant=a",
            "https://client.example/cb?tenant=b",
            "https://client.example/cb?tenant=a&x=1",
            "https://client.example/cb?tenant=a&",
            "https://client.example/cb",
            "https://client.example:443/cb?tenant=a",
            "https://client.example./cb?tenant=a",
            "https://client.example/%63b?tenant=a",
            "https://client.example/cb?tenant=%61",
            "https://client.example/cb?tenant=a#x",
            "https://attacker@client.example/cb?tenant=a",
            "https://client.example@attacker.example/cb?tenant=a",
            "http://client.example/cb?tenant=a",
            " https://client.example/cb?tenant=a",
            "https://client.example/cb?tenant=a ",
        ] {
            assert!(!registered.matches_str(near), "{near}");
        }
    }

    #[test]
    fn req_6_loopback_any_port() {
        let v4 = reg("http://127.0.0.1/cb?x=1");
        for ok in [
            "http://127.0.0.1/cb?x=1",
            "http://127.0.0.1:1/cb?x=1",
            "http://127.0.0.1:8080/cb?x=1",
            "http://127.0.0.1:65535/cb?x=1",
        ] {
            assert!(v4.matches_str(ok), "{ok}");
        }
        for bad in [
            "http://127.0.0.1:0/cb?x=1",
            "http://127.0.0.1:65536/cb?x=1",
            "http://127.0.0.1:08080/cb?x=1",
            "http://127.0.0.1:/cb?x=1",
            "http://127.0.0.1:80a/cb?x=1",
            "http://127.0.0.1:8080/cb?x=2",
            "http://127.0.0.1:8080/cb",
            "http://127.0.0.1:8080/CB?x=1",
            "https://127.0.0.1:8080/cb?x=1",
            "HTTP://127.0.0.1:8080/cb?x=1",
            "http://127.0.0.1.evil.example:8080/cb?x=1",
            "http://127.0.0.1:8080@evil.example/cb?x=1",
            "http://127.0.0.1:8080.evil.example/cb?x=1",
            "http://127.1:8080/cb?x=1",
            "http://localhost:8080/cb?x=1",
            "http://[::1]:8080/cb?x=1",
            "http://127.0.0.1:8080/cb?x=1#f",
        ] {
            assert!(!v4.matches_str(bad), "{bad}");
        }
        let v6 = reg("http://[::1]:5000/cb");
        assert!(v6.matches_str("http://[::1]/cb"));
        assert!(v6.matches_str("http://[::1]:61234/cb"));
        for bad in [
            "http://[0:0:0:0:0:0:0:1]:61234/cb",
            "http://[::0001]:61234/cb",
            "http://[::1]:61234/cb/",
            "http://127.0.0.1:61234/cb",
            "http://[::1]61234/cb",
        ] {
            assert!(!v6.matches_str(bad), "{bad}");
        }
        // An empty path must stay empty.
        let bare = reg("http://127.0.0.1");
        assert!(bare.matches_str("http://127.0.0.1:4000"));
        assert!(!bare.matches_str("http://127.0.0.1:4000/"));
    }

    #[test]
    fn localhost_gets_no_port_flexibility() {
        let registered = reg("https://localhost:8443/cb");
        assert!(!registered.is_loopback());
        assert!(registered.matches_str("https://localhost:8443/cb"));
        assert!(!registered.matches_str("https://localhost:9443/cb"));
        assert!(!registered.matches_str("https://localhost/cb"));
    }

    #[test]
    fn req_7_redirect_uri_required_unless_single_registration() {
        let one = [reg("https://client.example/cb")];
        let two = [
            reg("https://client.example/cb"),
            reg("https://client.example/2"),
        ];
        let loopback = [reg("http://127.0.0.1/cb")];
        let optional = RedirectUriParameter::OptionalWithSingleRegistration;
        assert_eq!(
            select_redirect_uri(&one, None, optional).unwrap().as_str(),
            "https://client.example/cb"
        );
        assert_eq!(
            select_redirect_uri(&one, None, RedirectUriParameter::Required),
            Err(RedirectUriError::Required)
        );
        assert_eq!(
            select_redirect_uri(&two, None, optional),
            Err(RedirectUriError::Required)
        );
        assert_eq!(
            select_redirect_uri(&[], None, optional),
            Err(RedirectUriError::Required)
        );
        assert_eq!(
            select_redirect_uri(&loopback, None, optional),
            Err(RedirectUriError::Required)
        );
        let requested = RedirectUri::parse("http://127.0.0.1:49152/cb").unwrap();
        assert_eq!(
            select_redirect_uri(&loopback, Some(&requested), optional)
                .unwrap()
                .as_str(),
            "http://127.0.0.1:49152/cb"
        );
        let other = RedirectUri::parse("https://client.example/3").unwrap();
        assert_eq!(
            select_redirect_uri(&two, Some(&other), optional),
            Err(RedirectUriError::NotRegistered)
        );
    }

    #[test]
    fn request_syntax() {
        assert!(RedirectUri::parse("https://client.example/cb").is_ok());
        assert!(RedirectUri::parse("http://anything.example/cb").is_ok());
        assert_eq!(
            RedirectUri::parse("https://client.example/cb#x"),
            Err(RedirectUriError::Fragment)
        );
        assert_eq!(
            RedirectUri::parse("//client.example/cb"),
            Err(RedirectUriError::NotAbsolute)
        );
        assert_eq!(
            RedirectUri::parse(&format!("https://a.example/{}", "a".repeat(2048))),
            Err(RedirectUriError::Length)
        );
    }

    #[test]
    fn common_redirect_uris_skip_url() {
        for plain in [
            "https://client.example.com/cb",
            "https://photo.example/callback?tenant=a&x=%20",
            "http://a-b.c0.example:8080",
            "https://localhost/cb",
        ] {
            assert!(is_plain_http_url(plain), "{plain}");
            check_against_url(plain);
        }
        for unusual in [
            "https://xn--nxasmq6b.example/",
            "https://1.2.3.4/",
            "https://example.123/",
            "https://Example.com/",
            "https://-a.example/",
            "https://a..example/",
            "https://example.com./",
            "https://example.com:/",
            "https://example.com:65536/",
            "https://u@example.com/",
            "http://[::1]/cb",
            "https:///example.com",
            "com.example.app:/cb",
        ] {
            assert!(!is_plain_http_url(unusual), "{unusual}");
            check_against_url(unusual);
        }
    }

    /// Odd URIs built from pieces that matter to `url`'s parser.
    fn odd_uri() -> impl proptest::strategy::Strategy<Value = String> {
        use proptest::prelude::*;
        const SCHEMES: &[&str] = &[
            "https",
            "http",
            "HTTP",
            "Https",
            "foo",
            "com.example.app",
            "ws",
            "1a",
        ];
        const SEPARATORS: &[&str] = &["://", ":", ":/", ":///", "//", "://u@", "://u:p@", "://:"];
        const LABEL_PIECES: &[&str] = &[
            "a",
            "z",
            "0",
            "9",
            "-",
            "xn--",
            "XN--",
            "ab--c",
            "abc",
            "123",
            "0x1f",
            "0X",
            "[::1]",
            "[",
            "]",
            "%41",
            "%2e",
            "%",
            "localhost",
            "255",
            "256",
            "@",
            "_",
            "~",
            "A",
            "e\u{301}",
        ];
        const PORTS: &[&str] = &[
            ":",
            ":0",
            ":1",
            ":443",
            ":65535",
            ":65536",
            ":99999",
            ":123456",
            ":x",
            ":0443",
            "::",
            ":99999999999999999999",
        ];
        const PATH_PIECES: &[&str] = &[
            "/", "?", "cb", "%20", "%zz", "..", "/./", "@", ":", "[", "]", "#", " ", "\\", "&", "=",
        ];
        let pick = |items: &'static [&'static str], max: usize| {
            prop::collection::vec(prop::sample::select(items), 0..max).prop_map(|v| v.concat())
        };
        let prefix = prop_oneof![
            3 => Just("https://".to_owned()),
            1 => Just("http://".to_owned()),
            2 => (pick(SCHEMES, 2), pick(SEPARATORS, 2)).prop_map(|(a, b)| a + &b),
        ];
        let label = prop_oneof![
            2 => "((xn|XN)--)?[a-z0-9-]{0,5}",
            1 => pick(LABEL_PIECES, 3),
        ];
        (
            prefix,
            prop::collection::vec(label, 0..4).prop_map(|labels| labels.join(".")),
            pick(PORTS, 2),
            pick(PATH_PIECES, 6),
        )
            .prop_map(|(prefix, host, port, path)| format!("{prefix}{host}{port}{path}"))
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(8192))]

        #[test]
        fn the_fast_path_agrees_with_url(uri in odd_uri()) {
            check_against_url(&uri);
        }
    }
}

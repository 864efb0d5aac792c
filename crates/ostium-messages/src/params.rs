//! The parameter multimap of query strings and `application/x-www-form-urlencoded` bodies
//! (RFC 6749 §3.1, §3.2, Appendix B).
//!
//! Rules applied while parsing:
//! - a parameter sent without a value, or with an empty one, counts as omitted (RFC 6749 §3.1);
//!   it is dropped before anything else, so `a=&a=x` holds `a` once;
//! - unknown parameters are kept (extensions read them with [`Params::single`] or
//!   [`Params::unknown`]); typed requests ignore them;
//! - a repeated parameter is kept in the multimap but refused by every typed parser with
//!   `invalid_request` naming it (RFC 6749 §3.1, §3.2) — [`Params::first_repeated`] finds it;
//! - percent-decoding is strict: a malformed `%` escape or a value that is not UTF-8 after decoding
//!   is refused rather than silently replaced by `U+FFFD` (a lossy decoder would turn two
//!   different `client_id` byte strings into one);
//! - total size, per-value size and the number of parameters are bounded ([`ParamLimits`]).
//!
//! Output is byte for byte what `url`'s `form_urlencoded` serializer writes, copied in runs.

use std::borrow::Cow;
use std::fmt;

use crate::error::{AuthorizationErrorCode, ErrorResponse, TokenErrorCode};
use crate::form;

/// Bounds on what [`Params`] accepts. The defaults suit every endpoint of this crate, including
/// authorization requests carrying a `request` object, `claims` and `authorization_details`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ParamLimits {
    /// Largest query string or body, in bytes (default 64 KiB).
    pub max_total_bytes: usize,
    /// Largest decoded name or value, in bytes (default 32 KiB).
    pub max_value_bytes: usize,
    /// Most `name=value` pairs (default 128).
    pub max_params: usize,
}

impl Default for ParamLimits {
    fn default() -> Self {
        Self {
            max_total_bytes: 64 * 1024,
            max_value_bytes: 32 * 1024,
            max_params: 128,
        }
    }
}

/// Why a query string or form body was refused. Every variant is `invalid_request`
/// (RFC 6749 §4.1.2.1, §5.2).
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ParamsError {
    /// A parameter appears more than once (RFC 6749 §3.1, §3.2).
    Repeated {
        /// Its name.
        name: String,
    },
    /// The input is larger than [`ParamLimits::max_total_bytes`].
    TooLarge {
        /// The limit in bytes.
        limit: usize,
    },
    /// More pairs than [`ParamLimits::max_params`].
    TooMany {
        /// The limit.
        limit: usize,
    },
    /// A decoded name or value longer than [`ParamLimits::max_value_bytes`].
    ValueTooLong {
        /// The parameter name (cut to 64 bytes).
        name: String,
        /// The limit in bytes.
        limit: usize,
    },
    /// A `%` not followed by two hexadecimal digits, at this byte offset of the input.
    MalformedPercentEncoding {
        /// Byte offset.
        at: usize,
    },
    /// A name or value that is not UTF-8 once decoded, at this byte offset of the input.
    NotUtf8 {
        /// Byte offset of the pair.
        at: usize,
    },
    /// The body's `Content-Type` is not `application/x-www-form-urlencoded` (with an optional
    /// `charset=UTF-8`) (RFC 6749 §3.2, Appendix B).
    UnsupportedContentType {
        /// What was received, if anything (cut to 64 bytes).
        found: Option<String>,
    },
    /// The request used an HTTP method the endpoint does not allow (RFC 6749 §3.2: POST only at
    /// the token endpoint).
    MethodNotAllowed {
        /// The method received.
        method: String,
    },
}

impl ParamsError {
    /// The error response this maps to at the authorization endpoint.
    pub fn to_authorization_error(&self) -> ErrorResponse<AuthorizationErrorCode> {
        ErrorResponse::new(AuthorizationErrorCode::InvalidRequest)
            .with_description(&self.to_string())
    }

    /// The error response this maps to at a back-channel endpoint (token, revocation,
    /// introspection, device authorization, PAR).
    pub fn to_token_error(&self) -> ErrorResponse<TokenErrorCode> {
        ErrorResponse::new(TokenErrorCode::InvalidRequest).with_description(&self.to_string())
    }
}

impl fmt::Display for ParamsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Repeated { name } => write!(f, "parameter {name} is repeated"),
            Self::TooLarge { limit } => write!(f, "parameters exceed {limit} bytes"),
            Self::TooMany { limit } => write!(f, "more than {limit} parameters"),
            Self::ValueTooLong { name, limit } => {
                write!(f, "parameter {name} exceeds {limit} bytes")
            }
            Self::MalformedPercentEncoding { at } => {
                write!(f, "malformed percent-encoding at byte {at}")
            }
            Self::NotUtf8 { at } => write!(f, "parameter at byte {at} is not UTF-8"),
            Self::UnsupportedContentType { found: Some(found) } => write!(
                f,
                "content type {found} is not application/x-www-form-urlencoded"
            ),
            Self::UnsupportedContentType { found: None } => {
                f.write_str("content type application/x-www-form-urlencoded is required")
            }
            Self::MethodNotAllowed { method } => write!(f, "method {method} is not allowed"),
        }
    }
}

impl std::error::Error for ParamsError {}

/// Cuts input-derived text for error messages: at most 64 bytes, on a character boundary.
pub(crate) fn clip(text: &str) -> String {
    clip_to(text, 64)
}

/// Cuts a parser's complaint to 256 bytes.
pub(crate) fn clip_long(text: &str) -> String {
    clip_to(text, 256)
}

fn clip_to(text: &str, limit: usize) -> String {
    let mut end = text.len().min(limit);
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    text.get(..end).unwrap_or_default().to_owned()
}

/// Parameters from a query string or form body: a multimap in arrival order, with empty values
/// already dropped (RFC 6749 §3.1).
///
/// Every decoded name and value lives in one string, and each pair is a set of offsets into it:
/// parsing allocates twice per request, not twice per parameter.
#[derive(Clone, Default)]
pub struct Params {
    /// The decoded names and values, one after the other in arrival order.
    text: String,
    /// Where each pair lies in `text`.
    pairs: Vec<Pair>,
}

/// One pair's place in [`Params::text`]: the name is `name..value`, the value `value..end`.
#[derive(Clone, Copy)]
struct Pair {
    name: usize,
    value: usize,
    end: usize,
}

impl Params {
    /// An empty multimap, to build parameters for writing.
    pub fn new() -> Self {
        Self::default()
    }

    /// Parses a query string (without the leading `?`) with the default limits.
    ///
    /// # Errors
    ///
    /// [`ParamsError`] for size limits and malformed encoding. Repetition is not an error here
    /// (see [`first_repeated`](Self::first_repeated)).
    pub fn parse_query(query: &str) -> Result<Self, ParamsError> {
        Self::parse_query_with(query, &ParamLimits::default())
    }

    /// Parses a query string with explicit limits.
    ///
    /// # Errors
    ///
    /// As [`parse_query`](Self::parse_query).
    pub fn parse_query_with(query: &str, limits: &ParamLimits) -> Result<Self, ParamsError> {
        Self::decode(query.as_bytes(), Some(query), limits)
    }

    /// Parses an `application/x-www-form-urlencoded` body after checking its `Content-Type`
    /// (RFC 6749 §3.2, Appendix B). The media type is compared case-insensitively; the only
    /// parameter that matters is `charset`, which must be `UTF-8` when present.
    ///
    /// # Errors
    ///
    /// [`ParamsError::UnsupportedContentType`], or as [`parse_query`](Self::parse_query).
    pub fn parse_form(content_type: Option<&str>, body: &[u8]) -> Result<Self, ParamsError> {
        Self::parse_form_with(content_type, body, &ParamLimits::default())
    }

    /// Parses a form body with explicit limits.
    ///
    /// # Errors
    ///
    /// As [`parse_form`](Self::parse_form).
    pub fn parse_form_with(
        content_type: Option<&str>,
        body: &[u8],
        limits: &ParamLimits,
    ) -> Result<Self, ParamsError> {
        check_form_content_type(content_type)?;
        Self::decode(body, form_text(body, limits), limits)
    }

    /// Collects the pairs of `input` ([`form::Pairs`]: one pass, decoded into one buffer, empty
    /// pairs dropped, the limits checked); `text` is `input` itself when it is known to be UTF-8.
    fn decode(input: &[u8], text: Option<&str>, limits: &ParamLimits) -> Result<Self, ParamsError> {
        let mut decoded = Vec::with_capacity(input.len());
        // Room for the parameters of any request the endpoints define without growing; counting
        // the `&`s first costs a pass over the input.
        let mut pairs = Vec::with_capacity(limits.max_params.min(16));
        let mut reader = form::Pairs::new(input, text, limits)?;
        while let Some(pair) = reader.next_into(&mut decoded, true) {
            // With `copy`, both lie in `decoded`, the value right after the name.
            if let (form::Piece::Output(name), form::Piece::Output(value)) = pair? {
                pairs.push(Pair {
                    name: name.start,
                    value: value.start,
                    end: value.end,
                });
            }
        }
        // Every component kept was checked (or came from UTF-8 input undecoded), and each ends on
        // a character boundary, so this check of the whole buffer cannot fail.
        let text = String::from_utf8(decoded).map_err(|_| ParamsError::NotUtf8 { at: 0 })?;
        Ok(Self { text, pairs })
    }

    /// The name and value of `pair`.
    fn pair(&self, pair: &Pair) -> (&str, &str) {
        (
            self.text.get(pair.name..pair.value).unwrap_or_default(),
            self.text.get(pair.value..pair.end).unwrap_or_default(),
        )
    }

    /// The names, in arrival order.
    fn names(&self) -> impl Iterator<Item = &str> {
        self.pairs
            .iter()
            .map(|pair| self.text.get(pair.name..pair.value).unwrap_or_default())
    }

    /// Appends a parameter from borrowed strings (for writing): the same as
    /// [`push`](Self::push), without converting the arguments into `String`s first. An empty
    /// value is skipped.
    pub fn push_str(&mut self, name: &str, value: &str) {
        if value.is_empty() {
            return;
        }
        let start = self.text.len();
        self.text.push_str(name);
        let middle = self.text.len();
        self.text.push_str(value);
        self.pairs.push(Pair {
            name: start,
            value: middle,
            end: self.text.len(),
        });
    }

    /// Appends a parameter (for writing). An empty value is skipped, as it would be omitted on
    /// parsing.
    pub fn push(&mut self, name: impl Into<String>, value: impl Into<String>) {
        self.push_str(&name.into(), &value.into());
    }

    /// Appends a parameter if `value` is present.
    pub fn push_opt(&mut self, name: impl Into<String>, value: Option<impl Into<String>>) {
        if let Some(value) = value {
            self.push(name, value);
        }
    }

    /// The value of `name` when it appears at most once.
    ///
    /// # Errors
    ///
    /// [`ParamsError::Repeated`] when `name` appears more than once.
    pub fn single(&self, name: &str) -> Result<Option<&str>, ParamsError> {
        let mut found = self.entries().filter(|(n, _)| *n == name).map(|(_, v)| v);
        let first = found.next();
        if found.next().is_some() {
            return Err(ParamsError::Repeated { name: clip(name) });
        }
        Ok(first)
    }

    /// Every value of `name`, in arrival order.
    pub fn all<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.entries()
            .filter(move |(n, _)| *n == name)
            .map(|(_, v)| v)
    }

    /// Whether `name` is present.
    pub fn contains(&self, name: &str) -> bool {
        self.names().any(|n| n == name)
    }

    /// The first parameter name that appears more than once, if any.
    pub fn first_repeated(&self) -> Option<&str> {
        self.first_repeated_except(&[])
    }

    /// The first name, not in `allowed`, that appears earlier too.
    fn first_repeated_except(&self, allowed: &[&str]) -> Option<&str> {
        self.names().enumerate().find_map(|(i, name)| {
            (!allowed.contains(&name) && self.names().take(i).any(|n| n == name)).then_some(name)
        })
    }

    /// Refuses any repeated parameter (RFC 6749 §3.1, §3.2).
    ///
    /// # Errors
    ///
    /// [`ParamsError::Repeated`] naming the first repeated parameter.
    pub fn ensure_no_repeats(&self) -> Result<(), ParamsError> {
        match self.first_repeated() {
            Some(name) => Err(ParamsError::Repeated { name: clip(name) }),
            None => Ok(()),
        }
    }

    /// Refuses any repeated parameter other than those in `allowed` (`resource` may repeat,
    /// RFC 8707 §2; `audience` and `resource` in token exchange, RFC 8693 §2.1).
    ///
    /// # Errors
    ///
    /// [`ParamsError::Repeated`] naming the first repeated parameter not in `allowed`.
    pub fn ensure_no_repeats_except(&self, allowed: &[&str]) -> Result<(), ParamsError> {
        match self.first_repeated_except(allowed) {
            Some(name) => Err(ParamsError::Repeated { name: clip(name) }),
            None => Ok(()),
        }
    }

    /// Parameters from the claims of a request object (RFC 9101 §4) or any flat JSON object:
    /// strings as they are, numbers and booleans in their JSON form, objects and arrays as
    /// compact JSON (`claims`, `authorization_details`), except that an array of strings under
    /// `resource` or `audience` becomes repeated parameters. `null` is omitted.
    ///
    /// # Errors
    ///
    /// [`ParamsError::TooMany`] when `value` is not an object or has too many members.
    pub fn from_json_object(value: &serde_json::Value) -> Result<Self, ParamsError> {
        let limits = ParamLimits::default();
        let object = value.as_object().ok_or(ParamsError::TooMany { limit: 0 })?;
        if object.len() > limits.max_params {
            return Err(ParamsError::TooMany {
                limit: limits.max_params,
            });
        }
        let mut params = Self::new();
        for (name, member) in object {
            match member {
                serde_json::Value::Null => {}
                serde_json::Value::String(text) => params.push_str(name, text),
                serde_json::Value::Array(items)
                    if (name == "resource" || name == "audience")
                        && items.iter().all(serde_json::Value::is_string) =>
                {
                    for item in items.iter().filter_map(serde_json::Value::as_str) {
                        params.push_str(name, item);
                    }
                }
                other => params.push_str(name, &other.to_string()),
            }
        }
        Ok(params)
    }

    /// The parameters whose names are not in `known`, in arrival order.
    pub fn unknown<'a>(
        &'a self,
        known: &'a [&'a str],
    ) -> impl Iterator<Item = (&'a str, &'a str)> + 'a {
        self.iter().filter(move |(n, _)| !known.contains(n))
    }

    /// All pairs in arrival order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.entries()
    }

    /// All pairs in arrival order, as an iterator that can be walked twice (to size a buffer,
    /// then fill it).
    pub(crate) fn entries(&self) -> impl Iterator<Item = (&str, &str)> + Clone {
        self.pairs.iter().map(|pair| self.pair(pair))
    }

    /// The number of pairs.
    pub fn len(&self) -> usize {
        self.pairs.len()
    }

    /// Whether there are no pairs.
    pub fn is_empty(&self) -> bool {
        self.pairs.is_empty()
    }

    /// The `application/x-www-form-urlencoded` serialization (also valid as a query string).
    pub fn encode(&self) -> String {
        let mut encoded = String::with_capacity(form::pairs_len(self.entries()));
        form::encode_pairs_into(&mut encoded, self.entries());
        encoded
    }
}

impl PartialEq for Params {
    /// Equal when the pairs are, in order.
    fn eq(&self, other: &Self) -> bool {
        self.entries().eq(other.entries())
    }
}

impl Eq for Params {}

impl fmt::Debug for Params {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Values may be secrets (client_secret, code, refresh_token, code_verifier, assertions).
        f.debug_list().entries(self.names()).finish()
    }
}

impl<N: Into<String>, V: Into<String>> FromIterator<(N, V)> for Params {
    fn from_iter<I: IntoIterator<Item = (N, V)>>(iter: I) -> Self {
        let mut params = Self::new();
        for (name, value) in iter {
            params.push(name, value);
        }
        params
    }
}

/// Checks a body's `Content-Type` for `application/x-www-form-urlencoded` with an optional
/// `charset=UTF-8` (RFC 6749 Appendix B).
///
/// # Errors
///
/// [`ParamsError::UnsupportedContentType`].
pub fn check_form_content_type(content_type: Option<&str>) -> Result<(), ParamsError> {
    let refuse = || ParamsError::UnsupportedContentType {
        found: content_type.map(clip),
    };
    let value = content_type.ok_or_else(refuse)?;
    // What clients send nearly always, answered without splitting.
    if value == "application/x-www-form-urlencoded" {
        return Ok(());
    }
    let mut parts = value.split(';');
    let media = parts.next().unwrap_or_default().trim();
    if !media.eq_ignore_ascii_case("application/x-www-form-urlencoded") {
        return Err(refuse());
    }
    for parameter in parts {
        let parameter = parameter.trim();
        if parameter.is_empty() {
            continue;
        }
        let (name, value) = parameter.split_once('=').ok_or_else(refuse)?;
        if name.trim().eq_ignore_ascii_case("charset") {
            let value = value.trim();
            let value = value
                .strip_prefix('"')
                .and_then(|v| v.strip_suffix('"'))
                .unwrap_or(value);
            if !value.eq_ignore_ascii_case("utf-8") {
                return Err(refuse());
            }
        }
    }
    Ok(())
}

/// A form body as text, when it is UTF-8 and within the size limit (a larger one is refused
/// without looking at it).
pub(crate) fn form_text<'a>(body: &'a [u8], limits: &ParamLimits) -> Option<&'a str> {
    if body.len() > limits.max_total_bytes {
        return None;
    }
    std::str::from_utf8(body).ok()
}

/// Decodes one whole `application/x-www-form-urlencoded` component (no splitting at `&` or `=`):
/// `None` when an escape is malformed or the result is not UTF-8. A component without `%` or `+`
/// is its own decoding and is returned as it is.
pub(crate) fn form_decode(component: &str) -> Option<Cow<'_, str>> {
    if !component.contains(['%', '+']) {
        return Some(Cow::Borrowed(component));
    }
    let mut out = Vec::with_capacity(component.len());
    let bytes = component.as_bytes();
    let mut from = 0;
    // `decode_component` stops at `&` (and, for a value, reads `=` literally); a whole component
    // goes on past the `&`s.
    loop {
        let (end, _) = form::decode_component(&mut out, bytes, from, false).ok()?;
        if end >= bytes.len() {
            return String::from_utf8(out).ok().map(Cow::Owned);
        }
        out.push(b'&');
        from = end + 1;
    }
}

/// The straightforward decoder `Params` replaced: two `String`s per pair, byte by byte. Kept to
/// check the decoder against, by the tests below and the fuzz targets.
#[cfg(any(test, fuzzing))]
pub(crate) mod reference {
    use super::{ParamLimits, ParamsError, clip};

    /// The pairs `Params` must hold for `input`, or the error it must return.
    pub(crate) fn decode(
        input: &[u8],
        limits: &ParamLimits,
    ) -> Result<Vec<(String, String)>, ParamsError> {
        if input.len() > limits.max_total_bytes {
            return Err(ParamsError::TooLarge {
                limit: limits.max_total_bytes,
            });
        }
        let mut pairs = Vec::new();
        let mut offset = 0;
        let mut count = 0usize;
        for piece in input.split(|&b| b == b'&') {
            let at = offset;
            offset += piece.len() + 1;
            if piece.is_empty() {
                continue;
            }
            count += 1;
            if count > limits.max_params {
                return Err(ParamsError::TooMany {
                    limit: limits.max_params,
                });
            }
            let (raw_name, raw_value) = match piece.iter().position(|&b| b == b'=') {
                Some(eq) => (
                    piece.get(..eq).unwrap_or_default(),
                    piece.get(eq + 1..).unwrap_or_default(),
                ),
                None => (piece, &[][..]),
            };
            let name = percent_decode(raw_name, at)?;
            let value = percent_decode(raw_value, at + raw_name.len() + 1)?;
            if name.len() > limits.max_value_bytes || value.len() > limits.max_value_bytes {
                return Err(ParamsError::ValueTooLong {
                    name: clip(&String::from_utf8_lossy(&name)),
                    limit: limits.max_value_bytes,
                });
            }
            let name = String::from_utf8(name).map_err(|_| ParamsError::NotUtf8 { at })?;
            let value = String::from_utf8(value).map_err(|_| ParamsError::NotUtf8 { at })?;
            if name.is_empty() || value.is_empty() {
                continue;
            }
            pairs.push((name, value));
        }
        Ok(pairs)
    }

    fn hex(b: u8) -> Option<u8> {
        match b {
            b'0'..=b'9' => Some(b - b'0'),
            b'a'..=b'f' => Some(b - b'a' + 10),
            b'A'..=b'F' => Some(b - b'A' + 10),
            _ => None,
        }
    }

    /// Decodes `+` to space and `%HH` to its byte; refuses a malformed escape.
    pub(crate) fn percent_decode(input: &[u8], base: usize) -> Result<Vec<u8>, ParamsError> {
        let mut out = Vec::with_capacity(input.len());
        let mut iter = input.iter().copied().enumerate();
        while let Some((i, b)) = iter.next() {
            match b {
                b'+' => out.push(b' '),
                b'%' => {
                    let high = iter.next().and_then(|(_, h)| hex(h));
                    let low = iter.next().and_then(|(_, l)| hex(l));
                    match (high, low) {
                        (Some(high), Some(low)) => out.push(high << 4 | low),
                        _ => return Err(ParamsError::MalformedPercentEncoding { at: base + i }),
                    }
                }
                other => out.push(other),
            }
        }
        Ok(out)
    }

    /// `url`'s `form_urlencoded` serialization of `pairs`.
    pub(crate) fn encode<'a>(pairs: impl Iterator<Item = (&'a str, &'a str)>) -> String {
        let mut serializer = url::form_urlencoded::Serializer::new(String::new());
        for (name, value) in pairs {
            serializer.append_pair(name, value);
        }
        serializer.finish()
    }

    /// Checks `Params` against this module on `input`, as a query string (when it is UTF-8) and
    /// as a form body, with `limits`; and its encoding against `url`'s.
    ///
    /// # Panics
    ///
    /// On any disagreement.
    #[allow(clippy::panic, clippy::unwrap_used)]
    pub(crate) fn check(input: &[u8], limits: &ParamLimits) {
        let expected = decode(input, limits);
        let as_form = super::Params::parse_form_with(
            Some("application/x-www-form-urlencoded"),
            input,
            limits,
        );
        let mut results = vec![as_form];
        if let Ok(query) = std::str::from_utf8(input) {
            results.push(super::Params::parse_query_with(query, limits));
        }
        for result in results {
            let pairs = result.as_ref().map(|params| {
                params
                    .iter()
                    .map(|(n, v)| (n.to_owned(), v.to_owned()))
                    .collect::<Vec<_>>()
            });
            assert_eq!(pairs, expected.as_ref().cloned(), "decoding {input:?}");
            if let Ok(params) = result {
                let written = params.encode();
                assert_eq!(written, encode(params.iter()), "encoding {input:?}");
                assert_eq!(written.len(), written.capacity(), "capacity for {input:?}");
                let components: Vec<&str> = params.iter().flat_map(|(n, v)| [n, v]).collect();
                for component in components {
                    let expected = percent_decode(component.as_bytes(), 0)
                        .ok()
                        .and_then(|bytes| String::from_utf8(bytes).ok());
                    assert_eq!(
                        super::form_decode(component).map(std::borrow::Cow::into_owned),
                        expected,
                        "form_decode {component:?}"
                    );
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn req_2_empty_values_count_as_omitted() {
        let params = Params::parse_query("a=&b&c=1&=x&&d=2").unwrap();
        assert_eq!(
            params.iter().collect::<Vec<_>>(),
            vec![("c", "1"), ("d", "2")]
        );
        assert_eq!(params.single("a").unwrap(), None);
        let params = Params::parse_query("scope=&scope=openid").unwrap();
        assert_eq!(params.single("scope").unwrap(), Some("openid"));
    }

    #[test]
    fn req_3_repeated_parameter_is_named() {
        let params = Params::parse_query("a=1&b=2&a=3").unwrap();
        assert_eq!(params.first_repeated(), Some("a"));
        assert_eq!(
            params.single("a"),
            Err(ParamsError::Repeated { name: "a".into() })
        );
        assert_eq!(params.single("b").unwrap(), Some("2"));
        let error = params.ensure_no_repeats().unwrap_err();
        assert_eq!(
            error.to_token_error().error_description.unwrap().as_str(),
            "parameter a is repeated"
        );
    }

    #[test]
    fn decoding_is_strict() {
        let params = Params::parse_query("a=b+c%20d%2B&e%3D=%E2%9C%93").unwrap();
        assert_eq!(params.single("a").unwrap(), Some("b c d+"));
        assert_eq!(params.single("e=").unwrap(), Some("\u{2713}"));
        assert_eq!(
            Params::parse_query("a=%zz"),
            Err(ParamsError::MalformedPercentEncoding { at: 2 })
        );
        assert_eq!(
            Params::parse_query("a=%4"),
            Err(ParamsError::MalformedPercentEncoding { at: 2 })
        );
        assert_eq!(
            Params::parse_query("x=1&a=%FF"),
            Err(ParamsError::NotUtf8 { at: 4 })
        );
    }

    #[test]
    fn limits_are_enforced() {
        let limits = ParamLimits {
            max_total_bytes: 20,
            max_value_bytes: 4,
            max_params: 2,
        };
        assert_eq!(
            Params::parse_query_with(&"a".repeat(21), &limits),
            Err(ParamsError::TooLarge { limit: 20 })
        );
        assert_eq!(
            Params::parse_query_with("a=1&b=2&c=3", &limits),
            Err(ParamsError::TooMany { limit: 2 })
        );
        assert_eq!(
            Params::parse_query_with("a=12345", &limits),
            Err(ParamsError::ValueTooLong {
                name: "a".into(),
                limit: 4
            })
        );
        assert!(Params::parse_query_with("a=1234&b=5", &limits).is_ok());
    }

    #[test]
    fn content_type_is_checked() {
        let ok = [
            "application/x-www-form-urlencoded",
            "Application/X-WWW-Form-Urlencoded",
            "application/x-www-form-urlencoded; charset=UTF-8",
            "application/x-www-form-urlencoded;charset=\"utf-8\"",
            "application/x-www-form-urlencoded ; charset=utf-8 ; foo=bar",
        ];
        for content_type in ok {
            assert!(
                Params::parse_form(Some(content_type), b"a=1").is_ok(),
                "{content_type}"
            );
        }
        let bad = [
            None,
            Some("application/json"),
            Some("multipart/form-data"),
            Some("application/x-www-form-urlencoded; charset=ISO-8859-1"),
            Some("application/x-www-form-urlencodedx"),
            Some("application/x-www-form-urlencoded; charset"),
        ];
        for content_type in bad {
            assert!(matches!(
                Params::parse_form(content_type, b"a=1"),
                Err(ParamsError::UnsupportedContentType { .. })
            ));
        }
    }

    #[test]
    fn encode_round_trips_and_debug_hides_values() {
        let params: Params = [("client_secret", "s3cr3t &=+%"), ("a", "\u{e9}")]
            .into_iter()
            .collect();
        let encoded = params.encode();
        assert_eq!(Params::parse_query(&encoded).unwrap(), params);
        assert!(!format!("{params:?}").contains("s3cr3t"));
    }

    /// Bytes that exercise the decoder: separators, escapes (good, bad, truncated, of invalid
    /// UTF-8), `+`, multi-byte characters, raw invalid UTF-8 and plain text.
    fn form_bytes() -> impl proptest::strategy::Strategy<Value = Vec<u8>> {
        use proptest::prelude::*;
        let piece = prop_oneof![
            Just(b"&".to_vec()),
            Just(b"=".to_vec()),
            Just(b"+".to_vec()),
            Just(b"%".to_vec()),
            Just(b"%2".to_vec()),
            Just(b"%zz".to_vec()),
            Just(b"%41".to_vec()),
            Just(b"%e2%9C%93".to_vec()),
            Just(b"%C3".to_vec()),
            Just(b"%A9".to_vec()),
            Just(b"%FF".to_vec()),
            Just(b"%26%3D%2B%25".to_vec()),
            Just("\u{e9}\u{2713}".as_bytes().to_vec()),
            Just(vec![0xC3]),
            Just(vec![0xFF]),
            Just(b"state".to_vec()),
            Just(b"code".to_vec()),
            prop::collection::vec(any::<u8>(), 0..4),
            "[a-zA-Z0-9 ._~*-]{0,6}".prop_map(String::into_bytes),
        ];
        prop::collection::vec(piece, 0..24).prop_map(|pieces| pieces.concat())
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(4096))]

        #[test]
        fn decoding_and_encoding_match_the_reference(
            input in form_bytes(),
            max_total_bytes in 0usize..80,
            max_value_bytes in 0usize..12,
            max_params in 0usize..10,
        ) {
            reference::check(&input, &ParamLimits::default());
            reference::check(
                &input,
                &ParamLimits { max_total_bytes, max_value_bytes, max_params },
            );
        }

        #[test]
        fn encoding_matches_form_urlencoded(
            pairs in proptest::collection::vec((".{0,8}", ".{0,8}"), 0..6),
        ) {
            let params: Params = pairs.iter().map(|(n, v)| (n.as_str(), v.as_str())).collect();
            let written = params.encode();
            proptest::prop_assert_eq!(&written, &reference::encode(params.iter()));
            proptest::prop_assert_eq!(written.len(), written.capacity());
        }
    }
}

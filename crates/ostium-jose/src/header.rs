//! The JOSE header of a JWS (RFC 7515 §4), parsed strictly.

use std::borrow::Cow;
use std::fmt;

use serde::de::{self, DeserializeSeed, MapAccess, SeqAccess, Visitor};

use crate::algorithm::Algorithm;
use crate::error::{CritError, JwsError};
use crate::jwk::Jwk;
use crate::scan::{Scanner, Span};
use crate::strict_json::{
    DuplicateGuard, NameSeed, Problem, Stash, StrSeed, StrictIgnore, Text, fail,
};

/// Header parameters defined by RFC 7515 §4.1 and RFC 7518 §4.1 that `crit` must never list
/// (RFC 7515 §4.1.11: "Producers MUST NOT include Header Parameter names defined by this
/// specification or [JWA] for use with JWS").
const REGISTERED: [&str; 11] = [
    "alg", "jku", "jwk", "kid", "x5u", "x5c", "x5t", "x5t#S256", "typ", "cty", "crit",
];

/// A header's members as read, before checks.
#[derive(Default)]
pub(crate) struct RawHeader<'de> {
    alg: Option<Cow<'de, str>>,
    kid: Option<Cow<'de, str>>,
    typ: Option<Cow<'de, str>>,
    cty: Option<Cow<'de, str>>,
    jku: Option<Cow<'de, str>>,
    x5u: Option<Cow<'de, str>>,
    // Boxed: a RawJwk is large and headers rarely carry one.
    jwk: Option<Box<crate::jwk::json::RawJwk<'de>>>,
    crit: Option<Vec<Cow<'de, str>>>,
    b64: Option<bool>,
    has_x5: bool,
}

/// Reads one header object (protected or unprotected: the checks that differ happen later).
pub(crate) struct HeaderSeed<'s, 'g> {
    pub(crate) stash: &'s mut Stash,
    pub(crate) guard: &'s mut DuplicateGuard<'g>,
    pub(crate) depth: usize,
}

impl<'de> DeserializeSeed<'de> for HeaderSeed<'_, 'de> {
    type Value = RawHeader<'de>;

    fn deserialize<D: de::Deserializer<'de>>(
        self,
        deserializer: D,
    ) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for HeaderSeed<'_, 'de> {
    type Value = RawHeader<'de>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JOSE header object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let stash = self.stash;
        let mut raw = RawHeader::default();
        while let Some(name) = map.next_key_seed(NameSeed)? {
            if !self.guard.insert(&name) {
                return Err(fail(
                    stash,
                    Problem::Duplicate(crate::strict_json::truncated(&name)),
                ));
            }
            let slot: (&mut Option<Cow<'de, str>>, &'static str) = match &*name {
                "alg" => (&mut raw.alg, "alg"),
                "kid" => (&mut raw.kid, "kid"),
                "typ" => (&mut raw.typ, "typ"),
                "cty" => (&mut raw.cty, "cty"),
                "jku" => (&mut raw.jku, "jku"),
                "x5u" => (&mut raw.x5u, "x5u"),
                "jwk" => {
                    let jwk =
                        map.next_value_seed(crate::jwk::json::RawJwkSeed { stash: &mut *stash })?;
                    raw.jwk = Some(Box::new(jwk));
                    continue;
                }
                "crit" => {
                    raw.crit = Some(map.next_value_seed(CritSeed { stash: &mut *stash })?);
                    continue;
                }
                "b64" => {
                    raw.b64 = Some(map.next_value_seed(BoolSeed { stash: &mut *stash })?);
                    continue;
                }
                other => {
                    raw.has_x5 |= matches!(other, "x5c" | "x5t" | "x5t#S256");
                    let Some(depth) = self.depth.checked_sub(1) else {
                        return Err(fail(stash, Problem::TooDeep));
                    };
                    map.next_value_seed(StrictIgnore {
                        stash: &mut *stash,
                        depth,
                    })?;
                    continue;
                }
            };
            *slot.0 = Some(map.next_value_seed(StrSeed {
                stash: &mut *stash,
                name: slot.1,
            })?);
        }
        Ok(raw)
    }
}

struct BoolSeed<'s> {
    stash: &'s mut Stash,
}

impl<'de> DeserializeSeed<'de> for BoolSeed<'_> {
    type Value = bool;

    fn deserialize<D: de::Deserializer<'de>>(self, deserializer: D) -> Result<bool, D::Error> {
        match serde::Deserialize::deserialize(deserializer) {
            Ok(value) => Ok(value),
            Err(e) => {
                let _: D::Error = fail(self.stash, Problem::Invalid("b64", "must be a boolean"));
                Err(e)
            }
        }
    }
}

struct CritSeed<'s> {
    stash: &'s mut Stash,
}

impl<'de> DeserializeSeed<'de> for CritSeed<'_> {
    type Value = Vec<Cow<'de, str>>;

    fn deserialize<D: de::Deserializer<'de>>(
        self,
        deserializer: D,
    ) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for CritSeed<'_> {
    type Value = Vec<Cow<'de, str>>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an array of strings")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let mut names = Vec::new();
        loop {
            match seq.next_element_seed(crate::strict_json::NameSeed) {
                Ok(Some(name)) => {
                    if names.len() == REGISTERED.len() {
                        return Err(fail(
                            self.stash,
                            Problem::Invalid("crit", "too many entries"),
                        ));
                    }
                    names.push(name);
                }
                Ok(None) => return Ok(names),
                Err(e) => {
                    let _: A::Error = fail(
                        self.stash,
                        Problem::Invalid("crit", "not an array of strings"),
                    );
                    return Err(e);
                }
            }
        }
    }

    fn visit_map<A: MapAccess<'de>>(self, _: A) -> Result<Self::Value, A::Error> {
        Err(fail(
            self.stash,
            Problem::Invalid("crit", "not an array of strings"),
        ))
    }
    fn visit_str<E: de::Error>(self, _: &str) -> Result<Self::Value, E> {
        Err(fail(
            self.stash,
            Problem::Invalid("crit", "not an array of strings"),
        ))
    }
    fn visit_bool<E: de::Error>(self, _: bool) -> Result<Self::Value, E> {
        Err(fail(
            self.stash,
            Problem::Invalid("crit", "not an array of strings"),
        ))
    }
    fn visit_i64<E: de::Error>(self, _: i64) -> Result<Self::Value, E> {
        Err(fail(
            self.stash,
            Problem::Invalid("crit", "not an array of strings"),
        ))
    }
    fn visit_u64<E: de::Error>(self, _: u64) -> Result<Self::Value, E> {
        Err(fail(
            self.stash,
            Problem::Invalid("crit", "not an array of strings"),
        ))
    }
    fn visit_f64<E: de::Error>(self, _: f64) -> Result<Self::Value, E> {
        Err(fail(
            self.stash,
            Problem::Invalid("crit", "not an array of strings"),
        ))
    }
    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Err(fail(
            self.stash,
            Problem::Invalid("crit", "not an array of strings"),
        ))
    }
}

/// Maps a problem found while reading header JSON to a [`JwsError`].
pub(crate) fn header_error(stash: Stash, error: &serde_json::Error) -> JwsError {
    match stash {
        Some(Problem::Duplicate(name)) => JwsError::DuplicateMember(name),
        Some(Problem::TooDeep) => JwsError::TooLarge("header nesting depth"),
        Some(Problem::Invalid("crit", _)) => JwsError::Critical(CritError::NotAnArrayOfStrings),
        Some(Problem::Invalid("jwk", why)) => JwsError::EmbeddedKey(why.to_owned()),
        Some(problem @ (Problem::Invalid(..) | Problem::OutOfRange(_))) => {
            JwsError::InvalidHeader(problem.to_string())
        }
        None => JwsError::InvalidHeader(error.to_string()),
    }
}

/// The longest protected header JSON kept inline in a [`Header`] (a usual
/// `{"alg":"RS256","typ":"JWT","kid":"<43-character thumbprint>"}` fits).
pub(crate) const INLINE_HEADER: usize = 110;

/// A protected header's JSON: inline when short, so that the usual header costs no allocation;
/// else on the heap. Always valid UTF-8 (it was checked when the header was parsed).
#[derive(Clone)]
pub(crate) enum HeaderJson {
    Inline { len: u8, bytes: [u8; INLINE_HEADER] },
    Heap(String),
}

impl HeaderJson {
    /// `json`, inline if it fits.
    fn new(json: &str) -> HeaderJson {
        let mut bytes = [0; INLINE_HEADER];
        match (bytes.get_mut(..json.len()), u8::try_from(json.len())) {
            (Some(inline), Ok(len)) => {
                inline.copy_from_slice(json.as_bytes());
                HeaderJson::Inline { len, bytes }
            }
            _ => HeaderJson::Heap(json.to_owned()),
        }
    }

    fn as_bytes(&self) -> &[u8] {
        match self {
            HeaderJson::Inline { len, bytes } => bytes.get(..usize::from(*len)).unwrap_or(&[]),
            HeaderJson::Heap(json) => json.as_bytes(),
        }
    }

    fn as_str(&self) -> &str {
        match self {
            // Copied from a `str` (see `new`): the fallback is unreachable.
            HeaderJson::Inline { .. } => std::str::from_utf8(self.as_bytes()).unwrap_or(""),
            HeaderJson::Heap(json) => json,
        }
    }
}

impl PartialEq for HeaderJson {
    fn eq(&self, other: &HeaderJson) -> bool {
        self.as_bytes() == other.as_bytes()
    }
}

/// A verified or parsed JOSE header (RFC 7515 §4).
///
/// Only `alg` (and `crit`/`b64`) influence verification; `kid` is a hint for key selection, and
/// `jwk`, `jku`, `x5u` and `x5c` never supply the verifying key (RFC 8725 §3.10): a DPoP proof's
/// embedded key is used only through [`verify_with_embedded_jwk`](crate::verify_with_embedded_jwk).
#[derive(Clone)]
pub struct Header {
    raw: HeaderJson,
    alg: Algorithm,
    kid: Option<Text>,
    typ: Option<Text>,
    cty: Option<Text>,
    jku: Option<Text>,
    x5u: Option<Text>,
    jwk: Option<Box<Jwk>>,
    b64: bool,
}

impl fmt::Debug for Header {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Header")
            .field("alg", &self.alg)
            .field("kid", &self.kid())
            .field("typ", &self.typ())
            .field("cty", &self.content_type())
            .field("jwk", &self.jwk)
            .field("b64", &self.b64)
            .finish_non_exhaustive()
    }
}

impl Header {
    /// The algorithm (`alg`, RFC 7515 §4.1.1).
    pub fn algorithm(&self) -> Algorithm {
        self.alg
    }

    /// The key ID hint (`kid`, RFC 7515 §4.1.4).
    pub fn kid(&self) -> Option<&str> {
        self.kid.as_ref().map(|t| t.resolve(self.raw.as_bytes()))
    }

    /// The media type of the whole JWS (`typ`, RFC 7515 §4.1.9), as written.
    pub fn typ(&self) -> Option<&str> {
        self.typ.as_ref().map(|t| t.resolve(self.raw.as_bytes()))
    }

    /// The payload's media type (`cty`, RFC 7515 §4.1.10).
    pub fn content_type(&self) -> Option<&str> {
        self.cty.as_ref().map(|t| t.resolve(self.raw.as_bytes()))
    }

    /// The JWK Set URL (`jku`). Never fetched by this crate, never used to find a key.
    pub fn jwk_set_url(&self) -> Option<&str> {
        self.jku.as_ref().map(|t| t.resolve(self.raw.as_bytes()))
    }

    /// The X.509 URL (`x5u`). Never fetched by this crate, never used to find a key.
    pub fn x509_url(&self) -> Option<&str> {
        self.x5u.as_ref().map(|t| t.resolve(self.raw.as_bytes()))
    }

    /// The embedded public key (`jwk`, RFC 7515 §4.1.3). It is never used to verify this JWS
    /// except through the explicit DPoP-style API.
    pub fn embedded_jwk(&self) -> Option<&Jwk> {
        self.jwk.as_deref()
    }

    /// Whether the payload is base64url-encoded (`b64`, RFC 7797 §3; `true` when absent).
    pub fn is_payload_encoded(&self) -> bool {
        self.b64
    }

    /// The protected header's JSON text, for reading extension parameters.
    pub fn protected_json(&self) -> &str {
        self.raw.as_str()
    }

    /// Whether `typ` equals `expected` as RFC 7515 §4.1.9 compares media types: ASCII
    /// case-insensitively, with an `application/` prefix optional on either side.
    pub fn typ_is(&self, expected: &str) -> bool {
        self.typ().is_some_and(|typ| media_type_eq(typ, expected))
    }
}

/// RFC 7515 §4.1.9: "it is RECOMMENDED that the "application/" prefix be omitted"; "MIME Media Type
/// values ... are case insensitive".
pub(crate) fn media_type_eq(a: &str, b: &str) -> bool {
    fn strip(s: &str) -> &str {
        match s.get(..12) {
            Some(prefix) if prefix.eq_ignore_ascii_case("application/") => {
                s.get(12..).unwrap_or("")
            }
            _ => s,
        }
    }
    strip(a).eq_ignore_ascii_case(strip(b))
}

/// The members of a protected header the scanner read: spans of their (unescaped) values.
#[derive(Default)]
pub(crate) struct Scanned {
    alg: Option<Span>,
    kid: Option<Span>,
    typ: Option<Span>,
    cty: Option<Span>,
    jku: Option<Span>,
    x5u: Option<Span>,
}

/// The fast path of [`parse_protected`] (see [`crate::scan`]): the members as `HeaderSeed` reads
/// them, or `None` when the serde path must decide. `jwk`, `crit` and `b64` are left to it.
fn scan_protected(raw: &str, depth: usize) -> Option<Scanned> {
    // Spans become `Text::Span`s, which hold `u32`s.
    u32::try_from(raw.len()).ok()?;
    let mut scanner = Scanner::new(raw);
    let mut header = Scanned::default();
    scanner.skip_whitespace();
    scanner.object(|scanner, name| {
        let slot = match scanner.bytes(name) {
            b"alg" => &mut header.alg,
            b"kid" => &mut header.kid,
            b"typ" => &mut header.typ,
            b"cty" => &mut header.cty,
            b"jku" => &mut header.jku,
            b"x5u" => &mut header.x5u,
            b"jwk" | b"crit" | b"b64" => return None,
            _ => {
                // As `HeaderSeed`: any other member takes one level, even a scalar.
                return scanner.value(depth.checked_sub(1)?);
            }
        };
        *slot = Some(scanner.plain_string()?);
        Some(())
    })?;
    scanner.end()?;
    Some(header)
}

impl Scanned {
    /// The checks of [`Finished::from_raw`] for a protected header without `crit`, `b64` and
    /// `jwk` (which the scanner leaves to the serde path), in the same order.
    fn finish(&self, json: &str) -> Result<Finished, JwsError> {
        let text = |span: Option<Span>| {
            span.map(|span| Text::Span {
                // `scan_protected` checked that the JSON's length fits.
                start: span.start as u32,
                len: (span.end - span.start) as u32,
            })
        };
        let value = |span: Span| json.get(span.start..span.end).unwrap_or("");
        let alg = self
            .alg
            .ok_or_else(|| JwsError::InvalidHeader("missing \"alg\"".to_owned()))?;
        let alg = Algorithm::from_name(value(alg))?;
        if let Some(kid) = self.kid {
            crate::jwk::check_kid_for_header(value(kid))
                .map_err(|e| JwsError::InvalidHeader(e.to_string()))?;
        }
        Ok(Finished {
            alg,
            kid: text(self.kid),
            typ: text(self.typ),
            cty: text(self.cty),
            jku: text(self.jku),
            x5u: text(self.x5u),
            jwk: None,
            b64: true,
        })
    }
}

/// The fast path's contract on one input, at several depth limits: whatever the scanner reads,
/// the serde path reads identically, down to the checks of [`Finished::from_raw`]. Panics
/// otherwise (a test or fuzzing finding).
#[cfg(any(test, fuzzing))]
pub(crate) fn check_scan_agrees(json: &str) -> bool {
    let mut read = false;
    for depth in [0, 1, 2, 3, 8] {
        let Some(fields) = scan_protected(json, depth) else {
            continue;
        };
        read = true;
        let fast = fields
            .finish(json)
            .map(|fields| fields.into_header(HeaderJson::new(json)));
        let slow = parse_protected_by_serde(json.to_owned(), depth);
        match (fast, slow) {
            (Ok(fast), Ok(slow)) => assert!(
                fast.raw == slow.raw
                    && fast.alg == slow.alg
                    && fast.kid == slow.kid
                    && fast.typ == slow.typ
                    && fast.cty == slow.cty
                    && fast.jku == slow.jku
                    && fast.x5u == slow.x5u
                    && fast.jwk == slow.jwk
                    && fast.b64 == slow.b64,
                "{json:?} at depth {depth}: {fast:?} / {slow:?}"
            ),
            (fast, slow) => assert_eq!(fast.err(), slow.err(), "{json:?} at depth {depth}"),
        }
    }
    read
}

/// Parses one protected header (RFC 7515 §5.2 steps 2–5) from its decoded JSON.
pub(crate) fn parse_protected(raw: String, depth: usize) -> Result<Header, JwsError> {
    if let Some(fields) = scan_protected(&raw, depth) {
        let fields = fields.finish(&raw)?;
        return Ok(fields.into_header(HeaderJson::Heap(raw)));
    }
    parse_protected_by_serde(raw, depth)
}

/// [`parse_protected`] of borrowed JSON: kept inline in the header when it is short.
pub(crate) fn parse_protected_str(json: &str, depth: usize) -> Result<Header, JwsError> {
    if let Some(fields) = scan_protected(json, depth) {
        let fields = fields.finish(json)?;
        return Ok(fields.into_header(HeaderJson::new(json)));
    }
    parse_protected_by_serde(json.to_owned(), depth)
}

/// [`parse_protected`] through serde_json and the strict visitors: the authority on every input
/// the scanner gives up on.
fn parse_protected_by_serde(raw: String, depth: usize) -> Result<Header, JwsError> {
    let mut guard = DuplicateGuard::new();
    let fields = {
        let mut stash = None;
        let mut deserializer = serde_json::Deserializer::from_str(&raw);
        let fields = HeaderSeed {
            stash: &mut stash,
            guard: &mut guard,
            depth,
        }
        .deserialize(&mut deserializer)
        .and_then(|fields| deserializer.end().map(|()| fields))
        .map_err(|e| header_error(stash.take(), &e))?;
        Finished::from_raw(fields, None, raw.as_bytes())?
    };
    Ok(fields.into_header(HeaderJson::Heap(raw)))
}

/// A header whose members were checked, with text spans into the protected header's JSON.
pub(crate) struct Finished {
    alg: Algorithm,
    kid: Option<Text>,
    typ: Option<Text>,
    cty: Option<Text>,
    jku: Option<Text>,
    x5u: Option<Text>,
    jwk: Option<Box<Jwk>>,
    b64: bool,
}

impl Finished {
    /// Checks a protected header and, for the JSON serialization, its unprotected companion
    /// (already known to be disjoint); spans refer to `buffer` (the protected header's JSON).
    pub(crate) fn from_raw(
        mut protected: RawHeader<'_>,
        mut unprotected: Option<RawHeader<'_>>,
        buffer: &[u8],
    ) -> Result<Finished, JwsError> {
        let protected_jwk = protected.jwk.take();
        let unprotected_jwk = unprotected.as_mut().and_then(|u| u.jwk.take());
        if let Some(u) = &unprotected
            && (u.crit.is_some() || u.b64.is_some())
        {
            return Err(JwsError::Critical(CritError::Unprotected));
        }
        // crit (RFC 7515 §4.1.11) and b64 (RFC 7797 §3, §6).
        let mut b64 = true;
        if let Some(crit) = &protected.crit {
            if crit.is_empty() {
                return Err(CritError::Empty.into());
            }
            for (i, name) in crit.iter().enumerate() {
                if crit.get(..i).unwrap_or(&[]).contains(name) {
                    return Err(CritError::Duplicate(crate::strict_json::truncated(name)).into());
                }
                if REGISTERED.contains(&&**name) {
                    return Err(CritError::Registered(crate::strict_json::truncated(name)).into());
                }
                if name != "b64" {
                    return Err(CritError::Unknown(crate::strict_json::truncated(name)).into());
                }
                match protected.b64 {
                    Some(value) => b64 = value,
                    None => return Err(CritError::Absent("b64".to_owned()).into()),
                }
            }
        } else if protected.b64.is_some() {
            return Err(CritError::B64NotCritical.into());
        }

        let merged = Merge {
            protected: &protected,
            unprotected: unprotected.as_ref(),
        };
        let alg = merged
            .pick(|h| h.alg.as_ref())
            .ok_or_else(|| JwsError::InvalidHeader("missing \"alg\"".to_owned()))?;
        let alg = Algorithm::from_name(alg.1)?;
        let text = |found: Option<(bool, &str)>| {
            found.map(|(is_protected, value)| {
                if is_protected {
                    Text::new(Cow::Borrowed(value), buffer)
                } else {
                    Text::Owned(value.into())
                }
            })
        };
        let kid = merged.pick(|h| h.kid.as_ref());
        if let Some((_, kid)) = kid {
            crate::jwk::check_kid_for_header(kid)
                .map_err(|e| JwsError::InvalidHeader(e.to_string()))?;
        }
        let jwk = match (protected_jwk, unprotected_jwk) {
            (Some(raw), _) | (None, Some(raw)) => {
                let key = (*raw)
                    .build(crate::jwk::Checks { ec_point: false })
                    .map_err(|e| JwsError::EmbeddedKey(e.to_string()))?;
                if key.is_private() {
                    return Err(JwsError::EmbeddedKey(
                        "holds private or symmetric key material".to_owned(),
                    ));
                }
                Some(Box::new(key))
            }
            (None, None) => None,
        };
        Ok(Finished {
            alg,
            kid: text(kid),
            typ: text(merged.pick(|h| h.typ.as_ref())),
            cty: text(merged.pick(|h| h.cty.as_ref())),
            jku: text(merged.pick(|h| h.jku.as_ref())),
            x5u: text(merged.pick(|h| h.x5u.as_ref())),
            jwk,
            b64,
        })
    }

    pub(crate) fn into_header(self, raw: HeaderJson) -> Header {
        Header {
            raw,
            alg: self.alg,
            kid: self.kid,
            typ: self.typ,
            cty: self.cty,
            jku: self.jku,
            x5u: self.x5u,
            jwk: self.jwk,
            b64: self.b64,
        }
    }
}

struct Merge<'a, 'de> {
    protected: &'a RawHeader<'de>,
    unprotected: Option<&'a RawHeader<'de>>,
}

impl<'a, 'de> Merge<'a, 'de> {
    /// The member from whichever header has it (they are disjoint), and whether it is protected.
    fn pick(
        &self,
        get: impl Fn(&'a RawHeader<'de>) -> Option<&'a Cow<'de, str>>,
    ) -> Option<(bool, &'a str)> {
        match get(self.protected) {
            Some(value) => Some((true, value)),
            None => self
                .unprotected
                .and_then(&get)
                .map(|value| (false, &**value)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::jwk::MAX_KID_LEN;

    fn parse(json: &str) -> Result<Header, JwsError> {
        parse_protected(json.to_owned(), 8)
    }

    #[test]
    fn parses_registered_members() {
        let h = parse(r#"{"alg":"ES256","kid":"k1","typ":"dpop+jwt","cty":"JWT","jku":"https://x","ext":[1]}"#).unwrap();
        assert_eq!(h.algorithm(), Algorithm::Es256);
        assert_eq!(h.kid(), Some("k1"));
        assert_eq!(h.typ(), Some("dpop+jwt"));
        assert_eq!(h.content_type(), Some("JWT"));
        assert_eq!(h.jwk_set_url(), Some("https://x"));
        assert!(h.is_payload_encoded());
    }

    #[test]
    fn escaped_values_are_unescaped() {
        let h = parse(r#"{"alg":"HS256","kid":"a\u0062c"}"#).unwrap();
        assert_eq!(h.kid(), Some("abc"));
    }

    #[test]
    fn typ_comparison_follows_rfc7515() {
        let h = parse(r#"{"alg":"HS256","typ":"Application/AT+JWT"}"#).unwrap();
        assert!(h.typ_is("at+jwt"));
        assert!(h.typ_is("application/at+jwt"));
        assert!(!h.typ_is("jwt"));
        assert!(media_type_eq("JWT", "jwt"));
        assert!(!media_type_eq("application/", "x"));
    }

    #[test]
    fn alg_problems() {
        assert_eq!(
            parse(r#"{"alg":"none"}"#).unwrap_err(),
            JwsError::UnsecuredAlgorithm
        );
        assert_eq!(
            parse(r#"{"alg":"\u006eone"}"#).unwrap_err(),
            JwsError::UnsecuredAlgorithm
        );
        assert!(matches!(
            parse(r#"{"typ":"JWT"}"#),
            Err(JwsError::InvalidHeader(_))
        ));
        assert!(matches!(
            parse(r#"{"alg":256}"#),
            Err(JwsError::InvalidHeader(_))
        ));
        assert_eq!(
            parse(r#"{"alg":"HS256","\u0061lg":"none"}"#).unwrap_err(),
            JwsError::DuplicateMember("alg".to_owned())
        );
    }

    #[test]
    fn crit_rules() {
        let crit = |json: &str| match parse(json) {
            Err(JwsError::Critical(c)) => c,
            other => panic!("{json}: {other:?}"),
        };
        assert_eq!(crit(r#"{"alg":"HS256","crit":[]}"#), CritError::Empty);
        assert_eq!(
            crit(r#"{"alg":"HS256","crit":"b64","b64":false}"#),
            CritError::NotAnArrayOfStrings
        );
        assert_eq!(
            crit(r#"{"alg":"HS256","crit":[1]}"#),
            CritError::NotAnArrayOfStrings
        );
        assert_eq!(
            crit(r#"{"alg":"HS256","crit":["alg"]}"#),
            CritError::Registered("alg".into())
        );
        assert_eq!(
            crit(r#"{"alg":"HS256","crit":["exp"],"exp":1}"#),
            CritError::Unknown("exp".into())
        );
        assert_eq!(
            crit(r#"{"alg":"HS256","crit":["b64"]}"#),
            CritError::Absent("b64".into())
        );
        assert_eq!(
            crit(r#"{"alg":"HS256","crit":["b64","b64"],"b64":false}"#),
            CritError::Duplicate("b64".into())
        );
        assert_eq!(
            crit(r#"{"alg":"HS256","b64":false}"#),
            CritError::B64NotCritical
        );
        let h = parse(r#"{"alg":"HS256","b64":false,"crit":["b64"]}"#).unwrap();
        assert!(!h.is_payload_encoded());
    }

    #[test]
    fn kid_rules_apply_to_headers() {
        assert!(matches!(
            parse(r#"{"alg":"HS256","kid":7}"#),
            Err(JwsError::InvalidHeader(_))
        ));
        assert!(matches!(
            parse(r#"{"alg":"HS256","kid":"a\u0000b"}"#),
            Err(JwsError::InvalidHeader(_))
        ));
        assert!(matches!(
            parse(r#"{"alg":"HS256","kid":"a\r\nb"}"#),
            Err(JwsError::InvalidHeader(_))
        ));
        let long = format!(
            r#"{{"alg":"HS256","kid":"{}"}}"#,
            "k".repeat(MAX_KID_LEN + 1)
        );
        assert!(matches!(parse(&long), Err(JwsError::InvalidHeader(_))));
        assert_eq!(
            parse(r#"{"alg":"HS256","kid":"../../etc/passwd"}"#)
                .unwrap()
                .kid(),
            Some("../../etc/passwd")
        );
    }

    #[test]
    fn embedded_private_keys_are_refused() {
        let h = parse(r#"{"alg":"ES256","jwk":{"kty":"OKP","crv":"Ed25519","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"}}"#)
            .unwrap();
        assert!(h.embedded_jwk().is_some());
        let private = r#"{"alg":"EdDSA","jwk":{"kty":"OKP","crv":"Ed25519","d":"nWGxne_9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"}}"#;
        assert!(matches!(parse(private), Err(JwsError::EmbeddedKey(_))));
        let oct = r#"{"alg":"HS256","jwk":{"kty":"oct","k":"AAAA"}}"#;
        assert!(matches!(parse(oct), Err(JwsError::EmbeddedKey(_))));
    }

    #[test]
    fn short_headers_are_kept_inline_and_long_ones_whole() {
        let prefix = r#"{"alg":"HS256","kid":""#.len() + 2;
        for kid_len in [
            1,
            40,
            INLINE_HEADER - prefix,
            INLINE_HEADER - prefix + 1,
            200,
        ] {
            let json = format!(r#"{{"alg":"HS256","kid":"{}"}}"#, "k".repeat(kid_len));
            let inline = parse_protected_str(&json, 8).unwrap();
            let heap = parse_protected(json.clone(), 8).unwrap();
            assert_eq!(
                matches!(inline.raw, HeaderJson::Inline { .. }),
                json.len() <= INLINE_HEADER,
                "{json}"
            );
            for header in [&inline, &heap] {
                assert_eq!(header.protected_json(), json);
                assert_eq!(header.kid(), Some("k".repeat(kid_len).as_str()));
                assert_eq!(header.algorithm(), Algorithm::Hs256);
            }
            // Escaped members go to the serde path, inline or not.
            let escaped = json.replace("alg", "\\u0061lg");
            let header = parse_protected_str(&escaped, 8).unwrap();
            assert_eq!(header.protected_json(), escaped);
            assert_eq!(header.kid(), Some("k".repeat(kid_len).as_str()));
        }
    }

    #[test]
    fn the_fast_path_reads_usual_headers() {
        for json in [
            r#"{"alg":"HS256","typ":"JWT","kid":"2026-01"}"#,
            r#"{"typ":"at+jwt","alg":"ES256"}"#,
            r#"{ "alg" : "RS256" , "x5t#S256" : "abc" , "x5c" : [ "MII" ] , "ext" : { "a" : 1 } }"#,
            r#"{"alg":"none"}"#,
            r#"{"alg":"HS256","kid":"../../etc/passwd"}"#,
        ] {
            assert!(scan_protected(json, 8).is_some(), "{json}");
            assert!(check_scan_agrees(json), "{json}");
        }
        // Left to the serde path, which decides.
        for json in [
            r#"{"alg":"HS256","\u0061lg":"none"}"#,
            r#"{"alg":"HS256","alg":"none"}"#,
            r#"{"alg":"HS256","kid":"a\u0062c"}"#,
            r#"{"alg":"HS256","b64":false,"crit":["b64"]}"#,
            r#"{"alg":"ES256","jwk":{"kty":"EC"}}"#,
            r#"{"alg":256}"#,
        ] {
            assert!(scan_protected(json, 8).is_none(), "{json}");
            check_scan_agrees(json);
        }
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(4096))]

        /// Differential test of the fast path against the serde path.
        #[test]
        fn the_fast_path_agrees_with_serde(json in crate::scan::tests::jose_json()) {
            check_scan_agrees(&json);
        }

        /// The fast path reads every usual headers (registered members without escapes) and agrees.
        #[test]
        fn the_fast_path_reads_what_issuers_write(json in crate::scan::tests::usual_header()) {
            proptest::prop_assert!(check_scan_agrees(&json), "{}", json);
        }
    }

    /// The differential test is not vacuous: a good share of its inputs take the fast path.
    #[test]
    fn the_differential_test_reaches_the_fast_path() {
        use proptest::strategy::{Strategy as _, ValueTree as _};
        let mut runner = proptest::test_runner::TestRunner::deterministic();
        let strategy = crate::scan::tests::jose_json();
        let read = (0..2000)
            .filter(|_| {
                let json = strategy.new_tree(&mut runner).unwrap().current();
                check_scan_agrees(&json)
            })
            .count();
        eprintln!("{read} of 2000 inputs took the fast path");
        assert!(read > 150, "only {read} of 2000 inputs took the fast path");
    }

    #[test]
    fn nesting_is_limited() {
        let deep = format!(
            r#"{{"alg":"HS256","x":{}1{}}}"#,
            "[".repeat(20),
            "]".repeat(20)
        );
        assert_eq!(
            parse(&deep).unwrap_err(),
            JwsError::TooLarge("header nesting depth")
        );
    }
}

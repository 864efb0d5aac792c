//! Registered JWT claims (RFC 7519 §4.1), read strictly from the payload.

use std::fmt;

use serde::de::{self, DeserializeSeed, MapAccess, SeqAccess, Visitor};
use time::OffsetDateTime;

use crate::claims_deserializer::Tape;
use crate::error::ClaimsError;
use crate::scan::{Kind, Scanner, Span};
use crate::strict_json::{
    DuplicateGuard, NameSeed, Problem, Stash, StrSeed, StrictIgnore, Text, fail,
};

/// A NumericDate (RFC 7519 §2): whole seconds since 1970-01-01T00:00:00Z.
///
/// Policy for what RFC 7519 leaves open: only JSON integers are accepted (`1.5`, `1e9`, `"999"`,
/// `true` and `null` are [`ClaimsError::InvalidType`]), and only values a
/// [`time::OffsetDateTime`] can hold (years −9999 to 9999; anything else, such as
/// 9223372036854775808, is [`ClaimsError::OutOfRange`]). So no time claim can silently mean
/// "never expires", and arithmetic with a leeway cannot overflow.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct NumericDate(i64);

impl NumericDate {
    /// The date `seconds` after the epoch, if representable.
    pub fn from_unix(seconds: i64) -> Option<NumericDate> {
        OffsetDateTime::from_unix_timestamp(seconds)
            .ok()
            .map(|_| NumericDate(seconds))
    }

    /// The date of `time`, truncated to whole seconds.
    pub fn from_time(time: OffsetDateTime) -> NumericDate {
        NumericDate(time.unix_timestamp())
    }

    /// Seconds since the epoch.
    pub fn unix(self) -> i64 {
        self.0
    }

    /// As a [`time::OffsetDateTime`] in UTC.
    pub fn to_time(self) -> OffsetDateTime {
        // In range by construction; the epoch is an unreachable fallback.
        OffsetDateTime::from_unix_timestamp(self.0).unwrap_or(OffsetDateTime::UNIX_EPOCH)
    }
}

impl serde::Serialize for NumericDate {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_i64(self.0)
    }
}

impl<'de> serde::Deserialize<'de> for NumericDate {
    /// Strict, as described on the type.
    fn deserialize<D: de::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let mut stash = None;
        NumericDateSeed {
            stash: &mut stash,
            name: "NumericDate",
        }
        .deserialize(deserializer)
    }
}

struct NumericDateSeed<'s> {
    stash: &'s mut Stash,
    name: &'static str,
}

impl<'de> DeserializeSeed<'de> for NumericDateSeed<'_> {
    type Value = NumericDate;

    fn deserialize<D: de::Deserializer<'de>>(
        self,
        deserializer: D,
    ) -> Result<NumericDate, D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl NumericDateSeed<'_> {
    fn wrong<E: de::Error>(self) -> E {
        fail(
            self.stash,
            Problem::Invalid(self.name, "must be an integer NumericDate"),
        )
    }
}

impl<'de> Visitor<'de> for NumericDateSeed<'_> {
    type Value = NumericDate;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an integer NumericDate")
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<NumericDate, E> {
        match NumericDate::from_unix(v) {
            Some(date) => Ok(date),
            None => Err(fail(self.stash, Problem::OutOfRange(self.name))),
        }
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<NumericDate, E> {
        match i64::try_from(v).ok().and_then(NumericDate::from_unix) {
            Some(date) => Ok(date),
            None => Err(fail(self.stash, Problem::OutOfRange(self.name))),
        }
    }

    fn visit_f64<E: de::Error>(self, _: f64) -> Result<NumericDate, E> {
        Err(self.wrong())
    }
    fn visit_bool<E: de::Error>(self, _: bool) -> Result<NumericDate, E> {
        Err(self.wrong())
    }
    fn visit_str<E: de::Error>(self, _: &str) -> Result<NumericDate, E> {
        Err(self.wrong())
    }
    fn visit_unit<E: de::Error>(self) -> Result<NumericDate, E> {
        Err(self.wrong())
    }
    fn visit_seq<A: SeqAccess<'de>>(self, _: A) -> Result<NumericDate, A::Error> {
        Err(self.wrong())
    }
    fn visit_map<A: MapAccess<'de>>(self, _: A) -> Result<NumericDate, A::Error> {
        Err(self.wrong())
    }
}

/// The `aud` claim as stored: one string or an array of strings (RFC 7519 §4.1.3).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) enum AudienceStore {
    #[default]
    Absent,
    One(Text),
    Many(Vec<Text>),
}

/// The registered claims of a payload (RFC 7519 §4.1), spans into the payload buffer.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct Registered {
    pub(crate) iss: Option<Text>,
    pub(crate) sub: Option<Text>,
    pub(crate) aud: AudienceStore,
    pub(crate) exp: Option<NumericDate>,
    pub(crate) nbf: Option<NumericDate>,
    pub(crate) iat: Option<NumericDate>,
    pub(crate) jti: Option<Text>,
}

/// The most entries an `aud` array may hold.
const MAX_AUDIENCES: usize = 64;

struct RegisteredSeed<'s, 'b> {
    stash: &'s mut Stash,
    buffer: &'b [u8],
    depth: usize,
}

impl<'de> DeserializeSeed<'de> for RegisteredSeed<'_, '_> {
    type Value = Registered;

    fn deserialize<D: de::Deserializer<'de>>(
        self,
        deserializer: D,
    ) -> Result<Registered, D::Error> {
        deserializer.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for RegisteredSeed<'_, '_> {
    type Value = Registered;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON object of claims")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Registered, A::Error> {
        let stash = self.stash;
        let buffer = self.buffer;
        let Some(depth) = self.depth.checked_sub(1) else {
            return Err(fail(stash, Problem::TooDeep));
        };
        let mut claims = Registered::default();
        let mut guard = DuplicateGuard::new();
        while let Some(name) = map.next_key_seed(NameSeed)? {
            guard.check(&name, stash)?;
            match &*name {
                "iss" | "sub" | "jti" => {
                    let (slot, member) = match &*name {
                        "iss" => (&mut claims.iss, "iss"),
                        "sub" => (&mut claims.sub, "sub"),
                        _ => (&mut claims.jti, "jti"),
                    };
                    let value = map.next_value_seed(StrSeed {
                        stash: &mut *stash,
                        name: member,
                    })?;
                    *slot = Some(Text::new(value, buffer));
                }
                "exp" | "nbf" | "iat" => {
                    let (slot, member) = match &*name {
                        "exp" => (&mut claims.exp, "exp"),
                        "nbf" => (&mut claims.nbf, "nbf"),
                        _ => (&mut claims.iat, "iat"),
                    };
                    *slot = Some(map.next_value_seed(NumericDateSeed {
                        stash: &mut *stash,
                        name: member,
                    })?);
                }
                "aud" => {
                    claims.aud = map.next_value_seed(AudienceSeed {
                        stash: &mut *stash,
                        buffer,
                    })?;
                }
                _ => map.next_value_seed(StrictIgnore {
                    stash: &mut *stash,
                    depth,
                })?,
            }
        }
        Ok(claims)
    }
}

struct AudienceSeed<'s, 'b> {
    stash: &'s mut Stash,
    buffer: &'b [u8],
}

impl<'de> DeserializeSeed<'de> for AudienceSeed<'_, '_> {
    type Value = AudienceStore;

    fn deserialize<D: de::Deserializer<'de>>(
        self,
        deserializer: D,
    ) -> Result<AudienceStore, D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl AudienceSeed<'_, '_> {
    fn wrong<E: de::Error>(self) -> E {
        fail(
            self.stash,
            Problem::Invalid("aud", "must be a string or an array of strings"),
        )
    }
}

impl<'de> Visitor<'de> for AudienceSeed<'_, '_> {
    type Value = AudienceStore;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a string or an array of strings")
    }

    fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<AudienceStore, E> {
        Ok(AudienceStore::One(Text::new(
            std::borrow::Cow::Borrowed(v),
            self.buffer,
        )))
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<AudienceStore, E> {
        Ok(AudienceStore::One(Text::Owned(v.into())))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<AudienceStore, A::Error> {
        let mut all = Vec::new();
        while let Some(value) = seq.next_element_seed(StrSeed {
            stash: &mut *self.stash,
            name: "aud",
        })? {
            if all.len() == MAX_AUDIENCES {
                return Err(fail(
                    self.stash,
                    Problem::Invalid("aud", "too many audiences"),
                ));
            }
            all.push(Text::new(value, self.buffer));
        }
        Ok(AudienceStore::Many(all))
    }

    fn visit_bool<E: de::Error>(self, _: bool) -> Result<AudienceStore, E> {
        Err(self.wrong())
    }
    fn visit_i64<E: de::Error>(self, _: i64) -> Result<AudienceStore, E> {
        Err(self.wrong())
    }
    fn visit_u64<E: de::Error>(self, _: u64) -> Result<AudienceStore, E> {
        Err(self.wrong())
    }
    fn visit_f64<E: de::Error>(self, _: f64) -> Result<AudienceStore, E> {
        Err(self.wrong())
    }
    fn visit_unit<E: de::Error>(self) -> Result<AudienceStore, E> {
        Err(self.wrong())
    }
    fn visit_map<A: MapAccess<'de>>(self, _: A) -> Result<AudienceStore, A::Error> {
        Err(self.wrong())
    }
}

/// The fast path of [`parse_registered`] (see [`crate::scan`]): the same claims, or `None` when
/// the serde path must decide; with the [`Tape`] of the top-level members, for
/// [`VerifiedJwt::claims`](crate::VerifiedJwt::claims).
pub(crate) fn scan_registered(payload: &str, depth: usize, tape: &mut Tape) -> Option<Registered> {
    // As `RegisteredSeed`: the claims object itself takes one level.
    let inner = depth.checked_sub(1)?;
    let mut scanner = Scanner::new(payload);
    let mut claims = Registered::default();
    let span = |span: Span| {
        Some(Text::Span {
            start: u32::try_from(span.start).ok()?,
            len: u32::try_from(span.end - span.start).ok()?,
        })
    };
    scanner.skip_whitespace();
    scanner.object(|scanner, name| {
        let start = scanner.position();
        let kind = match scanner.bytes(name) {
            b"iss" => {
                claims.iss = Some(span(scanner.plain_string()?)?);
                Kind::PlainString
            }
            b"sub" => {
                claims.sub = Some(span(scanner.plain_string()?)?);
                Kind::PlainString
            }
            b"jti" => {
                claims.jti = Some(span(scanner.plain_string()?)?);
                Kind::PlainString
            }
            b"exp" => {
                let value = scanner.integer()?;
                claims.exp = Some(NumericDate::from_unix(value)?);
                Kind::Integer(value)
            }
            b"nbf" => {
                let value = scanner.integer()?;
                claims.nbf = Some(NumericDate::from_unix(value)?);
                Kind::Integer(value)
            }
            b"iat" => {
                let value = scanner.integer()?;
                claims.iat = Some(NumericDate::from_unix(value)?);
                Kind::Integer(value)
            }
            b"aud" => {
                if scanner.peek()? == b'[' {
                    let mut all = Vec::new();
                    scanner.array(|scanner| {
                        if all.len() == MAX_AUDIENCES {
                            return None;
                        }
                        all.push(span(scanner.plain_string()?)?);
                        Some(())
                    })?;
                    claims.aud = AudienceStore::Many(all);
                    Kind::Other
                } else {
                    claims.aud = AudienceStore::One(span(scanner.plain_string()?)?);
                    Kind::PlainString
                }
            }
            _ => scanner.value_kind(inner)?,
        };
        let value = Span {
            start,
            end: scanner.position(),
        };
        tape.push(name, value, kind);
        Some(())
    })?;
    tape.finish(scanner.position());
    scanner.end()?;
    Some(claims)
}

/// The fast path's contract on one input, at several depth limits: whatever the scanner reads,
/// the serde path reads identically. Panics otherwise (a test or fuzzing finding).
#[cfg(any(test, fuzzing))]
pub(crate) fn check_scan_agrees(payload: &str) -> bool {
    let mut read = false;
    for depth in [0, 1, 2, 3, 16] {
        if let Some(fast) = scan_registered(payload, depth, &mut Tape::default()) {
            assert_eq!(
                parse_registered_by_serde(payload, depth),
                Ok(fast),
                "{payload:?} at depth {depth}"
            );
            read = true;
        }
    }
    read
}

/// Reads the registered claims of `payload`, checking the whole object for duplicates (at every
/// level), wrong types and depth; fills `tape` with its top-level members when the scanner read
/// it (else leaves it incomplete).
pub(crate) fn parse_registered(
    payload: &str,
    depth: usize,
    tape: &mut Tape,
) -> Result<Registered, ClaimsError> {
    if let Some(claims) = scan_registered(payload, depth, tape) {
        return Ok(claims);
    }
    *tape = Tape::default();
    parse_registered_by_serde(payload, depth)
}

/// [`parse_registered`] through serde_json and the strict visitors: the authority on every
/// input the scanner gives up on.
fn parse_registered_by_serde(payload: &str, depth: usize) -> Result<Registered, ClaimsError> {
    let mut stash = None;
    // From a validated `str`: serde_json then skips per-string UTF-8 checks.
    let mut deserializer = serde_json::Deserializer::from_str(payload);
    let result = RegisteredSeed {
        stash: &mut stash,
        buffer: payload.as_bytes(),
        depth,
    }
    .deserialize(&mut deserializer)
    .and_then(|claims| deserializer.end().map(|()| claims));
    result.map_err(|e| match stash {
        Some(Problem::Duplicate(name)) => ClaimsError::DuplicateClaim(name),
        Some(Problem::TooDeep) => ClaimsError::TooLarge("nesting depth"),
        Some(Problem::Invalid(name, _)) => ClaimsError::InvalidType(name),
        Some(Problem::OutOfRange(name)) => ClaimsError::OutOfRange(name),
        None => ClaimsError::Json(e.to_string()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(json: &str) -> Result<Registered, ClaimsError> {
        parse_registered(json, 16, &mut Tape::default())
    }

    #[test]
    fn reads_registered_claims() {
        let json = r#"{"iss":"https://op","sub":"alice","aud":["a","b"],"exp":1700000000,"nbf":-5,"iat":0,"jti":"x\u0079"}"#;
        let c = parse(json).unwrap();
        assert_eq!(c.iss.unwrap().resolve(json.as_bytes()), "https://op");
        assert_eq!(c.jti.unwrap().resolve(json.as_bytes()), "xy");
        assert_eq!(c.exp, NumericDate::from_unix(1_700_000_000));
        assert_eq!(c.nbf.map(NumericDate::unix), Some(-5));
        assert!(matches!(c.aud, AudienceStore::Many(ref v) if v.len() == 2));
    }

    #[test]
    fn time_claims_of_the_wrong_type_are_errors() {
        for value in [r#""999""#, "true", "null", "[]", "{}", "1.5", "1e9", "1.0"] {
            for claim in ["exp", "nbf", "iat"] {
                let json = format!(r#"{{"{claim}":{value}}}"#);
                assert!(
                    matches!(parse(&json), Err(ClaimsError::InvalidType(_))),
                    "{json}"
                );
            }
        }
    }

    #[test]
    fn out_of_range_times_are_errors() {
        for value in [
            "9223372036854775807",
            "9223372036854775808",
            "18446744073709551615",
            "-9223372036854775808",
            "9007199254740993",
            "253402300800",
        ] {
            let json = format!(r#"{{"exp":{value}}}"#);
            assert!(
                matches!(parse(&json), Err(ClaimsError::OutOfRange("exp"))),
                "{json}"
            );
        }
        assert!(matches!(
            parse(r#"{"exp":1e400}"#),
            Err(ClaimsError::Json(_))
        ));
        assert!(parse(r#"{"exp":253402300799}"#).is_ok());
    }

    #[test]
    fn duplicate_claims_are_errors() {
        for json in [
            r#"{"sub":"a","sub":"b"}"#,
            r#"{"aud":"a","\u0061ud":"b"}"#,
            r#"{"exp":1,"exp":2}"#,
            r#"{"x":1,"x":2}"#,
            r#"{"x":{"y":1,"y":2}}"#,
        ] {
            assert!(
                matches!(parse(json), Err(ClaimsError::DuplicateClaim(_))),
                "{json}"
            );
        }
    }

    #[test]
    fn the_fast_path_reads_usual_claims() {
        for json in [
            r#"{"iss":"https://op","sub":"alice","aud":["a","b"],"exp":1700000000,"nbf":-5,"iat":0,"jti":"x"}"#,
            r#"{"iss":"https://accounts.example.com","sub":"248289761001","aud":"s6BhdRkqt3","nonce":"n-0S6_WzA2Mj","auth_time":1767225000,"iat":1767225600,"exp":4102444800,"name":"Jane Doe","email_verified":true,"picture":"https://example.com/janedoe/me.jpg"}"#,
            r#" { "exp" : 253402300799 , "x" : { "y" : [ 1.5 , -0 , null , "\u00e9" ] } } "#,
            "{}",
        ] {
            assert!(
                scan_registered(json, 16, &mut Tape::default()).is_some(),
                "{json}"
            );
            assert!(check_scan_agrees(json), "{json}");
        }
        // Left to the serde path, which decides.
        for json in [
            r#"{"jti":"x\u0079"}"#,
            r#"{"\u0065xp":1}"#,
            r#"{"exp":1e3}"#,
            r#"{"exp":-0}"#,
            r#"{"exp":253402300800}"#,
            r#"{"exp":1,"exp":2}"#,
            r#"{"x":{"y":1,"y":2}}"#,
        ] {
            assert!(
                scan_registered(json, 16, &mut Tape::default()).is_none(),
                "{json}"
            );
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

        /// The fast path reads every usual claims (registered members without escapes) and agrees.
        #[test]
        fn the_fast_path_reads_what_issuers_write(json in crate::scan::tests::usual_claims()) {
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
    fn other_shapes_are_errors() {
        assert!(matches!(parse("[]"), Err(ClaimsError::Json(_))));
        assert!(matches!(
            parse(r#"{"iss":1}"#),
            Err(ClaimsError::InvalidType("iss"))
        ));
        assert!(matches!(
            parse(r#"{"aud":[1]}"#),
            Err(ClaimsError::InvalidType("aud"))
        ));
        assert!(matches!(
            parse(r#"{"aud":null}"#),
            Err(ClaimsError::InvalidType("aud"))
        ));
        assert!(matches!(parse(r#"{} {}"#), Err(ClaimsError::Json(_))));
        let deep = format!(r#"{{"x":{}1{}}}"#, "[".repeat(30), "]".repeat(30));
        assert!(matches!(parse(&deep), Err(ClaimsError::TooLarge(_))));
    }
}

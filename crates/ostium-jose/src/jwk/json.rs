//! The JSON form of a JWK: strict parsing and exact serialization (RFC 7517 §4, RFC 7518 §6,
//! RFC 8037 §2).

use std::borrow::Cow;
use std::fmt;

use base64::Engine as _;
use serde::de::{self, DeserializeSeed, MapAccess, SeqAccess, Visitor};
use serde::ser::SerializeMap;

use super::usage::{KeyOperation, KeyUse, check_kid};
use super::{Checks, Jwk, Kid, Metadata, Params, RsaPrivate, Secret, curve_name};
use crate::algorithm::Algorithm;
use crate::base64url;
use crate::crypto::EcCurve;
use crate::error::KeyError;
use crate::strict_json::{DuplicateGuard, NameSeed, Problem, Stash, StrSeed, StrictIgnore, fail};

/// The largest JWK accepted by [`Jwk::from_json`], in bytes.
pub const MAX_JWK_LEN: usize = 64 * 1024;
/// Nesting allowed inside unknown JWK members.
pub(crate) const MAX_DEPTH: usize = 16;
/// The most entries in `key_ops` or `x5c`.
const MAX_ARRAY_LEN: usize = 32;

/// A JWK's members, as strings borrowed from the input where possible, before any checks.
#[derive(Default)]
pub(crate) struct RawJwk<'de> {
    kty: Option<Cow<'de, str>>,
    key_use: Option<Cow<'de, str>>,
    key_ops: Option<Vec<Cow<'de, str>>>,
    alg: Option<Cow<'de, str>>,
    kid: Option<Cow<'de, str>>,
    x5u: Option<Cow<'de, str>>,
    x5c: Option<Vec<Cow<'de, str>>>,
    x5t: Option<Cow<'de, str>>,
    x5t_s256: Option<Cow<'de, str>>,
    crv: Option<Cow<'de, str>>,
    x: Option<Cow<'de, str>>,
    y: Option<Cow<'de, str>>,
    d: Option<Cow<'de, str>>,
    n: Option<Cow<'de, str>>,
    e: Option<Cow<'de, str>>,
    p: Option<Cow<'de, str>>,
    q: Option<Cow<'de, str>>,
    dp: Option<Cow<'de, str>>,
    dq: Option<Cow<'de, str>>,
    qi: Option<Cow<'de, str>>,
    k: Option<Cow<'de, str>>,
    oth: bool,
}

/// Deserializes one JWK object into a [`RawJwk`], rejecting duplicates and wrong JSON types.
pub(crate) struct RawJwkSeed<'s> {
    pub(crate) stash: &'s mut Stash,
}

impl<'de> DeserializeSeed<'de> for RawJwkSeed<'_> {
    type Value = RawJwk<'de>;

    fn deserialize<D: de::Deserializer<'de>>(
        self,
        deserializer: D,
    ) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for RawJwkSeed<'_> {
    type Value = RawJwk<'de>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JWK object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let stash = self.stash;
        let mut raw = RawJwk::default();
        let mut guard = DuplicateGuard::new();
        while let Some(name) = map.next_key_seed(NameSeed)? {
            guard.check(&name, stash)?;
            let (slot, member): (&mut Option<Cow<'de, str>>, &'static str) = match &*name {
                "kty" => (&mut raw.kty, "kty"),
                "use" => (&mut raw.key_use, "use"),
                "alg" => (&mut raw.alg, "alg"),
                "kid" => (&mut raw.kid, "kid"),
                "x5u" => (&mut raw.x5u, "x5u"),
                "x5t" => (&mut raw.x5t, "x5t"),
                "x5t#S256" => (&mut raw.x5t_s256, "x5t#S256"),
                "crv" => (&mut raw.crv, "crv"),
                "x" => (&mut raw.x, "x"),
                "y" => (&mut raw.y, "y"),
                "d" => (&mut raw.d, "d"),
                "n" => (&mut raw.n, "n"),
                "e" => (&mut raw.e, "e"),
                "p" => (&mut raw.p, "p"),
                "q" => (&mut raw.q, "q"),
                "dp" => (&mut raw.dp, "dp"),
                "dq" => (&mut raw.dq, "dq"),
                "qi" => (&mut raw.qi, "qi"),
                "k" => (&mut raw.k, "k"),
                "key_ops" => {
                    raw.key_ops = Some(map.next_value_seed(StrArraySeed {
                        stash: &mut *stash,
                        name: "key_ops",
                    })?);
                    continue;
                }
                "x5c" => {
                    raw.x5c = Some(map.next_value_seed(StrArraySeed {
                        stash: &mut *stash,
                        name: "x5c",
                    })?);
                    continue;
                }
                other => {
                    raw.oth |= other == "oth";
                    map.next_value_seed(StrictIgnore {
                        stash: &mut *stash,
                        depth: MAX_DEPTH,
                    })?;
                    continue;
                }
            };
            *slot = Some(map.next_value_seed(StrSeed {
                stash: &mut *stash,
                name: member,
            })?);
        }
        Ok(raw)
    }
}

/// An array of strings (`key_ops`, `x5c`), at most [`MAX_ARRAY_LEN`] long.
struct StrArraySeed<'s> {
    stash: &'s mut Stash,
    name: &'static str,
}

impl<'de> DeserializeSeed<'de> for StrArraySeed<'_> {
    type Value = Vec<Cow<'de, str>>;

    fn deserialize<D: de::Deserializer<'de>>(
        self,
        deserializer: D,
    ) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for StrArraySeed<'_> {
    type Value = Vec<Cow<'de, str>>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an array of strings")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let mut out = Vec::new();
        while let Some(value) = seq.next_element_seed(StrSeed {
            stash: &mut *self.stash,
            name: self.name,
        })? {
            if out.len() == MAX_ARRAY_LEN {
                return Err(fail(
                    self.stash,
                    Problem::Invalid(self.name, "too many entries"),
                ));
            }
            out.push(value);
        }
        Ok(out)
    }

    fn visit_map<A: MapAccess<'de>>(self, _: A) -> Result<Self::Value, A::Error> {
        Err(fail(
            self.stash,
            Problem::Invalid(self.name, "must be an array of strings"),
        ))
    }

    fn visit_str<E: de::Error>(self, _: &str) -> Result<Self::Value, E> {
        Err(fail(
            self.stash,
            Problem::Invalid(self.name, "must be an array of strings"),
        ))
    }

    fn visit_bool<E: de::Error>(self, _: bool) -> Result<Self::Value, E> {
        Err(fail(
            self.stash,
            Problem::Invalid(self.name, "must be an array of strings"),
        ))
    }

    fn visit_i64<E: de::Error>(self, _: i64) -> Result<Self::Value, E> {
        Err(fail(
            self.stash,
            Problem::Invalid(self.name, "must be an array of strings"),
        ))
    }

    fn visit_u64<E: de::Error>(self, _: u64) -> Result<Self::Value, E> {
        Err(fail(
            self.stash,
            Problem::Invalid(self.name, "must be an array of strings"),
        ))
    }

    fn visit_f64<E: de::Error>(self, _: f64) -> Result<Self::Value, E> {
        Err(fail(
            self.stash,
            Problem::Invalid(self.name, "must be an array of strings"),
        ))
    }

    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Err(fail(
            self.stash,
            Problem::Invalid(self.name, "must be an array of strings"),
        ))
    }
}

/// Maps a problem found while reading JWK JSON to a [`KeyError`].
pub(crate) fn key_error(stash: Stash, error: &serde_json::Error) -> KeyError {
    match stash {
        Some(Problem::Duplicate(name)) => KeyError::DuplicateMember(name),
        Some(Problem::TooDeep) => KeyError::TooLarge("nesting depth"),
        Some(Problem::Invalid(name, why)) => KeyError::InvalidMember(name, why),
        Some(Problem::OutOfRange(name)) => KeyError::InvalidMember(name, "out of range"),
        None => KeyError::Json(error.to_string()),
    }
}

fn b64(name: &'static str, value: &str) -> Result<Vec<u8>, KeyError> {
    base64url::decode(value.as_bytes()).ok_or(KeyError::InvalidBase64(name))
}

fn secret(name: &'static str, value: Option<&Cow<'_, str>>) -> Result<Secret, KeyError> {
    let value = value.ok_or(KeyError::MissingMember(name))?;
    Ok(Secret::new(b64(name, value)?))
}

/// Names of members specific to each key type, for refusing those of another type.
const RSA_MEMBERS: [&str; 8] = ["n", "e", "d", "p", "q", "dp", "dq", "qi"];

impl RawJwk<'_> {
    /// The `kid` as written, before checks.
    pub(crate) fn kid(&self) -> Option<&str> {
        self.kid.as_deref()
    }

    fn present(&self, name: &str) -> bool {
        match name {
            "crv" => self.crv.is_some(),
            "x" => self.x.is_some(),
            "y" => self.y.is_some(),
            "d" => self.d.is_some(),
            "n" => self.n.is_some(),
            "e" => self.e.is_some(),
            "p" => self.p.is_some(),
            "q" => self.q.is_some(),
            "dp" => self.dp.is_some(),
            "dq" => self.dq.is_some(),
            "qi" => self.qi.is_some(),
            "k" => self.k.is_some(),
            _ => false,
        }
    }

    fn refuse(&self, names: &[&'static str]) -> Result<(), KeyError> {
        match names.iter().find(|name| self.present(name)) {
            Some(name) => Err(KeyError::InvalidMember(
                name,
                "does not belong to this key type",
            )),
            None => Ok(()),
        }
    }

    /// Checks and converts the members into a key (RFC 7517 §4, RFC 7518 §6, RFC 8037 §2).
    pub(crate) fn build(self, checks: Checks) -> Result<Jwk, KeyError> {
        let kty = self.kty.as_deref().ok_or(KeyError::MissingMember("kty"))?;
        let params = match kty {
            "RSA" => {
                self.refuse(&["crv", "x", "y", "k"])?;
                if self.oth {
                    return Err(KeyError::InvalidMember(
                        "oth",
                        "multi-prime RSA keys are not supported by ring",
                    ));
                }
                let n = b64("n", self.n.as_deref().ok_or(KeyError::MissingMember("n"))?)?;
                let e = b64("e", self.e.as_deref().ok_or(KeyError::MissingMember("e"))?)?;
                let private = if self.d.is_some() {
                    Some(Box::new(RsaPrivate {
                        d: secret("d", self.d.as_ref())?,
                        p: secret("p", self.p.as_ref())?,
                        q: secret("q", self.q.as_ref())?,
                        dp: secret("dp", self.dp.as_ref())?,
                        dq: secret("dq", self.dq.as_ref())?,
                        qi: secret("qi", self.qi.as_ref())?,
                    }))
                } else {
                    self.refuse(&["p", "q", "dp", "dq", "qi"])?;
                    None
                };
                Params::Rsa { n, e, private }
            }
            "EC" => {
                self.refuse(&["n", "e", "p", "q", "dp", "dq", "qi", "k"])?;
                let curve = match self.crv.as_deref().ok_or(KeyError::MissingMember("crv"))? {
                    "P-256" => EcCurve::P256,
                    "P-384" => EcCurve::P384,
                    "P-521" => {
                        return Err(KeyError::UnsupportedCurve(
                            "P-521 (ring 0.17 has no P-521)".to_owned(),
                        ));
                    }
                    "secp256k1" => {
                        return Err(KeyError::UnsupportedCurve(
                            "secp256k1 (ring 0.17 has no secp256k1)".to_owned(),
                        ));
                    }
                    other => {
                        return Err(KeyError::UnsupportedCurve(crate::strict_json::truncated(
                            other,
                        )));
                    }
                };
                Params::Ec {
                    curve,
                    x: b64("x", self.x.as_deref().ok_or(KeyError::MissingMember("x"))?)?,
                    y: b64("y", self.y.as_deref().ok_or(KeyError::MissingMember("y"))?)?,
                    d: self.d.as_ref().map(|d| secret("d", Some(d))).transpose()?,
                }
            }
            "OKP" => {
                self.refuse(&["y", "n", "e", "p", "q", "dp", "dq", "qi", "k"])?;
                match self.crv.as_deref().ok_or(KeyError::MissingMember("crv"))? {
                    "Ed25519" => {}
                    "Ed448" => {
                        return Err(KeyError::UnsupportedCurve(
                            "Ed448 (ring 0.17 has no Ed448)".to_owned(),
                        ));
                    }
                    "X25519" | "X448" => {
                        return Err(KeyError::UnsupportedCurve(format!(
                            "{} (a key-agreement curve, not for signatures)",
                            self.crv.as_deref().unwrap_or_default()
                        )));
                    }
                    other => {
                        return Err(KeyError::UnsupportedCurve(crate::strict_json::truncated(
                            other,
                        )));
                    }
                }
                let x = b64("x", self.x.as_deref().ok_or(KeyError::MissingMember("x"))?)?;
                let x: [u8; 32] = x
                    .try_into()
                    .map_err(|_| KeyError::InvalidMember("x", "must be 32 bytes"))?;
                Params::Ed25519 {
                    x,
                    d: self.d.as_ref().map(|d| secret("d", Some(d))).transpose()?,
                }
            }
            "oct" => {
                self.refuse(&["crv", "x", "y", "d"])?;
                self.refuse(&RSA_MEMBERS)?;
                Params::Oct {
                    k: secret("k", self.k.as_ref())?,
                }
            }
            other => {
                return Err(KeyError::UnsupportedKeyType(crate::strict_json::truncated(
                    other,
                )));
            }
        };
        let alg = match self.alg.as_deref() {
            Some(name) => Some(Algorithm::from_name(name).map_err(|_| {
                KeyError::UnsupportedAlgorithm(crate::strict_json::truncated(name))
            })?),
            None => None,
        };
        let kid = match self.kid.as_deref() {
            Some(kid) => {
                check_kid(kid)?;
                Some(Kid::new(kid)?)
            }
            None => None,
        };
        let x5c = match self.x5c {
            Some(chain) => {
                let mut out = Vec::with_capacity(chain.len());
                for cert in chain {
                    // RFC 7517 §4.7: standard base64 (not url-safe), padded.
                    if base64::engine::general_purpose::STANDARD
                        .decode(cert.as_bytes())
                        .is_err()
                    {
                        return Err(KeyError::InvalidBase64("x5c"));
                    }
                    out.push(cert.into_owned());
                }
                Some(out)
            }
            None => None,
        };
        let thumb = |name: &'static str,
                     value: Option<Cow<'_, str>>,
                     len: usize|
         -> Result<Option<String>, KeyError> {
            match value {
                Some(v) => {
                    if b64(name, &v)?.len() != len {
                        return Err(KeyError::InvalidMember(name, "wrong digest length"));
                    }
                    Ok(Some(v.into_owned()))
                }
                None => Ok(None),
            }
        };
        let meta = Metadata {
            kid,
            key_use: self.key_use.as_deref().map(KeyUse::parse),
            key_ops: self
                .key_ops
                .map(|ops| ops.iter().map(|op| KeyOperation::parse(op)).collect()),
            alg,
            x5u: self.x5u.map(Cow::into_owned),
            x5c,
            x5t: thumb("x5t", self.x5t, 20)?,
            x5t_s256: thumb("x5t#S256", self.x5t_s256, 32)?,
        };
        Jwk::build(params, meta, checks)
    }
}

impl Jwk {
    /// Parses a JWK from its JSON text (RFC 7517 §4), strictly (see [`Jwk`]); unknown members
    /// are ignored (RFC 7517 §4) but checked for duplicates and nesting depth.
    ///
    /// # Errors
    ///
    /// A [`KeyError`] naming the member at fault.
    pub fn from_json(json: &str) -> Result<Jwk, KeyError> {
        Jwk::from_json_with(json.as_bytes(), Checks { ec_point: true })
    }

    /// Parses a JWK from JSON bytes, with the given checks.
    pub(crate) fn from_json_with(json: &[u8], checks: Checks) -> Result<Jwk, KeyError> {
        if json.len() > MAX_JWK_LEN {
            return Err(KeyError::TooLarge("JWK length"));
        }
        let mut stash = None;
        let mut deserializer = serde_json::Deserializer::from_slice(json);
        let raw = RawJwkSeed { stash: &mut stash }
            .deserialize(&mut deserializer)
            .and_then(|raw| deserializer.end().map(|()| raw))
            .map_err(|e| key_error(stash.take(), &e))?;
        raw.build(checks)
    }

    /// The JWK as JSON, including private members if the key has them: use
    /// [`to_public`](Jwk::to_public) first to publish a key.
    pub fn to_json(&self) -> String {
        // Serializing this type cannot fail: every member is a string or an array of strings.
        serde_json::to_string(self).unwrap_or_default()
    }
}

impl std::str::FromStr for Jwk {
    type Err = KeyError;

    fn from_str(json: &str) -> Result<Self, Self::Err> {
        Jwk::from_json(json)
    }
}

impl<'de> serde::Deserialize<'de> for Jwk {
    fn deserialize<D: de::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let mut stash = None;
        let raw = RawJwkSeed { stash: &mut stash }.deserialize(deserializer)?;
        raw.build(Checks { ec_point: true })
            .map_err(de::Error::custom)
    }
}

impl serde::Serialize for Jwk {
    /// Members in the order of RFC 7517/7518: `kty`, the key type's members, then metadata.
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(None)?;
        let e = |bytes: &[u8]| base64url::encode(bytes);
        map.serialize_entry("kty", self.key_type().name())?;
        match self.params() {
            Params::Rsa {
                n,
                e: exponent,
                private,
            } => {
                map.serialize_entry("n", &e(n))?;
                map.serialize_entry("e", &e(exponent))?;
                if let Some(p) = private {
                    map.serialize_entry("d", &e(p.d.expose()))?;
                    map.serialize_entry("p", &e(p.p.expose()))?;
                    map.serialize_entry("q", &e(p.q.expose()))?;
                    map.serialize_entry("dp", &e(p.dp.expose()))?;
                    map.serialize_entry("dq", &e(p.dq.expose()))?;
                    map.serialize_entry("qi", &e(p.qi.expose()))?;
                }
            }
            Params::Ec { curve, x, y, d } => {
                map.serialize_entry("crv", curve_name(*curve))?;
                map.serialize_entry("x", &e(x))?;
                map.serialize_entry("y", &e(y))?;
                if let Some(d) = d {
                    map.serialize_entry("d", &e(d.expose()))?;
                }
            }
            Params::Ed25519 { x, d } => {
                map.serialize_entry("crv", "Ed25519")?;
                map.serialize_entry("x", &e(x))?;
                if let Some(d) = d {
                    map.serialize_entry("d", &e(d.expose()))?;
                }
            }
            Params::Oct { k } => map.serialize_entry("k", &e(k.expose()))?,
        }
        let meta = self.meta();
        if let Some(key_use) = &meta.key_use {
            map.serialize_entry("use", key_use.as_str())?;
        }
        if let Some(ops) = &meta.key_ops {
            let ops: Vec<&str> = ops.iter().map(KeyOperation::as_str).collect();
            map.serialize_entry("key_ops", &ops)?;
        }
        if let Some(alg) = meta.alg {
            map.serialize_entry("alg", alg.name())?;
        }
        if let Some(kid) = &meta.kid {
            map.serialize_entry("kid", kid.as_str())?;
        }
        if let Some(x5u) = &meta.x5u {
            map.serialize_entry("x5u", x5u)?;
        }
        if let Some(x5c) = &meta.x5c {
            map.serialize_entry("x5c", x5c)?;
        }
        if let Some(x5t) = &meta.x5t {
            map.serialize_entry("x5t", x5t)?;
        }
        if let Some(x5t) = &meta.x5t_s256 {
            map.serialize_entry("x5t#S256", x5t)?;
        }
        map.end()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ED25519: &str = r#"{"kty":"OKP","crv":"Ed25519","d":"nWGxne_9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"}"#;

    #[test]
    fn parses_and_serializes_exactly() {
        let key = Jwk::from_json(ED25519).unwrap();
        assert!(key.is_private());
        let again = Jwk::from_json(&key.to_json()).unwrap();
        assert_eq!(key, again);
        let public = key.to_public().unwrap();
        assert_eq!(
            public.to_json(),
            r#"{"kty":"OKP","crv":"Ed25519","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"}"#
        );
    }

    #[test]
    fn duplicate_members_even_escaped_are_rejected() {
        let json = r#"{"kty":"oct","k":"AAAA","\u006b":"BBBB"}"#;
        assert_eq!(
            Jwk::from_json(json),
            Err(KeyError::DuplicateMember("k".to_owned()))
        );
    }

    #[test]
    fn wrong_types_and_foreign_members_are_rejected() {
        assert_eq!(
            Jwk::from_json(r#"{"kty":"oct","k":5}"#),
            Err(KeyError::InvalidMember("k", "must be a string"))
        );
        assert!(matches!(
            Jwk::from_json(
                r#"{"kty":"oct","k":"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA","x":"AA"}"#
            ),
            Err(KeyError::InvalidMember("x", _))
        ));
        assert!(matches!(
            Jwk::from_json(r#"{"kty":"oct","k":"AAAA","key_ops":"sign"}"#),
            Err(KeyError::InvalidMember("key_ops", _))
        ));
        assert!(matches!(Jwk::from_json("[]"), Err(KeyError::Json(_))));
        assert!(matches!(
            Jwk::from_json(r#"{"kty":"oct","k":"AAAA"} x"#),
            Err(KeyError::Json(_))
        ));
    }

    #[test]
    fn unknown_members_are_ignored_but_checked() {
        assert!(
            Jwk::from_json(r#"{"kty":"oct","k":"AAAA","ext":true,"nested":{"a":[1]}}"#).is_ok()
        );
        assert_eq!(
            Jwk::from_json(r#"{"kty":"oct","k":"AAAA","nested":{"a":1,"a":2}}"#),
            Err(KeyError::DuplicateMember("a".to_owned()))
        );
        let deep = format!(
            r#"{{"kty":"oct","k":"AAAA","x-deep":{}1{}}}"#,
            "[".repeat(40),
            "]".repeat(40)
        );
        assert_eq!(
            Jwk::from_json(&deep),
            Err(KeyError::TooLarge("nesting depth"))
        );
    }

    #[test]
    fn unsupported_types_curves_and_algorithms_say_so() {
        assert!(matches!(
            Jwk::from_json(r#"{"kty":"XYZ"}"#),
            Err(KeyError::UnsupportedKeyType(_))
        ));
        let Err(KeyError::UnsupportedCurve(why)) =
            Jwk::from_json(r#"{"kty":"EC","crv":"P-521","x":"AA","y":"AA"}"#)
        else {
            panic!()
        };
        assert!(why.contains("P-521"));
        assert!(matches!(
            Jwk::from_json(r#"{"kty":"OKP","crv":"X25519","x":"AA"}"#),
            Err(KeyError::UnsupportedCurve(_))
        ));
        assert!(matches!(
            Jwk::from_json(r#"{"kty":"oct","k":"AAAA","alg":"A256GCM"}"#),
            Err(KeyError::UnsupportedAlgorithm(_))
        ));
        assert!(matches!(
            Jwk::from_json(r#"{"kty":"oct","k":"AAAA","alg":"none"}"#),
            Err(KeyError::UnsupportedAlgorithm(_))
        ));
    }

    #[test]
    fn too_large_input_is_refused_before_parsing() {
        let big = format!(r#"{{"kty":"oct","k":"{}"}}"#, "A".repeat(MAX_JWK_LEN));
        assert_eq!(Jwk::from_json(&big), Err(KeyError::TooLarge("JWK length")));
    }
}

//! JWK Sets (RFC 7517 §5) and key selection.

use std::fmt;

use serde::de::{self, DeserializeSeed, MapAccess, SeqAccess, Visitor};
use serde::ser::SerializeMap;

use super::json::{RawJwk, RawJwkSeed, key_error};
use super::{Checks, Jwk};
use crate::algorithm::Algorithm;
use crate::error::{JwsError, KeyError};
use crate::strict_json::{DuplicateGuard, NameSeed, Problem, Stash, StrictIgnore, fail};

/// The largest JWK Set accepted by [`JwkSet::from_json`], in bytes.
pub const MAX_JWKS_LEN: usize = 512 * 1024;
/// The most keys a JWK Set may hold.
pub const MAX_JWKS_KEYS: usize = 64;

/// A key of a JWK Set that was ignored, and why (RFC 7517 §5: "Implementations SHOULD ignore JWKs
/// within a JWK Set that use "kty" values that are not understood by them, that are missing
/// required members, or for which values are out of the supported ranges").
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SkippedKey {
    /// The position of the key in `keys`.
    pub index: usize,
    /// The key's `kid`, if it had a string one. A `kid` shared with a skipped key makes lookups
    /// by that `kid` ambiguous (Wycheproof `DuplicateKid`).
    pub kid: Option<String>,
    /// Why it was ignored.
    pub reason: KeyError,
}

/// A JWK Set: the keys a verifier trusts (RFC 7517 §5).
///
/// Parsing is strict about structure (duplicate members anywhere, wrong JSON types, size and
/// count limits, a set mixing symmetric and asymmetric keys are errors) and lenient, as RFC 7517
/// §5 asks, about individual keys this crate cannot use (unsupported `kty`, curve or `alg`, RSA
/// moduli under 2048 bits, weak HMAC keys): those are left out and listed in
/// [`skipped`](JwkSet::skipped).
#[derive(Clone, Default, PartialEq, Eq)]
pub struct JwkSet {
    keys: Vec<Jwk>,
    skipped: Vec<SkippedKey>,
}

impl fmt::Debug for JwkSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("JwkSet")
            .field("keys", &self.keys)
            .field("skipped", &self.skipped)
            .finish()
    }
}

struct SetSeed<'s> {
    stash: &'s mut Stash,
}

impl<'de> DeserializeSeed<'de> for SetSeed<'_> {
    type Value = Option<Vec<RawJwk<'de>>>;

    fn deserialize<D: de::Deserializer<'de>>(
        self,
        deserializer: D,
    ) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for SetSeed<'_> {
    type Value = Option<Vec<RawJwk<'de>>>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JWK Set object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut guard = DuplicateGuard::new();
        let mut keys = None;
        while let Some(name) = map.next_key_seed(NameSeed)? {
            guard.check(&name, self.stash)?;
            if name == "keys" {
                keys = Some(map.next_value_seed(KeysSeed {
                    stash: &mut *self.stash,
                })?);
            } else {
                map.next_value_seed(StrictIgnore {
                    stash: &mut *self.stash,
                    depth: super::json::MAX_DEPTH,
                })?;
            }
        }
        Ok(keys)
    }
}

struct KeysSeed<'s> {
    stash: &'s mut Stash,
}

impl<'de> DeserializeSeed<'de> for KeysSeed<'_> {
    type Value = Vec<RawJwk<'de>>;

    fn deserialize<D: de::Deserializer<'de>>(
        self,
        deserializer: D,
    ) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_seq(self)
    }
}

impl<'de> Visitor<'de> for KeysSeed<'_> {
    type Value = Vec<RawJwk<'de>>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an array of JWKs")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let mut keys = Vec::new();
        while let Some(raw) = seq.next_element_seed(RawJwkSeed {
            stash: &mut *self.stash,
        })? {
            if keys.len() == MAX_JWKS_KEYS {
                return Err(fail(self.stash, Problem::Invalid("keys", "too many keys")));
            }
            keys.push(raw);
        }
        Ok(keys)
    }
}

impl JwkSet {
    /// Parses a JWK Set (RFC 7517 §5).
    ///
    /// # Errors
    ///
    /// [`KeyError::TooLarge`] past [`MAX_JWKS_LEN`] bytes or [`MAX_JWKS_KEYS`] keys;
    /// [`KeyError::MissingMember`] without `keys`; [`KeyError::DuplicateMember`],
    /// [`KeyError::InvalidMember`] or [`KeyError::Json`] for malformed JSON;
    /// [`KeyError::MixedKeySet`] when symmetric and asymmetric keys are mixed.
    pub fn from_json(json: &str) -> Result<JwkSet, KeyError> {
        if json.len() > MAX_JWKS_LEN {
            return Err(KeyError::TooLarge("JWK Set length"));
        }
        let mut stash = None;
        let mut deserializer = serde_json::Deserializer::from_str(json);
        let raw = SetSeed { stash: &mut stash }
            .deserialize(&mut deserializer)
            .and_then(|raw| deserializer.end().map(|()| raw))
            .map_err(|e| match stash.take() {
                Some(Problem::Invalid("keys", "too many keys")) => {
                    KeyError::TooLarge("number of keys")
                }
                other => key_error(other, &e),
            })?;
        let raw = raw.ok_or(KeyError::MissingMember("keys"))?;
        JwkSet::from_raw(raw)
    }

    fn from_raw(raw: Vec<RawJwk<'_>>) -> Result<JwkSet, KeyError> {
        let mut set = JwkSet::default();
        for (index, raw) in raw.into_iter().enumerate() {
            let kid = raw.kid().map(str::to_owned);
            match raw.build(Checks { ec_point: true }) {
                Ok(key) => set.keys.push(key),
                Err(reason) => set.skipped.push(SkippedKey { index, kid, reason }),
            }
        }
        set.check_mixed()?;
        Ok(set)
    }

    /// A set of the given keys.
    ///
    /// # Errors
    ///
    /// [`KeyError::MixedKeySet`] when symmetric and asymmetric keys are mixed;
    /// [`KeyError::TooLarge`] past [`MAX_JWKS_KEYS`] keys.
    pub fn from_keys(keys: Vec<Jwk>) -> Result<JwkSet, KeyError> {
        if keys.len() > MAX_JWKS_KEYS {
            return Err(KeyError::TooLarge("number of keys"));
        }
        let set = JwkSet {
            keys,
            skipped: Vec::new(),
        };
        set.check_mixed()?;
        Ok(set)
    }

    fn check_mixed(&self) -> Result<(), KeyError> {
        let symmetric = self.keys.iter().filter(|k| k.is_symmetric()).count();
        if symmetric != 0 && symmetric != self.keys.len() {
            return Err(KeyError::MixedKeySet);
        }
        Ok(())
    }

    /// The usable keys, in document order.
    pub fn keys(&self) -> &[Jwk] {
        &self.keys
    }

    /// The keys that were ignored while parsing, with reasons.
    pub fn skipped(&self) -> &[SkippedKey] {
        &self.skipped
    }

    /// The number of usable keys.
    pub fn len(&self) -> usize {
        self.keys.len()
    }

    /// Whether the set has no usable key.
    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }

    /// The public form of every key, for publishing (e.g. at an OpenID Provider's `jwks_uri`).
    ///
    /// # Errors
    ///
    /// [`KeyError::Rejected`] when the set holds symmetric keys.
    pub fn to_public(&self) -> Result<JwkSet, KeyError> {
        Ok(JwkSet {
            keys: self
                .keys
                .iter()
                .map(Jwk::to_public)
                .collect::<Result<_, _>>()?,
            skipped: Vec::new(),
        })
    }

    /// The set as JSON: `{"keys":[...]}` (private members included if present).
    pub fn to_json(&self) -> String {
        // Serializing this type cannot fail: see `Jwk::to_json`.
        serde_json::to_string(self).unwrap_or_default()
    }

    /// Selects the one key that may verify a JWS with `algorithm` and the header's `kid`.
    ///
    /// A key qualifies when its family fits `algorithm`, its `alg` (if any) equals it, its `use`
    /// (if any) is `sig`, its `key_ops` (if any) contain `verify`, and, when `kid` is given, its
    /// `kid` equals it byte for byte. The `kid` is only a hint: it never names a key outside the
    /// set.
    ///
    /// # Errors
    ///
    /// [`JwsError::NoMatchingKey`] when no key qualifies, [`JwsError::AmbiguousKey`] when more
    /// than one does, or when `kid` also names a key of the document that was skipped.
    pub fn find(&self, kid: Option<&str>, algorithm: Algorithm) -> Result<&Jwk, JwsError> {
        self.select(kid, algorithm, false)
    }

    /// Like [`find`](JwkSet::find), for signing (`key_ops` must contain `sign`, and the key must
    /// be private).
    ///
    /// # Errors
    ///
    /// As for [`find`](JwkSet::find).
    pub fn find_for_signing(
        &self,
        kid: Option<&str>,
        algorithm: Algorithm,
    ) -> Result<&Jwk, JwsError> {
        self.select(kid, algorithm, true)
    }

    fn select(
        &self,
        kid: Option<&str>,
        algorithm: Algorithm,
        signing: bool,
    ) -> Result<&Jwk, JwsError> {
        let mut found = None;
        for key in &self.keys {
            if kid.is_some_and(|kid| key.kid().map(super::Kid::as_str) != Some(kid)) {
                continue;
            }
            if key.check_binding(algorithm, signing).is_err() || (signing && !key.is_private()) {
                continue;
            }
            if found.replace(key).is_some() {
                return Err(JwsError::AmbiguousKey);
            }
        }
        if let (Some(kid), Some(_)) = (kid, found)
            && self.skipped.iter().any(|s| s.kid.as_deref() == Some(kid))
        {
            return Err(JwsError::AmbiguousKey);
        }
        found.ok_or(JwsError::NoMatchingKey)
    }
}

impl serde::Serialize for JwkSet {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(1))?;
        map.serialize_entry("keys", &self.keys)?;
        map.end()
    }
}

impl<'de> serde::Deserialize<'de> for JwkSet {
    fn deserialize<D: de::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let mut stash = None;
        let raw = SetSeed { stash: &mut stash }
            .deserialize(deserializer)?
            .ok_or_else(|| de::Error::custom(KeyError::MissingMember("keys")))?;
        JwkSet::from_raw(raw).map_err(de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const HS: &str = r#"{"kty":"oct","kid":"a","alg":"HS256","k":"AyM1SysPpbyDfgZld3umj1qzKObwVMkoqQ-EstJQLr_T-1qS0gZH75aKtMN3Yj0iPS4hcgUuTwjAzZr1Z9CAow"}"#;
    const HS_B: &str = r#"{"kty":"oct","kid":"b","alg":"HS384","k":"AyM1SysPpbyDfgZld3umj1qzKObwVMkoqQ-EstJQLr_T-1qS0gZH75aKtMN3Yj0iPS4hcgUuTwjAzZr1Z9CAow"}"#;
    const ED: &str =
        r#"{"kty":"OKP","crv":"Ed25519","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"}"#;

    #[test]
    fn selection_by_kid_and_algorithm() {
        let set = JwkSet::from_json(&format!(r#"{{"keys":[{HS},{HS_B}]}}"#)).unwrap();
        assert_eq!(set.len(), 2);
        assert_eq!(
            set.find(Some("a"), Algorithm::Hs256)
                .unwrap()
                .kid()
                .unwrap()
                .as_str(),
            "a"
        );
        assert_eq!(
            set.find(Some("a"), Algorithm::Hs384),
            Err(JwsError::NoMatchingKey)
        );
        assert_eq!(
            set.find(Some("zzz"), Algorithm::Hs256),
            Err(JwsError::NoMatchingKey)
        );
        // Without kid, the algorithm alone decides here.
        assert_eq!(
            set.find(None, Algorithm::Hs384)
                .unwrap()
                .kid()
                .unwrap()
                .as_str(),
            "b"
        );
        assert_eq!(
            set.find(None, Algorithm::Rs256),
            Err(JwsError::NoMatchingKey)
        );
    }

    #[test]
    fn duplicate_kids_are_ambiguous() {
        let set = JwkSet::from_json(&format!(r#"{{"keys":[{HS},{HS}]}}"#)).unwrap();
        assert_eq!(
            set.find(Some("a"), Algorithm::Hs256),
            Err(JwsError::AmbiguousKey)
        );
    }

    #[test]
    fn a_kid_shared_with_a_skipped_key_is_ambiguous() {
        let weak = r#"{"kty":"oct","kid":"a","alg":"HS256","k":"AAAA"}"#;
        let set = JwkSet::from_json(&format!(r#"{{"keys":[{HS},{weak}]}}"#)).unwrap();
        assert_eq!(set.len(), 1);
        assert_eq!(set.skipped()[0].kid.as_deref(), Some("a"));
        assert_eq!(
            set.find(Some("a"), Algorithm::Hs256),
            Err(JwsError::AmbiguousKey)
        );
    }

    #[test]
    fn mixed_sets_are_rejected() {
        assert_eq!(
            JwkSet::from_json(&format!(r#"{{"keys":[{HS},{ED}]}}"#)),
            Err(KeyError::MixedKeySet)
        );
    }

    #[test]
    fn unusable_keys_are_skipped_with_reasons() {
        let json = format!(
            r#"{{"keys":[{{"kty":"EC","crv":"P-521","x":"AA","y":"AA"}},{ED},{{"kty":"foo"}}]}}"#
        );
        let set = JwkSet::from_json(&json).unwrap();
        assert_eq!(set.len(), 1);
        assert_eq!(
            set.skipped().iter().map(|s| s.index).collect::<Vec<_>>(),
            [0, 2]
        );
    }

    #[test]
    fn structure_errors_fail_the_whole_set() {
        assert_eq!(
            JwkSet::from_json("{}"),
            Err(KeyError::MissingMember("keys"))
        );
        assert_eq!(
            JwkSet::from_json(&format!(r#"{{"keys":[{ED}],"keys":[]}}"#)),
            Err(KeyError::DuplicateMember("keys".into()))
        );
        let many = vec![ED; MAX_JWKS_KEYS + 1].join(",");
        assert_eq!(
            JwkSet::from_json(&format!(r#"{{"keys":[{many}]}}"#)),
            Err(KeyError::TooLarge("number of keys"))
        );
        let huge = format!(r#"{{"keys":[],"pad":"{}"}}"#, "x".repeat(MAX_JWKS_LEN));
        assert_eq!(
            JwkSet::from_json(&huge),
            Err(KeyError::TooLarge("JWK Set length"))
        );
    }
}

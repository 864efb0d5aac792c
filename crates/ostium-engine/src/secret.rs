//! Minting and hashing the secrets the engine issues: codes and opaque tokens.
//!
//! Every secret is 32 octets (256 bits, RFC 6749 §10.10 asks for at least 128) of injected
//! randomness, base64url-encoded into 43 characters. Only its SHA-256 hash ([`SecretHash`]) is
//! stored: a leaked store does not leak usable codes or tokens, and a lookup by hash compares
//! nothing secret.

use std::fmt;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use ostium_rand::{RandomFailure, SecureRng};
use ring::digest::{SHA256, digest};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// Octets of randomness in every code and opaque token.
pub(crate) const SECRET_OCTETS: usize = 32;
/// Octets of randomness in a grant identifier.
pub(crate) const GRANT_ID_OCTETS: usize = 16;

/// The SHA-256 hash of an issued secret: the only form in which codes and opaque tokens are
/// stored.
///
/// Hashing a 256-bit random value needs no salt or slow KDF: there is nothing to guess. Client
/// secrets registered by the embedder are hashed the same way; they must be generated with at
/// least 128 bits of entropy (a human-chosen password would need a slow hash instead).
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct SecretHash([u8; 32]);

impl SecretHash {
    /// Hashes a secret as presented (a code, a token, a client secret).
    pub fn of(secret: &str) -> Self {
        let mut out = [0u8; 32];
        out.copy_from_slice(digest(&SHA256, secret.as_bytes()).as_ref());
        Self(out)
    }

    /// Rebuilds a hash read back from storage.
    pub fn from_bytes(bytes: [u8; 32]) -> Self {
        Self(bytes)
    }

    /// The 32 octets, for a storage key (e.g. a `bytea` primary key).
    pub fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }

    /// Whether `presented` hashes to this value, compared in constant time.
    pub fn matches(&self, presented: &str) -> bool {
        ostium_rand::constant_time_eq(&Self::of(presented).0, &self.0)
    }
}

impl fmt::Debug for SecretHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // A hash is not secret, but a short prefix is enough to tell records apart in logs.
        let prefix = URL_SAFE_NO_PAD.encode(self.0.get(..6).unwrap_or_default());
        write!(f, "SecretHash({prefix}…)")
    }
}

impl Serialize for SecretHash {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&URL_SAFE_NO_PAD.encode(self.0))
    }
}

impl<'de> Deserialize<'de> for SecretHash {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = std::borrow::Cow::<'de, str>::deserialize(deserializer)?;
        let mut out = [0u8; 33];
        let len = URL_SAFE_NO_PAD
            .decode_slice(text.as_bytes(), &mut out)
            .map_err(serde::de::Error::custom)?;
        out.get(..len)
            .and_then(|octets| <[u8; 32]>::try_from(octets).ok())
            .map(Self)
            .ok_or_else(|| serde::de::Error::custom("a secret hash is 32 octets"))
    }
}

/// Identifies one grant: everything issued from one authorization (its code, and every access
/// and refresh token descended from it). Revoking the grant revokes the whole family
/// (RFC 9700 §4.14.2; RFC 6749 §10.5).
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct GrantId([u8; GRANT_ID_OCTETS]);

impl GrantId {
    /// Rebuilds a grant identifier read back from storage.
    pub fn from_bytes(bytes: [u8; GRANT_ID_OCTETS]) -> Self {
        Self(bytes)
    }

    /// The 16 octets.
    pub fn as_bytes(&self) -> &[u8; GRANT_ID_OCTETS] {
        &self.0
    }
}

impl fmt::Debug for GrantId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "GrantId({self})")
    }
}

impl fmt::Display for GrantId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&URL_SAFE_NO_PAD.encode(self.0))
    }
}

impl Serialize for GrantId {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.to_string())
    }
}

impl<'de> Deserialize<'de> for GrantId {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = std::borrow::Cow::<'de, str>::deserialize(deserializer)?;
        let mut out = [0u8; 18];
        let len = URL_SAFE_NO_PAD
            .decode_slice(text.as_bytes(), &mut out)
            .map_err(serde::de::Error::custom)?;
        out.get(..len)
            .and_then(|octets| <[u8; GRANT_ID_OCTETS]>::try_from(octets).ok())
            .map(Self)
            .ok_or_else(|| serde::de::Error::custom("a grant id is 16 octets"))
    }
}

/// The randomness one endpoint call needs, drawn from the caller's generator in a single call.
///
/// An OS randomness call costs about as much as a SHA-256 of a short input, so each endpoint call
/// draws everything it might mint at once, up front: one primary secret (a code or an access
/// token), one refresh token, one grant id and one `jti`. Each has its own field, so no value can be
/// handed out twice and nothing can run past the end.
pub(crate) struct Entropy {
    primary: [u8; SECRET_OCTETS],
    refresh: [u8; SECRET_OCTETS],
    grant: [u8; GRANT_ID_OCTETS],
    jti: [u8; GRANT_ID_OCTETS],
}

impl Entropy {
    pub(crate) fn draw(rng: &mut (impl SecureRng + ?Sized)) -> Result<Self, RandomFailure> {
        let mut pool = [0u8; 2 * SECRET_OCTETS + 2 * GRANT_ID_OCTETS];
        rng.fill(&mut pool)?;
        let (primary, rest) = pool.split_at(SECRET_OCTETS);
        let (refresh, rest) = rest.split_at(SECRET_OCTETS);
        let (grant, jti) = rest.split_at(GRANT_ID_OCTETS);
        // The lengths are constants that add up to the pool's size.
        let array = |slice: &[u8]| <[u8; SECRET_OCTETS]>::try_from(slice).unwrap_or_default();
        let id = |slice: &[u8]| <[u8; GRANT_ID_OCTETS]>::try_from(slice).unwrap_or_default();
        Ok(Self {
            primary: array(primary),
            refresh: array(refresh),
            grant: id(grant),
            jti: id(jti),
        })
    }

    /// The code (authorization endpoint) or access token (token endpoint): 43 characters.
    pub(crate) fn primary_secret(&self) -> String {
        URL_SAFE_NO_PAD.encode(self.primary)
    }

    /// The refresh token: 43 characters.
    pub(crate) fn refresh_secret(&self) -> String {
        URL_SAFE_NO_PAD.encode(self.refresh)
    }

    /// The grant identifier for a new grant.
    pub(crate) fn grant_id(&self) -> GrantId {
        GrantId(self.grant)
    }

    /// A `jti` for a JWT: 16 octets, base64url (22 characters).
    pub(crate) fn jti(&self) -> String {
        URL_SAFE_NO_PAD.encode(self.jti)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ostium_testkit::SeededRng;

    #[test]
    fn secrets_are_43_characters_and_distinct() {
        let entropy = Entropy::draw(&mut SeededRng::new(1)).unwrap();
        let (a, b) = (entropy.primary_secret(), entropy.refresh_secret());
        assert_eq!((a.len(), b.len(), entropy.jti().len()), (43, 43, 22));
        assert_ne!(a, b);
        assert_ne!(entropy.grant_id().as_bytes(), &[0u8; 16]);
        let other = Entropy::draw(&mut SeededRng::new(2)).unwrap();
        assert_ne!(other.primary_secret(), a);
    }

    #[test]
    fn hash_matches_only_its_secret() {
        let hash = SecretHash::of("code-1");
        assert!(hash.matches("code-1"));
        assert!(!hash.matches("code-2"));
        assert!(!hash.matches(""));
        assert_eq!(hash, SecretHash::of("code-1"));
    }

    #[test]
    fn identifiers_round_trip_through_serde() {
        let entropy = Entropy::draw(&mut SeededRng::new(2)).unwrap();
        let grant = entropy.grant_id();
        let json = serde_json::to_string(&grant).unwrap();
        assert_eq!(serde_json::from_str::<GrantId>(&json).unwrap(), grant);
        let hash = SecretHash::of("x");
        let json = serde_json::to_string(&hash).unwrap();
        assert_eq!(serde_json::from_str::<SecretHash>(&json).unwrap(), hash);
        assert!(serde_json::from_str::<GrantId>("\"AAAA\"").is_err());
    }

    #[test]
    fn debug_shows_only_a_prefix_of_the_hash() {
        let shown = format!("{:?}", SecretHash::of("token"));
        assert!(
            shown.starts_with("SecretHash(") && shown.len() < 24,
            "{shown}"
        );
    }
}

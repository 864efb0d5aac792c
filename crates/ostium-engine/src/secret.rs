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
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use sha2::{Digest as _, Sha256};

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
        Self::of_octets(secret.as_bytes())
    }

    fn of_octets(secret: &[u8]) -> Self {
        Self(Sha256::digest(secret).into())
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

/// The randomness one endpoint call may mint from, drawn from the caller's generator in a single
/// call of only the octets the call can use.
///
/// Two slots, each handed out **at most once** (a second take yields `None`, which the caller
/// turns into `server_error`; no octet can be used twice):
///
/// | slot | octets | used for (exactly one per call) |
/// |---|---|---|
/// | primary | 32 | the code, the opaque access token, a `request_uri` or a device code; for a JWT access token (whose token is the JWT) its `jti` |
/// | secondary | 8, 16 or 32 | the refresh token (32), a new grant's id (16) where no refresh token is minted (authorization endpoint, `client_credentials`, device approval), or a user code (8) |
pub(crate) struct Entropy {
    pool: [u8; ENTROPY_OCTETS],
    drawn: usize,
    primary_taken: bool,
    secondary_taken: bool,
}

/// The octets a user code is drawn from: 64 bits for about 34.6 bits of code.
pub(crate) const USER_CODE_OCTETS: usize = 8;

/// The most one call draws: a primary and a full secondary slot.
const ENTROPY_OCTETS: usize = 2 * SECRET_OCTETS;

impl Entropy {
    /// For the authorization endpoint: a code and its grant id (48 octets).
    pub(crate) const CODE: usize = SECRET_OCTETS + GRANT_ID_OCTETS;
    /// For the token endpoint: an access token and a refresh token or grant id (64 octets).
    pub(crate) const TOKENS: usize = 2 * SECRET_OCTETS;
    /// For the pushed authorization endpoint: a `request_uri` (32 octets).
    pub(crate) const REQUEST_URI: usize = SECRET_OCTETS;
    /// For the device authorization endpoint: a device code and a user code (40 octets).
    pub(crate) const DEVICE: usize = SECRET_OCTETS + USER_CODE_OCTETS;

    /// Draws `octets` (one of the constants above) in one call to `rng`.
    pub(crate) fn draw(
        rng: &mut (impl SecureRng + ?Sized),
        octets: usize,
    ) -> Result<Self, RandomFailure> {
        let mut pool = [0u8; ENTROPY_OCTETS];
        let drawn = octets.min(ENTROPY_OCTETS);
        rng.fill(pool.get_mut(..drawn).unwrap_or_default())?;
        Ok(Self {
            pool,
            drawn,
            primary_taken: false,
            secondary_taken: false,
        })
    }

    /// No randomness: for a call that cannot mint anything (every take yields `None`).
    pub(crate) fn none() -> Self {
        Self {
            pool: [0u8; ENTROPY_OCTETS],
            drawn: 0,
            primary_taken: true,
            secondary_taken: true,
        }
    }

    fn primary<const N: usize>(&mut self) -> Option<[u8; N]> {
        if self.primary_taken || self.drawn < SECRET_OCTETS || N > SECRET_OCTETS {
            return None;
        }
        self.primary_taken = true;
        self.pool.get(..N)?.try_into().ok()
    }

    fn secondary<const N: usize>(&mut self) -> Option<[u8; N]> {
        let end = SECRET_OCTETS.checked_add(N)?;
        if self.secondary_taken || self.drawn < end || N > SECRET_OCTETS {
            return None;
        }
        self.secondary_taken = true;
        self.pool.get(SECRET_OCTETS..end)?.try_into().ok()
    }

    /// The code (authorization endpoint), opaque access token (token endpoint) or `request_uri`
    /// secret (PAR): 43 characters.
    pub(crate) fn primary_secret(&mut self) -> Option<MintedSecret> {
        self.primary::<SECRET_OCTETS>().map(MintedSecret::encode)
    }

    /// The refresh token: 43 characters.
    pub(crate) fn refresh_secret(&mut self) -> Option<MintedSecret> {
        self.secondary::<SECRET_OCTETS>().map(MintedSecret::encode)
    }

    /// The octets of a device authorization's user code (RFC 8628 §6.1).
    pub(crate) fn user_code_octets(&mut self) -> Option<[u8; USER_CODE_OCTETS]> {
        self.secondary::<USER_CODE_OCTETS>()
    }

    /// A new client's identifier (dynamic registration): 16 octets, base64url (22 characters).
    pub(crate) fn client_id(&mut self) -> Option<String> {
        self.secondary::<GRANT_ID_OCTETS>()
            .map(|octets| base64url(&octets))
    }

    /// The grant identifier for a new grant.
    pub(crate) fn grant_id(&mut self) -> Option<GrantId> {
        self.secondary::<GRANT_ID_OCTETS>().map(GrantId)
    }

    /// A `jti` for a JWT access token: 16 octets, base64url (22 characters).
    pub(crate) fn jti(&mut self) -> Option<String> {
        self.primary::<GRANT_ID_OCTETS>()
            .map(|octets| base64url(&octets))
    }
}

/// The text of a minted secret (a code, an opaque token, a `request_uri`): the base64url form of
/// [`SECRET_OCTETS`] random octets, 43 characters, kept in place rather than allocated (most are
/// written once into a response and hashed once). `Debug` does not show it, and it has no `==`
/// (a secret is compared only through its hash, in constant time).
pub(crate) struct MintedSecret([u8; MintedSecret::LEN]);

impl MintedSecret {
    /// Characters in a minted secret.
    pub(crate) const LEN: usize = (SECRET_OCTETS * 4).div_ceil(3);

    fn encode(octets: [u8; SECRET_OCTETS]) -> Self {
        let mut text = [0u8; Self::LEN];
        let mut rest = &mut text[..];
        base64url_symbols(&octets, |symbols| {
            // `LEN` symbols in all: each group finds its place.
            if let Some((head, tail)) =
                std::mem::take(&mut rest).split_at_mut_checked(symbols.len())
            {
                head.copy_from_slice(symbols);
                rest = tail;
            }
        });
        Self(text)
    }

    /// The secret's text.
    pub(crate) fn as_str(&self) -> &str {
        // base64url symbols are ASCII: the check never fails.
        std::str::from_utf8(&self.0).unwrap_or_default()
    }

    /// Its hash, as [`SecretHash::of`] its text.
    pub(crate) fn hash(&self) -> SecretHash {
        SecretHash::of_octets(&self.0)
    }
}

impl fmt::Debug for MintedSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("MintedSecret(…)")
    }
}

/// base64url without padding (RFC 4648 §5), for the few octets of a minted secret: written into
/// a string of the exact length in one pass (the general-purpose encoder's setup costs more than
/// the encoding of 32 octets).
fn base64url(octets: &[u8]) -> String {
    let mut out = Vec::with_capacity((octets.len() * 4).div_ceil(3));
    base64url_symbols(octets, |symbols| out.extend_from_slice(symbols));
    // Every byte comes from the ASCII alphabet.
    String::from_utf8(out).unwrap_or_default()
}

/// Hands the base64url symbols of `octets` to `put`, four (or, at the end, three or two) at a
/// time.
#[inline(always)]
fn base64url_symbols(octets: &[u8], mut put: impl FnMut(&[u8])) {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    // The index is masked to six bits: it is always within the 64-entry alphabet.
    #[allow(clippy::indexing_slicing)]
    let symbol = |index: u32| ALPHABET[(index & 63) as usize];
    let mut groups = octets.chunks_exact(3);
    for group in &mut groups {
        if let [a, b, c] = *group {
            let bits = u32::from(a) << 16 | u32::from(b) << 8 | u32::from(c);
            put(&[bits >> 18, bits >> 12, bits >> 6, bits].map(symbol));
        }
    }
    match *groups.remainder() {
        [a] => put(&[u32::from(a) >> 2, u32::from(a) << 4].map(symbol)),
        [a, b] => {
            let bits = u32::from(a) << 8 | u32::from(b);
            put(&[bits >> 10, bits >> 4, bits << 2].map(symbol));
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ostium_testkit::SeededRng;

    #[test]
    fn secrets_are_43_characters_and_distinct() {
        let mut entropy = Entropy::draw(&mut SeededRng::new(1), Entropy::TOKENS).unwrap();
        let (a, b) = (
            entropy.primary_secret().unwrap(),
            entropy.refresh_secret().unwrap(),
        );
        assert_eq!((a.as_str().len(), b.as_str().len()), (43, 43));
        assert_ne!(a.as_str(), b.as_str());
        assert_eq!(a.hash(), SecretHash::of(a.as_str()));
        assert_eq!(format!("{a:?}"), "MintedSecret(…)");
        let mut other = Entropy::draw(&mut SeededRng::new(2), Entropy::TOKENS).unwrap();
        assert_ne!(other.primary_secret().unwrap().as_str(), a.as_str());
        let mut jwt = Entropy::draw(&mut SeededRng::new(3), Entropy::TOKENS).unwrap();
        assert_eq!(jwt.jti().unwrap().len(), 22);
    }

    /// Each slot is handed out once: a second use, or a use the draw did not pay for, is `None`
    /// (never the same octets again, never zeros).
    #[test]
    fn each_slot_is_used_at_most_once() {
        let mut entropy = Entropy::draw(&mut SeededRng::new(4), Entropy::CODE).unwrap();
        assert!(entropy.primary_secret().is_some());
        assert!(entropy.primary_secret().is_none());
        assert!(entropy.jti().is_none());
        // 48 octets: a grant id fits in the secondary slot, a refresh token does not.
        assert!(entropy.refresh_secret().is_none());
        let grant = entropy.grant_id().unwrap();
        assert_ne!(grant.as_bytes(), &[0u8; 16]);
        assert!(entropy.grant_id().is_none());

        let mut tokens = Entropy::draw(&mut SeededRng::new(4), Entropy::TOKENS).unwrap();
        assert!(tokens.refresh_secret().is_some());
        assert!(
            tokens.grant_id().is_none(),
            "a refresh token and a grant id share a slot"
        );
        let mut request_uri = Entropy::draw(&mut SeededRng::new(5), Entropy::REQUEST_URI).unwrap();
        assert!(request_uri.grant_id().is_none());
        assert!(request_uri.primary_secret().is_some());
        let mut none = Entropy::none();
        assert!(none.primary_secret().is_none() && none.grant_id().is_none());
    }

    /// Only the octets a call can use are drawn.
    #[test]
    fn draws_only_what_the_endpoint_mints() {
        struct Counting(usize);
        impl SecureRng for Counting {
            fn fill(&mut self, dest: &mut [u8]) -> Result<(), RandomFailure> {
                self.0 += dest.len();
                dest.fill(1);
                Ok(())
            }
        }
        let mut rng = Counting(0);
        for (octets, expected) in [
            (Entropy::CODE, 48),
            (Entropy::TOKENS, 64),
            (Entropy::REQUEST_URI, 32),
        ] {
            rng.0 = 0;
            Entropy::draw(&mut rng, octets).unwrap();
            assert_eq!(rng.0, expected);
        }
    }

    /// The minted-secret encoder agrees with the general-purpose one for every length up to 64
    /// and every octet value in each position.
    /// A minted secret's text is what the reference encoder writes, and its hash that of the
    /// text.
    #[test]
    fn minted_secrets_match_the_reference_encoder() {
        for fill in [0u8, 0xff, 0x5a, 0xa5] {
            let octets: [u8; SECRET_OCTETS] =
                std::array::from_fn(|i| fill ^ (i as u8).wrapping_mul(37));
            let secret = MintedSecret::encode(octets);
            assert_eq!(secret.as_str(), URL_SAFE_NO_PAD.encode(octets));
            assert_eq!(secret.hash(), SecretHash::of(secret.as_str()));
        }
    }

    #[test]
    fn base64url_matches_the_reference_encoder() {
        for len in 0..=64usize {
            for fill in [0u8, 0xff, 0x5a] {
                let octets: Vec<u8> = (0..len)
                    .map(|i| fill ^ (i as u8).wrapping_mul(37))
                    .collect();
                assert_eq!(
                    base64url(&octets),
                    URL_SAFE_NO_PAD.encode(&octets),
                    "{octets:?}"
                );
            }
        }
        for value in 0..=255u8 {
            for position in 0..3 {
                let mut octets = [0u8; 3];
                octets[position] = value;
                for len in 1..=3 {
                    assert_eq!(
                        base64url(&octets[..len]),
                        URL_SAFE_NO_PAD.encode(&octets[..len])
                    );
                }
            }
        }
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
        let mut entropy = Entropy::draw(&mut SeededRng::new(2), Entropy::CODE).unwrap();
        let grant = entropy.grant_id().unwrap();
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
    /// Stored hashes outlive the code that wrote them: they stay plain SHA-256 (FIPS 180-4),
    /// here its known answers for "abc" and for the empty string.
    #[test]
    fn secret_hashes_are_sha256() {
        let hex = |hash: SecretHash| {
            hash.as_bytes()
                .iter()
                .map(|b| format!("{b:02x}"))
                .collect::<String>()
        };
        assert_eq!(
            hex(SecretHash::of("abc")),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        assert_eq!(
            hex(SecretHash::of("")),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
    }

    proptest::proptest! {
        /// The same SHA-256 as ring's (the JOSE side's), at every length around the block
        /// boundaries.
        #[test]
        fn secret_hashes_agree_with_ring(secret in "\\PC{0,150}") {
            let ring = ring::digest::digest(&ring::digest::SHA256, secret.as_bytes());
            let ours = SecretHash::of(&secret);
            proptest::prop_assert_eq!(ours.as_bytes().as_slice(), ring.as_ref());
        }
    }
}

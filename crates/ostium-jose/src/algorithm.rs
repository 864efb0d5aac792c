//! JWS algorithms (RFC 7518 §3.1, RFC 8037 §3.1) and sets of them.

use std::fmt;

use crate::error::JwsError;

/// A JWS signature or MAC algorithm that this crate can compute with ring.
///
/// There is deliberately no variant for `none` (RFC 7518 §3.6): an unsecured JWS can be neither
/// produced nor accepted. `ES512` (P-521) and `ES256K` (secp256k1) are not variants either,
/// because ring 0.17 implements neither curve; parsing them gives
/// [`JwsError::UnsupportedAlgorithm`] with a message saying so.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum Algorithm {
    /// `HS256`: HMAC using SHA-256 (RFC 7518 §3.2).
    Hs256,
    /// `HS384`: HMAC using SHA-384 (RFC 7518 §3.2).
    Hs384,
    /// `HS512`: HMAC using SHA-512 (RFC 7518 §3.2).
    Hs512,
    /// `RS256`: RSASSA-PKCS1-v1_5 using SHA-256 (RFC 7518 §3.3).
    Rs256,
    /// `RS384`: RSASSA-PKCS1-v1_5 using SHA-384 (RFC 7518 §3.3).
    Rs384,
    /// `RS512`: RSASSA-PKCS1-v1_5 using SHA-512 (RFC 7518 §3.3).
    Rs512,
    /// `PS256`: RSASSA-PSS using SHA-256 and MGF1 with SHA-256 (RFC 7518 §3.5).
    Ps256,
    /// `PS384`: RSASSA-PSS using SHA-384 and MGF1 with SHA-384 (RFC 7518 §3.5).
    Ps384,
    /// `PS512`: RSASSA-PSS using SHA-512 and MGF1 with SHA-512 (RFC 7518 §3.5).
    Ps512,
    /// `ES256`: ECDSA using P-256 and SHA-256 (RFC 7518 §3.4).
    Es256,
    /// `ES384`: ECDSA using P-384 and SHA-384 (RFC 7518 §3.4).
    Es384,
    /// `EdDSA` with the Ed25519 curve (RFC 8037 §3.1).
    EdDsa,
}

/// The kind of key an algorithm needs (RFC 7518 §6.1 `kty`, plus the curve where it decides).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum KeyFamily {
    /// A symmetric `oct` key (HMAC).
    Symmetric,
    /// An `RSA` key.
    Rsa,
    /// An `EC` key on P-256.
    EcP256,
    /// An `EC` key on P-384.
    EcP384,
    /// An `OKP` key on Ed25519.
    Ed25519,
}

impl Algorithm {
    /// Every algorithm, in a fixed order.
    pub const ALL: [Algorithm; 12] = [
        Algorithm::Hs256,
        Algorithm::Hs384,
        Algorithm::Hs512,
        Algorithm::Rs256,
        Algorithm::Rs384,
        Algorithm::Rs512,
        Algorithm::Ps256,
        Algorithm::Ps384,
        Algorithm::Ps512,
        Algorithm::Es256,
        Algorithm::Es384,
        Algorithm::EdDsa,
    ];

    /// The registered `alg` name (RFC 7518 §7.1.2), e.g. `"ES256"`.
    pub const fn name(self) -> &'static str {
        match self {
            Algorithm::Hs256 => "HS256",
            Algorithm::Hs384 => "HS384",
            Algorithm::Hs512 => "HS512",
            Algorithm::Rs256 => "RS256",
            Algorithm::Rs384 => "RS384",
            Algorithm::Rs512 => "RS512",
            Algorithm::Ps256 => "PS256",
            Algorithm::Ps384 => "PS384",
            Algorithm::Ps512 => "PS512",
            Algorithm::Es256 => "ES256",
            Algorithm::Es384 => "ES384",
            Algorithm::EdDsa => "EdDSA",
        }
    }

    /// The key family this algorithm needs: an `oct` key only ever computes HMACs, an RSA key
    /// never computes an HMAC, and so on (RFC 8725 §3.1).
    pub const fn key_family(self) -> KeyFamily {
        match self {
            Algorithm::Hs256 | Algorithm::Hs384 | Algorithm::Hs512 => KeyFamily::Symmetric,
            Algorithm::Rs256
            | Algorithm::Rs384
            | Algorithm::Rs512
            | Algorithm::Ps256
            | Algorithm::Ps384
            | Algorithm::Ps512 => KeyFamily::Rsa,
            Algorithm::Es256 => KeyFamily::EcP256,
            Algorithm::Es384 => KeyFamily::EcP384,
            Algorithm::EdDsa => KeyFamily::Ed25519,
        }
    }

    /// Whether this is an HMAC algorithm (symmetric: whoever verifies can also sign).
    pub const fn is_symmetric(self) -> bool {
        matches!(self.key_family(), KeyFamily::Symmetric)
    }

    /// The minimum HMAC key length in bytes: the hash output size (RFC 7518 §3.2); `0` for
    /// asymmetric algorithms.
    pub(crate) const fn min_hmac_key_len(self) -> usize {
        match self {
            Algorithm::Hs256 => 32,
            Algorithm::Hs384 => 48,
            Algorithm::Hs512 => 64,
            _ => 0,
        }
    }

    /// Parses a registered `alg` name, exactly as RFC 7518 §7.1.2 spells it (names are
    /// case-sensitive, RFC 7515 §4.1.1).
    ///
    /// # Errors
    ///
    /// - [`JwsError::UnsecuredAlgorithm`] for `none` in any spelling (`NONE`, `None`, `nOnE`):
    ///   never accepted (RFC 8725 §3.1).
    /// - [`JwsError::UnsupportedAlgorithm`] for every other name, with a reason for `ES512` and
    ///   `ES256K` (ring 0.17 has neither P-521 nor secp256k1).
    pub fn from_name(name: &str) -> Result<Self, JwsError> {
        Ok(match name {
            "HS256" => Algorithm::Hs256,
            "HS384" => Algorithm::Hs384,
            "HS512" => Algorithm::Hs512,
            "RS256" => Algorithm::Rs256,
            "RS384" => Algorithm::Rs384,
            "RS512" => Algorithm::Rs512,
            "PS256" => Algorithm::Ps256,
            "PS384" => Algorithm::Ps384,
            "PS512" => Algorithm::Ps512,
            "ES256" => Algorithm::Es256,
            "ES384" => Algorithm::Es384,
            "EdDSA" => Algorithm::EdDsa,
            other if other.eq_ignore_ascii_case("none") => {
                return Err(JwsError::UnsecuredAlgorithm);
            }
            other => return Err(JwsError::UnsupportedAlgorithm(unsupported_reason(other))),
        })
    }

    const fn bit(self) -> u16 {
        1 << (self as u16)
    }
}

/// Why a name is not an algorithm of this crate, for the embedder.
fn unsupported_reason(name: &str) -> String {
    let mut shown: String = name.chars().take(32).collect();
    if shown.len() < name.len() {
        shown.push('…');
    }
    match name {
        "ES512" => "ES512 (ECDSA P-521) is not supported: ring 0.17 has no P-521".to_owned(),
        "ES256K" => {
            "ES256K (ECDSA secp256k1) is not supported: ring 0.17 has no secp256k1".to_owned()
        }
        "Ed25519" | "Ed448" => {
            format!(
                "{shown:?} is not a JWS algorithm this crate implements (use \"EdDSA\" with an Ed25519 key)"
            )
        }
        _ => format!("{shown:?} is not a supported JWS algorithm"),
    }
}

impl fmt::Display for Algorithm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl std::str::FromStr for Algorithm {
    type Err = JwsError;

    fn from_str(name: &str) -> Result<Self, Self::Err> {
        Algorithm::from_name(name)
    }
}

impl serde::Serialize for Algorithm {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.name())
    }
}

/// A set of allowed algorithms: the verifier's allow-list (RFC 8725 §3.1).
///
/// Empty by default: a verifier accepts nothing until the embedder names what it expects.
#[derive(Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct AlgorithmSet(u16);

impl AlgorithmSet {
    /// The empty set.
    pub const fn empty() -> Self {
        AlgorithmSet(0)
    }

    /// The set holding exactly `algorithms`.
    pub const fn of(algorithms: &[Algorithm]) -> Self {
        let mut bits = 0u16;
        let mut i = 0;
        while i < algorithms.len() {
            // `i < len` was just checked; const fns cannot use iterators.
            #[allow(clippy::indexing_slicing)]
            let algorithm = algorithms[i];
            bits |= algorithm.bit();
            i += 1;
        }
        AlgorithmSet(bits)
    }

    /// The set with `algorithm` added.
    #[must_use]
    pub const fn with(self, algorithm: Algorithm) -> Self {
        AlgorithmSet(self.0 | algorithm.bit())
    }

    /// Whether `algorithm` is in the set.
    pub const fn contains(self, algorithm: Algorithm) -> bool {
        self.0 & algorithm.bit() != 0
    }

    /// Whether the set is empty.
    pub const fn is_empty(self) -> bool {
        self.0 == 0
    }

    /// The algorithms in the set, in [`Algorithm::ALL`] order.
    pub fn iter(self) -> impl Iterator<Item = Algorithm> {
        Algorithm::ALL
            .into_iter()
            .filter(move |a| self.contains(*a))
    }
}

impl fmt::Debug for AlgorithmSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_set().entries(self.iter()).finish()
    }
}

impl FromIterator<Algorithm> for AlgorithmSet {
    fn from_iter<I: IntoIterator<Item = Algorithm>>(iter: I) -> Self {
        iter.into_iter()
            .fold(AlgorithmSet::empty(), AlgorithmSet::with)
    }
}

impl From<Algorithm> for AlgorithmSet {
    fn from(algorithm: Algorithm) -> Self {
        AlgorithmSet::empty().with(algorithm)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for algorithm in Algorithm::ALL {
            assert_eq!(Algorithm::from_name(algorithm.name()), Ok(algorithm));
        }
    }

    #[test]
    fn none_in_every_spelling_is_unsecured() {
        for name in ["none", "NONE", "None", "nOnE", "noNe"] {
            assert_eq!(
                Algorithm::from_name(name),
                Err(JwsError::UnsecuredAlgorithm),
                "{name}"
            );
        }
    }

    #[test]
    fn names_are_case_sensitive() {
        for name in ["hs256", "Rs256", "EDDSA", "eddsa", "es256"] {
            assert!(matches!(
                Algorithm::from_name(name),
                Err(JwsError::UnsupportedAlgorithm(_))
            ));
        }
    }

    #[test]
    fn es512_and_es256k_say_why() {
        let Err(JwsError::UnsupportedAlgorithm(why)) = Algorithm::from_name("ES512") else {
            panic!("ES512 must be unsupported");
        };
        assert!(why.contains("P-521"), "{why}");
        let Err(JwsError::UnsupportedAlgorithm(why)) = Algorithm::from_name("ES256K") else {
            panic!("ES256K must be unsupported");
        };
        assert!(why.contains("secp256k1"), "{why}");
    }

    #[test]
    fn long_unknown_names_are_truncated_in_the_message() {
        let long = "X".repeat(10_000);
        let Err(JwsError::UnsupportedAlgorithm(why)) = Algorithm::from_name(&long) else {
            panic!("unknown");
        };
        assert!(why.len() < 100);
    }

    #[test]
    fn sets() {
        let set = AlgorithmSet::of(&[Algorithm::Rs256, Algorithm::EdDsa]);
        assert!(set.contains(Algorithm::Rs256));
        assert!(set.contains(Algorithm::EdDsa));
        assert!(!set.contains(Algorithm::Ps256));
        assert_eq!(
            set.iter().collect::<Vec<_>>(),
            [Algorithm::Rs256, Algorithm::EdDsa]
        );
        assert!(AlgorithmSet::empty().is_empty());
        assert_eq!(format!("{set:?}"), "{Rs256, EdDsa}");
    }
}

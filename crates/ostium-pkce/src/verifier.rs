//! The client's secret: `code_verifier` (RFC 7636 §4.1).

use std::fmt;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use ostium_rand::{RandomFailure, SecureRng, random_array};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::error::PkceError;

/// Shortest allowed verifier or `plain` challenge (RFC 7636 §4.1).
pub(crate) const MIN_LEN: usize = 43;
/// Longest allowed verifier or `plain` challenge (RFC 7636 §4.1).
pub(crate) const MAX_LEN: usize = 128;

/// A PKCE `code_verifier`: 43 to 128 characters of `[A-Za-z0-9-._~]` (RFC 7636 §4.1).
///
/// Valid by construction. It is a secret until the token request that spends it: `Debug` redacts
/// it, and comparisons happen only through [`CodeChallenge::verify`](crate::CodeChallenge::verify),
/// in constant time. It serializes as its string so that a client can keep it in its
/// pending-authorization state (a server-side session, an encrypted cookie).
#[derive(Clone, PartialEq, Eq)]
pub struct CodeVerifier(String);

impl CodeVerifier {
    /// Generates a verifier from 32 random octets (256 bits), base64url-encoded into 43
    /// characters, as RFC 7636 §4.1 recommends.
    ///
    /// # Errors
    ///
    /// [`RandomFailure`] when `rng` fails.
    pub fn generate(rng: &mut (impl SecureRng + ?Sized)) -> Result<Self, RandomFailure> {
        let octets: [u8; 32] = random_array(rng)?;
        Ok(Self(URL_SAFE_NO_PAD.encode(octets)))
    }

    /// Parses a `code_verifier` parameter as received at the token endpoint.
    ///
    /// # Errors
    ///
    /// [`PkceError::InvalidLength`] or [`PkceError::InvalidCharacter`] (RFC 7636 §4.1).
    pub fn parse(value: &str) -> Result<Self, PkceError> {
        check_unreserved(value)?;
        Ok(Self(value.to_owned()))
    }

    /// The verifier, to send in the token request (RFC 7636 §4.5).
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Checks the shared syntax of verifiers and `plain` challenges:
/// `43*128unreserved`, unreserved = `ALPHA / DIGIT / "-" / "." / "_" / "~"` (RFC 7636 §4.1, §4.2).
pub(crate) fn check_unreserved(value: &str) -> Result<(), PkceError> {
    // A pass without an early exit, which the compiler vectorizes; the offending byte is looked
    // for only when there is one.
    if !value.bytes().fold(true, |all, b| all & is_unreserved(b))
        && let Some(at) = value.bytes().position(|b| !is_unreserved(b))
    {
        return Err(PkceError::InvalidCharacter { at });
    }
    // All bytes are ASCII now, so the byte length is the character count.
    if !(MIN_LEN..=MAX_LEN).contains(&value.len()) {
        return Err(PkceError::InvalidLength { len: value.len() });
    }
    Ok(())
}

fn is_unreserved(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~')
}

impl fmt::Debug for CodeVerifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("CodeVerifier(<redacted>)")
    }
}

impl std::str::FromStr for CodeVerifier {
    type Err = PkceError;

    fn from_str(value: &str) -> Result<Self, Self::Err> {
        Self::parse(value)
    }
}

impl Serialize for CodeVerifier {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for CodeVerifier {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let value = std::borrow::Cow::<'de, str>::deserialize(deserializer)?;
        Self::parse(&value).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lengths_at_the_boundaries() {
        assert_eq!(
            CodeVerifier::parse(&"a".repeat(42)),
            Err(PkceError::InvalidLength { len: 42 })
        );
        assert!(CodeVerifier::parse(&"a".repeat(43)).is_ok());
        assert!(CodeVerifier::parse(&"a".repeat(128)).is_ok());
        assert_eq!(
            CodeVerifier::parse(&"a".repeat(129)),
            Err(PkceError::InvalidLength { len: 129 })
        );
        assert_eq!(
            CodeVerifier::parse(""),
            Err(PkceError::InvalidLength { len: 0 })
        );
    }

    #[test]
    fn every_unreserved_character_is_accepted_and_nothing_else() {
        let alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~";
        assert!(CodeVerifier::parse(alphabet).is_ok());
        for byte in 0u8..=127 {
            let c = char::from(byte);
            let candidate = format!("{}{c}", "a".repeat(43));
            let accepted = CodeVerifier::parse(&candidate).is_ok();
            assert_eq!(accepted, alphabet.contains(c), "character {c:?}");
        }
    }

    #[test]
    fn non_ascii_is_rejected_with_its_offset() {
        let candidate = format!("{}é{}", "a".repeat(10), "a".repeat(40));
        assert_eq!(
            CodeVerifier::parse(&candidate),
            Err(PkceError::InvalidCharacter { at: 10 })
        );
    }

    #[test]
    fn debug_redacts_the_secret() {
        let verifier = CodeVerifier::parse(&"s".repeat(50)).unwrap();
        let shown = format!("{verifier:?}");
        assert!(!shown.contains("sss"), "{shown}");
        assert!(shown.contains("redacted"));
    }

    #[test]
    fn serde_round_trip_validates() {
        let verifier = CodeVerifier::parse(&"v".repeat(43)).unwrap();
        let json = serde_json::to_string(&verifier).unwrap();
        assert_eq!(json, format!("\"{}\"", "v".repeat(43)));
        assert_eq!(
            serde_json::from_str::<CodeVerifier>(&json).unwrap(),
            verifier
        );
        assert!(serde_json::from_str::<CodeVerifier>("\"short\"").is_err());
    }
}

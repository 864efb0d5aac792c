//! The public half: `code_challenge` and `code_challenge_method` (RFC 7636 §4.2, §4.3).

use std::fmt;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use ring::digest::{SHA256, digest};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::error::PkceError;
use crate::verifier::{CodeVerifier, check_unreserved};

/// Length of an `S256` challenge: 32 octets in unpadded base64url.
const S256_LEN: usize = 43;

/// `code_challenge_method` (RFC 7636 §4.3).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum CodeChallengeMethod {
    /// `S256`: the challenge is `BASE64URL(SHA256(verifier))`. The only method Ostium accepts by
    /// default (RFC 9700 §2.1.1).
    S256,
    /// `plain`: the challenge *is* the verifier, so anyone who sees the authorization request can
    /// redeem the code. Weaker; RFC 7636 §4.2 allows it only when S256 is impossible. A
    /// [`CodeChallenge`] with this method is built only through the `danger_` constructors.
    Plain,
}

impl CodeChallengeMethod {
    /// The method's registered name: `S256` or `plain`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::S256 => "S256",
            Self::Plain => "plain",
        }
    }

    /// Parses a method name, exactly and case-sensitively (RFC 7636 §4.3 registers `S256` and
    /// `plain`). Recognising the name `plain` does not admit it: see [`CodeChallenge::parse`].
    ///
    /// # Errors
    ///
    /// [`PkceError::UnsupportedMethod`] for any other name.
    pub fn parse(name: &str) -> Result<Self, PkceError> {
        match name {
            "S256" => Ok(Self::S256),
            "plain" => Ok(Self::Plain),
            other => Err(PkceError::UnsupportedMethod(other.to_owned())),
        }
    }
}

impl fmt::Display for CodeChallengeMethod {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for CodeChallengeMethod {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for CodeChallengeMethod {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let name = std::borrow::Cow::<'de, str>::deserialize(deserializer)?;
        Self::parse(&name).map_err(serde::de::Error::custom)
    }
}

/// A `code_challenge` with its method, as bound to an authorization code (RFC 7636 §4.4).
///
/// For `S256` the decoded 32-octet digest is kept, so verification is one SHA-256 of the verifier
/// and a constant-time comparison of 32 bytes.
#[derive(Clone, PartialEq, Eq)]
pub struct CodeChallenge(Inner);

#[derive(Clone, PartialEq, Eq)]
enum Inner {
    S256 { encoded: String, digest: [u8; 32] },
    Plain(String),
}

impl CodeChallenge {
    /// The `S256` challenge for `verifier` (RFC 7636 §4.2), as a client sends it.
    pub fn s256(verifier: &CodeVerifier) -> Self {
        let digest = sha256(verifier.as_str().as_bytes());
        Self(Inner::S256 {
            encoded: URL_SAFE_NO_PAD.encode(digest),
            digest,
        })
    }

    /// Parses `code_challenge` and `code_challenge_method` from an authorization request,
    /// admitting only `S256` (RFC 9700 §2.1.1).
    ///
    /// An absent method means `plain` (RFC 7636 §4.3) and is therefore refused.
    ///
    /// # Errors
    ///
    /// [`PkceError::PlainNotAllowed`] for `plain`, explicit or by default;
    /// [`PkceError::UnsupportedMethod`] for an unknown method;
    /// [`PkceError::MalformedS256Challenge`] for a value that is not 43 characters of canonical
    /// base64url. At the authorization endpoint each maps to `invalid_request` (RFC 7636 §4.4.1).
    pub fn parse(value: &str, method: Option<&str>) -> Result<Self, PkceError> {
        match parse_method(method)? {
            CodeChallengeMethod::S256 => Self::parse_s256(value),
            CodeChallengeMethod::Plain => Err(PkceError::PlainNotAllowed),
        }
    }

    /// Like [`parse`](Self::parse), but also admits the weaker `plain` method (explicit, or by
    /// default when `method` is `None`). Only for deployments that must serve clients unable to
    /// compute SHA-256 (RFC 7636 §4.2); prefer [`parse`](Self::parse).
    ///
    /// # Errors
    ///
    /// As [`parse`](Self::parse), except that `plain` is accepted when its value has verifier
    /// syntax (43–128 unreserved characters): [`PkceError::InvalidLength`] or
    /// [`PkceError::InvalidCharacter`] otherwise.
    pub fn danger_parse_allowing_plain(
        value: &str,
        method: Option<&str>,
    ) -> Result<Self, PkceError> {
        match parse_method(method)? {
            CodeChallengeMethod::S256 => Self::parse_s256(value),
            CodeChallengeMethod::Plain => {
                check_unreserved(value)?;
                Ok(Self(Inner::Plain(value.to_owned())))
            }
        }
    }

    /// The weaker `plain` challenge for `verifier`: the verifier itself (RFC 7636 §4.2). Use
    /// [`s256`](Self::s256) unless the server supports nothing else.
    pub fn danger_plain(verifier: &CodeVerifier) -> Self {
        Self(Inner::Plain(verifier.as_str().to_owned()))
    }

    fn parse_s256(value: &str) -> Result<Self, PkceError> {
        if value.len() != S256_LEN {
            return Err(PkceError::MalformedS256Challenge);
        }
        let digest = decode_s256(value.as_bytes()).ok_or(PkceError::MalformedS256Challenge)?;
        Ok(Self(Inner::S256 {
            encoded: value.to_owned(),
            digest,
        }))
    }

    /// The method.
    pub fn method(&self) -> CodeChallengeMethod {
        match self.0 {
            Inner::S256 { .. } => CodeChallengeMethod::S256,
            Inner::Plain(_) => CodeChallengeMethod::Plain,
        }
    }

    /// The `code_challenge` parameter value.
    pub fn as_str(&self) -> &str {
        match &self.0 {
            Inner::S256 { encoded, .. } => encoded,
            Inner::Plain(value) => value,
        }
    }

    /// Checks `verifier` against this challenge in constant time (RFC 7636 §4.6).
    ///
    /// `S256` compares `SHA256(verifier)` with the stored digest. `plain` compares the SHA-256 of
    /// both strings, so that neither the contents nor the length of the stored value leak through
    /// timing.
    ///
    /// # Errors
    ///
    /// [`PkceError::Mismatch`] (`invalid_grant` at the token endpoint).
    pub fn verify(&self, verifier: &CodeVerifier) -> Result<(), PkceError> {
        self.verify_checked(verifier.as_str())
    }

    /// [`verify`](Self::verify) for a string whose verifier syntax the caller already checked.
    pub(crate) fn verify_checked(&self, verifier: &str) -> Result<(), PkceError> {
        let presented = sha256(verifier.as_bytes());
        let expected = match &self.0 {
            Inner::S256 { digest, .. } => *digest,
            Inner::Plain(value) => sha256(value.as_bytes()),
        };
        if ostium_rand::constant_time_eq(&presented, &expected) {
            Ok(())
        } else {
            Err(PkceError::Mismatch)
        }
    }
}

fn parse_method(method: Option<&str>) -> Result<CodeChallengeMethod, PkceError> {
    // RFC 7636 §4.3: "Defaults to "plain" if not present in the request."
    method.map_or(Ok(CodeChallengeMethod::Plain), CodeChallengeMethod::parse)
}

fn sha256(input: &[u8]) -> [u8; 32] {
    let mut out = [0u8; 32];
    out.copy_from_slice(digest(&SHA256, input).as_ref());
    out
}

impl fmt::Debug for CodeChallenge {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // A `plain` challenge is the verifier itself: a secret.
        match &self.0 {
            Inner::S256 { encoded, .. } => {
                f.debug_tuple("CodeChallenge::S256").field(encoded).finish()
            }
            Inner::Plain(_) => f.write_str("CodeChallenge::Plain(<redacted>)"),
        }
    }
}

/// The stored form: `{"code_challenge": "...", "code_challenge_method": "S256"}`.
#[derive(Serialize, Deserialize)]
struct Stored<'a> {
    #[serde(borrow)]
    code_challenge: std::borrow::Cow<'a, str>,
    code_challenge_method: CodeChallengeMethod,
}

/// Serializes as `{"code_challenge": "...", "code_challenge_method": "..."}`, for storing the
/// challenge with the code it is bound to.
impl Serialize for CodeChallenge {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        Stored {
            code_challenge: self.as_str().into(),
            code_challenge_method: self.method(),
        }
        .serialize(serializer)
    }
}

/// Reads back what [`Serialize`] wrote. The method must be explicit, and `plain` is accepted,
/// because a stored challenge was already admitted by the policy in force when its code was
/// issued. Parse challenges from requests with [`CodeChallenge::parse`], never with serde.
impl<'de> Deserialize<'de> for CodeChallenge {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let stored = Stored::deserialize(deserializer)?;
        Self::danger_parse_allowing_plain(
            &stored.code_challenge,
            Some(stored.code_challenge_method.as_str()),
        )
        .map_err(serde::de::Error::custom)
    }
}

/// The value of a base64url character (RFC 4648 §5), `None` for any other byte.
fn sextet(c: u8) -> Option<u32> {
    SEXTETS
        .get(usize::from(c))
        .copied()
        .filter(|&value| value != INVALID)
        .map(u32::from)
}

/// Not a base64url character, in [`SEXTETS`].
const INVALID: u8 = 0xFF;

/// [`sextet`] as a table.
// Built at compile time, where an index out of bounds is a build error, not a panic.
#[allow(clippy::indexing_slicing)]
static SEXTETS: [u8; 256] = {
    let mut table = [INVALID; 256];
    let alphabet = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let mut value = 0;
    while value < 64 {
        table[alphabet[value] as usize] = value as u8;
        value += 1;
    }
    table
};

/// Decodes the 43 base64url characters of an S256 challenge into its 32 octets (RFC 7636 §4.2),
/// refusing any other length or character and non-zero trailing bits, so that each digest has
/// exactly one accepted encoding (as `base64`'s `URL_SAFE_NO_PAD` decodes).
fn decode_s256(value: &[u8]) -> Option<[u8; 32]> {
    if value.len() != S256_LEN {
        return None;
    }
    let mut digest = [0u8; 32];
    // Ten groups of four characters are thirty octets; three characters make the last two.
    let mut octets = digest.chunks_exact_mut(3);
    let mut characters = value.chunks_exact(4);
    for (out, group) in (&mut octets).zip(&mut characters) {
        let bits = group
            .iter()
            .try_fold(0u32, |bits, &c| Some(bits << 6 | sextet(c)?))?;
        out.copy_from_slice(bits.to_be_bytes().get(1..)?);
    }
    let bits = characters
        .remainder()
        .iter()
        .try_fold(0u32, |bits, &c| Some(bits << 6 | sextet(c)?))?;
    // 18 bits for 16: the last two must be zero.
    if bits & 0b11 != 0 {
        return None;
    }
    octets
        .into_remainder()
        .copy_from_slice(((bits >> 2) as u16).to_be_bytes().as_slice());
    Some(digest)
}

#[cfg(test)]
mod tests {
    use super::*;

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(4096))]

        /// The fixed-length decoder accepts exactly what the base64 crate's URL_SAFE_NO_PAD
        /// accepts for 43 characters, with the same octets.
        #[test]
        fn s256_decoding_is_base64urls(
            value in "[A-Za-z0-9_-]{43}|[A-Za-z0-9_+/=. -]{40,45}",
        ) {
            let expected = URL_SAFE_NO_PAD
                .decode(&value)
                .ok()
                .filter(|_| value.len() == S256_LEN)
                .and_then(|octets| <[u8; 32]>::try_from(octets).ok());
            proptest::prop_assert_eq!(decode_s256(value.as_bytes()), expected);
        }
    }

    #[test]
    fn s256_decoding_refuses_trailing_bits_and_other_characters() {
        let digest = ring::digest::digest(&SHA256, b"x");
        let encoded = URL_SAFE_NO_PAD.encode(digest.as_ref());
        assert_eq!(
            decode_s256(encoded.as_bytes())
                .as_ref()
                .map(<[u8; 32]>::as_slice),
            Some(digest.as_ref())
        );
        for last in [b'B', b'C', b'D'] {
            let mut bad = encoded.clone().into_bytes();
            *bad.last_mut().unwrap() = last;
            // Same high bits as 'A', 'E', ...: only the trailing bits differ.
            let expected = URL_SAFE_NO_PAD.decode(&bad).ok();
            assert_eq!(decode_s256(&bad).is_some(), expected.is_some());
        }
        let mut bad = encoded.into_bytes();
        bad[0] = b'+';
        assert_eq!(decode_s256(&bad), None);
    }

    fn verifier(c: char) -> CodeVerifier {
        CodeVerifier::parse(&c.to_string().repeat(43)).unwrap()
    }

    #[test]
    fn method_names_are_exact() {
        assert_eq!(
            CodeChallengeMethod::parse("S256"),
            Ok(CodeChallengeMethod::S256)
        );
        assert_eq!(
            CodeChallengeMethod::parse("plain"),
            Ok(CodeChallengeMethod::Plain)
        );
        for other in ["s256", "SHA256", "PLAIN", "", "S256 "] {
            assert_eq!(
                CodeChallengeMethod::parse(other),
                Err(PkceError::UnsupportedMethod(other.to_owned()))
            );
        }
    }

    #[test]
    fn s256_round_trips_through_parse() {
        let challenge = CodeChallenge::s256(&verifier('x'));
        let parsed = CodeChallenge::parse(challenge.as_str(), Some("S256")).unwrap();
        assert_eq!(parsed, challenge);
        assert!(parsed.verify(&verifier('x')).is_ok());
        assert_eq!(parsed.verify(&verifier('y')), Err(PkceError::Mismatch));
    }

    #[test]
    fn s256_value_must_be_canonical_base64url_of_32_octets() {
        let good = CodeChallenge::s256(&verifier('x')).as_str().to_owned();
        // Padding, wrong length, standard alphabet, whitespace.
        for bad in [
            format!("{good}="),
            good[..42].to_owned(),
            format!("{good}A"),
            good.replace(['-', '_'], "+"),
            format!(" {}", &good[1..]),
        ] {
            if bad != good {
                assert_eq!(
                    CodeChallenge::parse(&bad, Some("S256")),
                    Err(PkceError::MalformedS256Challenge),
                    "{bad}"
                );
            }
        }
        // The last character carries 2 unused bits; only the canonical encoding is accepted.
        let mut chars: Vec<char> = good.chars().collect();
        let last = chars[42];
        let alphabet: Vec<char> =
            "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
                .chars()
                .collect();
        let index = alphabet.iter().position(|&c| c == last).unwrap();
        chars[42] = alphabet[index ^ 1];
        let non_canonical: String = chars.into_iter().collect();
        assert_eq!(
            CodeChallenge::parse(&non_canonical, Some("S256")),
            Err(PkceError::MalformedS256Challenge)
        );
    }

    #[test]
    fn plain_only_through_the_danger_api() {
        let value = "p".repeat(43);
        assert_eq!(
            CodeChallenge::parse(&value, Some("plain")),
            Err(PkceError::PlainNotAllowed)
        );
        assert_eq!(
            CodeChallenge::parse(&value, None),
            Err(PkceError::PlainNotAllowed)
        );
        let plain = CodeChallenge::danger_parse_allowing_plain(&value, None).unwrap();
        assert_eq!(plain.method(), CodeChallengeMethod::Plain);
        assert!(plain.verify(&verifier('p')).is_ok());
        assert_eq!(plain.verify(&verifier('q')), Err(PkceError::Mismatch));
        assert_eq!(plain, CodeChallenge::danger_plain(&verifier('p')));
        // A plain challenge must have verifier syntax.
        assert_eq!(
            CodeChallenge::danger_parse_allowing_plain("short", Some("plain")),
            Err(PkceError::InvalidLength { len: 5 })
        );
    }

    #[test]
    fn plain_challenge_is_redacted_in_debug() {
        let plain = CodeChallenge::danger_plain(&verifier('z'));
        assert!(!format!("{plain:?}").contains("zzz"));
        let s256 = CodeChallenge::s256(&verifier('z'));
        assert!(format!("{s256:?}").contains(s256.as_str()));
    }

    #[test]
    fn stored_form_round_trips_both_methods() {
        for challenge in [
            CodeChallenge::s256(&verifier('k')),
            CodeChallenge::danger_plain(&verifier('k')),
        ] {
            let json = serde_json::to_value(&challenge).unwrap();
            assert_eq!(json["code_challenge"], challenge.as_str());
            assert_eq!(json["code_challenge_method"], challenge.method().as_str());
            let back: CodeChallenge = serde_json::from_value(json).unwrap();
            assert_eq!(back, challenge);
        }
        let missing_method = serde_json::json!({"code_challenge": "p".repeat(43)});
        assert!(serde_json::from_value::<CodeChallenge>(missing_method).is_err());
    }
}

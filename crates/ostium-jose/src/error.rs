//! Errors: exact ones for the embedder, and an opaque view for the peer.
//!
//! Every fallible function returns one of the subsystem enums ([`KeyError`], [`JwsError`],
//! [`ClaimsError`]) or the [`Error`] that wraps them. Their `Display` says exactly which check
//! failed: that is for logs and for the embedder. A peer (the client that sent the token) must
//! not learn why a signature check failed, so [`Error::peer_error`] collapses everything into a
//! [`PeerError`] with a fixed, uninformative message.

use std::fmt;

use ostium_rand::RandomFailure;

use crate::algorithm::Algorithm;

/// A key could not be parsed, imported, generated or used (RFC 7517, RFC 7518 §6, RFC 8037).
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum KeyError {
    /// The JSON is not well formed, or a member has the wrong JSON type (serde_json's message).
    Json(String),
    /// A member name occurs twice in one object (also when one spelling is escaped).
    DuplicateMember(String),
    /// A member the key type requires is absent.
    MissingMember(&'static str),
    /// A member that must be base64url (RFC 7515 §2) is not strictly encoded.
    InvalidBase64(&'static str),
    /// A member's value is out of range, of the wrong length or otherwise unusable.
    InvalidMember(&'static str, &'static str),
    /// The `kty` is not `RSA`, `EC`, `OKP` or `oct`.
    UnsupportedKeyType(String),
    /// The curve is not P-256, P-384 (`EC`) or Ed25519 (`OKP`); ring 0.17 has no other.
    UnsupportedCurve(String),
    /// The key's `alg` is not a JWS algorithm of this crate (or is an encryption algorithm).
    UnsupportedAlgorithm(String),
    /// The key's `alg` (or the one asked for) does not fit its type or curve.
    AlgorithmMismatch {
        /// The algorithm that was asked for or declared.
        algorithm: Algorithm,
    },
    /// Private and public parts do not belong together, or ring rejected the key material.
    Rejected(&'static str),
    /// The RSA modulus is outside the 2048–8192 bit range ring verifies with (2048–4096 to sign).
    RsaKeySize(usize),
    /// The RSA modulus carries the ROCA fingerprint (CVE-2017-15361): its factors are weak.
    RocaVulnerable,
    /// A symmetric key is shorter than its algorithm's hash output (RFC 7518 §3.2).
    WeakSymmetricKey {
        /// The key length in bytes.
        len: usize,
        /// The minimum for the algorithm.
        min: usize,
    },
    /// `use` and `key_ops` disagree (RFC 7517 §4.3).
    InconsistentUsage,
    /// The key is not permitted for this operation by its `use` or `key_ops`.
    UsageNotPermitted,
    /// The operation needs a private key and this is a public key.
    NotPrivate,
    /// The DER (PKCS#8 or SPKI) is malformed or names an unsupported algorithm.
    Der(&'static str),
    /// The input exceeds a size or nesting limit.
    TooLarge(&'static str),
    /// A JWK Set mixes symmetric keys with asymmetric ones: a published set must never carry a
    /// secret, and a set that does is ambiguous (Wycheproof `MixedKeySet`).
    MixedKeySet,
    /// The random generator failed while generating a key.
    Random,
    /// The key type cannot be generated with ring (RSA).
    GenerationUnsupported(&'static str),
}

impl fmt::Display for KeyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            KeyError::Json(message) => write!(f, "malformed JWK JSON: {message}"),
            KeyError::DuplicateMember(name) => write!(f, "duplicate JWK member {name:?}"),
            KeyError::MissingMember(name) => write!(f, "missing JWK member {name:?}"),
            KeyError::InvalidBase64(name) => {
                write!(f, "JWK member {name:?} is not strict unpadded base64url")
            }
            KeyError::InvalidMember(name, why) => write!(f, "JWK member {name:?}: {why}"),
            KeyError::UnsupportedKeyType(kty) => write!(f, "unsupported key type {kty:?}"),
            KeyError::UnsupportedCurve(crv) => write!(f, "unsupported curve {crv:?}"),
            KeyError::UnsupportedAlgorithm(why) => write!(f, "unsupported key algorithm: {why}"),
            KeyError::AlgorithmMismatch { algorithm } => {
                write!(
                    f,
                    "algorithm {algorithm} does not fit this key's type or curve"
                )
            }
            KeyError::Rejected(why) => write!(f, "key rejected: {why}"),
            KeyError::RsaKeySize(bits) => write!(
                f,
                "RSA modulus of {bits} bits is outside the supported range (2048-8192 to verify, 2048-4096 to sign)"
            ),
            KeyError::RocaVulnerable => {
                f.write_str("RSA modulus has the ROCA fingerprint (CVE-2017-15361)")
            }
            KeyError::WeakSymmetricKey { len, min } => write!(
                f,
                "symmetric key of {len} bytes is shorter than the {min} bytes its algorithm requires"
            ),
            KeyError::InconsistentUsage => f.write_str("JWK \"use\" and \"key_ops\" disagree"),
            KeyError::UsageNotPermitted => {
                f.write_str("the key's \"use\"/\"key_ops\" do not permit this operation")
            }
            KeyError::NotPrivate => f.write_str("the operation needs a private key"),
            KeyError::Der(why) => write!(f, "malformed or unsupported DER key: {why}"),
            KeyError::TooLarge(what) => write!(f, "input exceeds the limit on {what}"),
            KeyError::MixedKeySet => {
                f.write_str("JWK Set mixes symmetric (oct) keys with asymmetric keys")
            }
            KeyError::Random => f.write_str("the random generator failed"),
            KeyError::GenerationUnsupported(why) => write!(f, "key generation unsupported: {why}"),
        }
    }
}

impl std::error::Error for KeyError {}

impl From<RandomFailure> for KeyError {
    fn from(_: RandomFailure) -> Self {
        KeyError::Random
    }
}

/// Which part of a JWS a problem is in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Part {
    /// The JWS Protected Header.
    Header,
    /// The JWS Payload.
    Payload,
    /// The JWS Signature.
    Signature,
    /// The JWS Unprotected Header (JSON serialization only).
    UnprotectedHeader,
}

impl fmt::Display for Part {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Part::Header => "protected header",
            Part::Payload => "payload",
            Part::Signature => "signature",
            Part::UnprotectedHeader => "unprotected header",
        })
    }
}

/// A `crit` problem (RFC 7515 §4.1.11).
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum CritError {
    /// `crit` is not an array of strings.
    NotAnArrayOfStrings,
    /// `crit` is the empty array.
    Empty,
    /// `crit` names an extension this crate does not understand (only `b64` is).
    Unknown(String),
    /// `crit` names a parameter defined by RFC 7515/7518 itself (e.g. `alg`).
    Registered(String),
    /// `crit` names a parameter that is absent from the header.
    Absent(String),
    /// `crit` names a parameter twice.
    Duplicate(String),
    /// `crit` (or an extension it names) sits in an unprotected header.
    Unprotected,
    /// `b64` is present but not listed in `crit` (RFC 7797 §6).
    B64NotCritical,
}

impl fmt::Display for CritError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CritError::NotAnArrayOfStrings => f.write_str("\"crit\" is not an array of strings"),
            CritError::Empty => f.write_str("\"crit\" is empty"),
            CritError::Unknown(name) => write!(f, "\"crit\" names unsupported extension {name:?}"),
            CritError::Registered(name) => {
                write!(f, "\"crit\" names registered parameter {name:?}")
            }
            CritError::Absent(name) => write!(f, "\"crit\" names absent parameter {name:?}"),
            CritError::Duplicate(name) => write!(f, "\"crit\" names {name:?} twice"),
            CritError::Unprotected => {
                f.write_str("\"crit\" or a critical parameter is unprotected")
            }
            CritError::B64NotCritical => {
                f.write_str("\"b64\" is present but not listed in \"crit\"")
            }
        }
    }
}

/// A JWS could not be parsed or verified (RFC 7515, RFC 7797, RFC 8725).
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum JwsError {
    /// The input exceeds a size or nesting limit (checked before any other parsing).
    TooLarge(&'static str),
    /// The compact form does not have exactly three parts, or the JSON form lacks a member.
    Malformed(&'static str),
    /// A part is not strict unpadded base64url (RFC 7515 §2).
    InvalidBase64(Part),
    /// A header is not well-formed JSON, is not an object, or a member has the wrong type.
    InvalidHeader(String),
    /// A member name occurs twice (also when one spelling is escaped, like `"\u0061lg"`).
    DuplicateMember(String),
    /// `alg` is `none` in some spelling: never accepted (RFC 8725 §3.1).
    UnsecuredAlgorithm,
    /// `alg` is not an algorithm of this crate.
    UnsupportedAlgorithm(String),
    /// `alg` is a supported algorithm that the verifier's allow-list does not contain.
    AlgorithmNotAllowed(Algorithm),
    /// `crit` is malformed or names something not understood.
    Critical(CritError),
    /// `b64: false` was used where it is not allowed (e.g. in a JWT), or a detached payload was
    /// missing or superfluous.
    UnencodedPayload(&'static str),
    /// No key in the key set matches the header (`kid`, algorithm, `use`, `key_ops`).
    NoMatchingKey,
    /// More than one key matches and the header does not say which (or a `kid` is duplicated).
    AmbiguousKey,
    /// The selected key is bound to another algorithm or is of the wrong type.
    KeyAlgorithmMismatch(Algorithm),
    /// The selected key's `use`/`key_ops` do not permit verification.
    KeyUsageNotPermitted,
    /// The signature or MAC does not verify.
    InvalidSignature,
    /// The embedded `jwk` header (DPoP) is missing, malformed or holds private material.
    EmbeddedKey(String),
    /// The JWS payload is not what the caller needs (e.g. not UTF-8 JSON for a JWT).
    InvalidPayload(String),
    /// Signing failed (a key problem).
    Key(KeyError),
}

impl fmt::Display for JwsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            JwsError::TooLarge(what) => write!(f, "JWS exceeds the limit on {what}"),
            JwsError::Malformed(why) => write!(f, "malformed JWS: {why}"),
            JwsError::InvalidBase64(part) => {
                write!(f, "JWS {part} is not strict unpadded base64url")
            }
            JwsError::InvalidHeader(why) => write!(f, "invalid JWS header: {why}"),
            JwsError::DuplicateMember(name) => write!(f, "duplicate member {name:?}"),
            JwsError::UnsecuredAlgorithm => f.write_str("alg \"none\" is never accepted"),
            JwsError::UnsupportedAlgorithm(why) => f.write_str(why),
            JwsError::AlgorithmNotAllowed(alg) => write!(f, "algorithm {alg} is not allowed"),
            JwsError::Critical(crit) => write!(f, "crit: {crit}"),
            JwsError::UnencodedPayload(why) => write!(f, "unencoded payload (b64): {why}"),
            JwsError::NoMatchingKey => f.write_str("no key matches the JWS header"),
            JwsError::AmbiguousKey => f.write_str("more than one key matches the JWS header"),
            JwsError::KeyAlgorithmMismatch(alg) => {
                write!(f, "the key is not bound to algorithm {alg}")
            }
            JwsError::KeyUsageNotPermitted => {
                f.write_str("the key's use/key_ops do not permit verification")
            }
            JwsError::InvalidSignature => f.write_str("signature verification failed"),
            JwsError::EmbeddedKey(why) => write!(f, "embedded jwk: {why}"),
            JwsError::InvalidPayload(why) => write!(f, "invalid JWS payload: {why}"),
            JwsError::Key(error) => write!(f, "key: {error}"),
        }
    }
}

impl std::error::Error for JwsError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            JwsError::Key(error) => Some(error),
            _ => None,
        }
    }
}

impl From<KeyError> for JwsError {
    fn from(error: KeyError) -> Self {
        JwsError::Key(error)
    }
}

impl From<CritError> for JwsError {
    fn from(error: CritError) -> Self {
        JwsError::Critical(error)
    }
}

/// The JWT claims are malformed or fail the validation policy (RFC 7519 §4.1, §7.2).
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ClaimsError {
    /// The payload is not a well-formed JSON object, or a claim has the wrong JSON type.
    Json(String),
    /// A claim name occurs twice (also when one spelling is escaped).
    DuplicateClaim(String),
    /// A registered claim has the wrong JSON type, e.g. `"exp": "999"`, `true`, `null` or `1.5`.
    InvalidType(&'static str),
    /// A time claim is outside the range of representable dates (years 1–9999 or so).
    OutOfRange(&'static str),
    /// A claim the policy requires is absent.
    Missing(&'static str),
    /// `exp` has passed (with leeway).
    Expired,
    /// `nbf` is in the future (with leeway).
    NotYetValid,
    /// `iat` is in the future (with leeway).
    IssuedInFuture,
    /// `iat` is older than the policy's maximum age.
    TooOld,
    /// `iss` is not one of the expected issuers.
    IssuerMismatch,
    /// `aud` holds none of the expected audiences.
    AudienceMismatch,
    /// The token has an `aud` but the policy expects none (RFC 7519 §4.1.3, RFC 8725 §3.9).
    UnexpectedAudience,
    /// `sub` is not the expected subject.
    SubjectMismatch,
    /// The header `typ` is absent or not the expected one (RFC 8725 §3.11).
    TypMismatch,
    /// A limit on the payload (size, nesting depth) was exceeded.
    TooLarge(&'static str),
}

impl fmt::Display for ClaimsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ClaimsError::Json(message) => write!(f, "malformed JWT claims: {message}"),
            ClaimsError::DuplicateClaim(name) => write!(f, "duplicate claim {name:?}"),
            ClaimsError::InvalidType(name) => write!(f, "claim {name:?} has the wrong JSON type"),
            ClaimsError::OutOfRange(name) => write!(f, "claim {name:?} is out of range"),
            ClaimsError::Missing(name) => write!(f, "required claim {name:?} is missing"),
            ClaimsError::Expired => f.write_str("the token has expired"),
            ClaimsError::NotYetValid => f.write_str("the token is not valid yet (nbf)"),
            ClaimsError::IssuedInFuture => f.write_str("the token was issued in the future (iat)"),
            ClaimsError::TooOld => f.write_str("the token is older than the maximum age"),
            ClaimsError::IssuerMismatch => f.write_str("unexpected issuer"),
            ClaimsError::AudienceMismatch => f.write_str("unexpected audience"),
            ClaimsError::UnexpectedAudience => {
                f.write_str("the token has an audience but none is expected")
            }
            ClaimsError::SubjectMismatch => f.write_str("unexpected subject"),
            ClaimsError::TypMismatch => f.write_str("unexpected or missing typ header"),
            ClaimsError::TooLarge(what) => write!(f, "claims exceed the limit on {what}"),
        }
    }
}

impl std::error::Error for ClaimsError {}

/// Any error of this crate: a key, JWS or claims problem.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Error {
    /// A key problem.
    Key(KeyError),
    /// A JWS parsing or verification problem.
    Jws(JwsError),
    /// A JWT claims or policy problem (only reported for tokens whose signature verified).
    Claims(ClaimsError),
}

impl Error {
    /// What may be told to the peer that presented the token: nothing about why a signature,
    /// key or algorithm check failed.
    pub fn peer_error(&self) -> PeerError {
        match self {
            Error::Jws(
                JwsError::TooLarge(_) | JwsError::Malformed(_) | JwsError::InvalidBase64(_),
            ) => PeerError::Malformed,
            Error::Claims(ClaimsError::Expired) => PeerError::Expired,
            Error::Claims(_) => PeerError::Rejected,
            Error::Jws(_) | Error::Key(_) => PeerError::Rejected,
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Key(error) => error.fmt(f),
            Error::Jws(error) => error.fmt(f),
            Error::Claims(error) => error.fmt(f),
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Error::Key(error) => Some(error),
            Error::Jws(error) => Some(error),
            Error::Claims(error) => Some(error),
        }
    }
}

impl From<KeyError> for Error {
    fn from(error: KeyError) -> Self {
        Error::Key(error)
    }
}

impl From<JwsError> for Error {
    fn from(error: JwsError) -> Self {
        Error::Jws(error)
    }
}

impl From<ClaimsError> for Error {
    fn from(error: ClaimsError) -> Self {
        Error::Claims(error)
    }
}

/// The opaque view of an [`Error`] for the peer (for example the `error_description` of an RFC
/// 6750 `invalid_token` response). It never says which signature, key or algorithm check failed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum PeerError {
    /// The token is not a well-formed JWS.
    Malformed,
    /// The token is well formed but was rejected.
    Rejected,
    /// The token's signature verified, but it has expired.
    Expired,
}

impl fmt::Display for PeerError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            PeerError::Malformed => "the token is malformed",
            PeerError::Rejected => "the token is invalid",
            PeerError::Expired => "the token has expired",
        })
    }
}

impl std::error::Error for PeerError {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn peer_errors_are_opaque_about_signatures_keys_and_algorithms() {
        let exact = [
            JwsError::InvalidSignature,
            JwsError::NoMatchingKey,
            JwsError::AmbiguousKey,
            JwsError::KeyAlgorithmMismatch(Algorithm::Rs256),
            JwsError::AlgorithmNotAllowed(Algorithm::Hs256),
            JwsError::UnsecuredAlgorithm,
        ];
        let peer: Vec<String> = exact
            .iter()
            .map(|e| Error::Jws(e.clone()).peer_error().to_string())
            .collect();
        assert!(peer.iter().all(|m| m == "the token is invalid"), "{peer:?}");
        // The embedder's messages, in contrast, all differ.
        let mut embedder: Vec<String> = exact.iter().map(ToString::to_string).collect();
        embedder.dedup();
        assert_eq!(embedder.len(), exact.len());
    }

    #[test]
    fn malformed_and_expired_are_distinguished_for_the_peer() {
        assert_eq!(
            Error::Jws(JwsError::Malformed("x")).peer_error(),
            PeerError::Malformed
        );
        assert_eq!(
            Error::Claims(ClaimsError::Expired).peer_error(),
            PeerError::Expired
        );
        assert_eq!(
            Error::Claims(ClaimsError::AudienceMismatch).peer_error(),
            PeerError::Rejected
        );
    }
}

//! Key metadata: `kid` (RFC 7517 §4.5), `use` (§4.2) and `key_ops` (§4.3).

use std::fmt;

use crate::error::KeyError;

/// The largest `kid` accepted, in bytes.
pub const MAX_KID_LEN: usize = 1024;

/// A key ID (RFC 7517 §4.5): 1 to [`MAX_KID_LEN`] bytes with no control characters.
///
/// A `kid` is only a hint for picking a key out of a pinned [`JwkSet`](crate::JwkSet), compared
/// byte for byte; it is never used as a path, URL or query. Control characters (including NUL,
/// CR and LF) are refused so that a `kid` can be logged safely.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Kid(Box<str>);

impl Kid {
    /// Validates `kid`.
    ///
    /// # Errors
    ///
    /// [`KeyError::InvalidMember`] when it is empty, longer than [`MAX_KID_LEN`] bytes or holds a
    /// control character; [`KeyError::TooLarge`] when it is longer than the limit.
    pub fn new(kid: &str) -> Result<Kid, KeyError> {
        check_kid(kid)?;
        Ok(Kid(kid.into()))
    }

    /// The key ID.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// The `kid` rules, for both JWKs and JWS headers.
pub(crate) fn check_kid(kid: &str) -> Result<(), KeyError> {
    if kid.is_empty() {
        return Err(KeyError::InvalidMember("kid", "must not be empty"));
    }
    if kid.len() > MAX_KID_LEN {
        return Err(KeyError::TooLarge("kid length"));
    }
    if kid.chars().any(char::is_control) {
        return Err(KeyError::InvalidMember(
            "kid",
            "must not contain control characters",
        ));
    }
    Ok(())
}

impl fmt::Debug for Kid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&*self.0, f)
    }
}

impl fmt::Display for Kid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl AsRef<str> for Kid {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl std::str::FromStr for Kid {
    type Err = KeyError;

    fn from_str(kid: &str) -> Result<Self, Self::Err> {
        Kid::new(kid)
    }
}

/// The intended use of a public key (RFC 7517 §4.2).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum KeyUse {
    /// `sig`: signatures (and, for this crate, MACs).
    Signature,
    /// `enc`: encryption. Such a key never verifies a JWS here.
    Encryption,
    /// Another registered or private value; never verifies a JWS here.
    Other(Box<str>),
}

impl KeyUse {
    pub(crate) fn parse(value: &str) -> KeyUse {
        match value {
            "sig" => KeyUse::Signature,
            "enc" => KeyUse::Encryption,
            other => KeyUse::Other(other.into()),
        }
    }

    /// The JSON value.
    pub fn as_str(&self) -> &str {
        match self {
            KeyUse::Signature => "sig",
            KeyUse::Encryption => "enc",
            KeyUse::Other(other) => other,
        }
    }
}

/// An operation a key is intended for (RFC 7517 §4.3).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum KeyOperation {
    /// `sign`: compute a digital signature or MAC.
    Sign,
    /// `verify`: verify a digital signature or MAC.
    Verify,
    /// `encrypt`.
    Encrypt,
    /// `decrypt`.
    Decrypt,
    /// `wrapKey`.
    WrapKey,
    /// `unwrapKey`.
    UnwrapKey,
    /// `deriveKey`.
    DeriveKey,
    /// `deriveBits`.
    DeriveBits,
    /// Another value.
    Other(Box<str>),
}

impl KeyOperation {
    pub(crate) fn parse(value: &str) -> KeyOperation {
        match value {
            "sign" => KeyOperation::Sign,
            "verify" => KeyOperation::Verify,
            "encrypt" => KeyOperation::Encrypt,
            "decrypt" => KeyOperation::Decrypt,
            "wrapKey" => KeyOperation::WrapKey,
            "unwrapKey" => KeyOperation::UnwrapKey,
            "deriveKey" => KeyOperation::DeriveKey,
            "deriveBits" => KeyOperation::DeriveBits,
            other => KeyOperation::Other(other.into()),
        }
    }

    /// The JSON value.
    pub fn as_str(&self) -> &str {
        match self {
            KeyOperation::Sign => "sign",
            KeyOperation::Verify => "verify",
            KeyOperation::Encrypt => "encrypt",
            KeyOperation::Decrypt => "decrypt",
            KeyOperation::WrapKey => "wrapKey",
            KeyOperation::UnwrapKey => "unwrapKey",
            KeyOperation::DeriveKey => "deriveKey",
            KeyOperation::DeriveBits => "deriveBits",
            KeyOperation::Other(other) => other,
        }
    }

    /// Whether the operation belongs to signing/verification (`use: sig`).
    pub(crate) fn is_signature(&self) -> bool {
        matches!(self, KeyOperation::Sign | KeyOperation::Verify)
    }

    /// Whether the operation belongs to encryption (`use: enc`).
    pub(crate) fn is_encryption(&self) -> bool {
        matches!(
            self,
            KeyOperation::Encrypt
                | KeyOperation::Decrypt
                | KeyOperation::WrapKey
                | KeyOperation::UnwrapKey
                | KeyOperation::DeriveKey
                | KeyOperation::DeriveBits
        )
    }
}

/// Checks `key_ops` has no duplicates (RFC 7517 §4.3) and agrees with `use` when both are given.
pub(crate) fn check_usage(
    key_use: Option<&KeyUse>,
    key_ops: Option<&[KeyOperation]>,
) -> Result<(), KeyError> {
    let Some(ops) = key_ops else {
        return Ok(());
    };
    for (i, op) in ops.iter().enumerate() {
        if ops.get(..i).unwrap_or(&[]).contains(op) {
            return Err(KeyError::InvalidMember("key_ops", "duplicate operation"));
        }
    }
    match key_use {
        Some(KeyUse::Signature) if !ops.iter().all(KeyOperation::is_signature) => {
            Err(KeyError::InconsistentUsage)
        }
        Some(KeyUse::Encryption) if !ops.iter().all(KeyOperation::is_encryption) => {
            Err(KeyError::InconsistentUsage)
        }
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kid_rules() {
        assert!(Kid::new("2011-04-29").is_ok());
        assert!(
            Kid::new("../../etc/passwd").is_ok(),
            "a kid is opaque text, not a path"
        );
        assert!(Kid::new("").is_err());
        assert!(Kid::new("a\0b").is_err());
        assert!(Kid::new("a\r\nb").is_err());
        assert!(Kid::new(&"k".repeat(MAX_KID_LEN)).is_ok());
        assert_eq!(
            Kid::new(&"k".repeat(4097)),
            Err(KeyError::TooLarge("kid length"))
        );
    }

    #[test]
    fn usage_consistency() {
        let sig = KeyUse::Signature;
        assert!(check_usage(Some(&sig), Some(&[KeyOperation::Verify])).is_ok());
        assert_eq!(
            check_usage(Some(&sig), Some(&[KeyOperation::Encrypt])),
            Err(KeyError::InconsistentUsage)
        );
        assert!(check_usage(None, Some(&[KeyOperation::Verify, KeyOperation::Verify])).is_err());
        assert!(check_usage(Some(&KeyUse::Encryption), Some(&[KeyOperation::WrapKey])).is_ok());
    }

    #[test]
    fn names_round_trip() {
        for name in [
            "sign",
            "verify",
            "encrypt",
            "decrypt",
            "wrapKey",
            "unwrapKey",
            "deriveKey",
            "deriveBits",
            "x",
        ] {
            assert_eq!(KeyOperation::parse(name).as_str(), name);
        }
        for name in ["sig", "enc", "other"] {
            assert_eq!(KeyUse::parse(name).as_str(), name);
        }
    }
}

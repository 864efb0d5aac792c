//! What can go wrong with PKCE values.

use std::fmt;

/// A PKCE value was malformed, not allowed, or did not match.
///
/// At the token endpoint every variant maps to `invalid_grant` (RFC 7636 §4.6); at the
/// authorization endpoint a malformed or disallowed challenge maps to `invalid_request`
/// (RFC 7636 §4.4.1). The variants say which rule failed, for the embedder's logs; none of them
/// carries the secret verifier.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum PkceError {
    /// A verifier or `plain` challenge shorter than 43 or longer than 128 characters (RFC 7636 §4.1).
    InvalidLength {
        /// The number of characters received.
        len: usize,
    },
    /// A character outside `[A-Za-z0-9-._~]` (RFC 7636 §4.1), at this byte offset.
    InvalidCharacter {
        /// Byte offset of the first offending character.
        at: usize,
    },
    /// An `S256` challenge that is not exactly 43 characters of canonical, unpadded base64url
    /// (RFC 7636 §4.2: `BASE64URL-ENCODE(SHA256(ASCII(code_verifier)))`).
    MalformedS256Challenge,
    /// A `code_challenge_method` other than `S256` or `plain` (RFC 7636 §4.3, §4.4.1).
    UnsupportedMethod(String),
    /// The `plain` method (explicit, or by default when the method is omitted, RFC 7636 §4.3)
    /// where only `S256` is allowed (RFC 9700 §2.1.1).
    PlainNotAllowed,
    /// The authorization request carried a challenge but the token request no verifier
    /// (RFC 7636 §4.6).
    MissingVerifier,
    /// The token request carried a verifier for a code issued without a challenge: a PKCE
    /// downgrade attempt (RFC 9700 §2.1.1, §4.8.2).
    UnexpectedVerifier,
    /// The verifier does not match the challenge (RFC 7636 §4.6).
    Mismatch,
}

impl fmt::Display for PkceError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::InvalidLength { len } => {
                write!(
                    f,
                    "PKCE value has {len} characters; RFC 7636 requires 43 to 128"
                )
            }
            Self::InvalidCharacter { at } => {
                write!(
                    f,
                    "PKCE value has a character outside [A-Za-z0-9-._~] at byte {at}"
                )
            }
            Self::MalformedS256Challenge => {
                f.write_str("S256 code_challenge is not 43 characters of canonical base64url")
            }
            Self::UnsupportedMethod(method) => {
                write!(f, "unsupported code_challenge_method {method:?}; use S256")
            }
            Self::PlainNotAllowed => {
                f.write_str("code_challenge_method plain is not allowed; use S256")
            }
            Self::MissingVerifier => f.write_str("code_verifier is required for this code"),
            Self::UnexpectedVerifier => {
                f.write_str("code_verifier sent for a code issued without code_challenge")
            }
            Self::Mismatch => f.write_str("code_verifier does not match code_challenge"),
        }
    }
}

impl std::error::Error for PkceError {}

//! The engine's own errors: configuration mistakes and misuse of the step API. Faults of the peer
//! are not errors here: they become RFC-shaped responses.

use std::fmt;

/// A configuration the engine refuses to run with.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ConfigError {
    /// The active signing key is symmetric or has no private part.
    ActiveKeyNotPrivate,
    /// A published key has no `kid` (clients select keys by `kid` after a rotation).
    MissingKid,
    /// Two published keys share a `kid` (RFC 7517 §4.5; checklist item 50).
    DuplicateKid,
    /// A key cannot be used as configured (the key library's message).
    Key(String),
    /// The issuer must be an `https` URL without query or fragment (RFC 8414 §2).
    Issuer,
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::ActiveKeyNotPrivate => {
                f.write_str("the active signing key must be a private asymmetric key")
            }
            Self::MissingKid => f.write_str("every published signing key needs a kid"),
            Self::DuplicateKid => f.write_str("two published signing keys share a kid"),
            Self::Key(message) => write!(f, "signing key unusable: {message}"),
            Self::Issuer => {
                f.write_str("the issuer must be an https URL without query or fragment")
            }
        }
    }
}

impl std::error::Error for ConfigError {}

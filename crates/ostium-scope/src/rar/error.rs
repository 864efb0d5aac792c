//! Why an `authorization_details` value is refused (RFC 9396 §5: `invalid_authorization_details`).

use std::fmt;

/// Why an `authorization_details` array is refused. The wire error is always
/// `invalid_authorization_details` (RFC 9396 §5).
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum RarError {
    /// The input is longer than [`RarLimits::max_bytes`](crate::RarLimits::max_bytes).
    TooLarge {
        /// Length of the input in bytes.
        len: usize,
        /// The limit.
        max: usize,
    },
    /// The input is not JSON; `message` says where and why.
    InvalidJson {
        /// The JSON parser's message, with line and column.
        message: String,
    },
    /// Arrays and objects nest deeper than [`RarLimits::max_depth`](crate::RarLimits::max_depth).
    TooDeep {
        /// The limit.
        max: usize,
    },
    /// The array has more entries than [`RarLimits::max_entries`](crate::RarLimits::max_entries).
    TooManyEntries {
        /// The limit.
        max: usize,
    },
    /// An object has the member `name` twice; which one counts would depend on the parser, so neither
    /// does (RFC 8259 §4, RFC 7493 §2.3).
    DuplicateMember {
        /// The repeated member name.
        name: String,
    },
    /// The value is not a JSON array (RFC 9396 §2).
    NotAnArray,
    /// The entry at position `entry` is malformed.
    Entry {
        /// Position of the entry in the array.
        entry: usize,
        /// What is wrong with it.
        error: EntryError,
    },
}

impl RarError {
    /// The OAuth error code: always `invalid_authorization_details` (RFC 9396 §5).
    #[must_use]
    pub const fn error_code(&self) -> &'static str {
        "invalid_authorization_details"
    }
}

impl fmt::Display for RarError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::TooLarge { len, max } => write!(
                f,
                "authorization_details is {len} bytes long; at most {max} are accepted"
            ),
            Self::InvalidJson { message } => {
                write!(f, "authorization_details is not valid JSON: {message}")
            }
            Self::TooDeep { max } => write!(
                f,
                "authorization_details nests arrays and objects deeper than {max} levels"
            ),
            Self::TooManyEntries { max } => {
                write!(f, "authorization_details has more than {max} entries")
            }
            Self::DuplicateMember { name } => write!(
                f,
                "authorization_details has an object with the member {name:?} twice"
            ),
            Self::NotAnArray => f.write_str("authorization_details must be a JSON array"),
            Self::Entry { entry, error } => {
                write!(f, "authorization_details entry {entry}: {error}")
            }
        }
    }
}

impl std::error::Error for RarError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Self::Entry { error, .. } => Some(error),
            _ => None,
        }
    }
}

/// What is wrong with one authorization details entry (RFC 9396 §2).
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum EntryError {
    /// The entry is not a JSON object.
    NotAnObject,
    /// The entry has no `type` (it is REQUIRED, RFC 9396 §2).
    MissingType,
    /// The `type` is the empty string.
    EmptyType,
    /// A common field has the wrong JSON type (RFC 9396 §2.2).
    WrongType {
        /// The field.
        field: &'static str,
        /// What it must be.
        expected: &'static str,
    },
    /// An extension field would take the name of a common field.
    ReservedName {
        /// The name.
        name: String,
    },
}

impl fmt::Display for EntryError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::NotAnObject => f.write_str("an entry must be a JSON object"),
            Self::MissingType => f.write_str("the member \"type\" is required"),
            Self::EmptyType => f.write_str("\"type\" must not be empty"),
            Self::WrongType { field, expected } => write!(f, "{field:?} must be {expected}"),
            Self::ReservedName { name } => write!(
                f,
                "{name:?} is a common field of RFC 9396 §2.2, not an extension field"
            ),
        }
    }
}

impl std::error::Error for EntryError {}

#[cfg(test)]
mod tests {
    use super::*;
    use std::error::Error;

    #[test]
    fn every_error_is_invalid_authorization_details() {
        for e in [
            RarError::NotAnArray,
            RarError::TooDeep { max: 1 },
            RarError::Entry {
                entry: 0,
                error: EntryError::MissingType,
            },
        ] {
            assert_eq!(e.error_code(), "invalid_authorization_details");
        }
    }

    #[test]
    fn messages_name_the_entry_and_field() {
        let e = RarError::Entry {
            entry: 3,
            error: EntryError::WrongType {
                field: "actions",
                expected: "an array of strings",
            },
        };
        assert_eq!(
            e.to_string(),
            "authorization_details entry 3: \"actions\" must be an array of strings"
        );
        assert!(e.source().is_some());
        assert!(RarError::NotAnArray.source().is_none());
    }
}

//! Strict parsing of scope strings (RFC 6749 §3.3) and the error every scope parser returns.

use std::fmt;

use crate::set::Scope;
use crate::token::{ScopeToken, ScopeTokenError};

/// The longest part of an offending token that an error message quotes.
const QUOTED_TOKEN_CHARS: usize = 64;

/// Parses `scope = scope-token *( SP scope-token )`.
pub(crate) fn strict(input: &str) -> Result<Scope, ScopeParseError> {
    if input.is_empty() {
        return Err(ScopeParseError::Empty);
    }
    let mut tokens = Vec::new();
    let mut offset = 0;
    for (index, piece) in input.split(' ').enumerate() {
        tokens.push(token_at(piece, index, offset)?);
        offset += piece.len() + 1;
    }
    Ok(Scope::from_vec(tokens))
}

/// Parses `piece`, the token at position `index` that starts at byte `offset` of the input.
pub(crate) fn token_at(
    piece: &str,
    index: usize,
    offset: usize,
) -> Result<ScopeToken, ScopeParseError> {
    ScopeToken::new(piece).map_err(|error| match error {
        ScopeTokenError::Empty => ScopeParseError::EmptyToken { index, offset },
        ScopeTokenError::ForbiddenCharacter {
            offset: within,
            character,
        } => ScopeParseError::ForbiddenCharacter {
            token: piece.to_owned(),
            index,
            offset: offset + within,
            character,
        },
    })
}

/// Why a string (or JSON value) is not a scope (RFC 6749 §3.3).
///
/// Positions count from zero: `index` is the position of the token among the space-separated pieces,
/// `offset` a byte offset into the input string. Error messages quote at most the first 64 characters
/// of a token, escaped; they are meant for logs and for the embedder, not to be echoed verbatim in an
/// `error_description`.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ScopeParseError {
    /// The input is the empty string. The strict grammar has at least one token; an empty `scope`
    /// parameter counts as omitted (RFC 6749 §3.1), which the message layer decides before parsing.
    Empty,
    /// The token at `index`, starting at byte `offset`, is empty: the input starts or ends with a space,
    /// or has two spaces in a row (the strict grammar separates tokens by exactly one space).
    EmptyToken {
        /// Position of the empty token among the pieces.
        index: usize,
        /// Byte offset where the empty token starts.
        offset: usize,
    },
    /// `token`, at position `index`, contains `character` at byte `offset` of the input, and that
    /// character is not an `NQCHAR` (printable ASCII except space, `"` and `\`).
    ForbiddenCharacter {
        /// The offending token, whole.
        token: String,
        /// Position of the token among the pieces.
        index: usize,
        /// Byte offset of the character in the input.
        offset: usize,
        /// The character.
        character: char,
    },
    /// Lenient JSON input that is neither a string nor an array of strings.
    NotAStringOrArray,
    /// An element of a lenient JSON array is not a string.
    ElementNotAString {
        /// Position of the element in the array.
        element: usize,
    },
    /// An element of a lenient JSON array is a string that does not parse; `error` says why, with
    /// positions relative to that element.
    InElement {
        /// Position of the element in the array.
        element: usize,
        /// What is wrong with the element.
        error: Box<ScopeParseError>,
    },
}

impl fmt::Display for ScopeParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Empty => f.write_str("the scope string is empty; omit the parameter instead"),
            Self::EmptyToken { index, offset } => write!(
                f,
                "scope token {index} (at byte {offset}) is empty: tokens are separated by exactly one \
                 space, with none leading or trailing"
            ),
            Self::ForbiddenCharacter {
                token,
                index,
                offset,
                character,
            } => {
                let quoted: String = token.chars().take(QUOTED_TOKEN_CHARS).collect();
                let ellipsis = if quoted.len() < token.len() {
                    "…"
                } else {
                    ""
                };
                write!(
                    f,
                    "scope token {index} ({quoted:?}{ellipsis}) contains the forbidden character \
                     {character:?} at byte {offset}: only printable ASCII except space, '\"' and '\\' \
                     is allowed"
                )
            }
            Self::NotAStringOrArray => {
                f.write_str("a scope must be a string or a JSON array of strings")
            }
            Self::ElementNotAString { element } => {
                write!(f, "element {element} of the scope array is not a string")
            }
            Self::InElement { element, error } => {
                write!(f, "element {element} of the scope array: {error}")
            }
        }
    }
}

impl std::error::Error for ScopeParseError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Self::InElement { error, .. } => Some(error.as_ref()),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn single_spaces_separate_tokens() {
        let scope = strict("openid profile email").unwrap();
        assert_eq!(scope.len(), 3);
        assert!(scope.contains("profile"));
    }

    #[test]
    fn empty_input_is_an_error() {
        assert_eq!(strict(""), Err(ScopeParseError::Empty));
    }

    #[test]
    fn leading_trailing_and_double_spaces_name_the_empty_token() {
        assert_eq!(
            strict(" a"),
            Err(ScopeParseError::EmptyToken {
                index: 0,
                offset: 0
            })
        );
        assert_eq!(
            strict("a "),
            Err(ScopeParseError::EmptyToken {
                index: 1,
                offset: 2
            })
        );
        assert_eq!(
            strict("ab  c"),
            Err(ScopeParseError::EmptyToken {
                index: 1,
                offset: 3
            })
        );
        assert_eq!(
            strict(" "),
            Err(ScopeParseError::EmptyToken {
                index: 0,
                offset: 0
            })
        );
    }

    #[test]
    fn forbidden_character_names_token_position_and_character() {
        assert_eq!(
            strict("openid pro\tfile email"),
            Err(ScopeParseError::ForbiddenCharacter {
                token: "pro\tfile".into(),
                index: 1,
                offset: 10,
                character: '\t',
            })
        );
        assert_eq!(
            strict("a caf\u{e9}"),
            Err(ScopeParseError::ForbiddenCharacter {
                token: "caf\u{e9}".into(),
                index: 1,
                offset: 5,
                character: '\u{e9}',
            })
        );
    }

    #[test]
    fn the_first_error_in_input_order_is_reported() {
        assert_eq!(
            strict("a\"  b"),
            Err(ScopeParseError::ForbiddenCharacter {
                token: "a\"".into(),
                index: 0,
                offset: 1,
                character: '"',
            })
        );
    }

    #[test]
    fn display_quotes_and_truncates_the_token() {
        let long = format!("{}\"", "x".repeat(100));
        let message = strict(&long).unwrap_err().to_string();
        assert!(message.contains(&"x".repeat(64)), "{message}");
        assert!(!message.contains(&"x".repeat(65)), "{message}");
        assert!(message.contains('…'), "{message}");
        let short = strict("a\\b").unwrap_err().to_string();
        assert!(short.contains("\"a\\\\b\""), "{short}");
        assert!(!short.contains('…'), "{short}");
    }

    #[test]
    fn element_errors_chain_their_source() {
        use std::error::Error;
        let err = ScopeParseError::InElement {
            element: 2,
            error: Box::new(ScopeParseError::Empty),
        };
        assert!(err.to_string().starts_with("element 2"));
        assert!(err.source().is_some());
        assert!(ScopeParseError::Empty.source().is_none());
    }
}

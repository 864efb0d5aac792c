//! A single scope token, valid by construction (RFC 6749 §3.3).

use std::borrow::Borrow;
use std::cmp::Ordering;
use std::fmt;
use std::hash::{Hash, Hasher};
use std::str::FromStr;
use std::sync::Arc;

/// Whether `byte` is an `NQCHAR` of RFC 6749 Appendix A: `%x21 / %x23-5B / %x5D-7E`, that is, printable
/// ASCII except space, `"` and `\`.
#[must_use]
pub const fn is_nqchar(byte: u8) -> bool {
    matches!(byte, 0x21 | 0x23..=0x5B | 0x5D..=0x7E)
}

/// One scope token: `scope-token = 1*NQCHAR` (RFC 6749 §3.3, Appendix A.4).
///
/// A value of this type is never empty and contains only printable ASCII other than space, `"` and
/// `\`. Tokens are case-sensitive and compare byte for byte; their order (`Ord`) is byte order, which
/// is the order in which a [`Scope`](crate::Scope) serializes them.
///
/// ```
/// use ostium_scope::ScopeToken;
///
/// let token: ScopeToken = "files:read".parse()?;
/// assert_eq!(token.as_str(), "files:read");
/// assert!(ScopeToken::new("two words").is_err());
/// # Ok::<(), ostium_scope::ScopeTokenError>(())
/// ```
///
/// Cloning is cheap: a token holds either a `&'static str` (literals, and the scopes OpenID Connect
/// defines, which parsing recognizes) or a shared `Arc<str>`, so the scopes copied from a request into
/// a grant, its tokens and its responses share one allocation per token.
#[derive(Clone)]
pub struct ScopeToken(Repr);

#[derive(Clone)]
enum Repr {
    Static(&'static str),
    Shared(Arc<str>),
}

/// Tokens parsing maps to a static string instead of allocating: those of OIDC Core §5.4 and §11.
const WELL_KNOWN: [&str; 6] = [
    "openid",
    "profile",
    "email",
    "address",
    "phone",
    "offline_access",
];

impl ScopeToken {
    /// Parses one scope token (RFC 6749 §3.3).
    ///
    /// # Errors
    ///
    /// [`ScopeTokenError::Empty`] for the empty string, [`ScopeTokenError::ForbiddenCharacter`] for the
    /// first character that is not an `NQCHAR` (space, `"`, `\`, a control character or anything
    /// outside ASCII).
    pub fn new(token: impl AsRef<str>) -> Result<Self, ScopeTokenError> {
        let token = token.as_ref();
        check(token)?;
        Ok(Self::from_checked_str(token))
    }

    /// A token from a string literal, checked at compile time when used in a `const`.
    ///
    /// ```
    /// use ostium_scope::ScopeToken;
    ///
    /// const FILES_READ: ScopeToken = ScopeToken::from_static("files:read");
    /// assert_eq!(FILES_READ.as_str(), "files:read");
    /// ```
    ///
    /// # Panics
    ///
    /// If `token` is not a valid scope token. In a `const` item this is a compile error, which is
    /// what this constructor is for; use [`ScopeToken::new`] for anything that is not a literal.
    #[must_use]
    pub const fn from_static(token: &'static str) -> Self {
        let bytes = token.as_bytes();
        assert!(!bytes.is_empty(), "a scope token is never empty");
        let mut i = 0;
        while i < bytes.len() {
            // Indexing is bounded by the loop condition; a const fn has no iterators.
            #[allow(clippy::indexing_slicing)]
            let byte = bytes[i];
            assert!(
                is_nqchar(byte),
                "a scope token holds only NQCHAR: printable ASCII except space, '\"' and '\\'"
            );
            i += 1;
        }
        Self(Repr::Static(token))
    }

    /// A token from text the caller has already established to be `1*NQCHAR`.
    pub(crate) fn from_checked_str(token: &str) -> Self {
        debug_assert!(check(token).is_ok(), "not a scope token: {token:?}");
        match WELL_KNOWN.iter().find(|known| **known == token) {
            Some(known) => Self(Repr::Static(known)),
            None => Self(Repr::Shared(Arc::from(token))),
        }
    }

    /// The token as a string slice.
    #[must_use]
    pub fn as_str(&self) -> &str {
        match &self.0 {
            Repr::Static(token) => token,
            Repr::Shared(token) => token,
        }
    }

    /// The token as an owned string.
    #[must_use]
    pub fn into_string(self) -> String {
        self.as_str().to_owned()
    }
}

/// Checks `token` against `1*NQCHAR`.
pub(crate) fn check(token: &str) -> Result<(), ScopeTokenError> {
    if token.is_empty() {
        return Err(ScopeTokenError::Empty);
    }
    match token.bytes().position(|byte| !is_nqchar(byte)) {
        None => Ok(()),
        Some(offset) => Err(ScopeTokenError::ForbiddenCharacter {
            offset,
            character: char_at(token, offset),
        }),
    }
}

/// The character that starts at byte `offset` of `text` (U+FFFD if `offset` is not a boundary,
/// which the callers never pass).
pub(crate) fn char_at(text: &str, offset: usize) -> char {
    text.get(offset..)
        .and_then(|rest| rest.chars().next())
        .unwrap_or(char::REPLACEMENT_CHARACTER)
}

impl fmt::Debug for ScopeToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("ScopeToken").field(&self.as_str()).finish()
    }
}

impl fmt::Display for ScopeToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for ScopeToken {
    type Err = ScopeTokenError;

    fn from_str(token: &str) -> Result<Self, Self::Err> {
        Self::new(token)
    }
}

impl TryFrom<String> for ScopeToken {
    type Error = ScopeTokenError;

    fn try_from(token: String) -> Result<Self, Self::Error> {
        Self::new(token)
    }
}

impl TryFrom<&str> for ScopeToken {
    type Error = ScopeTokenError;

    fn try_from(token: &str) -> Result<Self, Self::Error> {
        Self::new(token)
    }
}

impl From<ScopeToken> for String {
    fn from(token: ScopeToken) -> Self {
        token.into_string()
    }
}

impl AsRef<str> for ScopeToken {
    fn as_ref(&self) -> &str {
        self.as_str()
    }
}

// `Eq`, `Ord` and `Hash` of `ScopeToken` are those of the string it holds, as `Borrow` requires; this
// lets a `Scope` be queried with a plain `&str`.
impl PartialEq for ScopeToken {
    fn eq(&self, other: &Self) -> bool {
        self.as_str() == other.as_str()
    }
}

impl Eq for ScopeToken {}

impl PartialOrd for ScopeToken {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for ScopeToken {
    fn cmp(&self, other: &Self) -> Ordering {
        self.as_str().cmp(other.as_str())
    }
}

impl Hash for ScopeToken {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.as_str().hash(state);
    }
}

impl Borrow<str> for ScopeToken {
    fn borrow(&self) -> &str {
        self.as_str()
    }
}

impl PartialEq<str> for ScopeToken {
    fn eq(&self, other: &str) -> bool {
        self.as_str() == other
    }
}

impl PartialEq<&str> for ScopeToken {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

impl serde::Serialize for ScopeToken {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl<'de> serde::Deserialize<'de> for ScopeToken {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let token = std::borrow::Cow::<'de, str>::deserialize(deserializer)?;
        Self::new(token).map_err(serde::de::Error::custom)
    }
}

/// Why a string is not a [`ScopeToken`] (RFC 6749 §3.3).
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ScopeTokenError {
    /// The string is empty; a token has at least one character.
    Empty,
    /// The character at byte `offset` is not an `NQCHAR` (it is a space, `"`, `\`, a control character
    /// or not ASCII).
    ForbiddenCharacter {
        /// Byte offset of the character in the token.
        offset: usize,
        /// The character itself.
        character: char,
    },
}

impl fmt::Display for ScopeTokenError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Empty => f.write_str("a scope token must not be empty"),
            Self::ForbiddenCharacter { offset, character } => write!(
                f,
                "a scope token must not contain {character:?} (byte offset {offset}): only printable \
                 ASCII except space, '\"' and '\\' is allowed"
            ),
        }
    }
}

impl std::error::Error for ScopeTokenError {}

#[cfg(test)]
mod tests {
    use super::*;

    /// Static, well-known and shared tokens with the same text are the same token: equal, in the
    /// same order position and with the same hash, as `Borrow<str>` requires.
    #[test]
    fn representation_does_not_change_identity() {
        use std::collections::hash_map::DefaultHasher;
        let hash = |token: &ScopeToken| {
            let mut hasher = DefaultHasher::new();
            token.hash(&mut hasher);
            hasher.finish()
        };
        let str_hash = |text: &str| {
            let mut hasher = DefaultHasher::new();
            text.hash(&mut hasher);
            hasher.finish()
        };
        for text in ["openid", "files:read"] {
            let literal = ScopeToken::from_static(if text == "openid" {
                "openid"
            } else {
                "files:read"
            });
            let parsed = ScopeToken::new(text).unwrap();
            let owned = ScopeToken::try_from(text.to_owned()).unwrap();
            assert_eq!(literal, parsed);
            assert_eq!(parsed, owned);
            assert_eq!(literal.cmp(&owned), Ordering::Equal);
            assert_eq!(hash(&literal), hash(&owned));
            assert_eq!(hash(&parsed), str_hash(text));
            assert_eq!(parsed.clone().into_string(), text);
        }
        assert!(matches!(
            ScopeToken::new("openid").unwrap().0,
            Repr::Static(_)
        ));
        assert!(matches!(
            ScopeToken::new("read").unwrap().0,
            Repr::Shared(_)
        ));
        assert!(ScopeToken::new("a").unwrap() < ScopeToken::new("openid").unwrap());
        assert!(ScopeToken::new("openid").unwrap() < ScopeToken::new("z").unwrap());
    }

    #[test]
    fn nqchar_is_exactly_the_rfc_ranges() {
        let allowed: Vec<u8> = (0..=255u8).filter(|&b| is_nqchar(b)).collect();
        let expected: Vec<u8> = (0x21..=0x7Eu8)
            .filter(|&b| b != b'"' && b != b'\\')
            .collect();
        assert_eq!(allowed, expected);
    }

    #[test]
    fn every_allowed_character_forms_a_token() {
        let all: String = (0x21..=0x7Eu8)
            .filter(|&b| b != b'"' && b != b'\\')
            .map(char::from)
            .collect();
        assert_eq!(ScopeToken::new(all.clone()).unwrap().as_str(), all);
    }

    #[test]
    fn empty_is_rejected() {
        assert_eq!(ScopeToken::new(""), Err(ScopeTokenError::Empty));
    }

    #[test]
    fn forbidden_characters_are_named_with_their_offset() {
        for (input, offset, character) in [
            ("a b", 1, ' '),
            ("\"quoted\"", 0, '"'),
            ("back\\slash", 4, '\\'),
            ("tab\t", 3, '\t'),
            ("del\u{7f}", 3, '\u{7f}'),
            ("caf\u{e9}", 3, '\u{e9}'),
            ("nul\0", 3, '\0'),
        ] {
            assert_eq!(
                ScopeToken::new(input),
                Err(ScopeTokenError::ForbiddenCharacter { offset, character }),
                "{input:?}"
            );
        }
    }

    #[test]
    fn from_static_accepts_literals() {
        const T: ScopeToken = ScopeToken::from_static("openid");
        assert_eq!(T, ScopeToken::new("openid").unwrap());
    }

    #[test]
    #[should_panic(expected = "NQCHAR")]
    fn from_static_refuses_a_bad_literal_at_run_time() {
        let _ = ScopeToken::from_static("a b");
    }

    #[test]
    fn borrowed_and_owned_tokens_are_equal_and_hash_alike() {
        use std::collections::hash_map::DefaultHasher;
        use std::hash::{Hash, Hasher};
        let hash = |t: &ScopeToken| {
            let mut h = DefaultHasher::new();
            t.hash(&mut h);
            h.finish()
        };
        let a = ScopeToken::from_static("email");
        let b = ScopeToken::new(String::from("email")).unwrap();
        assert_eq!(a, b);
        assert_eq!(hash(&a), hash(&b));
    }

    #[test]
    fn serde_is_the_plain_string_and_strict() {
        let t: ScopeToken = serde_json::from_str("\"profile\"").unwrap();
        assert_eq!(serde_json::to_string(&t).unwrap(), "\"profile\"");
        assert!(serde_json::from_str::<ScopeToken>("\"pro file\"").is_err());
        assert!(serde_json::from_str::<ScopeToken>("\"\"").is_err());
    }

    #[test]
    fn error_messages_name_the_character() {
        let err = ScopeToken::new("a\"b").unwrap_err();
        assert!(err.to_string().contains("'\"'"), "{err}");
    }
}

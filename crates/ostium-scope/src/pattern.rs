//! Declarations of resource-scoped scopes: a fixed prefix followed by a [`ResourcePath`].

use std::borrow::Cow;
use std::fmt;

use crate::path::{PathError, ResourcePath};
use crate::set::Scope;
use crate::token::{ScopeToken, char_at, is_nqchar};

/// A server's declaration of a family of resource-scoped scopes: the tokens `prefix` + a
/// [`ResourcePath`], such as `files:write:/diagrams` for the prefix `files:write:`.
///
/// A token belongs to the pattern when its part before the **first** `/` is exactly the prefix, so a
/// token belongs to at most one pattern of a [`ScopeCatalog`](crate::ScopeCatalog) and
/// `files:read:/diagrams` never belongs to `files:write:`. The prefix is one or more `NQCHAR`s
/// without `/`.
///
/// A granted token `prefix + g` covers the need `prefix + n` when `g` covers `n` on segment boundaries
/// (see [`ResourcePath`] for the rules): the grant `files:write:/diagrams` covers
/// `/diagrams/2026/plan.svg` and `/diagrams`, never `/diagrams-old/x`, `/diagrams/../secrets` or
/// anything of another prefix. A granted token whose path is malformed covers nothing.
///
/// ```
/// use ostium_scope::{ResourcePath, Scope, ScopePattern};
///
/// const FILES_WRITE: ScopePattern = ScopePattern::from_static("files:write:");
///
/// let granted: Scope = "files:write:/diagrams files:read:/".parse()?;
/// let may_write = |path: &str| -> Result<bool, ostium_scope::PathError> {
///     Ok(FILES_WRITE.covers(&granted, &ResourcePath::parse_request_path(path)?))
/// };
/// assert!(may_write("/diagrams/2026/plan.svg")?);
/// assert!(may_write("/diagrams/")?);
/// assert!(!may_write("/diagrams-old/x")?);
/// assert!(may_write("/diagrams/../secrets").is_err());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ScopePattern {
    prefix: Cow<'static, str>,
}

impl ScopePattern {
    /// Declares the pattern `prefix` + path.
    ///
    /// # Errors
    ///
    /// [`PatternError::Empty`] for an empty prefix, [`PatternError::ForbiddenCharacter`] for a `/` or a
    /// character that is not an `NQCHAR`.
    pub fn new(prefix: impl Into<String>) -> Result<Self, PatternError> {
        let prefix = prefix.into();
        if prefix.is_empty() {
            return Err(PatternError::Empty);
        }
        if let Some(offset) = prefix.bytes().position(|b| b == b'/' || !is_nqchar(b)) {
            return Err(PatternError::ForbiddenCharacter {
                offset,
                character: char_at(&prefix, offset),
            });
        }
        Ok(Self {
            prefix: Cow::Owned(prefix),
        })
    }

    /// A pattern from a string literal, checked at compile time when used in a `const`.
    ///
    /// # Panics
    ///
    /// If `prefix` is empty or holds a `/` or a character that is not an `NQCHAR`; in a `const` item
    /// this is a compile error.
    #[must_use]
    pub const fn from_static(prefix: &'static str) -> Self {
        let bytes = prefix.as_bytes();
        assert!(!bytes.is_empty(), "a scope pattern prefix is never empty");
        let mut i = 0;
        while i < bytes.len() {
            // Indexing is bounded by the loop condition; a const fn has no iterators.
            #[allow(clippy::indexing_slicing)]
            let byte = bytes[i];
            assert!(
                byte != b'/' && is_nqchar(byte),
                "a scope pattern prefix holds only NQCHAR other than '/'"
            );
            i += 1;
        }
        Self {
            prefix: Cow::Borrowed(prefix),
        }
    }

    /// The prefix, such as `files:write:`.
    #[must_use]
    pub fn prefix(&self) -> &str {
        &self.prefix
    }

    /// Whether `token` belongs to this pattern (its part before the first `/` is the prefix), whether
    /// or not its path is well-formed.
    #[must_use]
    pub fn claims(&self, token: &str) -> bool {
        self.raw_path(token).is_some()
    }

    /// The path of `token`: `None` if the token does not belong to this pattern, otherwise the parsed
    /// path or why it is malformed. A grant's path has no trailing slash.
    pub fn path_of(&self, token: &str) -> Option<Result<ResourcePath, PathError>> {
        self.raw_path(token).map(ResourcePath::parse)
    }

    fn raw_path<'t>(&self, token: &'t str) -> Option<&'t str> {
        token
            .strip_prefix(self.prefix())
            .filter(|path| path.starts_with('/'))
    }

    /// The token `prefix + path`.
    #[must_use]
    pub fn token(&self, path: &ResourcePath) -> ScopeToken {
        // The prefix and every character a `ResourcePath` may hold are NQCHARs, and neither is empty.
        ScopeToken::from_checked_str(&format!("{}{}", self.prefix(), path.as_str()))
    }

    /// The well-formed paths `granted` holds for this pattern.
    pub fn granted_paths<'a>(
        &'a self,
        granted: &'a Scope,
    ) -> impl Iterator<Item = ResourcePath> + 'a {
        granted
            .iter()
            .filter_map(|token| self.path_of(token.as_str()))
            .filter_map(Result::ok)
    }

    /// Whether `granted` holds a token of this pattern whose path covers `needed`.
    #[must_use]
    pub fn covers(&self, granted: &Scope, needed: &ResourcePath) -> bool {
        self.granted_paths(granted).any(|path| path.covers(needed))
    }
}

impl fmt::Debug for ScopePattern {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ScopePattern({:?} + path)", self.prefix())
    }
}

/// Why a string is not a [`ScopePattern`] prefix.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum PatternError {
    /// The prefix is empty.
    Empty,
    /// The prefix holds `/` (which starts the path) or a character that is not an `NQCHAR`.
    ForbiddenCharacter {
        /// Byte offset of the character.
        offset: usize,
        /// The character.
        character: char,
    },
}

impl fmt::Display for PatternError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Empty => f.write_str("a scope pattern prefix must not be empty"),
            Self::ForbiddenCharacter { offset, character } => write!(
                f,
                "a scope pattern prefix must not contain {character:?} (byte {offset}): only \
                 printable ASCII except space, '\"', '\\' and '/'"
            ),
        }
    }
}

impl std::error::Error for PatternError {}

#[cfg(test)]
mod tests {
    use super::*;

    const FILES_WRITE: ScopePattern = ScopePattern::from_static("files:write:");

    fn scope(s: &str) -> Scope {
        Scope::parse(s).unwrap()
    }

    fn path(s: &str) -> ResourcePath {
        ResourcePath::parse(s).unwrap()
    }

    #[test]
    fn prefixes_are_checked() {
        assert_eq!(ScopePattern::new(""), Err(PatternError::Empty));
        assert_eq!(
            ScopePattern::new("files/write:"),
            Err(PatternError::ForbiddenCharacter {
                offset: 5,
                character: '/'
            })
        );
        assert_eq!(
            ScopePattern::new("a b"),
            Err(PatternError::ForbiddenCharacter {
                offset: 1,
                character: ' '
            })
        );
        assert_eq!(ScopePattern::new("files:write:").unwrap(), FILES_WRITE);
    }

    #[test]
    #[should_panic(expected = "prefix")]
    fn from_static_refuses_a_slash() {
        let _ = ScopePattern::from_static("a/");
    }

    #[test]
    fn membership_is_decided_by_the_part_before_the_first_slash() {
        assert!(FILES_WRITE.claims("files:write:/x"));
        assert!(FILES_WRITE.claims("files:write:/"));
        assert!(FILES_WRITE.claims("files:write://bad"));
        assert!(!FILES_WRITE.claims("files:write:"));
        assert!(!FILES_WRITE.claims("files:write:x/y"));
        assert!(!FILES_WRITE.claims("files:read:/x"));
        assert!(!FILES_WRITE.claims("xfiles:write:/x"));
        assert_eq!(FILES_WRITE.path_of("files:write:/x"), Some(Ok(path("/x"))));
        assert_eq!(
            FILES_WRITE.path_of("files:write:/x/"),
            Some(Err(PathError::TrailingSlash { offset: 2 }))
        );
        assert_eq!(FILES_WRITE.path_of("files:read:/x"), None);
    }

    #[test]
    fn token_joins_prefix_and_path() {
        assert_eq!(
            FILES_WRITE.token(&path("/diagrams")).as_str(),
            "files:write:/diagrams"
        );
    }

    #[test]
    fn covers_needs_a_well_formed_grant_of_the_same_prefix() {
        let granted = scope("files:write:/diagrams files:read:/secrets files:write:/a/../b");
        assert!(FILES_WRITE.covers(&granted, &path("/diagrams/x")));
        assert!(FILES_WRITE.covers(&granted, &path("/diagrams")));
        assert!(!FILES_WRITE.covers(&granted, &path("/secrets")));
        // The malformed grant covers nothing, not even its own literal text.
        assert!(!FILES_WRITE.covers(&granted, &path("/b")));
        assert!(!FILES_WRITE.covers(&granted, &path("/a")));
        assert_eq!(FILES_WRITE.granted_paths(&granted).count(), 1);
    }

    #[test]
    fn root_grant_covers_every_path() {
        let granted = scope("files:write:/");
        assert!(FILES_WRITE.covers(&granted, &path("/")));
        assert!(FILES_WRITE.covers(&granted, &path("/any/thing")));
    }

    #[test]
    fn debug_names_the_prefix() {
        assert_eq!(
            format!("{FILES_WRITE:?}"),
            "ScopePattern(\"files:write:\" + path)"
        );
    }
}

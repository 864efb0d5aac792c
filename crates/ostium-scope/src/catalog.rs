//! The scopes a server knows: plain tokens and resource-scoped patterns.

use std::collections::BTreeMap;
use std::fmt;

use crate::path::{PathError, ResourcePath};
use crate::pattern::ScopePattern;
use crate::set::Scope;
use crate::token::ScopeToken;

/// The scopes a server declares: plain tokens (`openid`, `files:list`) and resource-scoped
/// [`ScopePattern`]s (`files:write:` + path).
///
/// The engine uses it to decide whether a requested token is *known* ([`ScopeCatalog::recognize`])
/// and whether a grant *covers* a token ([`ScopeCatalog::covers`]); the resource server uses
/// [`ScopePattern::covers`] or [`ScopeCatalog::covers`] to authorize a request.
///
/// A token whose part before the first `/` is the prefix of a declared pattern is always read as a
/// resource-scoped token of that pattern, even if the same text is also declared as a plain token.
///
/// ```
/// use ostium_scope::{Recognized, Scope, ScopeCatalog, ScopePattern, ScopeToken};
///
/// let catalog = ScopeCatalog::new()
///     .with_scope(ScopeToken::from_static("files:list"))
///     .with_pattern(ScopePattern::from_static("files:write:"));
///
/// let token = |s: &str| ScopeToken::new(s).unwrap();
/// assert!(catalog.is_known(&token("files:list")));
/// assert!(catalog.is_known(&token("files:write:/diagrams")));
/// assert!(!catalog.is_known(&token("files:write:/diagrams/../secrets")));
/// assert!(!catalog.is_known(&token("files:delete:/diagrams")));
///
/// let granted: Scope = "files:list files:write:/diagrams".parse()?;
/// assert!(catalog.covers(&granted, &token("files:write:/diagrams/2026/plan.svg")));
/// assert!(!catalog.covers(&granted, &token("files:write:/diagrams-old")));
/// # Ok::<(), ostium_scope::ScopeParseError>(())
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ScopeCatalog {
    scopes: Scope,
    patterns: BTreeMap<String, ScopePattern>,
}

impl ScopeCatalog {
    /// A catalog that knows nothing.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// Declares a plain token.
    #[must_use]
    pub fn with_scope(mut self, token: ScopeToken) -> Self {
        self.scopes.insert(token);
        self
    }

    /// Declares every token of `scope` as a plain token.
    #[must_use]
    pub fn with_scopes(mut self, scope: &Scope) -> Self {
        self.scopes.extend(scope.iter().cloned());
        self
    }

    /// Declares a resource-scoped pattern (replacing one with the same prefix).
    #[must_use]
    pub fn with_pattern(mut self, pattern: ScopePattern) -> Self {
        self.patterns.insert(pattern.prefix().to_owned(), pattern);
        self
    }

    /// The declared plain tokens.
    #[must_use]
    pub fn scopes(&self) -> &Scope {
        &self.scopes
    }

    /// The declared patterns, by prefix.
    pub fn patterns(&self) -> impl Iterator<Item = &ScopePattern> {
        self.patterns.values()
    }

    /// The declared pattern `token` belongs to, if any (whether or not its path is well-formed).
    #[must_use]
    pub fn pattern_of(&self, token: &str) -> Option<&ScopePattern> {
        let (prefix, _) = token.split_once('/')?;
        self.patterns.get(prefix)
    }

    /// What `token` is to this server: a declared plain token, or a well-formed token of a declared
    /// pattern (with its path). This is the "unknown scope" check of the engine (RFC 6749 §3.3,
    /// `invalid_scope`).
    ///
    /// # Errors
    ///
    /// [`UnknownScope::MalformedPath`] if the token belongs to a declared pattern but its path breaks a
    /// rule of [`ResourcePath`] (a grant has no trailing slash); [`UnknownScope::NotDeclared`] if it is
    /// neither a declared plain token nor of a declared pattern.
    pub fn recognize(&self, token: &ScopeToken) -> Result<Recognized<'_>, UnknownScope> {
        if let Some(pattern) = self.pattern_of(token.as_str()) {
            return match pattern.path_of(token.as_str()) {
                Some(Ok(path)) => Ok(Recognized::Resource { pattern, path }),
                Some(Err(error)) => Err(UnknownScope::MalformedPath {
                    token: token.clone(),
                    error,
                }),
                // `pattern_of` found the prefix before the first '/', so the pattern claims the token.
                None => Err(UnknownScope::NotDeclared {
                    token: token.clone(),
                }),
            };
        }
        if self.scopes.contains(token.as_str()) {
            Ok(Recognized::Declared)
        } else {
            Err(UnknownScope::NotDeclared {
                token: token.clone(),
            })
        }
    }

    /// Whether [`ScopeCatalog::recognize`] succeeds.
    #[must_use]
    pub fn is_known(&self, token: &ScopeToken) -> bool {
        self.recognize(token).is_ok()
    }

    /// Whether `granted` covers `needed`.
    ///
    /// - A token of a declared pattern is covered when `needed` has a well-formed path and `granted`
    ///   holds a well-formed token of the **same** pattern whose path covers it on segment boundaries
    ///   ([`ResourcePath::covers`]). Literal equality is not enough: a malformed path covers nothing.
    /// - Any other token is covered when `granted` contains it.
    #[must_use]
    pub fn covers(&self, granted: &Scope, needed: &ScopeToken) -> bool {
        match self.pattern_of(needed.as_str()) {
            Some(pattern) => match pattern.path_of(needed.as_str()) {
                Some(Ok(path)) => pattern.covers(granted, &path),
                _ => false,
            },
            None => granted.contains(needed.as_str()),
        }
    }

    /// Whether `granted` covers every token of `needed`.
    #[must_use]
    pub fn covers_all(&self, granted: &Scope, needed: &Scope) -> bool {
        needed.iter().all(|token| self.covers(granted, token))
    }
}

/// A token a [`ScopeCatalog`] knows.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Recognized<'a> {
    /// A declared plain token.
    Declared,
    /// A well-formed token of a declared pattern.
    Resource {
        /// The pattern.
        pattern: &'a ScopePattern,
        /// The token's path.
        path: ResourcePath,
    },
}

/// Why a [`ScopeCatalog`] does not know a token (the engine answers `invalid_scope`, RFC 6749 §3.3).
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum UnknownScope {
    /// The token is neither declared nor of a declared pattern.
    NotDeclared {
        /// The token.
        token: ScopeToken,
    },
    /// The token is of a declared pattern, but its path is malformed.
    MalformedPath {
        /// The token.
        token: ScopeToken,
        /// What is wrong with the path (offsets relative to the path).
        error: PathError,
    },
}

impl UnknownScope {
    /// The token that is not known.
    #[must_use]
    pub fn token(&self) -> &ScopeToken {
        match self {
            Self::NotDeclared { token } | Self::MalformedPath { token, .. } => token,
        }
    }
}

impl fmt::Display for UnknownScope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::NotDeclared { token } => write!(f, "unknown scope {:?}", token.as_str()),
            Self::MalformedPath { token, error } => {
                write!(f, "malformed resource scope {:?}: {error}", token.as_str())
            }
        }
    }
}

impl std::error::Error for UnknownScope {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Self::MalformedPath { error, .. } => Some(error),
            Self::NotDeclared { .. } => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn token(s: &str) -> ScopeToken {
        ScopeToken::new(s).unwrap()
    }

    fn scope(s: &str) -> Scope {
        Scope::parse(s).unwrap()
    }

    fn catalog() -> ScopeCatalog {
        ScopeCatalog::new()
            .with_scopes(&scope("openid profile"))
            .with_pattern(ScopePattern::from_static("files:write:"))
            .with_pattern(ScopePattern::from_static("files:read:"))
    }

    #[test]
    fn recognizes_plain_and_resource_tokens() {
        let c = catalog();
        assert_eq!(c.recognize(&token("openid")), Ok(Recognized::Declared));
        match c.recognize(&token("files:write:/a/b")).unwrap() {
            Recognized::Resource { pattern, path } => {
                assert_eq!(pattern.prefix(), "files:write:");
                assert_eq!(path.as_str(), "/a/b");
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(
            c.recognize(&token("email")),
            Err(UnknownScope::NotDeclared {
                token: token("email")
            })
        );
        assert_eq!(
            c.recognize(&token("files:write:/a/")),
            Err(UnknownScope::MalformedPath {
                token: token("files:write:/a/"),
                error: PathError::TrailingSlash { offset: 2 },
            })
        );
        assert!(!c.is_known(&token("files:write:")));
        assert!(!c.is_known(&token("files:delete:/a")));
    }

    #[test]
    fn patterns_take_precedence_over_plain_declarations() {
        let c = catalog().with_scope(token("files:write:/a/../b"));
        assert!(!c.is_known(&token("files:write:/a/../b")));
        assert!(!c.covers(&scope("files:write:/a/../b"), &token("files:write:/a/../b")));
    }

    #[test]
    fn covers_plain_by_membership_and_resources_by_path() {
        let c = catalog();
        let granted = scope("openid files:write:/diagrams files:read:/");
        assert!(c.covers(&granted, &token("openid")));
        assert!(!c.covers(&granted, &token("profile")));
        assert!(c.covers(&granted, &token("files:write:/diagrams/x")));
        assert!(!c.covers(&granted, &token("files:write:/diagrams-old")));
        assert!(c.covers(&granted, &token("files:read:/anything")));
        assert!(!c.covers(&granted, &token("files:write:/")));
        assert!(c.covers_all(
            &granted,
            &scope("openid files:read:/x files:write:/diagrams")
        ));
        assert!(!c.covers_all(&granted, &scope("openid profile")));
        assert!(c.covers_all(&granted, &Scope::new()));
    }

    #[test]
    fn undeclared_prefixes_are_plain_tokens() {
        let c = catalog();
        let granted = scope("https://api.example.com/read");
        assert!(c.covers(&granted, &token("https://api.example.com/read")));
        assert!(!c.covers(&granted, &token("https://api.example.com/read/more")));
    }

    #[test]
    fn unknown_scope_reports_its_token_and_source() {
        use std::error::Error;
        let err = catalog().recognize(&token("files:read:/%2F")).unwrap_err();
        assert_eq!(err.token().as_str(), "files:read:/%2F");
        assert!(err.source().is_some());
        assert!(err.to_string().contains("malformed resource scope"));
        let err = catalog().recognize(&token("nope")).unwrap_err();
        assert_eq!(err.to_string(), "unknown scope \"nope\"");
        assert!(err.source().is_none());
    }

    #[test]
    fn accessors() {
        let c = catalog();
        assert_eq!(c.scopes(), &scope("openid profile"));
        assert_eq!(c.patterns().count(), 2);
        assert_eq!(
            c.pattern_of("files:read:/x").map(ScopePattern::prefix),
            Some("files:read:")
        );
        assert!(c.pattern_of("openid").is_none());
    }
}

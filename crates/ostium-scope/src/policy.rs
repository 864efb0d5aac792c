//! Deciding the granted scope: authorization and token requests (RFC 6749 §3.3) and refresh
//! (RFC 6749 §6).

use std::fmt;

use crate::catalog::{ScopeCatalog, UnknownScope};
use crate::set::Scope;
use crate::token::ScopeToken;

/// What to do with a requested token that fails a check.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ScopeHandling {
    /// Fail the request with `invalid_scope`.
    #[default]
    Reject,
    /// Leave the token out of the grant ("the authorization server MAY fully or partially ignore the
    /// scope requested by the client", RFC 6749 §3.3); the response then carries the granted scope.
    Ignore,
}

/// What to do when no token remains to be granted.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum EmptyGrant {
    /// Fail the request with `invalid_scope`.
    #[default]
    Reject,
    /// Grant the empty scope (for example `client_credentials` for a client with no scopes).
    Allow,
}

/// The scopes a client is registered with.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ClientScope {
    allowed: Scope,
    default: Scope,
}

impl ClientScope {
    /// A client that may be granted what `allowed` covers (by [`ScopeCatalog::covers`], so an allowed
    /// `files:write:/` lets it request any `files:write:` path) and has no default scope.
    #[must_use]
    pub fn new(allowed: Scope) -> Self {
        Self {
            allowed,
            default: Scope::new(),
        }
    }

    /// The scope used when a request omits `scope` (RFC 6749 §3.3). It is checked like a request.
    #[must_use]
    pub fn with_default(mut self, default: Scope) -> Self {
        self.default = default;
        self
    }

    /// What the client may be granted.
    #[must_use]
    pub fn allowed(&self) -> &Scope {
        &self.allowed
    }

    /// The default scope.
    #[must_use]
    pub fn default_scope(&self) -> &Scope {
        &self.default
    }
}

/// How the authorization server turns a requested scope into a granted one (RFC 6749 §3.3, §6).
///
/// For each requested token, in this order:
///
/// 1. **unknown** to the [`ScopeCatalog`] (not declared, or a resource-scoped token with a malformed
///    path) → [`ScopePolicy::unknown`] decides: reject (`invalid_scope`) or ignore;
/// 2. **not allowed** for the client (not covered by [`ClientScope::allowed`]) →
///    [`ScopePolicy::disallowed`] decides;
/// 3. otherwise granted.
///
/// If nothing remains, [`ScopePolicy::empty_grant`] decides. A request that omits `scope` uses the
/// client's default scope, checked the same way; without a default it is an empty grant.
///
/// The default policy rejects unknown tokens, ignores disallowed ones (the grant is the
/// intersection of the request and what the client may have) and rejects an empty grant.
/// [`ScopePolicy::oidc`] ignores unknown tokens, as OpenID Connect asks ("scope values used that are
/// not understood by an implementation SHOULD be ignored", OIDC Core §3.1.2.1).
///
/// ```
/// use ostium_scope::{ClientScope, Scope, ScopeCatalog, ScopePolicy};
///
/// let catalog = ScopeCatalog::new().with_scopes(&"openid profile email".parse()?);
/// let client = ClientScope::new("openid profile".parse()?).with_default("openid".parse()?);
/// let policy = ScopePolicy::default();
///
/// // Requested ∩ allowed; the response must say what was granted because it differs.
/// let requested: Scope = "profile openid email".parse()?;
/// let granted = policy.grant(&catalog, &client, Some(&requested))?;
/// assert_eq!(granted.scope(), &"openid profile".parse()?);
/// assert_eq!(granted.scope_for_response(), Some(granted.scope()));
///
/// // Omitted scope: the client's default, which the response must name.
/// let granted = policy.grant(&catalog, &client, None)?;
/// assert_eq!(granted.scope_for_response(), Some(&"openid".parse()?));
///
/// // Unknown scope: invalid_scope.
/// let err = policy.grant(&catalog, &client, Some(&"openid admin".parse()?)).unwrap_err();
/// assert_eq!(err.error_code(), "invalid_scope");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct ScopePolicy {
    unknown: ScopeHandling,
    disallowed: ScopeHandling,
    empty_grant: EmptyGrant,
}

impl Default for ScopePolicy {
    /// Same as [`ScopePolicy::new`].
    fn default() -> Self {
        Self::new()
    }
}

impl ScopePolicy {
    /// Rejects unknown tokens, ignores tokens the client may not have, rejects an empty grant.
    #[must_use]
    pub const fn new() -> Self {
        Self {
            unknown: ScopeHandling::Reject,
            disallowed: ScopeHandling::Ignore,
            empty_grant: EmptyGrant::Reject,
        }
    }

    /// Ignores unknown tokens (OIDC Core §3.1.2.1) and tokens the client may not have; rejects an
    /// empty grant.
    #[must_use]
    pub const fn oidc() -> Self {
        Self::new().with_unknown(ScopeHandling::Ignore)
    }

    /// Sets what happens to unknown tokens.
    #[must_use]
    pub const fn with_unknown(mut self, handling: ScopeHandling) -> Self {
        self.unknown = handling;
        self
    }

    /// Sets what happens to tokens the client may not have.
    #[must_use]
    pub const fn with_disallowed(mut self, handling: ScopeHandling) -> Self {
        self.disallowed = handling;
        self
    }

    /// Sets what happens when nothing remains.
    #[must_use]
    pub const fn with_empty_grant(mut self, empty: EmptyGrant) -> Self {
        self.empty_grant = empty;
        self
    }

    /// What happens to unknown tokens.
    #[must_use]
    pub const fn unknown(&self) -> ScopeHandling {
        self.unknown
    }

    /// What happens to tokens the client may not have.
    #[must_use]
    pub const fn disallowed(&self) -> ScopeHandling {
        self.disallowed
    }

    /// What happens when nothing remains.
    #[must_use]
    pub const fn empty_grant(&self) -> EmptyGrant {
        self.empty_grant
    }

    /// The scope to grant for an authorization or token request (RFC 6749 §3.3). `requested` is
    /// `None` when the request omits `scope` (an empty `scope` parameter counts as omitted,
    /// RFC 6749 §3.1).
    ///
    /// # Errors
    ///
    /// [`InvalidScope`] (wire code `invalid_scope`) as the policy says: an unknown or disallowed token
    /// the policy rejects, an omitted scope without a default, or nothing left to grant.
    pub fn grant(
        &self,
        catalog: &ScopeCatalog,
        client: &ClientScope,
        requested: Option<&Scope>,
    ) -> Result<GrantedScope, InvalidScope> {
        let wanted = requested.unwrap_or(&client.default);
        let scope = self.filter(catalog, &client.allowed, wanted)?;
        if scope.is_empty() && self.empty_grant == EmptyGrant::Reject {
            return Err(match requested {
                None if client.default.is_empty() => InvalidScope::NoDefault,
                _ => InvalidScope::NothingGranted,
            });
        }
        Ok(GrantedScope::new(requested, scope))
    }

    /// The scopes for a refresh request (RFC 6749 §6): `original` is the scope of the refresh token,
    /// `requested` the request's `scope` (`None` if omitted).
    ///
    /// - A requested token not covered by `original` ([`ScopeCatalog::covers`], so a path grant may be
    ///   narrowed) is always rejected: "MUST NOT include any scope not originally granted".
    /// - Omitted means the original scope.
    /// - The result is then checked against the catalog and the client's **current** allowed scope
    ///   as in [`ScopePolicy::grant`], so a scope withdrawn from the client since is not minted again.
    /// - The new refresh token keeps `original` (RFC 6749 §6; RFC 9700 §4.14.2), even when the access
    ///   token is narrower.
    ///
    /// # Errors
    ///
    /// [`InvalidScope::NotOriginallyGranted`]; otherwise as [`ScopePolicy::grant`].
    pub fn refresh<'o>(
        &self,
        catalog: &ScopeCatalog,
        client: &ClientScope,
        original: &'o Scope,
        requested: Option<&Scope>,
    ) -> Result<RefreshedScope<'o>, InvalidScope> {
        if let Some(requested) = requested
            && let Some(token) = requested
                .iter()
                .find(|token| !catalog.covers(original, token))
        {
            return Err(InvalidScope::NotOriginallyGranted {
                token: token.clone(),
            });
        }
        let wanted = requested.unwrap_or(original);
        let scope = self.filter(catalog, &client.allowed, wanted)?;
        if scope.is_empty() && self.empty_grant == EmptyGrant::Reject {
            return Err(InvalidScope::NothingGranted);
        }
        Ok(RefreshedScope {
            access_token: GrantedScope::new(Some(wanted), scope),
            refresh_token: original,
        })
    }

    fn filter(
        &self,
        catalog: &ScopeCatalog,
        allowed: &Scope,
        wanted: &Scope,
    ) -> Result<Scope, InvalidScope> {
        // Most grants keep every wanted token: then the result shares `wanted`'s tokens, and a
        // list is started only at the first token dropped.
        let mut kept: Option<Vec<ScopeToken>> = None;
        for (index, token) in wanted.iter().enumerate() {
            let keep = match catalog.recognize(token) {
                Err(unknown) if self.unknown == ScopeHandling::Reject => {
                    return Err(InvalidScope::Unknown(unknown));
                }
                Err(_) => false,
                Ok(_) if catalog.covers(allowed, token) => true,
                Ok(_) if self.disallowed == ScopeHandling::Reject => {
                    return Err(InvalidScope::NotAllowed {
                        token: token.clone(),
                    });
                }
                Ok(_) => false,
            };
            match (&mut kept, keep) {
                (Some(kept), true) => kept.push(token.clone()),
                (Some(_), false) | (None, true) => {}
                (None, false) => kept = Some(wanted.iter().take(index).cloned().collect()),
            }
        }
        Ok(kept.map_or_else(|| wanted.clone(), Scope::from_iter))
    }
}

/// A granted scope and whether the response must carry it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GrantedScope {
    scope: Scope,
    differs_from_request: bool,
}

impl GrantedScope {
    /// Records that `scope` was granted for `requested` (`None`: the request omitted `scope`). Use it
    /// when the engine narrows a grant further, for example to what the user consented to.
    #[must_use]
    pub fn new(requested: Option<&Scope>, scope: Scope) -> Self {
        let differs_from_request = requested != Some(&scope);
        Self {
            scope,
            differs_from_request,
        }
    }

    /// The granted scope.
    #[must_use]
    pub fn scope(&self) -> &Scope {
        &self.scope
    }

    /// The granted scope, owned.
    #[must_use]
    pub fn into_scope(self) -> Scope {
        self.scope
    }

    /// Whether the granted scope differs from the request, as sets (order and duplicates do not
    /// count). An omitted request differs from any grant: the client cannot know the default.
    #[must_use]
    pub fn differs_from_request(&self) -> bool {
        self.differs_from_request
    }

    /// The `scope` the token response must carry: `Some` exactly when it differs from the request
    /// ("OPTIONAL, if identical to the scope requested by the client; otherwise, REQUIRED",
    /// RFC 6749 §5.1, §3.3). Including it always is also correct.
    #[must_use]
    pub fn scope_for_response(&self) -> Option<&Scope> {
        self.differs_from_request.then_some(&self.scope)
    }
}

/// The outcome of a refresh request (RFC 6749 §6), borrowing the original scope it keeps for the
/// refresh token.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RefreshedScope<'o> {
    access_token: GrantedScope,
    refresh_token: &'o Scope,
}

impl RefreshedScope<'_> {
    /// The scope of the new access token, and whether the response must carry it. An omitted request
    /// counts as a request for the original scope.
    #[must_use]
    pub fn access_token(&self) -> &GrantedScope {
        &self.access_token
    }

    /// [`access_token`](Self::access_token), owned.
    #[must_use]
    pub fn into_access_token(self) -> GrantedScope {
        self.access_token
    }

    /// The scope of the new refresh token: the original one, never the narrowed access-token scope
    /// ("the refresh token scope MUST be identical to that of the refresh token included by the
    /// client in the request", RFC 6749 §6).
    #[must_use]
    pub fn refresh_token(&self) -> &Scope {
        self.refresh_token
    }
}

/// A scope request the authorization server refuses: wire error `invalid_scope` (RFC 6749 §4.1.2.1,
/// §5.2).
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum InvalidScope {
    /// A requested token is unknown to the server.
    Unknown(UnknownScope),
    /// A requested token is known but the client may not have it.
    NotAllowed {
        /// The token.
        token: ScopeToken,
    },
    /// The request omitted `scope` and the client has no default scope.
    NoDefault,
    /// Nothing is left to grant.
    NothingGranted,
    /// A refresh request asks for a token the refresh token was not granted.
    NotOriginallyGranted {
        /// The token.
        token: ScopeToken,
    },
}

impl InvalidScope {
    /// The OAuth error code: always `invalid_scope`.
    #[must_use]
    pub const fn error_code(&self) -> &'static str {
        "invalid_scope"
    }
}

impl fmt::Display for InvalidScope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Unknown(unknown) => unknown.fmt(f),
            Self::NotAllowed { token } => {
                write!(f, "the client may not request scope {:?}", token.as_str())
            }
            Self::NoDefault => f.write_str("no scope was requested and the client has no default"),
            Self::NothingGranted => f.write_str("no requested scope can be granted"),
            Self::NotOriginallyGranted { token } => write!(
                f,
                "scope {:?} was not granted to the refresh token",
                token.as_str()
            ),
        }
    }
}

impl std::error::Error for InvalidScope {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Self::Unknown(unknown) => Some(unknown),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pattern::ScopePattern;

    fn scope(s: &str) -> Scope {
        Scope::parse(s).unwrap()
    }

    fn token(s: &str) -> ScopeToken {
        ScopeToken::new(s).unwrap()
    }

    fn catalog() -> ScopeCatalog {
        ScopeCatalog::new()
            .with_scopes(&scope("a b c d"))
            .with_pattern(ScopePattern::from_static("files:write:"))
    }

    fn client() -> ClientScope {
        ClientScope::new(scope("a b c files:write:/diagrams")).with_default(scope("a"))
    }

    #[test]
    fn defaults() {
        let p = ScopePolicy::default();
        assert_eq!(p, ScopePolicy::new());
        assert_eq!(p.unknown(), ScopeHandling::Reject);
        assert_eq!(p.disallowed(), ScopeHandling::Ignore);
        assert_eq!(p.empty_grant(), EmptyGrant::Reject);
        assert_eq!(ScopePolicy::oidc().unknown(), ScopeHandling::Ignore);
    }

    #[test]
    fn identical_grant_need_not_be_returned() {
        let g = ScopePolicy::new()
            .grant(&catalog(), &client(), Some(&scope("b a")))
            .unwrap();
        assert_eq!(g.scope(), &scope("a b"));
        assert!(!g.differs_from_request());
        assert_eq!(g.scope_for_response(), None);
    }

    #[test]
    fn disallowed_tokens_are_dropped_or_rejected() {
        let g = ScopePolicy::new()
            .grant(&catalog(), &client(), Some(&scope("a d")))
            .unwrap();
        assert_eq!(g.scope(), &scope("a"));
        assert_eq!(g.scope_for_response(), Some(&scope("a")));
        let strict = ScopePolicy::new().with_disallowed(ScopeHandling::Reject);
        assert_eq!(
            strict.grant(&catalog(), &client(), Some(&scope("a d"))),
            Err(InvalidScope::NotAllowed { token: token("d") })
        );
    }

    #[test]
    fn unknown_tokens_are_rejected_or_ignored() {
        let err = ScopePolicy::new()
            .grant(&catalog(), &client(), Some(&scope("a zz")))
            .unwrap_err();
        assert_eq!(err.error_code(), "invalid_scope");
        assert!(matches!(&err, InvalidScope::Unknown(u) if u.token().as_str() == "zz"));
        let g = ScopePolicy::oidc()
            .grant(&catalog(), &client(), Some(&scope("a zz")))
            .unwrap();
        assert_eq!(g.scope(), &scope("a"));
        assert!(g.differs_from_request());
    }

    #[test]
    fn empty_grants() {
        assert_eq!(
            ScopePolicy::new().grant(&catalog(), &client(), Some(&scope("d"))),
            Err(InvalidScope::NothingGranted)
        );
        let allow = ScopePolicy::new().with_empty_grant(EmptyGrant::Allow);
        let g = allow
            .grant(&catalog(), &client(), Some(&scope("d")))
            .unwrap();
        assert!(g.scope().is_empty());
        assert_eq!(g.scope_for_response(), Some(&Scope::new()));
        let no_default = ClientScope::new(scope("a"));
        assert_eq!(
            ScopePolicy::new().grant(&catalog(), &no_default, None),
            Err(InvalidScope::NoDefault)
        );
        let g = allow.grant(&catalog(), &no_default, None).unwrap();
        assert!(g.scope().is_empty());
    }

    #[test]
    fn resource_scopes_are_allowed_by_coverage() {
        let g = ScopePolicy::new()
            .grant(
                &catalog(),
                &client(),
                Some(&scope("files:write:/diagrams/2026 files:write:/secrets")),
            )
            .unwrap();
        assert_eq!(g.scope(), &scope("files:write:/diagrams/2026"));
        let err = ScopePolicy::new()
            .grant(
                &catalog(),
                &client(),
                Some(&scope("files:write:/diagrams/../x")),
            )
            .unwrap_err();
        assert!(matches!(
            err,
            InvalidScope::Unknown(UnknownScope::MalformedPath { .. })
        ));
    }

    #[test]
    fn refresh_rules() {
        let original = scope("a b files:write:/diagrams");
        let p = ScopePolicy::new();
        let r = p.refresh(&catalog(), &client(), &original, None).unwrap();
        assert_eq!(r.access_token().scope(), &original);
        assert_eq!(r.access_token().scope_for_response(), None);
        assert_eq!(r.refresh_token(), &original);

        let r = p
            .refresh(
                &catalog(),
                &client(),
                &original,
                Some(&scope("files:write:/diagrams/x")),
            )
            .unwrap();
        assert_eq!(r.access_token().scope(), &scope("files:write:/diagrams/x"));
        assert_eq!(r.refresh_token(), &original);

        assert_eq!(
            p.refresh(&catalog(), &client(), &original, Some(&scope("a c"))),
            Err(InvalidScope::NotOriginallyGranted { token: token("c") })
        );
    }

    #[test]
    fn refresh_drops_scopes_withdrawn_from_the_client() {
        let original = scope("a b");
        let now = ClientScope::new(scope("a"));
        let r = ScopePolicy::new()
            .refresh(&catalog(), &now, &original, None)
            .unwrap();
        assert_eq!(r.access_token().scope(), &scope("a"));
        assert_eq!(r.access_token().scope_for_response(), Some(&scope("a")));
        assert_eq!(r.refresh_token(), &original);
        let gone = ClientScope::new(Scope::new());
        assert_eq!(
            ScopePolicy::new().refresh(&catalog(), &gone, &original, None),
            Err(InvalidScope::NothingGranted)
        );
    }

    #[test]
    fn error_messages() {
        use std::error::Error;
        assert_eq!(
            InvalidScope::NotAllowed { token: token("x") }.to_string(),
            "the client may not request scope \"x\""
        );
        assert!(InvalidScope::NothingGranted.source().is_none());
        let unknown = ScopePolicy::new()
            .grant(&catalog(), &client(), Some(&scope("zz")))
            .unwrap_err();
        assert!(unknown.source().is_some());
        assert_eq!(unknown.to_string(), "unknown scope \"zz\"");
    }
}

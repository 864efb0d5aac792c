//! Public API of the grant policy: what the authorization server grants, what the token response
//! says, and refresh down-scoping.

// Test helpers outside `#[test]` functions may unwrap and index, like the tests themselves.
#![allow(clippy::unwrap_used, clippy::indexing_slicing)]

use ostium_scope::{
    ClientScope, EmptyGrant, InvalidScope, Scope, ScopeCatalog, ScopeHandling, ScopePattern,
    ScopePolicy, UnknownScope,
};

fn scope(s: &str) -> Scope {
    Scope::parse(s).unwrap()
}

fn catalog() -> ScopeCatalog {
    ScopeCatalog::new()
        .with_scopes(&scope("openid profile email offline_access"))
        .with_pattern(ScopePattern::from_static("files:write:"))
        .with_pattern(ScopePattern::from_static("files:read:"))
}

fn client() -> ClientScope {
    ClientScope::new(scope(
        "openid profile offline_access files:read:/ files:write:/diagrams",
    ))
    .with_default(scope("openid profile"))
}

/// Checklist 38 (RFC 6749 §3.3, §5.1): the token response carries `scope` when the grant differs from
/// the request, and may leave it out when identical (as sets: order and duplicates do not count).
#[test]
fn req_38_scope_is_returned_if_it_differs_from_the_request() {
    let policy = ScopePolicy::default();
    let same = policy
        .grant(&catalog(), &client(), Some(&scope("profile openid")))
        .unwrap();
    assert!(!same.differs_from_request());
    assert_eq!(same.scope_for_response(), None);

    let narrowed = policy
        .grant(&catalog(), &client(), Some(&scope("openid email")))
        .unwrap();
    assert!(narrowed.differs_from_request());
    assert_eq!(narrowed.scope_for_response(), Some(&scope("openid")));

    let path_narrowed = policy
        .grant(
            &catalog(),
            &client(),
            Some(&scope("openid files:write:/diagrams/a files:write:/b")),
        )
        .unwrap();
    assert_eq!(
        path_narrowed.scope_for_response(),
        Some(&scope("openid files:write:/diagrams/a"))
    );
}

/// Checklist 38 (RFC 6749 §3.3): an omitted scope means the client's default (and the response then
/// names it), or `invalid_scope` when there is no default.
#[test]
fn req_38_omitted_scope_means_the_default_or_invalid_scope() {
    let policy = ScopePolicy::default();
    let granted = policy.grant(&catalog(), &client(), None).unwrap();
    assert_eq!(granted.scope(), &scope("openid profile"));
    assert_eq!(granted.scope_for_response(), Some(&scope("openid profile")));

    let no_default = ClientScope::new(scope("openid"));
    let err = policy.grant(&catalog(), &no_default, None).unwrap_err();
    assert_eq!(err, InvalidScope::NoDefault);
    assert_eq!(err.error_code(), "invalid_scope");
}

#[test]
fn unknown_scopes_are_configurable() {
    let request = scope("openid admin");
    let strict = ScopePolicy::default();
    let err = strict
        .grant(&catalog(), &client(), Some(&request))
        .unwrap_err();
    assert_eq!(err.error_code(), "invalid_scope");
    assert!(
        matches!(err, InvalidScope::Unknown(UnknownScope::NotDeclared { ref token }) if token == "admin")
    );

    let oidc = ScopePolicy::oidc();
    let granted = oidc.grant(&catalog(), &client(), Some(&request)).unwrap();
    assert_eq!(granted.scope(), &scope("openid"));
    assert_eq!(granted.scope_for_response(), Some(&scope("openid")));

    let malformed = scope("files:write:/diagrams/../secrets");
    assert!(matches!(
        strict.grant(&catalog(), &client(), Some(&malformed)),
        Err(InvalidScope::Unknown(UnknownScope::MalformedPath { .. }))
    ));
}

#[test]
fn disallowed_and_empty_are_configurable() {
    let request = scope("email");
    assert_eq!(
        ScopePolicy::default().grant(&catalog(), &client(), Some(&request)),
        Err(InvalidScope::NothingGranted)
    );
    let reject = ScopePolicy::default().with_disallowed(ScopeHandling::Reject);
    assert!(matches!(
        reject.grant(&catalog(), &client(), Some(&scope("openid email"))),
        Err(InvalidScope::NotAllowed { ref token }) if token == "email"
    ));
    let allow_empty = ScopePolicy::default().with_empty_grant(EmptyGrant::Allow);
    let granted = allow_empty
        .grant(&catalog(), &client(), Some(&request))
        .unwrap();
    assert!(granted.scope().is_empty());
    assert!(granted.differs_from_request());
}

/// Checklist 45 (RFC 6749 §6): a refresh may ask for a subset of the granted scope; anything else is
/// `invalid_scope`. Path grants may be narrowed, not widened.
#[test]
fn req_45_refresh_scope_must_be_within_the_granted_scope() {
    let policy = ScopePolicy::default();
    let original = scope("openid profile files:write:/diagrams");
    let narrowed = policy
        .refresh(
            &catalog(),
            &client(),
            &original,
            Some(&scope("openid files:write:/diagrams/2026")),
        )
        .unwrap();
    assert_eq!(
        narrowed.access_token().scope(),
        &scope("openid files:write:/diagrams/2026")
    );
    assert_eq!(narrowed.access_token().scope_for_response(), None);

    for wider in [
        "openid email",
        "files:write:/",
        "files:write:/diagrams-old",
        "files:read:/diagrams",
    ] {
        let err = policy
            .refresh(&catalog(), &client(), &original, Some(&scope(wider)))
            .unwrap_err();
        assert!(
            matches!(err, InvalidScope::NotOriginallyGranted { .. }),
            "{wider}: {err:?}"
        );
        assert_eq!(err.error_code(), "invalid_scope");
    }
}

/// Checklist 45 (RFC 6749 §6; RFC 9700 §4.14.2): the new refresh token keeps the original scope, even
/// when the access token is narrowed; an omitted scope means the original one.
#[test]
fn req_45_new_refresh_token_keeps_the_original_scope() {
    let policy = ScopePolicy::default();
    let original = scope("openid profile offline_access");
    let narrowed = policy
        .refresh(&catalog(), &client(), &original, Some(&scope("openid")))
        .unwrap();
    assert_eq!(narrowed.access_token().scope(), &scope("openid"));
    assert_eq!(narrowed.refresh_token(), &original);

    let omitted = policy
        .refresh(&catalog(), &client(), &original, None)
        .unwrap();
    assert_eq!(omitted.access_token().scope(), &original);
    assert_eq!(omitted.access_token().scope_for_response(), None);
    assert_eq!(omitted.refresh_token(), &original);
}

#[test]
fn refresh_does_not_mint_scopes_withdrawn_from_the_client() {
    let original = scope("openid profile");
    let now = ClientScope::new(scope("openid"));
    let refreshed = ScopePolicy::default()
        .refresh(&catalog(), &now, &original, None)
        .unwrap();
    assert_eq!(refreshed.access_token().scope(), &scope("openid"));
    assert_eq!(
        refreshed.access_token().scope_for_response(),
        Some(&scope("openid"))
    );
    assert_eq!(refreshed.refresh_token(), &original);
}

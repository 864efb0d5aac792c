//! Public API of the OpenID Connect standard scopes.

// Test helpers outside `#[test]` functions may unwrap and index, like the tests themselves.
#![allow(clippy::unwrap_used, clippy::indexing_slicing)]

use ostium_scope::Scope;
use ostium_scope::oidc::{self, StandardScope};

/// Checklist 13 (OIDC Core §3.1.2.2): without `openid` the request is plain OAuth and gets no ID token.
#[test]
fn req_13_no_openid_scope_means_no_id_token() {
    assert!(oidc::is_openid_request(&"profile openid".parse().unwrap()));
    assert!(!oidc::is_openid_request(&"profile email".parse().unwrap()));
    assert!(!oidc::is_openid_request(&"OpenID".parse().unwrap()));
    assert!(!oidc::is_openid_request(&Scope::new()));
}

/// Checklist 22 (OIDC Core §11): `offline_access` is ignored unless consent was obtained and the
/// response type returns a code.
#[test]
fn req_22_offline_access_is_ignored_without_consent_or_code() {
    let requested: Scope = "openid offline_access".parse().unwrap();
    let without: Scope = "openid".parse().unwrap();
    for (consent, code, kept) in [
        (true, true, true),
        (true, false, false),
        (false, true, false),
        (false, false, false),
    ] {
        let scope = oidc::without_unpermitted_offline_access(requested.clone(), consent, code);
        assert_eq!(
            scope,
            if kept {
                requested.clone()
            } else {
                without.clone()
            }
        );
    }
}

#[test]
fn constants_and_claims() {
    assert_eq!(oidc::OPENID.as_str(), "openid");
    assert_eq!(oidc::OFFLINE_ACCESS.as_str(), "offline_access");
    let everything: Scope = "openid profile email address phone offline_access"
        .parse()
        .unwrap();
    let claims = oidc::claims_for(&everything);
    // OIDC Core §5.4: 14 profile claims, 2 email, 1 address, 2 phone, plus `sub`.
    assert_eq!(claims.len(), 14 + 2 + 1 + 2 + 1);
    for claim in [
        "sub",
        "name",
        "updated_at",
        "email_verified",
        "address",
        "phone_number_verified",
    ] {
        assert!(claims.contains(claim), "{claim}");
    }
    assert_eq!(
        StandardScope::from_token("email"),
        Some(StandardScope::Email)
    );
    assert_eq!(StandardScope::Email.token(), oidc::EMAIL);
    assert_eq!(oidc::PROFILE_CLAIMS.len(), 14);
}

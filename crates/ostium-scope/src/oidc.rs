//! The scope values OpenID Connect defines and the claims each releases (OIDC Core §5.4, §11).

use std::collections::BTreeSet;
use std::fmt;

use crate::set::Scope;
use crate::token::ScopeToken;

/// `openid`: the request is an OpenID Connect request; without it there is no ID token
/// (OIDC Core §3.1.2.1).
pub const OPENID: ScopeToken = ScopeToken::from_static("openid");
/// `profile`: the End-User's default profile claims (OIDC Core §5.4).
pub const PROFILE: ScopeToken = ScopeToken::from_static("profile");
/// `email`: `email` and `email_verified` (OIDC Core §5.4).
pub const EMAIL: ScopeToken = ScopeToken::from_static("email");
/// `address`: `address` (OIDC Core §5.4).
pub const ADDRESS: ScopeToken = ScopeToken::from_static("address");
/// `phone`: `phone_number` and `phone_number_verified` (OIDC Core §5.4).
pub const PHONE: ScopeToken = ScopeToken::from_static("phone");
/// `offline_access`: a refresh token usable while the End-User is not logged in (OIDC Core §11).
pub const OFFLINE_ACCESS: ScopeToken = ScopeToken::from_static("offline_access");

/// The claims `profile` releases, in the order of OIDC Core §5.4.
pub const PROFILE_CLAIMS: &[&str] = &[
    "name",
    "family_name",
    "given_name",
    "middle_name",
    "nickname",
    "preferred_username",
    "profile",
    "picture",
    "website",
    "gender",
    "birthdate",
    "zoneinfo",
    "locale",
    "updated_at",
];
/// The claims `email` releases (OIDC Core §5.4).
pub const EMAIL_CLAIMS: &[&str] = &["email", "email_verified"];
/// The claims `address` releases (OIDC Core §5.4).
pub const ADDRESS_CLAIMS: &[&str] = &["address"];
/// The claims `phone` releases (OIDC Core §5.4).
pub const PHONE_CLAIMS: &[&str] = &["phone_number", "phone_number_verified"];
/// The claim `openid` releases: `sub`, which the ID token and every UserInfo response always carry
/// (OIDC Core §2, §5.3.2). §5.4 itself lists no claims for `openid`.
pub const OPENID_CLAIMS: &[&str] = &["sub"];

/// A scope value defined by OpenID Connect.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[non_exhaustive]
pub enum StandardScope {
    /// `openid`.
    OpenId,
    /// `profile`.
    Profile,
    /// `email`.
    Email,
    /// `address`.
    Address,
    /// `phone`.
    Phone,
    /// `offline_access`.
    OfflineAccess,
}

impl StandardScope {
    /// Every standard scope.
    pub const ALL: [StandardScope; 6] = [
        Self::OpenId,
        Self::Profile,
        Self::Email,
        Self::Address,
        Self::Phone,
        Self::OfflineAccess,
    ];

    /// The standard scope named `token`, if any (case-sensitive, like every scope token).
    #[must_use]
    pub fn from_token(token: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|scope| scope.as_str() == token)
    }

    /// The scope value.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::OpenId => "openid",
            Self::Profile => "profile",
            Self::Email => "email",
            Self::Address => "address",
            Self::Phone => "phone",
            Self::OfflineAccess => "offline_access",
        }
    }

    /// The scope value as a token.
    #[must_use]
    pub const fn token(self) -> ScopeToken {
        match self {
            Self::OpenId => OPENID,
            Self::Profile => PROFILE,
            Self::Email => EMAIL,
            Self::Address => ADDRESS,
            Self::Phone => PHONE,
            Self::OfflineAccess => OFFLINE_ACCESS,
        }
    }

    /// The claims this scope releases (OIDC Core §5.4); none for `offline_access`.
    #[must_use]
    pub const fn claims(self) -> &'static [&'static str] {
        match self {
            Self::OpenId => OPENID_CLAIMS,
            Self::Profile => PROFILE_CLAIMS,
            Self::Email => EMAIL_CLAIMS,
            Self::Address => ADDRESS_CLAIMS,
            Self::Phone => PHONE_CLAIMS,
            Self::OfflineAccess => &[],
        }
    }
}

impl fmt::Display for StandardScope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The claims the standard scopes in `scope` release, sorted; other tokens release nothing here.
///
/// ```
/// use ostium_scope::{Scope, oidc};
///
/// let scope: Scope = "openid email files:read".parse()?;
/// let claims: Vec<_> = oidc::claims_for(&scope).into_iter().collect();
/// assert_eq!(claims, ["email", "email_verified", "sub"]);
/// # Ok::<(), ostium_scope::ScopeParseError>(())
/// ```
#[must_use]
pub fn claims_for(scope: &Scope) -> BTreeSet<&'static str> {
    scope
        .iter()
        .filter_map(|token| StandardScope::from_token(token.as_str()))
        .flat_map(|standard| standard.claims().iter().copied())
        .collect()
}

/// Whether the request is an OpenID Connect request, and so may yield an ID token: it holds `openid`
/// (OIDC Core §3.1.2.1, §3.1.2.2). Without `openid` the request is plain OAuth 2.0 and gets no ID
/// token.
#[must_use]
pub fn is_openid_request(scope: &Scope) -> bool {
    scope.contains(OPENID.as_str())
}

/// Drops `offline_access` unless it may be honoured: "the Authorization Server MUST ignore the
/// offline_access request unless the Client is using a response_type value that would result in an
/// Authorization Code being returned", and the End-User consented (OIDC Core §11). The engine passes
/// whether consent was obtained for this request (for example with `prompt=consent`, or another
/// condition its policy accepts) and whether the response type returns a code.
#[must_use]
pub fn without_unpermitted_offline_access(
    mut scope: Scope,
    consent_obtained: bool,
    code_returned: bool,
) -> Scope {
    if !(consent_obtained && code_returned) {
        scope.remove(OFFLINE_ACCESS.as_str());
    }
    scope
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn constants_match_the_enum() {
        for standard in StandardScope::ALL {
            assert_eq!(standard.token().as_str(), standard.as_str());
            assert_eq!(StandardScope::from_token(standard.as_str()), Some(standard));
            assert_eq!(standard.to_string(), standard.as_str());
        }
        assert_eq!(StandardScope::from_token("OpenID"), None);
        assert_eq!(StandardScope::from_token("files"), None);
    }

    #[test]
    fn claims_per_scope_are_those_of_section_5_4() {
        assert_eq!(StandardScope::Profile.claims().len(), 14);
        assert!(
            StandardScope::Profile
                .claims()
                .contains(&"preferred_username")
        );
        assert_eq!(StandardScope::Email.claims(), ["email", "email_verified"]);
        assert_eq!(StandardScope::Address.claims(), ["address"]);
        assert_eq!(
            StandardScope::Phone.claims(),
            ["phone_number", "phone_number_verified"]
        );
        assert!(StandardScope::OfflineAccess.claims().is_empty());
        assert_eq!(StandardScope::OpenId.claims(), ["sub"]);
    }

    #[test]
    fn claims_for_unites_and_ignores_other_tokens() {
        let scope = Scope::parse("phone address custom").unwrap();
        let claims: Vec<_> = claims_for(&scope).into_iter().collect();
        assert_eq!(claims, ["address", "phone_number", "phone_number_verified"]);
        assert!(claims_for(&Scope::new()).is_empty());
    }

    #[test]
    fn offline_access_needs_consent_and_a_code() {
        let scope = Scope::parse("openid offline_access").unwrap();
        let openid = Scope::parse("openid").unwrap();
        assert_eq!(
            without_unpermitted_offline_access(scope.clone(), true, true),
            scope
        );
        assert_eq!(
            without_unpermitted_offline_access(scope.clone(), false, true),
            openid
        );
        assert_eq!(
            without_unpermitted_offline_access(scope.clone(), true, false),
            openid
        );
        assert_eq!(
            without_unpermitted_offline_access(scope, false, false),
            openid
        );
    }
}

//! Which of the user's claims a grant releases, and where (OIDC Core §5.4, §5.5).
//!
//! - UserInfo answers the claims of the grant's standard scopes (§5.4) and those its `claims`
//!   request names for `userinfo` (§5.5).
//! - The ID token carries those its `claims` request names for `id_token` (§5.5), except the
//!   claims the engine sets itself, which never come from the user's record.
//! - An `acr` requested as essential for the ID token (§5.5.1.1) is a condition on the login.

use ostium_messages::claims::{ClaimsRequest, IndividualClaimRequest};
use ostium_scope::Scope;
use serde_json::Value;

/// Claims the engine writes into an ID token itself (OIDC Core §2, §3.1.3.6), and registered
/// JWT claims a verifier reads as such (RFC 7519 §4.1). A `claims` request never fills them in
/// from the user's record, so a stored `sub` or `iss` can never override the real one.
const SET_BY_THE_ENGINE: [&str; 16] = [
    "acr",
    "amr",
    "at_hash",
    "aud",
    "auth_time",
    "azp",
    "c_hash",
    "cnf",
    "exp",
    "iat",
    "iss",
    "jti",
    "nbf",
    "nonce",
    "sid",
    "sub",
];

/// The claim names UserInfo releases: those of the standard scopes in `scope` (OIDC Core §5.4)
/// and those `claims` names for `userinfo` (§5.5), sorted, without `sub` (which always comes
/// from the token).
pub(crate) fn for_userinfo(scope: &Scope, claims: Option<&ClaimsRequest>) -> Vec<String> {
    let mut names: Vec<String> = ostium_scope::oidc::claims_for(scope)
        .into_iter()
        .map(str::to_owned)
        .collect();
    if let Some(requested) = claims.and_then(|c| c.userinfo.as_ref()) {
        names.extend(requested.keys().cloned());
    }
    names.sort();
    names.dedup();
    names.retain(|name| name != "sub");
    names
}

/// The user's claim names an ID token carries: those `claims` names for `id_token` (OIDC Core
/// §5.5), sorted, without the ones the engine sets itself. Empty when none are asked for, which
/// is the common case and costs no store round trip.
pub(crate) fn for_id_token(claims: Option<&ClaimsRequest>) -> Vec<String> {
    claims
        .and_then(|c| c.id_token.as_ref())
        .map(|requested| {
            // The map's keys are sorted and distinct already.
            requested
                .keys()
                .filter(|name| !SET_BY_THE_ENGINE.contains(&name.as_str()))
                .cloned()
                .collect()
        })
        .unwrap_or_default()
}

/// The `acr` request of the ID token, when it is essential (OIDC Core §5.5.1.1).
fn essential_acr(claims: Option<&ClaimsRequest>) -> Option<&IndividualClaimRequest> {
    claims?
        .id_token
        .as_ref()?
        .get("acr")?
        .as_ref()
        .filter(|request| request.essential == Some(true))
}

/// The values an individual claim request names: `value`, then `values`.
fn named(request: &IndividualClaimRequest) -> impl Iterator<Item = &Value> {
    request.value.iter().chain(request.values.iter().flatten())
}

/// Whether a login with `acr` meets the request's essential `acr` (OIDC Core §5.5.1.1): when
/// `acr` is requested as essential for the ID token, the login must have an `acr`, and one of
/// the requested values if any are named. A voluntary `acr` request (or `acr_values`, §3.1.2.1)
/// is a preference and always met.
pub(crate) fn acr_met(claims: Option<&ClaimsRequest>, acr: Option<&str>) -> bool {
    let Some(requested) = essential_acr(claims) else {
        return true;
    };
    acr.is_some_and(|acr| {
        let mut values = named(requested).peekable();
        values.peek().is_none() || values.any(|value| value.as_str() == Some(acr))
    })
}

/// The `acr` values the request demands as essential (OIDC Core §5.5.1.1), for the login page:
/// `None` when none is demanded, empty when any `acr` will do.
pub(crate) fn essential_acr_values(claims: Option<&ClaimsRequest>) -> Option<Vec<&str>> {
    essential_acr(claims).map(|requested| named(requested).filter_map(Value::as_str).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(json: &str) -> ClaimsRequest {
        ClaimsRequest::parse(json).unwrap()
    }

    #[test]
    fn the_id_token_never_takes_its_own_claims_from_the_user() {
        let claims = request(
            r#"{"id_token":{"sub":null,"iss":null,"email":{"essential":true},"name":null,
                "acr":null,"nonce":null,"exp":null}}"#,
        );
        assert_eq!(for_id_token(Some(&claims)), ["email", "name"]);
        assert!(for_id_token(None).is_empty());
        assert!(for_id_token(Some(&request(r#"{"userinfo":{"email":null}}"#))).is_empty());
    }

    #[test]
    fn userinfo_releases_scope_claims_and_requested_ones_without_sub() {
        let scope = Scope::parse("openid email").unwrap();
        let claims = request(r#"{"userinfo":{"phone_number":null,"sub":null}}"#);
        assert_eq!(
            for_userinfo(&scope, Some(&claims)),
            ["email", "email_verified", "phone_number"]
        );
        assert_eq!(for_userinfo(&scope, None), ["email", "email_verified"]);
    }

    #[test]
    fn an_essential_acr_is_a_condition_on_the_login() {
        let silver =
            request(r#"{"id_token":{"acr":{"essential":true,"values":["silver","gold"]}}}"#);
        assert!(acr_met(Some(&silver), Some("gold")));
        assert!(!acr_met(Some(&silver), Some("bronze")));
        assert!(!acr_met(Some(&silver), None));
        assert_eq!(
            essential_acr_values(Some(&silver)),
            Some(vec!["silver", "gold"])
        );

        let single = request(r#"{"id_token":{"acr":{"essential":true,"value":"gold"}}}"#);
        assert!(acr_met(Some(&single), Some("gold")));
        assert!(!acr_met(Some(&single), Some("silver")));

        let any = request(r#"{"id_token":{"acr":{"essential":true}}}"#);
        assert!(acr_met(Some(&any), Some("anything")));
        assert!(!acr_met(Some(&any), None));
        assert_eq!(essential_acr_values(Some(&any)), Some(vec![]));

        // Voluntary requests are preferences.
        for voluntary in [
            r#"{"id_token":{"acr":{"values":["gold"]}}}"#,
            r#"{"id_token":{"acr":null}}"#,
            r#"{"userinfo":{"acr":{"essential":true,"value":"gold"}}}"#,
        ] {
            let claims = request(voluntary);
            assert!(acr_met(Some(&claims), None), "{voluntary}");
            assert_eq!(essential_acr_values(Some(&claims)), None, "{voluntary}");
        }
        assert!(acr_met(None, None));
    }
}

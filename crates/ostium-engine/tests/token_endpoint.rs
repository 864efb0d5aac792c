//! Token endpoint behaviour, named after the checklist items of `../shared/spec/checklist.md`.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use common::*;
use ostium_engine::{GrantType, Profile, RefreshRotation};
use ostium_messages::HttpRequest;
use ostium_pkce::CodeVerifier;

#[test]
fn req_30_token_endpoint_is_post_only_and_refuses_credentials_in_the_uri() {
    let mut h = harness();
    let get = HttpRequest::get("grant_type=client_credentials");
    let step = h.engine.token(&get, h.clock.now(), &mut h.rng);
    let response = h.engine.drive(step, &h.store).into_response().unwrap();
    assert_eq!(
        (response.status(), error_code(&response).as_str()),
        (400, "invalid_request")
    );

    let body = b"grant_type=client_credentials";
    let request = HttpRequest {
        query: Some("client_secret=x"),
        ..HttpRequest::form_post(body)
    };
    let step = h.engine.token(&request, h.clock.now(), &mut h.rng);
    let response = h.engine.drive(step, &h.store).into_response().unwrap();
    assert_eq!(
        (response.status(), error_code(&response).as_str()),
        (400, "invalid_request")
    );
}

#[test]
fn req_31_duplicate_parameter_or_two_auth_methods_is_invalid_request() {
    let mut h = harness();
    let response = h.token(
        &[
            ("grant_type", "client_credentials"),
            ("grant_type", "client_credentials"),
        ],
        Some(&basic(FITNESS_APP, FITNESS_SECRET)),
    );
    assert_eq!(
        (response.status(), error_code(&response).as_str()),
        (400, "invalid_request")
    );
    let response = h.token(
        &[
            ("grant_type", "client_credentials"),
            ("client_id", FITNESS_APP),
            ("client_secret", FITNESS_SECRET),
        ],
        Some(&basic(FITNESS_APP, FITNESS_SECRET)),
    );
    assert_eq!(
        (response.status(), error_code(&response).as_str()),
        (400, "invalid_request")
    );
}

#[test]
fn req_32_failed_client_authentication_is_401_with_www_authenticate() {
    let mut h = harness();
    let response = h.token(
        &[("grant_type", "client_credentials")],
        Some(&basic(FITNESS_APP, "wrong-secret")),
    );
    assert_eq!(
        (response.status(), error_code(&response).as_str()),
        (401, "invalid_client")
    );
    assert!(
        response
            .header("www-authenticate")
            .unwrap()
            .starts_with("Basic realm=")
    );
    // Unknown client, and a registered basic client switching to post, fail the same way.
    let response = h.token(
        &[("grant_type", "client_credentials")],
        Some(&basic("nobody", "secret")),
    );
    assert_eq!(error_code(&response), "invalid_client");
    let response = h.token(
        &[
            ("grant_type", "client_credentials"),
            ("client_id", FITNESS_APP),
            ("client_secret", FITNESS_SECRET),
        ],
        None,
    );
    assert_eq!(
        (response.status(), error_code(&response).as_str()),
        (401, "invalid_client")
    );
    // A confidential client cannot drop to `none`.
    let (code, pending) = h.code_for(FITNESS_APP, FITNESS_REDIRECT, "openid");
    let response = h.token(
        &[
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("redirect_uri", FITNESS_REDIRECT),
            ("client_id", FITNESS_APP),
            ("code_verifier", pending.verifier.as_str()),
        ],
        None,
    );
    assert_eq!(error_code(&response), "invalid_client");
}

#[test]
fn req_33_code_issued_to_another_client_is_invalid_grant() {
    let mut h = harness();
    let (code, pending) = h.code_for(DRAWING_APP, DRAWING_REDIRECT, "files:write:/diagrams");
    let authorization = basic(FITNESS_APP, FITNESS_SECRET);
    let response = h.token(
        &[
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("redirect_uri", DRAWING_REDIRECT),
            ("code_verifier", pending.verifier.as_str()),
        ],
        Some(&authorization),
    );
    assert_eq!(
        (response.status(), error_code(&response).as_str()),
        (400, "invalid_grant")
    );
    // An unknown code, too.
    let response = h.redeem_public("not-a-code-anyone-issued", &pending);
    assert_eq!(error_code(&response), "invalid_grant");
}

#[test]
fn req_34_redirect_uri_must_repeat_the_authorization_requests() {
    let mut h = harness();
    for sent in [None, Some("https://drawing.example/other")] {
        let (code, pending) = h.code_for(DRAWING_APP, DRAWING_REDIRECT, "files:write:/diagrams");
        let mut form = vec![
            ("grant_type", "authorization_code"),
            ("code", code.as_str()),
            ("client_id", DRAWING_APP),
            ("code_verifier", pending.verifier.as_str()),
        ];
        if let Some(uri) = sent {
            form.push(("redirect_uri", uri));
        }
        let response = h.token(&form, None);
        assert_eq!(
            (response.status(), error_code(&response).as_str()),
            (400, "invalid_grant"),
            "{sent:?}"
        );
    }
}

#[test]
fn req_35_code_reuse_is_invalid_grant_and_revokes_what_it_issued() {
    let mut h = harness();
    let (code, pending) = h.code_for(
        FITNESS_APP,
        FITNESS_REDIRECT,
        "openid profile offline_access",
    );
    let first = json(&h.redeem_confidential(&code, &pending));
    let access_token = first["access_token"].as_str().unwrap().to_owned();
    let refresh_token = first["refresh_token"].as_str().unwrap().to_owned();
    assert_eq!(h.userinfo(&access_token).status(), 200);

    h.advance(30); // oidcc-codereuse-30seconds
    let second = h.redeem_confidential(&code, &pending);
    assert_eq!(
        (second.status(), error_code(&second).as_str()),
        (400, "invalid_grant")
    );

    // The access token and the refresh token from the first redemption are dead.
    assert_eq!(h.userinfo(&access_token).status(), 401);
    let refreshed = h.token(
        &[
            ("grant_type", "refresh_token"),
            ("refresh_token", &refresh_token),
        ],
        Some(&basic(FITNESS_APP, FITNESS_SECRET)),
    );
    assert_eq!(error_code(&refreshed), "invalid_grant");
    let introspected = json(&h.introspect(&access_token, &basic(FITNESS_APP, FITNESS_SECRET)));
    assert_eq!(introspected, serde_json::json!({"active": false}));
}

#[test]
fn req_36_codes_expire_after_sixty_seconds() {
    let mut h = harness();
    let (code, pending) = h.code_for(DRAWING_APP, DRAWING_REDIRECT, "files:write:/diagrams");
    h.advance(60);
    let response = h.redeem_public(&code, &pending);
    assert_eq!(
        (response.status(), error_code(&response).as_str()),
        (400, "invalid_grant")
    );

    let (code, pending) = h.code_for(DRAWING_APP, DRAWING_REDIRECT, "files:write:/diagrams");
    h.advance(59);
    assert_eq!(h.redeem_public(&code, &pending).status(), 200);
}

#[test]
fn req_37_token_responses_are_not_cached() {
    let mut h = harness();
    let (code, pending) = h.code_for(DRAWING_APP, DRAWING_REDIRECT, "files:write:/diagrams");
    for response in [
        h.redeem_public(&code, &pending),
        h.redeem_public(&code, &pending),
    ] {
        assert_eq!(response.header("cache-control"), Some("no-store"));
        assert_eq!(response.header("pragma"), Some("no-cache"));
        assert_eq!(response.header("content-type"), Some("application/json"));
    }
}

#[test]
fn req_38_scope_is_returned_and_omitted_scope_gets_the_default_or_invalid_scope() {
    let mut h = harness();
    let response = json(&h.token(
        &[
            ("grant_type", "client_credentials"),
            ("scope", "profile nonsense"),
        ],
        Some(&basic(FITNESS_APP, FITNESS_SECRET)),
    ));
    assert_eq!(
        response["scope"], "profile",
        "unknown scopes are ignored (OIDC policy) and the grant says what was granted"
    );
    let response = h.token(
        &[("grant_type", "client_credentials")],
        Some(&basic(FITNESS_APP, FITNESS_SECRET)),
    );
    assert_eq!(
        (response.status(), error_code(&response).as_str()),
        (400, "invalid_scope"),
        "no default scope registered"
    );
}

#[test]
fn req_39_unknown_grant_is_unsupported_and_disallowed_grant_is_unauthorized_client() {
    let mut h = harness();
    let response = h.token(
        &[("grant_type", "urn:example:magic")],
        Some(&basic(FITNESS_APP, FITNESS_SECRET)),
    );
    assert_eq!(error_code(&response), "unsupported_grant_type");
    let response = h.token(
        &[
            ("grant_type", "client_credentials"),
            ("client_id", DRAWING_APP),
        ],
        None,
    );
    assert_eq!(error_code(&response), "unauthorized_client");
    h.store
        .register(fitness_app().with_grant_types(vec![GrantType::AuthorizationCode]))
        .unwrap();
    let response = h.token(
        &[("grant_type", "refresh_token"), ("refresh_token", "x")],
        Some(&basic(FITNESS_APP, FITNESS_SECRET)),
    );
    assert_eq!(error_code(&response), "unauthorized_client");
}

#[test]
fn req_40_password_grant_is_refused_and_client_credentials_needs_a_confidential_client() {
    let mut h = harness();
    let response = h.token(
        &[
            ("grant_type", "password"),
            ("username", "alice"),
            ("password", "pw"),
        ],
        Some(&basic(FITNESS_APP, FITNESS_SECRET)),
    );
    assert_eq!(
        (response.status(), error_code(&response).as_str()),
        (400, "unsupported_grant_type")
    );
    let response = h.token(
        &[
            ("grant_type", "client_credentials"),
            ("client_id", DRAWING_APP),
            ("scope", "openid"),
        ],
        None,
    );
    assert_eq!(error_code(&response), "unauthorized_client");
}

#[test]
fn req_41_an_openid_code_yields_an_id_token_and_a_plain_one_does_not() {
    let mut h = harness();
    let (code, pending) = h.code_for(FITNESS_APP, FITNESS_REDIRECT, "openid");
    assert!(json(&h.redeem_confidential(&code, &pending))["id_token"].is_string());
    let (code, pending) = h.code_for(DRAWING_APP, DRAWING_REDIRECT, "files:write:/diagrams");
    assert!(
        json(&h.redeem_public(&code, &pending))
            .get("id_token")
            .is_none()
    );
}

#[test]
fn req_27_wrong_or_missing_code_verifier_is_invalid_grant() {
    let mut h = harness();
    let (code, _) = h.code_for(DRAWING_APP, DRAWING_REDIRECT, "files:write:/diagrams");
    let other = common::Pending {
        verifier: CodeVerifier::generate(&mut h.rng).unwrap(),
        state: String::new(),
    };
    let response = h.redeem_public(&code, &other);
    assert_eq!(
        (response.status(), error_code(&response).as_str()),
        (400, "invalid_grant")
    );

    let (code, _) = h.code_for(DRAWING_APP, DRAWING_REDIRECT, "files:write:/diagrams");
    let response = h.token(
        &[
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("redirect_uri", DRAWING_REDIRECT),
            ("client_id", DRAWING_APP),
        ],
        None,
    );
    assert_eq!(error_code(&response), "invalid_grant");
}

#[test]
fn req_28_verifier_for_a_code_issued_without_challenge_is_rejected() {
    let mut h = harness_with(Profile::oidc_certification());
    let (query, pending) =
        h.authorization_query(FITNESS_APP, FITNESS_REDIRECT, "openid", &[], false);
    let response = h.approve(&query);
    let code = code_in(&response);
    let response = h.redeem_confidential(&code, &pending);
    assert_eq!(
        (response.status(), error_code(&response).as_str()),
        (400, "invalid_grant")
    );
}

#[test]
fn req_44_refresh_token_is_bound_to_its_client() {
    let mut h = harness();
    let (code, pending) = h.code_for(DRAWING_APP, DRAWING_REDIRECT, "files:write:/diagrams");
    let refresh = json(&h.redeem_public(&code, &pending))["refresh_token"]
        .as_str()
        .unwrap()
        .to_owned();
    let response = h.token(
        &[("grant_type", "refresh_token"), ("refresh_token", &refresh)],
        Some(&basic(FITNESS_APP, FITNESS_SECRET)),
    );
    assert_eq!(
        (response.status(), error_code(&response).as_str()),
        (400, "invalid_grant")
    );
}

#[test]
fn req_45_refresh_may_narrow_the_scope_but_not_widen_it() {
    let mut h = harness();
    let (code, pending) = h.code_for(DRAWING_APP, DRAWING_REDIRECT, "files:write:/diagrams");
    let refresh = json(&h.redeem_public(&code, &pending))["refresh_token"]
        .as_str()
        .unwrap()
        .to_owned();
    let widened = h.token(
        &[
            ("grant_type", "refresh_token"),
            ("refresh_token", &refresh),
            ("client_id", DRAWING_APP),
            ("scope", "files:write:/"),
        ],
        None,
    );
    assert_eq!(
        (widened.status(), error_code(&widened).as_str()),
        (400, "invalid_scope")
    );
    let narrowed = json(&h.token(
        &[
            ("grant_type", "refresh_token"),
            ("refresh_token", &refresh),
            ("client_id", DRAWING_APP),
            ("scope", "files:write:/diagrams/2026"),
        ],
        None,
    ));
    assert_eq!(narrowed["scope"], "files:write:/diagrams/2026");
    // The new refresh token keeps the original grant: the full folder is still available.
    let again = json(&h.token(
        &[
            ("grant_type", "refresh_token"),
            ("refresh_token", narrowed["refresh_token"].as_str().unwrap()),
            ("client_id", DRAWING_APP),
        ],
        None,
    ));
    assert_eq!(again["scope"], "files:write:/diagrams");
}

#[test]
fn req_46_public_client_refresh_tokens_rotate_and_replay_revokes_the_family() {
    let mut h = harness();
    let (code, pending) = h.code_for(DRAWING_APP, DRAWING_REDIRECT, "files:write:/diagrams");
    let first = json(&h.redeem_public(&code, &pending));
    let refresh_1 = first["refresh_token"].as_str().unwrap().to_owned();
    let refresh = |h: &mut Harness, token: &str| {
        h.token(
            &[
                ("grant_type", "refresh_token"),
                ("refresh_token", token),
                ("client_id", DRAWING_APP),
            ],
            None,
        )
    };

    let second = json(&refresh(&mut h, &refresh_1));
    let refresh_2 = second["refresh_token"].as_str().unwrap().to_owned();
    assert_ne!(refresh_1, refresh_2, "rotated");
    let access_2 = second["access_token"].as_str().unwrap().to_owned();

    // An attacker replays the stolen first token: refused, and the family dies.
    let replay = refresh(&mut h, &refresh_1);
    assert_eq!(
        (replay.status(), error_code(&replay).as_str()),
        (400, "invalid_grant")
    );
    let legit = refresh(&mut h, &refresh_2);
    assert_eq!(
        error_code(&legit),
        "invalid_grant",
        "the active token of the family is revoked too"
    );
    h.store
        .register(fitness_app().introspecting_any_token())
        .unwrap();
    let introspected = json(&h.introspect(&access_2, &basic(FITNESS_APP, FITNESS_SECRET)));
    assert_eq!(introspected["active"], false);
}

#[test]
fn req_46_confidential_clients_keep_their_refresh_token_under_the_default_profile() {
    let mut h = harness();
    let (code, pending) = h.code_for(FITNESS_APP, FITNESS_REDIRECT, "openid offline_access");
    let refresh = json(&h.redeem_confidential(&code, &pending))["refresh_token"]
        .as_str()
        .unwrap()
        .to_owned();
    let auth = basic(FITNESS_APP, FITNESS_SECRET);
    for _ in 0..2 {
        let response = json(&h.token(
            &[("grant_type", "refresh_token"), ("refresh_token", &refresh)],
            Some(&auth),
        ));
        assert_eq!(response["refresh_token"], refresh.as_str());
    }
}

fn grace_harness() -> Harness {
    let mut profile = Profile::oauth21();
    profile.refresh_grace = Some(time::Duration::seconds(10));
    profile.refresh_rotation = RefreshRotation::Always;
    harness_with(profile)
}

fn refresh(h: &mut Harness, token: &str) -> ostium_messages::HttpResponse {
    h.token(
        &[
            ("grant_type", "refresh_token"),
            ("refresh_token", token),
            ("client_id", DRAWING_APP),
        ],
        None,
    )
}

#[test]
fn refresh_grace_window_lets_a_lost_response_be_retried_once() {
    let mut h = grace_harness();
    let (code, pending) = h.code_for(DRAWING_APP, DRAWING_REDIRECT, "files:write:/diagrams");
    let refresh_1 = json(&h.redeem_public(&code, &pending))["refresh_token"]
        .as_str()
        .unwrap()
        .to_owned();
    let _lost = json(&refresh(&mut h, &refresh_1)); // the client never saw this response
    h.advance(5);
    let retried = refresh(&mut h, &refresh_1);
    assert_eq!(
        retried.status(),
        200,
        "within the window the previous token rotates again"
    );
    let refresh_3 = json(&retried)["refresh_token"].as_str().unwrap().to_owned();
    // The first token is now two rotations old: a second retry is reuse, and the family dies.
    assert_eq!(error_code(&refresh(&mut h, &refresh_1)), "invalid_grant");
    assert_eq!(error_code(&refresh(&mut h, &refresh_3)), "invalid_grant");
}

#[test]
fn refresh_grace_window_ends_and_then_reuse_revokes_the_family() {
    let mut h = grace_harness();
    let (code, pending) = h.code_for(DRAWING_APP, DRAWING_REDIRECT, "files:write:/diagrams");
    let refresh_1 = json(&h.redeem_public(&code, &pending))["refresh_token"]
        .as_str()
        .unwrap()
        .to_owned();
    let refresh_2 = json(&refresh(&mut h, &refresh_1))["refresh_token"]
        .as_str()
        .unwrap()
        .to_owned();
    h.advance(11);
    assert_eq!(error_code(&refresh(&mut h, &refresh_1)), "invalid_grant");
    assert_eq!(
        error_code(&refresh(&mut h, &refresh_2)),
        "invalid_grant",
        "the family is revoked"
    );
}

#[test]
fn req_47_refreshed_id_token_keeps_iss_sub_aud_and_auth_time_without_nonce() {
    let mut h = harness();
    let (query, pending) = h.authorization_query(
        FITNESS_APP,
        FITNESS_REDIRECT,
        "openid offline_access",
        &[("nonce", "abc")],
        true,
    );
    let code = code_in(&h.approve(&query));
    let first = json(&h.redeem_confidential(&code, &pending));
    let original = jwt_claims(first["id_token"].as_str().unwrap());
    h.advance(120);
    let refreshed = json(&h.token(
        &[
            ("grant_type", "refresh_token"),
            ("refresh_token", first["refresh_token"].as_str().unwrap()),
        ],
        Some(&basic(FITNESS_APP, FITNESS_SECRET)),
    ));
    let renewed = jwt_claims(refreshed["id_token"].as_str().unwrap());
    for claim in ["iss", "sub", "aud", "auth_time"] {
        assert_eq!(renewed[claim], original[claim], "{claim}");
    }
    assert_eq!(
        renewed["iat"].as_i64().unwrap(),
        original["iat"].as_i64().unwrap() + 120
    );
    assert!(renewed.get("nonce").is_none());
}

#[test]
fn client_credentials_issues_an_access_token_without_refresh_token() {
    let mut h = harness();
    let response = json(&h.token(
        &[("grant_type", "client_credentials"), ("scope", "profile")],
        Some(&basic(FITNESS_APP, FITNESS_SECRET)),
    ));
    assert!(response["access_token"].is_string());
    assert!(response.get("refresh_token").is_none());
    assert!(response.get("id_token").is_none());
}

#[test]
fn client_credentials_refuses_resources_and_detail_types_the_client_may_not_use() {
    let mut h = harness();
    let auth = basic(FITNESS_APP, FITNESS_SECRET);
    let response = h.token(
        &[
            ("grant_type", "client_credentials"),
            ("scope", "profile"),
            ("resource", "https://bank.example"),
        ],
        Some(&auth),
    );
    assert_eq!(
        (response.status(), error_code(&response).as_str()),
        (400, "invalid_target")
    );
    let details = r#"[{"type":"account_information"}]"#;
    let response = h.token(
        &[
            ("grant_type", "client_credentials"),
            ("scope", "profile"),
            ("authorization_details", details),
        ],
        Some(&auth),
    );
    assert_eq!(
        (response.status(), error_code(&response).as_str()),
        (400, "invalid_authorization_details")
    );
}

/// A refresh reads its client and its token in one store round trip, then rotates in a second;
/// the token is looked at only once the client is authenticated.
#[test]
fn refresh_reads_the_client_and_the_token_together_and_authenticates_first() {
    use ostium_engine::Store;
    use ostium_engine::store::{Effect, Outcome, RefreshLookup};
    let mut h = harness();
    let (code, pending) = h.code_for(DRAWING_APP, DRAWING_REDIRECT, "files:write:/diagrams");
    let issued = json(&h.redeem_public(&code, &pending));
    let refresh_token = issued["refresh_token"].as_str().unwrap().to_owned();
    let body = ostium_messages::Params::from_iter([
        ("grant_type", "refresh_token"),
        ("refresh_token", refresh_token.as_str()),
        ("client_id", DRAWING_APP),
    ])
    .encode();
    let step = h.engine.token(
        &HttpRequest::form_post(body.as_bytes()),
        h.clock.now(),
        &mut h.rng,
    );
    let (effects, driven) = effects_until_stop(&h, step);
    let response = driven.into_response().unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(effects, ["ClientAndRefreshToken", "RotateRefresh"]);

    // The same token presented with a confidential client's wrong secret: the client fails
    // first (401 invalid_client), and the token is left as it was.
    let rotated = json(&response)["refresh_token"]
        .as_str()
        .unwrap()
        .to_owned();
    let wrong = h.token(
        &[("grant_type", "refresh_token"), ("refresh_token", &rotated)],
        Some(&basic(FITNESS_APP, "not-the-secret")),
    );
    assert_eq!(
        (wrong.status(), error_code(&wrong).as_str()),
        (401, "invalid_client")
    );
    let outcome = Store::execute(
        &h.store,
        Effect::ClientAndRefreshToken {
            client_id: ostium_messages::ClientId::parse(DRAWING_APP).unwrap(),
            refresh_hash: ostium_engine::SecretHash::of(&rotated),
        },
    );
    assert!(matches!(
        outcome,
        Ok(Outcome::ClientAndRefreshToken {
            client: Some(_),
            refresh: RefreshLookup::Current(_),
        })
    ));
    assert_eq!(refresh(&mut h, &rotated).status(), 200);
}

//! Authorization endpoint behaviour, named after the checklist items.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use common::*;
use ostium_engine::{ConsentDecision, Driven, Profile};
use ostium_messages::{HttpRequest, HttpResponse, Params};

fn respond(driven: Driven) -> HttpResponse {
    driven
        .into_response()
        .expect("a response, not an interaction")
}

/// An error page: not a redirect, no Location header.
fn assert_error_page(response: &HttpResponse) {
    assert_eq!(
        response.status(),
        400,
        "{}",
        String::from_utf8_lossy(response.body())
    );
    assert!(response.header("location").is_none());
    assert!(
        response
            .header("content-type")
            .unwrap()
            .starts_with("text/html")
    );
}

#[test]
fn req_1_post_authorization_requests_are_accepted() {
    let mut h = harness();
    let (query, _) = h.authorization_query(FITNESS_APP, FITNESS_REDIRECT, "openid", &[], true);
    let request = HttpRequest::form_post(query.as_bytes());
    let session = h.alice_session();
    let step = h
        .engine
        .authorize(&request, Some(&session), h.clock.now(), &mut h.rng);
    assert!(matches!(h.engine.drive(step, &h.store), Driven::Consent(_)));
    let put = HttpRequest {
        method: "PUT",
        ..HttpRequest::get(&query)
    };
    let step = h.engine.authorize(&put, None, h.clock.now(), &mut h.rng);
    assert_eq!(respond(h.engine.drive(step, &h.store)).status(), 405);
}

#[test]
fn req_2_empty_and_unknown_parameters_are_ignored() {
    let mut h = harness();
    let (query, _) = h.authorization_query(
        FITNESS_APP,
        FITNESS_REDIRECT,
        "openid",
        &[("extra", "foobar"), ("login_hint", "")],
        true,
    );
    let session = h.alice_session();
    assert!(matches!(
        h.authorize(&query, Some(&session)),
        Driven::Consent(_)
    ));
}

#[test]
fn req_3_repeated_parameter_is_invalid_request_by_redirect() {
    let mut h = harness();
    let (query, pending) = h.authorization_query(
        FITNESS_APP,
        FITNESS_REDIRECT,
        "openid",
        &[("scope", "openid")],
        true,
    );
    let params = redirect_params(&respond(h.authorize(&query, None)));
    assert_eq!(params.single("error").unwrap(), Some("invalid_request"));
    assert_eq!(
        params.single("state").unwrap(),
        Some(pending.state.as_str())
    );
}

#[test]
fn req_4_missing_or_unknown_response_type() {
    let mut h = harness();
    for response_type in ["", "token", "id_token", "code id_token", "magic"] {
        let (query, _) = h.authorization_query(FITNESS_APP, FITNESS_REDIRECT, "openid", &[], true);
        let query = query.replace(
            "response_type=code",
            &format!("response_type={response_type}"),
        );
        let response = respond(h.authorize(&query, None));
        // A front-channel response type is delivered in the fragment by default.
        let location = response.header("location").expect("an error redirect");
        let delivered = location.split_once(['?', '#']).unwrap().1;
        let error = Params::parse_query(delivered)
            .unwrap()
            .single("error")
            .unwrap()
            .unwrap()
            .to_owned();
        assert!(
            error == "unsupported_response_type" || error == "invalid_request",
            "{response_type}: {error}"
        );
    }
}

#[test]
fn req_5_bad_client_or_redirect_uri_gives_an_error_page_never_a_redirect() {
    let mut h = harness();
    let cases = [
        ("nobody", FITNESS_REDIRECT),
        (FITNESS_APP, "https://evil.example/cb"),
        (FITNESS_APP, "https://fitness.example/cb/extra"),
        (FITNESS_APP, "https://fitness.example/cb?x=1"),
        (FITNESS_APP, "https://FITNESS.example/cb"),
    ];
    for (client, redirect) in cases {
        let (query, _) = h.authorization_query(client, redirect, "openid", &[], true);
        let response = respond(h.authorize(&query, None));
        assert!(
            response.header("location").is_none(),
            "{client} {redirect}: {:?}",
            response.header("location")
        );
        assert_error_page(&response);
    }
    // Missing client_id, and an unparseable redirect_uri.
    assert_error_page(&respond(
        h.authorize("response_type=code&scope=openid", None),
    ));
    let query = format!(
        "response_type=code&client_id={FITNESS_APP}&scope=openid&redirect_uri=not%20a%20uri"
    );
    assert_error_page(&respond(h.authorize(&query, None)));
}

#[test]
fn req_6_loopback_redirect_uris_match_any_port_and_nothing_else_varies() {
    let mut h = harness();
    let loopback = ostium_engine::Client::public(
        ostium_messages::values::ClientId::parse("cli").unwrap(),
        vec![
            ostium_messages::redirect_uri::RegisteredRedirectUri::parse(
                "http://127.0.0.1/callback",
            )
            .unwrap(),
        ],
        ostium_scope::ClientScope::new(ostium_scope::Scope::parse("openid").unwrap()),
    );
    h.store.register(loopback).unwrap();
    let session = h.alice_session();
    let (query, _) = h.authorization_query(
        "cli",
        "http://127.0.0.1:53412/callback",
        "openid",
        &[],
        true,
    );
    assert!(matches!(
        h.authorize(&query, Some(&session)),
        Driven::Consent(_)
    ));
    let (query, _) =
        h.authorization_query("cli", "http://127.0.0.1:53412/other", "openid", &[], true);
    assert_error_page(&respond(h.authorize(&query, Some(&session))));
}

#[test]
fn req_7_openid_requests_must_name_the_redirect_uri() {
    let mut h = harness();
    let (query, _) = h.authorization_query(FITNESS_APP, FITNESS_REDIRECT, "openid", &[], true);
    let query = query.replace(
        &format!("&redirect_uri={}", urlencode(FITNESS_REDIRECT)),
        "",
    );
    assert!(!query.contains("redirect_uri"));
    assert_error_page(&respond(h.authorize(&query, None)));
}

fn urlencode(value: &str) -> String {
    Params::from_iter([("x", value)])
        .encode()
        .trim_start_matches("x=")
        .to_owned()
}

#[test]
fn req_8_registered_query_is_preserved_in_the_response() {
    let mut h = harness();
    let with_query = ostium_engine::Client::public(
        ostium_messages::values::ClientId::parse("q-app").unwrap(),
        vec![
            ostium_messages::redirect_uri::RegisteredRedirectUri::parse(
                "https://q.example/cb?tenant=7",
            )
            .unwrap(),
        ],
        ostium_scope::ClientScope::new(ostium_scope::Scope::parse("openid").unwrap()),
    );
    h.store.register(with_query).unwrap();
    let (query, _) = h.authorization_query(
        "q-app",
        "https://q.example/cb?tenant=7",
        "openid",
        &[],
        true,
    );
    let response = h.approve(&query);
    let params = redirect_params(&response);
    assert_eq!(params.single("tenant").unwrap(), Some("7"));
    assert!(params.single("code").unwrap().is_some());
    assert!(
        response
            .header("location")
            .unwrap()
            .starts_with("https://q.example/cb?tenant=7&")
    );
}

#[test]
fn req_9_req_10_req_11_state_and_iss_on_success_and_error_and_nothing_else_on_error() {
    let mut h = harness();
    let (query, pending) = h.authorization_query(
        FITNESS_APP,
        FITNESS_REDIRECT,
        "openid",
        &[("prompt", "none")],
        true,
    );
    let response = respond(h.authorize(&query, None));
    let params = redirect_params(&response);
    let mut names: Vec<&str> = params.iter().map(|(name, _)| name).collect();
    names.sort_unstable();
    assert_eq!(names, ["error", "error_description", "iss", "state"]);
    assert_eq!(
        params.single("state").unwrap(),
        Some(pending.state.as_str())
    );
    assert_eq!(params.single("iss").unwrap(), Some(ISSUER));
    let description = params.single("error_description").unwrap().unwrap();
    assert!(
        description
            .bytes()
            .all(|b| (0x20..=0x7e).contains(&b) && b != b'"' && b != b'\\')
    );

    let (_, pending) = h.code_for(FITNESS_APP, FITNESS_REDIRECT, "openid");
    assert!(!pending.state.is_empty()); // code_for asserts state and iss on success
}

#[test]
fn req_12_unsupported_response_mode_is_a_plain_400() {
    let mut h = harness();
    let (query, _) = h.authorization_query(
        FITNESS_APP,
        FITNESS_REDIRECT,
        "openid",
        &[("response_mode", "jwt")],
        true,
    );
    assert_error_page(&respond(h.authorize(&query, None)));
}

#[test]
fn form_post_and_fragment_response_modes_deliver_the_code() {
    let mut h = harness();
    let (query, _) = h.authorization_query(
        FITNESS_APP,
        FITNESS_REDIRECT,
        "openid",
        &[("response_mode", "form_post")],
        true,
    );
    let response = h.approve(&query);
    assert_eq!(response.status(), 200);
    let page = String::from_utf8(response.body().to_vec()).unwrap();
    assert!(page.contains("name=\"code\"") && page.contains(FITNESS_REDIRECT));
    let (query, _) = h.authorization_query(
        FITNESS_APP,
        FITNESS_REDIRECT,
        "openid",
        &[("response_mode", "fragment")],
        true,
    );
    let response = h.approve(&query);
    assert!(
        response
            .header("location")
            .unwrap()
            .starts_with(&format!("{FITNESS_REDIRECT}#code="))
    );
}

#[test]
fn req_13_scope_order_is_irrelevant() {
    let mut h = harness();
    let (code, pending) = h.code_for(FITNESS_APP, FITNESS_REDIRECT, "email openid profile");
    let body = json(&h.redeem_confidential(&code, &pending));
    assert_eq!(body["scope"], "email openid profile");
    assert!(body["id_token"].is_string());
}

#[test]
fn req_14_prompt_none_never_shows_ui() {
    let mut h = harness();
    // Not logged in.
    let (query, _) = h.authorization_query(
        FITNESS_APP,
        FITNESS_REDIRECT,
        "openid",
        &[("prompt", "none")],
        true,
    );
    assert_eq!(
        redirect_params(&respond(h.authorize(&query, None)))
            .single("error")
            .unwrap(),
        Some("login_required")
    );
    // Logged in, but no consent yet.
    let session = h.alice_session();
    let (query, _) = h.authorization_query(
        FITNESS_APP,
        FITNESS_REDIRECT,
        "openid",
        &[("prompt", "none")],
        true,
    );
    assert_eq!(
        redirect_params(&respond(h.authorize(&query, Some(&session))))
            .single("error")
            .unwrap(),
        Some("consent_required")
    );
    // `none` with another value.
    let (query, _) = h.authorization_query(
        FITNESS_APP,
        FITNESS_REDIRECT,
        "openid",
        &[("prompt", "none login")],
        true,
    );
    assert_eq!(
        redirect_params(&respond(h.authorize(&query, Some(&session))))
            .single("error")
            .unwrap(),
        Some("invalid_request")
    );
}

#[test]
fn prompt_none_succeeds_silently_with_a_session_and_remembered_consent() {
    let mut h = harness();
    let session = h.alice_session();
    let (query, _) =
        h.authorization_query(FITNESS_APP, FITNESS_REDIRECT, "openid profile", &[], true);
    let Driven::Consent(context) = h.authorize(&query, Some(&session)) else {
        panic!("consent expected")
    };
    let step = h.engine.consented(
        *context,
        ConsentDecision::Approve {
            scope: None,
            remember: true,
        },
        h.clock.now(),
        &mut h.rng,
    );
    assert!(
        redirect_params(&respond(h.engine.drive(step, &h.store)))
            .single("code")
            .unwrap()
            .is_some()
    );
    // Next time: silent, even with prompt=none, for the same or a narrower scope.
    let (query, _) = h.authorization_query(
        FITNESS_APP,
        FITNESS_REDIRECT,
        "openid",
        &[("prompt", "none")],
        true,
    );
    assert!(
        redirect_params(&respond(h.authorize(&query, Some(&session))))
            .single("code")
            .unwrap()
            .is_some()
    );
    // A wider scope needs consent again.
    let (query, _) =
        h.authorization_query(FITNESS_APP, FITNESS_REDIRECT, "openid email", &[], true);
    assert!(matches!(
        h.authorize(&query, Some(&session)),
        Driven::Consent(_)
    ));
    // prompt=consent asks even when remembered.
    let (query, _) = h.authorization_query(
        FITNESS_APP,
        FITNESS_REDIRECT,
        "openid",
        &[("prompt", "consent")],
        true,
    );
    assert!(matches!(
        h.authorize(&query, Some(&session)),
        Driven::Consent(_)
    ));
}

#[test]
fn req_15_prompt_login_forces_reauthentication_with_a_later_auth_time() {
    let mut h = harness();
    let session = h.alice_session();
    h.advance(300);
    let (query, _) = h.authorization_query(
        FITNESS_APP,
        FITNESS_REDIRECT,
        "openid",
        &[("prompt", "login")],
        true,
    );
    let Driven::Login(context) = h.authorize(&query, Some(&session)) else {
        panic!("login expected")
    };
    // Replaying the old session does not satisfy it.
    let step = h
        .engine
        .logged_in(*context.clone(), session.clone(), h.clock.now(), &mut h.rng);
    assert_eq!(
        redirect_params(&respond(h.engine.drive(step, &h.store)))
            .single("error")
            .unwrap(),
        Some("login_required")
    );
    // A fresh login does.
    let fresh = h.alice_session();
    let step = h
        .engine
        .logged_in(*context, fresh, h.clock.now(), &mut h.rng);
    assert!(matches!(h.engine.drive(step, &h.store), Driven::Consent(_)));
}

/// OIDC Core §3.1.2.1 `prompt=select_account`: a session is not reused silently; the embedder
/// is asked (its login step says an account chooser is wanted), and the chosen account's
/// existing session answers it without a fresh login.
#[test]
fn prompt_select_account_asks_which_account_even_with_a_session() {
    let mut h = harness();
    let session = h.alice_session();
    h.advance(300);
    let (query, _) = h.authorization_query(
        FITNESS_APP,
        FITNESS_REDIRECT,
        "openid",
        &[("prompt", "select_account")],
        true,
    );
    let Driven::Login(context) = h.authorize(&query, Some(&session)) else {
        panic!("an account chooser expected")
    };
    assert!(context.select_account());
    // The chosen account's session, five minutes old, is good enough.
    let step = h
        .engine
        .logged_in(*context, session.clone(), h.clock.now(), &mut h.rng);
    assert!(matches!(h.engine.drive(step, &h.store), Driven::Consent(_)));
    // Without the prompt, the same session is reused silently.
    let (query, _) = h.authorization_query(FITNESS_APP, FITNESS_REDIRECT, "openid", &[], true);
    let Driven::Consent(context) = h.authorize(&query, Some(&session)) else {
        panic!("consent expected")
    };
    assert!(!context.select_account());
}

#[test]
fn req_16_max_age_exceeded_requires_login_and_auth_time_is_in_the_id_token() {
    let mut h = harness();
    let session = h.alice_session();
    h.advance(10);
    let (query, _) = h.authorization_query(
        FITNESS_APP,
        FITNESS_REDIRECT,
        "openid",
        &[("max_age", "1")],
        true,
    );
    assert!(matches!(
        h.authorize(&query, Some(&session)),
        Driven::Login(_)
    ));
    let (query, _) = h.authorization_query(
        FITNESS_APP,
        FITNESS_REDIRECT,
        "openid",
        &[("max_age", "10000")],
        true,
    );
    assert!(matches!(
        h.authorize(&query, Some(&session)),
        Driven::Consent(_)
    ));
    let (query, _) = h.authorization_query(
        FITNESS_APP,
        FITNESS_REDIRECT,
        "openid",
        &[("max_age", "0")],
        true,
    );
    assert!(
        matches!(h.authorize(&query, Some(&session)), Driven::Login(_)),
        "max_age=0 is prompt=login"
    );

    let (query, pending) = h.authorization_query(
        FITNESS_APP,
        FITNESS_REDIRECT,
        "openid",
        &[("max_age", "1")],
        true,
    );
    let response = h.approve(&query);
    let code = code_in(&response);
    let claims = jwt_claims(
        json(&h.redeem_confidential(&code, &pending))["id_token"]
            .as_str()
            .unwrap(),
    );
    assert_eq!(
        claims["auth_time"].as_i64().unwrap(),
        h.clock.now().unix_timestamp()
    );
}

#[test]
fn req_17_id_token_hint_must_be_ours_and_name_the_logged_in_user() {
    let mut h = harness();
    let (code, pending) = h.code_for(FITNESS_APP, FITNESS_REDIRECT, "openid");
    let id_token = json(&h.redeem_confidential(&code, &pending))["id_token"]
        .as_str()
        .unwrap()
        .to_owned();
    let alice = h.alice_session();
    let bob = ostium_engine::Authentication::new(
        ostium_engine::Subject::parse("bob").unwrap(),
        h.clock.now(),
    );

    let hint = [("id_token_hint", id_token.as_str()), ("prompt", "none")];
    let (query, _) = h.authorization_query(FITNESS_APP, FITNESS_REDIRECT, "openid", &hint, true);
    assert_eq!(
        redirect_params(&respond(h.authorize(&query, Some(&bob))))
            .single("error")
            .unwrap(),
        Some("login_required"),
        "never answer for another user"
    );
    let (query, _) = h.authorization_query(FITNESS_APP, FITNESS_REDIRECT, "openid", &hint, true);
    // Alice is logged in but has not remembered consent: consent_required, i.e. the hint was accepted.
    assert_eq!(
        redirect_params(&respond(h.authorize(&query, Some(&alice))))
            .single("error")
            .unwrap(),
        Some("consent_required")
    );

    // A token signed by someone else is refused.
    let forged = {
        let other = signing_key(99, "key-1");
        let header = ostium_jose::SigningHeader::new(ostium_jose::Algorithm::Es256).typ("JWT");
        ostium_jose::Signer::new(&other, &header)
            .unwrap()
            .sign(br#"{"iss":"https://op.example","sub":"alice"}"#)
            .unwrap()
    };
    let (query, _) = h.authorization_query(
        FITNESS_APP,
        FITNESS_REDIRECT,
        "openid",
        &[("id_token_hint", forged.as_str())],
        true,
    );
    assert_eq!(
        redirect_params(&respond(h.authorize(&query, Some(&alice))))
            .single("error")
            .unwrap(),
        Some("invalid_request")
    );
}

#[test]
fn req_18_nonce_is_optional_for_code_and_copied_unmodified() {
    let mut h = harness();
    let (code, pending) = h.code_for(FITNESS_APP, FITNESS_REDIRECT, "openid");
    let claims = jwt_claims(
        json(&h.redeem_confidential(&code, &pending))["id_token"]
            .as_str()
            .unwrap(),
    );
    assert!(claims.get("nonce").is_none());
    let nonce = "n-0S6_WzA2Mj x~!";
    let (query, pending) = h.authorization_query(
        FITNESS_APP,
        FITNESS_REDIRECT,
        "openid",
        &[("nonce", nonce)],
        true,
    );
    let code = code_in(&h.approve(&query));
    let claims = jwt_claims(
        json(&h.redeem_confidential(&code, &pending))["id_token"]
            .as_str()
            .unwrap(),
    );
    assert_eq!(claims["nonce"], nonce);
}

#[test]
fn req_19_unsigned_objects_and_foreign_request_uris_are_unsupported() {
    let mut h = harness();
    // Unsigned, or from a client without registered keys: request_not_supported, by redirect.
    let (query, _) = h.authorization_query(
        FITNESS_APP,
        FITNESS_REDIRECT,
        "openid",
        &[("request", "eyJhbGciOiJub25lIn0.e30.")],
        true,
    );
    assert_eq!(
        redirect_params(&respond(h.authorize(&query, None)))
            .single("error")
            .unwrap(),
        Some("request_not_supported")
    );
    let (query, _) = h.authorization_query(
        FITNESS_APP,
        FITNESS_REDIRECT,
        "openid",
        &[("request_uri", "https://fitness.example/r/1")],
        true,
    );
    assert_eq!(
        redirect_params(&respond(h.authorize(&query, None)))
            .single("error")
            .unwrap(),
        Some("request_uri_not_supported")
    );
    let metadata = h.engine.metadata();
    assert_eq!(metadata.request_parameter_supported, Some(true));
    assert_eq!(metadata.request_uri_parameter_supported, Some(false));
}

/// A client that signs its request objects with a registered key (`private_key_jwt`).
const SIGNED_APP: &str = "signed-app";
const SIGNED_REDIRECT: &str = "https://signed.example/cb";

fn signed_app_key() -> ostium_jose::Jwk {
    signing_key(51, "rp-key")
}

fn register_signed_app(h: &Harness) {
    use ostium_engine::{Client, ClientCredentials};
    use ostium_messages::redirect_uri::RegisteredRedirectUri;
    use ostium_messages::values::ClientId;
    let public = signed_app_key().to_public().unwrap();
    let keys = ostium_jose::JwkSet::from_keys(vec![public]).unwrap();
    h.store
        .register(Client::confidential(
            ClientId::parse(SIGNED_APP).unwrap(),
            ClientCredentials::PrivateKeyJwt(Box::new(keys)),
            vec![RegisteredRedirectUri::parse(SIGNED_REDIRECT).unwrap()],
            ostium_scope::ClientScope::new(ostium_scope::Scope::parse("openid profile").unwrap()),
        ))
        .unwrap();
}

fn request_object(
    key: &ostium_jose::Jwk,
    alg: ostium_jose::Algorithm,
    claims: &serde_json::Value,
) -> String {
    let header = ostium_jose::SigningHeader::new(alg)
        .typ("oauth-authz-req+jwt")
        .kid(key.kid().unwrap().clone());
    ostium_jose::Signer::new(key, &header)
        .unwrap()
        .sign_json(claims)
        .unwrap()
}

#[test]
fn req_19_signed_request_objects_are_processed_and_their_values_win() {
    let mut h = harness();
    register_signed_app(&h);
    let now = h.clock.now().unix_timestamp();
    let claims = serde_json::json!({
        "iss": SIGNED_APP,
        "aud": ISSUER,
        "exp": now + 300,
        "nbf": now,
        "client_id": SIGNED_APP,
        "response_type": "code",
        "redirect_uri": SIGNED_REDIRECT,
        "scope": "openid profile",
        "state": "from-the-object",
        "nonce": "n-object",
        "max_age": 3600,
        "claims": {"id_token": {"name": null}},
        "code_challenge": "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM",
        "code_challenge_method": "S256"
    });
    let object = request_object(&signed_app_key(), ostium_jose::Algorithm::Es256, &claims);
    // The query's own parameters (other than client_id) are ignored: its state, its scope.
    let query = Params::from_iter([
        ("client_id", SIGNED_APP),
        ("request", object.as_str()),
        ("state", "from-the-query"),
        ("scope", "openid"),
    ])
    .encode();
    let response = h.approve(&query);
    let callback = redirect_params(&response);
    assert!(
        response
            .header("location")
            .unwrap()
            .starts_with(SIGNED_REDIRECT)
    );
    assert_eq!(callback.single("state").unwrap(), Some("from-the-object"));
    assert!(callback.single("code").unwrap().is_some());

    // What must hold, and the refusals, each redirected to the query's registered URI with
    // the query's state.
    let refusals = [
        (
            serde_json::json!({"iss": "someone-else"}),
            "invalid_request_object",
        ),
        (
            serde_json::json!({"aud": "https://other.example"}),
            "invalid_request_object",
        ),
        (
            serde_json::json!({"exp": now - 60}),
            "invalid_request_object",
        ),
        (
            serde_json::json!({"nbf": now + 3600}),
            "invalid_request_object",
        ),
        (
            serde_json::json!({"client_id": DRAWING_APP}),
            "invalid_request_object",
        ),
        (
            serde_json::json!({"request_uri": "https://signed.example/r"}),
            "invalid_request_object",
        ),
    ];
    for (change, expected) in refusals {
        let mut broken = claims.clone();
        for (name, value) in change.as_object().unwrap() {
            broken[name] = value.clone();
        }
        let object = request_object(&signed_app_key(), ostium_jose::Algorithm::Es256, &broken);
        let query = Params::from_iter([
            ("client_id", SIGNED_APP),
            ("redirect_uri", SIGNED_REDIRECT),
            ("request", object.as_str()),
            ("state", "from-the-query"),
        ])
        .encode();
        let callback = redirect_params(&respond(h.authorize(&query, None)));
        assert_eq!(
            callback.single("error").unwrap(),
            Some(expected),
            "{change}"
        );
        assert_eq!(callback.single("state").unwrap(), Some("from-the-query"));
    }
    // Signed with a key the client did not register.
    let stranger = signing_key(52, "rp-key");
    let object = request_object(&stranger, ostium_jose::Algorithm::Es256, &claims);
    let query = Params::from_iter([
        ("client_id", SIGNED_APP),
        ("redirect_uri", SIGNED_REDIRECT),
        ("request", object.as_str()),
    ])
    .encode();
    assert_eq!(
        redirect_params(&respond(h.authorize(&query, None)))
            .single("error")
            .unwrap(),
        Some("invalid_request_object")
    );
    // A list in the object is a repeated parameter: here a resource the client may not use
    // (`invalid_target`), not an unreadable one.
    let mut with_resource = claims.clone();
    with_resource["resource"] = serde_json::json!(["https://files.example/"]);
    let object = request_object(
        &signed_app_key(),
        ostium_jose::Algorithm::Es256,
        &with_resource,
    );
    let query =
        Params::from_iter([("client_id", SIGNED_APP), ("request", object.as_str())]).encode();
    assert_eq!(
        redirect_params(&respond(h.authorize(&query, None)))
            .single("error")
            .unwrap(),
        Some("invalid_target")
    );
    // An object whose redirect URI is not registered: an error page, never a redirect there.
    let mut elsewhere = claims.clone();
    elsewhere["redirect_uri"] = serde_json::json!("https://evil.example/cb");
    let object = request_object(&signed_app_key(), ostium_jose::Algorithm::Es256, &elsewhere);
    let query =
        Params::from_iter([("client_id", SIGNED_APP), ("request", object.as_str())]).encode();
    assert_error_page(&respond(h.authorize(&query, None)));
}

#[test]
fn req_20_display_locales_hints_and_acr_values_cause_no_error() {
    let mut h = harness();
    let extra = [
        ("display", "popup"),
        ("ui_locales", "fr-CA fr en"),
        ("claims_locales", "de"),
        ("login_hint", "alice@example.com"),
        ("acr_values", "urn:mace:incommon:iap:silver"),
    ];
    let (query, _) = h.authorization_query(FITNESS_APP, FITNESS_REDIRECT, "openid", &extra, true);
    let Driven::Login(context) = h.authorize(&query, None) else {
        panic!("login expected")
    };
    assert_eq!(context.login_hint(), Some("alice@example.com"));
    assert_eq!(context.acr_values(), ["urn:mace:incommon:iap:silver"]);
}

/// OIDC Core §5.5.1.1: an `acr` requested as an essential ID token claim must be met. A session
/// below it is not reused (`login_required` under `prompt=none`); a login below it fails with
/// `access_denied`; a login that meets it puts its `acr` in the ID token.
#[test]
fn an_essential_acr_must_be_met_by_the_login() {
    let mut h = harness();
    let claims = r#"{"id_token":{"acr":{"essential":true,"values":["urn:example:loa:2","urn:example:loa:3"]}}}"#;
    let with_acr = |h: &Harness, acr: Option<&str>| {
        let mut session = h.alice_session();
        session.acr = acr.map(str::to_owned);
        session
    };
    let weak = with_acr(&h, Some("urn:example:loa:1"));

    // prompt=none with a weak session: login_required.
    let (query, _) = h.authorization_query(
        FITNESS_APP,
        FITNESS_REDIRECT,
        "openid",
        &[("claims", claims), ("prompt", "none")],
        true,
    );
    let error = redirect_params(&respond(h.authorize(&query, Some(&weak))));
    assert_eq!(error.single("error").unwrap(), Some("login_required"));

    // Otherwise the weak session is not reused: the embedder is asked for a login, and told
    // which acr values it must reach.
    let (query, pending) = h.authorization_query(
        FITNESS_APP,
        FITNESS_REDIRECT,
        "openid",
        &[("claims", claims)],
        true,
    );
    let Driven::Login(context) = h.authorize(&query, Some(&weak)) else {
        panic!("login expected")
    };
    assert_eq!(
        context.essential_acr_values(),
        Some(vec!["urn:example:loa:2", "urn:example:loa:3"])
    );
    assert!(context.claims().is_some_and(|c| c.is_essential("acr")));
    // A login below it, or with no acr at all, is a failed authentication.
    for acr in [Some("urn:example:loa:1"), None] {
        let step = h.engine.logged_in(
            *context.clone(),
            with_acr(&h, acr),
            h.clock.now(),
            &mut h.rng,
        );
        let error = redirect_params(&respond(h.engine.drive(step, &h.store)));
        assert_eq!(
            error.single("error").unwrap(),
            Some("access_denied"),
            "{acr:?}"
        );
        assert_eq!(error.single("state").unwrap(), Some(pending.state.as_str()));
    }
    // A login that meets it goes on, and the ID token says which acr it reached.
    let step = h.engine.logged_in(
        *context,
        with_acr(&h, Some("urn:example:loa:3")),
        h.clock.now(),
        &mut h.rng,
    );
    let Driven::Consent(context) = h.engine.drive(step, &h.store) else {
        panic!("consent expected")
    };
    let decision = ConsentDecision::Approve {
        scope: None,
        remember: false,
    };
    let step = h
        .engine
        .consented(*context, decision, h.clock.now(), &mut h.rng);
    let response = respond(h.engine.drive(step, &h.store));
    let code = code_in(&response);
    let id_token = json(&h.redeem_confidential(&code, &pending))["id_token"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(jwt_claims(&id_token)["acr"], "urn:example:loa:3");

    // A session that meets it is reused as it is.
    let strong = with_acr(&h, Some("urn:example:loa:2"));
    assert!(matches!(
        h.authorize(&query, Some(&strong)),
        Driven::Consent(_)
    ));
    // A voluntary acr request is a preference: a weak session still passes.
    let voluntary = r#"{"id_token":{"acr":{"values":["urn:example:loa:3"]}}}"#;
    let (query, _) = h.authorization_query(
        FITNESS_APP,
        FITNESS_REDIRECT,
        "openid",
        &[("claims", voluntary)],
        true,
    );
    assert!(matches!(
        h.authorize(&query, Some(&weak)),
        Driven::Consent(_)
    ));
}

#[test]
fn req_21_user_denial_is_access_denied() {
    let mut h = harness();
    let session = h.alice_session();
    let (query, pending) =
        h.authorization_query(FITNESS_APP, FITNESS_REDIRECT, "openid", &[], true);
    let Driven::Consent(context) = h.authorize(&query, Some(&session)) else {
        panic!("consent expected")
    };
    let step = h
        .engine
        .consented(*context, ConsentDecision::Deny, h.clock.now(), &mut h.rng);
    let params = redirect_params(&respond(h.engine.drive(step, &h.store)));
    assert_eq!(params.single("error").unwrap(), Some("access_denied"));
    assert_eq!(
        params.single("state").unwrap(),
        Some(pending.state.as_str())
    );
}

#[test]
fn req_22_offline_access_yields_a_refresh_token_only_with_consent_and_a_code() {
    let mut h = harness();
    let (code, pending) = h.code_for(FITNESS_APP, FITNESS_REDIRECT, "openid");
    assert!(
        json(&h.redeem_confidential(&code, &pending))
            .get("refresh_token")
            .is_none(),
        "OpenID grants without offline_access"
    );
    let (code, pending) = h.code_for(FITNESS_APP, FITNESS_REDIRECT, "openid offline_access");
    assert!(json(&h.redeem_confidential(&code, &pending))["refresh_token"].is_string());
}

#[test]
fn req_23_the_user_is_authenticated_before_any_success_redirect() {
    let mut h = harness();
    let (query, _) = h.authorization_query(FITNESS_APP, FITNESS_REDIRECT, "openid", &[], true);
    assert!(matches!(h.authorize(&query, None), Driven::Login(_)));
    // A consent answer without a login goes back to login.
    let Driven::Login(context) = h.authorize(&query, None) else {
        panic!("login expected")
    };
    let step = h.engine.consented(
        *context,
        ConsentDecision::Approve {
            scope: None,
            remember: false,
        },
        h.clock.now(),
        &mut h.rng,
    );
    assert!(matches!(h.engine.drive(step, &h.store), Driven::Login(_)));
}

#[test]
fn req_24_redirects_are_303() {
    let mut h = harness();
    let (query, _) = h.authorization_query(FITNESS_APP, FITNESS_REDIRECT, "openid", &[], true);
    assert_eq!(h.approve(&query).status(), 303);
}

#[test]
fn req_26_req_29_pkce_is_required_and_plain_is_refused() {
    let mut h = harness();
    let (query, _) = h.authorization_query(
        DRAWING_APP,
        DRAWING_REDIRECT,
        "files:write:/diagrams",
        &[],
        false,
    );
    let params = redirect_params(&respond(h.authorize(&query, None)));
    assert_eq!(params.single("error").unwrap(), Some("invalid_request"));
    let (query, pending) = h.authorization_query(
        DRAWING_APP,
        DRAWING_REDIRECT,
        "files:write:/diagrams",
        &[],
        false,
    );
    let plain = format!(
        "{query}&code_challenge={}&code_challenge_method=plain",
        pending.verifier.as_str()
    );
    assert_eq!(
        redirect_params(&respond(h.authorize(&plain, None)))
            .single("error")
            .unwrap(),
        Some("invalid_request")
    );
    assert_eq!(
        h.engine.metadata().code_challenge_methods_supported,
        Some(vec!["S256".to_owned()])
    );

    // The certification profile makes PKCE optional (but still verified when used).
    let mut h = harness_with(Profile::oidc_certification());
    let (query, _) = h.authorization_query(FITNESS_APP, FITNESS_REDIRECT, "openid", &[], false);
    assert!(matches!(h.authorize(&query, None), Driven::Login(_)));
}

#[test]
fn consent_may_narrow_but_not_widen_the_request() {
    let mut h = harness();
    let session = h.alice_session();
    let (query, pending) = h.authorization_query(
        FITNESS_APP,
        FITNESS_REDIRECT,
        "openid profile email",
        &[],
        true,
    );
    let Driven::Consent(context) = h.authorize(&query, Some(&session)) else {
        panic!()
    };
    let narrowed = ConsentDecision::Approve {
        scope: Some(ostium_scope::Scope::parse("openid email").unwrap()),
        remember: false,
    };
    let step = h
        .engine
        .consented(*context.clone(), narrowed, h.clock.now(), &mut h.rng);
    let code = code_in(&respond(h.engine.drive(step, &h.store)));
    assert_eq!(
        json(&h.redeem_confidential(&code, &pending))["scope"],
        "email openid"
    );
    let widened = ConsentDecision::Approve {
        scope: Some(ostium_scope::Scope::parse("openid phone").unwrap()),
        remember: false,
    };
    let step = h
        .engine
        .consented(*context, widened, h.clock.now(), &mut h.rng);
    assert_eq!(
        redirect_params(&respond(h.engine.drive(step, &h.store)))
            .single("error")
            .unwrap(),
        Some("invalid_scope")
    );
}

#[test]
fn the_authorization_context_survives_serialization() {
    let mut h = harness();
    let (query, _) = h.authorization_query(
        FITNESS_APP,
        FITNESS_REDIRECT,
        "openid",
        &[("nonce", "n1")],
        true,
    );
    let Driven::Login(context) = h.authorize(&query, None) else {
        panic!()
    };
    let json = serde_json::to_string(&context).unwrap();
    let back: ostium_engine::AuthorizationContext = serde_json::from_str(&json).unwrap();
    assert_eq!(back, *context);
    let step = h
        .engine
        .logged_in(back, h.alice_session(), h.clock.now(), &mut h.rng);
    assert!(matches!(h.engine.drive(step, &h.store), Driven::Consent(_)));
}

#[test]
fn resources_and_authorization_details_types_must_be_allowed_for_the_client() {
    let mut h = harness();
    let files = ostium_messages::values::AbsoluteUri::parse("https://files.example").unwrap();
    let (query, _) = h.authorization_query(
        DRAWING_APP,
        DRAWING_REDIRECT,
        "files:write:/diagrams",
        &[("resource", "https://files.example")],
        true,
    );
    let params = redirect_params(&respond(h.authorize(&query, None)));
    assert_eq!(params.single("error").unwrap(), Some("invalid_target"));
    let details = r#"[{"type":"payment_initiation","actions":["initiate"]}]"#;
    let (query, _) = h.authorization_query(
        DRAWING_APP,
        DRAWING_REDIRECT,
        "files:write:/diagrams",
        &[("authorization_details", details)],
        true,
    );
    let params = redirect_params(&respond(h.authorize(&query, None)));
    assert_eq!(
        params.single("error").unwrap(),
        Some("invalid_authorization_details")
    );

    // Once registered for them, both reach the grant and the tokens.
    h.store
        .register(
            drawing_app()
                .with_resources(vec![files])
                .with_authorization_details_types(vec!["payment_initiation".into()])
                .with_access_token_format(ostium_engine::AccessTokenFormat::Jwt),
        )
        .unwrap();
    let (query, pending) = h.authorization_query(
        DRAWING_APP,
        DRAWING_REDIRECT,
        "files:write:/diagrams",
        &[
            ("resource", "https://files.example"),
            ("authorization_details", details),
        ],
        true,
    );
    let Driven::Login(context) = h.authorize(&query, None) else {
        panic!("login expected")
    };
    assert_eq!(
        context.authorization_details().unwrap().len(),
        1,
        "shown on the consent page"
    );
    let code = code_in(&h.approve(&query));
    let body = json(&h.redeem_public(&code, &pending));
    let claims = jwt_claims(body["access_token"].as_str().unwrap());
    assert_eq!(claims["aud"], serde_json::json!(["https://files.example"]));
    assert_eq!(
        claims["authorization_details"][0]["type"],
        "payment_initiation"
    );
    assert_eq!(
        body["authorization_details"][0]["actions"],
        serde_json::json!(["initiate"])
    );
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig { cases: 256, ..Default::default() })]

    /// Checklist 67 (and 5, 23; RFC 9700 §4.11): whatever the request, the authorization endpoint
    /// never sends the browser anywhere but a redirect URI registered for the client.
    #[test]
    fn req_67_no_redirect_ever_leaves_the_registered_uris(
        client in proptest::sample::select(vec![FITNESS_APP, DRAWING_APP, "nobody", ""]),
        redirect in proptest::sample::select(vec![
            FITNESS_REDIRECT, DRAWING_REDIRECT, "https://evil.example/cb", "https://fitness.example/cb/..",
            "https://fitness.example/cb?next=https://evil.example", "https://fitness.example/cb#x",
            "https://fitness.example.evil.example/cb", "//evil.example/cb", "javascript:alert(1)",
            "http://127.0.0.1:8080/cb", "",
        ]),
        scope in proptest::sample::select(vec!["openid", "files:write:/diagrams", "", "openid profile nonsense"]),
        extra in proptest::sample::select(vec![
            "", "&prompt=none", "&response_mode=fragment", "&response_mode=form_post", "&response_mode=jwt",
            "&response_type=token", "&request=x.y.z", "&redirect_uri=https%3A%2F%2Fevil.example%2F",
            "&prompt=login", "&max_age=0", "&code_challenge_method=plain",
        ]),
        logged_in in proptest::bool::ANY,
    ) {
        let mut h = harness();
        let mut params = Params::new();
        params.push("response_type", "code");
        params.push("client_id", client);
        params.push("redirect_uri", redirect);
        params.push("scope", scope);
        params.push("state", "s");
        params.push("code_challenge", "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM");
        params.push("code_challenge_method", "S256");
        let query = format!("{}{extra}", params.encode());
        let session = h.alice_session();
        let response = match h.authorize(&query, logged_in.then_some(&session)) {
            Driven::Respond(response) => response,
            Driven::Login(context) | Driven::Consent(context) => {
                let step = h.engine.logged_in(*context, h.alice_session(), h.clock.now(), &mut h.rng);
                match h.engine.drive(step, &h.store) {
                    Driven::Consent(context) => {
                        let decision = ConsentDecision::Approve { scope: None, remember: false };
                        let step = h.engine.consented(*context, decision, h.clock.now(), &mut h.rng);
                        respond(h.engine.drive(step, &h.store))
                    }
                    other => respond(other),
                }
            }
            Driven::DeviceConsent(_) | Driven::EndSession(_) => panic!("no device consent in an authorization"),
        };
        let registered = [FITNESS_REDIRECT, DRAWING_REDIRECT];
        if let Some(location) = response.header("location") {
            proptest::prop_assert!(
                registered.iter().any(|r| location.starts_with(&format!("{r}?")) || location.starts_with(&format!("{r}#"))),
                "redirected to {location}"
            );
        }
        if response.status() == 200 {
            // A form_post page posts to a registered URI only.
            let page = String::from_utf8_lossy(response.body()).to_string();
            proptest::prop_assert!(registered.iter().any(|r| page.contains(&format!("action=\"{r}\""))), "{page}");
        }
    }
}

/// With a session, the client and the user's remembered consent are read in one round trip;
/// the consent counts only for the user it was read for.
#[test]
fn a_session_request_reads_the_client_and_the_consent_together() {
    let mut h = harness();
    let session = h.alice_session();
    let (query, _) = h.authorization_query(FITNESS_APP, FITNESS_REDIRECT, "openid", &[], true);
    let step = h.engine.authorize(
        &HttpRequest::get(&query),
        Some(&session),
        h.clock.now(),
        &mut h.rng,
    );
    let (effects, driven) = effects_until_stop(&h, step);
    assert_eq!(effects, ["ClientAndConsent"]);
    let Driven::Consent(context) = driven else {
        panic!("consent expected")
    };
    let approve = ConsentDecision::Approve {
        scope: None,
        remember: true,
    };
    let step = h
        .engine
        .consented(*context, approve, h.clock.now(), &mut h.rng);
    assert!(matches!(h.engine.drive(step, &h.store), Driven::Respond(_)));

    // Remembered: one read, then the code is written.
    let step = h.engine.authorize(
        &HttpRequest::get(&query),
        Some(&session),
        h.clock.now(),
        &mut h.rng,
    );
    let (effects, driven) = effects_until_stop(&h, step);
    assert_eq!(effects, ["ClientAndConsent", "Write"]);
    assert!(
        redirect_params(&respond(driven))
            .single("code")
            .unwrap()
            .is_some()
    );

    // prompt=login: the read-ahead consent is alice's, but bob logs in; his consent is read
    // for him, and there is none, so he is asked.
    let (query, _) = h.authorization_query(
        FITNESS_APP,
        FITNESS_REDIRECT,
        "openid",
        &[("prompt", "login")],
        true,
    );
    let step = h.engine.authorize(
        &HttpRequest::get(&query),
        Some(&session),
        h.clock.now(),
        &mut h.rng,
    );
    let (_, driven) = effects_until_stop(&h, step);
    let Driven::Login(context) = driven else {
        panic!("login expected")
    };
    h.advance(5);
    let bob = ostium_engine::Authentication::new(
        ostium_engine::Subject::parse("bob").unwrap(),
        h.clock.now(),
    );
    let step = h.engine.logged_in(*context, bob, h.clock.now(), &mut h.rng);
    let (effects, driven) = effects_until_stop(&h, step);
    assert_eq!(effects, ["Client", "Consent"]);
    assert!(matches!(driven, Driven::Consent(_)));
}

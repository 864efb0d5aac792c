//! Dynamic client registration (RFC 7591; OIDC Dynamic Client Registration): the endpoint's
//! rules, and a registered client going through a whole flow.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use common::*;
use ostium_engine::{Engine, Registration, SecretHash};
use ostium_jose::{Algorithm, Jwk};
use ostium_messages::{HttpRequest, HttpResponse};
use ostium_scope::Scope;
use ostium_testkit::SeededRng;
use serde_json::{Value, json};

const ENDPOINT: &str = "https://op.example/register";
const INITIAL_TOKEN: &str = "initial-access-token-0123456789abcdefghijk";
const RP_REDIRECT: &str = "https://rp.example/cb";

fn with_registration(registration: Registration) -> Harness {
    let mut h = harness();
    h.engine = Engine::new(h.engine.config().clone().with_registration(registration)).unwrap();
    h
}

fn open() -> Harness {
    with_registration(Registration::open(
        ENDPOINT,
        Scope::parse("openid profile email offline_access").unwrap(),
    ))
}

fn register(h: &mut Harness, metadata: &Value, authorization: Option<&str>) -> HttpResponse {
    let body = metadata.to_string();
    let request = HttpRequest {
        method: "POST",
        content_type: Some("application/json"),
        authorization,
        body: body.as_bytes(),
        ..HttpRequest::default()
    };
    let step = h.engine.register(&request, h.clock.now(), &mut h.rng);
    h.engine.drive(step, &h.store).into_response().unwrap()
}

#[test]
fn a_registered_client_signs_in_with_the_code_flow() {
    let mut h = open();
    let response = register(
        &mut h,
        &json!({
            "redirect_uris": [RP_REDIRECT],
            "client_name": "Running Club",
            "scope": "openid profile",
            "logo_uri": "https://rp.example/logo.png",
            "post_logout_redirect_uris": ["https://rp.example/bye"],
            "backchannel_logout_uri": "https://rp.example/backchannel",
            "backchannel_logout_session_required": true
        }),
        None,
    );
    assert_eq!(response.status(), 201, "{:?}", json(&response));
    assert_eq!(response.header("cache-control"), Some("no-store"));
    let info = json(&response);
    let client_id = info["client_id"].as_str().unwrap().to_owned();
    let secret = info["client_secret"].as_str().unwrap().to_owned();
    assert_eq!(client_id.len(), 22, "128 bits, base64url");
    assert_eq!(secret.len(), 43, "256 bits, base64url");
    assert_eq!(info["client_secret_expires_at"], 0);
    assert_eq!(info["client_id_issued_at"], h.clock.now().unix_timestamp());
    // What was registered, with the defaults filled in (RFC 7591 §3.2.1).
    assert_eq!(info["token_endpoint_auth_method"], "client_secret_basic");
    assert_eq!(info["grant_types"], json!(["authorization_code"]));
    assert_eq!(info["response_types"], json!(["code"]));
    assert_eq!(info["scope"], "openid profile");
    assert_eq!(info["client_name"], "Running Club");
    assert_eq!(info["logo_uri"], "https://rp.example/logo.png");

    // The new client goes through a whole flow with its secret.
    let (query, pending) =
        h.authorization_query(&client_id, RP_REDIRECT, "openid profile", &[], true);
    let code = code_in(&h.approve(&query));
    let authorization = basic(&client_id, &secret);
    let tokens = h.token(
        &[
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("redirect_uri", RP_REDIRECT),
            ("code_verifier", pending.verifier.as_str()),
        ],
        Some(&authorization),
    );
    assert_eq!(tokens.status(), 200, "{:?}", json(&tokens));
    assert_eq!(
        jwt_claims(json(&tokens)["id_token"].as_str().unwrap())["aud"],
        client_id
    );
    // A wrong secret is refused.
    let wrong = basic(&client_id, "not-the-secret-0123456789abcdefghijklmnopq");
    let refused = h.token(&[("grant_type", "client_credentials")], Some(&wrong));
    assert_eq!(refused.status(), 401);

    // Its post-logout redirect URI is registered too.
    let id_token = json(&tokens)["id_token"].as_str().unwrap().to_owned();
    let query = ostium_messages::Params::from_iter([
        ("id_token_hint", id_token.as_str()),
        ("post_logout_redirect_uri", "https://rp.example/bye"),
    ])
    .encode();
    let step = h.engine.end_session(&HttpRequest::get(&query));
    let ostium_engine::Driven::EndSession(end) = h.engine.drive(step, &h.store) else {
        panic!("the logout redirect should be accepted")
    };
    assert_eq!(
        end.finish().header("location"),
        Some("https://rp.example/bye")
    );

    // And its back-channel logout registration.
    let stored = ostium_engine::Store::execute(
        &h.store,
        ostium_engine::store::Effect::Client(
            ostium_messages::values::ClientId::parse(&client_id).unwrap(),
        ),
    );
    let Ok(ostium_engine::store::Outcome::Client(Some(client))) = stored else {
        panic!("the registered client is stored")
    };
    assert_eq!(
        client.backchannel_logout_uri.as_ref().map(|u| u.as_str()),
        Some("https://rp.example/backchannel")
    );
    assert!(client.backchannel_logout_session_required);

    // Two registrations never share an id or a secret.
    let other = json(&register(
        &mut h,
        &json!({"redirect_uris": [RP_REDIRECT]}),
        None,
    ));
    assert_ne!(other["client_id"], info["client_id"]);
    assert_ne!(other["client_secret"], info["client_secret"]);
}

#[test]
fn oidcc_redirect_uri_regfrag_and_other_bad_redirect_uris_are_refused() {
    let mut h = open();
    for uris in [
        json!(["https://rp.example/cb#fragment"]),
        json!(["http://rp.example/cb"]),
        json!(["/relative"]),
        json!([]),
    ] {
        let response = register(&mut h, &json!({ "redirect_uris": uris }), None);
        assert_eq!(response.status(), 400, "{uris}");
        assert_eq!(error_code(&response), "invalid_redirect_uri", "{uris}");
    }
    // No redirect URIs at all, for the code flow.
    let response = register(&mut h, &json!({"client_name": "x"}), None);
    assert_eq!(error_code(&response), "invalid_redirect_uri");
    // Native loopback is fine.
    let response = register(
        &mut h,
        &json!({"redirect_uris": ["http://127.0.0.1/cb"], "token_endpoint_auth_method": "none",
                "application_type": "native"}),
        None,
    );
    assert_eq!(response.status(), 201);
    let info = json(&response);
    assert!(
        info.get("client_secret").is_none(),
        "a public client gets no secret"
    );
    assert_eq!(info["token_endpoint_auth_method"], "none");
}

#[test]
fn metadata_the_engine_cannot_honour_is_refused() {
    let mut h = open();
    let key = Jwk::generate(Algorithm::Es256, &mut SeededRng::new(3)).unwrap();
    let private_jwks: Value =
        serde_json::from_str(&format!(r#"{{"keys":[{}]}}"#, key.to_json())).unwrap();
    for metadata in [
        json!({"redirect_uris": [RP_REDIRECT], "grant_types": ["implicit"]}),
        json!({"redirect_uris": [RP_REDIRECT], "grant_types": ["password"]}),
        json!({"redirect_uris": [RP_REDIRECT], "response_types": ["token"]}),
        json!({"redirect_uris": [RP_REDIRECT], "response_types": ["code id_token"]}),
        json!({"redirect_uris": [RP_REDIRECT], "grant_types": ["client_credentials"]}),
        json!({"redirect_uris": [RP_REDIRECT], "token_endpoint_auth_method": "client_secret_jwt"}),
        json!({"redirect_uris": [RP_REDIRECT], "token_endpoint_auth_method": "tls_client_auth"}),
        json!({"redirect_uris": [RP_REDIRECT], "token_endpoint_auth_method": "private_key_jwt"}),
        json!({"redirect_uris": [RP_REDIRECT], "token_endpoint_auth_method": "private_key_jwt",
               "jwks_uri": "https://rp.example/jwks"}),
        json!({"redirect_uris": [RP_REDIRECT], "token_endpoint_auth_method": "private_key_jwt",
               "jwks": private_jwks}),
        json!({"redirect_uris": [RP_REDIRECT], "token_endpoint_auth_method": "none",
               "grant_types": ["authorization_code", "client_credentials"]}),
        json!({"redirect_uris": [RP_REDIRECT], "jwks_uri": "http://rp.example/jwks"}),
        json!({"redirect_uris": [RP_REDIRECT], "scope": 5}),
    ] {
        let response = register(&mut h, &metadata, None);
        assert_eq!(response.status(), 400, "{metadata}");
        assert_eq!(
            error_code(&response),
            "invalid_client_metadata",
            "{metadata}"
        );
        assert_eq!(response.header("cache-control"), Some("no-store"));
    }
    // A client-credentials-only confidential client needs no redirect URI and no response type.
    let response = register(
        &mut h,
        &json!({"grant_types": ["client_credentials"], "response_types": []}),
        None,
    );
    assert_eq!(response.status(), 201, "{:?}", json(&response));
    // private_key_jwt with public keys: registered, without a secret.
    let public_jwks: Value = serde_json::from_str(&format!(
        r#"{{"keys":[{}]}}"#,
        key.to_public().unwrap().to_json()
    ))
    .unwrap();
    let response = register(
        &mut h,
        &json!({"redirect_uris": [RP_REDIRECT], "token_endpoint_auth_method": "private_key_jwt",
                "jwks": public_jwks}),
        None,
    );
    assert_eq!(response.status(), 201, "{:?}", json(&response));
    assert!(json(&response).get("client_secret").is_none());
}

#[test]
fn the_scope_is_capped_by_the_configuration() {
    let mut h = open();
    let info = json(&register(
        &mut h,
        &json!({"redirect_uris": [RP_REDIRECT], "scope": "openid admin profile"}),
        None,
    ));
    assert_eq!(info["scope"], "openid profile");
    let info = json(&register(
        &mut h,
        &json!({"redirect_uris": [RP_REDIRECT]}),
        None,
    ));
    assert_eq!(info["scope"], "email offline_access openid profile");
}

#[test]
fn an_initial_access_token_is_required_when_configured() {
    let mut h = with_registration(Registration::with_initial_access_token(
        ENDPOINT,
        SecretHash::of(INITIAL_TOKEN),
        Scope::parse("openid").unwrap(),
    ));
    let metadata = json!({"redirect_uris": [RP_REDIRECT]});
    let missing = register(&mut h, &metadata, None);
    assert_eq!(missing.status(), 401);
    assert_eq!(missing.header("www-authenticate"), Some("Bearer"));
    let wrong = register(&mut h, &metadata, Some("Bearer not-the-token"));
    assert_eq!(wrong.status(), 401);
    assert!(
        wrong
            .header("www-authenticate")
            .unwrap()
            .contains("error=\"invalid_token\"")
    );
    let header = format!("Bearer {INITIAL_TOKEN}");
    assert_eq!(register(&mut h, &metadata, Some(&header)).status(), 201);
}

#[test]
fn registration_is_off_by_default_and_published_when_on() {
    let mut h = harness();
    let response = register(&mut h, &json!({"redirect_uris": [RP_REDIRECT]}), None);
    assert_eq!(response.status(), 404);
    assert!(
        json(&h.engine.discovery())
            .get("registration_endpoint")
            .is_none()
    );

    let mut h = open();
    assert_eq!(
        json(&h.engine.discovery())["registration_endpoint"],
        ENDPOINT
    );
    // POST with JSON only.
    let step = h
        .engine
        .register(&HttpRequest::get(""), h.clock.now(), &mut h.rng);
    let response = h.engine.drive(step, &h.store).into_response().unwrap();
    assert_eq!(response.status(), 405);
    assert_eq!(response.header("allow"), Some("POST"));
    let body = br#"{"redirect_uris":["https://rp.example/cb"]}"#;
    let step = h
        .engine
        .register(&HttpRequest::form_post(body), h.clock.now(), &mut h.rng);
    let response = h.engine.drive(step, &h.store).into_response().unwrap();
    assert_eq!(error_code(&response), "invalid_client_metadata");
}

fn manage(
    h: &mut Harness,
    method: &'static str,
    client_id: &str,
    token: &str,
    body: Option<&Value>,
) -> HttpResponse {
    let header = format!("Bearer {token}");
    let body = body.map(Value::to_string).unwrap_or_default();
    let request = HttpRequest {
        method,
        content_type: Some("application/json"),
        authorization: Some(&header),
        body: body.as_bytes(),
        ..HttpRequest::default()
    };
    let step = h.engine.client_configuration(&request, client_id);
    h.engine.drive(step, &h.store).into_response().unwrap()
}

/// RFC 7592: the registration access token reads, updates and deletes the registration, and
/// nothing else does.
#[test]
fn a_registered_client_manages_its_registration() {
    let mut h = open();
    let metadata = json!({
        "redirect_uris": [RP_REDIRECT],
        "grant_types": ["authorization_code", "client_credentials"],
        "client_name": "Running Club",
        "scope": "openid profile"
    });
    let info = json(&register(&mut h, &metadata, None));
    let client_id = info["client_id"].as_str().unwrap().to_owned();
    let secret = info["client_secret"].as_str().unwrap().to_owned();
    let token = info["registration_access_token"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(token.len(), 43);
    assert_eq!(
        info["registration_client_uri"],
        format!("{ENDPOINT}/{client_id}")
    );

    // Read: the registration as it stands, without the secret.
    let read = manage(&mut h, "GET", &client_id, &token, None);
    assert_eq!(read.status(), 200);
    assert_eq!(read.header("cache-control"), Some("no-store"));
    let read = json(&read);
    assert_eq!(read["client_name"], "Running Club");
    assert_eq!(read["client_id"], client_id.as_str());
    assert!(read.get("client_secret").is_none());
    assert!(read.get("registration_access_token").is_none());

    // A wrong token, or another client's id, is a 401 either way.
    let wrong = manage(&mut h, "GET", &client_id, "not-the-token", None);
    assert_eq!(wrong.status(), 401);
    assert!(
        wrong
            .header("www-authenticate")
            .unwrap()
            .contains("invalid_token")
    );
    assert_eq!(manage(&mut h, "GET", "nobody", &token, None).status(), 401);
    assert_eq!(
        manage(&mut h, "GET", FITNESS_APP, &token, None).status(),
        401
    );

    // A client-credentials token from before the update, to see it revoked at the delete.
    let authorization = basic(&client_id, &secret);
    let before = json(&h.token(
        &[("grant_type", "client_credentials")],
        Some(&authorization),
    ));
    let before = before["access_token"].as_str().unwrap().to_owned();

    // Update: a new name and redirect URI; the secret and the token stay.
    let mut updated = metadata.clone();
    updated["client_id"] = json!(client_id);
    updated["client_name"] = json!("Running Club (new)");
    updated["redirect_uris"] = json!(["https://rp.example/new-cb"]);
    let response = manage(&mut h, "PUT", &client_id, &token, Some(&updated));
    assert_eq!(response.status(), 200, "{:?}", json(&response));
    assert_eq!(json(&response)["client_name"], "Running Club (new)");
    let (query, _) =
        h.authorization_query(&client_id, "https://rp.example/new-cb", "openid", &[], true);
    assert_eq!(h.approve(&query).status(), 303);
    let (query, _) = h.authorization_query(&client_id, RP_REDIRECT, "openid", &[], true);
    assert_eq!(
        h.approve(&query).status(),
        400,
        "the old redirect URI is gone"
    );
    assert_eq!(
        h.token(
            &[("grant_type", "client_credentials")],
            Some(&authorization)
        )
        .status(),
        200,
        "the secret still works"
    );
    // Updates that break the rules.
    for (field, value) in [
        ("client_id", json!("someone-else")),
        ("token_endpoint_auth_method", json!("client_secret_post")),
        (
            "client_secret",
            json!("not-the-secret-0123456789abcdefghijklmnopq"),
        ),
        ("redirect_uris", json!(["https://rp.example/cb#fragment"])),
    ] {
        let mut bad = updated.clone();
        bad[field] = value;
        let response = manage(&mut h, "PUT", &client_id, &token, Some(&bad));
        assert_eq!(response.status(), 400, "{field}");
    }
    let mut anonymous = updated.clone();
    anonymous.as_object_mut().unwrap().remove("client_id");
    assert_eq!(
        manage(&mut h, "PUT", &client_id, &token, Some(&anonymous)).status(),
        400
    );
    assert_eq!(
        manage(&mut h, "POST", &client_id, &token, None).status(),
        405
    );

    // Delete: 204, then the client and what it was issued are gone.
    let deleted = manage(&mut h, "DELETE", &client_id, &token, None);
    assert_eq!(deleted.status(), 204);
    assert_eq!(
        manage(&mut h, "GET", &client_id, &token, None).status(),
        401
    );
    assert_eq!(
        h.token(
            &[("grant_type", "client_credentials")],
            Some(&authorization)
        )
        .status(),
        401
    );
    h.store
        .register(fitness_app().introspecting_any_token())
        .unwrap();
    let introspection = json(&h.introspect(&before, &basic(FITNESS_APP, FITNESS_SECRET)));
    assert_eq!(introspection, json!({"active": false}));
}

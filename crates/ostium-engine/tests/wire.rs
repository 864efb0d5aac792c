//! Exact wire output for the error table of `../shared/spec/checklist.md` section 3: status,
//! headers and body (or redirect URL), byte for byte.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use common::*;
use ostium_engine::Driven;
use ostium_messages::{HttpRequest, HttpResponse, Params};

fn headers(response: &HttpResponse) -> Vec<(&str, &str)> {
    response
        .headers()
        .iter()
        .map(|(name, value)| (*name, &**value))
        .collect()
}

fn body(response: &HttpResponse) -> &str {
    std::str::from_utf8(response.body()).unwrap()
}

#[test]
fn authorization_error_redirect_is_exact() {
    let mut h = harness();
    let query = "response_type=code&client_id=fitness-app&redirect_uri=https%3A%2F%2Ffitness.example%2Fcb\
                 &scope=openid&state=af0ifjsldkj&prompt=none&code_challenge=E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM\
                 &code_challenge_method=S256";
    let Driven::Respond(response) = h.authorize(query, None) else {
        panic!()
    };
    assert_eq!(response.status(), 303);
    assert_eq!(
        response.header("location"),
        Some(
            "https://fitness.example/cb?error=login_required&error_description=the+user+must+log+in\
             &state=af0ifjsldkj&iss=https%3A%2F%2Fop.example"
        )
    );
    assert!(response.body().is_empty());
}

#[test]
fn authorization_error_page_for_an_unverified_redirect_uri_is_a_400_without_location() {
    let mut h = harness();
    let query = "response_type=code&client_id=fitness-app&redirect_uri=https%3A%2F%2Fevil.example%2F&scope=openid";
    let Driven::Respond(response) = h.authorize(query, None) else {
        panic!()
    };
    assert_eq!(response.status(), 400);
    assert_eq!(
        headers(&response),
        [
            ("content-type", "text/html; charset=utf-8"),
            ("cache-control", "no-store")
        ]
    );
    assert!(
        body(&response).contains("the redirect_uri is missing or not registered for this client")
    );
}

#[test]
fn token_error_is_400_json_no_store() {
    let mut h = harness();
    let response = h.token(
        &[
            ("grant_type", "authorization_code"),
            ("code", "nope"),
            ("client_id", DRAWING_APP),
            ("redirect_uri", DRAWING_REDIRECT),
        ],
        None,
    );
    assert_eq!(response.status(), 400);
    assert_eq!(
        headers(&response),
        [
            ("content-type", "application/json"),
            ("cache-control", "no-store"),
            ("pragma", "no-cache")
        ]
    );
    assert_eq!(
        body(&response),
        r#"{"error":"invalid_grant","error_description":"unknown or expired authorization code"}"#
    );
}

#[test]
fn invalid_client_with_basic_is_401_with_www_authenticate() {
    let mut h = harness();
    let response = h.token(
        &[("grant_type", "client_credentials")],
        Some(&basic(FITNESS_APP, "wrong")),
    );
    assert_eq!(response.status(), 401);
    assert_eq!(
        headers(&response),
        [
            ("content-type", "application/json"),
            ("cache-control", "no-store"),
            ("pragma", "no-cache"),
            ("www-authenticate", "Basic realm=\"https://op.example\"")
        ]
    );
    assert_eq!(
        body(&response),
        r#"{"error":"invalid_client","error_description":"client authentication failed"}"#
    );
}

#[test]
fn token_success_is_200_json_no_store() {
    let mut h = harness();
    let (code, pending) = h.code_for(DRAWING_APP, DRAWING_REDIRECT, "files:write:/diagrams");
    let response = h.redeem_public(&code, &pending);
    assert_eq!(
        headers(&response),
        [
            ("content-type", "application/json"),
            ("cache-control", "no-store"),
            ("pragma", "no-cache")
        ]
    );
    let json: serde_json::Value = serde_json::from_str(body(&response)).unwrap();
    let mut members: Vec<&str> = json
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    members.sort_unstable();
    assert_eq!(
        members,
        [
            "access_token",
            "expires_in",
            "refresh_token",
            "scope",
            "token_type"
        ]
    );
}

#[test]
fn revocation_and_introspection_answers_are_exact() {
    let mut h = harness();
    let body_params = Params::from_iter([("token", "unknown")]).encode();
    let request = HttpRequest::form_post(body_params.as_bytes()).with_authorization(
        "Basic Zml0bmVzcy1hcHA6Zml0bmVzcy1zZWNyZXQtMDEyMzQ1Njc4OWFiY2RlZmdoaWprbG1ub3A=",
    );
    let step = h.engine.revoke(&request, h.clock.now());
    let response = h.engine.drive(step, &h.store).into_response().unwrap();
    assert_eq!(
        (response.status(), headers(&response), response.body()),
        (200, vec![("cache-control", "no-store")], &b""[..])
    );

    let response = h.introspect("unknown", &basic(FITNESS_APP, FITNESS_SECRET));
    assert_eq!(response.status(), 200);
    assert_eq!(body(&response), r#"{"active":false}"#);
    assert_eq!(response.header("cache-control"), Some("no-store"));
}

#[test]
fn userinfo_challenges_are_exact() {
    let mut h = harness();
    let step = h.engine.userinfo(&HttpRequest::get(""), h.clock.now());
    let response = h.engine.drive(step, &h.store).into_response().unwrap();
    assert_eq!(
        (response.status(), headers(&response)),
        (
            401,
            vec![
                ("cache-control", "no-store"),
                ("www-authenticate", "Bearer")
            ]
        )
    );

    let response = h.userinfo("not-a-token");
    assert_eq!(response.status(), 401);
    assert_eq!(
        response.header("www-authenticate"),
        Some(
            r#"Bearer error="invalid_token", error_description="the access token is invalid or expired""#
        )
    );
}

/// Checklist section 3, "Token (device grant)" and "Device authorization": 400 JSON, no-store;
/// `invalid_client` 401 with a challenge when the Authorization header was used.
#[test]
fn device_grant_errors_are_exact() {
    let mut h = harness();
    h.store.register(tv_app()).unwrap();
    let json_headers = [
        ("content-type", "application/json"),
        ("cache-control", "no-store"),
        ("pragma", "no-cache"),
    ];
    let device_authorization = |h: &mut Harness, body: &str, authorization: Option<&str>| {
        let mut request = HttpRequest::form_post(body.as_bytes());
        if let Some(authorization) = authorization {
            request = request.with_authorization(authorization);
        }
        let step = h
            .engine
            .device_authorization(&request, h.clock.now(), &mut h.rng);
        h.engine.drive(step, &h.store).into_response().unwrap()
    };

    let response = device_authorization(&mut h, "client_id=drawing-app", None);
    assert_eq!(response.status(), 400);
    assert_eq!(headers(&response), json_headers);
    assert_eq!(
        body(&response),
        r#"{"error":"unauthorized_client","error_description":"the client may not use the device grant"}"#
    );
    let response = device_authorization(&mut h, "scope=openid", Some(&basic(FITNESS_APP, "wrong")));
    assert_eq!(response.status(), 401);
    assert_eq!(
        response.header("www-authenticate"),
        Some("Basic realm=\"https://op.example\"")
    );
    assert_eq!(
        body(&response),
        r#"{"error":"invalid_client","error_description":"client authentication failed"}"#
    );

    let response = device_authorization(&mut h, "client_id=tv-app&scope=profile", None);
    let device_code = json(&response)["device_code"].as_str().unwrap().to_owned();
    let poll = |h: &mut Harness| {
        h.token(
            &[
                ("grant_type", DEVICE_GRANT),
                ("device_code", &device_code),
                ("client_id", TV_APP),
            ],
            None,
        )
    };
    let response = poll(&mut h);
    assert_eq!(response.status(), 400);
    assert_eq!(headers(&response), json_headers);
    assert_eq!(
        body(&response),
        r#"{"error":"authorization_pending","error_description":"the user has not answered yet"}"#
    );
    let response = poll(&mut h);
    assert_eq!(response.status(), 400);
    assert_eq!(headers(&response), json_headers);
    assert_eq!(
        body(&response),
        r#"{"error":"slow_down","error_description":"polled too soon: wait 5 seconds longer between polls from now on"}"#
    );
    h.advance(600);
    let response = poll(&mut h);
    assert_eq!(response.status(), 400);
    assert_eq!(headers(&response), json_headers);
    assert_eq!(
        body(&response),
        r#"{"error":"expired_token","error_description":"the device_code has expired"}"#
    );
}

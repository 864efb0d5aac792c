//! Pushed authorization requests (RFC 9126), checklist item 55.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use common::*;
use ostium_engine::{Driven, Profile};
use ostium_messages::{HttpRequest, HttpResponse, Params};

/// Pushes the fitness app's request (client_secret_basic) and returns the response.
fn push(h: &mut Harness, body: &str, authorization: Option<&str>) -> HttpResponse {
    let mut request = HttpRequest::form_post(body.as_bytes());
    if let Some(authorization) = authorization {
        request = request.with_authorization(authorization);
    }
    let step = h
        .engine
        .pushed_authorization(&request, h.clock.now(), &mut h.rng);
    h.engine.drive(step, &h.store).into_response().unwrap()
}

fn pushed(h: &mut Harness) -> (String, Pending) {
    let (query, pending) =
        h.authorization_query(FITNESS_APP, FITNESS_REDIRECT, "openid", &[], true);
    let response = push(h, &query, Some(&basic(FITNESS_APP, FITNESS_SECRET)));
    assert_eq!(
        response.status(),
        201,
        "{}",
        String::from_utf8_lossy(response.body())
    );
    assert_eq!(response.header("cache-control"), Some("no-store"));
    let body = json(&response);
    assert_eq!(body["expires_in"], 60);
    (body["request_uri"].as_str().unwrap().to_owned(), pending)
}

fn by_reference(client: &str, request_uri: &str) -> String {
    Params::from_iter([("client_id", client), ("request_uri", request_uri)]).encode()
}

#[test]
fn req_55_a_pushed_request_is_used_by_reference_and_yields_a_code() {
    let mut h = harness();
    let (request_uri, pending) = pushed(&mut h);
    assert!(request_uri.starts_with("urn:ietf:params:oauth:request_uri:"));
    // The authorization request carries only client_id and request_uri (RFC 9126 §4).
    let response = h.approve(&by_reference(FITNESS_APP, &request_uri));
    let callback = redirect_params(&response);
    assert_eq!(
        callback.single("state").unwrap(),
        Some(pending.state.as_str())
    );
    assert_eq!(callback.single("iss").unwrap(), Some(ISSUER));
    let code = callback.single("code").unwrap().unwrap().to_owned();
    let tokens = json(&h.redeem_confidential(&code, &pending));
    assert!(tokens["id_token"].is_string());
}

#[test]
fn req_55_request_uri_is_single_use_client_bound_and_expiring() {
    let mut h = harness();
    let error_page = |response: &HttpResponse| {
        assert_eq!(response.status(), 400);
        assert!(response.header("location").is_none());
    };
    // Used once, then gone.
    let (request_uri, _) = pushed(&mut h);
    assert!(matches!(
        h.authorize(&by_reference(FITNESS_APP, &request_uri), None),
        Driven::Login(_)
    ));
    let Driven::Respond(response) = h.authorize(&by_reference(FITNESS_APP, &request_uri), None)
    else {
        panic!()
    };
    error_page(&response);
    // Another client cannot use it (and using it burns it).
    let (request_uri, _) = pushed(&mut h);
    let Driven::Respond(response) = h.authorize(&by_reference(DRAWING_APP, &request_uri), None)
    else {
        panic!()
    };
    error_page(&response);
    // Expired.
    let (request_uri, _) = pushed(&mut h);
    h.advance(60);
    let Driven::Respond(response) = h.authorize(&by_reference(FITNESS_APP, &request_uri), None)
    else {
        panic!()
    };
    error_page(&response);
    // Made up.
    let Driven::Respond(response) = h.authorize(
        &by_reference(FITNESS_APP, "urn:ietf:params:oauth:request_uri:nope"),
        None,
    ) else {
        panic!()
    };
    error_page(&response);
}

#[test]
fn req_55_pushing_needs_client_authentication_and_a_valid_request() {
    let mut h = harness();
    let (query, _) = h.authorization_query(FITNESS_APP, FITNESS_REDIRECT, "openid", &[], true);
    let response = push(&mut h, &query, None);
    assert_eq!(
        (response.status(), error_code(&response).as_str()),
        (401, "invalid_client")
    );
    let response = push(&mut h, &query, Some(&basic(FITNESS_APP, "wrong")));
    assert_eq!(
        (response.status(), error_code(&response).as_str()),
        (401, "invalid_client")
    );
    // A request_uri inside a pushed request is refused.
    let nested = format!("{query}&request_uri=urn%3Aietf%3Aparams%3Aoauth%3Arequest_uri%3Ax");
    let response = push(&mut h, &nested, Some(&basic(FITNESS_APP, FITNESS_SECRET)));
    assert_eq!(
        (response.status(), error_code(&response).as_str()),
        (400, "invalid_request")
    );
    // Unregistered redirect URI, missing PKCE, or another client's id.
    let (bad_redirect, _) =
        h.authorization_query(FITNESS_APP, "https://evil.example/cb", "openid", &[], true);
    let (no_pkce, _) = h.authorization_query(FITNESS_APP, FITNESS_REDIRECT, "openid", &[], false);
    let (other_client, _) =
        h.authorization_query(DRAWING_APP, DRAWING_REDIRECT, "openid", &[], true);
    for body in [bad_redirect, no_pkce, other_client] {
        let response = push(&mut h, &body, Some(&basic(FITNESS_APP, FITNESS_SECRET)));
        assert_eq!(
            (response.status(), error_code(&response).as_str()),
            (400, "invalid_request"),
            "{body}"
        );
    }
}

#[test]
fn requiring_par_refuses_requests_that_were_not_pushed() {
    let mut profile = Profile::oauth21();
    profile.require_pushed_requests = true;
    let mut h = harness_with(profile);
    let (query, _) = h.authorization_query(FITNESS_APP, FITNESS_REDIRECT, "openid", &[], true);
    let Driven::Respond(response) = h.authorize(&query, None) else {
        panic!()
    };
    assert_eq!(
        redirect_params(&response).single("error").unwrap(),
        Some("invalid_request")
    );
    let (request_uri, _) = pushed(&mut h);
    assert!(matches!(
        h.authorize(&by_reference(FITNESS_APP, &request_uri), None),
        Driven::Login(_)
    ));
    let metadata = h.engine.metadata();
    assert_eq!(
        metadata.pushed_authorization_request_endpoint.as_deref(),
        Some("https://op.example/par")
    );
    assert_eq!(metadata.require_pushed_authorization_requests, Some(true));
}

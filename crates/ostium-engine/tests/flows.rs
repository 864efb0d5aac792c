//! End-to-end flows through the engine and the in-memory store.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use common::*;

#[test]
fn delegated_access_code_flow_with_pkce() {
    let mut h = harness();
    let (code, pending) = h.code_for(DRAWING_APP, DRAWING_REDIRECT, "files:write:/diagrams");
    let response = h.redeem_public(&code, &pending);
    assert_eq!(
        response.status(),
        200,
        "{}",
        String::from_utf8_lossy(response.body())
    );
    let body = json(&response);
    assert_eq!(body["token_type"], "Bearer");
    assert_eq!(body["scope"], "files:write:/diagrams");
    assert_eq!(body["expires_in"], 600);
    assert_eq!(body["access_token"].as_str().unwrap().len(), 43);
    assert!(
        body["refresh_token"].is_string(),
        "a plain OAuth grant gets a refresh token"
    );
    assert!(
        body.get("id_token").is_none(),
        "no openid scope, no ID token"
    );
}

#[test]
fn sign_in_code_flow_yields_a_verifiable_id_token_and_userinfo() {
    let mut h = harness();
    let (query, pending) = h.authorization_query(
        FITNESS_APP,
        FITNESS_REDIRECT,
        "openid profile email",
        &[("nonce", "n-0S6_WzA2Mj")],
        true,
    );
    let response = h.approve(&query);
    let code = code_in(&response);
    let response = h.redeem_confidential(&code, &pending);
    assert_eq!(
        response.status(),
        200,
        "{}",
        String::from_utf8_lossy(response.body())
    );
    let body = json(&response);
    let id_token = body["id_token"].as_str().unwrap();
    let policy = ostium_jose::Validation::new(ostium_jose::Typ::Jwt, ostium_jose::Algorithm::Es256)
        .issuer(ISSUER)
        .audience(FITNESS_APP);
    let public = h.signing_key.to_public().unwrap();
    let verified = policy.verify(id_token, &public, h.clock.now()).unwrap();
    assert_eq!(verified.subject(), Some("alice"));
    let claims = jwt_claims(id_token);
    assert_eq!(claims["nonce"], "n-0S6_WzA2Mj");
    assert_eq!(claims["azp"], FITNESS_APP);
    assert!(claims["auth_time"].is_i64());
    assert!(claims["at_hash"].is_string());

    let userinfo = h.userinfo(body["access_token"].as_str().unwrap());
    assert_eq!(userinfo.status(), 200);
    let userinfo = json(&userinfo);
    assert_eq!(userinfo["sub"], "alice");
    assert_eq!(userinfo["name"], "Alice Example");
    assert_eq!(userinfo["email"], "alice@example.com");
    assert!(
        userinfo.get("phone_number").is_none(),
        "phone was not in the scope"
    );
}

/// Polls a future that never waits (the in-memory store answers at once) to completion, without
/// an async runtime.
fn block_on<F: std::future::Future>(future: F) -> F::Output {
    let mut future = std::pin::pin!(future);
    let mut context = std::task::Context::from_waker(std::task::Waker::noop());
    loop {
        if let std::task::Poll::Ready(output) = future.as_mut().poll(&mut context) {
            return output;
        }
    }
}

#[test]
fn the_async_driver_runs_the_same_flow_as_the_sync_one() {
    use ostium_engine::{ConsentDecision, Driven};
    use ostium_messages::HttpRequest;

    let mut h = harness();
    let (query, pending) = h.authorization_query(
        DRAWING_APP,
        DRAWING_REDIRECT,
        "files:write:/diagrams",
        &[],
        true,
    );
    let session = h.alice_session();
    let step = h.engine.authorize(
        &HttpRequest::get(&query),
        Some(&session),
        h.clock.now(),
        &mut h.rng,
    );
    let Driven::Consent(context) = block_on(h.engine.drive_async(step, &h.store)) else {
        panic!("consent expected")
    };
    let decision = ConsentDecision::Approve {
        scope: None,
        remember: false,
    };
    let step = h
        .engine
        .consented(*context, decision, h.clock.now(), &mut h.rng);
    let response = block_on(h.engine.drive_async(step, &h.store))
        .into_response()
        .unwrap();
    let code = code_in(&response);
    let body = ostium_messages::Params::from_iter([
        ("grant_type", "authorization_code"),
        ("code", code.as_str()),
        ("redirect_uri", DRAWING_REDIRECT),
        ("client_id", DRAWING_APP),
        ("code_verifier", pending.verifier.as_str()),
    ])
    .encode();
    let step = h.engine.token(
        &HttpRequest::form_post(body.as_bytes()),
        h.clock.now(),
        &mut h.rng,
    );
    let response = block_on(h.engine.drive_async(step, &h.store))
        .into_response()
        .unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(json(&response)["scope"], "files:write:/diagrams");
}

#[test]
fn purging_forgets_expired_grants_entirely() {
    let mut h = harness();
    for _ in 0..3 {
        let (code, pending) = h.code_for(DRAWING_APP, DRAWING_REDIRECT, "files:write:/diagrams");
        assert_eq!(h.redeem_public(&code, &pending).status(), 200);
    }
    // Reuse one code so that a revocation is recorded too.
    let (code, pending) = h.code_for(DRAWING_APP, DRAWING_REDIRECT, "files:write:/diagrams");
    h.redeem_public(&code, &pending);
    h.redeem_public(&code, &pending);
    assert_eq!(h.store.grant_count().unwrap(), 4);
    h.store.purge_expired(h.clock.now()).unwrap();
    assert_eq!(h.store.grant_count().unwrap(), 4, "live grants are kept");
    // Past the refresh tokens' 30 days and the tombstones' retention, nothing is left.
    h.advance(31 * 24 * 3600 + 2 * 24 * 3600);
    h.store.purge_expired(h.clock.now()).unwrap();
    assert_eq!(h.store.grant_count().unwrap(), 0);
    assert_eq!(h.store.counts().unwrap(), (0, 0, 0, 0));
}

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
    let code = redirect_params(&response)
        .single("code")
        .unwrap()
        .unwrap()
        .to_owned();
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

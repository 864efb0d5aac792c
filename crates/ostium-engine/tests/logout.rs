//! RP-Initiated Logout (OpenID Connect RP-Initiated Logout 1.0): the end-session endpoint's
//! checks, and what it hands the embedder.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use common::*;
use ostium_engine::{Driven, EndSession};
use ostium_jose::{Algorithm, Signer, SigningHeader};
use ostium_messages::redirect_uri::RegisteredRedirectUri;
use ostium_messages::{HttpRequest, HttpResponse, Params};

const FITNESS_BYE: &str = "https://fitness.example/bye";

/// The harness, with fitness-app allowed to come back to `FITNESS_BYE` after logout.
fn logout_harness() -> Harness {
    let h = harness();
    h.store
        .register(fitness_app().with_post_logout_redirect_uris(vec![
            RegisteredRedirectUri::parse(FITNESS_BYE).unwrap(),
        ]))
        .unwrap();
    h
}

/// An ID token for alice, issued to fitness-app.
fn id_token(h: &mut Harness) -> String {
    let (code, pending) = h.code_for(FITNESS_APP, FITNESS_REDIRECT, "openid");
    json(&h.redeem_confidential(&code, &pending))["id_token"]
        .as_str()
        .unwrap()
        .to_owned()
}

fn end_session(h: &Harness, params: &[(&str, &str)]) -> Driven {
    let query = Params::from_iter(params.iter().copied()).encode();
    let step = h.engine.end_session(&HttpRequest::get(&query));
    h.engine.drive(step, &h.store)
}

fn ended(driven: Driven) -> Box<EndSession> {
    match driven {
        Driven::EndSession(end) => end,
        other => panic!("an end-session step expected, got {other:?}"),
    }
}

fn assert_error_page(driven: Driven) {
    let Driven::Respond(response) = driven else {
        panic!("an error page expected")
    };
    assert_eq!(response.status(), 400);
    assert!(response.header("location").is_none());
    assert!(
        response
            .header("content-type")
            .unwrap()
            .starts_with("text/html")
    );
}

#[test]
fn a_hinted_logout_names_the_user_and_redirects_back_with_state() {
    let mut h = logout_harness();
    let hint = id_token(&mut h);
    let end = ended(end_session(
        &h,
        &[
            ("id_token_hint", &hint),
            ("post_logout_redirect_uri", FITNESS_BYE),
            ("state", "bye state/1"),
            ("logout_hint", "alice@example.com"),
        ],
    ));
    assert_eq!(end.subject(), Some(&alice()));
    assert_eq!(end.client_id().unwrap().as_str(), FITNESS_APP);
    assert_eq!(end.logout_hint(), Some("alice@example.com"));
    assert!(!end.needs_confirmation());
    let response: HttpResponse = end.finish();
    assert_eq!(response.status(), 303);
    assert_eq!(
        response.header("location"),
        Some("https://fitness.example/bye?state=bye+state%2F1")
    );
    assert_eq!(response.header("cache-control"), Some("no-store"));

    // A hint may have expired (RP-Initiated Logout §2), and POST works as GET.
    h.advance(86_400);
    let body =
        Params::from_iter([("id_token_hint", hint.as_str()), ("client_id", FITNESS_APP)]).encode();
    let step = h
        .engine
        .end_session(&HttpRequest::form_post(body.as_bytes()));
    let end = ended(h.engine.drive(step, &h.store));
    assert_eq!(end.subject(), Some(&alice()));
    // Without a redirect URI: a page.
    let page = end.finish();
    assert_eq!(page.status(), 200);
    assert!(String::from_utf8_lossy(page.body()).contains("logged out"));
}

#[test]
fn a_logout_without_a_hint_must_be_confirmed() {
    let h = logout_harness();
    let end = ended(end_session(&h, &[]));
    assert!(end.needs_confirmation());
    assert_eq!(end.subject(), None);
    let end = ended(end_session(
        &h,
        &[
            ("client_id", FITNESS_APP),
            ("post_logout_redirect_uri", FITNESS_BYE),
        ],
    ));
    assert!(end.needs_confirmation());
    assert_eq!(end.finish().header("location"), Some(FITNESS_BYE));
}

#[test]
fn bad_logout_requests_get_an_error_page_never_a_redirect() {
    let mut h = logout_harness();
    let hint = id_token(&mut h);
    // Not registered for the client, or no client to check it against.
    assert_error_page(end_session(
        &h,
        &[
            ("id_token_hint", &hint),
            ("post_logout_redirect_uri", "https://evil.example/bye"),
        ],
    ));
    assert_error_page(end_session(
        &h,
        &[("post_logout_redirect_uri", FITNESS_BYE)],
    ));
    // The redirect URIs of the login are not logout redirect URIs.
    assert_error_page(end_session(
        &h,
        &[
            ("id_token_hint", &hint),
            ("post_logout_redirect_uri", FITNESS_REDIRECT),
        ],
    ));
    // A client_id that disagrees with the hint, or unknown.
    assert_error_page(end_session(
        &h,
        &[("id_token_hint", &hint), ("client_id", DRAWING_APP)],
    ));
    assert_error_page(end_session(
        &h,
        &[
            ("client_id", "nobody"),
            ("post_logout_redirect_uri", FITNESS_BYE),
        ],
    ));
    // A hint this server did not sign, and a JWT access token of this server.
    let forged = Signer::new(
        &signing_key(99, "key-1"),
        &SigningHeader::new(Algorithm::Es256).typ("JWT"),
    )
    .unwrap()
    .sign_json(&jwt_claims(&hint))
    .unwrap();
    assert_error_page(end_session(&h, &[("id_token_hint", &forged)]));
    let access = Signer::new(
        &h.signing_key,
        &SigningHeader::new(Algorithm::Es256).typ("at+jwt"),
    )
    .unwrap()
    .sign_json(&jwt_claims(&hint))
    .unwrap();
    assert_error_page(end_session(&h, &[("id_token_hint", &access)]));
    // Repeated parameters.
    let step = h.engine.end_session(&HttpRequest::get("state=a&state=b"));
    assert_error_page(h.engine.drive(step, &h.store));
}

#[test]
fn the_end_session_endpoint_is_published() {
    let h = harness();
    assert_eq!(
        json(&h.engine.discovery())["end_session_endpoint"],
        format!("{ISSUER}/logout")
    );
}

/// Back-Channel Logout §2.4: a logout token is a signed `logout+jwt` for one client, naming the
/// user and/or the session, with the logout event, a fresh `jti`, two minutes of validity and no
/// `nonce`.
#[test]
fn logout_tokens_follow_back_channel_logout_2_4() {
    use ostium_jose::{AlgorithmSet, JwkSet, JwsVerifier};
    use ostium_messages::logout::LogoutTokenClaims;

    let mut h = harness();
    let client = fitness_app().with_backchannel_logout(
        ostium_messages::values::AbsoluteUri::parse("https://fitness.example/backchannel").unwrap(),
        true,
    );
    let now = h.clock.now();
    let token = h
        .engine
        .logout_token(&client, Some(&alice()), Some("sid-1"), now, &mut h.rng)
        .unwrap();
    let jwks = JwkSet::from_json(std::str::from_utf8(h.engine.jwks().body()).unwrap()).unwrap();
    let verified = JwsVerifier::new(&jwks, AlgorithmSet::of(&[Algorithm::Es256]))
        .verify_compact(&token)
        .unwrap();
    assert_eq!(verified.header().typ(), Some("logout+jwt"));
    let claims = LogoutTokenClaims::parse_json(verified.payload()).unwrap();
    claims.validate_shape().unwrap();
    assert_eq!(claims.iss, ISSUER);
    assert_eq!(claims.sub.as_deref(), Some("alice"));
    assert_eq!(claims.sid.as_deref(), Some("sid-1"));
    assert_eq!(claims.iat, now.unix_timestamp());
    assert_eq!(claims.exp - claims.iat, 120);
    let payload = jwt_claims(&token);
    assert_eq!(payload["aud"], FITNESS_APP);
    assert!(payload.get("nonce").is_none());
    let again = h
        .engine
        .logout_token(&client, Some(&alice()), Some("sid-1"), now, &mut h.rng)
        .unwrap();
    assert_ne!(
        jwt_claims(&again)["jti"],
        payload["jti"],
        "a fresh jti each time"
    );

    // A client that requires sid gets none without one; nobody at all is refused.
    assert_eq!(
        h.engine
            .logout_token(&client, Some(&alice()), None, now, &mut h.rng),
        Err(ostium_engine::LogoutTokenError::SessionRequired)
    );
    assert_eq!(
        h.engine
            .logout_token(&fitness_app(), None, None, now, &mut h.rng),
        Err(ostium_engine::LogoutTokenError::NothingToLogOut)
    );
    // By session alone, for a client that does not require it.
    let by_subject = h
        .engine
        .logout_token(&fitness_app(), Some(&alice()), None, now, &mut h.rng)
        .unwrap();
    assert!(jwt_claims(&by_subject).get("sid").is_none());

    let metadata = json(&h.engine.discovery());
    assert_eq!(metadata["backchannel_logout_supported"], true);
    assert_eq!(metadata["backchannel_logout_session_supported"], true);
}

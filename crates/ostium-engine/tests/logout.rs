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

//! The device authorization grant (RFC 8628): the device authorization endpoint, the
//! verification page and the user's answer, and polling at the token endpoint (checklist
//! item 56).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use common::*;
use ostium_engine::{
    Client, ClientCredentials, Config, ConsentDecision, DeviceContext, Driven, Engine, GrantType,
    SecretHash, SigningKeys,
};
use ostium_jose::Algorithm;
use ostium_messages::values::{ClientId, Issuer};
use ostium_messages::{HttpRequest, HttpResponse, Params};
use ostium_scope::{ClientScope, Scope};
use serde_json::Value;

const CONSOLE: &str = "console";
const CONSOLE_SECRET: &str = "console-secret-0123456789abcdefghijklmn";

/// A confidential device client.
fn console() -> Client {
    Client::confidential(
        ClientId::parse(CONSOLE).unwrap(),
        ClientCredentials::SecretBasic(SecretHash::of(CONSOLE_SECRET)),
        Vec::new(),
        ClientScope::new(Scope::parse("profile").unwrap()),
    )
    .with_grant_types(vec![GrantType::DeviceCode])
}

fn device_harness() -> Harness {
    let h = harness();
    h.store.register(tv_app()).unwrap();
    h.store.register(console()).unwrap();
    h
}

/// The device asks: the whole response.
fn ask(h: &mut Harness, form: &[(&str, &str)], authorization: Option<&str>) -> HttpResponse {
    let body = Params::from_iter(form.iter().copied()).encode();
    let mut request = HttpRequest::form_post(body.as_bytes());
    if let Some(authorization) = authorization {
        request = request.with_authorization(authorization);
    }
    let step = h
        .engine
        .device_authorization(&request, h.clock.now(), &mut h.rng);
    h.engine.drive(step, &h.store).into_response().unwrap()
}

/// The tv-app asks for `scope`: its device code and user code.
fn tv_ask(h: &mut Harness, scope: &str) -> (String, String, Value) {
    let response = ask(h, &[("client_id", TV_APP), ("scope", scope)], None);
    assert_eq!(response.status(), 200, "{:?}", json(&response));
    let body = json(&response);
    (
        body["device_code"].as_str().unwrap().to_owned(),
        body["user_code"].as_str().unwrap().to_owned(),
        body,
    )
}

/// The device polls the token endpoint.
fn poll(h: &mut Harness, client: &str, device_code: &str) -> HttpResponse {
    h.token(
        &[
            ("grant_type", DEVICE_GRANT),
            ("device_code", device_code),
            ("client_id", client),
        ],
        None,
    )
}

/// The user types `user_code` on the verification page.
fn verify(h: &Harness, user_code: &str) -> Driven {
    let step = h.engine.device_verification(user_code, h.clock.now());
    h.engine.drive(step, &h.store)
}

fn consent_context(h: &Harness, user_code: &str) -> Box<DeviceContext> {
    match verify(h, user_code) {
        Driven::DeviceConsent(context) => context,
        other => panic!("device consent expected, got {other:?}"),
    }
}

/// Alice answers on the verification page.
fn decide(h: &mut Harness, context: Box<DeviceContext>, decision: ConsentDecision) -> HttpResponse {
    let session = h.alice_session();
    let step = h
        .engine
        .device_decided(context, session, decision, h.clock.now(), &mut h.rng);
    h.engine.drive(step, &h.store).into_response().unwrap()
}

fn approve() -> ConsentDecision {
    ConsentDecision::Approve {
        scope: None,
        remember: false,
    }
}

#[test]
fn the_device_authorization_response_follows_rfc_8628_3_2() {
    let mut h = device_harness();
    let response = ask(
        &mut h,
        &[("client_id", TV_APP), ("scope", "openid profile")],
        None,
    );
    assert_eq!(response.status(), 200);
    assert_eq!(response.header("cache-control"), Some("no-store"));
    let body = json(&response);
    let device_code = body["device_code"].as_str().unwrap();
    // 256 bits, base64url.
    assert_eq!(device_code.len(), 43);
    let user_code = body["user_code"].as_str().unwrap();
    assert_eq!(user_code.len(), 9);
    assert_eq!(&user_code[4..5], "-");
    assert!(
        user_code
            .bytes()
            .filter(|b| *b != b'-')
            .all(|b| b"BCDFGHJKLMNPQRSTVWXZ".contains(&b)),
        "{user_code}"
    );
    assert_eq!(body["verification_uri"], format!("{ISSUER}/device"));
    assert_eq!(
        body["verification_uri_complete"],
        format!("{ISSUER}/device?user_code={user_code}")
    );
    assert_eq!(body["expires_in"], 600);
    assert_eq!(body["interval"], 5);
    // Two requests never share codes.
    let (other_device, other_user, _) = tv_ask(&mut h, "profile");
    assert_ne!(other_device, device_code);
    assert_ne!(other_user, user_code);
}

#[test]
fn req_56_polls_are_pending_then_slowed_down_then_denied() {
    let mut h = device_harness();
    let (device_code, user_code, _) = tv_ask(&mut h, "openid profile");

    // Before the user answers: authorization_pending, a 400 token error, not cached.
    let pending = poll(&mut h, TV_APP, &device_code);
    assert_eq!(pending.status(), 400);
    assert_eq!(pending.header("cache-control"), Some("no-store"));
    assert_eq!(error_code(&pending), "authorization_pending");
    // A poll within the interval: slow_down, and the interval grows by 5 s (RFC 8628 §3.5).
    h.advance(1);
    assert_eq!(error_code(&poll(&mut h, TV_APP, &device_code)), "slow_down");
    h.advance(6);
    assert_eq!(
        error_code(&poll(&mut h, TV_APP, &device_code)),
        "slow_down",
        "6 s is within the interval of 10 s"
    );
    h.advance(16);
    assert_eq!(
        error_code(&poll(&mut h, TV_APP, &device_code)),
        "authorization_pending",
        "16 s is past the interval of 15 s"
    );

    // The user types the code in lower case with spaces, and denies.
    let typed = user_code.to_lowercase().replace('-', " ");
    let context = consent_context(&h, &typed);
    assert_eq!(context.client_id().as_str(), TV_APP);
    assert_eq!(context.scope(), &Scope::parse("openid profile").unwrap());
    assert_eq!(context.user_code(), user_code);
    let page = decide(&mut h, context.clone(), ConsentDecision::Deny);
    assert_eq!(page.status(), 200);
    assert!(
        String::from_utf8_lossy(page.body()).contains("denied"),
        "{:?}",
        String::from_utf8_lossy(page.body())
    );
    h.advance(20);
    let denied = poll(&mut h, TV_APP, &device_code);
    assert_eq!(denied.status(), 400);
    assert_eq!(error_code(&denied), "access_denied");
    // The answer is final: a second answer is refused, and the code no longer verifies.
    assert_eq!(decide(&mut h, context, approve()).status(), 400);
    assert_eq!(
        verify(&h, &user_code).into_response().unwrap().status(),
        400
    );
}

#[test]
fn req_56_an_unanswered_code_expires() {
    let mut h = device_harness();
    let (device_code, user_code, _) = tv_ask(&mut h, "profile");
    let context = consent_context(&h, &user_code);
    h.advance(600);
    let expired = poll(&mut h, TV_APP, &device_code);
    assert_eq!(expired.status(), 400);
    assert_eq!(error_code(&expired), "expired_token");
    // Neither the verification page nor a late answer accepts it.
    assert_eq!(
        verify(&h, &user_code).into_response().unwrap().status(),
        400
    );
    assert_eq!(decide(&mut h, context, approve()).status(), 400);
}

#[test]
fn req_56_an_approved_device_gets_its_tokens_once_and_a_replay_revokes_them() {
    let mut h = device_harness();
    let (device_code, user_code, _) = tv_ask(&mut h, "openid profile offline_access");
    let context = consent_context(&h, &user_code);
    let page = decide(&mut h, context, approve());
    assert_eq!(page.status(), 200);
    assert!(String::from_utf8_lossy(page.body()).contains("Device connected"));

    h.advance(5);
    let response = poll(&mut h, TV_APP, &device_code);
    assert_eq!(response.status(), 200, "{:?}", json(&response));
    assert_eq!(response.header("cache-control"), Some("no-store"));
    let body = json(&response);
    assert_eq!(body["token_type"], "Bearer");
    assert_eq!(body["scope"], "offline_access openid profile");
    let access_token = body["access_token"].as_str().unwrap().to_owned();
    assert!(body["refresh_token"].is_string());
    // An OpenID grant: an ID token for alice, to the tv-app, binding the access token.
    let id_token = jwt_claims(body["id_token"].as_str().unwrap());
    assert_eq!(id_token["sub"], "alice");
    assert_eq!(id_token["aud"], TV_APP);
    assert!(id_token["at_hash"].is_string());
    assert!(id_token.get("nonce").is_none());
    assert_eq!(h.userinfo(&access_token).status(), 200);

    // The refresh token works like any other.
    let refreshed = h.token(
        &[
            ("grant_type", "refresh_token"),
            ("refresh_token", body["refresh_token"].as_str().unwrap()),
            ("client_id", TV_APP),
        ],
        None,
    );
    assert_eq!(refreshed.status(), 200);
    let refreshed_access = json(&refreshed)["access_token"]
        .as_str()
        .unwrap()
        .to_owned();

    // A second redemption is a replay: invalid_grant, and every token of the grant is revoked.
    h.advance(5);
    let replay = poll(&mut h, TV_APP, &device_code);
    assert_eq!(replay.status(), 400);
    assert_eq!(error_code(&replay), "invalid_grant");
    assert_eq!(h.userinfo(&access_token).status(), 401);
    assert_eq!(h.userinfo(&refreshed_access).status(), 401);
}

#[test]
fn the_user_may_narrow_but_not_widen_what_the_device_gets() {
    let mut h = device_harness();
    let (device_code, user_code, _) = tv_ask(&mut h, "openid profile");
    let context = consent_context(&h, &user_code);
    let wider = ConsentDecision::Approve {
        scope: Some(Scope::parse("openid profile offline_access").unwrap()),
        remember: false,
    };
    assert_eq!(decide(&mut h, context.clone(), wider).status(), 400);
    // Still pending after the refused answer.
    assert_eq!(
        error_code(&poll(&mut h, TV_APP, &device_code)),
        "authorization_pending"
    );
    let narrower = ConsentDecision::Approve {
        scope: Some(Scope::parse("openid").unwrap()),
        remember: true,
    };
    assert_eq!(decide(&mut h, context, narrower).status(), 200);
    // `remember` stored alice's consent to what she kept.
    let remembered = ostium_engine::Store::execute(
        &h.store,
        ostium_engine::store::Effect::Consent {
            subject: alice(),
            client_id: ClientId::parse(TV_APP).unwrap(),
        },
    );
    match remembered {
        Ok(ostium_engine::store::Outcome::Consent(Some(consent))) => {
            assert_eq!(consent.scope, Scope::parse("openid").unwrap());
        }
        other => panic!("a remembered consent expected, got {other:?}"),
    }
    h.advance(5);
    let body = json(&poll(&mut h, TV_APP, &device_code));
    assert_eq!(body["scope"], "openid");
    // No offline_access: no refresh token (OIDC Core §11).
    assert!(body.get("refresh_token").is_none());
}

#[test]
fn device_clients_are_authenticated_and_bound_to_their_codes() {
    let mut h = device_harness();
    // A client not registered for the device grant.
    let response = ask(&mut h, &[("client_id", DRAWING_APP)], None);
    assert_eq!(response.status(), 400);
    assert_eq!(error_code(&response), "unauthorized_client");
    // A confidential client must authenticate.
    let response = ask(&mut h, &[("client_id", CONSOLE)], None);
    assert_eq!(response.status(), 401);
    assert_eq!(error_code(&response), "invalid_client");
    let authorization = basic(CONSOLE, CONSOLE_SECRET);
    let response = ask(&mut h, &[("scope", "profile")], Some(&authorization));
    assert_eq!(response.status(), 200);
    let console_code = json(&response)["device_code"].as_str().unwrap().to_owned();
    // A scope the client may not have is not granted (the OIDC policy ignores it).
    let response = ask(&mut h, &[("scope", "profile email")], Some(&authorization));
    let user_code = json(&response)["user_code"].as_str().unwrap().to_owned();
    assert_eq!(
        consent_context(&h, &user_code).scope(),
        &Scope::parse("profile").unwrap()
    );

    // Another client's device code, an unknown one, and a confidential poll without
    // credentials.
    assert_eq!(
        error_code(&poll(&mut h, TV_APP, &console_code)),
        "invalid_grant"
    );
    let (tv_code, _, _) = tv_ask(&mut h, "profile");
    assert_eq!(
        error_code(&poll(&mut h, TV_APP, "not-a-device-code")),
        "invalid_grant"
    );
    assert_eq!(poll(&mut h, CONSOLE, &console_code).status(), 401);
    let polled = h.token(
        &[("grant_type", DEVICE_GRANT), ("device_code", &tv_code)],
        Some(&authorization),
    );
    assert_eq!(error_code(&polled), "invalid_grant");
    // The confidential client polls its own code, authenticated.
    let polled = h.token(
        &[("grant_type", DEVICE_GRANT), ("device_code", &console_code)],
        Some(&authorization),
    );
    assert_eq!(error_code(&polled), "authorization_pending");
    // A client without the grant may not poll either.
    assert_eq!(
        error_code(&poll(&mut h, DRAWING_APP, &tv_code)),
        "unauthorized_client"
    );
}

#[test]
fn unknown_or_malformed_user_codes_get_an_error_page() {
    let h = device_harness();
    for typed in ["", "BCDF-GHJK", "not a code", "AAAA-AAAA", &"B".repeat(500)] {
        let response = verify(&h, typed).into_response().unwrap();
        assert_eq!(response.status(), 400, "{typed}");
        assert!(
            response
                .header("content-type")
                .unwrap()
                .starts_with("text/html")
        );
        assert!(response.header("location").is_none());
    }
}

#[test]
fn the_device_grant_is_published_and_can_be_turned_off() {
    let h = device_harness();
    let metadata = json(&h.engine.discovery());
    assert_eq!(
        metadata["device_authorization_endpoint"],
        format!("{ISSUER}/device_authorization")
    );
    assert!(
        metadata["grant_types_supported"]
            .as_array()
            .unwrap()
            .contains(&Value::from(DEVICE_GRANT))
    );

    // Without the endpoints, nothing says or does device grants.
    let keys = SigningKeys::new(h.signing_key.clone(), Algorithm::Es256, &[]).unwrap();
    let mut config = Config::new(Issuer::parse(ISSUER).unwrap(), keys);
    config.endpoints.device_authorization = None;
    let engine = Engine::new(config).unwrap();
    let metadata = json(&engine.discovery());
    assert!(metadata.get("device_authorization_endpoint").is_none());
    assert!(
        !metadata["grant_types_supported"]
            .as_array()
            .unwrap()
            .contains(&Value::from(DEVICE_GRANT))
    );
    let body = Params::from_iter([("client_id", TV_APP)]).encode();
    let step = engine.device_authorization(
        &HttpRequest::form_post(body.as_bytes()),
        h.clock.now(),
        &mut ostium_testkit::SeededRng::new(1),
    );
    let response = engine.drive(step, &h.store).into_response().unwrap();
    assert_eq!(response.status(), 400);
    let body = Params::from_iter([
        ("grant_type", DEVICE_GRANT),
        ("device_code", "x"),
        ("client_id", TV_APP),
    ])
    .encode();
    let step = engine.token(
        &HttpRequest::form_post(body.as_bytes()),
        h.clock.now(),
        &mut ostium_testkit::SeededRng::new(1),
    );
    let response = engine.drive(step, &h.store).into_response().unwrap();
    assert_eq!(error_code(&response), "unsupported_grant_type");
}

/// The context waits in a server-side session while the user logs in: it survives
/// serialization, and the restored one answers as well as the original.
#[test]
fn the_device_context_survives_serialization() {
    let mut h = device_harness();
    let (device_code, user_code, _) = tv_ask(&mut h, "openid profile");
    let context = consent_context(&h, &user_code);
    let json = serde_json::to_string(&context).unwrap();
    let restored: DeviceContext = serde_json::from_str(&json).unwrap();
    assert_eq!(&restored, context.as_ref());
    assert_eq!(decide(&mut h, Box::new(restored), approve()).status(), 200);
    h.advance(5);
    assert_eq!(poll(&mut h, TV_APP, &device_code).status(), 200);
}

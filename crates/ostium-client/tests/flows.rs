//! The device grant state machine (RFC 8628 §3.4–3.5; checklist item 56 seen from the client),
//! DPoP proof creation against RFC 9449's structure and vectors, and the pending value's
//! serde round trip (proptest) and redaction.

#![allow(clippy::unwrap_used, clippy::indexing_slicing, clippy::panic)]

mod support;

use ostium_client::{
    ClientError, DevicePoll, DeviceStep, DpopKey, Method, OutboundRequest, PendingAuthorization,
    TokenStep,
};
use ostium_jose::{Algorithm, HashAlgorithm, Jwk, Typ, Validation};
use ostium_messages::{AccessToken, Grant, Scope, TokenRequest, TokenType};
use ostium_testkit::SeededRng;
use proptest::prelude::*;
use serde_json::json;
use support::*;
use time::Duration;

fn device_flow() -> ostium_client::DeviceAuthorization {
    let response = json_response(
        200,
        &json!({
            "device_code": "GmRhmhcxhwAzkoEqiMEg_DnyEysNkuNhszIySk9eS",
            "user_code": "WDJB-MJHT",
            "verification_uri": "https://op.example/device",
            "verification_uri_complete": "https://op.example/device?user_code=WDJB-MJHT",
            "expires_in": 1800,
            "interval": 5
        }),
    );
    client()
        .device_authorization_response(&response, now())
        .unwrap()
}

fn poll_error(code: &str) -> ostium_messages::HttpResponse {
    json_response(400, &json!({ "error": code }))
}

#[test]
fn device_authorization_request() {
    let request = client()
        .device_authorization_request(
            Some(Scope::parse("openid").unwrap()),
            &mut SeededRng::new(1),
            now(),
        )
        .unwrap();
    assert_eq!(request.url(), "https://op.example/device");
    let parsed =
        ostium_messages::device::DeviceAuthorizationRequest::parse(&request.as_http_request())
            .unwrap();
    assert_eq!(parsed.scope.unwrap().to_string(), "openid");
    assert_eq!(parsed.client_auth.client_id().unwrap().as_str(), CLIENT_ID);
}

#[test]
fn device_polling_follows_interval_slow_down_and_pending() {
    let client = client();
    let mut flow = device_flow();
    let mut rng = SeededRng::new(2);
    assert_eq!(flow.user_code().as_str(), "WDJB-MJHT");
    assert_eq!(flow.interval(), Duration::seconds(5));
    // Too early: wait.
    assert!(matches!(
        client.device_poll(&mut flow, &mut rng, now()).unwrap(),
        DevicePoll::Wait { until } if until == now() + Duration::seconds(5)
    ));
    let t1 = now() + Duration::seconds(5);
    let DevicePoll::Send(request) = client.device_poll(&mut flow, &mut rng, t1).unwrap() else {
        panic!("time to poll");
    };
    let parsed = TokenRequest::parse(&request.as_http_request()).unwrap();
    assert!(matches!(parsed.grant, Grant::DeviceCode { .. }));
    // A second poll right away waits: the interval counts from the last request.
    assert!(matches!(
        client.device_poll(&mut flow, &mut rng, t1).unwrap(),
        DevicePoll::Wait { .. }
    ));
    // authorization_pending: same interval.
    let step = client
        .device_poll_response(&mut flow, &poll_error("authorization_pending"), t1)
        .unwrap();
    assert!(
        matches!(step, DeviceStep::Pending { next_poll_at } if next_poll_at == t1 + Duration::seconds(5))
    );
    // slow_down: +5 s (RFC 8628 §3.5), and it sticks.
    let t2 = t1 + Duration::seconds(5);
    assert!(matches!(
        client.device_poll(&mut flow, &mut rng, t2).unwrap(),
        DevicePoll::Send(_)
    ));
    let step = client
        .device_poll_response(&mut flow, &poll_error("slow_down"), t2)
        .unwrap();
    assert!(
        matches!(step, DeviceStep::SlowDown { interval, .. } if interval == Duration::seconds(10))
    );
    assert!(matches!(
        client
            .device_poll(&mut flow, &mut rng, t2 + Duration::seconds(9))
            .unwrap(),
        DevicePoll::Wait { .. }
    ));
    let t3 = t2 + Duration::seconds(10);
    assert!(matches!(
        client.device_poll(&mut flow, &mut rng, t3).unwrap(),
        DevicePoll::Send(_)
    ));
    let done = json_response(200, &json!({"access_token": "at", "token_type": "Bearer"}));
    let DeviceStep::Tokens(tokens) = client.device_poll_response(&mut flow, &done, t3).unwrap()
    else {
        panic!("approved");
    };
    assert_eq!(tokens.access_token.as_str(), "at");
    // Finished: no more polling.
    assert!(matches!(
        client.device_poll(&mut flow, &mut rng, t3 + Duration::minutes(1)),
        Err(ClientError::Misuse(_))
    ));
}

#[test]
fn device_polling_ends_on_denial_expiry_and_errors() {
    let client = client();
    let mut rng = SeededRng::new(3);
    let mut flow = device_flow();
    assert!(matches!(
        client
            .device_poll_response(&mut flow, &poll_error("access_denied"), now())
            .unwrap(),
        DeviceStep::Denied
    ));
    let mut flow = device_flow();
    assert!(matches!(
        client
            .device_poll_response(&mut flow, &poll_error("expired_token"), now())
            .unwrap(),
        DeviceStep::Expired
    ));
    // The code's own lifetime ends polling without asking the server.
    let mut flow = device_flow();
    assert!(matches!(
        client
            .device_poll(&mut flow, &mut rng, now() + Duration::seconds(1800))
            .unwrap(),
        DevicePoll::Expired
    ));
    let mut flow = device_flow();
    assert!(matches!(
        client.device_poll_response(&mut flow, &poll_error("invalid_client"), now()),
        Err(ClientError::Response(_))
    ));
}

/// RFC 9449 §4.2 structure (Figures 3 and 4): header `typ`, `alg`, public `jwk`; claims `jti`,
/// `htm`, `htu`, `iat` (and `ath` for resources, §7.1).
#[test]
fn dpop_proofs_follow_rfc_9449_structure() {
    let key = DpopKey::generate(Algorithm::Es256, &mut SeededRng::new(4)).unwrap();
    let mut rng = SeededRng::new(5);
    let proof = key
        .proof(
            Method::Post,
            "https://server.example.com/token?x=1#frag",
            None,
            None,
            &mut rng,
            now(),
        )
        .unwrap();
    let jwt = Validation::new(Typ::DpopProof, Algorithm::Es256)
        .do_not_require(ostium_jose::Claim::Exp)
        .verify_with_embedded_jwk(&proof, now())
        .unwrap();
    assert_eq!(jwt.header().typ(), Some("dpop+jwt"));
    let embedded = jwt.header().embedded_jwk().unwrap();
    assert!(!embedded.is_private());
    assert_eq!(
        embedded.thumbprint(HashAlgorithm::Sha256).to_base64url(),
        key.thumbprint().as_str()
    );
    let claims: serde_json::Value = jwt.claims().unwrap();
    assert_eq!(claims["htm"], "POST");
    assert_eq!(claims["htu"], "https://server.example.com/token");
    assert_eq!(claims["iat"], now().unix_timestamp());
    assert!(claims["jti"].as_str().unwrap().len() >= 16);
    assert!(claims.get("ath").is_none());
    assert!(claims.get("nonce").is_none());
    // Another proof has another jti.
    let again = key
        .proof(
            Method::Post,
            "https://server.example.com/token",
            None,
            None,
            &mut rng,
            now(),
        )
        .unwrap();
    let again: serde_json::Value = Validation::new(Typ::DpopProof, Algorithm::Es256)
        .do_not_require(ostium_jose::Claim::Exp)
        .verify_with_embedded_jwk(&again, now())
        .unwrap()
        .claims()
        .unwrap();
    assert_ne!(claims["jti"], again["jti"]);
}

/// The RFC 9449 §7.1 resource request: the `ath` of the example access token, the nonce, and
/// the `Authorization: DPoP` header.
#[test]
fn dpop_resource_proofs_carry_ath_and_nonce() {
    let vector = ostium_testkit::vectors::load("rfc9449_dpop");
    let example = &vector["resource_request"];
    let key = DpopKey::generate(Algorithm::EdDsa, &mut SeededRng::new(6)).unwrap();
    let token = AccessToken::parse(example["access_token"].as_str().unwrap()).unwrap();
    let tokens_json = json!({"access_token": token.as_str(), "token_type": "DPoP"});
    let tokens = expect_tokens(
        client()
            .token_response(&json_response(200, &tokens_json), now())
            .unwrap(),
    );
    assert_eq!(tokens.token_type, TokenType::DPoP);
    let request = OutboundRequest::new(Method::Get, example["http_uri"].as_str().unwrap())
        .with_access_token(&tokens)
        .with_dpop_proof(
            &key,
            Some(&token),
            Some("eyJ7S_zG.eyJH0-Z.HX4w-7v"),
            &mut SeededRng::new(7),
            now(),
        )
        .unwrap();
    assert_eq!(
        request.header("authorization").unwrap(),
        format!("DPoP {}", token.as_str())
    );
    let proof = request.header("dpop").unwrap();
    let claims: serde_json::Value = Validation::new(Typ::DpopProof, Algorithm::EdDsa)
        .do_not_require(ostium_jose::Claim::Exp)
        .verify_with_embedded_jwk(proof, now())
        .unwrap()
        .claims()
        .unwrap();
    assert_eq!(claims["ath"], example["ath"]);
    assert_eq!(claims["htm"], "GET");
    assert_eq!(claims["htu"], example["http_uri"]);
    assert_eq!(claims["nonce"], "eyJ7S_zG.eyJH0-Z.HX4w-7v");
    // The debug form hides the proof and the token.
    let shown = format!("{request:?}");
    assert!(
        !shown.contains(token.as_str()) && !shown.contains(proof),
        "{shown}"
    );
}

/// The RFC 9449 §4.1 example key's thumbprint is the §6.1 `jkt`, as `DpopKey` computes it.
#[test]
fn dpop_key_thumbprint_is_the_rfc_9449_jkt() {
    let vector = ostium_testkit::vectors::load("rfc9449_dpop");
    let public = Jwk::from_json(&vector["example_public_jwk"].to_string()).unwrap();
    assert_eq!(
        public.thumbprint(HashAlgorithm::Sha256).to_base64url(),
        vector["jkt"]["value"].as_str().unwrap()
    );
    // A DpopKey's thumbprint is that of its public key.
    let key = DpopKey::generate(Algorithm::Es256, &mut SeededRng::new(8)).unwrap();
    assert_eq!(
        key.public_key()
            .unwrap()
            .thumbprint(HashAlgorithm::Sha256)
            .to_base64url(),
        key.thumbprint().as_str()
    );
}

#[test]
fn token_requests_take_a_dpop_proof_and_a_nonce_retry() {
    let client = client();
    let key = DpopKey::generate(Algorithm::Es256, &mut SeededRng::new(9)).unwrap();
    let mut rng = SeededRng::new(10);
    let request = client
        .client_credentials_request(None, &mut rng, now())
        .unwrap()
        .with_dpop_proof(&key, None, None, &mut rng, now())
        .unwrap();
    let demand = json_response(400, &json!({"error": "use_dpop_nonce"}))
        .with_header("dpop-nonce", "server-nonce");
    let TokenStep::RetryWithDpopNonce(nonce) = client.token_response(&demand, now()).unwrap()
    else {
        panic!("expected a retry");
    };
    let retry = request
        .with_dpop_proof(&key, None, Some(&nonce), &mut rng, now())
        .unwrap();
    let claims: serde_json::Value = Validation::new(Typ::DpopProof, Algorithm::Es256)
        .do_not_require(ostium_jose::Claim::Exp)
        .verify_with_embedded_jwk(retry.header("dpop").unwrap(), now())
        .unwrap()
        .claims()
        .unwrap();
    assert_eq!(claims["nonce"], "server-nonce");
    assert_eq!(claims["htu"], "https://op.example/token");
}

#[test]
fn pending_debug_redacts_its_secrets() {
    let pending = pending(&client(), openid_options(), 1);
    let shown = format!("{pending:?}");
    assert!(!shown.contains(pending.state().as_str()), "{shown}");
    assert!(
        !shown.contains(pending.nonce().unwrap().as_str()),
        "{shown}"
    );
    assert!(!shown.contains(pending.code_verifier().as_str()), "{shown}");
    assert!(shown.contains(ISSUER));
}

#[test]
fn pending_json_is_small_and_strict() {
    let pending = pending(&client(), openid_options().with_max_age(60), 1);
    let json = serde_json::to_string(&pending).unwrap();
    assert!(json.len() < 512, "{} bytes: {json}", json.len());
    let back: PendingAuthorization = serde_json::from_str(&json).unwrap();
    assert_eq!(back, pending);
    // Unknown fields and invalid values are refused, not ignored.
    let mut value: serde_json::Value = serde_json::from_str(&json).unwrap();
    value["extra"] = json!(1);
    assert!(serde_json::from_value::<PendingAuthorization>(value).is_err());
    let mut value: serde_json::Value = serde_json::from_str(&json).unwrap();
    value["code_verifier"] = json!("too-short");
    assert!(serde_json::from_value::<PendingAuthorization>(value).is_err());
    let mut value: serde_json::Value = serde_json::from_str(&json).unwrap();
    value["response_type"] = json!("token bogus");
    assert!(serde_json::from_value::<PendingAuthorization>(value).is_err());
}

proptest! {
    /// `deserialize(serialize(p)) == p` for pending values of any options and seed.
    #[test]
    fn pending_round_trips(
        seed in any::<u64>(),
        openid in any::<bool>(),
        max_age in proptest::option::of(0u64..=u64::from(u32::MAX)),
        acr in proptest::collection::vec("[a-z:]{1,12}", 0..3),
        dpop in any::<bool>(),
        scope in proptest::option::of("[a-z]{1,8}( [a-z]{1,8}){0,3}"),
    ) {
        let mut options = ostium_client::AuthorizationOptions::new();
        let scope = match (openid, scope) {
            (true, Some(s)) => Some(format!("openid {s}")),
            (true, None) => Some("openid".to_owned()),
            (false, s) => s,
        };
        let openid = scope
            .as_deref()
            .is_some_and(|s| s.split(' ').any(|token| token == "openid"));
        if let Some(scope) = scope {
            options = options.with_scope(Scope::parse(&scope).unwrap());
        }
        if let Some(max_age) = max_age {
            options = options.with_max_age(max_age);
        }
        for value in acr {
            options = options.with_acr_value(value);
        }
        if dpop {
            let key = DpopKey::generate(Algorithm::Es256, &mut SeededRng::new(seed)).unwrap();
            options = options.with_dpop_jkt(key.thumbprint().clone());
        }
        let pending = client()
            .authorization_request(options, &mut SeededRng::new(seed))
            .unwrap()
            .pending;
        let json = serde_json::to_vec(&pending).unwrap();
        let back: PendingAuthorization = serde_json::from_slice(&json).unwrap();
        prop_assert_eq!(&back, &pending);
        prop_assert_eq!(back.is_openid(), openid);
        prop_assert_eq!(back.nonce().is_some(), openid);
    }
}

//! DPoP at the authorization server (RFC 9449): sender-constrained access tokens, bound refresh
//! tokens for public clients, `dpop_jkt` code binding, and DPoP tokens at UserInfo and
//! introspection.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use std::sync::atomic::{AtomicU64, Ordering};

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use common::*;
use ostium_engine::{AccessTokenFormat, Engine, Profile};
use ostium_jose::{Algorithm, DpopNonceSchedule, HashAlgorithm, Jwk, Signer, SigningHeader};
use ostium_messages::{HttpRequest, HttpResponse, Params};
use serde_json::{Value, json};

const TOKEN_ENDPOINT: &str = "https://op.example/token";
const USERINFO_ENDPOINT: &str = "https://op.example/userinfo";

fn dpop_key(seed: u64) -> Jwk {
    Jwk::generate(Algorithm::Es256, &mut ostium_testkit::SeededRng::new(seed)).unwrap()
}

fn jkt(key: &Jwk) -> String {
    key.thumbprint(HashAlgorithm::Sha256).to_base64url()
}

/// A proof by `key`, with `claims` over the usual ones.
fn proof_with(h: &Harness, key: &Jwk, typ: &str, claims: Value) -> String {
    static NEXT_JTI: AtomicU64 = AtomicU64::new(0);
    let mut all = json!({
        "jti": format!("jti-{}", NEXT_JTI.fetch_add(1, Ordering::Relaxed)),
        "iat": h.clock.now().unix_timestamp(),
    });
    for (name, value) in claims.as_object().unwrap() {
        all[name] = value.clone();
    }
    let header = SigningHeader::new(Algorithm::Es256)
        .typ(typ)
        .embed_public_key(key)
        .unwrap();
    Signer::new(key, &header).unwrap().sign_json(&all).unwrap()
}

fn token_proof(h: &Harness, key: &Jwk) -> String {
    proof_with(
        h,
        key,
        "dpop+jwt",
        json!({"htm": "POST", "htu": TOKEN_ENDPOINT}),
    )
}

fn userinfo_proof(h: &Harness, key: &Jwk, token: &str) -> String {
    let ath = URL_SAFE_NO_PAD.encode(ring::digest::digest(
        &ring::digest::SHA256,
        token.as_bytes(),
    ));
    proof_with(
        h,
        key,
        "dpop+jwt",
        json!({"htm": "GET", "htu": USERINFO_ENDPOINT, "ath": ath}),
    )
}

fn token_request(
    h: &mut Harness,
    form: &[(&str, &str)],
    authorization: Option<&str>,
    proof: Option<&str>,
) -> HttpResponse {
    let body = Params::from_iter(form.iter().copied()).encode();
    let mut request = HttpRequest::form_post(body.as_bytes());
    request.dpop = proof;
    if let Some(authorization) = authorization {
        request = request.with_authorization(authorization);
    }
    let step = h.engine.token(&request, h.clock.now(), &mut h.rng);
    h.engine.drive(step, &h.store).into_response().unwrap()
}

fn redeem_public(
    h: &mut Harness,
    code: &str,
    pending: &Pending,
    proof: Option<&str>,
) -> HttpResponse {
    token_request(
        h,
        &[
            ("grant_type", "authorization_code"),
            ("code", code),
            ("redirect_uri", DRAWING_REDIRECT),
            ("client_id", DRAWING_APP),
            ("code_verifier", pending.verifier.as_str()),
        ],
        None,
        proof,
    )
}

fn refresh_public(h: &mut Harness, refresh_token: &str, proof: Option<&str>) -> HttpResponse {
    token_request(
        h,
        &[
            ("grant_type", "refresh_token"),
            ("refresh_token", refresh_token),
            ("client_id", DRAWING_APP),
        ],
        None,
        proof,
    )
}

#[test]
fn a_public_clients_tokens_are_bound_to_its_dpop_key() {
    let mut h = harness();
    let key = dpop_key(11);
    let (code, pending) = h.code_for(DRAWING_APP, DRAWING_REDIRECT, "openid offline_access");
    let proof = token_proof(&h, &key);
    let response = redeem_public(&mut h, &code, &pending, Some(&proof));
    assert_eq!(response.status(), 200, "{:?}", json(&response));
    let body = json(&response);
    assert_eq!(body["token_type"], "DPoP");
    let access = body["access_token"].as_str().unwrap().to_owned();
    let refresh = body["refresh_token"].as_str().unwrap().to_owned();

    // Introspection says so (RFC 9449 §6.2).
    h.store
        .register(fitness_app().introspecting_any_token())
        .unwrap();
    let introspection = json(&h.introspect(&access, &basic(FITNESS_APP, FITNESS_SECRET)));
    assert_eq!(introspection["active"], true);
    assert_eq!(introspection["token_type"], "DPoP");
    assert_eq!(introspection["cnf"]["jkt"], jkt(&key));

    // UserInfo: a bound token is refused as Bearer, accepted with a proof of its key, once.
    let as_bearer = userinfo_with(&h, "Bearer", &access, None);
    assert_eq!(as_bearer.status(), 401);
    assert!(
        as_bearer
            .header("www-authenticate")
            .unwrap()
            .contains("invalid_token")
    );
    let proof = userinfo_proof(&h, &key, &access);
    let ok = userinfo_with(&h, "DPoP", &access, Some(&proof));
    assert_eq!(ok.status(), 200, "{:?}", ok.header("www-authenticate"));
    assert_eq!(json(&ok)["sub"], "alice");
    let replayed = userinfo_with(&h, "DPoP", &access, Some(&proof));
    assert_eq!(replayed.status(), 401);
    assert!(
        replayed
            .header("www-authenticate")
            .unwrap()
            .starts_with("DPoP")
    );
    let other_key = userinfo_with(
        &h,
        "DPoP",
        &access,
        Some(&userinfo_proof(&h, &dpop_key(12), &access)),
    );
    assert_eq!(other_key.status(), 401);
    let no_proof = userinfo_with(&h, "DPoP", &access, None);
    assert_eq!(no_proof.status(), 401);
    let wrong_ath = userinfo_with(
        &h,
        "DPoP",
        &access,
        Some(&userinfo_proof(&h, &key, "another token")),
    );
    assert_eq!(wrong_ath.status(), 401);

    // The refresh token is bound too (RFC 9449 §5): only a proof of the same key refreshes.
    assert_eq!(
        error_code(&refresh_public(&mut h, &refresh, None)),
        "invalid_grant"
    );
    let stranger = token_proof(&h, &dpop_key(12));
    assert_eq!(
        error_code(&refresh_public(&mut h, &refresh, Some(&stranger))),
        "invalid_grant"
    );
    let proof = token_proof(&h, &key);
    let refreshed = refresh_public(&mut h, &refresh, Some(&proof));
    assert_eq!(refreshed.status(), 200, "{:?}", json(&refreshed));
    let refreshed = json(&refreshed);
    assert_eq!(refreshed["token_type"], "DPoP");
    // ...and the rotated one stays bound.
    let rotated = refreshed["refresh_token"].as_str().unwrap();
    assert_eq!(
        error_code(&refresh_public(&mut h, rotated, None)),
        "invalid_grant"
    );
}

#[test]
fn a_bearer_token_is_not_a_dpop_token() {
    let mut h = harness();
    let (code, pending) = h.code_for(DRAWING_APP, DRAWING_REDIRECT, "openid");
    let body = json(&redeem_public(&mut h, &code, &pending, None));
    assert_eq!(body["token_type"], "Bearer");
    let access = body["access_token"].as_str().unwrap();
    assert_eq!(userinfo_with(&h, "Bearer", access, None).status(), 200);
    // Presenting an unbound token as DPoP is refused (RFC 9449 §7.1).
    let proof = userinfo_proof(&h, &dpop_key(11), access);
    assert_eq!(
        userinfo_with(&h, "DPoP", access, Some(&proof)).status(),
        401
    );
}

/// A drawing-app code requested with `dpop_jkt` (RFC 9449 §10).
fn bound_code(h: &mut Harness, thumbprint: &str) -> (String, Pending) {
    let (query, pending) = h.authorization_query(
        DRAWING_APP,
        DRAWING_REDIRECT,
        "openid",
        &[("dpop_jkt", thumbprint)],
        true,
    );
    let code = code_in(&h.approve(&query));
    (code, pending)
}

#[test]
fn dpop_jkt_binds_the_code_to_a_key() {
    let mut h = harness();
    let key = dpop_key(21);
    let thumbprint = jkt(&key);
    let (code, pending) = bound_code(&mut h, &thumbprint);
    // The code is spent by a wrong redemption (codes are taken before they are checked), so
    // each try needs its own code: check the refusals on two codes, the success on a third.
    let wrong = token_proof(&h, &dpop_key(22));
    assert_eq!(
        error_code(&redeem_public(&mut h, &code, &pending, Some(&wrong))),
        "invalid_grant"
    );
    let (code, pending) = bound_code(&mut h, &thumbprint);
    assert_eq!(
        error_code(&redeem_public(&mut h, &code, &pending, None)),
        "invalid_grant"
    );
    let (code, pending) = bound_code(&mut h, &thumbprint);
    let proof = token_proof(&h, &key);
    let response = redeem_public(&mut h, &code, &pending, Some(&proof));
    assert_eq!(response.status(), 200, "{:?}", json(&response));
}

#[test]
fn bad_proofs_are_refused_at_the_token_endpoint() {
    let mut h = harness();
    let key = dpop_key(31);
    let now = h.clock.now().unix_timestamp();
    let bad = [
        proof_with(
            &h,
            &key,
            "dpop+jwt",
            json!({"htm": "GET", "htu": TOKEN_ENDPOINT}),
        ),
        proof_with(
            &h,
            &key,
            "dpop+jwt",
            json!({"htm": "POST", "htu": "https://op.example/other"}),
        ),
        proof_with(
            &h,
            &key,
            "JWT",
            json!({"htm": "POST", "htu": TOKEN_ENDPOINT}),
        ),
        proof_with(
            &h,
            &key,
            "dpop+jwt",
            json!({"htm": "POST", "htu": TOKEN_ENDPOINT, "iat": now - 3600}),
        ),
        proof_with(
            &h,
            &key,
            "dpop+jwt",
            json!({"htm": "POST", "htu": TOKEN_ENDPOINT, "iat": now + 3600}),
        ),
        proof_with(&h, &key, "dpop+jwt", json!({"htu": TOKEN_ENDPOINT})),
        "not.a.proof".to_owned(),
    ];
    for proof in &bad {
        let (code, pending) = h.code_for(DRAWING_APP, DRAWING_REDIRECT, "openid");
        let response = redeem_public(&mut h, &code, &pending, Some(proof));
        assert_eq!(response.status(), 400, "{proof}");
        assert_eq!(error_code(&response), "invalid_dpop_proof", "{proof}");
        assert_eq!(response.header("cache-control"), Some("no-store"));
    }
    // A proof is single use at the token endpoint too.
    let proof = token_proof(&h, &key);
    let (code, pending) = h.code_for(DRAWING_APP, DRAWING_REDIRECT, "openid");
    assert_eq!(
        redeem_public(&mut h, &code, &pending, Some(&proof)).status(),
        200
    );
    let (code, pending) = h.code_for(DRAWING_APP, DRAWING_REDIRECT, "openid");
    assert_eq!(
        error_code(&redeem_public(&mut h, &code, &pending, Some(&proof))),
        "invalid_dpop_proof"
    );
}

/// The harness's engine, demanding nonces from `schedule`.
fn with_nonces(mut h: Harness, schedule: &DpopNonceSchedule) -> Harness {
    let config = h.engine.config().clone().with_dpop_nonces(schedule.clone());
    h.engine = Engine::new(config).unwrap();
    h
}

fn nonce_token_proof(h: &Harness, key: &Jwk, nonce: &str) -> String {
    let claims = json!({"htm": "POST", "htu": TOKEN_ENDPOINT, "nonce": nonce});
    proof_with(h, key, "dpop+jwt", claims)
}

/// RFC 9449 §8, §9: with a nonce schedule, proofs without the server's nonce get
/// `use_dpop_nonce` and the nonce in `DPoP-Nonce`, at the token endpoint (400) and at UserInfo
/// (401); every answer to a DPoP request carries the current nonce; a nonce from two windows
/// ago is stale.
#[test]
fn dpop_nonces_are_demanded_at_the_token_endpoint_and_userinfo() {
    let schedule = DpopNonceSchedule::new(&[5; 32], time::Duration::seconds(60));
    let mut h = with_nonces(harness(), &schedule);
    let key = dpop_key(41);
    let (code, pending) = h.code_for(DRAWING_APP, DRAWING_REDIRECT, "openid offline_access");

    // No nonce: the exact answer, and the code is not spent (the proof is checked first).
    let without_nonce = token_proof(&h, &key);
    let demanded = redeem_public(&mut h, &code, &pending, Some(&without_nonce));
    let nonce = schedule.current(h.clock.now());
    assert_eq!(demanded.status(), 400);
    assert_eq!(
        std::str::from_utf8(demanded.body()).unwrap(),
        r#"{"error":"use_dpop_nonce","error_description":"a DPoP nonce is required"}"#
    );
    assert_eq!(demanded.header("dpop-nonce"), Some(nonce.as_str()));
    assert_eq!(demanded.header("cache-control"), Some("no-store"));
    // A nonce the server never issued.
    let made_up = nonce_token_proof(&h, &key, "made-up");
    let refused = redeem_public(&mut h, &code, &pending, Some(&made_up));
    assert_eq!(error_code(&refused), "use_dpop_nonce");
    assert_eq!(
        json(&refused)["error_description"],
        "the DPoP nonce is stale or unknown"
    );

    // With it: the tokens, and the nonce again.
    let proof = nonce_token_proof(&h, &key, &nonce);
    let issued = redeem_public(&mut h, &code, &pending, Some(&proof));
    assert_eq!(issued.status(), 200, "{:?}", json(&issued));
    assert_eq!(issued.header("dpop-nonce"), Some(nonce.as_str()));
    let body = json(&issued);
    assert_eq!(body["token_type"], "DPoP");
    let access = body["access_token"].as_str().unwrap().to_owned();
    let refresh = body["refresh_token"].as_str().unwrap().to_owned();

    // UserInfo: 401 with a DPoP challenge first, then the claims.
    let without = userinfo_with(
        &h,
        "DPoP",
        &access,
        Some(&userinfo_proof(&h, &key, &access)),
    );
    assert_eq!(without.status(), 401);
    let challenge = without.header("www-authenticate").unwrap();
    assert!(
        challenge.starts_with("DPoP ") && challenge.contains(r#"error="use_dpop_nonce""#),
        "{challenge}"
    );
    assert_eq!(without.header("dpop-nonce"), Some(nonce.as_str()));
    let ath = URL_SAFE_NO_PAD.encode(ring::digest::digest(
        &ring::digest::SHA256,
        access.as_bytes(),
    ));
    let claims = json!({"htm": "GET", "htu": USERINFO_ENDPOINT, "ath": ath, "nonce": nonce});
    let with = userinfo_with(
        &h,
        "DPoP",
        &access,
        Some(&proof_with(&h, &key, "dpop+jwt", claims)),
    );
    assert_eq!(with.status(), 200, "{:?}", with.header("www-authenticate"));
    assert_eq!(with.header("dpop-nonce"), Some(nonce.as_str()));

    // Still accepted in the next window; stale two windows on. The refresh token survives the
    // demand, and the retry with the new nonce refreshes.
    h.advance(60);
    let next = nonce_token_proof(&h, &key, &nonce);
    let refreshed = refresh_public(&mut h, &refresh, Some(&next));
    assert_eq!(refreshed.status(), 200, "{:?}", json(&refreshed));
    let newer = schedule.current(h.clock.now());
    assert_ne!(newer, nonce);
    assert_eq!(refreshed.header("dpop-nonce"), Some(newer.as_str()));
    let refresh = json(&refreshed)["refresh_token"]
        .as_str()
        .unwrap()
        .to_owned();
    h.advance(120);
    let stale = nonce_token_proof(&h, &key, &newer);
    let demanded = refresh_public(&mut h, &refresh, Some(&stale));
    assert_eq!(error_code(&demanded), "use_dpop_nonce");
    let newest = demanded.header("dpop-nonce").unwrap().to_owned();
    assert_eq!(newest, schedule.current(h.clock.now()));
    let retry = nonce_token_proof(&h, &key, &newest);
    assert_eq!(refresh_public(&mut h, &refresh, Some(&retry)).status(), 200);

    // Any answer to a DPoP request names the nonce, a malformed request's too.
    let proof = nonce_token_proof(&h, &key, &newest);
    let malformed = token_request(&mut h, &[("grant_type", "")], None, Some(&proof));
    assert_eq!(error_code(&malformed), "invalid_request");
    assert_eq!(malformed.header("dpop-nonce"), Some(newest.as_str()));
}

/// Nonces concern DPoP requests only: a Bearer exchange is answered as before, without
/// `DPoP-Nonce`; a profile that requires DPoP names the nonce when the proof is missing.
#[test]
fn dpop_nonces_leave_bearer_requests_alone() {
    let schedule = DpopNonceSchedule::new(&[6; 32], time::Duration::minutes(5));
    let mut h = with_nonces(harness(), &schedule);
    let (code, pending) = h.code_for(DRAWING_APP, DRAWING_REDIRECT, "openid");
    let bearer = redeem_public(&mut h, &code, &pending, None);
    assert_eq!(bearer.status(), 200);
    assert_eq!(json(&bearer)["token_type"], "Bearer");
    assert_eq!(bearer.header("dpop-nonce"), None);
    let access = json(&bearer)["access_token"].as_str().unwrap().to_owned();
    let claims = userinfo_with(&h, "Bearer", &access, None);
    assert_eq!(claims.status(), 200);
    assert_eq!(claims.header("dpop-nonce"), None);

    let mut profile = Profile::oauth21();
    profile.require_dpop = true;
    let mut h = with_nonces(harness_with(profile), &schedule);
    let (code, pending) = h.code_for(DRAWING_APP, DRAWING_REDIRECT, "openid");
    let missing = redeem_public(&mut h, &code, &pending, None);
    assert_eq!(error_code(&missing), "invalid_dpop_proof");
    let nonce = schedule.current(h.clock.now());
    assert_eq!(missing.header("dpop-nonce"), Some(nonce.as_str()));
}

#[test]
fn a_profile_may_require_dpop_for_every_token() {
    let mut profile = Profile::oauth21();
    profile.require_dpop = true;
    let mut h = harness_with(profile);
    let (code, pending) = h.code_for(DRAWING_APP, DRAWING_REDIRECT, "openid");
    let response = redeem_public(&mut h, &code, &pending, None);
    assert_eq!(response.status(), 400);
    assert_eq!(error_code(&response), "invalid_dpop_proof");
    let metadata = json(&h.engine.discovery());
    assert_eq!(
        metadata["dpop_signing_alg_values_supported"],
        json!(["ES256", "PS256", "EdDSA"])
    );
}

#[test]
fn confidential_clients_get_dpop_access_tokens_and_jwt_tokens_carry_cnf() {
    let mut h = harness();
    h.store
        .register(fitness_app().with_access_token_format(AccessTokenFormat::Jwt))
        .unwrap();
    let key = dpop_key(41);
    let (code, pending) = h.code_for(FITNESS_APP, FITNESS_REDIRECT, "openid offline_access");
    let authorization = basic(FITNESS_APP, FITNESS_SECRET);
    let proof = token_proof(&h, &key);
    let response = token_request(
        &mut h,
        &[
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("redirect_uri", FITNESS_REDIRECT),
            ("code_verifier", pending.verifier.as_str()),
        ],
        Some(&authorization),
        Some(&proof),
    );
    assert_eq!(response.status(), 200, "{:?}", json(&response));
    let body = json(&response);
    assert_eq!(body["token_type"], "DPoP");
    let access = body["access_token"].as_str().unwrap();
    assert_eq!(jwt_claims(access)["cnf"]["jkt"], jkt(&key));
    assert_eq!(userinfo_with(&h, "Bearer", access, None).status(), 401);
    let proof = userinfo_proof(&h, &key, access);
    assert_eq!(
        userinfo_with(&h, "DPoP", access, Some(&proof)).status(),
        200
    );
    // A confidential client's refresh token is bound to its authentication, not to the key.
    let refreshed = token_request(
        &mut h,
        &[
            ("grant_type", "refresh_token"),
            ("refresh_token", body["refresh_token"].as_str().unwrap()),
        ],
        Some(&authorization),
        None,
    );
    assert_eq!(refreshed.status(), 200, "{:?}", json(&refreshed));
    assert_eq!(json(&refreshed)["token_type"], "Bearer");
}

//! UserInfo, revocation, introspection, discovery, JWKS, client assertions and JWT access
//! tokens, named after the checklist items.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use common::*;
use ostium_engine::{AccessTokenFormat, Client, ClientCredentials, Config, Engine, SigningKeys};
use ostium_jose::{Algorithm, JwkSet, Signer, SigningHeader, Typ, Validation};
use ostium_messages::values::{ClientId, Issuer};
use ostium_messages::{HttpRequest, HttpResponse, Params};
use ostium_scope::{ClientScope, Scope};
use ostium_testkit::SeededRng;

fn access_token_for(h: &mut Harness, scope: &str) -> (String, serde_json::Value) {
    let (code, pending) = h.code_for(FITNESS_APP, FITNESS_REDIRECT, scope);
    let body = json(&h.redeem_confidential(&code, &pending));
    (body["access_token"].as_str().unwrap().to_owned(), body)
}

fn revoke(h: &mut Harness, token: &str, hint: Option<&str>, authorization: &str) -> HttpResponse {
    let mut params = Params::from_iter([("token", token)]);
    if let Some(hint) = hint {
        params.push("token_type_hint", hint);
    }
    let body = params.encode();
    let request = HttpRequest::form_post(body.as_bytes()).with_authorization(authorization);
    let step = h.engine.revoke(&request, h.clock.now());
    h.engine.drive(step, &h.store).into_response().unwrap()
}

#[test]
fn req_51_userinfo_by_get_and_post_always_returns_sub() {
    let mut h = harness();
    let (token, _) = access_token_for(&mut h, "openid email");
    let get = h.userinfo(&token);
    assert_eq!(get.status(), 200);
    assert_eq!(json(&get)["sub"], "alice");
    assert_eq!(json(&get)["email_verified"], true);

    let header = format!("Bearer {token}");
    let post = HttpRequest::form_post(b"").with_authorization(&header);
    let step = h.engine.userinfo(&post, h.clock.now());
    let post = h.engine.drive(step, &h.store).into_response().unwrap();
    assert_eq!(json(&post), json(&get));
    // The form body is accepted too (OIDC Core §5.3.1 / RFC 6750 §2.2).
    let body = format!("access_token={token}");
    let step = h
        .engine
        .userinfo(&HttpRequest::form_post(body.as_bytes()), h.clock.now());
    assert_eq!(
        h.engine
            .drive(step, &h.store)
            .into_response()
            .unwrap()
            .status(),
        200
    );
}

#[test]
fn req_51_userinfo_errors_follow_rfc_6750() {
    let mut h = harness();
    // No credentials: 401 with a bare challenge and no error code.
    let step = h.engine.userinfo(&HttpRequest::get(""), h.clock.now());
    let response = h.engine.drive(step, &h.store).into_response().unwrap();
    assert_eq!(response.status(), 401);
    assert_eq!(response.header("www-authenticate"), Some("Bearer"));
    // A token in the query is not accepted.
    let (token, _) = access_token_for(&mut h, "openid");
    let query = format!("access_token={token}");
    let step = h.engine.userinfo(&HttpRequest::get(&query), h.clock.now());
    let response = h.engine.drive(step, &h.store).into_response().unwrap();
    assert_eq!(response.status(), 400);
    // Unknown and expired tokens: 401 invalid_token.
    let response = h.userinfo("unknown-token");
    assert_eq!(response.status(), 401);
    assert!(
        response
            .header("www-authenticate")
            .unwrap()
            .contains("error=\"invalid_token\"")
    );
    h.advance(601);
    assert_eq!(h.userinfo(&token).status(), 401);
}

#[test]
fn userinfo_needs_an_openid_token() {
    let mut h = harness();
    let response = json(&h.token(
        &[("grant_type", "client_credentials"), ("scope", "profile")],
        Some(&basic(FITNESS_APP, FITNESS_SECRET)),
    ));
    let response = h.userinfo(response["access_token"].as_str().unwrap());
    assert_eq!(response.status(), 403);
    assert!(
        response
            .header("www-authenticate")
            .unwrap()
            .contains("insufficient_scope")
    );
}

#[test]
fn req_53_revocation_authenticates_checks_ownership_and_answers_200() {
    let mut h = harness();
    let (access, body) = access_token_for(&mut h, "openid offline_access");
    let refresh = body["refresh_token"].as_str().unwrap().to_owned();
    let fitness = basic(FITNESS_APP, FITNESS_SECRET);

    // Bad credentials: 401 invalid_client.
    let response = revoke(&mut h, &refresh, None, &basic(FITNESS_APP, "wrong"));
    assert_eq!(
        (response.status(), error_code(&response).as_str()),
        (401, "invalid_client")
    );
    // Unknown tokens: 200.
    assert_eq!(
        revoke(&mut h, "no-such-token", None, &fitness).status(),
        200
    );
    // Another client's token: refused (RFC 7009 §2.1), and nothing revoked.
    h.store
        .register(Client::confidential(
            ClientId::parse("other").unwrap(),
            ClientCredentials::SecretBasic(ostium_engine::SecretHash::of(
                "other-secret-0123456789",
            )),
            vec![],
            ClientScope::new(Scope::new()),
        ))
        .unwrap();
    let refused = revoke(
        &mut h,
        &refresh,
        None,
        &basic("other", "other-secret-0123456789"),
    );
    assert_eq!(
        (refused.status(), error_code(&refused).as_str()),
        (400, "unauthorized_client")
    );
    assert_eq!(h.userinfo(&access).status(), 200);
    // Revoking the refresh token revokes its access tokens too (with a wrong hint, even).
    let response = revoke(&mut h, &refresh, Some("access_token"), &fitness);
    assert_eq!(response.status(), 200);
    assert!(response.body().is_empty());
    assert_eq!(h.userinfo(&access).status(), 401);
    let refreshed = h.token(
        &[("grant_type", "refresh_token"), ("refresh_token", &refresh)],
        Some(&fitness),
    );
    assert_eq!(error_code(&refreshed), "invalid_grant");
}

#[test]
fn revoking_an_access_token_leaves_the_refresh_token() {
    let mut h = harness();
    let (access, body) = access_token_for(&mut h, "openid offline_access");
    let fitness = basic(FITNESS_APP, FITNESS_SECRET);
    assert_eq!(
        revoke(&mut h, &access, Some("access_token"), &fitness).status(),
        200
    );
    assert_eq!(h.userinfo(&access).status(), 401);
    let refreshed = h.token(
        &[
            ("grant_type", "refresh_token"),
            ("refresh_token", body["refresh_token"].as_str().unwrap()),
        ],
        Some(&fitness),
    );
    assert_eq!(refreshed.status(), 200);
}

#[test]
fn req_54_introspection_is_authorized_and_says_only_active_false_otherwise() {
    let mut h = harness();
    let (access, _) = access_token_for(&mut h, "openid profile");
    let fitness = basic(FITNESS_APP, FITNESS_SECRET);
    let active = json(&h.introspect(&access, &fitness));
    assert_eq!(active["active"], true);
    assert_eq!(active["client_id"], FITNESS_APP);
    assert_eq!(active["sub"], "alice");
    assert_eq!(active["scope"], "openid profile");
    assert_eq!(active["iss"], ISSUER);
    assert_eq!(active["token_type"], "Bearer");
    assert!(active["exp"].as_i64().unwrap() > h.clock.now().unix_timestamp());

    // Bad caller credentials: 401.
    let response = h.introspect(&access, &basic(FITNESS_APP, "wrong"));
    assert_eq!(response.status(), 401);
    // Unknown, expired, or not the caller's: exactly {"active": false}.
    assert_eq!(
        json(&h.introspect("nope", &fitness)),
        serde_json::json!({"active": false})
    );
    h.store
        .register(Client::confidential(
            ClientId::parse("rs").unwrap(),
            ClientCredentials::SecretBasic(ostium_engine::SecretHash::of(
                "rs-secret-0123456789abcdef",
            )),
            vec![],
            ClientScope::new(Scope::new()),
        ))
        .unwrap();
    let rs = basic("rs", "rs-secret-0123456789abcdef");
    assert_eq!(
        json(&h.introspect(&access, &rs)),
        serde_json::json!({"active": false})
    );
    // A resource server registered to introspect any token sees it.
    h.store
        .register(
            Client::confidential(
                ClientId::parse("rs").unwrap(),
                ClientCredentials::SecretBasic(ostium_engine::SecretHash::of(
                    "rs-secret-0123456789abcdef",
                )),
                vec![],
                ClientScope::new(Scope::new()),
            )
            .introspecting_any_token(),
        )
        .unwrap();
    assert_eq!(json(&h.introspect(&access, &rs))["active"], true);
    h.advance(601);
    assert_eq!(
        json(&h.introspect(&access, &rs)),
        serde_json::json!({"active": false})
    );
}

#[test]
fn req_52_req_26_req_10_discovery_document_is_complete_and_consistent() {
    let h = harness();
    let response = h.engine.discovery();
    assert_eq!(response.status(), 200);
    let metadata = json(&response);
    assert_eq!(metadata["issuer"], ISSUER);
    for member in [
        "authorization_endpoint",
        "token_endpoint",
        "jwks_uri",
        "userinfo_endpoint",
    ] {
        assert!(
            metadata[member].as_str().unwrap().starts_with("https://"),
            "{member}"
        );
    }
    assert_eq!(
        metadata["response_types_supported"],
        serde_json::json!(["code"])
    );
    assert_eq!(
        metadata["subject_types_supported"],
        serde_json::json!(["public"])
    );
    assert_eq!(
        metadata["id_token_signing_alg_values_supported"],
        serde_json::json!(["ES256"])
    );
    assert_eq!(
        metadata["code_challenge_methods_supported"],
        serde_json::json!(["S256"])
    );
    assert_eq!(
        metadata["authorization_response_iss_parameter_supported"],
        true
    );
    // RFC 8414 §2: endpoints that accept JWT client authentication list its algorithms.
    for endpoint in ["token", "revocation", "introspection"] {
        let member = format!("{endpoint}_endpoint_auth_signing_alg_values_supported");
        assert!(
            metadata[&member]
                .as_array()
                .unwrap()
                .contains(&"ES256".into()),
            "{member}"
        );
    }
    assert!(
        metadata["scopes_supported"]
            .as_array()
            .unwrap()
            .contains(&"openid".into())
    );
    let typed = ostium_messages::metadata::ServerMetadata::parse_json(response.body()).unwrap();
    typed
        .validate(
            &Issuer::parse(ISSUER).unwrap(),
            ostium_messages::metadata::MetadataProfile::OpenId,
        )
        .unwrap();
}

#[test]
fn req_50_key_rotation_keeps_the_old_key_published_and_kids_distinct() {
    let old = signing_key(1, "key-1");
    let new = signing_key(2, "key-2");
    let keys = SigningKeys::new(new.clone(), Algorithm::Es256, std::slice::from_ref(&old)).unwrap();
    let engine = Engine::new(Config::new(Issuer::parse(ISSUER).unwrap(), keys)).unwrap();
    let jwks = JwkSet::from_json(std::str::from_utf8(engine.jwks().body()).unwrap()).unwrap();
    let kids: Vec<&str> = jwks
        .keys()
        .iter()
        .map(|k| k.kid().unwrap().as_str())
        .collect();
    assert_eq!(kids, ["key-2", "key-1"]);
    assert!(
        jwks.keys().iter().all(|k| !k.is_private()),
        "only public halves are published"
    );
    // Duplicate kids are refused.
    assert_eq!(
        SigningKeys::new(new.clone(), Algorithm::Es256, &[signing_key(3, "key-2")]).unwrap_err(),
        ostium_engine::ConfigError::DuplicateKid
    );
    // A token signed before the rotation still verifies against the published set.
    let header = SigningHeader::new(Algorithm::Es256)
        .typ("JWT")
        .kid(ostium_jose::Kid::new("key-1").unwrap());
    let token = Signer::new(&old, &header)
        .unwrap()
        .sign(br#"{"exp": 4102444800}"#)
        .unwrap();
    assert!(
        Validation::new(Typ::Jwt, Algorithm::Es256)
            .verify(&token, &jwks, ostium_testkit::FixedClock::default().now())
            .is_ok()
    );
}

#[test]
fn req_48_req_49_id_tokens_are_signed_with_a_kid_and_carry_the_required_claims() {
    let mut h = harness();
    let (_, body) = access_token_for(&mut h, "openid");
    let id_token = body["id_token"].as_str().unwrap();
    let header: serde_json::Value = {
        use base64::Engine as _;
        serde_json::from_slice(
            &base64::engine::general_purpose::URL_SAFE_NO_PAD
                .decode(id_token.split('.').next().unwrap())
                .unwrap(),
        )
        .unwrap()
    };
    assert_eq!(header["alg"], "ES256");
    assert_eq!(header["kid"], "key-1");
    let claims = jwt_claims(id_token);
    assert_eq!(claims["iss"], ISSUER);
    assert_eq!(claims["aud"], FITNESS_APP);
    assert_eq!(claims["sub"], "alice");
    let (iat, exp) = (
        claims["iat"].as_i64().unwrap(),
        claims["exp"].as_i64().unwrap(),
    );
    assert_eq!(iat, h.clock.now().unix_timestamp());
    assert_eq!(exp - iat, 600);
    assert!(claims["auth_time"].is_i64());
    // at_hash binds the access token: left half of SHA-256, base64url.
    let digest = ring::digest::digest(
        &ring::digest::SHA256,
        body["access_token"].as_str().unwrap().as_bytes(),
    );
    use base64::Engine as _;
    assert_eq!(
        claims["at_hash"],
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(&digest.as_ref()[..16])
    );
}

#[test]
fn req_43_codes_and_tokens_carry_256_bits() {
    let mut h = harness();
    let (code, pending) = h.code_for(DRAWING_APP, DRAWING_REDIRECT, "files:write:/diagrams");
    let body = json(&h.redeem_public(&code, &pending));
    use base64::Engine as _;
    for secret in [
        code.as_str(),
        body["access_token"].as_str().unwrap(),
        body["refresh_token"].as_str().unwrap(),
    ] {
        assert_eq!(
            base64::engine::general_purpose::URL_SAFE_NO_PAD
                .decode(secret)
                .unwrap()
                .len(),
            32
        );
    }
}

/// A client registered for `private_key_jwt` (OIDC Core §9; RFC 7523).
fn assertion_client(h: &Harness) -> ostium_jose::Jwk {
    let key = ostium_jose::Jwk::generate(Algorithm::Es256, &mut SeededRng::new(42))
        .unwrap()
        .with_kid(ostium_jose::Kid::new("app-key").unwrap());
    let keys = JwkSet::from_keys(vec![key.to_public().unwrap()]).unwrap();
    let client = Client::confidential(
        ClientId::parse("pkjwt-app").unwrap(),
        ClientCredentials::PrivateKeyJwt(Box::new(keys)),
        vec![],
        ClientScope::new(Scope::parse("profile").unwrap()),
    )
    .with_grant_types(vec![ostium_engine::GrantType::ClientCredentials]);
    h.store.register(client).unwrap();
    key
}

fn assertion(key: &ostium_jose::Jwk, claims: serde_json::Value) -> String {
    let header =
        SigningHeader::new(Algorithm::Es256).kid(ostium_jose::Kid::new("app-key").unwrap());
    Signer::new(key, &header)
        .unwrap()
        .sign_json(&claims)
        .unwrap()
}

fn assertion_request(h: &mut Harness, assertion: &str) -> HttpResponse {
    h.token(
        &[
            ("grant_type", "client_credentials"),
            ("scope", "profile"),
            (
                "client_assertion_type",
                "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
            ),
            ("client_assertion", assertion),
        ],
        None,
    )
}

#[test]
fn req_42_jwt_client_assertions_are_checked_and_single_use() {
    let mut h = harness();
    let key = assertion_client(&h);
    let now = h.clock.now().unix_timestamp();
    let good = serde_json::json!({"iss": "pkjwt-app", "sub": "pkjwt-app", "aud": ISSUER, "exp": now + 60, "iat": now, "jti": "jti-1"});
    let token = assertion(&key, good.clone());
    assert_eq!(assertion_request(&mut h, &token).status(), 200);
    // Replayed jti.
    let replay = assertion_request(&mut h, &token);
    assert_eq!(
        (replay.status(), error_code(&replay).as_str()),
        (401, "invalid_client")
    );
    // The token endpoint URL is an accepted audience too.
    let mut claims = good.clone();
    claims["jti"] = "jti-2".into();
    claims["aud"] = format!("{ISSUER}/token").into();
    assert_eq!(
        assertion_request(&mut h, &assertion(&key, claims)).status(),
        200
    );
    // Each broken rule fails with invalid_client.
    let broken = [
        ("iss", serde_json::json!("someone-else")),
        ("sub", serde_json::json!("someone-else")),
        ("aud", serde_json::json!("https://other.example")),
        ("exp", serde_json::json!(now - 60)),
        ("jti", serde_json::Value::Null),
    ];
    for (index, (claim, value)) in broken.into_iter().enumerate() {
        let mut claims = good.clone();
        claims["jti"] = format!("broken-{index}").into();
        if value.is_null() {
            claims.as_object_mut().unwrap().remove(claim);
        } else {
            claims[claim] = value;
        }
        let response = assertion_request(&mut h, &assertion(&key, claims));
        assert_eq!(error_code(&response), "invalid_client", "{claim}");
    }
    // Signed by another key.
    let other = ostium_jose::Jwk::generate(Algorithm::Es256, &mut SeededRng::new(43)).unwrap();
    let mut claims = good;
    claims["jti"] = "jti-3".into();
    assert_eq!(
        error_code(&assertion_request(&mut h, &assertion(&other, claims))),
        "invalid_client"
    );
}

#[test]
fn client_secret_jwt_assertions_verify_with_the_shared_key() {
    let mut h = harness();
    let secret = ostium_jose::Jwk::generate(Algorithm::Hs256, &mut SeededRng::new(5)).unwrap();
    let client = Client::confidential(
        ClientId::parse("hs-app").unwrap(),
        ClientCredentials::SecretJwt(Box::new(secret.clone())),
        vec![],
        ClientScope::new(Scope::parse("profile").unwrap()),
    )
    .with_grant_types(vec![ostium_engine::GrantType::ClientCredentials]);
    h.store.register(client).unwrap();
    let now = h.clock.now().unix_timestamp();
    let claims = serde_json::json!({"iss": "hs-app", "sub": "hs-app", "aud": ISSUER, "exp": now + 60, "jti": "h1"});
    let token = Signer::new(&secret, &SigningHeader::new(Algorithm::Hs256))
        .unwrap()
        .sign_json(&claims)
        .unwrap();
    assert_eq!(assertion_request(&mut h, &token).status(), 200);
}

#[test]
fn jwt_access_tokens_follow_rfc_9068_and_work_at_userinfo_and_introspection() {
    let mut h = harness();
    h.store
        .register(fitness_app().with_access_token_format(AccessTokenFormat::Jwt))
        .unwrap();
    let (token, _) = access_token_for(&mut h, "openid profile");
    let policy = Validation::new(Typ::AccessToken, Algorithm::Es256)
        .issuer(ISSUER)
        .audience(ISSUER);
    let verified = policy
        .verify(&token, &h.signing_key.to_public().unwrap(), h.clock.now())
        .unwrap();
    assert_eq!(verified.header().typ(), Some("at+jwt"));
    let claims = jwt_claims(&token);
    assert_eq!(claims["client_id"], FITNESS_APP);
    assert_eq!(claims["sub"], "alice");
    assert_eq!(claims["scope"], "openid profile");
    assert!(claims["jti"].is_string());
    assert_eq!(json(&h.userinfo(&token))["name"], "Alice Example");
    assert_eq!(
        json(&h.introspect(&token, &basic(FITNESS_APP, FITNESS_SECRET)))["active"],
        true
    );
    // An ID token is not an access token.
    let (_, body) = access_token_for(&mut h, "openid");
    assert_eq!(h.userinfo(body["id_token"].as_str().unwrap()).status(), 401);
}

/// A fitness-app authorization with a `claims` request (OIDC Core §5.5), approved for alice:
/// the code and the client's pending state.
fn code_with_claims(h: &mut Harness, scope: &str, claims: &str) -> (String, Pending) {
    let (query, pending) = h.authorization_query(
        FITNESS_APP,
        FITNESS_REDIRECT,
        scope,
        &[("claims", claims)],
        true,
    );
    let response = h.approve(&query);
    let code = code_in(&response);
    (code, pending)
}

/// A fitness-app token request for `code`, as body and `Authorization` header, for tests that
/// drive the step themselves.
fn confidential_redemption(code: &str, pending: &Pending) -> (String, String) {
    let body = Params::from_iter([
        ("grant_type", "authorization_code"),
        ("code", code),
        ("redirect_uri", FITNESS_REDIRECT),
        ("code_verifier", pending.verifier.as_str()),
    ])
    .encode();
    (body, basic(FITNESS_APP, FITNESS_SECRET))
}

fn refresh(h: &mut Harness, refresh_token: &str) -> HttpResponse {
    let authorization = basic(FITNESS_APP, FITNESS_SECRET);
    h.token(
        &[
            ("grant_type", "refresh_token"),
            ("refresh_token", refresh_token),
        ],
        Some(&authorization),
    )
}

/// oidcc-claims-essential: an essential `name` requested for UserInfo succeeds, and UserInfo
/// releases it although the scope alone (`openid`) would not.
#[test]
fn oidcc_claims_essential_userinfo_releases_requested_claims_beyond_the_scope() {
    let mut h = harness();
    let (code, pending) = code_with_claims(
        &mut h,
        "openid",
        r#"{"userinfo":{"name":{"essential":true},"phone_number":null}}"#,
    );
    let body = json(&h.redeem_confidential(&code, &pending));
    let userinfo = json(&h.userinfo(body["access_token"].as_str().unwrap()));
    assert_eq!(
        userinfo,
        serde_json::json!({"sub": "alice", "name": "Alice Example", "phone_number": "+1 555 0100"})
    );
    // The ID token carries none of them: they were asked for UserInfo.
    let id_token = jwt_claims(body["id_token"].as_str().unwrap());
    assert!(id_token.get("name").is_none());
    assert!(id_token.get("phone_number").is_none());
}

/// OIDC Core §5.5: claims requested for the ID token are in it, in the first and in every
/// refreshed ID token; claims the user does not have are left out, and nothing else of the
/// user's record comes along.
#[test]
fn claims_requested_for_the_id_token_are_in_it_and_in_refreshed_ones() {
    let mut h = harness();
    let (code, pending) = code_with_claims(
        &mut h,
        "openid offline_access",
        r#"{"id_token":{"email":{"essential":true},"name":null,"birthdate":null}}"#,
    );
    let body = json(&h.redeem_confidential(&code, &pending));
    let claims = jwt_claims(body["id_token"].as_str().unwrap());
    assert_eq!(claims["email"], "alice@example.com");
    assert_eq!(claims["name"], "Alice Example");
    assert!(claims.get("birthdate").is_none());
    assert!(claims.get("email_verified").is_none());
    assert!(claims.get("phone_number").is_none());
    assert_eq!(claims["sub"], "alice");
    // The scope alone releases nothing at UserInfo but `sub`.
    let userinfo = json(&h.userinfo(body["access_token"].as_str().unwrap()));
    assert_eq!(userinfo, serde_json::json!({"sub": "alice"}));

    // A refresh reads them again: the refreshed ID token has the current values (§12.2).
    let mut changed = serde_json::Map::new();
    changed.insert("email".into(), "alice@new.example".into());
    changed.insert("name".into(), "Alice Example".into());
    h.store.set_claims(alice(), changed).unwrap();
    h.advance(60);
    let refreshed = json(&refresh(&mut h, body["refresh_token"].as_str().unwrap()));
    let claims = jwt_claims(refreshed["id_token"].as_str().unwrap());
    assert_eq!(claims["email"], "alice@new.example");
    assert_eq!(claims["name"], "Alice Example");
    assert!(claims.get("nonce").is_none());
}

/// A stored claim named like one the engine sets (`sub`, `iss`, `aud`, `acr`…) never reaches the
/// ID token, even when the `claims` request names it: the real values stay.
#[test]
fn a_claims_request_cannot_override_the_id_tokens_own_claims() {
    let mut h = harness();
    let mut forged = serde_json::Map::new();
    for (name, value) in [
        ("sub", "mallory"),
        ("iss", "https://evil.example"),
        ("aud", "evil-app"),
        ("acr", "gold"),
        ("nonce", "forged"),
        ("name", "Alice Example"),
    ] {
        forged.insert(name.into(), value.into());
    }
    h.store.set_claims(alice(), forged).unwrap();
    let (code, pending) = code_with_claims(
        &mut h,
        "openid",
        r#"{"id_token":{"sub":null,"iss":null,"aud":null,"acr":null,"nonce":null,"name":null}}"#,
    );
    let body = json(&h.redeem_confidential(&code, &pending));
    let claims = jwt_claims(body["id_token"].as_str().unwrap());
    assert_eq!(claims["sub"], "alice");
    assert_eq!(claims["iss"], ISSUER);
    assert_eq!(claims["aud"], FITNESS_APP);
    assert!(claims.get("acr").is_none());
    assert!(claims.get("nonce").is_none());
    assert_eq!(claims["name"], "Alice Example");
}

/// The store answers only with the claims asked for, in one round trip, and only when the
/// `claims` request names some for the ID token: a plain code redemption reads no claims.
#[test]
fn user_claims_cost_a_store_round_trip_only_when_the_id_token_asks_for_them() {
    let mut h = harness();
    let token_request = |h: &mut Harness, code: &str, pending: &Pending| {
        let (body, authorization) = confidential_redemption(code, pending);
        let request = HttpRequest::form_post(body.as_bytes()).with_authorization(&authorization);
        let step = h.engine.token(&request, h.clock.now(), &mut h.rng);
        effects_until_stop(h, step).0
    };
    let (code, pending) = h.code_for(FITNESS_APP, FITNESS_REDIRECT, "openid profile");
    assert!(!token_request(&mut h, &code, &pending).contains(&"Claims".to_owned()));
    let (code, pending) = code_with_claims(&mut h, "openid", r#"{"id_token":{"name":null}}"#);
    let effects = token_request(&mut h, &code, &pending);
    assert_eq!(
        effects.iter().filter(|name| *name == "Claims").count(),
        1,
        "{effects:?}"
    );
    // Asking only for claims the engine sets reads nothing either.
    let (code, pending) = code_with_claims(&mut h, "openid", r#"{"id_token":{"sub":null}}"#);
    assert!(!token_request(&mut h, &code, &pending).contains(&"Claims".to_owned()));
}

/// A user deleted between the authorization and the token request gets no ID token with their
/// claims: `invalid_grant`.
#[test]
fn a_vanished_user_gets_no_id_token_claims() {
    use ostium_engine::store::{Effect, Outcome};
    use ostium_engine::{Step, Store};
    let mut h = harness();
    let (code, pending) = code_with_claims(&mut h, "openid", r#"{"id_token":{"name":null}}"#);
    let (body, authorization) = confidential_redemption(&code, &pending);
    let request = HttpRequest::form_post(body.as_bytes()).with_authorization(&authorization);
    let mut step = h.engine.token(&request, h.clock.now(), &mut h.rng);
    let response = loop {
        step = match step {
            Step::Effect(pending) => {
                let (effect, resume) = pending.into_parts();
                let outcome = match effect {
                    // What a store answers for a user it no longer knows.
                    Effect::Claims { .. } => Ok(Outcome::Claims(None)),
                    other => h.store.execute(other),
                };
                h.engine.resume(resume, outcome)
            }
            Step::Respond(response) => break response,
            _ => panic!("unexpected step"),
        };
    };
    assert_eq!(response.status(), 400);
    assert_eq!(error_code(&response), "invalid_grant");
}

/// A store may answer more claims than asked for (the contract is "at least the named ones"):
/// UserInfo and the ID token still release only what the grant names.
#[test]
fn claims_a_store_adds_are_never_released() {
    use ostium_engine::store::{Effect, Outcome};
    use ostium_engine::{Step, Store};
    let mut h = harness();
    let (code, pending) = code_with_claims(&mut h, "openid email", r#"{"id_token":{"name":null}}"#);
    let everything = |h: &Harness, step: Step| {
        let mut step = step;
        loop {
            step = match step {
                Step::Effect(pending) => {
                    let (effect, resume) = pending.into_parts();
                    let outcome = match effect {
                        // An over-answering store: every claim alice has, whatever was named.
                        Effect::Claims { subject, .. } => {
                            let all = h.store.execute(Effect::Claims {
                                subject,
                                names: ["name", "email", "email_verified", "phone_number"]
                                    .map(str::to_owned)
                                    .to_vec(),
                            });
                            assert!(matches!(&all, Ok(Outcome::Claims(Some(c))) if c.len() == 4));
                            all
                        }
                        other => h.store.execute(other),
                    };
                    h.engine.resume(resume, outcome)
                }
                Step::Respond(response) => break response,
                _ => panic!("unexpected step"),
            };
        }
    };
    let (body, authorization) = confidential_redemption(&code, &pending);
    let request = HttpRequest::form_post(body.as_bytes()).with_authorization(&authorization);
    let step = h.engine.token(&request, h.clock.now(), &mut h.rng);
    let body = json(&everything(&h, step));
    let id_token = jwt_claims(body["id_token"].as_str().unwrap());
    assert_eq!(id_token["name"], "Alice Example");
    for leaked in ["email", "email_verified", "phone_number"] {
        assert!(id_token.get(leaked).is_none(), "{leaked}");
    }

    let header = format!("Bearer {}", body["access_token"].as_str().unwrap());
    let request = HttpRequest::get("").with_authorization(&header);
    let step = h.engine.userinfo(&request, h.clock.now());
    let userinfo = json(&everything(&h, step));
    assert_eq!(
        userinfo,
        serde_json::json!({"sub": "alice", "email": "alice@example.com", "email_verified": true})
    );
}

//! The FAPI 2.0 Security Profile (Final, §5.3.2) as the engine's `Profile::fapi2()` enforces it
//! at the authorization server: one test per requirement of `checklist.md` section 4 ("AS
//! general (5.3.2.1)" and "Authorization endpoint (5.3.2.2)"), named `fapi2_<clause>_<what>`,
//! and a complete flow.
//!
//! Every test runs a confidential client that authenticates with `private_key_jwt` (ES256),
//! pushes its requests, proves a DPoP key at the token endpoint and UserInfo, on a fixed clock
//! with seeded randomness. Where a rule is the profile's choice, the test also runs the
//! `oauth21` profile (or a variant) to show that it can tell the two apart.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use common::*;
use ostium_engine::{
    AssertionAudience, AuthMethod, Client, ClientCredentials, ConsentDecision, Driven, Engine,
    GrantType, Lifetimes, Profile, RefreshRotation,
};
use ostium_jose::{
    Algorithm, DpopNonceSchedule, HashAlgorithm, Jwk, JwkSet, Kid, Signer, SigningHeader, Typ,
    Validation,
};
use ostium_messages::redirect_uri::RegisteredRedirectUri;
use ostium_messages::values::ClientId;
use ostium_messages::{HttpRequest, HttpResponse, Params};
use ostium_pkce::CodeVerifier;
use ostium_scope::{ClientScope, Scope};
use ostium_testkit::SeededRng;
use serde_json::{Value, json};

const FAPI_APP: &str = "fapi-app";
const FAPI_KID: &str = "fapi-app-key";
const FAPI_REDIRECT: &str = "https://fapi.example/cb";
const OTHER_APP: &str = "other-fapi-app";
const OTHER_KID: &str = "other-fapi-app-key";
const OTHER_REDIRECT: &str = "https://other-fapi.example/cb";
const TOKEN_ENDPOINT: &str = "https://op.example/token";
const PAR_ENDPOINT: &str = "https://op.example/par";
const USERINFO_ENDPOINT: &str = "https://op.example/userinfo";
const ASSERTION_TYPE: &str = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";

fn es256_key(seed: u64) -> Jwk {
    Jwk::generate(Algorithm::Es256, &mut SeededRng::new(seed)).unwrap()
}

/// A confidential client authenticating with `private_key_jwt` by `key` (public half
/// registered), one https redirect URI, the code and refresh grants.
fn pkjwt_client(id: &str, key: &Jwk, redirect: &str) -> Client {
    let keys = JwkSet::from_keys(vec![key.to_public().unwrap()]).unwrap();
    Client::confidential(
        ClientId::parse(id).unwrap(),
        ClientCredentials::PrivateKeyJwt(Box::new(keys)),
        vec![RegisteredRedirectUri::parse(redirect).unwrap()],
        ClientScope::new(Scope::parse("openid profile email offline_access accounts").unwrap()),
    )
    .with_grant_types(vec![GrantType::AuthorizationCode, GrantType::RefreshToken])
}

fn jkt(key: &Jwk) -> String {
    key.thumbprint(HashAlgorithm::Sha256).to_base64url()
}

fn ath(access_token: &str) -> String {
    URL_SAFE_NO_PAD.encode(ring::digest::digest(
        &ring::digest::SHA256,
        access_token.as_bytes(),
    ))
}

fn by_reference(client: &str, request_uri: &str) -> String {
    Params::from_iter([("client_id", client), ("request_uri", request_uri)]).encode()
}

/// An error page: 400, no redirect, and `text` in the page.
fn assert_error_page(response: &HttpResponse, text: &str) {
    assert_eq!(response.status(), 400, "{:?}", response.header("location"));
    assert!(response.header("location").is_none());
    let body = String::from_utf8_lossy(response.body());
    assert!(body.contains(text), "{body}");
}

fn assert_error(response: &HttpResponse, status: u16, error: &str) {
    assert_eq!(
        (response.status(), error_code(response).as_str()),
        (status, error),
        "{}",
        String::from_utf8_lossy(response.body())
    );
}

/// A harness under some profile, with the FAPI client (and a second one) registered, and a
/// counter for `jti`s (deterministic, unique per harness).
struct Fapi {
    h: Harness,
    key: Jwk,
    other_key: Jwk,
    seq: u64,
}

impl Fapi {
    fn new() -> Self {
        Self::with(Profile::fapi2())
    }

    fn with(profile: Profile) -> Self {
        let h = harness_with(profile);
        let key = es256_key(61).with_kid(Kid::new(FAPI_KID).unwrap());
        let other_key = es256_key(62).with_kid(Kid::new(OTHER_KID).unwrap());
        h.store
            .register(pkjwt_client(FAPI_APP, &key, FAPI_REDIRECT))
            .unwrap();
        h.store
            .register(pkjwt_client(OTHER_APP, &other_key, OTHER_REDIRECT))
            .unwrap();
        Self {
            h,
            key,
            other_key,
            seq: 0,
        }
    }

    /// Demands DPoP nonces from `schedule`, keeping the store and clock.
    fn with_nonces(mut self, schedule: &DpopNonceSchedule) -> Self {
        let config = self
            .h
            .engine
            .config()
            .clone()
            .with_dpop_nonces(schedule.clone());
        self.h.engine = Engine::new(config).unwrap();
        self
    }

    fn now(&self) -> i64 {
        self.h.clock.now().unix_timestamp()
    }

    fn jti(&mut self, prefix: &str) -> String {
        self.seq += 1;
        format!("{prefix}-{}", self.seq)
    }

    /// A client assertion for the FAPI client: `iss` = `sub` = client, `aud` the issuer,
    /// `iat` now, `exp` in a minute, a fresh `jti`, with `overrides` on top.
    fn assertion_with(&mut self, overrides: &Value) -> String {
        let key = self.key.clone();
        self.assertion_as(FAPI_APP, &key, overrides)
    }

    fn assertion(&mut self) -> String {
        self.assertion_with(&json!({}))
    }

    fn assertion_as(&mut self, client: &str, key: &Jwk, overrides: &Value) -> String {
        let now = self.now();
        let mut claims = json!({
            "iss": client,
            "sub": client,
            "aud": ISSUER,
            "iat": now,
            "exp": now + 60,
            "jti": self.jti("assertion"),
        });
        for (name, value) in overrides.as_object().unwrap() {
            claims[name] = value.clone();
        }
        let header = SigningHeader::new(Algorithm::Es256).kid(key.kid().unwrap().clone());
        Signer::new(key, &header)
            .unwrap()
            .sign_json(&claims)
            .unwrap()
    }

    /// A DPoP proof by `key` for `htm` `htu`, `iat` now, a fresh `jti`, `extra` on top.
    fn proof(&mut self, key: &Jwk, htm: &str, htu: &str, extra: &Value) -> String {
        let mut claims = json!({
            "jti": self.jti("dpop"),
            "iat": self.now(),
            "htm": htm,
            "htu": htu,
        });
        for (name, value) in extra.as_object().unwrap() {
            claims[name] = value.clone();
        }
        let header = SigningHeader::new(Algorithm::Es256)
            .typ("dpop+jwt")
            .embed_public_key(key)
            .unwrap();
        Signer::new(key, &header)
            .unwrap()
            .sign_json(&claims)
            .unwrap()
    }

    fn token_proof(&mut self, key: &Jwk) -> String {
        self.proof(key, "POST", TOKEN_ENDPOINT, &json!({}))
    }

    fn userinfo_proof(&mut self, key: &Jwk, access_token: &str) -> String {
        let extra = json!({"ath": ath(access_token)});
        self.proof(key, "GET", USERINFO_ENDPOINT, &extra)
    }

    /// An authorization request of the FAPI client (PKCE S256, its redirect URI), encoded.
    fn query(&mut self, scope: &str, extra: &[(&str, &str)]) -> (String, Pending) {
        self.h
            .authorization_query(FAPI_APP, FAPI_REDIRECT, scope, extra, true)
    }

    /// POSTs `body` to the PAR endpoint, with `assertion` appended as a `private_key_jwt`
    /// client assertion, an `Authorization` header and a `DPoP` header if given.
    fn push_raw(
        &mut self,
        body: &str,
        assertion: Option<&str>,
        authorization: Option<&str>,
        dpop: Option<&str>,
    ) -> HttpResponse {
        let body = match assertion {
            Some(assertion) => format!(
                "{body}&{}",
                Params::from_iter([
                    ("client_assertion_type", ASSERTION_TYPE),
                    ("client_assertion", assertion),
                ])
                .encode()
            ),
            None => body.to_owned(),
        };
        let mut request = HttpRequest::form_post(body.as_bytes());
        request.dpop = dpop;
        if let Some(authorization) = authorization {
            request = request.with_authorization(authorization);
        }
        let step =
            self.h
                .engine
                .pushed_authorization(&request, self.h.clock.now(), &mut self.h.rng);
        self.h
            .engine
            .drive(step, &self.h.store)
            .into_response()
            .unwrap()
    }

    /// Pushes `body` as the FAPI client with a fresh, good assertion.
    fn push(&mut self, body: &str) -> HttpResponse {
        let assertion = self.assertion();
        self.push_raw(body, Some(&assertion), None, None)
    }

    /// The `request_uri` of a pushed request that was accepted (201).
    fn request_uri(response: &HttpResponse) -> String {
        assert_eq!(
            response.status(),
            201,
            "{}",
            String::from_utf8_lossy(response.body())
        );
        let body = json(response);
        let request_uri = body["request_uri"].as_str().unwrap();
        assert!(request_uri.starts_with("urn:ietf:params:oauth:request_uri:"));
        request_uri.to_owned()
    }

    /// Pushes a request for `scope` (with `extra`): its `request_uri`.
    fn pushed(&mut self, scope: &str, extra: &[(&str, &str)]) -> (String, Pending) {
        let (query, pending) = self.query(scope, extra);
        let response = self.push(&query);
        (Self::request_uri(&response), pending)
    }

    /// Pushes, then has alice log in and consent at the authorization endpoint, which gets only
    /// `client_id` and `request_uri`: the code, with `state` and `iss` checked.
    fn code(&mut self, scope: &str, extra: &[(&str, &str)]) -> (String, Pending) {
        let (request_uri, pending) = self.pushed(scope, extra);
        let response = self.h.approve(&by_reference(FAPI_APP, &request_uri));
        (checked_code(&response, &pending), pending)
    }

    /// A token request: `form`, plus `assertion` as a client assertion, and `proof` as `DPoP`.
    fn token(
        &mut self,
        form: &[(&str, &str)],
        assertion: Option<&str>,
        proof: Option<&str>,
    ) -> HttpResponse {
        let mut params = Params::from_iter(form.iter().copied());
        if let Some(assertion) = assertion {
            params.push("client_assertion_type", ASSERTION_TYPE);
            params.push("client_assertion", assertion);
        }
        let body = params.encode();
        let mut request = HttpRequest::form_post(body.as_bytes());
        request.dpop = proof;
        let step = self
            .h
            .engine
            .token(&request, self.h.clock.now(), &mut self.h.rng);
        self.h
            .engine
            .drive(step, &self.h.store)
            .into_response()
            .unwrap()
    }

    /// Redeems `code` as the FAPI client (fresh assertion, its redirect URI, the verifier).
    fn redeem(&mut self, code: &str, pending: &Pending, proof: Option<&str>) -> HttpResponse {
        let assertion = self.assertion();
        self.token(
            &[
                ("grant_type", "authorization_code"),
                ("code", code),
                ("redirect_uri", FAPI_REDIRECT),
                ("code_verifier", pending.verifier.as_str()),
            ],
            Some(&assertion),
            proof,
        )
    }

    fn refresh(&mut self, refresh_token: &str, proof: Option<&str>) -> HttpResponse {
        let assertion = self.assertion();
        self.token(
            &[
                ("grant_type", "refresh_token"),
                ("refresh_token", refresh_token),
            ],
            Some(&assertion),
            proof,
        )
    }

    fn userinfo(&self, scheme: &str, access_token: &str, proof: Option<&str>) -> HttpResponse {
        userinfo_with(&self.h, scheme, access_token, proof)
    }

    /// Introspects `token` as the FAPI client (its own tokens), with a fresh assertion.
    fn introspect(&mut self, token: &str) -> Value {
        let assertion = self.assertion();
        let body = Params::from_iter([
            ("token", token),
            ("client_assertion_type", ASSERTION_TYPE),
            ("client_assertion", &assertion),
        ])
        .encode();
        let request = HttpRequest::form_post(body.as_bytes());
        let step = self.h.engine.introspect(&request, self.h.clock.now());
        let response = self
            .h
            .engine
            .drive(step, &self.h.store)
            .into_response()
            .unwrap();
        assert_eq!(response.status(), 200, "{:?}", json(&response));
        json(&response)
    }

    /// A code, redeemed with a proof of `key`: the token response's body.
    fn tokens(&mut self, scope: &str, key: &Jwk) -> Value {
        let (code, pending) = self.code(scope, &[]);
        let proof = self.token_proof(key);
        let response = self.redeem(&code, &pending, Some(&proof));
        assert_eq!(response.status(), 200, "{:?}", json(&response));
        json(&response)
    }
}

/// The complete FAPI 2.0 flow: PAR with `private_key_jwt` → authorization endpoint with
/// `client_id` + `request_uri` only → login → consent → code (with `iss`) → token request with
/// a DPoP proof and `private_key_jwt` → DPoP-bound tokens and an ID token with the nonce →
/// UserInfo with the DPoP scheme → a refresh with a proof, which keeps the refresh token.
#[test]
fn fapi2_a_complete_flow() {
    let mut f = Fapi::new();
    let dpop = es256_key(71);
    let nonce = "n-0S6_WzA2Mj";
    let (query, pending) = f.query("openid profile offline_access", &[("nonce", nonce)]);
    let pushed = f.push(&query);
    assert_eq!(pushed.header("cache-control"), Some("no-store"));
    let request_uri = Fapi::request_uri(&pushed);

    // The front channel carries only client_id and request_uri (RFC 9126 §4).
    let front = by_reference(FAPI_APP, &request_uri);
    assert!(!front.contains("redirect_uri") && !front.contains("scope"));
    let Driven::Login(context) = f.h.authorize(&front, None) else {
        panic!("login expected")
    };
    assert_eq!(context.client_id().as_str(), FAPI_APP);
    let step =
        f.h.engine
            .logged_in(context, f.h.alice_session(), f.h.clock.now(), &mut f.h.rng);
    let Driven::Consent(context) = f.h.engine.drive(step, &f.h.store) else {
        panic!("consent expected")
    };
    // Informed consent: the pushed scope is what the user is asked about.
    assert_eq!(
        context.scope(),
        &Scope::parse("openid profile offline_access").unwrap()
    );
    let approve = ConsentDecision::Approve {
        scope: None,
        remember: false,
    };
    let step =
        f.h.engine
            .consented(context, approve, f.h.clock.now(), &mut f.h.rng);
    let Driven::Respond(redirect) = f.h.engine.drive(step, &f.h.store) else {
        panic!("redirect expected")
    };
    assert_eq!(redirect.status(), 303);
    assert!(
        redirect
            .header("location")
            .unwrap()
            .starts_with(&format!("{FAPI_REDIRECT}?"))
    );
    let callback = redirect_params(&redirect);
    assert_eq!(
        callback.single("state").unwrap(),
        Some(pending.state.as_str())
    );
    assert_eq!(callback.single("iss").unwrap(), Some(ISSUER));
    let code = callback.single("code").unwrap().unwrap().to_owned();

    // The token request: private_key_jwt and a DPoP proof.
    let proof = f.token_proof(&dpop);
    let response = f.redeem(&code, &pending, Some(&proof));
    assert_eq!(response.status(), 200, "{:?}", json(&response));
    assert_eq!(response.header("cache-control"), Some("no-store"));
    let body = json(&response);
    assert_eq!(body["token_type"], "DPoP");
    assert_eq!(body["expires_in"], 600);
    let access = body["access_token"].as_str().unwrap().to_owned();
    let refresh = body["refresh_token"].as_str().unwrap().to_owned();
    let id_token = body["id_token"].as_str().unwrap();
    let verified = Validation::new(Typ::Jwt, Algorithm::Es256)
        .typ_may_be_absent()
        .issuer(ISSUER)
        .audience(FAPI_APP)
        .verify(
            id_token,
            &f.h.signing_key.to_public().unwrap(),
            f.h.clock.now(),
        )
        .unwrap();
    assert_eq!(verified.subject(), Some("alice"));
    let claims = jwt_claims(id_token);
    assert_eq!(claims["nonce"], nonce);
    assert_eq!(claims["at_hash"], {
        let digest = ring::digest::digest(&ring::digest::SHA256, access.as_bytes());
        URL_SAFE_NO_PAD.encode(&digest.as_ref()[..16])
    });
    let introspection = f.introspect(&access);
    assert_eq!(introspection["active"], true);
    assert_eq!(introspection["token_type"], "DPoP");
    assert_eq!(introspection["cnf"]["jkt"], jkt(&dpop));

    // UserInfo: the DPoP scheme with a proof of the key.
    let proof = f.userinfo_proof(&dpop, &access);
    let userinfo = f.userinfo("DPoP", &access, Some(&proof));
    assert_eq!(
        userinfo.status(),
        200,
        "{:?}",
        userinfo.header("www-authenticate")
    );
    assert_eq!(json(&userinfo)["sub"], "alice");
    assert_eq!(json(&userinfo)["name"], "Alice Example");

    // A refresh with a proof: a new DPoP access token, the same refresh token.
    f.h.advance(5);
    let proof = f.token_proof(&dpop);
    let refreshed = f.refresh(&refresh, Some(&proof));
    assert_eq!(refreshed.status(), 200, "{:?}", json(&refreshed));
    let refreshed = json(&refreshed);
    assert_eq!(refreshed["token_type"], "DPoP");
    assert_eq!(refreshed["refresh_token"], refresh.as_str());
    let new_access = refreshed["access_token"].as_str().unwrap();
    assert_ne!(new_access, access);
    assert_eq!(f.introspect(new_access)["cnf"]["jkt"], jkt(&dpop));
}

/// §5.3.2.1 item 1: the discovery document (RFC 8414, OIDD) says what the profile enforces.
#[test]
fn fapi2_5_3_2_1_1_discovery_publishes_what_the_profile_enforces() {
    let f = Fapi::new();
    let discovery = f.h.engine.discovery();
    assert_eq!(discovery.status(), 200);
    let metadata = json(&discovery);
    assert_eq!(metadata["issuer"], ISSUER);
    assert_eq!(
        metadata["token_endpoint_auth_methods_supported"],
        json!(["private_key_jwt"])
    );
    assert_eq!(
        metadata["token_endpoint_auth_signing_alg_values_supported"],
        json!(["PS256", "ES256", "EdDSA"])
    );
    assert_eq!(metadata["require_pushed_authorization_requests"], true);
    assert_eq!(
        metadata["pushed_authorization_request_endpoint"],
        PAR_ENDPOINT
    );
    assert_eq!(
        metadata["dpop_signing_alg_values_supported"],
        json!(["PS256", "ES256", "EdDSA"])
    );
    assert_eq!(
        metadata["code_challenge_methods_supported"],
        json!(["S256"])
    );
    assert_eq!(
        metadata["authorization_response_iss_parameter_supported"],
        true
    );
    assert_eq!(metadata["response_types_supported"], json!(["code"]));
    assert_eq!(metadata["token_endpoint"], TOKEN_ENDPOINT);
    let grants = metadata["grant_types_supported"].as_array().unwrap();
    assert!(grants.contains(&json!("authorization_code")));
    assert!(!grants.contains(&json!("password")));
    // The same document under the default profile differs where the profile does.
    let default = json(&Fapi::with(Profile::oauth21()).h.engine.discovery());
    assert_eq!(default["require_pushed_authorization_requests"], false);
    assert_eq!(
        default["token_endpoint_auth_methods_supported"]
            .as_array()
            .unwrap()
            .len(),
        AuthMethod::ALL.len()
    );
}

/// §5.3.2.1 item 2: the resource owner password credentials grant is refused, even for an
/// authenticated FAPI client with a good DPoP proof.
#[test]
fn fapi2_5_3_2_1_2_the_password_grant_is_refused() {
    let mut f = Fapi::new();
    let dpop = es256_key(71);
    let assertion = f.assertion();
    let proof = f.token_proof(&dpop);
    let response = f.token(
        &[
            ("grant_type", "password"),
            ("username", "alice"),
            ("password", "alice's password"),
            ("scope", "openid"),
        ],
        Some(&assertion),
        Some(&proof),
    );
    assert_error(&response, 400, "unsupported_grant_type");
    assert!(json(&response).get("access_token").is_none());
}

/// §5.3.2.1 item 3: confidential clients only. A public client is refused at PAR
/// (`invalid_client`), gets no code at the authorization endpoint (`unauthorized_client`, even
/// with a session), and is refused at the token endpoint (`invalid_client`).
#[test]
fn fapi2_5_3_2_1_3_public_clients_are_refused() {
    let mut f = Fapi::new();
    let (query, _) =
        f.h.authorization_query(DRAWING_APP, DRAWING_REDIRECT, "openid", &[], true);
    let pushed = f.push_raw(&query, None, None, None);
    assert_error(&pushed, 401, "invalid_client");

    let session = f.h.alice_session();
    let Driven::Respond(response) = f.h.authorize(&query, Some(&session)) else {
        panic!("an answer expected")
    };
    let callback = redirect_params(&response);
    assert_eq!(
        callback.single("error").unwrap(),
        Some("unauthorized_client")
    );
    assert_eq!(callback.single("code").unwrap(), None);
    assert_eq!(callback.single("iss").unwrap(), Some(ISSUER));

    let dpop = es256_key(71);
    let proof = f.token_proof(&dpop);
    let response = f.token(
        &[
            ("grant_type", "authorization_code"),
            ("code", "made-up-code"),
            ("redirect_uri", DRAWING_REDIRECT),
            ("client_id", DRAWING_APP),
            (
                "code_verifier",
                CodeVerifier::generate(&mut SeededRng::new(3))
                    .unwrap()
                    .as_str(),
            ),
        ],
        None,
        Some(&proof),
    );
    assert_error(&response, 401, "invalid_client");
    let proof = f.token_proof(&dpop);
    let response = f.token(
        &[
            ("grant_type", "refresh_token"),
            ("refresh_token", "made-up-refresh-token"),
            ("client_id", DRAWING_APP),
        ],
        None,
        Some(&proof),
    );
    assert_error(&response, 401, "invalid_client");

    // Under the default profile the same public client may push.
    let mut open = Fapi::with(Profile::oauth21());
    let (query, _) = open
        .h
        .authorization_query(DRAWING_APP, DRAWING_REDIRECT, "openid", &[], true);
    assert_eq!(open.push_raw(&query, None, None, None).status(), 201);
}

/// §5.3.2.1 items 4 and 5: only sender-constrained access tokens, with DPoP. A token request
/// without a proof is refused (`invalid_dpop_proof`, and the code survives); with one, the
/// access token is DPoP-bound (`token_type` DPoP, `cnf.jkt`), and is refused as a Bearer token.
#[test]
fn fapi2_5_3_2_1_4_5_every_access_token_is_dpop_bound() {
    let mut f = Fapi::new();
    let dpop = es256_key(71);
    let (code, pending) = f.code("openid offline_access", &[]);
    let response = f.redeem(&code, &pending, None);
    assert_error(&response, 400, "invalid_dpop_proof");
    assert!(json(&response).get("access_token").is_none());
    // A proof for another endpoint is no proof either.
    let elsewhere = f.proof(&dpop, "POST", PAR_ENDPOINT, &json!({}));
    assert_error(
        &f.redeem(&code, &pending, Some(&elsewhere)),
        400,
        "invalid_dpop_proof",
    );

    let proof = f.token_proof(&dpop);
    let response = f.redeem(&code, &pending, Some(&proof));
    assert_eq!(response.status(), 200, "{:?}", json(&response));
    let body = json(&response);
    assert_eq!(body["token_type"], "DPoP");
    let access = body["access_token"].as_str().unwrap().to_owned();
    let introspection = f.introspect(&access);
    assert_eq!(introspection["token_type"], "DPoP");
    assert_eq!(introspection["cnf"]["jkt"], jkt(&dpop));
    let as_bearer = f.userinfo("Bearer", &access, None);
    assert_eq!(as_bearer.status(), 401);
    assert!(
        as_bearer
            .header("www-authenticate")
            .unwrap()
            .contains("invalid_token")
    );
    let stranger = es256_key(72);
    let proof = f.userinfo_proof(&stranger, &access);
    assert_eq!(f.userinfo("DPoP", &access, Some(&proof)).status(), 401);

    // A refresh needs a proof too, and yields a bound token.
    let refresh = body["refresh_token"].as_str().unwrap().to_owned();
    assert_error(&f.refresh(&refresh, None), 400, "invalid_dpop_proof");
    let proof = f.token_proof(&dpop);
    let refreshed = f.refresh(&refresh, Some(&proof));
    assert_eq!(refreshed.status(), 200, "{:?}", json(&refreshed));
    assert_eq!(json(&refreshed)["token_type"], "DPoP");
}

/// §5.3.2.1 item 6: client authentication by `private_key_jwt` only. A client registered for
/// `client_secret_basic`, presenting its correct secret, is refused at PAR, at the token
/// endpoint and at introspection; so is a `client_secret_jwt` client.
#[test]
fn fapi2_5_3_2_1_6_only_private_key_jwt_authenticates() {
    let mut f = Fapi::new();
    let authorization = basic(FITNESS_APP, FITNESS_SECRET);
    let (query, _) =
        f.h.authorization_query(FITNESS_APP, FITNESS_REDIRECT, "openid", &[], true);
    assert_error(
        &f.push_raw(&query, None, Some(&authorization), None),
        401,
        "invalid_client",
    );
    let dpop = es256_key(71);
    let proof = f.token_proof(&dpop);
    let body = Params::from_iter([
        ("grant_type", "authorization_code"),
        ("code", "made-up-code"),
        ("redirect_uri", FITNESS_REDIRECT),
    ])
    .encode();
    let mut request = HttpRequest::form_post(body.as_bytes()).with_authorization(&authorization);
    request.dpop = Some(&proof);
    let step = f.h.engine.token(&request, f.h.clock.now(), &mut f.h.rng);
    let response = f.h.engine.drive(step, &f.h.store).into_response().unwrap();
    assert_error(&response, 401, "invalid_client");
    assert!(response.header("www-authenticate").is_some());
    assert_error(
        &f.h.introspect("any-token", &authorization),
        401,
        "invalid_client",
    );

    // client_secret_jwt: a correct HS256 assertion is refused too.
    let secret = Jwk::generate(Algorithm::Hs256, &mut SeededRng::new(5)).unwrap();
    f.h.store
        .register(
            Client::confidential(
                ClientId::parse("hs-app").unwrap(),
                ClientCredentials::SecretJwt(Box::new(secret.clone())),
                vec![RegisteredRedirectUri::parse("https://hs.example/cb").unwrap()],
                ClientScope::new(Scope::parse("openid").unwrap()),
            )
            .with_grant_types(vec![GrantType::AuthorizationCode]),
        )
        .unwrap();
    let now = f.now();
    let claims =
        json!({"iss": "hs-app", "sub": "hs-app", "aud": ISSUER, "exp": now + 60, "jti": "hs-1"});
    let hs_assertion = Signer::new(&secret, &SigningHeader::new(Algorithm::Hs256))
        .unwrap()
        .sign_json(&claims)
        .unwrap();
    let (query, _) =
        f.h.authorization_query("hs-app", "https://hs.example/cb", "openid", &[], true);
    assert_error(
        &f.push_raw(&query, Some(&hs_assertion), None, None),
        401,
        "invalid_client",
    );

    // The FAPI client's own private_key_jwt is accepted.
    let (query, _) = f.query("openid", &[]);
    assert_eq!(f.push(&query).status(), 201);
    // The default profile accepts the Basic client at PAR.
    let mut open = Fapi::with(Profile::oauth21());
    let (query, _) = open
        .h
        .authorization_query(FITNESS_APP, FITNESS_REDIRECT, "openid", &[], true);
    assert_eq!(
        open.push_raw(&query, None, Some(&authorization), None)
            .status(),
        201
    );
}

/// §5.3.2.1 item 7: no open redirector. A pushed request naming a redirect URI that is not
/// registered is refused; an unknown `request_uri`, or an unknown client, gets an error page,
/// never a redirect.
#[test]
fn fapi2_5_3_2_1_7_no_open_redirects() {
    let mut f = Fapi::new();
    let (query, _) =
        f.h.authorization_query(FAPI_APP, "https://evil.example/cb", "openid", &[], true);
    assert_error(&f.push(&query), 400, "invalid_request");
    let Driven::Respond(response) = f.h.authorize(
        &by_reference(FAPI_APP, "urn:ietf:params:oauth:request_uri:made-up"),
        None,
    ) else {
        panic!("an answer expected")
    };
    assert_error_page(&response, "invalid_request_uri");
    let (query, _) =
        f.h.authorization_query("nobody", "https://evil.example/cb", "openid", &[], true);
    let Driven::Respond(response) = f.h.authorize(&query, Some(&f.h.alice_session())) else {
        panic!("an answer expected")
    };
    assert_error_page(&response, "unknown client");
}

/// §5.3.2.1 item 8 (Final): a client assertion's `aud` is the issuer identifier, as a string.
/// The token endpoint URL, the PAR endpoint URL and an array holding the issuer are refused
/// (`invalid_client`) at PAR and at the token endpoint. Under `oauth21` the token endpoint URL
/// and the array are accepted, so the test tells the rules apart.
#[test]
fn fapi2_5_3_2_1_8_the_assertion_audience_is_the_issuer_string() {
    assert_eq!(
        Profile::fapi2().assertion_audience,
        AssertionAudience::IssuerString
    );
    let refused = [
        json!({"aud": TOKEN_ENDPOINT}),
        json!({"aud": PAR_ENDPOINT}),
        json!({"aud": [ISSUER]}),
        json!({"aud": [ISSUER, TOKEN_ENDPOINT]}),
    ];
    let mut f = Fapi::new();
    let dpop = es256_key(71);
    let (code, pending) = f.code("openid", &[]);
    for overrides in &refused {
        let (query, _) = f.query("openid", &[]);
        let assertion = f.assertion_with(overrides);
        assert_error(
            &f.push_raw(&query, Some(&assertion), None, None),
            401,
            "invalid_client",
        );
        // At the token endpoint, before the code is touched.
        let assertion = f.assertion_with(overrides);
        let proof = f.token_proof(&dpop);
        let response = f.token(
            &[
                ("grant_type", "authorization_code"),
                ("code", &code),
                ("redirect_uri", FAPI_REDIRECT),
                ("code_verifier", pending.verifier.as_str()),
            ],
            Some(&assertion),
            Some(&proof),
        );
        assert_error(&response, 401, "invalid_client");
    }
    // The issuer string: accepted at both.
    let (query, _) = f.query("openid", &[]);
    let assertion = f.assertion_with(&json!({"aud": ISSUER}));
    assert_eq!(
        f.push_raw(&query, Some(&assertion), None, None).status(),
        201
    );
    let proof = f.token_proof(&dpop);
    let response = f.redeem(&code, &pending, Some(&proof));
    assert_eq!(response.status(), 200, "{:?}", json(&response));

    // oauth21: the token endpoint and the array are accepted; the PAR endpoint is not.
    let mut open = Fapi::with(Profile::oauth21());
    for (overrides, status) in [
        (json!({"aud": TOKEN_ENDPOINT}), 201),
        (json!({"aud": [ISSUER]}), 201),
        (json!({"aud": PAR_ENDPOINT}), 401),
    ] {
        let (query, _) = open.query("openid", &[]);
        let assertion = open.assertion_with(&overrides);
        let response = open.push_raw(&query, Some(&assertion), None, None);
        assert_eq!(response.status(), status, "{overrides}");
    }
}

/// §5.3.2.1 item 9: refresh tokens are not rotated. Each refresh returns the presented refresh
/// token, which keeps working; with rotation switched on, the test sees a new one.
#[test]
fn fapi2_5_3_2_1_9_refresh_tokens_are_not_rotated() {
    assert_eq!(Profile::fapi2().refresh_rotation, RefreshRotation::Never);
    let mut f = Fapi::new();
    let dpop = es256_key(71);
    let body = f.tokens("openid offline_access", &dpop);
    let refresh = body["refresh_token"].as_str().unwrap().to_owned();
    let mut access_tokens = vec![body["access_token"].as_str().unwrap().to_owned()];
    for _ in 0..2 {
        f.h.advance(10);
        let proof = f.token_proof(&dpop);
        let response = f.refresh(&refresh, Some(&proof));
        assert_eq!(response.status(), 200, "{:?}", json(&response));
        let body = json(&response);
        assert_eq!(body["refresh_token"], refresh.as_str());
        let access = body["access_token"].as_str().unwrap().to_owned();
        assert!(!access_tokens.contains(&access));
        access_tokens.push(access);
    }
    // The refresh token is still active.
    assert_eq!(f.introspect(&refresh)["active"], true);

    let mut rotating = Profile::fapi2();
    rotating.refresh_rotation = RefreshRotation::Always;
    let mut r = Fapi::with(rotating);
    let body = r.tokens("openid offline_access", &dpop);
    let refresh = body["refresh_token"].as_str().unwrap().to_owned();
    let proof = r.token_proof(&dpop);
    let rotated = json(&r.refresh(&refresh, Some(&proof)));
    assert!(rotated["refresh_token"].is_string());
    assert_ne!(rotated["refresh_token"], refresh.as_str());
}

/// §5.3.2.1 item 10: DPoP server nonces (RFC 9449 §8, §9) may be required. With a schedule, a
/// proof without the nonce gets `use_dpop_nonce` and the nonce in `DPoP-Nonce` (the code is not
/// spent); with it, the tokens; UserInfo demands it too.
#[test]
fn fapi2_5_3_2_1_10_dpop_nonces_may_be_required() {
    let schedule = DpopNonceSchedule::new(&[9; 32], time::Duration::seconds(60));
    let mut f = Fapi::new().with_nonces(&schedule);
    let dpop = es256_key(71);
    let nonce = schedule.current(f.h.clock.now());
    let (code, pending) = f.code("openid", &[]);

    let missing = f.redeem(&code, &pending, None);
    assert_error(&missing, 400, "invalid_dpop_proof");
    assert_eq!(missing.header("dpop-nonce"), Some(nonce.as_str()));
    let proof = f.token_proof(&dpop);
    let demanded = f.redeem(&code, &pending, Some(&proof));
    assert_error(&demanded, 400, "use_dpop_nonce");
    assert_eq!(demanded.header("dpop-nonce"), Some(nonce.as_str()));
    let proof = f.proof(&dpop, "POST", TOKEN_ENDPOINT, &json!({"nonce": "made-up"}));
    assert_error(
        &f.redeem(&code, &pending, Some(&proof)),
        400,
        "use_dpop_nonce",
    );

    let proof = f.proof(&dpop, "POST", TOKEN_ENDPOINT, &json!({"nonce": nonce}));
    let issued = f.redeem(&code, &pending, Some(&proof));
    assert_eq!(issued.status(), 200, "{:?}", json(&issued));
    assert_eq!(issued.header("dpop-nonce"), Some(nonce.as_str()));
    let access = json(&issued)["access_token"].as_str().unwrap().to_owned();

    let proof = f.userinfo_proof(&dpop, &access);
    let without = f.userinfo("DPoP", &access, Some(&proof));
    assert_eq!(without.status(), 401);
    assert!(
        without
            .header("www-authenticate")
            .unwrap()
            .contains(r#"error="use_dpop_nonce""#)
    );
    assert_eq!(without.header("dpop-nonce"), Some(nonce.as_str()));
    let extra = json!({"ath": ath(&access), "nonce": nonce});
    let proof = f.proof(&dpop, "GET", USERINFO_ENDPOINT, &extra);
    let with = f.userinfo("DPoP", &access, Some(&proof));
    assert_eq!(with.status(), 200, "{:?}", with.header("www-authenticate"));

    // Without a schedule the FAPI profile demands none.
    let mut plain = Fapi::new();
    let (code, pending) = plain.code("openid", &[]);
    let proof = plain.token_proof(&dpop);
    let response = plain.redeem(&code, &pending, Some(&proof));
    assert_eq!(response.status(), 200);
    assert_eq!(response.header("dpop-nonce"), None);
}

/// §5.3.2.1 item 11: authorization codes live at most 60 s. With the default [`Lifetimes`] a
/// code is redeemed at 59 s, and refused with `invalid_grant` at 61 s.
#[test]
fn fapi2_5_3_2_1_11_codes_expire_after_sixty_seconds() {
    assert_eq!(Lifetimes::default().code, time::Duration::seconds(60));
    let mut f = Fapi::new();
    assert_eq!(f.h.engine.config().lifetimes, Lifetimes::default());
    let dpop = es256_key(71);
    let (code, pending) = f.code("openid", &[]);
    f.h.advance(61);
    let proof = f.token_proof(&dpop);
    let expired = f.redeem(&code, &pending, Some(&proof));
    assert_error(&expired, 400, "invalid_grant");
    assert!(json(&expired).get("access_token").is_none());

    let (code, pending) = f.code("openid", &[]);
    f.h.advance(59);
    let proof = f.token_proof(&dpop);
    let response = f.redeem(&code, &pending, Some(&proof));
    assert_eq!(response.status(), 200, "{:?}", json(&response));
}

/// §5.3.2.1 item 12: DPoP authorization-code binding (RFC 9449 §10). A code pushed with
/// `dpop_jkt` is redeemed only with a proof of that key: another key gets `invalid_grant`; a
/// PAR request whose own DPoP header proves another key than its `dpop_jkt` is refused.
#[test]
fn fapi2_5_3_2_1_12_dpop_jkt_binds_the_code() {
    let mut f = Fapi::new();
    let bound = es256_key(71);
    let other = es256_key(72);
    let thumbprint = jkt(&bound);
    // Codes are taken before they are checked: each refusal spends its own code.
    let (code, pending) = f.code("openid", &[("dpop_jkt", &thumbprint)]);
    let proof = f.token_proof(&other);
    assert_error(
        &f.redeem(&code, &pending, Some(&proof)),
        400,
        "invalid_grant",
    );

    // dpop_jkt says one key, the PAR request's DPoP header proves another.
    let (query, _) = f.query("openid", &[("dpop_jkt", &thumbprint)]);
    let assertion = f.assertion();
    let par_proof = f.proof(&other, "POST", PAR_ENDPOINT, &json!({}));
    let pushed = f.push_raw(&query, Some(&assertion), None, Some(&par_proof));
    // RFC 9449 §10.1: the mismatch is refused at PAR.
    assert_error(&pushed, 400, "invalid_dpop_proof");

    let (code, pending) = f.code("openid", &[("dpop_jkt", &thumbprint)]);
    let proof = f.token_proof(&bound);
    let response = f.redeem(&code, &pending, Some(&proof));
    assert_eq!(response.status(), 200, "{:?}", json(&response));
    let access = json(&response)["access_token"].as_str().unwrap().to_owned();
    assert_eq!(f.introspect(&access)["cnf"]["jkt"], thumbprint);
}

/// §5.3.2.1 item 12, RFC 9449 §10.1: a DPoP header at PAR binds the code to its key as
/// `dpop_jkt` would, so a token request proving a different key fails and one proving the same
/// key succeeds; the PAR proof is single use.
#[test]
fn fapi2_5_3_2_1_12_a_dpop_proof_at_par_binds_the_code() {
    let mut f = Fapi::new();
    let at_par = es256_key(71);
    let at_token = es256_key(72);
    let (query, pending) = f.query("openid", &[]);
    let assertion = f.assertion();
    let par_proof = f.proof(&at_par, "POST", PAR_ENDPOINT, &json!({}));
    let request_uri =
        Fapi::request_uri(&f.push_raw(&query, Some(&assertion), None, Some(&par_proof)));
    let code = code_in(&f.h.approve(&by_reference(FAPI_APP, &request_uri)));
    let proof = f.token_proof(&at_token);
    assert_error(
        &f.redeem(&code, &pending, Some(&proof)),
        400,
        "invalid_grant",
    );

    // The same proof again: a replay.
    let (query, pending) = f.query("openid", &[]);
    let assertion = f.assertion();
    let replayed = f.push_raw(&query, Some(&assertion), None, Some(&par_proof));
    assert_error(&replayed, 400, "invalid_dpop_proof");

    // A fresh proof of the PAR key, and the same key at the token endpoint.
    let par_proof = f.proof(&at_par, "POST", PAR_ENDPOINT, &json!({}));
    let assertion = f.assertion();
    let request_uri =
        Fapi::request_uri(&f.push_raw(&query, Some(&assertion), None, Some(&par_proof)));
    let code = code_in(&f.h.approve(&by_reference(FAPI_APP, &request_uri)));
    let proof = f.token_proof(&at_par);
    let response = f.redeem(&code, &pending, Some(&proof));
    assert_eq!(response.status(), 200, "{:?}", json(&response));
    let access = json(&response)["access_token"].as_str().unwrap().to_owned();
    assert_eq!(f.introspect(&access)["cnf"]["jkt"], jkt(&at_par));
}

/// §5.3.2.1 item 13: JWTs whose `iat` or `nbf` is up to 10 s in the future are accepted;
/// more than 60 s in the future, refused. For client assertions (at PAR and at the token
/// endpoint) and for DPoP proofs.
#[test]
fn fapi2_5_3_2_1_13_assertions_may_be_ten_seconds_early() {
    let mut f = Fapi::new();
    let now = f.now();
    let early = json!({"iat": now + 10, "nbf": now + 10, "exp": now + 70});
    let (query, _) = f.query("openid", &[]);
    let assertion = f.assertion_with(&early);
    assert_eq!(
        f.push_raw(&query, Some(&assertion), None, None).status(),
        201
    );
    for too_early in [
        json!({"iat": now + 61, "exp": now + 121}),
        json!({"nbf": now + 61, "exp": now + 121}),
    ] {
        let (query, _) = f.query("openid", &[]);
        let assertion = f.assertion_with(&too_early);
        assert_error(
            &f.push_raw(&query, Some(&assertion), None, None),
            401,
            "invalid_client",
        );
    }

    let dpop = es256_key(71);
    let (code, pending) = f.code("openid", &[]);
    let form = [
        ("grant_type", "authorization_code"),
        ("code", code.as_str()),
        ("redirect_uri", FAPI_REDIRECT),
        ("code_verifier", pending.verifier.as_str()),
    ];
    // Too early at the token endpoint: refused before the code is touched.
    let assertion = f.assertion_with(&json!({"iat": now + 61, "exp": now + 121}));
    let proof = f.token_proof(&dpop);
    assert_error(
        &f.token(&form, Some(&assertion), Some(&proof)),
        401,
        "invalid_client",
    );
    let late_proof = f.proof(&dpop, "POST", TOKEN_ENDPOINT, &json!({"iat": now + 61}));
    let assertion = f.assertion();
    assert_error(
        &f.token(&form, Some(&assertion), Some(&late_proof)),
        400,
        "invalid_dpop_proof",
    );
    let assertion = f.assertion_with(&early);
    let early_proof = f.proof(&dpop, "POST", TOKEN_ENDPOINT, &json!({"iat": now + 10}));
    let response = f.token(&form, Some(&assertion), Some(&early_proof));
    assert_eq!(response.status(), 200, "{:?}", json(&response));
}

/// §5.3.2.2 item 1: only `response_type=code`. `code id_token` and `token` are refused when
/// pushed and at the authorization endpoint, with no code or token delivered.
#[test]
fn fapi2_5_3_2_2_1_only_response_type_code() {
    let mut f = Fapi::new();
    let session = f.h.alice_session();
    for response_type in ["code id_token", "token"] {
        let (query, _) = f.query("openid", &[("nonce", "n-1")]);
        let query = query.replace(
            "response_type=code",
            &format!("response_type={}", response_type.replace(' ', "+")),
        );
        assert!(query.contains("response_type=") && !query.contains("response_type=code&"));
        let pushed = f.push(&query);
        assert_error(&pushed, 400, "unsupported_response_type");
        assert!(json(&pushed).get("request_uri").is_none());

        let Driven::Respond(response) = f.h.authorize(&query, Some(&session)) else {
            panic!("an answer expected")
        };
        let callback = redirect_params(&response);
        assert_eq!(
            callback.single("error").unwrap(),
            Some("unsupported_response_type"),
            "{response_type}"
        );
        for delivered in ["code", "access_token", "id_token"] {
            assert_eq!(callback.single(delivered).unwrap(), None);
        }
    }
}

/// §5.3.2.2 item 3: requests that were not pushed are refused, even complete, valid ones with a
/// logged-in user (`invalid_request` at the redirect URI, no code).
#[test]
fn fapi2_5_3_2_2_3_requests_must_be_pushed() {
    let mut f = Fapi::new();
    let session = f.h.alice_session();
    let (query, pending) = f.query("openid", &[]);
    let Driven::Respond(response) = f.h.authorize(&query, Some(&session)) else {
        panic!("an answer expected")
    };
    let callback = redirect_params(&response);
    assert_eq!(callback.single("error").unwrap(), Some("invalid_request"));
    assert_eq!(callback.single("code").unwrap(), None);
    assert_eq!(
        callback.single("state").unwrap(),
        Some(pending.state.as_str())
    );
    // The same request, pushed, reaches the login page.
    let response = f.push(&query);
    let request_uri = Fapi::request_uri(&response);
    assert!(matches!(
        f.h.authorize(&by_reference(FAPI_APP, &request_uri), None),
        Driven::Login(_)
    ));
    // Without the requirement the unpushed request reaches the login page.
    let mut open = Fapi::with(Profile::oauth21());
    let (query, _) = open.query("openid", &[]);
    assert!(matches!(open.h.authorize(&query, None), Driven::Login(_)));
}

/// §5.3.2.2 item 4: a pushed request without client authentication, or with a bad one, is
/// refused (`invalid_client`).
#[test]
fn fapi2_5_3_2_2_4_pushed_requests_need_client_authentication() {
    let mut f = Fapi::new();
    let (query, _) = f.query("openid", &[]);
    // Only the client_id.
    assert_error(&f.push_raw(&query, None, None, None), 401, "invalid_client");
    // Signed by another key.
    let stranger = es256_key(99).with_kid(Kid::new(FAPI_KID).unwrap());
    let forged = f.assertion_as(FAPI_APP, &stranger, &json!({}));
    assert_error(
        &f.push_raw(&query, Some(&forged), None, None),
        401,
        "invalid_client",
    );
    // Expired.
    let now = f.now();
    let expired = f.assertion_with(&json!({"iat": now - 120, "exp": now - 60}));
    assert_error(
        &f.push_raw(&query, Some(&expired), None, None),
        401,
        "invalid_client",
    );
    // Replayed.
    let assertion = f.assertion();
    assert_eq!(
        f.push_raw(&query, Some(&assertion), None, None).status(),
        201
    );
    assert_error(
        &f.push_raw(&query, Some(&assertion), None, None),
        401,
        "invalid_client",
    );
    // Another client's valid assertion for this client's request.
    let other_key = f.other_key.clone();
    let others = f.assertion_as(OTHER_APP, &other_key, &json!({}));
    let response = f.push_raw(&query, Some(&others), None, None);
    assert_error(&response, 401, "invalid_client");
    assert!(json(&response).get("request_uri").is_none());
}

/// §5.3.2.2 item 5: PKCE with S256 only. A pushed request without a challenge, or with
/// `plain`, is refused; a missing or wrong `code_verifier` gets `invalid_grant`.
#[test]
fn fapi2_5_3_2_2_5_pkce_s256_is_required() {
    let mut f = Fapi::new();
    let (no_pkce, _) =
        f.h.authorization_query(FAPI_APP, FAPI_REDIRECT, "openid", &[], false);
    assert_error(&f.push(&no_pkce), 400, "invalid_request");
    let verifier = CodeVerifier::generate(&mut SeededRng::new(8)).unwrap();
    let (plain, _) = f.h.authorization_query(
        FAPI_APP,
        FAPI_REDIRECT,
        "openid",
        &[
            ("code_challenge", verifier.as_str()),
            ("code_challenge_method", "plain"),
        ],
        false,
    );
    assert_error(&f.push(&plain), 400, "invalid_request");

    let dpop = es256_key(71);
    let (code, pending) = f.code("openid", &[]);
    let wrong = CodeVerifier::generate(&mut SeededRng::new(9)).unwrap();
    assert_ne!(wrong.as_str(), pending.verifier.as_str());
    let assertion = f.assertion();
    let proof = f.token_proof(&dpop);
    let response = f.token(
        &[
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("redirect_uri", FAPI_REDIRECT),
            ("code_verifier", wrong.as_str()),
        ],
        Some(&assertion),
        Some(&proof),
    );
    assert_error(&response, 400, "invalid_grant");

    let (code, _) = f.code("openid", &[]);
    let assertion = f.assertion();
    let proof = f.token_proof(&dpop);
    let response = f.token(
        &[
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("redirect_uri", FAPI_REDIRECT),
        ],
        Some(&assertion),
        Some(&proof),
    );
    assert_error(&response, 400, "invalid_grant");

    let (code, pending) = f.code("openid", &[]);
    let proof = f.token_proof(&dpop);
    assert_eq!(f.redeem(&code, &pending, Some(&proof)).status(), 200);
}

/// §5.3.2.2 item 6: the pushed request names its `redirect_uri`. A non-OpenID request without
/// one, from a client with exactly one registered redirect URI, is refused under `fapi2` and
/// accepted under `oauth21` (RFC 6749 §3.1.2.3).
#[test]
fn fapi2_5_3_2_2_6_the_redirect_uri_is_required() {
    assert!(Profile::fapi2().require_redirect_uri);
    let without_redirect = |f: &mut Fapi| {
        let (query, _) = f.query("profile", &[]);
        let params = Params::parse_query(&query).unwrap();
        let kept: Params = params
            .iter()
            .filter(|(name, _)| *name != "redirect_uri")
            .collect();
        let query = kept.encode();
        assert!(!query.contains("redirect_uri") && !query.contains("openid"));
        query
    };
    let mut f = Fapi::new();
    let query = without_redirect(&mut f);
    let refused = f.push(&query);
    assert_error(&refused, 400, "invalid_request");
    assert!(json(&refused).get("request_uri").is_none());
    // Naming it, the same request is accepted.
    let (query, _) = f.query("profile", &[]);
    assert_eq!(f.push(&query).status(), 201);

    let mut open = Fapi::with(Profile::oauth21());
    let query = without_redirect(&mut open);
    assert_eq!(open.push(&query).status(), 201);
}

/// §5.3.2.2 item 7: `iss` (RFC 9207) is in every authorization response, success and error
/// (here the user's refusal, `access_denied`).
#[test]
fn fapi2_5_3_2_2_7_iss_is_returned() {
    let mut f = Fapi::new();
    let (request_uri, pending) = f.pushed("openid", &[]);
    let response = f.h.approve(&by_reference(FAPI_APP, &request_uri));
    let callback = redirect_params(&response);
    assert_eq!(callback.single("iss").unwrap(), Some(ISSUER));
    assert!(callback.single("code").unwrap().is_some());

    let (request_uri, pending_denied) = f.pushed("openid", &[]);
    assert_ne!(pending.state, pending_denied.state);
    let Driven::Login(context) = f.h.authorize(&by_reference(FAPI_APP, &request_uri), None) else {
        panic!("login expected")
    };
    let step =
        f.h.engine
            .logged_in(context, f.h.alice_session(), f.h.clock.now(), &mut f.h.rng);
    let Driven::Consent(context) = f.h.engine.drive(step, &f.h.store) else {
        panic!("consent expected")
    };
    let step = f.h.engine.consented(
        context,
        ConsentDecision::Deny,
        f.h.clock.now(),
        &mut f.h.rng,
    );
    let Driven::Respond(denied) = f.h.engine.drive(step, &f.h.store) else {
        panic!("redirect expected")
    };
    let callback = redirect_params(&denied);
    assert_eq!(callback.single("error").unwrap(), Some("access_denied"));
    assert_eq!(callback.single("iss").unwrap(), Some(ISSUER));
    assert_eq!(
        callback.single("state").unwrap(),
        Some(pending_denied.state.as_str())
    );
    assert_eq!(callback.single("code").unwrap(), None);
}

/// §5.3.2.2 item 8: no `http` redirect URIs except native loopback ones. A client cannot be
/// registered with one, so a pushed request cannot name one.
#[test]
fn fapi2_5_3_2_2_8_http_redirect_uris_only_for_loopback() {
    assert!(RegisteredRedirectUri::parse("http://fapi.example/cb").is_err());
    assert!(RegisteredRedirectUri::parse("http://localhost/cb").is_err());
    assert!(RegisteredRedirectUri::parse("http://127.0.0.1/cb").is_ok());
    assert!(RegisteredRedirectUri::parse("https://fapi.example/cb").is_ok());
    let mut f = Fapi::new();
    let (query, _) =
        f.h.authorization_query(FAPI_APP, "http://fapi.example/cb", "openid", &[], true);
    assert_error(&f.push(&query), 400, "invalid_request");
}

/// §5.3.2.2 item 9: a code used twice fails (`invalid_grant`, 1 s later), and the tokens of the
/// first redemption are revoked: introspection says inactive, UserInfo refuses the access
/// token, the refresh token no longer refreshes.
#[test]
fn fapi2_5_3_2_2_9_a_reused_code_fails_and_revokes() {
    let mut f = Fapi::new();
    let dpop = es256_key(71);
    let (code, pending) = f.code("openid offline_access", &[]);
    let proof = f.token_proof(&dpop);
    let first = f.redeem(&code, &pending, Some(&proof));
    assert_eq!(first.status(), 200, "{:?}", json(&first));
    let first = json(&first);
    let access = first["access_token"].as_str().unwrap().to_owned();
    let refresh = first["refresh_token"].as_str().unwrap().to_owned();
    assert_eq!(f.introspect(&access)["active"], true);
    let proof = f.userinfo_proof(&dpop, &access);
    assert_eq!(f.userinfo("DPoP", &access, Some(&proof)).status(), 200);

    f.h.advance(1);
    let proof = f.token_proof(&dpop);
    let second = f.redeem(&code, &pending, Some(&proof));
    assert_error(&second, 400, "invalid_grant");
    assert!(json(&second).get("access_token").is_none());

    assert_eq!(f.introspect(&access), json!({"active": false}));
    assert_eq!(f.introspect(&refresh), json!({"active": false}));
    let proof = f.userinfo_proof(&dpop, &access);
    let userinfo = f.userinfo("DPoP", &access, Some(&proof));
    assert_eq!(userinfo.status(), 401);
    assert!(
        userinfo
            .header("www-authenticate")
            .unwrap()
            .contains("invalid_token")
    );
    let proof = f.token_proof(&dpop);
    assert_error(&f.refresh(&refresh, Some(&proof)), 400, "invalid_grant");
}

/// §5.3.2.2 item 10: authorization responses redirect with 303, never 307, on success and on
/// error.
#[test]
fn fapi2_5_3_2_2_10_redirects_are_303() {
    let mut f = Fapi::new();
    let (request_uri, _) = f.pushed("openid", &[]);
    let success = f.h.approve(&by_reference(FAPI_APP, &request_uri));
    assert_eq!(success.status(), 303);
    assert!(
        success
            .header("location")
            .unwrap()
            .starts_with(&format!("{FAPI_REDIRECT}?code="))
    );
    let (query, _) = f.query("openid", &[]);
    let Driven::Respond(error) = f.h.authorize(&query, Some(&f.h.alice_session())) else {
        panic!("an answer expected")
    };
    assert_eq!(error.status(), 303);
    assert!(
        error
            .header("location")
            .unwrap()
            .starts_with(&format!("{FAPI_REDIRECT}?error="))
    );
}

/// §5.3.2.2 item 11: a `request_uri` expires in under 600 s (`expires_in`), and once used or
/// expired it is refused (`invalid_request_uri` on an error page).
#[test]
fn fapi2_5_3_2_2_11_request_uris_expire_within_600_seconds() {
    let mut f = Fapi::new();
    let (query, _) = f.query("openid", &[]);
    let pushed = f.push(&query);
    let expires_in = json(&pushed)["expires_in"].as_u64().unwrap();
    assert!(expires_in > 0 && expires_in < 600, "{expires_in}");
    let request_uri = Fapi::request_uri(&pushed);

    // Used once, then gone.
    assert!(matches!(
        f.h.authorize(&by_reference(FAPI_APP, &request_uri), None),
        Driven::Login(_)
    ));
    let Driven::Respond(reused) = f.h.authorize(&by_reference(FAPI_APP, &request_uri), None) else {
        panic!("an answer expected")
    };
    assert_error_page(&reused, "invalid_request_uri");

    // Just before expiry it works; at expires_in it is refused.
    let (early, _) = f.pushed("openid", &[]);
    let (late, _) = f.pushed("openid", &[]);
    let just_before = i64::try_from(expires_in).unwrap() - 1;
    f.h.advance(just_before);
    assert!(matches!(
        f.h.authorize(&by_reference(FAPI_APP, &early), None),
        Driven::Login(_)
    ));
    f.h.advance(1);
    let Driven::Respond(expired) = f.h.authorize(&by_reference(FAPI_APP, &late), None) else {
        panic!("an answer expected")
    };
    assert_error_page(&expired, "invalid_request_uri");
}

/// §5.3.2.2 item 13: OpenID requests with a 64-character `nonce` are served, and the ID token
/// carries it unchanged.
#[test]
fn fapi2_5_3_2_2_13_nonces_of_64_characters_are_kept() {
    let nonce: String = "0123456789abcdefghijklmnopqrstuvwxyz-_.~ABCDEFGHIJKLMNOPQRSTUVWXYZ"
        .chars()
        .take(64)
        .collect();
    assert_eq!(nonce.len(), 64);
    let mut f = Fapi::new();
    let dpop = es256_key(71);
    let (code, pending) = f.code("openid", &[("nonce", &nonce)]);
    let proof = f.token_proof(&dpop);
    let response = f.redeem(&code, &pending, Some(&proof));
    assert_eq!(response.status(), 200, "{:?}", json(&response));
    let id_token = json(&response)["id_token"].as_str().unwrap().to_owned();
    assert_eq!(jwt_claims(&id_token)["nonce"], nonce.as_str());
}

/// Other FAPI 2.0 tests: a `request_uri` is bound to the client that pushed it, and so is a
/// code: another (authenticated) client gets neither.
#[test]
fn fapi2_other_request_uris_and_codes_are_client_bound() {
    let mut f = Fapi::new();
    let (request_uri, _) = f.pushed("openid", &[]);
    let Driven::Respond(response) = f.h.authorize(&by_reference(OTHER_APP, &request_uri), None)
    else {
        panic!("an answer expected")
    };
    assert_error_page(&response, "invalid_request_uri");

    let dpop = es256_key(71);
    let (code, pending) = f.code("openid", &[]);
    let other_key = f.other_key.clone();
    let assertion = f.assertion_as(OTHER_APP, &other_key, &json!({}));
    let proof = f.token_proof(&dpop);
    let response = f.token(
        &[
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("redirect_uri", FAPI_REDIRECT),
            ("code_verifier", pending.verifier.as_str()),
        ],
        Some(&assertion),
        Some(&proof),
    );
    assert_error(&response, 400, "invalid_grant");
}

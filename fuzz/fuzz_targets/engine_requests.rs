//! Drives the engine with arbitrary sequences of requests against one in-memory store, under
//! the default profile or FAPI 2.0's, with DPoP nonces.
//!
//! Invariants: nothing panics; every redirect goes to a registered redirect URI (no open
//! redirector, RFC 9700 §4.11); every token-endpoint error is RFC 6749 §5.2-shaped; a code, and
//! a device code, is redeemed at most once.
#![no_main]

use arbitrary::Arbitrary;
use libfuzzer_sys::fuzz_target;
use ostium_engine::{
    Authentication, Client, ClientCredentials, Config, ConsentDecision, Driven, Engine, GrantType,
    MemoryStore, Profile, Registration, SecretHash, SigningKeys, Subject,
};
use ostium_jose::{Algorithm, DpopNonceSchedule, Jwk, JwkSet, Kid, Signer, SigningHeader};
use ostium_messages::redirect_uri::RegisteredRedirectUri;
use ostium_messages::values::{ClientId, Issuer};
use ostium_messages::{HttpRequest, HttpResponse, Params};
use ostium_pkce::{CodeChallenge, CodeVerifier};
use ostium_scope::{ClientScope, Scope};
use ostium_testkit::{FixedClock, SeededRng};
use std::sync::OnceLock;

const REDIRECTS: [&str; 2] = ["https://app.example/cb", "http://127.0.0.1/cb"];
/// `conf:secret-0123456789abcdefghij` in HTTP Basic.
const CONF_BASIC: &str = "Basic Y29uZjpzZWNyZXQtMDEyMzQ1Njc4OWFiY2RlZmdoaWo=";

#[derive(Arbitrary, Debug)]
enum Op {
    /// Free-form authorization request.
    Authorize {
        query: String,
        post: bool,
        logged_in: bool,
        approve: bool,
    },
    /// A well-formed request with fuzzed extras, so that codes get issued.
    AuthorizeValid {
        public: bool,
        scope: u8,
        extra: String,
        approve: bool,
    },
    /// Free-form token request, with a free-form DPoP header.
    Token {
        body: String,
        basic: Option<String>,
        dpop: Option<String>,
    },
    /// Redeem a code issued earlier, optionally with a valid DPoP proof (so that the nonce
    /// check and what follows it run) carrying the server's current nonce (`true`) or a fuzzed
    /// one.
    Redeem {
        which: u8,
        right_verifier: bool,
        extra: String,
        proof: Option<(bool, Option<String>)>,
    },
    UserInfo {
        authorization: String,
        query: String,
        dpop: Option<String>,
    },
    Revoke {
        body: String,
    },
    Introspect {
        body: String,
    },
    /// Push an authorization request (RFC 9126), free-form or well-formed; as `conf` (HTTP
    /// Basic), or as `signer` with a client assertion whose `aud` is one of four variants and,
    /// optionally, a valid DPoP proof carrying the current nonce (`true`) or a fuzzed one.
    Push {
        body: String,
        valid: bool,
        signed: Option<(u8, Option<(bool, Option<String>)>)>,
    },
    /// Use a pushed request by reference.
    ByReference {
        which: u8,
        client: bool,
        approve: bool,
    },
    /// Device authorization (RFC 8628 §3.1), free-form or well-formed.
    DeviceAuthorize {
        body: String,
        valid: bool,
    },
    /// The verification page: a free-form user code, or one issued earlier, and an answer.
    DeviceVerify {
        typed: Option<String>,
        which: u8,
        approve: bool,
        narrow: bool,
    },
    /// A device polls with a device code issued earlier.
    DevicePoll {
        which: u8,
    },
    /// RP-initiated logout with a free-form query.
    Logout {
        query: String,
    },
    /// Dynamic client registration (open), with a free-form JSON body.
    Register {
        body: String,
    },
    /// Client configuration (RFC 7592) with free-form parts.
    Manage {
        method: u8,
        client_id: String,
        token: String,
        body: String,
    },
    Advance(u16),
}

fn key() -> &'static Jwk {
    static KEY: OnceLock<Jwk> = OnceLock::new();
    KEY.get_or_init(|| {
        Jwk::generate(Algorithm::Es256, &mut SeededRng::new(1))
            .and_then(|key| Ok(key.with_kid(Kid::new("k1")?)))
            .unwrap()
    })
}

/// The DPoP key of the fuzzed clients' valid proofs.
fn dpop_key() -> &'static Jwk {
    static KEY: OnceLock<Jwk> = OnceLock::new();
    KEY.get_or_init(|| Jwk::generate(Algorithm::Es256, &mut SeededRng::new(2)).unwrap())
}

fn nonce_schedule() -> DpopNonceSchedule {
    DpopNonceSchedule::new(&[3; 32], time::Duration::minutes(1))
}

/// A valid proof for `htu` at `iat`, with `nonce` (kept to base64url characters, so that it
/// needs no JSON escape).
fn proof_for(htu: &str, jti: usize, iat: i64, nonce: Option<&str>) -> String {
    let nonce = nonce
        .map(|n| {
            let kept: String = n
                .chars()
                .filter(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
                .collect();
            format!(r#","nonce":"{kept}""#)
        })
        .unwrap_or_default();
    let claims = format!(
        r#"{{"jti":"j{jti}","iat":{iat},"htm":"POST","htu":"{htu}"{nonce}}}"#
    );
    let header = SigningHeader::new(Algorithm::Es256)
        .typ("dpop+jwt")
        .embed_public_key(dpop_key())
        .unwrap();
    Signer::new(dpop_key(), &header)
        .unwrap()
        .sign(claims.as_bytes())
        .unwrap()
}

const ISSUER: &str = "https://op.example";
const TOKEN: &str = "https://op.example/token";
const PAR: &str = "https://op.example/par";

/// The key of `signer`, the `private_key_jwt` client.
fn signer_key() -> &'static Jwk {
    static KEY: OnceLock<Jwk> = OnceLock::new();
    KEY.get_or_init(|| {
        Jwk::generate(Algorithm::Es256, &mut SeededRng::new(3))
            .and_then(|key| Ok(key.with_kid(Kid::new("signer-key")?)))
            .unwrap()
    })
}

/// `signer`'s client assertion with the `aud` of `variant` (only the first is the issuer as a
/// string, FAPI 2.0's one rule).
fn assertion(variant: u8, jti: usize, now: i64) -> String {
    let aud = [
        format!(r#""{ISSUER}""#),
        format!(r#"["{ISSUER}"]"#),
        format!(r#""{TOKEN}""#),
        format!(r#""{PAR}""#),
    ];
    let aud = &aud[usize::from(variant) % aud.len()];
    let claims = format!(
        r#"{{"iss":"signer","sub":"signer","aud":{aud},"iat":{now},"exp":{},"jti":"a{jti}"}}"#,
        now + 60
    );
    let header = SigningHeader::new(Algorithm::Es256).kid(Kid::new("signer-key").unwrap());
    Signer::new(signer_key(), &header)
        .unwrap()
        .sign(claims.as_bytes())
        .unwrap()
}

/// The engine under the default profile, or under FAPI 2.0's (`fapi`).
fn setup(fapi: bool) -> (Engine, MemoryStore) {
    let keys = SigningKeys::new(key().clone(), Algorithm::Es256, &[]).unwrap();
    let profile = if fapi {
        Profile::fapi2()
    } else {
        Profile::oauth21()
    };
    let engine = Engine::new(
        Config::new(Issuer::parse(ISSUER).unwrap(), keys)
            .with_profile(profile)
            .with_registration(Registration::open(
                "https://op.example/register",
                Scope::parse("openid profile").unwrap(),
            ))
            .with_dpop_nonces(nonce_schedule()),
    )
    .unwrap();
    let store = MemoryStore::new();
    let redirects: Vec<RegisteredRedirectUri> = REDIRECTS
        .iter()
        .map(|r| RegisteredRedirectUri::parse(r).unwrap())
        .collect();
    let scope = ClientScope::new(Scope::parse("openid profile email offline_access").unwrap());
    store
        .register(
            Client::public(
                ClientId::parse("public").unwrap(),
                redirects.clone(),
                scope.clone(),
            )
            .with_grant_types(vec![
                GrantType::AuthorizationCode,
                GrantType::RefreshToken,
                GrantType::DeviceCode,
            ]),
        )
        .unwrap();
    store
        .register(
            Client::confidential(
                ClientId::parse("conf").unwrap(),
                ClientCredentials::SecretBasic(SecretHash::of("secret-0123456789abcdefghij")),
                redirects.clone(),
                scope.clone(),
            )
            .with_grant_types(vec![
                GrantType::AuthorizationCode,
                GrantType::RefreshToken,
                GrantType::ClientCredentials,
            ]),
        )
        .unwrap();
    let keys = JwkSet::from_keys(vec![signer_key().to_public().unwrap()]).unwrap();
    store
        .register(Client::confidential(
            ClientId::parse("signer").unwrap(),
            ClientCredentials::PrivateKeyJwt(Box::new(keys)),
            redirects,
            scope,
        ))
        .unwrap();
    (engine, store)
}

fn check_redirect(response: &HttpResponse) {
    if let Some(location) = response.header("location") {
        assert!(
            REDIRECTS.iter().any(|r| location.starts_with(r)
                && matches!(location.as_bytes().get(r.len()), Some(b'?' | b'#') | None))
                || location.starts_with("http://127.0.0.1:"),
            "redirect to an unregistered URI: {location}"
        );
    }
}

fn check_token_response(response: &HttpResponse) {
    assert_eq!(response.header("cache-control"), Some("no-store"));
    if response.status() >= 400 {
        let body: serde_json_like::Value = serde_json_like::parse(response.body());
        assert!(body.has_error, "token error without `error`");
    }
}

/// A tiny check that the body is a JSON object with an "error" string member (the fuzz crate
/// does not depend on serde_json).
mod serde_json_like {
    pub struct Value {
        pub has_error: bool,
    }
    pub fn parse(body: &[u8]) -> Value {
        let text = std::str::from_utf8(body).unwrap_or_default();
        Value {
            has_error: text.starts_with('{') && text.contains("\"error\":\""),
        }
    }
}

fuzz_target!(|input: (bool, Vec<Op>)| {
    let (fapi, ops) = input;
    let (engine, store) = setup(fapi);
    let mut clock = FixedClock::default();
    let mut rng = SeededRng::new(9);
    let mut issued: Vec<(String, CodeVerifier, bool)> = Vec::new();
    let mut redeemed: Vec<String> = Vec::new();
    let mut pushed: Vec<String> = Vec::new();
    // Device and user codes issued, and device codes redeemed.
    let mut devices: Vec<(String, String)> = Vec::new();
    let mut devices_redeemed: Vec<String> = Vec::new();
    // DPoP proofs made, for their `jti`.
    let mut proofs = 0usize;
    let session =
        |clock: &FixedClock| Authentication::new(Subject::parse("alice").unwrap(), clock.now());

    for op in ops.into_iter().take(24) {
        let now = clock.now();
        match op {
            Op::Authorize {
                query,
                post,
                logged_in,
                approve,
            } => {
                let request = if post {
                    HttpRequest::form_post(query.as_bytes())
                } else {
                    HttpRequest::get(&query)
                };
                let user = logged_in.then(|| session(&clock));
                let step = engine.authorize(&request, user.as_ref(), now, &mut rng);
                finish_authorization(&engine, &store, step, approve, &clock, &mut rng);
            }
            Op::AuthorizeValid {
                public,
                scope,
                extra,
                approve,
            } => {
                let verifier = CodeVerifier::generate(&mut rng).unwrap();
                let scope =
                    ["openid", "openid offline_access", "profile email"][usize::from(scope % 3)];
                let mut params = Params::new();
                params.push("response_type", "code");
                params.push("client_id", if public { "public" } else { "conf" });
                params.push("redirect_uri", REDIRECTS[0]);
                params.push("scope", scope);
                params.push("state", "s");
                params.push("code_challenge", CodeChallenge::s256(&verifier).as_str());
                params.push("code_challenge_method", "S256");
                let query = format!("{}&{extra}", params.encode());
                let step = engine.authorize(&HttpRequest::get(&query), None, now, &mut rng);
                if let Some(response) =
                    finish_authorization(&engine, &store, step, approve, &clock, &mut rng)
                {
                    if let Some(code) = response
                        .header("location")
                        .and_then(|l| l.split_once('?'))
                        .and_then(|(_, q)| Params::parse_query(q).ok())
                        .and_then(|p| p.single("code").ok().flatten().map(str::to_owned))
                    {
                        issued.push((code, verifier, public));
                    }
                }
            }
            Op::Token { body, basic, dpop } => {
                let mut request = HttpRequest::form_post(body.as_bytes());
                request.dpop = dpop.as_deref();
                if let Some(basic) = &basic {
                    request = request.with_authorization(basic);
                }
                let step = engine.token(&request, now, &mut rng);
                if let Some(response) = engine.drive(step, &store).into_response() {
                    check_token_response(&response);
                }
            }
            Op::Redeem {
                which,
                right_verifier,
                extra,
                proof,
            } => {
                let Some((code, verifier, public)) =
                    issued.get(usize::from(which) % issued.len().max(1))
                else {
                    continue;
                };
                let wrong = CodeVerifier::generate(&mut rng).unwrap();
                let used = if right_verifier { verifier } else { &wrong };
                let mut params = Params::new();
                params.push("grant_type", "authorization_code");
                params.push("code", code.as_str());
                params.push("redirect_uri", REDIRECTS[0]);
                params.push("code_verifier", used.as_str());
                if *public {
                    params.push("client_id", "public");
                }
                let body = format!("{}{extra}", params.encode());
                let mut request = HttpRequest::form_post(body.as_bytes());
                if !*public {
                    request = request.with_authorization(CONF_BASIC);
                }
                let schedule = nonce_schedule();
                let proof = proof.map(|(current, nonce)| {
                    let nonce = if current {
                        Some(schedule.current(now))
                    } else {
                        nonce
                    };
                    let accepted = nonce.as_deref().is_some_and(|n| schedule.accepts(n, now));
                    proofs += 1;
                    let proof = proof_for(TOKEN, proofs, now.unix_timestamp(), nonce.as_deref());
                    (proof, accepted)
                });
                request.dpop = proof.as_ref().map(|(proof, _)| proof.as_str());
                let step = engine.token(&request, now, &mut rng);
                if let Some(response) = engine.drive(step, &store).into_response() {
                    check_token_response(&response);
                    if let Some((_, accepted)) = proof {
                        // RFC 9449 §8: a proof without an accepted nonce never gets tokens,
                        // and every answer names the nonce to use.
                        assert!(accepted || response.status() != 200, "tokens without a nonce");
                        assert_eq!(
                            response.header("dpop-nonce"),
                            Some(schedule.current(now).as_str())
                        );
                    }
                    if response.status() == 200 {
                        assert!(!redeemed.contains(code), "a code was redeemed twice");
                        redeemed.push(code.clone());
                    }
                }
            }
            Op::UserInfo {
                authorization,
                query,
                dpop,
            } => {
                let mut request = HttpRequest::get(&query).with_authorization(&authorization);
                request.dpop = dpop.as_deref();
                let step = engine.userinfo(&request, now);
                let _ = engine.drive(step, &store);
            }
            Op::Revoke { body } => {
                let step = engine.revoke(&HttpRequest::form_post(body.as_bytes()), now);
                let _ = engine.drive(step, &store);
            }
            Op::Introspect { body } => {
                let request =
                    HttpRequest::form_post(body.as_bytes()).with_authorization(CONF_BASIC);
                let step = engine.introspect(&request, now);
                let _ = engine.drive(step, &store);
            }
            Op::Push {
                body,
                valid,
                signed,
            } => {
                let as_signer = signed.is_some();
                let client = if as_signer { "signer" } else { "conf" };
                let body = if valid {
                    let verifier = CodeVerifier::generate(&mut rng).unwrap();
                    let mut params = Params::new();
                    params.push("response_type", "code");
                    params.push("client_id", client);
                    params.push("redirect_uri", REDIRECTS[0]);
                    params.push("scope", "openid");
                    params.push("code_challenge", CodeChallenge::s256(&verifier).as_str());
                    params.push("code_challenge_method", "S256");
                    format!("{}&{body}", params.encode())
                } else {
                    body
                };
                let schedule = nonce_schedule();
                let mut issuer_string = true;
                let mut nonce_accepted = true;
                let mut proof = None;
                let body = match signed {
                    None => body,
                    Some((variant, dpop)) => {
                        proofs += 1;
                        issuer_string = variant % 4 == 0;
                        if let Some((current, nonce)) = dpop {
                            let nonce = if current {
                                Some(schedule.current(now))
                            } else {
                                nonce
                            };
                            nonce_accepted =
                                nonce.as_deref().is_some_and(|n| schedule.accepts(n, now));
                            proof = Some(proof_for(
                                PAR,
                                proofs,
                                now.unix_timestamp(),
                                nonce.as_deref(),
                            ));
                        }
                        let mut params = Params::new();
                        params.push(
                            "client_assertion_type",
                            "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
                        );
                        params.push(
                            "client_assertion",
                            &assertion(variant, proofs, now.unix_timestamp()),
                        );
                        format!("{}&{body}", params.encode())
                    }
                };
                let mut request = HttpRequest::form_post(body.as_bytes());
                if !as_signer {
                    request = request.with_authorization(CONF_BASIC);
                }
                request.dpop = proof.as_deref();
                let step = engine.pushed_authorization(&request, now, &mut rng);
                if let Some(response) = engine.drive(step, &store).into_response() {
                    check_token_response(&response);
                    if response.status() == 201 {
                        // FAPI 2.0 §5.3.2.1 item 8; RFC 9449 §8.
                        assert!(!fapi || issuer_string, "an assertion aud other than the issuer");
                        assert!(nonce_accepted, "a PAR proof without an accepted nonce");
                        let text = String::from_utf8_lossy(response.body()).to_string();
                        if let Some(uri) = text
                            .split('"')
                            .find(|part| part.starts_with("urn:ietf:params:oauth:request_uri:"))
                        {
                            pushed.push(uri.to_owned());
                        }
                    }
                }
            }
            Op::ByReference {
                which,
                client,
                approve,
            } => {
                let Some(uri) = pushed.get(usize::from(which) % pushed.len().max(1)) else {
                    continue;
                };
                let query = Params::from_iter([
                    ("client_id", if client { "conf" } else { "public" }),
                    ("request_uri", uri.as_str()),
                ])
                .encode();
                let step = engine.authorize(&HttpRequest::get(&query), None, now, &mut rng);
                finish_authorization(&engine, &store, step, approve, &clock, &mut rng);
            }
            Op::DeviceAuthorize { body, valid } => {
                let body = if valid {
                    format!("client_id=public&scope=openid+offline_access&{body}")
                } else {
                    body
                };
                let step = engine.device_authorization(
                    &HttpRequest::form_post(body.as_bytes()),
                    now,
                    &mut rng,
                );
                if let Some(response) = engine.drive(step, &store).into_response() {
                    check_token_response(&response);
                    if response.status() == 200 {
                        let text = String::from_utf8_lossy(response.body()).to_string();
                        let member = |name: &str| {
                            text.split(&format!("\"{name}\":\""))
                                .nth(1)
                                .and_then(|rest| rest.split('"').next())
                                .map(str::to_owned)
                        };
                        if let (Some(device), Some(user)) =
                            (member("device_code"), member("user_code"))
                        {
                            devices.push((device, user));
                        }
                    }
                }
            }
            Op::DeviceVerify {
                typed,
                which,
                approve,
                narrow,
            } => {
                let user_code = match typed {
                    Some(typed) => typed,
                    None => match devices.get(usize::from(which) % devices.len().max(1)) {
                        Some((_, user)) => user.clone(),
                        None => continue,
                    },
                };
                let step = engine.device_verification(&user_code, now);
                match engine.drive(step, &store) {
                    Driven::DeviceConsent(context) => {
                        let decision = if approve {
                            ConsentDecision::Approve {
                                scope: narrow.then(|| Scope::parse("openid").unwrap()),
                                remember: narrow,
                            }
                        } else {
                            ConsentDecision::Deny
                        };
                        let step = engine.device_decided(
                            context,
                            session(&clock),
                            decision,
                            now,
                            &mut rng,
                        );
                        let response = engine.drive(step, &store).into_response();
                        assert!(response.is_some_and(|r| r.header("location").is_none()));
                    }
                    Driven::Respond(response) => assert!(response.header("location").is_none()),
                    Driven::Login(_) | Driven::Consent(_) | Driven::EndSession(_) => {
                        panic!("the verification page asked for an authorization step")
                    }
                }
            }
            Op::DevicePoll { which } => {
                let Some((device, _)) = devices.get(usize::from(which) % devices.len().max(1))
                else {
                    continue;
                };
                let body = Params::from_iter([
                    ("grant_type", "urn:ietf:params:oauth:grant-type:device_code"),
                    ("device_code", device.as_str()),
                    ("client_id", "public"),
                ])
                .encode();
                let step = engine.token(&HttpRequest::form_post(body.as_bytes()), now, &mut rng);
                if let Some(response) = engine.drive(step, &store).into_response() {
                    check_token_response(&response);
                    if response.status() == 200 {
                        assert!(
                            !devices_redeemed.contains(device),
                            "a device code was redeemed twice"
                        );
                        devices_redeemed.push(device.clone());
                    }
                }
            }
            Op::Logout { query } => {
                let step = engine.end_session(&HttpRequest::get(&query));
                match engine.drive(step, &store) {
                    // No client here registered a post-logout redirect URI.
                    Driven::EndSession(end) => {
                        assert!(end.finish().header("location").is_none());
                    }
                    Driven::Respond(response) => assert!(response.header("location").is_none()),
                    Driven::Login(_) | Driven::Consent(_) | Driven::DeviceConsent(_) => {
                        panic!("logout asked for another endpoint's step")
                    }
                }
            }
            Op::Manage {
                method,
                client_id,
                token,
                body,
            } => {
                let header = format!("Bearer {token}");
                let request = HttpRequest {
                    method: ["GET", "PUT", "DELETE", "POST"][usize::from(method % 4)],
                    content_type: Some("application/json"),
                    authorization: Some(&header),
                    body: body.as_bytes(),
                    ..HttpRequest::default()
                };
                let step = engine.client_configuration(&request, &client_id);
                if let Some(response) = engine.drive(step, &store).into_response() {
                    // Nobody here holds a registration access token.
                    assert!(matches!(response.status(), 400 | 401 | 405), "{}", response.status());
                }
            }
            Op::Register { body } => {
                let request = HttpRequest {
                    method: "POST",
                    content_type: Some("application/json"),
                    body: body.as_bytes(),
                    ..HttpRequest::default()
                };
                let step = engine.register(&request, now, &mut rng);
                if let Some(response) = engine.drive(step, &store).into_response() {
                    assert!(matches!(response.status(), 201 | 400), "{}", response.status());
                    assert_eq!(response.header("cache-control"), Some("no-store"));
                }
            }
            Op::Advance(seconds) => clock.advance(time::Duration::seconds(i64::from(seconds))),
        }
    }
});

fn finish_authorization(
    engine: &Engine,
    store: &MemoryStore,
    step: ostium_engine::Step,
    approve: bool,
    clock: &FixedClock,
    rng: &mut SeededRng,
) -> Option<HttpResponse> {
    let mut driven = engine.drive(step, store);
    for _ in 0..4 {
        driven = match driven {
            Driven::Respond(response) => {
                check_redirect(&response);
                return Some(response);
            }
            Driven::Login(context) => {
                let user = Authentication::new(Subject::parse("alice").unwrap(), clock.now());
                engine.drive(engine.logged_in(*context, user, clock.now(), rng), store)
            }
            Driven::Consent(context) => {
                let decision = if approve {
                    ConsentDecision::Approve {
                        scope: None,
                        remember: true,
                    }
                } else {
                    ConsentDecision::Deny
                };
                engine.drive(
                    engine.consented(*context, decision, clock.now(), rng),
                    store,
                )
            }
            Driven::DeviceConsent(_) | Driven::EndSession(_) => panic!("an authorization asked for a device consent"),
        };
    }
    None
}

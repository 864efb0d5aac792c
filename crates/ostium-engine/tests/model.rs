//! Model-based property test: random sequences of authorize / redeem / replay / refresh / revoke /
//! introspect / time steps against the engine, checked after every step against a small
//! reference model of what must be live.
//!
//! Invariants: a code is redeemed at most once; a reused code or a replayed rotated-out refresh
//! token leaves no live token of its family; no token outlives its expiry or its revocation;
//! scopes never widen; every token-endpoint response is RFC 6749-shaped.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use common::*;
use ostium_messages::{HttpRequest, HttpResponse, Params};
use ostium_scope::Scope;
use proptest::prelude::*;
use time::{Duration, OffsetDateTime};

#[derive(Clone, Copy, Debug)]
enum App {
    /// Public, rotates refresh tokens.
    Drawing,
    /// Confidential, keeps its refresh token.
    Fitness,
}

#[derive(Clone, Debug)]
enum Op {
    Authorize(App, u8),
    Redeem { code: usize, correct_verifier: bool },
    Refresh(usize),
    RevokeRefresh(usize),
    RevokeAccess(usize),
    Advance(u16),
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        3 => (prop_oneof![Just(App::Drawing), Just(App::Fitness)], 0u8..3).prop_map(|(app, scope)| Op::Authorize(app, scope)),
        4 => (any::<usize>(), prop::bool::weighted(0.85)).prop_map(|(code, correct_verifier)| Op::Redeem { code, correct_verifier }),
        4 => any::<usize>().prop_map(Op::Refresh),
        1 => any::<usize>().prop_map(Op::RevokeRefresh),
        1 => any::<usize>().prop_map(Op::RevokeAccess),
        2 => (0u16..700).prop_map(Op::Advance),
    ]
}

fn scope_for(app: App, choice: u8) -> &'static str {
    match (app, choice) {
        (App::Drawing, 0) => "files:write:/diagrams",
        (App::Drawing, 1) => "files:write:/diagrams files:write:/photos",
        (App::Drawing, _) => "openid offline_access files:write:/",
        (App::Fitness, 0) => "openid offline_access profile",
        (App::Fitness, 1) => "openid email",
        (App::Fitness, _) => "openid offline_access",
    }
}

struct CodeM {
    code: String,
    pending: Pending,
    app: App,
    family: usize,
    expires_at: OffsetDateTime,
    taken: bool,
}

struct FamilyM {
    revoked: bool,
    scope: Scope,
}

struct RefreshM {
    token: String,
    app: App,
    family: usize,
    current: bool,
}

struct AccessM {
    token: String,
    family: usize,
    expires_at: OffsetDateTime,
    revoked: bool,
}

#[derive(Default)]
struct Model {
    codes: Vec<CodeM>,
    families: Vec<FamilyM>,
    refresh: Vec<RefreshM>,
    access: Vec<AccessM>,
}

impl Model {
    fn access_live(&self, token: &AccessM, now: OffsetDateTime) -> bool {
        !token.revoked && !self.families[token.family].revoked && now < token.expires_at
    }
}

fn token_request(h: &mut Harness, app: App, form: &[(&str, &str)]) -> HttpResponse {
    match app {
        App::Drawing => {
            let mut with_id = form.to_vec();
            with_id.push(("client_id", DRAWING_APP));
            h.token(&with_id, None)
        }
        App::Fitness => h.token(form, Some(&basic(FITNESS_APP, FITNESS_SECRET))),
    }
}

/// Every token-endpoint response is RFC 6749 §5.1/§5.2-shaped.
fn check_shape(response: &HttpResponse) {
    assert_eq!(response.header("cache-control"), Some("no-store"));
    assert_eq!(response.header("content-type"), Some("application/json"));
    let body = json(response);
    if response.status() == 200 {
        assert!(body["access_token"].is_string());
        assert_eq!(body["token_type"], "Bearer");
        assert!(body["expires_in"].is_u64());
    } else {
        let code = body["error"].as_str().unwrap();
        let known = [
            "invalid_request",
            "invalid_client",
            "invalid_grant",
            "unauthorized_client",
            "unsupported_grant_type",
            "invalid_scope",
        ];
        assert!(known.contains(&code), "{code}");
        assert_eq!(
            response.status(),
            if code == "invalid_client" { 401 } else { 400 }
        );
    }
}

fn issue(model: &mut Model, response: &HttpResponse, app: App, family: usize, now: OffsetDateTime) {
    let body = json(response);
    model.access.push(AccessM {
        token: body["access_token"].as_str().unwrap().to_owned(),
        family,
        expires_at: now + Duration::seconds(body["expires_in"].as_i64().unwrap()),
        revoked: false,
    });
    if let Some(refresh) = body["refresh_token"].as_str()
        && !model.refresh.iter().any(|r| r.token == refresh)
    {
        for older in model.refresh.iter_mut().filter(|r| r.family == family) {
            older.current = false;
        }
        model.refresh.push(RefreshM {
            token: refresh.to_owned(),
            app,
            family,
            current: true,
        });
    }
}

fn run(ops: Vec<Op>) {
    let mut h = harness();
    h.store
        .register(fitness_app().introspecting_any_token())
        .unwrap();
    let mut model = Model::default();
    for op in ops {
        let now = h.clock.now();
        match op {
            Op::Authorize(app, choice) => {
                let (client, redirect) = match app {
                    App::Drawing => (DRAWING_APP, DRAWING_REDIRECT),
                    App::Fitness => (FITNESS_APP, FITNESS_REDIRECT),
                };
                let scope = scope_for(app, choice);
                let (code, pending) = h.code_for(client, redirect, scope);
                model.families.push(FamilyM {
                    revoked: false,
                    scope: Scope::parse(scope).unwrap(),
                });
                let family = model.families.len() - 1;
                model.codes.push(CodeM {
                    code,
                    pending,
                    app,
                    family,
                    expires_at: now + Duration::seconds(60),
                    taken: false,
                });
            }
            Op::Redeem {
                code,
                correct_verifier,
            } => {
                if model.codes.is_empty() {
                    continue;
                }
                let index = code % model.codes.len();
                let (app, family, expected_ok) = {
                    let c = &model.codes[index];
                    let ok = !c.taken
                        && now < c.expires_at
                        && correct_verifier
                        && !model.families[c.family].revoked;
                    (c.app, c.family, ok)
                };
                let verifier = if correct_verifier {
                    model.codes[index].pending.verifier.as_str().to_owned()
                } else {
                    ostium_pkce::CodeVerifier::generate(&mut h.rng)
                        .unwrap()
                        .as_str()
                        .to_owned()
                };
                let code_value = model.codes[index].code.clone();
                let redirect = match app {
                    App::Drawing => DRAWING_REDIRECT,
                    App::Fitness => FITNESS_REDIRECT,
                };
                let response = token_request(
                    &mut h,
                    app,
                    &[
                        ("grant_type", "authorization_code"),
                        ("code", &code_value),
                        ("redirect_uri", redirect),
                        ("code_verifier", &verifier),
                    ],
                );
                check_shape(&response);
                assert_eq!(
                    response.status() == 200,
                    expected_ok,
                    "redeem: {:?}",
                    json(&response)
                );
                if model.codes[index].taken {
                    // A second use revokes everything issued from the code.
                    model.families[family].revoked = true;
                }
                model.codes[index].taken = true;
                if expected_ok {
                    issue(&mut model, &response, app, family, now);
                }
            }
            Op::Refresh(index) => {
                if model.refresh.is_empty() {
                    continue;
                }
                let index = index % model.refresh.len();
                let (token, app, family, current) = {
                    let r = &model.refresh[index];
                    (r.token.clone(), r.app, r.family, r.current)
                };
                let live_family = !model.families[family].revoked;
                let response = token_request(
                    &mut h,
                    app,
                    &[("grant_type", "refresh_token"), ("refresh_token", &token)],
                );
                check_shape(&response);
                assert_eq!(
                    response.status() == 200,
                    live_family && current,
                    "refresh: {:?}",
                    json(&response)
                );
                if live_family && !current {
                    model.families[family].revoked = true; // reuse detected
                }
                if response.status() == 200 {
                    issue(&mut model, &response, app, family, now);
                }
            }
            Op::RevokeRefresh(index) => {
                if model.refresh.is_empty() {
                    continue;
                }
                let r = &model.refresh[index % model.refresh.len()];
                let authorization = match r.app {
                    App::Drawing => None,
                    App::Fitness => Some(basic(FITNESS_APP, FITNESS_SECRET)),
                };
                let mut params = Params::from_iter([("token", r.token.as_str())]);
                if authorization.is_none() {
                    params.push("client_id", DRAWING_APP);
                }
                let body = params.encode();
                let mut request = HttpRequest::form_post(body.as_bytes());
                if let Some(authorization) = &authorization {
                    request = request.with_authorization(authorization);
                }
                let step = h.engine.revoke(&request, now);
                let response = h.engine.drive(step, &h.store).into_response().unwrap();
                assert_eq!(response.status(), 200);
                if r.current {
                    let family = r.family;
                    model.families[family].revoked = true;
                }
            }
            Op::RevokeAccess(index) => {
                if model.access.is_empty() {
                    continue;
                }
                let index = index % model.access.len();
                let token = model.access[index].token.clone();
                let family = model.access[index].family;
                let app = model
                    .refresh
                    .iter()
                    .find(|r| r.family == family)
                    .map(|r| r.app);
                let owner_is_fitness = model
                    .codes
                    .iter()
                    .any(|c| c.family == family && matches!(c.app, App::Fitness));
                let _ = app;
                let mut params = Params::from_iter([("token", token.as_str())]);
                let authorization = if owner_is_fitness {
                    Some(basic(FITNESS_APP, FITNESS_SECRET))
                } else {
                    None
                };
                if authorization.is_none() {
                    params.push("client_id", DRAWING_APP);
                }
                let body = params.encode();
                let mut request = HttpRequest::form_post(body.as_bytes());
                if let Some(authorization) = &authorization {
                    request = request.with_authorization(authorization);
                }
                let step = h.engine.revoke(&request, now);
                assert_eq!(
                    h.engine
                        .drive(step, &h.store)
                        .into_response()
                        .unwrap()
                        .status(),
                    200
                );
                if model.access_live(&model.access[index], now) {
                    model.access[index].revoked = true;
                }
            }
            Op::Advance(seconds) => h.advance(i64::from(seconds)),
        }
        // After every step: each access token is live exactly when the model says so, and a
        // live token never holds more than its family's consented scope.
        let now = h.clock.now();
        for index in 0..model.access.len() {
            let token = model.access[index].token.clone();
            let expected = model.access_live(&model.access[index], now);
            let introspected = json(&h.introspect(&token, &basic(FITNESS_APP, FITNESS_SECRET)));
            assert_eq!(
                introspected["active"] == true,
                expected,
                "access token {index}: {introspected}"
            );
            if expected {
                let scope = Scope::parse(introspected["scope"].as_str().unwrap()).unwrap();
                assert!(
                    scope.is_subset(&model.families[model.access[index].family].scope),
                    "scope widened"
                );
            } else {
                assert_eq!(introspected, serde_json::json!({"active": false}));
            }
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 96, ..ProptestConfig::default() })]

    #[test]
    fn the_engine_agrees_with_the_reference_model(ops in prop::collection::vec(op(), 1..40)) {
        run(ops);
    }
}

//! A test harness: one engine, one in-memory store, a fixed clock and seeded randomness, and
//! helpers that speak HTTP-as-data to the engine the way a browser and a client would.

#![allow(
    dead_code,
    unreachable_pub,
    clippy::unwrap_used,
    clippy::panic,
    clippy::missing_panics_doc,
    clippy::indexing_slicing
)]

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use ostium_engine::{
    Authentication, Client, ClientCredentials, Config, ConsentDecision, Driven, Engine, GrantType,
    MemoryStore, Profile, SecretHash, SigningKeys, Subject,
};
use ostium_jose::{Algorithm, Jwk, Kid};
use ostium_messages::redirect_uri::RegisteredRedirectUri;
use ostium_messages::values::{ClientId, Issuer};
use ostium_messages::{HttpRequest, HttpResponse, Params};
use ostium_pkce::{CodeChallenge, CodeVerifier};
use ostium_scope::{ClientScope, Scope, ScopePattern};
use ostium_testkit::{FixedClock, SeededRng};
use serde_json::Value;
use time::Duration;

pub const ISSUER: &str = "https://op.example";
pub const DRAWING_APP: &str = "drawing-app";
pub const DRAWING_REDIRECT: &str = "https://drawing.example/callback";
pub const FITNESS_APP: &str = "fitness-app";
pub const FITNESS_REDIRECT: &str = "https://fitness.example/cb";
pub const FITNESS_SECRET: &str = "fitness-secret-0123456789abcdefghijklmnop";
pub const FILES_WRITE: ScopePattern = ScopePattern::from_static("files:write:");

pub struct Harness {
    pub engine: Engine,
    pub store: MemoryStore,
    pub clock: FixedClock,
    pub rng: SeededRng,
    pub signing_key: Jwk,
}

pub fn signing_key(seed: u64, kid: &str) -> Jwk {
    Jwk::generate(Algorithm::Es256, &mut SeededRng::new(seed))
        .unwrap()
        .with_kid(Kid::new(kid).unwrap())
}

pub fn harness() -> Harness {
    harness_with(Profile::oauth21())
}

pub fn harness_with(profile: Profile) -> Harness {
    let key = signing_key(1, "key-1");
    let keys = SigningKeys::new(key.clone(), Algorithm::Es256, &[]).unwrap();
    let config = Config::new(Issuer::parse(ISSUER).unwrap(), keys).with_profile(profile);
    let catalog = config.catalog.clone().with_pattern(FILES_WRITE);
    let engine = Engine::new(config.with_catalog(catalog)).unwrap();
    let store = MemoryStore::new();
    store.register(drawing_app()).unwrap();
    store.register(fitness_app()).unwrap();
    let mut claims = serde_json::Map::new();
    claims.insert("name".into(), "Alice Example".into());
    claims.insert("email".into(), "alice@example.com".into());
    claims.insert("email_verified".into(), true.into());
    claims.insert("phone_number".into(), "+1 555 0100".into());
    store.set_claims(alice(), claims).unwrap();
    Harness {
        engine,
        store,
        clock: FixedClock::default(),
        rng: SeededRng::new(7),
        signing_key: key,
    }
}

pub fn drawing_app() -> Client {
    Client::public(
        ClientId::parse(DRAWING_APP).unwrap(),
        vec![RegisteredRedirectUri::parse(DRAWING_REDIRECT).unwrap()],
        ClientScope::new(Scope::parse("files:write:/ openid offline_access").unwrap()),
    )
}

pub fn fitness_app() -> Client {
    Client::confidential(
        ClientId::parse(FITNESS_APP).unwrap(),
        ClientCredentials::SecretBasic(SecretHash::of(FITNESS_SECRET)),
        vec![RegisteredRedirectUri::parse(FITNESS_REDIRECT).unwrap()],
        ClientScope::new(Scope::parse("openid profile email phone offline_access").unwrap()),
    )
    .with_grant_types(vec![
        GrantType::AuthorizationCode,
        GrantType::RefreshToken,
        GrantType::ClientCredentials,
    ])
}

pub const TV_APP: &str = "tv-app";
pub const DEVICE_GRANT: &str = "urn:ietf:params:oauth:grant-type:device_code";

/// A public device client (RFC 8628) that may use the device grant and refresh tokens.
pub fn tv_app() -> Client {
    Client::public(
        ClientId::parse(TV_APP).unwrap(),
        Vec::new(),
        ClientScope::new(Scope::parse("openid profile offline_access").unwrap()),
    )
    .with_grant_types(vec![GrantType::DeviceCode, GrantType::RefreshToken])
}

/// Asks for a device authorization as the tv-app, and has alice approve it: the device code.
pub fn approved_device_code(h: &mut Harness, scope: &str) -> String {
    let body = Params::from_iter([("client_id", TV_APP), ("scope", scope)]).encode();
    let step = h.engine.device_authorization(
        &HttpRequest::form_post(body.as_bytes()),
        h.clock.now(),
        &mut h.rng,
    );
    let response = h.engine.drive(step, &h.store).into_response().unwrap();
    let body = json(&response);
    let step = h
        .engine
        .device_verification(body["user_code"].as_str().unwrap(), h.clock.now());
    let Driven::DeviceConsent(context) = h.engine.drive(step, &h.store) else {
        panic!("device consent expected")
    };
    let approve = ConsentDecision::Approve {
        scope: None,
        remember: false,
    };
    let step = h.engine.device_decided(
        context,
        h.alice_session(),
        approve,
        h.clock.now(),
        &mut h.rng,
    );
    assert_eq!(
        h.engine
            .drive(step, &h.store)
            .into_response()
            .unwrap()
            .status(),
        200
    );
    body["device_code"].as_str().unwrap().to_owned()
}

pub fn alice() -> Subject {
    Subject::parse("alice").unwrap()
}

pub fn basic(id: &str, secret: &str) -> String {
    ostium_messages::client_auth::basic_header(
        &ClientId::parse(id).unwrap(),
        &ostium_messages::values::ClientSecret::parse(secret).unwrap(),
    )
}

/// What a client keeps between the authorization request and the token request.
pub struct Pending {
    pub verifier: CodeVerifier,
    pub state: String,
}

impl Harness {
    pub fn alice_session(&self) -> Authentication {
        Authentication::new(alice(), self.clock.now())
    }

    pub fn authorize(&mut self, query: &str, session: Option<&Authentication>) -> Driven {
        let step = self.engine.authorize(
            &HttpRequest::get(query),
            session,
            self.clock.now(),
            &mut self.rng,
        );
        self.engine.drive(step, &self.store)
    }

    /// Builds an authorization query for `client`, with PKCE S256 unless `pkce` is false.
    pub fn authorization_query(
        &mut self,
        client: &str,
        redirect: &str,
        scope: &str,
        extra: &[(&str, &str)],
        pkce: bool,
    ) -> (String, Pending) {
        let verifier = CodeVerifier::generate(&mut self.rng).unwrap();
        let state = format!(
            "state-{}",
            URL_SAFE_NO_PAD.encode(verifier.as_str().get(..6).unwrap())
        );
        let mut params = Params::new();
        params.push("response_type", "code");
        params.push("client_id", client);
        params.push("redirect_uri", redirect);
        params.push("scope", scope);
        params.push("state", state.clone());
        if pkce {
            params.push("code_challenge", CodeChallenge::s256(&verifier).as_str());
            params.push("code_challenge_method", "S256");
        }
        for (name, value) in extra {
            params.push(*name, *value);
        }
        (params.encode(), Pending { verifier, state })
    }

    /// Runs authorize → login → consent for alice and returns the final response (a redirect).
    pub fn approve(&mut self, query: &str) -> HttpResponse {
        let mut driven = self.authorize(query, None);
        loop {
            driven = match driven {
                Driven::Login(context) => {
                    let step = self.engine.logged_in(
                        *context,
                        self.alice_session(),
                        self.clock.now(),
                        &mut self.rng,
                    );
                    self.engine.drive(step, &self.store)
                }
                Driven::Consent(context) => {
                    let decision = ConsentDecision::Approve {
                        scope: None,
                        remember: false,
                    };
                    let step =
                        self.engine
                            .consented(*context, decision, self.clock.now(), &mut self.rng);
                    self.engine.drive(step, &self.store)
                }
                Driven::Respond(response) => return response,
                Driven::DeviceConsent(_) | Driven::EndSession(_) => {
                    panic!("no device consent at the authorization endpoint")
                }
            }
        }
    }

    /// The full front channel: returns the code, with the pending state checked.
    pub fn code_for(&mut self, client: &str, redirect: &str, scope: &str) -> (String, Pending) {
        let (query, pending) = self.authorization_query(client, redirect, scope, &[], true);
        let response = self.approve(&query);
        (checked_code(&response, &pending), pending)
    }

    pub fn token(&mut self, form: &[(&str, &str)], authorization: Option<&str>) -> HttpResponse {
        let mut params = Params::new();
        for (name, value) in form {
            params.push(*name, *value);
        }
        let body = params.encode();
        let mut request = HttpRequest::form_post(body.as_bytes());
        if let Some(authorization) = authorization {
            request = request.with_authorization(authorization);
        }
        let step = self.engine.token(&request, self.clock.now(), &mut self.rng);
        self.engine
            .drive(step, &self.store)
            .into_response()
            .unwrap()
    }

    /// Redeems a drawing-app code (public client, PKCE).
    pub fn redeem_public(&mut self, code: &str, pending: &Pending) -> HttpResponse {
        self.token(
            &[
                ("grant_type", "authorization_code"),
                ("code", code),
                ("redirect_uri", DRAWING_REDIRECT),
                ("client_id", DRAWING_APP),
                ("code_verifier", pending.verifier.as_str()),
            ],
            None,
        )
    }

    /// Redeems a fitness-app code (confidential client, Basic, PKCE).
    pub fn redeem_confidential(&mut self, code: &str, pending: &Pending) -> HttpResponse {
        let authorization = basic(FITNESS_APP, FITNESS_SECRET);
        self.token(
            &[
                ("grant_type", "authorization_code"),
                ("code", code),
                ("redirect_uri", FITNESS_REDIRECT),
                ("code_verifier", pending.verifier.as_str()),
            ],
            Some(&authorization),
        )
    }

    pub fn userinfo(&mut self, access_token: &str) -> HttpResponse {
        let header = format!("Bearer {access_token}");
        let request = HttpRequest {
            method: "GET",
            ..HttpRequest::get("")
        }
        .with_authorization(&header);
        let step = self.engine.userinfo(&request, self.clock.now());
        self.engine
            .drive(step, &self.store)
            .into_response()
            .unwrap()
    }

    pub fn introspect(&mut self, token: &str, authorization: &str) -> HttpResponse {
        let body = Params::from_iter([("token", token)]).encode();
        let request = HttpRequest::form_post(body.as_bytes()).with_authorization(authorization);
        let step = self.engine.introspect(&request, self.clock.now());
        self.engine
            .drive(step, &self.store)
            .into_response()
            .unwrap()
    }

    pub fn advance(&mut self, seconds: i64) {
        self.clock.advance(Duration::seconds(seconds));
    }
}

/// The parameters a redirect delivers in its query.
pub fn redirect_params(response: &HttpResponse) -> Params {
    assert_eq!(
        response.status(),
        303,
        "expected a redirect, got {} {:?}",
        response.status(),
        String::from_utf8_lossy(response.body())
    );
    let location = response.header("location").unwrap();
    let parameters = location
        .split_once(['?', '#'])
        .map(|(_, p)| p)
        .unwrap_or_default();
    Params::parse_query(parameters).unwrap()
}

/// The code of a successful authorization redirect, after checking that it echoes the
/// request's `state` and names this issuer (RFC 9207).
pub fn checked_code(response: &HttpResponse, pending: &Pending) -> String {
    let callback = redirect_params(response);
    assert_eq!(
        callback.single("state").unwrap(),
        Some(pending.state.as_str())
    );
    assert_eq!(callback.single("iss").unwrap(), Some(ISSUER));
    callback.single("code").unwrap().unwrap().to_owned()
}

/// A UserInfo GET with `Authorization: {scheme} {access_token}` and, if given, a DPoP proof.
pub fn userinfo_with(
    h: &Harness,
    scheme: &str,
    access_token: &str,
    proof: Option<&str>,
) -> HttpResponse {
    let header = format!("{scheme} {access_token}");
    let mut request = HttpRequest::get("").with_authorization(&header);
    request.dpop = proof;
    let step = h.engine.userinfo(&request, h.clock.now());
    h.engine.drive(step, &h.store).into_response().unwrap()
}

/// The `code` a successful authorization redirect delivers.
pub fn code_in(response: &HttpResponse) -> String {
    redirect_params(response)
        .single("code")
        .unwrap()
        .expect("a code in the redirect")
        .to_owned()
}

pub fn json(response: &HttpResponse) -> Value {
    serde_json::from_slice(response.body()).unwrap_or_else(|e| {
        panic!(
            "not JSON ({e}): {:?}",
            String::from_utf8_lossy(response.body())
        )
    })
}

/// The claims of a JWT, without verification (tests verify separately where it matters).
pub fn jwt_claims(token: &str) -> Value {
    let payload = token.split('.').nth(1).unwrap();
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload).unwrap()).unwrap()
}

pub fn error_code(response: &HttpResponse) -> String {
    json(response)["error"]
        .as_str()
        .unwrap_or_default()
        .to_owned()
}

/// The store effects of `step`, run to the end: their names, and where the step stopped.
pub fn effects_until_stop(h: &Harness, mut step: ostium_engine::Step) -> (Vec<String>, Driven) {
    use ostium_engine::{Step, Store};
    let mut names = Vec::new();
    loop {
        step = match step {
            Step::Effect(pending) => {
                let (effect, resume) = pending.into_parts();
                let name = format!("{effect:?}");
                names.push(name.split([' ', '(', '{']).next().unwrap().to_owned());
                h.engine.resume(resume, Store::execute(&h.store, effect))
            }
            Step::Respond(response) => return (names, Driven::Respond(response)),
            Step::Login(context) => return (names, Driven::Login(context)),
            Step::Consent(context) => return (names, Driven::Consent(context)),
            Step::DeviceConsent(context) => return (names, Driven::DeviceConsent(context)),
            Step::EndSession(end) => return (names, Driven::EndSession(end)),
        };
    }
}

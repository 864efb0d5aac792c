//! The bridge between third-party OAuth 2.0 / OpenID Connect clients and `ostium-engine`: an
//! in-process OpenID Provider whose HTTP-client hook hands every `http::Request` the library
//! builds straight to the engine (no socket, no network), and a simulated browser for the front
//! channel (authorization request → login → consent → redirect back with the code).
//!
//! Shared by `engine_interop_openidconnect.rs` and `engine_interop_oauth2.rs`.

// Test support: a failure here is a failing test.
#![allow(
    dead_code,
    unreachable_pub,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::fmt;
use std::sync::Mutex;

use ostium_engine::{
    Authentication, Client, ClientCredentials, Config, ConsentDecision, Driven, Engine, GrantType,
    MemoryStore, SecretHash, SigningKeys, Step, Subject,
};
use ostium_jose::{Algorithm, Jwk, Kid};
use ostium_messages::redirect_uri::RegisteredRedirectUri;
use ostium_messages::values::{ClientId, Issuer};
use ostium_messages::{HttpRequest, HttpResponse};
use ostium_scope::{ClientScope, Scope, ScopeToken};
use ostium_testkit::SeededRng;
use time::{Duration, OffsetDateTime};

/// The provider's issuer identifier; every endpoint lives under it.
pub const ISSUER: &str = "https://op.example";

/// A confidential OpenID Connect relying party (`client_secret_basic`).
pub const FITNESS_APP: &str = "fitness-app";
pub const FITNESS_SECRET: &str = "fitness-secret-0123456789abcdefghijklmnop";
pub const FITNESS_REDIRECT: &str = "https://fitness.example/cb";

/// A public client (no secret, PKCE only), for OpenID Connect and plain OAuth alike.
pub const DRAWING_APP: &str = "drawing-app";
pub const DRAWING_REDIRECT: &str = "https://drawing.example/callback";

/// A back-end service using `client_credentials` (`client_secret_post`).
pub const REPORT_SERVICE: &str = "report-service";
pub const REPORT_SECRET: &str = "report-secret-0123456789abcdefghijklmnopq";

/// A resource server allowed to introspect every token (`client_secret_basic`).
pub const REPORTS_API: &str = "reports-api";
pub const REPORTS_API_SECRET: &str = "reports-api-secret-0123456789abcdefghijk";

/// The user who logs in at the provider.
pub const ALICE: &str = "alice";

/// The RSA test key of ostium-jose (`crates/ostium-jose/tests/data/README.md` says how it was
/// made), bound to `algorithm` (RS256 or PS256).
pub fn rsa_key(algorithm: Algorithm, kid: &str) -> Jwk {
    let pem = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../crates/ostium-jose/tests/data/rsa2048.pem"
    ))
    .unwrap();
    Jwk::from_pem(&pem)
        .unwrap()
        .with_algorithm(algorithm)
        .unwrap()
        .with_kid(Kid::new(kid).unwrap())
}

/// A generated key (ES256, ES384 or EdDSA) from a seeded generator.
pub fn generated_key(algorithm: Algorithm, seed: u64, kid: &str) -> Jwk {
    Jwk::generate(algorithm, &mut SeededRng::new(seed))
        .unwrap()
        .with_kid(Kid::new(kid).unwrap())
}

/// The signing key for `algorithm`: the RSA test key for RS*/PS*, a generated one otherwise.
pub fn key_for(algorithm: Algorithm, kid: &str) -> Jwk {
    match algorithm {
        Algorithm::Rs256 | Algorithm::Ps256 => rsa_key(algorithm, kid),
        _ => generated_key(algorithm, 11, kid),
    }
}

/// The real time. openidconnect checks an ID token's `exp` against the system clock (and nothing
/// here can change that without weakening what is tested), so the engine's `now` must be real
/// time in these interop tests; everywhere else Ostium's tests use `ostium_testkit::FixedClock`.
#[allow(clippy::disallowed_methods)]
fn system_now() -> OffsetDateTime {
    OffsetDateTime::now_utc()
}

/// An error of the bridge itself (never of the engine: the engine answers with HTTP responses).
#[derive(Debug)]
pub struct BridgeError(String);

impl fmt::Display for BridgeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for BridgeError {}

/// One request/response pair seen by the bridge, for assertions and failure messages.
#[derive(Clone, Debug)]
pub struct Exchange {
    pub method: String,
    pub url: String,
    pub authorization: Option<String>,
    pub request_body: String,
    pub status: u16,
    pub response_headers: Vec<(String, String)>,
    pub response_body: String,
}

impl Exchange {
    /// The response header `name` (lowercase), if present.
    pub fn response_header(&self, name: &str) -> Option<&str> {
        self.response_headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
}

/// The OpenID Provider: the engine, its in-memory store, seeded randomness and the time.
pub struct Provider {
    engine: Engine,
    store: MemoryStore,
    rng: Mutex<SeededRng>,
    /// Added to the real time, so that a test can let time pass.
    offset: Mutex<Duration>,
    exchanges: Mutex<Vec<Exchange>>,
}

impl Provider {
    /// A provider signing ID tokens with `key` for `algorithm`, with the standard clients and
    /// alice registered.
    pub fn new(key: Jwk, algorithm: Algorithm) -> Self {
        Self::with_keys(SigningKeys::new(key, algorithm, &[]).unwrap())
    }

    /// A provider with the given signing keys (active and retired), and the standard clients.
    pub fn with_keys(keys: SigningKeys) -> Self {
        let config = Config::new(Issuer::parse(ISSUER).unwrap(), keys);
        let catalog = config
            .catalog
            .clone()
            .with_scope(ScopeToken::new("reports.read").unwrap())
            .with_scope(ScopeToken::new("reports.write").unwrap());
        let engine = Engine::new(config.with_catalog(catalog)).unwrap();
        let store = MemoryStore::new();
        for client in standard_clients() {
            store.register(client).unwrap();
        }
        let mut claims = serde_json::Map::new();
        claims.insert("name".into(), "Alice Example".into());
        claims.insert("given_name".into(), "Alice".into());
        claims.insert("email".into(), "alice@example.com".into());
        claims.insert("email_verified".into(), true.into());
        claims.insert("phone_number".into(), "+1 555 0100".into());
        store
            .set_claims(Subject::parse(ALICE).unwrap(), claims)
            .unwrap();
        Self {
            engine,
            store,
            rng: Mutex::new(SeededRng::new(7)),
            offset: Mutex::new(Duration::ZERO),
            exchanges: Mutex::new(Vec::new()),
        }
    }

    pub fn engine(&self) -> &Engine {
        &self.engine
    }

    pub fn store(&self) -> &MemoryStore {
        &self.store
    }

    /// The engine's `now`: real time plus whatever the test let pass.
    pub fn now(&self) -> OffsetDateTime {
        system_now() + *self.offset.lock().unwrap()
    }

    /// Lets `seconds` pass for the engine.
    pub fn advance(&self, seconds: i64) {
        *self.offset.lock().unwrap() += Duration::seconds(seconds);
    }

    /// Every back-channel exchange so far.
    pub fn exchanges(&self) -> Vec<Exchange> {
        self.exchanges.lock().unwrap().clone()
    }

    /// The last back-channel exchange.
    pub fn last_exchange(&self) -> Exchange {
        self.exchanges.lock().unwrap().last().cloned().unwrap()
    }

    /// alice's login at the provider, now, with a password (`amr` of RFC 8176).
    pub fn alice_login(&self) -> Authentication {
        let mut login = Authentication::new(Subject::parse(ALICE).unwrap(), self.now());
        login.acr = Some("urn:ostium:acr:password".to_owned());
        login.amr = vec!["pwd".to_owned()];
        login
    }

    fn drive(&self, step: Step) -> Driven {
        self.engine.drive(step, &self.store)
    }

    fn respond(&self, step: Step) -> HttpResponse {
        self.drive(step)
            .into_response()
            .expect("a back-channel endpoint answers without user interaction")
    }

    /// The browser: opens the authorization URL the client built, logs `login` in when the
    /// provider asks, approves the consent page, and returns the provider's final response (a
    /// 303 redirect back to the client, or an error).
    pub fn browse_authorization(&self, url: &str, login: &Authentication) -> HttpResponse {
        let (endpoint, query) = url.split_once('?').unwrap_or((url, ""));
        assert_eq!(
            endpoint,
            self.engine.config().endpoints.authorization,
            "the client must send the browser to the discovered authorization endpoint"
        );
        let now = self.now();
        let step = self.engine.authorize(
            &HttpRequest::get(query),
            None,
            now,
            &mut *self.rng.lock().unwrap(),
        );
        let mut driven = self.drive(step);
        loop {
            driven = match driven {
                Driven::Login(context) => {
                    let step = self.engine.logged_in(
                        *context,
                        login.clone(),
                        now,
                        &mut *self.rng.lock().unwrap(),
                    );
                    self.drive(step)
                }
                Driven::Consent(context) => {
                    let decision = ConsentDecision::Approve {
                        scope: None,
                        remember: false,
                    };
                    let step = self.engine.consented(
                        *context,
                        decision,
                        now,
                        &mut *self.rng.lock().unwrap(),
                    );
                    self.drive(step)
                }
                Driven::Respond(response) => return response,
                Driven::DeviceConsent(_) | Driven::EndSession(_) => {
                    panic!("no device consent in an authorization")
                }
            }
        }
    }

    /// The front channel end to end, with `login` as the user's authentication: the redirect's
    /// `location`, checked to go back to `redirect_uri`.
    pub fn authorize_in_browser(
        &self,
        url: &str,
        redirect_uri: &str,
        login: &Authentication,
    ) -> String {
        let response = self.browse_authorization(url, login);
        assert_eq!(
            response.status(),
            303,
            "the authorization endpoint must redirect back: {}",
            String::from_utf8_lossy(response.body())
        );
        let location = response.header("location").unwrap().to_owned();
        assert!(
            location.starts_with(&format!("{redirect_uri}?")),
            "redirect to {location}, expected {redirect_uri}"
        );
        location
    }

    /// Serves one back-channel request: routes it by URL to the endpoint the engine's
    /// configuration names, drives the engine against the store, and converts the answer back.
    pub fn serve(
        &self,
        request: &http::Request<Vec<u8>>,
    ) -> Result<http::Response<Vec<u8>>, BridgeError> {
        let uri = request.uri();
        let origin = format!(
            "{}://{}",
            uri.scheme_str().unwrap_or_default(),
            uri.authority().map(|a| a.as_str()).unwrap_or_default()
        );
        if origin != ISSUER {
            // Nothing leaves the process: only the provider's own origin is served.
            return Err(BridgeError(format!(
                "no route to {uri} (in-process bridge)"
            )));
        }
        let url = format!("{origin}{}", uri.path());
        let parts = HttpRequest::from_http(request).map_err(|e| BridgeError(e.to_string()))?;
        let endpoints = &self.engine.config().endpoints;
        let now = self.now();
        let get_only = |response: HttpResponse| {
            if request.method() == http::Method::GET {
                response
            } else {
                HttpResponse::new(405).with_header("allow", "GET")
            }
        };
        let response = if url == format!("{ISSUER}/.well-known/openid-configuration")
            || url == format!("{ISSUER}/.well-known/oauth-authorization-server")
        {
            get_only(self.engine.discovery())
        } else if url == endpoints.jwks {
            get_only(self.engine.jwks())
        } else if url == endpoints.token {
            let step = self
                .engine
                .token(&parts, now, &mut *self.rng.lock().unwrap());
            self.respond(step)
        } else if Some(&url) == endpoints.userinfo.as_ref() {
            self.respond(self.engine.userinfo(&parts, now))
        } else if Some(&url) == endpoints.revocation.as_ref() {
            self.respond(self.engine.revoke(&parts, now))
        } else if Some(&url) == endpoints.introspection.as_ref() {
            self.respond(self.engine.introspect(&parts, now))
        } else {
            HttpResponse::new(404)
        };
        self.exchanges.lock().unwrap().push(Exchange {
            method: request.method().to_string(),
            url: uri.to_string(),
            authorization: parts.authorization.map(str::to_owned),
            request_body: String::from_utf8_lossy(request.body()).into_owned(),
            status: response.status(),
            response_headers: response
                .headers()
                .iter()
                .map(|(name, value)| ((*name).to_owned(), value.to_string()))
                .collect(),
            response_body: String::from_utf8_lossy(response.body()).into_owned(),
        });
        http::Response::try_from(response).map_err(|e| BridgeError(e.to_string()))
    }
}

/// The libraries' synchronous HTTP-client hook (oauth2 5 / openidconnect 4 share the trait):
/// each request goes to [`Provider::serve`].
impl oauth2::SyncHttpClient for Provider {
    type Error = BridgeError;

    fn call(
        &self,
        request: http::Request<Vec<u8>>,
    ) -> Result<http::Response<Vec<u8>>, Self::Error> {
        self.serve(&request)
    }
}

fn client_scope(scope: &str) -> ClientScope {
    ClientScope::new(Scope::parse(scope).unwrap())
}

fn redirect(uri: &str) -> Vec<RegisteredRedirectUri> {
    vec![RegisteredRedirectUri::parse(uri).unwrap()]
}

/// The clients every provider knows.
fn standard_clients() -> Vec<Client> {
    let id = |id: &str| ClientId::parse(id).unwrap();
    vec![
        Client::confidential(
            id(FITNESS_APP),
            ClientCredentials::SecretBasic(SecretHash::of(FITNESS_SECRET)),
            redirect(FITNESS_REDIRECT),
            client_scope("openid profile email phone offline_access"),
        ),
        Client::public(
            id(DRAWING_APP),
            redirect(DRAWING_REDIRECT),
            client_scope("openid offline_access reports.read reports.write"),
        ),
        Client::confidential(
            id(REPORT_SERVICE),
            ClientCredentials::SecretPost(SecretHash::of(REPORT_SECRET)),
            Vec::new(),
            // RFC 6749 §3.3: a request without `scope` gets the registered default.
            client_scope("reports.read reports.write")
                .with_default(Scope::parse("reports.read").unwrap()),
        )
        .with_grant_types(vec![GrantType::ClientCredentials]),
        Client::confidential(
            id(REPORTS_API),
            ClientCredentials::SecretBasic(SecretHash::of(REPORTS_API_SECRET)),
            Vec::new(),
            client_scope("reports.read"),
        )
        .with_grant_types(Vec::new())
        .introspecting_any_token(),
    ]
}

/// The parameters of a redirect `location`'s query, decoded.
pub fn query_params(location: &str) -> Vec<(String, String)> {
    let url = oauth2::url::Url::parse(location).unwrap();
    url.query_pairs()
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect()
}

/// The single value of `name` in `params`.
pub fn param<'a>(params: &'a [(String, String)], name: &str) -> Option<&'a str> {
    let mut values = params.iter().filter(|(k, _)| k == name).map(|(_, v)| v);
    let value = values.next()?;
    assert!(values.next().is_none(), "{name} appears twice");
    Some(value.as_str())
}

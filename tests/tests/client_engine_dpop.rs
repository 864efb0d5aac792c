//! ostium-client (the relying party) against ostium-engine (the authorization server, driven in
//! process with its `MemoryStore`), with DPoP and server-provided nonces, no network: discovery,
//! the code flow with PKCE S256 for a public OpenID Connect client, and every DPoP request made
//! by the client first without the server's nonce and then with it.
//!
//! - The code exchange with a proof lacking the nonce is answered 400 `use_dpop_nonce` with
//!   `DPoP-Nonce`, which the client reads as `TokenStep::RetryWithDpopNonce`; the retry yields
//!   `DPoP` tokens bound to the client's key (`cnf.jkt`) and a validated ID token (RFC 9449 §5,
//!   §6.1, §8; OIDC Core §3.1.3.5–7).
//! - UserInfo with the bound access token answers 401 with a `DPoP` challenge
//!   `use_dpop_nonce`, which the client reads as `UserInfoStep::RetryWithDpopNonce`; the retry
//!   gives the user's claims (RFC 9449 §7.1, §9; OIDC Core §5.3).
//! - Two nonce periods later the client's nonce is stale: the refresh is answered with the new
//!   nonce and the retry refreshes, with a new ID token for the same user (RFC 9449 §8.2;
//!   OIDC Core §12.2).
//! - The refresh token is bound to the key: a proof by another key, even with the current
//!   nonce, is refused with `invalid_grant`, a `ClientError` for the client (RFC 9449 §5).
//!
//! The nonces are compared with `DpopNonceSchedule::current` at the request's time. Time is a
//! `FixedClock`, randomness `SeededRng`.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use ostium_client::{
    AuthorizationOptions, ClientCredentials as AppCredentials, ClientError, DpopKey,
    OutboundRequest, ProviderConfig, ProviderJwks, ResponseError, TokenSet, TokenStep,
    UserInfoStep,
};
use ostium_engine::{
    AccessTokenFormat, Authentication, Client as Registration, Config, ConsentDecision, Driven,
    Engine, MemoryStore, SigningKeys, Subject,
};
use ostium_jose::{Algorithm, DpopNonceSchedule, Jwk, Kid, Typ, Validation};
use ostium_messages::metadata::MetadataProfile;
use ostium_messages::redirect_uri::{RedirectUri, RegisteredRedirectUri};
use ostium_messages::{ClientId, HttpRequest, HttpResponse, Issuer, TokenErrorCode, TokenType};
use ostium_scope::{ClientScope, Scope};
use ostium_testkit::{FixedClock, SeededRng};
use serde_json::Value;
use time::{Duration, OffsetDateTime};

const ISSUER: &str = "https://op.example";
const TOKEN_ENDPOINT: &str = "https://op.example/token";
const USERINFO_ENDPOINT: &str = "https://op.example/userinfo";
const DRAWING_APP: &str = "drawing-app";
const DRAWING_REDIRECT: &str = "https://drawing.example/callback";
const ALICE: &str = "alice";

/// The length of a nonce window.
fn nonce_period() -> Duration {
    Duration::seconds(60)
}

fn schedule() -> DpopNonceSchedule {
    DpopNonceSchedule::new(&[42; 32], nonce_period())
}

/// The authorization server: the engine demanding nonces from the schedule, its store with the
/// drawing app (public, RFC 9068 JWT access tokens, so that `cnf` can be read) and alice.
struct Provider {
    engine: Engine,
    store: MemoryStore,
    rng: SeededRng,
}

impl Provider {
    fn new(schedule: &DpopNonceSchedule) -> Self {
        let key = Jwk::generate(Algorithm::Es256, &mut SeededRng::new(1))
            .unwrap()
            .with_kid(Kid::new("op-1").unwrap());
        let keys = SigningKeys::new(key, Algorithm::Es256, &[]).unwrap();
        let config =
            Config::new(Issuer::parse(ISSUER).unwrap(), keys).with_dpop_nonces(schedule.clone());
        assert!(
            config.profile.dpop_algorithms.contains(&Algorithm::Es256),
            "the default profile offers DPoP with ES256"
        );
        let engine = Engine::new(config).unwrap();
        let store = MemoryStore::new();
        store
            .register(
                Registration::public(
                    ClientId::parse(DRAWING_APP).unwrap(),
                    vec![RegisteredRedirectUri::parse(DRAWING_REDIRECT).unwrap()],
                    ClientScope::new(Scope::parse("openid profile offline_access").unwrap()),
                )
                .with_access_token_format(AccessTokenFormat::Jwt),
            )
            .unwrap();
        let mut claims = serde_json::Map::new();
        claims.insert("name".into(), "Alice Example".into());
        store
            .set_claims(Subject::parse(ALICE).unwrap(), claims)
            .unwrap();
        Self {
            engine,
            store,
            rng: SeededRng::new(2),
        }
    }

    /// The browser at the authorization URL: alice logs in and approves. The final redirect.
    fn authorize(&mut self, url: &str, now: OffsetDateTime) -> HttpResponse {
        let query = url.split_once('?').map(|(_, q)| q).unwrap_or_default();
        let step = self
            .engine
            .authorize(&HttpRequest::get(query), None, now, &mut self.rng);
        let mut driven = self.engine.drive(step, &self.store);
        let mut consented = false;
        loop {
            driven = match driven {
                Driven::Login(context) => {
                    let alice = Authentication::new(Subject::parse(ALICE).unwrap(), now);
                    let step = self.engine.logged_in(*context, alice, now, &mut self.rng);
                    self.engine.drive(step, &self.store)
                }
                Driven::Consent(context) => {
                    assert_eq!(context.client_id().as_str(), DRAWING_APP);
                    consented = true;
                    let decision = ConsentDecision::Approve {
                        scope: None,
                        remember: false,
                    };
                    let step = self
                        .engine
                        .consented(*context, decision, now, &mut self.rng);
                    self.engine.drive(step, &self.store)
                }
                Driven::Respond(response) => {
                    assert!(consented, "alice was asked for her consent");
                    return response;
                }
                Driven::DeviceConsent(_) | Driven::EndSession(_) => {
                    panic!("the authorization endpoint ended in another endpoint's step")
                }
            };
        }
    }

    /// A back-channel request from the client, handed to the endpoint its URL names.
    fn serve(&mut self, request: &OutboundRequest, now: OffsetDateTime) -> HttpResponse {
        let http = request.as_http_request();
        let step = match request.url() {
            TOKEN_ENDPOINT => self.engine.token(&http, now, &mut self.rng),
            USERINFO_ENDPOINT => self.engine.userinfo(&http, now),
            other => panic!("no endpoint at {other}"),
        };
        self.engine
            .drive(step, &self.store)
            .into_response()
            .unwrap()
    }
}

fn body(response: &HttpResponse) -> Value {
    serde_json::from_slice(response.body()).unwrap_or_else(|e| {
        panic!(
            "{} not JSON ({e}): {:?}",
            response.status(),
            String::from_utf8_lossy(response.body())
        )
    })
}

/// The claims of an access token, verified as an RFC 9068 JWT of the provider.
fn access_token_claims(tokens: &TokenSet, jwks: &ProviderJwks, now: OffsetDateTime) -> Value {
    let jwt = Validation::new(Typ::AccessToken, Algorithm::Es256)
        .issuer(ISSUER)
        .audience(ISSUER)
        .verify(tokens.access_token.as_str(), jwks.keys(), now)
        .unwrap();
    jwt.claims().unwrap()
}

/// Everything after sign-in: the provider, the client, its DPoP key and tokens.
struct SignedIn {
    provider: Provider,
    schedule: DpopNonceSchedule,
    client: ostium_client::Client,
    jwks: ProviderJwks,
    key: DpopKey,
    clock: FixedClock,
    rng: SeededRng,
    tokens: TokenSet,
    /// The nonce the token endpoint gave at sign-in.
    nonce: String,
}

/// Discovery, the code flow with PKCE, and the code exchange: first without the nonce, then
/// with the one the server named.
fn sign_in() -> SignedIn {
    let schedule = schedule();
    let mut provider = Provider::new(&schedule);
    // Half-way through a window, so that "two periods later" is not at a window boundary.
    let mut clock = FixedClock::default();
    clock.advance(nonce_period() / 2);
    let now = clock.now();
    let mut rng = SeededRng::new(3);

    // Discovery (OIDC Discovery §4): the provider offers DPoP with ES256 (RFC 9449 §5.1).
    let issuer = Issuer::parse(ISSUER).unwrap();
    let provider_config = ProviderConfig::from_discovery(
        &issuer,
        &provider.engine.discovery(),
        MetadataProfile::OpenId,
    )
    .unwrap();
    assert_eq!(
        provider_config.token_endpoint.as_ref().unwrap().as_str(),
        TOKEN_ENDPOINT
    );
    assert_eq!(
        provider_config.userinfo_endpoint.as_ref().unwrap().as_str(),
        USERINFO_ENDPOINT
    );
    assert!(
        provider_config
            .dpop_signing_algorithms
            .contains(&Algorithm::Es256),
        "{:?}",
        provider_config.dpop_signing_algorithms
    );
    let jwks = ProviderJwks::from_response(&provider.engine.jwks(), now).unwrap();
    let client = ostium_client::Client::new(
        provider_config,
        ClientId::parse(DRAWING_APP).unwrap(),
        AppCredentials::None,
    )
    .with_redirect_uri(RedirectUri::parse(DRAWING_REDIRECT).unwrap());
    let key = DpopKey::generate(Algorithm::Es256, &mut SeededRng::new(4)).unwrap();

    // The authorization request: PKCE S256 and a nonce are always there (RFC 7636 §4.3).
    let options = AuthorizationOptions::new()
        .with_scope(Scope::parse("openid profile offline_access").unwrap());
    let start = client.authorization_request(options, &mut rng).unwrap();
    assert!(start.url.starts_with("https://op.example/authorize?"));
    assert!(
        start.url.contains("code_challenge_method=S256"),
        "{}",
        start.url
    );
    let redirect = provider.authorize(&start.url, now);
    assert_eq!(redirect.status(), 303, "{:?}", body(&redirect));
    let location = redirect.header("location").unwrap();
    assert!(location.starts_with(DRAWING_REDIRECT), "{location}");
    let authorized = client.handle_callback_url(start.pending, location).unwrap();

    // The code exchange with a proof without the nonce: the server names the nonce (§8).
    let exchange = client
        .code_exchange_request(&authorized, &mut rng, now)
        .unwrap();
    let without_nonce = exchange
        .clone()
        .with_dpop_proof(&key, None, None, &mut rng, now)
        .unwrap();
    let demanded = provider.serve(&without_nonce, now);
    assert_eq!(demanded.status(), 400, "{:?}", body(&demanded));
    assert_eq!(body(&demanded)["error"], "use_dpop_nonce");
    let nonce = schedule.current(now);
    assert_eq!(demanded.header("dpop-nonce"), Some(nonce.as_str()));
    let step = client
        .code_exchange_response(&authorized, &demanded, Some(&jwks), now)
        .unwrap();
    let TokenStep::RetryWithDpopNonce(named) = step else {
        panic!("expected a nonce demand, got {step:?}");
    };
    assert_eq!(named, nonce);

    // The same exchange with a fresh proof carrying the nonce: the code was not spent.
    let with_nonce = exchange
        .with_dpop_proof(&key, None, Some(&named), &mut rng, now)
        .unwrap();
    let issued = provider.serve(&with_nonce, now);
    assert_eq!(issued.status(), 200, "{:?}", body(&issued));
    assert_eq!(body(&issued)["token_type"], "DPoP");
    // Every answer to a DPoP request carries the current nonce, and the client keeps it.
    assert_eq!(issued.header("dpop-nonce"), Some(nonce.as_str()));
    let step = client
        .code_exchange_response(&authorized, &issued, Some(&jwks), now)
        .unwrap();
    let TokenStep::Tokens(tokens) = step else {
        panic!("expected tokens, got {step:?}");
    };
    assert_eq!(tokens.token_type, TokenType::DPoP);
    assert_eq!(tokens.dpop_nonce.as_deref(), Some(nonce.as_str()));
    assert!(tokens.refresh_token.is_some(), "offline_access was granted");
    let id_token = tokens.id_token.as_ref().expect("a validated ID token");
    assert_eq!(id_token.subject(), ALICE);
    assert_eq!(id_token.issuer(), ISSUER);
    assert_eq!(
        id_token.claims().nonce.as_deref(),
        authorized.pending().nonce().map(|n| n.as_str())
    );
    // The access token is bound to the client's key (RFC 9449 §6.1).
    let claims = access_token_claims(&tokens, &jwks, now);
    assert_eq!(claims["cnf"]["jkt"], key.thumbprint().as_str());
    assert_eq!(claims["sub"], ALICE);

    SignedIn {
        provider,
        schedule,
        client,
        jwks,
        key,
        clock,
        rng,
        tokens,
        nonce,
    }
}

/// UserInfo with `tokens`, the proof carrying `nonce` if given.
fn userinfo(
    s: &mut SignedIn,
    tokens: &TokenSet,
    nonce: Option<&str>,
    now: OffsetDateTime,
) -> HttpResponse {
    let request = s
        .client
        .userinfo_request(tokens)
        .unwrap()
        .with_dpop_proof(&s.key, Some(&tokens.access_token), nonce, &mut s.rng, now)
        .unwrap();
    let authorization = request.header("authorization").unwrap();
    assert!(authorization.starts_with("DPoP "), "{authorization}");
    s.provider.serve(&request, now)
}

#[test]
fn the_client_follows_the_engines_dpop_nonces_through_sign_in_userinfo_and_refresh() {
    let mut s = sign_in();
    let now = s.clock.now();
    let tokens = s.tokens.clone();
    let id_token = tokens.id_token.clone().unwrap();

    // UserInfo without the nonce: 401, a DPoP challenge `use_dpop_nonce` and the nonce (§9).
    let demanded = userinfo(&mut s, &tokens, None, now);
    assert_eq!(demanded.status(), 401);
    let challenge = demanded.header("www-authenticate").unwrap();
    assert!(
        challenge.starts_with("DPoP ") && challenge.contains(r#"error="use_dpop_nonce""#),
        "{challenge}"
    );
    assert_eq!(demanded.header("dpop-nonce"), Some(s.nonce.as_str()));
    let step = s.client.userinfo_response(&demanded, &id_token).unwrap();
    let UserInfoStep::RetryWithDpopNonce(named) = step else {
        panic!("expected a nonce demand, got {step:?}");
    };
    assert_eq!(named, s.schedule.current(now));

    // With it: alice's claims.
    let answered = userinfo(&mut s, &tokens, Some(&named), now);
    assert_eq!(
        answered.status(),
        200,
        "{:?}",
        answered.header("www-authenticate")
    );
    assert_eq!(answered.header("dpop-nonce"), Some(named.as_str()));
    let step = s.client.userinfo_response(&answered, &id_token).unwrap();
    let UserInfoStep::UserInfo(info) = step else {
        panic!("expected claims, got {step:?}");
    };
    assert_eq!(info.sub, ALICE);
    assert_eq!(info.claims.name.as_deref(), Some("Alice Example"));

    // Two periods on, the nonce the client holds is stale (§8.2: the server moved on).
    s.clock.advance(nonce_period() * 2);
    let later = s.clock.now();
    let newer = s.schedule.current(later);
    assert_ne!(newer, s.nonce);
    assert!(!s.schedule.accepts(&s.nonce, later));
    let refresh = s
        .client
        .refresh_request(&tokens, None, &mut s.rng, later)
        .unwrap();
    let stale = refresh
        .clone()
        .with_dpop_proof(&s.key, None, Some(&s.nonce), &mut s.rng, later)
        .unwrap();
    let demanded = s.provider.serve(&stale, later);
    assert_eq!(demanded.status(), 400, "{:?}", body(&demanded));
    assert_eq!(body(&demanded)["error"], "use_dpop_nonce");
    assert_eq!(demanded.header("dpop-nonce"), Some(newer.as_str()));
    let step = s
        .client
        .refresh_response(&tokens, &demanded, Some(&s.jwks), later)
        .unwrap();
    let TokenStep::RetryWithDpopNonce(named) = step else {
        panic!("expected a nonce demand, got {step:?}");
    };
    assert_eq!(named, newer);

    // The retry refreshes: DPoP tokens, a rotated refresh token, a new ID token for alice.
    let retry = refresh
        .with_dpop_proof(&s.key, None, Some(&named), &mut s.rng, later)
        .unwrap();
    let refreshed = s.provider.serve(&retry, later);
    assert_eq!(refreshed.status(), 200, "{:?}", body(&refreshed));
    assert_eq!(refreshed.header("dpop-nonce"), Some(newer.as_str()));
    assert!(
        body(&refreshed)["id_token"].is_string(),
        "the refresh response has its own ID token"
    );
    let step = s
        .client
        .refresh_response(&tokens, &refreshed, Some(&s.jwks), later)
        .unwrap();
    let TokenStep::Tokens(renewed) = step else {
        panic!("expected tokens, got {step:?}");
    };
    assert_eq!(renewed.token_type, TokenType::DPoP);
    assert_eq!(renewed.dpop_nonce.as_deref(), Some(newer.as_str()));
    assert_ne!(renewed.access_token, tokens.access_token);
    assert_ne!(renewed.refresh_token, tokens.refresh_token);
    let renewed_id = renewed.id_token.as_ref().unwrap();
    assert_ne!(renewed_id.token(), id_token.token());
    assert_eq!(renewed_id.subject(), ALICE);
    assert_eq!(
        renewed_id.claims().iat,
        id_token.claims().iat + nonce_period().whole_seconds() * 2
    );
    let claims = access_token_claims(&renewed, &s.jwks, later);
    assert_eq!(claims["cnf"]["jkt"], s.key.thumbprint().as_str());

    // A client that keeps the latest nonce (§8.2) gets UserInfo at once with the new token.
    let answered = userinfo(&mut s, &renewed, Some(&named), later);
    assert_eq!(
        answered.status(),
        200,
        "{:?}",
        answered.header("www-authenticate")
    );
    let UserInfoStep::UserInfo(info) = s.client.userinfo_response(&answered, renewed_id).unwrap()
    else {
        panic!("expected claims");
    };
    assert_eq!(info.sub, ALICE);
}

#[test]
fn a_refresh_proven_by_another_key_is_refused() {
    let mut s = sign_in();
    let now = s.clock.now();
    let tokens = s.tokens.clone();
    let thief = DpopKey::generate(Algorithm::Es256, &mut SeededRng::new(99)).unwrap();
    assert_ne!(thief.thumbprint(), s.key.thumbprint());
    let refresh = s
        .client
        .refresh_request(&tokens, None, &mut s.rng, now)
        .unwrap();

    // Nonces are no secret: the thief is told the nonce like anyone else...
    let no_nonce = refresh
        .clone()
        .with_dpop_proof(&thief, None, None, &mut s.rng, now)
        .unwrap();
    let demanded = s.provider.serve(&no_nonce, now);
    let step = s
        .client
        .refresh_response(&tokens, &demanded, Some(&s.jwks), now)
        .unwrap();
    let TokenStep::RetryWithDpopNonce(named) = step else {
        panic!("expected a nonce demand, got {step:?}");
    };
    assert_eq!(named, s.schedule.current(now));

    // ...but its proof with the nonce does not prove the refresh token's key (§5).
    let stolen = refresh
        .clone()
        .with_dpop_proof(&thief, None, Some(&named), &mut s.rng, now)
        .unwrap();
    let refused = s.provider.serve(&stolen, now);
    assert_eq!(refused.status(), 400, "{:?}", body(&refused));
    assert_eq!(body(&refused)["error"], "invalid_grant");
    let error = s
        .client
        .refresh_response(&tokens, &refused, Some(&s.jwks), now)
        .unwrap_err();
    let ClientError::Response(ResponseError::Server { status, error }) = &error else {
        panic!("expected the server's error, got {error:?}");
    };
    assert_eq!(*status, 400);
    assert_eq!(error.error, TokenErrorCode::InvalidGrant);

    // The refusal did not spend the refresh token: its holder still refreshes.
    let rightful = refresh
        .with_dpop_proof(&s.key, None, Some(&named), &mut s.rng, now)
        .unwrap();
    let refreshed = s.provider.serve(&rightful, now);
    assert_eq!(refreshed.status(), 200, "{:?}", body(&refreshed));
    let step = s
        .client
        .refresh_response(&tokens, &refreshed, Some(&s.jwks), now)
        .unwrap();
    let TokenStep::Tokens(renewed) = step else {
        panic!("expected tokens, got {step:?}");
    };
    assert_eq!(renewed.token_type, TokenType::DPoP);
    assert_eq!(renewed.id_token.as_ref().unwrap().subject(), ALICE);
}

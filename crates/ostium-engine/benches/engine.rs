//! The authorization-code flow of a public client (authorize → consent → code → token, PKCE
//! S256, opaque tokens, in-memory store), its token step, and a refresh, each beside the
//! `oxide-auth` 0.6 crate doing the same work in memory in the same run (`ClientMap`, `AuthMap`,
//! `TokenMap`, `Pkce::required()`); and the flow with an ES256 ID token beside one raw ring
//! ES256 signature. Results and ratios: `docs/performance.md`.
//!
//! Every timed region starts from the request as it arrives on the wire (a query string or a
//! form body) and ends with the response; oxide-auth's share includes parsing that request into
//! its `simple::request::Request` (what its web frontends do), Ostium's includes its own parser.
//! In the full flow the client's part (check `state`, build the token request from the redirect)
//! is timed too, with the same small function for both. Both sides draw secure randomness the
//! way each is meant to be run: Ostium from `ostium_rand::KeyErasureRng` over
//! `ring::rand::SystemRandom` (the generator its documentation recommends for servers: ChaCha20
//! keyed and reseeded from the OS), oxide-auth from `OsRng` (its `RandomGenerator`, one OS call per
//! token). `ostium_os_per_call` draws straight from `SystemRandom` (one OS call per endpoint
//! call) instead; the `*_fast_rng` variants swap in a non-secure splitmix64 generator on both
//! sides to show the cost apart from randomness. Every [`CHUNK`]
//! iterations, outside the timed region, both stores are emptied of codes and tokens while
//! keeping their tables' capacity (a long-running server's steady state, not a store growing from
//! empty). Each call's outcome is checked (status, `state`, the code or token it carries), and the
//! run panics on any failure; before timing, both sides are shown to refuse a wrong PKCE verifier,
//! a request without a challenge and a replayed refresh token.
//!
//! Times are the thread's CPU time (`OSTIUM_BENCH_WALL_TIME=1` for wall time), because the
//! machines this runs on are shared with other builds. Before the criterion groups, *paired*
//! ratios are printed (21 interleaved rounds per comparison, median ratio), which are what
//! `docs/performance.md` reports; `OSTIUM_BENCH_NO_PAIRED=1` skips them. The `pieces` group times
//! parts of the Ostium flow, to see where its time goes.
//!
//! Build with `RUSTFLAGS="--cfg count_allocations"` to also print heap allocations per call
//! (an instrumented global allocator, kept out of the timed build because it slows every
//! allocation).

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    missing_docs,
    unexpected_cfgs
)]

use std::hint::black_box;
use std::time::Duration;

use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use criterion::{Criterion, criterion_group, criterion_main};
use ostium_engine::store::{Effect, Outcome, Store};
use ostium_engine::{
    Authentication, AuthorizationContext, Client, Config, ConsentDecision, Driven, Engine,
    MemoryStore, SecretHash, SigningKeys, Subject,
};
use ostium_jose::{Algorithm, Jwk, JwsVerifier, Kid, Signer, SigningHeader};
use ostium_messages::authorization::AuthorizationRequest;
use ostium_messages::redirect_uri::{RedirectUri, RegisteredRedirectUri};
use ostium_messages::values::{ClientId, Issuer};
use ostium_messages::{HttpRequest, HttpResponse, TokenRequest};
use ostium_rand::{KeyErasureRng, RandomFailure, SecureRng};
use ostium_scope::{ClientScope, Scope};
use ostium_testkit::FixedClock;
use oxide_auth::endpoint::{
    AccessTokenFlow, AuthorizationFlow, OwnerConsent, OwnerSolicitor, RefreshFlow, Solicitation,
};
use oxide_auth::frontends::simple::endpoint::{Generic, Vacant};
use oxide_auth::frontends::simple::extensions::{AddonList, Extended, Pkce};
use oxide_auth::frontends::simple::request::{Body, Request, Response, Status};
use oxide_auth::primitives::authorizer::AuthMap;
use oxide_auth::primitives::generator::{RandomGenerator, TagGrant};
use oxide_auth::primitives::grant::Grant;
use oxide_auth::primitives::issuer::TokenMap;
use oxide_auth::primitives::registrar::{self, ClientMap, RegisteredUrl};
use ring::rand::SystemRandom;
use ring::signature::{ECDSA_P256_SHA256_FIXED_SIGNING, EcdsaKeyPair};
use url::form_urlencoded;

#[cfg(count_allocations)]
#[global_allocator]
static GLOBAL: &stats_alloc::StatsAlloc<std::alloc::System> = &stats_alloc::INSTRUMENTED_SYSTEM;

const ISSUER: &str = "https://op.example";
const CLIENT: &str = "photo-app";
const REDIRECT: &str = "https://photo.example/callback";
const STATE: &str = "af0ifjsldkj";
const NONCE: &str = "n-0S6_WzA2Mj";
/// RFC 7636 Appendix B: the client's verifier and its S256 challenge.
const VERIFIER: &str = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
const CHALLENGE: &str = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";
/// Octets of randomness per code and token on both sides (Ostium's fixed size; oxide-auth's
/// `RandomGenerator::new` takes it as a parameter).
const TOKEN_OCTETS: usize = 32;
/// Iterations between store replacements (outside the timed region).
const CHUNK: u64 = 1_000;

/// The authorization request both servers receive, as a query string.
fn authorization_query(scope: &str, nonce: bool) -> String {
    let mut query = form_urlencoded::Serializer::new(String::new());
    query
        .append_pair("response_type", "code")
        .append_pair("client_id", CLIENT)
        .append_pair("redirect_uri", REDIRECT)
        .append_pair("scope", scope)
        .append_pair("state", STATE)
        .append_pair("code_challenge", CHALLENGE)
        .append_pair("code_challenge_method", "S256");
    if nonce {
        query.append_pair("nonce", NONCE);
    }
    query.finish()
}

/// The redirect URI, form-encoded.
const REDIRECT_ENCODED: &str = "https%3A%2F%2Fphoto.example%2Fcallback";

/// The raw (still form-encoded) value of `name` in a query string or form body.
fn raw_param<'q>(query: &'q str, name: &str) -> Option<&'q str> {
    query
        .split('&')
        .find_map(|pair| pair.strip_prefix(name)?.strip_prefix('='))
}

/// The client's token request (RFC 6749 §4.1.3 with RFC 7636 §4.5) for a code as it arrived in
/// the redirect, still form-encoded: it goes into the form body as it is.
fn code_request(encoded_code: &str, verifier: &str) -> String {
    format!(
        "grant_type=authorization_code&code={encoded_code}&redirect_uri={REDIRECT_ENCODED}\
         &client_id={CLIENT}&code_verifier={verifier}"
    )
}

/// What the client does with the redirect: checks `state` and builds the token request. Kept
/// small and identical for both servers, since it is timed with them in the full flow.
fn redeem_callback(callback_query: &str, verifier: &str) -> Option<String> {
    (raw_param(callback_query, "state")? == STATE).then_some(())?;
    Some(code_request(raw_param(callback_query, "code")?, verifier))
}

/// The client's refresh request (RFC 6749 §6; a public client names itself).
fn refresh_body(refresh_token: &str) -> String {
    form_urlencoded::Serializer::new(String::with_capacity(128))
        .append_pair("grant_type", "refresh_token")
        .append_pair("refresh_token", refresh_token)
        .append_pair("client_id", CLIENT)
        .finish()
}

/// A string member of a JSON token response.
fn json_member(body: &[u8], name: &str) -> Option<String> {
    let value: serde_json::Value = serde_json::from_slice(body).ok()?;
    value.get(name)?.as_str().map(str::to_owned)
}

/// A fast, **non-secure** generator (splitmix64): what the flows cost apart from OS randomness.
struct FastRng(u64);

impl FastRng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn fill_bytes(&mut self, dest: &mut [u8]) {
        for chunk in dest.chunks_mut(8) {
            let bytes = self.next().to_le_bytes();
            chunk.copy_from_slice(&bytes[..chunk.len()]);
        }
    }
}

impl SecureRng for FastRng {
    fn fill(&mut self, dest: &mut [u8]) -> Result<(), RandomFailure> {
        self.fill_bytes(dest);
        Ok(())
    }
}

/// Counts the calls an Ostium endpoint makes to its generator.
struct CountingRng<R> {
    inner: R,
    calls: usize,
}

impl<R: SecureRng> SecureRng for CountingRng<R> {
    fn fill(&mut self, dest: &mut [u8]) -> Result<(), RandomFailure> {
        self.calls += 1;
        self.inner.fill(dest)
    }
}

#[allow(clippy::disallowed_methods)] // The production randomness source, as a server would use it.
fn system_random() -> SystemRandom {
    SystemRandom::new()
}

/// Whether to report wall time instead of the thread's CPU time (`OSTIUM_BENCH_WALL_TIME=1`).
fn wall_time() -> bool {
    static WALL: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
    *WALL.get_or_init(|| std::env::var_os("OSTIUM_BENCH_WALL_TIME").is_some())
}

/// Times `f` on the thread's CPU clock (user + system time, so OS randomness calls count but
/// time spent descheduled while other processes run does not), or on the wall clock.
#[allow(clippy::disallowed_methods)] // A benchmark harness measures time by design.
fn clock(f: impl FnOnce()) -> Duration {
    if wall_time() {
        let start = std::time::Instant::now();
        f();
        start.elapsed()
    } else {
        let start = cpu_time::ThreadTime::now();
        f();
        start.elapsed()
    }
}

/// Set by `OSTIUM_BENCH_PROFILE=WHAT_setup`: [`timed`] prepares its inputs but makes no call.
static SETUP_ONLY: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// Times `iters` calls of `run` on inputs made by `prepare`, in chunks of at most [`CHUNK`]:
/// `prepare(state, n)` (not timed) recycles the store and returns `n` inputs; `run` (timed)
/// returns whether the call succeeded. Panics if any call failed.
fn timed<S, I>(
    state: &mut S,
    iters: u64,
    mut prepare: impl FnMut(&mut S, usize) -> Vec<I>,
    mut run: impl FnMut(&mut S, I) -> bool,
) -> Duration {
    let mut total = Duration::ZERO;
    let mut left = iters;
    let mut failures = 0u64;
    while left > 0 {
        let n = left.min(CHUNK);
        let inputs = prepare(state, usize::try_from(n).unwrap());
        if SETUP_ONLY.load(std::sync::atomic::Ordering::Relaxed) {
            drop(black_box(inputs));
            left -= n;
            continue;
        }
        total += clock(|| {
            for input in inputs {
                if !measured(&mut run, state, black_box(input)) {
                    failures += 1;
                }
            }
        });
        left -= n;
    }
    assert_eq!(failures, 0, "{failures} of {iters} calls failed");
    total
}

/// One timed call, never inlined so that profilers can select it: `perf report --children`
/// shows `engine::measured` as the root of the measured work, and `valgrind --tool=callgrind
/// --toggle-collect='engine::measured*'` counts nothing else.
#[inline(never)]
fn measured<S, I>(run: &mut impl FnMut(&mut S, I) -> bool, state: &mut S, input: I) -> bool {
    run(state, input)
}

/// [`timed`] for a stateless call.
fn timed_simple(iters: u64, mut run: impl FnMut() -> bool) -> Duration {
    timed(&mut (), iters, |(), n| vec![(); n], |(), ()| run())
}

// ---------------------------------------------------------------------------------------------
// Ostium

struct Ostium<R> {
    engine: Engine,
    store: MemoryStore,
    rng: R,
    now: time::OffsetDateTime,
    session: Authentication,
    query: String,
    openid_query: String,
    /// Final responses of timed calls, dropped outside the timed region (as on the other side).
    spent: Vec<HttpResponse>,
    /// Grants made since the store was last replaced.
    grants: usize,
}

fn ostium_client() -> Client {
    Client::public(
        ClientId::parse(CLIENT).unwrap(),
        vec![RegisteredRedirectUri::parse(REDIRECT).unwrap()],
        ClientScope::new(Scope::parse("read openid").unwrap()),
    )
}

/// `MemoryStore::purge_expired` keeps the grant families; a store is replaced after this many
/// grants so that their map stays small.
const FAMILIES_PER_STORE: usize = 200_000;

impl<R: SecureRng> Ostium<R> {
    fn new(key: Jwk, rng: R) -> Self {
        let keys = SigningKeys::new(key, Algorithm::Es256, &[]).unwrap();
        // The default profile (`Profile::oauth21`): PKCE S256 required, rotation for public
        // clients; ID tokens are signed with the active key's algorithm.
        let config = Config::new(Issuer::parse(ISSUER).unwrap(), keys);
        let catalog = config
            .catalog
            .clone()
            .with_scopes(&Scope::parse("read").unwrap());
        let engine = Engine::new(config.with_catalog(catalog)).unwrap();
        let now = FixedClock::default().now();
        let store = MemoryStore::new();
        store.register(ostium_client()).unwrap();
        Self {
            engine,
            store,
            rng,
            now,
            session: Authentication::new(Subject::parse("alice").unwrap(), now),
            query: authorization_query("read", false),
            openid_query: authorization_query("openid", true),
            spent: Vec::new(),
            grants: 0,
        }
    }

    /// Before a chunk of `n` grants (not timed): drops the spent responses and empties the
    /// store of codes and tokens, keeping its tables' capacity (a server's steady state).
    fn recycle(&mut self, n: usize) {
        self.spent.clear();
        self.spent.reserve(n);
        self.grants += n;
        if self.grants > FAMILIES_PER_STORE {
            self.store = MemoryStore::new();
            self.store.register(ostium_client()).unwrap();
            self.grants = n;
        } else {
            let later = self.now.saturating_add(time::Duration::days(400));
            self.store.purge_expired(later).unwrap();
        }
    }

    /// Authorization endpoint with a logged-in user: the consent prompt.
    fn ask_consent(&mut self, query: &str) -> Option<Box<AuthorizationContext>> {
        let step = self.engine.authorize(
            &HttpRequest::get(query),
            Some(&self.session),
            self.now,
            &mut self.rng,
        );
        match self.engine.drive(step, &self.store) {
            Driven::Consent(context) => Some(context),
            _ => None,
        }
    }

    /// The consent page's approval: the redirect back to the client.
    fn approve(&mut self, context: Box<AuthorizationContext>) -> Option<HttpResponse> {
        let decision = ConsentDecision::Approve {
            scope: None,
            remember: false,
        };
        let step = self
            .engine
            .consented(context, decision, self.now, &mut self.rng);
        self.engine.drive(step, &self.store).into_response()
    }

    /// Authorize, consent: the token request for the code in the redirect, after checking it
    /// is a success (303 with `state`).
    fn redeem_body(&mut self, query: &str, verifier: &str) -> Option<String> {
        let context = self.ask_consent(query)?;
        let response = self.approve(context)?;
        if response.status() != 303 {
            return None;
        }
        let (_, callback) = response.header("location")?.split_once('?')?;
        redeem_callback(callback, verifier)
    }

    /// The token endpoint, from the form body.
    fn token(&mut self, body: &str) -> HttpResponse {
        let step = self.engine.token(
            &HttpRequest::form_post(body.as_bytes()),
            self.now,
            &mut self.rng,
        );
        self.engine
            .drive(step, &self.store)
            .into_response()
            .expect("the token endpoint answers")
    }

    /// The whole flow: authorize → consent → code → token.
    fn flow(&mut self, openid: bool) -> Option<HttpResponse> {
        let query = std::mem::take(if openid {
            &mut self.openid_query
        } else {
            &mut self.query
        });
        let body = self.redeem_body(&query, VERIFIER);
        if openid {
            self.openid_query = query;
        } else {
            self.query = query;
        }
        let response = self.token(&body?);
        (response.status() == 200).then_some(response)
    }

    /// Keeps a successful response for dropping outside the timed region.
    fn keep(&mut self, response: Option<HttpResponse>, status: u16) -> bool {
        match response {
            Some(response) if response.status() == status => {
                self.spent.push(response);
                true
            }
            _ => false,
        }
    }

    /// A refresh token from a complete flow (setup for the refresh benchmark).
    fn refresh_token(&mut self) -> String {
        let response = self.flow(false).unwrap();
        let token = json_member(response.body(), "refresh_token").unwrap();
        self.spent.push(response);
        token
    }

    fn measure_flow(&mut self, iters: u64, openid: bool) -> Duration {
        timed(
            self,
            iters,
            |ostium, n| {
                ostium.recycle(n);
                vec![(); n]
            },
            |ostium, ()| {
                let response = ostium.flow(openid);
                ostium.keep(response, 200)
            },
        )
    }

    fn measure_token_step(&mut self, iters: u64) -> Duration {
        timed(
            self,
            iters,
            |ostium, n| {
                ostium.recycle(n);
                let query = ostium.query.clone();
                (0..n)
                    .map(|_| ostium.redeem_body(&query, VERIFIER).unwrap())
                    .collect()
            },
            |ostium, body| {
                let response = ostium.token(&body);
                ostium.keep(Some(response), 200)
            },
        )
    }

    fn measure_refresh(&mut self, iters: u64) -> Duration {
        timed(
            self,
            iters,
            |ostium, n| {
                ostium.recycle(n);
                (0..n)
                    .map(|_| refresh_body(&ostium.refresh_token()))
                    .collect()
            },
            |ostium, body| {
                let response = ostium.token(&body);
                ostium.keep(Some(response), 200)
            },
        )
    }

    /// The first half of the front channel: authorization request → consent prompt.
    fn measure_ask_consent(&mut self, iters: u64) -> Duration {
        timed(
            self,
            iters,
            |ostium, n| {
                ostium.recycle(n);
                vec![(); n]
            },
            |ostium, ()| {
                let query = std::mem::take(&mut ostium.query);
                let asked = ostium.ask_consent(&query).is_some();
                ostium.query = query;
                asked
            },
        )
    }

    /// The second half: the approval → code written → redirect.
    fn measure_approve(&mut self, iters: u64) -> Duration {
        timed(
            self,
            iters,
            |ostium, n| {
                ostium.recycle(n);
                let query = ostium.query.clone();
                (0..n)
                    .map(|_| ostium.ask_consent(&query).unwrap())
                    .collect()
            },
            |ostium, context| {
                let response = ostium.approve(context);
                ostium.keep(response, 303)
            },
        )
    }
}

// ---------------------------------------------------------------------------------------------
// oxide-auth 0.6

/// The owner solicitor: the logged-in user approves (oxide-auth asks within the authorization
/// request; Ostium answers with a separate `consented` call).
struct Approve;

impl OwnerSolicitor<Request> for Approve {
    fn check_consent(&mut self, _: &mut Request, _: Solicitation<'_>) -> OwnerConsent<Response> {
        OwnerConsent::Authorized("alice".to_owned())
    }
}

/// oxide-auth's `RandomGenerator` with [`FastRng`] instead of `OsRng`: same token size and
/// encoding (standard base64 of [`TOKEN_OCTETS`] octets).
struct FastTag(FastRng);

impl TagGrant for FastTag {
    fn tag(&mut self, _: u64, _: &Grant) -> Result<String, ()> {
        let mut bytes = [0u8; TOKEN_OCTETS];
        self.0.fill_bytes(&mut bytes);
        Ok(STANDARD.encode(bytes))
    }
}

type OxideEndpoint<G> =
    Extended<Generic<ClientMap, AuthMap<G>, TokenMap<G>, Approve, Vacant, Vacant>, AddonList>;

struct Oxide<G: TagGrant> {
    endpoint: OxideEndpoint<G>,
    query: String,
    /// Token responses not yet revoked; revoked and dropped outside the timed region.
    spent: Vec<Response>,
}

fn oxide_client_map() -> ClientMap {
    let mut registrar = ClientMap::new();
    registrar.register_client(registrar::Client::public(
        CLIENT,
        RegisteredUrl::Exact(REDIRECT.parse().unwrap()),
        "read".parse().unwrap(),
    ));
    registrar
}

/// What an oxide-auth web frontend does with a query string or form body.
fn oxide_request(query: &str, body: &str) -> Request {
    Request {
        query: form_urlencoded::parse(query.as_bytes())
            .into_owned()
            .collect(),
        urlbody: form_urlencoded::parse(body.as_bytes())
            .into_owned()
            .collect(),
        auth: None,
    }
}

fn oxide_json(response: &Response) -> Option<&str> {
    match (&response.status, &response.body) {
        (Status::Ok, Some(Body::Json(json))) => Some(json),
        _ => None,
    }
}

impl<G: TagGrant> Oxide<G> {
    fn new(generator: fn() -> G) -> Self {
        let mut addons = AddonList::new();
        addons.push_code(Pkce::required());
        let endpoint = Extended::extend_with(
            Generic {
                registrar: oxide_client_map(),
                authorizer: AuthMap::new(generator()),
                issuer: TokenMap::new(generator()),
                solicitor: Approve,
                scopes: Vacant,
                response: Vacant,
            },
            addons,
        );
        Self {
            endpoint,
            query: authorization_query("read", false),
            spent: Vec::new(),
        }
    }

    /// Before a chunk of `n` calls (not timed): revokes every token issued so far (its
    /// `TokenMap` keeps them until then; `AuthMap` removes codes as they are redeemed), keeping
    /// the maps' capacity.
    fn recycle(&mut self, n: usize) {
        for response in std::mem::take(&mut self.spent) {
            if let Some(json) = oxide_json(&response) {
                for member in ["access_token", "refresh_token"] {
                    if let Some(token) = json_member(json.as_bytes(), member) {
                        self.endpoint.inner.issuer.revoke(&token);
                    }
                }
            }
        }
        self.spent.reserve(n);
    }

    /// The authorization request, approved by the solicitor: the redirect back to the client.
    fn authorize(&mut self, query: &str) -> Response {
        AuthorizationFlow::prepare(&mut self.endpoint)
            .expect("the endpoint has what an authorization flow needs")
            .execute(oxide_request(query, ""))
            .expect("the authorization flow answers")
    }

    fn redeem_body(&mut self, query: &str, verifier: &str) -> Option<String> {
        let response = self.authorize(query);
        if response.status != Status::Redirect {
            return None;
        }
        redeem_callback(response.location?.query()?, verifier)
    }

    fn token(&mut self, body: &str) -> Response {
        AccessTokenFlow::prepare(&mut self.endpoint)
            .expect("the endpoint has what an access token flow needs")
            .execute(oxide_request("", body))
            .expect("the access token flow answers")
    }

    fn refresh(&mut self, body: &str) -> Response {
        RefreshFlow::prepare(&mut self.endpoint)
            .expect("the endpoint has what a refresh flow needs")
            .execute(oxide_request("", body))
            .expect("the refresh flow answers")
    }

    fn flow(&mut self) -> Option<Response> {
        let query = std::mem::take(&mut self.query);
        let body = self.redeem_body(&query, VERIFIER);
        self.query = query;
        let response = self.token(&body?);
        oxide_json(&response)?;
        Some(response)
    }

    /// Keeps a successful token response for revocation outside the timed region.
    fn keep(&mut self, response: Option<Response>) -> bool {
        match response {
            Some(response) if oxide_json(&response).is_some() => {
                self.spent.push(response);
                true
            }
            _ => false,
        }
    }

    fn refresh_token(&mut self) -> String {
        let response = self.flow().unwrap();
        let token = json_member(oxide_json(&response).unwrap().as_bytes(), "refresh_token");
        self.spent.push(response);
        token.unwrap()
    }

    fn measure_flow(&mut self, iters: u64) -> Duration {
        timed(
            self,
            iters,
            |oxide, n| {
                oxide.recycle(n);
                vec![(); n]
            },
            |oxide, ()| {
                let response = oxide.flow();
                oxide.keep(response)
            },
        )
    }

    fn measure_token_step(&mut self, iters: u64) -> Duration {
        timed(
            self,
            iters,
            |oxide, n| {
                oxide.recycle(n);
                let query = oxide.query.clone();
                (0..n)
                    .map(|_| oxide.redeem_body(&query, VERIFIER).unwrap())
                    .collect()
            },
            |oxide, body| {
                let response = oxide.token(&body);
                oxide.keep(Some(response))
            },
        )
    }

    fn measure_refresh(&mut self, iters: u64) -> Duration {
        timed(
            self,
            iters,
            |oxide, n| {
                oxide.recycle(n);
                (0..n)
                    .map(|_| refresh_body(&oxide.refresh_token()))
                    .collect()
            },
            |oxide, body| {
                let response = oxide.refresh(&body);
                oxide.keep(Some(response))
            },
        )
    }
}

// ---------------------------------------------------------------------------------------------
// Checks that both sides really do the work, before anything is timed.

fn check_ostium<R: SecureRng>(ostium: &mut Ostium<R>) {
    // A plain OAuth grant: access and refresh token, Bearer, no-store.
    let response = ostium.flow(false).expect("the Ostium flow succeeds");
    let body = response.body();
    assert_eq!(response.header("cache-control"), Some("no-store"));
    assert_eq!(json_member(body, "token_type").as_deref(), Some("Bearer"));
    assert_eq!(json_member(body, "access_token").unwrap().len(), 43);
    let refresh = json_member(body, "refresh_token").unwrap();
    // The refresh rotates: the new token works, the old one is now a replay.
    let refreshed = ostium.token(&refresh_body(&refresh));
    assert_eq!(refreshed.status(), 200);
    let rotated = json_member(refreshed.body(), "refresh_token").unwrap();
    assert_ne!(rotated, refresh);
    assert_eq!(ostium.token(&refresh_body(&refresh)).status(), 400);
    // PKCE is enforced: a wrong verifier fails, and so does a request without a challenge.
    let query = ostium.query.clone();
    let wrong = "wrong-verifier-wrong-verifier-wrong-verifier";
    let body = ostium.redeem_body(&query, wrong).unwrap();
    assert_eq!(ostium.token(&body).status(), 400);
    let no_pkce = query.split("&code_challenge").next().unwrap().to_owned();
    let step = ostium.engine.authorize(
        &HttpRequest::get(&no_pkce),
        Some(&ostium.session),
        ostium.now,
        &mut ostium.rng,
    );
    let refused = ostium.engine.drive(step, &ostium.store).into_response();
    assert!(
        refused
            .unwrap()
            .header("location")
            .unwrap()
            .contains("error=invalid_request"),
        "a request without PKCE is refused"
    );
    // The OpenID grant carries an ES256 ID token that verifies against the published key.
    let response = ostium.flow(true).expect("the Ostium OpenID flow succeeds");
    let id_token = json_member(response.body(), "id_token").unwrap();
    let verifier = JwsVerifier::new(ostium.engine.config().keys.published(), Algorithm::Es256);
    let verified = verifier.verify_compact(&id_token).unwrap();
    let claims: serde_json::Value = serde_json::from_slice(verified.payload()).unwrap();
    assert_eq!(claims["nonce"], NONCE);
    assert!(claims["at_hash"].is_string());
    ostium.recycle(0);
}

fn check_oxide<G: TagGrant>(oxide: &mut Oxide<G>) {
    let response = oxide.flow().expect("the oxide-auth flow succeeds");
    let json = oxide_json(&response).unwrap().as_bytes();
    assert_eq!(json_member(json, "token_type").as_deref(), Some("bearer"));
    assert!(json_member(json, "access_token").is_some());
    let refresh = json_member(json, "refresh_token").unwrap();
    let refreshed = oxide.refresh(&refresh_body(&refresh));
    let rotated = json_member(oxide_json(&refreshed).unwrap().as_bytes(), "refresh_token");
    assert_ne!(rotated.unwrap(), refresh);
    assert!(oxide_json(&oxide.refresh(&refresh_body(&refresh))).is_none());
    // Pkce::required() is active: a wrong verifier fails, and so does a missing challenge.
    let query = oxide.query.clone();
    let wrong = "wrong-verifier-wrong-verifier-wrong-verifier";
    let body = oxide.redeem_body(&query, wrong).unwrap();
    assert_eq!(oxide.token(&body).status, Status::BadRequest);
    let no_pkce = query.split("&code_challenge").next().unwrap().to_owned();
    let refused = oxide.authorize(&no_pkce);
    assert!(refused.location.unwrap().as_str().contains("error="));
    oxide.recycle(0);
}

/// Randomness calls per endpoint call, counted.
fn count_randomness(key: &Jwk) {
    let mut ostium = Ostium::new(
        key.clone(),
        CountingRng {
            inner: FastRng(1),
            calls: 0,
        },
    );
    let query = ostium.query.clone();
    let body = ostium.redeem_body(&query, VERIFIER).unwrap();
    let front = std::mem::take(&mut ostium.rng.calls);
    ostium.token(&body);
    let token = std::mem::take(&mut ostium.rng.calls);
    let refresh = ostium.refresh_token();
    ostium.rng.calls = 0;
    ostium.token(&refresh_body(&refresh));
    let refreshed = ostium.rng.calls;
    println!(
        "randomness calls: Ostium authorize + consent {front}, token {token}, refresh {refreshed}; \
         oxide-auth (one OsRng call per code or token) authorize 1, token 2, refresh 2"
    );
}

#[cfg(count_allocations)]
fn count_allocations(key: &Jwk) {
    fn allocations(f: impl FnOnce()) -> (usize, usize) {
        let region = stats_alloc::Region::new(GLOBAL);
        f();
        let stats = region.change();
        (
            stats.allocations + stats.reallocations,
            stats.bytes_allocated,
        )
    }
    let mut ostium = Ostium::new(key.clone(), FastRng(2));
    let mut oxide = Oxide::new(|| FastTag(FastRng(3)));
    // Warm both stores so that no first-insert table allocation is counted.
    for _ in 0..64 {
        ostium.flow(false).unwrap();
        oxide.flow().unwrap();
    }
    let rows: [(&str, (usize, usize), (usize, usize)); 3] = [
        (
            "full flow",
            allocations(|| {
                ostium.flow(false).unwrap();
            }),
            allocations(|| {
                oxide.flow().unwrap();
            }),
        ),
        {
            let body = ostium.redeem_body(&ostium.query.clone(), VERIFIER).unwrap();
            let theirs = oxide.redeem_body(&oxide.query.clone(), VERIFIER).unwrap();
            (
                "token step",
                allocations(|| {
                    ostium.token(&body);
                }),
                allocations(|| {
                    oxide.token(&theirs);
                }),
            )
        },
        {
            let body = refresh_body(&ostium.refresh_token());
            let theirs = refresh_body(&oxide.refresh_token());
            (
                "refresh",
                allocations(|| {
                    ostium.token(&body);
                }),
                allocations(|| {
                    oxide.refresh(&theirs);
                }),
            )
        },
    ];
    for (name, ours, theirs) in rows {
        println!(
            "allocations per {name}: Ostium {} ({} B), oxide-auth {} ({} B)",
            ours.0, ours.1, theirs.0, theirs.1
        );
    }
    let query = ostium.query.clone();
    let mut context = None;
    let asked = allocations(|| context = ostium.ask_consent(&query));
    let approved = allocations(|| {
        ostium.approve(context.unwrap()).unwrap();
    });
    println!(
        "allocations per authorization request to consent prompt: Ostium {} ({} B); \
         per approval to redirect: {} ({} B)",
        asked.0, asked.1, approved.0, approved.1
    );
    let openid = allocations(|| {
        ostium.flow(true).unwrap();
    });
    println!(
        "allocations per flow with an ES256 ID token: Ostium {} ({} B)",
        openid.0, openid.1
    );
}

#[cfg(not(count_allocations))]
fn count_allocations(_: &Jwk) {}

/// `OSTIUM_BENCH_PROFILE=WHAT[:N]`: runs only `N` calls (default 100,000) of one operation with
/// the fast generator (or, with `OSTIUM_BENCH_PROFILE_RNG=production`, the paired rows'
/// generators) and exits, for `perf record` / `perf stat` (instructions per call are
/// steadier than times on a shared machine). `WHAT` is `flow`, `openid`, `token` or `refresh`
/// (Ostium), or `oxide_flow`, `oxide_token`, `oxide_refresh`. Setup is included; `WHAT_setup`
/// runs the setup alone, so that the difference of the two counts is the calls' own cost. The
/// time of the calls alone is printed to stderr.
fn profile<R: SecureRng, G: TagGrant>(ostium: &mut Ostium<R>, oxide: &mut Oxide<G>, what: &str) {
    let (what, count) = what.split_once(':').unwrap_or((what, "100000"));
    let count: u64 = count
        .parse()
        .expect("OSTIUM_BENCH_PROFILE=WHAT:N with a number N");
    let what = match what.strip_suffix("_setup") {
        Some(operation) => {
            SETUP_ONLY.store(true, std::sync::atomic::Ordering::Relaxed);
            operation
        }
        None => what,
    };
    let took = match what {
        "flow" => ostium.measure_flow(count, false),
        "openid" => ostium.measure_flow(count, true),
        "token" => ostium.measure_token_step(count),
        "refresh" => ostium.measure_refresh(count),
        "oxide_flow" => oxide.measure_flow(count),
        "oxide_token" => oxide.measure_token_step(count),
        "oxide_refresh" => oxide.measure_refresh(count),
        other => panic!("OSTIUM_BENCH_PROFILE={other}: see the `profile` function"),
    };
    // For quick A/B comparisons of two builds, run alternately (the timed calls only).
    eprintln!(
        "{what}: {:.0} ns per call",
        took.as_nanos() as f64 / count as f64
    );
}

// ---------------------------------------------------------------------------------------------
// Paired ratios

/// Interleaved timing, robust to a shared machine's changing load: each round times a batch of
/// `a` and then of `b` (alternating which goes first), and the median per-round ratio `b / a` is
/// reported with the median per-call times.
fn paired(
    mut a: impl FnMut(u64) -> Duration,
    mut b: impl FnMut(u64) -> Duration,
) -> (f64, f64, f64) {
    let per_call = |f: &mut dyn FnMut(u64) -> Duration, n: u64| f(n).as_nanos() as f64 / n as f64;
    let slowest = per_call(&mut a, 200).max(per_call(&mut b, 200));
    let batch = ((5_000_000.0 / slowest) as u64).clamp(1, 5 * CHUNK);
    let mut rounds = Vec::new();
    for round in 0..21 {
        let (ta, tb) = if round % 2 == 0 {
            let ta = per_call(&mut a, batch);
            (ta, per_call(&mut b, batch))
        } else {
            let tb = per_call(&mut b, batch);
            (per_call(&mut a, batch), tb)
        };
        rounds.push((ta, tb, tb / ta));
    }
    let median = |mut v: Vec<f64>| {
        v.sort_by(f64::total_cmp);
        v[v.len() / 2]
    };
    (
        median(rounds.iter().map(|r| r.0).collect()),
        median(rounds.iter().map(|r| r.1).collect()),
        median(rounds.iter().map(|r| r.2).collect()),
    )
}

fn report(name: &str, a: &str, b: &str, (ta, tb, ratio): (f64, f64, f64)) {
    println!("paired {name}: {a} {ta:.0} ns, {b} {tb:.0} ns, {b} / {a} = {ratio:.2}x");
}

// ---------------------------------------------------------------------------------------------

fn engine(c: &mut Criterion) {
    let rng = system_random();
    let pkcs8 = EcdsaKeyPair::generate_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, &rng).unwrap();
    let key = Jwk::from_pkcs8_der(pkcs8.as_ref())
        .unwrap()
        .with_kid(Kid::new("2026-01").unwrap());
    let raw =
        EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, pkcs8.as_ref(), &rng).unwrap();

    let mut ostium = Ostium::new(key.clone(), KeyErasureRng::new(system_random()).unwrap());
    let mut ostium_os = Ostium::new(key.clone(), system_random());
    let mut ostium_fast = Ostium::new(key.clone(), FastRng(7));
    let mut oxide = Oxide::new(|| RandomGenerator::new(TOKEN_OCTETS));
    let mut oxide_fast = Oxide::new(|| FastTag(FastRng(11)));
    check_ostium(&mut ostium);
    check_ostium(&mut ostium_os);
    check_ostium(&mut ostium_fast);
    check_oxide(&mut oxide);
    check_oxide(&mut oxide_fast);
    count_randomness(&key);
    count_allocations(&key);
    if let Some(what) = std::env::var_os("OSTIUM_BENCH_PROFILE") {
        let what = what.to_str().unwrap_or_default();
        // With OSTIUM_BENCH_PROFILE_RNG=production, each side draws as in the paired rows
        // (KeyErasureRng, OsRng); otherwise both use the fast generator.
        if std::env::var_os("OSTIUM_BENCH_PROFILE_RNG").is_some_and(|v| v == "production") {
            profile(&mut ostium, &mut oxide, what);
        } else {
            profile(&mut ostium_fast, &mut oxide_fast, what);
        }
        return;
    }

    // The raw baseline signs the JWS signing input of an ID token the engine just issued.
    let id_token = json_member(ostium.flow(true).unwrap().body(), "id_token").unwrap();
    let (signing_input, _) = id_token.rsplit_once('.').unwrap();
    let signing_input = signing_input.as_bytes().to_vec();
    println!(
        "ID token: {} characters, signing input {} bytes, claims {} bytes",
        id_token.len(),
        signing_input.len(),
        URL_SAFE_NO_PAD
            .decode(id_token.split('.').nth(1).unwrap())
            .unwrap()
            .len()
    );
    let mut raw_sign =
        |iters: u64| timed_simple(iters, || raw.sign(&rng, black_box(&signing_input)).is_ok());

    if std::env::var_os("OSTIUM_BENCH_NO_PAIRED").is_none() {
        report(
            "full_flow",
            "ostium",
            "oxide_auth",
            paired(|n| ostium.measure_flow(n, false), |n| oxide.measure_flow(n)),
        );
        report(
            "token_step",
            "ostium",
            "oxide_auth",
            paired(
                |n| ostium.measure_token_step(n),
                |n| oxide.measure_token_step(n),
            ),
        );
        report(
            "refresh",
            "ostium",
            "oxide_auth",
            paired(|n| ostium.measure_refresh(n), |n| oxide.measure_refresh(n)),
        );
        report(
            "id_token_flow",
            "raw_ring_es256_sign",
            "ostium_es256",
            paired(&mut raw_sign, |n| ostium.measure_flow(n, true)),
        );
        report(
            "full_flow (Ostium drawing from SystemRandom per call)",
            "ostium_os_per_call",
            "oxide_auth",
            paired(
                |n| ostium_os.measure_flow(n, false),
                |n| oxide.measure_flow(n),
            ),
        );
        report(
            "full_flow (fast rng on both sides)",
            "ostium_fast_rng",
            "oxide_auth_fast_rng",
            paired(
                |n| ostium_fast.measure_flow(n, false),
                |n| oxide_fast.measure_flow(n),
            ),
        );
        report(
            "token_step (fast rng on both sides)",
            "ostium_fast_rng",
            "oxide_auth_fast_rng",
            paired(
                |n| ostium_fast.measure_token_step(n),
                |n| oxide_fast.measure_token_step(n),
            ),
        );
        report(
            "refresh (fast rng on both sides)",
            "ostium_fast_rng",
            "oxide_auth_fast_rng",
            paired(
                |n| ostium_fast.measure_refresh(n),
                |n| oxide_fast.measure_refresh(n),
            ),
        );
    }

    let mut group = c.benchmark_group("full_flow");
    group.bench_function("ostium", |b| {
        b.iter_custom(|n| ostium.measure_flow(n, false))
    });
    group.bench_function("oxide_auth", |b| b.iter_custom(|n| oxide.measure_flow(n)));
    group.bench_function("ostium_os_per_call", |b| {
        b.iter_custom(|n| ostium_os.measure_flow(n, false))
    });
    group.bench_function("ostium_fast_rng", |b| {
        b.iter_custom(|n| ostium_fast.measure_flow(n, false))
    });
    group.bench_function("oxide_auth_fast_rng", |b| {
        b.iter_custom(|n| oxide_fast.measure_flow(n))
    });
    group.finish();

    let mut group = c.benchmark_group("token_step");
    group.bench_function("ostium", |b| {
        b.iter_custom(|n| ostium.measure_token_step(n))
    });
    group.bench_function("oxide_auth", |b| {
        b.iter_custom(|n| oxide.measure_token_step(n))
    });
    group.bench_function("ostium_fast_rng", |b| {
        b.iter_custom(|n| ostium_fast.measure_token_step(n))
    });
    group.bench_function("oxide_auth_fast_rng", |b| {
        b.iter_custom(|n| oxide_fast.measure_token_step(n))
    });
    group.finish();

    let mut group = c.benchmark_group("refresh");
    group.bench_function("ostium", |b| b.iter_custom(|n| ostium.measure_refresh(n)));
    group.bench_function("oxide_auth", |b| {
        b.iter_custom(|n| oxide.measure_refresh(n))
    });
    group.bench_function("ostium_fast_rng", |b| {
        b.iter_custom(|n| ostium_fast.measure_refresh(n))
    });
    group.bench_function("oxide_auth_fast_rng", |b| {
        b.iter_custom(|n| oxide_fast.measure_refresh(n))
    });
    group.finish();

    let mut group = c.benchmark_group("id_token_flow");
    group.bench_function("ostium_es256", |b| {
        b.iter_custom(|n| ostium.measure_flow(n, true))
    });
    group.bench_function("raw_ring_es256_sign", |b| b.iter_custom(&mut raw_sign));
    group.finish();

    // Pieces of the Ostium flow, to see where its time goes (the fast generator: no OS calls).
    let mut group = c.benchmark_group("pieces");
    group.bench_function("authorize_to_consent_prompt", |b| {
        b.iter_custom(|n| ostium_fast.measure_ask_consent(n))
    });
    group.bench_function("approve_to_code_redirect", |b| {
        b.iter_custom(|n| ostium_fast.measure_approve(n))
    });
    let query = authorization_query("read", false);
    group.bench_function("parse_authorization_request", |b| {
        b.iter_custom(|n| {
            timed_simple(n, || {
                AuthorizationRequest::parse_query(black_box(&query)).is_ok()
            })
        })
    });
    let body = code_request(&URL_SAFE_NO_PAD.encode([7u8; 32]), VERIFIER);
    group.bench_function("parse_token_request", |b| {
        b.iter_custom(|n| {
            timed_simple(n, || {
                TokenRequest::parse(&HttpRequest::form_post(black_box(body.as_bytes()))).is_ok()
            })
        })
    });
    group.bench_function("parse_redirect_uri", |b| {
        b.iter_custom(|n| timed_simple(n, || RedirectUri::parse(black_box(REDIRECT)).is_ok()))
    });
    // One randomness draw of the sizes each side makes: Ostium 48 octets (authorization
    // endpoint) or 64 (token endpoint) per call, oxide-auth 32 per code or token
    // (`RandomGenerator::new(32)`); from the OS directly, and from Ostium's server generator.
    let mut key_erasure = KeyErasureRng::new(system_random()).unwrap();
    for octets in [64usize, 48, 32] {
        let mut buffer = vec![0u8; octets];
        group.bench_function(format!("os_randomness_{octets}_octets"), |b| {
            b.iter_custom(|n| {
                timed_simple(n, || {
                    ring::rand::SecureRandom::fill(&rng, black_box(&mut buffer)).is_ok()
                })
            })
        });
        group.bench_function(format!("key_erasure_rng_{octets}_octets"), |b| {
            b.iter_custom(|n| timed_simple(n, || key_erasure.fill(black_box(&mut buffer)).is_ok()))
        });
    }
    let secret = URL_SAFE_NO_PAD.encode([9u8; 32]);
    group.bench_function("secret_hash", |b| {
        b.iter_custom(|n| {
            timed_simple(n, || {
                black_box(SecretHash::of(black_box(&secret)));
                true
            })
        })
    });
    let client_id = ClientId::parse(CLIENT).unwrap();
    group.bench_function("store_client_lookup", |b| {
        b.iter_custom(|n| {
            timed_simple(n, || {
                let effect = Effect::Client(client_id.clone());
                matches!(
                    Store::execute(&ostium_fast.store, effect),
                    Ok(Outcome::Client(Some(_)))
                )
            })
        })
    });
    let header = SigningHeader::new(Algorithm::Es256)
        .typ("JWT")
        .kid(Kid::new("2026-01").unwrap());
    group.bench_function("jws_signer_new", |b| {
        b.iter_custom(|n| timed_simple(n, || Signer::new(&key, black_box(&header)).is_ok()))
    });
    let claims: serde_json::Value = serde_json::from_slice(
        &URL_SAFE_NO_PAD
            .decode(id_token.split('.').nth(1).unwrap())
            .unwrap(),
    )
    .unwrap();
    let signer = Signer::new(&key, &header).unwrap();
    group.bench_function("es256_sign_id_token_claims", |b| {
        b.iter_custom(|n| timed_simple(n, || signer.sign_json(black_box(&claims)).is_ok()))
    });
    group.finish();
}

criterion_group!(benches, engine);
criterion_main!(benches);

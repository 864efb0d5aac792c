//! Both stories OAuth 2.0 and OpenID Connect exist for, end to end, in one process and with no
//! network: `ostium-engine` is the authorization server, `ostium-client` the apps, and
//! `ostium-resource` the storage API. Every HTTP exchange is a value handed from one role to
//! the other, so each step can be printed: the request, the decision, the response.
//!
//! 1. **Delegated access.** A drawing app asks for permission to write to one folder of the
//!    user's cloud storage, `/diagrams`. The user logs in and consents; the app exchanges the
//!    code (with its PKCE verifier) for an access token and saves `/diagrams/plan.svg`. Writing
//!    `/photos/x.jpg` is refused with `insufficient_scope`.
//! 2. **Sign-in.** A fitness app signs the user up with OpenID Connect: it validates the ID token
//!    (signature, issuer, audience, nonce) and reads the profile from UserInfo.
//!
//! Run it: `cargo run -p ostium --example walkthrough`. `cargo test -p ostium` runs the same
//! steps and asserts each outcome.

use ostium::client::{
    AuthorizationOptions, ClientCredentials as AppCredentials, ProviderConfig, ProviderJwks,
    ResourceStep, TokenSet, TokenStep, UserInfoStep, resource_response,
};
use ostium::engine::{
    AccessTokenFormat, Authentication, Client as Registration, ClientCredentials, Config,
    ConsentDecision, Driven, Engine, MemoryStore, SecretHash, SigningKeys, Subject,
};
use ostium::jose::{Algorithm, Jwk, JwkSet, Kid};
use ostium::messages::metadata::MetadataProfile;
use ostium::messages::redirect_uri::{RedirectUri, RegisteredRedirectUri};
use ostium::messages::values::{AbsoluteUri, ClientId, ClientSecret, Issuer};
use ostium::messages::{HttpRequest, HttpResponse};
use ostium::rand::SecureRng;
use ostium::resource::{ResourceGuard, ResourceRequest};
use ostium::scope::{ClientScope, Scope, ScopeCatalog, ScopePattern};
use std::io::Write;
use time::OffsetDateTime;

type Failure = Box<dyn std::error::Error>;

const ISSUER: &str = "https://accounts.example";
const STORAGE_API: &str = "https://files.example";
const DRAWING_REDIRECT: &str = "https://drawing.example/callback";
const FITNESS_REDIRECT: &str = "https://fitness.example/signed-in";
const FITNESS_SECRET: &str = "fitness-secret-4f8a1c2e9b7d6053a1c2e9b7";
/// The storage provider's write permission: `files:write:<folder>` covers that folder and below.
const FILES_WRITE: ScopePattern = ScopePattern::from_static("files:write:");

/// What each step decided, for the example's own check and for the test.
#[derive(Debug, Default)]
struct Outcome {
    drawing_scope: String,
    writes: Vec<(String, u16)>,
    insufficient_scope_challenge: String,
    signed_in_subject: String,
    id_token_audience: Vec<String>,
    profile_name: Option<String>,
    profile_email: Option<String>,
}

/// The accounts provider: the engine, its store, and the user's login session.
struct Provider {
    engine: Engine,
    store: MemoryStore,
    alice: Authentication,
}

impl Provider {
    fn new(rng: &mut impl SecureRng, now: OffsetDateTime) -> Result<Self, Failure> {
        let key = Jwk::generate(Algorithm::Es256, rng)?.with_kid(Kid::new("2026-11")?);
        let keys = SigningKeys::new(key, Algorithm::Es256, &[])?;
        let config = Config::new(Issuer::parse(ISSUER)?, keys);
        let catalog: ScopeCatalog = config.catalog.clone().with_pattern(FILES_WRITE);
        let engine = Engine::new(config.with_catalog(catalog))?;

        let store = MemoryStore::new();
        // The drawing app: a public client (it runs on the user's device), RFC 9068 JWT access
        // tokens so that the storage API can check them without calling back.
        store.register(
            Registration::public(
                ClientId::parse("drawing-app")?,
                vec![RegisteredRedirectUri::parse(DRAWING_REDIRECT)?],
                ClientScope::new(Scope::parse("files:write:/")?),
            )
            .with_access_token_format(AccessTokenFormat::Jwt)
            .with_resources(vec![AbsoluteUri::parse(STORAGE_API)?]),
        )?;
        // The fitness app: a confidential client with a secret (stored hashed).
        store.register(Registration::confidential(
            ClientId::parse("fitness-app")?,
            ClientCredentials::SecretBasic(SecretHash::of(FITNESS_SECRET)),
            vec![RegisteredRedirectUri::parse(FITNESS_REDIRECT)?],
            ClientScope::new(Scope::parse("openid profile email")?),
        ))?;
        let alice = Subject::parse("alice")?;
        let mut claims = serde_json::Map::new();
        claims.insert("name".into(), "Alice Liddell".into());
        claims.insert("email".into(), "alice@example.com".into());
        claims.insert("email_verified".into(), true.into());
        store.set_claims(alice.clone(), claims)?;
        Ok(Self {
            engine,
            store,
            alice: Authentication::new(alice, now),
        })
    }

    /// The browser visits the authorization URL: no session yet, so the user logs in, then
    /// consents. Returns the final redirect.
    fn authorize(
        &self,
        url: &str,
        now: OffsetDateTime,
        rng: &mut impl SecureRng,
        out: &mut impl Write,
    ) -> Result<HttpResponse, Failure> {
        let query = url.split_once('?').map(|(_, q)| q).unwrap_or_default();
        let step = self
            .engine
            .authorize(&HttpRequest::get(query), None, now, rng);
        let mut driven = self.engine.drive(step, &self.store);
        loop {
            driven = match driven {
                Driven::Login(context) => {
                    writeln!(out, "   server: nobody is logged in; show the login page")?;
                    writeln!(out, "   alice logs in")?;
                    let step = self
                        .engine
                        .logged_in(*context, self.alice.clone(), now, rng);
                    self.engine.drive(step, &self.store)
                }
                Driven::Consent(context) => {
                    writeln!(
                        out,
                        "   server: ask alice whether {} may have \"{}\"",
                        context.client_id().as_str(),
                        context.scope()
                    )?;
                    writeln!(out, "   alice approves")?;
                    let decision = ConsentDecision::Approve {
                        scope: None,
                        remember: false,
                    };
                    let step = self.engine.consented(*context, decision, now, rng);
                    self.engine.drive(step, &self.store)
                }
                Driven::Respond(response) => return Ok(response),
                // Only the device verification page and the logout endpoint end in these.
                Driven::DeviceConsent(_) | Driven::EndSession(_) => {
                    return Err(
                        "the authorization endpoint ended in another endpoint's step".into(),
                    );
                }
            };
        }
    }

    /// A back-channel request (token, UserInfo) from an app.
    fn serve(
        &self,
        request: &ostium::client::OutboundRequest,
        now: OffsetDateTime,
        rng: &mut impl SecureRng,
    ) -> HttpResponse {
        let http = request.as_http_request();
        let step = if request.url() == self.engine.config().endpoints.token {
            self.engine.token(&http, now, rng)
        } else {
            self.engine.userinfo(&http, now)
        };
        self.engine
            .drive(step, &self.store)
            .into_response()
            .unwrap_or_else(|| HttpResponse::new(500))
    }

    fn jwks(&self, now: OffsetDateTime) -> Result<ProviderJwks, Failure> {
        let keys = JwkSet::from_json(std::str::from_utf8(self.engine.jwks().body())?)?;
        Ok(ProviderJwks::new(keys, now))
    }
}

fn location(response: &HttpResponse) -> Result<&str, Failure> {
    response
        .header("location")
        .ok_or_else(|| format!("expected a redirect, got {}", response.status()).into())
}

fn tokens(step: TokenStep) -> Result<TokenSet, Failure> {
    match step {
        TokenStep::Tokens(tokens) => Ok(tokens),
        other => Err(format!("expected tokens, got {other:?}").into()),
    }
}

fn run(
    rng: &mut impl SecureRng,
    now: OffsetDateTime,
    out: &mut impl Write,
) -> Result<Outcome, Failure> {
    let provider = Provider::new(rng, now)?;
    let mut outcome = Outcome::default();
    let issuer = Issuer::parse(ISSUER)?;
    // Both apps read the provider's metadata (GET /.well-known/openid-configuration).
    let metadata = ProviderConfig::from_discovery(
        &issuer,
        &provider.engine.discovery(),
        MetadataProfile::OpenId,
    )?;

    writeln!(
        out,
        "== Story 1: the drawing app saves a diagram to alice's cloud storage ==\n"
    )?;
    let drawing = ostium::client::Client::new(
        metadata.clone(),
        ClientId::parse("drawing-app")?,
        AppCredentials::None,
    )
    .with_redirect_uri(RedirectUri::parse(DRAWING_REDIRECT)?);

    // 1. The app asks for one folder, for the storage API (RFC 8707 `resource`), with PKCE.
    let options = AuthorizationOptions::new()
        .with_scope(Scope::parse("files:write:/diagrams")?)
        .with_resource(AbsoluteUri::parse(STORAGE_API)?);
    let start = drawing.authorization_request(options, rng)?;
    writeln!(out, "1. app -> browser -> server: GET {}", start.url)?;

    // 2. The server authenticates alice and asks for her consent; then it redirects back.
    let redirect = provider.authorize(&start.url, now, rng, out)?;
    writeln!(
        out,
        "   server -> browser: {} {}",
        redirect.status(),
        location(&redirect)?
    )?;

    // 3. The app checks `state` and `iss`, then redeems the code with its PKCE verifier.
    let callback = location(&redirect)?
        .split_once('?')
        .map(|(_, q)| q)
        .unwrap_or_default();
    let authorized = drawing.handle_callback_query(start.pending, callback)?;
    writeln!(
        out,
        "2. app: state matches the one it sent, iss is {ISSUER}: the code is for this app"
    )?;
    let request = drawing.code_exchange_request(&authorized, rng, now)?;
    writeln!(
        out,
        "3. app -> server: POST {} ({})",
        request.url(),
        String::from_utf8_lossy(request.body())
    )?;
    let response = provider.serve(&request, now, rng);
    writeln!(
        out,
        "   server: the code is fresh, single-use, bound to this client and PKCE matches -> {}",
        response.status()
    )?;
    let drawing_tokens =
        tokens(drawing.code_exchange_response(&authorized, &response, None, now)?)?;
    outcome.drawing_scope = drawing_tokens
        .scope
        .as_ref()
        .map(ToString::to_string)
        .unwrap_or_default();
    writeln!(
        out,
        "   app: access token for \"{}\"\n",
        outcome.drawing_scope
    )?;

    // 4. The storage API checks each write against the token (RFC 9068 JWT, verified locally).
    let guard = ResourceGuard::new(issuer.clone(), STORAGE_API);
    let issuer_keys = provider.jwks(now)?;
    writeln!(
        out,
        "4. app -> storage API, each write with the access token:"
    )?;
    for path in ["/diagrams/plan.svg", "/photos/x.jpg"] {
        let url = format!("{STORAGE_API}{path}");
        let request =
            ostium::client::OutboundRequest::new(ostium::client::Method::Put, url.clone())
                .with_access_token(&drawing_tokens)
                .with_body(b"<svg/>".to_vec());
        let decision = guard
            .authenticate_jwt(
                &ResourceRequest::new(request.as_http_request(), &url),
                issuer_keys.keys(),
                now,
            )
            .and_then(|authenticated| authenticated.into_access(|_| true))
            .and_then(|access| access.authorize_path(&FILES_WRITE, path));
        let response = match decision {
            Ok(()) => HttpResponse::new(201),
            Err(rejection) => guard.rejection_response(&rejection),
        };
        // The app reads the answer: success, or a challenge saying which scope would do.
        match resource_response(&response) {
            Ok(ResourceStep::Success) => {
                writeln!(out, "   PUT {path} -> {} Created", response.status())?
            }
            _ => {
                let challenge = response
                    .header("www-authenticate")
                    .unwrap_or_default()
                    .to_owned();
                writeln!(
                    out,
                    "   PUT {path} -> {}, WWW-Authenticate: {challenge}",
                    response.status()
                )?;
                outcome.insufficient_scope_challenge = challenge;
            }
        }
        outcome.writes.push((path.to_owned(), response.status()));
    }

    writeln!(
        out,
        "\n== Story 2: the fitness app signs alice up with OpenID Connect ==\n"
    )?;
    let fitness = ostium::client::Client::new(
        metadata,
        ClientId::parse("fitness-app")?,
        AppCredentials::ClientSecretBasic(ClientSecret::parse(FITNESS_SECRET)?),
    )
    .with_redirect_uri(RedirectUri::parse(FITNESS_REDIRECT)?);
    let options = AuthorizationOptions::new().with_scope(Scope::parse("openid profile email")?);
    let start = fitness.authorization_request(options, rng)?;
    writeln!(out, "1. app -> browser -> server: GET {}", start.url)?;
    let redirect = provider.authorize(&start.url, now, rng, out)?;
    writeln!(
        out,
        "   server -> browser: {} {}",
        redirect.status(),
        location(&redirect)?
    )?;
    let callback = location(&redirect)?
        .split_once('?')
        .map(|(_, q)| q)
        .unwrap_or_default();
    let authorized = fitness.handle_callback_query(start.pending, callback)?;
    let request = fitness.code_exchange_request(&authorized, rng, now)?;
    writeln!(
        out,
        "2. app -> server: POST {} (client_secret_basic, code, PKCE verifier)",
        request.url()
    )?;
    let response = provider.serve(&request, now, rng);
    writeln!(
        out,
        "   server -> app: {} with an access token and an ID token",
        response.status()
    )?;

    // The ID token is checked before any token is used: signature with the provider's keys,
    // iss, aud, exp, iat, nonce, at_hash (OIDC Core §3.1.3.7).
    let keys = provider.jwks(now)?;
    let tokens =
        tokens(fitness.code_exchange_response(&authorized, &response, Some(&keys), now)?)?;
    let id_token = tokens
        .id_token
        .as_ref()
        .ok_or("an OpenID Connect response carries an ID token")?;
    outcome.signed_in_subject = id_token.subject().to_owned();
    outcome.id_token_audience = match &id_token.claims().aud {
        ostium::messages::claims::Audience::One(one) => vec![one.clone()],
        ostium::messages::claims::Audience::Many(many) => many.clone(),
    };
    writeln!(
        out,
        "3. app: ID token verified (ES256 key 2026-11, iss, aud {:?}, nonce, at_hash): the user is \"{}\"",
        outcome.id_token_audience, outcome.signed_in_subject
    )?;

    let request = fitness.userinfo_request(&tokens)?;
    let response = provider.serve(&request, now, rng);
    let UserInfoStep::UserInfo(profile) = fitness.userinfo_response(&response, id_token)? else {
        return Err("unexpected DPoP nonce request".into());
    };
    outcome.profile_name = profile.claims.name.clone();
    outcome.profile_email = profile.claims.email.clone();
    writeln!(
        out,
        "4. app -> server: GET {} -> {}: name {:?}, email {:?} (same sub as the ID token)",
        request.url(),
        response.status(),
        outcome.profile_name.as_deref().unwrap_or("-"),
        outcome.profile_email.as_deref().unwrap_or("-"),
    )?;
    Ok(outcome)
}

fn main() -> Result<(), Failure> {
    // Production code passes `ring::rand::SystemRandom::new()` and the real time; a seeded
    // generator and a fixed clock make the printed walkthrough the same on every run.
    let now = ostium_testkit::FixedClock::default().now();
    let outcome = run(
        &mut ostium_testkit::SeededRng::new(2026),
        now,
        &mut std::io::stdout(),
    )?;
    // The example fails loudly if a decision ever changes.
    let statuses: Vec<u16> = outcome.writes.iter().map(|(_, status)| *status).collect();
    if statuses != [201, 403]
        || outcome.signed_in_subject != "alice"
        || outcome.profile_name.is_none()
    {
        return Err(format!("unexpected outcome: {outcome:?}").into());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn walkthrough(seed: u64) -> (Outcome, String) {
        let now = ostium_testkit::FixedClock::default().now();
        let mut printed = Vec::new();
        let outcome = run(&mut ostium_testkit::SeededRng::new(seed), now, &mut printed).unwrap();
        (outcome, String::from_utf8(printed).unwrap())
    }

    #[test]
    fn story_1_the_drawing_app_writes_only_to_its_folder() {
        let (outcome, printed) = walkthrough(2026);
        assert_eq!(outcome.drawing_scope, "files:write:/diagrams");
        assert_eq!(
            outcome.writes,
            [
                ("/diagrams/plan.svg".to_owned(), 201),
                ("/photos/x.jpg".to_owned(), 403)
            ]
        );
        let challenge = &outcome.insufficient_scope_challenge;
        assert!(challenge.starts_with("Bearer "), "{challenge}");
        assert!(
            challenge.contains("error=\"insufficient_scope\""),
            "{challenge}"
        );
        assert!(
            challenge.contains("scope=\"files:write:/photos/x.jpg\""),
            "{challenge}"
        );
        assert!(printed.contains("code_challenge_method=S256"));
        assert!(printed.contains("alice logs in") && printed.contains("alice approves"));
    }

    #[test]
    fn story_2_the_fitness_app_signs_alice_in() {
        let (outcome, printed) = walkthrough(2026);
        assert_eq!(outcome.signed_in_subject, "alice");
        assert_eq!(outcome.id_token_audience, ["fitness-app"]);
        assert_eq!(outcome.profile_name.as_deref(), Some("Alice Liddell"));
        assert_eq!(outcome.profile_email.as_deref(), Some("alice@example.com"));
        assert!(
            printed.contains("nonce="),
            "the OpenID request carries a nonce"
        );
    }

    #[test]
    fn the_walkthrough_is_deterministic_for_a_seed() {
        assert_eq!(walkthrough(1).1, walkthrough(1).1);
        assert_ne!(
            walkthrough(1).1,
            walkthrough(2).1,
            "codes and tokens come from the generator"
        );
    }
}

//! ostium-client and ostium-resource against each other: DPoP proofs made by the client are
//! validated by the guard (RFC 9449 §4.2–4.3, §7.1), the guard's challenges are read by the
//! client (`insufficient_scope`, `use_dpop_nonce` and the retry), and bearer tokens go through
//! the same path. The access tokens are RFC 9068 JWTs signed by a test authorization server.

#![allow(clippy::unwrap_used, clippy::indexing_slicing, clippy::panic)]

use ostium_client::{
    ClientError, DpopKey, Method, OutboundRequest, ResourceStep, ResponseError, TokenSet,
    TokenStep, resource_response,
};
use ostium_jose::{Algorithm, Jwk, JwkSet, Kid, Signer, SigningHeader};
use ostium_messages::{HttpResponse, Issuer, ResourceErrorCode};
use ostium_resource::{
    Access, DpopNonces, DpopRejection, Rejection, RejectionKind, ResourceGuard, ResourceRequest,
};
use ostium_scope::ScopePattern;
use ostium_testkit::{FixedClock, SeededRng};
use serde_json::json;
use std::collections::HashSet;
use time::OffsetDateTime;

const FILES_WRITE: ScopePattern = ScopePattern::from_static("files:write:");
const PLAN: &str = "https://storage.example/diagrams/plan.svg";

fn now() -> OffsetDateTime {
    FixedClock::default().now()
}

struct Setup {
    as_key: Jwk,
    guard: ResourceGuard,
    client: ostium_client::Client,
}

fn setup() -> Setup {
    let as_key = Jwk::generate(Algorithm::Es256, &mut SeededRng::new(1))
        .unwrap()
        .with_kid(Kid::new("as-1").unwrap());
    let issuer = Issuer::parse("https://as.example").unwrap();
    let guard = ResourceGuard::new(issuer.clone(), "https://storage.example");
    let provider = ostium_client::ProviderConfig::new(
        issuer,
        ostium_messages::AbsoluteUri::parse("https://as.example/token").unwrap(),
    );
    let client = ostium_client::Client::new(
        provider,
        ostium_messages::ClientId::parse("drawing-app").unwrap(),
        ostium_client::ClientCredentials::None,
    );
    Setup {
        as_key,
        guard,
        client,
    }
}

impl Setup {
    /// What the authorization server would answer to the token request: a JWT access token,
    /// bound to `jkt` if given, read by the client.
    fn tokens(&self, jkt: Option<&str>) -> TokenSet {
        let mut claims = json!({
            "iss": "https://as.example", "aud": "https://storage.example", "sub": "user-5",
            "client_id": "drawing-app", "scope": "files:write:/diagrams", "jti": "at-7",
            "iat": now().unix_timestamp(), "exp": now().unix_timestamp() + 300,
        });
        if let Some(jkt) = jkt {
            claims["cnf"] = json!({ "jkt": jkt });
        }
        let header = SigningHeader::new(Algorithm::Es256)
            .typ("at+jwt")
            .kid(Kid::new("as-1").unwrap());
        let token = Signer::new(&self.as_key, &header)
            .unwrap()
            .sign_json(&claims)
            .unwrap();
        let token_type = if jkt.is_some() { "DPoP" } else { "Bearer" };
        let body = json!({"access_token": token, "token_type": token_type, "expires_in": 300});
        let response = HttpResponse::new(200)
            .with_header("content-type", "application/json")
            .with_body(body.to_string().into_bytes());
        match self.client.token_response(&response, now()).unwrap() {
            TokenStep::Tokens(tokens) => tokens,
            other => panic!("{other:?}"),
        }
    }

    fn keys(&self) -> JwkSet {
        JwkSet::from_keys(vec![self.as_key.to_public().unwrap()]).unwrap()
    }

    /// The storage API: authenticate, consume the proof's jti, authorize the write.
    fn serve(
        &self,
        request: &OutboundRequest,
        nonces: Option<&DpopNonces>,
        seen: &mut HashSet<String>,
    ) -> Result<Access, Rejection> {
        let mut resource = ResourceRequest::new(request.as_http_request(), request.url());
        if let Some(nonces) = nonces {
            resource = resource.with_dpop_nonces(nonces);
        }
        let access = self
            .guard
            .authenticate_jwt(&resource, &self.keys(), now())?
            .into_access(|check| seen.insert(check.key()))?;
        access.authorize_path(&FILES_WRITE, resource.path())?;
        Ok(access)
    }

    fn respond(&self, outcome: &Result<Access, Rejection>) -> HttpResponse {
        match outcome {
            Ok(_) => HttpResponse::new(201),
            Err(rejection) => self.guard.rejection_response(rejection),
        }
    }
}

fn put(url: &str, tokens: &TokenSet) -> OutboundRequest {
    OutboundRequest::new(Method::Put, url)
        .with_access_token(tokens)
        .with_body(b"<svg/>".to_vec())
}

#[test]
fn a_client_dpop_proof_is_accepted_by_the_guard() {
    let setup = setup();
    let key = DpopKey::generate(Algorithm::Es256, &mut SeededRng::new(2)).unwrap();
    let tokens = setup.tokens(Some(key.thumbprint().as_str()));
    let mut rng = SeededRng::new(3);
    let request = put(PLAN, &tokens)
        .with_dpop_proof(&key, Some(&tokens.access_token), None, &mut rng, now())
        .unwrap();
    let mut seen = HashSet::new();
    let outcome = setup.serve(&request, None, &mut seen);
    let access = outcome.as_ref().unwrap();
    assert_eq!(access.subject(), Some("user-5"));
    assert_eq!(
        resource_response(&setup.respond(&outcome)).unwrap(),
        ResourceStep::Success
    );
    // The same request sent twice is a replay.
    let replay = setup.serve(&request, None, &mut seen).unwrap_err();
    assert_eq!(
        replay.kind(),
        &RejectionKind::InvalidDpopProof(DpopRejection::Replayed)
    );
    // A fresh proof is fine.
    let again = put(PLAN, &tokens)
        .with_dpop_proof(&key, Some(&tokens.access_token), None, &mut rng, now())
        .unwrap();
    assert!(setup.serve(&again, None, &mut seen).is_ok());
}

#[test]
fn every_dpop_algorithm_the_client_generates_is_accepted() {
    let setup = setup();
    for (seed, algorithm) in [(4, Algorithm::Es256), (5, Algorithm::EdDsa)] {
        let key = DpopKey::generate(algorithm, &mut SeededRng::new(seed)).unwrap();
        let tokens = setup.tokens(Some(key.thumbprint().as_str()));
        let request = put(PLAN, &tokens)
            .with_dpop_proof(
                &key,
                Some(&tokens.access_token),
                None,
                &mut SeededRng::new(seed),
                now(),
            )
            .unwrap();
        assert!(
            setup.serve(&request, None, &mut HashSet::new()).is_ok(),
            "{algorithm:?}"
        );
    }
}

#[test]
fn the_guards_challenges_are_read_by_the_client() {
    let setup = setup();
    let key = DpopKey::generate(Algorithm::Es256, &mut SeededRng::new(6)).unwrap();
    let tokens = setup.tokens(Some(key.thumbprint().as_str()));
    let mut rng = SeededRng::new(7);
    // Writing outside the granted folder: 403 insufficient_scope naming the scope.
    let photo = put("https://storage.example/photos/x.jpg", &tokens)
        .with_dpop_proof(&key, Some(&tokens.access_token), None, &mut rng, now())
        .unwrap();
    let response = setup.respond(&setup.serve(&photo, None, &mut HashSet::new()));
    let ClientError::Response(error) = resource_response(&response).unwrap_err() else {
        panic!("expected a challenge");
    };
    assert_eq!(
        error.resource_error(),
        Some(&ResourceErrorCode::InsufficientScope)
    );
    let ResponseError::Challenged { status, challenges } = &error else {
        panic!("{error:?}");
    };
    assert_eq!(*status, 403);
    assert_eq!(
        challenges[0].scope.as_ref().unwrap().to_string(),
        "files:write:/photos/x.jpg"
    );

    // The server wants a nonce: the client retries with it and succeeds.
    let nonces = DpopNonces::new("nonce-from-storage");
    let first = put(PLAN, &tokens)
        .with_dpop_proof(&key, Some(&tokens.access_token), None, &mut rng, now())
        .unwrap();
    let mut seen = HashSet::new();
    let response = setup.respond(&setup.serve(&first, Some(&nonces), &mut seen));
    let ResourceStep::RetryWithDpopNonce(nonce) = resource_response(&response).unwrap() else {
        panic!("expected a nonce demand");
    };
    let retry = first
        .with_dpop_proof(
            &key,
            Some(&tokens.access_token),
            Some(&nonce),
            &mut rng,
            now(),
        )
        .unwrap();
    assert!(setup.serve(&retry, Some(&nonces), &mut seen).is_ok());
}

#[test]
fn a_proof_by_another_key_or_for_another_request_is_refused() {
    let setup = setup();
    let key = DpopKey::generate(Algorithm::Es256, &mut SeededRng::new(8)).unwrap();
    let thief = DpopKey::generate(Algorithm::Es256, &mut SeededRng::new(9)).unwrap();
    let tokens = setup.tokens(Some(key.thumbprint().as_str()));
    let mut rng = SeededRng::new(10);
    let stolen = put(PLAN, &tokens)
        .with_dpop_proof(&thief, Some(&tokens.access_token), None, &mut rng, now())
        .unwrap();
    assert_eq!(
        setup
            .serve(&stolen, None, &mut HashSet::new())
            .unwrap_err()
            .kind(),
        &RejectionKind::InvalidDpopProof(DpopRejection::KeyMismatch)
    );
    // A proof made for a GET, replayed on a PUT.
    let get = OutboundRequest::new(Method::Get, PLAN)
        .with_access_token(&tokens)
        .with_dpop_proof(&key, Some(&tokens.access_token), None, &mut rng, now())
        .unwrap();
    let moved = put(PLAN, &tokens).with_header("dpop", get.header("dpop").unwrap());
    assert_eq!(
        setup
            .serve(&moved, None, &mut HashSet::new())
            .unwrap_err()
            .kind(),
        &RejectionKind::InvalidDpopProof(DpopRejection::MethodMismatch)
    );
    // A proof without ath (a token-endpoint proof) is not a resource proof.
    let no_ath = put(PLAN, &tokens)
        .with_dpop_proof(&key, None, None, &mut rng, now())
        .unwrap();
    assert_eq!(
        setup
            .serve(&no_ath, None, &mut HashSet::new())
            .unwrap_err()
            .kind(),
        &RejectionKind::InvalidDpopProof(DpopRejection::MissingClaim("ath"))
    );
}

#[test]
fn bearer_tokens_take_the_same_path() {
    let setup = setup();
    let tokens = setup.tokens(None);
    let request = put(PLAN, &tokens);
    assert_eq!(
        request.header("authorization").unwrap().split(' ').next(),
        Some("Bearer")
    );
    assert!(setup.serve(&request, None, &mut HashSet::new()).is_ok());
    let traversal = put("https://storage.example/diagrams/../secrets/keys", &tokens);
    let response = setup.respond(&setup.serve(&traversal, None, &mut HashSet::new()));
    // The URL parser of the embedder may or may not have removed the dot segments; either the
    // path is refused as malformed (400) or it is outside the grant (403). Never 201.
    assert!(
        matches!(response.status(), 400 | 403),
        "{}",
        response.status()
    );
}

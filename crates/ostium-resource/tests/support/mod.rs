//! An authorization server and a client for the guard's tests: JWT access tokens (RFC 9068)
//! and DPoP proofs (RFC 9449) with every field under the test's control.

#![allow(
    clippy::unwrap_used,
    clippy::indexing_slicing,
    clippy::panic,
    dead_code,
    unreachable_pub
)]

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use ostium_jose::{Algorithm, HashAlgorithm, Jwk, JwkSet, Kid, Signer, SigningHeader};
use ostium_messages::{HttpRequest, Issuer};
use ostium_resource::{
    Access, Authenticated, Rejection, RejectionKind, ResourceGuard, ResourceRequest,
};
use ostium_testkit::{FixedClock, SeededRng};
use serde_json::{Value, json};
use time::OffsetDateTime;

pub const ISSUER: &str = "https://as.example";
pub const AUDIENCE: &str = "https://storage.example";
pub const URI: &str = "https://storage.example/diagrams/plan.svg";

pub fn now() -> OffsetDateTime {
    FixedClock::default().now()
}

pub fn unix_now() -> i64 {
    now().unix_timestamp()
}

pub fn guard() -> ResourceGuard {
    ResourceGuard::new(Issuer::parse(ISSUER).unwrap(), AUDIENCE)
}

/// The authorization server's signing key (kid `as-1`).
pub fn as_key() -> Jwk {
    Jwk::generate(Algorithm::Es256, &mut SeededRng::new(100))
        .unwrap()
        .with_kid(Kid::new("as-1").unwrap())
}

pub fn as_keys() -> JwkSet {
    JwkSet::from_keys(vec![as_key().to_public().unwrap()]).unwrap()
}

/// The client's DPoP key.
pub fn dpop_key() -> Jwk {
    Jwk::generate(Algorithm::Es256, &mut SeededRng::new(200)).unwrap()
}

pub fn jkt(key: &Jwk) -> String {
    key.thumbprint(HashAlgorithm::Sha256).to_base64url()
}

/// RFC 9068 §2.2 claims, with `scope` and, if given, `cnf.jkt`.
pub fn token_claims(scope: &str, jkt: Option<&str>) -> Value {
    let mut claims = json!({
        "iss": ISSUER,
        "sub": "user-5",
        "aud": AUDIENCE,
        "exp": unix_now() + 300,
        "iat": unix_now(),
        "jti": "at-1",
        "client_id": "drawing-app",
        "scope": scope,
    });
    if let Some(jkt) = jkt {
        claims["cnf"] = json!({ "jkt": jkt });
    }
    claims
}

/// Signs access token claims with `typ` (normally `at+jwt`).
pub fn access_token_typed(claims: &Value, typ: &str) -> String {
    let key = as_key();
    let header = SigningHeader::new(Algorithm::Es256)
        .typ(typ)
        .kid(key.kid().unwrap().clone());
    Signer::new(&key, &header)
        .unwrap()
        .sign_json(claims)
        .unwrap()
}

pub fn access_token(claims: &Value) -> String {
    access_token_typed(claims, "at+jwt")
}

pub fn ath(token: &str) -> String {
    B64.encode(ring::digest::digest(
        &ring::digest::SHA256,
        token.as_bytes(),
    ))
}

/// Proof claims for `method` on `uri` with `token`'s `ath`.
pub fn proof_claims(method: &str, uri: &str, token: &str) -> Value {
    json!({
        "jti": "e1j3V_bKic8-LAEB",
        "htm": method,
        "htu": uri,
        "iat": unix_now(),
        "ath": ath(token),
    })
}

/// A proof signed by `key` with `alg`, whose header embeds `embedded` (normally `key`'s
/// public part) and has `typ` (normally `dpop+jwt`).
pub fn proof_with(
    key: &Jwk,
    alg: Algorithm,
    typ: Option<&str>,
    embedded: Option<&Jwk>,
    claims: &Value,
) -> String {
    let mut header = json!({ "alg": alg.name() });
    if let Some(typ) = typ {
        header["typ"] = json!(typ);
    }
    if let Some(embedded) = embedded {
        header["jwk"] = serde_json::from_str(&embedded.to_json()).unwrap();
    }
    Signer::with_protected_header(key, &header.to_string())
        .unwrap()
        .sign_json(claims)
        .unwrap()
}

/// A well-formed proof by `key` (ES256).
pub fn proof(key: &Jwk, claims: &Value) -> String {
    proof_with(
        key,
        Algorithm::Es256,
        Some("dpop+jwt"),
        Some(&key.to_public().unwrap()),
        claims,
    )
}

/// Replaces the header of a compact JWS, keeping payload and signature.
pub fn with_header(token: &str, header: &Value) -> String {
    let (_, rest) = token.split_once('.').unwrap();
    format!("{}.{rest}", B64.encode(header.to_string()))
}

/// The HTTP request data of a protected request.
pub fn http<'a>(
    method: &'a str,
    authorization: Option<&'a str>,
    dpop: Option<&'a str>,
) -> HttpRequest<'a> {
    HttpRequest {
        method,
        authorization,
        dpop,
        ..HttpRequest::default()
    }
}

/// Authenticates with the JWT path, consuming a proof's jti in a fresh cache.
pub fn authenticate(
    guard: &ResourceGuard,
    request: &ResourceRequest<'_>,
) -> Result<Access, Rejection> {
    guard
        .authenticate_jwt(request, &as_keys(), now())?
        .into_access(|_| true)
}

/// The rejection kind of a request that must fail.
pub fn rejection(result: Result<Authenticated, Rejection>) -> RejectionKind {
    match result {
        Ok(authenticated) => panic!("expected a rejection, got {authenticated:?}"),
        Err(rejection) => rejection.kind().clone(),
    }
}

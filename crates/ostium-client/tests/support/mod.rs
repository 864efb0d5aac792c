//! A fake provider for the client's tests: its keys (RFC 7515 A.2 and RFC 7520 §3.4 RSA keys, a
//! seeded P-256 key), its metadata, and ID tokens signed with any claims.

// Test helpers outside #[test] functions may unwrap: a failure is a failing test.
#![allow(
    clippy::unwrap_used,
    clippy::indexing_slicing,
    clippy::panic,
    dead_code,
    unreachable_pub
)]

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use ostium_client::{
    AuthorizationOptions, AuthorizedCode, Client, ClientCredentials, IdToken, IdTokenStep,
    PendingAuthorization, ProviderConfig, ProviderJwks, TokenSet, TokenStep,
};
use ostium_jose::{Algorithm, Jwk, JwkSet, Kid, Signer, SigningHeader};
use ostium_messages::metadata::MetadataProfile;
use ostium_messages::redirect_uri::RedirectUri;
use ostium_messages::{ClientId, HttpResponse, Issuer, Scope};
use ostium_testkit::{FixedClock, SeededRng, vectors};
use serde_json::{Value, json};
use time::OffsetDateTime;

pub const ISSUER: &str = "https://op.example";
pub const CLIENT_ID: &str = "fitness-app";
pub const REDIRECT_URI: &str = "https://fitness.example/cb";

pub fn now() -> OffsetDateTime {
    FixedClock::default().now()
}

pub fn unix_now() -> i64 {
    now().unix_timestamp()
}

/// The provider's keys.
pub struct Keys {
    /// RFC 7515 A.2, kid `rsa-1`.
    pub rsa1: Jwk,
    /// RFC 7520 §3.4, kid `rsa-2`.
    pub rsa2: Jwk,
    /// A seeded P-256 key, kid `ec-1`.
    pub ec: Jwk,
}

pub fn keys() -> Keys {
    let a2 = vectors::load("rfc7515_appendix_a2_rs256");
    let rsa1 = Jwk::from_json(&a2["jwk_private"].to_string())
        .unwrap()
        .with_kid(Kid::new("rsa-1").unwrap());
    let cookbook = vectors::load("rfc7520_section3_jwk");
    let mut rsa2_json = cookbook["keys"]["3.4"].clone();
    rsa2_json["kid"] = json!("rsa-2");
    let rsa2 = Jwk::from_json(&rsa2_json.to_string()).unwrap();
    let ec = Jwk::generate(Algorithm::Es256, &mut SeededRng::new(42))
        .unwrap()
        .with_kid(Kid::new("ec-1").unwrap());
    Keys { rsa1, rsa2, ec }
}

/// The public JWK Set of `keys`, fetched at `fetched_at`.
pub fn jwks(keys: &[&Jwk], fetched_at: OffsetDateTime) -> ProviderJwks {
    let public = keys.iter().map(|k| k.to_public().unwrap()).collect();
    ProviderJwks::new(JwkSet::from_keys(public).unwrap(), fetched_at)
}

/// The same key without its `kid`.
pub fn without_kid(key: &Jwk) -> Jwk {
    let mut json: Value = serde_json::from_str(&key.to_json()).unwrap();
    json.as_object_mut().unwrap().remove("kid");
    Jwk::from_json(&json.to_string()).unwrap()
}

/// Signs `claims` with `key` and `alg`, with the key's `kid` (if any) and `typ: JWT`.
pub fn sign(key: &Jwk, alg: Algorithm, claims: &Value) -> String {
    let mut header = SigningHeader::new(alg).typ("JWT");
    if let Some(kid) = key.kid() {
        header = header.kid(kid.clone());
    }
    Signer::new(key, &header)
        .unwrap()
        .sign_json(claims)
        .unwrap()
}

/// A token with `alg: none` and an empty signature (RFC 7519 §6.1).
pub fn unsigned(claims: &Value) -> String {
    format!(
        "{}.{}.",
        B64.encode(br#"{"alg":"none","typ":"JWT"}"#),
        B64.encode(claims.to_string())
    )
}

/// Flips one bit in the middle of the signature.
pub fn tamper_signature(token: &str) -> String {
    let (input, signature) = token.rsplit_once('.').unwrap();
    let mut bytes = B64.decode(signature).unwrap();
    let middle = bytes.len() / 2;
    bytes[middle] ^= 0x01;
    format!("{input}.{}", B64.encode(bytes))
}

/// Valid ID token claims for the test client, with `nonce`.
pub fn id_claims(nonce: Option<&str>) -> Value {
    let mut claims = json!({
        "iss": ISSUER,
        "sub": "248289761001",
        "aud": CLIENT_ID,
        "exp": unix_now() + 600,
        "iat": unix_now(),
        "auth_time": unix_now() - 30,
        "name": "Jane Doe",
    });
    if let Some(nonce) = nonce {
        claims["nonce"] = json!(nonce);
    }
    claims
}

/// The provider's metadata document.
pub fn metadata() -> Value {
    json!({
        "issuer": ISSUER,
        "authorization_endpoint": "https://op.example/authorize",
        "token_endpoint": "https://op.example/token",
        "jwks_uri": "https://op.example/jwks",
        "userinfo_endpoint": "https://op.example/userinfo",
        "revocation_endpoint": "https://op.example/revoke",
        "introspection_endpoint": "https://op.example/introspect",
        "device_authorization_endpoint": "https://op.example/device",
        "pushed_authorization_request_endpoint": "https://op.example/par",
        "response_types_supported": ["code"],
        "subject_types_supported": ["public"],
        "id_token_signing_alg_values_supported": ["RS256", "ES256"],
        "code_challenge_methods_supported": ["S256"],
        "authorization_response_iss_parameter_supported": true,
        "dpop_signing_alg_values_supported": ["ES256", "EdDSA"]
    })
}

pub fn json_response(status: u16, body: &Value) -> HttpResponse {
    HttpResponse::new(status)
        .with_header("content-type", "application/json")
        .with_body(body.to_string().into_bytes())
}

pub fn provider() -> ProviderConfig {
    ProviderConfig::from_discovery(
        &Issuer::parse(ISSUER).unwrap(),
        &json_response(200, &metadata()),
        MetadataProfile::OpenId,
    )
    .unwrap()
}

pub fn client_with(credentials: ClientCredentials) -> Client {
    Client::new(provider(), ClientId::parse(CLIENT_ID).unwrap(), credentials)
        .with_redirect_uri(RedirectUri::parse(REDIRECT_URI).unwrap())
}

/// A public client (PKCE only).
pub fn client() -> Client {
    client_with(ClientCredentials::None)
}

pub fn openid_options() -> AuthorizationOptions {
    AuthorizationOptions::new().with_scope(Scope::parse("openid profile").unwrap())
}

/// Starts an OpenID Connect authorization and returns its pending value.
pub fn pending(client: &Client, options: AuthorizationOptions, seed: u64) -> PendingAuthorization {
    client
        .authorization_request(options, &mut SeededRng::new(seed))
        .unwrap()
        .pending
}

/// A callback that passes for `pending`.
pub fn authorized(client: &Client, pending: PendingAuthorization) -> AuthorizedCode {
    let query = format!(
        "code=SplxlOBeZQQYbYS6WxSbIA&state={}&iss={}",
        pending.state().as_str(),
        ISSUER
    );
    client.handle_callback_query(pending, &query).unwrap()
}

/// A token response body with `id_token`.
pub fn token_body(id_token: Option<&str>) -> Value {
    let mut body = json!({
        "access_token": "SlAV32hkKG",
        "token_type": "Bearer",
        "expires_in": 3600,
        "refresh_token": "8xLOxBtZp8",
    });
    if let Some(token) = id_token {
        body["id_token"] = json!(token);
    }
    body
}

pub fn expect_tokens(step: TokenStep) -> TokenSet {
    match step {
        TokenStep::Tokens(tokens) => tokens,
        other => panic!("expected tokens, got {other:?}"),
    }
}

pub fn expect_valid(step: IdTokenStep) -> IdToken {
    match step {
        IdTokenStep::Valid(token) => token,
        other => panic!("expected a valid ID token, got {other:?}"),
    }
}

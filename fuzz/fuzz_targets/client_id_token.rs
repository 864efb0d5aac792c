//! JWK Set → ID token validation: `<JWK Set JSON>\n\n<ID token>`. The token is validated against
//! the parsed set (if it parses) and against a fixed provider key, so seeds signed with that key
//! reach the claim checks. Never panics; an accepted token has the provider's `iss`, the
//! client in `aud`, a `sub` of 1-255 ASCII characters and the expected `nonce`.
#![no_main]

use libfuzzer_sys::fuzz_target;
use ostium_client::{
    Client, ClientCredentials, IdTokenExpectations, IdTokenStep, ProviderConfig, ProviderJwks,
};
use ostium_jose::{Algorithm, AlgorithmSet, Jwk, JwkSet, Kid};
use ostium_messages::claims::Audience;
use ostium_messages::{AbsoluteUri, AccessToken, ClientId, HttpResponse, Issuer, Nonce};
use ostium_testkit::{FixedClock, SeededRng};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let (jwks, token) = text.split_once("\n\n").unwrap_or(("", text));
    let now = FixedClock::default().now();
    let issuer = Issuer::parse("https://op.example").expect("issuer");
    let provider = ProviderConfig::new(
        issuer,
        AbsoluteUri::parse("https://op.example/token").expect("endpoint"),
    );
    let client = Client::new(
        provider,
        ClientId::parse("fitness-app").expect("client_id"),
        ClientCredentials::None,
    )
    .with_id_token_algorithms(AlgorithmSet::of(&[
        Algorithm::Rs256,
        Algorithm::Ps256,
        Algorithm::Es256,
        Algorithm::EdDsa,
    ]));
    // The seeds' provider key (seed 42, kid "k1").
    let key = Jwk::generate(Algorithm::Es256, &mut SeededRng::new(42))
        .expect("key")
        .with_kid(Kid::new("k1").expect("kid"));
    let fixed = ProviderJwks::new(
        JwkSet::from_keys(vec![key.to_public().expect("public")]).expect("set"),
        now - time::Duration::minutes(10),
    );
    let mut expectations = IdTokenExpectations::default();
    expectations.nonce = Some(Nonce::parse("n-0S6_WzA2Mj").expect("nonce"));
    let with_hash = expectations
        .clone()
        .with_access_token(AccessToken::parse("SlAV32hkKG").expect("token"), false);
    let mut sets = vec![fixed];
    let response = HttpResponse::new(200)
        .with_header("content-type", "application/jwk-set+json")
        .with_body(jwks.as_bytes().to_vec());
    if let Ok(parsed) = ProviderJwks::from_response(&response, now) {
        sets.push(parsed);
    }
    for keys in &sets {
        for expected in [&expectations, &with_hash] {
            let Ok(step) = client.validate_id_token(token, expected, Some(keys), now) else {
                continue;
            };
            if let IdTokenStep::Valid(id_token) = step {
                let claims = id_token.claims();
                assert_eq!(claims.iss, "https://op.example");
                let has_client = match &claims.aud {
                    Audience::One(one) => one == "fitness-app",
                    Audience::Many(many) => many.iter().any(|a| a == "fitness-app"),
                };
                assert!(has_client);
                assert!(!claims.sub.is_empty() && claims.sub.len() <= 255 && claims.sub.is_ascii());
                assert_eq!(claims.nonce.as_deref(), Some("n-0S6_WzA2Mj"));
                assert!(claims.exp > now.unix_timestamp() - 60);
            }
        }
    }
});

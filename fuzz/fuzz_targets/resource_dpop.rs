//! DPoP proof validation at the resource server. The first byte picks the mode:
//! - even: the rest is `<proof>`, a compact JWS as sent in the `DPoP` header;
//! - odd: the rest is `<protected header JSON>\n<claims JSON>`, signed here with the client's
//!   key, so that the fuzzer reaches every claim check behind a valid signature.
//! `{ath}` in the input stands for the token's hash, `{jwk}` for the client's public key.
//! Never panics; an accepted proof is bound to the token's key, and its replay is refused.
#![no_main]

use std::collections::HashSet;

use libfuzzer_sys::fuzz_target;
use ostium_jose::{Algorithm, HashAlgorithm, Jwk, JwkSet, Kid, Signer, SigningHeader};
use ostium_messages::{HttpRequest, Issuer};
use ostium_resource::{ResourceGuard, ResourceRequest};
use ostium_testkit::{FixedClock, SeededRng};

const URI: &str = "https://storage.example/diagrams/plan.svg";

fuzz_target!(|data: &[u8]| {
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    let Ok(text) = std::str::from_utf8(rest) else {
        return;
    };
    let now = FixedClock::default().now();
    let as_key = Jwk::generate(Algorithm::Es256, &mut SeededRng::new(100))
        .expect("key")
        .with_kid(Kid::new("as-1").expect("kid"));
    let client_key = Jwk::generate(Algorithm::Es256, &mut SeededRng::new(200)).expect("key");
    let jkt = client_key.thumbprint(HashAlgorithm::Sha256).to_base64url();
    let claims = format!(
        r#"{{"iss":"https://as.example","aud":"https://storage.example","sub":"u","client_id":"c","scope":"files:write:/diagrams","jti":"t","iat":{0},"exp":{1},"cnf":{{"jkt":"{jkt}"}}}}"#,
        now.unix_timestamp(),
        now.unix_timestamp() + 300
    );
    let token = Signer::new(
        &as_key,
        &SigningHeader::new(Algorithm::Es256)
            .typ("at+jwt")
            .kid(Kid::new("as-1").expect("kid")),
    )
    .expect("signer")
    .sign(claims.as_bytes())
    .expect("sign");
    let ath = {
        use base64::Engine as _;
        base64::engine::general_purpose::URL_SAFE_NO_PAD
            .encode(ring::digest::digest(&ring::digest::SHA256, token.as_bytes()))
    };
    let public = client_key.to_public().expect("public").to_json();
    let text = text.replace("{ath}", &ath).replace("{jwk}", &public);
    let proof = if mode % 2 == 0 {
        text
    } else {
        let Some((header, claims)) = text.split_once('\n') else {
            return;
        };
        let Ok(signer) = Signer::with_protected_header(&client_key, header) else {
            return;
        };
        let Ok(proof) = signer.sign(claims.as_bytes()) else {
            return;
        };
        proof
    };
    let keys = JwkSet::from_keys(vec![as_key.to_public().expect("public")]).expect("set");
    let guard = ResourceGuard::new(
        Issuer::parse("https://as.example").expect("issuer"),
        "https://storage.example",
    );
    let authorization = format!("DPoP {token}");
    let http = HttpRequest {
        method: "PUT",
        authorization: Some(&authorization),
        dpop: Some(&proof),
        ..HttpRequest::default()
    };
    let request = ResourceRequest::new(http, URI);
    let mut seen = HashSet::new();
    let first = guard
        .authenticate_jwt(&request, &keys, now)
        .and_then(|a| a.into_access(|check| seen.insert(check.key())));
    match first {
        Ok(access) => {
            assert_eq!(access.subject(), Some("u"));
            let again = guard
                .authenticate_jwt(&request, &keys, now)
                .and_then(|a| a.into_access(|check| seen.insert(check.key())));
            assert!(again.is_err(), "a replayed proof must be refused");
        }
        Err(rejection) => {
            let response = guard.rejection_response(&rejection);
            assert!(matches!(response.status(), 400 | 401 | 403));
            assert!(response.header("www-authenticate").is_some());
        }
    }
});

//! Access token validation at the resource server. The first byte picks the mode:
//! - 0 mod 3: the rest is a compact JWT access token, validated against the issuer's keys;
//! - 1 mod 3: the rest is `<protected header JSON>\n<claims JSON>`, signed here with the
//!   issuer's key, so that the fuzzer reaches the RFC 9068 claim checks;
//! - 2 mod 3: the rest is an introspection response body (RFC 7662).
//! Never panics; an accepted token is the issuer's, for this audience, unexpired, and then the
//! path authorization answers without panicking.
#![no_main]

use libfuzzer_sys::fuzz_target;
use ostium_jose::{Algorithm, Jwk, JwkSet, Kid, Signer};
use ostium_messages::introspection::IntrospectionResponse;
use ostium_messages::{HttpRequest, Issuer, Leniency};
use ostium_resource::{ResourceGuard, ResourceRequest, TokenInfo};
use ostium_scope::ScopePattern;
use ostium_testkit::{FixedClock, SeededRng};

const FILES_WRITE: ScopePattern = ScopePattern::from_static("files:write:");

fuzz_target!(|data: &[u8]| {
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    let Ok(text) = std::str::from_utf8(rest) else {
        return;
    };
    let now = FixedClock::default().now();
    let text = text.replace("{now}", &now.unix_timestamp().to_string());
    let as_key = Jwk::generate(Algorithm::Es256, &mut SeededRng::new(100))
        .expect("key")
        .with_kid(Kid::new("as-1").expect("kid"));
    let keys = JwkSet::from_keys(vec![as_key.to_public().expect("public")]).expect("set");
    let guard = ResourceGuard::new(
        Issuer::parse("https://as.example").expect("issuer"),
        "https://storage.example",
    );
    let info: Option<TokenInfo> = match mode % 3 {
        0 => guard.validate_jwt(&text, &keys, now).ok(),
        1 => {
            let Some((header, claims)) = text.split_once('\n') else {
                return;
            };
            let Ok(signer) = Signer::with_protected_header(&as_key, header) else {
                return;
            };
            let Ok(token) = signer.sign(claims.as_bytes()) else {
                return;
            };
            let accepted = guard.validate_jwt(&token, &keys, now).ok();
            // The whole request path agrees with the token check.
            let authorization = format!("Bearer {token}");
            let http = HttpRequest {
                method: "GET",
                authorization: Some(&authorization),
                ..HttpRequest::default()
            };
            let request = ResourceRequest::new(http, "https://storage.example/diagrams/a");
            if let Ok(authenticated) = guard.authenticate_jwt(&request, &keys, now) {
                assert!(accepted.is_some());
                if let Ok(access) = authenticated.into_access(|_| true) {
                    let _ = access.authorize_path(&FILES_WRITE, "/diagrams/a");
                }
            }
            accepted
        }
        _ => IntrospectionResponse::parse_json_lenient(text.as_bytes(), Leniency::ALL)
            .ok()
            .and_then(|response| {
                let info = guard.validate_introspection(&response, now).ok();
                if info.is_some() {
                    assert!(response.active);
                }
                info
            }),
    };
    if let Some(info) = info {
        if let Some(issuer) = &info.issuer {
            assert_eq!(issuer, "https://as.example");
        }
        if let Some(expires_at) = info.expires_at {
            assert!(expires_at + time::Duration::seconds(30) > now);
        }
    }
});

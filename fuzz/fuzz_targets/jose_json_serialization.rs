//! JWS JSON serialization parsing and verification, general and flattened (RFC 7515 §7.2): never
//! panics, and the key binding holds for whatever verifies.
#![no_main]

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use ostium_jose::{Algorithm, AlgorithmSet, Jwk, JwsVerifier};

const ALL: AlgorithmSet = AlgorithmSet::of(&Algorithm::ALL);

fn keys() -> &'static (Jwk, Jwk) {
    static KEYS: OnceLock<(Jwk, Jwk)> = OnceLock::new();
    KEYS.get_or_init(|| {
        let parse = |json: &str| Jwk::from_json(json).expect("fixed key");
        (
            // RFC 7520 §3.5 (oct) and §3.3 (RSA public).
            parse(r#"{"kty":"oct","kid":"018c0ae5-4d9b-471b-bfd6-eef314bc7037","use":"sig","alg":"HS256","k":"hJtXIZ2uSN5kbQfbtTNWbpdmhkV8FJG-Onbc6mxCcYg"}"#),
            parse(RSA),
        )
    })
}

const RSA: &str = r#"{"kty":"RSA","kid":"bilbo.baggins@hobbiton.example","use":"sig","n":"n4EPtAOCc9AlkeQHPzHStgAbgs7bTZLwUBZdR8_KuKPEHLd4rHVTeT-O-XV2jRojdNhxJWTDvNd7nqQ0VEiZQHz_AJmSCpMaJMRBSFKrKb2wqVwGU_NsYOYL-QtiWN2lbzcEe6XC0dApr5ydQLrHqkHHig3RBordaZ6Aj-oBHqFEHYpPe7Tpe-OfVfHd1E6cS6M1FZcD1NNLYD5lFHpPI9bTwJlsde3uhGqC0ZCuEHg8lhzwOHrtIQbS0FVbb9k3-tVTU4fg_3L_vniUFAKwuCLqKnS2BYwdq_mzSnbLY7h_qixoR7jig3__kRhuaxwUkRz5iaiQkqgc5gHdrNP5zw","e":"AQAB"}"#;

fuzz_target!(|data: &[u8]| {
    let Ok(json) = std::str::from_utf8(data) else {
        return;
    };
    let (oct, rsa) = keys();
    if let Ok(jws) = JwsVerifier::new(oct, ALL)
        .allow_unencoded_payload()
        .verify_json(json)
    {
        assert_eq!(jws.header().algorithm(), Algorithm::Hs256);
    }
    if let Ok(jws) = JwsVerifier::new(rsa, ALL).verify_json(json) {
        assert!(!jws.header().algorithm().is_symmetric());
    }
    let _ = JwsVerifier::new(oct, ALL).verify_json_detached(json, b"detached");
});

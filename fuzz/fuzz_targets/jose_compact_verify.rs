//! Compact JWS parsing and verification (RFC 7515 §7.1) with pinned keys of every family, plus
//! the embedded-key (DPoP) path and JWT validation: nothing may panic, nothing unsigned may pass.
//! Also differential: ostium-jose's strict base64url decoder and encoders agree with the `base64`
//! crate's `URL_SAFE_NO_PAD` on every input, and the JSON fast paths with the serde path on the
//! decoded header and payload.
#![no_main]

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use ostium_jose::{
    Algorithm, AlgorithmSet, Jwk, JwkSet, JwsVerifier, Limits, Typ, Validation,
    verify_with_embedded_jwk,
};

const ALL: AlgorithmSet = AlgorithmSet::of(&Algorithm::ALL);

struct Keys {
    oct: Jwk,
    public: JwkSet,
}

fn keys() -> &'static Keys {
    static KEYS: OnceLock<Keys> = OnceLock::new();
    KEYS.get_or_init(|| {
        let parse = |json: &str| Jwk::from_json(json).expect("fixed key");
        Keys {
            // RFC 7515 A.1.
            oct: parse(r#"{"kty":"oct","k":"AyM1SysPpbyDfgZld3umj1qzKObwVMkoqQ-EstJQLr_T-1qS0gZH75aKtMN3Yj0iPS4hcgUuTwjAzZr1Z9CAow"}"#),
            public: JwkSet::from_keys(vec![
                // RFC 7515 A.3 (P-256), RFC 8037 A.2 (Ed25519), RFC 7515 A.2 (RSA).
                parse(r#"{"kty":"EC","crv":"P-256","x":"f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU","y":"x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0"}"#),
                parse(r#"{"kty":"OKP","crv":"Ed25519","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"}"#),
                parse(r#"{"kty":"RSA","n":"ofgWCuLjybRlzo0tZWJjNiuSfb4p4fAkd_wWJcyQoTbji9k0l8W26mPddxHmfHQp-Vaw-4qPCJrcS2mJPMEzP1Pt0Bm4d4QlL-yRT-SFd2lZS-pCgNMsD1W_YpRPEwOWvG6b32690r2jZ47soMZo9wGzjb_7OMg0LOL-bSf63kpaSHSXndS5z5rexMdbBYUsLA9e-KXBdQOS-UTo7WTBEMa2R2CapHg665xsmtdVMTBQY4uDZlxvb3qCo5ZwKh9kG4LT6_I5IhlJH7aGhyxXFvUK-DWNmoudF8NAco9_h9iaGNj8q2ethFkMLs91kzk2PAcDTW9gb54h4FRWyuXpoQ","e":"AQAB"}"#),
            ])
            .expect("fixed set"),
        }
    })
}

/// The `base64` crate and ostium-jose agree on `input`, decoding and re-encoding.
fn check_base64url(input: &[u8]) -> Option<Vec<u8>> {
    use base64::Engine as _;
    let expected = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(input)
        .ok();
    let decoded = ostium_jose::fuzzing::base64url_decode(input);
    assert_eq!(decoded, expected, "{:?}", String::from_utf8_lossy(input));
    let reference = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(input);
    assert_eq!(ostium_jose::fuzzing::base64url_encode(input), reference);
    let mut in_place = b"prefix".to_vec();
    in_place.extend_from_slice(input);
    ostium_jose::fuzzing::base64url_encode_in_place(&mut in_place, 6);
    assert_eq!(&in_place[6..], reference.as_bytes());
    decoded
}

fuzz_target!(|data: &[u8]| {
    check_base64url(data);
    for part in data.split(|&b| b == b'.').take(3) {
        if let Some(json) = check_base64url(part) {
            if let Ok(json) = std::str::from_utf8(&json) {
                ostium_jose::fuzzing::check_json_fast_paths(json);
            }
        }
    }
    let Ok(token) = std::str::from_utf8(data) else {
        return;
    };
    let keys = keys();
    let limits = Limits::default();
    // The RFC keys are published, so seeds do verify; what must hold is the key binding: an oct
    // key only ever verifies HMAC algorithms, public keys never do.
    if let Ok(jws) = JwsVerifier::new(&keys.oct, ALL).verify_compact(token) {
        assert!(jws.header().algorithm().is_symmetric());
    }
    if let Ok(jws) = JwsVerifier::new(&keys.public, ALL)
        .allow_unencoded_payload()
        .verify_compact(token)
    {
        assert!(!jws.header().algorithm().is_symmetric());
    }
    let _ = JwsVerifier::new(&keys.public, ALL).verify_compact_detached(token, b"detached");
    let _ = verify_with_embedded_jwk(token, ALL, &limits);
    let policy = Validation::new(Typ::Jwt, ALL)
        .typ_may_be_absent()
        .danger_accept_any_audience();
    let now = time::OffsetDateTime::UNIX_EPOCH + time::Duration::days(20_000);
    if let Ok(jwt) = policy.verify(token, &keys.public, now) {
        let _ = (
            jwt.issuer(),
            jwt.subject(),
            jwt.audiences().count(),
            jwt.jwt_id(),
        );
        let _ = jwt.payload().len();
    }
    let _ = policy.verify_with_embedded_jwk(token, now);
});

//! JWK and JWK Set parsing (RFC 7517) and DER/PEM key import: never panics; whatever parses
//! serializes back to an equal key, and its public form holds no private material.
#![no_main]

use libfuzzer_sys::fuzz_target;
use ostium_jose::{HashAlgorithm, Jwk, JwkSet};

fn check(key: &Jwk) {
    let again = Jwk::from_json(&key.to_json()).expect("a serialized key parses");
    assert_eq!(&again, key);
    let _ = key.thumbprint(HashAlgorithm::Sha256);
    if let Ok(public) = key.to_public() {
        assert!(!public.is_private());
        assert_eq!(
            public.thumbprint(HashAlgorithm::Sha256),
            key.thumbprint(HashAlgorithm::Sha256)
        );
    }
    let shown = format!("{key:?}");
    assert!(!shown.contains("\"d\""));
}

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        if let Ok(key) = Jwk::from_json(text) {
            check(&key);
        }
        if let Ok(set) = JwkSet::from_json(text) {
            for key in set.keys() {
                check(key);
            }
            let again = JwkSet::from_json(&set.to_json()).expect("a serialized set parses");
            assert_eq!(again.keys(), set.keys());
        }
        if let Ok(key) = Jwk::from_pem(text) {
            check(&key);
        }
    }
    if let Ok(key) = Jwk::from_pkcs8_der(data) {
        check(&key);
    }
    if let Ok(key) = Jwk::from_spki_der(data) {
        check(&key);
    }
});

//! Property tests: sign-then-verify round trips for every algorithm, any-byte tampering fails,
//! and JWKs survive serialize-then-parse.

// Test helpers outside #[test] functions may unwrap: a failure is a failing test.
#![allow(clippy::unwrap_used, clippy::indexing_slicing, clippy::panic)]

use std::sync::OnceLock;

use ostium_jose::{Algorithm, Jwk, JwsVerifier, Signer, SigningHeader, Typ, Validation};
use ostium_testkit::{FixedClock, SeededRng, vectors};
use proptest::prelude::*;

/// One private key per algorithm: generated where ring can, the RFC 7515 A.2 RSA key otherwise.
fn keys() -> &'static Vec<(Algorithm, Jwk)> {
    static KEYS: OnceLock<Vec<(Algorithm, Jwk)>> = OnceLock::new();
    KEYS.get_or_init(|| {
        let rsa =
            Jwk::from_json(&vectors::load("rfc7515_appendix_a2_rs256")["jwk_private"].to_string())
                .unwrap();
        Algorithm::ALL
            .into_iter()
            .enumerate()
            .map(|(i, alg)| {
                let key = match Jwk::generate(alg, &mut SeededRng::new(i as u64)) {
                    Ok(key) => key,
                    Err(_) => rsa.clone().with_algorithm(alg).unwrap(),
                };
                (alg, key)
            })
            .collect()
    })
}

/// One token per algorithm, signed once.
fn tokens() -> &'static Vec<(Algorithm, String)> {
    static TOKENS: OnceLock<Vec<(Algorithm, String)>> = OnceLock::new();
    TOKENS.get_or_init(|| {
        keys()
            .iter()
            .map(|(alg, key)| {
                let signer = Signer::new(key, &SigningHeader::new(*alg).typ("JWT")).unwrap();
                (
                    *alg,
                    signer.sign(br#"{"sub":"alice","exp":4102444800}"#).unwrap(),
                )
            })
            .collect()
    })
}

fn public(key: &Jwk) -> Jwk {
    if key.is_symmetric() {
        key.clone()
    } else {
        key.to_public().unwrap()
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]

    #[test]
    fn sign_then_verify_round_trips_for_every_algorithm(
        index in 0..Algorithm::ALL.len(),
        payload in proptest::collection::vec(any::<u8>(), 0..300),
    ) {
        let (alg, key) = &keys()[index];
        let signer = Signer::new(key, &SigningHeader::new(*alg)).unwrap();
        let token = signer.sign(&payload).unwrap();
        let verified = JwsVerifier::new(public(key), *alg).verify_compact(&token).unwrap();
        prop_assert_eq!(verified.payload(), &payload[..]);
        prop_assert_eq!(verified.header().algorithm(), *alg);
        // Detached content too.
        let detached = signer.sign_detached(&payload).unwrap();
        let verified = JwsVerifier::new(public(key), *alg).verify_compact_detached(&detached, &payload).unwrap();
        prop_assert_eq!(verified.payload(), &payload[..]);
    }

    #[test]
    fn jwt_claims_round_trip_for_every_algorithm(
        index in 0..Algorithm::ALL.len(),
        sub in "[a-zA-Z0-9 éü\"\\\\/]{0,40}",
        exp in 1_767_225_601i64..253_402_300_799,
    ) {
        let (alg, key) = &keys()[index];
        let claims = serde_json::json!({"sub": sub, "exp": exp});
        let token = Signer::new(key, &SigningHeader::new(*alg).typ("JWT")).unwrap().sign_json(&claims).unwrap();
        let jwt = Validation::new(Typ::Jwt, *alg).verify(&token, &public(key), FixedClock::default().now()).unwrap();
        prop_assert_eq!(jwt.subject(), Some(sub.as_str()));
        prop_assert_eq!(jwt.expires_at().unwrap().unix(), exp);
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn tampering_any_byte_fails(index in 0..Algorithm::ALL.len(), position in any::<prop::sample::Index>(), flip in 1u8..=255) {
        let (alg, token) = &tokens()[index];
        let key = public(&keys()[index].1);
        let mut bytes = token.clone().into_bytes();
        let at = position.index(bytes.len());
        bytes[at] ^= flip;
        let Ok(tampered) = String::from_utf8(bytes) else {
            return Ok(()); // Not a string: cannot even be presented.
        };
        prop_assert!(JwsVerifier::new(&key, *alg).verify_compact(&tampered).is_err(), "{} at {}", tampered, at);
    }

    #[test]
    fn truncating_or_extending_fails(index in 0..Algorithm::ALL.len(), cut in any::<prop::sample::Index>(), extra in "[A-Za-z0-9_.=-]{1,4}") {
        let (alg, token) = &tokens()[index];
        let key = public(&keys()[index].1);
        let verifier = JwsVerifier::new(&key, *alg);
        let at = cut.index(token.len());
        prop_assert!(verifier.verify_compact(&token[..at]).is_err());
        let extended = format!("{token}{extra}");
        prop_assert!(verifier.verify_compact(&extended).is_err());
    }

    #[test]
    fn arbitrary_text_never_verifies_or_panics(text in ".{0,200}") {
        let (alg, _) = &tokens()[0];
        let key = public(&keys()[0].1);
        prop_assert!(JwsVerifier::new(&key, *alg).verify_compact(&text).is_err());
        let _ = Jwk::from_json(&text);
        let _ = ostium_jose::JwkSet::from_json(&text);
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(32))]

    #[test]
    fn jwks_survive_serialize_then_parse(index in 0..Algorithm::ALL.len(), kid in "[a-z0-9-]{1,16}") {
        let key = keys()[index].1.clone().with_kid(ostium_jose::Kid::new(&kid).unwrap());
        let again = Jwk::from_json(&key.to_json()).unwrap();
        prop_assert_eq!(&again, &key);
        if !key.is_symmetric() {
            let public = key.to_public().unwrap();
            prop_assert!(!public.is_private());
            prop_assert_eq!(Jwk::from_json(&public.to_json()).unwrap(), public.clone());
            prop_assert_eq!(
                public.thumbprint(ostium_jose::HashAlgorithm::Sha256),
                key.thumbprint(ostium_jose::HashAlgorithm::Sha256)
            );
        }
    }
}

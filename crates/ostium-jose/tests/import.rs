//! Key import from PKCS#8 / SPKI (DER and PEM) made by OpenSSL, export of the public JWK, and
//! generation from the injected randomness.

// Test helpers outside #[test] functions may unwrap: a failure is a failing test.
#![allow(clippy::unwrap_used, clippy::indexing_slicing, clippy::panic)]

use ostium_jose::{
    Algorithm, HashAlgorithm, Jwk, JwsVerifier, KeyError, KeyType, Signer, SigningHeader,
};
use ostium_rand::{RandomFailure, SecureRng};
use ostium_testkit::SeededRng;

fn data(name: &str) -> Vec<u8> {
    std::fs::read(format!("{}/tests/data/{name}", env!("CARGO_MANIFEST_DIR"))).unwrap()
}

fn pem(name: &str) -> String {
    String::from_utf8(data(name)).unwrap()
}

#[test]
fn openssl_keys_import_sign_and_verify_with_their_public_halves() {
    for (name, alg, kty) in [
        ("rsa2048", Algorithm::Ps256, KeyType::Rsa),
        ("p256", Algorithm::Es256, KeyType::Ec),
        ("p384", Algorithm::Es384, KeyType::Ec),
        ("ed25519", Algorithm::EdDsa, KeyType::Okp),
    ] {
        let private =
            Jwk::from_pem(&pem(&format!("{name}.pem"))).unwrap_or_else(|e| panic!("{name}: {e}"));
        let public = Jwk::from_pem(&pem(&format!("{name}.pub.pem")))
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(private.key_type(), kty);
        assert!(private.is_private() && !public.is_private());
        assert_eq!(private.to_public().unwrap(), public, "{name}");
        let private = if private.bound_algorithm().is_none() {
            private.with_algorithm(alg).unwrap()
        } else {
            private
        };
        let token = Signer::new(&private, &SigningHeader::new(alg))
            .unwrap()
            .sign(b"payload")
            .unwrap();
        let verified = JwsVerifier::new(&public, alg)
            .verify_compact(&token)
            .unwrap();
        assert_eq!(verified.payload(), b"payload");
        // The JWK form survives a round trip, private members included.
        assert_eq!(Jwk::from_json(&private.to_json()).unwrap(), private);
    }
}

#[test]
fn der_and_pem_forms_agree() {
    let from_der = Jwk::from_pkcs8_der(&data("p256.pk8.der")).unwrap();
    let from_pem = Jwk::from_pem(&pem("p256.pem")).unwrap();
    assert_eq!(from_der, from_pem);
    let spki = Jwk::from_spki_der(&data("p256.spki.der")).unwrap();
    assert_eq!(spki, from_der.to_public().unwrap());
    assert_eq!(
        spki.thumbprint(HashAlgorithm::Sha256),
        from_der.thumbprint(HashAlgorithm::Sha256)
    );
}

#[test]
fn malformed_containers_are_refused() {
    let mut der = data("p256.pk8.der");
    assert!(Jwk::from_spki_der(&der).is_err(), "a PKCS#8 is not an SPKI");
    assert!(
        Jwk::from_pkcs8_der(&data("p256.spki.der")).is_err(),
        "an SPKI is not a PKCS#8"
    );
    der.push(0);
    assert!(matches!(Jwk::from_pkcs8_der(&der), Err(KeyError::Der(_))));
    // A flipped bit in the private scalar no longer matches the public point.
    let mut der = data("p256.pk8.der");
    der[40] ^= 1;
    assert!(Jwk::from_pkcs8_der(&der).is_err());
    assert!(
        Jwk::from_pem("-----BEGIN RSA PRIVATE KEY-----\nAAAA\n-----END RSA PRIVATE KEY-----")
            .is_err()
    );
    assert!(Jwk::from_pem(&pem("p256.pem").replace("PRIVATE KEY", "PUBLIC KEY")).is_err());
}

#[test]
fn symmetric_keys_have_no_public_form() {
    let key = Jwk::generate(Algorithm::Hs256, &mut SeededRng::new(5)).unwrap();
    assert!(key.to_public().is_err());
}

struct Exhausted;

impl SecureRng for Exhausted {
    fn fill(&mut self, _: &mut [u8]) -> Result<(), RandomFailure> {
        Err(RandomFailure)
    }
}

#[test]
fn generation_draws_from_the_injected_generator() {
    for alg in [
        Algorithm::Hs384,
        Algorithm::Es256,
        Algorithm::Es384,
        Algorithm::EdDsa,
    ] {
        assert_eq!(Jwk::generate(alg, &mut Exhausted), Err(KeyError::Random));
        let a = Jwk::generate(alg, &mut SeededRng::new(9)).unwrap();
        assert_eq!(a, Jwk::generate(alg, &mut SeededRng::new(9)).unwrap());
        let token = Signer::new(&a, &SigningHeader::new(alg))
            .unwrap()
            .sign(b"x")
            .unwrap();
        let public = if a.is_symmetric() {
            a.clone()
        } else {
            a.to_public().unwrap()
        };
        assert!(
            JwsVerifier::new(&public, alg)
                .verify_compact(&token)
                .is_ok()
        );
    }
}

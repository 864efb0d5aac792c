//! JWT claims parsing and validation (RFC 7519 §4.1, §7.2) on validly signed tokens: the fuzzer
//! controls the payload and the policy's clock, this target signs, so every input reaches the
//! claims code. Never panics; whatever validates satisfies the policy. The payload is also fed to
//! the differential checks of the JSON fast paths (whatever the hand-written scanner reads as claims
//! or as a header, the serde path reads identically; whatever `VerifiedJwt::claims` reads into a
//! claims type, serde_json reads identically; what `Signer::sign_json` writes is what serde_json
//! writes).
#![no_main]

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use ostium_jose::{Algorithm, Claim, Jwk, Signer, SigningHeader, Typ, Validation};

fn key() -> &'static Jwk {
    static KEY: OnceLock<Jwk> = OnceLock::new();
    KEY.get_or_init(|| Jwk::from_symmetric_key(&[7u8; 32], Algorithm::Hs256).expect("fixed key"))
}

fuzz_target!(|data: &[u8]| {
    let Some((clock, payload)) = data.split_first_chunk::<8>() else {
        return;
    };
    if let Ok(json) = std::str::from_utf8(payload) {
        ostium_jose::fuzzing::check_json_fast_paths(json);
        ostium_jose::fuzzing::check_claims_deserializer(json);
        ostium_jose::fuzzing::check_claims_serializer(json);
    }
    let now_seconds = i64::from_le_bytes(*clock) % 253_402_300_799;
    let Ok(now) = time::OffsetDateTime::from_unix_timestamp(now_seconds) else {
        return;
    };
    let key = key();
    let Ok(signer) = Signer::new(key, &SigningHeader::new(Algorithm::Hs256).typ("at+jwt")) else {
        return;
    };
    let Ok(token) = signer.sign(payload) else {
        return;
    };
    let policy = Validation::new(Typ::AccessToken, Algorithm::Hs256)
        .issuer("https://as.example")
        .audience("https://rs.example")
        .require(Claim::Sub)
        .leeway(time::Duration::seconds(30))
        .max_age(time::Duration::hours(1));
    if let Ok(jwt) = policy.verify(&token, key, now) {
        assert_eq!(jwt.issuer(), Some("https://as.example"));
        assert!(jwt.audiences().any(|aud| aud == "https://rs.example"));
        assert!(jwt.subject().is_some());
        let exp = jwt.expires_at().expect("exp is required").unix();
        assert!(now_seconds < exp + 30);
        let _ = jwt.payload().len();
    }
    let lenient = Validation::new(Typ::AccessToken, Algorithm::Hs256)
        .do_not_require(Claim::Exp)
        .danger_accept_any_audience();
    if let Ok(jwt) = lenient.verify(&token, key, now) {
        let _ = (
            jwt.jwt_id(),
            jwt.not_before(),
            jwt.issued_at(),
            jwt.audiences().count(),
        );
    }
});

//! Interop: tokens made by the `jsonwebtoken` crate (version 9) verify with ostium-jose, and
//! tokens made by ostium-jose verify with `jsonwebtoken`, for every algorithm both support
//! (HS256/384/512, RS256/384/512, PS256/384/512, ES256, ES384, EdDSA).

// Test helpers outside #[test] functions may unwrap: a failure is a failing test.
#![allow(clippy::unwrap_used, clippy::indexing_slicing, clippy::panic)]

use jsonwebtoken::{DecodingKey, EncodingKey, Header, Validation as JwtValidation, decode, encode};
use ostium_jose::{Algorithm, Jwk, Kid, Signer, SigningHeader, Typ, Validation};
use ostium_testkit::SeededRng;
use serde::{Deserialize, Serialize};

const ISSUER: &str = "https://op.example";
const AUDIENCE: &str = "client-1";

#[derive(Debug, PartialEq, Serialize, Deserialize)]
struct Claims {
    iss: String,
    sub: String,
    aud: String,
    exp: i64,
    iat: i64,
    nonce: String,
}

fn claims() -> Claims {
    Claims {
        iss: ISSUER.to_owned(),
        sub: "alice".to_owned(),
        aud: AUDIENCE.to_owned(),
        // jsonwebtoken reads the system clock; ostium-jose is given `now` below.
        exp: 4_102_444_800,
        iat: 1_767_225_600,
        nonce: "n-0S6_WzA2Mj".to_owned(),
    }
}

fn key_file(name: &str) -> String {
    std::fs::read_to_string(format!(
        "{}/../crates/ostium-jose/tests/data/{name}",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap()
}

struct Pair {
    ours: Jwk,
    encoding: EncodingKey,
    decoding: DecodingKey,
    theirs: jsonwebtoken::Algorithm,
}

fn pair(alg: Algorithm) -> Pair {
    use jsonwebtoken::Algorithm as J;
    let theirs = match alg {
        Algorithm::Hs256 => J::HS256,
        Algorithm::Hs384 => J::HS384,
        Algorithm::Hs512 => J::HS512,
        Algorithm::Rs256 => J::RS256,
        Algorithm::Rs384 => J::RS384,
        Algorithm::Rs512 => J::RS512,
        Algorithm::Ps256 => J::PS256,
        Algorithm::Ps384 => J::PS384,
        Algorithm::Ps512 => J::PS512,
        Algorithm::Es256 => J::ES256,
        Algorithm::Es384 => J::ES384,
        _ => J::EdDSA,
    };
    if alg.is_symmetric() {
        // A key generated from the injected randomness, shared with jsonwebtoken as raw bytes.
        let ours = Jwk::generate(alg, &mut SeededRng::new(11)).unwrap();
        let json: serde_json::Value = serde_json::from_str(&ours.to_json()).unwrap();
        let secret = jsonwebtoken::DecodingKey::from_base64_secret(&to_standard_base64(
            json["k"].as_str().unwrap(),
        ))
        .unwrap();
        let encoding =
            EncodingKey::from_base64_secret(&to_standard_base64(json["k"].as_str().unwrap()))
                .unwrap();
        return Pair {
            ours,
            encoding,
            decoding: secret,
            theirs,
        };
    }
    let file = match alg.key_family() {
        ostium_jose::KeyFamily::Rsa => "rsa2048.pem",
        ostium_jose::KeyFamily::EcP256 => "p256.pem",
        ostium_jose::KeyFamily::EcP384 => "p384.pem",
        _ => "ed25519.pem",
    };
    let pem = key_file(file);
    let mut ours = Jwk::from_pem(&pem).unwrap();
    if ours.bound_algorithm().is_none() {
        ours = ours.with_algorithm(alg).unwrap();
    }
    let public: serde_json::Value =
        serde_json::from_str(&ours.to_public().unwrap().to_json()).unwrap();
    let field = |name: &str| public[name].as_str().unwrap().to_owned();
    let (encoding, decoding) = match alg.key_family() {
        ostium_jose::KeyFamily::Rsa => (
            EncodingKey::from_rsa_pem(pem.as_bytes()).unwrap(),
            DecodingKey::from_rsa_components(&field("n"), &field("e")).unwrap(),
        ),
        ostium_jose::KeyFamily::EcP256 | ostium_jose::KeyFamily::EcP384 => (
            EncodingKey::from_ec_pem(pem.as_bytes()).unwrap(),
            DecodingKey::from_ec_components(&field("x"), &field("y")).unwrap(),
        ),
        _ => (
            EncodingKey::from_ed_pem(pem.as_bytes()).unwrap(),
            DecodingKey::from_ed_components(&field("x")).unwrap(),
        ),
    };
    Pair {
        ours,
        encoding,
        decoding,
        theirs,
    }
}

fn to_standard_base64(url: &str) -> String {
    let mut s = url.replace('-', "+").replace('_', "/");
    while !s.len().is_multiple_of(4) {
        s.push('=');
    }
    s
}

fn policy(alg: Algorithm) -> Validation {
    Validation::new(Typ::Jwt, alg)
        .issuer(ISSUER)
        .audience(AUDIENCE)
}

fn their_validation(alg: jsonwebtoken::Algorithm) -> JwtValidation {
    let mut validation = JwtValidation::new(alg);
    validation.set_issuer(&[ISSUER]);
    validation.set_audience(&[AUDIENCE]);
    validation
}

fn verifying_key(pair: &Pair) -> Jwk {
    if pair.ours.is_symmetric() {
        pair.ours.clone()
    } else {
        pair.ours.to_public().unwrap()
    }
}

#[test]
fn jsonwebtoken_tokens_verify_with_ostium_jose() {
    let now = ostium_testkit::FixedClock::default().now();
    for alg in Algorithm::ALL {
        let pair = pair(alg);
        let mut header = Header::new(pair.theirs);
        header.kid = Some("k1".to_owned());
        let token = encode(&header, &claims(), &pair.encoding).unwrap();
        let jwt = policy(alg)
            .verify(&token, &verifying_key(&pair), now)
            .unwrap_or_else(|e| panic!("{alg}: {e}"));
        assert_eq!(jwt.claims::<Claims>().unwrap(), claims(), "{alg}");
        assert_eq!(jwt.header().kid(), Some("k1"));
        // Tampered: one claim changed, signature kept.
        let (_, rest) = token.split_once('.').unwrap();
        let (_, sig) = rest.split_once('.').unwrap();
        let forged = format!(
            "{}.{}.{sig}",
            token.split('.').next().unwrap(),
            to_url(
                &serde_json::to_vec(&Claims {
                    sub: "mallory".into(),
                    ..claims()
                })
                .unwrap()
            )
        );
        assert!(
            policy(alg)
                .verify(&forged, &verifying_key(&pair), now)
                .is_err(),
            "{alg}"
        );
    }
}

fn to_url(bytes: &[u8]) -> String {
    use base64_free::encode_url;
    encode_url(bytes)
}

/// A tiny base64url encoder, so this test depends on nothing but the two libraries compared.
mod base64_free {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

    pub(super) fn encode_url(bytes: &[u8]) -> String {
        let mut out = String::new();
        for chunk in bytes.chunks(3) {
            let n =
                chunk.iter().fold(0u32, |n, b| (n << 8) | u32::from(*b)) << (8 * (3 - chunk.len()));
            for i in 0..=chunk.len() {
                out.push(char::from(ALPHABET[((n >> (18 - 6 * i)) & 63) as usize]));
            }
        }
        out
    }
}

#[test]
fn ostium_jose_tokens_verify_with_jsonwebtoken() {
    for alg in Algorithm::ALL {
        let pair = pair(alg);
        let header = SigningHeader::new(alg)
            .typ("JWT")
            .kid(Kid::new("k1").unwrap());
        let token = Signer::new(&pair.ours, &header)
            .unwrap()
            .sign_json(&claims())
            .unwrap();
        let data = decode::<Claims>(&token, &pair.decoding, &their_validation(pair.theirs))
            .unwrap_or_else(|e| panic!("{alg}: {e}"));
        assert_eq!(data.claims, claims(), "{alg}");
        assert_eq!(data.header.kid.as_deref(), Some("k1"));
        assert_eq!(data.header.typ.as_deref(), Some("JWT"));
    }
}

#[test]
fn the_two_libraries_agree_on_a_wrong_key() {
    let now = ostium_testkit::FixedClock::default().now();
    let a = pair(Algorithm::Es256);
    let other = Jwk::generate(Algorithm::Es256, &mut SeededRng::new(99))
        .unwrap()
        .to_public()
        .unwrap();
    let token = encode(&Header::new(a.theirs), &claims(), &a.encoding).unwrap();
    assert!(
        policy(Algorithm::Es256)
            .verify(&token, &other, now)
            .is_err()
    );
    let ours = Signer::new(
        &Jwk::generate(Algorithm::Es256, &mut SeededRng::new(99)).unwrap(),
        &SigningHeader::new(Algorithm::Es256),
    )
    .unwrap()
    .sign_json(&claims())
    .unwrap();
    assert!(decode::<Claims>(&ours, &a.decoding, &their_validation(a.theirs)).is_err());
}

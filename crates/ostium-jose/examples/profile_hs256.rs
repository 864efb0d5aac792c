//! A loop for instruction-level profiling of the fixed per-token cost (the HS256 path):
//!
//! ```text
//! cargo build --release -p ostium-jose --example profile_hs256
//! valgrind --tool=callgrind target/release/examples/profile_hs256 verify 1000
//! ```
//!
//! Modes: `raw-verify`, `raw-sign` (bare ring HMAC over the same signing input), `verify`
//! (verify+validate, registered claims only), `claims` (plus the borrowing claims struct),
//! `sign` (`Signer::sign_json`), and `jsonwebtoken` / `jsonwebtoken-sign` (jsonwebtoken 9). The token is the benchmark's (`benches/jose.rs`). Instruction
//! counts are stable where wall time on a shared machine is not: divide the difference between
//! two counts of N by N.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

use std::hint::black_box;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use ostium_jose::{Algorithm, Jwk, Kid, Signer, SigningHeader, Typ, Validation};
use serde::{Deserialize, Serialize};

/// The claims of the benchmark's ID token.
#[derive(Serialize, Deserialize)]
struct IdToken<'a> {
    iss: &'a str,
    sub: &'a str,
    aud: &'a str,
    nonce: &'a str,
    auth_time: i64,
    iat: i64,
    exp: i64,
    name: &'a str,
    given_name: &'a str,
    family_name: &'a str,
    email: &'a str,
    email_verified: bool,
    picture: &'a str,
    at_hash: &'a str,
}

/// The same claims, owned (jsonwebtoken 9 needs `DeserializeOwned`).
#[derive(Deserialize)]
#[allow(dead_code)]
struct OwnedIdToken {
    iss: String,
    sub: String,
    aud: String,
    nonce: String,
    auth_time: i64,
    iat: i64,
    exp: i64,
    name: String,
    given_name: String,
    family_name: String,
    email: String,
    email_verified: bool,
    picture: String,
    at_hash: String,
}

fn claims() -> IdToken<'static> {
    IdToken {
        iss: "https://accounts.example.com",
        sub: "248289761001",
        aud: "s6BhdRkqt3",
        nonce: "n-0S6_WzA2Mj",
        auth_time: 1_767_225_000,
        iat: 1_767_225_600,
        exp: 4_102_444_800,
        name: "Jane Doe",
        given_name: "Jane",
        family_name: "Doe",
        email: "janedoe@example.com",
        email_verified: true,
        picture: "https://example.com/janedoe/me.jpg",
        at_hash: "77QmUPtjPfzWtF2AnpK9RQ",
    }
}

fn main() {
    let mut args = std::env::args().skip(1);
    let mode = args.next().unwrap_or_else(|| "verify".to_owned());
    let n: usize = args.next().map_or(1000, |n| n.parse().unwrap());
    const SECRET: &[u8] = b"a 256-bit secret for the HS256 benchmark";
    let key = Jwk::from_symmetric_key(SECRET, Algorithm::Hs256)
        .unwrap()
        .with_kid(Kid::new("2026-01").unwrap());
    let header = SigningHeader::new(Algorithm::Hs256)
        .typ("JWT")
        .kid(Kid::new("2026-01").unwrap());
    let signer = Signer::new(&key, &header).unwrap();
    let token = signer.sign_json(&claims()).unwrap();
    let (input, signature) = token.rsplit_once('.').unwrap();
    let signature = URL_SAFE_NO_PAD.decode(signature).unwrap();
    let raw = ring::hmac::Key::new(ring::hmac::HMAC_SHA256, SECRET);
    let policy = Validation::new(Typ::Jwt, Algorithm::Hs256)
        .issuer("https://accounts.example.com")
        .audience("s6BhdRkqt3");
    let now = time::OffsetDateTime::from_unix_timestamp(1_767_225_700).unwrap();
    let jwt_key = jsonwebtoken::DecodingKey::from_secret(SECRET);
    let jwt_signing_key = jsonwebtoken::EncodingKey::from_secret(SECRET);
    let mut jwt_header = jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS256);
    jwt_header.kid = Some("2026-01".to_owned());
    let mut jwt_policy = jsonwebtoken::Validation::new(jsonwebtoken::Algorithm::HS256);
    jwt_policy.set_issuer(&["https://accounts.example.com"]);
    jwt_policy.set_audience(&["s6BhdRkqt3"]);
    jwt_policy.leeway = 0;
    let mut total = 0usize;
    for _ in 0..n {
        total += match mode.as_str() {
            "raw-verify" => usize::from(
                ring::hmac::verify(&raw, black_box(input.as_bytes()), &signature).is_ok(),
            ),
            "raw-sign" => ring::hmac::sign(&raw, black_box(input.as_bytes()))
                .as_ref()
                .len(),
            "verify" => policy
                .verify(black_box(&token), &key, now)
                .unwrap()
                .payload()
                .len(),
            "claims" => {
                let jwt = policy.verify(black_box(&token), &key, now).unwrap();
                let claims: IdToken<'_> = jwt.claims().unwrap();
                claims.nonce.len()
            }
            "sign" => signer.sign_json(black_box(&claims())).unwrap().len(),
            "jsonwebtoken" => {
                let data =
                    jsonwebtoken::decode::<OwnedIdToken>(black_box(&token), &jwt_key, &jwt_policy)
                        .unwrap();
                data.claims.nonce.len()
            }
            "jsonwebtoken-sign" => {
                jsonwebtoken::encode(&jwt_header, black_box(&claims()), &jwt_signing_key)
                    .unwrap()
                    .len()
            }
            other => panic!("unknown mode {other}"),
        };
    }
    println!("{mode} x{n}: {total}");
}

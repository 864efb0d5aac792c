//! Signing and verify+validate of one typical ID token (~330-byte claims, header with `kid`) for
//! HS256, RS256, PS256, ES256, ES384 and EdDSA, beside the raw ring operation on the same signing
//! input (the baseline) and the `jsonwebtoken` 9 crate (which also uses ring 0.17), in one run.
//! Also counts heap allocations per verification. Results and ratios: `docs/performance.md`.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    missing_docs
)]

use std::alloc::System;
use std::hint::black_box;
use std::time::Duration;

use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use criterion::{Criterion, criterion_group, criterion_main};
use ostium_jose::{Algorithm, Jwk, Kid, Signer, SigningHeader, Typ, Validation};
use ostium_testkit::FixedClock;
use ring::signature::{self, KeyPair as _};
use serde::{Deserialize, Serialize};
use stats_alloc::{INSTRUMENTED_SYSTEM, Region, StatsAlloc};

#[global_allocator]
static GLOBAL: &StatsAlloc<System> = &INSTRUMENTED_SYSTEM;

const ISSUER: &str = "https://accounts.example.com";
const CLIENT: &str = "s6BhdRkqt3";
const KID: &str = "2026-01";

/// The claims of a typical OpenID Connect ID token (borrowing, as ostium-jose allows).
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
#[derive(Serialize, Deserialize)]
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
        iss: ISSUER,
        sub: "248289761001",
        aud: CLIENT,
        nonce: "n-0S6_WzA2Mj",
        auth_time: 1_767_225_000,
        iat: 1_767_225_600,
        // Far ahead: jsonwebtoken reads the system clock, ostium-jose takes `now`.
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

fn data(name: &str) -> String {
    std::fs::read_to_string(format!("{}/tests/data/{name}", env!("CARGO_MANIFEST_DIR"))).unwrap()
}

fn pem_der(pem: &str) -> Vec<u8> {
    let body: String = pem.lines().filter(|l| !l.starts_with("-----")).collect();
    STANDARD.decode(body).unwrap()
}

fn b64(value: &serde_json::Value) -> Vec<u8> {
    URL_SAFE_NO_PAD.decode(value.as_str().unwrap()).unwrap()
}

#[allow(clippy::disallowed_methods)] // The raw ring baseline needs ring's own generator.
fn system_random() -> ring::rand::SystemRandom {
    ring::rand::SystemRandom::new()
}

/// The raw ring baseline for one algorithm.
enum Raw {
    Hmac(ring::hmac::Key),
    Rsa(
        ring::rsa::KeyPair,
        ring::rsa::PublicKeyComponents<Vec<u8>>,
        &'static dyn signature::RsaEncoding,
        &'static signature::RsaParameters,
    ),
    Ec(
        signature::EcdsaKeyPair,
        signature::UnparsedPublicKey<Vec<u8>>,
    ),
    Ed(
        signature::Ed25519KeyPair,
        signature::UnparsedPublicKey<Vec<u8>>,
    ),
}

impl Raw {
    fn sign(&self, input: &[u8]) -> Vec<u8> {
        match self {
            Raw::Hmac(key) => ring::hmac::sign(key, input).as_ref().to_vec(),
            Raw::Rsa(pair, _, encoding, _) => {
                let mut sig = vec![0; pair.public().modulus_len()];
                pair.sign(*encoding, &system_random(), input, &mut sig)
                    .unwrap();
                sig
            }
            Raw::Ec(pair, _) => pair
                .sign(&system_random(), input)
                .unwrap()
                .as_ref()
                .to_vec(),
            Raw::Ed(pair, _) => pair.sign(input).as_ref().to_vec(),
        }
    }

    fn verify(&self, input: &[u8], sig: &[u8]) -> bool {
        match self {
            Raw::Hmac(key) => ring::hmac::verify(key, input, sig).is_ok(),
            Raw::Rsa(_, public, _, params) => public.verify(params, input, sig).is_ok(),
            Raw::Ec(_, public) => public.verify(input, sig).is_ok(),
            Raw::Ed(_, public) => public.verify(input, sig).is_ok(),
        }
    }
}

struct Case {
    alg: Algorithm,
    private: Jwk,
    public: Jwk,
    raw: Raw,
    jwt_alg: jsonwebtoken::Algorithm,
    jwt_encoding: jsonwebtoken::EncodingKey,
    jwt_decoding: jsonwebtoken::DecodingKey,
}

fn case(alg: Algorithm) -> Case {
    const SECRET: &[u8] = b"a 256-bit secret for the HS256 benchmark";
    let (pem, jwt_alg) = match alg {
        Algorithm::Hs256 => (None, jsonwebtoken::Algorithm::HS256),
        Algorithm::Rs256 => (Some("rsa2048.pem"), jsonwebtoken::Algorithm::RS256),
        Algorithm::Ps256 => (Some("rsa2048.pem"), jsonwebtoken::Algorithm::PS256),
        Algorithm::Es256 => (Some("p256.pem"), jsonwebtoken::Algorithm::ES256),
        Algorithm::Es384 => (Some("p384.pem"), jsonwebtoken::Algorithm::ES384),
        _ => (Some("ed25519.pem"), jsonwebtoken::Algorithm::EdDSA),
    };
    let kid = Kid::new(KID).unwrap();
    let Some(pem) = pem else {
        let key = Jwk::from_symmetric_key(SECRET, alg).unwrap().with_kid(kid);
        return Case {
            alg,
            public: key.clone(),
            private: key,
            raw: Raw::Hmac(ring::hmac::Key::new(ring::hmac::HMAC_SHA256, SECRET)),
            jwt_alg,
            jwt_encoding: jsonwebtoken::EncodingKey::from_secret(SECRET),
            jwt_decoding: jsonwebtoken::DecodingKey::from_secret(SECRET),
        };
    };
    let text = data(pem);
    let der = pem_der(&text);
    let private = Jwk::from_pem(&text).unwrap().with_kid(kid);
    let private = if private.bound_algorithm().is_none() {
        private.with_algorithm(alg).unwrap()
    } else {
        private
    };
    let public = private.to_public().unwrap();
    let json: serde_json::Value = serde_json::from_str(&public.to_json()).unwrap();
    let field = |name: &str| json[name].as_str().unwrap().to_owned();
    let (raw, jwt_encoding, jwt_decoding) = match alg {
        Algorithm::Rs256 | Algorithm::Ps256 => {
            let (encoding, params): (
                &'static dyn signature::RsaEncoding,
                &'static signature::RsaParameters,
            ) = if alg == Algorithm::Rs256 {
                (
                    &signature::RSA_PKCS1_SHA256,
                    &signature::RSA_PKCS1_2048_8192_SHA256,
                )
            } else {
                (
                    &signature::RSA_PSS_SHA256,
                    &signature::RSA_PSS_2048_8192_SHA256,
                )
            };
            let public = ring::rsa::PublicKeyComponents {
                n: b64(&json["n"]),
                e: b64(&json["e"]),
            };
            (
                Raw::Rsa(
                    ring::rsa::KeyPair::from_pkcs8(&der).unwrap(),
                    public,
                    encoding,
                    params,
                ),
                jsonwebtoken::EncodingKey::from_rsa_pem(text.as_bytes()).unwrap(),
                jsonwebtoken::DecodingKey::from_rsa_components(&field("n"), &field("e")).unwrap(),
            )
        }
        Algorithm::Es256 | Algorithm::Es384 => {
            let (signing, verification) = if alg == Algorithm::Es256 {
                (
                    &signature::ECDSA_P256_SHA256_FIXED_SIGNING,
                    &signature::ECDSA_P256_SHA256_FIXED,
                )
            } else {
                (
                    &signature::ECDSA_P384_SHA384_FIXED_SIGNING,
                    &signature::ECDSA_P384_SHA384_FIXED,
                )
            };
            let pair =
                signature::EcdsaKeyPair::from_pkcs8(signing, &der, &system_random()).unwrap();
            let point = pair.public_key().as_ref().to_vec();
            (
                Raw::Ec(pair, signature::UnparsedPublicKey::new(verification, point)),
                jsonwebtoken::EncodingKey::from_ec_pem(text.as_bytes()).unwrap(),
                jsonwebtoken::DecodingKey::from_ec_components(&field("x"), &field("y")).unwrap(),
            )
        }
        _ => {
            let pair = signature::Ed25519KeyPair::from_pkcs8_maybe_unchecked(&der).unwrap();
            let x = pair.public_key().as_ref().to_vec();
            (
                Raw::Ed(
                    pair,
                    signature::UnparsedPublicKey::new(&signature::ED25519, x),
                ),
                jsonwebtoken::EncodingKey::from_ed_pem(text.as_bytes()).unwrap(),
                jsonwebtoken::DecodingKey::from_ed_components(&field("x")).unwrap(),
            )
        }
    };
    Case {
        alg,
        private,
        public,
        raw,
        jwt_alg,
        jwt_encoding,
        jwt_decoding,
    }
}

const ALGORITHMS: [Algorithm; 6] = [
    Algorithm::Hs256,
    Algorithm::Rs256,
    Algorithm::Ps256,
    Algorithm::Es256,
    Algorithm::Es384,
    Algorithm::EdDsa,
];

fn policy(alg: Algorithm) -> Validation {
    Validation::new(Typ::Jwt, alg)
        .issuer(ISSUER)
        .audience(CLIENT)
}

fn jwt_validation(alg: jsonwebtoken::Algorithm) -> jsonwebtoken::Validation {
    let mut validation = jsonwebtoken::Validation::new(alg);
    validation.set_issuer(&[ISSUER]);
    validation.set_audience(&[CLIENT]);
    validation.leeway = 0;
    validation
}

/// ostium-jose's verify + validate + claims, as the benchmark measures it.
fn ostium_verify(
    case: &Case,
    policy: &Validation,
    token: &str,
    now: time::OffsetDateTime,
) -> usize {
    let jwt = policy.verify(token, &case.public, now).unwrap();
    let claims: IdToken<'_> = jwt.claims().unwrap();
    claims.nonce.len()
}

fn jsonwebtoken_verify(case: &Case, validation: &jsonwebtoken::Validation, token: &str) -> usize {
    let data = jsonwebtoken::decode::<OwnedIdToken>(token, &case.jwt_decoding, validation).unwrap();
    data.claims.nonce.len()
}

/// Interleaved timing, robust to a shared machine's changing load: each round times a batch of
/// `a` and a batch of `b` back to back (alternating which goes first), and the median of the
/// per-round ratios is reported. Criterion's absolute numbers drift with load; these ratios do
/// not.
#[allow(clippy::disallowed_methods)] // A benchmark harness measures wall time by design.
fn paired(mut a: impl FnMut(), mut b: impl FnMut()) -> (f64, f64, f64) {
    use std::time::Instant;
    let once = |f: &mut dyn FnMut()| {
        let start = Instant::now();
        f();
        start.elapsed().as_nanos().max(1) as f64
    };
    let per_call = once(&mut a).max(once(&mut b));
    let batch = ((2_000_000.0 / per_call) as usize).clamp(1, 20_000);
    let mut rounds = Vec::new();
    for round in 0..41 {
        let time = |f: &mut dyn FnMut()| {
            let start = Instant::now();
            for _ in 0..batch {
                f();
            }
            start.elapsed().as_nanos() as f64 / batch as f64
        };
        let (ta, tb) = if round % 2 == 0 {
            let ta = time(&mut a);
            (ta, time(&mut b))
        } else {
            let tb = time(&mut b);
            (time(&mut a), tb)
        };
        rounds.push((ta, tb, tb / ta));
    }
    let median = |mut v: Vec<f64>| {
        v.sort_by(f64::total_cmp);
        v[v.len() / 2]
    };
    (
        median(rounds.iter().map(|r| r.0).collect()),
        median(rounds.iter().map(|r| r.1).collect()),
        median(rounds.iter().map(|r| r.2).collect()),
    )
}

fn count_allocations(f: impl FnOnce() -> usize) -> (usize, usize) {
    let region = Region::new(GLOBAL);
    black_box(f());
    let stats = region.change();
    (stats.allocations, stats.bytes_allocated)
}

fn jose(c: &mut Criterion) {
    let now = FixedClock::default().now();
    let header_for = |case: &Case| {
        SigningHeader::new(case.alg)
            .typ("JWT")
            .kid(Kid::new(KID).unwrap())
    };
    println!(
        "claims JSON: {} bytes",
        serde_json::to_vec(&claims()).unwrap().len()
    );
    // `JOSE_BENCH_ONLY=HS256,ES256` restricts the run to some algorithms; a criterion filter that
    // matches nothing (`cargo bench -p ostium-jose -- paired-only`) keeps only the paired ratios.
    let only = std::env::var("JOSE_BENCH_ONLY").ok();
    for alg in ALGORITHMS {
        if only
            .as_deref()
            .is_some_and(|only| !only.split(',').any(|name| name == alg.name()))
        {
            continue;
        }
        let case = case(alg);
        let signer = Signer::new(&case.private, &header_for(&case)).unwrap();
        let token = signer.sign_json(&claims()).unwrap();
        let (input, sig) = token.rsplit_once('.').unwrap();
        let signature = URL_SAFE_NO_PAD.decode(sig).unwrap();
        assert!(case.raw.verify(input.as_bytes(), &signature));
        let policy = policy(alg);
        let validation = jwt_validation(case.jwt_alg);
        let mut jwt_header = jsonwebtoken::Header::new(case.jwt_alg);
        jwt_header.kid = Some(KID.to_owned());
        // Both libraries read each other's tokens (checked in tests/ too).
        let theirs = jsonwebtoken::encode(&jwt_header, &claims(), &case.jwt_encoding).unwrap();
        assert!(ostium_verify(&case, &policy, &theirs, now) > 0);
        assert!(jsonwebtoken_verify(&case, &validation, &token) > 0);

        let (ours, ours_bytes) = count_allocations(|| ostium_verify(&case, &policy, &token, now));
        let (registered, _) = count_allocations(|| {
            policy
                .verify(&token, &case.public, now)
                .unwrap()
                .payload()
                .len()
        });
        let (jwt, jwt_bytes) =
            count_allocations(|| jsonwebtoken_verify(&case, &validation, &token));
        let (raw, _) =
            count_allocations(|| usize::from(case.raw.verify(input.as_bytes(), &signature)));
        println!(
            "allocations per verify {alg}: raw ring {raw}, ostium-jose {ours} ({ours_bytes} B; {registered} without the claims struct), jsonwebtoken {jwt} ({jwt_bytes} B); token {} bytes",
            token.len()
        );

        let raw_sign = || {
            black_box(case.raw.sign(black_box(input.as_bytes())));
        };
        let raw_verify = || {
            assert!(
                case.raw
                    .verify(black_box(input.as_bytes()), black_box(&signature))
            )
        };
        let ours_sign = || {
            black_box(signer.sign_json(black_box(&claims())).unwrap());
        };
        let theirs_sign = || {
            black_box(
                jsonwebtoken::encode(&jwt_header, black_box(&claims()), &case.jwt_encoding)
                    .unwrap(),
            );
        };
        let ours_verify = || {
            black_box(ostium_verify(&case, &policy, black_box(&token), now));
        };
        let ours_registered = || {
            black_box(policy.verify(black_box(&token), &case.public, now).unwrap());
        };
        let theirs_verify = || {
            black_box(jsonwebtoken_verify(&case, &validation, black_box(&token)));
        };
        let (r, o, ratio_sign) = paired(raw_sign, ours_sign);
        let (_, j, ratio_sign_jwt) = paired(raw_sign, theirs_sign);
        println!(
            "paired {alg} sign: raw {r:.0} ns, ostium-jose {o:.0} ns ({ratio_sign:.3}x), jsonwebtoken {j:.0} ns ({ratio_sign_jwt:.3}x)"
        );
        let (r, o, ratio_verify) = paired(raw_verify, ours_verify);
        let (_, g, ratio_registered) = paired(raw_verify, ours_registered);
        let (_, j, ratio_verify_jwt) = paired(raw_verify, theirs_verify);
        let (_, _, jwt_over_ours) = paired(ours_verify, theirs_verify);
        println!(
            "paired {alg} verify+validate: raw {r:.0} ns, ostium-jose {o:.0} ns ({ratio_verify:.3}x; registered claims only {g:.0} ns, {ratio_registered:.3}x), jsonwebtoken {j:.0} ns ({ratio_verify_jwt:.3}x); jsonwebtoken / ostium-jose {jwt_over_ours:.2}"
        );

        let mut group = c.benchmark_group(alg.name());
        group.bench_function("sign/raw_ring", |b| {
            b.iter(|| case.raw.sign(black_box(input.as_bytes())))
        });
        group.bench_function("sign/ostium_jose", |b| {
            b.iter(|| signer.sign_json(black_box(&claims())).unwrap())
        });
        group.bench_function("sign/jsonwebtoken", |b| {
            b.iter(|| {
                jsonwebtoken::encode(
                    black_box(&jwt_header),
                    black_box(&claims()),
                    &case.jwt_encoding,
                )
                .unwrap()
            })
        });
        group.bench_function("verify/raw_ring", |b| {
            b.iter(|| {
                assert!(
                    case.raw
                        .verify(black_box(input.as_bytes()), black_box(&signature))
                )
            })
        });
        group.bench_function("verify_validate/ostium_jose", |b| {
            b.iter(|| ostium_verify(&case, &policy, black_box(&token), now))
        });
        group.bench_function("verify_validate_registered_only/ostium_jose", |b| {
            b.iter(|| {
                policy
                    .verify(black_box(&token), &case.public, now)
                    .unwrap()
                    .payload()
                    .len()
            })
        });
        group.bench_function("verify_validate/jsonwebtoken", |b| {
            b.iter(|| jsonwebtoken_verify(&case, &validation, black_box(&token)))
        });
        group.finish();
    }
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .sample_size(30)
        .warm_up_time(Duration::from_millis(800))
        .measurement_time(Duration::from_secs(2));
    targets = jose
}
criterion_main!(benches);

//! S256 challenge + verify, beside a raw `ring::digest` SHA-256 + base64url baseline in the same
//! run. Results and ratios: `docs/performance.md`.

#![allow(clippy::unwrap_used, missing_docs)]

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use criterion::{Criterion, black_box, criterion_group, criterion_main};
use ostium_pkce::{CodeChallenge, CodeVerifier, verify_exchange};
use ring::digest::{SHA256, digest};

/// RFC 7636 Appendix B.
const VERIFIER: &str = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";

fn raw_challenge(verifier: &str) -> String {
    URL_SAFE_NO_PAD.encode(digest(&SHA256, verifier.as_bytes()))
}

fn s256(c: &mut Criterion) {
    let mut group = c.benchmark_group("pkce_s256");

    // What a client does: derive the challenge from the verifier.
    group.bench_function("challenge/raw_ring_base64", |b| {
        b.iter(|| raw_challenge(black_box(VERIFIER)))
    });
    let verifier = CodeVerifier::parse(VERIFIER).unwrap();
    group.bench_function("challenge/ostium_pkce", |b| {
        b.iter(|| CodeChallenge::s256(black_box(&verifier)))
    });

    // What a server does at the token endpoint, the challenge already bound to the code:
    // hash the presented verifier and compare.
    let expected = raw_challenge(VERIFIER);
    group.bench_function("verify/raw_ring_base64", |b| {
        b.iter(|| raw_challenge(black_box(VERIFIER)) == black_box(expected.as_str()))
    });
    let bound = CodeChallenge::parse(&expected, Some("S256")).unwrap();
    group.bench_function("verify/ostium_pkce", |b| {
        b.iter(|| verify_exchange(Some(black_box(&bound)), Some(black_box(VERIFIER))).is_ok())
    });

    // Both halves plus parsing the challenge parameter, end to end.
    group.bench_function("challenge_and_verify/raw_ring_base64", |b| {
        b.iter(|| {
            let challenge = raw_challenge(black_box(VERIFIER));
            raw_challenge(black_box(VERIFIER)) == challenge
        })
    });
    group.bench_function("challenge_and_verify/ostium_pkce", |b| {
        b.iter(|| {
            let verifier = CodeVerifier::parse(black_box(VERIFIER)).unwrap();
            let sent = CodeChallenge::s256(&verifier);
            let bound = CodeChallenge::parse(sent.as_str(), Some("S256")).unwrap();
            verify_exchange(Some(&bound), Some(black_box(VERIFIER))).is_ok()
        })
    });
    group.finish();
}

criterion_group!(benches, s256);
criterion_main!(benches);

//! Criterion benchmarks: parsing a typical token request and writing a token response, each
//! against a named baseline doing the bare minimum with the same libraries.
//!
//! - `token_request/ostium` parses an `authorization_code` request with `client_secret_basic` and
//!   PKCE: content type, strict form decoding, repeat check, Basic decoding, newtypes, verifier.
//!   Baseline `token_request/form_urlencoded_only`: `url::form_urlencoded::parse` of the same
//!   body into a `Vec<(String, String)>` (lossy decoding, no checks at all).
//! - `token_response/ostium` writes a Bearer response with refresh token, scope and ID token,
//!   headers included. Baseline `token_response/serde_json_only`: `serde_json::to_vec` of a plain
//!   struct with the same fields.

// Benchmark setup: the inputs are known to be valid; criterion_group! generates undocumented items.
#![allow(clippy::unwrap_used, missing_docs)]

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use ostium_messages::{
    AccessToken, HttpRequest, RefreshToken, Scope, TokenRequest, TokenResponse, TokenString,
    TokenType,
};

const BODY: &[u8] = b"grant_type=authorization_code&code=SplxlOBeZQQYbYS6WxSbIA\
    &redirect_uri=https%3A%2F%2Fclient.example.com%2Fcb\
    &code_verifier=dBjftJeZ4CVP-mB92K9uhvxyz48PYGHmBuFcpqx1C0bb";
const BASIC: &str = "Basic czZCaGRSa3F0Mzo3RmpmcDBaQnIxS3REUmJuZlZkbUl3";
const ID_TOKEN: &str = "eyJhbGciOiJSUzI1NiIsImtpZCI6IjFlOWdkazcifQ.ewogImlzcyI6ICJodHRwOi8vc2VydmVyLmV4YW1wbGUuY29tIiwKICJzdWIiOiAiMjQ4Mjg5NzYxMDAxIiwKICJhdWQiOiAiczZCaGRSa3F0MyIsCiAibm9uY2UiOiAibi0wUzZfV3pBMk1qIiwKICJleHAiOiAxMzExMjgxOTcwLAogImlhdCI6IDEzMTEyODA5NzAKfQ.ggW8hZ1EuVLuxNuuIJKX_V8a_OMXzR0EHR9R6jgdqrOOF4daGU96Sr_P6qJp6IcmD3HP99Obi1PRs-cwh3LO-p146waJ8IhehcwL7F09JdijmBqkvPeB2T9CJNqeGpe-gccMg4vfKjkM8FcGvnzZUN4_KSP0aAp1tOJ1zZwgjxqGByKHiOtX7TpdQyHE5lcMiKPXfEIQILVq0pc_E2DzL7emopWoaoZTF_m0_N0YzFC6g6EJbOEoRoSK5hoDalrcvRYLSrQAZZKflyuVCyixEoV9GfNQC3_osjzw2PAithfubEEBLuVVk4XUVrWOLrLl0nx7RkKU8NXNHq-rvKMzqg";

#[derive(serde::Serialize)]
struct PlainTokenResponse<'a> {
    access_token: &'a str,
    token_type: &'a str,
    expires_in: u64,
    refresh_token: &'a str,
    scope: &'a str,
    id_token: &'a str,
}

fn token_request(c: &mut Criterion) {
    let mut group = c.benchmark_group("token_request");
    let request = HttpRequest {
        authorization: Some(BASIC),
        ..HttpRequest::form_post(BODY)
    };
    assert!(TokenRequest::parse(&request).is_ok());
    group.bench_function("ostium", |b| {
        b.iter(|| TokenRequest::parse(black_box(&request)))
    });
    // One component of the Ostium parse, measured apart: proving redirect_uri absolute with `url`.
    group.bench_function("redirect_uri_parse_alone", |b| {
        b.iter(|| ostium_messages::RedirectUri::parse(black_box("https://client.example.com/cb")))
    });
    group.bench_function("form_urlencoded_only", |b| {
        b.iter(|| {
            url::form_urlencoded::parse(black_box(BODY))
                .into_owned()
                .collect::<Vec<(String, String)>>()
        })
    });
    group.finish();
}

fn token_response(c: &mut Criterion) {
    let mut group = c.benchmark_group("token_response");
    let mut response = TokenResponse::new(
        AccessToken::parse("2YotnFZFEjr1zCsicMWpAA").unwrap(),
        TokenType::Bearer,
    );
    response.expires_in = Some(3600);
    response.refresh_token = Some(RefreshToken::parse("tGzv3JOkF0XG5Qx2TlKWIA").unwrap());
    response.scope = Some(Scope::parse("openid profile email").unwrap());
    response.id_token = Some(TokenString::parse(ID_TOKEN).unwrap());
    group.bench_function("ostium", |b| b.iter(|| black_box(&response).to_response()));
    let plain = PlainTokenResponse {
        access_token: "2YotnFZFEjr1zCsicMWpAA",
        token_type: "Bearer",
        expires_in: 3600,
        refresh_token: "tGzv3JOkF0XG5Qx2TlKWIA",
        scope: "email openid profile",
        id_token: ID_TOKEN,
    };
    group.bench_function("serde_json_only", |b| {
        b.iter(|| serde_json::to_vec(black_box(&plain)))
    });
    group.finish();
}

criterion_group!(benches, token_request, token_response);
criterion_main!(benches);

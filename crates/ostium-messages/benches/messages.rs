//! Criterion benchmarks: parsing a typical token request and writing a token response, each
//! against a named baseline doing the bare minimum with the same libraries.
//!
//! - `token_request/ostium` parses an `authorization_code` request with `client_secret_basic` and
//!   PKCE: content type, strict form decoding, repeat check, Basic decoding, newtypes, verifier.
//!   Baseline `token_request/form_urlencoded_only`: `url::form_urlencoded::parse` of the same
//!   body into a `Vec<(String, String)>` (lossy decoding, no checks at all).
//! - `authorization_request/ostium` parses the engine benchmark's authorization request (code
//!   flow, PKCE S256, `state`, `scope`) from its query string with `AuthorizationRequest::parse_query`.
//!   Baseline `authorization_request/form_urlencoded_only`: as for the token request.
//! - `authorization_response/ostium` builds the 303 redirect of a code response (`code`, `state`,
//!   `iss`) with `AuthorizationResponse::deliver`. Baseline
//!   `authorization_response/form_urlencoded_only`: `form_urlencoded::Serializer` of the three
//!   pairs and a `format!` of the URL, no headers.
//! - `token_error/ostium` writes an `invalid_grant` error with a description
//!   (`HttpResponse::token_error`). Baseline `token_error/serde_json_only`: `serde_json::to_vec`
//!   of a plain struct with the same fields.
//! - `token_response/ostium` writes a Bearer response with refresh token, scope and ID token,
//!   headers included. Baseline `token_response/serde_json_only`: `serde_json::to_vec` of a plain
//!   struct with the same fields.

// Benchmark setup: the inputs are known to be valid; criterion_group! generates undocumented items.
#![allow(clippy::unwrap_used, missing_docs)]

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use ostium_messages::{
    AccessToken, AuthorizationCode, AuthorizationRequest, AuthorizationResponse, ErrorResponse,
    HttpRequest, HttpResponse, Issuer, RedirectUri, RedirectUriParameter, RefreshToken,
    RegisteredRedirectUri, ResponseMode, Scope, State, TokenErrorCode, TokenRequest, TokenResponse,
    TokenString, TokenType, select_redirect_uri,
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

/// The engine benchmark's authorization request (`ostium-engine/benches/engine.rs`).
const AUTHORIZATION_QUERY: &str = "response_type=code&client_id=photo-app\
    &redirect_uri=https%3A%2F%2Fphoto.example%2Fcallback&scope=read&state=af0ifjsldkj\
    &code_challenge=E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM&code_challenge_method=S256";

fn authorization_request(c: &mut Criterion) {
    let mut group = c.benchmark_group("authorization_request");
    assert!(AuthorizationRequest::parse_query(AUTHORIZATION_QUERY).is_ok());
    group.bench_function("ostium", |b| {
        b.iter(|| AuthorizationRequest::parse_query(black_box(AUTHORIZATION_QUERY)))
    });
    group.bench_function("form_urlencoded_only", |b| {
        b.iter(|| {
            url::form_urlencoded::parse(black_box(AUTHORIZATION_QUERY.as_bytes()))
                .into_owned()
                .collect::<Vec<(String, String)>>()
        })
    });
    group.finish();
}

fn authorization_response(c: &mut Criterion) {
    let mut group = c.benchmark_group("authorization_response");
    let redirect = "https://photo.example/callback";
    let target = select_redirect_uri(
        &[RegisteredRedirectUri::parse(redirect).unwrap()],
        Some(&RedirectUri::parse(redirect).unwrap()),
        RedirectUriParameter::Required,
    )
    .unwrap();
    let response = AuthorizationResponse::code(
        AuthorizationCode::parse("Qcb0Orv1zh30vL1MPRsbm-diHiMwcLyZvn1arpZv-Jxf_11jnpEX3Tgfvk")
            .unwrap(),
        Some(State::parse("af0ifjsldkj").unwrap()),
        Some(Issuer::parse("https://op.example").unwrap()),
    );
    group.bench_function("ostium", |b| {
        b.iter(|| black_box(&response).deliver(black_box(&target), &ResponseMode::Query))
    });
    group.bench_function("form_urlencoded_only", |b| {
        b.iter(|| {
            let query = url::form_urlencoded::Serializer::new(String::new())
                .append_pair(
                    "code",
                    "Qcb0Orv1zh30vL1MPRsbm-diHiMwcLyZvn1arpZv-Jxf_11jnpEX3Tgfvk",
                )
                .append_pair("state", "af0ifjsldkj")
                .append_pair("iss", "https://op.example")
                .finish();
            format!("{}?{query}", black_box(redirect))
        })
    });
    group.finish();
}

#[derive(serde::Serialize)]
struct PlainError<'a> {
    error: &'a str,
    error_description: &'a str,
}

fn token_error(c: &mut Criterion) {
    let mut group = c.benchmark_group("token_error");
    let description = "the authorization code is unknown, expired or already used";
    let error = ErrorResponse::new(TokenErrorCode::InvalidGrant).with_description(description);
    group.bench_function("ostium", |b| {
        b.iter(|| HttpResponse::token_error(black_box(&error), "ostium"))
    });
    let plain = PlainError {
        error: "invalid_grant",
        error_description: description,
    };
    group.bench_function("serde_json_only", |b| {
        b.iter(|| serde_json::to_vec(black_box(&plain)))
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

criterion_group!(
    benches,
    token_request,
    authorization_request,
    authorization_response,
    token_response,
    token_error
);
criterion_main!(benches);

//! A loop for instruction-level profiling of the hot paths the engine's code flow takes through
//! this crate, on the inputs of `benches/messages.rs`:
//!
//! ```text
//! cargo build --release -p ostium-messages --example profile_messages
//! valgrind --tool=callgrind target/release/examples/profile_messages authorization-request 1000
//! ```
//!
//! Modes: `authorization-request` (`AuthorizationRequest::parse_query`), `token-request`
//! (`TokenRequest::parse`), `redirect` (`AuthorizationResponse::deliver`), `token-response`
//! (`TokenResponse::to_response`), `token-error` (`HttpResponse::token_error`). Instruction counts
//! are stable where wall time on a shared machine is not: divide the difference between two
//! counts of N by N.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

use std::hint::black_box;

use ostium_messages::{
    AccessToken, AuthorizationCode, AuthorizationRequest, AuthorizationResponse, ErrorResponse,
    HttpRequest, HttpResponse, Issuer, RedirectUri, RedirectUriParameter, RefreshToken,
    RegisteredRedirectUri, ResponseMode, Scope, State, TokenErrorCode, TokenRequest, TokenResponse,
    TokenString, TokenType, select_redirect_uri,
};

const AUTHORIZATION_QUERY: &str = "response_type=code&client_id=photo-app\
    &redirect_uri=https%3A%2F%2Fphoto.example%2Fcallback&scope=read&state=af0ifjsldkj\
    &code_challenge=E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM&code_challenge_method=S256";
const TOKEN_BODY: &[u8] = b"grant_type=authorization_code&code=SplxlOBeZQQYbYS6WxSbIA\
    &redirect_uri=https%3A%2F%2Fclient.example.com%2Fcb\
    &code_verifier=dBjftJeZ4CVP-mB92K9uhvxyz48PYGHmBuFcpqx1C0bb";
const BASIC: &str = "Basic czZCaGRSa3F0Mzo3RmpmcDBaQnIxS3REUmJuZlZkbUl3";
/// An ID token of the benchmark's size (~900 bytes), as a string only.
const ID_TOKEN: &str = concat!(
    "eyJhbGciOiJSUzI1NiIsImtpZCI6IjFlOWdkazcifQ.",
    "ewogImlzcyI6ICJodHRwOi8vc2VydmVyLmV4YW1wbGUuY29tIiwKICJzdWIiOiAiMjQ4Mjg5NzYxMDAxIiwKICJhdWQiOiAiczZCaGRSa3F0MyIsCiAibm9uY2UiOiAibi0wUzZfV3pBMk1qIiwKICJleHAiOiAxMzExMjgxOTcwLAogImlhdCI6IDEzMTEyODA5NzAKfQ.",
    "ggW8hZ1EuVLuxNuuIJKX_V8a_OMXzR0EHR9R6jgdqrOOF4daGU96Sr_P6qJp6IcmD3HP99Obi1PRs-cwh3LO-p146waJ8IhehcwL7F09JdijmBqkvPeB2T9CJNqeGpe-gccMg4vfKjkM8FcGvnzZUN4_KSP0aAp1tOJ1zZwgjxqGByKHiOtX7TpdQyHE5lcMiKPXfEIQILVq0pc_E2DzL7emopWoaoZTF_m0_N0YzFC6g6EJbOEoRoSK5hoDalrcvRYLSrQAZZKflyuVCyixEoV9GfNQC3_osjzw2PAithfubEEBLuVVk4XUVrWOLrLl0nx7RkKU8NXNHq-rvKMzqg",
);

fn main() {
    let mut args = std::env::args().skip(1);
    let mode = args.next().expect("a mode");
    let count: u64 = args.next().map_or(1000, |n| n.parse().expect("a count"));
    let request = HttpRequest {
        authorization: Some(BASIC),
        ..HttpRequest::form_post(TOKEN_BODY)
    };
    let redirect = "https://photo.example/callback";
    let target = select_redirect_uri(
        &[RegisteredRedirectUri::parse(redirect).unwrap()],
        Some(&RedirectUri::parse(redirect).unwrap()),
        RedirectUriParameter::Required,
    )
    .unwrap();
    let code = AuthorizationResponse::code(
        AuthorizationCode::parse("Qcb0Orv1zh30vL1MPRsbm-diHiMwcLyZvn1arpZv-Jxf_11jnpEX3Tgfvk")
            .unwrap(),
        Some(State::parse("af0ifjsldkj").unwrap()),
        Some(Issuer::parse("https://op.example").unwrap()),
    );
    let mut token = TokenResponse::new(
        AccessToken::parse("2YotnFZFEjr1zCsicMWpAA").unwrap(),
        TokenType::Bearer,
    );
    token.expires_in = Some(3600);
    token.refresh_token = Some(RefreshToken::parse("tGzv3JOkF0XG5Qx2TlKWIA").unwrap());
    token.scope = Some(Scope::parse("openid profile email").unwrap());
    token.id_token = Some(TokenString::parse(ID_TOKEN).unwrap());
    let error = ErrorResponse::new(TokenErrorCode::InvalidGrant)
        .with_description("the authorization code is unknown, expired or already used");
    for _ in 0..count {
        match mode.as_str() {
            "authorization-request" => {
                black_box(AuthorizationRequest::parse_query(black_box(
                    AUTHORIZATION_QUERY,
                )))
                .unwrap();
            }
            "token-request" => {
                black_box(TokenRequest::parse(black_box(&request))).unwrap();
            }
            "redirect" => {
                black_box(black_box(&code).deliver(&target, &ResponseMode::Query)).unwrap();
            }
            "token-response" => {
                black_box(black_box(&token).to_response());
            }
            "token-error" => {
                black_box(HttpResponse::token_error(black_box(&error), "ostium"));
            }
            other => panic!("unknown mode {other}"),
        }
    }
}

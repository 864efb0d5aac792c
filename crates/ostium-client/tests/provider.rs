//! Discovery (checklist items 52 and 66, `discovery-issuer-mismatch`), UserInfo (item 62,
//! `userinfo-invalid-sub`), revocation, introspection and protected resource responses.

#![allow(clippy::unwrap_used, clippy::indexing_slicing, clippy::panic)]

mod support;

use ostium_client::{
    ClientError, ProviderConfig, ResourceStep, ResponseError, UserInfoError, UserInfoStep,
    resource_response,
};
use ostium_jose::Algorithm;
use ostium_messages::metadata::{MetadataError, MetadataProfile};
use ostium_messages::revocation::TokenTypeHint;
use ostium_messages::{HttpResponse, Issuer, ResourceErrorCode, TokenString};
use ostium_testkit::SeededRng;
use serde_json::json;
use support::*;

fn discover(metadata: &serde_json::Value) -> Result<ProviderConfig, ClientError> {
    ProviderConfig::from_discovery(
        &Issuer::parse(ISSUER).unwrap(),
        &json_response(200, metadata),
        MetadataProfile::OpenId,
    )
}

#[test]
fn discovery_reads_the_endpoints() {
    let provider = discover(&metadata()).unwrap();
    assert_eq!(provider.issuer.as_str(), ISSUER);
    assert_eq!(
        provider.token_endpoint.as_ref().unwrap().as_str(),
        "https://op.example/token"
    );
    assert!(provider.iss_parameter_supported);
    assert_eq!(
        provider.id_token_signing_algorithms,
        [Algorithm::Rs256, Algorithm::Es256]
    );
    assert_eq!(
        ProviderConfig::openid_discovery_request(
            &Issuer::parse("https://op.example/tenant").unwrap()
        )
        .url(),
        "https://op.example/tenant/.well-known/openid-configuration"
    );
    assert_eq!(
        ProviderConfig::oauth_discovery_request(
            &Issuer::parse("https://op.example/tenant").unwrap()
        )
        .url(),
        "https://op.example/.well-known/oauth-authorization-server/tenant"
    );
}

#[test]
fn req_66_discovery_issuer_mismatch_is_rejected() {
    for issuer in [
        "https://op.example/",
        "https://OP.example",
        "https://evil.example",
    ] {
        let mut document = metadata();
        document["issuer"] = json!(issuer);
        assert!(
            matches!(
                discover(&document),
                Err(ClientError::Discovery(MetadataError::IssuerMismatch { .. }))
            ),
            "{issuer}"
        );
    }
}

#[test]
fn req_52_required_members_and_https() {
    for member in [
        "authorization_endpoint",
        "token_endpoint",
        "jwks_uri",
        "subject_types_supported",
        "id_token_signing_alg_values_supported",
    ] {
        let mut document = metadata();
        document.as_object_mut().unwrap().remove(member);
        assert_eq!(
            discover(&document).unwrap_err(),
            ClientError::Discovery(MetadataError::Missing(member)),
            "{member}"
        );
    }
    let mut document = metadata();
    document["token_endpoint"] = json!("http://op.example/token");
    assert_eq!(
        discover(&document).unwrap_err(),
        ClientError::Discovery(MetadataError::NotHttps("token_endpoint"))
    );
    // RFC 8414 only: no jwks_uri needed.
    let mut oauth = metadata();
    oauth.as_object_mut().unwrap().remove("jwks_uri");
    assert!(
        ProviderConfig::from_discovery(
            &Issuer::parse(ISSUER).unwrap(),
            &json_response(200, &oauth),
            MetadataProfile::OAuth,
        )
        .is_ok()
    );
}

fn id_token() -> ostium_client::IdToken {
    let keys = keys();
    let token = sign(&keys.rsa1, Algorithm::Rs256, &id_claims(None));
    expect_valid(
        client()
            .validate_id_token(
                &token,
                &ostium_client::IdTokenExpectations::default(),
                Some(&jwks(&[&keys.rsa1], now())),
                now(),
            )
            .unwrap(),
    )
}

fn tokens() -> ostium_client::TokenSet {
    let body = json!({"access_token": "SlAV32hkKG", "token_type": "Bearer"});
    expect_tokens(
        client()
            .token_response(&json_response(200, &body), now())
            .unwrap(),
    )
}

#[test]
fn userinfo_request_sends_the_token_in_the_header() {
    let request = client().userinfo_request(&tokens()).unwrap();
    assert_eq!(request.url(), "https://op.example/userinfo");
    assert_eq!(request.method().as_str(), "GET");
    assert_eq!(request.header("authorization"), Some("Bearer SlAV32hkKG"));
    assert!(!request.url().contains("SlAV32hkKG"));
}

#[test]
fn req_62_userinfo_sub_must_match_the_id_token() {
    let id_token = id_token();
    let good = json_response(
        200,
        &json!({"sub": "248289761001", "email": "jane@example.com"}),
    );
    let UserInfoStep::UserInfo(info) = client().userinfo_response(&good, &id_token).unwrap() else {
        panic!("expected claims");
    };
    assert_eq!(info.claims.email.as_deref(), Some("jane@example.com"));
    // userinfo-invalid-sub.
    let other = json_response(
        200,
        &json!({"sub": "248289761002", "email": "mallory@example.com"}),
    );
    assert_eq!(
        client().userinfo_response(&other, &id_token).unwrap_err(),
        ClientError::UserInfo(UserInfoError::SubjectMismatch)
    );
    let missing = json_response(200, &json!({"email": "x@example.com"}));
    assert!(matches!(
        client().userinfo_response(&missing, &id_token),
        Err(ClientError::Response(ResponseError::Json(_)))
    ));
    let signed = HttpResponse::new(200)
        .with_header("content-type", "application/jwt")
        .with_body(b"eyJ.eyJ.sig".to_vec());
    assert_eq!(
        client().userinfo_response(&signed, &id_token).unwrap_err(),
        ClientError::UserInfo(UserInfoError::SignedResponseUnsupported)
    );
}

#[test]
fn userinfo_errors_carry_the_challenge() {
    let id_token = id_token();
    let expired = HttpResponse::new(401).with_header(
        "www-authenticate",
        r#"Bearer error="invalid_token", error_description="The access token expired""#,
    );
    let error = client().userinfo_response(&expired, &id_token).unwrap_err();
    let ClientError::Response(response) = &error else {
        panic!("{error:?}");
    };
    assert_eq!(
        response.resource_error(),
        Some(&ResourceErrorCode::InvalidToken)
    );
    let nonce = HttpResponse::new(401)
        .with_header("www-authenticate", r#"DPoP error="use_dpop_nonce""#)
        .with_header("dpop-nonce", "n-1");
    assert_eq!(
        client().userinfo_response(&nonce, &id_token).unwrap(),
        UserInfoStep::RetryWithDpopNonce("n-1".into())
    );
}

#[test]
fn resource_responses() {
    assert_eq!(
        resource_response(&HttpResponse::new(201)).unwrap(),
        ResourceStep::Success
    );
    let forbidden = HttpResponse::new(403).with_header(
        "www-authenticate",
        r#"Bearer error="insufficient_scope", scope="files:write:/photos/x.jpg""#,
    );
    let ClientError::Response(ResponseError::Challenged { status, challenges }) =
        resource_response(&forbidden).unwrap_err()
    else {
        panic!("expected a challenge");
    };
    assert_eq!(status, 403);
    assert_eq!(
        challenges[0].scope.as_ref().unwrap().to_string(),
        "files:write:/photos/x.jpg"
    );
    assert!(matches!(
        resource_response(&HttpResponse::new(500)),
        Err(ClientError::Response(ResponseError::UnexpectedStatus(500)))
    ));
}

#[test]
fn revocation_and_introspection() {
    let client = client_with(ostium_client::ClientCredentials::ClientSecretBasic(
        ostium_messages::ClientSecret::parse("secret").unwrap(),
    ));
    let request = client
        .revocation_request(
            TokenString::parse("45ghiukldjahdnhzdauz").unwrap(),
            Some(TokenTypeHint::RefreshToken),
            &mut SeededRng::new(1),
            now(),
        )
        .unwrap();
    assert_eq!(request.url(), "https://op.example/revoke");
    let parsed =
        ostium_messages::revocation::TokenOperationRequest::parse(&request.as_http_request())
            .unwrap();
    assert_eq!(parsed.token.as_str(), "45ghiukldjahdnhzdauz");
    assert_eq!(parsed.token_type_hint, Some(TokenTypeHint::RefreshToken));
    client.revocation_response(&HttpResponse::new(200)).unwrap();
    assert!(
        client
            .revocation_response(&json_response(
                400,
                &json!({"error": "unsupported_token_type"})
            ))
            .is_err()
    );

    let request = client
        .introspection_request(
            TokenString::parse("mF_9.B5f-4.1JqM").unwrap(),
            None,
            &mut SeededRng::new(1),
            now(),
        )
        .unwrap();
    assert_eq!(request.url(), "https://op.example/introspect");
    let response = client
        .introspection_response(&json_response(
            200,
            &json!({"active": true, "scope": "read write", "sub": "Z5O3upPC88QrAjx00dis"}),
        ))
        .unwrap();
    assert!(response.active);
    assert_eq!(response.sub.as_deref(), Some("Z5O3upPC88QrAjx00dis"));
}

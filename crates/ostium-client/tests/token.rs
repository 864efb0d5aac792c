//! Token requests for each grant and client authentication method, and token response
//! validation: checklist items 41, 42, 63, 64, 65 and the `refresh-token-invalid-{issuer,sub}`
//! RP behaviours.

#![allow(clippy::unwrap_used, clippy::indexing_slicing, clippy::panic)]

mod support;

use base64::Engine as _;
use ostium_client::{
    AssertionAudience, ClientCredentials, ClientError, IdTokenError, ResponseError, TokenStep,
};
use ostium_jose::{Algorithm, Claim, Jwk, Kid, Typ, Validation};
use ostium_messages::error::TokenErrorCode;
use ostium_messages::{ClientAuthentication, ClientSecret, Grant, Scope, TokenRequest, TokenType};
use ostium_testkit::SeededRng;
use serde_json::json;
use support::*;

fn server_reads(request: &ostium_client::OutboundRequest) -> TokenRequest {
    TokenRequest::parse(&request.as_http_request()).unwrap()
}

#[test]
fn code_exchange_request_carries_code_verifier_and_redirect_uri() {
    let client = client();
    let pending = pending(&client, openid_options(), 1);
    let verifier = pending.code_verifier().as_str().to_owned();
    let authorized = authorized(&client, pending);
    let request = client
        .code_exchange_request(&authorized, &mut SeededRng::new(2), now())
        .unwrap();
    assert_eq!(request.url(), "https://op.example/token");
    assert_eq!(request.method().as_str(), "POST");
    let parsed = server_reads(&request);
    let Grant::AuthorizationCode {
        code,
        redirect_uri,
        code_verifier,
    } = parsed.grant
    else {
        panic!("expected the code grant");
    };
    assert_eq!(code.as_str(), "SplxlOBeZQQYbYS6WxSbIA");
    assert_eq!(redirect_uri.unwrap().as_str(), REDIRECT_URI);
    assert_eq!(code_verifier.unwrap().as_str(), verifier);
    assert_eq!(
        parsed.client_auth,
        ClientAuthentication::None {
            client_id: ostium_messages::ClientId::parse(CLIENT_ID).unwrap()
        }
    );
}

#[test]
fn client_secret_basic_uses_the_form_urlencoded_encoding() {
    // RFC 6749 §2.3.1: id and secret are form-urlencoded before Base64; a secret with ':',
    // '+', '%' and a space survives the round trip.
    let secret = "p@ss:w+rd% 1";
    let client = client_with(ClientCredentials::ClientSecretBasic(
        ClientSecret::parse(secret).unwrap(),
    ));
    let request = client
        .client_credentials_request(None, &mut SeededRng::new(1), now())
        .unwrap();
    let header = request.header("authorization").unwrap();
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(header.strip_prefix("Basic ").unwrap())
        .unwrap();
    assert_eq!(
        String::from_utf8(decoded).unwrap(),
        "fitness-app:p%40ss%3Aw%2Brd%25+1"
    );
    let parsed = server_reads(&request);
    let ClientAuthentication::ClientSecretBasic { client_secret, .. } = parsed.client_auth else {
        panic!("expected Basic");
    };
    assert_eq!(client_secret.as_str(), secret);
    assert!(!String::from_utf8_lossy(request.body()).contains("client_secret"));
}

#[test]
fn client_secret_post_sends_the_secret_in_the_body() {
    let client = client_with(ClientCredentials::ClientSecretPost(
        ClientSecret::parse("7Fjfp0ZBr1KtDRbnfVdmIw").unwrap(),
    ));
    let request = client
        .client_credentials_request(
            Some(Scope::parse("reports").unwrap()),
            &mut SeededRng::new(1),
            now(),
        )
        .unwrap();
    assert_eq!(request.header("authorization"), None);
    let parsed = server_reads(&request);
    assert_eq!(parsed.client_auth.method_name(), "client_secret_post");
    assert_eq!(
        parsed.grant,
        Grant::ClientCredentials {
            scope: Some(Scope::parse("reports").unwrap())
        }
    );
}

/// Checklist item 42: `iss` = `sub` = `client_id`, `aud` the issuer (as a string), a unique
/// `jti`, a short `exp`.
fn check_assertion(assertion: &str, key: &Jwk, algorithm: Algorithm, aud: &str) {
    let jwt = Validation::new(Typ::Jwt, algorithm)
        .issuer(CLIENT_ID)
        .subject(CLIENT_ID)
        .audience(aud)
        .require(Claim::Jti)
        .require(Claim::Iat)
        .verify(assertion, key, now())
        .unwrap();
    let exp = jwt.expires_at().unwrap().unix();
    assert_eq!(exp - jwt.issued_at().unwrap().unix(), 60);
    let aud: serde_json::Value = jwt.claims::<serde_json::Value>().unwrap()["aud"].clone();
    assert!(aud.is_string(), "aud is a single string: {aud}");
}

fn assertion_of(request: &ostium_client::OutboundRequest) -> String {
    match server_reads(request).client_auth {
        ClientAuthentication::JwtAssertion {
            client_id,
            assertion,
        } => {
            assert_eq!(client_id.unwrap().as_str(), CLIENT_ID);
            assertion.as_str().to_owned()
        }
        other => panic!("expected a JWT assertion, got {other:?}"),
    }
}

#[test]
fn req_42_private_key_jwt_assertion() {
    let key = Jwk::generate(Algorithm::Es256, &mut SeededRng::new(3))
        .unwrap()
        .with_kid(Kid::new("client-key-1").unwrap());
    let client = client_with(ClientCredentials::PrivateKeyJwt {
        key: key.clone(),
        algorithm: Algorithm::Es256,
    });
    let mut rng = SeededRng::new(4);
    let first = client
        .client_credentials_request(None, &mut rng, now())
        .unwrap();
    let second = client
        .client_credentials_request(None, &mut rng, now())
        .unwrap();
    let (a, b) = (assertion_of(&first), assertion_of(&second));
    let public = key.to_public().unwrap();
    check_assertion(&a, &public, Algorithm::Es256, ISSUER);
    // A fresh jti per assertion.
    let jti = |token: &str| {
        Validation::new(Typ::Jwt, Algorithm::Es256)
            .audience(ISSUER)
            .verify(token, &public, now())
            .unwrap()
            .jwt_id()
            .unwrap()
            .to_owned()
    };
    assert_ne!(jti(&a), jti(&b));
    // The kid names the key.
    let header = a.split('.').next().unwrap();
    let header = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(header)
        .unwrap();
    assert!(String::from_utf8(header).unwrap().contains("client-key-1"));
    // Addressed to the endpoint instead, when configured.
    let endpoint_aud = client.with_assertion_audience(AssertionAudience::Endpoint);
    let request = endpoint_aud
        .client_credentials_request(None, &mut rng, now())
        .unwrap();
    check_assertion(
        &assertion_of(&request),
        &public,
        Algorithm::Es256,
        "https://op.example/token",
    );
}

#[test]
fn req_42_client_secret_jwt_assertion() {
    let secret = "a client secret of at least 32 bytes!!";
    let client = client_with(ClientCredentials::ClientSecretJwt {
        secret: ClientSecret::parse(secret).unwrap(),
        algorithm: Algorithm::Hs256,
    });
    let request = client
        .client_credentials_request(None, &mut SeededRng::new(5), now())
        .unwrap();
    let key = Jwk::from_symmetric_key(secret.as_bytes(), Algorithm::Hs256).unwrap();
    check_assertion(&assertion_of(&request), &key, Algorithm::Hs256, ISSUER);
    // A secret too short for HS256 cannot sign (RFC 7518 §3.2).
    let weak = client_with(ClientCredentials::ClientSecretJwt {
        secret: ClientSecret::parse("short").unwrap(),
        algorithm: Algorithm::Hs256,
    });
    assert!(matches!(
        weak.client_credentials_request(None, &mut SeededRng::new(5), now()),
        Err(ClientError::Signing(_))
    ));
}

fn exchange(
    id_token: Option<String>,
    nonce_for: impl FnOnce(&ostium_client::PendingAuthorization) -> Option<String>,
) -> Result<TokenStep, ClientError> {
    let client = client();
    let pending = pending(&client, openid_options(), 11);
    let nonce = nonce_for(&pending);
    let id_token = id_token.or_else(|| {
        Some(sign(
            &keys().rsa1,
            Algorithm::Rs256,
            &id_claims(nonce.as_deref()),
        ))
    });
    let authorized = authorized(&client, pending);
    let keys = keys();
    client.code_exchange_response(
        &authorized,
        &json_response(200, &token_body(id_token.as_deref())),
        Some(&jwks(&[&keys.rsa1], now())),
        now(),
    )
}

#[test]
fn code_exchange_response_returns_validated_tokens() {
    let tokens = expect_tokens(
        exchange(None, |pending| {
            pending.nonce().map(|n| n.as_str().to_owned())
        })
        .unwrap(),
    );
    assert_eq!(tokens.access_token.as_str(), "SlAV32hkKG");
    assert_eq!(tokens.token_type, TokenType::Bearer);
    assert_eq!(tokens.expires_at, Some(now() + time::Duration::hours(1)));
    assert_eq!(
        tokens.refresh_token.as_ref().unwrap().as_str(),
        "8xLOxBtZp8"
    );
    // The response omitted scope: as requested (RFC 6749 §5.1).
    assert_eq!(tokens.scope.as_ref().unwrap().to_string(), "openid profile");
    assert_eq!(tokens.id_token.as_ref().unwrap().subject(), "248289761001");
    assert!(!tokens.is_expired(now()));
}

#[test]
fn req_64_the_id_token_nonce_is_checked_before_any_token_is_returned() {
    let result = exchange(None, |_| Some("attacker-nonce".into()));
    assert_eq!(
        result.unwrap_err(),
        ClientError::IdToken(IdTokenError::NonceMismatch)
    );
    let result = exchange(None, |_| None);
    assert_eq!(
        result.unwrap_err(),
        ClientError::IdToken(IdTokenError::NonceMissing)
    );
}

#[test]
fn req_41_openid_code_exchange_requires_an_id_token() {
    let client = client();
    let pending = pending(&client, openid_options(), 12);
    let authorized = authorized(&client, pending);
    assert_eq!(
        client
            .code_exchange_response(
                &authorized,
                &json_response(200, &token_body(None)),
                None,
                now()
            )
            .unwrap_err(),
        ClientError::Response(ResponseError::MissingIdToken)
    );
    // A plain OAuth request gets none and needs none.
    let pending = support::pending(
        &client,
        ostium_client::AuthorizationOptions::new()
            .with_scope(Scope::parse("files:write:/diagrams").unwrap()),
        13,
    );
    let authorized = support::authorized(&client, pending);
    let tokens = expect_tokens(
        client
            .code_exchange_response(
                &authorized,
                &json_response(200, &token_body(None)),
                None,
                now(),
            )
            .unwrap(),
    );
    assert!(tokens.id_token.is_none());
}

#[test]
fn the_id_token_at_hash_is_checked_when_present() {
    let client = client();
    let pending = pending(&client, openid_options(), 14);
    let mut claims = id_claims(pending.nonce().map(|n| n.as_str()));
    claims["at_hash"] = json!("AAAAAAAAAAAAAAAAAAAAAA");
    let token = sign(&keys().rsa1, Algorithm::Rs256, &claims);
    let authorized = authorized(&client, pending);
    let keys = keys();
    assert_eq!(
        client
            .code_exchange_response(
                &authorized,
                &json_response(200, &token_body(Some(&token))),
                Some(&jwks(&[&keys.rsa1], now())),
                now(),
            )
            .unwrap_err(),
        ClientError::IdToken(IdTokenError::AtHashMismatch)
    );
}

#[test]
fn req_65_unknown_token_types_are_refused_and_unknown_members_ignored() {
    let client = client();
    for token_type in ["mac", "N_A", "Bearer2"] {
        let body = json!({"access_token": "a", "token_type": token_type});
        assert!(
            matches!(
                client.token_response(&json_response(200, &body), now()),
                Err(ClientError::Response(ResponseError::UnsupportedTokenType(
                    _
                )))
            ),
            "{token_type}"
        );
    }
    // Case-insensitive types (RFC 6749 §5.1), unknown members ignored.
    let body = json!({"access_token": "a", "token_type": "bearer", "x_extra": {"nested": 1}});
    let tokens = expect_tokens(
        client
            .token_response(&json_response(200, &body), now())
            .unwrap(),
    );
    assert_eq!(tokens.token_type, TokenType::Bearer);
    let body = json!({"access_token": "a", "token_type": "DPoP"});
    let tokens = expect_tokens(
        client
            .token_response(&json_response(200, &body), now())
            .unwrap(),
    );
    assert_eq!(tokens.token_type, TokenType::DPoP);
}

#[test]
fn error_responses_and_dpop_nonce_demands() {
    let client = client();
    let error = json_response(
        400,
        &json!({"error": "invalid_grant", "error_description": "code reused"}),
    );
    let ClientError::Response(ResponseError::Server { status, error }) =
        client.token_response(&error, now()).unwrap_err()
    else {
        panic!("expected a server error");
    };
    assert_eq!(status, 400);
    assert_eq!(error.error, TokenErrorCode::InvalidGrant);
    // RFC 9449 §8: use_dpop_nonce with a DPoP-Nonce header asks for a retry.
    let demand = json_response(400, &json!({"error": "use_dpop_nonce"}))
        .with_header("dpop-nonce", "eyJ7S_zG.eyJH0-Z.HX4w-7v");
    assert!(matches!(
        client.token_response(&demand, now()).unwrap(),
        TokenStep::RetryWithDpopNonce(nonce) if nonce == "eyJ7S_zG.eyJH0-Z.HX4w-7v"
    ));
    // Without the header it is an error like any other.
    let no_header = json_response(400, &json!({"error": "use_dpop_nonce"}));
    assert!(client.token_response(&no_header, now()).is_err());
    // Garbage.
    let html = ostium_messages::HttpResponse::new(200)
        .with_header("content-type", "text/html")
        .with_body(b"<html>".to_vec());
    assert!(matches!(
        client.token_response(&html, now()),
        Err(ClientError::Response(ResponseError::UnexpectedContentType(
            _
        )))
    ));
    let bad = json_response(200, &json!({"token_type": "Bearer"}));
    assert!(matches!(
        client.token_response(&bad, now()),
        Err(ClientError::Response(ResponseError::Json(_)))
    ));
    assert!(matches!(
        client.token_response(&ostium_messages::HttpResponse::new(502), now()),
        Err(ClientError::Response(ResponseError::UnexpectedStatus(502)))
    ));
}

#[test]
fn lenient_token_responses_are_read() {
    let client = client();
    let body = json!({"access_token": "a", "token_type": "Bearer", "expires_in": "3600", "scope": ["a", "b"]});
    let tokens = expect_tokens(
        client
            .token_response(&json_response(200, &body), now())
            .unwrap(),
    );
    assert_eq!(tokens.expires_at, Some(now() + time::Duration::hours(1)));
    assert_eq!(tokens.scope.unwrap().to_string(), "a b");
    let strict = client.with_leniency(ostium_messages::Leniency::NONE);
    assert!(
        strict
            .token_response(&json_response(200, &body), now())
            .is_err()
    );
}

fn original_tokens() -> ostium_client::TokenSet {
    let client = client();
    let pending = pending(&client, openid_options(), 21);
    let claims = id_claims(pending.nonce().map(|n| n.as_str()));
    let token = sign(&keys().rsa1, Algorithm::Rs256, &claims);
    let authorized = authorized(&client, pending);
    let keys = keys();
    expect_tokens(
        client
            .code_exchange_response(
                &authorized,
                &json_response(200, &token_body(Some(&token))),
                Some(&jwks(&[&keys.rsa1], now())),
                now(),
            )
            .unwrap(),
    )
}

fn refresh_with(claims: &serde_json::Value) -> Result<ostium_client::TokenSet, ClientError> {
    let client = client();
    let previous = original_tokens();
    let token = sign(&keys().rsa1, Algorithm::Rs256, claims);
    let body = json!({"access_token": "new-at", "token_type": "Bearer", "id_token": token});
    let keys = keys();
    client
        .refresh_response(
            &previous,
            &json_response(200, &body),
            Some(&jwks(&[&keys.rsa1], now())),
            now(),
        )
        .map(expect_tokens)
}

fn refreshed_claims() -> serde_json::Value {
    // A new iat, no nonce, the original auth_time (OIDC Core §12.2).
    let mut claims = id_claims(None);
    claims["iat"] = json!(unix_now());
    claims
}

#[test]
fn req_63_refresh_keeps_iss_and_sub() {
    let tokens = refresh_with(&refreshed_claims()).unwrap();
    assert_eq!(tokens.access_token.as_str(), "new-at");
    // What the response omits carries over.
    assert_eq!(tokens.refresh_token.unwrap().as_str(), "8xLOxBtZp8");
    assert_eq!(tokens.scope.unwrap().to_string(), "openid profile");

    let mut other_sub = refreshed_claims();
    other_sub["sub"] = json!("someone-else");
    assert_eq!(
        refresh_with(&other_sub).unwrap_err(),
        ClientError::IdToken(IdTokenError::RefreshChanged("sub"))
    );
    let mut other_auth_time = refreshed_claims();
    other_auth_time["auth_time"] = json!(unix_now());
    assert_eq!(
        refresh_with(&other_auth_time).unwrap_err(),
        ClientError::IdToken(IdTokenError::RefreshChanged("auth_time"))
    );
    let mut other_nonce = refreshed_claims();
    other_nonce["nonce"] = json!("a-new-nonce");
    assert_eq!(
        refresh_with(&other_nonce).unwrap_err(),
        ClientError::IdToken(IdTokenError::RefreshChanged("nonce"))
    );
}

/// `refresh-token-invalid-issuer`: a refreshed ID token from another issuer is refused (it
/// already fails the issuer check; the comparison with the original is the second line).
#[test]
fn rp_refresh_token_invalid_issuer_is_rejected() {
    let mut claims = refreshed_claims();
    claims["iss"] = json!("https://evil.example");
    assert!(matches!(
        refresh_with(&claims).unwrap_err(),
        ClientError::IdToken(IdTokenError::Jose(_))
    ));
}

/// `refresh-token-invalid-sub`.
#[test]
fn rp_refresh_token_invalid_sub_is_rejected() {
    let mut claims = refreshed_claims();
    claims["sub"] = json!("248289761002");
    assert_eq!(
        refresh_with(&claims).unwrap_err(),
        ClientError::IdToken(IdTokenError::RefreshChanged("sub"))
    );
}

#[test]
fn refresh_request_uses_the_refresh_token() {
    let client = client();
    let tokens = original_tokens();
    let request = client
        .refresh_request(
            &tokens,
            Some(Scope::parse("openid").unwrap()),
            &mut SeededRng::new(1),
            now(),
        )
        .unwrap();
    let parsed = server_reads(&request);
    let Grant::RefreshToken {
        refresh_token,
        scope,
    } = parsed.grant
    else {
        panic!("expected the refresh grant");
    };
    assert_eq!(refresh_token.as_str(), "8xLOxBtZp8");
    assert_eq!(scope.unwrap().to_string(), "openid");
}

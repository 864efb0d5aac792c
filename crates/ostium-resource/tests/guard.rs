//! Credentials, JWT access tokens (RFC 9068 §4), introspection responses (RFC 7662 §2.2),
//! authorization of an operation, and the `WWW-Authenticate` challenge of each failure
//! (RFC 6750 §3; RFC 9449 §7.1, §9).

#![allow(clippy::unwrap_used, clippy::indexing_slicing, clippy::panic)]

mod support;

use ostium_jose::{Algorithm, ClaimsError, Error as JoseError, Jwk, JwkSet, JwsError, Kid};
use ostium_messages::introspection::IntrospectionResponse;
use ostium_messages::resource::{Challenge, TokenMethods, TokenScheme};
use ostium_messages::{AuthorizationDetails, HttpRequest, ResourceErrorCode};
use ostium_resource::{Authenticated, DpopNonces, RejectionKind, ResourceRequest, TokenRejection};
use ostium_scope::{RarCoverage, ScopePattern, ScopeToken};
use ostium_testkit::SeededRng;
use serde_json::json;
use support::*;

const FILES_WRITE: ScopePattern = ScopePattern::from_static("files:write:");

fn bearer(token: &str) -> String {
    format!("Bearer {token}")
}

fn jwt_rejection(token: &str) -> RejectionKind {
    let authorization = bearer(token);
    let request = ResourceRequest::new(http("GET", Some(&authorization), None), URI);
    rejection(guard().authenticate_jwt(&request, &as_keys(), now()))
}

fn invalid_token(token: &str) -> TokenRejection {
    match jwt_rejection(token) {
        RejectionKind::InvalidToken(why) => why,
        other => panic!("expected invalid_token, got {other:?}"),
    }
}

#[test]
fn bearer_jwt_access_token_is_accepted() {
    let token = access_token(&token_claims("files:write:/diagrams openid", None));
    let authorization = bearer(&token);
    let request = ResourceRequest::new(http("PUT", Some(&authorization), None), URI);
    let Authenticated::Access(access) = guard()
        .authenticate_jwt(&request, &as_keys(), now())
        .unwrap()
    else {
        panic!("a bearer token needs no replay check");
    };
    assert_eq!(access.scheme(), TokenScheme::Bearer);
    assert_eq!(access.subject(), Some("user-5"));
    assert_eq!(access.token().client_id.as_deref(), Some("drawing-app"));
    assert_eq!(access.token().token_id.as_deref(), Some("at-1"));
    assert_eq!(access.scope().to_string(), "files:write:/diagrams openid");
    // `application/at+jwt` is the same type.
    let long = access_token_typed(&token_claims("openid", None), "application/at+jwt");
    let authorization = bearer(&long);
    let request = ResourceRequest::new(http("GET", Some(&authorization), None), URI);
    assert!(authenticate(&guard(), &request).is_ok());
}

#[test]
fn credentials_are_read_from_the_header_only() {
    // No credentials: a challenge without error code.
    let request = ResourceRequest::new(http("GET", None, None), URI);
    assert_eq!(
        rejection(guard().authenticate_jwt(&request, &as_keys(), now())),
        RejectionKind::NoCredentials
    );
    // A token in the query is refused (RFC 9700 §4.3.2; FAPI 2.0 5.3.4-2).
    let token = access_token(&token_claims("openid", None));
    let query = format!("access_token={token}");
    let request = ResourceRequest::new(
        HttpRequest {
            method: "GET",
            query: Some(&query),
            ..HttpRequest::default()
        },
        URI,
    );
    assert!(matches!(
        rejection(guard().authenticate_jwt(&request, &as_keys(), now())),
        RejectionKind::Malformed(e) if e.error == ResourceErrorCode::InvalidRequest
    ));
    // Unless explicitly allowed.
    let lenient = guard().with_token_methods(TokenMethods::HEADER_ONLY.danger_with_query());
    assert!(authenticate(&lenient, &request).is_ok());
    // An unknown scheme is invalid_request.
    let request = ResourceRequest::new(http("GET", Some("Basic YTpi"), None), URI);
    assert!(matches!(
        rejection(guard().authenticate_jwt(&request, &as_keys(), now())),
        RejectionKind::Malformed(_)
    ));
}

#[test]
fn rfc_9068_typ_must_be_at_jwt() {
    // An ID token (typ JWT) or a token without typ is not an access token (RFC 9068 §4).
    for typ in ["JWT", "dpop+jwt"] {
        let token = access_token_typed(&token_claims("openid", None), typ);
        assert_eq!(
            invalid_token(&token),
            TokenRejection::Jose(JoseError::Claims(ClaimsError::TypMismatch)),
            "{typ}"
        );
    }
}

#[test]
fn rfc_9068_issuer_audience_and_expiry() {
    let mut wrong_iss = token_claims("openid", None);
    wrong_iss["iss"] = json!("https://other-as.example");
    assert_eq!(
        invalid_token(&access_token(&wrong_iss)),
        TokenRejection::Jose(JoseError::Claims(ClaimsError::IssuerMismatch))
    );
    let mut wrong_aud = token_claims("openid", None);
    wrong_aud["aud"] = json!(["https://photos.example"]);
    assert_eq!(
        invalid_token(&access_token(&wrong_aud)),
        TokenRejection::Jose(JoseError::Claims(ClaimsError::AudienceMismatch))
    );
    let mut expired = token_claims("openid", None);
    expired["exp"] = json!(unix_now() - 31);
    assert_eq!(
        invalid_token(&access_token(&expired)),
        TokenRejection::Jose(JoseError::Claims(ClaimsError::Expired))
    );
}

#[test]
fn rfc_9068_required_claims() {
    for name in ["iss", "aud", "sub", "iat", "jti", "exp"] {
        let mut claims = token_claims("openid", None);
        claims.as_object_mut().unwrap().remove(name);
        assert!(
            matches!(
                invalid_token(&access_token(&claims)),
                TokenRejection::Jose(JoseError::Claims(ClaimsError::Missing(_)))
            ),
            "{name}"
        );
    }
    let mut claims = token_claims("openid", None);
    claims.as_object_mut().unwrap().remove("client_id");
    assert!(matches!(
        invalid_token(&access_token(&claims)),
        TokenRejection::Claims(_)
    ));
}

#[test]
fn rfc_9068_signature_and_keys() {
    // Signed by a key that is not the issuer's, under the issuer's kid.
    let impostor = Jwk::generate(Algorithm::Es256, &mut SeededRng::new(7))
        .unwrap()
        .with_kid(Kid::new("as-1").unwrap());
    let header = ostium_jose::SigningHeader::new(Algorithm::Es256)
        .typ("at+jwt")
        .kid(Kid::new("as-1").unwrap());
    let forged = ostium_jose::Signer::new(&impostor, &header)
        .unwrap()
        .sign_json(&token_claims("openid", None))
        .unwrap();
    assert_eq!(
        invalid_token(&forged),
        TokenRejection::Jose(JoseError::Jws(JwsError::InvalidSignature))
    );
    // An unknown kid: the embedder may refresh the issuer's keys.
    let rotated = Jwk::generate(Algorithm::Es256, &mut SeededRng::new(8))
        .unwrap()
        .with_kid(Kid::new("as-2").unwrap());
    let header = ostium_jose::SigningHeader::new(Algorithm::Es256)
        .typ("at+jwt")
        .kid(Kid::new("as-2").unwrap());
    let token = ostium_jose::Signer::new(&rotated, &header)
        .unwrap()
        .sign_json(&token_claims("openid", None))
        .unwrap();
    let authorization = bearer(&token);
    let request = ResourceRequest::new(http("GET", Some(&authorization), None), URI);
    let rejection = guard()
        .authenticate_jwt(&request, &as_keys(), now())
        .unwrap_err();
    assert!(rejection.is_unknown_key());
    let refreshed = JwkSet::from_keys(vec![
        as_key().to_public().unwrap(),
        rotated.to_public().unwrap(),
    ])
    .unwrap();
    assert!(
        guard()
            .authenticate_jwt(&request, &refreshed, now())
            .is_ok()
    );
    // alg none.
    use base64::Engine as _;
    let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let none = format!(
        "{}.{}.",
        b64.encode(br#"{"alg":"none","typ":"at+jwt"}"#),
        b64.encode(token_claims("openid", None).to_string())
    );
    assert_eq!(
        invalid_token(&none),
        TokenRejection::Jose(JoseError::Jws(JwsError::UnsecuredAlgorithm))
    );
}

#[test]
fn mtls_bound_tokens_are_not_used_as_bearer_tokens() {
    let mut claims = token_claims("openid", None);
    claims["cnf"] = json!({"x5t#S256": "bwcK0esc3ACC3DB2Y5_lESsXE8o9ltc05O89jdN-dg2"});
    assert_eq!(
        invalid_token(&access_token(&claims)),
        TokenRejection::UnsupportedConfirmation
    );
}

fn introspected(body: serde_json::Value) -> Result<Authenticated, ostium_resource::Rejection> {
    let authorization = "Bearer opaque-token-1";
    let request = ResourceRequest::new(http("GET", Some(authorization), None), URI);
    let presented = guard().credentials(&request).unwrap();
    let response = IntrospectionResponse::parse_json(body.to_string().as_bytes()).unwrap();
    guard().authenticate_introspected(&request, &presented, &response, now())
}

#[test]
fn rfc_7662_introspection_responses() {
    let active = json!({
        "active": true, "iss": ISSUER, "aud": AUDIENCE, "sub": "user-5",
        "client_id": "drawing-app", "scope": "files:write:/diagrams",
        "exp": unix_now() + 60, "iat": unix_now() - 10,
    });
    let Authenticated::Access(access) = introspected(active.clone()).unwrap() else {
        panic!("bearer");
    };
    assert_eq!(access.subject(), Some("user-5"));
    assert_eq!(access.scope().to_string(), "files:write:/diagrams");
    let check = |patch: serde_json::Value| {
        let mut body = active.clone();
        for (k, v) in patch.as_object().unwrap() {
            body[k] = v.clone();
        }
        match rejection(introspected(body)) {
            RejectionKind::InvalidToken(why) => why,
            other => panic!("{other:?}"),
        }
    };
    assert_eq!(check(json!({"active": false})), TokenRejection::Inactive);
    assert_eq!(
        check(json!({"exp": unix_now() - 31})),
        TokenRejection::Expired
    );
    assert_eq!(
        check(json!({"nbf": unix_now() + 31})),
        TokenRejection::NotYetValid
    );
    assert_eq!(
        check(json!({"iss": "https://other.example"})),
        TokenRejection::IssuerMismatch
    );
    assert_eq!(
        check(json!({"aud": ["https://photos.example"]})),
        TokenRejection::AudienceMismatch
    );
    // Bound to a DPoP key: a bearer presentation is a downgrade.
    assert_eq!(
        check(json!({"cnf": {"jkt": "0ZcOCORZNYy-DWpqq30jZyJGHTN0d2HglBV3uiguA4I"}})),
        TokenRejection::DowngradedToBearer
    );
    // {"active": false} alone, as RFC 7662 §2.2 writes it.
    assert_eq!(
        rejection(introspected(json!({"active": false}))),
        RejectionKind::InvalidToken(TokenRejection::Inactive)
    );
}

fn access(scope: &str) -> ostium_resource::Access {
    let token = access_token(&token_claims(scope, None));
    let authorization = bearer(&token);
    let request = ResourceRequest::new(http("PUT", Some(&authorization), None), URI);
    authenticate(&guard(), &request).unwrap()
}

#[test]
fn may_this_token_write_the_diagram() {
    let access = access("files:write:/diagrams openid");
    access
        .authorize_path(&FILES_WRITE, "/diagrams/plan.svg")
        .unwrap();
    access
        .authorize_path(&FILES_WRITE, "/diagrams/2026/q1/plan.svg")
        .unwrap();
    let refused = access
        .authorize_path(&FILES_WRITE, "/photos/x.jpg")
        .unwrap_err();
    assert_eq!(
        refused.error_code(),
        Some(ResourceErrorCode::InsufficientScope)
    );
    assert_eq!(
        refused.kind(),
        &RejectionKind::InsufficientScope("files:write:/photos/x.jpg".parse().unwrap())
    );
    assert!(
        access
            .authorize_path(&FILES_WRITE, "/diagrams-old/x")
            .is_err()
    );
    // A read grant is not a write grant.
    assert!(
        self::access("files:read:/")
            .authorize_path(&FILES_WRITE, "/diagrams/plan.svg")
            .is_err()
    );
    // A path that could mean something else is a bad request, not a scope question.
    for path in [
        "/diagrams/../secrets",
        "/diagrams/%2e%2e/secrets",
        "/diagrams//x",
    ] {
        let refused = access.authorize_path(&FILES_WRITE, path).unwrap_err();
        assert_eq!(
            refused.error_code(),
            Some(ResourceErrorCode::InvalidRequest),
            "{path}"
        );
    }
}

#[test]
fn scope_tokens_and_authorization_details() {
    let access = access("openid profile");
    access
        .require_scope(&ScopeToken::new("profile").unwrap())
        .unwrap();
    let refused = access
        .require_scope(&ScopeToken::new("email").unwrap())
        .unwrap_err();
    assert_eq!(
        refused.kind(),
        &RejectionKind::InsufficientScope("email".parse().unwrap())
    );

    let mut claims = token_claims("openid", None);
    claims["authorization_details"] = json!([
        {"type": "files", "actions": ["write"], "locations": ["https://storage.example/diagrams"]}
    ]);
    let token = access_token(&claims);
    let authorization = bearer(&token);
    let request = ResourceRequest::new(http("PUT", Some(&authorization), None), URI);
    let access = authenticate(&guard(), &request).unwrap();
    let write = AuthorizationDetails::parse(
        r#"[{"type":"files","actions":["write"],"locations":["https://storage.example/diagrams"]}]"#,
    )
    .unwrap();
    access
        .authorize_details(&write, &RarCoverage::new())
        .unwrap();
    let delete = AuthorizationDetails::parse(
        r#"[{"type":"files","actions":["delete"],"locations":["https://storage.example/diagrams"]}]"#,
    )
    .unwrap();
    let refused = access
        .authorize_details(&delete, &RarCoverage::new())
        .unwrap_err();
    assert_eq!(
        refused.error_code(),
        Some(ResourceErrorCode::InsufficientScope)
    );
    // A token without authorization_details covers only an empty requirement.
    let plain = self::access("openid");
    assert!(
        plain
            .authorize_details(&write, &RarCoverage::new())
            .is_err()
    );
    plain
        .authorize_details(&AuthorizationDetails::default(), &RarCoverage::new())
        .unwrap();
}

fn challenges(response: &ostium_messages::HttpResponse) -> Vec<Challenge> {
    response
        .headers()
        .iter()
        .filter(|(name, _)| *name == "www-authenticate")
        .flat_map(|(_, value)| Challenge::parse_header(value).unwrap())
        .collect()
}

#[test]
fn challenge_without_credentials_offers_both_schemes_without_error() {
    let guard = guard().with_realm("storage");
    let request = ResourceRequest::new(http("GET", None, None), URI);
    let rejection = guard
        .authenticate_jwt(&request, &as_keys(), now())
        .unwrap_err();
    let response = guard.rejection_response(&rejection);
    assert_eq!(response.status(), 401);
    let found = challenges(&response);
    assert_eq!(found.len(), 2);
    assert_eq!(found[0].scheme, TokenScheme::Bearer);
    assert_eq!(found[0].error, None);
    assert_eq!(found[0].realm.as_deref(), Some("storage"));
    assert_eq!(found[1].scheme, TokenScheme::DPoP);
    assert_eq!(found[1].algs, ["PS256", "ES256", "EdDSA"]);
    assert_eq!(
        response.header("www-authenticate"),
        Some(r#"Bearer realm="storage""#)
    );
}

#[test]
fn challenge_invalid_token() {
    let mut expired = token_claims("openid", None);
    expired["exp"] = json!(unix_now() - 3600);
    let token = access_token(&expired);
    let authorization = bearer(&token);
    let request = ResourceRequest::new(http("GET", Some(&authorization), None), URI);
    let rejection = guard()
        .authenticate_jwt(&request, &as_keys(), now())
        .unwrap_err();
    let response = guard().rejection_response(&rejection);
    assert_eq!(response.status(), 401);
    assert_eq!(
        response.header("www-authenticate"),
        Some(r#"Bearer error="invalid_token", error_description="the access token expired""#)
    );
    // A bad signature is not explained to the peer.
    let forged = format!("{}x", &token[..token.len() - 1]);
    let authorization = bearer(&forged);
    let request = ResourceRequest::new(http("GET", Some(&authorization), None), URI);
    let rejection = guard()
        .authenticate_jwt(&request, &as_keys(), now())
        .unwrap_err();
    let value = guard()
        .rejection_response(&rejection)
        .header("www-authenticate")
        .unwrap()
        .to_owned();
    assert!(
        value.starts_with(r#"Bearer error="invalid_token""#),
        "{value}"
    );
    assert!(!value.contains("signature"), "{value}");
}

#[test]
fn challenge_insufficient_scope_names_the_scope() {
    let rejection = access("files:write:/diagrams")
        .authorize_path(&FILES_WRITE, "/photos/x.jpg")
        .unwrap_err();
    let response = guard().rejection_response(&rejection);
    assert_eq!(response.status(), 403);
    let found = challenges(&response);
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].scheme, TokenScheme::Bearer);
    assert_eq!(
        found[0].error.as_ref().unwrap().error,
        ResourceErrorCode::InsufficientScope
    );
    assert_eq!(
        found[0].scope.as_ref().unwrap().to_string(),
        "files:write:/photos/x.jpg"
    );
}

#[test]
fn challenge_invalid_dpop_proof_and_use_dpop_nonce() {
    let key = dpop_key();
    let token = access_token(&token_claims("files:write:/diagrams", Some(&jkt(&key))));
    let mut claims = proof_claims("PUT", URI, &token);
    claims["htm"] = json!("GET");
    let proof = proof(&key, &claims);
    let authorization = format!("DPoP {token}");
    let request = ResourceRequest::new(http("PUT", Some(&authorization), Some(&proof)), URI);
    let rejection = guard()
        .authenticate_jwt(&request, &as_keys(), now())
        .unwrap_err();
    let response = guard().rejection_response(&rejection);
    assert_eq!(response.status(), 401);
    let found = challenges(&response);
    assert_eq!(found[0].scheme, TokenScheme::DPoP);
    assert_eq!(
        found[0].error.as_ref().unwrap().error,
        ResourceErrorCode::InvalidDpopProof
    );
    assert_eq!(found[0].algs, ["PS256", "ES256", "EdDSA"]);
    assert_eq!(response.header("dpop-nonce"), None);

    let nonces = DpopNonces::new("server-nonce-2");
    let proof = support::proof(&key, &proof_claims("PUT", URI, &token));
    let request = ResourceRequest::new(http("PUT", Some(&authorization), Some(&proof)), URI)
        .with_dpop_nonces(&nonces);
    let rejection = guard()
        .authenticate_jwt(&request, &as_keys(), now())
        .unwrap_err();
    let response = guard().rejection_response(&rejection);
    assert_eq!(response.status(), 401);
    assert_eq!(response.header("dpop-nonce"), Some("server-nonce-2"));
    let found = challenges(&response);
    assert_eq!(found[0].scheme, TokenScheme::DPoP);
    assert_eq!(
        found[0].error.as_ref().unwrap().error,
        ResourceErrorCode::UseDpopNonce
    );
}

#[test]
fn challenge_downgrade_uses_the_dpop_scheme() {
    let key = dpop_key();
    let token = access_token(&token_claims("files:write:/diagrams", Some(&jkt(&key))));
    let authorization = bearer(&token);
    let request = ResourceRequest::new(http("PUT", Some(&authorization), None), URI);
    let rejection = guard()
        .authenticate_jwt(&request, &as_keys(), now())
        .unwrap_err();
    let found = challenges(&guard().rejection_response(&rejection));
    assert_eq!(found[0].scheme, TokenScheme::DPoP);
    assert_eq!(
        found[0].error.as_ref().unwrap().error,
        ResourceErrorCode::InvalidToken
    );
}

#[test]
fn challenge_malformed_request() {
    let request = ResourceRequest::new(http("GET", Some("Bearer a b"), None), URI);
    let rejection = guard()
        .authenticate_jwt(&request, &as_keys(), now())
        .unwrap_err();
    let response = guard().rejection_response(&rejection);
    assert_eq!(response.status(), 400);
    assert_eq!(
        challenges(&response)[0].error.as_ref().unwrap().error,
        ResourceErrorCode::InvalidRequest
    );
}

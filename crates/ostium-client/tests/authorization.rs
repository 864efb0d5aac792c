//! Authorization requests and callbacks: checklist items 57, 58, 59, 65 and PAR.

#![allow(clippy::unwrap_used, clippy::indexing_slicing, clippy::panic)]

mod support;

use ostium_client::{
    AuthorizationOptions, CallbackError, ClientCredentials, ClientError, DpopKey,
    PendingAuthorization,
};
use ostium_jose::Algorithm;
use ostium_messages::error::AuthorizationErrorCode;
use ostium_messages::{
    AbsoluteUri, AuthorizationDetails, AuthorizationRequest, ClientSecret, CodeChallenge,
    HttpResponse, Params, ResponseMode, Scope,
};
use ostium_testkit::SeededRng;
use serde_json::json;
use support::*;

/// Parses the query of the authorization URL the way the server does.
fn sent(url: &str) -> AuthorizationRequest {
    let (endpoint, query) = url.split_once('?').unwrap();
    assert_eq!(endpoint, "https://op.example/authorize");
    AuthorizationRequest::parse_query(query).unwrap()
}

#[test]
fn req_58_pkce_s256_fresh_per_request() {
    let client = client();
    let mut rng = SeededRng::new(1);
    let first = client
        .authorization_request(openid_options(), &mut rng)
        .unwrap();
    let second = client
        .authorization_request(openid_options(), &mut rng)
        .unwrap();
    let request = sent(&first.url);
    let challenge = request.code_challenge.unwrap();
    assert_eq!(challenge.method().as_str(), "S256");
    // The challenge is the S256 of the verifier the pending value keeps.
    assert_eq!(
        challenge,
        CodeChallenge::s256(first.pending.code_verifier())
    );
    challenge.verify(first.pending.code_verifier()).unwrap();
    // Per transaction: a new verifier, state and nonce for each request.
    assert_ne!(
        first.pending.code_verifier().as_str(),
        second.pending.code_verifier().as_str()
    );
    assert_ne!(first.pending.state(), second.pending.state());
    assert_ne!(first.pending.nonce(), second.pending.nonce());
}

#[test]
fn the_request_carries_what_the_callback_is_checked_against() {
    let client = client();
    let start = client
        .authorization_request(
            openid_options()
                .with_max_age(300)
                .with_acr_value("urn:mace:incommon:iap:silver")
                .with_login_hint("jane")
                .with_response_mode(ResponseMode::FormPost)
                .with_resource(AbsoluteUri::parse("https://storage.example").unwrap())
                .with_authorization_details(
                    AuthorizationDetails::parse(r#"[{"type":"files","actions":["write"]}]"#)
                        .unwrap(),
                ),
            &mut SeededRng::new(2),
        )
        .unwrap();
    let request = sent(&start.url);
    let pending = &start.pending;
    assert_eq!(request.client_id.as_str(), CLIENT_ID);
    assert_eq!(request.redirect_uri.unwrap().as_str(), REDIRECT_URI);
    assert_eq!(request.state.as_ref(), Some(pending.state()));
    assert_eq!(request.nonce.as_ref(), pending.nonce());
    assert_eq!(pending.state().as_str().len(), 43, "256 bits, base64url");
    assert_eq!(request.max_age, Some(300));
    assert_eq!(request.acr_values, ["urn:mace:incommon:iap:silver"]);
    assert_eq!(request.login_hint.as_deref(), Some("jane"));
    assert_eq!(request.response_mode, Some(ResponseMode::FormPost));
    assert_eq!(request.resource[0].as_str(), "https://storage.example");
    assert!(request.authorization_details.is_some());
    assert_eq!(pending.issuer().as_str(), ISSUER);
    assert_eq!(pending.max_age(), Some(300));
    assert!(pending.is_openid());
}

#[test]
fn plain_oauth_requests_carry_no_nonce() {
    let start = client()
        .authorization_request(
            AuthorizationOptions::new().with_scope(Scope::parse("files:write:/diagrams").unwrap()),
            &mut SeededRng::new(3),
        )
        .unwrap();
    assert_eq!(sent(&start.url).nonce, None);
    assert!(!start.pending.is_openid());
}

#[test]
fn dpop_jkt_binds_the_code_to_a_key() {
    let key = DpopKey::generate(Algorithm::Es256, &mut SeededRng::new(4)).unwrap();
    let start = client()
        .authorization_request(
            openid_options().with_dpop_jkt(key.thumbprint().clone()),
            &mut SeededRng::new(5),
        )
        .unwrap();
    assert_eq!(sent(&start.url).dpop_jkt.as_ref(), Some(key.thumbprint()));
    assert_eq!(start.pending.dpop_jkt(), Some(key.thumbprint()));
}

fn callback(pending: PendingAuthorization, query: &str) -> Result<String, ClientError> {
    client()
        .handle_callback_query(pending, query)
        .map(|code| code.code().as_str().to_owned())
}

fn fresh() -> PendingAuthorization {
    pending(&client(), openid_options(), 7)
}

#[test]
fn req_57_state_must_match_exactly() {
    let state = fresh().state().as_str().to_owned();
    let ok = format!("code=abc&state={state}&iss={ISSUER}");
    assert_eq!(callback(fresh(), &ok).unwrap(), "abc");
    let mut altered = state.clone();
    altered.replace_range(..1, if state.starts_with('A') { "B" } else { "A" });
    for query in [
        format!("code=abc&iss={ISSUER}"),
        format!("code=abc&state={altered}&iss={ISSUER}"),
        format!("code=abc&state={state}x&iss={ISSUER}"),
        format!("code=abc&state={}&iss={ISSUER}", state.to_lowercase()),
    ] {
        assert_eq!(
            callback(fresh(), &query).unwrap_err(),
            ClientError::Callback(CallbackError::StateMismatch),
            "{query}"
        );
    }
}

#[test]
fn req_57_a_callback_consumes_its_pending_request() {
    // `handle_callback` takes the pending value by value: the second use of the same callback
    // needs a second copy, which the embedder deleted when it loaded the first (the borrow
    // checker enforces the rest). A pending value of another request never matches.
    let other = pending(&client(), openid_options(), 8);
    let state = fresh().state().as_str().to_owned();
    assert_eq!(
        callback(other, &format!("code=abc&state={state}&iss={ISSUER}")).unwrap_err(),
        ClientError::Callback(CallbackError::StateMismatch)
    );
}

#[test]
fn req_59_iss_is_compared_exactly() {
    let state = fresh().state().as_str().to_owned();
    for iss in [
        "https://evil.example",
        "https://op.example/",
        "https://OP.example",
    ] {
        assert_eq!(
            callback(fresh(), &format!("code=abc&state={state}&iss={iss}")).unwrap_err(),
            ClientError::Callback(CallbackError::IssuerMismatch {
                expected: ISSUER.into(),
                found: iss.into(),
            }),
            "{iss}"
        );
    }
}

#[test]
fn req_59_missing_iss_is_rejected_when_the_provider_advertises_it() {
    let state = fresh().state().as_str().to_owned();
    assert_eq!(
        callback(fresh(), &format!("code=abc&state={state}")).unwrap_err(),
        ClientError::Callback(CallbackError::IssuerMissing)
    );
    // A provider that does not advertise RFC 9207 may omit it.
    let mut provider = provider();
    provider.iss_parameter_supported = false;
    let legacy = ostium_client::Client::new(
        provider,
        ostium_messages::ClientId::parse(CLIENT_ID).unwrap(),
        ClientCredentials::None,
    );
    let pending = pending(&legacy, openid_options(), 9);
    let query = format!("code=abc&state={}", pending.state().as_str());
    assert!(legacy.handle_callback_query(pending, &query).is_ok());
}

#[test]
fn req_59_mix_up_error_responses_are_checked_too() {
    // An error from another issuer is a mix-up attempt, not this provider's denial.
    let state = fresh().state().as_str().to_owned();
    assert!(matches!(
        callback(
            fresh(),
            &format!("error=access_denied&state={state}&iss=https://evil.example")
        ),
        Err(ClientError::Callback(CallbackError::IssuerMismatch { .. }))
    ));
    assert_eq!(
        callback(fresh(), "error=access_denied&iss=https://op.example").unwrap_err(),
        ClientError::Callback(CallbackError::StateMismatch)
    );
}

#[test]
fn error_responses_map_to_typed_errors() {
    let state = fresh().state().as_str().to_owned();
    let error = callback(
        fresh(),
        &format!(
            "error=access_denied&error_description=The+user+said+no&state={state}&iss={ISSUER}"
        ),
    )
    .unwrap_err();
    let ClientError::Callback(CallbackError::Denied(denied)) = error else {
        panic!("expected a denial, got {error:?}");
    };
    assert_eq!(denied.error, AuthorizationErrorCode::AccessDenied);
    assert_eq!(
        denied.error_description.unwrap().as_str(),
        "The user said no"
    );
    let login = callback(
        fresh(),
        &format!("error=login_required&state={state}&iss={ISSUER}"),
    )
    .unwrap_err();
    assert!(matches!(
        login,
        ClientError::Callback(CallbackError::Denied(e)) if e.error == AuthorizationErrorCode::LoginRequired
    ));
}

#[test]
fn req_65_unknown_response_parameters_are_ignored() {
    let state = fresh().state().as_str().to_owned();
    let query = format!("code=abc&state={state}&iss={ISSUER}&session_state=xyz&foo=bar");
    assert_eq!(callback(fresh(), &query).unwrap(), "abc");
}

#[test]
fn malformed_callbacks_are_refused() {
    let state = fresh().state().as_str().to_owned();
    for query in [
        format!("code=a&code=b&state={state}&iss={ISSUER}"),
        format!("code=a&error=access_denied&state={state}&iss={ISSUER}"),
        format!("state={state}&iss={ISSUER}"),
        "%zz".to_owned(),
    ] {
        assert!(
            matches!(
                callback(fresh(), &query),
                Err(ClientError::Callback(CallbackError::Malformed(_)))
            ),
            "{query}"
        );
    }
}

#[test]
fn form_post_callbacks_are_read_from_the_body() {
    let pending = fresh();
    let body = format!("code=abc&state={}&iss={ISSUER}", pending.state().as_str());
    let params =
        Params::parse_form(Some("application/x-www-form-urlencoded"), body.as_bytes()).unwrap();
    let authorized = client().handle_callback(pending, &params).unwrap();
    assert_eq!(authorized.code().as_str(), "abc");
}

#[test]
fn par_request_and_response() {
    let client = client_with(ClientCredentials::ClientSecretBasic(
        ClientSecret::parse("7Fjfp0ZBr1KtDRbnfVdmIw").unwrap(),
    ));
    let start = client
        .pushed_authorization_request(openid_options(), &mut SeededRng::new(10), now())
        .unwrap();
    assert_eq!(start.request.url(), "https://op.example/par");
    // The server side of ostium-messages reads it as a PAR request.
    let parsed =
        ostium_messages::par::PushedAuthorizationRequest::parse(&start.request.as_http_request())
            .unwrap();
    assert_eq!(parsed.client_auth.method_name(), "client_secret_basic");
    assert_eq!(parsed.request.state.as_ref(), Some(start.pending.state()));
    assert!(parsed.request.code_challenge.is_some());

    let response = json_response(
        201,
        &json!({"request_uri": "urn:ietf:params:oauth:request_uri:6esc_11ACC5bwc014ltc14eY22c", "expires_in": 60}),
    );
    let url = client.pushed_authorization_response(&response).unwrap();
    assert_eq!(
        url,
        "https://op.example/authorize?client_id=fitness-app&request_uri=urn%3Aietf%3Aparams%3Aoauth%3Arequest_uri%3A6esc_11ACC5bwc014ltc14eY22c"
    );
    let error = json_response(400, &json!({"error": "invalid_request"}));
    assert!(matches!(
        client.pushed_authorization_response(&error),
        Err(ClientError::Response(
            ostium_client::ResponseError::Server { status: 400, .. }
        ))
    ));
    assert!(
        client
            .pushed_authorization_response(&HttpResponse::new(500))
            .is_err()
    );
}

#[test]
fn par_required_refuses_front_channel_requests() {
    let mut provider = provider();
    provider.require_pushed_authorization_requests = true;
    let client = ostium_client::Client::new(
        provider,
        ostium_messages::ClientId::parse(CLIENT_ID).unwrap(),
        ClientCredentials::None,
    );
    assert!(matches!(
        client.authorization_request(openid_options(), &mut SeededRng::new(1)),
        Err(ClientError::Misuse(_))
    ));
}

#[test]
fn callbacks_from_a_full_redirect_url() {
    let state = fresh().state().as_str().to_owned();
    for url in [
        format!("https://fitness.example/cb?code=abc&state={state}&iss={ISSUER}"),
        format!("https://fitness.example/cb?code=abc&state={state}&iss={ISSUER}#_=_"),
        format!("https://fitness.example/cb#code=abc&state={state}&iss={ISSUER}"),
    ] {
        let authorized = client().handle_callback_url(fresh(), &url).unwrap();
        assert_eq!(authorized.code().as_str(), "abc", "{url}");
    }
    assert!(matches!(
        client().handle_callback_url(fresh(), "https://fitness.example/cb"),
        Err(ClientError::Callback(CallbackError::Malformed(_)))
    ));
}

//! Interop: the `oauth2` crate (version 5, by people who never saw Ostium) talks to
//! `ostium-engine` in-process, its HTTP-client hook bridged straight to the engine
//! (`engine_interop_bridge`): the endpoint URLs come from the engine's RFC 8414 metadata, and
//! every request is the one the library builds, every response parsed by the library.
//!
//! - client credentials (RFC 6749 §4.4) with `client_secret_post`, and its error paths;
//! - the authorization code flow with PKCE S256 for a public client, then refresh (RFC 6749 §6):
//!   down-scoping, rotation, and reuse detection that revokes the family (RFC 9700 §4.14.2);
//! - revocation (RFC 7009) of access and refresh tokens, unknown tokens and other clients' tokens;
//! - introspection (RFC 7662) by a resource server and by the client itself, of active, revoked,
//!   unknown and other clients' tokens.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod engine_interop_bridge;

use engine_interop_bridge::*;
use oauth2::basic::{
    BasicClient, BasicErrorResponseType, BasicTokenIntrospectionResponse, BasicTokenResponse,
    BasicTokenType,
};
use oauth2::{
    AccessToken, AuthType, AuthUrl, AuthorizationCode, ClientId, ClientSecret, CsrfToken,
    EndpointNotSet, EndpointSet, IntrospectionUrl, PkceCodeChallenge, RedirectUrl, RefreshToken,
    RequestTokenError, RevocationUrl, Scope, StandardErrorResponse, StandardRevocableToken,
    SyncHttpClient, TokenIntrospectionResponse, TokenResponse, TokenUrl,
};
use ostium_jose::Algorithm;

/// A client with every endpoint this file uses.
type OAuthClient = BasicClient<EndpointSet, EndpointNotSet, EndpointSet, EndpointSet, EndpointSet>;

fn provider() -> Provider {
    Provider::new(key_for(Algorithm::Es256, "op-key-1"), Algorithm::Es256)
}

/// The engine's authorization server metadata (RFC 8414 §3), fetched through the bridge.
fn server_metadata(provider: &Provider) -> serde_json::Value {
    let request = http::Request::get(format!("{ISSUER}/.well-known/oauth-authorization-server"))
        .body(Vec::new())
        .unwrap();
    let response = provider.call(request).unwrap();
    assert_eq!(response.status(), 200);
    serde_json::from_slice(response.body()).unwrap()
}

/// An oauth2 client for `id`, configured from the metadata; `secret` makes it confidential.
fn client(provider: &Provider, id: &str, secret: Option<&str>) -> OAuthClient {
    let metadata = server_metadata(provider);
    let url = |name: &str| metadata[name].as_str().unwrap().to_owned();
    let client = BasicClient::new(ClientId::new(id.to_owned()))
        .set_auth_uri(AuthUrl::new(url("authorization_endpoint")).unwrap())
        .set_token_uri(TokenUrl::new(url("token_endpoint")).unwrap())
        .set_revocation_url(RevocationUrl::new(url("revocation_endpoint")).unwrap())
        .set_introspection_url(IntrospectionUrl::new(url("introspection_endpoint")).unwrap());
    match secret {
        Some(secret) => client.set_client_secret(ClientSecret::new(secret.to_owned())),
        None => client,
    }
}

/// The public drawing app (no secret, PKCE).
fn drawing_app(provider: &Provider) -> OAuthClient {
    client(provider, DRAWING_APP, None)
        .set_redirect_uri(RedirectUrl::new(DRAWING_REDIRECT.to_owned()).unwrap())
}

/// The resource server, which may introspect every token.
fn reports_api(provider: &Provider) -> OAuthClient {
    client(provider, REPORTS_API, Some(REPORTS_API_SECRET))
}

/// The back-end service (`client_secret_post`).
fn report_service(provider: &Provider) -> OAuthClient {
    client(provider, REPORT_SERVICE, Some(REPORT_SECRET)).set_auth_type(AuthType::RequestBody)
}

fn scopes(granted: Option<&Vec<Scope>>) -> Vec<String> {
    let mut scopes: Vec<String> = granted
        .expect("the engine always returns scope")
        .iter()
        .map(|s| s.to_string())
        .collect();
    scopes.sort_unstable();
    scopes
}

type Failure<RE> = RequestTokenError<RE, StandardErrorResponse<BasicErrorResponseType>>;

/// The RFC 6749 §5.2 error code the library parsed from the engine's answer.
fn error_code<T: std::fmt::Debug, RE: std::error::Error + 'static>(
    result: Result<T, Failure<RE>>,
) -> BasicErrorResponseType {
    match result {
        Err(RequestTokenError::ServerResponse(error)) => error.error().clone(),
        other => panic!("expected an error response, got {other:?}"),
    }
}

/// The code flow for the drawing app with PKCE S256, as the library drives it.
fn code_flow(provider: &Provider, client: &OAuthClient, scope: &[&str]) -> BasicTokenResponse {
    let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
    let mut request = client.authorize_url(CsrfToken::new_random);
    for token in scope {
        request = request.add_scope(Scope::new((*token).to_owned()));
    }
    let (url, state) = request.set_pkce_challenge(challenge).url();
    let location =
        provider.authorize_in_browser(url.as_str(), DRAWING_REDIRECT, &provider.alice_login());
    let callback = query_params(&location);
    assert_eq!(param(&callback, "state"), Some(state.secret().as_str()));
    assert_eq!(param(&callback, "iss"), Some(ISSUER));
    let code = param(&callback, "code").unwrap().to_owned();
    client
        .exchange_code(AuthorizationCode::new(code))
        .set_pkce_verifier(verifier)
        .request(provider)
        .unwrap_or_else(|e| {
            panic!(
                "code exchange failed: {e:?}\n{:#?}",
                provider.last_exchange()
            )
        })
}

fn introspect(
    provider: &Provider,
    caller: &OAuthClient,
    token: &str,
    hint: &str,
) -> BasicTokenIntrospectionResponse {
    caller
        .introspect(&AccessToken::new(token.to_owned()))
        .set_token_type_hint(hint)
        .request(provider)
        .unwrap_or_else(|e| {
            panic!(
                "introspection failed: {e:?}\n{:#?}",
                provider.last_exchange()
            )
        })
}

/// RFC 7662 §2.2: an inactive token is `{"active": false}` and nothing else.
fn assert_inactive(response: &BasicTokenIntrospectionResponse) {
    assert!(!response.active());
    assert_eq!(response.scopes(), None);
    assert_eq!(response.client_id(), None);
    assert_eq!(response.sub(), None);
    assert_eq!(response.exp(), None);
    assert_eq!(response.token_type(), None);
}

#[test]
fn client_credentials_with_client_secret_post() {
    let provider = provider();
    let service = report_service(&provider);
    let tokens = service
        .exchange_client_credentials()
        .add_scope(Scope::new("reports.read".to_owned()))
        .request(&provider)
        .unwrap_or_else(|e| {
            panic!(
                "client credentials failed: {e:?}\n{:#?}",
                provider.last_exchange()
            )
        });

    // What the library sent: the credentials in the body, no Authorization header.
    let exchange = provider.last_exchange();
    assert_eq!(exchange.authorization, None);
    assert!(
        exchange
            .request_body
            .contains("grant_type=client_credentials")
    );
    assert!(exchange.request_body.contains("client_secret="));

    assert_eq!(tokens.token_type(), &BasicTokenType::Bearer);
    assert_eq!(tokens.expires_in().map(|d| d.as_secs()), Some(600));
    assert_eq!(scopes(tokens.scopes()), ["reports.read"]);
    assert!(
        tokens.refresh_token().is_none(),
        "RFC 6749 §4.4.3: no refresh token for client credentials"
    );

    // The resource server introspects it: the client acts for itself, so there is no user.
    let response = introspect(
        &provider,
        &reports_api(&provider),
        tokens.access_token().secret(),
        "access_token",
    );
    assert!(response.active());
    assert_eq!(scopes(response.scopes()), ["reports.read"]);
    assert_eq!(
        response.client_id().map(|c| c.as_str()),
        Some(REPORT_SERVICE)
    );
    assert_eq!(response.token_type(), Some(&BasicTokenType::Bearer));
    assert_eq!(response.iss(), Some(ISSUER));
    assert_eq!(response.sub(), None);
    let (iat, exp) = (response.iat().unwrap(), response.exp().unwrap());
    assert_eq!(exp.timestamp() - iat.timestamp(), 600);
    assert!((iat.timestamp() - provider.now().unix_timestamp()).abs() <= 5);

    // Without a scope, the client's registered default (RFC 6749 §3.3); with both, both.
    let tokens = service
        .exchange_client_credentials()
        .request(&provider)
        .unwrap();
    assert_eq!(scopes(tokens.scopes()), ["reports.read"]);
    let tokens = service
        .exchange_client_credentials()
        .add_scope(Scope::new("reports.read".to_owned()))
        .add_scope(Scope::new("reports.write".to_owned()))
        .request(&provider)
        .unwrap();
    assert_eq!(scopes(tokens.scopes()), ["reports.read", "reports.write"]);
}

#[test]
fn client_credentials_errors_reach_the_library_as_rfc6749_errors() {
    let provider = provider();

    // A wrong secret in the body: invalid_client.
    let wrong = client(&provider, REPORT_SERVICE, Some("not-the-secret"))
        .set_auth_type(AuthType::RequestBody);
    let result = wrong.exchange_client_credentials().request(&provider);
    assert_eq!(error_code(result), BasicErrorResponseType::InvalidClient);

    // A wrong secret in HTTP Basic: invalid_client with 401 and a Basic challenge (RFC 6749 §5.2).
    let wrong = client(&provider, REPORTS_API, Some("not-the-secret"));
    let result = wrong.exchange_client_credentials().request(&provider);
    assert_eq!(error_code(result), BasicErrorResponseType::InvalidClient);
    let exchange = provider.last_exchange();
    assert_eq!(exchange.status, 401);
    assert!(
        exchange
            .response_header("www-authenticate")
            .unwrap()
            .starts_with("Basic")
    );

    // A public client may not use client credentials; a confidential one without the grant
    // neither.
    let result = drawing_app(&provider)
        .exchange_client_credentials()
        .request(&provider);
    assert_eq!(
        error_code(result),
        BasicErrorResponseType::UnauthorizedClient
    );
    let result = reports_api(&provider)
        .exchange_client_credentials()
        .request(&provider);
    assert_eq!(
        error_code(result),
        BasicErrorResponseType::UnauthorizedClient
    );

    // A scope the service may not have is left out (the OIDC policy ignores it); nothing left is
    // invalid_scope.
    let result = report_service(&provider)
        .exchange_client_credentials()
        .add_scope(Scope::new("openid".to_owned()))
        .request(&provider);
    assert_eq!(error_code(result), BasicErrorResponseType::InvalidScope);
}

#[test]
fn refresh_down_scopes_rotates_and_detects_reuse() {
    let provider = provider();
    let app = drawing_app(&provider);
    let rs = reports_api(&provider);
    let tokens = code_flow(&provider, &app, &["reports.read", "reports.write"]);
    assert_eq!(scopes(tokens.scopes()), ["reports.read", "reports.write"]);
    let first = tokens.refresh_token().expect("a refresh token").clone();

    // Widening is refused (RFC 6749 §6), and the refused request does not use the token up.
    let result = app
        .exchange_refresh_token(&first)
        .add_scope(Scope::new("openid".to_owned()))
        .request(&provider);
    assert_eq!(error_code(result), BasicErrorResponseType::InvalidScope);

    // Down-scoping: the access token gets less, the family keeps the original scope.
    let narrow = app
        .exchange_refresh_token(&first)
        .add_scope(Scope::new("reports.read".to_owned()))
        .request(&provider)
        .unwrap_or_else(|e| panic!("refresh failed: {e:?}\n{:#?}", provider.last_exchange()));
    assert_eq!(scopes(narrow.scopes()), ["reports.read"]);
    let second = narrow
        .refresh_token()
        .expect("a public client's token rotates")
        .clone();
    assert_ne!(second.secret(), first.secret());
    let response = introspect(
        &provider,
        &rs,
        narrow.access_token().secret(),
        "access_token",
    );
    assert_eq!(scopes(response.scopes()), ["reports.read"]);
    assert_eq!(response.sub(), Some(ALICE));

    let wide = app
        .exchange_refresh_token(&second)
        .request(&provider)
        .unwrap();
    assert_eq!(scopes(wide.scopes()), ["reports.read", "reports.write"]);
    let third = wide.refresh_token().unwrap().clone();

    // The rotated-out first token comes back (stolen, or replayed): invalid_grant, and every
    // token of the family dies, the current refresh token and the live access tokens included.
    let replay = app.exchange_refresh_token(&first).request(&provider);
    assert_eq!(error_code(replay), BasicErrorResponseType::InvalidGrant);
    let current = app.exchange_refresh_token(&third).request(&provider);
    assert_eq!(error_code(current), BasicErrorResponseType::InvalidGrant);
    for access in [
        tokens.access_token(),
        narrow.access_token(),
        wide.access_token(),
    ] {
        assert_inactive(&introspect(&provider, &rs, access.secret(), "access_token"));
    }
}

#[test]
fn revocation_rfc7009() {
    let provider = provider();
    let app = drawing_app(&provider);
    let rs = reports_api(&provider);
    let tokens = code_flow(&provider, &app, &["reports.read"]);
    let refresh = tokens.refresh_token().unwrap().clone();

    // Revoking the access token (a public client identifies itself with client_id): gone, but
    // the refresh token still works.
    app.revoke_token(StandardRevocableToken::AccessToken(
        tokens.access_token().clone(),
    ))
    .unwrap()
    .request(&provider)
    .unwrap_or_else(|e| panic!("revocation failed: {e:?}\n{:#?}", provider.last_exchange()));
    let exchange = provider.last_exchange();
    assert_eq!(exchange.status, 200);
    assert!(
        exchange
            .request_body
            .contains("token_type_hint=access_token")
    );
    assert!(
        exchange
            .request_body
            .contains(&format!("client_id={DRAWING_APP}"))
    );
    assert_inactive(&introspect(
        &provider,
        &rs,
        tokens.access_token().secret(),
        "access_token",
    ));
    let refreshed = app
        .exchange_refresh_token(&refresh)
        .request(&provider)
        .unwrap();
    assert!(
        introspect(
            &provider,
            &rs,
            refreshed.access_token().secret(),
            "access_token"
        )
        .active()
    );

    // Another client cannot revoke this token. (The engine answers 200 so as to disclose
    // nothing; RFC 7009 §2.1 would also allow an error. Either way, nothing is revoked.)
    let service = report_service(&provider);
    let answer = service
        .revoke_token(StandardRevocableToken::AccessToken(
            refreshed.access_token().clone(),
        ))
        .unwrap()
        .request(&provider);
    assert!(
        answer.is_ok() || matches!(answer, Err(RequestTokenError::ServerResponse(_))),
        "{answer:?}"
    );
    assert!(
        introspect(
            &provider,
            &rs,
            refreshed.access_token().secret(),
            "access_token"
        )
        .active()
    );

    // Revoking the refresh token revokes the grant: refresh fails, its access tokens die.
    let current = refreshed.refresh_token().unwrap().clone();
    app.revoke_token(StandardRevocableToken::RefreshToken(current.clone()))
        .unwrap()
        .request(&provider)
        .unwrap();
    assert!(
        provider
            .last_exchange()
            .request_body
            .contains("token_type_hint=refresh_token")
    );
    let result = app.exchange_refresh_token(&current).request(&provider);
    assert_eq!(error_code(result), BasicErrorResponseType::InvalidGrant);
    assert_inactive(&introspect(
        &provider,
        &rs,
        refreshed.access_token().secret(),
        "access_token",
    ));

    // An unknown token: 200 all the same (RFC 7009 §2.2).
    app.revoke_token(StandardRevocableToken::RefreshToken(RefreshToken::new(
        "never-issued".to_owned(),
    )))
    .unwrap()
    .request(&provider)
    .unwrap();
    assert_eq!(provider.last_exchange().status, 200);

    // Bad credentials are not an unknown token: invalid_client.
    let wrong = client(&provider, REPORT_SERVICE, Some("not-the-secret"))
        .set_auth_type(AuthType::RequestBody);
    let result = wrong
        .revoke_token(StandardRevocableToken::AccessToken(AccessToken::new(
            "whatever".to_owned(),
        )))
        .unwrap()
        .request(&provider);
    match result {
        Err(RequestTokenError::ServerResponse(error)) => assert_eq!(
            error.error(),
            &oauth2::RevocationErrorResponseType::Basic(BasicErrorResponseType::InvalidClient)
        ),
        other => panic!("expected invalid_client, got {other:?}"),
    }
}

#[test]
fn introspection_rfc7662() {
    let provider = provider();
    let app = drawing_app(&provider);
    let rs = reports_api(&provider);
    let service = report_service(&provider);
    let tokens = code_flow(&provider, &app, &["reports.read", "reports.write"]);
    let access = tokens.access_token().secret();

    // The resource server sees the user's token in full.
    let response = introspect(&provider, &rs, access, "access_token");
    assert!(response.active());
    assert_eq!(scopes(response.scopes()), ["reports.read", "reports.write"]);
    assert_eq!(response.client_id().map(|c| c.as_str()), Some(DRAWING_APP));
    assert_eq!(response.sub(), Some(ALICE));
    assert_eq!(response.iss(), Some(ISSUER));
    assert_eq!(response.token_type(), Some(&BasicTokenType::Bearer));
    let (iat, exp) = (response.iat().unwrap(), response.exp().unwrap());
    assert_eq!(exp.timestamp() - iat.timestamp(), 600);
    let exchange = provider.last_exchange();
    assert!(
        exchange
            .authorization
            .as_deref()
            .unwrap()
            .starts_with("Basic ")
    );
    assert_eq!(
        exchange.response_header("content-type"),
        Some("application/json")
    );

    // The refresh token too, with the hint.
    let refresh = tokens.refresh_token().unwrap().secret();
    let response = introspect(&provider, &rs, refresh, "refresh_token");
    assert!(response.active());
    assert_eq!(response.client_id().map(|c| c.as_str()), Some(DRAWING_APP));
    assert_eq!(scopes(response.scopes()), ["reports.read", "reports.write"]);
    // A wrong hint only orders the search (RFC 7662 §2.1).
    assert!(introspect(&provider, &rs, refresh, "access_token").active());

    // A confidential client sees its own tokens, and nothing of anybody else's.
    let own = service
        .exchange_client_credentials()
        .request(&provider)
        .unwrap();
    assert!(
        introspect(
            &provider,
            &service,
            own.access_token().secret(),
            "access_token"
        )
        .active()
    );
    assert_inactive(&introspect(&provider, &service, access, "access_token"));

    // Unknown and expired tokens are inactive.
    assert_inactive(&introspect(&provider, &rs, "never-issued", "access_token"));
    provider.advance(601);
    assert_inactive(&introspect(&provider, &rs, access, "access_token"));
    assert!(introspect(&provider, &rs, refresh, "refresh_token").active());

    // A public client cannot introspect (RFC 7662 §2.1: the caller authenticates).
    let result = app
        .introspect(&AccessToken::new(access.to_owned()))
        .request(&provider);
    assert_eq!(error_code(result), BasicErrorResponseType::InvalidClient);
}

//! Token response validation: `<status byte><body>` read as the answer to an OpenID Connect code
//! exchange (ID token validated against a fixed provider key), a refresh, a plain grant and a
//! device poll. Never panics; tokens are only returned with a known token type, and for the
//! code exchange only with a valid ID token carrying the request's nonce.
#![no_main]

use libfuzzer_sys::fuzz_target;
use ostium_client::{
    AuthorizationOptions, Client, ClientCredentials, DeviceStep, ProviderConfig, ProviderJwks,
    TokenStep,
};
use ostium_jose::{Algorithm, AlgorithmSet, Jwk, JwkSet, Kid};
use ostium_messages::redirect_uri::RedirectUri;
use ostium_messages::{AbsoluteUri, ClientId, HttpResponse, Issuer, Scope, TokenType};
use ostium_testkit::{FixedClock, SeededRng};

fn client() -> Client {
    let issuer = Issuer::parse("https://op.example").expect("issuer");
    let mut provider = ProviderConfig::new(
        issuer,
        AbsoluteUri::parse("https://op.example/token").expect("endpoint"),
    );
    provider.authorization_endpoint =
        Some(AbsoluteUri::parse("https://op.example/authorize").expect("endpoint"));
    provider.device_authorization_endpoint =
        Some(AbsoluteUri::parse("https://op.example/device").expect("endpoint"));
    Client::new(
        provider,
        ClientId::parse("fitness-app").expect("client_id"),
        ClientCredentials::None,
    )
    .with_redirect_uri(RedirectUri::parse("https://fitness.example/cb").expect("redirect"))
    .with_id_token_algorithms(AlgorithmSet::of(&[Algorithm::Es256]))
}

fuzz_target!(|data: &[u8]| {
    let Some((&status, body)) = data.split_first() else {
        return;
    };
    let status = match status % 4 {
        0 => 200,
        1 => 400,
        2 => 401,
        _ => 500,
    };
    let now = FixedClock::default().now();
    let mut response = HttpResponse::new(status)
        .with_header("content-type", "application/json")
        .with_body(body.to_vec());
    if status == 400 {
        response = response.with_header("dpop-nonce", "server-nonce");
    }
    let client = client();
    let start = client
        .authorization_request(
            AuthorizationOptions::new().with_scope(Scope::parse("openid").expect("scope")),
            &mut SeededRng::new(1),
        )
        .expect("request");
    let nonce = start.pending.nonce().expect("nonce").as_str().to_owned();
    let query = format!(
        "code=abc&state={}&iss=https%3A%2F%2Fop.example",
        start.pending.state().as_str()
    );
    let authorized = client
        .handle_callback_query(start.pending, &query)
        .expect("callback");
    let key = Jwk::generate(Algorithm::Es256, &mut SeededRng::new(42))
        .expect("key")
        .with_kid(Kid::new("k1").expect("kid"));
    let keys = ProviderJwks::new(
        JwkSet::from_keys(vec![key.to_public().expect("public")]).expect("set"),
        now - time::Duration::minutes(10),
    );

    if let Ok(TokenStep::Tokens(tokens)) =
        client.code_exchange_response(&authorized, &response, Some(&keys), now)
    {
        assert!(matches!(tokens.token_type, TokenType::Bearer | TokenType::DPoP));
        let id_token = tokens.id_token.as_ref().expect("OpenID Connect tokens have an ID token");
        assert_eq!(id_token.claims().nonce.as_deref(), Some(nonce.as_str()));
        // A refresh answered with the same body keeps the identity.
        if let Ok(TokenStep::Tokens(refreshed)) =
            client.refresh_response(&tokens, &response, Some(&keys), now)
        {
            let new = refreshed.id_token.expect("carried over or refreshed");
            assert_eq!(new.subject(), id_token.subject());
        }
    }
    if let Ok(TokenStep::Tokens(tokens)) = client.token_response(&response, now) {
        assert!(matches!(tokens.token_type, TokenType::Bearer | TokenType::DPoP));
        assert!(tokens.id_token.is_none());
    }
    let device = HttpResponse::new(200)
        .with_header("content-type", "application/json")
        .with_body(
            br#"{"device_code":"d","user_code":"U","verification_uri":"https://op.example/d","expires_in":600}"#
                .to_vec(),
        );
    let mut flow = client
        .device_authorization_response(&device, now)
        .expect("device response");
    let _ = client.device_authorization_response(&response, now);
    if let Ok(DeviceStep::SlowDown { interval, .. }) =
        client.device_poll_response(&mut flow, &response, now)
    {
        assert_eq!(interval, time::Duration::seconds(10));
    }
});

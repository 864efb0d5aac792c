//! The client's callback handling: any query string at the redirect URI, for a fixed pending
//! request. Never panics; whatever is accepted carried the exact `state` and `iss`.
#![no_main]

use libfuzzer_sys::fuzz_target;
use ostium_client::{AuthorizationOptions, Client, ClientCredentials, ProviderConfig};
use ostium_messages::redirect_uri::RedirectUri;
use ostium_messages::{AbsoluteUri, ClientId, Issuer, Params, Scope};
use ostium_testkit::SeededRng;

fn client() -> Client {
    let issuer = Issuer::parse("https://op.example").expect("issuer");
    let mut provider = ProviderConfig::new(
        issuer,
        AbsoluteUri::parse("https://op.example/token").expect("endpoint"),
    );
    provider.authorization_endpoint =
        Some(AbsoluteUri::parse("https://op.example/authorize").expect("endpoint"));
    provider.iss_parameter_supported = true;
    Client::new(
        provider,
        ClientId::parse("fitness-app").expect("client_id"),
        ClientCredentials::None,
    )
    .with_redirect_uri(RedirectUri::parse("https://fitness.example/cb").expect("redirect"))
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let client = client();
    let options = AuthorizationOptions::new().with_scope(Scope::parse("openid").expect("scope"));
    // Seed 1: the seeds use this request's state (`STATE` below the first line of each seed).
    let start = client
        .authorization_request(options, &mut SeededRng::new(1))
        .expect("request");
    let state = start.pending.state().as_str().to_owned();
    // `{state}` in the input stands for the real state, so the fuzzer reaches past the check.
    let query = text.replace("{state}", &state);
    if let Ok(authorized) = client.handle_callback_query(start.pending.clone(), &query) {
        let params = Params::parse_query(&query).expect("accepted queries parse");
        assert_eq!(params.single("state").ok().flatten(), Some(state.as_str()));
        assert_eq!(
            params.single("iss").ok().flatten(),
            Some("https://op.example")
        );
        assert!(!authorized.code().as_str().is_empty());
    }
    if let Ok(params) = Params::parse_form(Some("application/x-www-form-urlencoded"), query.as_bytes()) {
        let _ = client.handle_callback(start.pending, &params);
    }
});

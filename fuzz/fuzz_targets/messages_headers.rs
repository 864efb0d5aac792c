//! Header parsing: `WWW-Authenticate` challenges (a client's view), `Authorization` for resource
//! requests (Bearer/DPoP) and for client authentication (Basic). Never panics; a parsed challenge
//! written back parses to the same challenge.
#![no_main]

use libfuzzer_sys::fuzz_target;
use ostium_messages::resource::{Challenge, TokenMethods, presented_token};
use ostium_messages::{ClientAuthentication, HttpRequest, Params};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(challenges) = Challenge::parse_header(text) {
        for challenge in challenges {
            let written = challenge.to_header_value();
            let again = Challenge::parse_header(&written).expect("written challenge parses");
            assert_eq!(again.len(), 1);
            assert_eq!(again[0].to_header_value(), written);
        }
    }
    let (authorization, dpop) = text.split_once('\n').unwrap_or((text, ""));
    let request = HttpRequest {
        method: "GET",
        authorization: Some(authorization),
        dpop: Some(dpop).filter(|d| !d.is_empty()),
        query: Some(dpop),
        ..HttpRequest::default()
    };
    let _ = presented_token(&request, TokenMethods::HEADER_ONLY);
    let _ = presented_token(
        &request,
        TokenMethods::HEADER_ONLY
            .with_form_body()
            .danger_with_query(),
    );
    if let Ok(auth) = ClientAuthentication::parse(Some(authorization), &Params::new()) {
        let mut params = Params::new();
        let header = auth.apply(&mut params);
        assert_eq!(
            ClientAuthentication::parse(header.as_deref(), &params).expect("written auth parses"),
            auth
        );
    }
});

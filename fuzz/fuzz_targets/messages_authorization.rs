//! Authorization requests and callbacks: never panic, a query or body parses as its `Params`
//! do, and a parsed request or callback written back parses to the same value.
#![no_main]

use libfuzzer_sys::fuzz_target;
use ostium_messages::{AuthorizationCallback, AuthorizationRequest, Params};

fuzz_target!(|data: &[u8]| {
    ostium_messages::fuzzing::check_authorization_request(data);
    let Ok(query) = std::str::from_utf8(data) else {
        let _ = AuthorizationRequest::parse_form(Some("application/x-www-form-urlencoded"), data);
        return;
    };
    match AuthorizationRequest::parse_query(query) {
        Ok(request) => {
            let again = AuthorizationRequest::parse(&request.to_params())
                .expect("a written request parses");
            assert_eq!(again, request);
            let url = request.to_url("https://as.example/authorize?x=1");
            assert!(url.starts_with("https://as.example/authorize?x=1&"));
        }
        Err(error) => {
            let _ = error.to_error_redirect(None).to_params().encode();
        }
    }
    if let Ok(params) = Params::parse_query(query) {
        if let Ok(callback) = AuthorizationCallback::parse(&params) {
            let written = match &callback {
                AuthorizationCallback::Success(success) => success.to_params(),
                AuthorizationCallback::Error(error) => error.to_params(),
                _ => return,
            };
            assert_eq!(
                AuthorizationCallback::parse(&written).expect("callback parses"),
                callback
            );
        }
    }
});

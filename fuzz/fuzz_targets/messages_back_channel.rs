//! Revocation, introspection, device authorization and pushed authorization requests: never
//! panic on any header and body.
#![no_main]

use libfuzzer_sys::fuzz_target;
use ostium_messages::HttpRequest;
use ostium_messages::device::DeviceAuthorizationRequest;
use ostium_messages::introspection::IntrospectionRequest;
use ostium_messages::logout::{LogoutRequest, parse_backchannel_logout};
use ostium_messages::par::PushedAuthorizationRequest;
use ostium_messages::revocation::RevocationRequest;

fuzz_target!(|data: &[u8]| {
    let (header, body) = match data.iter().position(|&b| b == b'\n') {
        Some(at) => (std::str::from_utf8(&data[..at]).ok(), &data[at + 1..]),
        None => (None, data),
    };
    let request = HttpRequest {
        authorization: header.filter(|h| !h.is_empty()),
        ..HttpRequest::form_post(body)
    };
    if let Ok(revocation) = RevocationRequest::parse(&request) {
        let (form, authorization) = revocation.to_form();
        let encoded = form.encode();
        let again = RevocationRequest::parse(&HttpRequest {
            authorization: authorization.as_deref(),
            ..HttpRequest::form_post(encoded.as_bytes())
        })
        .expect("a written revocation request parses");
        assert_eq!(again, revocation);
    }
    let _ = IntrospectionRequest::parse(&request);
    if let Ok(device) = DeviceAuthorizationRequest::parse(&request) {
        let _ = device.to_form();
    }
    if let Ok(pushed) = PushedAuthorizationRequest::parse(&request) {
        let (form, authorization) = pushed.to_form();
        let encoded = form.encode();
        let again = PushedAuthorizationRequest::parse(&HttpRequest {
            authorization: authorization.as_deref(),
            ..HttpRequest::form_post(encoded.as_bytes())
        })
        .expect("a written pushed request parses");
        assert_eq!(again.request, pushed.request);
    }
    if let Ok(params) = ostium_messages::Params::parse_form(request.content_type, body) {
        if let Ok(logout) = LogoutRequest::parse(&params) {
            assert_eq!(
                LogoutRequest::parse(&logout.to_params()).expect("logout parses"),
                logout
            );
        }
    }
    let _ = parse_backchannel_logout(request.content_type, body);
});

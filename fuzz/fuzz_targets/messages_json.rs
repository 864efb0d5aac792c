//! Every JSON message: never panics on any body, what parses strictly serializes back to a
//! value that parses to the same thing, and the direct writers write serde_json's bytes.
#![no_main]

use libfuzzer_sys::fuzz_target;
use ostium_messages::claims::{ClaimsRequest, IdTokenClaims, UserInfo};
use ostium_messages::device::DeviceAuthorizationResponse;
use ostium_messages::introspection::IntrospectionResponse;
use ostium_messages::logout::LogoutTokenClaims;
use ostium_messages::metadata::ServerMetadata;
use ostium_messages::par::PushedAuthorizationResponse;
use ostium_messages::registration::{ClientInformation, ClientMetadata};
use ostium_messages::{ErrorResponse, Leniency, TokenErrorCode, TokenResponse};

fuzz_target!(|data: &[u8]| {
    ostium_messages::fuzzing::check_json_writers(data);
    if let Ok(response) = TokenResponse::parse_json(data) {
        let written = response.to_response();
        assert_eq!(
            TokenResponse::parse_json(written.body()).expect("reparse"),
            response
        );
    }
    if let Ok(response) = TokenResponse::parse_json_lenient(data, Leniency::ALL) {
        let written = response.to_response();
        assert_eq!(
            TokenResponse::parse_json(written.body()).expect("strict reparse"),
            response
        );
    }
    if let Ok(error) = ErrorResponse::<TokenErrorCode>::parse_json_lenient(data) {
        let written = ostium_messages::HttpResponse::token_error(&error, "as");
        let strict = ErrorResponse::<TokenErrorCode>::parse_json(written.body())
            .expect("written errors are strict");
        assert_eq!(strict, error);
    }
    if let Ok(response) = IntrospectionResponse::parse_json(data) {
        let _ = response.to_response();
    }
    let _ = IntrospectionResponse::parse_json_lenient(data, Leniency::ALL);
    if let Ok(response) = DeviceAuthorizationResponse::parse_json(data) {
        let written = response.to_response();
        assert_eq!(
            DeviceAuthorizationResponse::parse_json(written.body()).expect("reparse"),
            response
        );
    }
    let _ = DeviceAuthorizationResponse::parse_json_lenient(data, Leniency::ALL);
    let _ = PushedAuthorizationResponse::parse_json(data);
    if let Ok(info) = UserInfo::parse_json(data) {
        let _ = info.to_response();
    }
    let _ = ClientInformation::parse_json(data);
    if let Ok(metadata) = ClientMetadata::parse_request(Some("application/json"), data) {
        let again = ClientMetadata::parse_request(Some("application/json"), &metadata.to_json())
            .expect("written metadata parses");
        assert_eq!(again.redirect_uris, metadata.redirect_uris);
    }
    if let Ok(metadata) = ServerMetadata::parse_json(data) {
        let _ = metadata.to_response();
    }
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = ClaimsRequest::parse(text);
    }
    let _ = IdTokenClaims::parse_json(data);
    if let Ok(claims) = LogoutTokenClaims::parse_json(data) {
        let _ = claims.validate_shape();
    }
});

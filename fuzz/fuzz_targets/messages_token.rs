//! Token requests (every grant, every client authentication method): never panic, parse as
//! their public steps do, and a parsed request written back as a client would send it parses to
//! the same value.
#![no_main]

use libfuzzer_sys::fuzz_target;
use ostium_messages::{Grant, HttpRequest, TokenRequest};

fuzz_target!(|data: &[u8]| {
    // Input shape: "<Authorization header>\n<body>"; an empty first line means no header.
    let (header, body) = match data.iter().position(|&b| b == b'\n') {
        Some(at) => (std::str::from_utf8(&data[..at]).ok(), &data[at + 1..]),
        None => (None, data),
    };
    let header = header.filter(|h| !h.is_empty());
    let request = HttpRequest {
        authorization: header,
        ..HttpRequest::form_post(body)
    };
    ostium_messages::fuzzing::check_token_request(&request);
    let Ok(parsed) = TokenRequest::parse(&request) else {
        return;
    };
    if matches!(parsed.grant, Grant::Password { .. }) {
        // The password is not kept, so the request cannot be written back.
        return;
    }
    let (form, authorization) = parsed.to_form();
    let body = form.encode();
    let again = TokenRequest::parse(&HttpRequest {
        authorization: authorization.as_deref(),
        ..HttpRequest::form_post(body.as_bytes())
    })
    .expect("a written token request parses");
    assert_eq!(again, parsed);
});

//! Redirect URI registration and matching: never panics, a match is either the exact string
//! or, for a loopback registration, the same URI with only a canonical port changed, and the
//! syntax check without `url` agrees with `url`.
#![no_main]

use libfuzzer_sys::fuzz_target;
use ostium_messages::{
    RedirectUri, RedirectUriParameter, RegisteredRedirectUri, select_redirect_uri,
};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    // Input shape: "<registered>\n<requested>".
    let (registered, requested) = text.split_once('\n').unwrap_or((text, text));
    ostium_messages::fuzzing::check_redirect_uri(registered);
    ostium_messages::fuzzing::check_redirect_uri(requested);
    let _ = RedirectUri::parse(requested);
    let Ok(parsed) = RegisteredRedirectUri::parse(registered) else {
        return;
    };
    assert_eq!(parsed.as_str(), registered);
    assert!(!registered.contains('#'));
    assert!(parsed.matches_str(registered));
    if registered.starts_with("http:") {
        assert!(parsed.is_loopback());
    }
    if !parsed.matches_str(requested) {
        return;
    }
    if requested != registered {
        assert!(parsed.is_loopback());
        assert_eq!(strip_port(requested), strip_port(registered));
        assert!(RedirectUri::parse(requested).is_ok());
    }
    if let Ok(request) = RedirectUri::parse(requested) {
        let selected = select_redirect_uri(
            std::slice::from_ref(&parsed),
            Some(&request),
            RedirectUriParameter::Required,
        )
        .expect("a matching URI is selected");
        assert_eq!(selected.as_str(), requested);
    }
});

/// `http://<host>[:port]<rest>` without the port.
fn strip_port(uri: &str) -> String {
    for host in ["http://127.0.0.1", "http://[::1]"] {
        if let Some(after) = uri.strip_prefix(host) {
            let rest = match after.strip_prefix(':') {
                Some(p) => p.trim_start_matches(|c: char| c.is_ascii_digit()),
                None => after,
            };
            return format!("{host}{rest}");
        }
    }
    panic!("not a loopback URI: {uri}");
}

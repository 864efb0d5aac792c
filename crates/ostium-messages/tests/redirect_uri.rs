//! Redirect URI matching against a reference model (RFC 6749 §3.1.2.3, RFC 8252 §7.3,
//! RFC 9700 §4.1.3): the most common bug class in OAuth servers, so it is tested from several
//! sides: generated near-miss URIs, mutations of registered URIs, and arbitrary strings.

#![allow(clippy::indexing_slicing)] // Test helpers index freely.

use ostium_messages::{
    RedirectUri, RedirectUriError, RedirectUriParameter, RegisteredRedirectUri, select_redirect_uri,
};
use proptest::prelude::*;

/// The rule, written as plainly as possible: equal strings match; otherwise both must be
/// `http://<loopback literal>[:port]<rest>` with the same literal and rest, and a canonical port.
fn model(registered: &str, requested: &str) -> bool {
    if registered == requested {
        return true;
    }
    fn loopback_parts(uri: &str) -> Option<(&'static str, &str)> {
        for host in ["http://127.0.0.1", "http://[::1]"] {
            let Some(after) = uri.strip_prefix(host) else {
                continue;
            };
            let rest = match after.strip_prefix(':') {
                Some(port_and_rest) => {
                    let end = port_and_rest
                        .find(|c: char| !c.is_ascii_digit())
                        .unwrap_or(port_and_rest.len());
                    let port = &port_and_rest[..end];
                    let number: u64 = port.parse().ok()?;
                    if port.starts_with('0') || number == 0 || number > 65535 {
                        return None;
                    }
                    &port_and_rest[end..]
                }
                None => after,
            };
            if rest.is_empty() || rest.starts_with('/') || rest.starts_with('?') {
                return Some((host, rest));
            }
            return None;
        }
        None
    }
    match (loopback_parts(registered), loopback_parts(requested)) {
        (Some(a), Some(b)) => a == b,
        _ => false,
    }
}

fn uri() -> impl Strategy<Value = String> {
    let scheme = prop::sample::select(vec!["http", "https", "HTTP", "Https"]);
    let userinfo = prop::sample::select(vec!["", "", "", "user@", "127.0.0.1@"]);
    let host = prop::sample::select(vec![
        "127.0.0.1",
        "[::1]",
        "localhost",
        "client.example",
        "CLIENT.example",
        "client.example.",
        "127.0.0.1.evil.example",
        "127.1",
        "127.0.0.2",
        "[::0001]",
        "[0:0:0:0:0:0:0:1]",
        "xn--caf-dma.example",
    ]);
    let port = prop::sample::select(vec![
        "", "", "", ":0", ":1", ":80", ":443", ":8080", ":65535", ":65536", ":08080", ":",
    ]);
    let path = prop::sample::select(vec![
        "", "/", "/cb", "/CB", "/cb/", "/%63b", "/c%2Fb", "/cb;x",
    ]);
    let query = prop::sample::select(vec![
        "", "", "?", "?a=1", "?a=1&b=2", "?b=2&a=1", "?A=1", "?a=%31",
    ]);
    (scheme, userinfo, host, port, path, query)
        .prop_map(|(s, u, h, p, pa, q)| format!("{s}://{u}{h}{p}{pa}{q}"))
}

fn mutate(uri: &str, at: usize, how: u8, byte: u8) -> String {
    let mut bytes = uri.as_bytes().to_vec();
    let at = at % (bytes.len() + 1);
    match how % 4 {
        0 if at < bytes.len() => {
            bytes.remove(at);
        }
        1 => bytes.insert(at, byte),
        2 if at < bytes.len() => bytes[at] = byte,
        _ => {
            if let Some(b) = bytes.get_mut(at) {
                if b.is_ascii_lowercase() {
                    *b = b.to_ascii_uppercase();
                } else {
                    *b = b.to_ascii_lowercase();
                }
            }
        }
    }
    String::from_utf8_lossy(&bytes).into_owned()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(4096))]

    #[test]
    fn req_6_matching_agrees_with_the_model(registered in uri(), requested in uri()) {
        if let Ok(parsed) = RegisteredRedirectUri::parse(&registered) {
            prop_assert_eq!(parsed.matches_str(&requested), model(&registered, &requested),
                "registered {} requested {}", registered, requested);
            if let Ok(request) = RedirectUri::parse(&requested) {
                let selected = select_redirect_uri(
                    std::slice::from_ref(&parsed), Some(&request), RedirectUriParameter::Required);
                prop_assert_eq!(selected.is_ok(), model(&registered, &requested));
                if let Ok(target) = selected {
                    prop_assert_eq!(target.as_str(), requested.as_str());
                }
            }
        }
    }

    #[test]
    fn req_6_any_mutation_of_a_non_loopback_uri_fails(
        registered in uri(), at in 0usize..64, how in any::<u8>(), byte in 0x20u8..0x7f,
    ) {
        if let Ok(parsed) = RegisteredRedirectUri::parse(&registered) {
            let mutated = mutate(&registered, at, how, byte);
            let expected = mutated == registered
                || (parsed.is_loopback() && model(&registered, &mutated));
            prop_assert_eq!(parsed.matches_str(&mutated), expected, "{} vs {}", registered, mutated);
        }
    }

    #[test]
    fn req_6_arbitrary_strings_follow_the_model(requested in ".{0,64}") {
        for registered in ["https://client.example/cb?x=1", "http://127.0.0.1/cb", "http://[::1]:8080"] {
            let parsed = RegisteredRedirectUri::parse(registered).unwrap();
            prop_assert_eq!(parsed.matches_str(&requested), model(registered, &requested));
        }
    }

    #[test]
    fn req_8_registered_uris_are_absolute_without_fragment_and_http_only_on_loopback(candidate in uri()) {
        if let Ok(parsed) = RegisteredRedirectUri::parse(&candidate) {
            let url = url::Url::parse(&candidate).unwrap();
            prop_assert!(url.fragment().is_none());
            prop_assert!(url.username().is_empty() && url.password().is_none());
            if url.scheme() == "http" {
                prop_assert!(parsed.is_loopback());
                prop_assert!(candidate.starts_with("http://127.0.0.1") || candidate.starts_with("http://[::1]"));
            }
        }
    }
}

#[test]
fn req_5_unregistered_redirect_uri_is_not_redirectable() {
    let registered = [RegisteredRedirectUri::parse("https://client.example/cb").unwrap()];
    let attacker = RedirectUri::parse("https://attacker.example/cb").unwrap();
    assert_eq!(
        select_redirect_uri(&registered, Some(&attacker), RedirectUriParameter::Required),
        Err(RedirectUriError::NotRegistered)
    );
}

#[test]
fn req_6_added_or_changed_query_fails() {
    let registered = RegisteredRedirectUri::parse("https://client.example/cb?foo=bar").unwrap();
    assert!(registered.matches_str("https://client.example/cb?foo=bar"));
    assert!(!registered.matches_str("https://client.example/cb?foo=baz"));
    assert!(!registered.matches_str("https://client.example/cb?foo=bar&bar=foo"));
    let plain = RegisteredRedirectUri::parse("https://client.example/cb").unwrap();
    assert!(!plain.matches_str("https://client.example/cb?added=1"));
}

#[test]
fn req_6_idn_and_encoded_hosts_do_not_cross_match() {
    let punycode = RegisteredRedirectUri::parse("https://xn--caf-dma.example/cb").unwrap();
    assert!(!punycode.matches_str("https://café.example/cb"));
    assert!(!punycode.matches_str("https://XN--CAF-DMA.example/cb"));
    // An IRI is not a URI: it is refused at registration and never parsed as a request value.
    assert!(RegisteredRedirectUri::parse("https://café.example/cb").is_err());
    assert!(RedirectUri::parse("https://café.example/cb").is_err());
    let plain = RegisteredRedirectUri::parse("https://client.example/cb").unwrap();
    for encoded in [
        "https://client%2Eexample/cb",
        "https://client.example%2Fcb",
        "https://client.example/%63%62",
        "https://client.example:443/cb",
        "https://client.example/cb/",
        "https://client.example/./cb",
        "https://client.example//cb",
        "https://client.example/cb?",
    ] {
        assert!(!plain.matches_str(encoded), "{encoded}");
    }
}

#[test]
fn req_6_loopback_registration_variants() {
    // Only the two literals are loopback; other spellings of the same address are refused.
    for refused in [
        "http://127.000.000.001/cb",
        "http://2130706433/cb",
        "http://0x7f.0.0.1/cb",
        "http://[::ffff:127.0.0.1]/cb",
        "http://[0::1]/cb",
        "http://localhost./cb",
    ] {
        assert!(RegisteredRedirectUri::parse(refused).is_err(), "{refused}");
    }
    let v6 = RegisteredRedirectUri::parse("http://[::1]/cb").unwrap();
    assert!(v6.is_loopback());
    assert!(!v6.matches_str("http://[::1]:8080@evil.example/cb"));
    assert!(!v6.matches_str("http://[::1]:8080#/cb"));
}

//! PKCE parameter parsing and the token endpoint's verification decision: never panics, and what
//! parses round-trips.
#![no_main]

use libfuzzer_sys::fuzz_target;
use ostium_pkce::{CodeChallenge, CodeVerifier, verify_exchange};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    // Input shape: "<challenge>\n<method or empty>\n<verifier>"; any other shape is fuzzed too.
    let mut parts = text.splitn(3, '\n');
    let challenge = parts.next().unwrap_or_default();
    let method = parts.next().filter(|m| !m.is_empty());
    let verifier = parts.next();

    if let Ok(parsed) = CodeVerifier::parse(challenge) {
        assert_eq!(parsed.as_str(), challenge);
        let s256 = CodeChallenge::s256(&parsed);
        assert!(s256.verify(&parsed).is_ok());
    }
    for bound in [
        CodeChallenge::parse(challenge, method),
        CodeChallenge::danger_parse_allowing_plain(challenge, method),
    ] {
        if let Ok(bound) = bound {
            assert_eq!(bound.as_str(), challenge);
            let reparsed = CodeChallenge::danger_parse_allowing_plain(
                bound.as_str(),
                Some(bound.method().as_str()),
            );
            assert_eq!(reparsed.as_ref(), Ok(&bound));
            let _ = verify_exchange(Some(&bound), verifier);
        }
    }
    let _ = verify_exchange(None, verifier);
});

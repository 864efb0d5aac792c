//! Property tests: parse/display round trips and verification laws.

use ostium_pkce::{CodeChallenge, CodeVerifier, PkceError, verify_exchange};
use proptest::prelude::*;

fn verifier_string() -> impl Strategy<Value = String> {
    "[A-Za-z0-9._~-]{43,128}"
}

proptest! {
    #[test]
    fn verifier_parse_as_str_round_trip(value in verifier_string()) {
        let verifier = CodeVerifier::parse(&value).unwrap();
        prop_assert_eq!(verifier.as_str(), value.as_str());
        let json = serde_json::to_string(&verifier).unwrap();
        prop_assert_eq!(serde_json::from_str::<CodeVerifier>(&json).unwrap(), verifier);
    }

    #[test]
    fn challenge_parse_as_str_round_trip(value in verifier_string()) {
        let challenge = CodeChallenge::s256(&CodeVerifier::parse(&value).unwrap());
        let parsed = CodeChallenge::parse(challenge.as_str(), Some(challenge.method().as_str())).unwrap();
        prop_assert_eq!(parsed, challenge);
    }

    #[test]
    fn a_verifier_matches_its_own_challenge_and_no_other(a in verifier_string(), b in verifier_string()) {
        let va = CodeVerifier::parse(&a).unwrap();
        let vb = CodeVerifier::parse(&b).unwrap();
        let challenge = CodeChallenge::s256(&va);
        prop_assert_eq!(verify_exchange(Some(&challenge), Some(&a)), Ok(()));
        let expected = if a == b { Ok(()) } else { Err(PkceError::Mismatch) };
        prop_assert_eq!(challenge.verify(&vb), expected);
    }

    #[test]
    fn parsing_arbitrary_strings_never_panics_and_accepts_only_valid_syntax(value in ".{0,200}") {
        let valid = (43..=128).contains(&value.len())
            && value.bytes().all(|b| b.is_ascii_alphanumeric() || b"-._~".contains(&b));
        prop_assert_eq!(CodeVerifier::parse(&value).is_ok(), valid);
        let _ = CodeChallenge::parse(&value, Some("S256"));
        let _ = CodeChallenge::danger_parse_allowing_plain(&value, None);
    }
}

//! Known-answer and checklist tests for RFC 7636 (vectors from `../shared/vectors`).

use ostium_pkce::{CodeChallenge, CodeChallengeMethod, CodeVerifier, PkceError, verify_exchange};
use ostium_testkit::{SeededRng, vectors};

/// RFC 7636 Appendix B: the 32 octets, the verifier they encode, and its S256 challenge.
#[test]
fn rfc7636_appendix_b_s256_vector() {
    let vector = vectors::load("rfc7636_appendix_b");
    let octets: Vec<u8> = vector["random_octets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| u8::try_from(n.as_u64().unwrap()).unwrap())
        .collect();
    let expected_verifier = vector["code_verifier"].as_str().unwrap();
    let expected_challenge = vector["code_challenge"].as_str().unwrap();

    // The verifier is the base64url encoding of the octets: reproduce it through `generate`
    // with a generator that returns exactly those octets.
    struct Replay(Vec<u8>);
    impl ostium_rand::SecureRng for Replay {
        fn fill(&mut self, dest: &mut [u8]) -> Result<(), ostium_rand::RandomFailure> {
            let taken: Vec<u8> = self.0.drain(..dest.len()).collect();
            dest.copy_from_slice(&taken);
            Ok(())
        }
    }
    let verifier = CodeVerifier::generate(&mut Replay(octets)).unwrap();
    assert_eq!(verifier.as_str(), expected_verifier);

    let challenge = CodeChallenge::s256(&verifier);
    assert_eq!(challenge.as_str(), expected_challenge);
    assert_eq!(challenge.method(), CodeChallengeMethod::S256);

    let parsed = CodeChallenge::parse(expected_challenge, Some("S256")).unwrap();
    assert_eq!(
        verify_exchange(Some(&parsed), Some(expected_verifier)),
        Ok(())
    );
}

/// The brief's wrong 39-character challenge (see the vector's `erratum_in_brief`) is malformed.
#[test]
fn rfc7636_appendix_b_truncated_challenge_is_rejected() {
    let vector = vectors::load("rfc7636_appendix_b");
    let erratum = vector["erratum_in_brief"].as_str().unwrap();
    let wrong = erratum
        .split_whitespace()
        .find(|word| word.starts_with("E9Mel"))
        .unwrap();
    assert_eq!(wrong.len(), 39);
    assert_eq!(
        CodeChallenge::parse(wrong, Some("S256")),
        Err(PkceError::MalformedS256Challenge)
    );
}

/// Checklist 27: the challenge is bound to the code; a missing or wrong verifier fails
/// (`invalid_grant`, RFC 7636 §4.6).
#[test]
fn req_27_missing_or_wrong_verifier_fails() {
    let mut rng = SeededRng::new(27);
    let verifier = CodeVerifier::generate(&mut rng).unwrap();
    let other = CodeVerifier::generate(&mut rng).unwrap();
    let bound = CodeChallenge::s256(&verifier);

    assert_eq!(
        verify_exchange(Some(&bound), Some(verifier.as_str())),
        Ok(())
    );
    assert_eq!(
        verify_exchange(Some(&bound), None),
        Err(PkceError::MissingVerifier)
    );
    assert_eq!(
        verify_exchange(Some(&bound), Some(other.as_str())),
        Err(PkceError::Mismatch)
    );
    // Malformed verifiers fail on syntax before any comparison.
    assert_eq!(
        verify_exchange(Some(&bound), Some("too-short")),
        Err(PkceError::InvalidLength { len: 9 })
    );
    // The challenge string itself is not a verifier for an S256 challenge.
    assert_eq!(
        verify_exchange(Some(&bound), Some(bound.as_str())),
        Err(PkceError::Mismatch)
    );
}

/// Checklist 28: a `code_verifier` for a code issued without `code_challenge` is a downgrade and
/// is rejected (RFC 9700 §2.1.1, §4.8.2).
#[test]
fn req_28_verifier_without_bound_challenge_is_a_downgrade() {
    let verifier = CodeVerifier::generate(&mut SeededRng::new(28)).unwrap();
    assert_eq!(
        verify_exchange(None, Some(verifier.as_str())),
        Err(PkceError::UnexpectedVerifier)
    );
    // Even a malformed verifier is reported as the downgrade it is.
    assert_eq!(
        verify_exchange(None, Some("x")),
        Err(PkceError::UnexpectedVerifier)
    );
    assert_eq!(verify_exchange(None, None), Ok(()));
}

/// Checklist 29: the method defaults to `plain` (refused by default, RFC 9700 §2.1.1); the
/// verifier is 43–128 characters of `[A-Za-z0-9-._~]`; an unsupported method is an error
/// (`invalid_request`, RFC 7636 §4.3, §4.4.1).
#[test]
fn req_29_method_default_verifier_syntax_and_unknown_method() {
    let s256 = CodeChallenge::s256(&CodeVerifier::generate(&mut SeededRng::new(29)).unwrap());
    // Omitted method = plain: refused by the strict parser, even for an S256-shaped value.
    assert_eq!(
        CodeChallenge::parse(s256.as_str(), None),
        Err(PkceError::PlainNotAllowed)
    );
    // ... and read as plain by the weaker parser.
    let defaulted = CodeChallenge::danger_parse_allowing_plain(s256.as_str(), None).unwrap();
    assert_eq!(defaulted.method(), CodeChallengeMethod::Plain);

    assert_eq!(
        CodeChallenge::parse(s256.as_str(), Some("S512")),
        Err(PkceError::UnsupportedMethod("S512".to_owned()))
    );

    assert!(CodeVerifier::parse(&"A".repeat(43)).is_ok());
    assert!(CodeVerifier::parse(&"~".repeat(128)).is_ok());
    assert!(CodeVerifier::parse(&"A".repeat(42)).is_err());
    assert!(CodeVerifier::parse(&"A".repeat(129)).is_err());
    assert_eq!(
        CodeVerifier::parse(&format!("{}+", "A".repeat(43))),
        Err(PkceError::InvalidCharacter { at: 43 })
    );
}

/// Checklist 43 and 58: generated verifiers carry 256 bits (≥128 required) and are fresh per
/// transaction; the client's challenge is S256.
#[test]
fn req_43_req_58_generated_verifiers_are_256_bit_and_fresh() {
    let mut rng = SeededRng::new(58);
    let first = CodeVerifier::generate(&mut rng).unwrap();
    let second = CodeVerifier::generate(&mut rng).unwrap();
    assert_ne!(first, second);
    // 43 base64url characters = 258 bits of encoding for 256 bits of randomness.
    assert_eq!(first.as_str().len(), 43);
    assert_eq!(
        CodeChallenge::s256(&first).method(),
        CodeChallengeMethod::S256
    );
    // Reproducible from the seed: the same seed mints the same verifier.
    assert_eq!(
        CodeVerifier::generate(&mut SeededRng::new(58)).unwrap(),
        first
    );
}

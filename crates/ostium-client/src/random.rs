//! Random protocol values drawn from the caller's generator (ARCHITECTURE.md, the sans-IO
//! contract: randomness is injected).

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use ostium_rand::{RandomFailure, SecureRng};

/// `bytes` random octets, base64url-encoded without padding: 32 octets give 256 bits of entropy
/// in 43 characters, inside every VSCHAR and `unreserved` rule (RFC 6749 §10.10, RFC 9700 §2.1).
pub(crate) fn random_b64url(
    rng: &mut (impl SecureRng + ?Sized),
    bytes: usize,
) -> Result<String, RandomFailure> {
    let mut buffer = vec![0u8; bytes];
    rng.fill(&mut buffer)?;
    Ok(URL_SAFE_NO_PAD.encode(buffer))
}

#[cfg(test)]
mod tests {
    use super::*;
    use ostium_testkit::SeededRng;

    #[test]
    fn length_and_alphabet() {
        let value = random_b64url(&mut SeededRng::new(1), 32).unwrap();
        assert_eq!(value.len(), 43);
        assert!(
            value
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        );
        assert_ne!(value, random_b64url(&mut SeededRng::new(2), 32).unwrap());
    }
}

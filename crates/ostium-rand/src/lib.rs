#![doc = include_str!("../README.md")]
#![cfg_attr(docsrs, feature(doc_cfg))]

use std::fmt;

mod buffered;
mod erase;
mod key_erasure;

pub use buffered::BufferedRng;
pub use key_erasure::KeyErasureRng;

/// A source of cryptographically secure random bytes.
///
/// Every secret Ostium mints (codes, tokens, PKCE verifiers, nonces, generated keys) is drawn from
/// an implementation of this trait passed in by the caller; no Ostium library crate reads ambient
/// randomness. Implementations must be suitable for generating secrets: `ring::rand::SystemRandom`
/// in production, a seeded deterministic generator in tests only.
pub trait SecureRng {
    /// Fills `dest` entirely with secure random bytes.
    ///
    /// # Errors
    ///
    /// [`RandomFailure`] when the underlying source could not provide randomness (for the operating
    /// system's generator this is rare and not retryable in any useful way); `dest` must then not be
    /// used.
    fn fill(&mut self, dest: &mut [u8]) -> Result<(), RandomFailure>;
}

impl<R: SecureRng + ?Sized> SecureRng for &mut R {
    fn fill(&mut self, dest: &mut [u8]) -> Result<(), RandomFailure> {
        (**self).fill(dest)
    }
}

impl SecureRng for ring::rand::SystemRandom {
    fn fill(&mut self, dest: &mut [u8]) -> Result<(), RandomFailure> {
        ring::rand::SecureRandom::fill(self, dest).map_err(|_| RandomFailure)
    }
}

/// Returns an array of `N` secure random bytes drawn from `rng`.
///
/// # Errors
///
/// [`RandomFailure`] when `rng` fails.
pub fn random_array<const N: usize>(
    rng: &mut (impl SecureRng + ?Sized),
) -> Result<[u8; N], RandomFailure> {
    let mut out = [0u8; N];
    rng.fill(&mut out)?;
    Ok(out)
}

/// Whether `a == b`, in time that depends only on the lengths, never on the contents.
///
/// For comparing values an attacker may probe byte by byte: hashes of codes and tokens, `state`,
/// `nonce`, PKCE challenges. Every byte pair is combined with XOR and the differences are OR-ed
/// together; [`std::hint::black_box`] keeps the optimizer from turning the loop into an
/// early-exit comparison. Lengths are not hidden: compare fixed-length digests when the length of
/// a secret matters.
///
/// ```
/// assert!(ostium_rand::constant_time_eq(b"digest", b"digest"));
/// assert!(!ostium_rand::constant_time_eq(b"digest", b"digesT"));
/// ```
pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    let difference = a
        .iter()
        .zip(b)
        .fold(0u8, |acc, (x, y)| acc | std::hint::black_box(x ^ y));
    std::hint::black_box(difference) == 0
}

/// The randomness source could not provide bytes.
///
/// Deliberately carries no detail: there is nothing a caller can do about it except fail the
/// operation (an Ostium endpoint maps it to `server_error`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RandomFailure;

impl fmt::Display for RandomFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("the secure random number generator failed")
    }
}

impl std::error::Error for RandomFailure {}

#[cfg(test)]
mod tests {
    use super::*;

    struct Counting(u8);

    impl SecureRng for Counting {
        fn fill(&mut self, dest: &mut [u8]) -> Result<(), RandomFailure> {
            for byte in dest {
                *byte = self.0;
                self.0 = self.0.wrapping_add(1);
            }
            Ok(())
        }
    }

    struct Broken;

    impl SecureRng for Broken {
        fn fill(&mut self, _: &mut [u8]) -> Result<(), RandomFailure> {
            Err(RandomFailure)
        }
    }

    #[test]
    fn random_array_fills_every_byte_in_order() {
        let mut rng = Counting(7);
        assert_eq!(random_array::<4>(&mut rng), Ok([7, 8, 9, 10]));
        // The generator state advanced: the next draw continues the sequence.
        assert_eq!(random_array::<2>(&mut rng), Ok([11, 12]));
    }

    #[test]
    fn a_mutable_reference_is_a_generator_too() {
        let mut rng = Counting(0);
        let by_ref: &mut dyn SecureRng = &mut rng;
        let mut r = by_ref;
        assert_eq!(random_array::<3>(&mut r), Ok([0, 1, 2]));
    }

    #[test]
    fn constant_time_eq_compares_contents_and_lengths() {
        assert!(constant_time_eq(b"", b""));
        assert!(constant_time_eq(b"abc", b"abc"));
        assert!(!constant_time_eq(b"abc", b"abd"));
        assert!(!constant_time_eq(b"abc", b"ab"));
        assert!(!constant_time_eq(&[0x80], &[0x00]));
        for bit in 0..8 {
            assert!(!constant_time_eq(&[0], &[1 << bit]), "bit {bit}");
        }
    }

    #[test]
    fn failure_propagates() {
        assert_eq!(random_array::<8>(&mut Broken), Err(RandomFailure));
    }

    #[test]
    #[allow(clippy::disallowed_methods)] // The production source, exercised once.
    fn system_random_gives_distinct_draws() {
        let mut rng = ring::rand::SystemRandom::new();
        let a: [u8; 32] = random_array(&mut rng).unwrap();
        let b: [u8; 32] = random_array(&mut rng).unwrap();
        assert_ne!(a, b);
    }
}

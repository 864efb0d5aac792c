//! A deterministic stand-in for the system's secure random generator.

use ostium_rand::{RandomFailure, SecureRng};
use ring::digest::{SHA256, digest};

/// Deterministic randomness for tests: SHA-256 in counter mode over a seed.
///
/// Block `i` of the output stream is `SHA-256(seed_le_bytes || i_le_bytes)`; the stream is the
/// concatenation of the blocks. The same seed always yields the same bytes, and different seeds
/// yield unrelated streams, so a test can name "the user's second login" by seed and get the same
/// codes and tokens on every run.
///
/// Not a secure generator: anyone who knows the seed can predict every output. Tests only.
#[derive(Clone, Debug)]
pub struct SeededRng {
    seed: u64,
    counter: u64,
    block: [u8; 32],
    used: usize,
}

impl SeededRng {
    /// A generator whose whole output is determined by `seed`.
    pub fn new(seed: u64) -> Self {
        Self {
            seed,
            counter: 0,
            block: [0; 32],
            used: 32,
        }
    }

    fn refill(&mut self) {
        let mut input = Vec::with_capacity(16);
        input.extend_from_slice(&self.seed.to_le_bytes());
        input.extend_from_slice(&self.counter.to_le_bytes());
        self.block.copy_from_slice(digest(&SHA256, &input).as_ref());
        self.counter = self.counter.wrapping_add(1);
        self.used = 0;
    }
}

impl SecureRng for SeededRng {
    fn fill(&mut self, dest: &mut [u8]) -> Result<(), RandomFailure> {
        for byte in dest {
            let next = match self.block.get(self.used) {
                Some(next) => *next,
                None => {
                    self.refill();
                    self.block[0]
                }
            };
            *byte = next;
            self.used += 1;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ostium_rand::random_array;

    #[test]
    fn same_seed_same_stream_regardless_of_chunking() {
        let whole: [u8; 100] = random_array(&mut SeededRng::new(9)).unwrap();
        let mut rng = SeededRng::new(9);
        let mut pieces = Vec::new();
        for size in [1usize, 31, 32, 7, 29] {
            let mut buf = vec![0u8; size];
            rng.fill(&mut buf).unwrap();
            pieces.extend(buf);
        }
        assert_eq!(&whole[..], &pieces[..]);
    }

    #[test]
    fn first_block_is_sha256_of_seed_and_counter() {
        let mut input = [0u8; 16];
        input[..8].copy_from_slice(&5u64.to_le_bytes());
        let expected = digest(&SHA256, &input);
        let got: [u8; 32] = random_array(&mut SeededRng::new(5)).unwrap();
        assert_eq!(&got[..], expected.as_ref());
    }

    #[test]
    fn different_seeds_differ() {
        let a: [u8; 32] = random_array(&mut SeededRng::new(1)).unwrap();
        let b: [u8; 32] = random_array(&mut SeededRng::new(2)).unwrap();
        assert_ne!(a, b);
    }
}

//! [`KeyErasureRng`]: the fast-key-erasure ChaCha20 generator, seeded and reseeded from a
//! [`SecureRng`].

use std::fmt;

use ring::aead::{Aad, CHACHA20_POLY1305, LessSafeKey, NONCE_LEN, Nonce, UnboundKey};

use crate::erase::erase;
use crate::{RandomFailure, SecureRng};

/// The length of a ChaCha20 key (RFC 8439 §2.3).
const KEY_LEN: usize = 32;

/// How many octets of stack [`scrub_stack`] overwrites after each keystream generation: more
/// than ring's ChaCha20-Poly1305 sealing path uses below the frame that calls it.
const STACK_SCRUB_LEN: usize = 4096;

/// A [`SecureRng`] that expands a 32-octet seed from its source with ChaCha20, erasing each key as
/// soon as it has been used, so that a secret costs a copy out of a buffer instead of an
/// operating-system call, and a later compromise of the process does not reveal secrets already
/// handed out.
///
/// This is the *fast-key-erasure* generator of D. J. Bernstein ("Fast-key-erasure random-number
/// generators", 2017), the construction behind OpenBSD's `arc4random` and the Linux kernel's own
/// CRNG. It is for servers that mint many secrets: one per worker, wrapping
/// `ring::rand::SystemRandom`.
///
/// ```
/// use ostium_rand::{KeyErasureRng, RandomFailure, SecureRng, random_array};
///
/// # // A deterministic stand-in for `ring::rand::SystemRandom` that counts its calls.
/// # struct Counted(usize);
/// # impl SecureRng for Counted {
/// #     fn fill(&mut self, dest: &mut [u8]) -> Result<(), RandomFailure> {
/// #         self.0 += 1;
/// #         dest.fill(7);
/// #         Ok(())
/// #     }
/// # }
/// # let source = Counted(0);
/// // In production: `let source = ring::rand::SystemRandom::new();`
/// // 1. Construction draws the 32-octet seed key from the source: its only source call until
/// //    the reseed interval (1 MiB of keystream by default) has passed.
/// let mut rng = KeyErasureRng::new(source)?;
///
/// // 2. The first draw expands the key into a block of ChaCha20 keystream, keeps the block's
/// //    first 32 octets as the next key (the old key is overwritten) and hands out the rest.
/// let code: [u8; 32] = random_array(&mut rng)?;
/// // 3. Later draws copy from that block, zeroing each octet as it leaves.
/// let token: [u8; 32] = random_array(&mut rng)?;
/// assert_ne!(code, token);
/// # assert_eq!(rng.into_inner().0, 1, "one source call: the seed");
/// # Ok::<(), RandomFailure>(())
/// ```
///
/// # The construction
///
/// The state is a 32-octet ChaCha20 key `k` and a block of `B` octets ([`block_size`]).
///
/// 1. **Seed.** [`new`] fills `k` from the source (one call).
/// 2. **Refill**, whenever a draw finds the block used up: the block becomes the first `B` octets
///    of the ChaCha20 keystream for key `k`, nonce 0, block counter 1 (RFC 8439 §2.4; exactly the
///    ciphertext that ring's ChaCha20-Poly1305 produces when sealing `B` zeros, whose tag is
///    discarded). Its first 32 octets immediately *replace* `k` and are zeroed in the block; the
///    other `B − 32` octets are handed out in order, each zeroed in the block as it is copied out.
///    The constant nonce is never reused under one key, because every refill uses a new key.
/// 3. **Reseed**, before the first refill after [`reseed_interval`] octets of keystream: `k`
///    becomes `k XOR s` for 32 fresh octets `s` from the source. Either half alone keeps the key
///    unpredictable: a source that turned bad does not weaken the generator, and an attacker who
///    once read the state loses track of it at the next reseed.
///
/// A request larger than the block is served one block at a time, so the stream handed out is
/// the same whatever the request sizes: concatenated, everything handed out is the keystream
/// blocks without their key octets.
///
/// # Security
///
/// - **Assumptions.** The output is indistinguishable from random as long as ChaCha20 (ring's
///   implementation) is a secure stream cipher and the seed from the source is unpredictable;
///   nothing else. These are the assumptions of the kernel's generator too, which runs the same
///   construction.
/// - **Forward secrecy (key erasure).** Octets already handed out cannot be recomputed from a
///   state captured later: the key that produced them was overwritten by a key drawn from its own
///   output, and recovering it from that would break ChaCha20; handed-out octets are zeroed in
///   the buffer as they leave, and the key and buffer are zeroed on drop. What a captured state
///   does reveal is the *unused* rest of the current block and everything generated until the
///   next reseed; that is inherent to any buffering generator, including the kernel's.
/// - **Erasure is best effort.** The workspace forbids `unsafe`, so key and octets are zeroed by
///   a plain write followed by [`std::hint::black_box`], which keeps the optimizer from discarding
///   it. Key and block live on the heap, so moving the generator copies no secret. ring copies
///   the key into its own key object for the duration of one refill and does not wipe that copy;
///   after each refill a fixed-size region of stack below the caller is overwritten to remove it
///   and the keystream engine's scratch. The language guarantees none of this; it is the same
///   discipline as the rest of the crate.
/// - **Fails closed.** If the source fails when a reseed is due, the draw fails with
///   [`RandomFailure`] (its output zeroed) and so does every later draw that needs a refill, until
///   a reseed succeeds: the generator never silently stretches a key past its reseed interval.
/// - **Not `Clone`**: a clone would hand out the same octets twice.
///
/// ```compile_fail,E0599
/// # use ostium_rand::{KeyErasureRng, RandomFailure, SecureRng};
/// # struct Zeros;
/// # impl SecureRng for Zeros {
/// #     fn fill(&mut self, dest: &mut [u8]) -> Result<(), RandomFailure> { dest.fill(0); Ok(()) }
/// # }
/// let rng = KeyErasureRng::new(Zeros).unwrap();
/// let twin = rng.clone(); // does not compile: two generators would share one stream
/// ```
///
/// # Threads and processes
///
/// A `KeyErasureRng` is `Send` when its source is (as `ring::rand::SystemRandom` is), and every
/// draw takes `&mut self`. A server keeps **one per worker thread** (for example in a
/// `thread_local!` `RefCell`, or owned by each worker task), or shares one behind a `Mutex`.
///
/// **Fork hazard.** A child created by `fork` without `exec` starts with a copy of the parent's
/// key and block: unless something changes, parent and child hand out the *same* secrets. After
/// such a `fork`, the child must drop its inherited generator and create a new one, or call
/// [`reseed`] before its first draw (which discards the inherited block and mixes fresh source
/// octets into the key). The type cannot detect a fork without a system call per draw, which
/// would cost what it exists to save.
///
/// [`new`]: KeyErasureRng::new
/// [`block_size`]: KeyErasureRng::block_size
/// [`reseed_interval`]: KeyErasureRng::reseed_interval
/// [`reseed`]: KeyErasureRng::reseed
pub struct KeyErasureRng<R> {
    source: R,
    state: State,
    /// Octets of keystream generated since the key last received source octets.
    generated_since_seed: u64,
    reseed_interval: u64,
    /// A reseed failed: no keystream may be generated before one succeeds.
    reseed_pending: bool,
}

impl<R: SecureRng> KeyErasureRng<R> {
    /// The block size [`KeyErasureRng::new`] uses: 4 KiB. A 32-octet secret then pays 1/127 of a
    /// refill, whose fixed cost is under 10% of it; larger blocks measured no consistent gain and
    /// stall longer (numbers in the crate README).
    pub const DEFAULT_BLOCK_SIZE: usize = 4096;

    /// The smallest block size: one ChaCha20 block, 32 octets of next key and 32 to hand out.
    pub const MIN_BLOCK_SIZE: usize = 64;

    /// The largest block size: 1 MiB, far below ChaCha20's limit of 256 GiB per key and nonce.
    pub const MAX_BLOCK_SIZE: usize = 1 << 20;

    /// The reseed interval [`KeyErasureRng::new`] uses: fresh source octets are mixed into the key
    /// after every 1 MiB of keystream, one source call per 256 refills of 4 KiB.
    pub const DEFAULT_RESEED_INTERVAL: u64 = 1 << 20;

    /// Seeds a generator from `source` (one call, 32 octets), with the default block size and
    /// reseed interval.
    ///
    /// # Errors
    ///
    /// [`RandomFailure`] when the source fails; nothing is kept of what it wrote.
    pub fn new(mut source: R) -> Result<Self, RandomFailure> {
        let mut key = Box::new([0u8; KEY_LEN]);
        if let Err(failure) = source.fill(&mut key[..]) {
            erase(&mut key[..]);
            return Err(failure);
        }
        Ok(Self {
            source,
            state: State::new(key, Self::DEFAULT_BLOCK_SIZE),
            generated_since_seed: 0,
            reseed_interval: Self::DEFAULT_RESEED_INTERVAL,
            reseed_pending: false,
        })
    }

    /// Uses blocks of `octets` octets, clamped to
    /// [`MIN_BLOCK_SIZE`](Self::MIN_BLOCK_SIZE)..=[`MAX_BLOCK_SIZE`](Self::MAX_BLOCK_SIZE).
    ///
    /// Octets still buffered are zeroed and never handed out; the key is kept.
    #[must_use]
    pub fn with_block_size(mut self, octets: usize) -> Self {
        let octets = octets.clamp(Self::MIN_BLOCK_SIZE, Self::MAX_BLOCK_SIZE);
        self.state.resize(octets);
        self
    }

    /// Mixes fresh source octets into the key before the first refill after every `octets` octets
    /// of keystream (0: before every refill; [`u64::MAX`]: in effect never).
    #[must_use]
    pub fn with_reseed_interval(mut self, octets: u64) -> Self {
        self.reseed_interval = octets;
        self
    }

    /// The number of keystream octets generated per refill (32 of them become the next key).
    pub fn block_size(&self) -> usize {
        self.state.block.len()
    }

    /// The number of keystream octets after which fresh source octets are mixed into the key.
    pub fn reseed_interval(&self) -> u64 {
        self.reseed_interval
    }

    /// Discards every buffered octet and mixes 32 fresh octets from the source into the key now.
    ///
    /// Call it in a child process after `fork` (see the type's documentation), or whenever
    /// octets generated before this point must not be handed out after it.
    ///
    /// # Errors
    ///
    /// [`RandomFailure`] when the source fails. The buffered octets are discarded all the same,
    /// and every later draw fails until a reseed succeeds (draws retry it), so a generator whose
    /// reseed failed never hands out output derived from its state before the call.
    pub fn reseed(&mut self) -> Result<(), RandomFailure> {
        self.state.discard();
        self.reseed_pending = true;
        self.mix_in_source()
    }

    /// Returns the source, after zeroing the key and the buffer.
    pub fn into_inner(self) -> R {
        // `State`'s own `Drop` zeroes the key and the buffer as `self.state` goes out of scope.
        self.source
    }

    /// Mixes 32 source octets into the key and restarts the reseed count. On failure the key is
    /// unchanged and a reseed stays pending.
    fn mix_in_source(&mut self) -> Result<(), RandomFailure> {
        self.reseed_pending = true;
        self.state.mix_in(&mut self.source)?;
        self.reseed_pending = false;
        self.generated_since_seed = 0;
        Ok(())
    }

    /// Generates the next block, reseeding first when due.
    fn refill(&mut self) -> Result<(), RandomFailure> {
        if self.reseed_pending || self.generated_since_seed >= self.reseed_interval {
            self.mix_in_source()?;
        }
        self.state.regenerate()?;
        let generated = u64::try_from(self.state.block.len()).unwrap_or(u64::MAX);
        self.generated_since_seed = self.generated_since_seed.saturating_add(generated);
        Ok(())
    }

    /// The current key, for tests of its erasure.
    #[cfg(test)]
    fn key(&self) -> [u8; KEY_LEN] {
        *self.state.key
    }
}

impl<R: SecureRng> SecureRng for KeyErasureRng<R> {
    /// Fills `dest` with the next `dest.len()` octets of the generator's stream.
    ///
    /// # Errors
    ///
    /// [`RandomFailure`] when a reseed is due (or pending) and the source fails. `dest` is then
    /// overwritten with zeros, and any octets already taken from the buffer for it are spent,
    /// never handed out again.
    fn fill(&mut self, dest: &mut [u8]) -> Result<(), RandomFailure> {
        let mut written = self.state.take_into(dest);
        while written < dest.len() {
            if let Err(failure) = self.refill() {
                erase(dest);
                return Err(failure);
            }
            let Some(rest) = dest.get_mut(written..) else {
                // Unreachable: `written < dest.len()` was just checked.
                break;
            };
            written += self.state.take_into(rest);
        }
        Ok(())
    }
}

impl<R> fmt::Debug for KeyErasureRng<R> {
    /// Shows sizes and counters, never the key or any octet.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("KeyErasureRng")
            .field("block_size", &self.state.block.len())
            .field("buffered", &self.state.buffered())
            .field("reseed_interval", &self.reseed_interval)
            .field("generated_since_seed", &self.generated_since_seed)
            .finish_non_exhaustive()
    }
}

/// The secret state: the key, and the block of keystream where `block[next..]` are octets not yet
/// handed out and `block[..next]` are zeros (handed out, a key, or never generated). Both on the
/// heap, so that moving the generator leaves no copy behind; both zeroed on drop.
struct State {
    key: Box<[u8; KEY_LEN]>,
    block: Box<[u8]>,
    next: usize,
}

impl State {
    /// A state with key `key` and an empty block of `block_size` zeros.
    fn new(key: Box<[u8; KEY_LEN]>, block_size: usize) -> Self {
        Self {
            key,
            block: vec![0; block_size].into_boxed_slice(),
            next: block_size,
        }
    }

    /// How many octets remain to be handed out.
    fn buffered(&self) -> usize {
        self.block.len() - self.next
    }

    /// Copies up to `dest.len()` unused octets to the front of `dest`, zeroing them in the block,
    /// and returns how many were copied.
    fn take_into(&mut self, dest: &mut [u8]) -> usize {
        let count = dest.len().min(self.buffered());
        let end = self.next + count;
        if let (Some(from), Some(to)) = (self.block.get_mut(self.next..end), dest.get_mut(..count))
        {
            to.copy_from_slice(from);
            erase(from);
            self.next = end;
            count
        } else {
            // Unreachable: `next <= block.len()` always holds and `count` fits both slices.
            0
        }
    }

    /// Zeroes every unused octet and marks the block empty.
    fn discard(&mut self) {
        erase(&mut self.block);
        self.next = self.block.len();
    }

    /// Zeroes the key and the whole block.
    fn erase_all(&mut self) {
        erase(&mut self.key[..]);
        self.discard();
    }

    /// Replaces the block by an empty one of `block_size` octets, zeroing the old one.
    fn resize(&mut self, block_size: usize) {
        erase(&mut self.block);
        self.block = vec![0; block_size].into_boxed_slice();
        self.next = block_size;
    }

    /// `key ^= s` for 32 fresh octets `s` from `source`; the key is unchanged if it fails.
    fn mix_in(&mut self, source: &mut impl SecureRng) -> Result<(), RandomFailure> {
        let mut fresh = [0u8; KEY_LEN];
        let result = source.fill(&mut fresh);
        if result.is_ok() {
            for (key, octet) in self.key.iter_mut().zip(&fresh) {
                *key ^= octet;
            }
        }
        erase(&mut fresh);
        result
    }

    /// Turns the (empty, so all-zero) block into keystream under the key, then takes its first 32
    /// octets as the new key, overwriting the old one.
    fn regenerate(&mut self) -> Result<(), RandomFailure> {
        debug_assert!(self.next == self.block.len() && self.block.iter().all(|&o| o == 0));
        let generated = keystream_into(&self.key, &mut self.block);
        scrub_stack();
        let Some(next_key) = generated.ok().and(self.block.get_mut(..KEY_LEN)) else {
            // Unreachable: ring seals any block of at most `MAX_BLOCK_SIZE` octets under a
            // 32-octet key, and every block has at least `MIN_BLOCK_SIZE` > 32 octets. Leave
            // nothing half-made behind.
            self.discard();
            return Err(RandomFailure);
        };
        self.key.copy_from_slice(next_key);
        erase(next_key);
        self.next = KEY_LEN;
        Ok(())
    }
}

impl Drop for State {
    fn drop(&mut self) {
        self.erase_all();
    }
}

/// Overwrites `zeros` (which must hold zeros) with the ChaCha20 keystream for `key`, nonce 0,
/// block counter 1: ring's ChaCha20-Poly1305 seals the zeros in place (RFC 8439 §2.8, whose
/// ciphertext is plaintext XOR that keystream) and the tag is dropped.
///
/// Not inlined, so that ring's copies of the key sit in stack frames below the caller's, where
/// [`scrub_stack`] overwrites them.
#[inline(never)]
fn keystream_into(key: &[u8; KEY_LEN], zeros: &mut [u8]) -> Result<(), ring::error::Unspecified> {
    let key = LessSafeKey::new(UnboundKey::new(&CHACHA20_POLY1305, key)?);
    let nonce = Nonce::assume_unique_for_key([0; NONCE_LEN]);
    key.seal_in_place_separate_tag(nonce, Aad::empty(), zeros)
        .map(drop)
}

/// Overwrites [`STACK_SCRUB_LEN`] octets of stack below the caller's frame with zeros: the
/// region where [`keystream_into`] and ring left copies of the key just used. Best effort, like
/// all erasure without `unsafe` (see [`crate::erase`]).
#[inline(never)]
fn scrub_stack() {
    let mut scratch = [0u8; STACK_SCRUB_LEN];
    std::hint::black_box(&mut scratch);
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A source that hands out `fill` for every octet and counts its calls.
    struct Constant {
        octet: u8,
        calls: usize,
    }

    impl SecureRng for Constant {
        fn fill(&mut self, dest: &mut [u8]) -> Result<(), RandomFailure> {
            self.calls += 1;
            dest.fill(self.octet);
            Ok(())
        }
    }

    fn constant(octet: u8) -> Constant {
        Constant { octet, calls: 0 }
    }

    /// The keystream of `key` (nonce 0, counter 1), computed by the same ring call on its own.
    fn keystream(key: &[u8; KEY_LEN], len: usize) -> Vec<u8> {
        let mut out = vec![0; len];
        keystream_into(key, &mut out).unwrap();
        out
    }

    #[test]
    fn construction_takes_the_seed_from_one_source_call_and_generates_nothing() {
        let rng = KeyErasureRng::new(constant(0x42)).unwrap();
        assert_eq!(rng.key(), [0x42; KEY_LEN]);
        assert_eq!(rng.state.buffered(), 0);
        assert!(rng.state.block.iter().all(|&o| o == 0));
        assert_eq!(rng.source.calls, 1);
    }

    #[test]
    fn a_refill_replaces_the_key_with_the_first_32_octets_of_its_keystream() {
        let mut rng = KeyErasureRng::new(constant(0x42))
            .unwrap()
            .with_block_size(128);
        let seed = rng.key();
        let expected = keystream(&seed, 128);

        let mut out = [0u8; 10];
        rng.fill(&mut out).unwrap();

        assert_eq!(
            rng.key(),
            expected[..32],
            "the next key is the block's head"
        );
        assert_ne!(rng.key(), seed, "the seed key is gone");
        assert_eq!(out, expected[32..42], "output starts after the key octets");
        // The key octets and the handed-out octets are zeros in the block; the rest is kept.
        assert_eq!(rng.state.block[..42], [0; 42]);
        assert_eq!(rng.state.block[42..], expected[42..]);

        // Drain the block: the next refill runs under the key taken from the first.
        let mut rest = [0u8; 128 - 42];
        rng.fill(&mut rest).unwrap();
        assert_eq!(rest, expected[42..]);
        assert!(
            rng.state.block.iter().all(|&o| o == 0),
            "a used-up block is zeros"
        );
        let second = keystream(&expected[..32].try_into().unwrap(), 128);
        let mut out = [0u8; 1];
        rng.fill(&mut out).unwrap();
        assert_eq!(out[0], second[32]);
        assert_eq!(rng.key(), second[..32]);
        assert_eq!(rng.source.calls, 1, "no reseed within the interval");
    }

    #[test]
    fn a_reseed_xors_fresh_source_octets_into_the_key_and_discards_the_block() {
        let mut rng = KeyErasureRng::new(constant(0x0F)).unwrap();
        let _ = crate::random_array::<8>(&mut rng).unwrap();
        let before = rng.key();
        rng.source.octet = 0xF0;
        rng.reseed().unwrap();
        let expected: Vec<u8> = before.iter().map(|k| k ^ 0xF0).collect();
        assert_eq!(rng.key()[..], expected[..]);
        assert_eq!(rng.state.buffered(), 0);
        assert!(rng.state.block.iter().all(|&o| o == 0));
        assert_eq!(rng.source.calls, 2);
        assert_eq!(rng.generated_since_seed, 0);
    }

    #[test]
    fn a_failed_reseed_keeps_the_key_and_leaves_a_reseed_pending() {
        struct FailsAfterSeed(usize);
        impl SecureRng for FailsAfterSeed {
            fn fill(&mut self, dest: &mut [u8]) -> Result<(), RandomFailure> {
                self.0 += 1;
                dest.fill(0xEE);
                if self.0 > 1 {
                    Err(RandomFailure)
                } else {
                    Ok(())
                }
            }
        }
        let mut rng = KeyErasureRng::new(FailsAfterSeed(0)).unwrap();
        let _ = crate::random_array::<8>(&mut rng).unwrap();
        let before = rng.key();
        assert_eq!(rng.reseed(), Err(RandomFailure));
        assert_eq!(rng.key(), before, "the source's junk is not mixed in");
        assert!(rng.reseed_pending);
        assert_eq!(rng.state.buffered(), 0);
    }

    #[test]
    fn resizing_zeroes_the_old_block_and_keeps_the_key() {
        let mut rng = KeyErasureRng::new(constant(1)).unwrap();
        let _ = crate::random_array::<8>(&mut rng).unwrap();
        let key = rng.key();
        let rng = rng.with_block_size(10);
        assert_eq!(rng.block_size(), KeyErasureRng::<Constant>::MIN_BLOCK_SIZE);
        assert_eq!(rng.key(), key);
        assert_eq!(rng.state.buffered(), 0);
        let rng = rng.with_block_size(usize::MAX);
        assert_eq!(rng.block_size(), KeyErasureRng::<Constant>::MAX_BLOCK_SIZE);
    }

    #[test]
    fn drop_erases_key_and_block() {
        let mut state = State::new(Box::new([9; KEY_LEN]), 64);
        state.regenerate().unwrap();
        assert!(state.block[KEY_LEN..].iter().any(|&o| o != 0));
        // `Drop` runs exactly this; freed memory cannot be inspected safely.
        state.erase_all();
        assert_eq!(*state.key, [0; KEY_LEN]);
        assert!(state.block.iter().all(|&o| o == 0));
    }
}

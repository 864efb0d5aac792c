//! [`BufferedRng`]: one call to the source per block of octets instead of one per secret.

use std::fmt;

use crate::erase::erase;
use crate::{RandomFailure, SecureRng};

/// A [`SecureRng`] that draws a block of octets from its source in one call and hands them out
/// piece by piece, so that minting a 32-octet token costs a copy instead of an operating-system
/// call.
///
/// Wrap the production source once per worker and pass the wrapper wherever a [`SecureRng`] is
/// expected:
///
/// ```
/// use ostium_rand::{BufferedRng, RandomFailure, SecureRng, random_array};
///
/// # // A deterministic stand-in for `ring::rand::SystemRandom`, so that the example checks values.
/// # struct Counter(u8, usize);
/// # impl SecureRng for Counter {
/// #     fn fill(&mut self, dest: &mut [u8]) -> Result<(), RandomFailure> {
/// #         self.1 += 1;
/// #         for octet in dest { *octet = self.0; self.0 = self.0.wrapping_add(1); }
/// #         Ok(())
/// #     }
/// # }
/// # let source = Counter(0, 0);
/// // In production: `let source = ring::rand::SystemRandom::new();`
/// let mut rng = BufferedRng::new(source);
///
/// // 1. The first draw fills a block of `BufferedRng::DEFAULT_CAPACITY` octets in one source call.
/// let code: [u8; 32] = random_array(&mut rng)?;
/// // 2. Later draws are served from that block: no further source call until it is used up.
/// let token: [u8; 32] = random_array(&mut rng)?;
/// // 3. The octets are the source's own stream, in order, each handed out once.
/// assert_eq!(code[0], 0);
/// assert_eq!(token[0], 32);
/// # assert_eq!(rng.into_inner().1, 1, "one source call for both secrets");
/// # Ok::<(), RandomFailure>(())
/// ```
///
/// # Security
///
/// - **Exactly as unpredictable as the source.** The octets handed out are the source's octets,
///   in the source's order, with no cryptography of our own in between: no expansion, no
///   reseeding, no mixing. Concatenated, everything a `BufferedRng` hands out is a prefix of what
///   the source produced.
/// - **Each octet is handed out once.** An octet is overwritten with zero in the buffer as it is
///   copied out, and the whole buffer is overwritten with zeros on drop (and by [`discard`]), so
///   a later disclosure of the process's memory does not reveal secrets already minted. The
///   buffer lives on the heap and moving a `BufferedRng` moves only a pointer, so no stale copy of
///   unused octets is left behind on the stack. Zeroing is written without `unsafe` (the
///   workspace forbids it): a plain write followed by [`std::hint::black_box`] on the buffer,
///   which keeps the optimizer from discarding the write as dead.
/// - **Not `Clone`**: a clone would hand out the same octets twice.
///
/// ```compile_fail,E0599
/// # use ostium_rand::{BufferedRng, RandomFailure, SecureRng};
/// # struct Zeros;
/// # impl SecureRng for Zeros {
/// #     fn fill(&mut self, dest: &mut [u8]) -> Result<(), RandomFailure> { dest.fill(0); Ok(()) }
/// # }
/// let rng = BufferedRng::new(Zeros);
/// let twin = rng.clone(); // does not compile: two generators would share one stream
/// ```
///
/// # Threads and processes
///
/// A `BufferedRng` is `Send` when its source is (as `ring::rand::SystemRandom` is), and every draw
/// takes `&mut self`. A server keeps **one per worker thread** (for example in a `thread_local!`
/// `RefCell`, or owned by each worker task), or shares one behind a `Mutex`; it never needs
/// `unsafe` sharing.
///
/// **Fork hazard.** A child created by `fork` without `exec` starts with a copy of the parent's
/// buffer: parent and child would hand out the *same* octets, so two processes would mint the
/// same codes and tokens. After such a `fork`, the child must drop its inherited `BufferedRng`
/// and create a new one (or call [`discard`] before using it); calling [`discard`] in the parent
/// just before forking also leaves nothing to replay. The type cannot detect a fork by itself
/// without a system call per draw, which would cost what it exists to save. The source itself
/// must be fork-safe too: `SystemRandom` is, because it keeps no state and asks the kernel each
/// time.
///
/// # Performance
///
/// A request of at most the buffered remainder is a copy plus a zeroing write. A request that
/// is larger drains the remainder first, then refills the block with one source call; a request
/// whose still-missing part is at least [`capacity`] goes to the source directly, without
/// passing through the buffer. The measurements behind [`DEFAULT_CAPACITY`] are in the crate
/// README.
///
/// [`discard`]: BufferedRng::discard
/// [`capacity`]: BufferedRng::capacity
/// [`DEFAULT_CAPACITY`]: BufferedRng::DEFAULT_CAPACITY
pub struct BufferedRng<R> {
    source: R,
    block: Block,
}

impl<R: SecureRng> BufferedRng<R> {
    /// The block size [`BufferedRng::new`] uses: 4 KiB, where the fixed cost of an
    /// operating-system call is under 2% of the call, while one block stays one page and a refill
    /// stays short (measured per block size in the crate README).
    pub const DEFAULT_CAPACITY: usize = 4096;

    /// Wraps `source`, drawing [`BufferedRng::DEFAULT_CAPACITY`] octets from it per call.
    ///
    /// Allocates the buffer but does not call the source: the first draw does.
    pub fn new(source: R) -> Self {
        Self::with_capacity(Self::DEFAULT_CAPACITY, source)
    }

    /// Wraps `source`, drawing `capacity` octets from it per call.
    ///
    /// A `capacity` of 0 passes every request straight to the source.
    pub fn with_capacity(capacity: usize, source: R) -> Self {
        Self {
            source,
            block: Block::new(capacity),
        }
    }

    /// The number of octets drawn from the source per refill.
    pub fn capacity(&self) -> usize {
        self.block.octets.len()
    }

    /// Overwrites every octet still buffered with zero and forgets it; the next draw calls the
    /// source again.
    ///
    /// Call it before `fork` (see the type's documentation) or whenever octets drawn earlier must
    /// not be handed out later.
    pub fn discard(&mut self) {
        self.block.clear();
    }

    /// Returns the source, after zeroing the buffer.
    pub fn into_inner(self) -> R {
        // `Block`'s own `Drop` zeroes the buffer as `self.block` goes out of scope here.
        self.source
    }
}

impl<R: SecureRng> SecureRng for BufferedRng<R> {
    /// Fills `dest` with the next `dest.len()` octets of the source's stream.
    ///
    /// # Errors
    ///
    /// [`RandomFailure`] when the source fails. `dest` is then overwritten with zeros (never a
    /// partial secret that looks valid), and any octets that had already been taken from the
    /// buffer for it are spent, never handed out again.
    fn fill(&mut self, dest: &mut [u8]) -> Result<(), RandomFailure> {
        let taken = self.block.take_into(dest);
        let Some(rest) = dest.get_mut(taken..) else {
            // `take_into` copies at most `dest.len()` octets, so `taken..` is always in range.
            return Ok(());
        };
        if rest.is_empty() {
            return Ok(());
        }
        // The buffer is empty now: whatever the source produces next is the stream's continuation.
        let result = if rest.len() >= self.block.octets.len() {
            self.source.fill(rest)
        } else {
            self.block.refill(&mut self.source).map(|()| {
                self.block.take_into(rest);
            })
        };
        if result.is_err() {
            erase(dest);
        }
        result
    }
}

impl<R> fmt::Debug for BufferedRng<R> {
    /// Shows the block size and how many octets are buffered, never the octets.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BufferedRng")
            .field("capacity", &self.block.octets.len())
            .field("buffered", &self.block.buffered())
            .finish_non_exhaustive()
    }
}

/// The buffer: `octets[next..]` are unused octets from the source, `octets[..next]` are zeros
/// (handed out, or never filled). Zeroed on drop.
struct Block {
    octets: Box<[u8]>,
    next: usize,
}

impl Block {
    /// An empty block of `capacity` zeros.
    fn new(capacity: usize) -> Self {
        Self {
            octets: vec![0; capacity].into_boxed_slice(),
            next: capacity,
        }
    }

    /// How many unused octets remain.
    fn buffered(&self) -> usize {
        self.octets.len() - self.next
    }

    /// Copies up to `dest.len()` unused octets to the front of `dest`, zeroing them in the
    /// buffer, and returns how many were copied.
    fn take_into(&mut self, dest: &mut [u8]) -> usize {
        let count = dest.len().min(self.buffered());
        let end = self.next + count;
        if let (Some(from), Some(to)) = (self.octets.get_mut(self.next..end), dest.get_mut(..count))
        {
            to.copy_from_slice(from);
            erase(from);
            self.next = end;
            count
        } else {
            // Unreachable: `next <= octets.len()` always holds and `count` fits both slices.
            0
        }
    }

    /// Fills the whole block from `source` in one call. On failure the block is zeroed and left
    /// empty, so that a partial fill is never handed out.
    fn refill(&mut self, source: &mut impl SecureRng) -> Result<(), RandomFailure> {
        match source.fill(&mut self.octets) {
            Ok(()) => {
                self.next = 0;
                Ok(())
            }
            Err(failure) => {
                self.clear();
                Err(failure)
            }
        }
    }

    /// Zeroes every octet and marks the block empty.
    fn clear(&mut self) {
        erase(&mut self.octets);
        self.next = self.octets.len();
    }

    /// The raw buffer, for tests that check the zeroing.
    #[cfg(test)]
    fn raw(&self) -> &[u8] {
        &self.octets
    }
}

impl Drop for Block {
    fn drop(&mut self) {
        self.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Octets 0, 1, 2, … (wrapping); records the length of every call.
    #[derive(Default)]
    struct Counting {
        next: u8,
        calls: Vec<usize>,
    }

    impl SecureRng for Counting {
        fn fill(&mut self, dest: &mut [u8]) -> Result<(), RandomFailure> {
            self.calls.push(dest.len());
            for octet in dest {
                *octet = self.next;
                self.next = self.next.wrapping_add(1);
            }
            Ok(())
        }
    }

    #[test]
    fn consumed_octets_are_zeroed_in_the_buffer_and_the_rest_kept() {
        let mut rng = BufferedRng::with_capacity(16, Counting::default());
        assert_eq!(
            rng.block.raw(),
            &[0; 16],
            "nothing drawn before the first request"
        );

        let mut out = [0u8; 5];
        rng.fill(&mut out).unwrap();
        assert_eq!(out, [0, 1, 2, 3, 4]);
        let mut expected: Vec<u8> = (0..16).collect();
        expected[..5].fill(0);
        assert_eq!(rng.block.raw(), expected.as_slice());

        let mut out = [0u8; 11];
        rng.fill(&mut out).unwrap();
        assert_eq!(out, [5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15]);
        assert_eq!(rng.block.raw(), &[0; 16], "a used-up block is all zeros");
    }

    #[test]
    fn discard_zeroes_the_unused_octets_and_the_next_draw_refills() {
        let mut rng = BufferedRng::with_capacity(8, Counting::default());
        let mut out = [0u8; 3];
        rng.fill(&mut out).unwrap();
        rng.discard();
        assert_eq!(rng.block.raw(), &[0; 8]);
        assert_eq!(rng.block.buffered(), 0);

        rng.fill(&mut out).unwrap();
        assert_eq!(
            out,
            [8, 9, 10],
            "the discarded octets 3..8 are never handed out"
        );
        assert_eq!(rng.source.calls, [8, 8]);
    }

    #[test]
    fn a_failed_refill_leaves_a_zeroed_empty_buffer() {
        /// Writes octets 0xAA then fails, like a source that dies halfway.
        struct Partial;
        impl SecureRng for Partial {
            fn fill(&mut self, dest: &mut [u8]) -> Result<(), RandomFailure> {
                dest.fill(0xAA);
                Err(RandomFailure)
            }
        }
        let mut rng = BufferedRng::with_capacity(8, Partial);
        let mut out = [0x55u8; 4];
        assert_eq!(rng.fill(&mut out), Err(RandomFailure));
        assert_eq!(out, [0; 4], "no partial output");
        assert_eq!(rng.block.raw(), &[0; 8], "no partial fill kept");
        assert_eq!(rng.block.buffered(), 0);
    }

    #[test]
    fn drop_clears_the_block() {
        let mut block = Block::new(4);
        block
            .refill(&mut Counting {
                next: 1,
                calls: Vec::new(),
            })
            .unwrap();
        assert_eq!(block.raw(), &[1, 2, 3, 4]);
        // `Drop` runs `clear`; check `clear` itself, since freed memory cannot be inspected
        // safely.
        block.clear();
        assert_eq!(block.raw(), &[0; 4]);
        assert_eq!(block.buffered(), 0);
    }
}

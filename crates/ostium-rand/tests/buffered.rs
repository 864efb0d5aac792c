//! `BufferedRng` through its public API, against sources whose output and calls are known.

#![allow(clippy::unwrap_used, clippy::indexing_slicing)] // Test helpers unwrap and index freely.

use ostium_rand::{BufferedRng, RandomFailure, SecureRng, random_array};
use proptest::prelude::*;

/// The octet at position `index` of the test sources' stream: a fixed pseudo-random function of
/// the position, so that an octet handed out of order or twice shows up.
fn octet_at(index: u64) -> u8 {
    (index.wrapping_add(1).wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 56) as u8
}

fn reference_stream(len: usize) -> Vec<u8> {
    (0..len as u64).map(octet_at).collect()
}

/// A deterministic source: hands out `octet_at(0)`, `octet_at(1)`, … and records each call's
/// length. When `fail_on` holds a call number (1-based), that call writes junk and fails without
/// advancing the stream.
#[derive(Default)]
struct Recording {
    position: u64,
    calls: Vec<usize>,
    fail_on: Option<usize>,
}

impl SecureRng for Recording {
    fn fill(&mut self, dest: &mut [u8]) -> Result<(), RandomFailure> {
        self.calls.push(dest.len());
        if self.fail_on == Some(self.calls.len()) {
            dest.fill(0xEE);
            return Err(RandomFailure);
        }
        for octet in dest {
            *octet = octet_at(self.position);
            self.position += 1;
        }
        Ok(())
    }
}

/// A source whose stream is the big-endian encoding of 0u64, 1u64, 2u64, …: every 8-octet word
/// is distinct, so repeated or skipped octets break the count.
#[derive(Default)]
struct Words {
    position: u64,
}

impl SecureRng for Words {
    fn fill(&mut self, dest: &mut [u8]) -> Result<(), RandomFailure> {
        for octet in dest {
            let word = (self.position / 8).to_be_bytes();
            *octet = word[(self.position % 8) as usize];
            self.position += 1;
        }
        Ok(())
    }
}

fn draw(rng: &mut impl SecureRng, len: usize) -> Vec<u8> {
    let mut out = vec![0u8; len];
    rng.fill(&mut out).unwrap();
    out
}

#[test]
fn octets_are_the_source_stream_in_order() {
    let mut rng = BufferedRng::with_capacity(64, Recording::default());
    let mut handed_out = Vec::new();
    for len in [1, 31, 32, 0, 7, 64, 5, 200, 3, 63, 64, 65] {
        handed_out.extend(draw(&mut rng, len));
    }
    assert_eq!(handed_out, reference_stream(handed_out.len()));
}

#[test]
fn no_octet_is_handed_out_twice_across_mixed_sizes() {
    let mut rng = BufferedRng::with_capacity(4096, Words::default());
    let mut handed_out = Vec::new();
    // Sizes cycling through small, odd, block-straddling and larger-than-block requests.
    let sizes = [32, 48, 64, 96, 1, 7, 4095, 4096, 4097, 9000, 13, 0];
    for round in 0..200 {
        handed_out.extend(draw(&mut rng, sizes[round % sizes.len()]));
    }
    let whole_words = handed_out.len() / 8;
    for (expected, chunk) in handed_out.chunks_exact(8).enumerate() {
        let word = u64::from_be_bytes(chunk.try_into().unwrap());
        assert_eq!(word, expected as u64, "word {expected} of {whole_words}");
    }
}

#[test]
fn one_source_call_serves_a_whole_block_of_secrets() {
    let mut rng = BufferedRng::new(Recording::default());
    assert_eq!(rng.capacity(), 4096);
    for _ in 0..128 {
        let _: [u8; 32] = random_array(&mut rng).unwrap();
    }
    let source = rng.into_inner();
    assert_eq!(
        source.calls,
        [4096],
        "128 × 32 octets = exactly one 4 KiB block"
    );

    let mut rng = BufferedRng::new(source);
    let _: [u8; 32] = random_array(&mut rng).unwrap();
    assert_eq!(
        rng.into_inner().calls,
        [4096, 4096],
        "the 129th secret needs a new block"
    );
}

#[test]
fn refill_happens_exactly_when_the_buffer_runs_short() {
    let mut rng = BufferedRng::with_capacity(100, Recording::default());
    let mut calls_after_each_draw = Vec::new();
    let mut handed_out = Vec::new();
    for _ in 0..8 {
        handed_out.extend(draw(&mut rng, 30));
        calls_after_each_draw.push(format!("{rng:?}"));
    }
    // 30 + 30 + 30 leave 10 octets; the fourth draw takes those 10 and 20 of a new block.
    assert_eq!(
        calls_after_each_draw,
        [70, 40, 10, 80, 50, 20, 90, 60]
            .map(|buffered| format!("BufferedRng {{ capacity: 100, buffered: {buffered}, .. }}"))
    );
    let source = rng.into_inner();
    assert_eq!(source.calls, [100, 100, 100]);
    assert_eq!(handed_out, reference_stream(240));
}

#[test]
fn requests_of_at_least_a_block_go_straight_to_the_source() {
    let mut rng = BufferedRng::with_capacity(4096, Recording::default());
    let mut handed_out = draw(&mut rng, 10_000);
    handed_out.extend(draw(&mut rng, 4096));
    // Now a small draw fills the buffer, and a large one drains it before going direct.
    handed_out.extend(draw(&mut rng, 32));
    handed_out.extend(draw(&mut rng, 10_000));
    let source = rng.into_inner();
    assert_eq!(source.calls, [10_000, 4096, 4096, 10_000 - (4096 - 32)]);
    assert_eq!(handed_out, reference_stream(handed_out.len()));
}

#[test]
fn empty_requests_touch_nothing() {
    let mut rng = BufferedRng::with_capacity(16, Recording::default());
    rng.fill(&mut []).unwrap();
    assert!(rng.into_inner().calls.is_empty());
}

#[test]
fn capacity_zero_passes_every_request_through() {
    let mut rng = BufferedRng::with_capacity(0, Recording::default());
    let mut handed_out = draw(&mut rng, 3);
    handed_out.extend(draw(&mut rng, 32));
    let source = rng.into_inner();
    assert_eq!(source.calls, [3, 32]);
    assert_eq!(handed_out, reference_stream(35));
}

#[test]
fn a_failing_refill_propagates_and_leaves_no_output() {
    let source = Recording {
        fail_on: Some(2),
        ..Recording::default()
    };
    let mut rng = BufferedRng::with_capacity(64, source);
    let first = draw(&mut rng, 40);
    // 24 octets remain; the next draw takes them, then the refill (the second call) fails.
    let mut out = [0x55u8; 40];
    assert_eq!(rng.fill(&mut out), Err(RandomFailure));
    assert_eq!(
        out, [0; 40],
        "neither the drained octets nor the source's junk survive"
    );
    assert_eq!(
        format!("{rng:?}"),
        "BufferedRng { capacity: 64, buffered: 0, .. }"
    );

    // The generator recovers on the next call, and the octets spent on the failed draw stay
    // spent: the stream resumes where the source resumes, after position 64.
    let next = draw(&mut rng, 8);
    assert_eq!(first, reference_stream(40));
    assert_eq!(next, reference_stream(72)[64..]);
    assert_eq!(rng.into_inner().calls, [64, 64, 64]);
}

#[test]
fn a_failing_direct_request_propagates_and_leaves_no_output() {
    let source = Recording {
        fail_on: Some(1),
        ..Recording::default()
    };
    let mut rng = BufferedRng::with_capacity(64, source);
    let mut out = vec![0x55u8; 100];
    assert_eq!(rng.fill(&mut out), Err(RandomFailure));
    assert!(out.iter().all(|&octet| octet == 0));
    assert_eq!(rng.into_inner().calls, [100]);
}

#[test]
fn debug_shows_sizes_never_octets() {
    struct Constant;
    impl SecureRng for Constant {
        fn fill(&mut self, dest: &mut [u8]) -> Result<(), RandomFailure> {
            dest.fill(0xAB);
            Ok(())
        }
    }
    let mut rng = BufferedRng::with_capacity(8, Constant);
    let _: [u8; 3] = random_array(&mut rng).unwrap();
    let shown = format!("{rng:?} {rng:#?}");
    assert!(
        !shown.contains("171") && !shown.to_lowercase().contains("ab"),
        "{shown}"
    );
    assert_eq!(
        format!("{rng:?}"),
        "BufferedRng { capacity: 8, buffered: 5, .. }"
    );
}

#[test]
fn discard_forgets_the_buffered_octets() {
    let mut rng = BufferedRng::with_capacity(16, Recording::default());
    let before = draw(&mut rng, 4);
    rng.discard();
    let after = draw(&mut rng, 4);
    assert_eq!(before, reference_stream(4));
    assert_eq!(
        after,
        reference_stream(20)[16..],
        "octets 4..16 are never handed out"
    );
    assert_eq!(rng.into_inner().calls, [16, 16]);
}

#[test]
fn it_moves_between_threads_and_works_through_a_reference() {
    fn assert_send<T: Send>() {}
    assert_send::<BufferedRng<ring::rand::SystemRandom>>();

    let rng = BufferedRng::with_capacity(32, Recording::default());
    let mut rng = std::thread::spawn(move || {
        let mut rng = rng;
        // Through `&mut BufferedRng` and `&mut dyn SecureRng`, as Ostium's endpoints take it.
        let by_ref: &mut dyn SecureRng = &mut rng;
        let _: [u8; 8] = random_array(by_ref).unwrap();
        rng
    })
    .join()
    .unwrap();
    assert_eq!(draw(&mut rng, 8), reference_stream(16)[8..]);
}

#[test]
#[allow(clippy::disallowed_methods)] // The production source, exercised once.
fn over_system_random_draws_are_distinct() {
    let mut rng = BufferedRng::new(ring::rand::SystemRandom::new());
    let a: [u8; 32] = random_array(&mut rng).unwrap();
    let b: [u8; 32] = random_array(&mut rng).unwrap();
    let big = draw(&mut rng, 10_000);
    assert_ne!(a, b);
    assert_ne!(a, [0; 32]);
    assert!(big.iter().any(|&octet| octet != 0));
}

/// The reference model of the buffer: how many octets remain, and how many source calls a
/// sequence of requests makes.
struct Model {
    capacity: usize,
    buffered: usize,
    calls: Vec<usize>,
}

impl Model {
    fn request(&mut self, len: usize) {
        if len <= self.buffered {
            self.buffered -= len;
            return;
        }
        let missing = len - self.buffered;
        self.buffered = 0;
        if missing >= self.capacity {
            self.calls.push(missing);
        } else {
            self.calls.push(self.capacity);
            self.buffered = self.capacity - missing;
        }
    }
}

proptest! {
    #[test]
    fn any_request_sequence_hands_out_the_source_stream(
        capacity in 0usize..300,
        requests in prop::collection::vec(0usize..700, 0..60),
    ) {
        let mut rng = BufferedRng::with_capacity(capacity, Recording::default());
        let mut model = Model { capacity, buffered: 0, calls: Vec::new() };
        let mut handed_out = Vec::new();
        for &len in &requests {
            let out = draw(&mut rng, len);
            prop_assert_eq!(out.len(), len);
            handed_out.extend(out);
            model.request(len);
            let debug = format!(
                "BufferedRng {{ capacity: {capacity}, buffered: {}, .. }}", model.buffered
            );
            prop_assert_eq!(format!("{rng:?}"), debug);
        }
        let source = rng.into_inner();
        // Everything handed out, concatenated, is exactly the source's stream, nothing skipped
        // or repeated; the rest of what the source produced is still buffered.
        prop_assert_eq!(&handed_out, &reference_stream(handed_out.len()));
        prop_assert_eq!(source.position as usize, handed_out.len() + model.buffered);
        prop_assert_eq!(source.calls, model.calls);
    }
}

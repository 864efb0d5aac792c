//! `KeyErasureRng` through its public API: RFC 8439 known answers, and a reference model with its
//! own ChaCha20 (written from RFC 8439 §2.3, independent of ring) that every request sequence must
//! match octet for octet, source call for source call.

#![allow(clippy::unwrap_used, clippy::indexing_slicing)] // Test helpers unwrap and index freely.

use std::collections::HashSet;
use std::sync::{Arc, Mutex};

use ostium_rand::{KeyErasureRng, RandomFailure, SecureRng, random_array};
use proptest::prelude::*;

// ---------------------------------------------------------------------------------------------
// The reference ChaCha20, straight from RFC 8439 §2.1–2.3.

fn quarter_round(s: &mut [u32; 16], a: usize, b: usize, c: usize, d: usize) {
    s[a] = s[a].wrapping_add(s[b]);
    s[d] = (s[d] ^ s[a]).rotate_left(16);
    s[c] = s[c].wrapping_add(s[d]);
    s[b] = (s[b] ^ s[c]).rotate_left(12);
    s[a] = s[a].wrapping_add(s[b]);
    s[d] = (s[d] ^ s[a]).rotate_left(8);
    s[c] = s[c].wrapping_add(s[d]);
    s[b] = (s[b] ^ s[c]).rotate_left(7);
}

/// RFC 8439 §2.3: the serialized block for `key`, `counter`, `nonce`.
fn chacha20_block(key: &[u8; 32], counter: u32, nonce: &[u8; 12]) -> [u8; 64] {
    let word = |octets: &[u8]| u32::from_le_bytes(octets.try_into().unwrap());
    let mut initial = [0u32; 16];
    initial[..4].copy_from_slice(&[0x6170_7865, 0x3320_646e, 0x7962_2d32, 0x6b20_6574]);
    for i in 0..8 {
        initial[4 + i] = word(&key[4 * i..4 * i + 4]);
    }
    initial[12] = counter;
    for i in 0..3 {
        initial[13 + i] = word(&nonce[4 * i..4 * i + 4]);
    }
    let mut s = initial;
    for _ in 0..10 {
        quarter_round(&mut s, 0, 4, 8, 12);
        quarter_round(&mut s, 1, 5, 9, 13);
        quarter_round(&mut s, 2, 6, 10, 14);
        quarter_round(&mut s, 3, 7, 11, 15);
        quarter_round(&mut s, 0, 5, 10, 15);
        quarter_round(&mut s, 1, 6, 11, 12);
        quarter_round(&mut s, 2, 7, 8, 13);
        quarter_round(&mut s, 3, 4, 9, 14);
    }
    let mut out = [0u8; 64];
    for i in 0..16 {
        out[4 * i..4 * i + 4].copy_from_slice(&s[i].wrapping_add(initial[i]).to_le_bytes());
    }
    out
}

/// RFC 8439 §2.4: `len` octets of keystream from block `counter` on.
fn chacha20_keystream(key: &[u8; 32], counter: u32, nonce: &[u8; 12], len: usize) -> Vec<u8> {
    let mut out = Vec::with_capacity(len + 64);
    let mut counter = counter;
    while out.len() < len {
        out.extend_from_slice(&chacha20_block(key, counter, nonce));
        counter += 1;
    }
    out.truncate(len);
    out
}

// ---------------------------------------------------------------------------------------------
// The known-answer file.

fn unhex(text: &str) -> Vec<u8> {
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&text[i..i + 2], 16).unwrap())
        .collect()
}

/// The records of `tests/data/rfc8439_appendix_a1_chacha20.txt`, each a list of (field, value).
fn vectors() -> Vec<Vec<(String, String)>> {
    include_str!("data/rfc8439_appendix_a1_chacha20.txt")
        .split("\n\n")
        .map(|record| {
            record
                .lines()
                .filter(|line| !line.starts_with('#') && !line.is_empty())
                .map(|line| {
                    let (name, value) = line.split_once(" = ").unwrap();
                    (name.to_owned(), value.to_owned())
                })
                .collect::<Vec<_>>()
        })
        .filter(|record| !record.is_empty())
        .collect()
}

fn field<'r>(record: &'r [(String, String)], name: &str) -> &'r str {
    &record.iter().find(|(n, _)| n == name).unwrap().1
}

fn vector(name: &str) -> Vec<(String, String)> {
    vectors()
        .into_iter()
        .find(|record| field(record, "name") == name)
        .unwrap()
}

// ---------------------------------------------------------------------------------------------
// Deterministic sources.

/// The octet at position `index` of the test source's stream.
fn octet_at(index: u64) -> u8 {
    (index.wrapping_add(1).wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 56) as u8
}

/// Hands out `octet_at(0)`, `octet_at(1)`, …, logs each call's length (in a log the test can
/// read while the generator owns the source), and fails (writing junk, not advancing) on the
/// 1-based call numbers in `failing`.
#[derive(Default)]
struct Recording {
    position: u64,
    log: Arc<Mutex<Vec<usize>>>,
    failing: Vec<usize>,
}

impl Recording {
    fn failing(calls: &[usize]) -> Self {
        Self {
            failing: calls.to_vec(),
            ..Self::default()
        }
    }

    /// A handle on the call log.
    fn log(&self) -> Arc<Mutex<Vec<usize>>> {
        Arc::clone(&self.log)
    }
}

fn calls(log: &Arc<Mutex<Vec<usize>>>) -> Vec<usize> {
    log.lock().unwrap().clone()
}

impl SecureRng for Recording {
    fn fill(&mut self, dest: &mut [u8]) -> Result<(), RandomFailure> {
        let call = {
            let mut log = self.log.lock().unwrap();
            log.push(dest.len());
            log.len()
        };
        if self.failing.contains(&call) {
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

/// Hands out `key` as the seed (and on every later call).
struct Fixed([u8; 32]);

impl SecureRng for Fixed {
    fn fill(&mut self, dest: &mut [u8]) -> Result<(), RandomFailure> {
        for (octet, key) in dest.iter_mut().zip(self.0.iter().cycle()) {
            *octet = *key;
        }
        Ok(())
    }
}

fn draw(rng: &mut impl SecureRng, len: usize) -> Vec<u8> {
    let mut out = vec![0u8; len];
    rng.fill(&mut out).unwrap();
    out
}

// ---------------------------------------------------------------------------------------------
// The reference model: the construction as the documentation states it, block by block.

struct Model {
    key: [u8; 32],
    block_size: usize,
    reseed_interval: u64,
    generated_since_seed: u64,
    /// Source octets consumed so far (the `Recording` position).
    source_position: u64,
    /// Everything generated for output, in order.
    stream: Vec<u8>,
}

impl Model {
    /// Seeded from `Recording` from position 0.
    fn new(block_size: usize, reseed_interval: u64) -> Self {
        let mut model = Self {
            key: [0; 32],
            block_size,
            reseed_interval,
            generated_since_seed: 0,
            source_position: 0,
            stream: Vec::new(),
        };
        model.key = model.source_key();
        model
    }

    fn source_key(&mut self) -> [u8; 32] {
        let key = std::array::from_fn(|i| octet_at(self.source_position + i as u64));
        self.source_position += 32;
        key
    }

    fn refill(&mut self) {
        if self.generated_since_seed >= self.reseed_interval {
            let fresh = self.source_key();
            for (k, f) in self.key.iter_mut().zip(fresh) {
                *k ^= f;
            }
            self.generated_since_seed = 0;
        }
        let block = chacha20_keystream(&self.key, 1, &[0; 12], self.block_size);
        self.key.copy_from_slice(&block[..32]);
        self.stream.extend_from_slice(&block[32..]);
        self.generated_since_seed += self.block_size as u64;
    }

    /// The first `len` octets of output, generating as many blocks as that takes.
    fn output(&mut self, len: usize) -> &[u8] {
        while self.stream.len() < len {
            self.refill();
        }
        &self.stream[..len]
    }

    /// Source calls the generator made for the octets generated so far: the seed, plus reseeds.
    fn source_calls(&self) -> usize {
        self.source_position as usize / 32
    }
}

// ---------------------------------------------------------------------------------------------
// Known answers.

#[test]
fn the_reference_chacha20_matches_rfc8439_appendix_a1() {
    let rfc: Vec<_> = vectors()
        .into_iter()
        .filter(|record| field(record, "name").starts_with("rfc8439-a1-"))
        .collect();
    assert_eq!(rfc.len(), 5);
    for record in rfc {
        let key: [u8; 32] = unhex(field(&record, "key")).try_into().unwrap();
        let nonce: [u8; 12] = unhex(field(&record, "nonce")).try_into().unwrap();
        let counter: u32 = field(&record, "counter").parse().unwrap();
        assert_eq!(
            chacha20_block(&key, counter, &nonce).to_vec(),
            unhex(field(&record, "keystream")),
            "{}",
            field(&record, "name")
        );
    }
}

/// RFC 8439 A.1 #2 and #3 are keystreams for nonce 0 and counter 1, exactly a first refill: the
/// generator must hand out their octets 32..64 first (octets 0..32 become its next key).
#[test]
fn the_first_refill_is_the_rfc8439_keystream_for_the_seed() {
    for name in ["rfc8439-a1-2", "rfc8439-a1-3"] {
        let record = vector(name);
        let seed: [u8; 32] = unhex(field(&record, "key")).try_into().unwrap();
        let keystream = unhex(field(&record, "keystream"));

        let mut rng = KeyErasureRng::new(Fixed(seed)).unwrap().with_block_size(64);
        assert_eq!(
            draw(&mut rng, 32),
            keystream[32..],
            "{name}, 64-octet blocks"
        );

        let mut rng = KeyErasureRng::new(Fixed(seed)).unwrap();
        assert_eq!(
            draw(&mut rng, 32),
            keystream[32..],
            "{name}, default blocks"
        );
    }
}

#[test]
fn chained_refills_match_the_derived_vector() {
    let record = vector("chain-zero-seed-64");
    let seed: [u8; 32] = unhex(field(&record, "seed")).try_into().unwrap();
    let block_size: usize = field(&record, "block_size").parse().unwrap();
    let expected = unhex(field(&record, "output"));
    let key_after: [u8; 32] = unhex(field(&record, "key")).try_into().unwrap();

    let mut rng = KeyErasureRng::new(Fixed(seed))
        .unwrap()
        .with_block_size(block_size);
    assert_eq!(draw(&mut rng, expected.len()), expected);
    // The fourth refill runs under the key the third one left.
    let fourth = chacha20_keystream(&key_after, 1, &[0; 12], 64);
    assert_eq!(draw(&mut rng, 32), fourth[32..]);
}

// ---------------------------------------------------------------------------------------------
// Behaviour.

#[test]
fn the_default_generator_follows_the_model_through_large_requests() {
    let mut rng = KeyErasureRng::new(Recording::default()).unwrap();
    assert_eq!(
        rng.block_size(),
        KeyErasureRng::<Recording>::DEFAULT_BLOCK_SIZE
    );
    assert_eq!(rng.reseed_interval(), 1 << 20);
    let mut handed_out = Vec::new();
    for len in [32, 100_000, 0, 48, 4064, 4065, 1, 300_000, 96] {
        handed_out.extend(draw(&mut rng, len));
    }
    let mut model = Model::new(4096, 1 << 20);
    assert_eq!(handed_out, model.output(handed_out.len()));
    assert_eq!(
        calls(&rng.into_inner().log),
        [32],
        "408 KiB is within one reseed interval"
    );
}

#[test]
fn a_large_request_with_small_blocks_erases_a_key_per_block() {
    let mut rng = KeyErasureRng::new(Recording::default())
        .unwrap()
        .with_block_size(64)
        .with_reseed_interval(u64::MAX);
    let out = draw(&mut rng, 10_000);
    let mut model = Model::new(64, u64::MAX);
    assert_eq!(out, model.output(10_000));
    // 10 000 octets at 32 per block: 313 keys used and erased, one source call.
    assert_eq!(calls(&rng.into_inner().log), [32]);
}

#[test]
fn no_octet_string_is_handed_out_twice() {
    #[allow(clippy::disallowed_methods)] // The production source, exercised once.
    let mut rng = KeyErasureRng::new(ring::rand::SystemRandom::new()).unwrap();
    let mut seen = HashSet::new();
    for _ in 0..20_000 {
        let secret: [u8; 32] = random_array(&mut rng).unwrap();
        assert!(seen.insert(secret), "a 32-octet secret repeated");
    }
    // Across refills and block boundaries too: 16-octet words of one long draw are distinct.
    let long = draw(&mut rng, 200_000);
    let words: HashSet<&[u8]> = long.chunks_exact(16).collect();
    assert_eq!(words.len(), 200_000 / 16);
    // Two generators over the OS source do not share a stream.
    #[allow(clippy::disallowed_methods)]
    let mut other = KeyErasureRng::new(ring::rand::SystemRandom::new()).unwrap();
    let theirs: [u8; 32] = random_array(&mut other).unwrap();
    assert!(!seen.contains(&theirs));
}

#[test]
fn fresh_source_octets_are_mixed_in_every_reseed_interval() {
    // 128-octet blocks hand out 96 octets each; the interval of 1024 octets is 8 refills.
    let source = Recording::default();
    let log = source.log();
    let mut rng = KeyErasureRng::new(source)
        .unwrap()
        .with_block_size(128)
        .with_reseed_interval(1024);
    let mut handed_out = Vec::new();
    for n in 1..=100usize {
        handed_out.extend(draw(&mut rng, 32));
        let refills = n.div_ceil(3);
        let reseeds = (refills - 1) / 8;
        assert_eq!(
            calls(&log).len(),
            1 + reseeds,
            "after {n} secrets ({refills} refills)"
        );
    }
    let mut model = Model::new(128, 1024);
    assert_eq!(handed_out, model.output(3200));
    assert_eq!(calls(&rng.into_inner().log), vec![32; model.source_calls()]);
}

#[test]
fn the_default_interval_reseeds_after_one_mib_of_keystream() {
    let source = Recording::default();
    let log = source.log();
    let mut rng = KeyErasureRng::new(source).unwrap();
    // 256 refills of 4096 octets generate exactly 1 MiB and hand out 256 × 4064 octets.
    let before = draw(&mut rng, 256 * 4064);
    assert_eq!(calls(&log).len(), 1);
    let after = draw(&mut rng, 1);
    assert_eq!(calls(&log).len(), 2, "the 257th refill reseeds first");
    let mut model = Model::new(4096, 1 << 20);
    let expected = model.output(256 * 4064 + 1);
    assert_eq!(before, expected[..256 * 4064]);
    assert_eq!(after, expected[256 * 4064..]);
}

#[test]
fn an_interval_of_zero_reseeds_before_every_refill() {
    let mut rng = KeyErasureRng::new(Recording::default())
        .unwrap()
        .with_block_size(64)
        .with_reseed_interval(0);
    let out = draw(&mut rng, 32 * 5);
    assert_eq!(calls(&rng.into_inner().log), [32; 6]);
    assert_eq!(out, Model::new(64, 0).output(160));
}

#[test]
fn a_failing_seed_fails_construction() {
    let source = Recording::failing(&[1]);
    assert!(KeyErasureRng::new(source).is_err());
}

#[test]
fn a_failing_reseed_fails_the_draw_and_every_later_refill_until_the_source_recovers() {
    // Call 1 seeds; calls 2 and 3 (the due reseed, then its retry) fail; call 4 succeeds.
    let source = Recording::failing(&[2, 3]);
    let mut rng = KeyErasureRng::new(source)
        .unwrap()
        .with_block_size(64)
        .with_reseed_interval(64);
    let first = draw(&mut rng, 20);
    // 12 octets remain; the next draw takes them, then the due reseed fails.
    let mut out = [0x55u8; 40];
    assert_eq!(rng.fill(&mut out), Err(RandomFailure));
    assert_eq!(out, [0; 40], "no partial output, no source junk");
    assert_eq!(rng.fill(&mut out), Err(RandomFailure), "fails closed again");
    assert_eq!(out, [0; 40]);
    // The source recovers: the reseed goes through and the stream continues past the spent
    // octets, exactly as if the failures had not happened.
    let next = draw(&mut rng, 32);
    let mut model = Model::new(64, 64);
    let expected = model.output(64);
    assert_eq!(first, expected[..20]);
    assert_eq!(next, expected[32..64]);
    assert_eq!(calls(&rng.into_inner().log), [32, 32, 32, 32]);
}

#[test]
fn a_failed_explicit_reseed_blocks_output_from_the_old_state() {
    let source = Recording::failing(&[2]);
    let mut rng = KeyErasureRng::new(source).unwrap();
    let _ = draw(&mut rng, 32);
    assert_eq!(rng.reseed(), Err(RandomFailure));
    // Plenty of keystream was buffered and the interval is far off, yet nothing is handed out
    // until a reseed succeeds (here: the retry inside this draw, call 3).
    let out = draw(&mut rng, 32);
    assert_ne!(out, [0; 32]);
    assert_eq!(calls(&rng.into_inner().log), [32, 32, 32]);
}

/// What a `fork` without `exec` does to a generator: two copies of one state hand out the same
/// octets, until the child calls `reseed`.
#[test]
fn reseeding_separates_two_copies_of_one_state() {
    let mut parent = KeyErasureRng::new(Recording::default()).unwrap();
    let mut child = KeyErasureRng::new(Recording::default()).unwrap();
    let _ = draw(&mut parent, 16);
    let _ = draw(&mut child, 16);
    assert_eq!(draw(&mut parent, 32), draw(&mut child, 32), "the hazard");

    child.reseed().unwrap();
    // The child dropped the inherited block and mixed fresh source octets into its key: none of
    // the parent's upcoming octets come out of it.
    let parents = draw(&mut parent, 8192);
    let childs = draw(&mut child, 64);
    for window in childs.windows(8) {
        assert!(!parents.windows(8).any(|p| p == window));
    }
}

#[test]
fn debug_shows_sizes_never_key_or_octets() {
    let mut rng = KeyErasureRng::new(Fixed([0xAB; 32]))
        .unwrap()
        .with_block_size(64);
    let _ = draw(&mut rng, 3);
    let shown = format!("{rng:?} {rng:#?}");
    assert!(
        !shown.contains("171") && !shown.to_lowercase().contains("ab"),
        "{shown}"
    );
    assert_eq!(
        format!("{rng:?}"),
        "KeyErasureRng { block_size: 64, buffered: 29, reseed_interval: 1048576, \
         generated_since_seed: 64, .. }"
    );
}

#[test]
fn it_moves_between_threads_and_works_through_a_reference() {
    fn assert_send<T: Send>() {}
    assert_send::<KeyErasureRng<ring::rand::SystemRandom>>();

    let rng = KeyErasureRng::new(Recording::default()).unwrap();
    let mut rng = std::thread::spawn(move || {
        let mut rng = rng;
        let by_ref: &mut dyn SecureRng = &mut rng;
        let _: [u8; 8] = random_array(by_ref).unwrap();
        rng
    })
    .join()
    .unwrap();
    assert_eq!(draw(&mut rng, 8), Model::new(4096, 1 << 20).output(16)[8..]);
}

proptest! {
    #[test]
    fn any_request_sequence_hands_out_the_model_stream(
        block_size in 64usize..400,
        reseed_interval in 0u64..2000,
        requests in prop::collection::vec(0usize..1000, 0..40),
    ) {
        let mut rng = KeyErasureRng::new(Recording::default())
            .unwrap()
            .with_block_size(block_size)
            .with_reseed_interval(reseed_interval);
        let mut handed_out = Vec::new();
        for &len in &requests {
            let out = draw(&mut rng, len);
            prop_assert_eq!(out.len(), len);
            handed_out.extend(out);
        }
        let mut model = Model::new(block_size, reseed_interval);
        prop_assert_eq!(&handed_out[..], model.output(handed_out.len()));
        // Exactly as many source calls as the model's reseeds, each of 32 octets, and exactly
        // the model's unused remainder still buffered.
        let buffered = model.stream.len() - handed_out.len();
        let debug = format!("{rng:?}");
        prop_assert!(debug.contains(&format!("buffered: {buffered},")), "{}", debug);
        prop_assert_eq!(calls(&rng.into_inner().log), vec![32; model.source_calls()]);
    }
}

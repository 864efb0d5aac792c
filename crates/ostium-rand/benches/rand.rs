//! The cost of a secret's worth of randomness: `ring::rand::SystemRandom` called directly (one
//! `getrandom` per secret, the baseline) beside `BufferedRng` and `KeyErasureRng` over the same
//! source, in the same run; the cost of one `getrandom` call per block size, which is what
//! `BufferedRng`'s capacity trades against; and a 32-octet secret from `KeyErasureRng` per block
//! size, which is what its `DEFAULT_BLOCK_SIZE` is chosen from. Results: the crate README.

#![allow(clippy::unwrap_used, missing_docs)]

use criterion::{BenchmarkId, Criterion, Throughput, black_box, criterion_group, criterion_main};
use ostium_rand::{BufferedRng, KeyErasureRng, SecureRng};
use ring::rand::SystemRandom;

/// Secret sizes an authorization server mints: 32 (codes, tokens), 48, 64, and 96 octets.
const SECRET_SIZES: [usize; 4] = [32, 48, 64, 96];

/// Block sizes a `BufferedRng` could draw per source call.
const BLOCK_SIZES: [usize; 5] = [256, 1024, 4096, 16384, 65536];

#[allow(clippy::disallowed_methods)] // The production randomness source is what is measured.
fn system_random() -> SystemRandom {
    SystemRandom::new()
}

/// One secret per iteration: directly from the OS, through a `BufferedRng` (default capacity), and
/// from a `KeyErasureRng` (default block size and reseed interval).
fn per_secret(c: &mut Criterion) {
    let mut group = c.benchmark_group("per_secret");
    for size in SECRET_SIZES {
        let mut out = vec![0u8; size];
        let mut direct = system_random();
        group.bench_function(BenchmarkId::new("system_random", size), |b| {
            b.iter(|| direct.fill(black_box(&mut out)).unwrap())
        });
        let mut buffered = BufferedRng::new(system_random());
        group.bench_function(BenchmarkId::new("buffered_4096", size), |b| {
            b.iter(|| buffered.fill(black_box(&mut out)).unwrap())
        });
        let mut key_erasure = KeyErasureRng::new(system_random()).unwrap();
        group.bench_function(BenchmarkId::new("key_erasure_4096", size), |b| {
            b.iter(|| key_erasure.fill(black_box(&mut out)).unwrap())
        });
    }
    group.finish();
}

/// Block sizes a `KeyErasureRng` could generate per refill.
const KEYSTREAM_BLOCK_SIZES: [usize; 7] = [128, 256, 512, 1024, 2048, 4096, 16384];

/// A 32-octet secret from `KeyErasureRng` of each block size: the refill cost amortized.
fn key_erasure_by_block_size(c: &mut Criterion) {
    let mut group = c.benchmark_group("key_erasure_secret_32_by_block_size");
    let mut out = [0u8; 32];
    for block_size in KEYSTREAM_BLOCK_SIZES {
        let mut rng = KeyErasureRng::new(system_random())
            .unwrap()
            .with_block_size(block_size);
        group.bench_function(BenchmarkId::from_parameter(block_size), |b| {
            b.iter(|| rng.fill(black_box(&mut out)).unwrap())
        });
    }
    group.finish();
}

/// One refill's worth of output per iteration (the block minus its 32 key octets), so that
/// criterion's throughput is the generator's bulk rate and the time is one refill's stall.
fn key_erasure_refill(c: &mut Criterion) {
    let mut group = c.benchmark_group("key_erasure_refill");
    for block_size in KEYSTREAM_BLOCK_SIZES {
        let mut rng = KeyErasureRng::new(system_random())
            .unwrap()
            .with_block_size(block_size);
        let mut out = vec![0u8; block_size - 32];
        group.throughput(Throughput::Bytes(out.len() as u64));
        group.bench_function(BenchmarkId::from_parameter(block_size), |b| {
            b.iter(|| rng.fill(black_box(&mut out)).unwrap())
        });
    }
    group.finish();
}

/// One `getrandom` call of each block size; criterion's throughput gives the cost per octet.
fn getrandom_block(c: &mut Criterion) {
    let mut group = c.benchmark_group("getrandom_block");
    let mut rng = system_random();
    for size in BLOCK_SIZES {
        let mut block = vec![0u8; size];
        group.throughput(Throughput::Bytes(size as u64));
        group.bench_function(BenchmarkId::from_parameter(size), |b| {
            b.iter(|| rng.fill(black_box(&mut block)).unwrap())
        });
    }
    group.finish();
}

/// A 32-octet secret through `BufferedRng` of each capacity: the amortized cost a server pays.
fn per_secret_by_capacity(c: &mut Criterion) {
    let mut group = c.benchmark_group("secret_32_by_capacity");
    let mut out = [0u8; 32];
    for capacity in BLOCK_SIZES {
        let mut buffered = BufferedRng::with_capacity(capacity, system_random());
        group.bench_function(BenchmarkId::from_parameter(capacity), |b| {
            b.iter(|| buffered.fill(black_box(&mut out)).unwrap())
        });
    }
    group.finish();
}

criterion_group!(
    benches,
    per_secret,
    getrandom_block,
    per_secret_by_capacity,
    key_erasure_by_block_size,
    key_erasure_refill
);
criterion_main!(benches);

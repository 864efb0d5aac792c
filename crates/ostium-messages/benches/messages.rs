//! Criterion benchmarks for ostium-messages (filled in below).

fn main() {}

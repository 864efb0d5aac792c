#![doc = include_str!("../README.md")]

mod clock;
mod seeded_rng;
pub mod vectors;

pub use clock::FixedClock;
pub use seeded_rng::SeededRng;

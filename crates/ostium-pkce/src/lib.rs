#![doc = include_str!("../README.md")]

mod challenge;
mod error;
mod exchange;
mod verifier;

pub use challenge::{CodeChallenge, CodeChallengeMethod};
pub use error::PkceError;
pub use exchange::verify_exchange;
pub use verifier::CodeVerifier;

//! Placeholder until the walkthrough lands.
fn main() {}

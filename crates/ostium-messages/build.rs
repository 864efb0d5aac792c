//! Declares the `fuzzing` cfg that cargo-fuzz sets, so that the items compiled only for the fuzz
//! targets (`src/fuzzing.rs`) are checked like any other cfg.

fn main() {
    println!("cargo::rustc-check-cfg=cfg(fuzzing)");
}

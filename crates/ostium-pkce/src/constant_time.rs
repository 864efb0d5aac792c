//! Constant-time equality for secret-derived bytes.

use std::hint::black_box;

/// Returns whether `a == b` in time that depends only on the lengths, never on the contents.
///
/// Every byte pair is combined with XOR and the differences are OR-ed together; `black_box` keeps
/// the optimizer from turning the loop into an early-exit comparison. The lengths compared in this
/// crate are public (a SHA-256 digest), so an early return on a length mismatch leaks nothing.
pub(crate) fn eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    let difference = a
        .iter()
        .zip(b)
        .fold(0u8, |acc, (x, y)| acc | black_box(x ^ y));
    black_box(difference) == 0
}

#[cfg(test)]
mod tests {
    use super::eq;

    #[test]
    fn equal_and_unequal() {
        assert!(eq(b"", b""));
        assert!(eq(b"abc", b"abc"));
        assert!(!eq(b"abc", b"abd"));
        assert!(!eq(b"abc", b"ab"));
        assert!(!eq(&[0x80], &[0x00]));
    }
}

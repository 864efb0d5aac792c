//! Comparison of values an attacker may probe (`state`, `nonce`, hashes) without an early exit.

/// Whether `a` and `b` are equal, in time that depends only on their lengths.
pub(crate) fn eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    let difference = a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y));
    difference == 0
}

#[cfg(test)]
mod tests {
    #[test]
    fn equality() {
        assert!(super::eq(b"abc", b"abc"));
        assert!(!super::eq(b"abc", b"abd"));
        assert!(!super::eq(b"abc", b"ab"));
        assert!(super::eq(b"", b""));
    }
}

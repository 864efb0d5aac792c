//! Overwriting secrets with zeros, without `unsafe`.

/// Overwrites `octets` with zeros in a way the optimizer may not discard as a dead store.
///
/// The workspace forbids `unsafe`, so there is no volatile write: the zeros are written plainly and
/// the slice is then passed to [`std::hint::black_box`], which the compiler must assume reads it.
/// That is the documented best effort of the standard library, not a language guarantee; it is
/// what every generator of this crate relies on to erase consumed octets and keys.
pub(crate) fn erase(octets: &mut [u8]) {
    octets.fill(0);
    std::hint::black_box(octets);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn erase_zeroes_every_octet() {
        let mut octets = [0xA5u8; 37];
        erase(&mut octets);
        assert_eq!(octets, [0; 37]);
        erase(&mut []);
    }
}

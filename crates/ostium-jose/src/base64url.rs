//! Strict base64url without padding (RFC 7515 §2, RFC 4648 §5).
//!
//! base64 0.22's `URL_SAFE_NO_PAD` engine rejects padding, `+` and `/`, whitespace, a length of
//! 1 mod 4 and non-zero trailing bits, so every byte string has exactly one accepted encoding
//! (the tests below pin this down).

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

/// Decodes strict base64url; `None` when the input is not canonical unpadded base64url.
pub(crate) fn decode(input: &[u8]) -> Option<Vec<u8>> {
    URL_SAFE_NO_PAD.decode(input).ok()
}

/// Decodes strict base64url into `out`, returning the decoded length; `None` when the input is
/// not canonical or does not fit.
pub(crate) fn decode_slice(input: &[u8], out: &mut [u8]) -> Option<usize> {
    if decoded_len_upper_bound(input.len()) > out.len() {
        return None;
    }
    URL_SAFE_NO_PAD.decode_slice(input, out).ok()
}

/// An upper bound of the decoded length of `len` base64 characters.
pub(crate) const fn decoded_len_upper_bound(len: usize) -> usize {
    len / 4 * 3 + 3
}

/// Encodes as unpadded base64url.
pub(crate) fn encode(bytes: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

/// Appends the unpadded base64url encoding of `bytes` to `out`.
pub(crate) fn encode_append(bytes: &[u8], out: &mut String) {
    URL_SAFE_NO_PAD.encode_string(bytes, out);
}

/// The length of the unpadded base64url encoding of `len` bytes.
pub(crate) const fn encoded_len(len: usize) -> usize {
    len / 3 * 4 + (len % 3 * 4).div_ceil(3)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_lengths() {
        for len in 0..40usize {
            let bytes: Vec<u8> = (0..len).map(|i| (i * 37 + 11) as u8).collect();
            let text = encode(&bytes);
            assert_eq!(text.len(), encoded_len(len));
            assert_eq!(decode(text.as_bytes()), Some(bytes.clone()));
            let mut buf = [0u8; 64];
            let n = decode_slice(text.as_bytes(), &mut buf).unwrap();
            assert_eq!(&buf[..n], &bytes[..]);
        }
    }

    #[test]
    fn rejects_everything_but_canonical_base64url() {
        // RFC 7515 A.1 signature, valid.
        assert!(decode(b"dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk").is_some());
        for bad in [
            &b"dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk="[..], // padding
            b"dBjftJeZ4CVP+mB92K27uhbUJU1p1r_wW1gFWFOEjXk",       // '+'
            b"dBjftJeZ4CVP-mB92K27uhbUJU1p1r/wW1gFWFOEjXk",       // '/'
            b"dBjftJeZ4CVP-mB92K27uhbU JU1p1r_wW1gFWFOEjXk",      // space
            b"dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk\n",     // newline
            b"dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXl",       // non-zero trailing bits
            b"A",                                                 // length 1 mod 4
            b"AB?",
        ] {
            assert!(decode(bad).is_none(), "{:?}", String::from_utf8_lossy(bad));
        }
    }

    #[test]
    fn slice_decoding_refuses_short_buffers() {
        let mut buf = [0u8; 4];
        assert!(decode_slice(b"AAAAAAAAAAAA", &mut buf).is_none());
    }
}

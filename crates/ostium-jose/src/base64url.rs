//! Strict base64url without padding (RFC 7515 §2, RFC 4648 §5).
//!
//! Exactly one encoding of each byte string is accepted: the alphabet is `A–Z a–z 0–9 - _`, there
//! is no padding and no whitespace, a length of 1 mod 4 is refused, and the unused low bits of the
//! last character must be zero (RFC 4648 §3.5, "canonical encoding"). The tests below check this
//! decoder against the `base64` crate's `URL_SAFE_NO_PAD` engine, exhaustively on short inputs and
//! with proptest on long ones; the `jose_compact_verify` fuzz target does the same.
//!
//! Hand-written rather than the `base64` crate's general-purpose engine because this is on the
//! path of every token (about 520 characters for a typical ID token): a table lookup per character
//! with one validity test per call, and output written in place without zero-filling, costs about
//! a third of the instructions.

/// Marks a byte outside the base64url alphabet in [`DECODE`]. Every valid entry is below 64.
const INVALID: u8 = 0xff;

/// The RFC 4648 §5 alphabet.
const ENCODE: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/// The value of each byte as a base64url digit, or [`INVALID`].
// Built at compile time: an index out of range would fail the build, never a run.
#[allow(clippy::indexing_slicing)]
static DECODE: [u8; 256] = {
    let mut table = [INVALID; 256];
    let mut i = 0;
    while i < 64 {
        table[ENCODE[i] as usize] = i as u8;
        i += 1;
    }
    table
};

/// [`DECODE`] pre-shifted for each of the four places of a group: a group's 24 bits are the OR of
/// four lookups, and an invalid character sets bits 24–31 (checked once per call).
// Built at compile time: an index out of range would fail the build, never a run.
#[allow(clippy::indexing_slicing)]
static PLACED: [[u32; 256]; 4] = {
    let mut tables = [[0u32; 256]; 4];
    let mut byte = 0;
    while byte < 256 {
        let value = DECODE[byte];
        let mut place = 0;
        while place < 4 {
            tables[place][byte] = if value == INVALID {
                0xff00_0000
            } else {
                (value as u32) << (18 - 6 * place)
            };
            place += 1;
        }
        byte += 1;
    }
    tables
};

/// One character's value (or [`INVALID`]).
#[inline(always)]
fn digit(byte: u8) -> u8 {
    // A `u8` always indexes a 256-entry table; the fallback is unreachable.
    DECODE.get(usize::from(byte)).copied().unwrap_or(INVALID)
}

/// The 24 bits of one group of four characters, with bits 24–31 set if one is invalid.
#[inline(always)]
fn group(a: u8, b: u8, c: u8, d: u8) -> u32 {
    // `u8` indexes into 256-entry tables: the fallbacks are unreachable.
    let [t0, t1, t2, t3] = &PLACED;
    let at = |table: &[u32; 256], byte: u8| table.get(usize::from(byte)).copied().unwrap_or(!0);
    at(t0, a) | at(t1, b) | at(t2, c) | at(t3, d)
}

/// The exact decoded length of `len` characters, or `None` for a length of 1 mod 4 (which no
/// byte string encodes to).
const fn decoded_len(len: usize) -> Option<usize> {
    match len % 4 {
        0 => Some(len / 4 * 3),
        1 => None,
        rest => Some(len / 4 * 3 + rest - 1),
    }
}

/// Decodes `input` into `out`, whose length must be `decoded_len(input.len())`; `false` when
/// `input` is not canonical unpadded base64url (then `out` holds garbage).
fn decode_exact(input: &[u8], out: &mut [u8]) -> bool {
    let mut seen = 0u32;
    let (mut i, mut o) = (0, 0);
    // Eight characters make six bytes, stored as eight: the two extra bytes are overwritten by
    // the next store, so this runs while eight bytes of room remain.
    while let (Some(&[a, b, c, d, e, f, g, h]), Some(dest)) = (
        input
            .get(i..i + 8)
            .and_then(|s| <&[u8; 8]>::try_from(s).ok()),
        out.get_mut(o..o + 8),
    ) {
        let (high, low) = (group(a, b, c, d), group(e, f, g, h));
        seen |= high | low;
        let word = u64::from(high) << 40 | u64::from(low) << 16;
        dest.copy_from_slice(&word.to_be_bytes());
        i += 8;
        o += 6;
    }
    let (Some(input), Some(out)) = (input.get(i..), out.get_mut(o..)) else {
        return false; // Unreachable: `i` and `o` stay within their slices.
    };
    let mut quads = input.chunks_exact(4);
    let mut triples = out.chunks_exact_mut(3);
    for (quad, triple) in (&mut quads).zip(&mut triples) {
        let &[a, b, c, d] = quad else { return false };
        let word = group(a, b, c, d);
        seen |= word;
        let [_, x, y, z] = word.to_be_bytes();
        triple.copy_from_slice(&[x, y, z]);
    }
    let mut last = 0u8;
    match (quads.remainder(), triples.into_remainder()) {
        ([], []) => {}
        ([a, b], [x]) => {
            let (a, b) = (digit(*a), digit(*b));
            // Canonical: the 4 low bits of the last digit are not part of the output.
            last = a | b | if b & 0x0f == 0 { 0 } else { INVALID };
            *x = a << 2 | b >> 4;
        }
        ([a, b, c], [x, y]) => {
            let (a, b, c) = (digit(*a), digit(*b), digit(*c));
            last = a | b | c | if c & 0x03 == 0 { 0 } else { INVALID };
            *x = a << 2 | b >> 4;
            *y = b << 4 | c >> 2;
        }
        // `out` was sized from `input`'s length by the callers, so no other shape occurs.
        _ => return false,
    }
    seen >> 24 == 0 && last < 64
}

/// Decodes strict base64url; `None` when the input is not canonical unpadded base64url.
pub(crate) fn decode(input: &[u8]) -> Option<Vec<u8>> {
    let mut out = vec![0; decoded_len(input.len())?];
    decode_exact(input, &mut out).then_some(out)
}

/// Decodes strict base64url into `out`, returning the decoded length; `None` when the input is
/// not canonical or does not fit.
pub(crate) fn decode_slice(input: &[u8], out: &mut [u8]) -> Option<usize> {
    let len = decoded_len(input.len())?;
    let out = out.get_mut(..len)?;
    decode_exact(input, out).then_some(len)
}

/// Two characters for each 12-bit value, first character in the high byte: a group of three bytes
/// is two lookups.
// Built at compile time: an index out of range would fail the build, never a run.
#[allow(clippy::indexing_slicing)]
static ENCODE_PAIRS: [u16; 4096] = {
    let mut table = [0u16; 4096];
    let mut i = 0;
    while i < 4096 {
        table[i] = (ENCODE[i >> 6] as u16) << 8 | ENCODE[i & 63] as u16;
        i += 1;
    }
    table
};

/// The two characters of the low 12 bits of `bits`, as a big-endian `u16`.
#[inline(always)]
fn pair(bits: u64) -> u64 {
    // Masked to 12 bits: always in the table; the fallback is unreachable.
    u64::from(
        ENCODE_PAIRS
            .get((bits & 0xfff) as usize)
            .copied()
            .unwrap_or(0),
    )
}

/// The four characters of the 24 bits of `word` (bits 0–23).
#[inline(always)]
fn quad(word: u64) -> [u8; 4] {
    ((pair(word >> 12) << 16 | pair(word)) as u32).to_be_bytes()
}

/// The characters of the last one or two bytes of an input (`tail`), into `dest`
/// (`encoded_len(tail.len())` long).
fn encode_tail(tail: &[u8], dest: &mut [u8]) {
    let (word, len) = match *tail {
        [x] => (u64::from(x) << 16, 2),
        [x, y] => (u64::from(x) << 16 | u64::from(y) << 8, 3),
        _ => return,
    };
    let chars = quad(word);
    if let (Some(dest), Some(chars)) = (dest.get_mut(..len), chars.get(..len)) {
        dest.copy_from_slice(chars);
    }
}

/// Appends the unpadded base64url encoding of `bytes` to `out`.
pub(crate) fn encode_to_vec(bytes: &[u8], out: &mut Vec<u8>) {
    let start = out.len();
    out.resize(start + encoded_len(bytes.len()), 0);
    let Some(dest) = out.get_mut(start..) else {
        return; // Unreachable: just resized.
    };
    let (mut i, mut o) = (0, 0);
    // Six bytes make eight characters; eight bytes are read, so this runs while two bytes of
    // room remain after the six.
    while let (Some(src), Some(chars)) = (
        bytes
            .get(i..i + 8)
            .and_then(|s| <[u8; 8]>::try_from(s).ok()),
        dest.get_mut(o..o + 8),
    ) {
        let word = u64::from_be_bytes(src) >> 16;
        let high = u64::from(u32::from_be_bytes(quad(word >> 24)));
        let low = u64::from(u32::from_be_bytes(quad(word)));
        chars.copy_from_slice(&(high << 32 | low).to_be_bytes());
        i += 6;
        o += 8;
    }
    let (Some(bytes), Some(dest)) = (bytes.get(i..), dest.get_mut(o..)) else {
        return; // Unreachable: `i` and `o` stay within their slices.
    };
    let mut triples = bytes.chunks_exact(3);
    let mut quads = dest.chunks_exact_mut(4);
    for (triple, chars) in (&mut triples).zip(&mut quads) {
        let &[x, y, z] = triple else { return };
        chars.copy_from_slice(&quad(u64::from(x) << 16 | u64::from(y) << 8 | u64::from(z)));
    }
    encode_tail(triples.remainder(), quads.into_remainder());
}

/// Replaces `buffer[start..]` by its unpadded base64url encoding, without a second buffer.
///
/// The `n` input bytes are first moved to the end of the grown buffer, [`IN_PLACE_GAP`] bytes
/// further than the encoding reaches, and then encoded front to back towards `start`. After `k`
/// groups of six bytes, the reading position is `enc + GAP - n - 2k` bytes ahead of the writing
/// position (`enc` = `encoded_len(n)` ≥ `4n/3`), and the loop runs while `6k + 8 ≤ n`, so the lead
/// stays above `GAP` ≥ 2: an eight-character store never reaches bytes not yet read. The same
/// holds for the groups of three and the tail that follow.
pub(crate) fn encode_in_place(buffer: &mut Vec<u8>, start: usize) {
    let len = buffer.len().saturating_sub(start);
    let encoded = encoded_len(len);
    let end = start + encoded + IN_PLACE_GAP;
    buffer.resize(end, 0);
    let from = end - len;
    buffer.copy_within(start..start + len, from);
    // Groups of six with eight readable bytes: `6k + 8 ≤ len`.
    let sixes = len.saturating_sub(2) / 6;
    let Some(area) = buffer.get_mut(start..end) else {
        return; // Unreachable: just resized.
    };
    let lead = from - start;
    for k in 0..sixes {
        let (i, o) = (lead + 6 * k, 8 * k);
        let Some(src) = area.get(i..i + 8).and_then(|s| <[u8; 8]>::try_from(s).ok()) else {
            break; // Unreachable: `i + 8 ≤ lead + len`.
        };
        let word = u64::from_be_bytes(src) >> 16;
        let high = u64::from(u32::from_be_bytes(quad(word >> 24)));
        let low = u64::from(u32::from_be_bytes(quad(word)));
        if let Some(dest) = area.get_mut(o..o + 8) {
            dest.copy_from_slice(&(high << 32 | low).to_be_bytes());
        }
    }
    let (mut i, mut o) = (from + 6 * sixes, start + 8 * sixes);
    while let Some(&[x, y, z]) = buffer.get(i..i + 3) {
        let chars = quad(u64::from(x) << 16 | u64::from(y) << 8 | u64::from(z));
        if let Some(dest) = buffer.get_mut(o..o + 4) {
            dest.copy_from_slice(&chars);
        }
        i += 3;
        o += 4;
    }
    let mut tail = [0u8; 2];
    let rest = end - i;
    if let (Some(dest), Some(src)) = (tail.get_mut(..rest), buffer.get(i..end)) {
        dest.copy_from_slice(src);
    }
    if let (Some(src), Some(dest)) = (tail.get(..rest), buffer.get_mut(o..)) {
        encode_tail(src, dest);
    }
    buffer.truncate(start + encoded);
}

/// How much further than its encoding [`encode_in_place`] moves the input first.
const IN_PLACE_GAP: usize = 8;

/// Encodes as unpadded base64url.
pub(crate) fn encode(bytes: &[u8]) -> String {
    let mut out = Vec::with_capacity(encoded_len(bytes.len()));
    encode_to_vec(bytes, &mut out);
    // Only alphabet characters were written; the empty fallback is unreachable.
    String::from_utf8(out).unwrap_or_default()
}

/// The length of the unpadded base64url encoding of `len` bytes.
pub(crate) const fn encoded_len(len: usize) -> usize {
    len / 3 * 4 + (len % 3 * 4).div_ceil(3)
}

#[cfg(test)]
mod tests {
    use super::*;
    use base64::Engine as _;
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;
    use proptest::prelude::*;

    /// The reference: the `base64` crate's strict engine.
    fn reference(input: &[u8]) -> Option<Vec<u8>> {
        URL_SAFE_NO_PAD.decode(input).ok()
    }

    fn check_against_reference(input: &[u8]) {
        let expected = reference(input);
        assert_eq!(
            decode(input),
            expected,
            "{:?}",
            String::from_utf8_lossy(input)
        );
        let mut buf = [0u8; 64];
        let got = decode_slice(input, &mut buf).map(|n| buf[..n].to_vec());
        if input.len() <= 84 {
            assert_eq!(got, expected, "{:?}", String::from_utf8_lossy(input));
        }
        if let Some(bytes) = expected {
            assert_eq!(encode(&bytes).as_bytes(), input);
        }
    }

    #[test]
    fn round_trips_and_lengths() {
        for len in 0..40usize {
            let bytes: Vec<u8> = (0..len).map(|i| (i * 37 + 11) as u8).collect();
            let text = encode(&bytes);
            assert_eq!(text.len(), encoded_len(len));
            assert_eq!(text, URL_SAFE_NO_PAD.encode(&bytes));
            assert_eq!(decode(text.as_bytes()), Some(bytes.clone()));
            let mut buf = [0u8; 64];
            let n = decode_slice(text.as_bytes(), &mut buf).unwrap();
            assert_eq!(&buf[..n], &bytes[..]);
            let mut appended = b"x.".to_vec();
            encode_to_vec(&bytes, &mut appended);
            assert_eq!(appended, format!("x.{text}").into_bytes());
            let mut in_place = b"x.".to_vec();
            in_place.extend_from_slice(&bytes);
            encode_in_place(&mut in_place, 2);
            assert_eq!(in_place, format!("x.{text}").into_bytes());
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
            check_against_reference(bad);
        }
    }

    #[test]
    fn slice_decoding_refuses_short_buffers() {
        let mut buf = [0u8; 4];
        assert!(decode_slice(b"AAAAAAAAAAAA", &mut buf).is_none());
        assert_eq!(decode_slice(b"AAAA", &mut buf), Some(3));
    }

    /// Every input of up to three characters over the alphabet plus the characters a lax
    /// decoder might accept (`=`, `+`, `/`, `.`, space, a non-ASCII byte), and every four-character
    /// input with one such character at any place.
    #[test]
    fn agrees_with_the_reference_on_every_short_input() {
        let mut symbols: Vec<u8> = ENCODE.to_vec();
        symbols.extend_from_slice(b"=+/. \n\0\x80\xff");
        check_against_reference(b"");
        for &a in &symbols {
            check_against_reference(&[a]);
            for &b in &symbols {
                check_against_reference(&[a, b]);
                for &c in &symbols {
                    check_against_reference(&[a, b, c]);
                }
            }
        }
        for position in 0..8 {
            for &odd in b"=+/. \n\0\x80\xff" {
                let mut input = *b"QUJDREVG";
                input[position] = odd;
                check_against_reference(&input);
            }
        }
    }

    proptest! {
        #[test]
        fn agrees_with_the_reference_on_alphabet_strings(
            input in proptest::collection::vec(
                proptest::sample::select(
                    b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_".to_vec(),
                ),
                0..200,
            )
        ) {
            check_against_reference(&input);
        }

        #[test]
        fn agrees_with_the_reference_on_arbitrary_bytes(
            input in proptest::collection::vec(any::<u8>(), 0..120)
        ) {
            check_against_reference(&input);
        }

        #[test]
        fn agrees_with_the_reference_with_one_stray_byte(
            bytes in proptest::collection::vec(any::<u8>(), 1..120),
            position in any::<proptest::sample::Index>(),
            stray in any::<u8>(),
        ) {
            let mut text = URL_SAFE_NO_PAD.encode(&bytes).into_bytes();
            let at = position.index(text.len());
            text[at] = stray;
            check_against_reference(&text);
        }

        #[test]
        fn encodes_like_the_reference(
            bytes in proptest::collection::vec(any::<u8>(), 0..300),
            prefix in proptest::collection::vec(any::<u8>(), 0..5),
        ) {
            let expected = URL_SAFE_NO_PAD.encode(&bytes);
            prop_assert_eq!(encode(&bytes), expected.clone());
            let mut in_place = prefix.clone();
            in_place.extend_from_slice(&bytes);
            encode_in_place(&mut in_place, prefix.len());
            prop_assert_eq!(&in_place[..prefix.len()], &prefix[..]);
            prop_assert_eq!(&in_place[prefix.len()..], expected.as_bytes());
        }
    }
}

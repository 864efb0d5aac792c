//! The `application/x-www-form-urlencoded` codec of one name or value (WHATWG URL §5; RFC 6749
//! Appendix B): strict decoding, and the byte serializer `url`'s `form_urlencoded` uses, written
//! in runs.
//!
//! Both directions work on runs: the bytes up to the next one that needs work (`&`, `=`, `%` or
//! `+` when decoding, found eight at a time; anything outside `*-._` and ASCII alphanumerics when
//! encoding) are copied as one slice. The output is byte for byte what the straightforward per-byte code produced (the tests
//! at the bottom, and the `messages_params` fuzz target, compare them).

use crate::params::ParamsError;

/// Decodes one name or value of `input`, starting at `from`, appending to `out`: `+` becomes a
/// space and `%HH` its byte. A value ends at the next `&`; a name (`name` true) at the next `=`
/// or `&`. Byte offsets are offsets in `input`.
///
/// Returns where the component ends (the offset of that `=` or `&`, or `input.len()`) and
/// whether a `%` escape was decoded (only then can the output stop being UTF-8 where the input
/// was).
///
/// # Errors
///
/// [`ParamsError::MalformedPercentEncoding`] at the first `%` not followed by two hexadecimal
/// digits.
pub(crate) fn decode_component(
    out: &mut Vec<u8>,
    input: &[u8],
    from: usize,
    name: bool,
) -> Result<(usize, bool), ParamsError> {
    // `run` starts the bytes not yet copied, all literal.
    let mut run = from;
    let mut at = from;
    let mut escaped = false;
    let copy_run = |out: &mut Vec<u8>, run: usize, at: usize| {
        out.extend_from_slice(input.get(run..at).unwrap_or_default());
    };
    loop {
        at = next_special(input, at);
        match input.get(at) {
            None | Some(b'&') => {
                copy_run(out, run, at);
                return Ok((at, escaped));
            }
            Some(b'=') if name => {
                copy_run(out, run, at);
                return Ok((at, escaped));
            }
            // Further `=` belong to the value.
            Some(b'=') => at += 1,
            Some(b'+') => {
                copy_run(out, run, at);
                out.push(b' ');
                at += 1;
                run = at;
            }
            Some(_) => {
                let digit = |offset: usize| input.get(at + offset).copied().and_then(hex);
                let (Some(high), Some(low)) = (digit(1), digit(2)) else {
                    return Err(ParamsError::MalformedPercentEncoding { at });
                };
                copy_run(out, run, at);
                out.push(high << 4 | low);
                escaped = true;
                at += 3;
                run = at;
            }
        }
    }
}

/// The offset of the first `&`, `=`, `%` or `+` at or after `at`, or `input.len()`; eight bytes
/// are looked at in one step.
fn next_special(input: &[u8], mut at: usize) -> usize {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGHS: u64 = 0x8080_8080_8080_8080;
    // A high bit for each zero byte of `word`; the lowest one is exact (borrows only make
    // spurious bits above a zero byte).
    let zeros = |word: u64| word.wrapping_sub(ONES) & !word & HIGHS;
    while let Some(chunk) = input.get(at..at + 8) {
        let word = u64::from_le_bytes(<[u8; 8]>::try_from(chunk).unwrap_or_default());
        let found = zeros(word ^ (ONES * u64::from(b'&')))
            | zeros(word ^ (ONES * u64::from(b'=')))
            | zeros(word ^ (ONES * u64::from(b'%')))
            | zeros(word ^ (ONES * u64::from(b'+')));
        if found != 0 {
            // At most 7: the byte's index in the little-endian word.
            return at + (found.trailing_zeros() / 8) as usize;
        }
        at += 8;
    }
    while let Some(b) = input.get(at) {
        if matches!(b, b'&' | b'=' | b'%' | b'+') {
            return at;
        }
        at += 1;
    }
    at
}

fn hex(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

/// Whether the byte serializer writes `b` as it is (`*-._`, ASCII alphanumerics).
fn is_unchanged(b: u8) -> bool {
    encoded_width(b) == UNCHANGED
}

/// How the byte serializer writes `b`: [`UNCHANGED`], [`SPACE`] or [`ESCAPED`].
fn encoded_width(b: u8) -> u8 {
    ENCODED_WIDTHS
        .get(usize::from(b))
        .copied()
        .unwrap_or(ESCAPED)
}

/// One byte, written as it is.
const UNCHANGED: u8 = 1;
/// One byte, `+` for a space (told apart from [`UNCHANGED`] by its value, not its width).
const SPACE: u8 = 0x81;
/// Three bytes, `%HH`.
const ESCAPED: u8 = 3;

/// [`encoded_width`] as a table.
// Built at compile time, where an index out of bounds is a build error, not a panic.
#[allow(clippy::indexing_slicing)]
static ENCODED_WIDTHS: [u8; 256] = {
    let mut table = [ESCAPED; 256];
    let mut b = 0;
    while b < 256 {
        let c = b as u8;
        if c.is_ascii_alphanumeric() || matches!(c, b'*' | b'-' | b'.' | b'_') {
            table[b] = UNCHANGED;
        } else if c == b' ' {
            table[b] = SPACE;
        }
        b += 1;
    }
    table
};

/// The length of `text` once serialized: 1 byte for an unchanged byte or a space, 3 for `%HH`.
pub(crate) fn encoded_len(text: &str) -> usize {
    text.bytes()
        .map(|b| usize::from(encoded_width(b) & 0x7F))
        .sum()
}

/// Appends `text` serialized: unchanged bytes as they are, space as `+`, every other byte as
/// `%HH` in uppercase hexadecimal.
pub(crate) fn encode_into(out: &mut String, text: &str) {
    // Start of the current run of unchanged bytes. A run holds only ASCII, so both of its ends
    // are character boundaries.
    let mut start = 0;
    for (at, b) in text.bytes().enumerate() {
        if is_unchanged(b) {
            continue;
        }
        if start < at {
            out.push_str(text.get(start..at).unwrap_or_default());
        }
        if b == b' ' {
            out.push('+');
        } else {
            out.push('%');
            out.push(hex_digit(b >> 4));
            out.push(hex_digit(b & 0xF));
        }
        start = at + 1;
    }
    if start < text.len() {
        out.push_str(text.get(start..).unwrap_or_default());
    }
}

/// The uppercase hexadecimal digit of a nibble.
fn hex_digit(nibble: u8) -> char {
    char::from_digit(u32::from(nibble), 16).map_or('0', |d| d.to_ascii_uppercase())
}

/// The serialized length of `pairs`: each `name=value`, joined by `&`.
pub(crate) fn pairs_len<'a>(pairs: impl Iterator<Item = (&'a str, &'a str)>) -> usize {
    pairs
        .map(|(name, value)| encoded_len(name) + 1 + encoded_len(value) + 1)
        .sum::<usize>()
        .saturating_sub(1)
}

/// Appends `pairs` serialized: each `name=value`, joined by `&` (as `form_urlencoded`'s
/// `Serializer` writes them into an empty string).
pub(crate) fn encode_pairs_into<'a>(
    out: &mut String,
    pairs: impl Iterator<Item = (&'a str, &'a str)>,
) {
    for (index, (name, value)) in pairs.enumerate() {
        if index > 0 {
            out.push('&');
        }
        encode_into(out, name);
        out.push('=');
        encode_into(out, value);
    }
}

//! The `application/x-www-form-urlencoded` codec of one name or value (WHATWG URL §5; RFC 6749
//! Appendix B): strict decoding, and the byte serializer `url`'s `form_urlencoded` uses, written
//! in runs.
//!
//! Both directions work on runs: the bytes up to the next one that needs work (`%` or `+` when
//! decoding, anything outside `*-._` and ASCII alphanumerics when encoding) are copied as one
//! slice. The output is byte for byte what the straightforward per-byte code produced (the tests
//! at the bottom, and the `messages_params` fuzz target, compare them).

use crate::params::ParamsError;

/// Decodes `+` to space and `%HH` to its byte, appending to `out`. `base` is the component's
/// offset in the whole input, for the error.
///
/// Returns whether a `%` escape was decoded (only then can the output stop being UTF-8 where the
/// input was).
///
/// # Errors
///
/// [`ParamsError::MalformedPercentEncoding`] at the first `%` not followed by two hexadecimal
/// digits.
pub(crate) fn decode_into(
    out: &mut Vec<u8>,
    component: &[u8],
    base: usize,
) -> Result<bool, ParamsError> {
    let mut rest = component;
    let mut escaped = false;
    loop {
        let Some(special) = rest.iter().position(|&b| b == b'%' || b == b'+') else {
            out.extend_from_slice(rest);
            return Ok(escaped);
        };
        let (run, tail) = rest.split_at_checked(special).unwrap_or((rest, &[]));
        out.extend_from_slice(run);
        rest = match tail {
            [b'+', after @ ..] => {
                out.push(b' ');
                after
            }
            [b'%', high, low, after @ ..] => match (hex(*high), hex(*low)) {
                (Some(high), Some(low)) => {
                    out.push(high << 4 | low);
                    escaped = true;
                    after
                }
                _ => return Err(malformed(component, tail, base)),
            },
            _ => return Err(malformed(component, tail, base)),
        };
    }
}

/// The error for the `%` that starts `tail`, a suffix of `component`.
fn malformed(component: &[u8], tail: &[u8], base: usize) -> ParamsError {
    ParamsError::MalformedPercentEncoding {
        at: base + (component.len() - tail.len()),
    }
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
    b.is_ascii_alphanumeric() || matches!(b, b'*' | b'-' | b'.' | b'_')
}

/// The length of `text` once serialized: 1 byte for an unchanged byte or a space, 3 for `%HH`.
pub(crate) fn encoded_len(text: &str) -> usize {
    text.bytes()
        .map(|b| if is_unchanged(b) || b == b' ' { 1 } else { 3 })
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

//! The `application/x-www-form-urlencoded` codec of one name or value (WHATWG URL §5; RFC 6749
//! Appendix B): strict decoding, and the byte serializer `url`'s `form_urlencoded` uses, written
//! in runs.
//!
//! Both directions work on runs: the bytes up to the next one that needs work (`&`, `=`, `%` or
//! `+` when decoding, found eight at a time; anything outside `*-._` and ASCII alphanumerics when
//! encoding) are copied as one slice. The output is byte for byte what the straightforward per-byte code produced (the tests
//! at the bottom, and the `messages_params` fuzz target, compare them).

use std::ops::Range;

use crate::params::{ParamLimits, ParamsError, clip};

/// The pairs of a query string or form body, decoded one at a time into a buffer the caller
/// keeps ([`next_into`](Self::next_into)). Empty pairs, pairs without a name and pairs without a
/// value are skipped (RFC 6749 §3.1).
///
/// The checks run per pair in this order, and the first that fails is the error (after which
/// there are no more pairs): too many pairs, the name's escapes, the value's escapes, the
/// decoded lengths, the name's UTF-8, the value's UTF-8.
pub(crate) struct Pairs<'a> {
    input: &'a [u8],
    /// `input` as text, when it is known to be UTF-8: then only components with a `%` escape
    /// need a check.
    text: Option<&'a str>,
    limits: ParamLimits,
    /// Where the next piece (the bytes up to the next `&`) starts.
    at: usize,
    /// Pieces seen so far, empty ones excepted.
    count: usize,
}

/// Where a decoded name or value lies: in the input (it had nothing to decode), or in the output
/// buffer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Piece {
    /// These bytes of the input, as they are.
    Input(Range<usize>),
    /// These bytes of the output buffer.
    Output(Range<usize>),
}

impl<'a> Pairs<'a> {
    /// The pairs of `input`; `text` is `input` itself when it is UTF-8.
    ///
    /// # Errors
    ///
    /// [`ParamsError::TooLarge`] when `input` is larger than the limit.
    pub(crate) fn new(
        input: &'a [u8],
        text: Option<&'a str>,
        limits: &ParamLimits,
    ) -> Result<Self, ParamsError> {
        if input.len() > limits.max_total_bytes {
            return Err(ParamsError::TooLarge {
                limit: limits.max_total_bytes,
            });
        }
        Ok(Self {
            input,
            text,
            limits: *limits,
            at: 0,
            count: 0,
        })
    }

    /// The next pair (name, value), both UTF-8. A name or value with an escape is decoded onto
    /// the end of `out`, the name first; with `copy`, so is every other one, so that each pair
    /// lies in `out` as name then value. Nothing is left in `out` of a skipped pair.
    pub(crate) fn next_into(
        &mut self,
        out: &mut Vec<u8>,
        copy: bool,
    ) -> Option<Result<(Piece, Piece), ParamsError>> {
        while self.at < self.input.len() {
            let at = self.at;
            if self.input.get(at) == Some(&b'&') {
                self.at += 1;
                continue;
            }
            let mark = out.len();
            match self.pair(at, out, copy) {
                Ok((pair, end)) => {
                    self.at = end + 1;
                    if pair.is_some() {
                        return pair.map(Ok);
                    }
                    out.truncate(mark);
                }
                Err(error) => {
                    self.at = self.input.len();
                    return Some(Err(error));
                }
            }
        }
        None
    }

    /// The bytes of `piece`.
    pub(crate) fn bytes<'b>(&'b self, piece: &Piece, out: &'b [u8]) -> &'b [u8] {
        match piece {
            Piece::Input(range) => self.input.get(range.clone()),
            Piece::Output(range) => out.get(range.clone()),
        }
        .unwrap_or_default()
    }

    /// The text of an input piece [`next_into`](Self::next_into) returned.
    pub(crate) fn input_text(&self, range: Range<usize>) -> &'a str {
        match self.text {
            // A piece of UTF-8 input lies between ASCII separators (or the ends).
            Some(text) => text.get(range),
            // Checked when the piece was returned.
            None => self
                .input
                .get(range)
                .and_then(|bytes| std::str::from_utf8(bytes).ok()),
        }
        .unwrap_or_default()
    }

    /// The pair of the piece at `at`, `None` when it is to be skipped, and where the piece ends.
    #[inline(always)]
    fn pair(
        &mut self,
        at: usize,
        out: &mut Vec<u8>,
        copy: bool,
    ) -> Result<(Option<(Piece, Piece)>, usize), ParamsError> {
        self.count += 1;
        if self.count > self.limits.max_params {
            return Err(ParamsError::TooMany {
                limit: self.limits.max_params,
            });
        }
        let (stop, name, name_escaped) = self.component(at, true, out, copy)?;
        let (end, value, value_escaped) = match self.input.get(stop) {
            Some(b'=') => self.component(stop + 1, false, out, copy)?,
            _ => (stop, Piece::Input(stop..stop), false),
        };
        let max = self.limits.max_value_bytes;
        if self.bytes(&name, out).len() > max || self.bytes(&value, out).len() > max {
            return Err(ParamsError::ValueTooLong {
                name: clip(&String::from_utf8_lossy(self.bytes(&name, out))),
                limit: max,
            });
        }
        let is_text = |piece: &Piece, escaped: bool| {
            (self.text.is_some() && !escaped) || std::str::from_utf8(self.bytes(piece, out)).is_ok()
        };
        if !is_text(&name, name_escaped) || !is_text(&value, value_escaped) {
            return Err(ParamsError::NotUtf8 { at });
        }
        // RFC 6749 §3.1: "Parameters sent without a value MUST be treated as if they were
        // omitted from the request." A pair without a name is no parameter at all.
        let is_empty = |piece: &Piece| match piece {
            Piece::Input(range) | Piece::Output(range) => range.is_empty(),
        };
        let pair = (!is_empty(&name) && !is_empty(&value)).then_some((name, value));
        Ok((pair, end))
    }

    /// The name (`name` true) or value starting at `from`: where it ends, where it lies, and
    /// whether a `%` escape was decoded (only then can it stop being UTF-8 where the input was).
    #[inline(always)]
    fn component(
        &self,
        from: usize,
        name: bool,
        out: &mut Vec<u8>,
        copy: bool,
    ) -> Result<(usize, Piece, bool), ParamsError> {
        let input = self.input;
        if !copy {
            let mut at = from;
            loop {
                at = next_special(input, at);
                match input.get(at) {
                    None | Some(b'&') => return Ok((at, Piece::Input(from..at), false)),
                    Some(b'=') if name => return Ok((at, Piece::Input(from..at), false)),
                    // Further `=` belong to the value.
                    Some(b'=') => at += 1,
                    Some(_) => break,
                }
            }
        }
        if !copy {
            // Whatever is decoded later fits as well: decoding never lengthens.
            out.reserve(input.len() - from);
        }
        let start = out.len();
        let (end, escaped) = decode_component(out, input, from, name)?;
        Ok((end, Piece::Output(start..out.len()), escaped))
    }
}

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
    let mut escaped = false;
    // `run` starts the bytes not yet copied, all literal.
    let mut run = from;
    let mut at = from;
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

//! The serde `Serializer` behind [`Signer::sign_json`](crate::Signer::sign_json): writes exactly
//! the bytes `serde_json::to_writer` writes (compact format), faster.
//!
//! serde_json's own serializer spends most of a typical token's serialization writing strings:
//! it looks up every byte in an escape table and writes each string in three pieces, each a
//! `memcpy`. Here a string of up to 16 bytes (most member names and many values) is loaded as two
//! overlapping words, checked for the bytes JSON must escape (`"`, `\` and control characters,
//! eight at a time) and written, quotes included, as one fixed-size copy; longer strings are
//! checked eight bytes at a time and copied whole. A string that needs escaping is escaped
//! exactly as serde_json escapes (`\"`, `\\`, `\b`, `\f`, `\n`, `\r`, `\t`, and `\u00xx` in
//! lowercase hex for the other controls). Integers are written in decimal two digits at a time;
//! compound values with serde_json's compact punctuation and its state machine (including what it
//! writes when a `Serialize` impl announces zero elements and then writes some). Map keys follow
//! serde_json's key rules (strings, and integers, booleans, chars and finite floats in quotes).
//!
//! What is delicate is left to serde_json itself, writing into the same buffer: floats (`ryu`,
//! `null` for non-finite ones), 128-bit integers, byte arrays, `collect_str`, the exact errors, and
//! serde_json's private struct names (`RawValue`, arbitrary-precision `Number`), which are written
//! raw only if this build of serde_json does so (probed once). Errors are `serde_json::Error`s
//! with serde_json's messages.

use std::fmt::Display;
use std::sync::OnceLock;

use serde::ser::{self, Serialize};

use crate::scan::{find_special, special_bytes};

type Result<T> = std::result::Result<T, serde_json::Error>;

/// Serializes `value` as compact JSON at the end of `out`, byte for byte as
/// `serde_json::to_writer(out, value)` would.
///
/// # Errors
///
/// serde_json's: a map key that is not a string (or a string-like scalar), a non-finite float
/// key, or an error of `value`'s `Serialize` impl.
pub(crate) fn to_writer<T: Serialize + ?Sized>(out: &mut Vec<u8>, value: &T) -> Result<()> {
    value.serialize(&mut Writer { out })
}

/// The serializer: a buffer to append to.
struct Writer<'a> {
    out: &'a mut Vec<u8>,
}

impl Writer<'_> {
    /// serde_json's serializer on the same buffer, for what is left to it.
    fn serde_json(&mut self) -> serde_json::Serializer<&mut Vec<u8>> {
        serde_json::Serializer::new(&mut *self.out)
    }
}

/// The eight bytes of `bytes` from `at`, as a little-endian word.
#[inline(always)]
fn word(bytes: &[u8], at: usize) -> Option<u64> {
    let eight = bytes.get(at..at + 8)?;
    <[u8; 8]>::try_from(eight).ok().map(u64::from_le_bytes)
}

/// Writes `"value"` if `value` is at most 16 bytes long and needs no escape; `false` otherwise
/// (nothing written).
#[inline(always)]
fn write_short_str(out: &mut Vec<u8>, bytes: &[u8]) -> bool {
    /// Lanes no string byte occupies hold this harmless byte.
    const PAD: u64 = 0x6161_6161_6161_6161;
    let len = bytes.len();
    // Two words that together hold every byte of the string (overlapping when it is shorter than
    // 16 bytes), and where they go in `quoted` (after the opening quote).
    let (head, tail, tail_at) = match len {
        8..=16 => match (word(bytes, 0), word(bytes, len - 8)) {
            (Some(head), Some(tail)) => (head, tail, len - 8),
            _ => return false,
        },
        0..=7 => {
            let mut head = PAD;
            for (i, &byte) in bytes.iter().enumerate() {
                head = head & !(0xff << (8 * i)) | u64::from(byte) << (8 * i);
            }
            (head, PAD, 0)
        }
        _ => return false,
    };
    if special_bytes(head) | special_bytes(tail) != 0 {
        return false;
    }
    let mut quoted = [0u8; 18];
    quoted[0] = b'"';
    if len >= 8
        && let Some(dest) = quoted.get_mut(1 + tail_at..9 + tail_at)
    {
        dest.copy_from_slice(&tail.to_le_bytes());
    }
    // The head goes last: for a short string its padding lanes lie beyond the closing quote's
    // place, which is written after it.
    if let Some(dest) = quoted.get_mut(1..9) {
        dest.copy_from_slice(&head.to_le_bytes());
    }
    if let Some(quote) = quoted.get_mut(1 + len) {
        *quote = b'"';
    }
    let start = out.len();
    out.extend_from_slice(&quoted);
    out.truncate(start + len + 2);
    true
}

/// Writes `value` as a JSON string, escaped as serde_json escapes.
fn write_str(out: &mut Vec<u8>, value: &str) {
    let bytes = value.as_bytes();
    if write_short_str(out, bytes) {
        return;
    }
    out.reserve(bytes.len() + 2);
    out.push(b'"');
    let mut start = 0;
    while let Some(at) = find_special(bytes, start) {
        out.extend_from_slice(bytes.get(start..at).unwrap_or_default());
        let byte = bytes.get(at).copied().unwrap_or_default();
        let escape = match byte {
            b'"' => b'"',
            b'\\' => b'\\',
            0x08 => b'b',
            0x0c => b'f',
            b'\n' => b'n',
            b'\r' => b'r',
            b'\t' => b't',
            _ => b'u',
        };
        if escape == b'u' {
            const HEX: &[u8; 16] = b"0123456789abcdef";
            let digit = |nibble: u8| HEX.get(usize::from(nibble)).copied().unwrap_or(b'0');
            out.extend_from_slice(&[b'\\', b'u', b'0', b'0', digit(byte >> 4), digit(byte & 15)]);
        } else {
            out.extend_from_slice(&[b'\\', escape]);
        }
        start = at + 1;
    }
    out.extend_from_slice(bytes.get(start..).unwrap_or_default());
    out.push(b'"');
}

/// `"00"` to `"99"`, for writing integers two digits at a time.
// Built at compile time: an index out of range would fail the build, never a run.
#[allow(clippy::indexing_slicing)]
static DIGIT_PAIRS: [[u8; 2]; 100] = {
    let mut pairs = [[0; 2]; 100];
    let mut i = 0;
    while i < 100 {
        pairs[i] = [b'0' + (i / 10) as u8, b'0' + (i % 10) as u8];
        i += 1;
    }
    pairs
};

/// Writes `value` in decimal (as `itoa`, which serde_json uses, does).
fn write_u64(out: &mut Vec<u8>, mut value: u64) {
    let mut digits = [0u8; 20];
    let mut at = digits.len();
    while value >= 100 {
        let pair = DIGIT_PAIRS
            .get((value % 100) as usize)
            .copied()
            .unwrap_or_default();
        value /= 100;
        at -= 2;
        if let Some(dest) = digits.get_mut(at..at + 2) {
            dest.copy_from_slice(&pair);
        }
    }
    let [tens, ones] = DIGIT_PAIRS.get(value as usize).copied().unwrap_or_default();
    if value >= 10 {
        at -= 2;
        if let Some(dest) = digits.get_mut(at..at + 2) {
            dest.copy_from_slice(&[tens, ones]);
        }
    } else {
        at -= 1;
        if let Some(dest) = digits.get_mut(at) {
            *dest = ones;
        }
    }
    out.extend_from_slice(digits.get(at..).unwrap_or_default());
}

fn write_i64(out: &mut Vec<u8>, value: i64) {
    if value < 0 {
        out.push(b'-');
    }
    write_u64(out, value.unsigned_abs());
}

/// The error serde_json gives for the map key `key`, obtained from serde_json itself.
fn key_error<K: Serialize>(key: K) -> serde_json::Error {
    struct OneKey<K>(K);
    impl<K: Serialize> Serialize for OneKey<K> {
        fn serialize<S: ser::Serializer>(
            &self,
            serializer: S,
        ) -> std::result::Result<S::Ok, S::Error> {
            use ser::SerializeMap as _;
            let mut map = serializer.serialize_map(Some(1))?;
            map.serialize_entry(&self.0, &())?;
            map.end()
        }
    }
    match serde_json::to_vec(&OneKey(key)) {
        Err(error) => error,
        // Only keys serde_json refuses are passed here.
        Ok(_) => ser::Error::custom("key must be a string"),
    }
}

/// serde_json's name for its `RawValue` struct (feature `raw_value`).
const RAW_VALUE: &str = "$serde_json::private::RawValue";
/// serde_json's name for its `Number` struct (feature `arbitrary_precision`).
const NUMBER: &str = "$serde_json::private::Number";

/// Whether this build's serde_json writes the struct named `token` (one field of the same name
/// holding a string) as that string, raw.
fn writes_raw(token: &'static str) -> bool {
    struct Probe(&'static str);
    impl Serialize for Probe {
        fn serialize<S: ser::Serializer>(
            &self,
            serializer: S,
        ) -> std::result::Result<S::Ok, S::Error> {
            use ser::SerializeStruct as _;
            let mut value = serializer.serialize_struct(self.0, 1)?;
            value.serialize_field(self.0, "7")?;
            value.end()
        }
    }
    serde_json::to_vec(&Probe(token)).is_ok_and(|json| json == b"7")
}

/// For serde_json's private structs, when this build writes them raw: the message of the error
/// for anything but their one string field.
fn private_struct(name: &'static str) -> Option<&'static str> {
    static RAW: OnceLock<bool> = OnceLock::new();
    static NUMBERS: OnceLock<bool> = OnceLock::new();
    if name == RAW_VALUE && *RAW.get_or_init(|| writes_raw(RAW_VALUE)) {
        Some("expected value")
    } else if name == NUMBER && *NUMBERS.get_or_init(|| writes_raw(NUMBER)) {
        Some("invalid number")
    } else {
        None
    }
}

/// serde_json's `State`: what an open array or object has written so far.
#[derive(Clone, Copy, PartialEq, Eq)]
enum State {
    /// Announced empty: already closed.
    Empty,
    First,
    Rest,
}

/// An open array or object, and what closes it.
struct Compound<'s, 'a> {
    writer: &'s mut Writer<'a>,
    state: State,
    /// Whether a `}` follows the closing bracket or brace (enum variants with content).
    outer: bool,
    /// For serde_json's private structs: the field name to write raw, and the error otherwise.
    raw: Option<(&'static str, &'static str)>,
}

impl<'s, 'a> Compound<'s, 'a> {
    fn open(writer: &'s mut Writer<'a>, open: u8, close: u8, len: Option<usize>) -> Self {
        writer.out.push(open);
        let state = if len == Some(0) {
            writer.out.push(close);
            State::Empty
        } else {
            State::First
        };
        Compound {
            writer,
            state,
            outer: false,
            raw: None,
        }
    }

    fn comma(&mut self) {
        if self.state != State::First {
            self.writer.out.push(b',');
        }
        self.state = State::Rest;
    }

    fn element<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<()> {
        self.comma();
        value.serialize(&mut *self.writer)
    }

    fn key<T: Serialize + ?Sized>(&mut self, key: &T) -> Result<()> {
        self.comma();
        key.serialize(Key {
            writer: &mut *self.writer,
        })
    }

    fn value<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<()> {
        self.writer.out.push(b':');
        value.serialize(&mut *self.writer)
    }

    fn close(self, close: u8) -> Result<()> {
        if self.state != State::Empty {
            self.writer.out.push(close);
        }
        if self.outer {
            self.writer.out.push(b'}');
        }
        Ok(())
    }
}

/// `{"variant":`, which opens an enum variant with content.
fn open_variant(out: &mut Vec<u8>, variant: &str) {
    out.push(b'{');
    write_str(out, variant);
    out.push(b':');
}

impl<'s, 'a> ser::Serializer for &'s mut Writer<'a> {
    type Ok = ();
    type Error = serde_json::Error;
    type SerializeSeq = Compound<'s, 'a>;
    type SerializeTuple = Compound<'s, 'a>;
    type SerializeTupleStruct = Compound<'s, 'a>;
    type SerializeTupleVariant = Compound<'s, 'a>;
    type SerializeMap = Compound<'s, 'a>;
    type SerializeStruct = Compound<'s, 'a>;
    type SerializeStructVariant = Compound<'s, 'a>;

    fn serialize_bool(self, value: bool) -> Result<()> {
        self.out
            .extend_from_slice(if value { b"true" } else { b"false" });
        Ok(())
    }

    fn serialize_i8(self, value: i8) -> Result<()> {
        write_i64(self.out, value.into());
        Ok(())
    }

    fn serialize_i16(self, value: i16) -> Result<()> {
        write_i64(self.out, value.into());
        Ok(())
    }

    fn serialize_i32(self, value: i32) -> Result<()> {
        write_i64(self.out, value.into());
        Ok(())
    }

    fn serialize_i64(self, value: i64) -> Result<()> {
        write_i64(self.out, value);
        Ok(())
    }

    fn serialize_i128(self, value: i128) -> Result<()> {
        ser::Serializer::serialize_i128(&mut self.serde_json(), value)
    }

    fn serialize_u8(self, value: u8) -> Result<()> {
        write_u64(self.out, value.into());
        Ok(())
    }

    fn serialize_u16(self, value: u16) -> Result<()> {
        write_u64(self.out, value.into());
        Ok(())
    }

    fn serialize_u32(self, value: u32) -> Result<()> {
        write_u64(self.out, value.into());
        Ok(())
    }

    fn serialize_u64(self, value: u64) -> Result<()> {
        write_u64(self.out, value);
        Ok(())
    }

    fn serialize_u128(self, value: u128) -> Result<()> {
        ser::Serializer::serialize_u128(&mut self.serde_json(), value)
    }

    fn serialize_f32(self, value: f32) -> Result<()> {
        ser::Serializer::serialize_f32(&mut self.serde_json(), value)
    }

    fn serialize_f64(self, value: f64) -> Result<()> {
        ser::Serializer::serialize_f64(&mut self.serde_json(), value)
    }

    fn serialize_char(self, value: char) -> Result<()> {
        write_str(self.out, value.encode_utf8(&mut [0; 4]));
        Ok(())
    }

    fn serialize_str(self, value: &str) -> Result<()> {
        write_str(self.out, value);
        Ok(())
    }

    fn serialize_bytes(self, value: &[u8]) -> Result<()> {
        ser::Serializer::serialize_bytes(&mut self.serde_json(), value)
    }

    fn serialize_none(self) -> Result<()> {
        self.out.extend_from_slice(b"null");
        Ok(())
    }

    fn serialize_some<T: Serialize + ?Sized>(self, value: &T) -> Result<()> {
        value.serialize(self)
    }

    fn serialize_unit(self) -> Result<()> {
        self.out.extend_from_slice(b"null");
        Ok(())
    }

    fn serialize_unit_struct(self, _name: &'static str) -> Result<()> {
        self.serialize_unit()
    }

    fn serialize_unit_variant(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
    ) -> Result<()> {
        write_str(self.out, variant);
        Ok(())
    }

    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        _name: &'static str,
        value: &T,
    ) -> Result<()> {
        value.serialize(self)
    }

    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
        value: &T,
    ) -> Result<()> {
        open_variant(self.out, variant);
        value.serialize(&mut *self)?;
        self.out.push(b'}');
        Ok(())
    }

    fn serialize_seq(self, len: Option<usize>) -> Result<Compound<'s, 'a>> {
        Ok(Compound::open(self, b'[', b']', len))
    }

    fn serialize_tuple(self, len: usize) -> Result<Compound<'s, 'a>> {
        self.serialize_seq(Some(len))
    }

    fn serialize_tuple_struct(self, _name: &'static str, len: usize) -> Result<Compound<'s, 'a>> {
        self.serialize_seq(Some(len))
    }

    fn serialize_tuple_variant(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
        len: usize,
    ) -> Result<Compound<'s, 'a>> {
        open_variant(self.out, variant);
        let mut compound = Compound::open(self, b'[', b']', Some(len));
        compound.outer = true;
        Ok(compound)
    }

    fn serialize_map(self, len: Option<usize>) -> Result<Compound<'s, 'a>> {
        Ok(Compound::open(self, b'{', b'}', len))
    }

    fn serialize_struct(self, name: &'static str, len: usize) -> Result<Compound<'s, 'a>> {
        if let Some(error) = private_struct(name) {
            return Ok(Compound {
                writer: self,
                state: State::Empty,
                outer: false,
                raw: Some((name, error)),
            });
        }
        self.serialize_map(Some(len))
    }

    fn serialize_struct_variant(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
        len: usize,
    ) -> Result<Compound<'s, 'a>> {
        open_variant(self.out, variant);
        let mut compound = Compound::open(self, b'{', b'}', Some(len));
        compound.outer = true;
        Ok(compound)
    }

    fn collect_str<T: Display + ?Sized>(self, value: &T) -> Result<()> {
        ser::Serializer::collect_str(&mut self.serde_json(), value)
    }
}

impl ser::SerializeSeq for Compound<'_, '_> {
    type Ok = ();
    type Error = serde_json::Error;

    fn serialize_element<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<()> {
        self.element(value)
    }

    fn end(self) -> Result<()> {
        self.close(b']')
    }
}

impl ser::SerializeTuple for Compound<'_, '_> {
    type Ok = ();
    type Error = serde_json::Error;

    fn serialize_element<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<()> {
        self.element(value)
    }

    fn end(self) -> Result<()> {
        self.close(b']')
    }
}

impl ser::SerializeTupleStruct for Compound<'_, '_> {
    type Ok = ();
    type Error = serde_json::Error;

    fn serialize_field<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<()> {
        self.element(value)
    }

    fn end(self) -> Result<()> {
        self.close(b']')
    }
}

impl ser::SerializeTupleVariant for Compound<'_, '_> {
    type Ok = ();
    type Error = serde_json::Error;

    fn serialize_field<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<()> {
        self.element(value)
    }

    fn end(self) -> Result<()> {
        self.close(b']')
    }
}

impl ser::SerializeMap for Compound<'_, '_> {
    type Ok = ();
    type Error = serde_json::Error;

    fn serialize_key<T: Serialize + ?Sized>(&mut self, key: &T) -> Result<()> {
        self.key(key)
    }

    fn serialize_value<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<()> {
        self.value(value)
    }

    fn end(self) -> Result<()> {
        self.close(b'}')
    }
}

impl ser::SerializeStruct for Compound<'_, '_> {
    type Ok = ();
    type Error = serde_json::Error;

    fn serialize_field<T: Serialize + ?Sized>(
        &mut self,
        key: &'static str,
        value: &T,
    ) -> Result<()> {
        if let Some((token, error)) = self.raw {
            if key != token {
                return Err(ser::Error::custom(error));
            }
            return value.serialize(Raw {
                writer: &mut *self.writer,
                error,
            });
        }
        self.comma();
        write_str(self.writer.out, key);
        self.value(value)
    }

    fn end(self) -> Result<()> {
        if self.raw.is_some() {
            return Ok(());
        }
        self.close(b'}')
    }
}

impl ser::SerializeStructVariant for Compound<'_, '_> {
    type Ok = ();
    type Error = serde_json::Error;

    fn serialize_field<T: Serialize + ?Sized>(
        &mut self,
        key: &'static str,
        value: &T,
    ) -> Result<()> {
        self.comma();
        write_str(self.writer.out, key);
        self.value(value)
    }

    fn end(self) -> Result<()> {
        self.close(b'}')
    }
}

/// A map key, as serde_json's `MapKeySerializer` writes it.
struct Key<'s, 'a> {
    writer: &'s mut Writer<'a>,
}

impl Key<'_, '_> {
    /// A scalar in quotes, written by `write`.
    fn quoted(self, write: impl FnOnce(&mut Writer<'_>) -> Result<()>) -> Result<()> {
        self.writer.out.push(b'"');
        write(&mut *self.writer)?;
        self.writer.out.push(b'"');
        Ok(())
    }
}

type Impossible = ser::Impossible<(), serde_json::Error>;

impl ser::Serializer for Key<'_, '_> {
    type Ok = ();
    type Error = serde_json::Error;
    type SerializeSeq = Impossible;
    type SerializeTuple = Impossible;
    type SerializeTupleStruct = Impossible;
    type SerializeTupleVariant = Impossible;
    type SerializeMap = Impossible;
    type SerializeStruct = Impossible;
    type SerializeStructVariant = Impossible;

    fn serialize_str(self, value: &str) -> Result<()> {
        write_str(self.writer.out, value);
        Ok(())
    }

    fn serialize_unit_variant(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
    ) -> Result<()> {
        self.serialize_str(variant)
    }

    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        _name: &'static str,
        value: &T,
    ) -> Result<()> {
        value.serialize(self)
    }

    fn serialize_bool(self, value: bool) -> Result<()> {
        self.quoted(|writer| ser::Serializer::serialize_bool(writer, value))
    }

    fn serialize_i8(self, value: i8) -> Result<()> {
        self.quoted(|writer| ser::Serializer::serialize_i8(writer, value))
    }

    fn serialize_i16(self, value: i16) -> Result<()> {
        self.quoted(|writer| ser::Serializer::serialize_i16(writer, value))
    }

    fn serialize_i32(self, value: i32) -> Result<()> {
        self.quoted(|writer| ser::Serializer::serialize_i32(writer, value))
    }

    fn serialize_i64(self, value: i64) -> Result<()> {
        self.quoted(|writer| ser::Serializer::serialize_i64(writer, value))
    }

    fn serialize_i128(self, value: i128) -> Result<()> {
        self.quoted(|writer| ser::Serializer::serialize_i128(writer, value))
    }

    fn serialize_u8(self, value: u8) -> Result<()> {
        self.quoted(|writer| ser::Serializer::serialize_u8(writer, value))
    }

    fn serialize_u16(self, value: u16) -> Result<()> {
        self.quoted(|writer| ser::Serializer::serialize_u16(writer, value))
    }

    fn serialize_u32(self, value: u32) -> Result<()> {
        self.quoted(|writer| ser::Serializer::serialize_u32(writer, value))
    }

    fn serialize_u64(self, value: u64) -> Result<()> {
        self.quoted(|writer| ser::Serializer::serialize_u64(writer, value))
    }

    fn serialize_u128(self, value: u128) -> Result<()> {
        self.quoted(|writer| ser::Serializer::serialize_u128(writer, value))
    }

    fn serialize_f32(self, value: f32) -> Result<()> {
        if !value.is_finite() {
            return Err(key_error(value));
        }
        self.quoted(|writer| ser::Serializer::serialize_f32(writer, value))
    }

    fn serialize_f64(self, value: f64) -> Result<()> {
        if !value.is_finite() {
            return Err(key_error(value));
        }
        self.quoted(|writer| ser::Serializer::serialize_f64(writer, value))
    }

    fn serialize_char(self, value: char) -> Result<()> {
        self.serialize_str(value.encode_utf8(&mut [0; 4]))
    }

    fn serialize_bytes(self, _value: &[u8]) -> Result<()> {
        Err(key_error(()))
    }

    fn serialize_unit(self) -> Result<()> {
        Err(key_error(()))
    }

    fn serialize_unit_struct(self, _name: &'static str) -> Result<()> {
        Err(key_error(()))
    }

    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _name: &'static str,
        _index: u32,
        _variant: &'static str,
        _value: &T,
    ) -> Result<()> {
        Err(key_error(()))
    }

    fn serialize_none(self) -> Result<()> {
        Err(key_error(()))
    }

    fn serialize_some<T: Serialize + ?Sized>(self, value: &T) -> Result<()> {
        value.serialize(self)
    }

    fn serialize_seq(self, _len: Option<usize>) -> Result<Impossible> {
        Err(key_error(()))
    }

    fn serialize_tuple(self, _len: usize) -> Result<Impossible> {
        Err(key_error(()))
    }

    fn serialize_tuple_struct(self, _name: &'static str, _len: usize) -> Result<Impossible> {
        Err(key_error(()))
    }

    fn serialize_tuple_variant(
        self,
        _name: &'static str,
        _index: u32,
        _variant: &'static str,
        _len: usize,
    ) -> Result<Impossible> {
        Err(key_error(()))
    }

    fn serialize_map(self, _len: Option<usize>) -> Result<Impossible> {
        Err(key_error(()))
    }

    fn serialize_struct(self, _name: &'static str, _len: usize) -> Result<Impossible> {
        Err(key_error(()))
    }

    fn serialize_struct_variant(
        self,
        _name: &'static str,
        _index: u32,
        _variant: &'static str,
        _len: usize,
    ) -> Result<Impossible> {
        Err(key_error(()))
    }

    fn collect_str<T: Display + ?Sized>(self, value: &T) -> Result<()> {
        ser::Serializer::collect_str(&mut self.writer.serde_json(), value)
    }
}

/// The single field of serde_json's private structs: a string written raw.
struct Raw<'s, 'a> {
    writer: &'s mut Writer<'a>,
    error: &'static str,
}

impl Raw<'_, '_> {
    fn refuse<T>(self) -> Result<T> {
        Err(ser::Error::custom(self.error))
    }
}

macro_rules! refuse {
    ($($method:ident($($arg:ty),*))*) => {$(
        fn $method(self, $(_: $arg),*) -> Result<()> {
            self.refuse()
        }
    )*};
}

impl ser::Serializer for Raw<'_, '_> {
    type Ok = ();
    type Error = serde_json::Error;
    type SerializeSeq = Impossible;
    type SerializeTuple = Impossible;
    type SerializeTupleStruct = Impossible;
    type SerializeTupleVariant = Impossible;
    type SerializeMap = Impossible;
    type SerializeStruct = Impossible;
    type SerializeStructVariant = Impossible;

    fn serialize_str(self, value: &str) -> Result<()> {
        self.writer.out.extend_from_slice(value.as_bytes());
        Ok(())
    }

    refuse! {
        serialize_bool(bool) serialize_i8(i8) serialize_i16(i16) serialize_i32(i32)
        serialize_i64(i64) serialize_i128(i128) serialize_u8(u8) serialize_u16(u16)
        serialize_u32(u32) serialize_u64(u64) serialize_u128(u128) serialize_f32(f32)
        serialize_f64(f64) serialize_char(char) serialize_bytes(&[u8]) serialize_none()
        serialize_unit() serialize_unit_struct(&'static str)
        serialize_unit_variant(&'static str, u32, &'static str)
    }

    fn serialize_some<T: Serialize + ?Sized>(self, _: &T) -> Result<()> {
        self.refuse()
    }

    fn serialize_newtype_struct<T: Serialize + ?Sized>(self, _: &'static str, _: &T) -> Result<()> {
        self.refuse()
    }

    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: &T,
    ) -> Result<()> {
        self.refuse()
    }

    fn serialize_seq(self, _: Option<usize>) -> Result<Impossible> {
        self.refuse()
    }

    fn serialize_tuple(self, _: usize) -> Result<Impossible> {
        self.refuse()
    }

    fn serialize_tuple_struct(self, _: &'static str, _: usize) -> Result<Impossible> {
        self.refuse()
    }

    fn serialize_tuple_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Impossible> {
        self.refuse()
    }

    fn serialize_map(self, _: Option<usize>) -> Result<Impossible> {
        self.refuse()
    }

    fn serialize_struct(self, _: &'static str, _: usize) -> Result<Impossible> {
        self.refuse()
    }

    fn serialize_struct_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Impossible> {
        self.refuse()
    }
}

/// The serializer's contract, checked against serde_json (for the tests below and the fuzz
/// targets; the fuzz build uses only part of it).
#[cfg(any(test, fuzzing))]
#[cfg_attr(not(test), allow(dead_code))]
pub(crate) mod differential {
    use std::collections::BTreeMap;
    use std::fmt;

    use serde::Serialize;
    use serde::ser::{SerializeMap as _, SerializeSeq as _};

    /// `to_writer` writes exactly what `serde_json::to_vec` writes, or fails with its message.
    pub(crate) fn check<T: Serialize + ?Sized + fmt::Debug>(value: &T) {
        let mut ours = b"prefix".to_vec();
        let result = super::to_writer(&mut ours, value);
        match serde_json::to_vec(value) {
            Ok(theirs) => {
                assert!(result.is_ok(), "{value:?}: {result:?}");
                assert_eq!(
                    String::from_utf8_lossy(ours.get(6..).unwrap_or_default()),
                    String::from_utf8_lossy(&theirs),
                    "{value:?}"
                );
            }
            Err(theirs) => assert_eq!(
                result.map_err(|e| e.to_string()),
                Err(theirs.to_string()),
                "{value:?}"
            ),
        }
    }

    /// Every string up to 20 bytes long made of `alphabet`'s bytes at each place, and more: the
    /// short-string path's boundaries.
    pub(crate) fn check_strings(text: &str) {
        check(text);
        for end in 0..=text.len().min(24) {
            if let Some(prefix) = text.get(..end) {
                check(prefix);
                check(&[prefix]);
            }
        }
    }

    #[derive(Debug, Serialize)]
    pub(crate) enum Variants {
        Unit,
        Newtype(String),
        Tuple(i8, Option<bool>),
        Struct { a: u16, b: Vec<char> },
    }

    #[derive(Debug, Serialize)]
    pub(crate) struct Newtype(pub(crate) i32);

    #[derive(Debug, Serialize)]
    pub(crate) struct UnitStruct;

    #[derive(Debug, Serialize, PartialEq, Eq, PartialOrd, Ord)]
    pub(crate) enum KeyVariant {
        First,
        Second,
    }

    /// Claims with one member of each serde shape.
    #[derive(Debug, Serialize)]
    pub(crate) struct Shapes {
        pub(crate) text: String,
        pub(crate) character: char,
        pub(crate) small: i8,
        pub(crate) large: u64,
        pub(crate) negative: i64,
        pub(crate) wide: i128,
        pub(crate) unsigned_wide: u128,
        pub(crate) float: f64,
        pub(crate) single: f32,
        pub(crate) flag: bool,
        pub(crate) nothing: Option<u8>,
        pub(crate) something: Option<String>,
        pub(crate) unit: (),
        pub(crate) unit_struct: UnitStruct,
        pub(crate) newtype: Newtype,
        pub(crate) tuple: (u8, String),
        pub(crate) list: Vec<Variants>,
        pub(crate) by_number: BTreeMap<i32, bool>,
        pub(crate) by_bool: BTreeMap<bool, u8>,
        pub(crate) by_char: BTreeMap<char, u8>,
        pub(crate) by_variant: BTreeMap<KeyVariant, u8>,
        #[serde(skip_serializing_if = "Option::is_none")]
        pub(crate) skipped: Option<u8>,
        #[serde(flatten)]
        pub(crate) rest: BTreeMap<String, serde_json::Value>,
    }

    /// A `Serialize` impl that announces `announced` elements and writes `written`.
    #[derive(Debug)]
    pub(crate) struct Lying {
        pub(crate) announced: usize,
        pub(crate) written: usize,
        pub(crate) map: bool,
    }

    impl Serialize for Lying {
        fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
            if self.map {
                let mut map = serializer.serialize_map(Some(self.announced))?;
                for i in 0..self.written {
                    map.serialize_entry(&i.to_string(), &i)?;
                }
                map.end()
            } else {
                let mut seq = serializer.serialize_seq(Some(self.announced))?;
                for i in 0..self.written {
                    seq.serialize_element(&i)?;
                }
                seq.end()
            }
        }
    }

    /// Serializes through `collect_str` and `serialize_bytes`, with odd key types, or fails.
    #[derive(Debug)]
    pub(crate) enum Special {
        Display(String),
        Bytes(Vec<u8>),
        FloatKey(f64),
        UnitKey,
        OptionKey(Option<u8>),
        SeqKey,
        WideKey(u128),
        Failing,
    }

    /// A map with the one entry `key: 1`.
    fn entry<S: serde::Serializer, K: Serialize + ?Sized>(
        serializer: S,
        key: &K,
    ) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(None)?;
        map.serialize_entry(key, &1)?;
        map.end()
    }

    impl Serialize for Special {
        fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
            match self {
                Special::Display(text) => serializer.collect_str(text),
                Special::Bytes(bytes) => serializer.serialize_bytes(bytes),
                Special::FloatKey(key) => entry(serializer, key),
                Special::UnitKey => entry(serializer, &()),
                Special::OptionKey(key) => entry(serializer, key),
                Special::SeqKey => entry(serializer, &[1, 2]),
                Special::WideKey(key) => entry(serializer, key),
                Special::Failing => Err(serde::ser::Error::custom("claims refused")),
            }
        }
    }

    /// Runs [`check`] on the fixed values of every shape.
    pub(crate) fn check_shapes() {
        let specials = [
            Special::Display("a\"b\u{1}é".to_owned()),
            Special::Bytes(vec![0, 1, 255]),
            Special::Bytes(Vec::new()),
            Special::FloatKey(1.5),
            Special::FloatKey(f64::NAN),
            Special::FloatKey(f64::INFINITY),
            Special::UnitKey,
            Special::OptionKey(Some(3)),
            Special::OptionKey(None),
            Special::SeqKey,
            Special::WideKey(u128::MAX),
            Special::Failing,
        ];
        for special in &specials {
            check(special);
        }
        for (announced, written, map) in [(0, 0, false), (0, 2, false), (1, 3, false), (0, 2, true)]
        {
            check(&Lying {
                announced,
                written,
                map,
            });
        }
        for variant in [
            Variants::Unit,
            Variants::Newtype("n".to_owned()),
            Variants::Tuple(-1, None),
            Variants::Struct {
                a: 7,
                b: vec!['x', '\u{7f}', '\n'],
            },
        ] {
            check(&variant);
        }
        check(&(
            f32::NAN,
            f64::NEG_INFINITY,
            -0.0f64,
            1e300f64,
            f32::MIN_POSITIVE,
        ));
        check(&(
            i128::MIN,
            u128::MAX,
            i64::MIN,
            u64::MAX,
            0u8,
            -1i8,
            10u16,
            99u32,
            100u64,
        ));
        check(&Newtype(-5));
        check(&UnitStruct);
        check(&());
        check_strings("\u{0}\u{8}\u{9}\u{a}\u{b}\u{c}\u{d}\u{1f}\"\\/\u{7f}\u{80}\u{2028}😀");
        check_strings("abcdefghijklmnopqrstuvwxyz0123456789");
        check_strings("ééééééééééééé\"");
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use proptest::prelude::*;

    use super::differential::*;

    #[test]
    fn writes_what_serde_json_writes_for_every_shape() {
        check_shapes();
    }

    #[test]
    fn serde_json_private_names_are_written_as_serde_json_writes_them() {
        #[derive(Debug, serde::Serialize)]
        #[serde(rename = "$serde_json::private::RawValue")]
        struct FakeRaw {
            #[serde(rename = "$serde_json::private::RawValue")]
            value: &'static str,
        }
        check(&FakeRaw { value: "[1, 2]" });
    }

    fn text() -> impl Strategy<Value = String> {
        prop_oneof![
            any::<String>(),
            "[ -~]{0,30}",
            "[\u{0}-\u{1f}\"\\\\é]{0,10}",
            "[a-z]{0,18}[\u{0}-\u{1f}\"\\\\]?[a-z]{0,18}",
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2048))]

        #[test]
        fn writes_strings_as_serde_json_does(text in text()) {
            check_strings(&text);
        }

        #[test]
        fn writes_any_json_value_as_serde_json_does(
            value in crate::scan::tests::arbitrary_json(),
        ) {
            check(&value);
        }

        #[test]
        fn writes_any_shape_as_serde_json_does(
            text in text(),
            character in any::<char>(),
            small in any::<i8>(),
            large in any::<u64>(),
            negative in any::<i64>(),
            wide in any::<i128>(),
            unsigned_wide in any::<u128>(),
            float in any::<f64>(),
            single in any::<f32>(),
            flag in any::<bool>(),
            something in proptest::option::of(text()),
            by_number in proptest::collection::btree_map(any::<i32>(), any::<bool>(), 0..3),
            by_char in proptest::collection::btree_map(any::<char>(), any::<u8>(), 0..3),
            rest in proptest::collection::btree_map(
                "[a-z]{6,9}", crate::scan::tests::arbitrary_json(), 0..3,
            ),
        ) {
            check(&Shapes {
                text: text.clone(),
                character,
                small,
                large,
                negative,
                wide,
                unsigned_wide,
                float,
                single,
                flag,
                nothing: None,
                something,
                unit: (),
                unit_struct: UnitStruct,
                newtype: Newtype(small.into()),
                tuple: (small.unsigned_abs(), text),
                list: vec![Variants::Unit, Variants::Tuple(small, Some(flag))],
                by_number,
                by_bool: BTreeMap::from([(flag, 1), (!flag, 2)]),
                by_char,
                by_variant: BTreeMap::from([(KeyVariant::First, 1), (KeyVariant::Second, 2)]),
                skipped: None,
                rest,
            });
        }
    }
}

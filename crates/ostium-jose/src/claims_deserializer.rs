//! The serde `Deserializer` behind [`VerifiedJwt::claims`](crate::VerifiedJwt::claims): the
//! embedder's claims type read straight from the verified payload, with serde_json as the
//! fallback.
//!
//! Like the [scanner](crate::scan) it is built on, it either succeeds, having made exactly the
//! visitor calls serde_json would have made (`visit_borrowed_str` for a string without escapes and
//! `visit_str` for one with escapes, `visit_u64`/`visit_i64` for integers, `visit_unit` for
//! `null`, `visit_some`, `visit_newtype_struct`, sequences and maps element by element, string
//! enums as unit variants), so the value is the one serde_json would build; or it gives up, and
//! [`from_str`] runs `serde_json::from_str` on the same text, which then also produces every
//! error. It gives up on floats, integers of 19 or more digits, byte strings, numeric or boolean
//! map keys, enums written as objects, serde_json's private types (`RawValue`, arbitrary-precision
//! numbers), nesting deeper than the scanner follows, anything the scanner gives up on, and on any
//! error at all: so no error (not even one the claims type catches and recovers from) can make the
//! result differ from serde_json's.
//!
//! The strict pass over the claims ([`scan_registered`](crate::claims::scan_registered)) already
//! found every top-level member: its name, where its value starts and ends, and what it is. It
//! leaves that in a [`Tape`], and the top-level object is replayed from it: names and plain
//! string values are handed out as the spans they are, integers, booleans and `null` as read,
//! and any other value (an array, an object, a string with escapes, a float) is read again from
//! its start. So the usual claims are not scanned a second time.

use std::fmt;
use std::sync::OnceLock;

use serde::Deserialize;
use serde::de::{self, DeserializeSeed, Visitor};

use crate::scan::{JsonInteger, Kind, MAX_LEVEL, Scanner, Span, Text};

/// Deserializes `T` from `json` as `serde_json::from_str` would, faster on the usual shapes.
/// `tape` is what the strict pass learned about `json` (or an empty tape).
///
/// # Errors
///
/// serde_json's, whenever `T` does not fit `json`.
pub(crate) fn from_str<'a, T: Deserialize<'a>>(
    json: &'a str,
    tape: &'a Tape,
) -> Result<T, serde_json::Error> {
    match fast(json, tape) {
        Some(value) => Ok(value),
        None => serde_json::from_str(json),
    }
}

/// The fast path alone: `None` when it gave up.
pub(crate) fn fast<'a, T: Deserialize<'a>>(json: &'a str, tape: &'a Tape) -> Option<T> {
    if !integers_are_plain() {
        return None;
    }
    let mut deserializer = Fast {
        scanner: Scanner::new(json),
        text: json,
        tape: tape.is_complete().then_some(tape),
        scratch: String::new(),
        gave_up: false,
    };
    let value = T::deserialize(&mut deserializer).ok()?;
    (!deserializer.gave_up && deserializer.scanner.end().is_some()).then_some(value)
}

/// The most top-level members a [`Tape`] holds; an object with more is read without one.
const TAPE_MEMBERS: usize = 16;

/// The top-level members of a claims object, as the strict pass found them.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Tape {
    members: [Member; TAPE_MEMBERS],
    len: u8,
    /// The position right after the object's closing brace; zero while the tape is incomplete.
    end: u32,
    overflow: bool,
}

#[derive(Clone, Copy, Debug)]
struct Member {
    /// The name's content (between the quotes; it has no escapes).
    name: [u32; 2],
    /// The value's text.
    value: [u32; 2],
    kind: Kind,
}

impl Default for Tape {
    fn default() -> Tape {
        Tape::EMPTY
    }
}

impl Tape {
    /// No members, incomplete (all zeros: cheap to make).
    pub(crate) const EMPTY: Tape = Tape {
        members: [Member {
            name: [0; 2],
            value: [0; 2],
            kind: Kind::Other,
        }; TAPE_MEMBERS],
        len: 0,
        end: 0,
        overflow: false,
    };

    /// Records a member whose name (without escapes) and value are at these spans.
    pub(crate) fn push(&mut self, name: Span, value: Span, kind: Kind) {
        let (Ok(name_start), Ok(name_end), Ok(start), Ok(end)) = (
            u32::try_from(name.start),
            u32::try_from(name.end),
            u32::try_from(value.start),
            u32::try_from(value.end),
        ) else {
            self.overflow = true;
            return;
        };
        match self.members.get_mut(usize::from(self.len)) {
            Some(member) => {
                *member = Member {
                    name: [name_start, name_end],
                    value: [start, end],
                    kind,
                };
                self.len += 1;
            }
            None => self.overflow = true,
        }
    }

    /// Marks the tape complete: the object ended at `end`.
    pub(crate) fn finish(&mut self, end: usize) {
        self.end = if self.overflow {
            0
        } else {
            u32::try_from(end).unwrap_or(0)
        };
    }

    fn is_complete(&self) -> bool {
        self.end != 0
    }

    fn members(&self) -> &[Member] {
        self.members.get(..usize::from(self.len)).unwrap_or(&[])
    }
}

/// Whether this build's serde_json hands integers to `deserialize_any` visitors as
/// `visit_u64`/`visit_i64` (its `arbitrary_precision` feature, if some crate enables it, turns
/// every number into a map instead; then the fast path stays off).
fn integers_are_plain() -> bool {
    struct Probe;
    impl<'de> Visitor<'de> for Probe {
        type Value = bool;
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("a number")
        }
        fn visit_u64<E: de::Error>(self, _: u64) -> Result<bool, E> {
            Ok(true)
        }
        fn visit_map<A: de::MapAccess<'de>>(self, _: A) -> Result<bool, A::Error> {
            Ok(false)
        }
    }
    static PLAIN: OnceLock<bool> = OnceLock::new();
    *PLAIN.get_or_init(|| {
        let mut deserializer = serde_json::Deserializer::from_str("1");
        de::Deserializer::deserialize_any(&mut deserializer, Probe).unwrap_or(false)
    })
}

/// The only error of the fast path: "ask serde_json".
#[derive(Debug)]
pub(crate) struct GiveUp;

impl fmt::Display for GiveUp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("left to serde_json")
    }
}

impl std::error::Error for GiveUp {}

impl de::Error for GiveUp {
    fn custom<T: fmt::Display>(_: T) -> Self {
        GiveUp
    }
}

/// The names serde_json gives its private types (`RawValue`, arbitrary-precision numbers).
const PRIVATE_PREFIX: &str = "$serde_json::private::";

struct Fast<'de> {
    scanner: Scanner<'de>,
    text: &'de str,
    /// Used once, for the top-level object.
    tape: Option<&'de Tape>,
    scratch: String,
    /// Set whenever the fast path gives up, so that a claims type catching the error cannot
    /// make a value out of it.
    gave_up: bool,
}

impl<'de> Fast<'de> {
    fn give_up<T>(&mut self) -> Result<T, GiveUp> {
        self.gave_up = true;
        Err(GiveUp)
    }

    fn or_give_up<T>(&mut self, value: Option<T>) -> Result<T, GiveUp> {
        match value {
            Some(value) => Ok(value),
            None => self.give_up(),
        }
    }

    /// The first byte of the next value, after whitespace.
    fn peek(&mut self) -> Result<u8, GiveUp> {
        self.scanner.skip_whitespace();
        let next = self.scanner.peek();
        self.or_give_up(next)
    }

    fn string<V: Visitor<'de>>(&mut self, visitor: V) -> Result<V::Value, GiveUp> {
        match self.scanner.string_unescaped(&mut self.scratch) {
            Some(Text::Borrowed(text)) => visitor.visit_borrowed_str(text),
            Some(Text::Copied) => visitor.visit_str(&self.scratch),
            None => self.give_up(),
        }
    }

    fn integer<V: Visitor<'de>>(&mut self, visitor: V) -> Result<V::Value, GiveUp> {
        match self.scanner.json_integer() {
            Some(JsonInteger::Unsigned(value)) => visitor.visit_u64(value),
            Some(JsonInteger::Signed(value)) => visitor.visit_i64(value),
            None => self.give_up(),
        }
    }

    fn literal(&mut self, word: &[u8]) -> Result<(), GiveUp> {
        let read = self.scanner.literal(word);
        self.or_give_up(read)
    }

    fn seq<V: Visitor<'de>>(&mut self, visitor: V) -> Result<V::Value, GiveUp> {
        let entered = self.scanner.eat(b'[').and_then(|()| self.scanner.enter());
        self.or_give_up(entered)?;
        let value = visitor.visit_seq(Elements {
            de: self,
            first: true,
        })?;
        self.scanner.skip_whitespace();
        let closed = self.scanner.eat(b']');
        self.or_give_up(closed)?;
        self.scanner.leave();
        Ok(value)
    }

    fn map<V: Visitor<'de>>(&mut self, visitor: V) -> Result<V::Value, GiveUp> {
        if self.scanner.level() == 0
            && let Some(tape) = self.tape.take()
        {
            return self.replay(tape, visitor);
        }
        let entered = self.scanner.eat(b'{').and_then(|()| self.scanner.enter());
        self.or_give_up(entered)?;
        let value = visitor.visit_map(Members {
            de: self,
            first: true,
        })?;
        self.scanner.skip_whitespace();
        let closed = self.scanner.eat(b'}');
        self.or_give_up(closed)?;
        self.scanner.leave();
        Ok(value)
    }
}

impl<'de> Fast<'de> {
    /// The top-level object, from the tape (see the module documentation).
    fn replay<V: Visitor<'de>>(&mut self, tape: &'de Tape, visitor: V) -> Result<V::Value, GiveUp> {
        let entered = self.scanner.enter();
        self.or_give_up(entered)?;
        let mut members = Replay {
            de: self,
            members: tape.members(),
            value: None,
        };
        let value = visitor.visit_map(&mut members)?;
        let done = members.members.is_empty() && members.value.is_none();
        self.or_give_up(done.then_some(()))?;
        self.scanner.leave();
        self.scanner.seek(tape.end as usize);
        Ok(value)
    }

    fn span(&self, [start, end]: [u32; 2]) -> &'de str {
        self.text.get(start as usize..end as usize).unwrap_or("")
    }
}

macro_rules! integers {
    ($($method:ident)*) => {$(
        fn $method<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, GiveUp> {
            match self.peek()? {
                b'-' | b'0'..=b'9' => self.integer(visitor),
                _ => self.give_up(),
            }
        }
    )*};
}

macro_rules! give_up {
    ($($method:ident)*) => {$(
        fn $method<V: Visitor<'de>>(self, _: V) -> Result<V::Value, GiveUp> {
            self.give_up()
        }
    )*};
}

impl<'de> de::Deserializer<'de> for &mut Fast<'de> {
    type Error = GiveUp;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, GiveUp> {
        match self.peek()? {
            b'n' => {
                self.literal(b"null")?;
                visitor.visit_unit()
            }
            b't' => {
                self.literal(b"true")?;
                visitor.visit_bool(true)
            }
            b'f' => {
                self.literal(b"false")?;
                visitor.visit_bool(false)
            }
            b'-' | b'0'..=b'9' => self.integer(visitor),
            b'"' => self.string(visitor),
            b'[' => self.seq(visitor),
            b'{' => self.map(visitor),
            _ => self.give_up(),
        }
    }

    fn deserialize_bool<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, GiveUp> {
        match self.peek()? {
            b't' => {
                self.literal(b"true")?;
                visitor.visit_bool(true)
            }
            b'f' => {
                self.literal(b"false")?;
                visitor.visit_bool(false)
            }
            _ => self.give_up(),
        }
    }

    integers! {
        deserialize_i8 deserialize_i16 deserialize_i32 deserialize_i64
        deserialize_u8 deserialize_u16 deserialize_u32 deserialize_u64
        deserialize_f32 deserialize_f64
    }

    give_up! { deserialize_i128 deserialize_u128 deserialize_bytes deserialize_byte_buf }

    fn deserialize_char<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, GiveUp> {
        self.deserialize_str(visitor)
    }

    fn deserialize_str<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, GiveUp> {
        match self.peek()? {
            b'"' => self.string(visitor),
            _ => self.give_up(),
        }
    }

    fn deserialize_string<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, GiveUp> {
        self.deserialize_str(visitor)
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, GiveUp> {
        if self.peek()? == b'n' {
            self.literal(b"null")?;
            visitor.visit_none()
        } else {
            visitor.visit_some(self)
        }
    }

    fn deserialize_unit<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, GiveUp> {
        match self.peek()? {
            b'n' => {
                self.literal(b"null")?;
                visitor.visit_unit()
            }
            _ => self.give_up(),
        }
    }

    fn deserialize_unit_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, GiveUp> {
        self.deserialize_unit(visitor)
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        visitor: V,
    ) -> Result<V::Value, GiveUp> {
        if name.starts_with(PRIVATE_PREFIX) {
            return self.give_up();
        }
        visitor.visit_newtype_struct(self)
    }

    fn deserialize_seq<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, GiveUp> {
        match self.peek()? {
            b'[' => self.seq(visitor),
            _ => self.give_up(),
        }
    }

    fn deserialize_tuple<V: Visitor<'de>>(
        self,
        _len: usize,
        visitor: V,
    ) -> Result<V::Value, GiveUp> {
        self.deserialize_seq(visitor)
    }

    fn deserialize_tuple_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _len: usize,
        visitor: V,
    ) -> Result<V::Value, GiveUp> {
        self.deserialize_seq(visitor)
    }

    fn deserialize_map<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, GiveUp> {
        match self.peek()? {
            b'{' => self.map(visitor),
            _ => self.give_up(),
        }
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        _fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, GiveUp> {
        if name.starts_with(PRIVATE_PREFIX) {
            return self.give_up();
        }
        match self.peek()? {
            b'{' => self.map(visitor),
            b'[' => self.seq(visitor),
            _ => self.give_up(),
        }
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, GiveUp> {
        match self.peek()? {
            b'"' => visitor.visit_enum(UnitVariant { de: self }),
            _ => self.give_up(),
        }
    }

    fn deserialize_identifier<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, GiveUp> {
        self.deserialize_str(visitor)
    }

    fn deserialize_ignored_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, GiveUp> {
        self.scanner.skip_whitespace();
        let skipped = self.scanner.value(MAX_LEVEL);
        self.or_give_up(skipped)?;
        visitor.visit_unit()
    }
}

/// The elements of an array, as serde_json's `SeqAccess` hands them out.
struct Elements<'s, 'de> {
    de: &'s mut Fast<'de>,
    first: bool,
}

impl<'de> de::SeqAccess<'de> for Elements<'_, 'de> {
    type Error = GiveUp;

    fn next_element_seed<T: DeserializeSeed<'de>>(
        &mut self,
        seed: T,
    ) -> Result<Option<T::Value>, GiveUp> {
        match self.de.peek()? {
            b']' => return Ok(None),
            _ if self.first => self.first = false,
            b',' => {
                self.de.scanner.eat(b',');
                if self.de.peek()? == b']' {
                    return self.de.give_up();
                }
            }
            _ => return self.de.give_up(),
        }
        seed.deserialize(&mut *self.de).map(Some)
    }
}

/// The members of an object, as serde_json's `MapAccess` hands them out.
struct Members<'s, 'de> {
    de: &'s mut Fast<'de>,
    first: bool,
}

impl<'de> de::MapAccess<'de> for Members<'_, 'de> {
    type Error = GiveUp;

    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, GiveUp> {
        match self.de.peek()? {
            b'}' => return Ok(None),
            b'"' if self.first => self.first = false,
            b',' if !self.first => {
                self.de.scanner.eat(b',');
                if self.de.peek()? != b'"' {
                    return self.de.give_up();
                }
            }
            _ => return self.de.give_up(),
        }
        seed.deserialize(Key {
            de: &mut *self.de,
            name: None,
        })
        .map(Some)
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, GiveUp> {
        self.de.scanner.skip_whitespace();
        let colon = self.de.scanner.eat(b':');
        self.de.or_give_up(colon)?;
        seed.deserialize(&mut *self.de)
    }
}

/// The members of the top-level object, from the tape.
struct Replay<'s, 'de> {
    de: &'s mut Fast<'de>,
    members: &'de [Member],
    /// The value of the member whose name was handed out last.
    value: Option<Member>,
}

impl<'de> de::MapAccess<'de> for Replay<'_, 'de> {
    type Error = GiveUp;

    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, GiveUp> {
        let Some((member, rest)) = self.members.split_first() else {
            return Ok(None);
        };
        self.members = rest;
        self.value = Some(*member);
        let name = self.de.span(member.name);
        seed.deserialize(Key {
            de: &mut *self.de,
            name: Some(name),
        })
        .map(Some)
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, GiveUp> {
        let Some(member) = self.value.take() else {
            return self.de.give_up();
        };
        seed.deserialize(Value {
            de: &mut *self.de,
            member,
        })
    }
}

/// One top-level value, from the tape: what the strict pass read is handed out as serde_json
/// would hand it out; any other request reads the value again from its start.
struct Value<'s, 'de> {
    de: &'s mut Fast<'de>,
    member: Member,
}

impl<'de> Value<'_, 'de> {
    /// Reads the value again from its text, with the scanner-based deserializer.
    fn again<T>(self, read: impl FnOnce(&mut Fast<'de>) -> Result<T, GiveUp>) -> Result<T, GiveUp> {
        let [start, end] = self.member.value;
        self.de.scanner.seek(start as usize);
        let value = read(&mut *self.de)?;
        let ended = self.de.scanner.position() == end as usize;
        self.de.or_give_up(ended.then_some(()))?;
        Ok(value)
    }

    /// The content of a plain string value (between its quotes).
    fn plain_string(&self) -> &'de str {
        let [start, end] = self.member.value;
        self.de.span([start + 1, end.saturating_sub(1)])
    }
}

macro_rules! again {
    ($($method:ident)*) => {$(
        fn $method<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, GiveUp> {
            self.again(|de| de.$method(visitor))
        }
    )*};
}

macro_rules! tape_integers {
    ($($method:ident)*) => {$(
        fn $method<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, GiveUp> {
            match self.member.kind {
                Kind::Integer(value) => visit_integer(value, visitor),
                _ => self.again(|de| de.$method(visitor)),
            }
        }
    )*};
}

/// An integer as serde_json hands it to a visitor.
fn visit_integer<'de, V: Visitor<'de>>(value: i64, visitor: V) -> Result<V::Value, GiveUp> {
    match u64::try_from(value) {
        Ok(unsigned) => visitor.visit_u64(unsigned),
        Err(_) => visitor.visit_i64(value),
    }
}

impl<'de> de::Deserializer<'de> for Value<'_, 'de> {
    type Error = GiveUp;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, GiveUp> {
        match self.member.kind {
            Kind::PlainString => visitor.visit_borrowed_str(self.plain_string()),
            Kind::Integer(value) => visit_integer(value, visitor),
            Kind::True => visitor.visit_bool(true),
            Kind::False => visitor.visit_bool(false),
            Kind::Null => visitor.visit_unit(),
            Kind::Other => self.again(|de| de.deserialize_any(visitor)),
        }
    }

    fn deserialize_bool<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, GiveUp> {
        match self.member.kind {
            Kind::True => visitor.visit_bool(true),
            Kind::False => visitor.visit_bool(false),
            _ => self.again(|de| de.deserialize_bool(visitor)),
        }
    }

    tape_integers! {
        deserialize_i8 deserialize_i16 deserialize_i32 deserialize_i64
        deserialize_u8 deserialize_u16 deserialize_u32 deserialize_u64
        deserialize_f32 deserialize_f64
    }

    fn deserialize_str<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, GiveUp> {
        match self.member.kind {
            Kind::PlainString => visitor.visit_borrowed_str(self.plain_string()),
            _ => self.again(|de| de.deserialize_str(visitor)),
        }
    }

    fn deserialize_string<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, GiveUp> {
        self.deserialize_str(visitor)
    }

    fn deserialize_char<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, GiveUp> {
        self.deserialize_str(visitor)
    }

    fn deserialize_identifier<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, GiveUp> {
        self.deserialize_str(visitor)
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, GiveUp> {
        match self.member.kind {
            Kind::Null => visitor.visit_none(),
            Kind::Other => self.again(|de| de.deserialize_option(visitor)),
            _ => visitor.visit_some(self),
        }
    }

    fn deserialize_unit<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, GiveUp> {
        match self.member.kind {
            Kind::Null => visitor.visit_unit(),
            _ => self.again(|de| de.deserialize_unit(visitor)),
        }
    }

    fn deserialize_unit_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, GiveUp> {
        self.deserialize_unit(visitor)
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        visitor: V,
    ) -> Result<V::Value, GiveUp> {
        if name.starts_with(PRIVATE_PREFIX) {
            return self.de.give_up();
        }
        visitor.visit_newtype_struct(self)
    }

    fn deserialize_tuple<V: Visitor<'de>>(
        self,
        len: usize,
        visitor: V,
    ) -> Result<V::Value, GiveUp> {
        self.again(|de| de::Deserializer::deserialize_tuple(de, len, visitor))
    }

    fn deserialize_tuple_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        len: usize,
        visitor: V,
    ) -> Result<V::Value, GiveUp> {
        self.again(|de| de::Deserializer::deserialize_tuple_struct(de, name, len, visitor))
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, GiveUp> {
        self.again(|de| de::Deserializer::deserialize_struct(de, name, fields, visitor))
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        name: &'static str,
        variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, GiveUp> {
        self.again(|de| de::Deserializer::deserialize_enum(de, name, variants, visitor))
    }

    fn deserialize_ignored_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, GiveUp> {
        // The strict pass read the whole value: it is valid JSON.
        visitor.visit_unit()
    }

    again! {
        deserialize_i128 deserialize_u128 deserialize_bytes deserialize_byte_buf
        deserialize_seq deserialize_map
    }
}

/// A member name, as serde_json's `MapKey` reads it: a string for every request except the
/// numeric and boolean ones (which parse inside the quotes: given up on here). The name comes
/// from the tape, or is read here.
struct Key<'s, 'de> {
    de: &'s mut Fast<'de>,
    name: Option<&'de str>,
}

impl<'de> de::Deserializer<'de> for Key<'_, 'de> {
    type Error = GiveUp;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, GiveUp> {
        match self.name {
            Some(name) => visitor.visit_borrowed_str(name),
            None => self.de.string(visitor),
        }
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, GiveUp> {
        visitor.visit_some(self)
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        visitor: V,
    ) -> Result<V::Value, GiveUp> {
        if name.starts_with(PRIVATE_PREFIX) {
            return self.de.give_up();
        }
        visitor.visit_newtype_struct(self)
    }

    fn deserialize_i8<V: Visitor<'de>>(self, _: V) -> Result<V::Value, GiveUp> {
        self.de.give_up()
    }
    fn deserialize_i16<V: Visitor<'de>>(self, _: V) -> Result<V::Value, GiveUp> {
        self.de.give_up()
    }
    fn deserialize_i32<V: Visitor<'de>>(self, _: V) -> Result<V::Value, GiveUp> {
        self.de.give_up()
    }
    fn deserialize_i64<V: Visitor<'de>>(self, _: V) -> Result<V::Value, GiveUp> {
        self.de.give_up()
    }
    fn deserialize_i128<V: Visitor<'de>>(self, _: V) -> Result<V::Value, GiveUp> {
        self.de.give_up()
    }
    fn deserialize_u8<V: Visitor<'de>>(self, _: V) -> Result<V::Value, GiveUp> {
        self.de.give_up()
    }
    fn deserialize_u16<V: Visitor<'de>>(self, _: V) -> Result<V::Value, GiveUp> {
        self.de.give_up()
    }
    fn deserialize_u32<V: Visitor<'de>>(self, _: V) -> Result<V::Value, GiveUp> {
        self.de.give_up()
    }
    fn deserialize_u64<V: Visitor<'de>>(self, _: V) -> Result<V::Value, GiveUp> {
        self.de.give_up()
    }
    fn deserialize_u128<V: Visitor<'de>>(self, _: V) -> Result<V::Value, GiveUp> {
        self.de.give_up()
    }
    fn deserialize_f32<V: Visitor<'de>>(self, _: V) -> Result<V::Value, GiveUp> {
        self.de.give_up()
    }
    fn deserialize_f64<V: Visitor<'de>>(self, _: V) -> Result<V::Value, GiveUp> {
        self.de.give_up()
    }
    fn deserialize_bool<V: Visitor<'de>>(self, _: V) -> Result<V::Value, GiveUp> {
        self.de.give_up()
    }
    fn deserialize_bytes<V: Visitor<'de>>(self, _: V) -> Result<V::Value, GiveUp> {
        self.de.give_up()
    }
    fn deserialize_byte_buf<V: Visitor<'de>>(self, _: V) -> Result<V::Value, GiveUp> {
        self.de.give_up()
    }
    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _variants: &'static [&'static str],
        _: V,
    ) -> Result<V::Value, GiveUp> {
        self.de.give_up()
    }

    serde::forward_to_deserialize_any! {
        char str string unit unit_struct seq tuple tuple_struct map struct
        identifier ignored_any
    }
}

/// An enum written as a string: a unit variant, as serde_json's `UnitVariantAccess` reads it.
struct UnitVariant<'s, 'de> {
    de: &'s mut Fast<'de>,
}

impl<'de> de::EnumAccess<'de> for UnitVariant<'_, 'de> {
    type Error = GiveUp;
    type Variant = Self;

    fn variant_seed<V: DeserializeSeed<'de>>(self, seed: V) -> Result<(V::Value, Self), GiveUp> {
        let variant = seed.deserialize(&mut *self.de)?;
        Ok((variant, self))
    }
}

impl<'de> de::VariantAccess<'de> for UnitVariant<'_, 'de> {
    type Error = GiveUp;

    fn unit_variant(self) -> Result<(), GiveUp> {
        Ok(())
    }

    fn newtype_variant_seed<T: DeserializeSeed<'de>>(self, _: T) -> Result<T::Value, GiveUp> {
        self.de.give_up()
    }

    fn tuple_variant<V: Visitor<'de>>(self, _len: usize, _: V) -> Result<V::Value, GiveUp> {
        self.de.give_up()
    }

    fn struct_variant<V: Visitor<'de>>(
        self,
        _fields: &'static [&'static str],
        _: V,
    ) -> Result<V::Value, GiveUp> {
        self.de.give_up()
    }
}

/// The fast path's contract, checked on several claims types (for the tests below and the
/// `jose_claims_validate` fuzz target).
#[cfg(any(test, fuzzing))]
pub(crate) mod differential {
    use std::borrow::Cow;
    use std::collections::{BTreeMap, HashMap};
    use std::fmt::Debug;

    use serde::{Deserialize, Serialize};

    use super::*;

    /// The tape the strict pass leaves for `json` (empty when it gave up).
    pub(crate) fn tape_of(json: &str) -> Tape {
        let mut tape = Tape::default();
        match crate::claims::scan_registered(json, 16, &mut tape) {
            Some(_) => tape,
            None => Tape::default(),
        }
    }

    /// The fast path's contract for `T` on `json`, with the strict pass's tape and without:
    /// when it returns a value, serde_json returns the same value. Whether it did (with the
    /// tape).
    pub(crate) fn agrees<'a, T: Deserialize<'a> + PartialEq + Debug>(
        json: &'a str,
        tape: &'a Tape,
    ) -> bool {
        let reference = serde_json::from_str::<T>(json);
        if let Some(value) = fast::<T>(json, &Tape::EMPTY) {
            assert_eq!(
                reference.as_ref().ok(),
                Some(&value),
                "{json:?}: {reference:?}"
            );
        }
        let Some(value) = fast::<T>(json, tape) else {
            return false;
        };
        assert_eq!(
            reference.as_ref().ok(),
            Some(&value),
            "{json:?} (tape): {reference:?}"
        );
        true
    }

    #[derive(Debug, PartialEq, Serialize, Deserialize)]
    #[serde(rename_all = "lowercase")]
    pub(crate) enum Role {
        Admin,
        User,
    }

    #[derive(Debug, PartialEq, Serialize, Deserialize)]
    #[serde(untagged)]
    pub(crate) enum Audience {
        One(String),
        Many(Vec<String>),
    }

    #[derive(Debug, PartialEq, Serialize, Deserialize)]
    pub(crate) struct Address {
        pub(crate) street_address: Option<String>,
        pub(crate) country: Cow<'static, str>,
    }

    #[derive(Debug, PartialEq, Serialize, Deserialize)]
    pub(crate) struct Wrapped(pub(crate) u32);

    /// A claims type using most of serde's attributes and shapes.
    #[derive(Debug, PartialEq, Serialize, Deserialize)]
    pub(crate) struct Claims<'a> {
        pub(crate) iss: &'a str,
        #[serde(borrow)]
        pub(crate) sub: Cow<'a, str>,
        pub(crate) aud: Audience,
        pub(crate) exp: i64,
        #[serde(default)]
        pub(crate) nbf: Option<u64>,
        #[serde(rename = "email_verified", default)]
        pub(crate) verified: bool,
        #[serde(default)]
        pub(crate) roles: Vec<Role>,
        #[serde(default)]
        pub(crate) address: Option<Address>,
        #[serde(default)]
        pub(crate) level: Option<u8>,
        #[serde(default)]
        pub(crate) initial: Option<char>,
        #[serde(default)]
        pub(crate) pair: Option<(i32, String)>,
        #[serde(default)]
        pub(crate) wrapped: Option<Wrapped>,
        #[serde(default)]
        pub(crate) nothing: (),
        #[serde(flatten)]
        pub(crate) rest: BTreeMap<String, serde_json::Value>,
    }

    #[derive(Debug, PartialEq, Deserialize)]
    #[serde(deny_unknown_fields)]
    pub(crate) struct Strict {
        pub(crate) a: Option<i32>,
        pub(crate) b: Option<String>,
    }

    /// Runs the contract for every claims type of these tests; whether one took the fast path.
    pub(crate) fn check_all(json: &str) -> bool {
        let tape = tape_of(json);
        let mut read = agrees::<serde_json::Value>(json, &tape);
        read |= agrees::<Claims<'_>>(json, &tape);
        read |= agrees::<HashMap<String, serde_json::Value>>(json, &tape);
        read |= agrees::<BTreeMap<&str, i64>>(json, &tape);
        read |= agrees::<BTreeMap<&str, Option<&str>>>(json, &tape);
        read |= agrees::<Vec<Option<bool>>>(json, &tape);
        read |= agrees::<Strict>(json, &tape);
        read |= agrees::<HashMap<u32, String>>(json, &tape);
        read |= agrees::<Audience>(json, &tape);
        read |= agrees::<Role>(json, &tape);
        read |= agrees::<Everything>(json, &tape);
        read
    }

    /// A claims type asking for each kind of value in each way.
    #[derive(Debug, PartialEq, Deserialize)]
    pub(crate) struct Everything {
        #[serde(default)]
        pub(crate) iss: Option<Option<String>>,
        #[serde(default)]
        pub(crate) exp: Option<f64>,
        #[serde(default)]
        pub(crate) nbf: Option<Wrapped>,
        #[serde(default)]
        pub(crate) aud: Option<Audience>,
        #[serde(default)]
        pub(crate) a: Option<serde_json::Value>,
        #[serde(default)]
        pub(crate) b: Option<Role>,
        #[serde(default)]
        pub(crate) k: Option<bool>,
        #[serde(default)]
        pub(crate) x5c: Option<Vec<String>>,
        #[serde(default)]
        pub(crate) kid: Option<(u8,)>,
        #[serde(default)]
        pub(crate) n: (),
        #[serde(default)]
        pub(crate) alg: Option<char>,
    }
}

#[cfg(test)]
mod tests {
    use std::borrow::Cow;
    use std::collections::HashMap;

    use proptest::prelude::*;

    use super::differential::*;
    use super::*;

    #[test]
    fn reads_the_usual_claims_like_serde_json() {
        let json = r#"{"iss":"https://op","sub":"a\u00e9","aud":["c1","c2"],"exp":1700000000,
            "email_verified":true,"roles":["admin","user"],"address":{"country":"FR"},
            "level":7,"initial":"x","pair":[-3,"p"],"wrapped":9,"nothing":null,"extra":{"k":[1]}}"#;
        // An escaped registered claim: the strict pass leaves it to serde, so there is no tape.
        let tape = tape_of(json);
        assert!(!tape.is_complete());
        assert!(agrees::<Claims<'_>>(json, &tape));
        assert!(agrees::<serde_json::Value>(json, &tape));
        assert!(agrees::<Everything>(json, &tape));
        let claims: Claims<'_> = from_str(json, &tape).unwrap();
        assert!(matches!(claims.sub, Cow::Owned(ref s) if s == "aé"));
        let plain = r#"{"iss":"i","sub":"plain","aud":"c","exp":1,"name":"Jos\u00e9","n":null}"#;
        let tape = tape_of(plain);
        assert!(tape.is_complete());
        assert!(agrees::<Everything>(plain, &tape));
        assert!(agrees::<serde_json::Value>(plain, &tape));
        assert!(matches!(
            from_str::<Claims<'_>>(plain, &tape).unwrap().sub,
            Cow::Borrowed("plain")
        ));
    }

    #[test]
    fn leaves_to_serde_json_what_it_does_not_read() {
        for (json, as_value) in [
            (r#"{"exp":1.5}"#, false),
            (r#"{"a":1e3}"#, false),
            (r#"{"a":12345678901234567890}"#, false),
            (r#"{"a":-0}"#, false),
            (r#"{"a":"\ud800"}"#, false),
            (r#"{"a":1} x"#, false),
            (r#"{"1":"x"}"#, true),
            (r#"{"a":1,"c":2}"#, true),
        ] {
            assert_eq!(
                agrees::<serde_json::Value>(json, &tape_of(json)),
                as_value,
                "{json}"
            );
            check_all(json);
        }
        // Errors come from serde_json, word for word.
        let tape = tape_of(r#"{"a":1,"c":2}"#);
        let error = from_str::<Strict>(r#"{"a":1,"c":2}"#, &tape)
            .unwrap_err()
            .to_string();
        let reference = serde_json::from_str::<Strict>(r#"{"a":1,"c":2}"#)
            .unwrap_err()
            .to_string();
        assert_eq!(error, reference);
        let json = r#"{"iss":"i","sub":"s","aud":"c","exp":1,"level":300}"#;
        assert!(from_str::<Claims<'_>>(json, &tape_of(json)).is_err());
        let json = r#"{"1":"x"}"#;
        let tape = tape_of(json);
        assert_eq!(fast::<HashMap<u32, String>>(json, &tape), None);
        assert_eq!(
            from_str::<HashMap<u32, String>>(json, &tape).unwrap(),
            HashMap::from([(1, "x".to_owned())])
        );
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2048))]

        #[test]
        fn agrees_with_serde_json_on_near_miss_json(json in crate::scan::tests::jose_json()) {
            check_all(&json);
        }

        #[test]
        fn agrees_with_serde_json_on_usual_claims(json in crate::scan::tests::usual_claims()) {
            check_all(&json);
        }

        #[test]
        fn agrees_with_serde_json_on_any_json(value in crate::scan::tests::arbitrary_json()) {
            let json = value.to_string();
            check_all(&json);
            // Everything but floats takes the fast path as a Value.
            if !json.contains('.') {
                prop_assert!(agrees::<serde_json::Value>(&json, &tape_of(&json)), "{}", json);
            }
        }

        #[test]
        fn reads_typed_claims_as_serde_json_writes_them(
            iss in "[a-z:/.]{0,12}",
            sub in any::<String>(),
            many in proptest::option::of(proptest::collection::vec(any::<String>(), 0..3)),
            exp in any::<i64>(),
            nbf in proptest::option::of(any::<u64>()),
            level in proptest::option::of(any::<u8>()),
            initial in proptest::option::of(any::<char>()),
            rest in proptest::collection::btree_map("[a-z]{1,6}", crate::scan::tests::arbitrary_json(), 0..3),
        ) {
            let claims = Claims {
                iss: &iss,
                sub: Cow::Owned(sub),
                aud: many.map_or(Audience::One("c".to_owned()), Audience::Many),
                exp,
                nbf,
                verified: exp % 2 == 0,
                roles: vec![Role::Admin, Role::User],
                address: None,
                level,
                initial,
                pair: Some((-1, "p".to_owned())),
                wrapped: Some(Wrapped(3)),
                nothing: (),
                rest: rest
                    .into_iter()
                    .filter(|(name, _)| !["iss", "sub", "aud", "exp", "nbf", "roles", "address",
                        "level", "initial", "pair", "wrapped", "nothing"].contains(&name.as_str()))
                    .collect(),
            };
            let json = serde_json::to_string(&claims).unwrap();
            check_all(&json);
            let small_integers = exp.unsigned_abs() < 10u64.pow(18)
                && nbf.is_none_or(|n| n < 10u64.pow(18));
            if small_integers && !json.contains('.') {
                let tape = tape_of(&json);
                prop_assert!(agrees::<Claims<'_>>(&json, &tape), "{}", json);
            }
        }
    }
}

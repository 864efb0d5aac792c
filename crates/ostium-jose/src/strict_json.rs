//! Strict JSON helpers on top of serde_json: duplicate member detection, depth limits and
//! borrowed text spans.
//!
//! serde_json keeps the last of duplicate members when it builds a `Value` and lets unknown
//! members through a derived struct unchecked. JOSE needs more (RFC 7515 §5.2 step 4, RFC 7519
//! §4, RFC 8725 §3.2): every object this crate parses is walked by visitors that reject a member
//! name seen twice, after unescaping, so `{"alg":"HS256","\u0061lg":"none"}` is an error.
//!
//! Duplicate detection keeps a 64-bit FNV-1a hash per member name instead of the name itself, so
//! that it never allocates. Two distinct names with equal hashes would be reported as a duplicate:
//! that can only reject a token, never accept one.

use std::borrow::Cow;
use std::fmt;

use serde::de::{self, DeserializeSeed, MapAccess, SeqAccess, Visitor};

/// A precise problem found by a visitor, kept aside because serde's error type only carries text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Problem {
    /// A member name seen twice in one object.
    Duplicate(String),
    /// Nesting deeper than the limit.
    TooDeep,
    /// A member with the wrong JSON type or value.
    Invalid(&'static str, &'static str),
    /// A number outside the accepted range.
    OutOfRange(&'static str),
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Problem::Duplicate(name) => write!(f, "duplicate member {name:?}"),
            Problem::TooDeep => f.write_str("nesting too deep"),
            Problem::Invalid(name, why) => write!(f, "member {name:?}: {why}"),
            Problem::OutOfRange(name) => write!(f, "member {name:?} out of range"),
        }
    }
}

/// Where visitors put the precise [`Problem`] before returning serde's textual error.
pub(crate) type Stash = Option<Problem>;

/// Records `problem` in `stash` and returns a serde error describing it.
pub(crate) fn fail<E: de::Error>(stash: &mut Stash, problem: Problem) -> E {
    let error = E::custom(&problem);
    // Keep the first problem: it is the cause; later ones are consequences of unwinding.
    if stash.is_none() {
        *stash = Some(problem);
    }
    error
}

/// FNV-1a, 64 bits.
pub(crate) fn name_hash(name: &str) -> u64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in name.bytes() {
        hash ^= u64::from(byte);
        hash = hash.wrapping_mul(0x0100_0000_01b3);
    }
    hash
}

/// Remembers the member names of one object; reports a name seen twice.
pub(crate) struct DuplicateGuard {
    inline: [u64; 24],
    len: usize,
    spill: Vec<u64>,
}

impl DuplicateGuard {
    pub(crate) fn new() -> Self {
        DuplicateGuard {
            inline: [0; 24],
            len: 0,
            spill: Vec::new(),
        }
    }

    /// Records `name`; `false` when it was seen before.
    pub(crate) fn insert(&mut self, name: &str) -> bool {
        let hash = name_hash(name);
        let seen = self.inline.get(..self.len).unwrap_or(&[]);
        if seen.contains(&hash) || self.spill.contains(&hash) {
            return false;
        }
        if let Some(slot) = self.inline.get_mut(self.len) {
            *slot = hash;
            self.len += 1;
        } else {
            self.spill.push(hash);
        }
        true
    }

    /// Whether any name recorded here is also in `other` (by hash); returns a description.
    pub(crate) fn overlap(&self, other: &DuplicateGuard) -> Option<&'static str> {
        let mine = self
            .inline
            .get(..self.len)
            .unwrap_or(&[])
            .iter()
            .chain(&self.spill);
        let theirs = other.inline.get(..other.len).unwrap_or(&[]);
        mine.into_iter()
            .any(|hash| theirs.contains(hash) || other.spill.contains(hash))
            .then_some("a member")
    }

    /// Records `name` or reports it as a duplicate.
    pub(crate) fn check<E: de::Error>(&mut self, name: &str, stash: &mut Stash) -> Result<(), E> {
        if self.insert(name) {
            Ok(())
        } else {
            Err(fail(stash, Problem::Duplicate(truncated(name))))
        }
    }
}

/// A member name for an error message, cut to a readable length.
pub(crate) fn truncated(name: &str) -> String {
    let mut out: String = name.chars().take(64).collect();
    if out.len() < name.len() {
        out.push('…');
    }
    out
}

/// Deserializes a member name, borrowed from the input when it has no escapes.
pub(crate) struct NameSeed;

impl<'de> DeserializeSeed<'de> for NameSeed {
    type Value = Cow<'de, str>;

    fn deserialize<D: de::Deserializer<'de>>(
        self,
        deserializer: D,
    ) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_str(CowStrVisitor)
    }
}

/// Deserializes a string, borrowed from the input when it has no escapes.
pub(crate) struct CowStrVisitor;

impl<'de> Visitor<'de> for CowStrVisitor {
    type Value = Cow<'de, str>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a string")
    }

    fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Self::Value, E> {
        Ok(Cow::Borrowed(v))
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
        Ok(Cow::Owned(v.to_owned()))
    }

    fn visit_string<E: de::Error>(self, v: String) -> Result<Self::Value, E> {
        Ok(Cow::Owned(v))
    }
}

/// A string-valued member: only a JSON string is accepted.
pub(crate) struct StrSeed<'s> {
    pub(crate) stash: &'s mut Stash,
    pub(crate) name: &'static str,
}

impl<'de> DeserializeSeed<'de> for StrSeed<'_> {
    type Value = Cow<'de, str>;

    fn deserialize<D: de::Deserializer<'de>>(
        self,
        deserializer: D,
    ) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl StrSeed<'_> {
    fn wrong<E: de::Error>(self) -> E {
        fail(self.stash, Problem::Invalid(self.name, "must be a string"))
    }
}

impl<'de> Visitor<'de> for StrSeed<'_> {
    type Value = Cow<'de, str>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a string")
    }

    fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Self::Value, E> {
        Ok(Cow::Borrowed(v))
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
        Ok(Cow::Owned(v.to_owned()))
    }

    fn visit_string<E: de::Error>(self, v: String) -> Result<Self::Value, E> {
        Ok(Cow::Owned(v))
    }

    fn visit_bool<E: de::Error>(self, _: bool) -> Result<Self::Value, E> {
        Err(self.wrong())
    }
    fn visit_i64<E: de::Error>(self, _: i64) -> Result<Self::Value, E> {
        Err(self.wrong())
    }
    fn visit_u64<E: de::Error>(self, _: u64) -> Result<Self::Value, E> {
        Err(self.wrong())
    }
    fn visit_f64<E: de::Error>(self, _: f64) -> Result<Self::Value, E> {
        Err(self.wrong())
    }
    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Err(self.wrong())
    }
    fn visit_seq<A: SeqAccess<'de>>(self, _: A) -> Result<Self::Value, A::Error> {
        Err(self.wrong())
    }
    fn visit_map<A: MapAccess<'de>>(self, _: A) -> Result<Self::Value, A::Error> {
        Err(self.wrong())
    }
}

/// Walks any JSON value, rejecting duplicate members at every level and nesting deeper than
/// `depth` more levels. The value itself is discarded.
pub(crate) struct StrictIgnore<'s> {
    pub(crate) stash: &'s mut Stash,
    pub(crate) depth: usize,
}

impl<'de> DeserializeSeed<'de> for StrictIgnore<'_> {
    type Value = ();

    fn deserialize<D: de::Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for StrictIgnore<'_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_bool<E: de::Error>(self, _: bool) -> Result<(), E> {
        Ok(())
    }
    fn visit_i64<E: de::Error>(self, _: i64) -> Result<(), E> {
        Ok(())
    }
    fn visit_u64<E: de::Error>(self, _: u64) -> Result<(), E> {
        Ok(())
    }
    fn visit_f64<E: de::Error>(self, _: f64) -> Result<(), E> {
        Ok(())
    }
    fn visit_str<E: de::Error>(self, _: &str) -> Result<(), E> {
        Ok(())
    }
    fn visit_unit<E: de::Error>(self) -> Result<(), E> {
        Ok(())
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        let Some(depth) = self.depth.checked_sub(1) else {
            return Err(fail(self.stash, Problem::TooDeep));
        };
        while seq
            .next_element_seed(StrictIgnore {
                stash: &mut *self.stash,
                depth,
            })?
            .is_some()
        {}
        Ok(())
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let Some(depth) = self.depth.checked_sub(1) else {
            return Err(fail(self.stash, Problem::TooDeep));
        };
        let mut guard = DuplicateGuard::new();
        while let Some(name) = map.next_key_seed(NameSeed)? {
            guard.check(&name, self.stash)?;
            map.next_value_seed(StrictIgnore {
                stash: &mut *self.stash,
                depth,
            })?;
        }
        Ok(())
    }
}

/// A piece of text inside a decoded buffer (no allocation), or owned when the JSON escaped it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Text {
    /// `buffer[start..start + len]`.
    Span { start: u32, len: u32 },
    /// The unescaped text.
    Owned(Box<str>),
}

impl Text {
    /// Makes a [`Text`] of `value`, which was deserialized from `buffer`.
    pub(crate) fn new(value: Cow<'_, str>, buffer: &[u8]) -> Text {
        if let Cow::Borrowed(s) = value {
            let base = buffer.as_ptr() as usize;
            let at = s.as_ptr() as usize;
            if let Some(start) = at.checked_sub(base) {
                if start
                    .checked_add(s.len())
                    .is_some_and(|end| end <= buffer.len())
                {
                    if let (Ok(start), Ok(len)) = (u32::try_from(start), u32::try_from(s.len())) {
                        return Text::Span { start, len };
                    }
                }
            }
        }
        Text::Owned(value.into_owned().into_boxed_str())
    }

    /// The text, resolved against the buffer it was made from.
    pub(crate) fn resolve<'a>(&'a self, buffer: &'a [u8]) -> &'a str {
        match self {
            Text::Span { start, len } => {
                let start = *start as usize;
                let end = start.saturating_add(*len as usize);
                // The span was cut from valid UTF-8 in this very buffer (see `new`), so neither
                // the range nor the conversion can fail; "" is an unreachable fallback.
                buffer
                    .get(start..end)
                    .and_then(|bytes| std::str::from_utf8(bytes).ok())
                    .unwrap_or("")
            }
            Text::Owned(text) => text,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strict(json: &str, depth: usize) -> Result<(), Stash> {
        let mut stash = None;
        let mut de = serde_json::Deserializer::from_str(json);
        let result = StrictIgnore {
            stash: &mut stash,
            depth,
        }
        .deserialize(&mut de)
        .and_then(|()| de.end());
        result.map_err(|_| stash)
    }

    #[test]
    fn accepts_well_formed_values() {
        assert_eq!(
            strict(r#"{"a":[1,{"b":true}],"c":null,"d":1.5}"#, 4),
            Ok(())
        );
    }

    #[test]
    fn rejects_duplicates_at_any_level_even_escaped() {
        assert_eq!(
            strict(r#"{"alg":"HS256","\u0061lg":"none"}"#, 4),
            Err(Some(Problem::Duplicate("alg".into())))
        );
        assert_eq!(
            strict(r#"{"x":[{"k":1,"k":2}]}"#, 4),
            Err(Some(Problem::Duplicate("k".into())))
        );
        // Same name in sibling objects is fine.
        assert_eq!(strict(r#"{"x":{"k":1},"y":{"k":2}}"#, 4), Ok(()));
    }

    #[test]
    fn rejects_deep_nesting() {
        let deep = format!("{}{}", "[".repeat(10), "]".repeat(10));
        assert_eq!(strict(&deep, 10), Ok(()));
        assert_eq!(strict(&deep, 9), Err(Some(Problem::TooDeep)));
    }

    #[test]
    fn guard_spills_past_the_inline_capacity() {
        let mut guard = DuplicateGuard::new();
        for i in 0..100 {
            assert!(guard.insert(&format!("m{i}")));
        }
        for i in 0..100 {
            assert!(!guard.insert(&format!("m{i}")));
        }
    }

    #[test]
    fn text_spans_resolve_and_escaped_text_is_owned() {
        let buffer = br#"{"a":"plain","b":"esc\u0061ped"}"#.to_vec();
        let value: serde_json::Map<String, serde_json::Value> =
            serde_json::from_slice(&buffer).unwrap();
        assert_eq!(value.len(), 2);
        let plain = std::str::from_utf8(&buffer[6..11]).unwrap();
        let text = Text::new(Cow::Borrowed(plain), &buffer);
        assert!(matches!(text, Text::Span { start: 6, len: 5 }));
        assert_eq!(text.resolve(&buffer), "plain");
        let owned = Text::new(Cow::Owned("escaped".to_owned()), &buffer);
        assert_eq!(owned.resolve(&buffer), "escaped");
        // A borrowed string from elsewhere is copied, never mis-resolved.
        let elsewhere = Text::new(Cow::Borrowed("outside"), &buffer);
        assert!(matches!(elsewhere, Text::Owned(_)));
    }
}

//! Strict JSON helpers on top of serde_json: duplicate member detection, depth limits and
//! borrowed text spans.
//!
//! serde_json keeps the last of duplicate members when it builds a `Value` and lets unknown
//! members through a derived struct unchecked. JOSE needs more (RFC 7515 §5.2 step 4, RFC 7519
//! §4, RFC 8725 §3.2): every object this crate parses is walked by visitors that reject a member
//! name seen twice, after unescaping, so `{"alg":"HS256","\u0061lg":"none"}` is an error.
//!
//! Duplicate detection compares the unescaped names exactly, keeping them as slices of the input
//! (an escaped name, which the JSON spelled differently, is copied), so it allocates only for
//! escaped names or objects of more than sixteen members.

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

/// Remembers the member names of one object; reports a name seen twice.
///
/// Names are kept as slices of the input (no allocation) unless the JSON escaped them; a lookup
/// compares lengths first, so an object of a dozen members costs a few dozen integer compares.
pub(crate) struct DuplicateGuard<'de> {
    inline: [&'de str; 16],
    len: usize,
    spill: Vec<&'de str>,
    escaped: Vec<String>,
}

impl<'de> DuplicateGuard<'de> {
    pub(crate) fn new() -> Self {
        DuplicateGuard {
            inline: [""; 16],
            len: 0,
            spill: Vec::new(),
            escaped: Vec::new(),
        }
    }

    fn contains(&self, name: &str) -> bool {
        self.inline.get(..self.len).unwrap_or(&[]).contains(&name)
            || self.spill.contains(&name)
            || self.escaped.iter().any(|e| e == name)
    }

    /// Records `name`; `false` when it was seen before.
    // The `Cow` (not `&str`) says whether the name borrows from the input for `'de` and can be
    // kept without copying.
    #[allow(clippy::ptr_arg)]
    pub(crate) fn insert(&mut self, name: &Cow<'de, str>) -> bool {
        if self.contains(name) {
            return false;
        }
        match name {
            Cow::Borrowed(borrowed) => {
                if let Some(slot) = self.inline.get_mut(self.len) {
                    *slot = borrowed;
                    self.len += 1;
                } else {
                    self.spill.push(borrowed);
                }
            }
            Cow::Owned(owned) => self.escaped.push(owned.clone()),
        }
        true
    }

    /// The first name recorded both here and in `other`.
    pub(crate) fn overlap(&self, other: &DuplicateGuard<'_>) -> Option<String> {
        self.inline
            .get(..self.len)
            .unwrap_or(&[])
            .iter()
            .chain(&self.spill)
            .copied()
            .chain(self.escaped.iter().map(String::as_str))
            .find(|name| other.contains(name))
            .map(truncated)
    }

    /// Records `name` or reports it as a duplicate.
    #[allow(clippy::ptr_arg)] // As for `insert`.
    pub(crate) fn check<E: de::Error>(
        &mut self,
        name: &Cow<'de, str>,
        stash: &mut Stash,
    ) -> Result<(), E> {
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
            if let Some(start) = at.checked_sub(base)
                && start
                    .checked_add(s.len())
                    .is_some_and(|end| end <= buffer.len())
                && let (Ok(start), Ok(len)) = (u32::try_from(start), u32::try_from(s.len()))
            {
                return Text::Span { start, len };
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
        let names: Vec<String> = (0..100).map(|i| format!("m{i}")).collect();
        let mut guard = DuplicateGuard::new();
        for name in &names {
            assert!(guard.insert(&Cow::Borrowed(name.as_str())));
        }
        for name in &names {
            assert!(!guard.insert(&Cow::Borrowed(name.as_str())));
            assert!(!guard.insert(&Cow::Owned(name.clone())));
        }
        let mut other = DuplicateGuard::new();
        assert!(other.insert(&Cow::Owned("zzz".to_owned())));
        assert_eq!(guard.overlap(&other), None);
        assert!(other.insert(&Cow::Borrowed("m42")));
        assert_eq!(guard.overlap(&other).as_deref(), Some("m42"));
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

//! Lenient scope parsing for what real clients and servers send (not RFC 6749 §3.3 grammar).
//!
//! Use these only where interoperability needs them (for example a client reading the `scope` of a
//! token response from a server known to be sloppy). Lenient parsing accepts:
//!
//! - runs of ASCII whitespace (space, tab, CR, LF, form feed) between tokens, and leading or trailing
//!   whitespace;
//! - an empty or all-whitespace string, which yields the **empty set** (at the message layer an empty
//!   parameter counts as omitted, RFC 6749 §3.1);
//! - in JSON, an array of strings instead of one string (`["openid", "profile"]`); each element is
//!   itself parsed leniently and the results are united.
//!
//! It does **not** accept characters a token cannot hold (`"`, `\`, control characters other than the
//! whitespace above, non-ASCII — including non-ASCII spaces), and it does **not** split on commas: a
//! comma is a legal token character, so `"a,b"` is the single token `a,b`. Splitting it would change
//! what was granted.
//!
//! For serde fields, use [`deserialize`] or [`deserialize_option`]:
//!
//! ```
//! use ostium_scope::Scope;
//!
//! #[derive(serde::Deserialize)]
//! struct TokenResponse {
//!     #[serde(default, deserialize_with = "ostium_scope::lenient::deserialize_option")]
//!     scope: Option<Scope>,
//! }
//!
//! let sloppy: TokenResponse = serde_json::from_str(r#"{"scope": ["openid", "email  profile"]}"#)?;
//! assert_eq!(sloppy.scope, Some("email openid profile".parse()?));
//! let absent: TokenResponse = serde_json::from_str("{}")?;
//! assert_eq!(absent.scope, None);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::fmt;

use crate::parse::{ScopeParseError, token_at};
use crate::set::Scope;

/// Whether `byte` separates tokens in lenient parsing.
const fn is_lenient_separator(byte: u8) -> bool {
    matches!(byte, b' ' | b'\t' | b'\n' | b'\r' | 0x0C)
}

impl Scope {
    /// Parses a scope string leniently: tokens separated by runs of ASCII whitespace; the empty or
    /// all-whitespace string is the empty set. See the [`lenient`](crate::lenient) module for exactly
    /// what is and is not accepted.
    ///
    /// ```
    /// use ostium_scope::Scope;
    ///
    /// let scope = Scope::parse_lenient("  openid\tprofile\r\n email ")?;
    /// assert_eq!(scope, "email openid profile".parse()?);
    /// assert!(Scope::parse_lenient("").unwrap().is_empty());
    /// # Ok::<(), ostium_scope::ScopeParseError>(())
    /// ```
    ///
    /// # Errors
    ///
    /// [`ScopeParseError::ForbiddenCharacter`] naming the token (by its index among the non-empty
    /// tokens), the byte offset and the character that is neither an `NQCHAR` nor a separator.
    pub fn parse_lenient(input: &str) -> Result<Self, ScopeParseError> {
        let mut tokens = Vec::new();
        let mut index = 0;
        let mut start = None;
        // Splitting happens only at ASCII bytes, so every slice below lies on character boundaries.
        for (offset, byte) in input.bytes().enumerate().chain([(input.len(), b' ')]) {
            match (start, is_lenient_separator(byte)) {
                (None, false) => start = Some(offset),
                (Some(begin), true) => {
                    let piece = input.get(begin..offset).unwrap_or_default();
                    tokens.push(token_at(piece, index, begin)?);
                    index += 1;
                    start = None;
                }
                _ => {}
            }
        }
        Ok(Scope::from_vec(tokens))
    }

    /// Reads a scope from JSON leniently: a string (parsed as by [`Scope::parse_lenient`]) or an array
    /// of such strings, united.
    ///
    /// ```
    /// use ostium_scope::Scope;
    /// use serde_json::json;
    ///
    /// assert_eq!(Scope::from_json_lenient(&json!(["b", "a"]))?, "a b".parse()?);
    /// assert_eq!(Scope::from_json_lenient(&json!("a  b"))?, "a b".parse()?);
    /// assert!(Scope::from_json_lenient(&json!(["a", 1])).is_err());
    /// # Ok::<(), ostium_scope::ScopeParseError>(())
    /// ```
    ///
    /// # Errors
    ///
    /// [`ScopeParseError::NotAStringOrArray`], [`ScopeParseError::ElementNotAString`], or
    /// [`ScopeParseError::InElement`] wrapping what is wrong with an element; for a plain string, the
    /// errors of [`Scope::parse_lenient`].
    pub fn from_json_lenient(value: &serde_json::Value) -> Result<Self, ScopeParseError> {
        match value {
            serde_json::Value::String(text) => Self::parse_lenient(text),
            serde_json::Value::Array(elements) => {
                let mut tokens = Vec::new();
                for (element, value) in elements.iter().enumerate() {
                    let text = value
                        .as_str()
                        .ok_or(ScopeParseError::ElementNotAString { element })?;
                    tokens.extend(Self::parse_element(element, text)?);
                }
                Ok(Scope::from_vec(tokens))
            }
            _ => Err(ScopeParseError::NotAStringOrArray),
        }
    }

    fn parse_element(element: usize, text: &str) -> Result<Self, ScopeParseError> {
        Self::parse_lenient(text).map_err(|error| ScopeParseError::InElement {
            element,
            error: Box::new(error),
        })
    }
}

/// serde `deserialize_with` helper: a [`Scope`] from a string or an array of strings, leniently.
///
/// # Errors
///
/// The deserializer's error, carrying the [`ScopeParseError`] message, when the value is neither a
/// string nor a sequence of strings or a string does not parse leniently.
pub fn deserialize<'de, D: serde::Deserializer<'de>>(deserializer: D) -> Result<Scope, D::Error> {
    deserializer.deserialize_any(LenientVisitor)
}

/// serde `deserialize_with` helper for `Option<Scope>`: `null` is `None`, anything else as
/// [`deserialize`]. Pair it with `#[serde(default)]` so that an absent field is `None` as well.
///
/// # Errors
///
/// As [`deserialize`].
pub fn deserialize_option<'de, D: serde::Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<Scope>, D::Error> {
    deserializer.deserialize_option(OptionVisitor)
}

struct LenientVisitor;

impl<'de> serde::de::Visitor<'de> for LenientVisitor {
    type Value = Scope;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a scope string or an array of scope strings")
    }

    fn visit_str<E: serde::de::Error>(self, text: &str) -> Result<Scope, E> {
        Scope::parse_lenient(text).map_err(E::custom)
    }

    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<Scope, A::Error> {
        let mut tokens = Vec::new();
        let mut element = 0;
        while let Some(text) = seq.next_element::<std::borrow::Cow<'de, str>>()? {
            tokens.extend(Scope::parse_element(element, &text).map_err(serde::de::Error::custom)?);
            element += 1;
        }
        Ok(Scope::from_vec(tokens))
    }
}

struct OptionVisitor;

impl<'de> serde::de::Visitor<'de> for OptionVisitor {
    type Value = Option<Scope>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("null, a scope string or an array of scope strings")
    }

    fn visit_none<E: serde::de::Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }

    fn visit_unit<E: serde::de::Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }

    fn visit_some<D: serde::Deserializer<'de>>(
        self,
        deserializer: D,
    ) -> Result<Self::Value, D::Error> {
        deserialize(deserializer).map(Some)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn strict(s: &str) -> Scope {
        Scope::parse(s).unwrap()
    }

    #[test]
    fn whitespace_runs_separate_tokens() {
        assert_eq!(
            Scope::parse_lenient("\t a \r\n\x0c b  c ").unwrap(),
            strict("a b c")
        );
    }

    #[test]
    fn blank_input_is_the_empty_set() {
        for blank in ["", " ", "\t\r\n "] {
            assert!(Scope::parse_lenient(blank).unwrap().is_empty(), "{blank:?}");
        }
    }

    #[test]
    fn commas_do_not_split() {
        let scope = Scope::parse_lenient("a,b").unwrap();
        assert_eq!(scope.len(), 1);
        assert!(scope.contains("a,b"));
    }

    #[test]
    fn forbidden_characters_still_fail_with_positions() {
        assert_eq!(
            Scope::parse_lenient("  ok  b\"ad").unwrap_err(),
            ScopeParseError::ForbiddenCharacter {
                token: "b\"ad".into(),
                index: 1,
                offset: 7,
                character: '"',
            }
        );
        // A non-ASCII space is not a separator.
        assert!(matches!(
            Scope::parse_lenient("a\u{a0}b").unwrap_err(),
            ScopeParseError::ForbiddenCharacter {
                character: '\u{a0}',
                ..
            }
        ));
        // Vertical tab is not whitespace here.
        assert!(Scope::parse_lenient("a\x0bb").is_err());
    }

    #[test]
    fn json_arrays_and_strings() {
        assert_eq!(
            Scope::from_json_lenient(&json!(["openid", " profile  email "])).unwrap(),
            strict("email openid profile")
        );
        assert_eq!(Scope::from_json_lenient(&json!([])).unwrap(), Scope::new());
        assert_eq!(
            Scope::from_json_lenient(&json!("openid  profile")).unwrap(),
            strict("openid profile")
        );
    }

    #[test]
    fn json_errors_name_the_element() {
        assert_eq!(
            Scope::from_json_lenient(&json!(["a", null])),
            Err(ScopeParseError::ElementNotAString { element: 1 })
        );
        assert_eq!(
            Scope::from_json_lenient(&json!({"scope": "a"})),
            Err(ScopeParseError::NotAStringOrArray)
        );
        assert_eq!(
            Scope::from_json_lenient(&json!(["a", "b", "c\\d"])),
            Err(ScopeParseError::InElement {
                element: 2,
                error: Box::new(ScopeParseError::ForbiddenCharacter {
                    token: "c\\d".into(),
                    index: 0,
                    offset: 1,
                    character: '\\',
                }),
            })
        );
    }

    #[derive(serde::Deserialize, Debug)]
    struct Lenient {
        #[serde(deserialize_with = "deserialize")]
        scope: Scope,
    }

    #[derive(serde::Deserialize, Debug)]
    struct MaybeLenient {
        #[serde(default, deserialize_with = "deserialize_option")]
        scope: Option<Scope>,
    }

    #[test]
    fn serde_helpers() {
        let l: Lenient = serde_json::from_str(r#"{"scope": "b  a"}"#).unwrap();
        assert_eq!(l.scope, strict("a b"));
        let l: Lenient = serde_json::from_str(r#"{"scope": ["b", "a c"]}"#).unwrap();
        assert_eq!(l.scope, strict("a b c"));
        assert!(serde_json::from_str::<Lenient>(r#"{"scope": 3}"#).is_err());
        assert!(serde_json::from_str::<Lenient>(r#"{"scope": ["a", 3]}"#).is_err());
        let err = serde_json::from_str::<Lenient>(r#"{"scope": ["a", "b\"c"]}"#).unwrap_err();
        assert!(err.to_string().contains("element 1"), "{err}");

        let m: MaybeLenient = serde_json::from_str(r#"{"scope": null}"#).unwrap();
        assert_eq!(m.scope, None);
        let m: MaybeLenient = serde_json::from_str("{}").unwrap();
        assert_eq!(m.scope, None);
        let m: MaybeLenient = serde_json::from_str(r#"{"scope": "x\ty"}"#).unwrap();
        assert_eq!(m.scope, Some(strict("x y")));
    }
}

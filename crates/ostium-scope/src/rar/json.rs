//! A strict JSON reader for `authorization_details`: limits enforced while reading, duplicate member
//! names refused.

use std::cell::RefCell;
use std::collections::BTreeSet;
use std::fmt;

use serde::de::{self, DeserializeSeed, MapAccess, SeqAccess, Visitor};
use serde_json::Value;

use super::error::RarError;
use super::limits::RarLimits;

/// Reads `input` as one JSON value within `limits`.
pub(crate) fn read(input: &str, limits: &RarLimits) -> Result<Value, RarError> {
    if input.len() > limits.max_bytes {
        return Err(RarError::TooLarge {
            len: input.len(),
            max: limits.max_bytes,
        });
    }
    let reader = Reader::new(limits);
    let mut deserializer = serde_json::Deserializer::from_str(input);
    let value = reader
        .seed(1)
        .deserialize(&mut deserializer)
        .and_then(|value| deserializer.end().map(|()| value));
    value.map_err(|error| reader.take_fault().unwrap_or_else(|| invalid_json(&error)))
}

/// Checks an already parsed JSON value against the depth and entry limits (the byte limit does not
/// apply), returning a copy.
pub(crate) fn read_value(value: &Value, limits: &RarLimits) -> Result<Value, RarError> {
    let reader = Reader::new(limits);
    reader
        .seed(1)
        .deserialize(value)
        .map_err(|error| reader.take_fault().unwrap_or_else(|| invalid_json(&error)))
}

/// Reads one JSON value from any serde deserializer within `limits` (no byte limit applies: the input
/// is already parsed text).
pub(crate) fn read_from<'de, D: serde::Deserializer<'de>>(
    deserializer: D,
    limits: &RarLimits,
) -> Result<Value, D::Error> {
    Reader::new(limits).seed(1).deserialize(deserializer)
}

fn invalid_json(error: &serde_json::Error) -> RarError {
    RarError::InvalidJson {
        message: error.to_string(),
    }
}

/// Shared state of one read: the limits, and the first limit fault, kept typed so that the caller
/// gets a [`RarError`] rather than the parser's text.
struct Reader<'l> {
    limits: &'l RarLimits,
    fault: RefCell<Option<RarError>>,
}

impl<'l> Reader<'l> {
    fn new(limits: &'l RarLimits) -> Self {
        Self {
            limits,
            fault: RefCell::new(None),
        }
    }

    fn seed(&self, depth: usize) -> Seed<'_, 'l> {
        Seed {
            reader: self,
            depth,
        }
    }

    fn take_fault(&self) -> Option<RarError> {
        self.fault.borrow_mut().take()
    }

    /// Records `fault` (the first one wins) and returns it as a deserializer error.
    fn fail<E: de::Error>(&self, fault: RarError) -> E {
        let error = E::custom(&fault);
        let mut slot = self.fault.borrow_mut();
        if slot.is_none() {
            *slot = Some(fault);
        }
        error
    }
}

/// Reads a value found at nesting `depth`.
#[derive(Clone, Copy)]
struct Seed<'r, 'l> {
    reader: &'r Reader<'l>,
    depth: usize,
}

impl Seed<'_, '_> {
    fn enter<E: de::Error>(&self) -> Result<(), E> {
        if self.depth > self.reader.limits.max_depth {
            return Err(self.reader.fail(RarError::TooDeep {
                max: self.reader.limits.max_depth,
            }));
        }
        Ok(())
    }
}

impl<'de> DeserializeSeed<'de> for Seed<'_, '_> {
    type Value = Value;

    fn deserialize<D: serde::Deserializer<'de>>(self, deserializer: D) -> Result<Value, D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Seed<'_, '_> {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_bool<E: de::Error>(self, value: bool) -> Result<Value, E> {
        Ok(Value::Bool(value))
    }

    fn visit_i64<E: de::Error>(self, value: i64) -> Result<Value, E> {
        Ok(Value::from(value))
    }

    fn visit_u64<E: de::Error>(self, value: u64) -> Result<Value, E> {
        Ok(Value::from(value))
    }

    fn visit_f64<E: de::Error>(self, value: f64) -> Result<Value, E> {
        serde_json::Number::from_f64(value)
            .map(Value::Number)
            .ok_or_else(|| E::custom("a number must be finite"))
    }

    fn visit_str<E: de::Error>(self, value: &str) -> Result<Value, E> {
        Ok(Value::String(value.to_owned()))
    }

    fn visit_string<E: de::Error>(self, value: String) -> Result<Value, E> {
        Ok(Value::String(value))
    }

    fn visit_unit<E: de::Error>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_none<E: de::Error>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_some<D: serde::Deserializer<'de>>(self, deserializer: D) -> Result<Value, D::Error> {
        self.deserialize(deserializer)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        self.enter()?;
        let mut elements = Vec::new();
        let inner = Seed {
            depth: self.depth + 1,
            ..self
        };
        while let Some(element) = seq.next_element_seed(inner)? {
            if self.depth == 1 && elements.len() >= self.reader.limits.max_entries {
                return Err(self.reader.fail(RarError::TooManyEntries {
                    max: self.reader.limits.max_entries,
                }));
            }
            elements.push(element);
        }
        Ok(Value::Array(elements))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        self.enter()?;
        let mut object = serde_json::Map::new();
        let mut seen = BTreeSet::new();
        let inner = Seed {
            depth: self.depth + 1,
            ..self
        };
        while let Some(name) = map.next_key::<String>()? {
            if !seen.insert(name.clone()) {
                return Err(self.reader.fail(RarError::DuplicateMember { name }));
            }
            let value = map.next_value_seed(inner)?;
            object.insert(name, value);
        }
        Ok(Value::Object(object))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limits(max_bytes: usize, max_entries: usize, max_depth: usize) -> RarLimits {
        RarLimits::default()
            .with_max_bytes(max_bytes)
            .with_max_entries(max_entries)
            .with_max_depth(max_depth)
    }

    #[test]
    fn reads_plain_json() {
        let v = read(
            r#"[{"a": [1, -2, 2.5, true, null, "s"]}]"#,
            &RarLimits::default(),
        )
        .unwrap();
        assert_eq!(v, serde_json::json!([{"a": [1, -2, 2.5, true, null, "s"]}]));
    }

    #[test]
    fn byte_limit_is_checked_first() {
        assert_eq!(
            read("[  ]", &limits(3, 10, 10)),
            Err(RarError::TooLarge { len: 4, max: 3 })
        );
        assert!(read("[ ]", &limits(3, 10, 10)).is_ok());
    }

    #[test]
    fn depth_counts_containers() {
        assert!(read("[[[]]]", &limits(100, 10, 3)).is_ok());
        assert_eq!(
            read("[[[[]]]]", &limits(100, 10, 3)),
            Err(RarError::TooDeep { max: 3 })
        );
        assert_eq!(
            read(r#"[{"a":{"b":{}}}]"#, &limits(100, 10, 3)),
            Err(RarError::TooDeep { max: 3 })
        );
        // Scalars do not add depth.
        assert!(read(r#"[{"a":{"b":1}}]"#, &limits(100, 10, 3)).is_ok());
    }

    #[test]
    fn deep_nesting_fails_on_the_limit_not_the_parser() {
        let deep = format!("{}{}", "[".repeat(5000), "]".repeat(5000));
        assert_eq!(
            read(&deep, &limits(1 << 20, 10, 8)),
            Err(RarError::TooDeep { max: 8 })
        );
    }

    #[test]
    fn entry_limit_applies_to_the_outer_array_only() {
        assert!(read("[1,2]", &limits(100, 2, 5)).is_ok());
        assert_eq!(
            read("[1,2,3]", &limits(100, 2, 5)),
            Err(RarError::TooManyEntries { max: 2 })
        );
        assert!(read("[[1,2,3]]", &limits(100, 2, 5)).is_ok());
    }

    #[test]
    fn duplicate_members_are_refused_at_any_level() {
        assert_eq!(
            read(r#"[{"type":"a","type":"b"}]"#, &RarLimits::default()),
            Err(RarError::DuplicateMember {
                name: "type".into()
            })
        );
        assert_eq!(
            read(r#"[{"x":{"k":1,"k":1}}]"#, &RarLimits::default()),
            Err(RarError::DuplicateMember { name: "k".into() })
        );
        // Escaped and plain spellings of one name are the same name.
        assert_eq!(
            read(r#"[{"type":"a","typ\u0065":"b"}]"#, &RarLimits::default()),
            Err(RarError::DuplicateMember {
                name: "type".into()
            })
        );
    }

    #[test]
    fn syntax_errors_and_trailing_data() {
        for bad in ["", "[", "[1,]", "[] []", "[]x", "{\"a\" 1}", "[NaN]"] {
            assert!(
                matches!(
                    read(bad, &RarLimits::default()),
                    Err(RarError::InvalidJson { .. })
                ),
                "{bad:?}"
            );
        }
        assert!(read(" [] \n", &RarLimits::default()).is_ok());
    }

    #[test]
    fn read_value_reports_typed_limit_errors() {
        let value = serde_json::json!([[[[1]]]]);
        assert_eq!(
            read_value(&value, &limits(0, 10, 3)),
            Err(RarError::TooDeep { max: 3 })
        );
        assert_eq!(read_value(&value, &limits(0, 10, 4)), Ok(value));
    }

    #[test]
    fn read_from_applies_limits_to_other_deserializers() {
        let value = serde_json::json!([[[[1]]]]);
        let error = read_from(value, &limits(0, 10, 3)).unwrap_err();
        assert!(error.to_string().contains("deeper than 3"), "{error}");
    }
}

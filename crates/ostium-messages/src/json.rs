//! JSON bodies: bounded parsing and the error it reports, and a writer for the responses written
//! on every request (RFC 8259 §4, §7), which produces serde_json's compact bytes.

use std::fmt;

use serde::de::DeserializeOwned;

/// Largest JSON body parsed, in bytes (1 MiB). Nesting is bounded by `serde_json`'s recursion
/// limit (128).
pub const MAX_JSON_BYTES: usize = 1024 * 1024;

/// A JSON body could not be parsed into the expected message.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum JsonError {
    /// The body is larger than [`MAX_JSON_BYTES`].
    TooLarge,
    /// The body is not the expected JSON (syntax, type, or a field's rule); the text says which.
    Invalid(String),
    /// The `Content-Type` is not `application/json`.
    UnsupportedContentType,
}

impl fmt::Display for JsonError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::TooLarge => write!(f, "JSON body exceeds {MAX_JSON_BYTES} bytes"),
            Self::Invalid(reason) => write!(f, "invalid JSON body: {reason}"),
            Self::UnsupportedContentType => {
                f.write_str("content type application/json is required")
            }
        }
    }
}

impl std::error::Error for JsonError {}

/// Parses a bounded JSON body.
pub(crate) fn from_slice<T: DeserializeOwned>(body: &[u8]) -> Result<T, JsonError> {
    if body.len() > MAX_JSON_BYTES {
        return Err(JsonError::TooLarge);
    }
    serde_json::from_slice(body)
        .map_err(|e| JsonError::Invalid(crate::params::clip_long(&e.to_string())))
}

/// Serializes a message; the message types of this crate always serialize.
pub(crate) fn to_vec<T: serde::Serialize>(value: &T) -> Vec<u8> {
    // Serializing these types cannot fail: string keys, no non-finite floats, no custom
    // serializers that error. An empty object is the harmless fallback.
    serde_json::to_vec(value).unwrap_or_else(|_| b"{}".to_vec())
}

/// A JSON object written member by member into one buffer, with exactly the bytes serde_json's
/// compact serializer writes for the same members: strings escaped as serde_json escapes them
/// (`\"`, `\\`, the short escapes of `\b \t \n \f \r`, `\u00xx` in lowercase for the other
/// controls; nothing else), integers in decimal, any other value through serde_json itself.
pub(crate) struct ObjectWriter {
    out: Vec<u8>,
    empty: bool,
}

impl ObjectWriter {
    /// An object whose members take about `capacity` bytes.
    pub(crate) fn with_capacity(capacity: usize) -> Self {
        let mut out = Vec::with_capacity(capacity);
        out.push(b'{');
        Self { out, empty: true }
    }

    fn name(&mut self, name: &str) {
        if !self.empty {
            self.out.push(b',');
        }
        self.empty = false;
        push_string(&mut self.out, name);
        self.out.push(b':');
    }

    /// A member name this crate defines: plain ASCII that needs no escaping, copied as it is.
    fn known_name(&mut self, name: &'static str) {
        debug_assert!(!name.bytes().any(|b| escape(b).is_some()), "{name}");
        if !self.empty {
            self.out.push(b',');
        }
        self.empty = false;
        self.out.push(b'"');
        self.out.extend_from_slice(name.as_bytes());
        self.out.extend_from_slice(b"\":");
    }

    /// A string member.
    pub(crate) fn string(&mut self, name: &'static str, value: &str) {
        self.known_name(name);
        push_string(&mut self.out, value);
    }

    /// A string member made of `parts` joined by single spaces (a scope, RFC 6749 §3.3).
    pub(crate) fn words<'a>(&mut self, name: &'static str, parts: impl Iterator<Item = &'a str>) {
        self.known_name(name);
        self.out.push(b'"');
        for (index, part) in parts.enumerate() {
            if index > 0 {
                self.out.push(b' ');
            }
            push_escaped(&mut self.out, part);
        }
        self.out.push(b'"');
    }

    /// An integer member.
    pub(crate) fn integer(&mut self, name: &'static str, value: u64) {
        self.known_name(name);
        let mut digits = [0u8; 20];
        let mut rest = value;
        let mut length = 0;
        for slot in digits.iter_mut().rev() {
            // `rest % 10` is a single digit.
            *slot = b'0' + (rest % 10) as u8;
            rest /= 10;
            length += 1;
            if rest == 0 {
                break;
            }
        }
        let start = digits.len() - length;
        self.out
            .extend_from_slice(digits.get(start..).unwrap_or_default());
    }

    /// A member of any serializable value, written by serde_json.
    ///
    /// # Errors
    ///
    /// serde_json's, when `value` does not serialize (the object is then unusable).
    pub(crate) fn value<T: serde::Serialize + ?Sized>(
        &mut self,
        name: &str,
        value: &T,
    ) -> Result<(), serde_json::Error> {
        self.name(name);
        serde_json::to_writer(&mut self.out, value)
    }

    /// The object's bytes.
    pub(crate) fn finish(mut self) -> Vec<u8> {
        self.out.push(b'}');
        self.out
    }
}

/// Appends `text` as a JSON string.
fn push_string(out: &mut Vec<u8>, text: &str) {
    out.push(b'"');
    push_escaped(out, text);
    out.push(b'"');
}

/// Appends `text` escaped as serde_json escapes string contents. Most text needs no escape:
/// one pass without an early exit (which the compiler vectorizes) says so, and the text is
/// copied whole; otherwise the runs between escapes are copied as slices.
fn push_escaped(out: &mut Vec<u8>, text: &str) {
    let bytes = text.as_bytes();
    let needs_escape = bytes.iter().fold(false, |needs, &b| {
        needs | (b < 0x20) | (b == b'"') | (b == b'\\')
    });
    if !needs_escape {
        out.extend_from_slice(bytes);
        return;
    }
    let mut start = 0;
    for (at, &b) in bytes.iter().enumerate() {
        if let Some(escape) = escape(b) {
            out.extend_from_slice(bytes.get(start..at).unwrap_or_default());
            out.extend_from_slice(escape.as_bytes());
            start = at + 1;
        }
    }
    out.extend_from_slice(bytes.get(start..).unwrap_or_default());
}

/// serde_json's escape for `b`, if it has one.
fn escape(b: u8) -> Option<&'static str> {
    const CONTROLS: [&str; 32] = [
        "\\u0000", "\\u0001", "\\u0002", "\\u0003", "\\u0004", "\\u0005", "\\u0006", "\\u0007",
        "\\b", "\\t", "\\n", "\\u000b", "\\f", "\\r", "\\u000e", "\\u000f", "\\u0010", "\\u0011",
        "\\u0012", "\\u0013", "\\u0014", "\\u0015", "\\u0016", "\\u0017", "\\u0018", "\\u0019",
        "\\u001a", "\\u001b", "\\u001c", "\\u001d", "\\u001e", "\\u001f",
    ];
    match b {
        b'"' => Some("\\\""),
        b'\\' => Some("\\\\"),
        _ => CONTROLS.get(usize::from(b)).copied(),
    }
}

/// Checks a JSON `Content-Type` (`application/json`, any parameters).
///
/// # Errors
///
/// [`JsonError::UnsupportedContentType`].
pub fn check_json_content_type(content_type: Option<&str>) -> Result<(), JsonError> {
    let media = content_type
        .and_then(|c| c.split(';').next())
        .map(str::trim)
        .unwrap_or_default();
    if media.eq_ignore_ascii_case("application/json") {
        Ok(())
    } else {
        Err(JsonError::UnsupportedContentType)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn size_is_bounded() {
        let big = vec![b' '; MAX_JSON_BYTES + 1];
        assert_eq!(
            from_slice::<serde_json::Value>(&big),
            Err(JsonError::TooLarge)
        );
        assert!(matches!(
            from_slice::<serde_json::Value>(b"{"),
            Err(JsonError::Invalid(_))
        ));
    }

    #[test]
    fn deep_nesting_is_an_error_not_a_crash() {
        let deep = "[".repeat(100_000);
        assert!(from_slice::<serde_json::Value>(deep.as_bytes()).is_err());
    }

    #[test]
    fn content_type() {
        assert!(check_json_content_type(Some("application/json; charset=utf-8")).is_ok());
        assert!(check_json_content_type(Some("text/json")).is_err());
        assert!(check_json_content_type(None).is_err());
    }

    /// `text` as a member value, and as a member name (names other than this crate's own go
    /// through `value`, which escapes them).
    fn written(text: &str) -> String {
        let mut object = ObjectWriter::with_capacity(0);
        object.string("text", text);
        object.value(text, text).unwrap();
        String::from_utf8(object.finish()).unwrap()
    }

    #[test]
    fn strings_are_escaped_as_serde_json_escapes_them() {
        let every_ascii: String = (0u8..0x80).map(char::from).collect();
        for text in [
            "",
            "plain",
            "a\"b\\c",
            "\u{7f}\u{e9}\u{2713}\u{1F600}",
            &every_ascii,
            &every_ascii.repeat(3)[5..],
        ] {
            let member = serde_json::to_string(&std::collections::BTreeMap::from([(text, text)]));
            let expected = format!(
                "{{\"text\":{},{}",
                serde_json::to_string(text).unwrap(),
                &member.unwrap()[1..]
            );
            assert_eq!(written(text), expected, "{text:?}");
        }
    }

    proptest::proptest! {
        #[test]
        fn objects_are_written_as_serde_json_writes_them(
            text in "(\\PC|[\\x00-\\x1f\"\\\\]){0,40}",
            words in proptest::collection::vec("[ -~]{0,5}", 0..4),
            integer: u64,
        ) {
            let mut object = ObjectWriter::with_capacity(0);
            object.string("string", &text);
            object.words("words", words.iter().map(String::as_str));
            object.integer("integer", integer);
            object.value(&text, &text).unwrap();
            let mut member = serde_json::Map::new();
            member.insert(text.clone(), text.clone().into());
            let written = String::from_utf8(object.finish()).unwrap();
            let expected = format!(
                "{{\"string\":{},\"words\":{},\"integer\":{},{}",
                serde_json::to_string(&text).unwrap(),
                serde_json::to_string(&words.join(" ")).unwrap(),
                integer,
                &serde_json::to_string(&member).unwrap()[1..],
            );
            proptest::prop_assert_eq!(written, expected);
        }
    }
}

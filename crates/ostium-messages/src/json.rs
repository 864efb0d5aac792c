//! JSON bodies: bounded parsing and the error it reports.

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
}

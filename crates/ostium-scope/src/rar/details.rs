//! The `authorization_details` array (RFC 9396 §2).

use std::fmt;

use serde_json::Value;

use super::coverage::RarCoverage;
use super::detail::AuthorizationDetail;
use super::error::RarError;
use super::json;
use super::limits::RarLimits;

/// The value of `authorization_details` (RFC 9396 §2): a JSON array of
/// [`AuthorizationDetail`]s.
///
/// In a form-encoded request the parameter holds the JSON text (RFC 9396 §3); pass that text to
/// [`AuthorizationDetails::parse`]. Reading is strict and bounded: the [`RarLimits`] are checked while
/// reading, and an object with a repeated member name is refused (different parsers would keep
/// different copies). serde reads with the default limits and writes the JSON array.
///
/// ```
/// use ostium_scope::AuthorizationDetails;
///
/// let granted = AuthorizationDetails::parse(
///     r#"[{"type": "files", "actions": ["read", "write"], "locations": ["https://files.example"]}]"#,
/// )?;
/// let needed = AuthorizationDetails::parse(
///     r#"[{"type": "files", "actions": ["write"], "locations": ["https://files.example"]}]"#,
/// )?;
/// assert!(granted.covers(&needed));
/// assert!(!needed.covers(&granted));
/// assert_eq!(AuthorizationDetails::parse(&granted.to_json_string())?, granted);
/// # Ok::<(), ostium_scope::RarError>(())
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct AuthorizationDetails(Vec<AuthorizationDetail>);

impl AuthorizationDetails {
    /// No entries.
    #[must_use]
    pub const fn new() -> Self {
        Self(Vec::new())
    }

    /// Parses the JSON text of `authorization_details` with the default [`RarLimits`].
    ///
    /// # Errors
    ///
    /// As [`AuthorizationDetails::parse_with_limits`].
    pub fn parse(json: &str) -> Result<Self, RarError> {
        Self::parse_with_limits(json, &RarLimits::default())
    }

    /// Parses the JSON text of `authorization_details` within `limits`.
    ///
    /// # Errors
    ///
    /// A [`RarError`] (wire code `invalid_authorization_details`): too large, too deep, too many
    /// entries, not JSON, a repeated member name, not an array, or a malformed entry (naming it).
    pub fn parse_with_limits(json: &str, limits: &RarLimits) -> Result<Self, RarError> {
        Self::from_value_unchecked(&json::read(json, limits)?)
    }

    /// Reads `authorization_details` from an already parsed JSON value within `limits` (the byte limit
    /// does not apply).
    ///
    /// # Errors
    ///
    /// As [`AuthorizationDetails::parse_with_limits`], except [`RarError::TooLarge`] and
    /// [`RarError::DuplicateMember`] (a `Value` cannot hold a repeated member).
    pub fn from_value(value: &Value, limits: &RarLimits) -> Result<Self, RarError> {
        Self::from_value_unchecked(&json::read_value(value, limits)?)
    }

    fn from_value_unchecked(value: &Value) -> Result<Self, RarError> {
        let entries = value.as_array().ok_or(RarError::NotAnArray)?;
        entries
            .iter()
            .enumerate()
            .map(|(entry, value)| {
                AuthorizationDetail::from_value(value)
                    .map_err(|error| RarError::Entry { entry, error })
            })
            .collect::<Result<Vec<_>, _>>()
            .map(Self)
    }

    /// The entries, in order.
    #[must_use]
    pub fn as_slice(&self) -> &[AuthorizationDetail] {
        &self.0
    }

    /// The entries, in order.
    pub fn iter(&self) -> std::slice::Iter<'_, AuthorizationDetail> {
        self.0.iter()
    }

    /// The number of entries.
    #[must_use]
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether there is no entry.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Appends an entry.
    pub fn push(&mut self, detail: AuthorizationDetail) {
        self.0.push(detail);
    }

    /// The distinct `type`s of the entries, sorted.
    #[must_use]
    pub fn types(&self) -> std::collections::BTreeSet<&str> {
        self.0
            .iter()
            .map(AuthorizationDetail::detail_type)
            .collect()
    }

    /// The JSON array.
    #[must_use]
    pub fn to_value(&self) -> Value {
        Value::Array(self.0.iter().map(AuthorizationDetail::to_value).collect())
    }

    /// The JSON text, as a form parameter or JSON member carries it (compact; extension members of an
    /// entry sorted by name).
    #[must_use]
    pub fn to_json_string(&self) -> String {
        self.to_value().to_string()
    }

    /// Whether `self`, as granted, covers `required`, with the default [`RarCoverage`] (extension fields
    /// must be equal). See [`RarCoverage`] for the rules.
    #[must_use]
    pub fn covers(&self, required: &AuthorizationDetails) -> bool {
        RarCoverage::new().covers(self, required)
    }
}

impl fmt::Display for AuthorizationDetails {
    /// The JSON text.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.to_value(), f)
    }
}

impl From<Vec<AuthorizationDetail>> for AuthorizationDetails {
    fn from(entries: Vec<AuthorizationDetail>) -> Self {
        Self(entries)
    }
}

impl FromIterator<AuthorizationDetail> for AuthorizationDetails {
    fn from_iter<I: IntoIterator<Item = AuthorizationDetail>>(iter: I) -> Self {
        Self(iter.into_iter().collect())
    }
}

impl Extend<AuthorizationDetail> for AuthorizationDetails {
    fn extend<I: IntoIterator<Item = AuthorizationDetail>>(&mut self, iter: I) {
        self.0.extend(iter);
    }
}

impl<'a> IntoIterator for &'a AuthorizationDetails {
    type Item = &'a AuthorizationDetail;
    type IntoIter = std::slice::Iter<'a, AuthorizationDetail>;

    fn into_iter(self) -> Self::IntoIter {
        self.iter()
    }
}

impl IntoIterator for AuthorizationDetails {
    type Item = AuthorizationDetail;
    type IntoIter = std::vec::IntoIter<AuthorizationDetail>;

    fn into_iter(self) -> Self::IntoIter {
        self.0.into_iter()
    }
}

impl serde::Serialize for AuthorizationDetails {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.to_value().serialize(serializer)
    }
}

impl<'de> serde::Deserialize<'de> for AuthorizationDetails {
    /// Reads the JSON array with the default [`RarLimits`] (depth and entries), refusing repeated
    /// member names.
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let value = json::read_from(deserializer, &RarLimits::default())?;
        Self::from_value_unchecked(&value).map_err(serde::de::Error::custom)
    }
}

impl serde::Serialize for AuthorizationDetail {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.to_value().serialize(serializer)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn parses_the_rfc_example() {
        // RFC 9396 §2, Figure 2 (payment initiation).
        let text = r#"[
          {
            "type": "payment_initiation",
            "actions": ["initiate", "status", "cancel"],
            "locations": ["https://example.com/payments"],
            "instructedAmount": {"currency": "EUR", "amount": "123.50"},
            "creditorName": "Merchant A",
            "creditorAccount": {"bic": "ABCIDEFFXXX", "iban": "DE02100100109307118603"},
            "remittanceInformationUnstructured": "Ref Number Merchant"
          }
        ]"#;
        let details = AuthorizationDetails::parse(text).unwrap();
        assert_eq!(details.len(), 1);
        let entry = &details.as_slice()[0];
        assert_eq!(entry.detail_type(), "payment_initiation");
        assert_eq!(entry.extensions().len(), 4);
        assert_eq!(
            details.types().into_iter().collect::<Vec<_>>(),
            ["payment_initiation"]
        );
        let reparsed = AuthorizationDetails::parse(&details.to_json_string()).unwrap();
        assert_eq!(reparsed, details);
    }

    #[test]
    fn structural_errors() {
        assert_eq!(AuthorizationDetails::parse("{}"), Err(RarError::NotAnArray));
        assert_eq!(
            AuthorizationDetails::parse(r#"[{"type":"a"}, 5]"#),
            Err(RarError::Entry {
                entry: 1,
                error: super::super::error::EntryError::NotAnObject
            })
        );
        assert!(matches!(
            AuthorizationDetails::parse("[{\"type\":\"a\"}"),
            Err(RarError::InvalidJson { .. })
        ));
        assert!(AuthorizationDetails::parse("[]").unwrap().is_empty());
    }

    #[test]
    fn from_value_applies_depth_and_entry_limits() {
        let limits = RarLimits::default().with_max_entries(1).with_max_depth(3);
        assert_eq!(
            AuthorizationDetails::from_value(&json!([{"type": "a"}, {"type": "b"}]), &limits),
            Err(RarError::TooManyEntries { max: 1 })
        );
        assert_eq!(
            AuthorizationDetails::from_value(&json!([{"type": "a", "x": {"y": {}}}]), &limits),
            Err(RarError::TooDeep { max: 3 })
        );
        assert_eq!(
            AuthorizationDetails::from_value(&json!([{"type": "a", "x": {"y": 1}}]), &limits)
                .unwrap()
                .len(),
            1
        );
    }

    #[test]
    fn serde_round_trip_and_strictness() {
        let details =
            AuthorizationDetails::parse(r#"[{"type":"a","actions":["r"],"z":1}]"#).unwrap();
        let text = serde_json::to_string(&details).unwrap();
        assert_eq!(text, r#"[{"actions":["r"],"type":"a","z":1}]"#);
        assert_eq!(
            serde_json::from_str::<AuthorizationDetails>(&text).unwrap(),
            details
        );
        assert!(
            serde_json::from_str::<AuthorizationDetails>(r#"[{"type":"a","type":"a"}]"#).is_err()
        );
        assert!(serde_json::from_str::<AuthorizationDetails>(r#"[{"actions":[]}]"#).is_err());
        assert_eq!(details.to_string(), text);
    }

    #[test]
    fn collection_helpers() {
        let a = AuthorizationDetail::new("a").unwrap();
        let mut details: AuthorizationDetails = vec![a.clone()].into();
        details.push(AuthorizationDetail::new("b").unwrap());
        assert_eq!(details.iter().count(), 2);
        assert_eq!((&details).into_iter().count(), 2);
        let collected: AuthorizationDetails = details.clone().into_iter().collect();
        assert_eq!(collected, details);
        details.extend([a]);
        assert_eq!(details.len(), 3);
        assert_eq!(AuthorizationDetails::new(), AuthorizationDetails::default());
    }
}

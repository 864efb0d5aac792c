//! One authorization details entry (RFC 9396 §2).

use std::collections::BTreeMap;

use serde_json::Value;

use super::error::EntryError;

/// The names of the common data fields (RFC 9396 §2, §2.2); an extension field may not use them.
pub(crate) const COMMON_FIELDS: [&str; 6] = [
    "type",
    "locations",
    "actions",
    "datatypes",
    "identifier",
    "privileges",
];

/// One entry of `authorization_details` (RFC 9396 §2): a `type` and the common data fields of
/// §2.2, plus any type-specific extension fields, which are kept as they came.
///
/// An absent field and an empty array are different values and both are kept, because the
/// [coverage rules](crate::RarCoverage) treat them differently. Arrays keep their order and
/// duplicates, so that an entry serializes back exactly as it was read.
///
/// ```
/// use ostium_scope::AuthorizationDetail;
/// use serde_json::json;
///
/// let detail = AuthorizationDetail::new("payment_initiation")?
///     .with_actions(["initiate", "status"])
///     .with_locations(["https://example.com/payments"])
///     .with_extension("instructedAmount", json!({"currency": "EUR", "amount": "123.50"}))?;
/// assert_eq!(detail.detail_type(), "payment_initiation");
/// assert_eq!(detail.actions(), Some(&["initiate".to_owned(), "status".to_owned()][..]));
/// assert_eq!(detail.datatypes(), None);
/// assert!(detail.extension("instructedAmount").is_some());
/// # Ok::<(), ostium_scope::EntryError>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AuthorizationDetail {
    detail_type: String,
    locations: Option<Vec<String>>,
    actions: Option<Vec<String>>,
    datatypes: Option<Vec<String>>,
    identifier: Option<String>,
    privileges: Option<Vec<String>>,
    extensions: BTreeMap<String, Value>,
}

impl AuthorizationDetail {
    /// An entry of the given `type` with no other field.
    ///
    /// # Errors
    ///
    /// [`EntryError::EmptyType`] if `detail_type` is empty.
    pub fn new(detail_type: impl Into<String>) -> Result<Self, EntryError> {
        let detail_type = detail_type.into();
        if detail_type.is_empty() {
            return Err(EntryError::EmptyType);
        }
        Ok(Self {
            detail_type,
            locations: None,
            actions: None,
            datatypes: None,
            identifier: None,
            privileges: None,
            extensions: BTreeMap::new(),
        })
    }

    /// Sets `locations`: URIs of the resource servers the access is for (RFC 9396 §2.2).
    #[must_use]
    pub fn with_locations<S: Into<String>>(
        mut self,
        locations: impl IntoIterator<Item = S>,
    ) -> Self {
        self.locations = Some(locations.into_iter().map(Into::into).collect());
        self
    }

    /// Sets `actions`: the kinds of actions to be taken at the resource (RFC 9396 §2.2).
    #[must_use]
    pub fn with_actions<S: Into<String>>(mut self, actions: impl IntoIterator<Item = S>) -> Self {
        self.actions = Some(actions.into_iter().map(Into::into).collect());
        self
    }

    /// Sets `datatypes`: the kinds of data being requested (RFC 9396 §2.2).
    #[must_use]
    pub fn with_datatypes<S: Into<String>>(
        mut self,
        datatypes: impl IntoIterator<Item = S>,
    ) -> Self {
        self.datatypes = Some(datatypes.into_iter().map(Into::into).collect());
        self
    }

    /// Sets `identifier`: a specific resource at the API (RFC 9396 §2.2).
    #[must_use]
    pub fn with_identifier(mut self, identifier: impl Into<String>) -> Self {
        self.identifier = Some(identifier.into());
        self
    }

    /// Sets `privileges`: the types or levels of privilege being requested (RFC 9396 §2.2).
    #[must_use]
    pub fn with_privileges<S: Into<String>>(
        mut self,
        privileges: impl IntoIterator<Item = S>,
    ) -> Self {
        self.privileges = Some(privileges.into_iter().map(Into::into).collect());
        self
    }

    /// Adds the type-specific extension field `name`.
    ///
    /// # Errors
    ///
    /// [`EntryError::ReservedName`] if `name` is one of the common fields (`type`, `locations`,
    /// `actions`, `datatypes`, `identifier`, `privileges`).
    pub fn with_extension(
        mut self,
        name: impl Into<String>,
        value: Value,
    ) -> Result<Self, EntryError> {
        let name = name.into();
        if COMMON_FIELDS.contains(&name.as_str()) {
            return Err(EntryError::ReservedName { name });
        }
        self.extensions.insert(name, value);
        Ok(self)
    }

    /// The `type` (RFC 9396 §2).
    #[must_use]
    pub fn detail_type(&self) -> &str {
        &self.detail_type
    }

    /// `locations`, if present.
    #[must_use]
    pub fn locations(&self) -> Option<&[String]> {
        self.locations.as_deref()
    }

    /// `actions`, if present.
    #[must_use]
    pub fn actions(&self) -> Option<&[String]> {
        self.actions.as_deref()
    }

    /// `datatypes`, if present.
    #[must_use]
    pub fn datatypes(&self) -> Option<&[String]> {
        self.datatypes.as_deref()
    }

    /// `identifier`, if present.
    #[must_use]
    pub fn identifier(&self) -> Option<&str> {
        self.identifier.as_deref()
    }

    /// `privileges`, if present.
    #[must_use]
    pub fn privileges(&self) -> Option<&[String]> {
        self.privileges.as_deref()
    }

    /// The extension fields, by name.
    #[must_use]
    pub fn extensions(&self) -> &BTreeMap<String, Value> {
        &self.extensions
    }

    /// The extension field `name`, if present.
    #[must_use]
    pub fn extension(&self, name: &str) -> Option<&Value> {
        self.extensions.get(name)
    }

    /// The entry as a JSON object.
    #[must_use]
    pub fn to_value(&self) -> Value {
        let strings = |values: &[String]| Value::from(values.to_vec());
        let mut object = serde_json::Map::new();
        object.insert("type".into(), Value::from(self.detail_type.as_str()));
        let arrays = [
            ("locations", &self.locations),
            ("actions", &self.actions),
            ("datatypes", &self.datatypes),
            ("privileges", &self.privileges),
        ];
        for (name, values) in arrays {
            if let Some(values) = values {
                object.insert(name.into(), strings(values));
            }
        }
        if let Some(identifier) = &self.identifier {
            object.insert("identifier".into(), Value::from(identifier.as_str()));
        }
        for (name, value) in &self.extensions {
            object.insert(name.clone(), value.clone());
        }
        Value::Object(object)
    }

    /// Reads an entry from a JSON value.
    ///
    /// # Errors
    ///
    /// An [`EntryError`]: not an object, no `type` or an empty one, or a common field of the wrong
    /// JSON type.
    pub fn from_value(value: &Value) -> Result<Self, EntryError> {
        let object = value.as_object().ok_or(EntryError::NotAnObject)?;
        let detail_type = match object.get("type") {
            None => return Err(EntryError::MissingType),
            Some(Value::String(text)) => text.clone(),
            Some(_) => return Err(wrong_type("type", "a string")),
        };
        let mut detail = Self::new(detail_type)?;
        detail.locations = string_array(object, "locations")?;
        detail.actions = string_array(object, "actions")?;
        detail.datatypes = string_array(object, "datatypes")?;
        detail.privileges = string_array(object, "privileges")?;
        detail.identifier = match object.get("identifier") {
            None => None,
            Some(Value::String(text)) => Some(text.clone()),
            Some(_) => return Err(wrong_type("identifier", "a string")),
        };
        detail.extensions = object
            .iter()
            .filter(|(name, _)| !COMMON_FIELDS.contains(&name.as_str()))
            .map(|(name, value)| (name.clone(), value.clone()))
            .collect();
        Ok(detail)
    }
}

fn wrong_type(field: &'static str, expected: &'static str) -> EntryError {
    EntryError::WrongType { field, expected }
}

fn string_array(
    object: &serde_json::Map<String, Value>,
    field: &'static str,
) -> Result<Option<Vec<String>>, EntryError> {
    let Some(value) = object.get(field) else {
        return Ok(None);
    };
    let not_strings = || wrong_type(field, "an array of strings");
    let elements = value.as_array().ok_or_else(not_strings)?;
    elements
        .iter()
        .map(|element| element.as_str().map(str::to_owned).ok_or_else(not_strings))
        .collect::<Result<Vec<_>, _>>()
        .map(Some)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn reads_every_common_field_and_keeps_extensions() {
        let value = json!({
            "type": "account_information",
            "locations": ["https://a.example"],
            "actions": ["list_accounts", "read_balances"],
            "datatypes": ["balances"],
            "identifier": "account-1",
            "privileges": ["admin"],
            "x-custom": {"nested": [1, 2]},
        });
        let detail = AuthorizationDetail::from_value(&value).unwrap();
        assert_eq!(detail.detail_type(), "account_information");
        assert_eq!(detail.locations().unwrap(), ["https://a.example"]);
        assert_eq!(
            detail.actions().unwrap(),
            ["list_accounts", "read_balances"]
        );
        assert_eq!(detail.datatypes().unwrap(), ["balances"]);
        assert_eq!(detail.identifier(), Some("account-1"));
        assert_eq!(detail.privileges().unwrap(), ["admin"]);
        assert_eq!(
            detail.extension("x-custom"),
            Some(&json!({"nested": [1, 2]}))
        );
        assert_eq!(detail.extensions().len(), 1);
        assert_eq!(detail.to_value(), value);
    }

    #[test]
    fn absent_and_empty_are_different() {
        let absent = AuthorizationDetail::from_value(&json!({"type": "t"})).unwrap();
        let empty = AuthorizationDetail::from_value(&json!({"type": "t", "actions": []})).unwrap();
        assert_eq!(absent.actions(), None);
        assert_eq!(empty.actions(), Some(&[][..]));
        assert_ne!(absent, empty);
        assert_eq!(empty.to_value(), json!({"type": "t", "actions": []}));
    }

    #[test]
    fn malformed_entries() {
        use EntryError::*;
        for (value, expected) in [
            (json!("t"), NotAnObject),
            (json!({}), MissingType),
            (json!({"type": ""}), EmptyType),
            (json!({"type": 1}), wrong_type("type", "a string")),
            (
                json!({"type": "t", "identifier": 1}),
                wrong_type("identifier", "a string"),
            ),
            (
                json!({"type": "t", "actions": "read"}),
                wrong_type("actions", "an array of strings"),
            ),
            (
                json!({"type": "t", "locations": [1]}),
                wrong_type("locations", "an array of strings"),
            ),
            (
                json!({"type": "t", "datatypes": null}),
                wrong_type("datatypes", "an array of strings"),
            ),
            (
                json!({"type": "t", "privileges": [["a"]]}),
                wrong_type("privileges", "an array of strings"),
            ),
        ] {
            assert_eq!(
                AuthorizationDetail::from_value(&value),
                Err(expected),
                "{value}"
            );
        }
    }

    #[test]
    fn builder_refuses_reserved_extension_names_and_empty_types() {
        assert_eq!(AuthorizationDetail::new(""), Err(EntryError::EmptyType));
        for name in COMMON_FIELDS {
            assert_eq!(
                AuthorizationDetail::new("t")
                    .unwrap()
                    .with_extension(name, json!(1)),
                Err(EntryError::ReservedName { name: name.into() })
            );
        }
    }

    #[test]
    fn builder_output_reads_back() {
        let detail = AuthorizationDetail::new("t")
            .unwrap()
            .with_locations(["l"])
            .with_actions(["a", "a"])
            .with_datatypes(Vec::<String>::new())
            .with_identifier("i")
            .with_privileges(["p"])
            .with_extension("e", json!(null))
            .unwrap();
        assert_eq!(
            AuthorizationDetail::from_value(&detail.to_value()).unwrap(),
            detail
        );
    }
}

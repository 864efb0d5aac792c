//! Whether granted authorization details cover required ones.

use std::collections::BTreeMap;
use std::fmt;

use serde_json::Value;

use super::detail::AuthorizationDetail;
use super::details::AuthorizationDetails;

/// The extension fields of an entry, by name.
pub type Extensions = BTreeMap<String, Value>;

type Comparator = Box<dyn Fn(&Extensions, &Extensions) -> bool + Send + Sync>;

/// Decides whether granted `authorization_details` cover the ones an operation requires
/// (RFC 9396 leaves the comparison to each type; these are the rules when nothing more is known).
///
/// **Granted details cover required ones** when **each** required entry is covered by **one** granted
/// entry. Entries are never combined: a grant of `read` at `A` and `write` at `B` does not cover
/// `write` at `A` (the common fields of one entry combine as a product, RFC 9396 §2.2).
///
/// **A granted entry `g` covers a required entry `r`** when all of these hold:
///
/// 1. `g.type == r.type`, byte for byte.
/// 2. For each of `locations`, `actions`, `datatypes`, `privileges`: if `r` has the field, `g` has it
///    too and every value of `r`'s is in `g`'s (string equality, order and duplicates ignored); if `r`
///    lacks the field, `g` lacks it too.
/// 3. `identifier`: both absent, or both present and equal.
/// 4. The extension fields: equal as JSON values (same names, same values), unless a comparator is
///    registered for the type with [`RarCoverage::with_comparator`], which then decides them (the
///    common fields are still checked as above).
///
/// **Why absent only matches absent.** RFC 9396 does not say whether a missing field means
/// "unrestricted" or "not applicable"; it is type-specific. Matching absent only with absent is correct
/// under either reading: a grant without `locations` is never taken to cover a particular location,
/// and a requirement without `locations` (which may mean "any location") is never covered by a grant
/// restricted to some. An empty array is a present, empty set: it covers only another empty array
/// (and is covered by any present array).
///
/// ```
/// use ostium_scope::{AuthorizationDetails, RarCoverage};
///
/// let granted = AuthorizationDetails::parse(r#"[{"type": "payment", "amount": {"max": 100}}]"#)?;
/// let required = AuthorizationDetails::parse(r#"[{"type": "payment", "amount": {"max": 50}}]"#)?;
/// // By default extension fields must be equal.
/// assert!(!granted.covers(&required));
/// // A type-specific comparator can say that a higher maximum covers a lower one.
/// let coverage = RarCoverage::new().with_comparator("payment", |granted, required| {
///     let max = |e: &ostium_scope::rar::Extensions| e.get("amount")?.get("max")?.as_u64();
///     matches!((max(granted), max(required)), (Some(g), Some(r)) if r <= g)
/// });
/// assert!(coverage.covers(&granted, &required));
/// # Ok::<(), ostium_scope::RarError>(())
/// ```
#[derive(Default)]
pub struct RarCoverage {
    comparators: BTreeMap<String, Comparator>,
}

impl RarCoverage {
    /// The rules above with no comparator: extension fields must be equal.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// Registers how the extension fields of entries of `detail_type` compare: `covers(granted,
    /// required)` returns whether the granted entry's extension fields cover the required entry's.
    #[must_use]
    pub fn with_comparator(
        mut self,
        detail_type: impl Into<String>,
        covers: impl Fn(&Extensions, &Extensions) -> bool + Send + Sync + 'static,
    ) -> Self {
        self.comparators
            .insert(detail_type.into(), Box::new(covers));
        self
    }

    /// Whether each entry of `required` is covered by one entry of `granted`. An empty `required` is
    /// covered by anything.
    #[must_use]
    pub fn covers(&self, granted: &AuthorizationDetails, required: &AuthorizationDetails) -> bool {
        required
            .iter()
            .all(|needed| granted.iter().any(|entry| self.entry_covers(entry, needed)))
    }

    /// Whether the granted entry `granted` covers the entry `required`.
    #[must_use]
    pub fn entry_covers(
        &self,
        granted: &AuthorizationDetail,
        required: &AuthorizationDetail,
    ) -> bool {
        granted.detail_type() == required.detail_type()
            && values_cover(granted.locations(), required.locations())
            && values_cover(granted.actions(), required.actions())
            && values_cover(granted.datatypes(), required.datatypes())
            && values_cover(granted.privileges(), required.privileges())
            && granted.identifier() == required.identifier()
            && match self.comparators.get(granted.detail_type()) {
                Some(covers) => covers(granted.extensions(), required.extensions()),
                None => granted.extensions() == required.extensions(),
            }
    }
}

impl fmt::Debug for RarCoverage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RarCoverage")
            .field("comparators", &self.comparators.keys().collect::<Vec<_>>())
            .finish()
    }
}

/// Absent covers only absent; present covers a present subset.
fn values_cover(granted: Option<&[String]>, required: Option<&[String]>) -> bool {
    match (granted, required) {
        (None, None) => true,
        (Some(granted), Some(required)) => required.iter().all(|value| granted.contains(value)),
        _ => false,
    }
}

impl AuthorizationDetail {
    /// Whether this granted entry covers `required` under the default [`RarCoverage`] rules.
    #[must_use]
    pub fn covers(&self, required: &AuthorizationDetail) -> bool {
        RarCoverage::new().entry_covers(self, required)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn entry(value: Value) -> AuthorizationDetail {
        AuthorizationDetail::from_value(&value).unwrap()
    }

    fn details(value: Value) -> AuthorizationDetails {
        AuthorizationDetails::from_value(&value, &Default::default()).unwrap()
    }

    #[test]
    fn type_must_match() {
        assert!(entry(json!({"type": "a"})).covers(&entry(json!({"type": "a"}))));
        assert!(!entry(json!({"type": "a"})).covers(&entry(json!({"type": "A"}))));
    }

    #[test]
    fn present_dimensions_are_subsets() {
        let g = entry(json!({"type": "t", "actions": ["read", "write"], "locations": ["x", "y"]}));
        assert!(g.covers(&entry(
            json!({"type": "t", "actions": ["write"], "locations": ["y"]})
        )));
        assert!(g.covers(&entry(
            json!({"type": "t", "actions": ["write", "read", "read"], "locations": ["x", "y"]})
        )));
        assert!(g.covers(&entry(
            json!({"type": "t", "actions": [], "locations": ["x"]})
        )));
        assert!(!g.covers(&entry(
            json!({"type": "t", "actions": ["delete"], "locations": ["x"]})
        )));
        assert!(!g.covers(&entry(
            json!({"type": "t", "actions": ["read"], "locations": ["z"]})
        )));
    }

    #[test]
    fn absent_matches_only_absent() {
        let unrestricted = entry(json!({"type": "t", "actions": ["read"]}));
        let restricted = entry(json!({"type": "t", "actions": ["read"], "locations": ["x"]}));
        assert!(!unrestricted.covers(&restricted));
        assert!(!restricted.covers(&unrestricted));
        assert!(unrestricted.covers(&unrestricted));
        for field in ["datatypes", "privileges"] {
            let mut with = json!({"type": "t"});
            with[field] = json!(["v"]);
            assert!(
                !entry(json!({"type": "t"})).covers(&entry(with.clone())),
                "{field}"
            );
            assert!(
                !entry(with.clone()).covers(&entry(json!({"type": "t"}))),
                "{field}"
            );
            assert!(entry(with.clone()).covers(&entry(with)), "{field}");
        }
        let empty = entry(json!({"type": "t", "actions": []}));
        assert!(!empty.covers(&entry(json!({"type": "t", "actions": ["read"]}))));
        assert!(!empty.covers(&entry(json!({"type": "t"}))));
        assert!(empty.covers(&empty));
    }

    #[test]
    fn identifier_must_be_equal_or_both_absent() {
        let g = entry(json!({"type": "t", "identifier": "acct-1"}));
        assert!(g.covers(&entry(json!({"type": "t", "identifier": "acct-1"}))));
        assert!(!g.covers(&entry(json!({"type": "t", "identifier": "acct-2"}))));
        assert!(!g.covers(&entry(json!({"type": "t"}))));
        assert!(!entry(json!({"type": "t"})).covers(&g));
    }

    #[test]
    fn extensions_must_be_equal_by_default() {
        let g = entry(json!({"type": "t", "limit": 100, "currency": "EUR"}));
        assert!(g.covers(&entry(
            json!({"type": "t", "currency": "EUR", "limit": 100})
        )));
        assert!(!g.covers(&entry(json!({"type": "t", "limit": 50, "currency": "EUR"}))));
        assert!(!g.covers(&entry(json!({"type": "t", "limit": 100}))));
        assert!(!g.covers(&entry(
            json!({"type": "t", "limit": 100, "currency": "EUR", "x": 1})
        )));
    }

    #[test]
    fn comparators_decide_extensions_only_for_their_type() {
        let coverage = RarCoverage::new().with_comparator("t", |_, _| true);
        let g = entry(json!({"type": "t", "actions": ["read"], "x": 1}));
        assert!(coverage.entry_covers(
            &g,
            &entry(json!({"type": "t", "actions": ["read"], "x": 2}))
        ));
        // Common fields are still checked.
        assert!(!coverage.entry_covers(&g, &entry(json!({"type": "t", "actions": ["write"]}))));
        // Other types keep the default.
        let u = entry(json!({"type": "u", "x": 1}));
        assert!(!coverage.entry_covers(&u, &entry(json!({"type": "u", "x": 2}))));
        assert_eq!(
            format!("{coverage:?}"),
            "RarCoverage { comparators: [\"t\"] }"
        );
    }

    #[test]
    fn each_required_entry_needs_one_granted_entry() {
        let granted = details(json!([
            {"type": "files", "actions": ["read"], "locations": ["A"]},
            {"type": "files", "actions": ["write"], "locations": ["B"]},
        ]));
        assert!(granted.covers(&details(json!([
            {"type": "files", "actions": ["write"], "locations": ["B"]},
            {"type": "files", "actions": ["read"], "locations": ["A"]},
        ]))));
        assert!(!granted.covers(&details(json!([
            {"type": "files", "actions": ["write"], "locations": ["A"]},
        ]))));
        assert!(!granted.covers(&details(json!([
            {"type": "files", "actions": ["read", "write"], "locations": ["A"]},
        ]))));
        assert!(granted.covers(&AuthorizationDetails::new()));
        assert!(!AuthorizationDetails::new().covers(&granted));
    }
}

//! The scope of an access request or grant: a set of scope tokens (RFC 6749 §3.3).

use std::fmt;
use std::str::FromStr;
use std::sync::Arc;

use crate::parse::{self, ScopeParseError};
use crate::token::ScopeToken;

/// A set of [`ScopeToken`]s: the value of a `scope` parameter (RFC 6749 §3.3).
///
/// - **Order does not matter and duplicates collapse**: `"openid profile"`, `"profile openid"` and
///   `"openid profile openid"` are the same `Scope` ("the strings are order-independent",
///   RFC 6749 §3.3).
/// - **Stable serialization**: [`Display`](fmt::Display) and serde write the tokens **sorted by byte
///   order**, separated by single spaces. Sorting makes the written form canonical: one set has exactly
///   one string, so stored grants, logs and caches compare as strings and tests are deterministic.
///   The order a client used is not kept; nothing in RFC 6749 gives it a meaning.
/// - **Parsing is strict** ([`Scope::parse`], [`FromStr`], serde): tokens separated by single spaces,
///   nothing else. [`Scope::parse_lenient`] and [`Scope::from_json_lenient`] accept the quirks seen in
///   the field.
/// - **The empty set** is a valid value (a grant of nothing) and displays as `""`. The grammar has no
///   empty scope string, so [`Scope::parse`] rejects `""`: at the message layer an empty `scope`
///   parameter counts as omitted (RFC 6749 §3.1), which is for the caller to decide before parsing.
///   serde is a storage and JSON form, not the wire grammar: it maps the empty set to `""` and back,
///   so that every `Scope` round-trips.
///
/// ```
/// use ostium_scope::Scope;
///
/// let requested: Scope = "openid profile email".parse()?;
/// let allowed: Scope = "email openid".parse()?;
/// let granted = requested.intersection(&allowed);
/// assert_eq!(granted.to_string(), "email openid");
/// assert!(granted.is_subset(&requested));
/// assert!(granted.contains("openid"));
/// # Ok::<(), ostium_scope::ScopeParseError>(())
/// ```
///
/// A `Scope` is one shared, sorted slice of tokens: cloning it (into a grant, a token record, a
/// response) is a reference-count increment, and membership is a binary search.
#[derive(Clone, Default, PartialEq, Eq, Hash)]
pub struct Scope {
    /// Sorted by byte order, without duplicates; `None` for the empty set (so that [`Scope::new`]
    /// is `const` and allocates nothing, and the empty set has one representation).
    tokens: Option<Arc<[ScopeToken]>>,
}

impl Scope {
    /// The empty scope.
    #[must_use]
    pub const fn new() -> Self {
        Self { tokens: None }
    }

    /// Parses a scope string strictly: `scope-token *( SP scope-token )` (RFC 6749 §3.3).
    ///
    /// Duplicated tokens are accepted and collapse.
    ///
    /// # Errors
    ///
    /// [`ScopeParseError::Empty`] for `""`, [`ScopeParseError::EmptyToken`] for a leading, trailing or
    /// doubled space, and [`ScopeParseError::ForbiddenCharacter`] naming the token, its position and the
    /// character for anything that is not an `NQCHAR` (a tab, a quote, a backslash, non-ASCII).
    pub fn parse(input: &str) -> Result<Self, ScopeParseError> {
        parse::strict(input)
    }

    /// The scope of `tokens`, in any order and with any duplicates.
    pub(crate) fn from_vec(mut tokens: Vec<ScopeToken>) -> Self {
        tokens.sort_unstable();
        tokens.dedup();
        Self::from_sorted(tokens)
    }

    /// The scope of `tokens`, already sorted and distinct.
    fn from_sorted(tokens: Vec<ScopeToken>) -> Self {
        debug_assert!(tokens.is_sorted_by(|a, b| a < b));
        Self {
            tokens: (!tokens.is_empty()).then(|| Arc::from(tokens)),
        }
    }

    /// The tokens, sorted by byte order.
    fn tokens(&self) -> &[ScopeToken] {
        self.tokens.as_deref().unwrap_or_default()
    }

    /// Where `token` is, or would be inserted.
    fn position(&self, token: &str) -> Result<usize, usize> {
        self.tokens()
            .binary_search_by(|held| held.as_str().cmp(token))
    }

    /// Whether the scope holds `token`.
    #[must_use]
    pub fn contains(&self, token: &str) -> bool {
        self.position(token).is_ok()
    }

    /// Adds `token`; returns whether it was new.
    ///
    /// An edit copies the tokens into a new shared slice: to build a scope of many tokens,
    /// collect them instead (`FromIterator`), which sorts once.
    pub fn insert(&mut self, token: ScopeToken) -> bool {
        let Err(at) = self.position(token.as_str()) else {
            return false;
        };
        let mut tokens = Vec::with_capacity(self.len() + 1);
        tokens.extend_from_slice(self.tokens());
        tokens.insert(at, token);
        *self = Self::from_sorted(tokens);
        true
    }

    /// Removes `token`; returns whether it was present (copying the other tokens, as
    /// [`insert`](Self::insert) does).
    pub fn remove(&mut self, token: &str) -> bool {
        let Ok(at) = self.position(token) else {
            return false;
        };
        let mut tokens = self.tokens().to_vec();
        tokens.remove(at);
        *self = Self::from_sorted(tokens);
        true
    }

    /// The number of distinct tokens.
    #[must_use]
    pub fn len(&self) -> usize {
        self.tokens().len()
    }

    /// Whether the scope holds no token.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.tokens.is_none()
    }

    /// Whether both are the same shared slice (or both empty): then they are equal without a look
    /// at the tokens.
    fn shares_tokens(&self, other: &Scope) -> bool {
        match (&self.tokens, &other.tokens) {
            (Some(mine), Some(theirs)) => Arc::ptr_eq(mine, theirs),
            (None, None) => true,
            _ => false,
        }
    }

    /// Whether every token of `self` is in `other` (literal membership; for resource-scoped tokens see
    /// [`ScopeCatalog::covers_all`](crate::ScopeCatalog::covers_all)).
    #[must_use]
    pub fn is_subset(&self, other: &Scope) -> bool {
        if self.shares_tokens(other) {
            return true;
        }
        let mut theirs = other.tokens().iter();
        // Both are sorted: each token of `self` is found by walking `other` forward once.
        self.tokens()
            .iter()
            .all(|token| theirs.by_ref().any(|candidate| candidate == token))
    }

    /// Whether every token of `other` is in `self`.
    #[must_use]
    pub fn is_superset(&self, other: &Scope) -> bool {
        other.is_subset(self)
    }

    /// Whether `self` and `other` have no token in common.
    #[must_use]
    pub fn is_disjoint(&self, other: &Scope) -> bool {
        let mut merge = Merge::new(self, other);
        while let Some(side) = merge.next() {
            if side == Side::Both {
                return false;
            }
            merge.advance(side);
        }
        true
    }

    /// The tokens in both `self` and `other`.
    #[must_use]
    pub fn intersection(&self, other: &Scope) -> Scope {
        if self.shares_tokens(other) {
            return self.clone();
        }
        self.merge(other, |side| side == Side::Both)
    }

    /// The tokens in `self`, `other` or both.
    #[must_use]
    pub fn union(&self, other: &Scope) -> Scope {
        if self.shares_tokens(other) {
            return self.clone();
        }
        self.merge(other, |_| true)
    }

    /// The tokens in `self` that are not in `other`.
    #[must_use]
    pub fn difference(&self, other: &Scope) -> Scope {
        self.merge(other, |side| side == Side::Left)
    }

    /// The tokens of the sorted merge of `self` and `other` whose side `keep` accepts.
    fn merge(&self, other: &Scope, keep: impl Fn(Side) -> bool) -> Scope {
        let mut merge = Merge::new(self, other);
        let mut kept = Vec::new();
        while let Some(side) = merge.next() {
            if keep(side) {
                kept.push(merge.token(side).clone());
            }
            merge.advance(side);
        }
        Self::from_sorted(kept)
    }

    /// The tokens in byte order.
    pub fn iter(&self) -> Iter<'_> {
        Iter(self.tokens().iter())
    }

    /// Keeps only the tokens for which `keep` returns `true`.
    pub fn retain(&mut self, mut keep: impl FnMut(&ScopeToken) -> bool) {
        let verdicts: Vec<bool> = self.tokens().iter().map(&mut keep).collect();
        if verdicts.iter().all(|kept| *kept) {
            return;
        }
        let kept = self
            .tokens()
            .iter()
            .zip(verdicts)
            .filter(|(_, kept)| *kept)
            .map(|(token, _)| token.clone())
            .collect();
        *self = Self::from_sorted(kept);
    }
}

/// Which of two merged scopes holds the next token in byte order.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Side {
    Left,
    Right,
    Both,
}

/// A walk over two sorted token slices in byte order.
struct Merge<'a> {
    left: &'a [ScopeToken],
    right: &'a [ScopeToken],
}

impl<'a> Merge<'a> {
    fn new(left: &'a Scope, right: &'a Scope) -> Self {
        Self {
            left: left.tokens(),
            right: right.tokens(),
        }
    }

    /// Which side the smallest remaining token is on (without advancing past it).
    fn next(&mut self) -> Option<Side> {
        match (self.left.first(), self.right.first()) {
            (Some(left), Some(right)) => Some(match left.cmp(right) {
                std::cmp::Ordering::Less => Side::Left,
                std::cmp::Ordering::Greater => Side::Right,
                std::cmp::Ordering::Equal => Side::Both,
            }),
            (Some(_), None) => Some(Side::Left),
            (None, Some(_)) => Some(Side::Right),
            (None, None) => None,
        }
    }

    /// The smallest remaining token, on `side`. Called only with a side [`next`](Self::next)
    /// returned, whose slices are then not empty.
    fn token(&self, side: Side) -> &'a ScopeToken {
        let slice = if side == Side::Right {
            self.right
        } else {
            self.left
        };
        // `next` returned `side`, so its slice has a first token.
        #[allow(clippy::indexing_slicing)]
        &slice[0]
    }

    /// Moves past the smallest remaining token.
    fn advance(&mut self, side: Side) {
        if side != Side::Right {
            self.left = self.left.get(1..).unwrap_or_default();
        }
        if side != Side::Left {
            self.right = self.right.get(1..).unwrap_or_default();
        }
    }
}

impl fmt::Display for Scope {
    /// The tokens in byte order, separated by single spaces; `""` for the empty set.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut tokens = self.iter();
        if let Some(first) = tokens.next() {
            f.write_str(first.as_str())?;
            for token in tokens {
                f.write_str(" ")?;
                f.write_str(token.as_str())?;
            }
        }
        Ok(())
    }
}

impl fmt::Debug for Scope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Scope({:?})", self.to_string())
    }
}

impl FromStr for Scope {
    type Err = ScopeParseError;

    /// Same as [`Scope::parse`].
    fn from_str(input: &str) -> Result<Self, Self::Err> {
        Self::parse(input)
    }
}

impl From<ScopeToken> for Scope {
    fn from(token: ScopeToken) -> Self {
        Self::from_sorted(vec![token])
    }
}

impl<const N: usize> From<[ScopeToken; N]> for Scope {
    fn from(tokens: [ScopeToken; N]) -> Self {
        Self::from_vec(tokens.into())
    }
}

impl FromIterator<ScopeToken> for Scope {
    fn from_iter<I: IntoIterator<Item = ScopeToken>>(iter: I) -> Self {
        Self::from_vec(iter.into_iter().collect())
    }
}

impl Extend<ScopeToken> for Scope {
    fn extend<I: IntoIterator<Item = ScopeToken>>(&mut self, iter: I) {
        let mut tokens = self.tokens().to_vec();
        let held = tokens.len();
        tokens.extend(iter);
        if tokens.len() > held {
            *self = Self::from_vec(tokens);
        }
    }
}

impl<'a> IntoIterator for &'a Scope {
    type Item = &'a ScopeToken;
    type IntoIter = Iter<'a>;

    fn into_iter(self) -> Self::IntoIter {
        self.iter()
    }
}

impl IntoIterator for Scope {
    type Item = ScopeToken;
    type IntoIter = IntoIter;

    fn into_iter(self) -> Self::IntoIter {
        let back = self.len();
        IntoIter {
            scope: self,
            front: 0,
            back,
        }
    }
}

/// Iterator over the tokens of a [`Scope`] in byte order.
#[derive(Clone, Debug)]
pub struct Iter<'a>(std::slice::Iter<'a, ScopeToken>);

impl<'a> Iterator for Iter<'a> {
    type Item = &'a ScopeToken;

    fn next(&mut self) -> Option<Self::Item> {
        self.0.next()
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        self.0.size_hint()
    }
}

impl DoubleEndedIterator for Iter<'_> {
    fn next_back(&mut self) -> Option<Self::Item> {
        self.0.next_back()
    }
}

impl ExactSizeIterator for Iter<'_> {}

/// Owning iterator over the tokens of a [`Scope`] in byte order.
#[derive(Debug)]
pub struct IntoIter {
    scope: Scope,
    /// The tokens in `front..back` are still to come.
    front: usize,
    back: usize,
}

impl Iterator for IntoIter {
    type Item = ScopeToken;

    fn next(&mut self) -> Option<Self::Item> {
        if self.front == self.back {
            return None;
        }
        let token = self.scope.tokens().get(self.front).cloned();
        self.front += 1;
        token
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        let left = self.back - self.front;
        (left, Some(left))
    }
}

impl DoubleEndedIterator for IntoIter {
    fn next_back(&mut self) -> Option<Self::Item> {
        if self.front == self.back {
            return None;
        }
        self.back -= 1;
        self.scope.tokens().get(self.back).cloned()
    }
}

impl ExactSizeIterator for IntoIter {}

impl serde::Serialize for Scope {
    /// The [`Display`](fmt::Display) form: sorted tokens separated by single spaces.
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> serde::Deserialize<'de> for Scope {
    /// Strict: the string must be what [`Scope::parse`] accepts, or `""` for the empty set. For the
    /// lenient form use [`lenient::deserialize`](crate::lenient::deserialize).
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct StrictVisitor;

        impl serde::de::Visitor<'_> for StrictVisitor {
            type Value = Scope;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a space-delimited scope string (RFC 6749 §3.3)")
            }

            fn visit_str<E: serde::de::Error>(self, input: &str) -> Result<Scope, E> {
                if input.is_empty() {
                    return Ok(Scope::new());
                }
                Scope::parse(input).map_err(E::custom)
            }
        }

        deserializer.deserialize_str(StrictVisitor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scope(s: &str) -> Scope {
        Scope::parse(s).unwrap()
    }

    #[test]
    fn display_is_sorted_by_byte_order() {
        assert_eq!(scope("b a C _ 1").to_string(), "1 C _ a b");
    }

    #[test]
    fn order_and_duplicates_do_not_matter() {
        assert_eq!(scope("openid profile"), scope("profile openid"));
        assert_eq!(scope("openid profile openid"), scope("profile openid"));
        assert_eq!(scope("openid openid").len(), 1);
    }

    #[test]
    fn empty_scope_displays_as_empty_string() {
        assert_eq!(Scope::new().to_string(), "");
        assert!(Scope::new().is_empty());
        assert_eq!(Scope::default(), Scope::new());
    }

    #[test]
    fn set_operations() {
        let a = scope("a b c");
        let b = scope("b c d");
        assert_eq!(a.intersection(&b), scope("b c"));
        assert_eq!(a.union(&b), scope("a b c d"));
        assert_eq!(a.difference(&b), scope("a"));
        assert!(scope("b c").is_subset(&a));
        assert!(a.is_superset(&scope("a")));
        assert!(!a.is_subset(&b));
        assert!(a.is_disjoint(&scope("x y")));
        assert!(!a.is_disjoint(&b));
    }

    #[test]
    fn insert_remove_retain() {
        let mut s = scope("a");
        assert!(s.insert(ScopeToken::new("b").unwrap()));
        assert!(!s.insert(ScopeToken::new("b").unwrap()));
        assert!(s.remove("a"));
        assert!(!s.remove("a"));
        s.extend([
            ScopeToken::new("c").unwrap(),
            ScopeToken::new("dd").unwrap(),
        ]);
        s.retain(|t| t.as_str().len() == 1);
        assert_eq!(s, scope("b c"));
    }

    #[test]
    fn iteration_is_in_byte_order_both_ways() {
        let s = scope("c a b");
        let forward: Vec<&str> = s.iter().map(ScopeToken::as_str).collect();
        assert_eq!(forward, ["a", "b", "c"]);
        let backward: Vec<String> = s.clone().into_iter().rev().map(String::from).collect();
        assert_eq!(backward, ["c", "b", "a"]);
        assert_eq!(s.iter().len(), 3);
    }

    #[test]
    fn serde_round_trips_including_the_empty_set() {
        let s = scope("profile openid");
        let json = serde_json::to_string(&s).unwrap();
        assert_eq!(json, "\"openid profile\"");
        assert_eq!(serde_json::from_str::<Scope>(&json).unwrap(), s);
        let empty = serde_json::to_string(&Scope::new()).unwrap();
        assert_eq!(empty, "\"\"");
        assert_eq!(serde_json::from_str::<Scope>(&empty).unwrap(), Scope::new());
    }

    #[test]
    fn serde_deserialization_is_strict() {
        for bad in ["\"a  b\"", "\" a\"", "\"a \"", "\"a\\tb\"", "[\"a\"]", "1"] {
            assert!(serde_json::from_str::<Scope>(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn debug_shows_the_canonical_string() {
        assert_eq!(format!("{:?}", scope("b a")), "Scope(\"a b\")");
    }
}

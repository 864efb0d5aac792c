//! Property tests: round trips, the set-algebra laws checked against `BTreeSet<String>`, parser models,
//! and the RAR JSON round trip.

// Test helpers outside `#[test]` functions may unwrap and index, like the tests themselves.
#![allow(clippy::unwrap_used, clippy::indexing_slicing)]

use std::collections::BTreeSet;

use ostium_scope::{AuthorizationDetail, AuthorizationDetails, Scope, ScopeToken, is_nqchar};
use proptest::prelude::*;
use serde_json::Value;

/// Any token: 1 to 40 NQCHARs (short ones are kept in place, long ones shared).
fn any_token() -> impl Strategy<Value = ScopeToken> {
    "[\\x21\\x23-\\x5B\\x5D-\\x7E]{1,40}".prop_map(|s| ScopeToken::new(s).unwrap())
}

/// Tokens from a small alphabet, so that random sets overlap.
fn small_token() -> impl Strategy<Value = ScopeToken> {
    prop::sample::select(&["a", "b", "c", "d", "e", "openid", "profile", "x:y/z"][..])
        .prop_map(|s| ScopeToken::new(s).unwrap())
}

fn scope_of(token: impl Strategy<Value = ScopeToken>) -> impl Strategy<Value = Scope> {
    prop::collection::vec(token, 0..8).prop_map(|tokens| tokens.into_iter().collect())
}

fn model(scope: &Scope) -> BTreeSet<String> {
    scope.iter().map(|t| t.as_str().to_owned()).collect()
}

fn from_model(model: &BTreeSet<String>) -> Scope {
    model
        .iter()
        .map(|s| ScopeToken::new(s.as_str()).unwrap())
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(1024))]

    #[test]
    fn token_display_parse_round_trip(token in any_token()) {
        prop_assert_eq!(ScopeToken::new(token.as_str()).unwrap(), token.clone());
        let json = serde_json::to_string(&token).unwrap();
        prop_assert_eq!(serde_json::from_str::<ScopeToken>(&json).unwrap(), token);
    }

    #[test]
    fn scope_display_parse_round_trip(scope in scope_of(any_token())) {
        let text = scope.to_string();
        if scope.is_empty() {
            prop_assert!(Scope::parse(&text).is_err());
        } else {
            prop_assert_eq!(Scope::parse(&text).unwrap(), scope.clone());
        }
        prop_assert_eq!(Scope::parse_lenient(&text).unwrap(), scope.clone());
        let json = serde_json::to_string(&scope).unwrap();
        prop_assert_eq!(serde_json::from_str::<Scope>(&json).unwrap(), scope);
    }

    /// Any order and any repetition of the tokens parses to the same scope and displays the same.
    #[test]
    fn order_and_repetition_do_not_matter(
        tokens in prop::collection::vec(any_token(), 1..8),
        shuffle in any::<prop::sample::Index>(),
        repeat in any::<prop::sample::Index>(),
    ) {
        let canonical: Scope = tokens.iter().cloned().collect();
        let mut shuffled: Vec<String> = tokens.iter().map(ToString::to_string).collect();
        let pivot = shuffle.index(shuffled.len());
        shuffled.rotate_left(pivot);
        shuffled.reverse();
        let extra = shuffled[repeat.index(shuffled.len())].clone();
        shuffled.push(extra);
        let reparsed = Scope::parse(&shuffled.join(" ")).unwrap();
        prop_assert_eq!(reparsed.to_string(), canonical.to_string());
        prop_assert_eq!(reparsed, canonical);
    }

    /// The strict parser against a model of the grammar, on inputs made of tokens, spaces, tabs and
    /// forbidden characters.
    #[test]
    fn strict_parser_matches_the_grammar(input in "[ab \\t\"\\\\é]{0,10}") {
        let pieces: Vec<&str> = input.split(' ').collect();
        let valid = !input.is_empty()
            && pieces.iter().all(|p| !p.is_empty() && p.bytes().all(is_nqchar));
        match Scope::parse(&input) {
            Ok(scope) => {
                prop_assert!(valid, "{:?} accepted", input);
                let expected: BTreeSet<String> = pieces.iter().map(|p| (*p).to_owned()).collect();
                prop_assert_eq!(model(&scope), expected);
            }
            Err(_) => prop_assert!(!valid, "{:?} refused", input),
        }
    }

    /// The lenient parser against its model: split on ASCII whitespace, every piece a token.
    #[test]
    fn lenient_parser_matches_its_model(input in "[ab \\t\\r\\n\"é]{0,10}") {
        let pieces: Vec<&str> = input.split([' ', '\t', '\r', '\n']).filter(|p| !p.is_empty()).collect();
        let valid = pieces.iter().all(|p| p.bytes().all(is_nqchar));
        match Scope::parse_lenient(&input) {
            Ok(scope) => {
                prop_assert!(valid);
                let expected: BTreeSet<String> = pieces.iter().map(|p| (*p).to_owned()).collect();
                prop_assert_eq!(model(&scope), expected);
            }
            Err(_) => prop_assert!(!valid),
        }
    }

    /// The operations agree with `BTreeSet<String>`.
    #[test]
    fn set_operations_match_the_model(a in scope_of(small_token()), b in scope_of(small_token())) {
        let (ma, mb) = (model(&a), model(&b));
        prop_assert_eq!(a.union(&b), from_model(&ma.union(&mb).cloned().collect()));
        prop_assert_eq!(a.intersection(&b), from_model(&ma.intersection(&mb).cloned().collect()));
        prop_assert_eq!(a.difference(&b), from_model(&ma.difference(&mb).cloned().collect()));
        prop_assert_eq!(a.is_subset(&b), ma.is_subset(&mb));
        prop_assert_eq!(a.is_disjoint(&b), ma.is_disjoint(&mb));
        prop_assert_eq!(a.len(), ma.len());
        for token in ["a", "openid", "zz"] {
            prop_assert_eq!(a.contains(token), ma.contains(token));
        }
    }

    #[test]
    fn set_algebra_laws(
        a in scope_of(small_token()),
        b in scope_of(small_token()),
        c in scope_of(small_token()),
    ) {
        // Commutativity.
        prop_assert_eq!(a.union(&b), b.union(&a));
        prop_assert_eq!(a.intersection(&b), b.intersection(&a));
        // Associativity.
        prop_assert_eq!(a.union(&b).union(&c), a.union(&b.union(&c)));
        prop_assert_eq!(a.intersection(&b).intersection(&c), a.intersection(&b.intersection(&c)));
        // Idempotence.
        prop_assert_eq!(a.union(&a), a.clone());
        prop_assert_eq!(a.intersection(&a), a.clone());
        // Absorption.
        prop_assert_eq!(a.union(&a.intersection(&b)), a.clone());
        prop_assert_eq!(a.intersection(&a.union(&b)), a.clone());
        // Distributivity.
        prop_assert_eq!(a.intersection(&b.union(&c)), a.intersection(&b).union(&a.intersection(&c)));
        prop_assert_eq!(a.union(&b.intersection(&c)), a.union(&b).intersection(&a.union(&c)));
        // De Morgan, relative to `a`.
        prop_assert_eq!(a.difference(&b.union(&c)), a.difference(&b).intersection(&a.difference(&c)));
        prop_assert_eq!(a.difference(&b.intersection(&c)), a.difference(&b).union(&a.difference(&c)));
        // Difference splits `a`.
        prop_assert!(a.difference(&b).is_disjoint(&b));
        prop_assert_eq!(a.difference(&b).union(&a.intersection(&b)), a.clone());
        // Identity and annihilation with the empty set.
        prop_assert_eq!(a.union(&Scope::new()), a.clone());
        prop_assert!(a.intersection(&Scope::new()).is_empty());
        prop_assert_eq!(a.difference(&Scope::new()), a.clone());
        prop_assert!(a.difference(&a).is_empty());
    }

    /// The subset relation agrees with the operations, and is a partial order.
    #[test]
    fn subset_consistency(
        a in scope_of(small_token()),
        b in scope_of(small_token()),
        c in scope_of(small_token()),
    ) {
        let subset = a.is_subset(&b);
        prop_assert_eq!(subset, a.intersection(&b) == a);
        prop_assert_eq!(subset, a.union(&b) == b);
        prop_assert_eq!(subset, a.difference(&b).is_empty());
        prop_assert_eq!(subset, b.is_superset(&a));
        prop_assert!(a.intersection(&b).is_subset(&a));
        prop_assert!(a.is_subset(&a.union(&b)));
        prop_assert!(a.is_subset(&a));
        if a.is_subset(&b) && b.is_subset(&a) {
            prop_assert_eq!(&a, &b);
        }
        if a.is_subset(&b) && b.is_subset(&c) {
            prop_assert!(a.is_subset(&c));
        }
    }

    /// Edits agree with `BTreeSet<String>`, and a scope built by edits equals (and hashes like)
    /// the same set built at once.
    #[test]
    fn edits_match_the_model(
        start in scope_of(small_token()),
        edits in prop::collection::vec((0u8..4, small_token()), 0..12),
    ) {
        let mut scope = start.clone();
        let mut model = model(&start);
        for (kind, token) in edits {
            match kind {
                0 => prop_assert_eq!(scope.insert(token.clone()), model.insert(token.as_str().to_owned())),
                1 => prop_assert_eq!(scope.remove(token.as_str()), model.remove(token.as_str())),
                2 => {
                    scope.extend([token.clone(), token.clone()]);
                    model.insert(token.as_str().to_owned());
                }
                _ => {
                    let first = token.as_str().as_bytes()[0];
                    scope.retain(|held| held.as_str().as_bytes()[0] != first);
                    model.retain(|held| held.as_bytes()[0] != first);
                }
            }
            prop_assert_eq!(&scope, &from_model(&model));
            prop_assert_eq!(scope.is_empty(), model.is_empty());
        }
        let rebuilt = from_model(&model);
        let state = std::hash::RandomState::new();
        prop_assert_eq!(
            std::hash::BuildHasher::hash_one(&state, &scope),
            std::hash::BuildHasher::hash_one(&state, &rebuilt)
        );
        let forward: Vec<String> = scope.clone().into_iter().map(String::from).collect();
        let backward: Vec<String> = scope.clone().into_iter().rev().map(String::from).collect();
        prop_assert_eq!(&forward, &model.iter().cloned().collect::<Vec<_>>());
        prop_assert_eq!(backward, model.iter().rev().cloned().collect::<Vec<_>>());
        prop_assert_eq!(scope.into_iter().len(), model.len());
    }
}

// ---- RFC 9396 --------------------------------------------------------------------------------------

fn json_leaf() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        "\\PC{0,8}".prop_map(Value::String),
    ]
}

/// JSON values nested at most three levels (floats are left out: serde_json's default float parsing
/// is not exact, which is not this crate's concern).
fn json_value() -> impl Strategy<Value = Value> {
    json_leaf().prop_recursive(3, 24, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::btree_map("[a-z]{1,4}", inner, 0..4)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

fn strings() -> impl Strategy<Value = Option<Vec<String>>> {
    prop::option::of(prop::collection::vec(
        prop::sample::select(&["read", "write", "https://a.example", "x", ""][..])
            .prop_map(String::from),
        0..4,
    ))
}

fn any_detail() -> impl Strategy<Value = AuthorizationDetail> {
    (
        prop::sample::select(&["files", "payment_initiation", "t"][..]),
        strings(),
        strings(),
        strings(),
        prop::option::of("[a-z0-9-]{0,6}"),
        strings(),
        prop::collection::btree_map("[a-zA-Z_]{1,8}", json_value(), 0..3),
    )
        .prop_map(
            |(kind, locations, actions, datatypes, identifier, privileges, extensions)| {
                let mut detail = AuthorizationDetail::new(kind).unwrap();
                if let Some(v) = locations {
                    detail = detail.with_locations(v);
                }
                if let Some(v) = actions {
                    detail = detail.with_actions(v);
                }
                if let Some(v) = datatypes {
                    detail = detail.with_datatypes(v);
                }
                if let Some(v) = identifier {
                    detail = detail.with_identifier(v);
                }
                if let Some(v) = privileges {
                    detail = detail.with_privileges(v);
                }
                for (name, value) in extensions {
                    // Names that collide with common fields are refused; skip them.
                    if let Ok(with) = detail.clone().with_extension(name, value) {
                        detail = with;
                    }
                }
                detail
            },
        )
}

fn any_details() -> impl Strategy<Value = AuthorizationDetails> {
    prop::collection::vec(any_detail(), 0..5).prop_map(AuthorizationDetails::from)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn rar_json_round_trip(details in any_details()) {
        let text = details.to_json_string();
        prop_assert_eq!(&AuthorizationDetails::parse(&text).unwrap(), &details);
        let via_serde: AuthorizationDetails =
            serde_json::from_str(&serde_json::to_string(&details).unwrap()).unwrap();
        prop_assert_eq!(&via_serde, &details);
        prop_assert_eq!(details.to_string(), text);
    }

    /// Coverage is reflexive and transitive, and a grant of entries covers any selection of them.
    #[test]
    fn rar_coverage_is_a_preorder(a in any_details(), b in any_details(), c in any_details()) {
        prop_assert!(a.covers(&a));
        if a.covers(&b) && b.covers(&c) {
            prop_assert!(a.covers(&c));
        }
        let some: AuthorizationDetails = a.iter().step_by(2).cloned().collect();
        prop_assert!(a.covers(&some));
    }

    /// Narrowing a required entry's listed values keeps it covered; adding a value the grant lacks
    /// does not.
    #[test]
    fn rar_coverage_respects_value_subsets(detail in any_detail(), keep in any::<prop::sample::Index>()) {
        if let Some(actions) = detail.actions().filter(|a| !a.is_empty()) {
            let kept = actions[keep.index(actions.len())].clone();
            let narrower = detail.clone().with_actions([kept]);
            prop_assert!(detail.covers(&narrower));
            let wider = detail.clone().with_actions(actions.iter().cloned().chain(["never-granted".to_owned()]));
            prop_assert!(!detail.covers(&wider));
        }
    }
}

//! RFC 9396 `authorization_details` parsing within limits, serialization and coverage: never panics,
//! what parses round-trips, and coverage is reflexive and covers every entry of a grant.
#![no_main]

use std::collections::BTreeMap;

use libfuzzer_sys::fuzz_target;
use ostium_scope::rar::Extensions;
use ostium_scope::{AuthorizationDetail, AuthorizationDetails, RarCoverage, RarLimits};

/// Names the JSON value type through the crate's public `Extensions` alias (the fuzz crate does not
/// depend on serde_json directly).
trait MapValue {
    type Value;
}

impl<V> MapValue for BTreeMap<String, V> {
    type Value = V;
}

type Json = <Extensions as MapValue>::Value;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    // "<granted>\n\n<required>" fuzzes coverage between two documents; the whole input is parsed too.
    let whole = check(text);
    if let Some((first, second)) = text.split_once("\n\n") {
        if let (Some(granted), Some(required)) = (check(first), check(second)) {
            let coverage = RarCoverage::new().with_comparator("t", |g, r| g.len() >= r.len());
            let covers = granted.covers(&required);
            let _ = coverage.covers(&granted, &required);
            if covers {
                // Whatever a grant covers, the grant with more entries covers too.
                let mut more = granted.clone();
                more.extend(whole.into_iter().flatten());
                assert!(more.covers(&required));
            }
        }
    }
});

fn check(text: &str) -> Option<AuthorizationDetails> {
    let tight = RarLimits::default()
        .with_max_bytes(512)
        .with_max_entries(3)
        .with_max_depth(4);
    let tight_result = AuthorizationDetails::parse_with_limits(text, &tight);
    let details = match AuthorizationDetails::parse(text) {
        Ok(details) => details,
        Err(error) => {
            assert_eq!(error.error_code(), "invalid_authorization_details");
            // Tighter limits never accept what the defaults refuse.
            assert!(tight_result.is_err());
            let _ = error.to_string();
            return None;
        }
    };
    if let Ok(tight) = tight_result {
        assert!(same_details(&tight, &details));
    }

    // Round trip through the serialized form (numbers may lose the last bit: serde_json's default
    // float parsing is not exact, so floats compare approximately).
    let serialized = details.to_json_string();
    let unbounded = RarLimits::default().with_max_bytes(usize::MAX);
    let reparsed = AuthorizationDetails::parse_with_limits(&serialized, &unbounded)
        .unwrap_or_else(|e| panic!("re-parsing {serialized:?} failed: {e}"));
    assert!(same_details(&reparsed, &details), "{serialized}");

    // Coverage: reflexive, and the grant covers each of its entries alone.
    assert!(details.covers(&details));
    assert!(details.covers(&AuthorizationDetails::new()));
    for entry in &details {
        assert!(entry.covers(entry));
        assert!(details.covers(&AuthorizationDetails::from(vec![entry.clone()])));
    }
    Some(details)
}

fn same_details(a: &AuthorizationDetails, b: &AuthorizationDetails) -> bool {
    a.len() == b.len() && a.iter().zip(b).all(|(x, y)| same_entry(x, y))
}

fn same_entry(a: &AuthorizationDetail, b: &AuthorizationDetail) -> bool {
    a.detail_type() == b.detail_type()
        && a.locations() == b.locations()
        && a.actions() == b.actions()
        && a.datatypes() == b.datatypes()
        && a.identifier() == b.identifier()
        && a.privileges() == b.privileges()
        && a.extensions().len() == b.extensions().len()
        && a.extensions()
            .iter()
            .zip(b.extensions())
            .all(|((ka, va), (kb, vb))| ka == kb && same_json(va, vb))
}

fn same_json(a: &Json, b: &Json) -> bool {
    if let (Some(x), Some(y)) = (a.as_array(), b.as_array()) {
        return x.len() == y.len() && x.iter().zip(y).all(|(x, y)| same_json(x, y));
    }
    if let (Some(x), Some(y)) = (a.as_object(), b.as_object()) {
        return x.len() == y.len()
            && x.iter()
                .zip(y)
                .all(|((kx, vx), (ky, vy))| kx == ky && same_json(vx, vy));
    }
    if a.is_f64() || b.is_f64() {
        return match (a.as_f64(), b.as_f64()) {
            (Some(x), Some(y)) => {
                x == y || (x - y).abs() <= f64::EPSILON * 4.0 * x.abs().max(y.abs())
            }
            _ => false,
        };
    }
    a == b
}

//! The C2SP Wycheproof JOSE sets (Apache-2.0), run case by case, with the documented strict
//! overrides of `wycheproof_jws_strict_overrides.json`.

// Test helpers outside #[test] functions may unwrap: a failure is a failing test.
#![allow(clippy::unwrap_used, clippy::indexing_slicing, clippy::panic)]

use std::collections::BTreeMap;

use ostium_jose::{Algorithm, AlgorithmSet, Jwk, JwkSet, JwsVerifier};
use ostium_testkit::vectors;
use serde_json::Value;

const ALL: AlgorithmSet = AlgorithmSet::of(&Algorithm::ALL);

fn overrides() -> BTreeMap<u64, bool> {
    let v = vectors::load("wycheproof_jws_strict_overrides");
    v["overrides"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| (o["tcId"].as_u64().unwrap(), o["strict_result"] == "valid"))
        .collect()
}

fn token_text(jws: &Value) -> String {
    match jws {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// Runs every test of `file` against keys built by `verify`; returns (agreed, total).
fn run(file: &str, verify: impl Fn(&Value, &str) -> bool) -> (usize, usize, Vec<String>) {
    let overrides = overrides();
    let v = vectors::load(file);
    let mut total = 0;
    let mut agreed = 0;
    let mut disagreements = Vec::new();
    for group in v["testGroups"].as_array().unwrap() {
        for test in group["tests"].as_array().unwrap() {
            let Some(jws) = test.get("jws") else {
                continue; // JWE cases: out of scope.
            };
            total += 1;
            let id = test["tcId"].as_u64().unwrap();
            let expected = match file {
                "wycheproof_json_web_signature_test" => overrides.get(&id).copied(),
                _ => None,
            }
            .unwrap_or(test["result"] == "valid");
            let actual = verify(group, &token_text(jws));
            if actual == expected {
                agreed += 1;
            } else {
                disagreements.push(format!(
                    "tcId {id} ({}): expected {expected}, got {actual}",
                    test["comment"]
                ));
            }
        }
    }
    (agreed, total, disagreements)
}

fn single_key(group: &Value) -> Option<Jwk> {
    let key = group.get("public").unwrap_or(&group["private"]);
    Jwk::from_json(&key.to_string()).ok()
}

#[test]
fn wycheproof_jws_set_agrees_with_strict_overrides() {
    let (agreed, total, disagreements) =
        run("wycheproof_json_web_signature_test", |group, token| {
            single_key(group)
                .is_some_and(|key| JwsVerifier::new(&key, ALL).verify_compact(token).is_ok())
        });
    assert_eq!(total, 401);
    assert!(
        disagreements.is_empty(),
        "{agreed}/{total}: {disagreements:#?}"
    );
}

#[test]
fn wycheproof_jwk_set_cases_are_all_decided_strictly() {
    let (agreed, total, disagreements) = run("wycheproof_json_web_key_test", |group, token| {
        let keys = group.get("public").unwrap_or(&group["private"]);
        JwkSet::from_json(&keys.to_string())
            .is_ok_and(|set| JwsVerifier::new(&set, ALL).verify_compact(token).is_ok())
    });
    assert_eq!(total, 26);
    assert!(
        disagreements.is_empty(),
        "{agreed}/{total}: {disagreements:#?}"
    );
}

#[test]
fn wycheproof_json_web_crypto_jws_cases() {
    let (agreed, total, disagreements) = run("wycheproof_json_web_crypto_test", |group, token| {
        let keys = group.get("public").unwrap_or(&group["private"]);
        if keys.get("keys").is_some() {
            JwkSet::from_json(&keys.to_string())
                .is_ok_and(|set| JwsVerifier::new(&set, ALL).verify_compact(token).is_ok())
        } else {
            single_key(group)
                .is_some_and(|key| JwsVerifier::new(&key, ALL).verify_compact(token).is_ok())
        }
    });
    assert!(total >= 49, "{total}");
    assert!(
        disagreements.is_empty(),
        "{agreed}/{total}: {disagreements:#?}"
    );
}

#[test]
fn wycheproof_valid_json_serialization_is_rejected_as_compact_but_verifies_as_json() {
    // tcId 17 "rejectsValidJsonSerialization": a compact verifier must not accept the JSON form,
    // while the JSON verifier (with its unknown unprotected member ignored) does. (The JWS file's
    // copy of this case is a truncated string; the JSON-crypto file carries it as an object.)
    let v = vectors::load("wycheproof_json_web_crypto_test");
    let group = &v["testGroups"][0];
    let test = group["tests"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["tcId"] == 17)
        .unwrap();
    let json = token_text(&test["jws"]);
    let key = single_key(group).unwrap();
    let verifier = JwsVerifier::new(&key, ALL);
    assert!(verifier.verify_compact(&json).is_err());
    assert_eq!(verifier.verify_json(&json).unwrap().payload(), b"foo");
}

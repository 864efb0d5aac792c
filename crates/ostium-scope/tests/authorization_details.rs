//! Public API of RFC 9396 `authorization_details`: parsing within limits, serialization, coverage.

// Test helpers outside `#[test]` functions may unwrap and index, like the tests themselves.
#![allow(clippy::unwrap_used, clippy::indexing_slicing)]

use ostium_scope::{
    AuthorizationDetail, AuthorizationDetails, EntryError, RarCoverage, RarError, RarLimits,
};
use serde_json::json;

/// RFC 9396 §2, Figure 3 (the account information example, with two entries).
const RFC_9396_FIGURE_3: &str = r#"[
   {
      "type": "account_information",
      "actions": ["list_accounts", "read_balances", "read_transactions"],
      "locations": ["https://example.com/accounts"]
   },
   {
      "type": "payment_initiation",
      "actions": ["initiate", "status", "cancel"],
      "locations": ["https://example.com/payments"],
      "instructedAmount": {"currency": "EUR", "amount": "123.50"},
      "creditorName": "Merchant A",
      "creditorAccount": {"iban": "DE02100100109307118603"},
      "remittanceInformationUnstructured": "Ref Number Merchant"
   }
]"#;

#[test]
fn parses_and_reserializes_the_rfc_example() {
    let details = AuthorizationDetails::parse(RFC_9396_FIGURE_3).unwrap();
    assert_eq!(details.len(), 2);
    let [accounts, payment] = details.as_slice() else {
        panic!("two entries")
    };
    assert_eq!(accounts.detail_type(), "account_information");
    assert_eq!(accounts.actions().unwrap().len(), 3);
    assert!(accounts.extensions().is_empty());
    assert_eq!(
        payment.extension("creditorName"),
        Some(&json!("Merchant A"))
    );
    assert_eq!(
        payment.extension("instructedAmount"),
        Some(&json!({"currency": "EUR", "amount": "123.50"}))
    );
    let original: serde_json::Value = serde_json::from_str(RFC_9396_FIGURE_3).unwrap();
    assert_eq!(details.to_value(), original);
    assert_eq!(
        AuthorizationDetails::parse(&details.to_json_string()).unwrap(),
        details
    );
}

#[test]
fn errors_name_the_entry_and_the_field() {
    let err = AuthorizationDetails::parse(r#"[{"type":"a"},{"actions":["read"]}]"#).unwrap_err();
    assert_eq!(
        err,
        RarError::Entry {
            entry: 1,
            error: EntryError::MissingType
        }
    );
    assert_eq!(err.error_code(), "invalid_authorization_details");
    assert_eq!(
        AuthorizationDetails::parse(r#"[{"type":"a","locations":"https://x"}]"#),
        Err(RarError::Entry {
            entry: 0,
            error: EntryError::WrongType {
                field: "locations",
                expected: "an array of strings"
            }
        })
    );
    assert_eq!(
        AuthorizationDetails::parse(r#"{"type":"a"}"#),
        Err(RarError::NotAnArray)
    );
    assert_eq!(
        AuthorizationDetails::parse(r#"[{"type":"a","type":"b"}]"#),
        Err(RarError::DuplicateMember {
            name: "type".into()
        })
    );
    assert!(matches!(
        AuthorizationDetails::parse("[{\"type\":\"a\"},]"),
        Err(RarError::InvalidJson { .. })
    ));
}

#[test]
fn limits_are_enforced_with_clear_errors() {
    let limits = RarLimits::default()
        .with_max_bytes(64)
        .with_max_entries(2)
        .with_max_depth(4);
    let long = format!(r#"[{{"type":"{}"}}]"#, "x".repeat(100));
    assert_eq!(
        AuthorizationDetails::parse_with_limits(&long, &limits),
        Err(RarError::TooLarge {
            len: long.len(),
            max: 64
        })
    );
    assert_eq!(
        AuthorizationDetails::parse_with_limits(
            r#"[{"type":"a"},{"type":"b"},{"type":"c"}]"#,
            &limits
        ),
        Err(RarError::TooManyEntries { max: 2 })
    );
    assert_eq!(
        AuthorizationDetails::parse_with_limits(r#"[{"type":"a","x":{"y":[[]]}}]"#, &limits),
        Err(RarError::TooDeep { max: 4 })
    );
    assert!(
        AuthorizationDetails::parse_with_limits(r#"[{"type":"a","x":{"y":[1]}}]"#, &limits).is_ok()
    );
    let message = RarError::TooDeep { max: 4 }.to_string();
    assert!(message.contains("deeper than 4"), "{message}");
    // The defaults.
    let defaults = RarLimits::default();
    assert_eq!(
        (defaults.max_bytes, defaults.max_entries, defaults.max_depth),
        (32 * 1024, 32, 8)
    );
}

#[test]
fn a_hostile_nesting_fails_on_the_limit() {
    let deep = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
    let limits = RarLimits::default().with_max_bytes(1 << 20);
    assert_eq!(
        AuthorizationDetails::parse_with_limits(&deep, &limits),
        Err(RarError::TooDeep { max: 8 })
    );
}

#[test]
fn serde_in_a_token_response() {
    #[derive(serde::Serialize, serde::Deserialize, Debug, PartialEq)]
    struct TokenResponse {
        access_token: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        authorization_details: Option<AuthorizationDetails>,
    }
    let text = format!(r#"{{"access_token":"t","authorization_details":{RFC_9396_FIGURE_3}}}"#);
    let response: TokenResponse = serde_json::from_str(&text).unwrap();
    assert_eq!(response.authorization_details.as_ref().unwrap().len(), 2);
    let again: TokenResponse =
        serde_json::from_str(&serde_json::to_string(&response).unwrap()).unwrap();
    assert_eq!(again, response);
    assert!(
        serde_json::from_str::<TokenResponse>(
            r#"{"access_token":"t","authorization_details":[{"type":1}]}"#
        )
        .is_err()
    );
}

#[test]
fn coverage_for_a_resource_server() {
    let granted = AuthorizationDetails::parse(RFC_9396_FIGURE_3).unwrap();
    let read_balances = AuthorizationDetails::parse(
        r#"[{"type":"account_information","actions":["read_balances"],"locations":["https://example.com/accounts"]}]"#,
    )
    .unwrap();
    assert!(granted.covers(&read_balances));

    // Another location, another action, or no location at all (which would mean any): not covered.
    for required in [
        r#"[{"type":"account_information","actions":["read_balances"],"locations":["https://evil.example/accounts"]}]"#,
        r#"[{"type":"account_information","actions":["close_account"],"locations":["https://example.com/accounts"]}]"#,
        r#"[{"type":"account_information","actions":["read_balances"]}]"#,
        r#"[{"type":"payment_initiation","actions":["initiate"],"locations":["https://example.com/payments"]}]"#,
    ] {
        let required = AuthorizationDetails::parse(required).unwrap();
        assert!(!granted.covers(&required), "{required}");
    }

    // The payment entry covers the same payment, extension fields and all.
    let payment = AuthorizationDetails::from(vec![granted.as_slice()[1].clone()]);
    assert!(granted.covers(&payment));
}

#[test]
fn custom_comparator_for_a_type() {
    let granted = AuthorizationDetail::new("transfer")
        .unwrap()
        .with_actions(["send"])
        .with_extension("max_amount", json!(500))
        .unwrap();
    let required = AuthorizationDetail::new("transfer")
        .unwrap()
        .with_actions(["send"])
        .with_extension("max_amount", json!(200))
        .unwrap();
    assert!(!granted.covers(&required));
    let coverage = RarCoverage::new().with_comparator("transfer", |granted, required| {
        let amount =
            |e: &ostium_scope::rar::Extensions| e.get("max_amount").and_then(|v| v.as_u64());
        matches!((amount(granted), amount(required)), (Some(g), Some(r)) if r <= g)
    });
    assert!(coverage.entry_covers(&granted, &required));
    assert!(!coverage.entry_covers(&required, &granted));
}

//! Public API of scope tokens and scope sets: parsing, errors, serialization, set algebra.

// Test helpers outside `#[test]` functions may unwrap and index, like the tests themselves.
#![allow(clippy::unwrap_used, clippy::indexing_slicing)]

use ostium_scope::{Scope, ScopeParseError, ScopeToken, ScopeTokenError};

fn scope(s: &str) -> Scope {
    Scope::parse(s).unwrap()
}

/// Checklist 13 (RFC 6749 §3.3): "the strings are order-independent". Reordered and repeated tokens
/// give the same scope, the same stored string and the same hash.
#[test]
fn req_13_scope_order_is_irrelevant() {
    use std::collections::hash_map::DefaultHasher;
    use std::hash::{Hash, Hasher};
    let hash = |s: &Scope| {
        let mut h = DefaultHasher::new();
        s.hash(&mut h);
        h.finish()
    };
    let forms = [
        "openid profile email",
        "email profile openid",
        "profile openid email",
        "openid email profile openid",
    ];
    let first = scope(forms[0]);
    for form in forms {
        let other = scope(form);
        assert_eq!(other, first, "{form}");
        assert_eq!(other.to_string(), "email openid profile", "{form}");
        assert_eq!(hash(&other), hash(&first), "{form}");
        assert_eq!(
            serde_json::to_string(&other).unwrap(),
            "\"email openid profile\""
        );
    }
}

#[test]
fn strict_parse_accepts_the_rfc_grammar() {
    let s = scope("a !#$%&'()*+,-./0123456789:;<=>?@AZ[]^_`az{|}~");
    assert_eq!(s.len(), 2);
    assert!(s.contains("a"));
}

#[test]
fn strict_parse_errors_name_token_position_and_reason() {
    assert_eq!(Scope::parse(""), Err(ScopeParseError::Empty));
    assert_eq!(
        Scope::parse("openid  profile"),
        Err(ScopeParseError::EmptyToken {
            index: 1,
            offset: 7
        })
    );
    assert_eq!(
        Scope::parse("openid profile "),
        Err(ScopeParseError::EmptyToken {
            index: 2,
            offset: 15
        })
    );
    let err = Scope::parse("openid files:\"x\"").unwrap_err();
    assert_eq!(
        err,
        ScopeParseError::ForbiddenCharacter {
            token: "files:\"x\"".into(),
            index: 1,
            offset: 13,
            character: '"',
        }
    );
    let message = err.to_string();
    assert!(message.contains("scope token 1"), "{message}");
    assert!(message.contains("'\"'"), "{message}");
    assert!(message.contains("byte 13"), "{message}");
}

#[test]
fn from_str_is_strict_parse() {
    assert_eq!("b a".parse::<Scope>().unwrap(), scope("a b"));
    assert!("a\tb".parse::<Scope>().is_err());
    assert!("caf\u{e9}".parse::<ScopeToken>().is_err());
}

#[test]
fn token_errors() {
    assert_eq!(ScopeToken::new(""), Err(ScopeTokenError::Empty));
    assert_eq!(
        ScopeToken::try_from("a b"),
        Err(ScopeTokenError::ForbiddenCharacter {
            offset: 1,
            character: ' '
        })
    );
    let t = ScopeToken::try_from(String::from("x")).unwrap();
    assert_eq!(String::from(t.clone()), "x");
    assert_eq!(t, "x");
    assert_eq!(t.as_ref(), "x");
}

#[test]
fn lenient_parsing_is_separate_and_documented() {
    assert!(Scope::parse(" openid  profile ").is_err());
    assert_eq!(
        Scope::parse_lenient(" openid  profile\t").unwrap(),
        scope("openid profile")
    );
    assert_eq!(
        Scope::from_json_lenient(&serde_json::json!(["profile", "openid"])).unwrap(),
        scope("openid profile")
    );
    assert!(Scope::parse_lenient("openid pro\"file").is_err());
}

#[test]
fn set_algebra() {
    let requested = scope("openid profile email");
    let allowed = scope("openid email phone");
    assert_eq!(requested.intersection(&allowed), scope("email openid"));
    assert_eq!(
        requested.union(&allowed),
        scope("email openid phone profile")
    );
    assert_eq!(requested.difference(&allowed), scope("profile"));
    assert!(scope("openid").is_subset(&requested));
    assert!(!requested.is_subset(&allowed));
    assert!(requested.is_superset(&scope("email")));
    assert!(requested.contains("openid"));
    assert!(!requested.contains("phone"));
    let tokens: Vec<&str> = requested.iter().map(ScopeToken::as_str).collect();
    assert_eq!(tokens, ["email", "openid", "profile"]);
    let collected: Scope = requested.clone().into_iter().collect();
    assert_eq!(collected, requested);
    assert_eq!(Scope::from([ScopeToken::from_static("x")]), scope("x"));
    assert_eq!(Scope::from(ScopeToken::from_static("x")), scope("x"));
}

#[test]
fn serde_is_the_space_delimited_string() {
    #[derive(serde::Serialize, serde::Deserialize, PartialEq, Debug)]
    struct Grant {
        scope: Scope,
    }
    let grant = Grant {
        scope: scope("profile openid"),
    };
    let json = serde_json::to_string(&grant).unwrap();
    assert_eq!(json, r#"{"scope":"openid profile"}"#);
    assert_eq!(serde_json::from_str::<Grant>(&json).unwrap(), grant);
    assert!(serde_json::from_str::<Grant>(r#"{"scope":"openid  profile"}"#).is_err());
    assert!(serde_json::from_str::<Grant>(r#"{"scope":["openid"]}"#).is_err());
    let empty = Grant {
        scope: Scope::new(),
    };
    let json = serde_json::to_string(&empty).unwrap();
    assert_eq!(json, r#"{"scope":""}"#);
    assert_eq!(serde_json::from_str::<Grant>(&json).unwrap(), empty);
}

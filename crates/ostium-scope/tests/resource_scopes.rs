//! Resource-scoped scopes: a path grant never reaches outside its subtree, however the need is
//! spelled. Known attack spellings as a table, then a property test against an independent model of
//! the most permissive server interpretation.

// Test helpers outside `#[test]` functions may unwrap and index, like the tests themselves.
#![allow(clippy::unwrap_used, clippy::indexing_slicing)]

use ostium_scope::{ResourcePath, Scope, ScopeCatalog, ScopePattern, ScopeToken};
use proptest::prelude::*;

const FILES_WRITE: ScopePattern = ScopePattern::from_static("files:write:");
const FILES_READ: ScopePattern = ScopePattern::from_static("files:read:");

fn may_write(granted: &str, path: &str) -> bool {
    let granted = Scope::parse(granted).unwrap();
    ResourcePath::parse_request_path(path).is_ok_and(|path| FILES_WRITE.covers(&granted, &path))
}

#[test]
fn the_issue_examples() {
    let g = "files:write:/diagrams";
    assert!(may_write(g, "/diagrams/2026/plan.svg"));
    assert!(may_write(g, "/diagrams"));
    assert!(!may_write(g, "/diagrams-old/x"));
    assert!(!may_write(g, "/diagrams/../secrets"));
    let granted = Scope::parse(g).unwrap();
    assert!(!FILES_READ.covers(&granted, &ResourcePath::parse("/diagrams").unwrap()));
    let catalog = ScopeCatalog::new()
        .with_pattern(FILES_WRITE)
        .with_pattern(FILES_READ);
    let needed = ScopeToken::new("files:read:/diagrams").unwrap();
    assert!(!catalog.covers(&granted, &needed));
}

#[test]
fn known_bypass_spellings_are_refused() {
    let g = "files:write:/diagrams";
    for attack in [
        "/diagrams/../secrets",
        "/diagrams/./../secrets",
        "/diagrams/%2e%2e/secrets",
        "/diagrams/%2E%2E/secrets",
        "/diagrams/.%2e/secrets",
        "/diagrams/%252e%252e/secrets",
        "/diagrams%2F..%2Fsecrets",
        "/diagrams/..%2Fsecrets",
        "/diagrams/..%5Csecrets",
        "/diagrams/..\\secrets",
        "/diagrams\\..\\secrets",
        "/diagrams/..;/secrets",
        "/diagrams;/../secrets",
        "/diagrams/..%3B/secrets",
        "/diagrams/..%00/secrets",
        "/diagrams/..%20/secrets",
        "/diagrams/.../secrets",
        "/diagrams/%C0%AE%C0%AE/secrets",
        "/diagrams/%C0%AF../secrets",
        "/diagrams//../secrets",
        "/diagrams/..?/secrets",
        "/diagrams/x#/../../secrets",
        "diagrams/../secrets",
        "/diagrams/\u{2025}/secrets",
    ] {
        assert!(!may_write(g, attack), "{attack}");
        assert!(
            ResourcePath::parse_request_path(attack).is_err(),
            "{attack}"
        );
    }
}

#[test]
fn prefix_lookalikes_are_not_covered() {
    let g = "files:write:/diagrams";
    for other in [
        "/diagrams-old/x",
        "/diagramsx",
        "/diagram",
        "/",
        "/x/diagrams",
        "/Diagrams",
        "/diagrams.bak",
    ] {
        assert!(!may_write(g, other), "{other}");
    }
}

#[test]
fn trailing_slashes() {
    // A grant with a trailing slash is malformed and covers nothing.
    assert!(!may_write("files:write:/diagrams/", "/diagrams/x"));
    assert!(!may_write("files:write:/diagrams/", "/diagrams/"));
    // A requested path may end with one slash: the same node.
    assert!(may_write("files:write:/diagrams", "/diagrams/"));
    assert!(may_write("files:write:/diagrams", "/diagrams/2026/"));
    assert!(!may_write("files:write:/diagrams", "/diagrams//"));
    assert!(!may_write("files:write:/diagrams/2026", "/diagrams/"));
    // The root grant.
    assert!(may_write("files:write:/", "/"));
    assert!(may_write("files:write:/", "/anything/at/all/"));
}

#[test]
fn percent_encoding_is_compared_as_written() {
    assert!(may_write("files:write:/caf%C3%A9", "/caf%C3%A9/menu"));
    assert!(!may_write("files:write:/caf%C3%A9", "/caf%c3%a9/menu"));
    assert!(!may_write("files:write:/A", "/%41"));
    assert!(!may_write("files:write:/%41", "/A"));
}

// ---- Property test against an independent reference model ----------------------------------------

/// The most permissive reading of a path a resource server might apply: percent-decode repeatedly
/// (double decoding), treat `\` as `/`, drop `;` parameters (Tomcat), strip trailing dots and spaces
/// (Windows), drop empty and `.` segments and resolve `..`. A grant is sound if, even under this
/// reading, everything it covers stays inside it.
fn permissive_resolve(path: &str) -> Vec<Vec<u8>> {
    let mut bytes = path.as_bytes().to_vec();
    for _ in 0..4 {
        bytes = percent_decode(&bytes);
    }
    let mut segments: Vec<Vec<u8>> = Vec::new();
    for raw in bytes.split(|&b| b == b'/' || b == b'\\') {
        let raw = match raw.iter().position(|&b| b == b';') {
            Some(at) => &raw[..at],
            None => raw,
        };
        let mut segment = raw.to_vec();
        while segment.last().is_some_and(|&b| b == b'.' || b == b' ') && segment != b".." {
            segment.pop();
        }
        match segment.as_slice() {
            b"" | b"." => {}
            b".." => {
                segments.pop();
            }
            _ => segments.push(segment),
        }
    }
    segments
}

fn percent_decode(input: &[u8]) -> Vec<u8> {
    let hex = |b: u8| (b as char).to_digit(16).map(|d| d as u8);
    let mut out = Vec::with_capacity(input.len());
    let mut i = 0;
    while i < input.len() {
        if input[i] == b'%'
            && i + 2 < input.len()
            && let (Some(h), Some(l)) = (hex(input[i + 1]), hex(input[i + 2]))
        {
            out.push(h * 16 + l);
            i += 3;
            continue;
        }
        out.push(input[i]);
        i += 1;
    }
    out
}

/// The naive meaning of a clean path: its segments.
fn clean_segments(path: &str) -> Vec<&str> {
    path.split('/').filter(|s| !s.is_empty()).collect()
}

/// Segments a grant may hold.
const VALID_PIECES: &[&str] = &[
    "a",
    "b",
    "diagrams",
    "diagrams-old",
    "A",
    "%41",
    "x.",
    ".x",
    "~u",
    "a:b",
    "@",
    "a%20",
    "%c3%a9",
];

/// Spellings that servers read in surprising ways.
const TRICKY_PIECES: &[&str] = &[
    "",
    ".",
    "..",
    "...",
    "..;",
    "a;b",
    "%2e",
    "%2E",
    "%2e%2e",
    ".%2e",
    "%2F",
    "%2f",
    "%5C",
    "%5c",
    "\\",
    "%25",
    "%252e",
    "%252F",
    "%252e%252e",
    "..%5c..",
    "%2e%2e%5c..",
    "..%252f..",
    "..%3b",
    "%20",
    "..%20",
    "%00",
    "%C0%AE",
    "%C0%AF",
    "?",
    "#",
    " ",
    "\u{2025}",
];

fn piece() -> impl Strategy<Value = &'static str> {
    prop_oneof![
        3 => prop::sample::select(VALID_PIECES),
        1 => prop::sample::select(TRICKY_PIECES),
    ]
}

/// Paths built from the pieces above, mostly absolute, sometimes with a trailing slash.
fn any_path() -> impl Strategy<Value = String> {
    (
        prop::bool::weighted(0.95),
        prop::collection::vec(piece(), 0..6),
        prop::bool::weighted(0.2),
    )
        .prop_map(|(absolute, pieces, trailing)| {
            let mut path = String::new();
            if absolute {
                path.push('/');
            }
            path.push_str(&pieces.join("/"));
            if trailing {
                path.push('/');
            }
            path
        })
}

/// A grant and a need, the need often continuing the grant so that coverage is exercised.
fn grant_and_need() -> impl Strategy<Value = (String, String)> {
    (any_path(), any_path(), prop::bool::weighted(0.7)).prop_map(|(granted, suffix, extend)| {
        let needed = if extend {
            format!("{}{}", granted.trim_end_matches('/'), suffix)
        } else {
            suffix
        };
        (granted, needed)
    })
}

fn clean_path() -> impl Strategy<Value = String> {
    prop::collection::vec(
        prop::sample::select(&["a", "b", "diagrams", "diagrams-old"][..]),
        0..5,
    )
    .prop_map(|segments| format!("/{}", segments.join("/")))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(4096))]

    /// Soundness: whatever a grant covers resolves, under the permissive model, inside what the grant
    /// resolves to.
    #[test]
    fn a_path_grant_never_covers_a_path_outside_its_subtree((granted, needed) in grant_and_need()) {
        let Ok(grant) = ResourcePath::parse(&granted) else { return Ok(()) };
        let Ok(need) = ResourcePath::parse_request_path(&needed) else { return Ok(()) };
        let scope = Scope::from(FILES_WRITE.token(&grant));
        let covered = FILES_WRITE.covers(&scope, &need);
        prop_assert_eq!(covered, grant.covers(&need));
        if covered {
            let g = permissive_resolve(&granted);
            let n = permissive_resolve(&needed);
            prop_assert!(n.starts_with(&g), "{granted:?} covers {needed:?}, but {n:?} is outside {g:?}");
        }
    }

    /// The same, through scope tokens and the catalog, as the engine and resource server use it; and a
    /// grant of one pattern never covers another pattern's token.
    #[test]
    fn catalog_coverage_is_sound((granted, needed) in grant_and_need()) {
        let catalog = ScopeCatalog::new().with_pattern(FILES_WRITE).with_pattern(FILES_READ);
        let (Ok(g_token), Ok(n_token), Ok(other)) = (
            ScopeToken::new(format!("files:write:{granted}")),
            ScopeToken::new(format!("files:write:{needed}")),
            ScopeToken::new(format!("files:read:{needed}")),
        ) else { return Ok(()) };
        let scope = Scope::from(g_token);
        prop_assert!(!catalog.covers(&scope, &other));
        if catalog.covers(&scope, &n_token) {
            let g = permissive_resolve(&granted);
            let n = permissive_resolve(&needed);
            prop_assert!(n.starts_with(&g), "{granted:?} covers {needed:?}");
        }
    }

    /// Completeness on clean paths: coverage is exactly segment-prefix.
    #[test]
    fn clean_paths_match_on_segment_prefixes(granted in clean_path(), needed in clean_path()) {
        let grant = ResourcePath::parse(granted.trim_end_matches('/')).or_else(|_| ResourcePath::parse("/")).unwrap();
        let need = ResourcePath::parse_request_path(&needed).unwrap();
        let expected = clean_segments(&needed).starts_with(&clean_segments(grant.as_str()));
        prop_assert_eq!(grant.covers(&need), expected);
    }

    /// Anything carrying a structural encoding or separator trick is refused outright.
    #[test]
    fn structural_tricks_are_refused(path in any_path()) {
        let lower = path.to_ascii_lowercase();
        let tricky = ["%2f", "%2e", "%5c", "%25", "%00", "\\", ";", "//", "?", "#", " "]
            .iter()
            .any(|t| lower.contains(t))
            || path.split('/').any(|s| s == "." || s.starts_with(".."));
        if tricky {
            prop_assert!(ResourcePath::parse_request_path(&path).is_err(), "{path:?}");
        }
    }
}

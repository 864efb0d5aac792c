//! Scope parsing (strict, lenient, lenient JSON), resource paths and path coverage: never panics, what
//! parses round-trips, and a path grant never covers a path outside its subtree under the most
//! permissive server reading.
#![no_main]

use libfuzzer_sys::fuzz_target;
use ostium_scope::{
    AuthorizationDetails, ResourcePath, Scope, ScopeCatalog, ScopeParseError, ScopePattern,
    ScopeToken,
};

const FILES_WRITE: ScopePattern = ScopePattern::from_static("files:write:");

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    token(text);
    let strict = strict(text);
    lenient(text, strict.as_ref());
    lenient_json(text);
    paths(text);
});

fn token(text: &str) {
    if let Ok(token) = ScopeToken::new(text) {
        assert_eq!(token.as_str(), text);
        assert_eq!(Scope::parse(text), Ok(Scope::from(token)));
    }
}

fn strict(text: &str) -> Option<Scope> {
    match Scope::parse(text) {
        Ok(scope) => {
            assert!(!scope.is_empty());
            let display = scope.to_string();
            assert_eq!(Scope::parse(&display).as_ref(), Ok(&scope));
            // Display is canonical: sorted, single spaces.
            let tokens: Vec<&str> = display.split(' ').collect();
            assert!(tokens.windows(2).all(|w| w.first() < w.last()));
            Some(scope)
        }
        Err(ScopeParseError::ForbiddenCharacter {
            offset, character, ..
        }) => {
            assert_eq!(
                text.get(offset..).and_then(|r| r.chars().next()),
                Some(character)
            );
            None
        }
        Err(_) => None,
    }
}

fn lenient(text: &str, strict: Option<&Scope>) {
    match Scope::parse_lenient(text) {
        Ok(scope) => {
            if let Some(strict) = strict {
                assert_eq!(&scope, strict);
            }
            let display = scope.to_string();
            if scope.is_empty() {
                assert!(display.is_empty());
            } else {
                assert_eq!(Scope::parse(&display), Ok(scope));
            }
        }
        // Whatever the strict parser accepts, the lenient one accepts too.
        Err(_) => assert!(strict.is_none()),
    }
}

/// Reaches `Scope::from_json_lenient` with arbitrary JSON by embedding the input in an
/// authorization details entry (this crate has no JSON parser of its own).
fn lenient_json(text: &str) {
    let wrapped = format!(r#"[{{"type":"t","v":{text}}}]"#);
    let Ok(details) = AuthorizationDetails::parse(&wrapped) else {
        return;
    };
    let Some(value) = details.iter().next().and_then(|d| d.extension("v")) else {
        return;
    };
    if let Ok(scope) = Scope::from_json_lenient(value) {
        if !scope.is_empty() {
            assert_eq!(Scope::parse(&scope.to_string()), Ok(scope));
        }
    }
}

fn paths(text: &str) {
    for path in [
        ResourcePath::parse(text),
        ResourcePath::parse_request_path(text),
    ]
    .into_iter()
    .flatten()
    {
        assert_eq!(ResourcePath::parse(path.as_str()).as_ref(), Ok(&path));
        assert!(path.covers(&path));
        assert!(ResourcePath::root().covers(&path));
        let token = FILES_WRITE.token(&path);
        let catalog = ScopeCatalog::new().with_pattern(FILES_WRITE);
        assert!(catalog.is_known(&token));
        assert!(catalog.covers(&Scope::from(token.clone()), &token));
    }
    if ResourcePath::parse(text).is_ok() {
        assert!(ResourcePath::parse_request_path(text).is_ok());
    }

    // "<granted>\n<needed>": coverage must be sound under the permissive model.
    let Some((granted, needed)) = text.split_once('\n') else {
        return;
    };
    let (Ok(grant), Ok(need)) = (
        ResourcePath::parse(granted),
        ResourcePath::parse_request_path(needed),
    ) else {
        return;
    };
    let scope = Scope::from(FILES_WRITE.token(&grant));
    let covered = FILES_WRITE.covers(&scope, &need);
    assert_eq!(covered, grant.covers(&need));
    if covered {
        let g = permissive_resolve(granted);
        let n = permissive_resolve(needed);
        assert!(
            n.starts_with(&g),
            "{granted:?} covers {needed:?}: {n:?} outside {g:?}"
        );
    }
}

/// The most permissive reading of a path a server might apply: repeated percent-decoding, `\` as `/`,
/// `;` parameters dropped, trailing dots and spaces stripped, empty and `.` segments dropped, `..`
/// resolved.
fn permissive_resolve(path: &str) -> Vec<Vec<u8>> {
    let mut bytes = path.as_bytes().to_vec();
    for _ in 0..4 {
        bytes = percent_decode(&bytes);
    }
    let mut segments: Vec<Vec<u8>> = Vec::new();
    for raw in bytes.split(|&b| b == b'/' || b == b'\\') {
        let end = raw.iter().position(|&b| b == b';').unwrap_or(raw.len());
        let mut segment = raw.get(..end).unwrap_or_default().to_vec();
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
    let hex = |b: Option<&u8>| b.and_then(|&b| (b as char).to_digit(16)).map(|d| d as u8);
    let mut out = Vec::with_capacity(input.len());
    let mut i = 0;
    while let Some(&byte) = input.get(i) {
        if byte == b'%' {
            if let (Some(h), Some(l)) = (hex(input.get(i + 1)), hex(input.get(i + 2))) {
                out.push(h * 16 + l);
                i += 3;
                continue;
            }
        }
        out.push(byte);
        i += 1;
    }
    out
}

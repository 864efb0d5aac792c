//! Resource paths, the parameter of resource-scoped scopes such as `files:write:/diagrams`.
//!
//! The rules are built so that a path grant can never be widened by how the path is written: nothing
//! is normalised that could change which resource a path names; anything ambiguous is refused. See
//! [`ResourcePath`] for the grammar and the crate documentation for the reasoning.

use std::fmt;

use crate::token::char_at;

/// An absolute, slash-separated resource path whose meaning cannot be bent: the parameter of a
/// resource-scoped scope (see [`ScopePattern`](crate::ScopePattern)).
///
/// Grammar (RFC 3986 §3.3 `path-absolute` with these restrictions):
///
/// - `/` alone is the **root**; otherwise the path is one or more `/segment`s.
/// - A segment is one or more of: ASCII letters and digits, `-` `.` `_` `~` `!` `$` `&` `'` `(` `)` `*`
///   `+` `,` `=` `:` `@`, and percent-encoded octets `%XX`. **Refused**: `;` (path parameters, which
///   some servers strip, as in Tomcat's `..;`), `\`, `?`, `#`, spaces, control characters and any raw
///   non-ASCII character (encode it as UTF-8 octets).
/// - **Percent-encoding** is kept as written and compared octet for octet: `%41` and `A` are different
///   segments, so are `%c3%a9` and `%C3%A9`. Encodings that could change the structure of the path are
///   refused: `%2F` (`/`), `%5C` (`\`), `%2E` (`.`), `%25` (`%`, which would allow double decoding),
///   `%3B` (`;`) and encoded control characters (`%00`–`%1F`, `%7F`), in either case. The decoded
///   octets of a segment must be valid UTF-8 (this refuses overlong forms such as `%C0%AF`).
/// - **Dot segments are refused**, as is anything a file system might read as one: a segment that is
///   `.`, that starts with `..`, or that consists only of dots and (encoded) spaces.
/// - **Empty segments are refused** (`/a//b`): servers disagree on whether they collapse.
/// - **Trailing slash**: [`ResourcePath::parse`], used for grants, refuses it (does `/diagrams/` mean
///   the folder or only its contents? it is not guessed). [`ResourcePath::parse_request_path`], for the
///   path a resource server is asked about, accepts one trailing slash and reads it as the same node:
///   `/diagrams/` is `/diagrams`. That can never widen a grant, because a grant covers a node exactly
///   when it covers the node's subtree.
///
/// A path `g` **covers** `n` when `g` is the root, `g == n`, or `n` continues `g` with `/` (segment
/// boundary): `/diagrams` covers `/diagrams` and `/diagrams/2026/plan.svg` but not `/diagrams-old/x`.
///
/// What this cannot know: the resource server must map a path to a resource by splitting on `/` and
/// (if at all) percent-decoding each segment once. A server that applies further transformations after
/// the check (Unicode compatibility normalisation, which turns `‥` into `..`; case folding of encoded
/// octets; its own dot-segment resolution of differently encoded input) must check the path it
/// actually uses.
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ResourcePath(String);

impl ResourcePath {
    /// The root `/`, which covers every path.
    #[must_use]
    pub fn root() -> Self {
        Self(String::from("/"))
    }

    /// Parses a path as written in a grant: no trailing slash (except the root `/`).
    ///
    /// # Errors
    ///
    /// A [`PathError`] saying which rule of [`ResourcePath`] the path breaks and where.
    pub fn parse(path: &str) -> Result<Self, PathError> {
        parse(path, TrailingSlash::Refuse)
    }

    /// Parses the path a resource server is asked to authorize: as [`ResourcePath::parse`], except
    /// that one trailing slash is accepted and dropped (`/diagrams/` is the node `/diagrams`).
    ///
    /// # Errors
    ///
    /// As [`ResourcePath::parse`]; `/a//` is still refused (its last segment is empty).
    pub fn parse_request_path(path: &str) -> Result<Self, PathError> {
        parse(path, TrailingSlash::Drop)
    }

    /// The path as written (without any trailing slash).
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Whether this is the root `/`.
    #[must_use]
    pub fn is_root(&self) -> bool {
        self.0 == "/"
    }

    /// The segments, as written (not decoded); none for the root.
    pub fn segments(&self) -> impl DoubleEndedIterator<Item = &str> {
        self.0.split('/').filter(|segment| !segment.is_empty())
    }

    /// Whether `self` is `other` or one of its ancestors, on segment boundaries.
    ///
    /// ```
    /// use ostium_scope::ResourcePath;
    ///
    /// let granted = ResourcePath::parse("/diagrams")?;
    /// assert!(granted.covers(&ResourcePath::parse("/diagrams/2026/plan.svg")?));
    /// assert!(granted.covers(&ResourcePath::parse("/diagrams")?));
    /// assert!(!granted.covers(&ResourcePath::parse("/diagrams-old/x")?));
    /// assert!(ResourcePath::parse("/diagrams/../secrets").is_err());
    /// # Ok::<(), ostium_scope::PathError>(())
    /// ```
    #[must_use]
    pub fn covers(&self, other: &ResourcePath) -> bool {
        self.is_root()
            || other
                .0
                .strip_prefix(self.0.as_str())
                .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
    }
}

impl fmt::Display for ResourcePath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for ResourcePath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("ResourcePath").field(&self.0).finish()
    }
}

impl std::str::FromStr for ResourcePath {
    type Err = PathError;

    /// Same as [`ResourcePath::parse`].
    fn from_str(path: &str) -> Result<Self, Self::Err> {
        Self::parse(path)
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum TrailingSlash {
    Refuse,
    Drop,
}

fn parse(path: &str, trailing: TrailingSlash) -> Result<ResourcePath, PathError> {
    if path.is_empty() {
        return Err(PathError::Empty);
    }
    let Some(mut body) = path.strip_prefix('/') else {
        return Err(PathError::NotAbsolute);
    };
    if body.is_empty() {
        return Ok(ResourcePath::root());
    }
    if let Some(stripped) = body.strip_suffix('/') {
        match trailing {
            TrailingSlash::Refuse => {
                return Err(PathError::TrailingSlash {
                    offset: path.len() - 1,
                });
            }
            TrailingSlash::Drop => body = stripped,
        }
    }
    let mut offset = 1;
    for segment in body.split('/') {
        check_segment(segment, offset)?;
        offset += segment.len() + 1;
    }
    Ok(ResourcePath(format!("/{body}")))
}

/// Whether `byte` may appear unencoded in a segment: RFC 3986 `pchar` without `;` and `%`.
const fn is_segment_byte(byte: u8) -> bool {
    byte.is_ascii_alphanumeric()
        || matches!(
            byte,
            b'-' | b'.'
                | b'_'
                | b'~'
                | b'!'
                | b'$'
                | b'&'
                | b'\''
                | b'('
                | b')'
                | b'*'
                | b'+'
                | b','
                | b'='
                | b':'
                | b'@'
        )
}

/// Whether a percent-encoded octet is refused because decoding it could change the path's structure.
const fn is_forbidden_encoding(octet: u8) -> bool {
    octet < 0x20 || matches!(octet, 0x7F | b'/' | b'\\' | b'.' | b'%' | b';')
}

const fn hex_value(digit: u8) -> Option<u8> {
    match digit {
        b'0'..=b'9' => Some(digit - b'0'),
        b'a'..=b'f' => Some(digit - b'a' + 10),
        b'A'..=b'F' => Some(digit - b'A' + 10),
        _ => None,
    }
}

/// Checks one segment that starts at byte `base` of the whole path.
fn check_segment(segment: &str, base: usize) -> Result<(), PathError> {
    if segment.is_empty() {
        return Err(PathError::EmptySegment { offset: base });
    }
    let bytes = segment.as_bytes();
    let mut decoded = Vec::with_capacity(bytes.len());
    let mut at = 0;
    while let Some(&byte) = bytes.get(at) {
        if byte == b'%' {
            let high = bytes.get(at + 1).copied().and_then(hex_value);
            let low = bytes.get(at + 2).copied().and_then(hex_value);
            let (Some(high), Some(low)) = (high, low) else {
                return Err(PathError::MalformedPercentEncoding { offset: base + at });
            };
            let octet = high * 16 + low;
            if is_forbidden_encoding(octet) {
                return Err(PathError::ForbiddenEncoding {
                    offset: base + at,
                    octet,
                });
            }
            decoded.push(octet);
            at += 3;
        } else if is_segment_byte(byte) {
            decoded.push(byte);
            at += 1;
        } else {
            // Everything before `at` was ASCII, so `at` is a character boundary.
            return Err(PathError::ForbiddenCharacter {
                offset: base + at,
                character: char_at(segment, at),
            });
        }
    }
    if std::str::from_utf8(&decoded).is_err() {
        return Err(PathError::InvalidUtf8 { offset: base });
    }
    if decoded.starts_with(b"..") || decoded.iter().all(|&b| b == b'.' || b == b' ') {
        return Err(PathError::DotSegment { offset: base });
    }
    Ok(())
}

/// Why a string is not a [`ResourcePath`]; offsets are bytes into the path.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum PathError {
    /// The path is empty.
    Empty,
    /// The path does not start with `/`.
    NotAbsolute,
    /// The path ends with `/` where that is not accepted (in a grant).
    TrailingSlash {
        /// Offset of the trailing slash.
        offset: usize,
    },
    /// Two slashes in a row (`//`).
    EmptySegment {
        /// Offset where the empty segment starts.
        offset: usize,
    },
    /// A segment that is `.`, starts with `..`, or consists only of dots and spaces.
    DotSegment {
        /// Offset of the segment.
        offset: usize,
    },
    /// A character that may not appear unencoded in a segment (`;`, `\`, `?`, `#`, space, control,
    /// non-ASCII, …).
    ForbiddenCharacter {
        /// Offset of the character.
        offset: usize,
        /// The character.
        character: char,
    },
    /// A `%` not followed by two hexadecimal digits.
    MalformedPercentEncoding {
        /// Offset of the `%`.
        offset: usize,
    },
    /// A percent-encoded octet that could change the path's structure (`/`, `\`, `.`, `%`, `;`, control).
    ForbiddenEncoding {
        /// Offset of the `%`.
        offset: usize,
        /// The octet it encodes.
        octet: u8,
    },
    /// The percent-decoded octets of the segment are not valid UTF-8.
    InvalidUtf8 {
        /// Offset of the segment.
        offset: usize,
    },
}

impl fmt::Display for PathError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Empty => f.write_str("the resource path is empty"),
            Self::NotAbsolute => f.write_str("the resource path must start with '/'"),
            Self::TrailingSlash { offset } => write!(
                f,
                "the resource path ends with '/' (byte {offset}); a grant names a node without one"
            ),
            Self::EmptySegment { offset } => {
                write!(f, "the resource path has an empty segment at byte {offset}")
            }
            Self::DotSegment { offset } => write!(
                f,
                "the resource path has a dot segment at byte {offset} ('.', '..' or similar)"
            ),
            Self::ForbiddenCharacter { offset, character } => write!(
                f,
                "the resource path contains the forbidden character {character:?} at byte {offset}"
            ),
            Self::MalformedPercentEncoding { offset } => write!(
                f,
                "the resource path has a '%' not followed by two hex digits at byte {offset}"
            ),
            Self::ForbiddenEncoding { offset, octet } => write!(
                f,
                "the resource path encodes the forbidden octet 0x{octet:02X} at byte {offset}"
            ),
            Self::InvalidUtf8 { offset } => write!(
                f,
                "the resource path segment at byte {offset} does not decode to UTF-8"
            ),
        }
    }
}

impl std::error::Error for PathError {}

#[cfg(test)]
mod tests {
    use super::*;

    fn path(s: &str) -> ResourcePath {
        ResourcePath::parse(s).unwrap()
    }

    #[test]
    fn valid_paths() {
        for p in [
            "/",
            "/a",
            "/diagrams/2026/plan.svg",
            "/.hidden",
            "/a.b/c..d",
            "/x%20y",
            "/caf%C3%A9",
            "/~user/!$&'()*+,=:@-_",
            "/%41",
        ] {
            assert_eq!(path(p).as_str(), p);
        }
    }

    #[test]
    fn refusals_name_the_rule_and_offset() {
        use PathError::*;
        for (p, expected) in [
            ("", Empty),
            ("a/b", NotAbsolute),
            ("\\a", NotAbsolute),
            ("/a/", TrailingSlash { offset: 2 }),
            ("//", TrailingSlash { offset: 1 }),
            ("/a//b", EmptySegment { offset: 3 }),
            ("/.", DotSegment { offset: 1 }),
            ("/a/..", DotSegment { offset: 3 }),
            ("/a/../b", DotSegment { offset: 3 }),
            ("/...", DotSegment { offset: 1 }),
            ("/..x", DotSegment { offset: 1 }),
            (
                "/. %20.",
                ForbiddenCharacter {
                    offset: 2,
                    character: ' ',
                },
            ),
            ("/..%20", DotSegment { offset: 1 }),
            ("/.%20", DotSegment { offset: 1 }),
            ("/%20", DotSegment { offset: 1 }),
            (
                "/a;b",
                ForbiddenCharacter {
                    offset: 2,
                    character: ';',
                },
            ),
            (
                "/a\\b",
                ForbiddenCharacter {
                    offset: 2,
                    character: '\\',
                },
            ),
            (
                "/a?b",
                ForbiddenCharacter {
                    offset: 2,
                    character: '?',
                },
            ),
            (
                "/a#b",
                ForbiddenCharacter {
                    offset: 2,
                    character: '#',
                },
            ),
            (
                "/caf\u{e9}",
                ForbiddenCharacter {
                    offset: 4,
                    character: '\u{e9}',
                },
            ),
            ("/a%2", MalformedPercentEncoding { offset: 2 }),
            ("/a%zz", MalformedPercentEncoding { offset: 2 }),
            (
                "/a%2Fb",
                ForbiddenEncoding {
                    offset: 2,
                    octet: b'/',
                },
            ),
            (
                "/a%2fb",
                ForbiddenEncoding {
                    offset: 2,
                    octet: b'/',
                },
            ),
            (
                "/%2e%2e",
                ForbiddenEncoding {
                    offset: 1,
                    octet: b'.',
                },
            ),
            (
                "/a%5c",
                ForbiddenEncoding {
                    offset: 2,
                    octet: b'\\',
                },
            ),
            (
                "/%252e",
                ForbiddenEncoding {
                    offset: 1,
                    octet: b'%',
                },
            ),
            (
                "/a%3B",
                ForbiddenEncoding {
                    offset: 2,
                    octet: b';',
                },
            ),
            (
                "/a%00",
                ForbiddenEncoding {
                    offset: 2,
                    octet: 0,
                },
            ),
            (
                "/a%7f",
                ForbiddenEncoding {
                    offset: 2,
                    octet: 0x7F,
                },
            ),
            ("/%C0%AF", InvalidUtf8 { offset: 1 }),
            ("/ok/%FF", InvalidUtf8 { offset: 4 }),
        ] {
            assert_eq!(ResourcePath::parse(p), Err(expected), "{p:?}");
        }
    }

    #[test]
    fn request_paths_may_end_with_one_slash() {
        assert_eq!(ResourcePath::parse_request_path("/a/").unwrap(), path("/a"));
        assert_eq!(ResourcePath::parse_request_path("/").unwrap(), path("/"));
        assert_eq!(
            ResourcePath::parse_request_path("/a//"),
            Err(PathError::EmptySegment { offset: 3 })
        );
        assert_eq!(
            ResourcePath::parse_request_path("//"),
            Err(PathError::EmptySegment { offset: 1 })
        );
        assert_eq!(
            ResourcePath::parse_request_path("/../"),
            Err(PathError::DotSegment { offset: 1 })
        );
    }

    #[test]
    fn coverage_is_on_segment_boundaries() {
        let g = path("/diagrams");
        assert!(g.covers(&path("/diagrams")));
        assert!(g.covers(&path("/diagrams/2026/plan.svg")));
        assert!(!g.covers(&path("/diagrams-old/x")));
        assert!(!g.covers(&path("/diagramsx")));
        assert!(!g.covers(&path("/")));
        assert!(!g.covers(&path("/other/diagrams")));
        assert!(!path("/diagrams/2026").covers(&g));
        assert!(path("/").covers(&g));
        assert!(path("/").covers(&path("/")));
    }

    #[test]
    fn encodings_are_compared_as_written() {
        assert!(!path("/%41").covers(&path("/A")));
        assert!(!path("/A").covers(&path("/%41")));
        assert!(!path("/%c3%a9").covers(&path("/%C3%A9/x")));
        assert!(path("/%C3%A9").covers(&path("/%C3%A9/x")));
    }

    #[test]
    fn segments_and_display() {
        let p = path("/a/b%20c");
        assert_eq!(p.segments().collect::<Vec<_>>(), ["a", "b%20c"]);
        assert_eq!(ResourcePath::root().segments().count(), 0);
        assert_eq!(p.to_string(), "/a/b%20c");
        assert_eq!(format!("{p:?}"), "ResourcePath(\"/a/b%20c\")");
        assert_eq!("/x".parse::<ResourcePath>().unwrap(), path("/x"));
    }

    #[test]
    fn errors_display_their_offset() {
        let e = ResourcePath::parse("/a%2Fb").unwrap_err();
        assert_eq!(
            e.to_string(),
            "the resource path encodes the forbidden octet 0x2F at byte 2"
        );
    }
}

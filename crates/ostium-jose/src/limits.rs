//! Size and depth limits on everything parsed (RFC 8725 §3.2 spirit; CVE-2025-27144,
//! CVE-2025-30204 as counter-examples).

/// Limits applied before and while parsing a JWS or JWT.
///
/// The input length is checked before anything else, so a 10 MB token or a million dots costs
/// one comparison.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Limits {
    /// The longest compact token or JSON serialization accepted, in bytes (default 64 KiB).
    pub max_token_len: usize,
    /// The longest encoded protected header accepted, in bytes (default 8 KiB).
    pub max_header_len: usize,
    /// The deepest nesting of JSON arrays and objects inside a header or the claims (default 16).
    pub max_depth: usize,
    /// The most signatures a general JSON serialization may carry (default 8).
    pub max_signatures: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_token_len: 64 * 1024,
            max_header_len: 8 * 1024,
            max_depth: 16,
            max_signatures: 8,
        }
    }
}

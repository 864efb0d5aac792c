//! Bounds on the size of an `authorization_details` value.

/// Bounds on an `authorization_details` value, checked while it is read so that a hostile input
/// costs at most `max_bytes` of parsing (RFC 9396 §12 leaves the limits to the server).
///
/// ```
/// use ostium_scope::RarLimits;
///
/// let limits = RarLimits::default().with_max_entries(4);
/// assert_eq!(limits.max_entries, 4);
/// assert_eq!(limits.max_bytes, 32 * 1024);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub struct RarLimits {
    /// Longest accepted input, in bytes (only where the input is text). Default 32 KiB.
    pub max_bytes: usize,
    /// Most entries in the array. Default 32.
    pub max_entries: usize,
    /// Deepest nesting of arrays and objects, counting the outer array as 1 and an entry as 2.
    /// Default 8, which leaves six levels for the values inside an entry.
    pub max_depth: usize,
}

impl Default for RarLimits {
    fn default() -> Self {
        Self {
            max_bytes: 32 * 1024,
            max_entries: 32,
            max_depth: 8,
        }
    }
}

impl RarLimits {
    /// Sets [`RarLimits::max_bytes`].
    #[must_use]
    pub const fn with_max_bytes(mut self, max_bytes: usize) -> Self {
        self.max_bytes = max_bytes;
        self
    }

    /// Sets [`RarLimits::max_entries`].
    #[must_use]
    pub const fn with_max_entries(mut self, max_entries: usize) -> Self {
        self.max_entries = max_entries;
        self
    }

    /// Sets [`RarLimits::max_depth`].
    #[must_use]
    pub const fn with_max_depth(mut self, max_depth: usize) -> Self {
        self.max_depth = max_depth;
        self
    }
}

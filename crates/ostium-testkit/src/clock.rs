//! A clock that moves only when the test moves it.

use time::{Duration, OffsetDateTime};

/// A fixed point in time that a test advances explicitly.
///
/// Ostium's endpoints take `now` as a parameter; a test keeps one `FixedClock` and passes
/// `clock.now()` to each call, advancing it to cross expiry boundaries exactly.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FixedClock {
    now: OffsetDateTime,
}

impl FixedClock {
    /// A clock showing `now`.
    pub fn new(now: OffsetDateTime) -> Self {
        Self { now }
    }

    /// A clock showing the given Unix time (seconds, UTC).
    ///
    /// # Panics
    ///
    /// When `seconds` is outside the range `time` can represent (a bug in the test).
    #[allow(clippy::expect_used)] // Test support: an out-of-range literal is a bug in the test.
    pub fn at_unix(seconds: i64) -> Self {
        Self::new(OffsetDateTime::from_unix_timestamp(seconds).expect("Unix time within range"))
    }

    /// The time the clock shows.
    pub fn now(&self) -> OffsetDateTime {
        self.now
    }

    /// Moves the clock by `by` (which may be negative, to test clock skew).
    pub fn advance(&mut self, by: Duration) {
        self.now += by;
    }
}

impl Default for FixedClock {
    /// 2026-01-01T00:00:00Z: a fixed, recognisable instant.
    fn default() -> Self {
        Self::at_unix(1_767_225_600)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_is_the_start_of_2026() {
        let clock = FixedClock::default();
        assert_eq!(clock.now().year(), 2026);
        assert_eq!(clock.now().ordinal(), 1);
        assert_eq!(
            (
                clock.now().hour(),
                clock.now().minute(),
                clock.now().second()
            ),
            (0, 0, 0)
        );
    }

    #[test]
    fn advances_exactly_and_backwards() {
        let mut clock = FixedClock::at_unix(100);
        clock.advance(Duration::seconds(60));
        assert_eq!(clock.now().unix_timestamp(), 160);
        clock.advance(Duration::seconds(-200));
        assert_eq!(clock.now().unix_timestamp(), -40);
    }
}

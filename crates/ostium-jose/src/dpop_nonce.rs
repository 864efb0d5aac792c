//! Server-provided DPoP nonces without storage (RFC 9449 §8, §9): each nonce is an HMAC of a
//! time window under a secret the servers share, so that every replica issues the same nonce and
//! accepts the others', and nothing is written per nonce.

use std::fmt;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use ring::hmac;
use time::{Duration, OffsetDateTime};

/// Octets of the HMAC kept in a nonce: 128 bits, 22 base64url characters.
const NONCE_OCTETS: usize = 16;

/// Separates these MACs from anything else an embedder might compute with the same secret.
const CONTEXT: &[u8] = b"ostium DPoP-Nonce v1\0";

/// The nonces a server demands in DPoP proofs, one per window of [`period`](Self::period).
///
/// The nonce of window `w` (`w = ⌊unix time / period⌋`) is the base64url form of the first 16
/// octets of HMAC-SHA256(secret, context ‖ `w`). A proof is accepted with the current window's
/// nonce or the previous one's, so a nonce lasts between one and two periods. A client that
/// holds an older nonce gets `use_dpop_nonce` with the current one in `DPoP-Nonce`, and retries.
///
/// Nonces are not secret (they are sent to every client) but cannot be predicted without the
/// secret: a proof carrying one was made after the window began (§8 and §11.1: proofs made in
/// advance by a thief who briefly held the key stop working).
///
/// ```
/// use ostium_jose::DpopNonceSchedule;
/// use time::{Duration, OffsetDateTime};
///
/// // In production the secret comes from the server's secure randomness, the same on every
/// // replica.
/// let schedule = DpopNonceSchedule::new(&[7; 32], Duration::minutes(5));
/// let now = OffsetDateTime::from_unix_timestamp(1_800_000_000).unwrap();
/// let nonce = schedule.current(now);
/// assert!(schedule.accepts(&nonce, now));
/// assert!(schedule.accepts(&nonce, now + Duration::minutes(5)));
/// assert!(!schedule.accepts(&nonce, now + Duration::minutes(10)));
/// ```
#[derive(Clone)]
pub struct DpopNonceSchedule {
    key: hmac::Key,
    period_seconds: i64,
}

impl DpopNonceSchedule {
    /// The shortest period: one second (shorter ones are raised to it).
    pub const MIN_PERIOD: Duration = Duration::SECOND;

    /// A schedule under `secret` (32 octets of secure randomness, shared by the replicas that
    /// must accept each other's nonces) with windows of `period`, in whole seconds.
    pub fn new(secret: &[u8; 32], period: Duration) -> Self {
        Self {
            key: hmac::Key::new(hmac::HMAC_SHA256, secret),
            period_seconds: period.whole_seconds().max(1),
        }
    }

    /// The length of a window.
    pub fn period(&self) -> Duration {
        Duration::seconds(self.period_seconds)
    }

    /// The nonce to demand at `now` (send it in `DPoP-Nonce`).
    pub fn current(&self, now: OffsetDateTime) -> String {
        self.nonce(self.window(now))
    }

    /// Whether `nonce` is the nonce of the window of `now` or of the one before.
    pub fn accepts(&self, nonce: &str, now: OffsetDateTime) -> bool {
        let window = self.window(now);
        // Nonces are public: plain comparison is fine.
        nonce == self.nonce(window) || nonce == self.nonce(window.saturating_sub(1))
    }

    /// The previous window's nonce, still accepted at `now`: for a server that keeps a list of
    /// accepted nonces rather than the schedule.
    pub fn previous(&self, now: OffsetDateTime) -> String {
        self.nonce(self.window(now).saturating_sub(1))
    }

    fn window(&self, now: OffsetDateTime) -> i64 {
        now.unix_timestamp().div_euclid(self.period_seconds)
    }

    fn nonce(&self, window: i64) -> String {
        let mut context = hmac::Context::with_key(&self.key);
        context.update(CONTEXT);
        context.update(&window.to_be_bytes());
        let tag = context.sign();
        URL_SAFE_NO_PAD.encode(tag.as_ref().get(..NONCE_OCTETS).unwrap_or_default())
    }
}

impl fmt::Debug for DpopNonceSchedule {
    /// Shows the period, never the secret.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DpopNonceSchedule")
            .field("period_seconds", &self.period_seconds)
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(seconds: i64) -> OffsetDateTime {
        OffsetDateTime::from_unix_timestamp(seconds).unwrap()
    }

    fn schedule(secret: u8) -> DpopNonceSchedule {
        DpopNonceSchedule::new(&[secret; 32], Duration::seconds(60))
    }

    #[test]
    fn a_nonce_lasts_its_window_and_the_next() {
        let s = schedule(1);
        let nonce = s.current(at(6_000));
        assert_eq!(s.current(at(6_059)), nonce, "the same window");
        assert_ne!(s.current(at(6_060)), nonce, "the next window");
        assert!(s.accepts(&nonce, at(6_000)));
        assert!(s.accepts(&nonce, at(6_119)));
        assert_eq!(s.previous(at(6_119)), nonce);
        assert!(!s.accepts(&nonce, at(6_120)), "two windows on");
        assert!(!s.accepts(&nonce, at(5_999)), "the window before");
    }

    /// Replicas with the same secret agree; another secret gives other nonces.
    #[test]
    fn the_secret_decides_the_nonces() {
        let now = at(1_800_000_000);
        assert_eq!(schedule(1).current(now), schedule(1).current(now));
        assert_ne!(schedule(1).current(now), schedule(2).current(now));
        assert!(!schedule(2).accepts(&schedule(1).current(now), now));
    }

    /// The MAC, recomputed here from its definition: HMAC-SHA256 over the context and the
    /// big-endian window, 16 octets, base64url.
    #[test]
    fn the_nonce_is_the_documented_mac() {
        let now = at(1_800_000_000);
        let window: i64 = 1_800_000_000 / 60;
        let key = hmac::Key::new(hmac::HMAC_SHA256, &[1; 32]);
        let message = [CONTEXT, &window.to_be_bytes()].concat();
        let tag = hmac::sign(&key, &message);
        assert_eq!(
            schedule(1).current(now),
            URL_SAFE_NO_PAD.encode(&tag.as_ref()[..16])
        );
        assert_eq!(schedule(1).current(now).len(), 22);
    }

    /// RFC 9449 §8.1: `nonce = 1*NQCHAR`, which base64url's alphabet is within.
    #[test]
    fn nonces_are_nqchar() {
        let s = schedule(3);
        for second in (0..100_000).step_by(997) {
            let nonce = s.current(at(second));
            assert!(
                nonce
                    .bytes()
                    .all(|b| b == 0x21 || (0x23..=0x5B).contains(&b) || (0x5D..=0x7E).contains(&b)),
                "{nonce}"
            );
        }
    }

    #[test]
    fn times_before_1970_and_short_periods_work() {
        let s = schedule(4);
        let nonce = s.current(at(-1));
        assert!(s.accepts(&nonce, at(-60)));
        assert!(s.accepts(&nonce, at(59)));
        assert!(!s.accepts(&nonce, at(60)));
        let short = DpopNonceSchedule::new(&[4; 32], Duration::milliseconds(10));
        assert_eq!(short.period(), DpopNonceSchedule::MIN_PERIOD);
        assert_eq!(short.current(at(i64::from(i32::MIN))).len(), 22);
    }

    #[test]
    fn debug_hides_the_secret() {
        let shown = format!("{:?}", schedule(9));
        assert_eq!(shown, "DpopNonceSchedule { period_seconds: 60, .. }");
    }
}

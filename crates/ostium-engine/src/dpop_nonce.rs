//! Server-provided DPoP nonces at the token endpoint and UserInfo (RFC 9449 §8, §9), from the
//! configured [`DpopNonceSchedule`](ostium_jose::DpopNonceSchedule).

use ostium_messages::response::header;
use time::OffsetDateTime;

use crate::Engine;
use crate::step::Step;

impl Engine {
    /// With nonces configured, why a proof's `nonce` falls short (missing, stale or unknown),
    /// if it does. The response then says `use_dpop_nonce`, and [`Self::stamp_dpop_nonce`] adds
    /// the nonce to use.
    pub(crate) fn dpop_nonce_problem(
        &self,
        sent: Option<&str>,
        now: OffsetDateTime,
    ) -> Option<&'static str> {
        let schedule = self.config().dpop_nonces.as_ref()?;
        match sent {
            None => Some("a DPoP nonce is required"),
            Some(nonce) if schedule.accepts(nonce, now) => None,
            Some(_) => Some("the DPoP nonce is stale or unknown"),
        }
    }

    /// Adds the current nonce in `DPoP-Nonce` to a response for a DPoP request made at `now`
    /// (one that carried a proof or used the DPoP scheme), when nonces are configured and the
    /// response does not name one already (§8.2: a client keeps the latest).
    #[cold]
    #[inline(never)]
    pub(crate) fn stamp_dpop_nonce(&self, step: Step, now: OffsetDateTime) -> Step {
        match (step, self.config().dpop_nonces.as_ref()) {
            (Step::Respond(response), Some(schedule))
                if response.header(header::DPOP_NONCE).is_none() =>
            {
                Step::Respond(response.with_header(header::DPOP_NONCE, schedule.current(now)))
            }
            (step, _) => step,
        }
    }

    /// [`Self::stamp_dpop_nonce`] when the request was a DPoP one (`dpop_at` its time).
    /// Inlined: on the common path (no DPoP) it is one test, without moving the step.
    #[inline(always)]
    pub(crate) fn stamp_dpop_nonce_if(&self, step: Step, dpop_at: Option<OffsetDateTime>) -> Step {
        match dpop_at {
            Some(now) => self.stamp_dpop_nonce(step, now),
            None => step,
        }
    }
}

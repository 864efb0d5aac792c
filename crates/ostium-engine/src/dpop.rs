//! DPoP proofs sent to the authorization server's own endpoints (RFC 9449 §4.3, §10.1): the
//! token endpoint and the pushed authorization endpoint check them the same way; and the
//! server-provided nonces (§8, §9) there and at UserInfo, from the configured
//! [`DpopNonceSchedule`](ostium_jose::DpopNonceSchedule).

use ostium_jose::{AlgorithmSet, DpopProofCheck};
use ostium_messages::resource::same_target;
use ostium_messages::response::header;
use ostium_messages::values::JwkThumbprint;
use ostium_messages::{ErrorResponse, TokenErrorCode};
use time::OffsetDateTime;

use crate::Engine;
use crate::issue::server_error;
use crate::step::Step;
use crate::store::Effect;

/// A DPoP proof that checked out: the key it proves, and its `jti` to record once.
pub(crate) struct ProvenKey {
    pub(crate) jkt: JwkThumbprint,
    jti: String,
    accepted_until: OffsetDateTime,
    /// Whether [`Self::record_jti`] was asked for already.
    pub(crate) recorded: bool,
}

impl ProvenKey {
    /// The effect that records the proof's `jti` as used (RFC 9449 §11.1: a proof is single
    /// use), keyed by the proof's key.
    pub(crate) fn record_jti(&mut self) -> Effect {
        self.recorded = true;
        Effect::ConsumeJti {
            issuer: format!("dpop:{}", self.jkt.as_str()),
            jti: self.jti.clone(),
            expires_at: self.accepted_until,
        }
    }
}

pub(crate) fn invalid_dpop(text: &str) -> ErrorResponse<TokenErrorCode> {
    ErrorResponse::new(TokenErrorCode::InvalidDpopProof).with_description(text)
}

impl Engine {
    /// Checks the DPoP proof of a request to `endpoint` (RFC 9449 §4.3): the JOSE checks,
    /// `htm` POST, `htu` the endpoint, the server's nonce when it demands one. Its `jti` is
    /// recorded later ([`ProvenKey::record_jti`]), once the client is known.
    pub(crate) fn check_dpop_proof(
        &self,
        proof: &str,
        endpoint: &str,
        now: OffsetDateTime,
    ) -> Result<ProvenKey, ErrorResponse<TokenErrorCode>> {
        let config = self.config();
        if config.profile.dpop_algorithms.is_empty() {
            return Err(invalid_dpop("DPoP is not offered"));
        }
        let proof = DpopProofCheck::new(AlgorithmSet::of(&config.profile.dpop_algorithms))
            .verify(proof, now)
            .map_err(|error| invalid_dpop(&error.to_string()))?;
        if proof.htm != "POST" {
            return Err(invalid_dpop("htm is not POST"));
        }
        if !same_target(&proof.htu, endpoint) {
            return Err(invalid_dpop("htu is not this endpoint"));
        }
        // RFC 9449 §8: the server's nonce, when it demands one.
        if let Some(why) = self.dpop_nonce_problem(proof.nonce.as_deref(), now) {
            return Err(ErrorResponse::new(TokenErrorCode::UseDpopNonce).with_description(why));
        }
        let jkt = JwkThumbprint::parse(&proof.jkt)
            .map_err(|_| server_error("the proof's key thumbprint is malformed"))?;
        Ok(ProvenKey {
            jkt,
            jti: proof.jti,
            accepted_until: proof.accepted_until,
            recorded: false,
        })
    }

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

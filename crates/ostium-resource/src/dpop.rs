//! DPoP proof validation at a resource server (RFC 9449 §4.3, §7.1), up to the `jti` replay
//! check, which is the embedder's atomic effect ([`ReplayCheck`](crate::ReplayCheck)).

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use ostium_jose::{DpopNonceSchedule, DpopProofCheck, DpopProofError};
use ostium_messages::{AccessToken, JwkThumbprint};
use time::OffsetDateTime;

use crate::guard::ResourceGuard;
use crate::rejection::{DpopRejection, RejectionKind};

/// The nonces the resource server currently accepts in DPoP proofs (RFC 9449 §9): the current
/// one (sent in `DPoP-Nonce` when a proof lacks it) and, during rotation, earlier ones.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DpopNonces {
    current: String,
    also_accepted: Vec<String>,
}

impl DpopNonces {
    /// Requires `current` in every proof.
    pub fn new(current: impl Into<String>) -> Self {
        Self {
            current: current.into(),
            also_accepted: Vec::new(),
        }
    }

    /// The nonces `schedule` accepts at `now`: its current one, and the previous window's.
    /// Resource servers and the authorization server can share one schedule secret, or each
    /// use its own.
    ///
    /// ```
    /// use ostium_jose::DpopNonceSchedule;
    /// use ostium_resource::DpopNonces;
    /// use time::{Duration, OffsetDateTime};
    ///
    /// let schedule = DpopNonceSchedule::new(&[7; 32], Duration::minutes(5));
    /// let now = OffsetDateTime::from_unix_timestamp(1_800_000_000).unwrap();
    /// let nonces = DpopNonces::scheduled(&schedule, now);
    /// assert_eq!(nonces.current(), schedule.current(now));
    /// ```
    pub fn scheduled(schedule: &DpopNonceSchedule, now: OffsetDateTime) -> Self {
        Self::new(schedule.current(now)).also_accepting(schedule.previous(now))
    }

    /// Also accepts `previous` (rotation).
    #[must_use]
    pub fn also_accepting(mut self, previous: impl Into<String>) -> Self {
        self.also_accepted.push(previous.into());
        self
    }

    /// The nonce to send in `DPoP-Nonce`.
    pub fn current(&self) -> &str {
        &self.current
    }

    fn accepts(&self, nonce: &str) -> bool {
        nonce == self.current || self.also_accepted.iter().any(|n| n == nonce)
    }
}

/// What a proof must match: the request and the token it comes with.
#[derive(Clone, Copy, Debug)]
pub(crate) struct ProofExpectations<'a> {
    pub(crate) method: &'a str,
    pub(crate) uri: &'a str,
    pub(crate) access_token: &'a AccessToken,
    pub(crate) jkt: &'a JwkThumbprint,
    pub(crate) nonces: Option<&'a DpopNonces>,
}

/// A proof whose signature, claims and binding checked out; its `jti` is not yet consumed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct CheckedProof {
    pub(crate) jti: String,
    pub(crate) jkt: JwkThumbprint,
    /// Until when the proof would be accepted, so until when its `jti` must be remembered.
    pub(crate) accepted_until: OffsetDateTime,
}

impl ResourceGuard {
    /// Checks a DPoP proof sent with `access_token` on a `method` request to `uri`
    /// (RFC 9449 §4.3 steps 1–12 and §7.1):
    ///
    /// 1. the JOSE checks of [`DpopProofCheck`]: a compact JWS with `typ` `dpop+jwt`, an
    ///    asymmetric `alg` of the allow-list, a public `jwk` that verifies the signature, `jti`,
    ///    `htm`, `htu` and `iat` present, `iat` within the window;
    /// 2. `htm` = `method`; `htu` = `uri` with query and fragment ignored and scheme, host and
    ///    default port normalized;
    /// 3. `ath` present and = base64url(SHA-256(access token));
    /// 4. `nonce` one of `nonces`, when the server uses nonces (else `use_dpop_nonce`);
    /// 5. the key's SHA-256 thumbprint = `jkt`, the token's `cnf.jkt`.
    ///
    /// Extra claims are ignored.
    pub(crate) fn check_proof(
        &self,
        proof: &str,
        expected: &ProofExpectations<'_>,
        now: OffsetDateTime,
    ) -> Result<CheckedProof, RejectionKind> {
        let ProofExpectations {
            method,
            uri,
            access_token,
            jkt,
            nonces,
        } = *expected;
        let invalid = RejectionKind::InvalidDpopProof;
        let proof = DpopProofCheck::new(self.dpop_algorithms)
            .with_window(self.dpop_max_age, self.dpop_future_allowance)
            .verify(proof, now)
            .map_err(|e| {
                invalid(match e {
                    DpopProofError::IssuedAtOutOfWindow => DpopRejection::IssuedAtOutOfWindow,
                    DpopProofError::MissingClaim(claim) => DpopRejection::MissingClaim(claim),
                    DpopProofError::Jose(error) => DpopRejection::Jose(error),
                })
            })?;
        let ath = proof
            .ath
            .as_deref()
            .ok_or(invalid(DpopRejection::MissingClaim("ath")))?;
        if proof.htm != method {
            return Err(invalid(DpopRejection::MethodMismatch));
        }
        if !ostium_messages::resource::same_target(&proof.htu, uri) {
            return Err(invalid(DpopRejection::UriMismatch));
        }
        if !ostium_rand::constant_time_eq(
            ath.as_bytes(),
            access_token_hash(access_token).as_bytes(),
        ) {
            return Err(invalid(DpopRejection::AccessTokenHashMismatch));
        }
        if let Some(nonces) = nonces
            && !proof.nonce.as_deref().is_some_and(|n| nonces.accepts(n))
        {
            return Err(RejectionKind::UseDpopNonce(nonces.current.clone()));
        }
        if proof.jkt != jkt.as_str() {
            return Err(invalid(DpopRejection::KeyMismatch));
        }
        Ok(CheckedProof {
            jti: proof.jti,
            jkt: jkt.clone(),
            accepted_until: proof.accepted_until,
        })
    }
}

/// RFC 9449 §7.1 `ath`.
fn access_token_hash(token: &AccessToken) -> String {
    let digest = ring::digest::digest(&ring::digest::SHA256, token.as_str().as_bytes());
    URL_SAFE_NO_PAD.encode(digest.as_ref())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc_9449_ath() {
        let vector = ostium_testkit::vectors::load("rfc9449_dpop");
        let request = &vector["resource_request"];
        let token = AccessToken::parse(request["access_token"].as_str().unwrap()).unwrap();
        assert_eq!(access_token_hash(&token), request["ath"].as_str().unwrap());
    }

    #[test]
    fn nonces_rotate() {
        let nonces = DpopNonces::new("n2").also_accepting("n1");
        assert!(nonces.accepts("n2"));
        assert!(nonces.accepts("n1"));
        assert!(!nonces.accepts("n0"));
        assert_eq!(nonces.current(), "n2");

        let schedule = DpopNonceSchedule::new(&[1; 32], time::Duration::seconds(60));
        let at = |s| OffsetDateTime::from_unix_timestamp(s).unwrap();
        let scheduled = DpopNonces::scheduled(&schedule, at(6_100));
        assert!(scheduled.accepts(&schedule.current(at(6_000))));
        assert!(scheduled.accepts(&schedule.current(at(6_060))));
        assert!(!scheduled.accepts(&schedule.current(at(5_999))));
        assert_eq!(scheduled.current(), schedule.current(at(6_100)));
    }
}

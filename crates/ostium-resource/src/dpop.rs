//! DPoP proof validation at a resource server (RFC 9449 §4.3, §7.1), up to the `jti` replay
//! check, which is the embedder's atomic effect ([`ReplayCheck`](crate::ReplayCheck)).

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use ostium_jose::{Claim, HashAlgorithm, Typ, Validation};
use ostium_messages::{AccessToken, JwkThumbprint};
use serde::Deserialize;
use time::{Duration, OffsetDateTime};

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

#[derive(Deserialize)]
struct ProofClaims {
    #[serde(default)]
    jti: Option<String>,
    #[serde(default)]
    htm: Option<String>,
    #[serde(default)]
    htu: Option<String>,
    #[serde(default)]
    ath: Option<String>,
    #[serde(default)]
    nonce: Option<String>,
}

impl ResourceGuard {
    /// Checks a DPoP proof sent with `access_token` on a `method` request to `uri`
    /// (RFC 9449 §4.3 steps 1–12 and §7.1):
    ///
    /// 1. a compact JWS with `typ` `dpop+jwt`, an asymmetric `alg` of the allow-list (never
    ///    `none`, never HMAC), a public `jwk` (no private members) that verifies the signature;
    /// 2. `jti`, `htm`, `htu`, `iat` and `ath` present; `htm` = `method`; `htu` = `uri` with
    ///    query and fragment ignored and scheme, host and default port normalized;
    /// 3. `iat` no further in the future than the allowance and no older than the window;
    /// 4. `ath` = base64url(SHA-256(access token));
    /// 5. `nonce` one of `nonces`, when the server uses nonces (else `use_dpop_nonce`);
    /// 6. the key's SHA-256 thumbprint = `jkt`, the token's `cnf.jkt`.
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
        // A proof carries no audience; an `aud` claim is an extra claim like any other.
        let policy = Validation::new(Typ::DpopProof, self.dpop_algorithms)
            .do_not_require(Claim::Exp)
            .require(Claim::Iat)
            .require(Claim::Jti)
            .danger_accept_any_audience()
            .leeway(self.dpop_future_allowance)
            .max_age(self.dpop_max_age);
        let jwt = policy
            .verify_with_embedded_jwk(proof, now)
            .map_err(|e| match e {
                ostium_jose::Error::Claims(
                    ostium_jose::ClaimsError::TooOld | ostium_jose::ClaimsError::IssuedInFuture,
                ) => invalid(DpopRejection::IssuedAtOutOfWindow),
                other => invalid(DpopRejection::Jose(other)),
            })?;
        let claims: ProofClaims = jwt
            .claims()
            .map_err(|e| invalid(DpopRejection::Jose(e.into())))?;
        // A replay cache keys on `jti`: bounded, never empty (RFC 9449 §4.2: 96 random bits
        // suffice, so 256 bytes is generous).
        let jti = claims
            .jti
            .filter(|jti| !jti.is_empty() && jti.len() <= 256)
            .ok_or(invalid(DpopRejection::MissingClaim("jti")))?;
        let htm = claims
            .htm
            .ok_or(invalid(DpopRejection::MissingClaim("htm")))?;
        let htu = claims
            .htu
            .ok_or(invalid(DpopRejection::MissingClaim("htu")))?;
        let ath = claims
            .ath
            .ok_or(invalid(DpopRejection::MissingClaim("ath")))?;
        let iat = jwt
            .issued_at()
            .ok_or(invalid(DpopRejection::MissingClaim("iat")))?;
        if htm != method {
            return Err(invalid(DpopRejection::MethodMismatch));
        }
        if !same_target(&htu, uri) {
            return Err(invalid(DpopRejection::UriMismatch));
        }
        if !ostium_rand::constant_time_eq(
            ath.as_bytes(),
            access_token_hash(access_token).as_bytes(),
        ) {
            return Err(invalid(DpopRejection::AccessTokenHashMismatch));
        }
        if let Some(nonces) = nonces {
            if !claims.nonce.as_deref().is_some_and(|n| nonces.accepts(n)) {
                return Err(RejectionKind::UseDpopNonce(nonces.current.clone()));
            }
        }
        let key = jwt
            .header()
            .embedded_jwk()
            .ok_or(invalid(DpopRejection::MissingClaim("jwk")))?;
        if !key
            .thumbprint(HashAlgorithm::Sha256)
            .matches_base64url(jkt.as_str())
        {
            return Err(invalid(DpopRejection::KeyMismatch));
        }
        let accepted_until = iat
            .to_time()
            .saturating_add(self.dpop_max_age)
            .saturating_add(self.dpop_future_allowance)
            .saturating_add(Duration::SECOND);
        Ok(CheckedProof {
            jti,
            jkt: jkt.clone(),
            accepted_until,
        })
    }
}

/// RFC 9449 §7.1 `ath`.
fn access_token_hash(token: &AccessToken) -> String {
    let digest = ring::digest::digest(&ring::digest::SHA256, token.as_str().as_bytes());
    URL_SAFE_NO_PAD.encode(digest.as_ref())
}

/// RFC 9449 §4.3 step 9: `htu` matches the request URI, ignoring query and fragment, after
/// syntax- and scheme-based normalization (RFC 3986 §6.2.2–3: case of scheme and host, default
/// port, dot segments, as the WHATWG URL parser applies them).
pub(crate) fn same_target(htu: &str, uri: &str) -> bool {
    let normalize = |text: &str| {
        let mut url = url::Url::parse(text).ok()?;
        url.set_query(None);
        url.set_fragment(None);
        Some(String::from(url))
    };
    match (normalize(htu), normalize(uri)) {
        (Some(a), Some(b)) => a == b,
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn target_normalization() {
        let uri = "https://rs.example/diagrams/plan.svg";
        for same in [
            "https://rs.example/diagrams/plan.svg",
            "https://rs.example/diagrams/plan.svg?version=2",
            "https://rs.example/diagrams/plan.svg#top",
            "HTTPS://RS.Example/diagrams/plan.svg",
            "https://rs.example:443/diagrams/plan.svg",
        ] {
            assert!(same_target(same, uri), "{same}");
        }
        for other in [
            "https://rs.example/diagrams/other.svg",
            "http://rs.example/diagrams/plan.svg",
            "https://rs.example:8443/diagrams/plan.svg",
            "https://evil.example/diagrams/plan.svg",
            "/diagrams/plan.svg",
            "",
        ] {
            assert!(!same_target(other, uri), "{other}");
        }
    }

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
    }
}

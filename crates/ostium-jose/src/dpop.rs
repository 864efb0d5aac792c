//! DPoP proofs (RFC 9449 §4.2–§4.3): the JOSE half of checking one, shared by the authorization
//! server's token endpoint and resource servers. Each then compares `htm`, `htu`, `ath` and
//! `nonce` with its own request, binds the key, and records the `jti`.

use std::fmt;

use serde::Deserialize;
use time::{Duration, OffsetDateTime};

use crate::{AlgorithmSet, Claim, ClaimsError, Error, HashAlgorithm, Typ, Validation};

/// The longest `jti` a proof may carry: a replay cache keys on it (RFC 9449 §4.2 asks for 96
/// random bits, so 256 bytes is generous).
const MAX_JTI_LEN: usize = 256;

/// How proofs are checked: which algorithms, and how old or early a proof may be.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DpopProofCheck {
    algorithms: AlgorithmSet,
    max_age: Duration,
    future_allowance: Duration,
}

/// A proof whose signature (by its own embedded public key), `typ`, `alg`, `iat` and required
/// claims checked out (RFC 9449 §4.3 steps 1–8, 11). The caller checks the rest.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct DpopProof {
    /// `jti`: record it as used until [`accepted_until`](Self::accepted_until).
    pub jti: String,
    /// `htm`: compare with the request's method.
    pub htm: String,
    /// `htu`: compare with the request's URI, query and fragment ignored.
    pub htu: String,
    /// `ath`, for proofs sent with an access token (§4.2).
    pub ath: Option<String>,
    /// `nonce`, if the proof carries a server nonce (§8, §9).
    pub nonce: Option<String>,
    /// The base64url SHA-256 thumbprint of the proof's key (RFC 7638): the `jkt` a token is
    /// bound to (§6.1).
    pub jkt: String,
    /// Until when this proof would be accepted, hence until when its `jti` must be remembered.
    pub accepted_until: OffsetDateTime,
}

/// Why a proof was refused.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DpopProofError {
    /// The JWS failed the JOSE checks: malformed, `typ` not `dpop+jwt`, `alg` not allowed (never
    /// `none` or HMAC), no, private or unusable `jwk`, bad signature, a claim of the wrong type.
    Jose(Error),
    /// `iat` is further in the future than allowed, or older than the window.
    IssuedAtOutOfWindow,
    /// A required claim (`jti`, `htm`, `htu`, `iat`) is missing, or `jti` is empty or too long.
    MissingClaim(&'static str),
}

impl fmt::Display for DpopProofError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Jose(error) => error.fmt(f),
            Self::IssuedAtOutOfWindow => f.write_str("iat is outside the accepted window"),
            Self::MissingClaim(claim) => write!(f, "{claim} is missing or invalid"),
        }
    }
}

impl std::error::Error for DpopProofError {}

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

impl DpopProofCheck {
    /// Proofs signed with one of `algorithms` (symmetric ones are dropped: a proof is always
    /// signed with a private key), at most 60 s old and at most 10 s early.
    pub fn new(algorithms: AlgorithmSet) -> Self {
        Self {
            algorithms: algorithms.iter().filter(|a| !a.is_symmetric()).collect(),
            max_age: Duration::seconds(60),
            future_allowance: Duration::seconds(10),
        }
    }

    /// Replaces the window: proofs at most `max_age` old and `future_allowance` early.
    #[must_use]
    pub fn with_window(mut self, max_age: Duration, future_allowance: Duration) -> Self {
        self.max_age = max_age.max(Duration::ZERO);
        self.future_allowance = future_allowance.max(Duration::ZERO);
        self
    }

    /// The algorithms accepted.
    pub fn algorithms(&self) -> AlgorithmSet {
        self.algorithms
    }

    /// Checks `proof` at `now`.
    ///
    /// # Errors
    ///
    /// [`DpopProofError`] saying which check failed.
    pub fn verify(&self, proof: &str, now: OffsetDateTime) -> Result<DpopProof, DpopProofError> {
        // A proof carries no audience; an `aud` claim is an extra claim like any other.
        let policy = Validation::new(Typ::DpopProof, self.algorithms)
            .do_not_require(Claim::Exp)
            .require(Claim::Iat)
            .require(Claim::Jti)
            .danger_accept_any_audience()
            .leeway(self.future_allowance)
            .max_age(self.max_age);
        let jwt = policy
            .verify_with_embedded_jwk(proof, now)
            .map_err(|e| match e {
                Error::Claims(ClaimsError::TooOld | ClaimsError::IssuedInFuture) => {
                    DpopProofError::IssuedAtOutOfWindow
                }
                other => DpopProofError::Jose(other),
            })?;
        let claims: ProofClaims = jwt.claims().map_err(|e| DpopProofError::Jose(e.into()))?;
        let jti = claims
            .jti
            .filter(|jti| !jti.is_empty() && jti.len() <= MAX_JTI_LEN)
            .ok_or(DpopProofError::MissingClaim("jti"))?;
        let htm = claims.htm.ok_or(DpopProofError::MissingClaim("htm"))?;
        let htu = claims.htu.ok_or(DpopProofError::MissingClaim("htu"))?;
        let issued_at = jwt.issued_at().ok_or(DpopProofError::MissingClaim("iat"))?;
        let key = jwt
            .header()
            .embedded_jwk()
            .ok_or(DpopProofError::MissingClaim("jwk"))?;
        let accepted_until = issued_at
            .to_time()
            .saturating_add(self.max_age)
            .saturating_add(self.future_allowance)
            .saturating_add(Duration::SECOND);
        Ok(DpopProof {
            jti,
            htm,
            htu,
            ath: claims.ath,
            nonce: claims.nonce,
            jkt: key.thumbprint(HashAlgorithm::Sha256).to_base64url(),
            accepted_until,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Algorithm;

    fn check() -> DpopProofCheck {
        DpopProofCheck::new(AlgorithmSet::of(&[Algorithm::Es256, Algorithm::Hs256]))
    }

    /// RFC 9449 §4.1 Figure 2: the token request's proof, at its own `iat`; §6.1: its `jkt`.
    #[test]
    fn rfc_9449_token_request_proof() {
        let vector = ostium_testkit::vectors::load("rfc9449_dpop");
        let request = &vector["token_request"];
        let iat = request["iat_now"].as_i64().unwrap();
        let now = OffsetDateTime::from_unix_timestamp(iat).unwrap();
        let proof = check()
            .verify(request["compact"].as_str().unwrap(), now)
            .unwrap();
        assert_eq!(proof.jti, "-BwC3ESc6acc2lTc");
        assert_eq!(proof.htm, "POST");
        assert_eq!(proof.htu, "https://server.example.com/token");
        assert_eq!(proof.ath, None);
        assert_eq!(proof.jkt, vector["jkt"]["value"].as_str().unwrap());
        assert_eq!(
            proof.accepted_until,
            now + Duration::seconds(60) + Duration::seconds(10) + Duration::SECOND
        );
        // HMAC is never accepted for a proof, whatever the caller allows.
        assert!(!check().algorithms().contains(Algorithm::Hs256));

        // Too old (past the window and the leeway), too early.
        for at in [iat + 71, iat - 11] {
            let now = OffsetDateTime::from_unix_timestamp(at).unwrap();
            assert_eq!(
                check().verify(request["compact"].as_str().unwrap(), now),
                Err(DpopProofError::IssuedAtOutOfWindow),
                "{at}"
            );
        }
        // A tampered payload no longer verifies.
        let compact = request["compact"].as_str().unwrap();
        let mut parts: Vec<&str> = compact.split('.').collect();
        let forged_claims = crate::base64url::encode(
            br#"{"jti":"x","htm":"GET","htu":"https://server.example.com/token","iat":1562262616}"#,
        );
        parts[1] = &forged_claims;
        assert!(matches!(
            check().verify(&parts.join("."), now),
            Err(DpopProofError::Jose(_))
        ));
    }
}

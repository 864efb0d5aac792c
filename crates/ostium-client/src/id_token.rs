//! ID token validation (OIDC Core §3.1.3.7; §3.2.2.9–11 `at_hash`/`c_hash`; §12.2 refresh).

use std::fmt;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use ostium_jose::{Algorithm, Claim, JwsError, Typ, Validation, VerifiedJwt};
use ostium_messages::claims::{Audience, IdTokenClaims};
use ostium_messages::{AccessToken, AuthorizationCode, Nonce, TokenString};
use time::OffsetDateTime;

use crate::callback::AuthorizedCode;
use crate::client::Client;
use crate::error::{ClientError, IdTokenError};
use crate::jwks::{JwksRefresh, ProviderJwks};
use crate::pending::PendingAuthorization;

/// A validated ID token: who the user is, according to the provider.
#[derive(Clone)]
pub struct IdToken {
    raw: TokenString,
    claims: IdTokenClaims,
    algorithm: Algorithm,
}

impl IdToken {
    /// The compact JWT, e.g. for `id_token_hint` (OIDC Core §3.1.2.1) or logout.
    pub fn token(&self) -> &TokenString {
        &self.raw
    }

    /// The claims: `iss`, `sub`, `aud`, `exp`, `iat`, `auth_time`, `nonce`, `acr`, `amr`, `azp`,
    /// and the standard profile claims the provider put in.
    pub fn claims(&self) -> &IdTokenClaims {
        &self.claims
    }

    /// `sub`: the user's identifier at this provider (unique with [`issuer`](Self::issuer)).
    pub fn subject(&self) -> &str {
        &self.claims.sub
    }

    /// `iss`.
    pub fn issuer(&self) -> &str {
        &self.claims.iss
    }

    /// The algorithm it was signed with.
    pub fn algorithm(&self) -> Algorithm {
        self.algorithm
    }
}

impl fmt::Debug for IdToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The profile claims are personal data: only the identifying claims are shown.
        f.debug_struct("IdToken")
            .field("iss", &self.claims.iss)
            .field("sub", &self.claims.sub)
            .field("aud", &self.claims.aud)
            .field("exp", &self.claims.exp)
            .field("algorithm", &self.algorithm)
            .finish_non_exhaustive()
    }
}

/// The outcome of ID token validation.
// Made once per flow and matched at once: boxing the large variant would only make matching
// clumsier.
#[allow(clippy::large_enum_variant)]
#[derive(Clone, Debug)]
#[must_use]
#[non_exhaustive]
pub enum IdTokenStep {
    /// Every check passed.
    Valid(IdToken),
    /// The signing key is not in the cached JWK Set: fetch it again and retry.
    RefreshJwks(JwksRefresh),
}

/// What an ID token is checked against besides the provider and the client (OIDC Core
/// §3.1.3.7 steps 11–13, §3.2.2.9–11).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct IdTokenExpectations {
    /// The `nonce` sent: the token must carry it (step 11).
    pub nonce: Option<Nonce>,
    /// The `max_age` sent: `auth_time` must be present and recent enough (step 13).
    pub max_age: Option<u64>,
    /// The `acr_values` sent: `acr` must be one of them (step 12).
    pub acr_values: Vec<String>,
    /// The access token issued with the ID token: `at_hash`, if present, must match it.
    pub access_token: Option<AccessToken>,
    /// Whether `at_hash` must be present (response types with `token`, OIDC Core §3.2.2.10).
    pub at_hash_required: bool,
    /// The code issued with the ID token: `c_hash`, if present, must match it.
    pub code: Option<AuthorizationCode>,
    /// Whether `c_hash` must be present (hybrid flow front channel, OIDC Core §3.3.2.11).
    pub c_hash_required: bool,
}

impl IdTokenExpectations {
    /// The expectations a pending request sets: its `nonce`, `max_age` and `acr_values`.
    pub fn from_pending(pending: &PendingAuthorization) -> Self {
        Self {
            nonce: pending.nonce.clone(),
            max_age: pending.max_age,
            acr_values: pending.acr_values.clone(),
            ..Self::default()
        }
    }

    /// Also checks `at_hash` against `access_token` (required or only if present).
    #[must_use]
    pub fn with_access_token(mut self, access_token: AccessToken, required: bool) -> Self {
        self.access_token = Some(access_token);
        self.at_hash_required = required;
        self
    }

    /// Also checks `c_hash` against `code` (required or only if present).
    #[must_use]
    pub fn with_code(mut self, code: AuthorizationCode, required: bool) -> Self {
        self.code = Some(code);
        self.c_hash_required = required;
        self
    }
}

impl Client {
    /// Validates an ID token (OIDC Core §3.1.3.7; checklist items 60, 61, 66):
    ///
    /// - signature by a key of the provider's JWK Set, with an algorithm the client accepts
    ///   (never `none`, never HMAC); `typ`, if present, `JWT`;
    /// - a `kid` the set lacks gives [`IdTokenStep::RefreshJwks`] when the set is older than
    ///   the cooldown (key rotation), else [`IdTokenError::UnknownKey`];
    /// - **without a `kid`**: the single key that fits the algorithm is used; when several
    ///   fit, each is tried in turn and the first that verifies the signature is used (the
    ///   conformance suite's `kid-absent-multiple-jwks` allows rejecting or trying; trying is
    ///   safe because every candidate is a provider key);
    /// - `iss` exactly the provider's issuer; `aud` contains the `client_id` and no audience
    ///   the client does not trust; with several audiences, `azp` is present; `azp`, if
    ///   present, is the client;
    /// - `exp` in the future, `iat` present, not in the future and not older than the
    ///   client's maximum, `sub` present (1–255 ASCII characters), all with the leeway;
    /// - the `expectations`: `nonce`, `auth_time` with `max_age`, `acr`, `at_hash`, `c_hash`.
    ///
    /// `keys` is `None` when none were fetched yet: the answer is then
    /// [`IdTokenStep::RefreshJwks`].
    ///
    /// # Errors
    ///
    /// [`ClientError::IdToken`] naming the failed rule.
    pub fn validate_id_token(
        &self,
        token: &str,
        expectations: &IdTokenExpectations,
        keys: Option<&ProviderJwks>,
        now: OffsetDateTime,
    ) -> Result<IdTokenStep, ClientError> {
        let Some(keys) = keys else {
            return Ok(IdTokenStep::RefreshJwks(JwksRefresh {
                kid: peek_kid(token),
            }));
        };
        let raw = TokenString::parse(token)
            .map_err(|_| IdTokenError::Jose(JwsError::TooLarge("token length").into()))?;
        let policy = Validation::new(Typ::Jwt, self.id_token_algorithms())
            .typ_may_be_absent()
            .issuer(self.provider.issuer.as_str())
            .audience(self.client_id.as_str())
            .require(Claim::Iss)
            .require(Claim::Sub)
            .require(Claim::Aud)
            .require(Claim::Iat)
            .leeway(self.leeway)
            .max_age(self.id_token_max_age);
        let jwt = match policy.verify(token, keys.keys(), now) {
            Ok(jwt) => jwt,
            Err(ostium_jose::Error::Jws(JwsError::NoMatchingKey)) => {
                let kid = peek_kid(token);
                if now - keys.fetched_at() >= self.jwks_refresh_cooldown {
                    return Ok(IdTokenStep::RefreshJwks(JwksRefresh { kid }));
                }
                return Err(IdTokenError::UnknownKey { kid }.into());
            }
            Err(ostium_jose::Error::Jws(JwsError::AmbiguousKey)) => {
                try_each_key(&policy, token, keys, now)?
            }
            Err(error) => return Err(IdTokenError::Jose(error).into()),
        };
        let claims: IdTokenClaims = jwt
            .claims()
            .map_err(|e| IdTokenError::Claims(e.to_string()))?;
        self.check_claims(&claims, expectations, now)?;
        let algorithm = jwt.header().algorithm();
        check_hash(
            algorithm,
            claims.at_hash.as_deref(),
            expectations.access_token.as_ref().map(AccessToken::as_str),
            expectations.at_hash_required,
            (IdTokenError::AtHashMissing, IdTokenError::AtHashMismatch),
        )?;
        check_hash(
            algorithm,
            claims.c_hash.as_deref(),
            expectations.code.as_ref().map(AuthorizationCode::as_str),
            expectations.c_hash_required,
            (IdTokenError::CHashMissing, IdTokenError::CHashMismatch),
        )?;
        Ok(IdTokenStep::Valid(IdToken {
            raw,
            claims,
            algorithm,
        }))
    }

    /// Validates the ID token of a hybrid response (`code id_token`) at the redirect URI:
    /// as [`validate_id_token`](Self::validate_id_token) with the pending request's
    /// expectations, and `c_hash` required and matching the code (OIDC Core §3.3.2.11–12).
    ///
    /// # Errors
    ///
    /// [`ClientError::Misuse`] when the callback carried no ID token; the errors of
    /// [`validate_id_token`](Self::validate_id_token).
    pub fn validate_front_channel_id_token(
        &self,
        authorized: &AuthorizedCode,
        keys: Option<&ProviderJwks>,
        now: OffsetDateTime,
    ) -> Result<IdTokenStep, ClientError> {
        let token = authorized
            .front_channel_id_token
            .as_ref()
            .ok_or(ClientError::Misuse("the callback carried no ID token"))?;
        let expectations = IdTokenExpectations::from_pending(&authorized.pending)
            .with_code(authorized.code.clone(), true);
        self.validate_id_token(token.as_str(), &expectations, keys, now)
    }

    fn check_claims(
        &self,
        claims: &IdTokenClaims,
        expectations: &IdTokenExpectations,
        now: OffsetDateTime,
    ) -> Result<(), IdTokenError> {
        if claims.sub.is_empty() || claims.sub.len() > 255 || !claims.sub.is_ascii() {
            return Err(IdTokenError::InvalidSubject);
        }
        let audiences: Vec<&str> = match &claims.aud {
            Audience::One(one) => vec![one.as_str()],
            Audience::Many(many) => many.iter().map(String::as_str).collect(),
        };
        let client_id = self.client_id.as_str();
        if let Some(untrusted) = audiences
            .iter()
            .find(|aud| **aud != client_id && !self.trusted_audiences.iter().any(|t| t == *aud))
        {
            return Err(IdTokenError::UntrustedAudience((*untrusted).to_owned()));
        }
        match claims.azp.as_deref() {
            Some(azp) if azp != client_id => return Err(IdTokenError::AuthorizedPartyMismatch),
            None if audiences.len() > 1 => return Err(IdTokenError::AuthorizedPartyMismatch),
            _ => {}
        }
        if let Some(expected) = &expectations.nonce {
            let found = claims.nonce.as_deref().ok_or(IdTokenError::NonceMissing)?;
            if !ostium_rand::constant_time_eq(found.as_bytes(), expected.as_str().as_bytes()) {
                return Err(IdTokenError::NonceMismatch);
            }
        }
        if !expectations.acr_values.is_empty() {
            let satisfied = claims
                .acr
                .as_ref()
                .is_some_and(|acr| expectations.acr_values.iter().any(|v| v == acr));
            if !satisfied {
                return Err(IdTokenError::AcrNotSatisfied);
            }
        }
        if let Some(max_age) = expectations.max_age {
            let auth_time = claims.auth_time.ok_or(IdTokenError::AuthTimeMissing)?;
            let max_age = i64::try_from(max_age).unwrap_or(i64::MAX);
            let oldest = now
                .unix_timestamp()
                .saturating_sub(max_age)
                .saturating_sub(self.leeway.whole_seconds());
            if auth_time < oldest {
                return Err(IdTokenError::AuthenticationTooOld);
            }
        }
        Ok(())
    }
}

/// Verifies with each candidate key in turn: the keys whose `kid` equals the token's (or all,
/// when the token has none).
fn try_each_key(
    policy: &Validation,
    token: &str,
    keys: &ProviderJwks,
    now: OffsetDateTime,
) -> Result<VerifiedJwt, IdTokenError> {
    let kid = peek_kid(token);
    let mut last = ostium_jose::Error::Jws(JwsError::AmbiguousKey);
    for key in keys.keys().keys() {
        if kid.is_some() && key.kid().map(ostium_jose::Kid::as_str) != kid.as_deref() {
            continue;
        }
        match policy.verify(token, key, now) {
            Ok(jwt) => return Ok(jwt),
            // This key is not the signer: try the next one.
            Err(
                error @ ostium_jose::Error::Jws(
                    JwsError::InvalidSignature
                    | JwsError::KeyAlgorithmMismatch(_)
                    | JwsError::KeyUsageNotPermitted
                    | JwsError::Key(_),
                ),
            ) => last = error,
            // The signature verified (or the token is malformed): that decides.
            Err(error) => return Err(IdTokenError::Jose(error)),
        }
    }
    Err(IdTokenError::Jose(last))
}

/// The `kid` of a compact JWS header, read only to choose keys (never trusted for anything
/// else: the JOSE layer parses and checks the header itself).
pub(crate) fn peek_kid(token: &str) -> Option<String> {
    let header = token.split('.').next()?;
    if header.len() > 8 * 1024 {
        return None;
    }
    let bytes = URL_SAFE_NO_PAD.decode(header).ok()?;
    let value: serde_json::Value = serde_json::from_slice(&bytes).ok()?;
    value.get("kid")?.as_str().map(str::to_owned)
}

/// The left half of the hash of `value` with the hash function of `algorithm`, base64url
/// (OIDC Core §3.1.3.6 `at_hash`, §3.3.2.11 `c_hash`; Ed25519 uses SHA-512).
pub(crate) fn half_hash(algorithm: Algorithm, value: &str) -> String {
    let digest_algorithm = match algorithm {
        Algorithm::Hs384 | Algorithm::Rs384 | Algorithm::Ps384 | Algorithm::Es384 => {
            &ring::digest::SHA384
        }
        Algorithm::Hs512 | Algorithm::Rs512 | Algorithm::Ps512 | Algorithm::EdDsa => {
            &ring::digest::SHA512
        }
        _ => &ring::digest::SHA256,
    };
    let digest = ring::digest::digest(digest_algorithm, value.as_bytes());
    let bytes = digest.as_ref();
    URL_SAFE_NO_PAD.encode(bytes.get(..bytes.len() / 2).unwrap_or_default())
}

fn check_hash(
    algorithm: Algorithm,
    claimed: Option<&str>,
    value: Option<&str>,
    required: bool,
    (missing, mismatch): (IdTokenError, IdTokenError),
) -> Result<(), IdTokenError> {
    let Some(value) = value else {
        return Ok(());
    };
    match claimed {
        None if required => Err(missing),
        None => Ok(()),
        Some(claimed) => {
            let expected = half_hash(algorithm, value);
            if ostium_rand::constant_time_eq(claimed.as_bytes(), expected.as_bytes()) {
                Ok(())
            } else {
                Err(mismatch)
            }
        }
    }
}

/// OIDC Core §12.2 (checklist item 63): a refreshed ID token keeps `iss`, `sub`, `aud` and the
/// original `auth_time`, and has no `nonce` or the original one.
pub(crate) fn check_refreshed(previous: &IdToken, refreshed: &IdToken) -> Result<(), IdTokenError> {
    let (old, new) = (&previous.claims, &refreshed.claims);
    if old.iss != new.iss {
        return Err(IdTokenError::RefreshChanged("iss"));
    }
    if old.sub != new.sub {
        return Err(IdTokenError::RefreshChanged("sub"));
    }
    if audience_set(&old.aud) != audience_set(&new.aud) {
        return Err(IdTokenError::RefreshChanged("aud"));
    }
    if new.auth_time.is_some() && new.auth_time != old.auth_time {
        return Err(IdTokenError::RefreshChanged("auth_time"));
    }
    if new.nonce.is_some() && new.nonce != old.nonce {
        return Err(IdTokenError::RefreshChanged("nonce"));
    }
    Ok(())
}

fn audience_set(aud: &Audience) -> std::collections::BTreeSet<&str> {
    match aud {
        Audience::One(one) => std::iter::once(one.as_str()).collect(),
        Audience::Many(many) => many.iter().map(String::as_str).collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn oidc_core_at_hash_example() {
        // OIDC Core Appendix A.3/A.4 examples: access token "jHkWEdUXMU1BwAsC4vtUsZwnNvTIxEl0z9K3vx5KF0Y"
        // has at_hash "77QmUPtjPfzWtF2AnpK9RQ" under RS256.
        assert_eq!(
            half_hash(
                Algorithm::Rs256,
                "jHkWEdUXMU1BwAsC4vtUsZwnNvTIxEl0z9K3vx5KF0Y"
            ),
            "77QmUPtjPfzWtF2AnpK9RQ"
        );
        // And code "Qcb0Orv1zh30vL1MPRsbm-diHiMwcLyZvn1arpZv-Jxf_11jnpEX3Tgfvk" has c_hash
        // "LDktKdoQak3Pk0cnXxCltA" (Appendix A.4).
        assert_eq!(
            half_hash(
                Algorithm::Rs256,
                "Qcb0Orv1zh30vL1MPRsbm-diHiMwcLyZvn1arpZv-Jxf_11jnpEX3Tgfvk"
            ),
            "LDktKdoQak3Pk0cnXxCltA"
        );
    }

    #[test]
    fn peek_kid_reads_only_a_string_kid() {
        let header = URL_SAFE_NO_PAD.encode(br#"{"alg":"RS256","kid":"k1"}"#);
        assert_eq!(peek_kid(&format!("{header}.e30.sig")), Some("k1".into()));
        let numeric = URL_SAFE_NO_PAD.encode(br#"{"alg":"RS256","kid":7}"#);
        assert_eq!(peek_kid(&format!("{numeric}.e30.sig")), None);
        assert_eq!(peek_kid("%%%.a.b"), None);
    }
}

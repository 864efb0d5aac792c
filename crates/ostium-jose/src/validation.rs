//! JWT validation with an explicit policy (RFC 7519 §7.2, RFC 8725 §3).

use serde::Deserialize;
use time::{Duration, OffsetDateTime};

use crate::algorithm::AlgorithmSet;
use crate::claims::{AudienceStore, NumericDate, Registered, parse_registered};
use crate::claims_deserializer::Tape;
use crate::error::{ClaimsError, Error, JwsError};
use crate::header::{Header, media_type_eq};
use crate::keys::KeySource;
use crate::limits::Limits;
use crate::verify::{JwsVerifier, VerifiedJws, verify_with_embedded_jwk};

/// The explicit type a JWT must carry in its `typ` header (RFC 8725 §3.11), so that a token of
/// one kind is never accepted as another (an ID token as an access token, a logout token as an
/// ID token, ...).
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Typ {
    /// `JWT` (RFC 7519 §5.1): ID tokens, client assertions and generic JWTs.
    Jwt,
    /// `at+jwt`: JWT access tokens (RFC 9068 §2.1).
    AccessToken,
    /// `dpop+jwt`: DPoP proofs (RFC 9449 §4.2).
    DpopProof,
    /// `logout+jwt`: back-channel logout tokens (OpenID Connect Back-Channel Logout 1.0 §2.4).
    LogoutToken,
    /// `oauth-authz-req+jwt`: JWT-secured authorization requests (RFC 9101 §10.8).
    AuthorizationRequest,
    /// `token-introspection+jwt`: JWT introspection responses (RFC 9701 §5).
    TokenIntrospection,
    /// Another media type.
    Other(Box<str>),
}

impl Typ {
    /// The `typ` value without the `application/` prefix.
    pub fn as_str(&self) -> &str {
        match self {
            Typ::Jwt => "JWT",
            Typ::AccessToken => "at+jwt",
            Typ::DpopProof => "dpop+jwt",
            Typ::LogoutToken => "logout+jwt",
            Typ::AuthorizationRequest => "oauth-authz-req+jwt",
            Typ::TokenIntrospection => "token-introspection+jwt",
            Typ::Other(other) => other,
        }
    }
}

/// A registered claim (RFC 7519 §4.1), for [`Validation::require`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Claim {
    /// `iss`.
    Iss,
    /// `sub`.
    Sub,
    /// `aud`.
    Aud,
    /// `exp`.
    Exp,
    /// `nbf`.
    Nbf,
    /// `iat`.
    Iat,
    /// `jti`.
    Jti,
}

impl Claim {
    const ALL: [Claim; 7] = [
        Claim::Iss,
        Claim::Sub,
        Claim::Aud,
        Claim::Exp,
        Claim::Nbf,
        Claim::Iat,
        Claim::Jti,
    ];

    /// The claim name.
    pub const fn name(self) -> &'static str {
        match self {
            Claim::Iss => "iss",
            Claim::Sub => "sub",
            Claim::Aud => "aud",
            Claim::Exp => "exp",
            Claim::Nbf => "nbf",
            Claim::Iat => "iat",
            Claim::Jti => "jti",
        }
    }

    const fn bit(self) -> u8 {
        1 << (self as u8)
    }
}

/// The policy a JWT must satisfy, beyond its signature (RFC 7519 §7.2, RFC 8725 §3).
///
/// Defaults are strict: the `typ` header must be present and equal the expected one, `exp` is
/// required, the leeway is zero, a token with an `aud` is rejected unless audiences are
/// configured, and only the algorithms given to [`Validation::new`] are accepted. Time is a
/// parameter (`now`), never read from a clock.
///
/// ```
/// use ostium_jose::{Algorithm, Jwk, Signer, SigningHeader, Typ, Validation};
/// use ostium_testkit::{FixedClock, SeededRng};
///
/// let key = Jwk::generate(Algorithm::Es256, &mut SeededRng::new(7))?;
/// let now = FixedClock::default().now();
/// let claims = serde_json::json!({
///     "iss": "https://op.example", "sub": "alice", "aud": "client-1",
///     "iat": now.unix_timestamp(), "exp": now.unix_timestamp() + 300,
/// });
/// let token = Signer::new(&key, &SigningHeader::new(Algorithm::Es256).typ("JWT"))?.sign_json(&claims)?;
///
/// let policy = Validation::new(Typ::Jwt, Algorithm::Es256)
///     .issuer("https://op.example")
///     .audience("client-1");
/// let jwt = policy.verify(&token, &key.to_public()?, now)?;
/// assert_eq!(jwt.subject(), Some("alice"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug)]
pub struct Validation {
    typ: Typ,
    typ_may_be_absent: bool,
    algorithms: AlgorithmSet,
    issuers: Vec<String>,
    audiences: Vec<String>,
    any_audience: bool,
    subject: Option<String>,
    required: u8,
    leeway: i64,
    max_age: Option<i64>,
    limits: Limits,
}

impl Validation {
    /// A policy for JWTs of type `typ` signed with one of `algorithms`; `exp` required.
    pub fn new(typ: Typ, algorithms: impl Into<AlgorithmSet>) -> Self {
        Validation {
            typ,
            typ_may_be_absent: false,
            algorithms: algorithms.into(),
            issuers: Vec::new(),
            audiences: Vec::new(),
            any_audience: false,
            subject: None,
            required: Claim::Exp.bit(),
            leeway: 0,
            max_age: None,
            limits: Limits::default(),
        }
    }

    /// Accepts tokens without `typ` too (a token with another `typ` is still rejected). For
    /// OpenID Connect ID tokens, which many providers send without `typ`.
    #[must_use]
    pub fn typ_may_be_absent(mut self) -> Self {
        self.typ_may_be_absent = true;
        self
    }

    /// Adds an accepted issuer; once one is given, `iss` is required and must equal one of them
    /// byte for byte.
    #[must_use]
    pub fn issuer(mut self, issuer: &str) -> Self {
        self.issuers.push(issuer.to_owned());
        self
    }

    /// Adds an accepted audience; once one is given, `aud` is required and must contain one of
    /// them byte for byte (RFC 7519 §4.1.3).
    #[must_use]
    pub fn audience(mut self, audience: &str) -> Self {
        self.audiences.push(audience.to_owned());
        self
    }

    /// Accepts any `aud` when no audience is configured. Without this, a token carrying an `aud`
    /// is rejected when none is expected (RFC 8725 §3.9: such a token was meant for someone).
    #[must_use]
    pub fn danger_accept_any_audience(mut self) -> Self {
        self.any_audience = true;
        self
    }

    /// Requires `sub` to equal `subject`.
    #[must_use]
    pub fn subject(mut self, subject: &str) -> Self {
        self.subject = Some(subject.to_owned());
        self
    }

    /// Requires `claim` to be present.
    #[must_use]
    pub fn require(mut self, claim: Claim) -> Self {
        self.required |= claim.bit();
        self
    }

    /// Stops requiring `claim` (for instance `exp`, which is required by default). Present claims
    /// are still checked.
    #[must_use]
    pub fn do_not_require(mut self, claim: Claim) -> Self {
        self.required &= !claim.bit();
        self
    }

    /// Clock skew tolerated on `exp`, `nbf` and `iat` (default zero; negative counts as zero).
    #[must_use]
    pub fn leeway(mut self, leeway: Duration) -> Self {
        self.leeway = leeway.whole_seconds().max(0);
        self
    }

    /// The oldest acceptable `iat` (which becomes required): `now - iat` must not exceed
    /// `max_age` plus the leeway.
    #[must_use]
    pub fn max_age(mut self, max_age: Duration) -> Self {
        self.max_age = Some(max_age.whole_seconds().max(0));
        self.required |= Claim::Iat.bit();
        self
    }

    /// Replaces the default [`Limits`].
    #[must_use]
    pub fn with_limits(mut self, limits: Limits) -> Self {
        self.limits = limits;
        self
    }

    /// Verifies a compact JWT against pinned `keys` and this policy, at time `now`.
    ///
    /// # Errors
    ///
    /// [`Error::Jws`] when the JWS does not verify, [`Error::Claims`] when the header `typ` or
    /// the claims break the policy. Show the peer only [`Error::peer_error`].
    pub fn verify<K: KeySource>(
        &self,
        token: &str,
        keys: &K,
        now: OffsetDateTime,
    ) -> Result<VerifiedJwt, Error> {
        let verifier = JwsVerifier::new(keys, self.algorithms).with_limits(self.limits);
        let jws = verifier.verify_compact(token)?;
        self.validate(jws, now)
    }

    /// Verifies a compact JWT signed by the key in its own `jwk` header (a DPoP proof, RFC 9449
    /// §4.3) and applies this policy. The caller must still bind that key (e.g. `cnf.jkt`).
    ///
    /// # Errors
    ///
    /// As [`verify`](Validation::verify), and [`JwsError::EmbeddedKey`].
    pub fn verify_with_embedded_jwk(
        &self,
        token: &str,
        now: OffsetDateTime,
    ) -> Result<VerifiedJwt, Error> {
        let jws = verify_with_embedded_jwk(token, self.algorithms, &self.limits)?;
        self.validate(jws, now)
    }

    /// Applies this policy to a JWS that already verified (e.g. from the JSON serialization).
    ///
    /// # Errors
    ///
    /// [`Error::Claims`] when `typ` or the claims break the policy; [`Error::Jws`] when the
    /// algorithm is not allowed or the payload is unencoded.
    pub fn validate(&self, jws: VerifiedJws, now: OffsetDateTime) -> Result<VerifiedJwt, Error> {
        let VerifiedJws { header, payload } = jws;
        if !self.algorithms.contains(header.algorithm()) {
            return Err(JwsError::AlgorithmNotAllowed(header.algorithm()).into());
        }
        if !header.is_payload_encoded() {
            return Err(
                JwsError::UnencodedPayload("a JWT payload is always base64url-encoded").into(),
            );
        }
        match header.typ() {
            Some(typ) if media_type_eq(typ, self.typ.as_str()) => {}
            None if self.typ_may_be_absent => {}
            _ => return Err(ClaimsError::TypMismatch.into()),
        }
        let payload = String::from_utf8(payload)
            .map_err(|_| ClaimsError::Json("the payload is not UTF-8".to_owned()))?;
        let mut tape = Tape::default();
        let claims = parse_registered(&payload, self.limits.max_depth, &mut tape)?;
        self.check(&claims, payload.as_bytes(), now.unix_timestamp())?;
        Ok(VerifiedJwt {
            header,
            payload,
            claims,
            tape,
        })
    }

    fn check(&self, claims: &Registered, payload: &[u8], now: i64) -> Result<(), ClaimsError> {
        for claim in Claim::ALL {
            if self.required & claim.bit() != 0 {
                let present = match claim {
                    Claim::Iss => claims.iss.is_some(),
                    Claim::Sub => claims.sub.is_some(),
                    Claim::Aud => !matches!(claims.aud, AudienceStore::Absent),
                    Claim::Exp => claims.exp.is_some(),
                    Claim::Nbf => claims.nbf.is_some(),
                    Claim::Iat => claims.iat.is_some(),
                    Claim::Jti => claims.jti.is_some(),
                };
                if !present {
                    return Err(ClaimsError::Missing(claim.name()));
                }
            }
        }
        // Dates are within ±2.6e11 and the leeway is clamped, so these cannot overflow; saturating
        // arithmetic keeps it so even if the ranges change.
        let leeway = self.leeway;
        if let Some(exp) = claims.exp {
            // RFC 7519 §4.1.4: "the current date/time MUST be before the expiration date/time".
            if now >= exp.unix().saturating_add(leeway) {
                return Err(ClaimsError::Expired);
            }
        }
        if let Some(nbf) = claims.nbf
            && now.saturating_add(leeway) < nbf.unix()
        {
            return Err(ClaimsError::NotYetValid);
        }
        if let Some(iat) = claims.iat {
            if iat.unix() > now.saturating_add(leeway) {
                return Err(ClaimsError::IssuedInFuture);
            }
            if let Some(max_age) = self.max_age
                && now.saturating_sub(iat.unix()) > max_age.saturating_add(leeway)
            {
                return Err(ClaimsError::TooOld);
            }
        }
        if !self.issuers.is_empty() {
            let iss = claims
                .iss
                .as_ref()
                .ok_or(ClaimsError::Missing("iss"))?
                .resolve(payload);
            if !self.issuers.iter().any(|expected| expected == iss) {
                return Err(ClaimsError::IssuerMismatch);
            }
        }
        let audiences = audiences(&claims.aud, payload);
        if self.audiences.is_empty() {
            if !matches!(claims.aud, AudienceStore::Absent) && !self.any_audience {
                return Err(ClaimsError::UnexpectedAudience);
            }
        } else {
            if matches!(claims.aud, AudienceStore::Absent) {
                return Err(ClaimsError::Missing("aud"));
            }
            if !audiences
                .clone()
                .any(|aud| self.audiences.iter().any(|expected| expected == aud))
            {
                return Err(ClaimsError::AudienceMismatch);
            }
        }
        if let Some(expected) = &self.subject {
            let sub = claims
                .sub
                .as_ref()
                .ok_or(ClaimsError::Missing("sub"))?
                .resolve(payload);
            if sub != expected {
                return Err(ClaimsError::SubjectMismatch);
            }
        }
        Ok(())
    }
}

fn audiences<'a>(
    aud: &'a AudienceStore,
    payload: &'a [u8],
) -> impl Iterator<Item = &'a str> + Clone {
    let (one, many) = match aud {
        AudienceStore::Absent => (None, &[][..]),
        AudienceStore::One(text) => (Some(text), &[][..]),
        AudienceStore::Many(all) => (None, &all[..]),
    };
    one.into_iter()
        .chain(many)
        .map(move |text| text.resolve(payload))
}

/// A JWT whose signature verified and whose claims satisfy a [`Validation`].
#[derive(Clone, Debug)]
pub struct VerifiedJwt {
    header: Header,
    payload: String,
    claims: Registered,
    /// The top-level members as the strict pass found them, for [`VerifiedJwt::claims`].
    tape: Tape,
}

impl VerifiedJwt {
    /// The JOSE header.
    pub fn header(&self) -> &Header {
        &self.header
    }

    /// The claims JSON.
    pub fn payload(&self) -> &str {
        &self.payload
    }

    /// `iss` (RFC 7519 §4.1.1).
    pub fn issuer(&self) -> Option<&str> {
        self.claims
            .iss
            .as_ref()
            .map(|t| t.resolve(self.payload.as_bytes()))
    }

    /// `sub` (RFC 7519 §4.1.2).
    pub fn subject(&self) -> Option<&str> {
        self.claims
            .sub
            .as_ref()
            .map(|t| t.resolve(self.payload.as_bytes()))
    }

    /// The `aud` values (RFC 7519 §4.1.3): one for a string, each for an array.
    pub fn audiences(&self) -> impl Iterator<Item = &str> + Clone {
        audiences(&self.claims.aud, self.payload.as_bytes())
    }

    /// `exp` (RFC 7519 §4.1.4).
    pub fn expires_at(&self) -> Option<NumericDate> {
        self.claims.exp
    }

    /// `nbf` (RFC 7519 §4.1.5).
    pub fn not_before(&self) -> Option<NumericDate> {
        self.claims.nbf
    }

    /// `iat` (RFC 7519 §4.1.6).
    pub fn issued_at(&self) -> Option<NumericDate> {
        self.claims.iat
    }

    /// `jti` (RFC 7519 §4.1.7). A replay cache must key on this (with the issuer), never on the
    /// signature bytes: ECDSA signatures are malleable.
    pub fn jwt_id(&self) -> Option<&str> {
        self.claims
            .jti
            .as_ref()
            .map(|t| t.resolve(self.payload.as_bytes()))
    }

    /// Deserializes the claims into `T`, borrowing from the payload where `T` allows. Duplicate
    /// members were already rejected at every level. The result (value or error) is exactly
    /// `serde_json::from_str`'s; the usual claims are replayed from what verification already
    /// read instead of being parsed again.
    ///
    /// # Errors
    ///
    /// [`ClaimsError::Json`] when the payload does not fit `T`.
    pub fn claims<'a, T: Deserialize<'a>>(&'a self) -> Result<T, ClaimsError> {
        crate::claims_deserializer::from_str(&self.payload, &self.tape)
            .map_err(|e| ClaimsError::Json(e.to_string()))
    }
}

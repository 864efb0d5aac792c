//! The UserInfo endpoint (OIDC Core §5.3).
//!
//! 1. Read the bearer token from the `Authorization` header or a form body (never the query,
//!    checklist item 51). No credentials: 401 with a bare `Bearer` challenge (RFC 6750 §3.1).
//! 2. Find the token: an opaque access token, or a JWT access token this server signed. Unknown,
//!    expired or revoked: 401 `invalid_token`. Without `openid` in its scope: 403
//!    `insufficient_scope`.
//! 3. A DPoP-bound token (RFC 9449 §7) must come with the `DPoP` scheme and a proof of its key
//!    for this request (`htm`, `htu` the UserInfo endpoint, `ath`), used once; a bound token
//!    presented as `Bearer` is refused, and so is an unbound one presented as `DPoP`.
//! 4. Ask the store for the claims the scope (OIDC Core §5.4) and the `claims` request
//!    (§5.5) release, and answer them with `sub`, which always comes from the token.

use std::sync::Arc;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use ostium_jose::{AlgorithmSet, DpopProof, DpopProofCheck};
use ostium_messages::resource::{
    Challenge, TokenMethods, TokenScheme, presented_token, resource_error_response, same_target,
};
use ostium_messages::{ErrorResponse, HttpRequest, HttpResponse, ResourceErrorCode};
use serde_json::Value;
use time::OffsetDateTime;

use crate::Engine;
use crate::lookup::{self, Found};
use crate::records::{GrantDetails, Subject};
use crate::secret::SecretHash;
use crate::step::{Pending, Step};
use crate::store::{Effect, JtiUse, Outcome, StoreError};

/// The UserInfo endpoint's suspended state.
pub(crate) struct UserInfoFlow {
    now: OffsetDateTime,
    /// The request's time when the token came with the DPoP scheme: every answer then carries
    /// the server's current DPoP nonce, if it uses nonces.
    dpop_at: Option<OffsetDateTime>,
    /// How the token came: its scheme, and its DPoP proof already checked against this request
    /// (everything but the key binding and the `jti`).
    presentation: Presentation,
    stage: Stage,
}

enum Presentation {
    Bearer,
    Dpop(Result<Box<DpopProof>, ProofRejection>),
}

/// Why a DPoP proof at UserInfo is refused.
enum ProofRejection {
    /// `invalid_dpop_proof`, saying why.
    Invalid(String),
    /// `use_dpop_nonce` (RFC 9449 §9), saying why.
    NeedsNonce(&'static str),
}

impl From<&str> for ProofRejection {
    fn from(text: &str) -> Self {
        Self::Invalid(text.to_owned())
    }
}

enum Stage {
    LookingUp,
    /// Recording the proof's `jti`, then loading the claims of this subject.
    RecordingDpopJti(Arc<GrantDetails>, Subject),
    /// Waiting for the user's claims, with the names released (sorted).
    LoadingClaims(Subject, Vec<String>),
    Finished,
}

fn challenge(code: Option<(ResourceErrorCode, &str)>) -> Step {
    let mut challenge = Challenge::bearer();
    if let Some((code, text)) = code {
        challenge = challenge.with_error(ErrorResponse::new(code).with_description(text));
    }
    Step::Respond(resource_error_response(&[challenge], None))
}

fn invalid_dpop_proof(text: &str) -> Step {
    let challenge = Challenge::dpop(Vec::<String>::new())
        .with_error(ErrorResponse::new(ResourceErrorCode::InvalidDpopProof).with_description(text));
    Step::Respond(resource_error_response(&[challenge], None))
}

fn use_dpop_nonce(text: &str) -> Step {
    let challenge = Challenge::dpop(Vec::<String>::new())
        .with_error(ErrorResponse::new(ResourceErrorCode::UseDpopNonce).with_description(text));
    Step::Respond(resource_error_response(&[challenge], None))
}

fn invalid_token() -> Step {
    invalid_token_text("the access token is invalid or expired")
}

fn invalid_token_text(text: &str) -> Step {
    challenge(Some((ResourceErrorCode::InvalidToken, text)))
}

impl Engine {
    /// Handles a UserInfo request (GET or POST, OIDC Core §5.3.1).
    pub fn userinfo(&self, request: &HttpRequest<'_>, now: OffsetDateTime) -> Step {
        let presented = match presented_token(request, TokenMethods::HEADER_ONLY.with_form_body()) {
            Ok(Some(presented)) => presented,
            Ok(None) => return challenge(None),
            Err(error) => {
                let challenge = Challenge::bearer().with_error(error);
                return Step::Respond(resource_error_response(&[challenge], None));
            }
        };
        let token = presented.access_token.as_str();
        let (presentation, dpop_at) = match presented.scheme {
            TokenScheme::Bearer => (Presentation::Bearer, None),
            _ => {
                let proof = presented.dpop_proof.as_ref().map(|p| p.as_str());
                let checked = self.check_userinfo_proof(request, proof, token, now);
                (Presentation::Dpop(checked), Some(now))
            }
        };
        let flow = UserInfoFlow {
            now,
            dpop_at,
            presentation,
            stage: Stage::LookingUp,
        };
        if let Some(jwt) = lookup::jwt_access_token(self, token, now) {
            let Ok(subject) = Subject::parse(&jwt.subject) else {
                return self.stamp_dpop_nonce_if(invalid_token(), dpop_at);
            };
            let step = flow.bound(Arc::new(jwt.details), subject, jwt.jkt.as_deref());
            return self.stamp_dpop_nonce_if(step, dpop_at);
        }
        Step::Effect(Pending::new(
            Effect::AccessToken(SecretHash::of(token)),
            flow,
        ))
    }
}

impl Engine {
    /// Checks a UserInfo request's DPoP proof against the request: the JOSE checks, `htm`,
    /// `htu` this endpoint, `ath` this token (RFC 9449 §4.3, §7.1).
    fn check_userinfo_proof(
        &self,
        request: &HttpRequest<'_>,
        proof: Option<&str>,
        token: &str,
        now: OffsetDateTime,
    ) -> Result<Box<DpopProof>, ProofRejection> {
        let config = self.config();
        let proof = proof.ok_or("a DPoP token needs a DPoP proof")?;
        let proof = DpopProofCheck::new(AlgorithmSet::of(&config.profile.dpop_algorithms))
            .verify(proof, now)
            .map_err(|error| ProofRejection::Invalid(error.to_string()))?;
        if proof.htm != request.method {
            return Err("htm is not the request's method".into());
        }
        let endpoint = config.endpoints.userinfo.as_deref().unwrap_or_default();
        if !same_target(&proof.htu, endpoint) {
            return Err("htu is not the UserInfo endpoint".into());
        }
        let digest = ring::digest::digest(&ring::digest::SHA256, token.as_bytes());
        let ath = URL_SAFE_NO_PAD.encode(digest.as_ref());
        if !proof
            .ath
            .as_deref()
            .is_some_and(|sent| ostium_rand::constant_time_eq(sent.as_bytes(), ath.as_bytes()))
        {
            return Err("ath is not the hash of the access token".into());
        }
        if let Some(why) = self.dpop_nonce_problem(proof.nonce.as_deref(), now) {
            return Err(ProofRejection::NeedsNonce(why));
        }
        Ok(Box::new(proof))
    }
}

impl UserInfoFlow {
    /// Applies the token's DPoP binding to how it was presented (RFC 9449 §7.1–§7.2), then
    /// goes on to the claims.
    fn bound(mut self, details: Arc<GrantDetails>, subject: Subject, jkt: Option<&str>) -> Step {
        let presentation = std::mem::replace(&mut self.presentation, Presentation::Bearer);
        match (jkt, presentation) {
            (None, Presentation::Bearer) => self.load_claims(&details, subject),
            (Some(_), Presentation::Bearer) => {
                invalid_token_text("a DPoP-bound token must be presented with the DPoP scheme")
            }
            (None, Presentation::Dpop(_)) => {
                invalid_token_text("the access token is not bound to a DPoP key")
            }
            (Some(_), Presentation::Dpop(Err(ProofRejection::Invalid(text)))) => {
                invalid_dpop_proof(&text)
            }
            (Some(_), Presentation::Dpop(Err(ProofRejection::NeedsNonce(why)))) => {
                use_dpop_nonce(why)
            }
            (Some(jkt), Presentation::Dpop(Ok(proof))) => {
                if proof.jkt != jkt {
                    return invalid_dpop_proof("the proof is not signed by the token's key");
                }
                let effect = Effect::ConsumeJti {
                    issuer: format!("dpop:{jkt}"),
                    jti: proof.jti,
                    expires_at: proof.accepted_until,
                };
                self.stage = Stage::RecordingDpopJti(details, subject);
                Step::Effect(Pending::new(effect, self))
            }
        }
    }

    fn load_claims(mut self, details: &GrantDetails, subject: Subject) -> Step {
        if !details.is_openid() {
            return challenge(Some((
                ResourceErrorCode::InsufficientScope,
                "the token was not issued for openid",
            )));
        }
        let names = crate::claims::for_userinfo(&details.scope, details.claims.as_ref());
        let effect = Effect::Claims {
            subject: subject.clone(),
            names: names.clone(),
        };
        self.stage = Stage::LoadingClaims(subject, names);
        Step::Effect(Pending::new(effect, self))
    }

    pub(crate) fn resume(self, engine: &Engine, outcome: Result<Outcome, StoreError>) -> Step {
        let dpop_at = self.dpop_at;
        engine.stamp_dpop_nonce_if(self.resume_stage(outcome), dpop_at)
    }

    fn resume_stage(mut self, outcome: Result<Outcome, StoreError>) -> Step {
        let Ok(outcome) = outcome else {
            return Step::Respond(HttpResponse::new(500).with_header("cache-control", "no-store"));
        };
        match (std::mem::replace(&mut self.stage, Stage::Finished), outcome) {
            (Stage::LookingUp, outcome) => match lookup::found(outcome, self.now) {
                Some(Found::Access(record)) => {
                    let Some(subject) = record
                        .details
                        .authentication
                        .as_ref()
                        .map(|a| a.subject.clone())
                    else {
                        // A client_credentials token has no user.
                        return challenge(Some((
                            ResourceErrorCode::InsufficientScope,
                            "the token has no user",
                        )));
                    };
                    let jkt = record.jkt.as_ref().map(|jkt| jkt.as_str().to_owned());
                    self.bound(Arc::clone(&record.details), subject, jkt.as_deref())
                }
                _ => invalid_token(),
            },
            (Stage::RecordingDpopJti(details, subject), Outcome::Jti(JtiUse::Fresh)) => {
                self.load_claims(&details, subject)
            }
            (Stage::RecordingDpopJti(..), Outcome::Jti(JtiUse::Replayed)) => {
                invalid_dpop_proof("the DPoP proof was used before")
            }
            (Stage::LoadingClaims(subject, names), Outcome::Claims(Some(mut claims))) => {
                // Only what the grant releases, whatever the store answered.
                claims.retain(|name, _| names.binary_search(name).is_ok());
                // `sub` always comes from the token, never from the store (OIDC Core §5.3.2).
                claims.insert("sub".to_owned(), Value::String(subject.as_str().to_owned()));
                Step::Respond(HttpResponse::json(200, &claims))
            }
            (Stage::LoadingClaims(..), Outcome::Claims(None)) => invalid_token(),
            _ => Step::Respond(HttpResponse::new(500).with_header("cache-control", "no-store")),
        }
    }
}

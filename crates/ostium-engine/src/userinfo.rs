//! The UserInfo endpoint (OIDC Core §5.3).
//!
//! 1. Read the bearer token from the `Authorization` header or a form body (never the query,
//!    checklist item 51). No credentials: 401 with a bare `Bearer` challenge (RFC 6750 §3.1).
//! 2. Find the token: an opaque access token, or a JWT access token this server signed. Unknown,
//!    expired or revoked: 401 `invalid_token`. Without `openid` in its scope: 403
//!    `insufficient_scope`.
//! 3. Ask the store for the claims the scope (OIDC Core §5.4) and the `claims` request
//!    (§5.5) release, and answer them with `sub`, which always comes from the token.

use ostium_messages::resource::{
    Challenge, TokenMethods, TokenScheme, presented_token, resource_error_response,
};
use ostium_messages::{ErrorResponse, HttpRequest, HttpResponse, ResourceErrorCode};
use serde_json::Value;
use time::OffsetDateTime;

use crate::Engine;
use crate::lookup::{self, Found};
use crate::records::{GrantDetails, Subject};
use crate::secret::SecretHash;
use crate::step::{Pending, Step};
use crate::store::{Effect, Outcome, StoreError};

/// The UserInfo endpoint's suspended state.
pub(crate) struct UserInfoFlow {
    now: OffsetDateTime,
    stage: Stage,
}

enum Stage {
    LookingUp,
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

fn invalid_token() -> Step {
    challenge(Some((
        ResourceErrorCode::InvalidToken,
        "the access token is invalid or expired",
    )))
}

impl Engine {
    /// Handles a UserInfo request (GET or POST, OIDC Core §5.3.1).
    pub fn userinfo(&self, request: &HttpRequest<'_>, now: OffsetDateTime) -> Step {
        let presented = match presented_token(request, TokenMethods::HEADER_ONLY.with_form_body()) {
            Ok(Some(presented)) if presented.scheme == TokenScheme::Bearer => presented,
            Ok(Some(_)) => return invalid_token(),
            Ok(None) => return challenge(None),
            Err(error) => {
                let challenge = Challenge::bearer().with_error(error);
                return Step::Respond(resource_error_response(&[challenge], None));
            }
        };
        let token = presented.access_token.as_str();
        let flow = UserInfoFlow {
            now,
            stage: Stage::LookingUp,
        };
        if let Some(jwt) = lookup::jwt_access_token(self, token, now) {
            let Ok(subject) = Subject::parse(&jwt.subject) else {
                return invalid_token();
            };
            return flow.load_claims(&jwt.details, subject);
        }
        Step::Effect(Pending::new(
            Effect::AccessToken(SecretHash::of(token)),
            flow,
        ))
    }
}

impl UserInfoFlow {
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

    pub(crate) fn resume(mut self, _engine: &Engine, outcome: Result<Outcome, StoreError>) -> Step {
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
                    self.load_claims(&record.details, subject)
                }
                _ => invalid_token(),
            },
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

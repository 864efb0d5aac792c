//! The introspection endpoint (RFC 7662).
//!
//! 1. Authenticate the caller as a confidential client (RFC 7662 §2.1; bad credentials → 401,
//!    checklist item 54). Callers presenting a bearer token instead are not supported and get
//!    401 `invalid_client`.
//! 2. Find the token: opaque access token, refresh token, or a JWT access token this server
//!    signed.
//! 3. The caller may see it if it is a resource server registered to introspect any token, or
//!    the client the token was issued to; otherwise, and for unknown, expired or revoked tokens,
//!    the answer is `{"active": false}` and nothing else (RFC 7662 §2.2).

use std::sync::Arc;

use ostium_messages::introspection::{
    IntrospectionCaller, IntrospectionRequest, IntrospectionResponse,
};
use ostium_messages::{ErrorResponse, HttpRequest, TokenErrorCode};
use time::OffsetDateTime;

use crate::Engine;
use crate::authenticate::{Authenticating, Progress};
use crate::client::Client;
use crate::issue::server_error;
use crate::lookup::{self, Found};
use crate::records::GrantDetails;
use crate::step::{Pending, Step};
use crate::store::{Effect, Outcome, StoreError};

/// The introspection endpoint's suspended state.
pub(crate) struct IntrospectFlow {
    now: OffsetDateTime,
    request: IntrospectionRequest,
    stage: Stage,
}

enum Stage {
    Authenticating(Authenticating),
    LookingUp {
        client: Arc<Client>,
        remaining: Vec<Effect>,
    },
    Finished,
}

impl Engine {
    /// Handles an introspection request (RFC 7662 §2.1).
    pub fn introspect(&self, request: &HttpRequest<'_>, now: OffsetDateTime) -> Step {
        let mut parsed = match IntrospectionRequest::parse(request) {
            Ok(parsed) => parsed,
            Err(error) => return self.token_error(&error),
        };
        let presented = match &mut parsed.caller {
            IntrospectionCaller::Client(auth) => auth,
            _ => {
                return self.token_error(
                    &ErrorResponse::new(TokenErrorCode::InvalidClient)
                        .with_description("introspection callers authenticate as clients"),
                );
            }
        };
        let (authenticating, progress) = Authenticating::start(presented);
        let flow = IntrospectFlow {
            now,
            request: parsed,
            stage: Stage::Authenticating(authenticating),
        };
        flow.after_authentication(self, progress)
    }
}

impl IntrospectFlow {
    fn suspend(self, effect: Effect) -> Step {
        Step::Effect(Pending::new(effect, self))
    }

    fn after_authentication(self, engine: &Engine, progress: Progress) -> Step {
        let client = match progress {
            Progress::Need(effect) => return self.suspend(effect),
            Progress::Failed(error) => return engine.token_error(&error),
            Progress::Done(client) => client,
        };
        if client.is_public() {
            return engine.token_error(
                &ErrorResponse::new(TokenErrorCode::InvalidClient)
                    .with_description("public clients may not introspect"),
            );
        }
        let token = self.request.token.token.as_str();
        if let Some(jwt) = lookup::jwt_access_token(engine, token, self.now) {
            if !visible(&client, &jwt.details) {
                return inactive();
            }
            let mut response = active(engine, &jwt.details, Some(token_type(jwt.jkt.as_deref())));
            response.cnf = confirmation(jwt.jkt.as_deref());
            response.sub = Some(jwt.subject);
            response.exp = Some(jwt.expires_at);
            response.iat = jwt.issued_at;
            response.jti = jwt.jti;
            return Step::Respond(response.to_response());
        }
        let mut remaining = lookup::lookups(token, self.request.token.token_type_hint.as_ref());
        remaining.reverse();
        self.next_lookup(client, remaining)
    }

    fn next_lookup(mut self, client: Arc<Client>, mut remaining: Vec<Effect>) -> Step {
        match remaining.pop() {
            Some(effect) => {
                self.stage = Stage::LookingUp { client, remaining };
                self.suspend(effect)
            }
            None => inactive(),
        }
    }

    pub(crate) fn resume(mut self, engine: &Engine, outcome: Result<Outcome, StoreError>) -> Step {
        let Ok(outcome) = outcome else {
            return engine.token_error(&server_error("storage unavailable"));
        };
        match (std::mem::replace(&mut self.stage, Stage::Finished), outcome) {
            (Stage::Authenticating(mut authenticating), outcome) => {
                let progress = authenticating.advance(engine, self.now, outcome);
                self.stage = Stage::Authenticating(authenticating);
                self.after_authentication(engine, progress)
            }
            (Stage::LookingUp { client, remaining }, outcome) => {
                match lookup::found(outcome, self.now) {
                    Some(Found::Access(record)) if visible(&client, &record.details) => {
                        let jkt = record.jkt.as_ref().map(|jkt| jkt.as_str());
                        let mut response = active(engine, &record.details, Some(token_type(jkt)));
                        response.cnf = confirmation(jkt);
                        response.exp = Some(record.expires_at.unix_timestamp());
                        response.iat = Some(record.issued_at.unix_timestamp());
                        Step::Respond(response.to_response())
                    }
                    Some(Found::Refresh(record)) if visible(&client, &record.details) => {
                        let mut response = active(engine, &record.details, None);
                        response.exp = Some(record.expires_at.unix_timestamp());
                        Step::Respond(response.to_response())
                    }
                    Some(_) => inactive(),
                    None => self.next_lookup(client, remaining),
                }
            }
            _ => engine.token_error(&server_error("unexpected store outcome")),
        }
    }
}

fn visible(caller: &Client, details: &GrantDetails) -> bool {
    caller.introspects_any_token || caller.id == details.client_id
}

/// RFC 9449 §6.2: a bound token is a `DPoP` token, with its key's thumbprint in `cnf.jkt`.
fn token_type(jkt: Option<&str>) -> &'static str {
    if jkt.is_some() { "DPoP" } else { "Bearer" }
}

fn confirmation(jkt: Option<&str>) -> Option<serde_json::Value> {
    jkt.map(|jkt| serde_json::json!({ "jkt": jkt }))
}

fn inactive() -> Step {
    Step::Respond(IntrospectionResponse::inactive().to_response())
}

fn active(
    engine: &Engine,
    details: &GrantDetails,
    token_type: Option<&str>,
) -> IntrospectionResponse {
    let mut response = IntrospectionResponse::inactive();
    response.active = true;
    response.scope = (!details.scope.is_empty()).then(|| details.scope.clone());
    response.client_id = Some(details.client_id.as_str().to_owned());
    response.token_type = token_type.map(str::to_owned);
    response.sub = details
        .authentication
        .as_ref()
        .map(|a| a.subject.as_str().to_owned());
    response.iss = Some(engine.config().issuer.as_str().to_owned());
    response.authorization_details = details.authorization_details.clone();
    response
}

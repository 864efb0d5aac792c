//! The revocation endpoint (RFC 7009).
//!
//! 1. Authenticate the client (checklist item 53).
//! 2. Look the token up (the hint orders the search, RFC 7009 §2.1).
//! 3. A refresh token of this client: revoke its whole grant family, access tokens included
//!    (RFC 7009 §2.1 "SHOULD"). An opaque access token of this client: revoke it.
//! 4. Answer 200 for unknown, invalid or expired tokens (RFC 7009 §2.2): there is nothing to
//!    revoke. A live token issued to *another* client is refused with `unauthorized_client` and
//!    left alone (RFC 7009 §2.1: "the request is refused and the client is informed of the
//!    error"); the caller learns nothing it did not know, since it holds the token.

use std::sync::Arc;

use ostium_messages::revocation::{TokenOperationRequest, revocation_success};
use ostium_messages::{ErrorResponse, HttpRequest, TokenErrorCode};
use time::OffsetDateTime;

use crate::Engine;
use crate::authenticate::{Authenticating, Progress};
use crate::client::Client;
use crate::issue::server_error;
use crate::lookup::{self, Found};
use crate::secret::SecretHash;
use crate::step::{Pending, Step};
use crate::store::{Effect, Outcome, StoreError};

/// The revocation endpoint's suspended state.
pub(crate) struct RevokeFlow {
    now: OffsetDateTime,
    request: TokenOperationRequest,
    stage: Stage,
}

enum Stage {
    Authenticating(Authenticating),
    LookingUp {
        client: Arc<Client>,
        remaining: Vec<Effect>,
    },
    Revoking,
    Finished,
}

impl Engine {
    /// Handles a revocation request (RFC 7009 §2.1).
    pub fn revoke(&self, request: &HttpRequest<'_>, now: OffsetDateTime) -> Step {
        let mut parsed = match TokenOperationRequest::parse(request) {
            Ok(parsed) => parsed,
            Err(error) => return self.token_error(&error),
        };
        let (authenticating, progress) = Authenticating::start(&mut parsed.client_auth);
        let flow = RevokeFlow {
            now,
            request: parsed,
            stage: Stage::Authenticating(authenticating),
        };
        flow.after_authentication(self, progress)
    }
}

impl RevokeFlow {
    fn suspend(self, effect: Effect) -> Step {
        Step::Effect(Pending::new(effect, self))
    }

    fn after_authentication(self, engine: &Engine, progress: Progress) -> Step {
        match progress {
            Progress::Need(effect) => self.suspend(effect),
            Progress::Failed(error) => engine.token_error(&error),
            Progress::Done(client) => {
                let mut remaining = lookup::lookups(
                    self.request.token.as_str(),
                    self.request.token_type_hint.as_ref(),
                );
                remaining.reverse();
                self.next_lookup(client, remaining)
            }
        }
    }

    fn next_lookup(mut self, client: Arc<Client>, mut remaining: Vec<Effect>) -> Step {
        match remaining.pop() {
            Some(effect) => {
                self.stage = Stage::LookingUp { client, remaining };
                self.suspend(effect)
            }
            None => Step::Respond(revocation_success()),
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
                    Some(Found::Refresh(record)) if record.details.client_id == client.id => {
                        self.stage = Stage::Revoking;
                        self.suspend(Effect::RevokeFamily(record.grant))
                    }
                    Some(Found::Access(record)) if record.details.client_id == client.id => {
                        let hash = SecretHash::of(self.request.token.as_str());
                        self.stage = Stage::Revoking;
                        self.suspend(Effect::RevokeAccessToken(hash))
                    }
                    // Another client's token: refused, and not revoked (RFC 7009 §2.1).
                    Some(_) => engine.token_error(
                        &ErrorResponse::new(TokenErrorCode::UnauthorizedClient)
                            .with_description("the token was not issued to this client"),
                    ),
                    None => self.next_lookup(client, remaining),
                }
            }
            (Stage::Revoking, Outcome::Written) => Step::Respond(revocation_success()),
            _ => engine.token_error(&server_error("unexpected store outcome")),
        }
    }
}

//! The shape the pushed authorization and device authorization endpoints share: authenticate
//! the client ([`crate::authenticate`]), record the request's DPoP proof as used if it has one,
//! decide from the request and the client what to store and what to answer, write it, then
//! answer. Errors are token-endpoint-style JSON (RFC 6749 §5.2).

use std::sync::Arc;

use ostium_messages::client_auth::ClientAuthentication;
use ostium_messages::{ErrorResponse, HttpResponse, TokenErrorCode};
use ostium_rand::SecureRng;
use time::OffsetDateTime;

use crate::Engine;
use crate::authenticate::{Authenticating, Progress};
use crate::client::Client;
use crate::dpop::{ProvenKey, invalid_dpop};
use crate::issue::server_error;
use crate::secret::Entropy;
use crate::step::{Flow, Pending, Step};
use crate::store::{Effect, JtiUse, Outcome, StoreError, Write};

/// One endpoint of this shape: what it decides once its client is known.
pub(crate) trait ClientWrite {
    /// What the client presented to authenticate, in the parsed request (taken out of it).
    fn client_auth(&mut self) -> &mut ClientAuthentication;

    /// The request's DPoP proof, checked already, if the endpoint takes one.
    fn proof(&mut self) -> Option<&mut ProvenKey> {
        None
    }

    /// The records to write and the response to send once they are written, or the error to
    /// answer with.
    fn decide(
        &mut self,
        engine: &Engine,
        now: OffsetDateTime,
        client: &Arc<Client>,
    ) -> Result<(Vec<Write>, HttpResponse), ErrorResponse<TokenErrorCode>>;
}

/// Such an endpoint's suspended state.
pub(crate) struct ClientWriteFlow<E> {
    now: OffsetDateTime,
    endpoint: E,
    stage: Stage,
}

enum Stage {
    Authenticating(Authenticating),
    /// Recording the DPoP proof's `jti` (RFC 9449 §11.1) for the authenticated client.
    RecordingDpopJti(Arc<Client>),
    Writing(HttpResponse),
    Finished,
}

impl<E: ClientWrite> ClientWriteFlow<E>
where
    Flow: From<Self>,
{
    /// Starts from the parsed request (or its parse error): draws `octets` of randomness in one
    /// call, builds the endpoint, and authenticates what the client presented.
    pub(crate) fn begin<R>(
        engine: &Engine,
        now: OffsetDateTime,
        rng: &mut (impl SecureRng + ?Sized),
        octets: usize,
        parsed: Result<R, ErrorResponse<TokenErrorCode>>,
        build: impl FnOnce(Entropy, R) -> E,
    ) -> Step {
        let parsed = match parsed {
            Ok(parsed) => parsed,
            Err(error) => return engine.token_error(&error),
        };
        let Ok(entropy) = Entropy::draw(rng, octets) else {
            return engine.token_error(&server_error("randomness unavailable"));
        };
        Self::start(engine, now, build(entropy, parsed))
    }

    /// Starts: authenticates what the client presented.
    fn start(engine: &Engine, now: OffsetDateTime, mut endpoint: E) -> Step {
        let (authenticating, progress) = Authenticating::start(endpoint.client_auth());
        let flow = Self {
            now,
            endpoint,
            stage: Stage::Authenticating(authenticating),
        };
        flow.after_authentication(engine, progress)
    }

    pub(crate) fn resume(mut self, engine: &Engine, outcome: Result<Outcome, StoreError>) -> Step {
        let dpop_at = self.endpoint.proof().map(|_| self.now);
        engine.stamp_dpop_nonce_if(self.resume_stage(engine, outcome), dpop_at)
    }

    fn resume_stage(mut self, engine: &Engine, outcome: Result<Outcome, StoreError>) -> Step {
        let Ok(outcome) = outcome else {
            return engine.token_error(&server_error("storage unavailable"));
        };
        match (std::mem::replace(&mut self.stage, Stage::Finished), outcome) {
            (Stage::Authenticating(mut authenticating), outcome) => {
                let progress = authenticating.advance(engine, self.now, outcome);
                self.stage = Stage::Authenticating(authenticating);
                self.after_authentication(engine, progress)
            }
            (Stage::RecordingDpopJti(client), Outcome::Jti(JtiUse::Fresh)) => {
                self.after_authentication(engine, Progress::Done(client))
            }
            (Stage::RecordingDpopJti(_), Outcome::Jti(JtiUse::Replayed)) => {
                engine.token_error(&invalid_dpop("the DPoP proof was used before"))
            }
            (Stage::Writing(response), Outcome::Written) => Step::Respond(response),
            _ => engine.token_error(&server_error("unexpected store outcome")),
        }
    }

    fn after_authentication(mut self, engine: &Engine, progress: Progress) -> Step {
        let client = match progress {
            Progress::Need(effect) => return Step::Effect(Pending::new(effect, self)),
            Progress::Failed(error) => return engine.token_error(&error),
            Progress::Done(client) => client,
        };
        // RFC 9449 §11.1: a proof is single use; recorded once the client is authenticated.
        if let Some(proof) = self.endpoint.proof().filter(|proof| !proof.recorded) {
            let effect = proof.record_jti();
            self.stage = Stage::RecordingDpopJti(client);
            return Step::Effect(Pending::new(effect, self));
        }
        match self.endpoint.decide(engine, self.now, &client) {
            Ok((writes, response)) => {
                self.stage = Stage::Writing(response);
                Step::Effect(Pending::new(Effect::Write(writes), self))
            }
            Err(error) => engine.token_error(&error),
        }
    }
}

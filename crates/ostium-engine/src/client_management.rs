//! Client configuration (RFC 7592): a dynamically registered client reads, updates or deletes
//! its registration at its `registration_client_uri`, with the registration access token it
//! received at registration.
//!
//! - Every request carries that token as a Bearer token; a missing, wrong or unknown one is
//!   RFC 6750's 401 (`invalid_token`), whether or not the client exists (§2).
//! - `GET`: the client information, as registered (the secret is never shown again).
//! - `PUT`: the full metadata again, with the client's `client_id` (§2.2). The rules are
//!   registration's; the authentication method cannot change (a `private_key_jwt` client may
//!   send new keys), and the secret and the registration access token stay.
//! - `DELETE`: the client is forgotten and every grant issued to it revoked (§2.3); 204.

use std::sync::Arc;

use ostium_messages::registration::{ClientMetadata, registration_error_response};
use ostium_messages::resource::{Challenge, resource_error_response};
use ostium_messages::values::ClientId;
use ostium_messages::{
    ErrorResponse, HttpRequest, HttpResponse, RegistrationErrorCode, ResourceErrorCode,
};

use crate::Engine;
use crate::client::{Client, ClientCredentials, RegisteredClient};
use crate::registration::{auth_method, bearer, credentials, decide_client, information};
use crate::step::{Pending, Step};
use crate::store::{Effect, Outcome, StoreError, Write};

/// The client configuration endpoint's suspended state.
pub(crate) struct ManagementFlow {
    /// The registration access token presented.
    token: String,
    operation: Operation,
    stage: Stage,
}

enum Operation {
    Read,
    Update(Box<ClientMetadata>),
    Delete,
}

enum Stage {
    LoadingClient,
    Writing(HttpResponse),
    Finished,
}

fn unauthorized(error: Option<&str>) -> Step {
    let mut challenge = Challenge::bearer();
    if let Some(text) = error {
        challenge = challenge
            .with_error(ErrorResponse::new(ResourceErrorCode::InvalidToken).with_description(text));
    }
    Step::Respond(resource_error_response(&[challenge], None))
}

fn invalid_token() -> Step {
    unauthorized(Some("the registration access token is not valid"))
}

fn refuse(text: &str) -> Step {
    Step::Respond(registration_error_response(
        &ErrorResponse::new(RegistrationErrorCode::InvalidClientMetadata).with_description(text),
    ))
}

impl Engine {
    /// Handles a request to the configuration endpoint of the client `client_id` (RFC 7592 §2),
    /// the last path segment of its `registration_client_uri`. Without
    /// [`Config::registration`](crate::Config::registration) the endpoint does not exist: 404.
    pub fn client_configuration(&self, request: &HttpRequest<'_>, client_id: &str) -> Step {
        if self.config().registration.is_none() {
            return Step::Respond(HttpResponse::new(404).with_header("cache-control", "no-store"));
        }
        let Some(token) = bearer(request.authorization) else {
            return unauthorized(None);
        };
        let Ok(id) = ClientId::parse(client_id) else {
            return invalid_token();
        };
        let operation = match request.method {
            "GET" => Operation::Read,
            "DELETE" => Operation::Delete,
            "PUT" => match ClientMetadata::parse_request(request.content_type, request.body) {
                Ok(metadata) => Operation::Update(Box::new(metadata)),
                Err(error) => return Step::Respond(registration_error_response(&error)),
            },
            _ => {
                return Step::Respond(
                    HttpResponse::new(405)
                        .with_header("allow", "GET, PUT, DELETE")
                        .with_header("cache-control", "no-store"),
                );
            }
        };
        let flow = ManagementFlow {
            token: token.to_owned(),
            operation,
            stage: Stage::LoadingClient,
        };
        Step::Effect(Pending::new(Effect::Client(id), flow))
    }
}

impl ManagementFlow {
    pub(crate) fn resume(mut self, engine: &Engine, outcome: Result<Outcome, StoreError>) -> Step {
        let Ok(outcome) = outcome else {
            return Step::Respond(HttpResponse::new(500).with_header("cache-control", "no-store"));
        };
        match (std::mem::replace(&mut self.stage, Stage::Finished), outcome) {
            (Stage::LoadingClient, Outcome::Client(client)) => {
                // The token decides, before anything says whether the client exists.
                let Some(client) = client.filter(|client| {
                    client
                        .registered
                        .as_ref()
                        .is_some_and(|registered| registered.access_token.matches(&self.token))
                }) else {
                    return invalid_token();
                };
                self.operate(engine, &client)
            }
            (Stage::Writing(response), Outcome::Written) => Step::Respond(response),
            _ => Step::Respond(HttpResponse::new(500).with_header("cache-control", "no-store")),
        }
    }

    fn operate(mut self, engine: &Engine, client: &Arc<Client>) -> Step {
        let (Some(registration), Some(registered)) =
            (&engine.config().registration, client.registered.as_deref())
        else {
            return invalid_token();
        };
        match std::mem::replace(&mut self.operation, Operation::Read) {
            Operation::Read => {
                Step::Respond(information(registration, client, registered).to_response())
            }
            Operation::Delete => {
                self.stage =
                    Stage::Writing(HttpResponse::new(204).with_header("cache-control", "no-store"));
                Step::Effect(Pending::new(Effect::RemoveClient(client.id.clone()), self))
            }
            Operation::Update(mut metadata) => {
                let (updated, kept) = match update(engine, client, registered, &mut metadata) {
                    Ok(updated) => updated,
                    Err(step) => return step,
                };
                let response = information(registration, &updated, &kept).to_response();
                let mut updated = updated;
                updated.registered = Some(Box::new(kept));
                self.stage = Stage::Writing(response);
                Step::Effect(Pending::new(
                    Effect::Write(vec![Write::Client(Arc::new(updated))]),
                    self,
                ))
            }
        }
    }
}

/// The client `metadata` makes of `client` (RFC 7592 §2.2), and what its registration keeps.
fn update(
    engine: &Engine,
    client: &Client,
    registered: &RegisteredClient,
    metadata: &mut ClientMetadata,
) -> Result<(Client, RegisteredClient), Step> {
    let Some(registration) = &engine.config().registration else {
        return Err(invalid_token());
    };
    if metadata
        .extra
        .remove("client_id")
        .as_ref()
        .and_then(|v| v.as_str())
        != Some(client.id.as_str())
    {
        return Err(refuse("client_id must be the client's own"));
    }
    let sent_secret = metadata.extra.remove("client_secret");
    // What the server sets, not the client.
    for name in [
        "registration_access_token",
        "registration_client_uri",
        "client_id_issued_at",
        "client_secret_expires_at",
    ] {
        metadata.extra.remove(name);
    }
    if auth_method(metadata) != client.credentials.method_name() {
        return Err(refuse("token_endpoint_auth_method cannot change"));
    }
    let credentials = match &client.credentials {
        ClientCredentials::SecretBasic(hash) | ClientCredentials::SecretPost(hash) => {
            // §2.2: a secret sent along must be the client's.
            if sent_secret
                .as_ref()
                .is_some_and(|sent| !sent.as_str().is_some_and(|sent| hash.matches(sent)))
            {
                return Err(refuse("client_secret is not the client's"));
            }
            client.credentials.clone()
        }
        // New keys for private_key_jwt; nothing for none.
        _ => credentials(metadata, None)
            .map_err(|error| Step::Respond(registration_error_response(&error)))?,
    };
    let updated = decide_client(
        engine,
        registration,
        client.id.clone(),
        credentials,
        metadata,
    )
    .map_err(|error| Step::Respond(registration_error_response(&error)))?;
    let kept = RegisteredClient {
        metadata: metadata.clone(),
        access_token: registered.access_token,
        issued_at: registered.issued_at,
    };
    Ok((updated, kept))
}

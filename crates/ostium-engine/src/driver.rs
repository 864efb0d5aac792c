//! Drivers: run a step's store effects to completion against a [`Store`] or [`AsyncStore`].

use ostium_messages::HttpResponse;

use crate::Engine;
use crate::authorize::AuthorizationContext;
use crate::device::DeviceContext;
use crate::logout::EndSession;
use crate::step::Step;
use crate::store::{AsyncStore, Store};

/// Where a driven step stopped: a response to send, or a user interaction to run.
#[must_use = "send the response, or show the user the login or consent page"]
#[derive(Debug)]
pub enum Driven {
    /// Send this response.
    Respond(HttpResponse),
    /// Show the login page; continue with [`Engine::logged_in`].
    Login(Box<AuthorizationContext>),
    /// Show the consent page; continue with [`Engine::consented`].
    Consent(Box<AuthorizationContext>),
    /// Show the device consent page; continue with [`Engine::device_decided`].
    DeviceConsent(Box<DeviceContext>),
    /// End the user's session, then send [`EndSession::finish`].
    EndSession(Box<EndSession>),
}

impl Driven {
    /// The response, if the step ended in one.
    pub fn into_response(self) -> Option<HttpResponse> {
        match self {
            Self::Respond(response) => Some(response),
            Self::Login(_) | Self::Consent(_) | Self::DeviceConsent(_) | Self::EndSession(_) => {
                None
            }
        }
    }
}

impl Engine {
    /// Performs every store effect of `step` against `store`, in order, until the step ends in a
    /// response or a user interaction. A store failure becomes the endpoint's `server_error`.
    pub fn drive(&self, mut step: Step, store: &(impl Store + ?Sized)) -> Driven {
        loop {
            step = match step {
                Step::Effect(pending) => {
                    let (effect, resume) = pending.into_parts();
                    self.resume(resume, store.execute(effect))
                }
                Step::Respond(response) => return Driven::Respond(response),
                Step::Login(context) => return Driven::Login(context),
                Step::Consent(context) => return Driven::Consent(context),
                Step::DeviceConsent(context) => return Driven::DeviceConsent(context),
                Step::EndSession(end) => return Driven::EndSession(end),
            }
        }
    }

    /// [`drive`](Self::drive) for an [`AsyncStore`].
    pub async fn drive_async(&self, mut step: Step, store: &(impl AsyncStore + ?Sized)) -> Driven {
        loop {
            step = match step {
                Step::Effect(pending) => {
                    let (effect, resume) = pending.into_parts();
                    let outcome = store.execute(effect).await;
                    self.resume(resume, outcome)
                }
                Step::Respond(response) => return Driven::Respond(response),
                Step::Login(context) => return Driven::Login(context),
                Step::Consent(context) => return Driven::Consent(context),
                Step::DeviceConsent(context) => return Driven::DeviceConsent(context),
                Step::EndSession(end) => return Driven::EndSession(end),
            }
        }
    }
}

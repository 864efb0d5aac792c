//! The step API: what an endpoint call returns, and how the embedder answers it.

use std::fmt;

use ostium_messages::HttpResponse;

use crate::authorize::{AuthorizationContext, AuthorizeFlow};
use crate::client_management::ManagementFlow;
use crate::device::{DeviceContext, DeviceFlow, VerificationFlow};
use crate::introspect::IntrospectFlow;
use crate::logout::{EndSession, LogoutFlow};
use crate::par::ParFlow;
use crate::registration::RegistrationFlow;
use crate::revoke::RevokeFlow;
use crate::store::Effect;
use crate::token::TokenFlow;
use crate::userinfo::UserInfoFlow;

/// What to do next. Every endpoint returns one; the embedder performs it.
///
/// 1. [`Step::Effect`]: run the effect against the store and hand the outcome to
///    [`Engine::resume`](crate::Engine::resume) (or let [`Engine::drive`](crate::Engine::drive) do it).
/// 2. [`Step::Login`] / [`Step::Consent`] (authorization endpoint only): show the user a page;
///    when they are done, call [`Engine::logged_in`](crate::Engine::logged_in) or
///    [`Engine::consented`](crate::Engine::consented) with the kept context.
/// 3. [`Step::DeviceConsent`] (device verification page only): show the user what the device
///    asks for (logging them in first if needed); call
///    [`Engine::device_decided`](crate::Engine::device_decided) with their answer.
/// 4. [`Step::EndSession`] (logout only): end the user's session, then send
///    [`EndSession::finish`](crate::EndSession::finish).
/// 5. [`Step::Respond`]: send the response as it is. A success response is only ever reached
///    after the writes it depends on were committed.
#[must_use = "a step is an instruction: perform its effect, ask the user, or send its response"]
#[derive(Debug)]
pub enum Step {
    /// The engine needs the store.
    Effect(Pending),
    /// The user must (re-)authenticate before the authorization can continue.
    Login(Box<AuthorizationContext>),
    /// The user must approve (or deny) what the client asks for.
    Consent(Box<AuthorizationContext>),
    /// The user must approve (or deny) what a device asks for (RFC 8628 §3.3).
    DeviceConsent(Box<DeviceContext>),
    /// A valid logout request: end the user's session (RP-Initiated Logout §2).
    EndSession(Box<EndSession>),
    /// Send this response.
    Respond(HttpResponse),
}

/// A flow suspended on a store [`Effect`].
pub struct Pending {
    effect: Effect,
    resume: Resume,
}

impl Pending {
    pub(crate) fn new(effect: Effect, flow: impl Into<Flow>) -> Self {
        Self {
            effect,
            resume: Resume(flow.into()),
        }
    }

    /// The effect to perform.
    pub fn effect(&self) -> &Effect {
        &self.effect
    }

    /// Splits the step into the effect to perform and the continuation to resume with its
    /// outcome.
    pub fn into_parts(self) -> (Effect, Resume) {
        (self.effect, self.resume)
    }
}

impl fmt::Debug for Pending {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Pending")
            .field("effect", &self.effect)
            .finish_non_exhaustive()
    }
}

/// The suspended flow, to hand back to [`Engine::resume`](crate::Engine::resume) with the
/// effect's outcome. Opaque: it may hold minted secrets not yet sent.
pub struct Resume(pub(crate) Flow);

impl fmt::Debug for Resume {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Resume(..)")
    }
}

/// Every endpoint's suspended state.
pub(crate) enum Flow {
    Authorize(Box<AuthorizeFlow>),
    Token(Box<TokenFlow>),
    UserInfo(Box<UserInfoFlow>),
    Revoke(Box<RevokeFlow>),
    Introspect(Box<IntrospectFlow>),
    Par(Box<ParFlow>),
    Device(Box<DeviceFlow>),
    Verification(Box<VerificationFlow>),
    Registration(Box<RegistrationFlow>),
    Logout(Box<LogoutFlow>),
    Management(Box<ManagementFlow>),
}

impl From<ManagementFlow> for Flow {
    fn from(flow: ManagementFlow) -> Self {
        Self::Management(Box::new(flow))
    }
}

impl From<LogoutFlow> for Flow {
    fn from(flow: LogoutFlow) -> Self {
        Self::Logout(Box::new(flow))
    }
}

impl From<RegistrationFlow> for Flow {
    fn from(flow: RegistrationFlow) -> Self {
        Self::Registration(Box::new(flow))
    }
}

impl From<DeviceFlow> for Flow {
    fn from(flow: DeviceFlow) -> Self {
        Self::Device(Box::new(flow))
    }
}

impl From<VerificationFlow> for Flow {
    fn from(flow: VerificationFlow) -> Self {
        Self::Verification(Box::new(flow))
    }
}

impl From<ParFlow> for Flow {
    fn from(flow: ParFlow) -> Self {
        Self::Par(Box::new(flow))
    }
}

impl From<Box<AuthorizeFlow>> for Flow {
    fn from(flow: Box<AuthorizeFlow>) -> Self {
        Self::Authorize(flow)
    }
}

impl From<Box<TokenFlow>> for Flow {
    fn from(flow: Box<TokenFlow>) -> Self {
        Self::Token(flow)
    }
}

impl From<UserInfoFlow> for Flow {
    fn from(flow: UserInfoFlow) -> Self {
        Self::UserInfo(Box::new(flow))
    }
}

impl From<RevokeFlow> for Flow {
    fn from(flow: RevokeFlow) -> Self {
        Self::Revoke(Box::new(flow))
    }
}

impl From<IntrospectFlow> for Flow {
    fn from(flow: IntrospectFlow) -> Self {
        Self::Introspect(Box::new(flow))
    }
}

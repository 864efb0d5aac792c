//! The engine value: the configuration, and the dispatch of suspended flows.

use crate::config::Config;
use crate::error::ConfigError;
use crate::step::{Flow, Resume, Step};
use crate::store::{Outcome, StoreError};

/// An OAuth 2.0 authorization server and OpenID Provider, as a pure state machine.
///
/// Cheap to share (`Arc<Engine>`): it holds only configuration. Every endpoint method takes the
/// request as data and `now` as a parameter, and returns a [`Step`].
#[derive(Debug)]
pub struct Engine {
    config: Config,
}

impl Engine {
    /// An engine for `config`.
    ///
    /// # Errors
    ///
    /// [`ConfigError::Issuer`] if the issuer has a query or fragment (RFC 8414 §2).
    pub fn new(config: Config) -> Result<Self, ConfigError> {
        let issuer = config.issuer.as_str();
        if issuer.contains('?') || issuer.contains('#') {
            return Err(ConfigError::Issuer);
        }
        Ok(Self { config })
    }

    /// The configuration.
    pub fn config(&self) -> &Config {
        &self.config
    }

    /// Resumes a suspended flow with the outcome of its effect.
    pub fn resume(&self, resume: Resume, outcome: Result<Outcome, StoreError>) -> Step {
        match resume.0 {
            Flow::Authorize(flow) => flow.resume(self, outcome),
            Flow::Token(flow) => flow.resume(self, outcome),
            Flow::UserInfo(flow) => flow.resume(self, outcome),
            Flow::Revoke(flow) => flow.resume(self, outcome),
            Flow::Introspect(flow) => flow.resume(self, outcome),
            Flow::Par(flow) => flow.resume(self, outcome),
            Flow::Device(flow) => flow.resume(self, outcome),
            Flow::Verification(flow) => flow.resume(self, outcome),
            Flow::Registration(flow) => flow.resume(outcome),
            Flow::Logout(flow) => flow.resume(outcome),
            Flow::Management(flow) => flow.resume(self, outcome),
        }
    }
}

#![doc = include_str!("../README.md")]
#![cfg_attr(docsrs, feature(doc_cfg))]

mod authenticate;
mod authorize;
mod claims;
mod client;
mod client_management;
mod client_write;
mod config;
mod device;
mod discovery;
mod dpop;
mod driver;
mod engine;
mod error;
mod hint;
mod introspect;
mod issue;
mod logout;
mod lookup;
mod par;
mod records;
mod registration;
mod request_object;
mod revoke;
mod secret;
mod step;
pub mod store;
mod token;
mod userinfo;

pub use authorize::{AuthorizationContext, ConsentDecision};
pub use client::{
    AccessTokenFormat, AuthMethod, Client, ClientCredentials, GrantType, RegisteredClient,
};
pub use config::{
    AssertionAudience, Config, Endpoints, Lifetimes, Profile, RefreshRotation, Registration,
    SigningKeys,
};
pub use device::DeviceContext;
pub use driver::Driven;
pub use engine::Engine;
pub use error::ConfigError;
pub use logout::{EndSession, LogoutTokenError};
pub use records::{
    AccessRecord, Authentication, CodeRecord, Consent, DeviceRecord, DeviceStatus, GrantDetails,
    InvalidSubject, PushedRecord, RefreshRecord, Subject,
};
pub use secret::{GrantId, SecretHash};
pub use step::{Pending, Resume, Step};
pub use store::{AsyncStore, MemoryStore, Store, StoreError};

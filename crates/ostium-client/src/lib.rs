#![doc = include_str!("../README.md")]

mod authorization;
mod callback;
mod client;
mod device;
mod dpop;
mod error;
mod http;
mod id_token;
mod jwks;
mod pending;
mod provider;
mod random;
mod resource;
mod revocation;
mod token;
mod userinfo;

pub use authorization::{AuthorizationOptions, AuthorizationStart, PushedAuthorizationStart};
pub use callback::AuthorizedCode;
pub use client::{AssertionAudience, Client, ClientCredentials};
pub use device::{DeviceAuthorization, DevicePoll, DeviceStep};
pub use dpop::DpopKey;
pub use error::{CallbackError, ClientError, IdTokenError, ResponseError, UserInfoError};
pub use http::{Method, OutboundRequest};
pub use id_token::{IdToken, IdTokenExpectations, IdTokenStep};
pub use jwks::{JwksRefresh, ProviderJwks};
pub use pending::PendingAuthorization;
pub use provider::ProviderConfig;
pub use resource::{ResourceStep, resource_response};
pub use token::{TokenSet, TokenStep};
pub use userinfo::UserInfoStep;

#![doc = include_str!("../README.md")]

mod access;
mod dpop;
mod guard;
mod rejection;
mod token;

pub use access::{Access, Authenticated, ReplayCheck};
pub use dpop::DpopNonces;
pub use guard::{ResourceGuard, ResourceRequest};
pub use rejection::{DpopRejection, Rejection, RejectionKind, TokenRejection};
pub use token::TokenInfo;

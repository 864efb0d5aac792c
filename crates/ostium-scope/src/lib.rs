#![doc = include_str!("../README.md")]
#![cfg_attr(docsrs, feature(doc_cfg))]

mod catalog;
pub mod lenient;
pub mod oidc;
mod parse;
mod path;
mod pattern;
mod policy;
pub mod rar;
mod set;
mod token;

pub use catalog::{Recognized, ScopeCatalog, UnknownScope};
pub use parse::ScopeParseError;
pub use path::{PathError, ResourcePath};
pub use pattern::{PatternError, ScopePattern};
pub use policy::{
    ClientScope, EmptyGrant, GrantedScope, InvalidScope, RefreshedScope, ScopeHandling, ScopePolicy,
};
pub use rar::{
    AuthorizationDetail, AuthorizationDetails, EntryError, RarCoverage, RarError, RarLimits,
};
pub use set::{IntoIter, Iter, Scope};
pub use token::{ScopeToken, ScopeTokenError, is_nqchar};

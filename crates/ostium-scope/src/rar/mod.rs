//! Rich Authorization Requests: the `authorization_details` parameter (RFC 9396).
//!
//! - [`AuthorizationDetails`]: the JSON array, parsed within [`RarLimits`] and serialized back.
//! - [`AuthorizationDetail`]: one entry, with `type`, the common data fields of RFC 9396 §2.2 and the
//!   type's extension fields.
//! - [`RarCoverage`]: whether a grant covers what an operation requires, with the rules spelled out
//!   on the type.
//! - [`RarError`]: why a value is refused (`invalid_authorization_details`, RFC 9396 §5).

mod coverage;
mod detail;
mod details;
mod error;
mod json;
mod limits;

pub use coverage::{Extensions, RarCoverage};
pub use detail::AuthorizationDetail;
pub use details::AuthorizationDetails;
pub use error::{EntryError, RarError};
pub use limits::RarLimits;

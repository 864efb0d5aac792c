#![doc = include_str!("../README.md")]
#![cfg_attr(docsrs, feature(doc_cfg))]

pub mod error;
mod json;
pub mod params;
pub mod redirect_uri;
pub mod response;

pub use error::{
    AuthorizationErrorCode, ErrorCode, ErrorDescription, ErrorResponse, ErrorUri,
    RegistrationErrorCode, ResourceErrorCode, TokenErrorCode,
};
pub use json::{JsonError, MAX_JSON_BYTES, check_json_content_type};
pub use params::{ParamLimits, Params, ParamsError};
pub use redirect_uri::{
    MatchedRedirectUri, RedirectUri, RedirectUriError, RedirectUriParameter, RegisteredRedirectUri,
    select_redirect_uri,
};
pub use response::{DeliveryError, HttpResponse, ResponseMode, deliver};

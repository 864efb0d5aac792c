#![doc = include_str!("../README.md")]
#![cfg_attr(docsrs, feature(doc_cfg))]

pub mod authorization;
pub mod claims;
pub mod client_auth;
pub mod device;
pub mod error;
mod fields;
mod form;
#[cfg(fuzzing)]
#[doc(hidden)]
pub mod fuzzing;
#[cfg(feature = "http")]
#[cfg_attr(docsrs, doc(cfg(feature = "http")))]
pub mod http_compat;
pub mod introspection;
mod json;
pub mod logout;
pub mod metadata;
pub mod par;
pub mod params;
pub mod redirect_uri;
pub mod registration;
mod request;
pub mod resource;
pub mod response;
pub mod revocation;
pub mod token;
pub mod values;

pub use authorization::{
    AuthorizationCallback, AuthorizationErrorRedirect, AuthorizationRequest,
    AuthorizationRequestError, AuthorizationResponse, ResponseType,
};
pub use client_auth::ClientAuthentication;
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
pub use request::HttpRequest;
pub use resource::{
    Challenge, PresentedToken, TokenMethods, TokenScheme, presented_token, resource_error_response,
};
pub use response::{DeliveryError, HeaderField, HttpResponse, ResponseMode, deliver};
pub use token::{Grant, Leniency, TokenRequest, TokenResponse, TokenResponseRef, TokenType};
pub use values::{
    AbsoluteUri, AccessToken, AuthorizationCode, ClientId, ClientSecret, DeviceCode, Issuer,
    JwkThumbprint, Nonce, RefreshToken, State, TokenString, UserCode, ValueError,
};

/// Re-exported so that users of the message types need no direct dependency.
pub use ostium_pkce::{CodeChallenge, CodeVerifier};
/// Re-exported so that users of the message types need no direct dependency.
pub use ostium_scope::{AuthorizationDetails, Scope};

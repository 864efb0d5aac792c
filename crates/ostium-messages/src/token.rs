//! The token endpoint: requests for every grant (RFC 6749 §4.1.3, §4.3.2, §4.4.2, §6;
//! RFC 8628 §3.4; RFC 8693 §2.1; RFC 7523 §2.1), the success response (RFC 6749 §5.1;
//! OIDC Core §3.1.3.3; RFC 8693 §2.2.1; RFC 9396 §7) and the error response (RFC 6749 §5.2).
//!
//! Parsing a request checks, in order: `POST` only and no credentials in the query (RFC 6749
//! §3.2, §2.3.1; checklist item 30); the form content type; no repeated parameter (item 31);
//! the client authentication as presented ([`ClientAuthentication`]); the grant.

use std::collections::BTreeMap;
use std::fmt;

use ostium_pkce::CodeVerifier;
use ostium_scope::{AuthorizationDetails, Scope};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::Value;

use crate::client_auth::{self, BodyCredentials, CLIENT_AUTH_PARAMETERS, ClientAuthentication};
use crate::error::{ErrorResponse, TokenErrorCode};
use crate::fields::{self, Slot};
use crate::form;
use crate::json::JsonError;
use crate::params::{ParamLimits, Params, ParamsError, check_form_content_type, clip, form_text};
use crate::redirect_uri::RedirectUri;
use crate::request::HttpRequest;
use crate::response::HttpResponse;
use crate::values::{
    AbsoluteUri, AccessToken, AuthorizationCode, DeviceCode, RefreshToken, TokenString, ValueError,
};

/// `token_type` (RFC 6749 §7.1; RFC 9449 §5; RFC 8693 §2.2.1), compared case-insensitively
/// (RFC 6749 §5.1) and written in its registered case.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum TokenType {
    /// `Bearer` (RFC 6750).
    Bearer,
    /// `DPoP` (RFC 9449 §5).
    DPoP,
    /// `N_A`: the issued token is not an access token (RFC 8693 §2.2.1).
    NotApplicable,
    /// Any other type; a client must refuse a type it does not understand (RFC 6749 §7.1).
    Unknown(String),
}

impl TokenType {
    /// Maps a `token_type`, case-insensitively.
    pub fn from_wire(value: &str) -> Self {
        if value.eq_ignore_ascii_case("bearer") {
            Self::Bearer
        } else if value.eq_ignore_ascii_case("dpop") {
            Self::DPoP
        } else if value.eq_ignore_ascii_case("n_a") {
            Self::NotApplicable
        } else {
            Self::Unknown(value.to_owned())
        }
    }

    /// The registered spelling.
    pub fn as_str(&self) -> &str {
        match self {
            Self::Bearer => "Bearer",
            Self::DPoP => "DPoP",
            Self::NotApplicable => "N_A",
            Self::Unknown(other) => other,
        }
    }
}

impl Serialize for TokenType {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for TokenType {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let value = std::borrow::Cow::<'de, str>::deserialize(deserializer)?;
        Ok(Self::from_wire(&value))
    }
}

/// `grant_type` values.
pub mod grant_type {
    /// RFC 6749 §4.1.3.
    pub const AUTHORIZATION_CODE: &str = "authorization_code";
    /// RFC 6749 §6.
    pub const REFRESH_TOKEN: &str = "refresh_token";
    /// RFC 6749 §4.4.2.
    pub const CLIENT_CREDENTIALS: &str = "client_credentials";
    /// RFC 6749 §4.3.2.
    pub const PASSWORD: &str = "password";
    /// RFC 8628 §3.4.
    pub const DEVICE_CODE: &str = "urn:ietf:params:oauth:grant-type:device_code";
    /// RFC 8693 §2.1.
    pub const TOKEN_EXCHANGE: &str = "urn:ietf:params:oauth:grant-type:token-exchange";
    /// RFC 7523 §2.1.
    pub const JWT_BEARER: &str = "urn:ietf:params:oauth:grant-type:jwt-bearer";
}

/// A token exchange request's grant parameters (RFC 8693 §2.1).
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct TokenExchange {
    /// `subject_token` (required).
    pub subject_token: TokenString,
    /// `subject_token_type` (required), a token type URI (RFC 8693 §3).
    pub subject_token_type: String,
    /// `actor_token`.
    pub actor_token: Option<TokenString>,
    /// `actor_token_type`, required with `actor_token` and only then.
    pub actor_token_type: Option<String>,
    /// `requested_token_type`.
    pub requested_token_type: Option<String>,
    /// `audience` values (may repeat).
    pub audience: Vec<String>,
    /// `scope`.
    pub scope: Option<Scope>,
}

impl TokenExchange {
    /// An exchange of `subject_token` of type `subject_token_type`.
    pub fn new(subject_token: TokenString, subject_token_type: impl Into<String>) -> Self {
        Self {
            subject_token,
            subject_token_type: subject_token_type.into(),
            actor_token: None,
            actor_token_type: None,
            requested_token_type: None,
            audience: Vec::new(),
            scope: None,
        }
    }
}

/// The grant of a token request.
#[derive(Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Grant {
    /// `authorization_code` (RFC 6749 §4.1.3; RFC 7636 §4.5).
    AuthorizationCode {
        /// `code`.
        code: AuthorizationCode,
        /// `redirect_uri`, required when it was in the authorization request (checked by the
        /// engine against the code, checklist item 34).
        redirect_uri: Option<RedirectUri>,
        /// `code_verifier`.
        code_verifier: Option<CodeVerifier>,
    },
    /// `refresh_token` (RFC 6749 §6).
    RefreshToken {
        /// `refresh_token`.
        refresh_token: RefreshToken,
        /// `scope`: a subset of the original grant.
        scope: Option<Scope>,
    },
    /// `client_credentials` (RFC 6749 §4.4.2).
    ClientCredentials {
        /// `scope`.
        scope: Option<Scope>,
    },
    /// Device code (RFC 8628 §3.4).
    DeviceCode {
        /// `device_code`.
        device_code: DeviceCode,
    },
    /// Token exchange (RFC 8693 §2.1). Boxed: its many members would otherwise make every
    /// grant, and every token request, as large as it.
    TokenExchange(Box<TokenExchange>),
    /// JWT bearer grant (RFC 7523 §2.1).
    JwtBearer {
        /// `assertion`, a JWT kept as a string.
        assertion: TokenString,
        /// `scope`.
        scope: Option<Scope>,
    },
    /// Resource owner password credentials (RFC 6749 §4.3.2). Parsed only so that the server
    /// can refuse it with the right error (`unsupported_grant_type` or `unauthorized_client`;
    /// RFC 9700 §2.4). The password is not kept.
    Password {
        /// `username`.
        username: String,
        /// `scope`.
        scope: Option<Scope>,
    },
}

impl Grant {
    /// The `grant_type` value.
    pub fn grant_type(&self) -> &'static str {
        match self {
            Self::AuthorizationCode { .. } => grant_type::AUTHORIZATION_CODE,
            Self::RefreshToken { .. } => grant_type::REFRESH_TOKEN,
            Self::ClientCredentials { .. } => grant_type::CLIENT_CREDENTIALS,
            Self::DeviceCode { .. } => grant_type::DEVICE_CODE,
            Self::TokenExchange(_) => grant_type::TOKEN_EXCHANGE,
            Self::JwtBearer { .. } => grant_type::JWT_BEARER,
            Self::Password { .. } => grant_type::PASSWORD,
        }
    }
}

impl fmt::Debug for Grant {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Every secret inside redacts itself; the username is personal data.
        match self {
            Self::AuthorizationCode {
                code,
                redirect_uri,
                code_verifier,
            } => f
                .debug_struct("AuthorizationCode")
                .field("code", code)
                .field("redirect_uri", redirect_uri)
                .field("code_verifier", code_verifier)
                .finish(),
            Self::RefreshToken {
                refresh_token,
                scope,
            } => f
                .debug_struct("RefreshToken")
                .field("refresh_token", refresh_token)
                .field("scope", scope)
                .finish(),
            Self::ClientCredentials { scope } => f
                .debug_struct("ClientCredentials")
                .field("scope", scope)
                .finish(),
            Self::DeviceCode { device_code } => f
                .debug_struct("DeviceCode")
                .field("device_code", device_code)
                .finish(),
            Self::TokenExchange(exchange) => {
                f.debug_tuple("TokenExchange").field(exchange).finish()
            }
            Self::JwtBearer { assertion, scope } => f
                .debug_struct("JwtBearer")
                .field("assertion", assertion)
                .field("scope", scope)
                .finish(),
            Self::Password { scope, .. } => f
                .debug_struct("Password")
                .field("username", &"<redacted>")
                .field("scope", scope)
                .finish(),
        }
    }
}

/// A token request (RFC 6749 §3.2).
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct TokenRequest {
    /// The grant.
    pub grant: Grant,
    /// The client authentication as presented.
    pub client_auth: ClientAuthentication,
    /// `resource` indicators (RFC 8707 §2.2).
    pub resource: Vec<AbsoluteUri>,
    /// `authorization_details` (RFC 9396 §6).
    pub authorization_details: Option<AuthorizationDetails>,
}

/// Parameters that must never appear in a token endpoint's query (RFC 6749 §2.3.1, §3.2).
const NEVER_IN_QUERY: &[&str] = &[
    "client_secret",
    "client_assertion",
    "code",
    "code_verifier",
    "refresh_token",
    "password",
    "assertion",
    "subject_token",
    "actor_token",
    "device_code",
];

fn invalid_request(text: &str) -> ErrorResponse<TokenErrorCode> {
    ErrorResponse::new(TokenErrorCode::InvalidRequest).with_description(text)
}

fn value(error: &ValueError) -> ErrorResponse<TokenErrorCode> {
    invalid_request(&error.to_string())
}

/// Checks a back-channel endpoint request's method, query and content type, and parses its body
/// with no parameter repeated except those in `repeatable`.
pub(crate) fn back_channel_params(
    request: &HttpRequest<'_>,
    repeatable: &[&str],
) -> Result<Params, ErrorResponse<TokenErrorCode>> {
    check_back_channel(request)?;
    let params =
        Params::parse_form(request.content_type, request.body).map_err(|e| e.to_token_error())?;
    params
        .ensure_no_repeats_except(repeatable)
        .map_err(|e| e.to_token_error())?;
    Ok(params)
}

/// Checks a back-channel endpoint request's method and query.
fn check_back_channel(request: &HttpRequest<'_>) -> Result<(), ErrorResponse<TokenErrorCode>> {
    if request.method != "POST" {
        return Err(ParamsError::MethodNotAllowed {
            method: clip(request.method),
        }
        .to_token_error());
    }
    if let Some(query) = request.query {
        let in_query = Params::parse_query(query).map_err(|e| e.to_token_error())?;
        if let Some((name, _)) = in_query
            .iter()
            .find(|(n, _)| NEVER_IN_QUERY.contains(n) || CLIENT_AUTH_PARAMETERS.contains(n))
        {
            return Err(invalid_request(&format!(
                "parameter {} must not be sent in the URI",
                clip(name)
            )));
        }
    }
    Ok(())
}

impl TokenRequest {
    /// A request for `grant`, authenticated by `client_auth`, as a client builds it.
    pub fn new(grant: Grant, client_auth: ClientAuthentication) -> Self {
        Self {
            grant,
            client_auth,
            resource: Vec::new(),
            authorization_details: None,
        }
    }

    /// Parses a token request.
    ///
    /// # Errors
    ///
    /// The [`ErrorResponse`] to send: `invalid_request` (method, query credentials, content
    /// type, repetition, missing or malformed parameter, several authentication methods),
    /// `invalid_client` (malformed Basic header), `unsupported_grant_type` (unknown
    /// `grant_type`), `invalid_scope`, `invalid_target`, `invalid_authorization_details`.
    pub fn parse(request: &HttpRequest<'_>) -> Result<Self, ErrorResponse<TokenErrorCode>> {
        check_back_channel(request)?;
        check_form_content_type(request.content_type).map_err(|e| e.to_token_error())?;
        // The body is read straight into the fields, without a `Params` in between.
        let limits = ParamLimits::default();
        let mut fields = Fields::new();
        form::Pairs::new(request.body, form_text(request.body, &limits), &limits)
            .and_then(|pairs| fields.read_pairs(pairs, slot))
            .and_then(|()| fields.ensure_no_repeats())
            .map_err(|e| e.to_token_error())?;
        // No parameter but `resource` and `audience` repeats here, so each value is what
        // `ClientAuthentication::parse` would read with `Params::single`.
        let single = |name| single(&fields, name);
        let body_id = client_auth::parse_client_id(single("client_id"))?;
        let body = BodyCredentials {
            client_secret: single("client_secret"),
            assertion: single("client_assertion"),
            assertion_type: single("client_assertion_type"),
        };
        let client_auth =
            ClientAuthentication::from_presented(request.authorization, body_id, &body)?;
        Self::from_fields(&fields, client_auth)
    }

    /// Parses the grant and extension parameters, given the client authentication.
    ///
    /// # Errors
    ///
    /// As [`parse`](Self::parse).
    pub fn from_params(
        params: &Params,
        client_auth: ClientAuthentication,
    ) -> Result<Self, ErrorResponse<TokenErrorCode>> {
        let mut fields = Fields::new();
        fields.read_params(params, slot);
        Self::from_fields(&fields, client_auth)
    }

    fn from_fields(
        fields: &Fields<'_>,
        client_auth: ClientAuthentication,
    ) -> Result<Self, ErrorResponse<TokenErrorCode>> {
        let single = |name: &'static str| single(fields, name);
        let required = |name: &'static str| {
            single(name).ok_or_else(|| invalid_request(&format!("{name} is required")))
        };
        let scope = || {
            single("scope")
                .map(|s| {
                    Scope::parse(s).map_err(|e| {
                        ErrorResponse::new(TokenErrorCode::InvalidScope)
                            .with_description(&format!("scope: {e}"))
                    })
                })
                .transpose()
        };
        let grant = match required("grant_type")? {
            grant_type::AUTHORIZATION_CODE => Grant::AuthorizationCode {
                code: AuthorizationCode::parse(required("code")?).map_err(|e| value(&e))?,
                redirect_uri: single("redirect_uri")
                    .map(|v| RedirectUri::parse(v).map_err(|e| invalid_request(&e.to_string())))
                    .transpose()?,
                code_verifier: single("code_verifier")
                    .map(|v| {
                        // RFC 7636 §4.6: a malformed verifier fails verification.
                        CodeVerifier::parse(v).map_err(|e| {
                            ErrorResponse::new(TokenErrorCode::InvalidGrant)
                                .with_description(&e.to_string())
                        })
                    })
                    .transpose()?,
            },
            grant_type::REFRESH_TOKEN => Grant::RefreshToken {
                refresh_token: RefreshToken::parse(required("refresh_token")?)
                    .map_err(|e| value(&e))?,
                scope: scope()?,
            },
            grant_type::CLIENT_CREDENTIALS => Grant::ClientCredentials { scope: scope()? },
            grant_type::DEVICE_CODE => Grant::DeviceCode {
                device_code: DeviceCode::parse(required("device_code")?).map_err(|e| value(&e))?,
            },
            grant_type::TOKEN_EXCHANGE => {
                let actor_token = single("actor_token")
                    .map(|v| TokenString::parse(v).map_err(|e| value(&e)))
                    .transpose()?;
                let actor_token_type = single("actor_token_type").map(str::to_owned);
                if actor_token.is_some() != actor_token_type.is_some() {
                    return Err(invalid_request(
                        "actor_token and actor_token_type go together",
                    ));
                }
                Grant::TokenExchange(Box::new(TokenExchange {
                    subject_token: TokenString::parse(required("subject_token")?)
                        .map_err(|e| value(&e))?,
                    subject_token_type: required("subject_token_type")?.to_owned(),
                    actor_token,
                    actor_token_type,
                    requested_token_type: single("requested_token_type").map(str::to_owned),
                    audience: fields.many(AUDIENCE).map(str::to_owned).collect(),
                    scope: scope()?,
                }))
            }
            grant_type::JWT_BEARER => Grant::JwtBearer {
                assertion: TokenString::parse(required("assertion")?).map_err(|e| value(&e))?,
                scope: scope()?,
            },
            grant_type::PASSWORD => Grant::Password {
                username: required("username")?.to_owned(),
                scope: {
                    required("password")?;
                    scope()?
                },
            },
            other => {
                return Err(ErrorResponse::new(TokenErrorCode::UnsupportedGrantType)
                    .with_description(&format!("grant_type {} is not supported", clip(other))));
            }
        };
        let mut resource = Vec::new();
        for value in fields.many(RESOURCE) {
            resource.push(AbsoluteUri::parse(value).map_err(|e| {
                ErrorResponse::new(TokenErrorCode::InvalidTarget)
                    .with_description(&format!("resource: {e}"))
            })?);
        }
        let authorization_details = single("authorization_details")
            .map(|v| {
                AuthorizationDetails::parse(v).map_err(|e| {
                    ErrorResponse::new(TokenErrorCode::InvalidAuthorizationDetails)
                        .with_description(&format!("authorization_details: {e}"))
                })
            })
            .transpose()?;
        Ok(Self {
            grant,
            client_auth,
            resource,
            authorization_details,
        })
    }

    /// The request as a client sends it: the form body, and the `Authorization` header value
    /// when the client authenticates with `client_secret_basic`. (The password grant is written
    /// without a password: this crate does not carry it.)
    pub fn to_form(&self) -> (Params, Option<String>) {
        let mut params = Params::new();
        params.push("grant_type", self.grant.grant_type());
        let scope_text = |scope: &Option<Scope>| scope.as_ref().map(ToString::to_string);
        match &self.grant {
            Grant::AuthorizationCode {
                code,
                redirect_uri,
                code_verifier,
            } => {
                params.push("code", code.as_str());
                params.push_opt(
                    "redirect_uri",
                    redirect_uri.as_ref().map(RedirectUri::as_str),
                );
                params.push_opt(
                    "code_verifier",
                    code_verifier.as_ref().map(CodeVerifier::as_str),
                );
            }
            Grant::RefreshToken {
                refresh_token,
                scope,
            } => {
                params.push("refresh_token", refresh_token.as_str());
                params.push_opt("scope", scope_text(scope));
            }
            Grant::ClientCredentials { scope } => params.push_opt("scope", scope_text(scope)),
            Grant::DeviceCode { device_code } => params.push("device_code", device_code.as_str()),
            Grant::TokenExchange(exchange) => {
                params.push("subject_token", exchange.subject_token.as_str());
                params.push("subject_token_type", exchange.subject_token_type.as_str());
                params.push_opt(
                    "actor_token",
                    exchange.actor_token.as_ref().map(TokenString::as_str),
                );
                params.push_opt("actor_token_type", exchange.actor_token_type.clone());
                params.push_opt(
                    "requested_token_type",
                    exchange.requested_token_type.clone(),
                );
                for audience in &exchange.audience {
                    params.push("audience", audience.as_str());
                }
                params.push_opt("scope", scope_text(&exchange.scope));
            }
            Grant::JwtBearer { assertion, scope } => {
                params.push("assertion", assertion.as_str());
                params.push_opt("scope", scope_text(scope));
            }
            Grant::Password { username, scope } => {
                params.push("username", username.as_str());
                params.push_opt("scope", scope_text(scope));
            }
        }
        for resource in &self.resource {
            params.push("resource", resource.as_str());
        }
        params.push_opt(
            "authorization_details",
            self.authorization_details
                .as_ref()
                .map(AuthorizationDetails::to_json_string),
        );
        let authorization = self.client_auth.apply(&mut params);
        (params, authorization)
    }
}

/// The parameters token request parsing reads (the grants', `scope`, `authorization_details`,
/// the client authentication's, and the repeatable `resource` and `audience`), found in one
/// pass over the parameters rather than one pass per name.
type Fields<'a> = fields::Fields<'a, FIELDS, 2>;

/// The list of `resource` values (RFC 8707 §2) among the [`Fields`].
const RESOURCE: usize = 0;
/// The list of `audience` values (RFC 8693 §2.1) among the [`Fields`].
const AUDIENCE: usize = 1;

/// How many names [`field_index`] knows.
const FIELDS: usize = 20;

/// The place of `name` among the [`Fields`]. Always inlined: with a literal name, as in
/// [`single`], it folds to a constant.
#[inline(always)]
fn field_index(name: &str) -> Option<usize> {
    Some(match name {
        "grant_type" => 0,
        "code" => 1,
        "redirect_uri" => 2,
        "code_verifier" => 3,
        "refresh_token" => 4,
        "scope" => 5,
        "device_code" => 6,
        "actor_token" => 7,
        "actor_token_type" => 8,
        "subject_token" => 9,
        "subject_token_type" => 10,
        "requested_token_type" => 11,
        "assertion" => 12,
        "username" => 13,
        "password" => 14,
        "authorization_details" => 15,
        "client_id" => 16,
        "client_secret" => 17,
        "client_assertion" => 18,
        "client_assertion_type" => 19,
        _ => return None,
    })
}

/// Where token request parsing files the parameter `name`.
fn slot(name: &str) -> Option<Slot> {
    match name {
        "resource" => Some(Slot::Many(RESOURCE)),
        "audience" => Some(Slot::Many(AUDIENCE)),
        _ => field_index(name).map(Slot::One),
    }
}

/// The value of the field `name` when it appears exactly once, as
/// `params.single(name).ok().flatten()` reads it.
fn single<'f>(fields: &'f Fields<'_>, name: &str) -> Option<&'f str> {
    debug_assert!(field_index(name).is_some(), "{name} is not a field");
    fields.one(field_index(name)?)
}

/// A successful token response (RFC 6749 §5.1; OIDC Core §3.1.3.3; RFC 8693 §2.2.1;
/// RFC 9396 §7). Written strictly: `expires_in` a number, `scope` a space-separated string.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct TokenResponse {
    /// `access_token`.
    pub access_token: AccessToken,
    /// `token_type` (`Bearer`, `DPoP`, `N_A`).
    pub token_type: TokenType,
    /// `expires_in`, seconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires_in: Option<u64>,
    /// `refresh_token`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refresh_token: Option<RefreshToken>,
    /// `scope`, when it differs from the request (RFC 6749 §3.3).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scope: Option<Scope>,
    /// `id_token` (OIDC Core §3.1.3.3).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id_token: Option<TokenString>,
    /// `issued_token_type` (RFC 8693 §2.2.1).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub issued_token_type: Option<String>,
    /// `authorization_details` (RFC 9396 §7).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub authorization_details: Option<AuthorizationDetails>,
    /// Other members (RFC 6749 §5.1 allows them; a client ignores what it does not know).
    #[serde(flatten)]
    pub extra: BTreeMap<String, Value>,
}

/// A successful token response made of borrowed members: what a server writes from the tokens
/// it has just minted, without first moving them into a [`TokenResponse`]. Its JSON is exactly
/// that of the [`TokenResponse`] with the same members.
///
/// The token strings are the caller's to get right (RFC 6749 Appendix A: `access_token` and
/// `refresh_token` are `1*VSCHAR`); whatever they hold, the JSON is well formed.
///
/// ```
/// use ostium_messages::{TokenResponseRef, TokenType};
///
/// let response = TokenResponseRef::new("2YotnFZFEjr1zCsicMWpAA", &TokenType::Bearer);
/// let response = TokenResponseRef { expires_in: Some(3600), ..response };
/// assert_eq!(
///     response.to_response().body(),
///     br#"{"access_token":"2YotnFZFEjr1zCsicMWpAA","token_type":"Bearer","expires_in":3600}"#
/// );
/// ```
#[derive(Clone, Copy, Debug, Serialize)]
pub struct TokenResponseRef<'a> {
    /// `access_token`.
    pub access_token: &'a str,
    /// `token_type`.
    pub token_type: &'a TokenType,
    /// `expires_in`, seconds.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expires_in: Option<u64>,
    /// `refresh_token`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub refresh_token: Option<&'a str>,
    /// `scope`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub scope: Option<&'a Scope>,
    /// `id_token`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id_token: Option<&'a str>,
    /// `issued_token_type`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub issued_token_type: Option<&'a str>,
    /// `authorization_details`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub authorization_details: Option<&'a AuthorizationDetails>,
    /// Other members.
    #[serde(flatten)]
    pub extra: &'a BTreeMap<String, Value>,
}

/// The extension members of a response that has none.
static NO_EXTRA: BTreeMap<String, Value> = BTreeMap::new();

impl<'a> TokenResponseRef<'a> {
    /// A response with the required members.
    pub fn new(access_token: &'a str, token_type: &'a TokenType) -> Self {
        Self {
            access_token,
            token_type,
            expires_in: None,
            refresh_token: None,
            scope: None,
            id_token: None,
            issued_token_type: None,
            authorization_details: None,
            extra: &NO_EXTRA,
        }
    }

    /// The 200 JSON response with `Cache-Control: no-store` and `Pragma: no-cache`
    /// (RFC 6749 §5.1; checklist item 37).
    pub fn to_response(self) -> HttpResponse {
        let body = self
            .to_json()
            .unwrap_or_else(|_| crate::json::to_vec(&self));
        HttpResponse::json_bytes(200, body)
    }

    /// The JSON body, member by member: the bytes serde_json writes for `self`.
    fn to_json(self) -> Result<Vec<u8>, serde_json::Error> {
        let text = |value: Option<&str>| value.map_or(0, str::len);
        let scope = self.scope.map_or(0, |scope| {
            scope.iter().map(|token| token.as_str().len() + 1).sum()
        });
        // The members' names, quotes and separators take under 128 bytes; values that need
        // escaping, `authorization_details` and extension members grow the buffer.
        let capacity = 128
            + self.access_token.len()
            + self.token_type.as_str().len()
            + text(self.refresh_token)
            + scope
            + text(self.id_token)
            + text(self.issued_token_type);
        let mut object = crate::json::ObjectWriter::with_capacity(capacity);
        object.string("access_token", self.access_token);
        object.string("token_type", self.token_type.as_str());
        if let Some(expires_in) = self.expires_in {
            object.integer("expires_in", expires_in);
        }
        if let Some(refresh_token) = self.refresh_token {
            object.string("refresh_token", refresh_token);
        }
        if let Some(scope) = self.scope {
            object.words("scope", scope.iter().map(|token| token.as_str()));
        }
        if let Some(id_token) = self.id_token {
            object.string("id_token", id_token);
        }
        if let Some(issued_token_type) = self.issued_token_type {
            object.string("issued_token_type", issued_token_type);
        }
        if let Some(details) = self.authorization_details {
            object.value("authorization_details", details)?;
        }
        for (name, value) in self.extra {
            object.value(name, value)?;
        }
        Ok(object.finish())
    }
}

/// What lenient response parsing tolerates (each quirk seen from real providers). The server
/// side of this crate always writes the strict form.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Leniency {
    /// Accept `expires_in` as a decimal string (`"3600"`) or a non-negative whole float.
    pub expires_in_as_string: bool,
    /// Accept `scope` as an array of strings, or a string with runs of whitespace.
    pub scope_as_array: bool,
    /// Accept the booleans of claim sets (`email_verified`, `phone_number_verified`) as the
    /// strings `"true"` and `"false"`.
    pub booleans_as_strings: bool,
}

impl Leniency {
    /// Every tolerance on.
    pub const ALL: Self = Self {
        expires_in_as_string: true,
        scope_as_array: true,
        booleans_as_strings: true,
    };
    /// None: the same as strict parsing.
    pub const NONE: Self = Self {
        expires_in_as_string: false,
        scope_as_array: false,
        booleans_as_strings: false,
    };
}

impl TokenResponse {
    /// A response with the required members.
    pub fn new(access_token: AccessToken, token_type: TokenType) -> Self {
        Self {
            access_token,
            token_type,
            expires_in: None,
            refresh_token: None,
            scope: None,
            id_token: None,
            issued_token_type: None,
            authorization_details: None,
            extra: BTreeMap::new(),
        }
    }

    /// The 200 JSON response with `Cache-Control: no-store` and `Pragma: no-cache`
    /// (RFC 6749 §5.1; checklist item 37).
    pub fn to_response(&self) -> HttpResponse {
        self.borrowed().to_response()
    }

    /// The response's members, borrowed.
    pub fn borrowed(&self) -> TokenResponseRef<'_> {
        TokenResponseRef {
            access_token: self.access_token.as_str(),
            token_type: &self.token_type,
            expires_in: self.expires_in,
            refresh_token: self.refresh_token.as_ref().map(RefreshToken::as_str),
            scope: self.scope.as_ref(),
            id_token: self.id_token.as_ref().map(TokenString::as_str),
            issued_token_type: self.issued_token_type.as_deref(),
            authorization_details: self.authorization_details.as_ref(),
            extra: &self.extra,
        }
    }

    /// Parses a token response strictly.
    ///
    /// # Errors
    ///
    /// [`JsonError`] for a body that is not a valid §5.1 response.
    pub fn parse_json(body: &[u8]) -> Result<Self, JsonError> {
        crate::json::from_slice(body)
    }

    /// Parses a token response as a client, tolerating the quirks `leniency` names.
    ///
    /// # Errors
    ///
    /// [`JsonError`] when, even so, it is not a valid response.
    pub fn parse_json_lenient(body: &[u8], leniency: Leniency) -> Result<Self, JsonError> {
        let mut object: serde_json::Map<String, Value> = crate::json::from_slice(body)?;
        if leniency.expires_in_as_string
            && let Some(slot) = object.get_mut("expires_in")
            && let Some(seconds) = lenient_seconds(slot)
        {
            *slot = Value::from(seconds);
        }
        if leniency.scope_as_array {
            if let Some(slot) = object.get_mut("scope") {
                let scope = Scope::from_json_lenient(slot)
                    .map_err(|e| JsonError::Invalid(format!("scope: {e}")))?;
                *slot = if scope.is_empty() {
                    Value::Null
                } else {
                    Value::String(scope.to_string())
                };
            }
            if object.get("scope").is_some_and(Value::is_null) {
                object.remove("scope");
            }
        }
        serde_json::from_value(Value::Object(object))
            .map_err(|e| JsonError::Invalid(crate::params::clip_long(&e.to_string())))
    }
}

/// `expires_in` given as a decimal string or a whole non-negative float.
pub(crate) fn lenient_seconds(value: &Value) -> Option<u64> {
    match value {
        Value::String(text) => crate::authorization::parse_decimal(text.trim()),
        Value::Number(number) => number.as_u64().or_else(|| {
            number
                .as_f64()
                .filter(|f| f.is_finite() && *f >= 0.0 && f.fract() == 0.0 && *f < 1e15)
                .map(|f| f as u64)
        }),
        _ => None,
    }
}

/// The error response of the token endpoint and its siblings (RFC 6749 §5.2).
pub type TokenErrorResponse = ErrorResponse<TokenErrorCode>;

#[cfg(test)]
mod tests {
    use super::*;

    fn post<'a>(body: &'a str, authorization: Option<&'a str>) -> HttpRequest<'a> {
        HttpRequest {
            authorization,
            ..HttpRequest::form_post(body.as_bytes())
        }
    }

    const BASIC: &str = "Basic czZCaGRSa3F0Mzo3RmpmcDBaQnIxS3REUmJuZlZkbUl3";

    #[test]
    fn rfc_6749_section_4_1_3_example() {
        let request = TokenRequest::parse(&post(
            "grant_type=authorization_code&code=SplxlOBeZQQYbYS6WxSbIA\
             &redirect_uri=https%3A%2F%2Fclient%2Eexample%2Ecom%2Fcb",
            Some(BASIC),
        ))
        .unwrap();
        let Grant::AuthorizationCode {
            code, redirect_uri, ..
        } = &request.grant
        else {
            panic!("expected authorization_code");
        };
        assert_eq!(code.as_str(), "SplxlOBeZQQYbYS6WxSbIA");
        assert_eq!(
            redirect_uri.as_ref().unwrap().as_str(),
            "https://client.example.com/cb"
        );
        assert_eq!(request.client_auth.method_name(), "client_secret_basic");
        assert!(!format!("{request:?}").contains("SplxlOBeZQQYbYS6WxSbIA"));
    }

    #[test]
    fn rfc_6749_section_6_and_4_4_2_examples() {
        let refresh = TokenRequest::parse(&post(
            "grant_type=refresh_token&refresh_token=tGzv3JOkF0XG5Qx2TlKWIA",
            Some(BASIC),
        ))
        .unwrap();
        assert_eq!(refresh.grant.grant_type(), "refresh_token");
        let credentials =
            TokenRequest::parse(&post("grant_type=client_credentials", Some(BASIC))).unwrap();
        assert_eq!(credentials.grant, Grant::ClientCredentials { scope: None });
    }

    #[test]
    fn req_30_post_only_and_no_credentials_in_the_uri() {
        let get = HttpRequest {
            method: "GET",
            ..post("grant_type=client_credentials", Some(BASIC))
        };
        assert_eq!(
            TokenRequest::parse(&get).unwrap_err().error,
            TokenErrorCode::InvalidRequest
        );
        for query in [
            "client_secret=x",
            "code=abc",
            "client_assertion=a",
            "refresh_token=r",
        ] {
            let request = HttpRequest {
                query: Some(query),
                ..post("grant_type=client_credentials", Some(BASIC))
            };
            assert_eq!(
                TokenRequest::parse(&request).unwrap_err().error,
                TokenErrorCode::InvalidRequest,
                "{query}"
            );
        }
        let tenant = HttpRequest {
            query: Some("tenant=a"),
            ..post("grant_type=client_credentials", Some(BASIC))
        };
        assert!(TokenRequest::parse(&tenant).is_ok());
        let json = HttpRequest {
            content_type: Some("application/json"),
            ..post("grant_type=client_credentials", Some(BASIC))
        };
        assert_eq!(
            TokenRequest::parse(&json).unwrap_err().error,
            TokenErrorCode::InvalidRequest
        );
    }

    #[test]
    fn req_31_duplicate_parameter_is_invalid_request() {
        let error = TokenRequest::parse(&post(
            "grant_type=authorization_code&code=a&code=b",
            Some(BASIC),
        ))
        .unwrap_err();
        assert_eq!(error.error, TokenErrorCode::InvalidRequest);
        assert_eq!(
            error.error_description.unwrap().as_str(),
            "parameter code is repeated"
        );
    }

    #[test]
    fn req_39_unknown_grant_type() {
        let error = TokenRequest::parse(&post("grant_type=implicit", Some(BASIC))).unwrap_err();
        assert_eq!(error.error, TokenErrorCode::UnsupportedGrantType);
        let missing = TokenRequest::parse(&post("code=x", Some(BASIC))).unwrap_err();
        assert_eq!(missing.error, TokenErrorCode::InvalidRequest);
    }

    #[test]
    fn req_40_password_grant_is_parsed_to_be_refused() {
        let request = TokenRequest::parse(&post(
            "grant_type=password&username=johndoe&password=A3ddj3w",
            Some(BASIC),
        ))
        .unwrap();
        assert_eq!(request.grant.grant_type(), "password");
        let debug = format!("{request:?}");
        assert!(!debug.contains("A3ddj3w") && !debug.contains("johndoe"));
    }

    #[test]
    fn device_exchange_and_jwt_bearer_grants() {
        let device = TokenRequest::parse(&post(
            "grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Adevice_code\
             &device_code=GmRhmhcxhwAzkoEqiMEg_DnyEysNkuNhszIySk9eS&client_id=1406020730",
            None,
        ))
        .unwrap();
        assert_eq!(device.grant.grant_type(), grant_type::DEVICE_CODE);
        assert_eq!(
            device.client_auth.client_id().unwrap().as_str(),
            "1406020730"
        );

        // RFC 8693 §2.3 example (abbreviated tokens).
        let exchange = TokenRequest::parse(&post(
            "grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Atoken-exchange\
             &resource=https%3A%2F%2Fbackend.example.com%2Fapi&subject_token=accVkjcJyb4BWCxGsndESCJQbdFMogUC5PbRDqceLTC\
             &subject_token_type=urn%3Aietf%3Aparams%3Aoauth%3Atoken-type%3Aaccess_token&audience=a&audience=b",
            Some(BASIC),
        ))
        .unwrap();
        let Grant::TokenExchange(inner) = &exchange.grant else {
            panic!("expected token exchange");
        };
        assert_eq!(inner.audience, ["a", "b"]);
        assert_eq!(exchange.resource.len(), 1);
        let half_actor = TokenRequest::parse(&post(
            "grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Atoken-exchange\
             &subject_token=x&subject_token_type=t&actor_token=y",
            Some(BASIC),
        ))
        .unwrap_err();
        assert_eq!(half_actor.error, TokenErrorCode::InvalidRequest);

        let jwt = TokenRequest::parse(&post(
            "grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Ajwt-bearer&assertion=eyJhbGciOiJFUzI1NiIsImtpZCI6IjE2In0.eyJpc3Mi.J9l-ZhwP",
            None,
        ))
        .unwrap();
        assert_eq!(jwt.grant.grant_type(), grant_type::JWT_BEARER);
    }

    #[test]
    fn malformed_verifier_is_invalid_grant_and_bad_scope_is_invalid_scope() {
        let error = TokenRequest::parse(&post(
            "grant_type=authorization_code&code=a&code_verifier=short",
            Some(BASIC),
        ))
        .unwrap_err();
        assert_eq!(error.error, TokenErrorCode::InvalidGrant);
        let error = TokenRequest::parse(&post(
            "grant_type=client_credentials&scope=a%20%20b",
            Some(BASIC),
        ))
        .unwrap_err();
        assert_eq!(error.error, TokenErrorCode::InvalidScope);
    }

    #[test]
    fn rfc_6749_section_5_1_example_response() {
        let body = br#"{
       "access_token":"2YotnFZFEjr1zCsicMWpAA",
       "token_type":"example",
       "expires_in":3600,
       "refresh_token":"tGzv3JOkF0XG5Qx2TlKWIA",
       "example_parameter":"example_value"
     }"#;
        let response = TokenResponse::parse_json(body).unwrap();
        assert_eq!(response.token_type, TokenType::Unknown("example".into()));
        assert_eq!(response.expires_in, Some(3600));
        assert_eq!(response.extra["example_parameter"], "example_value");
        let http = response.to_response();
        assert_eq!(http.status(), 200);
        assert_eq!(http.header("cache-control"), Some("no-store"));
        assert_eq!(http.header("pragma"), Some("no-cache"));
        assert_eq!(TokenResponse::parse_json(http.body()).unwrap(), response);
        assert!(!format!("{response:?}").contains("2YotnFZFEjr1zCsicMWpAA"));
    }

    #[test]
    fn rfc_6749_section_5_2_example_error() {
        let body = br#"{"error":"invalid_request"}"#;
        let error = TokenErrorResponse::parse_json_lenient(body).unwrap();
        assert_eq!(error.error, TokenErrorCode::InvalidRequest);
        let response = HttpResponse::token_error(&error, "example");
        assert_eq!(response.status(), 400);
        assert_eq!(response.body(), body);
    }

    #[test]
    fn lenient_response_parsing_is_explicit() {
        let quirky = br#"{"access_token":"a","token_type":"bearer","expires_in":"3600","scope":["openid","profile"]}"#;
        assert!(TokenResponse::parse_json(quirky).is_err());
        assert!(TokenResponse::parse_json_lenient(quirky, Leniency::NONE).is_err());
        let parsed = TokenResponse::parse_json_lenient(quirky, Leniency::ALL).unwrap();
        assert_eq!(parsed.expires_in, Some(3600));
        assert_eq!(parsed.token_type, TokenType::Bearer);
        assert_eq!(parsed.scope.unwrap().to_string(), "openid profile");
        let float =
            br#"{"access_token":"a","token_type":"Bearer","expires_in":3600.0,"scope":"a  b"}"#;
        let parsed = TokenResponse::parse_json_lenient(float, Leniency::ALL).unwrap();
        assert_eq!(parsed.expires_in, Some(3600));
        // The server writes the strict form.
        let written = String::from_utf8(parsed.to_response().body().to_vec()).unwrap();
        assert!(written.contains(r#""expires_in":3600"#) && written.contains(r#""scope":"a b""#));
    }

    #[test]
    fn token_request_round_trips_through_its_form() {
        let request = TokenRequest::parse(&post(
            "grant_type=authorization_code&code=SplxlOBeZQQYbYS6WxSbIA\
             &redirect_uri=https%3A%2F%2Fclient%2Eexample%2Ecom%2Fcb\
             &code_verifier=dBjftJeZ4CVP-mJ92K9wJd7sygOrzdnB0DnI7P-Vk4qw&resource=urn%3Ax%3Ay",
            Some(BASIC),
        ))
        .unwrap();
        let (params, authorization) = request.to_form();
        let body = params.encode();
        let again = TokenRequest::parse(&post(&body, authorization.as_deref())).unwrap();
        assert_eq!(again, request);
    }

    /// Every name a token request reads, and a few it does not.
    const NAMES: &[&str] = &[
        "grant_type",
        "code",
        "redirect_uri",
        "code_verifier",
        "refresh_token",
        "scope",
        "device_code",
        "actor_token",
        "actor_token_type",
        "subject_token",
        "subject_token_type",
        "requested_token_type",
        "assertion",
        "username",
        "password",
        "authorization_details",
        "client_id",
        "client_secret",
        "client_assertion",
        "client_assertion_type",
        "resource",
        "audience",
        "extra",
        "",
    ];

    proptest::proptest! {
        #[test]
        fn fields_read_as_single_lookups(
            pairs in proptest::collection::vec(
                (proptest::sample::select(NAMES), "[a-z]{0,2}"),
                0..10,
            ),
        ) {
            let params: Params = pairs.iter().map(|(n, v)| (*n, v.as_str())).collect();
            let mut fields = Fields::new();
            fields.read_params(&params, slot);
            for name in NAMES.iter().filter(|name| field_index(name).is_some()) {
                proptest::prop_assert_eq!(
                    single(&fields, name),
                    params.single(name).ok().flatten(),
                    "{}", name
                );
            }
            for (name, list) in [("resource", RESOURCE), ("audience", AUDIENCE)] {
                proptest::prop_assert!(fields.many(list).eq(params.all(name)));
            }
            proptest::prop_assert_eq!(
                fields.ensure_no_repeats(),
                params.ensure_no_repeats_except(&["resource", "audience"])
            );
        }
    }

    /// Values that make the grants and client authentications succeed or fail in each way.
    const VALUES: &[&str] = &[
        "authorization_code",
        "refresh_token",
        "client_credentials",
        "password",
        "urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Ajwt-bearer",
        "https%3A%2F%2Fc.example%2Fcb",
        "https%3A%2F%2Fc.example%2Fcb%23f",
        "urn%3Aietf%3Aparams%3Aoauth%3Aclient-assertion-type%3Ajwt-bearer",
        "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk",
        "s6BhdRkqt3",
        "a+b",
        "a%0Ab",
        "%7B%7D",
        "a=b",
        "%zz",
        "%C3%28",
        "",
    ];

    proptest::proptest! {
        #[test]
        fn parse_is_the_composition_of_its_public_steps(
            pairs in proptest::collection::vec(
                (proptest::sample::select(NAMES), proptest::sample::select(VALUES)),
                0..8,
            ),
            authorization in proptest::option::of(proptest::sample::select(&[
                BASIC,
                "Basic czZCaGRSa3F0Mw==",
                "Basic !!!",
                "Bearer x",
            ][..])),
        ) {
            let body = pairs
                .iter()
                .map(|(n, v)| format!("{n}={v}"))
                .collect::<Vec<_>>()
                .join("&");
            let request = post(&body, authorization);
            let reference = back_channel_params(&request, &["resource", "audience"])
                .and_then(|params| {
                    let client_auth = ClientAuthentication::parse(request.authorization, &params)?;
                    TokenRequest::from_params(&params, client_auth)
                });
            proptest::prop_assert_eq!(TokenRequest::parse(&request), reference);
        }
    }

    /// JSON values for extension members, including awkward strings and nesting.
    fn json_value() -> impl proptest::strategy::Strategy<Value = Value> {
        use proptest::prelude::*;
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::from),
            any::<i64>().prop_map(Value::from),
            any::<f64>().prop_map(Value::from),
            "(\\PC|[\\x00-\\x1f\"\\\\]){0,12}".prop_map(Value::from),
        ];
        leaf.prop_recursive(3, 16, 4, |inner| {
            prop_oneof![
                proptest::collection::vec(inner.clone(), 0..4).prop_map(Value::from),
                proptest::collection::btree_map(".{0,4}", inner, 0..4)
                    .prop_map(|map| Value::Object(map.into_iter().collect())),
            ]
        })
    }

    proptest::proptest! {
        #[test]
        fn responses_are_written_as_serde_json_writes_them(
            access_token in "[ -~]{1,40}",
            token_type in "(\\PC|[\\x00-\\x1f\"\\\\]){0,8}",
            expires_in: Option<u64>,
            refresh_token in proptest::option::of("[ -~]{1,40}"),
            scope in proptest::option::of("[a-z:/]{1,6}( [a-z:/]{1,6}){0,3}"),
            id_token in proptest::option::of("[ -~]{1,1200}"),
            issued_token_type in proptest::option::of("(\\PC|[\\x00-\\x1f\"\\\\]){0,20}"),
            details: bool,
            extra in proptest::collection::btree_map(
                proptest::prop_oneof![
                    proptest::string::string_regex(".{0,6}").unwrap(),
                    proptest::string::string_regex("access_token").unwrap(),
                ],
                json_value(),
                0..4,
            ),
        ) {
            let mut response = TokenResponse::new(
                AccessToken::parse(&access_token).unwrap(),
                TokenType::from_wire(&token_type),
            );
            response.expires_in = expires_in;
            response.refresh_token = refresh_token.map(|v| RefreshToken::parse(&v).unwrap());
            response.scope = scope.map(|v| Scope::parse(&v).unwrap_or_else(|_| Scope::parse("a").unwrap()));
            response.id_token = id_token.map(|v| TokenString::parse(&v).unwrap());
            response.issued_token_type = issued_token_type;
            response.authorization_details = details.then(|| {
                AuthorizationDetails::parse(r#"[{"type":"payment","amount":"1.0","locations":["https://a.example/"]}]"#)
                    .unwrap()
            });
            response.extra = extra;
            let written = response.to_response();
            proptest::prop_assert_eq!(written.body(), &serde_json::to_vec(&response).unwrap()[..]);
            proptest::prop_assert_eq!(&written, &HttpResponse::json(200, &response));
            // The borrowed form serializes (its fallback) exactly as it writes.
            proptest::prop_assert_eq!(written.body(), &serde_json::to_vec(&response.borrowed()).unwrap()[..]);
        }
    }
}

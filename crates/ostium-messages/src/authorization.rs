//! The authorization endpoint: request (RFC 6749 §4.1.1; RFC 7636 §4.3; OIDC Core §3.1.2.1;
//! RFC 9101; RFC 9126; RFC 9396 §2; RFC 8707 §2; RFC 9449 §10), success response (RFC 6749
//! §4.1.2; RFC 9207 §2) and error response (RFC 6749 §4.1.2.1; OIDC Core §3.1.2.6).
//!
//! # Errors and redirects
//!
//! A request that fails to parse yields an [`AuthorizationRequestError`] that carries, besides
//! the error, whatever `client_id`, `redirect_uri`, `state` and `response_mode` could be read.
//! The server redirects the error **only** after it has verified that `client_id` names a client
//! and `redirect_uri` matches its registration ([`crate::select_redirect_uri`]); otherwise it shows
//! an error page (RFC 6749 §3.1.2.4, §4.1.2.1; checklist item 5). A `response_mode` this crate does
//! not know is kept, so the server can answer with a plain 400 (OIDC Core §3.1.2.6).

use std::fmt;

use ostium_pkce::CodeChallenge;
use ostium_scope::{AuthorizationDetails, Scope};

use crate::claims::ClaimsRequest;
use crate::error::{AuthorizationErrorCode, ErrorResponse};
use crate::fields::{self, Slot};
use crate::form::Pairs;
use crate::params::{ParamLimits, Params, ParamsError, check_form_content_type, clip, form_text};
use crate::redirect_uri::{MatchedRedirectUri, RedirectUri};
use crate::response::{DeliveryError, HttpResponse, ResponseMode, deliver};
use crate::token::TokenType;
use crate::values::{
    AbsoluteUri, AccessToken, AuthorizationCode, ClientId, Issuer, JwkThumbprint, Nonce, State,
    TokenString, ValueError,
};

/// `response_type` (RFC 6749 §3.1.1; OAuth 2.0 Multiple Response Type Encoding Practices §5):
/// a set of `code`, `id_token`, `token`, or `none` alone. Order does not matter; the canonical
/// form is written in the order `code id_token token`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct ResponseType {
    code: bool,
    id_token: bool,
    token: bool,
}

impl ResponseType {
    /// `code`: the authorization code flow.
    pub const CODE: Self = Self {
        code: true,
        id_token: false,
        token: false,
    };
    /// `none` (Multiple Response Type Encoding Practices §4).
    pub const NONE: Self = Self {
        code: false,
        id_token: false,
        token: false,
    };

    /// Parses a `response_type`: space-separated, each value at most once.
    ///
    /// # Errors
    ///
    /// The unknown or repeated value (`unsupported_response_type`), or `none` combined with
    /// another value.
    pub fn parse(value: &str) -> Result<Self, String> {
        let mut parsed = Self::NONE;
        let mut none = false;
        for part in value.split(' ') {
            let slot = match part {
                "code" => &mut parsed.code,
                "id_token" => &mut parsed.id_token,
                "token" => &mut parsed.token,
                "none" => &mut none,
                other => return Err(clip(other)),
            };
            if *slot {
                return Err(clip(part));
            }
            *slot = true;
        }
        if none && parsed != Self::NONE {
            return Err("none".to_owned());
        }
        Ok(parsed)
    }

    /// Whether `code` is included.
    pub fn has_code(self) -> bool {
        self.code
    }

    /// Whether `id_token` is included.
    pub fn has_id_token(self) -> bool {
        self.id_token
    }

    /// Whether `token` is included.
    pub fn has_token(self) -> bool {
        self.token
    }

    /// The default response mode: `fragment` when a token comes from the authorization
    /// endpoint, `query` otherwise (Multiple Response Type Encoding Practices §5).
    pub fn default_response_mode(self) -> ResponseMode {
        if self.id_token || self.token {
            ResponseMode::Fragment
        } else {
            ResponseMode::Query
        }
    }
}

impl fmt::Display for ResponseType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let parts: Vec<&str> = [
            (self.code, "code"),
            (self.id_token, "id_token"),
            (self.token, "token"),
        ]
        .into_iter()
        .filter_map(|(on, name)| on.then_some(name))
        .collect();
        if parts.is_empty() {
            f.write_str("none")
        } else {
            f.write_str(&parts.join(" "))
        }
    }
}

/// One `prompt` value (OIDC Core §3.1.2.1; Initiating User Registration §4).
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum Prompt {
    /// `none`: no user interface at all.
    None,
    /// `login`: re-authenticate.
    Login,
    /// `consent`: ask for consent.
    Consent,
    /// `select_account`: let the user choose an account.
    SelectAccount,
    /// `create`: start with account creation.
    Create,
    /// Any other value, kept.
    Unknown(String),
}

impl Prompt {
    fn from_wire(value: &str) -> Self {
        match value {
            "none" => Self::None,
            "login" => Self::Login,
            "consent" => Self::Consent,
            "select_account" => Self::SelectAccount,
            "create" => Self::Create,
            other => Self::Unknown(other.to_owned()),
        }
    }

    /// The wire value.
    pub fn as_str(&self) -> &str {
        match self {
            Self::None => "none",
            Self::Login => "login",
            Self::Consent => "consent",
            Self::SelectAccount => "select_account",
            Self::Create => "create",
            Self::Unknown(other) => other,
        }
    }
}

/// `display` (OIDC Core §3.1.2.1). Unknown values are kept, never an error (checklist item 20).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Display {
    /// Full user-agent page.
    Page,
    /// Popup window.
    Popup,
    /// Touch interface.
    Touch,
    /// Feature-phone display.
    Wap,
    /// Any other value.
    Unknown(String),
}

impl Display {
    fn from_wire(value: &str) -> Self {
        match value {
            "page" => Self::Page,
            "popup" => Self::Popup,
            "touch" => Self::Touch,
            "wap" => Self::Wap,
            other => Self::Unknown(other.to_owned()),
        }
    }

    /// The wire value.
    pub fn as_str(&self) -> &str {
        match self {
            Self::Page => "page",
            Self::Popup => "popup",
            Self::Touch => "touch",
            Self::Wap => "wap",
            Self::Unknown(other) => other,
        }
    }
}

/// Largest `max_age` accepted (about 136 years, in seconds).
const MAX_MAX_AGE: u64 = u32::MAX as u64;

/// An authorization request (RFC 6749 §4.1.1 and the extensions listed in the module docs).
///
/// `response_type` is `None` only when the parameters come by reference or by value
/// (`request_uri`, `request`; RFC 9126 §4, RFC 9101 §5): the server resolves the request object,
/// turns its claims into parameters ([`Params::from_json_object`]) and parses again.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct AuthorizationRequest {
    /// `response_type`.
    pub response_type: Option<ResponseType>,
    /// `client_id` (required).
    pub client_id: ClientId,
    /// `redirect_uri`, syntax-checked; not yet matched.
    pub redirect_uri: Option<RedirectUri>,
    /// `scope`, strictly parsed (RFC 6749 §3.3).
    pub scope: Option<Scope>,
    /// `state`.
    pub state: Option<State>,
    /// `code_challenge` with its method (RFC 7636 §4.3). Both `S256` and `plain` are parsed;
    /// whether `plain` is allowed is the server's policy
    /// ([`CodeChallenge::method`](ostium_pkce::CodeChallenge::method)).
    pub code_challenge: Option<CodeChallenge>,
    /// `response_mode`, as sent (may be [`ResponseMode::Unknown`]).
    pub response_mode: Option<ResponseMode>,
    /// `nonce` (OIDC).
    pub nonce: Option<Nonce>,
    /// `display` (OIDC).
    pub display: Option<Display>,
    /// `prompt` (OIDC), sorted; `none` is never combined with another value.
    pub prompt: Vec<Prompt>,
    /// `max_age` in seconds (OIDC).
    pub max_age: Option<u64>,
    /// `ui_locales`, space-separated BCP 47 tags as sent (OIDC).
    pub ui_locales: Vec<String>,
    /// `claims_locales` (OIDC).
    pub claims_locales: Vec<String>,
    /// `id_token_hint` (OIDC), an ID token kept as a string.
    pub id_token_hint: Option<TokenString>,
    /// `login_hint` (OIDC).
    pub login_hint: Option<String>,
    /// `acr_values` (OIDC), in preference order.
    pub acr_values: Vec<String>,
    /// `claims` (OIDC Core §5.5).
    pub claims: Option<ClaimsRequest>,
    /// `request`: a request object, kept as a string (RFC 9101 §2.1; OIDC Core §6.1).
    pub request: Option<TokenString>,
    /// `request_uri` (RFC 9101 §2.2; RFC 9126 §4; OIDC Core §6.2).
    pub request_uri: Option<AbsoluteUri>,
    /// `authorization_details` (RFC 9396 §2).
    pub authorization_details: Option<AuthorizationDetails>,
    /// `resource` indicators, possibly several (RFC 8707 §2).
    pub resource: Vec<AbsoluteUri>,
    /// `dpop_jkt` (RFC 9449 §10).
    pub dpop_jkt: Option<JwkThumbprint>,
}

/// The names this crate reads from an authorization request; other parameters are ignored
/// (RFC 6749 §3.1) but stay readable in the [`Params`].
pub const AUTHORIZATION_REQUEST_PARAMETERS: &[&str] = &[
    "response_type",
    "client_id",
    "redirect_uri",
    "scope",
    "state",
    "code_challenge",
    "code_challenge_method",
    "response_mode",
    "nonce",
    "display",
    "prompt",
    "max_age",
    "ui_locales",
    "claims_locales",
    "id_token_hint",
    "login_hint",
    "acr_values",
    "claims",
    "request",
    "request_uri",
    "authorization_details",
    "resource",
    "dpop_jkt",
];

/// A failed authorization request, with what is needed to decide between an error redirect and
/// an error page (see the [module docs](self)).
#[derive(Clone, Debug, PartialEq)]
pub struct AuthorizationRequestError {
    /// The error to deliver.
    pub error: ErrorResponse<AuthorizationErrorCode>,
    /// The `client_id`, if present once and well-formed.
    pub client_id: Option<ClientId>,
    /// The `redirect_uri`, if present once and well-formed; not yet matched.
    pub redirect_uri: Option<RedirectUri>,
    /// The `state`, if present once and well-formed, to echo (RFC 6749 §4.1.2.1).
    pub state: Option<State>,
    /// The response mode to deliver in: the requested one if readable, else the default of
    /// the `response_type` if readable, else `query`.
    pub response_mode: ResponseMode,
}

impl fmt::Display for AuthorizationRequestError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.error.fmt(f)
    }
}

impl std::error::Error for AuthorizationRequestError {}

impl AuthorizationRequestError {
    /// A minimal error page, for when the error must not be redirected (RFC 6749 §4.1.2.1:
    /// unknown client, missing or mismatching redirect URI): the code's status, `text/plain`,
    /// the code and description (whose character set cannot inject markup), not cached.
    pub fn to_error_page(&self) -> HttpResponse {
        HttpResponse::new(self.error.status())
            .with_header(
                crate::response::header::CONTENT_TYPE,
                "text/plain; charset=utf-8",
            )
            .with_header(crate::response::header::CACHE_CONTROL, "no-store")
            .with_body(self.error.to_string().into_bytes())
    }

    /// The error redirect for this failure, once the server has matched the redirect URI.
    pub fn to_error_redirect(&self, iss: Option<Issuer>) -> AuthorizationErrorRedirect {
        AuthorizationErrorRedirect {
            error: self.error.clone(),
            state: self.state.clone(),
            iss,
        }
    }
}

fn invalid(code: AuthorizationErrorCode, text: &str) -> ErrorResponse<AuthorizationErrorCode> {
    ErrorResponse::new(code).with_description(text)
}

fn value_error(error: &ValueError) -> ErrorResponse<AuthorizationErrorCode> {
    invalid(AuthorizationErrorCode::InvalidRequest, &error.to_string())
}

fn space_list(value: Option<&str>) -> Vec<String> {
    value
        .map(|v| {
            v.split(' ')
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default()
}

impl AuthorizationRequest {
    /// A request for the code flow with the required parameters.
    pub fn new(client_id: ClientId) -> Self {
        Self {
            response_type: Some(ResponseType::CODE),
            client_id,
            redirect_uri: None,
            scope: None,
            state: None,
            code_challenge: None,
            response_mode: None,
            nonce: None,
            display: None,
            prompt: Vec::new(),
            max_age: None,
            ui_locales: Vec::new(),
            claims_locales: Vec::new(),
            id_token_hint: None,
            login_hint: None,
            acr_values: Vec::new(),
            claims: None,
            request: None,
            request_uri: None,
            authorization_details: None,
            resource: Vec::new(),
            dpop_jkt: None,
        }
    }

    /// Parses a GET request's query string (RFC 6749 §3.1).
    ///
    /// # Errors
    ///
    /// [`AuthorizationRequestError`].
    pub fn parse_query(query: &str) -> Result<Self, Box<AuthorizationRequestError>> {
        Self::parse_pairs(query.as_bytes(), Some(query))
    }

    /// Parses a POST request's form body (OIDC Core §3.1.2.1).
    ///
    /// # Errors
    ///
    /// [`AuthorizationRequestError`].
    pub fn parse_form(
        content_type: Option<&str>,
        body: &[u8],
    ) -> Result<Self, Box<AuthorizationRequestError>> {
        check_form_content_type(content_type).map_err(|e| params_failure(&e))?;
        Self::parse_pairs(body, form_text(body, &ParamLimits::default()))
    }

    /// Parses a query string or form body (`text` when it is UTF-8) straight into the fields,
    /// without a [`Params`] in between: what [`parse`](Self::parse) gives for the same
    /// parameters.
    fn parse_pairs(
        input: &[u8],
        text: Option<&str>,
    ) -> Result<Self, Box<AuthorizationRequestError>> {
        let mut fields = Fields::new();
        Pairs::new(input, text, &ParamLimits::default())
            .and_then(|pairs| fields.read_pairs(pairs, slot))
            .map_err(|e| params_failure(&e))?;
        Self::parse_fields(&fields).map_err(|error| failure(&fields, error))
    }

    /// Parses the parameters.
    ///
    /// # Errors
    ///
    /// [`AuthorizationRequestError`] with the first rule broken: a repeated parameter
    /// (`invalid_request`, checklist item 3), a missing or malformed required one, an unknown
    /// `response_type` (`unsupported_response_type`, item 4), a malformed `scope`
    /// (`invalid_scope`), malformed `authorization_details` (`invalid_authorization_details`),
    /// a malformed `resource` (`invalid_target`).
    pub fn parse(params: &Params) -> Result<Self, Box<AuthorizationRequestError>> {
        let mut fields = Fields::new();
        fields.read_params(params, slot);
        Self::parse_fields(&fields).map_err(|error| failure(&fields, error))
    }

    fn parse_fields(all: &Fields<'_>) -> Result<Self, ErrorResponse<AuthorizationErrorCode>> {
        use AuthorizationErrorCode as Code;
        all.ensure_no_repeats()
            .map_err(|e| e.to_authorization_error())?;
        let fields = Values::of(all);
        let client_id = fields
            .client_id
            .ok_or_else(|| invalid(Code::InvalidRequest, "client_id is required"))
            .and_then(|v| ClientId::parse(v).map_err(|e| value_error(&e)))?;
        let mut request = Self::new(client_id);

        let request_object = fields.request;
        let request_uri = fields.request_uri;
        if request_object.is_some() && request_uri.is_some() {
            return Err(invalid(
                Code::InvalidRequest,
                "request and request_uri must not both be present",
            ));
        }
        request.request = request_object
            .map(|v| TokenString::parse(v).map_err(|e| value_error(&e)))
            .transpose()?;
        request.request_uri = request_uri
            .map(|v| {
                AbsoluteUri::parse(v)
                    .map_err(|e| invalid(Code::InvalidRequestUri, &format!("request_uri: {e}")))
            })
            .transpose()?;

        request.response_type = match fields.response_type {
            Some(value) => Some(ResponseType::parse(value).map_err(|bad| {
                invalid(
                    Code::UnsupportedResponseType,
                    &format!("response_type value {bad} is not supported"),
                )
            })?),
            None if request.request.is_some() || request.request_uri.is_some() => None,
            None => {
                return Err(invalid(Code::InvalidRequest, "response_type is required"));
            }
        };
        request.redirect_uri = fields
            .redirect_uri
            .map(|v| {
                RedirectUri::parse(v).map_err(|e| invalid(Code::InvalidRequest, &e.to_string()))
            })
            .transpose()?;
        request.state = fields
            .state
            .map(|v| State::parse(v).map_err(|e| value_error(&e)))
            .transpose()?;
        request.scope = fields
            .scope
            .map(|v| {
                Scope::parse(v).map_err(|e| invalid(Code::InvalidScope, &format!("scope: {e}")))
            })
            .transpose()?;
        request.code_challenge = match (fields.code_challenge, fields.code_challenge_method) {
            (Some(challenge), method) => Some(
                CodeChallenge::danger_parse_allowing_plain(challenge, method)
                    .map_err(|e| invalid(Code::InvalidRequest, &e.to_string()))?,
            ),
            (None, Some(_)) => {
                return Err(invalid(
                    Code::InvalidRequest,
                    "code_challenge_method without code_challenge",
                ));
            }
            (None, None) => None,
        };
        request.response_mode = fields.response_mode.map(ResponseMode::from_wire);
        request.nonce = fields
            .nonce
            .map(|v| Nonce::parse(v).map_err(|e| value_error(&e)))
            .transpose()?;
        request.display = fields.display.map(Display::from_wire);
        request.prompt = parse_prompt(fields.prompt)?;
        request.max_age = fields
            .max_age
            .map(|v| {
                parse_decimal(v)
                    .filter(|age| *age <= MAX_MAX_AGE)
                    .ok_or_else(|| {
                        invalid(
                            Code::InvalidRequest,
                            "max_age must be a non-negative integer",
                        )
                    })
            })
            .transpose()?;
        request.ui_locales = space_list(fields.ui_locales);
        request.claims_locales = space_list(fields.claims_locales);
        request.acr_values = space_list(fields.acr_values);
        request.login_hint = fields.login_hint.map(str::to_owned);
        request.id_token_hint = fields
            .id_token_hint
            .map(|v| TokenString::parse(v).map_err(|e| value_error(&e)))
            .transpose()?;
        request.claims = fields
            .claims
            .map(|v| {
                ClaimsRequest::parse(v)
                    .map_err(|e| invalid(Code::InvalidRequest, &format!("claims: {e}")))
            })
            .transpose()?;
        request.authorization_details = fields
            .authorization_details
            .map(|v| {
                AuthorizationDetails::parse(v).map_err(|e| {
                    invalid(
                        Code::InvalidAuthorizationDetails,
                        &format!("authorization_details: {e}"),
                    )
                })
            })
            .transpose()?;
        request.resource = all
            .many(RESOURCE)
            .map(|v| {
                AbsoluteUri::parse(v)
                    .map_err(|e| invalid(Code::InvalidTarget, &format!("resource: {e}")))
            })
            .collect::<Result<_, _>>()?;
        request.dpop_jkt = fields
            .dpop_jkt
            .map(|v| JwkThumbprint::parse(v).map_err(|e| value_error(&e)))
            .transpose()?;
        // OIDC Core §3.2.2.1, §3.3.2.11: an ID token from the authorization endpoint needs a
        // nonce. (With a request object the nonce may be inside it: checked on the second parse.)
        let front_channel_id_token = request
            .response_type
            .is_some_and(ResponseType::has_id_token);
        if front_channel_id_token && request.nonce.is_none() && !request.is_by_reference_or_value()
        {
            return Err(invalid(
                Code::InvalidRequest,
                "nonce is required when an ID token is returned from the authorization endpoint",
            ));
        }
        Ok(request)
    }

    /// The response mode to answer in: the requested one, else the `response_type`'s default.
    pub fn effective_response_mode(&self) -> ResponseMode {
        self.response_mode.clone().unwrap_or_else(|| {
            self.response_type
                .map_or(ResponseMode::Query, ResponseType::default_response_mode)
        })
    }

    /// Whether the parameters come in a request object (`request` or `request_uri`).
    pub fn is_by_reference_or_value(&self) -> bool {
        self.request.is_some() || self.request_uri.is_some()
    }

    /// The parameters, for the client to send.
    pub fn to_params(&self) -> Params {
        let mut params = Params::new();
        params.push_opt("response_type", self.response_type.map(|r| r.to_string()));
        params.push("client_id", self.client_id.as_str());
        params.push_opt(
            "redirect_uri",
            self.redirect_uri.as_ref().map(RedirectUri::as_str),
        );
        params.push_opt("scope", self.scope.as_ref().map(ToString::to_string));
        params.push_opt("state", self.state.as_ref().map(State::as_str));
        if let Some(challenge) = &self.code_challenge {
            params.push("code_challenge", challenge.as_str());
            params.push("code_challenge_method", challenge.method().as_str());
        }
        params.push_opt(
            "response_mode",
            self.response_mode.as_ref().map(ResponseMode::as_str),
        );
        params.push_opt("nonce", self.nonce.as_ref().map(Nonce::as_str));
        params.push_opt("display", self.display.as_ref().map(Display::as_str));
        if !self.prompt.is_empty() {
            let values: Vec<&str> = self.prompt.iter().map(Prompt::as_str).collect();
            params.push("prompt", values.join(" "));
        }
        params.push_opt("max_age", self.max_age.map(|a| a.to_string()));
        push_list(&mut params, "ui_locales", &self.ui_locales);
        push_list(&mut params, "claims_locales", &self.claims_locales);
        params.push_opt(
            "id_token_hint",
            self.id_token_hint.as_ref().map(TokenString::as_str),
        );
        params.push_opt("login_hint", self.login_hint.clone());
        push_list(&mut params, "acr_values", &self.acr_values);
        params.push_opt(
            "claims",
            self.claims.as_ref().map(ClaimsRequest::to_json_string),
        );
        params.push_opt("request", self.request.as_ref().map(TokenString::as_str));
        params.push_opt(
            "request_uri",
            self.request_uri.as_ref().map(AbsoluteUri::as_str),
        );
        params.push_opt(
            "authorization_details",
            self.authorization_details
                .as_ref()
                .map(AuthorizationDetails::to_json_string),
        );
        for resource in &self.resource {
            params.push("resource", resource.as_str());
        }
        params.push_opt(
            "dpop_jkt",
            self.dpop_jkt.as_ref().map(JwkThumbprint::as_str),
        );
        params
    }

    /// The URL the client sends the user to: the authorization endpoint with the parameters
    /// appended to its query (an existing query is kept, RFC 6749 §3.1).
    pub fn to_url(&self, authorization_endpoint: &str) -> String {
        crate::response::append_query(authorization_endpoint, &self.to_params().encode())
    }
}

fn push_list(params: &mut Params, name: &str, values: &[String]) {
    if !values.is_empty() {
        params.push(name, values.join(" "));
    }
}

fn params_failure(error: &ParamsError) -> Box<AuthorizationRequestError> {
    Box::new(AuthorizationRequestError {
        error: error.to_authorization_error(),
        client_id: None,
        redirect_uri: None,
        state: None,
        response_mode: ResponseMode::Query,
    })
}

/// The error of a failed request, with what an error redirect needs (see the
/// [module docs](self)), each read on its own: present once and well-formed, or absent. Only
/// failures pay for reading them.
fn failure(
    fields: &Fields<'_>,
    error: ErrorResponse<AuthorizationErrorCode>,
) -> Box<AuthorizationRequestError> {
    let single = |name| one(fields, name);
    let response_type = single("response_type").and_then(|v| ResponseType::parse(v).ok());
    Box::new(AuthorizationRequestError {
        error,
        client_id: single("client_id").and_then(|v| ClientId::parse(v).ok()),
        redirect_uri: single("redirect_uri").and_then(|v| RedirectUri::parse(v).ok()),
        state: single("state").and_then(|v| State::parse(v).ok()),
        response_mode: single("response_mode")
            .map(ResponseMode::from_wire)
            .or_else(|| response_type.map(ResponseType::default_response_mode))
            .unwrap_or(ResponseMode::Query),
    })
}

/// The parameters of [`AUTHORIZATION_REQUEST_PARAMETERS`], found in one pass.
type Fields<'a> = fields::Fields<'a, 22, 1>;

/// The list of `resource` values (RFC 8707 §2) among the [`Fields`].
const RESOURCE: usize = 0;

/// Where authorization request parsing files the parameter `name`.
fn slot(name: &str) -> Option<Slot> {
    Some(Slot::One(match name {
        "response_type" => 0,
        "client_id" => 1,
        "redirect_uri" => 2,
        "scope" => 3,
        "state" => 4,
        "code_challenge" => 5,
        "code_challenge_method" => 6,
        "response_mode" => 7,
        "nonce" => 8,
        "display" => 9,
        "prompt" => 10,
        "max_age" => 11,
        "ui_locales" => 12,
        "claims_locales" => 13,
        "id_token_hint" => 14,
        "login_hint" => 15,
        "acr_values" => 16,
        "claims" => 17,
        "request" => 18,
        "request_uri" => 19,
        "authorization_details" => 20,
        "dpop_jkt" => 21,
        "resource" => return Some(Slot::Many(RESOURCE)),
        _ => return None,
    }))
}

/// The value of the single parameter `name` when it appears exactly once.
fn one<'f>(fields: &'f Fields<'_>, name: &str) -> Option<&'f str> {
    match slot(name) {
        Some(Slot::One(index)) => fields.one(index),
        _ => None,
    }
}

/// The single parameters' values by name.
#[derive(Debug, Default, PartialEq)]
struct Values<'a> {
    response_type: Option<&'a str>,
    client_id: Option<&'a str>,
    redirect_uri: Option<&'a str>,
    scope: Option<&'a str>,
    state: Option<&'a str>,
    code_challenge: Option<&'a str>,
    code_challenge_method: Option<&'a str>,
    response_mode: Option<&'a str>,
    nonce: Option<&'a str>,
    display: Option<&'a str>,
    prompt: Option<&'a str>,
    max_age: Option<&'a str>,
    ui_locales: Option<&'a str>,
    claims_locales: Option<&'a str>,
    id_token_hint: Option<&'a str>,
    login_hint: Option<&'a str>,
    acr_values: Option<&'a str>,
    claims: Option<&'a str>,
    request: Option<&'a str>,
    request_uri: Option<&'a str>,
    authorization_details: Option<&'a str>,
    dpop_jkt: Option<&'a str>,
}

impl<'a> Values<'a> {
    fn of(fields: &'a Fields<'_>) -> Self {
        let one = |name| one(fields, name);
        Self {
            response_type: one("response_type"),
            client_id: one("client_id"),
            redirect_uri: one("redirect_uri"),
            scope: one("scope"),
            state: one("state"),
            code_challenge: one("code_challenge"),
            code_challenge_method: one("code_challenge_method"),
            response_mode: one("response_mode"),
            nonce: one("nonce"),
            display: one("display"),
            prompt: one("prompt"),
            max_age: one("max_age"),
            ui_locales: one("ui_locales"),
            claims_locales: one("claims_locales"),
            id_token_hint: one("id_token_hint"),
            login_hint: one("login_hint"),
            acr_values: one("acr_values"),
            claims: one("claims"),
            request: one("request"),
            request_uri: one("request_uri"),
            authorization_details: one("authorization_details"),
            dpop_jkt: one("dpop_jkt"),
        }
    }
}

/// Digits only, no sign, no leading `+`.
pub(crate) fn parse_decimal(value: &str) -> Option<u64> {
    if value.is_empty() || value.len() > 19 || !value.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    value.parse().ok()
}

fn parse_prompt(value: Option<&str>) -> Result<Vec<Prompt>, ErrorResponse<AuthorizationErrorCode>> {
    let mut prompts: Vec<Prompt> = space_list(value)
        .iter()
        .map(|v| Prompt::from_wire(v))
        .collect();
    prompts.sort();
    prompts.dedup();
    if prompts.contains(&Prompt::None) && prompts.len() > 1 {
        return Err(invalid(
            AuthorizationErrorCode::InvalidRequest,
            "prompt none must not be combined with other values",
        ));
    }
    Ok(prompts)
}

/// A successful authorization response (RFC 6749 §4.1.2; RFC 9207 §2; OIDC Core §3.2.2.5,
/// §3.3.2.5 for the hybrid flow's token parameters).
#[derive(Clone, Debug, Default, PartialEq)]
#[non_exhaustive]
pub struct AuthorizationResponse {
    /// `code`.
    pub code: Option<AuthorizationCode>,
    /// `state`, exactly as received in the request (checklist item 9).
    pub state: Option<State>,
    /// `iss` (RFC 9207 §2; checklist item 10).
    pub iss: Option<Issuer>,
    /// `id_token` (hybrid and implicit).
    pub id_token: Option<TokenString>,
    /// `access_token` (`token` response types).
    pub access_token: Option<AccessToken>,
    /// `token_type` with `access_token`.
    pub token_type: Option<TokenType>,
    /// `expires_in` with `access_token`.
    pub expires_in: Option<u64>,
    /// `scope` with `access_token`, when it differs from the request.
    pub scope: Option<Scope>,
}

impl AuthorizationResponse {
    /// A code response.
    pub fn code(code: AuthorizationCode, state: Option<State>, iss: Option<Issuer>) -> Self {
        Self {
            code: Some(code),
            state,
            iss,
            ..Self::default()
        }
    }

    /// The parameters in wire form.
    pub fn to_params(&self) -> Params {
        let (expires_in, scope) = self.texts();
        let mut params = Params::new();
        for (name, value) in self.wire_pairs(&expires_in, &scope) {
            params.push_str(name, value);
        }
        params
    }

    /// Delivers the response to the matched redirect URI.
    ///
    /// # Errors
    ///
    /// [`DeliveryError`] for an unsupported response mode.
    pub fn deliver(
        &self,
        target: &MatchedRedirectUri,
        mode: &ResponseMode,
    ) -> Result<HttpResponse, DeliveryError> {
        let (expires_in, scope) = self.texts();
        let pairs = self.wire_pairs(&expires_in, &scope);
        crate::response::deliver_pairs(
            target,
            mode,
            pairs.iter().copied().filter(|(_, value)| !value.is_empty()),
        )
    }

    /// `expires_in` and `scope` as text (empty when absent).
    fn texts(&self) -> (String, String) {
        (
            self.expires_in.map(|e| e.to_string()).unwrap_or_default(),
            self.scope
                .as_ref()
                .map(ToString::to_string)
                .unwrap_or_default(),
        )
    }

    /// Every parameter in wire order, an absent one with an empty value (which is omitted, as
    /// on parsing).
    fn wire_pairs<'a>(
        &'a self,
        expires_in: &'a str,
        scope: &'a str,
    ) -> [(&'static str, &'a str); 8] {
        [
            (
                "code",
                self.code.as_ref().map_or("", AuthorizationCode::as_str),
            ),
            (
                "id_token",
                self.id_token.as_ref().map_or("", TokenString::as_str),
            ),
            (
                "access_token",
                self.access_token.as_ref().map_or("", AccessToken::as_str),
            ),
            (
                "token_type",
                self.token_type.as_ref().map_or("", TokenType::as_str),
            ),
            ("expires_in", expires_in),
            ("scope", scope),
            ("state", self.state.as_ref().map_or("", State::as_str)),
            ("iss", self.iss.as_ref().map_or("", Issuer::as_str)),
        ]
    }
}

/// An authorization error response: only `error`, `error_description`, `error_uri`, `state` and
/// `iss` (RFC 6749 §4.1.2.1; RFC 9207 §2; checklist item 11).
#[derive(Clone, Debug, PartialEq)]
pub struct AuthorizationErrorRedirect {
    /// The error.
    pub error: ErrorResponse<AuthorizationErrorCode>,
    /// `state` from the request, exactly.
    pub state: Option<State>,
    /// `iss` (RFC 9207 §2).
    pub iss: Option<Issuer>,
}

impl AuthorizationErrorRedirect {
    /// The parameters in wire form.
    pub fn to_params(&self) -> Params {
        let mut params: Params = self.error.to_pairs().into_iter().collect();
        params.push_opt("state", self.state.as_ref().map(State::as_str));
        params.push_opt("iss", self.iss.as_ref().map(Issuer::as_str));
        params
    }

    /// Delivers the error to the matched redirect URI.
    ///
    /// # Errors
    ///
    /// [`DeliveryError`] for an unsupported response mode.
    pub fn deliver(
        &self,
        target: &MatchedRedirectUri,
        mode: &ResponseMode,
    ) -> Result<HttpResponse, DeliveryError> {
        deliver(target, mode, &self.to_params())
    }
}

/// What arrives at the client's redirect URI (RFC 6749 §4.1.2, §4.1.2.1).
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub enum AuthorizationCallback {
    /// Success.
    Success(AuthorizationResponse),
    /// An error from the authorization server.
    Error(AuthorizationErrorRedirect),
}

/// Why a callback could not be read.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum CallbackError {
    /// The parameters were malformed or repeated.
    Params(ParamsError),
    /// A parameter was malformed; the text says which.
    Invalid(String),
    /// Neither `code`/tokens nor `error`, or both.
    Ambiguous,
}

impl fmt::Display for CallbackError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Params(e) => e.fmt(f),
            Self::Invalid(text) => write!(f, "invalid authorization response: {text}"),
            Self::Ambiguous => {
                f.write_str("authorization response has both or neither of code and error")
            }
        }
    }
}

impl std::error::Error for CallbackError {}

impl AuthorizationCallback {
    /// Parses the callback's parameters (query, fragment or form-post body), as a client.
    /// Unknown parameters are ignored (RFC 6749 §4.1.2); `iss` is read with
    /// [`Issuer::danger_parse_allowing_http`] and must then be compared by the client with the
    /// issuer it expects (RFC 9207 §2.4).
    ///
    /// # Errors
    ///
    /// [`CallbackError`].
    pub fn parse(params: &Params) -> Result<Self, CallbackError> {
        params.ensure_no_repeats().map_err(CallbackError::Params)?;
        let single = |name| params.single(name).ok().flatten();
        let bad = |e: ValueError| CallbackError::Invalid(e.to_string());
        let state = single("state").map(State::parse).transpose().map_err(bad)?;
        let iss = single("iss")
            .map(Issuer::danger_parse_allowing_http)
            .transpose()
            .map_err(bad)?;
        let has_success = ["code", "id_token", "access_token"]
            .iter()
            .any(|n| params.contains(n));
        match (single("error"), has_success) {
            (Some(code), false) => {
                let mut error = ErrorResponse::new(
                    <AuthorizationErrorCode as crate::error::ErrorCode>::from_wire_sanitized(code),
                );
                error.error_description =
                    single("error_description").map(crate::error::ErrorDescription::sanitized);
                error.error_uri =
                    single("error_uri").and_then(|u| crate::error::ErrorUri::new(u).ok());
                Ok(Self::Error(AuthorizationErrorRedirect {
                    error,
                    state,
                    iss,
                }))
            }
            (None, true) => Ok(Self::Success(AuthorizationResponse {
                code: single("code")
                    .map(AuthorizationCode::parse)
                    .transpose()
                    .map_err(bad)?,
                state,
                iss,
                id_token: single("id_token")
                    .map(TokenString::parse)
                    .transpose()
                    .map_err(bad)?,
                access_token: single("access_token")
                    .map(AccessToken::parse)
                    .transpose()
                    .map_err(bad)?,
                token_type: single("token_type").map(TokenType::from_wire),
                expires_in: single("expires_in")
                    .map(|v| {
                        parse_decimal(v).ok_or_else(|| CallbackError::Invalid("expires_in".into()))
                    })
                    .transpose()?,
                // A scope of only whitespace is no scope (it would be written as nothing).
                scope: single("scope")
                    .map(|v| {
                        Scope::parse_lenient(v).map_err(|e| CallbackError::Invalid(e.to_string()))
                    })
                    .transpose()?
                    .filter(|scope| !scope.is_empty()),
            })),
            _ => Err(CallbackError::Ambiguous),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(query: &str) -> Result<AuthorizationRequest, Box<AuthorizationRequestError>> {
        AuthorizationRequest::parse_query(query)
    }

    const RFC_6749_4_1_1: &str = "response_type=code&client_id=s6BhdRkqt3&state=xyz\
        &redirect_uri=https%3A%2F%2Fclient%2Eexample%2Ecom%2Fcb";

    #[test]
    fn rfc_6749_section_4_1_1_example() {
        let request = parse(RFC_6749_4_1_1).unwrap();
        assert_eq!(request.response_type, Some(ResponseType::CODE));
        assert_eq!(request.client_id.as_str(), "s6BhdRkqt3");
        assert_eq!(request.state.unwrap().as_str(), "xyz");
        assert_eq!(
            request.redirect_uri.unwrap().as_str(),
            "https://client.example.com/cb"
        );
    }

    #[test]
    fn req_1_get_and_post_parse_alike() {
        let by_get = parse(RFC_6749_4_1_1).unwrap();
        let by_post = AuthorizationRequest::parse_form(
            Some("application/x-www-form-urlencoded"),
            RFC_6749_4_1_1.as_bytes(),
        )
        .unwrap();
        assert_eq!(by_get, by_post);
        let wrong_type = AuthorizationRequest::parse_form(Some("text/plain"), b"").unwrap_err();
        assert_eq!(
            wrong_type.error.error,
            AuthorizationErrorCode::InvalidRequest
        );
    }

    #[test]
    fn req_2_unknown_parameters_and_empty_values_are_ignored() {
        let request = parse(&format!("{RFC_6749_4_1_1}&extra=foobar&scope=&nonce=")).unwrap();
        assert_eq!(request.scope, None);
        assert_eq!(request.nonce, None);
    }

    #[test]
    fn req_3_repeated_parameter_is_invalid_request() {
        let error = parse(&format!("{RFC_6749_4_1_1}&scope=a&scope=b")).unwrap_err();
        assert_eq!(error.error.error, AuthorizationErrorCode::InvalidRequest);
        assert_eq!(
            error.error.error_description.unwrap().as_str(),
            "parameter scope is repeated"
        );
        // The redirect information survives: the repetition is not in it.
        assert_eq!(error.client_id.unwrap().as_str(), "s6BhdRkqt3");
        assert_eq!(error.state.unwrap().as_str(), "xyz");
        assert!(error.redirect_uri.is_some());
        // A repeated redirect_uri leaves nothing to redirect to (checklist item 5).
        let error = parse(&format!(
            "{RFC_6749_4_1_1}&redirect_uri=https%3A%2F%2Fattacker.example%2F"
        ))
        .unwrap_err();
        assert_eq!(error.redirect_uri, None);
        // `resource` may repeat (RFC 8707 §2).
        let ok = parse(&format!(
            "{RFC_6749_4_1_1}&resource=https%3A%2F%2Fa.example%2F&resource=https%3A%2F%2Fb.example%2F"
        ))
        .unwrap();
        assert_eq!(ok.resource.len(), 2);
    }

    #[test]
    fn req_4_response_type_missing_or_unknown() {
        let missing = parse("client_id=c&state=s").unwrap_err();
        assert_eq!(missing.error.error, AuthorizationErrorCode::InvalidRequest);
        for bad in [
            "foo",
            "code%20foo",
            "code%20code",
            "none%20code",
            "Code",
            "code%20%20token",
        ] {
            let error = parse(&format!("client_id=c&response_type={bad}")).unwrap_err();
            assert_eq!(
                error.error.error,
                AuthorizationErrorCode::UnsupportedResponseType,
                "{bad}"
            );
        }
        let hybrid = parse("client_id=c&response_type=id_token%20code&nonce=n").unwrap();
        let response_type = hybrid.response_type.unwrap();
        assert!(response_type.has_code() && response_type.has_id_token());
        assert_eq!(response_type.to_string(), "code id_token");
        assert_eq!(hybrid.effective_response_mode(), ResponseMode::Fragment);
    }

    #[test]
    fn req_5_missing_client_id_leaves_nothing_to_redirect_to() {
        let error =
            parse("response_type=code&redirect_uri=https%3A%2F%2Fc.example%2Fcb").unwrap_err();
        assert_eq!(error.client_id, None);
        assert_eq!(error.error.error, AuthorizationErrorCode::InvalidRequest);
        let bad_uri =
            parse("response_type=code&client_id=c&redirect_uri=https%3A%2F%2Fc.example%2Fcb%23f")
                .unwrap_err();
        assert_eq!(bad_uri.redirect_uri, None);
    }

    #[test]
    fn req_14_prompt_none_alone() {
        let error = parse("response_type=code&client_id=c&prompt=none%20login").unwrap_err();
        assert_eq!(error.error.error, AuthorizationErrorCode::InvalidRequest);
        let ok = parse("response_type=code&client_id=c&prompt=consent%20login").unwrap();
        assert_eq!(ok.prompt, vec![Prompt::Login, Prompt::Consent]);
    }

    #[test]
    fn req_18_nonce_required_for_front_channel_id_tokens() {
        for response_type in ["id_token", "id_token%20token", "code%20id_token"] {
            let error = parse(&format!("client_id=c&response_type={response_type}")).unwrap_err();
            assert_eq!(error.error.error, AuthorizationErrorCode::InvalidRequest);
            assert_eq!(error.response_mode, ResponseMode::Fragment);
            assert!(
                parse(&format!(
                    "client_id=c&response_type={response_type}&nonce=n"
                ))
                .is_ok()
            );
        }
        // Optional for the code flow and for `code token` (no front-channel ID token).
        assert!(parse("client_id=c&response_type=code").is_ok());
        assert!(parse("client_id=c&response_type=code%20token").is_ok());
    }

    #[test]
    fn req_20_oidc_hints_never_fail() {
        let request = parse(
            "response_type=code&client_id=c&display=weird&ui_locales=fr-CA%20fr%20en\
             &claims_locales=xx&login_hint=%E2%9C%93%20anything&acr_values=urn%3Aa%20b",
        )
        .unwrap();
        assert_eq!(request.display, Some(Display::Unknown("weird".into())));
        assert_eq!(request.ui_locales, vec!["fr-CA", "fr", "en"]);
        assert_eq!(request.acr_values, vec!["urn:a", "b"]);
    }

    #[test]
    fn req_12_unknown_response_mode_is_kept_for_a_400() {
        let request = parse("response_type=code&client_id=c&response_mode=query.jwt").unwrap();
        assert_eq!(
            request.effective_response_mode(),
            ResponseMode::Unknown("query.jwt".into())
        );
    }

    #[test]
    fn extension_parameters() {
        let request = parse(
            "response_type=code&client_id=c&code_challenge=E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM\
             &code_challenge_method=S256&max_age=0&dpop_jkt=NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs\
             &authorization_details=%5B%7B%22type%22%3A%22account_information%22%7D%5D\
             &claims=%7B%22id_token%22%3A%7B%22acr%22%3Anull%7D%7D&request_uri=urn%3Aietf%3Aparams%3Aoauth%3Arequest_uri%3Aabc",
        )
        .unwrap();
        assert_eq!(request.max_age, Some(0));
        assert!(request.code_challenge.is_some());
        assert_eq!(request.authorization_details.unwrap().len(), 1);
        assert!(request.claims.unwrap().id_token.is_some());
        assert!(request.dpop_jkt.is_some());
        let cases = [
            ("max_age=-1", AuthorizationErrorCode::InvalidRequest),
            ("max_age=%2B1", AuthorizationErrorCode::InvalidRequest),
            (
                "code_challenge=short",
                AuthorizationErrorCode::InvalidRequest,
            ),
            (
                "code_challenge_method=S256",
                AuthorizationErrorCode::InvalidRequest,
            ),
            ("scope=a%20%20b", AuthorizationErrorCode::InvalidScope),
            ("scope=%22", AuthorizationErrorCode::InvalidScope),
            (
                "authorization_details=%7B%7D",
                AuthorizationErrorCode::InvalidAuthorizationDetails,
            ),
            ("resource=relative", AuthorizationErrorCode::InvalidTarget),
            ("claims=%5B%5D", AuthorizationErrorCode::InvalidRequest),
            (
                "request=a&request_uri=urn%3Ax%3Ay",
                AuthorizationErrorCode::InvalidRequest,
            ),
            ("dpop_jkt=abc", AuthorizationErrorCode::InvalidRequest),
        ];
        for (extra, code) in cases {
            let error = parse(&format!("response_type=code&client_id=c&{extra}")).unwrap_err();
            assert_eq!(error.error.error, code, "{extra}");
        }
    }

    #[test]
    fn par_style_request_needs_only_client_id_and_request_uri() {
        let request =
            parse("client_id=c&request_uri=urn%3Aietf%3Aparams%3Aoauth%3Arequest_uri%3Aabc")
                .unwrap();
        assert_eq!(request.response_type, None);
        assert!(request.is_by_reference_or_value());
    }

    #[test]
    fn req_9_req_10_state_and_iss_echoed_on_success_and_error() {
        let state = State::parse("xyz \"odd\"").unwrap();
        let iss = Issuer::parse("https://server.example.com").unwrap();
        let success = AuthorizationResponse::code(
            AuthorizationCode::parse("SplxlOBeZQQYbYS6WxSbIA").unwrap(),
            Some(state.clone()),
            Some(iss.clone()),
        );
        let encoded = success.to_params().encode();
        assert_eq!(
            encoded,
            "code=SplxlOBeZQQYbYS6WxSbIA&state=xyz+%22odd%22&iss=https%3A%2F%2Fserver.example.com"
        );
        let parsed = AuthorizationCallback::parse(&Params::parse_query(&encoded).unwrap()).unwrap();
        assert_eq!(parsed, AuthorizationCallback::Success(success));

        let error = AuthorizationErrorRedirect {
            error: ErrorResponse::new(AuthorizationErrorCode::AccessDenied)
                .with_description("The user said no"),
            state: Some(state),
            iss: Some(iss),
        };
        let params = error.to_params();
        let names: Vec<&str> = params.iter().map(|(n, _)| n).collect();
        assert_eq!(names, ["error", "error_description", "state", "iss"]);
        let parsed = AuthorizationCallback::parse(&params).unwrap();
        assert_eq!(parsed, AuthorizationCallback::Error(error));
    }

    #[test]
    fn rfc_6749_section_4_1_2_examples() {
        // §4.1.2: Location: https://client.example.com/cb?code=SplxlOBeZQQYbYS6WxSbIA&state=xyz
        let callback = AuthorizationCallback::parse(
            &Params::parse_query("code=SplxlOBeZQQYbYS6WxSbIA&state=xyz").unwrap(),
        )
        .unwrap();
        let AuthorizationCallback::Success(success) = callback else {
            panic!("expected success");
        };
        assert_eq!(success.code.unwrap().as_str(), "SplxlOBeZQQYbYS6WxSbIA");
        // §4.1.2.1: Location: https://client.example.com/cb?error=access_denied&state=xyz
        let callback = AuthorizationCallback::parse(
            &Params::parse_query("error=access_denied&state=xyz").unwrap(),
        )
        .unwrap();
        let AuthorizationCallback::Error(error) = callback else {
            panic!("expected error");
        };
        assert_eq!(error.error.error, AuthorizationErrorCode::AccessDenied);
        assert_eq!(
            AuthorizationCallback::parse(&Params::parse_query("code=a&error=b").unwrap()),
            Err(CallbackError::Ambiguous)
        );
        // Found by fuzzing: a whitespace-only scope is no scope.
        let blank =
            AuthorizationCallback::parse(&Params::parse_query("code=a&scope=%0D%20").unwrap())
                .unwrap();
        let AuthorizationCallback::Success(blank) = blank else {
            panic!("expected success");
        };
        assert_eq!(blank.scope, None);
    }

    #[test]
    fn request_round_trips_through_its_url() {
        let mut request = parse(RFC_6749_4_1_1).unwrap();
        request.scope = Some(Scope::parse("openid profile").unwrap());
        request.prompt = vec![Prompt::Login];
        request.acr_values = vec!["a".into(), "b".into()];
        let url = request.to_url("https://server.example.com/authorize?tenant=1");
        assert!(
            url.starts_with("https://server.example.com/authorize?tenant=1&response_type=code")
        );
        let query = url.split_once('?').unwrap().1;
        let params = Params::parse_query(query).unwrap();
        assert_eq!(AuthorizationRequest::parse(&params).unwrap(), request);
    }

    proptest::proptest! {
        #[test]
        fn fields_are_read_as_by_lookups(
            pairs in proptest::collection::vec(
                (
                    proptest::prop_oneof![
                        proptest::sample::select(AUTHORIZATION_REQUEST_PARAMETERS),
                        proptest::sample::select(&["extra", "x", "resourc", "client_ids", ""][..]),
                    ],
                    "[a-z]{0,2}",
                ),
                0..12,
            ),
        ) {
            let params: Params = pairs.iter().map(|(n, v)| (*n, v.as_str())).collect();
            let mut fields = Fields::new();
            fields.read_params(&params, slot);
            proptest::prop_assert_eq!(
                fields.ensure_no_repeats(),
                params.ensure_no_repeats_except(&["resource"])
            );
            for name in AUTHORIZATION_REQUEST_PARAMETERS.iter().filter(|n| **n != "resource") {
                proptest::prop_assert_eq!(one(&fields, name), params.single(name).ok().flatten());
            }
            proptest::prop_assert!(fields.many(RESOURCE).eq(params.all("resource")));
            // The same, read straight from the query string (where a pair without a name is
            // dropped).
            let encoded = params.encode();
            let parsed = Params::parse_query(&encoded).unwrap();
            let mut expected = Fields::new();
            expected.read_params(&parsed, slot);
            let pairs = Pairs::new(encoded.as_bytes(), Some(&encoded), &ParamLimits::default());
            let mut direct = Fields::new();
            direct.read_pairs(pairs.unwrap(), slot).unwrap();
            proptest::prop_assert_eq!(Values::of(&direct), Values::of(&expected));
            proptest::prop_assert!(direct.many(RESOURCE).eq(expected.many(RESOURCE)));
            proptest::prop_assert_eq!(direct.ensure_no_repeats(), expected.ensure_no_repeats());
        }
    }

    proptest::proptest! {
        #[test]
        fn queries_and_bodies_parse_as_their_params(
            pairs in proptest::collection::vec(
                (
                    proptest::prop_oneof![
                        proptest::sample::select(AUTHORIZATION_REQUEST_PARAMETERS),
                        proptest::sample::select(&["extra", "client%5Fid", "st+ate", "%zz"][..]),
                    ],
                    proptest::sample::select(&[
                        "code", "s6BhdRkqt3", "https%3A%2F%2Fc.example%2Fcb", "openid+email",
                        "af0ifjsldkj", "S256", "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM",
                        "%C3%28", "%2", "a=b", "",
                    ][..]),
                ),
                0..10,
            ),
        ) {
            let query = pairs
                .iter()
                .map(|(n, v)| format!("{n}={v}"))
                .collect::<Vec<_>>()
                .join("&");
            let composed = |params: Result<Params, ParamsError>| {
                params
                    .map_err(|e| params_failure(&e))
                    .and_then(|params| AuthorizationRequest::parse(&params))
            };
            proptest::prop_assert_eq!(
                AuthorizationRequest::parse_query(&query),
                composed(Params::parse_query(&query))
            );
            let form = Some("application/x-www-form-urlencoded");
            proptest::prop_assert_eq!(
                AuthorizationRequest::parse_form(form, query.as_bytes()),
                composed(Params::parse_form(form, query.as_bytes()))
            );
        }
    }

    proptest::proptest! {
        #[test]
        fn responses_deliver_as_their_params(
            code in proptest::option::of("[ -~]{1,8}"),
            id_token in proptest::option::of("[ -~]{1,8}"),
            access_token in proptest::option::of("[ -~]{1,8}"),
            token_type in proptest::option::of(".{0,6}"),
            expires_in: Option<u64>,
            scope in proptest::option::of("[a-z]{1,3}( [a-z]{1,3}){0,2}|"),
            state in proptest::option::of("[ -~]{1,8}"),
            iss in proptest::option::of(proptest::sample::select(&["https://as.example", "https://as.example/t%20a"][..])),
            mode in proptest::sample::select(&["query", "fragment", "form_post", "jwt"][..]),
        ) {
            let response = AuthorizationResponse {
                code: code.map(|v| AuthorizationCode::parse(&v).unwrap()),
                id_token: id_token.map(|v| TokenString::parse(&v).unwrap()),
                access_token: access_token.map(|v| AccessToken::parse(&v).unwrap()),
                token_type: token_type.map(|v| TokenType::from_wire(&v)),
                expires_in,
                scope: scope.map(|v| Scope::parse(&v).unwrap_or_else(|_| Scope::parse("a").unwrap())),
                state: state.map(|v| State::parse(&v).unwrap()),
                iss: iss.map(|v| Issuer::parse(v).unwrap()),
            };
            let registered = [crate::RegisteredRedirectUri::parse("https://client.example/cb?x=1").unwrap()];
            let target = crate::select_redirect_uri(
                &registered,
                None,
                crate::RedirectUriParameter::OptionalWithSingleRegistration,
            )
            .unwrap();
            let mode = ResponseMode::from_wire(mode);
            proptest::prop_assert_eq!(
                response.deliver(&target, &mode),
                deliver(&target, &mode, &response.to_params())
            );
        }
    }
}

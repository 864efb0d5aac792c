//! Logout: the RP-Initiated Logout request (OpenID Connect RP-Initiated Logout 1.0 §2) and the
//! Back-Channel Logout token claims and request (OpenID Connect Back-Channel Logout 1.0 §2.4,
//! §2.5). Signing and verifying the logout token is `ostium-jose`'s work.

use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::claims::Audience;
use crate::params::{Params, ParamsError};
use crate::values::{ClientId, State, TokenString, ValueError};

/// The `events` member that marks a logout token (Back-Channel Logout §2.4).
pub const BACKCHANNEL_LOGOUT_EVENT: &str = "http://schemas.openid.net/event/backchannel-logout";

/// An RP-initiated logout request to the `end_session_endpoint` (RP-Initiated Logout §2), by
/// GET or form POST. The `post_logout_redirect_uri` must then be matched exactly against the
/// client's registered `post_logout_redirect_uris` ([`crate::RegisteredRedirectUri::matches`]).
#[derive(Clone, Debug, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct LogoutRequest {
    /// `id_token_hint` (RECOMMENDED).
    pub id_token_hint: Option<TokenString>,
    /// `logout_hint`.
    pub logout_hint: Option<String>,
    /// `client_id`.
    pub client_id: Option<ClientId>,
    /// `post_logout_redirect_uri`.
    pub post_logout_redirect_uri: Option<crate::redirect_uri::RedirectUri>,
    /// `state`, returned on the post-logout redirect.
    pub state: Option<State>,
    /// `ui_locales`.
    pub ui_locales: Vec<String>,
}

/// Why a logout request was refused.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum LogoutRequestError {
    /// Repeated or malformed parameters.
    Params(ParamsError),
    /// A malformed value; the text names it.
    Invalid(String),
}

impl fmt::Display for LogoutRequestError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Params(e) => e.fmt(f),
            Self::Invalid(text) => f.write_str(text),
        }
    }
}

impl std::error::Error for LogoutRequestError {}

impl LogoutRequest {
    /// Parses the parameters.
    ///
    /// # Errors
    ///
    /// [`LogoutRequestError`]: the end-session endpoint shows an error page, it never
    /// redirects on error.
    pub fn parse(params: &Params) -> Result<Self, LogoutRequestError> {
        params
            .ensure_no_repeats()
            .map_err(LogoutRequestError::Params)?;
        let single = |name| params.single(name).ok().flatten();
        let invalid = |e: ValueError| LogoutRequestError::Invalid(e.to_string());
        Ok(Self {
            id_token_hint: single("id_token_hint")
                .map(TokenString::parse)
                .transpose()
                .map_err(invalid)?,
            logout_hint: single("logout_hint").map(str::to_owned),
            client_id: single("client_id")
                .map(ClientId::parse)
                .transpose()
                .map_err(invalid)?,
            post_logout_redirect_uri: single("post_logout_redirect_uri")
                .map(crate::redirect_uri::RedirectUri::parse)
                .transpose()
                .map_err(|e| LogoutRequestError::Invalid(e.to_string()))?,
            state: single("state")
                .map(State::parse)
                .transpose()
                .map_err(invalid)?,
            ui_locales: single("ui_locales")
                .map(|v| {
                    v.split(' ')
                        .filter(|s| !s.is_empty())
                        .map(str::to_owned)
                        .collect()
                })
                .unwrap_or_default(),
        })
    }

    /// The parameters, for the client to send.
    pub fn to_params(&self) -> Params {
        let mut params = Params::new();
        params.push_opt(
            "id_token_hint",
            self.id_token_hint.as_ref().map(TokenString::as_str),
        );
        params.push_opt("logout_hint", self.logout_hint.clone());
        params.push_opt("client_id", self.client_id.as_ref().map(ClientId::as_str));
        params.push_opt(
            "post_logout_redirect_uri",
            self.post_logout_redirect_uri.as_ref().map(|u| u.as_str()),
        );
        params.push_opt("state", self.state.as_ref().map(State::as_str));
        if !self.ui_locales.is_empty() {
            params.push("ui_locales", self.ui_locales.join(" "));
        }
        params
    }
}

/// Logout token claims (Back-Channel Logout §2.4).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct LogoutTokenClaims {
    /// Issuer.
    pub iss: String,
    /// Subject (this or `sid` is required).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sub: Option<String>,
    /// Audience: the client.
    pub aud: Audience,
    /// Issue time.
    pub iat: i64,
    /// Expiry (RECOMMENDED at most two minutes after `iat`).
    pub exp: i64,
    /// Unique identifier, for replay detection.
    pub jti: String,
    /// Must hold [`BACKCHANNEL_LOGOUT_EVENT`] with an object value.
    pub events: BTreeMap<String, Value>,
    /// Session ID.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sid: Option<String>,
    /// Other claims (a `nonce` among them makes the token invalid).
    #[serde(flatten)]
    pub extra: BTreeMap<String, Value>,
}

impl LogoutTokenClaims {
    /// Parses a logout token payload (after `ostium-jose` verified the signature).
    ///
    /// # Errors
    ///
    /// [`crate::JsonError`] for missing claims or wrong types.
    pub fn parse_json(payload: &[u8]) -> Result<Self, crate::JsonError> {
        crate::json::from_slice(payload)
    }

    /// Checks the shape rules of §2.4 (the signature, `iss`, `aud`, `iat` and `jti` replay are
    /// checked by the client with `ostium-jose`).
    ///
    /// # Errors
    ///
    /// A description of the broken rule.
    pub fn validate_shape(&self) -> Result<(), &'static str> {
        if !self
            .events
            .get(BACKCHANNEL_LOGOUT_EVENT)
            .is_some_and(Value::is_object)
        {
            return Err("events must contain the back-channel logout event with an object value");
        }
        if self.sub.is_none() && self.sid.is_none() {
            return Err("a logout token must contain sub or sid");
        }
        if self.extra.contains_key("nonce") {
            return Err("a logout token must not contain nonce");
        }
        Ok(())
    }
}

/// The back-channel logout request an OP POSTs to the RP: `logout_token=<JWT>`
/// (Back-Channel Logout §2.5).
///
/// # Errors
///
/// [`LogoutRequestError`] for a missing, repeated or malformed `logout_token`; the RP answers
/// 400 (§2.8).
pub fn parse_backchannel_logout(
    content_type: Option<&str>,
    body: &[u8],
) -> Result<TokenString, LogoutRequestError> {
    let params = Params::parse_form(content_type, body).map_err(LogoutRequestError::Params)?;
    params
        .ensure_no_repeats()
        .map_err(LogoutRequestError::Params)?;
    let token = params
        .single("logout_token")
        .ok()
        .flatten()
        .ok_or_else(|| LogoutRequestError::Invalid("logout_token is required".into()))?;
    TokenString::parse(token).map_err(|e| LogoutRequestError::Invalid(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rp_initiated_logout_round_trip() {
        let params = Params::parse_query(
            "id_token_hint=eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiIxIn0.c2ln&post_logout_redirect_uri=https%3A%2F%2Fclient.example.org%2Fbye&state=af0ifjsldkj&ui_locales=fr%20en",
        )
        .unwrap();
        let request = LogoutRequest::parse(&params).unwrap();
        assert_eq!(request.ui_locales, ["fr", "en"]);
        assert_eq!(LogoutRequest::parse(&request.to_params()).unwrap(), request);
        let repeated = Params::parse_query("state=a&state=b").unwrap();
        assert!(LogoutRequest::parse(&repeated).is_err());
    }

    #[test]
    fn backchannel_logout_token_example() {
        // Back-Channel Logout §2.4 example claims.
        let claims: LogoutTokenClaims = serde_json::from_str(
            r#"{"iss":"https://server.example.com","sub":"248289761001","aud":"s6BhdRkqt3",
            "iat":1471566154,"exp":1471569754,"jti":"bWJq","sid":"08a5019c-17e1-4977-8f42-65a12843ea02",
            "events":{"http://schemas.openid.net/event/backchannel-logout":{}}}"#,
        )
        .unwrap();
        assert!(claims.validate_shape().is_ok());
        let mut with_nonce = claims.clone();
        with_nonce.extra.insert("nonce".into(), Value::from("n"));
        assert!(with_nonce.validate_shape().is_err());
        let mut no_event = claims.clone();
        no_event.events.clear();
        assert!(no_event.validate_shape().is_err());
        let mut anonymous = claims;
        anonymous.sub = None;
        anonymous.sid = None;
        assert!(anonymous.validate_shape().is_err());
        let token = parse_backchannel_logout(
            Some("application/x-www-form-urlencoded"),
            b"logout_token=eyJhbGci.eyJpc3Mi.c2ln",
        )
        .unwrap();
        assert_eq!(token.as_str(), "eyJhbGci.eyJpc3Mi.c2ln");
        assert!(
            parse_backchannel_logout(Some("application/x-www-form-urlencoded"), b"x=1").is_err()
        );
    }
}

//! Token introspection (RFC 7662): request (§2.1) and response (§2.2).
//!
//! An inactive, unknown or not-permitted token gets `{"active":false}` and nothing else
//! (§2.2; checklist item 54): [`IntrospectionResponse::inactive`] writes exactly that, and
//! [`IntrospectionResponse::to_response`] drops every other member when `active` is false.

use std::collections::BTreeMap;

use ostium_scope::{AuthorizationDetails, Scope};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::claims::Audience;
use crate::client_auth::{ClientAuthentication, split_credentials};
use crate::error::{ErrorResponse, TokenErrorCode};
use crate::json::JsonError;
use crate::request::HttpRequest;
use crate::response::HttpResponse;
use crate::revocation::TokenOperationRequest;
use crate::token::{Leniency, back_channel_params, lenient_seconds};
use crate::values::AccessToken;

/// Who asks: a client authenticating as at the token endpoint, or a resource server with its
/// own access token (RFC 7662 §2.1).
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum IntrospectionCaller {
    /// Client authentication.
    Client(ClientAuthentication),
    /// `Authorization: Bearer`.
    Bearer(AccessToken),
}

/// An introspection request (RFC 7662 §2.1).
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct IntrospectionRequest {
    /// `token` and `token_type_hint` (the caller's client authentication is in `caller`).
    pub token: TokenOperationRequest,
    /// The caller.
    pub caller: IntrospectionCaller,
}

impl IntrospectionRequest {
    /// Parses an introspection request.
    ///
    /// # Errors
    ///
    /// `invalid_request` / `invalid_client` (401) as for the token endpoint.
    pub fn parse(request: &HttpRequest<'_>) -> Result<Self, ErrorResponse<TokenErrorCode>> {
        let params = back_channel_params(request, &[])?;
        let bearer = request
            .authorization
            .and_then(|value| split_credentials(value, "Bearer"));
        let (caller, client_auth) = match bearer {
            Some(token) => {
                let token = AccessToken::parse(token).map_err(|e| {
                    ErrorResponse::new(TokenErrorCode::InvalidClient)
                        .with_description(&e.to_string())
                })?;
                let client_auth = ClientAuthentication::parse(None, &params)?;
                (IntrospectionCaller::Bearer(token), client_auth)
            }
            None => {
                let client_auth = ClientAuthentication::parse(request.authorization, &params)?;
                (
                    IntrospectionCaller::Client(client_auth.clone()),
                    client_auth,
                )
            }
        };
        let token = TokenOperationRequest::from_params(&params, client_auth)?;
        Ok(Self { token, caller })
    }
}

/// An introspection response (RFC 7662 §2.2), with RFC 9396 §9.2 `authorization_details` and
/// RFC 8705 §3.2 / RFC 9449 §6.2 `cnf`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct IntrospectionResponse {
    /// Whether the token is active (required).
    pub active: bool,
    /// `scope`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scope: Option<Scope>,
    /// `client_id`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_id: Option<String>,
    /// `username`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub username: Option<String>,
    /// `token_type`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub token_type: Option<String>,
    /// `exp`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exp: Option<i64>,
    /// `iat`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub iat: Option<i64>,
    /// `nbf`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nbf: Option<i64>,
    /// `sub`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sub: Option<String>,
    /// `aud`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub aud: Option<Audience>,
    /// `iss`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub iss: Option<String>,
    /// `jti`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub jti: Option<String>,
    /// `cnf` confirmation (`jkt` for DPoP, `x5t#S256` for mTLS).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cnf: Option<Value>,
    /// `authorization_details`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub authorization_details: Option<AuthorizationDetails>,
    /// Other members.
    #[serde(flatten)]
    pub extra: BTreeMap<String, Value>,
}

impl IntrospectionResponse {
    /// `{"active":false}` (RFC 7662 §2.2).
    pub fn inactive() -> Self {
        Self::default()
    }

    /// The 200 JSON response. When `active` is false, only `{"active":false}` is written, so
    /// nothing about an inactive token leaks.
    pub fn to_response(&self) -> HttpResponse {
        if self.active {
            HttpResponse::json(200, self)
        } else {
            HttpResponse::json(200, &Self::inactive())
        }
    }

    /// Parses a response strictly.
    ///
    /// # Errors
    ///
    /// [`JsonError`].
    pub fn parse_json(body: &[u8]) -> Result<Self, JsonError> {
        crate::json::from_slice(body)
    }

    /// Parses a response leniently (`scope` as an array, time values as strings).
    ///
    /// # Errors
    ///
    /// [`JsonError`].
    pub fn parse_json_lenient(body: &[u8], leniency: Leniency) -> Result<Self, JsonError> {
        let mut object: serde_json::Map<String, Value> = crate::json::from_slice(body)?;
        if leniency.expires_in_as_string {
            for name in ["exp", "iat", "nbf"] {
                if let Some(slot) = object.get_mut(name)
                    && let Some(seconds) = lenient_seconds(slot)
                {
                    *slot = Value::from(seconds);
                }
            }
        }
        if leniency.scope_as_array {
            if let Some(slot) = object.get_mut("scope") {
                let scope = Scope::from_json_lenient(slot)
                    .map_err(|e| JsonError::Invalid(format!("scope: {e}")))?;
                *slot = Value::String(scope.to_string());
            }
            if object.get("scope") == Some(&Value::String(String::new())) {
                object.remove("scope");
            }
        }
        serde_json::from_value(Value::Object(object))
            .map_err(|e| JsonError::Invalid(crate::params::clip_long(&e.to_string())))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc_7662_section_2_1_example_request() {
        let request = HttpRequest::form_post(b"token=mF_9.B5f-4.1JqM&token_type_hint=access_token")
            .with_authorization("Basic czZCaGRSa3F0MzpnWDFmQmF0M2JW");
        let parsed = IntrospectionRequest::parse(&request).unwrap();
        assert_eq!(parsed.token.token.as_str(), "mF_9.B5f-4.1JqM");
        assert!(matches!(
            parsed.caller,
            IntrospectionCaller::Client(ClientAuthentication::ClientSecretBasic { .. })
        ));
        let bearer = HttpRequest::form_post(b"token=mF_9.B5f-4.1JqM")
            .with_authorization("Bearer 23410913-abewfq.123483");
        let parsed = IntrospectionRequest::parse(&bearer).unwrap();
        assert!(matches!(parsed.caller, IntrospectionCaller::Bearer(_)));
    }

    #[test]
    fn rfc_7662_section_2_2_example_response() {
        let body = br#"{
      "active": true,
      "client_id": "l238j323ds-23ij4",
      "username": "jdoe",
      "scope": "read write dolphin",
      "sub": "Z5O3upPC88QrAjx00dis",
      "aud": "https://protected.example.net/resource",
      "iss": "https://server.example.com/",
      "exp": 1419356238,
      "iat": 1419350238,
      "extension_field": "twenty-seven"
     }"#;
        let response = IntrospectionResponse::parse_json(body).unwrap();
        assert!(response.active);
        assert!(response.scope.as_ref().unwrap().contains("dolphin"));
        assert_eq!(response.extra["extension_field"], "twenty-seven");
        let written = response.to_response();
        assert_eq!(
            IntrospectionResponse::parse_json(written.body()).unwrap(),
            response
        );
    }

    #[test]
    fn req_54_inactive_token_reveals_nothing() {
        let mut response =
            IntrospectionResponse::parse_json(br#"{"active":true,"sub":"x","scope":"a"}"#).unwrap();
        response.active = false;
        let http = response.to_response();
        assert_eq!(http.status(), 200);
        assert_eq!(http.body(), br#"{"active":false}"#);
        assert_eq!(
            IntrospectionResponse::inactive().to_response().body(),
            br#"{"active":false}"#
        );
        let bad = IntrospectionRequest::parse(
            &HttpRequest::form_post(b"token=x").with_authorization("Basic !!"),
        )
        .unwrap_err();
        assert_eq!(HttpResponse::token_error(&bad, "as").status(), 401);
    }

    #[test]
    fn lenient_introspection() {
        let body = br#"{"active":true,"scope":["a","b"],"exp":"1419356238"}"#;
        assert!(IntrospectionResponse::parse_json(body).is_err());
        let parsed = IntrospectionResponse::parse_json_lenient(body, Leniency::ALL).unwrap();
        assert_eq!(parsed.exp, Some(1_419_356_238));
        assert_eq!(parsed.scope.unwrap().to_string(), "a b");
    }
}

//! Device authorization (RFC 8628): the device authorization request (§3.1) and response
//! (§3.2). The polling token request is [`crate::Grant::DeviceCode`]; its errors
//! (`authorization_pending`, `slow_down`, `access_denied`, `expired_token`, §3.5) are
//! [`crate::TokenErrorCode`] variants.

use ostium_scope::Scope;
use serde::{Deserialize, Serialize};

use crate::client_auth::ClientAuthentication;
use crate::error::{ErrorResponse, TokenErrorCode};
use crate::json::JsonError;
use crate::params::Params;
use crate::request::HttpRequest;
use crate::response::HttpResponse;
use crate::token::{Leniency, back_channel_params, lenient_seconds};
use crate::values::{AbsoluteUri, DeviceCode, UserCode};

/// A device authorization request (RFC 8628 §3.1).
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct DeviceAuthorizationRequest {
    /// The client authentication (`none` with `client_id` for public clients).
    pub client_auth: ClientAuthentication,
    /// `scope`.
    pub scope: Option<Scope>,
    /// `resource` indicators (RFC 8707).
    pub resource: Vec<AbsoluteUri>,
}

impl DeviceAuthorizationRequest {
    /// Parses the request.
    ///
    /// # Errors
    ///
    /// `invalid_request`, `invalid_client`, `invalid_scope`, `invalid_target`.
    pub fn parse(request: &HttpRequest<'_>) -> Result<Self, ErrorResponse<TokenErrorCode>> {
        let params = back_channel_params(request, &["resource"])?;
        let client_auth = ClientAuthentication::parse(request.authorization, &params)?;
        let scope = params
            .single("scope")
            .ok()
            .flatten()
            .map(|s| {
                Scope::parse(s).map_err(|e| {
                    ErrorResponse::new(TokenErrorCode::InvalidScope)
                        .with_description(&format!("scope: {e}"))
                })
            })
            .transpose()?;
        let resource = params
            .all("resource")
            .map(|v| {
                AbsoluteUri::parse(v).map_err(|e| {
                    ErrorResponse::new(TokenErrorCode::InvalidTarget)
                        .with_description(&format!("resource: {e}"))
                })
            })
            .collect::<Result<_, _>>()?;
        Ok(Self {
            client_auth,
            scope,
            resource,
        })
    }

    /// The form body and `Authorization` header value, as a client sends them.
    pub fn to_form(&self) -> (Params, Option<String>) {
        let mut params = Params::new();
        params.push_opt("scope", self.scope.as_ref().map(ToString::to_string));
        for resource in &self.resource {
            params.push("resource", resource.as_str());
        }
        let authorization = self.client_auth.apply(&mut params);
        (params, authorization)
    }
}

/// A device authorization response (RFC 8628 §3.2).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct DeviceAuthorizationResponse {
    /// `device_code` (secret).
    pub device_code: DeviceCode,
    /// `user_code`.
    pub user_code: UserCode,
    /// `verification_uri`.
    pub verification_uri: AbsoluteUri,
    /// `verification_uri_complete`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub verification_uri_complete: Option<AbsoluteUri>,
    /// `expires_in`, seconds.
    pub expires_in: u64,
    /// `interval`, seconds between polls (default 5).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub interval: Option<u64>,
}

impl DeviceAuthorizationResponse {
    /// A response with the required members; `verification_uri_complete` and `interval` are
    /// left out (set the fields to send them).
    pub fn new(
        device_code: DeviceCode,
        user_code: UserCode,
        verification_uri: AbsoluteUri,
        expires_in: u64,
    ) -> Self {
        Self {
            device_code,
            user_code,
            verification_uri,
            verification_uri_complete: None,
            expires_in,
            interval: None,
        }
    }

    /// The 200 JSON response, not cached.
    pub fn to_response(&self) -> HttpResponse {
        HttpResponse::json(200, self)
    }

    /// Parses a response strictly.
    ///
    /// # Errors
    ///
    /// [`JsonError`].
    pub fn parse_json(body: &[u8]) -> Result<Self, JsonError> {
        crate::json::from_slice(body)
    }

    /// Parses a response leniently: `expires_in` and `interval` as strings, and the
    /// `verification_url` spelling some providers use.
    ///
    /// # Errors
    ///
    /// [`JsonError`].
    pub fn parse_json_lenient(body: &[u8], leniency: Leniency) -> Result<Self, JsonError> {
        let mut object: serde_json::Map<String, serde_json::Value> = crate::json::from_slice(body)?;
        if leniency.expires_in_as_string {
            for name in ["expires_in", "interval"] {
                if let Some(slot) = object.get_mut(name)
                    && let Some(seconds) = lenient_seconds(slot)
                {
                    *slot = serde_json::Value::from(seconds);
                }
            }
        }
        if !object.contains_key("verification_uri")
            && let Some(url) = object.remove("verification_url")
        {
            object.insert("verification_uri".into(), url);
        }
        serde_json::from_value(serde_json::Value::Object(object))
            .map_err(|e| JsonError::Invalid(crate::params::clip_long(&e.to_string())))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc_8628_section_3_1_request() {
        let request = DeviceAuthorizationRequest::parse(&HttpRequest::form_post(
            b"client_id=1406020730&scope=example_scope",
        ))
        .unwrap();
        assert_eq!(
            request.client_auth.client_id().unwrap().as_str(),
            "1406020730"
        );
        assert!(request.scope.unwrap().contains("example_scope"));
    }

    #[test]
    fn rfc_8628_section_3_2_response() {
        let body = br#"{
      "device_code": "GmRhmhcxhwAzkoEqiMEg_DnyEysNkuNhszIySk9eS",
      "user_code": "WDJB-MJHT",
      "verification_uri": "https://example.com/device",
      "verification_uri_complete":
          "https://example.com/device?user_code=WDJB-MJHT",
      "expires_in": 1800,
      "interval": 5
    }"#;
        let response = DeviceAuthorizationResponse::parse_json(body).unwrap();
        assert_eq!(response.user_code.as_str(), "WDJB-MJHT");
        assert_eq!(response.expires_in, 1800);
        let written = response.to_response();
        assert_eq!(written.header("cache-control"), Some("no-store"));
        assert_eq!(
            DeviceAuthorizationResponse::parse_json(written.body()).unwrap(),
            response
        );
        assert!(!format!("{response:?}").contains("GmRhmhcx"));
    }

    #[test]
    fn lenient_device_response() {
        let body = br#"{"device_code":"d","user_code":"u","verification_url":"https://example.com/device","expires_in":"1800","interval":"5"}"#;
        assert!(DeviceAuthorizationResponse::parse_json(body).is_err());
        let parsed = DeviceAuthorizationResponse::parse_json_lenient(body, Leniency::ALL).unwrap();
        assert_eq!(parsed.interval, Some(5));
    }

    #[test]
    fn req_56_device_grant_errors_are_token_errors() {
        for (code, wire) in [
            (
                TokenErrorCode::AuthorizationPending,
                "authorization_pending",
            ),
            (TokenErrorCode::SlowDown, "slow_down"),
            (TokenErrorCode::AccessDenied, "access_denied"),
            (TokenErrorCode::ExpiredToken, "expired_token"),
        ] {
            let response = HttpResponse::token_error(&ErrorResponse::new(code), "as");
            assert_eq!(response.status(), 400);
            assert_eq!(
                response.body(),
                format!("{{\"error\":\"{wire}\"}}").as_bytes()
            );
        }
    }
}

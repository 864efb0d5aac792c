//! Pushed authorization requests (RFC 9126): the request (§2.1) and the 201 response (§2.2).
//!
//! The body holds the authorization request parameters and the client authentication. A
//! `request_uri` inside it is refused (§2.1; checklist item 55). Authorization request errors are
//! answered in the RFC 6749 §5.2 JSON form with the same code (§2.3).

use serde::{Deserialize, Serialize};

use crate::authorization::AuthorizationRequest;
use crate::client_auth::{CLIENT_AUTH_PARAMETERS, ClientAuthentication};
use crate::error::{AuthorizationErrorCode, ErrorResponse, TokenErrorCode};
use crate::json::JsonError;
use crate::params::Params;
use crate::request::HttpRequest;
use crate::response::HttpResponse;
use crate::token::back_channel_params;
use crate::values::AbsoluteUri;

/// A pushed authorization request (RFC 9126 §2.1).
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct PushedAuthorizationRequest {
    /// The client authentication.
    pub client_auth: ClientAuthentication,
    /// The authorization request.
    pub request: AuthorizationRequest,
}

impl PushedAuthorizationRequest {
    /// A request to push, as a client builds it.
    pub fn new(client_auth: ClientAuthentication, request: AuthorizationRequest) -> Self {
        Self {
            client_auth,
            request,
        }
    }

    /// Parses the request.
    ///
    /// # Errors
    ///
    /// `invalid_request` (including a `request_uri` in the body), `invalid_client`, and the
    /// authorization request's own codes (`invalid_scope`, `unsupported_response_type`, ...).
    pub fn parse(request: &HttpRequest<'_>) -> Result<Self, ErrorResponse<TokenErrorCode>> {
        let params = back_channel_params(request, &["resource"])?;
        let client_auth = ClientAuthentication::parse(request.authorization, &params)?;
        if params.contains("request_uri") {
            return Err(ErrorResponse::new(TokenErrorCode::InvalidRequest)
                .with_description("request_uri must not be pushed"));
        }
        // The authorization request proper, without the authentication parameters; with HTTP
        // Basic the client_id comes from the header.
        let mut inner: Params = params
            .iter()
            .filter(|(name, _)| !CLIENT_AUTH_PARAMETERS.contains(name) || *name == "client_id")
            .collect();
        if !inner.contains("client_id")
            && let Some(client_id) = client_auth.client_id()
        {
            inner.push("client_id", client_id.as_str());
        }
        let request = AuthorizationRequest::parse(&inner).map_err(|e| to_token_error(&e.error))?;
        Ok(Self {
            client_auth,
            request,
        })
    }

    /// The form body and `Authorization` header value, as a client sends them.
    pub fn to_form(&self) -> (Params, Option<String>) {
        let mut params = self.request.to_params();
        let authorization = match &self.client_auth {
            ClientAuthentication::ClientSecretBasic { .. } => self.client_auth.apply(&mut params),
            other => {
                // The client_id is already among the authorization parameters.
                let mut extra = Params::new();
                let header = other.apply(&mut extra);
                for (name, value) in extra.iter().filter(|(n, _)| *n != "client_id") {
                    params.push(name, value);
                }
                header
            }
        };
        (params, authorization)
    }
}

/// Carries an authorization error code over to the JSON form (RFC 9126 §2.3).
fn to_token_error(error: &ErrorResponse<AuthorizationErrorCode>) -> ErrorResponse<TokenErrorCode> {
    ErrorResponse {
        error: TokenErrorCode::from_wire(&error.error.as_str()),
        error_description: error.error_description.clone(),
        error_uri: error.error_uri.clone(),
    }
}

/// The PAR response (RFC 9126 §2.2), sent with status 201.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct PushedAuthorizationResponse {
    /// `request_uri`, e.g. `urn:ietf:params:oauth:request_uri:<reference>`.
    pub request_uri: AbsoluteUri,
    /// `expires_in`, seconds (FAPI 2.0: under 600).
    pub expires_in: u64,
}

impl PushedAuthorizationResponse {
    /// A response.
    pub fn new(request_uri: AbsoluteUri, expires_in: u64) -> Self {
        Self {
            request_uri,
            expires_in,
        }
    }

    /// The 201 JSON response (RFC 9126 §2.2).
    pub fn to_response(&self) -> HttpResponse {
        HttpResponse::json(201, self)
    }

    /// Parses a response.
    ///
    /// # Errors
    ///
    /// [`JsonError`].
    pub fn parse_json(body: &[u8]) -> Result<Self, JsonError> {
        crate::json::from_slice(body)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const RFC_9126_2_1: &[u8] = b"response_type=code\
        &state=af0ifjsldkj&client_id=s6BhdRkqt3\
        &redirect_uri=https%3A%2F%2Fclient.example.org%2Fcb\
        &code_challenge=K2-ltc83acc4h0c9w6ESC_rEMTJ3bww-uCHaoeK1t8U\
        &code_challenge_method=S256&scope=account-information";

    #[test]
    fn rfc_9126_section_2_1_example() {
        let request = HttpRequest::form_post(RFC_9126_2_1)
            .with_authorization("Basic czZCaGRSa3F0Mzo3RmpmcDBaQnIxS3REUmJuZlZkbUl3");
        let parsed = PushedAuthorizationRequest::parse(&request).unwrap();
        assert_eq!(parsed.request.client_id.as_str(), "s6BhdRkqt3");
        assert_eq!(
            parsed.request.state.as_ref().unwrap().as_str(),
            "af0ifjsldkj"
        );
        let (params, authorization) = parsed.to_form();
        let body = params.encode();
        let again = PushedAuthorizationRequest::parse(
            &HttpRequest::form_post(body.as_bytes()).with_authorization(&authorization.unwrap()),
        )
        .unwrap();
        assert_eq!(again, parsed);
    }

    #[test]
    fn req_55_par_refuses_request_uri_and_answers_201() {
        let body = [
            RFC_9126_2_1,
            b"&request_uri=urn%3Aietf%3Aparams%3Aoauth%3Arequest_uri%3Ax",
        ]
        .concat();
        let error = PushedAuthorizationRequest::parse(
            &HttpRequest::form_post(&body)
                .with_authorization("Basic czZCaGRSa3F0Mzo3RmpmcDBaQnIxS3REUmJuZlZkbUl3"),
        )
        .unwrap_err();
        assert_eq!(error.error, TokenErrorCode::InvalidRequest);
        let response = PushedAuthorizationResponse::new(
            AbsoluteUri::parse("urn:ietf:params:oauth:request_uri:6esc_11ACC5bwc014ltc14eY22c")
                .unwrap(),
            60,
        )
        .to_response();
        assert_eq!(response.status(), 201);
        assert_eq!(
            response.body(),
            br#"{"request_uri":"urn:ietf:params:oauth:request_uri:6esc_11ACC5bwc014ltc14eY22c","expires_in":60}"#
        );
        let bad_scope = [RFC_9126_2_1, b"%20%22"].concat();
        let error = PushedAuthorizationRequest::parse(
            &HttpRequest::form_post(&bad_scope)
                .with_authorization("Basic czZCaGRSa3F0Mzo3RmpmcDBaQnIxS3REUmJuZlZkbUl3"),
        )
        .unwrap_err();
        assert_eq!(error.error, TokenErrorCode::InvalidScope);
        let get = HttpRequest {
            method: "GET",
            ..HttpRequest::form_post(RFC_9126_2_1)
        };
        assert!(PushedAuthorizationRequest::parse(&get).is_err());
    }
}

//! Dynamic client registration: client metadata (RFC 7591 §2; OIDC Registration §2; RP-Initiated
//! Logout §3.1; Back-Channel Logout §2.2; RFC 9449 §5.2; RFC 9396 §10), the registration request
//! (RFC 7591 §3.1), the client information response (RFC 7591 §3.2.1; RFC 7592 §3) and errors
//! (RFC 7591 §3.2.2).
//!
//! [`ClientMetadata::validate`] applies the registration rules: every redirect URI passes
//! [`RegisteredRedirectUri::parse`] (`invalid_redirect_uri`: fragments, `http` other than
//! loopback, ...), URLs are absolute, `jwks` and `jwks_uri` are not both present
//! (`invalid_client_metadata`).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::error::{ErrorResponse, RegistrationErrorCode};
use crate::json::JsonError;
use crate::redirect_uri::RegisteredRedirectUri;
use crate::response::HttpResponse;
use crate::values::{AbsoluteUri, ClientId, ClientSecret, TokenString};

macro_rules! optional_fields {
    ($(#[$meta:meta])* pub struct $name:ident { $( $(#[$fmeta:meta])* $field:ident : $ty:ty, )* } extra) => {
        $(#[$meta])*
        #[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
        #[non_exhaustive]
        pub struct $name {
            $(
                $(#[$fmeta])*
                #[serde(default, skip_serializing_if = "Option::is_none")]
                pub $field: Option<$ty>,
            )*
            /// Other members (extensions, localized `client_name#ja-Jpan-JP` forms).
            #[serde(flatten)]
            pub extra: BTreeMap<String, Value>,
        }
    };
}

optional_fields! {
    /// Client metadata (RFC 7591 §2, OIDC Registration §2 and the extensions in the module
    /// docs). Every field is optional on the wire; the server fills defaults.
    pub struct ClientMetadata {
        /// `redirect_uris`.
        redirect_uris: Vec<RegisteredRedirectUri>,
        /// `token_endpoint_auth_method`.
        token_endpoint_auth_method: String,
        /// `grant_types`.
        grant_types: Vec<String>,
        /// `response_types`.
        response_types: Vec<String>,
        /// `client_name`.
        client_name: String,
        /// `client_uri`.
        client_uri: AbsoluteUri,
        /// `logo_uri`.
        logo_uri: AbsoluteUri,
        /// `scope`.
        scope: String,
        /// `contacts`.
        contacts: Vec<String>,
        /// `tos_uri`.
        tos_uri: AbsoluteUri,
        /// `policy_uri`.
        policy_uri: AbsoluteUri,
        /// `jwks_uri`.
        jwks_uri: AbsoluteUri,
        /// `jwks`, a JWK Set kept as JSON for `ostium-jose`.
        jwks: Value,
        /// `software_id`.
        software_id: String,
        /// `software_version`.
        software_version: String,
        /// `software_statement`, a JWT kept as a string.
        software_statement: TokenString,
        /// `application_type` (`web` or `native`, OIDC Registration §2).
        application_type: String,
        /// `sector_identifier_uri`.
        sector_identifier_uri: AbsoluteUri,
        /// `subject_type` (`public` or `pairwise`).
        subject_type: String,
        /// `id_token_signed_response_alg`.
        id_token_signed_response_alg: String,
        /// `id_token_encrypted_response_alg`.
        id_token_encrypted_response_alg: String,
        /// `id_token_encrypted_response_enc`.
        id_token_encrypted_response_enc: String,
        /// `userinfo_signed_response_alg`.
        userinfo_signed_response_alg: String,
        /// `userinfo_encrypted_response_alg`.
        userinfo_encrypted_response_alg: String,
        /// `userinfo_encrypted_response_enc`.
        userinfo_encrypted_response_enc: String,
        /// `request_object_signing_alg`.
        request_object_signing_alg: String,
        /// `request_object_encryption_alg`.
        request_object_encryption_alg: String,
        /// `request_object_encryption_enc`.
        request_object_encryption_enc: String,
        /// `token_endpoint_auth_signing_alg`.
        token_endpoint_auth_signing_alg: String,
        /// `default_max_age`.
        default_max_age: u64,
        /// `require_auth_time`.
        require_auth_time: bool,
        /// `default_acr_values`.
        default_acr_values: Vec<String>,
        /// `initiate_login_uri`.
        initiate_login_uri: AbsoluteUri,
        /// `request_uris`.
        request_uris: Vec<AbsoluteUri>,
        /// `post_logout_redirect_uris` (RP-Initiated Logout §3.1).
        post_logout_redirect_uris: Vec<RegisteredRedirectUri>,
        /// `backchannel_logout_uri` (Back-Channel Logout §2.2).
        backchannel_logout_uri: AbsoluteUri,
        /// `backchannel_logout_session_required`.
        backchannel_logout_session_required: bool,
        /// `dpop_bound_access_tokens` (RFC 9449 §5.2).
        dpop_bound_access_tokens: bool,
        /// `authorization_details_types` (RFC 9396 §10).
        authorization_details_types: Vec<String>,
        /// `require_pushed_authorization_requests` (RFC 9126 §6).
        require_pushed_authorization_requests: bool,
    } extra
}

fn metadata_error(code: RegistrationErrorCode, text: &str) -> ErrorResponse<RegistrationErrorCode> {
    ErrorResponse::new(code).with_description(text)
}

impl ClientMetadata {
    /// Parses a registration request body (RFC 7591 §3.1) and validates it.
    ///
    /// # Errors
    ///
    /// `invalid_redirect_uri` for a redirect URI that breaks the registration rules,
    /// `invalid_client_metadata` otherwise (malformed JSON, wrong types, conflicting fields).
    pub fn parse_request(
        content_type: Option<&str>,
        body: &[u8],
    ) -> Result<Self, ErrorResponse<RegistrationErrorCode>> {
        crate::json::check_json_content_type(content_type).map_err(|e| {
            metadata_error(RegistrationErrorCode::InvalidClientMetadata, &e.to_string())
        })?;
        // Redirect URIs first, so that their failures get their own code.
        let value: Value = crate::json::from_slice(body).map_err(|e| {
            metadata_error(RegistrationErrorCode::InvalidClientMetadata, &e.to_string())
        })?;
        for field in ["redirect_uris", "post_logout_redirect_uris"] {
            if let Some(Value::Array(uris)) = value.get(field) {
                for uri in uris {
                    let text = uri.as_str().unwrap_or_default();
                    RegisteredRedirectUri::parse(text).map_err(|e| {
                        metadata_error(
                            RegistrationErrorCode::InvalidRedirectUri,
                            &format!("{field}: {e}"),
                        )
                    })?;
                }
            }
        }
        let metadata: Self = serde_json::from_value(value).map_err(|e| {
            metadata_error(
                RegistrationErrorCode::InvalidClientMetadata,
                &crate::params::clip_long(&e.to_string()),
            )
        })?;
        metadata.validate()?;
        Ok(metadata)
    }

    /// Checks the rules between fields (RFC 7591 §2).
    ///
    /// # Errors
    ///
    /// `invalid_client_metadata` naming the rule.
    pub fn validate(&self) -> Result<(), ErrorResponse<RegistrationErrorCode>> {
        let invalid = |text| metadata_error(RegistrationErrorCode::InvalidClientMetadata, text);
        if self.jwks.is_some() && self.jwks_uri.is_some() {
            return Err(invalid("jwks and jwks_uri must not both be present"));
        }
        if self
            .jwks
            .as_ref()
            .is_some_and(|j| !j.get("keys").is_some_and(Value::is_array))
        {
            return Err(invalid("jwks must be a JWK Set"));
        }
        for (name, uri) in [
            ("jwks_uri", &self.jwks_uri),
            ("sector_identifier_uri", &self.sector_identifier_uri),
            ("initiate_login_uri", &self.initiate_login_uri),
        ] {
            if uri
                .as_ref()
                .is_some_and(|u| !u.as_str().starts_with("https://"))
            {
                return Err(metadata_error(
                    RegistrationErrorCode::InvalidClientMetadata,
                    &format!("{name} must use https"),
                ));
            }
        }
        if let Some(kind) = &self.application_type
            && kind != "web"
            && kind != "native"
        {
            return Err(invalid("application_type must be web or native"));
        }
        if let Some(scope) = &self.scope {
            ostium_scope::Scope::parse(scope).map_err(|e| {
                metadata_error(
                    RegistrationErrorCode::InvalidClientMetadata,
                    &format!("scope: {e}"),
                )
            })?;
        }
        Ok(())
    }

    /// The JSON body, for a client's registration request.
    pub fn to_json(&self) -> Vec<u8> {
        crate::json::to_vec(self)
    }
}

/// The client information response (RFC 7591 §3.2.1; RFC 7592 §3).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ClientInformation {
    /// `client_id`.
    pub client_id: ClientId,
    /// `client_secret`, for confidential clients (redacted in `Debug`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_secret: Option<ClientSecret>,
    /// `client_id_issued_at`, seconds since the epoch.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_id_issued_at: Option<i64>,
    /// `client_secret_expires_at`: required with a secret; 0 means never.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_secret_expires_at: Option<i64>,
    /// `registration_access_token` (RFC 7592 §3; redacted in `Debug`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub registration_access_token: Option<crate::values::AccessToken>,
    /// `registration_client_uri` (RFC 7592 §3).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub registration_client_uri: Option<AbsoluteUri>,
    /// The registered metadata.
    #[serde(flatten)]
    pub metadata: ClientMetadata,
}

impl ClientInformation {
    /// The information for `client_id` registered with `metadata`, without a secret, times or
    /// a registration access token (set the fields to send them).
    pub fn new(client_id: ClientId, metadata: ClientMetadata) -> Self {
        Self {
            client_id,
            client_secret: None,
            client_id_issued_at: None,
            client_secret_expires_at: None,
            registration_access_token: None,
            registration_client_uri: None,
            metadata,
        }
    }

    /// The 201 JSON response to a registration request (RFC 7591 §3.2.1).
    pub fn to_created_response(&self) -> HttpResponse {
        HttpResponse::json(201, self)
    }

    /// The 200 JSON response to a read or update (RFC 7592 §2.1, §2.2).
    pub fn to_response(&self) -> HttpResponse {
        HttpResponse::json(200, self)
    }

    /// Parses a client information response.
    ///
    /// # Errors
    ///
    /// [`JsonError`], including a `client_secret` without `client_secret_expires_at`
    /// (RFC 7591 §3.2.1).
    pub fn parse_json(body: &[u8]) -> Result<Self, JsonError> {
        let info: Self = crate::json::from_slice(body)?;
        if info.client_secret.is_some() && info.client_secret_expires_at.is_none() {
            return Err(JsonError::Invalid(
                "client_secret_expires_at is required with client_secret".into(),
            ));
        }
        Ok(info)
    }
}

/// A registration error response: 400 JSON (RFC 7591 §3.2.2).
pub fn registration_error_response(error: &ErrorResponse<RegistrationErrorCode>) -> HttpResponse {
    HttpResponse::json(error.status(), error)
}

#[cfg(test)]
mod tests {
    use super::*;

    // RFC 7591 §3.1 example request (the jwks member shortened to one key).
    const REQUEST: &[u8] = br#"{
      "redirect_uris": ["https://client.example.org/callback", "https://client.example.org/callback2"],
      "client_name": "My Example Client",
      "client_name#ja-Jpan-JP": "\u30AF\u30E9\u30A4\u30A2\u30F3\u30C8\u540D",
      "token_endpoint_auth_method": "client_secret_basic",
      "logo_uri": "https://client.example.org/logo.png",
      "jwks_uri": "https://client.example.org/my_public_keys.jwks",
      "example_extension_parameter": "example_value"
     }"#;

    #[test]
    fn rfc_7591_section_3_1_request() {
        let metadata = ClientMetadata::parse_request(Some("application/json"), REQUEST).unwrap();
        assert_eq!(metadata.redirect_uris.as_ref().unwrap().len(), 2);
        assert!(metadata.extra.contains_key("client_name#ja-Jpan-JP"));
        let again =
            ClientMetadata::parse_request(Some("application/json"), &metadata.to_json()).unwrap();
        assert_eq!(again, metadata);
    }

    #[test]
    fn rfc_7591_section_3_2_1_response() {
        let body = br#"{
      "client_id": "s6BhdRkqt3",
      "client_secret": "cf136dc3c1fc93f31185e5885805d",
      "client_id_issued_at": 2893256800,
      "client_secret_expires_at": 2893276800,
      "redirect_uris": ["https://client.example.org/callback", "https://client.example.org/callback2"],
      "grant_types": ["authorization_code", "refresh_token"],
      "client_name": "My Example Client",
      "client_name#ja-Jpan-JP": "\u30AF\u30E9\u30A4\u30A2\u30F3\u30C8\u540D",
      "token_endpoint_auth_method": "client_secret_basic",
      "logo_uri": "https://client.example.org/logo.png",
      "jwks_uri": "https://client.example.org/my_public_keys.jwks",
      "example_extension_parameter": "example_value"
     }"#;
        let info = ClientInformation::parse_json(body).unwrap();
        assert_eq!(info.client_id.as_str(), "s6BhdRkqt3");
        assert!(!format!("{info:?}").contains("cf136dc3"));
        let response = info.to_created_response();
        assert_eq!(response.status(), 201);
        assert_eq!(
            ClientInformation::parse_json(response.body()).unwrap(),
            info
        );
        let no_expiry = br#"{"client_id":"a","client_secret":"b"}"#;
        assert!(ClientInformation::parse_json(no_expiry).is_err());
    }

    #[test]
    fn registration_refuses_bad_redirect_uris_and_conflicts() {
        let cases: [(&[u8], RegistrationErrorCode); 6] = [
            (
                br#"{"redirect_uris":["https://client.example.org/cb#frag"]}"#,
                RegistrationErrorCode::InvalidRedirectUri,
            ),
            (
                br#"{"redirect_uris":["http://client.example.org/cb"]}"#,
                RegistrationErrorCode::InvalidRedirectUri,
            ),
            (
                br#"{"redirect_uris":[3]}"#,
                RegistrationErrorCode::InvalidRedirectUri,
            ),
            (
                br#"{"jwks_uri":"https://a.example/k","jwks":{"keys":[]}}"#,
                RegistrationErrorCode::InvalidClientMetadata,
            ),
            (
                br#"{"client_name":5}"#,
                RegistrationErrorCode::InvalidClientMetadata,
            ),
            (
                br#"{"sector_identifier_uri":"http://a.example/s"}"#,
                RegistrationErrorCode::InvalidClientMetadata,
            ),
        ];
        for (body, code) in cases {
            let error = ClientMetadata::parse_request(Some("application/json"), body).unwrap_err();
            assert_eq!(error.error, code, "{}", String::from_utf8_lossy(body));
            assert_eq!(registration_error_response(&error).status(), 400);
        }
        assert!(ClientMetadata::parse_request(Some("text/plain"), b"{}").is_err());
        assert!(
            ClientMetadata::parse_request(
                Some("application/json"),
                br#"{"redirect_uris":["http://127.0.0.1/cb","com.example.app:/cb"]}"#
            )
            .is_ok()
        );
    }
}

//! Authorization server metadata (RFC 8414 §2) and OpenID Provider metadata (OIDC Discovery
//! 1.0 §3), one struct for both, with the extension members of RFC 7009, RFC 7662, RFC 8628,
//! RFC 9126, RFC 9207, RFC 9396, RFC 9449, RP-Initiated and Back-Channel Logout.
//!
//! [`ServerMetadata::validate`] checks what a client must check before trusting a document
//! (RFC 8414 §3.3; OIDC Discovery §4.3; checklist items 52 and 66): the `issuer` equals the
//! expected one exactly, the required members are present, and every endpoint uses `https`.

use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::json::JsonError;
use crate::response::HttpResponse;
use crate::values::Issuer;

macro_rules! metadata_struct {
    ($(#[$meta:meta])* pub struct $name:ident {
        required { $( $(#[$rmeta:meta])* $rfield:ident : $rty:ty, )* }
        optional { $( $(#[$fmeta:meta])* $field:ident : $ty:ty, )* }
    }) => {
        $(#[$meta])*
        #[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
        #[non_exhaustive]
        pub struct $name {
            $( $(#[$rmeta])* pub $rfield: $rty, )*
            $(
                $(#[$fmeta])*
                #[serde(default, skip_serializing_if = "Option::is_none")]
                pub $field: Option<$ty>,
            )*
            /// Other members.
            #[serde(flatten)]
            pub extra: BTreeMap<String, Value>,
        }

        impl $name {
            /// A document with the required members and nothing else.
            pub fn new($( $rfield: $rty, )*) -> Self {
                Self {
                    $( $rfield, )*
                    $( $field: None, )*
                    extra: BTreeMap::new(),
                }
            }
        }
    };
}

metadata_struct! {
    /// Authorization server / OpenID Provider metadata.
    pub struct ServerMetadata {
        required {
            /// `issuer` (RFC 8414 §2).
            issuer: String,
            /// `response_types_supported` (RFC 8414 §2; OIDC Discovery §3).
            response_types_supported: Vec<String>,
        }
        optional {
            /// `authorization_endpoint`.
            authorization_endpoint: String,
            /// `token_endpoint`.
            token_endpoint: String,
            /// `jwks_uri` (required for OpenID Providers).
            jwks_uri: String,
            /// `registration_endpoint`.
            registration_endpoint: String,
            /// `scopes_supported`.
            scopes_supported: Vec<String>,
            /// `response_modes_supported`.
            response_modes_supported: Vec<String>,
            /// `grant_types_supported`.
            grant_types_supported: Vec<String>,
            /// `token_endpoint_auth_methods_supported`.
            token_endpoint_auth_methods_supported: Vec<String>,
            /// `token_endpoint_auth_signing_alg_values_supported`.
            token_endpoint_auth_signing_alg_values_supported: Vec<String>,
            /// `service_documentation`.
            service_documentation: String,
            /// `ui_locales_supported`.
            ui_locales_supported: Vec<String>,
            /// `op_policy_uri`.
            op_policy_uri: String,
            /// `op_tos_uri`.
            op_tos_uri: String,
            /// `revocation_endpoint` (RFC 7009).
            revocation_endpoint: String,
            /// `revocation_endpoint_auth_methods_supported`.
            revocation_endpoint_auth_methods_supported: Vec<String>,
            /// `revocation_endpoint_auth_signing_alg_values_supported`.
            revocation_endpoint_auth_signing_alg_values_supported: Vec<String>,
            /// `introspection_endpoint` (RFC 7662).
            introspection_endpoint: String,
            /// `introspection_endpoint_auth_methods_supported`.
            introspection_endpoint_auth_methods_supported: Vec<String>,
            /// `introspection_endpoint_auth_signing_alg_values_supported`.
            introspection_endpoint_auth_signing_alg_values_supported: Vec<String>,
            /// `code_challenge_methods_supported` (RFC 7636; checklist item 26).
            code_challenge_methods_supported: Vec<String>,
            /// `device_authorization_endpoint` (RFC 8628 §4).
            device_authorization_endpoint: String,
            /// `pushed_authorization_request_endpoint` (RFC 9126 §5).
            pushed_authorization_request_endpoint: String,
            /// `require_pushed_authorization_requests` (RFC 9126 §5).
            require_pushed_authorization_requests: bool,
            /// `authorization_response_iss_parameter_supported` (RFC 9207 §3).
            authorization_response_iss_parameter_supported: bool,
            /// `dpop_signing_alg_values_supported` (RFC 9449 §5.1).
            dpop_signing_alg_values_supported: Vec<String>,
            /// `authorization_details_types_supported` (RFC 9396 §10).
            authorization_details_types_supported: Vec<String>,
            /// `mtls_endpoint_aliases` (RFC 8705 §5).
            mtls_endpoint_aliases: BTreeMap<String, String>,
            /// `userinfo_endpoint` (OIDC).
            userinfo_endpoint: String,
            /// `acr_values_supported` (OIDC).
            acr_values_supported: Vec<String>,
            /// `subject_types_supported` (required for OpenID Providers).
            subject_types_supported: Vec<String>,
            /// `id_token_signing_alg_values_supported` (required for OpenID Providers).
            id_token_signing_alg_values_supported: Vec<String>,
            /// `id_token_encryption_alg_values_supported`.
            id_token_encryption_alg_values_supported: Vec<String>,
            /// `id_token_encryption_enc_values_supported`.
            id_token_encryption_enc_values_supported: Vec<String>,
            /// `userinfo_signing_alg_values_supported`.
            userinfo_signing_alg_values_supported: Vec<String>,
            /// `userinfo_encryption_alg_values_supported`.
            userinfo_encryption_alg_values_supported: Vec<String>,
            /// `userinfo_encryption_enc_values_supported`.
            userinfo_encryption_enc_values_supported: Vec<String>,
            /// `request_object_signing_alg_values_supported`.
            request_object_signing_alg_values_supported: Vec<String>,
            /// `request_object_encryption_alg_values_supported`.
            request_object_encryption_alg_values_supported: Vec<String>,
            /// `request_object_encryption_enc_values_supported`.
            request_object_encryption_enc_values_supported: Vec<String>,
            /// `display_values_supported`.
            display_values_supported: Vec<String>,
            /// `claim_types_supported`.
            claim_types_supported: Vec<String>,
            /// `claims_supported`.
            claims_supported: Vec<String>,
            /// `claims_locales_supported`.
            claims_locales_supported: Vec<String>,
            /// `claims_parameter_supported`.
            claims_parameter_supported: bool,
            /// `request_parameter_supported`.
            request_parameter_supported: bool,
            /// `request_uri_parameter_supported`.
            request_uri_parameter_supported: bool,
            /// `require_request_uri_registration`.
            require_request_uri_registration: bool,
            /// `prompt_values_supported` (Initiating User Registration).
            prompt_values_supported: Vec<String>,
            /// `end_session_endpoint` (RP-Initiated Logout §2.1).
            end_session_endpoint: String,
            /// `check_session_iframe` (Session Management).
            check_session_iframe: String,
            /// `frontchannel_logout_supported`.
            frontchannel_logout_supported: bool,
            /// `backchannel_logout_supported` (Back-Channel Logout §2.1).
            backchannel_logout_supported: bool,
            /// `backchannel_logout_session_supported`.
            backchannel_logout_session_supported: bool,
        }
    }
}

/// Why a metadata document is not to be trusted.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum MetadataError {
    /// The `issuer` differs from the expected issuer (RFC 8414 §3.3; OIDC Discovery §4.3).
    IssuerMismatch {
        /// What the document says.
        found: String,
    },
    /// A required member is missing.
    Missing(&'static str),
    /// An endpoint does not use `https`.
    NotHttps(&'static str),
}

impl fmt::Display for MetadataError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::IssuerMismatch { found } => {
                write!(f, "metadata issuer {found:?} is not the expected issuer")
            }
            Self::Missing(name) => write!(f, "metadata member {name} is required"),
            Self::NotHttps(name) => write!(f, "metadata member {name} must use https"),
        }
    }
}

impl std::error::Error for MetadataError {}

/// What a document must provide.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum MetadataProfile {
    /// RFC 8414: `issuer`, `response_types_supported`, and the authorization and token
    /// endpoints.
    OAuth,
    /// OIDC Discovery §3: also `jwks_uri`, `subject_types_supported`,
    /// `id_token_signing_alg_values_supported`.
    OpenId,
}

impl ServerMetadata {
    /// Parses a metadata document.
    ///
    /// # Errors
    ///
    /// [`JsonError`].
    pub fn parse_json(body: &[u8]) -> Result<Self, JsonError> {
        crate::json::from_slice(body)
    }

    /// The 200 JSON response. Metadata may be cached, so no `no-store` here.
    pub fn to_response(&self) -> HttpResponse {
        HttpResponse::new(200)
            .with_header(crate::response::header::CONTENT_TYPE, "application/json")
            .with_body(crate::json::to_vec(self))
    }

    /// Checks the document before use: exact `issuer`, required members, `https` endpoints.
    ///
    /// # Errors
    ///
    /// [`MetadataError`] naming the first problem.
    pub fn validate(
        &self,
        expected: &Issuer,
        profile: MetadataProfile,
    ) -> Result<(), MetadataError> {
        if self.issuer != expected.as_str() {
            return Err(MetadataError::IssuerMismatch {
                found: crate::params::clip(&self.issuer),
            });
        }
        let mut required: Vec<(&'static str, bool)> = vec![
            (
                "authorization_endpoint",
                self.authorization_endpoint.is_some(),
            ),
            ("token_endpoint", self.token_endpoint.is_some()),
        ];
        if profile == MetadataProfile::OpenId {
            required.extend([
                ("jwks_uri", self.jwks_uri.is_some()),
                (
                    "subject_types_supported",
                    self.subject_types_supported.is_some(),
                ),
                (
                    "id_token_signing_alg_values_supported",
                    self.id_token_signing_alg_values_supported.is_some(),
                ),
            ]);
        }
        if let Some((name, _)) = required.into_iter().find(|(_, present)| !present) {
            return Err(MetadataError::Missing(name));
        }
        let https_only = expected.as_str().starts_with("https://");
        let endpoints = [
            ("authorization_endpoint", &self.authorization_endpoint),
            ("token_endpoint", &self.token_endpoint),
            ("jwks_uri", &self.jwks_uri),
            ("registration_endpoint", &self.registration_endpoint),
            ("revocation_endpoint", &self.revocation_endpoint),
            ("introspection_endpoint", &self.introspection_endpoint),
            (
                "device_authorization_endpoint",
                &self.device_authorization_endpoint,
            ),
            (
                "pushed_authorization_request_endpoint",
                &self.pushed_authorization_request_endpoint,
            ),
            ("userinfo_endpoint", &self.userinfo_endpoint),
            ("end_session_endpoint", &self.end_session_endpoint),
        ];
        for (name, endpoint) in endpoints {
            if https_only
                && endpoint
                    .as_ref()
                    .is_some_and(|e| !e.starts_with("https://"))
            {
                return Err(MetadataError::NotHttps(name));
            }
        }
        Ok(())
    }
}

/// The RFC 8414 §3.1 metadata URL: `/.well-known/oauth-authorization-server` inserted between
/// the host and the issuer's path.
pub fn oauth_metadata_url(issuer: &Issuer) -> String {
    well_known(issuer, "oauth-authorization-server")
}

/// The OIDC Discovery §4 configuration URL: the issuer with
/// `/.well-known/openid-configuration` appended (a trailing `/` removed first).
pub fn openid_configuration_url(issuer: &Issuer) -> String {
    format!(
        "{}/.well-known/openid-configuration",
        issuer.as_str().trim_end_matches('/')
    )
}

fn well_known(issuer: &Issuer, suffix: &str) -> String {
    let text = issuer.as_str();
    let after_scheme = text.find("://").map_or(0, |i| i + 3);
    let path_start = text
        .get(after_scheme..)
        .and_then(|rest| rest.find('/'))
        .map_or(text.len(), |i| after_scheme + i);
    let (origin, path) = text.split_at(path_start);
    let path = path.trim_end_matches('/');
    format!("{origin}/.well-known/{suffix}{path}")
}

#[cfg(test)]
mod tests {
    use super::*;

    // RFC 8414 §3.2 example.
    const RFC_8414: &[u8] = br#"{
       "issuer": "https://server.example.com",
       "authorization_endpoint": "https://server.example.com/authorize",
       "token_endpoint": "https://server.example.com/token",
       "token_endpoint_auth_methods_supported": ["client_secret_basic", "private_key_jwt"],
       "token_endpoint_auth_signing_alg_values_supported": ["RS256", "ES256"],
       "userinfo_endpoint": "https://server.example.com/userinfo",
       "jwks_uri": "https://server.example.com/jwks.json",
       "registration_endpoint": "https://server.example.com/register",
       "scopes_supported": ["openid", "profile", "email", "address", "phone", "offline_access"],
       "response_types_supported": ["code", "code token"],
       "service_documentation": "http://server.example.com/service_documentation.html",
       "ui_locales_supported": ["en-US", "en-GB", "en-CA", "fr-FR", "fr-CA"]
     }"#;

    #[test]
    fn rfc_8414_section_3_2_example() {
        let metadata = ServerMetadata::parse_json(RFC_8414).unwrap();
        let issuer = Issuer::parse("https://server.example.com").unwrap();
        assert!(metadata.validate(&issuer, MetadataProfile::OAuth).is_ok());
        assert_eq!(
            metadata.validate(&issuer, MetadataProfile::OpenId),
            Err(MetadataError::Missing("subject_types_supported"))
        );
        let response = metadata.to_response();
        assert_eq!(
            ServerMetadata::parse_json(response.body()).unwrap(),
            metadata
        );
    }

    #[test]
    fn oidc_discovery_section_4_2_example() {
        let body = br#"{
   "issuer": "https://server.example.com",
   "authorization_endpoint": "https://server.example.com/connect/authorize",
   "token_endpoint": "https://server.example.com/connect/token",
   "token_endpoint_auth_methods_supported": ["client_secret_basic", "private_key_jwt"],
   "token_endpoint_auth_signing_alg_values_supported": ["RS256", "ES256"],
   "userinfo_endpoint": "https://server.example.com/connect/userinfo",
   "check_session_iframe": "https://server.example.com/connect/check_session",
   "end_session_endpoint": "https://server.example.com/connect/end_session",
   "jwks_uri": "https://server.example.com/jwks.json",
   "registration_endpoint": "https://server.example.com/connect/register",
   "scopes_supported": ["openid", "profile", "email", "address", "phone", "offline_access"],
   "response_types_supported": ["code", "code id_token", "id_token", "id_token token"],
   "acr_values_supported": ["urn:mace:incommon:iap:silver", "urn:mace:incommon:iap:bronze"],
   "subject_types_supported": ["public", "pairwise"],
   "userinfo_signing_alg_values_supported": ["RS256", "ES256", "HS256"],
   "userinfo_encryption_alg_values_supported": ["RSA-OAEP-256", "A128KW"],
   "userinfo_encryption_enc_values_supported": ["A128CBC-HS256", "A128GCM"],
   "id_token_signing_alg_values_supported": ["RS256", "ES256", "HS256"],
   "id_token_encryption_alg_values_supported": ["RSA-OAEP-256", "A128KW"],
   "id_token_encryption_enc_values_supported": ["A128CBC-HS256", "A128GCM"],
   "request_object_signing_alg_values_supported": ["none", "RS256", "ES256"],
   "display_values_supported": ["page", "popup"],
   "claim_types_supported": ["normal", "distributed"],
   "claims_supported": ["sub", "iss", "auth_time", "acr", "name", "given_name",
     "family_name", "nickname", "profile", "picture", "website", "email", "email_verified",
     "locale", "zoneinfo", "http://example.info/claims/groups"],
   "claims_parameter_supported": true,
   "service_documentation": "http://server.example.com/connect/service_documentation.html",
   "ui_locales_supported": ["en-US", "en-GB", "en-CA", "fr-FR", "fr-CA"]
  }"#;
        let metadata = ServerMetadata::parse_json(body).unwrap();
        let issuer = Issuer::parse("https://server.example.com").unwrap();
        assert!(metadata.validate(&issuer, MetadataProfile::OpenId).is_ok());
        assert_eq!(metadata.claims_parameter_supported, Some(true));
    }

    #[test]
    fn req_52_issuer_must_match_and_endpoints_use_https() {
        let metadata = ServerMetadata::parse_json(RFC_8414).unwrap();
        let other = Issuer::parse("https://server.example.com/").unwrap();
        assert!(matches!(
            metadata.validate(&other, MetadataProfile::OAuth),
            Err(MetadataError::IssuerMismatch { .. })
        ));
        let mut insecure = metadata;
        insecure.token_endpoint = Some("http://server.example.com/token".into());
        let issuer = Issuer::parse("https://server.example.com").unwrap();
        assert_eq!(
            insecure.validate(&issuer, MetadataProfile::OAuth),
            Err(MetadataError::NotHttps("token_endpoint"))
        );
    }

    #[test]
    fn well_known_urls() {
        let root = Issuer::parse("https://server.example.com").unwrap();
        let tenant = Issuer::parse("https://server.example.com/issuer1").unwrap();
        assert_eq!(
            oauth_metadata_url(&root),
            "https://server.example.com/.well-known/oauth-authorization-server"
        );
        // RFC 8414 §3.1 example.
        assert_eq!(
            oauth_metadata_url(&tenant),
            "https://server.example.com/.well-known/oauth-authorization-server/issuer1"
        );
        assert_eq!(
            openid_configuration_url(&tenant),
            "https://server.example.com/issuer1/.well-known/openid-configuration"
        );
    }
}

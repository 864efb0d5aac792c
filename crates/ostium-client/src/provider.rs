//! The provider the client talks to: its issuer and endpoints, read from a discovery document
//! (RFC 8414 §3; OIDC Discovery 1.0 §4) or set by hand.

use ostium_jose::{Algorithm, AlgorithmSet};
use ostium_messages::metadata::{
    MetadataProfile, ServerMetadata, oauth_metadata_url, openid_configuration_url,
};
use ostium_messages::{AbsoluteUri, HttpResponse, Issuer};

use crate::error::{ClientError, ResponseError};
use crate::http::{OutboundRequest, media_type};

/// An authorization server / OpenID Provider as the client uses it.
///
/// Built from discovery with [`ProviderConfig::from_discovery`], which refuses a document whose
/// `issuer` is not exactly the expected one, that lacks a required member, or whose endpoints are
/// not `https` (RFC 8414 §3.3; OIDC Discovery §4.3; checklist items 52 and 66). Built by hand
/// with [`ProviderConfig::new`] and the public fields; then the embedder vouches for the values.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct ProviderConfig {
    /// The issuer identifier, compared exactly with `iss` in callbacks and ID tokens.
    pub issuer: Issuer,
    /// `authorization_endpoint`.
    pub authorization_endpoint: Option<AbsoluteUri>,
    /// `token_endpoint`.
    pub token_endpoint: Option<AbsoluteUri>,
    /// `jwks_uri`.
    pub jwks_uri: Option<AbsoluteUri>,
    /// `userinfo_endpoint` (OIDC).
    pub userinfo_endpoint: Option<AbsoluteUri>,
    /// `revocation_endpoint` (RFC 7009).
    pub revocation_endpoint: Option<AbsoluteUri>,
    /// `introspection_endpoint` (RFC 7662).
    pub introspection_endpoint: Option<AbsoluteUri>,
    /// `device_authorization_endpoint` (RFC 8628).
    pub device_authorization_endpoint: Option<AbsoluteUri>,
    /// `pushed_authorization_request_endpoint` (RFC 9126).
    pub pushed_authorization_request_endpoint: Option<AbsoluteUri>,
    /// `require_pushed_authorization_requests` (RFC 9126 §5).
    pub require_pushed_authorization_requests: bool,
    /// `authorization_response_iss_parameter_supported` (RFC 9207 §3): when true, a callback
    /// without `iss` is refused.
    pub iss_parameter_supported: bool,
    /// `id_token_signing_alg_values_supported`, the names this crate can verify (OIDC
    /// Discovery §3); empty means the OIDC default, `RS256`.
    pub id_token_signing_algorithms: Vec<Algorithm>,
    /// `dpop_signing_alg_values_supported` (RFC 9449 §5.1), the names this crate can use.
    pub dpop_signing_algorithms: Vec<Algorithm>,
}

impl ProviderConfig {
    /// A provider set by hand: its issuer and token endpoint. Set the other endpoints through
    /// the public fields.
    pub fn new(issuer: Issuer, token_endpoint: AbsoluteUri) -> Self {
        Self {
            issuer,
            authorization_endpoint: None,
            token_endpoint: Some(token_endpoint),
            jwks_uri: None,
            userinfo_endpoint: None,
            revocation_endpoint: None,
            introspection_endpoint: None,
            device_authorization_endpoint: None,
            pushed_authorization_request_endpoint: None,
            require_pushed_authorization_requests: false,
            iss_parameter_supported: false,
            id_token_signing_algorithms: Vec::new(),
            dpop_signing_algorithms: Vec::new(),
        }
    }

    /// The request for the OpenID Provider configuration (OIDC Discovery §4.1):
    /// `GET <issuer>/.well-known/openid-configuration`.
    pub fn openid_discovery_request(issuer: &Issuer) -> OutboundRequest {
        OutboundRequest::get_json(openid_configuration_url(issuer))
    }

    /// The request for RFC 8414 metadata (§3.1):
    /// `GET <origin>/.well-known/oauth-authorization-server<path>`.
    pub fn oauth_discovery_request(issuer: &Issuer) -> OutboundRequest {
        OutboundRequest::get_json(oauth_metadata_url(issuer))
    }

    /// Reads the discovery response for `expected`.
    ///
    /// # Errors
    ///
    /// [`ClientError::Response`] for a status other than 200, a content type other than
    /// `application/json`, or a body that is not a metadata document; [`ClientError::Discovery`]
    /// when its `issuer` is not exactly `expected`, a member `profile` requires is missing, or an
    /// endpoint is not `https` (checklist items 52, 66); [`ClientError::Discovery`] too for an
    /// endpoint that is not an absolute URI.
    pub fn from_discovery(
        expected: &Issuer,
        response: &HttpResponse,
        profile: MetadataProfile,
    ) -> Result<Self, ClientError> {
        if response.status() != 200 {
            return Err(ResponseError::UnexpectedStatus(response.status()).into());
        }
        check_json(response)?;
        let metadata = ServerMetadata::parse_json(response.body()).map_err(ResponseError::Json)?;
        Self::from_metadata(expected, &metadata, profile)
    }

    /// Builds the configuration from a parsed metadata document, checked as
    /// [`from_discovery`](Self::from_discovery) checks it.
    ///
    /// # Errors
    ///
    /// As [`from_discovery`](Self::from_discovery).
    pub fn from_metadata(
        expected: &Issuer,
        metadata: &ServerMetadata,
        profile: MetadataProfile,
    ) -> Result<Self, ClientError> {
        metadata.validate(expected, profile)?;
        let endpoint = |name: &'static str, value: &Option<String>| {
            value
                .as_deref()
                .map(|v| {
                    AbsoluteUri::parse(v).map_err(|_| {
                        ClientError::Discovery(ostium_messages::metadata::MetadataError::NotHttps(
                            name,
                        ))
                    })
                })
                .transpose()
        };
        Ok(Self {
            issuer: expected.clone(),
            authorization_endpoint: endpoint(
                "authorization_endpoint",
                &metadata.authorization_endpoint,
            )?,
            token_endpoint: endpoint("token_endpoint", &metadata.token_endpoint)?,
            jwks_uri: endpoint("jwks_uri", &metadata.jwks_uri)?,
            userinfo_endpoint: endpoint("userinfo_endpoint", &metadata.userinfo_endpoint)?,
            revocation_endpoint: endpoint("revocation_endpoint", &metadata.revocation_endpoint)?,
            introspection_endpoint: endpoint(
                "introspection_endpoint",
                &metadata.introspection_endpoint,
            )?,
            device_authorization_endpoint: endpoint(
                "device_authorization_endpoint",
                &metadata.device_authorization_endpoint,
            )?,
            pushed_authorization_request_endpoint: endpoint(
                "pushed_authorization_request_endpoint",
                &metadata.pushed_authorization_request_endpoint,
            )?,
            require_pushed_authorization_requests: metadata
                .require_pushed_authorization_requests
                .unwrap_or(false),
            iss_parameter_supported: metadata
                .authorization_response_iss_parameter_supported
                .unwrap_or(false),
            id_token_signing_algorithms: known_algorithms(
                metadata.id_token_signing_alg_values_supported.as_deref(),
            ),
            dpop_signing_algorithms: known_algorithms(
                metadata.dpop_signing_alg_values_supported.as_deref(),
            ),
        })
    }

    /// The asymmetric algorithms an ID token of this provider may be signed with: those it
    /// advertises that this crate verifies, or `RS256` (OIDC Core §3.1.3.7 step 7) when it
    /// advertises none. HMAC (`HS*`) ID tokens are not accepted.
    pub fn id_token_algorithm_set(&self) -> AlgorithmSet {
        let set: AlgorithmSet = self
            .id_token_signing_algorithms
            .iter()
            .copied()
            .filter(|a| !a.is_symmetric())
            .collect();
        if set.is_empty() {
            AlgorithmSet::of(&[Algorithm::Rs256])
        } else {
            set
        }
    }

    /// The endpoint `name`, or a misuse error saying it is not configured.
    pub(crate) fn endpoint<'a>(
        endpoint: &'a Option<AbsoluteUri>,
        missing: &'static str,
    ) -> Result<&'a str, ClientError> {
        endpoint
            .as_ref()
            .map(AbsoluteUri::as_str)
            .ok_or(ClientError::Misuse(missing))
    }
}

/// The names of `names` that are algorithms of `ostium-jose` (`none`, `ES512` and the like are
/// dropped).
fn known_algorithms(names: Option<&[String]>) -> Vec<Algorithm> {
    names
        .unwrap_or_default()
        .iter()
        .filter_map(|name| Algorithm::from_name(name).ok())
        .collect()
}

/// Checks that a response is JSON (`application/json`, or a `+json` type), if it says.
pub(crate) fn check_json(response: &HttpResponse) -> Result<(), ResponseError> {
    match media_type(response) {
        None => Ok(()),
        Some(media) if media == "application/json" || media.ends_with("+json") => Ok(()),
        Some(other) => Err(ResponseError::UnexpectedContentType(Some(other))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn json(body: &str) -> HttpResponse {
        HttpResponse::new(200)
            .with_header("content-type", "application/json; charset=utf-8")
            .with_body(body.as_bytes().to_vec())
    }

    #[test]
    fn algorithms_default_to_rs256_and_skip_unknown_names() {
        let issuer = Issuer::parse("https://op.example").unwrap();
        let body = r#"{"issuer":"https://op.example","authorization_endpoint":"https://op.example/a",
            "token_endpoint":"https://op.example/t","jwks_uri":"https://op.example/k",
            "response_types_supported":["code"],"subject_types_supported":["public"],
            "id_token_signing_alg_values_supported":["none","ES512","ES256","HS256"]}"#;
        let provider =
            ProviderConfig::from_discovery(&issuer, &json(body), MetadataProfile::OpenId).unwrap();
        assert_eq!(
            provider.id_token_algorithm_set(),
            AlgorithmSet::of(&[Algorithm::Es256])
        );
        let by_hand =
            ProviderConfig::new(issuer, AbsoluteUri::parse("https://op.example/t").unwrap());
        assert_eq!(
            by_hand.id_token_algorithm_set(),
            AlgorithmSet::of(&[Algorithm::Rs256])
        );
    }

    #[test]
    fn content_type_and_status_are_checked() {
        let issuer = Issuer::parse("https://op.example").unwrap();
        let html = HttpResponse::new(200).with_header("content-type", "text/html");
        assert!(matches!(
            ProviderConfig::from_discovery(&issuer, &html, MetadataProfile::OAuth),
            Err(ClientError::Response(ResponseError::UnexpectedContentType(
                _
            )))
        ));
        assert!(matches!(
            ProviderConfig::from_discovery(
                &issuer,
                &HttpResponse::new(404),
                MetadataProfile::OAuth
            ),
            Err(ClientError::Response(ResponseError::UnexpectedStatus(404)))
        ));
    }
}

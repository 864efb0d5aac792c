//! The discovery document (RFC 8414 §2; OIDC Discovery §3) and the JWKS document, generated from
//! the configuration so that they always say what the engine actually does (checklist items 26,
//! 50, 52).

use ostium_messages::HttpResponse;
use ostium_messages::metadata::ServerMetadata;

use crate::Engine;

impl Engine {
    /// The server's metadata, for `/.well-known/openid-configuration` and
    /// `/.well-known/oauth-authorization-server`.
    pub fn metadata(&self) -> ServerMetadata {
        let config = self.config();
        let strings = |values: &[&str]| values.iter().map(|v| (*v).to_owned()).collect::<Vec<_>>();
        let mut metadata =
            ServerMetadata::new(config.issuer.as_str().to_owned(), strings(&["code"]));
        metadata.authorization_endpoint = Some(config.endpoints.authorization.clone());
        metadata.token_endpoint = Some(config.endpoints.token.clone());
        metadata.jwks_uri = Some(config.endpoints.jwks.clone());
        metadata.userinfo_endpoint = config.endpoints.userinfo.clone();
        metadata.revocation_endpoint = config.endpoints.revocation.clone();
        metadata.introspection_endpoint = config.endpoints.introspection.clone();
        metadata.end_session_endpoint = config.endpoints.end_session.clone();
        // Back-Channel Logout §2.1: logout tokens carry `sid` when the login had one.
        metadata.backchannel_logout_supported = Some(true);
        metadata.backchannel_logout_session_supported = Some(true);
        metadata.dpop_signing_alg_values_supported = (!config.profile.dpop_algorithms.is_empty())
            .then(|| {
                config
                    .profile
                    .dpop_algorithms
                    .iter()
                    .map(ToString::to_string)
                    .collect()
            });
        metadata.registration_endpoint = config
            .registration
            .as_ref()
            .map(|registration| registration.endpoint.clone());
        metadata.pushed_authorization_request_endpoint =
            config.endpoints.pushed_authorization.clone();
        metadata.require_pushed_authorization_requests =
            Some(config.profile.require_pushed_requests);
        metadata.response_modes_supported = Some(strings(&["query", "fragment", "form_post"]));
        let device = config.device_endpoints();
        metadata.device_authorization_endpoint = device.map(|(endpoint, _)| endpoint.to_owned());
        metadata.grant_types_supported = Some(
            ["authorization_code", "refresh_token", "client_credentials"]
                .into_iter()
                .chain(device.map(|_| crate::client::GrantType::DeviceCode.as_str()))
                .map(str::to_owned)
                .collect(),
        );
        let auth_methods: Vec<String> = config
            .profile
            .client_auth_methods
            .iter()
            .map(|method| method.as_str().to_owned())
            .collect();
        metadata.token_endpoint_auth_methods_supported = Some(auth_methods.clone());
        // RFC 8414 §2: each endpoint listing a JWT method lists its signing algorithms too.
        let assertion_algorithms: Vec<String> = config
            .profile
            .client_assertion_algorithms
            .iter()
            .map(|a| a.to_string())
            .collect();
        metadata.token_endpoint_auth_signing_alg_values_supported =
            Some(assertion_algorithms.clone());
        metadata.revocation_endpoint_auth_signing_alg_values_supported = config
            .endpoints
            .revocation
            .as_ref()
            .map(|_| assertion_algorithms.clone());
        metadata.introspection_endpoint_auth_signing_alg_values_supported = config
            .endpoints
            .introspection
            .as_ref()
            .map(|_| assertion_algorithms.clone());
        metadata.revocation_endpoint_auth_methods_supported = config
            .endpoints
            .revocation
            .as_ref()
            .map(|_| auth_methods.clone());
        metadata.introspection_endpoint_auth_methods_supported =
            config.endpoints.introspection.as_ref().map(|_| {
                auth_methods
                    .iter()
                    .filter(|m| *m != "none")
                    .cloned()
                    .collect()
            });
        // Item 26: PKCE is detectable; `plain` is never offered.
        metadata.code_challenge_methods_supported = Some(strings(&["S256"]));
        // Item 10: `iss` is in every authorization response (RFC 9207).
        metadata.authorization_response_iss_parameter_supported = Some(true);
        metadata.scopes_supported = Some(
            config
                .catalog
                .scopes()
                .iter()
                .map(|token| token.as_str().to_owned())
                .collect(),
        );
        metadata.subject_types_supported = Some(strings(&["public"]));
        metadata.id_token_signing_alg_values_supported =
            Some(vec![config.keys.algorithm().to_string()]);
        metadata.claims_parameter_supported = Some(true);
        // Item 19: request objects by value, signed with the client's registered keys.
        metadata.request_parameter_supported = Some(true);
        metadata.request_object_signing_alg_values_supported = Some(
            config
                .profile
                .client_assertion_algorithms
                .iter()
                .filter(|algorithm| !algorithm.is_symmetric())
                .map(ToString::to_string)
                .collect(),
        );
        metadata.request_uri_parameter_supported = Some(false);
        metadata.prompt_values_supported =
            Some(strings(&["none", "login", "consent", "select_account"]));
        metadata.claims_supported = Some({
            let mut claims: Vec<String> = ostium_scope::oidc::StandardScope::ALL
                .iter()
                .flat_map(|scope| scope.claims().iter().map(|c| (*c).to_owned()))
                .chain(strings(&[
                    "iss",
                    "aud",
                    "exp",
                    "iat",
                    "auth_time",
                    "nonce",
                    "acr",
                    "amr",
                    "azp",
                    "sid",
                ]))
                .collect();
            claims.sort();
            claims.dedup();
            claims
        });
        metadata
    }

    /// The discovery response (200 JSON).
    pub fn discovery(&self) -> HttpResponse {
        self.metadata().to_response()
    }

    /// The JWKS response (200 JSON): the active key's public half and every retired key still
    /// published (RFC 7517 §5; checklist item 50).
    pub fn jwks(&self) -> HttpResponse {
        HttpResponse::new(200)
            .with_header("content-type", "application/json")
            .with_body(self.config().keys.published().to_json().into_bytes())
    }
}

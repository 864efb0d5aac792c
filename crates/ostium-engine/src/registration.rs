//! Dynamic client registration (RFC 7591 §3; OIDC Dynamic Client Registration §3), off unless
//! [`Config::registration`](crate::Config::registration) is set.
//!
//! 1. POST with a JSON body; with an initial access token configured, it must come as a Bearer
//!    token (RFC 7591 §3; a missing or wrong one is RFC 6750's `invalid_token`, 401).
//! 2. Parse and validate the metadata (`ostium-messages`): every redirect URI follows the
//!    registration rules (`invalid_redirect_uri`), fields agree with each other
//!    (`invalid_client_metadata`).
//! 3. Decide what the engine can honour, and refuse the rest with `invalid_client_metadata`:
//!    - `token_endpoint_auth_method`: `client_secret_basic` (the default), `client_secret_post`,
//!      `private_key_jwt` with inline `jwks` of public keys, or `none` (a public client);
//!    - `grant_types` (default `authorization_code`): `authorization_code`, `refresh_token`,
//!      `client_credentials` (confidential clients only) and the device grant;
//!    - `response_types` (default `code`): `code` only, which needs `authorization_code`, which
//!      needs `redirect_uris`.
//!    - The scope is what the request asks for within the configured ceiling (all of it when
//!      the request names none).
//! 4. Mint the client id (128 bits) and, for the secret methods, a secret (256 bits, stored by
//!    hash, returned once), write the client, answer 201 with the client information.

use std::sync::Arc;

use ostium_jose::JwkSet;
use ostium_messages::registration::{
    ClientInformation, ClientMetadata, registration_error_response,
};
use ostium_messages::resource::{Challenge, resource_error_response};
use ostium_messages::values::{AbsoluteUri, AccessToken, ClientId, ClientSecret};
use ostium_messages::{
    ErrorResponse, HttpRequest, HttpResponse, RegistrationErrorCode, ResourceErrorCode,
};
use ostium_rand::SecureRng;
use ostium_scope::{ClientScope, Scope};
use time::OffsetDateTime;

use crate::Engine;
use crate::client::{Client, ClientCredentials, GrantType, RegisteredClient};
use crate::config::Registration;
use crate::secret::{Entropy, SecretHash};
use crate::step::{Pending, Step};
use crate::store::{Effect, Outcome, StoreError, Write};

/// The registration endpoint's suspended state: the answer, sent once the client is written.
pub(crate) struct RegistrationFlow {
    response: Option<HttpResponse>,
}

fn invalid_metadata(text: &str) -> ErrorResponse<RegistrationErrorCode> {
    ErrorResponse::new(RegistrationErrorCode::InvalidClientMetadata).with_description(text)
}

fn refuse(error: &ErrorResponse<RegistrationErrorCode>) -> Step {
    Step::Respond(registration_error_response(error))
}

/// The Bearer token of an `Authorization` header (the scheme is case-insensitive, RFC 7235
/// §2.1).
pub(crate) fn bearer(authorization: Option<&str>) -> Option<&str> {
    let (scheme, token) = authorization?.split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then(|| token.trim())
        .filter(|token| !token.is_empty())
}

/// Whether the request may register, as the configuration says.
fn authorized(registration: &Registration, request: &HttpRequest<'_>) -> Result<(), Step> {
    let Some(expected) = &registration.initial_access_token else {
        return Ok(());
    };
    let challenge = match bearer(request.authorization) {
        None => Challenge::bearer(),
        Some(token) if expected.matches(token) => return Ok(()),
        Some(_) => Challenge::bearer().with_error(
            ErrorResponse::new(ResourceErrorCode::InvalidToken)
                .with_description("the initial access token is not valid"),
        ),
    };
    Err(Step::Respond(resource_error_response(&[challenge], None)))
}

/// The grant types a registration asks for, as the engine knows them.
fn grant_types(
    metadata: &ClientMetadata,
) -> Result<Vec<GrantType>, ErrorResponse<RegistrationErrorCode>> {
    let requested = metadata
        .grant_types
        .clone()
        .unwrap_or_else(|| vec![GrantType::AuthorizationCode.as_str().to_owned()]);
    let known = [
        GrantType::AuthorizationCode,
        GrantType::RefreshToken,
        GrantType::ClientCredentials,
        GrantType::DeviceCode,
    ];
    let mut granted = Vec::new();
    for name in &requested {
        let Some(grant) = known.into_iter().find(|g| g.as_str() == name) else {
            return Err(invalid_metadata(&format!(
                "grant type {name} is not offered"
            )));
        };
        if !granted.contains(&grant) {
            granted.push(grant);
        }
    }
    Ok(granted)
}

/// The `token_endpoint_auth_method` a registration asks for (RFC 7591 §2: default
/// `client_secret_basic`).
pub(crate) fn auth_method(metadata: &ClientMetadata) -> &str {
    metadata
        .token_endpoint_auth_method
        .as_deref()
        .unwrap_or("client_secret_basic")
}

/// Whether `method` authenticates with a secret the server mints.
pub(crate) fn uses_secret(method: &str) -> bool {
    matches!(method, "client_secret_basic" | "client_secret_post")
}

/// The credentials for the requested method; `secret` is the hash of the client's secret, which
/// the secret methods need.
pub(crate) fn credentials(
    metadata: &ClientMetadata,
    secret: Option<SecretHash>,
) -> Result<ClientCredentials, ErrorResponse<RegistrationErrorCode>> {
    let no_secret = || invalid_metadata("no secret was minted for this client");
    match auth_method(metadata) {
        "client_secret_basic" => Ok(ClientCredentials::SecretBasic(
            secret.ok_or_else(no_secret)?,
        )),
        "client_secret_post" => Ok(ClientCredentials::SecretPost(secret.ok_or_else(no_secret)?)),
        "none" => Ok(ClientCredentials::None),
        "private_key_jwt" => {
            if metadata.jwks_uri.is_some() {
                return Err(invalid_metadata(
                    "jwks_uri is not supported: send the keys inline as jwks",
                ));
            }
            let jwks = metadata
                .jwks
                .as_ref()
                .ok_or_else(|| invalid_metadata("private_key_jwt needs jwks"))?;
            let keys = JwkSet::from_json(&jwks.to_string())
                .map_err(|e| invalid_metadata(&format!("jwks: {e}")))?;
            if keys.is_empty() || keys.keys().iter().any(|key| key.is_private()) {
                return Err(invalid_metadata(
                    "jwks must hold at least one key, and only public keys",
                ));
            }
            Ok(ClientCredentials::PrivateKeyJwt(Box::new(keys)))
        }
        // The server would have to keep the shared secret in clear to check its MACs.
        "client_secret_jwt" => Err(invalid_metadata(
            "client_secret_jwt is not offered at registration",
        )),
        other => Err(invalid_metadata(&format!(
            "token_endpoint_auth_method {other} is not supported"
        ))),
    }
}

/// The client that `metadata` describes, for `id` with `credentials` (RFC 7591 §2), and
/// `metadata` filled in as it will be applied (§3.2.1: the server may replace or add values).
pub(crate) fn decide_client(
    engine: &Engine,
    registration: &Registration,
    id: ClientId,
    credentials: ClientCredentials,
    metadata: &mut ClientMetadata,
) -> Result<Client, ErrorResponse<RegistrationErrorCode>> {
    let method = credentials.method();
    if !engine
        .config()
        .profile
        .client_auth_methods
        .contains(&method)
    {
        return Err(invalid_metadata(&format!(
            "token_endpoint_auth_method {} is not allowed here",
            method.as_str()
        )));
    }
    let grants = grant_types(metadata)?;
    let response_types = metadata
        .response_types
        .clone()
        .unwrap_or_else(|| vec!["code".to_owned()]);
    if response_types.iter().any(|t| t != "code") {
        return Err(invalid_metadata("only the code response type is offered"));
    }
    // RFC 7591 §2.1: `code` goes with `authorization_code`, and both need a redirect URI.
    let code_flow = grants.contains(&GrantType::AuthorizationCode);
    let code_response = !response_types.is_empty();
    if code_flow != code_response {
        return Err(invalid_metadata(
            "response_types code and grant_types authorization_code go together",
        ));
    }
    let redirect_uris = metadata.redirect_uris.clone().unwrap_or_default();
    if code_flow && redirect_uris.is_empty() {
        return Err(
            ErrorResponse::new(RegistrationErrorCode::InvalidRedirectUri)
                .with_description("redirect_uris is required for the code flow"),
        );
    }
    if matches!(credentials, ClientCredentials::None)
        && grants.contains(&GrantType::ClientCredentials)
    {
        return Err(invalid_metadata(
            "client_credentials is for confidential clients only",
        ));
    }
    let catalog = &engine.config().catalog;
    let scope = match metadata.scope.as_deref().map(Scope::parse).transpose() {
        Ok(Some(requested)) => Scope::from_iter(
            requested
                .iter()
                .filter(|token| catalog.covers(&registration.scope, token))
                .cloned(),
        ),
        Ok(None) => registration.scope.clone(),
        Err(error) => return Err(invalid_metadata(&format!("scope: {error}"))),
    };
    let client = Client {
        credentials,
        grant_types: grants.clone(),
        post_logout_redirect_uris: metadata
            .post_logout_redirect_uris
            .clone()
            .unwrap_or_default(),
        backchannel_logout_uri: metadata.backchannel_logout_uri.clone(),
        backchannel_logout_session_required: metadata
            .backchannel_logout_session_required
            .unwrap_or(false),
        ..Client::public(
            id,
            redirect_uris,
            ClientScope::new(scope.clone()).with_default(scope.clone()),
        )
    };
    metadata.token_endpoint_auth_method = Some(client.credentials.method_name().to_owned());
    metadata.grant_types = Some(grants.iter().map(|g| g.as_str().to_owned()).collect());
    metadata.response_types = Some(response_types);
    metadata.scope = Some(scope.to_string());
    Ok(client)
}

/// The client information response for a registered client (RFC 7591 §3.2.1; RFC 7592 §3).
pub(crate) fn information(
    registration: &Registration,
    client: &Client,
    registered: &RegisteredClient,
) -> ClientInformation {
    let mut information = ClientInformation::new(client.id.clone(), registered.metadata.clone());
    information.client_id_issued_at = Some(registered.issued_at.unix_timestamp());
    information.registration_client_uri = AbsoluteUri::parse(&format!(
        "{}/{}",
        registration.endpoint.trim_end_matches('/'),
        client.id.as_str()
    ))
    .ok();
    if uses_secret(client.credentials.method_name()) {
        // The secret itself is returned once, at registration; it never expires.
        information.client_secret_expires_at = Some(0);
    }
    information
}

impl Engine {
    /// Handles a dynamic client registration request (RFC 7591 §3.1). `rng` is drawn from
    /// once, for the client id and secret. Without [`Config::registration`](crate::Config::registration)
    /// the endpoint does not exist: 404.
    pub fn register(
        &self,
        request: &HttpRequest<'_>,
        now: OffsetDateTime,
        rng: &mut (impl SecureRng + ?Sized),
    ) -> Step {
        let config = self.config();
        let Some(registration) = &config.registration else {
            return Step::Respond(HttpResponse::new(404).with_header("cache-control", "no-store"));
        };
        if request.method != "POST" {
            return Step::Respond(
                HttpResponse::new(405)
                    .with_header("allow", "POST")
                    .with_header("cache-control", "no-store"),
            );
        }
        if let Err(step) = authorized(registration, request) {
            return step;
        }
        let mut metadata = match ClientMetadata::parse_request(request.content_type, request.body) {
            Ok(metadata) => metadata,
            Err(error) => return refuse(&error),
        };
        let Ok(mut entropy) = Entropy::draw(rng, Entropy::CODE) else {
            return refuse(&invalid_metadata(
                "the server could not generate randomness",
            ));
        };
        let (Some(secret), Some(id)) = (entropy.primary_secret(), entropy.client_id()) else {
            return refuse(&invalid_metadata("no randomness was drawn for this client"));
        };
        // The registration access token (RFC 7592 §3), from a draw of its own.
        let Some(access_token) = Entropy::draw(rng, Entropy::REQUEST_URI)
            .ok()
            .and_then(|mut entropy| entropy.primary_secret())
        else {
            return refuse(&invalid_metadata(
                "the server could not generate randomness",
            ));
        };
        let (Ok(client_id), Ok(wire_secret), Ok(wire_access_token)) = (
            ClientId::parse(&id),
            ClientSecret::parse(secret.as_str()),
            AccessToken::parse(access_token.as_str()),
        ) else {
            return refuse(&invalid_metadata("a minted credential is not valid"));
        };
        let client = credentials(&metadata, Some(secret.hash())).and_then(|credentials| {
            decide_client(self, registration, client_id, credentials, &mut metadata)
        });
        let mut client = match client {
            Ok(client) => client,
            Err(error) => return refuse(&error),
        };
        let registered = RegisteredClient {
            metadata,
            access_token: access_token.hash(),
            issued_at: now,
        };
        let mut information = information(registration, &client, &registered);
        if uses_secret(client.credentials.method_name()) {
            information.client_secret = Some(wire_secret);
        }
        information.registration_access_token = Some(wire_access_token);
        client.registered = Some(Box::new(registered));
        let flow = RegistrationFlow {
            response: Some(information.to_created_response()),
        };
        Step::Effect(Pending::new(
            Effect::Write(vec![Write::Client(Arc::new(client))]),
            flow,
        ))
    }
}

impl RegistrationFlow {
    pub(crate) fn resume(mut self, outcome: Result<Outcome, StoreError>) -> Step {
        match (outcome, self.response.take()) {
            (Ok(Outcome::Written), Some(response)) => Step::Respond(response),
            _ => Step::Respond(HttpResponse::new(500).with_header("cache-control", "no-store")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bearer_tokens_are_read_case_insensitively() {
        assert_eq!(bearer(Some("Bearer abc")), Some("abc"));
        assert_eq!(bearer(Some("bearer abc")), Some("abc"));
        assert_eq!(bearer(Some("BEARER  abc ")), Some("abc"));
        assert_eq!(bearer(Some("Basic abc")), None);
        assert_eq!(bearer(Some("Bearer ")), None);
        assert_eq!(bearer(Some("Bearer")), None);
        assert_eq!(bearer(None), None);
    }
}

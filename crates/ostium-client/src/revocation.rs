//! Token revocation (RFC 7009) and introspection (RFC 7662), as the client calls them.

use ostium_messages::introspection::IntrospectionResponse;
use ostium_messages::revocation::{TokenOperationRequest, TokenTypeHint};
use ostium_messages::{HttpResponse, TokenString};
use ostium_rand::SecureRng;
use time::OffsetDateTime;

use crate::client::Client;
use crate::error::{ClientError, ResponseError};
use crate::http::OutboundRequest;
use crate::provider::{ProviderConfig, check_json};
use crate::token::server_error;

impl Client {
    /// A revocation request (RFC 7009 §2.1) for `token`, authenticated as at the token
    /// endpoint.
    ///
    /// # Errors
    ///
    /// [`ClientError::Misuse`] without a revocation endpoint; [`ClientError::Signing`],
    /// [`ClientError::Random`] for JWT client authentication.
    pub fn revocation_request(
        &self,
        token: TokenString,
        hint: Option<TokenTypeHint>,
        rng: &mut (impl SecureRng + ?Sized),
        now: OffsetDateTime,
    ) -> Result<OutboundRequest, ClientError> {
        let endpoint = ProviderConfig::endpoint(
            &self.provider.revocation_endpoint,
            "the provider has no revocation_endpoint",
        )?;
        self.token_operation(endpoint, token, hint, rng, now)
    }

    /// Reads the revocation response: 200 means revoked, or unknown, which is the same to the
    /// client (RFC 7009 §2.2).
    ///
    /// # Errors
    ///
    /// [`ClientError::Response`] with the error (`unsupported_token_type`, `invalid_client`,
    /// a 503 to retry later, ...).
    pub fn revocation_response(&self, response: &HttpResponse) -> Result<(), ClientError> {
        if response.status() == 200 {
            Ok(())
        } else {
            Err(server_error(response).into())
        }
    }

    /// An introspection request (RFC 7662 §2.1) for `token`, authenticated as at the token
    /// endpoint (a resource server introspecting as a client).
    ///
    /// # Errors
    ///
    /// As [`revocation_request`](Self::revocation_request), for the introspection endpoint.
    pub fn introspection_request(
        &self,
        token: TokenString,
        hint: Option<TokenTypeHint>,
        rng: &mut (impl SecureRng + ?Sized),
        now: OffsetDateTime,
    ) -> Result<OutboundRequest, ClientError> {
        let endpoint = ProviderConfig::endpoint(
            &self.provider.introspection_endpoint,
            "the provider has no introspection_endpoint",
        )?;
        self.token_operation(endpoint, token, hint, rng, now)
    }

    /// Reads the introspection response (RFC 7662 §2.2). Whether the token is usable is the
    /// resource server's decision (`ostium-resource` checks `active`, `exp`, `aud`, ...).
    ///
    /// # Errors
    ///
    /// [`ClientError::Response`] for an error status or a malformed body.
    pub fn introspection_response(
        &self,
        response: &HttpResponse,
    ) -> Result<IntrospectionResponse, ClientError> {
        if response.status() != 200 {
            return Err(server_error(response).into());
        }
        check_json(response)?;
        Ok(
            IntrospectionResponse::parse_json_lenient(response.body(), self.leniency)
                .map_err(ResponseError::Json)?,
        )
    }

    fn token_operation(
        &self,
        endpoint: &str,
        token: TokenString,
        hint: Option<TokenTypeHint>,
        rng: &mut (impl SecureRng + ?Sized),
        now: OffsetDateTime,
    ) -> Result<OutboundRequest, ClientError> {
        let mut request =
            TokenOperationRequest::new(token, self.authentication(endpoint, rng, now)?);
        request.token_type_hint = hint;
        let (params, authorization) = request.to_form();
        Ok(OutboundRequest::form_post(endpoint, &params, authorization))
    }
}

//! The UserInfo endpoint (OIDC Core §5.3): the request with the access token, and the response
//! whose `sub` must be the ID token's.

use ostium_messages::HttpResponse;
use ostium_messages::claims::UserInfo;

use crate::client::Client;
use crate::error::{ClientError, ResponseError, UserInfoError};
use crate::http::{OutboundRequest, media_type};
use crate::id_token::IdToken;
use crate::provider::ProviderConfig;
use crate::resource::{ResourceStep, resource_response};
use crate::token::TokenSet;

/// The outcome of reading a UserInfo response.
// Made once per flow and matched at once: boxing the large variant would only make matching
// clumsier.
#[allow(clippy::large_enum_variant)]
#[derive(Clone, Debug, PartialEq)]
#[must_use]
#[non_exhaustive]
pub enum UserInfoStep {
    /// The claims, for the same user as the ID token.
    UserInfo(UserInfo),
    /// The endpoint wants a DPoP nonce (RFC 9449 §9): send the request again with a proof
    /// carrying it.
    RetryWithDpopNonce(String),
}

impl Client {
    /// `GET userinfo_endpoint` with the access token in the `Authorization` header (OIDC Core
    /// §5.3.1; RFC 6750 §2.1: never in the query). For a `DPoP` token add the proof with
    /// [`OutboundRequest::with_dpop_proof`].
    ///
    /// # Errors
    ///
    /// [`ClientError::Misuse`] when the provider has no `userinfo_endpoint`.
    pub fn userinfo_request(&self, tokens: &TokenSet) -> Result<OutboundRequest, ClientError> {
        let endpoint = ProviderConfig::endpoint(
            &self.provider.userinfo_endpoint,
            "the provider has no userinfo_endpoint",
        )?;
        Ok(OutboundRequest::get_json(endpoint).with_access_token(tokens))
    }

    /// Reads the UserInfo response. Its `sub` must equal the ID token's, or the response is
    /// discarded (OIDC Core §5.3.2; checklist item 62).
    ///
    /// # Errors
    ///
    /// [`ClientError::UserInfo`] for a `sub` mismatch or a signed (`application/jwt`)
    /// response; [`ClientError::Response`] for an error status (with the challenges of
    /// `WWW-Authenticate`, OIDC Core §5.3.3) or a malformed body.
    pub fn userinfo_response(
        &self,
        response: &HttpResponse,
        id_token: &IdToken,
    ) -> Result<UserInfoStep, ClientError> {
        if let ResourceStep::RetryWithDpopNonce(nonce) = resource_response(response)? {
            return Ok(UserInfoStep::RetryWithDpopNonce(nonce));
        }
        if response.status() != 200 {
            return Err(ResponseError::UnexpectedStatus(response.status()).into());
        }
        match media_type(response).as_deref() {
            None | Some("application/json") => {}
            Some("application/jwt") => return Err(UserInfoError::SignedResponseUnsupported.into()),
            Some(other) => {
                return Err(ResponseError::UnexpectedContentType(Some(other.to_owned())).into());
            }
        }
        let info = UserInfo::parse_json(response.body()).map_err(ResponseError::Json)?;
        if info.sub != id_token.subject() {
            return Err(UserInfoError::SubjectMismatch.into());
        }
        Ok(UserInfoStep::UserInfo(info))
    }
}

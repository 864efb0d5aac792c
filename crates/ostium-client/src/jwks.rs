//! The provider's JWK Set as the client caches it (RFC 7517 §5; OIDC Discovery §3 `jwks_uri`;
//! OIDC Core §10.1.1 key rotation).

use ostium_jose::JwkSet;
use ostium_messages::HttpResponse;
use time::OffsetDateTime;

use crate::client::Client;
use crate::error::{ClientError, ResponseError};
use crate::http::{OutboundRequest, media_type};
use crate::provider::ProviderConfig;

/// The provider's signing keys and when they were fetched.
///
/// The fetch time decides what an unknown `kid` means: if the set is older than the client's
/// cooldown, the provider may have rotated its keys and validation answers "fetch the JWK Set
/// again" ([`JwksRefresh`]); if it is younger, the `kid` names no key of the provider and the
/// token is refused (checklist item 66).
#[derive(Clone, Debug)]
pub struct ProviderJwks {
    keys: JwkSet,
    fetched_at: OffsetDateTime,
}

impl ProviderJwks {
    /// Keys obtained at `fetched_at`.
    pub fn new(keys: JwkSet, fetched_at: OffsetDateTime) -> Self {
        Self { keys, fetched_at }
    }

    /// Reads the `jwks_uri` response received at `now`: status 200, `application/json` or
    /// `application/jwk-set+json`, a JWK Set (unusable keys are skipped, RFC 7517 §5).
    ///
    /// # Errors
    ///
    /// [`ClientError::Response`] for another status or content type, or a body that is not a
    /// JWK Set.
    pub fn from_response(
        response: &HttpResponse,
        now: OffsetDateTime,
    ) -> Result<Self, ClientError> {
        if response.status() != 200 {
            return Err(ResponseError::UnexpectedStatus(response.status()).into());
        }
        match media_type(response) {
            None => {}
            Some(media) if media == "application/json" || media == "application/jwk-set+json" => {}
            Some(other) => return Err(ResponseError::UnexpectedContentType(Some(other)).into()),
        }
        let text = std::str::from_utf8(response.body()).map_err(|_| {
            ResponseError::Jwks(ostium_jose::KeyError::Json("not UTF-8".to_owned()))
        })?;
        let keys = JwkSet::from_json(text).map_err(ResponseError::Jwks)?;
        Ok(Self::new(keys, now))
    }

    /// The keys.
    pub fn keys(&self) -> &JwkSet {
        &self.keys
    }

    /// When they were fetched.
    pub fn fetched_at(&self) -> OffsetDateTime {
        self.fetched_at
    }
}

/// The token names a key the cached JWK Set lacks, and the set is old enough to be fetched
/// again: send [`Client::jwks_request`], read it with [`ProviderJwks::from_response`], and
/// validate again with the new set (OIDC Core §10.1.1; checklist item 66).
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct JwksRefresh {
    /// The `kid` the token names, if any.
    pub kid: Option<String>,
}

impl Client {
    /// `GET jwks_uri`.
    ///
    /// # Errors
    ///
    /// [`ClientError::Misuse`] when the provider has no `jwks_uri`.
    pub fn jwks_request(&self) -> Result<OutboundRequest, ClientError> {
        let uri =
            ProviderConfig::endpoint(&self.provider.jwks_uri, "the provider has no jwks_uri")?;
        Ok(OutboundRequest::get_json(uri))
    }
}

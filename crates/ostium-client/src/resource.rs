//! Calls to protected resources with the access token (RFC 6750 §2.1; RFC 9449 §7.1), and
//! reading their challenges (RFC 6750 §3; RFC 9449 §7.1, §9).

use ostium_messages::resource::Challenge;
use ostium_messages::response::header;
use ostium_messages::{HttpResponse, ResourceErrorCode, TokenType};

use crate::error::{ClientError, ResponseError};
use crate::http::OutboundRequest;
use crate::token::TokenSet;

impl OutboundRequest {
    /// Sets `Authorization: Bearer <token>` or `Authorization: DPoP <token>`, after the token
    /// type (RFC 6750 §2.1; RFC 9449 §7.1). A `DPoP` token also needs a proof with its `ath`:
    /// add it with [`with_dpop_proof`](Self::with_dpop_proof).
    pub fn with_access_token(self, tokens: &TokenSet) -> Self {
        let scheme = match tokens.token_type {
            TokenType::DPoP => "DPoP",
            _ => "Bearer",
        };
        self.with_header(
            header::AUTHORIZATION,
            format!("{scheme} {}", tokens.access_token.as_str()),
        )
    }
}

/// The outcome of a call to a protected resource that did not fail.
#[derive(Clone, Debug, PartialEq, Eq)]
#[must_use]
#[non_exhaustive]
pub enum ResourceStep {
    /// A 2xx or 3xx status: read the body.
    Success,
    /// The resource server wants a DPoP nonce (`use_dpop_nonce` with `DPoP-Nonce`,
    /// RFC 9449 §9): send the request again with a proof carrying it.
    RetryWithDpopNonce(String),
}

/// Reads the status and challenges of a protected resource's response.
///
/// # Errors
///
/// [`ResponseError::Challenged`] with the `Bearer`/`DPoP` challenges for a 401 or 403 (e.g.
/// `insufficient_scope` with the scope needed), [`ResponseError::UnexpectedStatus`] for other
/// failures.
pub fn resource_response(response: &HttpResponse) -> Result<ResourceStep, ClientError> {
    let status = response.status();
    if (200..400).contains(&status) {
        return Ok(ResourceStep::Success);
    }
    let challenges: Vec<Challenge> = response
        .headers()
        .iter()
        .filter(|(name, _)| *name == header::WWW_AUTHENTICATE)
        .filter_map(|(_, value)| Challenge::parse_header(value).ok())
        .flatten()
        .collect();
    if challenges.is_empty() {
        return Err(ResponseError::UnexpectedStatus(status).into());
    }
    let wants_nonce = challenges.iter().any(|c| {
        c.error
            .as_ref()
            .is_some_and(|e| e.error == ResourceErrorCode::UseDpopNonce)
    });
    if let (true, Some(nonce)) = (wants_nonce, response.header(header::DPOP_NONCE)) {
        return Ok(ResourceStep::RetryWithDpopNonce(nonce.to_owned()));
    }
    Err(ResponseError::Challenged { status, challenges }.into())
}

//! Token revocation (RFC 7009): the request (§2.1) and the responses (§2.2).
//!
//! An invalid or unknown token is answered with 200, like a revoked one (§2.2; checklist
//! item 53): [`revocation_success`] is the only success response. Errors use the RFC 6749 §5.2
//! body, plus `unsupported_token_type` (§2.2.1).

use std::fmt;

use crate::client_auth::ClientAuthentication;
use crate::error::{ErrorResponse, TokenErrorCode};
use crate::params::Params;
use crate::request::HttpRequest;
use crate::response::{HttpResponse, header};
use crate::token::back_channel_params;
use crate::values::TokenString;

/// `token_type_hint` (RFC 7009 §2.1; RFC 7662 §2.1). An unknown hint is kept; the server may
/// ignore it and search all token types.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum TokenTypeHint {
    /// `access_token`.
    AccessToken,
    /// `refresh_token`.
    RefreshToken,
    /// Any other value.
    Unknown(String),
}

impl TokenTypeHint {
    /// Maps a hint.
    pub fn from_wire(value: &str) -> Self {
        match value {
            "access_token" => Self::AccessToken,
            "refresh_token" => Self::RefreshToken,
            other => Self::Unknown(other.to_owned()),
        }
    }

    /// The wire value.
    pub fn as_str(&self) -> &str {
        match self {
            Self::AccessToken => "access_token",
            Self::RefreshToken => "refresh_token",
            Self::Unknown(other) => other,
        }
    }
}

/// A request naming a token, with the caller's authentication: the revocation request
/// (RFC 7009 §2.1) and, with [`crate::introspection`], the introspection request (RFC 7662 §2.1).
#[derive(Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct TokenOperationRequest {
    /// `token` (secret, redacted in `Debug`).
    pub token: TokenString,
    /// `token_type_hint`.
    pub token_type_hint: Option<TokenTypeHint>,
    /// The client authentication as presented.
    pub client_auth: ClientAuthentication,
}

/// A revocation request (RFC 7009 §2.1).
pub type RevocationRequest = TokenOperationRequest;

impl TokenOperationRequest {
    /// A request about `token`, as a client builds it.
    pub fn new(token: TokenString, client_auth: ClientAuthentication) -> Self {
        Self {
            token,
            token_type_hint: None,
            client_auth,
        }
    }

    /// Parses a revocation request: `POST`, form body, `token` required.
    ///
    /// # Errors
    ///
    /// `invalid_request` / `invalid_client` as for the token endpoint.
    pub fn parse(request: &HttpRequest<'_>) -> Result<Self, ErrorResponse<TokenErrorCode>> {
        let params = back_channel_params(request, &[])?;
        let client_auth = ClientAuthentication::parse(request.authorization, &params)?;
        Self::from_params(&params, client_auth)
    }

    pub(crate) fn from_params(
        params: &Params,
        client_auth: ClientAuthentication,
    ) -> Result<Self, ErrorResponse<TokenErrorCode>> {
        let invalid =
            |text: &str| ErrorResponse::new(TokenErrorCode::InvalidRequest).with_description(text);
        let token = params
            .single("token")
            .ok()
            .flatten()
            .ok_or_else(|| invalid("token is required"))
            .and_then(|t| TokenString::parse(t).map_err(|e| invalid(&e.to_string())))?;
        Ok(Self {
            token,
            token_type_hint: params
                .single("token_type_hint")
                .ok()
                .flatten()
                .map(TokenTypeHint::from_wire),
            client_auth,
        })
    }

    /// The form body and `Authorization` header value, as a client sends them.
    pub fn to_form(&self) -> (Params, Option<String>) {
        let mut params = Params::new();
        params.push("token", self.token.as_str());
        params.push_opt(
            "token_type_hint",
            self.token_type_hint.as_ref().map(TokenTypeHint::as_str),
        );
        let authorization = self.client_auth.apply(&mut params);
        (params, authorization)
    }
}

impl fmt::Debug for TokenOperationRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TokenOperationRequest")
            .field("token", &self.token)
            .field("token_type_hint", &self.token_type_hint)
            .field("client_auth", &self.client_auth)
            .finish()
    }
}

/// The revocation success response: 200 with an empty body, also for an invalid or unknown
/// token (RFC 7009 §2.2).
pub fn revocation_success() -> HttpResponse {
    HttpResponse::new(200).with_header(header::CACHE_CONTROL, "no-store")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc_7009_section_2_1_example() {
        let request =
            HttpRequest::form_post(b"token=45ghiukldjahdnhzdauz&token_type_hint=refresh_token")
                .with_authorization("Basic czZCaGRSa3F0MzpnWDFmQmF0M2JW");
        let parsed = RevocationRequest::parse(&request).unwrap();
        assert_eq!(parsed.token.as_str(), "45ghiukldjahdnhzdauz");
        assert_eq!(parsed.token_type_hint, Some(TokenTypeHint::RefreshToken));
        assert!(!format!("{parsed:?}").contains("45ghiukldjahdnhzdauz"));
        let (params, authorization) = parsed.to_form();
        let body = params.encode();
        let again = RevocationRequest::parse(
            &HttpRequest::form_post(body.as_bytes()).with_authorization(&authorization.unwrap()),
        )
        .unwrap();
        assert_eq!(again, parsed);
    }

    #[test]
    fn req_53_revocation_answers_200_and_needs_a_token() {
        let response = revocation_success();
        assert_eq!(response.status(), 200);
        assert!(response.body().is_empty());
        let missing =
            RevocationRequest::parse(&HttpRequest::form_post(b"token_type_hint=x")).unwrap_err();
        assert_eq!(missing.error, TokenErrorCode::InvalidRequest);
        let repeated =
            RevocationRequest::parse(&HttpRequest::form_post(b"token=a&token=b")).unwrap_err();
        assert_eq!(repeated.error, TokenErrorCode::InvalidRequest);
        let unsupported = ErrorResponse::new(TokenErrorCode::UnsupportedTokenType);
        assert_eq!(HttpResponse::token_error(&unsupported, "as").status(), 400);
    }
}

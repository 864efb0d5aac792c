//! Conversions to and from the `http` crate's types (feature `http`), so that axum, hyper and
//! other `http`-based stacks plug in without glue.
//!
//! ```
//! use ostium_messages::{HttpRequest, TokenRequest};
//!
//! let request = http::Request::post("https://as.example/token?tenant=1")
//!     .header("content-type", "application/x-www-form-urlencoded")
//!     .header("authorization", "Basic czZCaGRSa3F0Mzo3RmpmcDBaQnIxS3REUmJuZlZkbUl3")
//!     .body(b"grant_type=client_credentials".to_vec())?;
//! let parsed = TokenRequest::parse(&HttpRequest::from_http(&request)?)?;
//! assert_eq!(parsed.client_auth.client_id().map(|c| c.as_str()), Some("s6BhdRkqt3"));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::fmt;

use crate::error::{ErrorResponse, ResourceErrorCode, TokenErrorCode};
use crate::request::HttpRequest;
use crate::response::HttpResponse;

/// A request header this crate reads could not be used.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum HeaderError {
    /// A header that must appear at most once appeared more often (RFC 9110 §5.3).
    Repeated(&'static str),
    /// A header value is not visible ASCII.
    NotAscii(&'static str),
}

impl HeaderError {
    /// The back-channel error response (`invalid_request`).
    pub fn to_token_error(&self) -> ErrorResponse<TokenErrorCode> {
        ErrorResponse::new(TokenErrorCode::InvalidRequest).with_description(&self.to_string())
    }

    /// The resource error (`invalid_request`, RFC 6750 §3.1).
    pub fn to_resource_error(&self) -> ErrorResponse<ResourceErrorCode> {
        ErrorResponse::new(ResourceErrorCode::InvalidRequest).with_description(&self.to_string())
    }
}

impl fmt::Display for HeaderError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Repeated(name) => write!(f, "header {name} appears more than once"),
            Self::NotAscii(name) => write!(f, "header {name} is not visible ASCII"),
        }
    }
}

impl std::error::Error for HeaderError {}

fn single_header<'a>(
    headers: &'a http::HeaderMap,
    name: &'static str,
) -> Result<Option<&'a str>, HeaderError> {
    let mut values = headers.get_all(name).iter();
    let first = values.next();
    if values.next().is_some() {
        return Err(HeaderError::Repeated(name));
    }
    first
        .map(|v| v.to_str().map_err(|_| HeaderError::NotAscii(name)))
        .transpose()
}

impl<'a> HttpRequest<'a> {
    /// Borrows the parts this crate reads from an `http::Request`.
    ///
    /// # Errors
    ///
    /// [`HeaderError`] when `Authorization`, `DPoP` or `Content-Type` appears twice or is not
    /// ASCII.
    pub fn from_http<B: AsRef<[u8]>>(request: &'a http::Request<B>) -> Result<Self, HeaderError> {
        let headers = request.headers();
        Ok(Self {
            method: request.method().as_str(),
            query: request.uri().query(),
            content_type: single_header(headers, "content-type")?,
            authorization: single_header(headers, "authorization")?,
            dpop: single_header(headers, "dpop")?,
            body: request.body().as_ref(),
        })
    }
}

impl TryFrom<HttpResponse> for http::Response<Vec<u8>> {
    type Error = http::Error;

    /// Builds the `http` response. Fails only when the embedder put a header value that is not
    /// valid in HTTP (e.g. a `DPoP-Nonce` with a newline): every value this crate writes is
    /// visible ASCII.
    fn try_from(response: HttpResponse) -> Result<Self, Self::Error> {
        let (status, headers, body) = response.into_parts();
        let mut builder = http::Response::builder().status(status);
        for (name, value) in headers.into_owned() {
            // Both forms get the same validity check; an owned value moves in without a copy.
            builder = match value {
                std::borrow::Cow::Borrowed(value) => builder.header(name, value),
                std::borrow::Cow::Owned(value) => builder.header(name, value),
            };
        }
        builder.body(body)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::TokenErrorCode;
    use crate::token::TokenResponse;

    #[test]
    fn request_headers_are_single() {
        let request = http::Request::post("/token")
            .header("authorization", "Basic a")
            .header("authorization", "Basic b")
            .body(Vec::<u8>::new())
            .unwrap();
        assert_eq!(
            HttpRequest::from_http(&request),
            Err(HeaderError::Repeated("authorization"))
        );
        let request = http::Request::get("/resource?x=1")
            .header("authorization", "Bearer abc")
            .header("dpop", "a.b.c")
            .body(&b""[..])
            .unwrap();
        let parts = HttpRequest::from_http(&request).unwrap();
        assert_eq!((parts.method, parts.query), ("GET", Some("x=1")));
        assert_eq!(parts.dpop, Some("a.b.c"));
    }

    #[test]
    fn responses_convert() {
        let error = ErrorResponse::new(TokenErrorCode::InvalidClient);
        let response: http::Response<Vec<u8>> =
            HttpResponse::token_error(&error, "as").try_into().unwrap();
        assert_eq!(response.status(), 401);
        assert_eq!(response.headers()["www-authenticate"], "Basic realm=\"as\"");
        assert_eq!(response.headers()["cache-control"], "no-store");
        let token = TokenResponse::new(
            crate::values::AccessToken::parse("2YotnFZFEjr1zCsicMWpAA").unwrap(),
            crate::token::TokenType::Bearer,
        );
        let response: http::Response<Vec<u8>> = token.to_response().try_into().unwrap();
        assert_eq!(response.headers()["content-type"], "application/json");
        let bad = HttpResponse::new(401).with_header("dpop-nonce", "a\nb");
        assert!(http::Response::<Vec<u8>>::try_from(bad).is_err());
    }
}

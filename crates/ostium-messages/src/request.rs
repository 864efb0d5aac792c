//! An HTTP request as data: what the endpoint parsers read.

use std::fmt;

/// The parts of an HTTP request the parsers of this crate read. The embedder fills it from its
/// framework's request (or uses the `http` feature's conversion); header values are passed once:
/// a request that carried a header twice where only one is allowed (`Authorization`, `DPoP`) must
/// be refused before (the `http` feature's conversion does this).
#[derive(Clone, Copy, Default, PartialEq, Eq)]
pub struct HttpRequest<'a> {
    /// The method, uppercase (`GET`, `POST`).
    pub method: &'a str,
    /// The query string without `?`.
    pub query: Option<&'a str>,
    /// The `Content-Type` header.
    pub content_type: Option<&'a str>,
    /// The `Authorization` header.
    pub authorization: Option<&'a str>,
    /// The `DPoP` header (RFC 9449 §4.1).
    pub dpop: Option<&'a str>,
    /// The body.
    pub body: &'a [u8],
}

impl<'a> HttpRequest<'a> {
    /// A `POST` with a form body.
    pub fn form_post(body: &'a [u8]) -> Self {
        Self {
            method: "POST",
            content_type: Some("application/x-www-form-urlencoded"),
            body,
            ..Self::default()
        }
    }

    /// A `GET` with a query string.
    pub fn get(query: &'a str) -> Self {
        Self {
            method: "GET",
            query: Some(query),
            ..Self::default()
        }
    }

    /// Sets the `Authorization` header.
    #[must_use]
    pub fn with_authorization(mut self, value: &'a str) -> Self {
        self.authorization = Some(value);
        self
    }

    /// Sets the `DPoP` header.
    #[must_use]
    pub fn with_dpop(mut self, value: &'a str) -> Self {
        self.dpop = Some(value);
        self
    }
}

impl fmt::Debug for HttpRequest<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Credentials travel in the headers and the body.
        f.debug_struct("HttpRequest")
            .field("method", &self.method)
            .field("content_type", &self.content_type)
            .field("authorization", &self.authorization.map(|_| "<redacted>"))
            .field("dpop", &self.dpop.map(|_| "<redacted>"))
            .field("body_len", &self.body.len())
            .finish_non_exhaustive()
    }
}

//! HTTP requests described as data: what the embedder must send (RFC 9110 §9, §6).
//!
//! This crate never opens a connection. Every request it builds is an [`OutboundRequest`]: a
//! method, an absolute URL, header fields and a body. The embedder sends it with its own HTTP
//! client and hands the answer back as an [`ostium_messages::HttpResponse`] (status, the headers
//! the client reads — `content-type`, `www-authenticate`, `dpop-nonce` — and the body).

use std::fmt;

use ostium_messages::response::header;
use ostium_messages::{HttpRequest, HttpResponse, Params};

/// An HTTP request method (RFC 9110 §9).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Method {
    /// `GET`.
    Get,
    /// `POST`.
    Post,
    /// `PUT`.
    Put,
    /// `PATCH` (RFC 5789).
    Patch,
    /// `DELETE`.
    Delete,
    /// `HEAD`.
    Head,
}

impl Method {
    /// The method name, uppercase as sent on the wire (and as DPoP's `htm`, RFC 9449 §4.2).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Get => "GET",
            Self::Post => "POST",
            Self::Put => "PUT",
            Self::Patch => "PATCH",
            Self::Delete => "DELETE",
            Self::Head => "HEAD",
        }
    }
}

impl fmt::Display for Method {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The `content-type` of a form body (RFC 6749 §3.2, Appendix B).
pub(crate) const FORM_CONTENT_TYPE: &str = "application/x-www-form-urlencoded";

/// An HTTP request for the embedder to send: method, absolute URL, headers (lowercase names) and
/// body. `Debug` redacts the `authorization` and `dpop` headers and the body, which carry
/// credentials.
#[derive(Clone, PartialEq, Eq)]
#[must_use = "the request does nothing until the embedder sends it"]
pub struct OutboundRequest {
    method: Method,
    url: String,
    headers: Vec<(&'static str, String)>,
    body: Vec<u8>,
}

impl OutboundRequest {
    /// A request with no headers and an empty body.
    pub fn new(method: Method, url: impl Into<String>) -> Self {
        Self {
            method,
            url: url.into(),
            headers: Vec::new(),
            body: Vec::new(),
        }
    }

    /// A `GET` asking for JSON.
    pub(crate) fn get_json(url: impl Into<String>) -> Self {
        Self::new(Method::Get, url).with_header("accept", "application/json")
    }

    /// A form `POST` (RFC 6749 §3.2) asking for JSON, with an optional `Authorization` value.
    pub(crate) fn form_post(
        url: impl Into<String>,
        params: &Params,
        authorization: Option<String>,
    ) -> Self {
        let request = Self::new(Method::Post, url)
            .with_header(header::CONTENT_TYPE, FORM_CONTENT_TYPE)
            .with_header("accept", "application/json")
            .with_body(params.encode().into_bytes());
        match authorization {
            Some(value) => request.with_header(header::AUTHORIZATION, value),
            None => request,
        }
    }

    /// Sets header `name` (lowercase), replacing an earlier value.
    pub fn with_header(mut self, name: &'static str, value: impl Into<String>) -> Self {
        let value = value.into();
        match self.headers.iter_mut().find(|(n, _)| *n == name) {
            Some(slot) => slot.1 = value,
            None => self.headers.push((name, value)),
        }
        self
    }

    /// Replaces the body.
    pub fn with_body(mut self, body: Vec<u8>) -> Self {
        self.body = body;
        self
    }

    /// The method.
    pub fn method(&self) -> Method {
        self.method
    }

    /// The absolute URL, query included.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// The headers, lowercase names, in the order set.
    pub fn headers(&self) -> &[(&'static str, String)] {
        &self.headers
    }

    /// The value of header `name` (lowercase).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, v)| v.as_str())
    }

    /// The body.
    pub fn body(&self) -> &[u8] {
        &self.body
    }

    /// Method, URL, headers and body.
    pub fn into_parts(self) -> (Method, String, Vec<(&'static str, String)>, Vec<u8>) {
        (self.method, self.url, self.headers, self.body)
    }

    /// The request as the server-side parsers of `ostium-messages` read it, for running a client
    /// and a server in one process (tests, examples): method, query, `content-type`,
    /// `authorization`, `dpop` and body.
    pub fn as_http_request(&self) -> HttpRequest<'_> {
        let without_fragment = self.url.split('#').next().unwrap_or_default();
        HttpRequest {
            method: self.method.as_str(),
            query: without_fragment.split_once('?').map(|(_, query)| query),
            content_type: self.header(header::CONTENT_TYPE),
            authorization: self.header(header::AUTHORIZATION),
            dpop: self.header(header::DPOP),
            body: &self.body,
        }
    }
}

impl fmt::Debug for OutboundRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let headers: Vec<(&str, &str)> = self
            .headers
            .iter()
            .map(|(name, value)| {
                let shown = if matches!(*name, header::AUTHORIZATION | header::DPOP) {
                    "<redacted>"
                } else {
                    value.as_str()
                };
                (*name, shown)
            })
            .collect();
        f.debug_struct("OutboundRequest")
            .field("method", &self.method)
            .field("url", &self.url)
            .field("headers", &headers)
            .field("body_len", &self.body.len())
            .finish()
    }
}

/// The media type of a response, lowercase, without parameters.
pub(crate) fn media_type(response: &HttpResponse) -> Option<String> {
    response.header(header::CONTENT_TYPE).map(|value| {
        value
            .split(';')
            .next()
            .unwrap_or_default()
            .trim()
            .to_ascii_lowercase()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn form_post_carries_body_and_headers() {
        let mut params = Params::new();
        params.push("grant_type", "client_credentials");
        params.push("scope", "a b");
        let request = OutboundRequest::form_post(
            "https://as.example/token?x=1",
            &params,
            Some("Basic abc".into()),
        );
        assert_eq!(request.method(), Method::Post);
        assert_eq!(request.body(), b"grant_type=client_credentials&scope=a+b");
        assert_eq!(request.header("content-type"), Some(FORM_CONTENT_TYPE));
        let http = request.as_http_request();
        assert_eq!(http.method, "POST");
        assert_eq!(http.query, Some("x=1"));
        assert_eq!(http.authorization, Some("Basic abc"));
        let shown = format!("{request:?}");
        assert!(!shown.contains("abc"), "{shown}");
        assert!(!shown.contains("client_credentials"), "{shown}");
    }

    #[test]
    fn with_header_replaces() {
        let request = OutboundRequest::new(Method::Get, "https://rs.example/")
            .with_header("dpop", "a")
            .with_header("dpop", "b");
        assert_eq!(request.headers().len(), 1);
        assert_eq!(request.header("dpop"), Some("b"));
    }
}

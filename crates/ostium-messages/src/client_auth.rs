//! Client authentication as presented at the token, revocation, introspection, device
//! authorization and PAR endpoints (RFC 6749 §2.3; RFC 7523 §2.2; OIDC Core §9).
//!
//! This module reads *what* the client presented; checking it (secret hash, assertion signature,
//! `jti` replay) is the engine's work. Presenting more than one method is `invalid_request`
//! (RFC 6749 §2.3; checklist item 31). A malformed `Authorization: Basic` header is
//! `invalid_client`, answered with 401 and `WWW-Authenticate` (RFC 6749 §5.2; item 32).

use std::fmt;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;

use crate::error::{ErrorResponse, TokenErrorCode};
use crate::params::Params;
use crate::values::{ClientId, ClientSecret, TokenString};

/// The `client_assertion_type` for JWT client authentication (RFC 7523 §2.2).
pub const JWT_BEARER_ASSERTION_TYPE: &str =
    "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";

/// The client authentication parameters, consumed by [`ClientAuthentication::parse`].
pub const CLIENT_AUTH_PARAMETERS: &[&str] = &[
    "client_id",
    "client_secret",
    "client_assertion",
    "client_assertion_type",
];

/// What the client presented to authenticate.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ClientAuthentication {
    /// `client_secret_basic`: HTTP Basic with the form-url-decoded id and secret
    /// (RFC 6749 §2.3.1).
    ClientSecretBasic {
        /// The client.
        client_id: ClientId,
        /// The secret (redacted in `Debug`).
        client_secret: ClientSecret,
    },
    /// `client_secret_post`: `client_id` and `client_secret` in the body (RFC 6749 §2.3.1).
    ClientSecretPost {
        /// The client.
        client_id: ClientId,
        /// The secret.
        client_secret: ClientSecret,
    },
    /// `client_secret_jwt` or `private_key_jwt` (RFC 7523 §2.2; OIDC Core §9): which of the two
    /// depends on the assertion's `alg`, known once `ostium-jose` reads it.
    JwtAssertion {
        /// The `client_id` parameter, if sent; must equal the assertion's `sub` (RFC 7523 §3).
        client_id: Option<ClientId>,
        /// The signed JWT (redacted in `Debug`).
        assertion: TokenString,
    },
    /// `none`: a public client identifying itself by `client_id` only (OIDC Core §9).
    None {
        /// The client.
        client_id: ClientId,
    },
    /// No client identification at all.
    Unidentified,
}

impl ClientAuthentication {
    /// The `client_id` presented, if any.
    pub fn client_id(&self) -> Option<&ClientId> {
        match self {
            Self::ClientSecretBasic { client_id, .. }
            | Self::ClientSecretPost { client_id, .. }
            | Self::None { client_id } => Some(client_id),
            Self::JwtAssertion { client_id, .. } => client_id.as_ref(),
            Self::Unidentified => None,
        }
    }

    /// The registered method name (OIDC Core §9; RFC 7591 §2 `token_endpoint_auth_method`).
    /// A JWT assertion is reported as `private_key_jwt`/`client_secret_jwt` only after its `alg`
    /// is known, so it reads `jwt` here.
    pub fn method_name(&self) -> &'static str {
        match self {
            Self::ClientSecretBasic { .. } => "client_secret_basic",
            Self::ClientSecretPost { .. } => "client_secret_post",
            Self::JwtAssertion { .. } => "jwt",
            Self::None { .. } => "none",
            Self::Unidentified => "unidentified",
        }
    }

    /// Reads the client authentication from the `Authorization` header and the body parameters.
    ///
    /// # Errors
    ///
    /// `invalid_request` for more than one method, a repeated parameter, a `client_id` in the
    /// body that differs from the Basic one, a `client_assertion` without the JWT bearer
    /// `client_assertion_type` (or the reverse); `invalid_client` for a malformed or non-Basic
    /// `Authorization` header.
    pub fn parse(
        authorization: Option<&str>,
        params: &Params,
    ) -> Result<Self, ErrorResponse<TokenErrorCode>> {
        let single = |name| params.single(name).map_err(|e| e.to_token_error());
        let body_id = parse_client_id(single("client_id")?)?;
        let body = BodyCredentials {
            client_secret: single("client_secret")?,
            assertion: single("client_assertion")?,
            assertion_type: single("client_assertion_type")?,
        };
        Self::from_presented(authorization, body_id, &body)
    }

    /// [`parse`](Self::parse) once the body's parameters are read (the `client_id` first, so
    /// that a malformed one is reported before anything else).
    pub(crate) fn from_presented(
        authorization: Option<&str>,
        body_id: Option<ClientId>,
        body: &BodyCredentials<'_>,
    ) -> Result<Self, ErrorResponse<TokenErrorCode>> {
        let BodyCredentials {
            client_secret: body_secret,
            assertion,
            assertion_type,
        } = *body;
        let basic = authorization.map(parse_basic).transpose()?;
        let presented = usize::from(basic.is_some())
            + usize::from(body_secret.is_some())
            + usize::from(assertion.is_some() || assertion_type.is_some());
        if presented > 1 {
            return Err(invalid_request(
                "more than one client authentication method was used",
            ));
        }
        if let Some((client_id, client_secret)) = basic {
            if body_id.as_ref().is_some_and(|id| *id != client_id) {
                return Err(invalid_request(
                    "client_id differs from the Authorization header",
                ));
            }
            return Ok(Self::ClientSecretBasic {
                client_id,
                client_secret,
            });
        }
        if let Some(secret) = body_secret {
            let client_id =
                body_id.ok_or_else(|| invalid_request("client_secret requires client_id"))?;
            let client_secret =
                ClientSecret::parse(secret).map_err(|e| invalid_request(&e.to_string()))?;
            return Ok(Self::ClientSecretPost {
                client_id,
                client_secret,
            });
        }
        match (assertion, assertion_type) {
            (Some(assertion), Some(JWT_BEARER_ASSERTION_TYPE)) => Ok(Self::JwtAssertion {
                client_id: body_id,
                assertion: TokenString::parse(assertion)
                    .map_err(|e| invalid_request(&e.to_string()))?,
            }),
            (Some(_), Some(_)) => Err(invalid_request("unsupported client_assertion_type")),
            (Some(_), None) => Err(invalid_request("client_assertion_type is required")),
            (None, Some(_)) => Err(invalid_request("client_assertion is required")),
            (None, None) => Ok(match body_id {
                Some(client_id) => Self::None { client_id },
                None => Self::Unidentified,
            }),
        }
    }

    /// Writes this authentication into a request, as a client: returns the `Authorization`
    /// header value for `client_secret_basic`, and adds body parameters for the others.
    pub fn apply(&self, params: &mut Params) -> Option<String> {
        match self {
            Self::ClientSecretBasic {
                client_id,
                client_secret,
            } => Some(basic_header(client_id, client_secret)),
            Self::ClientSecretPost {
                client_id,
                client_secret,
            } => {
                params.push("client_id", client_id.as_str());
                params.push("client_secret", client_secret.as_str());
                None
            }
            Self::JwtAssertion {
                client_id,
                assertion,
            } => {
                params.push_opt("client_id", client_id.as_ref().map(ClientId::as_str));
                params.push("client_assertion_type", JWT_BEARER_ASSERTION_TYPE);
                params.push("client_assertion", assertion.as_str());
                None
            }
            Self::None { client_id } => {
                params.push("client_id", client_id.as_str());
                None
            }
            Self::Unidentified => None,
        }
    }
}

/// The credentials a client may send in the body besides `client_id`.
#[derive(Clone, Copy)]
pub(crate) struct BodyCredentials<'a> {
    /// `client_secret`.
    pub(crate) client_secret: Option<&'a str>,
    /// `client_assertion`.
    pub(crate) assertion: Option<&'a str>,
    /// `client_assertion_type`.
    pub(crate) assertion_type: Option<&'a str>,
}

/// Parses the body's `client_id`, if sent.
pub(crate) fn parse_client_id(
    value: Option<&str>,
) -> Result<Option<ClientId>, ErrorResponse<TokenErrorCode>> {
    value
        .map(|v| ClientId::parse(v).map_err(|e| invalid_request(&e.to_string())))
        .transpose()
}

fn invalid_request(text: &str) -> ErrorResponse<TokenErrorCode> {
    ErrorResponse::new(TokenErrorCode::InvalidRequest).with_description(text)
}

/// `Basic base64(form-urlencode(id) ":" form-urlencode(secret))` (RFC 6749 §2.3.1).
pub fn basic_header(client_id: &ClientId, client_secret: &ClientSecret) -> String {
    let encode = |s: &str| url::form_urlencoded::byte_serialize(s.as_bytes()).collect::<String>();
    let joined = format!(
        "{}:{}",
        encode(client_id.as_str()),
        encode(client_secret.as_str())
    );
    format!("Basic {}", STANDARD.encode(joined))
}

fn invalid_client(text: &str) -> ErrorResponse<TokenErrorCode> {
    ErrorResponse::new(TokenErrorCode::InvalidClient).with_description(text)
}

/// Splits `scheme SP token68` (RFC 9110 §11.4), the scheme compared case-insensitively.
pub(crate) fn split_credentials<'a>(header: &'a str, scheme: &str) -> Option<&'a str> {
    let (found, rest) = header.split_once(' ')?;
    if !found.eq_ignore_ascii_case(scheme) {
        return None;
    }
    let token = rest.trim_start_matches(' ');
    (!token.is_empty() && !token.contains(' ')).then_some(token)
}

fn parse_basic(header: &str) -> Result<(ClientId, ClientSecret), ErrorResponse<TokenErrorCode>> {
    let token = split_credentials(header, "Basic")
        .ok_or_else(|| invalid_client("the Authorization header must use the Basic scheme"))?;
    let decoded = STANDARD
        .decode(token)
        .ok()
        .and_then(|bytes| String::from_utf8(bytes).ok())
        .ok_or_else(|| invalid_client("malformed Basic credentials"))?;
    let (id, secret) = decoded
        .split_once(':')
        .ok_or_else(|| invalid_client("malformed Basic credentials"))?;
    // RFC 6749 §2.3.1: both are encoded with application/x-www-form-urlencoded first.
    let decode = crate::params::form_decode;
    let client_id = decode(id)
        .and_then(|id| ClientId::parse(&id).ok())
        .ok_or_else(|| invalid_client("malformed client_id in Basic credentials"))?;
    let client_secret = decode(secret)
        .and_then(|s| ClientSecret::parse(&s).ok())
        .ok_or_else(|| invalid_client("malformed client_secret in Basic credentials"))?;
    Ok((client_id, client_secret))
}

impl fmt::Display for ClientAuthentication {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.method_name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params(query: &str) -> Params {
        Params::parse_query(query).unwrap()
    }

    #[test]
    fn rfc_6749_section_2_3_1_basic_example() {
        // RFC 6749 §2.3.1: Authorization: Basic czZCaGRSa3F0Mzo3RmpmcDBaQnIxS3REUmJuZlZkbUl3
        let auth = ClientAuthentication::parse(
            Some("Basic czZCaGRSa3F0Mzo3RmpmcDBaQnIxS3REUmJuZlZkbUl3"),
            &params("grant_type=authorization_code"),
        )
        .unwrap();
        let ClientAuthentication::ClientSecretBasic {
            client_id,
            client_secret,
        } = &auth
        else {
            panic!("expected basic");
        };
        assert_eq!(client_id.as_str(), "s6BhdRkqt3");
        assert_eq!(client_secret.as_str(), "7Fjfp0ZBr1KtDRbnfVdmIw");
        assert!(!format!("{auth:?}").contains("7Fjfp0"));
    }

    #[test]
    fn basic_credentials_are_form_url_decoded() {
        let id = ClientId::parse("my client:1").unwrap();
        let secret = ClientSecret::parse("p@ss+w%rd: &").unwrap();
        let header = basic_header(&id, &secret);
        let auth = ClientAuthentication::parse(Some(&header), &Params::new()).unwrap();
        assert_eq!(
            auth,
            ClientAuthentication::ClientSecretBasic {
                client_id: id,
                client_secret: secret
            }
        );
        // A raw `&` or `=` is kept, not taken as a separator.
        let raw = format!("Basic {}", STANDARD.encode("a&b=c:s&t"));
        let auth = ClientAuthentication::parse(Some(&raw), &Params::new()).unwrap();
        assert_eq!(auth.client_id().unwrap().as_str(), "a&b=c");
        // `basic` scheme in any case, extra spaces before the token.
        let lower = header.replacen("Basic ", "bAsIc   ", 1);
        assert!(ClientAuthentication::parse(Some(&lower), &Params::new()).is_ok());
    }

    #[test]
    fn req_31_more_than_one_method_is_invalid_request() {
        let basic = "Basic czZCaGRSa3F0Mzo3RmpmcDBaQnIxS3REUmJuZlZkbUl3";
        for body in [
            "client_id=s6BhdRkqt3&client_secret=x",
            "client_assertion_type=urn%3Aietf%3Aparams%3Aoauth%3Aclient-assertion-type%3Ajwt-bearer&client_assertion=a.b.c",
        ] {
            let error = ClientAuthentication::parse(Some(basic), &params(body)).unwrap_err();
            assert_eq!(error.error, TokenErrorCode::InvalidRequest, "{body}");
        }
        let error = ClientAuthentication::parse(
            None,
            &params("client_id=c&client_secret=x&client_assertion_type=urn%3Aietf%3Aparams%3Aoauth%3Aclient-assertion-type%3Ajwt-bearer&client_assertion=a.b.c"),
        )
        .unwrap_err();
        assert_eq!(error.error, TokenErrorCode::InvalidRequest);
        let error =
            ClientAuthentication::parse(Some(basic), &params("client_id=other")).unwrap_err();
        assert_eq!(error.error, TokenErrorCode::InvalidRequest);
        assert!(ClientAuthentication::parse(Some(basic), &params("client_id=s6BhdRkqt3")).is_ok());
    }

    #[test]
    fn req_32_malformed_authorization_header_is_invalid_client() {
        for header in [
            "Bearer abc",
            "Basic",
            "Basic !!!",
            "Basic czZCaGRSa3F0Mw==",
            "Basic YTpi Yw==",
            "Basic OjE=",
        ] {
            let error = ClientAuthentication::parse(Some(header), &Params::new()).unwrap_err();
            assert_eq!(error.error, TokenErrorCode::InvalidClient, "{header}");
            assert_eq!(error.status(), 401);
        }
    }

    #[test]
    fn rfc_7523_section_2_2_assertion_and_none() {
        let auth = ClientAuthentication::parse(
            None,
            &params("client_assertion_type=urn%3Aietf%3Aparams%3Aoauth%3Aclient-assertion-type%3Ajwt-bearer&client_assertion=eyJhbGciOiJSUzI1NiIsImtpZCI6IjIyIn0.eyJpc3Mi.cC4hiUPo"),
        )
        .unwrap();
        assert!(matches!(
            auth,
            ClientAuthentication::JwtAssertion {
                client_id: None,
                ..
            }
        ));
        let mut written = Params::new();
        assert_eq!(auth.apply(&mut written), None);
        assert_eq!(ClientAuthentication::parse(None, &written).unwrap(), auth);

        let wrong_type = ClientAuthentication::parse(
            None,
            &params("client_assertion_type=urn%3Aother&client_assertion=a"),
        )
        .unwrap_err();
        assert_eq!(wrong_type.error, TokenErrorCode::InvalidRequest);
        assert_eq!(
            ClientAuthentication::parse(None, &params("client_id=abc")).unwrap(),
            ClientAuthentication::None {
                client_id: ClientId::parse("abc").unwrap()
            }
        );
        assert_eq!(
            ClientAuthentication::parse(None, &Params::new()).unwrap(),
            ClientAuthentication::Unidentified
        );
        assert_eq!(
            ClientAuthentication::parse(None, &params("client_secret=x"))
                .unwrap_err()
                .error,
            TokenErrorCode::InvalidRequest
        );
    }
}

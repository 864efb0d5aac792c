//! What the client keeps between sending the user to the authorization endpoint and the callback
//! (RFC 6749 §10.12; RFC 7636 §4.1; RFC 9207 §2.4; OIDC Core §3.1.2.1).

use std::fmt;

use ostium_messages::authorization::ResponseType;
use ostium_messages::redirect_uri::RedirectUri;
use ostium_messages::{CodeVerifier, Issuer, JwkThumbprint, Nonce, Scope, State};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// One authorization request in flight: the secrets and expectations its callback is checked
/// against. Small and serde-serializable, to keep in a server-side session or an encrypted,
/// authenticated cookie bound to the user agent (RFC 9700 §4.7.1): never in a place the
/// attacker can write.
///
/// It is **one-time**: [`Client::handle_callback`](crate::Client::handle_callback) takes it by
/// value, so a callback consumes it; the embedder must delete its stored copy when it loads it
/// (checklist item 57). `Debug` redacts `state`, `nonce` and the PKCE verifier.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PendingAuthorization {
    pub(crate) state: State,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) nonce: Option<Nonce>,
    pub(crate) code_verifier: CodeVerifier,
    pub(crate) issuer: Issuer,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) redirect_uri: Option<RedirectUri>,
    #[serde(
        serialize_with = "write_response_type",
        deserialize_with = "read_response_type"
    )]
    pub(crate) response_type: ResponseType,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) scope: Option<Scope>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) max_age: Option<u64>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub(crate) acr_values: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) dpop_jkt: Option<JwkThumbprint>,
}

impl PendingAuthorization {
    /// The `state` sent; the callback must echo it exactly.
    pub fn state(&self) -> &State {
        &self.state
    }

    /// The `nonce` sent (OpenID Connect requests), which the ID token must carry.
    pub fn nonce(&self) -> Option<&Nonce> {
        self.nonce.as_ref()
    }

    /// The PKCE `code_verifier` (RFC 7636 §4.1), sent with the code at the token endpoint.
    pub fn code_verifier(&self) -> &CodeVerifier {
        &self.code_verifier
    }

    /// The issuer the request was sent to, compared with the callback's `iss` and the ID
    /// token's `iss` (RFC 9207 §2.4, checklist item 59).
    pub fn issuer(&self) -> &Issuer {
        &self.issuer
    }

    /// The `redirect_uri` sent, repeated in the token request (RFC 6749 §4.1.3).
    pub fn redirect_uri(&self) -> Option<&RedirectUri> {
        self.redirect_uri.as_ref()
    }

    /// The `response_type` sent.
    pub fn response_type(&self) -> ResponseType {
        self.response_type
    }

    /// The `scope` requested.
    pub fn scope(&self) -> Option<&Scope> {
        self.scope.as_ref()
    }

    /// Whether this is an OpenID Connect request (`openid` in the scope): the token response
    /// must then carry an ID token.
    pub fn is_openid(&self) -> bool {
        self.scope
            .as_ref()
            .is_some_and(ostium_scope::oidc::is_openid_request)
    }

    /// The `max_age` sent (OIDC Core §3.1.2.1): the ID token's `auth_time` is checked against it.
    pub fn max_age(&self) -> Option<u64> {
        self.max_age
    }

    /// The `acr_values` sent: the ID token's `acr` must be one of them.
    pub fn acr_values(&self) -> &[String] {
        &self.acr_values
    }

    /// The `dpop_jkt` sent (RFC 9449 §10), if the code is bound to a DPoP key.
    pub fn dpop_jkt(&self) -> Option<&JwkThumbprint> {
        self.dpop_jkt.as_ref()
    }
}

impl fmt::Debug for PendingAuthorization {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PendingAuthorization")
            .field("state", &"<redacted>")
            .field("nonce", &self.nonce.as_ref().map(|_| "<redacted>"))
            .field("code_verifier", &self.code_verifier)
            .field("issuer", &self.issuer)
            .field("redirect_uri", &self.redirect_uri)
            .field("response_type", &self.response_type.to_string())
            .field("scope", &self.scope)
            .field("max_age", &self.max_age)
            .field("acr_values", &self.acr_values)
            .field("dpop_jkt", &self.dpop_jkt)
            .finish()
    }
}

fn write_response_type<S: Serializer>(
    value: &ResponseType,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    serializer.serialize_str(&value.to_string())
}

fn read_response_type<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<ResponseType, D::Error> {
    let text = std::borrow::Cow::<'de, str>::deserialize(deserializer)?;
    ResponseType::parse(&text).map_err(serde::de::Error::custom)
}

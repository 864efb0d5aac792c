//! The client registry record: what the engine knows about a client (RFC 6749 §2; RFC 7591 §2).

use ostium_jose::{Jwk, JwkSet};
use ostium_messages::redirect_uri::RegisteredRedirectUri;
use ostium_messages::registration::ClientMetadata;
use ostium_messages::values::{AbsoluteUri, ClientId};
use ostium_scope::AuthorizationDetails;
use ostium_scope::ClientScope;
use time::OffsetDateTime;

use crate::secret::SecretHash;

/// A registered client, as the embedder's registry returns it to the engine.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct Client {
    /// The client identifier (RFC 6749 §2.2).
    pub id: ClientId,
    /// How the client authenticates at the token endpoint; [`ClientCredentials::None`] makes it a
    /// public client (RFC 6749 §2.1).
    pub credentials: ClientCredentials,
    /// The registered redirect URIs, matched by exact string comparison (RFC 9700 §4.1.3) with
    /// the loopback port exception (RFC 8252 §7.3).
    pub redirect_uris: Vec<RegisteredRedirectUri>,
    /// The grant types the client may use (RFC 7591 §2 `grant_types`).
    pub grant_types: Vec<GrantType>,
    /// The scopes the client may be granted, and its default scope.
    pub scope: ClientScope,
    /// The format of the access tokens issued to this client.
    pub access_token_format: AccessTokenFormat,
    /// A resource server allowed to introspect every token (RFC 7662 §2.1); other confidential
    /// clients may introspect only the tokens issued to them.
    pub introspects_any_token: bool,
    /// The RFC 8707 resource indicators the client may ask tokens for; a request naming another
    /// is refused with `invalid_target`. Empty: the client may not use `resource`.
    pub resources: Vec<AbsoluteUri>,
    /// The RFC 9396 `authorization_details` types the client may request; a request with another
    /// type is refused with `invalid_authorization_details`. Empty: none.
    pub authorization_details_types: Vec<String>,
    /// Where the client may have the browser sent after logout (RP-Initiated Logout §3),
    /// matched like the redirect URIs. Empty: nowhere.
    pub post_logout_redirect_uris: Vec<RegisteredRedirectUri>,
    /// Where the client receives logout tokens (Back-Channel Logout §2.2
    /// `backchannel_logout_uri`); the embedder POSTs [`crate::Engine::logout_token`]s there.
    pub backchannel_logout_uri: Option<AbsoluteUri>,
    /// Whether the client needs `sid` in its logout tokens (Back-Channel Logout §2.2
    /// `backchannel_logout_session_required`).
    pub backchannel_logout_session_required: bool,
    /// For a client registered dynamically (RFC 7591): what it registered, and the hash of the
    /// token that lets it read, update or delete its registration (RFC 7592).
    pub registered: Option<Box<RegisteredClient>>,
}

/// What dynamic registration recorded for a client (RFC 7591 §3.2.1; RFC 7592 §3).
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct RegisteredClient {
    /// The metadata as registered, defaults filled in.
    pub metadata: ClientMetadata,
    /// The hash of the registration access token (RFC 7592 §3).
    pub access_token: SecretHash,
    /// When the client was registered (`client_id_issued_at`).
    pub issued_at: OffsetDateTime,
}

impl Client {
    /// A public client (a browser or native app): no secret, PKCE, the `authorization_code` and
    /// `refresh_token` grants.
    pub fn public(
        id: ClientId,
        redirect_uris: Vec<RegisteredRedirectUri>,
        scope: ClientScope,
    ) -> Self {
        Self {
            id,
            credentials: ClientCredentials::None,
            redirect_uris,
            grant_types: vec![GrantType::AuthorizationCode, GrantType::RefreshToken],
            scope,
            access_token_format: AccessTokenFormat::Opaque,
            introspects_any_token: false,
            resources: Vec::new(),
            authorization_details_types: Vec::new(),
            post_logout_redirect_uris: Vec::new(),
            backchannel_logout_uri: None,
            backchannel_logout_session_required: false,
            registered: None,
        }
    }

    /// A confidential client with the given credentials and the `authorization_code` and
    /// `refresh_token` grants.
    pub fn confidential(
        id: ClientId,
        credentials: ClientCredentials,
        redirect_uris: Vec<RegisteredRedirectUri>,
        scope: ClientScope,
    ) -> Self {
        Self {
            credentials,
            ..Self::public(id, redirect_uris, scope)
        }
    }

    /// Replaces the grant types.
    #[must_use]
    pub fn with_grant_types(mut self, grant_types: Vec<GrantType>) -> Self {
        self.grant_types = grant_types;
        self
    }

    /// Replaces the access token format.
    #[must_use]
    pub fn with_access_token_format(mut self, format: AccessTokenFormat) -> Self {
        self.access_token_format = format;
        self
    }

    /// Allows the client to ask for tokens for these RFC 8707 resource indicators.
    #[must_use]
    pub fn with_resources(mut self, resources: Vec<AbsoluteUri>) -> Self {
        self.resources = resources;
        self
    }

    /// Registers where the browser may go after logout (RP-Initiated Logout §3).
    #[must_use]
    pub fn with_post_logout_redirect_uris(mut self, uris: Vec<RegisteredRedirectUri>) -> Self {
        self.post_logout_redirect_uris = uris;
        self
    }

    /// Registers where the client receives logout tokens, and whether it needs `sid` in them
    /// (Back-Channel Logout §2.2).
    #[must_use]
    pub fn with_backchannel_logout(mut self, uri: AbsoluteUri, session_required: bool) -> Self {
        self.backchannel_logout_uri = Some(uri);
        self.backchannel_logout_session_required = session_required;
        self
    }

    /// Allows the client to request these RFC 9396 `authorization_details` types.
    #[must_use]
    pub fn with_authorization_details_types(mut self, types: Vec<String>) -> Self {
        self.authorization_details_types = types;
        self
    }

    /// Whether every requested resource indicator is one the client may use (RFC 8707 §2).
    pub fn may_target(&self, requested: &[AbsoluteUri]) -> bool {
        requested
            .iter()
            .all(|resource| self.resources.contains(resource))
    }

    /// Whether every requested `authorization_details` entry has a type the client may use
    /// (RFC 9396 §5).
    pub fn may_request_details(&self, requested: Option<&AuthorizationDetails>) -> bool {
        requested.is_none_or(|details| {
            details.iter().all(|detail| {
                self.authorization_details_types
                    .iter()
                    .any(|t| t == detail.detail_type())
            })
        })
    }

    /// Makes the client a resource server that may introspect every token.
    #[must_use]
    pub fn introspecting_any_token(mut self) -> Self {
        self.introspects_any_token = true;
        self
    }

    /// Whether the client is public (cannot keep a secret, RFC 6749 §2.1).
    pub fn is_public(&self) -> bool {
        matches!(self.credentials, ClientCredentials::None)
    }

    /// Whether the client may use `grant_type`.
    pub fn may_use(&self, grant_type: GrantType) -> bool {
        self.grant_types.contains(&grant_type)
    }
}

/// How a client proves its identity (OIDC Core §9; RFC 7591 §2 `token_endpoint_auth_method`).
#[derive(Clone, Debug)]
#[non_exhaustive]
pub enum ClientCredentials {
    /// `none`: a public client.
    None,
    /// `client_secret_basic`: the secret in HTTP Basic (RFC 6749 §2.3.1). Stored hashed.
    SecretBasic(SecretHash),
    /// `client_secret_post`: the secret in the body (RFC 6749 §2.3.1). Stored hashed.
    SecretPost(SecretHash),
    /// `client_secret_jwt`: an assertion MACed with the shared secret (RFC 7523; OIDC Core §9).
    /// The server needs the secret itself to check a MAC, so it cannot be stored hashed: keep
    /// this key encrypted at rest.
    SecretJwt(Box<Jwk>),
    /// `private_key_jwt`: an assertion signed with one of the client's registered keys.
    PrivateKeyJwt(Box<JwkSet>),
}

impl ClientCredentials {
    /// The registered method.
    pub fn method(&self) -> AuthMethod {
        match self {
            Self::None => AuthMethod::None,
            Self::SecretBasic(_) => AuthMethod::ClientSecretBasic,
            Self::SecretPost(_) => AuthMethod::ClientSecretPost,
            Self::SecretJwt(_) => AuthMethod::ClientSecretJwt,
            Self::PrivateKeyJwt(_) => AuthMethod::PrivateKeyJwt,
        }
    }

    /// The registered method's name (OIDC Core §9).
    pub fn method_name(&self) -> &'static str {
        self.method().as_str()
    }
}

/// A client authentication method (OIDC Core §9; the values of RFC 7591 §2
/// `token_endpoint_auth_method`), for [`Profile::client_auth_methods`](crate::Profile).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum AuthMethod {
    /// `none`: public clients.
    None,
    /// `client_secret_basic`.
    ClientSecretBasic,
    /// `client_secret_post`.
    ClientSecretPost,
    /// `client_secret_jwt`.
    ClientSecretJwt,
    /// `private_key_jwt`.
    PrivateKeyJwt,
}

impl AuthMethod {
    /// Every method, in the order discovery lists them.
    pub const ALL: [Self; 5] = [
        Self::ClientSecretBasic,
        Self::ClientSecretPost,
        Self::ClientSecretJwt,
        Self::PrivateKeyJwt,
        Self::None,
    ];

    /// The method's name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::None => "none",
            Self::ClientSecretBasic => "client_secret_basic",
            Self::ClientSecretPost => "client_secret_post",
            Self::ClientSecretJwt => "client_secret_jwt",
            Self::PrivateKeyJwt => "private_key_jwt",
        }
    }
}

/// A grant type the engine implements (RFC 6749 §4, §6).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum GrantType {
    /// `authorization_code` (RFC 6749 §4.1).
    AuthorizationCode,
    /// `refresh_token` (RFC 6749 §6).
    RefreshToken,
    /// `client_credentials` (RFC 6749 §4.4), for confidential clients only.
    ClientCredentials,
    /// `urn:ietf:params:oauth:grant-type:device_code` (RFC 8628 §3.4), for devices without a
    /// browser; never given by default.
    DeviceCode,
}

impl GrantType {
    /// The `grant_type` parameter value.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::AuthorizationCode => "authorization_code",
            Self::RefreshToken => "refresh_token",
            Self::ClientCredentials => "client_credentials",
            Self::DeviceCode => "urn:ietf:params:oauth:grant-type:device_code",
        }
    }
}

/// The format of issued access tokens.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum AccessTokenFormat {
    /// A 256-bit random string, stored by hash; resource servers introspect it (RFC 7662).
    #[default]
    Opaque,
    /// An RFC 9068 JWT (`typ: at+jwt`), verifiable by resource servers without a call back. Not
    /// stored, so it cannot be revoked before it expires: keep its lifetime short.
    Jwt,
}

//! The client: its registration with one provider, and how it authenticates (RFC 6749 §2.3;
//! RFC 7523 §2.2; OIDC Core §9).

use ostium_jose::{AlgorithmSet, Jwk, Signer, SigningHeader};
use ostium_messages::redirect_uri::RedirectUri;
use ostium_messages::{ClientAuthentication, ClientId, ClientSecret, Leniency, TokenString};
use ostium_rand::SecureRng;
use serde::Serialize;
use time::{Duration, OffsetDateTime};

use crate::error::ClientError;
use crate::provider::ProviderConfig;
use crate::random::random_b64url;

/// How the client authenticates at the token, PAR, revocation, introspection and device
/// endpoints (OIDC Core §9; RFC 7591 §2 `token_endpoint_auth_method`).
// Made once per flow and matched at once: boxing the large variant would only make matching
// clumsier.
#[allow(clippy::large_enum_variant)]
#[derive(Clone, Debug)]
#[non_exhaustive]
pub enum ClientCredentials {
    /// `none`: a public client, identified by `client_id` only. PKCE protects its codes.
    None,
    /// `client_secret_basic`: HTTP Basic with the form-urlencoded id and secret
    /// (RFC 6749 §2.3.1).
    ClientSecretBasic(ClientSecret),
    /// `client_secret_post`: id and secret in the form body (RFC 6749 §2.3.1).
    ClientSecretPost(ClientSecret),
    /// `client_secret_jwt`: a JWT assertion MACed with the secret (RFC 7523 §2.2; OIDC Core §9).
    /// The secret must be at least as long as the hash (32 bytes for `HS256`, RFC 7518 §3.2).
    ClientSecretJwt {
        /// The secret.
        secret: ClientSecret,
        /// `HS256`, `HS384` or `HS512`.
        algorithm: ostium_jose::Algorithm,
    },
    /// `private_key_jwt`: a JWT assertion signed with the client's private key (RFC 7523 §2.2).
    PrivateKeyJwt {
        /// The private key (its `kid`, if any, goes into the header).
        key: Jwk,
        /// The signing algorithm, e.g. `ES256` or `PS256`.
        algorithm: ostium_jose::Algorithm,
    },
}

impl ClientCredentials {
    /// The registered method name (OIDC Core §9).
    pub fn method_name(&self) -> &'static str {
        match self {
            Self::None => "none",
            Self::ClientSecretBasic(_) => "client_secret_basic",
            Self::ClientSecretPost(_) => "client_secret_post",
            Self::ClientSecretJwt { .. } => "client_secret_jwt",
            Self::PrivateKeyJwt { .. } => "private_key_jwt",
        }
    }
}

/// The audience of the client's JWT assertions.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum AssertionAudience {
    /// The issuer identifier, as a string: what FAPI 2.0 requires and the OIDC Core working
    /// copy prescribes (checklist item 42). The default.
    #[default]
    Issuer,
    /// The URL of the endpoint the assertion is sent to (the older RFC 7523 §3 practice).
    Endpoint,
}

/// An OAuth client / OpenID relying party registered with one provider.
///
/// Holds no per-user state: each flow's state is a value the embedder keeps
/// ([`PendingAuthorization`](crate::PendingAuthorization), [`TokenSet`](crate::TokenSet),
/// [`DeviceAuthorization`](crate::DeviceAuthorization)). Share one `Client` between all requests.
#[derive(Clone, Debug)]
pub struct Client {
    pub(crate) provider: ProviderConfig,
    pub(crate) client_id: ClientId,
    pub(crate) credentials: ClientCredentials,
    pub(crate) redirect_uri: Option<RedirectUri>,
    pub(crate) id_token_algorithms: Option<AlgorithmSet>,
    pub(crate) trusted_audiences: Vec<String>,
    pub(crate) leeway: Duration,
    pub(crate) id_token_max_age: Duration,
    pub(crate) jwks_refresh_cooldown: Duration,
    pub(crate) leniency: Leniency,
    pub(crate) assertion_audience: AssertionAudience,
}

impl Client {
    /// A client of `provider`, registered as `client_id`, authenticating with `credentials`.
    ///
    /// Defaults: 60 s clock leeway; ID tokens issued at most 10 minutes ago; the JWK Set
    /// re-fetched for an unknown `kid` only when the cached one is at least 5 s old; token
    /// responses read with every [`Leniency`] on; assertions addressed to the issuer.
    pub fn new(
        provider: ProviderConfig,
        client_id: ClientId,
        credentials: ClientCredentials,
    ) -> Self {
        Self {
            provider,
            client_id,
            credentials,
            redirect_uri: None,
            id_token_algorithms: None,
            trusted_audiences: Vec::new(),
            leeway: Duration::seconds(60),
            id_token_max_age: Duration::minutes(10),
            jwks_refresh_cooldown: Duration::seconds(5),
            leniency: Leniency::ALL,
            assertion_audience: AssertionAudience::Issuer,
        }
    }

    /// Sets the redirect URI sent in authorization requests (and repeated at the token
    /// endpoint). Register it exactly: servers compare it byte for byte.
    #[must_use]
    pub fn with_redirect_uri(mut self, redirect_uri: RedirectUri) -> Self {
        self.redirect_uri = Some(redirect_uri);
        self
    }

    /// Accepts ID tokens signed with exactly these algorithms (the registered
    /// `id_token_signed_response_alg`), instead of those the provider advertises.
    #[must_use]
    pub fn with_id_token_algorithms(mut self, algorithms: AlgorithmSet) -> Self {
        self.id_token_algorithms = Some(algorithms);
        self
    }

    /// Trusts `audience` as an additional ID token audience (OIDC Core §3.1.3.7 step 3): by
    /// default any audience other than the client is refused.
    #[must_use]
    pub fn with_trusted_audience(mut self, audience: impl Into<String>) -> Self {
        self.trusted_audiences.push(audience.into());
        self
    }

    /// The clock skew tolerated on `exp`, `iat`, `auth_time` (default 60 s).
    #[must_use]
    pub fn with_leeway(mut self, leeway: Duration) -> Self {
        self.leeway = leeway.max(Duration::ZERO);
        self
    }

    /// How long ago an ID token may have been issued (`iat`, OIDC Core §3.1.3.7 step 10;
    /// default 10 minutes).
    #[must_use]
    pub fn with_id_token_max_age(mut self, max_age: Duration) -> Self {
        self.id_token_max_age = max_age.max(Duration::ZERO);
        self
    }

    /// How old a cached JWK Set must be before an unknown `kid` makes the client fetch it again
    /// (default 5 s): a younger set is not re-fetched, so a token naming a key that does not
    /// exist cannot make the client fetch in a loop.
    #[must_use]
    pub fn with_jwks_refresh_cooldown(mut self, cooldown: Duration) -> Self {
        self.jwks_refresh_cooldown = cooldown.max(Duration::ZERO);
        self
    }

    /// What token, device and introspection responses may deviate in (default: every known
    /// quirk tolerated; [`Leniency::NONE`] reads them strictly).
    #[must_use]
    pub fn with_leniency(mut self, leniency: Leniency) -> Self {
        self.leniency = leniency;
        self
    }

    /// The audience of JWT client assertions (default: the issuer).
    #[must_use]
    pub fn with_assertion_audience(mut self, audience: AssertionAudience) -> Self {
        self.assertion_audience = audience;
        self
    }

    /// The provider.
    pub fn provider(&self) -> &ProviderConfig {
        &self.provider
    }

    /// The `client_id`.
    pub fn client_id(&self) -> &ClientId {
        &self.client_id
    }

    /// The redirect URI, if set.
    pub fn redirect_uri(&self) -> Option<&RedirectUri> {
        self.redirect_uri.as_ref()
    }

    /// The algorithms ID tokens are accepted with.
    pub fn id_token_algorithms(&self) -> AlgorithmSet {
        self.id_token_algorithms
            .unwrap_or_else(|| self.provider.id_token_algorithm_set())
    }

    /// The client authentication to present at `endpoint` (RFC 6749 §2.3; RFC 7523 §2.2):
    /// for the JWT methods, a fresh assertion with `iss` = `sub` = `client_id`, the configured
    /// `aud`, a random `jti` and a 60 s lifetime.
    ///
    /// # Errors
    ///
    /// [`ClientError::Signing`] when the key or secret cannot sign the assertion (for
    /// `client_secret_jwt`, a secret shorter than the hash), [`ClientError::Random`].
    pub fn authentication(
        &self,
        endpoint: &str,
        rng: &mut (impl SecureRng + ?Sized),
        now: OffsetDateTime,
    ) -> Result<ClientAuthentication, ClientError> {
        let client_id = self.client_id.clone();
        Ok(match &self.credentials {
            ClientCredentials::None => ClientAuthentication::None { client_id },
            ClientCredentials::ClientSecretBasic(secret) => {
                ClientAuthentication::ClientSecretBasic {
                    client_id,
                    client_secret: secret.clone(),
                }
            }
            ClientCredentials::ClientSecretPost(secret) => ClientAuthentication::ClientSecretPost {
                client_id,
                client_secret: secret.clone(),
            },
            ClientCredentials::ClientSecretJwt { secret, algorithm } => {
                let key = Jwk::from_symmetric_key(secret.as_str().as_bytes(), *algorithm)?;
                let assertion = self.assertion(&key, *algorithm, endpoint, rng, now)?;
                ClientAuthentication::JwtAssertion {
                    client_id: Some(client_id),
                    assertion,
                }
            }
            ClientCredentials::PrivateKeyJwt { key, algorithm } => {
                let assertion = self.assertion(key, *algorithm, endpoint, rng, now)?;
                ClientAuthentication::JwtAssertion {
                    client_id: Some(client_id),
                    assertion,
                }
            }
        })
    }

    fn assertion(
        &self,
        key: &Jwk,
        algorithm: ostium_jose::Algorithm,
        endpoint: &str,
        rng: &mut (impl SecureRng + ?Sized),
        now: OffsetDateTime,
    ) -> Result<TokenString, ClientError> {
        #[derive(Serialize)]
        struct AssertionClaims<'a> {
            iss: &'a str,
            sub: &'a str,
            aud: &'a str,
            jti: &'a str,
            iat: i64,
            exp: i64,
        }
        let jti = random_b64url(rng, 32)?;
        let iat = now.unix_timestamp();
        let claims = AssertionClaims {
            iss: self.client_id.as_str(),
            sub: self.client_id.as_str(),
            aud: match self.assertion_audience {
                AssertionAudience::Issuer => self.provider.issuer.as_str(),
                AssertionAudience::Endpoint => endpoint,
            },
            jti: &jti,
            iat,
            exp: iat.saturating_add(60),
        };
        let mut header = SigningHeader::new(algorithm).typ("JWT");
        if let Some(kid) = key.kid() {
            header = header.kid(kid.clone());
        }
        let jwt = Signer::new(key, &header)?.sign_json(&claims)?;
        TokenString::parse(&jwt)
            .map_err(|_| ClientError::Misuse("the client assertion exceeds the token size limit"))
    }
}

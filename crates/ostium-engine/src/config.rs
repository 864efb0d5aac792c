//! The engine's configuration: who it is, what it signs with, how long things live, and which
//! security profile it enforces.

use std::fmt;

use ostium_jose::{Algorithm, DpopNonceSchedule, Jwk, JwkSet};
use ostium_messages::values::Issuer;
use ostium_scope::{Scope, ScopeCatalog, ScopePolicy};
use time::Duration;

use crate::client::AuthMethod;
use crate::error::ConfigError;
use crate::secret::SecretHash;

/// Everything the engine needs to know before it answers a request.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct Config {
    /// The issuer identifier (RFC 8414 §2; OIDC Core §2): an `https` URL with no query or
    /// fragment. It is the `iss` of every ID token and JWT access token and of every
    /// authorization response (RFC 9207).
    pub issuer: Issuer,
    /// Where each endpoint lives, for the discovery document.
    pub endpoints: Endpoints,
    /// The security profile.
    pub profile: Profile,
    /// How long codes and tokens live.
    pub lifetimes: Lifetimes,
    /// The keys the engine signs with and publishes.
    pub keys: SigningKeys,
    /// The scopes the server knows (plain tokens and resource-scoped patterns).
    pub catalog: ScopeCatalog,
    /// How requested scopes turn into granted ones.
    pub scope_policy: ScopePolicy,
    /// Dynamic client registration (RFC 7591): `None` (the default) turns it off.
    pub registration: Option<Registration>,
    /// Server-provided DPoP nonces (RFC 9449 §8, §9): with a schedule, every DPoP proof at the
    /// token endpoint and UserInfo must carry its current (or previous) nonce, and every
    /// response to a DPoP request carries the current one in `DPoP-Nonce`. `None` (the
    /// default): no nonces.
    pub dpop_nonces: Option<DpopNonceSchedule>,
}

/// Dynamic client registration (RFC 7591; OIDC Dynamic Client Registration), and who may use it.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Registration {
    /// The `registration_endpoint` URL.
    pub endpoint: String,
    /// The initial access token a registration must carry as a Bearer token (RFC 7591 §3), by
    /// hash; `None` lets anyone register (open registration, as OIDC Dynamic Client
    /// Registration allows).
    pub initial_access_token: Option<SecretHash>,
    /// The most a registered client may have: a registration gets the scope it asks for within
    /// this, or all of it when it names none.
    pub scope: Scope,
}

impl Registration {
    /// Open registration at `endpoint`, with at most `scope`.
    pub fn open(endpoint: impl Into<String>, scope: Scope) -> Self {
        Self {
            endpoint: endpoint.into(),
            initial_access_token: None,
            scope,
        }
    }

    /// Registration at `endpoint` for holders of the initial access token whose hash is
    /// `token` (hand the token to developers out of band), with at most `scope`.
    pub fn with_initial_access_token(
        endpoint: impl Into<String>,
        token: SecretHash,
        scope: Scope,
    ) -> Self {
        Self {
            initial_access_token: Some(token),
            ..Self::open(endpoint, scope)
        }
    }
}

impl Config {
    /// A configuration with the default [`Profile::oauth21`], default [`Lifetimes`], endpoints
    /// under the issuer (`/authorize`, `/token`, `/userinfo`, `/jwks`, `/revoke`,
    /// `/introspect`, `/par`, `/device_authorization`, `/device` for the device verification
    /// page, `/logout`), the OIDC standard scopes in the catalog and the OIDC scope policy (unknown
    /// scopes ignored, OIDC Core §3.1.2.1).
    pub fn new(issuer: Issuer, keys: SigningKeys) -> Self {
        let base = issuer.as_str().trim_end_matches('/').to_owned();
        let catalog = ostium_scope::oidc::StandardScope::ALL
            .iter()
            .fold(ScopeCatalog::new(), |catalog, scope| {
                catalog.with_scope(scope.token())
            });
        Self {
            endpoints: Endpoints {
                authorization: format!("{base}/authorize"),
                token: format!("{base}/token"),
                userinfo: Some(format!("{base}/userinfo")),
                jwks: format!("{base}/jwks"),
                revocation: Some(format!("{base}/revoke")),
                introspection: Some(format!("{base}/introspect")),
                pushed_authorization: Some(format!("{base}/par")),
                device_authorization: Some(format!("{base}/device_authorization")),
                device_verification: Some(format!("{base}/device")),
                end_session: Some(format!("{base}/logout")),
            },
            issuer,
            profile: Profile::oauth21(),
            lifetimes: Lifetimes::default(),
            keys,
            catalog,
            scope_policy: ScopePolicy::oidc(),
            registration: None,
            dpop_nonces: None,
        }
    }

    /// The device authorization endpoint and the verification page, when the device grant is
    /// offered (both are configured).
    pub(crate) fn device_endpoints(&self) -> Option<(&str, &str)> {
        self.endpoints
            .device_authorization
            .as_deref()
            .zip(self.endpoints.device_verification.as_deref())
    }

    /// Turns dynamic client registration on (RFC 7591).
    #[must_use]
    pub fn with_registration(mut self, registration: Registration) -> Self {
        self.registration = Some(registration);
        self
    }

    /// Demands server-provided DPoP nonces from `schedule` (RFC 9449 §8, §9). Replicas that
    /// serve the same issuer need the same schedule secret.
    #[must_use]
    pub fn with_dpop_nonces(mut self, schedule: DpopNonceSchedule) -> Self {
        self.dpop_nonces = Some(schedule);
        self
    }

    /// Replaces the profile.
    #[must_use]
    pub fn with_profile(mut self, profile: Profile) -> Self {
        self.profile = profile;
        self
    }

    /// Replaces the scope catalog.
    #[must_use]
    pub fn with_catalog(mut self, catalog: ScopeCatalog) -> Self {
        self.catalog = catalog;
        self
    }

    /// Replaces the scope policy.
    #[must_use]
    pub fn with_scope_policy(mut self, policy: ScopePolicy) -> Self {
        self.scope_policy = policy;
        self
    }

    /// Replaces the lifetimes.
    #[must_use]
    pub fn with_lifetimes(mut self, lifetimes: Lifetimes) -> Self {
        self.lifetimes = lifetimes;
        self
    }
}

/// Endpoint URLs, published in the discovery document (RFC 8414 §2; OIDC Discovery §3).
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Endpoints {
    /// `authorization_endpoint`.
    pub authorization: String,
    /// `token_endpoint`.
    pub token: String,
    /// `userinfo_endpoint` (OpenID Connect).
    pub userinfo: Option<String>,
    /// `jwks_uri`.
    pub jwks: String,
    /// `revocation_endpoint` (RFC 7009).
    pub revocation: Option<String>,
    /// `introspection_endpoint` (RFC 7662).
    pub introspection: Option<String>,
    /// `pushed_authorization_request_endpoint` (RFC 9126).
    pub pushed_authorization: Option<String>,
    /// `device_authorization_endpoint` (RFC 8628 §4). The device grant is offered when this and
    /// [`device_verification`](Self::device_verification) are set.
    pub device_authorization: Option<String>,
    /// The device verification page, where the user enters the user code: the
    /// `verification_uri` of device authorization responses (RFC 8628 §3.2). It must be an
    /// absolute URI.
    pub device_verification: Option<String>,
    /// `end_session_endpoint` (RP-Initiated Logout §2.1).
    pub end_session: Option<String>,
}

/// How long codes and tokens live.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Lifetimes {
    /// Authorization codes: 60 s by default (RFC 6749 §4.1.2 recommends at most 10 minutes;
    /// FAPI 2.0 requires at most 60 s).
    pub code: Duration,
    /// Access tokens: 10 minutes by default.
    pub access_token: Duration,
    /// Refresh tokens: 30 days by default, counted from each rotation.
    pub refresh_token: Duration,
    /// ID tokens: 10 minutes by default.
    pub id_token: Duration,
    /// Pushed authorization requests' `request_uri`: 60 s by default (RFC 9126 §2.2; FAPI 2.0
    /// wants under 600 s).
    pub pushed_request: Duration,
    /// Device and user codes (RFC 8628 §3.2 `expires_in`): 10 minutes by default.
    pub device_code: Duration,
    /// The least time between two polls of a device (RFC 8628 §3.2 `interval`): 5 s by
    /// default, the RFC's default.
    pub device_poll_interval: Duration,
}

impl Default for Lifetimes {
    fn default() -> Self {
        Self {
            code: Duration::seconds(60),
            access_token: Duration::minutes(10),
            refresh_token: Duration::days(30),
            id_token: Duration::minutes(10),
            pushed_request: Duration::seconds(60),
            device_code: Duration::minutes(10),
            device_poll_interval: Duration::seconds(5),
        }
    }
}

/// When refresh tokens are rotated.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum RefreshRotation {
    /// Every refresh returns a new refresh token and supersedes the old one; presenting a
    /// superseded token revokes the family (RFC 9700 §4.14.2).
    Always,
    /// Rotate for public clients only (RFC 9700 §2.2.2 requires rotation or sender-constraining
    /// for them); confidential clients keep their refresh token.
    PublicClients,
    /// Never rotate (FAPI 2.0 §5.3.2.1 item 9, where tokens are sender-constrained).
    Never,
}

/// A security profile: the named settings that loosen or tighten the defaults.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Profile {
    /// Every authorization-code request must carry a PKCE challenge (RFC 9700 §2.1.1).
    pub require_pkce: bool,
    /// Accept the `plain` PKCE method (RFC 7636 §4.2). Off in every preset.
    pub danger_allow_plain_pkce: bool,
    /// Refresh-token rotation.
    pub refresh_rotation: RefreshRotation,
    /// Accept a superseded refresh token once more within this window after its rotation,
    /// rotating again instead of revoking the family: for a client that lost the refresh
    /// response to a network failure. `None` (the default) treats every reuse as theft.
    pub refresh_grace: Option<Duration>,
    /// Issue refresh tokens at all (for `authorization_code` grants that include
    /// `offline_access`, or always when the scope catalog has no `offline_access`).
    pub issue_refresh_tokens: bool,
    /// Authorization requests must be pushed first (RFC 9126 §5,
    /// `require_pushed_authorization_requests`).
    pub require_pushed_requests: bool,
    /// Algorithms accepted for client assertions (`private_key_jwt`, `client_secret_jwt`).
    pub client_assertion_algorithms: Vec<Algorithm>,
    /// Algorithms accepted for DPoP proofs (RFC 9449; `dpop_signing_alg_values_supported`).
    /// Empty: DPoP is not offered, and a `DPoP` header is refused.
    pub dpop_algorithms: Vec<Algorithm>,
    /// Every token request must carry a DPoP proof, so that every access token is
    /// sender-constrained (FAPI 2.0 §5.3.2.1 items 4–5).
    pub require_dpop: bool,
    /// The client authentication methods accepted, and published in discovery. A client
    /// registered with another one is refused everywhere (`invalid_client` at the back-channel
    /// endpoints, `unauthorized_client` at the authorization endpoint), and dynamic registration
    /// refuses it. Without [`AuthMethod::None`], public clients are refused (FAPI 2.0 §5.3.2.1
    /// items 3 and 6).
    pub client_auth_methods: Vec<AuthMethod>,
    /// What a client assertion's `aud` may be.
    pub assertion_audience: AssertionAudience,
    /// Every authorization request, pushed or not, must name its `redirect_uri` (FAPI 2.0
    /// §5.3.2.2 item 6), not only OpenID ones (OIDC Core §3.1.2.1).
    pub require_redirect_uri: bool,
}

/// What a client assertion's `aud` may be (RFC 7523 §3; OIDC Core §9; FAPI 2.0 §5.3.2.1 item 8).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum AssertionAudience {
    /// The issuer identifier or the token endpoint URL, alone or in an array.
    IssuerOrTokenEndpoint,
    /// The issuer identifier only, as a single string: FAPI 2.0 Final's rule, which closes the
    /// audience-injection attacks on assertions meant for another server's endpoint.
    IssuerString,
}

impl Profile {
    /// OAuth 2.1 and the Security BCP (RFC 9700): PKCE S256 for every client, rotation for
    /// public clients, no grace window. The default. (ID tokens are signed with the algorithm of
    /// the active [`SigningKeys`].)
    pub fn oauth21() -> Self {
        Self {
            require_pkce: true,
            danger_allow_plain_pkce: false,
            refresh_rotation: RefreshRotation::PublicClients,
            refresh_grace: None,
            issue_refresh_tokens: true,
            require_pushed_requests: false,
            client_assertion_algorithms: vec![
                Algorithm::Rs256,
                Algorithm::Ps256,
                Algorithm::Es256,
                Algorithm::EdDsa,
                Algorithm::Hs256,
            ],
            dpop_algorithms: vec![Algorithm::Es256, Algorithm::Ps256, Algorithm::EdDsa],
            require_dpop: false,
            client_auth_methods: AuthMethod::ALL.to_vec(),
            assertion_audience: AssertionAudience::IssuerOrTokenEndpoint,
            require_redirect_uri: false,
        }
    }

    /// The FAPI 2.0 Security Profile (Final, §5.3.2) as far as an authorization server decides
    /// it:
    /// - confidential clients only, authenticated with `private_key_jwt`, whose assertions
    ///   name the issuer, as a string, in `aud` (§5.3.2.1 items 3, 6, 8);
    /// - every access token sender-constrained with DPoP (items 4–5), refresh tokens not
    ///   rotated (item 9);
    /// - pushed authorization requests only, with PKCE S256 and a `redirect_uri` (§5.3.2.2
    ///   items 3, 5, 6);
    /// - PS256, ES256 and EdDSA for assertions and proofs (§5.4).
    ///
    /// The rest is already the engine's behaviour: 60-second codes with the default
    /// [`Lifetimes`], `iss` in every authorization response, only `response_type=code`, no
    /// password grant, reused codes revoking their tokens, 10 seconds of clock skew on
    /// assertions. The embedder's part: TLS, `https` redirect URIs (or native loopback) in the
    /// clients it registers, and, if it likes, DPoP nonces ([`Config::with_dpop_nonces`]).
    /// `docs/conformance.md` maps each requirement to its test.
    pub fn fapi2() -> Self {
        Self {
            require_pkce: true,
            danger_allow_plain_pkce: false,
            refresh_rotation: RefreshRotation::Never,
            refresh_grace: None,
            issue_refresh_tokens: true,
            require_pushed_requests: true,
            client_assertion_algorithms: vec![Algorithm::Ps256, Algorithm::Es256, Algorithm::EdDsa],
            dpop_algorithms: vec![Algorithm::Ps256, Algorithm::Es256, Algorithm::EdDsa],
            require_dpop: true,
            client_auth_methods: vec![AuthMethod::PrivateKeyJwt],
            assertion_audience: AssertionAudience::IssuerString,
            require_redirect_uri: true,
        }
    }

    /// What the OpenID conformance suite's Basic and Config plans expect: like
    /// [`oauth21`](Self::oauth21), except that PKCE is optional (the suite's clients do not all
    /// send it) — PKCE is still verified whenever a challenge was sent, and a verifier without a
    /// challenge is still rejected.
    pub fn oidc_certification() -> Self {
        Self {
            require_pkce: false,
            ..Self::oauth21()
        }
    }
}

impl Default for Profile {
    fn default() -> Self {
        Self::oauth21()
    }
}

/// The engine's signing keys: one active private key, and retired public keys that stay
/// published so that tokens signed before a rotation still verify (RFC 7517 §4.5;
/// `oidcc-server-rotate-keys`).
#[derive(Clone)]
pub struct SigningKeys {
    active: Jwk,
    algorithm: Algorithm,
    published: JwkSet,
}

impl SigningKeys {
    /// Makes `active` the signing key for `algorithm`, publishing its public half and the
    /// public halves of `retired`.
    ///
    /// # Errors
    ///
    /// [`ConfigError`] when `active` is not a private asymmetric key with a `kid` that can sign
    /// `algorithm`, when a retired key has no `kid`, or when two published keys share a `kid`
    /// (checklist item 50).
    pub fn new(active: Jwk, algorithm: Algorithm, retired: &[Jwk]) -> Result<Self, ConfigError> {
        if !active.is_private() || active.is_symmetric() {
            return Err(ConfigError::ActiveKeyNotPrivate);
        }
        let Some(active_kid) = active.kid().map(|kid| kid.as_str().to_owned()) else {
            return Err(ConfigError::MissingKid);
        };
        let mut public = vec![
            active
                .to_public()
                .map_err(|e| ConfigError::Key(e.to_string()))?,
        ];
        for key in retired {
            if key.kid().is_none() {
                return Err(ConfigError::MissingKid);
            }
            public.push(
                key.to_public()
                    .map_err(|e| ConfigError::Key(e.to_string()))?,
            );
        }
        let mut kids: Vec<&str> = public
            .iter()
            .filter_map(|k| k.kid().map(|kid| kid.as_str()))
            .collect();
        kids.sort_unstable();
        if kids.windows(2).any(|pair| pair.first() == pair.get(1)) {
            return Err(ConfigError::DuplicateKid);
        }
        let published = JwkSet::from_keys(public).map_err(|e| ConfigError::Key(e.to_string()))?;
        // The active key must be able to sign with the algorithm.
        published
            .find(Some(&active_kid), algorithm)
            .map_err(|e| ConfigError::Key(e.to_string()))?;
        Ok(Self {
            active,
            algorithm,
            published,
        })
    }

    /// The active private key.
    pub fn active(&self) -> &Jwk {
        &self.active
    }

    /// The algorithm the active key signs with.
    pub fn algorithm(&self) -> Algorithm {
        self.algorithm
    }

    /// The published public keys (the JWKS document's content).
    pub fn published(&self) -> &JwkSet {
        &self.published
    }
}

impl fmt::Debug for SigningKeys {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SigningKeys")
            .field("active_kid", &self.active.kid())
            .field("algorithm", &self.algorithm)
            .field("published", &self.published.len())
            .finish()
    }
}

//! The resource server guard: its configuration, and the steps from an HTTP request to an
//! [`Access`] (RFC 6750; RFC 9068; RFC 7662; RFC 9449 §7).

use ostium_jose::{Algorithm, AlgorithmSet, JwkSet};
use ostium_messages::introspection::IntrospectionResponse;
use ostium_messages::resource::{PresentedToken, TokenMethods, TokenScheme, presented_token};
use ostium_messages::{HttpRequest, HttpResponse, Issuer, resource_error_response};
use time::{Duration, OffsetDateTime};

use crate::access::{Access, Authenticated, ReplayCheck};
use crate::dpop::{DpopNonces, ProofExpectations};
use crate::rejection::{DpopRejection, Rejection, RejectionKind, TokenRejection};
use crate::token::TokenInfo;

/// One protected request as the guard reads it: the HTTP request data, the absolute URI it
/// was sent to (as the client addressed it: behind a proxy, rebuild it from the forwarded
/// host and scheme), and the DPoP nonces in force, if the server uses them.
#[derive(Clone, Copy, Debug)]
pub struct ResourceRequest<'a> {
    http: HttpRequest<'a>,
    uri: &'a str,
    dpop_nonces: Option<&'a DpopNonces>,
}

impl<'a> ResourceRequest<'a> {
    /// A request received as `http`, addressed to `uri`.
    pub fn new(http: HttpRequest<'a>, uri: &'a str) -> Self {
        Self {
            http,
            uri,
            dpop_nonces: None,
        }
    }

    /// Requires one of `nonces` in DPoP proofs (RFC 9449 §9).
    #[must_use]
    pub fn with_dpop_nonces(mut self, nonces: &'a DpopNonces) -> Self {
        self.dpop_nonces = Some(nonces);
        self
    }

    /// The HTTP request data.
    pub fn http(&self) -> &HttpRequest<'a> {
        &self.http
    }

    /// The request URI.
    pub fn uri(&self) -> &'a str {
        self.uri
    }

    /// The path of the request URI exactly as sent (RFC 3986 §3.3: after the authority, before
    /// `?` or `#`; `/` when empty), not normalized: hand it to
    /// [`Access::authorize_path`], which refuses paths that could mean something else.
    pub fn path(&self) -> &'a str {
        let without_fragment = self.uri.split('#').next().unwrap_or_default();
        let without_query = without_fragment.split('?').next().unwrap_or_default();
        let after_scheme = without_query
            .split_once("://")
            .map_or(without_query, |(_, rest)| rest);
        match after_scheme.find('/') {
            Some(start) => after_scheme.get(start..).unwrap_or("/"),
            None => "/",
        }
    }
}

/// A resource server's guard for the tokens of one issuer.
///
/// Defaults: JWT access tokens signed with `RS256` (which RFC 9068 §4 makes mandatory),
/// `PS256`, `ES256`, `ES384` or `EdDSA`; DPoP proofs signed with `ES256`, `PS256` or `EdDSA`
/// (FAPI 2.0 §5.4), issued at most 60 s ago and at most 10 s ahead; 30 s leeway on token
/// times; tokens only in the `Authorization` header.
#[derive(Clone, Debug)]
pub struct ResourceGuard {
    pub(crate) issuer: Issuer,
    pub(crate) audience: String,
    pub(crate) algorithms: AlgorithmSet,
    pub(crate) dpop_algorithms: AlgorithmSet,
    pub(crate) dpop_max_age: Duration,
    pub(crate) dpop_future_allowance: Duration,
    pub(crate) leeway: Duration,
    pub(crate) realm: Option<String>,
    pub(crate) token_methods: TokenMethods,
}

impl ResourceGuard {
    /// A guard accepting tokens of `issuer` whose audience includes `audience` (this resource
    /// server's identifier, e.g. `https://storage.example`).
    pub fn new(issuer: Issuer, audience: impl Into<String>) -> Self {
        Self {
            issuer,
            audience: audience.into(),
            algorithms: AlgorithmSet::of(&[
                Algorithm::Rs256,
                Algorithm::Ps256,
                Algorithm::Es256,
                Algorithm::Es384,
                Algorithm::EdDsa,
            ]),
            dpop_algorithms: AlgorithmSet::of(&[
                Algorithm::Es256,
                Algorithm::Ps256,
                Algorithm::EdDsa,
            ]),
            dpop_max_age: Duration::seconds(60),
            dpop_future_allowance: Duration::seconds(10),
            leeway: Duration::seconds(30),
            realm: None,
            token_methods: TokenMethods::HEADER_ONLY,
        }
    }

    /// Accepts JWT access tokens signed with exactly `algorithms` (HMAC and `none` are never
    /// accepted: symmetric algorithms are removed).
    #[must_use]
    pub fn with_algorithms(mut self, algorithms: AlgorithmSet) -> Self {
        self.algorithms = algorithms.iter().filter(|a| !a.is_symmetric()).collect();
        self
    }

    /// Accepts DPoP proofs signed with exactly `algorithms` (asymmetric only); an empty set
    /// turns DPoP off.
    #[must_use]
    pub fn with_dpop_algorithms(mut self, algorithms: AlgorithmSet) -> Self {
        self.dpop_algorithms = algorithms.iter().filter(|a| !a.is_symmetric()).collect();
        self
    }

    /// The DPoP `iat` window: at most `max_age` old, at most `future` ahead (RFC 9449 §11.1).
    #[must_use]
    pub fn with_dpop_window(mut self, max_age: Duration, future: Duration) -> Self {
        self.dpop_max_age = max_age.max(Duration::ZERO);
        self.dpop_future_allowance = future.max(Duration::ZERO);
        self
    }

    /// The clock skew tolerated on token times.
    #[must_use]
    pub fn with_leeway(mut self, leeway: Duration) -> Self {
        self.leeway = leeway.max(Duration::ZERO);
        self
    }

    /// The `realm` of the challenges (RFC 6750 §3).
    #[must_use]
    pub fn with_realm(mut self, realm: impl Into<String>) -> Self {
        self.realm = Some(realm.into());
        self
    }

    /// Where tokens are accepted from: the `Authorization` header only by default; the form
    /// body and (dangerously) the query can be allowed (RFC 6750 §2.2–2.3).
    #[must_use]
    pub fn with_token_methods(mut self, methods: TokenMethods) -> Self {
        self.token_methods = methods;
        self
    }

    /// Step 1: the access token the request presents (RFC 6750 §2; RFC 9449 §7.1). A token in
    /// the query is refused unless allowed.
    ///
    /// # Errors
    ///
    /// A [`Rejection`]: no credentials (401 without error code), or malformed ones.
    pub fn credentials(&self, request: &ResourceRequest<'_>) -> Result<PresentedToken, Rejection> {
        let scheme = if request.http.authorization.is_some_and(|a| {
            a.get(..5)
                .is_some_and(|prefix| prefix.eq_ignore_ascii_case("dpop "))
        }) {
            Some(TokenScheme::DPoP)
        } else {
            request.http.authorization.map(|_| TokenScheme::Bearer)
        };
        match presented_token(&request.http, self.token_methods) {
            Ok(Some(presented)) => Ok(presented),
            Ok(None) => Err(Rejection::new(RejectionKind::NoCredentials, None)),
            Err(error) => Err(Rejection::new(RejectionKind::Malformed(error), scheme)),
        }
    }

    /// Steps 1–3 for JWT access tokens: [`credentials`](Self::credentials),
    /// [`validate_jwt`](Self::validate_jwt) against the issuer's `keys`, then
    /// [`check_sender`](Self::check_sender).
    ///
    /// # Errors
    ///
    /// A [`Rejection`] for the first failed step; see [`Rejection::is_unknown_key`] for key
    /// rotation.
    pub fn authenticate_jwt(
        &self,
        request: &ResourceRequest<'_>,
        keys: &JwkSet,
        now: OffsetDateTime,
    ) -> Result<Authenticated, Rejection> {
        let presented = self.credentials(request)?;
        let token = self
            .validate_jwt(presented.access_token.as_str(), keys, now)
            .map_err(|why| {
                Rejection::new(RejectionKind::InvalidToken(why), Some(presented.scheme))
            })?;
        self.check_sender(request, &presented, token, now)
    }

    /// Steps 2–3 for opaque tokens: the embedder introspected `presented`'s token (RFC 7662,
    /// for instance with `ostium-client`) and got `response`; this reads it with
    /// [`validate_introspection`](Self::validate_introspection) and checks the sender.
    ///
    /// # Errors
    ///
    /// A [`Rejection`] for the first failed step.
    pub fn authenticate_introspected(
        &self,
        request: &ResourceRequest<'_>,
        presented: &PresentedToken,
        response: &IntrospectionResponse,
        now: OffsetDateTime,
    ) -> Result<Authenticated, Rejection> {
        let token = self.validate_introspection(response, now).map_err(|why| {
            Rejection::new(RejectionKind::InvalidToken(why), Some(presented.scheme))
        })?;
        self.check_sender(request, presented, token, now)
    }

    /// Step 3: the sender constraint (RFC 9449 §7). A token bound to a DPoP key (`cnf.jkt`)
    /// must come with the `DPoP` scheme and a valid proof by that key; presented as `Bearer`
    /// it is refused (downgrade, §7.2). A token without `cnf.jkt` must come as `Bearer`.
    ///
    /// # Errors
    ///
    /// A [`Rejection`]: `invalid_token` for the scheme mismatches, `invalid_dpop_proof` for a
    /// bad proof, `use_dpop_nonce` when the request's nonces are not satisfied.
    pub fn check_sender(
        &self,
        request: &ResourceRequest<'_>,
        presented: &PresentedToken,
        token: TokenInfo,
        now: OffsetDateTime,
    ) -> Result<Authenticated, Rejection> {
        match (presented.scheme, &token.jkt) {
            (TokenScheme::DPoP, Some(jkt)) => {
                if self.dpop_algorithms.is_empty() {
                    return Err(Rejection::new(
                        RejectionKind::InvalidRequest("DPoP is not accepted here"),
                        Some(TokenScheme::Bearer),
                    ));
                }
                let proof = presented.dpop_proof.as_ref().ok_or_else(|| {
                    Rejection::new(
                        RejectionKind::InvalidDpopProof(DpopRejection::Missing),
                        Some(TokenScheme::DPoP),
                    )
                })?;
                let expected = ProofExpectations {
                    method: request.http.method,
                    uri: request.uri,
                    access_token: &presented.access_token,
                    jkt,
                    nonces: request.dpop_nonces,
                };
                let checked = self
                    .check_proof(proof.as_str(), &expected, now)
                    .map_err(|kind| Rejection::new(kind, Some(TokenScheme::DPoP)))?;
                Ok(Authenticated::CheckReplay(ReplayCheck::new(
                    Access::new(token, TokenScheme::DPoP),
                    checked,
                )))
            }
            (TokenScheme::DPoP, None) => Err(Rejection::new(
                RejectionKind::InvalidToken(TokenRejection::NotDpopBound),
                Some(TokenScheme::DPoP),
            )),
            (_, Some(_)) => Err(Rejection::new(
                RejectionKind::InvalidToken(TokenRejection::DowngradedToBearer),
                Some(TokenScheme::DPoP),
            )),
            (scheme, None) => Ok(Authenticated::Access(Access::new(token, scheme))),
        }
    }

    /// The response for `rejection` (RFC 6750 §3; RFC 9449 §7.1, §9): the status (401, 400 or
    /// 403), a `WWW-Authenticate` challenge in the scheme the client used (both schemes, without
    /// an error code, when it sent no credentials), `scope` for `insufficient_scope`, `algs` for
    /// DPoP, and `DPoP-Nonce` for `use_dpop_nonce`.
    pub fn rejection_response(&self, rejection: &Rejection) -> HttpResponse {
        let algs: Vec<&str> = self.dpop_algorithms.iter().map(Algorithm::name).collect();
        let challenges = rejection.challenges(self.realm.as_deref(), &algs);
        let nonce = match rejection.kind() {
            RejectionKind::UseDpopNonce(nonce) => Some(nonce.as_str()),
            _ => None,
        };
        resource_error_response(&challenges, nonce)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn request_paths() {
        let path = |uri| ResourceRequest::new(HttpRequest::default(), uri).path();
        assert_eq!(
            path("https://storage.example/diagrams/plan.svg"),
            "/diagrams/plan.svg"
        );
        assert_eq!(
            path("https://storage.example/diagrams/a?x=/y#z"),
            "/diagrams/a"
        );
        assert_eq!(path("https://storage.example"), "/");
        assert_eq!(path("https://storage.example?x=1"), "/");
        assert_eq!(path("https://storage.example/a/../b"), "/a/../b");
        assert_eq!(path("/relative/path"), "/relative/path");
    }
}

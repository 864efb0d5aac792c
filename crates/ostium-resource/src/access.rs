//! An authenticated request, and the authorization of one operation (RFC 6750 §3.1
//! `insufficient_scope`; RFC 9396 §9).

use ostium_messages::resource::TokenScheme;
use ostium_messages::{AuthorizationDetails, JwkThumbprint, Scope};
use ostium_scope::{RarCoverage, ResourcePath, ScopePattern, ScopeToken};
use time::OffsetDateTime;

use crate::dpop::CheckedProof;
use crate::rejection::{DpopRejection, Rejection, RejectionKind};
use crate::token::TokenInfo;

/// The outcome of authentication.
#[derive(Clone, Debug)]
#[must_use]
#[non_exhaustive]
pub enum Authenticated {
    /// A bearer token: nothing more to check.
    Access(Access),
    /// A DPoP-bound token with a valid proof, whose `jti` must now be consumed once
    /// (RFC 9449 §11.1): an insert-if-absent in a store shared by every replica.
    CheckReplay(ReplayCheck),
}

impl Authenticated {
    /// The access, running `first_use` for a DPoP proof's replay check: it must atomically
    /// record [`ReplayCheck::key`] until [`ReplayCheck::remember_until`] and return whether
    /// the key was new (e.g. `INSERT … ON CONFLICT DO NOTHING`, Redis `SET NX PX`).
    ///
    /// # Errors
    ///
    /// `invalid_dpop_proof` when the `jti` was seen before.
    pub fn into_access(
        self,
        first_use: impl FnOnce(&ReplayCheck) -> bool,
    ) -> Result<Access, Rejection> {
        match self {
            Self::Access(access) => Ok(access),
            Self::CheckReplay(check) => {
                let new = first_use(&check);
                check.finish(new)
            }
        }
    }
}

/// A DPoP proof that checked out, waiting for its `jti` to be consumed.
#[derive(Clone, Debug)]
#[must_use = "the access is only reachable through `finish`"]
pub struct ReplayCheck {
    access: Access,
    proof: CheckedProof,
}

impl ReplayCheck {
    pub(crate) fn new(access: Access, proof: CheckedProof) -> Self {
        Self { access, proof }
    }

    /// The replay cache key: `dpop:` + the key thumbprint + `:` + `jti` (a `jti` is unique per
    /// key, RFC 9449 §11.1).
    pub fn key(&self) -> String {
        format!("dpop:{}:{}", self.proof.jkt.as_str(), self.proof.jti)
    }

    /// The proof's `jti`.
    pub fn jti(&self) -> &str {
        &self.proof.jti
    }

    /// The proof key's thumbprint.
    pub fn jkt(&self) -> &JwkThumbprint {
        &self.proof.jkt
    }

    /// Until when the key must be remembered: after it, the proof's `iat` is out of the window.
    pub fn remember_until(&self) -> OffsetDateTime {
        self.proof.accepted_until
    }

    /// The access, once the store said whether [`key`](Self::key) was new.
    ///
    /// # Errors
    ///
    /// `invalid_dpop_proof` ([`DpopRejection::Replayed`]) when it was not.
    pub fn finish(self, first_use: bool) -> Result<Access, Rejection> {
        if first_use {
            Ok(self.access)
        } else {
            Err(Rejection::new(
                RejectionKind::InvalidDpopProof(DpopRejection::Replayed),
                Some(TokenScheme::DPoP),
            ))
        }
    }
}

/// An authenticated request: a valid token, presented by its holder.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Access {
    token: TokenInfo,
    scheme: TokenScheme,
}

impl Access {
    pub(crate) fn new(token: TokenInfo, scheme: TokenScheme) -> Self {
        Self { token, scheme }
    }

    /// What the token says.
    pub fn token(&self) -> &TokenInfo {
        &self.token
    }

    /// `Bearer` or `DPoP`.
    pub fn scheme(&self) -> TokenScheme {
        self.scheme
    }

    /// `sub`.
    pub fn subject(&self) -> Option<&str> {
        self.token.subject.as_deref()
    }

    /// The granted scope.
    pub fn scope(&self) -> &Scope {
        &self.token.scope
    }

    fn insufficient(&self, scope: Scope) -> Rejection {
        Rejection::new(RejectionKind::InsufficientScope(scope), Some(self.scheme))
    }

    /// Requires the scope token `needed`.
    ///
    /// # Errors
    ///
    /// `insufficient_scope` (403) naming `needed`.
    pub fn require_scope(&self, needed: &ScopeToken) -> Result<(), Rejection> {
        if self.token.scope.contains(needed.as_str()) {
            Ok(())
        } else {
            Err(self.insufficient(Scope::from_iter([needed.clone()])))
        }
    }

    /// "May this token do `pattern` on `path`?", e.g. write (`files:write:`)
    /// `/diagrams/plan.svg`: the scope must hold a token of `pattern` whose path covers `path`
    /// on segment boundaries (`files:write:/diagrams` covers `/diagrams/plan.svg`, never
    /// `/photos/x.jpg` or `/diagrams-old/x`).
    ///
    /// # Errors
    ///
    /// `invalid_request` (400) for a path that could mean something else (`..`, encoded
    /// separators, see `ostium_scope::ResourcePath`); `insufficient_scope` (403) with the scope
    /// that would allow it (`files:write:/photos/x.jpg`).
    pub fn authorize_path(&self, pattern: &ScopePattern, path: &str) -> Result<(), Rejection> {
        let needed = ResourcePath::parse_request_path(path).map_err(|_| {
            Rejection::new(
                RejectionKind::InvalidRequest("the resource path is not acceptable"),
                Some(self.scheme),
            )
        })?;
        if pattern.covers(&self.token.scope, &needed) {
            Ok(())
        } else {
            Err(self.insufficient(Scope::from_iter([pattern.token(&needed)])))
        }
    }

    /// Requires the granted `authorization_details` to cover `required` under `coverage`
    /// (RFC 9396 §9; see `ostium_scope::RarCoverage`).
    ///
    /// # Errors
    ///
    /// `insufficient_scope` (403), without a `scope` parameter.
    pub fn authorize_details(
        &self,
        required: &AuthorizationDetails,
        coverage: &RarCoverage,
    ) -> Result<(), Rejection> {
        let none = AuthorizationDetails::default();
        let granted = self.token.authorization_details.as_ref().unwrap_or(&none);
        if coverage.covers(granted, required) {
            Ok(())
        } else {
            Err(self.insufficient(Scope::default()))
        }
    }
}

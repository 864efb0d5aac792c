//! Finding what a presented token is: shared by revocation, introspection and UserInfo.

use ostium_jose::{Typ, Validation};
use ostium_messages::revocation::TokenTypeHint;
use time::OffsetDateTime;

use crate::Engine;
use crate::records::{AccessRecord, GrantDetails, RefreshRecord};
use crate::secret::SecretHash;
use crate::store::{Effect, Outcome, RefreshLookup};

/// The order in which to look a token up, from its hint (RFC 7009 §2.1: the hint only speeds the
/// search; a wrong hint must not fail it).
pub(crate) fn lookups(token: &str, hint: Option<&TokenTypeHint>) -> Vec<Effect> {
    let hash = SecretHash::of(token);
    match hint {
        Some(TokenTypeHint::RefreshToken) => {
            vec![Effect::RefreshToken(hash), Effect::AccessToken(hash)]
        }
        _ => vec![Effect::AccessToken(hash), Effect::RefreshToken(hash)],
    }
}

/// A token found by a lookup.
pub(crate) enum Found {
    Access(Box<AccessRecord>),
    Refresh(Box<RefreshRecord>),
}

/// What a verified JWT access token says.
pub(crate) struct JwtAccess {
    pub(crate) details: GrantDetails,
    pub(crate) subject: String,
    pub(crate) expires_at: i64,
    pub(crate) issued_at: Option<i64>,
    pub(crate) jti: Option<String>,
    /// The DPoP key it is bound to (`cnf.jkt`, RFC 9449 §6.1).
    pub(crate) jkt: Option<String>,
}

/// Reads a lookup outcome: `Some` if it found a live token.
pub(crate) fn found(outcome: Outcome, now: OffsetDateTime) -> Option<Found> {
    match outcome {
        Outcome::AccessToken(Some(record)) if now < record.expires_at => {
            Some(Found::Access(record))
        }
        Outcome::RefreshToken(RefreshLookup::Current(record)) if now < record.expires_at => {
            Some(Found::Refresh(Box::new(record)))
        }
        _ => None,
    }
}

/// Verifies a JWT access token signed by this server (RFC 9068), if `token` is one.
pub(crate) fn jwt_access_token(
    engine: &Engine,
    token: &str,
    now: OffsetDateTime,
) -> Option<JwtAccess> {
    if token.bytes().filter(|b| *b == b'.').count() != 2 {
        return None;
    }
    let config = engine.config();
    let policy = Validation::new(Typ::AccessToken, config.keys.algorithm())
        .issuer(config.issuer.as_str())
        .danger_accept_any_audience();
    let jwt = policy.verify(token, config.keys.published(), now).ok()?;
    #[derive(serde::Deserialize)]
    struct Claims {
        client_id: ostium_messages::values::ClientId,
        #[serde(default)]
        scope: Option<ostium_scope::Scope>,
        #[serde(default)]
        authorization_details: Option<ostium_scope::AuthorizationDetails>,
        #[serde(default)]
        cnf: Option<Confirmation>,
    }
    #[derive(serde::Deserialize)]
    struct Confirmation {
        #[serde(default)]
        jkt: Option<String>,
    }
    let claims: Claims = jwt.claims().ok()?;
    Some(JwtAccess {
        details: GrantDetails {
            client_id: claims.client_id,
            authentication: None,
            scope: claims.scope.unwrap_or_default(),
            authorization_details: claims.authorization_details,
            claims: None,
            refresh_jkt: None,
            resources: Vec::new(),
        },
        subject: jwt.subject()?.to_owned(),
        expires_at: jwt.expires_at()?.unix(),
        issued_at: jwt.issued_at().map(|t| t.unix()),
        jti: jwt.jwt_id().map(str::to_owned),
        jkt: claims.cnf.and_then(|cnf| cnf.jkt),
    })
}

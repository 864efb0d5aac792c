//! What a valid access token says, from a JWT access token (RFC 9068 §2.2, §4) or an
//! introspection response (RFC 7662 §2.2).

use ostium_jose::{Claim, JwkSet, JwsError, Typ, Validation};
use ostium_messages::introspection::IntrospectionResponse;
use ostium_messages::{AuthorizationDetails, JwkThumbprint, Scope};
use serde::Deserialize;
use serde_json::Value;
use time::OffsetDateTime;

use crate::guard::ResourceGuard;
use crate::rejection::TokenRejection;

/// A validated access token, before the sender constraint is checked.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct TokenInfo {
    /// `sub`: the resource owner (or the client, for client credentials).
    pub subject: Option<String>,
    /// `client_id`: the client the token was issued to.
    pub client_id: Option<String>,
    /// `iss`.
    pub issuer: Option<String>,
    /// `scope` (empty when the token has none).
    pub scope: Scope,
    /// `authorization_details` (RFC 9396 §9).
    pub authorization_details: Option<AuthorizationDetails>,
    /// `cnf.jkt`: the DPoP key the token is bound to (RFC 9449 §6).
    pub jkt: Option<JwkThumbprint>,
    /// `exp`.
    pub expires_at: Option<OffsetDateTime>,
    /// `jti` (RFC 9068 §2.2).
    pub token_id: Option<String>,
}

#[derive(Deserialize)]
struct AccessTokenClaims {
    client_id: String,
    #[serde(default)]
    scope: Option<String>,
    #[serde(default)]
    authorization_details: Option<AuthorizationDetails>,
    #[serde(default)]
    cnf: Option<Value>,
}

impl ResourceGuard {
    /// Validates a JWT access token (RFC 9068 §4): `typ` `at+jwt` (or `application/at+jwt`),
    /// a signature by a key of the issuer's JWK Set with an allowed algorithm (never `none`),
    /// `iss` exactly the issuer, `aud` naming this resource server, `exp` in the future, and
    /// the required claims `iss`, `exp`, `aud`, `sub`, `client_id`, `iat`, `jti` (§2.2).
    ///
    /// # Errors
    ///
    /// [`TokenRejection`] naming the failed check; [`TokenRejection::UnknownKey`] when no key
    /// of `keys` matches.
    pub fn validate_jwt(
        &self,
        token: &str,
        keys: &JwkSet,
        now: OffsetDateTime,
    ) -> Result<TokenInfo, TokenRejection> {
        let policy = Validation::new(Typ::AccessToken, self.algorithms)
            .issuer(self.issuer.as_str())
            .audience(&self.audience)
            .require(Claim::Iss)
            .require(Claim::Aud)
            .require(Claim::Sub)
            .require(Claim::Iat)
            .require(Claim::Jti)
            .leeway(self.leeway);
        let jwt = policy.verify(token, keys, now).map_err(|e| match e {
            ostium_jose::Error::Jws(JwsError::NoMatchingKey) => TokenRejection::UnknownKey,
            other => TokenRejection::Jose(other),
        })?;
        let claims: AccessTokenClaims = jwt
            .claims()
            .map_err(|e| TokenRejection::Claims(e.to_string()))?;
        Ok(TokenInfo {
            subject: jwt.subject().map(str::to_owned),
            client_id: Some(claims.client_id),
            issuer: jwt.issuer().map(str::to_owned),
            scope: parse_scope(claims.scope.as_deref())?,
            authorization_details: claims.authorization_details,
            jkt: confirmation(claims.cnf.as_ref())?,
            expires_at: jwt.expires_at().map(ostium_jose::NumericDate::to_time),
            token_id: jwt.jwt_id().map(str::to_owned),
        })
    }

    /// Reads an introspection response (RFC 7662 §2.2) for the presented token: `active` must
    /// be true; `exp`, `nbf`, `iat` are checked against `now` with the leeway; `iss`, if
    /// present, must be the issuer; `aud`, if present, must name this resource server.
    ///
    /// # Errors
    ///
    /// [`TokenRejection`] naming the failed check.
    pub fn validate_introspection(
        &self,
        response: &IntrospectionResponse,
        now: OffsetDateTime,
    ) -> Result<TokenInfo, TokenRejection> {
        if !response.active {
            return Err(TokenRejection::Inactive);
        }
        let now = now.unix_timestamp();
        let leeway = self.leeway.whole_seconds();
        if response
            .exp
            .is_some_and(|exp| now >= exp.saturating_add(leeway))
        {
            return Err(TokenRejection::Expired);
        }
        let future = |t: Option<i64>| t.is_some_and(|t| t > now.saturating_add(leeway));
        if future(response.nbf) || future(response.iat) {
            return Err(TokenRejection::NotYetValid);
        }
        if response
            .iss
            .as_deref()
            .is_some_and(|iss| iss != self.issuer.as_str())
        {
            return Err(TokenRejection::IssuerMismatch);
        }
        if response
            .aud
            .as_ref()
            .is_some_and(|aud| !aud.contains(&self.audience))
        {
            return Err(TokenRejection::AudienceMismatch);
        }
        Ok(TokenInfo {
            subject: response.sub.clone(),
            client_id: response.client_id.clone(),
            issuer: response.iss.clone(),
            scope: response.scope.clone().unwrap_or_default(),
            authorization_details: response.authorization_details.clone(),
            jkt: confirmation(response.cnf.as_ref())?,
            expires_at: response
                .exp
                .and_then(|exp| OffsetDateTime::from_unix_timestamp(exp).ok()),
            token_id: response.jti.clone(),
        })
    }
}

fn parse_scope(scope: Option<&str>) -> Result<Scope, TokenRejection> {
    scope.map_or_else(
        || Ok(Scope::default()),
        |text| {
            Scope::parse_lenient(text).map_err(|e| TokenRejection::Claims(format!("scope: {e}")))
        },
    )
}

/// `cnf` (RFC 7800 §3.1): `jkt` is read; any other confirmation method makes the token unusable
/// here, since its holder cannot be checked.
fn confirmation(cnf: Option<&Value>) -> Result<Option<JwkThumbprint>, TokenRejection> {
    let Some(cnf) = cnf else {
        return Ok(None);
    };
    let object = cnf
        .as_object()
        .ok_or_else(|| TokenRejection::Claims("cnf is not an object".into()))?;
    if object.keys().any(|name| name != "jkt") {
        return Err(TokenRejection::UnsupportedConfirmation);
    }
    match object.get("jkt") {
        None => Ok(None),
        Some(jkt) => jkt
            .as_str()
            .and_then(|jkt| JwkThumbprint::parse(jkt).ok())
            .map(Some)
            .ok_or_else(|| TokenRejection::Claims("cnf.jkt is not a SHA-256 thumbprint".into())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn confirmation_methods() {
        let jkt = "0ZcOCORZNYy-DWpqq30jZyJGHTN0d2HglBV3uiguA4I";
        assert_eq!(
            confirmation(Some(&serde_json::json!({ "jkt": jkt })))
                .unwrap()
                .unwrap()
                .as_str(),
            jkt
        );
        assert_eq!(confirmation(None), Ok(None));
        assert_eq!(
            confirmation(Some(&serde_json::json!({ "x5t#S256": "abc" }))),
            Err(TokenRejection::UnsupportedConfirmation)
        );
        assert!(matches!(
            confirmation(Some(&serde_json::json!({ "jkt": "short" }))),
            Err(TokenRejection::Claims(_))
        ));
        assert!(matches!(
            confirmation(Some(&serde_json::json!("jkt"))),
            Err(TokenRejection::Claims(_))
        ));
    }
}

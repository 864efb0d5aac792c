//! Minting what the token endpoint returns: opaque or RFC 9068 JWT access tokens, refresh token
//! records, and OpenID Connect ID tokens.

use std::sync::Arc;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use ostium_jose::{Algorithm, SigningHeader};
use ostium_messages::values::{JwkThumbprint, Nonce};
use ostium_messages::{ErrorResponse, HttpResponse, TokenErrorCode, TokenResponseRef, TokenType};
use ostium_scope::{AuthorizationDetails, Scope};
use ring::digest;
use serde::Serialize;
use serde_json::{Map, Value};
use time::OffsetDateTime;

use crate::Engine;
use crate::client::{AccessTokenFormat, Client};
use crate::records::{AccessRecord, GrantDetails, RefreshRecord};
use crate::secret::{Entropy, GrantId, MintedSecret};
use crate::store::Write;

pub(crate) fn server_error(text: &str) -> ErrorResponse<TokenErrorCode> {
    ErrorResponse::new(TokenErrorCode::ServerError).with_description(text)
}

/// An access token's text: a minted opaque secret, or a signed JWT.
pub(crate) enum AccessText {
    Opaque(MintedSecret),
    Jwt(String),
}

impl AccessText {
    pub(crate) fn as_str(&self) -> &str {
        match self {
            Self::Opaque(secret) => secret.as_str(),
            Self::Jwt(jwt) => jwt,
        }
    }
}

/// An access token and the write that stores it (none for a JWT).
pub(crate) struct MintedAccess {
    pub(crate) token: AccessText,
    pub(crate) write: Option<Write>,
    pub(crate) expires_in: u64,
    /// Bound to a DPoP key: a `DPoP` token (RFC 9449 §5), else `Bearer`.
    pub(crate) dpop: bool,
}

/// Mints the access token for `details` in format the client is registered for, bound to the
/// DPoP key `jkt` if one is given (RFC 9449 §6).
pub(crate) fn access_token(
    engine: &Engine,
    now: OffsetDateTime,
    entropy: &mut Entropy,
    client: &Client,
    grant: GrantId,
    details: &Arc<GrantDetails>,
    jkt: Option<&JwkThumbprint>,
) -> Result<MintedAccess, ErrorResponse<TokenErrorCode>> {
    let lifetime = engine.config().lifetimes.access_token;
    let expires_at = now.saturating_add(lifetime);
    let expires_in = u64::try_from(lifetime.whole_seconds()).unwrap_or(0);
    match client.access_token_format {
        AccessTokenFormat::Opaque => {
            let token = entropy
                .primary_secret()
                .ok_or_else(|| server_error("no randomness was drawn for this token"))?;
            let record = Box::new(AccessRecord {
                grant,
                details: details.clone(),
                issued_at: now,
                expires_at,
                jkt: jkt.map(|jkt| Box::new(jkt.clone())),
            });
            let write = Write::AccessToken(token.hash(), record);
            Ok(MintedAccess {
                token: AccessText::Opaque(token),
                write: Some(write),
                expires_in,
                dpop: jkt.is_some(),
            })
        }
        AccessTokenFormat::Jwt => {
            let token = jwt_access_token(engine, now, expires_at, entropy, details, jkt)?;
            Ok(MintedAccess {
                token: AccessText::Jwt(token),
                write: None,
                expires_in,
                dpop: jkt.is_some(),
            })
        }
    }
}

/// RFC 9068 §2.2 claims of a JWT access token.
#[derive(Serialize)]
struct AccessTokenClaims<'a> {
    iss: &'a str,
    exp: i64,
    aud: Vec<&'a str>,
    sub: &'a str,
    client_id: &'a str,
    iat: i64,
    jti: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    scope: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    authorization_details: Option<&'a AuthorizationDetails>,
    #[serde(skip_serializing_if = "Option::is_none")]
    auth_time: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    acr: Option<&'a str>,
    #[serde(skip_serializing_if = "<[String]>::is_empty")]
    amr: &'a [String],
    #[serde(skip_serializing_if = "Option::is_none")]
    cnf: Option<Confirmation<'a>>,
}

/// RFC 9449 §6.1 `cnf`: the DPoP key's thumbprint.
#[derive(Serialize)]
struct Confirmation<'a> {
    jkt: &'a str,
}

fn jwt_access_token(
    engine: &Engine,
    now: OffsetDateTime,
    expires_at: OffsetDateTime,
    entropy: &mut Entropy,
    details: &GrantDetails,
    jkt: Option<&JwkThumbprint>,
) -> Result<String, ErrorResponse<TokenErrorCode>> {
    let config = engine.config();
    let authentication = details.authentication.as_ref();
    // RFC 9068 §3: without a resource indicator, the audience is a default resource; the
    // issuer stands in for "this server's own APIs".
    let aud = if details.resources.is_empty() {
        vec![config.issuer.as_str()]
    } else {
        details.resources.iter().map(|r| r.as_str()).collect()
    };
    let claims = AccessTokenClaims {
        iss: config.issuer.as_str(),
        exp: expires_at.unix_timestamp(),
        aud,
        // RFC 9068 §2.2: for client_credentials the subject is the client itself.
        sub: authentication.map_or(details.client_id.as_str(), |a| a.subject.as_str()),
        client_id: details.client_id.as_str(),
        iat: now.unix_timestamp(),
        jti: entropy
            .jti()
            .ok_or_else(|| server_error("no randomness was drawn for this token"))?,
        scope: (!details.scope.is_empty()).then(|| details.scope.to_string()),
        authorization_details: details.authorization_details.as_ref(),
        auth_time: authentication.map(|a| a.auth_time.unix_timestamp()),
        acr: authentication.and_then(|a| a.acr.as_deref()),
        amr: authentication.map_or(&[], |a| a.amr.as_slice()),
        cnf: jkt.map(|jkt| Confirmation { jkt: jkt.as_str() }),
    };
    engine.sign("at+jwt", &claims)
}

/// OIDC Core §2 ID token claims.
#[derive(Serialize)]
struct IdTokenClaims<'a> {
    iss: &'a str,
    sub: &'a str,
    aud: &'a str,
    exp: i64,
    iat: i64,
    #[serde(skip_serializing_if = "Option::is_none")]
    auth_time: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    nonce: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    acr: Option<&'a str>,
    #[serde(skip_serializing_if = "<[String]>::is_empty")]
    amr: &'a [String],
    azp: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    sid: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    at_hash: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    c_hash: Option<String>,
}

/// An ID token's own claims followed by the user's claims its `claims` request asked for
/// (OIDC Core §5.5), which never share a name with them ([`crate::claims::for_id_token`]).
#[derive(Serialize)]
struct WithUserClaims<'a> {
    #[serde(flatten)]
    own: IdTokenClaims<'a>,
    #[serde(flatten)]
    user: &'a Map<String, Value>,
}

/// What an ID token binds to, besides the grant.
pub(crate) struct IdTokenBinding<'a> {
    pub(crate) nonce: Option<&'a Nonce>,
    pub(crate) access_token: Option<&'a str>,
    pub(crate) code: Option<&'a str>,
    /// The user's claims the grant's `claims` request names for the ID token, already read.
    pub(crate) user_claims: Option<&'a Map<String, Value>>,
}

/// Mints an ID token for an OpenID grant (OIDC Core §2, §3.1.3.6).
pub(crate) fn id_token(
    engine: &Engine,
    now: OffsetDateTime,
    details: &GrantDetails,
    binding: &IdTokenBinding<'_>,
) -> Result<String, ErrorResponse<TokenErrorCode>> {
    let config = engine.config();
    let Some(authentication) = details.authentication.as_ref() else {
        return Err(server_error("an ID token needs an authenticated user"));
    };
    let algorithm = config.keys.algorithm();
    let claims = IdTokenClaims {
        iss: config.issuer.as_str(),
        sub: authentication.subject.as_str(),
        aud: details.client_id.as_str(),
        exp: now
            .saturating_add(config.lifetimes.id_token)
            .unix_timestamp(),
        iat: now.unix_timestamp(),
        auth_time: Some(authentication.auth_time.unix_timestamp()),
        nonce: binding.nonce.map(Nonce::as_str),
        acr: authentication.acr.as_deref(),
        amr: &authentication.amr,
        azp: details.client_id.as_str(),
        sid: authentication.session_id.as_deref(),
        at_hash: binding
            .access_token
            .map(|token| half_hash(algorithm, token)),
        c_hash: binding.code.map(|code| half_hash(algorithm, code)),
    };
    match binding.user_claims.filter(|user| !user.is_empty()) {
        Some(user) => engine.sign("JWT", &WithUserClaims { own: claims, user }),
        None => engine.sign("JWT", &claims),
    }
}

/// OIDC Core §3.1.3.6 `at_hash` / §3.3.2.11 `c_hash`: the base64url of the left half of the hash
/// of the ASCII value, with the hash of the ID token's `alg` (SHA-512 for EdDSA/Ed25519).
pub(crate) fn half_hash(algorithm: Algorithm, value: &str) -> String {
    let hash = match algorithm {
        Algorithm::Hs384 | Algorithm::Rs384 | Algorithm::Ps384 | Algorithm::Es384 => {
            &digest::SHA384
        }
        Algorithm::Hs512 | Algorithm::Rs512 | Algorithm::Ps512 | Algorithm::EdDsa => {
            &digest::SHA512
        }
        _ => &digest::SHA256,
    };
    let full = digest::digest(hash, value.as_bytes());
    let bytes = full.as_ref();
    URL_SAFE_NO_PAD.encode(bytes.get(..bytes.len() / 2).unwrap_or_default())
}

/// A new refresh token (secret and record) for the family `grant` at `generation`.
pub(crate) fn refresh_token(
    engine: &Engine,
    now: OffsetDateTime,
    entropy: &mut Entropy,
    grant: GrantId,
    generation: u64,
    details: Arc<GrantDetails>,
    family_issued_at: OffsetDateTime,
) -> Result<(MintedSecret, Box<RefreshRecord>), ErrorResponse<TokenErrorCode>> {
    let secret = entropy
        .refresh_secret()
        .ok_or_else(|| server_error("no randomness was drawn for this token"))?;
    let record = Box::new(RefreshRecord {
        grant,
        generation,
        details,
        issued_at: family_issued_at,
        expires_at: now.saturating_add(engine.config().lifetimes.refresh_token),
    });
    Ok((secret, record))
}

/// Writes the token response (RFC 6749 §5.1) straight from what was minted: base64url tokens
/// and a compact JWS are valid token strings by construction.
pub(crate) fn response(
    access: &MintedAccess,
    refresh_token: Option<&str>,
    scope: &Scope,
    authorization_details: Option<&AuthorizationDetails>,
    id_token: Option<&str>,
) -> HttpResponse {
    TokenResponseRef {
        expires_in: Some(access.expires_in),
        refresh_token,
        // Always sent: it is correct whether or not it differs from the request (RFC 6749 §5.1).
        scope: (!scope.is_empty()).then_some(scope),
        authorization_details,
        id_token,
        ..TokenResponseRef::new(
            access.token.as_str(),
            if access.dpop {
                &TokenType::DPoP
            } else {
                &TokenType::Bearer
            },
        )
    }
    .to_response()
}

impl Engine {
    /// Signs `claims` with the active key, `typ` and `kid` in the header.
    pub(crate) fn sign<T: Serialize>(
        &self,
        typ: &str,
        claims: &T,
    ) -> Result<String, ErrorResponse<TokenErrorCode>> {
        let keys = &self.config().keys;
        let mut header = SigningHeader::new(keys.algorithm()).typ(typ);
        if let Some(kid) = keys.active().kid() {
            header = header.kid(kid.clone());
        }
        ostium_jose::Signer::new(keys.active(), &header)
            .and_then(|signer| signer.sign_json(claims))
            .map_err(|_| server_error("signing failed"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// OIDC Core §3.3.2.11 example values are not published with their inputs, so check the
    /// construction: the left half of SHA-256, base64url.
    #[test]
    fn half_hash_is_the_left_half_of_the_algorithms_hash() {
        let full = digest::digest(&digest::SHA256, b"token");
        let expected = URL_SAFE_NO_PAD.encode(&full.as_ref()[..16]);
        assert_eq!(half_hash(Algorithm::Rs256, "token"), expected);
        assert_eq!(half_hash(Algorithm::Es256, "token"), expected);
        assert_eq!(half_hash(Algorithm::Es384, "token").len(), 32); // 24 octets
        assert_eq!(half_hash(Algorithm::EdDsa, "token").len(), 43); // 32 octets
    }
}

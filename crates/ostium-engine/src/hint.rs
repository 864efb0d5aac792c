//! `id_token_hint`: an ID token this server issued, presented back by a client (OIDC Core
//! §3.1.2.1; RP-Initiated Logout §2). Its signature must verify against the published keys (a
//! retired key still counts); its expiry does not matter, since a hint may have expired.

use ostium_jose::{AlgorithmSet, JwsVerifier};
use serde::Deserialize;
use serde_json::Value;

use crate::Engine;
use crate::records::Subject;

/// What a verified hint says.
pub(crate) struct IdTokenHint {
    /// The user.
    pub(crate) subject: Subject,
    /// The client the ID token was issued to: `azp`, or a single `aud`.
    pub(crate) client: Option<String>,
    /// The login session (`sid`), if the token carried one.
    pub(crate) session_id: Option<String>,
}

/// The hint, if `token` is an ID token this server signed (never one of its `at+jwt` access
/// tokens).
pub(crate) fn verify(engine: &Engine, token: &str) -> Option<IdTokenHint> {
    let config = engine.config();
    let verifier = JwsVerifier::new(
        config.keys.published(),
        AlgorithmSet::from(config.keys.algorithm()),
    );
    let jws = verifier.verify_compact(token).ok()?;
    if jws
        .header()
        .typ()
        .is_some_and(|typ| !typ.eq_ignore_ascii_case("JWT"))
    {
        return None;
    }
    #[derive(Deserialize)]
    struct Claims {
        iss: String,
        sub: String,
        #[serde(default)]
        aud: Option<Value>,
        #[serde(default)]
        azp: Option<String>,
        #[serde(default)]
        sid: Option<String>,
    }
    let claims: Claims = serde_json::from_slice(jws.payload()).ok()?;
    if claims.iss != config.issuer.as_str() {
        return None;
    }
    let single_audience = match claims.aud {
        Some(Value::String(aud)) => Some(aud),
        Some(Value::Array(auds)) if auds.len() == 1 => auds
            .into_iter()
            .next()
            .and_then(|aud| aud.as_str().map(str::to_owned)),
        _ => None,
    };
    Some(IdTokenHint {
        subject: Subject::parse(&claims.sub).ok()?,
        client: claims.azp.or(single_audience),
        session_id: claims.sid,
    })
}

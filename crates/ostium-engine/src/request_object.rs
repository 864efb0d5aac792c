//! Request objects passed by value (`request`, RFC 9101 §2.1; OIDC Core §6.1): the
//! authorization request's parameters as the claims of a JWT the client signed.
//!
//! - It must be signed with a key the client registered (`private_key_jwt`'s JWKS), with an
//!   algorithm of [`Profile::client_assertion_algorithms`](crate::Profile), never `none`:
//!   unsigned objects, and clients without keys, get `request_not_supported`.
//! - `typ`, when present, is `oauth-authz-req+jwt` or `JWT`; `iss`, when present, is the
//!   client; `aud`, when present, names this server; `exp` and `nbf`, when present, hold;
//!   `client_id`, when present, is the query's. Otherwise `invalid_request_object`.
//! - The object's parameters are the request's, alone (RFC 9101 §6.3): the query contributes
//!   only `client_id`. An object holding `request` or `request_uri` is refused.

use ostium_jose::{AlgorithmSet, JwsVerifier};
use ostium_messages::AuthorizationErrorCode;
use ostium_messages::Params;
use serde_json::{Map, Value};
use time::{Duration, OffsetDateTime};

use crate::Engine;
use crate::client::{Client, ClientCredentials};

/// Clock skew tolerated on `exp` and `nbf`.
const LEEWAY: Duration = Duration::seconds(10);

/// JWT claims of the object itself, not authorization parameters (RFC 7519 §4.1).
const JWT_CLAIMS: [&str; 6] = ["iss", "aud", "exp", "nbf", "iat", "jti"];

/// The authorization parameters `object` carries for `client`, or the error to redirect with.
pub(crate) fn parameters(
    engine: &Engine,
    client: &Client,
    object: &str,
    now: OffsetDateTime,
) -> Result<Params, (AuthorizationErrorCode, &'static str)> {
    let unsupported = |text| (AuthorizationErrorCode::RequestNotSupported, text);
    let invalid = |text| (AuthorizationErrorCode::InvalidRequestObject, text);
    let ClientCredentials::PrivateKeyJwt(keys) = &client.credentials else {
        return Err(unsupported(
            "request objects need keys registered for private_key_jwt",
        ));
    };
    let algorithms: AlgorithmSet = engine
        .config()
        .profile
        .client_assertion_algorithms
        .iter()
        .copied()
        .filter(|algorithm| !algorithm.is_symmetric())
        .collect();
    if object.split('.').next().is_some_and(header_says_none) {
        return Err(unsupported("unsigned request objects are not supported"));
    }
    let jws = JwsVerifier::new(keys.as_ref(), algorithms)
        .verify_compact(object)
        .map_err(|_| invalid("the request object is not signed with the client's keys"))?;
    if jws.header().typ().is_some_and(|typ| {
        !typ.eq_ignore_ascii_case("oauth-authz-req+jwt") && !typ.eq_ignore_ascii_case("JWT")
    }) {
        return Err(invalid(
            "the request object's typ is not oauth-authz-req+jwt",
        ));
    }
    let claims: Map<String, Value> = serde_json::from_slice(jws.payload())
        .map_err(|_| invalid("the request object's claims are not a JSON object"))?;
    let client_id = client.id.as_str();
    let matches = |name: &str, expected: &str| {
        claims
            .get(name)
            .is_none_or(|value| value.as_str() == Some(expected))
    };
    if !matches("iss", client_id) {
        return Err(invalid("the request object's iss is not the client"));
    }
    if !matches("client_id", client_id) {
        return Err(invalid(
            "the request object's client_id is not the request's",
        ));
    }
    let issuer = engine.config().issuer.as_str();
    let audience_ok = match claims.get("aud") {
        None => true,
        Some(Value::String(aud)) => aud == issuer,
        Some(Value::Array(auds)) => auds.iter().any(|aud| aud.as_str() == Some(issuer)),
        Some(_) => false,
    };
    if !audience_ok {
        return Err(invalid("the request object's aud is not this server"));
    }
    let time = |name: &str| claims.get(name).map(|value| value.as_i64());
    match time("exp") {
        Some(Some(exp)) if exp > now.saturating_sub(LEEWAY).unix_timestamp() => {}
        Some(_) => return Err(invalid("the request object has expired")),
        None => {}
    }
    match time("nbf") {
        Some(Some(nbf)) if nbf <= now.saturating_add(LEEWAY).unix_timestamp() => {}
        Some(_) => return Err(invalid("the request object is not valid yet")),
        None => {}
    }
    if claims.contains_key("request") || claims.contains_key("request_uri") {
        return Err(invalid(
            "a request object cannot hold request or request_uri",
        ));
    }
    let mut params = Params::new();
    params.push("client_id", client_id);
    for (name, value) in &claims {
        if name == "client_id" || JWT_CLAIMS.contains(&name.as_str()) {
            continue;
        }
        match value {
            Value::String(text) => params.push(name.as_str(), text.as_str()),
            Value::Null => {}
            // A list of strings is a repeated parameter (`resource`, RFC 8707).
            Value::Array(items) if items.iter().all(Value::is_string) => {
                for item in items.iter().filter_map(Value::as_str) {
                    params.push(name.as_str(), item);
                }
            }
            // `claims` and `authorization_details` are JSON, `max_age` a number: their
            // parameter form is their JSON text.
            other => params.push(name.as_str(), other.to_string()),
        }
    }
    Ok(params)
}

/// Whether a compact JWS header says `"alg":"none"`.
fn header_says_none(header: &str) -> bool {
    use base64::Engine as _;
    base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(header)
        .ok()
        .and_then(|bytes| serde_json::from_slice::<Map<String, Value>>(&bytes).ok())
        .and_then(|header| header.get("alg").and_then(Value::as_str).map(str::to_owned))
        .is_some_and(|alg| alg.eq_ignore_ascii_case("none"))
}

//! DPoP at the resource server (RFC 9449 §4.3, §7): the FAPI 2.0 §5.3.4 negative tests of the
//! checklist's section 4, the variations it must accept, and the RFC 9449 §7.1 example proof.

#![allow(clippy::unwrap_used, clippy::indexing_slicing, clippy::panic)]

mod support;

use ostium_jose::{Algorithm, ClaimsError, Error as JoseError, Jwk, JwsError};
use ostium_messages::resource::TokenScheme;
use ostium_messages::{HttpRequest, ResourceErrorCode};
use ostium_resource::{
    Authenticated, DpopNonces, DpopRejection, RejectionKind, ResourceRequest, TokenRejection,
};
use ostium_testkit::{FixedClock, SeededRng, vectors};
use serde_json::{Value, json};
use support::*;

/// A DPoP-bound token for the client's key, and a valid proof for `PUT URI`.
fn bound() -> (Jwk, String, Value) {
    let key = dpop_key();
    let token = access_token(&token_claims("files:write:/diagrams", Some(&jkt(&key))));
    let claims = proof_claims("PUT", URI, &token);
    (key, token, claims)
}

fn send(token: &str, proof: &str) -> Result<Authenticated, ostium_resource::Rejection> {
    let authorization = format!("DPoP {token}");
    let request = ResourceRequest::new(http("PUT", Some(&authorization), Some(proof)), URI);
    guard().authenticate_jwt(&request, &as_keys(), now())
}

fn refused(token: &str, proof: &str) -> DpopRejection {
    match rejection(send(token, proof)) {
        RejectionKind::InvalidDpopProof(why) => why,
        other => panic!("expected invalid_dpop_proof, got {other:?}"),
    }
}

#[test]
fn a_valid_proof_gives_access_after_the_replay_check() {
    let (key, token, claims) = bound();
    let Authenticated::CheckReplay(check) = send(&token, &proof(&key, &claims)).unwrap() else {
        panic!("a DPoP proof needs a replay check");
    };
    assert_eq!(check.jti(), "e1j3V_bKic8-LAEB");
    assert_eq!(check.jkt().as_str(), jkt(&key));
    assert_eq!(check.key(), format!("dpop:{}:e1j3V_bKic8-LAEB", jkt(&key)));
    assert!(check.remember_until() > now() + time::Duration::seconds(60));
    let access = check.finish(true).unwrap();
    assert_eq!(access.scheme(), TokenScheme::DPoP);
    assert_eq!(access.subject(), Some("user-5"));
}

#[test]
fn fapi_dpop_jti_replay_is_rejected() {
    let (key, token, claims) = bound();
    let proof = proof(&key, &claims);
    let mut seen = std::collections::HashSet::new();
    let mut use_once = |proof: &str| {
        send(&token, proof)
            .unwrap()
            .into_access(|check| seen.insert(check.key()))
    };
    assert!(use_once(&proof).is_ok());
    let replay = use_once(&proof).unwrap_err();
    assert_eq!(
        replay.kind(),
        &RejectionKind::InvalidDpopProof(DpopRejection::Replayed)
    );
    assert_eq!(
        replay.error_code(),
        Some(ResourceErrorCode::InvalidDpopProof)
    );
}

#[test]
fn fapi_dpop_missing_or_bad_typ_is_rejected() {
    let (key, token, claims) = bound();
    let public = key.to_public().unwrap();
    for typ in [None, Some("JWT"), Some("at+jwt"), Some("dpop")] {
        let proof = proof_with(&key, Algorithm::Es256, typ, Some(&public), &claims);
        assert_eq!(
            refused(&token, &proof),
            DpopRejection::Jose(JoseError::Claims(ClaimsError::TypMismatch)),
            "{typ:?}"
        );
    }
    // `application/dpop+jwt` is the same media type (RFC 7515 §4.1.9).
    let long = proof_with(
        &key,
        Algorithm::Es256,
        Some("application/dpop+jwt"),
        Some(&public),
        &claims,
    );
    assert!(send(&token, &long).is_ok());
}

#[test]
fn fapi_dpop_missing_or_bad_alg_is_rejected() {
    let (key, token, claims) = bound();
    let valid = proof(&key, &claims);
    let public: Value = serde_json::from_str(&key.to_public().unwrap().to_json()).unwrap();
    // No alg at all.
    let no_alg = with_header(&valid, &json!({"typ": "dpop+jwt", "jwk": public}));
    assert!(matches!(
        refused(&token, &no_alg),
        DpopRejection::Jose(JoseError::Jws(JwsError::InvalidHeader(_)))
    ));
    // alg none, with the signature dropped.
    let (input, _) = with_header(
        &valid,
        &json!({"typ": "dpop+jwt", "alg": "none", "jwk": public}),
    )
    .rsplit_once('.')
    .map(|(i, s)| (i.to_owned(), s.to_owned()))
    .unwrap();
    assert_eq!(
        refused(&token, &format!("{input}.")),
        DpopRejection::Jose(JoseError::Jws(JwsError::UnsecuredAlgorithm))
    );
    // An HMAC alg with an embedded key (symmetric algorithms are never DPoP algorithms).
    let hs = with_header(
        &valid,
        &json!({"typ": "dpop+jwt", "alg": "HS256", "jwk": public}),
    );
    assert_eq!(
        refused(&token, &hs),
        DpopRejection::Jose(JoseError::Jws(JwsError::AlgorithmNotAllowed(
            Algorithm::Hs256
        )))
    );
    // ES384 is a valid JWS algorithm but does not fit a P-256 key.
    let es384 = with_header(
        &valid,
        &json!({"typ": "dpop+jwt", "alg": "ES384", "jwk": public}),
    );
    let guard = guard().with_dpop_algorithms(ostium_jose::AlgorithmSet::of(&[
        Algorithm::Es256,
        Algorithm::Es384,
    ]));
    let authorization = format!("DPoP {token}");
    let request = ResourceRequest::new(http("PUT", Some(&authorization), Some(&es384)), URI);
    assert!(matches!(
        guard.authenticate_jwt(&request, &as_keys(), now()),
        Err(r) if matches!(r.kind(), RejectionKind::InvalidDpopProof(DpopRejection::Jose(_)))
    ));
}

#[test]
fn fapi_dpop_rs256_is_rejected_by_default() {
    let vector = vectors::load("rfc7515_appendix_a2_rs256");
    let rsa = Jwk::from_json(&vector["jwk_private"].to_string()).unwrap();
    let token = access_token(&token_claims("files:write:/diagrams", Some(&jkt(&rsa))));
    let claims = proof_claims("PUT", URI, &token);
    let proof = proof_with(
        &rsa,
        Algorithm::Rs256,
        Some("dpop+jwt"),
        Some(&rsa.to_public().unwrap()),
        &claims,
    );
    assert_eq!(
        refused(&token, &proof),
        DpopRejection::Jose(JoseError::Jws(JwsError::AlgorithmNotAllowed(
            Algorithm::Rs256
        )))
    );
}

#[test]
fn fapi_dpop_missing_or_bad_jwk_is_rejected() {
    let (key, token, claims) = bound();
    let missing = proof_with(&key, Algorithm::Es256, Some("dpop+jwt"), None, &claims);
    assert!(matches!(
        refused(&token, &missing),
        DpopRejection::Jose(JoseError::Jws(JwsError::EmbeddedKey(_)))
    ));
    let valid = proof(&key, &claims);
    for bad in [
        json!("not a key"),
        json!({"kty": "EC", "crv": "P-256", "x": "AAAA"}),
    ] {
        let broken = with_header(
            &valid,
            &json!({"typ": "dpop+jwt", "alg": "ES256", "jwk": bad}),
        );
        assert!(
            matches!(
                refused(&token, &broken),
                DpopRejection::Jose(JoseError::Jws(_))
            ),
            "{bad}"
        );
    }
}

#[test]
fn fapi_dpop_private_key_in_jwk_is_rejected() {
    let (key, token, claims) = bound();
    let valid = proof(&key, &claims);
    let private: Value = serde_json::from_str(&key.to_json()).unwrap();
    assert!(private.get("d").is_some(), "the key's JSON carries d");
    let leaked = with_header(
        &valid,
        &json!({"typ": "dpop+jwt", "alg": "ES256", "jwk": private}),
    );
    assert!(matches!(
        refused(&token, &leaked),
        DpopRejection::Jose(JoseError::Jws(JwsError::EmbeddedKey(_)))
    ));
}

#[test]
fn fapi_dpop_missing_claims_are_rejected() {
    let (key, token, claims) = bound();
    for name in ["htm", "htu", "ath"] {
        let mut partial = claims.clone();
        partial.as_object_mut().unwrap().remove(name);
        assert!(
            matches!(
                refused(&token, &proof(&key, &partial)),
                DpopRejection::MissingClaim(missing) if missing == name
            ),
            "{name}"
        );
    }
    for name in ["iat", "jti"] {
        let mut partial = claims.clone();
        partial.as_object_mut().unwrap().remove(name);
        assert_eq!(
            refused(&token, &proof(&key, &partial)),
            DpopRejection::Jose(JoseError::Claims(ClaimsError::Missing(name))),
            "{name}"
        );
    }
    let mut no_jti = claims.clone();
    no_jti["jti"] = json!("");
    assert_eq!(
        refused(&token, &proof(&key, &no_jti)),
        DpopRejection::MissingClaim("jti")
    );
}

#[test]
fn fapi_dpop_wrong_htm_or_htu_is_rejected() {
    let (key, token, claims) = bound();
    for htm in ["GET", "put", "POST"] {
        let mut wrong = claims.clone();
        wrong["htm"] = json!(htm);
        assert_eq!(
            refused(&token, &proof(&key, &wrong)),
            DpopRejection::MethodMismatch,
            "{htm}"
        );
    }
    for htu in [
        "https://storage.example/diagrams/other.svg",
        "https://storage.example/diagrams/plan.svg/",
        "http://storage.example/diagrams/plan.svg",
        "https://storage.example:8443/diagrams/plan.svg",
        "https://evil.example/diagrams/plan.svg",
        "/diagrams/plan.svg",
    ] {
        let mut wrong = claims.clone();
        wrong["htu"] = json!(htu);
        assert_eq!(
            refused(&token, &proof(&key, &wrong)),
            DpopRejection::UriMismatch,
            "{htu}"
        );
    }
}

#[test]
fn fapi_dpop_iat_an_hour_off_is_rejected() {
    let (key, token, claims) = bound();
    for offset in [3600, -3600, 61, -71] {
        let mut skewed = claims.clone();
        skewed["iat"] = json!(unix_now() + offset);
        assert_eq!(
            refused(&token, &proof(&key, &skewed)),
            DpopRejection::IssuedAtOutOfWindow,
            "{offset}"
        );
    }
    // Within the window: 10 s ahead (FAPI 2.0 5.3.2.1-13) and 60 s old are accepted.
    for offset in [10, -60] {
        let mut skewed = claims.clone();
        skewed["iat"] = json!(unix_now() + offset);
        assert!(send(&token, &proof(&key, &skewed)).is_ok(), "{offset}");
    }
}

#[test]
fn fapi_dpop_wrong_ath_is_rejected() {
    let (key, token, claims) = bound();
    let mut wrong = claims.clone();
    wrong["ath"] = json!(ath("another-token"));
    assert_eq!(
        refused(&token, &proof(&key, &wrong)),
        DpopRejection::AccessTokenHashMismatch
    );
}

#[test]
fn fapi_dpop_another_signing_key_is_rejected() {
    let (key, token, claims) = bound();
    let other = Jwk::generate(Algorithm::Es256, &mut SeededRng::new(201)).unwrap();
    // The header names the bound key, the signature is by another: the signature fails.
    let forged = proof_with(
        &other,
        Algorithm::Es256,
        Some("dpop+jwt"),
        Some(&key.to_public().unwrap()),
        &claims,
    );
    assert_eq!(
        refused(&token, &forged),
        DpopRejection::Jose(JoseError::Jws(JwsError::InvalidSignature))
    );
    // A proof that is valid for its own key, but not the key the token is bound to.
    assert_eq!(
        refused(&token, &proof(&other, &claims)),
        DpopRejection::KeyMismatch
    );
}

#[test]
fn fapi_dpop_bad_signature_is_rejected() {
    let (key, token, claims) = bound();
    let valid = proof(&key, &claims);
    let (input, signature) = valid.rsplit_once('.').unwrap();
    let mut flipped = signature.as_bytes().to_vec();
    flipped[10] = if flipped[10] == b'A' { b'B' } else { b'A' };
    let tampered = format!("{input}.{}", String::from_utf8(flipped).unwrap());
    assert!(matches!(
        refused(&token, &tampered),
        DpopRejection::Jose(JoseError::Jws(
            JwsError::InvalidSignature | JwsError::InvalidBase64(_)
        ))
    ));
    // The payload changed under a valid signature.
    let mut other_claims = claims.clone();
    other_claims["htm"] = json!("DELETE");
    let other = proof(&key, &other_claims);
    let (_, other_payload_and_sig) = other.split_once('.').unwrap();
    let (other_payload, _) = other_payload_and_sig.split_once('.').unwrap();
    let (header, _) = valid.split_once('.').unwrap();
    let spliced = format!("{header}.{other_payload}.{signature}");
    assert_eq!(
        refused(&token, &spliced),
        DpopRejection::Jose(JoseError::Jws(JwsError::InvalidSignature))
    );
}

#[test]
fn fapi_dpop_downgrade_to_bearer_is_rejected() {
    let (key, token, claims) = bound();
    let authorization = format!("Bearer {token}");
    // With or without the proof: a DPoP-bound token is never a bearer token (RFC 9449 §7.2).
    for proof in [None, Some(proof(&key, &claims))] {
        let request =
            ResourceRequest::new(http("PUT", Some(&authorization), proof.as_deref()), URI);
        let rejection = guard()
            .authenticate_jwt(&request, &as_keys(), now())
            .unwrap_err();
        assert_eq!(
            rejection.kind(),
            &RejectionKind::InvalidToken(TokenRejection::DowngradedToBearer)
        );
        assert_eq!(rejection.scheme(), Some(TokenScheme::DPoP));
    }
    // The reverse: an unbound token with the DPoP scheme.
    let bearer_token = access_token(&token_claims("files:write:/diagrams", None));
    let claims = proof_claims("PUT", URI, &bearer_token);
    assert_eq!(
        rejection(send(&bearer_token, &proof(&key, &claims))),
        RejectionKind::InvalidToken(TokenRejection::NotDpopBound)
    );
}

#[test]
fn fapi_dpop_scheme_without_proof_is_rejected() {
    let (_, token, _) = bound();
    let authorization = format!("DPoP {token}");
    let request = ResourceRequest::new(http("PUT", Some(&authorization), None), URI);
    let kind = rejection(guard().authenticate_jwt(&request, &as_keys(), now()));
    assert!(matches!(
        kind,
        RejectionKind::Malformed(e) if e.error == ResourceErrorCode::InvalidDpopProof
    ));
}

#[test]
fn fapi_dpop_accepts_htu_query_fragment_and_normalization_differences() {
    let (key, token, claims) = bound();
    for htu in [
        "https://storage.example/diagrams/plan.svg?version=3",
        "https://storage.example/diagrams/plan.svg#section",
        "HTTPS://STORAGE.EXAMPLE/diagrams/plan.svg",
        "https://storage.example:443/diagrams/plan.svg",
    ] {
        let mut variant = claims.clone();
        variant["htu"] = json!(htu);
        assert!(send(&token, &proof(&key, &variant)).is_ok(), "{htu}");
    }
    // The request URI itself may carry a query.
    let authorization = format!("DPoP {token}");
    let proof = proof(&key, &claims);
    let request = ResourceRequest::new(
        http("PUT", Some(&authorization), Some(&proof)),
        "https://storage.example/diagrams/plan.svg?overwrite=true",
    );
    assert!(
        guard()
            .authenticate_jwt(&request, &as_keys(), now())
            .is_ok()
    );
}

#[test]
fn fapi_dpop_accepts_extra_claims() {
    let (key, token, claims) = bound();
    let mut extra = claims.clone();
    extra["client_hint"] = json!({"app": "drawing"});
    extra["aud"] = json!("https://storage.example");
    assert!(send(&token, &proof(&key, &extra)).is_ok());
}

#[test]
fn use_dpop_nonce_when_the_server_requires_one() {
    let (key, token, claims) = bound();
    let nonces = DpopNonces::new("eyJ7S_zG.eyJH0-Z.HX4w-7v").also_accepting("older-nonce");
    let authorization = format!("DPoP {token}");
    let without = proof(&key, &claims);
    let request = ResourceRequest::new(http("PUT", Some(&authorization), Some(&without)), URI)
        .with_dpop_nonces(&nonces);
    assert_eq!(
        rejection(guard().authenticate_jwt(&request, &as_keys(), now())),
        RejectionKind::UseDpopNonce("eyJ7S_zG.eyJH0-Z.HX4w-7v".into())
    );
    for nonce in ["eyJ7S_zG.eyJH0-Z.HX4w-7v", "older-nonce"] {
        let mut with_nonce = claims.clone();
        with_nonce["nonce"] = json!(nonce);
        let proof = proof(&key, &with_nonce);
        let request = ResourceRequest::new(http("PUT", Some(&authorization), Some(&proof)), URI)
            .with_dpop_nonces(&nonces);
        assert!(
            guard()
                .authenticate_jwt(&request, &as_keys(), now())
                .is_ok(),
            "{nonce}"
        );
    }
    let mut stale = claims.clone();
    stale["nonce"] = json!("expired-nonce");
    let proof = proof(&key, &stale);
    let request = ResourceRequest::new(http("PUT", Some(&authorization), Some(&proof)), URI)
        .with_dpop_nonces(&nonces);
    assert!(matches!(
        rejection(guard().authenticate_jwt(&request, &as_keys(), now())),
        RejectionKind::UseDpopNonce(_)
    ));
}

/// RFC 9449 §7.1 Figures 12–14: the example resource request, its proof and opaque token,
/// validated through introspection with the token bound to the example key (§6.2).
#[test]
fn rfc_9449_section_7_1_example_proof_is_accepted() {
    let vector = vectors::load("rfc9449_dpop");
    let example = &vector["resource_request"];
    let token = example["access_token"].as_str().unwrap();
    let proof = example["compact"].as_str().unwrap();
    let uri = example["http_uri"].as_str().unwrap();
    let now = FixedClock::at_unix(example["iat_now"].as_i64().unwrap()).now();
    let authorization = format!("DPoP {token}");
    let request = ResourceRequest::new(
        HttpRequest {
            method: example["http_method"].as_str().unwrap(),
            authorization: Some(&authorization),
            dpop: Some(proof),
            ..HttpRequest::default()
        },
        uri,
    );
    let guard = ostium_resource::ResourceGuard::new(
        ostium_messages::Issuer::parse("https://server.example.com").unwrap(),
        "https://resource.example.org",
    );
    let presented = guard.credentials(&request).unwrap();
    let introspection = ostium_messages::introspection::IntrospectionResponse::parse_json(
        json!({
            "active": true,
            "iss": "https://server.example.com",
            "sub": "someone@example.com",
            "exp": example["iat_now"].as_i64().unwrap() + 600,
            "scope": "read",
            "cnf": {"jkt": vector["jkt"]["value"]},
        })
        .to_string()
        .as_bytes(),
    )
    .unwrap();
    let Authenticated::CheckReplay(check) = guard
        .authenticate_introspected(&request, &presented, &introspection, now)
        .unwrap()
    else {
        panic!("a bound token needs the replay check");
    };
    assert_eq!(check.jti(), "e1j3V_bKic8-LAEB");
    assert_eq!(
        check.jkt().as_str(),
        vector["jkt"]["value"].as_str().unwrap()
    );
    // The token-request proof (§4.1, htm POST, no ath) is not a resource proof.
    let token_proof = vector["token_request"]["compact"].as_str().unwrap();
    let request = ResourceRequest::new(
        HttpRequest {
            method: "GET",
            authorization: Some(&authorization),
            dpop: Some(token_proof),
            ..HttpRequest::default()
        },
        uri,
    );
    let presented = guard.credentials(&request).unwrap();
    assert!(
        guard
            .authenticate_introspected(&request, &presented, &introspection, now)
            .is_err()
    );
}

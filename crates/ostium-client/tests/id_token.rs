//! ID token validation: checklist items 60, 61, 66 and the OpenID RP conformance behaviours of
//! section 1b (`oidcc-client-test-*`), one test each.

#![allow(clippy::unwrap_used, clippy::indexing_slicing, clippy::panic)]

mod support;

use ostium_client::{
    ClientError, IdTokenError, IdTokenExpectations, IdTokenStep, JwksRefresh, ProviderJwks,
};
use ostium_jose::{Algorithm, AlgorithmSet, ClaimsError, Error as JoseError, JwsError};
use ostium_messages::{AccessToken, AuthorizationCode, Nonce};
use serde_json::json;
use support::*;
use time::Duration;

const NONCE: &str = "n-0S6_WzA2Mj";

fn expect_nonce() -> IdTokenExpectations {
    let mut expectations = IdTokenExpectations::default();
    expectations.nonce = Some(Nonce::parse(NONCE).unwrap());
    expectations
}

fn validate(token: &str, jwks: &ProviderJwks) -> Result<IdTokenStep, ClientError> {
    client().validate_id_token(token, &expect_nonce(), Some(jwks), now())
}

fn rejected(token: &str, jwks: &ProviderJwks) -> IdTokenError {
    match validate(token, jwks) {
        Err(ClientError::IdToken(error)) => error,
        other => panic!("expected an ID token error, got {other:?}"),
    }
}

fn rsa_only() -> ProviderJwks {
    jwks(&[&keys().rsa1], now())
}

#[test]
fn rp_happy_path_rs256_and_es256() {
    let keys = keys();
    let set = jwks(&[&keys.rsa1, &keys.ec], now());
    let claims = id_claims(Some(NONCE));
    let rs = expect_valid(validate(&sign(&keys.rsa1, Algorithm::Rs256, &claims), &set).unwrap());
    assert_eq!(rs.subject(), "248289761001");
    assert_eq!(rs.issuer(), ISSUER);
    assert_eq!(rs.algorithm(), Algorithm::Rs256);
    assert_eq!(rs.claims().claims.name.as_deref(), Some("Jane Doe"));
    let es = expect_valid(validate(&sign(&keys.ec, Algorithm::Es256, &claims), &set).unwrap());
    assert_eq!(es.algorithm(), Algorithm::Es256);
    // The Debug form names the user, not the profile.
    assert!(!format!("{es:?}").contains("Jane"));
}

#[test]
fn rp_invalid_iss_is_rejected() {
    let mut claims = id_claims(Some(NONCE));
    claims["iss"] = json!("https://op.example/");
    let token = sign(&keys().rsa1, Algorithm::Rs256, &claims);
    assert_eq!(
        rejected(&token, &rsa_only()),
        IdTokenError::Jose(JoseError::Claims(ClaimsError::IssuerMismatch))
    );
}

#[test]
fn rp_missing_sub_is_rejected() {
    let mut claims = id_claims(Some(NONCE));
    claims.as_object_mut().unwrap().remove("sub");
    let token = sign(&keys().rsa1, Algorithm::Rs256, &claims);
    assert_eq!(
        rejected(&token, &rsa_only()),
        IdTokenError::Jose(JoseError::Claims(ClaimsError::Missing("sub")))
    );
}

#[test]
fn rp_invalid_aud_is_rejected() {
    let mut claims = id_claims(Some(NONCE));
    claims["aud"] = json!("another-client");
    let token = sign(&keys().rsa1, Algorithm::Rs256, &claims);
    assert_eq!(
        rejected(&token, &rsa_only()),
        IdTokenError::Jose(JoseError::Claims(ClaimsError::AudienceMismatch))
    );
}

#[test]
fn rp_missing_iat_is_rejected() {
    let mut claims = id_claims(Some(NONCE));
    claims.as_object_mut().unwrap().remove("iat");
    let token = sign(&keys().rsa1, Algorithm::Rs256, &claims);
    assert_eq!(
        rejected(&token, &rsa_only()),
        IdTokenError::Jose(JoseError::Claims(ClaimsError::Missing("iat")))
    );
}

#[test]
fn rp_nonce_invalid_is_rejected() {
    let token = sign(
        &keys().rsa1,
        Algorithm::Rs256,
        &id_claims(Some("other-nonce")),
    );
    assert_eq!(rejected(&token, &rsa_only()), IdTokenError::NonceMismatch);
}

#[test]
fn rp_invalid_sig_rs256_is_rejected() {
    let token = tamper_signature(&sign(
        &keys().rsa1,
        Algorithm::Rs256,
        &id_claims(Some(NONCE)),
    ));
    assert_eq!(
        rejected(&token, &rsa_only()),
        IdTokenError::Jose(JoseError::Jws(JwsError::InvalidSignature))
    );
}

#[test]
fn rp_invalid_sig_es256_is_rejected() {
    let keys = keys();
    let token = tamper_signature(&sign(&keys.ec, Algorithm::Es256, &id_claims(Some(NONCE))));
    assert_eq!(
        rejected(&token, &jwks(&[&keys.ec], now())),
        IdTokenError::Jose(JoseError::Jws(JwsError::InvalidSignature))
    );
}

#[test]
fn rp_idtoken_sig_none_is_rejected() {
    let token = unsigned(&id_claims(Some(NONCE)));
    assert_eq!(
        rejected(&token, &rsa_only()),
        IdTokenError::Jose(JoseError::Jws(JwsError::UnsecuredAlgorithm))
    );
}

#[test]
fn rp_invalid_sig_hs256_is_rejected() {
    // An HMAC token "signed" with the provider's public key bytes (key confusion): HS256 is not
    // an ID token algorithm of this client, so it never reaches a key.
    let public = keys().rsa1.to_public().unwrap().to_json();
    let hmac = ostium_jose::Jwk::from_symmetric_key(public.as_bytes(), Algorithm::Hs256).unwrap();
    let token = sign(&hmac, Algorithm::Hs256, &id_claims(Some(NONCE)));
    assert_eq!(
        rejected(&token, &rsa_only()),
        IdTokenError::Jose(JoseError::Jws(JwsError::AlgorithmNotAllowed(
            Algorithm::Hs256
        )))
    );
}

#[test]
fn rp_kid_absent_single_jwks_is_accepted() {
    let key = without_kid(&keys().rsa1);
    let set = jwks(&[&key], now());
    let token = sign(&key, Algorithm::Rs256, &id_claims(Some(NONCE)));
    expect_valid(validate(&token, &set).unwrap());
}

/// `kid-absent-multiple-jwks`: this client tries each key that fits the algorithm (documented
/// on `Client::validate_id_token`), so the token is accepted, and a token signed by a key
/// outside the set is still refused.
#[test]
fn rp_kid_absent_multiple_jwks_tries_each_key() {
    let keys = keys();
    let (k1, k2) = (without_kid(&keys.rsa1), without_kid(&keys.rsa2));
    let set = jwks(&[&k1, &k2], now());
    for key in [&k1, &k2] {
        let token = sign(key, Algorithm::Rs256, &id_claims(Some(NONCE)));
        expect_valid(validate(&token, &set).unwrap());
    }
    let outsider = jwks(&[&k2], now());
    let token = sign(&k1, Algorithm::Rs256, &id_claims(Some(NONCE)));
    assert_eq!(
        rejected(&token, &outsider),
        IdTokenError::Jose(JoseError::Jws(JwsError::InvalidSignature))
    );
    // Several keys, one of them fits: claims are still checked after the signature.
    let mut bad = id_claims(Some(NONCE));
    bad["aud"] = json!("someone-else");
    let token = sign(&k2, Algorithm::Rs256, &bad);
    assert_eq!(
        rejected(&token, &set),
        IdTokenError::Jose(JoseError::Claims(ClaimsError::AudienceMismatch))
    );
}

/// `signing-key-rotation`: a `kid` the cached set lacks asks for a fresh JWK Set; validated
/// again with it, the token is accepted (checklist item 66).
#[test]
fn req_66_signing_key_rotation_refreshes_the_jwks() {
    let keys = keys();
    let cached = jwks(&[&keys.rsa1], now() - Duration::minutes(5));
    let token = sign(&keys.rsa2, Algorithm::Rs256, &id_claims(Some(NONCE)));
    match validate(&token, &cached).unwrap() {
        IdTokenStep::RefreshJwks(JwksRefresh { kid, .. }) => {
            assert_eq!(kid.as_deref(), Some("rsa-2"));
        }
        other => panic!("expected a JWKS refresh, got {other:?}"),
    }
    assert_eq!(
        client().jwks_request().unwrap().url(),
        "https://op.example/jwks"
    );
    let fresh = jwks(&[&keys.rsa1, &keys.rsa2], now());
    expect_valid(validate(&token, &fresh).unwrap());
}

/// A freshly fetched set that still lacks the `kid` does not ask to fetch again: the key does
/// not exist, and a token cannot make the client fetch in a loop.
#[test]
fn req_66_unknown_kid_in_a_fresh_jwks_is_rejected() {
    let keys = keys();
    let fresh = jwks(&[&keys.rsa1], now());
    let token = sign(&keys.rsa2, Algorithm::Rs256, &id_claims(Some(NONCE)));
    assert_eq!(
        rejected(&token, &fresh),
        IdTokenError::UnknownKey {
            kid: Some("rsa-2".into())
        }
    );
    // Without any keys yet, the answer is to fetch them.
    assert!(matches!(
        client().validate_id_token(&token, &expect_nonce(), None, now()),
        Ok(IdTokenStep::RefreshJwks(_))
    ));
}

#[test]
fn req_60_iss_must_match_exactly() {
    for iss in [
        "https://OP.example",
        "https://op.example/",
        "https://op.example.evil",
    ] {
        let mut claims = id_claims(Some(NONCE));
        claims["iss"] = json!(iss);
        let token = sign(&keys().rsa1, Algorithm::Rs256, &claims);
        assert!(
            matches!(
                rejected(&token, &rsa_only()),
                IdTokenError::Jose(JoseError::Claims(ClaimsError::IssuerMismatch))
            ),
            "{iss}"
        );
    }
}

#[test]
fn req_60_aud_must_contain_the_client_and_no_untrusted_audience() {
    let keys = keys();
    let set = jwks(&[&keys.rsa1], now());
    let mut claims = id_claims(Some(NONCE));
    claims["aud"] = json!([CLIENT_ID, "https://untrusted.example"]);
    claims["azp"] = json!(CLIENT_ID);
    let token = sign(&keys.rsa1, Algorithm::Rs256, &claims);
    assert_eq!(
        rejected(&token, &set),
        IdTokenError::UntrustedAudience("https://untrusted.example".into())
    );
    // Trusted explicitly, the same token is accepted.
    let trusting = client().with_trusted_audience("https://untrusted.example");
    assert!(matches!(
        trusting.validate_id_token(&token, &expect_nonce(), Some(&set), now()),
        Ok(IdTokenStep::Valid(_))
    ));
    // Several audiences need azp (step 4); azp must be the client (step 5).
    claims.as_object_mut().unwrap().remove("azp");
    let no_azp = sign(&keys.rsa1, Algorithm::Rs256, &claims);
    assert_eq!(
        trusting
            .validate_id_token(&no_azp, &expect_nonce(), Some(&set), now())
            .unwrap_err(),
        ClientError::IdToken(IdTokenError::AuthorizedPartyMismatch)
    );
    let mut other_azp = id_claims(Some(NONCE));
    other_azp["azp"] = json!("another-client");
    let token = sign(&keys.rsa1, Algorithm::Rs256, &other_azp);
    assert_eq!(
        rejected(&token, &set),
        IdTokenError::AuthorizedPartyMismatch
    );
}

#[test]
fn req_60_signature_with_the_expected_algorithm_only() {
    let keys = keys();
    let set = jwks(&[&keys.rsa1, &keys.ec], now());
    let token = sign(&keys.ec, Algorithm::Es256, &id_claims(Some(NONCE)));
    // The client registered RS256 only: an ES256 token is refused even with a valid key.
    let rs_only = client().with_id_token_algorithms(AlgorithmSet::of(&[Algorithm::Rs256]));
    assert_eq!(
        rs_only
            .validate_id_token(&token, &expect_nonce(), Some(&set), now())
            .unwrap_err(),
        ClientError::IdToken(IdTokenError::Jose(JoseError::Jws(
            JwsError::AlgorithmNotAllowed(Algorithm::Es256)
        )))
    );
    // A token signed by a key that is not the provider's (same kid) is refused.
    let impostor =
        ostium_jose::Jwk::generate(Algorithm::Es256, &mut ostium_testkit::SeededRng::new(9))
            .unwrap()
            .with_kid(ostium_jose::Kid::new("ec-1").unwrap());
    let forged = sign(&impostor, Algorithm::Es256, &id_claims(Some(NONCE)));
    assert_eq!(
        rejected(&forged, &set),
        IdTokenError::Jose(JoseError::Jws(JwsError::InvalidSignature))
    );
}

#[test]
fn req_60_exp_and_iat_window() {
    let keys = keys();
    let set = jwks(&[&keys.rsa1], now());
    let mut expired = id_claims(Some(NONCE));
    expired["exp"] = json!(unix_now() - 61);
    let token = sign(&keys.rsa1, Algorithm::Rs256, &expired);
    assert_eq!(
        rejected(&token, &set),
        IdTokenError::Jose(JoseError::Claims(ClaimsError::Expired))
    );
    // Within the 60 s leeway, an expiry just passed is tolerated.
    let mut skewed = id_claims(Some(NONCE));
    skewed["exp"] = json!(unix_now() - 30);
    assert!(matches!(
        validate(&sign(&keys.rsa1, Algorithm::Rs256, &skewed), &set),
        Ok(IdTokenStep::Valid(_))
    ));
    let mut future = id_claims(Some(NONCE));
    future["iat"] = json!(unix_now() + 120);
    let token = sign(&keys.rsa1, Algorithm::Rs256, &future);
    assert_eq!(
        rejected(&token, &set),
        IdTokenError::Jose(JoseError::Claims(ClaimsError::IssuedInFuture))
    );
    let mut old = id_claims(Some(NONCE));
    old["iat"] = json!(unix_now() - 3600);
    let token = sign(&keys.rsa1, Algorithm::Rs256, &old);
    assert_eq!(
        rejected(&token, &set),
        IdTokenError::Jose(JoseError::Claims(ClaimsError::TooOld))
    );
}

#[test]
fn req_60_nonce_must_be_present_when_sent() {
    let token = sign(&keys().rsa1, Algorithm::Rs256, &id_claims(None));
    assert_eq!(rejected(&token, &rsa_only()), IdTokenError::NonceMissing);
}

#[test]
fn req_60_auth_time_with_max_age_and_acr() {
    let keys = keys();
    let set = jwks(&[&keys.rsa1], now());
    let mut expectations = expect_nonce();
    expectations.max_age = Some(60);
    let check = |claims: &serde_json::Value, expectations: &IdTokenExpectations| {
        client().validate_id_token(
            &sign(&keys.rsa1, Algorithm::Rs256, claims),
            expectations,
            Some(&set),
            now(),
        )
    };
    // auth_time 30 s ago: fine.
    assert!(matches!(
        check(&id_claims(Some(NONCE)), &expectations),
        Ok(IdTokenStep::Valid(_))
    ));
    let mut missing = id_claims(Some(NONCE));
    missing.as_object_mut().unwrap().remove("auth_time");
    assert_eq!(
        check(&missing, &expectations).unwrap_err(),
        ClientError::IdToken(IdTokenError::AuthTimeMissing)
    );
    let mut old = id_claims(Some(NONCE));
    old["auth_time"] = json!(unix_now() - 60 - 61);
    assert_eq!(
        check(&old, &expectations).unwrap_err(),
        ClientError::IdToken(IdTokenError::AuthenticationTooOld)
    );
    // acr_values requested: acr must be one of them.
    expectations.acr_values = vec!["urn:mace:incommon:iap:silver".into()];
    assert_eq!(
        check(&id_claims(Some(NONCE)), &expectations).unwrap_err(),
        ClientError::IdToken(IdTokenError::AcrNotSatisfied)
    );
    let mut silver = id_claims(Some(NONCE));
    silver["acr"] = json!("urn:mace:incommon:iap:silver");
    assert!(matches!(
        check(&silver, &expectations),
        Ok(IdTokenStep::Valid(_))
    ));
}

#[test]
fn req_60_typ_other_than_jwt_is_rejected() {
    // An access token (typ at+jwt) or a logout token is never an ID token.
    let key = keys().rsa1;
    for typ in ["at+jwt", "logout+jwt"] {
        let header = ostium_jose::SigningHeader::new(Algorithm::Rs256)
            .typ(typ)
            .kid(key.kid().unwrap().clone());
        let token = ostium_jose::Signer::new(&key, &header)
            .unwrap()
            .sign_json(&id_claims(Some(NONCE)))
            .unwrap();
        assert_eq!(
            rejected(&token, &rsa_only()),
            IdTokenError::Jose(JoseError::Claims(ClaimsError::TypMismatch)),
            "{typ}"
        );
    }
}

#[test]
fn req_60_sub_must_be_at_most_255_ascii_characters() {
    let mut claims = id_claims(Some(NONCE));
    claims["sub"] = json!("x".repeat(256));
    let token = sign(&keys().rsa1, Algorithm::Rs256, &claims);
    assert_eq!(rejected(&token, &rsa_only()), IdTokenError::InvalidSubject);
}

fn hash_expectations(access_token: bool, code: bool) -> IdTokenExpectations {
    let mut expectations = expect_nonce();
    if access_token {
        expectations = expectations.with_access_token(
            AccessToken::parse("jHkWEdUXMU1BwAsC4vtUsZwnNvTIxEl0z9K3vx5KF0Y").unwrap(),
            true,
        );
    }
    if code {
        expectations = expectations.with_code(
            AuthorizationCode::parse("Qcb0Orv1zh30vL1MPRsbm-diHiMwcLyZvn1arpZv-Jxf_11jnpEX3Tgfvk")
                .unwrap(),
            true,
        );
    }
    expectations
}

/// `invalid-athash`, `missing-athash` (OIDC Core §3.2.2.9–10; checklist item 61), with the
/// OIDC Core Appendix A values.
#[test]
fn req_61_at_hash_is_verified() {
    let keys = keys();
    let set = jwks(&[&keys.rsa1], now());
    let expectations = hash_expectations(true, false);
    let check = |claims: &serde_json::Value| {
        client().validate_id_token(
            &sign(&keys.rsa1, Algorithm::Rs256, claims),
            &expectations,
            Some(&set),
            now(),
        )
    };
    let mut good = id_claims(Some(NONCE));
    good["at_hash"] = json!("77QmUPtjPfzWtF2AnpK9RQ");
    assert!(matches!(check(&good), Ok(IdTokenStep::Valid(_))));
    let mut invalid = id_claims(Some(NONCE));
    invalid["at_hash"] = json!("77QmUPtjPfzWtF2AnpK9RA");
    assert_eq!(
        check(&invalid).unwrap_err(),
        ClientError::IdToken(IdTokenError::AtHashMismatch)
    );
    assert_eq!(
        check(&id_claims(Some(NONCE))).unwrap_err(),
        ClientError::IdToken(IdTokenError::AtHashMissing)
    );
}

/// `invalid-chash`, `missing-chash` (OIDC Core §3.3.2.10–11; checklist item 61).
#[test]
fn req_61_c_hash_is_verified() {
    let keys = keys();
    let set = jwks(&[&keys.rsa1], now());
    let expectations = hash_expectations(false, true);
    let check = |claims: &serde_json::Value| {
        client().validate_id_token(
            &sign(&keys.rsa1, Algorithm::Rs256, claims),
            &expectations,
            Some(&set),
            now(),
        )
    };
    let mut good = id_claims(Some(NONCE));
    good["c_hash"] = json!("LDktKdoQak3Pk0cnXxCltA");
    assert!(matches!(check(&good), Ok(IdTokenStep::Valid(_))));
    let mut invalid = id_claims(Some(NONCE));
    invalid["c_hash"] = json!("LDktKdoQak3Pk0cnXxCltB");
    assert_eq!(
        check(&invalid).unwrap_err(),
        ClientError::IdToken(IdTokenError::CHashMismatch)
    );
    assert_eq!(
        check(&id_claims(Some(NONCE))).unwrap_err(),
        ClientError::IdToken(IdTokenError::CHashMissing)
    );
}

#[test]
fn req_61_hash_follows_the_signing_algorithm() {
    // ES384 would hash with SHA-384: a SHA-256 at_hash of the same token does not match.
    let key = ostium_jose::Jwk::generate(Algorithm::Es384, &mut ostium_testkit::SeededRng::new(5))
        .unwrap();
    let set = jwks(&[&key], now());
    let mut claims = id_claims(Some(NONCE));
    claims["at_hash"] = json!("77QmUPtjPfzWtF2AnpK9RQ");
    let token = sign(&key, Algorithm::Es384, &claims);
    let es384 = client().with_id_token_algorithms(AlgorithmSet::of(&[Algorithm::Es384]));
    assert_eq!(
        es384
            .validate_id_token(&token, &hash_expectations(true, false), Some(&set), now())
            .unwrap_err(),
        ClientError::IdToken(IdTokenError::AtHashMismatch)
    );
}

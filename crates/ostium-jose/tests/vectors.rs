//! Known-answer tests from the RFCs, loaded from the shared vectors (see their README for
//! provenance): RFC 7515 Appendix A, RFC 7519 §3.1/§6.1, RFC 7520 §3 and §4, RFC 7638 §3.1,
//! RFC 7797 §4, RFC 8037 Appendix A, RFC 9449.

// Test helpers outside #[test] functions may unwrap: a failure is a failing test.
#![allow(clippy::unwrap_used, clippy::indexing_slicing, clippy::panic)]

use ostium_jose::{
    Algorithm, AlgorithmSet, ClaimsError, Error, HashAlgorithm, Jwk, JwkSet, JwsError, JwsVerifier,
    KeyError, Limits, Signer, Typ, Validation, verify_with_embedded_jwk,
};
use ostium_testkit::{FixedClock, vectors};
use serde_json::Value;

fn jwk(value: &Value) -> Jwk {
    Jwk::from_json(&value.to_string()).unwrap()
}

fn text(value: &Value) -> &str {
    value.as_str().unwrap()
}

fn payload_of(value: &Value) -> Vec<u8> {
    text(value).as_bytes().to_vec()
}

#[test]
fn rfc7515_a1_hs256_verifies_and_resigns_byte_for_byte() {
    let v = vectors::load("rfc7515_appendix_a1_hs256");
    let key = jwk(&v["jwk"]);
    let verified = JwsVerifier::new(&key, Algorithm::Hs256)
        .verify_compact(text(&v["compact"]))
        .unwrap();
    assert_eq!(verified.payload(), payload_of(&v["payload_utf8"]));
    assert_eq!(verified.header().typ(), Some("JWT"));
    let signer = Signer::with_protected_header(&key, text(&v["protected_header_utf8"])).unwrap();
    assert_eq!(
        signer.sign(&payload_of(&v["payload_utf8"])).unwrap(),
        text(&v["compact"])
    );
}

#[test]
fn rfc7515_a1_as_a_jwt_is_expired_now_and_valid_when_the_clock_is_pinned() {
    let v = vectors::load("rfc7515_appendix_a1_hs256");
    let key = jwk(&v["jwk"]).with_algorithm(Algorithm::Hs256).unwrap();
    let policy = Validation::new(Typ::Jwt, Algorithm::Hs256).issuer("joe");
    let token = text(&v["compact"]);
    let now = FixedClock::default().now();
    assert_eq!(
        policy.verify(token, &key, now).unwrap_err(),
        Error::Claims(ClaimsError::Expired)
    );
    let before = FixedClock::at_unix(1_300_819_379).now();
    let jwt = policy.verify(token, &key, before).unwrap();
    assert_eq!(jwt.issuer(), Some("joe"));
    assert_eq!(jwt.expires_at().unwrap().unix(), 1_300_819_380);
    let extra: serde_json::Map<String, Value> = jwt.claims().unwrap();
    assert_eq!(extra["http://example.com/is_root"], Value::Bool(true));
    // Exactly at exp it is expired (RFC 7519 §4.1.4: "MUST be before").
    let at = FixedClock::at_unix(1_300_819_380).now();
    assert!(policy.verify(token, &key, at).is_err());
}

#[test]
fn rfc7515_a2_rs256_verifies_and_resigns_byte_for_byte() {
    let v = vectors::load("rfc7515_appendix_a2_rs256");
    let public = jwk(&v["jwk_public"]);
    let private = jwk(&v["jwk_private"]);
    let compact = text(&v["compact"]);
    JwsVerifier::new(&public, Algorithm::Rs256)
        .verify_compact(compact)
        .unwrap();
    let signer =
        Signer::with_protected_header(&private, text(&v["protected_header_utf8"])).unwrap();
    assert_eq!(
        signer.sign(&payload_of(&v["payload_utf8"])).unwrap(),
        compact
    );
    // The private key's public export equals the published public key.
    assert_eq!(private.to_public().unwrap(), public);
}

#[test]
fn rfc7515_a3_es256_verifies() {
    let v = vectors::load("rfc7515_appendix_a3_es256");
    let public = jwk(&v["jwk_public"]);
    JwsVerifier::new(&public, Algorithm::Es256)
        .verify_compact(text(&v["compact"]))
        .unwrap();
    // A fresh signature differs (ECDSA is randomized) but verifies.
    let private = jwk(&v["jwk_private"]);
    let signer =
        Signer::with_protected_header(&private, text(&v["protected_header_utf8"])).unwrap();
    let token = signer.sign(&payload_of(&v["payload_utf8"])).unwrap();
    assert_ne!(token, text(&v["compact"]));
    JwsVerifier::new(&public, Algorithm::Es256)
        .verify_compact(&token)
        .unwrap();
}

#[test]
fn rfc7515_a4_es512_is_refused_with_a_clear_error() {
    let v = vectors::load("rfc7515_appendix_a4_es512");
    let compact = v["compact"].as_str().map(str::to_owned).unwrap_or_else(|| {
        format!(
            "{}.{}.{}",
            text(&v["protected_b64u"]),
            text(&v["payload_b64u"]),
            text(&v["signature_b64u"])
        )
    });
    let key = Jwk::generate(Algorithm::Es256, &mut ostium_testkit::SeededRng::new(1)).unwrap();
    let Err(JwsError::UnsupportedAlgorithm(why)) =
        JwsVerifier::new(&key, AlgorithmSet::of(&Algorithm::ALL)).verify_compact(&compact)
    else {
        panic!("ES512 must be unsupported");
    };
    assert!(why.contains("P-521"), "{why}");
    let key_error = Jwk::from_json(&v["jwk_private"].to_string()).unwrap_err();
    assert!(matches!(key_error, KeyError::UnsupportedCurve(_)));
}

#[test]
fn rfc7515_a5_unsecured_jws_is_rejected() {
    let v = vectors::load("rfc7515_appendix_a5_none");
    let key = Jwk::from_symmetric_key(&[7; 32], Algorithm::Hs256).unwrap();
    let all = AlgorithmSet::of(&Algorithm::ALL);
    assert_eq!(
        JwsVerifier::new(&key, all)
            .verify_compact(text(&v["compact"]))
            .unwrap_err(),
        JwsError::UnsecuredAlgorithm
    );
    let rfc7519 = vectors::load("rfc7519_section3_1_and_6_1");
    let unsecured = rfc7519["section_6_1"]["compact"]
        .as_str()
        .or(rfc7519["section_6_1"]["jwt"].as_str());
    if let Some(unsecured) = unsecured {
        assert_eq!(
            JwsVerifier::new(&key, all)
                .verify_compact(unsecured)
                .unwrap_err(),
            JwsError::UnsecuredAlgorithm
        );
    }
}

#[test]
fn rfc7520_section3_keys_parse_or_are_refused_for_their_curve() {
    let v = vectors::load("rfc7520_section3_jwk");
    let keys = v["keys"].as_object().unwrap();
    // 3.1/3.2 are P-521 (not in ring); 3.3 RSA public; 3.4 RSA private; 3.5 oct.
    for (name, key) in keys {
        let parsed = Jwk::from_json(&key.to_string());
        match name.as_str() {
            "3.1" | "3.2" => assert!(
                matches!(parsed, Err(KeyError::UnsupportedCurve(_))),
                "{name}"
            ),
            _ => {
                let parsed = parsed.unwrap_or_else(|e| panic!("{name}: {e}"));
                // Exact round trip of the JSON form (members reordered, values identical).
                let again: Value = serde_json::from_str(&parsed.to_json()).unwrap();
                assert_eq!(&again, key, "{name}");
            }
        }
    }
}

#[test]
fn rfc7520_section4_every_supported_example_verifies() {
    let v = vectors::load("rfc7520_section4_jws");
    for (name, section) in v["sections"].as_object().unwrap() {
        let input = &section["input"];
        let keys: Vec<Jwk> = match &input["key"] {
            Value::Array(all) => all
                .iter()
                .filter_map(|k| Jwk::from_json(&k.to_string()).ok())
                .collect(),
            key => Jwk::from_json(&key.to_string()).ok().into_iter().collect(),
        };
        let output = &section["output"];
        let payload = text(&input["payload"]).as_bytes();
        let alg_names: Vec<&str> = match &input["alg"] {
            Value::Array(all) => all.iter().map(text).collect(),
            one => vec![text(one)],
        };
        if alg_names == ["ES512"] {
            // 4.3: P-521, which ring lacks; the key itself is refused.
            assert!(keys.is_empty(), "{name}");
            continue;
        }
        let all = AlgorithmSet::of(&Algorithm::ALL);
        let verify_with = |check: &Check<'_>| {
            let symmetric: Vec<Jwk> = keys.iter().filter(|k| k.is_symmetric()).cloned().collect();
            let asymmetric: Vec<Jwk> = keys
                .iter()
                .filter(|k| !k.is_symmetric())
                .map(|k| k.to_public().unwrap())
                .collect();
            let mut ok = false;
            for set in [symmetric, asymmetric] {
                if set.is_empty() {
                    continue;
                }
                let set = JwkSet::from_keys(set).unwrap();
                if let Ok(out) = check(&JwsVerifier::new(&set, all)) {
                    assert_eq!(out, payload);
                    ok = true;
                }
            }
            assert!(ok, "{name}: no key verified");
        };
        let detached = output["compact"].as_str().is_some_and(|c| c.contains(".."));
        if let Some(compact) = output["compact"].as_str() {
            verify_with(&|verifier| {
                if detached {
                    verifier
                        .verify_compact_detached(compact, payload)
                        .map(|v| v.payload().to_vec())
                } else {
                    verifier
                        .verify_compact(compact)
                        .map(|v| v.payload().to_vec())
                }
            });
        }
        for form in ["json", "json_flat"] {
            let json = output[form].to_string();
            if output[form].is_null() {
                continue;
            }
            verify_with(&|verifier| {
                if output[form]["payload"].is_null() {
                    verifier
                        .verify_json_detached(&json, payload)
                        .map(|v| v.payload().to_vec())
                } else {
                    verifier.verify_json(&json).map(|v| v.payload().to_vec())
                }
            });
        }
        // Deterministic algorithms re-sign to the RFC's bytes.
        if section["reproducible"] == Value::Bool(true)
            && let (Some(compact), Some(protected)) = (
                output["compact"].as_str(),
                section["signing"]["protected_b64u"].as_str(),
            )
        {
            let header_json = String::from_utf8(base64_url(protected)).unwrap();
            let key = keys.iter().find(|k| k.is_private()).unwrap();
            let key = if key.algorithm().is_none() {
                key.clone()
                    .with_algorithm(Algorithm::from_name(alg_names[0]).unwrap())
                    .unwrap()
            } else {
                key.clone()
            };
            let signer = Signer::with_protected_header(&key, &header_json).unwrap();
            let token = if detached {
                signer.sign_detached(payload)
            } else {
                signer.sign(payload)
            }
            .unwrap();
            assert_eq!(token, compact, "{name}");
        }
    }
}

type Check<'a> = dyn Fn(&JwsVerifier<&JwkSet>) -> Result<Vec<u8>, JwsError> + 'a;

fn base64_url(text: &str) -> Vec<u8> {
    use base64::Engine as _;
    base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(text)
        .unwrap()
}

#[test]
fn rfc7520_4_8_multiple_signatures_verify_with_either_rsa_or_hmac() {
    let v = vectors::load("rfc7520_section4_jws");
    let section = &v["sections"]["4.8"];
    let json = section["output"]["json"].to_string();
    let rsa = jwk(&section["input"]["key"][0]).to_public().unwrap();
    let hmac = jwk(&section["input"]["key"][2]);
    let by_rsa = JwsVerifier::new(&rsa, Algorithm::Rs256)
        .verify_json(&json)
        .unwrap();
    assert_eq!(by_rsa.header().algorithm(), Algorithm::Rs256);
    assert_eq!(
        by_rsa.header().kid(),
        Some("bilbo.baggins@hobbiton.example")
    );
    let by_hmac = JwsVerifier::new(&hmac, Algorithm::Hs256)
        .verify_json(&json)
        .unwrap();
    assert_eq!(by_hmac.header().algorithm(), Algorithm::Hs256);
    // Allowing only ES512's neighbour family finds nothing to verify.
    assert!(
        JwsVerifier::new(&rsa, Algorithm::Ps256)
            .verify_json(&json)
            .is_err()
    );
}

#[test]
fn rfc7638_3_1_thumbprints_and_rfc9278_uri() {
    let v = vectors::load("rfc7638_section3_1");
    let key = jwk(&v["jwk"]);
    assert_eq!(key.thumbprint_input(), text(&v["canonical_json_utf8"]));
    assert_eq!(
        key.thumbprint(HashAlgorithm::Sha256).to_base64url(),
        text(&v["thumbprint_sha256_b64u"])
    );
    assert_eq!(
        key.thumbprint(HashAlgorithm::Sha384).to_base64url(),
        text(&v["thumbprint_sha384_b64u"])
    );
    assert_eq!(
        key.thumbprint(HashAlgorithm::Sha512).to_base64url(),
        text(&v["thumbprint_sha512_b64u"])
    );
    assert_eq!(
        key.thumbprint(HashAlgorithm::Sha256).to_uri(),
        text(&v["rfc9278_uri"])
    );
    // alg and kid do not change the thumbprint.
    let bare = Jwk::from_json(&format!(
        r#"{{"kty":"RSA","n":"{}","e":"AQAB"}}"#,
        text(&v["jwk"]["n"])
    ))
    .unwrap();
    assert_eq!(
        bare.thumbprint(HashAlgorithm::Sha256),
        key.thumbprint(HashAlgorithm::Sha256)
    );
}

#[test]
fn rfc7797_4_1_b64_true_and_4_2_b64_false() {
    let v = vectors::load("rfc7797_section4");
    let key = jwk(&v["jwk"]);
    let payload = text(&v["payload_utf8"]).as_bytes();
    let verifier = JwsVerifier::new(&key, Algorithm::Hs256);
    assert_eq!(
        verifier
            .verify_compact(text(&v["4.1"]["compact"]))
            .unwrap()
            .payload(),
        payload
    );

    // 4.2: detached, unencoded. Refused unless the verifier allows b64=false.
    let detached = text(&v["4.2"]["compact_detached"]);
    assert!(matches!(
        verifier.verify_compact_detached(detached, payload),
        Err(JwsError::UnencodedPayload(_))
    ));
    let lenient = JwsVerifier::new(&key, Algorithm::Hs256).allow_unencoded_payload();
    assert_eq!(
        lenient
            .verify_compact_detached(detached, payload)
            .unwrap()
            .payload(),
        payload
    );
    assert!(lenient.verify_compact_detached(detached, b"$.03").is_err());
    let flattened = v["4.2"]["json_flattened"].to_string();
    assert_eq!(lenient.verify_json(&flattened).unwrap().payload(), payload);

    // The extra cookbook example: unencoded payload in place.
    let extra = &v["extra_cookbook_compact_b64_false"];
    let verified = lenient.verify_compact(text(&extra["compact"])).unwrap();
    assert_eq!(verified.payload(), text(&extra["payload_utf8"]).as_bytes());

    // Re-signing reproduces the RFC signature.
    let signer = Signer::with_protected_header(&key, text(&v["4.2"]["protected_utf8"])).unwrap();
    assert_eq!(signer.sign_detached(payload).unwrap(), detached);
    // A JWT never accepts b64=false.
    let policy = Validation::new(Typ::Jwt, Algorithm::Hs256).typ_may_be_absent();
    let jws = lenient.verify_compact(text(&extra["compact"])).unwrap();
    assert!(matches!(
        policy.validate(jws, FixedClock::default().now()),
        Err(Error::Jws(JwsError::UnencodedPayload(_)))
    ));
}

#[test]
fn rfc8037_a_ed25519_thumbprint_sign_and_verify() {
    let v = vectors::load("rfc8037_appendix_a");
    let private = jwk(&v["A.1_private_jwk"]);
    let public = jwk(&v["A.2_public_jwk"]);
    assert_eq!(private.to_public().unwrap(), public);
    assert_eq!(
        public.thumbprint_input(),
        text(&v["A.3_thumbprint"]["canonical_json"])
    );
    assert_eq!(
        public.thumbprint(HashAlgorithm::Sha256).to_base64url(),
        text(&v["A.3_thumbprint"]["sha256_b64u"])
    );
    let signing = &v["A.4_signing"];
    let signer = Signer::with_protected_header(&private, text(&signing["protected_utf8"])).unwrap();
    assert_eq!(
        signer
            .sign(text(&signing["payload_utf8"]).as_bytes())
            .unwrap(),
        text(&signing["compact"])
    );
    let verified = JwsVerifier::new(&public, Algorithm::EdDsa)
        .verify_compact(text(&signing["compact"]))
        .unwrap();
    assert_eq!(
        verified.payload(),
        text(&signing["payload_utf8"]).as_bytes()
    );
}

#[test]
fn rfc9449_dpop_proofs_verify_with_their_embedded_key_and_jkt() {
    let v = vectors::load("rfc9449_dpop");
    let example = jwk(&v["example_public_jwk"]);
    assert_eq!(
        example.thumbprint_input(),
        text(&v["jkt"]["canonical_json"])
    );
    for proof in ["token_request", "resource_request"] {
        let p = &v[proof];
        let now = FixedClock::at_unix(p["iat_now"].as_i64().unwrap()).now();
        let policy = Validation::new(Typ::DpopProof, Algorithm::Es256)
            .do_not_require(ostium_jose::Claim::Exp)
            .require(ostium_jose::Claim::Iat)
            .require(ostium_jose::Claim::Jti)
            .max_age(time::Duration::seconds(60));
        let jwt = policy
            .verify_with_embedded_jwk(text(&p["compact"]), now)
            .unwrap();
        let key = jwt.header().embedded_jwk().unwrap();
        assert!(
            key.thumbprint(HashAlgorithm::Sha256)
                .matches_base64url(text(&v["jkt"]["value"]))
        );
        assert_eq!(jwt.jwt_id(), p["claims"]["jti"].as_str());
        let claims: serde_json::Map<String, Value> = jwt.claims().unwrap();
        assert_eq!(claims["htm"], p["http_method"]);
        // The same proof against a pinned unrelated key fails: the embedded key is not trusted.
        let other =
            Jwk::generate(Algorithm::Es256, &mut ostium_testkit::SeededRng::new(3)).unwrap();
        assert_eq!(
            JwsVerifier::new(&other, Algorithm::Es256)
                .verify_compact(text(&p["compact"]))
                .unwrap_err(),
            JwsError::InvalidSignature
        );
    }
    // The ath of the resource request is the SHA-256 of the access token.
    let rr = &v["resource_request"];
    let ath = ring::digest::digest(&ring::digest::SHA256, text(&rr["access_token"]).as_bytes());
    assert_eq!(base64_url(text(&rr["ath"])), ath.as_ref());
    // An HS256 "proof" can never use an embedded key.
    assert!(
        verify_with_embedded_jwk(text(&rr["compact"]), Algorithm::Hs256, &Limits::default())
            .is_err()
    );
}

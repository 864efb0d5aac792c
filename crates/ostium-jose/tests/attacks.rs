//! One test per row of the JWT attack checklist (shared/spec/jose.md §2), each named after its
//! attack, plus the extra cases listed under the table.

// Test helpers outside #[test] functions may unwrap: a failure is a failing test.
#![allow(clippy::unwrap_used, clippy::indexing_slicing, clippy::panic)]

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use ostium_jose::{
    Algorithm, AlgorithmSet, Claim, ClaimsError, CritError, Error, HashAlgorithm, Jwk, JwkSet,
    JwsError, JwsVerifier, KeyError, Kid, Limits, PeerError, Signer, SigningHeader, Typ,
    Validation, verify_with_embedded_jwk,
};
use ostium_testkit::{FixedClock, SeededRng, vectors};
use ring::hmac;
use time::Duration;

const SECRET: &[u8] = b"an HMAC key of thirty-two bytes!";
const ALL: AlgorithmSet = AlgorithmSet::of(&Algorithm::ALL);

fn hmac_key() -> Jwk {
    Jwk::from_symmetric_key(SECRET, Algorithm::Hs256).unwrap()
}

/// An HS256 token over raw header and payload bytes, MACed with ring directly, so that only the
/// property under test can make verification fail.
fn raw_hs256(header: &[u8], payload: &[u8], secret: &[u8]) -> String {
    let input = format!("{}.{}", B64.encode(header), B64.encode(payload));
    let tag = hmac::sign(&hmac::Key::new(hmac::HMAC_SHA256, secret), input.as_bytes());
    format!("{input}.{}", B64.encode(tag.as_ref()))
}

fn now() -> time::OffsetDateTime {
    FixedClock::default().now()
}

fn unix_now() -> i64 {
    now().unix_timestamp()
}

fn es256_key() -> Jwk {
    Jwk::generate(Algorithm::Es256, &mut SeededRng::new(42)).unwrap()
}

#[test]
fn attack_01_alg_none_in_any_spelling_is_rejected() {
    let key = hmac_key();
    let verifier = JwsVerifier::new(&key, ALL);
    for alg in ["none", "NONE", "None", "nOnE", "\\u006eone"] {
        let header = format!(r#"{{"alg":"{alg}"}}"#);
        for signature in ["", "c2lnbmF0dXJl"] {
            let token = format!(
                "{}.{}.{signature}",
                B64.encode(header.as_bytes()),
                B64.encode(b"{}")
            );
            assert_eq!(
                verifier.verify_compact(&token).unwrap_err(),
                JwsError::UnsecuredAlgorithm,
                "{alg} {signature:?}"
            );
        }
    }
    // RFC 7515 A.5.
    let a5 = vectors::load("rfc7515_appendix_a5_none");
    assert_eq!(
        verifier
            .verify_compact(a5["compact"].as_str().unwrap())
            .unwrap_err(),
        JwsError::UnsecuredAlgorithm
    );
    // Wycheproof JWS tcId 341-344.
    let wp = vectors::load("wycheproof_json_web_signature_test");
    let mut seen = 0;
    for group in wp["testGroups"].as_array().unwrap() {
        for test in group["tests"].as_array().unwrap() {
            if (341..=344).contains(&test["tcId"].as_u64().unwrap()) {
                let err = verifier
                    .verify_compact(test["jws"].as_str().unwrap())
                    .unwrap_err();
                assert_eq!(err, JwsError::UnsecuredAlgorithm);
                seen += 1;
            }
        }
    }
    assert_eq!(seen, 4);
    // And nothing can sign with none: there is no such algorithm.
    assert!(Algorithm::from_name("none").is_err());
}

#[test]
fn attack_02_hmac_with_the_public_key_as_secret_is_rejected() {
    let v = vectors::load("rfc7515_appendix_a2_rs256");
    let rsa = Jwk::from_json(&v["jwk_public"].to_string()).unwrap();
    let pem_body = "MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA";
    let secrets: [Vec<u8>; 3] = [
        rsa.to_json().into_bytes(),
        format!("-----BEGIN PUBLIC KEY-----\n{pem_body}\n-----END PUBLIC KEY-----\n").into_bytes(),
        rsa.thumbprint_input().into_bytes(),
    ];
    for secret in &secrets {
        let token = raw_hs256(br#"{"alg":"HS256"}"#, b"{}", secret);
        // Even with HS256 allowed, an RSA key never computes an HMAC.
        assert_eq!(
            JwsVerifier::new(&rsa, ALL)
                .verify_compact(&token)
                .unwrap_err(),
            JwsError::KeyAlgorithmMismatch(Algorithm::Hs256)
        );
        let set = JwkSet::from_keys(vec![rsa.clone()]).unwrap();
        assert_eq!(
            JwsVerifier::new(&set, ALL)
                .verify_compact(&token)
                .unwrap_err(),
            JwsError::NoMatchingKey
        );
    }
    // An oct key never verifies RS/PS/ES/EdDSA, whatever its bytes.
    let oct = Jwk::from_json(r#"{"kty":"oct","k":"AyM1SysPpbyDfgZld3umj1qzKObwVMkoqQ-EstJQLr_T-1qS0gZH75aKtMN3Yj0iPS4hcgUuTwjAzZr1Z9CAow"}"#).unwrap();
    for alg in Algorithm::ALL.into_iter().filter(|a| !a.is_symmetric()) {
        let token = format!("{}.e30.AAAA", B64.encode(format!(r#"{{"alg":"{alg}"}}"#)));
        assert_eq!(
            JwsVerifier::new(&oct, ALL)
                .verify_compact(&token)
                .unwrap_err(),
            JwsError::KeyAlgorithmMismatch(alg)
        );
    }
    // A key declaring PS256 never verifies PS384 (Wycheproof "WrongPrimitive", RFC 7520 Fig. 20).
    let ps256 = rsa.clone().with_algorithm(Algorithm::Ps256).unwrap();
    let token = format!("{}.e30.AAAA", B64.encode(r#"{"alg":"PS384"}"#));
    assert_eq!(
        JwsVerifier::new(&ps256, ALL)
            .verify_compact(&token)
            .unwrap_err(),
        JwsError::KeyAlgorithmMismatch(Algorithm::Ps384)
    );
}

fn es_token(alg: &str, signature: &[u8]) -> String {
    format!(
        "{}.{}.{}",
        B64.encode(format!(r#"{{"alg":"{alg}"}}"#)),
        B64.encode(b"{}"),
        B64.encode(signature)
    )
}

const P256_N: [u8; 32] = [
    0xff, 0xff, 0xff, 0xff, 0x00, 0x00, 0x00, 0x00, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
    0xbc, 0xe6, 0xfa, 0xad, 0xa7, 0x17, 0x9e, 0x84, 0xf3, 0xb9, 0xca, 0xc2, 0xfc, 0x63, 0x25, 0x51,
];

#[test]
fn attack_03_psychic_signatures_are_rejected() {
    let es256 = es256_key();
    let es384 = Jwk::generate(Algorithm::Es384, &mut SeededRng::new(43)).unwrap();
    let v256 = JwsVerifier::new(&es256, Algorithm::Es256);
    let v384 = JwsVerifier::new(&es384, Algorithm::Es384);
    assert_eq!(
        v256.verify_compact(&es_token("ES256", &[0; 64]))
            .unwrap_err(),
        JwsError::InvalidSignature
    );
    assert_eq!(
        v384.verify_compact(&es_token("ES384", &[0; 96]))
            .unwrap_err(),
        JwsError::InvalidSignature
    );
    // r = n or s = n.
    let mut r_is_n = P256_N.to_vec();
    r_is_n.extend([1u8; 32]);
    assert_eq!(
        v256.verify_compact(&es_token("ES256", &r_is_n))
            .unwrap_err(),
        JwsError::InvalidSignature
    );
    let mut s_is_n = vec![1u8; 32];
    s_is_n.extend(P256_N);
    assert_eq!(
        v256.verify_compact(&es_token("ES256", &s_is_n))
            .unwrap_err(),
        JwsError::InvalidSignature
    );
    // The DER encoding of r = s = 0, sent as an ES256 signature.
    let token = format!("{}.e30.MAYCAQACAQA", B64.encode(r#"{"alg":"ES256"}"#));
    assert_eq!(
        v256.verify_compact(&token).unwrap_err(),
        JwsError::InvalidSignature
    );
}

/// `n - s` for big-endian 32-byte values with s < n.
fn negate_mod_n(s: &[u8]) -> Vec<u8> {
    let mut out = vec![0u8; 32];
    let mut borrow = 0i16;
    for i in (0..32).rev() {
        let mut d = i16::from(P256_N[i]) - i16::from(s[i]) - borrow;
        borrow = i16::from(d < 0);
        if d < 0 {
            d += 256;
        }
        out[i] = d as u8;
    }
    out
}

#[test]
fn attack_04_signature_malleability_cannot_defeat_jti_replay_detection() {
    let key = es256_key();
    let signer = Signer::new(&key, &SigningHeader::new(Algorithm::Es256).typ("JWT")).unwrap();
    let claims = serde_json::json!({"jti": "once", "exp": unix_now() + 60});
    let token = signer.sign_json(&claims).unwrap();
    let (input, sig) = token.rsplit_once('.').unwrap();
    let sig = B64.decode(sig).unwrap();
    let mut high_s = sig[..32].to_vec();
    high_s.extend(negate_mod_n(&sig[32..]));
    let twin = format!("{input}.{}", B64.encode(&high_s));
    assert_ne!(twin, token);
    // ring accepts (r, n - s), so a replay cache must never key on signature bytes: the jti is
    // the same in both, and that is what `VerifiedJwt::jwt_id` offers.
    let policy = Validation::new(Typ::Jwt, Algorithm::Es256);
    let a = policy.verify(&token, &key, now()).unwrap();
    let b = policy.verify(&twin, &key, now()).unwrap();
    assert_eq!(a.jwt_id(), Some("once"));
    assert_eq!(a.jwt_id(), b.jwt_id());
    // Base64 malleability, by contrast, is closed: a different last character that decodes to the
    // same bytes (non-zero trailing bits) is rejected.
    let hs = Signer::new(&hmac_key(), &SigningHeader::new(Algorithm::Hs256))
        .unwrap()
        .sign(b"x")
        .unwrap();
    let last = hs.chars().last().unwrap();
    // 32-byte MAC = 43 chars; the last char carries 4 data bits and 2 padding bits.
    let idx = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
        .find(last)
        .unwrap();
    let alias = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
        .chars()
        .nth(idx | 1)
        .unwrap();
    assert_ne!(alias, last);
    let tampered = format!("{}{alias}", &hs[..hs.len() - 1]);
    assert_eq!(
        JwsVerifier::new(&hmac_key(), Algorithm::Hs256)
            .verify_compact(&tampered)
            .unwrap_err(),
        JwsError::InvalidBase64(ostium_jose::Part::Signature)
    );
}

fn sign_with_typ(key: &Jwk, typ: Option<&str>, claims: &serde_json::Value) -> String {
    let mut header = SigningHeader::new(Algorithm::Es256);
    if let Some(typ) = typ {
        header = header.typ(typ);
    }
    Signer::new(key, &header)
        .unwrap()
        .sign_json(claims)
        .unwrap()
}

#[test]
fn attack_05_token_substitution_by_audience_or_type_is_rejected() {
    let key = es256_key();
    let exp = unix_now() + 60;
    let with_aud =
        serde_json::json!({"iss": "https://op", "aud": "api", "sub": "alice", "exp": exp});
    let without_aud = serde_json::json!({"iss": "https://op", "sub": "alice", "exp": exp});
    let at = Validation::new(Typ::AccessToken, Algorithm::Es256)
        .issuer("https://op")
        .audience("api");
    // Audience required when configured, and must match.
    let token = sign_with_typ(&key, Some("at+jwt"), &without_aud);
    assert_eq!(
        at.verify(&token, &key, now()).unwrap_err(),
        Error::Claims(ClaimsError::Missing("aud"))
    );
    let other_aud = sign_with_typ(
        &key,
        Some("at+jwt"),
        &serde_json::json!({"iss": "https://op", "aud": ["x", "y"], "exp": exp}),
    );
    assert_eq!(
        at.verify(&other_aud, &key, now()).unwrap_err(),
        Error::Claims(ClaimsError::AudienceMismatch)
    );
    // A token with aud is rejected when no audience is expected.
    let no_aud_policy = Validation::new(Typ::AccessToken, Algorithm::Es256);
    let token = sign_with_typ(&key, Some("at+jwt"), &with_aud);
    assert_eq!(
        no_aud_policy.verify(&token, &key, now()).unwrap_err(),
        Error::Claims(ClaimsError::UnexpectedAudience)
    );
    assert!(
        no_aud_policy
            .clone()
            .danger_accept_any_audience()
            .verify(&token, &key, now())
            .is_ok()
    );
    // Explicit typing: case-insensitive, optional application/ prefix.
    for typ in [
        "at+jwt",
        "AT+JWT",
        "application/at+jwt",
        "Application/At+Jwt",
    ] {
        assert!(
            at.verify(&sign_with_typ(&key, Some(typ), &with_aud), &key, now())
                .is_ok(),
            "{typ}"
        );
    }
    // An ID token (typ JWT or none), a DPoP proof or a logout token is not an access token.
    for typ in [
        Some("JWT"),
        None,
        Some("dpop+jwt"),
        Some("logout+jwt"),
        Some("at+jwt+x"),
        Some("application/jwt"),
    ] {
        assert_eq!(
            at.verify(&sign_with_typ(&key, typ, &with_aud), &key, now())
                .unwrap_err(),
            Error::Claims(ClaimsError::TypMismatch),
            "{typ:?}"
        );
    }
    // And a logout token is not an ID token, even with typ-may-be-absent.
    let id = Validation::new(Typ::Jwt, Algorithm::Es256)
        .typ_may_be_absent()
        .audience("api");
    assert!(
        id.verify(&sign_with_typ(&key, None, &with_aud), &key, now())
            .is_ok()
    );
    assert_eq!(
        id.verify(
            &sign_with_typ(&key, Some("logout+jwt"), &with_aud),
            &key,
            now()
        )
        .unwrap_err(),
        Error::Claims(ClaimsError::TypMismatch)
    );
}

#[test]
fn attack_06_crit_is_never_ignored() {
    let key = hmac_key();
    let verifier = JwsVerifier::new(&key, Algorithm::Hs256).allow_unencoded_payload();
    let cases: [(&str, CritError); 7] = [
        (
            r#"{"alg":"HS256","crit":["exp"],"exp":1}"#,
            CritError::Unknown("exp".into()),
        ),
        (r#"{"alg":"HS256","crit":[]}"#, CritError::Empty),
        (
            r#"{"alg":"HS256","crit":["alg"]}"#,
            CritError::Registered("alg".into()),
        ),
        (
            r#"{"alg":"HS256","crit":["b64"]}"#,
            CritError::Absent("b64".into()),
        ),
        (
            r#"{"alg":"HS256","crit":["b64","b64"],"b64":false}"#,
            CritError::Duplicate("b64".into()),
        ),
        (
            r#"{"alg":"HS256","crit":{"b64":1},"b64":false}"#,
            CritError::NotAnArrayOfStrings,
        ),
        (r#"{"alg":"HS256","b64":false}"#, CritError::B64NotCritical),
    ];
    for (header, expected) in cases {
        let token = raw_hs256(header.as_bytes(), b"{}", SECRET);
        assert_eq!(
            verifier.verify_compact(&token).unwrap_err(),
            JwsError::Critical(expected),
            "{header}"
        );
    }
    // crit in an unprotected header (JSON serialization).
    let protected = B64.encode(r#"{"alg":"HS256"}"#);
    let input = format!("{protected}.e30");
    let tag = B64
        .encode(hmac::sign(&hmac::Key::new(hmac::HMAC_SHA256, SECRET), input.as_bytes()).as_ref());
    let json = format!(
        r#"{{"payload":"e30","protected":"{protected}","header":{{"crit":["x"],"x":1}},"signature":"{tag}"}}"#
    );
    assert_eq!(
        verifier.verify_json(&json).unwrap_err(),
        JwsError::Critical(CritError::Unprotected)
    );
    // b64 handled: understood when listed, refused unless the verifier opts in.
    let token = raw_hs256(
        br#"{"alg":"HS256","b64":true,"crit":["b64"]}"#,
        b"{}",
        SECRET,
    );
    assert!(verifier.verify_compact(&token).is_ok());
    let strict = JwsVerifier::new(&key, Algorithm::Hs256);
    let header = br#"{"alg":"HS256","b64":false,"crit":["b64"]}"#;
    let input = format!("{}.{{}}", B64.encode(header));
    let tag = B64
        .encode(hmac::sign(&hmac::Key::new(hmac::HMAC_SHA256, SECRET), input.as_bytes()).as_ref());
    let unencoded = format!("{input}.{tag}");
    assert!(matches!(
        strict.verify_compact(&unencoded),
        Err(JwsError::UnencodedPayload(_))
    ));
    assert_eq!(
        verifier.verify_compact(&unencoded).unwrap().payload(),
        b"{}"
    );
}

#[test]
fn attack_07_duplicate_json_members_are_rejected() {
    let key = hmac_key();
    let verifier = JwsVerifier::new(&key, ALL);
    for header in [
        r#"{"alg":"HS256","alg":"none"}"#,
        r#"{"alg":"HS256","\u0061lg":"HS256"}"#,
        r#"{"alg":"HS256","kid":"a","kid":"b"}"#,
    ] {
        let token = raw_hs256(header.as_bytes(), b"{}", SECRET);
        assert!(
            matches!(
                verifier.verify_compact(&token),
                Err(JwsError::DuplicateMember(_))
            ),
            "{header}"
        );
    }
    let policy = Validation::new(Typ::Jwt, Algorithm::Hs256)
        .typ_may_be_absent()
        .do_not_require(Claim::Exp)
        .danger_accept_any_audience();
    for payload in [
        r#"{"sub":"alice","sub":"admin"}"#,
        r#"{"aud":"a","aud":"b"}"#,
        r#"{"exp":1,"exp":99999999999}"#,
        r#"{"sub":"alice","\u0073ub":"admin"}"#,
        r#"{"cnf":{"jkt":"a","jkt":"b"}}"#,
    ] {
        let token = raw_hs256(br#"{"alg":"HS256"}"#, payload.as_bytes(), SECRET);
        assert!(
            matches!(
                policy.verify(&token, &key, now()),
                Err(Error::Claims(ClaimsError::DuplicateClaim(_)))
            ),
            "{payload}"
        );
    }
}

#[test]
fn attack_08_huge_and_deeply_nested_input_is_refused_cheaply() {
    let key = hmac_key();
    let verifier = JwsVerifier::new(&key, Algorithm::Hs256);
    assert_eq!(
        verifier.verify_compact(&".".repeat(1_000_000)).unwrap_err(),
        JwsError::TooLarge("token length")
    );
    let ten_mb = format!(
        "{}.{}.AAAA",
        B64.encode(r#"{"alg":"HS256"}"#),
        "A".repeat(10 * 1024 * 1024)
    );
    assert_eq!(
        verifier.verify_compact(&ten_mb).unwrap_err(),
        JwsError::TooLarge("token length")
    );
    // 200 levels of nesting in the header and in the claims, validly MACed.
    let deep = format!("{}1{}", "[".repeat(200), "]".repeat(200));
    let token = raw_hs256(
        format!(r#"{{"alg":"HS256","x":{deep}}}"#).as_bytes(),
        b"{}",
        SECRET,
    );
    assert_eq!(
        verifier.verify_compact(&token).unwrap_err(),
        JwsError::TooLarge("header nesting depth")
    );
    let token = raw_hs256(
        br#"{"alg":"HS256","typ":"JWT"}"#,
        format!(r#"{{"exp":1,"x":{deep}}}"#).as_bytes(),
        SECRET,
    );
    let policy = Validation::new(Typ::Jwt, Algorithm::Hs256);
    assert_eq!(
        policy
            .verify(&token, &key, FixedClock::at_unix(0).now())
            .unwrap_err(),
        Error::Claims(ClaimsError::TooLarge("nesting depth"))
    );
    // Limits are configurable, and the header limit applies before decoding.
    let mut tight = Limits::default();
    tight.max_header_len = 10;
    let small = JwsVerifier::new(&key, Algorithm::Hs256).with_limits(tight);
    let token = raw_hs256(br#"{"alg":"HS256","typ":"JWT"}"#, b"{}", SECRET);
    assert_eq!(
        small.verify_compact(&token).unwrap_err(),
        JwsError::TooLarge("protected header length")
    );
    // An enormous JWK Set.
    let key_json =
        r#"{"kty":"OKP","crv":"Ed25519","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"}"#;
    let many = vec![key_json; 10_000].join(",");
    assert_eq!(
        JwkSet::from_json(&format!(r#"{{"keys":[{many}]}}"#)).unwrap_err(),
        KeyError::TooLarge("JWK Set length")
    );
}

#[test]
fn attack_09_non_canonical_base64_is_rejected_in_every_part() {
    let key = hmac_key();
    let verifier = JwsVerifier::new(&key, Algorithm::Hs256);
    let good = raw_hs256(br#"{"alg":"HS256"}"#, b"{\"a\":1}", SECRET);
    assert!(verifier.verify_compact(&good).is_ok());
    let parts: Vec<&str> = good.split('.').collect();
    for part in 0..3 {
        for mutate in [
            |p: &str| format!("{p}="),
            |p: &str| format!("{p}=="),
            |p: &str| format!(" {p}"),
            |p: &str| format!("{p}\n"),
            |p: &str| p.replacen('_', "/", 1).replacen('-', "+", 1),
            |p: &str| format!("{p}A"), // length 1 mod 4 or corrupt
        ] {
            let mut bad: Vec<String> = parts.iter().map(|p| (*p).to_owned()).collect();
            let mutated = mutate(&bad[part]);
            if mutated == bad[part] {
                continue;
            }
            bad[part] = mutated;
            assert!(
                verifier.verify_compact(&bad.join(".")).is_err(),
                "part {part}: {}",
                bad[part]
            );
        }
    }
}

#[test]
fn attack_10_kid_injection_is_inert() {
    let key = hmac_key().with_kid(Kid::new("k1").unwrap());
    let set = JwkSet::from_keys(vec![key]).unwrap();
    let verifier = JwsVerifier::new(&set, Algorithm::Hs256);
    let long = "k".repeat(4097);
    for kid in [
        "7",
        "null",
        r#"["k1"]"#,
        r#""../../../../dev/null""#,
        r#""k1\u0000""#,
        r#""k1\r\nX-Injected: 1""#,
        &format!(r#""{long}""#),
    ] {
        let token = raw_hs256(
            format!(r#"{{"alg":"HS256","kid":{kid}}}"#).as_bytes(),
            b"{}",
            SECRET,
        );
        let err = verifier.verify_compact(&token).unwrap_err();
        assert!(
            matches!(err, JwsError::InvalidHeader(_) | JwsError::NoMatchingKey),
            "{kid}: {err:?}"
        );
    }
    // A path-like kid is only compared as text.
    let token = raw_hs256(br#"{"alg":"HS256","kid":"../k1"}"#, b"{}", SECRET);
    assert_eq!(
        verifier.verify_compact(&token).unwrap_err(),
        JwsError::NoMatchingKey
    );
    let token = raw_hs256(br#"{"alg":"HS256","kid":"k1"}"#, b"{}", SECRET);
    assert!(verifier.verify_compact(&token).is_ok());
}

#[test]
fn attack_11_embedded_jwk_jku_and_x5u_never_supply_the_key() {
    let pinned = es256_key();
    let attacker = Jwk::generate(Algorithm::Es256, &mut SeededRng::new(666)).unwrap();
    let header = SigningHeader::new(Algorithm::Es256)
        .typ("dpop+jwt")
        .embed_public_key(&attacker)
        .unwrap();
    let token = Signer::new(&attacker, &header)
        .unwrap()
        .sign(b"{}")
        .unwrap();
    // Against the pinned key the attacker's own jwk is ignored: the signature does not verify.
    assert_eq!(
        JwsVerifier::new(&pinned, Algorithm::Es256)
            .verify_compact(&token)
            .unwrap_err(),
        JwsError::InvalidSignature
    );
    // jku / x5u pointing at the attacker change nothing (nothing is ever fetched).
    let input = format!(
        "{}.e30",
        B64.encode(r#"{"alg":"HS256","jku":"https://attacker.example/jwks","x5u":"https://attacker.example/cert"}"#)
    );
    let tag = B64.encode(
        hmac::sign(
            &hmac::Key::new(hmac::HMAC_SHA256, b"attacker secret, 32 bytes long!!"),
            input.as_bytes(),
        )
        .as_ref(),
    );
    let err = JwsVerifier::new(&hmac_key(), Algorithm::Hs256)
        .verify_compact(&format!("{input}.{tag}"))
        .unwrap_err();
    assert_eq!(err, JwsError::InvalidSignature);
    // The explicit DPoP path verifies with the embedded key, and the caller binds it by jkt.
    let verified = verify_with_embedded_jwk(&token, Algorithm::Es256, &Limits::default()).unwrap();
    let jkt = verified
        .header()
        .embedded_jwk()
        .unwrap()
        .thumbprint(HashAlgorithm::Sha256);
    assert!(!jkt.matches_base64url(&pinned.thumbprint(HashAlgorithm::Sha256).to_base64url()));
    assert!(jkt.matches_base64url(&attacker.thumbprint(HashAlgorithm::Sha256).to_base64url()));
    // An embedded private key is refused outright.
    let private_header = format!(r#"{{"alg":"ES256","jwk":{}}}"#, attacker.to_json());
    let token = format!("{}.e30.AAAA", B64.encode(private_header));
    assert!(matches!(
        verify_with_embedded_jwk(&token, Algorithm::Es256, &Limits::default()),
        Err(JwsError::EmbeddedKey(_))
    ));
    // Wycheproof "rejectsAttackerProvidedEmbeddedJwk".
    let wp = vectors::load("wycheproof_json_web_crypto_test");
    let group = &wp["testGroups"][1];
    let case = group["tests"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["comment"] == "rejectsAttackerProvidedEmbeddedJwk")
        .unwrap();
    let key = Jwk::from_json(&group["public"].to_string()).unwrap();
    assert!(
        JwsVerifier::new(&key, ALL)
            .verify_compact(case["jws"].as_str().unwrap())
            .is_err()
    );
}

#[test]
fn attack_12_time_claims_of_the_wrong_type_fail_even_when_not_required() {
    let key = hmac_key();
    let policy = Validation::new(Typ::Jwt, Algorithm::Hs256)
        .typ_may_be_absent()
        .do_not_require(Claim::Exp);
    for claim in ["exp", "nbf", "iat"] {
        for value in [r#""999""#, "true", "null", "[]", "{}", r#""""#] {
            let token = raw_hs256(
                br#"{"alg":"HS256"}"#,
                format!(r#"{{"{claim}":{value}}}"#).as_bytes(),
                SECRET,
            );
            assert!(
                matches!(
                    policy.verify(&token, &key, now()),
                    Err(Error::Claims(ClaimsError::InvalidType(_)))
                ),
                "{claim}: {value}"
            );
        }
    }
}

#[test]
fn attack_13_time_arithmetic_cannot_overflow() {
    let key = hmac_key();
    let huge_leeway = Validation::new(Typ::Jwt, Algorithm::Hs256)
        .typ_may_be_absent()
        .leeway(Duration::MAX)
        .max_age(Duration::MAX);
    let policy = Validation::new(Typ::Jwt, Algorithm::Hs256).typ_may_be_absent();
    for (payload, expected) in [
        (
            format!(r#"{{"exp":{}}}"#, i64::MAX),
            ClaimsError::OutOfRange("exp"),
        ),
        (
            format!(r#"{{"exp":{}}}"#, u64::MAX),
            ClaimsError::OutOfRange("exp"),
        ),
        (
            format!(r#"{{"exp":1,"nbf":{}}}"#, i64::MIN),
            ClaimsError::OutOfRange("nbf"),
        ),
        (
            r#"{"exp":1,"iat":-999999999999999}"#.to_owned(),
            ClaimsError::OutOfRange("iat"),
        ),
    ] {
        let token = raw_hs256(br#"{"alg":"HS256"}"#, payload.as_bytes(), SECRET);
        assert_eq!(
            huge_leeway.verify(&token, &key, now()).unwrap_err(),
            Error::Claims(expected.clone()),
            "{payload}"
        );
        assert_eq!(
            policy.verify(&token, &key, now()).unwrap_err(),
            Error::Claims(expected),
            "{payload}"
        );
    }
    // The extremes of the representable range, with an enormous leeway, neither panic nor wrap.
    let max = 253_402_300_799i64;
    let min = -377_705_116_800i64;
    let token = raw_hs256(
        br#"{"alg":"HS256"}"#,
        format!(r#"{{"exp":{max},"nbf":{min},"iat":{min}}}"#).as_bytes(),
        SECRET,
    );
    assert!(huge_leeway.verify(&token, &key, now()).is_ok());
    assert!(policy.verify(&token, &key, now()).is_ok());
    // A negative exp is in the past.
    let token = raw_hs256(br#"{"alg":"HS256"}"#, br#"{"exp":-1}"#, SECRET);
    assert_eq!(
        policy.verify(&token, &key, now()).unwrap_err(),
        Error::Claims(ClaimsError::Expired)
    );
    // An iat far in the future is refused; with maximum age the check still cannot overflow.
    let token = raw_hs256(
        br#"{"alg":"HS256"}"#,
        format!(r#"{{"exp":{max},"iat":{max}}}"#).as_bytes(),
        SECRET,
    );
    assert_eq!(
        policy.verify(&token, &key, now()).unwrap_err(),
        Error::Claims(ClaimsError::IssuedInFuture)
    );
}

#[test]
fn attack_14_json_number_precision_is_never_silently_lost() {
    let key = hmac_key();
    let policy = Validation::new(Typ::Jwt, Algorithm::Hs256).typ_may_be_absent();
    for (value, expected) in [
        ("9223372036854775808", Some(ClaimsError::OutOfRange("exp"))),
        ("1e19", Some(ClaimsError::InvalidType("exp"))),
        ("1.5", Some(ClaimsError::InvalidType("exp"))),
        ("9007199254740993", Some(ClaimsError::OutOfRange("exp"))),
        ("1e400", None),
    ] {
        let token = raw_hs256(
            br#"{"alg":"HS256"}"#,
            format!(r#"{{"exp":{value}}}"#).as_bytes(),
            SECRET,
        );
        let err = policy.verify(&token, &key, now()).unwrap_err();
        match expected {
            Some(expected) => assert_eq!(err, Error::Claims(expected), "{value}"),
            None => assert!(
                matches!(err, Error::Claims(ClaimsError::Json(_))),
                "{value}: {err:?}"
            ),
        }
    }
}

#[test]
fn attack_15_unicode_escapes_and_normalization() {
    let key = hmac_key();
    let verifier = JwsVerifier::new(&key, ALL);
    // "\u006eone" is "none" after unescaping.
    let token = raw_hs256(br#"{"alg":"\u006eone"}"#, b"{}", SECRET);
    assert_eq!(
        verifier.verify_compact(&token).unwrap_err(),
        JwsError::UnsecuredAlgorithm
    );
    // Lone surrogates and invalid UTF-8 in the header.
    let token = raw_hs256(br#"{"alg":"HS256","kid":"\ud800"}"#, b"{}", SECRET);
    assert!(matches!(
        verifier.verify_compact(&token),
        Err(JwsError::InvalidHeader(_))
    ));
    let token = raw_hs256(b"{\"alg\":\"HS256\",\"kid\":\"\xff\"}", b"{}", SECRET);
    assert!(matches!(
        verifier.verify_compact(&token),
        Err(JwsError::InvalidHeader(_))
    ));
    // ... and in the claims.
    let policy = Validation::new(Typ::Jwt, Algorithm::Hs256)
        .typ_may_be_absent()
        .do_not_require(Claim::Exp);
    for payload in [&br#"{"sub":"\udc00"}"#[..], b"{\"sub\":\"\xc3\x28\"}"] {
        let token = raw_hs256(br#"{"alg":"HS256"}"#, payload, SECRET);
        assert!(matches!(
            policy.verify(&token, &key, now()),
            Err(Error::Claims(ClaimsError::Json(_)))
        ));
    }
    // iss and aud compare byte for byte: NFC "é" is not NFD "é".
    let nfc = "https://op.example/caf\u{e9}";
    let nfd = "https://op.example/cafe\u{301}";
    let strict = policy.clone().issuer(nfc);
    let token = raw_hs256(
        br#"{"alg":"HS256"}"#,
        serde_json::json!({"iss": nfd}).to_string().as_bytes(),
        SECRET,
    );
    assert_eq!(
        strict.verify(&token, &key, now()).unwrap_err(),
        Error::Claims(ClaimsError::IssuerMismatch)
    );
    let token = raw_hs256(
        br#"{"alg":"HS256"}"#,
        serde_json::json!({"iss": nfc}).to_string().as_bytes(),
        SECRET,
    );
    assert!(strict.verify(&token, &key, now()).is_ok());
    // An escaped spelling of the same string is the same string.
    let token = raw_hs256(
        br#"{"alg":"HS256"}"#,
        br#"{"iss":"https://op.example/caf\u00e9"}"#,
        SECRET,
    );
    assert!(strict.verify(&token, &key, now()).is_ok());
}

#[test]
fn attack_es256_signatures_in_der_form_are_rejected() {
    let key = es256_key();
    let signer = Signer::new(&key, &SigningHeader::new(Algorithm::Es256)).unwrap();
    let token = signer.sign(b"{}").unwrap();
    let (input, sig) = token.rsplit_once('.').unwrap();
    let sig = B64.decode(sig).unwrap();
    let der_int = |v: &[u8]| {
        let v: Vec<u8> = v.iter().copied().skip_while(|b| *b == 0).collect();
        let mut out = vec![2u8];
        let pad = v.first().is_some_and(|b| b & 0x80 != 0);
        out.push((v.len() + usize::from(pad)) as u8);
        if pad {
            out.push(0);
        }
        out.extend(v);
        out
    };
    let mut body = der_int(&sig[..32]);
    body.extend(der_int(&sig[32..]));
    let mut der = vec![0x30, body.len() as u8];
    der.extend(body);
    let der_token = format!("{input}.{}", B64.encode(&der));
    assert_eq!(
        JwsVerifier::new(&key, Algorithm::Es256)
            .verify_compact(&der_token)
            .unwrap_err(),
        JwsError::InvalidSignature
    );
    assert!(
        JwsVerifier::new(&key, Algorithm::Es256)
            .verify_compact(&token)
            .is_ok()
    );
}

#[test]
fn attack_wycheproof_special_case_ecdsa_signatures_are_rejected() {
    let wp = vectors::load("wycheproof_json_web_signature_test");
    let group = wp["testGroups"]
        .as_array()
        .unwrap()
        .iter()
        .find(|g| g["comment"] == "SpecialCaseEs256")
        .unwrap();
    let key = Jwk::from_json(&group["public"].to_string()).unwrap();
    let mut named = 0;
    for test in group["tests"].as_array().unwrap() {
        let comment = test["comment"].as_str().unwrap();
        if [
            "SignatureTooLong",
            "TrailingZeros",
            "RisTooBig",
            "SisTooBig",
            "IntegerOverflow",
            "BufferOverflow",
        ]
        .contains(&comment)
        {
            named += 1;
            assert!(
                JwsVerifier::new(&key, ALL)
                    .verify_compact(test["jws"].as_str().unwrap())
                    .is_err(),
                "{comment}"
            );
        }
    }
    assert_eq!(named, 7);
}

#[test]
fn attack_weak_rsa_keys_are_refused() {
    let wp = vectors::load("wycheproof_json_web_key_test");
    let groups = wp["testGroups"].as_array().unwrap();
    let key_of = |comment: &str| {
        let group = groups.iter().find(|g| g["comment"] == comment).unwrap();
        Jwk::from_json(&group["public"]["keys"][0].to_string())
    };
    assert!(matches!(
        key_of("keysize_too_small"),
        Err(KeyError::RsaKeySize(1024))
    ));
    assert!(matches!(
        key_of("exponentOne"),
        Err(KeyError::InvalidMember("e", _))
    ));
    assert_eq!(key_of("jws_rsa_roca_key"), Err(KeyError::RocaVulnerable));
    assert!(matches!(
        key_of("wrong_algorithm"),
        Err(KeyError::UnsupportedAlgorithm(_))
    ));
    assert!(matches!(
        key_of("wrong_curve"),
        Err(KeyError::AlgorithmMismatch { .. } | KeyError::InvalidMember(..))
    ));
    assert!(matches!(
        key_of("wrong_kty"),
        Err(KeyError::InvalidMember(..) | KeyError::MissingMember(_))
    ));
    assert!(matches!(
        key_of("invalid_point"),
        Err(KeyError::InvalidMember("x", _))
    ));
}

#[test]
fn peer_sees_nothing_about_why_a_signature_failed() {
    let key = hmac_key();
    let policy = Validation::new(Typ::Jwt, Algorithm::Hs256).typ_may_be_absent();
    let good = raw_hs256(
        br#"{"alg":"HS256"}"#,
        format!(r#"{{"exp":{}}}"#, unix_now() + 9).as_bytes(),
        SECRET,
    );
    let bad_mac = raw_hs256(
        br#"{"alg":"HS256"}"#,
        b"{}",
        b"another key of thirty-two bytes!",
    );
    let wrong_alg = raw_hs256(br#"{"alg":"HS384"}"#, b"{}", SECRET);
    assert!(policy.verify(&good, &key, now()).is_ok());
    for token in [bad_mac, wrong_alg] {
        let err = policy.verify(&token, &key, now()).unwrap_err();
        assert_eq!(err.peer_error(), PeerError::Rejected);
        assert_eq!(err.peer_error().to_string(), "the token is invalid");
    }
}

//! The other responses a client reads: UserInfo (with the `sub` check), introspection, PAR,
//! revocation, and protected-resource challenges (`WWW-Authenticate`). Input:
//! `<status byte><content-type line>\n<www-authenticate line>\n<body>`. Never panics; accepted
//! UserInfo has the ID token's `sub`.
#![no_main]

use libfuzzer_sys::fuzz_target;
use ostium_client::{
    Client, ClientCredentials, IdTokenExpectations, IdTokenStep, ProviderConfig, ProviderJwks,
    UserInfoStep, resource_response,
};
use ostium_jose::{Algorithm, AlgorithmSet, Jwk, JwkSet, Signer, SigningHeader};
use ostium_messages::{AbsoluteUri, ClientId, HttpResponse, Issuer};
use ostium_testkit::{FixedClock, SeededRng};

fuzz_target!(|data: &[u8]| {
    let Some((&status, rest)) = data.split_first() else {
        return;
    };
    let Ok(rest) = std::str::from_utf8(rest) else {
        return;
    };
    let mut lines = rest.splitn(3, '\n');
    let content_type = lines.next().unwrap_or_default();
    let challenge = lines.next().unwrap_or_default();
    let body = lines.next().unwrap_or_default();
    let status = [200, 201, 400, 401, 403, 500][usize::from(status) % 6];
    let mut response = HttpResponse::new(status).with_body(body.as_bytes().to_vec());
    if !content_type.is_empty() {
        response = response.with_header("content-type", content_type.to_owned());
    }
    if !challenge.is_empty() {
        response = response
            .with_header("www-authenticate", challenge.to_owned())
            .with_header("dpop-nonce", "n");
    }

    let now = FixedClock::default().now();
    let issuer = Issuer::parse("https://op.example").expect("issuer");
    let mut provider = ProviderConfig::new(
        issuer,
        AbsoluteUri::parse("https://op.example/token").expect("endpoint"),
    );
    provider.authorization_endpoint =
        Some(AbsoluteUri::parse("https://op.example/authorize").expect("endpoint"));
    let client = Client::new(
        provider,
        ClientId::parse("fitness-app").expect("client_id"),
        ClientCredentials::None,
    )
    .with_id_token_algorithms(AlgorithmSet::of(&[Algorithm::Es256]));

    // A valid ID token for sub "248289761001".
    let key = Jwk::generate(Algorithm::Es256, &mut SeededRng::new(42)).expect("key");
    let token = Signer::new(&key, &SigningHeader::new(Algorithm::Es256))
        .expect("signer")
        .sign(
            format!(
                r#"{{"iss":"https://op.example","sub":"248289761001","aud":"fitness-app","iat":{0},"exp":{1}}}"#,
                now.unix_timestamp(),
                now.unix_timestamp() + 600
            )
            .as_bytes(),
        )
        .expect("sign");
    let keys = ProviderJwks::new(
        JwkSet::from_keys(vec![key.to_public().expect("public")]).expect("set"),
        now,
    );
    let Ok(IdTokenStep::Valid(id_token)) =
        client.validate_id_token(&token, &IdTokenExpectations::default(), Some(&keys), now)
    else {
        panic!("the fixed ID token is valid");
    };

    if let Ok(UserInfoStep::UserInfo(info)) = client.userinfo_response(&response, &id_token) {
        assert_eq!(info.sub, "248289761001");
    }
    let _ = client.introspection_response(&response);
    let _ = client.revocation_response(&response);
    if let Ok(url) = client.pushed_authorization_response(&response) {
        assert!(url.starts_with("https://op.example/authorize?client_id=fitness-app&request_uri="));
    }
    let _ = resource_response(&response);
    let _ = ProviderJwks::from_response(&response, now);
});

//! Interop: the `openidconnect` crate (version 4, by people who never saw Ostium) signs a user in
//! against `ostium-engine`, in-process. Its HTTP-client hook is bridged straight to the engine
//! (`engine_interop_bridge`), so every back-channel request is the one the library builds and
//! every response is parsed and checked by the library itself:
//!
//! - discovery (`/.well-known/openid-configuration` and the JWKS);
//! - the authorization code flow with PKCE S256, `state` and `nonce`, the browser's part simulated
//!   by calling the engine with the URL the library built;
//! - the library's own ID token verification (signature against the engine's JWKS, `iss`, `aud`,
//!   `exp`, `nonce`, `at_hash`) for RS256 (the library's default), PS256, ES256, ES384 and EdDSA;
//! - UserInfo (the library checks that `sub` matches the ID token's);
//! - refresh, with a new ID token verified again (OIDC Core §12.2);
//! - negatives: another nonce, another provider's key, another subject at UserInfo;
//! - key rotation: a token signed before the rotation still verifies against the new JWKS.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod engine_interop_bridge;

use engine_interop_bridge::*;
use openidconnect::core::{
    CoreAuthDisplay, CoreAuthenticationFlow, CoreClaimName, CoreClaimType, CoreClient,
    CoreClientAuthMethod, CoreGrantType, CoreIdToken, CoreIdTokenClaims, CoreIdTokenVerifier,
    CoreJsonWebKey, CoreJweContentEncryptionAlgorithm, CoreJweKeyManagementAlgorithm,
    CoreJwsSigningAlgorithm, CoreProviderMetadata, CoreResponseMode, CoreResponseType,
    CoreSubjectIdentifierType, CoreTokenResponse,
};
use openidconnect::{
    AccessToken, AccessTokenHash, AdditionalProviderMetadata, AuthenticationContextClass,
    AuthenticationMethodReference, AuthorizationCode, ClaimsVerificationError, ClientId,
    ClientSecret, CsrfToken, EndpointMaybeSet, EndpointNotSet, EndpointSet, IssuerUrl, JsonWebKey,
    Nonce, OAuth2TokenResponse, PkceCodeChallenge, ProviderMetadata, RedirectUrl,
    RequestTokenError, Scope, SubjectIdentifier, TokenResponse, UserInfoError,
};
use ostium_engine::SigningKeys;
use ostium_jose::Algorithm;
use serde::{Deserialize, Serialize};

/// The client `from_provider_metadata` gives: authorization URL set, token and UserInfo URLs
/// from discovery.
type RelyingParty = CoreClient<
    EndpointSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointMaybeSet,
    EndpointMaybeSet,
>;

/// Discovery fields outside OpenID Connect Discovery that the engine publishes (RFC 8414,
/// RFC 7636 §6.2, RFC 9207 §3), read through the library's extension point.
#[derive(Clone, Debug, Deserialize, Serialize)]
struct ExtraMetadata {
    revocation_endpoint: Option<String>,
    introspection_endpoint: Option<String>,
    code_challenge_methods_supported: Option<Vec<String>>,
    authorization_response_iss_parameter_supported: Option<bool>,
}

impl AdditionalProviderMetadata for ExtraMetadata {}

type ExtendedProviderMetadata = ProviderMetadata<
    ExtraMetadata,
    CoreAuthDisplay,
    CoreClientAuthMethod,
    CoreClaimName,
    CoreClaimType,
    CoreGrantType,
    CoreJweContentEncryptionAlgorithm,
    CoreJweKeyManagementAlgorithm,
    CoreJsonWebKey,
    CoreResponseMode,
    CoreResponseType,
    CoreSubjectIdentifierType,
>;

fn issuer_url() -> IssuerUrl {
    IssuerUrl::new(ISSUER.to_owned()).unwrap()
}

/// The library's name for an Ostium algorithm.
fn library_algorithm(algorithm: Algorithm) -> CoreJwsSigningAlgorithm {
    match algorithm {
        Algorithm::Rs256 => CoreJwsSigningAlgorithm::RsaSsaPkcs1V15Sha256,
        Algorithm::Ps256 => CoreJwsSigningAlgorithm::RsaSsaPssSha256,
        Algorithm::Es256 => CoreJwsSigningAlgorithm::EcdsaP256Sha256,
        Algorithm::Es384 => CoreJwsSigningAlgorithm::EcdsaP384Sha384,
        Algorithm::EdDsa => CoreJwsSigningAlgorithm::EdDsa,
        other => panic!("not exercised here: {other:?}"),
    }
}

fn discover(provider: &Provider) -> CoreProviderMetadata {
    CoreProviderMetadata::discover(&issuer_url(), provider)
        .unwrap_or_else(|e| panic!("discovery failed: {e:?}\n{:#?}", provider.exchanges()))
}

fn fitness_app(metadata: CoreProviderMetadata) -> RelyingParty {
    CoreClient::from_provider_metadata(
        metadata,
        ClientId::new(FITNESS_APP.to_owned()),
        Some(ClientSecret::new(FITNESS_SECRET.to_owned())),
    )
    .set_redirect_uri(RedirectUrl::new(FITNESS_REDIRECT.to_owned()).unwrap())
}

fn drawing_app(metadata: CoreProviderMetadata) -> RelyingParty {
    CoreClient::from_provider_metadata(metadata, ClientId::new(DRAWING_APP.to_owned()), None)
        .set_redirect_uri(RedirectUrl::new(DRAWING_REDIRECT.to_owned()).unwrap())
}

/// The ID token verifier a relying party would configure from discovery: the library's default
/// (RS256 only) when the provider signs with RS256, otherwise exactly the algorithms the
/// provider advertises.
fn verifier_for<'a>(
    client: &'a RelyingParty,
    metadata: &CoreProviderMetadata,
) -> CoreIdTokenVerifier<'a> {
    let advertised = metadata.id_token_signing_alg_values_supported().clone();
    let verifier = client.id_token_verifier();
    if advertised == [CoreJwsSigningAlgorithm::RsaSsaPkcs1V15Sha256] {
        verifier
    } else {
        verifier.set_allowed_algs(advertised)
    }
}

/// What the relying party holds after the code flow.
struct SignedIn {
    tokens: CoreTokenResponse,
    nonce: Nonce,
    login: ostium_engine::Authentication,
}

impl SignedIn {
    fn id_token(&self) -> &CoreIdToken {
        self.tokens
            .id_token()
            .expect("an OpenID grant returns an ID token")
    }
}

/// The authorization code flow with PKCE S256, `state` and `nonce`, up to the token response.
fn sign_in(
    provider: &Provider,
    client: &RelyingParty,
    redirect_uri: &str,
    scopes: &[&str],
) -> SignedIn {
    let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
    let mut request = client.authorize_url(
        CoreAuthenticationFlow::AuthorizationCode,
        CsrfToken::new_random,
        Nonce::new_random,
    );
    for scope in scopes {
        request = request.add_scope(Scope::new((*scope).to_owned()));
    }
    let (url, state, nonce) = request.set_pkce_challenge(challenge.clone()).url();
    let sent = query_params(url.as_str());
    assert_eq!(param(&sent, "code_challenge_method"), Some("S256"));
    assert_eq!(param(&sent, "code_challenge"), Some(challenge.as_str()));
    assert_eq!(param(&sent, "nonce"), Some(nonce.secret().as_str()));

    // The browser's part: the library's URL, alice logs in and approves.
    let login = provider.alice_login();
    let location = provider.authorize_in_browser(url.as_str(), redirect_uri, &login);
    let callback = query_params(&location);
    assert_eq!(param(&callback, "state"), Some(state.secret().as_str()));
    assert_eq!(param(&callback, "iss"), Some(ISSUER), "RFC 9207");
    let code = param(&callback, "code").expect("a code").to_owned();

    let tokens = client
        .exchange_code(AuthorizationCode::new(code))
        .unwrap()
        .set_pkce_verifier(verifier)
        .request(provider)
        .unwrap_or_else(|e| {
            panic!(
                "code exchange failed: {e:?}\n{:#?}",
                provider.last_exchange()
            )
        });
    SignedIn {
        tokens,
        nonce,
        login,
    }
}

/// Checks `at_hash` the way the library's documentation says to: the hash of the access token
/// under the ID token's algorithm and key.
fn assert_at_hash(
    claims: &CoreIdTokenClaims,
    id_token: &CoreIdToken,
    verifier: &CoreIdTokenVerifier<'_>,
    access_token: &AccessToken,
) {
    let expected = AccessTokenHash::from_token(
        access_token,
        id_token.signing_alg().unwrap(),
        id_token.signing_key(verifier).unwrap(),
    )
    .unwrap();
    assert_eq!(
        claims.access_token_hash(),
        Some(&expected),
        "at_hash (OIDC Core §3.1.3.6)"
    );
}

/// The whole sign-in story for the confidential client with ID tokens signed by `algorithm`.
fn sign_in_verify_userinfo_refresh(algorithm: Algorithm) {
    let provider = Provider::new(key_for(algorithm, "op-key-1"), algorithm);
    let metadata = discover(&provider);
    assert_eq!(
        metadata.id_token_signing_alg_values_supported(),
        &vec![library_algorithm(algorithm)]
    );
    let client = fitness_app(metadata.clone());
    let signed_in = sign_in(
        &provider,
        &client,
        FITNESS_REDIRECT,
        &["profile", "email", "offline_access"],
    );

    // The token request the library sent: Basic credentials, the PKCE verifier, no secret in the
    // body.
    let exchange = provider.last_exchange();
    assert_eq!((exchange.method.as_str(), exchange.status), ("POST", 200));
    assert!(
        exchange
            .authorization
            .as_deref()
            .unwrap()
            .starts_with("Basic ")
    );
    assert!(exchange.request_body.contains("code_verifier="));
    assert!(!exchange.request_body.contains("client_secret"));
    assert_eq!(
        exchange.response_header("cache-control"),
        Some("no-store"),
        "RFC 6749 §5.1"
    );

    let tokens = &signed_in.tokens;
    assert_eq!(
        tokens.token_type(),
        &openidconnect::core::CoreTokenType::Bearer
    );
    assert_eq!(tokens.expires_in().map(|d| d.as_secs()), Some(600));
    let mut granted: Vec<&str> = tokens
        .scopes()
        .expect("scope is always returned")
        .iter()
        .map(|s| s.as_str())
        .collect();
    granted.sort_unstable();
    assert_eq!(granted, ["email", "offline_access", "openid", "profile"]);

    // The library verifies the ID token: signature with the discovered JWKS, iss, aud, exp,
    // nonce.
    let verifier = verifier_for(&client, &metadata);
    let id_token = signed_in.id_token();
    assert_eq!(
        id_token.signing_alg().unwrap(),
        &library_algorithm(algorithm)
    );
    let claims = id_token
        .claims(&verifier, &signed_in.nonce)
        .unwrap_or_else(|e| panic!("the library rejects the ID token: {e:?}"));
    assert_eq!(claims.issuer().as_str(), ISSUER);
    assert_eq!(claims.subject().as_str(), ALICE);
    assert_eq!(
        claims
            .audiences()
            .iter()
            .map(|a| a.as_str())
            .collect::<Vec<_>>(),
        [FITNESS_APP]
    );
    assert_eq!(
        claims.authorized_party().map(|p| p.as_str()),
        Some(FITNESS_APP)
    );
    assert_eq!(
        claims.auth_time().map(|t| t.timestamp()),
        Some(signed_in.login.auth_time.unix_timestamp())
    );
    assert_eq!(
        claims.auth_context_ref(),
        Some(&AuthenticationContextClass::new(
            "urn:ostium:acr:password".to_owned()
        ))
    );
    assert_eq!(
        claims.auth_method_refs(),
        Some(&vec![AuthenticationMethodReference::new("pwd".to_owned())])
    );
    assert_eq!(
        (claims.expiration() - claims.issue_time()).num_seconds(),
        600
    );
    assert_at_hash(claims, id_token, &verifier, tokens.access_token());

    // UserInfo through the library, which checks `sub` against the ID token's.
    let userinfo: openidconnect::core::CoreUserInfoClaims = client
        .user_info(
            tokens.access_token().clone(),
            Some(claims.subject().clone()),
        )
        .unwrap()
        .request(&provider)
        .unwrap_or_else(|e| panic!("UserInfo failed: {e:?}\n{:#?}", provider.last_exchange()));
    assert_eq!(userinfo.subject().as_str(), ALICE);
    assert_eq!(
        userinfo
            .name()
            .and_then(|n| n.get(None))
            .map(|n| n.as_str()),
        Some("Alice Example")
    );
    assert_eq!(
        userinfo
            .given_name()
            .and_then(|n| n.get(None))
            .map(|n| n.as_str()),
        Some("Alice")
    );
    assert_eq!(
        userinfo.email().map(|e| e.as_str()),
        Some("alice@example.com")
    );
    assert_eq!(userinfo.email_verified(), Some(true));
    assert_eq!(userinfo.phone_number(), None, "phone was not requested");

    // Refresh through the library, a little later: a new access token and a new ID token that
    // the library verifies again. OIDC Core §12.2: same iss, sub, aud, azp and auth_time; a new
    // iat; no nonce.
    provider.advance(3);
    let refresh_token = tokens
        .refresh_token()
        .expect("offline_access gives a refresh token");
    let refreshed = client
        .exchange_refresh_token(refresh_token)
        .unwrap()
        .request(&provider)
        .unwrap_or_else(|e| panic!("refresh failed: {e:?}\n{:#?}", provider.last_exchange()));
    assert_ne!(
        refreshed.access_token().secret(),
        tokens.access_token().secret()
    );
    let new_id_token = refreshed
        .id_token()
        .expect("a refresh of an OpenID grant returns a new ID token");
    assert_ne!(new_id_token.to_string(), id_token.to_string());
    let new_claims = new_id_token
        .claims(&verifier, |nonce: Option<&Nonce>| match nonce {
            None => Ok(()),
            Some(_) => Err("a refreshed ID token should not carry a nonce".to_owned()),
        })
        .unwrap_or_else(|e| panic!("the library rejects the refreshed ID token: {e:?}"));
    assert_eq!(new_claims.issuer(), claims.issuer());
    assert_eq!(new_claims.subject(), claims.subject());
    assert_eq!(new_claims.audiences(), claims.audiences());
    assert_eq!(new_claims.authorized_party(), claims.authorized_party());
    assert_eq!(new_claims.auth_time(), claims.auth_time());
    assert!(
        new_claims.issue_time().timestamp() >= claims.issue_time().timestamp() + 3,
        "iat is the time of the refresh"
    );
    assert_at_hash(
        new_claims,
        new_id_token,
        &verifier,
        refreshed.access_token(),
    );

    // The new access token works at UserInfo; the confidential client's refresh token (not
    // rotated for confidential clients by default) still refreshes.
    let userinfo: openidconnect::core::CoreUserInfoClaims = client
        .user_info(
            refreshed.access_token().clone(),
            Some(SubjectIdentifier::new(ALICE.to_owned())),
        )
        .unwrap()
        .request(&provider)
        .unwrap();
    assert_eq!(userinfo.subject().as_str(), ALICE);
    let next = refreshed.refresh_token().unwrap_or(refresh_token);
    client
        .exchange_refresh_token(next)
        .unwrap()
        .request(&provider)
        .unwrap_or_else(|e| {
            panic!(
                "second refresh failed: {e:?}\n{:#?}",
                provider.last_exchange()
            )
        });
}

#[test]
fn discovery_through_openidconnect_matches_the_engine() {
    let provider = Provider::new(key_for(Algorithm::Rs256, "op-key-1"), Algorithm::Rs256);
    let metadata = ExtendedProviderMetadata::discover(&issuer_url(), &provider)
        .unwrap_or_else(|e| panic!("discovery failed: {e:?}\n{:#?}", provider.exchanges()));
    let endpoints = &provider.engine().config().endpoints;
    assert_eq!(metadata.issuer().as_str(), ISSUER);
    assert_eq!(
        metadata.authorization_endpoint().as_str(),
        endpoints.authorization
    );
    assert_eq!(
        metadata.token_endpoint().map(|u| u.as_str()),
        Some(endpoints.token.as_str())
    );
    assert_eq!(
        metadata.userinfo_endpoint().map(|u| u.as_str()),
        endpoints.userinfo.as_deref()
    );
    assert_eq!(metadata.jwks_uri().as_str(), endpoints.jwks);
    assert_eq!(
        metadata.response_types_supported(),
        &vec![openidconnect::ResponseTypes::new(vec![
            CoreResponseType::Code
        ])]
    );
    assert_eq!(
        metadata.subject_types_supported(),
        &vec![CoreSubjectIdentifierType::Public]
    );
    assert_eq!(
        metadata.id_token_signing_alg_values_supported(),
        &vec![CoreJwsSigningAlgorithm::RsaSsaPkcs1V15Sha256]
    );
    let methods = metadata.token_endpoint_auth_methods_supported().unwrap();
    for method in [
        CoreClientAuthMethod::ClientSecretBasic,
        CoreClientAuthMethod::ClientSecretPost,
        CoreClientAuthMethod::PrivateKeyJwt,
        CoreClientAuthMethod::None,
    ] {
        assert!(methods.contains(&method), "{method:?} missing");
    }
    let grants = metadata.grant_types_supported().unwrap();
    for grant in [
        CoreGrantType::AuthorizationCode,
        CoreGrantType::RefreshToken,
        CoreGrantType::ClientCredentials,
    ] {
        assert!(grants.contains(&grant), "{grant:?} missing");
    }
    let scopes = metadata.scopes_supported().unwrap();
    assert!(scopes.contains(&Scope::new("openid".to_owned())));
    assert!(
        metadata
            .claims_supported()
            .unwrap()
            .contains(&CoreClaimName::new("sub".to_owned()))
    );

    let extra = metadata.additional_metadata();
    assert_eq!(
        extra.code_challenge_methods_supported.as_deref(),
        Some(&["S256".to_owned()][..])
    );
    assert_eq!(
        extra.authorization_response_iss_parameter_supported,
        Some(true)
    );
    assert_eq!(extra.revocation_endpoint, endpoints.revocation);
    assert_eq!(extra.introspection_endpoint, endpoints.introspection);

    // The JWKS the library fetched: exactly the active key's public half, with its kid.
    let keys = metadata.jwks().keys();
    assert_eq!(keys.len(), 1);
    assert_eq!(keys[0].key_id().map(|k| k.as_str()), Some("op-key-1"));
    let published = serde_json::to_value(&keys[0]).unwrap();
    assert_eq!(published["kty"], "RSA");
    assert!(published.get("d").is_none(), "no private member published");

    let fetched: Vec<(String, String, u16)> = provider
        .exchanges()
        .into_iter()
        .map(|e| (e.method, e.url, e.status))
        .collect();
    assert_eq!(
        fetched,
        [
            (
                "GET".to_owned(),
                format!("{ISSUER}/.well-known/openid-configuration"),
                200
            ),
            ("GET".to_owned(), endpoints.jwks.clone(), 200),
        ]
    );
}

#[test]
fn sign_in_rs256_with_the_librarys_default_verifier() {
    sign_in_verify_userinfo_refresh(Algorithm::Rs256);
}

#[test]
fn sign_in_ps256() {
    sign_in_verify_userinfo_refresh(Algorithm::Ps256);
}

#[test]
fn sign_in_es256() {
    sign_in_verify_userinfo_refresh(Algorithm::Es256);
}

#[test]
fn sign_in_es384() {
    sign_in_verify_userinfo_refresh(Algorithm::Es384);
}

#[test]
fn sign_in_eddsa() {
    sign_in_verify_userinfo_refresh(Algorithm::EdDsa);
}

#[test]
fn public_client_sign_in_with_pkce_and_refresh_rotation() {
    let provider = Provider::new(key_for(Algorithm::Es256, "op-key-1"), Algorithm::Es256);
    let metadata = discover(&provider);
    let client = drawing_app(metadata.clone());
    let signed_in = sign_in(&provider, &client, DRAWING_REDIRECT, &["offline_access"]);

    // A public client: client_id in the body, no Authorization header.
    let exchange = provider.last_exchange();
    assert_eq!(exchange.authorization, None);
    assert!(
        exchange
            .request_body
            .contains(&format!("client_id={DRAWING_APP}"))
    );

    let verifier = verifier_for(&client, &metadata);
    let claims = signed_in
        .id_token()
        .claims(&verifier, &signed_in.nonce)
        .unwrap_or_else(|e| panic!("the library rejects the ID token: {e:?}"));
    assert_eq!(claims.subject().as_str(), ALICE);
    assert_eq!(
        claims.authorized_party().map(|p| p.as_str()),
        Some(DRAWING_APP)
    );

    // Public clients' refresh tokens rotate (RFC 9700 §4.14.2); the library takes the new one.
    let first = signed_in.tokens.refresh_token().unwrap();
    let refreshed = client
        .exchange_refresh_token(first)
        .unwrap()
        .request(&provider)
        .unwrap_or_else(|e| panic!("refresh failed: {e:?}\n{:#?}", provider.last_exchange()));
    let second = refreshed.refresh_token().expect("a rotated refresh token");
    assert_ne!(second.secret(), first.secret());
    let new_claims = refreshed
        .id_token()
        .unwrap()
        .claims(&verifier, |_: Option<&Nonce>| Ok(()))
        .unwrap();
    assert_eq!(new_claims.subject().as_str(), ALICE);

    // Replaying the rotated-out token: the library reports the engine's invalid_grant, and the
    // family is gone (the current refresh token no longer works either).
    let replay = client
        .exchange_refresh_token(first)
        .unwrap()
        .request(&provider);
    assert_invalid_grant(replay.map(|_| ()));
    let after = client
        .exchange_refresh_token(second)
        .unwrap()
        .request(&provider);
    assert_invalid_grant(after.map(|_| ()));
}

fn assert_invalid_grant<RE: std::error::Error + 'static>(
    result: Result<
        (),
        RequestTokenError<
            RE,
            openidconnect::StandardErrorResponse<openidconnect::core::CoreErrorResponseType>,
        >,
    >,
) {
    match result {
        Err(RequestTokenError::ServerResponse(error)) => assert_eq!(
            error.error(),
            &openidconnect::core::CoreErrorResponseType::InvalidGrant
        ),
        other => panic!("expected invalid_grant, got {other:?}"),
    }
}

#[test]
fn the_library_rejects_an_id_token_for_another_nonce() {
    let provider = Provider::new(key_for(Algorithm::Rs256, "op-key-1"), Algorithm::Rs256);
    let metadata = discover(&provider);
    let client = fitness_app(metadata.clone());
    let signed_in = sign_in(&provider, &client, FITNESS_REDIRECT, &[]);
    let verifier = verifier_for(&client, &metadata);
    let id_token = signed_in.id_token();

    // The nonce of this authorization request verifies...
    assert!(id_token.claims(&verifier, &signed_in.nonce).is_ok());
    // ...another one (a token injected from another session) does not,
    let other = Nonce::new_random();
    assert!(matches!(
        id_token.claims(&verifier, &other),
        Err(ClaimsVerificationError::InvalidNonce(_))
    ));
    // ...and neither does a missing one where the relying party sent one.
    assert!(matches!(
        id_token.claims(&verifier, |nonce: Option<&Nonce>| match nonce {
            Some(_) => Err("the relying party expected no nonce".to_owned()),
            None => Ok(()),
        }),
        Err(ClaimsVerificationError::InvalidNonce(_))
    ));
}

#[test]
fn the_library_rejects_an_id_token_signed_by_another_provider() {
    // Two providers with the same issuer and kid but different keys: a token of one does not
    // verify with the other's JWKS, so the library really checks the engine's signature.
    let genuine = Provider::new(
        generated_key(Algorithm::Es256, 1, "op-key-1"),
        Algorithm::Es256,
    );
    let impostor = Provider::new(
        generated_key(Algorithm::Es256, 2, "op-key-1"),
        Algorithm::Es256,
    );
    let genuine_metadata = discover(&genuine);
    let genuine_client = fitness_app(genuine_metadata.clone());
    let impostor_client = fitness_app(discover(&impostor));
    let forged = sign_in(&impostor, &impostor_client, FITNESS_REDIRECT, &[]);
    let verifier = verifier_for(&genuine_client, &genuine_metadata);
    assert!(matches!(
        forged.id_token().claims(&verifier, &forged.nonce),
        Err(ClaimsVerificationError::SignatureVerification(_))
    ));
}

#[test]
fn the_library_rejects_userinfo_for_another_subject() {
    let provider = Provider::new(key_for(Algorithm::Es256, "op-key-1"), Algorithm::Es256);
    let client = fitness_app(discover(&provider));
    let signed_in = sign_in(&provider, &client, FITNESS_REDIRECT, &["email"]);
    let result: Result<openidconnect::core::CoreUserInfoClaims, _> = client
        .user_info(
            signed_in.tokens.access_token().clone(),
            Some(SubjectIdentifier::new("mallory".to_owned())),
        )
        .unwrap()
        .request(&provider);
    assert!(matches!(
        result,
        Err(UserInfoError::ClaimsVerification(
            ClaimsVerificationError::InvalidSubject(_)
        ))
    ));
}

#[test]
fn an_id_token_signed_before_a_key_rotation_still_verifies() {
    let old_key = generated_key(Algorithm::Es256, 21, "2026-01");
    let new_key = generated_key(Algorithm::Es256, 22, "2026-07");
    let before = Provider::new(old_key.clone(), Algorithm::Es256);
    let client = fitness_app(discover(&before));
    let old = sign_in(&before, &client, FITNESS_REDIRECT, &[]);

    // The rotated provider signs with the new key and still publishes the old one.
    let after =
        Provider::with_keys(SigningKeys::new(new_key, Algorithm::Es256, &[old_key]).unwrap());
    let metadata = discover(&after);
    assert_eq!(metadata.jwks().keys().len(), 2);
    let client = fitness_app(metadata.clone());
    let verifier = verifier_for(&client, &metadata);
    let old_claims = old
        .id_token()
        .claims(&verifier, &old.nonce)
        .unwrap_or_else(|e| panic!("the old token no longer verifies: {e:?}"));
    assert_eq!(old_claims.subject().as_str(), ALICE);
    let new = sign_in(&after, &client, FITNESS_REDIRECT, &[]);
    let header_kid = new
        .id_token()
        .signing_key(&verifier)
        .unwrap()
        .key_id()
        .cloned();
    assert_eq!(
        header_kid.map(|k| k.to_string()),
        Some("2026-07".to_owned())
    );
    assert!(new.id_token().claims(&verifier, &new.nonce).is_ok());
}

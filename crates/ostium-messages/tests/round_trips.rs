//! `parse(write(x)) == x` for every message, over generated values.

#![allow(clippy::unwrap_used)] // Strategies outside #[test] fns unwrap values they generate valid.

use ostium_messages::authorization::{Display, Prompt};
use ostium_messages::device::DeviceAuthorizationResponse;
use ostium_messages::introspection::IntrospectionResponse;
use ostium_messages::logout::LogoutRequest;
use ostium_messages::metadata::ServerMetadata;
use ostium_messages::par::{PushedAuthorizationRequest, PushedAuthorizationResponse};
use ostium_messages::registration::ClientMetadata;
use ostium_messages::resource::Challenge;
use ostium_messages::revocation::{RevocationRequest, TokenTypeHint};
use ostium_messages::token::TokenExchange;
use ostium_messages::*;
use proptest::prelude::*;

fn vschar() -> impl Strategy<Value = String> {
    "[ -~]{1,24}"
}

fn token() -> impl Strategy<Value = String> {
    "[A-Za-z0-9._~+/-]{1,32}"
}

fn scope() -> impl Strategy<Value = Scope> {
    prop::collection::vec("[a-z:._]{1,8}", 1..4)
        .prop_map(|tokens| Scope::parse(&tokens.join(" ")).unwrap())
}

fn redirect_uri() -> impl Strategy<Value = RedirectUri> {
    (
        "[a-z]{1,10}",
        "(/[a-z0-9]{0,8}){0,2}",
        prop::option::of("[a-z]{1,3}=[a-z0-9]{0,4}(%2F)?"),
    )
        .prop_map(|(host, path, query)| {
            let query = query.map(|q| format!("?{q}")).unwrap_or_default();
            RedirectUri::parse(&format!("https://{host}.example{path}{query}")).unwrap()
        })
}

fn absolute_uri() -> impl Strategy<Value = AbsoluteUri> {
    "[a-z]{1,8}"
        .prop_map(|host| AbsoluteUri::parse(&format!("https://{host}.example/api")).unwrap())
}

fn client_auth() -> impl Strategy<Value = ClientAuthentication> {
    prop_oneof![
        (vschar(), vschar()).prop_map(|(id, secret)| ClientAuthentication::ClientSecretBasic {
            client_id: ClientId::parse(&id).unwrap(),
            client_secret: ClientSecret::parse(&secret).unwrap(),
        }),
        (vschar(), vschar()).prop_map(|(id, secret)| ClientAuthentication::ClientSecretPost {
            client_id: ClientId::parse(&id).unwrap(),
            client_secret: ClientSecret::parse(&secret).unwrap(),
        }),
        (prop::option::of(vschar()), token()).prop_map(|(id, assertion)| {
            ClientAuthentication::JwtAssertion {
                client_id: id.map(|i| ClientId::parse(&i).unwrap()),
                assertion: TokenString::parse(&assertion).unwrap(),
            }
        }),
        vschar().prop_map(|id| ClientAuthentication::None {
            client_id: ClientId::parse(&id).unwrap()
        }),
    ]
}

fn grant() -> impl Strategy<Value = Grant> {
    prop_oneof![
        (
            token(),
            prop::option::of(redirect_uri()),
            prop::option::of("[A-Za-z0-9._~-]{43,128}")
        )
            .prop_map(|(code, redirect_uri, verifier)| Grant::AuthorizationCode {
                code: AuthorizationCode::parse(&code).unwrap(),
                redirect_uri,
                code_verifier: verifier.map(|v| CodeVerifier::parse(&v).unwrap()),
            }),
        (token(), prop::option::of(scope())).prop_map(|(refresh, scope)| Grant::RefreshToken {
            refresh_token: RefreshToken::parse(&refresh).unwrap(),
            scope,
        }),
        prop::option::of(scope()).prop_map(|scope| Grant::ClientCredentials { scope }),
        token().prop_map(|code| Grant::DeviceCode {
            device_code: DeviceCode::parse(&code).unwrap()
        }),
        (
            token(),
            prop::option::of(token()),
            prop::collection::vec("[a-z]{1,6}", 0..3),
            prop::option::of(scope())
        )
            .prop_map(|(subject, actor, audience, scope)| {
                let mut exchange = TokenExchange::new(
                    TokenString::parse(&subject).unwrap(),
                    "urn:ietf:params:oauth:token-type:access_token",
                );
                exchange.audience = audience;
                exchange.scope = scope;
                if let Some(actor) = actor {
                    exchange.actor_token = Some(TokenString::parse(&actor).unwrap());
                    exchange.actor_token_type = Some("urn:ietf:params:oauth:token-type:jwt".into());
                }
                Grant::TokenExchange(Box::new(exchange))
            }),
        (token(), prop::option::of(scope())).prop_map(|(assertion, scope)| Grant::JwtBearer {
            assertion: TokenString::parse(&assertion).unwrap(),
            scope,
        }),
    ]
}

fn with_body<'a>(body: &'a str, authorization: Option<&'a str>) -> HttpRequest<'a> {
    HttpRequest {
        authorization,
        ..HttpRequest::form_post(body.as_bytes())
    }
}

proptest! {
    #[test]
    fn params_round_trip(pairs in prop::collection::vec(("[a-z_]{1,8}", ".{1,16}"), 0..8)) {
        let params: Params = pairs.into_iter().collect();
        prop_assert_eq!(Params::parse_query(&params.encode()).unwrap(), params);
    }

    #[test]
    fn authorization_request_round_trip(
        client_id in vschar(),
        redirect in prop::option::of(redirect_uri()),
        scope in prop::option::of(scope()),
        state in prop::option::of(vschar()),
        nonce in prop::option::of(vschar()),
        verifier in prop::option::of("[A-Za-z0-9._~-]{43,128}"),
        max_age in prop::option::of(0u64..100_000),
        prompt in prop::sample::subsequence(vec![Prompt::Login, Prompt::Consent, Prompt::SelectAccount], 0..3),
        display in prop::option::of(prop::sample::select(vec![Display::Page, Display::Popup, Display::Unknown("x".into())])),
        locales in prop::collection::vec("[a-z]{2}(-[A-Z]{2})?", 0..3),
        resource in prop::collection::vec(absolute_uri(), 0..3),
        mode in prop::option::of(prop::sample::select(vec![ResponseMode::Query, ResponseMode::Fragment, ResponseMode::FormPost])),
    ) {
        let mut request = AuthorizationRequest::new(ClientId::parse(&client_id).unwrap());
        request.redirect_uri = redirect;
        request.scope = scope;
        request.state = state.map(|s| State::parse(&s).unwrap());
        request.nonce = nonce.map(|n| Nonce::parse(&n).unwrap());
        request.code_challenge = verifier.map(|v| CodeChallenge::s256(&CodeVerifier::parse(&v).unwrap()));
        request.max_age = max_age;
        request.prompt = prompt;
        request.display = display;
        request.ui_locales = locales;
        request.resource = resource;
        request.response_mode = mode;
        let url = request.to_url("https://as.example/authorize");
        let query = url.split_once('?').unwrap().1;
        prop_assert_eq!(AuthorizationRequest::parse_query(query).unwrap(), request);
    }

    #[test]
    fn authorization_responses_round_trip(
        code in token(),
        state in prop::option::of(vschar()),
        error in prop::sample::select(AuthorizationErrorCode::REGISTERED.to_vec()),
        description in prop::option::of("[ -!#-\\[\\]-~]{1,40}"),
    ) {
        let iss = Some(Issuer::parse("https://server.example.com").unwrap());
        let state = state.map(|s| State::parse(&s).unwrap());
        let success = AuthorizationResponse::code(AuthorizationCode::parse(&code).unwrap(), state.clone(), iss.clone());
        let parsed = AuthorizationCallback::parse(&Params::parse_query(&success.to_params().encode()).unwrap()).unwrap();
        prop_assert_eq!(parsed, AuthorizationCallback::Success(success));
        let mut failure = ErrorResponse::new(error);
        failure.error_description = description.map(|d| ErrorDescription::new(d).unwrap());
        let redirect = AuthorizationErrorRedirect { error: failure, state, iss };
        let parsed = AuthorizationCallback::parse(&Params::parse_query(&redirect.to_params().encode()).unwrap()).unwrap();
        prop_assert_eq!(parsed, AuthorizationCallback::Error(redirect));
    }

    #[test]
    fn token_request_round_trip(
        grant in grant(),
        auth in client_auth(),
        resource in prop::collection::vec(absolute_uri(), 0..3),
    ) {
        let mut original = TokenRequest::new(grant, auth);
        original.resource = resource;
        let (form, authorization) = original.to_form();
        let body = form.encode();
        let parsed = TokenRequest::parse(&with_body(&body, authorization.as_deref())).unwrap();
        prop_assert_eq!(parsed, original);
    }

    #[test]
    fn token_response_round_trip(
        access in token(),
        dpop in any::<bool>(),
        expires in prop::option::of(0u64..10_000_000),
        refresh in prop::option::of(token()),
        scope in prop::option::of(scope()),
        id_token in prop::option::of(token()),
    ) {
        let mut response = TokenResponse::new(
            AccessToken::parse(&access).unwrap(),
            if dpop { TokenType::DPoP } else { TokenType::Bearer },
        );
        response.expires_in = expires;
        response.refresh_token = refresh.map(|r| RefreshToken::parse(&r).unwrap());
        response.scope = scope;
        response.id_token = id_token.map(|t| TokenString::parse(&t).unwrap());
        let http = response.to_response();
        prop_assert_eq!(&TokenResponse::parse_json(http.body()).unwrap(), &response);
        prop_assert_eq!(TokenResponse::parse_json_lenient(http.body(), Leniency::ALL).unwrap(), response);
    }

    #[test]
    fn error_responses_round_trip(
        code in prop::sample::select(TokenErrorCode::REGISTERED.to_vec()),
        description in prop::option::of("[ -!#-\\[\\]-~]{1,40}"),
        uri in prop::option::of("[a-z]{1,8}"),
    ) {
        let error = ErrorResponse {
            error: code,
            error_description: description.map(|d| ErrorDescription::new(d).unwrap()),
            error_uri: uri.map(|u| ErrorUri::new(format!("https://as.example/errors/{u}")).unwrap()),
        };
        let http = HttpResponse::token_error(&error, "as");
        prop_assert_eq!(&ErrorResponse::<TokenErrorCode>::parse_json_lenient(http.body()).unwrap(), &error);
        let strict: ErrorResponse<TokenErrorCode> = serde_json::from_slice(http.body()).unwrap();
        prop_assert_eq!(strict, error);
    }

    #[test]
    fn client_authentication_round_trip(auth in client_auth()) {
        let mut params = Params::new();
        let header = auth.apply(&mut params);
        prop_assert_eq!(ClientAuthentication::parse(header.as_deref(), &params).unwrap(), auth);
    }

    #[test]
    fn challenge_round_trip(
        dpop in any::<bool>(),
        realm in prop::option::of("[ -~]{0,20}"),
        scope in prop::option::of(scope()),
        code in prop::option::of(prop::sample::select(ResourceErrorCode::REGISTERED.to_vec())),
        description in prop::option::of("[ -!#-\\[\\]-~]{1,40}"),
    ) {
        let mut challenge = if dpop { Challenge::dpop(["ES256", "EdDSA"]) } else { Challenge::bearer() };
        challenge.realm = realm;
        challenge.scope = scope;
        challenge.error = code.map(|c| {
            let mut e = ErrorResponse::new(c);
            e.error_description = description.map(|d| ErrorDescription::new(d).unwrap());
            e
        });
        let parsed = Challenge::parse_header(&challenge.to_header_value()).unwrap();
        prop_assert_eq!(parsed, vec![challenge]);
    }

    #[test]
    fn back_channel_messages_round_trip(
        token_value in token(),
        hint in prop::option::of(prop::sample::select(vec![TokenTypeHint::AccessToken, TokenTypeHint::RefreshToken])),
        auth in client_auth(),
        scope in prop::option::of(scope()),
        active in any::<bool>(),
        user_code in "[A-Z]{4}-[A-Z]{4}",
        expires in 1u64..100_000,
    ) {
        let mut revocation = RevocationRequest::new(TokenString::parse(&token_value).unwrap(), auth.clone());
        revocation.token_type_hint = hint;
        let (form, header) = revocation.to_form();
        let body = form.encode();
        prop_assert_eq!(RevocationRequest::parse(&with_body(&body, header.as_deref())).unwrap(), revocation);

        let mut introspection = IntrospectionResponse::inactive();
        introspection.active = active;
        if active {
            introspection.scope = scope.clone();
            introspection.client_id = Some("c".into());
            introspection.exp = Some(expires as i64);
        }
        let parsed = IntrospectionResponse::parse_json(introspection.to_response().body()).unwrap();
        prop_assert_eq!(parsed, introspection);

        let device = DeviceAuthorizationResponse::parse_json(format!(
            r#"{{"device_code":"{token_value}","user_code":"{user_code}","verification_uri":"https://example.com/device","expires_in":{expires},"interval":5}}"#
        ).as_bytes()).unwrap();
        prop_assert_eq!(DeviceAuthorizationResponse::parse_json(device.to_response().body()).unwrap(), device);

        let par = PushedAuthorizationResponse::new(
            AbsoluteUri::parse(&format!("urn:ietf:params:oauth:request_uri:{}", user_code)).unwrap(),
            expires,
        );
        prop_assert_eq!(PushedAuthorizationResponse::parse_json(par.to_response().body()).unwrap(), par);

        let mut pushed_request = AuthorizationRequest::new(ClientId::parse("s6BhdRkqt3").unwrap());
        pushed_request.scope = scope;
        // In a pushed request the client_id always travels in the body, so an assertion's
        // client_id is read back as present.
        let auth = match auth {
            ClientAuthentication::JwtAssertion { assertion, .. } => ClientAuthentication::JwtAssertion {
                client_id: Some(pushed_request.client_id.clone()),
                assertion,
            },
            other => other,
        };
        if let Some(id) = auth.client_id() {
            pushed_request.client_id = id.clone();
        }
        let pushed = PushedAuthorizationRequest::new(auth, pushed_request);
        let (form, header) = pushed.to_form();
        let body = form.encode();
        prop_assert_eq!(PushedAuthorizationRequest::parse(&with_body(&body, header.as_deref())).unwrap(), pushed);
    }

    #[test]
    fn json_documents_round_trip(
        host in "[a-z]{1,10}",
        names in prop::collection::vec("[a-z ]{1,12}", 0..3),
        scopes in prop::collection::vec("[a-z]{1,6}", 0..4),
        state in prop::option::of(vschar()),
    ) {
        let issuer = format!("https://{host}.example");
        let mut metadata = ServerMetadata::new(issuer.clone(), vec!["code".into()]);
        metadata.authorization_endpoint = Some(format!("{issuer}/authorize"));
        metadata.token_endpoint = Some(format!("{issuer}/token"));
        metadata.scopes_supported = Some(scopes);
        metadata.authorization_response_iss_parameter_supported = Some(true);
        prop_assert_eq!(ServerMetadata::parse_json(metadata.to_response().body()).unwrap(), metadata);

        let mut client = ClientMetadata::default();
        client.redirect_uris = Some(vec![RegisteredRedirectUri::parse(&format!("https://{host}.example/cb")).unwrap()]);
        client.client_name = names.first().cloned();
        client.contacts = Some(names);
        let json = client.to_json();
        prop_assert_eq!(ClientMetadata::parse_request(Some("application/json"), &json).unwrap(), client);

        let logout = LogoutRequest::parse(&Params::parse_query(&format!(
            "post_logout_redirect_uri=https%3A%2F%2F{host}.example%2Fbye"
        )).unwrap()).unwrap();
        let mut logout = logout;
        logout.state = state.map(|s| State::parse(&s).unwrap());
        prop_assert_eq!(LogoutRequest::parse(&logout.to_params()).unwrap(), logout);
    }
}

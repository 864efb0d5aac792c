//! The authorization endpoint (RFC 6749 §4.1.1–§4.1.2.1; OIDC Core §3.1.2).
//!
//! The order of checks never redirects to an unverified URI (RFC 6749 §4.1.2.1; checklist
//! items 5, 23):
//!
//! 1. Parse the request (GET query or POST form). A failure is remembered, not answered yet.
//! 2. Load the client; unknown client → error page.
//! 3. Select the redirect URI by exact match (items 6–8); no match → error page.
//! 4. Unsupported `response_mode` → plain 400 (item 12).
//! 5. From here on every error is a redirect carrying `state` and `iss` (items 9–11): the
//!    remembered parse failure, `response_type` (item 4), `request`/`request_uri` (item 19),
//!    PKCE (items 26, 29), scope.
//! 6. Authentication: no session, `prompt=login` or `select_account`, an exceeded `max_age`, an
//!    `id_token_hint` for someone else, or a session below an essential `acr` (OIDC Core
//!    §5.5.1.1) ask the embedder to log the user in ([`Step::Login`]), or fail with
//!    `login_required` under `prompt=none` (items 14–17). A login that still misses the
//!    essential `acr` fails with `access_denied`.
//! 7. Consent: a remembered consent that covers the request skips the prompt, unless
//!    `prompt=consent`; otherwise [`Step::Consent`], or `consent_required` under `prompt=none`.
//! 8. Mint the code, write it, then redirect with `code`, `state` and `iss`.

use std::sync::Arc;

use std::fmt;

use ostium_messages::authorization::{
    AuthorizationErrorRedirect, AuthorizationRequest, AuthorizationResponse, Prompt, ResponseType,
};
use ostium_messages::claims::ClaimsRequest;
use ostium_messages::redirect_uri::{
    MatchedRedirectUri, RedirectUri, RedirectUriParameter, select_redirect_uri,
};
use ostium_messages::values::{
    AbsoluteUri, AuthorizationCode, ClientId, JwkThumbprint, Nonce, State,
};
use ostium_messages::{
    AuthorizationErrorCode, ErrorResponse, HttpRequest, HttpResponse, Params, ResponseMode,
};
use ostium_pkce::{CodeChallenge, CodeChallengeMethod};
use ostium_rand::SecureRng;
use ostium_scope::{AuthorizationDetails, Scope};
use serde::{Deserialize, Serialize};
use time::{Duration, OffsetDateTime};

use crate::Engine;
use crate::client::{Client, GrantType};
use crate::config::Profile;
use crate::par::pushed_request_hash;
use crate::records::{Authentication, CodeRecord, Consent, GrantDetails, Subject};
use crate::secret::{Entropy, SecretHash};
use crate::step::{Pending, Step};
use crate::store::{Effect, Outcome, StoreError, Write};

/// An authorization request that passed every check up to user interaction: what the embedder
/// keeps while the user logs in or consents, and hands back to
/// [`Engine::logged_in`] / [`Engine::consented`].
///
/// It serializes (serde), so it can live in a server-side session shared by replicas. **Keep it
/// on the server** (or seal it with authenticated encryption): it states what the user is about
/// to grant, and a client-side copy could be edited.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AuthorizationContext {
    client_id: ClientId,
    redirect_uri: Option<RedirectUri>,
    response_mode: ResponseMode,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    state: Option<State>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    nonce: Option<Nonce>,
    scope: Scope,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    authorization_details: Option<AuthorizationDetails>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    claims: Option<ClaimsRequest>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    code_challenge: Option<CodeChallenge>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    resources: Vec<AbsoluteUri>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    dpop_jkt: Option<JwkThumbprint>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    max_age: Option<u64>,
    prompt_none: bool,
    prompt_login: bool,
    prompt_consent: bool,
    /// `prompt=select_account`: the session is not reused without asking which account.
    #[serde(default)]
    prompt_select_account: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    login_hint: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    acr_values: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    hinted_subject: Option<Subject>,
    #[serde(with = "time::serde::timestamp")]
    requested_at: OffsetDateTime,
    /// Set once the user is authenticated for this request.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    authentication: Option<Authentication>,
}

impl AuthorizationContext {
    /// The client asking.
    pub fn client_id(&self) -> &ClientId {
        &self.client_id
    }

    /// The scope the client would be granted (already narrowed to what it may have).
    pub fn scope(&self) -> &Scope {
        &self.scope
    }

    /// The RFC 9396 authorization details requested.
    pub fn authorization_details(&self) -> Option<&AuthorizationDetails> {
        self.authorization_details.as_ref()
    }

    /// `login_hint` (OIDC Core §3.1.2.1), for pre-filling the login form.
    pub fn login_hint(&self) -> Option<&str> {
        self.login_hint.as_deref()
    }

    /// `acr_values` requested, in order of preference.
    pub fn acr_values(&self) -> &[String] {
        &self.acr_values
    }

    /// The `claims` request (OIDC Core §5.5): which claims UserInfo and the ID token should
    /// carry, and which of them are essential.
    pub fn claims(&self) -> Option<&ClaimsRequest> {
        self.claims.as_ref()
    }

    /// The `acr` values the login must reach, when the `claims` request asks for `acr` as an
    /// essential ID token claim (OIDC Core §5.5.1.1): `None` when it does not, empty when any
    /// `acr` will do. A login that misses them fails the request with `access_denied`; a session
    /// that misses them is not reused.
    pub fn essential_acr_values(&self) -> Option<Vec<&str>> {
        crate::claims::essential_acr_values(self.claims.as_ref())
    }

    /// Whether the client asked for `prompt=select_account` (OIDC Core §3.1.2.1): show the user
    /// an account chooser. The chosen account's existing session may answer
    /// [`Engine::logged_in`] as it is; no fresh login is demanded.
    pub fn select_account(&self) -> bool {
        self.prompt_select_account
    }

    /// The subject an `id_token_hint` named: the user must log in as this subject.
    pub fn hinted_subject(&self) -> Option<&Subject> {
        self.hinted_subject.as_ref()
    }

    /// The authenticated user, once known.
    pub fn authentication(&self) -> Option<&Authentication> {
        self.authentication.as_ref()
    }
}

/// The user's answer on the consent page.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub enum ConsentDecision {
    /// Grant the request, or the narrower `scope` the user kept (a subset of the request), and
    /// remember the consent for next time if `remember`.
    Approve {
        /// A narrower scope the user chose; `None` grants what was asked.
        scope: Option<Scope>,
        /// Remember the consent, so that the next request within it skips the prompt.
        remember: bool,
    },
    /// The user refused: `access_denied` (RFC 6749 §4.1.2.1; checklist item 21).
    Deny,
}

/// The authorization endpoint's suspended state.
pub(crate) struct AuthorizeFlow {
    now: OffsetDateTime,
    entropy: Entropy,
    stage: Stage,
    /// The session user's remembered consent, read together with the client; used only once
    /// the request is validated and for that same user.
    prefetched_consent: Option<PrefetchedConsent>,
}

/// A remembered consent read ahead, and whose it is.
struct PrefetchedConsent {
    subject: Subject,
    consent: Option<Box<Consent>>,
}

enum Stage {
    /// Waiting for the client, with the parsed request or the parse failure.
    LoadingClient {
        parsed: Result<
            Box<AuthorizationRequest>,
            Box<ostium_messages::authorization::AuthorizationRequestError>,
        >,
        session: Option<Authentication>,
        pushed: Option<SecretHash>,
    },
    /// Waiting for a pushed request (RFC 9126) named by `request_uri`.
    LoadingPushed {
        client: Arc<Client>,
        session: Option<Authentication>,
    },
    /// Waiting for the client again, to continue a kept context.
    ReloadingClient {
        context: Box<AuthorizationContext>,
        next: Next,
    },
    /// Waiting for the remembered consent.
    LoadingConsent {
        context: Box<AuthorizationContext>,
        target: MatchedRedirectUri,
    },
    /// Waiting for the code (and perhaps a consent) to be written.
    WritingCode {
        response: HttpResponse,
    },
    Finished,
}

/// What to do once a kept context's client is reloaded.
enum Next {
    CheckConsent,
    Decide(ConsentDecision),
}

impl fmt::Debug for AuthorizeFlow {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("AuthorizeFlow(..)")
    }
}

impl Engine {
    /// Handles an authorization request (GET, or POST for OpenID Connect, checklist item 1).
    ///
    /// `session` is the user's current login at this server, if any (from the embedder's session
    /// cookie). `rng` is drawn from once.
    pub fn authorize(
        &self,
        request: &HttpRequest<'_>,
        session: Option<&Authentication>,
        now: OffsetDateTime,
        rng: &mut (impl SecureRng + ?Sized),
    ) -> Step {
        let parsed = match request.method {
            "GET" => AuthorizationRequest::parse_query(request.query.unwrap_or_default()),
            "POST" => AuthorizationRequest::parse_form(request.content_type, request.body),
            _ => return error_page(405, "the authorization endpoint accepts GET and POST only"),
        };
        let client_id = match &parsed {
            Ok(request) => Some(request.client_id.clone()),
            Err(error) => error.client_id.clone(),
        };
        // RFC 9126 §4: after PAR the request carries only `client_id` and `request_uri`, which
        // may not parse as a full authorization request; then read the two parameters directly.
        let raw = match (&parsed, request.method) {
            (Ok(_), _) => None,
            (Err(_), "GET") => Params::parse_query(request.query.unwrap_or_default()).ok(),
            (Err(_), _) => Params::parse_form(request.content_type, request.body).ok(),
        };
        let single = |name| raw.as_ref().and_then(|p| p.single(name).ok().flatten());
        let pushed = match &parsed {
            Ok(request) => request.request_uri.as_ref().map(AbsoluteUri::as_str),
            Err(_) => single("request_uri"),
        }
        .and_then(pushed_request_hash);
        let client_id = client_id.or_else(|| {
            pushed
                .and(single("client_id"))
                .and_then(|id| ClientId::parse(id).ok())
        });
        let Some(client_id) = client_id else {
            return error_page(400, "the request has no valid client_id");
        };
        // Without a session the request ends at the login page (or a `login_required`
        // redirect): nothing is minted, so nothing is drawn.
        let entropy = match session {
            None => Entropy::none(),
            Some(_) => match Entropy::draw(rng, Entropy::CODE) {
                Ok(entropy) => entropy,
                Err(_) => return error_page(500, "the server could not generate randomness"),
            },
        };
        // With a session (and no pushed request to take first), the user's consent is read with
        // the client: one store round trip, not two.
        let effect = match session {
            Some(session) if pushed.is_none() => Effect::ClientAndConsent {
                client_id,
                subject: session.subject.clone(),
            },
            _ => Effect::Client(client_id),
        };
        let flow = Box::new(AuthorizeFlow {
            now,
            entropy,
            stage: Stage::LoadingClient {
                parsed: parsed.map(Box::new),
                session: session.cloned(),
                pushed,
            },
            prefetched_consent: None,
        });
        flow.suspend(effect)
    }

    /// Continues a request after the user logged in (answering [`Step::Login`]).
    ///
    /// `authentication` describes the login that just happened; its `auth_time` must not be
    /// older than the request when re-authentication was demanded. `context` is the one the
    /// [`Step::Login`] carried, boxed as it came or not.
    pub fn logged_in(
        &self,
        context: impl Into<Box<AuthorizationContext>>,
        authentication: Authentication,
        now: OffsetDateTime,
        rng: &mut (impl SecureRng + ?Sized),
    ) -> Step {
        let mut context = context.into();
        context.authentication = Some(authentication);
        self.continue_context(context, Next::CheckConsent, now, rng)
    }

    /// Continues a request with the user's consent decision (answering [`Step::Consent`]).
    /// `context` is the one the step carried, boxed as it came or not.
    pub fn consented(
        &self,
        context: impl Into<Box<AuthorizationContext>>,
        decision: ConsentDecision,
        now: OffsetDateTime,
        rng: &mut (impl SecureRng + ?Sized),
    ) -> Step {
        self.continue_context(context.into(), Next::Decide(decision), now, rng)
    }

    fn continue_context(
        &self,
        context: Box<AuthorizationContext>,
        next: Next,
        now: OffsetDateTime,
        rng: &mut (impl SecureRng + ?Sized),
    ) -> Step {
        let Ok(entropy) = Entropy::draw(rng, Entropy::CODE) else {
            return error_page(500, "the server could not generate randomness");
        };
        let client_id = context.client_id.clone();
        let flow = Box::new(AuthorizeFlow {
            now,
            entropy,
            stage: Stage::ReloadingClient { context, next },
            prefetched_consent: None,
        });
        flow.suspend(Effect::Client(client_id))
    }
}

/// A page for the user, never a redirect: the client or its redirect URI could not be trusted.
fn error_page(status: u16, text: &str) -> Step {
    Step::Respond(html_page(status, "Authorization error", text))
}

/// A minimal HTML page with a heading and one paragraph, not cached.
pub(crate) fn html_page(status: u16, title: &str, text: &str) -> HttpResponse {
    let title = html_escape(title);
    let body = format!(
        "<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>{title}</title></head>\
         <body><h1>{title}</h1><p>{}</p></body></html>",
        html_escape(text)
    );
    HttpResponse::new(status)
        .with_header("content-type", "text/html; charset=utf-8")
        .with_header("cache-control", "no-store")
        .with_body(body.into_bytes())
}

fn html_escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            other => out.push(other),
        }
    }
    out
}

pub(crate) fn redirect_rule(profile: &Profile, scope_is_openid: bool) -> RedirectUriParameter {
    // OIDC Core §3.1.2.1: always required for OpenID requests (checklist item 7); FAPI 2.0
    // §5.3.2.2 item 6: always, when the profile says so.
    if scope_is_openid || profile.require_redirect_uri {
        RedirectUriParameter::Required
    } else {
        RedirectUriParameter::OptionalWithSingleRegistration
    }
}

fn error(code: AuthorizationErrorCode, text: &str) -> ErrorResponse<AuthorizationErrorCode> {
    ErrorResponse::new(code).with_description(text)
}

impl AuthorizeFlow {
    fn suspend(self: Box<Self>, effect: Effect) -> Step {
        Step::Effect(Pending::new(effect, self))
    }

    pub(crate) fn resume(
        mut self: Box<Self>,
        engine: &Engine,
        outcome: Result<Outcome, StoreError>,
    ) -> Step {
        let Ok(outcome) = outcome else {
            return error_page(500, "the server's storage is unavailable");
        };
        match (std::mem::replace(&mut self.stage, Stage::Finished), outcome) {
            (
                Stage::LoadingClient {
                    parsed,
                    session,
                    pushed: None,
                },
                Outcome::ClientAndConsent { client, consent },
            ) => {
                if let Some(session) = &session {
                    self.prefetched_consent = Some(PrefetchedConsent {
                        subject: session.subject.clone(),
                        consent,
                    });
                }
                self.start(engine, parsed, session, client, false)
            }
            (
                Stage::LoadingClient {
                    parsed,
                    session,
                    pushed,
                },
                Outcome::Client(client),
            ) => {
                // RFC 9126 §4: a request_uri of ours names a pushed request; take it first.
                match (pushed, client) {
                    (Some(hash), Some(client)) => {
                        self.stage = Stage::LoadingPushed { client, session };
                        self.suspend(Effect::TakePushedRequest(hash))
                    }
                    (_, client) => self.start(engine, parsed, session, client, false),
                }
            }
            (Stage::LoadingPushed { client, session }, Outcome::PushedRequest(record)) => {
                // Unknown, used, expired or another client's: the redirect URI in it cannot be
                // trusted, so this is an error page (RFC 9126 §4; OIDC `invalid_request_uri`).
                let Some(record) =
                    record.filter(|r| r.client_id == client.id && self.now < r.expires_at)
                else {
                    return error_page(
                        400,
                        "invalid_request_uri: unknown, used or expired request_uri",
                    );
                };
                match AuthorizationRequest::parse_query(&record.parameters) {
                    Ok(request) if request.client_id == client.id => {
                        self.start(engine, Ok(Box::new(request)), session, Some(client), true)
                    }
                    _ => error_page(400, "invalid_request_uri: the pushed request is unreadable"),
                }
            }
            (Stage::ReloadingClient { context, next }, Outcome::Client(client)) => {
                let Some(client) = client else {
                    return error_page(400, "unknown client");
                };
                let Ok(target) = select_redirect_uri(
                    &client.redirect_uris,
                    context.redirect_uri.as_ref(),
                    redirect_rule(&engine.config().profile, context.scope.contains("openid")),
                ) else {
                    return error_page(400, "the redirect_uri is not registered for this client");
                };
                match next {
                    Next::CheckConsent => self.after_login(engine, context, target),
                    Next::Decide(decision) => self.decide(engine, context, target, decision),
                }
            }
            (Stage::LoadingConsent { context, target }, Outcome::Consent(remembered)) => {
                self.after_consent_read(engine, context, target, remembered)
            }
            (Stage::WritingCode { response }, Outcome::Written) => Step::Respond(response),
            _ => error_page(500, "unexpected store outcome"),
        }
    }

    fn start(
        self: Box<Self>,
        engine: &Engine,
        parsed: Result<
            Box<AuthorizationRequest>,
            Box<ostium_messages::authorization::AuthorizationRequestError>,
        >,
        session: Option<Authentication>,
        client: Option<Arc<Client>>,
        pushed: bool,
    ) -> Step {
        // Item 5: unknown client → error page.
        let Some(client) = client else {
            return error_page(400, "unknown client");
        };
        // Item 19: a request object's parameters replace the query's (RFC 9101 §6.3), redirect
        // URI included, so the request starts over from them. A bad object is answered at the
        // query's redirect URI, if that one is registered; otherwise with an error page.
        let mut parsed = parsed;
        let mut object_error = None;
        if let Some(object) = parsed
            .as_mut()
            .ok()
            .and_then(|request| request.request.take())
        {
            match crate::request_object::parameters(engine, &client, object.as_str(), self.now) {
                Ok(params) => {
                    let parsed = AuthorizationRequest::parse(&params).map(Box::new);
                    return self.start(engine, parsed, session, Some(client), pushed);
                }
                Err(refusal) => object_error = Some(refusal),
            }
        }
        let (redirect_uri, response_mode, openid) = match &parsed {
            Ok(request) => (
                request.redirect_uri.clone(),
                request.effective_response_mode(),
                request.scope.as_ref().is_some_and(|s| s.contains("openid")),
            ),
            Err(error) => (
                error.redirect_uri.clone(),
                error.response_mode.clone(),
                false,
            ),
        };
        // Items 5–8: exact match against the registration, or an error page.
        let Ok(target) = select_redirect_uri(
            &client.redirect_uris,
            redirect_uri.as_ref(),
            redirect_rule(&engine.config().profile, openid),
        ) else {
            return error_page(
                400,
                "the redirect_uri is missing or not registered for this client",
            );
        };
        // Item 12: an unsupported response mode is a plain 400, no redirect.
        if let ResponseMode::Unknown(mode) = &response_mode {
            return error_page(400, &format!("response_mode {mode} is not supported"));
        }
        let mut request = match parsed {
            Ok(request) => request,
            // A redirect_uri that was sent but is unreadable is "invalid": never redirect
            // (RFC 6749 §4.1.2.1), even when a single registration would allow omitting it.
            Err(failure) if failure.redirect_uri.is_none() => {
                return error_page(400, &failure.error.to_string());
            }
            Err(failure) => {
                let redirect = failure.to_error_redirect(Some(engine.config().issuer.clone()));
                return deliver(
                    &redirect.error.clone(),
                    redirect.state.as_ref(),
                    engine,
                    &target,
                    &response_mode,
                );
            }
        };
        let state = request.state.take();
        let fail = |code, text: &str| {
            deliver(
                &error(code, text),
                state.as_ref(),
                engine,
                &target,
                &response_mode,
            )
        };

        // Item 19: the request object's refusal, at the query's verified redirect URI.
        if let Some((code, text)) = object_error {
            return fail(code, text);
        }
        // Item 4: this server implements the code flow only (RFC 9700 §2.1.2).
        if request.response_type != Some(ResponseType::CODE) {
            return fail(
                AuthorizationErrorCode::UnsupportedResponseType,
                "only response_type=code is supported",
            );
        }
        if !client.may_use(GrantType::AuthorizationCode) {
            return fail(
                AuthorizationErrorCode::UnauthorizedClient,
                "the client may not use the code flow",
            );
        }
        let profile = &engine.config().profile;
        if !profile
            .client_auth_methods
            .contains(&client.credentials.method())
        {
            return fail(
                AuthorizationErrorCode::UnauthorizedClient,
                "the client's authentication method is not allowed here",
            );
        }
        // Only this server's own PAR request_uris are understood (taken above); others are not.
        if request.request_uri.is_some() {
            return fail(
                AuthorizationErrorCode::RequestUriNotSupported,
                "only request_uri values from the pushed authorization endpoint are supported",
            );
        }
        if engine.config().profile.require_pushed_requests && !pushed {
            return fail(
                AuthorizationErrorCode::InvalidRequest,
                "authorization requests must be pushed first (PAR)",
            );
        }
        // Items 26, 29 and RFC 9700 §2.1.1: PKCE (S256; `plain` is refused while parsing).
        if engine.config().profile.require_pkce && request.code_challenge.is_none() {
            return fail(
                AuthorizationErrorCode::InvalidRequest,
                "code_challenge (PKCE, S256) is required",
            );
        }
        let plain = request
            .code_challenge
            .as_ref()
            .is_some_and(|c| c.method() != CodeChallengeMethod::S256);
        if plain && !engine.config().profile.danger_allow_plain_pkce {
            return fail(
                AuthorizationErrorCode::InvalidRequest,
                "code_challenge_method must be S256",
            );
        }
        let config = engine.config();
        let granted =
            match config
                .scope_policy
                .grant(&config.catalog, &client.scope, request.scope.as_ref())
            {
                Ok(granted) => granted,
                Err(error) => {
                    return fail(AuthorizationErrorCode::InvalidScope, &error.to_string());
                }
            };
        // RFC 8707 §2 and RFC 9396 §5: only the resources and detail types the client may use.
        if !client.may_target(&request.resource) {
            return fail(
                AuthorizationErrorCode::InvalidTarget,
                "a requested resource is not available to this client",
            );
        }
        if !client.may_request_details(request.authorization_details.as_ref()) {
            return fail(
                AuthorizationErrorCode::InvalidAuthorizationDetails,
                "an authorization_details type is not available to this client",
            );
        }
        // Item 17: the hint must be an ID token this server issued; its subject is who must be
        // logged in.
        let hinted_subject = match &request.id_token_hint {
            None => None,
            Some(hint) => match crate::hint::verify(engine, hint.as_str()).map(|hint| hint.subject)
            {
                Some(subject) => Some(subject),
                None => {
                    return fail(
                        AuthorizationErrorCode::InvalidRequest,
                        "id_token_hint was not issued by this server",
                    );
                }
            },
        };
        // Everything checked: the request's values move out of its box into the context's.
        let mut context = Box::new(AuthorizationContext {
            client_id: request.client_id,
            redirect_uri: request.redirect_uri,
            response_mode,
            state,
            nonce: request.nonce,
            scope: granted.into_scope(),
            authorization_details: request.authorization_details,
            claims: request.claims,
            code_challenge: request.code_challenge,
            resources: request.resource,
            dpop_jkt: request.dpop_jkt,
            max_age: request.max_age,
            prompt_none: request.prompt.contains(&Prompt::None),
            prompt_login: request.prompt.contains(&Prompt::Login),
            prompt_consent: request.prompt.contains(&Prompt::Consent),
            prompt_select_account: request.prompt.contains(&Prompt::SelectAccount),
            login_hint: request.login_hint,
            acr_values: request.acr_values,
            hinted_subject,
            requested_at: self.now,
            authentication: None,
        });
        // Items 14–17: is the session good enough for this request?
        let session_ok = session.as_ref().is_some_and(|session| {
            !context.prompt_login
                && !context.prompt_select_account
                && satisfies(&context, session, self.now)
        });
        if !session_ok {
            if context.prompt_none {
                return self.redirect_error(
                    engine,
                    &context,
                    &target,
                    error(
                        AuthorizationErrorCode::LoginRequired,
                        "the user must log in",
                    ),
                );
            }
            return Step::Login(context);
        }
        context.authentication = session;
        self.after_login(engine, context, target)
    }

    fn after_login(
        mut self: Box<Self>,
        engine: &Engine,
        context: Box<AuthorizationContext>,
        target: MatchedRedirectUri,
    ) -> Step {
        let Some(authentication) = context.authentication.as_ref() else {
            return Step::Login(context);
        };
        // A login made for this request must be fresh when one was demanded (items 15, 16), and
        // be the hinted user (item 17).
        // OIDC Core §5.5.1.1: missing an essential `acr` is a failed authentication.
        if !crate::claims::acr_met(context.claims.as_ref(), authentication.acr.as_deref()) {
            return self.redirect_error(
                engine,
                &context,
                &target,
                error(
                    AuthorizationErrorCode::AccessDenied,
                    "the login does not reach the essential acr",
                ),
            );
        }
        let demanded_fresh = context.prompt_login || context.max_age == Some(0);
        let fresh_enough = !demanded_fresh
            || authentication.auth_time
                >= context.requested_at.saturating_sub(Duration::seconds(1));
        if !fresh_enough || !satisfies(&context, authentication, self.now) {
            return self.redirect_error(
                engine,
                &context,
                &target,
                error(
                    AuthorizationErrorCode::LoginRequired,
                    "the login does not satisfy the request",
                ),
            );
        }
        // Read with the client when the request came with this user's session.
        match self.prefetched_consent.take() {
            Some(prefetched) if prefetched.subject == authentication.subject => {
                self.after_consent_read(engine, context, target, prefetched.consent)
            }
            _ => {
                let effect = Effect::Consent {
                    subject: authentication.subject.clone(),
                    client_id: context.client_id.clone(),
                };
                self.stage = Stage::LoadingConsent { context, target };
                self.suspend(effect)
            }
        }
    }

    /// Continues once the user's remembered consent (if any) is known: skip the prompt when it
    /// covers the request (item 20), else ask, or fail for `prompt=none`.
    fn after_consent_read(
        self: Box<Self>,
        engine: &Engine,
        context: Box<AuthorizationContext>,
        target: MatchedRedirectUri,
        remembered: Option<Box<Consent>>,
    ) -> Step {
        let covered = remembered.is_some_and(|consent| {
            context.scope.is_subset(&consent.scope)
                && match (
                    &context.authorization_details,
                    &consent.authorization_details,
                ) {
                    (None, _) => true,
                    (Some(asked), Some(given)) => given.covers(asked),
                    (Some(_), None) => false,
                }
        });
        if covered && !context.prompt_consent {
            self.issue_code(engine, context, target, None)
        } else if context.prompt_none {
            self.redirect_error(
                engine,
                &context,
                &target,
                error(
                    AuthorizationErrorCode::ConsentRequired,
                    "consent is required",
                ),
            )
        } else {
            Step::Consent(context)
        }
    }

    fn decide(
        self: Box<Self>,
        engine: &Engine,
        mut context: Box<AuthorizationContext>,
        target: MatchedRedirectUri,
        decision: ConsentDecision,
    ) -> Step {
        if context.authentication.is_none() {
            return Step::Login(context);
        }
        match decision {
            // Item 21.
            ConsentDecision::Deny => self.redirect_error(
                engine,
                &context,
                &target,
                error(
                    AuthorizationErrorCode::AccessDenied,
                    "the user denied the request",
                ),
            ),
            ConsentDecision::Approve { scope, remember } => {
                if let Some(kept) = scope {
                    if !kept.is_subset(&context.scope) {
                        return self.redirect_error(
                            engine,
                            &context,
                            &target,
                            error(
                                AuthorizationErrorCode::InvalidScope,
                                "consent cannot widen the request",
                            ),
                        );
                    }
                    context.scope = kept;
                }
                let consent = remember
                    .then(|| {
                        context.authentication.as_ref().map(|a| Consent {
                            subject: a.subject.clone(),
                            client_id: context.client_id.clone(),
                            scope: context.scope.clone(),
                            authorization_details: context.authorization_details.clone(),
                            given_at: self.now,
                        })
                    })
                    .flatten();
                self.issue_code(engine, context, target, consent)
            }
        }
    }

    fn issue_code(
        mut self: Box<Self>,
        engine: &Engine,
        context: Box<AuthorizationContext>,
        target: MatchedRedirectUri,
        consent: Option<Consent>,
    ) -> Step {
        let Some(authentication) = context.authentication else {
            return Step::Login(context);
        };
        let (Some(code), Some(grant)) = (self.entropy.primary_secret(), self.entropy.grant_id())
        else {
            return error_page(500, "no randomness was drawn for this code");
        };
        let code_hash = code.hash();
        let Ok(wire_code) = AuthorizationCode::parse(code.as_str()) else {
            return error_page(500, "minted code is not a valid code");
        };
        let response = AuthorizationResponse::code(
            wire_code,
            context.state,
            Some(engine.config().issuer.clone()),
        );
        let response = match response.deliver(&target, &context.response_mode) {
            Ok(response) => response,
            Err(error) => return error_page(400, &error.to_string()),
        };
        // Item 22: offline_access only with consent and a code (both hold here).
        let scope =
            ostium_scope::oidc::without_unpermitted_offline_access(context.scope, true, true);
        let record = CodeRecord {
            grant,
            details: Arc::new(GrantDetails {
                client_id: context.client_id,
                authentication: Some(authentication),
                scope,
                authorization_details: context.authorization_details,
                claims: context.claims,
                refresh_jkt: None,
                resources: context.resources,
            }),
            redirect_uri: context.redirect_uri,
            code_challenge: context.code_challenge,
            nonce: context.nonce,
            dpop_jkt: context.dpop_jkt,
            issued_at: self.now,
            expires_at: self.now.saturating_add(engine.config().lifetimes.code),
        };
        let mut writes = vec![Write::Code(code_hash, Box::new(record))];
        if let Some(consent) = consent {
            writes.push(Write::Consent(Box::new(consent)));
        }
        self.stage = Stage::WritingCode { response };
        self.suspend(Effect::Write(writes))
    }

    fn redirect_error(
        &self,
        engine: &Engine,
        context: &AuthorizationContext,
        target: &MatchedRedirectUri,
        error: ErrorResponse<AuthorizationErrorCode>,
    ) -> Step {
        deliver(
            &error,
            context.state.as_ref(),
            engine,
            target,
            &context.response_mode,
        )
    }
}

/// Items 9–11: an error redirect carries only the error, `state` and `iss`.
fn deliver(
    error: &ErrorResponse<AuthorizationErrorCode>,
    state: Option<&State>,
    engine: &Engine,
    target: &MatchedRedirectUri,
    mode: &ResponseMode,
) -> Step {
    let redirect = AuthorizationErrorRedirect {
        error: error.clone(),
        state: state.cloned(),
        iss: Some(engine.config().issuer.clone()),
    };
    match redirect.deliver(target, mode) {
        Ok(response) => Step::Respond(response),
        Err(error) => error_page(400, &error.to_string()),
    }
}

/// Whether an authentication satisfies the request's `max_age`, `id_token_hint` and essential
/// `acr`.
fn satisfies(
    context: &AuthorizationContext,
    authentication: &Authentication,
    now: OffsetDateTime,
) -> bool {
    let age_ok = match context.max_age {
        None => true,
        Some(max_age) => {
            let max_age = Duration::seconds(i64::try_from(max_age).unwrap_or(i64::MAX));
            now - authentication.auth_time <= max_age
        }
    };
    let subject_ok = context
        .hinted_subject
        .as_ref()
        .is_none_or(|hinted| *hinted == authentication.subject);
    age_ok
        && subject_ok
        && crate::claims::acr_met(context.claims.as_ref(), authentication.acr.as_deref())
}

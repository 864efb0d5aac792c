//! RP-Initiated Logout (OpenID Connect RP-Initiated Logout 1.0 §2–§3): the `end_session_endpoint`.
//!
//! 1. Read the parameters (GET query or POST form). A malformed or repeated parameter gets an
//!    error page: this endpoint never redirects on error.
//! 2. An `id_token_hint` must be an ID token this server signed (expired or not); it names the
//!    user, the client and the login session. A `client_id` must agree with it.
//! 3. A `post_logout_redirect_uri` needs the client (from the hint or `client_id`), and must be
//!    one of its registered `post_logout_redirect_uris`, compared exactly (§3); the client is
//!    read from the store for that.
//! 4. [`Step::EndSession`] hands the embedder an [`EndSession`]: end the user's session (asking
//!    first when [`EndSession::needs_confirmation`]), then send [`EndSession::finish`]: a 303
//!    back to the client with `state`, or a plain page.

use std::fmt;

use ostium_messages::logout::{BACKCHANNEL_LOGOUT_EVENT, LogoutRequest};
use ostium_messages::redirect_uri::RedirectUri;
use ostium_messages::values::{ClientId, State};
use ostium_messages::{HttpRequest, HttpResponse, Params};

use ostium_rand::SecureRng;
use serde::Serialize;
use time::{Duration, OffsetDateTime};

use crate::Engine;
use crate::authorize::html_page;
use crate::client::Client;
use crate::records::Subject;
use crate::secret::Entropy;
use crate::step::{Pending, Step};
use crate::store::{Effect, Outcome, StoreError};

/// A valid logout request, for the embedder to act on (RP-Initiated Logout §2).
#[derive(Clone, Debug, PartialEq)]
pub struct EndSession {
    subject: Option<Subject>,
    client_id: Option<ClientId>,
    session_id: Option<String>,
    logout_hint: Option<String>,
    /// Where to send the browser afterwards, checked against the client's registration.
    redirect: Option<RedirectUri>,
    state: Option<State>,
}

impl EndSession {
    /// The user the `id_token_hint` names, if one was sent: end this user's session (and no
    /// other: if the browser's session is someone else's, ask before doing anything).
    pub fn subject(&self) -> Option<&Subject> {
        self.subject.as_ref()
    }

    /// The client asking, from the hint or `client_id`.
    pub fn client_id(&self) -> Option<&ClientId> {
        self.client_id.as_ref()
    }

    /// The login session (`sid`) the hint was issued in, if it carried one.
    pub fn session_id(&self) -> Option<&str> {
        self.session_id.as_deref()
    }

    /// `logout_hint`, as the client sent it (RP-Initiated Logout §2): a hint only.
    pub fn logout_hint(&self) -> Option<&str> {
        self.logout_hint.as_deref()
    }

    /// Whether to ask the user before logging them out: always when no `id_token_hint` came,
    /// since anyone can link to this endpoint (RP-Initiated Logout §2 and §6).
    pub fn needs_confirmation(&self) -> bool {
        self.subject.is_none()
    }

    /// The response to send once the session is ended: a 303 to the validated
    /// `post_logout_redirect_uri` with `state` (RP-Initiated Logout §3), or a page saying the
    /// user is logged out.
    pub fn finish(self) -> HttpResponse {
        let Some(redirect) = self.redirect else {
            return html_page(200, "Logged out", "You are logged out.");
        };
        let mut location = redirect.as_str().to_owned();
        if let Some(state) = &self.state {
            location.push(if location.contains('?') { '&' } else { '?' });
            location.push_str(&Params::from_iter([("state", state.as_str())]).encode());
        }
        HttpResponse::new(303)
            .with_header("location", location)
            .with_header("cache-control", "no-store")
    }
}

/// Why no logout token can be made for a client.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum LogoutTokenError {
    /// Neither a subject nor a session was given: a logout token names at least one
    /// (Back-Channel Logout §2.4).
    NothingToLogOut,
    /// The client requires `sid` (`backchannel_logout_session_required`) and none was given.
    SessionRequired,
    /// Randomness or signing failed.
    Server(String),
}

impl fmt::Display for LogoutTokenError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::NothingToLogOut => f.write_str("a logout token needs a subject or a session"),
            Self::SessionRequired => f.write_str("the client requires sid in logout tokens"),
            Self::Server(text) => f.write_str(text),
        }
    }
}

impl std::error::Error for LogoutTokenError {}

/// Back-Channel Logout §2.4 logout token claims.
#[derive(Serialize)]
struct LogoutTokenClaims<'a> {
    iss: &'a str,
    aud: &'a str,
    iat: i64,
    exp: i64,
    jti: String,
    events: Events,
    #[serde(skip_serializing_if = "Option::is_none")]
    sub: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    sid: Option<&'a str>,
}

/// `{"http://schemas.openid.net/event/backchannel-logout": {}}`.
struct Events;

impl Serialize for Events {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut map = serializer.serialize_map(Some(1))?;
        map.serialize_entry(BACKCHANNEL_LOGOUT_EVENT, &serde_json::Map::new())?;
        map.end()
    }
}

/// How long a logout token is valid: Back-Channel Logout §2.4 recommends at most two minutes.
const LOGOUT_TOKEN_LIFETIME: Duration = Duration::minutes(2);

impl Engine {
    /// A logout token for `client` (OpenID Connect Back-Channel Logout 1.0 §2.4): signed with the
    /// active key, `typ` `logout+jwt`, naming the user `subject` and/or the login session
    /// `session_id`, valid for two minutes, with a fresh `jti` from `rng`. After ending a
    /// session ([`Step::EndSession`]), POST one as `logout_token` to the
    /// [`backchannel_logout_uri`](crate::Client::backchannel_logout_uri) of each client the
    /// session signed in to (the engine keeps no session list: that is the embedder's).
    ///
    /// # Errors
    ///
    /// [`LogoutTokenError`]: nothing to log out, a client that requires `sid` without one, or a
    /// randomness or signing failure.
    pub fn logout_token(
        &self,
        client: &Client,
        subject: Option<&Subject>,
        session_id: Option<&str>,
        now: OffsetDateTime,
        rng: &mut (impl SecureRng + ?Sized),
    ) -> Result<String, LogoutTokenError> {
        if subject.is_none() && session_id.is_none() {
            return Err(LogoutTokenError::NothingToLogOut);
        }
        if client.backchannel_logout_session_required && session_id.is_none() {
            return Err(LogoutTokenError::SessionRequired);
        }
        let jti = Entropy::draw(rng, Entropy::REQUEST_URI)
            .ok()
            .and_then(|mut entropy| entropy.jti())
            .ok_or_else(|| LogoutTokenError::Server("randomness unavailable".into()))?;
        let claims = LogoutTokenClaims {
            iss: self.config().issuer.as_str(),
            aud: client.id.as_str(),
            iat: now.unix_timestamp(),
            exp: now.saturating_add(LOGOUT_TOKEN_LIFETIME).unix_timestamp(),
            jti,
            events: Events,
            sub: subject.map(Subject::as_str),
            sid: session_id,
        };
        self.sign("logout+jwt", &claims)
            .map_err(|_| LogoutTokenError::Server("signing failed".into()))
    }
}

/// The end-session endpoint's suspended state: the request, waiting for its client.
pub(crate) struct LogoutFlow {
    end: Box<EndSession>,
}

fn error_page(text: &str) -> Step {
    Step::Respond(html_page(400, "Logout error", text))
}

impl Engine {
    /// Handles an RP-initiated logout request (GET or POST, RP-Initiated Logout §2). Ends in
    /// [`Step::EndSession`], or an error page.
    pub fn end_session(&self, request: &HttpRequest<'_>) -> Step {
        let params = match request.method {
            "POST" => Params::parse_form(request.content_type, request.body),
            _ => Params::parse_query(request.query.unwrap_or_default()),
        };
        let parsed = match params
            .map_err(|e| e.to_string())
            .and_then(|params| LogoutRequest::parse(&params).map_err(|e| e.to_string()))
        {
            Ok(parsed) => parsed,
            Err(text) => return error_page(&text),
        };
        let hint = match &parsed.id_token_hint {
            Some(token) => match crate::hint::verify(self, token.as_str()) {
                Some(hint) => Some(hint),
                None => return error_page("id_token_hint is not an ID token of this server"),
            },
            None => None,
        };
        let hinted_client = hint.as_ref().and_then(|hint| hint.client.as_deref());
        let client_id = match (hinted_client, parsed.client_id) {
            (Some(hinted), Some(sent)) if hinted != sent.as_str() => {
                return error_page("client_id is not the client of the id_token_hint");
            }
            (_, Some(sent)) => Some(sent),
            (Some(hinted), None) => ClientId::parse(hinted).ok(),
            (None, None) => None,
        };
        let (subject, session_id) =
            hint.map_or((None, None), |hint| (Some(hint.subject), hint.session_id));
        let end = Box::new(EndSession {
            subject,
            client_id,
            session_id,
            logout_hint: parsed.logout_hint,
            redirect: parsed.post_logout_redirect_uri,
            state: parsed.state,
        });
        if end.redirect.is_none() {
            return Step::EndSession(end);
        }
        // §3: a redirect needs to know whose registration to check it against.
        let Some(client_id) = end.client_id.clone() else {
            return error_page("post_logout_redirect_uri needs id_token_hint or client_id");
        };
        Step::Effect(Pending::new(Effect::Client(client_id), LogoutFlow { end }))
    }
}

impl LogoutFlow {
    pub(crate) fn resume(self, outcome: Result<Outcome, StoreError>) -> Step {
        let client = match outcome {
            Ok(Outcome::Client(Some(client))) => client,
            Ok(Outcome::Client(None)) => return error_page("unknown client"),
            _ => {
                return Step::Respond(html_page(
                    500,
                    "Server error",
                    "The server's storage is unavailable.",
                ));
            }
        };
        let registered = self.end.redirect.as_ref().is_some_and(|redirect| {
            client
                .post_logout_redirect_uris
                .iter()
                .any(|uri| uri.matches(redirect))
        });
        if registered {
            Step::EndSession(self.end)
        } else {
            error_page("post_logout_redirect_uri is not registered for this client")
        }
    }
}

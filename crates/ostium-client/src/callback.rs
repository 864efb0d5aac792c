//! The authorization response at the redirect URI (RFC 6749 §4.1.2, §4.1.2.1; RFC 9207 §2.4;
//! OIDC Core §3.1.2.5–6, §3.3.2.5).

use ostium_messages::authorization::AuthorizationCallback;
use ostium_messages::{AuthorizationCode, Params, TokenString};

use crate::client::Client;
use crate::error::{CallbackError, ClientError};
use crate::pending::PendingAuthorization;

/// A callback that passed every check: the code to exchange, with the pending request it
/// belongs to. Exchange it once, with
/// [`Client::code_exchange_request`](crate::Client::code_exchange_request).
#[derive(Clone, Debug)]
pub struct AuthorizedCode {
    pub(crate) code: AuthorizationCode,
    pub(crate) pending: PendingAuthorization,
    pub(crate) front_channel_id_token: Option<TokenString>,
}

impl AuthorizedCode {
    /// The authorization code (a secret: `Debug` redacts it).
    pub fn code(&self) -> &AuthorizationCode {
        &self.code
    }

    /// The pending request the callback answered.
    pub fn pending(&self) -> &PendingAuthorization {
        &self.pending
    }

    /// The ID token of a hybrid response (`code id_token`), not yet validated: validate it
    /// with [`Client::validate_front_channel_id_token`](crate::Client::validate_front_channel_id_token).
    pub fn front_channel_id_token(&self) -> Option<&TokenString> {
        self.front_channel_id_token.as_ref()
    }
}

impl Client {
    /// Handles the callback whose parameters are `params` (the redirect URI's query, or the
    /// body of a `form_post`), for the request `pending`. Checks, in order:
    ///
    /// 1. the parameters are well formed and none is repeated; unknown ones are ignored
    ///    (RFC 6749 §4.1.2; checklist item 65);
    /// 2. `state` equals the one sent, compared in constant time (RFC 6749 §10.12; item 57);
    /// 3. `iss`, when present, equals the issuer the request was sent to, by simple string
    ///    comparison; it is required when the provider advertises it (RFC 9207 §2.4; item 59);
    /// 4. an error response becomes [`CallbackError::Denied`];
    /// 5. a success carries a `code` (and an `id_token` when the response type has one).
    ///
    /// `pending` is consumed: a callback is handled once (item 57). The embedder deletes its
    /// stored copy before calling this.
    ///
    /// # Errors
    ///
    /// [`ClientError::Callback`] naming the failed check.
    pub fn handle_callback(
        &self,
        pending: PendingAuthorization,
        params: &Params,
    ) -> Result<AuthorizedCode, ClientError> {
        let callback = AuthorizationCallback::parse(params)
            .map_err(|e| CallbackError::Malformed(e.to_string()))?;
        let (state, iss) = match &callback {
            AuthorizationCallback::Success(success) => (&success.state, &success.iss),
            AuthorizationCallback::Error(error) => (&error.state, &error.iss),
            _ => return Err(CallbackError::Malformed("unknown callback kind".into()).into()),
        };
        let state_matches = state.as_ref().is_some_and(|s| {
            ostium_rand::constant_time_eq(s.as_str().as_bytes(), pending.state.as_str().as_bytes())
        });
        if !state_matches {
            return Err(CallbackError::StateMismatch.into());
        }
        match iss {
            Some(iss) if iss.as_str() != pending.issuer.as_str() => {
                return Err(CallbackError::IssuerMismatch {
                    expected: pending.issuer.as_str().to_owned(),
                    found: iss.as_str().to_owned(),
                }
                .into());
            }
            None if self.provider.iss_parameter_supported => {
                return Err(CallbackError::IssuerMissing.into());
            }
            _ => {}
        }
        let success = match callback {
            AuthorizationCallback::Success(success) => success,
            AuthorizationCallback::Error(error) => {
                return Err(CallbackError::Denied(error.error).into());
            }
            _ => return Err(CallbackError::Malformed("unknown callback kind".into()).into()),
        };
        let code = success.code.ok_or(CallbackError::MissingCode)?;
        let front_channel_id_token = if pending.response_type.has_id_token() {
            Some(success.id_token.ok_or(CallbackError::MissingIdToken)?)
        } else {
            // Not asked for: ignored, never used.
            None
        };
        Ok(AuthorizedCode {
            code,
            pending,
            front_channel_id_token,
        })
    }

    /// [`handle_callback`](Self::handle_callback) for a query string (without `?`).
    ///
    /// # Errors
    ///
    /// As [`handle_callback`](Self::handle_callback).
    pub fn handle_callback_query(
        &self,
        pending: PendingAuthorization,
        query: &str,
    ) -> Result<AuthorizedCode, ClientError> {
        let params =
            Params::parse_query(query).map_err(|e| CallbackError::Malformed(e.to_string()))?;
        self.handle_callback(pending, &params)
    }

    /// [`handle_callback`](Self::handle_callback) for the whole URL the user agent was sent to
    /// (e.g. the `Location` of the provider's redirect): its query, or its fragment when it has
    /// no query (the fragment response mode).
    ///
    /// # Errors
    ///
    /// As [`handle_callback`](Self::handle_callback).
    pub fn handle_callback_url(
        &self,
        pending: PendingAuthorization,
        url: &str,
    ) -> Result<AuthorizedCode, ClientError> {
        let (before_fragment, fragment) = url.split_once('#').unwrap_or((url, ""));
        let parameters = match before_fragment.split_once('?') {
            Some((_, query)) if !query.is_empty() => query,
            _ => fragment,
        };
        self.handle_callback_query(pending, parameters)
    }
}

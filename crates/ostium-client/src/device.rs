//! The device authorization grant (RFC 8628) as a state machine: request a user code, then poll
//! the token endpoint at the server's pace until the user approves, denies, or the code expires.

use ostium_messages::device::DeviceAuthorizationResponse;
use ostium_messages::error::{ErrorResponse, TokenErrorCode};
use ostium_messages::{AbsoluteUri, DeviceCode, Grant, HttpResponse, Params, Scope, UserCode};
use ostium_rand::SecureRng;
use time::{Duration, OffsetDateTime};

use crate::client::Client;
use crate::error::{ClientError, ResponseError};
use crate::http::OutboundRequest;
use crate::provider::{ProviderConfig, check_json};
use crate::token::{TokenStep, dpop_nonce_demand, server_error};

/// RFC 8628 §3.2: "If no value is provided, clients MUST use 5 as the default."
const DEFAULT_INTERVAL: Duration = Duration::seconds(5);
/// RFC 8628 §3.5: `slow_down` increases the interval by 5 seconds.
const SLOW_DOWN_STEP: Duration = Duration::seconds(5);

/// A device authorization in progress: what to show the user, and the polling state.
#[derive(Clone, Debug)]
pub struct DeviceAuthorization {
    device_code: DeviceCode,
    user_code: UserCode,
    verification_uri: AbsoluteUri,
    verification_uri_complete: Option<AbsoluteUri>,
    expires_at: OffsetDateTime,
    interval: Duration,
    next_poll_at: OffsetDateTime,
    finished: bool,
}

impl DeviceAuthorization {
    /// The code the user types at the verification URI (RFC 8628 §3.3).
    pub fn user_code(&self) -> &UserCode {
        &self.user_code
    }

    /// Where the user goes (RFC 8628 §3.3).
    pub fn verification_uri(&self) -> &AbsoluteUri {
        &self.verification_uri
    }

    /// The verification URI with the user code in it, for a QR code (RFC 8628 §3.3.1).
    pub fn verification_uri_complete(&self) -> Option<&AbsoluteUri> {
        self.verification_uri_complete.as_ref()
    }

    /// When the device code expires.
    pub fn expires_at(&self) -> OffsetDateTime {
        self.expires_at
    }

    /// The current polling interval (5 s unless the server said otherwise; +5 s per
    /// `slow_down`).
    pub fn interval(&self) -> Duration {
        self.interval
    }

    /// The earliest time of the next poll.
    pub fn next_poll_at(&self) -> OffsetDateTime {
        self.next_poll_at
    }
}

/// What to do now.
#[derive(Clone, Debug)]
#[must_use]
#[non_exhaustive]
pub enum DevicePoll {
    /// Too early: poll again at `until` (polling faster gets `slow_down`).
    Wait {
        /// The earliest time of the next poll.
        until: OffsetDateTime,
    },
    /// Send this token request, then read the answer with
    /// [`Client::device_poll_response`].
    Send(OutboundRequest),
    /// The device code has expired: start again.
    Expired,
}

/// The outcome of one poll (RFC 8628 §3.5).
// Made once per flow and matched at once: boxing the large variant would only make matching
// clumsier.
#[allow(clippy::large_enum_variant)]
#[derive(Clone, Debug)]
#[must_use]
#[non_exhaustive]
pub enum DeviceStep {
    /// `authorization_pending`: the user has not finished; poll again at `next_poll_at`.
    Pending {
        /// The earliest time of the next poll.
        next_poll_at: OffsetDateTime,
    },
    /// `slow_down`: the interval grew by 5 s; poll again at `next_poll_at`.
    SlowDown {
        /// The new interval.
        interval: Duration,
        /// The earliest time of the next poll.
        next_poll_at: OffsetDateTime,
    },
    /// The user approved.
    Tokens(crate::TokenSet),
    /// `access_denied`: the user refused.
    Denied,
    /// `expired_token`: the device code expired; start again.
    Expired,
    /// The server wants a DPoP nonce (RFC 9449 §8): poll again now with a proof carrying it.
    RetryWithDpopNonce(String),
}

impl Client {
    /// The device authorization request (RFC 8628 §3.1), authenticated as at the token
    /// endpoint.
    ///
    /// # Errors
    ///
    /// [`ClientError::Misuse`] without a device authorization endpoint; [`ClientError::Signing`],
    /// [`ClientError::Random`] for JWT client authentication.
    pub fn device_authorization_request(
        &self,
        scope: Option<Scope>,
        rng: &mut (impl SecureRng + ?Sized),
        now: OffsetDateTime,
    ) -> Result<OutboundRequest, ClientError> {
        let endpoint = ProviderConfig::endpoint(
            &self.provider.device_authorization_endpoint,
            "the provider has no device_authorization_endpoint",
        )?;
        // RFC 8628 §3.1: the client authentication and `scope`.
        let mut params = Params::new();
        params.push_opt("scope", scope.as_ref().map(ToString::to_string));
        let authorization = self.authentication(endpoint, rng, now)?.apply(&mut params);
        Ok(OutboundRequest::form_post(endpoint, &params, authorization))
    }

    /// Reads the device authorization response (RFC 8628 §3.2), received at `now`.
    ///
    /// # Errors
    ///
    /// [`ClientError::Response`] for an error or a malformed response.
    pub fn device_authorization_response(
        &self,
        response: &HttpResponse,
        now: OffsetDateTime,
    ) -> Result<DeviceAuthorization, ClientError> {
        if response.status() != 200 {
            return Err(server_error(response).into());
        }
        check_json(response)?;
        let parsed =
            DeviceAuthorizationResponse::parse_json_lenient(response.body(), self.leniency)
                .map_err(ResponseError::Json)?;
        let seconds = |s: u64| {
            Duration::seconds(i64::try_from(s.min(u64::from(u32::MAX))).unwrap_or_default())
        };
        let interval = parsed.interval.map_or(DEFAULT_INTERVAL, seconds);
        Ok(DeviceAuthorization {
            device_code: parsed.device_code,
            user_code: parsed.user_code,
            verification_uri: parsed.verification_uri,
            verification_uri_complete: parsed.verification_uri_complete,
            expires_at: now.saturating_add(seconds(parsed.expires_in)),
            interval,
            next_poll_at: now.saturating_add(interval),
            finished: false,
        })
    }

    /// Decides whether to poll now (RFC 8628 §3.4–3.5): wait until the interval has passed,
    /// give up once the device code has expired, else send a token request (and count the
    /// interval from now).
    ///
    /// # Errors
    ///
    /// [`ClientError::Misuse`] after the flow has finished (tokens or denial); as
    /// [`token_request`](Self::token_request).
    pub fn device_poll(
        &self,
        flow: &mut DeviceAuthorization,
        rng: &mut (impl SecureRng + ?Sized),
        now: OffsetDateTime,
    ) -> Result<DevicePoll, ClientError> {
        if flow.finished {
            return Err(ClientError::Misuse("the device authorization has finished"));
        }
        if now >= flow.expires_at {
            return Ok(DevicePoll::Expired);
        }
        if now < flow.next_poll_at {
            return Ok(DevicePoll::Wait {
                until: flow.next_poll_at,
            });
        }
        let request = self.token_request(
            Grant::DeviceCode {
                device_code: flow.device_code.clone(),
            },
            rng,
            now,
        )?;
        flow.next_poll_at = now.saturating_add(flow.interval);
        Ok(DevicePoll::Send(request))
    }

    /// Reads the answer to a poll, received at `now`.
    ///
    /// # Errors
    ///
    /// [`ClientError::Response`] for errors other than the four of RFC 8628 §3.5 (e.g.
    /// `invalid_client`), or a malformed response.
    pub fn device_poll_response(
        &self,
        flow: &mut DeviceAuthorization,
        response: &HttpResponse,
        now: OffsetDateTime,
    ) -> Result<DeviceStep, ClientError> {
        if response.status() == 200 {
            flow.finished = true;
            return match self.token_response(response, now)? {
                TokenStep::Tokens(tokens) => Ok(DeviceStep::Tokens(tokens)),
                TokenStep::RetryWithDpopNonce(nonce) => Ok(DeviceStep::RetryWithDpopNonce(nonce)),
                TokenStep::RefreshJwks(_) => Err(ClientError::Misuse(
                    "device token responses are read without ID token validation",
                )),
            };
        }
        if let Some(nonce) = dpop_nonce_demand(response) {
            flow.next_poll_at = now;
            return Ok(DeviceStep::RetryWithDpopNonce(nonce));
        }
        let error = ErrorResponse::<TokenErrorCode>::parse_json_lenient(response.body())
            .map_err(|_| server_error(response))?;
        match error.error.as_str().as_ref() {
            "authorization_pending" => {
                flow.next_poll_at = now.saturating_add(flow.interval);
                Ok(DeviceStep::Pending {
                    next_poll_at: flow.next_poll_at,
                })
            }
            "slow_down" => {
                flow.interval = flow.interval.saturating_add(SLOW_DOWN_STEP);
                flow.next_poll_at = now.saturating_add(flow.interval);
                Ok(DeviceStep::SlowDown {
                    interval: flow.interval,
                    next_poll_at: flow.next_poll_at,
                })
            }
            "access_denied" => {
                flow.finished = true;
                Ok(DeviceStep::Denied)
            }
            "expired_token" => {
                flow.finished = true;
                Ok(DeviceStep::Expired)
            }
            _ => Err(ResponseError::Server {
                status: response.status(),
                error,
            }
            .into()),
        }
    }
}

//! The device authorization grant (RFC 8628), for devices without a browser or keyboard.
//!
//! 1. **Device authorization endpoint** ([`Engine::device_authorization`], §3.1–§3.2): parse the
//!    request, authenticate the client (a public client names itself), check that it may use
//!    the device grant, the scope it may have and its resources. Store the request under the
//!    hash of a device code (256 bits) and of a user code (eight letters of a 20-consonant
//!    alphabet, §6.1), and answer both with the verification URI, `expires_in` and `interval`.
//! 2. **Verification page** ([`Engine::device_verification`], §3.3): the user types the user
//!    code (case, spaces and dashes do not matter). A known, pending, unexpired code gives
//!    [`Step::DeviceConsent`] with a [`DeviceContext`] to show; anything else an error page.
//! 3. **The user's answer** ([`Engine::device_decided`]): approve (possibly a narrower scope) or
//!    deny. It is recorded only while the request is still pending.
//! 4. **Polling** is the token endpoint's `device_code` grant ([`Engine::token`], §3.4–§3.5):
//!    `authorization_pending`, `slow_down` (+5 s to the interval), `access_denied`,
//!    `expired_token`, and the tokens once, after approval.
//!
//! A user code carries about 34.6 bits: enough against guessing only while guesses are few.
//! Rate-limit the verification page per user and per address (RFC 8628 §5.1); codes expire
//! after [`Lifetimes::device_code`](crate::Lifetimes::device_code).

use std::sync::Arc;

use ostium_messages::client_auth::ClientAuthentication;
use ostium_messages::device::{DeviceAuthorizationRequest, DeviceAuthorizationResponse};
use ostium_messages::values::{AbsoluteUri, ClientId, DeviceCode, UserCode};
use ostium_messages::{ErrorResponse, HttpRequest, HttpResponse, TokenErrorCode};
use ostium_rand::SecureRng;
use ostium_scope::Scope;
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use crate::Engine;
use crate::authorize::{ConsentDecision, html_page};
use crate::client::{Client, GrantType};
use crate::client_write::{ClientWrite, ClientWriteFlow};
use crate::issue::server_error;
use crate::records::{Authentication, Consent, DeviceRecord, DeviceStatus, GrantDetails};
use crate::secret::{Entropy, SecretHash, USER_CODE_OCTETS};
use crate::step::{Pending, Step};
use crate::store::{Effect, Outcome, StoreError, Write};

/// The user-code alphabet of RFC 8628 §6.1: 20 consonants, no vowels (no words), no look-alikes.
const ALPHABET: &[u8; 20] = b"BCDFGHJKLMNPQRSTVWXZ";

/// Characters in a user code: 20⁸ ≈ 2^34.6 codes.
const USER_CODE_LEN: usize = 8;

/// The longest input the verification page looks at: a code with generous spacing.
const MAX_TYPED_LEN: usize = 64;

/// The user code for `octets`, as shown: `WDJB-MJHT`. The 64-bit value is reduced modulo 20⁸
/// (bias below 2⁻³⁰).
fn user_code(octets: [u8; USER_CODE_OCTETS]) -> String {
    let mut value = u64::from_le_bytes(octets);
    let mut code = String::with_capacity(USER_CODE_LEN + 1);
    for index in 0..USER_CODE_LEN {
        if index == USER_CODE_LEN / 2 {
            code.push('-');
        }
        let digit = usize::try_from(value % 20).unwrap_or(0);
        value /= 20;
        code.push(char::from(ALPHABET.get(digit).copied().unwrap_or(b'B')));
    }
    code
}

/// A typed user code in canonical form (upper case, no separators), if it can be one: case,
/// spaces and dashes are ignored (RFC 8628 §6.1).
fn normalize_user_code(typed: &str) -> Option<String> {
    if typed.len() > MAX_TYPED_LEN {
        return None;
    }
    let code: String = typed
        .chars()
        .filter(|c| *c != '-' && !c.is_whitespace())
        .map(|c| c.to_ascii_uppercase())
        .collect();
    (code.len() == USER_CODE_LEN && code.bytes().all(|b| ALPHABET.contains(&b))).then_some(code)
}

/// What the user is asked to approve on the device verification page (RFC 8628 §3.3).
///
/// It serializes, so that it can wait in a server-side session while the user logs in. Keep it
/// on the server, as [`crate::AuthorizationContext`]: it states what the user is about to grant.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DeviceContext {
    /// The user code, canonical.
    user_code: String,
    client_id: ClientId,
    scope: Scope,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    resources: Vec<AbsoluteUri>,
    #[serde(with = "time::serde::timestamp")]
    expires_at: OffsetDateTime,
}

impl DeviceContext {
    /// The client asking: show its name, so that the user can tell whether this is the device
    /// in front of them (RFC 8628 §5.4).
    pub fn client_id(&self) -> &ClientId {
        &self.client_id
    }

    /// The scope the device would be granted (already narrowed to what the client may have).
    pub fn scope(&self) -> &Scope {
        &self.scope
    }

    /// The RFC 8707 resources requested.
    pub fn resources(&self) -> &[AbsoluteUri] {
        &self.resources
    }

    /// The user code, as the device shows it (`WDJB-MJHT`), for the user to compare.
    pub fn user_code(&self) -> String {
        let (first, second) = self.user_code.split_at(USER_CODE_LEN / 2);
        format!("{first}-{second}")
    }

    /// When the code expires: an answer after that is refused.
    pub fn expires_at(&self) -> OffsetDateTime {
        self.expires_at
    }
}

/// The device authorization endpoint, once its request is parsed: its randomness and the
/// request.
pub(crate) struct DeviceEndpoint {
    entropy: Entropy,
    request: DeviceAuthorizationRequest,
}

/// The device authorization endpoint's suspended state.
pub(crate) type DeviceFlow = ClientWriteFlow<DeviceEndpoint>;

/// The verification page's and the user's answer's suspended state.
pub(crate) struct VerificationFlow {
    now: OffsetDateTime,
    user_code: String,
    stage: Stage,
}

enum Stage {
    LookingUp,
    Deciding {
        approved: bool,
        consent: Option<Box<Consent>>,
    },
    WritingConsent,
    Finished,
}

fn refused(code: TokenErrorCode, text: &str) -> ErrorResponse<TokenErrorCode> {
    ErrorResponse::new(code).with_description(text)
}

/// The verification page's answer when a code cannot be used.
fn unusable_code() -> Step {
    Step::Respond(html_page(
        400,
        "Unknown code",
        "This code is unknown, expired or already used. Start again on your device.",
    ))
}

impl Engine {
    /// Handles a device authorization request (RFC 8628 §3.1). `rng` is drawn from once.
    pub fn device_authorization(
        &self,
        request: &HttpRequest<'_>,
        now: OffsetDateTime,
        rng: &mut (impl SecureRng + ?Sized),
    ) -> Step {
        if self.config().device_endpoints().is_none() {
            return self.token_error(&refused(
                TokenErrorCode::InvalidRequest,
                "the device grant is not offered",
            ));
        }
        DeviceFlow::begin(
            self,
            now,
            rng,
            Entropy::DEVICE,
            DeviceAuthorizationRequest::parse(request),
            |entropy, request| DeviceEndpoint { entropy, request },
        )
    }

    /// The device verification page: the user typed `user_code` (RFC 8628 §3.3). Ends in
    /// [`Step::DeviceConsent`] for a pending code (log the user in if needed, show the context,
    /// then call [`Engine::device_decided`]), or an error page.
    pub fn device_verification(&self, user_code: &str, now: OffsetDateTime) -> Step {
        let Some(user_code) = normalize_user_code(user_code) else {
            return unusable_code();
        };
        let hash = SecretHash::of(&user_code);
        let flow = VerificationFlow {
            now,
            user_code,
            stage: Stage::LookingUp,
        };
        flow.suspend(Effect::DeviceByUserCode(hash))
    }

    /// Records the logged-in user's answer to a device authorization (answering
    /// [`Step::DeviceConsent`]), and answers with a page saying the device may go on. Approving
    /// with a narrower `scope` grants only that; `remember` stores the consent, as at the
    /// authorization endpoint. `rng` is drawn from once, for the new grant's id.
    pub fn device_decided(
        &self,
        context: impl Into<Box<DeviceContext>>,
        authentication: Authentication,
        decision: ConsentDecision,
        now: OffsetDateTime,
        rng: &mut (impl SecureRng + ?Sized),
    ) -> Step {
        let context = context.into();
        if now >= context.expires_at {
            return unusable_code();
        }
        let user_code = SecretHash::of(&context.user_code);
        let (decision, approved, consent) = match decision {
            ConsentDecision::Deny => (DeviceStatus::Denied, false, None),
            ConsentDecision::Approve { scope, remember } => {
                let scope = match scope {
                    Some(kept) if !kept.is_subset(&context.scope) => {
                        return Step::Respond(html_page(
                            400,
                            "Not allowed",
                            "The approval cannot grant more than the device asked for.",
                        ));
                    }
                    Some(kept) => kept,
                    None => context.scope.clone(),
                };
                let Some(grant) = Entropy::draw(rng, Entropy::CODE)
                    .ok()
                    .and_then(|mut entropy| entropy.grant_id())
                else {
                    return Step::Respond(html_page(
                        500,
                        "Server error",
                        "The server could not generate randomness.",
                    ));
                };
                let consent = remember.then(|| {
                    Box::new(Consent {
                        subject: authentication.subject.clone(),
                        client_id: context.client_id.clone(),
                        scope: scope.clone(),
                        authorization_details: None,
                        given_at: now,
                    })
                });
                // The user consented here and the device gets its tokens from the token
                // endpoint, as a code flow would: `offline_access` may stand (OIDC Core §11).
                let scope =
                    ostium_scope::oidc::without_unpermitted_offline_access(scope, true, true);
                let details = Arc::new(GrantDetails {
                    client_id: context.client_id.clone(),
                    scope,
                    authorization_details: None,
                    resources: context.resources.clone(),
                    authentication: Some(authentication),
                    claims: None,
                    refresh_jkt: None,
                });
                (DeviceStatus::Approved { grant, details }, true, consent)
            }
        };
        let flow = VerificationFlow {
            now,
            user_code: context.user_code,
            stage: Stage::Deciding { approved, consent },
        };
        flow.suspend(Effect::DecideDevice {
            user_code,
            decision,
        })
    }
}

impl ClientWrite for DeviceEndpoint {
    fn client_auth(&mut self) -> &mut ClientAuthentication {
        &mut self.request.client_auth
    }

    fn decide(
        &mut self,
        engine: &Engine,
        now: OffsetDateTime,
        client: &Arc<Client>,
    ) -> Result<(Vec<Write>, HttpResponse), ErrorResponse<TokenErrorCode>> {
        if !client.may_use(GrantType::DeviceCode) {
            return Err(refused(
                TokenErrorCode::UnauthorizedClient,
                "the client may not use the device grant",
            ));
        }
        let config = engine.config();
        let scope = config
            .scope_policy
            .grant(&config.catalog, &client.scope, self.request.scope.as_ref())
            .map_err(|error| refused(TokenErrorCode::InvalidScope, &error.to_string()))?
            .into_scope();
        if !client.may_target(&self.request.resource) {
            return Err(refused(
                TokenErrorCode::InvalidTarget,
                "a requested resource is not available to this client",
            ));
        }
        let (Some(device_code), Some(octets)) = (
            self.entropy.primary_secret(),
            self.entropy.user_code_octets(),
        ) else {
            return Err(server_error("no randomness was drawn for this request"));
        };
        let shown = user_code(octets);
        let canonical: String = shown.chars().filter(|c| *c != '-').collect();
        let (_, verification) = config
            .device_endpoints()
            .ok_or_else(|| server_error("the device grant is not offered"))?;
        let separator = if verification.contains('?') { '&' } else { '?' };
        let (Ok(wire_device_code), Ok(wire_user_code), Ok(verification_uri), Ok(complete)) = (
            DeviceCode::parse(device_code.as_str()),
            UserCode::parse(&shown),
            AbsoluteUri::parse(verification),
            AbsoluteUri::parse(&format!("{verification}{separator}user_code={shown}")),
        ) else {
            return Err(server_error("the device verification URI is invalid"));
        };
        let lifetimes = config.lifetimes;
        let interval = u64::try_from(lifetimes.device_poll_interval.whole_seconds()).unwrap_or(5);
        let record = DeviceRecord {
            client_id: client.id.clone(),
            scope,
            resources: std::mem::take(&mut self.request.resource),
            status: DeviceStatus::Pending,
            interval,
            last_poll: None,
            expires_at: now.saturating_add(lifetimes.device_code),
        };
        let mut response = DeviceAuthorizationResponse::new(
            wire_device_code,
            wire_user_code,
            verification_uri,
            u64::try_from(lifetimes.device_code.whole_seconds()).unwrap_or(0),
        );
        response.verification_uri_complete = Some(complete);
        response.interval = Some(interval);
        let write = Write::Device {
            device_code: device_code.hash(),
            user_code: SecretHash::of(&canonical),
            record: Box::new(record),
        };
        Ok((vec![write], response.to_response()))
    }
}

impl VerificationFlow {
    fn suspend(self, effect: Effect) -> Step {
        Step::Effect(Pending::new(effect, self))
    }

    pub(crate) fn resume(mut self, _engine: &Engine, outcome: Result<Outcome, StoreError>) -> Step {
        let Ok(outcome) = outcome else {
            return Step::Respond(html_page(
                500,
                "Server error",
                "The server's storage is unavailable.",
            ));
        };
        match (std::mem::replace(&mut self.stage, Stage::Finished), outcome) {
            (Stage::LookingUp, Outcome::Device(Some(record)))
                if record.status == DeviceStatus::Pending && self.now < record.expires_at =>
            {
                let record = *record;
                Step::DeviceConsent(Box::new(DeviceContext {
                    user_code: self.user_code,
                    client_id: record.client_id,
                    scope: record.scope,
                    resources: record.resources,
                    expires_at: record.expires_at,
                }))
            }
            (Stage::LookingUp, Outcome::Device(_))
            | (Stage::Deciding { .. }, Outcome::DeviceDecided(false)) => unusable_code(),
            (Stage::Deciding { approved, consent }, Outcome::DeviceDecided(true)) => {
                match consent {
                    Some(consent) if approved => {
                        self.stage = Stage::WritingConsent;
                        self.suspend(Effect::Write(vec![Write::Consent(consent)]))
                    }
                    _ => Step::Respond(decided_page(approved)),
                }
            }
            (Stage::WritingConsent, Outcome::Written) => Step::Respond(decided_page(true)),
            _ => Step::Respond(html_page(500, "Server error", "Unexpected store outcome.")),
        }
    }
}

/// The page after the user's answer.
fn decided_page(approved: bool) -> HttpResponse {
    if approved {
        html_page(200, "Device connected", "You may return to your device.")
    } else {
        html_page(200, "Request denied", "The device was not given access.")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn user_codes_use_the_consonant_alphabet_and_normalize_back() {
        for octets in [[0u8; 8], [0xff; 8], [1, 2, 3, 4, 5, 6, 7, 8]] {
            let shown = user_code(octets);
            assert_eq!(shown.len(), USER_CODE_LEN + 1);
            assert_eq!(shown.as_bytes()[4], b'-');
            let canonical = normalize_user_code(&shown).unwrap();
            assert_eq!(canonical, shown.replace('-', ""));
            // Case, spaces and dashes do not matter (RFC 8628 §6.1).
            let typed = format!(" {} ", shown.to_ascii_lowercase().replace('-', " - "));
            assert_eq!(
                normalize_user_code(&typed).as_deref(),
                Some(canonical.as_str())
            );
        }
        assert_eq!(user_code([0; 8]), "BBBB-BBBB");
        for wrong in [
            "",
            "BCDF-GHJ",
            "BCDF-GHJKL",
            "ABCD-EFGH",
            "BCDF-GHJ1",
            "ВСDF-GHJK",
        ] {
            assert_eq!(normalize_user_code(wrong), None, "{wrong}");
        }
        assert_eq!(normalize_user_code(&"-".repeat(100)), None);
    }

    #[test]
    fn user_code_digits_are_close_to_uniform() {
        // Every letter appears in every position over a sweep of values.
        let mut seen = [[false; 20]; USER_CODE_LEN];
        for n in 0u64..4000 {
            let value = n.wrapping_mul(0x9E37_79B9_7F4A_7C15);
            let canonical = normalize_user_code(&user_code(value.to_le_bytes())).unwrap();
            for (position, letter) in canonical.bytes().enumerate() {
                let digit = ALPHABET.iter().position(|a| *a == letter).unwrap();
                seen[position][digit] = true;
            }
        }
        assert!(seen.iter().all(|position| position.iter().all(|s| *s)));
    }
}

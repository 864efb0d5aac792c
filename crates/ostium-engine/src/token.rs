//! The token endpoint (RFC 6749 §3.2, §4.1.3, §4.4, §6; OIDC Core §3.1.3, §12).
//!
//! 1. Parse the request (`ostium-messages`): POST only, no credentials in the URI, no repeated
//!    parameter, one authentication method (checklist items 30, 31).
//! 2. Authenticate the client against its registered method (item 32; [`crate::authenticate`]).
//! 3. Run the grant:
//!    - `authorization_code`: take the code atomically; a second take revokes the whole family
//!      (item 35); check client binding, expiry, `redirect_uri` and PKCE (items 27, 28, 33, 34);
//!    - `refresh_token`: read the token; a superseded one revokes the family (item 46); check
//!      client binding, expiry and down-scoping (items 44, 45); rotate by compare-and-swap;
//!    - `client_credentials`: confidential clients only (item 40);
//!    - `device_code` (RFC 8628 §3.4–§3.5): poll the device authorization; while the user has
//!      not answered `authorization_pending`, or `slow_down` for a poll that came too soon;
//!      `access_denied`, `expired_token`; once approved, the tokens, once (item 56).
//! 4. When the grant's `claims` request names user claims for the ID token (OIDC Core §5.5),
//!    read them from the store.
//! 5. Write the new tokens, then answer (`Cache-Control: no-store`, item 37).

use std::sync::Arc;

use ostium_messages::token::{Grant, TokenRequest};
use ostium_messages::{ErrorResponse, HttpRequest, HttpResponse, TokenErrorCode};
use ostium_pkce::verify_exchange;
use ostium_rand::SecureRng;
use serde_json::{Map, Value};
use time::OffsetDateTime;

use crate::Engine;
use crate::authenticate::{Authenticating, Progress};
use crate::client::{Client, GrantType};
use crate::config::RefreshRotation;
use crate::dpop::{ProvenKey, invalid_dpop};
use crate::issue::{self, IdTokenBinding, server_error};
use crate::records::{CodeRecord, DeviceRecord, DeviceStatus, GrantDetails, RefreshRecord};
use crate::secret::{Entropy, GrantId, MintedSecret, SecretHash};
use crate::step::{Pending, Step};
use crate::store::{
    Effect, JtiUse, Outcome, RefreshLookup, Rotation, StoreError, TakenCode, Write,
};

/// The token endpoint's suspended state.
pub(crate) struct TokenFlow {
    now: OffsetDateTime,
    entropy: Entropy,
    request: TokenRequest,
    stage: Stage,
    /// A refresh request's token, read together with the client and looked at only once the
    /// client is authenticated.
    prefetched: Option<RefreshLookup>,
    /// The user's claims the ID token carries, once read (OIDC Core §5.5).
    user_claims: Option<Map<String, Value>>,
    /// The request's DPoP proof, checked (RFC 9449 §4.3): its key binds what is issued.
    dpop: Option<Box<ProvenKey>>,
}

enum Stage {
    Authenticating(Authenticating),
    TakingCode(Arc<Client>),
    /// A device polls (RFC 8628 §3.4).
    PollingDevice(Arc<Client>),
    /// Recording the DPoP proof's `jti` (RFC 9449 §11.1) for the authenticated client.
    RecordingDpopJti(Arc<Client>),
    /// A replay was detected; once the family is revoked, answer `invalid_grant`.
    RevokingFamily(&'static str),
    /// The grant's ID token asks for user claims: waiting for them, with the validated grant.
    LoadingUserClaims(Box<Deferred>),
    Rotating(Issuing),
    Writing(HttpResponse),
    Finished,
}

/// A validated grant whose tokens wait for the user's claims.
struct Deferred {
    client: Arc<Client>,
    grant: DeferredGrant,
}

enum DeferredGrant {
    Code(CodeRecord),
    Refresh {
        record: RefreshRecord,
        in_grace: bool,
    },
}

/// Tokens ready to be issued once their records are stored: the records, and the response
/// already written (it is sent only if the store takes the records).
struct Issuing {
    grant: GrantId,
    writes: Vec<Write>,
    response: HttpResponse,
}

fn invalid_grant(text: &str) -> ErrorResponse<TokenErrorCode> {
    ErrorResponse::new(TokenErrorCode::InvalidGrant).with_description(text)
}

impl Engine {
    /// Handles a token endpoint request.
    ///
    /// `rng` is drawn from once, for everything this request may mint.
    pub fn token(
        &self,
        request: &HttpRequest<'_>,
        now: OffsetDateTime,
        rng: &mut (impl SecureRng + ?Sized),
    ) -> Step {
        let step = self.token_step(request, now, rng);
        // Every answer to a DPoP request names the current nonce (RFC 9449 §8.2); the flow
        // stamps the answers it gives after a store round trip.
        let dpop_at = request.dpop.map(|_| now);
        self.stamp_dpop_nonce_if(step, dpop_at)
    }

    fn token_step(
        &self,
        request: &HttpRequest<'_>,
        now: OffsetDateTime,
        rng: &mut (impl SecureRng + ?Sized),
    ) -> Step {
        let mut parsed = match TokenRequest::parse(request) {
            Ok(parsed) => parsed,
            Err(error) => return self.token_error(&error),
        };
        let dpop = match request.dpop {
            Some(proof) => {
                match self.check_dpop_proof(proof, &self.config().endpoints.token, now) {
                    Ok(proven) => Some(Box::new(proven)),
                    Err(error) => return self.token_error(&error),
                }
            }
            None if self.config().profile.require_dpop => {
                let refused = self.token_error(&invalid_dpop("a DPoP proof is required"));
                return self.stamp_dpop_nonce(refused, now);
            }
            None => None,
        };
        let Ok(entropy) = Entropy::draw(rng, Entropy::TOKENS) else {
            return self.token_error(&server_error("randomness unavailable"));
        };
        let (authenticating, progress) = Authenticating::start(&mut parsed.client_auth);
        // A refresh request reads its token with the client: one store round trip, not two.
        let progress = match (progress, &parsed.grant) {
            (
                Progress::Need(Effect::Client(client_id)),
                Grant::RefreshToken { refresh_token, .. },
            ) => Progress::Need(Effect::ClientAndRefreshToken {
                client_id,
                refresh_hash: SecretHash::of(refresh_token.as_str()),
            }),
            (progress, _) => progress,
        };
        let flow = Box::new(TokenFlow {
            now,
            entropy,
            request: parsed,
            stage: Stage::Authenticating(authenticating),
            prefetched: None,
            user_claims: None,
            dpop,
        });
        flow.after_authentication(self, progress)
    }

    pub(crate) fn token_error(&self, error: &ErrorResponse<TokenErrorCode>) -> Step {
        Step::Respond(HttpResponse::token_error(
            error,
            self.config().issuer.as_str(),
        ))
    }
}

impl TokenFlow {
    pub(crate) fn resume(
        self: Box<Self>,
        engine: &Engine,
        outcome: Result<Outcome, StoreError>,
    ) -> Step {
        let dpop_at = self.dpop.as_ref().map(|_| self.now);
        engine.stamp_dpop_nonce_if(self.resume_stage(engine, outcome), dpop_at)
    }

    fn resume_stage(
        mut self: Box<Self>,
        engine: &Engine,
        outcome: Result<Outcome, StoreError>,
    ) -> Step {
        let Ok(outcome) = outcome else {
            return engine.token_error(&server_error("storage unavailable"));
        };
        match (std::mem::replace(&mut self.stage, Stage::Finished), outcome) {
            (
                Stage::Authenticating(mut authenticating),
                Outcome::ClientAndRefreshToken { client, refresh },
            ) => {
                self.prefetched = Some(refresh);
                let progress = authenticating.advance(engine, self.now, Outcome::Client(client));
                self.stage = Stage::Authenticating(authenticating);
                self.after_authentication(engine, progress)
            }
            (Stage::Authenticating(mut authenticating), outcome) => {
                let progress = authenticating.advance(engine, self.now, outcome);
                self.stage = Stage::Authenticating(authenticating);
                self.after_authentication(engine, progress)
            }
            (Stage::TakingCode(client), Outcome::Code(taken)) => match taken {
                TakenCode::Taken(record) => self.redeem_code(engine, &client, *record),
                TakenCode::AlreadyTaken(grant) => self.revoke(
                    grant,
                    "the authorization code was already used; its tokens are revoked",
                ),
                TakenCode::Unknown => {
                    engine.token_error(&invalid_grant("unknown or expired authorization code"))
                }
            },
            (Stage::LoadingUserClaims(deferred), Outcome::Claims(claims)) => {
                let Some(claims) = claims else {
                    return engine.token_error(&invalid_grant("the user no longer exists"));
                };
                let Deferred { client, grant } = *deferred;
                let details = match &grant {
                    DeferredGrant::Code(record) => &record.details,
                    DeferredGrant::Refresh { record, .. } => &record.details,
                };
                // Only what was asked for, whatever the store answered.
                let wanted = crate::claims::for_id_token(details.claims.as_ref());
                let mut claims = claims;
                claims.retain(|name, _| wanted.binary_search(name).is_ok());
                self.user_claims = Some(claims);
                match grant {
                    DeferredGrant::Code(record) => self.redeem_code(engine, &client, record),
                    DeferredGrant::Refresh { record, in_grace } => {
                        self.refresh(engine, &client, record, in_grace)
                    }
                }
            }
            (Stage::RecordingDpopJti(client), Outcome::Jti(JtiUse::Fresh)) => {
                self.after_authentication(engine, Progress::Done(client))
            }
            (Stage::RecordingDpopJti(_), Outcome::Jti(JtiUse::Replayed)) => {
                engine.token_error(&invalid_dpop("the DPoP proof was used before"))
            }
            (Stage::PollingDevice(client), Outcome::DevicePoll { before, too_soon }) => {
                self.device_poll(engine, &client, before, too_soon)
            }
            (Stage::RevokingFamily(text), Outcome::Written) => {
                engine.token_error(&invalid_grant(text))
            }
            // The rotation wrote the access token too.
            (Stage::Rotating(issuing), Outcome::Rotation(Rotation::Rotated)) => {
                Step::Respond(issuing.response)
            }
            (Stage::Rotating(issuing), Outcome::Rotation(Rotation::Conflict)) => {
                // Another request rotated this token first: one of the two is a replay, and
                // which one cannot be told from here, so the family is revoked (RFC 9700
                // §4.14.2).
                self.revoke(
                    issuing.grant,
                    "the refresh token was used concurrently; its grant is revoked",
                )
            }
            (Stage::Writing(response), Outcome::Written) => Step::Respond(response),
            _ => engine.token_error(&server_error("unexpected store outcome")),
        }
    }

    /// Answers a refresh request once its client is authenticated, from its token's record.
    fn refresh_lookup(
        self: Box<Self>,
        engine: &Engine,
        client: &Arc<Client>,
        lookup: RefreshLookup,
    ) -> Step {
        match lookup {
            RefreshLookup::Current(record) => self.refresh(engine, client, record, false),
            RefreshLookup::Superseded { record, rotated_at } => {
                let in_grace = match (engine.config().profile.refresh_grace, rotated_at) {
                    (Some(grace), Some(at)) => self.now <= at.saturating_add(grace),
                    _ => false,
                };
                if in_grace && record.details.client_id == client.id {
                    self.refresh(engine, client, record, true)
                } else {
                    self.revoke(
                        record.grant,
                        "the refresh token was already used; its grant is revoked",
                    )
                }
            }
            RefreshLookup::Unknown => {
                engine.token_error(&invalid_grant("unknown, expired or revoked refresh token"))
            }
        }
    }

    fn suspend(self: Box<Self>, effect: Effect) -> Step {
        Step::Effect(Pending::new(effect, self))
    }

    /// Asks for the user's claims the grant's ID token carries (OIDC Core §5.5), unless they
    /// are read already or none are asked for.
    fn user_claims_effect(&self, details: &GrantDetails) -> Option<Effect> {
        // `claims` lies past the grant's first cache line: look only for an OpenID grant.
        if self.user_claims.is_some() || !details.is_openid() {
            return None;
        }
        details.claims.as_ref()?.id_token.as_ref()?;
        let names = crate::claims::for_id_token(details.claims.as_ref());
        if names.is_empty() {
            return None;
        }
        let subject = details.authentication.as_ref()?.subject.clone();
        Some(Effect::Claims { subject, names })
    }

    fn defer(
        mut self: Box<Self>,
        client: &Arc<Client>,
        grant: DeferredGrant,
        effect: Effect,
    ) -> Step {
        self.stage = Stage::LoadingUserClaims(Box::new(Deferred {
            client: Arc::clone(client),
            grant,
        }));
        self.suspend(effect)
    }

    fn revoke(mut self: Box<Self>, grant: GrantId, text: &'static str) -> Step {
        self.stage = Stage::RevokingFamily(text);
        self.suspend(Effect::RevokeFamily(grant))
    }

    fn write(mut self: Box<Self>, issuing: Issuing) -> Step {
        if issuing.writes.is_empty() {
            return Step::Respond(issuing.response);
        }
        self.stage = Stage::Writing(issuing.response);
        self.suspend(Effect::Write(issuing.writes))
    }

    fn after_authentication(mut self: Box<Self>, engine: &Engine, progress: Progress) -> Step {
        let client = match progress {
            Progress::Need(effect) => return self.suspend(effect),
            Progress::Failed(error) => return engine.token_error(&error),
            Progress::Done(client) => client,
        };
        // RFC 9449 §11.1: a proof is single use; recorded once the client is authenticated.
        if let Some(proof) = self.dpop.as_mut().filter(|proof| !proof.recorded) {
            let effect = proof.record_jti();
            self.stage = Stage::RecordingDpopJti(client);
            return self.suspend(effect);
        }
        let unauthorized = |text| {
            engine.token_error(
                &ErrorResponse::new(TokenErrorCode::UnauthorizedClient).with_description(text),
            )
        };
        let hash = match &self.request.grant {
            Grant::AuthorizationCode { code, .. } => {
                if !client.may_use(GrantType::AuthorizationCode) {
                    return unauthorized("the client may not use authorization_code");
                }
                SecretHash::of(code.as_str())
            }
            Grant::RefreshToken { .. } => {
                if !client.may_use(GrantType::RefreshToken) {
                    return unauthorized("the client may not use refresh_token");
                }
                return match self.prefetched.take() {
                    Some(lookup) => self.refresh_lookup(engine, &client, lookup),
                    None => engine.token_error(&server_error("the refresh token was not read")),
                };
            }
            Grant::ClientCredentials { .. } => {
                // RFC 6749 §4.4: confidential clients only (checklist item 40).
                if client.is_public() || !client.may_use(GrantType::ClientCredentials) {
                    return unauthorized("the client may not use client_credentials");
                }
                return self.client_credentials(engine, &client);
            }
            Grant::DeviceCode { device_code } => {
                if engine.config().device_endpoints().is_none() {
                    return engine.token_error(
                        &ErrorResponse::new(TokenErrorCode::UnsupportedGrantType)
                            .with_description("the device grant is not offered"),
                    );
                }
                if !client.may_use(GrantType::DeviceCode) {
                    return unauthorized("the client may not use the device grant");
                }
                let effect = Effect::PollDevice {
                    device_code: SecretHash::of(device_code.as_str()),
                    client_id: client.id.clone(),
                    at: self.now,
                };
                self.stage = Stage::PollingDevice(client);
                return self.suspend(effect);
            }
            // RFC 9700 §2.4: the password grant MUST NOT be used.
            Grant::Password { .. } => {
                return engine.token_error(
                    &ErrorResponse::new(TokenErrorCode::UnsupportedGrantType)
                        .with_description("the password grant is not supported"),
                );
            }
            other => {
                let text = format!("grant_type {} is not supported", other.grant_type());
                return engine.token_error(
                    &ErrorResponse::new(TokenErrorCode::UnsupportedGrantType)
                        .with_description(&text),
                );
            }
        };
        self.stage = Stage::TakingCode(client);
        self.suspend(Effect::TakeCode(hash))
    }

    fn redeem_code(
        mut self: Box<Self>,
        engine: &Engine,
        client: &Arc<Client>,
        record: CodeRecord,
    ) -> Step {
        let Grant::AuthorizationCode {
            redirect_uri,
            code_verifier,
            ..
        } = &self.request.grant
        else {
            return engine.token_error(&server_error("unexpected grant"));
        };
        // Item 33: issued to this client.
        if record.details.client_id != client.id {
            return engine.token_error(&invalid_grant(
                "the authorization code was issued to another client",
            ));
        }
        // Item 36: short-lived.
        if self.now >= record.expires_at {
            return engine.token_error(&invalid_grant("the authorization code has expired"));
        }
        // Item 34: the same redirect_uri as the authorization request, if it sent one.
        let redirect_ok = match (&record.redirect_uri, redirect_uri) {
            (Some(sent), Some(now_sent)) => sent == now_sent,
            (Some(_), None) => false,
            (None, Some(now_sent)) => client.redirect_uris.iter().any(|r| r.matches(now_sent)),
            (None, None) => true,
        };
        if !redirect_ok {
            return engine.token_error(&invalid_grant(
                "redirect_uri does not match the authorization request",
            ));
        }
        // Items 27, 28: PKCE, including the downgrade check.
        if let Err(error) = verify_exchange(
            record.code_challenge.as_ref(),
            code_verifier.as_ref().map(|v| v.as_str()),
        ) {
            return engine.token_error(&invalid_grant(&format!("PKCE: {error}")));
        }
        // RFC 9449 §10: a code bound with `dpop_jkt` is redeemed only with a proof of that key.
        if let Some(bound) = &record.dpop_jkt
            && self.dpop.as_ref().map(|proof| &proof.jkt) != Some(bound)
        {
            return engine.token_error(&invalid_grant(
                "the code is bound to a DPoP key this request does not prove",
            ));
        }
        if let Some(effect) = self.user_claims_effect(&record.details) {
            return self.defer(client, DeferredGrant::Code(record), effect);
        }
        let refresh = engine.config().profile.issue_refresh_tokens
            && client.may_use(GrantType::RefreshToken)
            && wants_refresh_token(&record.details);
        let issued = self.issue(
            engine,
            client,
            record.grant,
            &record.details,
            refresh,
            record.nonce.as_ref(),
            true,
        );
        match issued {
            Ok(issuing) => self.write(issuing),
            Err(error) => engine.token_error(&error),
        }
    }

    fn refresh(
        mut self: Box<Self>,
        engine: &Engine,
        client: &Arc<Client>,
        record: RefreshRecord,
        in_grace: bool,
    ) -> Step {
        let Grant::RefreshToken {
            scope: requested,
            refresh_token: presented,
        } = &self.request.grant
        else {
            return engine.token_error(&server_error("unexpected grant"));
        };
        let requested_token = presented.as_str();
        // Item 44: bound to the client.
        if record.details.client_id != client.id {
            return engine.token_error(&invalid_grant(
                "the refresh token was issued to another client",
            ));
        }
        if self.now >= record.expires_at {
            return engine.token_error(&invalid_grant("the refresh token has expired"));
        }
        if let Some(effect) = self.user_claims_effect(&record.details) {
            let grant = DeferredGrant::Refresh { record, in_grace };
            return self.defer(client, grant, effect);
        }
        // Item 45: down-scoping only; the refresh token keeps the original scope.
        let config = engine.config();
        let scope = match config.scope_policy.refresh(
            &config.catalog,
            &client.scope,
            &record.details.scope,
            requested.as_ref(),
        ) {
            Ok(scope) => scope,
            Err(error) => {
                return engine.token_error(
                    &ErrorResponse::new(TokenErrorCode::InvalidScope)
                        .with_description(&error.to_string()),
                );
            }
        };
        // The access token shares the grant's details unless the refresh narrowed its scope.
        let access_scope = scope.into_access_token().into_scope();
        let access_details = if access_scope == record.details.scope {
            Arc::clone(&record.details)
        } else {
            let mut narrowed = GrantDetails::clone(&record.details);
            narrowed.scope = access_scope.clone();
            Arc::new(narrowed)
        };
        let rotate = match config.profile.refresh_rotation {
            RefreshRotation::Always => true,
            RefreshRotation::PublicClients => client.is_public(),
            RefreshRotation::Never => false,
        } || in_grace;

        let proven = self.dpop.as_ref().map(|proof| proof.jkt.clone());
        // RFC 9449 §5: a bound refresh token is used only with a proof of its key.
        if record
            .details
            .refresh_jkt
            .as_deref()
            .is_some_and(|bound| Some(bound) != proven.as_ref())
        {
            return engine.token_error(&invalid_grant(
                "the refresh token is bound to a DPoP key this request does not prove",
            ));
        }
        let mut access = match issue::access_token(
            engine,
            self.now,
            &mut self.entropy,
            client,
            record.grant,
            &access_details,
            proven.as_ref(),
        ) {
            Ok(access) => access,
            Err(error) => return engine.token_error(&error),
        };
        // Item 47: a refreshed ID token keeps iss, sub, aud and auth_time; new iat; no nonce.
        let id_token = if record.details.is_openid() {
            let binding = IdTokenBinding {
                nonce: None,
                access_token: Some(access.token.as_str()),
                code: None,
                user_claims: self.user_claims.as_ref(),
            };
            match issue::id_token(engine, self.now, &record.details, &binding) {
                Ok(token) => Some(token),
                Err(error) => return engine.token_error(&error),
            }
        } else {
            None
        };
        let mut writes = Vec::with_capacity(2);
        writes.extend(access.write.take());
        let (refresh_secret, rotation) = if rotate {
            let generation = record
                .generation
                .saturating_add(if in_grace { 2 } else { 1 });
            let expected_generation = generation.saturating_sub(1);
            let (secret, new) = match issue::refresh_token(
                engine,
                self.now,
                &mut self.entropy,
                record.grant,
                generation,
                // The record's last use: the new token inherits its details.
                record.details,
                record.issued_at,
            ) {
                Ok(minted) => minted,
                Err(error) => return engine.token_error(&error),
            };
            // The new tokens are written with the rotation, atomically: one store round trip.
            writes.push(Write::RefreshToken(secret.hash(), new));
            let effect = Effect::RotateRefresh {
                grant: record.grant,
                expected_generation,
                at: self.now,
                writes: std::mem::take(&mut writes),
            };
            (Some(secret), Some(effect))
        } else {
            (None, None)
        };
        // Without rotation the presented refresh token stays valid and is returned as is.
        let refresh_text = match (&refresh_secret, requested_token) {
            (Some(minted), _) => minted.as_str(),
            (None, presented) => presented,
        };
        let response = issue::response(
            &access,
            Some(refresh_text),
            &access_scope,
            access_details.authorization_details.as_ref(),
            id_token.as_deref(),
        );
        let issuing = Issuing {
            grant: record.grant,
            writes,
            response,
        };
        match rotation {
            Some(effect) => {
                self.stage = Stage::Rotating(issuing);
                self.suspend(effect)
            }
            None => self.write(issuing),
        }
    }

    /// Answers a device's poll (RFC 8628 §3.5) from its authorization as it was before the poll.
    fn device_poll(
        mut self: Box<Self>,
        engine: &Engine,
        client: &Client,
        before: Option<Box<DeviceRecord>>,
        too_soon: bool,
    ) -> Step {
        let error =
            |code, text| engine.token_error(&ErrorResponse::new(code).with_description(text));
        let Some(record) = before else {
            return engine.token_error(&invalid_grant("unknown device_code"));
        };
        if record.client_id != client.id {
            return engine.token_error(&invalid_grant(
                "the device_code was issued to another client",
            ));
        }
        if self.now >= record.expires_at {
            return error(TokenErrorCode::ExpiredToken, "the device_code has expired");
        }
        match record.status {
            DeviceStatus::Pending if too_soon => error(
                TokenErrorCode::SlowDown,
                "polled too soon: wait 5 seconds longer between polls from now on",
            ),
            DeviceStatus::Pending => error(
                TokenErrorCode::AuthorizationPending,
                "the user has not answered yet",
            ),
            DeviceStatus::Denied => {
                error(TokenErrorCode::AccessDenied, "the user denied the request")
            }
            DeviceStatus::Redeemed { grant } => self.revoke(
                grant,
                "the device_code was already redeemed; its tokens are revoked",
            ),
            DeviceStatus::Approved { grant, details } => {
                let refresh = engine.config().profile.issue_refresh_tokens
                    && client.may_use(GrantType::RefreshToken)
                    && wants_refresh_token(&details);
                match self.issue(engine, client, grant, &details, refresh, None, true) {
                    Ok(issuing) => self.write(issuing),
                    Err(error) => engine.token_error(&error),
                }
            }
        }
    }

    fn client_credentials(mut self: Box<Self>, engine: &Engine, client: &Client) -> Step {
        let Grant::ClientCredentials { scope: requested } = &self.request.grant else {
            return engine.token_error(&server_error("unexpected grant"));
        };
        let config = engine.config();
        let granted =
            match config
                .scope_policy
                .grant(&config.catalog, &client.scope, requested.as_ref())
            {
                Ok(granted) => granted,
                Err(error) => {
                    return engine.token_error(
                        &ErrorResponse::new(TokenErrorCode::InvalidScope)
                            .with_description(&error.to_string()),
                    );
                }
            };
        if !client.may_target(&self.request.resource) {
            return engine.token_error(
                &ErrorResponse::new(TokenErrorCode::InvalidTarget)
                    .with_description("a requested resource is not available to this client"),
            );
        }
        if !client.may_request_details(self.request.authorization_details.as_ref()) {
            return engine.token_error(
                &ErrorResponse::new(TokenErrorCode::InvalidAuthorizationDetails).with_description(
                    "an authorization_details type is not available to this client",
                ),
            );
        }
        // A new grant, which never gets a refresh token (RFC 6749 §4.4.3).
        let Some(grant) = self.entropy.grant_id() else {
            return engine.token_error(&server_error("no randomness was drawn for this grant"));
        };
        let details = Arc::new(GrantDetails {
            client_id: client.id.clone(),
            authentication: None,
            scope: granted.into_scope(),
            authorization_details: self.request.authorization_details.clone(),
            claims: None,
            refresh_jkt: None,
            resources: self.request.resource.clone(),
        });
        match self.issue(engine, client, grant, &details, false, None, false) {
            Ok(issuing) => self.write(issuing),
            Err(error) => engine.token_error(&error),
        }
    }

    /// Mints an access token, optionally a first refresh token and an ID token.
    #[allow(clippy::too_many_arguments)]
    fn issue(
        &mut self,
        engine: &Engine,
        client: &Client,
        grant: GrantId,
        details: &Arc<GrantDetails>,
        refresh: bool,
        nonce: Option<&ostium_messages::values::Nonce>,
        user_authorized: bool,
    ) -> Result<Issuing, ErrorResponse<TokenErrorCode>> {
        let proven = self.dpop.as_ref().map(|proof| proof.jkt.clone());
        // RFC 9449 §5: a public client's refresh tokens are bound to the key that obtained them.
        let bound;
        let details = match &proven {
            Some(jkt) if refresh && client.is_public() => {
                bound = Arc::new(GrantDetails {
                    refresh_jkt: Some(Box::new(jkt.clone())),
                    ..GrantDetails::clone(details)
                });
                &bound
            }
            _ => details,
        };
        let mut access = issue::access_token(
            engine,
            self.now,
            &mut self.entropy,
            client,
            grant,
            details,
            proven.as_ref(),
        )?;
        let mut writes = Vec::with_capacity(2);
        writes.extend(access.write.take());
        let refresh_secret = if refresh {
            let (secret, record) = issue::refresh_token(
                engine,
                self.now,
                &mut self.entropy,
                grant,
                0,
                Arc::clone(details),
                self.now,
            )?;
            writes.push(Write::RefreshToken(secret.hash(), record));
            Some(secret)
        } else {
            None
        };
        // Item 41: a code from an `openid` request yields an ID token, and so does an approved
        // device authorization (the user authorized both). `c_hash` is for hybrid responses
        // only; the ID token binds the access token (`at_hash`).
        let id_token = if details.is_openid() && user_authorized {
            let binding = IdTokenBinding {
                nonce,
                access_token: Some(access.token.as_str()),
                code: None,
                user_claims: self.user_claims.as_ref(),
            };
            Some(issue::id_token(engine, self.now, details, &binding)?)
        } else {
            None
        };
        let response = issue::response(
            &access,
            refresh_secret.as_ref().map(MintedSecret::as_str),
            &details.scope,
            details.authorization_details.as_ref(),
            id_token.as_deref(),
        );
        Ok(Issuing {
            grant,
            writes,
            response,
        })
    }
}

/// OIDC Core §11: an OpenID grant gets a refresh token only with `offline_access`; a plain OAuth
/// grant always may.
fn wants_refresh_token(details: &GrantDetails) -> bool {
    !details.is_openid() || details.scope.contains("offline_access")
}

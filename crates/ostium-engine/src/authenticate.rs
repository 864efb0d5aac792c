//! Client authentication at the back-channel endpoints (RFC 6749 §2.3, §3.2.1; RFC 7523 §3;
//! OIDC Core §9): a small sub-flow shared by the token, revocation and introspection endpoints.
//!
//! 1. Load the client named by what it presented.
//! 2. Check the presented credential against the *registered* method only (a client registered
//!    for `client_secret_basic` cannot switch to `client_secret_post`).
//! 3. For JWT assertions, record the `jti` (single use, OIDC Core §9) before accepting.

use std::sync::Arc;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use ostium_jose::{Algorithm, AlgorithmSet, Claim, Typ, Validation};
use ostium_messages::client_auth::ClientAuthentication;
use ostium_messages::values::ClientId;
use ostium_messages::{ErrorResponse, TokenErrorCode};
use time::{Duration, OffsetDateTime};

use crate::Engine;
use crate::client::{Client, ClientCredentials};
use crate::config::AssertionAudience;
use crate::store::{Effect, JtiUse, Outcome};

/// Clock skew tolerated on client assertions (FAPI 2.0 §5.3.2.1 item 13 allows up to 10 s).
const ASSERTION_LEEWAY: Duration = Duration::seconds(10);

/// Where the sub-flow stands.
pub(crate) enum Progress {
    /// Perform this effect and call [`Authenticating::advance`] with its outcome.
    Need(Effect),
    /// The client is authenticated.
    Done(Arc<Client>),
    /// Authentication failed: send this error (`invalid_client`, 401 with `WWW-Authenticate`).
    Failed(ErrorResponse<TokenErrorCode>),
}

/// A client authentication in progress.
pub(crate) struct Authenticating {
    presented: ClientAuthentication,
    stage: Stage,
}

enum Stage {
    LoadingClient,
    ConsumingJti(Arc<Client>),
    Finished,
}

fn invalid_client(text: &str) -> ErrorResponse<TokenErrorCode> {
    ErrorResponse::new(TokenErrorCode::InvalidClient).with_description(text)
}

/// The `sub` of a JWT, read without verification: only to find which client's keys to verify
/// it with (RFC 7523 §3: `sub` is the `client_id`). Nothing read here is trusted.
fn unverified_subject(assertion: &str) -> Option<String> {
    let payload = assertion.split('.').nth(1)?;
    if payload.len() > 16 * 1024 {
        return None;
    }
    let bytes = URL_SAFE_NO_PAD.decode(payload).ok()?;
    #[derive(serde::Deserialize)]
    struct Sub {
        sub: String,
    }
    serde_json::from_slice::<Sub>(&bytes)
        .ok()
        .map(|claims| claims.sub)
}

impl Authenticating {
    /// Starts authenticating what the client presented, taking it out of the parsed request
    /// (which keeps `Unidentified` in its place: the flow needs the credentials only here).
    pub(crate) fn start(presented: &mut ClientAuthentication) -> (Self, Progress) {
        let presented = std::mem::replace(presented, ClientAuthentication::Unidentified);
        let client_id = match &presented {
            ClientAuthentication::JwtAssertion {
                client_id: None,
                assertion,
            } => unverified_subject(assertion.as_str()).and_then(|sub| ClientId::parse(&sub).ok()),
            other => other.client_id().cloned(),
        };
        let progress = match client_id {
            Some(id) => Progress::Need(Effect::Client(id)),
            None => Progress::Failed(invalid_client("client authentication is required")),
        };
        (
            Self {
                presented,
                stage: Stage::LoadingClient,
            },
            progress,
        )
    }

    /// Continues with the outcome of the effect last asked for.
    pub(crate) fn advance(
        &mut self,
        engine: &Engine,
        now: OffsetDateTime,
        outcome: Outcome,
    ) -> Progress {
        match (std::mem::replace(&mut self.stage, Stage::Finished), outcome) {
            (Stage::LoadingClient, Outcome::Client(Some(client))) => {
                self.check(engine, now, client)
            }
            (Stage::LoadingClient, Outcome::Client(None)) => {
                Progress::Failed(invalid_client("unknown client"))
            }
            (Stage::ConsumingJti(client), Outcome::Jti(JtiUse::Fresh)) => Progress::Done(client),
            (Stage::ConsumingJti(_), Outcome::Jti(JtiUse::Replayed)) => {
                Progress::Failed(invalid_client("the client assertion was used before"))
            }
            _ => Progress::Failed(
                ErrorResponse::new(TokenErrorCode::ServerError)
                    .with_description("unexpected store outcome"),
            ),
        }
    }

    fn check(&mut self, engine: &Engine, now: OffsetDateTime, client: Arc<Client>) -> Progress {
        let profile = &engine.config().profile;
        if !profile
            .client_auth_methods
            .contains(&client.credentials.method())
        {
            return Progress::Failed(invalid_client(
                "the client's authentication method is not allowed here",
            ));
        }
        match (&self.presented, &client.credentials) {
            (
                ClientAuthentication::ClientSecretBasic { client_secret, .. },
                ClientCredentials::SecretBasic(hash),
            )
            | (
                ClientAuthentication::ClientSecretPost { client_secret, .. },
                ClientCredentials::SecretPost(hash),
            ) => {
                if hash.matches(client_secret.as_str()) {
                    Progress::Done(client)
                } else {
                    Progress::Failed(invalid_client("client authentication failed"))
                }
            }
            (ClientAuthentication::None { .. }, ClientCredentials::None) => Progress::Done(client),
            (
                ClientAuthentication::JwtAssertion {
                    client_id,
                    assertion,
                },
                credentials,
            ) => {
                if client_id.as_ref().is_some_and(|id| *id != client.id) {
                    return Progress::Failed(invalid_client(
                        "client_id does not match the assertion",
                    ));
                }
                let verified = match credentials {
                    ClientCredentials::SecretJwt(key) => {
                        let policy = assertion_policy(
                            engine,
                            &client.id,
                            AlgorithmSet::of(&[
                                Algorithm::Hs256,
                                Algorithm::Hs384,
                                Algorithm::Hs512,
                            ]),
                        );
                        policy.verify(assertion.as_str(), &**key, now)
                    }
                    ClientCredentials::PrivateKeyJwt(keys) => {
                        let algorithms = engine
                            .config()
                            .profile
                            .client_assertion_algorithms
                            .iter()
                            .copied()
                            .filter(|a| {
                                !matches!(a, Algorithm::Hs256 | Algorithm::Hs384 | Algorithm::Hs512)
                            })
                            .collect::<AlgorithmSet>();
                        assertion_policy(engine, &client.id, algorithms).verify(
                            assertion.as_str(),
                            &**keys,
                            now,
                        )
                    }
                    _ => {
                        return Progress::Failed(invalid_client(
                            "the client is not registered for JWT authentication",
                        ));
                    }
                };
                let audience = engine.config().profile.assertion_audience;
                match verified {
                    // FAPI 2.0 §5.3.2.1 item 8: the issuer as a string, not in an array.
                    Ok(jwt)
                        if audience == AssertionAudience::IssuerString
                            && !jwt
                                .claims::<AudienceClaim>()
                                .is_ok_and(|claims| claims.aud.is_string()) =>
                    {
                        Progress::Failed(invalid_client("the client assertion is invalid"))
                    }
                    Ok(jwt) => match (jwt.jwt_id(), jwt.expires_at()) {
                        (Some(jti), Some(exp)) => {
                            let effect = Effect::ConsumeJti {
                                issuer: client.id.as_str().to_owned(),
                                jti: jti.to_owned(),
                                expires_at: exp.to_time(),
                            };
                            self.stage = Stage::ConsumingJti(client);
                            Progress::Need(effect)
                        }
                        _ => Progress::Failed(invalid_client(
                            "the client assertion needs jti and exp",
                        )),
                    },
                    // The peer learns only that the assertion was not accepted.
                    Err(_) => Progress::Failed(invalid_client("the client assertion is invalid")),
                }
            }
            _ => Progress::Failed(invalid_client(
                "the client used an authentication method it is not registered for",
            )),
        }
    }
}

/// A client assertion's `aud`, as sent.
#[derive(serde::Deserialize)]
struct AudienceClaim {
    aud: serde_json::Value,
}

/// OIDC Core §9 / RFC 7523 §3: `iss` = `sub` = `client_id`, `aud` the issuer or the token
/// endpoint (only the issuer under [`AssertionAudience::IssuerString`]), `exp` and `jti`
/// required.
fn assertion_policy(engine: &Engine, client_id: &ClientId, algorithms: AlgorithmSet) -> Validation {
    let config = engine.config();
    let policy = Validation::new(Typ::Jwt, algorithms)
        .typ_may_be_absent()
        .issuer(client_id.as_str())
        .subject(client_id.as_str())
        .audience(config.issuer.as_str())
        .require(Claim::Jti)
        .leeway(ASSERTION_LEEWAY);
    match config.profile.assertion_audience {
        AssertionAudience::IssuerOrTokenEndpoint => policy.audience(&config.endpoints.token),
        AssertionAudience::IssuerString => policy,
    }
}

#[cfg(test)]
mod tests {
    use super::unverified_subject;

    #[test]
    fn subject_is_read_from_the_payload_only() {
        // {"sub":"app"} -> eyJzdWIiOiJhcHAifQ
        assert_eq!(
            unverified_subject("e30.eyJzdWIiOiJhcHAifQ.sig").as_deref(),
            Some("app")
        );
        assert_eq!(unverified_subject("e30.bm90IGpzb24.sig"), None);
        assert_eq!(unverified_subject("no-dots"), None);
        assert_eq!(unverified_subject("e30.e30.sig"), None);
    }
}

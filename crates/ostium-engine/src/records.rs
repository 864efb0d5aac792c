//! What the engine stores: the user's authentication, grants, codes, tokens and consent.
//!
//! Every record is plain data with serde support, so that a SQL or key-value store can keep it as
//! one JSON (or CBOR, …) column beside its key. Secrets never appear in a record: codes and tokens
//! are keyed by their [`SecretHash`](crate::SecretHash).

use std::fmt;
use std::sync::Arc;

use ostium_messages::RedirectUri;
use ostium_messages::claims::ClaimsRequest;
use ostium_messages::values::{AbsoluteUri, ClientId, JwkThumbprint, Nonce};
use ostium_pkce::CodeChallenge;
use ostium_scope::{AuthorizationDetails, Scope};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use time::OffsetDateTime;

use crate::secret::GrantId;

/// The subject identifier: a locally unique, never reassigned identifier of the end user
/// (OIDC Core §2: at most 255 ASCII characters, case-sensitive).
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Subject(Arc<str>);

impl Subject {
    /// Longest subject identifier (OIDC Core §2).
    pub const MAX_LEN: usize = 255;

    /// Validates a subject identifier: 1 to 255 printable ASCII characters.
    ///
    /// # Errors
    ///
    /// [`InvalidSubject`] otherwise.
    pub fn parse(value: &str) -> Result<Self, InvalidSubject> {
        let printable = value.bytes().all(|b| (0x21..=0x7e).contains(&b));
        if value.is_empty() || value.len() > Self::MAX_LEN || !printable {
            return Err(InvalidSubject);
        }
        Ok(Self(value.into()))
    }

    /// The identifier.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Subject {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl Serialize for Subject {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for Subject {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = std::borrow::Cow::<'de, str>::deserialize(deserializer)?;
        Self::parse(&text).map_err(serde::de::Error::custom)
    }
}

/// A subject identifier that is empty, longer than 255 characters, or not printable ASCII.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct InvalidSubject;

impl fmt::Display for InvalidSubject {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a subject identifier is 1 to 255 printable ASCII characters (OIDC Core §2)")
    }
}

impl std::error::Error for InvalidSubject {}

/// The end user's authentication, as the embedder's login system reports it (OIDC Core §2).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Authentication {
    /// Who logged in.
    pub subject: Subject,
    /// When the user last actively authenticated (`auth_time`).
    #[serde(with = "time::serde::timestamp")]
    pub auth_time: OffsetDateTime,
    /// The authentication context class satisfied (`acr`), if the embedder distinguishes any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub acr: Option<String>,
    /// The authentication methods used (`amr`, RFC 8176 values such as `pwd`, `otp`, `hwk`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub amr: Vec<String>,
    /// The login session identifier (`sid`, OIDC Front-/Back-Channel Logout), if sessions are
    /// tracked.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub session_id: Option<String>,
}

impl Authentication {
    /// An authentication of `subject` at `auth_time`, with no `acr`, `amr` or session id.
    pub fn new(subject: Subject, auth_time: OffsetDateTime) -> Self {
        Self {
            subject,
            auth_time,
            acr: None,
            amr: Vec::new(),
            session_id: None,
        }
    }
}

/// What one authorization granted, shared by the code and every token descended from it.
///
/// Laid out in the order of declaration (`repr(C)`), so that what every token request reads
/// (the client, the scope, the refresh binding, the authorization details) shares the first cache
/// line with the `Arc`'s counts: a refresh token's grant is usually cold by the time the token comes back.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[repr(C)]
pub struct GrantDetails {
    /// The client the grant was issued to.
    pub client_id: ClientId,
    /// The consented scope (RFC 6749 §3.3). Refreshes may narrow it, never widen it.
    pub scope: Scope,
    /// The DPoP key the grant's refresh tokens are bound to (RFC 9449 §5: a public client's,
    /// from the proof that first obtained them): a refresh must come with a proof of that key.
    /// Boxed and next to the scope: every refresh reads it, from the grant's first cache line.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refresh_jkt: Option<Box<JwkThumbprint>>,
    /// The consented RFC 9396 authorization details.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub authorization_details: Option<AuthorizationDetails>,
    /// RFC 8707 resource indicators the grant is restricted to.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub resources: Vec<AbsoluteUri>,
    /// The resource owner and how they authenticated; `None` for `client_credentials`, where the
    /// client acts for itself.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub authentication: Option<Authentication>,
    /// The OIDC `claims` request (OIDC Core §5.5), applied at the UserInfo endpoint and in ID
    /// tokens.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub claims: Option<ClaimsRequest>,
}

impl GrantDetails {
    /// Whether the grant is an OpenID Connect one (its scope contains `openid`).
    pub fn is_openid(&self) -> bool {
        self.scope.iter().any(|token| token.as_str() == "openid")
    }
}

/// An authorization code, stored under the hash of the code (RFC 6749 §4.1.2).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CodeRecord {
    /// The grant family this code starts.
    pub grant: GrantId,
    /// What was granted.
    pub details: Arc<GrantDetails>,
    /// The `redirect_uri` parameter exactly as the authorization request sent it, if it sent one;
    /// the token request must then repeat it (RFC 6749 §4.1.3).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub redirect_uri: Option<RedirectUri>,
    /// The PKCE challenge bound to the code (RFC 7636 §4.4).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code_challenge: Option<CodeChallenge>,
    /// The OIDC `nonce`, copied into the ID token (OIDC Core §3.1.2.1).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nonce: Option<Nonce>,
    /// RFC 9449 §10: the DPoP key the code is bound to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dpop_jkt: Option<JwkThumbprint>,
    /// When the code was issued.
    #[serde(with = "time::serde::timestamp")]
    pub issued_at: OffsetDateTime,
    /// When the code stops being redeemable.
    #[serde(with = "time::serde::timestamp")]
    pub expires_at: OffsetDateTime,
}

/// An opaque access token, stored under the hash of the token.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AccessRecord {
    /// The grant family the token belongs to.
    pub grant: GrantId,
    /// What the token grants (its scope may be narrower than the grant's after a refresh).
    pub details: Arc<GrantDetails>,
    /// When the token was issued.
    #[serde(with = "time::serde::timestamp")]
    pub issued_at: OffsetDateTime,
    /// When the token expires.
    #[serde(with = "time::serde::timestamp")]
    pub expires_at: OffsetDateTime,
    /// The DPoP key the token is bound to (RFC 9449 §6.1 `cnf.jkt`): then it is a `DPoP`
    /// token, usable only with a proof signed by that key. Boxed, to keep the record small.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub jkt: Option<Box<JwkThumbprint>>,
}

/// A refresh token, stored under the hash of the token.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RefreshRecord {
    /// The grant family the token belongs to.
    pub grant: GrantId,
    /// The position of this token in its family's rotation chain: 0 for the first refresh token,
    /// one more at each rotation. Rotation is a compare-and-swap on it.
    pub generation: u64,
    /// What the grant allows: the refresh token keeps the originally consented scope even when a
    /// refresh narrows the access token (RFC 6749 §6).
    pub details: Arc<GrantDetails>,
    /// When the family's first token was issued.
    #[serde(with = "time::serde::timestamp")]
    pub issued_at: OffsetDateTime,
    /// When this token stops being usable.
    #[serde(with = "time::serde::timestamp")]
    pub expires_at: OffsetDateTime,
}

/// A pushed authorization request (RFC 9126 §2), stored under the hash of its `request_uri`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PushedRecord {
    /// The client that pushed it, authenticated.
    pub client_id: ClientId,
    /// The authorization request parameters, form-encoded exactly as they will be read back.
    pub parameters: String,
    /// When the `request_uri` stops being usable.
    #[serde(with = "time::serde::timestamp")]
    pub expires_at: OffsetDateTime,
}

/// A device authorization (RFC 8628 §3.1–§3.5), stored under the hash of its device code and
/// found from the verification page by the hash of its user code.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DeviceRecord {
    /// The client that asked, authenticated if confidential.
    pub client_id: ClientId,
    /// The scope the user is asked to grant (already narrowed to what the client may have).
    pub scope: Scope,
    /// RFC 8707 resource indicators of the request.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub resources: Vec<AbsoluteUri>,
    /// Where the request stands.
    pub status: DeviceStatus,
    /// The least time between two polls (RFC 8628 §3.2 `interval`), in seconds; each poll that
    /// comes sooner adds 5 (§3.5 `slow_down`).
    pub interval: u64,
    /// When the device last polled.
    #[serde(default, with = "time::serde::timestamp::option")]
    pub last_poll: Option<OffsetDateTime>,
    /// When the device and user codes stop being usable.
    #[serde(with = "time::serde::timestamp")]
    pub expires_at: OffsetDateTime,
}

/// Where a device authorization stands (RFC 8628 §3.3–§3.5).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum DeviceStatus {
    /// The user has not answered yet: polls get `authorization_pending`.
    Pending,
    /// The user approved: the next poll of the client redeems the grant.
    Approved {
        /// The new grant.
        grant: GrantId,
        /// What the user granted.
        details: Arc<GrantDetails>,
    },
    /// The user refused: polls get `access_denied`.
    Denied,
    /// The grant was redeemed: a later poll is a replay, which revokes the grant's tokens.
    Redeemed {
        /// The grant redeemed.
        grant: GrantId,
    },
}

/// A user's remembered consent for one client (skips the consent prompt next time).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Consent {
    /// Who consented.
    pub subject: Subject,
    /// To which client.
    pub client_id: ClientId,
    /// The scope consented to; a later request within it needs no new prompt.
    pub scope: Scope,
    /// The authorization details consented to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub authorization_details: Option<AuthorizationDetails>,
    /// When it was given.
    #[serde(with = "time::serde::timestamp")]
    pub given_at: OffsetDateTime,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn subject_rules() {
        assert!(Subject::parse("248289761001").is_ok());
        assert!(Subject::parse(&"a".repeat(255)).is_ok());
        assert_eq!(Subject::parse(&"a".repeat(256)), Err(InvalidSubject));
        assert_eq!(Subject::parse(""), Err(InvalidSubject));
        assert_eq!(Subject::parse("with space"), Err(InvalidSubject));
        assert_eq!(Subject::parse("é"), Err(InvalidSubject));
    }

    #[test]
    fn records_round_trip_through_json() {
        let details = GrantDetails {
            client_id: ClientId::parse("app").unwrap(),
            authentication: Some(Authentication {
                acr: Some("urn:mace:incommon:iap:silver".into()),
                amr: vec!["pwd".into()],
                ..Authentication::new(
                    Subject::parse("alice").unwrap(),
                    OffsetDateTime::from_unix_timestamp(1_700_000_000).unwrap(),
                )
            }),
            scope: Scope::parse("openid files:write:/diagrams").unwrap(),
            authorization_details: None,
            claims: Some(
                ClaimsRequest::parse(r#"{"id_token":{"acr":{"essential":true,"value":"gold"}}}"#)
                    .unwrap(),
            ),
            refresh_jkt: Some(Box::new(
                JwkThumbprint::parse("0ZcOCORZNYy-DWpqq30jZyJGHTN0d2HglBV3uiguA4I").unwrap(),
            )),
            resources: Vec::new(),
        };
        assert!(details.is_openid());
        let details = Arc::new(details);
        let at = |seconds| OffsetDateTime::from_unix_timestamp(seconds).unwrap();
        let record = RefreshRecord {
            grant: GrantId::from_bytes([7; 16]),
            generation: 3,
            details: Arc::clone(&details),
            issued_at: at(1_700_000_000),
            expires_at: at(1_700_086_400),
        };
        let json = serde_json::to_string(&record).unwrap();
        assert_eq!(
            serde_json::from_str::<RefreshRecord>(&json).unwrap(),
            record
        );

        // A device authorization, in each of its states (a store keeps them as JSON too).
        for status in [
            DeviceStatus::Pending,
            DeviceStatus::Approved {
                grant: GrantId::from_bytes([9; 16]),
                details: Arc::clone(&details),
            },
            DeviceStatus::Denied,
            DeviceStatus::Redeemed {
                grant: GrantId::from_bytes([9; 16]),
            },
        ] {
            for last_poll in [None, Some(at(1_700_000_010))] {
                let device = DeviceRecord {
                    client_id: ClientId::parse("tv").unwrap(),
                    scope: Scope::parse("openid").unwrap(),
                    resources: Vec::new(),
                    status: status.clone(),
                    interval: 10,
                    last_poll,
                    expires_at: at(1_700_000_600),
                };
                let json = serde_json::to_string(&device).unwrap();
                assert_eq!(
                    serde_json::from_str::<DeviceRecord>(&json).unwrap(),
                    device,
                    "{json}"
                );
            }
        }
    }
}

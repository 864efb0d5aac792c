//! Storage as effects: what the engine asks of a store, and the traits that answer.
//!
//! The engine never holds a database handle. A step that needs the store yields an [`Effect`];
//! the embedder (or a driver) performs it and resumes the flow with the [`Outcome`]. Every effect
//! that decides security is **one atomic operation**, so that many stateless replicas can share
//! one database and stay correct:
//!
//! | effect | semantics | one SQL statement |
//! |---|---|---|
//! | [`Effect::TakeCode`] | delete-and-return; a second take finds the tombstone | `UPDATE codes SET taken = true WHERE hash = $1 AND NOT taken RETURNING …` |
//! | [`Effect::RotateRefresh`] | compare-and-swap on the family's generation, then insert the new refresh token and the records that come with it | `UPDATE grants SET generation = $n + 1, rotated_at = $t WHERE id = $g AND generation = $n AND NOT revoked`, then the inserts, in one transaction |
//! | [`Effect::ConsumeJti`] | insert-if-absent | `INSERT … ON CONFLICT DO NOTHING` |
//! | [`Effect::RevokeFamily`] | mark the grant revoked; every token of the family dies with it | `UPDATE grants SET revoked = true WHERE id = $1` |
//!
//! Reads of tokens ([`Effect::AccessToken`], [`Effect::RefreshToken`],
//! [`Effect::ClientAndRefreshToken`]) must treat a token of a revoked family as absent (a join on
//! the grant, or a check of its `revoked` flag). Reads need no atomicity of their own: what
//! decides is the compare-and-swap that follows.
//!
//! Refresh-token families: each grant has a *generation*, 0 when its first refresh token is
//! written. A refresh token is current while its own generation equals its family's; a rotation
//! advances the family by one, which supersedes every older token at once.

mod memory;

use std::sync::Arc;

use std::fmt;
use std::future::Future;

use ostium_messages::values::ClientId;
use time::OffsetDateTime;

use crate::client::Client;
use crate::records::{
    AccessRecord, CodeRecord, Consent, DeviceRecord, DeviceStatus, PushedRecord, RefreshRecord,
    Subject,
};
use crate::secret::{GrantId, SecretHash};

pub use memory::MemoryStore;

/// One operation the engine needs from the store.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub enum Effect {
    /// Look up a client by id. Answer [`Outcome::Client`].
    Client(ClientId),
    /// Write new records (a code; or an access token and perhaps a refresh token; or a consent).
    /// They are fresh keys, so order does not matter. Answer [`Outcome::Written`].
    Write(Vec<Write>),
    /// Atomically take the code with this hash. Answer [`Outcome::Code`].
    TakeCode(SecretHash),
    /// Atomically take (read and delete) the pushed authorization request whose `request_uri`
    /// has this hash (RFC 9126 §2.2: one-time use). Answer [`Outcome::PushedRequest`].
    TakePushedRequest(SecretHash),
    /// Read an opaque access token. Answer [`Outcome::AccessToken`].
    AccessToken(SecretHash),
    /// Read a refresh token. Answer [`Outcome::RefreshToken`].
    RefreshToken(SecretHash),
    /// Look up a client and read a refresh token, in one round trip: the two reads a refresh
    /// request needs (the engine still authenticates the client before it looks at the token).
    /// Answer [`Outcome::ClientAndRefreshToken`].
    ClientAndRefreshToken {
        /// The client, as for [`Effect::Client`].
        client_id: ClientId,
        /// The refresh token's hash, as for [`Effect::RefreshToken`].
        refresh_hash: SecretHash,
    },
    /// Compare-and-swap: if the family `grant` is live at `expected_generation`, advance it to
    /// `expected_generation + 1` and write `writes`; otherwise write nothing. Answer
    /// [`Outcome::Rotation`].
    RotateRefresh {
        /// The family.
        grant: GrantId,
        /// The family generation the presented token was read at.
        expected_generation: u64,
        /// The time of the rotation, kept with the superseded token.
        at: OffsetDateTime,
        /// Records to write if, and only if, the rotation succeeds (fresh keys): the new refresh
        /// token (a [`Write::RefreshToken`] of generation `expected_generation + 1`) and the
        /// access token minted with it.
        writes: Vec<Write>,
    },
    /// Revoke a grant family: its code (if not yet taken) and every token issued from it.
    /// Answer [`Outcome::Written`].
    RevokeFamily(GrantId),
    /// Forget a client and revoke every grant issued to it: its codes, access and refresh tokens
    /// and device authorizations stop working (RFC 7592 §2.3). Its remembered consents go too.
    /// Answer [`Outcome::Written`].
    RemoveClient(ClientId),
    /// Revoke one opaque access token. Answer [`Outcome::Written`].
    RevokeAccessToken(SecretHash),
    /// Record a JWT `jti` as used until `expires_at`, if it is not recorded yet (client
    /// assertions, DPoP proofs). Answer [`Outcome::Jti`].
    ConsumeJti {
        /// Whose `jti` namespace (the assertion's issuer).
        issuer: String,
        /// The `jti`.
        jti: String,
        /// After this the record may be forgotten: the JWT itself has expired.
        expires_at: OffsetDateTime,
    },
    /// Read the user's claims (OIDC Core §5.1), for the UserInfo endpoint or for an ID token
    /// whose `claims` request names some (§5.5): at least the named ones the user has; extra
    /// ones are filtered out by the engine. Answer [`Outcome::Claims`].
    Claims {
        /// The user.
        subject: Subject,
        /// The claim names the request releases.
        names: Vec<String>,
    },
    /// Find a device authorization by the hash of its user code (RFC 8628 §3.3), for the
    /// verification page. Answer [`Outcome::Device`].
    DeviceByUserCode(SecretHash),
    /// Record the user's answer to a device authorization found by the hash of its user code:
    /// if, and only if, it is still [`DeviceStatus::Pending`], set it to `decision`
    /// ([`DeviceStatus::Approved`] or [`DeviceStatus::Denied`]). Answer
    /// [`Outcome::DeviceDecided`].
    DecideDevice {
        /// The hash of the user code.
        user_code: SecretHash,
        /// The user's answer.
        decision: DeviceStatus,
    },
    /// A device polls the token endpoint (RFC 8628 §3.4–§3.5). Atomically, for the record under
    /// `device_code` if it belongs to `client_id` (otherwise change nothing):
    /// - if [`DeviceStatus::Pending`]: the poll is too soon when `at` is earlier than
    ///   `last_poll + interval`; then add 5 to `interval`. Set `last_poll` to `at`;
    /// - if [`DeviceStatus::Approved`]: set it to [`DeviceStatus::Redeemed`], so that the grant
    ///   is redeemed once.
    ///
    /// Answer [`Outcome::DevicePoll`] with the record as it was *before* this poll.
    PollDevice {
        /// The hash of the device code.
        device_code: SecretHash,
        /// The authenticated client polling.
        client_id: ClientId,
        /// The time of the poll.
        at: OffsetDateTime,
    },
    /// Read the user's remembered consent for a client. Answer [`Outcome::Consent`].
    Consent {
        /// The user.
        subject: Subject,
        /// The client.
        client_id: ClientId,
    },
    /// Look up a client and read the logged-in user's remembered consent for it, in one round
    /// trip: the two reads of an authorization request with a session (the consent is looked
    /// at only once the request is validated and the login accepted). Answer
    /// [`Outcome::ClientAndConsent`].
    ClientAndConsent {
        /// The client, as for [`Effect::Client`].
        client_id: ClientId,
        /// The user, as for [`Effect::Consent`].
        subject: Subject,
    },
}

/// One record to write.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub enum Write {
    /// An authorization code under the hash of the code.
    Code(SecretHash, Box<CodeRecord>),
    /// An opaque access token under its hash.
    AccessToken(SecretHash, Box<AccessRecord>),
    /// A refresh token under its hash: the first of a family, or (in
    /// [`Effect::RotateRefresh`]) the next.
    RefreshToken(SecretHash, Box<RefreshRecord>),
    /// A remembered consent (replacing any previous one for the same user and client).
    Consent(Box<Consent>),
    /// A pushed authorization request under the hash of its `request_uri` (RFC 9126).
    PushedRequest(SecretHash, Box<PushedRecord>),
    /// A client registered dynamically (RFC 7591), under its new id.
    Client(Arc<Client>),
    /// A device authorization under the hash of its device code, also found by the hash of its
    /// user code (RFC 8628 §3.2).
    Device {
        /// The hash of the device code.
        device_code: SecretHash,
        /// The hash of the user code, normalized.
        user_code: SecretHash,
        /// The record.
        record: Box<DeviceRecord>,
    },
}

/// The store's answer to an [`Effect`].
#[derive(Clone, Debug)]
#[non_exhaustive]
pub enum Outcome {
    /// For [`Effect::Client`].
    Client(Option<Arc<Client>>),
    /// For [`Effect::Write`], [`Effect::RevokeFamily`] and [`Effect::RevokeAccessToken`].
    Written,
    /// For [`Effect::TakeCode`].
    Code(TakenCode),
    /// For [`Effect::TakePushedRequest`]: the record, if it existed (it is gone now).
    PushedRequest(Option<Box<PushedRecord>>),
    /// For [`Effect::AccessToken`]: `None` if unknown or its family is revoked.
    AccessToken(Option<Box<AccessRecord>>),
    /// For [`Effect::RefreshToken`].
    RefreshToken(RefreshLookup),
    /// For [`Effect::ClientAndRefreshToken`].
    ClientAndRefreshToken {
        /// As [`Outcome::Client`] would hold it.
        client: Option<Arc<Client>>,
        /// As [`Outcome::RefreshToken`] would hold it.
        refresh: RefreshLookup,
    },
    /// For [`Effect::RotateRefresh`].
    Rotation(Rotation),
    /// For [`Effect::ConsumeJti`].
    Jti(JtiUse),
    /// For [`Effect::Consent`].
    Consent(Option<Box<Consent>>),
    /// For [`Effect::ClientAndConsent`].
    ClientAndConsent {
        /// As [`Outcome::Client`] would hold it.
        client: Option<Arc<Client>>,
        /// As [`Outcome::Consent`] would hold it.
        consent: Option<Box<Consent>>,
    },
    /// For [`Effect::Claims`]: the user's claims by name (`None` if the user no longer exists).
    Claims(Option<serde_json::Map<String, serde_json::Value>>),
    /// For [`Effect::DeviceByUserCode`]: the record, if the user code is known.
    Device(Option<Box<DeviceRecord>>),
    /// For [`Effect::DecideDevice`]: whether the answer was recorded (the authorization was
    /// known and still pending).
    DeviceDecided(bool),
    /// For [`Effect::PollDevice`].
    DevicePoll {
        /// The record before the poll; `None` if the device code is unknown.
        before: Option<Box<DeviceRecord>>,
        /// Whether the poll came too soon (its interval has just grown by 5 s).
        too_soon: bool,
    },
}

/// The result of taking a code.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub enum TakenCode {
    /// The code was live and is now taken: this caller alone redeems it.
    Taken(Box<CodeRecord>),
    /// The code was taken before: a replay. The engine revokes the family (RFC 6749 §4.1.2).
    AlreadyTaken(GrantId),
    /// No such code (never issued, or forgotten long after expiry).
    Unknown,
}

/// The result of reading a refresh token.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub enum RefreshLookup {
    /// The current token of a live family.
    Current(RefreshRecord),
    /// A token that was rotated out: presenting it again is reuse (RFC 9700 §4.14.2), unless
    /// the optional grace window applies.
    Superseded {
        /// The superseded token's record.
        record: RefreshRecord,
        /// When its family last rotated, if the token is the *immediate* predecessor of the
        /// current one (generation one below the family's); `None` if older.
        rotated_at: Option<OffsetDateTime>,
    },
    /// Unknown, or its family is revoked.
    Unknown,
}

/// The result of a refresh-token compare-and-swap.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Rotation {
    /// This caller rotated the token; the new one is stored.
    Rotated,
    /// Someone rotated it first (a concurrent or replayed request), or the family was revoked.
    Conflict,
}

/// The result of recording a `jti`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum JtiUse {
    /// First use: recorded.
    Fresh,
    /// Seen before: a replay.
    Replayed,
}

/// A store failure. Opaque to the peer (the engine answers `server_error` / HTTP 500); the
/// source is kept for the embedder's logs.
pub struct StoreError(Box<dyn std::error::Error + Send + Sync>);

impl StoreError {
    /// Wraps the store's own error.
    pub fn new(source: impl Into<Box<dyn std::error::Error + Send + Sync>>) -> Self {
        Self(source.into())
    }
}

impl fmt::Debug for StoreError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("StoreError").field(&self.0).finish()
    }
}

impl fmt::Display for StoreError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "store failed: {}", self.0)
    }
}

impl std::error::Error for StoreError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&*self.0)
    }
}

/// A synchronous store. Implement [`execute`](Store::execute) by matching on the effect, one
/// atomic operation per arm (see the module table).
pub trait Store {
    /// Performs one effect.
    ///
    /// # Errors
    ///
    /// [`StoreError`] when the store fails; the engine answers `server_error`.
    fn execute(&self, effect: Effect) -> Result<Outcome, StoreError>;
}

/// An asynchronous store, for databases reached over the network.
pub trait AsyncStore {
    /// Performs one effect. The future must be `Send` so that the driver can run on a
    /// multi-threaded runtime.
    fn execute(&self, effect: Effect) -> impl Future<Output = Result<Outcome, StoreError>> + Send;
}

impl<S: Store + ?Sized> Store for &S {
    fn execute(&self, effect: Effect) -> Result<Outcome, StoreError> {
        (**self).execute(effect)
    }
}

impl<S: Store + ?Sized> Store for std::sync::Arc<S> {
    fn execute(&self, effect: Effect) -> Result<Outcome, StoreError> {
        (**self).execute(effect)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Effects and outcomes are moved through every step of every flow: a large variant makes
    /// each of those moves a call to `memcpy`. Records that are rarely moved go in a `Box` or
    /// in a `Vec<Write>`.
    #[test]
    #[cfg(target_pointer_width = "64")]
    fn effects_and_outcomes_stay_small() {
        assert!(std::mem::size_of::<Effect>() <= 72);
        assert!(std::mem::size_of::<Outcome>() <= 88);
    }
}

//! The in-memory store: the embedded default, and the reference implementation of the effect
//! semantics.

use std::sync::Arc;

use std::collections::HashMap;
use std::sync::{Mutex, MutexGuard};

use ostium_messages::values::ClientId;
use time::{Duration, OffsetDateTime};

use super::{
    AsyncStore, Effect, JtiUse, Outcome, RefreshLookup, Rotation, Store, StoreError, TakenCode,
    Write,
};
use crate::client::Client;
use crate::records::{
    AccessRecord, CodeRecord, Consent, DeviceRecord, DeviceStatus, PushedRecord, RefreshRecord,
    Subject,
};
use crate::secret::{GrantId, SecretHash};

/// A thread-safe in-memory [`Store`] and [`AsyncStore`].
///
/// Every effect runs under one mutex, so each is atomic by construction. Suitable for a single
/// process (a CLI, a test, a small server); replicas need a shared database implementing the same
/// semantics. Call [`purge_expired`](Self::purge_expired) now and then to drop dead records.
#[derive(Debug, Default)]
pub struct MemoryStore {
    state: Mutex<State>,
}

#[derive(Debug, Default)]
struct State {
    clients: HashMap<ClientId, Arc<Client>, OperatorKeys>,
    codes: HashMap<SecretHash, CodeSlot, RandomKeys>,
    /// Token records are boxed: a table entry is then a key and a pointer (40 bytes, not about
    /// 100), so that a store of many tokens keeps its tables compact, and a new record is
    /// written into freshly allocated memory rather than into a table line not touched since
    /// it was last emptied. A lookup pays one pointer chase; inserting two tokens per refresh
    /// costs less (measured: about 10% off a refresh and a code redemption).
    access_tokens: HashMap<SecretHash, Box<AccessRecord>, RandomKeys>,
    refresh_tokens: HashMap<SecretHash, Box<RefreshRecord>, RandomKeys>,
    /// Every grant with a refresh-token family or a revocation: one entry, so that a token's
    /// lookup reads its family's state and revocation in one probe.
    families: HashMap<GrantId, Family, RandomKeys>,
    jtis: HashMap<(String, String), OffsetDateTime>,
    consents: HashMap<(Subject, ClientId), Consent>,
    claims: HashMap<Subject, serde_json::Map<String, serde_json::Value>>,
    pushed: HashMap<SecretHash, PushedRecord, RandomKeys>,
    /// Device authorizations by device-code hash (RFC 8628).
    devices: HashMap<SecretHash, Box<DeviceRecord>, RandomKeys>,
    /// Device-code hashes by user-code hash. A user code is short, but the table's keys are
    /// hashes of codes the server drew: a typed guess only probes.
    user_codes: HashMap<SecretHash, SecretHash, RandomKeys>,
}

/// Hashing for keys that are already uniformly distributed: SHA-256 hashes of secrets and random
/// grant ids. Their first eight octets are as good a table hash as any keyed hash would give, so
/// SipHash's work is skipped. An attacker chooses only the *presented* secrets, whose hashes land
/// uniformly; the stored keys, which shape the table, come from the server's own randomness.
/// Never use it for keys an attacker chooses directly (`jti`s, subjects).
#[derive(Clone, Copy, Debug, Default)]
struct RandomKeys;

impl std::hash::BuildHasher for RandomKeys {
    type Hasher = FirstOctets;

    fn build_hasher(&self) -> FirstOctets {
        FirstOctets(0)
    }
}

/// Hashing for keys a request cannot choose on insert: client ids the operator registers, or that
/// the server mints at dynamic registration (random). A request chooses the id it looks up, but a
/// lookup cannot add to the table, so a crafted id costs one probe sequence like any other and
/// flooding (which needs chosen inserts) is impossible; a keyed hash buys nothing here. Never use
/// it for tables whose keys requests choose (`jti`s, consents).
#[derive(Clone, Copy, Debug, Default)]
struct OperatorKeys;

impl std::hash::BuildHasher for OperatorKeys {
    type Hasher = MultiplyRotate;

    fn build_hasher(&self) -> MultiplyRotate {
        MultiplyRotate(0)
    }
}

/// The [`OperatorKeys`] hasher: eight octets at a time, rotate, xor and multiply by an odd
/// constant (the golden ratio's 64-bit fraction); a short tail is padded with zeros.
#[derive(Debug)]
struct MultiplyRotate(u64);

impl MultiplyRotate {
    const FACTOR: u64 = 0x9E37_79B9_7F4A_7C15;

    fn mix(&mut self, word: u64) {
        self.0 = (self.0.rotate_left(5) ^ word).wrapping_mul(Self::FACTOR);
    }
}

impl std::hash::Hasher for MultiplyRotate {
    fn finish(&self) -> u64 {
        // The multiply leaves the low bits weakest; the table indexes by them.
        self.0 ^ (self.0 >> 29)
    }

    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for chunk in &mut chunks {
            let mut word = [0u8; 8];
            word.copy_from_slice(chunk);
            self.mix(u64::from_le_bytes(word));
        }
        let tail = chunks.remainder();
        if !tail.is_empty() {
            let mut word = [0u8; 8];
            for (slot, byte) in word.iter_mut().zip(tail) {
                *slot = *byte;
            }
            self.mix(u64::from_le_bytes(word));
        }
    }

    fn write_u8(&mut self, byte: u8) {
        self.mix(u64::from(byte));
    }

    fn write_usize(&mut self, value: usize) {
        self.mix(value as u64);
    }
}

/// The [`RandomKeys`] hasher: the first eight octets written (a slice's length prefix, written
/// through `write_usize`, carries nothing and is ignored).
#[derive(Debug)]
struct FirstOctets(u64);

impl std::hash::Hasher for FirstOctets {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        let mut word = [0u8; 8];
        for (slot, byte) in word.iter_mut().zip(bytes) {
            *slot = *byte;
        }
        self.0 ^= u64::from_le_bytes(word);
    }

    fn write_usize(&mut self, _length_prefix: usize) {}
}

#[derive(Debug)]
enum CodeSlot {
    Live(Box<CodeRecord>),
    /// Kept after redemption so that a replay is recognised and its family revoked.
    Taken {
        grant: GrantId,
        expires_at: OffsetDateTime,
    },
}

/// A grant's family state: its refresh-token rotation, and whether it is revoked (a revoked
/// grant may have no refresh token at all, e.g. after a replayed code).
#[derive(Debug, Clone, Copy)]
struct Family {
    generation: u64,
    rotated_at: Option<OffsetDateTime>,
    revoked: bool,
}

/// How long a taken code's tombstone and a superseded refresh token are remembered past their
/// expiry, so that late replays still revoke their family.
const TOMBSTONE_RETENTION: Duration = Duration::days(1);

impl MemoryStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }

    /// Registers (or replaces) a client.
    ///
    /// # Errors
    ///
    /// [`StoreError`] if the store's lock was poisoned by a panic elsewhere.
    pub fn register(&self, client: Client) -> Result<(), StoreError> {
        self.lock()?
            .clients
            .insert(client.id.clone(), Arc::new(client));
        Ok(())
    }

    /// Sets a user's claims (OIDC Core §5.1), as the UserInfo endpoint will release them.
    ///
    /// # Errors
    ///
    /// [`StoreError`] if the store's lock was poisoned by a panic elsewhere.
    pub fn set_claims(
        &self,
        subject: Subject,
        claims: serde_json::Map<String, serde_json::Value>,
    ) -> Result<(), StoreError> {
        self.lock()?.claims.insert(subject, claims);
        Ok(())
    }

    /// Forgets everything that can no longer matter at `now`: expired codes and tokens, tombstones
    /// older than a day past their expiry, expired `jti` records.
    ///
    /// # Errors
    ///
    /// [`StoreError`] if the store's lock was poisoned by a panic elsewhere.
    pub fn purge_expired(&self, now: OffsetDateTime) -> Result<(), StoreError> {
        let mut state = self.lock()?;
        let keep_until =
            |expires_at: OffsetDateTime| expires_at.saturating_add(TOMBSTONE_RETENTION) > now;
        state.codes.retain(|_, slot| match slot {
            CodeSlot::Live(record) => keep_until(record.expires_at),
            CodeSlot::Taken { expires_at, .. } => keep_until(*expires_at),
        });
        state
            .access_tokens
            .retain(|_, record| record.expires_at > now);
        state
            .refresh_tokens
            .retain(|_, record| keep_until(record.expires_at));
        state.jtis.retain(|_, expires_at| *expires_at > now);
        state.pushed.retain(|_, record| record.expires_at > now);
        state
            .devices
            .retain(|_, record| keep_until(record.expires_at));
        let State {
            devices,
            user_codes,
            ..
        } = &mut *state;
        user_codes.retain(|_, device| devices.contains_key(device));
        // A grant's family state (generation, revocation) matters only while a record of the
        // grant remains; forget the rest, or the store grows by one entry per grant forever.
        let mut live = std::collections::HashSet::with_hasher(RandomKeys);
        for slot in state.codes.values() {
            live.insert(match slot {
                CodeSlot::Live(record) => record.grant,
                CodeSlot::Taken { grant, .. } => *grant,
            });
        }
        live.extend(state.access_tokens.values().map(|record| record.grant));
        live.extend(state.refresh_tokens.values().map(|record| record.grant));
        live.extend(
            state
                .devices
                .values()
                .filter_map(|record| match &record.status {
                    DeviceStatus::Approved { grant, .. } | DeviceStatus::Redeemed { grant } => {
                        Some(*grant)
                    }
                    DeviceStatus::Pending | DeviceStatus::Denied => None,
                }),
        );
        state.families.retain(|grant, _| live.contains(grant));
        Ok(())
    }

    /// How many grant families the store tracks (rotation state and revocations). For tests and
    /// metrics.
    ///
    /// # Errors
    ///
    /// [`StoreError`] if the store's lock was poisoned by a panic elsewhere.
    pub fn grant_count(&self) -> Result<usize, StoreError> {
        Ok(self.lock()?.families.len())
    }

    /// How many records of each kind the store holds: (codes incl. tombstones, access tokens,
    /// refresh tokens incl. superseded ones, `jti`s). For tests and metrics.
    ///
    /// # Errors
    ///
    /// [`StoreError`] if the store's lock was poisoned by a panic elsewhere.
    pub fn counts(&self) -> Result<(usize, usize, usize, usize), StoreError> {
        let state = self.lock()?;
        Ok((
            state.codes.len(),
            state.access_tokens.len(),
            state.refresh_tokens.len(),
            state.jtis.len(),
        ))
    }

    fn lock(&self) -> Result<MutexGuard<'_, State>, StoreError> {
        self.state
            .lock()
            .map_err(|_| StoreError::new("memory store lock poisoned"))
    }
}

impl State {
    fn is_revoked(&self, grant: &GrantId) -> bool {
        self.families
            .get(grant)
            .is_some_and(|family| family.revoked)
    }

    fn consent(&self, subject: Subject, client_id: ClientId) -> Option<Box<Consent>> {
        self.consents
            .get(&(subject, client_id))
            .cloned()
            .map(Box::new)
    }

    fn execute(&mut self, effect: Effect) -> Outcome {
        match effect {
            Effect::Client(id) => Outcome::Client(self.clients.get(&id).cloned()),
            Effect::Write(writes) => {
                for write in writes {
                    self.write(write);
                }
                Outcome::Written
            }
            Effect::TakeCode(hash) => Outcome::Code(self.take_code(hash)),
            Effect::TakePushedRequest(hash) => {
                Outcome::PushedRequest(self.pushed.remove(&hash).map(Box::new))
            }
            Effect::AccessToken(hash) => Outcome::AccessToken(
                self.access_tokens
                    .get(&hash)
                    .filter(|record| !self.is_revoked(&record.grant))
                    .cloned(),
            ),
            Effect::RefreshToken(hash) => Outcome::RefreshToken(self.refresh_token(&hash)),
            Effect::ClientAndRefreshToken {
                client_id,
                refresh_hash,
            } => Outcome::ClientAndRefreshToken {
                client: self.clients.get(&client_id).cloned(),
                refresh: self.refresh_token(&refresh_hash),
            },
            Effect::RotateRefresh {
                grant,
                expected_generation,
                at,
                writes,
            } => {
                let rotation = self.rotate(grant, expected_generation, at);
                if rotation == Rotation::Rotated {
                    for write in writes {
                        self.write(write);
                    }
                }
                Outcome::Rotation(rotation)
            }
            Effect::RevokeFamily(grant) => {
                self.revoke_family(grant);
                Outcome::Written
            }
            Effect::RemoveClient(client_id) => {
                self.remove_client(&client_id);
                Outcome::Written
            }
            Effect::RevokeAccessToken(hash) => {
                self.access_tokens.remove(&hash);
                Outcome::Written
            }
            Effect::ConsumeJti {
                issuer,
                jti,
                expires_at,
            } => match self.jtis.entry((issuer, jti)) {
                std::collections::hash_map::Entry::Occupied(_) => Outcome::Jti(JtiUse::Replayed),
                std::collections::hash_map::Entry::Vacant(slot) => {
                    slot.insert(expires_at);
                    Outcome::Jti(JtiUse::Fresh)
                }
            },
            Effect::Claims { subject, names } => {
                Outcome::Claims(self.claims.get(&subject).map(|all| {
                    all.iter()
                        .filter(|(name, _)| names.iter().any(|wanted| wanted == *name))
                        .map(|(name, value)| (name.clone(), value.clone()))
                        .collect()
                }))
            }
            Effect::Consent { subject, client_id } => {
                Outcome::Consent(self.consent(subject, client_id))
            }
            Effect::DeviceByUserCode(user_code) => Outcome::Device(
                self.user_codes
                    .get(&user_code)
                    .and_then(|device| self.devices.get(device))
                    .cloned(),
            ),
            Effect::DecideDevice {
                user_code,
                decision,
            } => {
                let record = self
                    .user_codes
                    .get(&user_code)
                    .and_then(|device| self.devices.get_mut(device))
                    .filter(|record| record.status == DeviceStatus::Pending);
                Outcome::DeviceDecided(record.is_some_and(|record| {
                    record.status = decision;
                    true
                }))
            }
            Effect::PollDevice {
                device_code,
                client_id,
                at,
            } => self.poll_device(&device_code, &client_id, at),
            Effect::ClientAndConsent { client_id, subject } => Outcome::ClientAndConsent {
                client: self.clients.get(&client_id).cloned(),
                consent: self.consent(subject, client_id),
            },
        }
    }

    fn write(&mut self, write: Write) {
        match write {
            Write::Code(hash, record) => {
                self.codes.insert(hash, CodeSlot::Live(record));
            }
            Write::AccessToken(hash, record) => {
                self.access_tokens.insert(hash, record);
            }
            Write::RefreshToken(hash, record) => {
                self.families.entry(record.grant).or_insert(Family {
                    generation: record.generation,
                    rotated_at: None,
                    revoked: false,
                });
                self.refresh_tokens.insert(hash, record);
            }
            Write::PushedRequest(hash, record) => {
                self.pushed.insert(hash, *record);
            }
            Write::Client(client) => {
                self.clients.insert(client.id.clone(), client);
            }
            Write::Device {
                device_code,
                user_code,
                record,
            } => {
                self.devices.insert(device_code, record);
                self.user_codes.insert(user_code, device_code);
            }
            Write::Consent(consent) => {
                let key = (consent.subject.clone(), consent.client_id.clone());
                self.consents.insert(key, *consent);
            }
        }
    }

    fn take_code(&mut self, hash: SecretHash) -> TakenCode {
        let Some(slot) = self.codes.get_mut(&hash) else {
            return TakenCode::Unknown;
        };
        match slot {
            CodeSlot::Taken { grant, .. } => TakenCode::AlreadyTaken(*grant),
            CodeSlot::Live(record)
                if self
                    .families
                    .get(&record.grant)
                    .is_some_and(|family| family.revoked) =>
            {
                TakenCode::Unknown
            }
            CodeSlot::Live(record) => {
                let tombstone = CodeSlot::Taken {
                    grant: record.grant,
                    expires_at: record.expires_at,
                };
                match std::mem::replace(slot, tombstone) {
                    CodeSlot::Live(record) => TakenCode::Taken(record),
                    // Unreachable: this arm matched `Live` above, under the same lock.
                    CodeSlot::Taken { grant, .. } => TakenCode::AlreadyTaken(grant),
                }
            }
        }
    }

    fn refresh_token(&self, hash: &SecretHash) -> RefreshLookup {
        let Some(record) = self.refresh_tokens.get(hash) else {
            return RefreshLookup::Unknown;
        };
        let Some(family) = self.families.get(&record.grant) else {
            return RefreshLookup::Unknown;
        };
        if family.revoked {
            return RefreshLookup::Unknown;
        }
        if record.generation == family.generation {
            RefreshLookup::Current(RefreshRecord::clone(record))
        } else {
            let immediate = record.generation.checked_add(1) == Some(family.generation);
            RefreshLookup::Superseded {
                record: RefreshRecord::clone(record),
                rotated_at: family.rotated_at.filter(|_| immediate),
            }
        }
    }

    fn poll_device(
        &mut self,
        device_code: &SecretHash,
        client_id: &ClientId,
        at: OffsetDateTime,
    ) -> Outcome {
        let Some(record) = self.devices.get_mut(device_code) else {
            return Outcome::DevicePoll {
                before: None,
                too_soon: false,
            };
        };
        let before = record.clone();
        let mut too_soon = false;
        if record.client_id == *client_id {
            match &record.status {
                DeviceStatus::Pending => {
                    let interval =
                        Duration::seconds(i64::try_from(record.interval).unwrap_or(i64::MAX));
                    too_soon = record
                        .last_poll
                        .is_some_and(|last| at < last.saturating_add(interval));
                    if too_soon {
                        record.interval = record.interval.saturating_add(5);
                    }
                    record.last_poll = Some(at);
                }
                DeviceStatus::Approved { grant, .. } => {
                    record.status = DeviceStatus::Redeemed { grant: *grant };
                }
                DeviceStatus::Denied | DeviceStatus::Redeemed { .. } => {}
            }
        }
        Outcome::DevicePoll {
            before: Some(before),
            too_soon,
        }
    }

    /// Marks a grant family revoked: its code and every token of it stop working.
    fn revoke_family(&mut self, grant: GrantId) {
        self.families
            .entry(grant)
            .or_insert(Family {
                generation: 0,
                rotated_at: None,
                revoked: true,
            })
            .revoked = true;
    }

    fn remove_client(&mut self, client_id: &ClientId) {
        self.clients.remove(client_id);
        let mut grants: Vec<GrantId> = Vec::new();
        for slot in self.codes.values() {
            if let CodeSlot::Live(record) = slot
                && record.details.client_id == *client_id
            {
                grants.push(record.grant);
            }
        }
        grants.extend(
            self.access_tokens
                .values()
                .filter(|record| record.details.client_id == *client_id)
                .map(|record| record.grant),
        );
        grants.extend(
            self.refresh_tokens
                .values()
                .filter(|record| record.details.client_id == *client_id)
                .map(|record| record.grant),
        );
        grants.extend(
            self.devices
                .values()
                .filter_map(|record| match &record.status {
                    DeviceStatus::Approved { grant, details }
                        if details.client_id == *client_id =>
                    {
                        Some(*grant)
                    }
                    _ => None,
                }),
        );
        for grant in grants {
            self.revoke_family(grant);
        }
        // Pending device requests of the client cannot be approved any more.
        self.devices
            .retain(|_, record| record.client_id != *client_id);
        self.consents.retain(|(_, client), _| client != client_id);
    }

    fn rotate(&mut self, grant: GrantId, expected_generation: u64, at: OffsetDateTime) -> Rotation {
        let Some(family) = self.families.get_mut(&grant) else {
            return Rotation::Conflict;
        };
        if family.revoked || family.generation != expected_generation {
            return Rotation::Conflict;
        }
        family.generation = expected_generation.saturating_add(1);
        family.rotated_at = Some(at);
        Rotation::Rotated
    }
}

impl Store for MemoryStore {
    fn execute(&self, effect: Effect) -> Result<Outcome, StoreError> {
        Ok(self.lock()?.execute(effect))
    }
}

impl AsyncStore for MemoryStore {
    fn execute(
        &self,
        effect: Effect,
    ) -> impl std::future::Future<Output = Result<Outcome, StoreError>> + Send {
        std::future::ready(Store::execute(self, effect))
    }
}

#[cfg(test)]
mod tests {
    use std::hash::BuildHasher;

    use super::*;

    #[test]
    fn random_keys_hash_by_their_leading_octets() {
        let a = SecretHash::of("code-a");
        let b = SecretHash::of("code-b");
        let leading = |hash: &SecretHash| {
            let mut word = [0u8; 8];
            word.copy_from_slice(&hash.as_bytes()[..8]);
            u64::from_le_bytes(word)
        };
        assert_eq!(RandomKeys.hash_one(a), leading(&a));
        assert_ne!(RandomKeys.hash_one(a), RandomKeys.hash_one(b));
        let grant = GrantId::from_bytes([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16]);
        assert_eq!(
            RandomKeys.hash_one(grant),
            u64::from_le_bytes([1, 2, 3, 4, 5, 6, 7, 8])
        );
    }

    /// Client ids that differ anywhere (including past the first eight octets, and by a
    /// prefix relation) hash differently, and registered clients are found by an equal id.
    #[test]
    fn operator_keys_spread_client_ids() {
        let ids = [
            "app",
            "app1",
            "app-000001",
            "app-000002",
            "a",
            "photo-app",
            "photo-apq",
        ];
        let hashes: std::collections::HashSet<u64> = ids
            .iter()
            .map(|id| OperatorKeys.hash_one(ClientId::parse(id).unwrap()))
            .collect();
        assert_eq!(hashes.len(), ids.len());
        let store = MemoryStore::new();
        for id in ids {
            let client = Client::public(
                ClientId::parse(id).unwrap(),
                Vec::new(),
                ostium_scope::ClientScope::new(ostium_scope::Scope::new()),
            );
            store.register(client).unwrap();
        }
        for id in ids {
            let found = Store::execute(&store, Effect::Client(ClientId::parse(id).unwrap()));
            assert!(matches!(found, Ok(Outcome::Client(Some(client))) if client.id.as_str() == id));
        }
    }
}

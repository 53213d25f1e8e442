//! Ticketers: stateless tickets sealed under a rotating key ring
//! ([`TicketKeyRing`]), and stateful tickets that are ids into a session store
//! ([`StatefulTickets`]).

use core::fmt;
use std::sync::{PoisonError, RwLock};

use qssl_crypto::aead::{AES_256_GCM, Aead, AeadKey, NONCE_LEN, Nonce, TAG_LEN, Tag};
use qssl_crypto::error::CryptoError;
use qssl_crypto::rand::{OS_RANDOM, SecureRandom};
use zeroize::Zeroizing;

use crate::{MAX_TICKET_LIFETIME, ServerSessionStore, Ticketer, UnixSeconds};

/// Length of the key id that starts every sealed ticket (as OpenSSL's
/// 16-byte `key_name`).
pub const KEY_ID_LEN: usize = 16;

/// Bytes a sealed ticket adds to the state it carries: key id, nonce and tag.
pub const TICKET_OVERHEAD: usize = KEY_ID_LEN + NONCE_LEN + TAG_LEN;

/// One key of the ring: seals during its epoch, opens during it and the next.
struct EpochKey {
    epoch: u64,
    id: [u8; KEY_ID_LEN],
    /// The expanded key wipes itself when dropped; the raw bytes it was made
    /// from were wiped when it was made.
    key: Box<dyn AeadKey>,
}

/// Stateless session tickets (RFC 8446 §4.6.1, "self-encrypted and
/// self-authenticated"): the server's session state sealed with an AEAD under a
/// key that rotates every period.
///
/// Time is divided into periods of `period` seconds, epoch `now / period`. Epoch
/// *e*'s key is drawn at random the first time a ticket is issued in *e*, seals
/// the tickets issued during *e*, still opens them during *e* + 1, and is then
/// dropped (its key schedule wiped) as soon as the ring sees a later time. So a
/// ticket lives between one and two periods, and a stolen ticket key exposes
/// at most two periods of tickets. A ticket whose key is unknown (another
/// server, a restarted one) or retired is not an error: the client falls back to
/// a full handshake.
///
/// Ticket format: key id (16 random bytes per key, so a ticket names its key
/// without revealing the epoch) ‖ nonce (12 random bytes) ‖ sealed state ‖ tag
/// (16 bytes); the key id is the additional data. Random nonces are safe here:
/// a key seals only during one period, and the birthday bound of 96-bit nonces
/// (2^32 tickets for a 2^-32 chance of a repeat, NIST SP 800-38D §8.3) is far
/// beyond what one server issues in a period.
///
/// Rotation happens inside [`issue`](Ticketer::issue) and
/// [`redeem`](Ticketer::redeem), driven by the `now` they are given; the ring is
/// behind a read-write lock whose write side is taken only when the epoch changes.
pub struct TicketKeyRing {
    period: u32,
    aead: &'static dyn Aead,
    rng: &'static dyn SecureRandom,
    /// Oldest first; at most two keys of consecutive epochs (plus, briefly, one
    /// from a caller whose clock ran ahead).
    keys: RwLock<Vec<EpochKey>>,
}

impl TicketKeyRing {
    /// The default period: 6 hours, so tickets live 6 to 12 hours, a client
    /// coming back within a working day resumes, and each key protects at most
    /// half a day of sessions.
    pub const DEFAULT_PERIOD: u32 = 6 * 3600;

    /// A ring whose keys seal for `period_secs` seconds each, for `aead`, drawing
    /// keys, key ids and nonces from `rng`.
    ///
    /// # Errors
    ///
    /// [`CryptoError::BadLength`] for a period of 0 seconds; otherwise the error
    /// of drawing a trial key from `rng` or making it for `aead`, which would
    /// make every ticket fail later.
    pub fn new(
        period_secs: u32,
        aead: &'static dyn Aead,
        rng: &'static dyn SecureRandom,
    ) -> Result<Self, CryptoError> {
        if period_secs == 0 {
            return Err(CryptoError::BadLength {
                what: "ticket key period in seconds (at least 1)",
                expected: 1,
                got: 0,
            });
        }
        let ring = Self {
            period: period_secs,
            aead,
            rng,
            keys: RwLock::new(Vec::new()),
        };
        ring.new_key(0)?;
        Ok(ring)
    }

    /// A ring of AES-256-GCM keys from the operating system's CSPRNG, rotated
    /// every [`DEFAULT_PERIOD`](Self::DEFAULT_PERIOD).
    ///
    /// # Errors
    ///
    /// When the operating system gives no randomness.
    pub fn with_defaults() -> Result<Self, CryptoError> {
        Self::new(Self::DEFAULT_PERIOD, AES_256_GCM, OS_RANDOM)
    }

    /// Seconds each key seals for.
    pub fn period(&self) -> u32 {
        self.period
    }

    fn epoch(&self, now: UnixSeconds) -> u64 {
        now / u64::from(self.period)
    }

    fn new_key(&self, epoch: u64) -> Result<EpochKey, CryptoError> {
        let mut raw = Zeroizing::new(vec![0u8; self.aead.key_len()]);
        self.rng.fill(&mut raw)?;
        let key = self.aead.new_key(&raw)?;
        let mut id = [0u8; KEY_ID_LEN];
        self.rng.fill(&mut id)?;
        Ok(EpochKey { epoch, id, key })
    }

    fn read(&self) -> std::sync::RwLockReadGuard<'_, Vec<EpochKey>> {
        // The ring is a Vec of whole keys: a panic elsewhere leaves it consistent.
        self.keys.read().unwrap_or_else(PoisonError::into_inner)
    }

    fn write(&self) -> std::sync::RwLockWriteGuard<'_, Vec<EpochKey>> {
        self.keys.write().unwrap_or_else(PoisonError::into_inner)
    }

    fn seal(&self, key: &EpochKey, state: &[u8]) -> Option<Vec<u8>> {
        let mut nonce: Nonce = [0; NONCE_LEN];
        self.rng.fill(&mut nonce).ok()?;
        // The plaintext state passes through this buffer: wiped if sealing fails.
        let mut out = Zeroizing::new(Vec::with_capacity(state.len() + TICKET_OVERHEAD));
        out.extend_from_slice(&key.id);
        out.extend_from_slice(&nonce);
        out.extend_from_slice(state);
        let tag = key
            .key
            .seal_in_place(&nonce, &key.id, &mut out[KEY_ID_LEN + NONCE_LEN..])
            .ok()?;
        out.extend_from_slice(&tag);
        Some(core::mem::take(&mut *out))
    }
}

/// Keys of epochs before `epoch - 1` open nothing any more.
fn retire(keys: &mut Vec<EpochKey>, epoch: u64) {
    keys.retain(|k| k.epoch.saturating_add(1) >= epoch);
}

impl fmt::Debug for TicketKeyRing {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let epochs: Vec<u64> = self.read().iter().map(|k| k.epoch).collect();
        f.debug_struct("TicketKeyRing")
            .field("period", &self.period)
            .field("aead", &self.aead.name())
            .field("key_epochs", &epochs)
            .finish()
    }
}

impl Ticketer for TicketKeyRing {
    /// The period, at most [`MAX_TICKET_LIFETIME`]: a ticket issued at any time
    /// during epoch *e* opens until the end of *e* + 1, at least a period later.
    fn lifetime(&self) -> u32 {
        self.period.min(MAX_TICKET_LIFETIME)
    }

    fn issue(&self, state: &[u8], now: UnixSeconds) -> Option<Vec<u8>> {
        let epoch = self.epoch(now);
        {
            let keys = self.read();
            // A key from a later epoch (a caller whose clock is ahead) also
            // serves: its tickets only live longer.
            if let Some(key) = keys.last().filter(|k| k.epoch >= epoch) {
                return self.seal(key, state);
            }
        }
        let mut keys = self.write();
        retire(&mut keys, epoch);
        // Another thread may have made this epoch's key meanwhile.
        if keys.last().is_none_or(|k| k.epoch < epoch) {
            let key = self.new_key(epoch).ok()?;
            keys.push(key);
        }
        let key = keys.last()?;
        self.seal(key, state)
    }

    fn redeem(&self, ticket: &[u8], now: UnixSeconds) -> Option<Zeroizing<Vec<u8>>> {
        if ticket.len() < TICKET_OVERHEAD {
            return None;
        }
        let (id, rest) = ticket.split_at(KEY_ID_LEN);
        let (nonce, rest) = rest.split_at(NONCE_LEN);
        let (sealed, tag) = rest.split_at(rest.len() - TAG_LEN);
        let nonce = Nonce::try_from(nonce).ok()?;
        let tag = Tag::try_from(tag).ok()?;
        let epoch = self.epoch(now);

        let (state, stale) = {
            let keys = self.read();
            let stale = keys
                .first()
                .is_some_and(|k| k.epoch.saturating_add(1) < epoch);
            let state = keys
                .iter()
                .find(|k| k.id == id && k.epoch.saturating_add(1) >= epoch)
                .and_then(|k| {
                    let mut buf = Zeroizing::new(sealed.to_vec());
                    k.key.open_in_place(&nonce, id, &mut buf, &tag).ok()?;
                    Some(buf)
                });
            (state, stale)
        };
        if stale {
            retire(&mut self.write(), epoch);
        }
        state
    }
}

const STATEFUL_ID_LEN: usize = 32;

/// Stateful session tickets: the ticket is a random 32-byte id under which the
/// session state waits in a [`ServerSessionStore`].
///
/// Redeeming takes the state out of the store, so each ticket resumes once
/// (RFC 8446 §8.1: single-use tickets are the strongest 0-RTT anti-replay, and
/// no two connections share a resumption secret). A store shared by a fleet
/// makes the tickets valid on every member; a store that evicts makes some
/// tickets fall back to a full handshake early.
pub struct StatefulTickets<S: ServerSessionStore> {
    store: S,
    lifetime: u32,
    rng: &'static dyn SecureRandom,
}

impl<S: ServerSessionStore> StatefulTickets<S> {
    /// Length of a stateful ticket: 256 random bits, unguessable.
    pub const ID_LEN: usize = STATEFUL_ID_LEN;

    /// Tickets kept in `store` for `lifetime_secs` seconds (at most
    /// [`MAX_TICKET_LIFETIME`]), their ids drawn from `rng`.
    pub fn new(store: S, lifetime_secs: u32, rng: &'static dyn SecureRandom) -> Self {
        Self {
            store,
            lifetime: lifetime_secs.min(MAX_TICKET_LIFETIME),
            rng,
        }
    }

    /// The store the sessions are kept in.
    pub fn store(&self) -> &S {
        &self.store
    }
}

impl<S: ServerSessionStore> fmt::Debug for StatefulTickets<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StatefulTickets")
            .field("store", &self.store)
            .field("lifetime", &self.lifetime)
            .finish()
    }
}

impl<S: ServerSessionStore> Ticketer for StatefulTickets<S> {
    fn lifetime(&self) -> u32 {
        self.lifetime
    }

    fn issue(&self, state: &[u8], now: UnixSeconds) -> Option<Vec<u8>> {
        let mut id = [0u8; STATEFUL_ID_LEN];
        self.rng.fill(&mut id).ok()?;
        let expires_at = now.saturating_add(u64::from(self.lifetime));
        self.store
            .put(&id, Zeroizing::new(state.to_vec()), expires_at)
            .then(|| id.to_vec())
    }

    fn redeem(&self, ticket: &[u8], now: UnixSeconds) -> Option<Zeroizing<Vec<u8>>> {
        // Anything else is not one of ours: no need to look.
        if ticket.len() != Self::ID_LEN {
            return None;
        }
        self.store.take(ticket, now)
    }
}

//! 0-RTT anti-replay (RFC 8446 §8): a freshness check on the ticket age the
//! client reports ([`is_fresh`]) and a bounded memory of the early-data offers
//! seen while they are fresh ([`ReplayGuard`]).

use core::fmt;
use std::collections::{HashSet, VecDeque};
use std::sync::{Mutex, PoisonError};

use qssl_crypto::hash::SHA256;

use crate::{AntiReplay, UnixSeconds};

/// Whether a ClientHello offering early data is fresh (RFC 8446 §8.3): the
/// ticket's age as the server computes it, `now - issued_at` (0 if the clock went
/// back), and as the client reports it, `client_age_ms` (the obfuscated age with
/// the ticket's `ticket_age_add` already subtracted), differ by at most
/// `window_secs` in either direction.
///
/// The comparison is in whole seconds (`client_age_ms / 1000`, rounded down): the
/// callers' clocks have a resolution of one second, so finer comparison would
/// only pretend to a precision the server's side does not have.
pub fn is_fresh(
    issued_at: UnixSeconds,
    client_age_ms: u32,
    now: UnixSeconds,
    window_secs: u32,
) -> bool {
    let server_age = now.saturating_sub(issued_at);
    let client_age = u64::from(client_age_ms / 1000);
    server_age.abs_diff(client_age) <= u64::from(window_secs)
}

/// What is remembered of a key: the first 16 bytes of its SHA-256, so an entry
/// has one size whatever the key's length (a ticket identity can be 64 KiB), and
/// two keys share one only with a chance of 2^-64 over 2^32 entries.
type Digest = [u8; 16];

fn digest(key: &[u8]) -> Digest {
    let mut d = [0u8; 16];
    d.copy_from_slice(&SHA256.hash(key).as_bytes()[..16]);
    d
}

struct Seen {
    digests: HashSet<Digest>,
    /// The same digests with the time each was first seen, oldest first (times
    /// never decrease along it), so expired entries are dropped from the front
    /// in amortized O(1).
    order: VecDeque<(Digest, UnixSeconds)>,
}

/// The embedded [`AntiReplay`]: the early-data offers seen recently, in memory,
/// bounded in number, failing closed when full.
///
/// A key seen at time *t* is remembered until *t* + 2 × window. Twice the
/// window, not once: an offer accepted at *t* with a client-reported age
/// `window` seconds short of the server's view stays fresh (by [`is_fresh`]) until
/// *t* + 2 × window, so a replay of it must be caught until then.
///
/// Each entry costs 40 to 70 bytes (a 16-byte digest in a hash set and again in a
/// time-ordered queue, plus the tables' power-of-two growth slack) whatever the
/// key's length. When `capacity` entries are
/// live, [`first_use`](AntiReplay::first_use) answers `false`: the client's early
/// data is rejected and it sends it again after the handshake, one round trip
/// lost, where accepting an offer that may be a replay could repeat a request.
///
/// One lock guards the state; the work under it is a hash-set lookup and a few
/// queue operations, done once per 0-RTT offer, not per connection.
pub struct ReplayGuard {
    window: u32,
    capacity: usize,
    seen: Mutex<Seen>,
}

impl ReplayGuard {
    /// The default freshness window: 10 seconds, room for the usual round trip
    /// and clock drift between the client's ticket-age clock and the server's,
    /// while keeping the memory small (an offer is remembered for 20 s).
    pub const DEFAULT_WINDOW: u32 = 10;

    /// The default capacity: 100,000 offers, 5,000 early-data resumptions per
    /// second over the 20 s they are remembered, about 5.5 MiB when full.
    pub const DEFAULT_CAPACITY: usize = 100_000;

    /// A guard with a freshness window of `window_secs` seconds that remembers at
    /// most `capacity` offers.
    pub fn new(window_secs: u32, capacity: usize) -> Self {
        Self {
            window: window_secs,
            capacity,
            seen: Mutex::new(Seen {
                digests: HashSet::new(),
                order: VecDeque::new(),
            }),
        }
    }

    /// The most offers remembered at once.
    pub fn capacity(&self) -> usize {
        self.capacity
    }

    /// Offers remembered now (some may have expired since the last call to
    /// [`first_use`](AntiReplay::first_use)).
    pub fn len(&self) -> usize {
        self.lock().order.len()
    }

    /// `true` when no offer is remembered.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Seen> {
        // Nothing under the lock panics, and both collections are updated
        // together; a poisoned lock is still consistent.
        self.seen.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl Default for ReplayGuard {
    /// [`DEFAULT_WINDOW`](Self::DEFAULT_WINDOW) and
    /// [`DEFAULT_CAPACITY`](Self::DEFAULT_CAPACITY).
    fn default() -> Self {
        Self::new(Self::DEFAULT_WINDOW, Self::DEFAULT_CAPACITY)
    }
}

impl fmt::Debug for ReplayGuard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ReplayGuard")
            .field("window", &self.window)
            .field("capacity", &self.capacity)
            .field("remembered", &self.len())
            .finish()
    }
}

impl AntiReplay for ReplayGuard {
    fn window(&self) -> u32 {
        self.window
    }

    fn first_use(&self, key: &[u8], now: UnixSeconds) -> bool {
        let d = digest(key);
        let remembered = 2 * u64::from(self.window);
        let mut seen = self.lock();
        let Seen { digests, order } = &mut *seen;
        while let Some(&(old, at)) = order.front() {
            if at.saturating_add(remembered) >= now {
                break;
            }
            order.pop_front();
            digests.remove(&old);
        }
        if digests.contains(&d) || digests.len() >= self.capacity {
            return false;
        }
        // A caller whose clock is behind another's does not put an entry out of
        // order: it is stamped with the latest time seen, remembered slightly
        // longer instead.
        let at = order.back().map_or(now, |&(_, last)| last.max(now));
        digests.insert(d);
        order.push_back((d, at));
        true
    }
}

//! The server's in-memory session store.

use core::fmt;

use zeroize::Zeroizing;

use crate::lru::{ShardedLru, default_shards};
use crate::{ServerSessionStore, UnixSeconds};

/// The embedded [`ServerSessionStore`]: session state by id, in memory, in
/// least-recently-used order with an expiry per session, bounded in sessions and
/// in bytes.
///
/// Sessions are spread over up to 16 shards, each with its own lock and its own
/// share of both bounds, so threads resuming different sessions rarely wait for
/// each other; past a bound a shard forgets its least recently used sessions.
/// A session counts its id, its value's allocated bytes and 128 bytes of
/// bookkeeping; one larger than its shard's share of the byte bound
/// (`max_bytes / shards`) is refused. Expired sessions are never returned; they
/// are dropped when looked up or when evicted. Values are wiped when dropped.
pub struct InMemoryServerSessionStore {
    sessions: ShardedLru<Zeroizing<Vec<u8>>>,
    max_entries: usize,
    max_bytes: usize,
}

impl InMemoryServerSessionStore {
    /// Sessions kept by default: a busy embedded server's resumptions over a
    /// ticket lifetime, or a fleet member's share.
    pub const DEFAULT_MAX_ENTRIES: usize = 10_000;

    /// Bytes kept by default: 16 MiB, so the default 10,000 sessions may each
    /// hold up to about 1.5 KiB (a TLS 1.3 session is a few hundred bytes; one
    /// with a client certificate chain is larger).
    pub const DEFAULT_MAX_BYTES: usize = 16 << 20;

    /// A store of at most `max_entries` sessions and `max_bytes` bytes.
    pub fn new(max_entries: usize, max_bytes: usize) -> Self {
        Self::with_shards(max_entries, max_bytes, default_shards(max_entries))
    }

    /// As [`new`](Self::new) over exactly `shards` shards (at least one). One
    /// shard makes eviction order exactly least-recently-used, at the price of
    /// one lock for every thread.
    pub fn with_shards(max_entries: usize, max_bytes: usize, shards: usize) -> Self {
        Self {
            sessions: ShardedLru::new(shards, max_entries, max_bytes),
            max_entries,
            max_bytes,
        }
    }

    /// Sessions held now (expired ones not yet dropped included).
    pub fn len(&self) -> usize {
        self.sessions.len()
    }

    /// `true` when no session is held.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Bytes counted against the byte bound now.
    pub fn bytes(&self) -> usize {
        self.sessions.bytes()
    }

    /// The number of shards.
    pub fn shards(&self) -> usize {
        self.sessions.shard_count()
    }
}

impl Default for InMemoryServerSessionStore {
    /// [`DEFAULT_MAX_ENTRIES`](Self::DEFAULT_MAX_ENTRIES) sessions and
    /// [`DEFAULT_MAX_BYTES`](Self::DEFAULT_MAX_BYTES).
    fn default() -> Self {
        Self::new(Self::DEFAULT_MAX_ENTRIES, Self::DEFAULT_MAX_BYTES)
    }
}

impl fmt::Debug for InMemoryServerSessionStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("InMemoryServerSessionStore")
            .field("sessions", &self.len())
            .field("bytes", &self.bytes())
            .field("max_entries", &self.max_entries)
            .field("max_bytes", &self.max_bytes)
            .field("shards", &self.shards())
            .finish()
    }
}

impl ServerSessionStore for InMemoryServerSessionStore {
    fn put(&self, id: &[u8], value: Zeroizing<Vec<u8>>, expires_at: UnixSeconds) -> bool {
        self.sessions.insert(id, value, expires_at)
    }

    fn get(&self, id: &[u8], now: UnixSeconds) -> Option<Zeroizing<Vec<u8>>> {
        self.sessions.get(id, now, Clone::clone)
    }

    fn take(&self, id: &[u8], now: UnixSeconds) -> Option<Zeroizing<Vec<u8>>> {
        self.sessions.take(id, now)
    }
}

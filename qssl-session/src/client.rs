//! The client's in-memory ticket cache.

use core::fmt;
use core::mem::size_of;
use std::collections::VecDeque;

use qssl_crypto::ids::NamedGroup;

use crate::lru::{Cost, ShardedLru, default_shards};
use crate::{ClientSessionStore, ClientTicket, UnixSeconds};

/// What a client remembers about one server.
struct ServerEntry {
    /// Oldest first.
    tickets: VecDeque<ClientTicket>,
    group: Option<NamedGroup>,
}

impl Cost for ServerEntry {
    fn cost(&self) -> usize {
        self.tickets
            .iter()
            .map(|t| t.value.capacity())
            .sum::<usize>()
            .saturating_add(self.tickets.capacity() * size_of::<ClientTicket>())
            .saturating_add(size_of::<Self>())
    }

    fn is_vacant(&self) -> bool {
        self.tickets.is_empty() && self.group.is_none()
    }
}

/// The embedded [`ClientSessionStore`]: tickets and the chosen key exchange group
/// per server name, in memory, bounded in servers, in tickets per server and in
/// bytes.
///
/// Servers are kept in least-recently-used order (a server is used when a ticket
/// is stored for it or taken, or its group is set or read): past either bound the
/// least recently used server is forgotten whole, tickets and group. Per server
/// at most `tickets_per_server` tickets are kept, oldest dropped first; a ticket
/// counts its value's allocated bytes.
pub struct InMemoryClientSessionStore {
    servers: ShardedLru<ServerEntry>,
    max_servers: usize,
    tickets_per_server: usize,
    max_bytes: usize,
}

impl InMemoryClientSessionStore {
    /// Servers remembered by default: more than an embedded client or a typical
    /// service talks to, few enough that a full store is small.
    pub const DEFAULT_MAX_SERVERS: usize = 256;

    /// Tickets kept per server by default: enough for a few connections opened
    /// at once to each resume with a ticket of its own (tickets are single-use,
    /// RFC 8446 §C.4); servers commonly send two after each handshake.
    pub const DEFAULT_TICKETS_PER_SERVER: usize = 4;

    /// Bytes kept in all by default: 4 MiB. A ticket with its resumption secret
    /// is typically a few hundred bytes, so the full default store (1024
    /// tickets) fits, while servers sending oversized tickets cannot make the
    /// client keep more than this.
    pub const DEFAULT_MAX_BYTES: usize = 4 << 20;

    /// A store for up to `max_servers` servers with up to `tickets_per_server`
    /// tickets each, and [`DEFAULT_MAX_BYTES`](Self::DEFAULT_MAX_BYTES) in all.
    /// Zero for either keeps no tickets.
    pub fn new(max_servers: usize, tickets_per_server: usize) -> Self {
        Self::build(max_servers, tickets_per_server, Self::DEFAULT_MAX_BYTES)
    }

    /// The same store bounded to `max_bytes` in all instead: tickets, their
    /// bookkeeping and the server names. A configuration step, before use: the
    /// store is made anew (empty).
    pub fn with_max_bytes(self, max_bytes: usize) -> Self {
        Self::build(self.max_servers, self.tickets_per_server, max_bytes)
    }

    fn build(max_servers: usize, tickets_per_server: usize, max_bytes: usize) -> Self {
        Self {
            servers: ShardedLru::new(default_shards(max_servers), max_servers, max_bytes),
            max_servers,
            tickets_per_server,
            max_bytes,
        }
    }

    /// Servers remembered now.
    pub fn len(&self) -> usize {
        self.servers.len()
    }

    /// `true` when no server is remembered.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Bytes counted against the byte bound now.
    pub fn bytes(&self) -> usize {
        self.servers.bytes()
    }
}

impl Default for InMemoryClientSessionStore {
    /// [`DEFAULT_MAX_SERVERS`](Self::DEFAULT_MAX_SERVERS) servers,
    /// [`DEFAULT_TICKETS_PER_SERVER`](Self::DEFAULT_TICKETS_PER_SERVER) tickets
    /// each, [`DEFAULT_MAX_BYTES`](Self::DEFAULT_MAX_BYTES) in all.
    fn default() -> Self {
        Self::new(Self::DEFAULT_MAX_SERVERS, Self::DEFAULT_TICKETS_PER_SERVER)
    }
}

impl fmt::Debug for InMemoryClientSessionStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("InMemoryClientSessionStore")
            .field("servers", &self.len())
            .field("bytes", &self.bytes())
            .field("max_servers", &self.max_servers)
            .field("tickets_per_server", &self.tickets_per_server)
            .field("max_bytes", &self.max_bytes)
            .finish()
    }
}

fn new_entry() -> ServerEntry {
    ServerEntry {
        tickets: VecDeque::new(),
        group: None,
    }
}

// Server entries never expire as a whole (each ticket carries its own expiry, and a
// server's group stays useful), so they are stored as live forever and looked up
// at time 0.
const FOREVER: UnixSeconds = UnixSeconds::MAX;
const ANY_TIME: UnixSeconds = 0;

impl ClientSessionStore for InMemoryClientSessionStore {
    fn insert_ticket(&self, server: &str, ticket: ClientTicket) {
        if self.tickets_per_server == 0 {
            return;
        }
        let per_server = self.tickets_per_server;
        self.servers.upsert(
            server.as_bytes(),
            ANY_TIME,
            FOREVER,
            new_entry,
            |entry, budget| {
                // Drop before pushing so the deque never grows past the bound.
                while entry.tickets.len() >= per_server {
                    entry.tickets.pop_front();
                }
                entry.tickets.push_back(ticket);
                // Oversized tickets push out older ones, and one that cannot fit at
                // all is dropped itself.
                while entry.cost() > budget && entry.tickets.pop_front().is_some() {}
            },
        );
    }

    fn take_ticket(&self, server: &str, now: UnixSeconds) -> Option<ClientTicket> {
        self.servers
            .update(server.as_bytes(), ANY_TIME, |entry| {
                entry.tickets.retain(|t| now <= t.expires_at);
                entry.tickets.pop_back()
            })
            .flatten()
    }

    fn set_kx_group(&self, server: &str, group: NamedGroup) {
        self.servers.upsert(
            server.as_bytes(),
            ANY_TIME,
            FOREVER,
            new_entry,
            |entry, _| {
                entry.group = Some(group);
            },
        );
    }

    fn kx_group(&self, server: &str) -> Option<NamedGroup> {
        self.servers
            .get(server.as_bytes(), ANY_TIME, |entry| entry.group)
            .flatten()
    }
}

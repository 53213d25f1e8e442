//! What TLS session resumption needs apart from I/O and the handshake itself
//! (RFC 8446 §2.2, §4.6.1, §8): where a client keeps its tickets, where a server keeps
//! (or seals) the sessions it can resume, and the 0-RTT anti-replay state.
//!
//! The handshake (qssl-handshake) uses this crate only through the traits below, so a
//! fleet of servers can share its stores; the in-memory implementations are the
//! embedded default. The values stored are opaque bytes encoded by the handshake: this
//! crate never needs to know what a session contains, only how big it is and when it
//! expires. Times are Unix seconds passed in by the caller (the connection's clock), so
//! every store runs on a virtual clock in tests: nothing here reads the system clock.
//!
//! What is here:
//!
//! - [`InMemoryClientSessionStore`]: a client's tickets by server name, a few per
//!   server, taken once each, with the key exchange group each server chose;
//! - [`InMemoryServerSessionStore`]: a server's sessions by id, a sharded
//!   least-recently-used map with an expiry per session, bounded in sessions and
//!   in bytes;
//! - [`TicketKeyRing`]: stateless tickets, the session sealed under an AEAD key
//!   that rotates every period; [`StatefulTickets`]: tickets that are ids into a
//!   [`ServerSessionStore`], single-use;
//! - [`ReplayGuard`] and [`is_fresh`]: 0-RTT anti-replay, a bounded memory of
//!   early-data offers that fails closed, and the ticket-age freshness check.
//!
//! ```
//! use qssl_session::{
//!     ClientSessionStore, ClientTicket, InMemoryClientSessionStore, Ticketer, TicketKeyRing,
//! };
//! use zeroize::Zeroizing;
//!
//! // The server seals a session into a ticket, and opens it when the client
//! // comes back within the ticket's lifetime.
//! let ring = TicketKeyRing::with_defaults()?;
//! let now = 1_700_000_000;
//! let ticket = ring.issue(b"session state", now).expect("a ticket");
//! let later = now + u64::from(ring.lifetime());
//! assert_eq!(ring.redeem(&ticket, later).as_deref().map(|s| &s[..]), Some(&b"session state"[..]));
//! // Anything else sends the client to a full handshake.
//! assert!(ring.redeem(b"not a ticket", later).is_none());
//!
//! // The client keeps the ticket for the server's name, and uses it once.
//! let store = InMemoryClientSessionStore::default();
//! store.insert_ticket(
//!     "example.com",
//!     ClientTicket { value: Zeroizing::new(ticket), expires_at: later },
//! );
//! let kept = store.take_ticket("example.com", now + 60).expect("the ticket");
//! assert_eq!(kept.expires_at, later);
//! assert!(store.take_ticket("example.com", now + 60).is_none());
//! # Ok::<(), qssl_crypto::error::CryptoError>(())
//! ```

#![forbid(unsafe_code)]
#![cfg_attr(not(test), deny(clippy::unwrap_used, clippy::expect_used))]

pub mod client;
mod lru;
pub mod replay;
pub mod server;
pub mod ticket;

pub use client::InMemoryClientSessionStore;
pub use replay::{ReplayGuard, is_fresh};
pub use server::InMemoryServerSessionStore;
pub use ticket::{StatefulTickets, TicketKeyRing};

use core::fmt;
use std::sync::Arc;

use qssl_crypto::ids::NamedGroup;
use zeroize::Zeroizing;

/// Unix time in whole seconds, as every store in this crate is told it.
pub type UnixSeconds = u64;

/// The longest a TLS 1.3 ticket may live (RFC 8446 §4.6.1): seven days.
pub const MAX_TICKET_LIFETIME: u32 = 7 * 24 * 3600;

/// One resumable session as a client keeps it for one server: opaque to the store.
pub struct ClientTicket {
    /// What the handshake needs to resume (the ticket, its PSK, the session's
    /// details), encoded by the handshake; wiped on drop.
    pub value: Zeroizing<Vec<u8>>,
    /// After this time the ticket is never offered.
    pub expires_at: UnixSeconds,
}

impl fmt::Debug for ClientTicket {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientTicket")
            .field(
                "value",
                &format_args!("[{} bytes, REDACTED]", self.value.len()),
            )
            .field("expires_at", &self.expires_at)
            .finish()
    }
}

/// Where a client keeps session tickets between connections, by server name.
///
/// Tickets are single-use (RFC 8446 Appendix C.4: reusing one lets a passive observer
/// link connections), so [`take_ticket`](Self::take_ticket) removes what it returns.
pub trait ClientSessionStore: Send + Sync + fmt::Debug {
    /// Keeps `ticket` for `server`, as its newest. A store bounded per server drops
    /// that server's oldest tickets first.
    fn insert_ticket(&self, server: &str, ticket: ClientTicket);

    /// Removes and returns `server`'s newest ticket that has not expired at `now`
    /// (expired ones are dropped on the way), or `None`.
    fn take_ticket(&self, server: &str, now: UnixSeconds) -> Option<ClientTicket>;

    /// Remembers the key exchange group `server` chose, so the next ClientHello can
    /// send that key share first and skip a HelloRetryRequest.
    fn set_kx_group(&self, server: &str, group: NamedGroup);

    /// The group `server` last chose, if remembered.
    fn kx_group(&self, server: &str) -> Option<NamedGroup>;
}

/// Where a server keeps session state by id (stateful tickets; TLS 1.2 session IDs).
pub trait ServerSessionStore: Send + Sync + fmt::Debug {
    /// Stores `value` under `id` until `expires_at` (the last second it is live),
    /// replacing what was there; `false` when the store refuses it (larger than the
    /// store allows one session), and then nothing is left under `id`.
    fn put(&self, id: &[u8], value: Zeroizing<Vec<u8>>, expires_at: UnixSeconds) -> bool;

    /// The value under `id` if it has not expired at `now`.
    fn get(&self, id: &[u8], now: UnixSeconds) -> Option<Zeroizing<Vec<u8>>>;

    /// Removes and returns the value under `id` if it has not expired at `now`.
    fn take(&self, id: &[u8], now: UnixSeconds) -> Option<Zeroizing<Vec<u8>>>;
}

/// Turns a server's session state into a ticket and back (RFC 8446 §4.6.1: "the
/// ticket is ... a database lookup key or a self-encrypted and self-authenticated
/// value").
pub trait Ticketer: Send + Sync + fmt::Debug {
    /// The ticket_lifetime to announce, in seconds (at most
    /// [`MAX_TICKET_LIFETIME`]): a ticket issued now redeems for at least this long
    /// unless the server loses its state.
    fn lifetime(&self) -> u32;

    /// A ticket carrying `state`, or `None` when none can be issued now (no
    /// randomness, a full store): the connection then sends no ticket.
    fn issue(&self, state: &[u8], now: UnixSeconds) -> Option<Vec<u8>>;

    /// The state `ticket` carries if it is one of ours, intact, and redeemable at
    /// `now`; `None` for anything else (unknown or retired key, expired, forged,
    /// garbage), which sends the client to a full handshake, never to an error.
    fn redeem(&self, ticket: &[u8], now: UnixSeconds) -> Option<Zeroizing<Vec<u8>>>;
}

/// The state shared by every server that accepts 0-RTT data under the same ticket
/// keys (RFC 8446 §8): which early-data ClientHellos were already seen.
pub trait AntiReplay: Send + Sync + fmt::Debug {
    /// The freshness window in seconds: early data is accepted only from a
    /// ClientHello whose ticket age (as the client reports it) is within this of the
    /// age the server computes (RFC 8446 §8.3, see [`is_fresh`]), and a
    /// ClientHello is remembered for as long as a replay of it could still pass
    /// that check (twice the window: see [`ReplayGuard`]).
    fn window(&self) -> u32;

    /// Records `key` (one per early-data offer: the ticket identity) at `now`: `true`
    /// the first time it is seen within the window, `false` for a repeat, and
    /// `false` as well when the store is full (it fails closed: rejected early data
    /// costs a round trip, accepted replayed data could cost far more).
    fn first_use(&self, key: &[u8], now: UnixSeconds) -> bool;
}

// Shared stores: a store behind an `Arc` (one per process, or per fleet member)
// serves every connection that holds a clone.

impl<T: ClientSessionStore + ?Sized> ClientSessionStore for Arc<T> {
    fn insert_ticket(&self, server: &str, ticket: ClientTicket) {
        (**self).insert_ticket(server, ticket);
    }

    fn take_ticket(&self, server: &str, now: UnixSeconds) -> Option<ClientTicket> {
        (**self).take_ticket(server, now)
    }

    fn set_kx_group(&self, server: &str, group: NamedGroup) {
        (**self).set_kx_group(server, group);
    }

    fn kx_group(&self, server: &str) -> Option<NamedGroup> {
        (**self).kx_group(server)
    }
}

impl<T: ServerSessionStore + ?Sized> ServerSessionStore for Arc<T> {
    fn put(&self, id: &[u8], value: Zeroizing<Vec<u8>>, expires_at: UnixSeconds) -> bool {
        (**self).put(id, value, expires_at)
    }

    fn get(&self, id: &[u8], now: UnixSeconds) -> Option<Zeroizing<Vec<u8>>> {
        (**self).get(id, now)
    }

    fn take(&self, id: &[u8], now: UnixSeconds) -> Option<Zeroizing<Vec<u8>>> {
        (**self).take(id, now)
    }
}

impl<T: Ticketer + ?Sized> Ticketer for Arc<T> {
    fn lifetime(&self) -> u32 {
        (**self).lifetime()
    }

    fn issue(&self, state: &[u8], now: UnixSeconds) -> Option<Vec<u8>> {
        (**self).issue(state, now)
    }

    fn redeem(&self, ticket: &[u8], now: UnixSeconds) -> Option<Zeroizing<Vec<u8>>> {
        (**self).redeem(ticket, now)
    }
}

impl<T: AntiReplay + ?Sized> AntiReplay for Arc<T> {
    fn window(&self) -> u32 {
        (**self).window()
    }

    fn first_use(&self, key: &[u8], now: UnixSeconds) -> bool {
        (**self).first_use(key, now)
    }
}

//! A client connection pool: connections to one server are handed out, returned and
//! handed out again, so most requests pay neither a TCP handshake nor a post-quantum
//! one; and the connections it has to open resume through the configuration's session
//! store (the first connection's tickets make the later ones cheap).
//!
//! Connections are kept per [`PoolKey`]: host, port, server name and the identity of
//! the [`ClientConfig`] (its `Arc`'s address: two configurations never share
//! connections, whatever they contain). The pool bounds what it keeps
//! ([`PoolConfig::max_idle_per_key`], [`PoolConfig::max_idle_total`]) and for how long
//! ([`PoolConfig::idle_timeout`], [`PoolConfig::max_lifetime`]); it bounds how many
//! connections to one key are being established at once
//! ([`PoolConfig::max_connecting_per_key`]), so that an outage does not turn into a
//! handshake storm when it ends, and how long [`Pool::acquire`] may take
//! ([`PoolConfig::acquire_timeout`]).
//!
//! Before an idle connection is handed out it is checked, cheaply: one non-blocking
//! read. End of stream, a reset or the peer's close_notify mean the connection is
//! dead and it is discarded; so is a connection on which application data arrived
//! while nobody was using it (the answer to nobody's request: handing it out would
//! give the next user bytes it did not ask for). Session tickets that arrived while
//! idle are processed on the way. A connection is put back when its
//! [`PooledConnection`] is dropped, unless it cannot be reused safely: it failed, it
//! is closing, the peer's bytes are still unread, or its last read stopped inside a
//! record; then it is closed.
//!
//! The pool counts what it does ([`Pool::stats`]). [`tokio::Pool`] (feature `tokio`)
//! is the same pool for tokio tasks: the same logic, waiting on a `Notify`.
//!
//! ```no_run
//! use std::io::{Read, Write};
//! use std::sync::Arc;
//! use qssl::pool::{Pool, PoolConfig};
//! # fn demo(config: Arc<qssl::ClientConfig>) -> std::io::Result<()> {
//! let pool = Pool::new(PoolConfig::default());
//! let name = qssl::pki_types::ServerName::try_from("example.com").unwrap();
//! for _ in 0..3 {
//!     let mut conn = pool.acquire(&config, "example.com", 443, name.clone())?;
//!     conn.write_all(b"ping")?;
//!     let mut pong = [0u8; 4];
//!     conn.read_exact(&mut pong)?;
//! } // each connection goes back to the pool here
//! assert_eq!(pool.stats().created, 1);
//! # Ok(()) }
//! ```

/// The tokio flavour (feature `tokio`).
#[cfg(feature = "tokio")]
pub mod tokio;
mod track;

use std::collections::{HashMap, VecDeque};
use std::fmt;
use std::io::{self, Read, Write};
use std::net::{SocketAddr, TcpStream, ToSocketAddrs};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use crate::config::ClientConfig;
use crate::conn::ClientConnection;
use crate::pki_types::ServerName;
use crate::reconnect::{Clock, StdClock};
use crate::stream::Stream;
use track::{NonBlocking, Tracked};

/// Limits of a [`Pool`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PoolConfig {
    /// Idle connections kept per key; a connection returned beyond it is closed.
    pub max_idle_per_key: usize,
    /// Idle connections kept in all.
    pub max_idle_total: usize,
    /// An idle connection older than this (since it was returned) is closed instead
    /// of handed out.
    pub idle_timeout: Option<Duration>,
    /// A connection older than this (since its handshake) is not handed out again.
    pub max_lifetime: Option<Duration>,
    /// How long [`Pool::acquire`] may take in all: waiting for a turn to connect,
    /// the TCP connect and the handshake.
    pub acquire_timeout: Duration,
    /// Connections to one key being established at once; more acquirers wait.
    pub max_connecting_per_key: usize,
    /// Open new connections with TCP Fast Open (Linux `TCP_FASTOPEN_CONNECT`): with a
    /// cookie from an earlier connection to the server the ClientHello travels in
    /// the SYN. If the kernel refuses the option, connections are made without it
    /// and [`PoolStats::tfo_refused`] counts them.
    pub tcp_fast_open: bool,
}

impl Default for PoolConfig {
    /// 8 idle per key, 64 in all, 90 s idle, 10 min lifetime, 30 s to acquire, 4
    /// handshakes at once per key, no Fast Open.
    fn default() -> Self {
        Self {
            max_idle_per_key: 8,
            max_idle_total: 64,
            idle_timeout: Some(Duration::from_secs(90)),
            max_lifetime: Some(Duration::from_secs(600)),
            acquire_timeout: Duration::from_secs(30),
            max_connecting_per_key: 4,
            tcp_fast_open: false,
        }
    }
}

/// What a pool keeps connections apart by.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct PoolKey {
    /// The host connected to (as given, not resolved).
    pub host: String,
    /// The port.
    pub port: u16,
    /// The server name verified and sent as SNI.
    pub server_name: String,
    /// The address of the `Arc<ClientConfig>`: configurations are told apart by
    /// identity. Each connection holds the `Arc`, so the address cannot be reused by
    /// another configuration while a connection for the key exists.
    pub config_id: usize,
}

/// Why the pool closed a connection instead of handing it out or keeping it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Discarded {
    /// The peer ended it while it was idle: end of stream or close_notify.
    pub closed_by_peer: u64,
    /// The transport failed (reset, error) or the connection holds a TLS error,
    /// or it was returned unfinished (handshaking, closing, bytes not yet sent).
    pub broken: u64,
    /// Idle for longer than the idle timeout.
    pub idle_timeout: u64,
    /// Older than the maximum lifetime.
    pub lifetime: u64,
    /// Returned with plaintext not read, or received plaintext while idle.
    pub unread_data: u64,
    /// Returned with part of a record received.
    pub mid_record: u64,
    /// Returned when the idle limits were full.
    pub over_capacity: u64,
    /// Closed by the application ([`PooledConnection::discard`]).
    pub by_user: u64,
}

impl Discarded {
    /// All discarded connections.
    pub fn total(&self) -> u64 {
        self.closed_by_peer
            + self.broken
            + self.idle_timeout
            + self.lifetime
            + self.unread_data
            + self.mid_record
            + self.over_capacity
            + self.by_user
    }
}

/// What a pool has done so far.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct PoolStats {
    /// New connections whose handshake completed.
    pub created: u64,
    /// Of those, the ones that resumed a session.
    pub resumed: u64,
    /// Idle connections handed out again.
    pub reused: u64,
    /// Connections closed, by reason.
    pub discarded: Discarded,
    /// Acquires that had to wait for a turn to connect.
    pub waited: u64,
    /// Acquires that failed because the acquire timeout passed.
    pub timed_out: u64,
    /// New connections that failed (TCP or handshake).
    pub connect_failed: u64,
    /// New connections for which the kernel refused TCP Fast Open.
    pub tfo_refused: u64,
    /// Connections idle in the pool now.
    pub idle: u64,
}

#[derive(Debug, Clone, Copy)]
enum Reason {
    ClosedByPeer,
    Broken,
    IdleTimeout,
    Lifetime,
    UnreadData,
    MidRecord,
    OverCapacity,
    ByUser,
}

impl Discarded {
    fn count(&mut self, r: Reason) {
        let c = match r {
            Reason::ClosedByPeer => &mut self.closed_by_peer,
            Reason::Broken => &mut self.broken,
            Reason::IdleTimeout => &mut self.idle_timeout,
            Reason::Lifetime => &mut self.lifetime,
            Reason::UnreadData => &mut self.unread_data,
            Reason::MidRecord => &mut self.mid_record,
            Reason::OverCapacity => &mut self.over_capacity,
            Reason::ByUser => &mut self.by_user,
        };
        *c += 1;
    }
}

/// One connection with its transport.
#[derive(Debug)]
struct Conn<S> {
    tls: ClientConnection,
    sock: Tracked<S>,
    created: Instant,
    id: u64,
    /// Keeps the configuration's address from being reused while the connection
    /// exists (see [`PoolKey::config_id`]).
    _config: Arc<ClientConfig>,
}

impl<S: NonBlocking> Conn<S> {
    /// Best effort close_notify, then the socket closes on drop. Never blocks: the
    /// peer may be gone.
    fn close(mut self) {
        if self.tls.error().is_none() && !self.tls.core.close_notify_sent() {
            self.tls.send_close_notify();
        }
        let tls = &mut self.tls;
        let _ = S::nonblocking(&mut self.sock, |io| tls.write_tls(io));
    }

    /// Why a connection that is being put back cannot be reused, if it cannot.
    fn unfit_for_return(&self) -> Option<Reason> {
        let t = &self.tls;
        if t.error().is_some()
            || t.is_handshaking()
            || t.core.close_notify_sent()
            || t.wants_write()
            || t.core.transport_ended()
        {
            return Some(Reason::Broken);
        }
        if t.core.peer_has_closed() {
            return Some(Reason::ClosedByPeer);
        }
        if t.core.plaintext_len() > 0 {
            return Some(Reason::UnreadData);
        }
        if !self.sock.at_record_boundary() {
            return Some(Reason::MidRecord);
        }
        None
    }

    /// The liveness check: reads whatever the peer sent while the connection was
    /// idle, without waiting, and processes it. Each turn of the loop reads bytes or
    /// ends it.
    fn check_alive(&mut self) -> Result<(), Reason> {
        let tls = &mut self.tls;
        S::nonblocking(&mut self.sock, |io| {
            loop {
                match tls.read_tls(io) {
                    Ok(0) => break Err(Reason::ClosedByPeer),
                    Ok(_) => match tls.process_new_packets() {
                        Err(_) => break Err(Reason::Broken),
                        Ok(st) if st.peer_has_closed => break Err(Reason::ClosedByPeer),
                        Ok(st) if st.plaintext_bytes_to_read > 0 => break Err(Reason::UnreadData),
                        Ok(_) => {}
                    },
                    Err(e) if e.kind() == io::ErrorKind::WouldBlock => break Ok(()),
                    Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                    Err(_) => break Err(Reason::Broken),
                }
            }
        })
        .map_err(|_| Reason::Broken)?
    }
}

#[derive(Debug)]
struct Idle<S> {
    conn: Conn<S>,
    since: Instant,
}

#[derive(Debug)]
struct KeyState<S> {
    idle: VecDeque<Idle<S>>,
    connecting: usize,
}

impl<S> Default for KeyState<S> {
    fn default() -> Self {
        Self {
            idle: VecDeque::new(),
            connecting: 0,
        }
    }
}

#[derive(Debug)]
struct State<S> {
    keys: HashMap<PoolKey, KeyState<S>>,
    idle_total: usize,
    stats: PoolStats,
}

impl<S> Default for State<S> {
    fn default() -> Self {
        Self {
            keys: HashMap::new(),
            idle_total: 0,
            stats: PoolStats::default(),
        }
    }
}

/// What an acquirer does next.
enum Step<S> {
    /// Vet this idle connection.
    Idle(Box<Conn<S>>, Instant),
    /// Make a new connection (a handshake slot is reserved).
    Connect,
    /// Wait for a change.
    Wait,
}

/// The state and logic both flavours share; they differ in how they wait and
/// connect.
struct Inner<S> {
    config: PoolConfig,
    clock: Arc<dyn Clock>,
    state: Mutex<State<S>>,
    changed: Condvar,
    #[cfg(feature = "tokio")]
    notify: ::tokio::sync::Notify,
    next_id: AtomicU64,
}

impl<S: NonBlocking> Inner<S> {
    fn new(config: PoolConfig, clock: Arc<dyn Clock>) -> Self {
        Self {
            config,
            clock,
            state: Mutex::new(State::default()),
            changed: Condvar::new(),
            #[cfg(feature = "tokio")]
            notify: ::tokio::sync::Notify::new(),
            next_id: AtomicU64::new(1),
        }
    }

    fn lock(&self) -> MutexGuard<'_, State<S>> {
        // A panic while the lock was held leaves consistent counters: every update
        // is a single statement.
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn wake(&self) {
        self.changed.notify_all();
        #[cfg(feature = "tokio")]
        self.notify.notify_waiters();
    }

    fn key(
        config: &Arc<ClientConfig>,
        host: &str,
        port: u16,
        server_name: &ServerName<'static>,
    ) -> PoolKey {
        PoolKey {
            host: host.to_owned(),
            port,
            server_name: server_name.to_str().into_owned(),
            config_id: Arc::as_ptr(config) as usize,
        }
    }

    fn discard(&self, conn: Conn<S>, why: Reason) {
        self.lock().stats.discarded.count(why);
        conn.close();
    }

    fn expired(&self, conn: &Conn<S>, since: Option<Instant>, now: Instant) -> Option<Reason> {
        if let (Some(max), Some(since)) = (self.config.idle_timeout, since)
            && now.saturating_duration_since(since) >= max
        {
            return Some(Reason::IdleTimeout);
        }
        if let Some(max) = self.config.max_lifetime
            && now.saturating_duration_since(conn.created) >= max
        {
            return Some(Reason::Lifetime);
        }
        None
    }

    /// Under the lock: the newest idle connection of `key`, else a reserved
    /// handshake slot, else wait (counted once per acquire).
    fn step(&self, st: &mut State<S>, key: &PoolKey, waited: &mut bool) -> Step<S> {
        let cap = self.config.max_connecting_per_key.max(1);
        let ks = st.keys.entry(key.clone()).or_default();
        if let Some(idle) = ks.idle.pop_back() {
            st.idle_total -= 1;
            st.stats.idle = st.idle_total as u64;
            return Step::Idle(Box::new(idle.conn), idle.since);
        }
        if ks.connecting < cap {
            ks.connecting += 1;
            return Step::Connect;
        }
        if !*waited {
            *waited = true;
            st.stats.waited += 1;
        }
        Step::Wait
    }

    /// An idle connection that is neither expired nor dead, counted as reused; or
    /// `None` (it was discarded).
    fn vet(&self, mut conn: Conn<S>, since: Instant) -> Option<Conn<S>> {
        let verdict = match self.expired(&conn, Some(since), self.clock.now()) {
            Some(why) => Err(why),
            None => conn.check_alive(),
        };
        match verdict {
            Ok(()) => {
                self.lock().stats.reused += 1;
                Some(conn)
            }
            Err(why) => {
                self.discard(conn, why);
                None
            }
        }
    }

    /// Ends a connection attempt that held a handshake slot.
    fn connected(&self, key: &PoolKey, made: io::Result<(Conn<S>, bool)>) -> io::Result<Conn<S>> {
        let mut st = self.lock();
        if let Some(ks) = st.keys.get_mut(key) {
            ks.connecting -= 1;
        }
        let result = match made {
            Ok((conn, tfo_refused)) => {
                st.stats.created += 1;
                if conn.tls.connection_info().is_some_and(|i| i.resumed) {
                    st.stats.resumed += 1;
                }
                if tfo_refused {
                    st.stats.tfo_refused += 1;
                }
                Ok(conn)
            }
            Err(e) => {
                if e.kind() == io::ErrorKind::TimedOut {
                    st.stats.timed_out += 1;
                }
                st.stats.connect_failed += 1;
                Self::tidy(&mut st, key);
                Err(e)
            }
        };
        drop(st);
        self.wake();
        result
    }

    fn timed_out(&self) -> io::Error {
        self.lock().stats.timed_out += 1;
        io::Error::new(
            io::ErrorKind::TimedOut,
            "pool: acquire timed out waiting for a turn to connect",
        )
    }

    fn new_conn(
        &self,
        config: &Arc<ClientConfig>,
        tls: ClientConnection,
        sock: Tracked<S>,
    ) -> Conn<S> {
        Conn {
            tls,
            sock,
            created: self.clock.now(),
            id: self.next_id.fetch_add(1, Ordering::Relaxed),
            _config: config.clone(),
        }
    }

    fn put_back(&self, key: &PoolKey, conn: Conn<S>) {
        if let Some(why) = conn.unfit_for_return() {
            self.discard(conn, why);
        } else if let Some(why) = self.expired(&conn, None, self.clock.now()) {
            self.discard(conn, why);
        } else {
            let now = self.clock.now();
            let mut st = self.lock();
            let full_total = st.idle_total >= self.config.max_idle_total;
            let ks = st.keys.entry(key.clone()).or_default();
            if full_total || ks.idle.len() >= self.config.max_idle_per_key {
                st.stats.discarded.count(Reason::OverCapacity);
                drop(st);
                conn.close();
            } else {
                ks.idle.push_back(Idle { conn, since: now });
                st.idle_total += 1;
                st.stats.idle = st.idle_total as u64;
                drop(st);
                self.wake();
            }
        }
        Self::tidy(&mut self.lock(), key);
    }

    /// Drops a key that holds nothing.
    fn tidy(st: &mut State<S>, key: &PoolKey) {
        if st
            .keys
            .get(key)
            .is_some_and(|k| k.idle.is_empty() && k.connecting == 0)
        {
            st.keys.remove(key);
        }
    }
}

/// A pool of client connections (blocking flavour); cheap to clone, shared by
/// threads.
#[derive(Clone)]
pub struct Pool {
    inner: Arc<Inner<TcpStream>>,
}

impl fmt::Debug for Pool {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Pool")
            .field("config", &self.inner.config)
            .field("stats", &self.stats())
            .finish()
    }
}

impl Pool {
    /// A pool with these limits, on the system clock.
    pub fn new(config: PoolConfig) -> Self {
        Self::with_clock(config, Arc::new(StdClock))
    }

    /// A pool that judges idle time and lifetime by `clock` (waiting for the
    /// acquire timeout is always in real time).
    pub fn with_clock(config: PoolConfig, clock: Arc<dyn Clock>) -> Self {
        Self {
            inner: Arc::new(Inner::new(config, clock)),
        }
    }

    /// The limits.
    pub fn config(&self) -> &PoolConfig {
        &self.inner.config
    }

    /// The counters so far.
    pub fn stats(&self) -> PoolStats {
        self.inner.lock().stats
    }

    /// A connection to `host:port` for `server_name` under `config`: an idle one
    /// that passes the liveness check, or a new one (which resumes if `config`'s
    /// session store has a ticket for the name). Fails with `TimedOut` when
    /// [`PoolConfig::acquire_timeout`] passes first, or with the new connection's
    /// error (no retry here: see [`reconnect`](crate::reconnect)).
    pub fn acquire(
        &self,
        config: &Arc<ClientConfig>,
        host: &str,
        port: u16,
        server_name: ServerName<'static>,
    ) -> io::Result<PooledConnection> {
        let inner = &self.inner;
        let deadline = Instant::now() + inner.config.acquire_timeout;
        let key = Inner::<TcpStream>::key(config, host, port, &server_name);
        let mut waited = false;
        let mut st = inner.lock();
        loop {
            match inner.step(&mut st, &key, &mut waited) {
                Step::Idle(conn, since) => {
                    drop(st);
                    if let Some(conn) = inner.vet(*conn, since) {
                        return Ok(self.hand_out(key, conn, true));
                    }
                    st = inner.lock();
                }
                Step::Connect => {
                    drop(st);
                    let made = self.connect(config, host, port, server_name, deadline);
                    let conn = inner.connected(&key, made)?;
                    return Ok(self.hand_out(key, conn, false));
                }
                Step::Wait => {
                    let now = Instant::now();
                    if now >= deadline {
                        drop(st);
                        return Err(inner.timed_out());
                    }
                    st = inner
                        .changed
                        .wait_timeout(st, deadline - now)
                        .unwrap_or_else(|p| p.into_inner())
                        .0;
                }
            }
        }
    }

    fn hand_out(&self, key: PoolKey, conn: Conn<TcpStream>, reused: bool) -> PooledConnection {
        PooledConnection {
            conn: Some(conn),
            key,
            reused,
            pool: self.inner.clone(),
        }
    }

    /// TCP connect (with Fast Open if configured) and the whole handshake, before
    /// `deadline`. Returns the connection and whether Fast Open was refused.
    fn connect(
        &self,
        config: &Arc<ClientConfig>,
        host: &str,
        port: u16,
        server_name: ServerName<'static>,
        deadline: Instant,
    ) -> io::Result<(Conn<TcpStream>, bool)> {
        let left = || {
            deadline
                .checked_duration_since(Instant::now())
                .filter(|d| !d.is_zero())
                .ok_or_else(|| io::Error::new(io::ErrorKind::TimedOut, "pool: acquire timed out"))
        };
        let addrs: Vec<SocketAddr> = (host, port).to_socket_addrs()?.collect();
        let mut last = io::Error::new(io::ErrorKind::NotFound, "pool: host has no address");
        let mut found = None;
        for addr in &addrs {
            match tcp_connect(addr, left()?, self.inner.config.tcp_fast_open) {
                Ok(s) => {
                    found = Some(s);
                    break;
                }
                Err(e) => last = e,
            }
        }
        let (sock, tfo_refused) = found.ok_or(last)?;
        sock.set_nodelay(true)?;
        let mut sock = Tracked::new(sock);
        let mut tls =
            ClientConnection::new(config.clone(), server_name).map_err(io::Error::from)?;
        while tls.is_handshaking() {
            let t = left()?;
            sock.inner.set_read_timeout(Some(t))?;
            sock.inner.set_write_timeout(Some(t))?;
            tls.complete_io(&mut sock).map_err(|e| match e.kind() {
                // A socket timeout is the acquire timeout.
                io::ErrorKind::WouldBlock => {
                    io::Error::new(io::ErrorKind::TimedOut, "pool: acquire timed out")
                }
                _ => e,
            })?;
        }
        sock.inner.set_read_timeout(None)?;
        sock.inner.set_write_timeout(None)?;
        Ok((self.inner.new_conn(config, tls, sock), tfo_refused))
    }
}

/// TCP connect within `timeout`; with `tfo`, Fast Open is asked for first. Returns
/// the stream and whether the kernel refused Fast Open.
fn tcp_connect(addr: &SocketAddr, timeout: Duration, tfo: bool) -> io::Result<(TcpStream, bool)> {
    if tfo {
        return crate::tfo::connect(addr, timeout).map(|(s, on)| (s, !on.is_enabled()));
    }
    TcpStream::connect_timeout(addr, timeout).map(|s| (s, false))
}

/// A connection out of a [`Pool`]: `Read` and `Write` of plaintext. Dropping it
/// puts it back (or closes it, see the [module](self) documentation).
pub struct PooledConnection {
    conn: Option<Conn<TcpStream>>,
    key: PoolKey,
    reused: bool,
    pool: Arc<Inner<TcpStream>>,
}

impl fmt::Debug for PooledConnection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PooledConnection")
            .field("key", &self.key)
            .field("id", &self.id())
            .field("reused", &self.reused)
            .finish()
    }
}

impl PooledConnection {
    fn conn(&self) -> &Conn<TcpStream> {
        // Taken out only by `discard` and `drop`, which consume the value.
        self.conn.as_ref().unwrap_or_else(|| unreachable!())
    }

    fn conn_mut(&mut self) -> &mut Conn<TcpStream> {
        self.conn.as_mut().unwrap_or_else(|| unreachable!())
    }

    /// The TLS connection (for [`connection_info`](crate::ConnectionCommon::connection_info) and the like).
    pub fn connection(&self) -> &ClientConnection {
        &self.conn().tls
    }

    /// The TCP stream under it.
    pub fn tcp_stream(&self) -> &TcpStream {
        &self.conn().sock.inner
    }

    /// A number unique to this connection within its pool.
    pub fn id(&self) -> u64 {
        self.conn.as_ref().map_or(0, |c| c.id)
    }

    /// Whether the pool had it idle (true) or made it for this acquire (false).
    pub fn is_reused(&self) -> bool {
        self.reused
    }

    /// The key it belongs to.
    pub fn key(&self) -> &PoolKey {
        &self.key
    }

    /// Closes it (close_notify) instead of putting it back.
    pub fn discard(mut self) {
        if let Some(c) = self.conn.take() {
            self.pool.discard(c, Reason::ByUser);
        }
    }
}

impl Read for PooledConnection {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let c = self.conn_mut();
        Stream::new(&mut c.tls, &mut c.sock).read(buf)
    }
}

impl Write for PooledConnection {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let c = self.conn_mut();
        Stream::new(&mut c.tls, &mut c.sock).write(buf)
    }
    fn flush(&mut self) -> io::Result<()> {
        let c = self.conn_mut();
        Stream::new(&mut c.tls, &mut c.sock).flush()
    }
}

impl Drop for PooledConnection {
    fn drop(&mut self) {
        if let Some(c) = self.conn.take() {
            self.pool.put_back(&self.key, c);
        }
    }
}

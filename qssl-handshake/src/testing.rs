//! Test-only entry points. **Not part of the API**: hidden from the documentation,
//! exempt from semver, and never needed by a real connection.
//!
//! - [`client_from_hello`] / [`client_connection_from_hello`]: a client started *from*
//!   a given ClientHello, so known-answer tests (RFC 8448) can run the real state
//!   machine and connection on a published trace, whose ClientHello carries
//!   extensions Q-SSL never sends (renegotiation_info, session_ticket, finite-field
//!   groups).
//! - The in-memory pair helper every connection test uses, the handshake crate's and
//!   the facade's: [`Endpoint`] (one side as the helper drives it), [`transfer`],
//!   [`transfer_bytes`], [`run`], [`do_handshake`], and [`Peer`], a core
//!   [`Connection`] on its own virtual clock.
//! - With the `test-hooks` feature: `set_handshake_hook` (see and rewrite each
//!   outgoing handshake message) and `inject_tls` (queue raw bytes for the peer).

use std::sync::Arc;

use qssl_crypto::kx::ActiveKeyExchange;

use crate::config::{ClientParams, ServerParams};
use crate::connection::{Connection, ConnectionError, KeyLog};
use crate::error::Error;
use crate::machine::StateMachine;
use crate::verify::{ServerName, UnixTime};

/// A client state machine that has "sent" `client_hello` (one whole handshake message,
/// header included) and waits for the ServerHello, holding `key_share` — the private
/// key behind one of that hello's `key_share` entries (checked: same group and public
/// value, else [`Error::Misuse`]).
///
/// From the hello it takes the random, legacy_session_id, SNI, the signature schemes it
/// offered (what a CertificateVerify may use) and the transcript's first message;
/// from `params` everything else (suites and groups it accepts in a ServerHello or
/// HelloRetryRequest, verifier, record_size_limit, key log). No action is emitted: the
/// caller already has the hello's bytes.
pub fn client_from_hello(
    params: Arc<ClientParams>,
    server_name: ServerName<'static>,
    client_hello: &[u8],
    key_share: Box<dyn ActiveKeyExchange>,
) -> Result<StateMachine, Error> {
    StateMachine::client_from_hello(params, server_name, client_hello, key_share)
}

/// A client [`Connection`] around [`client_from_hello`]: it has nothing to send (the
/// caller has the hello's record) and reads the server's records.
pub fn client_connection_from_hello(
    params: Arc<ClientParams>,
    server_name: ServerName<'static>,
    client_hello: &[u8],
    key_share: Box<dyn ActiveKeyExchange>,
    key_log: Option<Arc<dyn KeyLog>>,
) -> Result<Connection, ConnectionError> {
    let machine = client_from_hello(params, server_name, client_hello, key_share)?;
    Connection::started(machine, Vec::new(), key_log)
}

// ------------------------------------------------------------------ the pair

/// One side of an in-memory connection pair, as [`transfer`] drives it: the core
/// [`Connection`] ([`Peer`]) here, the facade's connection in `qssl::testing`.
pub trait Endpoint {
    /// What processing can fail with.
    type Error: Copy + core::fmt::Debug;
    /// Moves every byte waiting for the peer into `out`.
    fn take_tls(&mut self, out: &mut Vec<u8>);
    /// Offers received bytes; how many were taken, or why none could be.
    fn offer_tls(&mut self, bytes: &[u8]) -> Result<usize, String>;
    /// Processes what was received (named apart from `Connection::process`, which
    /// takes the time).
    fn process_received(&mut self) -> Result<(), Self::Error>;
    /// Whether the handshake is still in progress.
    fn is_handshaking(&self) -> bool;
}

/// Moves every pending TLS byte from `from` to `to` and processes it there. Returns
/// the bytes moved and `to`'s processing result.
pub fn transfer<A, B>(from: &mut A, to: &mut B) -> (usize, Result<(), B::Error>)
where
    A: Endpoint + ?Sized,
    B: Endpoint + ?Sized,
{
    let mut buf = Vec::new();
    from.take_tls(&mut buf);
    transfer_bytes(&buf, to)
}

/// Feeds `bytes` to `to`, processing as its record buffer fills. Returns
/// `bytes.len()` and the first processing error.
///
/// # Panics
///
/// When `to` takes none of the bytes left (its received plaintext is full, say): the
/// pair would otherwise wait for ever for room that only its reader can make.
pub fn transfer_bytes<B>(bytes: &[u8], to: &mut B) -> (usize, Result<(), B::Error>)
where
    B: Endpoint + ?Sized,
{
    let mut off = 0;
    while off < bytes.len() {
        match to.offer_tls(&bytes[off..]) {
            Ok(n) if n > 0 => off += n,
            Ok(_) => panic!(
                "transfer: the receiver took none of the {} bytes left",
                bytes.len() - off
            ),
            Err(why) => panic!(
                "transfer: the receiver refuses the {} bytes left of {}: {why}",
                bytes.len() - off,
                bytes.len()
            ),
        }
        if let Err(e) = to.process_received() {
            return (bytes.len(), Err(e));
        }
    }
    let r = to.process_received();
    (bytes.len(), r)
}

/// Runs the handshake to the end or to the first error on each side. Returns each
/// side's result: the error it detected itself or the alert it received.
pub fn run<A, B>(c: &mut A, s: &mut B) -> (Result<(), A::Error>, Result<(), B::Error>)
where
    A: Endpoint + ?Sized,
    B: Endpoint + ?Sized,
{
    let (mut cr, mut sr) = (Ok(()), Ok(()));
    // A TLS 1.3 handshake takes at most three flights each way (with a
    // HelloRetryRequest); the bound only stops a pair that keeps talking.
    for _ in 0..20 {
        let (n1, r) = transfer(c, s);
        if sr.is_ok() {
            sr = r;
        }
        let (n2, r) = transfer(s, c);
        if cr.is_ok() {
            cr = r;
        }
        if n1 == 0 && n2 == 0 {
            break;
        }
    }
    (cr, sr)
}

/// Completes the handshake or panics.
pub fn do_handshake<A, B>(c: &mut A, s: &mut B)
where
    A: Endpoint + ?Sized,
    B: Endpoint + ?Sized,
{
    let (cr, sr) = run(c, s);
    cr.unwrap_or_else(|e| panic!("client: {e:?}"));
    sr.unwrap_or_else(|e| panic!("server: {e:?}"));
    assert!(!c.is_handshaking() && !s.is_handshaking());
}

/// A core [`Connection`] with its own virtual clock: [`Endpoint::process_received`] runs
/// [`Connection::process`] at `now`, which the test sets.
#[derive(Debug)]
pub struct Peer {
    /// The connection.
    pub conn: Connection,
    /// The time its records are processed at.
    pub now: UnixTime,
}

impl Peer {
    /// A client for `server_name` at `now`.
    pub fn client(
        params: Arc<ClientParams>,
        server_name: ServerName<'static>,
        now: UnixTime,
    ) -> Result<Self, ConnectionError> {
        let conn = Connection::client(params, server_name, None, now)?;
        Ok(Self { conn, now })
    }

    /// A server at `now`.
    pub fn server(params: Arc<ServerParams>, now: UnixTime) -> Self {
        Self {
            conn: Connection::server(params, None),
            now,
        }
    }
}

impl core::ops::Deref for Peer {
    type Target = Connection;
    fn deref(&self) -> &Connection {
        &self.conn
    }
}

impl core::ops::DerefMut for Peer {
    fn deref_mut(&mut self) -> &mut Connection {
        &mut self.conn
    }
}

impl Endpoint for Peer {
    type Error = ConnectionError;

    fn take_tls(&mut self, out: &mut Vec<u8>) {
        out.extend_from_slice(self.conn.pending_tls());
        let n = self.conn.pending_tls().len();
        self.conn.consume_tls(n);
    }

    fn offer_tls(&mut self, bytes: &[u8]) -> Result<usize, String> {
        self.conn.feed(bytes).map_err(|e| e.to_string())
    }

    fn process_received(&mut self) -> Result<(), ConnectionError> {
        self.conn.process(self.now).map(drop)
    }

    fn is_handshaking(&self) -> bool {
        self.conn.is_handshaking()
    }
}

// ------------------------------------------------------------------ hooks

/// A test hook that sees (and may rewrite) every outgoing handshake message.
#[cfg(feature = "test-hooks")]
pub type HandshakeHook = Box<dyn FnMut(crate::HandshakeType, &mut Vec<u8>) + Send>;

/// Gives `conn` a hook that sees and may rewrite each outgoing handshake message
/// before it is protected (the transcript already holds the original bytes).
#[cfg(feature = "test-hooks")]
pub fn set_handshake_hook(conn: &mut Connection, hook: HandshakeHook) {
    conn.hook = Some(hook);
}

/// Queues raw TLS bytes for the peer, after what `conn` has already queued.
#[cfg(feature = "test-hooks")]
pub fn inject_tls(conn: &mut Connection, bytes: &[u8]) {
    conn.inject_tls(bytes);
}

/// Seals `bytes` as handshake records under `conn`'s current write key and queues
/// them (a message the state machines never send, such as a HelloRequest).
#[cfg(feature = "test-hooks")]
pub fn send_handshake_bytes(
    conn: &mut Connection,
    bytes: &[u8],
) -> Result<(), crate::ConnectionError> {
    conn.send_handshake_bytes(bytes)
}

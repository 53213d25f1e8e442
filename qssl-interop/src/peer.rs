//! The seam every TLS implementation plugs into, and the loopback driver.
//!
//! An implementation provides a [`ClientPeer`] and a [`ServerPeer`]: each turns
//! a recorded TCP stream into an established [`TlsSession`]. Everything else —
//! sockets, threads, time-outs, the request/response exchange, KeyUpdate timing,
//! reading the hellos off the wire — is done once here, so a new implementation
//! (Q-SSL's facade) is two small `impl`s.
//!
//! The exchange, client → server: one request header `[mode: u8][len: u64 BE]`
//! and `len` payload bytes. Mode 0 (echo): the server reads the whole payload
//! (at most [`MAX_ECHO`]) and writes it back. Mode 1 (checksum): the server
//! hashes the payload as it streams in and answers with its SHA-256. Then the
//! client sends close_notify, the server answers with its own.

use std::io::{self, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

use openssl::sha::Sha256;
use qssl_crypto::ids::{CipherSuite, NamedGroup, SignatureScheme};

use crate::PeerError;
use crate::pki::{Identity, KeyAlgorithm};
use crate::wire::{self, ClientHelloSummary, ServerHelloSummary, WireTap};

/// TLS 1.3 on the wire.
pub const TLS13: u16 = 0x0304;
/// The largest echo payload a server buffers.
pub const MAX_ECHO: u64 = 16 * 1024 * 1024;
/// Socket read/write and accept time-out: a broken peer fails a test instead of
/// hanging it.
pub const IO_TIMEOUT: Duration = Duration::from_secs(30);

/// How one end of a connection is configured. Empty lists mean "the
/// implementation's defaults"; lists are in preference order.
#[derive(Clone, Debug)]
pub struct ClientOptions {
    /// Groups to offer (`supported_groups`; the first one also gets a key share).
    pub groups: Vec<NamedGroup>,
    /// TLS 1.3 cipher suites to offer.
    pub suites: Vec<CipherSuite>,
    /// Trust anchors (root certificates), PEM.
    pub trust_anchors_pem: String,
    /// The name to send in SNI and to verify: a DNS name or an IP address.
    pub server_name: String,
    /// A client certificate chain and key, for servers that ask.
    pub identity: Option<Identity>,
    /// ALPN protocols to offer.
    pub alpn: Vec<Vec<u8>>,
    /// signature_algorithms to offer (the schemes the client verifies), most
    /// preferred first; empty: the implementation's defaults.
    pub signature_schemes: Vec<SignatureScheme>,
}

impl ClientOptions {
    /// Defaults: implementation groups and suites, server name `localhost`, no
    /// client certificate, no ALPN.
    pub fn new(trust_anchors_pem: impl Into<String>) -> Self {
        Self {
            groups: Vec::new(),
            suites: Vec::new(),
            trust_anchors_pem: trust_anchors_pem.into(),
            server_name: crate::pki::SERVER_DNS_NAME.to_owned(),
            identity: None,
            alpn: Vec::new(),
            signature_schemes: Vec::new(),
        }
    }
}

/// How a server is configured. Empty lists mean "the implementation's defaults".
#[derive(Clone, Debug)]
pub struct ServerOptions {
    /// Groups to accept, in preference order.
    pub groups: Vec<NamedGroup>,
    /// TLS 1.3 cipher suites to accept, in preference order.
    pub suites: Vec<CipherSuite>,
    /// The server's certificate chain and key.
    pub identity: Identity,
    /// Further chains after `identity`, for a server that picks per client the
    /// first chain it can verify (Q-SSL's `ServerConfigBuilder::add_cert`; the
    /// OpenSSL and rustls servers of this harness refuse the option).
    pub more_identities: Vec<Identity>,
    /// When set, a client certificate chaining to one of these roots (PEM) is required.
    pub client_ca_pem: Option<String>,
    /// ALPN protocols the server speaks, in preference order.
    pub alpn: Vec<Vec<u8>>,
}

impl ServerOptions {
    /// Defaults: implementation groups and suites, no client auth, no ALPN.
    pub fn new(identity: Identity) -> Self {
        Self {
            groups: Vec::new(),
            suites: Vec::new(),
            identity,
            more_identities: Vec::new(),
            client_ca_pem: None,
            alpn: Vec::new(),
        }
    }
}

/// What an implementation says about its established connection. A field is
/// `None` where the implementation's API does not expose it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Negotiated {
    /// Protocol version, e.g. [`TLS13`].
    pub version: Option<u16>,
    /// The cipher suite.
    pub suite: Option<CipherSuite>,
    /// The key exchange group (not exposed by the `openssl` crate).
    pub group: Option<NamedGroup>,
    /// The ALPN protocol agreed.
    pub alpn: Option<Vec<u8>>,
    /// The scheme of the peer's CertificateVerify signature (rustls: recorded by
    /// the harness' verifier; OpenSSL: not exposed by the `openssl` crate).
    pub peer_signature: Option<SignatureScheme>,
    /// The peer's leaf certificate, DER.
    pub peer_certificate: Option<Vec<u8>>,
    /// Q-SSL's own account, with its post-quantum flags (`None` for other peers).
    pub info: Option<qssl::ConnectionInfo>,
    /// Whether the handshake resumed a session, by the implementation's own
    /// account: OpenSSL's `SSL_session_reused`, rustls' `handshake_kind`, Q-SSL's
    /// `ConnectionInfo::resumed`.
    pub resumed: Option<bool>,
    /// 0-RTT data, by the implementation's own account: `None` from peers that
    /// were not set up to report it (rustls, an OpenSSL server that does not
    /// read early data).
    pub early_data: Option<EarlyData>,
}

/// One end's account of 0-RTT data (RFC 8446 §2.3, §4.2.10).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct EarlyData {
    /// Its verdict once the handshake is over: Q-SSL's `early_data_status`;
    /// `None` where the harness cannot read one (OpenSSL's
    /// `SSL_get_early_data_status` has no binding in the `openssl` crate).
    pub status: Option<qssl::EarlyDataStatus>,
    /// Server: the bytes its application received as 0-RTT data, in order
    /// (Q-SSL: the first [`count`](Self::count) bytes of its stream, taken as
    /// they became readable; OpenSSL: what `SSL_read_early_data` returned).
    /// Empty for a client.
    pub received: Vec<u8>,
    /// Server: how many bytes the implementation counts as 0-RTT data (Q-SSL's
    /// `ServerConnection::early_data_received`; OpenSSL: the bytes
    /// `SSL_read_early_data` returned). 0 for a client.
    pub count: usize,
}

impl Negotiated {
    /// The key algorithm of the peer's leaf certificate.
    pub fn peer_key(&self) -> Option<KeyAlgorithm> {
        self.peer_certificate
            .as_deref()
            .and_then(KeyAlgorithm::of_certificate_der)
    }
}

/// An established TLS connection, as the driver uses it.
pub trait TlsSession: Read + Write + Send {
    /// What was negotiated, by the implementation's own account.
    fn negotiated(&self) -> Negotiated;
    /// Sends a KeyUpdate (update_requested) now, or says why it cannot.
    fn key_update(&mut self) -> Result<(), PeerError>;
    /// Sends close_notify.
    fn close(&mut self) -> Result<(), PeerError>;
    /// Whether the peer's close_notify has arrived, where `read` returning `Ok(0)`
    /// alone does not say so (OpenSSL also returns 0 at a bare TCP close). `None`:
    /// `Ok(0)` means close_notify.
    fn received_close_notify(&mut self) -> Option<bool> {
        None
    }
}

/// The client side of an implementation.
pub trait ClientPeer: Send + Sync {
    /// The implementation's name, for reports (e.g. `"OpenSSL 3.6.3"`).
    fn name(&self) -> String;
    /// Runs the handshake over `tcp`; returns once it is complete.
    fn connect(&self, tcp: WireTap<TcpStream>) -> Result<Box<dyn TlsSession>, PeerError>;
}

/// The server side of an implementation.
pub trait ServerPeer: Send + Sync {
    /// The implementation's name, for reports.
    fn name(&self) -> String;
    /// Runs the handshake over an accepted `tcp`; returns once it is complete.
    fn accept(&self, tcp: WireTap<TcpStream>) -> Result<Box<dyn TlsSession>, PeerError>;
}

/// One end's account of one connection.
#[derive(Clone, Debug)]
pub struct Report {
    /// The implementation that wrote it.
    pub peer: String,
    /// What the implementation says was negotiated.
    pub negotiated: Negotiated,
    /// The ClientHello as read off the wire.
    pub client_hello: Option<ClientHelloSummary>,
    /// The ServerHello as read off the wire.
    pub server_hello: Option<ServerHelloSummary>,
    /// Client → server bytes this end's tap had recorded when its handshake
    /// completed (at most [`wire::TAP_LIMIT`]).
    pub client_bytes: usize,
    /// Server → client bytes, likewise. On the client's side this is the server's
    /// whole flight — with its Certificate and CertificateVerify in a full
    /// handshake, without in a resumption — plus any tickets read with it.
    pub server_bytes: usize,
}

impl Report {
    /// The group: the implementation's word if it gives one, else the wire's.
    pub fn group(&self) -> Option<NamedGroup> {
        self.negotiated
            .group
            .or(self.server_hello.and_then(|hello| hello.group))
    }

    /// The suite: the implementation's word if it gives one, else the wire's.
    pub fn suite(&self) -> Option<CipherSuite> {
        self.negotiated
            .suite
            .or(self.server_hello.map(|hello| hello.suite))
    }
}

/// What the client asks the server to do.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Workload {
    /// Send these bytes; the server returns them.
    Echo(Vec<u8>),
    /// Send `len` bytes of a deterministic pattern; the server returns their SHA-256.
    Checksum {
        /// How many bytes.
        len: u64,
    },
}

/// What the client got back.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Response {
    /// The echoed bytes.
    Echo(Vec<u8>),
    /// SHA-256 of what the client sent, and what the server said it received.
    Checksum {
        /// Computed by the client over the bytes it wrote.
        sent: [u8; 32],
        /// Computed by the server over the bytes it read.
        received: [u8; 32],
    },
}

/// The client's account of one run.
#[derive(Debug)]
pub struct ClientReport {
    /// Negotiation, as the client and the wire saw it.
    pub report: Report,
    /// What came back.
    pub response: Response,
    /// Whether the server's close_notify ended the stream (rather than an error or
    /// a bare TCP close).
    pub server_close_notify: bool,
    /// Handshake through close_notify.
    pub elapsed: Duration,
}

/// The server's account of one connection.
#[derive(Debug)]
pub struct ServerReport {
    /// Negotiation, as the server and the wire saw it.
    pub report: Report,
    /// Payload bytes received.
    pub payload_len: u64,
    /// Whether the client's close_notify ended the stream (a bare TCP close is
    /// an error for peers that tell the two apart, `false` for OpenSSL).
    pub client_close_notify: bool,
    /// Bytes that came after the request and before the client's close_notify:
    /// 0 when the client sent its request exactly once (a 0-RTT request resent
    /// although the server had taken it would show here).
    pub trailing: u64,
}

/// When the client initiates KeyUpdate.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum KeyUpdate {
    /// Never.
    #[default]
    Never,
    /// Right after the handshake and again halfway through the payload.
    Client,
}

const MODE_ECHO: u8 = 0;
const MODE_CHECKSUM: u8 = 1;
const CHUNK: usize = 64 * 1024;

/// The request header of an echo of `len` bytes, for clients that do not go
/// through [`run_client`] (e.g. `openssl s_client`, fed on its standard input).
pub(crate) fn echo_header(len: u64) -> Vec<u8> {
    let mut header = vec![MODE_ECHO];
    header.extend_from_slice(&len.to_be_bytes());
    header
}

pub(crate) fn configure(tcp: &TcpStream) -> io::Result<()> {
    tcp.set_read_timeout(Some(IO_TIMEOUT))?;
    tcp.set_write_timeout(Some(IO_TIMEOUT))?;
    tcp.set_nodelay(true)
}

pub(crate) fn report(
    peer: String,
    session: &dyn TlsSession,
    tap: &wire::Transcript,
    is_client: bool,
) -> Report {
    let (c2s, s2c) = if is_client {
        (tap.sent(), tap.received())
    } else {
        (tap.received(), tap.sent())
    };
    Report {
        peer,
        negotiated: session.negotiated(),
        client_hello: wire::parse_client_hello(&c2s),
        server_hello: wire::parse_server_hello(&s2c),
        client_bytes: c2s.len(),
        server_bytes: s2c.len(),
    }
}

/// After a failed handshake: stop writing and read what the peer still sends
/// (briefly, bounded), so that closing the socket with unread bytes does not
/// reset the connection before the peer has read our alert.
pub(crate) fn linger(tcp: &TcpStream) {
    const LINGER: Duration = Duration::from_secs(2);
    const MAX_DRAIN: usize = 1 << 20;
    let _ = tcp.shutdown(std::net::Shutdown::Write);
    let _ = tcp.set_read_timeout(Some(LINGER));
    let deadline = Instant::now() + LINGER;
    let mut sink = [0u8; 4096];
    let mut drained = 0;
    let mut reader = tcp;
    while drained < MAX_DRAIN && Instant::now() < deadline {
        match reader.read(&mut sink) {
            Ok(0) | Err(_) => break,
            Ok(n) => drained += n,
        }
    }
}

/// Fills `buf` with the checksum workload's bytes for chunk number `index`: a
/// fixed pattern stamped with the index, so lost, repeated or reordered chunks
/// change the digest.
#[cfg(test)]
fn pattern(index: u64, buf: &mut [u8]) {
    pattern_base(buf);
    stamp(index, buf);
}

/// The part of [`pattern`] that depends on the position only (filled once per
/// transfer: byte loops are slow in the unoptimised test build).
fn pattern_base(buf: &mut [u8]) {
    for (i, b) in buf.iter_mut().enumerate() {
        *b = (i as u8).wrapping_mul(31) ^ (i >> 8) as u8;
    }
}

/// The part of [`pattern`] that depends on the chunk: its index, first.
fn stamp(index: u64, buf: &mut [u8]) {
    let stamp = index.to_be_bytes();
    let n = stamp.len().min(buf.len());
    buf[..n].copy_from_slice(&stamp[..n]);
}

/// Connects `client` to `addr`, runs `workload` and closes; the connection's
/// first bytes are recorded and the hellos read from them.
pub fn run_client(
    client: &dyn ClientPeer,
    addr: SocketAddr,
    workload: &Workload,
    key_update: KeyUpdate,
) -> Result<ClientReport, PeerError> {
    let started = Instant::now();
    let tcp = TcpStream::connect(addr)?;
    configure(&tcp)?;
    let tap = WireTap::new(tcp.try_clone()?);
    let transcript = tap.transcript();
    let mut session = client.connect(tap).inspect_err(|_| linger(&tcp))?;
    let report = report(client.name(), &*session, &transcript, true);
    if key_update == KeyUpdate::Client {
        session.key_update()?;
    }

    let response = match workload {
        Workload::Echo(data) => {
            session.write_all(&echo_header(data.len() as u64))?;
            let half = data.len() / 2;
            session.write_all(&data[..half])?;
            if key_update == KeyUpdate::Client {
                session.key_update()?;
            }
            session.write_all(&data[half..])?;
            session.flush()?;
            let mut back = vec![0u8; data.len()];
            session.read_exact(&mut back)?;
            Response::Echo(back)
        }
        Workload::Checksum { len } => {
            let mut header = vec![MODE_CHECKSUM];
            header.extend_from_slice(&len.to_be_bytes());
            session.write_all(&header)?;
            let mut digest = Sha256::new();
            let mut buf = vec![0u8; CHUNK];
            pattern_base(&mut buf);
            let (mut sent, mut index, mut updated) = (0u64, 0u64, false);
            while sent < *len {
                if key_update == KeyUpdate::Client && !updated && sent >= len / 2 {
                    session.key_update()?;
                    updated = true;
                }
                let n = usize::try_from(len - sent).map_or(CHUNK, |left| left.min(CHUNK));
                stamp(index, &mut buf[..n]);
                session.write_all(&buf[..n])?;
                digest.update(&buf[..n]);
                sent += n as u64;
                index += 1;
            }
            session.flush()?;
            let mut received = [0u8; 32];
            session.read_exact(&mut received)?;
            Response::Checksum {
                sent: digest.finish(),
                received,
            }
        }
    };
    let server_close_notify = close_and_wait(&mut *session)?;
    Ok(ClientReport {
        report,
        response,
        server_close_notify,
        elapsed: started.elapsed(),
    })
}

/// Sends `bytes` to `addr` over a new TCP connection as they are, as an attacker
/// replaying a recorded flight does (RFC 8446 §8), then ends its side of the
/// stream (it has no keys to say more) and returns what the server sent back until
/// it closed the connection (at most [`wire::TAP_LIMIT`] bytes; read for at most
/// [`IO_TIMEOUT`]).
pub fn replay(addr: SocketAddr, bytes: &[u8]) -> Result<Vec<u8>, PeerError> {
    let mut tcp = TcpStream::connect(addr)?;
    configure(&tcp)?;
    tcp.write_all(bytes)?;
    tcp.flush()?;
    tcp.shutdown(std::net::Shutdown::Write)?;
    let mut answer = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        match tcp.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => {
                let room = wire::TAP_LIMIT.saturating_sub(answer.len());
                answer.extend_from_slice(&buf[..n.min(room)]);
            }
            // A server that closes with our bytes unread resets the connection:
            // what arrived before is the answer.
            Err(e) if e.kind() == io::ErrorKind::ConnectionReset => break,
            Err(e) => return Err(e.into()),
        }
    }
    Ok(answer)
}

/// Sends close_notify, then waits for the server's (a clean end of stream,
/// `Ok(0)`), so that it is not writing into a closed socket; whether it came.
pub(crate) fn close_and_wait(session: &mut dyn TlsSession) -> Result<bool, PeerError> {
    session.close()?;
    let mut sink = [0u8; 256];
    Ok(loop {
        match session.read(&mut sink) {
            Ok(0) => break session.received_close_notify().unwrap_or(true),
            Ok(_) => {}
            Err(_) => break false,
        }
    })
}

/// A server accepting connections on a thread.
#[derive(Debug)]
pub struct RunningServer {
    /// Where it listens (127.0.0.1, a free port).
    pub addr: SocketAddr,
    handle: JoinHandle<Vec<Result<ServerReport, PeerError>>>,
}

impl RunningServer {
    /// Waits for the server to finish its connections; one result per connection.
    pub fn join(self) -> Result<Vec<Result<ServerReport, PeerError>>, PeerError> {
        self.handle
            .join()
            .map_err(|_| PeerError::Protocol("server thread panicked".into()))
    }

    /// Waits for a one-connection server and returns that connection's result.
    pub fn join_one(self) -> Result<ServerReport, PeerError> {
        self.join()?
            .into_iter()
            .next()
            .unwrap_or_else(|| Err(PeerError::Protocol("server saw no connection".into())))
    }
}

/// Starts `server` on 127.0.0.1 (port 0) on a thread that serves `connections`
/// connections one after the other, then stops. Each waits at most
/// [`IO_TIMEOUT`] to be accepted. With `key_update`, the server initiates a
/// KeyUpdate before it answers each request.
pub fn spawn_server(
    server: Box<dyn ServerPeer>,
    connections: usize,
    key_update: bool,
) -> Result<RunningServer, PeerError> {
    let listener = TcpListener::bind("127.0.0.1:0")?;
    let addr = listener.local_addr()?;
    // Non-blocking accept, polled, so that a client that never connects (its
    // configuration failed) cannot hang the test.
    listener.set_nonblocking(true)?;
    let handle = thread::spawn(move || {
        (0..connections)
            .map(|_| serve_one(&*server, &listener, key_update))
            .collect()
    });
    Ok(RunningServer { addr, handle })
}

fn accept(listener: &TcpListener) -> Result<TcpStream, PeerError> {
    let deadline = Instant::now() + IO_TIMEOUT;
    loop {
        match listener.accept() {
            Ok((tcp, _)) => {
                tcp.set_nonblocking(false)?;
                configure(&tcp)?;
                return Ok(tcp);
            }
            Err(e) if e.kind() == io::ErrorKind::WouldBlock && Instant::now() < deadline => {
                thread::sleep(Duration::from_millis(2));
            }
            Err(e) => return Err(e.into()),
        }
    }
}

fn serve_one(
    server: &dyn ServerPeer,
    listener: &TcpListener,
    key_update: bool,
) -> Result<ServerReport, PeerError> {
    let tcp = accept(listener)?;
    let tap = WireTap::new(tcp.try_clone()?);
    let transcript = tap.transcript();
    let mut session = server.accept(tap).inspect_err(|_| linger(&tcp))?;
    let report = report(server.name(), &*session, &transcript, false);

    let mut header = [0u8; 9];
    session.read_exact(&mut header)?;
    let mut len_bytes = [0u8; 8];
    len_bytes.copy_from_slice(&header[1..]);
    let len = u64::from_be_bytes(len_bytes);
    let key_update = |session: &mut Box<dyn TlsSession>| {
        if key_update {
            session.key_update()
        } else {
            Ok(())
        }
    };
    match header[0] {
        MODE_ECHO => {
            if len > MAX_ECHO {
                return Err(PeerError::Protocol(format!("echo of {len} bytes refused")));
            }
            // Bounded by MAX_ECHO above; read all before answering so the client
            // can write everything before it reads.
            let mut data = vec![0u8; len as usize];
            session.read_exact(&mut data)?;
            key_update(&mut session)?;
            session.write_all(&data)?;
        }
        MODE_CHECKSUM => {
            let mut digest = Sha256::new();
            let mut buf = vec![0u8; CHUNK];
            let mut left = len;
            while left > 0 {
                let want = usize::try_from(left).map_or(CHUNK, |l| l.min(CHUNK));
                let n = session.read(&mut buf[..want])?;
                if n == 0 {
                    return Err(PeerError::Protocol(format!(
                        "payload ended {left} bytes early"
                    )));
                }
                digest.update(&buf[..n]);
                left -= n as u64;
            }
            key_update(&mut session)?;
            session.write_all(&digest.finish())?;
        }
        mode => return Err(PeerError::Protocol(format!("unknown mode {mode}"))),
    }
    session.flush()?;
    // Read to the client's close_notify, then answer it.
    let mut sink = [0u8; 256];
    let mut trailing = 0u64;
    loop {
        match session.read(&mut sink)? {
            0 => break,
            n => trailing += n as u64,
        }
    }
    let client_close_notify = session.received_close_notify().unwrap_or(true);
    session.close()?;
    Ok(ServerReport {
        report,
        payload_len: len,
        client_close_notify,
        trailing,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stamping_a_base_is_the_pattern() {
        let mut base = vec![0u8; CHUNK];
        pattern_base(&mut base);
        for (index, n) in [(0u64, CHUNK), (7, CHUNK), (u64::MAX, 5), (3, 1000)] {
            let mut stamped = base.clone();
            stamp(index, &mut stamped[..n]);
            let mut full = vec![0u8; n];
            pattern(index, &mut full);
            assert_eq!(stamped[..n], full[..], "chunk {index}, {n} bytes");
        }
        let (mut a, mut b) = (vec![0u8; 64], vec![0u8; 64]);
        pattern(1, &mut a);
        pattern(2, &mut b);
        assert_ne!(a, b, "the index changes the chunk");
    }
}

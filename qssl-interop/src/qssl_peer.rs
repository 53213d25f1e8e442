//! Q-SSL itself as a peer: the facade's blocking `StreamOwned` over the
//! harness' recorded TCP stream.
//!
//! Everything the harness asks of a peer, Q-SSL's API answers directly: the
//! group, suite, ALPN, the peer's CertificateVerify scheme and certificates come
//! from the connection, so the wire tap is a second opinion rather than the only
//! one. A failed handshake keeps Q-SSL's own [`qssl::Error`]
//! ([`PeerError::Qssl`]) so tests can assert the exact alert.

use std::io::{self, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::sync::{Arc, Mutex, PoisonError};

use qssl::pki_types::{CertificateDer, ServerName};
use qssl::{
    ClientConfig, ClientConfigBuilder, ClientConnection, ConnectionCommon, EarlyDataStatus,
    RootCertStore, ServerConfig, ServerConfigBuilder, ServerConnection, StreamOwned,
    WebPkiClientVerifier,
};
use qssl_crypto::ids::{CipherSuite, NamedGroup};
use qssl_crypto::kx::SupportedKxGroup;
use qssl_crypto::provider::{CryptoProvider, default_provider};
use qssl_crypto::suites::Tls13CipherSuite;

use crate::PeerError;
use crate::peer::{
    ClientOptions, ClientPeer, EarlyData, Negotiated, Report, Response, ServerOptions, ServerPeer,
    TlsSession, close_and_wait, configure, echo_header, linger, report,
};
use crate::pki::Identity;
use crate::wire::WireTap;

const PEER: &str = "Q-SSL";

/// The name Q-SSL reports itself under.
pub const QSSL_NAME: &str = "Q-SSL";

fn unsupported(what: String) -> PeerError {
    PeerError::Unsupported { peer: PEER, what }
}

fn groups(
    provider: &CryptoProvider,
    groups: &[NamedGroup],
) -> Result<Vec<&'static dyn SupportedKxGroup>, PeerError> {
    groups
        .iter()
        .map(|g| {
            provider
                .kx_group(*g)
                .ok_or_else(|| unsupported(format!("group {g:?}")))
        })
        .collect()
}

fn suites(
    provider: &CryptoProvider,
    suites: &[CipherSuite],
) -> Result<Vec<&'static Tls13CipherSuite>, PeerError> {
    suites
        .iter()
        .map(|s| {
            provider
                .tls13_suite(*s)
                .ok_or_else(|| unsupported(format!("cipher suite {s:?}")))
        })
        .collect()
}

fn material(what: &str, e: impl std::fmt::Display) -> PeerError {
    PeerError::Material(format!("{what}: {e}"))
}

fn chain(pem: &str) -> Result<Vec<CertificateDer<'static>>, PeerError> {
    let ders = qssl_crypto::pki::pem_certificates(pem).map_err(|e| material("chain PEM", e))?;
    if ders.is_empty() {
        return Err(PeerError::Material("empty certificate chain".into()));
    }
    Ok(ders.into_iter().map(CertificateDer::from).collect())
}

fn key(identity: &Identity) -> Result<Box<qssl_crypto::keys::PrivateKey>, PeerError> {
    qssl_crypto::keys::load_private_key_pem(&identity.key_pem)
        .map(Box::new)
        .map_err(|e| material("private key PEM", e))
}

fn roots(pem: &str) -> Result<Arc<RootCertStore>, PeerError> {
    let mut store = RootCertStore::new();
    store
        .add_pem(pem)
        .map_err(|e| material("trust anchors", e))?;
    Ok(Arc::new(store))
}

/// The facade's error inside an I/O error, if that is what it carries.
pub(crate) fn qssl_error_of(e: &io::Error) -> Option<qssl::Error> {
    e.get_ref()
        .and_then(|inner| inner.downcast_ref::<qssl::Error>())
        .copied()
}

fn handshake_failed(e: io::Error) -> PeerError {
    match qssl_error_of(&e) {
        Some(q) => PeerError::Qssl(q),
        None => PeerError::Io(e),
    }
}

/// A Q-SSL TLS 1.3 client: `ClientConfig` from the harness' options.
pub struct QsslClient {
    config: Arc<ClientConfig>,
    server_name: ServerName<'static>,
}

impl QsslClient {
    /// A client as `opts` says (empty lists: Q-SSL's defaults).
    pub fn new(opts: &ClientOptions) -> Result<Self, PeerError> {
        Self::from_builder(Self::builder(opts)?, opts)
    }

    /// The facade's builder prepared from `opts` (groups, suites, roots, client
    /// certificate, ALPN), for tests that set more (e.g. `pq_only`) before
    /// [`from_builder`](Self::from_builder).
    pub fn builder(opts: &ClientOptions) -> Result<ClientConfigBuilder, PeerError> {
        let mut provider = default_provider();
        if !opts.signature_schemes.is_empty() {
            // signature_algorithms come from the verifiers the provider lists.
            provider
                .signature_verifiers
                .retain(|v| opts.signature_schemes.contains(&v.scheme()));
        }
        let mut b = ClientConfig::builder()
            .with_provider(provider.clone())
            .with_root_certificates(roots(&opts.trust_anchors_pem)?);
        if !opts.groups.is_empty() {
            b = b.with_groups(groups(&provider, &opts.groups)?);
        }
        if !opts.suites.is_empty() {
            b = b.with_cipher_suites(suites(&provider, &opts.suites)?);
        }
        if let Some(id) = &opts.identity {
            b = b.with_client_auth_cert(chain(&id.chain_pem)?, key(id)?);
        }
        Ok(b.with_alpn_protocols(opts.alpn.clone()))
    }

    /// A client from a finished builder; `opts` gives the server name.
    pub fn from_builder(b: ClientConfigBuilder, opts: &ClientOptions) -> Result<Self, PeerError> {
        let server_name = ServerName::try_from(opts.server_name.clone())
            .map_err(|e| material("server name", e))?;
        Ok(Self {
            config: Arc::new(b.build()?),
            server_name,
        })
    }
}

/// A Q-SSL client's 0-RTT connection ([`QsslClient::run_early`]), by its own
/// account and the wire's.
#[derive(Debug)]
pub struct QsslEarlyRun {
    /// Negotiation as the client and its tap saw it; the client's 0-RTT verdict
    /// (`early_data_status`) is `report.negotiated.early_data`'s status.
    pub report: Report,
    /// What `write_early_data` took (0: no ticket allowing early data).
    pub early_sent: usize,
    /// `rejected_early_data` once the handshake was over, before the resend.
    pub rejected: Option<Vec<u8>>,
    /// What `resend_rejected_early_data` said it queued again.
    pub resent: usize,
    /// Every byte the client wrote before it read any: the ClientHello (and a
    /// change_cipher_spec) and the 0-RTT records. An attacker on the path can
    /// record and replay it (RFC 8446 §8).
    pub first_flight: Vec<u8>,
    /// The client → server stream as the tap recorded it (at most
    /// [`crate::wire::TAP_LIMIT`]).
    pub client_to_server: Vec<u8>,
    /// What came back.
    pub response: Response,
    /// Whether the server's close_notify ended the stream.
    pub server_close_notify: bool,
}

impl QsslClient {
    /// Connects to `addr` and makes the harness' echo request of `payload` with
    /// the request's first `early_len` bytes (its 9-byte header first) as 0-RTT
    /// data: `write_early_data` right after `ClientConnection::new`, then the
    /// first flight goes out before anything is read. Once the handshake is over,
    /// the rest of the request is written and flushed to the socket — Q-SSL holds
    /// it back while rejected 0-RTT data is undecided — and then rejected data is
    /// sent again (`resend_rejected_early_data`), so the server gets the request
    /// once and in order whatever became of the 0-RTT data. Offers 0-RTT only with
    /// a ticket from an earlier connection of this client whose builder had
    /// `with_early_data(true)`.
    pub fn run_early(
        &self,
        addr: SocketAddr,
        payload: &[u8],
        early_len: usize,
    ) -> Result<QsslEarlyRun, PeerError> {
        let tcp = TcpStream::connect(addr)?;
        configure(&tcp)?;
        let mut tap = WireTap::new(tcp.try_clone()?);
        let transcript = tap.transcript();
        let mut request = echo_header(payload.len() as u64);
        request.extend_from_slice(payload);
        let early = &request[..early_len.min(request.len())];

        let mut conn = ClientConnection::new(Arc::clone(&self.config), self.server_name.clone())?;
        let early_sent = conn.write_early_data(early)?;
        write_all_tls(&mut conn, &mut tap)?;
        let first_flight = transcript.sent();
        handshake(&mut conn, &mut tap).inspect_err(|_| linger(&tcp))?;

        conn.writer().write_all(&request[early_sent..])?;
        write_all_tls(&mut conn, &mut tap)?;
        let rejected = conn.rejected_early_data().map(<[u8]>::to_vec);
        let resent = match rejected {
            Some(_) => conn.resend_rejected_early_data()?,
            None => 0,
        };
        write_all_tls(&mut conn, &mut tap)?;

        let mut session = QsslSession::Client(StreamOwned::new(conn, tap));
        let report = report(self.name(), &session, &transcript, true);
        let mut back = vec![0u8; payload.len()];
        session.read_exact(&mut back)?;
        let server_close_notify = close_and_wait(&mut session)?;
        Ok(QsslEarlyRun {
            report,
            early_sent,
            rejected,
            resent,
            first_flight,
            client_to_server: transcript.sent(),
            response: Response::Echo(back),
            server_close_notify,
        })
    }
}

impl ClientPeer for QsslClient {
    fn name(&self) -> String {
        QSSL_NAME.to_owned()
    }

    fn connect(&self, mut tcp: WireTap<TcpStream>) -> Result<Box<dyn TlsSession>, PeerError> {
        let mut conn = ClientConnection::new(Arc::clone(&self.config), self.server_name.clone())?;
        handshake(&mut conn, &mut tcp)?;
        Ok(Box::new(QsslSession::Client(StreamOwned::new(conn, tcp))))
    }
}

/// A Q-SSL TLS 1.3 server: `ServerConfig` from the harness' options.
///
/// Its handshake is driven by hand: the 0-RTT data a connection takes is read
/// as soon as it is readable — before the handshake completes, or even if it
/// never does — and handed to the application (the harness' request reader)
/// first, as Q-SSL's reader would. [`Negotiated::early_data`] reports it.
pub struct QsslServer {
    config: Arc<ServerConfig>,
    log: Option<AcceptLog>,
}

/// What one [`QsslServer`] connection held when its `accept` returned, recorded
/// whether or not the handshake completed: a replayed 0-RTT flight, which can
/// never complete one, is judged by this.
#[derive(Clone, Debug)]
pub struct QsslAccept {
    /// The 0-RTT data the application could read, in order, taken as it became
    /// readable (exactly the first `early_data_received` bytes of the stream).
    pub early_data: Vec<u8>,
    /// `ServerConnection::early_data_received`.
    pub early_data_received: usize,
    /// `ServerConnection::early_data_status` (`None` until the handshake is over).
    pub early_data_status: Option<EarlyDataStatus>,
    /// `ConnectionInfo::resumed` (`None` until the handshake is over).
    pub resumed: Option<bool>,
    /// Whether the handshake completed.
    pub handshake_complete: bool,
    /// Why it did not, if it did not.
    pub error: Option<String>,
    /// The client → server bytes received (at most [`crate::wire::TAP_LIMIT`]).
    pub client_to_server: Vec<u8>,
}

/// The [`QsslAccept`] records of a [`QsslServer`], one per `accept`, in order.
#[derive(Clone, Debug, Default)]
pub struct AcceptLog(Arc<Mutex<Vec<QsslAccept>>>);

impl AcceptLog {
    /// The records so far.
    pub fn records(&self) -> Vec<QsslAccept> {
        self.0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    fn push(&self, record: QsslAccept) {
        self.0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(record);
    }
}

/// The most 0-RTT data the harness takes from one connection (Q-SSL bounds it
/// by the configuration's max_early_data; this bounds the harness whatever the
/// configuration).
const MAX_EARLY: usize = 1 << 20;

impl QsslServer {
    /// A server as `opts` says (empty lists: Q-SSL's defaults); with
    /// `client_ca_pem`, client certificates are required.
    pub fn new(opts: &ServerOptions) -> Result<Self, PeerError> {
        Self::from_builder(Self::builder(opts)?)
    }

    /// The facade's builder prepared from `opts`, for tests that set more.
    pub fn builder(opts: &ServerOptions) -> Result<ServerConfigBuilder, PeerError> {
        let provider = default_provider();
        let mut b = ServerConfig::builder()
            .with_single_cert(chain(&opts.identity.chain_pem)?, key(&opts.identity)?);
        for id in &opts.more_identities {
            b = b.add_cert(chain(&id.chain_pem)?, key(id)?);
        }
        if !opts.groups.is_empty() {
            b = b.with_groups(groups(&provider, &opts.groups)?);
        }
        if !opts.suites.is_empty() {
            b = b.with_cipher_suites(suites(&provider, &opts.suites)?);
        }
        if let Some(ca) = &opts.client_ca_pem {
            let verifier = WebPkiClientVerifier::new(roots(ca)?, &provider, true);
            b = b.with_client_cert_verifier(Arc::new(verifier));
        }
        Ok(b.with_alpn_protocols(opts.alpn.clone()))
    }

    /// A server from a finished builder.
    pub fn from_builder(b: ServerConfigBuilder) -> Result<Self, PeerError> {
        Ok(Self {
            config: Arc::new(b.build()?),
            log: None,
        })
    }

    /// This server, recording a [`QsslAccept`] for every connection it accepts
    /// into the log returned.
    pub fn with_log(mut self) -> (Self, AcceptLog) {
        let log = AcceptLog::default();
        self.log = Some(log.clone());
        (self, log)
    }
}

impl ServerPeer for QsslServer {
    fn name(&self) -> String {
        QSSL_NAME.to_owned()
    }

    fn accept(&self, mut tcp: WireTap<TcpStream>) -> Result<Box<dyn TlsSession>, PeerError> {
        let transcript = tcp.transcript();
        let mut conn = ServerConnection::new(Arc::clone(&self.config))?;
        let mut early = Vec::new();
        let result = server_handshake(&mut conn, &mut tcp, &mut early);
        if let Some(log) = &self.log {
            log.push(QsslAccept {
                early_data: early.clone(),
                early_data_received: conn.early_data_received(),
                early_data_status: conn.early_data_status(),
                resumed: conn.connection_info().map(|info| info.resumed),
                handshake_complete: result.is_ok(),
                error: result.as_ref().err().map(ToString::to_string),
                client_to_server: transcript.received(),
            });
        }
        result?;
        Ok(Box::new(QsslSession::Server {
            stream: StreamOwned::new(conn, tcp),
            early,
            early_read: 0,
        }))
    }
}

/// Drives a server handshake to its end, taking into `early` the 0-RTT data as
/// it becomes readable. Each turn writes what is pending, then reads (blocking,
/// bounded by the socket's time-out) and processes: the client's end of stream
/// before the handshake is over is an error.
fn server_handshake(
    conn: &mut ServerConnection,
    tcp: &mut WireTap<TcpStream>,
    early: &mut Vec<u8>,
) -> Result<(), PeerError> {
    loop {
        write_all_tls(conn, tcp)?;
        if !conn.is_handshaking() {
            return Ok(());
        }
        let n = conn.read_tls(tcp)?;
        let processed = conn.process_new_packets();
        take_early_data(conn, early);
        if let Err(e) = processed {
            // The alert, if the socket still takes it.
            let _ = write_all_tls(conn, tcp);
            return Err(PeerError::Qssl(e));
        }
        if n == 0 && conn.is_handshaking() {
            return Err(PeerError::Io(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                "the client ended its stream during the handshake",
            )));
        }
    }
}

/// Reads the 0-RTT data readable now into `early`: the stream's first
/// `early_data_received` bytes, never what came after the handshake.
fn take_early_data(conn: &mut ServerConnection, early: &mut Vec<u8>) {
    let mut buf = [0u8; 4096];
    loop {
        let want = conn
            .early_data_received()
            .min(MAX_EARLY)
            .saturating_sub(early.len())
            .min(buf.len());
        if want == 0 {
            return;
        }
        match conn.reader().read(&mut buf[..want]) {
            Ok(n) if n > 0 => early.extend_from_slice(&buf[..n]),
            _ => return,
        }
    }
}

/// Writes everything the connection has pending; a socket that takes nothing is
/// an error, not a spin.
fn write_all_tls(conn: &mut ConnectionCommon, tcp: &mut WireTap<TcpStream>) -> io::Result<()> {
    while conn.wants_write() {
        if conn.write_tls(tcp)? == 0 {
            return Err(io::ErrorKind::WriteZero.into());
        }
    }
    tcp.flush()
}

/// Drives the handshake to its end and flushes the last flight, so that a
/// failure is reported by `connect` / `accept` with Q-SSL's own error.
fn handshake(conn: &mut ConnectionCommon, tcp: &mut WireTap<TcpStream>) -> Result<(), PeerError> {
    while conn.is_handshaking() {
        conn.complete_io(tcp).map_err(handshake_failed)?;
    }
    write_all_tls(conn, tcp)?;
    Ok(())
}

enum QsslSession {
    Client(StreamOwned<ClientConnection, WireTap<TcpStream>>),
    Server {
        stream: StreamOwned<ServerConnection, WireTap<TcpStream>>,
        /// The 0-RTT data taken during the handshake: what the application reads
        /// first.
        early: Vec<u8>,
        early_read: usize,
    },
}

impl QsslSession {
    fn conn(&self) -> &ConnectionCommon {
        match self {
            Self::Client(s) => &s.conn,
            Self::Server { stream, .. } => &stream.conn,
        }
    }

    fn parts(&mut self) -> (&mut ConnectionCommon, &mut WireTap<TcpStream>) {
        match self {
            Self::Client(s) => (&mut s.conn, &mut s.sock),
            Self::Server { stream, .. } => (&mut stream.conn, &mut stream.sock),
        }
    }

    fn flush_tls(&mut self) -> Result<(), PeerError> {
        let (conn, sock) = self.parts();
        write_all_tls(conn, sock)?;
        Ok(())
    }
}

impl Read for QsslSession {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        match self {
            Self::Client(s) => s.read(buf),
            Self::Server {
                stream,
                early,
                early_read,
            } => {
                let unread = early.get(*early_read..).unwrap_or_default();
                if unread.is_empty() || buf.is_empty() {
                    return stream.read(buf);
                }
                let n = unread.len().min(buf.len());
                buf[..n].copy_from_slice(&unread[..n]);
                *early_read += n;
                Ok(n)
            }
        }
    }
}

impl Write for QsslSession {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match self {
            Self::Client(s) => s.write(buf),
            Self::Server { stream, .. } => stream.write(buf),
        }
    }
    fn flush(&mut self) -> io::Result<()> {
        match self {
            Self::Client(s) => s.flush(),
            Self::Server { stream, .. } => stream.flush(),
        }
    }
}

impl TlsSession for QsslSession {
    fn negotiated(&self) -> Negotiated {
        let c = self.conn();
        Negotiated {
            version: c.protocol_version().map(|v| v.wire().0),
            suite: c.negotiated_cipher_suite(),
            group: c.negotiated_key_exchange_group(),
            alpn: c.alpn_protocol().map(<[u8]>::to_vec),
            peer_signature: c.peer_signature_scheme(),
            peer_certificate: c
                .peer_certificates()
                .and_then(|chain| chain.first())
                .map(|leaf| leaf.to_vec()),
            info: c.connection_info(),
            resumed: c.connection_info().map(|info| info.resumed),
            early_data: Some(match self {
                Self::Client(s) => EarlyData {
                    status: s.conn.early_data_status(),
                    ..EarlyData::default()
                },
                Self::Server { stream, early, .. } => EarlyData {
                    status: stream.conn.early_data_status(),
                    received: early.clone(),
                    count: stream.conn.early_data_received(),
                },
            }),
        }
    }

    fn key_update(&mut self) -> Result<(), PeerError> {
        let (conn, _) = self.parts();
        conn.refresh_traffic_keys()?;
        self.flush_tls()
    }

    fn close(&mut self) -> Result<(), PeerError> {
        let (conn, _) = self.parts();
        conn.send_close_notify();
        self.flush_tls()
    }
}

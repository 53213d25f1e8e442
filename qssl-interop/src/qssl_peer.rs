//! Q-SSL itself as a peer: the facade's blocking `StreamOwned` over the
//! harness' recorded TCP stream.
//!
//! Everything the harness asks of a peer, Q-SSL's API answers directly: the
//! group, suite, ALPN, the peer's CertificateVerify scheme and certificates come
//! from the connection, so the wire tap is a second opinion rather than the only
//! one. A failed handshake keeps Q-SSL's own [`qssl::Error`]
//! ([`PeerError::Qssl`]) so tests can assert the exact alert.

use std::io::{self, Read, Write};
use std::net::TcpStream;
use std::sync::Arc;

use qssl::pki_types::{CertificateDer, ServerName};
use qssl::{
    ClientConfig, ClientConfigBuilder, ClientConnection, ConnectionCommon, RootCertStore,
    ServerConfig, ServerConfigBuilder, ServerConnection, StreamOwned, WebPkiClientVerifier,
};
use qssl_crypto::ids::{CipherSuite, NamedGroup};
use qssl_crypto::kx::SupportedKxGroup;
use qssl_crypto::provider::{CryptoProvider, default_provider};
use qssl_crypto::suites::Tls13CipherSuite;

use crate::PeerError;
use crate::peer::{ClientOptions, ClientPeer, Negotiated, ServerOptions, ServerPeer, TlsSession};
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
pub struct QsslServer {
    config: Arc<ServerConfig>,
}

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
        })
    }
}

impl ServerPeer for QsslServer {
    fn name(&self) -> String {
        QSSL_NAME.to_owned()
    }

    fn accept(&self, mut tcp: WireTap<TcpStream>) -> Result<Box<dyn TlsSession>, PeerError> {
        let mut conn = ServerConnection::new(Arc::clone(&self.config))?;
        handshake(&mut conn, &mut tcp)?;
        Ok(Box::new(QsslSession::Server(StreamOwned::new(conn, tcp))))
    }
}

/// Drives the handshake to its end and flushes the last flight, so that a
/// failure is reported by `connect` / `accept` with Q-SSL's own error.
fn handshake(conn: &mut ConnectionCommon, tcp: &mut WireTap<TcpStream>) -> Result<(), PeerError> {
    while conn.is_handshaking() {
        conn.complete_io(tcp).map_err(handshake_failed)?;
    }
    while conn.wants_write() {
        conn.write_tls(tcp)?;
    }
    tcp.flush()?;
    Ok(())
}

enum QsslSession {
    Client(StreamOwned<ClientConnection, WireTap<TcpStream>>),
    Server(StreamOwned<ServerConnection, WireTap<TcpStream>>),
}

impl QsslSession {
    fn conn(&self) -> &ConnectionCommon {
        match self {
            Self::Client(s) => &s.conn,
            Self::Server(s) => &s.conn,
        }
    }

    fn parts(&mut self) -> (&mut ConnectionCommon, &mut WireTap<TcpStream>) {
        match self {
            Self::Client(s) => (&mut s.conn, &mut s.sock),
            Self::Server(s) => (&mut s.conn, &mut s.sock),
        }
    }

    fn flush_tls(&mut self) -> Result<(), PeerError> {
        let (conn, sock) = self.parts();
        while conn.wants_write() {
            conn.write_tls(sock)?;
        }
        sock.flush()?;
        Ok(())
    }
}

impl Read for QsslSession {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        match self {
            Self::Client(s) => s.read(buf),
            Self::Server(s) => s.read(buf),
        }
    }
}

impl Write for QsslSession {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match self {
            Self::Client(s) => s.write(buf),
            Self::Server(s) => s.write(buf),
        }
    }
    fn flush(&mut self) -> io::Result<()> {
        match self {
            Self::Client(s) => s.flush(),
            Self::Server(s) => s.flush(),
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

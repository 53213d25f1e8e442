//! rustls 0.23 with its default aws-lc-rs provider as a peer.
//!
//! The provider has X25519MLKEM768, SecP256r1MLKEM768, MLKEM768, MLKEM1024,
//! x25519, secp256r1 and secp384r1 — not SecP384r1MLKEM1024 (asking for it is
//! [`PeerError::Unsupported`]) — and signs and verifies ML-DSA-44/65/87 as well as
//! ECDSA, Ed25519 and RSA-PSS. It initiates KeyUpdate (`refresh_traffic_keys`).
//! The scheme of the peer's CertificateVerify is recorded by a verifier wrapped
//! around the standard WebPKI one.

use std::io::{self, Read, Write};
use std::net::TcpStream;
use std::sync::{Arc, Mutex};

use qssl_crypto::ids::{CipherSuite, NamedGroup, SignatureScheme};
use rustls::client::WebPkiServerVerifier;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::{CryptoProvider, GetRandomFailed, SupportedKxGroup, aws_lc_rs};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName, UnixTime};
use rustls::server::danger::{ClientCertVerified, ClientCertVerifier};
use rustls::server::{
    NoServerSessionStorage, ProducesTickets, ServerSessionMemoryCache, StoresServerSessions,
    WebPkiClientVerifier,
};
use rustls::ticketer::TicketRotator;
use rustls::{
    ClientConfig, ClientConnection, DigitallySignedStruct, DistinguishedName, HandshakeKind,
    RootCertStore, ServerConfig, ServerConnection, StreamOwned, SupportedCipherSuite,
};

use crate::PeerError;
use crate::peer::{ClientOptions, ClientPeer, Negotiated, ServerOptions, ServerPeer, TlsSession};
use crate::pki::Identity;
use crate::wire::WireTap;

const PEER: &str = "rustls";

/// The rustls version this crate was built with.
pub const RUSTLS_VERSION: &str = "rustls 0.23 (aws-lc-rs)";

/// The aws-lc-rs key exchange group for `group`.
pub fn rustls_group(group: NamedGroup) -> Result<&'static dyn SupportedKxGroup, PeerError> {
    use aws_lc_rs::kx_group as kx;
    Ok(match group {
        NamedGroup::X25519MLKEM768 => kx::X25519MLKEM768,
        NamedGroup::SECP256R1MLKEM768 => kx::SECP256R1MLKEM768,
        NamedGroup::MLKEM768 => kx::MLKEM768,
        NamedGroup::MLKEM1024 => kx::MLKEM1024,
        NamedGroup::X25519 => kx::X25519,
        NamedGroup::SECP256R1 => kx::SECP256R1,
        NamedGroup::SECP384R1 => kx::SECP384R1,
        other => return Err(unsupported(format!("group {other:?}"))),
    })
}

/// The aws-lc-rs TLS 1.3 cipher suite for `suite`.
pub fn rustls_suite(suite: CipherSuite) -> Result<SupportedCipherSuite, PeerError> {
    use aws_lc_rs::cipher_suite as cs;
    Ok(match suite {
        CipherSuite::TLS13_AES_128_GCM_SHA256 => cs::TLS13_AES_128_GCM_SHA256,
        CipherSuite::TLS13_AES_256_GCM_SHA384 => cs::TLS13_AES_256_GCM_SHA384,
        CipherSuite::TLS13_CHACHA20_POLY1305_SHA256 => cs::TLS13_CHACHA20_POLY1305_SHA256,
        other => return Err(unsupported(format!("cipher suite {other:?} in TLS 1.3"))),
    })
}

fn unsupported(what: String) -> PeerError {
    PeerError::Unsupported { peer: PEER, what }
}

fn provider(
    groups: &[NamedGroup],
    suites: &[CipherSuite],
) -> Result<Arc<CryptoProvider>, PeerError> {
    let mut provider = aws_lc_rs::default_provider();
    if !groups.is_empty() {
        provider.kx_groups = groups
            .iter()
            .map(|g| rustls_group(*g))
            .collect::<Result<_, _>>()?;
    }
    if !suites.is_empty() {
        provider.cipher_suites = suites
            .iter()
            .map(|s| rustls_suite(*s))
            .collect::<Result<_, _>>()?;
    }
    Ok(Arc::new(provider))
}

fn certificates(pem: &str) -> Result<Vec<CertificateDer<'static>>, PeerError> {
    CertificateDer::pem_slice_iter(pem.as_bytes())
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| PeerError::Material(format!("certificate PEM: {e}")))
}

fn identity(
    identity: &Identity,
) -> Result<(Vec<CertificateDer<'static>>, PrivateKeyDer<'static>), PeerError> {
    let key = PrivateKeyDer::from_pem_slice(identity.key_pem.as_bytes())
        .map_err(|e| PeerError::Material(format!("private key PEM: {e}")))?;
    Ok((certificates(&identity.chain_pem)?, key))
}

fn roots(pem: &str) -> Result<Arc<RootCertStore>, PeerError> {
    let mut store = RootCertStore::empty();
    for cert in certificates(pem)? {
        store.add(cert)?;
    }
    Ok(Arc::new(store))
}

/// Where a recording verifier puts the scheme of the signature it checked.
type Seen = Arc<Mutex<Option<SignatureScheme>>>;

fn note(seen: &Seen, scheme: rustls::SignatureScheme) {
    *seen.lock().unwrap_or_else(|p| p.into_inner()) = Some(SignatureScheme(u16::from(scheme)));
}

fn seen_scheme(seen: &Seen) -> Option<SignatureScheme> {
    *seen.lock().unwrap_or_else(|p| p.into_inner())
}

#[derive(Debug)]
struct RecordingServerVerifier {
    inner: Arc<WebPkiServerVerifier>,
    seen: Seen,
    /// When not empty, signature_algorithms offers only these (wire values).
    only: Vec<u16>,
}

impl ServerCertVerifier for RecordingServerVerifier {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        self.inner
            .verify_server_cert(end_entity, intermediates, server_name, ocsp_response, now)
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        note(&self.seen, dss.scheme);
        self.inner.verify_tls12_signature(message, cert, dss)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        note(&self.seen, dss.scheme);
        self.inner.verify_tls13_signature(message, cert, dss)
    }

    fn supported_verify_schemes(&self) -> Vec<rustls::SignatureScheme> {
        let mut schemes = self.inner.supported_verify_schemes();
        if !self.only.is_empty() {
            schemes.retain(|s| self.only.contains(&u16::from(*s)));
        }
        schemes
    }
}

#[derive(Debug)]
struct RecordingClientVerifier {
    inner: Arc<dyn ClientCertVerifier>,
    seen: Seen,
}

impl ClientCertVerifier for RecordingClientVerifier {
    fn offer_client_auth(&self) -> bool {
        self.inner.offer_client_auth()
    }

    fn client_auth_mandatory(&self) -> bool {
        self.inner.client_auth_mandatory()
    }

    fn root_hint_subjects(&self) -> &[DistinguishedName] {
        self.inner.root_hint_subjects()
    }

    fn verify_client_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        now: UnixTime,
    ) -> Result<ClientCertVerified, rustls::Error> {
        self.inner
            .verify_client_cert(end_entity, intermediates, now)
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        note(&self.seen, dss.scheme);
        self.inner.verify_tls12_signature(message, cert, dss)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        note(&self.seen, dss.scheme);
        self.inner.verify_tls13_signature(message, cert, dss)
    }

    fn supported_verify_schemes(&self) -> Vec<rustls::SignatureScheme> {
        self.inner.supported_verify_schemes()
    }
}

/// How a [`RustlsServer`] made by [`RustlsServer::with_resumption`] resumes
/// sessions across the connections it accepts (each connection has its own
/// `ServerConfig`; these parts are shared by all of them).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RustlsResumption {
    /// Stateful tickets: each ticket is an id into one `ServerSessionMemoryCache`
    /// (rustls' default session store, 256 sessions); no ticketer.
    Stateful,
    /// Stateless tickets sealed by `aws_lc_rs::Ticketer` (rustls' recommended
    /// ticketer: the RFC 5077 construction, keys rotating every 6 hours).
    Stateless,
    /// Stateless tickets under rustls' `TicketRotator`, which moves to a fresh
    /// `aws_lc_rs::Ticketer` (fresh random keys) once `key_period` seconds have
    /// passed since the last move, at its next use: a ticket opens under the
    /// current or the previous keys only. The announced ticket lifetime is twice
    /// `key_period`.
    Rotating {
        /// Seconds between key rotations.
        key_period: u32,
    },
}

/// What a resuming [`RustlsServer`] shares across its connections.
#[derive(Clone)]
struct SharedSessions {
    storage: Arc<dyn StoresServerSessions>,
    /// `None`: the config's own, which makes no tickets (stateful resumption).
    ticketer: Option<Arc<dyn ProducesTickets>>,
}

/// rustls' recommended ticketer (fresh random keys each time one is made) in the
/// `Box` a `TicketRotator` generator must return: `aws_lc_rs::Ticketer::new` gives
/// an `Arc`, and the ticket construction it wraps is private.
#[derive(Debug)]
struct FreshTicketer(Arc<dyn ProducesTickets>);

impl ProducesTickets for FreshTicketer {
    fn enabled(&self) -> bool {
        self.0.enabled()
    }
    fn lifetime(&self) -> u32 {
        self.0.lifetime()
    }
    fn encrypt(&self, plain: &[u8]) -> Option<Vec<u8>> {
        self.0.encrypt(plain)
    }
    fn decrypt(&self, cipher: &[u8]) -> Option<Vec<u8>> {
        self.0.decrypt(cipher)
    }
}

fn fresh_ticketer() -> Result<Box<dyn ProducesTickets>, GetRandomFailed> {
    aws_lc_rs::Ticketer::new()
        .map(|t| Box::new(FreshTicketer(t)) as Box<dyn ProducesTickets>)
        .map_err(|_| GetRandomFailed)
}

impl SharedSessions {
    fn new(kind: RustlsResumption) -> Result<Self, PeerError> {
        Ok(match kind {
            RustlsResumption::Stateful => Self {
                storage: ServerSessionMemoryCache::new(256),
                ticketer: None,
            },
            RustlsResumption::Stateless => Self {
                storage: Arc::new(NoServerSessionStorage {}),
                ticketer: Some(aws_lc_rs::Ticketer::new()?),
            },
            RustlsResumption::Rotating { key_period } => Self {
                storage: Arc::new(NoServerSessionStorage {}),
                ticketer: Some(Arc::new(TicketRotator::new(key_period, fresh_ticketer)?)),
            },
        })
    }
}

/// A rustls TLS 1.3 server.
pub struct RustlsServer {
    opts: ServerOptions,
    sessions: Option<SharedSessions>,
}

impl RustlsServer {
    /// Checks that rustls accepts the options (groups, suites, chain and key,
    /// client CA); each connection then gets a fresh `ServerConfig`, so that the
    /// recorded client signature scheme belongs to that connection. Sessions are
    /// therefore not resumed across connections (each one's session store is its
    /// own): see [`with_resumption`](Self::with_resumption).
    pub fn new(opts: &ServerOptions) -> Result<Self, PeerError> {
        if !opts.more_identities.is_empty() {
            return Err(PeerError::Material(
                "the rustls server of this harness serves one chain".into(),
            ));
        }
        let server = Self {
            opts: opts.clone(),
            sessions: None,
        };
        server.config()?;
        Ok(server)
    }

    /// Like [`new`](Self::new), but every connection's `ServerConfig` shares one
    /// session store and ticketer, as `resumption` says, so that a client can
    /// resume a session of an earlier connection (rustls sends two TLS 1.3
    /// tickets per handshake by default).
    pub fn with_resumption(
        opts: &ServerOptions,
        resumption: RustlsResumption,
    ) -> Result<Self, PeerError> {
        let mut server = Self::new(opts)?;
        server.sessions = Some(SharedSessions::new(resumption)?);
        Ok(server)
    }

    fn config(&self) -> Result<(Arc<ServerConfig>, Seen), PeerError> {
        let provider = provider(&self.opts.groups, &self.opts.suites)?;
        let seen = Seen::default();
        let builder = ServerConfig::builder_with_provider(Arc::clone(&provider))
            .with_protocol_versions(&[&rustls::version::TLS13])?;
        let builder = match &self.opts.client_ca_pem {
            Some(ca) => {
                let inner = WebPkiClientVerifier::builder_with_provider(roots(ca)?, provider)
                    .build()
                    .map_err(|e| PeerError::Material(format!("client verifier: {e}")))?;
                builder.with_client_cert_verifier(Arc::new(RecordingClientVerifier {
                    inner,
                    seen: Arc::clone(&seen),
                }))
            }
            None => builder.with_no_client_auth(),
        };
        let (chain, key) = identity(&self.opts.identity)?;
        let mut config = builder.with_single_cert(chain, key)?;
        config.alpn_protocols = self.opts.alpn.clone();
        if let Some(shared) = &self.sessions {
            config.session_storage = Arc::clone(&shared.storage);
            if let Some(ticketer) = &shared.ticketer {
                config.ticketer = Arc::clone(ticketer);
            }
        }
        Ok((Arc::new(config), seen))
    }
}

impl ServerPeer for RustlsServer {
    fn name(&self) -> String {
        RUSTLS_VERSION.to_owned()
    }

    fn accept(&self, mut tcp: WireTap<TcpStream>) -> Result<Box<dyn TlsSession>, PeerError> {
        let (config, seen) = self.config()?;
        let mut conn = ServerConnection::new(config)?;
        handshake(&mut *conn, &mut tcp)?;
        Ok(Box::new(RustlsSession {
            stream: Stream::Server(StreamOwned::new(conn, tcp)),
            seen,
        }))
    }
}

/// A client configuration with its recorder and the name to connect to.
type ClientSetup = (Arc<ClientConfig>, Seen, ServerName<'static>);

/// A rustls TLS 1.3 client.
pub struct RustlsClient {
    opts: ClientOptions,
    shared: Option<ClientSetup>,
}

impl RustlsClient {
    /// Checks that rustls accepts the options (groups, suites, trust anchors,
    /// client identity, server name); each connection gets a fresh `ClientConfig`,
    /// so none resumes an earlier one: see [`with_resumption`](Self::with_resumption).
    pub fn new(opts: &ClientOptions) -> Result<Self, PeerError> {
        let client = Self {
            opts: opts.clone(),
            shared: None,
        };
        client.config()?;
        Ok(client)
    }

    /// Like [`new`](Self::new), but every connection uses one `ClientConfig`, so
    /// rustls' default session store (`Resumption::default()`: in memory, by
    /// server name) keeps the tickets of one connection and offers one on the
    /// next. Its connections must run one at a time: they share the recorder of
    /// the server's signature scheme (reset at each connect; a resumption records
    /// none).
    pub fn with_resumption(opts: &ClientOptions) -> Result<Self, PeerError> {
        let mut client = Self::new(opts)?;
        client.shared = Some(client.config()?);
        Ok(client)
    }

    fn config(&self) -> Result<ClientSetup, PeerError> {
        let provider = provider(&self.opts.groups, &self.opts.suites)?;
        let seen = Seen::default();
        let inner = WebPkiServerVerifier::builder_with_provider(
            roots(&self.opts.trust_anchors_pem)?,
            Arc::clone(&provider),
        )
        .build()
        .map_err(|e| PeerError::Material(format!("server verifier: {e}")))?;
        let builder = ClientConfig::builder_with_provider(provider)
            .with_protocol_versions(&[&rustls::version::TLS13])?
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(RecordingServerVerifier {
                inner,
                seen: Arc::clone(&seen),
                only: self.opts.signature_schemes.iter().map(|s| s.0).collect(),
            }));
        let mut config = match &self.opts.identity {
            Some(id) => {
                let (chain, key) = identity(id)?;
                builder.with_client_auth_cert(chain, key)?
            }
            None => builder.with_no_client_auth(),
        };
        config.alpn_protocols = self.opts.alpn.clone();
        let name = ServerName::try_from(self.opts.server_name.clone())
            .map_err(|e| PeerError::Material(format!("server name: {e}")))?;
        Ok((Arc::new(config), seen, name))
    }
}

impl ClientPeer for RustlsClient {
    fn name(&self) -> String {
        RUSTLS_VERSION.to_owned()
    }

    fn connect(&self, mut tcp: WireTap<TcpStream>) -> Result<Box<dyn TlsSession>, PeerError> {
        let (config, seen, name) = match &self.shared {
            Some((config, seen, name)) => {
                *seen.lock().unwrap_or_else(|p| p.into_inner()) = None;
                (Arc::clone(config), Arc::clone(seen), name.clone())
            }
            None => self.config()?,
        };
        let mut conn = ClientConnection::new(config, name)?;
        handshake(&mut *conn, &mut tcp)?;
        Ok(Box::new(RustlsSession {
            stream: Stream::Client(StreamOwned::new(conn, tcp)),
            seen,
        }))
    }
}

fn handshake<D>(
    conn: &mut rustls::ConnectionCommon<D>,
    tcp: &mut WireTap<TcpStream>,
) -> Result<(), PeerError>
where
    D: rustls::SideData,
{
    let failed = |e: io::Error| PeerError::Handshake {
        peer: PEER,
        detail: e.to_string(),
    };
    while conn.is_handshaking() {
        conn.complete_io(tcp).map_err(failed)?;
    }
    // The last flight may still be queued (a server's tickets, a client's Finished).
    while conn.wants_write() {
        conn.complete_io(tcp).map_err(failed)?;
    }
    Ok(())
}

enum Stream {
    Client(StreamOwned<ClientConnection, WireTap<TcpStream>>),
    Server(StreamOwned<ServerConnection, WireTap<TcpStream>>),
}

struct RustlsSession {
    stream: Stream,
    seen: Seen,
}

/// Runs `$body` with `$s` bound to whichever `StreamOwned` the session holds.
macro_rules! either {
    ($stream:expr, $s:ident => $body:expr) => {
        match $stream {
            Stream::Client($s) => $body,
            Stream::Server($s) => $body,
        }
    };
}

impl Read for RustlsSession {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        either!(&mut self.stream, s => s.read(buf))
    }
}

impl Write for RustlsSession {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        either!(&mut self.stream, s => s.write(buf))
    }
    fn flush(&mut self) -> io::Result<()> {
        either!(&mut self.stream, s => s.flush())
    }
}

impl TlsSession for RustlsSession {
    fn negotiated(&self) -> Negotiated {
        either!(&self.stream, s => Negotiated {
            version: s.conn.protocol_version().map(u16::from),
            suite: s.conn.negotiated_cipher_suite().map(|cs| CipherSuite(u16::from(cs.suite()))),
            group: s.conn.negotiated_key_exchange_group().map(|g| NamedGroup(u16::from(g.name()))),
            alpn: s.conn.alpn_protocol().map(<[u8]>::to_vec),
            peer_signature: seen_scheme(&self.seen),
            peer_certificate: s.conn.peer_certificates().and_then(|c| c.first()).map(|c| c.to_vec()),
            info: None,
            resumed: s.conn.handshake_kind().map(|kind| kind == HandshakeKind::Resumed),
            early_data: None,
        })
    }

    fn key_update(&mut self) -> Result<(), PeerError> {
        either!(&mut self.stream, s => {
            s.conn.refresh_traffic_keys()?;
            s.flush()?;
        });
        Ok(())
    }

    fn close(&mut self) -> Result<(), PeerError> {
        either!(&mut self.stream, s => {
            s.conn.send_close_notify();
            s.flush()?;
        });
        Ok(())
    }
}

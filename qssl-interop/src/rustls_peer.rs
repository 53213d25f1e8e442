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
use rustls::crypto::{CryptoProvider, SupportedKxGroup, aws_lc_rs};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName, UnixTime};
use rustls::server::WebPkiClientVerifier;
use rustls::server::danger::{ClientCertVerified, ClientCertVerifier};
use rustls::{
    ClientConfig, ClientConnection, DigitallySignedStruct, DistinguishedName, RootCertStore,
    ServerConfig, ServerConnection, StreamOwned, SupportedCipherSuite,
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

/// A rustls TLS 1.3 server.
pub struct RustlsServer {
    opts: ServerOptions,
}

impl RustlsServer {
    /// Checks that rustls accepts the options (groups, suites, chain and key,
    /// client CA); each connection then gets a fresh `ServerConfig`, so that the
    /// recorded client signature scheme belongs to that connection.
    pub fn new(opts: &ServerOptions) -> Result<Self, PeerError> {
        if !opts.more_identities.is_empty() {
            return Err(PeerError::Material(
                "the rustls server of this harness serves one chain".into(),
            ));
        }
        let server = Self { opts: opts.clone() };
        server.config()?;
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

/// A rustls TLS 1.3 client.
pub struct RustlsClient {
    opts: ClientOptions,
}

impl RustlsClient {
    /// Checks that rustls accepts the options (groups, suites, trust anchors,
    /// client identity, server name); each connection gets a fresh `ClientConfig`.
    pub fn new(opts: &ClientOptions) -> Result<Self, PeerError> {
        let client = Self { opts: opts.clone() };
        client.config()?;
        Ok(client)
    }

    fn config(&self) -> Result<(Arc<ClientConfig>, Seen, ServerName<'static>), PeerError> {
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
        let (config, seen, name) = self.config()?;
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

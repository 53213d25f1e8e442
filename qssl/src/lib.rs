//! Q-SSL: TLS 1.3 with hybrid post-quantum key exchange (X25519MLKEM768 first by
//! default), ML-DSA / ECDSA / Ed25519 / RSA certificates, and a rustls-like API.
//!
//! This is the facade, the only Q-SSL crate that does I/O. [`ClientConfig`] and
//! [`ServerConfig`] are built once and shared (`Arc`); each [`ClientConnection`] /
//! [`ServerConnection`] is sans-I/O (`read_tls` → `process_new_packets` → `reader()`,
//! `writer()` → `write_tls`), and [`Stream`] / [`StreamOwned`] drive one over any
//! blocking `Read + Write`. Every connection reports whether its key exchange and its
//! peer's authentication are post-quantum ([`ConnectionInfo`]). Authentication counts
//! as post-quantum only when the whole verified certificate path (every certificate
//! signature up to the trust anchor's) and the CertificateVerify are ML-DSA: an
//! ML-DSA leaf under an ECDSA or RSA CA is not
//! ([`ConnectionCommon::peer_verified_path`] lists the links).
//!
//! Session resumption (RFC 8446 §2.2) is on by default: a server sends two session
//! tickets after each handshake, sealed under a key ring of its configuration's own,
//! and a client keeps them in its configuration's session store, by server name, and
//! offers one when it next connects to that name. The resumed handshake sends no
//! certificates and runs a key exchange (`psk_dhe_ke`); both sides report it
//! ([`ConnectionInfo::resumed`]), with the original session's peer certificates and
//! authentication. A client keeps tickets only once it has processed the server's
//! records after the handshake (reading the response does). The builders share a
//! store or ticketer between configurations, turn resumption off, or allow `psk_ke`;
//! the stores and ticketers are in [`session`].
//!
//! A blocking client and server over loopback TCP:
//!
//! ```
//! use std::io::{Read, Write};
//! use std::sync::Arc;
//! use qssl::{ClientConfig, ClientConnection, RootCertStore, ServerConfig, ServerConnection, StreamOwned};
//! use qssl::pki_types::{CertificateDer, ServerName};
//! use qssl::crypto::{keys, pki, sign::{KeyAlgorithm, SigningKey}};
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! // A throwaway PKI: an ECDSA P-256 root and a leaf for "localhost".
//! let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH)?.as_secs();
//! let root_key = keys::generate(KeyAlgorithm::EcdsaP256)?;
//! let mut ca = pki::CertificateParams::new("demo root", &[1], now - 60, now + 3600);
//! ca.role = pki::CertificateRole::Ca { path_len: None };
//! let root = pki::self_signed(&ca, &pki::KeySigner(&root_key))?;
//! let leaf_key = keys::generate(KeyAlgorithm::EcdsaP256)?;
//! let mut ee = pki::CertificateParams::new("", &[2], now - 60, now + 3600);
//! ee.dns_names = vec!["localhost".into()];
//! let leaf = pki::issue(&ee, &leaf_key.public_key_spki(), &root.der, &pki::KeySigner(&root_key))?;
//!
//! let server_config = Arc::new(
//!     ServerConfig::builder()
//!         .with_single_cert(vec![CertificateDer::from(leaf.der)], Box::new(leaf_key))
//!         .build()?,
//! );
//! let mut roots = RootCertStore::new();
//! roots.add(CertificateDer::from(root.der))?;
//! let client_config = Arc::new(ClientConfig::builder().with_root_certificates(Arc::new(roots)).build()?);
//!
//! let listener = std::net::TcpListener::bind("127.0.0.1:0")?;
//! let addr = listener.local_addr()?;
//! let server = std::thread::spawn(move || -> std::io::Result<()> {
//!     let (sock, _) = listener.accept()?;
//!     let conn = ServerConnection::new(server_config).unwrap();
//!     let mut tls = StreamOwned::new(conn, sock);
//!     let mut buf = [0u8; 5];
//!     tls.read_exact(&mut buf)?;
//!     tls.write_all(&buf)?; // echo
//!     Ok(())
//! });
//!
//! let sock = std::net::TcpStream::connect(addr)?;
//! let conn = ClientConnection::new(client_config, ServerName::try_from("localhost")?)?;
//! let mut tls = StreamOwned::new(conn, sock);
//! tls.write_all(b"hello")?;
//! let mut echo = [0u8; 5];
//! tls.read_exact(&mut echo)?;
//! assert_eq!(&echo, b"hello");
//! let info = tls.conn.connection_info().unwrap();
//! assert_eq!(info.key_exchange_group, Some(qssl::NamedGroup::X25519MLKEM768));
//! assert!(info.kx_post_quantum && !info.peer_auth_post_quantum);
//! server.join().unwrap()?;
//! # Ok(()) }
//! ```

mod config;
mod conn;
mod error;
mod key_log;
pub mod pool;
mod provider;
pub mod reconnect;
mod stream;
#[doc(hidden)]
pub mod testing;
pub mod tfo;
mod time;
/// Async streams over tokio (`TlsConnector`, `TlsAcceptor`, `TlsStream`); feature `tokio`.
#[cfg(feature = "tokio")]
pub mod tokio;

pub use config::{
    ClientConfig, ClientConfigBuilder, DangerousClientConfigBuilder, ServerConfig,
    ServerConfigBuilder,
};
pub use conn::{
    ClientConnection, ConnectionCommon, ConnectionInfo, IoState, MAX_KEPT_TICKET_BYTES,
    MAX_KEPT_TICKETS, MAX_WARNING_ALERTS, Reader, ServerConnection, Writer,
};
pub use error::Error;
pub use key_log::{KeyLog, KeyLogFile};
pub use provider::{DEFAULT_PROVIDER_NAME, default_crypto_provider};
pub use qssl_handshake::{
    DEFAULT_CLIENT_GROUPS, DEFAULT_TICKET_KEY_PERIOD, default_client_groups, default_server_groups,
};
pub use stream::{Stream, StreamOwned};
pub use time::{SystemClock, TimeProvider};

pub use qssl_alert::{AlertDescription, AlertLevel};
pub use qssl_crypto::ids::{CipherSuite, NamedGroup, SignatureScheme};
pub use qssl_handshake::verify::{
    CertificateError, ClientCertVerifier, PathSignature, RootCertStore, ServerCertVerifier,
    VerifiedPath, WebPkiClientVerifier, WebPkiServerVerifier, danger,
};
pub use qssl_handshake::{
    CertificateCriteria, CertificateResolver, CertificateSet, CertifiedKey, EarlyDataStatus,
    HandshakeSummary, MAX_KEY_UPDATES_IN_A_ROW, NewSessionTicket, PeerIncompatible, PeerMisbehaved,
    SignRequest,
};
pub use qssl_handshake::{
    CertificateSetError, ClientParams, ConnectionError, EncodeError, Error as HandshakeError,
    InvalidMessage, ServerParams,
};
pub use qssl_record::{ContentType, ProtocolVersion, RecordError};
pub use qssl_wire::TlsVersion;

/// The certificate, name and time types of `rustls-pki-types`.
pub mod pki_types {
    pub use qssl_handshake::verify::{CertificateDer, ServerName, UnixTime};
}

/// Session resumption's stores and ticketers (the `qssl-session` crate): a client's
/// ticket store ([`ClientSessionStore`](session::ClientSessionStore),
/// [`InMemoryClientSessionStore`](session::InMemoryClientSessionStore)) for
/// [`ClientConfigBuilder::with_session_store`], and a server's ticketers
/// ([`Ticketer`](session::Ticketer): [`TicketKeyRing`](session::TicketKeyRing),
/// [`StatefulTickets`](session::StatefulTickets) over a
/// [`ServerSessionStore`](session::ServerSessionStore) such as
/// [`InMemoryServerSessionStore`](session::InMemoryServerSessionStore)) for
/// [`ServerConfigBuilder::with_ticketer`].
pub use qssl_handshake::session;

/// The crypto crate, so one dependency is enough.
pub use qssl_crypto as crypto;

//! What a state machine is told to do: the handshake-level part of a client or server
//! configuration. The `qssl` facade builds these from its builders.

use std::sync::Arc;

use qssl_crypto::kx::SupportedKxGroup;
use qssl_crypto::provider::CryptoProvider;
use qssl_crypto::sign::SigningKey;
use qssl_crypto::suites::Tls13CipherSuite;

use crate::verify::{CertificateDer, ClientCertVerifier, ServerCertVerifier};

/// A certificate chain (end entity first) and the key of its end entity.
#[derive(Debug, Clone)]
pub struct CertifiedKey {
    /// The chain, end entity first.
    pub chain: Vec<CertificateDer<'static>>,
    /// The end entity's private key (software or HSM).
    pub key: Arc<dyn SigningKey>,
}

/// Client handshake parameters.
#[derive(Debug, Clone)]
pub struct ClientParams {
    /// Randomness and signature verifiers.
    pub provider: Arc<CryptoProvider>,
    /// TLS 1.3 suites, most preferred first.
    pub suites: Vec<&'static Tls13CipherSuite>,
    /// Groups, most preferred first: key shares go for the first (and, when it is
    /// X25519MLKEM768 and x25519 is offered too, an x25519 share reusing its key).
    pub groups: Vec<&'static dyn SupportedKxGroup>,
    /// Validates the server's chain and CertificateVerify.
    pub verifier: Arc<dyn ServerCertVerifier>,
    /// Our certificate for client authentication, if any.
    pub client_auth: Option<CertifiedKey>,
    /// ALPN protocols to offer, most preferred first (none: no extension).
    pub alpn_protocols: Vec<Vec<u8>>,
    /// Offer only post-quantum groups and refuse anything else.
    pub pq_only: bool,
    /// Send server_name (never for an IP address).
    pub enable_sni: bool,
    /// Ask for an OCSP staple (status_request).
    pub request_ocsp: bool,
    /// Our record_size_limit (RFC 8449), if we advertise one.
    pub record_size_limit: Option<u16>,
    /// Middlebox compatibility mode (RFC 8446 Appendix D.4): a non-empty
    /// legacy_session_id and a dummy change_cipher_spec.
    pub middlebox_compat: bool,
    /// Emit [`Action::KeyLog`](crate::Action::KeyLog) secrets.
    pub key_log: bool,
}

/// Server handshake parameters.
#[derive(Debug, Clone)]
pub struct ServerParams {
    /// Randomness and signature verifiers.
    pub provider: Arc<CryptoProvider>,
    /// TLS 1.3 suites, most preferred first (server preference decides).
    pub suites: Vec<&'static Tls13CipherSuite>,
    /// Groups, most preferred first (server preference decides).
    pub groups: Vec<&'static dyn SupportedKxGroup>,
    /// Our certificate chain and key.
    pub cert: CertifiedKey,
    /// A stapled OCSP response for our end-entity certificate.
    pub ocsp_response: Option<Vec<u8>>,
    /// Client authentication: `None` sends no CertificateRequest.
    pub client_verifier: Option<Arc<dyn ClientCertVerifier>>,
    /// ALPN protocols we speak, most preferred first (none: ALPN ignored).
    pub alpn_protocols: Vec<Vec<u8>>,
    /// Refuse any key exchange that is not post-quantum.
    pub pq_only: bool,
    /// Our record_size_limit (RFC 8449), if we advertise one.
    pub record_size_limit: Option<u16>,
    /// Emit [`Action::KeyLog`](crate::Action::KeyLog) secrets.
    pub key_log: bool,
}

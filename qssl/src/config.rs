//! Client and server configurations and their builders, with safe defaults.

use std::sync::Arc;

use qssl_crypto::ids::NamedGroup;
use qssl_crypto::kx::SupportedKxGroup;
use qssl_crypto::provider::{CryptoProvider, default_provider};
use qssl_crypto::sign::SigningKey;
use qssl_crypto::suites::Tls13CipherSuite;
use qssl_handshake::verify::{
    CertificateDer, ClientCertVerifier, RootCertStore, ServerCertVerifier, WebPkiServerVerifier,
};
use qssl_handshake::{CertifiedKey, ClientParams, HrrCookieKey, ServerParams};

use crate::error::Error;
use crate::key_log::KeyLog;

/// The default groups, hybrid first: X25519MLKEM768, SecP384r1MLKEM1024, x25519,
/// secp384r1 (those of them the provider has).
pub const DEFAULT_GROUPS: [NamedGroup; 4] = [
    NamedGroup::X25519MLKEM768,
    NamedGroup::SECP384R1MLKEM1024,
    NamedGroup::X25519,
    NamedGroup::SECP384R1,
];

fn default_groups(provider: &CryptoProvider) -> Vec<&'static dyn SupportedKxGroup> {
    DEFAULT_GROUPS
        .iter()
        .filter_map(|g| provider.kx_group(*g))
        .collect()
}

/// How a client connects: shared by any number of connections (`Arc<ClientConfig>`).
#[derive(Debug)]
pub struct ClientConfig {
    pub(crate) params: Arc<ClientParams>,
    pub(crate) key_log: Option<Arc<dyn KeyLog>>,
}

impl ClientConfig {
    /// A builder with safe defaults: TLS 1.3, the [`DEFAULT_GROUPS`], all TLS 1.3
    /// suites of the default provider, SNI on, middlebox compatibility mode on.
    pub fn builder() -> ClientConfigBuilder {
        ClientConfigBuilder {
            provider: default_provider(),
            groups: None,
            suites: None,
            roots: None,
            verifier: None,
            require_ocsp: false,
            client_auth: None,
            alpn_protocols: Vec::new(),
            pq_only: false,
            enable_sni: true,
            record_size_limit: None,
            key_log: None,
        }
    }

    /// The ALPN protocols offered.
    pub fn alpn_protocols(&self) -> &[Vec<u8>] {
        &self.params.alpn_protocols
    }

    /// The handshake parameters (for inspection).
    pub fn params(&self) -> &ClientParams {
        &self.params
    }
}

/// Builds a [`ClientConfig`].
#[derive(Debug)]
pub struct ClientConfigBuilder {
    provider: CryptoProvider,
    groups: Option<Vec<&'static dyn SupportedKxGroup>>,
    suites: Option<Vec<&'static Tls13CipherSuite>>,
    roots: Option<Arc<RootCertStore>>,
    verifier: Option<Arc<dyn ServerCertVerifier>>,
    require_ocsp: bool,
    client_auth: Option<CertifiedKey>,
    alpn_protocols: Vec<Vec<u8>>,
    pq_only: bool,
    enable_sni: bool,
    record_size_limit: Option<u16>,
    key_log: Option<Arc<dyn KeyLog>>,
}

impl ClientConfigBuilder {
    /// Uses `provider` for all cryptography (groups and suites default to its lists
    /// filtered by the defaults).
    pub fn with_provider(mut self, provider: CryptoProvider) -> Self {
        self.provider = provider;
        self
    }

    /// The groups to offer, most preferred first (any of the provider's).
    pub fn with_groups(mut self, groups: Vec<&'static dyn SupportedKxGroup>) -> Self {
        self.groups = Some(groups);
        self
    }

    /// The TLS 1.3 suites to offer, most preferred first.
    pub fn with_cipher_suites(mut self, suites: Vec<&'static Tls13CipherSuite>) -> Self {
        self.suites = Some(suites);
        self
    }

    /// Validates server certificates against `roots`.
    pub fn with_root_certificates(mut self, roots: Arc<RootCertStore>) -> Self {
        self.roots = Some(roots);
        self
    }

    /// Asks for an OCSP staple and refuses servers without one (with root
    /// certificates; a custom verifier decides for itself).
    pub fn require_ocsp(mut self, require: bool) -> Self {
        self.require_ocsp = require;
        self
    }

    /// Custom verifiers and other settings that can weaken security.
    pub fn dangerous(self) -> DangerousClientConfigBuilder {
        DangerousClientConfigBuilder { inner: self }
    }

    /// Authenticates with `chain` (end entity first) and its `key` when asked.
    pub fn with_client_auth_cert(
        mut self,
        chain: Vec<CertificateDer<'static>>,
        key: Box<dyn SigningKey>,
    ) -> Self {
        self.client_auth = Some(CertifiedKey {
            chain,
            key: Arc::from(key),
        });
        self
    }

    /// No client certificate (an empty Certificate if the server asks).
    pub fn with_no_client_auth(mut self) -> Self {
        self.client_auth = None;
        self
    }

    /// ALPN protocols to offer, most preferred first.
    pub fn with_alpn_protocols(mut self, protocols: Vec<Vec<u8>>) -> Self {
        self.alpn_protocols = protocols;
        self
    }

    /// Offer only post-quantum groups and refuse any classical key exchange.
    pub fn pq_only(mut self, pq_only: bool) -> Self {
        self.pq_only = pq_only;
        self
    }

    /// Whether to send server_name (never sent for an IP address).
    pub fn enable_sni(mut self, enable: bool) -> Self {
        self.enable_sni = enable;
        self
    }

    /// Advertise a record_size_limit (RFC 8449), 64..=16385.
    pub fn with_record_size_limit(mut self, limit: Option<u16>) -> Self {
        self.record_size_limit = limit;
        self
    }

    /// Logs secrets (e.g. [`KeyLogFile`](crate::KeyLogFile)).
    pub fn with_key_log(mut self, key_log: Arc<dyn KeyLog>) -> Self {
        self.key_log = Some(key_log);
        self
    }

    /// The configuration; [`Error::Config`] if no verifier or root store was given.
    pub fn build(self) -> Result<ClientConfig, Error> {
        let verifier: Arc<dyn ServerCertVerifier> = match (self.verifier, self.roots) {
            (Some(v), _) => v,
            (None, Some(roots)) => Arc::new(
                WebPkiServerVerifier::new(roots, &self.provider).require_ocsp(self.require_ocsp),
            ),
            (None, None) => return Err(Error::Config("no root certificates or verifier")),
        };
        let groups = self
            .groups
            .unwrap_or_else(|| default_groups(&self.provider));
        let suites = self
            .suites
            .unwrap_or_else(|| self.provider.tls13_cipher_suites.clone());
        if groups.is_empty() || suites.is_empty() {
            return Err(Error::Config("no groups or no cipher suites"));
        }
        Ok(ClientConfig {
            params: Arc::new(ClientParams {
                provider: Arc::new(self.provider),
                suites,
                groups,
                verifier,
                client_auth: self.client_auth,
                alpn_protocols: self.alpn_protocols,
                pq_only: self.pq_only,
                enable_sni: self.enable_sni,
                request_ocsp: true,
                record_size_limit: self.record_size_limit,
                middlebox_compat: true,
                key_log: self.key_log.is_some(),
            }),
            key_log: self.key_log,
        })
    }
}

/// Settings that can weaken security: reached through [`ClientConfigBuilder::dangerous`].
#[derive(Debug)]
pub struct DangerousClientConfigBuilder {
    inner: ClientConfigBuilder,
}

impl DangerousClientConfigBuilder {
    /// Replaces certificate validation with `verifier`.
    pub fn with_verifier(mut self, verifier: Arc<dyn ServerCertVerifier>) -> ClientConfigBuilder {
        self.inner.verifier = Some(verifier);
        self.inner
    }
}

/// How a server accepts connections: shared by any number of connections.
#[derive(Debug)]
pub struct ServerConfig {
    pub(crate) params: Arc<ServerParams>,
    pub(crate) key_log: Option<Arc<dyn KeyLog>>,
}

impl ServerConfig {
    /// A builder with safe defaults (as [`ClientConfig::builder`]); no client
    /// authentication unless a verifier is set.
    pub fn builder() -> ServerConfigBuilder {
        ServerConfigBuilder {
            provider: default_provider(),
            groups: None,
            suites: None,
            cert: None,
            ocsp_response: None,
            client_verifier: None,
            alpn_protocols: Vec::new(),
            pq_only: false,
            record_size_limit: None,
            key_log: None,
            stateless_retry: false,
        }
    }

    /// The handshake parameters (for inspection).
    pub fn params(&self) -> &ServerParams {
        &self.params
    }
}

/// Builds a [`ServerConfig`].
#[derive(Debug)]
pub struct ServerConfigBuilder {
    provider: CryptoProvider,
    groups: Option<Vec<&'static dyn SupportedKxGroup>>,
    suites: Option<Vec<&'static Tls13CipherSuite>>,
    cert: Option<CertifiedKey>,
    ocsp_response: Option<Vec<u8>>,
    client_verifier: Option<Arc<dyn ClientCertVerifier>>,
    alpn_protocols: Vec<Vec<u8>>,
    pq_only: bool,
    record_size_limit: Option<u16>,
    key_log: Option<Arc<dyn KeyLog>>,
    stateless_retry: bool,
}

impl ServerConfigBuilder {
    /// Uses `provider` for all cryptography.
    pub fn with_provider(mut self, provider: CryptoProvider) -> Self {
        self.provider = provider;
        self
    }

    /// The groups we accept, most preferred first (server preference decides).
    pub fn with_groups(mut self, groups: Vec<&'static dyn SupportedKxGroup>) -> Self {
        self.groups = Some(groups);
        self
    }

    /// The TLS 1.3 suites we accept, most preferred first.
    pub fn with_cipher_suites(mut self, suites: Vec<&'static Tls13CipherSuite>) -> Self {
        self.suites = Some(suites);
        self
    }

    /// Our certificate chain (end entity first) and its key.
    pub fn with_single_cert(
        mut self,
        chain: Vec<CertificateDer<'static>>,
        key: Box<dyn SigningKey>,
    ) -> Self {
        self.cert = Some(CertifiedKey {
            chain,
            key: Arc::from(key),
        });
        self
    }

    /// A stapled OCSP response, sent to clients that ask (status_request).
    pub fn with_ocsp_response(mut self, response: Vec<u8>) -> Self {
        self.ocsp_response = Some(response);
        self
    }

    /// Asks clients for certificates and validates them with `verifier`.
    pub fn with_client_cert_verifier(mut self, verifier: Arc<dyn ClientCertVerifier>) -> Self {
        self.client_verifier = Some(verifier);
        self
    }

    /// No client authentication (the default).
    pub fn with_no_client_auth(mut self) -> Self {
        self.client_verifier = None;
        self
    }

    /// ALPN protocols we speak, most preferred first.
    pub fn with_alpn_protocols(mut self, protocols: Vec<Vec<u8>>) -> Self {
        self.alpn_protocols = protocols;
        self
    }

    /// Refuse any key exchange that is not post-quantum.
    pub fn pq_only(mut self, pq_only: bool) -> Self {
        self.pq_only = pq_only;
        self
    }

    /// Advertise a record_size_limit (RFC 8449) to clients that send one.
    pub fn with_record_size_limit(mut self, limit: Option<u16>) -> Self {
        self.record_size_limit = limit;
        self
    }

    /// Logs secrets.
    pub fn with_key_log(mut self, key_log: Arc<dyn KeyLog>) -> Self {
        self.key_log = Some(key_log);
        self
    }

    /// Stateless HelloRetryRequest (RFC 8446 §4.2.2); off by default.
    ///
    /// Off: a HelloRetryRequest carries no cookie, the connection keeps its
    /// transcript until the second ClientHello, and a cookie in a ClientHello is
    /// ignored. This is what clients expect from a server that did not ask for state
    /// to be carried (OpenSSL and rustls servers do the same), and some clients
    /// neither echo a cookie nor accept one they did not expect.
    ///
    /// On: every HelloRetryRequest carries a cookie, authenticated with a key drawn
    /// when this configuration is built, that holds the chosen suite and group and
    /// the hash of the first ClientHello. After sending it the connection drops all
    /// handshake state; the second ClientHello must echo the cookie unchanged (else
    /// the handshake fails with illegal_parameter), and the transcript is rebuilt
    /// from it. Any connection of this configuration can take the second ClientHello,
    /// which is what a server fronted by a stateless load balancer needs. Cookies are
    /// bound to the client's random and session id, not to a time: one is good for as
    /// long as the configuration lives.
    pub fn with_stateless_retry(mut self, enabled: bool) -> Self {
        self.stateless_retry = enabled;
        self
    }

    /// The configuration; [`Error::Config`] without a certificate.
    pub fn build(self) -> Result<ServerConfig, Error> {
        let cert = self.cert.ok_or(Error::Config("no server certificate"))?;
        if cert.chain.is_empty() {
            return Err(Error::Config("empty certificate chain"));
        }
        let groups = self
            .groups
            .unwrap_or_else(|| default_groups(&self.provider));
        let suites = self
            .suites
            .unwrap_or_else(|| self.provider.tls13_cipher_suites.clone());
        if groups.is_empty() || suites.is_empty() {
            return Err(Error::Config("no groups or no cipher suites"));
        }
        let hrr_cookie_key = HrrCookieKey::generate(self.provider.secure_random)
            .map_err(qssl_handshake::Error::from)?;
        Ok(ServerConfig {
            params: Arc::new(ServerParams {
                provider: Arc::new(self.provider),
                suites,
                groups,
                cert,
                ocsp_response: self.ocsp_response,
                client_verifier: self.client_verifier,
                alpn_protocols: self.alpn_protocols,
                pq_only: self.pq_only,
                record_size_limit: self.record_size_limit,
                key_log: self.key_log.is_some(),
                send_supported_groups: false,
                stateless_retry: self.stateless_retry,
                hrr_cookie_key: Arc::new(hrr_cookie_key),
            }),
            key_log: self.key_log,
        })
    }
}

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
use qssl_handshake::{
    CertificateResolver, CertificateSet, CertificateSetError, CertifiedKey, ClientParams,
    HrrCookieKey, ServerParams,
};

use crate::error::Error;
use crate::key_log::KeyLog;
use crate::time::{SystemClock, TimeProvider};

/// The groups a client offers by default, most preferred first: X25519MLKEM768,
/// SecP384r1MLKEM1024, x25519, secp256r1, secp384r1 (those the provider has).
///
/// Short on purpose: the ClientHello carries a key share for the first group only
/// (plus an x25519 share that reuses the hybrid's X25519 key), and every group named
/// costs two bytes and a line in the server's choice. A server that implements none
/// of these but another of ours answers with a HelloRetryRequest only if the group is
/// listed, so the classical groups every TLS 1.3 server has (RFC 8446 §9.1) are here.
pub const DEFAULT_CLIENT_GROUPS: [NamedGroup; 5] = [
    NamedGroup::X25519MLKEM768,
    NamedGroup::SECP384R1MLKEM1024,
    NamedGroup::X25519,
    NamedGroup::SECP256R1,
    NamedGroup::SECP384R1,
];

fn default_client_groups(provider: &CryptoProvider) -> Vec<&'static dyn SupportedKxGroup> {
    DEFAULT_CLIENT_GROUPS
        .iter()
        .filter_map(|g| provider.kx_group(*g))
        .collect()
}

/// The groups a server accepts by default: every group the provider implements,
/// hybrids first, then pure ML-KEM, then the classical groups (provider order within
/// each class). A server must not refuse a client whose only offer it implements, so
/// nothing is left out; the order is the server's preference among the groups a
/// client sent shares for.
pub fn default_server_groups(provider: &CryptoProvider) -> Vec<&'static dyn SupportedKxGroup> {
    let mut groups = provider.kx_groups.clone();
    // Stable: the provider's order survives inside each class.
    groups.sort_by_key(|g| {
        let name = g.name();
        match (name.is_hybrid(), name.is_post_quantum()) {
            (true, _) => 0,
            (false, true) => 1,
            (false, false) => 2,
        }
    });
    groups
}

/// The built-in resolver over `certs`, or the configuration error that stops it.
fn certificate_set(
    certs: Vec<CertifiedKey>,
    provider: &CryptoProvider,
) -> Result<Arc<dyn CertificateResolver>, Error> {
    match CertificateSet::new(certs, provider) {
        Ok(set) => Ok(Arc::new(set)),
        Err(CertificateSetError::EmptyChain(_)) => Err(Error::Config("empty certificate chain")),
        Err(CertificateSetError::BadCertificate(..)) => Err(Error::Config(
            "a certificate in the chain does not parse as X.509",
        )),
        Err(_) => Err(Error::Config("no certificate")),
    }
}

/// How a client connects: shared by any number of connections (`Arc<ClientConfig>`).
#[derive(Debug)]
pub struct ClientConfig {
    pub(crate) params: Arc<ClientParams>,
    pub(crate) key_log: Option<Arc<dyn KeyLog>>,
    pub(crate) time: Arc<dyn TimeProvider>,
}

impl ClientConfig {
    /// A builder with safe defaults: TLS 1.3, the [`DEFAULT_CLIENT_GROUPS`], all TLS 1.3
    /// suites of the default provider, SNI on, middlebox compatibility mode on.
    pub fn builder() -> ClientConfigBuilder {
        ClientConfigBuilder {
            provider: default_provider(),
            groups: None,
            suites: None,
            roots: None,
            verifier: None,
            require_ocsp: false,
            client_certs: Vec::new(),
            client_cert_resolver: None,
            alpn_protocols: Vec::new(),
            pq_only: false,
            enable_sni: true,
            record_size_limit: None,
            key_log: None,
            time: None,
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
    client_certs: Vec<CertifiedKey>,
    client_cert_resolver: Option<Arc<dyn CertificateResolver>>,
    alpn_protocols: Vec<Vec<u8>>,
    pq_only: bool,
    enable_sni: bool,
    record_size_limit: Option<u16>,
    key_log: Option<Arc<dyn KeyLog>>,
    time: Option<Arc<dyn TimeProvider>>,
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

    /// Refuses servers that do not staple a valid OCSP response (RFC 6960: signed by
    /// the issuer or its delegated responder, for this certificate, current) saying
    /// good; applies with root certificates, a custom verifier decides for itself.
    /// Off by default: the client still asks for a staple and validates it, refuses
    /// a valid "revoked" status, and ignores a staple that fails validation
    /// ([`WebPkiServerVerifier::require_ocsp`](crate::WebPkiServerVerifier::require_ocsp)).
    pub fn require_ocsp(mut self, require: bool) -> Self {
        self.require_ocsp = require;
        self
    }

    /// Custom verifiers and other settings that can weaken security.
    pub fn dangerous(self) -> DangerousClientConfigBuilder {
        DangerousClientConfigBuilder { inner: self }
    }

    /// Authenticates with `chain` (end entity first) and its `key` when asked
    /// (replacing any certificate set before).
    pub fn with_client_auth_cert(
        mut self,
        chain: Vec<CertificateDer<'static>>,
        key: Box<dyn SigningKey>,
    ) -> Self {
        self.client_certs = vec![CertifiedKey::new(chain, Arc::from(key))];
        self.client_cert_resolver = None;
        self
    }

    /// Adds a further certificate to choose from when asked, after those given
    /// before: the first the server can verify is sent ([`CertificateSet`]).
    pub fn add_client_auth_cert(
        mut self,
        chain: Vec<CertificateDer<'static>>,
        key: Box<dyn SigningKey>,
    ) -> Self {
        self.client_certs
            .push(CertifiedKey::new(chain, Arc::from(key)));
        self
    }

    /// Chooses the client certificate with `resolver` (instead of the certificates
    /// given with [`with_client_auth_cert`](Self::with_client_auth_cert)).
    pub fn with_client_cert_resolver(mut self, resolver: Arc<dyn CertificateResolver>) -> Self {
        self.client_cert_resolver = Some(resolver);
        self
    }

    /// No client certificate (an empty Certificate if the server asks).
    pub fn with_no_client_auth(mut self) -> Self {
        self.client_certs.clear();
        self.client_cert_resolver = None;
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

    /// Judges certificates by `time` instead of the system clock ([`SystemClock`]).
    pub fn with_time_provider(mut self, time: Arc<dyn TimeProvider>) -> Self {
        self.time = Some(time);
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
            .unwrap_or_else(|| default_client_groups(&self.provider));
        let suites = self
            .suites
            .unwrap_or_else(|| self.provider.tls13_cipher_suites.clone());
        if groups.is_empty() || suites.is_empty() {
            return Err(Error::Config("no groups or no cipher suites"));
        }
        let client_auth = match (self.client_cert_resolver, self.client_certs.is_empty()) {
            (Some(r), _) => Some(r),
            (None, true) => None,
            (None, false) => Some(certificate_set(self.client_certs, &self.provider)?),
        };
        Ok(ClientConfig {
            params: Arc::new(ClientParams {
                provider: Arc::new(self.provider),
                suites,
                groups,
                verifier,
                client_auth,
                alpn_protocols: self.alpn_protocols,
                pq_only: self.pq_only,
                enable_sni: self.enable_sni,
                request_ocsp: true,
                record_size_limit: self.record_size_limit,
                middlebox_compat: true,
                key_log: self.key_log.is_some(),
            }),
            key_log: self.key_log,
            time: self.time.unwrap_or_else(|| Arc::new(SystemClock)),
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
    pub(crate) time: Arc<dyn TimeProvider>,
}

impl ServerConfig {
    /// A builder with safe defaults: TLS 1.3, every group of the provider
    /// ([`default_server_groups`]: post-quantum preferred), all TLS 1.3 suites; no
    /// client authentication unless a verifier is set.
    pub fn builder() -> ServerConfigBuilder {
        ServerConfigBuilder {
            provider: default_provider(),
            groups: None,
            suites: None,
            certs: Vec::new(),
            cert_resolver: None,
            ocsp_response: None,
            client_verifier: None,
            alpn_protocols: Vec::new(),
            pq_only: false,
            record_size_limit: None,
            key_log: None,
            stateless_retry: false,
            time: None,
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
    certs: Vec<CertifiedKey>,
    cert_resolver: Option<Arc<dyn CertificateResolver>>,
    ocsp_response: Option<Vec<u8>>,
    client_verifier: Option<Arc<dyn ClientCertVerifier>>,
    alpn_protocols: Vec<Vec<u8>>,
    pq_only: bool,
    record_size_limit: Option<u16>,
    key_log: Option<Arc<dyn KeyLog>>,
    stateless_retry: bool,
    time: Option<Arc<dyn TimeProvider>>,
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

    /// Our certificate chain (end entity first) and its key, replacing any given
    /// before.
    pub fn with_single_cert(
        mut self,
        chain: Vec<CertificateDer<'static>>,
        key: Box<dyn SigningKey>,
    ) -> Self {
        self.certs = vec![CertifiedKey::new(chain, Arc::from(key))];
        self.cert_resolver = None;
        self
    }

    /// Adds a further chain and key, after those given before. Each ClientHello
    /// gets the first chain the client can verify ([`CertificateSet`]): e.g. an
    /// ML-DSA chain first, for clients that offer ML-DSA, then an ECDSA chain for
    /// the rest, on one listening socket.
    pub fn add_cert(
        mut self,
        chain: Vec<CertificateDer<'static>>,
        key: Box<dyn SigningKey>,
    ) -> Self {
        self.certs.push(CertifiedKey::new(chain, Arc::from(key)));
        self
    }

    /// Adds a prepared [`CertifiedKey`] (e.g. one with its own OCSP staple).
    pub fn add_certified_key(mut self, key: CertifiedKey) -> Self {
        self.certs.push(key);
        self
    }

    /// Chooses the chain for each ClientHello with `resolver` instead of the
    /// built-in [`CertificateSet`] over the chains added here.
    pub fn with_cert_resolver(mut self, resolver: Arc<dyn CertificateResolver>) -> Self {
        self.cert_resolver = Some(resolver);
        self
    }

    /// A stapled OCSP response for the first chain (the one of
    /// [`with_single_cert`](Self::with_single_cert)), sent to clients that ask
    /// (status_request). Other chains carry theirs in their [`CertifiedKey`].
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

    /// Judges certificates by `time` instead of the system clock ([`SystemClock`]).
    pub fn with_time_provider(mut self, time: Arc<dyn TimeProvider>) -> Self {
        self.time = Some(time);
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

    /// The configuration; [`Error::Config`] without a certificate (or resolver),
    /// or with a chain that is empty or does not parse.
    pub fn build(mut self) -> Result<ServerConfig, Error> {
        if let (Some(first), Some(response)) = (self.certs.first_mut(), self.ocsp_response.take())
            && first.ocsp.is_none()
        {
            first.ocsp = Some(response);
        }
        let cert_resolver = match self.cert_resolver {
            Some(r) => r,
            None if self.certs.is_empty() => return Err(Error::Config("no server certificate")),
            None => certificate_set(self.certs, &self.provider)?,
        };
        let groups = self
            .groups
            .unwrap_or_else(|| default_server_groups(&self.provider));
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
                cert_resolver,
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
            time: self.time.unwrap_or_else(|| Arc::new(SystemClock)),
        })
    }
}

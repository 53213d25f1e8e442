//! Client and server configurations and their builders, with safe defaults.

use std::sync::Arc;

use qssl_crypto::kx::SupportedKxGroup;
use qssl_crypto::provider::CryptoProvider;
use qssl_crypto::sign::SigningKey;
use qssl_crypto::suites::{Tls12CipherSuite, Tls13CipherSuite};
use qssl_handshake::session::{AntiReplay, ClientSessionStore, Ticketer};
use qssl_handshake::verify::{
    CertificateDer, ClientCertVerifier, RootCertStore, ServerCertVerifier, WebPkiServerVerifier,
};
use qssl_handshake::{
    CertificateResolver, CertificateSet, CertificateSetError, CertifiedKey, ClientParams,
    ServerParams,
};
use qssl_wire::TlsVersion;

use crate::error::Error;
use crate::key_log::KeyLog;
use crate::time::{SystemClock, TimeProvider};

/// The settings both builders share, each `None` until set. `build` starts from the
/// handshake crate's defaults ([`ClientParams::new`], [`ServerParams::new`]) and
/// applies only what was set, so every default lives in one place.
#[derive(Debug, Default)]
struct Common {
    groups: Option<Vec<&'static dyn SupportedKxGroup>>,
    suites: Option<Vec<&'static Tls13CipherSuite>>,
    alpn_protocols: Option<Vec<Vec<u8>>>,
    pq_only: Option<bool>,
    record_size_limit: Option<Option<u16>>,
    key_log: Option<Arc<dyn KeyLog>>,
    time: Option<Arc<dyn TimeProvider>>,
    psk_ke: Option<bool>,
    tls13: Option<bool>,
    tls12: Option<bool>,
    tls12_suites: Option<Vec<&'static Tls12CipherSuite>>,
    tls12_allow_legacy_master_secret: Option<bool>,
}

/// Applies a [`Common`] to client or server params (the same field names on both).
macro_rules! apply_common {
    ($common:expr, $params:expr) => {{
        let c = $common;
        let p = &mut $params;
        if let Some(v) = c.groups {
            p.groups = v;
        }
        if let Some(v) = c.suites {
            p.suites = v;
        }
        if let Some(v) = c.alpn_protocols {
            p.alpn_protocols = v;
        }
        if let Some(v) = c.pq_only {
            p.pq_only = v;
        }
        if let Some(v) = c.record_size_limit {
            p.record_size_limit = v;
        }
        if let Some(v) = c.psk_ke {
            p.psk_ke = v;
        }
        if let Some(v) = c.tls13 {
            p.tls13 = v;
        }
        if let Some(v) = c.tls12 {
            p.tls12 = v;
        }
        if !p.tls13 && !p.tls12 {
            return Err(Error::Config("no protocol version enabled"));
        }
        if let Some(v) = c.tls12_suites {
            p.tls12_suites = v;
        }
        if let Some(v) = c.tls12_allow_legacy_master_secret {
            p.tls12_allow_legacy_master_secret = v;
        }
        p.key_log = c.key_log.is_some();
        if p.groups.is_empty() || p.suites.is_empty() {
            return Err(Error::Config("no groups or no cipher suites"));
        }
        c.key_log
    }};
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
    /// A builder with safe defaults: TLS 1.3, the
    /// [`DEFAULT_CLIENT_GROUPS`](crate::DEFAULT_CLIENT_GROUPS), all TLS 1.3
    /// suites of the default provider, SNI on, middlebox compatibility mode on;
    /// session resumption on, through an in-memory ticket store of the configuration's
    /// own, with a key exchange in every resumption (`psk_dhe_ke` only).
    pub fn builder() -> ClientConfigBuilder {
        ClientConfigBuilder {
            provider: crate::default_crypto_provider(),
            common: Common::default(),
            roots: None,
            verifier: None,
            require_ocsp: false,
            request_ocsp: false,
            client_certs: Vec::new(),
            client_cert_resolver: None,
            enable_sni: None,
            session_store: None,
            early_data: None,
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
    common: Common,
    roots: Option<Arc<RootCertStore>>,
    verifier: Option<Arc<dyn ServerCertVerifier>>,
    require_ocsp: bool,
    request_ocsp: bool,
    client_certs: Vec<CertifiedKey>,
    client_cert_resolver: Option<Arc<dyn CertificateResolver>>,
    enable_sni: Option<bool>,
    /// `None`: the default store; `Some(None)`: no resumption.
    session_store: Option<Option<Arc<dyn ClientSessionStore>>>,
    early_data: Option<bool>,
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
        self.common.groups = Some(groups);
        self
    }

    /// The TLS 1.3 suites to offer, most preferred first.
    pub fn with_cipher_suites(mut self, suites: Vec<&'static Tls13CipherSuite>) -> Self {
        self.common.suites = Some(suites);
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
    /// Requiring a staple asks for one ([`request_ocsp`](Self::request_ocsp)). Off by
    /// default: a staple asked for with `request_ocsp` is validated, a valid "revoked"
    /// status refused, and a staple that fails validation ignored
    /// ([`WebPkiServerVerifier::require_ocsp`](crate::WebPkiServerVerifier::require_ocsp)).
    pub fn require_ocsp(mut self, require: bool) -> Self {
        self.require_ocsp = require;
        self
    }

    /// Asks the server for an OCSP staple (status_request, RFC 6066 §8 and RFC 8446
    /// §4.4.2.1). Off by default: most clients do not check revocation, and a
    /// staple makes the server's flight bigger for nothing. A staple received is
    /// validated, and a valid "revoked" refuses the server (`certificate_revoked`).
    /// [`require_ocsp`](Self::require_ocsp) asks for one whatever this says.
    pub fn request_ocsp(mut self, request: bool) -> Self {
        self.request_ocsp = request;
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
        self.common.alpn_protocols = Some(protocols);
        self
    }

    /// Offer only post-quantum groups and refuse any classical key exchange.
    pub fn pq_only(mut self, pq_only: bool) -> Self {
        self.common.pq_only = Some(pq_only);
        self
    }

    /// Whether to send server_name (never sent for an IP address).
    pub fn enable_sni(mut self, enable: bool) -> Self {
        self.enable_sni = Some(enable);
        self
    }

    /// Advertise a record_size_limit (RFC 8449), 64..=16385.
    pub fn with_record_size_limit(mut self, limit: Option<u16>) -> Self {
        self.common.record_size_limit = Some(limit);
        self
    }

    /// Logs secrets (e.g. [`KeyLogFile`](crate::KeyLogFile)).
    pub fn with_key_log(mut self, key_log: Arc<dyn KeyLog>) -> Self {
        self.common.key_log = Some(key_log);
        self
    }

    /// Judges certificates by `time` instead of the system clock ([`SystemClock`]).
    pub fn with_time_provider(mut self, time: Arc<dyn TimeProvider>) -> Self {
        self.common.time = Some(time);
        self
    }

    /// Keeps session tickets in `store`, and offers them from it, instead of in the
    /// configuration's own store.
    ///
    /// By default each built configuration has a fresh
    /// [`InMemoryClientSessionStore`](crate::session::InMemoryClientSessionStore),
    /// shared by all of its connections: a connection resumes with a ticket an
    /// earlier connection to the same server name received. A resumed connection is
    /// authenticated by the session it resumes, not by certificates checked again,
    /// so sessions are kept under the server name bound to the verifier
    /// ([`ClientParams::session_key`](crate::ClientParams::session_key)):
    /// configurations sharing one store resume each other's sessions only if they
    /// verify servers alike (the built-in verifier over the same roots and OCSP
    /// policy) and present no client certificate; any other configuration's
    /// sessions are its own.
    ///
    /// A server sends its tickets after the handshake, so a connection keeps them
    /// only if it processes the server's records after the handshake (reading the
    /// response does): a connection that only writes and closes leaves nothing to
    /// resume.
    pub fn with_session_store(mut self, store: Arc<dyn ClientSessionStore>) -> Self {
        self.session_store = Some(Some(store));
        self
    }

    /// No session resumption: no ticket is offered, none received is kept, and the
    /// key exchange group a server chose is not remembered either (that memory lives
    /// in the session store). Every connection runs a full handshake.
    pub fn without_resumption(mut self) -> Self {
        self.session_store = Some(None);
        self
    }

    /// Offers `psk_ke` besides `psk_dhe_ke` (RFC 8446 §4.2.9): a server that allows it
    /// too then resumes without a key exchange. Cheaper, but the resumed connection
    /// has no forward secrecy of its own: its keys come from the resumption secret
    /// alone, so whoever later learns the ticket's secret (from this client's store,
    /// or the server's ticket key) can decrypt it. Off by default.
    pub fn with_psk_ke(mut self, enabled: bool) -> Self {
        self.common.psk_ke = Some(enabled);
        self
    }

    /// Speaks TLS 1.2 (RFC 5246: ECDHE with AES-GCM or ChaCha20-Poly1305, extended
    /// master secret required) as well as TLS 1.3, with peers that have nothing
    /// newer. Off by default: TLS 1.2 has no post-quantum key exchange, so such a
    /// connection reports `kx_post_quantum: false` and protocol version TLS 1.2.
    /// Ignored under `pq_only`.
    pub fn with_tls12(mut self) -> Self {
        self.common.tls12 = Some(true);
        self
    }

    /// The protocol versions spoken, from `versions`: TLS 1.3 (the default), TLS 1.2
    /// (as [`with_tls12`](Self::with_tls12)), or both. `&[TlsVersion::Tls12]` makes a
    /// TLS 1.2-only endpoint (for peers that break on TLS 1.3, and for tests); a list
    /// with neither fails at `build`.
    pub fn with_protocol_versions(mut self, versions: &[TlsVersion]) -> Self {
        self.common.tls13 = Some(versions.contains(&TlsVersion::Tls13));
        self.common.tls12 = Some(versions.contains(&TlsVersion::Tls12));
        self
    }

    /// The TLS 1.2 cipher suites, most preferred first (used with
    /// [`with_tls12`](Self::with_tls12); default: the provider's six ECDHE suites).
    pub fn with_tls12_cipher_suites(mut self, suites: Vec<&'static Tls12CipherSuite>) -> Self {
        self.common.tls12_suites = Some(suites);
        self
    }

    /// Accepts a TLS 1.2 peer without extended master secret (RFC 7627). Off by
    /// default: such a peer's master secret does not bind the handshake transcript
    /// (the triple handshake attack), and it is refused with handshake_failure.
    pub fn with_tls12_legacy_master_secret(mut self, allow: bool) -> Self {
        self.common.tls12_allow_legacy_master_secret = Some(allow);
        self
    }

    /// Offers 0-RTT (RFC 8446 §2.3) when resuming with a ticket that allows it:
    /// [`ClientConnection::write_early_data`](crate::ClientConnection::write_early_data)
    /// then sends data right behind the ClientHello, a round trip earlier. Early data
    /// can be replayed by an attacker (the server's anti-replay narrows, not closes,
    /// that window) and is not forward secret: use it only for requests that are safe
    /// to receive twice. Off by default.
    pub fn with_early_data(mut self, enabled: bool) -> Self {
        self.early_data = Some(enabled);
        self
    }

    /// The configuration; [`Error::Config`] if no verifier or root store was given.
    pub fn build(mut self) -> Result<ClientConfig, Error> {
        let verifier: Arc<dyn ServerCertVerifier> = match (self.verifier, self.roots) {
            (Some(v), _) => v,
            (None, Some(roots)) => Arc::new(
                WebPkiServerVerifier::new(roots, &self.provider).require_ocsp(self.require_ocsp),
            ),
            (None, None) => return Err(Error::Config("no root certificates or verifier")),
        };
        let client_auth = match (self.client_cert_resolver, self.client_certs.is_empty()) {
            (Some(r), _) => Some(r),
            (None, true) => None,
            (None, false) => Some(certificate_set(self.client_certs, &self.provider)?),
        };
        let mut params = ClientParams::new(Arc::new(self.provider), verifier);
        params.client_auth = client_auth;
        // A staple that is required must be asked for.
        params.request_ocsp = self.request_ocsp || self.require_ocsp;
        if let Some(v) = self.enable_sni {
            params.enable_sni = v;
        }
        if let Some(store) = self.session_store {
            params.session_store = store;
        }
        if let Some(v) = self.early_data {
            params.early_data = v;
        }
        let time = self
            .common
            .time
            .take()
            .unwrap_or_else(|| Arc::new(SystemClock));
        let key_log = apply_common!(self.common, params);
        Ok(ClientConfig {
            params: Arc::new(params),
            key_log,
            time,
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
    /// ([`default_server_groups`](crate::default_server_groups): post-quantum preferred), all TLS 1.3 suites; no
    /// client authentication unless a verifier is set; two session tickets after
    /// each handshake, sealed by a [`TicketKeyRing`](crate::session::TicketKeyRing)
    /// of the configuration's own (keys drawn at random, rotated every
    /// [`DEFAULT_TICKET_KEY_PERIOD`](crate::DEFAULT_TICKET_KEY_PERIOD) seconds),
    /// with a key exchange in every resumption (no `psk_ke`).
    pub fn builder() -> ServerConfigBuilder {
        ServerConfigBuilder {
            provider: crate::default_crypto_provider(),
            common: Common::default(),
            certs: Vec::new(),
            cert_resolver: None,
            ocsp_response: None,
            client_verifier: None,
            stateless_retry: None,
            ticketer: None,
            ticket_count: None,
            max_early_data: None,
            anti_replay: None,
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
    common: Common,
    certs: Vec<CertifiedKey>,
    cert_resolver: Option<Arc<dyn CertificateResolver>>,
    ocsp_response: Option<Vec<u8>>,
    client_verifier: Option<Arc<dyn ClientCertVerifier>>,
    stateless_retry: Option<bool>,
    /// `None`: the default key ring; `Some(None)`: no resumption.
    ticketer: Option<Option<Arc<dyn Ticketer>>>,
    ticket_count: Option<u8>,
    max_early_data: Option<u32>,
    anti_replay: Option<Arc<dyn AntiReplay>>,
}

impl ServerConfigBuilder {
    /// Uses `provider` for all cryptography.
    pub fn with_provider(mut self, provider: CryptoProvider) -> Self {
        self.provider = provider;
        self
    }

    /// The groups we accept, most preferred first (server preference decides).
    pub fn with_groups(mut self, groups: Vec<&'static dyn SupportedKxGroup>) -> Self {
        self.common.groups = Some(groups);
        self
    }

    /// The TLS 1.3 suites we accept, most preferred first.
    pub fn with_cipher_suites(mut self, suites: Vec<&'static Tls13CipherSuite>) -> Self {
        self.common.suites = Some(suites);
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
        self.common.alpn_protocols = Some(protocols);
        self
    }

    /// Refuse any key exchange that is not post-quantum.
    pub fn pq_only(mut self, pq_only: bool) -> Self {
        self.common.pq_only = Some(pq_only);
        self
    }

    /// Advertise a record_size_limit (RFC 8449) to clients that send one.
    pub fn with_record_size_limit(mut self, limit: Option<u16>) -> Self {
        self.common.record_size_limit = Some(limit);
        self
    }

    /// Logs secrets.
    pub fn with_key_log(mut self, key_log: Arc<dyn KeyLog>) -> Self {
        self.common.key_log = Some(key_log);
        self
    }

    /// Judges certificates by `time` instead of the system clock ([`SystemClock`]).
    pub fn with_time_provider(mut self, time: Arc<dyn TimeProvider>) -> Self {
        self.common.time = Some(time);
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
        self.stateless_retry = Some(enabled);
        self
    }

    /// Makes and redeems session tickets (RFC 8446 §4.6.1) with `ticketer` instead
    /// of the configuration's own key ring: e.g. one
    /// [`TicketKeyRing`](crate::session::TicketKeyRing) shared by several
    /// configurations or servers, so that a ticket one issued resumes on the others,
    /// or [`StatefulTickets`](crate::session::StatefulTickets) over a
    /// [`ServerSessionStore`](crate::session::ServerSessionStore), whose tickets are
    /// ids that resume once each. A ticket the ticketer cannot redeem (expired,
    /// another key, used) sends the client to a full handshake, never to an error.
    pub fn with_ticketer(mut self, ticketer: Arc<dyn Ticketer>) -> Self {
        self.ticketer = Some(Some(ticketer));
        self
    }

    /// The NewSessionTickets sent after each handshake, full or resumed: 2 by
    /// default, so a client can open two connections that resume (a ticket is
    /// good for one). 0 sends none, so clients get no ticket from this
    /// configuration; its ticketer still redeems tickets issued elsewhere (a ticketer
    /// shared with other configurations). To turn resumption off altogether, see
    /// [`without_resumption`](Self::without_resumption).
    pub fn with_ticket_count(mut self, count: u8) -> Self {
        self.ticket_count = Some(count);
        self
    }

    /// No session resumption: no ticket is issued and none is redeemed (a client's
    /// pre_shared_key is ignored, and it gets a full handshake).
    pub fn without_resumption(mut self) -> Self {
        self.ticketer = Some(None);
        self
    }

    /// Resumes without a key exchange (`psk_ke`, RFC 8446 §4.2.9) when a client
    /// offers it. Cheaper, but the resumed connection has no forward secrecy of its
    /// own: its keys come from the resumption secret alone, so whoever later learns
    /// the ticket key (or the client's stored ticket) can decrypt it. Off by default:
    /// every resumption runs a key exchange (`psk_dhe_ke`).
    pub fn with_psk_ke(mut self, enabled: bool) -> Self {
        self.common.psk_ke = Some(enabled);
        self
    }

    /// Speaks TLS 1.2 (RFC 5246: ECDHE with AES-GCM or ChaCha20-Poly1305, extended
    /// master secret required) as well as TLS 1.3, with peers that have nothing
    /// newer. Off by default: TLS 1.2 has no post-quantum key exchange, so such a
    /// connection reports `kx_post_quantum: false` and protocol version TLS 1.2.
    /// Ignored under `pq_only`.
    pub fn with_tls12(mut self) -> Self {
        self.common.tls12 = Some(true);
        self
    }

    /// The protocol versions spoken, from `versions`: TLS 1.3 (the default), TLS 1.2
    /// (as [`with_tls12`](Self::with_tls12)), or both. `&[TlsVersion::Tls12]` makes a
    /// TLS 1.2-only endpoint (for peers that break on TLS 1.3, and for tests); a list
    /// with neither fails at `build`.
    pub fn with_protocol_versions(mut self, versions: &[TlsVersion]) -> Self {
        self.common.tls13 = Some(versions.contains(&TlsVersion::Tls13));
        self.common.tls12 = Some(versions.contains(&TlsVersion::Tls12));
        self
    }

    /// The TLS 1.2 cipher suites, most preferred first (used with
    /// [`with_tls12`](Self::with_tls12); default: the provider's six ECDHE suites).
    pub fn with_tls12_cipher_suites(mut self, suites: Vec<&'static Tls12CipherSuite>) -> Self {
        self.common.tls12_suites = Some(suites);
        self
    }

    /// Accepts a TLS 1.2 peer without extended master secret (RFC 7627). Off by
    /// default: such a peer's master secret does not bind the handshake transcript
    /// (the triple handshake attack), and it is refused with handshake_failure.
    pub fn with_tls12_legacy_master_secret(mut self, allow: bool) -> Self {
        self.common.tls12_allow_legacy_master_secret = Some(allow);
        self
    }

    /// Accepts up to `max` bytes of 0-RTT data per connection (RFC 8446 §2.3) and says
    /// so in the tickets it issues; 0, the default, accepts none (a client's early
    /// data is skipped and it resends after the handshake if it wants). Early data is
    /// readable before the handshake completes
    /// ([`ServerConnection::early_data_received`](crate::ServerConnection::early_data_received)
    /// says how much of the stream it is) and is taken only from a first
    /// ClientHello resuming with the first ticket offered, under the ticket's suite
    /// and ALPN protocol, whose ticket age is fresh and whose ticket the anti-replay
    /// store ([`with_anti_replay`](Self::with_anti_replay)) has not seen with early
    /// data before. That stops replays to this server (and to every server sharing
    /// the store), not to servers that do not share it: accept early data only for
    /// requests that are safe to receive twice.
    pub fn with_max_early_data(mut self, max: u32) -> Self {
        self.max_early_data = Some(max);
        self
    }

    /// The 0-RTT anti-replay store (RFC 8446 §8): by default a
    /// [`ReplayGuard`](crate::session::ReplayGuard) of this configuration alone (10 s
    /// window, 100,000 entries, refusing early data when full). Give every server
    /// that accepts the same tickets the same store.
    pub fn with_anti_replay(mut self, store: Arc<dyn AntiReplay>) -> Self {
        self.anti_replay = Some(store);
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
        let mut params = ServerParams::new(Arc::new(self.provider), cert_resolver)
            .map_err(qssl_handshake::Error::from)?;
        params.client_verifier = self.client_verifier;
        if let Some(v) = self.stateless_retry {
            params.stateless_retry = v;
        }
        if let Some(ticketer) = self.ticketer {
            params.ticketer = ticketer;
        }
        if let Some(count) = self.ticket_count {
            params.ticket_count = count;
        }
        if let Some(max) = self.max_early_data {
            params.max_early_data = max;
        }
        if let Some(store) = self.anti_replay {
            params.anti_replay = store;
        }
        // TLS 1.2 clients that resume by session ID (not ticket) need a cache.
        if self.common.tls12 == Some(true) && params.ticketer.is_some() {
            params.tls12_session_cache = Some(Arc::new(
                qssl_handshake::session::InMemoryServerSessionStore::default(),
            ));
        }
        let time = self
            .common
            .time
            .take()
            .unwrap_or_else(|| Arc::new(SystemClock));
        let key_log = apply_common!(self.common, params);
        Ok(ServerConfig {
            params: Arc::new(params),
            key_log,
            time,
        })
    }
}

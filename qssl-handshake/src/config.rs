//! What a state machine is told to do: the handshake-level part of a client or server
//! configuration. The `qssl` facade builds these from its builders.

use std::sync::Arc;

use qssl_crypto::error::CryptoError;
use qssl_crypto::hmac::{HMAC_SHA256, HmacKey};
use qssl_crypto::ids::NamedGroup;
use qssl_crypto::kx::SupportedKxGroup;
use qssl_crypto::provider::CryptoProvider;
use qssl_crypto::rand::SecureRandom;
use qssl_crypto::suites::{Tls12CipherSuite, Tls13CipherSuite};

use qssl_session::{
    AntiReplay, ClientSessionStore, InMemoryClientSessionStore, ReplayGuard, ServerSessionStore,
    TicketKeyRing, Ticketer,
};

use crate::resolve::CertificateResolver;
use crate::verify::{ClientCertVerifier, ServerCertVerifier, ServerName};

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

/// [`DEFAULT_CLIENT_GROUPS`] that `provider` implements, in that order.
pub fn default_client_groups(provider: &CryptoProvider) -> Vec<&'static dyn SupportedKxGroup> {
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

/// How long a server's default ticket key seals tickets (it opens them for one more
/// period): six hours, so a ticket is redeemable for 6 to 12 hours and a stolen key
/// exposes at most 12 hours of tickets.
pub const DEFAULT_TICKET_KEY_PERIOD: u32 = 6 * 3600;

/// Client handshake parameters. [`ClientParams::new`] holds every default (the
/// facade's builder starts from it); the fields are public to adjust, and new ones
/// may be added, so the struct cannot be built literally outside this crate.
#[derive(Debug, Clone)]
#[non_exhaustive]
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
    /// Chooses our certificate when the server asks for one (`None`: we have
    /// none, and answer a CertificateRequest with an empty Certificate).
    pub client_auth: Option<Arc<dyn CertificateResolver>>,
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
    /// Where session tickets are kept between connections, by server name, and
    /// offered from (RFC 8446 §2.2); `None` turns resumption off. Also remembers the
    /// group each server chose, so the next ClientHello's key share is for it.
    pub session_store: Option<Arc<dyn ClientSessionStore>>,
    /// Offer `psk_ke` besides `psk_dhe_ke` (RFC 8446 §4.2.9): a resumption the
    /// server may complete without a key exchange, cheaper but without forward
    /// secrecy for the resumed connection. Off by default.
    pub psk_ke: bool,
    /// Offer 0-RTT (RFC 8446 §2.3) when resuming with a ticket that allows it:
    /// application data written with `Connection::write_early_data` goes out right
    /// after the ClientHello, before the server has answered. Early data can be
    /// replayed by an attacker and is not forward secret; off by default.
    pub early_data: bool,
    /// TLS 1.3 (default on). Off only for a TLS 1.2-only endpoint (with `tls12`):
    /// tests, and peers that break on a TLS 1.3 hello. A TLS 1.2-only client sends a
    /// plain TLS 1.2 ClientHello and does not check the RFC 8446 §4.1.3 downgrade
    /// sentinel (it asked for TLS 1.2); a TLS 1.2-only server does not set it.
    pub tls13: bool,
    /// TLS 1.2 (RFC 5246, ECDHE with AEAD suites) as well as TLS 1.3, for peers that
    /// have nothing newer. Off by default: TLS 1.2 has no post-quantum key exchange,
    /// so a TLS 1.2 connection reports `kx_post_quantum: false`.
    pub tls12: bool,
    /// TLS 1.2 suites, most preferred first (used only with `tls12`).
    pub tls12_suites: Vec<&'static Tls12CipherSuite>,
    /// Accept a TLS 1.2 peer without extended master secret (RFC 7627). Off by
    /// default: such a peer is refused ([`PeerIncompatible::NoExtendedMasterSecret`](crate::PeerIncompatible::NoExtendedMasterSecret)),
    /// because its master secret does not bind the handshake (triple handshake).
    pub tls12_allow_legacy_master_secret: bool,
    /// Drawn once per `ClientParams::new`: binds sessions to these params when the
    /// verifier has no [`session_binding`](ServerCertVerifier::session_binding) or a
    /// client certificate is configured (see [`ClientParams::session_key`]).
    instance_binding: [u8; 16],
}

/// Server handshake parameters. [`ServerParams::new`] holds every default (the
/// facade's builder starts from it); the fields are public to adjust, and new ones
/// may be added, so the struct cannot be built literally outside this crate.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct ServerParams {
    /// Randomness and signature verifiers.
    pub provider: Arc<CryptoProvider>,
    /// TLS 1.3 suites, most preferred first (server preference decides).
    pub suites: Vec<&'static Tls13CipherSuite>,
    /// Groups, most preferred first (server preference decides).
    pub groups: Vec<&'static dyn SupportedKxGroup>,
    /// Chooses our certificate chain and key for each ClientHello (and the OCSP
    /// response stapled with it): one chain, or several for clients that verify
    /// different algorithms ([`CertificateSet`](crate::CertificateSet)).
    pub cert_resolver: Arc<dyn CertificateResolver>,
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
    /// Send our `groups` in EncryptedExtensions (RFC 8446 §4.2.7: the client may use
    /// them in later connections). Off by default in the facade.
    pub send_supported_groups: bool,
    /// Stateless HelloRetryRequest (RFC 8446 §4.2.2). Off (the default): the server
    /// keeps its transcript between the two ClientHellos, sends no cookie and ignores
    /// one in a ClientHello. On: every HelloRetryRequest carries a cookie sealed with
    /// `hrr_cookie_key`, the server drops all handshake state after sending it (it
    /// only remembers that a cookie must come back on this connection), and rebuilds
    /// the transcript from the cookie that the second ClientHello echoes. A second
    /// ClientHello whose cookie is missing or does not verify is
    /// [`PeerMisbehaved::BadCookie`](crate::PeerMisbehaved::BadCookie)
    /// (illegal_parameter); so is, on a connection that sent no HelloRetryRequest, a
    /// first ClientHello with a cookie that does not verify (a valid one, made by a
    /// server sharing the key, continues that handshake).
    pub stateless_retry: bool,
    /// The key of our HelloRetryRequest cookies (used only with `stateless_retry`).
    /// Shared by every connection of a configuration (and by every server that
    /// should accept the second ClientHello), so a cookie can be checked without
    /// per-connection state.
    pub hrr_cookie_key: Arc<HrrCookieKey>,
    /// Makes and redeems session tickets (RFC 8446 §4.6.1): by default a
    /// [`TicketKeyRing`] (stateless tickets sealed under rotating keys); `None` issues
    /// none and resumes nothing.
    pub ticketer: Option<Arc<dyn Ticketer>>,
    /// NewSessionTickets sent after each handshake (default 2, so a client can open
    /// two connections that resume; 0 sends none).
    pub ticket_count: u8,
    /// Accept a `psk_ke` resumption (no key exchange, no forward secrecy for the
    /// resumed connection) when the client offers only that or prefers it. Off by
    /// default: resumptions then always run the key exchange (`psk_dhe_ke`).
    pub psk_ke: bool,
    /// 0-RTT (RFC 8446 §2.3): the most early data accepted per connection, announced
    /// in our tickets (max_early_data_size). 0, the default, accepts none. Early
    /// data is accepted only on a first ClientHello (never after a
    /// HelloRetryRequest) resuming with the first identity offered, under the
    /// ticket's own suite and ALPN protocol, whose ticket age is fresh and which
    /// `anti_replay` has not seen before.
    pub max_early_data: u32,
    /// The 0-RTT anti-replay state (RFC 8446 §8): by default a [`ReplayGuard`] of
    /// its defaults (10 s window, 100,000 entries, rejecting when full). Share one
    /// between every server that accepts the same tickets.
    pub anti_replay: Arc<dyn AntiReplay>,
    /// TLS 1.2 session IDs (RFC 5246 §7.4.1.2): where full TLS 1.2 handshakes keep
    /// their sessions for clients that resume by ID and do not take tickets (a
    /// client that takes tickets gets a ticket from `ticketer` instead). `None`, the
    /// default here, issues no session ID; the facade's `with_tls12()` sets an
    /// in-memory store unless resumption is off.
    pub tls12_session_cache: Option<Arc<dyn ServerSessionStore>>,
    /// TLS 1.3 (default on). Off only for a TLS 1.2-only endpoint (with `tls12`):
    /// tests, and peers that break on a TLS 1.3 hello. A TLS 1.2-only client sends a
    /// plain TLS 1.2 ClientHello and does not check the RFC 8446 §4.1.3 downgrade
    /// sentinel (it asked for TLS 1.2); a TLS 1.2-only server does not set it.
    pub tls13: bool,
    /// TLS 1.2 (RFC 5246, ECDHE with AEAD suites) as well as TLS 1.3, for peers that
    /// have nothing newer. Off by default: TLS 1.2 has no post-quantum key exchange,
    /// so a TLS 1.2 connection reports `kx_post_quantum: false`.
    pub tls12: bool,
    /// TLS 1.2 suites, most preferred first (used only with `tls12`).
    pub tls12_suites: Vec<&'static Tls12CipherSuite>,
    /// Accept a TLS 1.2 peer without extended master secret (RFC 7627). Off by
    /// default: such a peer is refused ([`PeerIncompatible::NoExtendedMasterSecret`](crate::PeerIncompatible::NoExtendedMasterSecret)),
    /// because its master secret does not bind the handshake (triple handshake).
    pub tls12_allow_legacy_master_secret: bool,
}

impl ClientParams {
    /// The defaults: every TLS 1.3 suite of `provider`, [`default_client_groups`],
    /// no client certificate, no ALPN, SNI on, middlebox compatibility mode on, no
    /// OCSP request, no record_size_limit, no key log, not `pq_only`; resumption on
    /// through a fresh [`InMemoryClientSessionStore`] (its defaults), `psk_dhe_ke`
    /// only, no 0-RTT.
    pub fn new(provider: Arc<CryptoProvider>, verifier: Arc<dyn ServerCertVerifier>) -> Self {
        let provider_rng = provider.secure_random;
        let tls12_suites = provider.tls12_cipher_suites.clone();
        Self {
            suites: provider.tls13_cipher_suites.clone(),
            groups: default_client_groups(&provider),
            provider,
            verifier,
            client_auth: None,
            alpn_protocols: Vec::new(),
            pq_only: false,
            enable_sni: true,
            request_ocsp: false,
            record_size_limit: None,
            middlebox_compat: true,
            key_log: false,
            session_store: Some(Arc::new(InMemoryClientSessionStore::default())),
            psk_ke: false,
            early_data: false,
            tls13: true,
            tls12: false,
            tls12_suites,
            tls12_allow_legacy_master_secret: false,
            instance_binding: instance_binding(provider_rng),
        }
    }

    /// The name this client's session store keeps `server_name`'s sessions under:
    /// the server name, then `#` and a digest binding them to what authenticated
    /// them — the verifier's [`session_binding`](ServerCertVerifier::session_binding)
    /// when it has one and no client certificate is configured, else these params
    /// alone. A resumption is authenticated by the session, not by certificates
    /// checked again, so configurations sharing a store resume each other's
    /// sessions only if they verify servers alike and present no certificate.
    pub fn session_key(&self, server_name: &ServerName<'_>) -> String {
        let binding = match (self.verifier.session_binding(), &self.client_auth) {
            (Some(b), None) => [&b"verifier"[..], &b].concat(),
            _ => [&b"instance"[..], &self.instance_binding].concat(),
        };
        let digest = qssl_crypto::hash::SHA256.hash(&binding);
        let mut key = server_name.to_str().into_owned();
        key.push('#');
        for b in &digest.as_bytes()[..16] {
            key.push_str(&format!("{b:02x}"));
        }
        key
    }
}

/// 16 bytes unique to one `ClientParams::new`: the provider's randomness, mixed with
/// a process-wide counter so that params made while it fails (or from a test's fixed
/// stream) still differ. No clock or process id: nothing below the facade reads them.
fn instance_binding(rng: &dyn SecureRandom) -> [u8; 16] {
    use std::sync::atomic::{AtomicU64, Ordering};
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let mut out = [0u8; 16];
    let drawn = rng.fill(&mut out).is_ok();
    let n = NEXT.fetch_add(1, Ordering::Relaxed);
    let mut input = Vec::with_capacity(25);
    input.extend_from_slice(&out);
    input.push(u8::from(drawn));
    input.extend_from_slice(&n.to_be_bytes());
    let digest = qssl_crypto::hash::SHA256.hash(&input);
    out.copy_from_slice(&digest.as_bytes()[..16]);
    out
}

impl ServerParams {
    /// The defaults: every TLS 1.3 suite of `provider`, [`default_server_groups`], no
    /// client authentication, no ALPN, no record_size_limit, no key log, stateful
    /// HelloRetryRequest, supported_groups not sent, not `pq_only`; a fresh
    /// [`HrrCookieKey`] from the provider's randomness; two tickets per handshake from
    /// a fresh [`TicketKeyRing`] (AES-256-GCM, keys rotating every
    /// [`DEFAULT_TICKET_KEY_PERIOD`] seconds), no `psk_ke`, no 0-RTT.
    pub fn new(
        provider: Arc<CryptoProvider>,
        cert_resolver: Arc<dyn CertificateResolver>,
    ) -> Result<Self, CryptoError> {
        let rng = provider.secure_random;
        // The provider's AES-256-GCM (aws-lc's when that is the provider).
        let ticket_aead = provider
            .tls13_suite(qssl_crypto::ids::CipherSuite::TLS13_AES_256_GCM_SHA384)
            .map_or(qssl_crypto::aead::AES_256_GCM, |s| s.aead);
        let tls12_suites = provider.tls12_cipher_suites.clone();
        Ok(Self {
            suites: provider.tls13_cipher_suites.clone(),
            groups: default_server_groups(&provider),
            hrr_cookie_key: Arc::new(HrrCookieKey::generate(provider.secure_random)?),
            provider,
            cert_resolver,
            client_verifier: None,
            alpn_protocols: Vec::new(),
            pq_only: false,
            record_size_limit: None,
            key_log: false,
            send_supported_groups: false,
            stateless_retry: false,
            ticketer: Some(Arc::new(TicketKeyRing::new(
                DEFAULT_TICKET_KEY_PERIOD,
                ticket_aead,
                rng,
            )?)),
            ticket_count: 2,
            psk_ke: false,
            max_early_data: 0,
            anti_replay: Arc::new(ReplayGuard::default()),
            tls12_session_cache: None,
            tls13: true,
            tls12: false,
            tls12_suites,
            tls12_allow_legacy_master_secret: false,
        })
    }
}

/// The secret key that authenticates stateless HelloRetryRequest cookies (RFC 8446
/// §4.2.2): HMAC-SHA256 under 32 random bytes drawn once, at configuration time.
///
/// ```text
/// cookie = suite (2) ‖ group (2) ‖ Hash(ClientHello1) ‖ tag (32)
/// tag    = HMAC(key, "qssl hrr cookie v2" ‖ suite ‖ group ‖ Hash(ClientHello1)
///                    ‖ len(legacy_session_id) (1) ‖ legacy_session_id ‖ random)
/// ```
///
/// The cookie carries everything the server needs after dropping its state: the
/// suite and group it chose, and Hash(ClientHello1) for the transcript's
/// `message_hash`; with the second ClientHello's legacy_session_id (echoed in the
/// HelloRetryRequest) that is enough to rebuild the HelloRetryRequest byte for byte.
/// The tag also binds that session id and the client random, which the second
/// ClientHello must repeat unchanged (RFC 8446 §4.1.2): a cookie moved to another
/// handshake does not verify. Wiped on drop (inside the HMAC key), not `Clone`,
/// redacted `Debug`.
pub struct HrrCookieKey {
    key: Box<dyn HmacKey>,
}

/// A cookie whose tag verified: what the HelloRetryRequest chose.
pub(crate) struct OpenedCookie<'a> {
    pub(crate) suite: u16,
    pub(crate) group: u16,
    pub(crate) ch1_hash: &'a [u8],
}

impl HrrCookieKey {
    /// Length of the tag at the end of a cookie.
    pub const TAG_LEN: usize = 32;

    /// Length of the suite and group at the start of a cookie.
    pub const PREFIX_LEN: usize = 4;

    /// A fresh key from `rng`.
    pub fn generate(rng: &dyn SecureRandom) -> Result<Self, CryptoError> {
        let mut bytes = zeroize::Zeroizing::new([0u8; 32]);
        rng.fill(bytes.as_mut())?;
        Ok(Self {
            key: HMAC_SHA256.with_key(bytes.as_ref()),
        })
    }

    /// The cookie for a HelloRetryRequest choosing `suite` and `group` after a
    /// ClientHello with this hash (under the suite's hash function), session id and
    /// random.
    pub(crate) fn seal(
        &self,
        suite: u16,
        group: u16,
        ch1_hash: &[u8],
        session_id: &[u8],
        random: &[u8; 32],
    ) -> Vec<u8> {
        let mut c = Vec::with_capacity(Self::PREFIX_LEN + ch1_hash.len() + Self::TAG_LEN);
        c.extend_from_slice(&suite.to_be_bytes());
        c.extend_from_slice(&group.to_be_bytes());
        c.extend_from_slice(ch1_hash);
        let tag = self.key.sign(&Self::tagged(
            &c,
            &[session_id.len() as u8],
            session_id,
            random,
        ));
        c.extend_from_slice(tag.as_bytes());
        c
    }

    /// What `cookie` says, if its tag is right for a ClientHello with this session id
    /// and random (compared in constant time); `None` otherwise. Nothing in the cookie
    /// is read before the tag has verified.
    pub(crate) fn open<'a>(
        &self,
        cookie: &'a [u8],
        session_id: &[u8],
        random: &[u8; 32],
    ) -> Option<OpenedCookie<'a>> {
        let split = cookie.len().checked_sub(Self::TAG_LEN)?;
        if split < Self::PREFIX_LEN {
            return None;
        }
        let (body, tag) = cookie.split_at(split);
        // A legacy_session_id is at most 32 bytes (the codec refuses more), so its
        // length is one byte, which keeps the MACed fields unambiguous.
        let sid_len = u8::try_from(session_id.len()).ok()?;
        self.key
            .verify(&Self::tagged(body, &[sid_len], session_id, random), tag)
            .ok()?;
        let (suite, rest) = body.split_first_chunk::<2>()?;
        let (group, ch1_hash) = rest.split_first_chunk::<2>()?;
        Some(OpenedCookie {
            suite: u16::from_be_bytes(*suite),
            group: u16::from_be_bytes(*group),
            ch1_hash,
        })
    }

    fn tagged<'a>(
        body: &'a [u8],
        sid_len: &'a [u8; 1],
        session_id: &'a [u8],
        random: &'a [u8; 32],
    ) -> [&'a [u8]; 5] {
        [COOKIE_LABEL, body, sid_len, session_id, random]
    }
}

/// Domain separation: this key MACs nothing else, but the label keeps it that way
/// (v2: the suite and group travel in the cookie; session id and random are bound).
const COOKIE_LABEL: &[u8] = b"qssl hrr cookie v2";

impl core::fmt::Debug for HrrCookieKey {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("HrrCookieKey([REDACTED])")
    }
}

//! What a state machine is told to do: the handshake-level part of a client or server
//! configuration. The `qssl` facade builds these from its builders.

use std::sync::Arc;

use qssl_crypto::error::CryptoError;
use qssl_crypto::hmac::{HMAC_SHA256, HmacKey};
use qssl_crypto::kx::SupportedKxGroup;
use qssl_crypto::provider::CryptoProvider;
use qssl_crypto::rand::SecureRandom;
use qssl_crypto::suites::Tls13CipherSuite;

use crate::resolve::CertificateResolver;
use crate::verify::{ClientCertVerifier, ServerCertVerifier};

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
    /// The key of our HelloRetryRequest cookies. Shared by every connection of a
    /// configuration, so a cookie can be checked without per-connection state.
    pub hrr_cookie_key: Arc<HrrCookieKey>,
}

/// The secret key that authenticates HelloRetryRequest cookies (RFC 8446 §4.2.2):
/// HMAC-SHA256 under 32 random bytes drawn once, at configuration time.
///
/// The cookie is `Hash(ClientHello1) ‖ HMAC(key, label ‖ suite ‖ group ‖ Hash(ClientHello1))`:
/// everything the server needs to rebuild the transcript's `message_hash` and to know
/// what it asked for, authenticated. Wiped on drop (inside the HMAC key), not `Clone`,
/// redacted `Debug`.
pub struct HrrCookieKey {
    key: Box<dyn HmacKey>,
}

impl HrrCookieKey {
    /// Length of the tag at the end of a cookie.
    pub const TAG_LEN: usize = 32;

    /// A fresh key from `rng`.
    pub fn generate(rng: &dyn SecureRandom) -> Result<Self, CryptoError> {
        let mut bytes = zeroize::Zeroizing::new([0u8; 32]);
        rng.fill(bytes.as_mut())?;
        Ok(Self {
            key: HMAC_SHA256.with_key(bytes.as_ref()),
        })
    }

    /// The cookie for a HelloRetryRequest choosing `suite` and `group` after a
    /// ClientHello whose hash (with the suite's hash function) is `ch1_hash`.
    pub(crate) fn cookie(&self, suite: u16, group: u16, ch1_hash: &[u8]) -> Vec<u8> {
        let tag = self.tag(suite, group, ch1_hash);
        let mut c = Vec::with_capacity(ch1_hash.len() + Self::TAG_LEN);
        c.extend_from_slice(ch1_hash);
        c.extend_from_slice(tag.as_bytes());
        c
    }

    /// The ClientHello1 hash inside `cookie` if its tag is right for `suite` and
    /// `group` (compared in constant time), else `None`.
    pub(crate) fn open<'a>(&self, suite: u16, group: u16, cookie: &'a [u8]) -> Option<&'a [u8]> {
        let split = cookie.len().checked_sub(Self::TAG_LEN)?;
        let (ch1_hash, tag) = cookie.split_at(split);
        self.key
            .verify(
                &[
                    COOKIE_LABEL,
                    &suite.to_be_bytes(),
                    &group.to_be_bytes(),
                    ch1_hash,
                ],
                tag,
            )
            .ok()?;
        Some(ch1_hash)
    }

    fn tag(&self, suite: u16, group: u16, ch1_hash: &[u8]) -> qssl_crypto::hash::HashOutput {
        self.key.sign(&[
            COOKIE_LABEL,
            &suite.to_be_bytes(),
            &group.to_be_bytes(),
            ch1_hash,
        ])
    }
}

/// Domain separation: this key MACs nothing else, but the label keeps it that way.
const COOKIE_LABEL: &[u8] = b"qssl hrr cookie v1";

impl core::fmt::Debug for HrrCookieKey {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("HrrCookieKey([REDACTED])")
    }
}

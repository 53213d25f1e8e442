//! What a state machine asks its connection to do.

use qssl_crypto::aead::NONCE_LEN;
use qssl_crypto::error::CryptoError;
use qssl_crypto::hkdf::Prk;
use qssl_crypto::ids::{NamedGroup, SignatureScheme};
use qssl_crypto::secret::Secret;
use qssl_crypto::suites::{
    SupportedCipherSuite, Tls12CipherSuite, Tls12NonceStyle, Tls13CipherSuite,
};
use qssl_record::{GCM_SALT_LEN, Protector, RecordError};
use zeroize::Zeroizing;

use crate::NewSessionTicket;
use qssl_wire::TlsVersion;

use crate::codec::HandshakeType;
use crate::key_schedule::record_protector;
use crate::verify::{CertificateDer, VerifiedPath};

/// One instruction from a state machine to its connection, in order.
#[derive(Debug)]
#[non_exhaustive]
pub enum Action {
    /// Send one encoded handshake message (header included) under the current write
    /// keys. Consecutive messages may share records.
    SendHandshake {
        /// The message type (for logs and test hooks).
        typ: HandshakeType,
        /// The exact bytes, already added to the transcript.
        bytes: Vec<u8>,
    },
    /// Send a change_cipher_spec record under the current write state: TLS 1.3
    /// middlebox compatibility, or TLS 1.2's switch to the pending write key (the
    /// [`SetWriteKey`](Self::SetWriteKey) that follows).
    SendChangeCipherSpec,
    /// Send a warning-level alert (TLS 1.2: `no_renegotiation` when the peer asks
    /// to renegotiate, RFC 5746 §4.2 / §4.4).
    SendWarningAlert(qssl_alert::AlertDescription),
    /// Install new keys for reading. The connection refuses it if a handshake message
    /// is half received or more handshake data followed in the same record
    /// (RFC 8446 §5.1).
    SetReadKey(TrafficKey),
    /// Install new keys for writing, after everything sent so far.
    SetWriteKey(TrafficKey),
    /// The handshake is complete: application data may flow both ways.
    HandshakeComplete(Box<HandshakeSummary>),
    /// Client: 0-RTT may start (RFC 8446 §2.3): `key` (the client early traffic
    /// secret) is installed for writing after the ClientHello, and up to `max` bytes
    /// of application data may be sent under it.
    StartEarlyData {
        /// The write key for early data.
        key: TrafficKey,
        /// max_early_data_size of the ticket.
        max: u32,
    },
    /// Client: no more early data. `accepted`: the server took what was sent (its
    /// EncryptedExtensions said so); otherwise it was discarded unread.
    EndEarlyData {
        /// Whether the server accepted the early data.
        accepted: bool,
    },
    /// Client: records are written in the clear again (the second ClientHello after
    /// a HelloRetryRequest, when 0-RTT data went out under the early key).
    ClearWriteKey,
    /// Server: the client offered early data that is not accepted: skip up to `max`
    /// bytes of the client's records that do not open under the handshake key (or,
    /// after a HelloRetryRequest, its application data records), RFC 8446 §4.2.10.
    SkipEarlyData {
        /// The most bytes of record payload skipped.
        max: usize,
    },
    /// The server sent a NewSessionTicket (client side; already in the session
    /// store if resumption is on, and kept by the connection for the application).
    SessionTicket(Box<NewSessionTicket>),
    /// The handshake waits for a signature from a slow key (see
    /// [`SignRequest`](crate::SignRequest)): send what is queued, hand the request
    /// out, and process nothing more until the signature comes back.
    Sign(Box<crate::common::SignRequest>),
    /// A secret for an SSLKEYLOGFILE-style key log (only when the params ask for it).
    KeyLog {
        /// The NSS label, e.g. `CLIENT_HANDSHAKE_TRAFFIC_SECRET`.
        label: &'static str,
        /// The ClientHello.random that identifies the connection.
        client_random: [u8; 32],
        /// The secret, wiped on drop.
        secret: Zeroizing<Vec<u8>>,
    },
}

/// A traffic secret for one direction, with what the record layer needs to use it:
/// one variant per protocol version, because each version derives its record keys
/// differently. The connection only calls [`TrafficKey::protector`].
#[derive(Debug)]
#[non_exhaustive]
pub enum TrafficKey {
    /// A TLS 1.3 traffic secret (RFC 8446 §7.1).
    Tls13(Tls13TrafficKey),
    /// One direction's TLS 1.2 write key and fixed IV from the key block (RFC 5246 §6.3).
    Tls12(Tls12TrafficKey),
}

/// A TLS 1.3 traffic secret: record keys are expanded from it (RFC 8446 §7.3), and a
/// KeyUpdate derives the next one from it.
#[derive(Debug)]
pub struct Tls13TrafficKey {
    /// The suite whose AEAD and hash the secret belongs to.
    pub suite: &'static Tls13CipherSuite,
    /// Private: the secret leaves this crate only as the record protector built from it.
    pub(crate) secret: Prk,
    /// The record_size_limit that applies to this direction (RFC 8449): the peer's
    /// for a write key, ours for a read key.
    pub record_size_limit: Option<u16>,
}

/// One direction's TLS 1.2 AEAD keys (RFC 5246 §6.3): the write key and the fixed
/// IV from the key block (4 bytes of GCM salt, RFC 5288 §3, or the 12-byte
/// ChaCha20-Poly1305 IV, RFC 7905 §2). Made by
/// [`KeyBlock::traffic_key`](crate::tls12::KeyBlock::traffic_key).
#[derive(Debug)]
pub struct Tls12TrafficKey {
    /// The suite whose AEAD and nonce construction the key is for.
    pub suite: &'static Tls12CipherSuite,
    /// Private: the key leaves this crate only as the record protector built from it.
    pub(crate) key: Secret,
    /// The fixed part of the nonce, `suite.fixed_iv_len()` bytes.
    pub(crate) iv: Secret,
    /// The record_size_limit that applies to this direction (RFC 8449): the peer's
    /// for a write key, ours for a read key.
    pub record_size_limit: Option<u16>,
}

impl Tls12TrafficKey {
    fn protector(&self) -> Result<Protector, RecordError> {
        let bad_iv = |expected| {
            RecordError::Crypto(CryptoError::BadLength {
                what: "TLS 1.2 fixed IV",
                expected,
                got: self.iv.len(),
            })
        };
        match self.suite.nonce {
            Tls12NonceStyle::GcmExplicit => {
                let salt: &[u8; GCM_SALT_LEN] = self
                    .iv
                    .expose()
                    .try_into()
                    .map_err(|_| bad_iv(GCM_SALT_LEN))?;
                Protector::tls12_gcm(self.suite.aead, self.key.expose(), salt)
            }
            Tls12NonceStyle::ChaChaXor => {
                let iv: &[u8; NONCE_LEN] =
                    self.iv.expose().try_into().map_err(|_| bad_iv(NONCE_LEN))?;
                Protector::tls12_chacha20_poly1305(self.suite.aead, self.key.expose(), iv)
            }
        }
    }
}

impl TrafficKey {
    /// Builds the record protector, record_size_limit applied: TLS 1.3 key and IV
    /// derived from the secret (RFC 8446 §7.3); TLS 1.2 framing by the suite's
    /// nonce construction (RFC 5288 for AES-GCM, RFC 7905 for ChaCha20-Poly1305).
    pub fn protector(&self) -> Result<Protector, RecordError> {
        let mut p = match self {
            Self::Tls13(k) => record_protector(k.suite, &k.secret)?,
            Self::Tls12(k) => k.protector()?,
        };
        if let Some(limit) = self.record_size_limit() {
            p.set_record_size_limit(limit);
        }
        Ok(p)
    }

    /// The cipher suite the key belongs to.
    pub fn suite(&self) -> SupportedCipherSuite {
        match self {
            Self::Tls13(k) => SupportedCipherSuite::Tls13(k.suite),
            Self::Tls12(k) => SupportedCipherSuite::Tls12(k.suite),
        }
    }

    /// The record_size_limit that applies to this direction (RFC 8449): the peer's
    /// for a write key, ours for a read key.
    pub fn record_size_limit(&self) -> Option<u16> {
        match self {
            Self::Tls13(k) => k.record_size_limit,
            Self::Tls12(k) => k.record_size_limit,
        }
    }
}

/// What became of 0-RTT data on a connection (RFC 8446 §2.3, §4.2.10).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum EarlyDataStatus {
    /// No early data was offered (no early_data extension in the ClientHello).
    NotOffered,
    /// The server accepted the early data: it was delivered to the server's
    /// application ahead of the handshake's completion (and may be a replay: the
    /// server accepts it only from a fresh, first-seen ClientHello).
    Accepted,
    /// The client offered early data and the server did not take it: nothing sent
    /// under the early key was delivered.
    Rejected,
}

/// What a completed handshake negotiated.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct HandshakeSummary {
    /// The negotiated version: TLS 1.3, or TLS 1.2 when enabled and the peer has
    /// nothing newer.
    pub version: TlsVersion,
    /// The cipher suite, of that version.
    pub suite: SupportedCipherSuite,
    /// The key exchange group of this handshake; `None` for a `psk_ke` resumption,
    /// which has no key exchange.
    pub group: Option<NamedGroup>,
    /// The handshake resumed an earlier session (RFC 8446 §2.2): no certificates
    /// were sent; the peer's certificates, their verified path and the signature
    /// schemes reported are the original session's.
    pub resumed: bool,
    /// The scheme of the server's CertificateVerify (the connection's authentication).
    pub server_signature_scheme: SignatureScheme,
    /// The scheme of the client's CertificateVerify, if the client authenticated.
    pub client_signature_scheme: Option<SignatureScheme>,
    /// The ALPN protocol, if one was agreed.
    pub alpn_protocol: Option<Vec<u8>>,
    /// The peer's certificate chain (end entity first); empty if it sent none.
    pub peer_certificates: Vec<CertificateDer<'static>>,
    /// The server name the client sent (server side) or used (client side).
    pub server_name: Option<String>,
    /// The stapled OCSP response (client side), if the server sent one.
    pub ocsp_response: Option<Vec<u8>>,
    /// Whether the server answered with a HelloRetryRequest.
    pub hello_retry_request: bool,
    /// What became of 0-RTT data.
    pub early_data: EarlyDataStatus,
    /// The peer's record_size_limit, if it sent one.
    pub peer_record_size_limit: Option<u16>,
    /// Whether the keys resist a quantum adversary: a hybrid or pure ML-KEM key
    /// exchange, or a resumption whose PSK came from one (the PSK enters the key
    /// schedule with the key exchange, so a `psk_dhe_ke` resumption over x25519 of a
    /// hybrid session stays protected, and so does a `psk_ke` one).
    pub kx_post_quantum: bool,
    /// The certificate path this side's verifier validated for the peer (the server
    /// on a client, the client on a server): each certificate's signature algorithm,
    /// end entity first. [`VerifiedPath::unverified`] if the peer sent no
    /// certificate or the verifier validated no path (e.g.
    /// [`NoServerVerification`](crate::verify::danger::NoServerVerification)).
    pub peer_verified_path: VerifiedPath,
    /// Whether the peer's authentication resists a quantum adversary: a path to a
    /// trust anchor was verified, every signature on it is ML-DSA, and so is the
    /// peer's CertificateVerify. On a client this is the server's authentication; on
    /// a server, the client's (false when the client sent no certificate). A server
    /// cannot know how a client verified the server's own chain, so it reports no
    /// such flag for itself.
    pub peer_auth_post_quantum: bool,
}

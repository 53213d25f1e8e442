//! The TLS 1.3 key schedule (RFC 8446 §7.1) as three typed stages:
//! [`EarlySecret`] → [`HandshakeSecret`] → [`MasterSecret`], each consumed by the step
//! that derives the next, so a stage cannot be reused. Every secret is a
//! [`Prk`]: wiped on drop, not `Clone`, redacted `Debug`.
//!
//! ```text
//!              0
//!              |
//!    PSK ->  HKDF-Extract = Early Secret
//!              |
//!        Derive-Secret(., "derived", "")
//!              |
//! (EC)DHE -> HKDF-Extract = Handshake Secret --> c/s hs traffic
//!              |
//!        Derive-Secret(., "derived", "")
//!              |
//!    0 -> HKDF-Extract = Master Secret --> c/s ap traffic, exp master, res master
//! ```

use qssl_crypto::aead::NONCE_LEN;
use qssl_crypto::error::CryptoError;
use qssl_crypto::hash::HashOutput;
use qssl_crypto::hkdf::Prk;
use qssl_crypto::suites::Tls13CipherSuite;
use qssl_record::{Protector, RecordError};
use zeroize::Zeroize;

/// Which side's secret.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Side {
    /// The client.
    Client,
    /// The server.
    Server,
}

impl Side {
    /// The other side.
    pub fn peer(self) -> Self {
        match self {
            Self::Client => Self::Server,
            Self::Server => Self::Client,
        }
    }
}

/// The Early Secret: `HKDF-Extract(0, PSK)`, with PSK = `Hash.length` zeros when none.
#[derive(Debug)]
pub struct EarlySecret {
    suite: &'static Tls13CipherSuite,
    secret: Prk,
}

impl EarlySecret {
    /// The Early Secret of `suite` for `psk` (`None`: no PSK, RFC 8446 §7.1).
    pub fn new(suite: &'static Tls13CipherSuite, psk: Option<&[u8]>) -> Self {
        let zeros = [0u8; qssl_crypto::hash::MAX_HASH_LEN];
        let ikm = psk.unwrap_or(&zeros[..suite.hkdf.hash_len()]);
        let secret = suite.hkdf.extract(None, ikm);
        Self { suite, secret }
    }

    /// The secret itself (tests and key logs).
    pub fn secret(&self) -> &Prk {
        &self.secret
    }

    /// The suite whose hash the schedule runs on.
    pub fn suite(&self) -> &'static Tls13CipherSuite {
        self.suite
    }

    /// The PSK binder over `truncated_hello_hash` = Transcript-Hash(ClientHello1
    /// [, HelloRetryRequest], the ClientHello up to its binders) (RFC 8446 §4.2.11.2):
    /// a Finished-style MAC under `binder_key = Derive-Secret(Early, "res binder", "")`
    /// (a resumption PSK; `"ext binder"` would be an external one).
    pub fn resumption_binder(
        &self,
        truncated_hello_hash: &HashOutput,
    ) -> Result<HashOutput, CryptoError> {
        finished_verify_data(&self.resumption_binder_key()?, truncated_hello_hash)
    }

    /// Checks a resumption binder in constant time: [`CryptoError::BadMac`] on
    /// mismatch (also when the length is wrong).
    pub fn verify_resumption_binder(
        &self,
        truncated_hello_hash: &HashOutput,
        binder: &[u8],
    ) -> Result<(), CryptoError> {
        let key = self
            .resumption_binder_key()?
            .expand_label_secret(b"finished", b"")?;
        key.hmac_verify(truncated_hello_hash.as_bytes(), binder)
    }

    fn resumption_binder_key(&self) -> Result<Prk, CryptoError> {
        let empty = self.suite.hash.hash(b"");
        self.secret.derive_secret(b"res binder", empty.as_bytes())
    }

    /// `client_early_traffic_secret = Derive-Secret(Early, "c e traffic", ClientHello)`
    /// over `hello_hash` = Transcript-Hash(ClientHello): the 0-RTT write key.
    pub fn client_early_traffic_secret(&self, hello_hash: &HashOutput) -> Result<Prk, CryptoError> {
        self.secret
            .derive_secret(b"c e traffic", hello_hash.as_bytes())
    }

    /// Handshake Secret = `HKDF-Extract(Derive-Secret(Early, "derived", ""), (EC)DHE)`,
    /// then the two handshake traffic secrets over `hello_hash` = Transcript-Hash(ClientHello..ServerHello).
    pub fn into_handshake(
        self,
        shared_secret: &[u8],
        hello_hash: &HashOutput,
    ) -> Result<HandshakeSecret, CryptoError> {
        let secret = self.secret.next_stage(Some(shared_secret))?;
        let client = secret.derive_secret(b"c hs traffic", hello_hash.as_bytes())?;
        let server = secret.derive_secret(b"s hs traffic", hello_hash.as_bytes())?;
        Ok(HandshakeSecret {
            suite: self.suite,
            secret,
            client,
            server,
        })
    }
}

/// The Handshake Secret and the handshake traffic secrets derived from it.
#[derive(Debug)]
pub struct HandshakeSecret {
    suite: &'static Tls13CipherSuite,
    secret: Prk,
    client: Prk,
    server: Prk,
}

impl HandshakeSecret {
    /// The Handshake Secret itself.
    pub fn secret(&self) -> &Prk {
        &self.secret
    }

    /// `client_handshake_traffic_secret` or `server_handshake_traffic_secret`.
    pub fn traffic_secret(&self, side: Side) -> &Prk {
        match side {
            Side::Client => &self.client,
            Side::Server => &self.server,
        }
    }

    /// The Finished `verify_data` of `side` over `transcript_hash` (RFC 8446 §4.4.4).
    pub fn finished(
        &self,
        side: Side,
        transcript_hash: &HashOutput,
    ) -> Result<HashOutput, CryptoError> {
        finished_verify_data(self.traffic_secret(side), transcript_hash)
    }

    /// Checks `side`'s Finished in constant time: [`CryptoError::BadMac`] on mismatch
    /// (also when the length is wrong).
    pub fn verify_finished(
        &self,
        side: Side,
        transcript_hash: &HashOutput,
        verify_data: &[u8],
    ) -> Result<(), CryptoError> {
        let key = self
            .traffic_secret(side)
            .expand_label_secret(b"finished", b"")?;
        key.hmac_verify(transcript_hash.as_bytes(), verify_data)
    }

    /// Master Secret = `HKDF-Extract(Derive-Secret(Handshake, "derived", ""), 0)`, then
    /// the application traffic and exporter secrets over `server_finished_hash` =
    /// Transcript-Hash(ClientHello..server Finished).
    pub fn into_master(
        self,
        server_finished_hash: &HashOutput,
    ) -> Result<MasterSecret, CryptoError> {
        let secret = self.secret.next_stage(None)?;
        let h = server_finished_hash.as_bytes();
        let client = secret.derive_secret(b"c ap traffic", h)?;
        let server = secret.derive_secret(b"s ap traffic", h)?;
        let exporter = secret.derive_secret(b"exp master", h)?;
        Ok(MasterSecret {
            suite: self.suite,
            secret,
            client,
            server,
            exporter,
            client_hs: self.client,
        })
    }
}

/// The Master Secret and the first application traffic secrets.
#[derive(Debug)]
pub struct MasterSecret {
    suite: &'static Tls13CipherSuite,
    secret: Prk,
    client: Prk,
    server: Prk,
    exporter: Prk,
    /// Kept until the client's Finished is sent or checked.
    client_hs: Prk,
}

impl MasterSecret {
    /// The suite.
    pub fn suite(&self) -> &'static Tls13CipherSuite {
        self.suite
    }

    /// The Master Secret itself.
    pub fn secret(&self) -> &Prk {
        &self.secret
    }

    /// `client_application_traffic_secret_0` or `server_application_traffic_secret_0`.
    pub fn traffic_secret(&self, side: Side) -> &Prk {
        match side {
            Side::Client => &self.client,
            Side::Server => &self.server,
        }
    }

    /// `exporter_master_secret`.
    pub fn exporter_secret(&self) -> &Prk {
        &self.exporter
    }

    /// The client's Finished `verify_data` over Transcript-Hash(ClientHello..server
    /// Finished [..client CertificateVerify]).
    pub fn client_finished(&self, transcript_hash: &HashOutput) -> Result<HashOutput, CryptoError> {
        finished_verify_data(&self.client_hs, transcript_hash)
    }

    /// `client_handshake_traffic_secret`, which the client writes under until its
    /// Finished (after its EndOfEarlyData when 0-RTT was accepted).
    pub fn client_handshake_secret(&self) -> &Prk {
        &self.client_hs
    }

    /// Checks the client's Finished in constant time.
    pub fn verify_client_finished(
        &self,
        transcript_hash: &HashOutput,
        verify_data: &[u8],
    ) -> Result<(), CryptoError> {
        let key = self.client_hs.expand_label_secret(b"finished", b"")?;
        key.hmac_verify(transcript_hash.as_bytes(), verify_data)
    }

    /// `resumption_master_secret` over Transcript-Hash(ClientHello..client Finished).
    pub fn resumption_master_secret(
        &self,
        client_finished_hash: &HashOutput,
    ) -> Result<Prk, CryptoError> {
        self.secret
            .derive_secret(b"res master", client_finished_hash.as_bytes())
    }

    /// Splits into the two application traffic secrets (dropping the rest).
    pub fn into_traffic_secrets(self) -> (Prk, Prk) {
        (self.client, self.server)
    }
}

/// `verify_data = HMAC(HKDF-Expand-Label(base_key, "finished", "", Hash.length), transcript_hash)`.
pub fn finished_verify_data(
    base_key: &Prk,
    transcript_hash: &HashOutput,
) -> Result<HashOutput, CryptoError> {
    let key = base_key.expand_label_secret(b"finished", b"")?;
    Ok(key.hmac_sign(transcript_hash.as_bytes()))
}

/// `application_traffic_secret_N+1 = HKDF-Expand-Label(secret_N, "traffic upd", "", Hash.length)`
/// (RFC 8446 §7.2).
pub fn next_traffic_secret(secret: &Prk) -> Result<Prk, CryptoError> {
    secret.expand_label_secret(b"traffic upd", b"")
}

/// `PSK = HKDF-Expand-Label(resumption_master_secret, "resumption", ticket_nonce, Hash.length)`
/// (RFC 8446 §4.6.1).
pub fn resumption_psk(
    resumption_master_secret: &Prk,
    ticket_nonce: &[u8],
) -> Result<Prk, CryptoError> {
    resumption_master_secret.expand_label_secret(b"resumption", ticket_nonce)
}

/// The record key and IV of a traffic secret (RFC 8446 §7.3), wiped on drop.
pub struct TrafficKeys {
    /// `HKDF-Expand-Label(Secret, "key", "", key_length)`.
    pub key: Vec<u8>,
    /// `HKDF-Expand-Label(Secret, "iv", "", iv_length)`.
    pub iv: [u8; NONCE_LEN],
}

impl Drop for TrafficKeys {
    fn drop(&mut self) {
        self.key.zeroize();
        self.iv.zeroize();
    }
}

impl core::fmt::Debug for TrafficKeys {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("TrafficKeys([REDACTED])")
    }
}

/// Derives the record key and IV of `secret` for `suite`'s AEAD.
pub fn derive_traffic_keys(
    suite: &'static Tls13CipherSuite,
    secret: &Prk,
) -> Result<TrafficKeys, CryptoError> {
    let mut keys = TrafficKeys {
        key: vec![0u8; suite.aead.key_len()],
        iv: [0u8; NONCE_LEN],
    };
    secret.expand_label(b"key", b"", &mut keys.key)?;
    secret.expand_label(b"iv", b"", &mut keys.iv)?;
    Ok(keys)
}

/// A TLS 1.3 record [`Protector`] for `secret`: what a connection installs for one direction.
pub fn record_protector(
    suite: &'static Tls13CipherSuite,
    secret: &Prk,
) -> Result<Protector, RecordError> {
    let keys = derive_traffic_keys(suite, secret)?;
    Protector::tls13(suite.aead, &keys.key, &keys.iv)
}

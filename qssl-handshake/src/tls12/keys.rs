//! TLS 1.2 key derivation: the master secret (RFC 7627 §4, or RFC 5246 §8.1 for
//! peers without extended master secret), the key block (RFC 5246 §6.3) and the
//! Finished messages (RFC 5246 §7.4.9).
//!
//! Every secret here is wiped on drop, not `Clone`, and `Debug` shows none of it.
//! Secrets leave the module only as record protectors (through [`TrafficKey`]),
//! Finished `verify_data`, or the key log.

use core::fmt;

use qssl_crypto::error::CryptoError;
use qssl_crypto::hash::HashOutput;
use qssl_crypto::secret::Secret;
use qssl_crypto::suites::Tls12CipherSuite;
use qssl_crypto::tls12_prf::{self, FinishedLabel, MASTER_SECRET_LEN, RANDOM_LEN, VERIFY_DATA_LEN};
use zeroize::Zeroizing;

use crate::action::{Tls12TrafficKey, TrafficKey};
use crate::key_schedule::Side;

/// The NSS key log label of a TLS 1.2 master secret: the line is
/// `CLIENT_RANDOM <ClientHello.random hex> <master secret hex>`.
pub const KEY_LOG_LABEL: &str = "CLIENT_RANDOM";

/// A TLS 1.2 master secret (48 bytes) and the suite whose PRF derives from it.
pub struct MasterSecret {
    suite: &'static Tls12CipherSuite,
    secret: Secret,
}

impl fmt::Debug for MasterSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MasterSecret")
            .field("suite", &self.suite.suite)
            .field("secret", &"[REDACTED]")
            .finish()
    }
}

impl MasterSecret {
    /// The extended master secret (RFC 7627 §4):
    /// `PRF(pre_master_secret, "extended master secret", session_hash)`, where
    /// `session_hash` is the transcript hash (with the suite's hash) of every
    /// handshake message up to and including ClientKeyExchange. Binding the
    /// transcript is what stops the triple-handshake attack; Q-SSL uses this
    /// unless the configuration allows a peer without the extension.
    ///
    /// A `session_hash` of another hash's length is [`CryptoError::BadLength`].
    pub fn extended(
        suite: &'static Tls12CipherSuite,
        pre_master_secret: &[u8],
        session_hash: &HashOutput,
    ) -> Result<Self, CryptoError> {
        let secret = tls12_prf::extended_master_secret(
            suite.prf,
            pre_master_secret,
            session_hash.as_bytes(),
        )?;
        Ok(Self { suite, secret })
    }

    /// The legacy master secret (RFC 5246 §8.1):
    /// `PRF(pre_master_secret, "master secret", client_random ‖ server_random)`.
    ///
    /// Only for a peer that did not negotiate extended master secret, and only
    /// when the configuration allows such peers: it does not bind the
    /// handshake transcript (RFC 7627 §1).
    pub fn legacy(
        suite: &'static Tls12CipherSuite,
        pre_master_secret: &[u8],
        client_random: &[u8; RANDOM_LEN],
        server_random: &[u8; RANDOM_LEN],
    ) -> Self {
        let secret =
            tls12_prf::master_secret(suite.prf, pre_master_secret, client_random, server_random);
        Self { suite, secret }
    }

    /// A master secret from its bytes (tests, and key logs read back).
    pub fn from_bytes(suite: &'static Tls12CipherSuite, bytes: &[u8; MASTER_SECRET_LEN]) -> Self {
        Self {
            suite,
            secret: Secret::from_slice(bytes),
        }
    }

    /// The suite whose PRF, hash and AEAD this secret is used with.
    pub fn suite(&self) -> &'static Tls12CipherSuite {
        self.suite
    }

    /// The key block for the AEAD suites (RFC 5246 §6.3, RFC 5288 §3, RFC 7905 §2):
    /// `PRF(master_secret, "key expansion", server_random ‖ client_random)` cut
    /// into client_write_key, server_write_key, client_write_IV and
    /// server_write_IV; AEAD suites have no MAC keys.
    pub fn key_block(
        &self,
        client_random: &[u8; RANDOM_LEN],
        server_random: &[u8; RANDOM_LEN],
    ) -> KeyBlock {
        let key_len = self.suite.aead.key_len();
        let iv_len = self.suite.fixed_iv_len();
        let mut block = Secret::zeroed(2 * (key_len + iv_len));
        tls12_prf::key_block(
            self.suite.prf,
            self.secret.expose(),
            client_random,
            server_random,
            block.expose_mut(),
        );
        KeyBlock {
            suite: self.suite,
            block,
        }
    }

    /// This side's Finished `verify_data` (RFC 5246 §7.4.9):
    /// `PRF(master_secret, "client finished" | "server finished", handshake_hash)`,
    /// where `handshake_hash` covers every handshake message before this Finished
    /// (the server's includes the client's Finished).
    pub fn finished(&self, side: Side, handshake_hash: &HashOutput) -> [u8; VERIFY_DATA_LEN] {
        let label = match side {
            Side::Client => FinishedLabel::Client,
            Side::Server => FinishedLabel::Server,
        };
        tls12_prf::finished_verify_data(
            self.suite.prf,
            self.secret.expose(),
            label,
            handshake_hash.as_bytes(),
        )
    }

    /// Checks the `verify_data` of `side`'s Finished in constant time (a
    /// comparison that stops at the first difference would let a peer find the
    /// expected value byte by byte). A mismatch or a wrong length is
    /// [`CryptoError::BadMac`] (decrypt_error, RFC 5246 §7.4.9).
    pub fn verify_finished(
        &self,
        side: Side,
        handshake_hash: &HashOutput,
        verify_data: &[u8],
    ) -> Result<(), CryptoError> {
        let expected = Secret::from_slice(&self.finished(side, handshake_hash));
        if expected == Secret::from_slice(verify_data) {
            Ok(())
        } else {
            Err(CryptoError::BadMac)
        }
    }

    /// The secret for a key log line labelled [`KEY_LOG_LABEL`] (the connection's
    /// `Action::KeyLog`, with ClientHello.random identifying the connection).
    pub fn key_log_secret(&self) -> Zeroizing<Vec<u8>> {
        Zeroizing::new(self.secret.expose().to_vec())
    }

    /// The NSS key log line (no newline):
    /// `CLIENT_RANDOM <client_random hex> <master secret hex>`.
    pub fn key_log_line(&self, client_random: &[u8; RANDOM_LEN]) -> Zeroizing<String> {
        let mut line = Zeroizing::new(String::with_capacity(
            KEY_LOG_LABEL.len() + 2 + 2 * (RANDOM_LEN + MASTER_SECRET_LEN),
        ));
        line.push_str(KEY_LOG_LABEL);
        line.push(' ');
        push_hex(&mut line, client_random);
        line.push(' ');
        push_hex(&mut line, self.secret.expose());
        line
    }
}

fn push_hex(out: &mut String, bytes: &[u8]) {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    for &b in bytes {
        out.push(char::from(DIGITS[usize::from(b >> 4)]));
        out.push(char::from(DIGITS[usize::from(b & 0x0f)]));
    }
}

/// The AEAD key block of one connection (RFC 5246 §6.3): both directions' write
/// keys and fixed IVs. Wiped on drop, not `Clone`, `Debug` redacted.
pub struct KeyBlock {
    suite: &'static Tls12CipherSuite,
    /// client_write_key ‖ server_write_key ‖ client_write_IV ‖ server_write_IV.
    block: Secret,
}

impl fmt::Debug for KeyBlock {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("KeyBlock")
            .field("suite", &self.suite.suite)
            .field("block", &"[REDACTED]")
            .finish()
    }
}

impl KeyBlock {
    /// The suite the block was derived for.
    pub fn suite(&self) -> &'static Tls12CipherSuite {
        self.suite
    }

    /// The traffic key `side` writes with (and its peer reads with), with the
    /// record_size_limit of that direction (RFC 8449: the peer's for a write key,
    /// ours for a read key).
    pub fn traffic_key(&self, side: Side, record_size_limit: Option<u16>) -> TrafficKey {
        let (key, iv) = self.parts(side);
        TrafficKey::Tls12(Tls12TrafficKey {
            suite: self.suite,
            key: Secret::from_slice(key),
            iv: Secret::from_slice(iv),
            record_size_limit,
        })
    }

    /// `side`'s write key and fixed IV.
    fn parts(&self, side: Side) -> (&[u8], &[u8]) {
        let key_len = self.suite.aead.key_len();
        let iv_len = self.suite.fixed_iv_len();
        let (keys, ivs) = self.block.expose().split_at(2 * key_len);
        let (client_key, server_key) = keys.split_at(key_len);
        let (client_iv, server_iv) = ivs.split_at(iv_len);
        match side {
            Side::Client => (client_key, client_iv),
            Side::Server => (server_key, server_iv),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use qssl_crypto::provider::default_provider;
    use qssl_crypto::suites::SupportedCipherSuite;
    use qssl_crypto::tls12_prf::tls12_prf;
    use qssl_record::{ContentType, ProtocolVersion, RecordHeader};

    fn suites() -> Vec<&'static Tls12CipherSuite> {
        let p = default_provider();
        [0xc02c_u16, 0xc02b, 0xcca9, 0xc030, 0xc02f, 0xcca8]
            .into_iter()
            .map(|id| {
                p.tls12_suite(qssl_crypto::ids::CipherSuite(id))
                    .expect("suite offered by the default provider")
            })
            .collect()
    }

    const CR: [u8; 32] = [0x11; 32];
    const SR: [u8; 32] = [0x22; 32];
    const MS: [u8; 48] = [0x33; 48];

    #[test]
    fn key_block_is_cut_in_rfc_order_without_mac_keys() {
        for suite in suites() {
            let key_len = suite.aead.key_len();
            let iv_len = suite.fixed_iv_len();
            // The block, computed straight from the PRF: server_random first.
            let mut seed = SR.to_vec();
            seed.extend_from_slice(&CR);
            let mut expected = vec![0u8; 2 * (key_len + iv_len)];
            tls12_prf(
                suite.prf.hmac(),
                &MS,
                b"key expansion",
                &seed,
                &mut expected,
            );

            let block = MasterSecret::from_bytes(suite, &MS).key_block(&CR, &SR);
            let (ck, civ) = block.parts(Side::Client);
            let (sk, siv) = block.parts(Side::Server);
            assert_eq!(ck, &expected[..key_len], "{suite:?}");
            assert_eq!(sk, &expected[key_len..2 * key_len]);
            assert_eq!(civ, &expected[2 * key_len..2 * key_len + iv_len]);
            assert_eq!(siv, &expected[2 * key_len + iv_len..]);
            assert_eq!(civ.len(), if suite.suite.0 >> 8 == 0xcc { 12 } else { 4 });
        }
    }

    /// A record the client's key seals opens under the client's key only, and the
    /// protector uses the suite's framing (explicit nonce for GCM, none for ChaCha).
    #[test]
    fn traffic_keys_protect_each_direction_with_the_suites_framing() {
        for suite in suites() {
            let block = MasterSecret::from_bytes(suite, &MS).key_block(&CR, &SR);
            let client = block.traffic_key(Side::Client, Some(1000));
            let server = block.traffic_key(Side::Server, None);
            assert!(
                matches!(client.suite(), SupportedCipherSuite::Tls12(s) if core::ptr::eq(s, suite))
            );
            assert_eq!(client.record_size_limit(), Some(1000));
            assert_eq!(server.record_size_limit(), None);

            let mut sealer = client.protector().unwrap();
            assert_eq!(sealer.version(), qssl_record::TlsVersion::Tls12);
            assert_eq!(sealer.max_fragment_len(), 1000);
            let mut wire = bytes::BytesMut::new();
            let _ = sealer
                .seal_into(ContentType::HANDSHAKE, b"finished", &mut wire)
                .unwrap();
            let explicit = if suite.fixed_iv_len() == 4 { 8 } else { 0 };
            assert_eq!(wire.len(), 5 + explicit + 8 + 16);

            let open = |key: &TrafficKey| {
                let mut p = key.protector().unwrap();
                let header = RecordHeader::parse(&wire[..5]).unwrap().unwrap();
                assert_eq!(header.version, ProtocolVersion::TLSV1_2);
                let mut payload = wire[5..].to_vec();
                p.open_in_place(qssl_record::InboundRecord {
                    header,
                    payload: &mut payload,
                })
                .map(|(t, text)| (t, text.to_vec()))
            };
            assert_eq!(
                open(&client).unwrap(),
                (ContentType::HANDSHAKE, b"finished".to_vec())
            );
            assert!(open(&server).is_err(), "sides swapped for {suite:?}");
        }
    }

    #[test]
    fn finished_uses_each_sides_label_and_verifies_in_constant_time() {
        for suite in suites() {
            let ms = MasterSecret::from_bytes(suite, &MS);
            let hash = suite.hash.hash(b"handshake messages");
            for (side, label) in [
                (Side::Client, &b"client finished"[..]),
                (Side::Server, b"server finished"),
            ] {
                let mut expected = [0u8; 12];
                tls12_prf(suite.prf.hmac(), &MS, label, hash.as_bytes(), &mut expected);
                assert_eq!(ms.finished(side, &hash), expected);
                assert_eq!(ms.verify_finished(side, &hash, &expected), Ok(()));
                assert_eq!(
                    ms.verify_finished(side.peer(), &hash, &expected),
                    Err(CryptoError::BadMac)
                );
                let mut flipped = expected;
                flipped[11] ^= 1;
                assert_eq!(
                    ms.verify_finished(side, &hash, &flipped),
                    Err(CryptoError::BadMac)
                );
                assert_eq!(
                    ms.verify_finished(side, &hash, &expected[..11]),
                    Err(CryptoError::BadMac)
                );
            }
        }
    }

    #[test]
    fn master_secrets_follow_their_rfcs() {
        let suite = suites()[0];
        let pms = [0x44u8; 32];
        let mut seed = CR.to_vec();
        seed.extend_from_slice(&SR);
        let mut expected = [0u8; 48];
        tls12_prf(
            suite.prf.hmac(),
            &pms,
            b"master secret",
            &seed,
            &mut expected,
        );
        let legacy = MasterSecret::legacy(suite, &pms, &CR, &SR);
        assert_eq!(*legacy.key_log_secret(), expected);

        let session_hash = suite.hash.hash(b"ClientHello..ClientKeyExchange");
        tls12_prf(
            suite.prf.hmac(),
            &pms,
            b"extended master secret",
            session_hash.as_bytes(),
            &mut expected,
        );
        let ems = MasterSecret::extended(suite, &pms, &session_hash).unwrap();
        assert_eq!(*ems.key_log_secret(), expected);

        // A SHA-256 transcript for a SHA-384 suite is refused.
        let sha384_suite = suites()[0];
        assert_eq!(sha384_suite.hash.output_len(), 48);
        let short = suites()[1].hash.hash(b"x");
        assert!(matches!(
            MasterSecret::extended(sha384_suite, &pms, &short),
            Err(CryptoError::BadLength { .. })
        ));
    }

    #[test]
    fn key_log_line_and_debug() {
        let suite = suites()[1];
        let ms = MasterSecret::from_bytes(suite, &MS);
        let line = ms.key_log_line(&CR);
        assert_eq!(
            line.as_str(),
            format!("CLIENT_RANDOM {} {}", "11".repeat(32), "33".repeat(48))
        );
        let debug = format!(
            "{ms:?} {:?} {:?}",
            ms.key_block(&CR, &SR),
            ms.key_block(&CR, &SR).traffic_key(Side::Client, None)
        );
        assert!(
            !debug.contains("33, 33") && !debug.contains("3333"),
            "{debug}"
        );
        assert!(debug.contains("REDACTED"), "{debug}");
    }
}

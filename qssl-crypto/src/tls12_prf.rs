//! The TLS 1.2 PRF (RFC 5246 §5) and the derivations built on it: the
//! extended master secret (RFC 7627 §4), the key block (RFC 5246 §6.3) and
//! Finished `verify_data` (RFC 5246 §7.4.9).
//!
//! Like HKDF, the PRF is built on the [`Hmac`] seam. Q-SSL's TLS 1.2 suites
//! are all AEAD suites with SHA-256 or SHA-384, so only `P_SHA256` and
//! `P_SHA384` are offered.

use crate::error::CryptoError;
use crate::hash::HashAlgorithm;
use crate::hmac::{HMAC_SHA256, HMAC_SHA384, Hmac};
use crate::secret::Secret;
use core::fmt;
use zeroize::Zeroize;

/// Length of a TLS 1.2 master secret (RFC 5246 §8.1).
pub const MASTER_SECRET_LEN: usize = 48;
/// Length of TLS 1.2 Finished `verify_data` for every Q-SSL suite (RFC 5246 §7.4.9).
pub const VERIFY_DATA_LEN: usize = 12;
/// Length of `ClientHello.random` and `ServerHello.random`.
pub const RANDOM_LEN: usize = 32;

/// A TLS 1.2 PRF: `PRF(secret, label, seed) = P_<hash>(secret, label ‖ seed)`.
pub trait Prf: Send + Sync + fmt::Debug {
    /// The HMAC the PRF is built on.
    fn hmac(&self) -> &'static dyn Hmac;

    /// The hash function's identity.
    fn algorithm(&self) -> HashAlgorithm {
        self.hmac().algorithm()
    }

    /// Fills `out` with `PRF(secret, label, seed)`.
    fn prf(&self, secret: &[u8], label: &[u8], seed: &[u8], out: &mut [u8]) {
        tls12_prf(self.hmac(), secret, label, seed, out);
    }
}

/// The PRF with `P_SHA256` (every TLS 1.2 suite without `_SHA384`).
pub static TLS12_PRF_SHA256: &dyn Prf = &PrfUsingHmac(HMAC_SHA256);
/// The PRF with `P_SHA384` (the `_SHA384` suites, RFC 5289).
pub static TLS12_PRF_SHA384: &dyn Prf = &PrfUsingHmac(HMAC_SHA384);

/// The PRF over any [`Hmac`]: what a provider uses unless it overrides [`Prf::prf`].
pub struct PrfUsingHmac(pub &'static dyn Hmac);

impl fmt::Debug for PrfUsingHmac {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "TLS12-PRF-{:?}", self.0.algorithm())
    }
}

impl Prf for PrfUsingHmac {
    fn hmac(&self) -> &'static dyn Hmac {
        self.0
    }
}

/// Fills `out` with `PRF(secret, label, seed) = P_hash(secret, label ‖ seed)`
/// (RFC 5246 §5):
///
/// ```text
/// P_hash(secret, seed) = HMAC_hash(secret, A(1) + seed) +
///                        HMAC_hash(secret, A(2) + seed) + ...
/// A(0) = seed, A(i) = HMAC_hash(secret, A(i-1))
/// ```
pub fn tls12_prf(hmac: &dyn Hmac, secret: &[u8], label: &[u8], seed: &[u8], out: &mut [u8]) {
    let key = hmac.with_key(secret);
    let mut a = key.sign(&[label, seed]);
    for chunk in out.chunks_mut(hmac.tag_len()) {
        let mut block = key.sign_concat(a.as_bytes(), &[label, seed], &[]);
        chunk.copy_from_slice(&block.as_bytes()[..chunk.len()]);
        block.zeroize();
        a = key.sign(&[a.as_bytes()]);
    }
    a.zeroize();
}

/// The RFC 5246 §8.1 master secret:
/// `PRF(pre_master_secret, "master secret", ClientHello.random ‖ ServerHello.random)[0..47]`.
///
/// Only for peers without extended master secret; Q-SSL prefers
/// [`extended_master_secret`].
pub fn master_secret(
    prf: &dyn Prf,
    pre_master_secret: &[u8],
    client_random: &[u8; RANDOM_LEN],
    server_random: &[u8; RANDOM_LEN],
) -> Secret {
    let mut seed = [0u8; 2 * RANDOM_LEN];
    seed[..RANDOM_LEN].copy_from_slice(client_random);
    seed[RANDOM_LEN..].copy_from_slice(server_random);
    let mut ms = Secret::zeroed(MASTER_SECRET_LEN);
    prf.prf(pre_master_secret, b"master secret", &seed, ms.expose_mut());
    ms
}

/// The RFC 7627 §4 extended master secret:
/// `PRF(pre_master_secret, "extended master secret", session_hash)[0..47]`,
/// where `session_hash` is the transcript hash up to and including
/// ClientKeyExchange, with the PRF's hash.
///
/// A `session_hash` of the wrong length for the PRF is
/// [`CryptoError::BadLength`]: it would mean the transcript used another hash.
pub fn extended_master_secret(
    prf: &dyn Prf,
    pre_master_secret: &[u8],
    session_hash: &[u8],
) -> Result<Secret, CryptoError> {
    let expected = prf.algorithm().output_len();
    if session_hash.len() != expected {
        return Err(CryptoError::BadLength {
            what: "TLS 1.2 session_hash",
            expected,
            got: session_hash.len(),
        });
    }
    let mut ms = Secret::zeroed(MASTER_SECRET_LEN);
    prf.prf(
        pre_master_secret,
        b"extended master secret",
        session_hash,
        ms.expose_mut(),
    );
    Ok(ms)
}

/// The RFC 5246 §6.3 key block, filling `out`:
/// `PRF(master_secret, "key expansion", server_random ‖ client_random)`.
/// Note the randoms' order, the reverse of the master secret's.
///
/// For the AEAD suites `out` is `client_write_key ‖ server_write_key ‖
/// client_write_IV ‖ server_write_IV` (RFC 5288 §3: 4-byte IVs for GCM;
/// RFC 7905 §2: 12-byte IVs for ChaCha20-Poly1305); no MAC keys.
pub fn key_block(
    prf: &dyn Prf,
    master_secret: &[u8],
    client_random: &[u8; RANDOM_LEN],
    server_random: &[u8; RANDOM_LEN],
    out: &mut [u8],
) {
    let mut seed = [0u8; 2 * RANDOM_LEN];
    seed[..RANDOM_LEN].copy_from_slice(server_random);
    seed[RANDOM_LEN..].copy_from_slice(client_random);
    prf.prf(master_secret, b"key expansion", &seed, out);
}

/// Which side's Finished message (RFC 5246 §7.4.9).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FinishedLabel {
    /// `"client finished"`.
    Client,
    /// `"server finished"`.
    Server,
}

impl FinishedLabel {
    /// The PRF label.
    pub fn as_bytes(self) -> &'static [u8] {
        match self {
            Self::Client => b"client finished",
            Self::Server => b"server finished",
        }
    }
}

/// Finished `verify_data` (RFC 5246 §7.4.9):
/// `PRF(master_secret, finished_label, Hash(handshake_messages))[0..11]`.
/// Compare a received value with `subtle::ConstantTimeEq`.
pub fn finished_verify_data(
    prf: &dyn Prf,
    master_secret: &[u8],
    label: FinishedLabel,
    handshake_hash: &[u8],
) -> [u8; VERIFY_DATA_LEN] {
    let mut out = [0u8; VERIFY_DATA_LEN];
    prf.prf(master_secret, label.as_bytes(), handshake_hash, &mut out);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ems_rejects_a_session_hash_of_the_other_hash() {
        assert_eq!(
            extended_master_secret(TLS12_PRF_SHA384, &[1; 32], &[0; 32]).err(),
            Some(CryptoError::BadLength {
                what: "TLS 1.2 session_hash",
                expected: 48,
                got: 32
            })
        );
        assert_eq!(format!("{TLS12_PRF_SHA256:?}"), "TLS12-PRF-Sha256");
        assert_eq!(TLS12_PRF_SHA384.algorithm(), HashAlgorithm::Sha384);
    }

    /// P_hash is a stream (RFC 5246 §5): asking for n bytes gives the first n bytes
    /// of any longer output, across HMAC block boundaries (32 and 48 bytes) and for
    /// n = 0, where nothing may be written or read out of bounds.
    #[test]
    fn shorter_output_is_a_prefix_of_longer_output() {
        for hmac in [HMAC_SHA256, HMAC_SHA384] {
            let mut long = [0u8; 200];
            tls12_prf(hmac, b"secret", b"label", b"seed", &mut long);
            assert!(long.iter().any(|&b| b != 0), "output written");
            for n in [0, 1, 31, 32, 33, 47, 48, 49, 64, 97, 199] {
                let mut short = vec![0xaa; n];
                tls12_prf(hmac, b"secret", b"label", b"seed", &mut short);
                assert_eq!(short, long[..n], "{n} bytes");
            }
        }
    }
}

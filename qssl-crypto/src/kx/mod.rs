//! Key exchange for TLS 1.3 (and the ECDHE of TLS 1.2): one trait family for
//! every group, classical, pure ML-KEM and hybrid alike.
//!
//! Why one family: the handshake must not care whether a group is a
//! Diffie–Hellman function or a KEM. Both fit the same shape: the client makes
//! a share ([`SupportedKxGroup::start`]), the server answers it and learns the
//! secret in one step ([`SupportedKxGroup::start_and_complete`], for a KEM the
//! answer is the ciphertext), and the client finishes with the server's share
//! ([`ActiveKeyExchange::complete`], which consumes the private key so it can be
//! used only once). The hybrids of draft-ietf-tls-ecdhe-mlkem are one generic
//! type whose byte order is data (the private `hybrid` module), because that order is the
//! classic interoperability pitfall and is best written down once.
//!
//! Every share received from a peer is validated before use (exact length,
//! FIPS 203 §7.2 modulus check, point on the curve, non-zero X25519 output);
//! each failure is a distinct [`KeyShareError`] inside
//! [`CryptoError::InvalidKeyShare`], which the handshake answers with
//! `illegal_parameter`.
//!
//! ```
//! use qssl_crypto::kx::{X25519MLKEM768, SupportedKxGroup};
//! use qssl_crypto::rand::OS_RANDOM;
//!
//! // Client: make a share and send `client.pub_key()` in the ClientHello.
//! let client = X25519MLKEM768.start(OS_RANDOM)?;
//! // Server: answer the share; send `server.pub_key` in the ServerHello.
//! let server = X25519MLKEM768.start_and_complete(client.pub_key(), OS_RANDOM)?;
//! // Client: finish with the server's share.
//! let secret = client.complete(&server.pub_key)?;
//! assert_eq!(secret.as_bytes(), server.secret.as_bytes());
//! assert_eq!(secret.as_bytes().len(), 64);
//! # Ok::<(), qssl_crypto::error::CryptoError>(())
//! ```

use crate::error::CryptoError;
use crate::rand::SecureRandom;
use zeroize::Zeroize;

pub(crate) mod ecdh;
pub(crate) mod hybrid;
pub(crate) mod mlkem;
pub(crate) mod x25519;

#[cfg(test)]
pub(crate) mod kat_tests;

pub use crate::ids::NamedGroup;

/// Why a received key share was refused. Every reason is a peer error that the
/// handshake answers with `illegal_parameter`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum KeyShareError {
    /// The share does not have the exact length the group defines.
    #[error("{group:?} share has length {got}, expected {expected}")]
    WrongLength {
        /// The group whose share it is.
        group: NamedGroup,
        /// The only length the group allows for this share.
        expected: usize,
        /// The length received.
        got: usize,
    },
    /// An ML-KEM encapsulation key holds a coefficient ≥ q = 3329: it fails the
    /// FIPS 203 §7.2 modulus check (`ByteEncode12(ByteDecode12(ek)) != ek`).
    #[error("ML-KEM encapsulation key fails the FIPS 203 modulus check")]
    MlKemKeyNotReduced,
    /// An EC point is not in uncompressed form (first byte not 0x04). TLS 1.3
    /// allows only the uncompressed form (RFC 8446 §4.2.8.2).
    #[error("EC point is not in uncompressed form")]
    PointNotUncompressed,
    /// An EC point is not on the curve (or is the identity, which has no
    /// uncompressed encoding).
    #[error("EC point is not on the curve")]
    PointNotOnCurve,
    /// The X25519 output is all zeros: the peer sent a low-order point
    /// (RFC 8446 §7.4.2 requires this check).
    #[error("X25519 output is all zeros")]
    X25519ZeroOutput,
}

impl From<KeyShareError> for CryptoError {
    fn from(e: KeyShareError) -> Self {
        Self::InvalidKeyShare(e)
    }
}

/// A key exchange group that Q-SSL can offer or accept.
///
/// Values are `&'static dyn SupportedKxGroup` (see [`ALL_KX_GROUPS`]) so a
/// provider can list them and another backend can substitute its own.
pub trait SupportedKxGroup: Send + Sync + core::fmt::Debug {
    /// The group's TLS code point.
    fn name(&self) -> NamedGroup;

    /// Client side: makes a fresh private key and its public share.
    fn start(&self, rng: &dyn SecureRandom) -> Result<Box<dyn ActiveKeyExchange>, CryptoError>;

    /// Server side: validates the client's share, then makes the server's share
    /// (for a KEM, the ciphertext) and the shared secret in one step.
    fn start_and_complete(
        &self,
        client_share: &[u8],
        rng: &dyn SecureRandom,
    ) -> Result<CompletedKeyExchange, CryptoError>;
}

/// A client's key exchange in progress: holds the private key until the
/// server's share arrives.
pub trait ActiveKeyExchange: Send + Sync {
    /// The group this share belongs to.
    fn group(&self) -> NamedGroup;

    /// The public share to send (the `key_exchange` field of a `KeyShareEntry`).
    fn pub_key(&self) -> &[u8];

    /// Validates the server's share and computes the shared secret.
    ///
    /// Consumes the key exchange: a private key is used once.
    fn complete(self: Box<Self>, peer_share: &[u8]) -> Result<SharedSecret, CryptoError>;

    /// For a hybrid: its classical group and the classical part of
    /// [`pub_key`](Self::pub_key).
    ///
    /// A client that offers, say, X25519MLKEM768 and x25519 in one ClientHello
    /// may send this as its x25519 share instead of making a second key
    /// (draft-ietf-tls-hybrid-design §3.2). If the server then picks x25519,
    /// finish with [`complete_hybrid_component`](Self::complete_hybrid_component).
    fn hybrid_component(&self) -> Option<(NamedGroup, &[u8])> {
        None
    }

    /// Completes only the classical component of a hybrid, with a share of the
    /// classical group (see [`hybrid_component`](Self::hybrid_component)).
    ///
    /// Fails with [`CryptoError::NotHybrid`] for a group that is not a hybrid.
    fn complete_hybrid_component(
        self: Box<Self>,
        peer_share: &[u8],
    ) -> Result<SharedSecret, CryptoError> {
        let _ = peer_share;
        Err(CryptoError::NotHybrid)
    }
}

/// What the server gets from [`SupportedKxGroup::start_and_complete`].
#[derive(Debug)]
pub struct CompletedKeyExchange {
    /// The group used.
    pub group: NamedGroup,
    /// The server's share to send (for a KEM: the ciphertext).
    pub pub_key: Vec<u8>,
    /// The shared secret, input to the key schedule.
    pub secret: SharedSecret,
}

/// The output of a key exchange: the (EC)DHE/KEM input to the TLS key schedule.
///
/// Wiped when dropped; `Debug` shows only the length; no `Clone`, so the secret
/// has one owner.
pub struct SharedSecret(Vec<u8>);

impl SharedSecret {
    /// Takes ownership of `bytes`; they are wiped when the secret drops.
    pub(crate) fn new(bytes: Vec<u8>) -> Self {
        Self(bytes)
    }

    /// The secret bytes (32 for X25519, P-256 and ML-KEM, 48 for P-384, and the
    /// concatenation for a hybrid).
    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }
}

impl Drop for SharedSecret {
    fn drop(&mut self) {
        self.0.zeroize();
    }
}

impl zeroize::ZeroizeOnDrop for SharedSecret {}

impl core::fmt::Debug for SharedSecret {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "SharedSecret({} bytes, redacted)", self.0.len())
    }
}

/// Checks that `share` has exactly `expected` bytes.
pub(crate) fn check_len(
    group: NamedGroup,
    share: &[u8],
    expected: usize,
) -> Result<(), KeyShareError> {
    if share.len() == expected {
        Ok(())
    } else {
        Err(KeyShareError::WrongLength {
            group,
            expected,
            got: share.len(),
        })
    }
}

/// x25519 (RFC 7748), shares of 32 bytes.
pub static X25519: &dyn SupportedKxGroup = &x25519::X25519Group;
/// secp256r1 ECDH, shares are 65-byte uncompressed points.
pub static SECP256R1: &dyn SupportedKxGroup = &ecdh::SECP256R1_GROUP;
/// secp384r1 ECDH, shares are 97-byte uncompressed points.
pub static SECP384R1: &dyn SupportedKxGroup = &ecdh::SECP384R1_GROUP;
/// ML-KEM-768 alone: client share 1184 bytes, server share 1088 bytes.
pub static MLKEM768: &dyn SupportedKxGroup = &mlkem::MLKEM768_GROUP;
/// ML-KEM-1024 alone: client share 1568 bytes, server share 1568 bytes.
pub static MLKEM1024: &dyn SupportedKxGroup = &mlkem::MLKEM1024_GROUP;
/// X25519MLKEM768: ML-KEM-768 first, then X25519 (client 1216, server 1120 bytes).
pub static X25519MLKEM768: &dyn SupportedKxGroup = &hybrid::X25519MLKEM768_GROUP;
/// SecP256r1MLKEM768: P-256 point first, then ML-KEM-768 (client 1249, server 1153 bytes).
pub static SECP256R1MLKEM768: &dyn SupportedKxGroup = &hybrid::SECP256R1MLKEM768_GROUP;
/// SecP384r1MLKEM1024: P-384 point first, then ML-KEM-1024 (client 1665, server 1665 bytes).
pub static SECP384R1MLKEM1024: &dyn SupportedKxGroup = &hybrid::SECP384R1MLKEM1024_GROUP;

/// Every group, in Q-SSL's default preference order: hybrids first, then pure
/// ML-KEM, then classical for peers without post-quantum support.
pub static ALL_KX_GROUPS: &[&dyn SupportedKxGroup] = &[
    &hybrid::X25519MLKEM768_GROUP,
    &hybrid::SECP384R1MLKEM1024_GROUP,
    &hybrid::SECP256R1MLKEM768_GROUP,
    &mlkem::MLKEM1024_GROUP,
    &mlkem::MLKEM768_GROUP,
    &x25519::X25519Group,
    &ecdh::SECP384R1_GROUP,
    &ecdh::SECP256R1_GROUP,
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        let names = [
            (NamedGroup::X25519MLKEM768, "X25519MLKEM768"),
            (NamedGroup::SECP384R1MLKEM1024, "SecP384r1MLKEM1024"),
            (NamedGroup::SECP256R1MLKEM768, "SecP256r1MLKEM768"),
            (NamedGroup::MLKEM1024, "MLKEM1024"),
            (NamedGroup::MLKEM768, "MLKEM768"),
            (NamedGroup::X25519, "x25519"),
            (NamedGroup::SECP384R1, "secp384r1"),
            (NamedGroup::SECP256R1, "secp256r1"),
        ];
        for (group, name) in names {
            assert_eq!(group.name(), Some(name));
            assert_eq!(NamedGroup::from_name(name), Some(group));
            assert_eq!(
                NamedGroup::from_name(&name.to_ascii_uppercase()),
                Some(group)
            );
            assert_eq!(format!("{group:?}"), name);
        }
        assert_eq!(
            NamedGroup::from_openssl_name("P-384"),
            Some(NamedGroup::SECP384R1)
        );
        assert_eq!(NamedGroup::from_name("kyber"), None);
        assert_eq!(format!("{:?}", NamedGroup(0x6399)), "NamedGroup(0x6399)");
    }

    #[test]
    fn code_points() {
        assert_eq!(NamedGroup::X25519MLKEM768.0, 0x11EC);
        assert_eq!(NamedGroup::SECP256R1MLKEM768.0, 0x11EB);
        assert_eq!(NamedGroup::SECP384R1MLKEM1024.0, 0x11ED);
        assert_eq!(NamedGroup::MLKEM768.0, 0x0201);
        assert_eq!(NamedGroup::MLKEM1024.0, 0x0202);
        assert_eq!(NamedGroup::X25519.0, 0x001D);
    }

    #[test]
    fn post_quantum_flag() {
        let pq: Vec<_> = ALL_KX_GROUPS
            .iter()
            .map(|g| g.name().is_post_quantum())
            .collect();
        assert_eq!(pq, [true, true, true, true, true, false, false, false]);
    }

    #[test]
    fn shared_secret_debug_is_redacted() {
        let s = SharedSecret::new(vec![0xAB; 32]);
        let shown = format!("{s:?}");
        assert!(!shown.to_lowercase().contains("ab"), "{shown}");
        assert!(shown.contains("32"));
    }
}

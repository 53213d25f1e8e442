//! x25519 (RFC 7748) through `x25519-dalek`.
//!
//! The private key is a `StaticSecret` rather than an `EphemeralSecret` only so
//! that a hybrid can complete its classical half with a second peer share
//! (key reuse, see `ActiveKeyExchange::hybrid_component`); it is still made
//! fresh per handshake and wiped on drop.

use super::{ActiveKeyExchange, CompletedKeyExchange, KeyShareError, NamedGroup, SharedSecret};
use super::{SupportedKxGroup, check_len};
use crate::error::CryptoError;
use crate::rand::SecureRandom;
use subtle::ConstantTimeEq;
use x25519_dalek::{PublicKey, StaticSecret};
use zeroize::Zeroizing;

/// Length of an X25519 public share and of its output.
pub(crate) const SHARE_LEN: usize = 32;

/// The x25519 group.
#[derive(Debug)]
pub(crate) struct X25519Group;

/// A client's X25519 private key and public share.
pub(crate) struct X25519KeyExchange {
    secret: StaticSecret,
    public: [u8; SHARE_LEN],
}

impl X25519KeyExchange {
    /// Makes a fresh key pair from `rng`.
    pub(crate) fn generate(rng: &dyn SecureRandom) -> Result<Self, CryptoError> {
        let mut bytes = Zeroizing::new([0u8; 32]);
        rng.fill(bytes.as_mut())?;
        Ok(Self::from_private(*bytes))
    }

    /// Builds a key pair from a private scalar (clamped by the scalar multiplication).
    pub(crate) fn from_private(private: [u8; 32]) -> Self {
        let secret = StaticSecret::from(private);
        let public = PublicKey::from(&secret).to_bytes();
        Self { secret, public }
    }

    /// Validates `peer_share` and computes the X25519 output, refusing the
    /// all-zero output of a low-order point (RFC 8446 §7.4.2).
    pub(crate) fn agree(&self, peer_share: &[u8]) -> Result<SharedSecret, CryptoError> {
        check_len(NamedGroup::X25519, peer_share, SHARE_LEN)?;
        let mut peer = [0u8; SHARE_LEN];
        peer.copy_from_slice(peer_share);
        let shared = self.secret.diffie_hellman(&PublicKey::from(peer));
        // Constant time: the output is secret unless it is the rejected zero.
        if bool::from(shared.as_bytes().ct_eq(&[0u8; SHARE_LEN])) {
            return Err(KeyShareError::X25519ZeroOutput.into());
        }
        Ok(SharedSecret::new(shared.as_bytes().to_vec()))
    }
}

impl ActiveKeyExchange for X25519KeyExchange {
    fn group(&self) -> NamedGroup {
        NamedGroup::X25519
    }

    fn pub_key(&self) -> &[u8] {
        &self.public
    }

    fn complete(self: Box<Self>, peer_share: &[u8]) -> Result<SharedSecret, CryptoError> {
        self.agree(peer_share)
    }
}

impl SupportedKxGroup for X25519Group {
    fn name(&self) -> NamedGroup {
        NamedGroup::X25519
    }

    fn start(&self, rng: &dyn SecureRandom) -> Result<Box<dyn ActiveKeyExchange>, CryptoError> {
        Ok(Box::new(X25519KeyExchange::generate(rng)?))
    }

    fn start_and_complete(
        &self,
        client_share: &[u8],
        rng: &dyn SecureRandom,
    ) -> Result<CompletedKeyExchange, CryptoError> {
        // Validate before spending a key generation on a bad share.
        check_len(NamedGroup::X25519, client_share, SHARE_LEN)?;
        let kx = X25519KeyExchange::generate(rng)?;
        let secret = kx.agree(client_share)?;
        Ok(CompletedKeyExchange {
            group: NamedGroup::X25519,
            pub_key: kx.public.to_vec(),
            secret,
        })
    }
}

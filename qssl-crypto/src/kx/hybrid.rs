//! Hybrid groups (draft-ietf-tls-ecdhe-mlkem): a classical (EC)DH group and
//! ML-KEM run side by side, their shares and secrets concatenated.
//!
//! The secret stays safe while either component holds. The one thing that
//! differs between the three hybrids is which component comes first, and
//! getting it wrong only shows against another implementation, so the order is
//! data ([`Layout::post_quantum_first`]) read by one code path:
//!
//! | group | client share | server share | shared secret |
//! | --- | --- | --- | --- |
//! | X25519MLKEM768 | ek (1184) ‖ x25519 (32) | ct (1088) ‖ x25519 (32) | ML-KEM ‖ X25519 |
//! | SecP256r1MLKEM768 | P-256 point (65) ‖ ek (1184) | P-256 point (65) ‖ ct (1088) | ECDH ‖ ML-KEM |
//! | SecP384r1MLKEM1024 | P-384 point (97) ‖ ek (1568) | P-384 point (97) ‖ ct (1568) | ECDH ‖ ML-KEM |
//!
//! X25519MLKEM768 puts ML-KEM first for historical reasons (FIPS-approved
//! component first when it was specified); the NIST-curve hybrids put ECDH first.

use super::{ActiveKeyExchange, CompletedKeyExchange, NamedGroup, SharedSecret};
use super::{SupportedKxGroup, check_len, ecdh, mlkem, x25519};
use crate::error::CryptoError;
use crate::rand::SecureRandom;

/// Where each component sits in a hybrid's shares and secret.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Layout {
    /// Length of the classical share (same for client and server).
    pub(crate) classical_share_len: usize,
    /// Length of the ML-KEM client share (the encapsulation key).
    pub(crate) post_quantum_client_share_len: usize,
    /// Length of the ML-KEM server share (the ciphertext).
    pub(crate) post_quantum_server_share_len: usize,
    /// Whether the ML-KEM part comes first, in shares and in the secret alike.
    pub(crate) post_quantum_first: bool,
}

impl Layout {
    /// Splits a share of `post_quantum_len` + classical bytes into
    /// `(classical, post_quantum)`. The caller has checked the total length.
    fn split<'a>(&self, share: &'a [u8], post_quantum_len: usize) -> (&'a [u8], &'a [u8]) {
        if self.post_quantum_first {
            let (pq, classical) = share.split_at(post_quantum_len);
            (classical, pq)
        } else {
            share.split_at(self.classical_share_len)
        }
    }

    /// Concatenates a classical and a post-quantum part in this layout's order.
    fn concat(&self, classical: &[u8], post_quantum: &[u8]) -> Vec<u8> {
        let (first, second) = if self.post_quantum_first {
            (post_quantum, classical)
        } else {
            (classical, post_quantum)
        };
        let mut out = Vec::with_capacity(first.len() + second.len());
        out.extend_from_slice(first);
        out.extend_from_slice(second);
        out
    }

    fn client_share_len(&self) -> usize {
        self.classical_share_len + self.post_quantum_client_share_len
    }

    fn server_share_len(&self) -> usize {
        self.classical_share_len + self.post_quantum_server_share_len
    }
}

/// A hybrid group: any classical group with any KEM group, in a [`Layout`].
#[derive(Debug)]
pub(crate) struct Hybrid {
    /// The hybrid's own code point.
    pub(crate) name: NamedGroup,
    /// The (EC)DH component.
    pub(crate) classical: &'static dyn SupportedKxGroup,
    /// The ML-KEM component.
    pub(crate) post_quantum: &'static dyn SupportedKxGroup,
    /// The byte order.
    pub(crate) layout: Layout,
}

/// X25519MLKEM768's byte order: ML-KEM first.
pub(crate) const X25519MLKEM768_LAYOUT: Layout = Layout {
    classical_share_len: x25519::SHARE_LEN,
    post_quantum_client_share_len: 1184,
    post_quantum_server_share_len: 1088,
    post_quantum_first: true,
};

/// SecP256r1MLKEM768's byte order: ECDH first.
pub(crate) const SECP256R1MLKEM768_LAYOUT: Layout = Layout {
    classical_share_len: 65,
    post_quantum_client_share_len: 1184,
    post_quantum_server_share_len: 1088,
    post_quantum_first: false,
};

/// SecP384r1MLKEM1024's byte order: ECDH first.
pub(crate) const SECP384R1MLKEM1024_LAYOUT: Layout = Layout {
    classical_share_len: 97,
    post_quantum_client_share_len: 1568,
    post_quantum_server_share_len: 1568,
    post_quantum_first: false,
};

/// X25519MLKEM768 (0x11EC): ML-KEM first.
pub(crate) static X25519MLKEM768_GROUP: Hybrid = Hybrid {
    name: NamedGroup::X25519MLKEM768,
    classical: &x25519::X25519Group,
    post_quantum: &mlkem::MLKEM768_GROUP,
    layout: X25519MLKEM768_LAYOUT,
};

/// SecP256r1MLKEM768 (0x11EB): ECDH first.
pub(crate) static SECP256R1MLKEM768_GROUP: Hybrid = Hybrid {
    name: NamedGroup::SECP256R1MLKEM768,
    classical: &ecdh::SECP256R1_GROUP,
    post_quantum: &mlkem::MLKEM768_GROUP,
    layout: SECP256R1MLKEM768_LAYOUT,
};

/// SecP384r1MLKEM1024 (0x11ED): ECDH first.
pub(crate) static SECP384R1MLKEM1024_GROUP: Hybrid = Hybrid {
    name: NamedGroup::SECP384R1MLKEM1024,
    classical: &ecdh::SECP384R1_GROUP,
    post_quantum: &mlkem::MLKEM1024_GROUP,
    layout: SECP384R1MLKEM1024_LAYOUT,
};

/// Joins two component secrets in the layout's order; the parts are wiped
/// when they drop at the end of this call.
fn combine(layout: &Layout, classical: SharedSecret, post_quantum: SharedSecret) -> SharedSecret {
    SharedSecret::new(layout.concat(classical.as_bytes(), post_quantum.as_bytes()))
}

/// A client's hybrid key exchange: both components' private keys.
struct HybridKeyExchange {
    name: NamedGroup,
    layout: Layout,
    classical: Box<dyn ActiveKeyExchange>,
    post_quantum: Box<dyn ActiveKeyExchange>,
    pub_key: Vec<u8>,
}

impl ActiveKeyExchange for HybridKeyExchange {
    fn group(&self) -> NamedGroup {
        self.name
    }

    fn pub_key(&self) -> &[u8] {
        &self.pub_key
    }

    fn complete(self: Box<Self>, peer_share: &[u8]) -> Result<SharedSecret, CryptoError> {
        let layout = self.layout;
        check_len(self.name, peer_share, layout.server_share_len())?;
        let (classical, post_quantum) =
            layout.split(peer_share, layout.post_quantum_server_share_len);
        let post_quantum = self.post_quantum.complete(post_quantum)?;
        let classical = self.classical.complete(classical)?;
        Ok(combine(&layout, classical, post_quantum))
    }

    fn hybrid_component(&self) -> Option<(NamedGroup, &[u8])> {
        Some((self.classical.group(), self.classical.pub_key()))
    }

    fn complete_hybrid_component(
        self: Box<Self>,
        peer_share: &[u8],
    ) -> Result<SharedSecret, CryptoError> {
        self.classical.complete(peer_share)
    }
}

impl SupportedKxGroup for Hybrid {
    fn name(&self) -> NamedGroup {
        self.name
    }

    fn start(&self, rng: &dyn SecureRandom) -> Result<Box<dyn ActiveKeyExchange>, CryptoError> {
        let classical = self.classical.start(rng)?;
        let post_quantum = self.post_quantum.start(rng)?;
        let pub_key = self
            .layout
            .concat(classical.pub_key(), post_quantum.pub_key());
        Ok(Box::new(HybridKeyExchange {
            name: self.name,
            layout: self.layout,
            classical,
            post_quantum,
            pub_key,
        }))
    }

    fn start_and_complete(
        &self,
        client_share: &[u8],
        rng: &dyn SecureRandom,
    ) -> Result<CompletedKeyExchange, CryptoError> {
        let layout = &self.layout;
        check_len(self.name, client_share, layout.client_share_len())?;
        let (classical, post_quantum) =
            layout.split(client_share, layout.post_quantum_client_share_len);
        let post_quantum = self.post_quantum.start_and_complete(post_quantum, rng)?;
        let classical = self.classical.start_and_complete(classical, rng)?;
        Ok(CompletedKeyExchange {
            group: self.name,
            pub_key: layout.concat(&classical.pub_key, &post_quantum.pub_key),
            secret: combine(layout, classical.secret, post_quantum.secret),
        })
    }
}

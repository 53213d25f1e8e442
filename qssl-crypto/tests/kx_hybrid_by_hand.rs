//! Each hybrid group against a by-hand construction from its component
//! primitives, called directly (x25519-dalek, p256, p384, and PQClean's
//! ML-KEM via pqcrypto-mlkem, an implementation independent of ours), in the
//! byte order written in draft-ietf-tls-ecdhe-mlkem:
//!
//! - X25519MLKEM768: ek ‖ x25519, ct ‖ x25519, secret ML-KEM ‖ X25519.
//! - SecP256r1MLKEM768 / SecP384r1MLKEM1024: point ‖ ek, point ‖ ct,
//!   secret ECDH ‖ ML-KEM.
//!
//! Both directions: our client against a hand-made server, and a hand-made
//! client against our server, for every provider's hybrids.

mod common;

use p256::elliptic_curve::sec1::ToSec1Point;
use pqcrypto_mlkem::{mlkem768, mlkem1024};
use pqcrypto_traits::kem::{Ciphertext as _, PublicKey as _, SharedSecret as _};
use qssl_crypto::kx::NamedGroup;
use qssl_crypto::rand::OS_RANDOM;

fn cat(a: &[u8], b: &[u8]) -> Vec<u8> {
    [a, b].concat()
}

/// A hand-made classical key pair.
trait Classical {
    fn generate() -> Self;
    fn public(&self) -> Vec<u8>;
    fn agree(&self, peer: &[u8]) -> Vec<u8>;
}

struct X(x25519_dalek::StaticSecret);
impl Classical for X {
    fn generate() -> Self {
        let mut k = [0u8; 32];
        OS_RANDOM.fill(&mut k).unwrap();
        X(x25519_dalek::StaticSecret::from(k))
    }
    fn public(&self) -> Vec<u8> {
        x25519_dalek::PublicKey::from(&self.0).as_bytes().to_vec()
    }
    fn agree(&self, peer: &[u8]) -> Vec<u8> {
        let peer: [u8; 32] = peer.try_into().unwrap();
        self.0
            .diffie_hellman(&x25519_dalek::PublicKey::from(peer))
            .as_bytes()
            .to_vec()
    }
}

struct P256(p256::SecretKey);
impl Classical for P256 {
    fn generate() -> Self {
        loop {
            let mut k = [0u8; 32];
            OS_RANDOM.fill(&mut k).unwrap();
            if let Ok(sk) = p256::SecretKey::from_slice(&k) {
                return P256(sk);
            }
        }
    }
    fn public(&self) -> Vec<u8> {
        self.0.public_key().to_sec1_point(false).as_bytes().to_vec()
    }
    fn agree(&self, peer: &[u8]) -> Vec<u8> {
        let pk = p256::PublicKey::from_sec1_bytes(peer).unwrap();
        self.0.diffie_hellman(&pk).raw_secret_bytes().to_vec()
    }
}

struct P384(p384::SecretKey);
impl Classical for P384 {
    fn generate() -> Self {
        loop {
            let mut k = [0u8; 48];
            OS_RANDOM.fill(&mut k).unwrap();
            if let Ok(sk) = p384::SecretKey::from_slice(&k) {
                return P384(sk);
            }
        }
    }
    fn public(&self) -> Vec<u8> {
        self.0.public_key().to_sec1_point(false).as_bytes().to_vec()
    }
    fn agree(&self, peer: &[u8]) -> Vec<u8> {
        let pk = p384::PublicKey::from_sec1_bytes(peer).unwrap();
        self.0.diffie_hellman(&pk).raw_secret_bytes().to_vec()
    }
}

/// Our client, hand-made server.
macro_rules! client_side {
    ($group:expr, $classical:ty, $m:ident, $ek_len:expr, $pq_first:expr) => {{
        let client = $group.start(OS_RANDOM).unwrap();
        let share = client.pub_key();
        let classical_len = share.len() - $ek_len;
        let (ek, their_classical) = if $pq_first {
            (&share[..$ek_len], &share[$ek_len..])
        } else {
            (&share[classical_len..], &share[..classical_len])
        };
        let mine = <$classical>::generate();
        let (k_pq, ct) = $m::encapsulate(&$m::PublicKey::from_bytes(ek).unwrap());
        let (ct, k_pq) = (ct.as_bytes().to_vec(), k_pq.as_bytes().to_vec());
        let k_classical = mine.agree(their_classical);
        let (server_share, expected) = if $pq_first {
            (cat(&ct, &mine.public()), cat(&k_pq, &k_classical))
        } else {
            (cat(&mine.public(), &ct), cat(&k_classical, &k_pq))
        };
        let secret = client.complete(&server_share).unwrap();
        assert_eq!(secret.as_bytes(), &expected[..]);
    }};
}

/// Hand-made client, our server.
macro_rules! server_side {
    ($group:expr, $classical:ty, $m:ident, $ct_len:expr, $pq_first:expr) => {{
        let (ek, dk) = $m::keypair();
        let mine = <$classical>::generate();
        let client_share = if $pq_first {
            cat(ek.as_bytes(), &mine.public())
        } else {
            cat(&mine.public(), ek.as_bytes())
        };
        let server = $group.start_and_complete(&client_share, OS_RANDOM).unwrap();
        let share = &server.pub_key;
        let classical_len = share.len() - $ct_len;
        let (ct, their_classical) = if $pq_first {
            (&share[..$ct_len], &share[$ct_len..])
        } else {
            (&share[classical_len..], &share[..classical_len])
        };
        let k_pq = $m::decapsulate(&$m::Ciphertext::from_bytes(ct).unwrap(), &dk);
        let k_pq = k_pq.as_bytes().to_vec();
        let k_classical = mine.agree(their_classical);
        let expected = if $pq_first {
            cat(&k_pq, &k_classical)
        } else {
            cat(&k_classical, &k_pq)
        };
        assert_eq!(server.secret.as_bytes(), &expected[..]);
    }};
}

#[test]
fn x25519mlkem768_by_hand() {
    for b in common::backends() {
        let group = b.group(NamedGroup::X25519MLKEM768);
        for _ in 0..4 {
            client_side!(group, X, mlkem768, 1184, true);
            server_side!(group, X, mlkem768, 1088, true);
        }
    }
}

#[test]
fn secp256r1mlkem768_by_hand() {
    for b in common::backends() {
        let group = b.group(NamedGroup::SECP256R1MLKEM768);
        for _ in 0..4 {
            client_side!(group, P256, mlkem768, 1184, false);
            server_side!(group, P256, mlkem768, 1088, false);
        }
    }
}

#[test]
fn secp384r1mlkem1024_by_hand() {
    for b in common::backends() {
        let group = b.group(NamedGroup::SECP384R1MLKEM1024);
        for _ in 0..4 {
            client_side!(group, P384, mlkem1024, 1568, false);
            server_side!(group, P384, mlkem1024, 1568, false);
        }
    }
}

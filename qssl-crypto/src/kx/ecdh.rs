//! ECDH on the NIST curves secp256r1 and secp384r1 through RustCrypto's `p256`
//! and `p384`.
//!
//! Shares are uncompressed SEC1 points (`0x04 ‖ X ‖ Y`, 65 and 97 bytes), the
//! only form TLS 1.3 allows (RFC 8446 §4.2.8.2); the shared secret is the
//! x-coordinate of the product (32 and 48 bytes). A received point is checked
//! for form, length and curve membership before any scalar multiplication; the
//! identity has no uncompressed encoding, so it cannot get through.

use super::{ActiveKeyExchange, CompletedKeyExchange, KeyShareError, NamedGroup, SharedSecret};
use super::{SupportedKxGroup, check_len};
use crate::error::CryptoError;
use crate::rand::SecureRandom;
use p256::elliptic_curve::sec1::ToSec1Point;
use zeroize::Zeroizing;

/// The tag byte of an uncompressed SEC1 point.
const UNCOMPRESSED: u8 = 0x04;

/// Which NIST curve.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Curve {
    /// secp256r1.
    P256,
    /// secp384r1.
    P384,
}

impl Curve {
    pub(crate) fn group(self) -> NamedGroup {
        match self {
            Self::P256 => NamedGroup::SECP256R1,
            Self::P384 => NamedGroup::SECP384R1,
        }
    }

    /// Bytes in a scalar or a field element.
    pub(crate) fn field_len(self) -> usize {
        match self {
            Self::P256 => 32,
            Self::P384 => 48,
        }
    }

    /// Bytes in an uncompressed point.
    pub(crate) fn share_len(self) -> usize {
        1 + 2 * self.field_len()
    }
}

/// An ECDH group over one curve.
#[derive(Debug)]
pub(crate) struct EcdhGroup {
    curve: Curve,
}

/// secp256r1.
pub(crate) static SECP256R1_GROUP: EcdhGroup = EcdhGroup { curve: Curve::P256 };
/// secp384r1.
pub(crate) static SECP384R1_GROUP: EcdhGroup = EcdhGroup { curve: Curve::P384 };

/// A private scalar of either curve (both wipe themselves on drop).
enum EcSecret {
    P256(p256::SecretKey),
    P384(p384::SecretKey),
}

/// A client's ECDH private key and uncompressed public point.
pub(crate) struct EcdhKeyExchange {
    curve: Curve,
    secret: EcSecret,
    public: Vec<u8>,
}

impl EcdhKeyExchange {
    /// Makes a fresh key pair, drawing scalars until one lies in `[1, n)`.
    pub(crate) fn generate(curve: Curve, rng: &dyn SecureRandom) -> Result<Self, CryptoError> {
        // A draw falls outside [1, n) with probability below 2^-32 (P-256) and
        // 2^-190 (P-384): 64 failures in a row mean the source is broken.
        let mut bytes = Zeroizing::new([0u8; 48]);
        let bytes = &mut bytes[..curve.field_len()];
        for _ in 0..64 {
            rng.fill(bytes)?;
            if let Some(kx) = Self::from_private(curve, bytes) {
                return Ok(kx);
            }
        }
        Err(CryptoError::RandomFailed)
    }

    /// Builds a key pair from a big-endian scalar of exactly the field length,
    /// or `None` if it is not in `[1, n)`.
    pub(crate) fn from_private(curve: Curve, scalar: &[u8]) -> Option<Self> {
        let (secret, public) = match curve {
            Curve::P256 => {
                let sk = p256::SecretKey::from_slice(scalar).ok()?;
                let public = sk.public_key().to_sec1_point(false).as_bytes().to_vec();
                (EcSecret::P256(sk), public)
            }
            Curve::P384 => {
                let sk = p384::SecretKey::from_slice(scalar).ok()?;
                let public = sk.public_key().to_sec1_point(false).as_bytes().to_vec();
                (EcSecret::P384(sk), public)
            }
        };
        Some(Self {
            curve,
            secret,
            public,
        })
    }

    /// Validates `peer_share` (length, uncompressed form, on the curve) and
    /// computes the shared x-coordinate.
    pub(crate) fn agree(&self, peer_share: &[u8]) -> Result<SharedSecret, CryptoError> {
        check_peer_point(self.curve, peer_share)?;
        let secret = match &self.secret {
            EcSecret::P256(sk) => {
                let pk = p256::PublicKey::from_sec1_bytes(peer_share)
                    .map_err(|_| KeyShareError::PointNotOnCurve)?;
                sk.diffie_hellman(&pk).raw_secret_bytes().to_vec()
            }
            EcSecret::P384(sk) => {
                let pk = p384::PublicKey::from_sec1_bytes(peer_share)
                    .map_err(|_| KeyShareError::PointNotOnCurve)?;
                sk.diffie_hellman(&pk).raw_secret_bytes().to_vec()
            }
        };
        Ok(SharedSecret::new(secret))
    }
}

/// The checks that need no curve arithmetic: exact length and the 0x04 tag.
pub(crate) fn check_peer_point(curve: Curve, share: &[u8]) -> Result<(), KeyShareError> {
    check_len(curve.group(), share, curve.share_len())?;
    if share.first() != Some(&UNCOMPRESSED) {
        return Err(KeyShareError::PointNotUncompressed);
    }
    Ok(())
}

impl ActiveKeyExchange for EcdhKeyExchange {
    fn group(&self) -> NamedGroup {
        self.curve.group()
    }

    fn pub_key(&self) -> &[u8] {
        &self.public
    }

    fn complete(self: Box<Self>, peer_share: &[u8]) -> Result<SharedSecret, CryptoError> {
        self.agree(peer_share)
    }
}

impl SupportedKxGroup for EcdhGroup {
    fn name(&self) -> NamedGroup {
        self.curve.group()
    }

    fn start(&self, rng: &dyn SecureRandom) -> Result<Box<dyn ActiveKeyExchange>, CryptoError> {
        Ok(Box::new(EcdhKeyExchange::generate(self.curve, rng)?))
    }

    fn start_and_complete(
        &self,
        client_share: &[u8],
        rng: &dyn SecureRandom,
    ) -> Result<CompletedKeyExchange, CryptoError> {
        // Cheap checks first so a malformed share costs no key generation.
        check_peer_point(self.curve, client_share)?;
        let kx = EcdhKeyExchange::generate(self.curve, rng)?;
        let secret = kx.agree(client_share)?;
        Ok(CompletedKeyExchange {
            group: self.curve.group(),
            pub_key: kx.public,
            secret,
        })
    }
}

//! Key exchange on aws-lc: X25519, P-256 / P-384 ECDH and ML-KEM-768 / 1024, and
//! the three hybrids built from them by the one generic [`Hybrid`].
//!
//! Every received share goes through the same checks, in the same order, as in
//! the portable groups, most of them the very same functions (exact length,
//! uncompressed tag byte, FIPS 203 §7.2 modulus check), so a hostile share gets
//! the same [`KeyShareError`], and so the same alert, from either provider. What
//! only aws-lc can tell (a point off the curve, an all-zero X25519 output) is
//! mapped to the error the portable code gives for it.
//!
//! Randomness: X25519 and ECDH private keys are drawn from the caller's
//! [`SecureRandom`] and imported, as in the portable groups. aws-lc-rs has no
//! way to take ML-KEM's seeds (`d ‖ z`, `m`) from outside, so ML-KEM key
//! generation and encapsulation use aws-lc's own DRBG (seeded from the
//! operating system); the `rng` argument is not used for them.

use crate::error::CryptoError;
use crate::kx::ecdh::{Curve, check_peer_point};
use crate::kx::hybrid::{
    Hybrid, SECP256R1MLKEM768_LAYOUT, SECP384R1MLKEM1024_LAYOUT, X25519MLKEM768_LAYOUT,
};
use crate::kx::mlkem::{Level, check_ek_modulus};
use crate::kx::{
    ActiveKeyExchange, CompletedKeyExchange, KeyShareError, NamedGroup, SharedSecret,
    SupportedKxGroup, check_len,
};
use crate::rand::SecureRandom;
use aws_lc_rs::agreement::{self, UnparsedPublicKey};
use aws_lc_rs::kem;
use subtle::ConstantTimeEq;
use zeroize::Zeroizing;

/// Length of an X25519 share, scalar and output.
const X25519_LEN: usize = 32;

/// x25519 on aws-lc.
pub(crate) struct X25519Group;

impl core::fmt::Debug for X25519Group {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("x25519 (aws-lc-rs)")
    }
}

/// An X25519 private key (aws-lc wipes it when freed) and its public share.
pub(crate) struct X25519KeyExchange {
    private: agreement::PrivateKey,
    public: [u8; X25519_LEN],
}

impl X25519KeyExchange {
    fn generate(rng: &dyn SecureRandom) -> Result<Self, CryptoError> {
        let mut scalar = Zeroizing::new([0u8; X25519_LEN]);
        rng.fill(scalar.as_mut())?;
        Self::from_private(&scalar)
    }

    /// From a private scalar (clamped by the scalar multiplication, RFC 7748 §5).
    pub(crate) fn from_private(scalar: &[u8; X25519_LEN]) -> Result<Self, CryptoError> {
        let private = agreement::PrivateKey::from_private_key(&agreement::X25519, scalar)
            .map_err(|_| CryptoError::KeyGenerationFailed("X25519"))?;
        let public_key = private
            .compute_public_key()
            .map_err(|_| CryptoError::KeyGenerationFailed("X25519"))?;
        let public: [u8; X25519_LEN] = public_key
            .as_ref()
            .try_into()
            .map_err(|_| CryptoError::KeyGenerationFailed("X25519"))?;
        Ok(Self { private, public })
    }

    /// Checks the length, then computes X25519. aws-lc refuses an all-zero
    /// output (a low-order peer point, RFC 8446 §7.4.2) and has no other way
    /// to fail on 32 bytes; the zero check is repeated here, in constant time,
    /// so the refusal does not rest on that detail.
    pub(crate) fn agree(&self, peer_share: &[u8]) -> Result<SharedSecret, CryptoError> {
        check_len(NamedGroup::X25519, peer_share, X25519_LEN)?;
        let zero = KeyShareError::X25519ZeroOutput;
        let secret = agreement::agree(
            &self.private,
            UnparsedPublicKey::new(&agreement::X25519, peer_share),
            zero,
            |shared| {
                if bool::from(shared.ct_eq(&[0u8; X25519_LEN])) {
                    Err(zero)
                } else {
                    Ok(SharedSecret::new(shared.to_vec()))
                }
            },
        )?;
        Ok(secret)
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
        check_len(NamedGroup::X25519, client_share, X25519_LEN)?;
        let kx = X25519KeyExchange::generate(rng)?;
        let secret = kx.agree(client_share)?;
        Ok(CompletedKeyExchange {
            group: NamedGroup::X25519,
            pub_key: kx.public.to_vec(),
            secret,
        })
    }
}

/// ECDH over one NIST curve on aws-lc.
pub(crate) struct EcdhGroup {
    curve: Curve,
}

impl core::fmt::Debug for EcdhGroup {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "{:?} (aws-lc-rs)", self.curve.group())
    }
}

pub(crate) static SECP256R1_GROUP: EcdhGroup = EcdhGroup { curve: Curve::P256 };
pub(crate) static SECP384R1_GROUP: EcdhGroup = EcdhGroup { curve: Curve::P384 };

fn ecdh_algorithm(curve: Curve) -> &'static agreement::Algorithm {
    match curve {
        Curve::P256 => &agreement::ECDH_P256,
        Curve::P384 => &agreement::ECDH_P384,
    }
}

/// An ECDH private key (wiped by aws-lc when freed) and its uncompressed point.
pub(crate) struct EcdhKeyExchange {
    curve: Curve,
    private: agreement::PrivateKey,
    public: Vec<u8>,
}

impl EcdhKeyExchange {
    fn generate(curve: Curve, rng: &dyn SecureRandom) -> Result<Self, CryptoError> {
        // As in the portable group: a draw outside [1, n) has probability below
        // 2^-32, so 64 refusals in a row mean the source is broken.
        let mut scalar = Zeroizing::new([0u8; 48]);
        let scalar = &mut scalar[..curve.field_len()];
        for _ in 0..64 {
            rng.fill(scalar)?;
            if let Some(kx) = Self::from_private(curve, scalar) {
                return Ok(kx);
            }
        }
        Err(CryptoError::RandomFailed)
    }

    /// From a big-endian scalar of exactly the field length, or `None` if aws-lc
    /// refuses it (not in `[1, n)`).
    pub(crate) fn from_private(curve: Curve, scalar: &[u8]) -> Option<Self> {
        let private =
            agreement::PrivateKey::from_private_key(ecdh_algorithm(curve), scalar).ok()?;
        let public = private.compute_public_key().ok()?.as_ref().to_vec();
        Some(Self {
            curve,
            private,
            public,
        })
    }

    /// The portable checks that need no arithmetic (length, 0x04 tag), then
    /// aws-lc's point decoding, whose refusal means the point is not on the curve.
    pub(crate) fn agree(&self, peer_share: &[u8]) -> Result<SharedSecret, CryptoError> {
        check_peer_point(self.curve, peer_share)?;
        let secret = agreement::agree(
            &self.private,
            UnparsedPublicKey::new(ecdh_algorithm(self.curve), peer_share),
            KeyShareError::PointNotOnCurve,
            |shared| Ok(SharedSecret::new(shared.to_vec())),
        )?;
        Ok(secret)
    }
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

/// ML-KEM on aws-lc.
pub(crate) struct MlKemGroup {
    level: Level,
}

impl core::fmt::Debug for MlKemGroup {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "{:?} (aws-lc-rs)", self.level.group())
    }
}

pub(crate) static MLKEM768_GROUP: MlKemGroup = MlKemGroup {
    level: Level::MlKem768,
};
pub(crate) static MLKEM1024_GROUP: MlKemGroup = MlKemGroup {
    level: Level::MlKem1024,
};

fn kem_algorithm(level: Level) -> &'static kem::Algorithm {
    match level {
        Level::MlKem768 => &kem::ML_KEM_768,
        Level::MlKem1024 => &kem::ML_KEM_1024,
    }
}

/// A client's decapsulation key (wiped by aws-lc when freed) and encapsulation key.
pub(crate) struct MlKemKeyExchange {
    level: Level,
    dk: kem::DecapsulationKey,
    ek: Vec<u8>,
}

impl MlKemKeyExchange {
    fn generate(level: Level) -> Result<Self, CryptoError> {
        let failed = CryptoError::KeyGenerationFailed("ML-KEM");
        let dk = kem::DecapsulationKey::generate(kem_algorithm(level)).map_err(|_| failed)?;
        let ek = dk
            .encapsulation_key()
            .and_then(|ek| ek.key_bytes())
            .map_err(|_| failed)?
            .as_ref()
            .to_vec();
        Ok(Self { level, dk, ek })
    }

    /// From a FIPS 203 expanded decapsulation key, which holds the encapsulation
    /// key at offset 384·k (the form NIST's ACVP and Wycheproof's semi-expanded
    /// vectors use). Test-only: aws-lc keys are generated, never loaded.
    #[cfg(test)]
    pub(crate) fn from_expanded(level: Level, dk: &[u8]) -> Option<Self> {
        let pke_len = level.ek_len() - 32;
        let ek = dk.get(pke_len..pke_len + level.ek_len())?.to_vec();
        let dk = kem::DecapsulationKey::new(kem_algorithm(level), dk).ok()?;
        Some(Self { level, dk, ek })
    }

    /// Checks the ciphertext's length and decapsulates it; a wrong but
    /// well-sized ciphertext gives the implicit-rejection key (FIPS 203).
    pub(crate) fn decapsulate(&self, ct: &[u8]) -> Result<SharedSecret, CryptoError> {
        check_len(self.level.group(), ct, self.level.ct_len())?;
        let key = self
            .dk
            .decapsulate(kem::Ciphertext::from(ct))
            .map_err(|_| CryptoError::Internal("ML-KEM decapsulation"))?;
        // aws-lc's SharedSecret wipes itself when it drops here.
        Ok(SharedSecret::new(key.as_ref().to_vec()))
    }
}

/// Validates an encapsulation key exactly as the portable group does (length,
/// FIPS 203 §7.2 modulus check) before aws-lc sees it, then encapsulates.
pub(crate) fn encapsulate(level: Level, ek: &[u8]) -> Result<(Vec<u8>, SharedSecret), CryptoError> {
    check_len(level.group(), ek, level.ek_len())?;
    check_ek_modulus(ek)?;
    // aws-lc runs the same check again (it refuses these keys on its own too);
    // after ours has passed, a failure here is aws-lc's, not the peer's.
    let internal = CryptoError::Internal("ML-KEM encapsulation");
    let ek = kem::EncapsulationKey::new(kem_algorithm(level), ek).map_err(|_| internal)?;
    let (ct, key) = ek.encapsulate().map_err(|_| internal)?;
    Ok((
        ct.as_ref().to_vec(),
        SharedSecret::new(key.as_ref().to_vec()),
    ))
}

impl ActiveKeyExchange for MlKemKeyExchange {
    fn group(&self) -> NamedGroup {
        self.level.group()
    }

    fn pub_key(&self) -> &[u8] {
        &self.ek
    }

    fn complete(self: Box<Self>, peer_share: &[u8]) -> Result<SharedSecret, CryptoError> {
        self.decapsulate(peer_share)
    }
}

impl SupportedKxGroup for MlKemGroup {
    fn name(&self) -> NamedGroup {
        self.level.group()
    }

    fn start(&self, _rng: &dyn SecureRandom) -> Result<Box<dyn ActiveKeyExchange>, CryptoError> {
        Ok(Box::new(MlKemKeyExchange::generate(self.level)?))
    }

    fn start_and_complete(
        &self,
        client_share: &[u8],
        _rng: &dyn SecureRandom,
    ) -> Result<CompletedKeyExchange, CryptoError> {
        let (ct, secret) = encapsulate(self.level, client_share)?;
        Ok(CompletedKeyExchange {
            group: self.level.group(),
            pub_key: ct,
            secret,
        })
    }
}

/// X25519MLKEM768 from aws-lc components, in the generic hybrid.
pub(crate) static X25519MLKEM768_GROUP: Hybrid = Hybrid {
    name: NamedGroup::X25519MLKEM768,
    classical: &X25519Group,
    post_quantum: &MLKEM768_GROUP,
    layout: X25519MLKEM768_LAYOUT,
};

/// SecP256r1MLKEM768 from aws-lc components, in the generic hybrid.
pub(crate) static SECP256R1MLKEM768_GROUP: Hybrid = Hybrid {
    name: NamedGroup::SECP256R1MLKEM768,
    classical: &SECP256R1_GROUP,
    post_quantum: &MLKEM768_GROUP,
    layout: SECP256R1MLKEM768_LAYOUT,
};

/// SecP384r1MLKEM1024 from aws-lc components, in the generic hybrid.
pub(crate) static SECP384R1MLKEM1024_GROUP: Hybrid = Hybrid {
    name: NamedGroup::SECP384R1MLKEM1024,
    classical: &SECP384R1_GROUP,
    post_quantum: &MLKEM1024_GROUP,
    layout: SECP384R1MLKEM1024_LAYOUT,
};

//! ML-KEM-768 and ML-KEM-1024 (FIPS 203) as TLS groups (draft-ietf-tls-mlkem),
//! through RustCrypto's `ml-kem`.
//!
//! Client share = encapsulation key, server share = ciphertext, shared secret =
//! the 32-byte ML-KEM key.
//!
//! Why `ml-kem` and not `pqcrypto-mlkem` as the primary implementation (the
//! latter is kept as the independent check in the differential tests):
//! - Secrets must be wiped. `pqcrypto-mlkem` 0.1's `SecretKey` is a `Copy`
//!   byte array without `Zeroize` and with a private field: copies of the
//!   private key are left behind and none can be wiped without `unsafe`.
//!   `ml-kem` zeroizes its decapsulation keys on drop.
//! - It draws randomness inside C from its own source; `ml-kem` lets us supply
//!   the FIPS 203 seeds (`d ‖ z` and `m`) from our `SecureRandom`, and so lets
//!   the NIST ACVP and Wycheproof known answers drive keygen and encapsulation
//!   of the very code we ship.
//! - The price is speed: the `kx` bench measures a full ML-KEM-768 exchange
//!   (keygen + encaps + decaps) at about 8× the time of PQClean's portable C
//!   (≈450 µs vs ≈55 µs on the shared 2-core machine; aws-lc-rs ≈70 µs). A
//!   handshake's signature costs more than that, and the aws-lc provider
//!   (feature `aws-lc`, `provider::aws_lc`) is the fast path.
//!
//! Received encapsulation keys go through the FIPS 203 §7.2 modulus check
//! here, before `ml-kem` sees them, so the refusal is a distinct error.

use super::{ActiveKeyExchange, CompletedKeyExchange, KeyShareError, NamedGroup, SharedSecret};
use super::{SupportedKxGroup, check_len};
use crate::error::CryptoError;
use crate::rand::SecureRandom;
use ml_kem::kem::{Decapsulate, KeyExport};
use ml_kem::{B32, MlKem768, MlKem1024, Seed};
use zeroize::{Zeroize, Zeroizing};

/// The ML-KEM modulus q.
const Q: u16 = 3329;
/// Bytes of the seed `ρ` that ends an encapsulation key.
const RHO_LEN: usize = 32;

/// An ML-KEM parameter set.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Level {
    /// ML-KEM-768 (k = 3).
    MlKem768,
    /// ML-KEM-1024 (k = 4).
    MlKem1024,
}

impl Level {
    pub(crate) fn group(self) -> NamedGroup {
        match self {
            Self::MlKem768 => NamedGroup::MLKEM768,
            Self::MlKem1024 => NamedGroup::MLKEM1024,
        }
    }

    /// Encapsulation key length, 384·k + 32 (FIPS 203 §8, table 3).
    pub(crate) fn ek_len(self) -> usize {
        match self {
            Self::MlKem768 => 1184,
            Self::MlKem1024 => 1568,
        }
    }

    /// Ciphertext length (FIPS 203 §8, table 3).
    pub(crate) fn ct_len(self) -> usize {
        match self {
            Self::MlKem768 => 1088,
            Self::MlKem1024 => 1568,
        }
    }
}

/// FIPS 203 §7.2 modulus check: every 12-bit coefficient of the key's
/// polynomial part must be below q, i.e. `ByteEncode12(ByteDecode12(ek)) == ek`.
///
/// The key is public, so a variable-time check leaks nothing. `ek` must
/// already have the right length.
pub(crate) fn check_ek_modulus(ek: &[u8]) -> Result<(), KeyShareError> {
    let polys = ek.get(..ek.len().saturating_sub(RHO_LEN)).unwrap_or(&[]);
    for chunk in polys.chunks_exact(3) {
        let (b0, b1, b2) = (
            u16::from(chunk[0]),
            u16::from(chunk[1]),
            u16::from(chunk[2]),
        );
        let c0 = b0 | ((b1 & 0x0F) << 8);
        let c1 = (b1 >> 4) | (b2 << 4);
        if c0 >= Q || c1 >= Q {
            return Err(KeyShareError::MlKemKeyNotReduced);
        }
    }
    Ok(())
}

/// An ML-KEM group.
#[derive(Debug)]
pub(crate) struct MlKemGroup {
    level: Level,
}

/// ML-KEM-768.
pub(crate) static MLKEM768_GROUP: MlKemGroup = MlKemGroup {
    level: Level::MlKem768,
};
/// ML-KEM-1024.
pub(crate) static MLKEM1024_GROUP: MlKemGroup = MlKemGroup {
    level: Level::MlKem1024,
};

/// A decapsulation key of either level (both wipe themselves on drop).
enum DecapsulationKey {
    L768(ml_kem::DecapsulationKey<MlKem768>),
    L1024(ml_kem::DecapsulationKey<MlKem1024>),
}

/// A client's ML-KEM decapsulation key and encoded encapsulation key.
pub(crate) struct MlKemKeyExchange {
    level: Level,
    dk: DecapsulationKey,
    ek: Vec<u8>,
}

impl MlKemKeyExchange {
    /// Makes a fresh key pair: `ML-KEM.KeyGen` with `d ‖ z` from `rng`.
    pub(crate) fn generate(level: Level, rng: &dyn SecureRandom) -> Result<Self, CryptoError> {
        let mut seed = Zeroizing::new([0u8; 64]);
        rng.fill(seed.as_mut())?;
        Ok(Self::from_seed(level, &seed))
    }

    /// `ML-KEM.KeyGen_internal(d, z)` for the 64-byte seed `d ‖ z`.
    pub(crate) fn from_seed(level: Level, seed: &[u8; 64]) -> Self {
        let mut seed = Seed::from(*seed);
        let (dk, ek) = match level {
            Level::MlKem768 => {
                let dk = ml_kem::DecapsulationKey::<MlKem768>::from_seed(seed);
                let ek = dk.encapsulation_key().to_bytes().to_vec();
                (DecapsulationKey::L768(dk), ek)
            }
            Level::MlKem1024 => {
                let dk = ml_kem::DecapsulationKey::<MlKem1024>::from_seed(seed);
                let ek = dk.encapsulation_key().to_bytes().to_vec();
                (DecapsulationKey::L1024(dk), ek)
            }
        };
        seed.zeroize();
        Self { level, dk, ek }
    }

    /// Builds a key pair from a FIPS 203 expanded decapsulation key, the form
    /// NIST's ACVP vectors use. Test-only: keys are made from seeds.
    #[cfg(test)]
    pub(crate) fn from_expanded(level: Level, dk: &[u8]) -> Option<Self> {
        #[allow(deprecated)]
        use ml_kem::ExpandedKeyEncoding;
        let (dk, ek) = match level {
            Level::MlKem768 => {
                let enc = ml_kem::ExpandedDecapsulationKey::<MlKem768>::try_from(dk).ok()?;
                #[allow(deprecated)]
                let dk = ml_kem::DecapsulationKey::<MlKem768>::from_expanded_bytes(&enc).ok()?;
                let ek = dk.encapsulation_key().to_bytes().to_vec();
                (DecapsulationKey::L768(dk), ek)
            }
            Level::MlKem1024 => {
                let enc = ml_kem::ExpandedDecapsulationKey::<MlKem1024>::try_from(dk).ok()?;
                #[allow(deprecated)]
                let dk = ml_kem::DecapsulationKey::<MlKem1024>::from_expanded_bytes(&enc).ok()?;
                let ek = dk.encapsulation_key().to_bytes().to_vec();
                (DecapsulationKey::L1024(dk), ek)
            }
        };
        Some(Self { level, dk, ek })
    }

    /// The FIPS 203 expanded decapsulation key, to hand a seed-made key to a
    /// backend that takes no seed (aws-lc) in the known-answer tests.
    #[cfg(test)]
    pub(crate) fn expanded_dk(&self) -> zeroize::Zeroizing<Vec<u8>> {
        #[allow(deprecated)]
        use ml_kem::ExpandedKeyEncoding;
        #[allow(deprecated)]
        let bytes = match &self.dk {
            DecapsulationKey::L768(dk) => dk.to_expanded_bytes().to_vec(),
            DecapsulationKey::L1024(dk) => dk.to_expanded_bytes().to_vec(),
        };
        zeroize::Zeroizing::new(bytes)
    }

    /// Checks the ciphertext's length and decapsulates it. A wrong but
    /// well-sized ciphertext yields the implicit-rejection key, as FIPS 203
    /// requires; the mismatch then shows up as a failed Finished.
    pub(crate) fn decapsulate(&self, ct: &[u8]) -> Result<SharedSecret, CryptoError> {
        check_len(self.level.group(), ct, self.level.ct_len())?;
        let mut key = match &self.dk {
            DecapsulationKey::L768(dk) => {
                let ct = ml_kem::Ciphertext::<MlKem768>::try_from(ct).map_err(|_| {
                    KeyShareError::WrongLength {
                        group: self.level.group(),
                        expected: self.level.ct_len(),
                        got: ct.len(),
                    }
                })?;
                dk.decapsulate(&ct)
            }
            DecapsulationKey::L1024(dk) => {
                let ct = ml_kem::Ciphertext::<MlKem1024>::try_from(ct).map_err(|_| {
                    KeyShareError::WrongLength {
                        group: self.level.group(),
                        expected: self.level.ct_len(),
                        got: ct.len(),
                    }
                })?;
                dk.decapsulate(&ct)
            }
        };
        let secret = SharedSecret::new(key.to_vec());
        key.zeroize();
        Ok(secret)
    }
}

/// Validates an encapsulation key (length, §7.2 modulus check) and runs
/// `ML-KEM.Encaps_internal(ek, m)`. Returns the ciphertext and the key.
pub(crate) fn encapsulate(
    level: Level,
    ek: &[u8],
    m: &[u8; 32],
) -> Result<(Vec<u8>, SharedSecret), CryptoError> {
    check_len(level.group(), ek, level.ek_len())?;
    check_ek_modulus(ek)?;
    let mut m = B32::from(*m);
    // `ml-kem` repeats the modulus check; its refusal cannot happen after ours
    // passed, but is still mapped rather than unwrapped.
    let (ct, mut key) = match level {
        Level::MlKem768 => {
            let ek = ml_kem::Key::<ml_kem::EncapsulationKey<MlKem768>>::try_from(ek)
                .ok()
                .and_then(|k| ml_kem::EncapsulationKey::<MlKem768>::new(&k).ok())
                .ok_or(KeyShareError::MlKemKeyNotReduced)?;
            let (ct, key) = ek.encapsulate_deterministic(&m);
            (ct.to_vec(), key)
        }
        Level::MlKem1024 => {
            let ek = ml_kem::Key::<ml_kem::EncapsulationKey<MlKem1024>>::try_from(ek)
                .ok()
                .and_then(|k| ml_kem::EncapsulationKey::<MlKem1024>::new(&k).ok())
                .ok_or(KeyShareError::MlKemKeyNotReduced)?;
            let (ct, key) = ek.encapsulate_deterministic(&m);
            (ct.to_vec(), key)
        }
    };
    m.zeroize();
    let secret = SharedSecret::new(key.to_vec());
    key.zeroize();
    Ok((ct, secret))
}

/// Server side: validates `ek` and encapsulates with `m` drawn from `rng`.
pub(crate) fn encapsulate_random(
    level: Level,
    ek: &[u8],
    rng: &dyn SecureRandom,
) -> Result<(Vec<u8>, SharedSecret), CryptoError> {
    // Validate before drawing randomness for a share that will be refused.
    check_len(level.group(), ek, level.ek_len())?;
    check_ek_modulus(ek)?;
    let mut m = Zeroizing::new([0u8; 32]);
    rng.fill(m.as_mut())?;
    encapsulate(level, ek, &m)
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

    fn start(&self, rng: &dyn SecureRandom) -> Result<Box<dyn ActiveKeyExchange>, CryptoError> {
        Ok(Box::new(MlKemKeyExchange::generate(self.level, rng)?))
    }

    fn start_and_complete(
        &self,
        client_share: &[u8],
        rng: &dyn SecureRandom,
    ) -> Result<CompletedKeyExchange, CryptoError> {
        let (ct, secret) = encapsulate_random(self.level, client_share, rng)?;
        Ok(CompletedKeyExchange {
            group: self.level.group(),
            pub_key: ct,
            secret,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rand::OS_RANDOM;

    #[test]
    fn modulus_check_catches_each_coefficient_position() {
        let kx = MlKemKeyExchange::generate(Level::MlKem768, OS_RANDOM).unwrap();
        let ek = kx.ek.clone();
        assert_eq!(check_ek_modulus(&ek), Ok(()));
        // First coefficient of a triple = 0xFFF.
        let mut bad = ek.clone();
        bad[0] = 0xFF;
        bad[1] |= 0x0F;
        assert_eq!(
            check_ek_modulus(&bad),
            Err(KeyShareError::MlKemKeyNotReduced)
        );
        // Second coefficient of the last triple = 3329 exactly.
        let mut bad = ek.clone();
        let i = 1184 - RHO_LEN - 3;
        bad[i + 1] = (bad[i + 1] & 0x0F) | ((3329 & 0x0F) << 4) as u8;
        bad[i + 2] = (3329 >> 4) as u8;
        assert_eq!(
            check_ek_modulus(&bad),
            Err(KeyShareError::MlKemKeyNotReduced)
        );
        // ρ is not a polynomial: any bytes are fine there.
        let mut rho = ek;
        rho[1183] = 0xFF;
        rho[1182] = 0xFF;
        assert_eq!(check_ek_modulus(&rho), Ok(()));
    }
}

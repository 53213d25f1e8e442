//! Randomness: the one place where Q-SSL draws random bytes.
//!
//! Key shares, nonces and the `random` fields of hellos all need unpredictable
//! bytes. Funnelling them through one trait object keeps the source auditable
//! (it is the operating system's CSPRNG, nothing seeded in user space) and lets
//! a provider substitute another source, e.g. an HSM's generator.

use crate::error::CryptoError;

/// A cryptographically secure source of random bytes.
pub trait SecureRandom: Send + Sync + core::fmt::Debug {
    /// Fills `dest` entirely with random bytes.
    ///
    /// Fails only when the source itself fails; a caller must then abort the
    /// operation rather than continue with predictable bytes.
    fn fill(&self, dest: &mut [u8]) -> Result<(), CryptoError>;
}

/// The operating system's CSPRNG (`getrandom(2)` on Linux), through the
/// `getrandom` crate.
#[derive(Debug, Clone, Copy, Default)]
pub struct OsRandom;

impl SecureRandom for OsRandom {
    fn fill(&self, dest: &mut [u8]) -> Result<(), CryptoError> {
        getrandom::fill(dest).map_err(|_| CryptoError::RandomFailed)
    }
}

/// The default randomness source: the operating system's CSPRNG.
pub static OS_RANDOM: &dyn SecureRandom = &OsRandom;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fills_every_byte() {
        // The chance that 64 random bytes contain no non-zero byte is 2^-512;
        // a source that forgot to write would leave them all zero.
        let mut buf = [0u8; 64];
        OS_RANDOM.fill(&mut buf).unwrap();
        assert!(buf.iter().any(|&b| b != 0));
        let mut other = [0u8; 64];
        OS_RANDOM.fill(&mut other).unwrap();
        assert_ne!(buf, other);
    }

    #[test]
    fn empty_fill_is_fine() {
        OS_RANDOM.fill(&mut []).unwrap();
    }
}

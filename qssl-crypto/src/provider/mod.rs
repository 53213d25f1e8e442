//! The `CryptoProvider`: one value listing everything the TLS layers may use.
//!
//! The handshake and the facade never name an algorithm's implementation; they
//! ask the provider. A provider is plain data (rustls style), so an application
//! narrows it by filtering the lists — e.g. keep only the post-quantum groups —
//! and a second backend supplies its own lists without any change above this crate.
//!
//! Two providers exist, with the same suites, groups, signature schemes and
//! preference order:
//!
//! - [`default_provider`], the portable one: pure Rust (RustCrypto), no C, always
//!   built.
//! - `aws_lc::provider()` (feature `aws-lc`): the same algorithms computed by
//!   aws-lc-rs — several times faster for ML-KEM, ML-DSA, the NIST curves and the
//!   AEADs — behind the same share and key checks, so peers see the same alerts.
//!   Hashes, HMAC, HKDF and the TLS 1.2 PRF stay portable in it: aws-lc is not
//!   faster at them.
//!
//! [`compiled_providers`] lists the providers of a build, so that tests and benches
//! can run over each.

#[cfg(feature = "aws-lc")]
pub mod aws_lc;

use core::fmt;

use crate::error::CryptoError;
use crate::ids::{CipherSuite, NamedGroup, SignatureScheme};
use crate::keys;
use crate::kx::{ALL_KX_GROUPS, SupportedKxGroup};
use crate::rand::{OS_RANDOM, SecureRandom};
use crate::sign::{ALL_VERIFIERS, SignatureVerifier, SigningKey};
use crate::suites::{ALL_TLS12_SUITES, ALL_TLS13_SUITES, Tls12CipherSuite, Tls13CipherSuite};

/// Turns encoded private keys into signing keys.
pub trait KeyProvider: Send + Sync + fmt::Debug {
    /// Loads a private key from DER (PKCS#8, or the traditional SEC1 / PKCS#1 forms).
    fn load_private_key_der(&self, der: &[u8]) -> Result<Box<dyn SigningKey>, CryptoError>;
    /// Loads the first private key in a PEM document.
    fn load_private_key_pem(&self, pem: &str) -> Result<Box<dyn SigningKey>, CryptoError>;
}

/// The default [`KeyProvider`], backed by [`crate::keys`].
#[derive(Debug)]
pub struct DefaultKeyProvider;

impl KeyProvider for DefaultKeyProvider {
    fn load_private_key_der(&self, der: &[u8]) -> Result<Box<dyn SigningKey>, CryptoError> {
        Ok(Box::new(keys::load_private_key_der(der)?))
    }

    fn load_private_key_pem(&self, pem: &str) -> Result<Box<dyn SigningKey>, CryptoError> {
        Ok(Box::new(keys::load_private_key_pem(pem)?))
    }
}

/// Everything cryptographic a TLS connection may use, in preference order.
#[derive(Debug, Clone)]
pub struct CryptoProvider {
    /// TLS 1.3 cipher suites, most preferred first.
    pub tls13_cipher_suites: Vec<&'static Tls13CipherSuite>,
    /// TLS 1.2 cipher suites, most preferred first (used only when TLS 1.2 is enabled).
    pub tls12_cipher_suites: Vec<&'static Tls12CipherSuite>,
    /// Key exchange groups, most preferred first.
    pub kx_groups: Vec<&'static dyn SupportedKxGroup>,
    /// Signature verification algorithms, for handshake signatures and certificate chains.
    pub signature_verifiers: Vec<&'static dyn SignatureVerifier>,
    /// Further verifiers for TLS 1.2 handshake signatures only: ECDSA with the other
    /// curve's hash, which TLS 1.2 allows and OpenSSL uses (see
    /// [`crate::sign::TLS12_EXTRA_VERIFIERS`]). Never used for TLS 1.3 or
    /// certificates.
    pub tls12_extra_verifiers: Vec<&'static dyn SignatureVerifier>,
    /// The source of all randomness.
    pub secure_random: &'static dyn SecureRandom,
    /// Loads private keys.
    pub key_provider: &'static dyn KeyProvider,
}

impl CryptoProvider {
    /// The TLS 1.3 suite with code point `suite`, if offered.
    pub fn tls13_suite(&self, suite: CipherSuite) -> Option<&'static Tls13CipherSuite> {
        self.tls13_cipher_suites
            .iter()
            .copied()
            .find(|s| s.suite == suite)
    }

    /// The TLS 1.2 suite with code point `suite`, if offered.
    pub fn tls12_suite(&self, suite: CipherSuite) -> Option<&'static Tls12CipherSuite> {
        self.tls12_cipher_suites
            .iter()
            .copied()
            .find(|s| s.suite == suite)
    }

    /// The key exchange group `group`, if offered.
    pub fn kx_group(&self, group: NamedGroup) -> Option<&'static dyn SupportedKxGroup> {
        self.kx_groups.iter().copied().find(|g| g.name() == group)
    }

    /// The verifier for `scheme`, if offered.
    pub fn verifier(&self, scheme: SignatureScheme) -> Option<&'static dyn SignatureVerifier> {
        self.signature_verifiers
            .iter()
            .copied()
            .find(|v| v.scheme() == scheme)
    }

    /// Every verifier a TLS 1.2 handshake signature may be checked with:
    /// `signature_verifiers`, then `tls12_extra_verifiers`. Several may share a
    /// scheme (they differ in the key's curve); the certificate's key picks one.
    pub fn tls12_verifiers(&self) -> Vec<&'static dyn SignatureVerifier> {
        self.signature_verifiers
            .iter()
            .chain(&self.tls12_extra_verifiers)
            .copied()
            .collect()
    }

    /// The signature schemes this provider can verify, in preference order.
    pub fn verify_schemes(&self) -> Vec<SignatureScheme> {
        self.signature_verifiers
            .iter()
            .map(|v| v.scheme())
            .collect()
    }

    /// Keeps only the post-quantum key exchange groups (hybrids and pure ML-KEM).
    pub fn post_quantum_only(mut self) -> Self {
        self.kx_groups.retain(|g| g.name().is_post_quantum());
        self
    }
}

/// The default provider: RustCrypto primitives (aes-gcm, chacha20poly1305, sha2,
/// x25519-dalek, p256/p384, ed25519-dalek, rsa) and the RustCrypto `ml-kem` /
/// `ml-dsa` crates for the post-quantum algorithms, randomness from the OS.
pub fn default_provider() -> CryptoProvider {
    CryptoProvider {
        tls13_cipher_suites: ALL_TLS13_SUITES.to_vec(),
        tls12_cipher_suites: ALL_TLS12_SUITES.to_vec(),
        kx_groups: ALL_KX_GROUPS.to_vec(),
        signature_verifiers: ALL_VERIFIERS.to_vec(),
        tls12_extra_verifiers: crate::sign::TLS12_EXTRA_VERIFIERS.to_vec(),
        secure_random: OS_RANDOM,
        key_provider: &DefaultKeyProvider,
    }
}

/// Every provider compiled into this build, with a short name: `"portable"`
/// ([`default_provider`]) and, with the feature `aws-lc`, `"aws-lc"`. Tests and
/// benches iterate over it so that each runs on every provider.
pub fn compiled_providers() -> Vec<(&'static str, CryptoProvider)> {
    #[allow(unused_mut)]
    let mut providers = vec![("portable", default_provider())];
    #[cfg(feature = "aws-lc")]
    providers.push(("aws-lc", aws_lc::provider()));
    providers
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_provider_covers_the_design_profile() {
        for (name, p) in compiled_providers() {
            covers_the_design_profile(name, &p);
        }
        #[cfg(feature = "aws-lc")]
        assert_eq!(compiled_providers().len(), 2);
    }

    fn covers_the_design_profile(name: &str, p: &CryptoProvider) {
        let suites: Vec<u16> = p.tls13_cipher_suites.iter().map(|s| s.suite.0).collect();
        assert_eq!(suites, [0x1301, 0x1302, 0x1303]);
        let groups: Vec<u16> = p.kx_groups.iter().map(|g| g.name().0).collect();
        assert_eq!(
            groups,
            [
                0x11EC, 0x11ED, 0x11EB, 0x0202, 0x0201, 0x001D, 0x0018, 0x0017
            ]
        );
        for scheme in [
            0x0905, 0x0904, 0x0906, 0x0503, 0x0403, 0x0807, 0x0804, 0x0805, 0x0806,
        ] {
            assert!(
                p.verifier(SignatureScheme(scheme)).is_some(),
                "{name}: {scheme:04x}"
            );
        }
        assert!(p.kx_group(NamedGroup(0x0100)).is_none());
        let tls12: Vec<u16> = p.tls12_cipher_suites.iter().map(|s| s.suite.0).collect();
        assert_eq!(
            tls12,
            [0xC02C, 0xC02B, 0xCCA9, 0xC030, 0xC02F, 0xCCA8],
            "{name}"
        );
    }

    /// Each provider's lists are made of its own implementations: a provider that
    /// quietly fell back to the other's algorithms would pass every known answer
    /// without testing what it claims to ship.
    #[cfg(feature = "aws-lc")]
    #[test]
    fn the_aws_lc_provider_uses_aws_lc() {
        let p = aws_lc::provider();
        for v in &p.signature_verifiers {
            assert!(format!("{v:?}").contains("aws-lc-rs"), "{v:?}");
        }
        for s in &p.tls13_cipher_suites {
            assert!(format!("{:?}", s.aead).contains("aws-lc-rs"), "{s:?}");
        }
        for s in &p.tls12_cipher_suites {
            assert!(format!("{:?}", s.aead).contains("aws-lc-rs"), "{s:?}");
        }
        for (ours, theirs) in p.kx_groups.iter().zip(default_provider().kx_groups) {
            assert_eq!(ours.name(), theirs.name());
            // A hybrid shows both components; the portable ones print as `…Group`.
            let shown = format!("{ours:?}");
            let want = if ours.name().is_post_quantum() && shown.starts_with("Hybrid") {
                2
            } else {
                1
            };
            assert_eq!(shown.matches("aws-lc-rs").count(), want, "{shown}");
            assert!(!shown.contains("Group"), "{shown}");
        }
    }

    #[test]
    fn post_quantum_only_drops_classical_groups() {
        let p = default_provider().post_quantum_only();
        assert!(!p.kx_groups.is_empty());
        assert!(p.kx_groups.iter().all(|g| g.name().is_post_quantum()));
        assert!(p.kx_group(NamedGroup::X25519).is_none());
    }
}

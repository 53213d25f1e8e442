//! The aws-lc provider (feature `aws-lc`): the same algorithms, suites, groups and
//! signature schemes as [`super::default_provider`], computed by aws-lc-rs where
//! that is faster.
//!
//! ```
//! use qssl_crypto::kx::NamedGroup;
//! use qssl_crypto::provider::aws_lc;
//! use qssl_crypto::rand::OS_RANDOM;
//!
//! let provider = aws_lc::provider();
//! let group = provider.kx_group(NamedGroup::X25519MLKEM768).expect("offered");
//! let client = group.start(OS_RANDOM)?;
//! let server = group.start_and_complete(client.pub_key(), OS_RANDOM)?;
//! assert_eq!(client.complete(&server.pub_key)?.as_bytes(), server.secret.as_bytes());
//! # Ok::<(), qssl_crypto::error::CryptoError>(())
//! ```
//!
//! | what | computed by |
//! | --- | --- |
//! | AES-128/256-GCM, ChaCha20-Poly1305 | aws-lc |
//! | X25519, P-256 / P-384 ECDH | aws-lc (private keys drawn from the caller's `SecureRandom`) |
//! | ML-KEM-768 / 1024 | aws-lc, after our FIPS 203 §7.2 modulus check of every received key |
//! | X25519MLKEM768, SecP256r1MLKEM768, SecP384r1MLKEM1024 | the generic hybrid of [`crate::kx`] over the aws-lc components |
//! | ECDSA, Ed25519, RSA-PSS / PKCS#1 v1.5, ML-DSA-44/65/87 verification | aws-lc, after the portable public-key checks |
//! | signing keys ([`PrivateKey`]) | aws-lc, loaded through the portable loaders ([`keys`](self::PrivateKey::load_der)) |
//! | SHA-256 / SHA-384, HMAC, HKDF, TLS 1.2 PRF | portable (RustCrypto `sha2` / `hmac`, our HKDF and PRF) |
//! | randomness ([`CryptoProvider::secure_random`]) | the operating system, as in the portable provider |
//!
//! Hashes and MACs stay portable because aws-lc did not measure faster at what TLS
//! asks of them (`benches/hash.rs` has aws-lc-rs rows beside ours; dev-profile runs
//! on the shared 2-core machine): SHA-256 and SHA-384 over 16 KiB and over a
//! handshake-sized transcript land within run-to-run noise of each other (both use
//! the CPU's SHA extensions), and the short fresh-key HMAC that HKDF and Finished
//! compute takes about 1.5× as long through aws-lc-rs (HMAC-SHA256 over 48 bytes:
//! ~500 ns against ~320 ns). aws-lc-rs's own HKDF expands labels a little faster
//! than ours, but the key schedule is built on the [`Hmac`](crate::hmac::Hmac) seam,
//! and all of it costs a few microseconds of a handshake that costs hundreds.
//!
//! Received shares and signatures go through the portable provider's own checks
//! first, so a hostile peer gets the same [`CryptoError`](crate::error::CryptoError)
//! (and so the same alert) from either provider. Where aws-lc-rs takes no outside
//! randomness (ML-KEM key generation and encapsulation, ECDSA nonces, RSA-PSS salts,
//! ML-DSA hedging) aws-lc's own DRBG, seeded from the operating system, is used.
//! Secrets live in aws-lc objects, which wipe themselves when freed, or in this
//! crate's zeroizing types.

mod aead;
mod keys;
pub(crate) mod kx;
mod sign;

pub use keys::{AwsLcKeyProvider, PrivateKey};

use super::CryptoProvider;
use crate::aead::Aead;
use crate::kx::SupportedKxGroup;
use crate::rand::OS_RANDOM;
use crate::sign::SignatureVerifier;

/// AES-128-GCM on aws-lc.
pub static AES_128_GCM: &dyn Aead = &aead::AES_128_GCM;
/// AES-256-GCM on aws-lc.
pub static AES_256_GCM: &dyn Aead = &aead::AES_256_GCM;
/// ChaCha20-Poly1305 on aws-lc.
pub static CHACHA20_POLY1305: &dyn Aead = &aead::CHACHA20_POLY1305;

// The same suites and preference lists as the portable provider, over aws-lc's AEADs.
crate::suites::suite_set!(AES_128_GCM, AES_256_GCM, CHACHA20_POLY1305);

/// x25519 on aws-lc.
pub static X25519: &dyn SupportedKxGroup = &kx::X25519Group;
/// secp256r1 ECDH on aws-lc.
pub static SECP256R1: &dyn SupportedKxGroup = &kx::SECP256R1_GROUP;
/// secp384r1 ECDH on aws-lc.
pub static SECP384R1: &dyn SupportedKxGroup = &kx::SECP384R1_GROUP;
/// ML-KEM-768 on aws-lc.
pub static MLKEM768: &dyn SupportedKxGroup = &kx::MLKEM768_GROUP;
/// ML-KEM-1024 on aws-lc.
pub static MLKEM1024: &dyn SupportedKxGroup = &kx::MLKEM1024_GROUP;
/// X25519MLKEM768 over aws-lc's X25519 and ML-KEM-768.
pub static X25519MLKEM768: &dyn SupportedKxGroup = &kx::X25519MLKEM768_GROUP;
/// SecP256r1MLKEM768 over aws-lc's P-256 and ML-KEM-768.
pub static SECP256R1MLKEM768: &dyn SupportedKxGroup = &kx::SECP256R1MLKEM768_GROUP;
/// SecP384r1MLKEM1024 over aws-lc's P-384 and ML-KEM-1024.
pub static SECP384R1MLKEM1024: &dyn SupportedKxGroup = &kx::SECP384R1MLKEM1024_GROUP;

/// Every group, in the same preference order as the portable provider.
pub static ALL_KX_GROUPS: &[&dyn SupportedKxGroup] = &[
    &kx::X25519MLKEM768_GROUP,
    &kx::SECP384R1MLKEM1024_GROUP,
    &kx::SECP256R1MLKEM768_GROUP,
    &kx::MLKEM1024_GROUP,
    &kx::MLKEM768_GROUP,
    &kx::X25519Group,
    &kx::SECP384R1_GROUP,
    &kx::SECP256R1_GROUP,
];

/// Every verifier, in the same order as the portable provider (post-quantum first).
pub static ALL_VERIFIERS: &[&dyn SignatureVerifier] = &[
    &sign::VERIFY_65,
    &sign::VERIFY_44,
    &sign::VERIFY_87,
    &sign::P384_SHA384,
    &sign::P256_SHA256,
    &sign::ED25519,
    &sign::PSS_SHA256,
    &sign::PSS_SHA384,
    &sign::PSS_SHA512,
    &sign::PKCS1_SHA256,
    &sign::PKCS1_SHA384,
    &sign::PKCS1_SHA512,
];

/// The aws-lc twins of [`crate::sign::TLS12_EXTRA_VERIFIERS`].
pub static TLS12_EXTRA_VERIFIERS: &[&dyn SignatureVerifier] =
    &[&sign::P256_SHA384, &sign::P384_SHA256];

/// The aws-lc provider: everything of [`super::default_provider`], computed by
/// aws-lc-rs except the hashes and MACs (see the module docs), with randomness
/// from the operating system.
pub fn provider() -> CryptoProvider {
    CryptoProvider {
        tls13_cipher_suites: ALL_TLS13_SUITES.to_vec(),
        tls12_cipher_suites: ALL_TLS12_SUITES.to_vec(),
        kx_groups: ALL_KX_GROUPS.to_vec(),
        signature_verifiers: ALL_VERIFIERS.to_vec(),
        tls12_extra_verifiers: TLS12_EXTRA_VERIFIERS.to_vec(),
        secure_random: OS_RANDOM,
        key_provider: &AwsLcKeyProvider,
    }
}

//! The Q-SSL crypto boundary: every cryptographic primitive the TLS layers use,
//! behind object-safe traits, so that nothing above this crate names a
//! primitive's crate and a second provider (aws-lc) can stand in.
//!
//! Algorithms are `&'static dyn Trait` values (rustls style): a cipher suite is
//! a plain struct of such references. Secrets are wiped on drop, are never
//! `Clone`, print as `[REDACTED]`, and MACs are compared in constant time.
//!
//! | module | what |
//! | --- | --- |
//! | [`aead`] | AES-128/256-GCM and ChaCha20-Poly1305, seal/open in place with a detached tag |
//! | [`hash`] | SHA-256 / SHA-384, incremental contexts that fork for the transcript hash |
//! | [`hmac`] | HMAC over those hashes; the seam HKDF and the TLS 1.2 PRF are built on |
//! | [`hkdf`] | HKDF (RFC 5869) and TLS 1.3 `HKDF-Expand-Label` / `Derive-Secret` on [`hkdf::Prk`] |
//! | [`tls12_prf`] | TLS 1.2 PRF, extended master secret, key block, Finished |
//! | [`secret`] | [`secret::Secret`], a zeroizing byte buffer |
//! | [`ids`] | wire identifiers: cipher suites, named groups, signature schemes |
//! | [`error`] | [`error::CryptoError`], small and `Copy`, never holding key material |
//!
//! Key exchange (including the hybrid ML-KEM groups), signatures, randomness
//! and the `CryptoProvider` that lists them live in their own modules.
//!
//! Two providers: the portable one ([`provider::default_provider`], pure Rust,
//! the statics of the modules above) and, with the cargo feature `aws-lc`,
//! `provider::aws_lc::provider()`, the same suites, groups and signature schemes
//! computed by aws-lc-rs (AEADs, X25519, ECDH, ML-KEM, every verifier, signing
//! keys) behind the same input checks, several times faster for ML-KEM, ML-DSA and
//! the NIST curves. [`provider::compiled_providers`] lists those of a build; the
//! known-answer and property tests run on each.
//!
//! ```
//! use qssl_crypto::aead::AES_128_GCM;
//! use qssl_crypto::hkdf::HKDF_SHA256;
//!
//! # fn main() -> Result<(), qssl_crypto::error::CryptoError> {
//! // Derive a record key and IV the TLS 1.3 way from some traffic secret.
//! let secret = HKDF_SHA256.extract(None, b"input keying material");
//! let (mut key, mut iv) = ([0u8; 16], [0u8; 12]);
//! secret.expand_label(b"key", b"", &mut key)?;
//! secret.expand_label(b"iv", b"", &mut iv)?;
//!
//! // Seal in place; the tag travels separately.
//! let key = AES_128_GCM.new_key(&key)?;
//! let header = [0x17, 0x03, 0x03, 0x00, 0x15];
//! let mut record = *b"hello";
//! let tag = key.seal_in_place(&iv, &header, &mut record)?;
//! assert_ne!(&record, b"hello");
//!
//! key.open_in_place(&iv, &header, &mut record, &tag)?;
//! assert_eq!(&record, b"hello");
//!
//! // A flipped bit anywhere is refused.
//! record[0] ^= 1;
//! assert!(key.open_in_place(&iv, &header, &mut record, &tag).is_err());
//! # Ok(()) }
//! ```
pub mod aead;
pub mod error;
pub mod hash;
pub mod hkdf;
pub mod hmac;
pub mod ids;
pub mod keys;
pub mod kx;
pub mod pki;
pub mod provider;
pub mod rand;
pub mod secret;
pub mod sign;
pub mod suites;
pub mod tls12_prf;

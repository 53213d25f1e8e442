//! Q-SSL signing keys held on a PKCS#11 token (an HSM, a smart card, SoftHSM2).
//!
//! A TLS server or client proves it holds its certificate's key by signing the
//! handshake (`CertificateVerify`). With this crate that signature is made on a
//! PKCS#11 token and the private key never leaves it: [`Pkcs11SigningKey`] implements
//! `qssl_crypto::sign::SigningKey`, so it goes wherever qssl takes a key
//! (`ServerConfig::builder().with_single_cert(chain, Box::new(key))`, client
//! certificates, `pki::KeySigner`).
//!
//! - [`Module`] loads a vendor's PKCS#11 library; [`Module::open_token`] finds a
//!   token by label or slot and logs in with a [`Pin`] read from an environment
//!   variable or a file (never a command-line argument).
//! - [`Pkcs11SigningKey::new`] finds a private key by label or id ([`KeySelector`]),
//!   or [`Pkcs11SigningKey::from_uri`] by an RFC 7512 `pkcs11:` URI ([`Pkcs11Uri`]),
//!   and refuses it at configuration time if its public key is not the
//!   certificate's or the token lacks the mechanism.
//! - Schemes and mechanisms: ECDSA P-256 / P-384 as CKM_ECDSA over a SHA-256 /
//!   SHA-384 digest computed here (the raw `r‖s` is re-encoded as DER), Ed25519 as
//!   CKM_EDDSA, `rsa_pss_rsae_sha256/384` as CKM_RSA_PKCS_PSS over our digest (MGF1
//!   with the same hash, salt = hash length), `rsa_pss_rsae_sha512` as
//!   CKM_SHA512_RSA_PKCS_PSS, ML-DSA-44/65/87 as CKM_ML_DSA (PKCS#11 3.2). A key offers
//!   only the schemes whose mechanism its token lists.
//! - Signatures run on a bounded pool of sessions per token ([`PoolOptions`]), so
//!   many handshakes sign at once from several threads; a session that fails with a
//!   session or device error is dropped and the call retried once on a new one.
//! - Every failure has its own [`HsmError`] variant; inside a handshake it becomes
//!   `CryptoError::SigningFailed` with a fixed message naming the kind, and the
//!   handshake ends with an internal_error alert.
//!
//! ```no_run
//! use std::sync::Arc;
//! use qssl::ServerConfig;
//! use qssl::pki_types::CertificateDer;
//! use qssl_hsm::{Module, Pin, Pkcs11SigningKey, Pkcs11Uri, PoolOptions};
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let chain: Vec<Vec<u8>> = qssl::crypto::pki::pem_certificates(&std::fs::read_to_string("chain.pem")?)?;
//! let module = Module::load("/usr/lib/softhsm/libsofthsm2.so")?;
//! let uri: Pkcs11Uri = "pkcs11:token=qssl;object=server;type=private".parse()?;
//! let key = Pkcs11SigningKey::from_uri(
//!     &uri,
//!     Some(&module),
//!     Pin::from_env("QSSL_PKCS11_PIN")?,
//!     PoolOptions::default(),
//!     &chain[0],
//! )?;
//! let config = Arc::new(
//!     ServerConfig::builder()
//!         .with_single_cert(chain.into_iter().map(CertificateDer::from).collect(), Box::new(key))
//!         .build()?,
//! );
//! # let _ = config;
//! # Ok(()) }
//! ```
#![forbid(unsafe_code)]

mod error;
mod key;
mod pin;
mod spki;
mod token;
pub mod uri;

pub use error::HsmError;
pub use key::{KeySelector, Pkcs11SigningKey, token_schemes};
pub use pin::Pin;
pub use token::{Module, PoolOptions, Token, TokenSelector};
pub use uri::{Pkcs11Uri, UriError};

/// The cryptoki crate this one is built on, for provisioning keys on a token
/// (`Module::context`).
pub use cryptoki;

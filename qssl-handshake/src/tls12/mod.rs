//! TLS 1.2 (RFC 5246) with ECDHE and AEAD suites only, extended master secret
//! (RFC 7627) required unless the configuration allows a peer without it.
//!
//! Built bottom-up: [`keys`] is the glue between the PRF derivations of
//! `qssl_crypto::tls12_prf` and the record layer's TLS 1.2 protectors; [`signing`] is
//! the ServerKeyExchange signature (content, scheme choice, sign and verify).

pub(crate) mod handshake;
pub mod keys;
pub mod signing;

pub use keys::{KEY_LOG_LABEL, KeyBlock, MasterSecret};

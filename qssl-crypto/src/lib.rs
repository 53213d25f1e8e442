//! The Q-SSL crypto boundary (crate docs to come with the provider).
pub mod aead;
pub mod error;
pub mod hash;
pub mod hkdf;
pub mod hmac;
pub mod ids;
pub mod secret;
pub mod tls12_prf;

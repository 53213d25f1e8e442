//! Placeholder
pub mod aead;
pub mod error;
pub mod kx;
pub mod rand;

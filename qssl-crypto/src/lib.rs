//! Placeholder
pub mod aead;
pub mod error;

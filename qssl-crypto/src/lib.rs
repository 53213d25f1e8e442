//! Placeholder
pub mod aead;
pub mod error;
pub mod keys;
pub mod sign;

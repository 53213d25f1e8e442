//! The `CryptoProvider` a configuration uses unless the application passes one
//! (`with_provider`): as in rustls, the fast provider when it is compiled in.
//!
//! With the feature `aws-lc` (on by default) that is
//! [`qssl_crypto::provider::aws_lc::provider`]: aws-lc-rs computes the AEADs, the
//! NIST curves, ML-KEM and ML-DSA several times faster than the pure-Rust crates.
//! Without it (`default-features = false`) it is the portable
//! [`qssl_crypto::provider::default_provider`], with no C in the build. Both offer
//! the same suites, groups and signature schemes in the same order, behind the same
//! share and key checks, so peers see the same handshake and the same alerts.

use qssl_crypto::provider::CryptoProvider;

/// The short name of [`default_crypto_provider`] in this build, as
/// [`qssl_crypto::provider::compiled_providers`] names it: `"aws-lc"` or `"portable"`.
#[cfg(feature = "aws-lc")]
pub const DEFAULT_PROVIDER_NAME: &str = "aws-lc";
/// The short name of [`default_crypto_provider`] in this build, as
/// [`qssl_crypto::provider::compiled_providers`] names it: `"aws-lc"` or `"portable"`.
#[cfg(not(feature = "aws-lc"))]
pub const DEFAULT_PROVIDER_NAME: &str = "portable";

/// The provider of every [`ClientConfig`](crate::ClientConfig) and
/// [`ServerConfig`](crate::ServerConfig) built without
/// `with_provider`: aws-lc with the feature `aws-lc` (the default), the portable
/// provider otherwise.
pub fn default_crypto_provider() -> CryptoProvider {
    #[cfg(feature = "aws-lc")]
    {
        qssl_crypto::provider::aws_lc::provider()
    }
    #[cfg(not(feature = "aws-lc"))]
    {
        qssl_crypto::provider::default_provider()
    }
}

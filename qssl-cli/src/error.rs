//! The one error type of the `qssl` command: every failure becomes one line on
//! stderr naming its cause, and a non-zero exit status.

use std::io;
use std::path::PathBuf;

use qssl_crypto::error::CryptoError;
use qssl_crypto::pki::PkiError;

/// Why a `qssl` command failed. `Display` is the whole line the user sees
/// (after `qssl: `), so each variant names the file, address or step involved.
#[derive(Debug, thiserror::Error)]
pub(crate) enum CliError {
    /// A file or directory could not be read, created or written.
    #[error("cannot {action} {}: {source}", path.display())]
    File {
        /// `read`, `write`, `create directory`, ...
        action: &'static str,
        /// The path involved.
        path: PathBuf,
        /// What the operating system said.
        source: io::Error,
    },
    /// A private key file did not load.
    #[error("cannot load private key {}: {source}", path.display())]
    Key {
        /// The key file.
        path: PathBuf,
        /// Why it did not load.
        source: CryptoError,
    },
    /// A certificate file held no usable PEM certificate.
    #[error("cannot read certificates from {}: {reason}", path.display())]
    Certificates {
        /// The certificate file.
        path: PathBuf,
        /// Why (a PEM error, or "no CERTIFICATE block").
        reason: String,
    },
    /// Generating a key failed.
    #[error("cannot generate a {alg} key: {source}")]
    KeyGeneration {
        /// The algorithm's command-line name.
        alg: &'static str,
        /// Why.
        source: CryptoError,
    },
    /// Making a certificate failed.
    #[error("cannot make the {what} certificate: {source}")]
    Certificate {
        /// Which certificate or set of certificates.
        what: &'static str,
        /// Why.
        source: PkiError,
    },
    /// A certificate could not be used as a trust anchor.
    #[error("cannot use {} as trust anchors: {source}", path.display())]
    TrustAnchor {
        /// The CA file.
        path: PathBuf,
        /// Why.
        source: qssl::CertificateError,
    },
    /// A key on a PKCS#11 token (`--key pkcs11:…`) could not be used.
    #[error("cannot use PKCS#11 key {key}: {source}")]
    Pkcs11 {
        /// The URI as given.
        key: String,
        /// Why (token, PIN, key, mechanism, certificate mismatch, …).
        source: qssl_hsm::HsmError,
    },
    /// A TLS configuration was refused.
    #[error("invalid TLS configuration: {0}")]
    Config(qssl::Error),
    /// Arguments that clap accepts one by one but not together.
    #[error("{0}")]
    Usage(String),
    /// `--server-name` (or the host of HOST:PORT) is not a DNS name or IP address.
    #[error("invalid server name '{0}'")]
    ServerName(String),
    /// The address could not be resolved, connected to or listened on.
    #[error("cannot {action} {addr}: {source}")]
    Net {
        /// `connect to`, `listen on`, `resolve`.
        action: &'static str,
        /// The address as given.
        addr: String,
        /// What the operating system said.
        source: io::Error,
    },
    /// The TLS connection failed (handshake or later).
    #[error("TLS connection to {peer} failed: {}", crate::tls::describe(source))]
    Tls {
        /// The peer's address.
        peer: String,
        /// The error (wrapping a `qssl::Error` when TLS itself failed).
        source: io::Error,
    },
    /// Reading standard input or writing standard output failed.
    #[error("{what}: {source}")]
    Stdio {
        /// `reading standard input` or `writing standard output`.
        what: &'static str,
        /// What the operating system said.
        source: io::Error,
    },
    /// The demo saw something other than what it sent come back.
    #[error("demo failed: {0}")]
    Demo(&'static str),
    /// `qssl speed` could not name or run a measurement.
    #[error("speed: {0}")]
    Speed(String),
    /// The system clock is before 1970.
    #[error("the system clock is before 1970")]
    Clock,
}

impl CliError {
    /// A `File` error for `path`.
    pub(crate) fn file(action: &'static str, path: impl Into<PathBuf>, source: io::Error) -> Self {
        CliError::File {
            action,
            path: path.into(),
            source,
        }
    }
}

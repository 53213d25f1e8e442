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
        /// `root`, `intermediate` or `leaf`.
        what: &'static str,
        /// Why.
        source: PkiError,
    },
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

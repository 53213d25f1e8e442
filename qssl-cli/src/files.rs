//! Reading the certificate and key files the subcommands are given.

use std::path::Path;

use qssl_crypto::keys::{self, PrivateKey};
use qssl_crypto::pki::pem_certificates;

use crate::error::CliError;

/// Reads a whole text file.
fn read_text(path: &Path) -> Result<String, CliError> {
    std::fs::read_to_string(path).map_err(|e| CliError::file("read", path, e))
}

/// The DER certificates of a PEM file, in file order; at least one.
pub(crate) fn load_certificates(path: &Path) -> Result<Vec<Vec<u8>>, CliError> {
    let text = read_text(path)?;
    let certs = pem_certificates(&text).map_err(|e| CliError::Certificates {
        path: path.to_owned(),
        reason: e.to_string(),
    })?;
    if certs.is_empty() {
        return Err(CliError::Certificates {
            path: path.to_owned(),
            reason: "no CERTIFICATE block".to_owned(),
        });
    }
    Ok(certs)
}

/// The first private key of a PEM file.
pub(crate) fn load_key(path: &Path) -> Result<PrivateKey, CliError> {
    let text = read_text(path)?;
    keys::load_private_key_pem(&text).map_err(|source| CliError::Key {
        path: path.to_owned(),
        source,
    })
}

//! `--key 'pkcs11:…'`: a private key on a PKCS#11 token (RFC 7512 URI) for
//! `qssl server` and `qssl client`, through `qssl-hsm`.
//!
//! The module is `--pkcs11-module PATH` (or the URI's `module-path`), the PIN comes
//! from the environment variable `QSSL_PKCS11_PIN` (never the command line, which
//! other users can read from the process list), and the key is checked against the
//! leaf certificate of the `--cert` in the same position before anything listens or
//! connects.

use std::path::Path;

use qssl::pki_types::CertificateDer;
use qssl_crypto::sign::SigningKey;
use qssl_hsm::{HsmError, Module, Pin, Pkcs11SigningKey, Pkcs11Uri, PoolOptions};

use crate::error::CliError;
use crate::files;

/// The environment variable the token PIN is read from.
pub(crate) const PIN_VAR: &str = "QSSL_PKCS11_PIN";

/// The `--key` argument as a signing key: a `pkcs11:` URI names a key on a token,
/// anything else is a PEM file.
pub(crate) fn signing_key(
    key: &Path,
    chain: &[CertificateDer<'static>],
    module: Option<&Path>,
) -> Result<Box<dyn SigningKey>, CliError> {
    let Some(text) = key.to_str().filter(|t| {
        t.get(..7)
            .is_some_and(|s| s.eq_ignore_ascii_case("pkcs11:"))
    }) else {
        return Ok(Box::new(files::load_key(key)?));
    };
    let fail = |source: HsmError| CliError::Pkcs11 {
        key: text.to_owned(),
        source,
    };
    let uri: Pkcs11Uri = text.parse().map_err(|e| fail(HsmError::from(e)))?;
    let module = module.map(Module::load).transpose().map_err(fail)?;
    let pin = Pin::from_env(PIN_VAR).map_err(fail)?;
    // `tls::load_chain` refuses a file without certificates.
    let leaf = chain.first().map_or(&[][..], |c| c.as_ref());
    let key = Pkcs11SigningKey::from_uri(&uri, module.as_ref(), pin, PoolOptions::default(), leaf)
        .map_err(fail)?;
    Ok(Box::new(key))
}

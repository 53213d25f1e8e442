//! Building Q-SSL configurations from command-line arguments, reading what a
//! connection negotiated, and naming why a connection failed.

use std::io;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use qssl::default_crypto_provider as default_provider;
use qssl::pki_types::CertificateDer;
use qssl::{ConnectionCommon, RootCertStore};
use qssl_crypto::ids::{NamedGroup, SignatureScheme};
use qssl_crypto::kx::SupportedKxGroup;

use crate::error::CliError;
use crate::files;
use crate::net;
use crate::report::{Negotiated, PeerAuth};

/// How long a socket may sit idle before the command gives up on it.
pub(crate) const IO_TIMEOUT: Duration = Duration::from_secs(30);

/// A `--groups` list (OpenSSL names, colon-separated).
#[derive(Debug, Clone)]
pub(crate) struct GroupList(pub(crate) Vec<NamedGroup>);

/// clap value parser for [`GroupList`].
pub(crate) fn group_list(s: &str) -> Result<GroupList, String> {
    net::parse_groups(s).map(GroupList)
}

/// A `--sigalgs` list (TLS 1.3 scheme names separated by ':').
#[derive(Debug, Clone)]
pub(crate) struct SigalgList(pub(crate) Vec<SignatureScheme>);

/// clap value parser for [`SigalgList`].
pub(crate) fn sigalg_list(s: &str) -> Result<SigalgList, String> {
    net::parse_sigalgs(s).map(SigalgList)
}

/// An `--alpn` list (comma-separated).
#[derive(Debug, Clone)]
pub(crate) struct AlpnList(pub(crate) Vec<Vec<u8>>);

/// clap value parser for [`AlpnList`].
pub(crate) fn alpn_list(s: &str) -> Result<AlpnList, String> {
    net::parse_alpn(s).map(AlpnList)
}

/// The provider's implementations of `groups`, in the given order.
pub(crate) fn kx_groups(groups: &[NamedGroup]) -> Vec<&'static dyn SupportedKxGroup> {
    let provider = default_provider();
    groups
        .iter()
        .filter_map(|g| provider.kx_group(*g))
        .collect()
}

/// `--cert`/`--key` given as pairs, in order: the n-th key belongs to the n-th chain.
pub(crate) fn cert_key_pairs<'a>(
    certs: &'a [PathBuf],
    keys: &'a [PathBuf],
) -> Result<impl Iterator<Item = (&'a PathBuf, &'a PathBuf)>, CliError> {
    if certs.len() != keys.len() {
        return Err(CliError::Usage(format!(
            "{} --cert but {} --key: give one --key after each --cert",
            certs.len(),
            keys.len()
        )));
    }
    Ok(certs.iter().zip(keys))
}

/// A certificate chain file as DER certificates for a config.
pub(crate) fn load_chain(path: &Path) -> Result<Vec<CertificateDer<'static>>, CliError> {
    Ok(files::load_certificates(path)?
        .into_iter()
        .map(CertificateDer::from)
        .collect())
}

/// Every certificate of a PEM file as a trust anchor.
pub(crate) fn load_roots(path: &Path) -> Result<Arc<RootCertStore>, CliError> {
    let mut roots = RootCertStore::new();
    for der in files::load_certificates(path)? {
        roots
            .add(CertificateDer::from(der))
            .map_err(|source| CliError::TrustAnchor {
                path: path.to_owned(),
                source,
            })?;
    }
    Ok(Arc::new(roots))
}

/// What `conn` negotiated, once its handshake is complete; `is_client`: which side
/// `conn` is (the report describes the peer's authentication).
pub(crate) fn negotiated(conn: &ConnectionCommon, is_client: bool) -> Option<Negotiated> {
    let info = conn.connection_info()?;
    Some(Negotiated {
        version: info.protocol_version.to_string(),
        suite: info.cipher_suite,
        group: info.key_exchange_group,
        resumed: info.resumed,
        signature: info.server_signature_scheme,
        client_signature: conn
            .handshake_summary()
            .and_then(|s| s.client_signature_scheme),
        alpn: conn.alpn_protocol().map(<[u8]>::to_vec),
        hello_retry: conn
            .handshake_summary()
            .is_some_and(|s| s.hello_retry_request),
        kx_post_quantum: info.kx_post_quantum,
        is_client,
        // A client always authenticates its server; a server only a client that
        // sent a certificate.
        peer_auth: (is_client || conn.peer_certificates().is_some()).then(|| PeerAuth {
            path: conn
                .peer_verified_path()
                .map(|p| p.signatures().iter().map(|l| l.scheme()).collect())
                .unwrap_or_default(),
            post_quantum: info.peer_auth_post_quantum,
        }),
        // Side-specific: the server's count and the client's resend are not in
        // the common connection.
        early_data: None,
    })
}

/// One phrase for a failed TLS read or write: the TLS error with the alert it sent
/// or received, or the I/O error.
pub(crate) fn describe(err: &io::Error) -> String {
    if let Some(tls) = err.get_ref().and_then(|e| e.downcast_ref::<qssl::Error>()) {
        return match tls.alert() {
            Some(alert) => format!(
                "{tls} (sent alert {})",
                alert
                    .name()
                    .map_or_else(|| alert.0.to_string(), str::to_owned)
            ),
            None => tls.to_string(),
        };
    }
    match err.kind() {
        io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut => {
            format!("no answer within {} s", IO_TIMEOUT.as_secs())
        }
        io::ErrorKind::UnexpectedEof => {
            "the peer closed the connection without close_notify".to_owned()
        }
        _ => err.to_string(),
    }
}

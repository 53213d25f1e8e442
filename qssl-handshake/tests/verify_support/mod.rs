//! A test PKI made on the spot with `qssl_crypto::pki` and fresh keys: no files.

#![allow(dead_code, unreachable_pub)] // each test file uses a different part

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use qssl_crypto::keys::{self, PrivateKey};
use qssl_crypto::pki::{self, CertificateParams, CertificateRole, KeySigner};
use qssl_crypto::sign::{KeyAlgorithm, SigningKey};
use qssl_handshake::verify::{CertificateDer, RootCertStore, ServerName, UnixTime};

/// The validation time of the tests (2025-06-15), in Unix seconds.
pub const NOW: u64 = 1_750_000_000;
/// Certificates are valid from `NOW - VALID_BEFORE` ...
pub const VALID_BEFORE: u64 = 3_600;
/// ... to `NOW + VALID_AFTER`.
pub const VALID_AFTER: u64 = 86_400;
/// The DNS name in every leaf.
pub const DNS_NAME: &str = "test.qssl.example";
/// The IP address in every leaf.
pub const IP_NAME: &str = "127.0.0.1";

/// Every key algorithm Q-SSL certificates can carry.
pub const ALGORITHMS: [KeyAlgorithm; 7] = [
    KeyAlgorithm::MlDsa44,
    KeyAlgorithm::MlDsa65,
    KeyAlgorithm::MlDsa87,
    KeyAlgorithm::EcdsaP256,
    KeyAlgorithm::EcdsaP384,
    KeyAlgorithm::Ed25519,
    KeyAlgorithm::Rsa,
];

pub fn at(secs: u64) -> UnixTime {
    UnixTime::since_unix_epoch(Duration::from_secs(secs))
}

pub fn dns() -> ServerName<'static> {
    ServerName::try_from(DNS_NAME).unwrap()
}

pub fn ip() -> ServerName<'static> {
    ServerName::try_from(IP_NAME).unwrap()
}

/// A certificate and the key of its subject.
pub struct Issued {
    pub cert: CertificateDer<'static>,
    pub key: PrivateKey,
}

fn serial() -> Vec<u8> {
    static NEXT: AtomicU64 = AtomicU64::new(1);
    NEXT.fetch_add(1, Ordering::Relaxed).to_be_bytes().to_vec()
}

fn params(common_name: &str, role: CertificateRole) -> CertificateParams {
    let mut p = CertificateParams::new(
        common_name,
        &serial(),
        NOW - VALID_BEFORE,
        NOW + VALID_AFTER,
    );
    p.role = role;
    p
}

/// A self-signed root CA (no path length limit).
pub fn root(alg: KeyAlgorithm) -> Issued {
    root_with(alg, None)
}

/// A self-signed root CA with a pathLenConstraint.
pub fn root_with(alg: KeyAlgorithm, path_len: Option<u8>) -> Issued {
    let key = keys::generate(alg).unwrap();
    // Unique names: two roots of one name would be two candidate issuers.
    let p = params(
        &format!("root {alg:?} {}", hex(&serial())),
        CertificateRole::Ca { path_len },
    );
    let cert = pki::self_signed(&p, &KeySigner(&key)).unwrap();
    Issued {
        cert: CertificateDer::from(cert.der),
        key,
    }
}

/// An intermediate CA issued by `issuer`.
pub fn intermediate(alg: KeyAlgorithm, issuer: &Issued) -> Issued {
    intermediate_with(alg, issuer, None)
}

/// An intermediate CA issued by `issuer`, with a pathLenConstraint.
pub fn intermediate_with(alg: KeyAlgorithm, issuer: &Issued, path_len: Option<u8>) -> Issued {
    let p = params(
        &format!("intermediate {alg:?} {}", hex(&serial())),
        CertificateRole::Ca { path_len },
    );
    issue(alg, &p, issuer)
}

/// A leaf for [`DNS_NAME`] and [`IP_NAME`] with serverAuth and clientAuth.
pub fn leaf(alg: KeyAlgorithm, issuer: &Issued) -> Issued {
    leaf_with(alg, issuer, true, true, |_| {})
}

/// A leaf with the chosen extKeyUsage, `edit` changing anything else.
pub fn leaf_with(
    alg: KeyAlgorithm,
    issuer: &Issued,
    server_auth: bool,
    client_auth: bool,
    edit: impl FnOnce(&mut CertificateParams),
) -> Issued {
    let mut p = params(
        "",
        CertificateRole::EndEntity {
            server_auth,
            client_auth,
        },
    );
    p.dns_names = vec![DNS_NAME.to_owned()];
    p.ip_addresses = vec![IP_NAME.parse().unwrap()];
    edit(&mut p);
    issue(alg, &p, issuer)
}

/// A certificate for a fresh `alg` key per `params`, signed by `issuer`.
pub fn issue(alg: KeyAlgorithm, params: &CertificateParams, issuer: &Issued) -> Issued {
    let key = keys::generate(alg).unwrap();
    issue_for(key, params, issuer)
}

/// A certificate for `key` per `params`, signed by `issuer`.
pub fn issue_for(key: PrivateKey, params: &CertificateParams, issuer: &Issued) -> Issued {
    let cert = pki::issue(
        params,
        &key.public_key_spki(),
        issuer.cert.as_ref(),
        &KeySigner(&issuer.key),
    )
    .unwrap();
    Issued {
        cert: CertificateDer::from(cert.der),
        key,
    }
}

/// A store trusting `anchors`.
pub fn roots(anchors: &[&CertificateDer<'_>]) -> Arc<RootCertStore> {
    let mut store = RootCertStore::new();
    for a in anchors {
        store.add((*a).clone().into_owned()).unwrap();
    }
    Arc::new(store)
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

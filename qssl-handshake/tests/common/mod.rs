//! What the resumption and 0-RTT tests share: a test PKI for "localhost" per key
//! algorithm (made once) and the default client and server params over it, on
//! virtual clocks.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use qssl_crypto::pki::TestPki;
use qssl_crypto::provider::default_provider;
use qssl_crypto::rand::OS_RANDOM;
use qssl_crypto::sign::{KeyAlgorithm, SigningKey};
use qssl_handshake::verify::{RootCertStore, WebPkiServerVerifier};
use qssl_handshake::{
    CertificateDer, CertificateSet, CertifiedKey, ClientParams, ServerName, ServerParams, UnixTime,
};

/// The virtual "now" the test PKIs are made for (valid from an hour before).
pub(crate) const T: u64 = 1_750_000_000;

pub(crate) fn at(secs: u64) -> UnixTime {
    UnixTime::since_unix_epoch(Duration::from_secs(secs))
}

pub(crate) fn localhost() -> ServerName<'static> {
    ServerName::try_from("localhost").unwrap()
}

/// A root → intermediate → leaf PKI for "localhost".
pub(crate) struct Fixture {
    pub(crate) roots: Arc<RootCertStore>,
    pub(crate) chain: Vec<CertificateDer<'static>>,
    pub(crate) key: Arc<dyn SigningKey>,
}

/// The PKI of `alg`, made on first use.
pub(crate) fn fixture(alg: KeyAlgorithm) -> &'static Fixture {
    static MADE: OnceLock<Mutex<HashMap<KeyAlgorithm, &'static Fixture>>> = OnceLock::new();
    let mut made = MADE.get_or_init(Mutex::default).lock().unwrap();
    made.entry(alg).or_insert_with(|| {
        let pki = TestPki::generate(alg, &["localhost".into()], T, OS_RANDOM).unwrap();
        let mut roots = RootCertStore::new();
        roots
            .add(CertificateDer::from(pki.root.der.clone()))
            .unwrap();
        Box::leak(Box::new(Fixture {
            roots: Arc::new(roots),
            chain: vec![
                CertificateDer::from(pki.leaf.certificate.der.clone()),
                CertificateDer::from(pki.intermediate.der.clone()),
            ],
            key: Arc::new(pki.leaf.key),
        }))
    })
}

/// Client defaults (resumption on, a fresh session store) trusting `alg`'s root.
pub(crate) fn client_params(alg: KeyAlgorithm) -> ClientParams {
    let provider = default_provider();
    let verifier = Arc::new(WebPkiServerVerifier::new(
        fixture(alg).roots.clone(),
        &provider,
    ));
    ClientParams::new(Arc::new(provider), verifier)
}

/// Server defaults (two tickets per handshake from a fresh key ring) with `alg`'s
/// chain.
pub(crate) fn server_params(alg: KeyAlgorithm) -> ServerParams {
    let provider = default_provider();
    let f = fixture(alg);
    let certs = CertificateSet::new(
        vec![CertifiedKey::new(f.chain.clone(), f.key.clone())],
        &provider,
    )
    .unwrap();
    ServerParams::new(Arc::new(provider), Arc::new(certs)).unwrap()
}

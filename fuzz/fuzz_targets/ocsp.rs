//! Stapled OCSP response validation (RFC 6960) through the public server verifier,
//! with a fixed chain (the OpenSSL-made OCSP fixtures of qssl-handshake: an ECDSA
//! root, an RSA issuing CA, the `good.pem` leaf) at a fixed time and arbitrary
//! response bytes, under both policies. The two must agree: what `require_ocsp`
//! accepts is a good staple for the lenient verifier too, a revocation refuses under
//! both, and any other refusal of the strict verifier is a staple the lenient one
//! ignores.

#![no_main]

use std::sync::{Arc, LazyLock};
use std::time::Duration;

use libfuzzer_sys::fuzz_target;
use qssl_crypto::pki::pem_certificates;
use qssl_crypto::provider::default_provider;
use qssl_handshake::verify::{
    CertificateDer, CertificateError, RootCertStore, ServerCertVerifier, ServerName, UnixTime,
    WebPkiServerVerifier,
};

macro_rules! vector {
    ($name:literal) => {
        include_str!(concat!("../../qssl-handshake/tests/vectors/ocsp/", $name))
    };
}

fn cert(pem: &str) -> CertificateDer<'static> {
    CertificateDer::from(pem_certificates(pem).expect("fixture PEM").remove(0))
}

struct Fixture {
    strict: WebPkiServerVerifier,
    lenient: WebPkiServerVerifier,
    leaf: CertificateDer<'static>,
    ca: CertificateDer<'static>,
    now: UnixTime,
}

static FIXTURE: LazyLock<Fixture> = LazyLock::new(|| {
    let mut roots = RootCertStore::new();
    roots.add(cert(vector!("root.pem"))).expect("root.pem");
    let roots = Arc::new(roots);
    let provider = default_provider();
    // An hour after the responses were made, as the OCSP tests use.
    let made: u64 = vector!("generated-at.txt").trim().parse().expect("a time");
    Fixture {
        strict: WebPkiServerVerifier::new(Arc::clone(&roots), &provider).require_ocsp(true),
        lenient: WebPkiServerVerifier::new(roots, &provider).require_ocsp(false),
        leaf: cert(vector!("good.pem")),
        ca: cert(vector!("ca.pem")),
        now: UnixTime::since_unix_epoch(Duration::from_secs(made + 3600)),
    }
});

fuzz_target!(|data: &[u8]| {
    let f = &*FIXTURE;
    let name = ServerName::try_from("ocsp.qssl.example").expect("a valid DNS name");
    let intermediates = [f.ca.clone()];
    let strict = f
        .strict
        .verify_server_cert(&f.leaf, &intermediates, &name, data, f.now);
    let lenient = f
        .lenient
        .verify_server_cert(&f.leaf, &intermediates, &name, data, f.now);
    match (&strict, &lenient) {
        (Ok(s), Ok(l)) => assert!(s.ocsp_good() && l.ocsp_good()),
        (Err(CertificateError::Revoked), Err(CertificateError::Revoked)) => {}
        (Err(e), Ok(l)) if *e != CertificateError::Revoked => {
            let _ = e.alert();
            assert!(
                !l.ocsp_good(),
                "strict refused ({e:?}) what lenient took as good"
            );
        }
        _ => panic!("policies disagree: strict {strict:?}, lenient {lenient:?}"),
    }
});

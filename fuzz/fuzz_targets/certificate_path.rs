//! Certificate parsing and path validation: arbitrary chain bytes checked against a
//! fixed trust anchor (the fixture ML-DSA-65 root) at a fixed time, as a server
//! chain for the fixture name and as a client chain; the end entity's key is also
//! handed to every CertificateVerify verifier and to the certificate inspector.
//!
//! Input: certificates, each a big-endian u16 length and that many bytes (the last
//! one takes what is left); the first is the end entity, the rest intermediates.

#![no_main]

use std::sync::{Arc, LazyLock};
use std::time::Duration;

use libfuzzer_sys::fuzz_target;
use qssl_crypto::pki::certificate_algorithms;
use qssl_crypto::provider::default_provider;
use qssl_fuzz::FIXTURES;
use qssl_fuzz::fixtures::SERVER_NAME;
use qssl_handshake::verify::{
    CertificateDer, ClientCertVerifier, ServerCertVerifier, ServerName, UnixTime,
    WebPkiClientVerifier, WebPkiServerVerifier,
};

/// 2025-06-15: inside the fixture certificates' validity.
const NOW: u64 = 1_750_000_000;
/// At most this many certificates are taken from one input: the verifier has its own
/// bounds, this one keeps a single run short.
const MAX_CERTS: usize = 8;

struct Verifiers {
    server: WebPkiServerVerifier,
    client: WebPkiClientVerifier,
}

static VERIFIERS: LazyLock<Verifiers> = LazyLock::new(|| {
    let roots = FIXTURES.roots();
    let provider = default_provider();
    Verifiers {
        server: WebPkiServerVerifier::new(Arc::clone(&roots), &provider),
        client: WebPkiClientVerifier::new(roots, &provider, true),
    }
});

fuzz_target!(|data: &[u8]| {
    let mut certs = Vec::new();
    let mut rest = data;
    while !rest.is_empty() && certs.len() < MAX_CERTS {
        let (len, body) = match rest {
            [a, b, body @ ..] => (usize::from(u16::from_be_bytes([*a, *b])), body),
            _ => (rest.len(), &[][..]),
        };
        let len = len.min(body.len());
        certs.push(CertificateDer::from(&body[..len]));
        rest = &body[len..];
    }
    let Some((end_entity, intermediates)) = certs.split_first() else {
        return;
    };
    let now = UnixTime::since_unix_epoch(Duration::from_secs(NOW));
    let name = ServerName::try_from(SERVER_NAME).expect("a valid DNS name");
    let v = &*VERIFIERS;
    match v
        .server
        .verify_server_cert(end_entity, intermediates, &name, &[], now)
    {
        Ok(path) => {
            assert!(path.is_verified());
            assert!(!path.signatures().is_empty());
            assert!(path.signatures().len() <= certs.len());
        }
        Err(e) => {
            let _ = e.alert();
        }
    }
    match v.client.verify_client_cert(end_entity, intermediates, now) {
        Ok(path) => assert!(path.is_verified() && !path.signatures().is_empty()),
        Err(e) => {
            let _ = e.alert();
        }
    }
    let _ = certificate_algorithms(end_entity);
    for scheme in v.server.supported_verify_schemes() {
        if let Err(e) = v
            .server
            .verify_tls13_signature(b"fuzz", end_entity, scheme, &[0x30, 0x00])
        {
            let _ = e.alert();
        }
    }
});

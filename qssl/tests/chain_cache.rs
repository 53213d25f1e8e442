//! The client's cache of validated server chains (`WebPkiServerVerifier`, on by
//! default): a chain validated once is trusted again for the same name and the same
//! certificates while they are all valid — and only then; the server's
//! CertificateVerify is checked on every connection.

mod common;

use std::sync::Arc;

use common::*;
use qssl::pki_types::ServerName;
use qssl::{AlertDescription as A, CertificateError, Error, WebPkiServerVerifier};
use qssl_crypto::provider::default_provider;
use qssl_crypto::sign::KeyAlgorithm;
use qssl_handshake::verify::{ServerCertVerifier, UnixTime};

fn at(secs: u64) -> UnixTime {
    UnixTime::since_unix_epoch(std::time::Duration::from_secs(secs))
}

fn name(n: &str) -> ServerName<'static> {
    ServerName::try_from(n.to_owned()).unwrap()
}

#[test]
fn a_validated_chain_is_reused_only_for_the_same_name_certificates_and_time() {
    let p = pki(PkiSpec {
        chain_len: 2,
        ..PkiSpec::new(KeyAlgorithm::MlDsa65)
    });
    let v = WebPkiServerVerifier::new(p.roots(), &default_provider());
    let when = at(now());
    let first = v
        .verify_server_cert(&p.chain[0], &p.chain[1..], &name("localhost"), &[], when)
        .unwrap();
    assert_eq!(v.cached_chains(), 1);
    let again = v
        .verify_server_cert(&p.chain[0], &p.chain[1..], &name("localhost"), &[], when)
        .unwrap();
    assert_eq!(again, first, "the path validated the first time");
    // Another name: validated, and refused.
    assert_eq!(
        v.verify_server_cert(&p.chain[0], &p.chain[1..], &name("example.com"), &[], when),
        Err(CertificateError::NotValidForName)
    );
    // The same chain after it has expired: the cached entry does not stand in.
    let far_future = at(now() + 200 * 365 * 24 * 3600);
    assert_eq!(
        v.verify_server_cert(
            &p.chain[0],
            &p.chain[1..],
            &name("localhost"),
            &[],
            far_future
        ),
        Err(CertificateError::Expired)
    );
    // A chain missing its intermediate is another chain: validated, and refused.
    assert_eq!(
        v.verify_server_cert(&p.chain[0], &[], &name("localhost"), &[], when),
        Err(CertificateError::UnknownIssuer)
    );
    // Off: nothing is kept.
    let off = WebPkiServerVerifier::new(p.roots(), &default_provider()).with_chain_cache(false);
    off.verify_server_cert(&p.chain[0], &p.chain[1..], &name("localhost"), &[], when)
        .unwrap();
    assert_eq!(off.cached_chains(), 0);
}

/// A second server presents the chain the client has cached, but holds another
/// key: its CertificateVerify does not verify (decrypt_error), cache or not.
#[test]
fn the_certificate_verify_is_checked_even_for_a_cached_chain() {
    let p = pki_for(KeyAlgorithm::EcdsaP256);
    let impostor_key = pki(PkiSpec {
        chain_len: 2,
        ..PkiSpec::new(KeyAlgorithm::EcdsaP256)
    })
    .key();
    let verifier = Arc::new(WebPkiServerVerifier::new(p.roots(), &default_provider()));
    let client = Arc::new(
        qssl::ClientConfig::builder()
            .dangerous()
            .with_verifier(verifier.clone())
            .without_resumption()
            .build()
            .unwrap(),
    );
    let honest = qssl::ServerConfig::builder()
        .with_single_cert(p.chain.clone(), p.key())
        .build()
        .unwrap();
    let mut c =
        qssl::ClientConnection::new(client.clone(), "localhost".try_into().unwrap()).unwrap();
    let mut s = qssl::ServerConnection::new(Arc::new(honest)).unwrap();
    do_handshake(&mut c, &mut s);
    assert_eq!(verifier.cached_chains(), 1);

    let impostor = qssl::ServerConfig::builder()
        .with_single_cert(p.chain.clone(), impostor_key)
        .build()
        .unwrap();
    let mut c = qssl::ClientConnection::new(client, "localhost".try_into().unwrap()).unwrap();
    let mut s = qssl::ServerConnection::new(Arc::new(impostor)).unwrap();
    let (cr, sr) = run(&mut c, &mut s);
    assert_eq!(cr.unwrap_err().alert(), Some(A::DECRYPT_ERROR));
    assert_eq!(sr, Err(Error::AlertReceived(A::DECRYPT_ERROR)));
}

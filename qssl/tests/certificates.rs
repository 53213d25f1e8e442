//! Servers and clients with more than one certificate: each peer gets the first chain
//! it can verify (the built-in `CertificateSet`), on one server configuration.

mod common;

use std::sync::Arc;

use common::*;
use qssl::default_crypto_provider as default_provider;
use qssl::{ClientConfig, RootCertStore, ServerConfig, WebPkiClientVerifier};
use qssl_crypto::ids::SignatureScheme;
use qssl_crypto::provider::CryptoProvider;
use qssl_crypto::sign::KeyAlgorithm;

/// Trusts the roots of every PKI in `pkis`.
fn roots(pkis: &[&Pki]) -> Arc<RootCertStore> {
    let mut roots = RootCertStore::new();
    for p in pkis {
        roots.add(p.root.clone()).unwrap();
    }
    Arc::new(roots)
}

/// The default provider without any post-quantum signature verifier: a client
/// whose signature_algorithms are all classical.
fn classical_provider() -> CryptoProvider {
    let mut p = default_provider();
    p.signature_verifiers
        .retain(|v| !v.scheme().is_post_quantum());
    p
}

/// One server configuration with an ML-DSA-65 chain first and an ECDSA P-256 chain
/// second.
fn two_chain_server(mldsa: &Pki, ecdsa: &Pki) -> Arc<ServerConfig> {
    Arc::new(
        ServerConfig::builder()
            .add_cert(mldsa.chain.clone(), mldsa.key())
            .add_cert(ecdsa.chain.clone(), ecdsa.key())
            .build()
            .unwrap(),
    )
}

fn handshake(
    client: ClientConfig,
    server: &Arc<ServerConfig>,
) -> (qssl::ClientConnection, qssl::ServerConnection) {
    let mut c =
        qssl::ClientConnection::new(Arc::new(client), "localhost".try_into().unwrap()).unwrap();
    let mut s = qssl::ServerConnection::new(Arc::clone(server)).unwrap();
    do_handshake(&mut c, &mut s);
    (c, s)
}

#[test]
fn a_client_that_verifies_ml_dsa_gets_the_ml_dsa_chain() {
    let mldsa = pki_for(KeyAlgorithm::MlDsa65);
    let ecdsa = pki_for(KeyAlgorithm::EcdsaP256);
    let server = two_chain_server(&mldsa, &ecdsa);
    let client = ClientConfig::builder()
        .with_root_certificates(roots(&[&mldsa, &ecdsa]))
        .build()
        .unwrap();
    let (c, _s) = handshake(client, &server);
    assert_eq!(c.peer_signature_scheme(), Some(SignatureScheme::MLDSA65));
    assert_eq!(c.peer_certificates().unwrap(), mldsa.chain.as_slice());
}

#[test]
fn a_classical_client_gets_the_ecdsa_chain_from_the_same_config() {
    let mldsa = pki_for(KeyAlgorithm::MlDsa65);
    let ecdsa = pki_for(KeyAlgorithm::EcdsaP256);
    let server = two_chain_server(&mldsa, &ecdsa);
    let client = ClientConfig::builder()
        .with_provider(classical_provider())
        .with_root_certificates(roots(&[&ecdsa]))
        .build()
        .unwrap();
    let (c, _s) = handshake(client, &server);
    assert_eq!(
        c.peer_signature_scheme(),
        Some(SignatureScheme::ECDSA_SECP256R1_SHA256)
    );
    assert_eq!(c.peer_certificates().unwrap(), ecdsa.chain.as_slice());

    // Before the resolver, this server held one chain: a classical client was refused.
    let single = ServerConfig::builder()
        .with_single_cert(mldsa.chain.clone(), mldsa.key())
        .build()
        .unwrap();
    let client = ClientConfig::builder()
        .with_provider(classical_provider())
        .with_root_certificates(roots(&[&ecdsa]))
        .build()
        .unwrap();
    let (mut c, mut s) = pair(client, single);
    let (_, sr) = run(&mut c, &mut s);
    assert_eq!(
        sr.unwrap_err().alert(),
        Some(qssl::AlertDescription::HANDSHAKE_FAILURE)
    );
}

#[test]
fn a_client_with_two_certificates_sends_the_one_the_server_trusts() {
    let server_pki = pki_for(KeyAlgorithm::EcdsaP384);
    // The server trusts the ECDSA P-256 PKI for clients, not the ML-DSA one.
    let trusted = pki_for(KeyAlgorithm::EcdsaP256);
    let untrusted = pki_for(KeyAlgorithm::MlDsa44);
    let server = ServerConfig::builder()
        .with_single_cert(server_pki.chain.clone(), server_pki.key())
        .with_client_cert_verifier(Arc::new(WebPkiClientVerifier::new(
            trusted.roots(),
            &default_provider(),
            true,
        )))
        .build()
        .unwrap();
    // ML-DSA first: preference alone would send it; certificate_authorities says no.
    let client = ClientConfig::builder()
        .with_root_certificates(server_pki.roots())
        .add_client_auth_cert(untrusted.chain.clone(), untrusted.key())
        .add_client_auth_cert(trusted.chain.clone(), trusted.key())
        .build()
        .unwrap();
    let (_c, s) = handshake(client, &Arc::new(server));
    assert_eq!(s.peer_certificates().unwrap(), trusted.chain.as_slice());
    assert_eq!(
        s.peer_signature_scheme(),
        Some(SignatureScheme::ECDSA_SECP256R1_SHA256)
    );
}

#[test]
fn each_chain_carries_its_own_ocsp_staple() {
    let mldsa = pki_for(KeyAlgorithm::MlDsa65);
    let ecdsa = pki_for(KeyAlgorithm::EcdsaP256);
    // tryLater OCSPResponses that differ in their last byte, as opaque staples.
    let first = vec![0x30, 0x03, 0x0a, 0x01, 0x03];
    let second = vec![0x30, 0x03, 0x0a, 0x01, 0x02];
    let server = Arc::new(
        ServerConfig::builder()
            .with_single_cert(mldsa.chain.clone(), mldsa.key())
            .with_ocsp_response(first.clone())
            .add_certified_key(
                qssl::CertifiedKey::new(ecdsa.chain.clone(), Arc::from(ecdsa.key()))
                    .with_ocsp(second.clone()),
            )
            .build()
            .unwrap(),
    );
    let pq = ClientConfig::builder()
        .with_root_certificates(roots(&[&mldsa]))
        .request_ocsp(true)
        .build()
        .unwrap();
    let (c, _) = handshake(pq, &server);
    assert_eq!(c.ocsp_response(), Some(first.as_slice()));
    let classical = ClientConfig::builder()
        .with_provider(classical_provider())
        .with_root_certificates(roots(&[&ecdsa]))
        .request_ocsp(true)
        .build()
        .unwrap();
    let (c, _) = handshake(classical, &server);
    assert_eq!(c.ocsp_response(), Some(second.as_slice()));
}

#[test]
fn broken_chains_are_configuration_errors() {
    let p = pki_for(KeyAlgorithm::Ed25519);
    let err = ServerConfig::builder()
        .with_single_cert(vec![vec![0x30, 0x00].into()], p.key())
        .build()
        .unwrap_err();
    assert!(matches!(err, qssl::Error::Config(_)), "{err:?}");
    let err = ServerConfig::builder()
        .with_single_cert(Vec::new(), p.key())
        .build()
        .unwrap_err();
    assert_eq!(err, qssl::Error::Config("empty certificate chain"));
    assert_eq!(
        ServerConfig::builder().build().unwrap_err(),
        qssl::Error::Config("no server certificate")
    );
}

//! ML-DSA on a PKCS#11 3.2 token: kryoptic (CKM_ML_DSA), built by `cargo xtask hsm`
//! and named by `QSSL_KRYOPTIC_MODULE`. Signatures verify with qssl-crypto's software
//! ML-DSA; an OpenSSL client completes a TLS 1.3 handshake whose CertificateVerify is
//! ML-DSA-65 signed on the token.

mod common;

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::Arc;
use std::time::Duration;

use openssl::ssl::{SslConnector, SslMethod, SslVerifyMode, SslVersion};
use openssl::x509::X509;
use openssl::x509::store::X509StoreBuilder;
use qssl::pki_types::CertificateDer;
use qssl::{ServerConfig, ServerConnection, SignatureScheme, StreamOwned};
use qssl_crypto::sign::{self, KeyAlgorithm, SigningKey};

#[test]
fn ml_dsa_and_classical_keys_on_kryoptic_sign_and_verify() {
    let Some(hsm) = common::kryoptic("ml_dsa_and_classical_keys_on_kryoptic_sign_and_verify")
    else {
        return;
    };
    let message = b"ML-DSA signed on a PKCS#11 3.2 token";
    for (algorithm, label, scheme) in [
        (KeyAlgorithm::MlDsa44, "mldsa44", SignatureScheme::MLDSA44),
        (KeyAlgorithm::MlDsa65, "mldsa65", SignatureScheme::MLDSA65),
        (KeyAlgorithm::MlDsa87, "mldsa87", SignatureScheme::MLDSA87),
        // kryoptic returns a bare Ed25519 point in CKA_EC_POINT (SoftHSM2 wraps it).
        (KeyAlgorithm::Ed25519, "ed25519", SignatureScheme::ED25519),
        (
            KeyAlgorithm::EcdsaP256,
            "p256",
            SignatureScheme::ECDSA_SECP256R1_SHA256,
        ),
    ] {
        let (key, _cert) = hsm.key_with_certificate(algorithm, label);
        assert_eq!(key.algorithm(), algorithm);
        assert_eq!(key.schemes(), &[scheme]);
        let signature = key.sign(scheme, message).unwrap();
        let public = qssl_crypto::keys::subject_public_key(&key.public_key_spki()).unwrap();
        let verifier = sign::verifier_for(scheme).unwrap();
        verifier
            .verify(&public, message, &signature)
            .unwrap_or_else(|e| panic!("{label}: {e}"));
        assert!(verifier.verify(&public, b"other", &signature).is_err());
    }
}

#[test]
fn openssl_completes_an_ml_dsa_65_handshake_signed_on_kryoptic() {
    let Some(hsm) = common::kryoptic("openssl_completes_an_ml_dsa_65_handshake_signed_on_kryoptic")
    else {
        return;
    };
    let (key, cert) = hsm.key_with_certificate(KeyAlgorithm::MlDsa65, "tls-mldsa65");
    let config = Arc::new(
        ServerConfig::builder()
            .with_single_cert(vec![CertificateDer::from(cert.clone())], Box::new(key))
            .build()
            .unwrap(),
    );
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let server = std::thread::spawn(move || {
        let (sock, _) = listener.accept().unwrap();
        sock.set_read_timeout(Some(Duration::from_secs(20)))
            .unwrap();
        let mut tls = StreamOwned::new(ServerConnection::new(config).unwrap(), sock);
        let mut buf = [0u8; 4];
        tls.read_exact(&mut buf).unwrap();
        tls.write_all(&buf).unwrap();
        tls.flush().unwrap();
        tls.conn
            .handshake_summary()
            .unwrap()
            .server_signature_scheme
    });

    let mut store = X509StoreBuilder::new().unwrap();
    store
        .add_cert(X509::from_der(&hsm.ca.der).unwrap())
        .unwrap();
    let mut connector = SslConnector::builder(SslMethod::tls_client()).unwrap();
    connector
        .set_min_proto_version(Some(SslVersion::TLS1_3))
        .unwrap();
    connector.set_sigalgs_list("mldsa65").unwrap();
    connector.set_verify_cert_store(store.build()).unwrap();
    connector.set_verify(SslVerifyMode::PEER);
    let sock = TcpStream::connect(addr).unwrap();
    sock.set_read_timeout(Some(Duration::from_secs(20)))
        .unwrap();
    let mut tls = connector
        .build()
        .connect("localhost", sock)
        .unwrap_or_else(|e| panic!("OpenSSL client: {e}"));
    tls.write_all(b"mlds").unwrap();
    let mut echo = [0u8; 4];
    tls.read_exact(&mut echo).unwrap();
    assert_eq!(&echo, b"mlds");
    assert_eq!(
        tls.ssl().verify_result(),
        openssl::x509::X509VerifyResult::OK
    );
    assert_eq!(
        tls.ssl().peer_certificate().unwrap().to_der().unwrap(),
        cert
    );
    assert_eq!(server.join().unwrap(), SignatureScheme::MLDSA65);
}

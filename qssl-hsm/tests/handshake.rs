//! TLS 1.3 handshakes whose CertificateVerify is signed on a SoftHSM2 token, completed
//! by OpenSSL (the `openssl` crate, vendored) and by Q-SSL peers.

mod common;

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::Arc;
use std::time::Duration;

use openssl::pkey::PKey;
use openssl::ssl::{
    SslConnector, SslContextBuilder, SslMethod, SslStream, SslVerifyMode, SslVersion,
};
use openssl::x509::X509;
use openssl::x509::store::X509StoreBuilder;
use qssl::pki_types::{CertificateDer, ServerName};
use qssl::{
    ClientConfig, ClientConnection, RootCertStore, ServerConfig, ServerConnection, SignatureScheme,
    StreamOwned,
};
use qssl_crypto::keys;
use qssl_crypto::sign::{KeyAlgorithm, SigningKey};
use qssl_hsm::PoolOptions;

fn ca_store(hsm: &common::Hsm) -> openssl::x509::store::X509Store {
    let mut store = X509StoreBuilder::new().unwrap();
    store
        .add_cert(X509::from_der(&hsm.ca.der).unwrap())
        .unwrap();
    store.build()
}

/// A Q-SSL server on loopback with `key` and `cert` echoes four bytes to an OpenSSL
/// client that offers only `sigalg` and verifies the chain against the test CA.
/// Returns the scheme the server signed with.
fn openssl_client_against_token_key(
    hsm: &common::Hsm,
    key: Box<dyn SigningKey>,
    cert: Vec<u8>,
    sigalg: &str,
) -> SignatureScheme {
    openssl_client_against_token_key_in(hsm, key, cert, sigalg, SslVersion::TLS1_3)
}

/// The same in `version`: TLS 1.3 signs the CertificateVerify on the token, TLS 1.2
/// the ServerKeyExchange.
fn openssl_client_against_token_key_in(
    hsm: &common::Hsm,
    key: Box<dyn SigningKey>,
    cert: Vec<u8>,
    sigalg: &str,
    version: SslVersion,
) -> SignatureScheme {
    let config = Arc::new(
        ServerConfig::builder()
            .with_single_cert(vec![CertificateDer::from(cert.clone())], key)
            .with_tls12()
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

    let mut connector = SslConnector::builder(SslMethod::tls_client()).unwrap();
    connector.set_min_proto_version(Some(version)).unwrap();
    connector.set_max_proto_version(Some(version)).unwrap();
    connector.set_sigalgs_list(sigalg).unwrap();
    connector.set_verify_cert_store(ca_store(hsm)).unwrap();
    connector.set_verify(SslVerifyMode::PEER);
    let sock = TcpStream::connect(addr).unwrap();
    sock.set_read_timeout(Some(Duration::from_secs(20)))
        .unwrap();
    let mut tls = connector
        .build()
        .connect("localhost", sock)
        .unwrap_or_else(|e| panic!("OpenSSL client ({sigalg}): {e}"));
    tls.write_all(b"ping").unwrap();
    let mut echo = [0u8; 4];
    tls.read_exact(&mut echo).unwrap();
    assert_eq!(&echo, b"ping");
    // What OpenSSL saw: the token's certificate, verified up to the test CA.
    assert_eq!(
        tls.ssl().verify_result(),
        openssl::x509::X509VerifyResult::OK
    );
    assert_eq!(
        tls.ssl().peer_certificate().unwrap().to_der().unwrap(),
        cert
    );
    server.join().unwrap()
}

#[test]
fn openssl_completes_handshakes_signed_on_the_token() {
    let Some(hsm) = common::hsm("openssl_completes_handshakes_signed_on_the_token") else {
        return;
    };
    for (algorithm, label, sigalg, scheme) in [
        (
            KeyAlgorithm::EcdsaP384,
            "tls-p384",
            "ecdsa_secp384r1_sha384",
            SignatureScheme::ECDSA_SECP384R1_SHA384,
        ),
        (
            KeyAlgorithm::EcdsaP256,
            "tls-p256",
            "ecdsa_secp256r1_sha256",
            SignatureScheme::ECDSA_SECP256R1_SHA256,
        ),
        (
            KeyAlgorithm::Ed25519,
            "tls-ed25519",
            "ed25519",
            SignatureScheme::ED25519,
        ),
        (
            KeyAlgorithm::Rsa,
            "tls-rsa",
            "rsa_pss_rsae_sha256",
            SignatureScheme::RSA_PSS_RSAE_SHA256,
        ),
        (
            KeyAlgorithm::Rsa,
            "tls-rsa384",
            "rsa_pss_rsae_sha384",
            SignatureScheme::RSA_PSS_RSAE_SHA384,
        ),
        (
            KeyAlgorithm::Rsa,
            "tls-rsa512",
            "rsa_pss_rsae_sha512",
            SignatureScheme::RSA_PSS_RSAE_SHA512,
        ),
    ] {
        let (key, cert) = hsm.key_with_certificate(algorithm, label);
        let signed = openssl_client_against_token_key(hsm, Box::new(key), cert, sigalg);
        assert_eq!(signed, scheme, "{label}");
    }
}

/// TLS 1.2: the ServerKeyExchange is signed on the token (ECDSA P-256 and RSA-PSS),
/// and OpenSSL's TLS 1.2 client verifies it.
#[test]
fn openssl_tls12_server_key_exchange_signed_on_the_token() {
    let Some(hsm) = common::hsm("openssl_tls12_server_key_exchange_signed_on_the_token") else {
        return;
    };
    for (algorithm, label, sigalg, scheme) in [
        (
            KeyAlgorithm::EcdsaP256,
            "tls12-p256",
            "ecdsa_secp256r1_sha256",
            SignatureScheme::ECDSA_SECP256R1_SHA256,
        ),
        (
            KeyAlgorithm::Rsa,
            "tls12-rsa",
            "rsa_pss_rsae_sha256",
            SignatureScheme::RSA_PSS_RSAE_SHA256,
        ),
    ] {
        let (key, cert) = hsm.key_with_certificate(algorithm, label);
        let signed = openssl_client_against_token_key_in(
            hsm,
            Box::new(key),
            cert,
            sigalg,
            SslVersion::TLS1_2,
        );
        assert_eq!(signed, scheme, "{label}");
    }
}

#[test]
fn mutual_tls_with_the_client_key_on_the_token() {
    let Some(hsm) = common::hsm("mutual_tls_with_the_client_key_on_the_token") else {
        return;
    };
    let (client_key, client_cert) = hsm.key_with_certificate(KeyAlgorithm::EcdsaP384, "client");

    // OpenSSL server with a software key, demanding a client certificate from the CA.
    let server_key = keys::generate(KeyAlgorithm::EcdsaP256).unwrap();
    let server_cert = hsm.certificate(&server_key.public_key_spki());
    let mut ctx = SslContextBuilder::new(SslMethod::tls_server()).unwrap();
    ctx.set_min_proto_version(Some(SslVersion::TLS1_3)).unwrap();
    ctx.set_certificate(&X509::from_der(&server_cert).unwrap())
        .unwrap();
    ctx.set_private_key(
        &PKey::private_key_from_pem(server_key.to_pkcs8_pem().unwrap().as_bytes()).unwrap(),
    )
    .unwrap();
    ctx.set_verify_cert_store(ca_store(hsm)).unwrap();
    ctx.set_verify(SslVerifyMode::PEER | SslVerifyMode::FAIL_IF_NO_PEER_CERT);
    let ctx = ctx.build();
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let server = std::thread::spawn(move || {
        let (sock, _) = listener.accept().unwrap();
        sock.set_read_timeout(Some(Duration::from_secs(20)))
            .unwrap();
        let ssl = openssl::ssl::Ssl::new(&ctx).unwrap();
        let mut tls = SslStream::new(ssl, sock).unwrap();
        tls.accept()
            .unwrap_or_else(|e| panic!("OpenSSL server: {e}"));
        let mut buf = [0u8; 4];
        tls.read_exact(&mut buf).unwrap();
        tls.write_all(&buf).unwrap();
        assert_eq!(
            tls.ssl().verify_result(),
            openssl::x509::X509VerifyResult::OK
        );
        tls.ssl().peer_certificate().unwrap().to_der().unwrap()
    });

    let mut roots = RootCertStore::new();
    roots.add(CertificateDer::from(hsm.ca.der.clone())).unwrap();
    let config = Arc::new(
        ClientConfig::builder()
            .with_root_certificates(Arc::new(roots))
            .with_client_auth_cert(
                vec![CertificateDer::from(client_cert.clone())],
                Box::new(client_key),
            )
            .build()
            .unwrap(),
    );
    let sock = TcpStream::connect(addr).unwrap();
    sock.set_read_timeout(Some(Duration::from_secs(20)))
        .unwrap();
    let conn = ClientConnection::new(config, ServerName::try_from("localhost").unwrap()).unwrap();
    let mut tls = StreamOwned::new(conn, sock);
    tls.write_all(b"mtls").unwrap();
    let mut echo = [0u8; 4];
    tls.read_exact(&mut echo).unwrap();
    assert_eq!(&echo, b"mtls");
    let summary = tls.conn.handshake_summary().unwrap();
    assert_eq!(
        summary.client_signature_scheme,
        Some(SignatureScheme::ECDSA_SECP384R1_SHA384)
    );
    // What OpenSSL verified: the token key's certificate.
    assert_eq!(server.join().unwrap(), client_cert);
}

#[test]
fn sixty_four_handshakes_from_eight_threads_through_one_token() {
    let Some(hsm) = common::hsm("sixty_four_handshakes_from_eight_threads_through_one_token")
    else {
        return;
    };
    // A token of its own with a pool smaller than the thread count, so that
    // signers wait for sessions.
    let token = hsm
        .module
        .open_token(
            &qssl_hsm::TokenSelector::Label(common::LABEL.into()),
            common::pin(),
            PoolOptions {
                max_sessions: 3,
                wait: Duration::from_secs(30),
            },
        )
        .unwrap();
    hsm.generate(KeyAlgorithm::EcdsaP256, "busy", b"busy");
    let bare = qssl_hsm::Pkcs11SigningKey::without_certificate(
        &token,
        &qssl_hsm::KeySelector::Label("busy".into()),
    )
    .unwrap();
    let cert = hsm.certificate(&bare.public_key_spki());
    let key = qssl_hsm::Pkcs11SigningKey::new(
        &token,
        &qssl_hsm::KeySelector::Label("busy".into()),
        &cert,
    )
    .unwrap();
    let server_config = Arc::new(
        ServerConfig::builder()
            .with_single_cert(vec![CertificateDer::from(cert.clone())], Box::new(key))
            .build()
            .unwrap(),
    );
    let mut roots = RootCertStore::new();
    roots.add(CertificateDer::from(hsm.ca.der.clone())).unwrap();
    let client_config = Arc::new(
        ClientConfig::builder()
            .with_root_certificates(Arc::new(roots))
            .without_resumption()
            .build()
            .unwrap(),
    );
    let threads: Vec<_> = (0..8)
        .map(|_| {
            let server_config = Arc::clone(&server_config);
            let client_config = Arc::clone(&client_config);
            let cert = cert.clone();
            std::thread::spawn(move || {
                for _ in 0..8 {
                    let mut client = ClientConnection::new(
                        Arc::clone(&client_config),
                        ServerName::try_from("localhost").unwrap(),
                    )
                    .unwrap();
                    let mut server = ServerConnection::new(Arc::clone(&server_config)).unwrap();
                    // The facade's in-memory pair loop (qssl::testing).
                    let (c, s) = qssl::testing::run(&mut client, &mut server);
                    c.unwrap();
                    s.unwrap();
                    assert!(!client.is_handshaking() && !server.is_handshaking());
                    // The client verified the chain and the token's signature.
                    assert_eq!(
                        client.peer_signature_scheme(),
                        Some(SignatureScheme::ECDSA_SECP256R1_SHA256)
                    );
                    assert_eq!(client.peer_certificates().unwrap()[0].as_ref(), cert);
                }
                8
            })
        })
        .collect();
    let done: usize = threads.into_iter().map(|t| t.join().unwrap()).sum();
    assert_eq!(done, 64);
    assert!(token.open_sessions() <= 3, "{}", token.open_sessions());
}

//! Each way a token key can be unavailable ends in its own error: at configuration
//! time where it can be known then, and as an internal_error alert (never a hang)
//! when the token disappears in the middle of a handshake.

mod common;

use std::io::Read;
use std::net::{TcpListener, TcpStream};
use std::sync::Arc;
use std::time::Duration;

use openssl::ssl::{SslConnector, SslMethod, SslVerifyMode, SslVersion};
use openssl::x509::X509;
use openssl::x509::store::X509StoreBuilder;
use qssl::pki_types::CertificateDer;
use qssl::{AlertDescription, ServerConfig, ServerConnection};
use qssl_crypto::error::CryptoError;
use qssl_crypto::keys;
use qssl_crypto::sign::{KeyAlgorithm, SignatureScheme, SigningKey};
use qssl_hsm::{
    HsmError, KeySelector, Module, Pin, Pkcs11SigningKey, Pkcs11Uri, PoolOptions, TokenSelector,
};
use zeroize::Zeroizing;

#[test]
fn wrong_pin_is_refused_at_login() {
    let Some(hsm) = common::hsm("wrong_pin_is_refused_at_login") else {
        return;
    };
    // The spare token: this process has not logged in to it (login state is per
    // process and token, so a wrong PIN on a logged-in token would go unnoticed).
    let spare = TokenSelector::Label(common::SPARE_LABEL.into());
    let err = hsm
        .module
        .open_token(
            &spare,
            Pin::new(Zeroizing::new("0000".into())),
            PoolOptions::default(),
        )
        .unwrap_err();
    assert!(
        matches!(&err, HsmError::WrongPin { token } if token == common::SPARE_LABEL),
        "{err:?}"
    );
    assert!(err.to_string().contains("CKR_PIN_INCORRECT"), "{err}");
    // The same token opens with the right PIN: it was the PIN.
    hsm.module
        .open_token(&spare, common::pin(), PoolOptions::default())
        .unwrap();
}

#[test]
fn missing_token_and_module_are_named() {
    let Some(hsm) = common::hsm("missing_token_and_module_are_named") else {
        return;
    };
    let err = hsm
        .module
        .open_token(
            &TokenSelector::Label("no-such-token".into()),
            common::pin(),
            PoolOptions::default(),
        )
        .unwrap_err();
    assert!(matches!(err, HsmError::TokenNotFound { .. }), "{err:?}");
    // The message lists what is there.
    assert!(err.to_string().contains(common::LABEL), "{err}");

    let err = Module::load("/nonexistent/libpkcs11-module.so").unwrap_err();
    assert!(matches!(err, HsmError::ModuleLoad { .. }), "{err:?}");
}

#[test]
fn missing_key_is_key_not_found() {
    let Some(hsm) = common::hsm("missing_key_is_key_not_found") else {
        return;
    };
    let (_, cert) = hsm.key_with_certificate(KeyAlgorithm::EcdsaP256, "present");
    let err =
        Pkcs11SigningKey::new(&hsm.token, &KeySelector::Label("absent".into()), &cert).unwrap_err();
    assert!(
        matches!(&err, HsmError::KeyNotFound { wanted, .. } if wanted.contains("absent")),
        "{err:?}"
    );
    let uri: Pkcs11Uri = format!("pkcs11:token={};id=%de%ad;type=private", common::LABEL)
        .parse()
        .unwrap();
    let err = Pkcs11SigningKey::from_uri(
        &uri,
        Some(&hsm.module),
        common::pin(),
        PoolOptions::default(),
        &cert,
    )
    .unwrap_err();
    assert!(matches!(err, HsmError::KeyNotFound { .. }), "{err:?}");
}

#[test]
fn ml_dsa_on_softhsm2_is_a_missing_mechanism() {
    let Some(hsm) = common::hsm("ml_dsa_on_softhsm2_is_a_missing_mechanism") else {
        return;
    };
    // An ML-DSA-65 certificate (for a software key: SoftHSM2 cannot hold one).
    let software = keys::generate(KeyAlgorithm::MlDsa65).unwrap();
    let cert = hsm.certificate(&software.public_key_spki());
    let err =
        Pkcs11SigningKey::new(&hsm.token, &KeySelector::Label("mldsa".into()), &cert).unwrap_err();
    assert!(
        matches!(
            &err,
            HsmError::MissingMechanism {
                algorithm: KeyAlgorithm::MlDsa65,
                mechanism: "CKM_ML_DSA",
                ..
            }
        ),
        "{err:?}"
    );
    for algorithm in [
        KeyAlgorithm::MlDsa44,
        KeyAlgorithm::MlDsa65,
        KeyAlgorithm::MlDsa87,
    ] {
        assert!(matches!(
            qssl_hsm::token_schemes(&hsm.token, algorithm),
            Err(HsmError::MissingMechanism { .. })
        ));
    }
    // The classical algorithms are there.
    assert_eq!(
        qssl_hsm::token_schemes(&hsm.token, KeyAlgorithm::Ed25519).unwrap(),
        vec![SignatureScheme::ED25519]
    );
}

#[test]
fn a_certificate_for_another_key_is_refused_at_configuration() {
    let Some(hsm) = common::hsm("a_certificate_for_another_key_is_refused_at_configuration") else {
        return;
    };
    let (_, cert_a) = hsm.key_with_certificate(KeyAlgorithm::EcdsaP256, "a");
    hsm.key_with_certificate(KeyAlgorithm::EcdsaP256, "b");
    hsm.key_with_certificate(KeyAlgorithm::Ed25519, "ed");
    // Same algorithm, other key.
    let err =
        Pkcs11SigningKey::new(&hsm.token, &KeySelector::Label("b".into()), &cert_a).unwrap_err();
    assert!(
        matches!(
            err,
            HsmError::CertificateMismatch {
                detail: "the public key differs from the certificate's",
                ..
            }
        ),
        "{err:?}"
    );
    // Other algorithm.
    let err =
        Pkcs11SigningKey::new(&hsm.token, &KeySelector::Label("ed".into()), &cert_a).unwrap_err();
    assert!(
        matches!(
            err,
            HsmError::CertificateMismatch {
                detail: "the key algorithm differs from the certificate's",
                ..
            }
        ),
        "{err:?}"
    );
    // A software key's certificate: same algorithm, never on the token.
    let software = keys::generate(KeyAlgorithm::EcdsaP256).unwrap();
    let cert = hsm.certificate(&software.public_key_spki());
    assert!(matches!(
        Pkcs11SigningKey::new(&hsm.token, &KeySelector::Label("a".into()), &cert),
        Err(HsmError::CertificateMismatch { .. })
    ));
}

#[test]
fn token_gone_mid_handshake_ends_with_internal_error() {
    let Some(hsm) = common::hsm("token_gone_mid_handshake_ends_with_internal_error") else {
        return;
    };
    let (key, cert) = hsm.key_with_certificate(KeyAlgorithm::EcdsaP256, "vanishing");
    let (witness, _) = hsm.key_with_certificate(KeyAlgorithm::EcdsaP256, "witness");
    let config = Arc::new(
        ServerConfig::builder()
            .with_single_cert(vec![CertificateDer::from(cert)], Box::new(key))
            .build()
            .unwrap(),
    );
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let module = hsm.module.clone();
    let server = std::thread::spawn(move || {
        let (mut sock, _) = listener.accept().unwrap();
        sock.set_read_timeout(Some(Duration::from_secs(20)))
            .unwrap();
        // Wait for the whole ClientHello record before touching the connection.
        let mut hello = Vec::new();
        let mut buf = [0u8; 4096];
        while hello.len() < 5
            || hello.len() < 5 + usize::from(u16::from_be_bytes([hello[3], hello[4]]))
        {
            let n = sock.read(&mut buf).unwrap();
            assert!(n > 0, "client went away");
            hello.extend_from_slice(&buf[..n]);
        }
        // The token goes away while the handshake is in progress: the module is
        // finalised under the server (every session and login gone).
        module.context().clone().finalize().unwrap();
        let mut conn = ServerConnection::new(config).unwrap();
        conn.read_tls(&mut hello.as_slice()).unwrap();
        let err = conn.process_new_packets().unwrap_err();
        while conn.wants_write() {
            conn.write_tls(&mut sock).unwrap();
        }
        err
    });

    let mut store = X509StoreBuilder::new().unwrap();
    store
        .add_cert(X509::from_der(&hsm.ca.der).unwrap())
        .unwrap();
    let mut connector = SslConnector::builder(SslMethod::tls_client()).unwrap();
    connector
        .set_min_proto_version(Some(SslVersion::TLS1_3))
        .unwrap();
    connector.set_verify_cert_store(store.build()).unwrap();
    connector.set_verify(SslVerifyMode::PEER);
    let sock = TcpStream::connect(addr).unwrap();
    // A hang would fail here, after 20 s, instead of passing.
    sock.set_read_timeout(Some(Duration::from_secs(20)))
        .unwrap();
    let client_err = match connector.build().connect("localhost", sock) {
        Ok(_) => panic!("the handshake completed without the token"),
        Err(e) => e.to_string(),
    };
    // What OpenSSL received: an internal_error alert.
    assert!(
        client_err.contains("alert internal error"),
        "OpenSSL said: {client_err}"
    );

    let server_err = server.join().unwrap();
    assert_eq!(server_err.alert(), Some(AlertDescription::INTERNAL_ERROR));
    assert_eq!(
        server_err,
        qssl::Error::Handshake(
            CryptoError::SigningFailed("PKCS#11 (token removed or device error)").into()
        )
    );
    // A key on the same token says why, in full.
    let err = witness
        .try_sign(SignatureScheme::ECDSA_SECP256R1_SHA256, b"m")
        .unwrap_err();
    assert!(matches!(err, HsmError::TokenGone { .. }), "{err:?}");
}

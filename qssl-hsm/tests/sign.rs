//! Signatures made on a SoftHSM2 token verify with qssl-crypto's software verifiers.

mod common;

use qssl_crypto::sign::{self, SignatureScheme, SigningKey};
use qssl_hsm::{KeySelector, Pkcs11SigningKey};

#[test]
fn every_algorithm_signs_and_the_software_verifier_accepts() {
    let Some(hsm) = common::hsm("every_algorithm_signs_and_the_software_verifier_accepts") else {
        return;
    };
    let message = b"TLS 1.3, server CertificateVerify\x00 and a transcript hash";
    for (algorithm, label) in common::ALGORITHMS {
        let (key, cert) = hsm.key_with_certificate(algorithm, label);
        assert_eq!(key.algorithm(), algorithm);
        assert!(!key.schemes().is_empty(), "{algorithm:?} offers no scheme");
        let public = qssl_crypto::keys::subject_public_key(&key.public_key_spki()).unwrap();
        // The SPKI built from the token's attributes is the one inside the certificate.
        let spki = key.public_key_spki();
        assert!(cert.windows(spki.len()).any(|w| w == spki.as_slice()));
        for &scheme in key.schemes() {
            let signature = key.sign(scheme, message).unwrap();
            let verifier = sign::verifier_for(scheme).unwrap();
            verifier
                .verify(&public, message, &signature)
                .unwrap_or_else(|e| panic!("{scheme:?}: {e}"));
            // And not over another message: the verifier is really checking.
            assert!(
                verifier
                    .verify(&public, b"another message", &signature)
                    .is_err()
            );
        }
    }
}

#[test]
fn rsa_offers_the_pss_schemes_the_token_lists() {
    let Some(hsm) = common::hsm("rsa_offers_the_pss_schemes_the_token_lists") else {
        return;
    };
    let (key, _) = hsm.key_with_certificate(qssl_crypto::sign::KeyAlgorithm::Rsa, "rsa");
    // SoftHSM2 lists CKM_RSA_PKCS_PSS and CKM_SHA512_RSA_PKCS_PSS.
    assert_eq!(
        key.schemes(),
        &[
            SignatureScheme::RSA_PSS_RSAE_SHA256,
            SignatureScheme::RSA_PSS_RSAE_SHA384,
            SignatureScheme::RSA_PSS_RSAE_SHA512
        ]
    );
    // A scheme the key was not made for is refused, not signed.
    assert!(
        key.sign(SignatureScheme::ECDSA_SECP256R1_SHA256, b"m")
            .is_err()
    );
    assert!(key.sign(SignatureScheme::RSA_PKCS1_SHA256, b"m").is_err());
}

#[test]
fn keys_are_found_by_id_and_by_uri() {
    let Some(hsm) = common::hsm("keys_are_found_by_id_and_by_uri") else {
        return;
    };
    let (by_label, cert) =
        hsm.key_with_certificate(qssl_crypto::sign::KeyAlgorithm::EcdsaP256, "by-id");
    let id: Vec<u8> = "by-id".bytes().rev().collect();
    let by_id = Pkcs11SigningKey::new(&hsm.token, &KeySelector::Id(id.clone()), &cert).unwrap();
    assert_eq!(by_id.public_key_spki(), by_label.public_key_spki());

    let mut uri = qssl_hsm::Pkcs11Uri::new();
    uri.set_path_attribute("token", common::LABEL.as_bytes())
        .set_path_attribute("id", &id)
        .set_path_attribute("type", b"private")
        .add_query_attribute("module-path", hsm.module_path.to_str().unwrap().as_bytes());
    let uri: qssl_hsm::Pkcs11Uri = uri.to_string().parse().unwrap();
    let by_uri = Pkcs11SigningKey::from_uri(
        &uri,
        None,
        common::pin(),
        qssl_hsm::PoolOptions::default(),
        &cert,
    )
    .unwrap();
    let signature = by_uri
        .sign(SignatureScheme::ECDSA_SECP256R1_SHA256, b"via URI")
        .unwrap();
    let public = qssl_crypto::keys::subject_public_key(&by_uri.public_key_spki()).unwrap();
    sign::ECDSA_P256_SHA256
        .verify(&public, b"via URI", &signature)
        .unwrap();

    // The token by slot id, the key by label, the module given by the caller.
    let uri: qssl_hsm::Pkcs11Uri = format!(
        "pkcs11:slot-id={};object=by-id;type=private",
        hsm.token.slot_id()
    )
    .parse()
    .unwrap();
    let by_slot = Pkcs11SigningKey::from_uri(
        &uri,
        Some(&hsm.module),
        common::pin(),
        qssl_hsm::PoolOptions::default(),
        &cert,
    )
    .unwrap();
    assert_eq!(by_slot.public_key_spki(), by_label.public_key_spki());

    // A PIN inside the URI is refused, not used.
    let uri: qssl_hsm::Pkcs11Uri = format!(
        "pkcs11:token={};object=by-id?pin-value={}",
        common::LABEL,
        common::PIN
    )
    .parse()
    .unwrap();
    let err = Pkcs11SigningKey::from_uri(
        &uri,
        Some(&hsm.module),
        common::pin(),
        qssl_hsm::PoolOptions::default(),
        &cert,
    )
    .unwrap_err();
    assert!(
        matches!(
            err,
            qssl_hsm::HsmError::Uri(qssl_hsm::UriError::PinInUri("pin-value"))
        ),
        "{err:?}"
    );
}

#[test]
fn a_logged_out_pool_logs_in_again_on_fresh_sessions() {
    let Some(hsm) = common::hsm("a_logged_out_pool_logs_in_again_on_fresh_sessions") else {
        return;
    };
    let (key, _) = hsm.key_with_certificate(qssl_crypto::sign::KeyAlgorithm::EcdsaP256, "relogin");
    let public = qssl_crypto::keys::subject_public_key(&key.public_key_spki()).unwrap();
    let scheme = SignatureScheme::ECDSA_SECP256R1_SHA256;
    key.sign(scheme, b"before").unwrap();
    // C_Logout on any session logs the whole process out of the token: every pooled
    // session loses access to the private key.
    common::rw_session(hsm).logout().unwrap();
    let signature = key.try_sign(scheme, b"after").unwrap();
    sign::ECDSA_P256_SHA256
        .verify(&public, b"after", &signature)
        .unwrap();
}

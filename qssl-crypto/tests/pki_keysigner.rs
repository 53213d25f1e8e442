//! Certificates signed through `KeySigner` with Q-SSL's own keys: every key
//! algorithm issues a root and a leaf whose signatures verify with the matching
//! `SignatureVerifier`, under the AlgorithmIdentifier the verifier answers to.

use der::{Decode, Encode};
use qssl_crypto::keys::generate;
use qssl_crypto::pki::{CertificateParams, CertificateRole, KeySigner, issue, self_signed};
use qssl_crypto::sign::{KeyAlgorithm, SignatureScheme, SigningKey, verifier_for};

const NOT_BEFORE: u64 = 1_700_000_000;
const NOT_AFTER: u64 = 4_000_000_000;

fn check(alg: KeyAlgorithm, scheme: SignatureScheme) {
    let root_key = generate(alg).unwrap();
    let leaf_key = generate(alg).unwrap();

    let mut root_params = CertificateParams::new("Q-SSL test root", &[1], NOT_BEFORE, NOT_AFTER);
    root_params.role = CertificateRole::Ca { path_len: None };
    let root = self_signed(&root_params, &KeySigner(&root_key)).unwrap();

    let mut leaf_params = CertificateParams::new("localhost", &[2], NOT_BEFORE, NOT_AFTER);
    leaf_params.dns_names = vec!["localhost".into()];
    let leaf = issue(
        &leaf_params,
        &leaf_key.public_key_spki(),
        &root.der,
        &KeySigner(&root_key),
    )
    .unwrap();

    let verifier = verifier_for(scheme).unwrap();
    for cert in [&root, &leaf] {
        let parsed = x509_cert::Certificate::from_der(&cert.der).unwrap();
        let tbs = parsed.tbs_certificate().to_der().unwrap();
        let signature = parsed.signature().raw_bytes();
        // The certificate names exactly the algorithm the verifier answers to.
        let alg_id = parsed.signature_algorithm().to_der().unwrap();
        assert_eq!(
            &alg_id[2..],
            verifier.signature_alg_id().as_ref(),
            "{alg:?}"
        );
        verifier
            .verify(&root_key.public_key_raw(), &tbs, signature)
            .unwrap();

        let mut tampered = tbs.clone();
        let last = tampered.len() - 1;
        tampered[last] ^= 1;
        assert!(
            verifier
                .verify(&root_key.public_key_raw(), &tampered, signature)
                .is_err()
        );
    }
    // The leaf carries the leaf key, not the issuer's.
    let parsed = x509_cert::Certificate::from_der(&leaf.der).unwrap();
    let spki = parsed
        .tbs_certificate()
        .subject_public_key_info()
        .to_der()
        .unwrap();
    assert_eq!(spki, leaf_key.public_key_spki());
}

#[test]
fn every_key_algorithm_signs_certificates() {
    check(KeyAlgorithm::MlDsa44, SignatureScheme::MLDSA44);
    check(KeyAlgorithm::MlDsa65, SignatureScheme::MLDSA65);
    check(KeyAlgorithm::MlDsa87, SignatureScheme::MLDSA87);
    check(
        KeyAlgorithm::EcdsaP256,
        SignatureScheme::ECDSA_SECP256R1_SHA256,
    );
    check(
        KeyAlgorithm::EcdsaP384,
        SignatureScheme::ECDSA_SECP384R1_SHA384,
    );
    check(KeyAlgorithm::Ed25519, SignatureScheme::ED25519);
    check(KeyAlgorithm::Rsa, SignatureScheme::RSA_PSS_RSAE_SHA256);
}

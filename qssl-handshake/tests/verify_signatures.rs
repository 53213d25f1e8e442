//! TLS 1.3 CertificateVerify signatures checked against the certificate's key:
//! real signatures of every key type verify; tampered ones, schemes that do not fit
//! the key, PKCS#1 and unknown schemes are refused with their exact error and alert.

mod verify_support;

use qssl_alert::AlertDescription;
use qssl_crypto::ids::SignatureScheme;
use qssl_crypto::provider::default_provider;
use qssl_crypto::sign::{KeyAlgorithm, SigningKey};
use qssl_handshake::verify::danger::NoServerVerification;
use qssl_handshake::verify::{
    CertificateDer, CertificateError, ClientCertVerifier, ServerCertVerifier, WebPkiClientVerifier,
    WebPkiServerVerifier,
};
use verify_support::*;

/// RFC 8446 §4.4.3: 64 spaces ‖ context string ‖ 0 ‖ transcript hash.
fn signed_content(context: &[u8], transcript_hash: &[u8]) -> Vec<u8> {
    let mut m = vec![0x20; 64];
    m.extend_from_slice(context);
    m.push(0);
    m.extend_from_slice(transcript_hash);
    m
}

fn server_content() -> Vec<u8> {
    signed_content(b"TLS 1.3, server CertificateVerify", &[0xab; 48])
}

/// The three verifiers that check handshake signatures, side by side.
struct Verifiers {
    server: WebPkiServerVerifier,
    client: WebPkiClientVerifier,
    none: NoServerVerification,
}

impl Verifiers {
    fn new() -> Self {
        let p = default_provider();
        let roots = roots(&[]);
        Self {
            server: WebPkiServerVerifier::new(roots.clone(), &p),
            client: WebPkiClientVerifier::new(roots, &p, true),
            none: NoServerVerification::new(&p),
        }
    }

    /// All three must agree; returns their common answer.
    #[track_caller]
    fn check(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        scheme: SignatureScheme,
        signature: &[u8],
    ) -> Result<(), CertificateError> {
        let a = self
            .server
            .verify_tls13_signature(message, cert, scheme, signature);
        let b = self
            .client
            .verify_tls13_signature(message, cert, scheme, signature);
        let c = self
            .none
            .verify_tls13_signature(message, cert, scheme, signature);
        assert_eq!(a, b, "{scheme:?}");
        assert_eq!(a, c, "{scheme:?}");
        a
    }
}

#[track_caller]
fn refused(result: Result<(), CertificateError>, error: CertificateError, alert: AlertDescription) {
    assert_eq!(result, Err(error));
    assert_eq!(error.alert(), alert, "{error:?}");
}

#[test]
fn real_signatures_verify_and_tampered_ones_do_not() {
    let v = Verifiers::new();
    let message = server_content();
    for alg in ALGORITHMS {
        let root = root(alg);
        let leaf = leaf(alg, &root);
        let schemes: Vec<SignatureScheme> = leaf
            .key
            .schemes()
            .iter()
            .copied()
            .filter(|s| s.usable_in_tls13_handshake())
            .collect();
        assert!(!schemes.is_empty(), "{alg:?}");
        for scheme in schemes {
            let signature = leaf.key.sign(scheme, &message).unwrap();
            v.check(&message, &leaf.cert, scheme, &signature)
                .unwrap_or_else(|e| panic!("{alg:?} {scheme:?}: {e:?}"));

            // One flipped bit in the signature (the middle, so DER-encoded ECDSA
            // still parses and the check reaches the arithmetic).
            let mut tampered = signature.clone();
            let mid = tampered.len() / 2;
            tampered[mid] ^= 0x01;
            refused(
                v.check(&message, &leaf.cert, scheme, &tampered),
                CertificateError::BadHandshakeSignature,
                AlertDescription::DECRYPT_ERROR,
            );
            // The right signature over other content (the client's context string).
            let other = signed_content(b"TLS 1.3, client CertificateVerify", &[0xab; 48]);
            refused(
                v.check(&other, &leaf.cert, scheme, &signature),
                CertificateError::BadHandshakeSignature,
                AlertDescription::DECRYPT_ERROR,
            );
            // Truncated and empty signatures.
            for bad in [&signature[..signature.len() - 1], &[][..]] {
                refused(
                    v.check(&message, &leaf.cert, scheme, bad),
                    CertificateError::BadHandshakeSignature,
                    AlertDescription::DECRYPT_ERROR,
                );
            }
        }
    }
}

#[test]
fn scheme_that_does_not_fit_the_key() {
    let v = Verifiers::new();
    let message = server_content();
    let cases = [
        // The classic: a P-384 key claiming the P-256 scheme, and the reverse.
        (
            KeyAlgorithm::EcdsaP384,
            SignatureScheme::ECDSA_SECP256R1_SHA256,
        ),
        (
            KeyAlgorithm::EcdsaP256,
            SignatureScheme::ECDSA_SECP384R1_SHA384,
        ),
        (KeyAlgorithm::MlDsa44, SignatureScheme::MLDSA65),
        (KeyAlgorithm::MlDsa87, SignatureScheme::MLDSA65),
        (KeyAlgorithm::Ed25519, SignatureScheme::MLDSA65),
        (KeyAlgorithm::MlDsa65, SignatureScheme::ED25519),
        (KeyAlgorithm::Rsa, SignatureScheme::ECDSA_SECP256R1_SHA256),
        (
            KeyAlgorithm::EcdsaP256,
            SignatureScheme::RSA_PSS_RSAE_SHA256,
        ),
    ];
    for (alg, scheme) in cases {
        let root = root(KeyAlgorithm::Ed25519);
        let leaf = leaf(alg, &root);
        // A genuine signature of the key, under its own scheme, presented as `scheme`.
        let own = leaf.key.schemes()[0];
        let signature = leaf.key.sign(own, &message).unwrap();
        refused(
            v.check(&message, &leaf.cert, scheme, &signature),
            CertificateError::HandshakeSignatureKeyMismatch,
            AlertDescription::ILLEGAL_PARAMETER,
        );
    }
}

#[test]
fn schemes_not_allowed_in_tls13_or_unknown() {
    let v = Verifiers::new();
    let message = server_content();
    let root = root(KeyAlgorithm::Rsa);
    let leaf = leaf(KeyAlgorithm::Rsa, &root);
    let signature = leaf
        .key
        .sign(SignatureScheme::RSA_PSS_RSAE_SHA256, &message)
        .unwrap();
    for scheme in [
        SignatureScheme::RSA_PKCS1_SHA256,
        SignatureScheme::RSA_PKCS1_SHA384,
        SignatureScheme::RSA_PKCS1_SHA512,
        // rsa_pss_pss_sha256 (not implemented), ecdsa_sha1, and an unassigned value.
        SignatureScheme(0x0809),
        SignatureScheme(0x0203),
        SignatureScheme(0xfefe),
    ] {
        refused(
            v.check(&message, &leaf.cert, scheme, &signature),
            CertificateError::UnsupportedHandshakeSignatureScheme,
            AlertDescription::ILLEGAL_PARAMETER,
        );
    }
}

#[test]
fn scheme_missing_from_the_provider() {
    let mut provider = default_provider();
    provider
        .signature_verifiers
        .retain(|v| v.scheme() != SignatureScheme::ED25519);
    let v = WebPkiServerVerifier::new(roots(&[]), &provider);
    let root = root(KeyAlgorithm::Ed25519);
    let leaf = leaf(KeyAlgorithm::Ed25519, &root);
    let message = server_content();
    let signature = leaf.key.sign(SignatureScheme::ED25519, &message).unwrap();
    refused(
        v.verify_tls13_signature(&message, &leaf.cert, SignatureScheme::ED25519, &signature),
        CertificateError::UnsupportedHandshakeSignatureScheme,
        AlertDescription::ILLEGAL_PARAMETER,
    );
    assert!(
        !v.supported_verify_schemes()
            .contains(&SignatureScheme::ED25519)
    );
}

#[test]
fn garbage_certificate() {
    let v = Verifiers::new();
    refused(
        v.check(
            &server_content(),
            &CertificateDer::from(vec![0x30, 0x01, 0x00]),
            SignatureScheme::ED25519,
            &[0; 64],
        ),
        CertificateError::BadEncoding,
        AlertDescription::BAD_CERTIFICATE,
    );
}

#[test]
fn supported_verify_schemes_are_tls13_only_in_provider_order() {
    let v = Verifiers::new();
    let expected = [
        SignatureScheme::MLDSA65,
        SignatureScheme::MLDSA44,
        SignatureScheme::MLDSA87,
        SignatureScheme::ECDSA_SECP384R1_SHA384,
        SignatureScheme::ECDSA_SECP256R1_SHA256,
        SignatureScheme::ED25519,
        SignatureScheme::RSA_PSS_RSAE_SHA256,
        SignatureScheme::RSA_PSS_RSAE_SHA384,
        SignatureScheme::RSA_PSS_RSAE_SHA512,
    ];
    assert_eq!(v.server.supported_verify_schemes(), expected);
    assert_eq!(v.client.supported_verify_schemes(), expected);
    assert_eq!(v.none.supported_verify_schemes(), expected);
}

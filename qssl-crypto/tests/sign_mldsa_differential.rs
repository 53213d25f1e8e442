//! Differential check of independent ML-DSA implementations: every provider's signer
//! and verifier (RustCrypto `ml-dsa`, aws-lc) against `pqcrypto-mldsa` (PQClean), both
//! directions, for ML-DSA-44/65/87, with the same key pair.

mod common;

use pqcrypto_traits::sign::{DetachedSignature as _, PublicKey as _, SecretKey as _};
use qssl_crypto::keys::MlDsaKeyForm;
use qssl_crypto::sign::{KeyAlgorithm, SignatureScheme};

/// The expandedKey bytes of a key, via its PKCS#8 export (OCTET STRING after the
/// `04 82 xx xx` header at the end of the structure).
fn expanded_of(key: &dyn common::Key, len: usize) -> Vec<u8> {
    let der = key.to_pkcs8_der_with_form(MlDsaKeyForm::Expanded).unwrap();
    der[der.len() - len..].to_vec()
}

macro_rules! differential {
    ($test:ident, $module:ident, $alg:ident, $scheme:ident, $sk_len:expr) => {
        #[test]
        fn $test() {
            use pqcrypto_mldsa::$module as pq;
            for b in common::backends() {
                let verifier = b.verifier(SignatureScheme::$scheme);
                let messages: [&[u8]; 3] =
                    [b"", b"TLS 1.3, server CertificateVerify", &[0xa5; 1000]];

                // Our key, signed by us, verified by PQClean.
                let ours = (b.generate)(KeyAlgorithm::$alg).unwrap();
                let public_key = ours.public_key_raw();
                let pq_public = pq::PublicKey::from_bytes(&public_key).unwrap();
                for message in messages {
                    let signature = ours.sign(SignatureScheme::$scheme, message).unwrap();
                    let pq_signature = pq::DetachedSignature::from_bytes(&signature).unwrap();
                    pq::verify_detached_signature(&pq_signature, message, &pq_public).unwrap();
                }

                // The same secret key signs in PQClean; our verifier accepts.
                let pq_secret = pq::SecretKey::from_bytes(&expanded_of(&*ours, $sk_len)).unwrap();
                for message in messages {
                    let signature = pq::detached_sign(message, &pq_secret);
                    verifier
                        .verify(&public_key, message, signature.as_bytes())
                        .unwrap();
                }

                // A PQClean key pair: PQClean signs, we verify; tampering is caught by both.
                let (pq_pk, pq_sk) = pq::keypair();
                for message in messages {
                    let signature = pq::detached_sign(message, &pq_sk);
                    verifier
                        .verify(pq_pk.as_bytes(), message, signature.as_bytes())
                        .unwrap();
                    let mut bad = signature.as_bytes().to_vec();
                    bad[7] ^= 0x10;
                    assert!(
                        verifier.verify(pq_pk.as_bytes(), message, &bad).is_err(),
                        "{}",
                        b.name
                    );
                }
            }
        }
    };
}

differential!(mldsa44_both_ways, mldsa44, MlDsa44, MLDSA44, 2560);
differential!(mldsa65_both_ways, mldsa65, MlDsa65, MLDSA65, 4032);
differential!(mldsa87_both_ways, mldsa87, MlDsa87, MLDSA87, 4896);

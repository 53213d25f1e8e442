//! Malformed signatures, keys and key files: always an error, never a panic.

use proptest::prelude::*;
use qssl_crypto::keys;
use qssl_crypto::sign::{self, KeyAlgorithm, SignatureScheme, SigningKey};
use std::sync::OnceLock;

/// One key per algorithm with a valid signature over MESSAGE, made once.
struct Case {
    scheme: SignatureScheme,
    public_key: Vec<u8>,
    signature: Vec<u8>,
}

const MESSAGE: &[u8] = b"proptest message";

fn cases() -> &'static [Case] {
    static CASES: OnceLock<Vec<Case>> = OnceLock::new();
    CASES.get_or_init(|| {
        [
            (
                KeyAlgorithm::EcdsaP256,
                SignatureScheme::ECDSA_SECP256R1_SHA256,
            ),
            (
                KeyAlgorithm::EcdsaP384,
                SignatureScheme::ECDSA_SECP384R1_SHA384,
            ),
            (KeyAlgorithm::Ed25519, SignatureScheme::ED25519),
            (KeyAlgorithm::Rsa, SignatureScheme::RSA_PSS_RSAE_SHA256),
            (KeyAlgorithm::MlDsa44, SignatureScheme::MLDSA44),
            (KeyAlgorithm::MlDsa65, SignatureScheme::MLDSA65),
            (KeyAlgorithm::MlDsa87, SignatureScheme::MLDSA87),
        ]
        .into_iter()
        .map(|(alg, scheme)| {
            let key = keys::generate(alg).unwrap();
            let signature = key.sign(scheme, MESSAGE).unwrap();
            let public_key = key.public_key_raw();
            sign::verifier_for(scheme)
                .unwrap()
                .verify(&public_key, MESSAGE, &signature)
                .unwrap();
            Case {
                scheme,
                public_key,
                signature,
            }
        })
        .collect()
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn truncated_signatures_are_rejected(which in 0usize..7, cut in 1usize..5000) {
        let case = &cases()[which];
        let keep = case.signature.len().saturating_sub(cut);
        let verifier = sign::verifier_for(case.scheme).unwrap();
        prop_assert!(verifier.verify(&case.public_key, MESSAGE, &case.signature[..keep]).is_err());
    }

    #[test]
    fn lengthened_signatures_are_rejected(which in 0usize..7, tail in proptest::collection::vec(any::<u8>(), 1..64)) {
        let case = &cases()[which];
        let mut long = case.signature.clone();
        long.extend_from_slice(&tail);
        let verifier = sign::verifier_for(case.scheme).unwrap();
        prop_assert!(verifier.verify(&case.public_key, MESSAGE, &long).is_err());
    }

    #[test]
    fn flipped_bits_are_rejected(which in 0usize..7, at in any::<prop::sample::Index>(), bit in 0u8..8) {
        let case = &cases()[which];
        let mut bad = case.signature.clone();
        let i = at.index(bad.len());
        bad[i] ^= 1 << bit;
        let verifier = sign::verifier_for(case.scheme).unwrap();
        prop_assert!(verifier.verify(&case.public_key, MESSAGE, &bad).is_err());
    }

    #[test]
    fn random_signatures_and_keys_never_panic(
        which in 0usize..12,
        key in proptest::collection::vec(any::<u8>(), 0..3000),
        signature in proptest::collection::vec(any::<u8>(), 0..5000),
    ) {
        let verifier = sign::ALL_VERIFIERS[which];
        prop_assert!(verifier.verify(&key, MESSAGE, &signature).is_err());
    }

    #[test]
    fn random_signatures_of_the_right_length_are_rejected(which in 0usize..7, seed in any::<u64>()) {
        let case = &cases()[which];
        let mut state = seed | 1;
        let random: Vec<u8> = (0..case.signature.len()).map(|_| {
            state ^= state << 13; state ^= state >> 7; state ^= state << 17; state as u8
        }).collect();
        let verifier = sign::verifier_for(case.scheme).unwrap();
        prop_assert!(verifier.verify(&case.public_key, MESSAGE, &random).is_err());
    }

    #[test]
    fn random_and_truncated_key_files_never_panic(
        bytes in proptest::collection::vec(any::<u8>(), 0..512),
        cut in 0usize..6000,
    ) {
        let _ = keys::load_private_key_der(&bytes);
        let _ = keys::load_private_key_pem(&String::from_utf8_lossy(&bytes));
        let fixture = include_bytes!("fixtures/mldsa65-both.der");
        let keep = fixture.len().saturating_sub(cut);
        if keep < fixture.len() {
            prop_assert!(keys::load_private_key_der(&fixture[..keep]).is_err());
        }
        let pem = include_str!("fixtures/p384.pem");
        let _ = keys::load_private_key_pem(&pem[..pem.len().saturating_sub(cut % pem.len())]);
    }
}

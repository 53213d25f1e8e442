//! Malformed signatures, keys and key files: always an error, never a panic, on every
//! provider (each case runs on each provider's keys and verifiers).

mod common;

use proptest::prelude::*;
use qssl_crypto::sign::{KeyAlgorithm, SignatureScheme, SignatureVerifier};
use std::sync::OnceLock;

/// One key per algorithm with a valid signature over MESSAGE, made once.
struct Case {
    verifier: &'static dyn SignatureVerifier,
    public_key: Vec<u8>,
    signature: Vec<u8>,
}

const MESSAGE: &[u8] = b"proptest message";

/// Per provider (in `common::backends()` order), one case per algorithm.
fn cases() -> &'static [Vec<Case>] {
    static CASES: OnceLock<Vec<Vec<Case>>> = OnceLock::new();
    CASES.get_or_init(|| {
        common::backends()
            .iter()
            .map(|b| {
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
                    let key = (b.generate)(alg).unwrap();
                    let signature = key.sign(scheme, MESSAGE).unwrap();
                    let public_key = key.public_key_raw();
                    let verifier = b.verifier(scheme);
                    verifier.verify(&public_key, MESSAGE, &signature).unwrap();
                    Case {
                        verifier,
                        public_key,
                        signature,
                    }
                })
                .collect()
            })
            .collect()
    })
}

/// Case `which` of every provider.
fn each(which: usize) -> impl Iterator<Item = &'static Case> {
    cases().iter().map(move |per_provider| &per_provider[which])
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn truncated_signatures_are_rejected(which in 0usize..7, cut in 1usize..5000) {
        for case in each(which) {
            let keep = case.signature.len().saturating_sub(cut);
            prop_assert!(case.verifier.verify(&case.public_key, MESSAGE, &case.signature[..keep]).is_err());
        }
    }

    #[test]
    fn lengthened_signatures_are_rejected(which in 0usize..7, tail in proptest::collection::vec(any::<u8>(), 1..64)) {
        for case in each(which) {
            let mut long = case.signature.clone();
            long.extend_from_slice(&tail);
            prop_assert!(case.verifier.verify(&case.public_key, MESSAGE, &long).is_err());
        }
    }

    #[test]
    fn flipped_bits_are_rejected(which in 0usize..7, at in any::<prop::sample::Index>(), bit in 0u8..8) {
        for case in each(which) {
            let mut bad = case.signature.clone();
            let i = at.index(bad.len());
            bad[i] ^= 1 << bit;
            prop_assert!(case.verifier.verify(&case.public_key, MESSAGE, &bad).is_err());
        }
    }

    #[test]
    fn random_signatures_and_keys_never_panic(
        which in 0usize..12,
        key in proptest::collection::vec(any::<u8>(), 0..3000),
        signature in proptest::collection::vec(any::<u8>(), 0..5000),
    ) {
        for b in common::backends() {
            let verifier = b.provider.signature_verifiers[which];
            prop_assert!(verifier.verify(&key, MESSAGE, &signature).is_err());
        }
    }

    #[test]
    fn random_signatures_of_the_right_length_are_rejected(which in 0usize..7, seed in any::<u64>()) {
        for case in each(which) {
            let mut state = seed | 1;
            let random: Vec<u8> = (0..case.signature.len()).map(|_| {
                state ^= state << 13; state ^= state >> 7; state ^= state << 17; state as u8
            }).collect();
            prop_assert!(case.verifier.verify(&case.public_key, MESSAGE, &random).is_err());
        }
    }

    #[test]
    fn random_and_truncated_key_files_never_panic(
        bytes in proptest::collection::vec(any::<u8>(), 0..512),
        cut in 0usize..6000,
    ) {
        for b in common::backends() {
            let _ = (b.load_der)(&bytes);
            let _ = (b.load_pem)(&String::from_utf8_lossy(&bytes));
            let fixture = include_bytes!("fixtures/mldsa65-both.der");
            let keep = fixture.len().saturating_sub(cut);
            if keep < fixture.len() {
                prop_assert!((b.load_der)(&fixture[..keep]).is_err());
            }
            let pem = include_str!("fixtures/p384.pem");
            let _ = (b.load_pem)(&pem[..pem.len().saturating_sub(cut % pem.len())]);
        }
    }
}

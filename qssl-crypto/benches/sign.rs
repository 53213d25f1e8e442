//! Sign and verify per signature scheme, with aws-lc-rs measured in the same run as the
//! reference for ECDSA P-384, Ed25519 and ML-DSA, called directly (`benches/providers.rs`
//! measures the aws-lc provider itself against the portable one).
//!
//! `cargo bench -p qssl-crypto --bench sign`

use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::signature::{self as aws, KeyPair as _};
use criterion::{Criterion, criterion_group, criterion_main};
use qssl_crypto::keys;
use qssl_crypto::sign::{self, KeyAlgorithm, SignatureScheme, SigningKey};
use std::hint::black_box;

/// A TLS 1.3 CertificateVerify input: 64 spaces, context string, 0, SHA-384 transcript hash.
fn certificate_verify_content() -> Vec<u8> {
    let mut m = vec![0x20; 64];
    m.extend_from_slice(b"TLS 1.3, server CertificateVerify\0");
    m.extend_from_slice(&[0xab; 48]);
    m
}

fn qssl(c: &mut Criterion) {
    let message = certificate_verify_content();
    let cases = [
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
    ];
    for (alg, scheme) in cases {
        let key = keys::generate(alg).unwrap();
        let public_key = key.public_key_raw();
        let verifier = sign::verifier_for(scheme).unwrap();
        let signature = key.sign(scheme, &message).unwrap();
        let mut group = c.benchmark_group(format!("{scheme:?}"));
        group.bench_function("qssl sign", |b| {
            b.iter(|| key.sign(scheme, black_box(&message)).unwrap())
        });
        group.bench_function("qssl verify", |b| {
            b.iter(|| {
                verifier
                    .verify(&public_key, black_box(&message), &signature)
                    .unwrap()
            })
        });
        reference(&mut group, scheme, &message);
        group.finish();
    }
}

/// aws-lc-rs doing the same work, in the same group so the report shows the ratio.
fn reference(
    group: &mut criterion::BenchmarkGroup<'_, criterion::measurement::WallTime>,
    scheme: SignatureScheme,
    message: &[u8],
) {
    let rng = SystemRandom::new();
    match scheme {
        SignatureScheme::ECDSA_SECP384R1_SHA384 => {
            let pair = aws::EcdsaKeyPair::generate(&aws::ECDSA_P384_SHA384_ASN1_SIGNING).unwrap();
            let signature = pair.sign(&rng, message).unwrap();
            let public = aws::UnparsedPublicKey::new(
                &aws::ECDSA_P384_SHA384_ASN1,
                pair.public_key().as_ref().to_vec(),
            );
            group.bench_function("aws-lc-rs sign", |b| {
                b.iter(|| pair.sign(&rng, black_box(message)).unwrap())
            });
            group.bench_function("aws-lc-rs verify", |b| {
                b.iter(|| {
                    public
                        .verify(black_box(message), signature.as_ref())
                        .unwrap()
                })
            });
        }
        SignatureScheme::ED25519 => {
            let pair = aws::Ed25519KeyPair::generate().unwrap();
            let signature = pair.sign(message);
            let public =
                aws::UnparsedPublicKey::new(&aws::ED25519, pair.public_key().as_ref().to_vec());
            group.bench_function("aws-lc-rs sign", |b| {
                b.iter(|| pair.sign(black_box(message)))
            });
            group.bench_function("aws-lc-rs verify", |b| {
                b.iter(|| {
                    public
                        .verify(black_box(message), signature.as_ref())
                        .unwrap()
                })
            });
        }
        SignatureScheme::MLDSA44 | SignatureScheme::MLDSA65 | SignatureScheme::MLDSA87 => {
            let (signing, verifying) = match scheme {
                SignatureScheme::MLDSA44 => (&aws::ML_DSA_44_SIGNING, &aws::ML_DSA_44),
                SignatureScheme::MLDSA65 => (&aws::ML_DSA_65_SIGNING, &aws::ML_DSA_65),
                _ => (&aws::ML_DSA_87_SIGNING, &aws::ML_DSA_87),
            };
            let pair = aws::PqdsaKeyPair::generate(signing).unwrap();
            let mut signature = vec![0; 4627];
            let len = pair.sign(message, &mut signature).unwrap();
            signature.truncate(len);
            let public =
                aws::UnparsedPublicKey::new(verifying, pair.public_key().as_ref().to_vec());
            let mut out = vec![0; 4627];
            group.bench_function("aws-lc-rs sign", |b| {
                b.iter(|| pair.sign(black_box(message), &mut out).unwrap())
            });
            group.bench_function("aws-lc-rs verify", |b| {
                b.iter(|| public.verify(black_box(message), &signature).unwrap())
            });
        }
        _ => {}
    }
}

criterion_group!(benches, qssl);
criterion_main!(benches);

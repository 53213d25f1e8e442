//! The providers side by side (`qssl_crypto::provider::compiled_providers`): one row
//! per provider for the operations that dominate a handshake and the data path.
//!
//! ```text
//! cargo bench -p qssl-crypto --features aws-lc --bench providers -- --quick
//! ```
//!
//! Without the feature only the portable rows run. Each operation goes through the
//! provider's own lists (its group, verifier, key provider and suites), as the
//! handshake and record layers use them. Hashes and MACs are the same code in both
//! providers; `benches/hash.rs` compares them with aws-lc-rs.

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use qssl_crypto::ids::CipherSuite;
use qssl_crypto::keys;
use qssl_crypto::kx::NamedGroup;
use qssl_crypto::provider::compiled_providers;
use qssl_crypto::rand::OS_RANDOM;
use qssl_crypto::sign::{KeyAlgorithm, SignatureScheme};
use std::hint::black_box;

/// A TLS 1.3 CertificateVerify input: 64 spaces, context string, 0, SHA-384 transcript hash.
fn certificate_verify_content() -> Vec<u8> {
    let mut m = vec![0x20; 64];
    m.extend_from_slice(b"TLS 1.3, server CertificateVerify\0");
    m.extend_from_slice(&[0xab; 48]);
    m
}

fn kx(c: &mut Criterion) {
    let mut g = c.benchmark_group("provider_kx_full_exchange");
    for (name, p) in compiled_providers() {
        for group in [
            NamedGroup::MLKEM768,
            NamedGroup::X25519MLKEM768,
            NamedGroup::X25519,
            NamedGroup::SECP384R1,
        ] {
            let group = p.kx_group(group).unwrap();
            g.bench_function(format!("{name}/{:?}", group.name()), |b| {
                b.iter(|| {
                    let client = group.start(p.secure_random).unwrap();
                    let server = group
                        .start_and_complete(black_box(client.pub_key()), OS_RANDOM)
                        .unwrap();
                    black_box(client.complete(black_box(&server.pub_key)).unwrap())
                })
            });
        }
    }
    g.finish();
}

fn signatures(c: &mut Criterion) {
    let message = certificate_verify_content();
    for (alg, scheme) in [
        (
            KeyAlgorithm::EcdsaP384,
            SignatureScheme::ECDSA_SECP384R1_SHA384,
        ),
        (KeyAlgorithm::MlDsa65, SignatureScheme::MLDSA65),
    ] {
        // One key, loaded into each provider through its key provider.
        let portable = keys::generate(alg).unwrap();
        let der = portable.to_pkcs8_der().unwrap();
        let public_key = portable.public_key_raw();
        let mut g = c.benchmark_group(format!("provider_{scheme:?}"));
        for (name, p) in compiled_providers() {
            let key = p.key_provider.load_private_key_der(&der).unwrap();
            let verifier = p.verifier(scheme).unwrap();
            let signature = key.sign(scheme, &message).unwrap();
            g.bench_function(format!("{name}/sign"), |b| {
                b.iter(|| key.sign(scheme, black_box(&message)).unwrap())
            });
            g.bench_function(format!("{name}/verify"), |b| {
                b.iter(|| {
                    verifier
                        .verify(&public_key, black_box(&message), &signature)
                        .unwrap()
                })
            });
        }
        g.finish();
    }
}

fn aead(c: &mut Criterion) {
    let mut g = c.benchmark_group("provider_aead_seal_16KiB");
    let len = 16 * 1024;
    g.throughput(Throughput::Bytes(len as u64));
    for (name, p) in compiled_providers() {
        for suite in [
            CipherSuite::TLS13_AES_128_GCM_SHA256,
            CipherSuite::TLS13_AES_256_GCM_SHA384,
            CipherSuite::TLS13_CHACHA20_POLY1305_SHA256,
        ] {
            let aead = p.tls13_suite(suite).unwrap().aead;
            let key = aead.new_key(&vec![7u8; aead.key_len()]).unwrap();
            let mut buf = vec![0x5a; len];
            let header = [0x17, 0x03, 0x03, 0x40, 0x11];
            g.bench_function(format!("{name}/{}", aead.name()), |b| {
                b.iter(|| key.seal_in_place(&[9; 12], &header, black_box(&mut buf)))
            });
        }
    }
    g.finish();
}

criterion_group!(benches, kx, signatures, aead);
criterion_main!(benches);

//! Key exchange cost: one full client + server exchange per group
//! (client `start`, server `start_and_complete`, client `complete`), with two
//! references measured in the same run: aws-lc-rs called directly (ML-KEM-768 and
//! X25519; `benches/providers.rs` has the aws-lc provider itself) and pqcrypto-mlkem (ML-KEM-768, the PQClean C code
//! we chose not to use as primary; see `kx/mlkem.rs`). A second group splits
//! RustCrypto ML-KEM-768 into its steps.
//!
//! `cargo bench -p qssl-crypto --bench kx -- --quick` for a short run.

use criterion::{Criterion, criterion_group, criterion_main};
use qssl_crypto::kx::ALL_KX_GROUPS;
use qssl_crypto::rand::OS_RANDOM;
use std::hint::black_box;

fn qssl_groups(c: &mut Criterion) {
    let mut g = c.benchmark_group("kx_full_exchange");
    for group in ALL_KX_GROUPS {
        g.bench_function(format!("qssl/{:?}", group.name()), |b| {
            b.iter(|| {
                let client = group.start(OS_RANDOM).unwrap();
                let server = group
                    .start_and_complete(black_box(client.pub_key()), OS_RANDOM)
                    .unwrap();
                let secret = client.complete(black_box(&server.pub_key)).unwrap();
                black_box(secret);
            })
        });
    }

    g.bench_function("pqcrypto/MLKEM768", |b| {
        use pqcrypto_mlkem::mlkem768;
        b.iter(|| {
            let (pk, sk) = mlkem768::keypair();
            let (ss_server, ct) = mlkem768::encapsulate(black_box(&pk));
            let ss_client = mlkem768::decapsulate(black_box(&ct), &sk);
            black_box((ss_server, ss_client));
        })
    });

    g.bench_function("aws-lc-rs/MLKEM768", |b| {
        use aws_lc_rs::kem::{Ciphertext, DecapsulationKey, EncapsulationKey, ML_KEM_768};
        b.iter(|| {
            let dk = DecapsulationKey::generate(&ML_KEM_768).unwrap();
            let ek_bytes = dk.encapsulation_key().unwrap().key_bytes().unwrap();
            let ek = EncapsulationKey::new(&ML_KEM_768, black_box(ek_bytes.as_ref())).unwrap();
            let (ct, ss_server) = ek.encapsulate().unwrap();
            let ss_client = dk
                .decapsulate(Ciphertext::from(black_box(ct.as_ref())))
                .unwrap();
            black_box((ss_server, ss_client));
        })
    });

    g.bench_function("aws-lc-rs/x25519", |b| {
        use aws_lc_rs::agreement::{
            EphemeralPrivateKey, UnparsedPublicKey, X25519, agree_ephemeral,
        };
        let rng = aws_lc_rs::rand::SystemRandom::new();
        b.iter(|| {
            let client = EphemeralPrivateKey::generate(&X25519, &rng).unwrap();
            let client_pub = client.compute_public_key().unwrap();
            let server = EphemeralPrivateKey::generate(&X25519, &rng).unwrap();
            let server_pub = server.compute_public_key().unwrap();
            let s1 = agree_ephemeral(
                server,
                UnparsedPublicKey::new(&X25519, black_box(client_pub.as_ref())),
                (),
                |k| Ok(k.to_vec()),
            )
            .unwrap();
            let s2 = agree_ephemeral(
                client,
                UnparsedPublicKey::new(&X25519, black_box(server_pub.as_ref())),
                (),
                |k| Ok(k.to_vec()),
            )
            .unwrap();
            black_box((s1, s2));
        })
    });
    g.finish();
}

criterion_group!(benches, qssl_groups);

/// Where RustCrypto ml-kem's time goes (keygen, parsing a peer key, encaps,
/// decaps), to track its gap to PQClean.
fn mlkem_parts(c: &mut Criterion) {
    use ml_kem::kem::{Decapsulate, KeyExport};
    use ml_kem::{B32, MlKem768, Seed};
    let mut g = c.benchmark_group("rustcrypto_mlkem768_parts");
    let seed = Seed::from([7u8; 64]);
    g.bench_function("keygen", |b| {
        b.iter(|| ml_kem::DecapsulationKey::<MlKem768>::from_seed(black_box(seed)))
    });
    let dk = ml_kem::DecapsulationKey::<MlKem768>::from_seed(seed);
    let ekb = dk.encapsulation_key().to_bytes();
    g.bench_function("ek_parse", |b| {
        b.iter(|| ml_kem::EncapsulationKey::<MlKem768>::new(black_box(&ekb)).unwrap())
    });
    let ek = ml_kem::EncapsulationKey::<MlKem768>::new(&ekb).unwrap();
    let m = B32::from([9u8; 32]);
    g.bench_function("encaps", |b| {
        b.iter(|| ek.encapsulate_deterministic(black_box(&m)))
    });
    let (ct, _) = ek.encapsulate_deterministic(&m);
    g.bench_function("decaps", |b| b.iter(|| dk.decapsulate(black_box(&ct))));
    g.finish();
}
criterion_group!(parts, mlkem_parts);
criterion_main!(benches, parts);

//! Throughput of the hashes, HMAC, HKDF-Expand-Label and the TLS 1.2 PRF.

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use qssl_crypto::hash::{SHA256, SHA384};
use qssl_crypto::hkdf::{HKDF_SHA256, HKDF_SHA384};
use qssl_crypto::hmac::{HMAC_SHA256, HMAC_SHA384};
use qssl_crypto::tls12_prf::{TLS12_PRF_SHA256, TLS12_PRF_SHA384};
use std::hint::black_box;

fn hashes(c: &mut Criterion) {
    let data = vec![0x5au8; 16 * 1024];
    let mut g = c.benchmark_group("hash_16KiB");
    g.throughput(Throughput::Bytes(data.len() as u64));
    for h in [SHA256, SHA384] {
        g.bench_function(format!("{:?}", h.algorithm()), |b| {
            b.iter(|| h.hash(black_box(&data)))
        });
    }
    for m in [HMAC_SHA256, HMAC_SHA384] {
        let key = m.with_key(&[7u8; 32]);
        g.bench_function(format!("HMAC-{:?}", m.algorithm()), |b| {
            b.iter(|| key.sign(&[black_box(&data)]))
        });
    }
    g.finish();
}

fn key_schedule(c: &mut Criterion) {
    let mut g = c.benchmark_group("kdf");
    for h in [HKDF_SHA256, HKDF_SHA384] {
        let prk = h.extract(None, &[1u8; 48]);
        g.bench_function(format!("expand_label key+iv {:?}", h.algorithm()), |b| {
            b.iter(|| {
                let (mut k, mut iv) = ([0u8; 32], [0u8; 12]);
                prk.expand_label(b"key", b"", &mut k).unwrap();
                prk.expand_label(b"iv", b"", &mut iv).unwrap();
                (k, iv)
            })
        });
    }
    for p in [TLS12_PRF_SHA256, TLS12_PRF_SHA384] {
        g.bench_function(format!("tls12 key block 88 B {:?}", p.algorithm()), |b| {
            b.iter(|| {
                let mut out = [0u8; 88];
                p.prf(&[3u8; 48], b"key expansion", &[9u8; 64], &mut out);
                out
            })
        });
    }
    g.finish();
}

criterion_group!(benches, hashes, key_schedule);
criterion_main!(benches);

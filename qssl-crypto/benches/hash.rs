//! Throughput of the hashes, HMAC, HKDF-Expand-Label and the TLS 1.2 PRF, with
//! aws-lc-rs doing the same work in the same groups: the measurement behind keeping
//! the portable hashes and MACs in the aws-lc provider (see `provider::aws_lc`).

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
    for (name, alg) in [
        ("Sha256", &aws_lc_rs::digest::SHA256),
        ("Sha384", &aws_lc_rs::digest::SHA384),
    ] {
        g.bench_function(format!("aws-lc-rs {name}"), |b| {
            b.iter(|| aws_lc_rs::digest::digest(alg, black_box(&data)))
        });
    }
    g.finish();
}

/// The small inputs a handshake feeds them: a transcript of eight messages read at
/// three points, and one HMAC (fresh key, one 48-byte input) as HKDF and Finished do.
fn small(c: &mut Criterion) {
    let data = vec![0x5au8; 1200];
    let mut g = c.benchmark_group("hash_small");
    for h in [SHA256, SHA384] {
        g.bench_function(format!("transcript {:?}", h.algorithm()), |b| {
            b.iter(|| {
                let mut t = h.start();
                for i in 0..8 {
                    t.update(black_box(&data[..200 + 100 * i]));
                    if i % 3 == 2 {
                        black_box(t.fork_finish());
                    }
                }
                t.finish()
            })
        });
    }
    for (name, alg) in [
        ("Sha256", &aws_lc_rs::digest::SHA256),
        ("Sha384", &aws_lc_rs::digest::SHA384),
    ] {
        g.bench_function(format!("aws-lc-rs transcript {name}"), |b| {
            b.iter(|| {
                let mut t = aws_lc_rs::digest::Context::new(alg);
                for i in 0..8 {
                    t.update(black_box(&data[..200 + 100 * i]));
                    if i % 3 == 2 {
                        black_box(t.clone().finish());
                    }
                }
                t.finish()
            })
        });
    }
    for m in [HMAC_SHA256, HMAC_SHA384] {
        g.bench_function(format!("HMAC-{:?} key+tag 48 B", m.algorithm()), |b| {
            b.iter(|| m.with_key(black_box(&[3u8; 48])).sign(&[&data[..48]]))
        });
    }
    for (name, alg) in [
        ("Sha256", aws_lc_rs::hmac::HMAC_SHA256),
        ("Sha384", aws_lc_rs::hmac::HMAC_SHA384),
    ] {
        g.bench_function(format!("aws-lc-rs HMAC-{name} key+tag 48 B"), |b| {
            b.iter(|| {
                let key = aws_lc_rs::hmac::Key::new(alg, black_box(&[3u8; 48]));
                aws_lc_rs::hmac::sign(&key, &data[..48])
            })
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
    // The same two HKDF-Expand-Label calls through aws-lc-rs's HKDF (HkdfLabel by hand).
    for (name, alg, len) in [
        ("Sha256", aws_lc_rs::hkdf::HKDF_SHA256, 32),
        ("Sha384", aws_lc_rs::hkdf::HKDF_SHA384, 48),
    ] {
        let prk = aws_lc_rs::hkdf::Prk::new_less_safe(alg, &[1u8; 48][..len]);
        g.bench_function(format!("aws-lc-rs expand_label key+iv {name}"), |b| {
            b.iter(|| {
                let (mut k, mut iv) = ([0u8; 32], [0u8; 12]);
                let key_info: &[&[u8]] = &[b"\x00\x20\x09tls13 key\x00"];
                let iv_info: &[&[u8]] = &[b"\x00\x0c\x08tls13 iv\x00"];
                prk.expand(key_info, Len(32))
                    .and_then(|okm| okm.fill(&mut k))
                    .unwrap();
                prk.expand(iv_info, Len(12))
                    .and_then(|okm| okm.fill(&mut iv))
                    .unwrap();
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

/// An HKDF output length for aws-lc-rs.
struct Len(usize);

impl aws_lc_rs::hkdf::KeyType for Len {
    fn len(&self) -> usize {
        self.0
    }
}

criterion_group!(benches, hashes, small, key_schedule);
criterion_main!(benches);

//! Bulk throughput per TLS 1.3 suite: one 16 KiB application-data record sent
//! by the client and read back by the server over an established in-memory
//! connection (seal, copy through the duplex of `common`, open, copy out),
//! Q-SSL against rustls (aws-lc-rs) and OpenSSL in one run.
//!
//! Two raw-AEAD references sit beside them, each one seal and one open in place
//! of the same 16 KiB with a 5-byte AAD: `qssl-aead` is Q-SSL's own backend
//! (`qssl_crypto::aead`, RustCrypto), so `qssl / qssl-aead` is what the record
//! layer and connection add; `aws-lc-aead` is rustls's backend, so that the
//! backend's share of any difference with rustls shows.
//!
//! `cargo bench -p qssl-interop --bench bulk`, or `cargo xtask bench`.

mod common;

use std::hint::black_box;
use std::time::Duration;

use common::RECORD;
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use qssl::crypto::aead::{AES_128_GCM, AES_256_GCM, Aead, CHACHA20_POLY1305};
use qssl_interop::{CipherSuite, KeyAlgorithm, NamedGroup};

struct Suite {
    name: &'static str,
    suite: CipherSuite,
    ours: &'static dyn Aead,
    aws_lc: &'static aws_lc_rs::aead::Algorithm,
}

fn suites() -> [Suite; 3] {
    [
        Suite {
            name: "aes128gcm",
            suite: CipherSuite::TLS13_AES_128_GCM_SHA256,
            ours: AES_128_GCM,
            aws_lc: &aws_lc_rs::aead::AES_128_GCM,
        },
        Suite {
            name: "aes256gcm",
            suite: CipherSuite::TLS13_AES_256_GCM_SHA384,
            ours: AES_256_GCM,
            aws_lc: &aws_lc_rs::aead::AES_256_GCM,
        },
        Suite {
            name: "chacha20poly1305",
            suite: CipherSuite::TLS13_CHACHA20_POLY1305_SHA256,
            ours: CHACHA20_POLY1305,
            aws_lc: &aws_lc_rs::aead::CHACHA20_POLY1305,
        },
    ]
}

fn bench(c: &mut Criterion) {
    // The handshake is not measured here: x25519 keeps set-up short.
    let pki = common::pki(KeyAlgorithm::EcdsaP384);
    let data = vec![0x5au8; RECORD];
    let mut out = vec![0u8; RECORD];
    for suite in suites() {
        let mut g = c.benchmark_group(format!("bulk-{}", suite.name));
        g.throughput(Throughput::Bytes(RECORD as u64));

        let q = common::qssl_configs(&pki, NamedGroup::X25519, Some(suite.suite));
        let (mut qc, mut qs) = common::qssl_pair(&q);
        let (mut ce, mut se) = common::duplex();
        {
            let (cc, sc): (&mut qssl::ConnectionCommon, &mut qssl::ConnectionCommon) =
                (&mut qc, &mut qs);
            common::handshake(cc, &mut ce, sc, &mut se);
            assert_eq!(common::SansIo::suite(&*cc), Some(suite.suite));
            g.bench_function("qssl", |b| {
                b.iter(|| common::one_record(cc, &mut ce, sc, &mut se, black_box(&data), &mut out))
            });
        }

        let r = common::rustls_configs(&pki, NamedGroup::X25519, Some(suite.suite));
        let (mut rc, mut rs) = common::rustls_pair(&r);
        let (mut ce, mut se) = common::duplex();
        common::handshake(&mut *rc, &mut ce, &mut *rs, &mut se);
        assert_eq!(common::SansIo::suite(&*rc), Some(suite.suite));
        g.bench_function("rustls", |b| {
            b.iter(|| {
                common::one_record(
                    &mut *rc,
                    &mut ce,
                    &mut *rs,
                    &mut se,
                    black_box(&data),
                    &mut out,
                )
            })
        });

        let o = common::openssl_contexts(&pki, NamedGroup::X25519, Some(suite.suite));
        let (mut oc, mut os) = common::openssl_pair(&o);
        common::openssl_handshake(&mut oc, &mut os);
        let negotiated = oc.ssl().current_cipher().map(|c| c.protocol_id());
        assert_eq!(negotiated, Some(suite.suite.0.to_be_bytes()));
        g.bench_function("openssl", |b| {
            b.iter(|| common::openssl_one_record(&mut oc, &mut os, black_box(&data), &mut out))
        });

        let key = suite
            .ours
            .new_key(&[0x42; 32][..suite.ours.key_len()])
            .unwrap();
        let nonce = [0x24u8; 12];
        let aad = [0x17, 0x03, 0x03, 0x40, 0x11];
        let mut buf = data.clone();
        g.bench_function("qssl-aead", |b| {
            b.iter(|| {
                buf.copy_from_slice(black_box(&data));
                let tag = key.seal_in_place(&nonce, &aad, &mut buf).unwrap();
                key.open_in_place(&nonce, &aad, &mut buf, &tag).unwrap();
                black_box(&buf);
            })
        });

        let aws = aws_lc_rs::aead::LessSafeKey::new(
            aws_lc_rs::aead::UnboundKey::new(suite.aws_lc, &[0x42; 32][..suite.aws_lc.key_len()])
                .unwrap(),
        );
        // aws-lc-rs opens ciphertext || tag in one buffer.
        let mut sealed = vec![0u8; RECORD + aws_lc_rs::aead::MAX_TAG_LEN];
        g.bench_function("aws-lc-aead", |b| {
            b.iter(|| {
                use aws_lc_rs::aead::{Aad, Nonce};
                sealed[..RECORD].copy_from_slice(black_box(&data));
                let tag = aws
                    .seal_in_place_separate_tag(
                        Nonce::assume_unique_for_key(nonce),
                        Aad::from(aad),
                        &mut sealed[..RECORD],
                    )
                    .unwrap();
                sealed[RECORD..].copy_from_slice(tag.as_ref());
                let plain = aws
                    .open_in_place(
                        Nonce::assume_unique_for_key(nonce),
                        Aad::from(aad),
                        &mut sealed,
                    )
                    .unwrap();
                black_box(plain);
            })
        });
        g.finish();
    }
}

criterion_group! {
    name = benches;
    // `cargo xtask bench --quick` shortens these from the command line.
    config = Criterion::default()
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3))
        .sample_size(30);
    targets = bench
}
criterion_main!(benches);

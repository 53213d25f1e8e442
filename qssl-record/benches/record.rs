//! Record-layer cost against the raw AEAD, 16 KiB records, every suite and framing.
//!
//! For each (AEAD, framing): `seal` is `Protector::seal_into` of 2^14 bytes into a
//! reused `BytesMut`; `raw_seal` is `AeadKey::seal_in_place` over the same bytes in
//! the same kind of buffer; `seal_open` / `raw_seal_open` seal then open in place in
//! one buffer (a record cannot be opened twice: its sequence number moves on). The
//! difference between each pair is what the record layer adds.

use bytes::BytesMut;
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use qssl_crypto::aead::{AES_128_GCM, AES_256_GCM, Aead, CHACHA20_POLY1305};
use qssl_record::{
    ContentType, HEADER_LEN, InboundRecord, MAX_PLAINTEXT_LEN, Protector, RecordHeader, TlsVersion,
};
use std::hint::black_box;
use std::time::Duration;

const KEY: [u8; 32] = [0x11; 32];
const IV: [u8; 12] = [0x22; 12];

fn protector(aead: &'static dyn Aead, version: TlsVersion) -> Protector {
    let key = &KEY[..aead.key_len()];
    match version {
        TlsVersion::Tls13 => Protector::tls13(aead, key, &IV),
        TlsVersion::Tls12 if aead.name() == "ChaCha20-Poly1305" => {
            Protector::tls12_chacha20_poly1305(aead, key, &IV)
        }
        TlsVersion::Tls12 => Protector::tls12_gcm(aead, key, &[0x33; 4]),
    }
    .unwrap()
}

fn bench(c: &mut Criterion) {
    let plaintext = vec![0xabu8; MAX_PLAINTEXT_LEN];
    for aead in [AES_128_GCM, AES_256_GCM, CHACHA20_POLY1305] {
        for version in [TlsVersion::Tls13, TlsVersion::Tls12] {
            let framing = match version {
                TlsVersion::Tls13 => "tls13",
                TlsVersion::Tls12 => "tls12",
            };
            let mut g = c.benchmark_group(format!("{}/{framing}", aead.name()));
            g.throughput(Throughput::Bytes(MAX_PLAINTEXT_LEN as u64));
            let aad_len = if version == TlsVersion::Tls13 { 5 } else { 13 };
            let aad = [0x17u8; 13];
            let raw = aead.new_key(&KEY[..aead.key_len()]).unwrap();
            let nonce = [0x44u8; 12];

            let mut w = protector(aead, version);
            let mut out = BytesMut::with_capacity(HEADER_LEN + MAX_PLAINTEXT_LEN + 64);
            g.bench_function("seal", |b| {
                b.iter(|| {
                    out.clear();
                    let _ = w
                        .seal_into(
                            ContentType::APPLICATION_DATA,
                            black_box(&plaintext),
                            &mut out,
                        )
                        .unwrap();
                    black_box(&out);
                })
            });
            g.bench_function("raw_seal", |b| {
                b.iter(|| {
                    out.clear();
                    out.extend_from_slice(black_box(&plaintext));
                    let tag = raw
                        .seal_in_place(&nonce, &aad[..aad_len], &mut out)
                        .unwrap();
                    out.extend_from_slice(&tag);
                    black_box(&out);
                })
            });

            let mut w = protector(aead, version);
            let mut r = protector(aead, version);
            g.bench_function("seal_open", |b| {
                b.iter(|| {
                    out.clear();
                    let _ = w
                        .seal_into(
                            ContentType::APPLICATION_DATA,
                            black_box(&plaintext),
                            &mut out,
                        )
                        .unwrap();
                    let header = RecordHeader::parse(&out).unwrap().unwrap();
                    let record = InboundRecord {
                        header,
                        payload: &mut out[HEADER_LEN..],
                    };
                    let (_, data) = r.open_in_place(record).unwrap();
                    black_box(data);
                })
            });
            g.bench_function("raw_seal_open", |b| {
                b.iter(|| {
                    out.clear();
                    out.extend_from_slice(black_box(&plaintext));
                    let tag = raw
                        .seal_in_place(&nonce, &aad[..aad_len], &mut out)
                        .unwrap();
                    raw.open_in_place(&nonce, &aad[..aad_len], &mut out[..MAX_PLAINTEXT_LEN], &tag)
                        .unwrap();
                    black_box(&out);
                })
            });
            g.finish();
        }
    }
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .warm_up_time(Duration::from_millis(300))
        .measurement_time(Duration::from_secs(1))
        .sample_size(20);
    targets = bench
}
criterion_main!(benches);

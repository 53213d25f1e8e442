//! TLS 1.2 PRF (RFC 5246 §5), extended master secret (RFC 7627 §4), key block
//! and Finished against OpenSSL's TLS1-PRF outputs recorded in
//! `tests/vectors/tls12_prf/openssl_tls1_prf.txt` (made by `gen.sh` beside it),
//! on every provider's PRF (that of its TLS 1.2 suites).

mod common;

use common::Backend;
use proptest::prelude::*;
use qssl_crypto::hmac::{HMAC_SHA256, Hmac};
use qssl_crypto::tls12_prf::{
    FinishedLabel, Prf, extended_master_secret, finished_verify_data, key_block, master_secret,
    tls12_prf,
};

struct Vector {
    name: String,
    prf: &'static dyn Prf,
    hmac: &'static dyn Hmac,
    secret: Vec<u8>,
    label: String,
    seed: Vec<u8>,
    out: Vec<u8>,
}

fn vectors(b: &Backend) -> Vec<Vector> {
    let (sha256, sha384) = b.tls12_prfs();
    let text = include_str!("vectors/tls12_prf/openssl_tls1_prf.txt");
    let mut out = Vec::new();
    for block in text.split("\n\n").filter(|b| b.contains("name = ")) {
        let field = |k: &str| {
            block
                .lines()
                .find_map(|l| l.strip_prefix(&format!("{k} = ")))
                .unwrap_or_else(|| panic!("missing {k} in {block}"))
                .to_string()
        };
        let (prf, hmac) = match field("digest").as_str() {
            "SHA256" => (sha256, sha256.hmac()),
            "SHA384" => (sha384, sha384.hmac()),
            d => panic!("unexpected digest {d}"),
        };
        out.push(Vector {
            name: field("name"),
            prf,
            hmac,
            secret: hex::decode(field("secret")).unwrap(),
            label: field("label"),
            seed: hex::decode(field("seed")).unwrap(),
            out: hex::decode(field("out")).unwrap(),
        });
    }
    out
}

#[test]
fn openssl_tls1_prf_vectors() {
    for b in common::backends() {
        let vs = vectors(&b);
        assert_eq!(vs.len(), 14, "vector file changed");
        for v in &vs {
            let mut got = vec![0u8; v.out.len()];
            tls12_prf(v.hmac, &v.secret, v.label.as_bytes(), &v.seed, &mut got);
            assert_eq!(
                hex::encode(&got),
                hex::encode(&v.out),
                "{}: {}",
                b.name,
                v.name
            );
            let mut via_trait = vec![0u8; v.out.len()];
            v.prf
                .prf(&v.secret, v.label.as_bytes(), &v.seed, &mut via_trait);
            assert_eq!(via_trait, v.out, "{}: {}", b.name, v.name);
        }
    }
}

fn find(b: &Backend, name: &str) -> Vector {
    vectors(b).into_iter().find(|v| v.name == name).unwrap()
}

fn randoms(seed: &[u8]) -> ([u8; 32], [u8; 32]) {
    (
        seed[..32].try_into().unwrap(),
        seed[32..].try_into().unwrap(),
    )
}

#[test]
fn master_secret_helpers_match_openssl() {
    for b in common::backends() {
        let v = find(&b, "master-secret-sha256");
        let (client, server) = randoms(&v.seed);
        let ms = master_secret(v.prf, &v.secret, &client, &server);
        assert_eq!(ms.expose(), &v.out[..]);

        for name in [
            "extended-master-secret-sha256",
            "extended-master-secret-sha384",
        ] {
            let v = find(&b, name);
            let ems = extended_master_secret(v.prf, &v.secret, &v.seed).unwrap();
            assert_eq!(ems.expose(), &v.out[..], "{name}");
        }
    }
}

#[test]
fn key_block_and_finished_match_openssl() {
    for b in common::backends() {
        for name in [
            "key-expansion-aes128gcm-sha256",
            "key-expansion-aes256gcm-sha384",
            "key-expansion-chacha20-sha256",
        ] {
            let v = find(&b, name);
            // The vector's seed is server_random ‖ client_random (RFC 5246 §6.3).
            let (server, client) = randoms(&v.seed);
            let mut kb = vec![0u8; v.out.len()];
            key_block(v.prf, &v.secret, &client, &server, &mut kb);
            assert_eq!(kb, v.out, "{name}");
        }
        let v = find(&b, "client-finished-sha256");
        let got = finished_verify_data(v.prf, &v.secret, FinishedLabel::Client, &v.seed);
        assert_eq!(&got[..], &v.out[..]);
        let v = find(&b, "server-finished-sha384");
        let got = finished_verify_data(v.prf, &v.secret, FinishedLabel::Server, &v.seed);
        assert_eq!(&got[..], &v.out[..]);
    }
}

proptest! {
    // P_hash is a stream: a shorter output is a prefix of a longer one.
    #[test]
    fn shorter_output_is_a_prefix(
        secret in proptest::collection::vec(any::<u8>(), 0..80),
        seed in proptest::collection::vec(any::<u8>(), 0..80),
        n in 0usize..200,
        k in 0usize..100,
        sha384 in any::<bool>(),
        which in 0usize..2,
    ) {
        let backends = common::backends();
        let b = &backends[which % backends.len()];
        let hmac = if sha384 { b.hmac_sha384() } else { b.hmac_sha256() };
        let mut long = vec![0u8; n + k];
        tls12_prf(hmac, &secret, b"label", &seed, &mut long);
        let mut short = vec![0u8; n];
        tls12_prf(hmac, &secret, b"label", &seed, &mut short);
        prop_assert_eq!(&long[..n], &short[..]);
    }

    // Label and seed are only ever used concatenated (RFC 5246 §5).
    #[test]
    fn label_and_seed_concatenate(
        data in proptest::collection::vec(any::<u8>(), 0..64),
        split in 0usize..64,
    ) {
        let split = split.min(data.len());
        let mut a = [0u8; 40];
        let mut b = [0u8; 40];
        tls12_prf(HMAC_SHA256, b"k", &data[..split], &data[split..], &mut a);
        tls12_prf(HMAC_SHA256, b"k", &[], &data, &mut b);
        prop_assert_eq!(a, b);
    }
}

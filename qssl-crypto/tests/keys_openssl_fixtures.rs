//! Keys, public keys, signatures and a certificate made by the OpenSSL 3.5 CLI
//! (`tests/fixtures/`, commands in `fixtures/README.md` and `fixtures/make.sh`), loaded,
//! used and checked by every provider.

mod common;

use qssl_crypto::error::CryptoError;
use qssl_crypto::keys::{self, KeyFormatError, MlDsaKeyForm};
use qssl_crypto::sign::{KeyAlgorithm, SignatureScheme};

fn fixture(name: &str) -> Vec<u8> {
    let path = format!("{}/tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn fixture_str(name: &str) -> String {
    String::from_utf8(fixture(name)).unwrap()
}

/// (file stem, algorithm, scheme, OpenSSL-made signature over message.txt)
const KEYS: &[(&str, KeyAlgorithm, SignatureScheme, &str)] = &[
    (
        "mldsa65-seed",
        KeyAlgorithm::MlDsa65,
        SignatureScheme::MLDSA65,
        "mldsa65-seed.sig",
    ),
    (
        "mldsa65-expanded",
        KeyAlgorithm::MlDsa65,
        SignatureScheme::MLDSA65,
        "mldsa65-expanded.sig",
    ),
    (
        "mldsa65-both",
        KeyAlgorithm::MlDsa65,
        SignatureScheme::MLDSA65,
        "mldsa65-both.sig",
    ),
    (
        "mldsa44",
        KeyAlgorithm::MlDsa44,
        SignatureScheme::MLDSA44,
        "mldsa44.sig",
    ),
    (
        "mldsa87",
        KeyAlgorithm::MlDsa87,
        SignatureScheme::MLDSA87,
        "mldsa87.sig",
    ),
    (
        "p384",
        KeyAlgorithm::EcdsaP384,
        SignatureScheme::ECDSA_SECP384R1_SHA384,
        "p384.sig",
    ),
    (
        "p256",
        KeyAlgorithm::EcdsaP256,
        SignatureScheme::ECDSA_SECP256R1_SHA256,
        "p256.sig",
    ),
    (
        "ed25519",
        KeyAlgorithm::Ed25519,
        SignatureScheme::ED25519,
        "ed25519.sig",
    ),
    (
        "rsa2048",
        KeyAlgorithm::Rsa,
        SignatureScheme::RSA_PSS_RSAE_SHA256,
        "rsa2048-pss-sha256.sig",
    ),
];

/// The `subjectPublicKey` bits of an OpenSSL `pkey -pubout` SPKI.
fn openssl_public_key(stem: &str) -> Vec<u8> {
    keys::subject_public_key(&fixture(&format!("{stem}.spki.der"))).unwrap()
}

#[test]
fn every_fixture_loads_from_der_and_pem_as_the_right_algorithm() {
    for b in common::backends() {
        for &(stem, alg, scheme, _) in KEYS {
            let from_der = (b.load_der)(&fixture(&format!("{stem}.der"))).unwrap();
            let from_pem = (b.load_pem)(&fixture_str(&format!("{stem}.pem"))).unwrap();
            for key in [&from_der, &from_pem] {
                assert_eq!(key.algorithm(), alg, "{stem}");
                assert!(key.schemes().contains(&scheme), "{stem}");
            }
        }
    }
}

#[test]
fn our_spki_is_byte_identical_to_openssl_pubout() {
    for b in common::backends() {
        for &(stem, ..) in KEYS {
            let key = (b.load_der)(&fixture(&format!("{stem}.der"))).unwrap();
            assert_eq!(
                key.public_key_spki(),
                fixture(&format!("{stem}.spki.der")),
                "{stem}"
            );
        }
    }
}

#[test]
fn our_signatures_verify_under_the_openssl_public_key() {
    for b in common::backends() {
        let message = b"CertificateVerify content, as a TLS 1.3 server would sign it";
        for &(stem, _, scheme, _) in KEYS {
            let key = (b.load_pem)(&fixture_str(&format!("{stem}.pem"))).unwrap();
            let public_key = openssl_public_key(stem);
            for &scheme in key.schemes() {
                let signature = key.sign(scheme, message).unwrap();
                let verifier = b.verifier(scheme);
                verifier.verify(&public_key, message, &signature).unwrap();
                assert_eq!(
                    verifier.verify(&public_key, b"another message", &signature),
                    Err(CryptoError::BadSignature),
                    "{stem} {scheme:?}"
                );
            }
            // A scheme of another algorithm is refused, not silently mapped.
            let other = if scheme == SignatureScheme::ED25519 {
                SignatureScheme::MLDSA65
            } else {
                SignatureScheme::ED25519
            };
            assert_eq!(
                key.sign(other, message),
                Err(CryptoError::UnsupportedSignatureScheme(other))
            );
        }
    }
}

#[test]
fn openssl_signatures_verify_with_our_verifiers() {
    for b in common::backends() {
        let message = fixture("message.txt");
        for &(stem, _, scheme, sig) in KEYS {
            let signature = fixture(sig);
            let verifier = b.verifier(scheme);
            verifier
                .verify(&openssl_public_key(stem), &message, &signature)
                .unwrap();
            let mut tampered = message.clone();
            tampered[0] ^= 1;
            assert!(
                verifier
                    .verify(&openssl_public_key(stem), &tampered, &signature)
                    .is_err(),
                "{stem}"
            );
        }
        // PKCS#1 v1.5 (certificate signatures) made by `openssl dgst -sha256 -sign`.
        b.verifier(SignatureScheme::RSA_PKCS1_SHA256)
            .verify(
                &openssl_public_key("rsa2048"),
                &message,
                &fixture("rsa2048-pkcs1-sha256.sig"),
            )
            .unwrap();
    }
}

/// Minimal DER walk of `Certificate ::= SEQUENCE { tbs, signatureAlgorithm, BIT STRING }`.
fn tlv(input: &[u8]) -> (&[u8], &[u8], &[u8]) {
    let len_byte = input[1];
    let (len, header) = match len_byte {
        0..=0x7f => (usize::from(len_byte), 2),
        0x81 => (usize::from(input[2]), 3),
        0x82 => (usize::from(input[2]) << 8 | usize::from(input[3]), 4),
        _ => panic!("long length"),
    };
    (
        &input[..header + len],
        &input[header..header + len],
        &input[header + len..],
    )
}

#[test]
fn openssl_mldsa65_certificate_signature_verifies_via_the_webpki_trait() {
    for b in common::backends() {
        use rustls_pki_types::SignatureVerificationAlgorithm;
        let cert = fixture("mldsa65-both.cert.der");
        let (_, body, _) = tlv(&cert);
        let (tbs, _, rest) = tlv(body);
        let (_, sig_alg, rest) = tlv(rest);
        let (_, sig_bits, _) = tlv(rest);
        let algorithm: &dyn SignatureVerificationAlgorithm = b.verifier(SignatureScheme::MLDSA65);
        // pki-types AlgorithmIdentifiers are the SEQUENCE contents.
        assert_eq!(sig_alg, algorithm.signature_alg_id().as_ref());
        assert_eq!(sig_bits[0], 0, "no unused bits");
        let public_key = openssl_public_key("mldsa65-both");
        algorithm
            .verify_signature(&public_key, tbs, &sig_bits[1..])
            .unwrap();
        // The SPKI in the certificate is ours, byte for byte.
        let key = (b.load_der)(&fixture("mldsa65-both.der")).unwrap();
        let spki = key.public_key_spki();
        assert!(cert.windows(spki.len()).any(|w| w == spki.as_slice()));
    }
}

#[test]
fn mldsa_pkcs8_export_matches_openssl_byte_for_byte_in_every_form() {
    for b in common::backends() {
        let seed = (b.load_der)(&fixture("mldsa65-seed.der")).unwrap();
        assert_eq!(
            *seed.to_pkcs8_der_with_form(MlDsaKeyForm::Seed).unwrap(),
            fixture("mldsa65-seed.der")
        );
        let both = (b.load_der)(&fixture("mldsa65-both.der")).unwrap();
        assert_eq!(
            *both.to_pkcs8_der_with_form(MlDsaKeyForm::Both).unwrap(),
            fixture("mldsa65-both.der")
        );
        // OpenSSL's default output form is `both` (seed-priv).
        assert_eq!(*both.to_pkcs8_der().unwrap(), fixture("mldsa65-both.der"));
        for stem in ["mldsa44", "mldsa87"] {
            let key = (b.load_der)(&fixture(&format!("{stem}.der"))).unwrap();
            assert_eq!(
                *key.to_pkcs8_der().unwrap(),
                fixture(&format!("{stem}.der")),
                "{stem}"
            );
        }
        let expanded = (b.load_der)(&fixture("mldsa65-expanded.der")).unwrap();
        assert_eq!(
            *expanded
                .to_pkcs8_der_with_form(MlDsaKeyForm::Expanded)
                .unwrap(),
            fixture("mldsa65-expanded.der")
        );
        // Without its seed a key cannot be written seed-first; the default falls back.
        assert_eq!(
            expanded
                .to_pkcs8_der_with_form(MlDsaKeyForm::Seed)
                .unwrap_err(),
            CryptoError::MalformedKey(KeyFormatError::MlDsaSeedUnknown)
        );
        assert_eq!(
            *expanded.to_pkcs8_der().unwrap(),
            fixture("mldsa65-expanded.der")
        );
    }
}

#[test]
fn traditional_sec1_and_pkcs1_der_load_too() {
    for b in common::backends() {
        for stem in ["p384", "p256", "rsa2048"] {
            let key = (b.load_der)(&fixture(&format!("{stem}.trad.der"))).unwrap();
            assert_eq!(
                key.public_key_spki(),
                fixture(&format!("{stem}.spki.der")),
                "{stem}"
            );
        }
    }
}

#[test]
fn classical_pkcs8_exports_reload_to_the_same_key() {
    for b in common::backends() {
        for stem in ["p384", "p256", "ed25519", "rsa2048"] {
            let key = (b.load_der)(&fixture(&format!("{stem}.der"))).unwrap();
            let again = (b.load_pem)(&key.to_pkcs8_pem().unwrap()).unwrap();
            assert_eq!(
                again.public_key_spki(),
                fixture(&format!("{stem}.spki.der")),
                "{stem}"
            );
        }
    }
}

#[test]
fn mldsa_both_form_with_a_foreign_expanded_key_is_refused() {
    for b in common::backends() {
        let mut der = fixture("mldsa65-both.der");
        // The seed is the first OCTET STRING inside the `both` SEQUENCE: flip one of its bits.
        let seed_at = der.windows(2).position(|w| w == [0x04, 0x20]).unwrap() + 2;
        der[seed_at] ^= 0x01;
        assert_eq!(
            (b.load_der)(&der).unwrap_err(),
            CryptoError::MalformedKey(KeyFormatError::MlDsaSeedMismatch)
        );
    }
}

#[test]
fn mldsa_expanded_key_that_does_not_match_itself_is_refused() {
    for b in common::backends() {
        let mut der = fixture("mldsa65-expanded.der");
        // expandedKey = rho (32) || K (32) || tr (64) || s1 || s2 || t0 (FIPS 204 skEncode).
        // A changed s1 coefficient changes the derived public key, so tr = H(pk) no longer
        // matches and the pairwise sign/verify check at load time fails.
        let key_at = der
            .windows(4)
            .position(|w| w == [0x04, 0x82, 0x0f, 0xc0])
            .unwrap()
            + 4;
        der[key_at + 128 + 10] ^= 0x01;
        assert_eq!(
            (b.load_der)(&der).unwrap_err(),
            CryptoError::MalformedKey(KeyFormatError::PublicKeyMismatch)
        );
    }
}

/// An expandedKey whose packed s1 / s2 value lies above 2η cannot come from any key
/// (skEncode packs η − c for c in [-η, η]): it is a malformed key, not a panic inside
/// ml-dsa's decoder (found by the `keys` fuzz target). ML-DSA-65: η = 4, 4-bit values;
/// 8 is the largest legal one (the key then fails its pairwise check instead).
#[test]
fn mldsa65_expanded_key_with_secret_coefficient_out_of_range_is_refused() {
    let good = fixture("mldsa65-expanded.der");
    let key_at = good
        .windows(4)
        .position(|w| w == [0x04, 0x82, 0x0f, 0xc0])
        .unwrap()
        + 4;
    // s1 starts after rho, K and tr; s2 ends 11 polynomials of 128 bytes later.
    let (first, last) = (key_at + 128, key_at + 128 + 11 * 128 - 1);
    for (at, value, expected) in [
        (first, 0x09, KeyFormatError::KeyMaterial),
        (first, 0x90, KeyFormatError::KeyMaterial),
        (last, 0xf0, KeyFormatError::KeyMaterial),
        (first, 0x88, KeyFormatError::PublicKeyMismatch),
    ] {
        let mut der = good.clone();
        der[at] = value;
        assert_eq!(
            keys::load_private_key_der(&der).unwrap_err(),
            CryptoError::MalformedKey(expected),
            "byte {at} = {value:#04x}"
        );
    }
}

/// The same for η = 2 (ML-DSA-44 and -87: 3-bit values, 4 the largest legal one), on a
/// freshly generated key exported in the expanded form.
#[test]
fn mldsa_eta2_expanded_keys_with_secret_coefficient_out_of_range_are_refused() {
    // (algorithm, expandedKey length, polynomials in s1 and s2)
    for (alg, expanded_len, polys) in [
        (KeyAlgorithm::MlDsa44, 2560, 8),
        (KeyAlgorithm::MlDsa87, 4896, 15),
    ] {
        let key = keys::generate(alg).unwrap();
        let good = key
            .to_pkcs8_der_with_form(MlDsaKeyForm::Expanded)
            .unwrap()
            .to_vec();
        assert!(keys::load_private_key_der(&good).is_ok());
        // The expandedKey OCTET STRING ends the PKCS#8 document.
        let key_at = good.len() - expanded_len;
        let (first, last) = (key_at + 128, key_at + 128 + polys * 96 - 1);
        // Bits 0-2 hold the first coefficient; 5 (0b101) > 2η = 4. The last byte's top
        // three bits are the last coefficient of s2.
        for (at, set) in [(first, 0b101), (last, 0b1110_0000)] {
            let mut der = good.clone();
            der[at] |= set;
            assert_eq!(
                keys::load_private_key_der(&der).unwrap_err(),
                CryptoError::MalformedKey(KeyFormatError::KeyMaterial),
                "{alg:?} byte {at}"
            );
        }
    }
}

#[test]
fn unsupported_and_encrypted_keys_name_what_was_found() {
    for b in common::backends() {
        let ed448 = (b.load_pem)(&fixture_str("unsupported-ed448.pem")).unwrap_err();
        assert_eq!(
            ed448.to_string().split(';').next().unwrap(),
            "unsupported key algorithm 1.3.101.113"
        );
        let p521 = (b.load_pem)(&fixture_str("unsupported-p521.pem")).unwrap_err();
        assert!(
            p521.to_string()
                .starts_with("unsupported key algorithm 1.3.132.0.35;"),
            "{p521}"
        );
        assert!(p521.to_string().contains("ML-DSA-44/65/87"), "{p521}");
        assert_eq!(
            (b.load_pem)(&fixture_str("unsupported-encrypted.pem")).unwrap_err(),
            CryptoError::MalformedKey(KeyFormatError::Encrypted)
        );
        assert_eq!(
            (b.load_pem)("not a key").unwrap_err(),
            CryptoError::MalformedKey(KeyFormatError::Pem)
        );
        assert_eq!(
            (b.load_der)(b"\x30\x03\x02\x01\x00").unwrap_err(),
            CryptoError::MalformedKey(KeyFormatError::Pkcs8)
        );
    }
}

//! Key generation for every algorithm of every provider: the key signs, its own
//! verifier accepts, and its PKCS#8 export loads back as the same key.

mod common;

use qssl_crypto::error::CryptoError;
use qssl_crypto::keys::{self, MlDsaKeyForm};
use qssl_crypto::sign::{self, KeyAlgorithm, SignatureScheme, SigningKey};

const ALL: [KeyAlgorithm; 7] = [
    KeyAlgorithm::EcdsaP256,
    KeyAlgorithm::EcdsaP384,
    KeyAlgorithm::Ed25519,
    KeyAlgorithm::Rsa,
    KeyAlgorithm::MlDsa44,
    KeyAlgorithm::MlDsa65,
    KeyAlgorithm::MlDsa87,
];

#[test]
fn generated_keys_sign_verify_and_round_trip_through_pkcs8() {
    for b in common::backends() {
        for alg in ALL {
            let key = (b.generate)(alg).unwrap();
            assert_eq!(key.algorithm(), alg);
            assert_eq!(
                key.algorithm().is_post_quantum(),
                key.schemes()[0].is_post_quantum()
            );
            let public_key = key.public_key_raw();
            for &scheme in key.schemes() {
                let signature = key.sign(scheme, b"hello").unwrap();
                b.verifier(scheme)
                    .verify(&public_key, b"hello", &signature)
                    .unwrap();
            }
            let reloaded = (b.load_pem)(&key.to_pkcs8_pem().unwrap()).unwrap();
            assert_eq!(
                reloaded.public_key_spki(),
                key.public_key_spki(),
                "{}: {alg:?}",
                b.name
            );
            let scheme = key.schemes()[0];
            let signature = reloaded.sign(scheme, b"again").unwrap();
            b.verifier(scheme)
                .verify(&public_key, b"again", &signature)
                .unwrap();
        }
    }
}

#[test]
fn two_generated_keys_differ() {
    for b in common::backends() {
        for alg in [
            KeyAlgorithm::EcdsaP384,
            KeyAlgorithm::Ed25519,
            KeyAlgorithm::MlDsa65,
        ] {
            assert_ne!(
                (b.generate)(alg).unwrap().public_key_spki(),
                (b.generate)(alg).unwrap().public_key_spki()
            );
        }
    }
}

#[test]
fn mldsa_every_form_reloads_to_the_same_key() {
    for b in common::backends() {
        let key = (b.generate)(KeyAlgorithm::MlDsa87).unwrap();
        for form in [
            MlDsaKeyForm::Seed,
            MlDsaKeyForm::Expanded,
            MlDsaKeyForm::Both,
        ] {
            let der = key.to_pkcs8_der_with_form(form).unwrap();
            let again = (b.load_der)(&der).unwrap();
            assert_eq!(
                again.public_key_spki(),
                key.public_key_spki(),
                "{}: {form:?}",
                b.name
            );
        }
    }
}

#[test]
fn mldsa_from_seed_is_deterministic_and_rejects_classical_algorithms() {
    for b in common::backends() {
        let one = (b.mldsa_from_seed)(KeyAlgorithm::MlDsa65, &[7; 32]).unwrap();
        let two = (b.mldsa_from_seed)(KeyAlgorithm::MlDsa65, &[7; 32]).unwrap();
        assert_eq!(one.public_key_spki(), two.public_key_spki(), "{}", b.name);
        assert!((b.mldsa_from_seed)(KeyAlgorithm::Ed25519, &[7; 32]).is_err());
    }
}

#[test]
fn rsa_sizes_outside_2048_to_8192_are_refused() {
    assert!(matches!(
        keys::generate_rsa(1024),
        Err(CryptoError::KeyGenerationFailed(_))
    ));
}

#[test]
fn scheme_names_and_lookup() {
    assert_eq!(format!("{:?}", SignatureScheme::MLDSA65), "mldsa65");
    assert_eq!(
        format!("{:?}", SignatureScheme(0x1234)),
        "SignatureScheme(0x1234)"
    );
    assert_eq!(
        SignatureScheme::ECDSA_SECP384R1_SHA384.name(),
        Some("ecdsa_secp384r1_sha384")
    );
    assert_eq!(SignatureScheme(0x0905), SignatureScheme::MLDSA65);
    assert!(SignatureScheme::MLDSA44.is_post_quantum());
    assert!(!SignatureScheme::ED25519.is_post_quantum());
    assert!(!SignatureScheme::RSA_PKCS1_SHA256.usable_in_tls13_handshake());
    assert!(SignatureScheme::RSA_PSS_RSAE_SHA256.usable_in_tls13_handshake());
    for v in sign::ALL_VERIFIERS {
        assert_eq!(sign::verifier_for(v.scheme()).unwrap().scheme(), v.scheme());
    }
    assert_eq!(sign::ALL_VERIFIERS.len(), 12);
    for b in common::backends() {
        let schemes = b.provider.verify_schemes();
        let portable: Vec<_> = sign::ALL_VERIFIERS.iter().map(|v| v.scheme()).collect();
        assert_eq!(schemes, portable, "{}", b.name);
        for v in &b.provider.signature_verifiers {
            assert_eq!(b.verifier(v.scheme()).scheme(), v.scheme());
        }
    }
    assert!(sign::verifier_for(SignatureScheme(0x0808)).is_none());
    let key = keys::generate(KeyAlgorithm::Ed25519).unwrap();
    assert_eq!(
        key.choose_scheme(&[SignatureScheme::MLDSA65, SignatureScheme::ED25519]),
        Some(SignatureScheme::ED25519)
    );
    assert_eq!(format!("{key:?}"), "Ed25519Key(..)");
}

/// With `QSSL_OPENSSL=/path/to/openssl` (3.5+), OpenSSL reads our generated keys in
/// every export form and verifies our signatures. Without it, nothing to run against.
#[test]
fn openssl_cli_accepts_our_keys_and_signatures_when_available() {
    let Ok(openssl) = std::env::var("QSSL_OPENSSL") else {
        eprintln!("QSSL_OPENSSL not set: skipping the OpenSSL CLI check");
        return;
    };
    let dir = std::env::temp_dir().join(format!("qssl-keys-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let run = |args: &[&str]| {
        let out = std::process::Command::new(&openssl)
            .args(args)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "openssl {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    };
    let message = dir.join("msg");
    std::fs::write(&message, b"signed by qssl").unwrap();
    let msg = message.to_str().unwrap();
    for (b, alg) in common::backends()
        .iter()
        .flat_map(|b| ALL.into_iter().map(move |alg| (b, alg)))
    {
        let key = (b.generate)(alg).unwrap();
        let forms: &[MlDsaKeyForm] = if alg.is_post_quantum() {
            &[
                MlDsaKeyForm::Seed,
                MlDsaKeyForm::Expanded,
                MlDsaKeyForm::Both,
            ]
        } else {
            &[MlDsaKeyForm::Both]
        };
        for &form in forms {
            let path = dir.join(format!("{}-{alg:?}-{form:?}.der", b.name));
            std::fs::write(&path, key.to_pkcs8_der_with_form(form).unwrap()).unwrap();
            let pubout = dir.join(format!("{alg:?}-{form:?}.spki"));
            run(&[
                "pkey",
                "-inform",
                "DER",
                "-in",
                path.to_str().unwrap(),
                "-pubout",
                "-outform",
                "DER",
                "-out",
                pubout.to_str().unwrap(),
            ]);
            assert_eq!(
                std::fs::read(&pubout).unwrap(),
                key.public_key_spki(),
                "{}: {alg:?} {form:?}",
                b.name
            );
        }
        let spki = dir.join(format!("{}-{alg:?}.spki", b.name));
        std::fs::write(&spki, key.public_key_spki()).unwrap();
        let scheme = key.schemes()[0];
        let sig = dir.join(format!("{}-{alg:?}.sig", b.name));
        std::fs::write(&sig, key.sign(scheme, b"signed by qssl").unwrap()).unwrap();
        let (spki, sig) = (spki.to_str().unwrap(), sig.to_str().unwrap());
        match alg {
            KeyAlgorithm::EcdsaP256 => run(&[
                "dgst",
                "-sha256",
                "-verify",
                spki,
                "-keyform",
                "DER",
                "-signature",
                sig,
                msg,
            ]),
            KeyAlgorithm::EcdsaP384 => run(&[
                "dgst",
                "-sha384",
                "-verify",
                spki,
                "-keyform",
                "DER",
                "-signature",
                sig,
                msg,
            ]),
            KeyAlgorithm::Rsa => run(&[
                "dgst",
                "-sha256",
                "-verify",
                spki,
                "-keyform",
                "DER",
                "-sigopt",
                "rsa_padding_mode:pss",
                "-sigopt",
                "rsa_pss_saltlen:digest",
                "-signature",
                sig,
                msg,
            ]),
            _ => run(&[
                "pkeyutl", "-verify", "-rawin", "-pubin", "-keyform", "DER", "-inkey", spki,
                "-sigfile", sig, "-in", msg,
            ]),
        }
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

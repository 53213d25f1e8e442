//! `qssl cert`: the files it writes, checked by our own parsers and by OpenSSL 3.5.

mod common;

use std::path::Path;
use std::process::Command;
use std::time::Duration;

use common::{TempDir, openssl_35, qssl, run_bounded};
use qssl_crypto::keys::load_private_key_pem;
use qssl_crypto::pki::{pem_certificates, pem_encode};
use qssl_crypto::sign::{KeyAlgorithm, SigningKey};

const LIMIT: Duration = Duration::from_secs(120);

const ALGS: [(&str, KeyAlgorithm); 7] = [
    ("mldsa65", KeyAlgorithm::MlDsa65),
    ("mldsa44", KeyAlgorithm::MlDsa44),
    ("mldsa87", KeyAlgorithm::MlDsa87),
    ("ecdsa-p384", KeyAlgorithm::EcdsaP384),
    ("ecdsa-p256", KeyAlgorithm::EcdsaP256),
    ("ed25519", KeyAlgorithm::Ed25519),
    ("rsa2048", KeyAlgorithm::Rsa),
];

/// Runs `qssl cert --out DIR --alg ALG` (plus `extra`) and checks what it wrote;
/// returns the leaf and intermediate DER.
fn make_and_check(dir: &Path, alg: &str, algorithm: KeyAlgorithm, extra: &[&str]) -> [Vec<u8>; 2] {
    let run = run_bounded(
        qssl()
            .args(["cert", "--out"])
            .arg(dir)
            .args(["--alg", alg])
            .args(extra),
        LIMIT,
    );
    assert!(run.status.success(), "{alg}: {run:?}");
    assert!(run.stderr.is_empty(), "{alg}: {}", run.stderr);

    let read = |f: &str| std::fs::read_to_string(dir.join(f)).unwrap();
    let ca = pem_certificates(&read("ca.pem")).unwrap();
    assert_eq!(ca.len(), 1, "{alg}: ca.pem holds the root only");
    let chain = pem_certificates(&read("chain.pem")).unwrap();
    assert_eq!(chain.len(), 2, "{alg}: chain.pem = leaf, intermediate");
    assert_ne!(chain[0], chain[1]);
    assert_ne!(chain[1], ca[0]);

    let key = load_private_key_pem(&read("key.pem")).unwrap();
    assert_eq!(key.algorithm(), algorithm, "{alg}");
    // The key is the leaf's: its SubjectPublicKeyInfo sits inside the leaf certificate
    // and in neither CA certificate.
    let spki = key.public_key_spki();
    let holds = |der: &[u8]| der.windows(spki.len()).any(|w| w == spki);
    assert!(holds(&chain[0]), "{alg}: key.pem is not the leaf's key");
    assert!(!holds(&chain[1]) && !holds(&ca[0]));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(dir.join("key.pem"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o077, 0, "key.pem must be owner-only, mode {mode:o}");
    }
    [chain[0].clone(), chain[1].clone()]
}

/// `openssl verify` of the leaf against ca.pem with the intermediate untrusted, as a
/// TLS server and client certificate for the given names.
fn openssl_verify(openssl: &Path, dir: &Path, chain: &[Vec<u8>; 2], names: &[&str]) {
    std::fs::write(dir.join("leaf.pem"), pem_encode("CERTIFICATE", &chain[0])).unwrap();
    std::fs::write(dir.join("inter.pem"), pem_encode("CERTIFICATE", &chain[1])).unwrap();
    let mut checks: Vec<Vec<&str>> = vec![
        vec![],
        vec![
            "-x509_strict",
            "-purpose",
            "sslserver",
            "-verify_ip",
            "127.0.0.1",
        ],
        vec!["-x509_strict", "-purpose", "sslclient"],
    ];
    for name in names {
        checks.push(vec!["-purpose", "sslserver", "-verify_hostname", name]);
    }
    for extra in checks {
        let out = Command::new(openssl)
            .current_dir(dir)
            .args(["verify", "-CAfile", "ca.pem", "-untrusted", "inter.pem"])
            .args(&extra)
            .arg("leaf.pem")
            .output()
            .unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout);
        println!(
            "{}: openssl verify -CAfile ca.pem -untrusted inter.pem {} leaf.pem -> {}",
            dir.display(),
            extra.join(" "),
            stdout.trim()
        );
        assert!(
            out.status.success() && stdout.trim() == "leaf.pem: OK",
            "{}: {stdout}{}",
            dir.display(),
            String::from_utf8_lossy(&out.stderr)
        );
    }
    // A chain without the intermediate must not verify: the test can fail.
    let out = Command::new(openssl)
        .current_dir(dir)
        .args(["verify", "-CAfile", "ca.pem", "leaf.pem"])
        .output()
        .unwrap();
    assert!(!out.status.success(), "verified without the intermediate");
}

#[test]
fn every_alg_writes_a_chain_that_loads_and_openssl_accepts() {
    let openssl = openssl_35();
    if let Err(why) = &openssl {
        println!("SKIPPED openssl verify of `qssl cert` output: no OpenSSL 3.5 ({why})");
    }
    for (alg, algorithm) in ALGS {
        let dir = TempDir::new(&format!("cert-{alg}"));
        let out = dir.path().join("pki");
        let chain = make_and_check(&out, alg, algorithm, &[]);
        if let Ok(openssl) = &openssl {
            openssl_verify(openssl, &out, &chain, &["localhost"]);
        }
    }
}

#[test]
fn default_alg_is_mldsa65_and_names_are_repeatable() {
    let dir = TempDir::new("cert-names");
    let run = run_bounded(
        qssl().args(["cert", "--out"]).arg(dir.path()).args([
            "--name",
            "a.example",
            "--name",
            "b.example",
            "--name",
            "::1",
        ]),
        LIMIT,
    );
    assert!(run.status.success(), "{run:?}");
    let key = load_private_key_pem(&std::fs::read_to_string(dir.path().join("key.pem")).unwrap())
        .unwrap();
    assert_eq!(key.algorithm(), KeyAlgorithm::MlDsa65);
    let chain =
        pem_certificates(&std::fs::read_to_string(dir.path().join("chain.pem")).unwrap()).unwrap();
    let leaf = &chain[0];
    let contains = |needle: &[u8]| leaf.windows(needle.len()).any(|w| w == needle);
    assert!(contains(b"a.example") && contains(b"b.example"));
    assert!(!contains(b"localhost"), "--name replaces the default");
    match openssl_35() {
        Ok(openssl) => openssl_verify(
            &openssl,
            dir.path(),
            &[chain[0].clone(), chain[1].clone()],
            &["a.example", "b.example"],
        ),
        Err(why) => println!("SKIPPED openssl verify of --name: no OpenSSL 3.5 ({why})"),
    }
}

#[test]
fn unknown_alg_is_one_line_and_writes_nothing() {
    let dir = TempDir::new("cert-badalg");
    let out = dir.path().join("pki");
    let run = run_bounded(
        qssl()
            .args(["cert", "--out"])
            .arg(&out)
            .args(["--alg", "dilithium3"]),
        LIMIT,
    );
    let line = run.one_error_line();
    assert!(
        line.contains("'dilithium3'") && line.contains("--alg"),
        "{line}"
    );
    assert!(
        line.contains("mldsa65"),
        "lists the accepted values: {line}"
    );
    assert_eq!(run.status.code(), Some(2));
    assert!(!out.exists());
}

#[test]
fn unwritable_out_is_one_line_naming_the_path() {
    let dir = TempDir::new("cert-unwritable");
    let file = dir.path().join("a-file");
    std::fs::write(&file, b"not a directory").unwrap();
    let out = file.join("pki");
    let run = run_bounded(qssl().args(["cert", "--out"]).arg(&out), LIMIT);
    let line = run.one_error_line();
    assert!(line.contains("cannot create directory"), "{line}");
    assert!(line.contains(&out.display().to_string()), "{line}");
    assert_eq!(run.status.code(), Some(1));
}

#[test]
fn missing_out_and_unknown_flag_are_one_line() {
    let run = run_bounded(qssl().arg("cert"), LIMIT);
    assert!(run.one_error_line().contains("--out"));
    let run = run_bounded(qssl().args(["cert", "--out", "x", "--bogus"]), LIMIT);
    assert!(run.one_error_line().contains("'--bogus'"));
    let run = run_bounded(&mut qssl(), LIMIT);
    assert!(run.one_error_line().contains("subcommand"));
}

//! `qssl cert`: a three-level test PKI (root → intermediate → leaf) written as PEM files,
//! and the same PKI in memory for `qssl demo`.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

use clap::{Args, ValueEnum};
use qssl_crypto::pki::TestPki;
use qssl_crypto::rand::OS_RANDOM;
use qssl_crypto::sign::KeyAlgorithm;

use crate::error::CliError;

/// Key algorithms for `--alg`, spelled as on the command line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum Alg {
    /// ML-DSA-65 (FIPS 204), the default.
    Mldsa65,
    /// ML-DSA-44 (FIPS 204).
    Mldsa44,
    /// ML-DSA-87 (FIPS 204).
    Mldsa87,
    /// ECDSA on P-384 with SHA-384.
    #[value(name = "ecdsa-p384")]
    EcdsaP384,
    /// ECDSA on P-256 with SHA-256.
    #[value(name = "ecdsa-p256")]
    EcdsaP256,
    /// Ed25519.
    Ed25519,
    /// RSA 2048 (certificates signed with RSA-PSS).
    Rsa2048,
}

impl Alg {
    /// The name used on the command line.
    pub(crate) fn name(self) -> &'static str {
        match self {
            Alg::Mldsa65 => "mldsa65",
            Alg::Mldsa44 => "mldsa44",
            Alg::Mldsa87 => "mldsa87",
            Alg::EcdsaP384 => "ecdsa-p384",
            Alg::EcdsaP256 => "ecdsa-p256",
            Alg::Ed25519 => "ed25519",
            Alg::Rsa2048 => "rsa2048",
        }
    }

    pub(crate) fn key_algorithm(self) -> KeyAlgorithm {
        match self {
            Alg::Mldsa65 => KeyAlgorithm::MlDsa65,
            Alg::Mldsa44 => KeyAlgorithm::MlDsa44,
            Alg::Mldsa87 => KeyAlgorithm::MlDsa87,
            Alg::EcdsaP384 => KeyAlgorithm::EcdsaP384,
            Alg::EcdsaP256 => KeyAlgorithm::EcdsaP256,
            Alg::Ed25519 => KeyAlgorithm::Ed25519,
            Alg::Rsa2048 => KeyAlgorithm::Rsa,
        }
    }
}

/// `qssl cert` arguments.
#[derive(Debug, Args)]
pub(crate) struct CertArgs {
    /// Directory to write ca.pem, chain.pem and key.pem into (created if missing).
    #[arg(long, value_name = "DIR")]
    pub(crate) out: PathBuf,
    /// Key algorithm of all three certificates.
    #[arg(long, value_enum, default_value_t = Alg::Mldsa65)]
    pub(crate) alg: Alg,
    /// DNS name (or IP address) for the leaf's subjectAltName; repeatable.
    /// 127.0.0.1 is always added.
    #[arg(long = "name", value_name = "DNS", default_value = "localhost")]
    pub(crate) names: Vec<String>,
}

/// Makes a root → intermediate → leaf PKI with keys of `alg` (the one
/// [`TestPki::generate`] that the tests and the interop matrix use too); the leaf
/// carries `names` plus 127.0.0.1 and may serve as a TLS server or client certificate.
pub(crate) fn make_pki(alg: Alg, names: &[String]) -> Result<TestPki, CliError> {
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_err(|_| CliError::Clock)?
        .as_secs();
    TestPki::generate(alg.key_algorithm(), names, now, OS_RANDOM).map_err(|source| {
        CliError::Certificate {
            what: "test PKI",
            source,
        }
    })
}

/// Runs `qssl cert`.
pub(crate) fn run(args: &CertArgs) -> Result<(), CliError> {
    fs::create_dir_all(&args.out).map_err(|e| CliError::file("create directory", &args.out, e))?;
    let pki = make_pki(args.alg, &args.names)?;
    let key_pem = pki
        .leaf
        .key
        .to_pkcs8_pem()
        .map_err(|source| CliError::KeyGeneration {
            alg: args.alg.name(),
            source,
        })?;

    let ca = args.out.join("ca.pem");
    let chain = args.out.join("chain.pem");
    let key = args.out.join("key.pem");
    write_file(&ca, pki.root.to_pem().as_bytes(), false)?;
    write_file(&chain, pki.chain_pem(&pki.leaf).as_bytes(), false)?;
    write_file(&key, key_pem.as_bytes(), true)?;
    println!(
        "{}: root CA certificate ({})",
        ca.display(),
        args.alg.name()
    );
    println!(
        "{}: leaf then intermediate certificate, names {}, 127.0.0.1",
        chain.display(),
        args.names.join(", ")
    );
    println!("{}: leaf private key (PKCS#8)", key.display());
    Ok(())
}

/// Writes `contents` to `path`; a private key is created owner-only.
fn write_file(path: &Path, contents: &[u8], private: bool) -> Result<(), CliError> {
    let mut options = fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    if private {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    #[cfg(not(unix))]
    let _ = private;
    let mut file = options
        .open(path)
        .map_err(|e| CliError::file("write", path, e))?;
    file.write_all(contents)
        .map_err(|e| CliError::file("write", path, e))
}

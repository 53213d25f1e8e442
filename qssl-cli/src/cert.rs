//! `qssl cert`: a three-level test PKI (root → intermediate → leaf) written as PEM files,
//! and the same PKI in memory for `qssl demo`.

use std::fs;
use std::io::Write;
use std::net::{IpAddr, Ipv4Addr};
use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

use clap::{Args, ValueEnum};
use qssl_crypto::keys::{self, PrivateKey};
use qssl_crypto::pki::{self, Certificate, CertificateParams, CertificateRole, KeySigner};
use qssl_crypto::rand::OS_RANDOM;
use qssl_crypto::sign::{KeyAlgorithm, SigningKey};

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

    fn key_algorithm(self) -> KeyAlgorithm {
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

/// A freshly made test PKI.
pub(crate) struct TestPki {
    /// The self-signed root (the trust anchor).
    pub(crate) root: Certificate,
    /// The intermediate CA, signed by the root.
    pub(crate) intermediate: Certificate,
    /// The leaf, signed by the intermediate.
    pub(crate) leaf: Certificate,
    /// The leaf's private key.
    pub(crate) leaf_key: PrivateKey,
}

impl TestPki {
    /// `chain.pem`: the leaf, then the intermediate (what a server sends).
    pub(crate) fn chain_pem(&self) -> String {
        self.leaf.to_pem() + &self.intermediate.to_pem()
    }
}

/// How long test certificates stay valid, and how far back they start (clock skew).
const VALIDITY_SECS: u64 = 365 * 24 * 3600;
const BACKDATE_SECS: u64 = 3600;

/// Makes a root → intermediate → leaf PKI with keys of `alg`; the leaf carries `names`
/// (DNS names, or IP addresses when they parse as one) plus 127.0.0.1, and may serve
/// as a TLS server or client certificate.
pub(crate) fn make_pki(alg: Alg, names: &[String]) -> Result<TestPki, CliError> {
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_err(|_| CliError::Clock)?
        .as_secs();
    let (not_before, not_after) = (now.saturating_sub(BACKDATE_SECS), now + VALIDITY_SECS);
    let generate = || {
        keys::generate(alg.key_algorithm()).map_err(|source| CliError::KeyGeneration {
            alg: alg.name(),
            source,
        })
    };
    // A random tag in the CA names keeps two PKIs made by this command apart: a
    // verifier that finds an issuer by name must not find the other PKI's CA.
    let tag: String = serial()?[..4].iter().map(|b| format!("{b:02x}")).collect();
    let root_key = generate()?;
    let inter_key = generate()?;
    let leaf_key = generate()?;

    let mut params = CertificateParams::new(
        &format!("Q-SSL test root CA {} {tag}", alg.name()),
        &serial()?,
        not_before,
        not_after,
    );
    params.role = CertificateRole::Ca { path_len: Some(1) };
    let root = pki::self_signed(&params, &KeySigner(&root_key)).map_err(|source| {
        CliError::Certificate {
            what: "root",
            source,
        }
    })?;

    let mut params = CertificateParams::new(
        &format!("Q-SSL test intermediate CA {} {tag}", alg.name()),
        &serial()?,
        not_before,
        not_after,
    );
    params.role = CertificateRole::Ca { path_len: Some(0) };
    let intermediate = pki::issue(
        &params,
        &inter_key.public_key_spki(),
        &root.der,
        &KeySigner(&root_key),
    )
    .map_err(|source| CliError::Certificate {
        what: "intermediate",
        source,
    })?;

    let mut ip_addresses: Vec<IpAddr> = Vec::new();
    let mut dns_names = Vec::new();
    for name in names {
        match name.parse::<IpAddr>() {
            Ok(ip) => ip_addresses.push(ip),
            Err(_) => dns_names.push(name.clone()),
        }
    }
    let loopback = IpAddr::V4(Ipv4Addr::LOCALHOST);
    if !ip_addresses.contains(&loopback) {
        ip_addresses.push(loopback);
    }
    let common_name = names.first().map_or("localhost", String::as_str);
    let mut params = CertificateParams::new(common_name, &serial()?, not_before, not_after);
    params.role = CertificateRole::EndEntity {
        server_auth: true,
        client_auth: true,
    };
    params.dns_names = dns_names;
    params.ip_addresses = ip_addresses;
    let leaf = pki::issue(
        &params,
        &leaf_key.public_key_spki(),
        &intermediate.der,
        &KeySigner(&inter_key),
    )
    .map_err(|source| CliError::Certificate {
        what: "leaf",
        source,
    })?;

    Ok(TestPki {
        root,
        intermediate,
        leaf,
        leaf_key,
    })
}

/// 16 random bytes, positive and non-zero as RFC 5280 §4.1.2.2 wants.
fn serial() -> Result<[u8; 16], CliError> {
    let mut serial = [0u8; 16];
    OS_RANDOM
        .fill(&mut serial)
        .map_err(|source| CliError::KeyGeneration {
            alg: "serial number",
            source,
        })?;
    serial[0] = (serial[0] & 0x7f) | 0x40;
    Ok(serial)
}

/// Runs `qssl cert`.
pub(crate) fn run(args: &CertArgs) -> Result<(), CliError> {
    fs::create_dir_all(&args.out).map_err(|e| CliError::file("create directory", &args.out, e))?;
    let pki = make_pki(args.alg, &args.names)?;
    let key_pem = pki
        .leaf_key
        .to_pkcs8_pem()
        .map_err(|source| CliError::KeyGeneration {
            alg: args.alg.name(),
            source,
        })?;

    let ca = args.out.join("ca.pem");
    let chain = args.out.join("chain.pem");
    let key = args.out.join("key.pem");
    write_file(&ca, pki.root.to_pem().as_bytes(), false)?;
    write_file(&chain, pki.chain_pem().as_bytes(), false)?;
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

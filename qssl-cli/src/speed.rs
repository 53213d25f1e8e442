//! `qssl speed [ALGORITHM...] [--provider default|portable] [--seconds S]`: like
//! `openssl speed`, how fast this machine runs each primitive of a provider and full
//! handshakes through the facade, as one table.
//!
//! - key exchange groups (the pure ML-KEM groups and the hybrids, named as in TLS,
//!   lowercased: `mlkem768`, `x25519mlkem768`, ...): `keygen` (the client's key
//!   pair), `encaps` (the server's step: the client's share checked, then
//!   encapsulated to), `decaps` (the client's last step);
//! - signature key algorithms (`mldsa65`, `ecdsa-p256`, ..., as `qssl cert --alg`
//!   spells them): `sign` and `verify` of a 128-byte message, the size of a TLS 1.3
//!   CertificateVerify input;
//! - AEADs (`aes-128-gcm`, `aes-256-gcm`, `chacha20-poly1305`): `seal` and `open` of
//!   16 KiB, a full record's content;
//! - `handshake-ALG` (e.g. `handshake-mldsa65`): full TLS 1.3 handshakes per second
//!   between a client and a server connection in this process (no sockets, no
//!   resumption), X25519MLKEM768, a root → intermediate → leaf chain of ALG.
//!
//! Each operation runs for `--seconds` of its own time (setup such as making the key
//! pair that a decapsulation consumes is not counted). Figures from a busy machine
//! are not comparable: run it alone.

use std::io;
use std::sync::Arc;
use std::time::{Duration, Instant};

use clap::{Args, ValueEnum};
use qssl::pki_types::{CertificateDer, ServerName};
use qssl::{ClientConfig, ClientConnection, ConnectionCommon, RootCertStore, ServerConfig};
use qssl::{ServerConnection, default_crypto_provider};
use qssl_crypto::ids::NamedGroup;
use qssl_crypto::keys;
use qssl_crypto::kx::{ActiveKeyExchange, SupportedKxGroup};
use qssl_crypto::provider::CryptoProvider;
use qssl_crypto::sign::SigningKey;
use qssl_crypto::suites::Tls13CipherSuite;

use crate::cert::{self, Alg};
use crate::error::CliError;

/// The AEAD input measured: a full record's content.
const AEAD_LEN: usize = 16 * 1024;
/// The signed message: about a TLS 1.3 CertificateVerify input (64 spaces, a
/// 33-byte context string, a zero byte, a 32–48-byte transcript hash).
const SIGNED_LEN: usize = 128;
/// Key pairs made ahead per batch of decapsulations (each is used once).
const DECAPS_BATCH: usize = 16;
/// The signature key algorithms, in table order.
const SIGNATURE_ALGS: [Alg; 7] = [
    Alg::Mldsa44,
    Alg::Mldsa65,
    Alg::Mldsa87,
    Alg::EcdsaP256,
    Alg::EcdsaP384,
    Alg::Ed25519,
    Alg::Rsa2048,
];

/// Which provider to measure.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum ProviderChoice {
    /// The facade's default (aws-lc when compiled in, as it is by default).
    Default,
    /// The portable, pure-Rust provider.
    Portable,
}

/// `qssl speed` arguments.
#[derive(Debug, Args)]
pub(crate) struct SpeedArgs {
    /// What to measure (everything when none is named): a key exchange group
    /// (mlkem768, mlkem1024, x25519mlkem768, x25519, ...), a signature algorithm
    /// (mldsa44, mldsa65, mldsa87, ecdsa-p256, ecdsa-p384, ed25519, rsa2048), an AEAD
    /// (aes-128-gcm, aes-256-gcm, chacha20-poly1305) or handshake-ALG with ALG a
    /// signature algorithm.
    #[arg(value_name = "ALGORITHM")]
    pub(crate) algorithms: Vec<String>,
    /// The provider measured.
    #[arg(long, value_enum, default_value_t = ProviderChoice::Default)]
    pub(crate) provider: ProviderChoice,
    /// Seconds of measured time per operation.
    #[arg(long, value_name = "S", default_value_t = 1.0, value_parser = positive_seconds)]
    pub(crate) seconds: f64,
    /// A private key on a PKCS#11 token (an RFC 7512 `pkcs11:` URI): its signatures
    /// per second through the token, beside a software key of the same algorithm on
    /// the provider measured. Needs `--cert` (the key's certificate, checked against
    /// the token's public key) and the module (`--pkcs11-module`, or the URI's
    /// `module-path`); the PIN comes from `QSSL_PKCS11_PIN`. Alone, only these two
    /// rows are measured.
    #[arg(long, value_name = "URI", requires = "cert")]
    pub(crate) key: Option<std::path::PathBuf>,
    /// The certificate (chain, leaf first, PEM) of `--key`.
    #[arg(long, value_name = "chain.pem", requires = "key")]
    pub(crate) cert: Option<std::path::PathBuf>,
    /// The PKCS#11 module (shared library) holding `--key`.
    #[arg(long, value_name = "PATH", requires = "key")]
    pub(crate) pkcs11_module: Option<std::path::PathBuf>,
}

/// `--seconds`: a positive number of seconds, at most an hour.
fn positive_seconds(s: &str) -> Result<f64, String> {
    match s.parse::<f64>() {
        Ok(v) if v > 0.0 && v <= 3600.0 => Ok(v),
        _ => Err(format!("`{s}` is not a number of seconds in (0, 3600]")),
    }
}

/// One thing to measure.
#[derive(Debug, Clone, Copy)]
enum Target {
    Kx(&'static dyn SupportedKxGroup),
    Signature(Alg),
    Aead(&'static Tls13CipherSuite),
    Handshake(Alg),
}

impl Target {
    fn name(&self) -> String {
        match self {
            Target::Kx(g) => group_name(g.name()),
            Target::Signature(a) => a.name().to_owned(),
            Target::Aead(s) => s.aead.name().to_ascii_lowercase(),
            Target::Handshake(a) => format!("handshake-{}", a.name()),
        }
    }
}

fn group_name(g: NamedGroup) -> String {
    g.name()
        .map_or_else(|| format!("{:#06x}", g.0), str::to_ascii_lowercase)
}

/// Every target of `provider`, in table order: groups (pure ML-KEM first), signatures,
/// AEADs, handshakes.
fn all_targets(provider: &CryptoProvider) -> Vec<Target> {
    let mut groups = provider.kx_groups.clone();
    // Stable: the provider's order within each class.
    groups.sort_by_key(|g| {
        let n = g.name();
        (!n.is_post_quantum(), n.is_post_quantum() && is_hybrid(n))
    });
    let mut targets: Vec<Target> = groups.into_iter().map(Target::Kx).collect();
    targets.extend(SIGNATURE_ALGS.map(Target::Signature));
    targets.extend(
        provider
            .tls13_cipher_suites
            .iter()
            .copied()
            .map(Target::Aead),
    );
    targets.extend(SIGNATURE_ALGS.map(Target::Handshake));
    targets
}

fn is_hybrid(g: NamedGroup) -> bool {
    !matches!(g, NamedGroup::MLKEM768 | NamedGroup::MLKEM1024)
}

/// The targets named on the command line, in the order given; an unknown name is an
/// error that lists the known ones.
fn chosen_targets(provider: &CryptoProvider, names: &[String]) -> Result<Vec<Target>, CliError> {
    let all = all_targets(provider);
    if names.is_empty() {
        return Ok(all);
    }
    names
        .iter()
        .map(|n| {
            let wanted = n.to_ascii_lowercase();
            all.iter()
                .find(|t| t.name() == wanted)
                .copied()
                .ok_or_else(|| {
                    let known: Vec<String> = all.iter().map(Target::name).collect();
                    CliError::Speed(format!(
                        "unknown algorithm `{n}` (known: {})",
                        known.join(", ")
                    ))
                })
        })
        .collect()
}

/// One line of the table.
struct Row {
    algorithm: String,
    operation: &'static str,
    /// Operations and the measured time they took.
    ops: u64,
    elapsed: Duration,
    /// Bytes each operation processes, for a MB/s column.
    bytes_per_op: Option<usize>,
}

impl Row {
    fn per_second(&self) -> f64 {
        self.ops as f64 / self.elapsed.as_secs_f64().max(f64::MIN_POSITIVE)
    }
}

/// Runs `op` until `budget` of its own time has passed; `setup` makes each call's
/// input outside the timed part. At least one call.
fn measure<T>(
    budget: Duration,
    mut setup: impl FnMut() -> Result<T, CliError>,
    mut op: impl FnMut(T) -> Result<(), CliError>,
) -> Result<(u64, Duration), CliError> {
    let (mut ops, mut spent) = (0u64, Duration::ZERO);
    while ops == 0 || spent < budget {
        let input = setup()?;
        let start = Instant::now();
        op(input)?;
        spent += start.elapsed();
        ops += 1;
    }
    Ok((ops, spent))
}

fn crypto(what: &str, e: impl std::fmt::Display) -> CliError {
    CliError::Speed(format!("{what}: {e}"))
}

/// Runs `qssl speed`.
pub(crate) fn run(args: &SpeedArgs) -> Result<(), CliError> {
    let (name, provider) = match args.provider {
        ProviderChoice::Default => (qssl::DEFAULT_PROVIDER_NAME, default_crypto_provider()),
        ProviderChoice::Portable => ("portable", qssl_crypto::provider::default_provider()),
    };
    // With only a token key named, only it (and its software twin) is measured.
    let targets = if args.key.is_some() && args.algorithms.is_empty() {
        Vec::new()
    } else {
        chosen_targets(&provider, &args.algorithms)?
    };
    let budget = Duration::from_secs_f64(args.seconds);
    println!(
        "provider: {name}; {} s of measured time per operation",
        args.seconds
    );
    println!(
        "{:<22} {:<10} {:>12} {:>12} {:>10}",
        "algorithm", "operation", "ops/s", "us/op", "MB/s"
    );
    let provider = Arc::new(provider);
    if let (Some(key), Some(cert)) = (&args.key, &args.cert) {
        let chain = crate::tls::load_chain(cert)?;
        let token = crate::pkcs11::signing_key(key, &chain, args.pkcs11_module.as_deref())?;
        let software = match SIGNATURE_ALGS
            .iter()
            .find(|a| a.key_algorithm() == token.algorithm())
        {
            Some(alg) => Some(provider_key(&provider, *alg)?),
            None => None,
        };
        for (label, key) in [("token", Some(token)), ("software", software)] {
            let Some(key) = key else { continue };
            let row = sign_row(&*key, label, budget)?;
            print_row(&row);
        }
    }
    for target in targets {
        // Each row is printed as soon as it is measured: a full run takes a while.
        for row in measure_target(&provider, target, budget)? {
            print_row(&row);
        }
    }
    Ok(())
}

fn print_row(row: &Row) {
    let per_second = row.per_second();
    let mb = row.bytes_per_op.map_or_else(
        || "-".to_owned(),
        |b| format!("{:.1}", per_second * b as f64 / 1e6),
    );
    println!(
        "{:<22} {:<10} {:>12.1} {:>12.2} {:>10}",
        row.algorithm,
        row.operation,
        per_second,
        1e6 / per_second,
        mb
    );
}

/// Signatures per second of `key` with its preferred scheme, in a row named
/// `<algorithm> (<label>)`: the token's key and its software twin side by side.
fn sign_row(key: &dyn SigningKey, label: &str, budget: Duration) -> Result<Row, CliError> {
    let scheme = *key
        .schemes()
        .first()
        .ok_or_else(|| CliError::Speed(format!("{label}: the key signs no scheme")))?;
    let message = [0x20u8; SIGNED_LEN];
    let (ops, elapsed) = measure(
        budget,
        || Ok(()),
        |()| {
            key.sign(scheme, &message)
                .map(drop)
                .map_err(|e| crypto("sign", e))
        },
    )?;
    Ok(Row {
        algorithm: format!("{scheme} ({label})"),
        operation: "sign",
        ops,
        elapsed,
        bytes_per_op: None,
    })
}

fn measure_target(
    provider: &Arc<CryptoProvider>,
    target: Target,
    budget: Duration,
) -> Result<Vec<Row>, CliError> {
    let algorithm = target.name();
    let row = |operation, (ops, elapsed), bytes_per_op| Row {
        algorithm: algorithm.clone(),
        operation,
        ops,
        elapsed,
        bytes_per_op,
    };
    let rng = provider.secure_random;
    Ok(match target {
        Target::Kx(group) => {
            let keygen = measure(
                budget,
                || Ok(()),
                |()| group.start(rng).map(drop).map_err(|e| crypto("keygen", e)),
            )?;
            let client = group.start(rng).map_err(|e| crypto("keygen", e))?;
            let share = client.pub_key().to_vec();
            let encaps = measure(
                budget,
                || Ok(()),
                |()| {
                    group
                        .start_and_complete(&share, rng)
                        .map(drop)
                        .map_err(|e| crypto("encaps", e))
                },
            )?;
            // Each decapsulation consumes a key pair: make a batch of pairs and their
            // ciphertexts untimed, then time the decapsulations.
            let mut batch: Vec<(Box<dyn ActiveKeyExchange>, Vec<u8>)> = Vec::new();
            let decaps = measure(
                budget,
                || {
                    if batch.is_empty() {
                        for _ in 0..DECAPS_BATCH {
                            let c = group.start(rng).map_err(|e| crypto("keygen", e))?;
                            let done = group
                                .start_and_complete(c.pub_key(), rng)
                                .map_err(|e| crypto("encaps", e))?;
                            batch.push((c, done.pub_key.to_vec()));
                        }
                    }
                    batch
                        .pop()
                        .ok_or_else(|| CliError::Speed("no key pair".into()))
                },
                |(client, ct)| {
                    client
                        .complete(&ct)
                        .map(drop)
                        .map_err(|e| crypto("decaps", e))
                },
            )?;
            vec![
                row("keygen", keygen, None),
                row("encaps", encaps, None),
                row("decaps", decaps, None),
            ]
        }
        Target::Signature(alg) => {
            let key = provider_key(provider, alg)?;
            let scheme = *key
                .schemes()
                .first()
                .ok_or_else(|| CliError::Speed(format!("{algorithm}: the key signs no scheme")))?;
            let verifier = provider
                .verifier(scheme)
                .ok_or_else(|| CliError::Speed(format!("{algorithm}: no verifier for {scheme}")))?;
            let public = keys::subject_public_key(&key.public_key_spki())
                .ok_or_else(|| CliError::Speed(format!("{algorithm}: unreadable public key")))?;
            let message = [0x20u8; SIGNED_LEN];
            let sign = measure(
                budget,
                || Ok(()),
                |()| {
                    key.sign(scheme, &message)
                        .map(drop)
                        .map_err(|e| crypto("sign", e))
                },
            )?;
            let signature = key.sign(scheme, &message).map_err(|e| crypto("sign", e))?;
            let verify = measure(
                budget,
                || Ok(()),
                |()| {
                    verifier
                        .verify(&public, &message, &signature)
                        .map_err(|e| crypto("verify", e))
                },
            )?;
            vec![row("sign", sign, None), row("verify", verify, None)]
        }
        Target::Aead(suite) => {
            let aead = suite.aead;
            let key = aead
                .new_key(&vec![0x42; aead.key_len()])
                .map_err(|e| crypto("key", e))?;
            let aad = [0x17, 0x03, 0x03, 0x40, 0x11];
            let mut buf = vec![0u8; AEAD_LEN];
            let mut nonce = [0u8; 12];
            let mut counter = 0u64;
            let seal = measure(
                budget,
                || Ok(()),
                |()| {
                    counter += 1;
                    nonce[4..].copy_from_slice(&counter.to_be_bytes());
                    key.seal_in_place(&nonce, &aad, &mut buf)
                        .map(drop)
                        .map_err(|e| crypto("seal", e))
                },
            )?;
            // Each open takes a freshly sealed record (made untimed): decryption in
            // place leaves the plaintext behind.
            let plain = vec![0u8; AEAD_LEN];
            let open = measure(
                budget,
                || {
                    let mut sealed = plain.clone();
                    let tag = key
                        .seal_in_place(&nonce, &aad, &mut sealed)
                        .map_err(|e| crypto("seal", e))?;
                    Ok((sealed, tag))
                },
                |(mut sealed, tag)| {
                    key.open_in_place(&nonce, &aad, &mut sealed, &tag)
                        .map_err(|e| crypto("open", e))
                },
            )?;
            vec![
                row("seal", seal, Some(AEAD_LEN)),
                row("open", open, Some(AEAD_LEN)),
            ]
        }
        Target::Handshake(alg) => {
            let (client, server) = handshake_configs(provider, alg)?;
            let name = ServerName::try_from("localhost")
                .map_err(|_| CliError::ServerName("localhost".into()))?;
            let full = measure(
                budget,
                || Ok(()),
                |()| handshake(&client, &server, name.clone()),
            )?;
            vec![row("full", full, None)]
        }
    })
}

/// A fresh key of `alg` as `provider` loads it (so aws-lc signs with aws-lc).
fn provider_key(provider: &CryptoProvider, alg: Alg) -> Result<Box<dyn SigningKey>, CliError> {
    let key = keys::generate(alg.key_algorithm()).map_err(|source| CliError::KeyGeneration {
        alg: alg.name(),
        source,
    })?;
    load(provider, &key)
}

fn load(
    provider: &CryptoProvider,
    key: &keys::PrivateKey,
) -> Result<Box<dyn SigningKey>, CliError> {
    let der = key.to_pkcs8_der().map_err(|e| crypto("key", e))?;
    provider
        .key_provider
        .load_private_key_der(&der)
        .map_err(|e| crypto("key", e))
}

/// Client and server configurations on `provider` for X25519MLKEM768 and a chain of
/// `alg`, without resumption (every handshake is a full one).
fn handshake_configs(
    provider: &Arc<CryptoProvider>,
    alg: Alg,
) -> Result<(Arc<ClientConfig>, Arc<ServerConfig>), CliError> {
    let pki = cert::make_pki(alg, &["localhost".to_owned()])?;
    let group = provider
        .kx_group(NamedGroup::X25519MLKEM768)
        .ok_or_else(|| CliError::Speed("the provider lacks X25519MLKEM768".into()))?;
    let chain = vec![
        CertificateDer::from(pki.leaf.certificate.der.clone()),
        CertificateDer::from(pki.intermediate.der.clone()),
    ];
    let server = ServerConfig::builder()
        .with_provider((**provider).clone())
        .with_groups(vec![group])
        .with_single_cert(chain, load(provider, &pki.leaf.key)?)
        .without_resumption()
        .build()
        .map_err(CliError::Config)?;
    let mut roots = RootCertStore::new();
    roots
        .add(CertificateDer::from(pki.root.der.clone()))
        .map_err(|source| CliError::TrustAnchor {
            path: "the speed test root".into(),
            source,
        })?;
    let client = ClientConfig::builder()
        .with_provider((**provider).clone())
        .with_groups(vec![group])
        .with_root_certificates(Arc::new(roots))
        .without_resumption()
        .build()
        .map_err(CliError::Config)?;
    Ok((Arc::new(client), Arc::new(server)))
}

/// One full handshake between two fresh connections, in memory.
fn handshake(
    client: &Arc<ClientConfig>,
    server: &Arc<ServerConfig>,
    name: ServerName<'static>,
) -> Result<(), CliError> {
    let mut c = ClientConnection::new(client.clone(), name).map_err(|e| crypto("client", e))?;
    let mut s = ServerConnection::new(server.clone()).map_err(|e| crypto("server", e))?;
    let mut wire = Vec::new();
    while c.is_handshaking() || s.is_handshaking() {
        let moved = pass(&mut c, &mut s, &mut wire)? | pass(&mut s, &mut c, &mut wire)?;
        if !moved {
            return Err(CliError::Speed("the handshake stalled".into()));
        }
    }
    Ok(())
}

/// Moves what `from` has to send into `to` and processes it; whether any byte moved.
fn pass(
    from: &mut ConnectionCommon,
    to: &mut ConnectionCommon,
    wire: &mut Vec<u8>,
) -> Result<bool, CliError> {
    wire.clear();
    while from.wants_write() {
        from.write_tls(wire).map_err(|e| crypto("write_tls", e))?;
    }
    let mut rest: &[u8] = wire;
    while !rest.is_empty() {
        let n = to.read_tls(&mut rest).map_err(|e| crypto("read_tls", e))?;
        if n == 0 {
            return Err(crypto("read_tls", io::ErrorKind::WriteZero));
        }
        to.process_new_packets()
            .map_err(|e| crypto("handshake", e))?;
    }
    Ok(!wire.is_empty())
}

//! A throwaway SoftHSM2 token for the HSM tests, set up by the tests themselves.
//!
//! SoftHSM2 reads its configuration (`SOFTHSM2_CONF`) from the environment when the
//! module initialises, and one process initialises it once. Setting an environment
//! variable inside a running test process is `unsafe` in Rust 2024 (and we forbid
//! unsafe code), and tests of one binary share the process. So each HSM test runs in
//! a child process of its own: the test, run by libtest, makes a temp directory with
//! a `softhsm2.conf`, initialises two tokens in it with `softhsm2-util`, and runs the
//! test binary again for exactly this test with `SOFTHSM2_CONF` set. In the child,
//! [`hsm`] returns the token (set up once per process), with keys generated on it by
//! `C_GenerateKeyPair` and certificates for them from a software test CA.
//!
//! Without SoftHSM2 installed the tests fail when `CI` is set (to anything but empty,
//! `0` or `false`) and are skipped with a message otherwise.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;
use std::time::{SystemTime, UNIX_EPOCH};

use qssl_crypto::keys::{self, PrivateKey};
use qssl_crypto::pki::{self, Certificate, CertificateParams, CertificateRole, KeySigner};
use qssl_crypto::sign::{KeyAlgorithm, SigningKey};
use qssl_hsm::cryptoki::mechanism::Mechanism;
use qssl_hsm::cryptoki::object::Attribute;
use qssl_hsm::cryptoki::session::{Session, UserType};
use qssl_hsm::{KeySelector, Module, Pin, Pkcs11SigningKey, PoolOptions, Token, TokenSelector};
use zeroize::Zeroizing;

/// The token every test uses, logged in by [`hsm`].
pub(crate) const LABEL: &str = "qssl-test";
/// A second token nobody logs in to (login state is per process and token, so the
/// wrong-PIN test needs a token this process has not logged in to).
pub(crate) const SPARE_LABEL: &str = "qssl-spare";
pub(crate) const PIN: &str = "4321";
pub(crate) const SO_PIN: &str = "87654321";

const CHILD_VAR: &str = "QSSL_HSM_TEST_CHILD";
/// Set in a child whose token must be initialised through PKCS#11 itself (kryoptic
/// has no `softhsm2-util`).
const INIT_VAR: &str = "QSSL_HSM_TEST_INIT_TOKEN";
/// The kryoptic module (`libkryoptic_pkcs11.so`, a PKCS#11 3.2 token with ML-DSA);
/// `cargo xtask hsm` builds it and sets this.
pub(crate) const KRYOPTIC_VAR: &str = "QSSL_KRYOPTIC_MODULE";

/// Where Debian and others put the SoftHSM2 module.
pub(crate) fn softhsm_module() -> Option<PathBuf> {
    [
        "/usr/lib/softhsm/libsofthsm2.so",
        "/usr/lib/x86_64-linux-gnu/softhsm/libsofthsm2.so",
        "/usr/lib/aarch64-linux-gnu/softhsm/libsofthsm2.so",
        "/usr/lib64/pkcs11/libsofthsm2.so",
        "/usr/local/lib/softhsm/libsofthsm2.so",
    ]
    .iter()
    .map(PathBuf::from)
    .find(|p| p.exists())
}

fn init_token(conf: &Path, label: &str) {
    let out = Command::new("softhsm2-util")
        .env("SOFTHSM2_CONF", conf)
        .args(["--init-token", "--free", "--label", label])
        .args(["--pin", PIN, "--so-pin", SO_PIN])
        .output()
        .expect("softhsm2-util runs");
    assert!(
        out.status.success(),
        "softhsm2-util --init-token failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// In the test process: runs `test` (the test function's name) in a child process
/// with its own SoftHSM2 tokens and returns `None`. In that child: the token.
pub(crate) fn hsm(test: &str) -> Option<&'static Hsm> {
    if std::env::var_os(CHILD_VAR).is_some() {
        return Some(child_setup());
    }
    let Some(module) = softhsm_module() else {
        let msg = "libsofthsm2.so not found: install SoftHSM2 (apt-get install -y softhsm2, \
                   or `cargo xtask hsm`)";
        if in_ci() {
            panic!("{msg}; CI is set, so the HSM tests fail instead of skipping");
        }
        eprintln!("SKIPPED {test}: {msg}");
        return None;
    };
    let dir = scratch_dir(test);
    let tokens = dir.join("tokens");
    std::fs::create_dir_all(&tokens).unwrap();
    let conf = dir.join("softhsm2.conf");
    std::fs::write(
        &conf,
        format!(
            "directories.tokendir = {}\nobjectstore.backend = file\nlog.level = ERROR\n\
             slots.removable = false\n",
            tokens.display()
        ),
    )
    .unwrap();
    init_token(&conf, LABEL);
    init_token(&conf, SPARE_LABEL);
    run_child(test, &dir, &module, &[("SOFTHSM2_CONF", &conf)]);
    None
}

fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| !matches!(v.as_str(), "" | "0" | "false"))
}

/// Like [`hsm`], on a throwaway kryoptic token (sqlite, in a temp directory named by
/// `KRYOPTIC_CONF`), initialised through PKCS#11 in the child.
pub(crate) fn kryoptic(test: &str) -> Option<&'static Hsm> {
    if std::env::var_os(CHILD_VAR).is_some() {
        return Some(child_setup());
    }
    let module = std::env::var_os(KRYOPTIC_VAR)
        .map(PathBuf::from)
        .filter(|p| p.exists());
    let Some(module) = module else {
        let msg = format!(
            "no kryoptic module: set {KRYOPTIC_VAR} to libkryoptic_pkcs11.so \
             (`cargo xtask hsm` builds it and sets it)"
        );
        if in_ci() {
            panic!("{msg}; CI is set, so the kryoptic tests fail instead of skipping");
        }
        eprintln!("SKIPPED {test}: {msg}");
        return None;
    };
    let dir = scratch_dir(test);
    let conf = dir.join("kryoptic.conf");
    std::fs::write(
        &conf,
        format!(
            "[[slots]]\nslot = 42\ndbtype = \"sqlite\"\ndbargs = \"{}\"\n",
            dir.join("token.sql").display()
        ),
    )
    .unwrap();
    run_child(
        test,
        &dir,
        &module,
        &[("KRYOPTIC_CONF", &conf), (INIT_VAR, &conf)],
    );
    None
}

fn scratch_dir(test: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "qssl-hsm-{}-{test}-{}",
        std::process::id(),
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap()
            .as_nanos()
    ));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Runs this test binary again for `test` alone, with `vars`, and removes `dir`.
fn run_child(test: &str, dir: &Path, module: &Path, vars: &[(&str, &Path)]) {
    let out = Command::new(std::env::current_exe().unwrap())
        .args([test, "--exact", "--nocapture", "--test-threads=1"])
        .envs(vars.iter().map(|(k, v)| (k, v)))
        .env(CHILD_VAR, module)
        .output()
        .expect("the test binary runs again");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    let _ = std::fs::remove_dir_all(dir);
    assert!(
        out.status.success() && stdout.contains("1 passed"),
        "{test} failed in its token process:\n{stdout}\n{stderr}"
    );
}

/// The token, a software CA and helpers, once per (child) process.
pub(crate) struct Hsm {
    pub(crate) module_path: PathBuf,
    pub(crate) module: Module,
    pub(crate) token: Token,
    pub(crate) ca_key: PrivateKey,
    pub(crate) ca: Certificate,
}

fn child_setup() -> &'static Hsm {
    static HSM: OnceLock<Hsm> = OnceLock::new();
    HSM.get_or_init(|| {
        let module_path = PathBuf::from(std::env::var_os(CHILD_VAR).unwrap());
        let module = Module::load(&module_path).unwrap();
        if std::env::var_os(INIT_VAR).is_some() {
            init_token_by_pkcs11(&module);
        }
        let token = module
            .open_token(
                &TokenSelector::Label(LABEL.into()),
                pin(),
                PoolOptions::default(),
            )
            .unwrap();
        let ca_key = keys::generate(KeyAlgorithm::EcdsaP256).unwrap();
        let (nb, na) = validity();
        let mut params = CertificateParams::new("Q-SSL HSM test CA", &[0x11; 8], nb, na);
        params.role = CertificateRole::Ca { path_len: None };
        let ca = pki::self_signed(&params, &KeySigner(&ca_key)).unwrap();
        Hsm {
            module_path,
            module,
            token,
            ca_key,
            ca,
        }
    })
}

/// C_InitToken on the first slot, then the SO sets the user PIN (C_InitPIN).
fn init_token_by_pkcs11(module: &Module) {
    let ctx = module.context();
    let slot = ctx.get_all_slots().unwrap()[0];
    ctx.init_token(slot, &SO_PIN.into(), LABEL).unwrap();
    let s = ctx.open_rw_session(slot).unwrap();
    s.login(UserType::So, Some(&SO_PIN.into())).unwrap();
    s.init_pin(&PIN.into()).unwrap();
    s.logout().unwrap();
}

pub(crate) fn pin() -> Pin {
    Pin::new(Zeroizing::new(PIN.to_owned()))
}

fn validity() -> (u64, u64) {
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs();
    (now - 3600, now + 86_400)
}

/// A logged-in read-write session of our own on the token (provisioning).
pub(crate) fn rw_session(hsm: &Hsm) -> Session {
    let s = hsm
        .module
        .context()
        .open_rw_session(hsm.token.slot())
        .unwrap();
    // The pool already logged this process in; login state is shared.
    match s.login(UserType::User, Some(&PIN.into())) {
        Ok(()) => {}
        Err(qssl_hsm::cryptoki::error::Error::Pkcs11(
            qssl_hsm::cryptoki::error::RvError::UserAlreadyLoggedIn,
            _,
        )) => {}
        Err(e) => panic!("login: {e}"),
    }
    s
}

impl Hsm {
    /// Generates a key pair of `algorithm` on the token (`C_GenerateKeyPair`, token
    /// objects, private key sensitive and not extractable) with this label and id.
    pub(crate) fn generate(&self, algorithm: KeyAlgorithm, label: &str, id: &[u8]) {
        let s = rw_session(self);
        let common = |private: bool| {
            let mut t = vec![
                Attribute::Token(true),
                Attribute::Label(label.as_bytes().to_vec()),
                Attribute::Id(id.to_vec()),
            ];
            if private {
                t.extend([
                    Attribute::Private(true),
                    Attribute::Sensitive(true),
                    Attribute::Extractable(false),
                    Attribute::Sign(true),
                ]);
            } else {
                t.push(Attribute::Verify(true));
            }
            t
        };
        let (mech, mut public) = match algorithm {
            KeyAlgorithm::EcdsaP256 => (
                Mechanism::EccKeyPairGen,
                vec![Attribute::EcParams(vec![
                    0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07,
                ])],
            ),
            KeyAlgorithm::EcdsaP384 => (
                Mechanism::EccKeyPairGen,
                vec![Attribute::EcParams(vec![
                    0x06, 0x05, 0x2b, 0x81, 0x04, 0x00, 0x22,
                ])],
            ),
            KeyAlgorithm::Ed25519 => (
                Mechanism::EccEdwardsKeyPairGen,
                vec![Attribute::EcParams(vec![0x06, 0x03, 0x2b, 0x65, 0x70])],
            ),
            KeyAlgorithm::Rsa => (
                Mechanism::RsaPkcsKeyPairGen,
                vec![
                    Attribute::ModulusBits(2048.into()),
                    Attribute::PublicExponent(vec![0x01, 0x00, 0x01]),
                ],
            ),
            KeyAlgorithm::MlDsa44 | KeyAlgorithm::MlDsa65 | KeyAlgorithm::MlDsa87 => {
                use qssl_hsm::cryptoki::object::MlDsaParameterSetType as P;
                let set = match algorithm {
                    KeyAlgorithm::MlDsa44 => P::ML_DSA_44,
                    KeyAlgorithm::MlDsa65 => P::ML_DSA_65,
                    _ => P::ML_DSA_87,
                };
                (
                    Mechanism::MlDsaKeyPairGen,
                    vec![Attribute::ParameterSet(set.into())],
                )
            }
            other => panic!("no key generation for {other:?}"),
        };
        public.extend(common(false));
        s.generate_key_pair(&mech, &public, &common(true))
            .unwrap_or_else(|e| panic!("C_GenerateKeyPair {algorithm:?}: {e}"));
    }

    /// An end-entity certificate (server and client auth, `localhost` and
    /// 127.0.0.1) for the public key `spki`, issued by the test CA.
    pub(crate) fn certificate(&self, spki: &[u8]) -> Vec<u8> {
        static SERIAL: std::sync::atomic::AtomicU8 = std::sync::atomic::AtomicU8::new(1);
        let (nb, na) = validity();
        let serial = SERIAL.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let mut params = CertificateParams::new("localhost", &[0x22, serial], nb, na);
        params.role = CertificateRole::EndEntity {
            server_auth: true,
            client_auth: true,
        };
        params.dns_names = vec!["localhost".into()];
        params.ip_addresses = vec!["127.0.0.1".parse().unwrap()];
        pki::issue(&params, spki, &self.ca.der, &KeySigner(&self.ca_key))
            .unwrap()
            .der
    }

    /// Generates a key of `algorithm` labelled `label` and issues its certificate;
    /// returns the key as loaded against that certificate, and the certificate.
    pub(crate) fn key_with_certificate(
        &self,
        algorithm: KeyAlgorithm,
        label: &str,
    ) -> (Pkcs11SigningKey, Vec<u8>) {
        let id: Vec<u8> = label.bytes().rev().collect();
        self.generate(algorithm, label, &id);
        let bare =
            Pkcs11SigningKey::without_certificate(&self.token, &KeySelector::Label(label.into()))
                .unwrap();
        let cert = self.certificate(&bare.public_key_spki());
        let key =
            Pkcs11SigningKey::new(&self.token, &KeySelector::Label(label.into()), &cert).unwrap();
        (key, cert)
    }
}

/// The four algorithms SoftHSM2 signs with, and a label for each.
pub(crate) const ALGORITHMS: [(KeyAlgorithm, &str); 4] = [
    (KeyAlgorithm::EcdsaP256, "p256"),
    (KeyAlgorithm::EcdsaP384, "p384"),
    (KeyAlgorithm::Ed25519, "ed25519"),
    (KeyAlgorithm::Rsa, "rsa2048"),
];

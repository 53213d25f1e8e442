//! The fixed configurations the connection fuzz targets run with, and the
//! deterministic randomness that makes a recorded handshake replayable.
//!
//! Shared word for word with the corpus generator (`qssl-interop/tests/corpus.rs`
//! includes this file with `#[path]`), so that the seeds it records are answers to
//! exactly the hellos these configurations send: the client target's ClientHello
//! (random, key shares) comes from [`CLIENT_RANDOM`] reset before each connection,
//! the server's ServerHello from [`SERVER_RANDOM`], and the server signs with
//! Ed25519 (deterministic), so a recorded client flight still verifies — Finished
//! included — when it is replayed into a fresh fuzz-target server, and the fuzzer
//! starts from whole handshakes, not just hellos.
//!
//! The PKI is committed DER under `fuzz/fixtures/` (made once by
//! `QSSL_WRITE_FUZZ_FIXTURES=1 cargo test -p qssl-interop --test corpus`): an ML-DSA-65
//! root, an ML-DSA-44 intermediate and Ed25519 / ML-DSA-65 leaves, valid 2025-01-01 to
//! 2125-01-01 (the facade checks certificates against the real clock).
//!
//! **Fuzzing only**: [`FixedRandom`] is a predictable generator.

use std::io;
use std::path::Path;
use std::sync::{Arc, Mutex, PoisonError};

use qssl::crypto::error::CryptoError;
use qssl::crypto::provider::{CryptoProvider, default_provider};
use qssl::crypto::rand::SecureRandom;
use qssl::pki_types::{CertificateDer, ServerName};
use qssl::{
    ClientConfig, ClientConnection, KeyLog, RootCertStore, ServerConfig, ServerConnection,
    WebPkiClientVerifier,
};

/// The name the server certificates are issued for and the client asks for.
pub const SERVER_NAME: &str = "fuzz.qssl.example";

/// The ALPN protocols both sides speak.
pub const ALPN: [&[u8]; 2] = [b"h2", b"http/1.1"];

/// Not before of every fixture certificate: 2025-01-01T00:00:00Z.
pub const NOT_BEFORE: u64 = 1_735_689_600;
/// Not after of every fixture certificate: 2125-01-01T00:00:00Z.
pub const NOT_AFTER: u64 = 4_891_363_200;

/// A `SecureRandom` that replays one fixed stream (splitmix64 from a constant seed),
/// restarted by [`reset`](Self::reset). Predictable by design: fuzzing only.
#[derive(Debug)]
pub struct FixedRandom {
    seed: u64,
    state: Mutex<u64>,
}

impl FixedRandom {
    /// A generator whose stream starts at `seed`.
    pub const fn new(seed: u64) -> Self {
        Self {
            seed,
            state: Mutex::new(seed),
        }
    }

    /// Restarts the stream: the next bytes are the first ones again.
    pub fn reset(&self) {
        *self.state.lock().unwrap_or_else(PoisonError::into_inner) = self.seed;
    }
}

impl SecureRandom for FixedRandom {
    fn fill(&self, dest: &mut [u8]) -> Result<(), CryptoError> {
        let mut state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        for chunk in dest.chunks_mut(8) {
            *state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
            let mut z = *state;
            z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
            z ^= z >> 31;
            chunk.copy_from_slice(&z.to_le_bytes()[..chunk.len()]);
        }
        Ok(())
    }
}

/// The client target's randomness.
pub static CLIENT_RANDOM: FixedRandom = FixedRandom::new(0x5153_534C_2D63_6C69);
/// The server target's randomness.
pub static SERVER_RANDOM: FixedRandom = FixedRandom::new(0x5153_534C_2D73_7276);

/// The default provider with `random` as its only source of randomness.
pub fn provider(random: &'static FixedRandom) -> CryptoProvider {
    CryptoProvider {
        secure_random: random,
        ..default_provider()
    }
}

/// A certificate and its PKCS#8 private key, DER.
#[derive(Clone)]
pub struct Leaf {
    /// The certificate.
    pub cert: Vec<u8>,
    /// Its PKCS#8 private key.
    pub key: Vec<u8>,
}

/// The committed fixture PKI.
#[derive(Clone)]
pub struct Fixtures {
    /// ML-DSA-65 root CA, self-signed: the only trust anchor of both sides.
    pub root: Vec<u8>,
    /// ML-DSA-44 intermediate CA under the root; issues every leaf.
    pub intermediate: Vec<u8>,
    /// Ed25519 server leaf for [`SERVER_NAME`]: the server target's identity.
    pub server_ed25519: Leaf,
    /// ML-DSA-65 server leaf for [`SERVER_NAME`]: a second server the client seeds
    /// were recorded against.
    pub server_mldsa65: Leaf,
    /// Ed25519 client leaf (clientAuth): the client target's identity.
    pub client_ed25519: Leaf,
}

/// The file names in the fixture directory, in the order of [`Fixtures`]' fields.
pub const FILES: [&str; 8] = [
    "root.der",
    "intermediate.der",
    "server-ed25519.der",
    "server-ed25519.key.der",
    "server-mldsa65.der",
    "server-mldsa65.key.der",
    "client-ed25519.der",
    "client-ed25519.key.der",
];

impl Fixtures {
    /// Reads the fixture PKI from `dir` (`fuzz/fixtures`).
    pub fn load(dir: &Path) -> io::Result<Self> {
        let read = |i: usize| std::fs::read(dir.join(FILES[i]));
        Ok(Self {
            root: read(0)?,
            intermediate: read(1)?,
            server_ed25519: Leaf {
                cert: read(2)?,
                key: read(3)?,
            },
            server_mldsa65: Leaf {
                cert: read(4)?,
                key: read(5)?,
            },
            client_ed25519: Leaf {
                cert: read(6)?,
                key: read(7)?,
            },
        })
    }

    /// The trust anchors: the root alone.
    pub fn roots(&self) -> Arc<RootCertStore> {
        let mut roots = RootCertStore::new();
        roots
            .add(CertificateDer::from(self.root.clone()))
            .expect("the fixture root is a certificate");
        Arc::new(roots)
    }

    /// `leaf` followed by the intermediate, as a peer sends it.
    pub fn chain(&self, leaf: &Leaf) -> Vec<CertificateDer<'static>> {
        vec![
            CertificateDer::from(leaf.cert.clone()),
            CertificateDer::from(self.intermediate.clone()),
        ]
    }
}

fn load_key(der: &[u8]) -> Box<dyn qssl::crypto::sign::SigningKey> {
    Box::new(qssl::crypto::keys::load_private_key_der(der).expect("fixture keys load"))
}

/// The client target's configuration: the fixture root, the Ed25519 client
/// certificate when asked, ALPN, [`CLIENT_RANDOM`]; `key_log` for the corpus
/// generator, which decrypts what it records. Resumption off: a session store would
/// carry tickets from one input into the next input's ClientHello, and every input
/// must start from the same hello.
pub fn client_config(f: &Fixtures, key_log: Option<Arc<dyn KeyLog>>) -> Arc<ClientConfig> {
    let mut b = ClientConfig::builder()
        .with_provider(provider(&CLIENT_RANDOM))
        .without_resumption()
        .with_root_certificates(f.roots())
        .with_client_auth_cert(f.chain(&f.client_ed25519), load_key(&f.client_ed25519.key))
        .with_alpn_protocols(ALPN.iter().map(|p| p.to_vec()).collect());
    if let Some(k) = key_log {
        b = b.with_key_log(k);
    }
    CLIENT_RANDOM.reset();
    Arc::new(b.build().expect("the fuzz client configuration builds"))
}

/// The server target's configuration: the Ed25519 chain (its CertificateVerify is
/// deterministic), optional client authentication under the fixture root, ALPN,
/// [`SERVER_RANDOM`]. `leaf` picks another chain (the corpus generator's ML-DSA
/// server, whose flights the client target replays).
pub fn server_config(
    f: &Fixtures,
    leaf: Option<&Leaf>,
    key_log: Option<Arc<dyn KeyLog>>,
) -> Arc<ServerConfig> {
    let leaf = leaf.unwrap_or(&f.server_ed25519);
    let provider = provider(&SERVER_RANDOM);
    let verifier = Arc::new(WebPkiClientVerifier::new(f.roots(), &provider, false));
    let mut b = ServerConfig::builder()
        .with_provider(provider)
        .with_single_cert(f.chain(leaf), load_key(&leaf.key))
        .with_client_cert_verifier(verifier)
        .with_alpn_protocols(ALPN.iter().map(|p| p.to_vec()).collect());
    if let Some(k) = key_log {
        b = b.with_key_log(k);
    }
    SERVER_RANDOM.reset();
    Arc::new(b.build().expect("the fuzz server configuration builds"))
}

/// A fresh client connection to [`SERVER_NAME`], its randomness restarted: every
/// one sends the same ClientHello.
pub fn new_client(config: &Arc<ClientConfig>) -> ClientConnection {
    CLIENT_RANDOM.reset();
    let name = ServerName::try_from(SERVER_NAME).expect("a valid DNS name");
    ClientConnection::new(Arc::clone(config), name).expect("a client connection starts")
}

/// A fresh server connection, its randomness restarted.
pub fn new_server(config: &Arc<ServerConfig>) -> ServerConnection {
    SERVER_RANDOM.reset();
    ServerConnection::new(Arc::clone(config)).expect("a server connection starts")
}

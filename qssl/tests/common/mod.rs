//! The in-memory client/server pair every facade test uses (its driver is
//! `qssl::testing`, the handshake crate's pair helper over facade connections), and
//! test PKIs built in-process (one per key algorithm and chain length, cached).
#![allow(dead_code, unreachable_pub, unused_imports)]

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

use qssl::pki_types::CertificateDer;
use qssl::{
    ClientConfig, ClientConnection, ConnectionCommon, RootCertStore, ServerConfig, ServerConnection,
};
use qssl_crypto::keys;
use qssl_crypto::pki::{self, CertificateParams, CertificateRole, KeySigner};
use qssl_crypto::sign::{KeyAlgorithm, SigningKey};

/// A root, a chain (leaf first, `len` certificates, the last issued by the root) and
/// the leaf key as PKCS#8.
pub struct Pki {
    pub root: CertificateDer<'static>,
    pub chain: Vec<CertificateDer<'static>>,
    leaf_key: Vec<u8>,
}

impl Pki {
    /// The leaf key, loaded by the build's default provider (so an aws-lc build
    /// signs with aws-lc, a portable build with the pure-Rust crates).
    pub fn key(&self) -> Box<dyn SigningKey> {
        qssl::default_crypto_provider()
            .key_provider
            .load_private_key_der(&self.leaf_key)
            .unwrap()
    }

    pub fn roots(&self) -> Arc<RootCertStore> {
        let mut roots = RootCertStore::new();
        roots.add(self.root.clone()).unwrap();
        Arc::new(roots)
    }
}

/// The key exchange group `name` of the build's default provider
/// ([`qssl::default_crypto_provider`]: aws-lc by default, portable without the
/// feature), so that a test choosing groups runs on the provider its build is about.
pub fn group(name: qssl::NamedGroup) -> &'static dyn qssl_crypto::kx::SupportedKxGroup {
    qssl::default_crypto_provider()
        .kx_group(name)
        .expect("every provider has the design profile's groups")
}

pub fn now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

/// Options for a test PKI.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub struct PkiSpec {
    pub alg: KeyAlgorithm,
    /// Certificates sent by the peer: 1 = leaf only, 2 = leaf + intermediate, ...
    pub chain_len: usize,
    /// Leaf valid for "localhost" (else "other.example").
    pub right_name: bool,
    /// Leaf expired.
    pub expired: bool,
    /// Leaf EKU clientAuth as well as serverAuth.
    pub client: bool,
    /// The key algorithms of the root and the intermediates, root first
    /// (`chain_len` of them: the last one issues the leaf); `None`: all `alg`.
    pub issuer_algs: Option<&'static [KeyAlgorithm]>,
}

impl PkiSpec {
    pub fn new(alg: KeyAlgorithm) -> Self {
        Self {
            alg,
            chain_len: 1,
            right_name: true,
            expired: false,
            client: true,
            issuer_algs: None,
        }
    }

    /// The key algorithm of issuer `i` (0 = root, 1 = the intermediate it signs, ...).
    fn issuer_alg(&self, i: usize) -> KeyAlgorithm {
        self.issuer_algs
            .map_or(self.alg, |algs| algs.get(i).copied().unwrap_or(self.alg))
    }
}

fn build(spec: PkiSpec) -> Pki {
    let now = now();
    let root_key = keys::generate(spec.issuer_alg(0)).unwrap();
    let mut params = CertificateParams::new(
        &format!(
            "root {:?} {}{}{}{} {:?}",
            spec.alg,
            spec.chain_len,
            spec.right_name as u8,
            spec.expired as u8,
            spec.client as u8,
            spec.issuer_algs
        ),
        &[1],
        now - 3600,
        now + 86_400,
    );
    params.role = CertificateRole::Ca { path_len: None };
    let root = pki::self_signed(&params, &KeySigner(&root_key)).unwrap();
    let mut issuer_der = root.der.clone();
    let mut issuer_key = root_key;
    let mut intermediates = Vec::new();
    for i in 1..spec.chain_len {
        let key = keys::generate(spec.issuer_alg(i)).unwrap();
        let mut p = CertificateParams::new(
            &format!("intermediate {i}"),
            &[10 + i as u8],
            now - 3600,
            now + 86_400,
        );
        p.role = CertificateRole::Ca { path_len: None };
        let cert = pki::issue(
            &p,
            &key.public_key_spki(),
            &issuer_der,
            &KeySigner(&issuer_key),
        )
        .unwrap();
        issuer_der = cert.der.clone();
        issuer_key = key;
        intermediates.insert(0, CertificateDer::from(cert.der));
    }
    let leaf_key = keys::generate(spec.alg).unwrap();
    let (nb, na) = if spec.expired {
        (now - 86_400, now - 3600)
    } else {
        (now - 3600, now + 86_400)
    };
    let mut p = CertificateParams::new("", &[99], nb, na);
    p.dns_names = vec![
        if spec.right_name {
            "localhost"
        } else {
            "other.example"
        }
        .into(),
    ];
    p.role = CertificateRole::EndEntity {
        server_auth: true,
        client_auth: spec.client,
    };
    let leaf = pki::issue(
        &p,
        &leaf_key.public_key_spki(),
        &issuer_der,
        &KeySigner(&issuer_key),
    )
    .unwrap();
    let mut chain = vec![CertificateDer::from(leaf.der)];
    chain.extend(intermediates);
    Pki {
        root: CertificateDer::from(root.der),
        chain,
        leaf_key: leaf_key.to_pkcs8_der().unwrap().to_vec(),
    }
}

/// The cached PKI for `spec` (built once per test binary).
pub fn pki(spec: PkiSpec) -> Arc<Pki> {
    static CACHE: OnceLock<Mutex<HashMap<PkiSpec, Arc<Pki>>>> = OnceLock::new();
    let cache = CACHE.get_or_init(Default::default);
    if let Some(p) = cache.lock().unwrap().get(&spec) {
        return p.clone();
    }
    let p = Arc::new(build(spec));
    cache.lock().unwrap().insert(spec, p.clone());
    p
}

pub fn pki_for(alg: KeyAlgorithm) -> Arc<Pki> {
    pki(PkiSpec::new(alg))
}

/// Server config for `pki`; client config trusting its root.
pub fn configs(p: &Pki) -> (qssl::ClientConfigBuilder, qssl::ServerConfigBuilder) {
    (
        ClientConfig::builder().with_root_certificates(p.roots()),
        ServerConfig::builder().with_single_cert(p.chain.clone(), p.key()),
    )
}

/// A connected-in-memory pair (nothing sent yet).
pub fn pair(client: ClientConfig, server: ServerConfig) -> (ClientConnection, ServerConnection) {
    let c = ClientConnection::new(Arc::new(client), "localhost".try_into().unwrap()).unwrap();
    let s = ServerConnection::new(Arc::new(server)).unwrap();
    (c, s)
}

// The pair's driver is the one of `qssl_handshake::testing`, shared with the
// handshake crate's tests, over facade connections.
pub use qssl::testing::{
    do_handshake, inject_tls, run, set_handshake_hook, transfer, transfer_bytes,
};

/// Sends `data` from `from` and checks that `to` reads exactly it.
pub fn send_and_check(from: &mut ConnectionCommon, to: &mut ConnectionCommon, data: &[u8]) {
    use std::io::{Read, Write};
    from.writer().write_all(data).unwrap();
    let (_, r) = transfer(from, to);
    r.unwrap();
    let mut got = vec![0u8; data.len()];
    to.reader().read_exact(&mut got).unwrap();
    assert_eq!(got, data);
}

//! Seeds for the fuzz targets (`fuzz/`), recorded from real handshakes, and the check
//! that makes them worth having: replayed into the fuzz targets' fixed client and
//! server, each recorded flight completes the handshake again, so the fuzzer starts
//! from whole conversations and not from the first hello.
//!
//! Recorded (both directions on the wire, `WireTap`):
//! - the fuzz client (fixed configuration, deterministic randomness) against the fuzz
//!   server, a Q-SSL server with the fixture ML-DSA-65 chain, an OpenSSL server and a
//!   rustls server with that chain;
//! - OpenSSL and rustls clients (their own hellos: X25519MLKEM768 key shares) against
//!   the fuzz server.
//!
//! Each handshake the fuzz client took part in is also decrypted (its key log), which
//! gives the encrypted handshake messages — EncryptedExtensions, the ML-DSA
//! Certificate chains, CertificateRequest, CertificateVerify, Finished,
//! NewSessionTicket — as parser seeds.
//!
//! - `QSSL_WRITE_CORPUS=<dir>` writes the seeds to `<dir>/<target>/` (the fuzz targets'
//!   names; `fuzz/corpus` is the committed corpus).
//! - `QSSL_WRITE_FUZZ_FIXTURES=<dir>` first makes a new fixture PKI in `<dir>`
//!   (`fuzz/fixtures`); the committed corpus must be rewritten after that.
//!
//! Without either variable the test records and replays, and writes nothing.

#[path = "../../fuzz/src/fixtures.rs"]
#[allow(dead_code, unreachable_pub)]
mod fixtures;

#[path = "../../fuzz/src/drive.rs"]
#[allow(dead_code, unreachable_pub)]
mod drive;

use std::collections::BTreeMap;
use std::io::{self, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::Duration;

use fixtures::{Fixtures, Leaf};
use qssl::crypto::aead::{AES_128_GCM, AES_256_GCM, Aead, CHACHA20_POLY1305, NONCE_LEN};
use qssl::crypto::hmac::{HMAC_SHA256, HMAC_SHA384, Hmac, hmac_sign};
use qssl::crypto::ids::CipherSuite;
use qssl::crypto::keys;
use qssl::crypto::pki::{self, CertificateParams, CertificateRole, KeySigner};
use qssl::crypto::sign::{KeyAlgorithm as Alg, SigningKey};
use qssl::{ClientConnection, KeyLog, ServerConfig, ServerConnection, StreamOwned};
use qssl_interop::{
    ClientOptions, ClientPeer, Identity, KeyAlgorithm, OpenSslClient, OpenSslServer, RustlsClient,
    RustlsServer, ServerOptions, ServerPeer, TestPki, WireTap,
};

fn fixture_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../fuzz/fixtures")
}

/// Makes the fixture PKI (see `fuzz/src/fixtures.rs`) in `dir`.
fn write_fixtures(dir: &Path) {
    let name = fixtures::SERVER_NAME;
    let (nb, na) = (fixtures::NOT_BEFORE, fixtures::NOT_AFTER);
    let root_key = keys::generate(Alg::MlDsa65).unwrap();
    let mut p = CertificateParams::new("Q-SSL fuzz root ML-DSA-65", &[0x51, 1], nb, na);
    p.role = CertificateRole::Ca { path_len: None };
    let root = pki::self_signed(&p, &KeySigner(&root_key)).unwrap();
    let int_key = keys::generate(Alg::MlDsa44).unwrap();
    let mut p = CertificateParams::new("Q-SSL fuzz intermediate ML-DSA-44", &[0x51, 2], nb, na);
    p.role = CertificateRole::Ca { path_len: Some(0) };
    let int = pki::issue(
        &p,
        &int_key.public_key_spki(),
        &root.der,
        &KeySigner(&root_key),
    )
    .unwrap();
    let leaf = |alg: Alg, serial: u8, server: bool| {
        let key = keys::generate(alg).unwrap();
        let cn = if server { name } else { "fuzz client" };
        let mut p = CertificateParams::new(cn, &[0x51, serial], nb, na);
        p.role = CertificateRole::EndEntity {
            server_auth: server,
            client_auth: !server,
        };
        if server {
            p.dns_names = vec![name.to_owned()];
        }
        let cert = pki::issue(&p, &key.public_key_spki(), &int.der, &KeySigner(&int_key)).unwrap();
        (cert.der, key.to_pkcs8_der().unwrap().to_vec())
    };
    let (se, sek) = leaf(Alg::Ed25519, 3, true);
    let (sm, smk) = leaf(Alg::MlDsa65, 4, true);
    let (ce, cek) = leaf(Alg::Ed25519, 5, false);
    std::fs::create_dir_all(dir).unwrap();
    for (file, bytes) in fixtures::FILES
        .iter()
        .zip([root.der, int.der, se, sek, sm, smk, ce, cek])
    {
        std::fs::write(dir.join(file), bytes).unwrap();
    }
}

/// Key log lines of one connection: label → secret.
#[derive(Debug, Default)]
struct Secrets(Mutex<BTreeMap<String, Vec<u8>>>);

impl KeyLog for Secrets {
    fn log(&self, label: &str, _client_random: &[u8], secret: &[u8]) {
        self.0
            .lock()
            .unwrap()
            .insert(label.to_owned(), secret.to_vec());
    }
}

impl Secrets {
    fn take(&self) -> BTreeMap<String, Vec<u8>> {
        std::mem::take(&mut *self.0.lock().unwrap())
    }
}

/// One recorded connection.
struct Capture {
    name: &'static str,
    /// What the client sent: a seed for the server target.
    c2s: Vec<u8>,
    /// What the server sent: a seed for the client target.
    s2c: Vec<u8>,
    /// The fuzz client's secrets and suite, when it was the client.
    secrets: Option<(CipherSuite, BTreeMap<String, Vec<u8>>)>,
}

const TIMEOUT: Duration = Duration::from_secs(10);

/// Drives a client and a server to each other in memory until neither has anything
/// to say, exchanging a message and a KeyUpdate after the handshake.
fn in_memory(client: &mut ClientConnection, server: &mut ServerConnection) -> (Vec<u8>, Vec<u8>) {
    let (mut c2s, mut s2c) = (Vec::new(), Vec::new());
    let mut step = 0;
    loop {
        let mut moved = false;
        let mut buf = Vec::new();
        while client.write_tls(&mut buf).unwrap() > 0 {}
        if !buf.is_empty() {
            moved = true;
            c2s.extend_from_slice(&buf);
            server.read_tls(&mut &buf[..]).unwrap();
            server.process_new_packets().unwrap();
        }
        let mut buf = Vec::new();
        while server.write_tls(&mut buf).unwrap() > 0 {}
        if !buf.is_empty() {
            moved = true;
            s2c.extend_from_slice(&buf);
            client.read_tls(&mut &buf[..]).unwrap();
            client.process_new_packets().unwrap();
        }
        if !moved {
            if client.is_handshaking() || server.is_handshaking() {
                panic!("in-memory handshake stalled");
            }
            match step {
                0 => {
                    client.writer().write_all(b"GET / fuzz\r\n").unwrap();
                    server.writer().write_all(b"200 fuzz\r\n").unwrap();
                }
                1 => client.refresh_traffic_keys().unwrap(),
                2 => {
                    client.send_close_notify();
                    server.send_close_notify();
                }
                _ => break,
            }
            step += 1;
        }
    }
    (c2s, s2c)
}

/// The fuzz client against a Q-SSL server in memory.
fn fuzz_client_vs_qssl(name: &'static str, f: &Fixtures, server: &Arc<ServerConfig>) -> Capture {
    let secrets = Arc::new(Secrets::default());
    let config = fixtures::client_config(f, Some(secrets.clone() as Arc<dyn KeyLog>));
    let mut client = fixtures::new_client(&config);
    let mut server = fixtures::new_server(server);
    let (c2s, s2c) = in_memory(&mut client, &mut server);
    let suite = client.negotiated_cipher_suite().unwrap();
    Capture {
        name,
        c2s,
        s2c,
        secrets: Some((suite, secrets.take())),
    }
}

fn identity(f: &Fixtures, leaf: &Leaf) -> Identity {
    Identity {
        algorithm: KeyAlgorithm::MlDsa65,
        chain_pem: pki::pem_encode("CERTIFICATE", &leaf.cert)
            + &pki::pem_encode("CERTIFICATE", &f.intermediate),
        key_pem: pki::pem_encode("PRIVATE KEY", &leaf.key),
    }
}

fn connect() -> (TcpListener, TcpStream, TcpStream) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let client = TcpStream::connect(listener.local_addr().unwrap()).unwrap();
    let (server, _) = listener.accept().unwrap();
    for s in [&client, &server] {
        s.set_read_timeout(Some(TIMEOUT)).unwrap();
        s.set_write_timeout(Some(TIMEOUT)).unwrap();
    }
    (listener, client, server)
}

/// Reads until the peer closes (close_notify, EOF or an error: the peer may drop the
/// socket once it has nothing more to say).
fn drain(r: &mut impl Read) {
    let mut buf = [0u8; 4096];
    while r.read(&mut buf).is_ok_and(|n| n > 0) {}
}

/// The fuzz client over TCP against another implementation's server.
fn fuzz_client_vs_peer(name: &'static str, f: &Fixtures, peer: Box<dyn ServerPeer>) -> Capture {
    let (_listener, client_tcp, server_tcp) = connect();
    let server = thread::spawn(move || {
        if let Ok(mut session) = peer.accept(WireTap::new(server_tcp)) {
            let mut buf = [0u8; 12];
            if session.read_exact(&mut buf).is_ok() {
                let _ = session.write_all(b"200 fuzz\r\n");
                let _ = session.flush();
            }
            drain(&mut session);
            let _ = session.close();
        }
    });
    let secrets = Arc::new(Secrets::default());
    let config = fixtures::client_config(f, Some(secrets.clone() as Arc<dyn KeyLog>));
    let tap = WireTap::new(client_tcp);
    let transcript = tap.transcript();
    let mut tls = StreamOwned::new(fixtures::new_client(&config), tap);
    tls.write_all(b"GET / fuzz\r\n").unwrap();
    tls.flush().unwrap();
    let mut reply = [0u8; 10];
    tls.read_exact(&mut reply).unwrap();
    assert_eq!(&reply, b"200 fuzz\r\n");
    tls.conn.send_close_notify();
    let _ = tls.flush();
    drain(&mut tls);
    server.join().unwrap();
    let suite = tls.conn.negotiated_cipher_suite().unwrap();
    Capture {
        name,
        c2s: transcript.sent(),
        s2c: transcript.received(),
        secrets: Some((suite, secrets.take())),
    }
}

/// Another implementation's client over TCP against the fuzz server.
fn peer_vs_fuzz_server(
    name: &'static str,
    server: &Arc<ServerConfig>,
    peer: Box<dyn ClientPeer>,
) -> Capture {
    let (_listener, client_tcp, server_tcp) = connect();
    let client = thread::spawn(move || {
        let mut session = peer.connect(WireTap::new(client_tcp)).unwrap();
        session.write_all(b"GET / fuzz\r\n").unwrap();
        session.flush().unwrap();
        let mut reply = [0u8; 10];
        session.read_exact(&mut reply).unwrap();
        assert_eq!(&reply, b"200 fuzz\r\n");
        session.close().unwrap();
        drain(&mut session);
    });
    let tap = WireTap::new(server_tcp);
    let transcript = tap.transcript();
    let mut tls = StreamOwned::new(fixtures::new_server(server), tap);
    let mut request = [0u8; 12];
    tls.read_exact(&mut request).unwrap();
    tls.write_all(b"200 fuzz\r\n").unwrap();
    tls.flush().unwrap();
    drain(&mut tls);
    tls.conn.send_close_notify();
    let _ = tls.flush();
    client.join().unwrap();
    Capture {
        name,
        c2s: transcript.received(),
        s2c: transcript.sent(),
        secrets: None,
    }
}

/// The TLS records of a stream: (type, payload).
fn records(mut stream: &[u8]) -> Vec<(u8, Vec<u8>)> {
    let mut out = Vec::new();
    while stream.len() >= 5 {
        let len = usize::from(u16::from_be_bytes([stream[3], stream[4]]));
        let Some(payload) = stream.get(5..5 + len) else {
            break;
        };
        out.push((stream[0], payload.to_vec()));
        stream = &stream[5 + len..];
    }
    out
}

/// Whole handshake messages (header included) of a handshake byte stream.
fn messages(mut stream: &[u8]) -> Vec<Vec<u8>> {
    let mut out = Vec::new();
    while stream.len() >= 4 {
        let len = u32::from_be_bytes([0, stream[1], stream[2], stream[3]]) as usize;
        let Some(m) = stream.get(..4 + len) else {
            break;
        };
        out.push(m.to_vec());
        stream = &stream[4 + len..];
    }
    out
}

/// HKDF-Expand-Label(secret, label, "", len) for len <= HashLen (RFC 8446 §7.1):
/// one HMAC block.
fn expand_label(hmac: &'static dyn Hmac, secret: &[u8], label: &[u8], len: usize) -> Vec<u8> {
    let mut info = Vec::new();
    info.extend_from_slice(&(len as u16).to_be_bytes());
    info.push((6 + label.len()) as u8);
    info.extend_from_slice(b"tls13 ");
    info.extend_from_slice(label);
    info.push(0);
    info.push(1);
    hmac_sign(hmac, secret, &info).as_ref()[..len].to_vec()
}

/// The TLS 1.3 inner plaintexts (content ‖ type ‖ padding) of `stream`'s protected
/// records, opened with the handshake secret and then, from the first record it does
/// not open, the application secret (RFC 8446 §5.2).
fn decrypt(suite: CipherSuite, secrets: [&[u8]; 2], stream: &[u8]) -> Vec<Vec<u8>> {
    let (aead, hmac): (&dyn Aead, &'static dyn Hmac) = match suite {
        CipherSuite::TLS13_AES_128_GCM_SHA256 => (AES_128_GCM, HMAC_SHA256),
        CipherSuite::TLS13_AES_256_GCM_SHA384 => (AES_256_GCM, HMAC_SHA384),
        _ => (CHACHA20_POLY1305, HMAC_SHA256),
    };
    let mut epochs = secrets.iter();
    let mut next_key = || {
        let secret = epochs.next()?;
        let key = aead
            .new_key(&expand_label(hmac, secret, b"key", aead.key_len()))
            .unwrap();
        let iv: [u8; NONCE_LEN] = expand_label(hmac, secret, b"iv", NONCE_LEN)
            .try_into()
            .unwrap();
        Some((key, iv, 0u64))
    };
    let mut current = next_key();
    let mut out = Vec::new();
    let mut rest = stream;
    while rest.len() >= 5 {
        let len = usize::from(u16::from_be_bytes([rest[3], rest[4]]));
        let Some(body) = rest.get(5..5 + len) else {
            break;
        };
        let header = &rest[..5];
        rest = &rest[5 + len..];
        if header[0] != 23 || len < 16 {
            continue;
        }
        loop {
            let Some((key, iv, seq)) = current.as_mut() else {
                return out;
            };
            let mut nonce = *iv;
            for (n, s) in nonce[4..].iter_mut().zip(seq.to_be_bytes()) {
                *n ^= s;
            }
            let (ct, tag) = body.split_at(len - 16);
            let mut inner = ct.to_vec();
            let tag: [u8; 16] = tag.try_into().unwrap();
            if key.open_in_place(&nonce, header, &mut inner, &tag).is_ok() {
                *seq += 1;
                out.push(inner);
                break;
            }
            current = next_key();
        }
    }
    out
}

/// (content type, content) of an inner plaintext.
fn unpad(inner: &[u8]) -> Option<(u8, &[u8])> {
    let end = inner.iter().rposition(|&b| b != 0)?;
    Some((inner[end], &inner[..end]))
}

/// The seeds, by target.
#[derive(Default)]
struct Corpus(BTreeMap<&'static str, BTreeMap<String, Vec<u8>>>);

impl Corpus {
    fn add(&mut self, target: &'static str, name: impl Into<String>, bytes: Vec<u8>) {
        self.0.entry(target).or_default().insert(name.into(), bytes);
    }

    fn write(&self, dir: &Path) {
        for (target, seeds) in &self.0 {
            let d = dir.join(target);
            std::fs::create_dir_all(&d).unwrap();
            for (name, bytes) in seeds {
                std::fs::write(d.join(name), bytes).unwrap();
            }
        }
    }
}

/// Handshake message types → index in `qssl_handshake::fuzzing`'s body selector.
fn body_selector(typ: u8) -> Option<u8> {
    [1u8, 2, 4, 5, 8, 11, 13, 15, 20, 24, 22]
        .iter()
        .position(|&t| t == typ)
        .map(|i| i as u8)
}

/// Extension context selector of `fuzz_parse_extensions` and the offset of the
/// extension block in a message body, for the messages that carry one.
fn extension_block(typ: u8, body: &[u8]) -> Option<(u8, &[u8])> {
    let at = |i: usize| body.get(i).map(|&b| usize::from(b));
    match typ {
        // ClientHello: version, random, session_id, suites, compression.
        1 => {
            let mut i = 2 + 32;
            i += 1 + at(i)?;
            i += 2 + (at(i)? << 8 | at(i + 1)?);
            i += 1 + at(i)?;
            Some((0, body.get(i..)?))
        }
        // ServerHello (or HelloRetryRequest): version, random, session_id, suite, method.
        2 => {
            let mut i = 2 + 32;
            i += 1 + at(i)?;
            i += 3;
            let hrr = body.get(2..34)? == HRR_RANDOM;
            Some((if hrr { 2 } else { 1 }, body.get(i..)?))
        }
        8 => Some((3, body)),
        // CertificateRequest: context, extensions.
        13 => Some((4, body.get(1 + at(0)?..)?)),
        _ => None,
    }
}

/// RFC 8446 §4.1.3: SHA-256("HelloRetryRequest").
const HRR_RANDOM: [u8; 32] = [
    0xCF, 0x21, 0xAD, 0x74, 0xE5, 0x9A, 0x61, 0x11, 0xBE, 0x1D, 0x8C, 0x02, 0x1E, 0x65, 0xB8, 0x91,
    0xC2, 0xA2, 0x11, 0x16, 0x7A, 0xBB, 0x8C, 0x5E, 0x07, 0x9E, 0x09, 0xE2, 0xC8, 0xA8, 0x33, 0x9C,
];

/// Splits a capture into seeds for every target it can feed.
fn seeds(corpus: &mut Corpus, c: &Capture) {
    corpus.add("server", c.name, c.c2s.clone());
    corpus.add("client", c.name, c.s2c.clone());
    corpus.add(
        "record_deframer",
        format!("{}-c2s", c.name),
        [&[0u8][..], &c.c2s].concat(),
    );
    corpus.add(
        "record_deframer",
        format!("{}-s2c", c.name),
        [&[0x21u8][..], &c.s2c].concat(),
    );

    let mut flights: Vec<(&str, Vec<u8>)> = Vec::new();
    for (dir, stream) in [("c2s", &c.c2s), ("s2c", &c.s2c)] {
        let plain: Vec<u8> = records(stream)
            .into_iter()
            .filter(|(t, _)| *t == 22)
            .flat_map(|(_, p)| p)
            .collect();
        flights.push((dir, plain));
    }
    if let Some((suite, secrets)) = &c.secrets {
        for (dir, stream, hs, app) in [
            (
                "c2s",
                &c.c2s,
                "CLIENT_HANDSHAKE_TRAFFIC_SECRET",
                "CLIENT_TRAFFIC_SECRET_0",
            ),
            (
                "s2c",
                &c.s2c,
                "SERVER_HANDSHAKE_TRAFFIC_SECRET",
                "SERVER_TRAFFIC_SECRET_0",
            ),
        ] {
            let inner = decrypt(*suite, [&secrets[hs], &secrets[app]], stream);
            assert!(!inner.is_empty(), "{}: nothing decrypted {dir}", c.name);
            let mut handshake = Vec::new();
            for (i, p) in inner.iter().enumerate() {
                // record_open (TLS 1.3 AES-128-GCM, op 1 = seal this inner plaintext).
                if i < 4 {
                    let mut seed = vec![0u8, 1];
                    seed.extend_from_slice(&(p.len() as u16).to_be_bytes());
                    seed.extend_from_slice(p);
                    corpus.add("record_open", format!("{}-{dir}-{i}", c.name), seed);
                }
                if let Some((22, content)) = unpad(p) {
                    handshake.extend_from_slice(content);
                }
            }
            flights.push((dir, handshake));
        }
    }
    for (n, (dir, flight)) in flights.iter().enumerate() {
        if flight.is_empty() {
            continue;
        }
        corpus.add(
            "joiner",
            format!("{}-{dir}-{n}", c.name),
            [&[7u8][..], flight].concat(),
        );
        for m in messages(flight) {
            let (typ, body) = (m[0], &m[4..]);
            let tag = format!("{}-{dir}-{typ}", c.name);
            corpus.add("handshake_message", tag.clone(), m.clone());
            if let Some(sel) = body_selector(typ) {
                corpus.add("handshake_body", tag.clone(), [&[sel][..], body].concat());
            }
            if let Some((ctx, block)) = extension_block(typ, body) {
                corpus.add("extensions", tag.clone(), [&[ctx][..], block].concat());
            }
            // A Certificate message's chain as certificate_path input.
            if typ == 11 {
                corpus.add("certificate_path", tag, certificate_entries(body));
            }
        }
    }
}

/// The cert_data of a Certificate body (context, u24 list of {u24 cert, u16 exts}),
/// as certificate_path input (u16-prefixed certificates).
fn certificate_entries(body: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    let ctx = usize::from(body[0]);
    let mut list = &body[1 + ctx + 3..];
    while list.len() >= 3 {
        let len = u32::from_be_bytes([0, list[0], list[1], list[2]]) as usize;
        let cert = &list[3..3 + len];
        out.extend_from_slice(&(cert.len() as u16).to_be_bytes());
        out.extend_from_slice(cert);
        let ext = usize::from(u16::from_be_bytes([list[3 + len], list[4 + len]]));
        list = &list[3 + len + 2 + ext..];
    }
    out
}

fn chain_seed(certs: &[&[u8]]) -> Vec<u8> {
    let mut out = Vec::new();
    for c in certs {
        out.extend_from_slice(&(c.len() as u16).to_be_bytes());
        out.extend_from_slice(c);
    }
    out
}

/// Seeds that come from files and the PKIs rather than from the wire.
fn static_seeds(corpus: &mut Corpus, f: &Fixtures) {
    let repo = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let ocsp = repo.join("qssl-handshake/tests/vectors/ocsp");
    for entry in std::fs::read_dir(&ocsp).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let bytes = std::fs::read(&path).unwrap();
        if name.ends_with(".der") {
            corpus.add("ocsp", name, bytes);
        } else if name.ends_with(".key") || name == "good.pem" {
            corpus.add("keys", format!("ocsp-{name}"), bytes);
        }
    }
    let key_files = repo.join("qssl-crypto/tests/fixtures");
    for name in [
        "ed25519.der",
        "mldsa44.pem",
        "mldsa65-seed.der",
        "mldsa65-expanded.der",
        "mldsa65-both.pem",
        "mldsa87.der",
        "p256.pem",
        "p256.trad.der",
        "p384.der",
    ] {
        corpus.add("keys", name, std::fs::read(key_files.join(name)).unwrap());
    }
    let rsa = repo.join("qssl-handshake/tests/vectors/verify/rsa-int.key.pem");
    corpus.add("keys", "rsa-int.key.pem", std::fs::read(rsa).unwrap());
    corpus.add("keys", "fixture-ed25519.der", f.server_ed25519.key.clone());
    corpus.add(
        "keys",
        "fixture-chain.pem",
        identity(f, &f.server_mldsa65).chain_pem.into_bytes(),
    );

    corpus.add(
        "certificate_path",
        "fixture-server-ed25519",
        chain_seed(&[&f.server_ed25519.cert, &f.intermediate]),
    );
    corpus.add(
        "certificate_path",
        "fixture-server-mldsa65",
        chain_seed(&[&f.server_mldsa65.cert, &f.intermediate]),
    );
    corpus.add(
        "certificate_path",
        "fixture-client-ed25519",
        chain_seed(&[&f.client_ed25519.cert, &f.intermediate]),
    );
    // OpenSSL-made chains of other algorithms (other roots: parsing and path
    // building, then unknown issuer).
    for alg in [
        KeyAlgorithm::MlDsa87,
        KeyAlgorithm::EcdsaP384,
        KeyAlgorithm::Rsa2048,
    ] {
        let pki = TestPki::generate(alg).unwrap();
        let chain = pki::pem_certificates(&pki.server.chain_pem).unwrap();
        let refs: Vec<&[u8]> = chain.iter().map(Vec::as_slice).collect();
        corpus.add(
            "certificate_path",
            format!("openssl-{alg:?}").to_lowercase(),
            chain_seed(&refs),
        );
        corpus.add(
            "keys",
            format!("openssl-{alg:?}.pem").to_lowercase(),
            pki.server.key_pem.into_bytes(),
        );
    }

    for (name, bytes) in [
        ("close_notify", vec![1, 0]),
        ("fatal_handshake_failure", vec![2, 40]),
        ("warning_user_canceled_then_close", vec![1, 90, 1, 0]),
        ("unknown_level", vec![3, 120]),
        ("truncated", vec![2]),
    ] {
        corpus.add("alert", name, bytes);
    }
}

#[test]
fn record_and_replay() {
    if let Some(dir) = std::env::var_os("QSSL_WRITE_FUZZ_FIXTURES") {
        write_fixtures(Path::new(&dir));
    }
    let f = Fixtures::load(&fixture_dir()).expect("fuzz/fixtures");
    let fuzz_server = fixtures::server_config(&f, None, None);
    let mldsa_server = fixtures::server_config(&f, Some(&f.server_mldsa65), None);
    // The fuzz server's configuration as the fuzz target builds it: the recorded
    // conversations are answers to its exact ServerHello.
    let peer_server = ServerOptions::new(identity(&f, &f.server_mldsa65));
    let mut peer_client = ClientOptions::new(pki::pem_encode("CERTIFICATE", &f.root));
    peer_client.server_name = fixtures::SERVER_NAME.to_owned();

    let captures = [
        fuzz_client_vs_qssl("qssl-ed25519", &f, &fuzz_server),
        fuzz_client_vs_qssl("qssl-mldsa65", &f, &mldsa_server),
        fuzz_client_vs_peer(
            "openssl-mldsa65",
            &f,
            Box::new(OpenSslServer::new(&peer_server).unwrap()),
        ),
        fuzz_client_vs_peer(
            "rustls-mldsa65",
            &f,
            Box::new(RustlsServer::new(&peer_server).unwrap()),
        ),
        peer_vs_fuzz_server(
            "openssl",
            &fuzz_server,
            Box::new(OpenSslClient::new(&peer_client).unwrap()),
        ),
        peer_vs_fuzz_server(
            "rustls",
            &fuzz_server,
            Box::new(RustlsClient::new(&peer_client).unwrap()),
        ),
    ];

    // Replayed into a fresh fuzz client / server (the targets' own loop), every
    // recorded flight completes the handshake again and is answered with data.
    let client_config = fixtures::client_config(&f, None);
    for c in &captures {
        if c.secrets.is_some() {
            let mut client = fixtures::new_client(&client_config);
            drive::feed(&mut client, &c.s2c);
            assert!(!client.is_handshaking(), "{}: client replay", c.name);
            assert!(
                client.error().is_none(),
                "{}: client replay: {:?}",
                c.name,
                client.error()
            );
        }
        if c.name == "qssl-ed25519" || c.secrets.is_none() {
            let mut server = fixtures::new_server(&fuzz_server);
            drive::feed(&mut server, &c.c2s);
            assert!(!server.is_handshaking(), "{}: server replay", c.name);
            assert!(
                server.error().is_none(),
                "{}: server replay: {:?}",
                c.name,
                server.error()
            );
        }
    }
    // Every hello carries a post-quantum key share: an X25519MLKEM768 KeyShareEntry
    // (group 0x11EC, a 1216-byte key_exchange).
    for c in &captures {
        let hello = &records(&c.c2s)[0].1;
        assert!(
            hello.windows(4).any(|w| w == [0x11, 0xEC, 0x04, 0xC0]),
            "{}: no X25519MLKEM768 key share",
            c.name
        );
    }

    let mut corpus = Corpus::default();
    for c in &captures {
        seeds(&mut corpus, c);
    }
    static_seeds(&mut corpus, &f);
    let total: usize = corpus
        .0
        .values()
        .flat_map(|s| s.values())
        .map(Vec::len)
        .sum();
    assert!(
        total < 2 << 20,
        "corpus of {total} bytes: keep it under 2 MiB"
    );
    if let Some(dir) = std::env::var_os("QSSL_WRITE_CORPUS") {
        corpus.write(Path::new(&dir));
        eprintln!(
            "wrote {total} bytes of seeds to {}",
            Path::new(&dir).display()
        );
    }
    let _ = io::stderr().flush();
}

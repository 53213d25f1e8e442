//! What the side-by-side benches share: one in-memory transport for all three
//! stacks, the three stacks' configurations over one OpenSSL-made test PKI, and
//! drivers that run a handshake or move one 16 KiB record.
//!
//! The transport is the same for every stack: two byte queues in process memory
//! (no sockets, no kernel, no threads). Q-SSL and rustls are sans-I/O and move
//! bytes with `read_tls` / `write_tls`; OpenSSL's `SslStream` reads and writes the
//! same queues through `Read` / `Write`, which answer `WouldBlock` when empty.
//! Each queue counts the bytes written to it: the wire bytes of a handshake.
//!
//! Resumption is off in every stack (Q-SSL has none yet): rustls and OpenSSL
//! servers send no NewSessionTicket, so every handshake is a full one and the
//! wire bytes compare like with like.

// Each bench binary uses a part of this module.
#![allow(dead_code)]

use std::cell::RefCell;
use std::io::{self, Read, Write};
use std::path::PathBuf;
use std::rc::Rc;
use std::sync::Arc;

use openssl::ssl::{
    ErrorCode, Ssl, SslContext, SslContextBuilder, SslMethod, SslSessionCacheMode, SslStream,
    SslVerifyMode, SslVersion,
};
use openssl::x509::X509;
use openssl::x509::store::X509StoreBuilder;
use qssl_interop::{
    CipherSuite, KeyAlgorithm, NamedGroup, TestPki, openssl_ciphersuites, openssl_groups_list,
    rustls_group, rustls_suite,
};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName};

/// The DNS name in every test server certificate.
pub(crate) const SERVER_NAME: &str = "localhost";

/// One TLS record's worth of application data (2^14 bytes).
pub(crate) const RECORD: usize = 16 * 1024;

/// One handshake configuration: a key exchange group and a certificate algorithm.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Setup {
    /// Path-safe name, used as the criterion group and in the result files.
    pub(crate) name: &'static str,
    pub(crate) group: NamedGroup,
    pub(crate) cert: KeyAlgorithm,
}

/// The three handshake configurations of DESIGN.md "Performance".
pub(crate) const HANDSHAKES: [Setup; 3] = [
    Setup {
        name: "x25519mlkem768-ecdsap384",
        group: NamedGroup::X25519MLKEM768,
        cert: KeyAlgorithm::EcdsaP384,
    },
    Setup {
        name: "x25519-ecdsap384",
        group: NamedGroup::X25519,
        cert: KeyAlgorithm::EcdsaP384,
    },
    Setup {
        name: "x25519mlkem768-mldsa65",
        group: NamedGroup::X25519MLKEM768,
        cert: KeyAlgorithm::MlDsa65,
    },
];

/// Where the benches write what criterion does not record (wire bytes, memory):
/// the directory in `QSSL_BENCH_OUT`, set by `cargo xtask bench`. `None` when
/// run by hand; the figures are printed either way.
pub(crate) fn out_dir() -> Option<PathBuf> {
    let dir = PathBuf::from(std::env::var_os("QSSL_BENCH_OUT")?);
    std::fs::create_dir_all(&dir).ok()?;
    Some(dir)
}

/// Appends `line` to `file` in [`out_dir`], if there is one.
pub(crate) fn record_result(file: &str, line: &str) {
    if let Some(dir) = out_dir() {
        let path = dir.join(file);
        let mut f = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&path)
            .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        writeln!(f, "{line}").unwrap();
    }
}

// ---------------------------------------------------------------------------
// The in-memory transport.

/// Bytes written by one side and not yet read by the other.
#[derive(Default)]
struct Queue {
    buf: Vec<u8>,
    read: usize,
    written: u64,
}

/// One end of an in-memory duplex: reads the peer's queue, writes its own.
pub(crate) struct End {
    inbox: Rc<RefCell<Queue>>,
    outbox: Rc<RefCell<Queue>>,
}

/// A connected pair of ends (client end, server end).
pub(crate) fn duplex() -> (End, End) {
    let a = Rc::new(RefCell::new(Queue::default()));
    let b = Rc::new(RefCell::new(Queue::default()));
    (
        End {
            inbox: Rc::clone(&a),
            outbox: Rc::clone(&b),
        },
        End {
            inbox: b,
            outbox: a,
        },
    )
}

impl End {
    /// Bytes this end has written so far.
    pub(crate) fn written(&self) -> u64 {
        self.outbox.borrow().written
    }
}

impl Read for End {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        let mut q = self.inbox.borrow_mut();
        let available = q.buf.len() - q.read;
        if available == 0 {
            return if out.is_empty() {
                Ok(0)
            } else {
                Err(io::ErrorKind::WouldBlock.into())
            };
        }
        let n = available.min(out.len());
        let start = q.read;
        out[..n].copy_from_slice(&q.buf[start..start + n]);
        q.read += n;
        if q.read == q.buf.len() {
            q.buf.clear();
            q.read = 0;
        }
        Ok(n)
    }
}

impl Write for End {
    fn write(&mut self, data: &[u8]) -> io::Result<usize> {
        let mut q = self.outbox.borrow_mut();
        q.buf.extend_from_slice(data);
        q.written += data.len() as u64;
        Ok(data.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

// ---------------------------------------------------------------------------
// Q-SSL and rustls: sans-I/O connections behind one trait.

/// What the drivers need of a sans-I/O connection.
pub(crate) trait SansIo {
    fn read_tls(&mut self, rd: &mut dyn Read) -> io::Result<usize>;
    fn write_tls(&mut self, wr: &mut dyn Write) -> io::Result<usize>;
    fn process(&mut self) -> Result<(), String>;
    fn wants_write(&self) -> bool;
    fn is_handshaking(&self) -> bool;
    fn send(&mut self, data: &[u8]) -> io::Result<()>;
    fn recv(&mut self, out: &mut [u8]) -> io::Result<usize>;
    fn group(&self) -> Option<NamedGroup>;
    fn suite(&self) -> Option<CipherSuite>;
}

impl SansIo for qssl::ConnectionCommon {
    fn read_tls(&mut self, rd: &mut dyn Read) -> io::Result<usize> {
        qssl::ConnectionCommon::read_tls(self, rd)
    }
    fn write_tls(&mut self, wr: &mut dyn Write) -> io::Result<usize> {
        qssl::ConnectionCommon::write_tls(self, wr)
    }
    fn process(&mut self) -> Result<(), String> {
        self.process_new_packets()
            .map(drop)
            .map_err(|e| e.to_string())
    }
    fn wants_write(&self) -> bool {
        qssl::ConnectionCommon::wants_write(self)
    }
    fn is_handshaking(&self) -> bool {
        qssl::ConnectionCommon::is_handshaking(self)
    }
    fn send(&mut self, data: &[u8]) -> io::Result<()> {
        self.writer().write_all(data)
    }
    fn recv(&mut self, out: &mut [u8]) -> io::Result<usize> {
        self.reader().read(out)
    }
    fn group(&self) -> Option<NamedGroup> {
        self.negotiated_key_exchange_group()
    }
    fn suite(&self) -> Option<CipherSuite> {
        self.negotiated_cipher_suite()
    }
}

impl<D: rustls::SideData> SansIo for rustls::ConnectionCommon<D> {
    fn read_tls(&mut self, rd: &mut dyn Read) -> io::Result<usize> {
        rustls::ConnectionCommon::read_tls(self, rd)
    }
    fn write_tls(&mut self, wr: &mut dyn Write) -> io::Result<usize> {
        rustls::ConnectionCommon::write_tls(self, wr)
    }
    fn process(&mut self) -> Result<(), String> {
        self.process_new_packets()
            .map(drop)
            .map_err(|e| e.to_string())
    }
    fn wants_write(&self) -> bool {
        rustls::CommonState::wants_write(self)
    }
    fn is_handshaking(&self) -> bool {
        rustls::CommonState::is_handshaking(self)
    }
    fn send(&mut self, data: &[u8]) -> io::Result<()> {
        self.writer().write_all(data)
    }
    fn recv(&mut self, out: &mut [u8]) -> io::Result<usize> {
        self.reader().read(out)
    }
    fn group(&self) -> Option<NamedGroup> {
        self.negotiated_key_exchange_group()
            .map(|g| NamedGroup(u16::from(g.name())))
    }
    fn suite(&self) -> Option<CipherSuite> {
        self.negotiated_cipher_suite()
            .map(|s| CipherSuite(u16::from(s.suite())))
    }
}

/// Reads and processes everything the peer wrote, then writes everything
/// pending. Returns whether any byte moved.
fn pump(conn: &mut dyn SansIo, end: &mut End) -> bool {
    let mut moved = false;
    loop {
        match conn.read_tls(end) {
            Ok(0) => break,
            Ok(_) => {
                moved = true;
                conn.process().expect("peer data rejected");
            }
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => break,
            Err(e) => panic!("read_tls: {e}"),
        }
    }
    while conn.wants_write() {
        conn.write_tls(end).expect("write_tls into memory");
        moved = true;
    }
    moved
}

/// Runs a handshake between two fresh sans-I/O connections to the end (every
/// flight written and processed).
pub(crate) fn handshake(
    client: &mut dyn SansIo,
    c_end: &mut End,
    server: &mut dyn SansIo,
    s_end: &mut End,
) {
    for _ in 0..32 {
        let a = pump(client, c_end);
        let b = pump(server, s_end);
        if !a && !b {
            assert!(
                !client.is_handshaking() && !server.is_handshaking(),
                "handshake stalled"
            );
            return;
        }
    }
    panic!("handshake did not finish in 32 rounds");
}

/// Sends `data` (one record) from `from` and reads it back at `to` into `out`.
pub(crate) fn one_record(
    from: &mut dyn SansIo,
    from_end: &mut End,
    to: &mut dyn SansIo,
    to_end: &mut End,
    data: &[u8],
    out: &mut [u8],
) {
    from.send(data).unwrap();
    while from.wants_write() {
        from.write_tls(from_end).unwrap();
    }
    let mut got = 0;
    while got < data.len() {
        match to.read_tls(to_end) {
            Ok(_) => to.process().unwrap(),
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => {}
            Err(e) => panic!("read_tls: {e}"),
        }
        loop {
            match to.recv(&mut out[got..data.len()]) {
                Ok(0) => break,
                Ok(n) => got += n,
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => break,
                Err(e) => panic!("recv: {e}"),
            }
        }
    }
}

// ---------------------------------------------------------------------------
// The test PKI, as each stack loads it.

/// A fresh OpenSSL-made PKI (root → intermediate → leaf for "localhost"); the
/// server sends leaf + intermediate in every stack.
pub(crate) fn pki(cert: KeyAlgorithm) -> TestPki {
    TestPki::generate(cert).expect("OpenSSL test PKI")
}

fn pem_ders(pem: &str) -> Vec<Vec<u8>> {
    qssl::crypto::pki::pem_certificates(pem).expect("certificate PEM")
}

/// Q-SSL client and server configurations: only `group`, only `suite` if given,
/// resumption off (as for the other stacks: every handshake a full one).
pub(crate) fn qssl_configs(
    pki: &TestPki,
    group: NamedGroup,
    suite: Option<CipherSuite>,
) -> (Arc<qssl::ClientConfig>, Arc<qssl::ServerConfig>) {
    qssl_configs_with(pki, group, suite, false)
}

/// [`qssl_configs`], with resumption on or off: on is Q-SSL's default (two
/// tickets per handshake, the client's in-memory store); off turns it off on
/// both sides.
pub(crate) fn qssl_configs_with(
    pki: &TestPki,
    group: NamedGroup,
    suite: Option<CipherSuite>,
    resumption: bool,
) -> (Arc<qssl::ClientConfig>, Arc<qssl::ServerConfig>) {
    let (_, provider) = qssl_provider();
    let kx = provider.kx_group(group).expect("Q-SSL group");
    let suites = suite.map(|s| vec![provider.tls13_suite(s).expect("Q-SSL suite")]);

    let mut roots = qssl::RootCertStore::new();
    for der in pem_ders(&pki.root_pem) {
        roots
            .add(qssl::pki_types::CertificateDer::from(der))
            .unwrap();
    }
    let mut client = qssl::ClientConfig::builder()
        .with_provider(provider.clone())
        .with_root_certificates(Arc::new(roots))
        .with_groups(vec![kx]);
    let chain = pem_ders(&pki.server.chain_pem)
        .into_iter()
        .map(qssl::pki_types::CertificateDer::from)
        .collect();
    // Loaded by the provider measured, so that it also signs.
    let key = provider
        .key_provider
        .load_private_key_pem(&pki.server.key_pem)
        .expect("Q-SSL key");
    let mut server = qssl::ServerConfig::builder()
        .with_provider(provider.clone())
        .with_single_cert(chain, key)
        .with_groups(vec![kx]);
    if let Some(suites) = suites {
        client = client.with_cipher_suites(suites.clone());
        server = server.with_cipher_suites(suites);
    }
    if !resumption {
        client = client.without_resumption();
        server = server.without_resumption();
    }
    (
        Arc::new(client.build().expect("Q-SSL client config")),
        Arc::new(server.build().expect("Q-SSL server config")),
    )
}

/// The Q-SSL provider the benches measure, with its name: the facade's default
/// (`qssl::default_crypto_provider`, aws-lc in a default build), or the one named by
/// `QSSL_BENCH_PROVIDER` (`portable` or `aws-lc`), so that one build can measure
/// each: `QSSL_BENCH_PROVIDER=portable cargo bench -p qssl-interop`. Groups, suites,
/// verifiers and the server's key all come from it.
pub(crate) fn qssl_provider() -> (&'static str, qssl::crypto::provider::CryptoProvider) {
    match std::env::var("QSSL_BENCH_PROVIDER") {
        Ok(wanted) => qssl::crypto::provider::compiled_providers()
            .into_iter()
            .find(|(name, _)| *name == wanted)
            .unwrap_or_else(|| panic!("QSSL_BENCH_PROVIDER={wanted}: not compiled in")),
        Err(_) => (qssl::DEFAULT_PROVIDER_NAME, qssl::default_crypto_provider()),
    }
}

/// A fresh Q-SSL client/server pair.
pub(crate) fn qssl_pair(
    configs: &(Arc<qssl::ClientConfig>, Arc<qssl::ServerConfig>),
) -> (qssl::ClientConnection, qssl::ServerConnection) {
    let name = qssl::pki_types::ServerName::try_from(SERVER_NAME).unwrap();
    (
        qssl::ClientConnection::new(Arc::clone(&configs.0), name).unwrap(),
        qssl::ServerConnection::new(Arc::clone(&configs.1)).unwrap(),
    )
}

/// rustls (aws-lc-rs) client and server configurations: TLS 1.3 only, only
/// `group`, only `suite` if given, resumption off.
pub(crate) fn rustls_configs(
    pki: &TestPki,
    group: NamedGroup,
    suite: Option<CipherSuite>,
) -> (Arc<rustls::ClientConfig>, Arc<rustls::ServerConfig>) {
    rustls_configs_with(pki, group, suite, false)
}

/// [`rustls_configs`], with resumption on (the client's default in-memory store,
/// the server's recommended aws-lc-rs `Ticketer` and two tickets per handshake,
/// as Q-SSL sends) or off.
pub(crate) fn rustls_configs_with(
    pki: &TestPki,
    group: NamedGroup,
    suite: Option<CipherSuite>,
    resumption: bool,
) -> (Arc<rustls::ClientConfig>, Arc<rustls::ServerConfig>) {
    let mut provider = rustls::crypto::aws_lc_rs::default_provider();
    provider.kx_groups = vec![rustls_group(group).expect("rustls group")];
    if let Some(s) = suite {
        provider.cipher_suites = vec![rustls_suite(s).expect("rustls suite")];
    }
    let provider = Arc::new(provider);

    let mut roots = rustls::RootCertStore::empty();
    for der in pem_ders(&pki.root_pem) {
        roots.add(CertificateDer::from(der)).unwrap();
    }
    let mut client = rustls::ClientConfig::builder_with_provider(Arc::clone(&provider))
        .with_protocol_versions(&[&rustls::version::TLS13])
        .unwrap()
        .with_root_certificates(roots)
        .with_no_client_auth();
    if !resumption {
        client.resumption = rustls::client::Resumption::disabled();
    }

    let chain = CertificateDer::pem_slice_iter(pki.server.chain_pem.as_bytes())
        .collect::<Result<Vec<_>, _>>()
        .unwrap();
    let key = PrivateKeyDer::from_pem_slice(pki.server.key_pem.as_bytes()).unwrap();
    let mut server = rustls::ServerConfig::builder_with_provider(provider)
        .with_protocol_versions(&[&rustls::version::TLS13])
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(chain, key)
        .expect("rustls server key");
    if resumption {
        server.ticketer = rustls::crypto::aws_lc_rs::Ticketer::new().expect("rustls ticketer");
        server.send_tls13_tickets = 2;
    } else {
        server.send_tls13_tickets = 0;
        server.session_storage = Arc::new(rustls::server::NoServerSessionStorage {});
    }
    (Arc::new(client), Arc::new(server))
}

/// A fresh rustls client/server pair.
pub(crate) fn rustls_pair(
    configs: &(Arc<rustls::ClientConfig>, Arc<rustls::ServerConfig>),
) -> (rustls::ClientConnection, rustls::ServerConnection) {
    let name = ServerName::try_from(SERVER_NAME).unwrap();
    (
        rustls::ClientConnection::new(Arc::clone(&configs.0), name).unwrap(),
        rustls::ServerConnection::new(Arc::clone(&configs.1)).unwrap(),
    )
}

/// OpenSSL client and server contexts: TLS 1.3 only, only `group`, only `suite`
/// if given, no tickets, no session cache, the client checks the chain and the
/// host name.
pub(crate) fn openssl_contexts(
    pki: &TestPki,
    group: NamedGroup,
    suite: Option<CipherSuite>,
) -> (SslContext, SslContext) {
    let base = |method| {
        let mut b = SslContextBuilder::new(method).unwrap();
        b.set_min_proto_version(Some(SslVersion::TLS1_3)).unwrap();
        b.set_max_proto_version(Some(SslVersion::TLS1_3)).unwrap();
        b.set_groups_list(&openssl_groups_list(&[group]).unwrap())
            .unwrap();
        if let Some(s) = suite {
            b.set_ciphersuites(&openssl_ciphersuites(&[s]).unwrap())
                .unwrap();
        }
        b.set_session_cache_mode(SslSessionCacheMode::OFF);
        b
    };
    let mut client = base(SslMethod::tls_client());
    let mut store = X509StoreBuilder::new().unwrap();
    for root in X509::stack_from_pem(pki.root_pem.as_bytes()).unwrap() {
        store.add_cert(root).unwrap();
    }
    client.set_verify_cert_store(store.build()).unwrap();
    client.set_verify(SslVerifyMode::PEER);

    let mut server = base(SslMethod::tls_server());
    let mut chain = X509::stack_from_pem(pki.server.chain_pem.as_bytes())
        .unwrap()
        .into_iter();
    server.set_certificate(&chain.next().unwrap()).unwrap();
    for cert in chain {
        server.add_extra_chain_cert(cert).unwrap();
    }
    let key = openssl::pkey::PKey::private_key_from_pem(pki.server.key_pem.as_bytes()).unwrap();
    server.set_private_key(&key).unwrap();
    server.set_num_tickets(0).unwrap();
    (client.build(), server.build())
}

/// A fresh OpenSSL client/server pair over the two ends of a new duplex.
pub(crate) fn openssl_pair(
    contexts: &(SslContext, SslContext),
) -> (SslStream<End>, SslStream<End>) {
    let (c_end, s_end) = duplex();
    let mut c = Ssl::new(&contexts.0).unwrap();
    c.set_hostname(SERVER_NAME).unwrap();
    c.param_mut().set_host(SERVER_NAME).unwrap();
    c.set_connect_state();
    let mut s = Ssl::new(&contexts.1).unwrap();
    s.set_accept_state();
    (
        SslStream::new(c, c_end).unwrap(),
        SslStream::new(s, s_end).unwrap(),
    )
}

/// Whether an OpenSSL handshake step is done (`Ok`), waiting for the peer
/// (`Err(())`), or failed (panics).
fn step(result: Result<(), openssl::ssl::Error>) -> bool {
    match result {
        Ok(()) => true,
        Err(e) if e.code() == ErrorCode::WANT_READ || e.code() == ErrorCode::WANT_WRITE => false,
        Err(e) => panic!("OpenSSL handshake: {e}"),
    }
}

/// Runs an OpenSSL handshake to the end on both sides.
pub(crate) fn openssl_handshake(client: &mut SslStream<End>, server: &mut SslStream<End>) {
    for _ in 0..32 {
        let c = step(client.do_handshake());
        let s = step(server.do_handshake());
        if c && s {
            return;
        }
    }
    panic!("OpenSSL handshake did not finish in 32 rounds");
}

/// Sends `data` from `from` and reads it back at `to` into `out`.
pub(crate) fn openssl_one_record(
    from: &mut SslStream<End>,
    to: &mut SslStream<End>,
    data: &[u8],
    out: &mut [u8],
) {
    from.write_all(data).unwrap();
    to.read_exact(&mut out[..data.len()]).unwrap();
}

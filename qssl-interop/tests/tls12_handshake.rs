//! Q-SSL's TLS 1.2 against OpenSSL (vendored, in process) and rustls 0.23 (aws-lc-rs),
//! both directions: every ECDHE suite with ECDSA P-256, ECDSA P-384 and RSA
//! certificates, client authentication, and the RFC 8446 §4.1.3 downgrade sentinel
//! seen by a TLS 1.3-capable Q-SSL client that an attacker forces down to TLS 1.2.
//!
//! The peers run over the in-memory duplex of `common`: each side's bytes are moved
//! as they are written, no sockets, no threads. Each handshake is followed by data
//! both ways, checked byte for byte, and each side's own account of the version and
//! suite.

mod common;

use std::io::{self, Read, Write};
use std::sync::Arc;

use common::{End, duplex, tls12_contexts};
use openssl::ssl::{ErrorCode, Ssl, SslContext, SslContextBuilder, SslStream, SslVerifyMode};
use openssl::x509::X509;
use openssl::x509::store::X509StoreBuilder;
use qssl::{AlertDescription, ConnectionCommon, TlsVersion};
use qssl_crypto::ids::CipherSuite;
use qssl_interop::{ClientOptions, KeyAlgorithm, QsslClient, QsslServer, ServerOptions, TestPki};

/// The six suites: Q-SSL's code point, OpenSSL's name, whether the certificate is RSA.
const SUITES: [(CipherSuite, &str, bool); 6] = [
    (
        CipherSuite::TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
        "ECDHE-ECDSA-AES256-GCM-SHA384",
        false,
    ),
    (
        CipherSuite::TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
        "ECDHE-ECDSA-AES128-GCM-SHA256",
        false,
    ),
    (
        CipherSuite::TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256,
        "ECDHE-ECDSA-CHACHA20-POLY1305",
        false,
    ),
    (
        CipherSuite::TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,
        "ECDHE-RSA-AES256-GCM-SHA384",
        true,
    ),
    (
        CipherSuite::TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
        "ECDHE-RSA-AES128-GCM-SHA256",
        true,
    ),
    (
        CipherSuite::TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256,
        "ECDHE-RSA-CHACHA20-POLY1305",
        true,
    ),
];

/// The certificate kinds, each with the suites it can serve.
fn cases() -> Vec<(TestPki, CipherSuite, &'static str)> {
    let mut out = Vec::new();
    for alg in [
        KeyAlgorithm::EcdsaP256,
        KeyAlgorithm::EcdsaP384,
        KeyAlgorithm::Rsa2048,
    ] {
        let pki = TestPki::generate(alg).unwrap();
        for (suite, name, rsa) in SUITES {
            if rsa == (alg == KeyAlgorithm::Rsa2048) {
                out.push((pki.clone(), suite, name));
            }
        }
    }
    out
}

// ------------------------------------------------------------------ drivers

/// A peer other than Q-SSL, over its end of the duplex.
trait Peer {
    /// Moves the handshake on as far as the bytes received allow; `Ok(true)` once done.
    fn handshake(&mut self) -> Result<bool, String>;
    fn send(&mut self, data: &[u8]);
    /// Reads what has arrived (nothing if none).
    fn receive(&mut self) -> Vec<u8>;
    /// The negotiated version, as the peer names it.
    fn version(&self) -> String;
    /// The peer's certificate chain was verified and a client certificate received
    /// (servers) — what the peer saw of the other side's certificate.
    fn peer_certificate(&self) -> Option<Vec<u8>>;
    /// Whether the peer says it resumed a session.
    fn resumed(&self) -> bool;
    /// Sends close_notify. OpenSSL keeps a session in its server cache only if the
    /// connection was shut down (an abandoned one may have been attacked).
    fn close(&mut self);
}

struct OpenSsl(SslStream<End>);

fn would_block(e: &openssl::ssl::Error) -> bool {
    e.code() == ErrorCode::WANT_READ || e.code() == ErrorCode::WANT_WRITE
}

impl Peer for OpenSsl {
    fn handshake(&mut self) -> Result<bool, String> {
        match self.0.do_handshake() {
            Ok(()) => Ok(true),
            Err(e) if would_block(&e) => Ok(false),
            Err(e) => Err(e.to_string()),
        }
    }

    fn send(&mut self, data: &[u8]) {
        self.0.write_all(data).unwrap();
    }

    fn receive(&mut self) -> Vec<u8> {
        let mut out = Vec::new();
        let mut buf = [0u8; 16384];
        loop {
            match self.0.ssl_read(&mut buf) {
                Ok(n) => out.extend_from_slice(&buf[..n]),
                Err(e) if would_block(&e) => return out,
                Err(e) => panic!("OpenSSL read: {e}"),
            }
        }
    }

    fn version(&self) -> String {
        self.0.ssl().version_str().to_owned()
    }

    fn peer_certificate(&self) -> Option<Vec<u8>> {
        self.0.ssl().peer_certificate().map(|c| c.to_der().unwrap())
    }

    fn resumed(&self) -> bool {
        self.0.ssl().session_reused()
    }

    fn close(&mut self) {
        match self.0.shutdown() {
            Ok(_) => {}
            Err(e) if would_block(&e) => {}
            Err(e) => panic!("OpenSSL shutdown: {e}"),
        }
    }
}

struct Rustls<C> {
    conn: C,
    end: End,
}

impl<C, D> Peer for Rustls<C>
where
    C: std::ops::DerefMut<Target = rustls::ConnectionCommon<D>>,
    D: rustls::SideData,
{
    fn handshake(&mut self) -> Result<bool, String> {
        self.pump()?;
        Ok(!self.conn.is_handshaking())
    }

    fn send(&mut self, data: &[u8]) {
        self.conn.writer().write_all(data).unwrap();
        self.pump().unwrap();
    }

    fn receive(&mut self) -> Vec<u8> {
        let mut out = Vec::new();
        loop {
            self.pump().unwrap();
            let before = out.len();
            match self.conn.reader().read_to_end(&mut out) {
                Ok(_) => {}
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {}
                Err(e) => panic!("rustls read: {e}"),
            }
            if out.len() == before {
                return out;
            }
        }
    }

    fn version(&self) -> String {
        format!("{:?}", self.conn.protocol_version())
    }

    fn peer_certificate(&self) -> Option<Vec<u8>> {
        self.conn
            .peer_certificates()
            .and_then(|c| c.first())
            .map(|c| c.to_vec())
    }

    fn resumed(&self) -> bool {
        self.conn.handshake_kind() == Some(rustls::HandshakeKind::Resumed)
    }

    fn close(&mut self) {
        self.conn.send_close_notify();
        let _ = self.pump();
    }
}

impl<C, D> Rustls<C>
where
    C: std::ops::DerefMut<Target = rustls::ConnectionCommon<D>>,
    D: rustls::SideData,
{
    fn pump(&mut self) -> Result<(), String> {
        while self.conn.wants_write() {
            self.conn.write_tls(&mut self.end).unwrap();
        }
        // rustls refuses to read more while its plaintext buffer is full: the
        // caller reads plaintext and pumps again.
        while self.conn.wants_read() {
            match self.conn.read_tls(&mut self.end) {
                Ok(0) => break,
                Ok(_) => {
                    self.conn.process_new_packets().map_err(|e| e.to_string())?;
                }
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => break,
                Err(e) => return Err(e.to_string()),
            }
        }
        while self.conn.wants_write() {
            self.conn.write_tls(&mut self.end).unwrap();
        }
        Ok(())
    }
}

/// Moves Q-SSL's pending bytes out and what arrived in, processing it.
fn pump_qssl(conn: &mut ConnectionCommon, end: &mut End) -> Result<(), qssl::Error> {
    while conn.wants_write() {
        conn.write_tls(end).unwrap();
    }
    loop {
        match conn.read_tls(end) {
            Ok(0) => break,
            Ok(_) => {
                conn.process_new_packets()?;
            }
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => break,
            Err(e) => panic!("duplex read: {e}"),
        }
    }
    while conn.wants_write() {
        conn.write_tls(end).unwrap();
    }
    Ok(())
}

/// Runs the handshake between Q-SSL and `peer` to its end; the first error of
/// either side otherwise.
fn handshake(
    conn: &mut ConnectionCommon,
    end: &mut End,
    peer: &mut dyn Peer,
) -> Result<(), String> {
    for _ in 0..32 {
        let peer_done = peer.handshake()?;
        pump_qssl(conn, end).map_err(|e| format!("Q-SSL: {e}"))?;
        if peer_done && !conn.is_handshaking() {
            return Ok(());
        }
    }
    Err("the handshake did not finish".into())
}

/// Data both ways after the handshake, checked.
fn exchange(conn: &mut ConnectionCommon, end: &mut End, peer: &mut dyn Peer) {
    let to_peer: Vec<u8> = (0..50_000u32).map(|i| (i * 7) as u8).collect();
    conn.writer().write_all(&to_peer).unwrap();
    let mut got = Vec::new();
    for _ in 0..16 {
        pump_qssl(conn, end).unwrap();
        got.extend(peer.receive());
        if got.len() >= to_peer.len() {
            break;
        }
    }
    assert_eq!(got, to_peer);
    peer.send(b"and back");
    pump_qssl(conn, end).unwrap();
    let mut back = vec![0u8; 8];
    conn.reader().read_exact(&mut back).unwrap();
    assert_eq!(&back, b"and back");
}

fn assert_tls12(conn: &ConnectionCommon, peer: &dyn Peer, suite: CipherSuite) {
    let info = conn.connection_info().unwrap();
    assert_eq!(info.protocol_version, TlsVersion::Tls12);
    assert_eq!(info.cipher_suite, suite);
    assert!(!info.kx_post_quantum);
    let v = peer.version();
    assert!(v == "TLSv1.2" || v == "Some(TLSv1_2)", "peer says {v}");
}

// ------------------------------------------------------------------ configs

fn qssl_client(pki: &TestPki, suite: CipherSuite, client_auth: bool) -> qssl::ClientConnection {
    let mut opts = ClientOptions::new(pki.root_pem.clone());
    if client_auth {
        opts.identity = Some(pki.client.clone());
    }
    let provider = qssl_crypto::provider::default_provider();
    let suites = provider
        .tls12_cipher_suites
        .iter()
        .copied()
        .filter(|s| s.suite == suite)
        .collect();
    let config = QsslClient::builder(&opts)
        .unwrap()
        .with_tls12()
        .with_tls12_cipher_suites(suites)
        .build()
        .unwrap();
    qssl::ClientConnection::new(Arc::new(config), "localhost".try_into().unwrap()).unwrap()
}

fn qssl_server(pki: &TestPki, client_auth: bool) -> qssl::ServerConnection {
    let mut opts = ServerOptions::new(pki.server.clone());
    if client_auth {
        opts.client_ca_pem = Some(pki.root_pem.clone());
    }
    let config = QsslServer::builder(&opts)
        .unwrap()
        .with_tls12()
        .build()
        .unwrap();
    qssl::ServerConnection::new(Arc::new(config)).unwrap()
}

/// OpenSSL's TLS 1.2-only contexts for `suite`; with client authentication the
/// client presents `pki.client` and the server requires a certificate.
fn openssl_contexts(pki: &TestPki, suite: &str, client_auth: bool) -> (SslContext, SslContext) {
    tls12_contexts(pki, suite, |b: &mut SslContextBuilder, is_client| {
        if !client_auth {
            return;
        }
        if is_client {
            let mut chain = X509::stack_from_pem(pki.client.chain_pem.as_bytes())
                .unwrap()
                .into_iter();
            b.set_certificate(&chain.next().unwrap()).unwrap();
            for c in chain {
                b.add_extra_chain_cert(c).unwrap();
            }
            let key =
                openssl::pkey::PKey::private_key_from_pem(pki.client.key_pem.as_bytes()).unwrap();
            b.set_private_key(&key).unwrap();
        } else {
            let mut store = X509StoreBuilder::new().unwrap();
            for root in X509::stack_from_pem(pki.root_pem.as_bytes()).unwrap() {
                store.add_cert(root).unwrap();
            }
            b.set_verify_cert_store(store.build()).unwrap();
            b.set_verify(SslVerifyMode::PEER | SslVerifyMode::FAIL_IF_NO_PEER_CERT);
        }
    })
}

fn openssl_client(ctx: &SslContext, end: End) -> OpenSsl {
    let mut ssl = Ssl::new(ctx).unwrap();
    ssl.set_hostname("localhost").unwrap();
    ssl.param_mut().set_host("localhost").unwrap();
    ssl.set_connect_state();
    OpenSsl(SslStream::new(ssl, end).unwrap())
}

fn openssl_server(ctx: &SslContext, end: End) -> OpenSsl {
    let mut ssl = Ssl::new(ctx).unwrap();
    ssl.set_accept_state();
    OpenSsl(SslStream::new(ssl, end).unwrap())
}

fn rustls_provider(suite: CipherSuite) -> Arc<rustls::crypto::CryptoProvider> {
    let mut p = rustls::crypto::aws_lc_rs::default_provider();
    p.cipher_suites.retain(|s| u16::from(s.suite()) == suite.0);
    Arc::new(p)
}

fn rustls_roots(pki: &TestPki) -> rustls::RootCertStore {
    use rustls::pki_types::pem::PemObject;
    let mut roots = rustls::RootCertStore::empty();
    for c in rustls::pki_types::CertificateDer::pem_slice_iter(pki.root_pem.as_bytes()) {
        roots.add(c.unwrap()).unwrap();
    }
    roots
}

fn rustls_identity(
    id: &qssl_interop::Identity,
) -> (
    Vec<rustls::pki_types::CertificateDer<'static>>,
    rustls::pki_types::PrivateKeyDer<'static>,
) {
    use rustls::pki_types::pem::PemObject;
    let chain = rustls::pki_types::CertificateDer::pem_slice_iter(id.chain_pem.as_bytes())
        .map(Result::unwrap)
        .collect();
    let key = rustls::pki_types::PrivateKeyDer::from_pem_slice(id.key_pem.as_bytes()).unwrap();
    (chain, key)
}

fn rustls_client(
    pki: &TestPki,
    suite: CipherSuite,
    client_auth: bool,
    end: End,
) -> Rustls<rustls::ClientConnection> {
    let b = rustls::ClientConfig::builder_with_provider(rustls_provider(suite))
        .with_protocol_versions(&[&rustls::version::TLS12])
        .unwrap()
        .with_root_certificates(rustls_roots(pki));
    let config = if client_auth {
        let (chain, key) = rustls_identity(&pki.client);
        b.with_client_auth_cert(chain, key).unwrap()
    } else {
        b.with_no_client_auth()
    };
    let conn =
        rustls::ClientConnection::new(Arc::new(config), "localhost".try_into().unwrap()).unwrap();
    Rustls { conn, end }
}

fn rustls_server(
    pki: &TestPki,
    suite: CipherSuite,
    client_auth: bool,
    end: End,
) -> Rustls<rustls::ServerConnection> {
    let provider = rustls_provider(suite);
    let b = rustls::ServerConfig::builder_with_provider(provider.clone())
        .with_protocol_versions(&[&rustls::version::TLS12])
        .unwrap();
    let b = if client_auth {
        let verifier = rustls::server::WebPkiClientVerifier::builder_with_provider(
            Arc::new(rustls_roots(pki)),
            provider,
        )
        .build()
        .unwrap();
        b.with_client_cert_verifier(verifier)
    } else {
        b.with_no_client_auth()
    };
    let (chain, key) = rustls_identity(&pki.server);
    let config = b.with_single_cert(chain, key).unwrap();
    let conn = rustls::ServerConnection::new(Arc::new(config)).unwrap();
    Rustls { conn, end }
}

// ------------------------------------------------------------------ tests

/// Every suite and certificate kind, each direction, with and without client
/// authentication, against OpenSSL.
#[test]
fn openssl_every_suite_both_directions() {
    let mut failures = Vec::new();
    for (pki, suite, name) in cases() {
        for client_auth in [false, true] {
            // OpenSSL client → Q-SSL server.
            let ctx = openssl_contexts(&pki, name, client_auth);
            let (c_end, mut s_end, _) = duplex();
            let mut peer = openssl_client(&ctx.0, c_end);
            let mut server = qssl_server(&pki, client_auth);
            match handshake(&mut server, &mut s_end, &mut peer) {
                Ok(()) => {
                    assert_tls12(&server, &peer, suite);
                    assert_eq!(
                        server.peer_certificates().map(|c| c[0].to_vec()).is_some(),
                        client_auth
                    );
                    exchange(&mut server, &mut s_end, &mut peer);
                }
                Err(e) => failures.push(format!(
                    "OpenSSL → Q-SSL {name} {:?} auth={client_auth}: {e}",
                    pki.algorithm
                )),
            }
            // Q-SSL client → OpenSSL server.
            let (mut c_end, s_end, _) = duplex();
            let mut peer = openssl_server(&ctx.1, s_end);
            let mut client = qssl_client(&pki, suite, client_auth);
            match handshake(&mut client, &mut c_end, &mut peer) {
                Ok(()) => {
                    assert_tls12(&client, &peer, suite);
                    assert_eq!(peer.peer_certificate().is_some(), client_auth);
                    exchange(&mut client, &mut c_end, &mut peer);
                }
                Err(e) => failures.push(format!(
                    "Q-SSL → OpenSSL {name} {:?} auth={client_auth}: {e}",
                    pki.algorithm
                )),
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// The same against rustls.
#[test]
fn rustls_every_suite_both_directions() {
    let mut failures = Vec::new();
    for (pki, suite, name) in cases() {
        for client_auth in [false, true] {
            let (c_end, mut s_end, _) = duplex();
            let mut peer = rustls_client(&pki, suite, client_auth, c_end);
            let mut server = qssl_server(&pki, client_auth);
            match handshake(&mut server, &mut s_end, &mut peer) {
                Ok(()) => {
                    assert_tls12(&server, &peer, suite);
                    assert_eq!(server.peer_certificates().is_some(), client_auth);
                    exchange(&mut server, &mut s_end, &mut peer);
                }
                Err(e) => failures.push(format!(
                    "rustls → Q-SSL {name} {:?} auth={client_auth}: {e}",
                    pki.algorithm
                )),
            }
            let (mut c_end, s_end, _) = duplex();
            let mut peer = rustls_server(&pki, suite, client_auth, s_end);
            let mut client = qssl_client(&pki, suite, client_auth);
            match handshake(&mut client, &mut c_end, &mut peer) {
                Ok(()) => {
                    assert_tls12(&client, &peer, suite);
                    assert_eq!(peer.peer_certificate().is_some(), client_auth);
                    exchange(&mut client, &mut c_end, &mut peer);
                }
                Err(e) => failures.push(format!(
                    "Q-SSL → rustls {name} {:?} auth={client_auth}: {e}",
                    pki.algorithm
                )),
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// RFC 8446 §4.1.3. An attacker strips TLS 1.3 from a Q-SSL ClientHello (which also
/// offers TLS 1.2): a TLS 1.3-capable OpenSSL or rustls server then answers in TLS
/// 1.2, with `DOWNGRD\x01` ending its random, and the Q-SSL client aborts with
/// illegal_parameter instead of completing a downgraded handshake.
#[test]
fn the_downgrade_sentinel_of_openssl_and_rustls_is_detected() {
    let pki = TestPki::generate(KeyAlgorithm::EcdsaP256).unwrap();
    // OpenSSL, TLS 1.2 and 1.3 enabled.
    let mut b = SslContextBuilder::new(openssl::ssl::SslMethod::tls_server()).unwrap();
    b.set_min_proto_version(Some(openssl::ssl::SslVersion::TLS1_2))
        .unwrap();
    let mut chain = X509::stack_from_pem(pki.server.chain_pem.as_bytes())
        .unwrap()
        .into_iter();
    b.set_certificate(&chain.next().unwrap()).unwrap();
    for c in chain {
        b.add_extra_chain_cert(c).unwrap();
    }
    b.set_private_key(
        &openssl::pkey::PKey::private_key_from_pem(pki.server.key_pem.as_bytes()).unwrap(),
    )
    .unwrap();
    let ctx = b.build();
    let (c_end, s_end, _) = duplex();
    let peer = openssl_server(&ctx, s_end);
    check_sentinel(&pki, c_end, Box::new(peer));

    // rustls, TLS 1.2 and 1.3 enabled (its defaults).
    let (c_end, s_end, _) = duplex();
    let (chain, key) = rustls_identity(&pki.server);
    let config = rustls::ServerConfig::builder()
        .with_no_client_auth()
        .with_single_cert(chain, key)
        .unwrap();
    let peer = Rustls {
        conn: rustls::ServerConnection::new(Arc::new(config)).unwrap(),
        end: s_end,
    };
    check_sentinel(&pki, c_end, Box::new(peer));
}

fn check_sentinel(pki: &TestPki, mut c_end: End, mut peer: Box<dyn Peer>) {
    let config = QsslClient::builder(&ClientOptions::new(pki.root_pem.clone()))
        .unwrap()
        .with_tls12()
        .build()
        .unwrap();
    let mut client =
        qssl::ClientConnection::new(Arc::new(config), "localhost".try_into().unwrap()).unwrap();
    // The ClientHello, rewritten on its way: supported_versions removed.
    let mut wire = Vec::new();
    while client.wants_write() {
        client.write_tls(&mut wire).unwrap();
    }
    let mut ch = match qssl_handshake::HandshakeMessage::parse(&wire[5..]).unwrap() {
        qssl_handshake::HandshakeMessage::ClientHello(ch) => ch,
        other => panic!("{other:?}"),
    };
    ch.extensions
        .retain(|e| e.typ() != qssl_handshake::ExtensionType::SUPPORTED_VERSIONS);
    let msg = qssl_handshake::HandshakeMessage::ClientHello(ch)
        .to_bytes()
        .unwrap();
    let mut record = vec![22, 3, 1];
    record.extend_from_slice(&(msg.len() as u16).to_be_bytes());
    record.extend_from_slice(&msg);
    c_end.write_all(&record).unwrap();
    // The server answers in TLS 1.2 (it has not failed: it just waits for us).
    assert_eq!(peer.handshake(), Ok(false));
    let err = pump_qssl(&mut client, &mut c_end).unwrap_err();
    assert_eq!(
        err.alert(),
        Some(AlertDescription::ILLEGAL_PARAMETER),
        "{err}"
    );
}

// ------------------------------------------------------------------ resumption

fn qssl_client_config(pki: &TestPki) -> Arc<qssl::ClientConfig> {
    let opts = ClientOptions::new(pki.root_pem.clone());
    Arc::new(
        QsslClient::builder(&opts)
            .unwrap()
            .with_tls12()
            .build()
            .unwrap(),
    )
}

fn qssl_server_config(pki: &TestPki) -> Arc<qssl::ServerConfig> {
    let opts = ServerOptions::new(pki.server.clone());
    Arc::new(
        QsslServer::builder(&opts)
            .unwrap()
            .with_tls12()
            .build()
            .unwrap(),
    )
}

/// Three Q-SSL client connections through one configuration to servers made by
/// `server` (each over a fresh duplex); each side's own account of whether it
/// resumed, Q-SSL's first.
fn qssl_client_resumes(
    config: &Arc<qssl::ClientConfig>,
    mut server: impl FnMut(End) -> Box<dyn Peer>,
) -> Vec<(bool, bool)> {
    (0..3)
        .map(|_| {
            let (mut c_end, s_end, _) = duplex();
            let mut peer = server(s_end);
            let mut client =
                qssl::ClientConnection::new(config.clone(), "localhost".try_into().unwrap())
                    .unwrap();
            handshake(&mut client, &mut c_end, &mut *peer).unwrap();
            exchange(&mut client, &mut c_end, &mut *peer);
            client.send_close_notify();
            pump_qssl(&mut client, &mut c_end).unwrap();
            peer.close();
            let info = client.connection_info().unwrap();
            assert_eq!(info.protocol_version, TlsVersion::Tls12);
            (info.resumed, peer.resumed())
        })
        .collect()
}

const FULL_THEN_RESUMED: [(bool, bool); 3] = [(false, false), (true, true), (true, true)];

/// A Q-SSL client resumes with OpenSSL's server by ticket (OpenSSL's default) and by
/// session ID (OpenSSL with tickets off and its server session cache on).
#[test]
fn qssl_client_resumes_with_openssl_by_ticket_and_by_session_id() {
    let pki = TestPki::generate(KeyAlgorithm::EcdsaP256).unwrap();
    for tickets in [true, false] {
        let (_, ctx) = tls12_contexts(&pki, "ECDHE-ECDSA-AES128-GCM-SHA256", |b, is_client| {
            if !is_client {
                b.set_session_cache_mode(openssl::ssl::SslSessionCacheMode::SERVER);
                b.set_session_id_context(b"qssl-interop").unwrap();
                if !tickets {
                    b.set_options(openssl::ssl::SslOptions::NO_TICKET);
                }
            }
        });
        let config = qssl_client_config(&pki);
        let got = qssl_client_resumes(&config, |end| Box::new(openssl_server(&ctx, end)));
        assert_eq!(got, FULL_THEN_RESUMED, "tickets: {tickets}");
    }
}

/// The same with rustls' server: by session ID (its default: an in-memory session
/// cache, no ticketer) and by ticket (with its ticketer).
#[test]
fn qssl_client_resumes_with_rustls_by_session_id_and_by_ticket() {
    let pki = TestPki::generate(KeyAlgorithm::EcdsaP384).unwrap();
    for tickets in [false, true] {
        let (chain, key) = rustls_identity(&pki.server);
        let mut config =
            rustls::ServerConfig::builder_with_protocol_versions(&[&rustls::version::TLS12])
                .with_no_client_auth()
                .with_single_cert(chain, key)
                .unwrap();
        if tickets {
            config.ticketer = rustls::crypto::aws_lc_rs::Ticketer::new().unwrap();
        }
        let config = Arc::new(config);
        let client = qssl_client_config(&pki);
        let got = qssl_client_resumes(&client, |end| {
            Box::new(Rustls {
                conn: rustls::ServerConnection::new(config.clone()).unwrap(),
                end,
            })
        });
        assert_eq!(got, FULL_THEN_RESUMED, "tickets: {tickets}");
    }
}

/// rustls' client resumes with a Q-SSL server by ticket (its default, and Q-SSL
/// issues tickets to clients that take them) and by session ID (rustls told to use
/// session IDs only: Q-SSL's session cache serves it).
#[test]
fn rustls_client_resumes_with_qssl_by_ticket_and_by_session_id() {
    let pki = TestPki::generate(KeyAlgorithm::Rsa2048).unwrap();
    let server = qssl_server_config(&pki);
    for ids_only in [false, true] {
        let mut config =
            rustls::ClientConfig::builder_with_protocol_versions(&[&rustls::version::TLS12])
                .with_root_certificates(rustls_roots(&pki))
                .with_no_client_auth();
        if ids_only {
            config.resumption = rustls::client::Resumption::in_memory_sessions(16)
                .tls12_resumption(rustls::client::Tls12Resumption::SessionIdOnly);
        }
        let config = Arc::new(config);
        let got: Vec<(bool, bool)> = (0..3)
            .map(|_| {
                let (c_end, mut s_end, _) = duplex();
                let mut peer = Rustls {
                    conn: rustls::ClientConnection::new(
                        config.clone(),
                        "localhost".try_into().unwrap(),
                    )
                    .unwrap(),
                    end: c_end,
                };
                let mut conn = qssl::ServerConnection::new(server.clone()).unwrap();
                handshake(&mut conn, &mut s_end, &mut peer).unwrap();
                exchange(&mut conn, &mut s_end, &mut peer);
                (conn.connection_info().unwrap().resumed, peer.resumed())
            })
            .collect();
        assert_eq!(got, FULL_THEN_RESUMED, "session IDs only: {ids_only}");
    }
}

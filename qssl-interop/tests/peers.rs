//! The harness checked against itself: OpenSSL and rustls talking to each other
//! over loopback. These are real handshakes; when Q-SSL's facade lands, a Q-SSL
//! `ClientPeer`/`ServerPeer` takes either side of the same tests.

use std::collections::HashMap;
use std::sync::{Mutex, OnceLock};

use qssl_interop::{
    CipherSuite, ClientOptions, ClientPeer, ClientReport, KeyAlgorithm, KeyUpdate, NamedGroup,
    OpenSslClient, OpenSslServer, PeerError, Report, Response, RustlsClient, RustlsServer,
    ServerOptions, ServerPeer, ServerReport, SignatureScheme, TLS13, TestPki, Workload, run_client,
    spawn_server,
};

/// One PKI per algorithm per test binary: RSA and ML-DSA key generation is not free.
fn pki(alg: KeyAlgorithm) -> TestPki {
    static CACHE: OnceLock<Mutex<HashMap<KeyAlgorithm, TestPki>>> = OnceLock::new();
    let cache = CACHE.get_or_init(Default::default);
    let mut cache = cache.lock().unwrap_or_else(|p| p.into_inner());
    cache
        .entry(alg)
        .or_insert_with(|| TestPki::generate(alg).unwrap())
        .clone()
}

/// The groups both OpenSSL and rustls speak that the brief asks us to prove.
const GROUPS: [NamedGroup; 5] = [
    NamedGroup::X25519MLKEM768,
    NamedGroup::SECP256R1MLKEM768,
    NamedGroup::MLKEM768,
    NamedGroup::MLKEM1024,
    NamedGroup::X25519,
];

/// Everything rustls (aws-lc-rs) has, hybrid first: servers accept all of it.
const RUSTLS_GROUPS: [NamedGroup; 7] = [
    NamedGroup::X25519MLKEM768,
    NamedGroup::SECP256R1MLKEM768,
    NamedGroup::MLKEM1024,
    NamedGroup::MLKEM768,
    NamedGroup::X25519,
    NamedGroup::SECP256R1,
    NamedGroup::SECP384R1,
];

const SUITES: [CipherSuite; 3] = [
    CipherSuite::TLS13_AES_128_GCM_SHA256,
    CipherSuite::TLS13_AES_256_GCM_SHA384,
    CipherSuite::TLS13_CHACHA20_POLY1305_SHA256,
];

fn payload(len: usize) -> Vec<u8> {
    let mut data = vec![0u8; len];
    openssl::rand::rand_bytes(&mut data).unwrap();
    data
}

fn server_options(pki: &TestPki, groups: &[NamedGroup]) -> ServerOptions {
    let mut opts = ServerOptions::new(pki.server.clone());
    opts.groups = groups.to_vec();
    opts.suites = SUITES.to_vec();
    opts.alpn = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    opts
}

fn client_options(pki: &TestPki, group: NamedGroup, suite: CipherSuite) -> ClientOptions {
    let mut opts = ClientOptions::new(pki.root_pem.clone());
    opts.groups = vec![group];
    opts.suites = vec![suite];
    opts.alpn = vec![b"http/1.1".to_vec()];
    opts
}

/// Runs one echo exchange and returns both ends' reports.
fn exchange(
    server: Box<dyn ServerPeer>,
    client: &dyn ClientPeer,
    workload: &Workload,
    key_update: KeyUpdate,
    server_key_update: bool,
) -> (ClientReport, ServerReport) {
    let running = spawn_server(server, 1, server_key_update).unwrap();
    let client = run_client(client, running.addr, workload, key_update);
    let server = running.join_one();
    (client.unwrap(), server.unwrap())
}

/// Both ends agree with each other and with the wire on what was asked.
fn assert_agreed(report: &Report, group: NamedGroup, suite: CipherSuite) {
    let who = &report.peer;
    let wire = report.server_hello.expect("ServerHello read off the wire");
    assert_eq!(wire.version, TLS13, "{who}: wire version");
    assert_eq!(wire.group, Some(group), "{who}: wire group");
    assert_eq!(wire.suite, suite, "{who}: wire suite");
    assert_eq!(report.negotiated.version, Some(TLS13), "{who}: version");
    assert_eq!(report.negotiated.suite, Some(suite), "{who}: suite");
    if let Some(api_group) = report.negotiated.group {
        assert_eq!(api_group, group, "{who}: its own word on the group");
    }
    assert_eq!(report.group(), Some(group));
    assert_eq!(
        report.negotiated.alpn.as_deref(),
        Some(&b"http/1.1"[..]),
        "{who}: ALPN"
    );
    let hello = report
        .client_hello
        .as_ref()
        .expect("ClientHello read off the wire");
    assert_eq!(hello.key_shares, vec![group], "{who}: offered key share");
}

fn matrix(
    make_server: impl Fn(&ServerOptions) -> Result<Box<dyn ServerPeer>, PeerError>,
    make_client: impl Fn(&ClientOptions) -> Result<Box<dyn ClientPeer>, PeerError>,
) {
    let data = payload(100_000);
    for alg in [KeyAlgorithm::EcdsaP256, KeyAlgorithm::MlDsa65] {
        let pki = pki(alg);
        for (i, group) in GROUPS.into_iter().enumerate() {
            let suite = SUITES[i % SUITES.len()];
            let server = make_server(&server_options(&pki, &RUSTLS_GROUPS)).unwrap();
            let client = make_client(&client_options(&pki, group, suite)).unwrap();
            let workload = Workload::Echo(data.clone());
            let (c, s) = exchange(server, &*client, &workload, KeyUpdate::Never, false);
            assert_eq!(
                c.response,
                Response::Echo(data.clone()),
                "{alg:?} {group:?}"
            );
            assert_eq!(s.payload_len, data.len() as u64);
            assert_agreed(&c.report, group, suite);
            assert_agreed(&s.report, group, suite);
            assert_eq!(
                c.report.negotiated.peer_key(),
                Some(alg),
                "server certificate type"
            );
            assert_eq!(
                s.report.negotiated.peer_certificate, None,
                "no client auth asked"
            );
            if c.report.peer.starts_with("rustls") {
                assert_eq!(
                    c.report.negotiated.peer_signature,
                    Some(alg.signature_scheme())
                );
            }
        }
    }
}

#[test]
fn openssl_client_rustls_server() {
    matrix(
        |o| Ok(Box::new(RustlsServer::new(o)?)),
        |o| Ok(Box::new(OpenSslClient::new(o)?)),
    );
}

#[test]
fn rustls_client_openssl_server() {
    matrix(
        |o| Ok(Box::new(OpenSslServer::new(o)?)),
        |o| Ok(Box::new(RustlsClient::new(o)?)),
    );
}

#[test]
fn openssl_to_openssl_secp384r1mlkem1024_mldsa87() {
    let pki = pki(KeyAlgorithm::MlDsa87);
    let group = NamedGroup::SECP384R1MLKEM1024;
    let suite = CipherSuite::TLS13_AES_256_GCM_SHA384;
    let server = OpenSslServer::new(&server_options(&pki, &[group, NamedGroup::X25519])).unwrap();
    let client = OpenSslClient::new(&client_options(&pki, group, suite)).unwrap();
    let data = payload(10_000);
    let (c, s) = exchange(
        Box::new(server),
        &client,
        &Workload::Echo(data.clone()),
        KeyUpdate::Never,
        false,
    );
    assert_eq!(c.response, Response::Echo(data));
    assert_agreed(&c.report, group, suite);
    assert_agreed(&s.report, group, suite);
    assert_eq!(c.report.negotiated.peer_key(), Some(KeyAlgorithm::MlDsa87));
    assert!(c.report.peer.starts_with("OpenSSL 3."), "{}", c.report.peer);
}

#[test]
fn rustls_lacks_secp384r1mlkem1024() {
    let pki = pki(KeyAlgorithm::EcdsaP256);
    let opts = server_options(&pki, &[NamedGroup::SECP384R1MLKEM1024]);
    assert!(matches!(
        RustlsServer::new(&opts),
        Err(PeerError::Unsupported { peer: "rustls", .. })
    ));
}

#[test]
fn mutual_tls_ml_dsa_client_to_openssl_server() {
    let pki = pki(KeyAlgorithm::MlDsa65);
    let mut server = server_options(&pki, &RUSTLS_GROUPS);
    server.client_ca_pem = Some(pki.root_pem.clone());
    let mut client = client_options(&pki, NamedGroup::X25519MLKEM768, SUITES[0]);
    client.identity = Some(pki.client.clone());
    let (c, s) = exchange(
        Box::new(OpenSslServer::new(&server).unwrap()),
        &RustlsClient::new(&client).unwrap(),
        &Workload::Echo(b"mutual".to_vec()),
        KeyUpdate::Never,
        false,
    );
    assert_eq!(c.response, Response::Echo(b"mutual".to_vec()));
    assert_eq!(s.report.negotiated.peer_key(), Some(KeyAlgorithm::MlDsa65));
}

#[test]
fn mutual_tls_openssl_client_to_rustls_server() {
    for alg in [KeyAlgorithm::EcdsaP384, KeyAlgorithm::MlDsa65] {
        let pki = pki(alg);
        let mut server = server_options(&pki, &RUSTLS_GROUPS);
        server.client_ca_pem = Some(pki.root_pem.clone());
        let mut client = client_options(&pki, NamedGroup::SECP256R1MLKEM768, SUITES[1]);
        client.identity = Some(pki.client.clone());
        let (c, s) = exchange(
            Box::new(RustlsServer::new(&server).unwrap()),
            &OpenSslClient::new(&client).unwrap(),
            &Workload::Echo(b"mutual".to_vec()),
            KeyUpdate::Never,
            false,
        );
        assert_eq!(c.response, Response::Echo(b"mutual".to_vec()));
        assert_eq!(s.report.negotiated.peer_key(), Some(alg));
        // Recorded by the harness' wrapper around rustls' client verifier.
        assert_eq!(
            s.report.negotiated.peer_signature,
            Some(alg.signature_scheme())
        );
    }
}

#[test]
fn missing_client_certificate_fails_both_ends() {
    let pki = pki(KeyAlgorithm::EcdsaP256);
    let mut server = server_options(&pki, &RUSTLS_GROUPS);
    server.client_ca_pem = Some(pki.root_pem.clone());
    let client = client_options(&pki, NamedGroup::X25519MLKEM768, SUITES[0]);
    let running = spawn_server(Box::new(OpenSslServer::new(&server).unwrap()), 1, false).unwrap();
    let done = run_client(
        &RustlsClient::new(&client).unwrap(),
        running.addr,
        &Workload::Echo(b"x".to_vec()),
        KeyUpdate::Never,
    );
    assert!(done.is_err(), "client went through without a certificate");
    assert!(running.join_one().is_err());
}

#[test]
fn untrusted_server_fails() {
    let (good, other) = (pki(KeyAlgorithm::EcdsaP256), pki(KeyAlgorithm::Ed25519));
    let server = RustlsServer::new(&server_options(&good, &RUSTLS_GROUPS)).unwrap();
    let client =
        OpenSslClient::new(&client_options(&other, NamedGroup::X25519, SUITES[0])).unwrap();
    let running = spawn_server(Box::new(server), 1, false).unwrap();
    let done = run_client(
        &client,
        running.addr,
        &Workload::Echo(vec![1]),
        KeyUpdate::Never,
    );
    assert!(
        matches!(
            done,
            Err(PeerError::Handshake {
                peer: "OpenSSL",
                ..
            })
        ),
        "{done:?}"
    );
    assert!(running.join_one().is_err());
}

#[test]
fn no_common_group_fails_both_ends() {
    let pki = pki(KeyAlgorithm::EcdsaP256);
    let server = OpenSslServer::new(&server_options(&pki, &[NamedGroup::X25519])).unwrap();
    let client =
        RustlsClient::new(&client_options(&pki, NamedGroup::MLKEM1024, SUITES[0])).unwrap();
    let running = spawn_server(Box::new(server), 1, false).unwrap();
    let done = run_client(
        &client,
        running.addr,
        &Workload::Echo(vec![1]),
        KeyUpdate::Never,
    );
    assert!(
        matches!(done, Err(PeerError::Handshake { peer: "rustls", .. })),
        "{done:?}"
    );
    assert!(running.join_one().is_err());
}

#[test]
fn hello_retry_request_is_seen_on_the_wire() {
    // OpenSSL sends a key share for the first group only; a rustls server that
    // takes MLKEM768 alone must ask again.
    let pki = pki(KeyAlgorithm::EcdsaP256);
    let server = RustlsServer::new(&server_options(&pki, &[NamedGroup::MLKEM768])).unwrap();
    let mut client = client_options(&pki, NamedGroup::X25519, SUITES[2]);
    client.groups = vec![NamedGroup::X25519, NamedGroup::MLKEM768];
    let (c, s) = exchange(
        Box::new(server),
        &OpenSslClient::new(&client).unwrap(),
        &Workload::Echo(b"again".to_vec()),
        KeyUpdate::Never,
        false,
    );
    for report in [&c.report, &s.report] {
        let hello = report.server_hello.unwrap();
        assert!(hello.hello_retry, "{}", report.peer);
        assert_eq!(hello.group, Some(NamedGroup::MLKEM768));
        let offered = report.client_hello.as_ref().unwrap();
        assert_eq!(offered.key_shares, vec![NamedGroup::X25519]);
        assert_eq!(offered.supported_groups, client.groups);
    }
    assert_eq!(s.report.negotiated.group, Some(NamedGroup::MLKEM768));
}

#[test]
fn bulk_64_mib_with_rustls_key_updates_to_openssl() {
    let pki = pki(KeyAlgorithm::EcdsaP256);
    let server = OpenSslServer::new(&server_options(&pki, &RUSTLS_GROUPS)).unwrap();
    let client =
        RustlsClient::new(&client_options(&pki, NamedGroup::X25519MLKEM768, SUITES[1])).unwrap();
    let len = 64 * 1024 * 1024;
    let (c, s) = exchange(
        Box::new(server),
        &client,
        &Workload::Checksum { len },
        KeyUpdate::Client,
        false,
    );
    let Response::Checksum { sent, received } = c.response else {
        panic!("{:?}", c.response);
    };
    assert_eq!(sent, received);
    assert_eq!(s.payload_len, len);
    eprintln!(
        "64 MiB rustls → OpenSSL with two KeyUpdates: {:?}",
        c.elapsed
    );
}

#[test]
fn rustls_server_key_update_to_openssl_client() {
    let pki = pki(KeyAlgorithm::MlDsa65);
    let server = RustlsServer::new(&server_options(&pki, &RUSTLS_GROUPS)).unwrap();
    let client =
        OpenSslClient::new(&client_options(&pki, NamedGroup::MLKEM1024, SUITES[0])).unwrap();
    let data = payload(300_000);
    let (c, _) = exchange(
        Box::new(server),
        &client,
        &Workload::Echo(data.clone()),
        KeyUpdate::Never,
        true,
    );
    assert_eq!(c.response, Response::Echo(data));
}

#[test]
fn openssl_cannot_initiate_key_update() {
    let pki = pki(KeyAlgorithm::EcdsaP256);
    let server = RustlsServer::new(&server_options(&pki, &RUSTLS_GROUPS)).unwrap();
    let client = OpenSslClient::new(&client_options(&pki, NamedGroup::X25519, SUITES[0])).unwrap();
    let running = spawn_server(Box::new(server), 1, false).unwrap();
    let done = run_client(
        &client,
        running.addr,
        &Workload::Echo(vec![1]),
        KeyUpdate::Client,
    );
    assert!(
        matches!(
            done,
            Err(PeerError::Unsupported {
                peer: "OpenSSL",
                ..
            })
        ),
        "{done:?}"
    );
    drop(running.join_one());
}

#[test]
fn signature_schemes_as_rustls_sees_them() {
    // Every certificate type of the test PKI, OpenSSL server → rustls client, so
    // the CertificateVerify scheme the rustls verifier saw is checked per type.
    for alg in KeyAlgorithm::ALL {
        let pki = pki(alg);
        let server = OpenSslServer::new(&server_options(&pki, &RUSTLS_GROUPS)).unwrap();
        let client =
            RustlsClient::new(&client_options(&pki, NamedGroup::X25519MLKEM768, SUITES[0]))
                .unwrap();
        let (c, _) = exchange(
            Box::new(server),
            &client,
            &Workload::Echo(vec![alg as u8]),
            KeyUpdate::Never,
            false,
        );
        let scheme: SignatureScheme = c.report.negotiated.peer_signature.unwrap();
        if alg == KeyAlgorithm::Rsa2048 {
            // The hash is the signer's choice among what the verifier offered.
            assert!((0x0804..=0x0806).contains(&scheme.0), "{scheme:?}");
        } else {
            assert_eq!(scheme, alg.signature_scheme(), "{alg:?}");
        }
        assert_eq!(c.report.negotiated.peer_key(), Some(alg));
    }
}

#[test]
fn openssl_is_at_least_3_5() {
    // ML-KEM, the hybrid groups and ML-DSA arrived in OpenSSL 3.5.
    assert!(
        openssl::version::number() >= 0x3050_0000,
        "{}",
        qssl_interop::openssl_version()
    );
}

//! Session resumption (RFC 8446 §2.2, §4.2.11, §4.6.1) between Q-SSL and OpenSSL
//! / rustls, in both directions.
//!
//! Every connection is judged three ways: by the client's own account, by the
//! server's (OpenSSL's `SSL_session_reused`, rustls' `handshake_kind`, Q-SSL's
//! `ConnectionInfo::resumed`), and by the hellos read off the wire — the tickets a
//! ClientHello offers in `pre_shared_key` and the identity the ServerHello
//! selects. A ticket's first 16 bytes are the name of the key that sealed it, for
//! OpenSSL and for rustls' ticketer alike (RFC 5077 §4's construction), so the
//! ClientHellos also show which server key a ticket came from: that is how key
//! rotation is seen.

use std::collections::HashMap;
use std::sync::{Mutex, OnceLock};
use std::thread;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use qssl_interop::wire::{ClientHelloSummary, ServerHelloSummary};
use qssl_interop::{
    ClientOptions, ClientPeer, ClientReport, KeyAlgorithm, KeyUpdate, NamedGroup, OpenSslServer,
    QsslClient, QsslServer, Report, Response, RustlsClient, RustlsResumption, RustlsServer,
    SClient, ServerOptions, ServerPeer, ServerReport, TestPki, Workload, run_client, spawn_server,
};

/// One PKI per algorithm per test binary: key generation is not free.
fn pki(alg: KeyAlgorithm) -> TestPki {
    static CACHE: OnceLock<Mutex<HashMap<KeyAlgorithm, TestPki>>> = OnceLock::new();
    let cache = CACHE.get_or_init(Default::default);
    let mut cache = cache.lock().unwrap_or_else(|p| p.into_inner());
    cache
        .entry(alg)
        .or_insert_with(|| TestPki::generate(alg).unwrap())
        .clone()
}

/// Post-quantum authentication throughout, so that a resumption can be seen to
/// keep it, and so that a server flight with a certificate is unmistakable: see
/// [`CERTIFICATE_FLOOR`].
fn ml_dsa() -> TestPki {
    pki(KeyAlgorithm::MlDsa65)
}

/// Every certificate of an ML-DSA-65 test PKI holds a 1952-byte public key and a
/// 3309-byte signature (FIPS 204): a server flight shorter than this carries none
/// (a resumption's); a full handshake's carries two, and a CertificateVerify.
const CERTIFICATE_FLOOR: usize = 1952 + 3309;

const DATA: &[u8] = b"resumed or not, the same bytes come back";
const HYBRID: NamedGroup = NamedGroup::X25519MLKEM768;
/// `psk_dhe_ke` (RFC 8446 §4.2.9).
const PSK_DHE_KE: u8 = 1;

/// Users' defaults: the implementation's groups and suites.
fn client_options(pki: &TestPki) -> ClientOptions {
    ClientOptions::new(pki.root_pem.clone())
}

fn server_options(pki: &TestPki) -> ServerOptions {
    ServerOptions::new(pki.server.clone())
}

/// One connection: both ends' accounts.
struct Conn {
    client: ClientReport,
    server: ServerReport,
}

/// Runs `n` echo connections of `client`, one after the other, against one
/// `server` instance.
fn connections(server: Box<dyn ServerPeer>, client: &dyn ClientPeer, n: usize) -> Vec<Conn> {
    let running = spawn_server(server, n, false).unwrap();
    let clients: Vec<ClientReport> = (0..n)
        .map(|i| {
            run_client(
                client,
                running.addr,
                &Workload::Echo(DATA.to_vec()),
                KeyUpdate::Never,
            )
            .unwrap_or_else(|e| panic!("{} connection {i}: {e}", client.name()))
        })
        .collect();
    let servers = running.join().unwrap();
    clients
        .into_iter()
        .zip(servers)
        .enumerate()
        .map(|(i, (client, server))| Conn {
            client,
            server: server.unwrap_or_else(|e| panic!("server of connection {i}: {e}")),
        })
        .collect()
}

fn client_hello(report: &Report) -> &ClientHelloSummary {
    report
        .client_hello
        .as_ref()
        .unwrap_or_else(|| panic!("{}: no ClientHello read off the wire", report.peer))
}

fn server_hello(report: &Report) -> ServerHelloSummary {
    report
        .server_hello
        .unwrap_or_else(|| panic!("{}: no ServerHello read off the wire", report.peer))
}

/// The wire of a full handshake, as one end's tap saw it: a ticket offered or
/// not, none selected, a key exchange.
fn wire_full(report: &Report, offered: bool, what: &str) {
    let hello = client_hello(report);
    assert_eq!(
        !hello.psk_identities.is_empty(),
        offered,
        "{what}: a ticket offered in the ClientHello ({} tap)",
        report.peer
    );
    let sh = server_hello(report);
    assert_eq!(sh.psk_selected, None, "{what}: ServerHello selects no PSK");
    assert!(sh.group.is_some(), "{what}: ServerHello key_share");
}

/// The wire of a resumption: one ticket offered (with its binder, last, under
/// psk_dhe_ke), selected by the ServerHello, which also has a key share.
fn wire_resumed(report: &Report, what: &str) {
    let hello = client_hello(report);
    assert_eq!(
        hello.psk_identities.len(),
        1,
        "{what}: one ticket offered ({} tap)",
        report.peer
    );
    assert_eq!(hello.psk_binders, 1, "{what}: one binder");
    assert!(
        hello.psk_last,
        "{what}: pre_shared_key is the last extension"
    );
    assert_eq!(hello.psk_modes, vec![PSK_DHE_KE], "{what}: psk_dhe_ke only");
    let sh = server_hello(report);
    assert_eq!(sh.psk_selected, Some(0), "{what}: ServerHello selects it");
    assert!(
        sh.group.is_some(),
        "{what}: psk_dhe_ke: ServerHello key_share"
    );
}

/// Both taps saw the same hellos.
fn same_wire(conn: &Conn, what: &str) {
    let (c, s) = (&conn.client.report, &conn.server.report);
    assert_eq!(c.client_hello, s.client_hello, "{what}: ClientHello");
    assert_eq!(c.server_hello, s.server_hello, "{what}: ServerHello");
}

fn echoed(conn: &Conn, what: &str) {
    assert_eq!(
        conn.client.response,
        Response::Echo(DATA.to_vec()),
        "{what}: echo"
    );
    assert_eq!(conn.server.payload_len, DATA.len() as u64);
}

/// A full handshake by both ends' account and on the wire (the server's flight
/// carries its ML-DSA chain); data flowed.
fn assert_full(conn: &Conn, offered: bool, what: &str) {
    echoed(conn, what);
    same_wire(conn, what);
    let (c, s) = (&conn.client.report, &conn.server.report);
    assert_eq!(c.negotiated.resumed, Some(false), "{what}: {}", c.peer);
    assert_eq!(s.negotiated.resumed, Some(false), "{what}: {}", s.peer);
    wire_full(c, offered, what);
    assert!(
        c.server_bytes > 2 * CERTIFICATE_FLOOR,
        "{what}: the server's flight ({} bytes) carries its chain",
        c.server_bytes
    );
}

/// A resumption by both ends' account and on the wire (the server's flight
/// carries no certificate); data flowed.
fn assert_resumed(conn: &Conn, what: &str) {
    echoed(conn, what);
    same_wire(conn, what);
    let (c, s) = (&conn.client.report, &conn.server.report);
    assert_eq!(c.negotiated.resumed, Some(true), "{what}: {}", c.peer);
    assert_eq!(s.negotiated.resumed, Some(true), "{what}: {}", s.peer);
    wire_resumed(c, what);
    assert!(
        c.server_bytes < CERTIFICATE_FLOOR,
        "{what}: the server's flight ({} bytes) carries no certificate",
        c.server_bytes
    );
}

/// The group on the wire, and in every implementation's own word that gives one
/// (Q-SSL's `ConnectionInfo`, rustls).
fn assert_group(conn: &Conn, group: NamedGroup, what: &str) {
    for report in [&conn.client.report, &conn.server.report] {
        assert_eq!(
            server_hello(report).group,
            Some(group),
            "{what}: wire group"
        );
        if let Some(g) = report.negotiated.group {
            assert_eq!(g, group, "{what}: {}'s group", report.peer);
        }
        if let Some(info) = &report.negotiated.info {
            assert_eq!(info.key_exchange_group, Some(group), "{what}: Q-SSL info");
        }
    }
}

/// The ticket a ClientHello offered.
fn offered_ticket(report: &Report) -> &[u8] {
    match client_hello(report).psk_identities.as_slice() {
        [ticket] => ticket,
        other => panic!("{} offered {} tickets", report.peer, other.len()),
    }
}

/// The name of the key that sealed the ticket a ClientHello offered: the first 16
/// bytes of an OpenSSL ticket, and of a rustls `Ticketer` one.
fn key_name(report: &Report) -> [u8; 16] {
    let ticket = offered_ticket(report);
    assert!(
        ticket.len() > 16 + 16,
        "a sealed ticket: {} bytes",
        ticket.len()
    );
    let mut name = [0u8; 16];
    name.copy_from_slice(&ticket[..16]);
    name
}

fn qssl_info(report: &Report) -> qssl::ConnectionInfo {
    report
        .negotiated
        .info
        .unwrap_or_else(|| panic!("{} is not Q-SSL", report.peer))
}

fn unix_secs() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

/// Sleeps until the system clock reads at least `target` seconds.
fn sleep_until(target: u64) {
    loop {
        let now = SystemTime::now().duration_since(UNIX_EPOCH).unwrap();
        let Some(left) = Duration::from_secs(target).checked_sub(now) else {
            return;
        };
        thread::sleep(left + Duration::from_millis(5));
    }
}

// 1. Q-SSL client → OpenSSL server.

/// Defaults on both ends: the first connection is full, the next two resume
/// (the third with a ticket issued on the resumed second), all over
/// X25519MLKEM768 (psk_dhe_ke), and Q-SSL keeps the original session's ML-DSA
/// authentication and certificate.
#[test]
fn qssl_client_resumes_with_openssl_server() {
    let pki = ml_dsa();
    let server = OpenSslServer::new(&server_options(&pki)).unwrap();
    let client = QsslClient::new(&client_options(&pki)).unwrap();
    let conns = connections(Box::new(server), &client, 3);

    assert_full(&conns[0], false, "first connection");
    assert_resumed(&conns[1], "second connection");
    assert_resumed(&conns[2], "third connection (ticket from a resumption)");
    let leaf = &conns[0].client.report.negotiated.peer_certificate;
    assert!(leaf.is_some());
    let suite = server_hello(&conns[0].client.report).suite;
    for (i, conn) in conns.iter().enumerate() {
        assert_group(conn, HYBRID, &format!("connection {i}"));
        let report = &conn.client.report;
        assert_eq!(server_hello(report).suite, suite, "connection {i}: suite");
        let info = qssl_info(report);
        assert!(info.kx_post_quantum, "connection {i}: hybrid key exchange");
        assert!(
            info.peer_auth_post_quantum,
            "connection {i}: the server's ML-DSA authentication (the original one's)"
        );
        assert_eq!(
            &report.negotiated.peer_certificate, leaf,
            "connection {i}: the original session's certificate"
        );
    }
}

/// The client remembers the group the server chose: the first connection needs a
/// HelloRetryRequest (the server takes secp256r1 only, the default ClientHello
/// sends hybrid and x25519 shares); the resumption sends a secp256r1 share first
/// and needs none. A classical session stays classical.
#[test]
fn qssl_client_remembers_the_group_and_resumes_without_retry() {
    let pki = ml_dsa();
    let mut opts = server_options(&pki);
    opts.groups = vec![NamedGroup::SECP256R1];
    let server = OpenSslServer::new(&opts).unwrap();
    let client = QsslClient::new(&client_options(&pki)).unwrap();
    let conns = connections(Box::new(server), &client, 2);

    assert_full(&conns[0], false, "first connection");
    assert_resumed(&conns[1], "second connection");
    let first = server_hello(&conns[0].client.report);
    assert!(first.hello_retry, "first connection: HelloRetryRequest");
    assert_eq!(
        client_hello(&conns[0].client.report).key_shares.first(),
        Some(&HYBRID)
    );
    let second = server_hello(&conns[1].client.report);
    assert!(
        !second.hello_retry,
        "second connection: no HelloRetryRequest"
    );
    assert_eq!(
        client_hello(&conns[1].client.report).key_shares.first(),
        Some(&NamedGroup::SECP256R1),
        "the remembered group's share goes first"
    );
    for conn in &conns {
        assert_group(conn, NamedGroup::SECP256R1, "both connections");
        assert!(!qssl_info(&conn.client.report).kx_post_quantum);
    }
}

// 2. OpenSSL client → Q-SSL server.

/// OpenSSL's `s_client` keeps the session (the ticket) of the first connection
/// (`-sess_out`) and offers it on the second (`-sess_in`, i.e. `SSL_set_session`);
/// it reports "Reused", the Q-SSL server reports a resumption, and the wire shows
/// the ticket offered and selected. The group is the hybrid where the program has
/// it (OpenSSL 3.5+), else x25519.
#[test]
fn openssl_client_resumes_with_qssl_server() {
    let probe = SClient::new(&client_options(&pki(KeyAlgorithm::EcdsaP256)))
        .unwrap_or_else(|e| panic!("an OpenSSL s_client is needed for this test: {e}"));
    let (pki, group) = if probe.has_post_quantum() {
        (ml_dsa(), HYBRID)
    } else {
        (pki(KeyAlgorithm::EcdsaP256), NamedGroup::X25519)
    };
    let mut opts = client_options(&pki);
    opts.groups = vec![group];
    let client = SClient::new(&opts).unwrap();
    let who = client.version().to_owned();
    let server = QsslServer::new(&server_options(&pki)).unwrap();
    let running = spawn_server(Box::new(server), 2, false).unwrap();
    let first = client.run(running.addr, DATA, false);
    let saved = client.has_session();
    let second = client.run(running.addr, DATA, true);
    let servers = running.join().unwrap();
    let (first, second) = (first.unwrap(), second.unwrap());
    let mut servers = servers.into_iter().map(Result::unwrap);
    let (s1, s2) = (servers.next().unwrap(), servers.next().unwrap());

    assert!(
        !first.reused,
        "{who}: first connection new\n{}",
        first.output
    );
    assert!(first.verified, "{who}: chain verified\n{}", first.output);
    assert_eq!(
        first.tickets, 2,
        "{who}: Q-SSL's two tickets\n{}",
        first.output
    );
    assert!(first.echoed && first.status.success(), "{}", first.output);
    assert!(saved, "{who} saved the session (-sess_out)");
    assert!(
        second.reused,
        "{who}: second connection reused\n{}",
        second.output
    );
    assert!(
        second.verified,
        "{who}: the original verification\n{}",
        second.output
    );
    assert!(
        second.echoed && second.status.success(),
        "{}",
        second.output
    );

    assert_eq!(s1.report.negotiated.resumed, Some(false));
    assert_eq!(s2.report.negotiated.resumed, Some(true), "Q-SSL resumed");
    wire_full(&s1.report, false, "first connection");
    wire_resumed(&s2.report, "second connection");
    for s in [&s1, &s2] {
        assert_eq!(server_hello(&s.report).group, Some(group));
        assert_eq!(qssl_info(&s.report).key_exchange_group, Some(group));
        assert!(s.client_close_notify, "{who} closed with close_notify");
    }
}

// 3. The same with rustls 0.23.

/// A Q-SSL client resumes with a rustls server, stateless (rustls' `Ticketer`)
/// and stateful (its `ServerSessionMemoryCache`) alike.
#[test]
fn qssl_client_resumes_with_rustls_server() {
    let pki = ml_dsa();
    for kind in [RustlsResumption::Stateless, RustlsResumption::Stateful] {
        let server = RustlsServer::with_resumption(&server_options(&pki), kind).unwrap();
        let client = QsslClient::new(&client_options(&pki)).unwrap();
        let conns = connections(Box::new(server), &client, 2);
        assert_full(&conns[0], false, &format!("{kind:?}: first connection"));
        assert_resumed(&conns[1], &format!("{kind:?}: second connection"));
        for conn in &conns {
            assert_group(conn, HYBRID, &format!("{kind:?}"));
            assert!(qssl_info(&conn.client.report).peer_auth_post_quantum);
        }
    }
}

/// A rustls client, reusing its `ClientConfig` (rustls' default in-memory
/// session store), resumes with a Q-SSL server.
#[test]
fn rustls_client_resumes_with_qssl_server() {
    let pki = ml_dsa();
    let server = QsslServer::new(&server_options(&pki)).unwrap();
    let client = RustlsClient::with_resumption(&client_options(&pki)).unwrap();
    let conns = connections(Box::new(server), &client, 2);
    assert_full(&conns[0], false, "first connection");
    assert_resumed(&conns[1], "second connection");
    for conn in &conns {
        assert_group(conn, HYBRID, "both connections");
        assert!(qssl_info(&conn.server.report).kx_post_quantum);
    }
}

// 4. Ticket keys: OpenSSL's (which never rotate by themselves) and rustls'
//    rotating ones.

/// An OpenSSL server keeps one ticket key per `SSL_CTX` (OpenSSL rotates none by
/// itself, and the `openssl` crate binds no ticket key callback): tickets of
/// successive connections carry the same key name. A restarted server (a fresh
/// `SSL_CTX`, fresh random keys) cannot open the ticket the Q-SSL client offers:
/// the client completes a full handshake with no error, then resumes with the new
/// server's ticket, sealed under another key.
#[test]
fn qssl_client_falls_back_when_openssl_restarts() {
    let pki = ml_dsa();
    let opts = server_options(&pki);
    let client = QsslClient::new(&client_options(&pki)).unwrap();
    let before = connections(Box::new(OpenSslServer::new(&opts).unwrap()), &client, 3);
    assert_full(&before[0], false, "first connection");
    assert_resumed(&before[1], "second connection");
    assert_resumed(&before[2], "third connection");
    let old_key = key_name(&before[1].client.report);
    assert_eq!(
        key_name(&before[2].client.report),
        old_key,
        "one SSL_CTX, one ticket key"
    );

    let after = connections(Box::new(OpenSslServer::new(&opts).unwrap()), &client, 2);
    assert_full(&after[0], true, "after the restart");
    assert_eq!(
        key_name(&after[0].client.report),
        old_key,
        "the old server's ticket was offered"
    );
    assert_resumed(&after[1], "with the new server's ticket");
    assert_ne!(
        key_name(&after[1].client.report),
        old_key,
        "a restarted OpenSSL has a new ticket key"
    );
    for conn in before.iter().chain(&after) {
        assert_group(conn, HYBRID, "every connection");
    }
}

/// A ticket survives one rotation of a rustls server's ticket keys: rustls'
/// `TicketRotator` (key period 2 s, tickets announced for 4 s) seals the first
/// connection's tickets under one key, rotates at the first use after the period,
/// still opens them with the previous key, and seals the next tickets under the
/// new one — the wire shows the key names change between the ticket offered on
/// the second connection and the one offered on the third, and both resume.
#[test]
fn qssl_ticket_survives_a_rustls_key_rotation() {
    const PERIOD: u32 = 2;
    let pki = ml_dsa();
    let opts = server_options(&pki);
    // The rotator reads the clock when made: made within one clock second, the
    // second of its first rotation is known (the first use after made + PERIOD).
    let (server, made) = (0..3)
        .find_map(|_| {
            let before = unix_secs();
            let server = RustlsServer::with_resumption(
                &opts,
                RustlsResumption::Rotating { key_period: PERIOD },
            )
            .unwrap();
            (unix_secs() == before).then_some((server, before))
        })
        .expect("the clock ticked while each of 3 servers was made");
    let client = QsslClient::new(&client_options(&pki)).unwrap();
    let running = spawn_server(Box::new(server), 3, false).unwrap();
    let run = || {
        run_client(
            &client,
            running.addr,
            &Workload::Echo(DATA.to_vec()),
            KeyUpdate::Never,
        )
        .unwrap()
    };
    let first = run();
    assert!(
        unix_secs() <= made + u64::from(PERIOD),
        "precondition: the first connection's tickets were sealed before the rotation"
    );
    sleep_until(made + u64::from(PERIOD) + 1);
    let (second, third) = (run(), run());
    let mut servers = running.join().unwrap().into_iter().map(Result::unwrap);
    let conns: Vec<Conn> = [first, second, third]
        .into_iter()
        .map(|client| Conn {
            client,
            server: servers.next().unwrap(),
        })
        .collect();

    assert_full(&conns[0], false, "first connection");
    assert_resumed(
        &conns[1],
        "second connection (first's ticket, after the rotation)",
    );
    assert_resumed(&conns[2], "third connection (second's ticket)");
    assert_ne!(
        key_name(&conns[1].client.report),
        key_name(&conns[2].client.report),
        "the server rotated its ticket key between the first and second connections"
    );
}

// 5. Tickets offered to a server that did not issue them.

/// A Q-SSL client's OpenSSL ticket offered to a rustls server, and its rustls
/// ticket offered to another OpenSSL server: each completes a full handshake
/// (the server ignores the ticket), then resumes with its own ticket.
#[test]
fn qssl_client_offers_tickets_to_servers_that_did_not_issue_them() {
    let pki = ml_dsa();
    let client = QsslClient::new(&client_options(&pki)).unwrap();
    let openssl = connections(
        Box::new(OpenSslServer::new(&server_options(&pki)).unwrap()),
        &client,
        1,
    );
    assert_full(&openssl[0], false, "OpenSSL");

    let rustls =
        RustlsServer::with_resumption(&server_options(&pki), RustlsResumption::Stateless).unwrap();
    let rustls = connections(Box::new(rustls), &client, 2);
    assert_full(&rustls[0], true, "rustls offered OpenSSL's ticket");
    assert_resumed(&rustls[1], "rustls, its own ticket");

    let other = connections(
        Box::new(OpenSslServer::new(&server_options(&pki)).unwrap()),
        &client,
        2,
    );
    assert_full(&other[0], true, "another OpenSSL offered rustls' ticket");
    assert_eq!(
        key_name(&other[0].client.report),
        key_name(&rustls[1].client.report),
        "the ticket offered was rustls'"
    );
    assert_resumed(&other[1], "another OpenSSL, its own ticket");
    for conn in openssl.iter().chain(&rustls).chain(&other) {
        assert_group(conn, HYBRID, "every connection");
    }
}

/// The Q-SSL server given tickets it did not issue — OpenSSL's, then another
/// Q-SSL server's — by a rustls client: full handshakes, no error, then
/// resumptions with its own tickets.
#[test]
fn qssl_server_ignores_tickets_it_did_not_issue() {
    let pki = ml_dsa();
    let client = RustlsClient::with_resumption(&client_options(&pki)).unwrap();
    let openssl = connections(
        Box::new(OpenSslServer::new(&server_options(&pki)).unwrap()),
        &client,
        1,
    );
    assert_full(&openssl[0], false, "OpenSSL");
    let a = connections(
        Box::new(QsslServer::new(&server_options(&pki)).unwrap()),
        &client,
        2,
    );
    assert_full(&a[0], true, "Q-SSL offered OpenSSL's ticket");
    assert_resumed(&a[1], "Q-SSL, its own ticket");
    let b = connections(
        Box::new(QsslServer::new(&server_options(&pki)).unwrap()),
        &client,
        2,
    );
    assert_full(&b[0], true, "another Q-SSL offered the first one's ticket");
    assert_resumed(&b[1], "another Q-SSL, its own ticket");
    for conn in openssl.iter().chain(&a).chain(&b) {
        assert_group(conn, HYBRID, "every connection");
    }
}

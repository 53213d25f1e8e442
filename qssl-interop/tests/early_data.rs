//! 0-RTT data (RFC 8446 §2.3, §4.2.10, §8) between Q-SSL and OpenSSL, in both
//! directions, accepted and rejected, and a recorded 0-RTT flight replayed to Q-SSL
//! servers.
//!
//! Whether a server took the early data is said in its EncryptedExtensions, which
//! no tap can read, so each connection is judged by both ends' own accounts — the
//! Q-SSL client's `early_data_status`, the Q-SSL server's `early_data_received` and
//! the bytes its application read, the bytes OpenSSL's `SSL_read_early_data` gave
//! its server, s_client's "Early data was accepted/rejected" — and by what the wire
//! does show: the ClientHello's `early_data` extension, the 0-RTT records right
//! behind it (each `data + 17` bytes: content type and AEAD tag), the ServerHello's
//! selected ticket, and the client's next record: an EndOfEarlyData (4 + 17 bytes)
//! only when the server accepted (RFC 8446 §4.5), else straight its Finished.
//!
//! OpenSSL as a client is `openssl s_client` (the system's program, see
//! [`SClient`]): resuming needs `SSL_set_session`, an `unsafe fn` in the `openssl`
//! crate.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

use qssl::EarlyDataStatus;
use qssl::session::{AntiReplay, ReplayGuard, TicketKeyRing, Ticketer};
use qssl_interop::wire::{self, RecordHeader};
use qssl_interop::{
    AcceptLog, CipherSuite, ClientOptions, EarlyData, KeyAlgorithm, KeyUpdate, NamedGroup,
    OpenSslEarlyData, OpenSslServer, QsslAccept, QsslClient, QsslEarlyRun, QsslServer, Report,
    Response, SClient, ServerOptions, TestPki, Workload, replay, run_client, spawn_server,
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

const MAX_EARLY: u32 = 16 * 1024;
/// The first, full connection's request (it gets the ticket).
const DATA: &[u8] = b"the first connection gets a ticket";
/// The 0-RTT request's payload: safe to receive twice, as 0-RTT data must be.
const PAYLOAD: &[u8] = b"GET /idempotent: early or not, these bytes come back once";
const HYBRID: NamedGroup = NamedGroup::X25519MLKEM768;
/// What record protection adds to a record's content (type byte, 16-byte tag).
const OVERHEAD: usize = wire::PROTECTED_RECORD_OVERHEAD;
/// An EndOfEarlyData message: type and a zero length (RFC 8446 §4.5).
const END_OF_EARLY_DATA: usize = 4;

/// The harness' echo request of `payload`: `[mode 0][len: u64 BE]` then the bytes.
fn request(payload: &[u8]) -> Vec<u8> {
    let mut r = vec![0];
    r.extend_from_slice(&(payload.len() as u64).to_be_bytes());
    r.extend_from_slice(payload);
    r
}

fn client_options(pki: &TestPki) -> ClientOptions {
    ClientOptions::new(pki.root_pem.clone())
}

fn server_options(pki: &TestPki) -> ServerOptions {
    ServerOptions::new(pki.server.clone())
}

/// A Q-SSL client with 0-RTT turned on (`with_early_data(true)`), otherwise the
/// user's defaults.
fn qssl_early_client(pki: &TestPki) -> QsslClient {
    let opts = client_options(pki);
    QsslClient::from_builder(
        QsslClient::builder(&opts).unwrap().with_early_data(true),
        &opts,
    )
    .unwrap()
}

fn early(report: &Report) -> &EarlyData {
    report
        .negotiated
        .early_data
        .as_ref()
        .unwrap_or_else(|| panic!("{} reported nothing of 0-RTT", report.peer))
}

fn offered_early_data(report: &Report) -> bool {
    report
        .client_hello
        .as_ref()
        .unwrap_or_else(|| panic!("{}: no ClientHello read off the wire", report.peer))
        .early_data
}

fn psk_selected(report: &Report) -> Option<u16> {
    report
        .server_hello
        .unwrap_or_else(|| panic!("{}: no ServerHello read off the wire", report.peer))
        .psk_selected
}

/// The Finished message's length under `suite`: type, length, the HMAC.
fn finished_len(suite: CipherSuite) -> usize {
    let hash = if suite == CipherSuite::TLS13_AES_256_GCM_SHA384 {
        48
    } else {
        32
    };
    4 + hash
}

/// The client → server stream's records, without change_cipher_spec (sent for
/// middlebox compatibility, RFC 8446 Appendix D.4, where each implementation likes).
fn protocol_records(stream: &[u8]) -> Vec<RecordHeader> {
    wire::records(stream)
        .into_iter()
        .filter(|r| r.content_type != 20)
        .collect()
}

/// What a 0-RTT offer of `early_len` bytes looks like on the client → server
/// stream: a ClientHello with `early_data`, the 0-RTT data (if any) in an
/// application_data record right behind it (one record for this little), then —
/// only if the server took the offer — an EndOfEarlyData, else straight the
/// client's Finished. Returns the first flight's length.
fn assert_early_wire(
    c2s: &[u8],
    early_len: usize,
    accepted: bool,
    suite: CipherSuite,
    what: &str,
) -> usize {
    let hello = wire::parse_client_hello(c2s).expect("a ClientHello");
    assert!(hello.early_data, "{what}: ClientHello offers early_data");
    assert_eq!(hello.psk_identities.len(), 1, "{what}: with one ticket");
    let flight = wire::first_flight(c2s, early_len)
        .unwrap_or_else(|| panic!("{what}: {early_len} bytes of 0-RTT records behind the hello"));
    let records = protocol_records(c2s);
    let app = |len| RecordHeader {
        content_type: 23,
        len: len + OVERHEAD,
    };
    let zero_rtt_records = usize::from(early_len > 0);
    assert!(records.len() > 1 + zero_rtt_records, "{what}: {records:?}");
    assert_eq!(records[0].content_type, 22, "{what}: the ClientHello");
    if early_len > 0 {
        assert_eq!(records[1], app(early_len), "{what}: one 0-RTT record");
    }
    let next = if accepted {
        END_OF_EARLY_DATA
    } else {
        finished_len(suite)
    };
    assert_eq!(
        records[1 + zero_rtt_records],
        app(next),
        "{what}: the client's next record is {} ({next} bytes + {OVERHEAD})",
        if accepted {
            "EndOfEarlyData"
        } else {
            "its Finished, no EndOfEarlyData"
        }
    );
    flight
}

fn suite(report: &Report) -> CipherSuite {
    report.suite().expect("a negotiated suite")
}

// 1. Q-SSL client → OpenSSL server (in process, SSL_read_early_data).

/// The Q-SSL client resumes an OpenSSL session with its whole request as 0-RTT
/// data; OpenSSL's `SSL_read_early_data` gives its server exactly those bytes,
/// the Q-SSL client reports Accepted, and the request is answered once. Then a
/// connection on which the application writes no 0-RTT data: Q-SSL offers it
/// anyway, and OpenSSL takes the empty offer.
#[test]
fn qssl_client_early_data_accepted_by_openssl() {
    let pki = pki(KeyAlgorithm::MlDsa65);
    let server = OpenSslServer::with_max_early_data(&server_options(&pki), MAX_EARLY).unwrap();
    let client = qssl_early_client(&pki);
    let running = spawn_server(Box::new(server), 3, false).unwrap();
    let first = run_client(
        &client,
        running.addr,
        &Workload::Echo(DATA.to_vec()),
        KeyUpdate::Never,
    )
    .unwrap();
    let request = request(PAYLOAD);
    let run = client
        .run_early(running.addr, PAYLOAD, request.len())
        .unwrap();
    let empty = client.run_early(running.addr, PAYLOAD, 0).unwrap();
    let mut servers = running.join().unwrap().into_iter().map(Result::unwrap);
    let (s1, s2, s3) = (
        servers.next().unwrap(),
        servers.next().unwrap(),
        servers.next().unwrap(),
    );

    // No ticket yet: nothing offered.
    assert_eq!(
        early(&first.report).status,
        Some(EarlyDataStatus::NotOffered)
    );
    assert!(!offered_early_data(&first.report));
    assert_eq!(early(&s1.report).received, b"");

    // The 0-RTT connection, by the client's account.
    assert_eq!(run.early_sent, request.len(), "the ticket allowed it all");
    assert_eq!(
        early(&run.report).status,
        Some(EarlyDataStatus::Accepted),
        "Q-SSL's early_data_status"
    );
    assert_eq!((run.rejected.as_deref(), run.resent), (None, 0));
    assert_eq!(run.report.negotiated.resumed, Some(true));
    assert_eq!(run.response, Response::Echo(PAYLOAD.to_vec()));
    assert!(run.server_close_notify);
    // By OpenSSL's: SSL_read_early_data gave it the request, all of it.
    let openssl = early(&s2.report);
    assert_eq!(
        openssl.received, request,
        "OpenSSL read exactly the 0-RTT bytes"
    );
    assert_eq!(openssl.count, request.len());
    assert_eq!(
        s2.report.negotiated.resumed,
        Some(true),
        "SSL_session_reused"
    );
    assert_eq!(s2.payload_len, PAYLOAD.len() as u64);
    assert_eq!(s2.trailing, 0, "the request came once");
    // On the wire, both taps alike.
    assert_eq!(s2.report.client_hello, run.report.client_hello);
    assert_eq!(psk_selected(&run.report), Some(0), "the ticket resumed");
    assert_eq!(run.report.server_hello.unwrap().group, Some(HYBRID));
    let flight = assert_early_wire(
        &run.client_to_server,
        request.len(),
        true,
        suite(&run.report),
        "Q-SSL → OpenSSL",
    );
    assert_eq!(
        run.first_flight.len(),
        flight,
        "all the client wrote before reading: ClientHello and 0-RTT"
    );
    assert_eq!(run.first_flight, run.client_to_server[..flight]);

    // What a user with 0-RTT turned on gets on a connection where it writes none:
    // the ClientHello offers early_data all the same (its ticket allows it),
    // OpenSSL accepts the empty offer, and the client ends it with an
    // EndOfEarlyData straight after the server's flight.
    assert_eq!(empty.early_sent, 0);
    assert_eq!(early(&empty.report).status, Some(EarlyDataStatus::Accepted));
    assert_eq!(
        early(&s3.report).received,
        b"",
        "OpenSSL read no 0-RTT data"
    );
    assert_eq!(empty.response, Response::Echo(PAYLOAD.to_vec()));
    assert_eq!(s3.trailing, 0);
    assert_eq!(empty.report.negotiated.resumed, Some(true));
    let flight = assert_early_wire(
        &empty.client_to_server,
        0,
        true,
        suite(&empty.report),
        "Q-SSL → OpenSSL, no 0-RTT data written",
    );
    assert_eq!(empty.first_flight.len(), flight, "the ClientHello alone");
}

/// The same 0-RTT offer — half the request early, the rest written after the
/// handshake — to OpenSSL servers that do not take it: one that never calls
/// `SSL_read_early_data` (on the context that issued the ticket: it resumes),
/// one whose connection has max_early_data 0 (same context, but the ticket does
/// not resume: OpenSSL's anti-replay makes its tickets session-cache ids, which
/// a connection without early data looks up as self-encrypted tickets), and a
/// restarted server (a new `SSL_CTX`: the ticket does not open). Each time Q-SSL
/// reports Rejected and holds the bytes; the rest of the request, written and
/// flushed before the application decides, is held back too; once it resends,
/// the server gets the request once and in order, and none of it as 0-RTT data.
#[test]
fn qssl_client_early_data_rejected_by_openssl() {
    let pki = pki(KeyAlgorithm::MlDsa65);
    let opts = server_options(&pki);
    let reading = OpenSslServer::with_max_early_data(&opts, MAX_EARLY).unwrap();
    let cases = [
        (
            "OpenSSL does not call SSL_read_early_data",
            reading.early_data_mode(OpenSslEarlyData::Ignore),
            true,
        ),
        (
            "OpenSSL connection with max_early_data 0",
            reading.early_data_mode(OpenSslEarlyData::ReadWithLimitZero),
            false,
        ),
        (
            "restarted OpenSSL (another ticket key)",
            OpenSslServer::with_max_early_data(&opts, MAX_EARLY).unwrap(),
            false,
        ),
    ];
    let request = request(PAYLOAD);
    let early_len = 9 + PAYLOAD.len() / 2;
    for (what, server, resumes) in cases {
        // A new client, with a ticket of the reading server's context.
        let client = qssl_early_client(&pki);
        let issuing = spawn_server(
            Box::new(reading.early_data_mode(OpenSslEarlyData::Read)),
            1,
            false,
        )
        .unwrap();
        run_client(
            &client,
            issuing.addr,
            &Workload::Echo(DATA.to_vec()),
            KeyUpdate::Never,
        )
        .unwrap();
        issuing.join_one().unwrap();

        let running = spawn_server(Box::new(server), 1, false).unwrap();
        let run = client.run_early(running.addr, PAYLOAD, early_len).unwrap();
        let server = running.join_one().unwrap();

        assert_eq!(run.early_sent, early_len, "{what}: 0-RTT offered");
        assert_eq!(
            early(&run.report).status,
            Some(EarlyDataStatus::Rejected),
            "{what}: Q-SSL's early_data_status"
        );
        assert_eq!(
            run.rejected.as_deref(),
            Some(&request[..early_len]),
            "{what}: rejected_early_data holds the 0-RTT bytes"
        );
        assert_eq!(run.resent, early_len, "{what}: resent");
        assert_eq!(run.response, Response::Echo(PAYLOAD.to_vec()), "{what}");
        assert_eq!(
            early(&server.report).received,
            b"",
            "{what}: OpenSSL read no 0-RTT data"
        );
        assert_eq!(server.payload_len, PAYLOAD.len() as u64, "{what}");
        assert_eq!(server.trailing, 0, "{what}: the request came once");
        for report in [&run.report, &server.report] {
            assert_eq!(
                report.negotiated.resumed,
                Some(resumes),
                "{what}: {}",
                report.peer
            );
        }
        assert_eq!(
            psk_selected(&run.report),
            resumes.then_some(0),
            "{what}: ServerHello"
        );
        let flight = assert_early_wire(
            &run.client_to_server,
            early_len,
            false,
            suite(&run.report),
            what,
        );
        assert_eq!(run.first_flight.len(), flight, "{what}");
    }
}

// 2. OpenSSL s_client → Q-SSL server.

/// An `openssl s_client` and the test PKI it can verify: ML-DSA and the hybrid
/// group where the program has them (OpenSSL 3.5+), else ECDSA and x25519.
fn s_client() -> (SClient, TestPki, NamedGroup) {
    let probe = SClient::new(&client_options(&pki(KeyAlgorithm::EcdsaP256)))
        .unwrap_or_else(|e| panic!("an OpenSSL s_client is needed for this test: {e}"));
    let (pki, group) = if probe.has_post_quantum() {
        (pki(KeyAlgorithm::MlDsa65), HYBRID)
    } else {
        (pki(KeyAlgorithm::EcdsaP256), NamedGroup::X25519)
    };
    let mut opts = client_options(&pki);
    opts.groups = vec![group];
    (SClient::new(&opts).unwrap(), pki, group)
}

/// A Q-SSL server on the user's defaults plus `with_max_early_data(max)` (when
/// not 0), `ticketer` and `anti_replay` when given; logged.
fn qssl_server(
    pki: &TestPki,
    max_early: u32,
    ticketer: Option<&Arc<dyn Ticketer>>,
    anti_replay: Option<&Arc<dyn AntiReplay>>,
) -> (QsslServer, AcceptLog) {
    let mut b = QsslServer::builder(&server_options(pki)).unwrap();
    if max_early > 0 {
        b = b.with_max_early_data(max_early);
    }
    if let Some(t) = ticketer {
        b = b.with_ticketer(Arc::clone(t));
    }
    if let Some(a) = anti_replay {
        b = b.with_anti_replay(Arc::clone(a));
    }
    QsslServer::from_builder(b).unwrap().with_log()
}

fn shared_ticketer() -> Arc<dyn Ticketer> {
    Arc::new(TicketKeyRing::with_defaults().unwrap())
}

/// s_client's first connection: a full handshake, no 0-RTT by either end's
/// account, Q-SSL's two tickets saved.
fn s_client_gets_a_ticket(client: &SClient, server: QsslServer) {
    let running = spawn_server(Box::new(server), 1, false).unwrap();
    let run = client.run(running.addr, DATA, false).unwrap();
    let server = running.join_one().unwrap();
    let who = client.version();
    assert!(!run.reused && run.echoed, "{who}\n{}", run.output);
    assert_eq!(run.tickets, 2, "{who}: Q-SSL's tickets\n{}", run.output);
    assert_eq!(
        run.early_data,
        Some(EarlyDataStatus::NotOffered),
        "{who}: \"Early data was not sent\"\n{}",
        run.output
    );
    assert!(client.has_session());
    assert_eq!(server.report.negotiated.resumed, Some(false));
    assert_eq!(
        early(&server.report).status,
        Some(EarlyDataStatus::NotOffered)
    );
}

/// s_client resumes with its whole request as 0-RTT data (`-early_data`); the
/// Q-SSL server reads it before the handshake completes (`early_data_received`
/// is its length, Accepted), answers it, and s_client prints "Early data was
/// accepted" and gets the answer without sending the request again.
#[test]
fn openssl_client_early_data_accepted_by_qssl() {
    let (client, pki, group) = s_client();
    let who = client.version().to_owned();
    let (server, log) = qssl_server(&pki, MAX_EARLY, None, None);
    let running = spawn_server(Box::new(server), 2, false).unwrap();
    let first = client.run(running.addr, DATA, false);
    let second = client.run_early(running.addr, PAYLOAD);
    let mut servers = running.join().unwrap().into_iter().map(Result::unwrap);
    let (first, second) = (first.unwrap(), second.unwrap());
    let (s1, s2) = (servers.next().unwrap(), servers.next().unwrap());
    let request = request(PAYLOAD);

    assert!(!first.reused && first.echoed, "{who}\n{}", first.output);
    assert_eq!(first.tickets, 2, "{who}\n{}", first.output);
    assert!(!offered_early_data(&s1.report));
    assert_eq!(early(&s1.report).status, Some(EarlyDataStatus::NotOffered));

    // s_client's account.
    assert!(second.reused, "{who}: resumed\n{}", second.output);
    assert_eq!(
        second.early_data,
        Some(EarlyDataStatus::Accepted),
        "{who}: \"Early data was accepted\"\n{}",
        second.output
    );
    assert!(!second.resent, "the request went once, as 0-RTT data");
    assert!(
        second.echoed && second.status.success(),
        "{}",
        second.output
    );
    // Q-SSL's.
    assert_eq!(
        early(&s2.report),
        &EarlyData {
            status: Some(EarlyDataStatus::Accepted),
            received: request.clone(),
            count: request.len(),
        },
        "Q-SSL: early_data_status, the bytes read as 0-RTT, early_data_received"
    );
    assert_eq!(s2.report.negotiated.resumed, Some(true));
    assert_eq!(s2.payload_len, PAYLOAD.len() as u64);
    assert_eq!(s2.trailing, 0, "the request came once");
    assert!(s2.client_close_notify);
    assert_eq!(psk_selected(&s2.report), Some(0));
    assert_eq!(s2.report.server_hello.unwrap().group, Some(group));
    let records = log.records();
    assert!(records.iter().all(|r| r.handshake_complete));
    assert_eq!(records[1].early_data, request);
    // The wire: s_client's ClientHello, its 0-RTT record, its EndOfEarlyData.
    assert_early_wire(
        &records[1].client_to_server,
        request.len(),
        true,
        suite(&s2.report),
        &who,
    );
}

/// s_client offers 0-RTT data with a ticket from a Q-SSL server that takes early
/// data to one that does not (no `with_max_early_data`) but shares its ticketer,
/// so the ticket resumes: s_client prints "Early data was rejected", the Q-SSL
/// server delivers none of it (`early_data_received` 0, Rejected) though it
/// crossed the wire, completes the handshake, and answers the request s_client's
/// application sends again — once.
#[test]
fn openssl_client_early_data_rejected_by_qssl() {
    let (client, pki, _) = s_client();
    let who = client.version().to_owned();
    let ticketer = shared_ticketer();
    let (issuing, _) = qssl_server(&pki, MAX_EARLY, Some(&ticketer), None);
    let (refusing, log) = qssl_server(&pki, 0, Some(&ticketer), None);
    s_client_gets_a_ticket(&client, issuing);

    let running = spawn_server(Box::new(refusing), 1, false).unwrap();
    let run = client.run_early(running.addr, PAYLOAD).unwrap();
    let server = running.join_one().unwrap();
    let request = request(PAYLOAD);

    assert!(
        run.reused,
        "{who}: the shared ticketer's ticket\n{}",
        run.output
    );
    assert_eq!(
        run.early_data,
        Some(EarlyDataStatus::Rejected),
        "{who}: \"Early data was rejected\"\n{}",
        run.output
    );
    assert!(
        run.resent && run.echoed && run.status.success(),
        "{}",
        run.output
    );
    assert_eq!(
        early(&server.report),
        &EarlyData {
            status: Some(EarlyDataStatus::Rejected),
            received: Vec::new(),
            count: 0,
        },
        "Q-SSL delivered no 0-RTT data"
    );
    assert_eq!(server.report.negotiated.resumed, Some(true));
    assert_eq!(server.payload_len, PAYLOAD.len() as u64);
    assert_eq!(server.trailing, 0, "the request came once (the resend)");
    let records = log.records();
    assert!(records[0].handshake_complete);
    assert_eq!(records[0].early_data_received, 0);
    assert_early_wire(
        &records[0].client_to_server,
        request.len(),
        false,
        suite(&server.report),
        &who,
    );
}

// 3. A recorded 0-RTT flight, replayed.

/// A Q-SSL server and its log.
type Logged = (QsslServer, AcceptLog);

/// Three Q-SSL server configurations taking 0-RTT data under one ticketer: the
/// first two share an anti-replay store (as RFC 8446 §8 asks of servers accepting
/// the same tickets), the third has its own (the default: one per configuration).
fn replay_servers(pki: &TestPki) -> (Logged, Logged, Logged) {
    let ticketer = shared_ticketer();
    let store: Arc<dyn AntiReplay> = Arc::new(ReplayGuard::default());
    (
        qssl_server(pki, MAX_EARLY, Some(&ticketer), Some(&store)),
        qssl_server(pki, MAX_EARLY, Some(&ticketer), Some(&store)),
        qssl_server(pki, MAX_EARLY, Some(&ticketer), None),
    )
}

/// The genuine connection's record: its 0-RTT request taken, its handshake
/// complete.
fn assert_took(record: &QsslAccept, request: &[u8], what: &str) {
    assert_eq!(record.early_data, request, "{what}: 0-RTT data read");
    assert_eq!(record.early_data_received, request.len(), "{what}");
    assert_eq!(
        record.early_data_status,
        Some(EarlyDataStatus::Accepted),
        "{what}"
    );
    assert!(record.handshake_complete, "{what}");
}

/// A replay's record: the server got exactly the recorded flight and resumed its
/// ticket (the ServerHello it sent back selects it: the ClientHello and its binder
/// are genuine) but its application read nothing — `early_data_received` 0 — and
/// the handshake never completed (the replayer has no keys for a Finished).
fn assert_refused(record: &QsslAccept, flight: &[u8], answer: &[u8], what: &str) {
    assert_eq!(
        record.client_to_server, flight,
        "{what}: the recorded flight"
    );
    assert_eq!(
        wire::parse_server_hello(answer).and_then(|sh| sh.psk_selected),
        Some(0),
        "{what}: the server resumed the replayed ticket"
    );
    assert_eq!(record.early_data_received, 0, "{what}: no 0-RTT data");
    assert_eq!(record.early_data, b"", "{what}: nothing readable");
    assert!(
        !record.handshake_complete && record.error.is_some(),
        "{what}: {record:?}"
    );
}

/// Replays `flight` to `sharing` (another configuration sharing the store of
/// the server that took it) and to `own` (a store of its own): the first refuses
/// the 0-RTT data, the second takes it.
fn replay_to_others(sharing: Logged, own: Logged, flight: &[u8], request: &[u8]) {
    let (sharing, sharing_log) = sharing;
    let (own, own_log) = own;
    let sharing = spawn_server(Box::new(sharing), 1, false).unwrap();
    let answer = replay(sharing.addr, flight).unwrap();
    assert!(
        sharing.join_one().is_err(),
        "no handshake completes on a replay"
    );
    assert_refused(
        &sharing_log.records()[0],
        flight,
        &answer,
        "another server sharing the store",
    );

    // RFC 8446 §8: anti-replay holds among the servers that share its state, no
    // further. A server with a store of its own has not seen this ticket and takes
    // the replayed 0-RTT data — its application reads the request although the
    // handshake never completes — which is why 0-RTT data must be safe to receive
    // twice.
    let own = spawn_server(Box::new(own), 1, false).unwrap();
    replay(own.addr, flight).unwrap();
    assert!(
        own.join_one().is_err(),
        "no handshake completes on a replay"
    );
    let record = &own_log.records()[0];
    assert_eq!(record.client_to_server, flight);
    assert_eq!(
        record.early_data, request,
        "a server with its own anti-replay store takes the replay (RFC 8446 §8)"
    );
    assert_eq!(record.early_data_received, request.len());
    assert!(!record.handshake_complete);
}

/// s_client's 0-RTT flight (ClientHello, change_cipher_spec, 0-RTT record), as
/// the Q-SSL server's tap recorded it, sent again over new connections: the
/// server that took it and another sharing its anti-replay store take no 0-RTT
/// data from it; a server with a store of its own does (RFC 8446 §8's limit).
#[test]
fn replayed_openssl_zero_rtt_flight_is_refused_by_qssl() {
    let (client, pki, _) = s_client();
    let ((a, a_log), sharing, own) = replay_servers(&pki);
    let request = request(PAYLOAD);
    let running = spawn_server(Box::new(a), 3, false).unwrap();
    let first = client.run(running.addr, DATA, false).unwrap();
    let genuine = client.run_early(running.addr, PAYLOAD).unwrap();
    assert!(first.echoed, "{}", first.output);
    assert_eq!(
        genuine.early_data,
        Some(EarlyDataStatus::Accepted),
        "{}",
        genuine.output
    );
    let records = a_log.records();
    assert_took(&records[1], &request, "the genuine connection");
    let stream = &records[1].client_to_server;
    let flight = &stream[..wire::first_flight(stream, request.len()).expect("the 0-RTT flight")];
    let answer_a = replay(running.addr, flight).unwrap();
    let results = running.join().unwrap();
    assert!(results[2].is_err(), "no handshake completes on a replay");
    assert_refused(&a_log.records()[2], flight, &answer_a, "the same server");
    replay_to_others(sharing, own, flight, &request);
}

/// The same with a Q-SSL client's first flight, exactly as it wrote it before
/// reading anything.
#[test]
fn replayed_qssl_zero_rtt_flight_is_refused_by_qssl() {
    let pki = pki(KeyAlgorithm::MlDsa65);
    let ((a, a_log), sharing, own) = replay_servers(&pki);
    let request = request(PAYLOAD);
    let client = qssl_early_client(&pki);
    let running = spawn_server(Box::new(a), 3, false).unwrap();
    run_client(
        &client,
        running.addr,
        &Workload::Echo(DATA.to_vec()),
        KeyUpdate::Never,
    )
    .unwrap();
    let genuine: QsslEarlyRun = client
        .run_early(running.addr, PAYLOAD, request.len())
        .unwrap();
    assert_eq!(
        early(&genuine.report).status,
        Some(EarlyDataStatus::Accepted)
    );
    assert_took(&a_log.records()[1], &request, "the genuine connection");
    let flight = genuine.first_flight.as_slice();
    let answer_a = replay(running.addr, flight).unwrap();
    let results = running.join().unwrap();
    assert!(results[2].is_err(), "no handshake completes on a replay");
    assert_refused(&a_log.records()[2], flight, &answer_a, "the same server");
    replay_to_others(sharing, own, flight, &request);
}

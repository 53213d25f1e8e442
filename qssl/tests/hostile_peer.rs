//! A peer (or an on-path attacker) that sends legal-looking records in numbers or in
//! places the protocol does not allow: close_notify during the handshake, floods of
//! KeyUpdates, warnings and empty records, plaintext alerts once records are
//! protected, a change_cipher_spec before the ClientHello, records interleaved with a
//! fragmented handshake message. Each test asserts what the other side observes: the
//! alert it receives, the bytes on the wire, the keys it must use to read us. Table in
//! `docs/alerts.md`.

mod common;

use std::io::{self, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::mpsc;
use std::thread;
use std::time::Duration;

use common::*;
use qssl::{
    AlertDescription as A, ClientConnection, ConnectionCommon, Error, MAX_KEY_UPDATES_IN_A_ROW,
    MAX_WARNING_ALERTS, PeerMisbehaved, ServerConnection,
};
use qssl_crypto::sign::KeyAlgorithm;
use qssl_record::{ContentType, RecordError};

/// A plaintext warning close_notify, as a man in the middle or a departing client sends it.
const CLOSE_NOTIFY: [u8; 7] = [0x15, 0x03, 0x03, 0x00, 0x02, 0x01, 0x00];
/// A plaintext warning user_canceled.
const USER_CANCELED: [u8; 7] = [0x15, 0x03, 0x03, 0x00, 0x02, 0x01, 0x5a];
/// How long `complete_io` may take to give up on a peer that closed.
const DEADLINE: Duration = Duration::from_secs(5);

fn ecdsa_pair() -> (ClientConnection, ServerConnection) {
    let p = pki_for(KeyAlgorithm::EcdsaP256);
    let (cb, sb) = configs(&p);
    pair(cb.build().unwrap(), sb.build().unwrap())
}

/// Everything `conn` has queued for the peer.
fn drain(conn: &mut ConnectionCommon) -> Vec<u8> {
    let mut wire = Vec::new();
    while conn.wants_write() {
        conn.write_tls(&mut wire).unwrap();
    }
    wire
}

/// Splits TLS bytes into whole records (header included).
fn records(wire: &[u8]) -> Vec<Vec<u8>> {
    let mut out = Vec::new();
    let mut rest = wire;
    while !rest.is_empty() {
        let len = 5 + u16::from_be_bytes([rest[3], rest[4]]) as usize;
        out.push(rest[..len].to_vec());
        rest = &rest[len..];
    }
    out
}

fn record(typ: u8, payload: &[u8]) -> Vec<u8> {
    let mut r = vec![typ, 3, 3];
    r.extend_from_slice(&(payload.len() as u16).to_be_bytes());
    r.extend_from_slice(payload);
    r
}

/// The qssl error inside an I/O error from `complete_io`.
fn tls_error(e: &io::Error) -> Option<Error> {
    e.get_ref()
        .and_then(|inner| inner.downcast_ref::<Error>())
        .copied()
}

/// A connected loopback TCP pair: (our side, the raw peer's side).
fn tcp_pair() -> (TcpStream, TcpStream) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let peer = TcpStream::connect(listener.local_addr().unwrap()).unwrap();
    let (ours, _) = listener.accept().unwrap();
    peer.set_read_timeout(Some(DEADLINE)).unwrap();
    (ours, peer)
}

/// Runs `complete_io` on `conn` over `sock` in its own thread; its result arrives on
/// the returned channel (never, if it spins: the thread is then left behind).
fn complete_io_in_thread<C>(
    mut conn: C,
    mut sock: TcpStream,
) -> mpsc::Receiver<io::Result<(usize, usize)>>
where
    C: std::ops::DerefMut<Target = ConnectionCommon> + Send + 'static,
{
    let (tx, rx) = mpsc::channel();
    thread::spawn(move || {
        let r = conn.complete_io(&mut sock);
        let _ = tx.send(r);
        // Keep the socket open: the peer must not see an end of stream that would end
        // its side for another reason.
        thread::sleep(DEADLINE);
    });
    rx
}

/// The error `complete_io` returned within [`DEADLINE`]; panics if it returned Ok or
/// has not returned.
fn expect_prompt_error(rx: &mpsc::Receiver<io::Result<(usize, usize)>>, what: &str) -> io::Error {
    match rx.recv_timeout(DEADLINE) {
        Ok(Ok(r)) => panic!("{what}: complete_io returned Ok({r:?})"),
        Ok(Err(e)) => e,
        Err(_) => panic!("{what}: complete_io has not returned within {DEADLINE:?}"),
    }
}

// ------------------------------------------------------------------ item 1

/// A server fed nothing but a plaintext close_notify ends its handshake with
/// `PeerClosedDuringHandshake` at once and answers with close_notify in the clear.
#[test]
fn close_notify_before_client_hello_ends_server_complete_io() {
    let (_, s) = ecdsa_pair();
    let (ours, mut peer) = tcp_pair();
    let rx = complete_io_in_thread(s, ours);
    peer.write_all(&CLOSE_NOTIFY).unwrap();
    let e = expect_prompt_error(&rx, "server, close_notify before ClientHello");
    assert_eq!(tls_error(&e), Some(Error::PeerClosedDuringHandshake), "{e}");
    // What the peer observes: our close_notify, warning level, in the clear.
    let mut got = [0u8; 7];
    peer.read_exact(&mut got).unwrap();
    assert_eq!(got, CLOSE_NOTIFY);
}

/// The same close_notify right after a real ClientHello.
#[test]
fn close_notify_after_client_hello_ends_server_complete_io() {
    let (mut c, s) = ecdsa_pair();
    let (ours, mut peer) = tcp_pair();
    let rx = complete_io_in_thread(s, ours);
    let mut hello = drain(&mut c);
    hello.extend_from_slice(&CLOSE_NOTIFY);
    peer.write_all(&hello).unwrap();
    let e = expect_prompt_error(&rx, "server, close_notify after ClientHello");
    assert_eq!(tls_error(&e), Some(Error::PeerClosedDuringHandshake), "{e}");
    assert_eq!(
        Error::PeerClosedDuringHandshake.alert(),
        Some(A::CLOSE_NOTIFY)
    );
}

/// A client mid-handshake (ServerHello received, nothing protected yet) gets a
/// close_notify, as a man in the middle could send it: its `complete_io` ends too.
#[test]
fn close_notify_mid_handshake_ends_client_complete_io() {
    let (c, mut s) = ecdsa_pair();
    let (ours, mut peer) = tcp_pair();
    let rx = complete_io_in_thread(c, ours);
    // Read the ClientHello off the wire and let a real server answer it.
    let mut header = [0u8; 5];
    peer.read_exact(&mut header).unwrap();
    let mut body = vec![0u8; u16::from_be_bytes([header[3], header[4]]) as usize];
    peer.read_exact(&mut body).unwrap();
    let mut hello = header.to_vec();
    hello.extend(body);
    let (_, r) = transfer_bytes(&hello, &mut s);
    r.unwrap();
    let flight = records(&drain(&mut s));
    assert_eq!(flight[0][0], 22, "ServerHello first");
    let mut reply = flight[0].clone();
    reply.extend_from_slice(&CLOSE_NOTIFY);
    peer.write_all(&reply).unwrap();
    let e = expect_prompt_error(&rx, "client, close_notify after ServerHello");
    assert_eq!(tls_error(&e), Some(Error::PeerClosedDuringHandshake), "{e}");
}

/// A transport that has ended (`read_tls` returned 0 before `complete_io` was
/// called) cannot make `complete_io` wait for ever either.
#[test]
fn complete_io_after_transport_end_returns() {
    struct Ended(Vec<u8>);
    impl Read for Ended {
        fn read(&mut self, _: &mut [u8]) -> io::Result<usize> {
            Ok(0)
        }
    }
    impl Write for Ended {
        fn write(&mut self, b: &[u8]) -> io::Result<usize> {
            self.0.extend_from_slice(b);
            Ok(b.len())
        }
        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }
    let (_, mut s) = ecdsa_pair();
    assert_eq!(s.read_tls(&mut Ended(Vec::new())).unwrap(), 0);
    let (tx, rx) = mpsc::channel();
    thread::spawn(move || {
        let _ = tx.send(s.complete_io(&mut Ended(Vec::new())));
    });
    let e = expect_prompt_error(&rx, "server after end of stream");
    assert_eq!(e.kind(), io::ErrorKind::UnexpectedEof);
}

/// A transport whose `write` takes nothing (returns `Ok(0)`): `complete_io` and a
/// blocking `Stream` report `WriteZero` instead of retrying for ever.
#[test]
fn a_transport_that_takes_nothing_is_write_zero() {
    struct Stuck;
    impl Read for Stuck {
        fn read(&mut self, _: &mut [u8]) -> io::Result<usize> {
            Err(io::ErrorKind::WouldBlock.into())
        }
    }
    impl Write for Stuck {
        fn write(&mut self, _: &[u8]) -> io::Result<usize> {
            Ok(0)
        }
        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }
    let (mut c, _) = ecdsa_pair();
    let (mut c2, mut s2) = ecdsa_pair();
    do_handshake(&mut c2, &mut s2);
    let (tx, rx) = mpsc::channel();
    thread::spawn(move || {
        // The ClientHello cannot be written.
        let _ = tx.send(c.complete_io(&mut Stuck));
        // After the handshake: the sealed data cannot be written.
        let mut stuck = Stuck;
        let mut stream = qssl::Stream::new(&mut c2, &mut stuck);
        let _ = tx.send(stream.write(b"x").map(|n| (0, n)));
    });
    for what in ["complete_io", "Stream::write"] {
        let e = expect_prompt_error(&rx, what);
        assert_eq!(e.kind(), io::ErrorKind::WriteZero, "{what}");
    }
}

// ------------------------------------------------------------------ item 2

/// Five requests while we are silent: nothing is queued until we write; then one
/// KeyUpdate goes out, before our data. The peer sees it that way: the first record
/// changes its read key and gives it no data, the second is our data, which it can
/// read only under the new key (AEAD under the old one fails).
#[test]
fn key_update_requests_get_one_answer_before_our_next_data() {
    let (mut c, mut s) = ecdsa_pair();
    do_handshake(&mut c, &mut s);
    for _ in 0..5 {
        s.refresh_traffic_keys().unwrap();
    }
    let (_, r) = transfer(&mut s, &mut c);
    r.unwrap();
    assert!(!c.wants_write(), "no answer queued before we send data");
    c.writer().write_all(b"after five requests").unwrap();
    let out = records(&drain(&mut c));
    assert_eq!(out.len(), 2, "one KeyUpdate, one data record");
    // Record 1: the KeyUpdate. The server ratchets its read key, reads no data.
    let (_, r) = transfer_bytes(&out[0], &mut s);
    r.unwrap();
    let mut buf = [0u8; 64];
    assert_eq!(
        s.reader().read(&mut buf).unwrap_err().kind(),
        io::ErrorKind::WouldBlock
    );
    // Record 2: our data, under the new key.
    let (_, r) = transfer_bytes(&out[1], &mut s);
    r.unwrap();
    let n = s.reader().read(&mut buf).unwrap();
    assert_eq!(&buf[..n], b"after five requests");
    // Both directions keep working.
    send_and_check(&mut s, &mut c, b"server after");
    send_and_check(&mut c, &mut s, b"client after");
}

/// More than 32 KeyUpdates without application data between them: the receiver ends
/// the connection with unexpected_message; 32, then data, then 32 more are fine.
#[test]
fn key_update_flood_without_application_data_is_unexpected_message() {
    let (mut c, mut s) = ecdsa_pair();
    do_handshake(&mut c, &mut s);
    for _ in 0..2 {
        for _ in 0..MAX_KEY_UPDATES_IN_A_ROW {
            s.refresh_traffic_keys().unwrap();
        }
        let (_, r) = transfer(&mut s, &mut c);
        r.unwrap();
        send_and_check(&mut s, &mut c, b"data resets the budget");
    }
    for _ in 0..=MAX_KEY_UPDATES_IN_A_ROW {
        s.refresh_traffic_keys().unwrap();
    }
    let (_, r) = transfer(&mut s, &mut c);
    assert_eq!(
        r,
        Err(Error::Handshake(PeerMisbehaved::TooManyKeyUpdates.into()))
    );
    let (_, r) = transfer(&mut c, &mut s);
    assert_eq!(r, Err(Error::AlertReceived(A::UNEXPECTED_MESSAGE)));
}

// ------------------------------------------------------------------ item 3

/// Tickets are kept up to a total encoded size too: three tickets of 60,000 bytes
/// leave the newest two (the memory test `ticket_memory.rs` covers the count).
#[test]
fn kept_tickets_are_capped_in_bytes() {
    use qssl::{MAX_KEPT_TICKET_BYTES, NewSessionTicket};
    use qssl_handshake::{HandshakeMessage, HandshakeType};
    let (mut c, mut s) = ecdsa_pair();
    do_handshake(&mut c, &mut s);
    let big = |i: u32| NewSessionTicket {
        lifetime: 60,
        age_add: i,
        nonce: vec![i as u8],
        ticket: vec![7; 60_000],
        extensions: Vec::new(),
    };
    set_handshake_hook(
        &mut s,
        Box::new(move |typ, bytes| {
            if typ == HandshakeType::KEY_UPDATE {
                let mut flight = Vec::new();
                for i in 0..3 {
                    flight.extend(
                        HandshakeMessage::NewSessionTicket(big(i))
                            .to_bytes()
                            .unwrap(),
                    );
                }
                flight.extend_from_slice(bytes);
                *bytes = flight;
            }
        }),
    );
    s.refresh_traffic_keys().unwrap();
    let (_, r) = transfer(&mut s, &mut c);
    r.unwrap();
    const { assert!(3 * 60_000 > MAX_KEPT_TICKET_BYTES && 2 * 60_100 <= MAX_KEPT_TICKET_BYTES) };
    let kept: Vec<u32> = c.received_tickets().iter().map(|t| t.age_add).collect();
    assert_eq!(kept, [1, 2]);
    assert_eq!(c.take_received_tickets(), [big(1), big(2)]);
    assert!(c.received_tickets().is_empty());
}

// ------------------------------------------------------------------ item 4

/// The server's encrypted flight, cut into small records by the client's
/// record_size_limit, and the client that asked for it, after the ClientHello.
fn small_record_flight() -> (ClientConnection, ServerConnection, Vec<Vec<u8>>) {
    let p = pki_for(KeyAlgorithm::EcdsaP256);
    let (cb, sb) = configs(&p);
    let (mut c, mut s) = pair(
        cb.with_record_size_limit(Some(256)).build().unwrap(),
        sb.build().unwrap(),
    );
    let (_, r) = transfer(&mut c, &mut s);
    r.unwrap();
    let flight = records(&drain(&mut s));
    (c, s, flight)
}

/// Once the client has opened a protected record of the server's, a plaintext
/// "fatal alert from the server" is an attacker's: the record layer refuses it
/// (unexpected_message), the client does not report `AlertReceived`.
#[test]
fn plaintext_alert_after_protected_records_is_refused() {
    let (mut c, mut s, flight) = small_record_flight();
    // ServerHello, change_cipher_spec, then protected records (outer type 23).
    let first_protected = flight.iter().position(|r| r[0] == 23).unwrap();
    assert!(
        flight.len() > first_protected + 2,
        "the flight spans records"
    );
    let mut wire: Vec<u8> = flight[..=first_protected].concat();
    // handshake_failure, in the clear.
    wire.extend_from_slice(&[0x15, 0x03, 0x03, 0x00, 0x02, 0x02, 0x28]);
    let (_, r) = transfer_bytes(&wire, &mut c);
    assert_eq!(
        r,
        Err(Error::Record(RecordError::UnexpectedPlaintext(
            ContentType::ALERT
        )))
    );
    assert!(c.is_handshaking());
    // The server observes our unexpected_message (under our handshake key).
    let (_, r) = transfer(&mut c, &mut s);
    assert_eq!(r, Err(Error::AlertReceived(A::UNEXPECTED_MESSAGE)));
}

/// Before the peer's first protected record a plaintext alert is still the peer's
/// (it failed before it had keys) and is reported; but only two bytes make an alert.
#[test]
fn plaintext_alert_before_protected_records_is_reported_if_two_bytes() {
    let (mut c, _s, flight) = small_record_flight();
    let mut wire = flight[0].clone(); // the ServerHello
    wire.extend_from_slice(&[0x15, 0x03, 0x03, 0x00, 0x02, 0x02, 0x28]);
    let (_, r) = transfer_bytes(&wire, &mut c);
    assert_eq!(r, Err(Error::AlertReceived(A::HANDSHAKE_FAILURE)));

    let (mut c, mut s, flight) = small_record_flight();
    let mut wire = flight[0].clone();
    wire.extend(record(21, &[2, 40, 0]));
    let (_, r) = transfer_bytes(&wire, &mut c);
    // Under the server's handshake key a plaintext record is refused outright.
    assert_eq!(
        r,
        Err(Error::Record(RecordError::UnexpectedPlaintext(
            ContentType::ALERT
        )))
    );
    let (_, r) = transfer(&mut c, &mut s);
    assert_eq!(r, Err(Error::AlertReceived(A::UNEXPECTED_MESSAGE)));

    // Without keys at all (a server before the ClientHello), three bytes are not an
    // alert: decode_error, from the record layer.
    let (mut c, mut s) = ecdsa_pair();
    let (_, r) = transfer_bytes(&record(21, &[2, 40, 0]), &mut s);
    assert_eq!(r, Err(Error::Record(RecordError::AlertLength(3))));
    let (_, r) = transfer(&mut s, &mut c);
    assert_eq!(r, Err(Error::AlertReceived(A::DECODE_ERROR)));
}

// ------------------------------------------------------------------ item 9

/// Four warning alerts (user_canceled) are tolerated on a connection, the fifth is
/// unexpected_message.
#[test]
fn warning_alerts_are_capped() {
    let (mut c, mut s) = ecdsa_pair();
    for _ in 0..MAX_WARNING_ALERTS {
        inject_tls(&mut c, &USER_CANCELED);
    }
    do_handshake(&mut c, &mut s);

    let (mut c, mut s) = ecdsa_pair();
    for _ in 0..=MAX_WARNING_ALERTS {
        inject_tls(&mut c, &USER_CANCELED);
    }
    let (cr, sr) = run(&mut c, &mut s);
    assert_eq!(
        sr,
        Err(Error::Handshake(
            PeerMisbehaved::TooManyWarningAlerts.into()
        ))
    );
    assert_eq!(cr, Err(Error::AlertReceived(A::UNEXPECTED_MESSAGE)));
}

/// 32 empty application data records in a row are tolerated, the 33rd is
/// unexpected_message; a non-empty record starts the count again.
#[test]
fn empty_application_data_records_are_capped() {
    let (mut c, mut s) = ecdsa_pair();
    do_handshake(&mut c, &mut s);
    let empties = |s: &mut ServerConnection, n: usize| {
        for _ in 0..n {
            assert_eq!(s.writer().write(&[]).unwrap(), 0);
        }
    };
    empties(&mut s, 32);
    send_and_check(&mut s, &mut c, b"x");
    empties(&mut s, 32);
    let (_, r) = transfer(&mut s, &mut c);
    r.unwrap();
    empties(&mut s, 1);
    let (_, r) = transfer(&mut s, &mut c);
    assert_eq!(r, Err(Error::Record(RecordError::TooManyEmptyRecords)));
    let (_, r) = transfer(&mut c, &mut s);
    assert_eq!(r, Err(Error::AlertReceived(A::UNEXPECTED_MESSAGE)));
}

/// RFC 8446 §5: a change_cipher_spec may arrive only after the first ClientHello.
#[test]
fn change_cipher_spec_before_client_hello_is_unexpected_message() {
    let (mut c, mut s) = ecdsa_pair();
    let (_, r) = transfer_bytes(&[20, 3, 3, 0, 1, 1], &mut s);
    assert_eq!(
        r,
        Err(Error::Handshake(
            PeerMisbehaved::UnexpectedChangeCipherSpec.into()
        ))
    );
    let (_, r) = transfer(&mut s, &mut c);
    assert_eq!(r, Err(Error::AlertReceived(A::UNEXPECTED_MESSAGE)));
}

/// RFC 8446 §5.1: zero-length handshake fragments are refused (unexpected_message).
#[test]
fn empty_handshake_record_is_unexpected_message() {
    let (mut c, mut s) = ecdsa_pair();
    let (_, r) = transfer_bytes(&[22, 3, 3, 0, 0], &mut s);
    assert_eq!(
        r,
        Err(Error::Record(RecordError::EmptyFragment(
            ContentType::HANDSHAKE
        )))
    );
    let (_, r) = transfer(&mut s, &mut c);
    assert_eq!(r, Err(Error::AlertReceived(A::UNEXPECTED_MESSAGE)));
}

// ----------------------------------------------------------------- item 10

/// `hello` (one plaintext handshake record) cut in two records with `between` in the
/// middle.
fn split_with(hello: &[u8], between: &[u8]) -> Vec<u8> {
    let body = &hello[5..];
    let (a, b) = body.split_at(body.len() / 2);
    let mut wire = record(22, a);
    wire.extend_from_slice(between);
    wire.extend(record(22, b));
    wire
}

/// A ClientHello split over two records with an alert, a change_cipher_spec or
/// application data between the pieces: unexpected_message.
#[test]
fn records_interleaved_with_a_client_hello_are_unexpected_message() {
    let interleaved = Err(Error::Handshake(
        PeerMisbehaved::InterleavedWithHandshakeMessage.into(),
    ));
    let cases: [(&str, Vec<u8>, Result<(), Error>); 3] = [
        ("user_canceled", USER_CANCELED.to_vec(), interleaved),
        ("change_cipher_spec", vec![20, 3, 3, 0, 1, 1], interleaved),
        // Plaintext application data is refused by the record layer first.
        (
            "application_data",
            vec![23, 3, 3, 0, 1, 0],
            Err(Error::Record(RecordError::UnexpectedPlaintext(
                ContentType::APPLICATION_DATA,
            ))),
        ),
    ];
    for (what, between, want) in cases {
        let (mut c, mut s) = ecdsa_pair();
        let hello = drain(&mut c);
        assert_eq!(records(&hello).len(), 1);
        let (_, r) = transfer_bytes(&split_with(&hello, &between), &mut s);
        assert_eq!(r, want, "{what}");
        let (_, r) = transfer(&mut s, &mut c);
        assert_eq!(
            r,
            Err(Error::AlertReceived(A::UNEXPECTED_MESSAGE)),
            "{what}"
        );
    }
    // Control: split without anything between is fine.
    let (mut c, mut s) = ecdsa_pair();
    let hello = drain(&mut c);
    let (_, r) = transfer_bytes(&split_with(&hello, &[]), &mut s);
    r.unwrap();
    do_handshake(&mut c, &mut s);
}

/// The same on the client: a ServerHello split around a user_canceled.
#[test]
fn record_interleaved_with_a_server_hello_is_unexpected_message() {
    let (mut c, mut s) = ecdsa_pair();
    let (_, r) = transfer(&mut c, &mut s);
    r.unwrap();
    let flight = records(&drain(&mut s));
    let mut wire = split_with(&flight[0], &USER_CANCELED);
    wire.extend(flight[1..].concat());
    let (_, r) = transfer_bytes(&wire, &mut c);
    assert_eq!(
        r,
        Err(Error::Handshake(
            PeerMisbehaved::InterleavedWithHandshakeMessage.into()
        ))
    );
    let (_, r) = transfer(&mut c, &mut s);
    assert_eq!(r, Err(Error::AlertReceived(A::UNEXPECTED_MESSAGE)));
}

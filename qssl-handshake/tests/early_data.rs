//! 0-RTT (RFC 8446 §2.3, §4.2.10, §8) between two sans-I/O cores on virtual clocks:
//! early data accepted and delivered before the handshake completes, rejected (a
//! server that does not take it, a HelloRetryRequest) and skipped by the server then
//! resent by the client when its application asks, a replayed first flight refused
//! by the anti-replay store, and the exact alerts for too much early data and an
//! EndOfEarlyData nobody announced.

mod common;

use std::sync::Arc;

use common::{T, at, localhost};
use qssl_alert::AlertDescription;
use qssl_crypto::kx::{SECP256R1, X25519};
use qssl_crypto::sign::KeyAlgorithm;
use qssl_handshake::testing::{
    Endpoint, Peer, do_handshake, set_handshake_hook, transfer, transfer_bytes,
};
use qssl_handshake::{
    ClientParams, ConnectionError, EarlyDataStatus, Error, Extension, ExtensionType, HandshakeType,
    PeerMisbehaved, ServerParams,
};

const MAX_EARLY: u32 = 16 * 1024;
const ALG: KeyAlgorithm = KeyAlgorithm::EcdsaP256;

/// Client defaults with 0-RTT turned on.
fn client_params() -> ClientParams {
    let mut p = common::client_params(ALG);
    p.early_data = true;
    p
}

/// Server defaults accepting up to `max_early` bytes of 0-RTT.
fn server_params(max_early: u32) -> ServerParams {
    let mut p = common::server_params(ALG);
    p.max_early_data = max_early;
    p
}

/// A full handshake at `now` (the client keeps the server's tickets).
fn first_connection(cp: &Arc<ClientParams>, sp: &Arc<ServerParams>, now: u64) {
    let mut c = Peer::client(cp.clone(), localhost(), at(now)).unwrap();
    let mut s = Peer::server(sp.clone(), at(now));
    do_handshake(&mut c, &mut s);
    transfer(&mut s, &mut c).1.unwrap();
    assert_eq!(c.early_data_status(), Some(EarlyDataStatus::NotOffered));
    let t = &c.received_tickets()[0];
    match (t.extension(ExtensionType::EARLY_DATA), sp.max_early_data) {
        (None, 0) => {}
        (Some(Extension::EarlyDataMax(n)), max) => assert_eq!(*n, max),
        other => panic!("ticket early_data {other:?}"),
    }
}

fn read_all(p: &mut Peer) -> Vec<u8> {
    let mut out = vec![0u8; p.plaintext_len()];
    let n = p.read_plaintext(&mut out);
    out.truncate(n);
    out
}

fn take(p: &mut Peer) -> Vec<u8> {
    let mut out = Vec::new();
    p.take_tls(&mut out);
    out
}

#[test]
fn accepted_early_data_reaches_the_server_before_the_handshake_completes() {
    let cp = Arc::new(client_params());
    let sp = Arc::new(server_params(MAX_EARLY));
    first_connection(&cp, &sp, T);

    let mut c = Peer::client(cp.clone(), localhost(), at(T + 2)).unwrap();
    assert_eq!(c.write_early_data(b"GET /early HTTP/1.1\r\n").unwrap(), 21);
    let mut s = Peer::server(sp.clone(), at(T + 2));
    transfer(&mut c, &mut s).1.unwrap();
    // The server holds the early data already, its handshake not yet complete.
    assert!(s.is_handshaking());
    assert_eq!(read_all(&mut s), b"GET /early HTTP/1.1\r\n");
    assert_eq!(s.early_data_received(), 21);
    do_handshake(&mut c, &mut s);
    for p in [&c, &s] {
        assert_eq!(p.early_data_status(), Some(EarlyDataStatus::Accepted));
        assert!(p.handshake_summary().unwrap().resumed);
    }
    assert_eq!(c.rejected_early_data(), None);
    // Once accepted, nothing more goes as early data; ordinary data flows.
    assert_eq!(c.write_early_data(b"late").unwrap(), 0);
    c.write_plaintext(b"after").unwrap();
    transfer(&mut c, &mut s).1.unwrap();
    assert_eq!(read_all(&mut s), b"after");
}

#[test]
fn early_data_is_capped_by_the_tickets_max_early_data_size() {
    let cp = Arc::new(client_params());
    let sp = Arc::new(server_params(64));
    first_connection(&cp, &sp, T);
    let mut c = Peer::client(cp, localhost(), at(T + 1)).unwrap();
    assert_eq!(c.write_early_data(&[7; 100]).unwrap(), 64);
    assert_eq!(c.write_early_data(&[7; 100]).unwrap(), 0);
    let mut s = Peer::server(sp, at(T + 1));
    do_handshake(&mut c, &mut s);
    assert_eq!(s.early_data_received(), 64);
}

#[test]
fn rejected_early_data_is_skipped_by_the_server_and_resent_when_asked() {
    // Tickets from a server that took 0-RTT; the same tickets now to one that takes
    // none (the key ring shared, as across a configuration change).
    let cp = Arc::new(client_params());
    let taking = Arc::new(server_params(MAX_EARLY));
    first_connection(&cp, &taking, T);
    let mut p = server_params(0);
    p.ticketer = taking.ticketer.clone();
    let refusing = Arc::new(p);

    let mut c = Peer::client(cp.clone(), localhost(), at(T + 1)).unwrap();
    assert_eq!(c.write_early_data(b"early request").unwrap(), 13);
    // Ordinary data written during the handshake waits behind the early data.
    c.write_plaintext(b" and more").unwrap();
    let mut s = Peer::server(refusing, at(T + 1));
    do_handshake(&mut c, &mut s);
    for p in [&c, &s] {
        assert_eq!(p.early_data_status(), Some(EarlyDataStatus::Rejected));
        assert!(p.handshake_summary().unwrap().resumed);
    }
    assert_eq!(s.early_data_received(), 0);
    transfer(&mut c, &mut s).1.unwrap();
    assert!(
        read_all(&mut s).is_empty(),
        "nothing until the client decides"
    );
    assert_eq!(c.rejected_early_data(), Some(&b"early request"[..]));
    assert_eq!(c.resend_rejected_early_data().unwrap(), 13);
    transfer(&mut c, &mut s).1.unwrap();
    assert_eq!(read_all(&mut s), b"early request and more");

    // Discarding instead: only what was written since goes.
    let mut c = Peer::client(cp, localhost(), at(T + 2)).unwrap();
    c.write_early_data(b"early").unwrap();
    c.write_plaintext(b"later").unwrap();
    let mut p = server_params(0);
    p.ticketer = taking.ticketer.clone();
    let mut s = Peer::server(Arc::new(p), at(T + 2));
    do_handshake(&mut c, &mut s);
    c.discard_rejected_early_data().unwrap();
    transfer(&mut c, &mut s).1.unwrap();
    assert_eq!(read_all(&mut s), b"later");
}

#[test]
fn early_data_is_never_taken_after_a_hello_retry_request() {
    let mut cp = client_params();
    cp.groups = vec![X25519, SECP256R1];
    let cp = Arc::new(cp);
    let mut p = server_params(MAX_EARLY);
    p.groups = vec![X25519];
    let first = Arc::new(p);
    first_connection(&cp, &first, T);
    let mut p = server_params(MAX_EARLY);
    p.groups = vec![SECP256R1];
    p.ticketer = first.ticketer.clone();
    p.anti_replay = first.anti_replay.clone();
    let second = Arc::new(p);
    let mut c = Peer::client(cp, localhost(), at(T + 1)).unwrap();
    c.write_early_data(b"early").unwrap();
    let mut s = Peer::server(second, at(T + 1));
    do_handshake(&mut c, &mut s);
    for p in [&c, &s] {
        let sum = p.handshake_summary().unwrap();
        assert!(sum.hello_retry_request && sum.resumed);
        assert_eq!(sum.early_data, EarlyDataStatus::Rejected);
    }
    assert_eq!(s.plaintext_len(), 0);
}

#[test]
fn a_replayed_first_flight_gets_no_early_data_through() {
    let cp = Arc::new(client_params());
    let sp = Arc::new(server_params(MAX_EARLY));
    first_connection(&cp, &sp, T);
    let mut c = Peer::client(cp, localhost(), at(T + 1)).unwrap();
    c.write_early_data(b"transfer 100 coins").unwrap();
    let flight = take(&mut c);

    // The genuine server takes it.
    let mut s = Peer::server(sp.clone(), at(T + 1));
    transfer_bytes(&flight, &mut s).1.unwrap();
    assert_eq!(read_all(&mut s), b"transfer 100 coins");
    // The same bytes again, to another connection of the same server (same
    // anti-replay store), a second later: the early data is skipped, not delivered,
    // and the handshake itself goes on (its Finished would never come).
    let mut replay = Peer::server(sp.clone(), at(T + 2));
    transfer_bytes(&flight, &mut replay).1.unwrap();
    assert_eq!(replay.early_data_received(), 0);
    assert_eq!(replay.plaintext_len(), 0);
    assert!(replay.is_handshaking());
    assert!(
        replay.wants_write(),
        "it answered with a full server flight"
    );
}

#[test]
fn a_stale_ticket_age_gets_no_early_data_through() {
    // The client's clock says the ticket is 60 s old, the server's that it is
    // fresh: outside the 10 s window (RFC 8446 §8.3), early data is refused.
    let cp = Arc::new(client_params());
    let sp = Arc::new(server_params(MAX_EARLY));
    first_connection(&cp, &sp, T);
    let mut c = Peer::client(cp, localhost(), at(T + 60)).unwrap();
    c.write_early_data(b"early").unwrap();
    let mut s = Peer::server(sp, at(T));
    do_handshake(&mut c, &mut s);
    assert_eq!(s.early_data_status(), Some(EarlyDataStatus::Rejected));
    assert_eq!(s.early_data_received(), 0);
}

#[test]
fn early_data_beyond_max_early_data_size_is_unexpected_message() {
    // The ticket allows 16 KiB; the server now takes 100 bytes.
    let cp = Arc::new(client_params());
    let sp = Arc::new(server_params(MAX_EARLY));
    first_connection(&cp, &sp, T);
    let mut p = server_params(100);
    p.ticketer = sp.ticketer.clone();
    let mut c = Peer::client(cp, localhost(), at(T + 1)).unwrap();
    assert_eq!(c.write_early_data(&[1; 1000]).unwrap(), 1000);
    let mut s = Peer::server(Arc::new(p), at(T + 1));
    let (_, r) = transfer(&mut c, &mut s);
    assert_eq!(
        r,
        Err(ConnectionError::Handshake(Error::PeerMisbehaved(
            PeerMisbehaved::TooMuchEarlyData
        )))
    );
    assert_eq!(
        r.unwrap_err().alert(),
        Some(AlertDescription::UNEXPECTED_MESSAGE)
    );
}

#[test]
fn end_of_early_data_without_early_data_is_unexpected_message() {
    // A full handshake whose client slips an EndOfEarlyData in before its Finished.
    let mut p = client_params();
    p.early_data = false;
    let cp = Arc::new(p);
    let sp = Arc::new(server_params(MAX_EARLY));
    let mut c = Peer::client(cp, localhost(), at(T)).unwrap();
    set_handshake_hook(
        &mut c,
        Box::new(|typ, bytes| {
            if typ == HandshakeType::FINISHED {
                bytes.splice(0..0, [HandshakeType::END_OF_EARLY_DATA.0, 0, 0, 0]);
            }
        }),
    );
    let mut s = Peer::server(sp, at(T));
    transfer(&mut c, &mut s).1.unwrap();
    transfer(&mut s, &mut c).1.unwrap();
    let (_, r) = transfer(&mut c, &mut s);
    assert_eq!(
        r,
        Err(ConnectionError::Handshake(Error::PeerMisbehaved(
            PeerMisbehaved::UnexpectedMessage(HandshakeType::END_OF_EARLY_DATA)
        )))
    );
}

#[test]
fn no_early_data_without_the_option_or_without_a_ticket_allowing_it() {
    // The server takes none: its tickets carry no early_data, the client offers none.
    let cp = Arc::new(client_params());
    let sp = Arc::new(server_params(0));
    first_connection(&cp, &sp, T);
    let mut c = Peer::client(cp, localhost(), at(T + 1)).unwrap();
    assert_eq!(c.write_early_data(b"x").unwrap(), 0);
    let mut s = Peer::server(sp, at(T + 1));
    do_handshake(&mut c, &mut s);
    assert_eq!(c.early_data_status(), Some(EarlyDataStatus::NotOffered));
    // A client without the option never offers.
    let mut p = client_params();
    p.early_data = false;
    let cp = Arc::new(p);
    let sp = Arc::new(server_params(MAX_EARLY));
    first_connection(&cp, &sp, T);
    let mut c = Peer::client(cp, localhost(), at(T + 1)).unwrap();
    assert_eq!(c.write_early_data(b"x").unwrap(), 0);
}

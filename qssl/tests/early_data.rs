//! 0-RTT through the facade's builders (RFC 8446 §2.3): off unless both sides opt in,
//! accepted and read by the server before its handshake completes, and rejected data
//! resent by the client's application, as each peer reports it.

mod common;

use std::io::{Read, Write};
use std::sync::Arc;

use common::*;
use qssl::{ClientConfig, ClientConnection, EarlyDataStatus, ServerConfig, ServerConnection};
use qssl_crypto::sign::KeyAlgorithm;

fn configs_with(client_early: bool, server_max: u32) -> (Arc<ClientConfig>, Arc<ServerConfig>) {
    let (c, s) = configs(&pki_for(KeyAlgorithm::EcdsaP256));
    (
        Arc::new(c.with_early_data(client_early).build().unwrap()),
        Arc::new(s.with_max_early_data(server_max).build().unwrap()),
    )
}

fn new_pair(c: &Arc<ClientConfig>, s: &Arc<ServerConfig>) -> (ClientConnection, ServerConnection) {
    (
        ClientConnection::new(c.clone(), "localhost".try_into().unwrap()).unwrap(),
        ServerConnection::new(s.clone()).unwrap(),
    )
}

/// A full handshake whose client reads the reply (and the tickets before it).
fn first(c: &Arc<ClientConfig>, s: &Arc<ServerConfig>) {
    let (mut client, mut server) = new_pair(c, s);
    do_handshake(&mut client, &mut server);
    send_and_check(&mut server, &mut client, b"reply");
}

fn read_available(conn: &mut ServerConnection) -> Vec<u8> {
    let mut out = Vec::new();
    let mut buf = [0u8; 256];
    while let Ok(n) = conn.reader().read(&mut buf) {
        if n == 0 {
            break;
        }
        out.extend_from_slice(&buf[..n]);
    }
    out
}

#[test]
fn early_data_is_accepted_when_both_sides_opt_in() {
    let (c, s) = configs_with(true, 16384);
    first(&c, &s);
    let (mut client, mut server) = new_pair(&c, &s);
    assert_eq!(client.write_early_data(b"GET /").unwrap(), 5);
    transfer(&mut client, &mut server).1.unwrap();
    assert!(server.is_handshaking());
    assert_eq!(server.early_data_received(), 5);
    assert_eq!(read_available(&mut server), b"GET /");
    do_handshake(&mut client, &mut server);
    assert_eq!(client.early_data_status(), Some(EarlyDataStatus::Accepted));
    assert_eq!(server.early_data_status(), Some(EarlyDataStatus::Accepted));
    assert!(client.connection_info().unwrap().resumed);
}

#[test]
fn by_default_neither_side_does_0rtt() {
    // Default client: never offers, even to a server that takes early data.
    let (c, s) = configs_with(false, 16384);
    first(&c, &s);
    let (mut client, mut server) = new_pair(&c, &s);
    assert_eq!(client.write_early_data(b"GET /").unwrap(), 0);
    do_handshake(&mut client, &mut server);
    assert_eq!(
        client.early_data_status(),
        Some(EarlyDataStatus::NotOffered)
    );
    // Default server: its tickets allow none, so a willing client offers none.
    let (c, _) = configs_with(true, 0);
    let (_, s) = configs(&pki_for(KeyAlgorithm::EcdsaP256));
    let s = Arc::new(s.build().unwrap());
    first(&c, &s);
    let (mut client, mut server) = new_pair(&c, &s);
    assert_eq!(client.write_early_data(b"GET /").unwrap(), 0);
    do_handshake(&mut client, &mut server);
    assert_eq!(
        server.early_data_status(),
        Some(EarlyDataStatus::NotOffered)
    );
    assert!(server.connection_info().unwrap().resumed);
}

#[test]
fn rejected_early_data_is_resent_in_order_when_the_application_asks() {
    // Tickets from a server that took 0-RTT, offered to one sharing its ticketer
    // that does not (a configuration change).
    let ring: Arc<dyn qssl::session::Ticketer> =
        Arc::new(qssl::session::TicketKeyRing::with_defaults().unwrap());
    let (c, s) = configs(&pki_for(KeyAlgorithm::EcdsaP256));
    let c = Arc::new(c.with_early_data(true).build().unwrap());
    let taking = Arc::new(
        s.with_max_early_data(1024)
            .with_ticketer(ring.clone())
            .build()
            .unwrap(),
    );
    first(&c, &taking);
    let (_, s) = configs(&pki_for(KeyAlgorithm::EcdsaP256));
    let refusing = Arc::new(s.with_ticketer(ring).build().unwrap());
    let (mut client, mut server) = new_pair(&c, &refusing);
    assert_eq!(client.write_early_data(b"request;").unwrap(), 8);
    client.writer().write_all(b"more").unwrap();
    do_handshake(&mut client, &mut server);
    assert_eq!(client.early_data_status(), Some(EarlyDataStatus::Rejected));
    assert_eq!(client.rejected_early_data(), Some(&b"request;"[..]));
    assert_eq!(client.resend_rejected_early_data().unwrap(), 8);
    transfer(&mut client, &mut server).1.unwrap();
    assert_eq!(read_available(&mut server), b"request;more");
}

//! 10,000 NewSessionTickets to one client: the client keeps the newest few, so its
//! heap does not grow with their number; the application takes them with
//! `take_received_tickets`.
//!
//! The server has no ticket support yet, so the test's handshake hook turns one
//! post-handshake KeyUpdate of the server into 10,000 tickets followed by that
//! KeyUpdate: real messages, sealed under the server's real keys.
//!
//! Its own test binary: `dhat`'s global allocator counts every allocation of the
//! process, so nothing else may run meanwhile.

mod common;

use common::*;
use qssl::{MAX_KEPT_TICKETS, NewSessionTicket};
use qssl_crypto::sign::KeyAlgorithm;
use qssl_handshake::{HandshakeMessage, HandshakeType};

#[global_allocator]
static ALLOC: dhat::Alloc = dhat::Alloc;

fn live_bytes() -> usize {
    dhat::HeapStats::get().curr_bytes
}

const TICKETS: u32 = 10_000;

fn ticket(i: u32) -> NewSessionTicket {
    NewSessionTicket {
        lifetime: 3600,
        age_add: i,
        nonce: i.to_be_bytes().to_vec(),
        ticket: vec![(i % 251) as u8; 100],
        extensions: Vec::new(),
    }
}

#[test]
fn ten_thousand_tickets_use_bounded_memory() {
    let _profiler = dhat::Profiler::builder().testing().build();
    let p = pki_for(KeyAlgorithm::EcdsaP256);
    let (cb, sb) = configs(&p);
    let (mut c, mut s) = pair(cb.build().unwrap(), sb.build().unwrap());
    do_handshake(&mut c, &mut s);
    set_handshake_hook(
        &mut s,
        Box::new(|typ, bytes| {
            if typ == HandshakeType::KEY_UPDATE {
                let mut flood = Vec::new();
                for i in 0..TICKETS {
                    flood.extend(
                        HandshakeMessage::NewSessionTicket(ticket(i))
                            .to_bytes()
                            .unwrap(),
                    );
                }
                flood.extend_from_slice(bytes);
                *bytes = flood;
            }
        }),
    );
    s.refresh_traffic_keys().unwrap();
    let mut wire = Vec::new();
    while s.wants_write() {
        s.write_tls(&mut wire).unwrap();
    }
    assert!(wire.len() > TICKETS as usize * 100);
    let before = live_bytes();
    let (_, r) = transfer_bytes(&wire, &mut c);
    r.unwrap();
    let grown = live_bytes().saturating_sub(before);
    eprintln!("heap growth over the tickets: {grown} bytes");
    // Eight tickets of ~130 bytes each; 10,000 would be well over a megabyte.
    assert!(
        grown < 64 * 1024,
        "heap grew by {grown} bytes over {TICKETS} tickets"
    );
    // The newest eight, oldest first.
    let kept: Vec<u32> = c.received_tickets().iter().map(|t| t.age_add).collect();
    let newest: Vec<u32> = (TICKETS - MAX_KEPT_TICKETS as u32..TICKETS).collect();
    assert_eq!(kept, newest);
    let taken = c.take_received_tickets();
    assert_eq!(taken.len(), MAX_KEPT_TICKETS);
    assert_eq!(taken[MAX_KEPT_TICKETS - 1], ticket(TICKETS - 1));
    assert!(c.received_tickets().is_empty());
    // The connection still works: the KeyUpdate after the tickets was applied.
    send_and_check(&mut s, &mut c, b"after the tickets");
}

//! A peer that sends far more application data than the application reads (issue 14):
//! the receiver holds at most `MAX_RECEIVED_PLAINTEXT` of it, then `read_tls` refuses
//! more bytes (an error, nothing read from the transport) until the application reads;
//! its heap grows by that bound, not by what the peer sent. After reading, the
//! connection goes on.
//!
//! Its own test binary: `dhat`'s global allocator counts every allocation of the
//! process, so nothing else may run meanwhile.

mod common;

use std::io::{Read, Write};

use common::*;
use qssl_crypto::sign::KeyAlgorithm;
use qssl_handshake::MAX_RECEIVED_PLAINTEXT;

#[global_allocator]
static ALLOC: dhat::Alloc = dhat::Alloc;

fn live_bytes() -> usize {
    dhat::HeapStats::get().curr_bytes
}

/// What the peer sends: three times the bound.
const SENT: usize = 3 * MAX_RECEIVED_PLAINTEXT;
const CHUNK: usize = 64 * 1024;

#[test]
fn a_reader_that_never_reads_holds_at_most_the_bound() {
    let _profiler = dhat::Profiler::builder().testing().build();
    let p = pki_for(KeyAlgorithm::EcdsaP256);
    let (cb, sb) = configs(&p);
    let (mut c, mut s) = pair(cb.build().unwrap(), sb.build().unwrap());
    do_handshake(&mut c, &mut s);
    let before = live_bytes();
    let chunk = vec![0x5a; CHUNK];
    let mut sent = 0;
    let mut wire: Vec<u8> = Vec::new();
    let mut refused = false;
    while sent < SENT && !refused {
        s.writer().write_all(&chunk).unwrap();
        sent += CHUNK;
        while s.wants_write() {
            s.write_tls(&mut wire).unwrap();
        }
        // Offer the client everything sent so far; it takes what it has room for.
        let mut rd = &wire[..];
        while !rd.is_empty() {
            match c.read_tls(&mut rd) {
                Ok(n) => assert!(n > 0),
                Err(_) => {
                    refused = true;
                    break;
                }
            }
            c.process_new_packets().unwrap();
        }
        let taken = wire.len() - rd.len();
        wire.drain(..taken);
    }
    let grown = live_bytes().saturating_sub(before);
    eprintln!(
        "sent {sent} bytes of plaintext, refused: {refused}, heap grew by {grown} bytes \
         ({} bytes still waiting at the sender)",
        wire.len()
    );
    assert!(refused, "the client took all {sent} bytes without reading");
    // The bound, plus the record buffers and the TLS bytes waiting at the sender.
    assert!(
        grown < MAX_RECEIVED_PLAINTEXT + 2 * 1024 * 1024,
        "heap grew by {grown} bytes for {sent} bytes sent"
    );
    // The application reads: what it gets is what was sent, and there is room again.
    let mut got = vec![0u8; CHUNK];
    let mut read = 0;
    loop {
        match c.reader().read(&mut got) {
            Ok(0) => break,
            Ok(n) => {
                assert!(got[..n].iter().all(|&b| b == 0x5a));
                read += n;
            }
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => break,
            Err(e) => panic!("{e}"),
        }
    }
    assert!(
        read <= MAX_RECEIVED_PLAINTEXT && read + CHUNK >= MAX_RECEIVED_PLAINTEXT,
        "read {read} bytes after the refusal"
    );
    let mut rd = &wire[..];
    assert!(c.read_tls(&mut rd).unwrap() > 0, "no room after reading");
    c.process_new_packets().unwrap();
}

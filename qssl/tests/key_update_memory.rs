//! A reader that never writes, fed 10,000 KeyUpdate requests (with a little
//! application data between them, as a long download would have): its heap must not
//! grow with the number of requests. Before the fix each request queued a 27-byte
//! KeyUpdate answer that only a write would flush.
//!
//! Its own test binary: `dhat`'s global allocator counts every allocation of the
//! process, so nothing else may run meanwhile.

mod common;

use std::io::Read;

use common::*;
use qssl_crypto::sign::KeyAlgorithm;

#[global_allocator]
static ALLOC: dhat::Alloc = dhat::Alloc;

fn live_bytes() -> usize {
    dhat::HeapStats::get().curr_bytes
}

const REQUESTS: usize = 10_000;
/// Requests between two pieces of application data: below the cap of 32 in a row.
const REQUESTS_PER_DATA: usize = 16;

#[test]
fn ten_thousand_key_update_requests_to_a_silent_reader_use_bounded_memory() {
    let _profiler = dhat::Profiler::builder().testing().build();
    let p = pki_for(KeyAlgorithm::EcdsaP256);
    let (cb, sb) = configs(&p);
    let (mut c, mut s) = pair(cb.build().unwrap(), sb.build().unwrap());
    do_handshake(&mut c, &mut s);
    let mut sink = vec![0u8; 4096];
    let mut batch = |c: &mut qssl::ClientConnection, s: &mut qssl::ServerConnection| {
        for _ in 0..REQUESTS_PER_DATA {
            s.refresh_traffic_keys().unwrap();
        }
        use std::io::Write;
        s.writer().write_all(b"more of the download").unwrap();
        let (_, r) = transfer(s, c);
        r.unwrap();
        let n = c.reader().read(&mut sink).unwrap();
        assert_eq!(&sink[..n], b"more of the download");
    };
    // Warm up buffers that reach their working size in the first rounds.
    for _ in 0..4 {
        batch(&mut c, &mut s);
    }
    let before = live_bytes();
    for _ in 0..REQUESTS / REQUESTS_PER_DATA {
        batch(&mut c, &mut s);
    }
    let grown = live_bytes().saturating_sub(before);
    eprintln!("heap growth over the KeyUpdate requests: {grown} bytes");
    // The answer owed is one flag: nothing may grow with the number of requests
    // (10,000 queued answers would be 270,000 bytes).
    assert!(
        grown < 64 * 1024,
        "heap grew by {grown} bytes over {REQUESTS} KeyUpdate requests"
    );
    // The client never wrote, so it owes exactly one answer, sent before its next data.
    assert!(!c.wants_write());
    send_and_check(&mut c, &mut s, b"finally a reply");
}

//! Memory under the count caps of `qssl_handshake::limits` (issue 14): a peer that
//! packs its message with the smallest elements the RFC syntax allows (empty
//! extensions, one-byte key shares, one-byte certificates) makes us allocate no more
//! than the cap's worth, refused before the element over the cap is stored. Measured as
//! the bytes allocated while the hostile input is processed (`dhat`'s counting
//! allocator), so a structure built and then thrown away counts too.
//!
//! Its own test binary: `dhat`'s global allocator counts every allocation of the
//! process, so nothing else may run meanwhile.

mod common;

use common::*;
use qssl::{AlertDescription as A, ConnectionCommon};
use qssl_crypto::ids::NamedGroup;
use qssl_crypto::sign::KeyAlgorithm;
use qssl_handshake::{Extension, HandshakeMessage, HandshakeType as T};

#[global_allocator]
static ALLOC: dhat::Alloc = dhat::Alloc;

fn allocated() -> u64 {
    dhat::HeapStats::get().total_bytes
}

fn set_len(m: &mut [u8]) {
    let n = m.len() - 4;
    m[1..4].copy_from_slice(&(n as u32).to_be_bytes()[1..]);
}

fn drain(conn: &mut ConnectionCommon) -> Vec<u8> {
    let mut out = Vec::new();
    while conn.wants_write() {
        conn.write_tls(&mut out).unwrap();
    }
    out
}

fn handshake_records(msg: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    for chunk in msg.chunks(1 << 14) {
        out.extend_from_slice(&[0x16, 0x03, 0x03]);
        out.extend_from_slice(&(chunk.len() as u16).to_be_bytes());
        out.extend_from_slice(chunk);
    }
    out
}

fn ecdsa_pair() -> (qssl::ClientConnection, qssl::ServerConnection) {
    let (cb, sb) = configs(&pki_for(KeyAlgorithm::EcdsaP256));
    pair(cb.build().unwrap(), sb.build().unwrap())
}

/// Our client's ClientHello, as one handshake message.
fn client_hello() -> Vec<u8> {
    let (mut c, _) = ecdsa_pair();
    drain(&mut c)[5..].to_vec()
}

/// Feeds `wire` to `conn`; returns the bytes allocated meanwhile and the alert.
fn measure(conn: &mut ConnectionCommon, wire: &[u8]) -> (u64, Option<A>) {
    let before = allocated();
    let (_, r) = transfer_bytes(wire, conn);
    let used = allocated() - before;
    (used, r.err().and_then(|e| e.alert()))
}

/// 15,000 empty extensions of distinct types (60,000 bytes, within the extension
/// block's 2^16 - 1 and the 64 KiB message cap).
fn many_extensions() -> Vec<u8> {
    let mut hello = client_hello();
    let mut at = 4 + 2 + 32;
    at += 1 + hello[at] as usize;
    at += 2 + u16::from_be_bytes([hello[at], hello[at + 1]]) as usize;
    at += 1 + hello[at] as usize;
    let mut raw = Vec::new();
    for i in 0..15_000u16 {
        raw.extend_from_slice(&(0x5000 + i).to_be_bytes());
        raw.extend_from_slice(&[0, 0]);
    }
    let n = u16::from_be_bytes([hello[at], hello[at + 1]]) as usize + raw.len();
    hello[at..at + 2].copy_from_slice(&u16::try_from(n).unwrap().to_be_bytes());
    hello.splice(at + 2..at + 2, raw);
    set_len(&mut hello);
    hello
}

/// 12,000 one-byte key shares of distinct unknown groups (60,000 bytes).
fn many_key_shares() -> Vec<u8> {
    let mut msg = HandshakeMessage::parse(&client_hello()).unwrap();
    if let HandshakeMessage::ClientHello(ch) = &mut msg {
        for e in &mut ch.extensions {
            if let Extension::KeyShareOffer(shares) = e {
                let mut extra = shares[0].clone();
                for i in 0..12_000u16 {
                    extra.group = NamedGroup(0x1000 + i);
                    extra.key_exchange = vec![0x42];
                    shares.push(extra.clone());
                }
            }
        }
    }
    msg.to_bytes().unwrap()
}

#[test]
fn count_caps_bound_the_memory_a_packed_message_costs() {
    let _profiler = dhat::Profiler::builder().testing().build();

    // A server fed a ClientHello of 15,000 empty extensions / 12,000 key shares.
    // Without the caps: every element is stored (about 1 MB each) before the hello is
    // refused or used.
    for (what, hello) in [
        ("15,000 extensions", many_extensions()),
        ("12,000 key shares", many_key_shares()),
    ] {
        let wire = handshake_records(&hello);
        let (_, mut s) = ecdsa_pair();
        let (used, alert) = measure(&mut s, &wire);
        eprintln!("{what}: {used} bytes allocated");
        // The message itself (~61 KB) is buffered, in a Vec that doubles: ~256 KiB of
        // allocations besides the elements.
        assert!(used < 400 * 1024, "{what}: {used} bytes allocated");
        assert_eq!(alert, Some(A::DECODE_ERROR), "{what}");
    }

    // A client fed a Certificate of 40,000 one-byte certificates (240,000 bytes, under
    // the 256 KiB Certificate cap). Without the cap: 40,000 entries stored, ~2 MB.
    let (mut c, mut s) = ecdsa_pair();
    set_handshake_hook(
        &mut s,
        Box::new(|t, bytes| {
            if t == T::CERTIFICATE {
                let mut msg = HandshakeMessage::parse(bytes).unwrap();
                if let HandshakeMessage::Certificate(cert) = &mut msg {
                    let mut one = cert.entries[0].clone();
                    one.cert_data = vec![0x30];
                    one.extensions.clear();
                    cert.entries = vec![one; 40_000];
                }
                *bytes = msg.to_bytes().unwrap();
            }
        }),
    );
    let (_, r) = transfer(&mut c, &mut s);
    r.unwrap();
    let flight = drain(&mut s);
    let (used, alert) = measure(&mut c, &flight);
    eprintln!("40,000 certificates: {used} bytes allocated");
    // The 240 KB message is buffered (doubling Vec: ~512 KiB) and decrypted.
    assert!(
        used < 1024 * 1024,
        "40,000 certificates: {used} bytes allocated"
    );
    assert_eq!(alert, Some(A::DECODE_ERROR));

    // A handshake header declaring 16 MiB: refused before a byte of the body (what is
    // allocated is the 16 KiB record buffer).
    let (_, mut s) = ecdsa_pair();
    let (used, alert) = measure(&mut s, &handshake_records(&[1, 0xff, 0xff, 0xff]));
    eprintln!("a 16 MiB ClientHello header: {used} bytes allocated");
    assert_eq!(alert, Some(A::DECODE_ERROR));
    assert!(used < 64 * 1024, "16 MiB header: {used} bytes allocated");
}

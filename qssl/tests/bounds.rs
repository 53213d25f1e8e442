//! Resource bounds on what a peer can make us parse and store (issue 14): each bound
//! holds exactly (at the cap: accepted; one over: refused) and the connection ends with
//! the alert `docs/alerts.md` lists, which the peer receives. The memory side of the
//! same bounds is `bounds_memory.rs` (its own binary: a counting allocator).
//!
//! The bounds tested elsewhere: KeyUpdates, warning alerts and empty records in a row,
//! kept ticket bytes (`hostile_peer.rs`), kept ticket count and KeyUpdate answers
//! (`ticket_memory.rs`, `key_update_memory.rs`), early data
//! (`qssl-handshake/tests/early_data.rs`), received plaintext
//! (`qssl-handshake/tests/connection_core.rs`).

mod common;

use std::sync::Arc;

use common::*;
use qssl::{AlertDescription as A, ConnectionCommon, Error, TlsVersion};
use qssl_crypto::ids::NamedGroup;
use qssl_crypto::sign::KeyAlgorithm;
use qssl_handshake::limits::{
    DEFAULT_MAX_CERTIFICATE_MESSAGE_LEN, DEFAULT_MAX_MESSAGE_LEN, MAX_CERTIFICATE_ENTRIES,
    MAX_EXTENSIONS, MAX_KEY_SHARES,
};
use qssl_handshake::{Extension, HandshakeMessage, HandshakeType as T};

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

/// Plaintext handshake records carrying `msg` (split at 2^14 bytes).
fn handshake_records(msg: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    for chunk in msg.chunks(1 << 14) {
        out.extend_from_slice(&[0x16, 0x03, 0x03]);
        out.extend_from_slice(&(chunk.len() as u16).to_be_bytes());
        out.extend_from_slice(chunk);
    }
    out
}

/// The ClientHello our client queued, as one handshake message.
fn client_hello_of(c: &mut ConnectionCommon) -> Vec<u8> {
    let wire = drain(c);
    let len = u16::from_be_bytes([wire[3], wire[4]]) as usize;
    assert_eq!(5 + len, wire.len(), "one record");
    wire[5..].to_vec()
}

/// The offset of a ClientHello's extension block length (from the message start).
fn extensions_at(hello: &[u8]) -> usize {
    let mut at = 4 + 2 + 32;
    at += 1 + hello[at] as usize;
    at += 2 + u16::from_be_bytes([hello[at], hello[at + 1]]) as usize;
    at += 1 + hello[at] as usize;
    at
}

/// Puts `raw` (whole encoded extensions) at the front of a ClientHello's extension
/// block, fixing the block and message lengths.
fn prepend_raw_extensions(hello: &mut Vec<u8>, raw: &[u8]) {
    let at = extensions_at(hello);
    let n = u16::from_be_bytes([hello[at], hello[at + 1]]) as usize + raw.len();
    hello[at..at + 2].copy_from_slice(&u16::try_from(n).unwrap().to_be_bytes());
    hello.splice(at + 2..at + 2, raw.iter().copied());
    set_len(hello);
}

/// `n` empty extensions of distinct unassigned types, from `first`.
fn empty_extensions(first: u16, n: usize) -> Vec<u8> {
    let mut raw = Vec::new();
    for i in 0..n {
        raw.extend_from_slice(&(first + i as u16).to_be_bytes());
        raw.extend_from_slice(&[0, 0]);
    }
    raw
}

fn extension_count(hello: &[u8]) -> usize {
    match HandshakeMessage::parse(hello).unwrap() {
        HandshakeMessage::ClientHello(ch) => ch.extensions.len(),
        m => panic!("not a ClientHello: {m:?}"),
    }
}

fn ecdsa_pair(versions: &[TlsVersion]) -> (qssl::ClientConnection, qssl::ServerConnection) {
    let (cb, sb) = configs(&pki_for(KeyAlgorithm::EcdsaP256));
    pair(
        cb.with_protocol_versions(versions).build().unwrap(),
        sb.with_protocol_versions(versions).build().unwrap(),
    )
}

/// A pair whose ClientHello is replaced on the wire by `rewrite` of it.
fn pair_rewriting_hello(
    versions: &[TlsVersion],
    rewrite: impl FnOnce(&mut Vec<u8>),
) -> (qssl::ClientConnection, qssl::ServerConnection) {
    let (mut c, s) = ecdsa_pair(versions);
    let mut hello = client_hello_of(&mut c);
    rewrite(&mut hello);
    qssl::testing::inject_tls(&mut c, &handshake_records(&hello));
    (c, s)
}

fn expect_refused(
    what: &str,
    (cr, sr): (Result<(), Error>, Result<(), Error>),
    detector_is_server: bool,
    alert: A,
) {
    let (det, other) = if detector_is_server {
        (sr, cr)
    } else {
        (cr, sr)
    };
    assert_eq!(det.unwrap_err().alert(), Some(alert), "{what}: detector");
    assert_eq!(other, Err(Error::AlertReceived(alert)), "{what}: its peer");
}

/// Feeds the rewritten ClientHello to the server alone: it must answer with a
/// ServerHello (the pair cannot finish: the client's transcript holds the hello it
/// made, not the rewritten one).
fn expect_accepted(what: &str, c: &mut qssl::ClientConnection, s: &mut qssl::ServerConnection) {
    let (_, r) = transfer(c, s);
    assert_eq!(r, Ok(()), "{what}");
    let out = drain(s);
    assert_eq!(out[0], 0x16, "{what}: a handshake record first");
    assert_eq!(out[5], T::SERVER_HELLO.0, "{what}: a ServerHello first");
}

const BOTH: &[TlsVersion] = &[TlsVersion::Tls13, TlsVersion::Tls12];
const TLS13: &[TlsVersion] = &[TlsVersion::Tls13];
const TLS12: &[TlsVersion] = &[TlsVersion::Tls12];

/// `MAX_EXTENSIONS` extensions in a ClientHello are accepted (the server answers with
/// its ServerHello; TLS 1.3, and TLS 1.2 from a client that offers only it); one more
/// is decode_error.
#[test]
fn extensions_per_client_hello() {
    for versions in [TLS13, TLS12] {
        let fill = |hello: &mut Vec<u8>, total: usize| {
            let have = extension_count(hello);
            prepend_raw_extensions(hello, &empty_extensions(0xfa00, total - have));
            if total <= MAX_EXTENSIONS {
                assert_eq!(extension_count(hello), total);
            }
        };
        let (mut c, mut s) = pair_rewriting_hello(versions, |h| fill(h, MAX_EXTENSIONS));
        expect_accepted(
            &format!("{versions:?} {MAX_EXTENSIONS} extensions"),
            &mut c,
            &mut s,
        );
        let (mut c, mut s) = pair_rewriting_hello(versions, |h| fill(h, MAX_EXTENSIONS + 1));
        expect_refused(
            &format!("{versions:?} {} extensions", MAX_EXTENSIONS + 1),
            run(&mut c, &mut s),
            true,
            A::DECODE_ERROR,
        );
    }
}

/// Shares of unknown groups (which the server skips; listed in supported_groups too, as
/// RFC 8446 §4.2.8 requires) after the real one: with `MAX_KEY_SHARES` in all the
/// server answers; one more is decode_error.
#[test]
fn key_shares_per_client_hello() {
    let fill = |hello: &mut Vec<u8>, total: usize| {
        let mut msg = HandshakeMessage::parse(hello).unwrap();
        if let HandshakeMessage::ClientHello(ch) = &mut msg {
            for e in &mut ch.extensions {
                if let Extension::SupportedGroups(groups) = e {
                    groups.extend((0..total as u16).map(|i| NamedGroup(0x7a00 + i)));
                }
                if let Extension::KeyShareOffer(shares) = e {
                    let mut extra = shares[0].clone();
                    let mut i = 0u16;
                    while shares.len() < total {
                        extra.group = NamedGroup(0x7a00 + i);
                        extra.key_exchange = vec![0x42; 32];
                        shares.push(extra.clone());
                        i += 1;
                    }
                }
            }
        }
        *hello = msg.to_bytes().unwrap();
    };
    let (mut c, mut s) = pair_rewriting_hello(BOTH, |h| fill(h, MAX_KEY_SHARES));
    expect_accepted(&format!("{MAX_KEY_SHARES} key shares"), &mut c, &mut s);
    let (mut c, mut s) = pair_rewriting_hello(BOTH, |h| fill(h, MAX_KEY_SHARES + 1));
    expect_refused(
        &format!("{} key shares", MAX_KEY_SHARES + 1),
        run(&mut c, &mut s),
        true,
        A::DECODE_ERROR,
    );
}

/// A server configured with a chain of `MAX_CERTIFICATE_ENTRIES` certificates (leaf,
/// intermediate and copies of it: a path still builds) completes the handshake; with
/// one more the client sends decode_error, in TLS 1.3 and TLS 1.2.
#[test]
fn certificates_per_chain() {
    let p = pki(PkiSpec {
        chain_len: 2,
        ..PkiSpec::new(KeyAlgorithm::EcdsaP256)
    });
    for versions in [TLS13, TLS12] {
        for (total, ok) in [
            (MAX_CERTIFICATE_ENTRIES, true),
            (MAX_CERTIFICATE_ENTRIES + 1, false),
        ] {
            let mut chain = p.chain.clone();
            let last = chain.last().unwrap().clone();
            chain.resize(total, last);
            let client = qssl::ClientConfig::builder()
                .with_root_certificates(p.roots())
                .with_protocol_versions(versions)
                .build()
                .unwrap();
            let server = qssl::ServerConfig::builder()
                .with_single_cert(chain, p.key())
                .with_protocol_versions(versions)
                .build()
                .unwrap();
            let (mut c, mut s) = pair(client, server);
            let results = run(&mut c, &mut s);
            if ok {
                assert_eq!(
                    results,
                    (Ok(()), Ok(())),
                    "{versions:?} {total} certificates"
                );
            } else {
                expect_refused(
                    &format!("{versions:?} {total} certificates"),
                    results,
                    false,
                    A::DECODE_ERROR,
                );
            }
        }
    }
}

/// A handshake header declaring one byte more than `DecodeLimits` allow is refused as
/// soon as the four header bytes arrive, before any of the body (decode_error, in the
/// clear); one declaring exactly the cap is waited for. Certificate has its own cap.
#[test]
fn handshake_message_size() {
    let config = {
        let (_, sb) = configs(&pki_for(KeyAlgorithm::EcdsaP256));
        Arc::new(sb.build().unwrap())
    };
    for (typ, cap) in [
        (T::CLIENT_HELLO, DEFAULT_MAX_MESSAGE_LEN),
        (T::CERTIFICATE, DEFAULT_MAX_CERTIFICATE_MESSAGE_LEN),
    ] {
        for (len, refused) in [(cap, false), (cap + 1, true)] {
            let mut s = qssl::ServerConnection::new(config.clone()).unwrap();
            let header = [typ.0, (len >> 16) as u8, (len >> 8) as u8, len as u8];
            let (_, r) = transfer_bytes(&handshake_records(&header), &mut s);
            if refused {
                assert_eq!(
                    r.unwrap_err().alert(),
                    Some(A::DECODE_ERROR),
                    "{typ:?} {len}"
                );
                assert_eq!(drain(&mut s), [21, 3, 3, 0, 2, 2, 50], "{typ:?} {len}");
            } else {
                assert_eq!(r, Ok(()), "{typ:?} {len}");
                assert!(!s.wants_write(), "{typ:?} {len}");
            }
        }
    }
}

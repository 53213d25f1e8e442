//! TLS 1.3 resumption (RFC 8446 §2.2, §4.2.11, §4.6.1) between two sans-I/O cores on
//! virtual clocks: tickets issued by default and kept in the client's store, resumed
//! handshakes with what each side observes (no certificate on the wire, the
//! original peer certificates reported, the post-quantum status), `psk_ke` only when
//! both sides opt in, the fall back to a full handshake for tickets a server cannot
//! use (expired, rotated key, another hash), HelloRetryRequest with a PSK, and the
//! exact alerts for broken offers.

mod common;

use std::sync::Arc;

use common::{T, at, localhost};
use qssl_alert::AlertDescription;
use qssl_crypto::ids::{CipherSuite, NamedGroup, SignatureScheme};
use qssl_crypto::kx::{SECP256R1, X25519, X25519MLKEM768};
use qssl_crypto::sign::KeyAlgorithm;
use qssl_crypto::suites::{TLS13_AES_128_GCM_SHA256, TLS13_AES_256_GCM_SHA384};
use qssl_handshake::session::{ClientSessionStore, InMemoryClientSessionStore};
use qssl_handshake::testing::{Endpoint, Peer, do_handshake, transfer, transfer_bytes};
use qssl_handshake::{
    ClientHello, ClientParams, ConnectionError, Error, Extension, ExtensionType, HandshakeMessage,
    HandshakeSummary, PeerMisbehaved, ServerParams,
};

const HOUR: u64 = 3600;
const ALG: KeyAlgorithm = KeyAlgorithm::MlDsa65;

/// Client defaults (resumption on, its own fresh session store).
fn client_params() -> ClientParams {
    common::client_params(ALG)
}

/// Server defaults (two tickets per handshake from a fresh key ring).
fn server_params() -> ServerParams {
    common::server_params(ALG)
}

/// One connection between the two configurations at `now`, run to its end; the
/// client's result, the server's result, and both peers.
fn connect(cp: &Arc<ClientParams>, sp: &Arc<ServerParams>, now: u64) -> (Peer, Peer) {
    let mut c = Peer::client(cp.clone(), localhost(), at(now)).unwrap();
    let mut s = Peer::server(sp.clone(), at(now));
    do_handshake(&mut c, &mut s);
    // The tickets the server sent after the client's Finished.
    let (_, r) = transfer(&mut s, &mut c);
    r.unwrap();
    (c, s)
}

fn summary(p: &Peer) -> HandshakeSummary {
    p.handshake_summary().unwrap().clone()
}

/// Everything `p` has queued for its peer.
fn take(p: &mut Peer) -> Vec<u8> {
    let mut out = Vec::new();
    p.take_tls(&mut out);
    out
}

/// The handshake messages in plaintext records (the ClientHello), decoded.
fn plaintext_messages(wire: &[u8]) -> Vec<HandshakeMessage> {
    let mut out = Vec::new();
    let mut rest = wire;
    while rest.len() >= 5 {
        let len = 5 + usize::from(u16::from_be_bytes([rest[3], rest[4]]));
        if rest[0] == 22 {
            out.push(HandshakeMessage::parse(&rest[5..len]).unwrap());
        }
        rest = &rest[len..];
    }
    out
}

/// The one ClientHello in a client's first flight.
fn client_hello(wire: &[u8]) -> ClientHello {
    match plaintext_messages(wire).as_slice() {
        [HandshakeMessage::ClientHello(ch)] => ch.clone(),
        other => panic!("not one ClientHello: {other:?}"),
    }
}

/// The client's first flight with its ClientHello rewritten by `f` (re-encoded, one
/// record).
fn rewrite_hello(wire: &[u8], f: impl FnOnce(&mut ClientHello)) -> Vec<u8> {
    let mut ch = client_hello(wire);
    f(&mut ch);
    let msg = HandshakeMessage::ClientHello(ch).to_bytes().unwrap();
    let mut record = vec![22, 3, 1];
    record.extend_from_slice(&(msg.len() as u16).to_be_bytes());
    record.extend_from_slice(&msg);
    record
}

/// The alert in a plaintext record `wire` starts with.
fn plaintext_alert(wire: &[u8]) -> AlertDescription {
    assert_eq!(&wire[..5], &[21, 3, 3, 0, 2], "a plaintext alert record");
    assert_eq!(wire[5], 2, "fatal");
    AlertDescription(wire[6])
}

#[test]
fn a_second_connection_resumes_by_default_without_certificates_and_stays_post_quantum() {
    let cp = Arc::new(client_params());
    let sp = Arc::new(server_params());
    let (first_c, first_s) = connect(&cp, &sp, T);
    let full = summary(&first_c);
    assert!(!full.resumed && !summary(&first_s).resumed);
    assert_eq!(full.group, Some(NamedGroup::X25519MLKEM768));
    assert!(full.peer_auth_post_quantum);
    // Two tickets by default, both kept by the connection and in the store.
    assert_eq!(first_c.received_tickets().len(), 2);

    let mut c = Peer::client(cp.clone(), localhost(), at(T + 60)).unwrap();
    let hello = take(&mut c);
    let ch = client_hello(&hello);
    // pre_shared_key last, with the ticket the server sent as its identity.
    let Some(Extension::PreSharedKeyOffer(offer)) = ch.extensions.last() else {
        panic!("no pre_shared_key last: {:?}", ch.extensions.last());
    };
    let tickets: Vec<_> = first_c
        .received_tickets()
        .iter()
        .map(|t| t.ticket.clone())
        .collect();
    assert!(tickets.contains(&offer.identities[0].identity));
    // Obfuscated age: 60 s after the ticket arrived, plus its ticket_age_add.
    let sent = first_c
        .received_tickets()
        .iter()
        .find(|t| t.ticket == offer.identities[0].identity)
        .unwrap();
    assert_eq!(
        offer.identities[0].obfuscated_ticket_age,
        60_000u32.wrapping_add(sent.age_add)
    );

    let mut s = Peer::server(sp.clone(), at(T + 60));
    transfer_bytes(&hello, &mut s).1.unwrap();
    let flight = take(&mut s);
    // The server's flight carries no certificate: far smaller than an ML-DSA chain.
    assert!(
        flight.len() < 2500,
        "resumed flight of {} bytes",
        flight.len()
    );
    transfer_bytes(&flight, &mut c).1.unwrap();
    transfer(&mut c, &mut s).1.unwrap();
    assert!(!c.is_handshaking() && !s.is_handshaking());

    for (side, sum) in [("client", summary(&c)), ("server", summary(&s))] {
        assert!(sum.resumed, "{side}");
        // psk_dhe_ke over the hybrid group: a fresh post-quantum key exchange.
        assert_eq!(sum.group, Some(NamedGroup::X25519MLKEM768), "{side}");
        assert!(sum.kx_post_quantum, "{side}");
        assert_eq!(
            sum.server_signature_scheme,
            SignatureScheme::MLDSA65,
            "{side}"
        );
    }
    let resumed = summary(&c);
    // The original session's certificates and verified path.
    assert_eq!(resumed.peer_certificates, full.peer_certificates);
    assert_eq!(resumed.peer_verified_path, full.peer_verified_path);
    assert!(resumed.peer_auth_post_quantum);
    assert_eq!(resumed.server_name.as_deref(), Some("localhost"));
    // Data flows on the resumed keys.
    c.write_plaintext(b"resumed").unwrap();
    transfer(&mut c, &mut s).1.unwrap();
    let mut buf = [0u8; 16];
    assert_eq!(s.read_plaintext(&mut buf), 7);
    assert_eq!(&buf[..7], b"resumed");
}

#[test]
fn tickets_are_single_use_and_each_resumption_brings_new_ones() {
    let store = Arc::new(InMemoryClientSessionStore::default());
    let mut p = client_params();
    p.session_store = Some(store.clone());
    let cp = Arc::new(p);
    let sp = Arc::new(server_params());
    connect(&cp, &sp, T);
    assert_eq!(store.len(), 1, "one server known");
    // Two clients start at once: each takes one of the two tickets.
    let a = Peer::client(cp.clone(), localhost(), at(T + 1)).unwrap();
    let b = Peer::client(cp.clone(), localhost(), at(T + 1)).unwrap();
    let offered = |p: &Peer| {
        let wire = p.pending_tls().to_vec();
        let ch = client_hello(&wire);
        match ch.extension(ExtensionType::PRE_SHARED_KEY) {
            Some(Extension::PreSharedKeyOffer(o)) => Some(o.identities[0].identity.clone()),
            _ => None,
        }
    };
    let (ta, tb) = (offered(&a).unwrap(), offered(&b).unwrap());
    assert_ne!(ta, tb);
    // The third finds none left and offers no PSK.
    let third = Peer::client(cp.clone(), localhost(), at(T + 1)).unwrap();
    assert_eq!(offered(&third), None);
    // A resumed connection gets fresh tickets.
    let (c, _) = connect(&cp, &sp, T + 2);
    assert!(!summary(&c).resumed, "the store was empty");
    let (c, _) = connect(&cp, &sp, T + 3);
    assert!(summary(&c).resumed);
    assert_eq!(c.received_tickets().len(), 2);
    assert!(
        store
            .take_ticket(&cp.session_key(&localhost()), T + 4)
            .is_some()
    );
}

#[test]
fn psk_ke_only_when_both_sides_opt_in() {
    for (client_ke, server_ke) in [(false, false), (true, false), (false, true), (true, true)] {
        let mut p = client_params();
        p.psk_ke = client_ke;
        let cp = Arc::new(p);
        let mut p = server_params();
        p.psk_ke = server_ke;
        let sp = Arc::new(p);
        connect(&cp, &sp, T);
        let (c, s) = connect(&cp, &sp, T + 10);
        for sum in [summary(&c), summary(&s)] {
            assert!(sum.resumed);
            if client_ke && server_ke {
                // No key exchange: the keys come from the PSK alone, which came from
                // the hybrid exchange of the first connection.
                assert_eq!(sum.group, None, "{client_ke} {server_ke}");
                assert!(sum.kx_post_quantum);
            } else {
                assert_eq!(sum.group, Some(NamedGroup::X25519MLKEM768));
            }
        }
    }
}

#[test]
fn tickets_a_server_cannot_use_fall_back_to_a_full_handshake() {
    let cp = Arc::new(client_params());
    let sp = Arc::new(server_params());
    // A server with another key ring (a restart): the ticket does not open.
    connect(&cp, &sp, T);
    let other = Arc::new(server_params());
    let (c, s) = connect(&cp, &other, T + 10);
    assert!(!summary(&c).resumed && !summary(&s).resumed);
    assert_eq!(summary(&c).peer_certificates.len(), 2);

    // The default ticket lifetime is the key ring's period, 6 hours: the client
    // offers a ticket within it (resumed) and not after it (a full handshake).
    let cp = Arc::new(client_params());
    connect(&cp, &sp, T + 20);
    let (c, _) = connect(&cp, &sp, T + 20 + 5 * HOUR);
    assert!(summary(&c).resumed);
    let cp = Arc::new(client_params());
    connect(&cp, &sp, T + 30);
    let (c, _) = connect(&cp, &sp, T + 30 + 6 * HOUR + 1);
    assert!(!summary(&c).resumed);
}

#[test]
fn a_ticket_resumes_only_with_a_suite_of_its_hash() {
    // First session on AES-256-GCM-SHA384.
    let mut p = client_params();
    p.suites = vec![&TLS13_AES_256_GCM_SHA384, &TLS13_AES_128_GCM_SHA256];
    let cp = Arc::new(p);
    let mut p = server_params();
    p.suites = vec![&TLS13_AES_256_GCM_SHA384];
    connect(&cp, &Arc::new(p), T);
    // Same key ring, but the server now only has SHA-256 suites: a full handshake.
    let ring = server_params().ticketer;
    let mut p = server_params();
    p.suites = vec![&TLS13_AES_128_GCM_SHA256];
    p.ticketer = ring;
    let (c, _) = connect(&cp, &Arc::new(p), T + 5);
    assert!(!summary(&c).resumed);
    assert_eq!(
        summary(&c).suite.suite(),
        CipherSuite::TLS13_AES_128_GCM_SHA256
    );
}

#[test]
fn the_client_rejects_a_server_that_resumes_with_a_suite_of_another_hash() {
    let mut p = client_params();
    p.suites = vec![&TLS13_AES_128_GCM_SHA256, &TLS13_AES_256_GCM_SHA384];
    let cp = Arc::new(p);
    let sp = Arc::new(server_params());
    connect(&cp, &sp, T);
    let mut c = Peer::client(cp.clone(), localhost(), at(T + 1)).unwrap();
    let mut s = Peer::server(sp.clone(), at(T + 1));
    transfer(&mut c, &mut s).1.unwrap();
    // The server resumes on SHA-256; its ServerHello is rewritten to name the
    // SHA-384 suite (offered, but not of the PSK's hash).
    let wire = take(&mut s);
    let len = 5 + usize::from(u16::from_be_bytes([wire[3], wire[4]]));
    let Ok(HandshakeMessage::ServerHello(mut sh)) = HandshakeMessage::parse(&wire[5..len]) else {
        panic!("ServerHello first");
    };
    assert!(sh.extension(ExtensionType::PRE_SHARED_KEY).is_some());
    sh.cipher_suite = CipherSuite::TLS13_AES_256_GCM_SHA384;
    let msg = HandshakeMessage::ServerHello(sh).to_bytes().unwrap();
    let mut record = vec![22, 3, 3];
    record.extend_from_slice(&(msg.len() as u16).to_be_bytes());
    record.extend_from_slice(&msg);
    let (_, r) = transfer_bytes(&record, &mut c);
    assert_eq!(
        r,
        Err(ConnectionError::Handshake(Error::PeerMisbehaved(
            PeerMisbehaved::PskIncompatible
        )))
    );
    assert_eq!(
        plaintext_alert(&take(&mut c)),
        AlertDescription::ILLEGAL_PARAMETER
    );
}

/// Sends `cp`'s resuming ClientHello, rewritten by `f`, to a server that issued its
/// ticket: the server's error and the alert it sends.
fn broken_offer(f: impl FnOnce(&mut ClientHello)) -> (ConnectionError, AlertDescription) {
    let cp = Arc::new(client_params());
    let sp = Arc::new(server_params());
    connect(&cp, &sp, T);
    let mut c = Peer::client(cp, localhost(), at(T + 1)).unwrap();
    let hello = rewrite_hello(&take(&mut c), f);
    let mut s = Peer::server(sp, at(T + 1));
    let (_, r) = transfer_bytes(&hello, &mut s);
    let e = r.unwrap_err();
    (e, plaintext_alert(&take(&mut s)))
}

fn offer(ch: &mut ClientHello) -> &mut qssl_handshake::PreSharedKeyOffer {
    match ch.extensions.last_mut() {
        Some(Extension::PreSharedKeyOffer(o)) => o,
        other => panic!("no pre_shared_key last: {other:?}"),
    }
}

#[test]
fn a_tampered_binder_is_decrypt_error() {
    let (e, alert) = broken_offer(|ch| offer(ch).binders[0][0] ^= 1);
    assert_eq!(
        e,
        ConnectionError::Handshake(Error::PeerMisbehaved(PeerMisbehaved::BadPskBinder))
    );
    assert_eq!(alert, AlertDescription::DECRYPT_ERROR);
}

#[test]
fn a_hello_changed_after_its_binder_was_computed_is_decrypt_error() {
    // The binder covers the whole ClientHello but itself: another random breaks it.
    let (e, alert) = broken_offer(|ch| ch.random[0] ^= 1);
    assert_eq!(
        e,
        ConnectionError::Handshake(Error::PeerMisbehaved(PeerMisbehaved::BadPskBinder))
    );
    assert_eq!(alert, AlertDescription::DECRYPT_ERROR);
}

#[test]
fn pre_shared_key_not_last_is_illegal_parameter() {
    let (e, alert) = broken_offer(|ch| {
        let psk = ch.extensions.pop().unwrap();
        ch.extensions.insert(0, psk);
    });
    assert!(
        matches!(e, ConnectionError::Handshake(Error::InvalidMessage(_))),
        "{e:?}"
    );
    assert_eq!(alert, AlertDescription::ILLEGAL_PARAMETER);
}

#[test]
fn a_binder_count_other_than_the_identities_is_illegal_parameter() {
    for extra in [true, false] {
        let (e, alert) = broken_offer(|ch| {
            let o = offer(ch);
            if extra {
                o.binders.push(vec![7; 32]);
            } else {
                o.identities.push(o.identities[0].clone());
            }
        });
        assert_eq!(
            e,
            ConnectionError::Handshake(Error::PeerMisbehaved(
                PeerMisbehaved::PskBinderCountMismatch
            ))
        );
        assert_eq!(alert, AlertDescription::ILLEGAL_PARAMETER);
    }
}

#[test]
fn pre_shared_key_without_key_exchange_modes_is_missing_extension() {
    let (e, alert) = broken_offer(|ch| {
        ch.extensions
            .retain(|e| e.typ() != ExtensionType::PSK_KEY_EXCHANGE_MODES);
    });
    assert_eq!(
        e,
        ConnectionError::Handshake(Error::PeerMisbehaved(
            PeerMisbehaved::PskWithoutKeyExchangeModes
        ))
    );
    assert_eq!(alert, AlertDescription::MISSING_EXTENSION);
}

#[test]
fn the_client_remembers_the_servers_group_and_skips_the_retry() {
    // The server takes only secp256r1: the first connection needs a retry.
    let cp = Arc::new(client_params());
    let mut p = server_params();
    p.groups = vec![SECP256R1];
    let sp = Arc::new(p);
    let (c, _) = connect(&cp, &sp, T);
    assert!(summary(&c).hello_retry_request);
    let (c, _) = connect(&cp, &sp, T + 1);
    let sum = summary(&c);
    assert!(
        !sum.hello_retry_request,
        "the remembered group's share went first"
    );
    assert!(sum.resumed);
    assert_eq!(sum.group, Some(NamedGroup::SECP256R1));
}

#[test]
fn a_psk_survives_a_hello_retry_request_with_a_new_binder() {
    // The first connection on x25519 (remembered), the second to a server with the
    // same tickets that takes only secp256r1: a retry, then the PSK is resumed with
    // a binder over the new transcript.
    let cp = Arc::new(client_params());
    let mut p = server_params();
    p.groups = vec![X25519];
    let first = Arc::new(p);
    connect(&cp, &first, T);
    let mut p = server_params();
    p.groups = vec![SECP256R1];
    p.ticketer = first.ticketer.clone();
    let second = Arc::new(p);
    let (c, s) = connect(&cp, &second, T + 1);
    for sum in [summary(&c), summary(&s)] {
        assert!(sum.hello_retry_request);
        assert!(sum.resumed);
        assert_eq!(sum.group, Some(NamedGroup::SECP256R1));
        // secp256r1 now, but the PSK came from a classical exchange too.
        assert!(!sum.kx_post_quantum);
    }
}

#[test]
fn no_tickets_without_a_ticketer_or_with_a_count_of_zero() {
    for off in [0, 1] {
        let cp = Arc::new(client_params());
        let mut p = server_params();
        if off == 0 {
            p.ticket_count = 0;
        } else {
            p.ticketer = None;
        }
        let sp = Arc::new(p);
        let (c, _) = connect(&cp, &sp, T);
        assert!(c.received_tickets().is_empty());
        let (c, _) = connect(&cp, &sp, T + 1);
        assert!(!summary(&c).resumed);
    }
    // A client without a store offers nothing but still receives tickets.
    let mut p = client_params();
    p.session_store = None;
    let cp = Arc::new(p);
    let sp = Arc::new(server_params());
    let (c, _) = connect(&cp, &sp, T);
    assert_eq!(c.received_tickets().len(), 2);
    let (c, _) = connect(&cp, &sp, T + 1);
    assert!(!summary(&c).resumed);
}

#[test]
fn a_resumed_session_keeps_the_classical_groups_pq_status_honest() {
    // A classical first session (x25519 only) resumed over x25519: not post-quantum.
    let mut p = client_params();
    p.groups = vec![X25519];
    let cp = Arc::new(p);
    let sp = Arc::new(server_params());
    connect(&cp, &sp, T);
    let (c, _) = connect(&cp, &sp, T + 1);
    assert!(summary(&c).resumed);
    assert!(!summary(&c).kx_post_quantum);
    // A hybrid first session resumed over x25519 (the client offers it first now):
    // the PSK carries the hybrid exchange's protection.
    let mut p = client_params();
    p.groups = vec![X25519MLKEM768, X25519];
    let store = Arc::new(InMemoryClientSessionStore::default());
    p.session_store = Some(store.clone());
    let cp = Arc::new(p);
    connect(&cp, &sp, T);
    store.set_kx_group(&cp.session_key(&localhost()), NamedGroup::X25519);
    let (c, _) = connect(&cp, &sp, T + 1);
    let sum = summary(&c);
    assert!(sum.resumed);
    assert_eq!(sum.group, Some(NamedGroup::X25519));
    assert!(sum.kx_post_quantum);
}

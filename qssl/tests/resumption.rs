//! Session resumption through the facade's builders (RFC 8446 §2.2): what a user gets
//! by default, and what each resumption option changes, as both peers report it.
//!
//! Every connection here runs in memory between real client and server connections;
//! a connection "reads the reply" when the client processes what the server sent after
//! the handshake, which is where the server's NewSessionTickets are.

mod common;

use std::sync::Arc;

use common::*;
use qssl::crypto::rand::OS_RANDOM;
use qssl::session::{
    ClientSessionStore, ClientTicket, InMemoryClientSessionStore, InMemoryServerSessionStore,
    StatefulTickets,
};
use qssl::{
    ClientConfig, ClientConnection, NamedGroup, ServerConfig, ServerConnection,
    WebPkiClientVerifier,
};
use qssl_crypto::sign::KeyAlgorithm;

fn pki_mldsa() -> Arc<Pki> {
    pki_for(KeyAlgorithm::MlDsa65)
}

/// The default client and server builders for the test PKI.
fn builders() -> (qssl::ClientConfigBuilder, qssl::ServerConfigBuilder) {
    configs(&pki_mldsa())
}

fn new_pair(c: &Arc<ClientConfig>, s: &Arc<ServerConfig>) -> (ClientConnection, ServerConnection) {
    let client = ClientConnection::new(c.clone(), "localhost".try_into().unwrap()).unwrap();
    let server = ServerConnection::new(s.clone()).unwrap();
    (client, server)
}

/// One connection: the handshake, then a reply from the server that the client
/// reads (and with it the tickets sent before it).
fn connect(c: &Arc<ClientConfig>, s: &Arc<ServerConfig>) -> (ClientConnection, ServerConnection) {
    let (mut client, mut server) = new_pair(c, s);
    do_handshake(&mut client, &mut server);
    send_and_check(&mut server, &mut client, b"reply");
    (client, server)
}

/// One connection whose client never processes what the server sends after the
/// handshake: it receives no ticket.
fn connect_without_reading(
    c: &Arc<ClientConfig>,
    s: &Arc<ServerConfig>,
) -> (ClientConnection, ServerConnection) {
    let (mut client, mut server) = new_pair(c, s);
    let (_, flight) = handshake_flights(&mut client, &mut server);
    assert!(flight > 0);
    assert!(client.received_tickets().is_empty());
    (client, server)
}

/// The three flights of a handshake without HelloRetryRequest, and nothing after:
/// the tickets the server queues after the client's Finished stay with the server.
/// The bytes of the client's first flight and of the server's.
fn handshake_flights(
    client: &mut ClientConnection,
    server: &mut ServerConnection,
) -> (usize, usize) {
    let (hello, r) = transfer(client, server);
    r.unwrap();
    let (flight, r) = transfer(server, client);
    r.unwrap();
    let (_, r) = transfer(client, server);
    r.unwrap();
    assert!(!client.is_handshaking() && !server.is_handshaking());
    (hello, flight)
}

/// Whether each side reports a resumed handshake, client first.
fn resumed(c: &ClientConnection, s: &ServerConnection) -> (bool, bool) {
    (
        c.connection_info().unwrap().resumed,
        s.connection_info().unwrap().resumed,
    )
}

#[test]
fn default_configs_resume_the_second_connection_without_certificates() {
    let p = pki_mldsa();
    let (cb, sb) = builders();
    let (cc, sc) = (Arc::new(cb.build().unwrap()), Arc::new(sb.build().unwrap()));

    let (c1, s1) = connect(&cc, &sc);
    assert_eq!(resumed(&c1, &s1), (false, false));
    // Two tickets by default.
    assert_eq!(c1.received_tickets().len(), 2);

    // The second connection, byte by byte: the server's flight carries no
    // certificate this time.
    let (mut c2, mut s2) = new_pair(&cc, &sc);
    let (_, flight) = handshake_flights(&mut c2, &mut s2);
    assert!(
        flight < p.chain[0].as_ref().len(),
        "resumed server flight of {flight} bytes, the leaf alone is {}",
        p.chain[0].as_ref().len()
    );
    assert_eq!(resumed(&c2, &s2), (true, true));
    send_and_check(&mut c2, &mut s2, b"after resumption");
    send_and_check(&mut s2, &mut c2, b"and back");

    // What the client reports of its server is the original session's.
    assert_eq!(c2.peer_certificates(), c1.peer_certificates());
    assert_eq!(c2.peer_certificates().unwrap(), &p.chain[..]);
    let (info1, info2) = (c1.connection_info().unwrap(), c2.connection_info().unwrap());
    assert_eq!(info2.key_exchange_group, Some(NamedGroup::X25519MLKEM768));
    assert!(info2.kx_post_quantum);
    assert_eq!(info2.peer_auth_post_quantum, info1.peer_auth_post_quantum);
    assert_eq!(info2.server_signature_scheme, info1.server_signature_scheme);
}

#[test]
fn a_resumed_server_reports_the_original_client_certificate() {
    let p = pki_mldsa();
    let provider = qssl::default_crypto_provider();
    let cc = Arc::new(
        ClientConfig::builder()
            .with_root_certificates(p.roots())
            .with_client_auth_cert(p.chain.clone(), p.key())
            .build()
            .unwrap(),
    );
    let sc = Arc::new(
        ServerConfig::builder()
            .with_single_cert(p.chain.clone(), p.key())
            .with_client_cert_verifier(Arc::new(WebPkiClientVerifier::new(
                p.roots(),
                &provider,
                true,
            )))
            .build()
            .unwrap(),
    );
    let (c1, s1) = connect(&cc, &sc);
    assert_eq!(resumed(&c1, &s1), (false, false));
    let (c2, s2) = connect(&cc, &sc);
    assert_eq!(resumed(&c2, &s2), (true, true));
    assert_eq!(s2.peer_certificates(), s1.peer_certificates());
    assert_eq!(s2.peer_certificates().unwrap(), &p.chain[..]);
    assert_eq!(
        s2.connection_info().unwrap().peer_auth_post_quantum,
        s1.connection_info().unwrap().peer_auth_post_quantum
    );
}

#[test]
fn a_client_that_never_reads_after_the_handshake_does_not_resume() {
    let (cb, sb) = builders();
    let (cc, sc) = (Arc::new(cb.build().unwrap()), Arc::new(sb.build().unwrap()));
    connect_without_reading(&cc, &sc);
    let (c, s) = connect(&cc, &sc);
    assert_eq!(resumed(&c, &s), (false, false));
    // Reading once is enough for the next one.
    let (c, s) = connect(&cc, &sc);
    assert_eq!(resumed(&c, &s), (true, true));
}

#[test]
fn without_resumption_on_the_client_never_resumes() {
    let (cb, sb) = builders();
    let cc = Arc::new(cb.without_resumption().build().unwrap());
    let sc = Arc::new(sb.build().unwrap());
    assert!(cc.params().session_store.is_none());
    for _ in 0..3 {
        let (c, s) = connect(&cc, &sc);
        // The server sent its tickets; the client kept none to offer.
        assert_eq!(c.received_tickets().len(), 2);
        assert_eq!(resumed(&c, &s), (false, false));
    }
}

#[test]
fn without_resumption_on_the_server_issues_and_redeems_nothing() {
    let (cb, sb) = builders();
    let cc = Arc::new(cb.build().unwrap());
    let sc = Arc::new(sb.without_resumption().build().unwrap());
    for _ in 0..3 {
        let (c, s) = connect(&cc, &sc);
        assert!(c.received_tickets().is_empty());
        assert_eq!(resumed(&c, &s), (false, false));
    }
}

#[test]
fn ticket_count_zero_sends_no_ticket_and_never_resumes() {
    let (cb, sb) = builders();
    let cc = Arc::new(cb.build().unwrap());
    let sc = Arc::new(sb.with_ticket_count(0).build().unwrap());
    for _ in 0..3 {
        let (c, s) = connect(&cc, &sc);
        assert!(c.received_tickets().is_empty());
        assert_eq!(resumed(&c, &s), (false, false));
    }
    // Any other count is what the client receives.
    let (cb, sb) = builders();
    let sc = Arc::new(sb.with_ticket_count(5).build().unwrap());
    let (c, _) = connect(&Arc::new(cb.build().unwrap()), &sc);
    assert_eq!(c.received_tickets().len(), 5);
}

#[test]
fn a_store_shared_by_two_client_configs_resumes_across_them() {
    let store = Arc::new(InMemoryClientSessionStore::default());
    let (cb, sb) = builders();
    let sc = Arc::new(sb.build().unwrap());
    let first = Arc::new(cb.with_session_store(store.clone()).build().unwrap());
    let (cb, _) = builders();
    let second = Arc::new(cb.with_session_store(store.clone()).build().unwrap());
    let (cb, _) = builders();
    let unshared = Arc::new(cb.build().unwrap());

    let (c, s) = connect(&first, &sc);
    assert_eq!(resumed(&c, &s), (false, false));
    assert_eq!(store.len(), 1, "one server remembered");
    // A configuration with its own store has nothing to offer.
    let (c, s) = connect(&unshared, &sc);
    assert_eq!(resumed(&c, &s), (false, false));
    // One built with the shared store resumes the first's session.
    let (c, s) = connect(&second, &sc);
    assert_eq!(resumed(&c, &s), (true, true));
}

#[test]
fn psk_ke_only_when_both_sides_allow_it() {
    for (client_ke, server_ke, expect_group) in [
        (true, true, None),
        (true, false, Some(NamedGroup::X25519MLKEM768)),
        (false, true, Some(NamedGroup::X25519MLKEM768)),
        (false, false, Some(NamedGroup::X25519MLKEM768)),
    ] {
        let (cb, sb) = builders();
        let cc = Arc::new(cb.with_psk_ke(client_ke).build().unwrap());
        let sc = Arc::new(sb.with_psk_ke(server_ke).build().unwrap());
        assert_eq!(cc.params().psk_ke, client_ke);
        assert_eq!(sc.params().psk_ke, server_ke);
        // A full handshake always runs the key exchange.
        let (c, s) = connect(&cc, &sc);
        assert_eq!(resumed(&c, &s), (false, false));
        assert_eq!(
            c.connection_info().unwrap().key_exchange_group,
            Some(NamedGroup::X25519MLKEM768)
        );
        let (mut c, mut s) = connect(&cc, &sc);
        let what = format!("client psk_ke {client_ke}, server psk_ke {server_ke}");
        assert_eq!(resumed(&c, &s), (true, true), "{what}");
        for info in [c.connection_info().unwrap(), s.connection_info().unwrap()] {
            assert_eq!(info.key_exchange_group, expect_group, "{what}");
            // The PSK came from a hybrid key exchange either way.
            assert!(info.kx_post_quantum, "{what}");
        }
        send_and_check(&mut c, &mut s, b"psk");
        send_and_check(&mut s, &mut c, b"psk back");
    }
}

/// Full handshake with a server issuing one ticket; then that ticket is put back in
/// the client's store twice (as a client that kept a copy would) and offered by the
/// next two connections, which do not read the server's new tickets. Whether each of
/// the two resumes.
fn redeem_one_ticket_twice(server: ServerConfig) -> (bool, bool) {
    let store = Arc::new(InMemoryClientSessionStore::default());
    let (cb, _) = builders();
    let cc = Arc::new(cb.with_session_store(store.clone()).build().unwrap());
    let sc = Arc::new(server);
    let (c, s) = connect(&cc, &sc);
    assert_eq!(resumed(&c, &s), (false, false));
    assert_eq!(c.received_tickets().len(), 1);

    // The store keeps sessions under the server name bound to the verifier.
    let key = cc.params().session_key(&"localhost".try_into().unwrap());
    assert!(key.starts_with("localhost#"));
    let ticket = store.take_ticket(&key, now()).expect("the ticket");
    assert!(store.take_ticket(&key, now()).is_none());
    for _ in 0..2 {
        store.insert_ticket(
            &key,
            ClientTicket {
                value: ticket.value.clone(),
                expires_at: ticket.expires_at,
            },
        );
    }
    let (c, s) = connect_without_reading(&cc, &sc);
    let first = resumed(&c, &s);
    let (c, s) = connect_without_reading(&cc, &sc);
    let second = resumed(&c, &s);
    assert_eq!(first.0, first.1, "the two sides disagree");
    assert_eq!(second.0, second.1, "the two sides disagree");
    (first.0, second.0)
}

#[test]
fn stateful_tickets_resume_once_each() {
    let ticketer = Arc::new(StatefulTickets::new(
        InMemoryServerSessionStore::default(),
        3600,
        OS_RANDOM,
    ));
    let (_, sb) = builders();
    let server = sb
        .with_ticketer(ticketer.clone())
        .with_ticket_count(1)
        .build()
        .unwrap();
    assert_eq!(redeem_one_ticket_twice(server), (true, false));
    // The second connection's server issued a ticket its client never read: it waits
    // in the server's store, the redeemed one is gone.
    assert_eq!(ticketer.store().len(), 2);
}

/// The contrast that makes the test above meaningful: a stateless ticket carries its
/// session, so the server alone cannot refuse a copy (the client's store is what uses
/// each ticket once).
#[test]
fn a_stateless_ticket_offered_twice_resumes_twice() {
    let (_, sb) = builders();
    let server = sb.with_ticket_count(1).build().unwrap();
    assert_eq!(redeem_one_ticket_twice(server), (true, true));
}

#[test]
fn a_ticketer_shared_by_two_server_configs_resumes_across_them() {
    let ring = Arc::new(qssl::session::TicketKeyRing::with_defaults().unwrap());
    let (cb, sb) = builders();
    let cc = Arc::new(cb.build().unwrap());
    let issuer = Arc::new(sb.with_ticketer(ring.clone()).build().unwrap());
    let (_, sb) = builders();
    // Issues no ticket of its own, but redeems the shared ring's.
    let redeemer = Arc::new(sb.with_ticketer(ring).with_ticket_count(0).build().unwrap());
    let (_, sb) = builders();
    let stranger = Arc::new(sb.build().unwrap());

    connect(&cc, &issuer);
    // A server with its own key ring cannot open the ticket: a full handshake (whose
    // tickets the client does not read, so the shared ring's second ticket is next).
    let (c, s) = connect_without_reading(&cc, &stranger);
    assert_eq!(resumed(&c, &s), (false, false));
    let (c, s) = connect(&cc, &redeemer);
    assert_eq!(resumed(&c, &s), (true, true));
}

/// A store shared by configurations that trust different roots: a session one of
/// them verified never resumes under the other (it would skip the other's
/// certificate check); configurations with the same roots share sessions.
#[test]
fn a_shared_store_never_resumes_across_configs_that_trust_different_servers() {
    let store = Arc::new(InMemoryClientSessionStore::default());
    let pki = pki_mldsa();
    let (cb, sb) = configs(&pki);
    let trusting = Arc::new(cb.with_session_store(store.clone()).build().unwrap());
    let server = Arc::new(sb.build().unwrap());
    let (c, _) = connect(&trusting, &server);
    assert!(!c.connection_info().unwrap().resumed);

    // Another root store (another PKI's root as well): a different verifier.
    let other = pki_for(KeyAlgorithm::EcdsaP256);
    let mut roots = qssl::RootCertStore::new();
    roots.add(pki.root.clone()).unwrap();
    roots.add(other.root.clone()).unwrap();
    let wider = Arc::new(
        ClientConfig::builder()
            .with_root_certificates(Arc::new(roots))
            .with_session_store(store.clone())
            .build()
            .unwrap(),
    );
    let (c, _) = connect(&wider, &server);
    assert!(
        !c.connection_info().unwrap().resumed,
        "a session verified under other roots resumed"
    );
    // The same roots again, in a new configuration sharing the store: resumes.
    let (cb, _) = configs(&pki);
    let same = Arc::new(cb.with_session_store(store).build().unwrap());
    let (c, _) = connect(&same, &server);
    assert!(c.connection_info().unwrap().resumed);
}

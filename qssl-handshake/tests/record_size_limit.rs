//! RFC 8449 §4: an endpoint may hold its peer to its own record_size_limit only
//! once the peer has sent the extension too (a client learns a server's support
//! from EncryptedExtensions). Peers without RFC 8449 — OpenSSL 3.6 and rustls
//! 0.23 among them — send full 16 KiB records, and Q-SSL configured with a limit
//! used to refuse them with record_overflow (found by the qssl-interop matrix).
//!
//! The state machines are driven against each other directly (messages handed
//! over through a `HandshakeJoiner`, no record layer); the test reads the
//! record_size_limit of every read key they install.

use std::sync::Arc;

use qssl_crypto::keys;
use qssl_crypto::pki::{self, CertificateParams, KeySigner};
use qssl_crypto::provider::default_provider;

use qssl_crypto::sign::{KeyAlgorithm, SigningKey};
use qssl_handshake::verify::danger::NoServerVerification;
use qssl_handshake::verify::{CertificateDer, ServerName, UnixTime};
use qssl_handshake::{
    Action, CertificateSet, CertifiedKey, ClientParams, DecodeLimits, HandshakeJoiner,
    ServerParams, StateMachine,
};

fn params(
    client_limit: Option<u16>,
    server_limit: Option<u16>,
) -> (Arc<ClientParams>, Arc<ServerParams>) {
    let provider = default_provider();
    let now = UnixTime::now().as_secs();
    let key = keys::generate(KeyAlgorithm::EcdsaP256).unwrap();
    let mut p = CertificateParams::new("localhost", &[1], now - 60, now + 3600);
    p.dns_names = vec!["localhost".into()];
    let cert = pki::self_signed(&p, &KeySigner(&key)).unwrap();
    let client = {
        let mut p = ClientParams::new(
            Arc::new(default_provider()),
            Arc::new(NoServerVerification::new(&provider)),
        );
        p.suites = provider.tls13_cipher_suites.clone();
        p.groups = provider.kx_groups.clone();
        p.record_size_limit = client_limit;
        p
    };
    let key: Arc<dyn SigningKey> = Arc::new(key);
    let server = {
        let mut p = ServerParams::new(
            Arc::new(default_provider()),
            Arc::new(
                CertificateSet::new(
                    vec![CertifiedKey::new(vec![CertificateDer::from(cert.der)], key)],
                    &qssl_crypto::provider::default_provider(),
                )
                .unwrap(),
            ),
        )
        .unwrap();
        p.suites = provider.tls13_cipher_suites.clone();
        p.groups = provider.kx_groups.clone();
        p.record_size_limit = server_limit;
        p
    };
    (Arc::new(client), Arc::new(server))
}

/// Moves `actions`' handshake bytes into `joiner` and notes the read keys' limits.
fn take(
    actions: &mut Vec<Action>,
    joiner: &mut HandshakeJoiner,
    read_limits: &mut Vec<Option<u16>>,
) {
    for action in actions.drain(..) {
        match action {
            Action::SendHandshake { bytes, .. } => joiner.push(&bytes).unwrap(),
            Action::SetReadKey(key) => read_limits.push(key.record_size_limit()),
            _ => {}
        }
    }
}

/// Runs a full handshake; the read limits each side installed, in order
/// (handshake key, then application key).
fn read_limits(
    client_limit: Option<u16>,
    server_limit: Option<u16>,
) -> (Vec<Option<u16>>, Vec<Option<u16>>) {
    let (cp, sp) = params(client_limit, server_limit);
    let now = UnixTime::now();
    let (mut to_server, mut to_client) = (
        HandshakeJoiner::new(DecodeLimits::default()),
        HandshakeJoiner::new(DecodeLimits::default()),
    );
    let (mut client_reads, mut server_reads) = (Vec::new(), Vec::new());
    let mut out = Vec::new();
    let mut client = StateMachine::client(
        cp,
        ServerName::try_from("localhost").unwrap(),
        now,
        &mut out,
    )
    .unwrap();
    let mut server = StateMachine::server(sp);
    take(&mut out, &mut to_server, &mut client_reads);
    for _ in 0..4 {
        while let Some(m) = to_server.pop() {
            server.handle(&m, now, &mut out).unwrap();
        }
        take(&mut out, &mut to_client, &mut server_reads);
        while let Some(m) = to_client.pop() {
            client.handle(&m, now, &mut out).unwrap();
        }
        take(&mut out, &mut to_server, &mut client_reads);
    }
    assert!(!client.is_handshaking() && !server.is_handshaking());
    (client_reads, server_reads)
}

#[test]
fn client_limit_is_not_enforced_on_a_server_without_rfc8449() {
    // The server has no limit of its own and so (like OpenSSL and rustls) sends
    // no record_size_limit back: it never agreed to the client's 1024.
    let (client, server) = read_limits(Some(1024), None);
    assert_eq!(client, [None, None]);
    assert_eq!(server, [None, None]);
}

#[test]
fn server_limit_is_not_enforced_on_a_client_without_rfc8449() {
    let (client, server) = read_limits(None, Some(1024));
    assert_eq!(client, [None, None]);
    assert_eq!(server, [None, None]);
}

#[test]
fn negotiated_limits_are_enforced() {
    // The client cannot apply its limit to the flight that says whether the
    // server agreed, so its handshake key has none; its application key has it.
    let (client, server) = read_limits(Some(512), Some(1024));
    assert_eq!(client, [None, Some(512)]);
    assert_eq!(server, [Some(1024), Some(1024)]);
}

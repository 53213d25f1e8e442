//! Rules of the state machines, driven directly (no record layer): a message of the wrong
//! type is unexpected_message whatever its body (RFC 8446 §6); a default HelloRetryRequest
//! carries no cookie, while with stateless retry the cookie (RFC 8446 §4.2.2) round-trips,
//! lets a fresh server finish the handshake, and is refused with illegal_parameter when
//! the second ClientHello drops or alters it; a cookie or message too large for its
//! length prefix is refused, never mis-encoded.

use std::sync::Arc;
use std::time::Duration;

use qssl_alert::AlertDescription;
use qssl_crypto::ids::NamedGroup;
use qssl_crypto::keys;
use qssl_crypto::kx::{SECP256R1, X25519};
use qssl_crypto::pki::{self, CertificateParams, KeySigner};
use qssl_crypto::provider::default_provider;
use qssl_crypto::sign::KeyAlgorithm;
use qssl_crypto::suites::ALL_TLS13_SUITES;
use qssl_handshake::verify::danger::NoServerVerification;
use qssl_handshake::{
    Action, CertificateDer, CertificateSet, CertifiedKey, ClientParams, Error, Extension,
    ExtensionType, HandshakeJoiner, HandshakeMessage, HandshakeType, HrrCookieKey, PeerMisbehaved,
    RawHandshake, ServerName, ServerParams, StateMachine, UnixTime,
};

const NOW: u64 = 1_750_000_000;

fn now() -> UnixTime {
    UnixTime::since_unix_epoch(Duration::from_secs(NOW))
}

fn client_params(groups: Vec<&'static dyn qssl_crypto::kx::SupportedKxGroup>) -> Arc<ClientParams> {
    let provider = default_provider();
    let verifier = Arc::new(NoServerVerification::new(&provider));
    Arc::new({
        let mut p = ClientParams::new(Arc::new(provider), verifier);
        p.suites = ALL_TLS13_SUITES.to_vec();
        p.groups = groups;
        p
    })
}

fn server_params(groups: Vec<&'static dyn qssl_crypto::kx::SupportedKxGroup>) -> Arc<ServerParams> {
    let key = keys::generate(KeyAlgorithm::Ed25519).unwrap();
    let mut p = CertificateParams::new("rules.example", &[7], NOW - 60, NOW + 3600);
    p.dns_names = vec!["rules.example".into()];
    let cert = pki::self_signed(&p, &KeySigner(&key)).unwrap();
    Arc::new({
        let mut p = ServerParams::new(
            Arc::new(default_provider()),
            Arc::new(
                CertificateSet::new(
                    vec![CertifiedKey::new(
                        vec![CertificateDer::from(cert.der)],
                        Arc::new(key),
                    )],
                    &qssl_crypto::provider::default_provider(),
                )
                .unwrap(),
            ),
        )
        .unwrap();
        p.suites = ALL_TLS13_SUITES.to_vec();
        p.groups = groups;
        p
    })
}

fn name() -> ServerName<'static> {
    ServerName::try_from("rules.example").unwrap()
}

/// The handshake messages among `actions`, as the peer would receive them.
fn sent(actions: impl AsRef<[Action]>) -> Vec<RawHandshake> {
    let mut j = HandshakeJoiner::new(Default::default());
    for a in actions.as_ref() {
        if let Action::SendHandshake { bytes, .. } = a {
            j.push(bytes).unwrap();
        }
    }
    let mut v = Vec::new();
    while let Some(m) = j.pop() {
        v.push(m);
    }
    v
}

/// One raw message: type, then a body taken as is (possibly unparseable).
fn raw(typ: HandshakeType, body: &[u8]) -> RawHandshake {
    let mut bytes = vec![typ.0, 0, 0, body.len() as u8];
    bytes.extend_from_slice(body);
    let mut j = HandshakeJoiner::new(Default::default());
    j.push(&bytes).unwrap();
    j.pop().unwrap()
}

// ------------------------------------------------ type before body (§6)

/// A body no message of these types can parse: a length prefix running past the end.
const GARBAGE: &[u8] = &[0xff, 0xff, 0xff];

#[test]
fn wrong_type_with_garbage_body_is_unexpected_message_on_the_client() {
    for typ in [
        HandshakeType::CERTIFICATE_VERIFY,
        HandshakeType::ENCRYPTED_EXTENSIONS,
        HandshakeType::CLIENT_HELLO,
        HandshakeType::NEW_SESSION_TICKET,
        HandshakeType(99), // unknown type
    ] {
        let mut out = Vec::new();
        let mut client =
            StateMachine::client(client_params(vec![X25519]), name(), now(), &mut out).unwrap();
        let err = client
            .handle(&raw(typ, GARBAGE), now(), &mut out)
            .unwrap_err();
        assert_eq!(
            err,
            Error::PeerMisbehaved(PeerMisbehaved::UnexpectedMessage(typ)),
            "{typ:?}"
        );
        assert_eq!(err.alert(), AlertDescription::UNEXPECTED_MESSAGE);
        // The machine is spent: it takes nothing more (the connection that drives it
        // keeps the first error; `connection_core.rs` checks that it sticks).
        let again = client.handle(&raw(HandshakeType::SERVER_HELLO, &[]), now(), &mut out);
        assert!(matches!(again, Err(Error::Misuse(_))), "{again:?}");
    }
    // Control: the expected type with the same body is a decode error.
    let mut out = Vec::new();
    let mut client =
        StateMachine::client(client_params(vec![X25519]), name(), now(), &mut out).unwrap();
    let err = client
        .handle(&raw(HandshakeType::SERVER_HELLO, GARBAGE), now(), &mut out)
        .unwrap_err();
    assert_eq!(err.alert(), AlertDescription::DECODE_ERROR);
}

#[test]
fn wrong_type_with_garbage_body_is_unexpected_message_on_the_server() {
    for typ in [
        HandshakeType::SERVER_HELLO,
        HandshakeType::CERTIFICATE,
        HandshakeType::KEY_UPDATE,
        HandshakeType(99),
    ] {
        let mut server = StateMachine::server(server_params(vec![X25519]));
        let mut out = Vec::new();
        let err = server
            .handle(&raw(typ, GARBAGE), now(), &mut out)
            .unwrap_err();
        assert_eq!(
            err,
            Error::PeerMisbehaved(PeerMisbehaved::UnexpectedMessage(typ)),
            "{typ:?}"
        );
        assert_eq!(err.alert(), AlertDescription::UNEXPECTED_MESSAGE);
    }
    let mut server = StateMachine::server(server_params(vec![X25519]));
    let mut out = Vec::new();
    let err = server
        .handle(&raw(HandshakeType::CLIENT_HELLO, GARBAGE), now(), &mut out)
        .unwrap_err();
    assert_eq!(err.alert(), AlertDescription::DECODE_ERROR);
}

/// After the server's flight the server expects the client Finished: a garbage
/// CertificateVerify (client auth not requested) is unexpected_message, not decode_error.
#[test]
fn wrong_type_mid_handshake_is_unexpected_message() {
    let mut out = Vec::new();
    let _client =
        StateMachine::client(client_params(vec![X25519]), name(), now(), &mut out).unwrap();
    let ch = sent(out);
    let mut server = StateMachine::server(server_params(vec![X25519]));
    let mut out = Vec::new();
    server.handle(&ch[0], now(), &mut out).unwrap();
    let err = server
        .handle(
            &raw(HandshakeType::CERTIFICATE_VERIFY, GARBAGE),
            now(),
            &mut out,
        )
        .unwrap_err();
    assert_eq!(err.alert(), AlertDescription::UNEXPECTED_MESSAGE);
}

// --------------------------------------------- HelloRetryRequest and its cookie

/// `server_params` with stateless HelloRetryRequest on.
fn stateless_params(
    groups: Vec<&'static dyn qssl_crypto::kx::SupportedKxGroup>,
) -> Arc<ServerParams> {
    let mut p = Arc::unwrap_or_clone(server_params(groups));
    p.stateless_retry = true;
    Arc::new(p)
}

/// The HelloRetryRequest among `hrr` (the server's answer to ClientHello1).
fn the_hrr(hrr: &[RawHandshake]) -> qssl_handshake::ServerHello {
    let [hrr] = hrr else { panic!("one HRR") };
    let HandshakeMessage::ServerHello(sh) = hrr.parse().unwrap() else {
        panic!("HRR")
    };
    assert!(sh.is_hello_retry_request());
    sh
}

/// Client: x25519 share, secp256r1 also supported; server: secp256r1 only, so it asks
/// for a retry. Returns the client after CH2, the server waiting for CH2, the HRR's
/// cookie (if any), CH2's bytes and the server's actions after ClientHello1.
fn until_second_hello(
    server_params: Arc<ServerParams>,
) -> (
    StateMachine,
    StateMachine,
    Option<Vec<u8>>,
    RawHandshake,
    Vec<Action>,
) {
    let mut out = Vec::new();
    let mut client = StateMachine::client(
        client_params(vec![X25519, SECP256R1]),
        name(),
        now(),
        &mut out,
    )
    .unwrap();
    let ch1 = sent(out);
    let stateless = server_params.stateless_retry;
    let mut server = StateMachine::server(server_params);
    let mut hrr_actions = Vec::new();
    server.handle(&ch1[0], now(), &mut hrr_actions).unwrap();
    let hrr = sent(&hrr_actions);
    let cookie = match the_hrr(&hrr).extension(ExtensionType::COOKIE) {
        Some(Extension::Cookie(c)) => Some(c.clone()),
        _ => None,
    };
    if stateless {
        // suite ‖ group ‖ Hash(ClientHello1) under SHA-256 (the chosen suite's) ‖ tag.
        let c = cookie.as_ref().expect("a stateless HRR carries a cookie");
        assert_eq!(
            c.len(),
            HrrCookieKey::PREFIX_LEN + 32 + HrrCookieKey::TAG_LEN
        );
    } else {
        assert_eq!(cookie, None, "a stateful HRR carries no cookie");
    }
    let mut out = Vec::new();
    client.handle(&hrr[0], now(), &mut out).unwrap();
    let ch2 = sent(out);
    let [ch2] = &ch2[..] else { panic!("one CH2") };
    (client, server, cookie, ch2.clone(), hrr_actions)
}

fn cookie_of(ch: &RawHandshake) -> Option<Vec<u8>> {
    let HandshakeMessage::ClientHello(ch) = ch.parse().unwrap() else {
        panic!("ClientHello")
    };
    match ch.extension(ExtensionType::COOKIE) {
        Some(Extension::Cookie(c)) => Some(c.clone()),
        _ => None,
    }
}

/// `ch` re-encoded after `f` changed it.
fn edited(ch: &RawHandshake, f: impl FnOnce(&mut qssl_handshake::ClientHello)) -> RawHandshake {
    let HandshakeMessage::ClientHello(mut hello) = ch.parse().unwrap() else {
        panic!("ClientHello")
    };
    f(&mut hello);
    received(HandshakeMessage::ClientHello(hello))
}

/// CH2 with its cookie replaced by `cookie` (`None`: removed).
fn with_cookie(ch2: &RawHandshake, cookie: Option<Vec<u8>>) -> RawHandshake {
    edited(ch2, |ch| {
        ch.extensions.retain(|e| e.typ() != ExtensionType::COOKIE);
        ch.extensions.extend(cookie.map(Extension::Cookie));
    })
}

/// Runs the rest of the handshake: `server` takes CH2, the client its flight, `server`
/// the client's Finished. Returns the server's summary and its actions on CH2.
fn finish(
    mut client: StateMachine,
    server: &mut StateMachine,
    ch2: &RawHandshake,
) -> (Box<qssl_handshake::HandshakeSummary>, Vec<Action>) {
    let mut on_ch2 = Vec::new();
    server.handle(ch2, now(), &mut on_ch2).unwrap();
    let flight = sent(&on_ch2);
    assert_eq!(
        flight.len(),
        5,
        "SH, EE, Certificate, CertificateVerify, Finished"
    );
    let mut out = Vec::new();
    for m in &flight {
        client.handle(m, now(), &mut out).unwrap();
    }
    assert!(!client.is_handshaking());
    let fin = sent(out);
    let mut out = Vec::new();
    server.handle(&fin[0], now(), &mut out).unwrap();
    assert!(!server.is_handshaking());
    let summary = out
        .into_iter()
        .find_map(|a| match a {
            Action::HandshakeComplete(s) => Some(s),
            _ => None,
        })
        .unwrap();
    (summary, on_ch2)
}

fn count_ccs(actions: &[Action]) -> usize {
    actions
        .iter()
        .filter(|a| matches!(a, Action::SendChangeCipherSpec))
        .count()
}

/// The default (issue 8 item 13): the HelloRetryRequest carries no cookie, the second
/// ClientHello none either, and the handshake completes on the state the server kept.
#[test]
fn default_hrr_has_no_cookie_and_completes_without_one() {
    let params = server_params(vec![SECP256R1]);
    assert!(!params.stateless_retry);
    let (client, mut server, cookie, ch2, hrr_actions) = until_second_hello(params);
    assert_eq!(cookie, None);
    let hrr = the_hrr(&sent(&hrr_actions));
    let types: Vec<_> = hrr.extensions.iter().map(Extension::typ).collect();
    assert_eq!(
        types,
        [ExtensionType::SUPPORTED_VERSIONS, ExtensionType::KEY_SHARE]
    );
    assert_eq!(cookie_of(&ch2), None);
    // Middlebox compatibility: one CCS, after the HRR, none after the ServerHello.
    assert_eq!(count_ccs(&hrr_actions), 1);
    let (summary, on_ch2) = finish(client, &mut server, &ch2);
    assert_eq!(count_ccs(&on_ch2), 0);
    assert!(summary.hello_retry_request);
    assert_eq!(summary.group, Some(NamedGroup::SECP256R1));
}

/// Stateless: the cookie comes back in CH2 and the handshake completes on the same
/// connection, the transcript rebuilt from it.
#[test]
fn stateless_hrr_cookie_round_trips_to_a_complete_handshake() {
    let (client, mut server, cookie, ch2, hrr_actions) =
        until_second_hello(stateless_params(vec![SECP256R1]));
    assert_eq!(cookie_of(&ch2), cookie);
    assert_eq!(count_ccs(&hrr_actions), 1);
    let (summary, on_ch2) = finish(client, &mut server, &ch2);
    assert_eq!(count_ccs(&on_ch2), 0, "the CCS already followed the HRR");
    assert!(summary.hello_retry_request);
    assert_eq!(summary.group, Some(NamedGroup::SECP256R1));
}

/// The proof that stateless retry keeps no handshake state: CH2 goes to a FRESH server
/// of the same configuration, which never saw ClientHello1 or sent the HRR, and the
/// handshake completes (the client checks the server's Finished over its own
/// transcript, so the fresh server rebuilt message_hash ‖ HRR byte for byte). A fresh
/// server of another configuration (another cookie key) refuses the same CH2.
#[test]
fn stateless_second_hello_completes_on_a_fresh_server() {
    let params = stateless_params(vec![SECP256R1]);
    let (client, _first_server, _, ch2, _) = until_second_hello(params.clone());
    let mut fresh = StateMachine::server(params);
    let (summary, on_ch2) = finish(client, &mut fresh, &ch2);
    assert!(summary.hello_retry_request);
    assert_eq!(summary.group, Some(NamedGroup::SECP256R1));
    assert_eq!(
        count_ccs(&on_ch2),
        0,
        "the client had its CCS after the HRR"
    );

    let (_, _, _, ch2, _) = until_second_hello(stateless_params(vec![SECP256R1]));
    let mut other = StateMachine::server(stateless_params(vec![SECP256R1]));
    let mut out = Vec::new();
    let err = other.handle(&ch2, now(), &mut out).unwrap_err();
    assert_eq!(err, Error::PeerMisbehaved(PeerMisbehaved::BadCookie));
    assert_eq!(err.alert(), AlertDescription::ILLEGAL_PARAMETER);
    assert!(out.is_empty());
}

/// Stateless: a second ClientHello whose cookie is missing, altered, truncated, from
/// another handshake or under another key, or whose random or session id differ from
/// ClientHello1's (both are bound by the tag), is BadCookie → illegal_parameter, on the
/// connection that sent the HRR and on a fresh one; nothing is sent.
#[test]
fn stateless_hrr_cookie_missing_or_altered_is_illegal_parameter() {
    let params = stateless_params(vec![SECP256R1]);
    // A cookie our key made, but in another handshake (another ClientHello1).
    let (_, _, other_cookie, _, _) = until_second_hello(params.clone());
    // A cookie of the right shape under another server's key.
    let (_, _, foreign_cookie, _, _) = until_second_hello(stateless_params(vec![SECP256R1]));
    let (other_cookie, foreign_cookie) = (other_cookie.unwrap(), foreign_cookie.unwrap());

    type Rewrite = Box<dyn Fn(&RawHandshake, &[u8]) -> RawHandshake>;
    let flip = |at: fn(usize) -> usize, bit: u8| -> Rewrite {
        Box::new(move |ch2: &RawHandshake, c: &[u8]| {
            let mut c = c.to_vec();
            let i = at(c.len());
            c[i] ^= bit;
            with_cookie(ch2, Some(c))
        })
    };
    // Each rewrite applies to the CH2 and cookie of the handshake it is tried in.
    let cases: Vec<(&str, Rewrite, bool)> = vec![
        ("missing", Box::new(|ch2, _| with_cookie(ch2, None)), false),
        ("suite byte flipped", flip(|_| 1, 1), true),
        ("group byte flipped", flip(|_| 3, 1), true),
        ("hash byte flipped", flip(|_| 4, 1), true),
        ("tag byte flipped", flip(|n| n - 1, 0x80), true),
        (
            "truncated",
            Box::new(|ch2, c| with_cookie(ch2, Some(c[..c.len() - 1].to_vec()))),
            true,
        ),
        (
            "tag only",
            Box::new(|ch2, c| with_cookie(ch2, Some(c[c.len() - 32..].to_vec()))),
            true,
        ),
        (
            "from another handshake",
            Box::new(move |ch2, _| with_cookie(ch2, Some(other_cookie.clone()))),
            true,
        ),
        (
            "under another key",
            Box::new(move |ch2, _| with_cookie(ch2, Some(foreign_cookie.clone()))),
            true,
        ),
        (
            "another client random",
            Box::new(|ch2, _| edited(ch2, |ch| ch.random[0] ^= 1)),
            true,
        ),
        (
            "another session id",
            Box::new(|ch2, _| edited(ch2, |ch| ch.session_id[0] ^= 1)),
            true,
        ),
    ];
    for (what, rewrite, on_fresh) in &cases {
        let (_, server, cookie, ch2, _) = until_second_hello(params.clone());
        let bad = rewrite(&ch2, &cookie.unwrap());
        // The connection that sent the HRR, and (where the hello still has a cookie to
        // judge) a fresh one of the same configuration.
        let mut servers = vec![("same connection", server)];
        if *on_fresh {
            servers.push(("fresh server", StateMachine::server(params.clone())));
        }
        for (which, mut server) in servers {
            let mut out = Vec::new();
            let err = server.handle(&bad, now(), &mut out).unwrap_err();
            assert_eq!(
                err,
                Error::PeerMisbehaved(PeerMisbehaved::BadCookie),
                "{what}, {which}"
            );
            assert_eq!(
                err.alert(),
                AlertDescription::ILLEGAL_PARAMETER,
                "{what}, {which}"
            );
            assert!(out.is_empty(), "{what}, {which}: nothing sent");
        }
    }
    // Control: the same re-encoding keeping everything as sent is accepted.
    let (_, mut server, cookie, ch2, _) = until_second_hello(params);
    let mut out = Vec::new();
    server
        .handle(&with_cookie(&ch2, cookie), now(), &mut out)
        .unwrap();
}

/// A ClientHello1 carrying a cookie (RFC 8446 §4.2.2: clients MUST NOT). With stateless
/// retry off the server ignores it, as any extension it does not use, and answers as
/// usual; with it on, the cookie is judged: one we did not make is BadCookie.
#[test]
fn cookie_in_a_first_client_hello_is_ignored_unless_stateless() {
    for (stateless, groups, expect_hrr) in
        [(false, vec![X25519], false), (false, vec![SECP256R1], true)]
    {
        let mut out = Vec::new();
        let _client = StateMachine::client(
            client_params(vec![X25519, SECP256R1]),
            name(),
            now(),
            &mut out,
        )
        .unwrap();
        let ch1 = with_cookie(&sent(out)[0], Some(vec![0x5a; 68]));
        let params = if stateless {
            stateless_params(groups)
        } else {
            server_params(groups)
        };
        let mut server = StateMachine::server(params);
        let mut out = Vec::new();
        server.handle(&ch1, now(), &mut out).unwrap();
        let HandshakeMessage::ServerHello(sh) = sent(out)[0].parse().unwrap() else {
            panic!("ServerHello")
        };
        assert_eq!(sh.is_hello_retry_request(), expect_hrr);
        assert_eq!(sh.extension(ExtensionType::COOKIE), None);
    }
    for groups in [vec![X25519], vec![SECP256R1]] {
        let mut out = Vec::new();
        let _client = StateMachine::client(
            client_params(vec![X25519, SECP256R1]),
            name(),
            now(),
            &mut out,
        )
        .unwrap();
        let ch1 = with_cookie(&sent(out)[0], Some(vec![0x5a; 68]));
        let mut server = StateMachine::server(stateless_params(groups));
        let mut out = Vec::new();
        let err = server.handle(&ch1, now(), &mut out).unwrap_err();
        assert_eq!(err, Error::PeerMisbehaved(PeerMisbehaved::BadCookie));
        assert_eq!(err.alert(), AlertDescription::ILLEGAL_PARAMETER);
        assert!(out.is_empty());
    }
}

// ------------------------------- lengths our encoder cannot express (issue 8 item 6)

/// `msg` as the peer's state machine receives it: encoded, then through a joiner
/// (without the connection's 64 KiB cap: these tests probe the state machine).
fn received(msg: HandshakeMessage) -> RawHandshake {
    let bytes = msg.to_bytes().unwrap();
    let mut j = HandshakeJoiner::new(qssl_handshake::DecodeLimits {
        max_message_len: 1 << 20,
        max_certificate_message_len: 1 << 20,
    });
    j.push(&bytes).unwrap();
    j.pop().unwrap()
}

/// A fresh client (x25519 share, secp256r1 supported) and the HelloRetryRequest a
/// secp256r1-only server answers it with, its cookie (if any) replaced by `cookie`.
fn client_and_hrr_with_cookie(cookie: Vec<u8>) -> (StateMachine, RawHandshake) {
    let mut out = Vec::new();
    let client = StateMachine::client(
        client_params(vec![X25519, SECP256R1]),
        name(),
        now(),
        &mut out,
    )
    .unwrap();
    let ch1 = sent(out);
    let mut server = StateMachine::server(server_params(vec![SECP256R1]));
    let mut out = Vec::new();
    server.handle(&ch1[0], now(), &mut out).unwrap();
    let HandshakeMessage::ServerHello(mut hrr) = sent(out)[0].parse().unwrap() else {
        panic!("HRR")
    };
    assert!(hrr.is_hello_retry_request());
    hrr.extensions.retain(|e| e.typ() != ExtensionType::COOKIE);
    hrr.extensions.push(Extension::Cookie(cookie));
    (client, received(HandshakeMessage::ServerHello(hrr)))
}

/// The handshake messages among `actions`, with no cap on a message's size (a hello
/// with a full extension block is over the default 64 KiB cap).
fn sent_uncapped(actions: Vec<Action>) -> Vec<RawHandshake> {
    let mut j = HandshakeJoiner::new(qssl_handshake::DecodeLimits {
        max_message_len: 1 << 20,
        max_certificate_message_len: 1 << 20,
    });
    for a in actions {
        if let Action::SendHandshake { bytes, .. } = a {
            j.push(&bytes).unwrap();
        }
    }
    core::iter::from_fn(|| j.pop()).collect()
}

/// Length of the extension block of a ClientHello (as sent, header included).
fn extension_block_len(ch: &RawHandshake) -> usize {
    let b = ch.body();
    let sid = usize::from(b[34]);
    let at = 35 + sid;
    let suites = usize::from(u16::from_be_bytes([b[at], b[at + 1]]));
    let at = at + 2 + suites;
    let comp = usize::from(b[at]);
    let at = at + 1 + comp;
    let n = usize::from(u16::from_be_bytes([b[at], b[at + 1]]));
    assert_eq!(at + 2 + n, b.len(), "the block ends the hello");
    n
}

/// A cookie that fits the HRR (under the 64 KiB message cap) but not the second
/// ClientHello's extension block (at most 2^16 - 1 bytes) is refused by the client with
/// illegal_parameter and nothing is sent, not even the compatibility CCS. The largest
/// cookie that fits is echoed in a hello whose block is exactly 2^16 - 1 bytes and
/// parses. Before the fix the encoder panicked (debug) or wrapped the length (release).
#[test]
fn hrr_cookie_too_large_for_the_second_client_hello_is_illegal_parameter() {
    // The block's size without the cookie, measured with a one-byte cookie.
    let (mut client, hrr) = client_and_hrr_with_cookie(vec![1]);
    let mut out = Vec::new();
    client.handle(&hrr, now(), &mut out).unwrap();
    let ch2 = sent(out);
    let without_cookie = extension_block_len(&ch2[0]) - (4 + 2 + 1);
    let largest = 0xffff - without_cookie - (4 + 2);
    assert!(largest > 60_000, "{largest}");

    let (mut client, hrr) = client_and_hrr_with_cookie(vec![0xc0; largest]);
    let mut out = Vec::new();
    client.handle(&hrr, now(), &mut out).unwrap();
    let ch2 = sent_uncapped(out);
    assert_eq!(extension_block_len(&ch2[0]), 0xffff);
    assert_eq!(cookie_of(&ch2[0]), Some(vec![0xc0; largest]));

    // One byte too many; the largest HRR a connection accepts (64 KiB body); the
    // largest cookie an HRR's own extension block can carry.
    for len in [largest + 1, 65_446, 65_517] {
        let (mut client, hrr) = client_and_hrr_with_cookie(vec![0xc0; len]);
        if len <= 65_446 {
            assert!(hrr.body().len() <= qssl_handshake::limits::DEFAULT_MAX_MESSAGE_LEN);
        }
        let mut out = Vec::new();
        let err = client.handle(&hrr, now(), &mut out).unwrap_err();
        assert_eq!(
            err,
            Error::PeerMisbehaved(PeerMisbehaved::HelloRetryCookieTooLarge),
            "{len}"
        );
        assert_eq!(err.alert(), AlertDescription::ILLEGAL_PARAMETER);
        assert!(out.is_empty(), "{len}: nothing queued, got {out:?}");
    }
}

/// The server refuses to build a message it cannot encode: certificate_authorities
/// hints over 2^16 - 1 bytes (about a thousand trusted client roots) make the
/// CertificateRequest impossible, which is our own fault: internal_error, and no
/// CertificateRequest or later message is queued with a wrong length.
#[test]
fn server_refuses_a_certificate_request_too_large_to_encode() {
    let key = keys::generate(KeyAlgorithm::Ed25519).unwrap();
    let mut roots = qssl_handshake::RootCertStore::new();
    for i in 0..1200u32 {
        let mut p = CertificateParams::new(
            &format!("client root number {i:05} of a very large trust store"),
            &[1, (i >> 8) as u8, i as u8],
            NOW - 60,
            NOW + 3600,
        );
        p.role = pki::CertificateRole::Ca { path_len: None };
        roots
            .add(CertificateDer::from(
                pki::self_signed(&p, &KeySigner(&key)).unwrap().der,
            ))
            .unwrap();
    }
    let provider = default_provider();
    let verifier = qssl_handshake::WebPkiClientVerifier::new(Arc::new(roots), &provider, true);
    let hints: usize = qssl_handshake::ClientCertVerifier::root_hint_subjects(&verifier)
        .iter()
        .map(|s| 2 + s.len())
        .sum();
    assert!(hints > 0xffff, "{hints}");
    let mut params = Arc::unwrap_or_clone(server_params(vec![X25519]));
    params.client_verifier = Some(Arc::new(verifier));

    let mut out = Vec::new();
    let _client =
        StateMachine::client(client_params(vec![X25519]), name(), now(), &mut out).unwrap();
    let ch = sent(out);
    let mut server = StateMachine::server(Arc::new(params));
    let mut out = Vec::new();
    let err = server.handle(&ch[0], now(), &mut out).unwrap_err();
    assert!(matches!(err, Error::Encode(_)), "{err:?}");
    assert_eq!(err.alert(), AlertDescription::INTERNAL_ERROR);
    let types: Vec<_> = sent(out).iter().map(RawHandshake::typ).collect();
    assert_eq!(
        types,
        [
            HandshakeType::SERVER_HELLO,
            HandshakeType::ENCRYPTED_EXTENSIONS
        ],
        "the flight stops before the CertificateRequest"
    );
}

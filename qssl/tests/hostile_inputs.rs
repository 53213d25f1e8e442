//! Byte-by-byte hostile input (issue 14): truncation at every offset of real hellos,
//! every handshake message type in every wrong state of both sides (TLS 1.3 and 1.2),
//! invalid key shares of every group (ML-KEM encapsulation keys failing the FIPS 203
//! modulus check, wrong-length ciphertexts, off-curve points, the all-zero X25519
//! result, wrong-length hybrid shares) and legacy_version values below 0x0303. Each case
//! asserts the alert the peer observes. The table is in `docs/alerts.md`.

mod common;

use common::*;
use qssl::{
    AlertDescription as A, ClientConfig, ClientConnection, ConnectionCommon, Error, ServerConfig,
    ServerConnection, TlsVersion,
};
use qssl_crypto::kx::{self, SupportedKxGroup};
use qssl_crypto::sign::KeyAlgorithm;
use qssl_handshake::{Extension, HandshakeMessage, HandshakeType as T, ProtocolVersion};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

// ------------------------------------------------------------------ helpers

/// Every handshake type a peer could send: the TLS 1.3 and TLS 1.2 ones, the
/// certificate_status and compressed_certificate extensions' messages, message_hash
/// and an unassigned code.
const ALL_TYPES: &[u8] = &[
    0, 1, 2, 4, 5, 8, 11, 12, 13, 14, 15, 16, 20, 22, 24, 25, 254, 99,
];

fn set_len(m: &mut [u8]) {
    let n = m.len() - 4;
    m[1..4].copy_from_slice(&(n as u32).to_be_bytes()[1..]);
}

fn edit(m: &mut Vec<u8>, f: impl FnOnce(&mut HandshakeMessage)) {
    let mut msg = HandshakeMessage::parse(m).unwrap();
    f(&mut msg);
    *m = msg.to_bytes().unwrap();
}

/// Everything `conn` has queued for the peer.
fn drain(conn: &mut ConnectionCommon) -> Vec<u8> {
    let mut out = Vec::new();
    while conn.wants_write() {
        conn.write_tls(&mut out).unwrap();
    }
    out
}

/// One plaintext handshake record around `msg`.
fn handshake_record(msg: &[u8]) -> Vec<u8> {
    let mut rec = vec![0x16, 0x03, 0x01];
    rec.extend_from_slice(&(msg.len() as u16).to_be_bytes());
    rec.extend_from_slice(msg);
    rec
}

/// The first handshake message in a plaintext TLS byte stream (it may span records).
fn first_handshake_message(wire: &[u8]) -> Vec<u8> {
    let mut payload = Vec::new();
    let mut rest = wire;
    while rest.len() >= 5 {
        let len = u16::from_be_bytes([rest[3], rest[4]]) as usize;
        assert_eq!(rest[0], 0x16, "not a handshake record");
        payload.extend_from_slice(&rest[5..5 + len]);
        rest = &rest[5 + len..];
        if payload.len() >= 4 {
            let body = u32::from_be_bytes([0, payload[1], payload[2], payload[3]]) as usize;
            if payload.len() >= 4 + body {
                payload.truncate(4 + body);
                return payload;
            }
        }
    }
    panic!("no whole handshake message");
}

/// The description of the first plaintext alert record in `wire`.
fn plaintext_alert(wire: &[u8]) -> Option<A> {
    let mut rest = wire;
    while rest.len() >= 5 {
        let len = u16::from_be_bytes([rest[3], rest[4]]) as usize;
        if rest[0] == 21 && len == 2 && rest.len() >= 7 {
            return Some(A(rest[6]));
        }
        rest = rest.get(5 + len..)?;
    }
    None
}

fn ecdsa() -> Arc<Pki> {
    pki_for(KeyAlgorithm::EcdsaP256)
}

fn server_config(versions: &[TlsVersion]) -> ServerConfig {
    let (_, sb) = configs(&ecdsa());
    sb.with_protocol_versions(versions).build().unwrap()
}

fn client_config(versions: &[TlsVersion]) -> ClientConfig {
    let (cb, _) = configs(&ecdsa());
    cb.with_protocol_versions(versions).build().unwrap()
}

fn new_server(config: &Arc<ServerConfig>) -> ServerConnection {
    ServerConnection::new(config.clone()).unwrap()
}

fn new_client(config: &Arc<ClientConfig>) -> ClientConnection {
    ClientConnection::new(config.clone(), "localhost".try_into().unwrap()).unwrap()
}

/// Feeds `bytes` to `conn` and processes them.
fn feed(conn: &mut ConnectionCommon, bytes: &[u8]) -> Result<(), Error> {
    transfer_bytes(bytes, conn).1
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Side {
    Client,
    Server,
}

/// Checks that `detector` failed with `alert` and its peer received that alert.
fn check_pair(
    name: &str,
    results: (Result<(), Error>, Result<(), Error>),
    detector: Side,
    alert: A,
    failures: &mut Vec<String>,
) {
    check_pair_peer(
        name,
        results,
        detector,
        alert,
        Err(Error::AlertReceived(alert)),
        failures,
    );
}

/// Checks that `detector` failed with `alert` and its peer ended with `peer`.
fn check_pair_peer(
    name: &str,
    (cr, sr): (Result<(), Error>, Result<(), Error>),
    detector: Side,
    alert: A,
    peer: Result<(), Error>,
    failures: &mut Vec<String>,
) {
    let (det, other) = match detector {
        Side::Client => (cr, sr),
        Side::Server => (sr, cr),
    };
    let got = det.as_ref().err().and_then(|e| e.alert());
    if got != Some(alert) || other != peer {
        failures.push(format!(
            "{name}: {detector:?} got {det:?} ({got:?}), its peer {other:?}; want {alert:?}, {peer:?}"
        ));
    }
}

fn assert_no_failures(failures: &[String], cases: usize) {
    assert!(
        failures.is_empty(),
        "{} of {cases} cases failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

/// A pair whose client's ClientHello (already queued when the connection is made) is
/// rewritten on the wire by `rewrite` (it was queued before any hook could be set).
fn pair_with_client_hello(
    client: ClientConfig,
    server: ServerConfig,
    rewrite: impl FnOnce(&mut Vec<u8>),
) -> (ClientConnection, ServerConnection) {
    let (mut c, s) = pair(client, server);
    let wire = drain(&mut c);
    let mut msg = first_handshake_message(&wire);
    rewrite(&mut msg);
    inject_tls(&mut c, &handshake_record(&msg));
    (c, s)
}

// ------------------------------------------------------------------ truncation

/// ClientHellos of every origin we have: our client (TLS 1.3 default, TLS 1.2 only,
/// every group offered) and the OpenSSL and rustls ClientHellos captured by the interop
/// runs (`fuzz/corpus/server`).
fn client_hellos() -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    for (name, versions) in [
        ("qssl tls13", &[TlsVersion::Tls13][..]),
        ("qssl tls12", &[TlsVersion::Tls12][..]),
        ("qssl both", &[TlsVersion::Tls13, TlsVersion::Tls12][..]),
    ] {
        let (mut c, _) = pair(client_config(versions), server_config(versions));
        out.push((name.to_string(), first_handshake_message(&drain(&mut c))));
    }
    let (cb, sb) = configs(&ecdsa());
    let all_groups = cb.with_groups(kx::ALL_KX_GROUPS.to_vec()).build().unwrap();
    let (mut c, _) = pair(all_groups, sb.build().unwrap());
    out.push((
        "qssl all groups".into(),
        first_handshake_message(&drain(&mut c)),
    ));
    let corpus = concat!(env!("CARGO_MANIFEST_DIR"), "/../fuzz/corpus/server");
    for f in ["openssl", "openssl-mldsa65", "rustls", "rustls-mldsa65"] {
        let wire = std::fs::read(format!("{corpus}/{f}")).unwrap();
        out.push((f.to_string(), first_handshake_message(&wire)));
    }
    out
}

/// A server given a ClientHello one byte at a time (every prefix of the record, the
/// header split too) waits: no error, nothing sent, until the last byte; then it answers.
#[test]
fn client_hello_prefixes_wait_for_more_bytes() {
    let both = Arc::new(server_config(&[TlsVersion::Tls13, TlsVersion::Tls12]));
    for (name, hello) in client_hellos() {
        let record = handshake_record(&hello);
        let mut s = new_server(&both);
        for (i, b) in record.iter().enumerate() {
            let r = feed(&mut s, &[*b]);
            if i + 1 < record.len() {
                assert_eq!(r, Ok(()), "{name}: prefix of {} bytes", i + 1);
                assert!(
                    !s.wants_write(),
                    "{name}: answered a prefix of {} bytes",
                    i + 1
                );
            } else {
                assert_eq!(r, Ok(()), "{name}: whole hello");
                assert!(s.wants_write(), "{name}: no answer to the whole hello");
            }
        }
    }
}

/// A ClientHello cut at every offset of its body, the handshake and record lengths
/// fixed to match: decode_error, sent in the clear, at every offset, by a TLS 1.3 server
/// and by one that speaks TLS 1.2 too. That includes the cut where the extension block
/// starts: an extensionless (pre-TLS 1.2 style) hello is refused by the parser, which
/// requires the block (such a hello could offer neither TLS 1.3 nor
/// extended_master_secret, so it could not be accepted anyway).
#[test]
fn client_hello_truncated_at_every_offset_is_decode_error() {
    let tls13 = Arc::new(server_config(&[TlsVersion::Tls13]));
    let both = Arc::new(server_config(&[TlsVersion::Tls13, TlsVersion::Tls12]));
    let mut failures = Vec::new();
    let mut cases = 0;
    for (name, hello) in client_hellos() {
        for (server_name, config) in [("tls13", &tls13), ("both", &both)] {
            for k in 0..hello.len() - 4 {
                cases += 1;
                let mut msg = hello[..4 + k].to_vec();
                set_len(&mut msg);
                let mut s = new_server(config);
                let r = feed(&mut s, &handshake_record(&msg));
                let seen = plaintext_alert(&drain(&mut s));
                let want = A::DECODE_ERROR;
                let got = r.as_ref().err().and_then(|e| e.alert());
                if got != Some(want) || seen != Some(want) {
                    failures.push(format!(
                        "{name} -> {server_name} cut at {k}: {r:?}, sent {seen:?}, want {want:?}"
                    ));
                }
            }
        }
    }
    assert_no_failures(&failures, cases);
}

/// A client given the server's first flight one byte at a time waits at every prefix
/// (no error, nothing sent but its middlebox-compatibility change_cipher_spec once the
/// ServerHello is complete) and finishes its handshake on the last byte.
#[test]
fn server_flight_prefixes_wait_for_more_bytes() {
    for versions in [&[TlsVersion::Tls13][..], &[TlsVersion::Tls12][..]] {
        let (mut c, mut s) = pair(client_config(versions), server_config(versions));
        let (_, r) = transfer(&mut c, &mut s);
        r.unwrap();
        let flight = drain(&mut s);
        for (i, b) in flight.iter().enumerate() {
            let r = feed(&mut c, &[*b]);
            assert_eq!(r, Ok(()), "{versions:?}: prefix of {} bytes", i + 1);
            if i + 1 < flight.len() {
                let sent = drain(&mut c);
                assert!(
                    sent.is_empty() || sent == [20, 3, 3, 0, 1, 1],
                    "{versions:?}: answered {} bytes with {sent:02x?}",
                    i + 1
                );
            }
        }
        assert!(
            c.wants_write(),
            "{versions:?}: no answer to the whole flight"
        );
        let (cr, sr) = run(&mut c, &mut s);
        assert_eq!((cr, sr), (Ok(()), Ok(())), "{versions:?}");
    }
}

/// The offset of a ServerHello's extension block in its body.
fn server_hello_extensions_at(hello: &[u8]) -> usize {
    let b = &hello[4..];
    let at = 2 + 32;
    at + 1 + b[at] as usize + 2 + 1
}

/// A ServerHello (TLS 1.3 with every group, TLS 1.2) cut at every offset of its body,
/// lengths fixed: the client sends decode_error and the server receives it (an
/// extensionless hello, the cut where the extension block starts, too). Hellos over
/// 600 bytes (the ML-KEM ciphertexts) are cut at every 7th offset, and at every offset
/// of their fixed part and their last 40 bytes.
#[test]
fn server_hello_truncated_at_every_offset_is_decode_error() {
    let mut failures = Vec::new();
    let mut cases = 0;
    let mut runs: Vec<(String, ClientConfig, ServerConfig)> = Vec::new();
    for g in kx::ALL_KX_GROUPS {
        let (cb, sb) = configs(&ecdsa());
        runs.push((
            format!("tls13 {:?}", g.name()),
            cb.with_groups(vec![*g]).build().unwrap(),
            sb.with_groups(vec![*g]).build().unwrap(),
        ));
    }
    runs.push((
        "tls12".into(),
        client_config(&[TlsVersion::Tls12]),
        server_config(&[TlsVersion::Tls12]),
    ));
    for (name, client, server) in runs {
        let client = Arc::new(client);
        let server = Arc::new(server);
        // The hello's length, from an untouched handshake.
        let (mut c, mut s) = (new_client(&client), new_server(&server));
        let seen = Arc::new(std::sync::Mutex::new(Vec::new()));
        let keep = seen.clone();
        set_handshake_hook(
            &mut s,
            Box::new(move |t, bytes| {
                if t == T::SERVER_HELLO {
                    *keep.lock().unwrap() = bytes.clone();
                }
            }),
        );
        do_handshake(&mut c, &mut s);
        let hello = seen.lock().unwrap().clone();
        let ext_at = server_hello_extensions_at(&hello);
        let stride = if hello.len() > 600 { 7 } else { 1 };
        let mut offsets: Vec<usize> = (0..hello.len() - 4).step_by(stride).collect();
        // Every offset of the fixed part and of the last 40 bytes, whatever the stride.
        offsets.extend(0..ext_at + 8);
        offsets.extend(hello.len().saturating_sub(44)..hello.len() - 4);
        offsets.sort_unstable();
        offsets.dedup();
        for k in offsets {
            cases += 1;
            let (mut c, mut s) = (new_client(&client), new_server(&server));
            set_handshake_hook(
                &mut s,
                Box::new(move |t, bytes| {
                    if t == T::SERVER_HELLO {
                        bytes.truncate(4 + k);
                        set_len(bytes);
                    }
                }),
            );
            let want = A::DECODE_ERROR;
            check_pair(
                &format!("{name} cut at {k}"),
                run(&mut c, &mut s),
                Side::Client,
                want,
                &mut failures,
            );
        }
    }
    assert_no_failures(&failures, cases);
}

// ------------------------------------------------------------------ wrong states

/// One state of one side: the message the peer sends there, retyped to every type the
/// state does not allow. The body stays the original one: the type is checked first.
struct StateCase {
    name: &'static str,
    versions: &'static [TlsVersion],
    client_auth: bool,
    /// The server's groups make the client retry (HelloRetryRequest first).
    hrr: bool,
    /// Messages of that type left alone before the one retyped (the HRR, which is a
    /// ServerHello).
    skip: usize,
    /// Whose outgoing message is retyped (the other side detects).
    sender: Side,
    /// The type of that message.
    typ: T,
    /// Types the receiving state accepts (their bodies would be parsed, so they are
    /// skipped).
    allowed: &'static [u8],
}

const TLS13: &[TlsVersion] = &[TlsVersion::Tls13];
const TLS12: &[TlsVersion] = &[TlsVersion::Tls12];

fn state_cases() -> Vec<StateCase> {
    use Side::*;
    let c = |name, versions, client_auth, sender, typ: T, allowed| StateCase {
        name,
        versions,
        client_auth,
        hrr: false,
        skip: 0,
        sender,
        typ,
        allowed,
    };
    let after_hrr = |case: StateCase, skip| StateCase {
        hrr: true,
        skip,
        ..case
    };
    vec![
        // After a HelloRetryRequest: the client waits for the real ServerHello, the
        // server for the second ClientHello.
        after_hrr(
            c(
                "1.3 client: ServerHello after HRR",
                TLS13,
                false,
                Server,
                T::SERVER_HELLO,
                &[2],
            ),
            1,
        ),
        after_hrr(
            c(
                "1.3 server: ClientHello after HRR",
                TLS13,
                false,
                Client,
                T::CLIENT_HELLO,
                &[1],
            ),
            0,
        ),
        // TLS 1.3, the client's states.
        c(
            "1.3 client: ServerHello",
            TLS13,
            false,
            Server,
            T::SERVER_HELLO,
            &[2],
        ),
        c(
            "1.3 client: EncryptedExtensions",
            TLS13,
            false,
            Server,
            T::ENCRYPTED_EXTENSIONS,
            &[8],
        ),
        // CertificateRequest may come first; compressed_certificate is not offered.
        c(
            "1.3 client: Certificate",
            TLS13,
            false,
            Server,
            T::CERTIFICATE,
            &[11, 13],
        ),
        c(
            "1.3 client: CertificateVerify",
            TLS13,
            false,
            Server,
            T::CERTIFICATE_VERIFY,
            &[15],
        ),
        c(
            "1.3 client: Finished",
            TLS13,
            false,
            Server,
            T::FINISHED,
            &[20],
        ),
        c(
            "1.3 client: after CertificateRequest",
            TLS13,
            true,
            Server,
            T::CERTIFICATE,
            &[11],
        ),
        // After the handshake: NewSessionTicket and KeyUpdate only (no post-handshake
        // authentication offered).
        c(
            "1.3 client: post-handshake",
            TLS13,
            false,
            Server,
            T::NEW_SESSION_TICKET,
            &[4, 24],
        ),
        // TLS 1.3, the server's states.
        c(
            "1.3 server: ClientHello",
            TLS13,
            false,
            Client,
            T::CLIENT_HELLO,
            &[1],
        ),
        c(
            "1.3 server: Finished",
            TLS13,
            false,
            Client,
            T::FINISHED,
            &[20],
        ),
        c(
            "1.3 server: client Certificate",
            TLS13,
            true,
            Client,
            T::CERTIFICATE,
            &[11],
        ),
        c(
            "1.3 server: client CertificateVerify",
            TLS13,
            true,
            Client,
            T::CERTIFICATE_VERIFY,
            &[15],
        ),
        c(
            "1.3 server: client Finished after auth",
            TLS13,
            true,
            Client,
            T::FINISHED,
            &[20],
        ),
        // TLS 1.2, the client's states (HelloRequest may be ignored, RFC 5246 §7.4.1.1).
        c(
            "1.2 client: ServerHello",
            TLS12,
            false,
            Server,
            T::SERVER_HELLO,
            &[0, 2],
        ),
        c(
            "1.2 client: Certificate",
            TLS12,
            false,
            Server,
            T::CERTIFICATE,
            &[0, 11],
        ),
        c(
            "1.2 client: ServerKeyExchange",
            TLS12,
            false,
            Server,
            T::SERVER_KEY_EXCHANGE,
            &[0, 12, 22],
        ),
        c(
            "1.2 client: ServerHelloDone",
            TLS12,
            false,
            Server,
            T::SERVER_HELLO_DONE,
            &[0, 13, 14],
        ),
        c(
            "1.2 client: CertificateRequest",
            TLS12,
            true,
            Server,
            T::CERTIFICATE_REQUEST,
            &[0, 13, 14],
        ),
        c(
            "1.2 client: Finished",
            TLS12,
            false,
            Server,
            T::FINISHED,
            &[0, 4, 20],
        ),
        // TLS 1.2, the server's states.
        c(
            "1.2 server: ClientHello",
            TLS12,
            false,
            Client,
            T::CLIENT_HELLO,
            &[1],
        ),
        c(
            "1.2 server: ClientKeyExchange",
            TLS12,
            false,
            Client,
            T::CLIENT_KEY_EXCHANGE,
            &[16],
        ),
        c(
            "1.2 server: client Certificate",
            TLS12,
            true,
            Client,
            T::CERTIFICATE,
            &[11],
        ),
        c(
            "1.2 server: client CertificateVerify",
            TLS12,
            true,
            Client,
            T::CERTIFICATE_VERIFY,
            &[15],
        ),
        c(
            "1.2 server: Finished",
            TLS12,
            false,
            Client,
            T::FINISHED,
            &[20],
        ),
    ]
}

fn state_configs(case: &StateCase) -> (ClientConfig, ServerConfig) {
    let p = ecdsa();
    let (cb, sb) = configs(&p);
    let (cb, sb) = if case.hrr {
        (
            cb.with_groups(vec![kx::X25519, kx::SECP256R1]),
            sb.with_groups(vec![kx::SECP256R1]),
        )
    } else {
        (cb, sb)
    };
    let (cb, sb) = if case.client_auth {
        (
            cb.with_client_auth_cert(p.chain.clone(), p.key()),
            sb.with_client_cert_verifier(Arc::new(qssl::WebPkiClientVerifier::new(
                p.roots(),
                &qssl_crypto::provider::default_provider(),
                true,
            ))),
        )
    } else {
        (cb, sb)
    };
    (
        cb.with_protocol_versions(case.versions).build().unwrap(),
        sb.with_protocol_versions(case.versions).build().unwrap(),
    )
}

/// Each handshake message type in each state that does not allow it: the receiver
/// sends unexpected_message (its type is checked before its body) and the sender
/// receives it.
#[test]
fn every_message_type_in_every_wrong_state_is_unexpected_message() {
    let mut failures = Vec::new();
    let mut n = 0;
    for case in state_cases() {
        for &to in ALL_TYPES {
            if case.allowed.contains(&to) || to == case.typ.0 {
                continue;
            }
            n += 1;
            let (client, server) = state_configs(&case);
            let from = case.typ;
            let retype = move |t: T, bytes: &mut Vec<u8>| {
                if t == from {
                    bytes[0] = to;
                }
            };
            let (mut c, mut s) =
                if case.sender == Side::Client && from == T::CLIENT_HELLO && !case.hrr {
                    pair_with_client_hello(client, server, |m| m[0] = to)
                } else {
                    pair(client, server)
                };
            let sender: &mut ConnectionCommon = match case.sender {
                Side::Client => &mut c,
                Side::Server => &mut s,
            };
            // Retype only one message of that type, after `skip` (a TLS 1.3
            // post-handshake flight has two tickets; the HRR comes before the
            // ServerHello). With a retry, the client's hook sees only ClientHello2.
            let mut seen = 0;
            let skip = case.skip;
            set_handshake_hook(
                sender,
                Box::new(move |t, bytes| {
                    if t == from {
                        if seen == skip {
                            retype(t, bytes);
                        }
                        seen += 1;
                    }
                }),
            );
            let detector = match case.sender {
                Side::Client => Side::Server,
                Side::Server => Side::Client,
            };
            check_pair(
                &format!("{}: type {to}", case.name),
                run(&mut c, &mut s),
                detector,
                A::UNEXPECTED_MESSAGE,
                &mut failures,
            );
        }
    }
    assert_no_failures(&failures, n);
}

/// After the handshake a TLS 1.3 server accepts KeyUpdate only: each other type, sealed
/// under the client's application key, is unexpected_message; so is every type but
/// ClientHello to a TLS 1.2 server (a renegotiating ClientHello is parsed, then
/// refused: `tls12.rs`).
#[test]
fn post_handshake_messages_to_a_server() {
    let mut failures = Vec::new();
    let mut n = 0;
    for versions in [TLS13, TLS12] {
        for &typ in ALL_TYPES {
            if (versions == TLS13 && typ == T::KEY_UPDATE.0)
                || (versions == TLS12 && typ == T::CLIENT_HELLO.0)
            {
                continue;
            }
            n += 1;
            let (mut c, mut s) = pair(client_config(versions), server_config(versions));
            do_handshake(&mut c, &mut s);
            // A body that parses as a KeyUpdate would: one byte.
            qssl::testing::send_handshake_bytes(&mut c, &[typ, 0, 0, 1, 0]).unwrap();
            let (_, sr) = transfer(&mut c, &mut s);
            let (_, cr) = transfer(&mut s, &mut c);
            let want = A::UNEXPECTED_MESSAGE;
            check_pair(
                &format!("{versions:?} type {typ}"),
                (cr, sr),
                Side::Server,
                want,
                &mut failures,
            );
        }
    }
    assert_no_failures(&failures, n);
}

// ------------------------------------------------------------------ key shares

/// Where, in a group's client share (encapsulation key side) and server share
/// (ciphertext side), the classical part and the ML-KEM part sit
/// (draft-ietf-tls-ecdhe-mlkem: X25519MLKEM768 puts ML-KEM first, the NIST-curve
/// hybrids put the point first).
struct Layout {
    group: &'static dyn SupportedKxGroup,
    /// (offset, length) of the classical public value in both shares.
    classical: Option<(usize, usize, Curve)>,
    /// (offset of the encapsulation key in the client share, its length, offset of
    /// the ciphertext in the server share).
    mlkem: Option<(usize, usize, usize)>,
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Curve {
    X25519,
    Nist,
}

fn layouts() -> Vec<Layout> {
    let l = |group, classical, mlkem| Layout {
        group,
        classical,
        mlkem,
    };
    vec![
        l(kx::X25519, Some((0, 32, Curve::X25519)), None),
        l(kx::SECP256R1, Some((0, 65, Curve::Nist)), None),
        l(kx::SECP384R1, Some((0, 97, Curve::Nist)), None),
        l(kx::MLKEM768, None, Some((0, 1184, 0))),
        l(kx::MLKEM1024, None, Some((0, 1568, 0))),
        // Server share: ciphertext (1088) ‖ X25519.
        l(kx::X25519MLKEM768, None, Some((0, 1184, 0))),
        l(
            kx::SECP256R1MLKEM768,
            Some((0, 65, Curve::Nist)),
            Some((65, 1184, 65)),
        ),
        l(
            kx::SECP384R1MLKEM1024,
            Some((0, 97, Curve::Nist)),
            Some((97, 1568, 97)),
        ),
    ]
}

/// The X25519 part of X25519MLKEM768: after the encapsulation key (client) or the
/// ciphertext (server).
const X25519MLKEM768_CLIENT_X: usize = 1184;
const X25519MLKEM768_SERVER_X: usize = 1088;

/// Rewrites the first key share of a ClientHello; returns its new length.
fn with_client_share(m: &mut Vec<u8>, f: &dyn Fn(&mut Vec<u8>)) -> usize {
    let mut len = 0;
    edit(m, |msg| {
        if let HandshakeMessage::ClientHello(ch) = msg {
            for e in &mut ch.extensions {
                if let Extension::KeyShareOffer(shares) = e {
                    f(&mut shares[0].key_exchange);
                    len = shares[0].key_exchange.len();
                }
            }
        }
    });
    len
}

/// Rewrites a ServerHello's key share; returns its new length.
fn with_server_share(m: &mut Vec<u8>, f: &dyn Fn(&mut Vec<u8>)) -> usize {
    let mut len = 0;
    edit(m, |msg| {
        if let HandshakeMessage::ServerHello(sh) = msg {
            for e in &mut sh.extensions {
                if let Extension::KeyShareSelected(s) = e {
                    f(&mut s.key_exchange);
                    len = s.key_exchange.len();
                }
            }
        }
    });
    len
}

/// The alert for a share rewritten to `len` bytes that should get `alert`: a share
/// longer than the codec stores (`limits::MAX_KEY_EXCHANGE_LEN`, the longest share of
/// any group: a SecP384r1MLKEM1024 one) is refused by the parser, decode_error.
fn share_alert(len: usize, alert: A) -> A {
    if len > qssl_handshake::limits::MAX_KEY_EXCHANGE_LEN {
        A::DECODE_ERROR
    } else {
        alert
    }
}

/// What the peer of a side that found a bad share observes: the alert, except after an
/// altered ML-KEM ciphertext, where the two sides hold different handshake keys and
/// the detector's alert, sealed under its own, cannot be opened (bad_record_mac).
fn share_peer(alert: A) -> Result<(), Error> {
    if alert == A::BAD_RECORD_MAC {
        Err(Error::Record(qssl::RecordError::BadRecordMac))
    } else {
        Err(Error::AlertReceived(alert))
    }
}

type ShareEdit = Box<dyn Fn(&mut Vec<u8>) + Send + Sync>;

/// The invalid variants of a share: (what, rewrite, the alert expected).
fn share_edits(layout: &Layout, client: bool) -> Vec<(String, ShareEdit, A)> {
    let mut out: Vec<(String, ShareEdit, A)> = Vec::new();
    out.push((
        "one byte short".into(),
        Box::new(|s| {
            s.pop();
        }),
        A::ILLEGAL_PARAMETER,
    ));
    out.push((
        "one byte long".into(),
        Box::new(|s| s.push(0)),
        A::ILLEGAL_PARAMETER,
    ));
    out.push((
        "doubled".into(),
        Box::new(|s| {
            let copy = s.clone();
            s.extend_from_slice(&copy[..copy.len().min(64)]);
        }),
        A::ILLEGAL_PARAMETER,
    ));
    if let Some((at, len, curve)) = layout.classical {
        match curve {
            Curve::Nist => {
                out.push((
                    "point off the curve".into(),
                    Box::new(move |s| s[at + len - 1] ^= 1),
                    A::ILLEGAL_PARAMETER,
                ));
                out.push((
                    "compressed point form byte".into(),
                    Box::new(move |s| s[at] = 0x02),
                    A::ILLEGAL_PARAMETER,
                ));
            }
            Curve::X25519 => out.push((
                "X25519 zero point".into(),
                Box::new(move |s| s[at..at + len].fill(0)),
                A::ILLEGAL_PARAMETER,
            )),
        }
    }
    if layout.group.name() == kx::X25519MLKEM768.name() {
        let at = if client {
            X25519MLKEM768_CLIENT_X
        } else {
            X25519MLKEM768_SERVER_X
        };
        out.push((
            "X25519 part zero".into(),
            Box::new(move |s| s[at..at + 32].fill(0)),
            A::ILLEGAL_PARAMETER,
        ));
        // The order point 1 (u = 1) gives an all-zero result too.
        out.push((
            "X25519 part u = 1".into(),
            Box::new(move |s| {
                s[at..at + 32].fill(0);
                s[at] = 1;
            }),
            A::ILLEGAL_PARAMETER,
        ));
    }
    if let Some((ek_at, ek_len, ct_at)) = layout.mlkem {
        if client {
            // FIPS 203 §7.2 modulus check: the first 12-bit coefficient set to 4095 ≥ q.
            out.push((
                "ML-KEM key coefficient >= q".into(),
                Box::new(move |s| {
                    s[ek_at] = 0xff;
                    s[ek_at + 1] |= 0x0f;
                }),
                A::ILLEGAL_PARAMETER,
            ));
            // The last coefficient of the last polynomial (just before rho) set to q:
            // its 12 bits are the high nibble of byte end - 2 and byte end - 1.
            let end = ek_at + ek_len - 32;
            out.push((
                "ML-KEM key last coefficient = q".into(),
                Box::new(move |s| {
                    s[end - 2] = (s[end - 2] & 0x0f) | 0x10;
                    s[end - 1] = 0xd0;
                }),
                A::ILLEGAL_PARAMETER,
            ));
        } else {
            // Any ciphertext of the right length decapsulates (implicit rejection) to
            // a key the server does not have: the client cannot open the server's
            // encrypted flight.
            out.push((
                "ML-KEM ciphertext altered".into(),
                Box::new(move |s| s[ct_at + 10] ^= 0x80),
                A::BAD_RECORD_MAC,
            ));
        }
    }
    out
}

/// Invalid client key shares of every group → the server sends illegal_parameter.
#[test]
fn invalid_client_key_shares_are_illegal_parameter() {
    let mut failures = Vec::new();
    let mut n = 0;
    for layout in layouts() {
        for (what, rewrite, alert) in share_edits(&layout, true) {
            n += 1;
            let (cb, sb) = configs(&ecdsa());
            let client = cb.with_groups(vec![layout.group]).build().unwrap();
            let server = sb.with_groups(vec![layout.group]).build().unwrap();
            let mut len = 0;
            let (mut c, mut s) = pair_with_client_hello(client, server, |m| {
                len = with_client_share(m, &*rewrite);
            });
            let alert = share_alert(len, alert);
            check_pair_peer(
                &format!("{:?} client share {what}", layout.group.name()),
                run(&mut c, &mut s),
                Side::Server,
                alert,
                share_peer(alert),
                &mut failures,
            );
        }
    }
    assert_no_failures(&failures, n);
}

/// Invalid server key shares of every group → the client sends illegal_parameter (an
/// altered ML-KEM ciphertext: bad_record_mac, see [`share_edits`]).
#[test]
fn invalid_server_key_shares_are_illegal_parameter() {
    let mut failures = Vec::new();
    let mut n = 0;
    for layout in layouts() {
        for (what, rewrite, alert) in share_edits(&layout, false) {
            n += 1;
            let (cb, sb) = configs(&ecdsa());
            let client = cb.with_groups(vec![layout.group]).build().unwrap();
            let server = sb.with_groups(vec![layout.group]).build().unwrap();
            let (mut c, mut s) = pair(client, server);
            let len = Arc::new(AtomicUsize::new(0));
            let seen = len.clone();
            set_handshake_hook(
                &mut s,
                Box::new(move |t, bytes| {
                    if t == T::SERVER_HELLO {
                        seen.store(with_server_share(bytes, &*rewrite), Ordering::Relaxed);
                    }
                }),
            );
            let results = run(&mut c, &mut s);
            let alert = share_alert(len.load(Ordering::Relaxed), alert);
            check_pair_peer(
                &format!("{:?} server share {what}", layout.group.name()),
                results,
                Side::Client,
                alert,
                share_peer(alert),
                &mut failures,
            );
        }
    }
    assert_no_failures(&failures, n);
}

// ------------------------------------------------------------------ legacy_version

/// ClientHello legacy_version below 0x0303 → protocol_version, from a TLS 1.3 server
/// and a TLS 1.2 one; ServerHello legacy_version below 0x0303 → protocol_version from
/// both kinds of client.
#[test]
fn legacy_versions_below_tls12_are_protocol_version() {
    let low = [
        0x0000u16, 0x0002, 0x0100, 0x0200, 0x02ff, 0x0300, 0x0301, 0x0302,
    ];
    let mut failures = Vec::new();
    let mut n = 0;
    for versions in [TLS13, TLS12, &[TlsVersion::Tls13, TlsVersion::Tls12][..]] {
        for v in low {
            n += 2;
            let (mut c, mut s) =
                pair_with_client_hello(client_config(versions), server_config(versions), |m| {
                    edit(m, |msg| {
                        if let HandshakeMessage::ClientHello(ch) = msg {
                            ch.legacy_version = ProtocolVersion(v);
                        }
                    })
                });
            check_pair(
                &format!("{versions:?} ClientHello {v:#06x}"),
                run(&mut c, &mut s),
                Side::Server,
                A::PROTOCOL_VERSION,
                &mut failures,
            );
            let (mut c, mut s) = pair(client_config(versions), server_config(versions));
            set_handshake_hook(
                &mut s,
                Box::new(move |t, bytes| {
                    if t == T::SERVER_HELLO {
                        edit(bytes, |msg| {
                            if let HandshakeMessage::ServerHello(sh) = msg {
                                sh.legacy_version = ProtocolVersion(v);
                            }
                        });
                    }
                }),
            );
            check_pair(
                &format!("{versions:?} ServerHello {v:#06x}"),
                run(&mut c, &mut s),
                Side::Client,
                A::PROTOCOL_VERSION,
                &mut failures,
            );
        }
    }
    assert_no_failures(&failures, n);
}

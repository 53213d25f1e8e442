//! The sans-I/O connection core (`qssl_handshake::Connection`) driven directly, each
//! side on its own virtual clock (`testing::Peer`), through the pair helper the facade's
//! tests use too.
//!
//! - The same handshake bytes are accepted or refused with certificate_expired
//!   depending only on the `now` the client is given: the randomness is replayable,
//!   so a second client sends the same ClientHello and is fed the very flight the
//!   first one accepted.
//! - RFC 8446 §5.1: a handshake message may not span a key change.
//! - The first fatal error sticks in the connection, with exactly one alert sent.
//! - The pair helper fails, instead of waiting for ever, when a receiver's plaintext
//!   buffer is full.

use std::sync::{Arc, Mutex, OnceLock, mpsc};
use std::time::Duration;

use qssl_alert::AlertDescription;
use qssl_crypto::error::CryptoError;
use qssl_crypto::pki::TestPki;
use qssl_crypto::provider::{CryptoProvider, default_provider};
use qssl_crypto::rand::{OS_RANDOM, SecureRandom};
use qssl_crypto::sign::{KeyAlgorithm, SigningKey};
use qssl_handshake::testing::{Endpoint, Peer, do_handshake, transfer, transfer_bytes};
use qssl_handshake::verify::{CertificateError, RootCertStore, WebPkiServerVerifier};
use qssl_handshake::{
    CertificateDer, CertificateSet, CertifiedKey, ClientParams, ConnectionError, Error,
    HandshakeType, MAX_RECEIVED_PLAINTEXT, PeerMisbehaved, ServerName, ServerParams, UnixTime,
};
use sha2::{Digest, Sha256};

/// The virtual "now" the test PKI is made for: valid from an hour before it for a year.
const T: u64 = 1_750_000_000;
const DAY: u64 = 24 * 3600;

fn at(secs: u64) -> UnixTime {
    UnixTime::since_unix_epoch(Duration::from_secs(secs))
}

fn localhost() -> ServerName<'static> {
    ServerName::try_from("localhost").unwrap()
}

// ------------------------------------------------------ replayable randomness

/// SHA-256(seed ‖ counter) blocks: two instances with one seed draw the same bytes in
/// the same order, so two connections made from them send the same messages.
#[derive(Debug)]
struct Replayable {
    seed: u8,
    counter: Mutex<u64>,
}

impl SecureRandom for Replayable {
    fn fill(&self, dest: &mut [u8]) -> Result<(), CryptoError> {
        let mut counter = self.counter.lock().map_err(|_| CryptoError::RandomFailed)?;
        for chunk in dest.chunks_mut(32) {
            let block = Sha256::new()
                .chain_update([self.seed])
                .chain_update(counter.to_be_bytes())
                .finalize();
            chunk.copy_from_slice(&block[..chunk.len()]);
            *counter += 1;
        }
        Ok(())
    }
}

/// The default provider whose randomness is replayable from `seed`.
fn provider(seed: u8) -> CryptoProvider {
    let mut p = default_provider();
    p.secure_random = Box::leak(Box::new(Replayable {
        seed,
        counter: Mutex::new(0),
    }));
    p
}

// ------------------------------------------------------------ configuration

/// An Ed25519 root → intermediate → leaf PKI for "localhost", valid from T - 1 h to
/// T + 1 year. Ed25519 signatures are deterministic, so the server's flight depends
/// only on the randomness.
struct Fixture {
    roots: Arc<RootCertStore>,
    chain: Vec<CertificateDer<'static>>,
    key: Arc<dyn SigningKey>,
}

fn fixture() -> &'static Fixture {
    static F: OnceLock<Fixture> = OnceLock::new();
    F.get_or_init(|| {
        let pki =
            TestPki::generate(KeyAlgorithm::Ed25519, &["localhost".into()], T, OS_RANDOM).unwrap();
        let mut roots = RootCertStore::new();
        roots
            .add(CertificateDer::from(pki.root.der.clone()))
            .unwrap();
        Fixture {
            roots: Arc::new(roots),
            chain: vec![
                CertificateDer::from(pki.leaf.certificate.der.clone()),
                CertificateDer::from(pki.intermediate.der.clone()),
            ],
            key: Arc::new(pki.leaf.key),
        }
    })
}

fn client_params(seed: u8) -> Arc<ClientParams> {
    let provider = provider(seed);
    let verifier = Arc::new(WebPkiServerVerifier::new(
        fixture().roots.clone(),
        &provider,
    ));
    let (suites, groups) = (
        provider.tls13_cipher_suites.clone(),
        provider.kx_groups.clone(),
    );
    let mut p = ClientParams::new(Arc::new(provider), verifier);
    p.suites = suites;
    p.groups = groups;
    Arc::new(p)
}

fn server_params(seed: u8) -> Arc<ServerParams> {
    let provider = provider(seed);
    let f = fixture();
    let certs = CertificateSet::new(
        vec![CertifiedKey::new(f.chain.clone(), f.key.clone())],
        &provider,
    )
    .unwrap();
    let (suites, groups) = (
        provider.tls13_cipher_suites.clone(),
        provider.kx_groups.clone(),
    );
    let mut p = ServerParams::new(Arc::new(provider), Arc::new(certs)).unwrap();
    p.suites = suites;
    p.groups = groups;
    Arc::new(p)
}

const CLIENT_SEED: u8 = 1;
const SERVER_SEED: u8 = 2;

fn client_at(now: u64) -> Peer {
    Peer::client(client_params(CLIENT_SEED), localhost(), at(now)).unwrap()
}

fn server_at(now: u64) -> Peer {
    Peer::server(server_params(SERVER_SEED), at(now))
}

/// Everything `p` has queued for its peer.
fn take(p: &mut Peer) -> Vec<u8> {
    let mut out = Vec::new();
    p.take_tls(&mut out);
    out
}

/// Splits TLS bytes into whole records (header included).
fn records(wire: &[u8]) -> Vec<Vec<u8>> {
    let mut out = Vec::new();
    let mut rest = wire;
    while !rest.is_empty() {
        let len = 5 + usize::from(u16::from_be_bytes([rest[3], rest[4]]));
        out.push(rest[..len].to_vec());
        rest = &rest[len..];
    }
    out
}

// ------------------------------------------------------------ virtual clock

/// One recorded exchange replayed to clients on three clocks: inside the
/// certificates' validity the flight is accepted; two years later, or two days
/// before they start, the very same bytes are refused with certificate_expired, and
/// the server (fed the same ClientHello, so it sends the same flight) observes that
/// alert.
#[test]
fn the_same_handshake_bytes_pass_or_fail_on_the_clock_alone() {
    // The reference run, at T: record the ClientHello and the server's flight.
    let mut c = client_at(T);
    let mut s = server_at(T);
    let hello = take(&mut c);
    let (_, r) = transfer_bytes(&hello, &mut s);
    r.unwrap();
    let flight = take(&mut s);
    let (_, r) = transfer_bytes(&flight, &mut c);
    r.unwrap();
    assert!(!c.is_handshaking());
    let (_, r) = transfer(&mut c, &mut s);
    r.unwrap();
    assert!(!s.is_handshaking());
    // The completed connection carries data both ways on the virtual clock.
    assert_eq!(c.write_plaintext(b"ping").unwrap(), 4);
    let (_, r) = transfer(&mut c, &mut s);
    r.unwrap();
    let mut buf = [0u8; 8];
    assert_eq!(s.read_plaintext(&mut buf), 4);
    assert_eq!(&buf[..4], b"ping");

    for (now, refused) in [
        (T + 2 * 365 * DAY, CertificateError::Expired),
        (T - 2 * DAY, CertificateError::NotValidYet),
    ] {
        let mut late = client_at(now);
        assert_eq!(
            take(&mut late),
            hello,
            "the replayed client sends the same hello"
        );
        let mut s = server_at(T);
        let (_, r) = transfer_bytes(&hello, &mut s);
        r.unwrap();
        assert_eq!(take(&mut s), flight, "and gets the same flight");
        let (_, r) = transfer_bytes(&flight, &mut late);
        let err = r.unwrap_err();
        assert_eq!(err, ConnectionError::Handshake(Error::Certificate(refused)));
        assert_eq!(err.alert(), Some(AlertDescription::CERTIFICATE_EXPIRED));
        assert!(late.is_handshaking());
        // The server hears why.
        let (_, r) = transfer(&mut late, &mut s);
        assert_eq!(
            r,
            Err(ConnectionError::AlertReceived(
                AlertDescription::CERTIFICATE_EXPIRED
            ))
        );
    }

    // Control: a third replayed client inside the validity accepts the same flight.
    let mut again = client_at(T + 300 * DAY);
    assert_eq!(take(&mut again), hello);
    let (_, r) = transfer_bytes(&flight, &mut again);
    r.unwrap();
    assert!(!again.is_handshaking());
}

// ------------------------------------------------------- RFC 8446 §5.1 rules

/// The server's first flight as records, and the client that asked for it.
fn client_and_server_flight() -> (Peer, Peer, Vec<Vec<u8>>) {
    let mut c = client_at(T);
    let mut s = server_at(T);
    let (_, r) = transfer(&mut c, &mut s);
    r.unwrap();
    let flight = records(&take(&mut s));
    (c, s, flight)
}

/// `record` (a plaintext handshake record) with `extra` appended to its payload.
fn with_extra_handshake_bytes(record: &[u8], extra: &[u8]) -> Vec<u8> {
    let mut r = record.to_vec();
    r.extend_from_slice(extra);
    let len = u16::try_from(r.len() - 5).unwrap().to_be_bytes();
    r[3..5].copy_from_slice(&len);
    r
}

/// The ServerHello changes the client's read key: handshake bytes after it in the
/// same record (the start of a message, or a whole one) would be read under the old
/// key, so the client refuses them with unexpected_message, which the server receives.
#[test]
fn a_handshake_message_may_not_span_a_key_change() {
    for extra in [
        &[0x08, 0x00, 0x00][..],               // half an EncryptedExtensions header
        &[0x08, 0x00, 0x00, 0x02, 0x00, 0x00], // a whole, empty EncryptedExtensions
    ] {
        let (mut c, mut s, flight) = client_and_server_flight();
        assert_eq!(flight[0][0], 22, "the ServerHello record");
        let sh = with_extra_handshake_bytes(&flight[0], extra);
        let (_, r) = transfer_bytes(&sh, &mut c);
        assert_eq!(
            r,
            Err(PeerMisbehaved::MessageSpansKeyChange.into()),
            "{extra:?}"
        );
        let (_, r) = transfer(&mut c, &mut s);
        assert_eq!(
            r,
            Err(ConnectionError::AlertReceived(
                AlertDescription::UNEXPECTED_MESSAGE
            ))
        );
    }
    // Control: the unaltered flight completes.
    let (mut c, _s, flight) = client_and_server_flight();
    let (_, r) = transfer_bytes(&flight.concat(), &mut c);
    r.unwrap();
    assert!(!c.is_handshaking());
}

// ------------------------------------------------------------ sticky error

/// A plaintext handshake record: one message of type `typ` with `body`.
fn handshake_record(typ: HandshakeType, body: &[u8]) -> Vec<u8> {
    let mut msg = vec![typ.0, 0, 0, u8::try_from(body.len()).unwrap()];
    msg.extend_from_slice(body);
    let mut r = vec![22, 3, 3];
    r.extend_from_slice(&u16::try_from(msg.len()).unwrap().to_be_bytes());
    r.extend_from_slice(&msg);
    r
}

/// The first fatal error is kept by the connection: one alert goes out, and every
/// later call (processing, more bytes, writing, a KeyUpdate) returns the same error
/// and sends nothing more. The state machine it drives is spent and refuses
/// messages, but the connection never asks it again.
#[test]
fn the_first_error_sticks_in_the_connection() {
    let mut c = client_at(T);
    let _hello = take(&mut c);
    // A Finished where the ServerHello is due, with a body no message could parse:
    // unexpected_message, decided on the type before the body.
    let (_, r) = transfer_bytes(
        &handshake_record(HandshakeType::FINISHED, &[0xff, 0xff, 0xff]),
        &mut c,
    );
    let first = r.unwrap_err();
    assert_eq!(
        first,
        PeerMisbehaved::UnexpectedMessage(HandshakeType::FINISHED).into()
    );
    // One plaintext fatal unexpected_message alert (no keys yet).
    assert_eq!(take(&mut c), [21, 3, 3, 0, 2, 2, 10]);
    assert_eq!(c.error(), Some(first));

    // A well-formed ServerHello-typed record now changes nothing.
    c.feed(&handshake_record(HandshakeType::SERVER_HELLO, &[]))
        .unwrap();
    assert_eq!(c.process(at(T)), Err(first));
    assert_eq!(c.write_plaintext(b"x"), Err(first));
    assert_eq!(c.refresh_traffic_keys(), Err(first));
    c.send_close_notify();
    assert!(take(&mut c).is_empty(), "nothing after the one alert");
    assert!(!c.wants_read());
}

// ------------------------------------------------------- the pair helper

/// A receiver whose plaintext buffer is full takes no more bytes: the pair helper
/// reports it (it panics, failing the test that called it) instead of offering the
/// same bytes for ever, as it did when it ignored the refusal.
#[test]
fn a_full_receive_buffer_fails_the_transfer_instead_of_hanging() {
    let mut c = client_at(T);
    let mut s = server_at(T);
    do_handshake(&mut c, &mut s);
    // More plaintext than the client buffers, which it never reads.
    let chunk = vec![0x5a; 256 * 1024];
    for _ in 0..=MAX_RECEIVED_PLAINTEXT / chunk.len() {
        assert_eq!(s.write_plaintext(&chunk).unwrap(), chunk.len());
    }
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let outcome =
            std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| transfer(&mut s, &mut c).1));
        let _ = tx.send(outcome.map_err(|p| {
            p.downcast_ref::<String>()
                .cloned()
                .unwrap_or_else(|| "a panic without a message".into())
        }));
    });
    match rx.recv_timeout(Duration::from_secs(60)) {
        Ok(Err(message)) => assert!(
            message.contains("received plaintext buffer full"),
            "{message}"
        ),
        Ok(Ok(r)) => panic!("the transfer went through a full buffer: {r:?}"),
        Err(_) => panic!("the transfer hangs on a full receive buffer"),
    }
}

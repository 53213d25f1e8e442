//! Known answers for TLS 1.3 session resumption from RFC 8448 (TLS_AES_128_GCM_SHA256):
//! §3 "Simple 1-RTT Handshake" issues the ticket, §4 "Resumed 0-RTT Handshake" uses it.
//!
//! Inputs: the trace's plaintext handshake messages (`tests/vectors/rfc8448/s3_*.hex`,
//! `s4_*.hex`) and protected records (`s3_records/`, `s4_records/`), see the README
//! there; the ECDHE inputs (x25519 keys / shared secrets) quoted below. Every expected
//! value is copied from RFC 8448 (`/work/shared/rfcs/rfc8448.xml`) in the trace's own
//! spacing, with the trace step it comes from named next to it. Nothing expected here is
//! produced by Q-SSL code.
//!
//! What is exercised: the public key schedule (`EarlySecret` → `HandshakeSecret` →
//! `MasterSecret`, `resumption_master_secret`, `resumption_psk`, the resumption binder
//! and `client_early_traffic_secret`), the transcript, the codec (NewSessionTicket,
//! the PSK-offering ClientHello and `binders_encoded_len`) and `record_protector` on
//! the trace's 0-RTT, handshake and application records.

use qssl_crypto::error::CryptoError;
use qssl_crypto::hash::HashOutput;
use qssl_crypto::hkdf::Prk;
use qssl_crypto::kx::X25519;
use qssl_crypto::rand::SecureRandom;
use qssl_crypto::suites::{TLS13_AES_128_GCM_SHA256, Tls13CipherSuite};
use qssl_handshake::key_schedule::{
    EarlySecret, Side, derive_traffic_keys, record_protector, resumption_psk,
};
use qssl_handshake::transcript::Transcript;
use qssl_handshake::{
    ClientHello, Extension, ExtensionType, HandshakeMessage, NewSessionTicket, PskKeyExchangeMode,
};
use qssl_record::{ContentType, Deframer, Protector, RecordError, TlsVersion};

// ---------------------------------------------------------------- the trace

const SUITE: &Tls13CipherSuite = &TLS13_AES_128_GCM_SHA256;

fn hex_file(path: &str) -> Vec<u8> {
    let path = format!(
        "{}/tests/vectors/rfc8448/{path}",
        env!("CARGO_MANIFEST_DIR")
    );
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    hex::decode(text.split_whitespace().collect::<String>()).unwrap()
}

/// One plaintext handshake message of the trace (header included), e.g. `s4_01_client_ClientHello`.
fn msg(name: &str) -> Vec<u8> {
    hex_file(&format!("{name}.hex"))
}

/// One complete §4 record as sent.
fn s4_record(name: &str) -> Vec<u8> {
    hex_file(&format!("s4_records/{name}.hex"))
}

/// One complete §3 record as sent.
fn s3_record(name: &str) -> Vec<u8> {
    hex_file(&format!("s3_records/{name}.hex"))
}

/// Hex as printed in the RFC (octets separated by spaces and line breaks).
fn h(s: &str) -> Vec<u8> {
    hex::decode(s.split_whitespace().collect::<String>()).unwrap()
}

fn secret(p: &Prk) -> Vec<u8> {
    p.expose_secret().to_vec()
}

/// Returns `bytes` for a request of exactly their length and fails otherwise: the
/// trace's x25519 private key handed to the real `X25519` group.
#[derive(Debug)]
struct FixedRandom(Vec<u8>);

impl SecureRandom for FixedRandom {
    fn fill(&self, dest: &mut [u8]) -> Result<(), CryptoError> {
        if dest.len() != self.0.len() {
            return Err(CryptoError::RandomFailed);
        }
        dest.copy_from_slice(&self.0);
        Ok(())
    }
}

/// Opens one whole protected record: its real content type and content.
fn open(p: &mut Protector, wire: &[u8]) -> Result<(ContentType, Vec<u8>), RecordError> {
    let mut d = Deframer::for_version(TlsVersion::Tls13);
    assert_eq!(d.extend(wire), wire.len());
    let rec = d.next_record().expect("one whole record")?;
    let opened = p.open_in_place(rec).map(|(t, c)| (t, c.to_vec()));
    assert!(!d.has_partial_record());
    opened
}

fn parse_new_session_ticket(bytes: &[u8]) -> NewSessionTicket {
    match HandshakeMessage::parse(bytes).unwrap() {
        HandshakeMessage::NewSessionTicket(t) => t,
        other => panic!("not a NewSessionTicket: {other:?}"),
    }
}

fn parse_client_hello(bytes: &[u8]) -> ClientHello {
    match HandshakeMessage::parse(bytes).unwrap() {
        HandshakeMessage::ClientHello(ch) => ch,
        other => panic!("not a ClientHello: {other:?}"),
    }
}

// ------------------------------------------------------------ §3 constants

// §3 {server} extract secret "handshake": IKM (the x25519 shared secret).
const S3_ECDHE: &str = "8b d4 05 4f b5 5b 9d 63 fd fb ac f9 f0 4b 9f 0d 35 e6 d6 3f 53 75 63 ef d4 62 72 90 0f 89 49 2d";
// §3 {server} extract secret "master": secret.
const S3_MASTER: &str = "18 df 06 84 3d 13 a0 8b f2 a4 49 84 4c 5f 8a 47 80 01 bc 4d 4c 62 79 84 d5 a4 1d a8 d0 40 29 19";
// §3 {server} derive secret "tls13 s ap traffic": expanded.
const S3_SERVER_AP: &str = "a1 1a f9 f0 55 31 f8 56 ad 47 11 6b 45 a9 50 32 82 04 b4 f4 4b fb 6b 3a 4b 4f 1f 3f cb 63 16 43";
// §3 {client} derive secret "tls13 res master": hash (ClientHello..client Finished).
const S3_RES_MASTER_HASH: &str = "20 91 45 a9 6e e8 e2 a1 22 ff 81 00 47 cc 95 26 84 65 8d 60 49 e8 64 29 42 6d b8 7c 54 ad 14 3d";
// §3 {client} derive secret "tls13 res master": expanded.
const S3_RES_MASTER: &str = "7d f2 35 f2 03 1d 2a 05 12 87 d0 2b 02 41 b0 bf da f8 6c c8 56 23 1f 2d 5a ba 46 c4 34 ec 19 6c";
// §3 {server} generate resumption secret "tls13 resumption": hash (the ticket_nonce).
const S3_TICKET_NONCE: &str = "00 00";
// §3 {server} generate resumption secret "tls13 resumption": expanded (the PSK).
const S3_RESUMPTION_PSK: &str = "4e cd 0e b6 ec 3b 4d 87 f5 d6 02 8f 92 2c a4 c5 85 1a 27 7f d4 13 11 c9 e6 2d 2c 94 92 e1 c4 f3";

// ------------------------------------------------------------ §4 constants

// §4 {client} extract secret "early": IKM (the PSK the §3 ticket stands for).
const S4_EARLY_IKM: &str = "4e cd 0e b6 ec 3b 4d 87 f5 d6 02 8f 92 2c a4 c5 85 1a 27 7f d4 13 11 c9 e6 2d 2c 94 92 e1 c4 f3";
// §4 {client} extract secret "early": secret.
const S4_EARLY_SECRET: &str = "9b 21 88 e9 b2 fc 6d 64 d7 1d c3 29 90 0e 20 bb 41 91 50 00 f6 78 aa 83 9c bb 79 7c b7 d8 33 2c";
// §4 {client} calculate PSK binder: binder hash (Hash of the ClientHello prefix).
const S4_BINDER_HASH: &str = "63 22 4b 2e 45 73 f2 d3 45 4c a8 4b 9d 00 9a 04 f6 be 9e 05 71 1a 83 96 47 3a ef a0 1e 92 4a 14";
// §4 {client} calculate PSK binder: finished (the binder).
const S4_BINDER: &str = "3a dd 4f b2 d8 fd f8 22 a0 ca 3c f7 67 8e f5 e8 8d ae 99 01 41 c5 92 4d 57 bb 6f a3 1b 9e 5f 9d";
// §4 {client} derive secret "tls13 c e traffic": hash (Hash(ClientHello)).
const S4_CLIENT_HELLO_HASH: &str = "08 ad 0f a0 5d 7c 72 33 b1 77 5b a2 ff 9f 4c 5b 8b 59 27 6b 7f 22 7f 13 a9 76 24 5f 5d 96 09 13";
// §4 {client} derive secret "tls13 c e traffic": expanded.
const S4_CLIENT_EARLY_TRAFFIC: &str = "3f bb e6 a6 0d eb 66 c3 0a 32 79 5a ba 0e ff 7e aa 10 10 55 86 e7 be 5c 09 67 8d 63 b6 ca ab 62";
// §4 {client} derive write traffic keys for early application data: key / iv expanded.
const S4_EARLY_KEY: &str = "92 02 05 a5 b7 bf 21 15 e6 fc 5c 29 42 83 4f 54";
const S4_EARLY_IV: &str = "6d 47 5f 09 93 c8 e5 64 61 0d b2 b9";
// §4 {client} send application_data record (the 0-RTT data): payload.
const S4_EARLY_DATA: &str = "41 42 43 44 45 46";
// §4 {client} create an ephemeral x25519 key pair.
const S4_CLIENT_X25519_PRIVATE: &str = "bf f9 11 88 28 38 46 dd 6a 21 34 ef 71 80 ca 2b 0b 14 fb 10 dc e7 07 b5 09 8c 0d dd c8 13 b2 df";
const S4_CLIENT_X25519_PUBLIC: &str = "e4 ff b6 8a c0 5f 8d 96 c9 9d a2 66 98 34 6c 6b e1 64 82 ba dd da fe 05 1a 66 b4 f1 8d 66 8f 0b";
// §4 {server} create an ephemeral x25519 key pair: public key.
const S4_SERVER_X25519_PUBLIC: &str = "12 17 61 ee 42 c3 33 e1 b9 e7 7b 60 dd 57 c2 05 3c d9 45 12 ab 47 f1 15 e8 6e ff 50 94 2c ea 31";
// §4 {server} extract secret "handshake": IKM (the x25519 shared secret) and secret.
const S4_ECDHE: &str = "f4 41 94 75 6f f9 ec 9d 25 18 06 35 d6 6e a6 82 4c 6a b3 bf 17 99 77 be 37 f7 23 57 0e 7c cb 2e";
const S4_HANDSHAKE_SECRET: &str = "00 5c b1 12 fd 8e b4 cc c6 23 bb 88 a0 7c 64 b3 ed e1 60 53 63 fc 7d 0d f8 c7 ce 4f f0 fb 4a e6";
// §4 {server} derive secret "tls13 c hs traffic" / "tls13 s hs traffic": hash and expanded.
const S4_HELLO_HASH: &str = "f7 36 cb 34 fe 25 e7 01 55 1b ee 6f d2 4c 1c c7 10 2a 7d af 94 05 cb 15 d9 7a af e1 6f 75 7d 03";
const S4_CLIENT_HS_TRAFFIC: &str = "2f aa c0 8f 85 1d 35 fe a3 60 4f cb 4d e8 2d c6 2c 9b 16 4a 70 97 4d 04 62 e2 7f 1a b2 78 70 0f";
const S4_SERVER_HS_TRAFFIC: &str = "fe 92 7a e2 71 31 2e 8b f0 27 5b 58 1c 54 ee f0 20 45 0d c4 ec ff aa 05 a1 a3 5d 27 51 8e 78 03";
// §4 {server} derive write traffic keys for handshake data: key / iv expanded.
const S4_SERVER_HS_KEY: &str = "27 c6 bd c0 a3 dc ea 39 a4 73 26 d7 9b c9 e4 ee";
const S4_SERVER_HS_IV: &str = "95 69 ec dd 4d 05 36 70 5e 9e f7 25";
// §4 {client} derive write traffic keys for handshake data: key / iv expanded.
const S4_CLIENT_HS_KEY: &str = "b1 53 08 06 f4 ad fe ac 83 f1 41 30 32 bb fa 82";
const S4_CLIENT_HS_IV: &str = "eb 50 c1 6b e7 65 4a bf 99 dd 06 d9";
// §4 {server} extract secret "master": secret.
const S4_MASTER: &str = "e2 d3 2d 4e d6 6d d3 78 97 a0 e8 0c 84 10 75 03 ce 58 bf 8a ad 4c b5 5a 50 02 d7 7e cb 89 0e ce";
// §4 {server} derive secret "tls13 c ap traffic" / "s ap traffic" / "exp master": hash, expanded.
const S4_SERVER_FINISHED_HASH: &str = "b0 ae ff c4 6a 2c fe 33 11 4e 6f d7 d5 1f 9f 04 b1 ca 3c 49 7d ab 08 93 4a 77 4a 9d 9a d7 db f3";
const S4_CLIENT_AP_TRAFFIC: &str = "2a bb f2 b8 e3 81 d2 3d be be 1d d2 a7 d1 6a 8b f4 84 cb 49 50 d2 3f b7 fb 7f a8 54 70 62 d9 a1";
const S4_SERVER_AP_TRAFFIC: &str = "cc 21 f1 bf 8f eb 7d d5 fa 50 5b d9 c4 b4 68 a9 98 4d 55 4a 99 3d c4 9e 6d 28 55 98 fb 67 26 91";
const S4_EXPORTER_MASTER: &str = "3f d9 3d 4f fd dc 98 e6 4b 14 dd 10 7a ed f8 ee 4a dd 23 f4 51 0f 58 a4 59 2d 0b 20 1b ee 56 b4";
// §4 {server} derive write traffic keys for application data: key / iv expanded.
const S4_SERVER_AP_KEY: &str = "e8 57 c6 90 a3 4c 5a 91 29 d8 33 61 96 84 f9 5e";
const S4_SERVER_AP_IV: &str = "06 85 d6 b5 61 aa b9 ef 10 13 fa f9";
// §4 {client} derive write traffic keys for application data: key / iv expanded.
const S4_CLIENT_AP_KEY: &str = "3c f1 22 f3 01 c6 35 8c a7 98 95 53 25 0e fd 72";
const S4_CLIENT_AP_IV: &str = "ab 1a ec 26 aa 78 b8 fc 11 76 b9 ac";
// §4 {client} derive secret "tls13 res master": hash (ClientHello..client Finished,
// EndOfEarlyData included) and expanded.
const S4_RES_MASTER_HASH: &str = "c3 c1 22 e0 bd 90 7a 4a 3f f6 11 2d 8f d5 3d bf 89 c7 73 d9 55 2e 8b 6b 9d 56 d3 61 b3 a9 7b f6";
const S4_RES_MASTER: &str = "5e 95 bd f1 f8 90 05 ea 2e 9a a0 ba 85 e7 28 e3 c1 9c 5f e0 c6 99 e3 f5 be e5 9f ae bd 0b 54 06";
// §4 application_data payload each way, and close_notify.
const S4_APP_DATA: &str = "00 01 02 03 04 05 06 07 08 09 0a 0b 0c 0d 0e 0f 10 11 12 13 14 15 16 17 18 19 1a 1b 1c 1d 1e 1f
20 21 22 23 24 25 26 27 28 29 2a 2b 2c 2d 2e 2f 30 31";
const CLOSE_NOTIFY: &str = "01 00";

// ------------------------------------------------------------- §3: the ticket

/// RFC 8448 §3 up to the client Finished: the master secret and the transcript
/// through the client Finished (the `resumption_master_secret` context).
fn s3_master() -> (qssl_handshake::key_schedule::MasterSecret, HashOutput) {
    let mut t = Transcript::new();
    t.add(&msg("s3_01_client_ClientHello"));
    t.start_hash(SUITE.hash);
    t.add(&msg("s3_02_server_ServerHello"));
    let hs = EarlySecret::new(SUITE, None)
        .into_handshake(&h(S3_ECDHE), &t.current_hash().unwrap())
        .unwrap();
    for m in [
        "s3_03_server_EncryptedExtensions",
        "s3_04_server_Certificate",
        "s3_05_server_CertificateVerify",
        "s3_06_server_Finished",
    ] {
        t.add(&msg(m));
    }
    let master = hs.into_master(&t.current_hash().unwrap()).unwrap();
    t.add(&msg("s3_07_client_Finished"));
    (master, t.current_hash().unwrap())
}

/// RFC 8448 §3 "{client} derive secret "tls13 res master"" and "{server} generate
/// resumption secret "tls13 resumption"": the full handshake gives the trace's
/// resumption_master_secret, and the ticket's nonce turns it into the PSK that §4
/// "{client} extract secret "early"" takes as its IKM.
#[test]
fn s3_resumption_master_secret_and_ticket_psk() {
    let (master, client_finished_hash) = s3_master();
    assert_eq!(secret(master.secret()), h(S3_MASTER));
    assert_eq!(client_finished_hash.as_bytes(), h(S3_RES_MASTER_HASH));

    let rms = master
        .resumption_master_secret(&client_finished_hash)
        .unwrap();
    assert_eq!(secret(&rms), h(S3_RES_MASTER));

    // The nonce comes from the trace's ticket, not from the test.
    let nst = parse_new_session_ticket(&msg("s3_08_server_NewSessionTicket"));
    assert_eq!(nst.nonce, h(S3_TICKET_NONCE));
    let psk = resumption_psk(&rms, &nst.nonce).unwrap();
    assert_eq!(secret(&psk), h(S3_RESUMPTION_PSK));
    // §3's output is §4's input.
    assert_eq!(secret(&psk), h(S4_EARLY_IKM));

    // The nonce and the transcript are both inputs: a different one gives another PSK.
    assert_ne!(
        secret(&resumption_psk(&rms, &[0, 1]).unwrap()),
        h(S3_RESUMPTION_PSK)
    );
    assert_ne!(
        secret(&resumption_psk(&rms, &[]).unwrap()),
        h(S3_RESUMPTION_PSK)
    );
    let server_finished_only = master
        .resumption_master_secret(&SUITE.hash.hash(b""))
        .unwrap();
    assert_ne!(secret(&server_finished_only), h(S3_RES_MASTER));
}

/// RFC 8448 §3 "{server} construct a NewSessionTicket handshake message": the ticket's
/// fields; the message re-encodes byte for byte and is what the trace's protected
/// NewSessionTicket record carries under server_application_traffic_secret_0.
#[test]
fn s3_new_session_ticket_fields_and_record() {
    let bytes = msg("s3_08_server_NewSessionTicket");
    let nst = parse_new_session_ticket(&bytes);
    // 04 00 00 c9 | lifetime 00 00 00 1e | ticket_age_add fa d6 aa c5 | nonce 02 00 00 |
    // ticket 00 b2 2c 03 5d .. 93 4a e4 d3 57 | extensions 00 08 00 2a 00 04 00 00 04 00
    assert_eq!(nst.lifetime, 30);
    assert_eq!(nst.age_add, 0xfad6_aac5);
    assert_eq!(nst.nonce, h("00 00"));
    assert_eq!(nst.ticket.len(), 0xb2);
    assert!(
        nst.ticket
            .starts_with(&h("2c 03 5d 82 93 59 ee 5f f7 af 4e c9"))
    );
    assert!(nst.ticket.ends_with(&h("43 69 40 93 93 4a e4 d3 57")));
    // early_data carries max_early_data_size = 0x400.
    assert_eq!(nst.extensions, [Extension::EarlyDataMax(0x0000_0400)]);
    assert_eq!(
        nst.extension(ExtensionType::EARLY_DATA),
        Some(&Extension::EarlyDataMax(1024))
    );
    assert_eq!(
        HandshakeMessage::NewSessionTicket(nst).to_bytes().unwrap(),
        bytes
    );

    // {server} send handshake record: the first record under the server's
    // application key (sequence number 0).
    let (master, _) = s3_master();
    assert_eq!(secret(master.traffic_secret(Side::Server)), h(S3_SERVER_AP));
    let mut p = record_protector(SUITE, master.traffic_secret(Side::Server)).unwrap();
    let (typ, content) = open(&mut p, &s3_record("05_server_NewSessionTicket")).unwrap();
    assert_eq!(typ, ContentType::HANDSHAKE);
    assert_eq!(content, bytes);
}

// ------------------------------------------------- §4: binder and early secrets

fn psk_offer(ch: &ClientHello) -> &qssl_handshake::PreSharedKeyOffer {
    match ch.extensions.last() {
        Some(Extension::PreSharedKeyOffer(offer)) => offer,
        other => panic!("pre_shared_key is not the last extension: {other:?}"),
    }
}

/// RFC 8448 §4 "{client} extract secret "early"" and "{client} calculate PSK binder":
/// the early secret of the §3 PSK; the binder over the ClientHello cut before its
/// binders (`binders_encoded_len`) equals the one in the trace's ClientHello; the
/// verifier takes it and refuses any change to it, to the transcript or to the PSK.
#[test]
fn s4_early_secret_and_psk_binder() {
    let early = EarlySecret::new(SUITE, Some(&h(S4_EARLY_IKM)));
    assert_eq!(secret(early.secret()), h(S4_EARLY_SECRET));

    let ch_bytes = msg("s4_01_client_ClientHello");
    let ch = parse_client_hello(&ch_bytes);
    let cut = ch.binders_encoded_len().unwrap();
    // One binder: a 2-byte vector length, a 1-byte entry length, 32 bytes of HMAC-SHA256.
    assert_eq!(cut, 2 + 1 + 32);
    let prefix = &ch_bytes[..ch_bytes.len() - cut];
    // The trace's "ClientHello prefix (477 octets)".
    assert_eq!(prefix, msg("s4_01_client_ClientHello_binder_prefix"));
    assert_eq!(prefix.len(), 477);
    let truncated = SUITE.hash.hash(prefix);
    assert_eq!(truncated.as_bytes(), h(S4_BINDER_HASH));

    let binder = early.resumption_binder(&truncated).unwrap();
    assert_eq!(binder.as_bytes(), h(S4_BINDER));
    let offer = psk_offer(&ch);
    assert_eq!(offer.binders, [h(S4_BINDER)]);

    // What the server does with the binder it received.
    assert_eq!(
        early.verify_resumption_binder(&truncated, &offer.binders[0]),
        Ok(())
    );
    for i in 0..offer.binders[0].len() {
        let mut bad = offer.binders[0].clone();
        bad[i] ^= 1 << (i % 8);
        assert_eq!(
            early.verify_resumption_binder(&truncated, &bad),
            Err(CryptoError::BadMac),
            "flipped bit in byte {i}"
        );
    }
    let good = &offer.binders[0];
    assert_eq!(
        early.verify_resumption_binder(&truncated, &good[..31]),
        Err(CryptoError::BadMac)
    );
    assert_eq!(
        early.verify_resumption_binder(&truncated, &[good.as_slice(), &[0]].concat()),
        Err(CryptoError::BadMac)
    );
    assert_eq!(
        early.verify_resumption_binder(&truncated, &[]),
        Err(CryptoError::BadMac)
    );
    // Over the whole ClientHello (binders included) the binder is not valid.
    let whole = SUITE.hash.hash(&ch_bytes);
    assert_eq!(
        early.verify_resumption_binder(&whole, good),
        Err(CryptoError::BadMac)
    );
    // Nor under another PSK: the §3 handshake's early secret had none.
    assert_eq!(
        EarlySecret::new(SUITE, None).verify_resumption_binder(&truncated, good),
        Err(CryptoError::BadMac)
    );
    let mut other_psk = h(S4_EARLY_IKM);
    other_psk[31] ^= 0x80;
    assert_eq!(
        EarlySecret::new(SUITE, Some(&other_psk)).verify_resumption_binder(&truncated, good),
        Err(CryptoError::BadMac)
    );
}

/// RFC 8448 §4 "{client} derive secret "tls13 c e traffic"" over Hash(ClientHello)
/// (the whole hello, binders included) and "{client} derive write traffic keys for
/// early application data".
#[test]
fn s4_client_early_traffic_secret() {
    let early = EarlySecret::new(SUITE, Some(&h(S4_EARLY_IKM)));
    let mut t = Transcript::new();
    t.add(&msg("s4_01_client_ClientHello"));
    t.start_hash(SUITE.hash);
    let hello_hash = t.current_hash().unwrap();
    assert_eq!(hello_hash.as_bytes(), h(S4_CLIENT_HELLO_HASH));

    let cets = early.client_early_traffic_secret(&hello_hash).unwrap();
    assert_eq!(secret(&cets), h(S4_CLIENT_EARLY_TRAFFIC));
    let keys = derive_traffic_keys(SUITE, &cets).unwrap();
    assert_eq!(keys.key, h(S4_EARLY_KEY));
    assert_eq!(keys.iv.to_vec(), h(S4_EARLY_IV));

    // Over the binder-truncated hello instead it is another secret.
    let truncated = SUITE
        .hash
        .hash(&msg("s4_01_client_ClientHello_binder_prefix"));
    assert_ne!(
        secret(&early.client_early_traffic_secret(&truncated).unwrap()),
        h(S4_CLIENT_EARLY_TRAFFIC)
    );
}

// --------------------------------------- §4: handshake, master and resumption

/// RFC 8448 §4 from the PSK on: the x25519 exchange, "{server} extract secret
/// "handshake"", the handshake traffic secrets and keys, the server Finished, "{server}
/// extract secret "master"", the application traffic and exporter secrets and keys, the
/// client Finished (its transcript includes EndOfEarlyData) and "{client} derive secret
/// "tls13 res master"".
#[test]
fn s4_handshake_master_and_resumption_secrets() {
    // {client} create an ephemeral x25519 key pair; the shared secret with the
    // {server}'s public key is the trace's "extract secret handshake" IKM.
    let client_kx = X25519
        .start(&FixedRandom(h(S4_CLIENT_X25519_PRIVATE)))
        .unwrap();
    assert_eq!(client_kx.pub_key(), h(S4_CLIENT_X25519_PUBLIC));
    let ecdhe = client_kx.complete(&h(S4_SERVER_X25519_PUBLIC)).unwrap();
    assert_eq!(ecdhe.as_bytes(), h(S4_ECDHE));

    let mut t = Transcript::new();
    t.add(&msg("s4_01_client_ClientHello"));
    t.start_hash(SUITE.hash);
    t.add(&msg("s4_02_server_ServerHello"));
    let hello_hash = t.current_hash().unwrap();
    assert_eq!(hello_hash.as_bytes(), h(S4_HELLO_HASH));

    let hs = EarlySecret::new(SUITE, Some(&h(S4_EARLY_IKM)))
        .into_handshake(ecdhe.as_bytes(), &hello_hash)
        .unwrap();
    assert_eq!(secret(hs.secret()), h(S4_HANDSHAKE_SECRET));
    assert_eq!(
        secret(hs.traffic_secret(Side::Client)),
        h(S4_CLIENT_HS_TRAFFIC)
    );
    assert_eq!(
        secret(hs.traffic_secret(Side::Server)),
        h(S4_SERVER_HS_TRAFFIC)
    );
    let keys = derive_traffic_keys(SUITE, hs.traffic_secret(Side::Server)).unwrap();
    assert_eq!(keys.key, h(S4_SERVER_HS_KEY));
    assert_eq!(keys.iv.to_vec(), h(S4_SERVER_HS_IV));
    let keys = derive_traffic_keys(SUITE, hs.traffic_secret(Side::Client)).unwrap();
    assert_eq!(keys.key, h(S4_CLIENT_HS_KEY));
    assert_eq!(keys.iv.to_vec(), h(S4_CLIENT_HS_IV));

    // {server} calculate finished: over ClientHello..EncryptedExtensions.
    t.add(&msg("s4_03_server_EncryptedExtensions"));
    let server_finished = msg("s4_04_server_Finished");
    let fin = hs
        .finished(Side::Server, &t.current_hash().unwrap())
        .unwrap();
    assert_eq!(fin.as_bytes(), &server_finished[4..]);
    assert_eq!(
        hs.verify_finished(
            Side::Server,
            &t.current_hash().unwrap(),
            &server_finished[4..]
        ),
        Ok(())
    );
    t.add(&server_finished);
    let server_finished_hash = t.current_hash().unwrap();
    assert_eq!(server_finished_hash.as_bytes(), h(S4_SERVER_FINISHED_HASH));

    let master = hs.into_master(&server_finished_hash).unwrap();
    assert_eq!(secret(master.secret()), h(S4_MASTER));
    assert_eq!(
        secret(master.traffic_secret(Side::Client)),
        h(S4_CLIENT_AP_TRAFFIC)
    );
    assert_eq!(
        secret(master.traffic_secret(Side::Server)),
        h(S4_SERVER_AP_TRAFFIC)
    );
    assert_eq!(secret(master.exporter_secret()), h(S4_EXPORTER_MASTER));
    let keys = derive_traffic_keys(SUITE, master.traffic_secret(Side::Server)).unwrap();
    assert_eq!(keys.key, h(S4_SERVER_AP_KEY));
    assert_eq!(keys.iv.to_vec(), h(S4_SERVER_AP_IV));
    let keys = derive_traffic_keys(SUITE, master.traffic_secret(Side::Client)).unwrap();
    assert_eq!(keys.key, h(S4_CLIENT_AP_KEY));
    assert_eq!(keys.iv.to_vec(), h(S4_CLIENT_AP_IV));

    // {client} calculate finished: the transcript includes EndOfEarlyData.
    t.add(&msg("s4_05_client_EndOfEarlyData"));
    let client_finished = msg("s4_06_client_Finished");
    let fin = master.client_finished(&t.current_hash().unwrap()).unwrap();
    assert_eq!(fin.as_bytes(), &client_finished[4..]);
    assert_eq!(
        master.verify_client_finished(&t.current_hash().unwrap(), &client_finished[4..]),
        Ok(())
    );
    // Without EndOfEarlyData in the transcript the Finished would not match.
    assert_eq!(
        master.verify_client_finished(&server_finished_hash, &client_finished[4..]),
        Err(CryptoError::BadMac)
    );
    t.add(&client_finished);
    let client_finished_hash = t.current_hash().unwrap();
    assert_eq!(client_finished_hash.as_bytes(), h(S4_RES_MASTER_HASH));

    let rms = master
        .resumption_master_secret(&client_finished_hash)
        .unwrap();
    assert_eq!(secret(&rms), h(S4_RES_MASTER));
}

// ------------------------------------------------------ §4: the ClientHello

/// RFC 8448 §4 "{client} send handshake record" (the 512-octet ClientHello): it parses
/// and re-encodes byte for byte, pre_shared_key is its last extension, the identity is
/// the §3 ticket and the obfuscated age minus the §3 ticket_age_add is the ticket's age
/// (RFC 8446 §4.2.11.1). Re-encoding with the binder computed from the trace's PSK
/// reproduces the trace's hello, as a client building it would.
#[test]
fn s4_client_hello_round_trip_offers_the_s3_ticket() {
    let ch_bytes = msg("s4_01_client_ClientHello");
    assert_eq!(ch_bytes.len(), 512);
    // The plaintext record is the message behind a 16 03 01 02 00 header.
    let rec = s4_record("01_client_ClientHello");
    assert_eq!(&rec[..5], &h("16 03 01 02 00")[..]);
    assert_eq!(&rec[5..], &ch_bytes[..]);

    let ch = parse_client_hello(&ch_bytes);
    assert_eq!(
        HandshakeMessage::ClientHello(ch.clone())
            .to_bytes()
            .unwrap(),
        ch_bytes
    );

    // pre_shared_key is last, and there is only one.
    let offer = psk_offer(&ch);
    assert_eq!(
        ch.extensions
            .iter()
            .filter(|e| e.typ() == ExtensionType::PRE_SHARED_KEY)
            .count(),
        1
    );
    // The trace's "29 00 dd": the extension body is 0xdd octets at the very end.
    let ext_start = ch_bytes.len() - 0xdd - 4;
    assert_eq!(&ch_bytes[ext_start..ext_start + 4], &h("00 29 00 dd")[..]);

    let nst = parse_new_session_ticket(&msg("s3_08_server_NewSessionTicket"));
    assert_eq!(offer.identities.len(), 1);
    assert_eq!(offer.identities[0].identity, nst.ticket);
    // obfuscated_ticket_age "fa d6 aa cb" = (age in ms + ticket_age_add) mod 2^32.
    let obfuscated = offer.identities[0].obfuscated_ticket_age;
    assert_eq!(obfuscated, 0xfad6_aacb);
    let age_ms = obfuscated.wrapping_sub(nst.age_add);
    assert_eq!(age_ms, 6);
    assert!(u64::from(age_ms) < u64::from(nst.lifetime) * 1000);

    // The rest of what makes this a 0-RTT resumption offer.
    assert_eq!(
        ch.extension(ExtensionType::EARLY_DATA),
        Some(&Extension::EarlyData)
    );
    assert_eq!(
        ch.extension(ExtensionType::PSK_KEY_EXCHANGE_MODES),
        Some(&Extension::PskKeyExchangeModes(vec![
            PskKeyExchangeMode::PSK_DHE_KE
        ]))
    );
    let Some(Extension::KeyShareOffer(shares)) = ch.extension(ExtensionType::KEY_SHARE) else {
        panic!("no key_share")
    };
    assert_eq!(shares.len(), 1);
    assert_eq!(shares[0].key_exchange, h(S4_CLIENT_X25519_PUBLIC));

    // A client encodes with a placeholder binder of the right length, hashes the prefix
    // and fills the binder in: the prefix does not depend on the binder's value.
    let mut draft = ch.clone();
    let Some(Extension::PreSharedKeyOffer(draft_offer)) = draft.extensions.last_mut() else {
        unreachable!()
    };
    draft_offer.binders = vec![vec![0; 32]];
    let draft_bytes = HandshakeMessage::ClientHello(draft.clone())
        .to_bytes()
        .unwrap();
    assert_eq!(draft_bytes.len(), ch_bytes.len());
    let cut = draft.binders_encoded_len().unwrap();
    assert_eq!(
        &draft_bytes[..draft_bytes.len() - cut],
        &ch_bytes[..ch_bytes.len() - cut]
    );
    let binder = EarlySecret::new(SUITE, Some(&h(S4_EARLY_IKM)))
        .resumption_binder(&SUITE.hash.hash(&draft_bytes[..draft_bytes.len() - cut]))
        .unwrap();
    let Some(Extension::PreSharedKeyOffer(draft_offer)) = draft.extensions.last_mut() else {
        unreachable!()
    };
    draft_offer.binders = vec![binder.as_bytes().to_vec()];
    assert_eq!(
        HandshakeMessage::ClientHello(draft).to_bytes().unwrap(),
        ch_bytes
    );

    // {server} construct a ServerHello: it selects identity 0 and sends its x25519 share.
    let sh_bytes = msg("s4_02_server_ServerHello");
    let rec = s4_record("03_server_ServerHello");
    assert_eq!(&rec[..5], &h("16 03 03 00 60")[..]);
    assert_eq!(&rec[5..], &sh_bytes[..]);
    let HandshakeMessage::ServerHello(sh) = HandshakeMessage::parse(&sh_bytes).unwrap() else {
        panic!("not a ServerHello")
    };
    assert_eq!(
        sh.extension(ExtensionType::PRE_SHARED_KEY),
        Some(&Extension::PreSharedKeySelected(0))
    );
    let Some(Extension::KeyShareSelected(share)) = sh.extension(ExtensionType::KEY_SHARE) else {
        panic!("no key_share")
    };
    assert_eq!(share.key_exchange, h(S4_SERVER_X25519_PUBLIC));
}

// ------------------------------------------------------------ §4: records

/// The §4 record protectors, each from the secret the schedule derives from the trace's
/// PSK, ClientHello, ServerHello, x25519 shared secret and server Finished.
struct S4Protectors {
    early: Protector,
    client_hs: Protector,
    server_hs: Protector,
    client_ap: Protector,
    server_ap: Protector,
}

fn s4_protectors() -> S4Protectors {
    let early = EarlySecret::new(SUITE, Some(&h(S4_EARLY_IKM)));
    let mut t = Transcript::new();
    t.add(&msg("s4_01_client_ClientHello"));
    t.start_hash(SUITE.hash);
    let cets = early
        .client_early_traffic_secret(&t.current_hash().unwrap())
        .unwrap();
    t.add(&msg("s4_02_server_ServerHello"));
    let hs = early
        .into_handshake(&h(S4_ECDHE), &t.current_hash().unwrap())
        .unwrap();
    t.add(&msg("s4_03_server_EncryptedExtensions"));
    t.add(&msg("s4_04_server_Finished"));
    let client_hs = record_protector(SUITE, hs.traffic_secret(Side::Client)).unwrap();
    let server_hs = record_protector(SUITE, hs.traffic_secret(Side::Server)).unwrap();
    let master = hs.into_master(&t.current_hash().unwrap()).unwrap();
    S4Protectors {
        early: record_protector(SUITE, &cets).unwrap(),
        client_hs,
        server_hs,
        client_ap: record_protector(SUITE, master.traffic_secret(Side::Client)).unwrap(),
        server_ap: record_protector(SUITE, master.traffic_secret(Side::Server)).unwrap(),
    }
}

/// RFC 8448 §4 "{client} send application_data record" (0-RTT, "41 42 43 44 45 46") and
/// "{client} send handshake record" (EndOfEarlyData): both are protected under
/// client_early_traffic_secret, as records 0 and 1 of that key.
#[test]
fn s4_early_data_and_end_of_early_data_records() {
    let mut early = s4_protectors().early;
    let (typ, content) = open(&mut early, &s4_record("02_client_EarlyApplicationData")).unwrap();
    assert_eq!(typ, ContentType::APPLICATION_DATA);
    assert_eq!(content, h(S4_EARLY_DATA));

    let (typ, content) = open(&mut early, &s4_record("05_client_EndOfEarlyData")).unwrap();
    assert_eq!(typ, ContentType::HANDSHAKE);
    assert_eq!(content, msg("s4_05_client_EndOfEarlyData"));
    assert_eq!(
        HandshakeMessage::parse(&content).unwrap(),
        HandshakeMessage::EndOfEarlyData
    );
    assert_eq!(early.sequence_number(), 2);
}

/// RFC 8448 §4: the early key's nonce sequence and integrity. EndOfEarlyData is the
/// second record, so it does not open as the first; a tampered 0-RTT record is refused
/// without consuming a sequence number (RFC 8446 §4.2.10 lets a server skip it).
#[test]
fn s4_early_records_fail_out_of_order_or_tampered() {
    let mut early = s4_protectors().early;
    assert_eq!(
        open(&mut early, &s4_record("05_client_EndOfEarlyData")),
        Err(RecordError::BadRecordMac)
    );
    let mut tampered = s4_record("02_client_EarlyApplicationData");
    let last = tampered.len() - 1;
    tampered[last] ^= 1;
    assert_eq!(open(&mut early, &tampered), Err(RecordError::BadRecordMac));
    let mut tampered = s4_record("02_client_EarlyApplicationData");
    tampered[5] ^= 0x40;
    assert_eq!(open(&mut early, &tampered), Err(RecordError::BadRecordMac));
    assert_eq!(early.sequence_number(), 0);
    let (_, content) = open(&mut early, &s4_record("02_client_EarlyApplicationData")).unwrap();
    assert_eq!(content, h(S4_EARLY_DATA));

    // The client's handshake key is not the early key.
    let mut client_hs = s4_protectors().client_hs;
    assert_eq!(
        open(&mut client_hs, &s4_record("02_client_EarlyApplicationData")),
        Err(RecordError::BadRecordMac)
    );
}

/// RFC 8448 §4, the rest of the records: the server's EncryptedExtensions + Finished
/// under its handshake key, the client Finished under the client's, then application
/// data and close_notify each way under the application keys.
#[test]
fn s4_handshake_and_application_records() {
    let S4Protectors {
        mut client_hs,
        mut server_hs,
        mut client_ap,
        mut server_ap,
        ..
    } = s4_protectors();

    let (typ, content) = open(&mut server_hs, &s4_record("04_server_EncryptedFlight")).unwrap();
    assert_eq!(typ, ContentType::HANDSHAKE);
    assert_eq!(
        content,
        [
            msg("s4_03_server_EncryptedExtensions"),
            msg("s4_04_server_Finished")
        ]
        .concat()
    );

    let (typ, content) = open(&mut client_hs, &s4_record("06_client_Finished")).unwrap();
    assert_eq!(typ, ContentType::HANDSHAKE);
    assert_eq!(content, msg("s4_06_client_Finished"));

    for (p, data, alert) in [
        (
            &mut client_ap,
            "07_client_ApplicationData",
            "09_client_Alert",
        ),
        (
            &mut server_ap,
            "08_server_ApplicationData",
            "10_server_Alert",
        ),
    ] {
        let (typ, content) = open(p, &s4_record(data)).unwrap();
        assert_eq!(typ, ContentType::APPLICATION_DATA, "{data}");
        assert_eq!(content, h(S4_APP_DATA), "{data}");
        let (typ, content) = open(p, &s4_record(alert)).unwrap();
        assert_eq!(typ, ContentType::ALERT, "{alert}");
        assert_eq!(content, h(CLOSE_NOTIFY), "{alert}");
    }
}

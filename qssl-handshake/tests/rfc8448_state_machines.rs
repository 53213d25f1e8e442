//! RFC 8448 §3 "Simple 1-RTT Handshake" (TLS_AES_128_GCM_SHA256, x25519, RSA-PSS)
//! through the client and server STATE MACHINES: the trace's messages and records go in,
//! and what comes out is compared with the trace byte for byte. The client also runs as
//! a whole CONNECTION CORE (bytes in, bytes out) on a virtual clock: the trace's
//! records are accepted at the trace's time and refused with certificate_expired once
//! the clock passes the certificate's notAfter.
//!
//! Inputs, all from RFC 8448 (see `tests/vectors/rfc8448/README.md`): the handshake
//! messages (`s3_*.hex`), the protected records (`s3_records/*.hex`), the ephemeral x25519
//! private keys, the server random, the certificate's RSA key ("Private Keys" section,
//! written out below) and the secrets/finished keys quoted next to each assertion.
//!
//! How randomness is injected: the client is started from the trace's ClientHello bytes
//! with `qssl_handshake::testing::client_from_hello` (test-only, doc-hidden), because the
//! trace's hello carries extensions Q-SSL never sends (renegotiation_info,
//! session_ticket, ffdhe groups); its x25519 key is the public `X25519` group started with
//! a `SecureRandom` that returns the trace's private key (the test checks the resulting
//! public key against the trace). The server's x25519 key and its random come the same
//! way: a `SecureRandom` in the provider (server random) and a wrapper group that hands
//! the real `X25519` group the trace's private key.
//!
//! The certificate's key is 1024-bit RSA, below the 2048-bit floor of qssl-crypto's RSA
//! signer and verifiers, so the test signs (server) and verifies (client) the
//! CertificateVerify with the `rsa` crate directly, through the public `SigningKey` /
//! `ServerCertVerifier` traits. The state machines still compute the signed content; the
//! test only supplies the RSA operation. Path validation cannot apply either (self-signed,
//! CN=rsa, no subjectAltName): the test verifier checks the certificate is the trace's,
//! the name is "server" and `now` is inside its 2016-07-30..2026-07-30 validity.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::BytesMut;
use qssl_alert::AlertDescription;
use qssl_crypto::error::CryptoError;
use qssl_crypto::hash::{HashAlgorithm, SHA256};
use qssl_crypto::hmac::{HMAC_SHA256, hmac_sign};
use qssl_crypto::ids::{CipherSuite, NamedGroup, SignatureScheme};
use qssl_crypto::kx::{
    ActiveKeyExchange, CompletedKeyExchange, SECP256R1, SECP384R1, SupportedKxGroup, X25519,
};
use qssl_crypto::provider::default_provider;
use qssl_crypto::rand::SecureRandom;
use qssl_crypto::sign::{KeyAlgorithm, SigningKey};
use qssl_crypto::suites::{ALL_TLS13_SUITES, TLS13_AES_128_GCM_SHA256};
use qssl_handshake::key_schedule::record_protector;
use qssl_handshake::testing::{Endpoint, Peer, transfer_bytes};
use qssl_handshake::verify::{CertificateError, ServerCertVerifier, VerifiedPath};
use qssl_handshake::{
    Action, CertificateDer, CertificateSet, CertifiedKey, ClientParams, ConnectionError, Error,
    HandshakeJoiner, HandshakeSummary, HandshakeType, KeyLog, PeerMisbehaved, RawHandshake,
    ServerName, ServerParams, StateMachine, UnixTime, testing,
};
use qssl_record::{ContentType, Deframer, Protector, TlsVersion};
use rsa::traits::PublicKeyParts;
use rsa::{BoxedUint, PrivateKey as RsaPrivateKey, PublicKey as RsaPublicKey};
use sha2::Sha256;

// ---------------------------------------------------------------- the trace

fn hex_file(path: &str) -> Vec<u8> {
    let path = format!(
        "{}/tests/vectors/rfc8448/{path}",
        env!("CARGO_MANIFEST_DIR")
    );
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    hex::decode(text.split_whitespace().collect::<String>()).unwrap()
}

/// One handshake message of §3 (header included).
fn msg(name: &str) -> Vec<u8> {
    hex_file(&format!("s3_{name}.hex"))
}

/// One complete record of §3, as sent.
fn record(name: &str) -> Vec<u8> {
    hex_file(&format!("s3_records/{name}.hex"))
}

fn h(s: &str) -> Vec<u8> {
    hex::decode(s.split_whitespace().collect::<String>()).unwrap()
}

// {client} create an ephemeral x25519 key pair
const CLIENT_X25519_PRIVATE: &str =
    "49af42ba7f7994852d713ef2784bcbcaa7911de26adc5642cb634540e7ea5005";
const CLIENT_X25519_PUBLIC: &str =
    "99381de560e4bd43d23d8e435a7dbafeb3c06e51c13cae4d5413691e529aaf2c";
// {server} create an ephemeral x25519 key pair
const SERVER_X25519_PRIVATE: [u8; 32] = [
    0xb1, 0x58, 0x0e, 0xea, 0xdf, 0x6d, 0xd5, 0x89, 0xb8, 0xef, 0x4f, 0x2d, 0x56, 0x52, 0x57, 0x8c,
    0xc8, 0x10, 0xe9, 0x98, 0x01, 0x91, 0xec, 0x8d, 0x05, 0x83, 0x08, 0xce, 0xa2, 0x16, 0xa2, 0x1e,
];
// The random of the trace's ServerHello (bytes 6..38 of the message).
const SERVER_RANDOM: [u8; 32] = [
    0xa6, 0xaf, 0x06, 0xa4, 0x12, 0x18, 0x60, 0xdc, 0x5e, 0x6e, 0x60, 0x24, 0x9c, 0xd3, 0x4c, 0x95,
    0x93, 0x0c, 0x8a, 0xc5, 0xcb, 0x14, 0x34, 0xda, 0xc1, 0x55, 0x77, 0x2e, 0xd3, 0xe2, 0x69, 0x28,
];

// derive secret "tls13 c hs traffic" / "tls13 s hs traffic" (expanded)
const CLIENT_HS_TRAFFIC: &str = "b3eddb126e067f35a780b3abf45e2d8f3b1a950738f52e9600746a0e27a55a21";
const SERVER_HS_TRAFFIC: &str = "b67b7d690cc16c4e75e54213cb2d37b4e9c912bcded9105d42befd59d391ad38";
// derive secret "tls13 c ap traffic" / "tls13 s ap traffic" / "tls13 exp master"
const CLIENT_AP_TRAFFIC: &str = "9e40646ce79a7f9dc05af8889bce6552875afa0b06df0087f792ebb7c17504a5";
const SERVER_AP_TRAFFIC: &str = "a11af9f05531f856ad47116b45a950328204b4f44bfb6b3a4b4f1f3fcb631643";
const EXPORTER_MASTER: &str = "fe22f881176eda18eb8f44529e6792c50c9a3f89452f68d8ae311b4309d3cf50";
// {server} / {client} calculate finished "tls13 finished": the finished keys (expanded)
const SERVER_FINISHED_KEY: &str =
    "008d3b66f816ea559f96b537e885c31fc068bf492c652f01f288a1d8cdc19fc8";
const CLIENT_FINISHED_KEY: &str =
    "b80ad01015fb2f0bd65ff7d4da5d6bf83f84821d1f87fdc7d3c75b5a7b42d9c4";

// "Private Keys": the certificate's RSA key.
const RSA_N: &str = "b4bb498f8279303d980836399b36c6988c0c68de55e1bdb826d3901a2461eafd2de49a91d015abbc9a95137ace6c1af19eaa6af98c7ced43120998e187a80ee0ccb0524b1b018c3e0b63264d449a6d38e22a5fda430846748030530ef0461c8ca9d9efbfae8ea6d1d03e2bd193eff0ab9a8002c47428a6d35a8d88d79f7f1e3f";
const RSA_E: &str = "010001";
const RSA_D: &str = "04dea705d43a6ea7209dd8072111a83c81e322a59278b33480641eaf7c0a6985b8e31c44f6de62e1b4c2309f6126e77b7c41e923314bbfa3881305dc1217f16c819ce538e922f369828d0e57195d8c8488460207b2faa726bcf708bbd7db7f679f893492fc2a622e08970aac441ce4e0c3088df25ae679233df8a3bda2ff9941";
const RSA_P: &str = "e435fb7cc83737756dacea96ab7f59a2cc1069db7deb190e17e33a532b273f30a327aa0aaabc58cd67466af9845fadc675fe094af92c4bd1f2c1bc33dd2e0515";
const RSA_Q: &str = "cabd3bc0e0438664c8d4cc9f99977a94d9bbfead8e43870abae3f7eb8b4e0eee8af1d9b4719ba6196cf2cbbaeeebf8b3490afe9e9ffa74a88aa51fc645629303";

/// The certificate's validity: notBefore 2016-07-30 01:23:59Z, notAfter 2026-07-30 01:23:59Z.
const CERT_NOT_BEFORE: u64 = 1_469_841_839;
const CERT_NOT_AFTER: u64 = 1_785_374_639;
/// The time the handshakes run at: 2019-01-01 (the RFC's publication month).
const NOW: u64 = 1_546_300_800;

fn now() -> UnixTime {
    UnixTime::since_unix_epoch(Duration::from_secs(NOW))
}

/// The end-entity certificate inside the trace's Certificate message: the message is
/// `0b 000 1b9 | context 00 | list 0001b5 | cert_data 0001b0 <432 bytes> | extensions 0000`.
fn trace_certificate() -> Vec<u8> {
    let m = msg("04_server_Certificate");
    assert_eq!(&m[..11], &h("0b0001b9 00 0001b5 0001b0")[..]);
    let cert = m[11..m.len() - 2].to_vec();
    assert_eq!(cert.len(), 0x1b0);
    cert
}

fn big(hex_str: &str, bits: u32) -> BoxedUint {
    BoxedUint::from_be_slice(&h(hex_str), bits).unwrap()
}

fn trace_rsa_private() -> RsaPrivateKey {
    RsaPrivateKey::from_components(
        big(RSA_N, 1024),
        big(RSA_E, 1024),
        big(RSA_D, 1024),
        vec![big(RSA_P, 512), big(RSA_Q, 512)],
    )
    .unwrap()
}

fn trace_rsa_public() -> RsaPublicKey {
    let key = RsaPublicKey::new(big(RSA_N, 1024), big(RSA_E, 1024)).unwrap();
    // The certificate holds exactly this modulus.
    let cert = trace_certificate();
    let n = h(RSA_N);
    assert!(cert.windows(n.len()).any(|w| w == n.as_slice()));
    assert_eq!(key.size(), 128);
    key
}

// ------------------------------------------------------ injected randomness

/// Returns `bytes` for every request of exactly their length, and fails otherwise, so
/// an unexpected draw shows up as an error rather than as silently different output.
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

/// x25519 whose server-side key is the trace's: the real `X25519` group, handed the
/// trace's private key as its randomness.
#[derive(Debug)]
struct TraceServerX25519;

impl SupportedKxGroup for TraceServerX25519 {
    fn name(&self) -> NamedGroup {
        NamedGroup::X25519
    }

    fn start(&self, rng: &dyn SecureRandom) -> Result<Box<dyn ActiveKeyExchange>, CryptoError> {
        X25519.start(rng)
    }

    fn start_and_complete(
        &self,
        client_share: &[u8],
        _rng: &dyn SecureRandom,
    ) -> Result<CompletedKeyExchange, CryptoError> {
        X25519.start_and_complete(client_share, &FixedRandom(SERVER_X25519_PRIVATE.to_vec()))
    }
}

/// A group the trace's server lists in its EncryptedExtensions but Q-SSL does not
/// implement (secp521r1, ffdhe*). Configured only so our server's supported_groups
/// lists the same code points; it is never chosen (the client shares only x25519, which
/// comes first), and fails if it were.
#[derive(Debug)]
struct Unimplemented(NamedGroup);

impl SupportedKxGroup for Unimplemented {
    fn name(&self) -> NamedGroup {
        self.0
    }

    fn start(&self, _rng: &dyn SecureRandom) -> Result<Box<dyn ActiveKeyExchange>, CryptoError> {
        Err(CryptoError::KeyGenerationFailed("not implemented"))
    }

    fn start_and_complete(
        &self,
        _client_share: &[u8],
        _rng: &dyn SecureRandom,
    ) -> Result<CompletedKeyExchange, CryptoError> {
        Err(CryptoError::KeyGenerationFailed("not implemented"))
    }
}

// ------------------------------------------------------- 1024-bit RSA seams

/// The trace's RSA key as a `SigningKey` (rsa_pss_rsae_sha256, random salt).
#[derive(Debug)]
struct TraceRsaKey(RsaPrivateKey);

impl SigningKey for TraceRsaKey {
    fn algorithm(&self) -> KeyAlgorithm {
        KeyAlgorithm::Rsa
    }

    fn schemes(&self) -> &[SignatureScheme] {
        &[SignatureScheme::RSA_PSS_RSAE_SHA256]
    }

    fn sign(&self, scheme: SignatureScheme, message: &[u8]) -> Result<Vec<u8>, CryptoError> {
        assert_eq!(scheme, SignatureScheme::RSA_PSS_RSAE_SHA256);
        self.0
            .pss_sign_with_rng::<Sha256, _>(&mut getrandom::SysRng, message)
            .map_err(|_| CryptoError::SigningFailed("RSA-PSS"))
    }

    fn public_key_spki(&self) -> Vec<u8> {
        use rsa::pkcs8::EncodePublicKey;
        self.0
            .to_public_key()
            .to_public_key_der()
            .unwrap()
            .into_vec()
    }
}

/// Accepts exactly the trace's certificate for "server" at a time inside its validity,
/// and checks CertificateVerify signatures (rsa_pss_rsae_sha256) with the trace's key.
#[derive(Debug)]
struct TraceVerifier {
    key: RsaPublicKey,
    cert: Vec<u8>,
}

impl TraceVerifier {
    fn new() -> Self {
        Self {
            key: trace_rsa_public(),
            cert: trace_certificate(),
        }
    }
}

impl ServerCertVerifier for TraceVerifier {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        now: UnixTime,
    ) -> Result<VerifiedPath, CertificateError> {
        if end_entity.as_ref() != self.cert.as_slice() || !intermediates.is_empty() {
            return Err(CertificateError::UnknownIssuer);
        }
        if server_name.to_str() != "server" {
            return Err(CertificateError::NotValidForName);
        }
        let t = now.as_secs();
        if t < CERT_NOT_BEFORE {
            return Err(CertificateError::NotValidYet);
        }
        if t > CERT_NOT_AFTER {
            return Err(CertificateError::Expired);
        }
        // A pinned certificate, not a path to a trust anchor.
        Ok(VerifiedPath::unverified())
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        scheme: SignatureScheme,
        signature: &[u8],
    ) -> Result<(), CertificateError> {
        if cert.as_ref() != self.cert.as_slice() || scheme != SignatureScheme::RSA_PSS_RSAE_SHA256 {
            return Err(CertificateError::BadHandshakeSignature);
        }
        self.key
            .pss_verify::<Sha256>(message, signature)
            .map_err(|_| CertificateError::BadHandshakeSignature)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        vec![SignatureScheme::RSA_PSS_RSAE_SHA256]
    }
}

// --------------------------------------------------------- a record driver

/// Applies a state machine's actions the way the facade does: handshake bytes are queued
/// and flushed into records (protected once a write key is installed) before a new write
/// key; keys, key-log secrets and the summary are kept for the test to inspect.
#[derive(Default)]
struct Driver {
    read: Option<Protector>,
    write: Option<Protector>,
    pending: Vec<u8>,
    /// Every record written, as on the wire.
    sent_records: Vec<Vec<u8>>,
    /// Every handshake message sent, as encoded.
    sent_messages: Vec<(HandshakeType, Vec<u8>)>,
    key_log: Vec<(&'static str, Vec<u8>)>,
    summary: Option<Box<HandshakeSummary>>,
    tickets: usize,
}

impl Driver {
    fn apply(&mut self, actions: Vec<Action>) {
        for a in actions {
            match a {
                Action::SendHandshake { typ, bytes } => {
                    self.pending.extend_from_slice(&bytes);
                    self.sent_messages.push((typ, bytes));
                }
                Action::SetWriteKey(k) => {
                    self.flush();
                    self.write = Some(k.protector().unwrap());
                }
                Action::SetReadKey(k) => self.read = Some(k.protector().unwrap()),
                Action::KeyLog { label, secret, .. } => {
                    self.key_log.push((label, secret.to_vec()));
                }
                Action::HandshakeComplete(s) => self.summary = Some(s),
                Action::SessionTicket(_) => self.tickets += 1,
                Action::SendChangeCipherSpec => panic!("no change_cipher_spec in §3"),
                other => panic!("unexpected action {other:?}"),
            }
        }
    }

    /// Writes the queued handshake bytes as one record.
    fn flush(&mut self) {
        if self.pending.is_empty() {
            return;
        }
        let data = core::mem::take(&mut self.pending);
        let record = self.seal(ContentType::HANDSHAKE, &data);
        self.sent_records.push(record);
    }

    fn seal(&mut self, typ: ContentType, data: &[u8]) -> Vec<u8> {
        match &mut self.write {
            Some(p) => {
                let mut out = BytesMut::new();
                let _status = p.seal_into(typ, data, &mut out).unwrap();
                out.to_vec()
            }
            None => {
                let mut r = vec![typ.0, 3, 3];
                r.extend_from_slice(&(data.len() as u16).to_be_bytes());
                r.extend_from_slice(data);
                r
            }
        }
    }

    /// Opens one whole record from the peer with the current read key (or none):
    /// its content type and content.
    fn open(&mut self, wire: &[u8]) -> Result<(ContentType, Vec<u8>), qssl_record::RecordError> {
        let mut d = Deframer::for_version(TlsVersion::Tls13);
        assert_eq!(d.extend(wire), wire.len());
        let rec = d.next_record().unwrap()?;
        match &mut self.read {
            Some(p) => p.open_in_place(rec).map(|(t, c)| (t, c.to_vec())),
            None => Ok((rec.header.typ, rec.payload.to_vec())),
        }
    }

    fn secret(&self, label: &str) -> String {
        let found: Vec<_> = self.key_log.iter().filter(|(l, _)| *l == label).collect();
        assert_eq!(found.len(), 1, "{label}");
        hex::encode(&found[0].1)
    }
}

/// Splits handshake record content into whole messages.
fn messages(content: &[u8]) -> Vec<RawHandshake> {
    let mut j = HandshakeJoiner::new(Default::default());
    j.push(content).unwrap();
    let mut v = Vec::new();
    while let Some(m) = j.pop() {
        v.push(m);
    }
    assert!(!j.is_mid_message());
    v
}

fn sha256(parts: &[&[u8]]) -> Vec<u8> {
    let mut ctx = SHA256.start();
    for p in parts {
        ctx.update(p);
    }
    ctx.finish().as_bytes().to_vec()
}

/// RFC 8446 §4.4.3: 64 spaces ‖ context ‖ 0 ‖ transcript hash.
fn server_cv_content(transcript_hash: &[u8]) -> Vec<u8> {
    let mut m = vec![0x20; 64];
    m.extend_from_slice(b"TLS 1.3, server CertificateVerify\0");
    m.extend_from_slice(transcript_hash);
    m
}

/// A Finished message: `verify_data = HMAC-SHA256(finished_key, transcript_hash)`
/// (RFC 8446 §4.4.4), with a finished key taken from the trace.
fn finished_message(finished_key: &str, transcript_hash: &[u8]) -> Vec<u8> {
    let tag = hmac_sign(HMAC_SHA256, &h(finished_key), transcript_hash);
    let mut m = vec![20, 0, 0, 32];
    m.extend_from_slice(tag.as_bytes());
    m
}

// ------------------------------------------------------------------ client

fn client_params() -> Arc<ClientParams> {
    Arc::new({
        let mut p = ClientParams::new(Arc::new(default_provider()), Arc::new(TraceVerifier::new()));
        p.suites = ALL_TLS13_SUITES.to_vec();
        p.groups = vec![X25519];
        // The trace's ClientHello advertises record_size_limit 0x4001.
        p.record_size_limit = Some(0x4001);
        p.middlebox_compat = false;
        p.key_log = true;
        p
    })
}

fn start_client() -> qssl_handshake::StateMachine {
    let kx = X25519
        .start(&FixedRandom(h(CLIENT_X25519_PRIVATE)))
        .unwrap();
    assert_eq!(hex::encode(kx.pub_key()), CLIENT_X25519_PUBLIC);
    let client_hello = msg("01_client_ClientHello");
    // The trace's ClientHello record is that message in one plaintext record.
    assert_eq!(record("01_client_ClientHello")[5..], client_hello[..]);
    testing::client_from_hello(
        client_params(),
        ServerName::try_from("server").unwrap(),
        &client_hello,
        kx,
    )
    .unwrap()
}

/// RFC 8448 §3, client side: fed the trace's ServerHello record and encrypted server
/// flight, the client derives the trace's secrets, decrypts the trace's records, accepts
/// the server's CertificateVerify and Finished, and writes the trace's client Finished
/// record byte for byte; then it opens the trace's NewSessionTicket and application data
/// records and writes the trace's application data record.
#[test]
fn rfc8448_s3_client_state_machine() {
    let mut client = start_client();
    let mut d = Driver::default();

    // {server} send handshake record: the ServerHello, in the clear.
    let (typ, content) = d.open(&record("02_server_ServerHello")).unwrap();
    assert_eq!(typ, ContentType::HANDSHAKE);
    assert_eq!(content, msg("02_server_ServerHello"));
    let [sh] = &messages(&content)[..] else {
        panic!("one message")
    };
    let mut out = Vec::new();
    client.handle(sh, now(), &mut out).unwrap();
    d.apply(out);
    assert_eq!(
        d.secret("CLIENT_HANDSHAKE_TRAFFIC_SECRET"),
        CLIENT_HS_TRAFFIC
    );
    assert_eq!(
        d.secret("SERVER_HANDSHAKE_TRAFFIC_SECRET"),
        SERVER_HS_TRAFFIC
    );

    // {server} send handshake record: EE, Certificate, CertificateVerify, Finished in one
    // protected record, opened with the read key the client installed.
    let (typ, content) = d.open(&record("03_server_EncryptedFlight")).unwrap();
    assert_eq!(typ, ContentType::HANDSHAKE);
    let flight = [
        msg("03_server_EncryptedExtensions"),
        msg("04_server_Certificate"),
        msg("05_server_CertificateVerify"),
        msg("06_server_Finished"),
    ]
    .concat();
    assert_eq!(content, flight);
    for m in messages(&content) {
        let mut out = Vec::new();
        client
            .handle(&m, now(), &mut out)
            .unwrap_or_else(|e| panic!("{:?}: {e}", m.typ()));
        d.apply(out);
    }
    assert!(!client.is_handshaking());

    // {client} construct a Finished handshake message / send handshake record.
    assert_eq!(d.sent_messages.len(), 1);
    assert_eq!(d.sent_messages[0].0, HandshakeType::FINISHED);
    assert_eq!(d.sent_messages[0].1, msg("07_client_Finished"));
    assert_eq!(d.sent_records, [record("04_client_Finished")]);

    // derive secret "tls13 c ap traffic" / "tls13 s ap traffic" / "tls13 exp master".
    assert_eq!(d.secret("CLIENT_TRAFFIC_SECRET_0"), CLIENT_AP_TRAFFIC);
    assert_eq!(d.secret("SERVER_TRAFFIC_SECRET_0"), SERVER_AP_TRAFFIC);
    assert_eq!(d.secret("EXPORTER_SECRET"), EXPORTER_MASTER);

    let s = d.summary.take().unwrap();
    assert_eq!(s.suite.suite(), CipherSuite::TLS13_AES_128_GCM_SHA256);
    assert_eq!(s.group, Some(NamedGroup::X25519));
    assert_eq!(
        s.server_signature_scheme,
        SignatureScheme::RSA_PSS_RSAE_SHA256
    );
    assert_eq!(s.server_name.as_deref(), Some("server"));
    assert_eq!(s.peer_record_size_limit, Some(0x4001));
    assert_eq!(s.peer_certificates[0].as_ref(), trace_certificate());
    assert!(!s.hello_retry_request);

    // {server} send handshake record: NewSessionTicket under the application key.
    let (typ, content) = d.open(&record("05_server_NewSessionTicket")).unwrap();
    assert_eq!(typ, ContentType::HANDSHAKE);
    assert_eq!(content, msg("08_server_NewSessionTicket"));
    let [nst] = &messages(&content)[..] else {
        panic!("one message")
    };
    let mut out = Vec::new();
    client.handle(nst, now(), &mut out).unwrap();
    d.apply(out);
    assert_eq!(d.tickets, 1);

    // Application data both ways: the 50 bytes 00..31.
    let payload: Vec<u8> = (0u8..50).collect();
    assert_eq!(
        d.seal(ContentType::APPLICATION_DATA, &payload),
        record("06_client_ApplicationData")
    );
    let (typ, content) = d.open(&record("07_server_ApplicationData")).unwrap();
    assert_eq!(typ, ContentType::APPLICATION_DATA);
    assert_eq!(content, payload);
    // close_notify both ways.
    assert_eq!(
        d.seal(ContentType::ALERT, &[1, 0]),
        record("08_client_Alert")
    );
    assert_eq!(
        d.open(&record("09_server_Alert")).unwrap(),
        (ContentType::ALERT, vec![1, 0])
    );
}

/// The client test can fail: one flipped bit anywhere in the signed part of the flight
/// and the client refuses with the exact alert (the record tag is recomputed here, so
/// the state machine, not the record layer, is what refuses).
#[test]
fn rfc8448_s3_client_refuses_altered_flight() {
    let certificate_verify_at =
        msg("03_server_EncryptedExtensions").len() + msg("04_server_Certificate").len() + 8;
    let finished_at = certificate_verify_at + msg("05_server_CertificateVerify").len() - 8 + 4;
    for (at, alert) in [
        (certificate_verify_at + 10, AlertDescription::DECRYPT_ERROR),
        (finished_at + 3, AlertDescription::DECRYPT_ERROR),
    ] {
        let mut client = start_client();
        let mut d = Driver::default();
        let (_, content) = d.open(&record("02_server_ServerHello")).unwrap();
        let mut out = Vec::new();
        client
            .handle(&messages(&content)[0], now(), &mut out)
            .unwrap();
        d.apply(out);
        let (_, mut content) = d.open(&record("03_server_EncryptedFlight")).unwrap();
        content[at] ^= 1;
        let result = messages(&content).iter().try_for_each(|m| {
            let mut out = Vec::new();
            client.handle(m, now(), &mut out)
        });
        assert_eq!(result.unwrap_err().alert(), alert, "byte {at}");
    }

    // A flipped ciphertext byte is the record layer's bad_record_mac.
    let mut client = start_client();
    let mut d = Driver::default();
    let (_, content) = d.open(&record("02_server_ServerHello")).unwrap();
    let mut out = Vec::new();
    client
        .handle(&messages(&content)[0], now(), &mut out)
        .unwrap();
    d.apply(out);
    let mut rec = record("03_server_EncryptedFlight");
    rec[100] ^= 0x80;
    assert_eq!(
        d.open(&rec).unwrap_err().alert(),
        AlertDescription::BAD_RECORD_MAC
    );
}

// ------------------------------------------------- client, connection core

/// Collects the key-log lines a connection emits.
#[derive(Debug, Default)]
struct CollectedKeys(Mutex<Vec<(String, Vec<u8>)>>);

impl KeyLog for CollectedKeys {
    fn log(&self, label: &str, _client_random: &[u8], secret: &[u8]) {
        self.0
            .lock()
            .unwrap()
            .push((label.to_owned(), secret.to_vec()));
    }
}

impl CollectedKeys {
    fn secret(&self, label: &str) -> String {
        let lines = self.0.lock().unwrap();
        let found: Vec<_> = lines.iter().filter(|(l, _)| l == label).collect();
        assert_eq!(found.len(), 1, "{label}");
        hex::encode(&found[0].1)
    }
}

/// The trace's client as a whole connection core (record layer, joiner, state machine,
/// actions) on a virtual clock set to `now`; the ClientHello record is the trace's.
fn client_connection(now: u64, keys: Arc<CollectedKeys>) -> Peer {
    let kx = X25519
        .start(&FixedRandom(h(CLIENT_X25519_PRIVATE)))
        .unwrap();
    let conn = testing::client_connection_from_hello(
        client_params(),
        ServerName::try_from("server").unwrap(),
        &msg("01_client_ClientHello"),
        kx,
        Some(keys),
    )
    .unwrap();
    assert!(conn.pending_tls().is_empty(), "the hello is the caller's");
    Peer {
        conn,
        now: UnixTime::since_unix_epoch(Duration::from_secs(now)),
    }
}

/// Everything `p` has queued for the server.
fn sent(p: &mut Peer) -> Vec<u8> {
    let mut out = Vec::new();
    p.take_tls(&mut out);
    out
}

/// RFC 8448 §3 through the connection core: the trace's server records go in as bytes
/// (ServerHello and the encrypted flight in one piece), and the core writes the
/// trace's client Finished record, logs the trace's secrets, keeps the ticket, opens
/// the application data and writes the trace's application data and close_notify
/// records byte for byte.
#[test]
fn rfc8448_s3_client_connection_core() {
    let keys = Arc::new(CollectedKeys::default());
    let mut c = client_connection(NOW, keys.clone());
    let from_server = [
        record("02_server_ServerHello"),
        record("03_server_EncryptedFlight"),
    ]
    .concat();
    let (_, r) = transfer_bytes(&from_server, &mut c);
    r.unwrap();
    assert!(!c.is_handshaking());
    assert_eq!(sent(&mut c), record("04_client_Finished"));
    assert_eq!(
        keys.secret("CLIENT_HANDSHAKE_TRAFFIC_SECRET"),
        CLIENT_HS_TRAFFIC
    );
    assert_eq!(
        keys.secret("SERVER_HANDSHAKE_TRAFFIC_SECRET"),
        SERVER_HS_TRAFFIC
    );
    assert_eq!(keys.secret("CLIENT_TRAFFIC_SECRET_0"), CLIENT_AP_TRAFFIC);
    assert_eq!(keys.secret("SERVER_TRAFFIC_SECRET_0"), SERVER_AP_TRAFFIC);
    assert_eq!(keys.secret("EXPORTER_SECRET"), EXPORTER_MASTER);
    let info = c.connection_info().unwrap();
    assert_eq!(info.cipher_suite, CipherSuite::TLS13_AES_128_GCM_SHA256);
    assert_eq!(info.key_exchange_group, Some(NamedGroup::X25519));
    assert_eq!(
        c.peer_signature_scheme(),
        Some(SignatureScheme::RSA_PSS_RSAE_SHA256)
    );
    assert_eq!(
        c.peer_certificates().unwrap()[0].as_ref(),
        trace_certificate()
    );

    // The ticket and the server's application data, in one piece.
    let from_server = [
        record("05_server_NewSessionTicket"),
        record("07_server_ApplicationData"),
    ]
    .concat();
    let (_, r) = transfer_bytes(&from_server, &mut c);
    r.unwrap();
    assert_eq!(c.received_tickets().len(), 1);
    let payload: Vec<u8> = (0u8..50).collect();
    let mut got = vec![0u8; 64];
    assert_eq!(c.read_plaintext(&mut got), payload.len());
    assert_eq!(got[..payload.len()], payload[..]);

    assert_eq!(c.write_plaintext(&payload).unwrap(), payload.len());
    assert_eq!(sent(&mut c), record("06_client_ApplicationData"));
    c.send_close_notify();
    assert_eq!(sent(&mut c), record("08_client_Alert"));
    let (_, r) = transfer_bytes(&record("09_server_Alert"), &mut c);
    r.unwrap();
    assert!(c.peer_has_closed());
}

/// The same trace bytes to a client whose clock is past the certificate's notAfter
/// (2026-07-30): the core refuses the flight with certificate_expired, and the
/// alert it sends is what the trace's server would read under the client handshake
/// traffic key the trace gives.
#[test]
fn rfc8448_s3_client_connection_core_after_the_certificate_expired() {
    let mut c = client_connection(CERT_NOT_AFTER + 1, Arc::default());
    let from_server = [
        record("02_server_ServerHello"),
        record("03_server_EncryptedFlight"),
    ]
    .concat();
    let (_, r) = transfer_bytes(&from_server, &mut c);
    assert_eq!(
        r,
        Err(ConnectionError::Handshake(Error::Certificate(
            CertificateError::Expired
        )))
    );
    let suite = &TLS13_AES_128_GCM_SHA256;
    let secret = suite.hkdf.prk_from_secret(&h(CLIENT_HS_TRAFFIC)).unwrap();
    let mut server_view = Driver {
        read: Some(record_protector(suite, &secret).unwrap()),
        ..Driver::default()
    };
    let alert = sent(&mut c);
    assert_eq!(
        server_view.open(&alert).unwrap(),
        (
            ContentType::ALERT,
            vec![2, AlertDescription::CERTIFICATE_EXPIRED.0]
        )
    );

    // The clock is the only difference: one second before notAfter, the same bytes
    // complete the handshake.
    let mut c = client_connection(CERT_NOT_AFTER - 1, Arc::default());
    let (_, r) = transfer_bytes(&from_server, &mut c);
    r.unwrap();
    assert_eq!(sent(&mut c), record("04_client_Finished"));
}

// ------------------------------------------------------------------ server

fn server_params() -> Arc<ServerParams> {
    let mut provider = default_provider();
    // The only randomness the server's handshake draws itself: ServerHello.random.
    provider.secure_random = Box::leak(Box::new(FixedRandom(SERVER_RANDOM.to_vec())));
    let unimplemented = |g: u16| -> &'static dyn SupportedKxGroup {
        Box::leak(Box::new(Unimplemented(NamedGroup(g))))
    };
    Arc::new({
        // Built with the OS's randomness (the cookie and ticket keys), then handed
        // the trace's.
        let mut p = ServerParams::new(
            Arc::new(default_provider()),
            Arc::new(
                CertificateSet::new(
                    vec![CertifiedKey::new(
                        vec![CertificateDer::from(trace_certificate())],
                        Arc::new(TraceRsaKey(trace_rsa_private())),
                    )],
                    &qssl_crypto::provider::default_provider(),
                )
                .unwrap(),
            ),
        )
        .unwrap();
        p.suites = ALL_TLS13_SUITES.to_vec();
        // The trace server's supported_groups, in its order.
        p.groups = vec![
            &TraceServerX25519,
            SECP256R1,
            SECP384R1,
            unimplemented(0x0019),
            unimplemented(0x0100),
            unimplemented(0x0101),
            unimplemented(0x0102),
            unimplemented(0x0103),
            unimplemented(0x0104),
        ];
        p.record_size_limit = Some(0x4001);
        p.key_log = true;
        p.send_supported_groups = true;
        p.provider = Arc::new(provider);
        // The trace's NewSessionTicket follows secrets that depend on our (randomized)
        // CertificateVerify, so it cannot be reproduced here: no tickets.
        p.ticket_count = 0;
        p
    })
}

/// RFC 8448 §3, server side. From the trace's ClientHello, with the trace's random,
/// x25519 key, certificate and RSA key, our server must:
/// - emit the trace's ServerHello, EncryptedExtensions and Certificate byte for byte;
/// - derive the trace's handshake traffic secrets;
/// - sign a CertificateVerify (RSA-PSS is randomized, so not the trace's bytes) that
///   verifies, with the trace's RSA public key, over RFC 8446 §4.4.3 content whose
///   transcript hash the test computes itself from the trace's messages CH..Certificate;
/// - protect its flight so that the record header and the ciphertext of EE‖Certificate
///   equal the trace's record (AES-GCM is a stream cipher: same key, nonce and plaintext
///   prefix give the same ciphertext prefix);
/// - send a Finished equal to HMAC(the trace's server finished key,
///   SHA-256(CH‖SH‖EE‖Certificate‖our CertificateVerify));
/// - install a read key that opens the trace's client Finished record;
/// - accept a client Finished computed by the test as HMAC(the trace's client finished
///   key, SHA-256(CH‖SH‖EE‖Certificate‖our CV‖our Finished)) — our transcript, since the
///   CertificateVerify differs from the trace's — and refuse the trace's own client
///   Finished (made over the trace's transcript) with decrypt_error.
///
/// The application traffic secrets depend on the server's CertificateVerify, so they
/// cannot be the trace's and are not compared.
#[test]
fn rfc8448_s3_server_state_machine() {
    let client_hello = msg("01_client_ClientHello");
    let mut d = Driver::default();
    let mut server = StateMachine::server(server_params());
    let mut out = Vec::new();
    server
        .handle(&messages(&client_hello)[0], now(), &mut out)
        .unwrap();
    d.apply(out);
    d.flush();

    let types: Vec<HandshakeType> = d.sent_messages.iter().map(|(t, _)| *t).collect();
    assert_eq!(
        types,
        [
            HandshakeType::SERVER_HELLO,
            HandshakeType::ENCRYPTED_EXTENSIONS,
            HandshakeType::CERTIFICATE,
            HandshakeType::CERTIFICATE_VERIFY,
            HandshakeType::FINISHED
        ]
    );
    let sent_messages = d.sent_messages.clone();
    let sent = |i: usize| sent_messages[i].1.clone();
    // Byte for byte: ServerHello, EncryptedExtensions, Certificate.
    assert_eq!(
        hex::encode(sent(0)),
        hex::encode(msg("02_server_ServerHello"))
    );
    assert_eq!(
        hex::encode(sent(1)),
        hex::encode(msg("03_server_EncryptedExtensions"))
    );
    assert_eq!(
        hex::encode(sent(2)),
        hex::encode(msg("04_server_Certificate"))
    );
    assert_eq!(
        d.secret("CLIENT_HANDSHAKE_TRAFFIC_SECRET"),
        CLIENT_HS_TRAFFIC
    );
    assert_eq!(
        d.secret("SERVER_HANDSHAKE_TRAFFIC_SECRET"),
        SERVER_HS_TRAFFIC
    );

    // CertificateVerify: rsa_pss_rsae_sha256, 128-byte signature over the content of
    // the trace's transcript CH..Certificate.
    let cv = sent(3);
    assert_eq!(&cv[..8], &h("0f000084 0804 0080")[..]);
    let transcript_to_cert = sha256(&[
        &msg("01_client_ClientHello"),
        &msg("02_server_ServerHello"),
        &msg("03_server_EncryptedExtensions"),
        &msg("04_server_Certificate"),
    ]);
    trace_rsa_public()
        .pss_verify::<Sha256>(&server_cv_content(&transcript_to_cert), &cv[8..])
        .expect("our CertificateVerify verifies under the trace's key");

    // Finished under the trace's server finished key, over our transcript.
    let through_cv = sha256(&[
        &msg("01_client_ClientHello"),
        &msg("02_server_ServerHello"),
        &msg("03_server_EncryptedExtensions"),
        &msg("04_server_Certificate"),
        &cv,
    ]);
    assert_eq!(sent(4), finished_message(SERVER_FINISHED_KEY, &through_cv));

    // The protected flight: same header, same ciphertext over EE‖Certificate.
    let ours = &d.sent_records[1];
    let theirs = record("03_server_EncryptedFlight");
    assert_eq!(ours.len(), theirs.len());
    let prefix =
        5 + msg("03_server_EncryptedExtensions").len() + msg("04_server_Certificate").len();
    assert_eq!(hex::encode(&ours[..prefix]), hex::encode(&theirs[..prefix]));
    assert_ne!(ours[prefix..], theirs[prefix..]);

    // The server's read key is the trace's client handshake key: it opens the trace's
    // client Finished record.
    let (typ, trace_client_finished) = d.open(&record("04_client_Finished")).unwrap();
    assert_eq!(typ, ContentType::HANDSHAKE);
    assert_eq!(trace_client_finished, msg("07_client_Finished"));

    // The client Finished for our transcript is accepted...
    let through_server_finished = sha256(&[
        &msg("01_client_ClientHello"),
        &msg("02_server_ServerHello"),
        &msg("03_server_EncryptedExtensions"),
        &msg("04_server_Certificate"),
        &cv,
        &sent(4),
    ]);
    let fin = finished_message(CLIENT_FINISHED_KEY, &through_server_finished);
    let mut out = Vec::new();
    server.handle(&messages(&fin)[0], now(), &mut out).unwrap();
    d.apply(out);
    assert!(!server.is_handshaking());
    let s = d.summary.take().unwrap();
    assert_eq!(s.group, Some(NamedGroup::X25519));
    assert_eq!(
        s.server_signature_scheme,
        SignatureScheme::RSA_PSS_RSAE_SHA256
    );
    assert_eq!(s.server_name.as_deref(), Some("server"));
    assert_eq!(s.peer_record_size_limit, Some(0x4001));
    assert_eq!(
        s.suite.tls13().unwrap().hash.algorithm(),
        HashAlgorithm::Sha256
    );

    // ...and the trace's own client Finished (over the trace's transcript) is not.
    let mut server = StateMachine::server(server_params());
    let mut out = Vec::new();
    server
        .handle(&messages(&client_hello)[0], now(), &mut out)
        .unwrap();
    let mut out = Vec::new();
    let err = server
        .handle(&messages(&trace_client_finished)[0], now(), &mut out)
        .unwrap_err();
    assert_eq!(err, Error::PeerMisbehaved(PeerMisbehaved::BadFinished));
    assert_eq!(err.alert(), AlertDescription::DECRYPT_ERROR);
}

//! Entry points for the fuzz targets: each target is a one-line wrapper over one of
//! these. They panic (which the fuzzer reports) only when an invariant breaks, never on
//! bad input.

use crate::codec::HandshakeType;
use crate::codec::extensions::{ExtensionContext, encode_extensions, parse_extensions};
use crate::codec::joiner::HandshakeJoiner;
use crate::codec::limits::DecodeLimits;
use crate::codec::message::HandshakeMessage;

/// Parses `data` as one whole handshake message; if it parses, encoding it must give
/// `data` back byte for byte (the transcript depends on it).
pub fn fuzz_parse_handshake(data: &[u8]) {
    match HandshakeMessage::parse(data) {
        // Every length in a parsed message fitted its prefix, so encoding cannot fail.
        Ok(msg) => assert_eq!(
            msg.to_bytes().as_deref(),
            Ok(data),
            "decode → encode changed {msg:?}"
        ),
        Err(e) => {
            let _ = e.alert();
        }
    }
}

/// Every message type [`HandshakeMessage`] has a parser for, and one it keeps as
/// [`HandshakeMessage::Unknown`] (certificate_status, TLS 1.2 only).
const BODY_TYPES: [HandshakeType; 11] = [
    HandshakeType::CLIENT_HELLO,
    HandshakeType::SERVER_HELLO,
    HandshakeType::NEW_SESSION_TICKET,
    HandshakeType::END_OF_EARLY_DATA,
    HandshakeType::ENCRYPTED_EXTENSIONS,
    HandshakeType::CERTIFICATE,
    HandshakeType::CERTIFICATE_REQUEST,
    HandshakeType::CERTIFICATE_VERIFY,
    HandshakeType::FINISHED,
    HandshakeType::KEY_UPDATE,
    HandshakeType::CERTIFICATE_STATUS,
];

/// The first byte picks a message type (one of those Q-SSL parses, by index, so a
/// fuzzer reaches every parser without finding the type codes); the rest is parsed as
/// a body of that type. A body that parses must be of that type and re-encode to the
/// same bytes.
pub fn fuzz_parse_handshake_body(data: &[u8]) {
    let Some((&sel, body)) = data.split_first() else {
        return;
    };
    let typ = BODY_TYPES[usize::from(sel) % BODY_TYPES.len()];
    match HandshakeMessage::parse_body(typ, body) {
        Ok(msg) => {
            assert_eq!(msg.typ(), typ, "parsed as another type: {msg:?}");
            let mut out = Vec::new();
            assert_eq!(msg.encode_body(&mut out), Ok(()), "{msg:?}");
            assert_eq!(out, body, "decode → encode changed {msg:?}");
        }
        Err(e) => {
            let _ = e.alert();
        }
    }
}

/// The first byte picks an [`ExtensionContext`]; the rest is parsed as an extension
/// block in it. A block that parses must re-encode to the same bytes.
pub fn fuzz_parse_extensions(data: &[u8]) {
    let Some((&sel, rest)) = data.split_first() else {
        return;
    };
    let ctx = match sel % 7 {
        0 => ExtensionContext::ClientHello,
        1 => ExtensionContext::ServerHello,
        2 => ExtensionContext::HelloRetryRequest,
        3 => ExtensionContext::EncryptedExtensions,
        4 => ExtensionContext::CertificateRequest,
        5 => ExtensionContext::Certificate,
        _ => ExtensionContext::NewSessionTicket,
    };
    if let Ok(exts) = parse_extensions(rest, ctx) {
        let mut out = Vec::new();
        assert_eq!(encode_extensions(&exts, &mut out), Ok(()), "{exts:?}");
        assert_eq!(out, rest, "decode → encode changed {exts:?}");
    }
}

/// The first byte is a fragment size (0 → 1); the rest is pushed into a
/// [`HandshakeJoiner`] in fragments of that size. The messages that come out must be
/// exactly the stream's prefix, in order, whatever the fragment size.
pub fn fuzz_joiner(data: &[u8]) {
    let Some((&size, stream)) = data.split_first() else {
        return;
    };
    let size = usize::from(size.max(1));
    let mut joiner = HandshakeJoiner::new(DecodeLimits {
        max_message_len: 4096,
        max_certificate_message_len: 8192,
    });
    let mut joined = Vec::new();
    for chunk in stream.chunks(size) {
        if joiner.push(chunk).is_err() {
            break;
        }
        while let Some(m) = joiner.pop() {
            let _ = m.parse();
            joined.extend_from_slice(m.bytes());
        }
    }
    assert!(
        stream.starts_with(&joined),
        "joiner reordered or altered bytes"
    );
}

/// Parses `data` as one whole TLS 1.2 handshake message ([`Tls12Message`](crate::Tls12Message)); one that
/// parses must encode back to `data` byte for byte (the TLS 1.2 transcript and the
/// ServerKeyExchange signature depend on it).
pub fn fuzz_parse_tls12_handshake(data: &[u8]) {
    match crate::Tls12Message::parse(data) {
        Ok(msg) => assert_eq!(
            msg.to_bytes().as_deref(),
            Ok(data),
            "decode → encode changed {msg:?}"
        ),
        Err(e) => {
            let _ = e.alert();
        }
    }
}

/// Seeds for the TLS 1.2 message target: one of each message Q-SSL parses, encoded.
pub fn tls12_message_seeds() -> Vec<Vec<u8>> {
    use crate::{
        CertificateVerify, ClientCertificateType, ClientKeyExchange, Finished, ServerEcdhParams,
        ServerKeyExchange, Tls12Certificate, Tls12CertificateRequest, Tls12Message,
        Tls12NewSessionTicket,
    };
    use qssl_crypto::ids::{NamedGroup, SignatureScheme};
    let messages = [
        Tls12Message::HelloRequest,
        Tls12Message::Certificate(Tls12Certificate {
            chain: vec![vec![0x30, 0x82, 0x01, 0x00], vec![0x30, 0x03, 1, 2, 3]],
        }),
        Tls12Message::ServerKeyExchange(ServerKeyExchange {
            params: ServerEcdhParams {
                named_curve: NamedGroup::SECP256R1,
                public: [&[4u8][..], &[0x11; 64]].concat(),
            },
            signature: CertificateVerify {
                scheme: SignatureScheme::ECDSA_SECP256R1_SHA256,
                signature: vec![0x30, 0x44, 2, 0x20],
            },
        }),
        Tls12Message::CertificateRequest(Tls12CertificateRequest {
            certificate_types: vec![
                ClientCertificateType::ECDSA_SIGN,
                ClientCertificateType::RSA_SIGN,
            ],
            signature_schemes: vec![
                SignatureScheme::ECDSA_SECP256R1_SHA256,
                SignatureScheme::RSA_PSS_RSAE_SHA256,
            ],
            certificate_authorities: vec![vec![0x30, 0x00]],
        }),
        Tls12Message::ServerHelloDone,
        Tls12Message::ClientKeyExchange(ClientKeyExchange {
            public: vec![0x22; 32],
        }),
        Tls12Message::Finished(Finished {
            verify_data: vec![0x33; 12],
        }),
        Tls12Message::NewSessionTicket(Tls12NewSessionTicket {
            lifetime_hint: 7200,
            ticket: vec![0x44; 160],
        }),
    ];
    messages.iter().filter_map(|m| m.to_bytes().ok()).collect()
}

/// The time the session-ticket target redeems at (tickets in its seeds are made then).
pub const SESSION_FUZZ_NOW: u64 = 1_750_000_000;

/// Deterministic "randomness" for the session-ticket target's key ring, so its seed
/// tickets open in every run: SHA-256 of a counter, never for real keys.
#[derive(Debug, Default)]
struct CounterRandom(std::sync::atomic::AtomicU64);

impl qssl_crypto::rand::SecureRandom for CounterRandom {
    fn fill(&self, dest: &mut [u8]) -> Result<(), qssl_crypto::error::CryptoError> {
        for chunk in dest.chunks_mut(32) {
            let n = self.0.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            let block = qssl_crypto::hash::SHA256.hash(&n.to_be_bytes());
            chunk.copy_from_slice(&block.as_bytes()[..chunk.len()]);
        }
        Ok(())
    }
}

/// The session-ticket target's key ring: the default AEAD and period, keys from a
/// fresh counter-based `CounterRandom` (leaked: a few per process) so the same ring, with its key
/// for [`SESSION_FUZZ_NOW`] already drawn, comes back every time.
pub fn fuzz_ticket_ring() -> qssl_session::TicketKeyRing {
    use qssl_session::Ticketer;
    let rng: &'static CounterRandom = Box::leak(Box::default());
    match qssl_session::TicketKeyRing::new(
        crate::config::DEFAULT_TICKET_KEY_PERIOD,
        qssl_crypto::aead::AES_256_GCM,
        rng,
    ) {
        Ok(ring) => {
            let _ = ring.issue(b"", SESSION_FUZZ_NOW);
            ring
        }
        // The counter never fails.
        Err(e) => panic!("fuzz key ring: {e}"),
    }
}

/// Decodes `data` as a session state — what tickets carry and client stores keep, and
/// what a store shared by a fleet could hand back altered. A state that decodes must
/// re-encode to the same bytes, and its age arithmetic must not panic.
pub fn fuzz_session_state(data: &[u8]) {
    if let Some(state) = crate::resumption::SessionState::decode(data) {
        let again = state.encode();
        assert_eq!(
            again.as_deref().map(|v| v.as_slice()),
            Ok(data),
            "decode → encode changed {state:?}"
        );
        let _ = state.is_live(SESSION_FUZZ_NOW);
        let _ = state.obfuscated_age(SESSION_FUZZ_NOW);
    }
}

/// The first byte selects: 0, the rest is a session state ([`fuzz_session_state`]);
/// anything else, the rest is a ticket redeemed by `ring` at [`SESSION_FUZZ_NOW`], and
/// what it opens to is decoded as a state.
pub fn fuzz_session_ticket(ring: &qssl_session::TicketKeyRing, data: &[u8]) {
    use qssl_session::Ticketer;
    match data.split_first() {
        Some((0, state)) => fuzz_session_state(state),
        Some((_, ticket)) => {
            if let Some(state) = ring.redeem(ticket, SESSION_FUZZ_NOW) {
                fuzz_session_state(&state);
            }
        }
        None => {}
    }
}

/// Seeds for the session-ticket target: a state a client keeps (with a ticket and a
/// peer chain), one a server seals, and that one sealed by a fresh
/// [`fuzz_ticket_ring`] at [`SESSION_FUZZ_NOW`] (the first ticket the target's own ring
/// makes, so it opens there).
pub fn session_ticket_seeds() -> Vec<Vec<u8>> {
    use crate::resumption::SessionState;
    use crate::verify::{CertificateDer, PathSignature, VerifiedPath};
    use qssl_crypto::ids::{CipherSuite, NamedGroup, SignatureScheme};
    use qssl_session::Ticketer;
    let server = SessionState {
        suite: CipherSuite::TLS13_AES_128_GCM_SHA256,
        secret: zeroize::Zeroizing::new(vec![0x42; 32]),
        auth_time: SESSION_FUZZ_NOW - 60,
        issued_at: SESSION_FUZZ_NOW - 10,
        lifetime: 7200,
        age_add: 0x0102_0304,
        max_early_data: 16384,
        group: NamedGroup::X25519MLKEM768,
        kx_post_quantum: true,
        server_scheme: SignatureScheme::MLDSA65,
        client_scheme: None,
        alpn: Some(b"h2".to_vec()),
        server_name: Some("localhost".into()),
        peer_certificates: Vec::new(),
        peer_path: VerifiedPath::unverified(),
        ticket: Vec::new(),
        tls12: None,
    };
    let mut client = server.clone();
    client.peer_certificates = vec![CertificateDer::from(vec![0x30, 0x03, 1, 2, 3]); 2];
    client.peer_path = VerifiedPath::new(vec![
        PathSignature::new(0, SignatureScheme::MLDSA65),
        PathSignature::new(1, SignatureScheme::MLDSA65),
    ]);
    client.ticket = vec![0xaa; 120];
    let mut seeds = Vec::new();
    for state in [&client, &server] {
        if let Ok(bytes) = state.encode() {
            seeds.push([&[0u8][..], &bytes].concat());
        }
    }
    if let Ok(bytes) = server.encode()
        && let Some(ticket) = fuzz_ticket_ring().issue(&bytes, SESSION_FUZZ_NOW)
    {
        seeds.push([&[1u8][..], &ticket].concat());
    }
    seeds
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The seeds exercise what they claim (the ticket opens in a fresh ring of the
    /// target's), and `QSSL_WRITE_CORPUS=<dir>` writes them to
    /// `<dir>/session_ticket/` (`fuzz/corpus` is the committed corpus).
    #[test]
    fn session_ticket_seeds_decode_and_open() {
        let seeds = session_ticket_seeds();
        assert_eq!(seeds.len(), 3);
        for s in &seeds[..2] {
            assert!(crate::resumption::SessionState::decode(&s[1..]).is_some());
        }
        use qssl_session::Ticketer;
        assert!(
            fuzz_ticket_ring()
                .redeem(&seeds[2][1..], SESSION_FUZZ_NOW)
                .is_some()
        );
        for s in &seeds {
            fuzz_session_ticket(&fuzz_ticket_ring(), s);
        }
        let tls12 = tls12_message_seeds();
        assert_eq!(tls12.len(), 8, "every seed message encodes");
        for s in &tls12 {
            assert!(crate::Tls12Message::parse(s).is_ok());
            fuzz_parse_tls12_handshake(s);
        }
        if let Some(dir) = std::env::var_os("QSSL_WRITE_CORPUS") {
            let tls12 = std::path::Path::new(&dir).join("tls12_message");
            std::fs::create_dir_all(&tls12).unwrap();
            for (i, s) in tls12_message_seeds().iter().enumerate() {
                std::fs::write(tls12.join(format!("seed-{i}")), s).unwrap();
            }
            let dir = std::path::Path::new(&dir).join("session_ticket");
            std::fs::create_dir_all(&dir).unwrap();
            for (i, s) in seeds.iter().enumerate() {
                std::fs::write(dir.join(format!("seed-{i}")), s).unwrap();
            }
        }
    }
}

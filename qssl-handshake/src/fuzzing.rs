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

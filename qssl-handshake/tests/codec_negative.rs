//! Negative tests: for each malformed input class, the exact error and the exact alert
//! the peer receives.

use std::path::PathBuf;

use qssl_alert::AlertDescription;
use qssl_crypto::ids::{NamedGroup, SignatureScheme};
use qssl_handshake::limits::{MAX_CERTIFICATE_LEN, MAX_KEY_EXCHANGE_LEN, MAX_SIGNATURE_LEN};
use qssl_handshake::{
    Certificate, CertificateEntry, CertificateVerify, ClientHello, DecodeLimits,
    EncryptedExtensions, Extension, ExtensionContext, HandshakeJoiner, HandshakeMessage,
    InvalidMessage, KeyShareEntry, PreSharedKeyOffer, PskIdentity, parse_extensions,
};

const DECODE_ERROR: AlertDescription = AlertDescription::DECODE_ERROR;
const ILLEGAL_PARAMETER: AlertDescription = AlertDescription::ILLEGAL_PARAMETER;

fn rfc8448(name: &str) -> Vec<u8> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/vectors/rfc8448")
        .join(name);
    let text = std::fs::read_to_string(path).unwrap();
    hex::decode(text.split_whitespace().collect::<String>()).unwrap()
}

/// Asserts that `bytes` fails with `expected`, which the peer hears as `alert`.
#[track_caller]
fn rejects(bytes: &[u8], expected: InvalidMessage, alert: AlertDescription) {
    let err = HandshakeMessage::parse(bytes).unwrap_err();
    assert_eq!(err, expected);
    assert_eq!(err.alert(), alert);
    assert_eq!(qssl_handshake::Error::from(err).alert(), alert);
}

fn s3_client_hello() -> ClientHello {
    match HandshakeMessage::parse(&rfc8448("s3_01_client_ClientHello.hex")).unwrap() {
        HandshakeMessage::ClientHello(ch) => ch,
        m => panic!("{m:?}"),
    }
}

fn encode(m: HandshakeMessage) -> Vec<u8> {
    m.to_bytes().unwrap()
}

/// Finds `needle` in `hay` exactly once and returns its offset.
fn find_once(hay: &[u8], needle: &[u8]) -> usize {
    let hits: Vec<usize> = hay
        .windows(needle.len())
        .enumerate()
        .filter(|(_, w)| *w == needle)
        .map(|(i, _)| i)
        .collect();
    assert_eq!(hits.len(), 1, "{needle:02x?}");
    hits[0]
}

#[test]
fn duplicate_extension_is_illegal_parameter() {
    let mut ch = s3_client_hello();
    let sni = ch.extensions[0].clone();
    ch.extensions.insert(1, sni);
    rejects(
        &encode(HandshakeMessage::ClientHello(ch)),
        InvalidMessage::DuplicateExtension,
        ILLEGAL_PARAMETER,
    );

    // Same type, different bodies, in EncryptedExtensions.
    let ee = EncryptedExtensions {
        extensions: vec![
            Extension::RecordSizeLimit(100),
            Extension::RecordSizeLimit(200),
        ],
    };
    rejects(
        &encode(HandshakeMessage::EncryptedExtensions(ee)),
        InvalidMessage::DuplicateExtension,
        ILLEGAL_PARAMETER,
    );

    // Unknown types are compared too.
    let unknown = Extension::Unknown {
        typ: qssl_handshake::ExtensionType(0x2222),
        data: vec![],
    };
    let mut block = Vec::new();
    qssl_handshake::encode_extensions(&[unknown.clone(), unknown], &mut block).unwrap();
    assert_eq!(
        parse_extensions(&block, ExtensionContext::Certificate),
        Err(InvalidMessage::DuplicateExtension)
    );
}

#[test]
fn pre_shared_key_not_last_is_illegal_parameter() {
    let mut ch = s3_client_hello();
    ch.extensions.insert(
        0,
        Extension::PreSharedKeyOffer(PreSharedKeyOffer {
            identities: vec![PskIdentity {
                identity: vec![1],
                obfuscated_ticket_age: 0,
            }],
            binders: vec![vec![0; 32]],
        }),
    );
    rejects(
        &encode(HandshakeMessage::ClientHello(ch)),
        InvalidMessage::PreSharedKeyNotLast,
        ILLEGAL_PARAMETER,
    );
}

#[test]
fn wrong_inner_lengths_are_decode_error() {
    let ch = rfc8448("s3_01_client_ClientHello.hex");
    // server_name: 00 00 | 00 0b | 00 09 | 00 | 00 06 "server"
    let sni = find_once(&ch, &[0x00, 0x00, 0x00, 0x0b, 0x00, 0x09, 0x00, 0x00, 0x06]);

    // HostName length one too long: it runs past the ServerNameList.
    let mut bad = ch.clone();
    bad[sni + 8] = 0x07;
    rejects(&bad, InvalidMessage::Truncated, DECODE_ERROR);

    // HostName length one too short: the left-over "r" is read as the next entry's
    // name_type.
    let mut bad = ch.clone();
    bad[sni + 8] = 0x05;
    rejects(&bad, InvalidMessage::UnknownServerNameType, DECODE_ERROR);

    // ServerNameList length one too short: its only entry runs past it.
    let mut bad = ch.clone();
    bad[sni + 5] = 0x08;
    rejects(&bad, InvalidMessage::Truncated, DECODE_ERROR);

    // extension_data length one too long for the body it holds.
    let mut bad = ch.clone();
    bad[sni + 3] = 0x0c;
    rejects(&bad, InvalidMessage::TrailingBytes, DECODE_ERROR);

    // Cipher suites: odd length (3) cannot hold whole suites.
    let suites = find_once(&ch, &[0x00, 0x06, 0x13, 0x01, 0x13, 0x03, 0x13, 0x02]);
    let mut bad = ch.clone();
    bad[suites + 1] = 0x05;
    rejects(&bad, InvalidMessage::Truncated, DECODE_ERROR);

    // The handshake header says one byte more than there is, or one less.
    let mut bad = ch.clone();
    bad[3] += 1;
    rejects(&bad, InvalidMessage::Truncated, DECODE_ERROR);
    let mut bad = ch.clone();
    bad[3] -= 1;
    rejects(&bad, InvalidMessage::Truncated, DECODE_ERROR);

    // An empty extension with a body (extended_master_secret carries nothing).
    let mut block = vec![0, 5, 0, 23, 0, 1, 0];
    assert_eq!(
        parse_extensions(&block, ExtensionContext::ClientHello),
        Err(InvalidMessage::TrailingBytes)
    );
    block = vec![0, 4, 0, 23, 0, 0];
    assert_eq!(
        parse_extensions(&block, ExtensionContext::ClientHello),
        Ok(vec![Extension::ExtendedMasterSecret])
    );
}

#[test]
fn below_minimum_lengths_are_decode_error() {
    let mut ch = s3_client_hello();
    ch.cipher_suites.clear();
    rejects(
        &encode(HandshakeMessage::ClientHello(ch)),
        InvalidMessage::LengthOutOfRange,
        DECODE_ERROR,
    );

    let mut ch = s3_client_hello();
    ch.compression_methods.clear();
    rejects(
        &encode(HandshakeMessage::ClientHello(ch)),
        InvalidMessage::LengthOutOfRange,
        DECODE_ERROR,
    );

    // opaque PskBinderEntry<32..255>;
    let mut ch = s3_client_hello();
    ch.extensions
        .push(Extension::PreSharedKeyOffer(PreSharedKeyOffer {
            identities: vec![PskIdentity {
                identity: vec![1],
                obfuscated_ticket_age: 0,
            }],
            binders: vec![vec![0; 31]],
        }));
    rejects(
        &encode(HandshakeMessage::ClientHello(ch)),
        InvalidMessage::LengthOutOfRange,
        DECODE_ERROR,
    );

    // opaque HostName<1..2^16-1>;
    let mut ch = s3_client_hello();
    ch.extensions[0] = Extension::ServerName(vec![vec![]]);
    rejects(
        &encode(HandshakeMessage::ClientHello(ch)),
        InvalidMessage::LengthOutOfRange,
        DECODE_ERROR,
    );
}

#[test]
fn over_limit_lengths_are_decode_error() {
    // legacy_session_id<0..32>
    let mut ch = s3_client_hello();
    ch.session_id = vec![0; 33];
    rejects(
        &encode(HandshakeMessage::ClientHello(ch)),
        InvalidMessage::TooLarge,
        DECODE_ERROR,
    );

    // A key share one byte above the cap; the cap itself is accepted.
    for (len, ok) in [
        (MAX_KEY_EXCHANGE_LEN, true),
        (MAX_KEY_EXCHANGE_LEN + 1, false),
    ] {
        let mut ch = s3_client_hello();
        for e in &mut ch.extensions {
            if let Extension::KeyShareOffer(shares) = e {
                shares.push(KeyShareEntry {
                    group: NamedGroup::SECP384R1MLKEM1024,
                    key_exchange: vec![4; len],
                });
            }
        }
        let bytes = encode(HandshakeMessage::ClientHello(ch));
        if ok {
            HandshakeMessage::parse(&bytes).unwrap();
        } else {
            rejects(&bytes, InvalidMessage::TooLarge, DECODE_ERROR);
        }
    }

    // ML-DSA-87 signatures fit; one byte above the cap does not.
    for (len, ok) in [
        (4627, true),
        (MAX_SIGNATURE_LEN, true),
        (MAX_SIGNATURE_LEN + 1, false),
    ] {
        let bytes = encode(HandshakeMessage::CertificateVerify(CertificateVerify {
            scheme: SignatureScheme::MLDSA87,
            signature: vec![1; len],
        }));
        if ok {
            HandshakeMessage::parse(&bytes).unwrap();
        } else {
            rejects(&bytes, InvalidMessage::TooLarge, DECODE_ERROR);
        }
    }

    // A single certificate above 64 KiB.
    for (len, ok) in [
        (MAX_CERTIFICATE_LEN, true),
        (MAX_CERTIFICATE_LEN + 1, false),
    ] {
        let bytes = encode(HandshakeMessage::Certificate(Certificate {
            context: vec![],
            entries: vec![CertificateEntry {
                cert_data: vec![0x30; len],
                extensions: vec![],
            }],
        }));
        if ok {
            HandshakeMessage::parse(&bytes).unwrap();
        } else {
            rejects(&bytes, InvalidMessage::TooLarge, DECODE_ERROR);
        }
    }
}

#[test]
fn message_limits_depend_on_the_type() {
    let limits = DecodeLimits {
        max_message_len: 1000,
        max_certificate_message_len: 100_000,
    };
    let cert = encode(HandshakeMessage::Certificate(Certificate {
        context: vec![],
        entries: (0..3)
            .map(|_| CertificateEntry {
                cert_data: vec![0x30; 20_000],
                extensions: vec![],
            })
            .collect(),
    }));
    HandshakeMessage::parse_with_limits(&cert, &limits).unwrap();
    let fin = encode(HandshakeMessage::Finished(qssl_handshake::Finished {
        verify_data: vec![0; 1001],
    }));
    let err = HandshakeMessage::parse_with_limits(&fin, &limits).unwrap_err();
    assert_eq!(err, InvalidMessage::HandshakeMessageTooLarge);
    assert_eq!(err.alert(), DECODE_ERROR);
}

#[test]
fn joiner_refuses_an_oversized_header_before_buffering() {
    let limits = DecodeLimits::default();
    let mut joiner = HandshakeJoiner::new(limits);
    // A ClientHello header declaring one byte more than allowed, and nothing else.
    let len = (limits.max_message_len + 1) as u32;
    let mut header = vec![1];
    header.extend_from_slice(&len.to_be_bytes()[1..]);
    // The first three bytes are not a whole header yet: nothing to judge.
    joiner.push(&header[..3]).unwrap();
    let err = joiner.push(&header[3..]).unwrap_err();
    assert_eq!(err, InvalidMessage::HandshakeMessageTooLarge);
    assert_eq!(err.alert(), DECODE_ERROR);
    // Sticky: the joiner refuses everything afterwards.
    assert_eq!(
        joiner.push(&[0]),
        Err(InvalidMessage::HandshakeMessageTooLarge)
    );
    assert!(joiner.pop().is_none());

    // The same length is fine for a Certificate, and only the bytes pushed are held.
    let mut joiner = HandshakeJoiner::new(limits);
    let mut header = vec![11];
    header.extend_from_slice(&len.to_be_bytes()[1..]);
    joiner.push(&header).unwrap();
    joiner.push(&[0; 10]).unwrap();
    assert!(joiner.is_mid_message());
    assert_eq!(joiner.buffered_len(), 14);

    // Above the certificate limit too.
    let len = (limits.max_certificate_message_len + 1) as u32;
    let mut joiner = HandshakeJoiner::new(limits);
    let mut header = vec![11];
    header.extend_from_slice(&len.to_be_bytes()[1..]);
    assert_eq!(
        joiner.push(&header),
        Err(InvalidMessage::HandshakeMessageTooLarge)
    );
}

#[test]
fn key_update_out_of_range_is_illegal_parameter() {
    HandshakeMessage::parse(&[24, 0, 0, 1, 0]).unwrap();
    HandshakeMessage::parse(&[24, 0, 0, 1, 1]).unwrap();
    rejects(
        &[24, 0, 0, 1, 2],
        InvalidMessage::InvalidKeyUpdateRequest,
        ILLEGAL_PARAMETER,
    );
    rejects(&[24, 0, 0, 0], InvalidMessage::Truncated, DECODE_ERROR);
    rejects(
        &[24, 0, 0, 2, 0, 0],
        InvalidMessage::TrailingBytes,
        DECODE_ERROR,
    );
}

#[test]
fn record_size_limit_below_64_is_illegal_parameter() {
    let ee = |v| {
        encode(HandshakeMessage::EncryptedExtensions(EncryptedExtensions {
            extensions: vec![Extension::RecordSizeLimit(v)],
        }))
    };
    HandshakeMessage::parse(&ee(64)).unwrap();
    rejects(
        &ee(63),
        InvalidMessage::RecordSizeLimitTooSmall,
        ILLEGAL_PARAMETER,
    );
}

#[test]
fn unknown_server_name_type_is_decode_error() {
    let mut ch = rfc8448("s3_01_client_ClientHello.hex");
    let sni = find_once(&ch, &[0x00, 0x00, 0x00, 0x0b, 0x00, 0x09, 0x00, 0x00, 0x06]);
    ch[sni + 6] = 1;
    rejects(&ch, InvalidMessage::UnknownServerNameType, DECODE_ERROR);
}

#[test]
fn client_hello_without_extension_block_is_truncated() {
    let mut ch = s3_client_hello();
    ch.extensions.clear();
    let mut bytes = encode(HandshakeMessage::ClientHello(ch));
    // Drop the (empty) block's two length bytes and fix the header.
    bytes.truncate(bytes.len() - 2);
    bytes[3] -= 2;
    rejects(&bytes, InvalidMessage::Truncated, DECODE_ERROR);
}

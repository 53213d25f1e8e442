//! Known answers: every handshake message of the RFC 8448 traces parses, re-encodes to
//! the same bytes, and carries the field values the trace documents.

use std::path::PathBuf;

use qssl_crypto::ids::{CipherSuite, NamedGroup, SignatureScheme};
use qssl_handshake::{
    CertificateRequest, ClientHello, Extension, ExtensionType, HandshakeJoiner, HandshakeMessage,
    HandshakeType, KeyShareEntry, NewSessionTicket, ProtocolVersion, PskKeyExchangeMode,
    ServerHello,
};

fn dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/vectors/rfc8448")
}

fn vector(name: &str) -> Vec<u8> {
    let text = std::fs::read_to_string(dir().join(name)).unwrap();
    hex::decode(text.split_whitespace().collect::<String>()).unwrap()
}

fn h(s: &str) -> Vec<u8> {
    hex::decode(s.split_whitespace().collect::<String>()).unwrap()
}

fn parse(name: &str) -> HandshakeMessage {
    let bytes = vector(name);
    let msg = HandshakeMessage::parse(&bytes).unwrap_or_else(|e| panic!("{name}: {e:?}"));
    assert_eq!(
        msg.to_bytes().as_deref(),
        Ok(&bytes[..]),
        "{name} does not re-encode to itself"
    );
    msg
}

fn client_hello(name: &str) -> ClientHello {
    match parse(name) {
        HandshakeMessage::ClientHello(m) => m,
        other => panic!("{name}: {other:?}"),
    }
}

fn server_hello(name: &str) -> ServerHello {
    match parse(name) {
        HandshakeMessage::ServerHello(m) => m,
        other => panic!("{name}: {other:?}"),
    }
}

#[test]
fn every_vector_round_trips_with_its_declared_type() {
    let mut names: Vec<String> = std::fs::read_dir(dir())
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .filter(|n| n.ends_with(".hex") && !n.contains("binder_prefix"))
        .collect();
    names.sort();
    assert_eq!(names.len(), 40, "{names:?}");
    for name in &names {
        let msg = parse(name);
        let expected = match name.rsplit('_').next().unwrap() {
            "ClientHello.hex" => HandshakeType::CLIENT_HELLO,
            "ServerHello.hex" => HandshakeType::SERVER_HELLO,
            "EncryptedExtensions.hex" => HandshakeType::ENCRYPTED_EXTENSIONS,
            "Certificate.hex" => HandshakeType::CERTIFICATE,
            "CertificateRequest.hex" => HandshakeType::CERTIFICATE_REQUEST,
            "CertificateVerify.hex" => HandshakeType::CERTIFICATE_VERIFY,
            "Finished.hex" => HandshakeType::FINISHED,
            "NewSessionTicket.hex" => HandshakeType::NEW_SESSION_TICKET,
            "EndOfEarlyData.hex" => HandshakeType::END_OF_EARLY_DATA,
            other => panic!("unexpected vector {other}"),
        };
        assert_eq!(msg.typ(), expected, "{name}");
        assert!(
            !matches!(msg, HandshakeMessage::Unknown { .. }),
            "{name} parsed as unknown"
        );
    }
}

#[test]
fn s3_client_hello_fields() {
    let ch = client_hello("s3_01_client_ClientHello.hex");
    assert_eq!(ch.legacy_version, ProtocolVersion::TLSV1_2);
    assert_eq!(
        ch.random.to_vec(),
        h(
            "cb 34 ec b1 e7 81 63 ba 1c 38 c6 da cb 19 6a 6d ff a2 1a 8d 99 12 ec 18 a2 ef 62 83 02 4d ec e7"
        )
    );
    assert!(ch.session_id.is_empty());
    assert_eq!(
        ch.cipher_suites,
        [
            CipherSuite::TLS13_AES_128_GCM_SHA256,
            CipherSuite::TLS13_CHACHA20_POLY1305_SHA256,
            CipherSuite::TLS13_AES_256_GCM_SHA384
        ]
    );
    assert_eq!(ch.compression_methods, [0]);
    assert_eq!(
        ch.extension(ExtensionType::SERVER_NAME),
        Some(&Extension::ServerName(vec![b"server".to_vec()]))
    );
    // The trace's client x25519 public key ({client} create an ephemeral x25519 key pair).
    assert_eq!(
        ch.extension(ExtensionType::KEY_SHARE),
        Some(&Extension::KeyShareOffer(vec![KeyShareEntry {
            group: NamedGroup::X25519,
            key_exchange: h(
                "99 38 1d e5 60 e4 bd 43 d2 3d 8e 43 5a 7d ba fe b3 c0 6e 51 c1 3c ae 4d 54 13 69 1e 52 9a af 2c"
            ),
        }]))
    );
    assert_eq!(
        ch.extension(ExtensionType::SUPPORTED_VERSIONS),
        Some(&Extension::SupportedVersionsOffer(vec![
            ProtocolVersion::TLSV1_3
        ]))
    );
    let groups: Vec<u16> = [
        0x001d, 0x0017, 0x0018, 0x0019, 0x0100, 0x0101, 0x0102, 0x0103, 0x0104,
    ]
    .to_vec();
    assert_eq!(
        ch.extension(ExtensionType::SUPPORTED_GROUPS),
        Some(&Extension::SupportedGroups(
            groups.into_iter().map(NamedGroup).collect()
        ))
    );
    let Some(Extension::SignatureAlgorithms(schemes)) =
        ch.extension(ExtensionType::SIGNATURE_ALGORITHMS)
    else {
        panic!("no signature_algorithms");
    };
    assert_eq!(schemes.len(), 15);
    assert_eq!(schemes[0], SignatureScheme::ECDSA_SECP256R1_SHA256);
    assert!(schemes.contains(&SignatureScheme::RSA_PSS_RSAE_SHA256));
    assert_eq!(
        ch.extension(ExtensionType::PSK_KEY_EXCHANGE_MODES),
        Some(&Extension::PskKeyExchangeModes(vec![
            PskKeyExchangeMode::PSK_DHE_KE
        ]))
    );
    assert_eq!(
        ch.extension(ExtensionType::RECORD_SIZE_LIMIT),
        Some(&Extension::RecordSizeLimit(0x4001))
    );
    assert_eq!(
        ch.extension(ExtensionType::RENEGOTIATION_INFO),
        Some(&Extension::RenegotiationInfo(vec![]))
    );
    // session_ticket (35) is not parsed: carried as unknown, empty.
    assert_eq!(
        ch.extension(ExtensionType::SESSION_TICKET),
        Some(&Extension::Unknown {
            typ: ExtensionType::SESSION_TICKET,
            data: vec![]
        })
    );
    assert_eq!(ch.binders_encoded_len(), None);
}

#[test]
fn s3_server_hello_fields() {
    let sh = server_hello("s3_02_server_ServerHello.hex");
    assert!(!sh.is_hello_retry_request());
    assert_eq!(sh.cipher_suite, CipherSuite::TLS13_AES_128_GCM_SHA256);
    assert_eq!(sh.compression_method, 0);
    assert_eq!(
        sh.extension(ExtensionType::KEY_SHARE),
        Some(&Extension::KeyShareSelected(KeyShareEntry {
            group: NamedGroup::X25519,
            key_exchange: h(
                "c9 82 88 76 11 20 95 fe 66 76 2b db f7 c6 72 e1 56 d6 cc 25 3b 83 3d f1 dd 69 b1 b0 4e 75 1f 0f"
            ),
        }))
    );
    assert_eq!(
        sh.extension(ExtensionType::SUPPORTED_VERSIONS),
        Some(&Extension::SupportedVersionsSelected(
            ProtocolVersion::TLSV1_3
        ))
    );
}

#[test]
fn s3_server_flight_fields() {
    let HandshakeMessage::EncryptedExtensions(ee) = parse("s3_03_server_EncryptedExtensions.hex")
    else {
        panic!()
    };
    assert_eq!(
        ee.extension(ExtensionType::SERVER_NAME),
        Some(&Extension::ServerNameAck)
    );
    assert_eq!(
        ee.extension(ExtensionType::RECORD_SIZE_LIMIT),
        Some(&Extension::RecordSizeLimit(0x4001))
    );
    assert_eq!(ee.extensions.len(), 3);

    let HandshakeMessage::Certificate(cert) = parse("s3_04_server_Certificate.hex") else {
        panic!()
    };
    assert!(cert.context.is_empty());
    assert_eq!(cert.entries.len(), 1);
    assert_eq!(cert.entries[0].cert_data.len(), 0x1b0);
    assert_eq!(&cert.entries[0].cert_data[..4], &[0x30, 0x82, 0x01, 0xac]);
    assert!(cert.entries[0].extensions.is_empty());

    let HandshakeMessage::CertificateVerify(cv) = parse("s3_05_server_CertificateVerify.hex")
    else {
        panic!()
    };
    assert_eq!(cv.scheme, SignatureScheme::RSA_PSS_RSAE_SHA256);
    assert_eq!(cv.signature.len(), 128);
    assert_eq!(&cv.signature[..4], &h("5a 74 7c 5d")[..]);

    let HandshakeMessage::Finished(fin) = parse("s3_06_server_Finished.hex") else {
        panic!()
    };
    assert_eq!(
        fin.verify_data,
        h(
            "9b 9b 14 1d 90 63 37 fb d2 cb dc e7 1d f4 de da 4a b4 2c 30 95 72 cb 7f ff ee 54 54 b7 8f 07 18"
        )
    );
    let HandshakeMessage::Finished(fin) = parse("s3_07_client_Finished.hex") else {
        panic!()
    };
    assert_eq!(
        fin.verify_data,
        h(
            "a8 ec 43 6d 67 76 34 ae 52 5a c1 fc eb e1 1a 03 9e c1 76 94 fa c6 e9 85 27 b6 42 f2 ed d5 ce 61"
        )
    );
}

#[test]
fn s3_new_session_ticket_fields() {
    let HandshakeMessage::NewSessionTicket(nst) = parse("s3_08_server_NewSessionTicket.hex") else {
        panic!()
    };
    let NewSessionTicket {
        lifetime,
        age_add,
        nonce,
        ticket,
        ..
    } = &nst;
    assert_eq!(*lifetime, 30);
    assert_eq!(*age_add, 0xfad6aac5);
    assert_eq!(nonce, &[0, 0]);
    assert_eq!(ticket.len(), 0xb2);
    assert_eq!(
        nst.extension(ExtensionType::EARLY_DATA),
        Some(&Extension::EarlyDataMax(0x400))
    );
}

#[test]
fn s4_resumption_client_hello_offers_the_s3_ticket() {
    let ch = client_hello("s4_01_client_ClientHello.hex");
    let HandshakeMessage::NewSessionTicket(nst) = parse("s3_08_server_NewSessionTicket.hex") else {
        panic!()
    };
    assert_eq!(
        ch.extension(ExtensionType::EARLY_DATA),
        Some(&Extension::EarlyData)
    );
    let Some(Extension::PreSharedKeyOffer(offer)) = ch.extensions.last() else {
        panic!("pre_shared_key is not last: {:?}", ch.extensions.last());
    };
    assert_eq!(offer.identities.len(), 1);
    assert_eq!(offer.identities[0].identity, nst.ticket);
    assert_eq!(offer.identities[0].obfuscated_ticket_age, 0xfad6aacb);
    assert_eq!(
        offer.binders,
        [h(
            "3a dd 4f b2 d8 fd f8 22 a0 ca 3c f7 67 8e f5 e8 8d ae 99 01 41 c5 92 4d 57 bb 6f a3 1b 9e 5f 9d"
        )]
    );
    let Some(Extension::Padding(pad)) = ch.extension(ExtensionType::PADDING) else {
        panic!("no padding")
    };
    assert_eq!(pad.len(), 0x57);
    assert!(pad.iter().all(|&b| b == 0));

    // The trace's binder prefix is the message minus the binders vector.
    let whole = vector("s4_01_client_ClientHello.hex");
    let prefix = vector("s4_01_client_ClientHello_binder_prefix.hex");
    let cut = ch.binders_encoded_len().unwrap();
    assert_eq!(cut, 35);
    assert_eq!(&whole[..whole.len() - cut], &prefix[..]);
}

#[test]
fn s4_server_accepts_psk_and_early_data() {
    let sh = server_hello("s4_02_server_ServerHello.hex");
    assert_eq!(
        sh.extension(ExtensionType::PRE_SHARED_KEY),
        Some(&Extension::PreSharedKeySelected(0))
    );
    let HandshakeMessage::EncryptedExtensions(ee) = parse("s4_03_server_EncryptedExtensions.hex")
    else {
        panic!()
    };
    assert_eq!(
        ee.extension(ExtensionType::EARLY_DATA),
        Some(&Extension::EarlyData)
    );
    assert_eq!(
        parse("s4_05_client_EndOfEarlyData.hex"),
        HandshakeMessage::EndOfEarlyData
    );
}

#[test]
fn s5_hello_retry_request() {
    let hrr = server_hello("s5_02_server_ServerHello.hex");
    assert!(hrr.is_hello_retry_request());
    assert_eq!(hrr.cipher_suite, CipherSuite::TLS13_AES_128_GCM_SHA256);
    assert_eq!(
        hrr.extension(ExtensionType::KEY_SHARE),
        Some(&Extension::KeyShareRetry(NamedGroup::SECP256R1))
    );
    assert_eq!(
        hrr.extension(ExtensionType::SUPPORTED_VERSIONS),
        Some(&Extension::SupportedVersionsSelected(
            ProtocolVersion::TLSV1_3
        ))
    );
    let Some(Extension::Cookie(cookie)) = hrr.extension(ExtensionType::COOKIE) else {
        panic!("no cookie")
    };
    assert_eq!(cookie.len(), 0x72);

    // The second ClientHello echoes the cookie and sends a P-256 share.
    let ch2 = client_hello("s5_03_client_ClientHello.hex");
    assert_eq!(
        ch2.extension(ExtensionType::COOKIE),
        Some(&Extension::Cookie(cookie.clone()))
    );
    let Some(Extension::KeyShareOffer(shares)) = ch2.extension(ExtensionType::KEY_SHARE) else {
        panic!()
    };
    assert_eq!(shares.len(), 1);
    assert_eq!(shares[0].group, NamedGroup::SECP256R1);
    assert_eq!(shares[0].key_exchange.len(), 65);
    assert_eq!(shares[0].key_exchange[0], 0x04);

    let sh = server_hello("s5_04_server_ServerHello.hex");
    assert!(!sh.is_hello_retry_request());
}

#[test]
fn s6_certificate_request() {
    let HandshakeMessage::CertificateRequest(CertificateRequest {
        context,
        extensions,
    }) = parse("s6_04_server_CertificateRequest.hex")
    else {
        panic!()
    };
    assert!(context.is_empty());
    assert_eq!(extensions.len(), 1);
    let Extension::SignatureAlgorithms(s) = &extensions[0] else {
        panic!()
    };
    assert_eq!(s.len(), 15);
}

#[test]
fn s7_compatibility_mode_session_id() {
    let ch = client_hello("s7_01_client_ClientHello.hex");
    assert_eq!(ch.session_id.len(), 32);
    let sh = server_hello("s7_02_server_ServerHello.hex");
    assert_eq!(sh.session_id, ch.session_id);
}

#[test]
fn joiner_reassembles_the_s3_server_flight_for_every_split() {
    let names = [
        "s3_03_server_EncryptedExtensions.hex",
        "s3_04_server_Certificate.hex",
        "s3_05_server_CertificateVerify.hex",
        "s3_06_server_Finished.hex",
    ];
    let msgs: Vec<Vec<u8>> = names.iter().map(|n| vector(n)).collect();
    let stream = msgs.concat();
    for size in [1, 2, 3, 4, 5, 7, 64, 100, 441, 657, 1000] {
        let mut joiner = HandshakeJoiner::new(Default::default());
        let mut out = Vec::new();
        for chunk in stream.chunks(size) {
            joiner.push(chunk).unwrap();
            while let Some(m) = joiner.pop() {
                m.parse().unwrap();
                out.push(m.into_bytes());
            }
        }
        assert!(!joiner.is_mid_message());
        assert_eq!(out, msgs, "split {size}");
    }
}

//! The TLS 1.2 handshake codec (`Tls12Message`): every message round-trips encode →
//! parse → encode, every strict prefix is `Truncated`, trailing bytes are refused,
//! arbitrary bytes never panic, and each malformed field gets its exact
//! `InvalidMessage` and alert. OpenSSL's encodings are checked in
//! qssl-interop/tests/tls12_codec.rs.

use proptest::collection::vec;
use proptest::prelude::*;
use qssl_alert::AlertDescription;
use qssl_crypto::ids::{CipherSuite, NamedGroup, SignatureScheme};
use qssl_handshake::limits::MAX_CERTIFICATE_LEN;
use qssl_handshake::{
    CertificateVerify, ClientCertificateType, ClientHello, ClientKeyExchange, DecodeLimits,
    EncodeError, Extension, ExtensionType, Finished, HandshakeType, InvalidMessage,
    ProtocolVersion, ServerEcdhParams, ServerHello, ServerKeyExchange, Tls12Certificate,
    Tls12CertificateRequest, Tls12Message, Tls12NewSessionTicket,
};

fn bytes(min: usize, max: usize) -> impl Strategy<Value = Vec<u8>> {
    vec(any::<u8>(), min..=max)
}

fn scheme() -> impl Strategy<Value = SignatureScheme> {
    prop_oneof![
        Just(SignatureScheme::ECDSA_SECP256R1_SHA256),
        Just(SignatureScheme::RSA_PSS_RSAE_SHA256),
        any::<u16>().prop_map(SignatureScheme),
    ]
}

fn signed() -> impl Strategy<Value = CertificateVerify> {
    (scheme(), bytes(0, 300))
        .prop_map(|(scheme, signature)| CertificateVerify { scheme, signature })
}

/// The extensions a TLS 1.2 server sends, typed where the ServerHello context types
/// them and kept as `Unknown` (byte for byte) where it does not.
fn tls12_server_extensions() -> impl Strategy<Value = Vec<Extension>> {
    (
        any::<bool>(),
        prop::option::of(bytes(0, 24)),
        any::<bool>(),
        any::<bool>(),
        prop::option::of(bytes(1, 10)),
        any::<bool>(),
    )
        .prop_map(|(ems, reneg, points, ticket, alpn, sni)| {
            let mut e = Vec::new();
            if sni {
                e.push(Extension::ServerNameAck);
            }
            if let Some(r) = reneg {
                e.push(Extension::RenegotiationInfo(r));
            }
            if points {
                e.push(Extension::Unknown {
                    typ: ExtensionType::EC_POINT_FORMATS,
                    data: vec![1, 0],
                });
            }
            if ticket {
                e.push(Extension::Unknown {
                    typ: ExtensionType::SESSION_TICKET,
                    data: vec![],
                });
            }
            if let Some(a) = alpn {
                e.push(Extension::Alpn(vec![a]));
            }
            if ems {
                e.push(Extension::ExtendedMasterSecret);
            }
            e
        })
}

fn tls12_client_extensions() -> impl Strategy<Value = Vec<Extension>> {
    (any::<bool>(), bytes(0, 40)).prop_map(|(ems, ticket)| {
        let mut e = vec![
            Extension::RenegotiationInfo(vec![]),
            Extension::SupportedGroups(vec![NamedGroup::X25519, NamedGroup::SECP256R1]),
            Extension::SignatureAlgorithms(vec![SignatureScheme::ECDSA_SECP256R1_SHA256]),
            Extension::Unknown {
                typ: ExtensionType::SESSION_TICKET,
                data: ticket,
            },
        ];
        if ems {
            e.push(Extension::ExtendedMasterSecret);
        }
        e
    })
}

const SUITES: [CipherSuite; 6] = [
    CipherSuite::TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
    CipherSuite::TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
    CipherSuite::TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256,
    CipherSuite::TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,
    CipherSuite::TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
    CipherSuite::TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256,
];

fn message() -> impl Strategy<Value = Tls12Message> {
    let client_hello = (any::<[u8; 32]>(), bytes(0, 32), tls12_client_extensions()).prop_map(
        |(random, session_id, extensions)| {
            Tls12Message::ClientHello(ClientHello {
                legacy_version: ProtocolVersion::TLSV1_2,
                random,
                session_id,
                cipher_suites: SUITES.to_vec(),
                compression_methods: vec![0],
                extensions,
            })
        },
    );
    let server_hello = (
        any::<[u8; 32]>(),
        bytes(0, 32),
        0..SUITES.len(),
        tls12_server_extensions(),
    )
        .prop_map(|(random, session_id, suite, extensions)| {
            Tls12Message::ServerHello(ServerHello {
                legacy_version: ProtocolVersion::TLSV1_2,
                random,
                session_id,
                cipher_suite: SUITES[suite],
                compression_method: 0,
                extensions,
            })
        });
    let certificate = vec(bytes(1, 200), 0..4)
        .prop_map(|chain| Tls12Message::Certificate(Tls12Certificate { chain }));
    let ske = (any::<u16>(), bytes(1, 255), signed()).prop_map(|(g, public, signature)| {
        Tls12Message::ServerKeyExchange(ServerKeyExchange {
            params: ServerEcdhParams {
                named_curve: NamedGroup(g),
                public,
            },
            signature,
        })
    });
    let cr = (bytes(1, 5), vec(scheme(), 1..12), vec(bytes(1, 60), 0..4)).prop_map(
        |(types, signature_schemes, certificate_authorities)| {
            Tls12Message::CertificateRequest(Tls12CertificateRequest {
                certificate_types: types.into_iter().map(ClientCertificateType).collect(),
                signature_schemes,
                certificate_authorities,
            })
        },
    );
    let cke = bytes(1, 255)
        .prop_map(|public| Tls12Message::ClientKeyExchange(ClientKeyExchange { public }));
    let nst = (any::<u32>(), bytes(0, 300)).prop_map(|(lifetime_hint, ticket)| {
        Tls12Message::NewSessionTicket(Tls12NewSessionTicket {
            lifetime_hint,
            ticket,
        })
    });
    let unknown = (
        prop_oneof![Just(22u8), Just(8), Just(24), Just(200)],
        bytes(0, 40),
    )
        .prop_map(|(t, body)| Tls12Message::Unknown {
            typ: HandshakeType(t),
            body,
        });
    prop_oneof![
        Just(Tls12Message::HelloRequest),
        client_hello,
        server_hello,
        certificate,
        ske,
        cr,
        Just(Tls12Message::ServerHelloDone),
        signed().prop_map(Tls12Message::CertificateVerify),
        cke,
        bytes(12, 12).prop_map(|verify_data| Tls12Message::Finished(Finished { verify_data })),
        nst,
        unknown,
    ]
}

/// Whether a strict prefix of the body alone is detectable: Finished and unknown
/// bodies are "the rest", HelloRequest and ServerHelloDone are empty.
fn self_delimiting(m: &Tls12Message) -> bool {
    !matches!(
        m,
        Tls12Message::Finished(_)
            | Tls12Message::Unknown { .. }
            | Tls12Message::HelloRequest
            | Tls12Message::ServerHelloDone
    )
}

fn body_of(m: &Tls12Message) -> Vec<u8> {
    let mut b = Vec::new();
    m.encode_body(&mut b).unwrap();
    b
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn message_round_trips(m in message()) {
        let wire = m.to_bytes().unwrap();
        prop_assert_eq!(wire[0], m.typ().0);
        let parsed = Tls12Message::parse(&wire).unwrap();
        prop_assert_eq!(&parsed, &m);
        prop_assert_eq!(parsed.to_bytes().unwrap(), wire.clone());
        let body = body_of(&m);
        prop_assert_eq!(&wire[4..], &body[..]);
        prop_assert_eq!(Tls12Message::parse_body(m.typ(), &body).unwrap(), m);
    }

    #[test]
    fn every_strict_prefix_is_truncated(m in message(), cut in any::<prop::sample::Index>()) {
        let wire = m.to_bytes().unwrap();
        let n = cut.index(wire.len());
        let err = Tls12Message::parse(&wire[..n]).unwrap_err();
        prop_assert_eq!(err, InvalidMessage::Truncated);
        prop_assert_eq!(err.alert(), AlertDescription::DECODE_ERROR);
        if self_delimiting(&m) {
            let body = body_of(&m);
            let n = cut.index(body.len());
            prop_assert_eq!(
                Tls12Message::parse_body(m.typ(), &body[..n]),
                Err(InvalidMessage::Truncated)
            );
        }
    }

    #[test]
    fn trailing_bytes_are_rejected(m in message(), extra in bytes(1, 8)) {
        // After the whole message: the header's length ends it.
        let mut wire = m.to_bytes().unwrap();
        wire.extend_from_slice(&extra);
        prop_assert_eq!(Tls12Message::parse(&wire), Err(InvalidMessage::TrailingBytes));
        // Inside the declared body, for every message whose body ends by itself.
        if self_delimiting(&m) || matches!(m, Tls12Message::HelloRequest | Tls12Message::ServerHelloDone) {
            let mut body = body_of(&m);
            body.extend_from_slice(&extra);
            let mut whole = vec![m.typ().0];
            whole.extend_from_slice(&(body.len() as u32).to_be_bytes()[1..]);
            whole.extend_from_slice(&body);
            let err = Tls12Message::parse(&whole).unwrap_err();
            prop_assert_eq!(err.alert(), AlertDescription::DECODE_ERROR);
            prop_assert_eq!(
                Tls12Message::parse_body(m.typ(), &body).unwrap_err().alert(),
                AlertDescription::DECODE_ERROR
            );
        }
    }

    #[test]
    fn random_bodies_never_panic_and_reencode_exactly(
        typ in prop_oneof![0u8..=24, any::<u8>()],
        body in bytes(0, 400),
    ) {
        if let Ok(m) = Tls12Message::parse_body(HandshakeType(typ), &body) {
            prop_assert_eq!(body_of(&m), body);
        }
    }

    #[test]
    fn mutated_messages_never_panic_and_reencode_exactly(
        m in message(),
        at in any::<prop::sample::Index>(),
        byte in any::<u8>(),
    ) {
        let mut wire = m.to_bytes().unwrap();
        let i = at.index(wire.len());
        wire[i] = byte;
        if let Ok(parsed) = Tls12Message::parse(&wire) {
            prop_assert_eq!(parsed.to_bytes().unwrap(), wire);
        }
    }
}

fn err_of(typ: HandshakeType, body: &[u8]) -> (InvalidMessage, AlertDescription) {
    let e = Tls12Message::parse_body(typ, body).unwrap_err();
    (e, e.alert())
}

const DECODE: AlertDescription = AlertDescription::DECODE_ERROR;
const ILLEGAL: AlertDescription = AlertDescription::ILLEGAL_PARAMETER;

/// curve_type other than named_curve(3): deprecated explicit curves (1, 2), the
/// private-use range and 0 are illegal_parameter.
#[test]
fn server_key_exchange_wrong_curve_type() {
    for curve_type in [0u8, 1, 2, 4, 248, 255] {
        let body = [curve_type, 0, 23, 1, 4, 4, 3, 0, 1, 0xaa];
        assert_eq!(
            err_of(HandshakeType::SERVER_KEY_EXCHANGE, &body),
            (InvalidMessage::UnsupportedCurveType, ILLEGAL),
            "curve_type {curve_type}"
        );
    }
    // The same body with named_curve parses.
    let body = [3, 0, 23, 1, 4, 4, 3, 0, 1, 0xaa];
    let Tls12Message::ServerKeyExchange(ske) =
        Tls12Message::parse_body(HandshakeType::SERVER_KEY_EXCHANGE, &body).unwrap()
    else {
        panic!("not a ServerKeyExchange");
    };
    assert_eq!(ske.params.named_curve, NamedGroup::SECP256R1);
    assert_eq!(ske.params.public, [4]);
    assert_eq!(
        ske.signature.scheme,
        SignatureScheme::ECDSA_SECP256R1_SHA256
    );
    assert_eq!(ske.signature.signature, [0xaa]);
}

#[test]
fn empty_ec_points() {
    assert_eq!(
        err_of(
            HandshakeType::SERVER_KEY_EXCHANGE,
            &[3, 0, 29, 0, 4, 3, 0, 0]
        ),
        (InvalidMessage::LengthOutOfRange, DECODE)
    );
    assert_eq!(
        err_of(HandshakeType::CLIENT_KEY_EXCHANGE, &[0]),
        (InvalidMessage::LengthOutOfRange, DECODE)
    );
    // The implicit (empty body) ClientKeyExchange of fixed-ECDH is not taken.
    assert_eq!(
        err_of(HandshakeType::CLIENT_KEY_EXCHANGE, &[]),
        (InvalidMessage::Truncated, DECODE)
    );
}

#[test]
fn certificate_entries() {
    // A zero-length ASN.1Cert inside the list.
    assert_eq!(
        err_of(HandshakeType::CERTIFICATE, &[0, 0, 3, 0, 0, 0]),
        (InvalidMessage::LengthOutOfRange, DECODE)
    );
    // An empty list is a client without a certificate: allowed here.
    assert_eq!(
        Tls12Message::parse_body(HandshakeType::CERTIFICATE, &[0, 0, 0]),
        Ok(Tls12Message::Certificate(Tls12Certificate {
            chain: vec![]
        }))
    );
    // A certificate over the cap, refused by its length before it is copied.
    let n = MAX_CERTIFICATE_LEN + 1;
    let mut body = Vec::new();
    body.extend_from_slice(&((n + 3) as u32).to_be_bytes()[1..]);
    body.extend_from_slice(&(n as u32).to_be_bytes()[1..]);
    body.resize(3 + 3 + n, 0x30);
    assert_eq!(
        err_of(HandshakeType::CERTIFICATE, &body),
        (InvalidMessage::TooLarge, DECODE)
    );
    // A list whose last entry claims more than the list holds.
    assert_eq!(
        err_of(HandshakeType::CERTIFICATE, &[0, 0, 4, 0, 0, 2, 9]),
        (InvalidMessage::Truncated, DECODE)
    );
}

#[test]
fn certificate_request_vectors() {
    use HandshakeType as T;
    // Odd-length supported_signature_algorithms: half a code point at the end.
    assert_eq!(
        err_of(T::CERTIFICATE_REQUEST, &[1, 64, 0, 3, 4, 3, 8, 0, 0]),
        (InvalidMessage::Truncated, DECODE)
    );
    // One byte: below the <2..> minimum.
    assert_eq!(
        err_of(T::CERTIFICATE_REQUEST, &[1, 64, 0, 1, 4, 0, 0]),
        (InvalidMessage::LengthOutOfRange, DECODE)
    );
    // Empty list: below the minimum.
    assert_eq!(
        err_of(T::CERTIFICATE_REQUEST, &[1, 64, 0, 0, 0, 0]),
        (InvalidMessage::LengthOutOfRange, DECODE)
    );
    // 2^16 - 1 is odd and above the <..2^16-2> maximum.
    let mut body = vec![1, 64, 0xff, 0xff];
    body.resize(4 + 0xffff + 2, 0);
    assert_eq!(
        err_of(T::CERTIFICATE_REQUEST, &body),
        (InvalidMessage::TooLarge, DECODE)
    );
    // Empty certificate_types.
    assert_eq!(
        err_of(T::CERTIFICATE_REQUEST, &[0, 0, 2, 4, 3, 0, 0]),
        (InvalidMessage::LengthOutOfRange, DECODE)
    );
    // A zero-length DistinguishedName.
    assert_eq!(
        err_of(T::CERTIFICATE_REQUEST, &[1, 64, 0, 2, 4, 3, 0, 2, 0, 0]),
        (InvalidMessage::LengthOutOfRange, DECODE)
    );
    // And a good one, field by field.
    let body = [2, 1, 64, 0, 4, 4, 3, 8, 4, 0, 5, 0, 3, 0x30, 1, 0];
    assert_eq!(
        Tls12Message::parse_body(T::CERTIFICATE_REQUEST, &body),
        Ok(Tls12Message::CertificateRequest(Tls12CertificateRequest {
            certificate_types: vec![
                ClientCertificateType::RSA_SIGN,
                ClientCertificateType::ECDSA_SIGN
            ],
            signature_schemes: vec![
                SignatureScheme::ECDSA_SECP256R1_SHA256,
                SignatureScheme::RSA_PSS_RSAE_SHA256
            ],
            certificate_authorities: vec![vec![0x30, 1, 0]],
        }))
    );
}

#[test]
fn trailing_bytes_in_each_message() {
    use HandshakeType as T;
    let cases: [(HandshakeType, &[u8]); 6] = [
        (T::HELLO_REQUEST, &[0]),
        (T::SERVER_HELLO_DONE, &[0]),
        (T::CLIENT_KEY_EXCHANGE, &[1, 4, 9]),
        (T::SERVER_KEY_EXCHANGE, &[3, 0, 23, 1, 4, 4, 3, 0, 0, 9]),
        (T::CERTIFICATE, &[0, 0, 0, 9]),
        (T::NEW_SESSION_TICKET, &[0, 0, 0, 1, 0, 0, 9]),
    ];
    for (typ, body) in cases {
        assert_eq!(
            err_of(typ, body),
            (InvalidMessage::TrailingBytes, DECODE),
            "{typ:?}"
        );
        // The same through the header.
        let mut whole = vec![typ.0, 0, 0, body.len() as u8];
        whole.extend_from_slice(body);
        assert_eq!(
            Tls12Message::parse(&whole),
            Err(InvalidMessage::TrailingBytes)
        );
    }
}

#[test]
fn new_session_ticket_may_be_empty() {
    let m = Tls12Message::parse(&[4, 0, 0, 6, 0, 0, 0x1c, 0x20, 0, 0]).unwrap();
    assert_eq!(
        m,
        Tls12Message::NewSessionTicket(Tls12NewSessionTicket {
            lifetime_hint: 7200,
            ticket: vec![],
        })
    );
}

/// Finished is taken whole, of any length: the state machine checks the 12 bytes.
#[test]
fn finished_of_any_length_is_left_to_the_state_machine() {
    for n in [0usize, 12, 32] {
        let body = vec![7; n];
        assert_eq!(
            Tls12Message::parse_body(HandshakeType::FINISHED, &body),
            Ok(Tls12Message::Finished(Finished { verify_data: body }))
        );
    }
}

#[test]
fn declared_length_over_the_limit_is_refused_before_the_body() {
    let limits = DecodeLimits {
        max_message_len: 100,
        max_certificate_message_len: 1000,
    };
    // Only the header: the body is never needed to refuse it.
    assert_eq!(
        Tls12Message::parse_with_limits(&[12, 0, 0, 101], &limits),
        Err(InvalidMessage::HandshakeMessageTooLarge)
    );
    assert_eq!(
        InvalidMessage::HandshakeMessageTooLarge.alert(),
        AlertDescription::DECODE_ERROR
    );
    // Certificate has its own, larger cap.
    assert_eq!(
        Tls12Message::parse_with_limits(&[11, 0, 0, 101], &limits),
        Err(InvalidMessage::Truncated)
    );
    assert_eq!(
        Tls12Message::parse_with_limits(&[11, 0, 3, 0xe9], &limits),
        Err(InvalidMessage::HandshakeMessageTooLarge)
    );
}

#[test]
fn oversized_vectors_are_refused_by_the_encoder() {
    let m = Tls12Message::ClientKeyExchange(ClientKeyExchange {
        public: vec![4; 256],
    });
    let mut out = vec![0xee];
    assert_eq!(
        m.encode(&mut out),
        Err(EncodeError::TooLong { len: 256, max: 255 })
    );
    assert_eq!(out, [0xee]);
    let m = Tls12Message::ServerKeyExchange(ServerKeyExchange {
        params: ServerEcdhParams {
            named_curve: NamedGroup::X25519,
            public: vec![9; 32],
        },
        signature: CertificateVerify {
            scheme: SignatureScheme::ED25519,
            signature: vec![0; 0x10000],
        },
    });
    assert_eq!(
        m.to_bytes(),
        Err(EncodeError::TooLong {
            len: 0x10000,
            max: 0xffff
        })
    );
    let mut out = Vec::new();
    assert!(m.encode(&mut out).is_err());
    assert!(out.is_empty());
}

/// A TLS 1.2 ServerHello with the extensions a TLS 1.2 server sends, as bytes: each
/// parses in the ServerHello context (ec_point_formats and session_ticket are kept
/// as `Unknown`, which the extension codec types in no context).
#[test]
fn tls12_server_hello_extensions_parse() {
    let mut body = vec![3, 3];
    body.extend_from_slice(&[0x11; 32]);
    body.push(0); // empty session_id
    body.extend_from_slice(&[0xc0, 0x2b, 0]);
    let exts: &[u8] = &[
        0xff, 0x01, 0, 1, 0, // renegotiation_info, empty renegotiated_connection
        0, 0x17, 0, 0, // extended_master_secret
        0, 0x0b, 0, 2, 1, 0, // ec_point_formats: uncompressed
        0, 0x23, 0, 0, // session_ticket, empty
        0, 0x10, 0, 5, 0, 3, 2, b'h', b'2', // ALPN "h2"
        0, 0, 0, 0, // server_name ack
    ];
    body.extend_from_slice(&(exts.len() as u16).to_be_bytes());
    body.extend_from_slice(exts);
    let m = Tls12Message::parse_body(HandshakeType::SERVER_HELLO, &body).unwrap();
    let Tls12Message::ServerHello(sh) = &m else {
        panic!("not a ServerHello");
    };
    assert_eq!(
        sh.cipher_suite,
        CipherSuite::TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256
    );
    assert_eq!(
        sh.extensions,
        vec![
            Extension::RenegotiationInfo(vec![]),
            Extension::ExtendedMasterSecret,
            Extension::Unknown {
                typ: ExtensionType::EC_POINT_FORMATS,
                data: vec![1, 0]
            },
            Extension::Unknown {
                typ: ExtensionType::SESSION_TICKET,
                data: vec![]
            },
            Extension::Alpn(vec![b"h2".to_vec()]),
            Extension::ServerNameAck,
        ]
    );
    assert_eq!(body_of(&m), body);
}

//! Property tests: every message and extension round-trips encode → parse, every parser
//! rejects any strict prefix (Truncated) and trailing bytes (TrailingBytes), arbitrary or
//! mutated bytes never panic and re-encode exactly when they parse, the joiner gives
//! the same messages for every split of the stream, and a vector longer than its length
//! prefix allows is refused by the encoder (nothing written) rather than mis-encoded.

use proptest::collection::vec;
use proptest::prelude::*;
use qssl_crypto::ids::{CipherSuite, NamedGroup, SignatureScheme};
use qssl_handshake::fuzzing::{
    fuzz_joiner, fuzz_parse_extensions, fuzz_parse_handshake, fuzz_parse_handshake_body,
};
use qssl_handshake::limits::MAX_KEY_EXCHANGE_LEN;
use qssl_handshake::{
    Certificate, CertificateEntry, CertificateRequest, CertificateStatus, CertificateStatusRequest,
    CertificateStatusType, CertificateVerify, ClientHello, EncodeError, EncryptedExtensions,
    Extension, ExtensionContext, ExtensionType, Finished, HELLO_RETRY_REQUEST_RANDOM,
    HandshakeJoiner, HandshakeMessage, HandshakeType, InvalidMessage, KeyShareEntry, KeyUpdate,
    KeyUpdateRequest, NewSessionTicket, PreSharedKeyOffer, ProtocolVersion, PskIdentity,
    PskKeyExchangeMode, ServerHello, encode_extensions, parse_extensions,
};

fn bytes(min: usize, max: usize) -> impl Strategy<Value = Vec<u8>> {
    vec(any::<u8>(), min..=max)
}

fn group() -> impl Strategy<Value = NamedGroup> {
    prop_oneof![
        Just(NamedGroup::X25519MLKEM768),
        Just(NamedGroup::SECP384R1MLKEM1024),
        Just(NamedGroup::X25519),
        any::<u16>().prop_map(NamedGroup),
    ]
}

fn scheme() -> impl Strategy<Value = SignatureScheme> {
    prop_oneof![
        Just(SignatureScheme::MLDSA65),
        Just(SignatureScheme::ECDSA_SECP384R1_SHA384),
        any::<u16>().prop_map(SignatureScheme),
    ]
}

fn version() -> impl Strategy<Value = ProtocolVersion> {
    any::<u16>().prop_map(ProtocolVersion)
}

fn key_share() -> impl Strategy<Value = KeyShareEntry> {
    let len = prop_oneof![1usize..=80, Just(1216), Just(MAX_KEY_EXCHANGE_LEN)];
    (group(), len, any::<u8>()).prop_map(|(group, len, fill)| KeyShareEntry {
        group,
        key_exchange: vec![fill; len],
    })
}

/// Extension types no context parses: kept as Unknown.
fn unknown_ext() -> impl Strategy<Value = Extension> {
    (0x2000u16..0x3000, bytes(0, 40)).prop_map(|(t, data)| Extension::Unknown {
        typ: ExtensionType(t),
        data,
    })
}

fn extension(ctx: ExtensionContext) -> BoxedStrategy<Extension> {
    use Extension as E;
    use ExtensionContext as C;
    let record_size_limit = (64u16..).prop_map(E::RecordSizeLimit);
    let alpn = vec(bytes(1, 12), 1..4).prop_map(E::Alpn);
    let groups = vec(group(), 1..8).prop_map(E::SupportedGroups);
    let sigalgs = vec(scheme(), 1..8).prop_map(E::SignatureAlgorithms);
    let sigalgs_cert = vec(scheme(), 1..8).prop_map(E::SignatureAlgorithmsCert);
    let cas = vec(bytes(1, 30), 1..4).prop_map(E::CertificateAuthorities);
    match ctx {
        C::ClientHello => prop_oneof![
            vec(bytes(1, 30), 1..3).prop_map(E::ServerName),
            (vec(bytes(1, 20), 0..3), bytes(0, 20)).prop_map(|(r, x)| E::StatusRequest(
                CertificateStatusRequest::Ocsp {
                    responder_id_list: r,
                    request_extensions: x
                }
            )),
            (2u8.., bytes(0, 20)).prop_map(|(t, data)| E::StatusRequest(
                CertificateStatusRequest::Unknown {
                    typ: CertificateStatusType(t),
                    data
                }
            )),
            groups,
            sigalgs,
            sigalgs_cert,
            alpn,
            bytes(0, 300).prop_map(E::Padding),
            Just(E::ExtendedMasterSecret),
            record_size_limit,
            (
                vec((bytes(1, 60), any::<u32>()), 1..3),
                vec(bytes(32, 64), 1..3)
            )
                .prop_map(|(ids, binders)| E::PreSharedKeyOffer(PreSharedKeyOffer {
                    identities: ids
                        .into_iter()
                        .map(|(identity, obfuscated_ticket_age)| PskIdentity {
                            identity,
                            obfuscated_ticket_age
                        })
                        .collect(),
                    binders
                })),
            Just(E::EarlyData),
            vec(version(), 1..5).prop_map(E::SupportedVersionsOffer),
            bytes(1, 80).prop_map(E::Cookie),
            vec(any::<u8>().prop_map(PskKeyExchangeMode), 1..4).prop_map(E::PskKeyExchangeModes),
            cas,
            vec(key_share(), 0..3).prop_map(E::KeyShareOffer),
            bytes(0, 48).prop_map(E::RenegotiationInfo),
            unknown_ext(),
        ]
        .boxed(),
        C::ServerHello => prop_oneof![
            Just(E::ServerNameAck),
            Just(E::StatusRequestAck),
            alpn,
            Just(E::ExtendedMasterSecret),
            record_size_limit,
            any::<u16>().prop_map(E::PreSharedKeySelected),
            version().prop_map(E::SupportedVersionsSelected),
            key_share().prop_map(E::KeyShareSelected),
            bytes(0, 48).prop_map(E::RenegotiationInfo),
            unknown_ext(),
        ]
        .boxed(),
        C::HelloRetryRequest => prop_oneof![
            version().prop_map(E::SupportedVersionsSelected),
            bytes(1, 80).prop_map(E::Cookie),
            group().prop_map(E::KeyShareRetry),
            unknown_ext(),
        ]
        .boxed(),
        C::EncryptedExtensions => prop_oneof![
            Just(E::ServerNameAck),
            groups,
            alpn,
            record_size_limit,
            Just(E::EarlyData),
            unknown_ext(),
        ]
        .boxed(),
        C::CertificateRequest => prop_oneof![
            Just(E::StatusRequestAck),
            sigalgs,
            sigalgs_cert,
            cas,
            unknown_ext(),
        ]
        .boxed(),
        C::Certificate => prop_oneof![
            bytes(1, 100).prop_map(|r| E::CertificateStatus(CertificateStatus::Ocsp(r))),
            (2u8.., bytes(0, 20)).prop_map(|(t, data)| E::CertificateStatus(
                CertificateStatus::Unknown {
                    typ: CertificateStatusType(t),
                    data
                }
            )),
            unknown_ext(),
        ]
        .boxed(),
        C::NewSessionTicket => {
            prop_oneof![any::<u32>().prop_map(E::EarlyDataMax), unknown_ext()].boxed()
        }
    }
}

/// A valid extension block: no type twice, pre_shared_key last.
fn extensions(ctx: ExtensionContext) -> impl Strategy<Value = Vec<Extension>> {
    vec(extension(ctx), 0..8).prop_map(|exts| {
        let mut seen = std::collections::HashSet::new();
        let mut out: Vec<Extension> = exts.into_iter().filter(|e| seen.insert(e.typ())).collect();
        if let Some(pos) = out
            .iter()
            .position(|e| e.typ() == ExtensionType::PRE_SHARED_KEY)
        {
            let psk = out.remove(pos);
            out.push(psk);
        }
        out
    })
}

fn context() -> impl Strategy<Value = ExtensionContext> {
    use ExtensionContext as C;
    prop_oneof![
        Just(C::ClientHello),
        Just(C::ServerHello),
        Just(C::HelloRetryRequest),
        Just(C::EncryptedExtensions),
        Just(C::CertificateRequest),
        Just(C::Certificate),
        Just(C::NewSessionTicket),
    ]
}

fn client_hello() -> impl Strategy<Value = ClientHello> {
    (
        version(),
        any::<[u8; 32]>(),
        bytes(0, 32),
        vec(any::<u16>().prop_map(CipherSuite), 1..10),
        bytes(1, 3),
        extensions(ExtensionContext::ClientHello),
    )
        .prop_map(
            |(
                legacy_version,
                random,
                session_id,
                cipher_suites,
                compression_methods,
                extensions,
            )| {
                ClientHello {
                    legacy_version,
                    random,
                    session_id,
                    cipher_suites,
                    compression_methods,
                    extensions,
                }
            },
        )
}

fn server_hello() -> impl Strategy<Value = ServerHello> {
    let regular = (any::<[u8; 32]>(), extensions(ExtensionContext::ServerHello))
        .prop_filter("not the HRR random", |(r, _)| {
            *r != HELLO_RETRY_REQUEST_RANDOM
        });
    let hrr = extensions(ExtensionContext::HelloRetryRequest)
        .prop_map(|e| (HELLO_RETRY_REQUEST_RANDOM, e));
    (
        version(),
        prop_oneof![regular, hrr],
        bytes(0, 32),
        any::<u16>(),
        any::<u8>(),
    )
        .prop_map(
            |(legacy_version, (random, extensions), session_id, suite, compression_method)| {
                ServerHello {
                    legacy_version,
                    random,
                    session_id,
                    cipher_suite: CipherSuite(suite),
                    compression_method,
                    extensions,
                }
            },
        )
}

fn message() -> impl Strategy<Value = HandshakeMessage> {
    use HandshakeMessage as M;
    let entry = (bytes(1, 300), extensions(ExtensionContext::Certificate)).prop_map(
        |(cert_data, extensions)| CertificateEntry {
            cert_data,
            extensions,
        },
    );
    // Types the codec does not parse: carried as Unknown.
    let unknown_type = prop_oneof![
        Just(0u8),
        Just(12),
        Just(14),
        Just(16),
        Just(22),
        Just(25),
        Just(254),
        100u8..200
    ];
    prop_oneof![
        client_hello().prop_map(M::ClientHello),
        server_hello().prop_map(M::ServerHello),
        extensions(ExtensionContext::EncryptedExtensions)
            .prop_map(|extensions| M::EncryptedExtensions(EncryptedExtensions { extensions })),
        (bytes(0, 10), vec(entry, 0..3))
            .prop_map(|(context, entries)| M::Certificate(Certificate { context, entries })),
        (
            bytes(0, 10),
            extensions(ExtensionContext::CertificateRequest)
        )
            .prop_map(
                |(context, extensions)| M::CertificateRequest(CertificateRequest {
                    context,
                    extensions
                })
            ),
        (scheme(), prop_oneof![bytes(0, 200), bytes(4627, 4627)]).prop_map(
            |(scheme, signature)| M::CertificateVerify(CertificateVerify { scheme, signature })
        ),
        bytes(0, 64).prop_map(|verify_data| M::Finished(Finished { verify_data })),
        (
            any::<u32>(),
            any::<u32>(),
            bytes(0, 255),
            bytes(1, 300),
            extensions(ExtensionContext::NewSessionTicket)
        )
            .prop_map(|(lifetime, age_add, nonce, ticket, extensions)| {
                M::NewSessionTicket(NewSessionTicket {
                    lifetime,
                    age_add,
                    nonce,
                    ticket,
                    extensions,
                })
            }),
        prop_oneof![
            Just(KeyUpdateRequest::UpdateNotRequested),
            Just(KeyUpdateRequest::UpdateRequested)
        ]
        .prop_map(|request_update| M::KeyUpdate(KeyUpdate { request_update })),
        Just(M::EndOfEarlyData),
        (unknown_type, bytes(0, 40)).prop_map(|(t, body)| M::Unknown {
            typ: HandshakeType(t),
            body
        }),
    ]
}

/// Messages whose body is delimited by its own fields, so a prefix or a suffix of the
/// body alone is detectable. (Finished and unknown bodies are "the rest"; EndOfEarlyData
/// is empty.)
fn self_delimiting(m: &HandshakeMessage) -> bool {
    !matches!(
        m,
        HandshakeMessage::Finished(_)
            | HandshakeMessage::Unknown { .. }
            | HandshakeMessage::EndOfEarlyData
    )
}

fn body_of(m: &HandshakeMessage) -> Vec<u8> {
    let mut b = Vec::new();
    m.encode_body(&mut b).unwrap();
    b
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn message_round_trips(m in message()) {
        let bytes = m.to_bytes().unwrap();
        let parsed = HandshakeMessage::parse(&bytes);
        prop_assert_eq!(parsed.as_ref(), Ok(&m));
        prop_assert_eq!(parsed.unwrap().to_bytes(), Ok(bytes.clone()));
        // The header's length is the body's.
        prop_assert_eq!(bytes.len() - 4, body_of(&m).len());
        prop_assert_eq!(HandshakeMessage::parse_body(m.typ(), &bytes[4..]), Ok(m));
    }

    #[test]
    fn every_strict_prefix_is_truncated(m in message(), cut in any::<prop::sample::Index>()) {
        let bytes = m.to_bytes().unwrap();
        let k = cut.index(bytes.len());
        prop_assert_eq!(HandshakeMessage::parse(&bytes[..k]), Err(InvalidMessage::Truncated));
        if self_delimiting(&m) {
            let body = body_of(&m);
            if !body.is_empty() {
                let k = cut.index(body.len());
                prop_assert_eq!(
                    HandshakeMessage::parse_body(m.typ(), &body[..k]),
                    Err(InvalidMessage::Truncated),
                    "body prefix {} of {}", k, body.len()
                );
            }
        }
    }

    #[test]
    fn trailing_bytes_are_rejected(m in message(), extra in bytes(1, 8)) {
        let mut bytes = m.to_bytes().unwrap();
        bytes.extend_from_slice(&extra);
        prop_assert_eq!(HandshakeMessage::parse(&bytes), Err(InvalidMessage::TrailingBytes));
        if self_delimiting(&m) {
            // Also inside the frame: the header covers the extra bytes.
            let mut body = body_of(&m);
            body.extend_from_slice(&extra);
            prop_assert_eq!(
                HandshakeMessage::parse_body(m.typ(), &body),
                Err(InvalidMessage::TrailingBytes)
            );
            let mut framed = vec![m.typ().0];
            framed.extend_from_slice(&(body.len() as u32).to_be_bytes()[1..]);
            framed.extend_from_slice(&body);
            prop_assert_eq!(HandshakeMessage::parse(&framed), Err(InvalidMessage::TrailingBytes));
        }
    }

    #[test]
    fn extension_blocks_round_trip((ctx, exts) in context().prop_flat_map(|c| (Just(c), extensions(c)))) {
        let mut out = Vec::new();
        encode_extensions(&exts, &mut out).unwrap();
        prop_assert_eq!(parse_extensions(&out, ctx), Ok(exts.clone()));
        for e in &exts {
            let mut one = Vec::new();
            e.encode(&mut one).unwrap();
            prop_assert_eq!(Extension::parse(&one, ctx), Ok(e.clone()));
            for k in 0..one.len() {
                prop_assert_eq!(Extension::parse(&one[..k], ctx), Err(InvalidMessage::Truncated));
            }
            one.push(0);
            prop_assert_eq!(Extension::parse(&one, ctx), Err(InvalidMessage::TrailingBytes));
        }
        for k in 0..out.len() {
            prop_assert_eq!(parse_extensions(&out[..k], ctx), Err(InvalidMessage::Truncated));
        }
    }

    #[test]
    fn mutated_messages_never_panic_and_reencode_exactly(
        m in message(),
        flips in vec((any::<prop::sample::Index>(), any::<u8>()), 1..4),
    ) {
        let mut bytes = m.to_bytes().unwrap();
        for (at, v) in flips {
            let i = at.index(bytes.len());
            bytes[i] = v;
        }
        fuzz_parse_handshake(&bytes);
    }

    #[test]
    fn random_bytes_never_panic(data in bytes(0, 600)) {
        fuzz_parse_handshake(&data);
        fuzz_parse_handshake_body(&data);
        fuzz_parse_extensions(&data);
        fuzz_joiner(&data);
    }

    #[test]
    fn random_bodies_behind_valid_headers_never_panic(
        typ in prop_oneof![Just(1u8), Just(2), Just(4), Just(8), Just(11), Just(13), Just(15), Just(24)],
        body in bytes(0, 400),
    ) {
        let mut framed = vec![typ];
        framed.extend_from_slice(&(body.len() as u32).to_be_bytes()[1..]);
        framed.extend_from_slice(&body);
        fuzz_parse_handshake(&framed);
    }

    #[test]
    fn joiner_output_is_independent_of_the_split(
        msgs in vec(message(), 1..5),
        cuts in vec(any::<prop::sample::Index>(), 0..8),
    ) {
        let encoded: Vec<Vec<u8>> = msgs.iter().map(|m| m.to_bytes().unwrap()).collect();
        let stream = encoded.concat();
        let mut points: Vec<usize> = cuts.iter().map(|c| c.index(stream.len() + 1)).collect();
        points.push(0);
        points.push(stream.len());
        points.sort_unstable();
        let mut joiner = HandshakeJoiner::new(Default::default());
        let mut out = Vec::new();
        for w in points.windows(2) {
            joiner.push(&stream[w[0]..w[1]]).unwrap();
            while let Some(raw) = joiner.pop() {
                prop_assert_eq!(raw.parse(), Ok(msgs[out.len()].clone()));
                out.push(raw.into_bytes());
            }
        }
        prop_assert!(!joiner.is_mid_message());
        prop_assert_eq!(out, encoded);
    }
}

/// A message with one vector of `n` bytes filled with `fill`, each at the edge of what
/// its length prefixes allow (issue 8 item 6). Returns the message and the largest `n`
/// every enclosing prefix can express.
fn edge_message(which: u8, n: usize, fill: u8) -> (HandshakeMessage, usize) {
    use HandshakeMessage as M;
    let v = vec![fill; n];
    match which % 5 {
        // HRR cookie: block = supported_versions (6) + key_share (6) + 4 + 2 + n.
        0 => (
            M::ServerHello(ServerHello {
                legacy_version: ProtocolVersion::TLSV1_2,
                random: HELLO_RETRY_REQUEST_RANDOM,
                session_id: vec![fill; 32],
                cipher_suite: CipherSuite::TLS13_AES_128_GCM_SHA256,
                compression_method: 0,
                extensions: vec![
                    Extension::SupportedVersionsSelected(ProtocolVersion::TLSV1_3),
                    Extension::KeyShareRetry(NamedGroup::SECP256R1),
                    Extension::Cookie(v),
                ],
            }),
            0xffff - 6 - 6 - 4 - 2,
        ),
        // An ALPN protocol name: `opaque ProtocolName<1..2^8-1>`.
        1 => (
            M::EncryptedExtensions(EncryptedExtensions {
                extensions: vec![Extension::Alpn(vec![v])],
            }),
            0xff,
        ),
        // ClientHello padding: block = 4 + n.
        2 => (
            M::ClientHello(ClientHello {
                legacy_version: ProtocolVersion::TLSV1_2,
                random: [fill; 32],
                session_id: vec![],
                cipher_suites: vec![CipherSuite::TLS13_AES_128_GCM_SHA256],
                compression_methods: vec![0],
                extensions: vec![Extension::Padding(v)],
            }),
            0xffff - 4,
        ),
        // NewSessionTicket ticket: `opaque ticket<1..2^16-1>`.
        3 => (
            M::NewSessionTicket(NewSessionTicket {
                lifetime: 1,
                age_add: 2,
                nonce: vec![fill],
                ticket: v,
                extensions: vec![],
            }),
            0xffff,
        ),
        // One certificate_authorities name: block = 4 + 2 + 2 + n.
        _ => (
            M::CertificateRequest(CertificateRequest {
                context: vec![],
                extensions: vec![Extension::CertificateAuthorities(vec![v])],
            }),
            0xffff - 4 - 2 - 2,
        ),
    }
}

/// Room for the edge messages (the default cap is 64 KiB per message).
const EDGE_LIMITS: qssl_handshake::DecodeLimits = qssl_handshake::DecodeLimits {
    max_message_len: 1 << 20,
    max_certificate_message_len: 1 << 20,
};

proptest! {
    #![proptest_config(ProptestConfig::with_cases(40))]

    /// A vector exactly as long as its prefixes allow round-trips and any strict
    /// prefix of it is Truncated; one byte more (or a few) is refused with
    /// `EncodeError::TooLong` and leaves the output as it was: no panic, no wrong
    /// length, nothing half-written after what was already there.
    #[test]
    fn vectors_at_the_prefix_limit_round_trip_and_longer_ones_are_refused(
        which in any::<u8>(),
        fill in any::<u8>(),
        extra in 1usize..4,
        cut in any::<prop::sample::Index>(),
        before in bytes(0, 8),
    ) {
        let (_, max) = edge_message(which, 0, fill);
        let (m, _) = edge_message(which, max, fill);
        let bytes = m.to_bytes().unwrap();
        prop_assert_eq!(HandshakeMessage::parse_with_limits(&bytes, &EDGE_LIMITS), Ok(m));
        let k = cut.index(bytes.len());
        prop_assert_eq!(
            HandshakeMessage::parse_with_limits(&bytes[..k], &EDGE_LIMITS),
            Err(InvalidMessage::Truncated)
        );

        let (m, _) = edge_message(which, max + extra, fill);
        let mut out = before.clone();
        let err = m.encode(&mut out).unwrap_err();
        prop_assert!(matches!(err, EncodeError::TooLong { len, max: lim } if len > lim), "{err:?}");
        prop_assert_eq!(&out, &before);
        prop_assert_eq!(m.to_bytes(), Err(err));
        let mut body = before.clone();
        prop_assert_eq!(m.encode_body(&mut body), Err(err));
        prop_assert_eq!(body, before);
    }
}

/// The widest prefix: a body over 2^24 - 1 bytes cannot be a handshake message, and a
/// certificate over 2^24 - 1 bytes cannot be a CertificateEntry.
#[test]
fn bodies_over_the_24_bit_limit_are_refused() {
    let max = 0xff_ffff;
    let m = HandshakeMessage::Unknown {
        typ: HandshakeType(200),
        body: vec![0; max],
    };
    assert_eq!(m.to_bytes().map(|b| b.len()), Ok(4 + max));
    let m = HandshakeMessage::Unknown {
        typ: HandshakeType(200),
        body: vec![0; max + 1],
    };
    assert_eq!(
        m.to_bytes(),
        Err(EncodeError::TooLong { len: max + 1, max })
    );
    let m = HandshakeMessage::Certificate(Certificate {
        context: vec![],
        entries: vec![CertificateEntry {
            cert_data: vec![0; max + 1],
            extensions: vec![],
        }],
    });
    let mut out = vec![9];
    assert_eq!(
        m.encode(&mut out),
        Err(EncodeError::TooLong { len: max + 1, max })
    );
    assert_eq!(out, [9]);
}

//! Malformed or out-of-order handshake input → the exact alert, on both sides: the side
//! that detects the fault sends the alert, the other receives it. Faults are injected
//! with the connection's handshake hook, which rewrites one outgoing handshake message
//! after it entered the sender's transcript and before it is protected. The same table
//! is in `docs/alerts.md`.

mod common;

use common::*;
use qssl::{AlertDescription as A, ConnectionCommon, Error};
use qssl_crypto::sign::KeyAlgorithm;
use qssl_handshake::{Extension, ExtensionType, HandshakeMessage, HandshakeType as T};

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Side {
    Client,
    Server,
}

struct Case {
    name: &'static str,
    /// Whose outgoing message is rewritten.
    tamper: Side,
    typ: T,
    rewrite: fn(&mut Vec<u8>),
    /// Certificate problems instead of tampering (tamper typ ignored when Some).
    pki: Option<PkiSpec>,
    detector: Side,
    alert: A,
}

fn set_len(m: &mut [u8]) {
    let n = m.len() - 4;
    m[1..4].copy_from_slice(&(n as u32).to_be_bytes()[1..]);
}

fn edit(m: &mut Vec<u8>, f: impl FnOnce(&mut HandshakeMessage)) {
    let mut msg = HandshakeMessage::parse(m).unwrap();
    f(&mut msg);
    *m = msg.to_bytes().unwrap();
}

#[allow(clippy::ptr_arg)] // must match the rewrite fn type
fn flip_last(m: &mut Vec<u8>) {
    let n = m.len() - 1;
    m[n] ^= 1;
}

fn truncate_body(m: &mut Vec<u8>) {
    m.pop();
    set_len(m);
}

fn trailing_byte(m: &mut Vec<u8>) {
    m.push(0);
    set_len(m);
}

#[allow(clippy::ptr_arg)] // must match the rewrite fn type
fn as_finished(m: &mut Vec<u8>) {
    m[0] = T::FINISHED.0;
}

fn as_key_update(m: &mut Vec<u8>) {
    *m = vec![T::KEY_UPDATE.0, 0, 0, 1, 0];
}

fn drop_key_share(m: &mut Vec<u8>) {
    edit(m, |msg| {
        if let HandshakeMessage::ClientHello(ch) = msg {
            ch.extensions
                .retain(|e| e.typ() != ExtensionType::KEY_SHARE);
        }
    });
}

fn drop_supported_versions(m: &mut Vec<u8>) {
    edit(m, |msg| {
        if let HandshakeMessage::ClientHello(ch) = msg {
            ch.extensions
                .retain(|e| e.typ() != ExtensionType::SUPPORTED_VERSIONS);
        }
    });
}

fn bad_compression(m: &mut Vec<u8>) {
    edit(m, |msg| {
        if let HandshakeMessage::ClientHello(ch) = msg {
            ch.compression_methods = vec![1, 0];
        }
    });
}

fn corrupt_client_share(m: &mut Vec<u8>) {
    edit(m, |msg| {
        if let HandshakeMessage::ClientHello(ch) = msg {
            for e in &mut ch.extensions {
                if let Extension::KeyShareOffer(shares) = e {
                    shares[0].key_exchange.pop();
                }
            }
        }
    });
}

fn duplicate_sh_extension(m: &mut Vec<u8>) {
    // supported_versions twice: encoded by hand, the codec refuses to parse it.
    let ext = [0x00, 0x2b, 0x00, 0x02, 0x03, 0x04];
    let sid_len = m[4 + 34] as usize;
    let ext_len_at = 4 + 34 + 1 + sid_len + 3;
    let n = u16::from_be_bytes([m[ext_len_at], m[ext_len_at + 1]]) + ext.len() as u16;
    m[ext_len_at..ext_len_at + 2].copy_from_slice(&n.to_be_bytes());
    m.extend_from_slice(&ext);
    set_len(m);
}

fn sh_unoffered_group(m: &mut Vec<u8>) {
    edit(m, |msg| {
        if let HandshakeMessage::ServerHello(sh) = msg {
            for e in &mut sh.extensions {
                if let Extension::KeyShareSelected(s) = e {
                    s.group = qssl_crypto::ids::NamedGroup::SECP256R1;
                }
            }
        }
    });
}

fn sh_downgrade(m: &mut Vec<u8>) {
    edit(m, |msg| {
        if let HandshakeMessage::ServerHello(sh) = msg {
            sh.random[24..].copy_from_slice(b"DOWNGRD\x01");
        }
    });
}

fn sh_session_id(m: &mut Vec<u8>) {
    edit(m, |msg| {
        if let HandshakeMessage::ServerHello(sh) = msg {
            sh.session_id[0] ^= 1;
        }
    });
}

fn empty_certificate(m: &mut Vec<u8>) {
    *m = vec![T::CERTIFICATE.0, 0, 0, 4, 0, 0, 0, 0];
}

fn unsolicited_ee_extension(m: &mut Vec<u8>) {
    edit(m, |msg| {
        if let HandshakeMessage::EncryptedExtensions(ee) = msg {
            ee.extensions.push(Extension::Unknown {
                typ: ExtensionType(0x1234),
                data: vec![],
            });
        }
    });
}

fn no_tamper(_: &mut Vec<u8>) {}

fn ch_legacy_version(m: &mut Vec<u8>, v: u16) {
    edit(m, |msg| {
        if let HandshakeMessage::ClientHello(ch) = msg {
            ch.legacy_version = qssl_handshake::ProtocolVersion(v);
        }
    });
}

fn ch_legacy_tls11(m: &mut Vec<u8>) {
    ch_legacy_version(m, 0x0302);
}

fn ch_legacy_tls10(m: &mut Vec<u8>) {
    ch_legacy_version(m, 0x0301);
}

fn ch_legacy_ssl3(m: &mut Vec<u8>) {
    ch_legacy_version(m, 0x0300);
}

fn ch_legacy_zero(m: &mut Vec<u8>) {
    ch_legacy_version(m, 0x0000);
}

fn sh_legacy_tls10(m: &mut Vec<u8>) {
    edit(m, |msg| {
        if let HandshakeMessage::ServerHello(sh) = msg {
            sh.legacy_version = qssl_handshake::ProtocolVersion(0x0301);
        }
    });
}

fn set_sni(m: &mut Vec<u8>, names: &[&[u8]]) {
    edit(m, |msg| {
        if let HandshakeMessage::ClientHello(ch) = msg {
            ch.extensions
                .retain(|e| e.typ() != ExtensionType::SERVER_NAME);
            ch.extensions.insert(
                0,
                Extension::ServerName(names.iter().map(|n| n.to_vec()).collect()),
            );
        }
    });
}

fn sni_control_character(m: &mut Vec<u8>) {
    set_sni(m, &[b"local\x07host"]);
}

fn sni_two_names(m: &mut Vec<u8>) {
    set_sni(m, &[b"localhost", b"other.example"]);
}

fn sni_trailing_dot(m: &mut Vec<u8>) {
    set_sni(m, &[b"localhost."]);
}

fn long_finished(m: &mut Vec<u8>) {
    m.extend_from_slice(&[0; 16]);
    set_len(m);
}

fn cert_case(f: impl FnOnce(&mut PkiSpec)) -> Option<PkiSpec> {
    let mut spec = PkiSpec::new(KeyAlgorithm::EcdsaP256);
    f(&mut spec);
    Some(spec)
}

fn cases() -> Vec<Case> {
    use Side::*;
    let c = |name, tamper, typ, rewrite, detector, alert| Case {
        name,
        tamper,
        typ,
        rewrite,
        pki: None,
        detector,
        alert,
    };
    vec![
        c(
            "ClientHello truncated",
            Client,
            T::CLIENT_HELLO,
            truncate_body,
            Server,
            A::DECODE_ERROR,
        ),
        c(
            "ClientHello trailing byte",
            Client,
            T::CLIENT_HELLO,
            trailing_byte,
            Server,
            A::DECODE_ERROR,
        ),
        c(
            "ClientHello without key_share",
            Client,
            T::CLIENT_HELLO,
            drop_key_share,
            Server,
            A::MISSING_EXTENSION,
        ),
        c(
            "ClientHello without TLS 1.3",
            Client,
            T::CLIENT_HELLO,
            drop_supported_versions,
            Server,
            A::PROTOCOL_VERSION,
        ),
        c(
            "ClientHello non-null compression",
            Client,
            T::CLIENT_HELLO,
            bad_compression,
            Server,
            A::ILLEGAL_PARAMETER,
        ),
        c(
            "ClientHello bad key share length",
            Client,
            T::CLIENT_HELLO,
            corrupt_client_share,
            Server,
            A::ILLEGAL_PARAMETER,
        ),
        c(
            "ServerHello duplicate extension",
            Server,
            T::SERVER_HELLO,
            duplicate_sh_extension,
            Client,
            A::ILLEGAL_PARAMETER,
        ),
        c(
            "ServerHello truncated",
            Server,
            T::SERVER_HELLO,
            truncate_body,
            Client,
            A::DECODE_ERROR,
        ),
        c(
            "ServerHello unoffered group",
            Server,
            T::SERVER_HELLO,
            sh_unoffered_group,
            Client,
            A::ILLEGAL_PARAMETER,
        ),
        c(
            "ServerHello downgrade sentinel",
            Server,
            T::SERVER_HELLO,
            sh_downgrade,
            Client,
            A::ILLEGAL_PARAMETER,
        ),
        c(
            "ServerHello session id not echoed",
            Server,
            T::SERVER_HELLO,
            sh_session_id,
            Client,
            A::ILLEGAL_PARAMETER,
        ),
        c(
            "EncryptedExtensions trailing byte",
            Server,
            T::ENCRYPTED_EXTENSIONS,
            trailing_byte,
            Client,
            A::DECODE_ERROR,
        ),
        c(
            "EncryptedExtensions truncated",
            Server,
            T::ENCRYPTED_EXTENSIONS,
            truncate_body,
            Client,
            A::DECODE_ERROR,
        ),
        c(
            "EncryptedExtensions unsolicited extension",
            Server,
            T::ENCRYPTED_EXTENSIONS,
            unsolicited_ee_extension,
            Client,
            A::UNSUPPORTED_EXTENSION,
        ),
        c(
            "Finished instead of EncryptedExtensions",
            Server,
            T::ENCRYPTED_EXTENSIONS,
            as_finished,
            Client,
            A::UNEXPECTED_MESSAGE,
        ),
        c(
            "Finished instead of CertificateVerify",
            Server,
            T::CERTIFICATE_VERIFY,
            as_finished,
            Client,
            A::UNEXPECTED_MESSAGE,
        ),
        c(
            "empty server Certificate",
            Server,
            T::CERTIFICATE,
            empty_certificate,
            Client,
            A::DECODE_ERROR,
        ),
        c(
            "bad server CertificateVerify",
            Server,
            T::CERTIFICATE_VERIFY,
            flip_last,
            Client,
            A::DECRYPT_ERROR,
        ),
        c(
            "bad server Finished",
            Server,
            T::FINISHED,
            flip_last,
            Client,
            A::DECRYPT_ERROR,
        ),
        c(
            "bad client Finished",
            Client,
            T::FINISHED,
            flip_last,
            Server,
            A::DECRYPT_ERROR,
        ),
        c(
            "KeyUpdate instead of client Finished",
            Client,
            T::FINISHED,
            as_key_update,
            Server,
            A::UNEXPECTED_MESSAGE,
        ),
        Case {
            name: "expired certificate",
            pki: cert_case(|s| s.expired = true),
            ..c(
                "",
                Server,
                T::FINISHED,
                no_tamper,
                Client,
                A::CERTIFICATE_EXPIRED,
            )
        },
        Case {
            name: "wrong name",
            pki: cert_case(|s| s.right_name = false),
            ..c(
                "",
                Server,
                T::FINISHED,
                no_tamper,
                Client,
                A::BAD_CERTIFICATE,
            )
        },
        c(
            "Finished from the server truncated",
            Server,
            T::FINISHED,
            truncate_body,
            Client,
            A::DECODE_ERROR,
        ),
        c(
            "Finished from the client truncated",
            Client,
            T::FINISHED,
            truncate_body,
            Server,
            A::DECODE_ERROR,
        ),
        c(
            "Finished from the server too long",
            Server,
            T::FINISHED,
            long_finished,
            Client,
            A::DECODE_ERROR,
        ),
        c(
            "ClientHello legacy_version TLS 1.1",
            Client,
            T::CLIENT_HELLO,
            ch_legacy_tls11,
            Server,
            A::PROTOCOL_VERSION,
        ),
        c(
            "ClientHello legacy_version TLS 1.0",
            Client,
            T::CLIENT_HELLO,
            ch_legacy_tls10,
            Server,
            A::PROTOCOL_VERSION,
        ),
        c(
            "ClientHello legacy_version SSL 3.0",
            Client,
            T::CLIENT_HELLO,
            ch_legacy_ssl3,
            Server,
            A::PROTOCOL_VERSION,
        ),
        c(
            "ClientHello legacy_version 0x0000",
            Client,
            T::CLIENT_HELLO,
            ch_legacy_zero,
            Server,
            A::PROTOCOL_VERSION,
        ),
        c(
            "ServerHello legacy_version TLS 1.0",
            Server,
            T::SERVER_HELLO,
            sh_legacy_tls10,
            Client,
            A::PROTOCOL_VERSION,
        ),
        c(
            "server_name with a control character",
            Client,
            T::CLIENT_HELLO,
            sni_control_character,
            Server,
            A::ILLEGAL_PARAMETER,
        ),
        c(
            "server_name with two host names",
            Client,
            T::CLIENT_HELLO,
            sni_two_names,
            Server,
            A::ILLEGAL_PARAMETER,
        ),
        c(
            "server_name with a trailing dot",
            Client,
            T::CLIENT_HELLO,
            sni_trailing_dot,
            Server,
            A::ILLEGAL_PARAMETER,
        ),
        Case {
            name: "unknown CA",
            pki: cert_case(|s| s.chain_len = 2),
            ..c("", Server, T::FINISHED, no_tamper, Client, A::UNKNOWN_CA)
        },
    ]
}

fn run_case(case: &Case) -> (Result<(), Error>, Result<(), Error>) {
    let p = pki_for(KeyAlgorithm::EcdsaP256);
    let (cb, sb) = match case.pki {
        Some(spec) => {
            let bad = pki(spec);
            let (_, sb) = configs(&bad);
            // Trust a different root than the one that issued `bad` for "unknown CA".
            let roots = if spec.chain_len == 2 {
                p.roots()
            } else {
                bad.roots()
            };
            (
                qssl::ClientConfig::builder().with_root_certificates(roots),
                sb,
            )
        }
        None => configs(&p),
    };
    let (mut c, mut s) = pair(cb.build().unwrap(), sb.build().unwrap());
    let typ = case.typ;
    let rewrite = case.rewrite;
    let target: &mut ConnectionCommon = match case.tamper {
        Side::Client => &mut c,
        Side::Server => &mut s,
    };
    set_handshake_hook(
        target,
        Box::new(move |t, bytes| {
            if t == typ {
                rewrite(bytes);
            }
        }),
    );
    if case.tamper == Side::Client && typ == T::CLIENT_HELLO {
        // The ClientHello was queued before the hook existed: rewrite it on the wire.
        let mut wire = Vec::new();
        while c.wants_write() {
            c.write_tls(&mut wire).unwrap();
        }
        let mut msg = wire[5..].to_vec();
        rewrite(&mut msg);
        let mut rec = vec![0x16, 0x03, 0x01];
        rec.extend_from_slice(&(msg.len() as u16).to_be_bytes());
        rec.extend_from_slice(&msg);
        inject_tls(&mut c, &rec);
    }
    run(&mut c, &mut s)
}

#[test]
fn negative_table() {
    let mut failures = Vec::new();
    let cases = cases();
    for case in &cases {
        let (cr, sr) = run_case(case);
        let (det, other) = match case.detector {
            Side::Client => (cr, sr),
            Side::Server => (sr, cr),
        };
        let det_alert = det.err().and_then(|e| e.alert());
        if det_alert != Some(case.alert) || other != Err(Error::AlertReceived(case.alert)) {
            failures.push(format!(
                "{}: detector {:?} got {det_alert:?}, peer got {other:?}, want {:?}",
                case.name, case.detector, case.alert
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} cases failed:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
}

#[test]
fn second_change_cipher_spec_is_unexpected() {
    let p = pki_for(KeyAlgorithm::EcdsaP256);
    let (cb, sb) = configs(&p);
    let (mut c, mut s) = pair(cb.build().unwrap(), sb.build().unwrap());
    // The client's ClientHello, then two plaintext CCS records.
    inject_tls(&mut c, &[20, 3, 3, 0, 1, 1, 20, 3, 3, 0, 1, 1]);
    let (cr, sr) = run(&mut c, &mut s);
    assert_eq!(sr.unwrap_err().alert(), Some(A::UNEXPECTED_MESSAGE));
    assert_eq!(cr, Err(Error::AlertReceived(A::UNEXPECTED_MESSAGE)));
}

#[test]
fn application_data_during_handshake_is_unexpected() {
    let p = pki_for(KeyAlgorithm::EcdsaP256);
    let (cb, sb) = configs(&p);
    let (_c, mut s) = pair(cb.build().unwrap(), sb.build().unwrap());
    // Before any key exists, application data is refused.
    let (_, sr) = transfer_bytes(&[23, 3, 3, 0, 1, 0], &mut s);
    assert_eq!(sr.unwrap_err().alert(), Some(A::UNEXPECTED_MESSAGE));
    assert!(s.wants_write(), "the alert is queued");
}

/// The name the application sees is the validated host name, lowercased (DNS names
/// compare case-insensitively, and a resolver or a log should see one spelling).
#[test]
fn server_name_is_lowercased() {
    let p = pki_for(KeyAlgorithm::EcdsaP256);
    let (cb, sb) = configs(&p);
    let mut c = qssl::ClientConnection::new(
        std::sync::Arc::new(cb.build().unwrap()),
        "LocalHost".try_into().unwrap(),
    )
    .unwrap();
    let mut s = qssl::ServerConnection::new(std::sync::Arc::new(sb.build().unwrap())).unwrap();
    let (cr, sr) = run(&mut c, &mut s);
    assert_eq!((cr, sr), (Ok(()), Ok(())));
    assert_eq!(s.server_name(), Some("localhost"));
}

/// Issue 8 item 6: a HelloRetryRequest whose cookie (65,400 bytes, the HRR itself still
/// under the 64 KiB message cap) cannot fit the second ClientHello's extension block
/// (`<8..2^16-1>`) once the client's own extensions are added. The client must refuse
/// the HRR with illegal_parameter (the HRR is well-formed; what it asks for cannot be
/// built), never panic on the length overflow nor send a wrong length.
#[test]
fn hrr_cookie_too_large_for_second_client_hello_is_illegal_parameter() {
    let p = pki_for(KeyAlgorithm::EcdsaP256);
    let (cb, sb) = configs(&p);
    let client = cb
        .with_groups(vec![
            group(qssl::NamedGroup::X25519),
            group(qssl::NamedGroup::SECP256R1),
        ])
        .build()
        .unwrap();
    let server = sb
        .with_groups(vec![group(qssl::NamedGroup::SECP256R1)])
        .build()
        .unwrap();
    let (mut c, mut s) = pair(client, server);
    set_handshake_hook(
        &mut s,
        Box::new(|t, bytes| {
            if t != T::SERVER_HELLO {
                return;
            }
            let mut msg = HandshakeMessage::parse(bytes).unwrap();
            if let HandshakeMessage::ServerHello(sh) = &mut msg {
                assert!(sh.is_hello_retry_request());
                sh.extensions.retain(|e| e.typ() != ExtensionType::COOKIE);
                sh.extensions.push(Extension::Cookie(vec![0xc0; 65_400]));
            }
            *bytes = msg.to_bytes().unwrap();
            assert!(bytes.len() - 4 <= qssl_handshake::limits::DEFAULT_MAX_MESSAGE_LEN);
        }),
    );
    let (cr, sr) = run(&mut c, &mut s);
    assert_eq!(cr.unwrap_err().alert(), Some(A::ILLEGAL_PARAMETER));
    assert_eq!(sr, Err(Error::AlertReceived(A::ILLEGAL_PARAMETER)));
}

/// Stateless retry (`with_stateless_retry(true)`): a ClientHello2 whose cookie was
/// altered or dropped is refused by the server with illegal_parameter
/// (`PeerMisbehaved::BadCookie`), and the client receives that alert.
#[test]
fn stateless_retry_bad_cookie_is_illegal_parameter() {
    fn flip_cookie(bytes: &mut Vec<u8>) {
        edit(bytes, |msg| {
            if let HandshakeMessage::ClientHello(ch) = msg {
                for e in &mut ch.extensions {
                    if let Extension::Cookie(c) = e {
                        let n = c.len() - 1;
                        c[n] ^= 1;
                    }
                }
            }
        });
    }
    fn drop_cookie(bytes: &mut Vec<u8>) {
        edit(bytes, |msg| {
            if let HandshakeMessage::ClientHello(ch) = msg {
                ch.extensions.retain(|e| e.typ() != ExtensionType::COOKIE);
            }
        });
    }
    for (what, rewrite) in [
        ("altered", flip_cookie as fn(&mut Vec<u8>)),
        ("dropped", drop_cookie),
    ] {
        let p = pki_for(KeyAlgorithm::EcdsaP256);
        let (cb, sb) = configs(&p);
        let client = cb
            .with_groups(vec![
                group(qssl::NamedGroup::SECP384R1MLKEM1024),
                group(qssl::NamedGroup::X25519),
            ])
            .build()
            .unwrap();
        let server = sb
            .with_groups(vec![group(qssl::NamedGroup::X25519)])
            .with_stateless_retry(true)
            .build()
            .unwrap();
        let (mut c, mut s) = pair(client, server);
        // Installed after ClientHello1 was queued: it sees only ClientHello2.
        set_handshake_hook(
            &mut c,
            Box::new(move |t, bytes| {
                if t == T::CLIENT_HELLO {
                    rewrite(bytes);
                }
            }),
        );
        let (cr, sr) = run(&mut c, &mut s);
        assert_eq!(
            sr.unwrap_err().alert(),
            Some(A::ILLEGAL_PARAMETER),
            "{what}"
        );
        assert_eq!(
            cr,
            Err(Error::AlertReceived(A::ILLEGAL_PARAMETER)),
            "{what}"
        );
    }
}

/// An empty protected record cannot hold a tag: bad_record_mac. (It was once
/// skipped silently, as if it were 0-RTT data being skipped when none was.)
#[test]
fn an_empty_protected_record_is_bad_record_mac() {
    let p = pki_for(KeyAlgorithm::EcdsaP256);
    let (cb, sb) = configs(&p);
    let (mut c, mut s) = pair(cb.build().unwrap(), sb.build().unwrap());
    do_handshake(&mut c, &mut s);
    let (_, r) = transfer_bytes(&[23, 3, 3, 0, 0], &mut s);
    assert_eq!(r.unwrap_err().alert(), Some(A::BAD_RECORD_MAC));
}

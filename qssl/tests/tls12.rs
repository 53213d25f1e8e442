//! TLS 1.2 between two Q-SSL endpoints, through the facade: every suite with ECDSA
//! P-256, ECDSA P-384, Ed25519 and RSA certificates, client authentication, version
//! negotiation (TLS 1.2-only peers, the downgrade sentinel), and the faults a TLS 1.2
//! peer can commit, each with the alert the other side must see. Interop with
//! OpenSSL and rustls is in `qssl-interop/tests/tls12_handshake.rs`.

mod common;

use std::sync::Arc;

use common::*;
use qssl::{AlertDescription as A, ConnectionCommon, Error, TlsVersion};
use qssl_crypto::ids::{CipherSuite, NamedGroup};
use qssl_crypto::sign::KeyAlgorithm;
use qssl_crypto::suites::{self, Tls12CipherSuite};
use qssl_handshake::Tls12Message;
use qssl_handshake::{Extension, ExtensionType, HandshakeMessage, HandshakeType as T};

const TLS12_ONLY: &[TlsVersion] = &[TlsVersion::Tls12];

/// The suites of each kind of certificate key.
fn suites_for(alg: KeyAlgorithm) -> [&'static Tls12CipherSuite; 3] {
    match alg {
        KeyAlgorithm::Rsa => [
            &suites::TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,
            &suites::TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
            &suites::TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256,
        ],
        _ => [
            &suites::TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
            &suites::TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
            &suites::TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256,
        ],
    }
}

/// A TLS 1.2-only client and a default server with TLS 1.2 enabled.
fn tls12_configs(p: &Pki) -> (qssl::ClientConfigBuilder, qssl::ServerConfigBuilder) {
    let (cb, sb) = configs(p);
    (cb.with_protocol_versions(TLS12_ONLY), sb.with_tls12())
}

fn connected(
    cb: qssl::ClientConfigBuilder,
    sb: qssl::ServerConfigBuilder,
) -> (qssl::ClientConnection, qssl::ServerConnection) {
    let (mut c, mut s) = pair(cb.build().unwrap(), sb.build().unwrap());
    do_handshake(&mut c, &mut s);
    (c, s)
}

#[test]
fn every_suite_with_every_certificate_kind_completes_and_moves_data() {
    for alg in [
        KeyAlgorithm::EcdsaP256,
        KeyAlgorithm::EcdsaP384,
        KeyAlgorithm::Ed25519,
        KeyAlgorithm::Rsa,
    ] {
        let p = pki_for(alg);
        for suite in suites_for(alg) {
            let (cb, sb) = tls12_configs(&p);
            let (mut c, mut s) = connected(cb.with_tls12_cipher_suites(vec![suite]), sb);
            for conn in [&*c, &*s] {
                let info = conn.connection_info().unwrap();
                assert_eq!(info.protocol_version, TlsVersion::Tls12, "{alg:?}");
                assert_eq!(info.cipher_suite, suite.suite, "{alg:?}");
                assert_eq!(info.key_exchange_group, Some(NamedGroup::X25519));
                assert!(!info.kx_post_quantum && !info.peer_auth_post_quantum);
                assert!(!info.resumed);
            }
            assert_eq!(c.peer_certificates().unwrap()[0], p.chain[0]);
            send_and_check(&mut c, &mut s, b"to the server");
            send_and_check(&mut s, &mut c, &vec![7u8; 40_000]);
        }
    }
}

#[test]
fn each_tls12_group_is_used_when_it_is_the_only_one() {
    let p = pki_for(KeyAlgorithm::EcdsaP256);
    for group in [kx::X25519, kx::SECP256R1, kx::SECP384R1] {
        let (cb, sb) = tls12_configs(&p);
        let (c, s) = connected(cb.with_groups(vec![group]), sb);
        assert_eq!(
            c.connection_info().unwrap().key_exchange_group,
            Some(group.name())
        );
        assert_eq!(
            s.connection_info().unwrap().key_exchange_group,
            Some(group.name())
        );
    }
}

use qssl_crypto::kx;

#[test]
fn a_hybrid_group_is_never_chosen_for_tls12_even_when_both_list_it_first() {
    let p = pki_for(KeyAlgorithm::EcdsaP256);
    let (cb, sb) = configs(&p);
    let sb = sb
        .with_protocol_versions(TLS12_ONLY)
        .with_groups(vec![kx::X25519MLKEM768, kx::SECP384R1]);
    let cb = cb
        .with_tls12()
        .with_groups(vec![kx::X25519MLKEM768, kx::SECP384R1]);
    let (c, _s) = connected(cb, sb);
    let info = c.connection_info().unwrap();
    assert_eq!(info.protocol_version, TlsVersion::Tls12);
    assert_eq!(info.key_exchange_group, Some(NamedGroup::SECP384R1));
    assert!(!info.kx_post_quantum);
}

#[test]
fn tls13_wins_when_both_sides_speak_it_and_tls12_is_off_by_default() {
    let p = pki_for(KeyAlgorithm::EcdsaP256);
    let (cb, sb) = configs(&p);
    let (c, _s) = connected(cb.with_tls12(), sb.with_tls12());
    assert_eq!(
        c.connection_info().unwrap().protocol_version,
        TlsVersion::Tls13
    );

    // A default server refuses a TLS 1.2-only client: protocol_version.
    let (cb, sb) = configs(&p);
    let (mut c, mut s) = pair(
        cb.with_protocol_versions(TLS12_ONLY).build().unwrap(),
        sb.build().unwrap(),
    );
    let (cr, sr) = run(&mut c, &mut s);
    assert_eq!(sr.unwrap_err().alert(), Some(A::PROTOCOL_VERSION));
    assert_eq!(cr, Err(Error::AlertReceived(A::PROTOCOL_VERSION)));
}

#[test]
fn a_tls13_client_with_tls12_talks_to_a_tls12_only_server() {
    let p = pki_for(KeyAlgorithm::EcdsaP384);
    let (cb, sb) = configs(&p);
    let (mut c, mut s) = connected(cb.with_tls12(), sb.with_protocol_versions(TLS12_ONLY));
    assert_eq!(
        c.connection_info().unwrap().protocol_version,
        TlsVersion::Tls12
    );
    send_and_check(&mut c, &mut s, b"hello");
}

/// RFC 8446 §4.1.3: an attacker that strips TLS 1.3 from the ClientHello makes a
/// TLS 1.3-capable server answer in TLS 1.2 with the downgrade sentinel in its
/// random; the client that offered TLS 1.3 sees it and aborts (illegal_parameter).
#[test]
fn the_downgrade_sentinel_stops_a_client_forced_down_to_tls12() {
    let p = pki_for(KeyAlgorithm::EcdsaP256);
    let (cb, sb) = configs(&p);
    let (mut c, mut s) = pair(
        cb.with_tls12().build().unwrap(),
        sb.with_tls12().build().unwrap(),
    );
    rewrite_client_hello(&mut c, |m| {
        edit(m, |ch| {
            ch.extensions
                .retain(|e| e.typ() != ExtensionType::SUPPORTED_VERSIONS)
        });
    });
    let (cr, sr) = run(&mut c, &mut s);
    assert_eq!(cr.unwrap_err().alert(), Some(A::ILLEGAL_PARAMETER));
    assert_eq!(sr, Err(Error::AlertReceived(A::ILLEGAL_PARAMETER)));

    // A TLS 1.2-only client asked for TLS 1.2: the sentinel is no reason to abort.
    let (cb, sb) = configs(&p);
    let (c, _s) = connected(cb.with_protocol_versions(TLS12_ONLY), sb.with_tls12());
    assert_eq!(
        c.connection_info().unwrap().protocol_version,
        TlsVersion::Tls12
    );
}

/// The ClientHello is queued when the client is made, before a hook can exist:
/// rewrite it on the wire (one plaintext record) instead.
fn rewrite_client_hello(c: &mut qssl::ClientConnection, rewrite: impl FnOnce(&mut Vec<u8>)) {
    let mut wire = Vec::new();
    while c.wants_write() {
        c.write_tls(&mut wire).unwrap();
    }
    let mut msg = wire[5..].to_vec();
    rewrite(&mut msg);
    let mut rec = vec![0x16, 0x03, 0x01];
    rec.extend_from_slice(&(msg.len() as u16).to_be_bytes());
    rec.extend_from_slice(&msg);
    inject_tls(c, &rec);
}

fn edit(m: &mut Vec<u8>, f: impl FnOnce(&mut qssl_handshake::ClientHello)) {
    let HandshakeMessage::ClientHello(mut ch) = HandshakeMessage::parse(m).unwrap() else {
        panic!("not a ClientHello");
    };
    f(&mut ch);
    *m = HandshakeMessage::ClientHello(ch).to_bytes().unwrap();
}

#[test]
fn client_authentication_in_tls12() {
    for alg in [
        KeyAlgorithm::EcdsaP256,
        KeyAlgorithm::Rsa,
        KeyAlgorithm::Ed25519,
    ] {
        let server_pki = pki_for(KeyAlgorithm::EcdsaP256);
        let client_pki = pki_for(alg);
        let (cb, sb) = tls12_configs(&server_pki);
        let cb = cb.with_client_auth_cert(client_pki.chain.clone(), client_pki.key());
        let sb = sb.with_client_cert_verifier(Arc::new(
            qssl_handshake::verify::WebPkiClientVerifier::new(
                client_pki.roots(),
                &qssl_crypto::provider::default_provider(),
                true,
            ),
        ));
        let (mut c, mut s) = connected(cb, sb);
        assert_eq!(
            s.peer_certificates().unwrap()[0],
            client_pki.chain[0],
            "{alg:?}"
        );
        assert!(s.connection_info().unwrap().protocol_version == TlsVersion::Tls12);
        send_and_check(&mut c, &mut s, b"authenticated");
    }
}

#[test]
fn a_mandatory_client_certificate_missing_is_handshake_failure() {
    let server_pki = pki_for(KeyAlgorithm::EcdsaP256);
    let client_pki = pki_for(KeyAlgorithm::EcdsaP256);
    let (cb, sb) = tls12_configs(&server_pki);
    let sb =
        sb.with_client_cert_verifier(Arc::new(qssl_handshake::verify::WebPkiClientVerifier::new(
            client_pki.roots(),
            &qssl_crypto::provider::default_provider(),
            true,
        )));
    let (mut c, mut s) = pair(cb.build().unwrap(), sb.build().unwrap());
    let (cr, sr) = run(&mut c, &mut s);
    assert_eq!(sr.unwrap_err().alert(), Some(A::HANDSHAKE_FAILURE));
    assert_eq!(cr, Err(Error::AlertReceived(A::HANDSHAKE_FAILURE)));
}

// ------------------------------------------------------------------ faults

/// One fault: `tamper`'s outgoing message of type `typ` is rewritten; the other side
/// detects it and sends `alert`, which the tampering side receives.
fn fault(
    tamper_client: bool,
    typ: T,
    rewrite: fn(&mut Vec<u8>),
) -> (Result<(), Error>, Result<(), Error>) {
    let p = pki_for(KeyAlgorithm::EcdsaP256);
    let (cb, sb) = tls12_configs(&p);
    let cb = cb.with_tls12_cipher_suites(suites_for(KeyAlgorithm::EcdsaP256).to_vec());
    let (mut c, mut s) = pair(cb.build().unwrap(), sb.build().unwrap());
    if tamper_client && typ == T::CLIENT_HELLO {
        rewrite_client_hello(&mut c, rewrite);
    }
    let target: &mut ConnectionCommon = if tamper_client { &mut c } else { &mut s };
    set_handshake_hook(
        target,
        Box::new(move |t, m| {
            if t == typ {
                rewrite(m);
            }
        }),
    );
    run(&mut c, &mut s)
}

fn assert_detected(r: (Result<(), Error>, Result<(), Error>), by_client: bool, alert: A) {
    let (cr, sr) = r;
    let (detector, other) = if by_client { (cr, sr) } else { (sr, cr) };
    assert_eq!(detector.unwrap_err().alert(), Some(alert));
    assert_eq!(other, Err(Error::AlertReceived(alert)));
}

#[allow(clippy::ptr_arg)]
fn flip_last(m: &mut Vec<u8>) {
    let n = m.len() - 1;
    m[n] ^= 1;
}

#[test]
fn a_finished_with_wrong_verify_data_is_decrypt_error() {
    assert_detected(fault(true, T::FINISHED, flip_last), false, A::DECRYPT_ERROR);
    assert_detected(fault(false, T::FINISHED, flip_last), true, A::DECRYPT_ERROR);
}

#[test]
fn a_server_key_exchange_with_a_bad_signature_is_decrypt_error() {
    assert_detected(
        fault(false, T::SERVER_KEY_EXCHANGE, flip_last),
        true,
        A::DECRYPT_ERROR,
    );
}

fn tls12_edit(m: &mut Vec<u8>, f: impl FnOnce(&mut Tls12Message)) {
    let mut msg = Tls12Message::parse(m).unwrap();
    f(&mut msg);
    *m = msg.to_bytes().unwrap();
}

#[test]
fn a_suite_or_group_the_client_did_not_offer_is_illegal_parameter() {
    // The server's ServerHello names a TLS 1.2 suite the client did not offer.
    assert_detected(
        fault(false, T::SERVER_HELLO, |m| {
            tls12_edit(m, |msg| {
                if let Tls12Message::ServerHello(sh) = msg {
                    sh.cipher_suite = CipherSuite::TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256;
                }
            })
        }),
        true,
        A::ILLEGAL_PARAMETER,
    );
    // The ServerKeyExchange names a curve the client did not list (the client
    // checks the curve before the signature, which no longer matches either).
    assert_detected(
        fault(false, T::SERVER_KEY_EXCHANGE, |m| {
            tls12_edit(m, |msg| {
                if let Tls12Message::ServerKeyExchange(ske) = msg {
                    ske.params.named_curve = NamedGroup(0x001e);
                }
            })
        }),
        true,
        A::ILLEGAL_PARAMETER,
    );
}

#[test]
fn a_non_null_compression_method_is_illegal_parameter() {
    // A ClientHello offering only deflate.
    assert_detected(
        fault(true, T::CLIENT_HELLO, |m| {
            edit(m, |ch| ch.compression_methods = vec![1]);
        }),
        false,
        A::ILLEGAL_PARAMETER,
    );
    // A ServerHello choosing deflate.
    assert_detected(
        fault(false, T::SERVER_HELLO, |m| {
            tls12_edit(m, |msg| {
                if let Tls12Message::ServerHello(sh) = msg {
                    sh.compression_method = 1;
                }
            })
        }),
        true,
        A::ILLEGAL_PARAMETER,
    );
}

#[test]
fn a_peer_without_extended_master_secret_is_refused_unless_allowed() {
    let strip_ems = |m: &mut Vec<u8>| {
        edit(m, |ch| {
            ch.extensions
                .retain(|e| e.typ() != ExtensionType::EXTENDED_MASTER_SECRET)
        })
    };
    assert_detected(
        fault(true, T::CLIENT_HELLO, strip_ems),
        false,
        A::HANDSHAKE_FAILURE,
    );
    // A server without EMS in its ServerHello: the client refuses it the same way.
    assert_detected(
        fault(false, T::SERVER_HELLO, |m| {
            tls12_edit(m, |msg| {
                if let Tls12Message::ServerHello(sh) = msg {
                    sh.extensions
                        .retain(|e| e.typ() != ExtensionType::EXTENDED_MASTER_SECRET);
                }
            })
        }),
        true,
        A::HANDSHAKE_FAILURE,
    );
    // (With both sides allowing it, the legacy master secret is exercised against
    // OpenSSL in qssl-interop, where the peer really leaves the extension out.)
}

#[test]
fn a_non_empty_renegotiation_info_on_an_initial_handshake_is_handshake_failure() {
    assert_detected(
        fault(true, T::CLIENT_HELLO, |m| {
            edit(m, |ch| {
                for e in &mut ch.extensions {
                    if let Extension::RenegotiationInfo(r) = e {
                        *r = vec![0; 12];
                    }
                }
            })
        }),
        false,
        A::HANDSHAKE_FAILURE,
    );
}

/// A change_cipher_spec before the keys exist (the server still waits for the
/// ClientKeyExchange) is unexpected_message; so is a handshake message where the
/// change_cipher_spec must come.
#[test]
fn change_cipher_spec_out_of_place_is_unexpected_message() {
    let p = pki_for(KeyAlgorithm::EcdsaP256);
    let (cb, sb) = tls12_configs(&p);
    let (mut c, mut s) = pair(cb.build().unwrap(), sb.build().unwrap());
    let (_, r) = transfer(&mut c, &mut s); // ClientHello
    r.unwrap();
    let (_, r) = transfer(&mut s, &mut c); // the server's flight
    r.unwrap();
    // The client's CCS ahead of its ClientKeyExchange.
    let (_, sr) = transfer_bytes(&[20, 3, 3, 0, 1, 1], &mut s);
    assert_eq!(sr.unwrap_err().alert(), Some(A::UNEXPECTED_MESSAGE));

    // Finished without the CCS before it: the Finished record is in the clear, the
    // server expects a CCS, and a handshake message is unexpected.
    let (cb, sb) = tls12_configs(&p);
    let (mut c, mut s) = pair(cb.build().unwrap(), sb.build().unwrap());
    transfer(&mut c, &mut s).1.unwrap();
    transfer(&mut s, &mut c).1.unwrap();
    let mut flight = Vec::new();
    qssl_handshake::testing::Endpoint::take_tls(&mut *c, &mut flight);
    // ClientKeyExchange record, then the CCS record (6 bytes): keep only the first.
    let first_len = 5 + usize::from(u16::from_be_bytes([flight[3], flight[4]]));
    let (_, r) = transfer_bytes(&flight[..first_len], &mut s);
    r.unwrap();
    // A plaintext Finished where the CCS must be.
    let (_, sr) = transfer_bytes(
        &[
            22, 3, 3, 0, 16, 20, 0, 0, 12, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
        ],
        &mut s,
    );
    assert_eq!(sr.unwrap_err().alert(), Some(A::UNEXPECTED_MESSAGE));
}

#[test]
fn renegotiation_is_refused_with_a_warning_then_fatally() {
    let p = pki_for(KeyAlgorithm::EcdsaP256);
    let (cb, sb) = tls12_configs(&p);
    let (mut c, mut s) = connected(cb, sb);
    // The server asks to renegotiate: a HelloRequest under its keys. Q-SSL's server
    // never does; the test injects one through the hook of its record layer.
    let hello_request = [T::HELLO_REQUEST.0, 0, 0, 0];
    qssl::testing::send_handshake_bytes(&mut s, &hello_request).unwrap();
    let (_, r) = transfer(&mut s, &mut c);
    r.unwrap();
    // The client answered no_renegotiation (a warning the server takes), and goes on.
    let (_, r) = transfer(&mut c, &mut s);
    r.unwrap();
    send_and_check(&mut c, &mut s, b"still here");
    // Asking again ends the connection: handshake_failure.
    qssl::testing::send_handshake_bytes(&mut s, &hello_request).unwrap();
    let (_, r) = transfer(&mut s, &mut c);
    assert_eq!(r.unwrap_err().alert(), Some(A::HANDSHAKE_FAILURE));
}

// ------------------------------------------------------------------ records

/// An established TLS 1.2 pair using `suite`.
fn established(
    suite: &'static Tls12CipherSuite,
) -> (qssl::ClientConnection, qssl::ServerConnection) {
    let p = pki_for(KeyAlgorithm::EcdsaP256);
    let (cb, sb) = tls12_configs(&p);
    connected(cb.with_tls12_cipher_suites(vec![suite]), sb)
}

/// The records `conn` has queued, as written.
fn take_records(conn: &mut ConnectionCommon) -> Vec<u8> {
    let mut wire = Vec::new();
    while conn.wants_write() {
        conn.write_tls(&mut wire).unwrap();
    }
    wire
}

/// Every single-bit flip of a protected application data record is bad_record_mac,
/// for both nonce constructions: each bit of the explicit nonce (AES-GCM), the
/// ciphertext and the tag, and of the header fields in the additional data — the
/// content type turned into another known type, the minor version.
#[test]
fn every_bit_flip_of_a_protected_record_is_bad_record_mac() {
    for suite in [
        &suites::TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
        &suites::TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256,
    ] {
        let (mut c, _) = established(suite);
        std::io::Write::write_all(&mut c.writer(), b"flip me").unwrap();
        let len = take_records(&mut c).len();
        // Type 23 → 22 and 21; version 0x0303 → 0x0302, 0x0301; then the body.
        let mut bits = vec![0, 1, 16, 17];
        bits.extend(5 * 8..len * 8);
        for bit in bits {
            let (mut c, mut s) = established(suite);
            std::io::Write::write_all(&mut c.writer(), b"flip me").unwrap();
            let mut record = take_records(&mut c);
            assert_eq!(record.len(), len);
            record[bit / 8] ^= 1 << (bit % 8);
            let (_, r) = transfer_bytes(&record, &mut s);
            let err = r.expect_err("a flipped record was accepted");
            assert_eq!(
                err.alert(),
                Some(A::BAD_RECORD_MAC),
                "{:?} bit {bit}: {err}",
                suite.suite
            );
            let mut got = Vec::new();
            let _ = std::io::Read::read_to_end(&mut s.reader(), &mut got);
            assert!(got.is_empty(), "nothing of it was delivered");
        }
    }
}

/// A protected record too short to hold the explicit nonce and the tag (AES-GCM)
/// is bad_record_mac, at every such length.
#[test]
fn a_truncated_record_in_the_explicit_nonce_path_is_bad_record_mac() {
    for len in 0..(8 + 16) {
        let (_, mut s) = established(&suites::TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384);
        let mut record = vec![23, 3, 3];
        record.extend_from_slice(&(len as u16).to_be_bytes());
        record.extend(std::iter::repeat_n(0x5a, len));
        let (_, r) = transfer_bytes(&record, &mut s);
        assert_eq!(
            r.map_err(|e| e.alert()),
            Err(Some(A::BAD_RECORD_MAC)),
            "length {len}"
        );
    }
}

/// After close_notify nothing more is read (RFC 5246 §7.2.1): a record that follows
/// it is neither delivered nor answered.
#[test]
fn records_after_close_notify_are_not_read() {
    let (mut c, mut s) = established(&suites::TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256);
    std::io::Write::write_all(&mut c.writer(), b"before").unwrap();
    c.send_close_notify();
    // A record after the close_notify, under the same key: a HelloRequest, which
    // would otherwise draw a no_renegotiation warning.
    qssl::testing::send_handshake_bytes(&mut c, &[T::HELLO_REQUEST.0, 0, 0, 0]).unwrap();
    let (_, r) = transfer(&mut c, &mut s);
    r.unwrap();
    let mut got = Vec::new();
    let _ = std::io::Read::read_to_end(&mut s.reader(), &mut got);
    assert_eq!(got, b"before");
    assert!(s.process_new_packets().unwrap().peer_has_closed);
    assert!(
        !s.wants_write(),
        "nothing answered the record after close_notify"
    );
}

/// A client asking to renegotiate (a new ClientHello after the handshake) gets a
/// no_renegotiation warning and the connection goes on; asking again ends it with
/// handshake_failure (RFC 5746 §4.4).
#[test]
fn a_renegotiating_client_hello_is_refused_then_fatal() {
    let (mut c, mut s) = established(&suites::TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256);
    let p = pki_for(KeyAlgorithm::EcdsaP256);
    let (cb, sb) = tls12_configs(&p);
    let (mut other, _) = pair(cb.build().unwrap(), sb.build().unwrap());
    let hello = take_records(&mut other)[5..].to_vec();
    qssl::testing::send_handshake_bytes(&mut c, &hello).unwrap();
    let (_, r) = transfer(&mut c, &mut s);
    r.unwrap();
    // The warning reaches the client, which carries on.
    let (_, r) = transfer(&mut s, &mut c);
    r.unwrap();
    send_and_check(&mut s, &mut c, b"still serving");
    qssl::testing::send_handshake_bytes(&mut c, &hello).unwrap();
    let (_, r) = transfer(&mut c, &mut s);
    assert_eq!(r.unwrap_err().alert(), Some(A::HANDSHAKE_FAILURE));
    let (_, r) = transfer(&mut s, &mut c);
    assert_eq!(r, Err(Error::AlertReceived(A::HANDSHAKE_FAILURE)));
}

/// Handshake messages split across records (one byte per record) and several in
/// one record (how both sides write their flights) are both read.
#[test]
fn handshake_messages_split_one_byte_per_record_are_read() {
    let p = pki_for(KeyAlgorithm::EcdsaP256);
    let (cb, sb) = tls12_configs(&p);
    let (mut c, mut s) = pair(cb.build().unwrap(), sb.build().unwrap());
    let (_, r) = transfer(&mut c, &mut s);
    r.unwrap();
    // The server's flight: plaintext handshake records holding several messages.
    let flight = take_records(&mut s);
    let mut split = Vec::new();
    let mut rest = &flight[..];
    let mut records = 0;
    while !rest.is_empty() {
        let len = usize::from(u16::from_be_bytes([rest[3], rest[4]]));
        assert_eq!(rest[0], 22, "plaintext handshake records");
        for b in &rest[5..5 + len] {
            split.extend_from_slice(&[22, 3, 3, 0, 1, *b]);
        }
        rest = &rest[5 + len..];
        records += 1;
    }
    assert!(
        records < 4,
        "four messages were coalesced into {records} records"
    );
    let (_, r) = transfer_bytes(&split, &mut c);
    r.unwrap();
    let (_, r) = transfer(&mut c, &mut s);
    r.unwrap();
    let (_, r) = transfer(&mut s, &mut c);
    r.unwrap();
    assert!(!c.is_handshaking() && !s.is_handshaking());
    send_and_check(&mut c, &mut s, b"split and joined");
}

// ------------------------------------------------------------------ resumption

/// Connects `c` to `s` and reads a reply, so that a ticket sent after the
/// handshake (TLS 1.3) would be read too; returns whether each side resumed.
fn connect_once(c: &Arc<qssl::ClientConfig>, s: &Arc<qssl::ServerConfig>) -> (bool, bool) {
    let mut client =
        qssl::ClientConnection::new(c.clone(), "localhost".try_into().unwrap()).unwrap();
    let mut server = qssl::ServerConnection::new(s.clone()).unwrap();
    do_handshake(&mut client, &mut server);
    send_and_check(&mut server, &mut client, b"reply");
    send_and_check(&mut client, &mut server, b"request");
    let ci = client.connection_info().unwrap();
    let si = server.connection_info().unwrap();
    assert_eq!(ci.protocol_version, TlsVersion::Tls12);
    assert_eq!(ci.cipher_suite, si.cipher_suite);
    assert!(
        !client.peer_certificates().unwrap().is_empty(),
        "the session's chain"
    );
    (ci.resumed, si.resumed)
}

/// By ticket (the default: a Q-SSL client takes tickets, a Q-SSL server issues
/// them), resumed repeatedly; without resumption on either side, never.
#[test]
fn tls12_resumes_by_ticket() {
    let p = pki_for(KeyAlgorithm::EcdsaP384);
    let (cb, sb) = tls12_configs(&p);
    let c = Arc::new(cb.build().unwrap());
    let s = Arc::new(sb.build().unwrap());
    assert_eq!(connect_once(&c, &s), (false, false));
    assert_eq!(connect_once(&c, &s), (true, true));
    assert_eq!(connect_once(&c, &s), (true, true));

    // Resumption by session ID (a client that takes no tickets, or a server that
    // issues none) is shown against OpenSSL and rustls in qssl-interop.

    let (cb, sb) = tls12_configs(&p);
    let c = Arc::new(cb.build().unwrap());
    let s = Arc::new(sb.without_resumption().build().unwrap());
    assert_eq!(connect_once(&c, &s), (false, false));
    assert_eq!(connect_once(&c, &s), (false, false));
    let (cb, sb) = tls12_configs(&p);
    let c = Arc::new(cb.without_resumption().build().unwrap());
    let s = Arc::new(sb.build().unwrap());
    assert_eq!(connect_once(&c, &s), (false, false));
    assert_eq!(connect_once(&c, &s), (false, false));
}

/// Application data before the handshake is complete is unexpected_message: in the
/// clear before any key, as the server waits for the client's second flight.
#[test]
fn application_data_before_finished_is_unexpected() {
    let p = pki_for(KeyAlgorithm::EcdsaP256);
    let (cb, sb) = tls12_configs(&p);
    let (mut c, mut s) = pair(cb.build().unwrap(), sb.build().unwrap());
    transfer(&mut c, &mut s).1.unwrap();
    transfer(&mut s, &mut c).1.unwrap();
    let (_, r) = transfer_bytes(&[23, 3, 3, 0, 2, b'h', b'i'], &mut s);
    assert_eq!(r.unwrap_err().alert(), Some(A::UNEXPECTED_MESSAGE));
}

//! Full handshakes between Q-SSL clients and servers in memory: every group × suite ×
//! signature scheme, chains, HRR, ALPN, mTLS, OCSP, pq_only, KeyUpdate, close_notify.

mod common;

use std::io::{Read, Write};
use std::sync::Arc;

use common::*;
use qssl::default_crypto_provider as default_provider;
use qssl::{AlertDescription, Error, WebPkiClientVerifier};
use qssl_crypto::ids::{NamedGroup, SignatureScheme};
use qssl_crypto::sign::KeyAlgorithm;

const ALGS: [(KeyAlgorithm, SignatureScheme); 7] = [
    (KeyAlgorithm::MlDsa44, SignatureScheme::MLDSA44),
    (KeyAlgorithm::MlDsa65, SignatureScheme::MLDSA65),
    (KeyAlgorithm::MlDsa87, SignatureScheme::MLDSA87),
    (
        KeyAlgorithm::EcdsaP256,
        SignatureScheme::ECDSA_SECP256R1_SHA256,
    ),
    (
        KeyAlgorithm::EcdsaP384,
        SignatureScheme::ECDSA_SECP384R1_SHA384,
    ),
    (KeyAlgorithm::Ed25519, SignatureScheme::ED25519),
    (KeyAlgorithm::Rsa, SignatureScheme::RSA_PSS_RSAE_SHA256),
];

fn alert_of(r: Result<(), Error>) -> Option<AlertDescription> {
    match r {
        Err(Error::AlertReceived(a)) => Some(a),
        Err(e) => e.alert(),
        Ok(()) => None,
    }
}

#[test]
fn every_group_suite_and_scheme() {
    let provider = default_provider();
    let (groups, suites) = (provider.kx_groups, provider.tls13_cipher_suites);
    let mut count = 0;
    for (alg, scheme) in ALGS {
        let p = pki_for(alg);
        // The whole product: every group × every suite × every signature scheme.
        for (group, suite) in groups
            .iter()
            .flat_map(|g| suites.iter().map(move |s| (g, *s)))
        {
            let (cb, sb) = configs(&p);
            let client = cb
                .with_groups(vec![*group])
                .with_cipher_suites(vec![suite])
                .build()
                .unwrap();
            let server = sb.with_groups(groups.clone()).build().unwrap();
            let (mut c, mut s) = pair(client, server);
            do_handshake(&mut c, &mut s);
            for conn in [&*c, &*s] {
                let info = conn.connection_info().unwrap();
                assert_eq!(info.key_exchange_group, Some(group.name()));
                assert_eq!(info.cipher_suite, suite.suite);
                assert_eq!(info.server_signature_scheme, scheme);
                assert_eq!(info.kx_post_quantum, group.name().is_post_quantum());
            }
            // Root and leaf of one algorithm: the client's view of the server is
            // post-quantum exactly for ML-DSA; the server saw no client certificate.
            assert_eq!(
                c.connection_info().unwrap().peer_auth_post_quantum,
                scheme.is_post_quantum()
            );
            assert!(!s.connection_info().unwrap().peer_auth_post_quantum);
            assert_eq!(c.peer_signature_scheme(), Some(scheme));
            send_and_check(&mut c, &mut s, b"ping from client");
            send_and_check(&mut s, &mut c, b"pong from server");
            count += 1;
        }
    }
    assert_eq!(count, 7 * 8 * 3);
}

#[test]
fn default_config_is_hybrid_with_x25519_share_reuse() {
    let p = pki_for(KeyAlgorithm::EcdsaP256);
    let (cb, sb) = configs(&p);
    // The server accepts only x25519: it must use the reused X25519 component share
    // (no HelloRetryRequest).
    let server = sb
        .with_groups(vec![group(qssl::NamedGroup::X25519)])
        .build()
        .unwrap();
    let (mut c, mut s) = pair(cb.build().unwrap(), server);
    do_handshake(&mut c, &mut s);
    assert_eq!(c.negotiated_key_exchange_group(), Some(NamedGroup::X25519));
    assert!(!c.handshake_summary().unwrap().hello_retry_request);
    assert_eq!(c.is_post_quantum(), Some(false));

    let (cb, sb) = configs(&p);
    let (mut c, mut s) = pair(cb.build().unwrap(), sb.build().unwrap());
    do_handshake(&mut c, &mut s);
    assert_eq!(
        s.negotiated_key_exchange_group(),
        Some(NamedGroup::X25519MLKEM768)
    );
    assert_eq!(s.server_name(), Some("localhost"));
}

#[test]
fn chains_of_length_one_to_three() {
    for len in 1..=3 {
        let mut spec = PkiSpec::new(KeyAlgorithm::EcdsaP256);
        spec.chain_len = len;
        let p = pki(spec);
        assert_eq!(p.chain.len(), len);
        let (cb, sb) = configs(&p);
        let (mut c, mut s) = pair(cb.build().unwrap(), sb.build().unwrap());
        do_handshake(&mut c, &mut s);
        assert_eq!(c.peer_certificates().unwrap().len(), len);
    }
}

#[test]
fn hello_retry_request_when_first_group_unsupported() {
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
        .build()
        .unwrap();
    let (mut c, mut s) = pair(client, server);
    do_handshake(&mut c, &mut s);
    assert!(c.handshake_summary().unwrap().hello_retry_request);
    assert!(s.handshake_summary().unwrap().hello_retry_request);
    assert_eq!(c.negotiated_key_exchange_group(), Some(NamedGroup::X25519));
    send_and_check(&mut c, &mut s, b"after retry");
}

/// Whether each HelloRetryRequest / ClientHello passing through a handshake hook
/// carries a cookie, in order.
type CookieLog = Arc<std::sync::Mutex<Vec<(qssl_handshake::HandshakeType, Option<Vec<u8>>)>>>;

fn log_cookies(conn: &mut qssl::ConnectionCommon, log: &CookieLog) {
    use qssl_handshake::{Extension, ExtensionType, HandshakeMessage};
    let log = log.clone();
    set_handshake_hook(
        conn,
        Box::new(move |t, bytes| {
            let cookie = match HandshakeMessage::parse(bytes).unwrap() {
                HandshakeMessage::ServerHello(sh) if sh.is_hello_retry_request() => {
                    sh.extension(ExtensionType::COOKIE).cloned()
                }
                HandshakeMessage::ClientHello(ch) => ch.extension(ExtensionType::COOKIE).cloned(),
                _ => return,
            };
            let cookie = cookie.map(|e| match e {
                Extension::Cookie(c) => c,
                other => panic!("{other:?}"),
            });
            log.lock().unwrap().push((t, cookie));
        }),
    );
}

/// Client offering SecP384r1MLKEM1024 (share) and x25519; server x25519 only: a retry.
fn retry_configs(stateless: bool) -> (qssl::ClientConfig, qssl::ServerConfig) {
    let p = pki_for(KeyAlgorithm::EcdsaP256);
    let (cb, sb) = configs(&p);
    let client = cb
        .with_groups(vec![
            group(qssl::NamedGroup::SECP384R1MLKEM1024),
            group(qssl::NamedGroup::X25519),
        ])
        .build()
        .unwrap();
    let mut sb = sb.with_groups(vec![group(qssl::NamedGroup::X25519)]);
    if stateless {
        sb = sb.with_stateless_retry(true);
    }
    (client, sb.build().unwrap())
}

/// Issue 8 item 13, the default: the HelloRetryRequest carries no cookie, the second
/// ClientHello none either, and the handshake completes (the server kept its state).
#[test]
fn default_hello_retry_request_carries_no_cookie() {
    let (client, server) = retry_configs(false);
    assert!(!server.params().stateless_retry, "off by default");
    let (mut c, mut s) = pair(client, server);
    let log = CookieLog::default();
    log_cookies(&mut s, &log);
    log_cookies(&mut c, &log);
    do_handshake(&mut c, &mut s);
    use qssl_handshake::HandshakeType as T;
    assert_eq!(
        *log.lock().unwrap(),
        [(T::SERVER_HELLO, None), (T::CLIENT_HELLO, None)],
        "HRR then ClientHello2, neither with a cookie"
    );
    assert!(c.handshake_summary().unwrap().hello_retry_request);
    assert!(s.handshake_summary().unwrap().hello_retry_request);
    send_and_check(&mut c, &mut s, b"after retry");
}

/// With `with_stateless_retry(true)` the HRR carries a cookie, the client echoes it,
/// and the handshake completes on the same connection, change_cipher_spec included
/// (the client's compatibility CCS arrives between the HRR and ClientHello2).
#[test]
fn stateless_retry_completes_on_the_same_connection() {
    let (client, server) = retry_configs(true);
    let (mut c, mut s) = pair(client, server);
    let log = CookieLog::default();
    log_cookies(&mut s, &log);
    log_cookies(&mut c, &log);
    do_handshake(&mut c, &mut s);
    let log = log.lock().unwrap();
    let [(_, Some(sent)), (_, Some(echoed))] = &log[..] else {
        panic!("{log:?}")
    };
    assert_eq!(sent, echoed);
    assert!(c.handshake_summary().unwrap().hello_retry_request);
    assert!(s.handshake_summary().unwrap().hello_retry_request);
    assert_eq!(c.negotiated_key_exchange_group(), Some(NamedGroup::X25519));
    send_and_check(&mut c, &mut s, b"after stateless retry");
    send_and_check(&mut s, &mut c, b"and back");
}

/// Stateless retry really drops the state: the client's second flight (its
/// compatibility CCS and ClientHello2) goes to a NEW server connection of the same
/// configuration, which completes the handshake from the cookie alone.
#[test]
fn stateless_retry_second_flight_completes_on_a_fresh_connection() {
    let (client, server) = retry_configs(true);
    let server = Arc::new(server);
    let mut c =
        qssl::ClientConnection::new(Arc::new(client), "localhost".try_into().unwrap()).unwrap();
    let mut first = qssl::ServerConnection::new(server.clone()).unwrap();
    transfer(&mut c, &mut first).1.unwrap();
    transfer(&mut first, &mut c).1.unwrap();
    assert!(c.wants_write(), "ClientHello2 queued");
    drop(first);
    let mut fresh = qssl::ServerConnection::new(server).unwrap();
    do_handshake(&mut c, &mut fresh);
    assert!(c.handshake_summary().unwrap().hello_retry_request);
    assert!(fresh.handshake_summary().unwrap().hello_retry_request);
    send_and_check(&mut c, &mut fresh, b"to the fresh server");
    send_and_check(&mut fresh, &mut c, b"from the fresh server");
}

#[test]
fn alpn_match_and_no_overlap() {
    let p = pki_for(KeyAlgorithm::Ed25519);
    let (cb, sb) = configs(&p);
    let client = cb
        .with_alpn_protocols(vec![b"h2".to_vec(), b"http/1.1".to_vec()])
        .build()
        .unwrap();
    let server = sb
        .with_alpn_protocols(vec![b"http/1.1".to_vec(), b"h2".to_vec()])
        .build()
        .unwrap();
    let (mut c, mut s) = pair(client, server);
    do_handshake(&mut c, &mut s);
    assert_eq!(c.alpn_protocol(), Some(&b"http/1.1"[..]));
    assert_eq!(s.alpn_protocol(), Some(&b"http/1.1"[..]));

    let (cb, sb) = configs(&p);
    let client = cb
        .with_alpn_protocols(vec![b"h2".to_vec()])
        .build()
        .unwrap();
    let server = sb
        .with_alpn_protocols(vec![b"imap".to_vec()])
        .build()
        .unwrap();
    let (mut c, mut s) = pair(client, server);
    let (cr, sr) = run(&mut c, &mut s);
    assert_eq!(
        alert_of(sr),
        Some(AlertDescription::NO_APPLICATION_PROTOCOL)
    );
    assert_eq!(
        cr,
        Err(Error::AlertReceived(
            AlertDescription::NO_APPLICATION_PROTOCOL
        ))
    );
}

fn client_verifier(p: &Pki, mandatory: bool) -> Arc<WebPkiClientVerifier> {
    Arc::new(WebPkiClientVerifier::new(
        p.roots(),
        &default_provider(),
        mandatory,
    ))
}

#[test]
fn mutual_tls_accepted_and_missing_cert_refused() {
    let p = pki_for(KeyAlgorithm::MlDsa65);
    let cp = pki_for(KeyAlgorithm::EcdsaP384);
    let (cb, sb) = configs(&p);
    let client = cb
        .with_client_auth_cert(cp.chain.clone(), cp.key())
        .build()
        .unwrap();
    let server = sb
        .with_client_cert_verifier(client_verifier(&cp, true))
        .build()
        .unwrap();
    let (mut c, mut s) = pair(client, server);
    do_handshake(&mut c, &mut s);
    assert_eq!(
        s.peer_signature_scheme(),
        Some(SignatureScheme::ECDSA_SECP384R1_SHA384)
    );
    assert_eq!(s.peer_certificates().unwrap().len(), 1);
    send_and_check(&mut c, &mut s, b"authenticated");

    let (cb, sb) = configs(&p);
    let server = sb
        .with_client_cert_verifier(client_verifier(&cp, true))
        .build()
        .unwrap();
    let (mut c, mut s) = pair(cb.with_no_client_auth().build().unwrap(), server);
    let (cr, sr) = run(&mut c, &mut s);
    assert_eq!(alert_of(sr), Some(AlertDescription::CERTIFICATE_REQUIRED));
    assert_eq!(
        cr,
        Err(Error::AlertReceived(AlertDescription::CERTIFICATE_REQUIRED))
    );

    // Optional client auth: no certificate is fine.
    let (cb, sb) = configs(&p);
    let server = sb
        .with_client_cert_verifier(client_verifier(&cp, false))
        .build()
        .unwrap();
    let (mut c, mut s) = pair(cb.build().unwrap(), server);
    do_handshake(&mut c, &mut s);
    assert_eq!(s.peer_certificates(), None);
}

/// The certificate signature scheme an issuer key of `alg` makes (the key
/// algorithm → scheme mapping of `qssl_crypto::pki`).
fn cert_scheme(alg: KeyAlgorithm) -> SignatureScheme {
    ALGS.iter().find(|(a, _)| *a == alg).unwrap().1
}

/// Post-quantum authentication is reported only when the whole verified path and
/// the CertificateVerify are ML-DSA, on the client (server authentication) and on
/// the server (client authentication); the per-link list names each certificate's
/// signature, leaf first.
#[test]
fn peer_auth_post_quantum_needs_every_signature_on_the_path() {
    use KeyAlgorithm::*;
    // (issuer key algorithms, root first; leaf key ML-DSA-65 always; expected flag)
    let cases: [(&'static [KeyAlgorithm], bool); 6] = [
        // An ML-DSA leaf and CertificateVerify under an ECDSA or RSA root: forging
        // the root's classical signature impersonates the peer.
        (&[EcdsaP256], false),
        (&[Rsa], false),
        // ML-DSA leaf and intermediate, classical root.
        (&[EcdsaP384, MlDsa65], false),
        // A classical intermediate between ML-DSA root and leaf.
        (&[MlDsa87, Ed25519, MlDsa44], false),
        // All ML-DSA (different parameter sets).
        (&[MlDsa65], true),
        (&[MlDsa87, MlDsa44, MlDsa65], true),
    ];
    for (issuers, expected) in cases {
        let mut spec = PkiSpec::new(MlDsa65);
        spec.chain_len = issuers.len();
        spec.issuer_algs = Some(issuers);
        let p = pki(spec);
        // The signature on certificate i of the chain was made by issuer len-1-i.
        let links: Vec<(usize, SignatureScheme)> = issuers
            .iter()
            .rev()
            .enumerate()
            .map(|(i, alg)| (i, cert_scheme(*alg)))
            .collect();

        // Server authentication, seen by the client.
        let (cb, sb) = configs(&p);
        let (mut c, mut s) = pair(cb.build().unwrap(), sb.build().unwrap());
        do_handshake(&mut c, &mut s);
        let info = c.connection_info().unwrap();
        assert_eq!(info.server_signature_scheme, SignatureScheme::MLDSA65);
        assert_eq!(info.peer_auth_post_quantum, expected, "{issuers:?}");
        let path = c.peer_verified_path().unwrap();
        let got: Vec<(usize, SignatureScheme)> = path
            .signatures()
            .iter()
            .map(|l| (l.certificate(), l.scheme()))
            .collect();
        assert_eq!(got, links, "{issuers:?}");
        assert_eq!(path.is_post_quantum(), expected);
        assert!(
            path.signatures()
                .iter()
                .all(|l| l.is_post_quantum() == l.scheme().is_post_quantum())
        );

        // Client authentication with the same chain, seen by the server.
        let server_pki = pki_for(EcdsaP256);
        let (cb, sb) = configs(&server_pki);
        let client = cb
            .with_client_auth_cert(p.chain.clone(), p.key())
            .build()
            .unwrap();
        let server = sb
            .with_client_cert_verifier(client_verifier(&p, true))
            .build()
            .unwrap();
        let (mut c, mut s) = pair(client, server);
        do_handshake(&mut c, &mut s);
        assert_eq!(s.peer_signature_scheme(), Some(SignatureScheme::MLDSA65));
        let info = s.connection_info().unwrap();
        assert_eq!(info.peer_auth_post_quantum, expected, "client {issuers:?}");
        let got: Vec<(usize, SignatureScheme)> = s
            .peer_verified_path()
            .unwrap()
            .signatures()
            .iter()
            .map(|l| (l.certificate(), l.scheme()))
            .collect();
        assert_eq!(got, links, "client {issuers:?}");
        // The client's view of the ECDSA server is classical.
        assert!(!c.connection_info().unwrap().peer_auth_post_quantum);
    }
}

/// A verifier that validates no path (here `danger::NoServerVerification`) never
/// yields post-quantum authentication, even for an all-ML-DSA server.
#[test]
fn unverified_path_is_never_post_quantum() {
    let p = pki_for(KeyAlgorithm::MlDsa65);
    let (_, sb) = configs(&p);
    let client = qssl::ClientConfig::builder()
        .dangerous()
        .with_verifier(Arc::new(qssl::danger::NoServerVerification::new(
            &default_provider(),
        )))
        .build()
        .unwrap();
    let (mut c, mut s) = pair(client, sb.build().unwrap());
    do_handshake(&mut c, &mut s);
    assert_eq!(c.peer_signature_scheme(), Some(SignatureScheme::MLDSA65));
    assert!(!c.connection_info().unwrap().peer_auth_post_quantum);
    let path = c.peer_verified_path().unwrap();
    assert!(!path.is_verified() && path.signatures().is_empty());
}

/// The OpenSSL-made OCSP test PKI and responses of qssl-handshake (see
/// qssl-handshake/tests/vectors/ocsp/README.md): a root, an issuing CA, leaves for
/// `ocsp.qssl.example`, responses valid for a century (this test runs on the clock).
macro_rules! ocsp_vector {
    ($name:literal) => {
        include_bytes!(concat!("../../qssl-handshake/tests/vectors/ocsp/", $name))
    };
}

fn pem_cert(pem: &[u8]) -> qssl::pki_types::CertificateDer<'static> {
    let pem = std::str::from_utf8(pem).unwrap();
    qssl_crypto::pki::pem_certificates(pem)
        .unwrap()
        .remove(0)
        .into()
}

/// A client (trusting the OCSP test root) and a server for `leaf` / `key` that
/// staples `staple`, connected as "ocsp.qssl.example".
fn ocsp_pair(
    require: bool,
    leaf: &[u8],
    key: &[u8],
    staple: Option<&[u8]>,
) -> (qssl::ClientConnection, qssl::ServerConnection) {
    let mut roots = qssl::RootCertStore::new();
    roots.add(pem_cert(ocsp_vector!("root.pem"))).unwrap();
    let client = qssl::ClientConfig::builder()
        .with_root_certificates(Arc::new(roots))
        .request_ocsp(true)
        .require_ocsp(require)
        .build()
        .unwrap();
    let key = qssl_crypto::keys::load_private_key_pem(std::str::from_utf8(key).unwrap()).unwrap();
    let chain = vec![pem_cert(leaf), pem_cert(ocsp_vector!("ca.pem"))];
    let mut server = qssl::ServerConfig::builder().with_single_cert(chain, Box::new(key));
    if let Some(staple) = staple {
        server = server.with_ocsp_response(staple.to_vec());
    }
    let c = qssl::ClientConnection::new(Arc::new(client), "ocsp.qssl.example".try_into().unwrap())
        .unwrap();
    let s = qssl::ServerConnection::new(Arc::new(server.build().unwrap())).unwrap();
    (c, s)
}

/// `c`'s first flight as sent, and the ClientHello parsed from its records.
fn sent_client_hello(c: &mut qssl::ClientConnection) -> (Vec<u8>, qssl_handshake::ClientHello) {
    let mut wire = Vec::new();
    while c.wants_write() {
        c.write_tls(&mut wire).unwrap();
    }
    let mut d = qssl_record::Deframer::for_version(qssl::TlsVersion::Tls13);
    assert_eq!(d.extend(&wire), wire.len());
    let mut handshake = Vec::new();
    while let Some(r) = d.next_record() {
        let r = r.unwrap();
        if r.header.typ == qssl::ContentType::HANDSHAKE {
            handshake.extend_from_slice(r.payload);
        }
    }
    let len = 4
        + usize::from(handshake[1]) * 65536
        + usize::from(handshake[2]) * 256
        + usize::from(handshake[3]);
    match qssl_handshake::HandshakeMessage::parse(&handshake[..len]).unwrap() {
        qssl_handshake::HandshakeMessage::ClientHello(ch) => (wire, ch),
        other => panic!("first message {other:?}"),
    }
}

/// A client asks for an OCSP staple only when told to: the default ClientHello has
/// no status_request and a server with a staple sends none; `request_ocsp(true)`
/// puts it in, and the staple arrives.
#[test]
fn the_ocsp_staple_is_requested_only_when_asked_for() {
    use qssl_handshake::ExtensionType;
    let staple = ocsp_vector!("good.der");
    for request in [None, Some(false), Some(true)] {
        let mut roots = qssl::RootCertStore::new();
        roots.add(pem_cert(ocsp_vector!("root.pem"))).unwrap();
        let mut client = qssl::ClientConfig::builder().with_root_certificates(Arc::new(roots));
        if let Some(r) = request {
            client = client.request_ocsp(r);
        }
        let key = qssl_crypto::keys::load_private_key_pem(
            std::str::from_utf8(ocsp_vector!("good.key")).unwrap(),
        )
        .unwrap();
        let chain = vec![
            pem_cert(ocsp_vector!("good.pem")),
            pem_cert(ocsp_vector!("ca.pem")),
        ];
        let server = qssl::ServerConfig::builder()
            .with_single_cert(chain, Box::new(key))
            .with_ocsp_response(staple.to_vec())
            .build()
            .unwrap();
        let mut c = qssl::ClientConnection::new(
            Arc::new(client.build().unwrap()),
            "ocsp.qssl.example".try_into().unwrap(),
        )
        .unwrap();
        let mut s = qssl::ServerConnection::new(Arc::new(server)).unwrap();
        let (wire, hello) = sent_client_hello(&mut c);
        let asked = request == Some(true);
        assert_eq!(
            hello.extension(ExtensionType::STATUS_REQUEST).is_some(),
            asked,
            "request_ocsp {request:?}"
        );
        // The server gets exactly the bytes parsed above.
        transfer_bytes(&wire, &mut s).1.unwrap();
        do_handshake(&mut c, &mut s);
        assert_eq!(c.ocsp_response(), asked.then_some(&staple[..]));
        assert_eq!(c.peer_verified_path().unwrap().ocsp_good(), asked);
        send_and_check(&mut c, &mut s, b"after the handshake");
    }
}

#[test]
fn ocsp_staple_validated_end_to_end() {
    let good = ocsp_vector!("good.der");
    let revoked = ocsp_vector!("revoked.der");
    let (good_leaf, good_key) = (ocsp_vector!("good.pem"), ocsp_vector!("good.key"));
    let (revoked_leaf, revoked_key) = (ocsp_vector!("revoked.pem"), ocsp_vector!("revoked.key"));

    // Required, stapled, good: accepted, and the client says it checked.
    let (mut c, mut s) = ocsp_pair(true, good_leaf, good_key, Some(good));
    do_handshake(&mut c, &mut s);
    assert_eq!(c.ocsp_response(), Some(&good[..]));
    assert!(c.peer_verified_path().unwrap().ocsp_good());
    send_and_check(&mut c, &mut s, b"status good");

    // Revoked: the client refuses with certificate_revoked, required or not.
    for require in [true, false] {
        let (mut c, mut s) = ocsp_pair(require, revoked_leaf, revoked_key, Some(revoked));
        let (cr, sr) = run(&mut c, &mut s);
        assert_eq!(alert_of(cr), Some(AlertDescription::CERTIFICATE_REVOKED));
        assert_eq!(
            sr,
            Err(Error::AlertReceived(AlertDescription::CERTIFICATE_REVOKED))
        );
    }

    // Required: a response about another certificate, or bytes that are no OCSP
    // response, are refused with bad_certificate_status_response; so is no staple.
    for staple in [
        Some(&good[..]),
        Some(&[0x30, 0x03, 0x0a, 0x01, 0x00][..]),
        None,
    ] {
        let (mut c, mut s) = ocsp_pair(true, revoked_leaf, revoked_key, staple);
        let (cr, sr) = run(&mut c, &mut s);
        assert_eq!(
            alert_of(cr),
            Some(AlertDescription::BAD_CERTIFICATE_STATUS_RESPONSE),
            "{staple:?}"
        );
        assert_eq!(
            sr,
            Err(Error::AlertReceived(
                AlertDescription::BAD_CERTIFICATE_STATUS_RESPONSE
            ))
        );
    }

    // Not required (the default): an unusable staple is delivered but not trusted.
    let junk = [0x30, 0x03, 0x0a, 0x01, 0x00];
    let (mut c, mut s) = ocsp_pair(false, good_leaf, good_key, Some(&junk));
    do_handshake(&mut c, &mut s);
    assert_eq!(c.ocsp_response(), Some(&junk[..]));
    assert!(!c.peer_verified_path().unwrap().ocsp_good());
}

#[test]
fn pq_only_refuses_classical_peers() {
    let p = pki_for(KeyAlgorithm::EcdsaP256);
    // pq_only client, classical-only server: no common group.
    let (cb, sb) = configs(&p);
    let server = sb
        .with_groups(vec![
            group(qssl::NamedGroup::X25519),
            group(qssl::NamedGroup::SECP384R1),
        ])
        .build()
        .unwrap();
    let (mut c, mut s) = pair(cb.pq_only(true).build().unwrap(), server);
    let (cr, sr) = run(&mut c, &mut s);
    assert_eq!(alert_of(sr), Some(AlertDescription::HANDSHAKE_FAILURE));
    assert_eq!(
        cr,
        Err(Error::AlertReceived(AlertDescription::HANDSHAKE_FAILURE))
    );

    // pq_only server, classical-only client.
    let (cb, sb) = configs(&p);
    let client = cb
        .with_groups(vec![group(qssl::NamedGroup::X25519)])
        .build()
        .unwrap();
    let (mut c, mut s) = pair(client, sb.pq_only(true).build().unwrap());
    let (cr, sr) = run(&mut c, &mut s);
    assert_eq!(
        sr,
        Err(Error::Handshake(
            qssl::PeerIncompatible::NoPostQuantumGroup.into()
        ))
    );
    assert_eq!(
        cr,
        Err(Error::AlertReceived(AlertDescription::HANDSHAKE_FAILURE))
    );

    // Both pq_only: works, PQ.
    let (cb, sb) = configs(&p);
    let (mut c, mut s) = pair(
        cb.pq_only(true).build().unwrap(),
        sb.pq_only(true).build().unwrap(),
    );
    do_handshake(&mut c, &mut s);
    assert_eq!(c.is_post_quantum(), Some(true));
}

/// The secrets a connection logs, by NSS label.
#[derive(Debug, Default)]
struct Secrets(std::sync::Mutex<Vec<(String, Vec<u8>)>>);

impl qssl::KeyLog for Secrets {
    fn log(&self, label: &str, _client_random: &[u8], secret: &[u8]) {
        self.0
            .lock()
            .unwrap()
            .push((label.to_owned(), secret.to_vec()));
    }
}

impl Secrets {
    fn get(&self, label: &str) -> Vec<u8> {
        let all = self.0.lock().unwrap();
        all.iter().find(|(l, _)| l == label).unwrap().1.clone()
    }
}

/// Reads one direction of a connection off the wire, independently of either end:
/// records are opened with keys derived from the logged traffic secret, and after
/// each KeyUpdate the reader ratchets to the next secret (RFC 8446 §7.2). Data sent
/// under any other key fails to open, so what it reads proves which keys the sender
/// used.
struct WireReader {
    suite: &'static qssl_crypto::suites::Tls13CipherSuite,
    secret: qssl_crypto::hkdf::Prk,
    deframer: qssl_record::Deframer,
    layer: qssl_record::RecordLayer,
    key_updates: usize,
    data: Vec<u8>,
}

impl WireReader {
    fn new(suite: qssl_crypto::suites::SupportedCipherSuite, secret: &[u8]) -> Self {
        let suite = suite.tls13().unwrap();
        let secret = suite.hkdf.prk_from_secret(secret).unwrap();
        let mut layer = qssl_record::RecordLayer::new();
        layer.set_read_protector(
            qssl_handshake::key_schedule::record_protector(suite, &secret).unwrap(),
        );
        Self {
            suite,
            secret,
            deframer: qssl_record::Deframer::for_version(qssl::TlsVersion::Tls13),
            layer,
            key_updates: 0,
            data: Vec::new(),
        }
    }

    fn read(&mut self, mut wire: &[u8]) {
        while !wire.is_empty() {
            let spare = self.deframer.spare_capacity();
            let n = spare.len().min(wire.len());
            spare[..n].copy_from_slice(&wire[..n]);
            self.deframer.commit(n);
            wire = &wire[n..];
            while let Some(record) = self.deframer.next_record() {
                let (typ, body) = self
                    .layer
                    .open(record.unwrap())
                    .expect("opens under the expected key");
                match typ {
                    qssl::ContentType::APPLICATION_DATA => self.data.extend_from_slice(body),
                    // The server's session tickets (sent by default) change no key.
                    qssl::ContentType::HANDSHAKE if body[0] == 4 => {}
                    qssl::ContentType::HANDSHAKE => {
                        assert_eq!(
                            body[0], 24,
                            "only KeyUpdate and tickets after the handshake"
                        );
                        self.key_updates += 1;
                        self.secret =
                            qssl_handshake::key_schedule::next_traffic_secret(&self.secret)
                                .unwrap();
                        self.layer.set_read_protector(
                            qssl_handshake::key_schedule::record_protector(
                                self.suite,
                                &self.secret,
                            )
                            .unwrap(),
                        );
                    }
                    other => panic!("unexpected {other:?} record"),
                }
            }
        }
    }
}

/// Moves every pending byte from `from` to `to`, keeping a copy of the wire.
fn transfer_logged(
    from: &mut qssl::ConnectionCommon,
    to: &mut qssl::ConnectionCommon,
    wire: &mut WireReader,
) {
    let mut buf = Vec::new();
    while from.wants_write() {
        from.write_tls(&mut buf).unwrap();
    }
    wire.read(&buf);
    let (_, r) = transfer_bytes(&buf, to);
    r.unwrap();
}

/// Two client KeyUpdates (update_requested) in a 64 MiB transfer. Checked on the
/// wire, with keys derived from the logged secrets: the client's records after each
/// KeyUpdate open only under the next traffic secret, and the server, silent all the
/// while, answers the two requests with one KeyUpdate of its own before its next data
/// (RFC 8446 §4.6.3), after which its records open only under its next secret. The
/// server received every byte, so it switched its read key at the same places.
#[test]
fn key_update_during_64_mib_transfer() {
    let p = pki_for(KeyAlgorithm::EcdsaP256);
    let (cb, sb) = configs(&p);
    let client_secrets = Arc::new(Secrets::default());
    let (mut c, mut s) = pair(
        cb.with_key_log(client_secrets.clone()).build().unwrap(),
        sb.build().unwrap(),
    );
    // ClientHello, the server's flight, the client's Finished: both sides are done,
    // and the server's session tickets (sent by default) are the first records under
    // its application key, so they go through the wire reader.
    transfer(&mut c, &mut s).1.unwrap();
    transfer(&mut s, &mut c).1.unwrap();
    transfer(&mut c, &mut s).1.unwrap();
    assert!(!c.is_handshaking() && !s.is_handshaking());
    let suite = c.handshake_summary().unwrap().suite;
    let mut client_wire = WireReader::new(suite, &client_secrets.get("CLIENT_TRAFFIC_SECRET_0"));
    let mut server_wire = WireReader::new(suite, &client_secrets.get("SERVER_TRAFFIC_SECRET_0"));

    const TOTAL: usize = 64 << 20;
    let chunk: Vec<u8> = (0..256 * 1024).map(|i| (i * 31 % 251) as u8).collect();
    let mut received = Vec::with_capacity(TOTAL);
    let mut sent = 0;
    let mut buf = vec![0u8; 1 << 20];
    while sent < TOTAL {
        c.writer().write_all(&chunk).unwrap();
        sent += chunk.len();
        if sent == TOTAL / 2 || sent == TOTAL / 4 {
            c.refresh_traffic_keys().unwrap();
        }
        transfer_logged(&mut c, &mut s, &mut client_wire);
        loop {
            match s.reader().read(&mut buf) {
                Ok(n) if n > 0 => received.extend_from_slice(&buf[..n]),
                _ => break,
            }
        }
        // The server sends nothing while it has no data: its answer waits.
        transfer_logged(&mut s, &mut c, &mut server_wire);
    }
    assert_eq!(
        client_wire.key_updates, 2,
        "the client's KeyUpdates on the wire"
    );
    assert_eq!(client_wire.data.len(), TOTAL);
    assert_eq!(received.len(), TOTAL);
    for (i, piece) in received.chunks(chunk.len()).enumerate() {
        assert_eq!(piece, &chunk[..], "chunk {i}");
    }
    assert_eq!(
        server_wire.key_updates, 0,
        "no answer before the server writes"
    );

    // The server writes: one KeyUpdate answers both requests, then its data under
    // the next key; the client reads it.
    s.writer().write_all(b"server after update").unwrap();
    transfer_logged(&mut s, &mut c, &mut server_wire);
    assert_eq!(server_wire.key_updates, 1);
    assert_eq!(server_wire.data, b"server after update");
    let mut got = [0u8; 19];
    c.reader().read_exact(&mut got).unwrap();
    assert_eq!(&got, b"server after update");
    send_and_check(&mut c, &mut s, b"client after update");
}

#[test]
fn close_notify_half_close_and_unclean_eof() {
    let p = pki_for(KeyAlgorithm::EcdsaP256);
    let (cb, sb) = configs(&p);
    let (mut c, mut s) = pair(cb.build().unwrap(), sb.build().unwrap());
    do_handshake(&mut c, &mut s);
    c.writer().write_all(b"last words").unwrap();
    c.send_close_notify();
    assert!(c.writer().write(b"more").is_err());
    let (_, r) = transfer(&mut c, &mut s);
    r.unwrap();
    let mut got = Vec::new();
    s.reader().read_to_end(&mut got).unwrap();
    assert_eq!(got, b"last words");
    assert!(!s.wants_read());
    // Half close: the server may still send.
    send_and_check(&mut s, &mut c, b"reply after close");

    // Transport EOF without close_notify is an error for the reader.
    let (cb, sb) = configs(&p);
    let (mut c, mut s) = pair(cb.build().unwrap(), sb.build().unwrap());
    do_handshake(&mut c, &mut s);
    assert_eq!(s.read_tls(&mut &[][..]).unwrap(), 0);
    s.process_new_packets().unwrap();
    let err = s.reader().read(&mut [0u8; 8]).unwrap_err();
    assert_eq!(err.kind(), std::io::ErrorKind::UnexpectedEof);
}

#[test]
fn data_written_before_the_handshake_is_sent_after_it() {
    let p = pki_for(KeyAlgorithm::EcdsaP256);
    let (cb, sb) = configs(&p);
    let (mut c, mut s) = pair(cb.build().unwrap(), sb.build().unwrap());
    c.writer().write_all(b"early bird").unwrap();
    do_handshake(&mut c, &mut s);
    let (_, r) = transfer(&mut c, &mut s);
    r.unwrap();
    let mut got = [0u8; 10];
    s.reader().read_exact(&mut got).unwrap();
    assert_eq!(&got, b"early bird");
}

#[test]
fn fatal_error_sticks_and_alert_display_names_it() {
    let e = Error::AlertReceived(AlertDescription::HANDSHAKE_FAILURE);
    assert_eq!(e.to_string(), "peer sent fatal alert: handshake_failure");
    assert_eq!(e.alert(), None);
    let p = pki_for(KeyAlgorithm::EcdsaP256);
    let (cb, sb) = configs(&p);
    let client = cb.with_alpn_protocols(vec![b"a".to_vec()]).build().unwrap();
    let server = sb.with_alpn_protocols(vec![b"b".to_vec()]).build().unwrap();
    let (mut c, mut s) = pair(client, server);
    let (_, sr) = run(&mut c, &mut s);
    let first = sr.unwrap_err();
    assert_eq!(s.process_new_packets().unwrap_err(), first);
    assert_eq!(
        s.writer().write(b"x").unwrap_err().kind(),
        std::io::ErrorKind::InvalidData
    );
    // The alert was sent once.
    assert!(!s.wants_write());
}

#[test]
fn record_size_limit_is_applied() {
    let p = pki_for(KeyAlgorithm::EcdsaP256);
    let (cb, sb) = configs(&p);
    let client = cb.with_record_size_limit(Some(512)).build().unwrap();
    let server = sb.with_record_size_limit(Some(1024)).build().unwrap();
    let (mut c, mut s) = pair(client, server);
    do_handshake(&mut c, &mut s);
    assert_eq!(
        s.handshake_summary().unwrap().peer_record_size_limit,
        Some(512)
    );
    assert_eq!(
        c.handshake_summary().unwrap().peer_record_size_limit,
        Some(1024)
    );
    s.writer().write_all(&[7u8; 4000]).unwrap();
    let mut wire = Vec::new();
    s.write_tls(&mut wire).unwrap();
    // Each record: 5 header + at most 512 inner plaintext + 16 tag.
    let mut off = 0;
    let mut records = 0;
    while off < wire.len() {
        let len = u16::from_be_bytes([wire[off + 3], wire[off + 4]]) as usize;
        assert!(len <= 512 + 16, "record of {len}");
        off += 5 + len;
        records += 1;
    }
    assert!(records >= 8);
    let (_, r) = transfer_bytes(&wire, &mut c);
    r.unwrap();
}

/// With stateless retry a fresh server takes a middlebox change_cipher_spec before
/// any ClientHello (it follows a HelloRetryRequest an earlier instance sent), but
/// then the ClientHello must carry the cookie: a first ClientHello after a CCS is
/// refused with illegal_parameter. Without stateless retry the CCS itself is refused.
#[test]
fn change_cipher_spec_before_hello_needs_a_cookie_to_follow() {
    for stateless in [true, false] {
        let (client, server) = retry_configs(stateless);
        let (mut c, mut s) = pair(client, server);
        let (_, r) = transfer_bytes(&[20, 3, 3, 0, 1, 1], &mut s);
        if stateless {
            r.unwrap();
            let (_, r) = transfer(&mut c, &mut s);
            assert_eq!(alert_of(r), Some(AlertDescription::ILLEGAL_PARAMETER));
        } else {
            assert_eq!(alert_of(r), Some(AlertDescription::UNEXPECTED_MESSAGE));
        }
    }
}

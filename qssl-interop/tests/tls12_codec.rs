//! The TLS 1.2 handshake codec against OpenSSL's encoder: a real TLS 1.2 handshake
//! between the vendored OpenSSL client and server (ECDHE with AEAD suites, a client
//! certificate requested, session tickets on, ALPN and SNI), over loopback with the
//! client's socket recorded. Every plaintext handshake message of both directions
//! (everything before each side's ChangeCipherSpec, NewSessionTicket included) must
//! parse as the `Tls12Message` of the expected type and re-encode to exactly the
//! bytes OpenSSL sent.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::thread;

use openssl::pkey::PKey;
use openssl::ssl::{Ssl, SslContext, SslContextBuilder, SslMethod, SslVerifyMode, SslVersion};
use openssl::x509::X509;
use openssl::x509::store::X509StoreBuilder;
use qssl_handshake::{
    ClientCertificateType, Extension, ExtensionType, HandshakeType, Tls12Message,
};
use qssl_interop::{
    CipherSuite, Identity, KeyAlgorithm, NamedGroup, SignatureScheme, TestPki, WireTap,
};

const HANDSHAKE: u8 = 22;
const CHANGE_CIPHER_SPEC: u8 = 20;

/// The six ECDHE + AEAD suites of issue 11, OpenSSL names.
const CIPHER_LIST: &str = "ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-ECDSA-AES128-GCM-SHA256:\
ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-AES256-GCM-SHA384:ECDHE-RSA-AES128-GCM-SHA256:\
ECDHE-RSA-CHACHA20-POLY1305";

fn context(
    method: SslMethod,
    identity: &Identity,
    root_pem: &str,
) -> Result<SslContextBuilder, Box<dyn std::error::Error>> {
    let mut b = SslContextBuilder::new(method)?;
    b.set_min_proto_version(Some(SslVersion::TLS1_2))?;
    b.set_max_proto_version(Some(SslVersion::TLS1_2))?;
    b.set_cipher_list(CIPHER_LIST)?;
    let mut chain = X509::stack_from_pem(identity.chain_pem.as_bytes())?.into_iter();
    let leaf = chain.next().ok_or("empty chain")?;
    b.set_certificate(&leaf)?;
    for cert in chain {
        b.add_extra_chain_cert(cert)?;
    }
    let key = PKey::private_key_from_pem(identity.key_pem.as_bytes())?;
    b.set_private_key(&key)?;
    b.check_private_key()?;
    let mut store = X509StoreBuilder::new()?;
    for root in X509::stack_from_pem(root_pem.as_bytes())? {
        store.add_cert(root)?;
    }
    b.set_verify_cert_store(store.build())?;
    Ok(b)
}

fn server_context(pki: &TestPki) -> Result<SslContext, Box<dyn std::error::Error>> {
    let mut b = context(SslMethod::tls_server(), &pki.server, &pki.root_pem)?;
    // certificate_authorities in the CertificateRequest: one DN to parse.
    let root = X509::from_pem(pki.root_pem.as_bytes())?;
    b.add_client_ca(&root)?;
    b.set_verify(SslVerifyMode::PEER | SslVerifyMode::FAIL_IF_NO_PEER_CERT);
    b.set_session_id_context(b"qssl-tls12-codec")?;
    b.set_alpn_select_callback(|_, offered| {
        openssl::ssl::select_next_proto(b"\x02h2", offered).ok_or(openssl::ssl::AlpnError::NOACK)
    });
    // Session tickets are on by default (no SSL_OP_NO_TICKET): the server sends a
    // NewSessionTicket before its ChangeCipherSpec.
    Ok(b.build())
}

fn client_context(pki: &TestPki) -> Result<SslContext, Box<dyn std::error::Error>> {
    let mut b = context(SslMethod::tls_client(), &pki.client, &pki.root_pem)?;
    b.set_verify(SslVerifyMode::PEER);
    b.set_alpn_protos(b"\x02h2")?;
    Ok(b.build())
}

/// What went each way over the client's socket: (client → server, server → client).
fn handshake(pki: &TestPki) -> Result<(Vec<u8>, Vec<u8>), Box<dyn std::error::Error>> {
    let server_ctx = server_context(pki)?;
    let client_ctx = client_context(pki)?;
    let listener = TcpListener::bind("127.0.0.1:0")?;
    let addr = listener.local_addr()?;
    let server = thread::spawn(move || -> Result<(String, bool), String> {
        let (tcp, _) = listener.accept().map_err(|e| e.to_string())?;
        let ssl = Ssl::new(&server_ctx).map_err(|e| e.to_string())?;
        let mut tls = ssl.accept(tcp).map_err(|e| e.to_string())?;
        let mut ping = [0u8; 4];
        tls.read_exact(&mut ping).map_err(|e| e.to_string())?;
        tls.write_all(b"pong").map_err(|e| e.to_string())?;
        let _ = tls.shutdown();
        Ok((
            tls.ssl().version_str().to_owned(),
            tls.ssl().peer_certificate().is_some(),
        ))
    });
    let tap = WireTap::new(TcpStream::connect(addr)?);
    let transcript = tap.transcript();
    let mut ssl = Ssl::new(&client_ctx)?;
    ssl.set_hostname("localhost")?;
    ssl.param_mut().set_host("localhost")?;
    let mut tls = ssl.connect(tap).map_err(|e| e.to_string())?;
    tls.write_all(b"ping")?;
    let mut pong = [0u8; 4];
    tls.read_exact(&mut pong)?;
    assert_eq!(&pong, b"pong");
    assert_eq!(tls.ssl().version_str(), "TLSv1.2");
    let _ = tls.shutdown();
    let (server_version, client_cert) = server.join().map_err(|_| "server thread panicked")??;
    assert_eq!(server_version, "TLSv1.2");
    assert!(client_cert, "the server saw no client certificate");
    Ok((transcript.sent(), transcript.received()))
}

/// The handshake messages (header included, exact bytes) of the handshake records
/// before the first ChangeCipherSpec of one direction: after it, TLS 1.2 handshake
/// records (Finished) are encrypted under the same content type.
fn plaintext_messages(stream: &[u8]) -> Vec<Vec<u8>> {
    let mut joined = Vec::new();
    let mut rest = stream;
    let mut saw_ccs = false;
    while rest.len() >= 5 {
        let typ = rest[0];
        let len = usize::from(u16::from_be_bytes([rest[3], rest[4]]));
        let Some(fragment) = rest.get(5..5 + len) else {
            break;
        };
        rest = &rest[5 + len..];
        match typ {
            HANDSHAKE => joined.extend_from_slice(fragment),
            CHANGE_CIPHER_SPEC => {
                saw_ccs = true;
                break;
            }
            other => panic!("record of type {other} before ChangeCipherSpec"),
        }
    }
    assert!(saw_ccs, "no ChangeCipherSpec in the recorded stream");
    let mut messages = Vec::new();
    let mut rest = &joined[..];
    while !rest.is_empty() {
        assert!(rest.len() >= 4, "partial handshake header before CCS");
        let len = u32::from_be_bytes([0, rest[1], rest[2], rest[3]]) as usize;
        assert!(
            rest.len() >= 4 + len,
            "partial handshake message before CCS"
        );
        messages.push(rest[..4 + len].to_vec());
        rest = &rest[4 + len..];
    }
    messages
}

/// Parses each message, checks its type and that it re-encodes to the same bytes.
fn parse_all(messages: &[Vec<u8>], expected: &[HandshakeType]) -> Vec<Tls12Message> {
    let types: Vec<HandshakeType> = messages.iter().map(|m| HandshakeType(m[0])).collect();
    assert_eq!(types, expected);
    messages
        .iter()
        .map(|wire| {
            let m = Tls12Message::parse(wire)
                .unwrap_or_else(|e| panic!("{:?}: {e:?}", HandshakeType(wire[0])));
            assert!(
                !matches!(m, Tls12Message::Unknown { .. }),
                "{:?} parsed as Unknown",
                m.typ()
            );
            assert_eq!(m.typ().0, wire[0]);
            assert_eq!(&m.to_bytes().unwrap(), wire, "{:?} re-encodes", m.typ());
            m
        })
        .collect()
}

fn check(alg: KeyAlgorithm) {
    let pki = TestPki::generate(alg).unwrap();
    let (to_server, to_client) = handshake(&pki).unwrap();
    let (scheme, suites): (&[SignatureScheme], [CipherSuite; 3]) = match alg {
        KeyAlgorithm::EcdsaP256 => (
            &[SignatureScheme::ECDSA_SECP256R1_SHA256],
            [
                CipherSuite::TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
                CipherSuite::TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
                CipherSuite::TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256,
            ],
        ),
        _ => (
            &[
                SignatureScheme::RSA_PSS_RSAE_SHA256,
                SignatureScheme::RSA_PSS_RSAE_SHA384,
                SignatureScheme::RSA_PSS_RSAE_SHA512,
                SignatureScheme::RSA_PKCS1_SHA256,
                SignatureScheme::RSA_PKCS1_SHA384,
                SignatureScheme::RSA_PKCS1_SHA512,
            ],
            [
                CipherSuite::TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,
                CipherSuite::TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
                CipherSuite::TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256,
            ],
        ),
    };

    use HandshakeType as T;
    let server = parse_all(
        &plaintext_messages(&to_client),
        &[
            T::SERVER_HELLO,
            T::CERTIFICATE,
            T::SERVER_KEY_EXCHANGE,
            T::CERTIFICATE_REQUEST,
            T::SERVER_HELLO_DONE,
            T::NEW_SESSION_TICKET,
        ],
    );
    let client = parse_all(
        &plaintext_messages(&to_server),
        &[
            T::CLIENT_HELLO,
            T::CERTIFICATE,
            T::CLIENT_KEY_EXCHANGE,
            T::CERTIFICATE_VERIFY,
        ],
    );

    // The fields read are what OpenSSL was configured to send.
    let Tls12Message::ServerHello(sh) = &server[0] else {
        unreachable!()
    };
    assert!(suites.contains(&sh.cipher_suite), "{:?}", sh.cipher_suite);
    for typ in [
        ExtensionType::EXTENDED_MASTER_SECRET,
        ExtensionType::RENEGOTIATION_INFO,
        ExtensionType::SESSION_TICKET,
        ExtensionType::APPLICATION_LAYER_PROTOCOL_NEGOTIATION,
    ] {
        assert!(sh.extension(typ).is_some(), "ServerHello without {typ:?}");
    }
    assert!(
        matches!(
            sh.extension(ExtensionType::EC_POINT_FORMATS),
            Some(Extension::Unknown { data, .. }) if data.first() == Some(&(data.len() as u8 - 1)) && data.contains(&0)
        ),
        "ec_point_formats with uncompressed"
    );
    assert_eq!(
        sh.extension(ExtensionType::RENEGOTIATION_INFO),
        Some(&Extension::RenegotiationInfo(vec![]))
    );
    assert_eq!(
        sh.extension(ExtensionType::APPLICATION_LAYER_PROTOCOL_NEGOTIATION),
        Some(&Extension::Alpn(vec![b"h2".to_vec()]))
    );
    let Tls12Message::Certificate(chain) = &server[1] else {
        unreachable!()
    };
    assert_eq!(chain.chain.len(), 2, "leaf and intermediate");
    let Tls12Message::ServerKeyExchange(ske) = &server[2] else {
        unreachable!()
    };
    let point_len = match ske.params.named_curve {
        NamedGroup::X25519 => 32,
        NamedGroup::SECP256R1 => 65,
        NamedGroup::SECP384R1 => 97,
        other => panic!("unexpected curve {other:?}"),
    };
    assert_eq!(ske.params.public.len(), point_len);
    assert!(
        scheme.contains(&ske.signature.scheme),
        "{:?}",
        ske.signature.scheme
    );
    let Tls12Message::CertificateRequest(cr) = &server[3] else {
        unreachable!()
    };
    assert!(
        cr.certificate_types
            .contains(&ClientCertificateType::ECDSA_SIGN)
    );
    assert!(
        cr.certificate_types
            .contains(&ClientCertificateType::RSA_SIGN)
    );
    assert!(cr.signature_schemes.contains(&scheme[0]));
    assert_eq!(cr.certificate_authorities.len(), 1, "the root's name");
    let Tls12Message::NewSessionTicket(nst) = &server[5] else {
        unreachable!()
    };
    assert!(!nst.ticket.is_empty());

    let Tls12Message::ClientHello(ch) = &client[0] else {
        unreachable!()
    };
    assert!(ch.cipher_suites.contains(&sh.cipher_suite));
    assert!(
        ch.extension(ExtensionType::EXTENDED_MASTER_SECRET)
            .is_some()
    );
    let Tls12Message::Certificate(chain) = &client[1] else {
        unreachable!()
    };
    assert_eq!(chain.chain.len(), 2, "leaf and intermediate");
    let Tls12Message::ClientKeyExchange(cke) = &client[2] else {
        unreachable!()
    };
    assert_eq!(cke.public.len(), point_len, "same curve as the server's");
    let Tls12Message::CertificateVerify(cv) = &client[3] else {
        unreachable!()
    };
    assert!(scheme.contains(&cv.scheme), "{:?}", cv.scheme);
    assert!(!cv.signature.is_empty());
}

#[test]
fn openssl_tls12_ecdsa_p256_handshake_parses_and_reencodes() {
    check(KeyAlgorithm::EcdsaP256);
}

#[test]
fn openssl_tls12_rsa_handshake_parses_and_reencodes() {
    check(KeyAlgorithm::Rsa2048);
}

//! Q-SSL's TLS 1.2 ServerKeyExchange verification
//! (`qssl_handshake::tls12::signing::verify_server_key_exchange`) checked against
//! OpenSSL's signatures: a real TLS 1.2 handshake between OpenSSL's client and server,
//! in process over an in-memory transport that records what the server sent. The
//! client offers one `set_sigalgs_list` at a time; the server signs its
//! ServerKeyExchange with ECDSA P-256, ECDSA P-384, Ed25519 or RSA (PKCS#1 v1.5 and
//! PSS) certificates.
//!
//! From the recording alone, Q-SSL parses the ClientHello (its signature_algorithms
//! are the offered schemes), the ServerHello, the Certificate and the
//! ServerKeyExchange with its codec, and must accept OpenSSL's signature; with one
//! bit of the params or of a random flipped it must refuse with
//! `BadHandshakeSignature` (decrypt_error), and with the scheme taken out of the
//! offered list with `SignatureSchemeNotOffered` (illegal_parameter).

mod common;

use qssl::AlertDescription;
use qssl_crypto::ids::SignatureScheme;
use qssl_crypto::provider::compiled_providers;
use qssl_handshake::tls12::signing::verify_server_key_exchange;
use qssl_handshake::verify::{CertificateDer, CertificateError};
use qssl_handshake::{
    Error, Extension, ExtensionType, PeerMisbehaved, ServerKeyExchange, Tls12Message,
};
use qssl_interop::{KeyAlgorithm, TestPki};
use qssl_record::{ContentType, RecordHeader};

/// The plaintext handshake messages of one direction (before its ChangeCipherSpec),
/// each parsed by Q-SSL's TLS 1.2 codec.
fn handshake_messages(mut wire: &[u8]) -> Vec<Tls12Message> {
    let mut plaintext = Vec::new();
    while !wire.is_empty() {
        let header = RecordHeader::parse(wire).unwrap().expect("whole header");
        let end = 5 + usize::from(header.len);
        if header.typ == ContentType::CHANGE_CIPHER_SPEC {
            break;
        }
        assert_eq!(header.typ, ContentType::HANDSHAKE);
        plaintext.extend_from_slice(&wire[5..end]);
        wire = &wire[end..];
    }
    let mut messages = Vec::new();
    let mut rest = &plaintext[..];
    while !rest.is_empty() {
        let len = usize::from(rest[1]) << 16 | usize::from(rest[2]) << 8 | usize::from(rest[3]);
        messages.push(Tls12Message::parse(&rest[..4 + len]).expect("Q-SSL parses it"));
        rest = &rest[4 + len..];
    }
    messages
}

/// What Q-SSL takes from one recorded OpenSSL handshake.
struct Flight {
    /// The ClientHello's signature_algorithms.
    offered: Vec<SignatureScheme>,
    client_random: [u8; 32],
    server_random: [u8; 32],
    /// The server's end-entity certificate.
    cert: CertificateDer<'static>,
    ske: ServerKeyExchange,
}

/// Runs one OpenSSL TLS 1.2 handshake (the client offering `sigalgs`) and parses the
/// recording with Q-SSL's codec.
fn openssl_handshake(pki: &TestPki, sigalgs: Option<&str>) -> Flight {
    let suites = "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256";
    let ctx = common::tls12_contexts(pki, suites, |b, is_client| {
        if let (true, Some(list)) = (is_client, sigalgs) {
            b.set_sigalgs_list(list).unwrap();
        }
    });
    let (_client, _server, rec) = common::handshake(&ctx);
    let (client_sent, server_sent) = (rec.client, rec.server);

    let client_msgs = handshake_messages(&client_sent.borrow());
    let server_msgs = handshake_messages(&server_sent.borrow());
    let Some(Tls12Message::ClientHello(client_hello)) = client_msgs.first() else {
        panic!("first client message is not a ClientHello");
    };
    let Some(Extension::SignatureAlgorithms(offered)) =
        client_hello.extension(ExtensionType::SIGNATURE_ALGORITHMS)
    else {
        panic!("ClientHello without signature_algorithms");
    };
    let [
        Tls12Message::ServerHello(server_hello),
        Tls12Message::Certificate(certificate),
        Tls12Message::ServerKeyExchange(ske),
        ..,
    ] = &server_msgs[..]
    else {
        panic!("server flight is not ServerHello, Certificate, ServerKeyExchange, ..");
    };
    Flight {
        offered: offered.clone(),
        client_random: client_hello.random,
        server_random: server_hello.random,
        cert: CertificateDer::from(certificate.chain[0].clone()),
        ske: ske.clone(),
    }
}

/// Runs one OpenSSL handshake and checks its ServerKeyExchange with Q-SSL.
/// `expected` is the scheme OpenSSL must have chosen (checked, so that each case
/// covers the scheme it names).
fn check(pki: &TestPki, sigalgs: Option<&str>, expected: SignatureScheme) {
    let Flight {
        offered,
        client_random,
        server_random,
        cert,
        ske,
    } = openssl_handshake(pki, sigalgs);
    let (offered, ske) = (&offered[..], &ske);
    assert_eq!(
        ske.signature.scheme, expected,
        "the scheme OpenSSL signed with"
    );

    for (name, provider) in compiled_providers() {
        let verifiers = &provider.signature_verifiers;
        let verify = |ske, cr: &[u8; 32], sr: &[u8; 32], offered: &[SignatureScheme]| {
            verify_server_key_exchange(verifiers, &cert, ske, cr, sr, offered)
        };
        assert_eq!(
            verify(ske, &client_random, &server_random, offered),
            Ok(()),
            "{name}: OpenSSL's {expected:?} ServerKeyExchange"
        );

        let bad = Err(Error::Certificate(CertificateError::BadHandshakeSignature));
        // One bit of the params: in the curve id, then in the point.
        let mut tampered = ske.clone();
        tampered.params.named_curve.0 ^= 0x0100;
        assert_eq!(
            verify(&tampered, &client_random, &server_random, offered),
            bad
        );
        let mut tampered = ske.clone();
        tampered.params.public[1] ^= 0x01;
        assert_eq!(
            verify(&tampered, &client_random, &server_random, offered),
            bad
        );
        // One bit of each random; the randoms swapped.
        let mut cr = client_random;
        cr[0] ^= 0x01;
        assert_eq!(verify(ske, &cr, &server_random, offered), bad);
        let mut sr = server_random;
        sr[31] ^= 0x80;
        assert_eq!(verify(ske, &client_random, &sr, offered), bad);
        assert_eq!(verify(ske, &server_random, &client_random, offered), bad);
        assert_eq!(
            Error::Certificate(CertificateError::BadHandshakeSignature).alert(),
            AlertDescription::DECRYPT_ERROR
        );

        // The same signature, but the client did not offer its scheme.
        let fewer: Vec<SignatureScheme> =
            offered.iter().copied().filter(|s| *s != expected).collect();
        let err = verify(ske, &client_random, &server_random, &fewer).unwrap_err();
        assert_eq!(
            err,
            Error::PeerMisbehaved(PeerMisbehaved::SignatureSchemeNotOffered)
        );
        assert_eq!(err.alert(), AlertDescription::ILLEGAL_PARAMETER);
    }
}

#[test]
fn openssl_ecdsa_p256_server_key_exchange_verifies() {
    let pki = TestPki::generate(KeyAlgorithm::EcdsaP256).unwrap();
    check(&pki, None, SignatureScheme::ECDSA_SECP256R1_SHA256);
    check(
        &pki,
        Some("ECDSA+SHA256:RSA+SHA256"),
        SignatureScheme::ECDSA_SECP256R1_SHA256,
    );
}

#[test]
fn openssl_ecdsa_p384_server_key_exchange_verifies() {
    let pki = TestPki::generate(KeyAlgorithm::EcdsaP384).unwrap();
    // Not OpenSSL's default list: it starts with ecdsa_secp256r1_sha256, which
    // OpenSSL then signs with a P-384 key (see the cross-curve test below).
    check(
        &pki,
        Some("ECDSA+SHA384:ECDSA+SHA256:rsa_pss_rsae_sha256"),
        SignatureScheme::ECDSA_SECP384R1_SHA384,
    );
    check(
        &pki,
        Some("ECDSA+SHA384:rsa_pss_rsae_sha256"),
        SignatureScheme::ECDSA_SECP384R1_SHA384,
    );
}

#[test]
fn openssl_ed25519_server_key_exchange_verifies() {
    let pki = TestPki::generate(KeyAlgorithm::Ed25519).unwrap();
    check(&pki, Some("ed25519"), SignatureScheme::ED25519);
}

#[test]
fn openssl_rsa_server_key_exchange_verifies() {
    let pki = TestPki::generate(KeyAlgorithm::Rsa2048).unwrap();
    for (sigalgs, scheme) in [
        ("RSA+SHA256", SignatureScheme::RSA_PKCS1_SHA256),
        ("RSA+SHA384", SignatureScheme::RSA_PKCS1_SHA384),
        ("RSA+SHA512", SignatureScheme::RSA_PKCS1_SHA512),
        ("rsa_pss_rsae_sha256", SignatureScheme::RSA_PSS_RSAE_SHA256),
        ("rsa_pss_rsae_sha384", SignatureScheme::RSA_PSS_RSAE_SHA384),
        ("rsa_pss_rsae_sha512", SignatureScheme::RSA_PSS_RSAE_SHA512),
        (
            "RSA+SHA256:rsa_pss_rsae_sha256:ECDSA+SHA256",
            SignatureScheme::RSA_PKCS1_SHA256,
        ),
    ] {
        eprintln!("RSA, client offers {sigalgs}");
        check(&pki, Some(sigalgs), scheme);
    }
}

/// OpenSSL's TLS 1.2 server signs with the client's first ECDSA scheme whatever the
/// curve of its key (TLS 1.2 reads 0x0403 as "ECDSA with SHA-256"): a P-256 key
/// signs SHA-384 digests for a client that lists ecdsa_secp384r1_sha384 first, a
/// P-384 key SHA-256 digests for one that lists ecdsa_secp256r1_sha256 first (as
/// OpenSSL's own default list does). TLS 1.2 allows it: with the provider's TLS 1.2
/// verifiers (`tls12_verifiers`, which add ECDSA with the other curve's hash) each
/// verifies, and a flipped bit still fails. With the TLS 1.3 table alone
/// (`signature_verifiers`, the curve tied to the scheme) the same signatures are
/// HandshakeSignatureKeyMismatch (illegal_parameter): the pairing, not the
/// signature, is what that table refuses.
#[test]
fn openssl_cross_curve_ecdsa_verifies_with_the_tls12_verifiers_only() {
    let p256 = TestPki::generate(KeyAlgorithm::EcdsaP256).unwrap();
    let p384 = TestPki::generate(KeyAlgorithm::EcdsaP384).unwrap();
    for (pki, sigalgs, chosen) in [
        (
            &p256,
            Some("ECDSA+SHA384:ECDSA+SHA256"),
            SignatureScheme::ECDSA_SECP384R1_SHA384,
        ),
        (&p384, None, SignatureScheme::ECDSA_SECP256R1_SHA256),
        (
            &p384,
            Some("ECDSA+SHA256:ECDSA+SHA384"),
            SignatureScheme::ECDSA_SECP256R1_SHA256,
        ),
    ] {
        let f = openssl_handshake(pki, sigalgs);
        assert_eq!(f.ske.signature.scheme, chosen, "{sigalgs:?}");
        for (name, provider) in compiled_providers() {
            let tls12 = provider.tls12_verifiers();
            let verify = |ske: &_| {
                verify_server_key_exchange(
                    &tls12,
                    &f.cert,
                    ske,
                    &f.client_random,
                    &f.server_random,
                    &f.offered,
                )
            };
            assert_eq!(verify(&f.ske), Ok(()), "{name}: {sigalgs:?}");
            let mut tampered = f.ske.clone();
            tampered.params.public[1] ^= 0x01;
            assert_eq!(
                verify(&tampered),
                Err(Error::Certificate(CertificateError::BadHandshakeSignature)),
                "{name}: {sigalgs:?}"
            );
            let err = verify_server_key_exchange(
                &provider.signature_verifiers,
                &f.cert,
                &f.ske,
                &f.client_random,
                &f.server_random,
                &f.offered,
            )
            .unwrap_err();
            assert_eq!(
                err,
                Error::Certificate(CertificateError::HandshakeSignatureKeyMismatch),
                "{name}: {sigalgs:?}"
            );
            assert_eq!(err.alert(), AlertDescription::ILLEGAL_PARAMETER);
        }
    }
}

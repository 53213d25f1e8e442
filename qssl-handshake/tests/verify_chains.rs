//! Certificate path validation: chains of every algorithm verify; each kind of bad
//! chain is refused with its exact `CertificateError` and alert.
//!
//! "Chain length" counts the certificates the peer sends: 1 = the leaf alone
//! (issued directly by the trusted root), 2 = leaf + one intermediate, 3 = leaf + two
//! intermediates. The root is never sent; `webpki` does not accept a self-signed
//! leaf as its own anchor.

mod verify_support;

use qssl_alert::AlertDescription;
use qssl_crypto::ids::SignatureScheme;
use qssl_crypto::keys;
use qssl_crypto::pki::{self, CertificateRole};
use qssl_crypto::provider::default_provider;
use qssl_crypto::sign::KeyAlgorithm;
use qssl_handshake::verify::danger::NoServerVerification;
use qssl_handshake::verify::{
    CertificateDer, CertificateError, ClientCertVerifier, RootCertStore, ServerCertVerifier,
    ServerName, VerifiedPath, WebPkiClientVerifier, WebPkiServerVerifier,
};
use verify_support::*;

fn server_verifier(anchors: &[&CertificateDer<'_>]) -> WebPkiServerVerifier {
    WebPkiServerVerifier::new(roots(anchors), &default_provider())
}

fn client_verifier(anchors: &[&CertificateDer<'_>]) -> WebPkiClientVerifier {
    WebPkiClientVerifier::new(roots(anchors), &default_provider(), true)
}

/// Checks `result` is exactly `error`, sent to the peer as `alert`.
#[track_caller]
fn refused<T: std::fmt::Debug>(
    result: Result<T, CertificateError>,
    error: CertificateError,
    alert: AlertDescription,
) {
    match result {
        Ok(v) => panic!("accepted ({v:?}), expected {error:?}"),
        Err(e) => assert_eq!(e, error),
    }
    assert_eq!(error.alert(), alert, "{error:?}");
}

/// The scheme a certificate signature by a key of `alg` is made with
/// (`qssl_crypto::pki` signs RSA certificates with RSA-PSS SHA-256).
fn cert_scheme(alg: KeyAlgorithm) -> SignatureScheme {
    match alg {
        KeyAlgorithm::MlDsa44 => SignatureScheme::MLDSA44,
        KeyAlgorithm::MlDsa65 => SignatureScheme::MLDSA65,
        KeyAlgorithm::MlDsa87 => SignatureScheme::MLDSA87,
        KeyAlgorithm::EcdsaP256 => SignatureScheme::ECDSA_SECP256R1_SHA256,
        KeyAlgorithm::EcdsaP384 => SignatureScheme::ECDSA_SECP384R1_SHA384,
        KeyAlgorithm::Ed25519 => SignatureScheme::ED25519,
        KeyAlgorithm::Rsa => SignatureScheme::RSA_PSS_RSAE_SHA256,
        other => panic!("{other:?}"),
    }
}

/// `(position in the sent chain, scheme)` of every link, leaf first.
fn links(path: &VerifiedPath) -> Vec<(usize, SignatureScheme)> {
    path.signatures()
        .iter()
        .map(|l| (l.certificate(), l.scheme()))
        .collect()
}

#[test]
fn chains_of_length_1_to_3_verify_for_every_algorithm() {
    for alg in ALGORITHMS {
        let root = root(alg);
        let int1 = intermediate(alg, &root);
        let int2 = intermediate(alg, &int1);
        let leaf0 = leaf(alg, &root);
        let leaf1 = leaf(alg, &int1);
        let leaf2 = leaf(alg, &int2);
        let server = server_verifier(&[&root.cert]);
        let client = client_verifier(&[&root.cert]);
        let chains: [(&Issued, Vec<CertificateDer<'static>>); 3] = [
            (&leaf0, vec![]),
            (&leaf1, vec![int1.cert.clone()]),
            (&leaf2, vec![int2.cert.clone(), int1.cert.clone()]),
        ];
        for (leaf, intermediates) in &chains {
            let len = intermediates.len() + 1;
            for name in [dns(), ip()] {
                server
                    .verify_server_cert(&leaf.cert, intermediates, &name, &[], at(NOW))
                    .unwrap_or_else(|e| panic!("{alg:?} length {len} {name:?}: {e:?}"));
            }
            client
                .verify_client_cert(&leaf.cert, intermediates, at(NOW))
                .unwrap_or_else(|e| panic!("{alg:?} length {len} client: {e:?}"));
            // Path building does not depend on the order the intermediates came in.
            let mut reversed = intermediates.clone();
            reversed.reverse();
            server
                .verify_server_cert(&leaf.cert, &reversed, &dns(), &[], at(NOW))
                .unwrap_or_else(|e| panic!("{alg:?} length {len} reversed: {e:?}"));
        }
        // Validity bounds are inclusive (RFC 5280 §4.1.2.5).
        for t in [NOW - VALID_BEFORE, NOW + VALID_AFTER] {
            server
                .verify_server_cert(&leaf0.cert, &[], &dns(), &[], at(t))
                .unwrap_or_else(|e| panic!("{alg:?} at {t}: {e:?}"));
        }
    }
}

#[test]
fn mixed_algorithm_chain_verifies() {
    // A post-quantum root over classical intermediates and leaf, and the reverse.
    for [a, b, c] in [
        [
            KeyAlgorithm::MlDsa87,
            KeyAlgorithm::EcdsaP384,
            KeyAlgorithm::Ed25519,
        ],
        [
            KeyAlgorithm::Rsa,
            KeyAlgorithm::EcdsaP256,
            KeyAlgorithm::MlDsa65,
        ],
    ] {
        let root = root(a);
        let int = intermediate(b, &root);
        let leaf = leaf(c, &int);
        server_verifier(&[&root.cert])
            .verify_server_cert(
                &leaf.cert,
                std::slice::from_ref(&int.cert),
                &dns(),
                &[],
                at(NOW),
            )
            .unwrap_or_else(|e| panic!("{a:?} → {b:?} → {c:?}: {e:?}"));
    }
}

/// A leaf under an intermediate that OpenSSL signed with RSA PKCS#1 v1.5
/// (SHA-256/384/512), under an OpenSSL-made root (fixtures in tests/vectors/verify).
#[test]
fn rsa_pkcs1_certificate_signatures_verify() {
    // The fixtures are valid from 2026-11-26 for a century.
    let now = 1_900_000_000;
    let root_pem = include_str!("vectors/verify/rsa-root.cert.pem");
    let mut store = RootCertStore::new();
    assert_eq!(store.add_pem(root_pem), Ok(1));
    let server = WebPkiServerVerifier::new(std::sync::Arc::new(store), &default_provider());
    for (pem, pkcs1) in [
        (
            include_str!("vectors/verify/rsa-int-pkcs1-sha256.cert.pem"),
            SignatureScheme::RSA_PKCS1_SHA256,
        ),
        (
            include_str!("vectors/verify/rsa-int-pkcs1-sha384.cert.pem"),
            SignatureScheme::RSA_PKCS1_SHA384,
        ),
        (
            include_str!("vectors/verify/rsa-int-pkcs1-sha512.cert.pem"),
            SignatureScheme::RSA_PKCS1_SHA512,
        ),
    ] {
        let int_der = pki::pem_certificates(pem).unwrap().remove(0);
        let int = Issued {
            cert: CertificateDer::from(int_der),
            key: keys::load_private_key_pem(include_str!("vectors/verify/rsa-int.key.pem"))
                .unwrap(),
        };
        let mut p = pki::CertificateParams::new("", &[9], now - 60, now + 60);
        p.dns_names = vec![DNS_NAME.into()];
        let leaf = issue(KeyAlgorithm::EcdsaP256, &p, &int);
        let path = server
            .verify_server_cert(
                &leaf.cert,
                std::slice::from_ref(&int.cert),
                &dns(),
                &[],
                at(now),
            )
            .unwrap();
        // The leaf: RSA-PSS by the intermediate; the intermediate: PKCS#1 v1.5 by
        // the root, with the hash of its fixture.
        assert_eq!(
            links(&path),
            [(0, SignatureScheme::RSA_PSS_RSAE_SHA256), (1, pkcs1)]
        );
        assert!(!path.is_post_quantum());

        // The same chain without the PKCS#1 verifiers: the intermediate's signature
        // algorithm is unsupported.
        let mut provider = default_provider();
        provider
            .signature_verifiers
            .retain(|v| v.scheme().usable_in_tls13_handshake());
        let roots = std::sync::Arc::new({
            let mut s = RootCertStore::new();
            s.add_pem(root_pem).unwrap();
            s
        });
        refused(
            WebPkiServerVerifier::new(roots, &provider).verify_server_cert(
                &leaf.cert,
                std::slice::from_ref(&int.cert),
                &dns(),
                &[],
                at(now),
            ),
            CertificateError::UnsupportedSignatureAlgorithm,
            AlertDescription::BAD_CERTIFICATE,
        );
    }
}

/// The verified path names every certificate signature, leaf first, each with the
/// scheme of the issuer key that made it and the certificate's position in the
/// chain as sent (path building skips and reorders what it does not need).
#[test]
fn verified_path_lists_every_link() {
    use KeyAlgorithm::*;
    for [r, a, b, l] in [
        [MlDsa65, MlDsa44, MlDsa87, MlDsa65],
        [EcdsaP256, MlDsa65, MlDsa65, MlDsa65],
        [MlDsa87, Ed25519, MlDsa44, MlDsa65],
        [MlDsa65, MlDsa65, Rsa, MlDsa65],
        [Rsa, EcdsaP384, EcdsaP256, Ed25519],
    ] {
        let stray = intermediate(MlDsa44, &root(MlDsa44));
        let direct_leaf = |issuer: &Issued| leaf(l, issuer);
        let root = root(r);
        let int1 = intermediate(a, &root);
        let int2 = intermediate(b, &int1);
        let leaf = direct_leaf(&int2);
        let all_pq = [r, a, b].iter().all(|k| k.is_post_quantum());
        let expected = vec![
            (0, cert_scheme(b)),
            (2, cert_scheme(a)),
            (3, cert_scheme(r)),
        ];
        // Sent: a stray CA that is not on the path, then the path top-down.
        let sent = [stray.cert.clone(), int2.cert.clone(), int1.cert.clone()];
        let server = server_verifier(&[&root.cert]);
        let path = server
            .verify_server_cert(&leaf.cert, &sent, &dns(), &[], at(NOW))
            .unwrap();
        assert_eq!(links(&path), expected, "{r:?} {a:?} {b:?}");
        assert!(path.is_verified());
        assert_eq!(path.is_post_quantum(), all_pq, "{r:?} {a:?} {b:?}");
        for link in path.signatures() {
            assert_eq!(link.is_post_quantum(), link.scheme().is_post_quantum());
        }
        let path = client_verifier(&[&root.cert])
            .verify_client_cert(&leaf.cert, &sent, at(NOW))
            .unwrap();
        assert_eq!(links(&path), expected, "client {r:?} {a:?} {b:?}");

        // The leaf directly under the root: one link, the root's.
        let direct = direct_leaf(&root);
        let path = server
            .verify_server_cert(&direct.cert, &[], &dns(), &[], at(NOW))
            .unwrap();
        assert_eq!(links(&path), [(0, cert_scheme(r))]);
        assert_eq!(path.is_post_quantum(), r.is_post_quantum());
    }
}

#[test]
fn expired_and_not_yet_valid() {
    for alg in [KeyAlgorithm::Ed25519, KeyAlgorithm::MlDsa65] {
        let root = root(alg);
        let leaf = leaf(alg, &root);
        let v = server_verifier(&[&root.cert]);
        refused(
            v.verify_server_cert(&leaf.cert, &[], &dns(), &[], at(NOW + VALID_AFTER + 1)),
            CertificateError::Expired,
            AlertDescription::CERTIFICATE_EXPIRED,
        );
        refused(
            v.verify_server_cert(&leaf.cert, &[], &dns(), &[], at(NOW - VALID_BEFORE - 1)),
            CertificateError::NotValidYet,
            AlertDescription::CERTIFICATE_EXPIRED,
        );
        let c = client_verifier(&[&root.cert]);
        refused(
            c.verify_client_cert(&leaf.cert, &[], at(NOW + VALID_AFTER + 1)),
            CertificateError::Expired,
            AlertDescription::CERTIFICATE_EXPIRED,
        );
    }
}

#[test]
fn expired_intermediate_is_refused() {
    let alg = KeyAlgorithm::EcdsaP256;
    let root = root(alg);
    let mut p = pki::CertificateParams::new("short-lived CA", &[77], NOW - 100, NOW - 10);
    p.role = CertificateRole::Ca { path_len: None };
    let int = issue(alg, &p, &root);
    let leaf = leaf(alg, &int);
    refused(
        server_verifier(&[&root.cert]).verify_server_cert(
            &leaf.cert,
            std::slice::from_ref(&int.cert),
            &dns(),
            &[],
            at(NOW),
        ),
        CertificateError::Expired,
        AlertDescription::CERTIFICATE_EXPIRED,
    );
}

#[test]
fn unknown_ca() {
    let alg = KeyAlgorithm::Ed25519;
    let root = root(alg);
    let other_root = root_with(alg, None);
    let int = intermediate(alg, &root);
    let leaf0 = leaf(alg, &root);
    let leaf1 = leaf(alg, &int);
    // Trusting a different root.
    refused(
        server_verifier(&[&other_root.cert]).verify_server_cert(
            &leaf0.cert,
            &[],
            &dns(),
            &[],
            at(NOW),
        ),
        CertificateError::UnknownIssuer,
        AlertDescription::UNKNOWN_CA,
    );
    refused(
        client_verifier(&[&other_root.cert]).verify_client_cert(
            &leaf1.cert,
            std::slice::from_ref(&int.cert),
            at(NOW),
        ),
        CertificateError::UnknownIssuer,
        AlertDescription::UNKNOWN_CA,
    );
    // The right root, but the intermediate is missing.
    refused(
        server_verifier(&[&root.cert]).verify_server_cert(&leaf1.cert, &[], &dns(), &[], at(NOW)),
        CertificateError::UnknownIssuer,
        AlertDescription::UNKNOWN_CA,
    );
    // No roots at all.
    refused(
        server_verifier(&[]).verify_server_cert(&leaf0.cert, &[], &dns(), &[], at(NOW)),
        CertificateError::UnknownIssuer,
        AlertDescription::UNKNOWN_CA,
    );
}

/// What "chain length 1" can also mean: a self-signed end entity trusted directly.
/// `webpki` 0.103 verifies it (a trust anchor is only a subject and a key; nothing
/// asks whether it is a CA), although its docs disclaim support for self-signed
/// leaves. Pinned here so that a change of behaviour is noticed (see `RootCertStore`).
#[test]
fn self_signed_leaf_trusted_directly() {
    let key = keys::generate(KeyAlgorithm::MlDsa65).unwrap();
    let mut p = pki::CertificateParams::new("self", &[5], NOW - 60, NOW + 60);
    p.dns_names = vec![DNS_NAME.into()];
    let cert = CertificateDer::from(pki::self_signed(&p, &pki::KeySigner(&key)).unwrap().der);
    let v = server_verifier(&[&cert]);
    v.verify_server_cert(&cert, &[], &dns(), &[], at(NOW))
        .unwrap();
    refused(
        v.verify_server_cert(&cert, &[], &ip(), &[], at(NOW)),
        CertificateError::NotValidForName,
        AlertDescription::BAD_CERTIFICATE,
    );
    // Not trusted: unknown.
    refused(
        server_verifier(&[]).verify_server_cert(&cert, &[], &dns(), &[], at(NOW)),
        CertificateError::UnknownIssuer,
        AlertDescription::UNKNOWN_CA,
    );
}

#[test]
fn wrong_name() {
    let alg = KeyAlgorithm::EcdsaP384;
    let root = root(alg);
    let leaf = leaf(alg, &root);
    let v = server_verifier(&[&root.cert]);
    for name in [
        "other.qssl.example",
        "qssl.example",
        "sub.test.qssl.example",
        "127.0.0.2",
        "::1",
    ] {
        refused(
            v.verify_server_cert(
                &leaf.cert,
                &[],
                &ServerName::try_from(name).unwrap(),
                &[],
                at(NOW),
            ),
            CertificateError::NotValidForName,
            AlertDescription::BAD_CERTIFICATE,
        );
    }
    // Wildcards match one label.
    let wild = leaf_with(alg, &root, true, false, |p| {
        p.dns_names = vec!["*.qssl.example".into()];
    });
    v.verify_server_cert(&wild.cert, &[], &dns(), &[], at(NOW))
        .unwrap();
    refused(
        v.verify_server_cert(
            &wild.cert,
            &[],
            &ServerName::try_from("a.b.qssl.example").unwrap(),
            &[],
            at(NOW),
        ),
        CertificateError::NotValidForName,
        AlertDescription::BAD_CERTIFICATE,
    );
}

#[test]
fn leaf_used_as_ca() {
    let alg = KeyAlgorithm::Ed25519;
    let root = root(alg);
    let fake_ca = leaf(alg, &root);
    let mut p = pki::CertificateParams::new("", &[42], NOW - 60, NOW + 60);
    p.dns_names = vec![DNS_NAME.into()];
    let leaf = issue(alg, &p, &fake_ca);
    refused(
        server_verifier(&[&root.cert]).verify_server_cert(
            &leaf.cert,
            std::slice::from_ref(&fake_ca.cert),
            &dns(),
            &[],
            at(NOW),
        ),
        CertificateError::EndEntityUsedAsCa,
        AlertDescription::CERTIFICATE_UNKNOWN,
    );
}

#[test]
fn ca_used_as_leaf() {
    let alg = KeyAlgorithm::Ed25519;
    let root = root(alg);
    let int = intermediate(alg, &root);
    refused(
        server_verifier(&[&root.cert]).verify_server_cert(&int.cert, &[], &dns(), &[], at(NOW)),
        CertificateError::CaUsedAsEndEntity,
        AlertDescription::CERTIFICATE_UNKNOWN,
    );
}

#[test]
fn path_len_constraint() {
    let alg = KeyAlgorithm::Ed25519;
    let root = root(alg);
    // pathLen 0 on an intermediate: it may sign leaves only.
    let int1 = intermediate_with(alg, &root, Some(0));
    let int2 = intermediate(alg, &int1);
    let v = server_verifier(&[&root.cert]);
    v.verify_server_cert(
        &leaf(alg, &int1).cert,
        std::slice::from_ref(&int1.cert),
        &dns(),
        &[],
        at(NOW),
    )
    .unwrap();
    refused(
        v.verify_server_cert(
            &leaf(alg, &int2).cert,
            &[int2.cert.clone(), int1.cert.clone()],
            &dns(),
            &[],
            at(NOW),
        ),
        CertificateError::PathLenConstraintViolated,
        AlertDescription::CERTIFICATE_UNKNOWN,
    );
    // A trust anchor is only a subject and a key: its own pathLen is not enforced
    // (RFC 5280 §6.1.1 (d) leaves anchor constraints optional).
    let root0 = root_with(alg, Some(0));
    let int = intermediate(alg, &root0);
    server_verifier(&[&root0.cert])
        .verify_server_cert(
            &leaf(alg, &int).cert,
            std::slice::from_ref(&int.cert),
            &dns(),
            &[],
            at(NOW),
        )
        .unwrap();
}

#[test]
fn extended_key_usage() {
    let alg = KeyAlgorithm::EcdsaP256;
    let root = root(alg);
    let server_only = leaf_with(alg, &root, true, false, |_| {});
    let client_only = leaf_with(alg, &root, false, true, |_| {});
    let no_eku = leaf_with(alg, &root, false, false, |_| {});
    let server = server_verifier(&[&root.cert]);
    let client = client_verifier(&[&root.cert]);

    server
        .verify_server_cert(&server_only.cert, &[], &dns(), &[], at(NOW))
        .unwrap();
    client
        .verify_client_cert(&client_only.cert, &[], at(NOW))
        .unwrap();
    // A certificate without extKeyUsage is good for any purpose (RFC 5280 §4.2.1.12).
    server
        .verify_server_cert(&no_eku.cert, &[], &dns(), &[], at(NOW))
        .unwrap();
    client
        .verify_client_cert(&no_eku.cert, &[], at(NOW))
        .unwrap();

    refused(
        client.verify_client_cert(&server_only.cert, &[], at(NOW)),
        CertificateError::InvalidPurpose,
        AlertDescription::UNSUPPORTED_CERTIFICATE,
    );
    refused(
        server.verify_server_cert(&client_only.cert, &[], &dns(), &[], at(NOW)),
        CertificateError::InvalidPurpose,
        AlertDescription::UNSUPPORTED_CERTIFICATE,
    );
}

/// Flips the last byte of a certificate: the end of its signature BIT STRING.
fn tamper_signature(cert: &CertificateDer<'_>) -> CertificateDer<'static> {
    let mut der = cert.to_vec();
    let last = der.len() - 1;
    der[last] ^= 0x01;
    CertificateDer::from(der)
}

/// Changes one byte of the DNS name inside the TBSCertificate.
fn tamper_tbs(cert: &CertificateDer<'_>) -> CertificateDer<'static> {
    let mut der = cert.to_vec();
    let at = der
        .windows(DNS_NAME.len())
        .position(|w| w == DNS_NAME.as_bytes())
        .unwrap();
    der[at] = b'b';
    CertificateDer::from(der)
}

#[test]
fn tampered_signature() {
    for alg in ALGORITHMS {
        let root = root(alg);
        let int = intermediate(alg, &root);
        let leaf = leaf(alg, &int);
        let v = server_verifier(&[&root.cert]);
        for (what, leaf_cert, int_cert) in [
            (
                "leaf signature",
                tamper_signature(&leaf.cert),
                int.cert.clone(),
            ),
            ("leaf tbs", tamper_tbs(&leaf.cert), int.cert.clone()),
            (
                "intermediate signature",
                leaf.cert.clone(),
                tamper_signature(&int.cert),
            ),
        ] {
            let result = v.verify_server_cert(&leaf_cert, &[int_cert], &dns(), &[], at(NOW));
            assert_eq!(
                result,
                Err(CertificateError::BadSignature),
                "{alg:?} {what}"
            );
            assert_eq!(
                CertificateError::BadSignature.alert(),
                AlertDescription::BAD_CERTIFICATE
            );
        }
    }
}

#[test]
fn signature_algorithm_missing_from_the_provider() {
    let alg = KeyAlgorithm::MlDsa65;
    let root = root(alg);
    let leaf = leaf(alg, &root);
    let mut provider = default_provider();
    provider
        .signature_verifiers
        .retain(|v| !v.scheme().is_post_quantum());
    let v = WebPkiServerVerifier::new(roots(&[&root.cert]), &provider);
    refused(
        v.verify_server_cert(&leaf.cert, &[], &dns(), &[], at(NOW)),
        CertificateError::UnsupportedSignatureAlgorithm,
        AlertDescription::BAD_CERTIFICATE,
    );
}

#[test]
fn garbage_certificates() {
    let alg = KeyAlgorithm::Ed25519;
    let root = root(alg);
    let leaf = leaf(alg, &root);
    let v = server_verifier(&[&root.cert]);
    let truncated = CertificateDer::from(leaf.cert[..leaf.cert.len() - 10].to_vec());
    let mut trailing = leaf.cert.to_vec();
    trailing.push(0);
    for bad in [
        CertificateDer::from(Vec::new()),
        CertificateDer::from(vec![0x30, 0x00]),
        truncated,
        CertificateDer::from(trailing),
    ] {
        refused(
            v.verify_server_cert(&bad, &[], &dns(), &[], at(NOW)),
            CertificateError::BadEncoding,
            AlertDescription::BAD_CERTIFICATE,
        );
        refused(
            client_verifier(&[&root.cert]).verify_client_cert(&bad, &[], at(NOW)),
            CertificateError::BadEncoding,
            AlertDescription::BAD_CERTIFICATE,
        );
    }
    // A garbage intermediate: webpki reports the most specific error it met while
    // building paths, here the intermediate's encoding.
    refused(
        v.verify_server_cert(
            &leaf_with(alg, &intermediate(alg, &root), true, false, |_| {}).cert,
            &[CertificateDer::from(vec![0x30, 0x00])],
            &dns(),
            &[],
            at(NOW),
        ),
        CertificateError::BadEncoding,
        AlertDescription::BAD_CERTIFICATE,
    );
}

#[test]
fn ocsp_required() {
    let alg = KeyAlgorithm::Ed25519;
    let root = root(alg);
    let leaf = leaf(alg, &root);
    let v = server_verifier(&[&root.cert]).require_ocsp(true);
    refused(
        v.verify_server_cert(&leaf.cert, &[], &dns(), &[], at(NOW)),
        CertificateError::OcspResponseRequired,
        AlertDescription::BAD_CERTIFICATE_STATUS_RESPONSE,
    );
    // Present but not a usable response (successful, no responseBytes): refused
    // (tests/verify_ocsp.rs has the OpenSSL-made responses).
    refused(
        v.verify_server_cert(
            &leaf.cert,
            &[],
            &dns(),
            &[0x30, 0x03, 0x0a, 0x01, 0x00],
            at(NOW),
        ),
        CertificateError::OcspMalformed,
        AlertDescription::BAD_CERTIFICATE_STATUS_RESPONSE,
    );
    // A bad chain is reported as such, not as a missing OCSP response.
    refused(
        v.verify_server_cert(&leaf.cert, &[], &dns(), &[], at(NOW + VALID_AFTER + 1)),
        CertificateError::Expired,
        AlertDescription::CERTIFICATE_EXPIRED,
    );
    // Not required: no response is fine.
    server_verifier(&[&root.cert])
        .require_ocsp(false)
        .verify_server_cert(&leaf.cert, &[], &dns(), &[], at(NOW))
        .unwrap();
}

#[test]
fn client_verifier_hints_and_policy() {
    let a = root(KeyAlgorithm::Ed25519);
    let b = root(KeyAlgorithm::MlDsa44);
    let store = roots(&[&a.cert, &b.cert]);
    assert_eq!(store.len(), 2);
    let v = WebPkiClientVerifier::new(store.clone(), &default_provider(), false);
    assert!(!v.client_auth_mandatory());
    assert!(WebPkiClientVerifier::new(store, &default_provider(), true).client_auth_mandatory());
    let hints = v.root_hint_subjects();
    assert_eq!(hints.len(), 2);
    for (hint, root) in hints.iter().zip([&a, &b]) {
        // A complete DER Name, found verbatim in the root (as subject and issuer).
        assert_eq!(hint[0], 0x30);
        let found = root
            .cert
            .windows(hint.len())
            .filter(|w| *w == hint.as_slice())
            .count();
        assert_eq!(found, 2, "{hint:02x?}");
    }
    assert_ne!(hints[0], hints[1]);
}

#[test]
fn root_store_pem() {
    let a = root(KeyAlgorithm::Ed25519);
    let b = root(KeyAlgorithm::EcdsaP256);
    let pem = pki::Certificate {
        der: a.cert.to_vec(),
    }
    .to_pem()
        + &pki::Certificate {
            der: b.cert.to_vec(),
        }
        .to_pem();
    let mut store = RootCertStore::new();
    assert!(store.is_empty());
    assert_eq!(store.add_pem(&pem), Ok(2));
    assert_eq!(store.len(), 2);
    assert_eq!(
        store.add_pem("-----BEGIN CERTIFICATE-----\nMAA=\n-----END CERTIFICATE-----\n"),
        Err(CertificateError::BadEncoding)
    );
    assert_eq!(store.add_pem("not pem"), Err(CertificateError::BadEncoding));
    assert_eq!(store.len(), 2);
}

#[test]
fn no_server_verification_accepts_any_chain() {
    let v = NoServerVerification::new(&default_provider());
    let garbage = CertificateDer::from(vec![1, 2, 3]);
    let path = v
        .verify_server_cert(
            &garbage,
            &[],
            &ServerName::try_from("anything.example").unwrap(),
            &[],
            at(0),
        )
        .unwrap();
    // Nothing was verified, so nothing is claimed post-quantum.
    assert_eq!(path, VerifiedPath::unverified());
    assert!(!path.is_verified() && !path.is_post_quantum());
}

//! Stapled OCSP response validation (RFC 6960) with OpenSSL-made responses over an
//! OpenSSL-made PKI (tests/vectors/ocsp, see its README): each way a response can be
//! wrong is refused with its own `CertificateError` and alert, and the
//! `require_ocsp(false)` policy uses a valid "revoked" and ignores anything invalid.

mod verify_support;

use std::sync::Arc;

use qssl_alert::AlertDescription;
use qssl_crypto::pki;
use qssl_crypto::provider::default_provider;
use qssl_handshake::verify::{
    CertificateDer, CertificateError, OCSP_CLOCK_SKEW, OCSP_MAX_AGE_WITHOUT_NEXT_UPDATE,
    RootCertStore, ServerCertVerifier, ServerName, VerifiedPath, WebPkiServerVerifier,
};
use verify_support::at;

macro_rules! vector {
    ($name:literal) => {
        include_bytes!(concat!("vectors/ocsp/", $name))
    };
}

/// When make.sh ran: every response's thisUpdate (and producedAt) is a few seconds
/// after it.
fn made() -> u64 {
    include_str!("vectors/ocsp/generated-at.txt")
        .trim()
        .parse()
        .unwrap()
}

/// An hour after the responses were made: the certificates (2025-01-01 to
/// 2125-01-01) and the century-long responses are valid.
fn now() -> u64 {
    made() + 3600
}

fn cert(pem: &[u8]) -> CertificateDer<'static> {
    let pem = std::str::from_utf8(pem).unwrap();
    CertificateDer::from(pki::pem_certificates(pem).unwrap().remove(0))
}

fn verifier(require: bool) -> WebPkiServerVerifier {
    let mut roots = RootCertStore::new();
    roots
        .add(cert(vector!("root.pem")))
        .expect("root.pem is a certificate");
    WebPkiServerVerifier::new(Arc::new(roots), &default_provider()).require_ocsp(require)
}

fn name() -> ServerName<'static> {
    ServerName::try_from("ocsp.qssl.example").unwrap()
}

/// Verifies the leaf `leaf` (issued by the CA, sent with the CA certificate) with
/// the stapled `response` at `t`.
fn check(
    require: bool,
    leaf: &[u8],
    response: &[u8],
    t: u64,
) -> Result<VerifiedPath, CertificateError> {
    verifier(require).verify_server_cert(
        &cert(leaf),
        &[cert(vector!("ca.pem"))],
        &name(),
        response,
        at(t),
    )
}

const GOOD: &[u8] = vector!("good.pem");
const REVOKED: &[u8] = vector!("revoked.pem");
const UNKNOWN: &[u8] = vector!("unknown.pem");

#[track_caller]
fn accepted(result: Result<VerifiedPath, CertificateError>) {
    let path = result.unwrap();
    assert!(path.is_verified());
    assert!(path.ocsp_good(), "accepted without a good OCSP status");
}

#[track_caller]
fn refused(result: Result<VerifiedPath, CertificateError>, error: CertificateError) {
    assert_eq!(result, Err(error));
    let alert = if error == CertificateError::Revoked {
        AlertDescription::CERTIFICATE_REVOKED
    } else {
        AlertDescription::BAD_CERTIFICATE_STATUS_RESPONSE
    };
    assert_eq!(error.alert(), alert, "{error:?}");
}

#[test]
fn good_responses_are_accepted() {
    // Signed by the issuing CA (RSA, sha256WithRSAEncryption), SHA-1 CertID.
    accepted(check(true, GOOD, vector!("good.der"), now()));
    // SHA-256 CertID.
    accepted(check(true, GOOD, vector!("good-sha256.der"), now()));
    // A delegated responder (ECDSA), named by subject and by key hash.
    accepted(check(true, GOOD, vector!("delegated.der"), now()));
    accepted(check(true, GOOD, vector!("delegated-keyid.der"), now()));
    // Two SingleResponses: the one for this certificate counts.
    accepted(check(true, GOOD, vector!("two.der"), now()));
    // A leaf straight under the root, answered for by the root (ECDSA): the issuer
    // is then the trust anchor itself.
    let path = verifier(true)
        .verify_server_cert(
            &cert(vector!("direct.pem")),
            &[],
            &name(),
            vector!("direct.der"),
            at(now()),
        )
        .unwrap();
    assert!(path.ocsp_good());
}

#[test]
fn revoked_and_unknown() {
    refused(
        check(true, REVOKED, vector!("revoked.der"), now()),
        CertificateError::Revoked,
    );
    refused(
        check(true, REVOKED, vector!("two.der"), now()),
        CertificateError::Revoked,
    );
    refused(
        check(true, UNKNOWN, vector!("unknown.der"), now()),
        CertificateError::OcspStatusUnknown,
    );
}

#[test]
fn response_for_another_certificate() {
    // The good leaf's response stapled with the revoked leaf (another serial).
    refused(
        check(true, REVOKED, vector!("good.der"), now()),
        CertificateError::OcspWrongCertificate,
    );
    refused(
        check(true, UNKNOWN, vector!("revoked.der"), now()),
        CertificateError::OcspWrongCertificate,
    );
    // The CA's response for a leaf the root issued: the CA is no authority for its
    // own issuer's certificates (carried, it is a CA, not a delegated responder).
    let result = verifier(true).verify_server_cert(
        &cert(vector!("direct.pem")),
        &[],
        &name(),
        vector!("good.der"),
        at(now()),
    );
    refused(result, CertificateError::OcspUnauthorizedResponder);
}

#[test]
fn unauthorized_signers() {
    for (file, response) in [
        // The delegated responder's certificate left out of the response.
        ("delegated-nocerts", &vector!("delegated-nocerts.der")[..]),
        // Issued by the CA, but without id-kp-OCSPSigning.
        ("delegated-noeku", vector!("delegated-noeku.der")),
        // id-kp-OCSPSigning, but expired since 2025-06-01.
        ("delegated-expired", vector!("delegated-expired.der")),
        // Another CA signing for ours.
        ("wrong-issuer", vector!("wrong-issuer.der")),
        // A proper delegated responder of another CA.
        ("wrong-responder", vector!("wrong-responder.der")),
    ] {
        assert_eq!(
            check(true, GOOD, response, now()),
            Err(CertificateError::OcspUnauthorizedResponder),
            "{file}"
        );
    }
    refused(
        check(true, GOOD, vector!("delegated-noeku.der"), now()),
        CertificateError::OcspUnauthorizedResponder,
    );
}

#[test]
fn bad_signature_and_unsupported_algorithms() {
    // `openssl ocsp -badsig`: the last signature byte corrupted.
    refused(
        check(true, GOOD, vector!("bad-signature.der"), now()),
        CertificateError::OcspBadSignature,
    );
    // sha1WithRSAEncryption: no such verifier in the provider.
    refused(
        check(true, GOOD, vector!("sigalg-sha1.der"), now()),
        CertificateError::OcspUnsupportedAlgorithm,
    );
    // A CertID hashed with SHA-224.
    refused(
        check(true, GOOD, vector!("certid-sha224.der"), now()),
        CertificateError::OcspUnsupportedAlgorithm,
    );
    // The same good response with the PKCS#1 verifiers removed from the provider:
    // the chain itself (RSA PKCS#1 certificate signatures) is refused first.
    let mut provider = default_provider();
    provider
        .signature_verifiers
        .retain(|v| v.scheme().usable_in_tls13_handshake());
    let mut roots = RootCertStore::new();
    roots.add(cert(vector!("root.pem"))).unwrap();
    let v = WebPkiServerVerifier::new(Arc::new(roots), &provider).require_ocsp(true);
    assert_eq!(
        v.verify_server_cert(
            &cert(GOOD),
            &[cert(vector!("ca.pem"))],
            &name(),
            vector!("good.der"),
            at(now())
        ),
        Err(CertificateError::UnsupportedSignatureAlgorithm)
    );
}

#[test]
fn validity_window() {
    let t = made();
    let good = vector!("good.der");
    // thisUpdate is a few seconds after `made`: within the skew before it, too
    // early before that.
    accepted(check(true, GOOD, good, t + 1));
    accepted(check(true, GOOD, good, t + 60 - OCSP_CLOCK_SKEW));
    refused(
        check(true, GOOD, good, t - 3600),
        CertificateError::OcspNotYetValid,
    );
    // nextUpdate one minute after thisUpdate (`-nmin 1`): fine at first, expired
    // once past nextUpdate and the skew.
    let expired = vector!("expired.der");
    accepted(check(true, GOOD, expired, t + 30));
    refused(
        check(true, GOOD, expired, t + 3600),
        CertificateError::OcspExpired,
    );
    // No nextUpdate: accepted up to the maximum age.
    let open = vector!("no-next-update.der");
    accepted(check(true, GOOD, open, t + 3600));
    accepted(check(
        true,
        GOOD,
        open,
        t + OCSP_MAX_AGE_WITHOUT_NEXT_UPDATE - 3600,
    ));
    refused(
        check(
            true,
            GOOD,
            open,
            t + OCSP_MAX_AGE_WITHOUT_NEXT_UPDATE + 3600,
        ),
        CertificateError::OcspExpired,
    );
}

#[test]
fn unsuccessful_and_malformed() {
    // OpenSSL's answer to a request without a certificate: malformedRequest.
    let malformed_request = vector!("malformed-request.der");
    assert_eq!(malformed_request, &[0x30, 0x03, 0x0a, 0x01, 0x01]);
    refused(
        check(true, GOOD, malformed_request, now()),
        CertificateError::OcspUnsuccessful,
    );
    // The other OCSPResponseStatus values of RFC 6960 §4.2.1 (4 is not used).
    for status in [2u8, 3, 5, 6] {
        refused(
            check(true, GOOD, &[0x30, 0x03, 0x0a, 0x01, status], now()),
            CertificateError::OcspUnsuccessful,
        );
    }
    for bytes in [
        &[0x30, 0x03, 0x0a, 0x01, 0x04][..],
        // successful without responseBytes
        &[0x30, 0x03, 0x0a, 0x01, 0x00],
        &[0x30, 0x00],
        &[0x00],
        b"not an OCSP response",
    ] {
        refused(
            check(true, GOOD, bytes, now()),
            CertificateError::OcspMalformed,
        );
    }
    // Every truncation of a good response, and trailing data.
    let good = vector!("good.der");
    for cut in 1..good.len() {
        assert_eq!(
            check(true, GOOD, &good[..cut], now()),
            Err(CertificateError::OcspMalformed),
            "cut at {cut}"
        );
    }
    let mut long = good.to_vec();
    long.push(0);
    refused(
        check(true, GOOD, &long, now()),
        CertificateError::OcspMalformed,
    );
}

/// Every single-byte change to a response signed by the issuer is refused, except
/// inside the certificate it carries (not signed, and unused when the issuer signs).
#[test]
fn every_byte_flip_is_refused() {
    let good = vector!("good.der");
    let carried = cert(vector!("ca.pem"));
    let unsigned_tail = good.len() - carried.len();
    assert_eq!(&good[unsigned_tail..], carried.as_ref());
    let v = verifier(true);
    let leaf = cert(GOOD);
    let intermediates = [carried.clone()];
    for i in 0..good.len() {
        let mut bytes = good.to_vec();
        bytes[i] ^= 0x01;
        let result = v.verify_server_cert(&leaf, &intermediates, &name(), &bytes, at(now()));
        if i < unsigned_tail {
            let e = result.expect_err(&format!("flip at {i} accepted"));
            assert_eq!(
                e.alert(),
                AlertDescription::BAD_CERTIFICATE_STATUS_RESPONSE,
                "flip at {i}: {e:?}"
            );
        }
    }
}

/// Not required: a valid response is used (revoked refuses the connection), an
/// invalid one is ignored, as is no response.
#[test]
fn not_required_uses_valid_responses_only() {
    let path = check(false, GOOD, &[], now()).unwrap();
    assert!(path.is_verified() && !path.ocsp_good());
    accepted(check(false, GOOD, vector!("good.der"), now()));
    refused(
        check(false, REVOKED, vector!("revoked.der"), now()),
        CertificateError::Revoked,
    );
    for response in [
        &vector!("unknown.der")[..],
        vector!("bad-signature.der"),
        vector!("wrong-issuer.der"),
        vector!("malformed-request.der"),
        &[0x30, 0x03, 0x0a, 0x01, 0x00],
        b"garbage",
    ] {
        let path = check(false, GOOD, response, now()).unwrap();
        assert!(path.is_verified() && !path.ocsp_good());
    }
    // An expired response is not used either.
    let path = check(false, GOOD, vector!("expired.der"), made() + 3600).unwrap();
    assert!(!path.ocsp_good());
    // Required and absent.
    refused(
        check(true, GOOD, &[], now()),
        CertificateError::OcspResponseRequired,
    );
    // A bad chain is reported before the response is looked at.
    assert_eq!(
        verifier(true).verify_server_cert(
            &cert(GOOD),
            &[],
            &name(),
            vector!("good.der"),
            at(now())
        ),
        Err(CertificateError::UnknownIssuer)
    );
}

mod props {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(256))]

        /// Arbitrary bytes never pass and never panic; the alert is always
        /// bad_certificate_status_response.
        #[test]
        fn arbitrary_bytes_are_refused(bytes in proptest::collection::vec(any::<u8>(), 1..2048)) {
            let e = check(true, GOOD, &bytes, now()).unwrap_err();
            prop_assert_eq!(e.alert(), AlertDescription::BAD_CERTIFICATE_STATUS_RESPONSE);
        }

        /// Overwriting any run of the signed part of a good response with random bytes
        /// is refused.
        #[test]
        fn overwritten_runs_are_refused(
            start in 0usize..1000,
            junk in proptest::collection::vec(any::<u8>(), 1..64),
        ) {
            let good = vector!("good.der");
            let signed_end = good.len() - cert(vector!("ca.pem")).len();
            let start = start % signed_end;
            let mut bytes = good.to_vec();
            let end = (start + junk.len()).min(signed_end);
            bytes[start..end].copy_from_slice(&junk[..end - start]);
            prop_assume!(bytes != good);
            let e = check(true, GOOD, &bytes, now()).unwrap_err();
            prop_assert_eq!(e.alert(), AlertDescription::BAD_CERTIFICATE_STATUS_RESPONSE);
        }
    }
}

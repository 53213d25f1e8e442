//! Stapled OCSP response validation (RFC 6960 §3.2, §4.2; stapled per RFC 6066 §8
//! and RFC 8446 §4.4.2.1).
//!
//! A response counts for the end-entity certificate only if all of these hold, each
//! failure being its own [`CertificateError`]:
//!
//! 1. It is a DER `OCSPResponse` whose responseStatus is successful and whose
//!    responseBytes are an `id-pkix-ocsp-basic` `BasicOCSPResponse`
//!    ([`OcspMalformed`](CertificateError::OcspMalformed),
//!    [`OcspUnsuccessful`](CertificateError::OcspUnsuccessful)).
//! 2. It is signed by the certificate's issuer, or by a delegated responder: a
//!    certificate carried in the response, issued by that issuer, valid now, with
//!    extKeyUsage `id-kp-OCSPSigning` (§4.2.2.2). The responderID (name or SHA-1 key
//!    hash) picks the signer; the signature is checked with the provider's verifiers,
//!    so ML-DSA responses verify like certificates do
//!    ([`OcspUnauthorizedResponder`](CertificateError::OcspUnauthorizedResponder),
//!    [`OcspBadSignature`](CertificateError::OcspBadSignature),
//!    [`OcspUnsupportedAlgorithm`](CertificateError::OcspUnsupportedAlgorithm)).
//! 3. One of its SingleResponses names the certificate: CertID serialNumber,
//!    issuerNameHash (over the certificate's issuer field) and issuerKeyHash (over the
//!    issuer's subjectPublicKey), with the hash the CertID names: SHA-1, SHA-256,
//!    SHA-384 or SHA-512 ([`OcspWrongCertificate`](CertificateError::OcspWrongCertificate)).
//! 4. It is current: thisUpdate ≤ now + [`OCSP_CLOCK_SKEW`]
//!    ([`OcspNotYetValid`](CertificateError::OcspNotYetValid)), nextUpdate ≥ now −
//!    [`OCSP_CLOCK_SKEW`] when present, and without a nextUpdate, thisUpdate no older
//!    than [`OCSP_MAX_AGE_WITHOUT_NEXT_UPDATE`]
//!    ([`OcspExpired`](CertificateError::OcspExpired)).
//! 5. Its certStatus is good: revoked is [`Revoked`](CertificateError::Revoked)
//!    (certificate_revoked), unknown is
//!    [`OcspStatusUnknown`](CertificateError::OcspStatusUnknown).
//!
//! A critical extension other than the nonce, in the response or the matching
//! SingleResponse, makes the response malformed (§4.4: critical extensions that are
//! not understood are not ignored). Work is bounded: the response is bounded by the
//! Certificate message limit, each CertID is compared against hashes computed once,
//! and at most [`MAX_RESPONDER_CANDIDATES`] carried certificates are tried as the
//! delegated responder (one signature check each).

use der::asn1::{Any, BitString, GeneralizedTime, Null, ObjectIdentifier, OctetString};
use der::{Choice, Decode, Encode, Enumerated, Sequence, Tag, Tagged};
use qssl_crypto::sign::SignatureVerifier;
use rustls_pki_types::{CertificateDer, SignatureVerificationAlgorithm, TrustAnchor, UnixTime};
use sha1::Sha1;
use sha2::{Digest, Sha256, Sha384, Sha512};

use super::error::CertificateError;
use super::path::{cert_serial_and_issuer, cert_spki, spki_parts};
use super::roots::der_sequence;

/// How far thisUpdate may be in the future and nextUpdate in the past: the clocks
/// of the responder and of this side disagree a little (OpenSSL's default
/// `-validity_period` is the same five minutes).
pub const OCSP_CLOCK_SKEW: u64 = 5 * 60;

/// The age (since thisUpdate) past which a response without nextUpdate is refused
/// as stale. RFC 6960 leaves it to the client; seven days is within the ten days the
/// CA/Browser Forum Baseline Requirements (§4.9.10) allow a response to be valid.
pub const OCSP_MAX_AGE_WITHOUT_NEXT_UPDATE: u64 = 7 * 24 * 60 * 60;

/// How many certificates carried in a response are tried as its delegated
/// responder (those whose name or key matches the responderID).
pub const MAX_RESPONDER_CANDIDATES: usize = 4;

/// `id-pkix-ocsp-basic` (RFC 6960 §4.2.1).
const ID_PKIX_OCSP_BASIC: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.6.1.5.5.7.48.1.1");
/// `id-pkix-ocsp-nonce` (RFC 6960 §4.4.1), the one extension understood.
const ID_PKIX_OCSP_NONCE: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.6.1.5.5.7.48.1.2");
/// `id-kp-OCSPSigning` (1.3.6.1.5.5.7.3.9), DER value bytes as `webpki` takes them.
const ID_KP_OCSP_SIGNING: &[u8] = &[0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x03, 0x09];

const ID_SHA1: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.14.3.2.26");
const ID_SHA256: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.16.840.1.101.3.4.2.1");
const ID_SHA384: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.16.840.1.101.3.4.2.2");
const ID_SHA512: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.16.840.1.101.3.4.2.3");

// The ASN.1 of RFC 6960 §4.2.1 (module default EXPLICIT tags), as RustCrypto's
// `x509-ocsp` 0.2 declares it, for `der` 0.8: `x509-ocsp` has no release for the
// `der` 0.8 generation. Raw `Any` where the exact bytes matter (signed data,
// algorithm identifiers compared byte for byte as `webpki` does, names, serials).

#[derive(Sequence)]
struct OcspResponse {
    response_status: OcspResponseStatus,
    #[asn1(context_specific = "0", optional = "true", tag_mode = "EXPLICIT")]
    response_bytes: Option<ResponseBytes>,
}

/// `OCSPResponseStatus`; any other value does not decode (malformed).
#[derive(Enumerated, Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u32)]
enum OcspResponseStatus {
    Successful = 0,
    MalformedRequest = 1,
    InternalError = 2,
    TryLater = 3,
    SigRequired = 5,
    Unauthorized = 6,
}

#[derive(Sequence)]
struct ResponseBytes {
    response_type: ObjectIdentifier,
    response: OctetString,
}

#[derive(Sequence)]
struct BasicOcspResponse {
    /// `ResponseData`, kept as received: the signature covers these bytes.
    tbs_response_data: Any,
    /// `AlgorithmIdentifier`, compared as bytes with the verifiers' identifiers.
    signature_algorithm: Any,
    signature: BitString,
    #[asn1(context_specific = "0", optional = "true", tag_mode = "EXPLICIT")]
    certs: Option<Vec<Any>>,
}

// Fields that only have to decode (a v1 version, producedAt, the revocation time and
// reason) are never read.
#[derive(Sequence)]
struct ResponseData {
    #[asn1(
        context_specific = "0",
        default = "Default::default",
        tag_mode = "EXPLICIT"
    )]
    #[allow(dead_code)]
    version: Version,
    responder_id: ResponderId,
    #[allow(dead_code)]
    produced_at: GeneralizedTime,
    responses: Vec<SingleResponse>,
    #[asn1(context_specific = "1", optional = "true", tag_mode = "EXPLICIT")]
    response_extensions: Option<Vec<Extension>>,
}

/// Only v1 exists.
#[derive(Enumerated, Clone, Copy, Debug, Default, PartialEq, Eq)]
#[asn1(type = "INTEGER")]
#[repr(u8)]
enum Version {
    #[default]
    V1 = 0,
}

#[derive(Choice)]
enum ResponderId {
    /// The signer's subject Name (kept as bytes).
    #[asn1(context_specific = "1", tag_mode = "EXPLICIT", constructed = "true")]
    ByName(Any),
    /// SHA-1 of the signer's subjectPublicKey BIT STRING value.
    #[asn1(context_specific = "2", tag_mode = "EXPLICIT", constructed = "true")]
    ByKey(OctetString),
}

#[derive(Sequence)]
struct SingleResponse {
    cert_id: CertId,
    cert_status: CertStatus,
    this_update: GeneralizedTime,
    #[asn1(context_specific = "0", optional = "true", tag_mode = "EXPLICIT")]
    next_update: Option<GeneralizedTime>,
    #[asn1(context_specific = "1", optional = "true", tag_mode = "EXPLICIT")]
    single_extensions: Option<Vec<Extension>>,
}

#[derive(Sequence)]
struct CertId {
    hash_algorithm: AlgorithmIdentifier,
    issuer_name_hash: OctetString,
    issuer_key_hash: OctetString,
    /// `CertificateSerialNumber` (INTEGER), compared as encoded.
    serial_number: Any,
}

#[derive(Sequence)]
struct AlgorithmIdentifier {
    algorithm: ObjectIdentifier,
    parameters: Option<Any>,
}

#[derive(Choice)]
#[allow(dead_code)]
enum CertStatus {
    #[asn1(context_specific = "0", tag_mode = "IMPLICIT")]
    Good(Null),
    #[asn1(context_specific = "1", tag_mode = "IMPLICIT", constructed = "true")]
    Revoked(RevokedInfo),
    #[asn1(context_specific = "2", tag_mode = "IMPLICIT")]
    Unknown(Null),
}

#[derive(Sequence)]
#[allow(dead_code)]
struct RevokedInfo {
    revocation_time: GeneralizedTime,
    #[asn1(context_specific = "0", optional = "true", tag_mode = "EXPLICIT")]
    revocation_reason: Option<Any>,
}

#[derive(Sequence)]
struct Extension {
    extn_id: ObjectIdentifier,
    #[asn1(default = "Default::default")]
    critical: bool,
    extn_value: OctetString,
}

/// The certificate whose status is asked and what identifies it in a CertID.
struct Subject<'a> {
    /// `serialNumber` INTEGER contents.
    serial: &'a [u8],
    /// The complete DER `issuer` Name of the certificate (what issuerNameHash hashes).
    issuer_name: &'a [u8],
}

/// Validates `response` (a stapled `OCSPResponse`) for `end_entity`, whose issuer is
/// `issuer` (an intermediate made into an anchor, or the trust anchor itself), at
/// `now`. `Ok` only for a valid response that says good; see the module docs.
pub(super) fn check(
    response: &[u8],
    end_entity: &CertificateDer<'_>,
    issuer: &TrustAnchor<'_>,
    verifiers: &[&'static dyn SignatureVerifier],
    cert_algs: &[&'static dyn SignatureVerificationAlgorithm],
    now: UnixTime,
) -> Result<(), CertificateError> {
    use CertificateError as E;
    let outer = OcspResponse::from_der(response).map_err(|_| E::OcspMalformed)?;
    if outer.response_status != OcspResponseStatus::Successful {
        return Err(E::OcspUnsuccessful);
    }
    let bytes = outer.response_bytes.ok_or(E::OcspMalformed)?;
    if bytes.response_type != ID_PKIX_OCSP_BASIC {
        return Err(E::OcspMalformed);
    }
    let basic =
        BasicOcspResponse::from_der(bytes.response.as_bytes()).map_err(|_| E::OcspMalformed)?;
    let signed = basic
        .tbs_response_data
        .to_der()
        .map_err(|_| E::OcspMalformed)?;
    let data = ResponseData::from_der(&signed).map_err(|_| E::OcspMalformed)?;
    let signature = basic.signature.as_bytes().ok_or(E::OcspMalformed)?;
    if basic.signature_algorithm.tag() != Tag::Sequence {
        return Err(E::OcspMalformed);
    }
    let signature_alg = basic.signature_algorithm.value();
    if has_unknown_critical(data.response_extensions.as_deref()) {
        return Err(E::OcspMalformed);
    }

    // The signer: the issuer itself, else a delegated responder the response carries.
    let issuer_spki = der_sequence(issuer.subject_public_key_info.as_ref());
    if responder_matches(&data.responder_id, issuer.subject.as_ref(), &issuer_spki)? {
        verify_signed(verifiers, &issuer_spki, signature_alg, &signed, signature)?;
    } else {
        let certs: Vec<Vec<u8>> = basic
            .certs
            .iter()
            .flatten()
            .filter_map(|c| c.to_der().ok())
            .collect();
        let mut tried = 0;
        let mut verified = false;
        for der in &certs {
            let der = CertificateDer::from(der.as_slice());
            let Ok(cert) = webpki::EndEntityCert::try_from(&der) else {
                continue;
            };
            let spki = cert_spki(&der).map_err(|_| E::OcspMalformed)?;
            if !responder_matches(&data.responder_id, cert.subject(), &spki)
                .map_err(|_| E::OcspMalformed)?
            {
                continue;
            }
            if tried == MAX_RESPONDER_CANDIDATES {
                break;
            }
            tried += 1;
            // Issued by the issuer (name chaining and signature), valid now, for OCSP
            // signing (the extKeyUsage must be present and list id-kp-OCSPSigning).
            let anchors = [issuer.clone()];
            let authorized = cert.verify_for_usage(
                cert_algs,
                &anchors,
                &[],
                now,
                webpki::KeyUsage::required(ID_KP_OCSP_SIGNING),
                None,
                None,
            );
            if authorized.is_err() {
                continue;
            }
            verify_signed(verifiers, &spki, signature_alg, &signed, signature)?;
            verified = true;
            break;
        }
        if !verified {
            return Err(E::OcspUnauthorizedResponder);
        }
    }

    // Signed by an authority for this issuer: now what it says about our certificate.
    let (serial, issuer_name) = cert_serial_and_issuer(end_entity.as_ref())?;
    let subject = Subject {
        serial: &serial,
        issuer_name: &issuer_name,
    };
    let issuer_key = spki_public_key(&issuer_spki)?;
    let mut unsupported_hash = false;
    let single =
        data.responses.iter().find(
            |r| match cert_id_matches(&r.cert_id, &subject, issuer_key) {
                Some(matches) => matches,
                None => {
                    unsupported_hash = true;
                    false
                }
            },
        );
    let Some(single) = single else {
        return Err(if unsupported_hash {
            E::OcspUnsupportedAlgorithm
        } else {
            E::OcspWrongCertificate
        });
    };
    if has_unknown_critical(single.single_extensions.as_deref()) {
        return Err(E::OcspMalformed);
    }

    let now = now.as_secs();
    let this_update = single.this_update.to_unix_duration().as_secs();
    if this_update > now.saturating_add(OCSP_CLOCK_SKEW) {
        return Err(E::OcspNotYetValid);
    }
    match single.next_update {
        Some(next) => {
            if next
                .to_unix_duration()
                .as_secs()
                .saturating_add(OCSP_CLOCK_SKEW)
                < now
            {
                return Err(E::OcspExpired);
            }
        }
        None => {
            if this_update.saturating_add(OCSP_MAX_AGE_WITHOUT_NEXT_UPDATE) < now {
                return Err(E::OcspExpired);
            }
        }
    }
    match &single.cert_status {
        CertStatus::Good(_) => Ok(()),
        CertStatus::Revoked(_) => Err(E::Revoked),
        CertStatus::Unknown(_) => Err(E::OcspStatusUnknown),
    }
}

fn has_unknown_critical(extensions: Option<&[Extension]>) -> bool {
    extensions
        .unwrap_or_default()
        .iter()
        .any(|e| e.critical && e.extn_id != ID_PKIX_OCSP_NONCE)
}

/// Whether the responderID names the certificate with `subject` (Name contents, no
/// SEQUENCE header) and `spki` (complete DER SubjectPublicKeyInfo).
fn responder_matches(
    id: &ResponderId,
    subject: &[u8],
    spki: &[u8],
) -> Result<bool, CertificateError> {
    Ok(match id {
        ResponderId::ByName(name) => name.tag() == Tag::Sequence && name.value() == subject,
        ResponderId::ByKey(hash) => {
            Sha1::digest(spki_public_key(spki)?).as_slice() == hash.as_bytes()
        }
    })
}

/// Checks `signature` over `message` under `spki` with the provider verifier whose
/// identifiers match the signature algorithm and the key, as `webpki` picks them.
fn verify_signed(
    verifiers: &[&'static dyn SignatureVerifier],
    spki: &[u8],
    signature_alg: &[u8],
    message: &[u8],
    signature: &[u8],
) -> Result<(), CertificateError> {
    let (key_alg, _) = spki_parts(spki)?;
    let verifier = verifiers
        .iter()
        .find(|v| {
            v.signature_alg_id().as_ref() == signature_alg
                && v.public_key_alg_id().as_ref() == key_alg.as_slice()
        })
        .ok_or(CertificateError::OcspUnsupportedAlgorithm)?;
    verifier
        .verify(spki_public_key(spki)?, message, signature)
        .map_err(|_| CertificateError::OcspBadSignature)
}

/// `Some(matches)` for a CertID with a supported hash, `None` otherwise.
fn cert_id_matches(id: &CertId, subject: &Subject<'_>, issuer_key: &[u8]) -> Option<bool> {
    // Parameters are NULL or absent for the SHA-2 family and SHA-1 (RFC 5754 §2).
    let params_ok = match &id.hash_algorithm.parameters {
        None => true,
        Some(p) => p.tag() == Tag::Null && p.value().is_empty(),
    };
    let alg = id.hash_algorithm.algorithm;
    let (name_hash, key_hash): (Vec<u8>, Vec<u8>) = if alg == ID_SHA1 {
        (hash::<Sha1>(subject.issuer_name), hash::<Sha1>(issuer_key))
    } else if alg == ID_SHA256 {
        (
            hash::<Sha256>(subject.issuer_name),
            hash::<Sha256>(issuer_key),
        )
    } else if alg == ID_SHA384 {
        (
            hash::<Sha384>(subject.issuer_name),
            hash::<Sha384>(issuer_key),
        )
    } else if alg == ID_SHA512 {
        (
            hash::<Sha512>(subject.issuer_name),
            hash::<Sha512>(issuer_key),
        )
    } else {
        return None;
    };
    if !params_ok {
        return None;
    }
    Some(
        id.serial_number.tag() == Tag::Integer
            && id.serial_number.value() == subject.serial
            && id.issuer_name_hash.as_bytes() == name_hash.as_slice()
            && id.issuer_key_hash.as_bytes() == key_hash.as_slice(),
    )
}

fn hash<D: Digest>(data: &[u8]) -> Vec<u8> {
    D::digest(data).to_vec()
}

/// The subjectPublicKey bits (the BIT STRING value without its unused-bits octet,
/// which must be zero): what an issuerKeyHash and a byKey responderID hash.
fn spki_public_key(spki: &[u8]) -> Result<&[u8], CertificateError> {
    Ok(spki_parts(spki)?.1)
}

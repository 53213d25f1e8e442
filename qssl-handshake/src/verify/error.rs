//! [`CertificateError`], its alert, and the one mapping from `webpki::Error`.

use qssl_alert::AlertDescription;

/// Why a certificate (chain) or a handshake signature made with a certificate's key
/// was refused.
///
/// Small and `Copy` like the crate's other errors: the `webpki` context (times,
/// names, OIDs) is dropped, because an error value must not carry peer-chosen
/// allocations around. Every variant maps to exactly one alert through
/// [`CertificateError::alert`]:
///
/// | variant | alert | why |
/// | --- | --- | --- |
/// | `BadEncoding` | `bad_certificate` | RFC 8446 §6.2: "a certificate was corrupt" |
/// | `Expired`, `NotValidYet` | `certificate_expired` | "a certificate has expired or is not currently valid" |
/// | `UnknownIssuer` | `unknown_ca` | no path to a trust anchor |
/// | `NotValidForName` | `bad_certificate` | the certificate is fine, but not for this server (rustls, OpenSSL send the same) |
/// | `InvalidPurpose` | `unsupported_certificate` | extKeyUsage does not allow this use |
/// | `BadSignature` | `bad_certificate` | "contained signatures that did not verify" (a signature *in the chain*) |
/// | `UnsupportedSignatureAlgorithm` | `bad_certificate` | the chain is signed with an algorithm the provider does not offer |
/// | `UnsupportedCertVersion`, `UnsupportedCriticalExtension` | `unsupported_certificate` | "a certificate was of an unsupported type" |
/// | `Revoked` | `certificate_revoked` | a validated stapled OCSP response says revoked |
/// | `OcspResponseRequired` | `bad_certificate_status_response` | RFC 8446 §4.4.2.1 / RFC 6066 §8: the stapled status is missing and the policy requires it |
/// | `OcspMalformed`, `OcspUnsuccessful`, `OcspUnauthorizedResponder`, `OcspBadSignature`, `OcspUnsupportedAlgorithm`, `OcspWrongCertificate`, `OcspNotYetValid`, `OcspExpired`, `OcspStatusUnknown` | `bad_certificate_status_response` | RFC 8446 §6.2: "an invalid or unacceptable OCSP response" (a revoked status is `Revoked`) |
/// | `BadHandshakeSignature` | `decrypt_error` | RFC 8446 §4.4.3: a CertificateVerify that does not verify |
/// | `UnsupportedHandshakeSignatureScheme` | `illegal_parameter` | a CertificateVerify scheme not usable in TLS 1.3 or not offered (RFC 8446 §4.4.3; OpenSSL sends illegal_parameter) |
/// | `HandshakeSignatureKeyMismatch` | `illegal_parameter` | a CertificateVerify scheme that the certificate's key cannot make (RFC 8446 §4.4.3 "MUST be compatible with the key"; OpenSSL's wrong signature type / wrong curve) |
/// | every other variant | `certificate_unknown` | "some other (unspecified) issue" |
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, thiserror::Error)]
#[non_exhaustive]
pub enum CertificateError {
    /// A certificate (or a field inside it: a time, an extension, a name) did not decode.
    #[error("certificate encoding invalid")]
    BadEncoding,
    /// The time of validation is after a certificate's notAfter.
    #[error("certificate expired")]
    Expired,
    /// The time of validation is before a certificate's notBefore.
    #[error("certificate not valid yet")]
    NotValidYet,
    /// No path from the certificate to a trust anchor could be built.
    #[error("certificate issuer unknown")]
    UnknownIssuer,
    /// The end-entity certificate does not name the server (DNS or IP SAN).
    #[error("certificate not valid for the server name")]
    NotValidForName,
    /// The certificate's extKeyUsage does not allow this use (serverAuth / clientAuth).
    #[error("certificate not valid for this purpose")]
    InvalidPurpose,
    /// A signature in the chain did not verify.
    #[error("certificate signature invalid")]
    BadSignature,
    /// A certificate in the chain is signed with an algorithm the provider lacks, or
    /// with one that does not fit the issuer's key.
    #[error("certificate signature algorithm unsupported")]
    UnsupportedSignatureAlgorithm,
    /// A certificate is not X.509 v3.
    #[error("certificate version unsupported")]
    UnsupportedCertVersion,
    /// A certificate carries a critical extension that is not understood.
    #[error("certificate has an unsupported critical extension")]
    UnsupportedCriticalExtension,
    /// A CA certificate (basicConstraints cA TRUE) was presented as the end entity.
    #[error("CA certificate used as end entity")]
    CaUsedAsEndEntity,
    /// An end-entity certificate was used to issue another certificate.
    #[error("end-entity certificate used as CA")]
    EndEntityUsedAsCa,
    /// A basicConstraints pathLenConstraint was exceeded.
    #[error("path length constraint violated")]
    PathLenConstraintViolated,
    /// A name constraint of an issuer was violated.
    #[error("name constraint violated")]
    NameConstraintViolation,
    /// A key on the chain is explicitly distrusted by `webpki`.
    #[error("certificate key distrusted")]
    Distrusted,
    /// Path building gave up: too deep, or too many signatures or name comparisons
    /// (the bound that keeps a hostile chain from costing unbounded work).
    #[error("certificate path too complex")]
    PathTooComplex,
    /// The certificate, or one of its issuers, has been revoked.
    #[error("certificate revoked")]
    Revoked,
    /// The verifier requires a stapled OCSP response and the peer sent none.
    #[error("OCSP response required but none stapled")]
    OcspResponseRequired,
    /// The stapled OCSP response is not a DER `OCSPResponse` carrying a
    /// `BasicOCSPResponse`, or carries a critical extension that is not understood.
    #[error("OCSP response malformed")]
    OcspMalformed,
    /// The OCSP responseStatus is not successful (malformedRequest, internalError,
    /// tryLater, sigRequired, unauthorized): the response holds no status.
    #[error("OCSP response status not successful")]
    OcspUnsuccessful,
    /// The OCSP response is signed neither by the certificate's issuer nor by a
    /// delegated responder (a certificate in the response, issued by the issuer, valid
    /// now, with extKeyUsage id-kp-OCSPSigning).
    #[error("OCSP response signer not authorized for this certificate")]
    OcspUnauthorizedResponder,
    /// The OCSP response signature does not verify under its signer's key.
    #[error("OCSP response signature invalid")]
    OcspBadSignature,
    /// The OCSP response is signed with an algorithm the provider lacks (or that does
    /// not fit the signer's key), or identifies certificates with an unsupported hash.
    #[error("OCSP response algorithm unsupported")]
    OcspUnsupportedAlgorithm,
    /// No SingleResponse in the OCSP response is about this certificate (serial
    /// number, issuer name hash, issuer key hash).
    #[error("OCSP response is for another certificate")]
    OcspWrongCertificate,
    /// The OCSP response's thisUpdate is in the future (beyond the allowed clock skew).
    #[error("OCSP response not valid yet")]
    OcspNotYetValid,
    /// The OCSP response's nextUpdate has passed, or without a nextUpdate its
    /// thisUpdate is older than the maximum age.
    #[error("OCSP response expired")]
    OcspExpired,
    /// The OCSP responder does not know the certificate (certStatus unknown).
    #[error("OCSP responder does not know the certificate")]
    OcspStatusUnknown,
    /// A TLS 1.3 CertificateVerify signature did not verify.
    #[error("handshake signature invalid")]
    BadHandshakeSignature,
    /// A CertificateVerify used a scheme that TLS 1.3 forbids there (PKCS#1 v1.5),
    /// that Q-SSL does not know, or that the provider does not offer.
    #[error("handshake signature scheme not supported")]
    UnsupportedHandshakeSignatureScheme,
    /// A CertificateVerify used a scheme the certificate's key cannot make (e.g.
    /// `ecdsa_secp256r1_sha256` with a P-384 key).
    #[error("handshake signature scheme does not match the certificate key")]
    HandshakeSignatureKeyMismatch,
    /// An application-level check (outside this module) refused the certificate.
    #[error("certificate refused by the application")]
    ApplicationVerificationFailure,
    /// Any other reason (a `webpki` error with no closer match).
    #[error("certificate invalid")]
    Other,
}

impl CertificateError {
    /// The alert the peer is sent for this error: see the table on the type.
    pub fn alert(&self) -> AlertDescription {
        match self {
            Self::BadEncoding
            | Self::NotValidForName
            | Self::BadSignature
            | Self::UnsupportedSignatureAlgorithm => AlertDescription::BAD_CERTIFICATE,
            Self::Expired | Self::NotValidYet => AlertDescription::CERTIFICATE_EXPIRED,
            Self::UnknownIssuer => AlertDescription::UNKNOWN_CA,
            Self::InvalidPurpose
            | Self::UnsupportedCertVersion
            | Self::UnsupportedCriticalExtension => AlertDescription::UNSUPPORTED_CERTIFICATE,
            Self::Revoked => AlertDescription::CERTIFICATE_REVOKED,
            Self::OcspResponseRequired
            | Self::OcspMalformed
            | Self::OcspUnsuccessful
            | Self::OcspUnauthorizedResponder
            | Self::OcspBadSignature
            | Self::OcspUnsupportedAlgorithm
            | Self::OcspWrongCertificate
            | Self::OcspNotYetValid
            | Self::OcspExpired
            | Self::OcspStatusUnknown => AlertDescription::BAD_CERTIFICATE_STATUS_RESPONSE,
            Self::BadHandshakeSignature => AlertDescription::DECRYPT_ERROR,
            Self::UnsupportedHandshakeSignatureScheme | Self::HandshakeSignatureKeyMismatch => {
                AlertDescription::ILLEGAL_PARAMETER
            }
            Self::CaUsedAsEndEntity
            | Self::EndEntityUsedAsCa
            | Self::PathLenConstraintViolated
            | Self::NameConstraintViolation
            | Self::Distrusted
            | Self::PathTooComplex
            | Self::ApplicationVerificationFailure
            | Self::Other => AlertDescription::CERTIFICATE_UNKNOWN,
        }
    }
}

/// The one mapping from a `webpki` path-validation or name error to ours.
///
/// Every variant of `webpki::Error` 0.103 is listed; `webpki::Error` is
/// `#[non_exhaustive]`, so a variant added by a later 0.103.x lands in
/// [`CertificateError::Other`]. CRL errors cannot arise today (no CRLs are passed to
/// `webpki`) but are mapped all the same.
#[allow(deprecated)] // the deprecated variants are still produced by some 0.103 paths
pub(crate) fn from_webpki(error: webpki::Error) -> CertificateError {
    use CertificateError as C;
    use webpki::Error as W;
    match error {
        W::BadDer
        | W::BadDerTime
        | W::TrailingData(_)
        | W::MalformedExtensions
        | W::ExtensionValueInvalid
        | W::InvalidSerialNumber
        | W::InvalidCertValidity
        | W::MalformedDnsIdentifier
        | W::MalformedNameConstraint
        | W::InvalidNetworkMaskConstraint
        | W::SignatureAlgorithmMismatch => C::BadEncoding,
        W::CertExpired { .. } => C::Expired,
        W::CertNotValidYet { .. } => C::NotValidYet,
        W::UnknownIssuer => C::UnknownIssuer,
        W::CertNotValidForName(_) | W::UnsupportedNameType => C::NotValidForName,
        W::RequiredEkuNotFound | W::RequiredEkuNotFoundContext(_) | W::EmptyEkuExtension => {
            C::InvalidPurpose
        }
        W::InvalidSignatureForPublicKey => C::BadSignature,
        W::UnsupportedSignatureAlgorithm
        | W::UnsupportedSignatureAlgorithmContext(_)
        | W::UnsupportedSignatureAlgorithmForPublicKey
        | W::UnsupportedSignatureAlgorithmForPublicKeyContext(_) => {
            C::UnsupportedSignatureAlgorithm
        }
        W::UnsupportedCertVersion => C::UnsupportedCertVersion,
        W::UnsupportedCriticalExtension => C::UnsupportedCriticalExtension,
        W::CaUsedAsEndEntity => C::CaUsedAsEndEntity,
        W::EndEntityUsedAsCa => C::EndEntityUsedAsCa,
        W::PathLenConstraintViolated => C::PathLenConstraintViolated,
        W::NameConstraintViolation => C::NameConstraintViolation,
        W::CertDistrusted => C::Distrusted,
        W::MaximumPathDepthExceeded
        | W::MaximumSignatureChecksExceeded
        | W::MaximumPathBuildCallsExceeded
        | W::MaximumNameConstraintComparisonsExceeded => C::PathTooComplex,
        W::CertRevoked => C::Revoked,
        W::UnknownRevocationStatus
        | W::CrlExpired { .. }
        | W::InvalidCrlNumber
        | W::InvalidCrlSignatureForPublicKey
        | W::IssuerNotCrlSigner
        | W::UnsupportedCrlIssuingDistributionPoint
        | W::UnsupportedCrlVersion
        | W::UnsupportedDeltaCrl
        | W::UnsupportedIndirectCrl
        | W::UnsupportedRevocationReason
        | W::UnsupportedRevocationReasonsPartitioning
        | W::UnsupportedCrlSignatureAlgorithm
        | W::UnsupportedCrlSignatureAlgorithmContext(_)
        | W::UnsupportedCrlSignatureAlgorithmForPublicKey
        | W::UnsupportedCrlSignatureAlgorithmForPublicKeyContext(_) => C::Other,
        _ => C::Other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use CertificateError as C;
    use webpki::Error as W;

    #[test]
    fn alert_table() {
        let cases = [
            (C::BadEncoding, AlertDescription::BAD_CERTIFICATE),
            (C::Expired, AlertDescription::CERTIFICATE_EXPIRED),
            (C::NotValidYet, AlertDescription::CERTIFICATE_EXPIRED),
            (C::UnknownIssuer, AlertDescription::UNKNOWN_CA),
            (C::NotValidForName, AlertDescription::BAD_CERTIFICATE),
            (C::InvalidPurpose, AlertDescription::UNSUPPORTED_CERTIFICATE),
            (C::BadSignature, AlertDescription::BAD_CERTIFICATE),
            (
                C::UnsupportedSignatureAlgorithm,
                AlertDescription::BAD_CERTIFICATE,
            ),
            (
                C::UnsupportedCertVersion,
                AlertDescription::UNSUPPORTED_CERTIFICATE,
            ),
            (
                C::UnsupportedCriticalExtension,
                AlertDescription::UNSUPPORTED_CERTIFICATE,
            ),
            (C::CaUsedAsEndEntity, AlertDescription::CERTIFICATE_UNKNOWN),
            (C::EndEntityUsedAsCa, AlertDescription::CERTIFICATE_UNKNOWN),
            (
                C::PathLenConstraintViolated,
                AlertDescription::CERTIFICATE_UNKNOWN,
            ),
            (
                C::NameConstraintViolation,
                AlertDescription::CERTIFICATE_UNKNOWN,
            ),
            (C::Distrusted, AlertDescription::CERTIFICATE_UNKNOWN),
            (C::PathTooComplex, AlertDescription::CERTIFICATE_UNKNOWN),
            (C::Revoked, AlertDescription::CERTIFICATE_REVOKED),
            (
                C::OcspResponseRequired,
                AlertDescription::BAD_CERTIFICATE_STATUS_RESPONSE,
            ),
            (
                C::OcspMalformed,
                AlertDescription::BAD_CERTIFICATE_STATUS_RESPONSE,
            ),
            (
                C::OcspUnsuccessful,
                AlertDescription::BAD_CERTIFICATE_STATUS_RESPONSE,
            ),
            (
                C::OcspUnauthorizedResponder,
                AlertDescription::BAD_CERTIFICATE_STATUS_RESPONSE,
            ),
            (
                C::OcspBadSignature,
                AlertDescription::BAD_CERTIFICATE_STATUS_RESPONSE,
            ),
            (
                C::OcspUnsupportedAlgorithm,
                AlertDescription::BAD_CERTIFICATE_STATUS_RESPONSE,
            ),
            (
                C::OcspWrongCertificate,
                AlertDescription::BAD_CERTIFICATE_STATUS_RESPONSE,
            ),
            (
                C::OcspNotYetValid,
                AlertDescription::BAD_CERTIFICATE_STATUS_RESPONSE,
            ),
            (
                C::OcspExpired,
                AlertDescription::BAD_CERTIFICATE_STATUS_RESPONSE,
            ),
            (
                C::OcspStatusUnknown,
                AlertDescription::BAD_CERTIFICATE_STATUS_RESPONSE,
            ),
            (C::BadHandshakeSignature, AlertDescription::DECRYPT_ERROR),
            (
                C::UnsupportedHandshakeSignatureScheme,
                AlertDescription::ILLEGAL_PARAMETER,
            ),
            (
                C::HandshakeSignatureKeyMismatch,
                AlertDescription::ILLEGAL_PARAMETER,
            ),
            (
                C::ApplicationVerificationFailure,
                AlertDescription::CERTIFICATE_UNKNOWN,
            ),
            (C::Other, AlertDescription::CERTIFICATE_UNKNOWN),
        ];
        for (e, a) in cases {
            assert_eq!(e.alert(), a, "{e:?}");
        }
    }

    #[test]
    #[allow(deprecated)]
    fn webpki_mapping() {
        let t = rustls_pki_types::UnixTime::since_unix_epoch(core::time::Duration::from_secs(1));
        let cases = [
            (W::BadDer, C::BadEncoding),
            (W::BadDerTime, C::BadEncoding),
            (W::MalformedExtensions, C::BadEncoding),
            (W::ExtensionValueInvalid, C::BadEncoding),
            (W::InvalidSerialNumber, C::BadEncoding),
            (W::InvalidCertValidity, C::BadEncoding),
            (W::MalformedDnsIdentifier, C::BadEncoding),
            (W::SignatureAlgorithmMismatch, C::BadEncoding),
            (
                W::CertExpired {
                    time: t,
                    not_after: t,
                },
                C::Expired,
            ),
            (
                W::CertNotValidYet {
                    time: t,
                    not_before: t,
                },
                C::NotValidYet,
            ),
            (W::UnknownIssuer, C::UnknownIssuer),
            (W::UnsupportedNameType, C::NotValidForName),
            (W::RequiredEkuNotFound, C::InvalidPurpose),
            (W::EmptyEkuExtension, C::InvalidPurpose),
            (W::InvalidSignatureForPublicKey, C::BadSignature),
            (
                W::UnsupportedSignatureAlgorithm,
                C::UnsupportedSignatureAlgorithm,
            ),
            (
                W::UnsupportedSignatureAlgorithmForPublicKey,
                C::UnsupportedSignatureAlgorithm,
            ),
            (W::UnsupportedCertVersion, C::UnsupportedCertVersion),
            (
                W::UnsupportedCriticalExtension,
                C::UnsupportedCriticalExtension,
            ),
            (W::CaUsedAsEndEntity, C::CaUsedAsEndEntity),
            (W::EndEntityUsedAsCa, C::EndEntityUsedAsCa),
            (W::PathLenConstraintViolated, C::PathLenConstraintViolated),
            (W::NameConstraintViolation, C::NameConstraintViolation),
            (W::CertDistrusted, C::Distrusted),
            (W::MaximumPathDepthExceeded, C::PathTooComplex),
            (W::MaximumSignatureChecksExceeded, C::PathTooComplex),
            (W::MaximumPathBuildCallsExceeded, C::PathTooComplex),
            (
                W::MaximumNameConstraintComparisonsExceeded,
                C::PathTooComplex,
            ),
            (W::CertRevoked, C::Revoked),
            (W::UnknownRevocationStatus, C::Other),
            (W::IssuerNotCrlSigner, C::Other),
        ];
        for (w, c) in cases {
            assert_eq!(from_webpki(w.clone()), c, "{w:?}");
        }
    }
}

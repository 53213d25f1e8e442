//! Reading the algorithm fields of a certificate someone else made, to decide which
//! chain a peer can verify before sending it (RFC 8446 §4.2.3
//! signature_algorithms_cert) and to describe a verified path.

use der::{Decode, Encode};
use x509_cert::Certificate;
use x509_cert::spki::AlgorithmIdentifierOwned;

use super::PkiError;

/// The algorithm fields of one certificate, as DER *contents* of each
/// AlgorithmIdentifier SEQUENCE (OID, then parameters if present): the form
/// rustls-pki-types' `AlgorithmIdentifier` and the provider's verifiers use
/// (`SignatureVerifier::signature_alg_id` / `public_key_alg_id`), so matching a
/// certificate to a verifier is a byte comparison.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CertificateAlgorithms {
    /// How the issuer signed this certificate (`Certificate.signatureAlgorithm`).
    pub signature: Vec<u8>,
    /// The subject key's algorithm (`subjectPublicKeyInfo.algorithm`): what this
    /// certificate's own signatures on the certificates below it are made with.
    pub public_key: Vec<u8>,
    /// Subject and issuer names are equal: a root (or another self-issued
    /// certificate), whose own signature a relying party does not check.
    pub self_issued: bool,
    /// The DER issuer Name, as a peer lists it in certificate_authorities
    /// (RFC 8446 §4.2.4).
    pub issuer: Vec<u8>,
}

/// Reads [`CertificateAlgorithms`] from a DER certificate.
pub fn certificate_algorithms(cert_der: &[u8]) -> Result<CertificateAlgorithms, PkiError> {
    let cert = Certificate::from_der(cert_der).map_err(|_| PkiError::InvalidCertificate)?;
    let tbs = cert.tbs_certificate();
    Ok(CertificateAlgorithms {
        signature: algorithm_contents(cert.signature_algorithm())?,
        public_key: algorithm_contents(&tbs.subject_public_key_info().algorithm)?,
        self_issued: tbs.subject() == tbs.issuer(),
        issuer: tbs
            .issuer()
            .to_der()
            .map_err(|_| PkiError::InvalidCertificate)?,
    })
}

fn algorithm_contents(alg: &AlgorithmIdentifierOwned) -> Result<Vec<u8>, PkiError> {
    let mut out = alg.oid.to_der().map_err(|_| PkiError::InvalidCertificate)?;
    if let Some(params) = &alg.parameters {
        out.extend(params.to_der().map_err(|_| PkiError::InvalidCertificate)?);
    }
    Ok(out)
}

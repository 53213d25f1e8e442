//! [`VerifiedPath`]: what a certificate verifier verified, link by link.
//!
//! Post-quantum authentication is only as strong as the weakest signature a forger
//! has to make: an ML-DSA leaf under an ECDSA CA is impersonated by forging the
//! CA's ECDSA signature over a certificate for the attacker's own ML-DSA key. So
//! the handshake reports post-quantum authentication from the verified path (every
//! certificate signature from the leaf up to the one the trust anchor's key made)
//! together with the CertificateVerify, never from the CertificateVerify alone.

use qssl_crypto::ids::SignatureScheme;
use qssl_crypto::sign::SignatureVerifier;
use rustls_pki_types::{CertificateDer, TrustAnchor};

use super::error::CertificateError;

/// One certificate signature on a verified path.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct PathSignature {
    certificate: usize,
    scheme: SignatureScheme,
}

impl PathSignature {
    /// The signature on the certificate at position `certificate` of the peer's
    /// Certificate message (0 = end entity), made with `scheme`.
    pub fn new(certificate: usize, scheme: SignatureScheme) -> Self {
        Self {
            certificate,
            scheme,
        }
    }

    /// Where the signed certificate is in the chain the peer sent (0 = end entity).
    /// Path building may skip or reorder the intermediates the peer sent, so this is
    /// not always the link's position in the path.
    pub fn certificate(&self) -> usize {
        self.certificate
    }

    /// The signature algorithm, named by the scheme of the provider verifier that
    /// checked it (`rsa_pkcs1_*` for RSA PKCS#1 v1.5 certificate signatures, which
    /// TLS 1.3 allows in certificates but not in CertificateVerify).
    pub fn scheme(&self) -> SignatureScheme {
        self.scheme
    }

    /// Whether this signature resists a quantum adversary (ML-DSA).
    pub fn is_post_quantum(&self) -> bool {
        self.scheme.is_post_quantum()
    }
}

/// What a [`ServerCertVerifier`](super::ServerCertVerifier) or
/// [`ClientCertVerifier`](super::ClientCertVerifier) verified: the certificate
/// signatures of the path it built, end entity first, up to the signature made by
/// the trust anchor's key. The anchor itself is trusted by configuration, so its
/// own (self-)signature is not a link.
///
/// [`VerifiedPath::unverified`] (no links) says that nothing was verified: a custom
/// verifier that accepted the chain on its own terms, such as
/// [`danger::NoServerVerification`](super::danger::NoServerVerification). Such a
/// path is never post-quantum.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct VerifiedPath {
    signatures: Vec<PathSignature>,
    ocsp_good: bool,
}

impl VerifiedPath {
    /// Nothing was verified.
    pub fn unverified() -> Self {
        Self::default()
    }

    /// A path whose certificate `signatures` (end entity first, the last made by a
    /// trust anchor's key) the caller has verified. A custom verifier that does its
    /// own path validation may return one; it is reported as given.
    pub fn new(signatures: Vec<PathSignature>) -> Self {
        Self {
            signatures,
            ocsp_good: false,
        }
    }

    /// The same path, with a stapled OCSP response for the end entity validated and
    /// saying good.
    pub fn with_ocsp_good(mut self) -> Self {
        self.ocsp_good = true;
        self
    }

    /// Whether a stapled OCSP response was validated for the end entity (signed by
    /// its issuer or a delegated responder, about this certificate, current) and
    /// says good. False when none was stapled, and when one was stapled but not
    /// required and failed validation (it is then ignored).
    pub fn ocsp_good(&self) -> bool {
        self.ocsp_good
    }

    /// Whether a path to a trust anchor was verified.
    pub fn is_verified(&self) -> bool {
        !self.signatures.is_empty()
    }

    /// The certificate signatures, end entity first; empty if nothing was verified.
    pub fn signatures(&self) -> &[PathSignature] {
        &self.signatures
    }

    /// Whether the path was verified and every signature on it is post-quantum
    /// (ML-DSA). The peer's authentication is post-quantum when this holds and its
    /// CertificateVerify is post-quantum too.
    pub fn is_post_quantum(&self) -> bool {
        self.is_verified() && self.signatures.iter().all(PathSignature::is_post_quantum)
    }
}

/// Names the signatures of the path `webpki` verified.
///
/// `webpki` checks each signature with the first provider verifier whose signature
/// algorithm identifier equals the certificate's `signatureAlgorithm` and whose
/// public key algorithm identifier equals the issuer's; this finds the same one
/// the same way, so the scheme named is the one that actually verified.
pub(super) fn describe(
    verifiers: &[&'static dyn SignatureVerifier],
    end_entity: &CertificateDer<'_>,
    intermediates: &[CertificateDer<'_>],
    path: &webpki::VerifiedPath<'_>,
) -> Result<VerifiedPath, CertificateError> {
    // (position in the peer's chain, certificate DER), end entity first.
    let mut certs: Vec<(usize, &[u8])> = vec![(0, end_entity.as_ref())];
    for cert in path.intermediate_certificates() {
        let der = cert.der();
        let position = intermediates
            .iter()
            .position(|c| c.as_ref() == der.as_ref())
            .ok_or(CertificateError::Other)?;
        certs.push((position + 1, &intermediates[position]));
    }
    let mut signatures = Vec::with_capacity(certs.len());
    for (i, &(position, der)) in certs.iter().enumerate() {
        let issuer_spki_alg = match certs.get(i + 1) {
            Some(&(_, issuer)) => spki_algorithm(cert_spki(issuer)?)?,
            None => anchor_spki_algorithm(path.anchor())?,
        };
        let signature_alg = cert_signature_algorithm(der)?;
        let scheme = verifiers
            .iter()
            .find(|v| {
                v.signature_alg_id().as_ref() == signature_alg
                    && v.public_key_alg_id().as_ref() == issuer_spki_alg
            })
            .map(|v| v.scheme())
            .ok_or(CertificateError::UnsupportedSignatureAlgorithm)?;
        signatures.push(PathSignature::new(position, scheme));
    }
    Ok(VerifiedPath::new(signatures))
}

/// One DER TLV off the front of `input`: `(tag, contents, rest)`. Single-byte tags
/// and definite lengths of up to four bytes, which is all X.509 needs here.
pub(super) fn der_tlv(input: &[u8]) -> Option<(u8, &[u8], &[u8])> {
    let (&tag, rest) = input.split_first()?;
    let (&first, rest) = rest.split_first()?;
    let (len, rest) = if first < 0x80 {
        (usize::from(first), rest)
    } else {
        let n = usize::from(first & 0x7f);
        if n == 0 || n > 4 || rest.len() < n {
            return None;
        }
        let (bytes, rest) = rest.split_at(n);
        let len = bytes
            .iter()
            .fold(0usize, |acc, b| (acc << 8) | usize::from(*b));
        (len, rest)
    };
    if rest.len() < len {
        return None;
    }
    let (contents, rest) = rest.split_at(len);
    Some((tag, contents, rest))
}

const SEQUENCE: u8 = 0x30;

/// The contents of the DER SEQUENCE that is the whole of `input`.
fn sequence(input: &[u8]) -> Result<&[u8], CertificateError> {
    match der_tlv(input) {
        Some((SEQUENCE, contents, [])) => Ok(contents),
        _ => Err(CertificateError::BadEncoding),
    }
}

/// `(whole element, its contents, what follows it)`.
type Element<'a> = (&'a [u8], &'a [u8], &'a [u8]);

/// The next element of a SEQUENCE's contents, which must be a SEQUENCE.
fn next_sequence(input: &[u8]) -> Result<Element<'_>, CertificateError> {
    match der_tlv(input) {
        Some((SEQUENCE, contents, rest)) => {
            Ok((&input[..input.len() - rest.len()], contents, rest))
        }
        _ => Err(CertificateError::BadEncoding),
    }
}

/// `Certificate ::= SEQUENCE { tbsCertificate, signatureAlgorithm, signatureValue }`:
/// the contents of `signatureAlgorithm`.
fn cert_signature_algorithm(cert: &[u8]) -> Result<&[u8], CertificateError> {
    let (_, _, rest) = next_sequence(sequence(cert)?)?;
    let (_, alg, _) = next_sequence(rest)?;
    Ok(alg)
}

/// The complete `subjectPublicKeyInfo` of a certificate (version `[0]`, serial,
/// signature, issuer, validity, subject come before it in the TBSCertificate).
pub(super) fn cert_spki(cert: &[u8]) -> Result<&[u8], CertificateError> {
    let (_, tbs, _) = next_sequence(sequence(cert)?)?;
    let mut rest = tbs;
    // Skip version ([0] EXPLICIT, present in v3) and serialNumber (INTEGER).
    let (tag, _, after) = der_tlv(rest).ok_or(CertificateError::BadEncoding)?;
    rest = after;
    if tag == 0xa0 {
        let (_, _, after) = der_tlv(rest).ok_or(CertificateError::BadEncoding)?;
        rest = after;
    }
    // signature, issuer, validity, subject: four SEQUENCEs.
    for _ in 0..4 {
        let (_, _, after) = next_sequence(rest)?;
        rest = after;
    }
    let (spki, _, _) = next_sequence(rest)?;
    Ok(spki)
}

/// The `serialNumber` INTEGER contents and the complete DER `issuer` Name of a
/// certificate: what an OCSP CertID identifies it by.
pub(super) fn cert_serial_and_issuer(cert: &[u8]) -> Result<(&[u8], &[u8]), CertificateError> {
    let bad = CertificateError::BadEncoding;
    let (_, tbs, _) = next_sequence(sequence(cert)?)?;
    let (mut tag, mut serial, mut rest) = der_tlv(tbs).ok_or(bad)?;
    if tag == 0xa0 {
        (tag, serial, rest) = der_tlv(rest).ok_or(bad)?;
    }
    if tag != 0x02 {
        return Err(bad);
    }
    let (_, _, rest) = next_sequence(rest)?; // signature
    let (issuer, _, _) = next_sequence(rest)?;
    Ok((serial, issuer))
}

/// The contents of the `algorithm` of a complete DER `SubjectPublicKeyInfo`.
fn spki_algorithm(spki: &[u8]) -> Result<&[u8], CertificateError> {
    let (_, alg, _) = next_sequence(sequence(spki)?)?;
    Ok(alg)
}

/// `webpki` keeps an anchor's SPKI without its SEQUENCE header.
fn anchor_spki_algorithm<'a>(anchor: &'a TrustAnchor<'_>) -> Result<&'a [u8], CertificateError> {
    let (_, alg, _) = next_sequence(anchor.subject_public_key_info.as_ref())?;
    Ok(alg)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn der_tlv_lengths_and_truncation() {
        assert_eq!(der_tlv(&[0x30, 0x00]), Some((0x30, &[][..], &[][..])));
        assert_eq!(
            der_tlv(&[0x02, 0x01, 0x05, 0xff]),
            Some((0x02, &[0x05][..], &[0xff][..]))
        );
        let mut long = vec![0x04, 0x81, 0x80];
        long.extend([7u8; 0x80]);
        assert_eq!(der_tlv(&long).map(|t| t.1.len()), Some(0x80));
        for cut in 0..long.len() {
            assert_eq!(der_tlv(&long[..cut]), None, "cut {cut}");
        }
        // Indefinite and over-long length forms.
        assert_eq!(der_tlv(&[0x30, 0x80, 0x00, 0x00]), None);
        assert_eq!(der_tlv(&[0x30, 0x85, 0, 0, 0, 0, 1, 0]), None);
    }

    #[test]
    fn unverified_is_never_post_quantum() {
        assert!(!VerifiedPath::unverified().is_verified());
        assert!(!VerifiedPath::unverified().is_post_quantum());
        let pq = VerifiedPath::new(vec![
            PathSignature::new(0, SignatureScheme::MLDSA65),
            PathSignature::new(1, SignatureScheme::MLDSA87),
        ]);
        assert!(pq.is_verified() && pq.is_post_quantum());
        let mixed = VerifiedPath::new(vec![
            PathSignature::new(0, SignatureScheme::MLDSA65),
            PathSignature::new(1, SignatureScheme::ECDSA_SECP384R1_SHA384),
        ]);
        assert!(mixed.is_verified() && !mixed.is_post_quantum());
    }
}

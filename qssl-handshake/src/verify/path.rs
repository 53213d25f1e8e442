//! [`VerifiedPath`]: what a certificate verifier verified, link by link.
//!
//! Post-quantum authentication is only as strong as the weakest signature a forger
//! has to make: an ML-DSA leaf under an ECDSA CA is impersonated by forging the
//! CA's ECDSA signature over a certificate for the attacker's own ML-DSA key. So
//! the handshake reports post-quantum authentication from the verified path (every
//! certificate signature from the leaf up to the one the trust anchor's key made)
//! together with the CertificateVerify, never from the CertificateVerify alone.

use der::asn1::{AnyRef, BitStringRef};
use der::{Decode, Encode, Reader, SliceReader, Tag};
use qssl_crypto::ids::SignatureScheme;
use qssl_crypto::sign::SignatureVerifier;
use rustls_pki_types::{CertificateDer, TrustAnchor};
use x509_cert::Certificate;
use x509_cert::spki::{AlgorithmIdentifier, AlgorithmIdentifierRef, SubjectPublicKeyInfoRef};

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
    // Read once per certificate, borrowed: this runs in every handshake.
    let fields = certs
        .iter()
        .map(|&(_, der)| PathFields::read(der))
        .collect::<Result<Vec<_>, _>>()?;
    let mut signatures = Vec::with_capacity(certs.len());
    for (i, &(position, _)) in certs.iter().enumerate() {
        let issuer_spki_alg = match fields.get(i + 1) {
            Some(issuer) => algorithm_contents(&issuer.public_key_algorithm)?,
            None => anchor_spki_algorithm(path.anchor())?,
        };
        let signature_alg = algorithm_contents(&fields[i].signature_algorithm)?;
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

/// The DER *contents* of an AlgorithmIdentifier (OID, then parameters if present):
/// the form the provider's verifiers name their algorithms in.
fn algorithm_contents<P: Encode>(
    alg: &AlgorithmIdentifier<P>,
) -> Result<Vec<u8>, CertificateError> {
    let mut out = alg
        .oid
        .to_der()
        .map_err(|_| CertificateError::BadEncoding)?;
    if let Some(params) = &alg.parameters {
        out.extend(params.to_der().map_err(|_| CertificateError::BadEncoding)?);
    }
    Ok(out)
}

/// `Certificate ::= SEQUENCE { tbsCertificate, signatureAlgorithm, signatureValue }`
/// with the TBS left undecoded: all `describe` needs of a certificate's own signature.
#[derive(der::Sequence)]
struct CertificateOuter<'a> {
    tbs_certificate: AnyRef<'a>,
    signature_algorithm: AlgorithmIdentifierRef<'a>,
    signature_value: BitStringRef<'a>,
}

/// What [`describe`] reads of one certificate on the path, borrowed from its DER.
struct PathFields<'a> {
    signature_algorithm: AlgorithmIdentifierRef<'a>,
    public_key_algorithm: AlgorithmIdentifierRef<'a>,
}

impl<'a> PathFields<'a> {
    /// The outer signature algorithm, and the subject key's algorithm found by
    /// stepping over the TBS fields before it (RFC 5280 §4.1: version [0] EXPLICIT
    /// OPTIONAL, serialNumber, signature, issuer, validity, subject) without
    /// decoding them.
    fn read(cert: &'a [u8]) -> Result<Self, CertificateError> {
        let bad = |_| CertificateError::BadEncoding;
        let outer = CertificateOuter::from_der(cert).map_err(bad)?;
        let tbs = outer.tbs_certificate;
        if der::Tagged::tag(&tbs) != Tag::Sequence {
            return Err(CertificateError::BadEncoding);
        }
        let mut r = SliceReader::new(tbs.value()).map_err(bad)?;
        let version_tag = Tag::ContextSpecific {
            constructed: true,
            number: der::TagNumber(0),
        };
        if Tag::peek(&r).map_err(bad)? == version_tag {
            r.decode::<AnyRef<'a>>().map_err(bad)?;
        }
        for _ in 0..5 {
            r.decode::<AnyRef<'a>>().map_err(bad)?;
        }
        let spki: SubjectPublicKeyInfoRef<'a> = r.decode().map_err(bad)?;
        Ok(Self {
            signature_algorithm: outer.signature_algorithm,
            public_key_algorithm: spki.algorithm,
        })
    }
}

fn parse_certificate(cert: &[u8]) -> Result<Certificate, CertificateError> {
    Certificate::from_der(cert).map_err(|_| CertificateError::BadEncoding)
}

/// The complete DER `subjectPublicKeyInfo` of a certificate.
pub(super) fn cert_spki(cert: &[u8]) -> Result<Vec<u8>, CertificateError> {
    parse_certificate(cert)?
        .tbs_certificate()
        .subject_public_key_info()
        .to_der()
        .map_err(|_| CertificateError::BadEncoding)
}

/// The `serialNumber` INTEGER contents and the complete DER `issuer` Name of a
/// certificate: what an OCSP CertID identifies it by.
pub(super) fn cert_serial_and_issuer(cert: &[u8]) -> Result<(Vec<u8>, Vec<u8>), CertificateError> {
    let cert = parse_certificate(cert)?;
    let tbs = cert.tbs_certificate();
    let issuer = tbs
        .issuer()
        .to_der()
        .map_err(|_| CertificateError::BadEncoding)?;
    Ok((tbs.serial_number().as_bytes().to_vec(), issuer))
}

/// `(algorithm contents, subjectPublicKey bits)` of a complete DER
/// SubjectPublicKeyInfo; the BIT STRING must have no unused bits.
pub(super) fn spki_parts(spki: &[u8]) -> Result<(Vec<u8>, &[u8]), CertificateError> {
    let spki =
        SubjectPublicKeyInfoRef::from_der(spki).map_err(|_| CertificateError::BadEncoding)?;
    let key = spki
        .subject_public_key
        .as_bytes()
        .ok_or(CertificateError::BadEncoding)?;
    Ok((algorithm_contents(&spki.algorithm)?, key))
}

/// `webpki` keeps an anchor's SPKI as the SEQUENCE's contents: the algorithm is the
/// first element.
fn anchor_spki_algorithm(anchor: &TrustAnchor<'_>) -> Result<Vec<u8>, CertificateError> {
    let mut reader = SliceReader::new(anchor.subject_public_key_info.as_ref())
        .map_err(|_| CertificateError::BadEncoding)?;
    let alg: AlgorithmIdentifierRef<'_> =
        reader.decode().map_err(|_| CertificateError::BadEncoding)?;
    algorithm_contents(&alg)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The readers of certificate fields refuse every truncation of a real
    /// certificate and agree with the verifier's own algorithm identifiers.
    #[test]
    fn certificate_fields_are_read_or_refused() {
        use qssl_crypto::sign::{KeyAlgorithm, SigningKey};
        use qssl_crypto::{keys, pki};
        let key = keys::generate(KeyAlgorithm::EcdsaP256).unwrap();
        let mut params =
            pki::CertificateParams::new("field test", &[0x42], 1_700_000_000, 1_800_000_000);
        params.role = pki::CertificateRole::Ca { path_len: None };
        let cert = pki::self_signed(&params, &pki::KeySigner(&key))
            .unwrap()
            .der;

        let verifier = qssl_crypto::provider::default_provider()
            .verifier(SignatureScheme::ECDSA_SECP256R1_SHA256)
            .unwrap();
        let spki = cert_spki(&cert).unwrap();
        assert_eq!(spki, key.public_key_spki());
        let (alg, bits) = spki_parts(&spki).unwrap();
        assert_eq!(alg, verifier.public_key_alg_id().as_ref());
        assert_eq!(bits.len(), 65, "uncompressed P-256 point");
        let fields = PathFields::read(&cert).unwrap();
        assert_eq!(
            algorithm_contents(&fields.signature_algorithm).unwrap(),
            verifier.signature_alg_id().as_ref()
        );
        assert_eq!(
            algorithm_contents(&fields.public_key_algorithm).unwrap(),
            verifier.public_key_alg_id().as_ref()
        );
        let (serial, issuer) = cert_serial_and_issuer(&cert).unwrap();
        assert_eq!(serial, [0x42]);
        assert_eq!(issuer, pki::certificate_algorithms(&cert).unwrap().issuer);
        for cut in 0..cert.len() {
            assert_eq!(cert_spki(&cert[..cut]), Err(CertificateError::BadEncoding));
            assert!(cert_serial_and_issuer(&cert[..cut]).is_err());
            assert!(PathFields::read(&cert[..cut]).is_err());
        }
        for cut in 0..spki.len() {
            assert!(spki_parts(&spki[..cut]).is_err());
        }
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

//! X.509 v3 certificates for test PKIs: root → intermediate → leaf chains
//! that OpenSSL 3.5 and rustls-webpki accept, signed with any algorithm.
//!
//! The builder never sees a key type. Whatever signs implements
//! [`CertificateSigner`] (an AlgorithmIdentifier, a SubjectPublicKeyInfo and a
//! `sign` over the TBSCertificate bytes), so ML-DSA, ECDSA, Ed25519, RSA and
//! HSM-backed keys all go through the same code, and this module depends on
//! no primitive's crate. Time is an argument ([`CertificateParams::not_before`]
//! is Unix seconds chosen by the caller): nothing here reads a clock.
//!
//! What is in a certificate, by [`CertificateRole`]:
//!
//! | extension | CA | end entity |
//! | --- | --- | --- |
//! | basicConstraints (critical) | `cA TRUE`, optional pathLen | `cA FALSE` |
//! | keyUsage (critical) | keyCertSign, cRLSign | digitalSignature |
//! | extKeyUsage | — | serverAuth and/or clientAuth |
//! | subjectAltName | DNS / IP names if any | DNS / IP names (critical when the subject is empty) |
//! | subjectKeyIdentifier | SHA-1 of the subjectPublicKey bits (RFC 5280 §4.2.1.2 (1)) | same |
//! | authorityKeyIdentifier | keyIdentifier of the issuer | same |
//!
//! ```
//! use ed25519_dalek::{Signer, SigningKey};
//! use qssl_crypto::error::CryptoError;
//! use qssl_crypto::pki::{self, CertificateParams, CertificateRole, CertificateSigner};
//! use spki::EncodePublicKey;
//!
//! struct Ed25519(SigningKey);
//!
//! impl CertificateSigner for Ed25519 {
//!     fn signature_algorithm_der(&self) -> Vec<u8> {
//!         // SEQUENCE { OBJECT IDENTIFIER 1.3.101.112 } (RFC 8410: parameters absent)
//!         vec![0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70]
//!     }
//!     fn subject_public_key_info_der(&self) -> Vec<u8> {
//!         self.0.verifying_key().to_public_key_der().unwrap().into_vec()
//!     }
//!     fn sign(&self, tbs_der: &[u8]) -> Result<Vec<u8>, CryptoError> {
//!         Ok(self.0.sign(tbs_der).to_bytes().to_vec())
//!     }
//! }
//!
//! let root_key = Ed25519(SigningKey::from_bytes(&[7; 32]));
//! let now = 1_750_000_000; // the caller's clock, in Unix seconds
//! let mut params = CertificateParams::new("Q-SSL test root", &[1, 2, 3], now, now + 86_400);
//! params.role = CertificateRole::Ca { path_len: Some(1) };
//! let root = pki::self_signed(&params, &root_key)?;
//!
//! let pem = root.to_pem();
//! assert!(pem.starts_with("-----BEGIN CERTIFICATE-----\n"));
//! assert_eq!(pki::pem_certificates(&pem)?, vec![root.der]);
//! # Ok::<(), qssl_crypto::pki::PkiError>(())
//! ```

mod builder;
mod inspect;
mod name;
mod params;
mod pem;
mod test_pki;

pub use builder::{issue, self_signed};
pub use inspect::{CertificateAlgorithms, certificate_algorithms};
pub use params::{CertificateParams, CertificateRole};
pub use pem::{PemBlock, PemError, pem_blocks, pem_certificates, pem_encode};
pub use test_pki::{Leaf, TestPki};

use crate::error::CryptoError;

/// Something that can sign a certificate: supplies its AlgorithmIdentifier and
/// signs TBS bytes.
///
/// Implemented by Q-SSL's signing keys (software or HSM) and, in tests, by thin
/// wrappers around primitive crates.
pub trait CertificateSigner {
    /// DER of the signature AlgorithmIdentifier this signer produces, e.g.
    /// `SEQUENCE { id-ml-dsa-65 }` (parameters absent), `ecdsa-with-SHA384`
    /// (parameters absent), `Ed25519`, or `sha256WithRSAEncryption` with NULL
    /// parameters.
    fn signature_algorithm_der(&self) -> Vec<u8>;
    /// DER SubjectPublicKeyInfo of the signer's public key (for the
    /// AuthorityKeyIdentifier and self-signed subjects).
    fn subject_public_key_info_der(&self) -> Vec<u8>;
    /// Signs the DER-encoded TBSCertificate; returns the contents of the
    /// certificate's signature BIT STRING (a DER `Ecdsa-Sig-Value` for ECDSA,
    /// the raw signature for ML-DSA, Ed25519 and RSA).
    fn sign(&self, tbs_der: &[u8]) -> Result<Vec<u8>, CryptoError>;
}

/// A DER-encoded X.509 certificate.
#[derive(Clone, PartialEq, Eq)]
pub struct Certificate {
    /// The certificate's DER encoding.
    pub der: Vec<u8>,
}

impl Certificate {
    /// The certificate as one PEM `CERTIFICATE` block (64-column base64, `\n`
    /// line ends, final newline), the form `openssl` writes.
    pub fn to_pem(&self) -> String {
        pem_encode("CERTIFICATE", &self.der)
    }
}

impl AsRef<[u8]> for Certificate {
    fn as_ref(&self) -> &[u8] {
        &self.der
    }
}

impl core::fmt::Debug for Certificate {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        // Thousands of hex digits help nobody; the length identifies it well enough in logs.
        f.debug_struct("Certificate")
            .field("der_len", &self.der.len())
            .finish()
    }
}

/// Why a certificate could not be made or read.
///
/// `Copy` and free of key material, like [`CryptoError`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum PkiError {
    /// The serial number was empty, zero, or longer than 20 octets once
    /// encoded (a first byte ≥ 0x80 costs a sign octet).
    #[error("serial number must be positive and at most 20 octets when DER-encoded")]
    InvalidSerialNumber,
    /// `not_before` is after `not_after`, or a time is past the year 9999.
    #[error("invalid validity period")]
    InvalidValidity,
    /// A CA certificate needs a non-empty subject name (it becomes the issuer
    /// of the certificates it signs).
    #[error("a CA certificate needs a common name")]
    EmptyCaName,
    /// The subject has neither a common name nor a subject alternative name.
    #[error("the certificate names no subject: empty common name and no SAN")]
    NoSubject,
    /// A DNS name was empty or not ASCII.
    #[error("invalid DNS name in subjectAltName")]
    InvalidDnsName,
    /// The subject's SubjectPublicKeyInfo DER did not parse.
    #[error("invalid subject public key info")]
    InvalidSubjectPublicKeyInfo,
    /// The signer's AlgorithmIdentifier or SubjectPublicKeyInfo DER did not parse.
    #[error("the signer's algorithm identifier or public key did not parse")]
    InvalidSigner,
    /// The issuer certificate's DER did not parse as an X.509 certificate.
    #[error("invalid issuer certificate")]
    InvalidIssuerCertificate,
    /// A certificate to inspect did not parse as X.509.
    #[error("invalid certificate")]
    InvalidCertificate,
    /// The issuer's signer holds a different key from the one in the issuer
    /// certificate: the result would never verify.
    #[error("the signer's public key is not the issuer certificate's key")]
    IssuerKeyMismatch,
    /// A value could not be DER-encoded (a common name over the ASN.1 limits,
    /// or a length overflow).
    #[error("DER encoding failed")]
    Encoding,
    /// The signer failed.
    #[error("signing failed: {0}")]
    Signing(CryptoError),
    /// A PEM input was malformed.
    #[error(transparent)]
    Pem(#[from] PemError),
    /// Key generation or randomness for a test PKI failed.
    #[error("key generation failed: {0}")]
    KeyGeneration(CryptoError),
}

/// Signs certificates with any [`SigningKey`](crate::sign::SigningKey): a
/// software key, or one held in an HSM.
///
/// The signature AlgorithmIdentifier is the one the matching verifier answers
/// to, so what we write is exactly what rustls-webpki and OpenSSL expect: ECDSA
/// P-256 → ecdsa-with-SHA256, P-384 → ecdsa-with-SHA384, Ed25519, RSA →
/// RSASSA-PSS with SHA-256, ML-DSA-44/65/87 → id-ml-dsa-*.
pub struct KeySigner<'a>(pub &'a dyn crate::sign::SigningKey);

impl KeySigner<'_> {
    fn scheme(&self) -> crate::ids::SignatureScheme {
        use crate::ids::SignatureScheme as S;
        use crate::sign::KeyAlgorithm as K;
        match self.0.algorithm() {
            K::EcdsaP256 => S::ECDSA_SECP256R1_SHA256,
            K::EcdsaP384 => S::ECDSA_SECP384R1_SHA384,
            K::Ed25519 => S::ED25519,
            K::Rsa => S::RSA_PSS_RSAE_SHA256,
            K::MlDsa44 => S::MLDSA44,
            K::MlDsa65 => S::MLDSA65,
            K::MlDsa87 => S::MLDSA87,
        }
    }
}

impl CertificateSigner for KeySigner<'_> {
    fn signature_algorithm_der(&self) -> Vec<u8> {
        let Some(verifier) = crate::sign::verifier_for(self.scheme()) else {
            // Every key algorithm has a verifier; an empty identifier would fail parsing anyway.
            return Vec::new();
        };
        let contents = verifier.signature_alg_id();
        // pki-types holds the SEQUENCE's contents; wrap them in the SEQUENCE header.
        let mut der = vec![0x30];
        push_der_len(&mut der, contents.as_ref().len());
        der.extend_from_slice(contents.as_ref());
        der
    }

    fn subject_public_key_info_der(&self) -> Vec<u8> {
        self.0.public_key_spki()
    }

    fn sign(&self, tbs_der: &[u8]) -> Result<Vec<u8>, CryptoError> {
        self.0.sign(self.scheme(), tbs_der)
    }
}

fn push_der_len(out: &mut Vec<u8>, len: usize) {
    match len {
        0..=0x7f => out.push(len as u8),
        0x80..=0xff => out.extend_from_slice(&[0x81, len as u8]),
        _ => out.extend_from_slice(&[0x82, (len >> 8) as u8, len as u8]),
    }
}

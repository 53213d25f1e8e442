//! Signatures: TLS `SignatureScheme` code points, signing keys and verifiers.
//!
//! A [`SigningKey`] is what a server (or a client with a certificate) signs its
//! `CertificateVerify` with. It is a trait object so that `qssl-hsm` can put a PKCS#11
//! token behind the same seam as the software keys of [`crate::keys`].
//!
//! A [`SignatureVerifier`] checks one scheme, for the handshake (`CertificateVerify`)
//! and for certificate path validation: every verifier is also a
//! [`rustls_pki_types::SignatureVerificationAlgorithm`], so it can be handed to
//! `rustls-webpki` as it is.
//!
//! Backends: ECDSA on `p256`/`p384`, Ed25519 on `ed25519-dalek`, RSA on `rsa` (constant-time
//! bignums), ML-DSA on RustCrypto `ml-dsa` (see `mldsa.rs` for why not `pqcrypto-mldsa`).
//!
//! ```
//! use qssl_crypto::keys;
//! use qssl_crypto::sign::{self, KeyAlgorithm, SignatureScheme, SigningKey};
//!
//! let key = keys::generate(KeyAlgorithm::MlDsa65)?;
//! let scheme = key.choose_scheme(&[SignatureScheme::ED25519, SignatureScheme::MLDSA65]);
//! assert_eq!(scheme, Some(SignatureScheme::MLDSA65));
//! let signature = key.sign(SignatureScheme::MLDSA65, b"signed content")?;
//! let verifier = sign::verifier_for(SignatureScheme::MLDSA65).expect("has ML-DSA-65");
//! verifier.verify(&key.public_key_raw(), b"signed content", &signature)?;
//! # Ok::<(), qssl_crypto::error::CryptoError>(())
//! ```

use crate::error::CryptoError;
use core::fmt;

pub(crate) mod ecdsa;
pub(crate) mod eddsa;
pub(crate) mod mldsa;
pub(crate) mod rsa;

pub use crate::ids::SignatureScheme;

/// The kind of key behind a [`SigningKey`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum KeyAlgorithm {
    /// ECDSA on NIST P-256 (secp256r1).
    EcdsaP256,
    /// ECDSA on NIST P-384 (secp384r1).
    EcdsaP384,
    /// Ed25519.
    Ed25519,
    /// RSA (`rsaEncryption` keys; signs with RSA-PSS).
    Rsa,
    /// ML-DSA-44 (FIPS 204).
    MlDsa44,
    /// ML-DSA-65 (FIPS 204).
    MlDsa65,
    /// ML-DSA-87 (FIPS 204).
    MlDsa87,
}

impl KeyAlgorithm {
    /// Whether keys of this kind resist a quantum adversary.
    pub fn is_post_quantum(self) -> bool {
        matches!(self, Self::MlDsa44 | Self::MlDsa65 | Self::MlDsa87)
    }
}

/// A private key that can sign TLS handshake messages and certificates.
///
/// Object safe, so that an HSM-backed key (`qssl-hsm`) and a software key (from
/// [`crate::keys`]) are used the same way.
pub trait SigningKey: Send + Sync + fmt::Debug {
    /// The kind of key.
    fn algorithm(&self) -> KeyAlgorithm;

    /// The schemes this key can sign with, most preferred first.
    fn schemes(&self) -> &[SignatureScheme];

    /// Signs `message` with `scheme`.
    ///
    /// `message` is the whole content to be signed (for TLS 1.3 `CertificateVerify`, the
    /// 64 spaces, context string, zero byte and transcript hash): the key hashes it as
    /// the scheme says. ML-DSA signs `message` itself with an empty context string
    /// (draft-ietf-tls-mldsa). ECDSA signatures are DER `Ecdsa-Sig-Value`s, as TLS sends them.
    fn sign(&self, scheme: SignatureScheme, message: &[u8]) -> Result<Vec<u8>, CryptoError>;

    /// The DER `SubjectPublicKeyInfo` of the matching public key.
    fn public_key_spki(&self) -> Vec<u8>;

    /// The first of `offered` (in the peer's order) that this key can sign with.
    fn choose_scheme(&self, offered: &[SignatureScheme]) -> Option<SignatureScheme> {
        offered.iter().copied().find(|s| self.schemes().contains(s))
    }

    /// Whether a signature takes long enough (milliseconds: a hardware token, a
    /// network HSM, a remote signer) that a handshake should pause for it rather than
    /// sign inline: the handshake then hands out the content to sign and continues
    /// when the signature is supplied, so an async runtime can sign on its blocking
    /// pool while its threads serve other connections. `false` (software keys, the
    /// default): signed inline, the fast path.
    fn signs_slowly(&self) -> bool {
        false
    }
}

/// Verifies signatures of one [`SignatureScheme`].
///
/// Every verifier is also a `rustls_pki_types::SignatureVerificationAlgorithm`: a
/// `&'static dyn SignatureVerifier` coerces to `&'static dyn SignatureVerificationAlgorithm`
/// for certificate path validation with `rustls-webpki`.
pub trait SignatureVerifier: rustls_pki_types::SignatureVerificationAlgorithm {
    /// The scheme this verifier checks.
    fn scheme(&self) -> SignatureScheme;

    /// Checks `signature` (as on the wire) over `message` (unhashed) under `public_key`,
    /// the contents of a `subjectPublicKey` BIT STRING (as `rustls-webpki` passes it).
    ///
    /// [`CryptoError::BadPublicKey`] if the key does not decode for this scheme,
    /// [`CryptoError::BadSignature`] for any other failure.
    fn verify(
        &self,
        public_key: &[u8],
        message: &[u8],
        signature: &[u8],
    ) -> Result<(), CryptoError>;
}

/// ECDSA P-256 with SHA-256 (`ecdsa_secp256r1_sha256`).
pub static ECDSA_P256_SHA256: &dyn SignatureVerifier = &ecdsa::P256_SHA256;
/// ECDSA P-384 with SHA-384 (`ecdsa_secp384r1_sha384`).
pub static ECDSA_P384_SHA384: &dyn SignatureVerifier = &ecdsa::P384_SHA384;
/// Ed25519 (`ed25519`).
pub static ED25519: &dyn SignatureVerifier = &eddsa::ED25519;
/// RSA-PSS, SHA-256, MGF1-SHA-256, salt 32 (`rsa_pss_rsae_sha256`); 2048–8192-bit keys.
pub static RSA_PSS_RSAE_SHA256: &dyn SignatureVerifier = &rsa::PSS_SHA256;
/// RSA-PSS, SHA-384, MGF1-SHA-384, salt 48 (`rsa_pss_rsae_sha384`); 2048–8192-bit keys.
pub static RSA_PSS_RSAE_SHA384: &dyn SignatureVerifier = &rsa::PSS_SHA384;
/// RSA-PSS, SHA-512, MGF1-SHA-512, salt 64 (`rsa_pss_rsae_sha512`); 2048–8192-bit keys.
pub static RSA_PSS_RSAE_SHA512: &dyn SignatureVerifier = &rsa::PSS_SHA512;
/// RSA PKCS#1 v1.5 with SHA-256, for certificate signatures only; 2048–8192-bit keys.
pub static RSA_PKCS1_SHA256: &dyn SignatureVerifier = &rsa::PKCS1_SHA256;
/// RSA PKCS#1 v1.5 with SHA-384, for certificate signatures only; 2048–8192-bit keys.
pub static RSA_PKCS1_SHA384: &dyn SignatureVerifier = &rsa::PKCS1_SHA384;
/// RSA PKCS#1 v1.5 with SHA-512, for certificate signatures only; 2048–8192-bit keys.
pub static RSA_PKCS1_SHA512: &dyn SignatureVerifier = &rsa::PKCS1_SHA512;
/// ML-DSA-44 (`mldsa44`), empty context.
pub static MLDSA44: &dyn SignatureVerifier = &mldsa::VERIFY_44;
/// ML-DSA-65 (`mldsa65`), empty context.
pub static MLDSA65: &dyn SignatureVerifier = &mldsa::VERIFY_65;
/// ML-DSA-87 (`mldsa87`), empty context.
pub static MLDSA87: &dyn SignatureVerifier = &mldsa::VERIFY_87;

/// Every verifier this crate has, post-quantum first.
pub static ALL_VERIFIERS: &[&dyn SignatureVerifier] = &[
    &mldsa::VERIFY_65,
    &mldsa::VERIFY_44,
    &mldsa::VERIFY_87,
    &ecdsa::P384_SHA384,
    &ecdsa::P256_SHA256,
    &eddsa::ED25519,
    &rsa::PSS_SHA256,
    &rsa::PSS_SHA384,
    &rsa::PSS_SHA512,
    &rsa::PKCS1_SHA256,
    &rsa::PKCS1_SHA384,
    &rsa::PKCS1_SHA512,
];

/// The verifiers TLS 1.2 handshake signatures may also need, beyond
/// [`ALL_VERIFIERS`]: ECDSA whose hash is not its curve's (P-256 with SHA-384 under
/// `ecdsa_secp384r1_sha384`, P-384 with SHA-256 under `ecdsa_secp256r1_sha256`).
/// In TLS 1.2 a scheme names a hash and "ecdsa" (RFC 5246 §7.4.1.4.1) and the
/// certificate names the curve; TLS 1.3 ties the curve to the scheme, so these are
/// never used there, nor for certificates.
pub static TLS12_EXTRA_VERIFIERS: &[&dyn SignatureVerifier] =
    &[&ecdsa::P256_SHA384, &ecdsa::P384_SHA256];

/// The verifier for `scheme`, if this crate has one.
pub fn verifier_for(scheme: SignatureScheme) -> Option<&'static dyn SignatureVerifier> {
    ALL_VERIFIERS.iter().copied().find(|v| v.scheme() == scheme)
}

/// The one place signing takes randomness from (ML-DSA hedging, RSA-PSS salts and
/// blinding, key generation), so that the provider's `SecureRandom` can replace it.
pub(crate) fn os_rng() -> getrandom::SysRng {
    getrandom::SysRng
}

/// Fills `buf` from [`os_rng`].
pub(crate) fn random_bytes(buf: &mut [u8]) -> Result<(), CryptoError> {
    use rand_core::TryRng;
    os_rng()
        .try_fill_bytes(buf)
        .map_err(|_| CryptoError::RandomFailed)
}

/// `(public_key, message, signature)`.
pub(crate) type VerifyFn = fn(&[u8], &[u8], &[u8]) -> Result<(), CryptoError>;

/// One scheme's verifier: the identifiers it answers to and the function that checks.
pub(crate) struct Verifier {
    pub(crate) scheme: SignatureScheme,
    /// Human-readable, with the backend crate, for `Debug` (pki-types asks for both).
    pub(crate) description: &'static str,
    pub(crate) public_key_alg_id: rustls_pki_types::AlgorithmIdentifier,
    pub(crate) signature_alg_id: rustls_pki_types::AlgorithmIdentifier,
    pub(crate) verify: VerifyFn,
}

impl fmt::Debug for Verifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:?} [{}]", self.scheme, self.description)
    }
}

impl rustls_pki_types::SignatureVerificationAlgorithm for Verifier {
    fn verify_signature(
        &self,
        public_key: &[u8],
        message: &[u8],
        signature: &[u8],
    ) -> Result<(), rustls_pki_types::InvalidSignature> {
        (self.verify)(public_key, message, signature)
            .map_err(|_| rustls_pki_types::InvalidSignature)
    }

    fn public_key_alg_id(&self) -> rustls_pki_types::AlgorithmIdentifier {
        self.public_key_alg_id
    }

    fn signature_alg_id(&self) -> rustls_pki_types::AlgorithmIdentifier {
        self.signature_alg_id
    }
}

impl SignatureVerifier for Verifier {
    fn scheme(&self) -> SignatureScheme {
        self.scheme
    }

    fn verify(
        &self,
        public_key: &[u8],
        message: &[u8],
        signature: &[u8],
    ) -> Result<(), CryptoError> {
        (self.verify)(public_key, message, signature)
    }
}

/// Refuses a scheme the key was not made for.
pub(crate) fn check_scheme(
    wanted: SignatureScheme,
    offered: &[SignatureScheme],
) -> Result<(), CryptoError> {
    if offered.contains(&wanted) {
        Ok(())
    } else {
        Err(CryptoError::UnsupportedSignatureScheme(wanted))
    }
}

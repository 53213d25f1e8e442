//! RSA signatures on the `rsa` crate (constant-time bignums, blinded private operations).
//!
//! Signing: RSASSA-PSS only (`rsa_pss_rsae_*`: `rsaEncryption` keys, salt length = hash
//! length, MGF1 with the same hash), which is all TLS 1.3 lets an RSA key do.
//! Verification also has PKCS#1 v1.5, for certificate signatures.

use super::{KeyAlgorithm, SignatureScheme, SigningKey, Verifier, check_scheme, os_rng};
use crate::error::CryptoError;
use core::fmt;
use rsa::pkcs1::DecodeRsaPublicKey;
use rsa::traits::PublicKeyParts;
use rustls_pki_types::alg_id;
use sha2::{Sha256, Sha384, Sha512};
use spki::EncodePublicKey;

/// Smallest modulus accepted, in bits (as ring and rustls-webpki).
const MIN_MODULUS_BITS: usize = 2048;
/// Largest modulus accepted, in bits: bounds the cost a peer's key can impose.
const MAX_MODULUS_BITS: usize = 8192;

macro_rules! rsa_verifier {
    ($name:ident, $fn:ident, $scheme:ident, $desc:literal, $sig_alg:expr, $method:ident, $hash:ty) => {
        pub(crate) static $name: Verifier = Verifier {
            scheme: SignatureScheme::$scheme,
            description: concat!($desc, " (RustCrypto rsa)"),
            public_key_alg_id: alg_id::RSA_ENCRYPTION,
            signature_alg_id: $sig_alg,
            verify: $fn,
        };

        fn $fn(public_key: &[u8], message: &[u8], signature: &[u8]) -> Result<(), CryptoError> {
            let key = parse_public_key(public_key)?;
            // RFC 8017 §8.1.2 / §8.2.2 step 1: the signature is exactly k octets.
            if signature.len() != key.size() {
                return Err(CryptoError::BadSignature);
            }
            key.$method::<$hash>(message, signature)
                .map_err(|_| CryptoError::BadSignature)
        }
    };
}

rsa_verifier!(
    PSS_SHA256,
    verify_pss_sha256,
    RSA_PSS_RSAE_SHA256,
    "RSA-PSS SHA-256",
    alg_id::RSA_PSS_SHA256,
    pss_verify,
    Sha256
);
rsa_verifier!(
    PSS_SHA384,
    verify_pss_sha384,
    RSA_PSS_RSAE_SHA384,
    "RSA-PSS SHA-384",
    alg_id::RSA_PSS_SHA384,
    pss_verify,
    Sha384
);
rsa_verifier!(
    PSS_SHA512,
    verify_pss_sha512,
    RSA_PSS_RSAE_SHA512,
    "RSA-PSS SHA-512",
    alg_id::RSA_PSS_SHA512,
    pss_verify,
    Sha512
);
rsa_verifier!(
    PKCS1_SHA256,
    verify_pkcs1_sha256,
    RSA_PKCS1_SHA256,
    "RSA PKCS#1 v1.5 SHA-256",
    alg_id::RSA_PKCS1_SHA256,
    pkcs1v15_verify,
    Sha256
);
rsa_verifier!(
    PKCS1_SHA384,
    verify_pkcs1_sha384,
    RSA_PKCS1_SHA384,
    "RSA PKCS#1 v1.5 SHA-384",
    alg_id::RSA_PKCS1_SHA384,
    pkcs1v15_verify,
    Sha384
);
rsa_verifier!(
    PKCS1_SHA512,
    verify_pkcs1_sha512,
    RSA_PKCS1_SHA512,
    "RSA PKCS#1 v1.5 SHA-512",
    alg_id::RSA_PKCS1_SHA512,
    pkcs1v15_verify,
    Sha512
);

/// `public_key` is a DER `RSAPublicKey` (RFC 8017 A.1.1), the `subjectPublicKey` of an
/// `rsaEncryption` SPKI.
fn parse_public_key(public_key: &[u8]) -> Result<rsa::PublicKey, CryptoError> {
    // A DER RSAPublicKey of an 8192-bit modulus is ~1.05 KB: refuse anything much larger
    // before the bignum code sees it.
    if public_key.len() > MAX_MODULUS_BITS / 8 + 64 {
        return Err(CryptoError::BadPublicKey("RSA"));
    }
    let key =
        rsa::PublicKey::from_pkcs1_der(public_key).map_err(|_| CryptoError::BadPublicKey("RSA"))?;
    let bits = key.size() * 8;
    if !(MIN_MODULUS_BITS..=MAX_MODULUS_BITS).contains(&bits) {
        return Err(CryptoError::BadPublicKey("RSA"));
    }
    Ok(key)
}

/// An RSA private key; signs with RSA-PSS.
pub(crate) struct RsaKey {
    key: rsa::PrivateKey,
}

impl RsaKey {
    /// Refuses keys outside 2048–8192 bits: what we sign with, peers must accept.
    pub(crate) fn new(key: rsa::PrivateKey) -> Result<Self, CryptoError> {
        let bits = key.size() * 8;
        if !(MIN_MODULUS_BITS..=MAX_MODULUS_BITS).contains(&bits) {
            return Err(CryptoError::MalformedKey(
                crate::keys::KeyFormatError::UnsupportedRsaSize,
            ));
        }
        Ok(Self { key })
    }

    pub(crate) fn inner(&self) -> &rsa::PrivateKey {
        &self.key
    }

    pub(crate) fn generate(bits: usize) -> Result<Self, CryptoError> {
        if !(MIN_MODULUS_BITS..=MAX_MODULUS_BITS).contains(&bits) {
            return Err(CryptoError::KeyGenerationFailed("RSA (2048 to 8192 bits)"));
        }
        let key = rsa::PrivateKey::new(&mut os_rng(), bits)
            .map_err(|_| CryptoError::KeyGenerationFailed("RSA"))?;
        Self::new(key)
    }
}

impl fmt::Debug for RsaKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "RsaKey({} bits, ..)", self.key.size() * 8)
    }
}

impl SigningKey for RsaKey {
    fn algorithm(&self) -> KeyAlgorithm {
        KeyAlgorithm::Rsa
    }

    fn schemes(&self) -> &[SignatureScheme] {
        &[
            SignatureScheme::RSA_PSS_RSAE_SHA256,
            SignatureScheme::RSA_PSS_RSAE_SHA384,
            SignatureScheme::RSA_PSS_RSAE_SHA512,
        ]
    }

    fn sign(&self, scheme: SignatureScheme, message: &[u8]) -> Result<Vec<u8>, CryptoError> {
        check_scheme(scheme, self.schemes())?;
        let mut rng = os_rng();
        let signature = match scheme {
            SignatureScheme::RSA_PSS_RSAE_SHA256 => {
                self.key.pss_sign_with_rng::<Sha256, _>(&mut rng, message)
            }
            SignatureScheme::RSA_PSS_RSAE_SHA384 => {
                self.key.pss_sign_with_rng::<Sha384, _>(&mut rng, message)
            }
            _ => self.key.pss_sign_with_rng::<Sha512, _>(&mut rng, message),
        };
        signature.map_err(|_| CryptoError::SigningFailed("RSA-PSS"))
    }

    fn public_key_spki(&self) -> Vec<u8> {
        match self.key.to_public_key().to_public_key_der() {
            Ok(doc) => doc.into_vec(),
            Err(_) => Vec::new(),
        }
    }
}

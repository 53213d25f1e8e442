//! ECDSA on P-256 with SHA-256 and on P-384 with SHA-384 (`p256`, `p384`).
//!
//! Signatures are DER `Ecdsa-Sig-Value`s both ways: that is what TLS and X.509 carry.
//! Signing is deterministic (RFC 6979), so it needs no randomness and cannot fail for
//! want of it.

use super::{KeyAlgorithm, SignatureScheme, SigningKey, Verifier, check_scheme, random_bytes};
use crate::error::CryptoError;
use core::fmt;
use rustls_pki_types::alg_id;
use signature::{Signer, Verifier as _};
use spki::EncodePublicKey;

macro_rules! ecdsa_curve {
    (
        $curve:ident, $key:ident, $verify_fn:ident, $verifier:ident, $scheme:ident,
        $alg:ident, $name:literal, $point_len:literal, $scalar_len:literal,
        $pk_alg:expr, $sig_alg:expr
    ) => {
        pub(crate) static $verifier: Verifier = Verifier {
            scheme: SignatureScheme::$scheme,
            description: concat!("ECDSA ", $name, " (RustCrypto ", stringify!($curve), ")"),
            public_key_alg_id: $pk_alg,
            signature_alg_id: $sig_alg,
            verify: $verify_fn,
        };

        fn $verify_fn(
            public_key: &[u8],
            message: &[u8],
            signature: &[u8],
        ) -> Result<(), CryptoError> {
            // X.509 and TLS carry uncompressed points only (RFC 5480 §2.2 allows
            // compressed ones, but nobody sends them and rustls/ring refuse them too).
            if public_key.len() != $point_len || public_key[0] != 0x04 {
                return Err(CryptoError::BadPublicKey(concat!("ECDSA ", $name)));
            }
            let key = $curve::ecdsa::VerifyingKey::from_sec1_bytes(public_key)
                .map_err(|_| CryptoError::BadPublicKey(concat!("ECDSA ", $name)))?;
            let signature = $curve::ecdsa::DerSignature::from_bytes(signature)
                .map_err(|_| CryptoError::BadSignature)?;
            key.verify(message, &signature)
                .map_err(|_| CryptoError::BadSignature)
        }

        /// An ECDSA private key on this curve.
        pub(crate) struct $key {
            key: $curve::ecdsa::SigningKey,
        }

        impl $key {
            pub(crate) fn new(key: $curve::ecdsa::SigningKey) -> Self {
                Self { key }
            }

            pub(crate) fn inner(&self) -> &$curve::ecdsa::SigningKey {
                &self.key
            }

            pub(crate) fn generate() -> Result<Self, CryptoError> {
                // Rejection sampling: a uniformly random string is a valid scalar
                // except with probability < 2^-32 for these curves.
                for _ in 0..64 {
                    let mut bytes = zeroize::Zeroizing::new([0u8; $scalar_len]);
                    random_bytes(&mut bytes[..])?;
                    if let Ok(key) = $curve::ecdsa::SigningKey::from_slice(&bytes[..]) {
                        return Ok(Self { key });
                    }
                }
                Err(CryptoError::KeyGenerationFailed(concat!("ECDSA ", $name)))
            }
        }

        impl fmt::Debug for $key {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(concat!("Ecdsa", stringify!($alg), "Key(..)"))
            }
        }

        impl SigningKey for $key {
            fn algorithm(&self) -> KeyAlgorithm {
                KeyAlgorithm::$alg
            }

            fn schemes(&self) -> &[SignatureScheme] {
                &[SignatureScheme::$scheme]
            }

            fn sign(
                &self,
                scheme: SignatureScheme,
                message: &[u8],
            ) -> Result<Vec<u8>, CryptoError> {
                check_scheme(scheme, self.schemes())?;
                let signature: $curve::ecdsa::DerSignature = self
                    .key
                    .try_sign(message)
                    .map_err(|_| CryptoError::SigningFailed(concat!("ECDSA ", $name)))?;
                Ok(signature.as_bytes().to_vec())
            }

            fn public_key_spki(&self) -> Vec<u8> {
                match self.key.verifying_key().to_public_key_der() {
                    Ok(doc) => doc.into_vec(),
                    // Encoding a valid point into a fixed-shape SPKI does not fail.
                    Err(_) => Vec::new(),
                }
            }
        }
    };
}

ecdsa_curve!(
    p256,
    EcdsaP256Key,
    verify_p256,
    P256_SHA256,
    ECDSA_SECP256R1_SHA256,
    EcdsaP256,
    "P-256 SHA-256",
    65,
    32,
    alg_id::ECDSA_P256,
    alg_id::ECDSA_SHA256
);
ecdsa_curve!(
    p384,
    EcdsaP384Key,
    verify_p384,
    P384_SHA384,
    ECDSA_SECP384R1_SHA384,
    EcdsaP384,
    "P-384 SHA-384",
    97,
    48,
    alg_id::ECDSA_P384,
    alg_id::ECDSA_SHA384
);

/// ECDSA whose hash is not its curve's: P-256 with SHA-384, P-384 with SHA-256. TLS
/// 1.2 only (RFC 5246 §7.4.1.4.1 pairs a hash with "ecdsa"; the curve is the
/// certificate's), where OpenSSL signs a ServerKeyExchange or CertificateVerify with
/// the peer's first ECDSA hash whatever its key's curve. The digest is computed
/// here and checked as a prehash: RFC 6979 / FIPS 186-5 truncate (or, for a short
/// hash, use) it as the curve requires.
macro_rules! ecdsa_cross_hash {
    (
        $curve:ident, $verify_fn:ident, $verifier:ident, $scheme:ident, $hash:ident,
        $name:literal, $point_len:literal, $pk_alg:expr, $sig_alg:expr
    ) => {
        pub(crate) static $verifier: Verifier = Verifier {
            scheme: SignatureScheme::$scheme,
            description: concat!(
                "ECDSA ",
                $name,
                " (RustCrypto ",
                stringify!($curve),
                ", TLS 1.2)"
            ),
            public_key_alg_id: $pk_alg,
            signature_alg_id: $sig_alg,
            verify: $verify_fn,
        };

        fn $verify_fn(
            public_key: &[u8],
            message: &[u8],
            signature: &[u8],
        ) -> Result<(), CryptoError> {
            use sha2::Digest as _;
            use signature::hazmat::PrehashVerifier as _;
            if public_key.len() != $point_len || public_key[0] != 0x04 {
                return Err(CryptoError::BadPublicKey(concat!("ECDSA ", $name)));
            }
            let key = $curve::ecdsa::VerifyingKey::from_sec1_bytes(public_key)
                .map_err(|_| CryptoError::BadPublicKey(concat!("ECDSA ", $name)))?;
            let signature = $curve::ecdsa::Signature::from_der(signature)
                .map_err(|_| CryptoError::BadSignature)?;
            let digest = sha2::$hash::digest(message);
            key.verify_prehash(&digest, &signature)
                .map_err(|_| CryptoError::BadSignature)
        }
    };
}

ecdsa_cross_hash!(
    p256,
    verify_p256_sha384,
    P256_SHA384,
    ECDSA_SECP384R1_SHA384,
    Sha384,
    "P-256 SHA-384",
    65,
    alg_id::ECDSA_P256,
    alg_id::ECDSA_SHA384
);
ecdsa_cross_hash!(
    p384,
    verify_p384_sha256,
    P384_SHA256,
    ECDSA_SECP256R1_SHA256,
    Sha256,
    "P-384 SHA-256",
    97,
    alg_id::ECDSA_P384,
    alg_id::ECDSA_SHA256
);

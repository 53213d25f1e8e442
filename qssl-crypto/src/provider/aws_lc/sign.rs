//! Signature verification on aws-lc, for every scheme the portable provider has.
//!
//! The verifiers are the same [`Verifier`] records as the portable ones (so each is
//! also a `rustls_pki_types::SignatureVerificationAlgorithm` for certificate paths),
//! with aws-lc behind the function pointer. The public-key checks that define
//! [`CryptoError::BadPublicKey`] are the portable provider's (uncompressed points of
//! the exact length, 32-byte Ed25519 keys, PKCS#1 RSA keys of 2048–8192 bits, ML-DSA
//! keys of the exact length), so both providers refuse the same keys the same way;
//! aws-lc decodes what passes them.

use crate::error::CryptoError;
use crate::sign::{SignatureScheme, Verifier};
use aws_lc_rs::signature::{self as lc, ParsedPublicKey, VerificationAlgorithm};
use rustls_pki_types::alg_id;

/// Parses `public_key` for `algorithm` (refusal: [`CryptoError::BadPublicKey`]) and
/// checks `signature` (any failure: [`CryptoError::BadSignature`]).
fn verify_with(
    algorithm: &'static dyn VerificationAlgorithm,
    name: &'static str,
    public_key: &[u8],
    message: &[u8],
    signature: &[u8],
) -> Result<(), CryptoError> {
    let key =
        ParsedPublicKey::new(algorithm, public_key).map_err(|_| CryptoError::BadPublicKey(name))?;
    key.verify_sig(message, signature)
        .map_err(|_| CryptoError::BadSignature)
}

macro_rules! ecdsa {
    ($name:ident, $fn:ident, $scheme:ident, $desc:literal, $point_len:literal, $lc:ident, $pk:expr, $sig:expr) => {
        pub(crate) static $name: Verifier = Verifier {
            scheme: SignatureScheme::$scheme,
            description: concat!("ECDSA ", $desc, " (aws-lc-rs)"),
            public_key_alg_id: $pk,
            signature_alg_id: $sig,
            verify: $fn,
        };

        fn $fn(public_key: &[u8], message: &[u8], signature: &[u8]) -> Result<(), CryptoError> {
            // Uncompressed points only, as in the portable verifier: aws-lc would
            // also decode compressed points and SPKIs.
            if public_key.len() != $point_len || public_key[0] != 0x04 {
                return Err(CryptoError::BadPublicKey(concat!("ECDSA ", $desc)));
            }
            verify_with(
                &lc::$lc,
                concat!("ECDSA ", $desc),
                public_key,
                message,
                signature,
            )
        }
    };
}

ecdsa!(
    P256_SHA256,
    verify_p256,
    ECDSA_SECP256R1_SHA256,
    "P-256 SHA-256",
    65,
    ECDSA_P256_SHA256_ASN1,
    alg_id::ECDSA_P256,
    alg_id::ECDSA_SHA256
);
ecdsa!(
    P384_SHA384,
    verify_p384,
    ECDSA_SECP384R1_SHA384,
    "P-384 SHA-384",
    97,
    ECDSA_P384_SHA384_ASN1,
    alg_id::ECDSA_P384,
    alg_id::ECDSA_SHA384
);

// TLS 1.2 only: the hash of the other curve (see `sign::TLS12_EXTRA_VERIFIERS`).
ecdsa!(
    P256_SHA384,
    verify_p256_sha384,
    ECDSA_SECP384R1_SHA384,
    "P-256 SHA-384",
    65,
    ECDSA_P256_SHA384_ASN1,
    alg_id::ECDSA_P256,
    alg_id::ECDSA_SHA384
);
ecdsa!(
    P384_SHA256,
    verify_p384_sha256,
    ECDSA_SECP256R1_SHA256,
    "P-384 SHA-256",
    97,
    ECDSA_P384_SHA256_ASN1,
    alg_id::ECDSA_P384,
    alg_id::ECDSA_SHA256
);

pub(crate) static ED25519: Verifier = Verifier {
    scheme: SignatureScheme::ED25519,
    description: "Ed25519 (aws-lc-rs)",
    public_key_alg_id: alg_id::ED25519,
    signature_alg_id: alg_id::ED25519,
    verify: verify_ed25519,
};

fn verify_ed25519(public_key: &[u8], message: &[u8], signature: &[u8]) -> Result<(), CryptoError> {
    // A raw 32-byte key only (aws-lc would take an SPKI too).
    if public_key.len() != 32 {
        return Err(CryptoError::BadPublicKey("Ed25519"));
    }
    verify_with(&lc::ED25519, "Ed25519", public_key, message, signature)
}

/// Smallest and largest RSA modulus accepted, in bits (as the portable verifier).
const RSA_MIN_BITS: usize = 2048;
const RSA_MAX_BITS: usize = 8192;

/// The portable verifier's key rule without its bignum parse: `public_key` must be a
/// DER `RSAPublicKey` (RFC 8017 A.1.1) whose modulus has 2048–8192 bits (counted in
/// whole bytes, as the portable `rsa` crate's `size()`), no longer than such a key
/// can be. aws-lc decodes and checks the rest.
fn check_rsa_public_key(public_key: &[u8]) -> Result<(), CryptoError> {
    let bad = CryptoError::BadPublicKey("RSA");
    if public_key.len() > RSA_MAX_BITS / 8 + 64 {
        return Err(bad);
    }
    let (tag, body, rest) = crate::keys::read_tlv(public_key).ok_or(bad)?;
    if tag != 0x30 || !rest.is_empty() {
        return Err(bad);
    }
    let (tag, modulus, _) = crate::keys::read_tlv(body).ok_or(bad)?;
    if tag != 0x02 {
        return Err(bad);
    }
    let modulus = match modulus {
        [0, rest @ ..] => rest,
        all => all,
    };
    if (RSA_MIN_BITS..=RSA_MAX_BITS).contains(&(modulus.len() * 8)) {
        Ok(())
    } else {
        Err(bad)
    }
}

macro_rules! rsa {
    ($name:ident, $fn:ident, $scheme:ident, $desc:literal, $sig:expr, $lc:ident) => {
        pub(crate) static $name: Verifier = Verifier {
            scheme: SignatureScheme::$scheme,
            description: concat!($desc, " (aws-lc-rs)"),
            public_key_alg_id: alg_id::RSA_ENCRYPTION,
            signature_alg_id: $sig,
            verify: $fn,
        };

        fn $fn(public_key: &[u8], message: &[u8], signature: &[u8]) -> Result<(), CryptoError> {
            check_rsa_public_key(public_key)?;
            verify_with(&lc::$lc, "RSA", public_key, message, signature)
        }
    };
}

rsa!(
    PSS_SHA256,
    verify_pss_sha256,
    RSA_PSS_RSAE_SHA256,
    "RSA-PSS SHA-256",
    alg_id::RSA_PSS_SHA256,
    RSA_PSS_2048_8192_SHA256
);
rsa!(
    PSS_SHA384,
    verify_pss_sha384,
    RSA_PSS_RSAE_SHA384,
    "RSA-PSS SHA-384",
    alg_id::RSA_PSS_SHA384,
    RSA_PSS_2048_8192_SHA384
);
rsa!(
    PSS_SHA512,
    verify_pss_sha512,
    RSA_PSS_RSAE_SHA512,
    "RSA-PSS SHA-512",
    alg_id::RSA_PSS_SHA512,
    RSA_PSS_2048_8192_SHA512
);
rsa!(
    PKCS1_SHA256,
    verify_pkcs1_sha256,
    RSA_PKCS1_SHA256,
    "RSA PKCS#1 v1.5 SHA-256",
    alg_id::RSA_PKCS1_SHA256,
    RSA_PKCS1_2048_8192_SHA256
);
rsa!(
    PKCS1_SHA384,
    verify_pkcs1_sha384,
    RSA_PKCS1_SHA384,
    "RSA PKCS#1 v1.5 SHA-384",
    alg_id::RSA_PKCS1_SHA384,
    RSA_PKCS1_2048_8192_SHA384
);
rsa!(
    PKCS1_SHA512,
    verify_pkcs1_sha512,
    RSA_PKCS1_SHA512,
    "RSA PKCS#1 v1.5 SHA-512",
    alg_id::RSA_PKCS1_SHA512,
    RSA_PKCS1_2048_8192_SHA512
);

macro_rules! mldsa {
    ($name:ident, $fn:ident, $scheme:ident, $desc:literal, $alg:expr, $lc:ident, $pk_len:literal) => {
        pub(crate) static $name: Verifier = Verifier {
            scheme: SignatureScheme::$scheme,
            description: concat!($desc, " (aws-lc-rs)"),
            public_key_alg_id: $alg,
            signature_alg_id: $alg,
            verify: $fn,
        };

        /// ML-DSA.Verify with an empty context (aws-lc's pure ML-DSA).
        fn $fn(public_key: &[u8], message: &[u8], signature: &[u8]) -> Result<(), CryptoError> {
            // The raw encoded key only (aws-lc would take an SPKI too).
            if public_key.len() != $pk_len {
                return Err(CryptoError::BadPublicKey($desc));
            }
            verify_with(&lc::$lc, $desc, public_key, message, signature)
        }
    };
}

mldsa!(
    VERIFY_44,
    verify_mldsa44,
    MLDSA44,
    "ML-DSA-44",
    alg_id::ML_DSA_44,
    ML_DSA_44,
    1312
);
mldsa!(
    VERIFY_65,
    verify_mldsa65,
    MLDSA65,
    "ML-DSA-65",
    alg_id::ML_DSA_65,
    ML_DSA_65,
    1952
);
mldsa!(
    VERIFY_87,
    verify_mldsa87,
    MLDSA87,
    "ML-DSA-87",
    alg_id::ML_DSA_87,
    ML_DSA_87,
    2592
);

//! The one error type of `qssl-crypto`.

/// Why a cryptographic operation failed.
///
/// Deliberately small and `Copy`: it never carries key material, and the layers
/// above map each variant to exactly one TLS alert.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CryptoError {
    /// An AEAD tag did not verify (or the ciphertext was shorter than a tag).
    #[error("AEAD authentication failed")]
    DecryptFailed,
    /// A key, nonce or other input had the wrong length for the algorithm.
    #[error("wrong length for {what}: expected {expected}, got {got}")]
    BadLength {
        /// What had the wrong length.
        what: &'static str,
        /// The length the algorithm needs.
        expected: usize,
        /// The length that was supplied.
        got: usize,
    },
    /// An output longer than the algorithm can produce was requested (e.g. HKDF > 255 blocks).
    #[error("requested output is too long for {0}")]
    OutputTooLong(&'static str),

    // Hashes, HMAC, HKDF and the TLS 1.2 PRF.
    /// A MAC (HMAC tag, Finished verify_data) did not match; compared in constant time.
    #[error("MAC verification failed")]
    BadMac,
    /// An input was longer than its encoding allows (e.g. an HKDF-Expand-Label
    /// label over 249 bytes or a context over 255).
    #[error("{what} is too long: at most {max} bytes, got {got}")]
    InputTooLong {
        /// What was too long.
        what: &'static str,
        /// The largest length allowed.
        max: usize,
        /// The length that was supplied.
        got: usize,
    },
    // --- Key exchange and randomness (kx branch) ---
    /// A key share received from the peer is malformed or unacceptable.
    ///
    /// The handshake answers every reason with `illegal_parameter`.
    #[error("invalid key share: {0}")]
    InvalidKeyShare(crate::kx::KeyShareError),
    /// The operating system's random number generator failed.
    #[error("the random number generator failed")]
    RandomFailed,
    /// `complete_hybrid_component` was called on a key exchange that is not a hybrid.
    #[error("the key exchange has no hybrid component")]
    NotHybrid,
    // --- Signatures and keys (sign/, keys.rs) ---
    /// A signature did not verify: wrong key, wrong message, or a malformed signature.
    #[error("signature verification failed")]
    BadSignature,
    /// A public key does not decode for the algorithm named.
    #[error("invalid {0} public key")]
    BadPublicKey(&'static str),
    /// The key (or this crate) cannot sign or verify with this scheme.
    #[error("signature scheme {0} is not supported here")]
    UnsupportedSignatureScheme(crate::sign::SignatureScheme),
    /// A private key's algorithm (or elliptic curve) is not one this crate loads.
    #[error(
        "unsupported key algorithm {0}; supported: id-ecPublicKey with P-256 or P-384, \
         Ed25519, rsaEncryption, ML-DSA-44/65/87"
    )]
    UnsupportedKeyAlgorithm(crate::keys::Oid),
    /// A private key file or structure is malformed.
    #[error("malformed private key: {0}")]
    MalformedKey(crate::keys::KeyFormatError),
    /// The signing primitive failed (named).
    #[error("{0} signing failed")]
    SigningFailed(&'static str),
    /// Key generation failed (named).
    #[error("{0} key generation failed")]
    KeyGenerationFailed(&'static str),
    /// A backend (aws-lc) failed inside an operation that cannot fail on valid,
    /// length-checked input (named); not caused by peer data.
    #[error("{0} failed inside the crypto backend")]
    Internal(&'static str),
}

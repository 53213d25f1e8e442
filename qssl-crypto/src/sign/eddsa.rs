//! Ed25519 (RFC 8032) on `ed25519-dalek`.

use super::{KeyAlgorithm, SignatureScheme, SigningKey, Verifier, check_scheme, random_bytes};
use crate::error::CryptoError;
use core::fmt;
use ed25519_dalek::pkcs8::EncodePublicKey;
use rustls_pki_types::alg_id;
use signature::{Signer, Verifier as _};

pub(crate) static ED25519: Verifier = Verifier {
    scheme: SignatureScheme::ED25519,
    description: "Ed25519 (ed25519-dalek)",
    public_key_alg_id: alg_id::ED25519,
    signature_alg_id: alg_id::ED25519,
    verify: verify_ed25519,
};

fn verify_ed25519(public_key: &[u8], message: &[u8], signature: &[u8]) -> Result<(), CryptoError> {
    let public_key: &[u8; 32] = public_key
        .try_into()
        .map_err(|_| CryptoError::BadPublicKey("Ed25519"))?;
    let key = ed25519_dalek::VerifyingKey::from_bytes(public_key)
        .map_err(|_| CryptoError::BadPublicKey("Ed25519"))?;
    let signature =
        ed25519_dalek::Signature::from_slice(signature).map_err(|_| CryptoError::BadSignature)?;
    // RFC 8032 §5.1.7 verification (cofactorless, S < L), as ring, OpenSSL and BoringSSL do:
    // `verify_strict` would also refuse small-order keys that the RFC accepts.
    key.verify(message, &signature)
        .map_err(|_| CryptoError::BadSignature)
}

/// An Ed25519 private key.
pub(crate) struct Ed25519Key {
    key: ed25519_dalek::SigningKey,
}

impl Ed25519Key {
    pub(crate) fn new(key: ed25519_dalek::SigningKey) -> Self {
        Self { key }
    }

    pub(crate) fn inner(&self) -> &ed25519_dalek::SigningKey {
        &self.key
    }

    pub(crate) fn generate() -> Result<Self, CryptoError> {
        let mut secret = zeroize::Zeroizing::new([0u8; 32]);
        random_bytes(&mut secret[..])?;
        Ok(Self {
            key: ed25519_dalek::SigningKey::from_bytes(&secret),
        })
    }
}

impl fmt::Debug for Ed25519Key {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Ed25519Key(..)")
    }
}

impl SigningKey for Ed25519Key {
    fn algorithm(&self) -> KeyAlgorithm {
        KeyAlgorithm::Ed25519
    }

    fn schemes(&self) -> &[SignatureScheme] {
        &[SignatureScheme::ED25519]
    }

    fn sign(&self, scheme: SignatureScheme, message: &[u8]) -> Result<Vec<u8>, CryptoError> {
        check_scheme(scheme, self.schemes())?;
        let signature = self
            .key
            .try_sign(message)
            .map_err(|_| CryptoError::SigningFailed("Ed25519"))?;
        Ok(signature.to_bytes().to_vec())
    }

    fn public_key_spki(&self) -> Vec<u8> {
        match self.key.verifying_key().to_public_key_der() {
            Ok(doc) => doc.into_vec(),
            Err(_) => Vec::new(),
        }
    }
}

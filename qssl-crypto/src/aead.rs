//! Authenticated encryption: AES-128-GCM, AES-256-GCM and ChaCha20-Poly1305.
//!
//! The record layer seals and opens in place, with the tag detached, so that a
//! record's header, ciphertext and tag can live in one buffer and no record
//! needs an allocation of its own. Algorithms are `&'static dyn Aead` values so
//! that a second provider (aws-lc) can stand in without touching the record layer.

use crate::error::CryptoError;
use aes_gcm::aead::consts::{U12, U16};
use aes_gcm::aead::{AeadInOut, KeyInit};

/// Length of every supported AEAD's nonce (RFC 5116 `N_MIN = N_MAX = 12`).
pub const NONCE_LEN: usize = 12;
/// Length of every supported AEAD's authentication tag.
pub const TAG_LEN: usize = 16;

/// A nonce for one seal or open.
pub type Nonce = [u8; NONCE_LEN];
/// A detached authentication tag.
pub type Tag = [u8; TAG_LEN];

/// An AEAD algorithm: knows its key length and makes keys.
pub trait Aead: Send + Sync + core::fmt::Debug {
    /// The algorithm's name, e.g. `"AES-128-GCM"`.
    fn name(&self) -> &'static str;
    /// Key length in bytes.
    fn key_len(&self) -> usize;
    /// Builds a key from `key` (which must be `key_len()` bytes long).
    fn new_key(&self, key: &[u8]) -> Result<Box<dyn AeadKey>, CryptoError>;
}

/// An expanded AEAD key. Its key schedule is wiped when dropped.
pub trait AeadKey: Send + Sync {
    /// Encrypts `buf` in place and returns the tag.
    fn seal_in_place(&self, nonce: &Nonce, aad: &[u8], buf: &mut [u8]) -> Result<Tag, CryptoError>;
    /// Decrypts `buf` in place after checking `tag` (in constant time, by the
    /// underlying crate). On failure `buf`'s contents are unspecified.
    fn open_in_place(
        &self,
        nonce: &Nonce,
        aad: &[u8],
        buf: &mut [u8],
        tag: &Tag,
    ) -> Result<(), CryptoError>;
}

/// AES-128-GCM (NIST SP 800-38D), key 16 bytes.
pub static AES_128_GCM: &dyn Aead = &RustCryptoAead::<aes_gcm::Aes128Gcm> {
    name: "AES-128-GCM",
    key_len: 16,
    _cipher: core::marker::PhantomData,
};
/// AES-256-GCM (NIST SP 800-38D), key 32 bytes.
pub static AES_256_GCM: &dyn Aead = &RustCryptoAead::<aes_gcm::Aes256Gcm> {
    name: "AES-256-GCM",
    key_len: 32,
    _cipher: core::marker::PhantomData,
};
/// ChaCha20-Poly1305 (RFC 8439), key 32 bytes.
pub static CHACHA20_POLY1305: &dyn Aead = &RustCryptoAead::<chacha20poly1305::ChaCha20Poly1305> {
    name: "ChaCha20-Poly1305",
    key_len: 32,
    _cipher: core::marker::PhantomData,
};

struct RustCryptoAead<C> {
    name: &'static str,
    key_len: usize,
    _cipher: core::marker::PhantomData<fn() -> C>,
}

impl<C> core::fmt::Debug for RustCryptoAead<C> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(self.name)
    }
}

impl<C> Aead for RustCryptoAead<C>
where
    C: KeyInit + AeadInOut<NonceSize = U12, TagSize = U16> + Send + Sync + 'static,
{
    fn name(&self) -> &'static str {
        self.name
    }

    fn key_len(&self) -> usize {
        self.key_len
    }

    fn new_key(&self, key: &[u8]) -> Result<Box<dyn AeadKey>, CryptoError> {
        let cipher = C::new_from_slice(key).map_err(|_| CryptoError::BadLength {
            what: "AEAD key",
            expected: self.key_len,
            got: key.len(),
        })?;
        // Boxed so that the (zeroize-on-drop) key schedule is never copied around.
        Ok(Box::new(RustCryptoKey(cipher)))
    }
}

struct RustCryptoKey<C>(C);

impl<C> AeadKey for RustCryptoKey<C>
where
    C: AeadInOut<NonceSize = U12, TagSize = U16> + Send + Sync,
{
    fn seal_in_place(&self, nonce: &Nonce, aad: &[u8], buf: &mut [u8]) -> Result<Tag, CryptoError> {
        let tag = self
            .0
            .encrypt_inout_detached(nonce.into(), aad, buf.into())
            .map_err(|_| CryptoError::OutputTooLong("AEAD seal"))?;
        let mut out = [0u8; TAG_LEN];
        out.copy_from_slice(&tag);
        Ok(out)
    }

    fn open_in_place(
        &self,
        nonce: &Nonce,
        aad: &[u8],
        buf: &mut [u8],
        tag: &Tag,
    ) -> Result<(), CryptoError> {
        self.0
            .decrypt_inout_detached(nonce.into(), aad, buf.into(), tag.into())
            .map_err(|_| CryptoError::DecryptFailed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::ids::CipherSuite;
    use crate::provider::compiled_providers;

    // RFC 8439 §2.8.2: the AEAD_CHACHA20_POLY1305 example, on every provider.
    #[test]
    fn chacha20_poly1305_rfc8439_2_8_2() {
        for (name, p) in compiled_providers() {
            let aead = p
                .tls13_suite(CipherSuite::TLS13_CHACHA20_POLY1305_SHA256)
                .unwrap()
                .aead;
            rfc8439_2_8_2(name, aead);
        }
    }

    fn rfc8439_2_8_2(name: &str, aead: &dyn Aead) {
        let key = hex::decode("808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9f")
            .unwrap();
        let nonce: Nonce = hex::decode("070000004041424344454647")
            .unwrap()
            .try_into()
            .unwrap();
        let aad = hex::decode("50515253c0c1c2c3c4c5c6c7").unwrap();
        let mut buf = b"Ladies and Gentlemen of the class of '99: If I could offer you only one tip for the future, sunscreen would be it.".to_vec();
        let key = aead.new_key(&key).unwrap();
        let tag = key.seal_in_place(&nonce, &aad, &mut buf).unwrap();
        assert_eq!(
            hex::encode(tag),
            "1ae10b594f09e26a7e902ecbd0600691",
            "{name}"
        );
        assert_eq!(
            hex::encode(&buf[..16]),
            "d31a8d34648e60db7b86afbc53ef7ec2",
            "{name}"
        );
        key.open_in_place(&nonce, &aad, &mut buf, &tag).unwrap();
        assert!(buf.starts_with(b"Ladies and Gentlemen"), "{name}");
        let mut bad = tag;
        bad[0] ^= 1;
        assert_eq!(
            key.open_in_place(&nonce, &aad, &mut buf, &bad),
            Err(CryptoError::DecryptFailed),
            "{name}"
        );
    }

    #[test]
    fn wrong_key_length_is_reported() {
        for (name, p) in compiled_providers() {
            for suite in &p.tls13_cipher_suites {
                let aead = suite.aead;
                let short = vec![0u8; aead.key_len() - 1];
                let err = aead.new_key(&short).err().unwrap();
                assert_eq!(
                    err,
                    CryptoError::BadLength {
                        what: "AEAD key",
                        expected: aead.key_len(),
                        got: aead.key_len() - 1,
                    },
                    "{name} {}",
                    aead.name()
                );
            }
        }
        assert_eq!(AES_128_GCM.key_len(), 16);
    }
}

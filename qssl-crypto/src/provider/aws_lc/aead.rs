//! AES-128/256-GCM and ChaCha20-Poly1305 on aws-lc's assembly (AES-NI + PCLMUL / AVX2).

use crate::aead::{Aead, AeadKey, Nonce, TAG_LEN, Tag};
use crate::error::CryptoError;
use aws_lc_rs::aead::{self as lc, Aad, LessSafeKey, UnboundKey};

/// One aws-lc AEAD algorithm.
pub(crate) struct AwsLcAead {
    name: &'static str,
    algorithm: &'static lc::Algorithm,
}

impl core::fmt::Debug for AwsLcAead {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "{} (aws-lc-rs)", self.name)
    }
}

pub(crate) static AES_128_GCM: AwsLcAead = AwsLcAead {
    name: "AES-128-GCM",
    algorithm: &lc::AES_128_GCM,
};
pub(crate) static AES_256_GCM: AwsLcAead = AwsLcAead {
    name: "AES-256-GCM",
    algorithm: &lc::AES_256_GCM,
};
pub(crate) static CHACHA20_POLY1305: AwsLcAead = AwsLcAead {
    name: "ChaCha20-Poly1305",
    algorithm: &lc::CHACHA20_POLY1305,
};

impl Aead for AwsLcAead {
    fn name(&self) -> &'static str {
        self.name
    }

    fn key_len(&self) -> usize {
        self.algorithm.key_len()
    }

    fn new_key(&self, key: &[u8]) -> Result<Box<dyn AeadKey>, CryptoError> {
        // aws-lc refuses a wrong length without saying which; report it as the
        // portable provider does.
        if key.len() != self.key_len() {
            return Err(CryptoError::BadLength {
                what: "AEAD key",
                expected: self.key_len(),
                got: key.len(),
            });
        }
        let key = UnboundKey::new(self.algorithm, key).map_err(|_| CryptoError::BadLength {
            what: "AEAD key",
            expected: self.key_len(),
            got: key.len(),
        })?;
        // The EVP_AEAD_CTX inside is freed with OPENSSL_free, which wipes it.
        Ok(Box::new(AwsLcKey(LessSafeKey::new(key))))
    }
}

struct AwsLcKey(LessSafeKey);

impl AeadKey for AwsLcKey {
    fn seal_in_place(&self, nonce: &Nonce, aad: &[u8], buf: &mut [u8]) -> Result<Tag, CryptoError> {
        let tag = self
            .0
            .seal_in_place_separate_tag(
                lc::Nonce::assume_unique_for_key(*nonce),
                Aad::from(aad),
                buf,
            )
            .map_err(|_| CryptoError::OutputTooLong("AEAD seal"))?;
        let mut out = [0u8; TAG_LEN];
        out.copy_from_slice(tag.as_ref());
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
            .open_in_place_separate_tag(
                lc::Nonce::assume_unique_for_key(*nonce),
                Aad::from(aad),
                tag,
                buf,
            )
            .map(|_| ())
            .map_err(|_| CryptoError::DecryptFailed)
    }
}

//! HMAC (RFC 2104) over SHA-256 and SHA-384.
//!
//! HKDF and the TLS 1.2 PRF are built on this seam, so a provider that supplies
//! an [`Hmac`] gets both. Inputs are passed as lists of slices because every
//! caller (HKDF's `T(i-1) ‖ info ‖ i`, P_hash's `A(i) ‖ label ‖ seed`) would
//! otherwise concatenate them into a temporary buffer first.

use crate::error::CryptoError;
use crate::hash::{Hash, HashAlgorithm, HashOutput, SHA256, SHA384};
use core::fmt;
use hmac::{KeyInit, Mac};
use subtle::ConstantTimeEq;

/// An HMAC algorithm: makes keys.
pub trait Hmac: Send + Sync + fmt::Debug {
    /// The underlying hash function.
    fn hash(&self) -> &'static dyn Hash;

    /// The underlying hash function's identity.
    fn algorithm(&self) -> HashAlgorithm {
        self.hash().algorithm()
    }

    /// Tag length in bytes (the hash's output length).
    fn tag_len(&self) -> usize {
        self.algorithm().output_len()
    }

    /// Prepares a key (any length, RFC 2104 §2) for repeated use.
    fn with_key(&self, key: &[u8]) -> Box<dyn HmacKey>;
}

/// A keyed HMAC. Key material inside is wiped when dropped.
pub trait HmacKey: Send + Sync {
    /// The tag over `first ‖ middle[0] ‖ … ‖ last`.
    fn sign_concat(&self, first: &[u8], middle: &[&[u8]], last: &[u8]) -> HashOutput;

    /// The tag over the concatenation of `data`.
    fn sign(&self, data: &[&[u8]]) -> HashOutput {
        self.sign_concat(&[], data, &[])
    }

    /// Checks `tag` against the tag over the concatenation of `data`, in
    /// constant time (only the length of `tag`, which is public, may leak).
    fn verify(&self, data: &[&[u8]], tag: &[u8]) -> Result<(), CryptoError> {
        let mut expected = self.sign(data);
        let ok: bool = expected.as_bytes().ct_eq(tag).into();
        zeroize::Zeroize::zeroize(&mut expected);
        if ok { Ok(()) } else { Err(CryptoError::BadMac) }
    }
}

/// HMAC-SHA256 (RFC 2104, RFC 4231).
pub static HMAC_SHA256: &dyn Hmac = &RustCryptoHmac::<sha2::Sha256> {
    hash: SHA256,
    _d: core::marker::PhantomData,
};

/// HMAC-SHA384 (RFC 2104, RFC 4231).
pub static HMAC_SHA384: &dyn Hmac = &RustCryptoHmac::<sha2::Sha384> {
    hash: SHA384,
    _d: core::marker::PhantomData,
};

/// One-shot HMAC of `data` under `key`.
pub fn hmac_sign(hmac: &dyn Hmac, key: &[u8], data: &[u8]) -> HashOutput {
    hmac.with_key(key).sign(&[data])
}

/// One-shot constant-time check of `tag` over `data` under `key`:
/// [`CryptoError::BadMac`] on mismatch.
pub fn hmac_verify(
    hmac: &dyn Hmac,
    key: &[u8],
    data: &[u8],
    tag: &[u8],
) -> Result<(), CryptoError> {
    hmac.with_key(key).verify(&[data], tag)
}

struct RustCryptoHmac<D> {
    hash: &'static dyn Hash,
    _d: core::marker::PhantomData<fn() -> D>,
}

impl<D> fmt::Debug for RustCryptoHmac<D> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "HMAC-{:?}", self.hash.algorithm())
    }
}

impl<D> Hmac for RustCryptoHmac<D>
where
    D: hmac::EagerHash + Send + Sync + 'static,
    hmac::Hmac<D>: Send + Sync,
{
    fn hash(&self) -> &'static dyn Hash {
        self.hash
    }

    fn with_key(&self, key: &[u8]) -> Box<dyn HmacKey> {
        // Cannot fail: HMAC hashes long keys and pads short ones (RFC 2104 §3);
        // the Result exists only because the trait serves fixed-key MACs too.
        let mac = match <hmac::Hmac<D> as KeyInit>::new_from_slice(key) {
            Ok(mac) => mac,
            Err(_) => unreachable!("HMAC accepts keys of any length"),
        };
        Box::new(RustCryptoHmacKey(mac))
    }
}

struct RustCryptoHmacKey<D: hmac::EagerHash>(hmac::Hmac<D>);

impl<D> HmacKey for RustCryptoHmacKey<D>
where
    D: hmac::EagerHash + Send + Sync + 'static,
    hmac::Hmac<D>: Send + Sync,
{
    fn sign_concat(&self, first: &[u8], middle: &[&[u8]], last: &[u8]) -> HashOutput {
        // The keyed state (inner and outer pads already absorbed) is cloned per
        // tag so the key is processed once however many tags are made.
        let mut mac = self.0.clone();
        mac.update(first);
        for m in middle {
            mac.update(m);
        }
        mac.update(last);
        HashOutput::new(&mac.finalize().into_bytes())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ids::CipherSuite;
    use crate::provider::compiled_providers;

    /// Every provider's HMAC-SHA256 and HMAC-SHA384 (under its suites' HKDF).
    fn hmacs() -> Vec<(&'static dyn Hmac, &'static dyn Hmac)> {
        compiled_providers()
            .into_iter()
            .map(|(_, p)| {
                let sha256 = p
                    .tls13_suite(CipherSuite::TLS13_AES_128_GCM_SHA256)
                    .unwrap();
                let sha384 = p
                    .tls13_suite(CipherSuite::TLS13_AES_256_GCM_SHA384)
                    .unwrap();
                (sha256.hkdf.hmac(), sha384.hkdf.hmac())
            })
            .collect()
    }

    // RFC 4231 §4.2 (test case 1) and §4.7 (test case 6: key longer than a block).
    #[test]
    fn rfc4231_test_cases_1_and_6() {
        for (sha256, sha384) in hmacs() {
            let key = [0x0b; 20];
            assert_eq!(
                hex::encode(hmac_sign(sha256, &key, b"Hi There")),
                "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7"
            );
            assert_eq!(
                hex::encode(hmac_sign(sha384, &key, b"Hi There")),
                "afd03944d84895626b0825f4ab46907f15f9dadbe4101ec682aa034c7cebc59c\
                 faea9ea9076ede7f4af152e8b2fa9cb6"
            );
            let long_key = [0xaa; 131];
            let data = b"Test Using Larger Than Block-Size Key - Hash Key First";
            assert_eq!(
                hex::encode(hmac_sign(sha256, &long_key, data)),
                "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54"
            );
            assert_eq!(
                hex::encode(hmac_sign(sha384, &long_key, data)),
                "4ece084485813e9088d2c63a041bc5b44f9ef1012a2b588f3cd11f05033ac4c6\
                 0c2ef6ab4030fe8296248df163f44952"
            );
        }
    }

    #[test]
    fn pieces_concatenate_and_verify_rejects_any_change() {
        for (sha256, sha384) in hmacs() {
            let key = sha256.with_key(b"key");
            let whole = key.sign(&[b"abcdef"]);
            assert_eq!(key.sign_concat(b"ab", &[b"c", b"", b"de"], b"f"), whole);
            assert_eq!(key.verify(&[b"abc", b"def"], whole.as_bytes()), Ok(()));
            let mut bad = whole;
            let mut bytes = bad.as_bytes().to_vec();
            bytes[31] ^= 0x80;
            bad = HashOutput::new(&bytes);
            assert_eq!(
                key.verify(&[b"abcdef"], bad.as_bytes()),
                Err(CryptoError::BadMac)
            );
            assert_eq!(
                key.verify(&[b"abcdef"], &whole.as_bytes()[..31]),
                Err(CryptoError::BadMac)
            );
            assert_eq!(
                hmac_verify(sha256, b"key", b"abcdef", whole.as_bytes()),
                Ok(())
            );
            assert_eq!(
                hmac_verify(sha256, b"kez", b"abcdef", whole.as_bytes()),
                Err(CryptoError::BadMac)
            );
            assert_eq!(sha384.tag_len(), 48);
            assert_eq!(sha384.algorithm(), HashAlgorithm::Sha384);
        }
    }
}

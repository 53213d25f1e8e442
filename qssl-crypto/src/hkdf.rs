//! HKDF (RFC 5869) and the TLS 1.3 `HKDF-Expand-Label` / `Derive-Secret`
//! (RFC 8446 §7.1).
//!
//! HKDF is built on the [`Hmac`] seam, so a provider that supplies HMAC gets
//! HKDF with it. Every secret of the TLS 1.3 key schedule is a [`Prk`]: a
//! pseudorandom key bound to its hash, wiped on drop, that knows how to derive
//! the next secrets. The schedule reads as RFC 8446 §7.1 does:
//!
//! ```
//! use qssl_crypto::hkdf::HKDF_SHA256;
//! # fn main() -> Result<(), qssl_crypto::error::CryptoError> {
//! # let (dhe, hello_hash, finished_hash) = ([7u8; 32], [1u8; 32], [2u8; 32]);
//! // Early Secret = HKDF-Extract(0, 0): no PSK.
//! let early = HKDF_SHA256.extract(None, &[0u8; 32]);
//! // Handshake Secret = HKDF-Extract(Derive-Secret(early, "derived", ""), (EC)DHE).
//! let handshake = early.next_stage(Some(&dhe))?;
//! let client_hs = handshake.derive_secret(b"c hs traffic", &hello_hash)?;
//! // Record protection keys for the client's handshake flight (§7.3).
//! let (mut key, mut iv) = ([0u8; 16], [0u8; 12]);
//! client_hs.expand_label(b"key", b"", &mut key)?;
//! client_hs.expand_label(b"iv", b"", &mut iv)?;
//! // Finished (§4.4.4): verify_data = HMAC(finished_key, Transcript-Hash).
//! let finished_key = client_hs.expand_label_secret(b"finished", b"")?;
//! let verify_data = finished_key.hmac_sign(&finished_hash);
//! assert!(finished_key.hmac_verify(&finished_hash, verify_data.as_ref()).is_ok());
//! // Master Secret = HKDF-Extract(Derive-Secret(handshake, "derived", ""), 0).
//! let master = handshake.next_stage(None)?;
//! let client_app = master.derive_secret(b"c ap traffic", &finished_hash)?;
//! // KeyUpdate (§7.2).
//! let _next = client_app.expand_label_secret(b"traffic upd", b"")?;
//! # Ok(()) }
//! ```
//!
//! Labels are passed without the `"tls13 "` prefix, which
//! [`Prk::expand_label`] adds.

use crate::error::CryptoError;
use crate::hash::{HashAlgorithm, HashOutput};
use crate::hmac::{HMAC_SHA256, HMAC_SHA384, Hmac};
use crate::secret::Secret;
use core::fmt;

/// The prefix RFC 8446 §7.1 puts before every HKDF-Expand-Label label.
const LABEL_PREFIX: &[u8] = b"tls13 ";
/// `opaque label<7..255>` leaves this much room after the prefix.
pub const MAX_LABEL_LEN: usize = 255 - LABEL_PREFIX.len();
/// `opaque context<0..255>`.
pub const MAX_CONTEXT_LEN: usize = 255;

/// An HKDF instance (RFC 5869) over one hash function.
///
/// A provider supplies HKDF by supplying its [`Hmac`] (see [`HkdfUsingHmac`]);
/// [`Prk`]'s expansions always run on that HMAC.
pub trait Hkdf: Send + Sync + fmt::Debug {
    /// The HMAC that HKDF is built on.
    fn hmac(&self) -> &'static dyn Hmac;

    /// The hash function's identity.
    fn algorithm(&self) -> HashAlgorithm {
        self.hmac().algorithm()
    }

    /// `HashLen`: output length of the hash, and length of every PRK.
    fn hash_len(&self) -> usize {
        self.algorithm().output_len()
    }

    /// HKDF-Extract (RFC 5869 §2.2): `PRK = HMAC-Hash(salt, IKM)`. A missing
    /// salt is `HashLen` zero bytes, which is also what RFC 8446 means by a salt
    /// of "0".
    fn extract(&self, salt: Option<&[u8]>, ikm: &[u8]) -> Prk {
        extract_with(self.hmac(), salt, ikm)
    }

    /// Uses a secret derived earlier (a resumption PSK loaded from a ticket
    /// store, a traffic secret handed to the record layer) as a PRK. It must
    /// be exactly `HashLen` bytes long.
    fn prk_from_secret(&self, secret: &[u8]) -> Result<Prk, CryptoError> {
        let hmac = self.hmac();
        if secret.len() != hmac.tag_len() {
            return Err(CryptoError::BadLength {
                what: "HKDF PRK",
                expected: hmac.tag_len(),
                got: secret.len(),
            });
        }
        Ok(Prk {
            hmac,
            secret: Secret::from_slice(secret),
        })
    }
}

/// HKDF-SHA256 (TLS_AES_128_GCM_SHA256, TLS_CHACHA20_POLY1305_SHA256).
pub static HKDF_SHA256: &dyn Hkdf = &HkdfUsingHmac(HMAC_SHA256);

/// HKDF-SHA384 (TLS_AES_256_GCM_SHA384).
pub static HKDF_SHA384: &dyn Hkdf = &HkdfUsingHmac(HMAC_SHA384);

/// HKDF over any [`Hmac`]: how every provider offers HKDF.
pub struct HkdfUsingHmac(pub &'static dyn Hmac);

impl fmt::Debug for HkdfUsingHmac {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "HKDF-{:?}", self.0.algorithm())
    }
}

impl Hkdf for HkdfUsingHmac {
    fn hmac(&self) -> &'static dyn Hmac {
        self.0
    }
}

fn extract_with(hmac: &'static dyn Hmac, salt: Option<&[u8]>, ikm: &[u8]) -> Prk {
    let zeros = [0u8; crate::hash::MAX_HASH_LEN];
    let salt = salt.unwrap_or(&zeros[..hmac.tag_len()]);
    let mut prk = hmac.with_key(salt).sign(&[ikm]);
    let out = Prk {
        hmac,
        secret: Secret::from_slice(prk.as_bytes()),
    };
    zeroize::Zeroize::zeroize(&mut prk);
    out
}

/// A pseudorandom key (RFC 5869 §2.2): every secret of the TLS 1.3 key
/// schedule. Wiped on drop, not `Clone`, `Debug` shows only the hash.
pub struct Prk {
    hmac: &'static dyn Hmac,
    secret: Secret,
}

impl fmt::Debug for Prk {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Prk({:?}, [REDACTED])", self.hmac.algorithm())
    }
}

impl Prk {
    /// The hash this key belongs to.
    pub fn algorithm(&self) -> HashAlgorithm {
        self.hmac.algorithm()
    }

    /// `HashLen`.
    pub fn hash_len(&self) -> usize {
        self.hmac.tag_len()
    }

    /// HKDF-Expand (RFC 5869 §2.3) with `info` the concatenation of the
    /// slices, filling `out`. More than `255 * HashLen` bytes is
    /// [`CryptoError::OutputTooLong`], with `out` untouched.
    pub fn expand(&self, info: &[&[u8]], out: &mut [u8]) -> Result<(), CryptoError> {
        let hash_len = self.hash_len();
        if out.len() > 255 * hash_len {
            return Err(CryptoError::OutputTooLong("HKDF-Expand"));
        }
        let key = self.hmac.with_key(self.secret.expose());
        let mut t = HashOutput::new(&[]);
        for (i, chunk) in out.chunks_mut(hash_len).enumerate() {
            // Cannot truncate: at most 255 chunks were checked above.
            let counter = [(i + 1) as u8];
            t = key.sign_concat(t.as_bytes(), info, &counter);
            chunk.copy_from_slice(&t.as_bytes()[..chunk.len()]);
        }
        zeroize::Zeroize::zeroize(&mut t);
        Ok(())
    }

    /// HKDF-Expand-Label (RFC 8446 §7.1) filling `out`; `label` without the
    /// `"tls13 "` prefix.
    ///
    /// ```text
    /// struct {
    ///     uint16 length = Length;
    ///     opaque label<7..255> = "tls13 " + Label;
    ///     opaque context<0..255> = Context;
    /// } HkdfLabel;
    /// ```
    ///
    /// A label over [`MAX_LABEL_LEN`] or a context over [`MAX_CONTEXT_LEN`]
    /// bytes is [`CryptoError::InputTooLong`]; `out` over 65535 bytes (or
    /// `255 * HashLen`) is [`CryptoError::OutputTooLong`].
    pub fn expand_label(
        &self,
        label: &[u8],
        context: &[u8],
        out: &mut [u8],
    ) -> Result<(), CryptoError> {
        if label.len() > MAX_LABEL_LEN {
            return Err(CryptoError::InputTooLong {
                what: "HKDF-Expand-Label label",
                max: MAX_LABEL_LEN,
                got: label.len(),
            });
        }
        if context.len() > MAX_CONTEXT_LEN {
            return Err(CryptoError::InputTooLong {
                what: "HKDF-Expand-Label context",
                max: MAX_CONTEXT_LEN,
                got: context.len(),
            });
        }
        let length = u16::try_from(out.len())
            .map_err(|_| CryptoError::OutputTooLong("HKDF-Expand-Label"))?;
        // Checked above, so these fit in one byte.
        let label_len = [(LABEL_PREFIX.len() + label.len()) as u8];
        let context_len = [context.len() as u8];
        let info: [&[u8]; 6] = [
            &length.to_be_bytes(),
            &label_len,
            LABEL_PREFIX,
            label,
            &context_len,
            context,
        ];
        self.expand(&info, out)
    }

    /// HKDF-Expand-Label to `Hash.length` bytes, as a new secret: traffic
    /// secrets, `"finished"` keys, `"traffic upd"` (KeyUpdate),
    /// `"res binder"`/`"resumption"` (PSK), `"derived"`.
    pub fn expand_label_secret(&self, label: &[u8], context: &[u8]) -> Result<Prk, CryptoError> {
        let mut secret = Secret::zeroed(self.hash_len());
        self.expand_label(label, context, secret.expose_mut())?;
        Ok(Prk {
            hmac: self.hmac,
            secret,
        })
    }

    /// Derive-Secret (RFC 8446 §7.1): `HKDF-Expand-Label(self, label,
    /// Transcript-Hash(Messages), Hash.length)`, given the transcript hash
    /// itself (e.g. from [`crate::hash::HashContext::fork_finish`]).
    pub fn derive_secret(&self, label: &[u8], transcript_hash: &[u8]) -> Result<Prk, CryptoError> {
        self.expand_label_secret(label, transcript_hash)
    }

    /// The step between stages of the RFC 8446 §7.1 schedule:
    /// `HKDF-Extract(Derive-Secret(self, "derived", ""), ikm)`, where `None`
    /// is `Hash.length` zero bytes. Early Secret → Handshake Secret (with the
    /// (EC)DHE shared secret) → Master Secret (with `None`).
    pub fn next_stage(&self, ikm: Option<&[u8]>) -> Result<Prk, CryptoError> {
        let empty_hash = self.hmac.hash().hash(b"");
        let salt = self.derive_secret(b"derived", empty_hash.as_bytes())?;
        let zeros = [0u8; crate::hash::MAX_HASH_LEN];
        let ikm = ikm.unwrap_or(&zeros[..self.hash_len()]);
        Ok(extract_with(self.hmac, Some(salt.secret.expose()), ikm))
    }

    /// HMAC keyed with this secret, e.g. Finished `verify_data` (RFC 8446
    /// §4.4.4) from a `"finished"` key, or a PSK binder.
    pub fn hmac_sign(&self, data: &[u8]) -> HashOutput {
        self.hmac.with_key(self.secret.expose()).sign(&[data])
    }

    /// Constant-time check of `tag` against [`hmac_sign`](Self::hmac_sign)
    /// of `data`: [`CryptoError::BadMac`] on mismatch.
    pub fn hmac_verify(&self, data: &[u8], tag: &[u8]) -> Result<(), CryptoError> {
        self.hmac
            .with_key(self.secret.expose())
            .verify(&[data], tag)
    }

    /// The secret bytes, for what must leave the schedule: a resumption PSK
    /// to store in a ticket, an exporter, a key log. Everything else derives
    /// through the methods above.
    pub fn expose_secret(&self) -> &[u8] {
        self.secret.expose()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hash::SHA256;

    #[test]
    fn limits_are_enforced() {
        let prk = HKDF_SHA256.extract(None, b"ikm");
        let mut big = vec![0u8; 255 * 32 + 1];
        assert_eq!(
            prk.expand(&[], &mut big),
            Err(CryptoError::OutputTooLong("HKDF-Expand"))
        );
        assert!(big.iter().all(|&b| b == 0));
        prk.expand(&[], &mut big[..255 * 32]).unwrap();
        let mut out = [0u8; 16];
        assert!(
            prk.expand_label(&[b'a'; MAX_LABEL_LEN], &[0; 255], &mut out)
                .is_ok()
        );
        assert_eq!(
            prk.expand_label(&[b'a'; MAX_LABEL_LEN + 1], b"", &mut out),
            Err(CryptoError::InputTooLong {
                what: "HKDF-Expand-Label label",
                max: 249,
                got: 250
            })
        );
        assert!(matches!(
            prk.expand_label(b"key", &[0; 256], &mut out),
            Err(CryptoError::InputTooLong {
                max: 255,
                got: 256,
                ..
            })
        ));
        assert!(HKDF_SHA384.prk_from_secret(&[0; 32]).is_err());
        assert!(HKDF_SHA384.prk_from_secret(&[0; 48]).is_ok());
    }

    #[test]
    fn debug_is_redacted() {
        let prk = HKDF_SHA256.prk_from_secret(&[0x5a; 32]).unwrap();
        assert_eq!(format!("{prk:?}"), "Prk(Sha256, [REDACTED])");
        assert_eq!(format!("{HKDF_SHA384:?}"), "HKDF-Sha384");
    }

    #[test]
    fn expand_label_encodes_hkdf_label() {
        // HkdfLabel for ("key", "", 16) spelled out by hand from RFC 8446 §7.1.
        let prk = HKDF_SHA256.prk_from_secret(&[0x11; 32]).unwrap();
        let mut via_label = [0u8; 16];
        prk.expand_label(b"key", b"", &mut via_label).unwrap();
        let mut via_info = [0u8; 16];
        prk.expand(&[b"\x00\x10\x09tls13 key\x00"], &mut via_info)
            .unwrap();
        assert_eq!(via_label, via_info);
        // next_stage is Extract(Derive-Secret(., "derived", ""), ikm).
        let salt = prk
            .derive_secret(b"derived", SHA256.hash(b"").as_bytes())
            .unwrap();
        let expected = HKDF_SHA256.extract(Some(salt.expose_secret()), &[0; 32]);
        assert_eq!(
            prk.next_stage(None).unwrap().expose_secret(),
            expected.expose_secret()
        );
    }
}

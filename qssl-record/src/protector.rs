//! Record protection for one direction under one key: TLS 1.3 (RFC 8446 §5.2–5.3)
//! and TLS 1.2 AEAD (RFC 5288 for AES-GCM, RFC 7905 for ChaCha20-Poly1305).

use crate::deframer::InboundRecord;
use crate::error::RecordError;
use crate::header::{HEADER_LEN, RecordHeader};
use crate::limits::{
    AES_GCM_KEY_UPDATE_THRESHOLD, CHACHA20_POLY1305_KEY_UPDATE_THRESHOLD,
    MAX_INNER_PLAINTEXT_LEN_TLS13, MAX_PLAINTEXT_LEN, MIN_RECORD_SIZE_LIMIT,
};
use crate::types::{ContentType, ProtocolVersion};
use bytes::{BufMut, BytesMut};
use qssl_alert::TlsVersion;
use qssl_crypto::aead::{Aead, AeadKey, NONCE_LEN, Nonce, TAG_LEN, Tag};
use zeroize::{Zeroize, ZeroizeOnDrop};

/// Length of the TLS 1.2 AES-GCM implicit nonce part (`salt`, RFC 5288 §3).
pub const GCM_SALT_LEN: usize = 4;
/// Length of the TLS 1.2 AES-GCM explicit nonce carried in each record (RFC 5288 §3).
pub const GCM_EXPLICIT_NONCE_LEN: usize = 8;

/// What a sealed record means for the key that sealed it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
#[must_use]
pub enum SealStatus {
    /// Carry on.
    Ok,
    /// The key is near its usage limit (RFC 8446 §5.5): a TLS 1.3 connection
    /// sends KeyUpdate now; a TLS 1.2 connection (which refuses renegotiation)
    /// closes.
    KeyUpdateDue,
    /// One sequence number is left, kept for a closing alert: send close_notify
    /// and stop. The next seal after that fails with `SequenceExhausted`.
    CloseDue,
}

/// TLS 1.3 record padding policy (RFC 8446 §5.4). Padding never takes a record
/// past the plaintext limit of its direction.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Padding {
    /// No padding (the default).
    #[default]
    None,
    /// Pad the TLSInnerPlaintext (content + type byte) up to a multiple of this
    /// many bytes. 0 and 1 mean no padding.
    ToMultipleOf(u16),
}

impl Padding {
    fn padded_len(self, inner: usize, max_inner: usize) -> usize {
        match self {
            Self::ToMultipleOf(n) if n > 1 => {
                let n = usize::from(n);
                inner
                    .div_ceil(n)
                    .saturating_mul(n)
                    .min(max_inner)
                    .max(inner)
            }
            _ => inner,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Framing {
    /// RFC 8446 §5.2: nonce = iv XOR seq, AAD = header, inner content type.
    Tls13,
    /// RFC 5288 §3: nonce = salt(4) ‖ explicit(8), explicit nonce in the record.
    Tls12ExplicitNonce,
    /// RFC 7905 §2: nonce = iv XOR seq, nothing explicit.
    Tls12XorNonce,
}

/// The static IV (TLS 1.3, RFC 7905) or GCM salt in its first four bytes.
#[derive(Zeroize, ZeroizeOnDrop)]
struct Iv([u8; NONCE_LEN]);

/// Seals or opens the records of one direction under one traffic key.
///
/// Holds the key, the IV and the sequence number (RFC 8446 §5.3: per
/// direction, from 0, never wrapping). Install a new `Protector` for each key
/// change (handshake keys, application keys, every KeyUpdate); the old one is
/// wiped when dropped. Not `Clone`; `Debug` shows no key material.
pub struct Protector {
    key: Box<dyn AeadKey>,
    iv: Iv,
    framing: Framing,
    aead: &'static dyn Aead,
    seq: u64,
    plaintext_limit: usize,
    padding: Padding,
    key_update_at: u64,
}

impl core::fmt::Debug for Protector {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Protector")
            .field("aead", &self.aead.name())
            .field("framing", &self.framing)
            .field("seq", &self.seq)
            .field("plaintext_limit", &self.plaintext_limit)
            .field("padding", &self.padding)
            .finish_non_exhaustive()
    }
}

impl Protector {
    /// TLS 1.3 protection with a traffic key and its 12-byte `iv` (RFC 8446 §7.3).
    pub fn tls13(
        aead: &'static dyn Aead,
        key: &[u8],
        iv: &[u8; NONCE_LEN],
    ) -> Result<Self, RecordError> {
        Self::build(aead, key, *iv, Framing::Tls13)
    }

    /// TLS 1.2 AES-GCM (RFC 5288): `salt` is the 4-byte client/server_write_IV
    /// from the key block; the record carries the sequence number as its
    /// 8-byte explicit nonce.
    pub fn tls12_gcm(
        aead: &'static dyn Aead,
        key: &[u8],
        salt: &[u8; GCM_SALT_LEN],
    ) -> Result<Self, RecordError> {
        let mut iv = [0u8; NONCE_LEN];
        iv[..GCM_SALT_LEN].copy_from_slice(salt);
        let p = Self::build(aead, key, iv, Framing::Tls12ExplicitNonce);
        iv.zeroize();
        p
    }

    /// TLS 1.2 ChaCha20-Poly1305 (RFC 7905 §2): `iv` is the 12-byte
    /// client/server_write_IV from the key block, XORed with the sequence number.
    pub fn tls12_chacha20_poly1305(
        aead: &'static dyn Aead,
        key: &[u8],
        iv: &[u8; NONCE_LEN],
    ) -> Result<Self, RecordError> {
        Self::build(aead, key, *iv, Framing::Tls12XorNonce)
    }

    fn build(
        aead: &'static dyn Aead,
        key: &[u8],
        iv: [u8; NONCE_LEN],
        framing: Framing,
    ) -> Result<Self, RecordError> {
        let key = aead.new_key(key).map_err(RecordError::Crypto)?;
        // Unknown AEADs get the tighter (AES-GCM) limit.
        let key_update_at = if aead.name() == "ChaCha20-Poly1305" {
            CHACHA20_POLY1305_KEY_UPDATE_THRESHOLD
        } else {
            AES_GCM_KEY_UPDATE_THRESHOLD
        };
        Ok(Self {
            key,
            iv: Iv(iv),
            framing,
            aead,
            seq: 0,
            plaintext_limit: match framing {
                Framing::Tls13 => MAX_INNER_PLAINTEXT_LEN_TLS13,
                _ => MAX_PLAINTEXT_LEN,
            },
            padding: Padding::None,
            key_update_at,
        })
    }

    /// The protocol version whose framing this protector uses.
    pub fn version(&self) -> TlsVersion {
        match self.framing {
            Framing::Tls13 => TlsVersion::Tls13,
            _ => TlsVersion::Tls12,
        }
    }

    /// The AEAD algorithm.
    pub fn aead(&self) -> &'static dyn Aead {
        self.aead
    }

    /// The sequence number the next record will use.
    pub fn sequence_number(&self) -> u64 {
        self.seq
    }

    /// Applies a record_size_limit (RFC 8449 §4) to this direction: the peer's
    /// value on a write protector, our advertised value on a read protector. In
    /// TLS 1.3 it counts the whole TLSInnerPlaintext (content, type, padding).
    /// Clamped to [64, protocol maximum].
    pub fn set_record_size_limit(&mut self, limit: u16) {
        let max = match self.framing {
            Framing::Tls13 => MAX_INNER_PLAINTEXT_LEN_TLS13,
            _ => MAX_PLAINTEXT_LEN,
        };
        self.plaintext_limit = usize::from(limit).clamp(MIN_RECORD_SIZE_LIMIT, max);
    }

    /// Largest content a single record can carry in this direction: 2^14, or
    /// the record_size_limit (minus one for the inner type in TLS 1.3).
    pub fn max_fragment_len(&self) -> usize {
        match self.framing {
            Framing::Tls13 => self.plaintext_limit - 1,
            _ => self.plaintext_limit,
        }
    }

    /// Sets the TLS 1.3 padding policy (ignored by TLS 1.2 framing).
    pub fn set_padding(&mut self, padding: Padding) {
        self.padding = padding;
    }

    /// Overrides the number of records after which [`SealStatus::KeyUpdateDue`]
    /// is reported (the default follows RFC 8446 §5.5 per AEAD).
    pub fn set_key_update_threshold(&mut self, records: u64) {
        self.key_update_at = records;
    }

    /// Whether this key has reached its usage threshold.
    pub fn needs_key_update(&self) -> bool {
        self.seq >= self.key_update_at
    }

    fn status(&self) -> SealStatus {
        if self.seq >= u64::MAX - 1 {
            SealStatus::CloseDue
        } else if self.needs_key_update() {
            SealStatus::KeyUpdateDue
        } else {
            SealStatus::Ok
        }
    }

    /// RFC 8446 §5.3: the sequence number, big-endian, left-padded to the IV
    /// length, XORed with the IV. RFC 7905 §2 uses the same construction.
    fn xor_nonce(&self) -> Nonce {
        let mut nonce = self.iv.0;
        for (n, s) in nonce[NONCE_LEN - 8..]
            .iter_mut()
            .zip(self.seq.to_be_bytes())
        {
            *n ^= s;
        }
        nonce
    }

    /// RFC 5246 §6.2.3.3: `seq_num ‖ type ‖ version ‖ length` (13 bytes).
    fn tls12_aad(&self, typ: ContentType, version: ProtocolVersion, len: usize) -> [u8; 13] {
        let mut aad = [0u8; 13];
        aad[..8].copy_from_slice(&self.seq.to_be_bytes());
        aad[8] = typ.0;
        aad[9..11].copy_from_slice(&version.0.to_be_bytes());
        // len <= 2^14 was checked by the caller.
        aad[11..13].copy_from_slice(&(len as u16).to_be_bytes());
        aad
    }

    /// The bytes a record with `plaintext_len` bytes of content takes on the
    /// wire, header included.
    pub fn sealed_len(&self, plaintext_len: usize) -> usize {
        HEADER_LEN
            + TAG_LEN
            + match self.framing {
                Framing::Tls13 => self
                    .padding
                    .padded_len(plaintext_len + 1, self.plaintext_limit),
                Framing::Tls12ExplicitNonce => GCM_EXPLICIT_NONCE_LEN + plaintext_len,
                Framing::Tls12XorNonce => plaintext_len,
            }
    }

    /// Appends one protected record carrying `plaintext` (at most
    /// [`max_fragment_len`](Self::max_fragment_len) bytes) of type `typ` to `out`.
    ///
    /// Reserves the record's full size once, copies the plaintext once, and
    /// encrypts it where it lies. On error `out` is left as it was.
    pub fn seal_into(
        &mut self,
        typ: ContentType,
        plaintext: &[u8],
        out: &mut BytesMut,
    ) -> Result<SealStatus, RecordError> {
        if self.seq == u64::MAX {
            return Err(RecordError::SequenceExhausted);
        }
        let max = self.max_fragment_len();
        if plaintext.len() > max {
            return Err(RecordError::PlaintextOverflow {
                len: plaintext.len(),
                max,
            });
        }
        let total = self.sealed_len(plaintext.len());
        let body_len = total - HEADER_LEN;
        let start = out.len();
        out.reserve(total);
        let result = match self.framing {
            Framing::Tls13 => {
                // TLSCiphertext: opaque_type = 23, legacy_record_version = 0x0303;
                // the header is the AAD (RFC 8446 §5.2).
                let header = RecordHeader {
                    typ: ContentType::APPLICATION_DATA,
                    version: ProtocolVersion::TLSV1_2,
                    len: body_len as u16,
                }
                .to_bytes();
                out.put_slice(&header);
                // TLSInnerPlaintext: content ‖ type ‖ zeros.
                out.put_slice(plaintext);
                out.put_u8(typ.0);
                out.resize(start + total - TAG_LEN, 0);
                let nonce = self.xor_nonce();
                self.key
                    .seal_in_place(&nonce, &header, &mut out[start + HEADER_LEN..])
            }
            Framing::Tls12ExplicitNonce | Framing::Tls12XorNonce => {
                let version = ProtocolVersion::TLSV1_2;
                out.put_slice(
                    &RecordHeader {
                        typ,
                        version,
                        len: body_len as u16,
                    }
                    .to_bytes(),
                );
                let aad = self.tls12_aad(typ, version, plaintext.len());
                let nonce = if self.framing == Framing::Tls12ExplicitNonce {
                    // RFC 5288 §3: the explicit part is ours to choose but must
                    // never repeat under a key; the sequence number is the
                    // usual choice and what the seed describes.
                    let explicit = self.seq.to_be_bytes();
                    out.put_slice(&explicit);
                    let mut nonce = self.iv.0;
                    nonce[GCM_SALT_LEN..].copy_from_slice(&explicit);
                    nonce
                } else {
                    self.xor_nonce()
                };
                let body = out.len();
                out.put_slice(plaintext);
                self.key.seal_in_place(&nonce, &aad, &mut out[body..])
            }
        };
        match result {
            Ok(tag) => {
                out.put_slice(&tag);
                debug_assert_eq!(out.len() - start, total);
                self.seq += 1;
                Ok(self.status())
            }
            Err(e) => {
                out.truncate(start);
                Err(RecordError::Crypto(e))
            }
        }
    }

    /// Decrypts `record` where it lies and returns the real content type and the
    /// content (TLS 1.3: padding and type byte stripped). Does not apply the
    /// per-type content rules; [`RecordLayer::open`](crate::RecordLayer::open) does.
    ///
    /// The sequence number advances only when the record authenticates, so a
    /// caller may skip records that fail (rejected 0-RTT data, RFC 8446 §4.2.10).
    pub fn open_in_place<'a>(
        &mut self,
        record: InboundRecord<'a>,
    ) -> Result<(ContentType, &'a mut [u8]), RecordError> {
        let InboundRecord { header, payload } = record;
        if self.seq == u64::MAX {
            return Err(RecordError::SequenceExhausted);
        }
        match self.framing {
            Framing::Tls13 => {
                if header.typ != ContentType::APPLICATION_DATA {
                    return Err(RecordError::UnexpectedPlaintext(header.typ));
                }
                let Some(inner_len) = payload.len().checked_sub(TAG_LEN) else {
                    return Err(RecordError::BadRecordMac);
                };
                // RFC 8446 §5.4 / RFC 8449 §4: the whole TLSInnerPlaintext counts.
                if inner_len > self.plaintext_limit {
                    return Err(RecordError::PlaintextOverflow {
                        len: inner_len,
                        max: self.plaintext_limit,
                    });
                }
                let (inner, tag) = payload.split_at_mut(inner_len);
                let tag: &Tag = (&*tag).try_into().map_err(|_| RecordError::BadRecordMac)?;
                let nonce = self.xor_nonce();
                self.key
                    .open_in_place(&nonce, &header.to_bytes(), inner, tag)
                    .map_err(|_| RecordError::BadRecordMac)?;
                self.seq += 1;
                // RFC 8446 §5.4: scan from the end for the first non-zero octet;
                // none at all is unexpected_message.
                let Some(pos) = inner.iter().rposition(|&b| b != 0) else {
                    return Err(RecordError::MissingInnerContentType);
                };
                let typ = ContentType(inner[pos]);
                Ok((typ, &mut inner[..pos]))
            }
            Framing::Tls12ExplicitNonce | Framing::Tls12XorNonce => {
                let explicit_len = if self.framing == Framing::Tls12ExplicitNonce {
                    GCM_EXPLICIT_NONCE_LEN
                } else {
                    0
                };
                let Some(len) = payload.len().checked_sub(explicit_len + TAG_LEN) else {
                    return Err(RecordError::BadRecordMac);
                };
                if len > self.plaintext_limit {
                    return Err(RecordError::PlaintextOverflow {
                        len,
                        max: self.plaintext_limit,
                    });
                }
                let (explicit, rest) = payload.split_at_mut(explicit_len);
                let nonce = if explicit_len > 0 {
                    let mut nonce = self.iv.0;
                    nonce[GCM_SALT_LEN..].copy_from_slice(explicit);
                    nonce
                } else {
                    self.xor_nonce()
                };
                let aad = self.tls12_aad(header.typ, header.version, len);
                let (text, tag) = rest.split_at_mut(len);
                let tag: &Tag = (&*tag).try_into().map_err(|_| RecordError::BadRecordMac)?;
                self.key
                    .open_in_place(&nonce, &aad, text, tag)
                    .map_err(|_| RecordError::BadRecordMac)?;
                self.seq += 1;
                Ok((header.typ, text))
            }
        }
    }

    #[cfg(test)]
    pub(crate) fn set_sequence_number(&mut self, seq: u64) {
        self.seq = seq;
    }
}

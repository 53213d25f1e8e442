//! The TLS record layer of Q-SSL, sans-I/O.
//!
//! - [`RecordHeader`]: the 5-byte header codec.
//! - [`Deframer`]: turns bytes, split any way the transport likes, into whole
//!   records, with a bounded buffer and `record_overflow` decided from the header
//!   alone. Records are handed out as `&mut` slices of its buffer so they can be
//!   decrypted where they lie.
//! - [`Protector`]: record protection for one direction under one key — TLS 1.3
//!   (RFC 8446 §5.2–5.4: nonce = IV XOR sequence number, the header as AAD,
//!   inner content type and zero padding) and TLS 1.2 AEAD (RFC 5288 AES-GCM
//!   with an explicit nonce, RFC 7905 ChaCha20-Poly1305). Sequence numbers never
//!   wrap, and [`SealStatus`] says when a key nears its usage limit (RFC 8446 §5.5).
//! - [`RecordLayer`]: both directions, key installation per epoch, fragmentation
//!   at 2^14 or the peer's record_size_limit (RFC 8449), and the per-type rules
//!   of RFC 8446 §5.1/§5.4.
//! - [`RecordError`]: every failure, and [`RecordError::alert`], the one place
//!   that picks the alert a peer receives.
//!
//! Sealing appends to a [`bytes::BytesMut`] and encrypts in place; opening
//! decrypts in the deframer's buffer. Neither allocates per record.
//!
//! ```
//! use bytes::BytesMut;
//! use qssl_crypto::aead::AES_128_GCM;
//! use qssl_record::{ContentType, Deframer, Protector, RecordLayer, SealStatus, TlsVersion};
//!
//! # fn main() -> Result<(), qssl_record::RecordError> {
//! let (key, iv) = ([7u8; 16], [9u8; 12]);
//!
//! // The sender seals application data under its TLS 1.3 write key.
//! let mut sender = RecordLayer::new();
//! sender.set_write_protector(Protector::tls13(AES_128_GCM, &key, &iv)?);
//! let mut wire = BytesMut::new();
//! assert_eq!(sender.write(ContentType::APPLICATION_DATA, b"hello", &mut wire)?, SealStatus::Ok);
//!
//! // The receiver gets the bytes in two pieces, deframes and opens in place.
//! let mut receiver = RecordLayer::new();
//! receiver.set_read_protector(Protector::tls13(AES_128_GCM, &key, &iv)?);
//! let mut deframer = Deframer::for_version(TlsVersion::Tls13);
//! deframer.extend(&wire[..3]);
//! assert!(deframer.next_record().is_none()); // need more data
//! deframer.extend(&wire[3..]);
//! let record = deframer.next_record().expect("a whole record")?;
//! assert_eq!(record.header.typ, ContentType::APPLICATION_DATA);
//! let (typ, data) = receiver.open(record)?;
//! assert_eq!((typ, &*data), (ContentType::APPLICATION_DATA, &b"hello"[..]));
//! # Ok(())
//! # }
//! ```

#![cfg_attr(not(test), deny(clippy::unwrap_used, clippy::expect_used))]

mod deframer;
mod error;
mod header;
mod layer;
mod limits;
mod protector;
mod types;

#[cfg(test)]
mod tests;

pub use crate::deframer::{Deframer, InboundRecord};
pub use crate::error::RecordError;
pub use crate::header::{HEADER_LEN, RecordHeader};
pub use crate::layer::RecordLayer;
pub use crate::limits::{
    AES_GCM_KEY_UPDATE_THRESHOLD, CHACHA20_POLY1305_KEY_UPDATE_THRESHOLD, MAX_CIPHERTEXT_LEN_TLS12,
    MAX_CIPHERTEXT_LEN_TLS13, MAX_EMPTY_RECORDS_IN_A_ROW, MAX_INNER_PLAINTEXT_LEN_TLS13,
    MAX_PLAINTEXT_LEN, MIN_RECORD_SIZE_LIMIT,
};
pub use crate::protector::{GCM_EXPLICIT_NONCE_LEN, GCM_SALT_LEN, Padding, Protector, SealStatus};
pub use crate::types::{ContentType, ProtocolVersion};
pub use qssl_alert::TlsVersion;

//! The one error type of `qssl-record`, and the one place that picks its alert.

use crate::types::{ContentType, ProtocolVersion};
use qssl_alert::AlertDescription;
use qssl_crypto::error::CryptoError;

/// Why a record could not be read or written.
///
/// `Copy`, and never carries key material or plaintext: it only says which rule
/// was broken. [`RecordError::alert`] gives the one alert to send for it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum RecordError {
    /// The header's version major byte is not 3: the bytes are not a TLS record
    /// at all (SSL 2.0 hello, plain HTTP, garbage).
    #[error("record header version {version:?} is not SSL 3.0/TLS")]
    NotTls {
        /// The version field as received.
        version: ProtocolVersion,
    },
    /// A content type Q-SSL does not speak (anything but 20..=23; heartbeat is
    /// never negotiated), or a protected record whose inner type is unknown.
    #[error("unexpected record content type {0:?}")]
    UnknownContentType(ContentType),
    /// A record's declared length exceeds the limit for its version (2^14 + 256
    /// in TLS 1.3, 2^14 + 2048 in TLS 1.2). Detected from the header alone,
    /// before the body is buffered.
    #[error("record of {len} bytes exceeds the limit of {max}")]
    CiphertextOverflow {
        /// The length the header declared.
        len: usize,
        /// The configured limit.
        max: usize,
    },
    /// A plaintext (or TLS 1.3 TLSInnerPlaintext) longer than 2^14 (+1) bytes,
    /// or than the record_size_limit of this direction (RFC 8449).
    #[error("plaintext of {len} bytes exceeds the limit of {max}")]
    PlaintextOverflow {
        /// The plaintext length.
        len: usize,
        /// The limit in force.
        max: usize,
    },
    /// The AEAD tag did not verify, or the record is too short to hold one.
    #[error("record failed authentication")]
    BadRecordMac,
    /// A TLS 1.3 TLSInnerPlaintext with no non-zero byte: no content type.
    #[error("protected record has no content type (all padding)")]
    MissingInnerContentType,
    /// A zero-length handshake or alert fragment (RFC 8446 §5.4).
    #[error("zero-length {0:?} fragment")]
    EmptyFragment(ContentType),
    /// An alert record that is not exactly one two-byte alert (RFC 8446 §5.1).
    #[error("alert record of {0} bytes (an alert record carries exactly 2)")]
    AlertLength(usize),
    /// More than [`MAX_EMPTY_RECORDS_IN_A_ROW`](crate::MAX_EMPTY_RECORDS_IN_A_ROW)
    /// zero-length records without a non-empty record between them.
    #[error("too many empty records in a row")]
    TooManyEmptyRecords,
    /// A change_cipher_spec record whose body is not the single byte 0x01.
    #[error("change_cipher_spec record is not the single byte 0x01")]
    BadChangeCipherSpec,
    /// A change_cipher_spec record inside record protection.
    #[error("protected change_cipher_spec record")]
    ProtectedChangeCipherSpec,
    /// A record that must be protected arrived in the clear (application data
    /// before keys are set, or any plaintext record other than
    /// change_cipher_spec once TLS 1.3 read keys are in place).
    #[error("unprotected {0:?} record where protection is required")]
    UnexpectedPlaintext(ContentType),
    /// The sequence number of this direction is used up. The connection must
    /// close: it should have rekeyed long before (see [`SealStatus`](crate::SealStatus)).
    #[error("record sequence number exhausted")]
    SequenceExhausted,
    /// Local misuse: a zero-length handshake or alert, or application data
    /// before write keys are installed, was given to be sent.
    #[error("refusing to send this {0:?} record")]
    RefusedToSend(ContentType),
    /// Keys could not be installed or a cipher failed on our side.
    #[error("record protection setup failed: {0}")]
    Crypto(CryptoError),
}

impl RecordError {
    /// The alert to send for this error. Every variant maps to exactly one alert.
    ///
    /// | error | alert | authority |
    /// | --- | --- | --- |
    /// | `NotTls` | decode_error | RFC 8446 §6: a message that cannot be parsed |
    /// | `UnknownContentType` | unexpected_message | RFC 8446 §5 |
    /// | `CiphertextOverflow` | record_overflow | RFC 8446 §5.2, RFC 5246 §6.2.3 |
    /// | `PlaintextOverflow` | record_overflow | RFC 8446 §5.1, §5.4; RFC 8449 §4 |
    /// | `BadRecordMac` | bad_record_mac | RFC 8446 §5.2 |
    /// | `MissingInnerContentType` | unexpected_message | RFC 8446 §5.4 |
    /// | `EmptyFragment` | unexpected_message | RFC 8446 §5.4 |
    /// | `AlertLength` | decode_error | RFC 8446 §5.1 ("exactly one message") with §6 |
    /// | `TooManyEmptyRecords` | unexpected_message | no RFC limit; OpenSSL sends the same after 32 |
    /// | `BadChangeCipherSpec` | unexpected_message | RFC 8446 §5 |
    /// | `ProtectedChangeCipherSpec` | unexpected_message | RFC 8446 §5 |
    /// | `UnexpectedPlaintext` | unexpected_message | RFC 8446 §5, §5.1 |
    /// | `SequenceExhausted` | close_notify | RFC 8446 §5.3: rekey or terminate |
    /// | `RefusedToSend`, `Crypto` | internal_error | our own fault, not the peer's |
    pub fn alert(&self) -> AlertDescription {
        match self {
            Self::NotTls { .. } | Self::AlertLength(_) => AlertDescription::DECODE_ERROR,
            Self::UnknownContentType(_)
            | Self::MissingInnerContentType
            | Self::EmptyFragment(_)
            | Self::TooManyEmptyRecords
            | Self::BadChangeCipherSpec
            | Self::ProtectedChangeCipherSpec
            | Self::UnexpectedPlaintext(_) => AlertDescription::UNEXPECTED_MESSAGE,
            Self::CiphertextOverflow { .. } | Self::PlaintextOverflow { .. } => {
                AlertDescription::RECORD_OVERFLOW
            }
            Self::BadRecordMac => AlertDescription::BAD_RECORD_MAC,
            // Not a peer fault: the sender has run out of nonces. The orderly
            // way out is to close (RFC 8446 §5.3 "rekey ... or terminate");
            // the writer keeps one sequence number in reserve for that alert.
            Self::SequenceExhausted => AlertDescription::CLOSE_NOTIFY,
            Self::RefusedToSend(_) | Self::Crypto(_) => AlertDescription::INTERNAL_ERROR,
        }
    }
}

impl From<CryptoError> for RecordError {
    fn from(e: CryptoError) -> Self {
        match e {
            CryptoError::DecryptFailed => Self::BadRecordMac,
            other => Self::Crypto(other),
        }
    }
}

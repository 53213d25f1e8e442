//! The crate's errors and the one place where each is given its alert.
//!
//! Only the codec part exists so far ([`InvalidMessage`]); the state machines will add
//! their own small `Copy` enums beside it and a variant for each to [`Error`].

use qssl_alert::AlertDescription;

/// Why bytes from the peer could not be decoded as a handshake message or extension.
///
/// Every variant maps to exactly one alert through [`InvalidMessage::alert`]:
///
/// | variant | alert | why |
/// | --- | --- | --- |
/// | `Truncated` | `decode_error` | RFC 8446 §6.2: "the length of the message was incorrect" |
/// | `TrailingBytes` | `decode_error` | same |
/// | `LengthOutOfRange` | `decode_error` | a length below the field's RFC minimum (e.g. an empty `<1..>` vector, a `<2..>` list of one byte) is "out of the specified range" |
/// | `TooLarge` | `decode_error` | a length above Q-SSL's cap for the field (constants in [`crate::limits`]): out of the range we accept |
/// | `HandshakeMessageTooLarge` | `decode_error` | a handshake header declaring more than [`DecodeLimits`](crate::DecodeLimits) allow, refused before buffering (rustls does the same; OpenSSL sends illegal_parameter) |
/// | `UnknownServerNameType` | `decode_error` | RFC 6066 §3 gives no length for other name types, so the list cannot be parsed past one |
/// | `DuplicateExtension` | `illegal_parameter` | RFC 8446 §4.2 (in the TLS 1.2 ClientHello RFC 5246 §7.4.1.4 says the same without naming an alert) |
/// | `PreSharedKeyNotLast` | `illegal_parameter` | RFC 8446 §4.2.11: "servers MUST check that it is the last extension and otherwise fail the handshake with an illegal_parameter alert" |
/// | `InvalidKeyUpdateRequest` | `illegal_parameter` | RFC 8446 §4.6.3 |
/// | `RecordSizeLimitTooSmall` | `illegal_parameter` | RFC 8449 §4: a value below 64 |
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, thiserror::Error)]
#[non_exhaustive]
pub enum InvalidMessage {
    /// The input ended before a field or a length-prefixed vector was complete.
    #[error("message truncated")]
    Truncated,
    /// Bytes were left over after a message, an extension body or a vector's elements.
    #[error("trailing bytes after a message or field")]
    TrailingBytes,
    /// A length prefix was below the minimum the RFC gives for that vector.
    #[error("length below the field's minimum")]
    LengthOutOfRange,
    /// A length prefix was above Q-SSL's cap for that field.
    #[error("length above the field's maximum")]
    TooLarge,
    /// A handshake header declared a length above the configured maximum.
    #[error("handshake message larger than the configured maximum")]
    HandshakeMessageTooLarge,
    /// A server_name entry with a name_type other than host_name.
    #[error("unknown server_name name_type")]
    UnknownServerNameType,
    /// Two extensions of the same type in one extension block.
    #[error("duplicate extension in one block")]
    DuplicateExtension,
    /// A ClientHello whose pre_shared_key extension is not the last one.
    #[error("pre_shared_key is not the last ClientHello extension")]
    PreSharedKeyNotLast,
    /// A KeyUpdate whose request_update is neither 0 nor 1.
    #[error("KeyUpdate request_update out of range")]
    InvalidKeyUpdateRequest,
    /// A record_size_limit below 64.
    #[error("record_size_limit below 64")]
    RecordSizeLimitTooSmall,
}

impl InvalidMessage {
    /// The alert the peer is sent for this error: see the table on the type.
    pub fn alert(self) -> AlertDescription {
        match self {
            Self::Truncated
            | Self::TrailingBytes
            | Self::LengthOutOfRange
            | Self::TooLarge
            | Self::HandshakeMessageTooLarge
            | Self::UnknownServerNameType => AlertDescription::DECODE_ERROR,
            Self::DuplicateExtension
            | Self::PreSharedKeyNotLast
            | Self::InvalidKeyUpdateRequest
            | Self::RecordSizeLimitTooSmall => AlertDescription::ILLEGAL_PARAMETER,
        }
    }
}

/// Every error of this crate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The peer sent bytes that are not a well-formed handshake message.
    #[error("invalid handshake message: {0}")]
    InvalidMessage(#[from] InvalidMessage),
}

impl Error {
    /// The alert to send for this error. This function and
    /// [`InvalidMessage::alert`] are the only places that choose one.
    pub fn alert(self) -> AlertDescription {
        match self {
            Self::InvalidMessage(e) => e.alert(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn alert_table() {
        use InvalidMessage::*;
        let cases = [
            (Truncated, AlertDescription::DECODE_ERROR),
            (TrailingBytes, AlertDescription::DECODE_ERROR),
            (LengthOutOfRange, AlertDescription::DECODE_ERROR),
            (TooLarge, AlertDescription::DECODE_ERROR),
            (HandshakeMessageTooLarge, AlertDescription::DECODE_ERROR),
            (UnknownServerNameType, AlertDescription::DECODE_ERROR),
            (DuplicateExtension, AlertDescription::ILLEGAL_PARAMETER),
            (PreSharedKeyNotLast, AlertDescription::ILLEGAL_PARAMETER),
            (InvalidKeyUpdateRequest, AlertDescription::ILLEGAL_PARAMETER),
            (RecordSizeLimitTooSmall, AlertDescription::ILLEGAL_PARAMETER),
        ];
        for (e, a) in cases {
            assert_eq!(e.alert(), a, "{e:?}");
            assert_eq!(Error::from(e).alert(), a, "{e:?}");
        }
    }
}

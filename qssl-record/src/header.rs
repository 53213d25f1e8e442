//! The 5-byte record header.
//!
//! ```text
//! struct {
//!     ContentType type;
//!     ProtocolVersion legacy_record_version;
//!     uint16 length;
//!     opaque fragment[TLSPlaintext.length];
//! } TLSPlaintext;            /* RFC 8446 §5.1 */
//! ```

use crate::error::RecordError;
use crate::types::{ContentType, ProtocolVersion};

/// Length of a record header on the wire.
pub const HEADER_LEN: usize = 5;

/// A parsed record header.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct RecordHeader {
    /// The (outer) content type.
    pub typ: ContentType,
    /// `legacy_record_version`.
    pub version: ProtocolVersion,
    /// Length of the fragment that follows.
    pub len: u16,
}

impl RecordHeader {
    /// Parses a header from the start of `input`.
    ///
    /// `Ok(None)` means fewer than [`HEADER_LEN`] bytes are available yet. A
    /// version whose major byte is not 3 is [`RecordError::NotTls`]: whatever it
    /// is (an SSL 2.0 hello, an HTTP request), it cannot be parsed as a TLS record.
    /// The content type and length are checked by the [`Deframer`](crate::Deframer),
    /// which knows the configured limits.
    pub fn parse(input: &[u8]) -> Result<Option<Self>, RecordError> {
        match parse_record_header(input) {
            Ok((_, header)) => {
                if header.version.major() != 3 {
                    return Err(RecordError::NotTls {
                        version: header.version,
                    });
                }
                Ok(Some(header))
            }
            // Streaming parser: the only failure is "not enough bytes yet".
            Err(_) => Ok(None),
        }
    }

    /// The five wire bytes.
    pub fn to_bytes(&self) -> [u8; HEADER_LEN] {
        let [v0, v1] = self.version.0.to_be_bytes();
        let [l0, l1] = self.len.to_be_bytes();
        [self.typ.0, v0, v1, l0, l1]
    }

    /// Appends the five wire bytes to `out`.
    pub fn encode(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(&self.to_bytes());
    }
}

/// nom streaming parser for the header. Private so that nom never appears in a
/// public signature; [`RecordHeader::parse`] converts its result.
fn parse_record_header(input: &[u8]) -> nom::IResult<&[u8], RecordHeader> {
    use nom::Parser;
    use nom::number::streaming::{be_u16, u8 as byte};
    // ContentType type; ProtocolVersion legacy_record_version; uint16 length;
    let (rest, (typ, version, len)) = (byte, be_u16, be_u16).parse(input)?;
    Ok((
        rest,
        RecordHeader {
            typ: ContentType(typ),
            version: ProtocolVersion(version),
            len,
        },
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn short_input_needs_more() {
        for n in 0..HEADER_LEN {
            assert_eq!(RecordHeader::parse(&[22, 3, 3, 0, 1][..n]), Ok(None));
        }
    }

    #[test]
    fn major_byte_other_than_3_is_not_tls() {
        // "GET /" is what a plain HTTP client sends to a TLS port.
        let err = RecordHeader::parse(b"GET / HTTP/1.1").unwrap_err();
        assert_eq!(
            err,
            RecordError::NotTls {
                version: ProtocolVersion(0x4554)
            }
        );
        assert_eq!(err.alert(), qssl_alert::AlertDescription::DECODE_ERROR);
    }

    proptest! {
        #[test]
        fn round_trip(typ: u8, minor: u8, len: u16, tail in proptest::collection::vec(any::<u8>(), 0..8)) {
            let h = RecordHeader { typ: ContentType(typ), version: ProtocolVersion(0x0300 | u16::from(minor)), len };
            let mut out = Vec::new();
            h.encode(&mut out);
            prop_assert_eq!(&out[..], &h.to_bytes()[..]);
            out.extend_from_slice(&tail);
            prop_assert_eq!(RecordHeader::parse(&out), Ok(Some(h)));
            for cut in 0..HEADER_LEN {
                prop_assert_eq!(RecordHeader::parse(&out[..cut]), Ok(None));
            }
        }

        #[test]
        fn any_bytes_parse_or_error(bytes in proptest::collection::vec(any::<u8>(), 0..8)) {
            match RecordHeader::parse(&bytes) {
                Ok(None) => prop_assert!(bytes.len() < HEADER_LEN),
                Ok(Some(h)) => prop_assert_eq!(&h.to_bytes()[..], &bytes[..HEADER_LEN]),
                Err(RecordError::NotTls { .. }) => prop_assert_ne!(bytes[1], 3),
                Err(e) => prop_assert!(false, "unexpected {e:?}"),
            }
        }
    }
}

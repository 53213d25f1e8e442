//! The record layer's and the hellos' version and type fields.

use core::fmt;

crate::wire_enum! {
    /// `enum { ... (255) } ContentType;` (RFC 8446 §5.1, IANA "TLS ContentType").
    ContentType(u8) {
        /// `invalid(0)`: never valid on the wire; what an all-zero
        /// TLSInnerPlaintext would carry.
        INVALID = 0, "invalid";
        /// `change_cipher_spec(20)`.
        CHANGE_CIPHER_SPEC = 20, "change_cipher_spec";
        /// `alert(21)`.
        ALERT = 21, "alert";
        /// `handshake(22)`.
        HANDSHAKE = 22, "handshake";
        /// `application_data(23)`.
        APPLICATION_DATA = 23, "application_data";
        /// `heartbeat(24)` (RFC 6520). Named so that it prints, but Q-SSL never
        /// negotiates it, so a received heartbeat record is an unexpected type.
        HEARTBEAT = 24, "heartbeat";
    }
}

impl ContentType {
    /// Whether Q-SSL accepts records of this type at all (RFC 8446 §5: "If a TLS
    /// implementation receives an unexpected record type, it MUST terminate the
    /// connection with an unexpected_message alert").
    pub fn is_supported(self) -> bool {
        matches!(self.0, 20..=23)
    }
}

crate::wire_enum! {
    /// `uint16 ProtocolVersion;` as carried in a record header, a hello's
    /// legacy_version or supported_versions: any value, named or not.
    ProtocolVersion(u16) {
        /// SSL 3.0, 0x0300.
        SSLV3 = 0x0300, "SSLv3";
        /// TLS 1.0, 0x0301 (also the record version of an initial ClientHello).
        TLSV1_0 = 0x0301, "TLSv1.0";
        /// TLS 1.1, 0x0302.
        TLSV1_1 = 0x0302, "TLSv1.1";
        /// TLS 1.2, 0x0303 (also every TLS 1.3 record's `legacy_record_version`).
        TLSV1_2 = 0x0303, "TLSv1.2";
        /// TLS 1.3, 0x0304 (only inside `supported_versions`, never in a record header).
        TLSV1_3 = 0x0304, "TLSv1.3";
    }
}

impl ProtocolVersion {
    /// The high byte: 3 for every SSL 3.0/TLS version.
    pub fn major(self) -> u8 {
        self.0.to_be_bytes()[0]
    }
}

/// A version Q-SSL negotiates: the closed set, so that a rule that differs by
/// version is an exhaustive `match` (alert levels, Finished, record protection).
/// [`ProtocolVersion`] is the open field it is read from and written to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum TlsVersion {
    /// TLS 1.2 (RFC 5246).
    Tls12,
    /// TLS 1.3 (RFC 8446).
    Tls13,
}

impl TlsVersion {
    /// The wire value.
    pub const fn wire(self) -> ProtocolVersion {
        match self {
            Self::Tls12 => ProtocolVersion::TLSV1_2,
            Self::Tls13 => ProtocolVersion::TLSV1_3,
        }
    }
}

impl fmt::Display for TlsVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.wire(), f)
    }
}

impl From<TlsVersion> for ProtocolVersion {
    fn from(v: TlsVersion) -> Self {
        v.wire()
    }
}

/// A [`ProtocolVersion`] that is not a [`TlsVersion`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UnsupportedVersion(pub ProtocolVersion);

impl fmt::Display for UnsupportedVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "protocol version {} is not one Q-SSL speaks", self.0)
    }
}

impl core::error::Error for UnsupportedVersion {}

impl TryFrom<ProtocolVersion> for TlsVersion {
    type Error = UnsupportedVersion;

    fn try_from(v: ProtocolVersion) -> Result<Self, Self::Error> {
        match v {
            ProtocolVersion::TLSV1_2 => Ok(Self::Tls12),
            ProtocolVersion::TLSV1_3 => Ok(Self::Tls13),
            other => Err(UnsupportedVersion(other)),
        }
    }
}

#[cfg(test)]
mod tests {
    extern crate std;
    use std::format;
    use std::string::ToString;

    use super::*;

    #[test]
    fn names_and_padded_hex() {
        assert_eq!(format!("{:?}", ContentType::HANDSHAKE), "handshake");
        assert_eq!(format!("{:?}", ContentType(99)), "ContentType(0x63)");
        assert_eq!(format!("{:?}", ContentType(7)), "ContentType(0x07)");
        assert_eq!(format!("{}", ProtocolVersion::TLSV1_2), "TLSv1.2");
        assert_eq!(
            format!("{:?}", ProtocolVersion(0x7f1c)),
            "ProtocolVersion(0x7f1c)"
        );
        assert_eq!(
            ProtocolVersion(0x00ff).to_string(),
            "ProtocolVersion(0x00ff)"
        );
        assert_eq!(ProtocolVersion::SSLV3.major(), 3);
        assert_eq!(ProtocolVersion(0x0203).major(), 2);
    }

    #[test]
    fn from_name_ignores_case_and_knows_only_names() {
        assert_eq!(
            ProtocolVersion::from_name("tlsv1.3"),
            Some(ProtocolVersion::TLSV1_3)
        );
        assert_eq!(
            ContentType::from_name("APPLICATION_DATA"),
            Some(ContentType::APPLICATION_DATA)
        );
        assert_eq!(ContentType::from_name("ContentType(0x63)"), None);
        assert_eq!(ContentType::from_name(""), None);
    }

    #[test]
    fn supported_types_are_the_rfc8446_four() {
        let supported: std::vec::Vec<u8> = (0..=255u8)
            .filter(|&t| ContentType(t).is_supported())
            .collect();
        assert_eq!(supported, [20, 21, 22, 23]);
        assert!(!ContentType::HEARTBEAT.is_supported());
    }

    #[test]
    fn tls_version_round_trips_and_refuses_the_rest() {
        for v in [TlsVersion::Tls12, TlsVersion::Tls13] {
            assert_eq!(TlsVersion::try_from(v.wire()), Ok(v));
            assert_eq!(v.to_string(), v.wire().to_string());
        }
        for w in [0x0300u16, 0x0301, 0x0302, 0x0305, 0x7f1c, 0xfefd] {
            assert_eq!(
                TlsVersion::try_from(ProtocolVersion(w)),
                Err(UnsupportedVersion(ProtocolVersion(w)))
            );
        }
    }

    proptest::proptest! {
        /// Every value is kept: the newtype is a lossless view of the integer, and
        /// a named value's name finds it again.
        #[test]
        fn open_values_round_trip(v: u16) {
            let p = ProtocolVersion(v);
            proptest::prop_assert_eq!(u16::from(p), v);
            if let Some(n) = p.name() {
                proptest::prop_assert_eq!(ProtocolVersion::from_name(n), Some(p));
            } else {
                proptest::prop_assert_eq!(format!("{p}"), format!("ProtocolVersion(0x{v:04x})"));
            }
        }
    }
}

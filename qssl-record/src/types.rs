//! Open wire newtypes of the record layer.
//!
//! Unknown values survive decode → encode and print as hex: the deframer decides
//! what to accept, not the codec.

use core::fmt;

/// `enum { ... (255) } ContentType;` (RFC 8446 §5.1, IANA "TLS ContentType").
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ContentType(pub u8);

impl ContentType {
    /// `invalid(0)`: never valid on the wire; what an all-zero TLSInnerPlaintext would carry.
    pub const INVALID: Self = Self(0);
    /// `change_cipher_spec(20)`.
    pub const CHANGE_CIPHER_SPEC: Self = Self(20);
    /// `alert(21)`.
    pub const ALERT: Self = Self(21);
    /// `handshake(22)`.
    pub const HANDSHAKE: Self = Self(22);
    /// `application_data(23)`.
    pub const APPLICATION_DATA: Self = Self(23);
    /// `heartbeat(24)` (RFC 6520). Named so that it prints, but Q-SSL never
    /// negotiates it, so a received heartbeat record is an unexpected record type.
    pub const HEARTBEAT: Self = Self(24);

    /// The RFC name, or `None` for a type with no name here.
    pub fn name(self) -> Option<&'static str> {
        Some(match self.0 {
            0 => "invalid",
            20 => "change_cipher_spec",
            21 => "alert",
            22 => "handshake",
            23 => "application_data",
            24 => "heartbeat",
            _ => return None,
        })
    }

    /// Whether Q-SSL accepts records of this type at all (RFC 8446 §5: "If a TLS
    /// implementation receives an unexpected record type, it MUST terminate the
    /// connection with an unexpected_message alert").
    pub fn is_supported(self) -> bool {
        matches!(self.0, 20..=23)
    }
}

impl fmt::Debug for ContentType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.name() {
            Some(n) => f.write_str(n),
            None => write!(f, "ContentType(0x{:02x})", self.0),
        }
    }
}

impl fmt::Display for ContentType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self, f)
    }
}

/// `uint16 ProtocolVersion;` as carried in a record header or a hello.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ProtocolVersion(pub u16);

impl ProtocolVersion {
    /// SSL 3.0, 0x0300.
    pub const SSLV3: Self = Self(0x0300);
    /// TLS 1.0, 0x0301 (also the record version of an initial ClientHello).
    pub const TLSV1_0: Self = Self(0x0301);
    /// TLS 1.1, 0x0302.
    pub const TLSV1_1: Self = Self(0x0302);
    /// TLS 1.2, 0x0303 (also every TLS 1.3 record's `legacy_record_version`).
    pub const TLSV1_2: Self = Self(0x0303);
    /// TLS 1.3, 0x0304 (only inside `supported_versions`, never in a record header).
    pub const TLSV1_3: Self = Self(0x0304);

    /// The name, or `None` for a version with no name here.
    pub fn name(self) -> Option<&'static str> {
        Some(match self.0 {
            0x0300 => "SSLv3",
            0x0301 => "TLSv1.0",
            0x0302 => "TLSv1.1",
            0x0303 => "TLSv1.2",
            0x0304 => "TLSv1.3",
            _ => return None,
        })
    }

    /// The high byte: 3 for every SSL 3.0/TLS version.
    pub fn major(self) -> u8 {
        self.0.to_be_bytes()[0]
    }
}

impl fmt::Debug for ProtocolVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.name() {
            Some(n) => f.write_str(n),
            None => write!(f, "ProtocolVersion(0x{:04x})", self.0),
        }
    }
}

impl fmt::Display for ProtocolVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self, f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_hex() {
        assert_eq!(format!("{:?}", ContentType::HANDSHAKE), "handshake");
        assert_eq!(format!("{:?}", ContentType(99)), "ContentType(0x63)");
        assert_eq!(format!("{:?}", ProtocolVersion::TLSV1_2), "TLSv1.2");
        assert_eq!(
            format!("{:?}", ProtocolVersion(0x7f1c)),
            "ProtocolVersion(0x7f1c)"
        );
        assert_eq!(ProtocolVersion::SSLV3.major(), 3);
        assert_eq!(ProtocolVersion(0x0203).major(), 2);
    }

    #[test]
    fn supported_types_are_the_rfc8446_four() {
        let supported: Vec<u8> = (0..=255u8)
            .filter(|&t| ContentType(t).is_supported())
            .collect();
        assert_eq!(supported, [20, 21, 22, 23]);
        assert!(!ContentType::HEARTBEAT.is_supported());
    }
}

//! The TLS alert protocol for Q-SSL (RFC 8446 §6, RFC 5246 §7.2).
//!
//! An alert is two bytes on the wire: a level and a description. Both are kept as
//! open newtypes, so a code this crate does not know survives decode → encode and
//! prints as hex rather than being rejected: a peer may send codes from newer RFCs.
//!
//! Besides the codec, this crate holds the rules a connection needs to act on an
//! alert, so that they are decided in one place:
//! - [`Alert::is_fatal_in`]: in TLS 1.3 every alert except `close_notify` and
//!   `user_canceled` is fatal whatever its level says (RFC 8446 §6); in TLS 1.2 the
//!   level decides (RFC 5246 §7.2).
//! - [`Alert::action_in`]: what a receiver does with an alert (close its read side,
//!   tear the connection down, or note a warning and carry on).
//!
//! ```
//! use qssl_alert::{Alert, AlertAction, AlertDescription, AlertLevel, TlsVersion};
//!
//! let bytes = Alert::fatal(AlertDescription::HANDSHAKE_FAILURE).to_bytes();
//! assert_eq!(bytes, [2, 40]);
//!
//! let alert = Alert::parse(&[1, 0]).unwrap();
//! assert_eq!(alert.description, AlertDescription::CLOSE_NOTIFY);
//! assert_eq!(alert.action_in(TlsVersion::Tls13), AlertAction::CloseRead);
//!
//! // A warning-level bad_certificate is still fatal in TLS 1.3.
//! let warn = Alert { level: AlertLevel::WARNING, description: AlertDescription::BAD_CERTIFICATE };
//! assert!(warn.is_fatal_in(TlsVersion::Tls13));
//! assert!(!warn.is_fatal_in(TlsVersion::Tls12));
//! ```

#![cfg_attr(not(test), deny(clippy::unwrap_used, clippy::expect_used))]

use core::fmt;

qssl_wire::wire_enum! {
    /// The level byte of an alert: 1 warning, 2 fatal (RFC 5246 §7.2).
    AlertLevel(u8) {
        /// `warning(1)`.
        WARNING = 1, "warning";
        /// `fatal(2)`.
        FATAL = 2, "fatal";
    }
}

qssl_wire::wire_enum! {
    /// The description byte of an alert (RFC 8446 §6 and the IANA TLS Alert
    /// registry). [`AlertDescription::KNOWN`] lists every named code, in code order.
    AlertDescription(u8) {
    /// The sender will send no more data on this connection.
    CLOSE_NOTIFY = 0, "close_notify";
    /// A message arrived that the protocol state does not allow.
    UNEXPECTED_MESSAGE = 10, "unexpected_message";
    /// A record failed to deprotect (AEAD tag or MAC mismatch).
    BAD_RECORD_MAC = 20, "bad_record_mac";
    /// Historic (TLS 1.0 and earlier); must not be sent, kept for decoding.
    DECRYPTION_FAILED = 21, "decryption_failed";
    /// A record exceeded the permitted length.
    RECORD_OVERFLOW = 22, "record_overflow";
    /// Historic (SSL 3.0 compression); must not be sent.
    DECOMPRESSION_FAILURE = 30, "decompression_failure";
    /// No acceptable set of security parameters could be agreed.
    HANDSHAKE_FAILURE = 40, "handshake_failure";
    /// Historic (SSL 3.0); must not be sent.
    NO_CERTIFICATE = 41, "no_certificate";
    /// A certificate was corrupt or its signatures did not verify.
    BAD_CERTIFICATE = 42, "bad_certificate";
    /// A certificate was of an unsupported type.
    UNSUPPORTED_CERTIFICATE = 43, "unsupported_certificate";
    /// A certificate was revoked by its signer.
    CERTIFICATE_REVOKED = 44, "certificate_revoked";
    /// A certificate has expired or is not yet valid.
    CERTIFICATE_EXPIRED = 45, "certificate_expired";
    /// Some other certificate problem made it unacceptable.
    CERTIFICATE_UNKNOWN = 46, "certificate_unknown";
    /// A field was out of range or inconsistent with other fields.
    ILLEGAL_PARAMETER = 47, "illegal_parameter";
    /// The certificate chain does not lead to a trusted anchor.
    UNKNOWN_CA = 48, "unknown_ca";
    /// Valid certificate, but access control refused the handshake.
    ACCESS_DENIED = 49, "access_denied";
    /// A message could not be decoded (wrong length, out-of-range field).
    DECODE_ERROR = 50, "decode_error";
    /// A handshake cryptographic operation failed (signature, Finished).
    DECRYPT_ERROR = 51, "decrypt_error";
    /// Historic (export restrictions); must not be sent.
    EXPORT_RESTRICTION = 60, "export_restriction";
    /// The peer's protocol version is recognised but not supported.
    PROTOCOL_VERSION = 70, "protocol_version";
    /// The peer's parameters are below the security the server requires.
    INSUFFICIENT_SECURITY = 71, "insufficient_security";
    /// A failure unrelated to the peer or the protocol.
    INTERNAL_ERROR = 80, "internal_error";
    /// A retried connection attempted a downgrade (RFC 7507).
    INAPPROPRIATE_FALLBACK = 86, "inappropriate_fallback";
    /// The user is abandoning the handshake (not a failure by itself).
    USER_CANCELED = 90, "user_canceled";
    /// Renegotiation refused (TLS 1.2 and earlier).
    NO_RENEGOTIATION = 100, "no_renegotiation";
    /// A required extension is missing (TLS 1.3).
    MISSING_EXTENSION = 109, "missing_extension";
    /// An extension was sent that the receiver never offered or cannot accept.
    UNSUPPORTED_EXTENSION = 110, "unsupported_extension";
    /// Historic (RFC 6066); must not be sent in TLS 1.3.
    CERTIFICATE_UNOBTAINABLE = 111, "certificate_unobtainable";
    /// The server_name extension names no host the server serves.
    UNRECOGNIZED_NAME = 112, "unrecognized_name";
    /// An invalid or unacceptable OCSP response was stapled.
    BAD_CERTIFICATE_STATUS_RESPONSE = 113, "bad_certificate_status_response";
    /// Historic (RFC 6066); must not be sent in TLS 1.3.
    BAD_CERTIFICATE_HASH_VALUE = 114, "bad_certificate_hash_value";
    /// No PSK identity the server knows was offered.
    UNKNOWN_PSK_IDENTITY = 115, "unknown_psk_identity";
    /// A certificate is required but the peer sent none.
    CERTIFICATE_REQUIRED = 116, "certificate_required";
    /// The client's ALPN protocols are all unsupported.
    NO_APPLICATION_PROTOCOL = 120, "no_application_protocol";
    /// The server requires Encrypted Client Hello and the client did not use it.
    ECH_REQUIRED = 121, "ech_required";
    }
}

impl AlertDescription {
    /// Codes that RFC 8446 §6 keeps only for old versions: a TLS 1.3 endpoint
    /// never sends these.
    pub fn is_historic(self) -> bool {
        matches!(self.0, 21 | 30 | 41 | 60 | 111 | 114)
    }
}

/// The version a rule is applied under (alert semantics differ): the closed
/// [`qssl_wire::TlsVersion`], re-exported so the rules read `TlsVersion::Tls13`.
pub use qssl_wire::TlsVersion;

/// What a receiver does with an alert it has just read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AlertAction {
    /// `close_notify`: the peer will send nothing more. Close the read side;
    /// the write side stays open until the application closes it (half-close,
    /// RFC 8446 §6.1).
    CloseRead,
    /// A fatal alert: forget the session, send nothing further, the connection
    /// is finished (RFC 8446 §6.2).
    Terminate,
    /// `user_canceled`: not an error by itself; the peer should follow it with
    /// `close_notify`. Record it and carry on reading.
    NoteCanceled,
    /// A TLS 1.2 warning that is not fatal: record it and carry on.
    IgnoreWarning,
}

/// A whole alert message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Alert {
    /// The level byte as sent.
    pub level: AlertLevel,
    /// The description byte as sent.
    pub description: AlertDescription,
}

/// Why two bytes could not be read as an alert.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AlertDecodeError {
    /// Fewer than two bytes.
    Truncated,
    /// More than two bytes in one alert (an alert fragment carries exactly one alert
    /// in TLS 1.3; RFC 8446 §5.1 forbids fragmenting alerts).
    TrailingBytes,
}

impl fmt::Display for AlertDecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Truncated => "alert message shorter than two bytes",
            Self::TrailingBytes => "bytes after the alert message",
        })
    }
}

impl std::error::Error for AlertDecodeError {}

impl Alert {
    /// Length of an alert on the wire.
    pub const LEN: usize = 2;

    /// A fatal alert with `description`. TLS 1.3 requires every alert except
    /// `close_notify` and `user_canceled` to be sent at the fatal level.
    pub const fn fatal(description: AlertDescription) -> Self {
        Self {
            level: AlertLevel::FATAL,
            description,
        }
    }

    /// `close_notify`, which is sent at the warning level in every version.
    pub const fn close_notify() -> Self {
        Self {
            level: AlertLevel::WARNING,
            description: AlertDescription::CLOSE_NOTIFY,
        }
    }

    /// A warning-level alert with `description`: TLS 1.2 only (e.g.
    /// `no_renegotiation`, which RFC 5246 §7.2.2 says "is always a warning"); TLS 1.3
    /// reads every alert but `close_notify` and `user_canceled` as fatal.
    pub const fn warning(description: AlertDescription) -> Self {
        Self {
            level: AlertLevel::WARNING,
            description,
        }
    }

    /// `user_canceled`, sent at the warning level.
    pub const fn user_canceled() -> Self {
        Self {
            level: AlertLevel::WARNING,
            description: AlertDescription::USER_CANCELED,
        }
    }

    /// Parses exactly one alert: `struct { AlertLevel level; AlertDescription description; } Alert;`
    pub fn parse(input: &[u8]) -> Result<Self, AlertDecodeError> {
        match parse_alert(input) {
            Ok(([], alert)) => Ok(alert),
            Ok(_) => Err(AlertDecodeError::TrailingBytes),
            Err(_) => Err(AlertDecodeError::Truncated),
        }
    }

    /// The two wire bytes.
    pub const fn to_bytes(self) -> [u8; 2] {
        [self.level.0, self.description.0]
    }

    /// Appends the two wire bytes to `out`.
    pub fn encode(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(&self.to_bytes());
    }

    /// Whether the connection must end on receipt of this alert.
    ///
    /// TLS 1.3 (RFC 8446 §6): only `close_notify` and `user_canceled` are
    /// closure alerts; every other description is an error alert and "MUST be
    /// treated as fatal regardless of the AlertLevel". TLS 1.2 (RFC 5246 §7.2):
    /// the level decides, except that an unknown level is taken as fatal so a
    /// malformed alert can never be ignored.
    pub fn is_fatal_in(&self, version: TlsVersion) -> bool {
        match version {
            TlsVersion::Tls13 => !matches!(
                self.description,
                AlertDescription::CLOSE_NOTIFY | AlertDescription::USER_CANCELED
            ),
            TlsVersion::Tls12 => {
                self.description != AlertDescription::CLOSE_NOTIFY
                    && self.level != AlertLevel::WARNING
            }
        }
    }

    /// What the receiver does with this alert.
    pub fn action_in(&self, version: TlsVersion) -> AlertAction {
        match self.description {
            AlertDescription::CLOSE_NOTIFY => AlertAction::CloseRead,
            AlertDescription::USER_CANCELED if version == TlsVersion::Tls13 => {
                AlertAction::NoteCanceled
            }
            _ if self.is_fatal_in(version) => AlertAction::Terminate,
            AlertDescription::USER_CANCELED => AlertAction::NoteCanceled,
            _ => AlertAction::IgnoreWarning,
        }
    }
}

impl fmt::Display for Alert {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} alert {}", self.level, self.description)
    }
}

/// nom parser for one alert, for use inside larger parsers:
/// `struct { AlertLevel level; AlertDescription description; } Alert;`
pub fn parse_alert(input: &[u8]) -> nom::IResult<&[u8], Alert> {
    use nom::Parser;
    use nom::number::complete::u8 as byte;
    let (rest, (level, description)) = (byte, byte).parse(input)?;
    Ok((
        rest,
        Alert {
            level: AlertLevel(level),
            description: AlertDescription(description),
        },
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn codes_match_rfc8446_section_6() {
        // RFC 8446 §6, `enum { ... } AlertDescription;`
        let expected: &[(u8, &str)] = &[
            (0, "close_notify"),
            (10, "unexpected_message"),
            (20, "bad_record_mac"),
            (22, "record_overflow"),
            (40, "handshake_failure"),
            (42, "bad_certificate"),
            (43, "unsupported_certificate"),
            (44, "certificate_revoked"),
            (45, "certificate_expired"),
            (46, "certificate_unknown"),
            (47, "illegal_parameter"),
            (48, "unknown_ca"),
            (49, "access_denied"),
            (50, "decode_error"),
            (51, "decrypt_error"),
            (70, "protocol_version"),
            (71, "insufficient_security"),
            (80, "internal_error"),
            (86, "inappropriate_fallback"),
            (90, "user_canceled"),
            (109, "missing_extension"),
            (110, "unsupported_extension"),
            (112, "unrecognized_name"),
            (113, "bad_certificate_status_response"),
            (115, "unknown_psk_identity"),
            (116, "certificate_required"),
            (120, "no_application_protocol"),
        ];
        for &(code, name) in expected {
            assert_eq!(AlertDescription(code).name(), Some(name), "code {code}");
        }
        // The seed's extra codes, from older RFCs.
        assert_eq!(AlertDescription::DECRYPTION_FAILED.0, 21);
        assert_eq!(AlertDescription::NO_RENEGOTIATION.0, 100);
    }

    #[test]
    fn known_list_is_in_code_order() {
        let codes: Vec<u8> = AlertDescription::KNOWN.iter().map(|d| d.0).collect();
        assert!(codes.windows(2).all(|w| w[0] < w[1]), "{codes:?}");
        let mut codes = codes;
        let len = codes.len();
        codes.dedup();
        assert_eq!(len, codes.len());
    }

    #[test]
    fn unknown_codes_survive_and_print_as_hex() {
        let alert = Alert::parse(&[7, 200]).unwrap();
        assert_eq!(alert.to_bytes(), [7, 200]);
        assert_eq!(format!("{:?}", alert.description), "AlertDescription(0xc8)");
        assert_eq!(format!("{:?}", alert.level), "AlertLevel(0x07)");
        assert_eq!(alert.description.to_string(), "AlertDescription(0xc8)");
    }

    #[test]
    fn display_uses_rfc_names() {
        assert_eq!(
            Alert::fatal(AlertDescription::BAD_RECORD_MAC).to_string(),
            "fatal alert bad_record_mac"
        );
    }

    #[test]
    fn parse_rejects_wrong_lengths() {
        assert_eq!(Alert::parse(&[]), Err(AlertDecodeError::Truncated));
        assert_eq!(Alert::parse(&[2]), Err(AlertDecodeError::Truncated));
        assert_eq!(
            Alert::parse(&[2, 40, 0]),
            Err(AlertDecodeError::TrailingBytes)
        );
    }

    #[test]
    fn tls13_fatality_ignores_level() {
        for &d in AlertDescription::KNOWN {
            for level in [AlertLevel::WARNING, AlertLevel::FATAL, AlertLevel(9)] {
                let a = Alert {
                    level,
                    description: d,
                };
                let closure =
                    d == AlertDescription::CLOSE_NOTIFY || d == AlertDescription::USER_CANCELED;
                assert_eq!(a.is_fatal_in(TlsVersion::Tls13), !closure, "{a}");
            }
        }
    }

    #[test]
    fn tls12_level_decides() {
        let warn = |d| Alert {
            level: AlertLevel::WARNING,
            description: d,
        };
        assert!(!warn(AlertDescription::NO_RENEGOTIATION).is_fatal_in(TlsVersion::Tls12));
        assert_eq!(
            warn(AlertDescription::NO_RENEGOTIATION).action_in(TlsVersion::Tls12),
            AlertAction::IgnoreWarning
        );
        assert!(Alert::fatal(AlertDescription::NO_RENEGOTIATION).is_fatal_in(TlsVersion::Tls12));
        // An unknown level must never let an alert slip by as a warning.
        let odd = Alert {
            level: AlertLevel(3),
            description: AlertDescription::HANDSHAKE_FAILURE,
        };
        assert!(odd.is_fatal_in(TlsVersion::Tls12));
    }

    #[test]
    fn actions() {
        for v in [TlsVersion::Tls12, TlsVersion::Tls13] {
            assert_eq!(Alert::close_notify().action_in(v), AlertAction::CloseRead);
            assert_eq!(
                Alert::user_canceled().action_in(v),
                AlertAction::NoteCanceled
            );
            assert_eq!(
                Alert::fatal(AlertDescription::DECODE_ERROR).action_in(v),
                AlertAction::Terminate
            );
        }
        // close_notify sent at the fatal level is still a closure in both versions.
        let cn = Alert {
            level: AlertLevel::FATAL,
            description: AlertDescription::CLOSE_NOTIFY,
        };
        assert_eq!(cn.action_in(TlsVersion::Tls13), AlertAction::CloseRead);
        assert_eq!(cn.action_in(TlsVersion::Tls12), AlertAction::CloseRead);
    }

    proptest! {
        #[test]
        fn round_trip(level: u8, description: u8) {
            let a = Alert { level: AlertLevel(level), description: AlertDescription(description) };
            let mut out = Vec::new();
            a.encode(&mut out);
            prop_assert_eq!(Alert::parse(&out), Ok(a));
        }

        #[test]
        fn arbitrary_bytes_parse_or_error(bytes in proptest::collection::vec(any::<u8>(), 0..8)) {
            match Alert::parse(&bytes) {
                Ok(a) => prop_assert_eq!(&a.to_bytes()[..], &bytes[..]),
                Err(AlertDecodeError::Truncated) => prop_assert!(bytes.len() < 2),
                Err(AlertDecodeError::TrailingBytes) => prop_assert!(bytes.len() > 2),
            }
        }
    }
}

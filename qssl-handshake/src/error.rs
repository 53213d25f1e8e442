//! The crate's errors and the one place where each is given its alert: the codec's
//! [`InvalidMessage`], the state machines' [`PeerMisbehaved`] and [`PeerIncompatible`]
//! (small `Copy` enums), all wrapped by [`Error`]. Table: `docs/alerts.md`.

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
/// | `TooLarge` | `decode_error` | a length or an element count above Q-SSL's cap for the field (constants in [`crate::limits`]): out of the range we accept |
/// | `HandshakeMessageTooLarge` | `decode_error` | a handshake header declaring more than [`DecodeLimits`](crate::DecodeLimits) allow, refused before buffering (rustls does the same; OpenSSL sends illegal_parameter) |
/// | `UnknownServerNameType` | `decode_error` | RFC 6066 §3 gives no length for other name types, so the list cannot be parsed past one |
/// | `DuplicateExtension` | `illegal_parameter` | RFC 8446 §4.2 (in the TLS 1.2 ClientHello RFC 5246 §7.4.1.4 says the same without naming an alert) |
/// | `PreSharedKeyNotLast` | `illegal_parameter` | RFC 8446 §4.2.11: "servers MUST check that it is the last extension and otherwise fail the handshake with an illegal_parameter alert" |
/// | `InvalidKeyUpdateRequest` | `illegal_parameter` | RFC 8446 §4.6.3 |
/// | `RecordSizeLimitTooSmall` | `illegal_parameter` | RFC 8449 §4: a value below 64 |
/// | `UnsupportedCurveType` | `illegal_parameter` | TLS 1.2 ServerKeyExchange `curve_type` other than named_curve(3) (RFC 8422 §5.4 deprecates the rest and names no alert): RFC 5246 §7.2.2, "a field in the handshake was out of range" |
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
    /// A TLS 1.2 ServerKeyExchange whose ECParameters.curve_type is not named_curve.
    #[error("ECParameters curve_type other than named_curve")]
    UnsupportedCurveType,
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
            | Self::RecordSizeLimitTooSmall
            | Self::UnsupportedCurveType => AlertDescription::ILLEGAL_PARAMETER,
        }
    }
}

/// Why one of our own messages could not be encoded: the shared codec's error. Never
/// caused by parsing: the encoders refuse to write a vector longer than its length
/// prefix can express instead of writing a wrong length (the bytes already appended
/// are taken back). Inside the state machines it becomes [`Error::Encode`]
/// (internal_error); a HelloRetryRequest whose cookie cannot fit the second
/// ClientHello is [`PeerMisbehaved::HelloRetryCookieTooLarge`].
pub use qssl_wire::codec::EncodeError;

/// The peer broke a rule of the protocol. Each variant names the rule; the alert is
/// chosen by [`PeerMisbehaved::alert`] (table in `docs/alerts.md`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, thiserror::Error)]
#[non_exhaustive]
pub enum PeerMisbehaved {
    /// A handshake message that is not allowed in the current state (RFC 8446 §4).
    #[error("unexpected {0:?} message")]
    UnexpectedMessage(crate::HandshakeType),
    /// A change_cipher_spec record outside the one allowed during the handshake (§5).
    #[error("unexpected change_cipher_spec")]
    UnexpectedChangeCipherSpec,
    /// A handshake message split across a key change (RFC 8446 §5.1).
    #[error("handshake message spans a key change")]
    MessageSpansKeyChange,
    /// A second HelloRetryRequest (RFC 8446 §4.1.4).
    #[error("second HelloRetryRequest")]
    SecondHelloRetryRequest,
    /// A HelloRetryRequest that would not change the ClientHello, or asks for a group
    /// already shared or not offered (RFC 8446 §4.1.4).
    #[error("HelloRetryRequest selects a group the client cannot or need not retry")]
    IllegalHelloRetryRequest,
    /// A HelloRetryRequest whose cookie (RFC 8446 §4.2.2) cannot be echoed: with our
    /// other extensions it overflows the second ClientHello's extension block
    /// (`Extension extensions<8..2^16-1>`). The HRR itself is well-formed (so not
    /// decode_error); what it asks for is inconsistent with the ClientHello it must go
    /// into, and an HRR the client cannot act on is illegal_parameter (§4.1.4).
    #[error("HelloRetryRequest cookie too large to echo in the second ClientHello")]
    HelloRetryCookieTooLarge,
    /// The server's Finished did not verify (RFC 8446 §4.4.4).
    #[error("Finished verify_data incorrect")]
    BadFinished,
    /// A CertificateVerify signature did not verify (RFC 8446 §4.4.3).
    #[error("CertificateVerify signature incorrect")]
    BadCertificateVerify,
    /// A key share failed validation (length, point, ML-KEM key check).
    #[error("invalid key share")]
    InvalidKeyShare,
    /// A ClientHello without key_share, or a ServerHello without key_share
    /// (RFC 8446 §9.2).
    #[error("missing key_share extension")]
    MissingKeyShare,
    /// A ClientHello without supported_groups or signature_algorithms (RFC 8446 §9.2).
    #[error("missing mandatory extension")]
    MissingExtension,
    /// The client offered two key shares for one group, or a share for a group not in
    /// its supported_groups (RFC 8446 §4.2.8).
    #[error("key_share list inconsistent with supported_groups")]
    InconsistentKeyShares,
    /// The server chose a group, cipher suite or version the client did not offer.
    #[error("server selected a parameter the client did not offer")]
    SelectedUnofferedParameter,
    /// The server chose an ALPN protocol the client did not offer, or several (RFC 7301).
    #[error("server selected an ALPN protocol the client did not offer")]
    SelectedUnofferedAlpn,
    /// A CertificateVerify whose scheme was not offered or does not fit the key.
    #[error("CertificateVerify uses a scheme that was not offered")]
    SignatureSchemeNotOffered,
    /// The TLS 1.2/1.1 downgrade sentinel in a ServerHello.random (RFC 8446 §4.1.3).
    #[error("downgrade sentinel in ServerHello.random")]
    DowngradeDetected,
    /// The ServerHello did not echo legacy_session_id (RFC 8446 §4.1.3).
    #[error("legacy_session_id not echoed")]
    SessionIdMismatch,
    /// legacy_compression_method(s) other than null (RFC 8446 §4.1.2, §4.1.3).
    #[error("non-null compression")]
    BadCompression,
    /// An extension in a message that may not carry it, or one the client did not
    /// request (RFC 8446 §4.2).
    #[error("unsolicited or misplaced extension")]
    UnsolicitedExtension,
    /// The server sent an empty Certificate (RFC 8446 §4.4.2.4).
    #[error("server sent no certificate")]
    NoServerCertificate,
    /// The client sent no certificate while authentication is mandatory (§4.4.2.4).
    #[error("client certificate required")]
    NoClientCertificate,
    /// A certificate_request_context other than the one required.
    #[error("wrong certificate_request_context")]
    BadCertificateRequestContext,
    /// A NewSessionTicket lifetime over seven days (RFC 8446 §4.6.1).
    #[error("ticket lifetime over 7 days")]
    BadTicketLifetime,
    /// A KeyUpdate or NewSessionTicket sent to a server, or other misplaced
    /// post-handshake message.
    #[error("misplaced post-handshake message")]
    MisplacedPostHandshakeMessage,
    /// Stateless retry: the second ClientHello did not echo our HelloRetryRequest
    /// cookie unchanged, or a ClientHello carried a cookie we did not make for it
    /// (RFC 8446 §4.2.2, §4.1.2: the second hello must answer the retry).
    #[error("HelloRetryRequest cookie missing or altered")]
    BadCookie,
    /// A Finished whose verify_data is not Hash.length bytes (RFC 8446 §4.4.4): a
    /// message of the wrong length, not a wrong MAC.
    #[error("Finished verify_data of the wrong length")]
    FinishedWrongLength,
    /// A server_name extension with more than one host name, or one that is not a
    /// DNS name (RFC 6066 §3).
    #[error("server_name is not one valid DNS host name")]
    InvalidServerName,
    /// A TLS 1.3 ServerHello whose legacy_version is not 0x0303 (RFC 8446 §4.1.3).
    #[error("ServerHello legacy_version is not TLS 1.2")]
    BadLegacyVersion,
    /// More than [`MAX_KEY_UPDATES_IN_A_ROW`](crate::MAX_KEY_UPDATES_IN_A_ROW)
    /// KeyUpdates without application data between them: each costs a key derivation
    /// and gives the application nothing (rustls has the same budget of 32).
    #[error("too many KeyUpdates without application data")]
    TooManyKeyUpdates,
    /// More than the allowed number of warning alerts (user_canceled) on one
    /// connection (the connection counts them; rustls allows 4).
    #[error("too many warning alerts")]
    TooManyWarningAlerts,
    /// A record of another type arrived while a handshake message was half received
    /// (RFC 8446 §5.1: handshake messages "MUST NOT be interleaved with other record
    /// types").
    #[error("record interleaved with a fragmented handshake message")]
    InterleavedWithHandshakeMessage,
    /// The binder of the PSK the server selected did not verify (RFC 8446 §4.2.11:
    /// "the server MUST validate the corresponding binder value ... If this value is
    /// not present or does not validate, the server MUST abort the handshake").
    #[error("PSK binder incorrect")]
    BadPskBinder,
    /// pre_shared_key with a different number of binders than identities (RFC 8446
    /// §4.2.11: one binder per identity, in the same order).
    #[error("PSK binder count does not match the identities")]
    PskBinderCountMismatch,
    /// pre_shared_key without psk_key_exchange_modes (RFC 8446 §4.2.9: "servers MUST
    /// abort the handshake").
    #[error("pre_shared_key without psk_key_exchange_modes")]
    PskWithoutKeyExchangeModes,
    /// The server selected a PSK whose hash is not the selected cipher suite's, or a
    /// key exchange mode the client did not offer (RFC 8446 §4.2.11).
    #[error("server selected a PSK that does not fit the handshake")]
    PskIncompatible,
    /// More 0-RTT data than max_early_data_size (RFC 8446 §4.2.10: "SHOULD terminate
    /// the connection with an unexpected_message alert").
    #[error("more early data than max_early_data_size")]
    TooMuchEarlyData,
    /// TLS 1.2: the peer asked to renegotiate again after our no_renegotiation
    /// warning (a second HelloRequest, or a second renegotiating ClientHello).
    #[error("peer insisted on renegotiation, which Q-SSL refuses")]
    RenegotiationRefused,
    /// TLS 1.2 renegotiation_info that is not empty on an initial handshake
    /// (RFC 5746 §3.4, §3.6: "MUST abort the handshake" with handshake_failure).
    #[error("renegotiation_info not empty on an initial handshake")]
    BadRenegotiationInfo,
    /// TLS 1.2 ec_point_formats without the uncompressed format, which RFC 8422
    /// §5.1.2 makes mandatory.
    #[error("ec_point_formats without the uncompressed format")]
    NoUncompressedPoints,
    /// TLS 1.2: an empty client Certificate when client authentication is
    /// mandatory (RFC 5246 §7.4.6: handshake_failure; TLS 1.3 has its own alert).
    #[error("client sent no certificate, and one is required")]
    NoClientCertificateTls12,
}

impl PeerMisbehaved {
    /// The alert for this error: the one place that chooses it.
    pub fn alert(self) -> AlertDescription {
        use AlertDescription as A;
        match self {
            Self::UnexpectedMessage(_)
            | Self::UnexpectedChangeCipherSpec
            | Self::MessageSpansKeyChange
            | Self::SecondHelloRetryRequest
            | Self::MisplacedPostHandshakeMessage
            | Self::TooManyKeyUpdates
            | Self::TooManyWarningAlerts
            | Self::InterleavedWithHandshakeMessage
            | Self::TooMuchEarlyData => A::UNEXPECTED_MESSAGE,
            Self::RenegotiationRefused
            | Self::BadRenegotiationInfo
            | Self::NoClientCertificateTls12 => A::HANDSHAKE_FAILURE,
            Self::NoUncompressedPoints => A::ILLEGAL_PARAMETER,
            Self::BadFinished | Self::BadCertificateVerify | Self::BadPskBinder => A::DECRYPT_ERROR,
            Self::InvalidKeyShare
            | Self::IllegalHelloRetryRequest
            | Self::HelloRetryCookieTooLarge
            | Self::InconsistentKeyShares
            | Self::SelectedUnofferedParameter
            | Self::SelectedUnofferedAlpn
            | Self::SignatureSchemeNotOffered
            | Self::DowngradeDetected
            | Self::SessionIdMismatch
            | Self::BadCompression
            | Self::BadCertificateRequestContext
            | Self::BadTicketLifetime
            | Self::BadCookie
            | Self::InvalidServerName
            | Self::PskBinderCountMismatch
            | Self::PskIncompatible => A::ILLEGAL_PARAMETER,
            Self::BadLegacyVersion => A::PROTOCOL_VERSION,
            Self::MissingKeyShare | Self::MissingExtension | Self::PskWithoutKeyExchangeModes => {
                A::MISSING_EXTENSION
            }
            Self::UnsolicitedExtension => A::UNSUPPORTED_EXTENSION,
            Self::NoServerCertificate | Self::FinishedWrongLength => A::DECODE_ERROR,
            Self::NoClientCertificate => A::CERTIFICATE_REQUIRED,
        }
    }
}

/// The peer is well-behaved but wants something this side does not offer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, thiserror::Error)]
#[non_exhaustive]
pub enum PeerIncompatible {
    /// No TLS 1.3 in the ClientHello's supported_versions, or a TLS 1.2 ServerHello.
    #[error("peer does not speak TLS 1.3")]
    NoTls13,
    /// No cipher suite in common.
    #[error("no cipher suite in common")]
    NoCommonCipherSuite,
    /// No key exchange group in common.
    #[error("no key exchange group in common")]
    NoCommonGroup,
    /// `pq_only` and the peer offers no post-quantum group in common.
    #[error("no post-quantum key exchange group in common (pq_only)")]
    NoPostQuantumGroup,
    /// No signature scheme in common with our key.
    #[error("no signature scheme in common")]
    NoCommonSignatureScheme,
    /// No ALPN protocol in common (RFC 7301 §3.2).
    #[error("no application protocol in common")]
    NoApplicationProtocol,
    /// A ClientHello whose legacy_version is below 0x0303 (RFC 8446 §4.1.2 and
    /// Appendix D.5): an SSL 3.0 / TLS 1.0 / TLS 1.1 era hello.
    #[error("ClientHello legacy_version below TLS 1.2")]
    LegacyVersionTooLow,
    /// TLS 1.2 enabled, and the peer offers neither TLS 1.3 nor TLS 1.2 (or a TLS 1.2
    /// server answers a client that has TLS 1.2 off, which is [`Self::NoTls13`]).
    #[error("no protocol version in common (TLS 1.3 or 1.2)")]
    NoCommonVersion,
    /// TLS 1.2 without extended master secret (RFC 7627), which Q-SSL requires
    /// unless the configuration allows it (§5.2, §5.3: handshake_failure).
    #[error("peer does not support extended master secret (RFC 7627)")]
    NoExtendedMasterSecret,
}

impl PeerIncompatible {
    /// The alert for this error: the one place that chooses it.
    pub fn alert(self) -> AlertDescription {
        use AlertDescription as A;
        match self {
            Self::NoTls13 | Self::LegacyVersionTooLow | Self::NoCommonVersion => {
                A::PROTOCOL_VERSION
            }
            // RFC 7627 §5.2, §5.3: "MUST abort the handshake" (handshake_failure).
            Self::NoExtendedMasterSecret => A::HANDSHAKE_FAILURE,
            // RFC 8446 §4.1.1: unable to negotiate a supported set of parameters.
            Self::NoCommonCipherSuite
            | Self::NoCommonGroup
            | Self::NoPostQuantumGroup
            | Self::NoCommonSignatureScheme => A::HANDSHAKE_FAILURE,
            Self::NoApplicationProtocol => A::NO_APPLICATION_PROTOCOL,
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
    /// The peer broke a protocol rule.
    #[error("peer misbehaved: {0}")]
    PeerMisbehaved(#[from] PeerMisbehaved),
    /// The peer wants something we do not offer.
    #[error("peer incompatible: {0}")]
    PeerIncompatible(#[from] PeerIncompatible),
    /// The peer's certificate was refused.
    #[error("certificate error: {0}")]
    Certificate(#[from] crate::verify::CertificateError),
    /// A cryptographic operation failed on our side (never a peer's bad input).
    #[error("crypto failure: {0}")]
    Crypto(#[from] qssl_crypto::error::CryptoError),
    /// The API was used in a way the state does not allow (our caller's bug).
    #[error("handshake API misuse: {0}")]
    Misuse(&'static str),
    /// One of our own messages could not be encoded (a field too long for its length
    /// prefix): nothing was sent.
    #[error("cannot encode our message: {0}")]
    Encode(#[from] EncodeError),
}

impl Error {
    /// The alert to send for this error. This function and the `alert` methods of the
    /// wrapped types are the only places that choose one.
    pub fn alert(self) -> AlertDescription {
        match self {
            Self::InvalidMessage(e) => e.alert(),
            Self::PeerMisbehaved(e) => e.alert(),
            Self::PeerIncompatible(e) => e.alert(),
            Self::Certificate(e) => e.alert(),
            Self::Crypto(_) | Self::Misuse(_) | Self::Encode(_) => AlertDescription::INTERNAL_ERROR,
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
            (UnsupportedCurveType, AlertDescription::ILLEGAL_PARAMETER),
        ];
        for (e, a) in cases {
            assert_eq!(e.alert(), a, "{e:?}");
            assert_eq!(Error::from(e).alert(), a, "{e:?}");
        }
    }

    /// Every `PeerMisbehaved` variant with the alert RFC 8446 (or the RFC named) gives
    /// it. The match in `listed` has no wildcard: a new variant does not compile until
    /// it is added here with its alert.
    #[test]
    fn peer_misbehaved_alert_table() {
        use AlertDescription as A;
        use PeerMisbehaved::*;
        let cases = [
            // §4: a message not allowed in the state.
            (
                UnexpectedMessage(crate::HandshakeType::FINISHED),
                A::UNEXPECTED_MESSAGE,
            ),
            // §5: change_cipher_spec outside the tolerated one.
            (UnexpectedChangeCipherSpec, A::UNEXPECTED_MESSAGE),
            // §5.1: a handshake message across a key change.
            (MessageSpansKeyChange, A::UNEXPECTED_MESSAGE),
            // §4.1.4: "MUST abort the handshake with an unexpected_message alert".
            (SecondHelloRetryRequest, A::UNEXPECTED_MESSAGE),
            (MisplacedPostHandshakeMessage, A::UNEXPECTED_MESSAGE),
            // No RFC limit: messages past a budget are not expected (rustls does the
            // same for KeyUpdates and warnings).
            (TooManyKeyUpdates, A::UNEXPECTED_MESSAGE),
            (TooManyWarningAlerts, A::UNEXPECTED_MESSAGE),
            // §5.1: "MUST NOT be interleaved with other record types".
            (InterleavedWithHandshakeMessage, A::UNEXPECTED_MESSAGE),
            // §4.2.10: early data beyond max_early_data_size.
            (TooMuchEarlyData, A::UNEXPECTED_MESSAGE),
            // §4.4.4 and §4.4.3: decrypt_error.
            (BadFinished, A::DECRYPT_ERROR),
            (BadCertificateVerify, A::DECRYPT_ERROR),
            // §4.2.11: a binder that does not validate.
            (BadPskBinder, A::DECRYPT_ERROR),
            // §4.2.11: binders and identities pair up; the selected PSK fits.
            (PskBinderCountMismatch, A::ILLEGAL_PARAMETER),
            (PskIncompatible, A::ILLEGAL_PARAMETER),
            // §4.2.9: pre_shared_key needs psk_key_exchange_modes.
            (PskWithoutKeyExchangeModes, A::MISSING_EXTENSION),
            // illegal_parameter: §4.2.8.1/§7.4 bad shares, §4.1.4 HRR, §4.2.8 share
            // list, §4.1.3 unoffered choices and sentinel, RFC 7301 §3.2, §4.2.3,
            // §4.1.3 session id, §4.1.2/§4.1.3 compression, §4.3.2 context, §4.6.1,
            // §4.2.2 cookie.
            (InvalidKeyShare, A::ILLEGAL_PARAMETER),
            (IllegalHelloRetryRequest, A::ILLEGAL_PARAMETER),
            (HelloRetryCookieTooLarge, A::ILLEGAL_PARAMETER),
            (InconsistentKeyShares, A::ILLEGAL_PARAMETER),
            (SelectedUnofferedParameter, A::ILLEGAL_PARAMETER),
            (SelectedUnofferedAlpn, A::ILLEGAL_PARAMETER),
            (SignatureSchemeNotOffered, A::ILLEGAL_PARAMETER),
            (DowngradeDetected, A::ILLEGAL_PARAMETER),
            (SessionIdMismatch, A::ILLEGAL_PARAMETER),
            (BadCompression, A::ILLEGAL_PARAMETER),
            (BadCertificateRequestContext, A::ILLEGAL_PARAMETER),
            (BadTicketLifetime, A::ILLEGAL_PARAMETER),
            (BadCookie, A::ILLEGAL_PARAMETER),
            // RFC 6066 §3: one host name, a DNS name.
            (InvalidServerName, A::ILLEGAL_PARAMETER),
            // §4.1.3 / Appendix D.5: the ServerHello's legacy_version is 0x0303.
            (BadLegacyVersion, A::PROTOCOL_VERSION),
            // §4.4.4: verify_data is Hash.length bytes; another length is malformed.
            (FinishedWrongLength, A::DECODE_ERROR),
            // §9.2: missing mandatory extensions.
            (MissingKeyShare, A::MISSING_EXTENSION),
            (MissingExtension, A::MISSING_EXTENSION),
            // §4.2: an extension not allowed or not requested.
            (UnsolicitedExtension, A::UNSUPPORTED_EXTENSION),
            // §4.4.2.4: empty server Certificate is decode_error...
            (NoServerCertificate, A::DECODE_ERROR),
            // ...and an empty client Certificate when one is required, certificate_required.
            (NoClientCertificate, A::CERTIFICATE_REQUIRED),
            // TLS 1.2: RFC 5746 §3.4/§3.6 and RFC 5246 §7.4.6 say handshake_failure;
            // a renegotiation pressed after no_renegotiation fails the same way.
            (RenegotiationRefused, A::HANDSHAKE_FAILURE),
            (BadRenegotiationInfo, A::HANDSHAKE_FAILURE),
            (NoClientCertificateTls12, A::HANDSHAKE_FAILURE),
            // RFC 8422 §5.1.2: uncompressed points are mandatory.
            (NoUncompressedPoints, A::ILLEGAL_PARAMETER),
        ];
        fn listed(e: PeerMisbehaved) {
            match e {
                UnexpectedMessage(_)
                | UnexpectedChangeCipherSpec
                | MessageSpansKeyChange
                | SecondHelloRetryRequest
                | MisplacedPostHandshakeMessage
                | TooManyKeyUpdates
                | TooManyWarningAlerts
                | InterleavedWithHandshakeMessage
                | BadFinished
                | BadCertificateVerify
                | InvalidKeyShare
                | IllegalHelloRetryRequest
                | HelloRetryCookieTooLarge
                | InconsistentKeyShares
                | SelectedUnofferedParameter
                | SelectedUnofferedAlpn
                | SignatureSchemeNotOffered
                | DowngradeDetected
                | SessionIdMismatch
                | BadCompression
                | BadCertificateRequestContext
                | BadTicketLifetime
                | BadCookie
                | InvalidServerName
                | BadLegacyVersion
                | FinishedWrongLength
                | MissingKeyShare
                | MissingExtension
                | UnsolicitedExtension
                | NoServerCertificate
                | NoClientCertificate
                | BadPskBinder
                | PskBinderCountMismatch
                | PskIncompatible
                | PskWithoutKeyExchangeModes
                | TooMuchEarlyData
                | RenegotiationRefused
                | BadRenegotiationInfo
                | NoUncompressedPoints
                | NoClientCertificateTls12 => {}
            }
        }
        // 40 variants in `listed`, each once in `cases`.
        assert_eq!(cases.len(), 40);
        let distinct: std::collections::HashSet<_> = cases.iter().map(|(e, _)| *e).collect();
        assert_eq!(distinct.len(), cases.len());
        for (e, a) in cases {
            listed(e);
            assert_eq!(e.alert(), a, "{e:?}");
            assert_eq!(Error::from(e).alert(), a, "{e:?}");
        }
        // Whatever the message type, unexpected_message.
        for t in [0u8, 1, 2, 8, 11, 15, 20, 24, 254, 255] {
            assert_eq!(
                UnexpectedMessage(crate::HandshakeType(t)).alert(),
                A::UNEXPECTED_MESSAGE
            );
        }
    }

    /// Every `PeerIncompatible` variant with its alert (no wildcard: see above).
    #[test]
    fn peer_incompatible_alert_table() {
        use AlertDescription as A;
        use PeerIncompatible::*;
        let cases = [
            // §4.2.1: no TLS 1.3 in supported_versions.
            (NoTls13, A::PROTOCOL_VERSION),
            // §4.1.1: "unable to negotiate an acceptable set of parameters".
            (NoCommonCipherSuite, A::HANDSHAKE_FAILURE),
            (NoCommonGroup, A::HANDSHAKE_FAILURE),
            (NoPostQuantumGroup, A::HANDSHAKE_FAILURE),
            (NoCommonSignatureScheme, A::HANDSHAKE_FAILURE),
            // RFC 7301 §3.2.
            (NoApplicationProtocol, A::NO_APPLICATION_PROTOCOL),
            // §4.1.2, Appendix D.5: a hello older than TLS 1.2.
            (LegacyVersionTooLow, A::PROTOCOL_VERSION),
            // RFC 5246 Appendix E.1: no version in common.
            (NoCommonVersion, A::PROTOCOL_VERSION),
            // RFC 7627 §5.2/§5.3.
            (NoExtendedMasterSecret, A::HANDSHAKE_FAILURE),
        ];
        fn listed(e: PeerIncompatible) {
            match e {
                NoTls13
                | NoCommonCipherSuite
                | NoCommonGroup
                | NoPostQuantumGroup
                | NoCommonSignatureScheme
                | NoApplicationProtocol
                | LegacyVersionTooLow
                | NoCommonVersion
                | NoExtendedMasterSecret => {}
            }
        }
        assert_eq!(cases.len(), 9);
        let distinct: std::collections::HashSet<_> = cases.iter().map(|(e, _)| *e).collect();
        assert_eq!(distinct.len(), cases.len());
        for (e, a) in cases {
            listed(e);
            assert_eq!(e.alert(), a, "{e:?}");
            assert_eq!(Error::from(e).alert(), a, "{e:?}");
        }
    }

    #[test]
    fn our_own_faults_are_internal_error() {
        assert_eq!(Error::Misuse("x").alert(), AlertDescription::INTERNAL_ERROR);
        assert_eq!(
            Error::from(qssl_crypto::error::CryptoError::RandomFailed).alert(),
            AlertDescription::INTERNAL_ERROR
        );
        assert_eq!(
            Error::from(EncodeError::TooLong {
                len: 0x1_0000,
                max: 0xffff
            })
            .alert(),
            AlertDescription::INTERNAL_ERROR
        );
    }
}

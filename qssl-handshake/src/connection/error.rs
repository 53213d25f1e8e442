//! The connection's error: the one a [`Connection`](super::Connection) keeps when it
//! fails, and the facade's `qssl::Error`.

use qssl_alert::AlertDescription;
use qssl_record::{ContentType, RecordError};

use crate::error::{Error, InvalidMessage, PeerMisbehaved};

/// Every error a Q-SSL connection or configuration can report.
///
/// `Copy`, free of secrets. [`ConnectionError::alert`] is the alert this side sends
/// for it (none for [`ConnectionError::AlertReceived`]: the peer already ended the
/// connection).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ConnectionError {
    /// A handshake-layer error (bad message, protocol violation, incompatible peer,
    /// refused certificate).
    #[error(transparent)]
    Handshake(#[from] Error),
    /// A record-layer error (bad MAC, overflow, bad content type).
    #[error("record layer: {0}")]
    Record(#[from] RecordError),
    /// The peer sent this fatal alert.
    #[error("peer sent fatal alert: {}", alert_name(*.0))]
    AlertReceived(AlertDescription),
    /// A record of this content type arrived where it is not allowed (e.g. application
    /// data during the handshake, RFC 8446 §5).
    #[error("unexpected {0:?} record")]
    UnexpectedRecord(ContentType),
    /// An alert record that is not two well-formed bytes.
    #[error("malformed alert record")]
    MalformedAlert,
    /// The peer sent close_notify before the handshake completed: the handshake
    /// cannot finish. We answer with close_notify (see [`ConnectionError::alert`]).
    #[error("peer closed the connection (close_notify) during the handshake")]
    PeerClosedDuringHandshake,
    /// The configuration cannot work (e.g. no verifier, no certificate).
    #[error("invalid configuration: {0}")]
    Config(&'static str),
}

fn alert_name(a: AlertDescription) -> String {
    a.name()
        .map_or_else(|| format!("unknown({})", a.0), str::to_owned)
}

impl ConnectionError {
    /// The alert sent to the peer for this error, if any. Chosen here and in the
    /// `alert` functions of the wrapped errors, nowhere else.
    ///
    /// [`ConnectionError::PeerClosedDuringHandshake`] gets close_notify (at the
    /// warning level): the peer broke no rule, it stopped, so an error alert would
    /// misreport it; and RFC 8446 §6.1 wants close_notify from a side that closes its
    /// write side without an error alert. The peer may still read (closure is per
    /// direction).
    pub fn alert(&self) -> Option<AlertDescription> {
        match self {
            Self::Handshake(e) => Some(e.alert()),
            Self::Record(e) => Some(e.alert()),
            Self::AlertReceived(_) => None,
            Self::UnexpectedRecord(_) => Some(AlertDescription::UNEXPECTED_MESSAGE),
            Self::MalformedAlert => Some(AlertDescription::DECODE_ERROR),
            Self::PeerClosedDuringHandshake => Some(AlertDescription::CLOSE_NOTIFY),
            Self::Config(_) => Some(AlertDescription::INTERNAL_ERROR),
        }
    }
}

impl From<InvalidMessage> for ConnectionError {
    fn from(e: InvalidMessage) -> Self {
        Self::Handshake(e.into())
    }
}

impl From<PeerMisbehaved> for ConnectionError {
    fn from(e: PeerMisbehaved) -> Self {
        Self::Handshake(e.into())
    }
}

impl From<ConnectionError> for std::io::Error {
    fn from(e: ConnectionError) -> Self {
        std::io::Error::new(std::io::ErrorKind::InvalidData, e)
    }
}

//! The one error type of the facade: the connection core's
//! ([`qssl_handshake::ConnectionError`]), which keeps the first fatal error of a
//! connection and says which alert the peer was sent for it.

/// Every error a Q-SSL connection or configuration can report.
///
/// `Copy`, free of secrets. [`Error::alert`] is the alert this side sends for it
/// (none for [`Error::AlertReceived`]: the peer already ended the connection).
pub type Error = qssl_handshake::ConnectionError;

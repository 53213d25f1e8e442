//! The one error type of the harness.

/// Why a peer could not be set up, or why a connection failed.
///
/// Handshake failures keep the implementation's own message (OpenSSL's error
/// stack, rustls' `Error`) as text, because the two libraries' error types have
/// nothing in common and a test only needs to show them.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum PeerError {
    /// A socket operation failed (includes the harness' 30 s time-outs).
    #[error("i/o: {0}")]
    Io(#[from] std::io::Error),
    /// OpenSSL refused a configuration or key/certificate operation.
    #[error("openssl: {0}")]
    OpenSsl(#[from] openssl::error::ErrorStack),
    /// rustls refused a configuration.
    #[error("rustls: {0}")]
    Rustls(#[from] rustls::Error),
    /// The TLS handshake failed; the text is the implementation's own report.
    #[error("{peer} handshake failed: {detail}")]
    Handshake {
        /// Which implementation reported the failure.
        peer: &'static str,
        /// Its error, as text.
        detail: String,
    },
    /// The implementation cannot do what was asked (a group it lacks, an API the
    /// binding does not expose).
    #[error("{peer} does not support {what}")]
    Unsupported {
        /// Which implementation.
        peer: &'static str,
        /// What it lacks.
        what: String,
    },
    /// PEM or DER input the harness could not use.
    #[error("bad test material: {0}")]
    Material(String),
    /// The peer broke the harness' little request/response protocol.
    #[error("harness protocol: {0}")]
    Protocol(String),
}

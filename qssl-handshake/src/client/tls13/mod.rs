//! TLS 1.3 on the client: the emitters that take over from a
//! [`ServerHelloChoice`](super::negotiate::ServerHelloChoice) — the handshake keys
//! after a ServerHello, the second ClientHello after a HelloRetryRequest
//! (server_hello.rs) — the states that read the server's encrypted flight
//! (server_flight.rs), and the server's Finished with the client's second flight
//! (finished.rs).

mod finished;
mod server_flight;
mod server_hello;

use qssl_crypto::ids::{NamedGroup, SignatureScheme};
use qssl_crypto::suites::Tls13CipherSuite;

pub(crate) use finished::ExpectFinished;
pub(crate) use server_flight::{
    ExpectCertificate, ExpectCertificateOrRequest, ExpectCertificateVerify,
    ExpectEncryptedExtensions,
};
pub(crate) use server_hello::{accept_server_hello, emit_retried_hello};

use super::hello::ClientStart;
use crate::CertificateRequest;
use crate::action::EarlyDataStatus;
use crate::key_schedule::HandshakeSecret;
use crate::resumption::SessionState;
use crate::transcript::Transcript;
use crate::verify::{CertificateDer, VerifiedPath};

/// What the client knows once the ServerHello is in.
pub(crate) struct ClientHs {
    pub(crate) start: ClientStart,
    pub(crate) suite: &'static Tls13CipherSuite,
    /// `None` for a psk_ke resumption (no key exchange).
    pub(crate) group: Option<NamedGroup>,
    /// The session the server resumed: no certificate comes, the session's stand.
    pub(crate) resumed: Option<SessionState>,
    pub(crate) transcript: Transcript,
    pub(crate) secrets: HandshakeSecret,
    pub(crate) hello_retry_request: bool,
    pub(crate) offered_alpn: bool,
    pub(crate) alpn_protocol: Option<Vec<u8>>,
    pub(crate) peer_record_size_limit: Option<u16>,
    /// The server's CertificateRequest (checked to carry signature_algorithms).
    pub(crate) cert_request: Option<CertificateRequest>,
    pub(crate) peer_certificates: Vec<CertificateDer<'static>>,
    pub(crate) ocsp_response: Option<Vec<u8>>,
    /// What the verifier validated of the server's chain.
    pub(crate) verified_path: VerifiedPath,
    pub(crate) server_scheme: Option<SignatureScheme>,
    /// 0-RTT: offered, and accepted so far (until the EncryptedExtensions say).
    pub(crate) early_data: EarlyDataStatus,
    /// Early data was accepted: the client handshake write key is installed only
    /// after our EndOfEarlyData.
    pub(crate) write_key_pending: bool,
}

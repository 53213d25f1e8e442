//! TLS 1.3 on the server: the emitters that turn a
//! [`ServerNegotiation`](super::negotiate::ServerNegotiation) into the server's first
//! flight (flight.rs) or a HelloRetryRequest (retry.rs, which also recovers a stateless
//! retry from its cookie), and the states that take the client's second flight
//! (client_flight.rs).

mod client_flight;
mod flight;
mod retry;

use std::sync::Arc;

use qssl_crypto::ids::{NamedGroup, SignatureScheme};
use qssl_crypto::suites::Tls13CipherSuite;

pub(crate) use client_flight::{
    ExpectCertificate, ExpectCertificateVerify, ExpectEndOfEarlyData, ExpectFinished,
};
pub(crate) use flight::emit_server_flight;
pub(crate) use retry::{Retry, emit_retry, recover_retry};

use super::negotiate::RecordSizeLimits;
use crate::action::EarlyDataStatus;
use crate::config::ServerParams;
use crate::key_schedule::MasterSecret;
use crate::resumption::SessionState;
use crate::transcript::Transcript;
use crate::verify::{CertificateDer, VerifiedPath};

/// What the server knows once its flight is sent.
pub(crate) struct ServerHs {
    pub(crate) params: Arc<ServerParams>,
    pub(crate) suite: &'static Tls13CipherSuite,
    /// `None` for a psk_ke resumption (no key exchange).
    pub(crate) group: Option<NamedGroup>,
    pub(crate) scheme: SignatureScheme,
    /// The session resumed, if any: no certificates were exchanged.
    pub(crate) resumed: Option<SessionState>,
    /// The client's psk_key_exchange_modes allow the tickets we would send.
    pub(crate) send_tickets: bool,
    /// What became of the client's 0-RTT offer.
    pub(crate) early_data: EarlyDataStatus,
    pub(crate) transcript: Transcript,
    pub(crate) master: MasterSecret,
    pub(crate) alpn_protocol: Option<Vec<u8>>,
    pub(crate) sni: Option<String>,
    pub(crate) record_size_limit: RecordSizeLimits,
    pub(crate) hello_retry_request: bool,
    pub(crate) client_certificates: Vec<CertificateDer<'static>>,
    /// What the client verifier validated of the client's chain.
    pub(crate) client_path: VerifiedPath,
    pub(crate) client_scheme: Option<SignatureScheme>,
}

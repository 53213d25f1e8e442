//! Test-only entry points into the state machines. **Not part of the API**: hidden from
//! the documentation, exempt from semver, and never needed by a real connection.
//!
//! They exist so known-answer tests (RFC 8448) can run the real state machines on a
//! published trace, whose ClientHello carries extensions Q-SSL never sends
//! (renegotiation_info, session_ticket, finite-field groups): the client is started
//! *from* the trace's ClientHello bytes instead of building its own.

use std::sync::Arc;

use qssl_crypto::kx::ActiveKeyExchange;

use crate::config::ClientParams;
use crate::error::Error;
use crate::machine::StateMachine;
use crate::verify::ServerName;

/// A client handshake that has "sent" `client_hello` (one whole handshake message,
/// header included) and waits for the ServerHello, holding `key_share` — the private
/// key behind one of that hello's `key_share` entries (checked: same group and public
/// value, else [`Error::Misuse`]).
///
/// From the hello it takes the random, legacy_session_id, SNI, the signature schemes it
/// offered (what a CertificateVerify may use) and the transcript's first message;
/// from `params` everything else (suites and groups it accepts in a ServerHello or
/// HelloRetryRequest, verifier, record_size_limit, key log). No action is emitted: the
/// caller already has the hello's bytes.
pub fn client_from_hello(
    params: Arc<ClientParams>,
    server_name: ServerName<'static>,
    client_hello: &[u8],
    key_share: Box<dyn ActiveKeyExchange>,
) -> Result<StateMachine, Error> {
    StateMachine::client_from_hello(params, server_name, client_hello, key_share)
}

//! The TLS 1.3 server state machine, sans-I/O.
//!
//! One `Expect*` type per step, each consumed by its `handle`: hello.rs (ClientHello,
//! HelloRetryRequest, the server's whole first flight) and tls13.rs (the client's
//! Certificate, CertificateVerify and Finished). [`ServerHandshake`] holds the current
//! state, or the first fatal error, which sticks.

mod hello;
mod tls13;

use std::sync::Arc;

use crate::RawHandshake;
use crate::action::Action;
use crate::common::Traffic;
use crate::config::ServerParams;
use crate::error::{Error, PeerMisbehaved};
use crate::verify::UnixTime;

pub(crate) enum ServerState {
    ClientHello(hello::ExpectClientHello),
    Certificate(tls13::ExpectCertificate),
    CertificateVerify(tls13::ExpectCertificateVerify),
    Finished(tls13::ExpectFinished),
    Traffic(Traffic),
}

/// A server handshake in progress, then the established connection's post-handshake
/// messages. Created waiting for the ClientHello.
pub struct ServerHandshake {
    state: Result<ServerState, Error>,
    /// One plaintext change_cipher_spec is tolerated during the handshake.
    ccs_seen: bool,
}

impl core::fmt::Debug for ServerHandshake {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("ServerHandshake")
            .field("handshaking", &self.is_handshaking())
            .finish_non_exhaustive()
    }
}

impl ServerHandshake {
    /// A server waiting for the ClientHello.
    pub fn new(params: Arc<ServerParams>) -> Self {
        Self {
            state: Ok(ServerState::ClientHello(hello::ExpectClientHello::new(
                params,
            ))),
            ccs_seen: false,
        }
    }

    /// Handles one whole handshake message from the client; instructions go to `out`.
    /// After an error every later call returns the same error.
    pub fn handle(
        &mut self,
        msg: &RawHandshake,
        now: UnixTime,
        out: &mut Vec<Action>,
    ) -> Result<(), Error> {
        let state = core::mem::replace(&mut self.state, Err(Error::Misuse("re-entered")));
        let state = match state {
            Ok(s) => s,
            Err(e) => {
                self.state = Err(e);
                return Err(e);
            }
        };
        let next = msg
            .parse()
            .map_err(Error::from)
            .and_then(|parsed| Self::step(state, parsed, msg.bytes(), now, out));
        match next {
            Ok(s) => {
                self.state = Ok(s);
                Ok(())
            }
            Err(e) => {
                self.state = Err(e);
                Err(e)
            }
        }
    }

    fn step(
        state: ServerState,
        msg: crate::HandshakeMessage,
        raw: &[u8],
        now: UnixTime,
        out: &mut Vec<Action>,
    ) -> Result<ServerState, Error> {
        match state {
            ServerState::ClientHello(s) => s.handle(msg, raw, out),
            ServerState::Certificate(s) => s.handle(msg, raw, now),
            ServerState::CertificateVerify(s) => s.handle(msg, raw),
            ServerState::Finished(s) => s.handle(msg, raw, out),
            ServerState::Traffic(mut t) => {
                t.handle(msg, out)?;
                Ok(ServerState::Traffic(t))
            }
        }
    }

    /// A plaintext change_cipher_spec (already checked to be `0x01`) arrived: allowed
    /// once, during the handshake (RFC 8446 §5).
    pub fn handle_change_cipher_spec(&mut self) -> Result<(), Error> {
        let allowed = !self.ccs_seen
            && matches!(self.state, Ok(ref s) if !matches!(s, ServerState::Traffic(_)));
        if !allowed {
            let e = self.fail(PeerMisbehaved::UnexpectedChangeCipherSpec.into());
            return Err(e);
        }
        self.ccs_seen = true;
        Ok(())
    }

    /// Records a fatal error found by the connection (e.g. a message spanning a key
    /// change); the first error sticks and is returned.
    pub fn fail(&mut self, e: Error) -> Error {
        match &self.state {
            Err(first) => *first,
            Ok(_) => {
                self.state = Err(e);
                e
            }
        }
    }

    /// Sends a KeyUpdate (asking the client to update too if `request_peer`) and
    /// switches the write key. Only once the handshake is complete.
    pub fn update_keys(&mut self, request_peer: bool, out: &mut Vec<Action>) -> Result<(), Error> {
        match &mut self.state {
            Ok(ServerState::Traffic(t)) => t.send_key_update(request_peer, out),
            Ok(_) => Err(Error::Misuse("KeyUpdate before the handshake is complete")),
            Err(e) => Err(*e),
        }
    }

    /// Whether the handshake is still in progress (or failed before completing).
    pub fn is_handshaking(&self) -> bool {
        !matches!(self.state, Ok(ServerState::Traffic(_)))
    }
}

//! The TLS 1.3 client state machine, sans-I/O.
//!
//! One `Expect*` type per step, each consumed by its `handle`: hello.rs (ClientHello,
//! HelloRetryRequest, ServerHello) and tls13.rs (the server's encrypted flight and the
//! client's second flight). [`ClientHandshake`] holds the current state, or the first
//! fatal error, which sticks.

mod hello;
mod tls13;

use std::sync::Arc;

use crate::RawHandshake;
use crate::action::Action;
use crate::common::Traffic;
use crate::config::ClientParams;
use crate::error::{Error, PeerMisbehaved};
use crate::verify::{ServerName, UnixTime};

pub(crate) enum ClientState {
    ServerHello(hello::ExpectServerHello),
    EncryptedExtensions(tls13::ExpectEncryptedExtensions),
    CertificateOrRequest(tls13::ExpectCertificateOrRequest),
    Certificate(tls13::ExpectCertificate),
    CertificateVerify(tls13::ExpectCertificateVerify),
    Finished(tls13::ExpectFinished),
    Traffic(Traffic),
}

/// A client handshake in progress, then the established connection's post-handshake
/// messages.
///
/// ```
/// # use std::sync::Arc;
/// # fn demo(params: Arc<qssl_handshake::ClientParams>) -> Result<(), qssl_handshake::Error> {
/// use qssl_handshake::{Action, ClientHandshake, verify::ServerName};
///
/// let mut actions = Vec::new();
/// let client = ClientHandshake::start(params, ServerName::try_from("example.com").unwrap(), &mut actions)?;
/// assert!(matches!(actions[0], Action::SendHandshake { .. })); // the ClientHello
/// assert!(client.is_handshaking());
/// # Ok(()) }
/// ```
pub struct ClientHandshake {
    state: Result<ClientState, Error>,
    /// One plaintext change_cipher_spec is tolerated during the handshake.
    ccs_seen: bool,
}

impl core::fmt::Debug for ClientHandshake {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("ClientHandshake")
            .field("handshaking", &self.is_handshaking())
            .finish_non_exhaustive()
    }
}

impl ClientHandshake {
    /// Sends the ClientHello (into `out`) and waits for the ServerHello.
    pub fn start(
        params: Arc<ClientParams>,
        server_name: ServerName<'static>,
        out: &mut Vec<Action>,
    ) -> Result<Self, Error> {
        let state = hello::start(params, server_name, out)?;
        Ok(Self {
            state: Ok(ClientState::ServerHello(state)),
            ccs_seen: false,
        })
    }

    /// Handles one whole handshake message from the server; instructions go to `out`.
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
        state: ClientState,
        msg: crate::HandshakeMessage,
        raw: &[u8],
        now: UnixTime,
        out: &mut Vec<Action>,
    ) -> Result<ClientState, Error> {
        match state {
            ClientState::ServerHello(s) => s.handle(msg, raw, out),
            ClientState::EncryptedExtensions(s) => s.handle(msg, raw),
            ClientState::CertificateOrRequest(s) => s.handle(msg, raw, now),
            ClientState::Certificate(s) => s.handle(msg, raw, now),
            ClientState::CertificateVerify(s) => s.handle(msg, raw),
            ClientState::Finished(s) => s.handle(msg, raw, out),
            ClientState::Traffic(mut t) => {
                t.handle(msg, out)?;
                Ok(ClientState::Traffic(t))
            }
        }
    }

    /// A plaintext change_cipher_spec (already checked to be `0x01`) arrived: allowed
    /// once, during the handshake (RFC 8446 §5).
    pub fn handle_change_cipher_spec(&mut self) -> Result<(), Error> {
        let allowed = !self.ccs_seen
            && matches!(self.state, Ok(ref s) if !matches!(s, ClientState::Traffic(_)));
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

    /// Sends a KeyUpdate (asking the server to update too if `request_peer`) and
    /// switches the write key. Only once the handshake is complete.
    pub fn update_keys(&mut self, request_peer: bool, out: &mut Vec<Action>) -> Result<(), Error> {
        match &mut self.state {
            Ok(ClientState::Traffic(t)) => t.send_key_update(request_peer, out),
            Ok(_) => Err(Error::Misuse("KeyUpdate before the handshake is complete")),
            Err(e) => Err(*e),
        }
    }

    /// Whether the handshake is still in progress (or failed before completing).
    pub fn is_handshaking(&self) -> bool {
        !matches!(self.state, Ok(ClientState::Traffic(_)))
    }
}

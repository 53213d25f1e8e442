//! The server state machine, sans-I/O.
//!
//! One `Expect*` type per step, each consumed by its `handle`. A ClientHello
//! (hello.rs) is first negotiated — negotiate.rs, pure: version, suite, key exchange or
//! HelloRetryRequest, certificate, ALPN, server name (sni.rs) — then answered by the
//! negotiated version's emitter: tls13/ (the server's first flight, the
//! HelloRetryRequest, and the client's Certificate, CertificateVerify and Finished).
//! [`ServerHandshake`] holds the current state, or the first fatal error, which sticks.

mod hello;
mod negotiate;
mod tls13;

use std::sync::Arc;

use crate::action::Action;
use crate::common::{Machine, SideState, Traffic};
use crate::config::ServerParams;
use crate::error::{Error, PeerMisbehaved};
use crate::verify::UnixTime;
use crate::{HandshakeType, RawHandshake};

pub(crate) enum ServerState {
    ClientHello(hello::ExpectClientHello),
    Certificate(tls13::ExpectCertificate),
    CertificateVerify(tls13::ExpectCertificateVerify),
    Finished(tls13::ExpectFinished),
    Traffic(Traffic),
}

impl SideState for ServerState {
    fn step(
        self,
        msg: crate::HandshakeMessage,
        raw: &[u8],
        now: UnixTime,
        out: &mut Vec<Action>,
    ) -> Result<Self, Error> {
        match self {
            Self::ClientHello(s) => s.handle(msg, raw, out),
            Self::Certificate(s) => s.handle(msg, raw, now),
            Self::CertificateVerify(s) => s.handle(msg, raw),
            Self::Finished(s) => s.handle(msg, raw, out),
            Self::Traffic(mut t) => {
                t.handle(msg, out)?;
                Ok(Self::Traffic(t))
            }
        }
    }

    fn traffic_mut(&mut self) -> Option<&mut Traffic> {
        match self {
            Self::Traffic(t) => Some(t),
            _ => None,
        }
    }

    fn is_traffic(&self) -> bool {
        matches!(self, Self::Traffic(_))
    }

    fn change_cipher_spec_before_hello(&mut self) -> bool {
        match self {
            Self::ClientHello(s) => s.expect_cookie_after_early_ccs(),
            _ => false,
        }
    }

    /// Whether a message of type `typ` may arrive now; its body is parsed only if so.
    fn check_type(&self, typ: HandshakeType) -> Result<(), Error> {
        let expected = match self {
            Self::ClientHello(_) => HandshakeType::CLIENT_HELLO,
            Self::Certificate(_) => HandshakeType::CERTIFICATE,
            Self::CertificateVerify(_) => HandshakeType::CERTIFICATE_VERIFY,
            Self::Finished(_) => HandshakeType::FINISHED,
            Self::Traffic(_) if typ == HandshakeType::NEW_SESSION_TICKET => {
                return Err(PeerMisbehaved::MisplacedPostHandshakeMessage.into());
            }
            Self::Traffic(_) => HandshakeType::KEY_UPDATE,
        };
        if typ == expected {
            Ok(())
        } else {
            Err(PeerMisbehaved::UnexpectedMessage(typ).into())
        }
    }
}

/// A server handshake in progress, then the established connection's post-handshake
/// messages. Created waiting for the ClientHello.
pub struct ServerHandshake {
    machine: Machine<ServerState>,
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
            machine: Machine::new(
                ServerState::ClientHello(hello::ExpectClientHello::new(params)),
                false,
            ),
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
        self.machine.handle(msg, now, out)
    }

    /// A plaintext change_cipher_spec (already checked to be `0x01`) arrived: allowed
    /// once, during the handshake, after the ClientHello (RFC 8446 §5).
    pub fn handle_change_cipher_spec(&mut self) -> Result<(), Error> {
        self.machine.handle_change_cipher_spec()
    }

    /// Records a fatal error found by the connection (e.g. a message spanning a key
    /// change); the first error sticks and is returned.
    pub fn fail(&mut self, e: Error) -> Error {
        self.machine.fail(e)
    }

    /// Sends a KeyUpdate (asking the peer to update too if `request_peer`) and
    /// switches the write key. Only once the handshake is complete.
    pub fn update_keys(&mut self, request_peer: bool, out: &mut Vec<Action>) -> Result<(), Error> {
        self.machine.update_keys(request_peer, out)
    }

    /// Sends the KeyUpdate owed for the client's update_requested, if one is owed.
    /// The connection calls this before each application data record it writes:
    /// RFC 8446 §4.6.3 wants the answer before our next application data, and several
    /// requests meanwhile get one answer. Nothing to do during the handshake.
    pub fn answer_key_update(&mut self, out: &mut Vec<Action>) -> Result<(), Error> {
        self.machine.answer_key_update(out)
    }

    /// The connection received a non-empty application data record: the client's
    /// budget of [`MAX_KEY_UPDATES_IN_A_ROW`](crate::MAX_KEY_UPDATES_IN_A_ROW)
    /// KeyUpdates starts again.
    pub fn application_data_received(&mut self) {
        self.machine.application_data_received();
    }

    /// Whether the handshake is still in progress (or failed before completing).
    pub fn is_handshaking(&self) -> bool {
        self.machine.is_handshaking()
    }
}

//! The client state machine, sans-I/O.
//!
//! One `Expect*` type per step, each consumed by its `handle`. hello.rs sends the
//! ClientHello; the server's answer is first negotiated against it — negotiate.rs,
//! pure: version, suite, which of our shares, or a HelloRetryRequest — then taken
//! over by the negotiated version's emitter: tls13/ (the handshake keys or the second
//! ClientHello, the server's encrypted flight, the client's second flight).
//! [`ClientHandshake`] holds the current state, or the first fatal error, which sticks.

mod hello;
mod negotiate;
mod tls13;

use std::sync::Arc;

use crate::action::Action;
use crate::common::{Machine, SideState, Traffic};
use crate::config::ClientParams;
use crate::error::{Error, PeerMisbehaved};
use crate::verify::{ServerName, UnixTime};
use crate::{HandshakeType, RawHandshake};

pub(crate) enum ClientState {
    ServerHello(hello::ExpectServerHello),
    EncryptedExtensions(tls13::ExpectEncryptedExtensions),
    CertificateOrRequest(tls13::ExpectCertificateOrRequest),
    Certificate(tls13::ExpectCertificate),
    CertificateVerify(tls13::ExpectCertificateVerify),
    Finished(tls13::ExpectFinished),
    Traffic(Traffic),
}

impl SideState for ClientState {
    fn step(
        self,
        msg: crate::HandshakeMessage,
        raw: &[u8],
        now: UnixTime,
        out: &mut Vec<Action>,
    ) -> Result<Self, Error> {
        match self {
            Self::ServerHello(s) => s.handle(msg, raw, out),
            Self::EncryptedExtensions(s) => s.handle(msg, raw),
            Self::CertificateOrRequest(s) => s.handle(msg, raw, now),
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

    /// Whether a message of type `typ` may arrive now; its body is parsed only if so.
    fn check_type(&self, typ: HandshakeType) -> Result<(), Error> {
        let allowed = match self {
            Self::ServerHello(_) => typ == HandshakeType::SERVER_HELLO,
            Self::EncryptedExtensions(_) => typ == HandshakeType::ENCRYPTED_EXTENSIONS,
            Self::CertificateOrRequest(_) => {
                typ == HandshakeType::CERTIFICATE || typ == HandshakeType::CERTIFICATE_REQUEST
            }
            Self::Certificate(_) => typ == HandshakeType::CERTIFICATE,
            Self::CertificateVerify(_) => typ == HandshakeType::CERTIFICATE_VERIFY,
            Self::Finished(_) => typ == HandshakeType::FINISHED,
            Self::Traffic(_) => {
                typ == HandshakeType::KEY_UPDATE || typ == HandshakeType::NEW_SESSION_TICKET
            }
        };
        if allowed {
            Ok(())
        } else {
            Err(PeerMisbehaved::UnexpectedMessage(typ).into())
        }
    }
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
    machine: Machine<ClientState>,
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
            machine: Machine::new(ClientState::ServerHello(state), true),
        })
    }

    /// Test-only: see [`crate::testing::client_from_hello`].
    pub(crate) fn from_hello(
        params: Arc<ClientParams>,
        server_name: ServerName<'static>,
        hello: &[u8],
        kx: Box<dyn qssl_crypto::kx::ActiveKeyExchange>,
    ) -> Result<Self, Error> {
        let state = hello::start_from_hello(params, server_name, hello, kx)?;
        Ok(Self {
            machine: Machine::new(ClientState::ServerHello(state), true),
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
        self.machine.handle(msg, now, out)
    }

    /// A plaintext change_cipher_spec (already checked to be `0x01`) arrived: allowed
    /// once, during the handshake (RFC 8446 §5).
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

    /// Sends the KeyUpdate owed for the server's update_requested, if one is owed.
    /// The connection calls this before each application data record it writes:
    /// RFC 8446 §4.6.3 wants the answer before our next application data, and several
    /// requests meanwhile get one answer. Nothing to do during the handshake.
    pub fn answer_key_update(&mut self, out: &mut Vec<Action>) -> Result<(), Error> {
        self.machine.answer_key_update(out)
    }

    /// The connection received a non-empty application data record: the server's
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

//! The client state machine, sans-I/O.
//!
//! One `Expect*` type per step, each consumed by its `handle`. hello.rs sends the
//! ClientHello; the server's answer is first negotiated against it — negotiate.rs,
//! pure: version, suite, which of our shares, or a HelloRetryRequest — then taken
//! over by the negotiated version's emitter: tls13/ (the handshake keys or the second
//! ClientHello, the server's encrypted flight, the client's second flight).
//! [`StateMachine`](crate::StateMachine) holds the current state.

mod hello;
mod negotiate;
mod tls13;

use std::sync::Arc;

use crate::HandshakeType;
use crate::action::Action;
use crate::common::Traffic;
use crate::config::ClientParams;
use crate::error::{Error, PeerMisbehaved};
use crate::machine::SideState;
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

impl SideState for ClientState {
    fn step(
        self,
        msg: crate::HandshakeMessage,
        raw: &[u8],
        now: UnixTime,
        out: &mut Vec<Action>,
    ) -> Result<Self, Error> {
        match self {
            Self::ServerHello(s) => s.handle(msg, raw, now, out),
            Self::EncryptedExtensions(s) => s.handle(msg, raw, out),
            Self::CertificateOrRequest(s) => s.handle(msg, raw, now),
            Self::Certificate(s) => s.handle(msg, raw, now),
            Self::CertificateVerify(s) => s.handle(msg, raw),
            Self::Finished(s) => s.handle(msg, raw, now, out),
            Self::Traffic(mut t) => {
                t.handle(msg, now, out)?;
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

impl ClientState {
    /// Sends the ClientHello (into `out`): the state waiting for the ServerHello.
    pub(crate) fn start(
        params: Arc<ClientParams>,
        server_name: ServerName<'static>,
        now: UnixTime,
        out: &mut Vec<Action>,
    ) -> Result<Self, Error> {
        Ok(Self::ServerHello(hello::start(
            params,
            server_name,
            now,
            out,
        )?))
    }

    /// Test-only: see [`crate::testing::client_from_hello`].
    pub(crate) fn from_hello(
        params: Arc<ClientParams>,
        server_name: ServerName<'static>,
        hello: &[u8],
        kx: Box<dyn qssl_crypto::kx::ActiveKeyExchange>,
    ) -> Result<Self, Error> {
        Ok(Self::ServerHello(hello::start_from_hello(
            params,
            server_name,
            hello,
            kx,
        )?))
    }
}

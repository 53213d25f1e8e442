//! The server state machine, sans-I/O.
//!
//! One `Expect*` type per step, each consumed by its `handle`. A ClientHello
//! (hello.rs) is first negotiated — negotiate.rs, pure: version, suite, key exchange or
//! HelloRetryRequest, certificate, ALPN, server name (sni.rs) — then answered by the
//! negotiated version's emitter: tls13/ (the server's first flight, the
//! HelloRetryRequest, and the client's Certificate, CertificateVerify and Finished).
//! [`StateMachine`](crate::StateMachine) holds the current state.

mod hello;
mod negotiate;
mod resume;
mod tls13;

use std::sync::Arc;

use crate::HandshakeType;
use crate::action::Action;
use crate::common::Traffic;
use crate::config::ServerParams;
use crate::error::{Error, PeerMisbehaved};
use crate::machine::SideState;
use crate::verify::UnixTime;

pub(crate) enum ServerState {
    ClientHello(hello::ExpectClientHello),
    EndOfEarlyData(tls13::ExpectEndOfEarlyData),
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
            Self::ClientHello(s) => s.handle(msg, raw, now, out),
            Self::EndOfEarlyData(s) => s.handle(msg, raw, out),
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

    fn early_data(&mut self, len: usize) -> Result<bool, Error> {
        match self {
            Self::EndOfEarlyData(s) => s.early_data(len).map(|()| true),
            _ => Ok(false),
        }
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
            Self::EndOfEarlyData(_) => HandshakeType::END_OF_EARLY_DATA,
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

impl ServerState {
    /// The state waiting for the ClientHello.
    pub(crate) fn new(params: Arc<ServerParams>) -> Self {
        Self::ClientHello(hello::ExpectClientHello::new(params))
    }
}

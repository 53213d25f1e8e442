//! The server state machine, sans-I/O.
//!
//! One `Expect*` type per step, each consumed by its `handle`. A ClientHello
//! (hello.rs) is first negotiated — negotiate.rs, pure: version, suite, key exchange or
//! HelloRetryRequest, certificate, ALPN, server name (sni.rs) — then answered by the
//! negotiated version's emitter: tls13/ (the server's first flight, the
//! HelloRetryRequest, and the client's Certificate, CertificateVerify and Finished)
//! or, when TLS 1.2 is enabled and the client has nothing newer, tls12.rs (its own
//! negotiation, the server's flight, the client's flight and both Finished).
//! [`StateMachine`](crate::StateMachine) holds the current state.

mod hello;
mod negotiate;
mod resume;
mod tls12;
mod tls13;

use std::sync::Arc;

use crate::HandshakeType;
use crate::action::Action;
use crate::codec::tls12::Tls12Message;
use crate::common::{Resume, Traffic};
use crate::config::ServerParams;
use crate::error::{Error, PeerMisbehaved};
use crate::machine::SideState;
use crate::tls12::handshake::Tls12Traffic;
use crate::verify::UnixTime;

pub(crate) enum ServerState {
    ClientHello(hello::ExpectClientHello),
    EndOfEarlyData(tls13::ExpectEndOfEarlyData),
    Certificate(tls13::ExpectCertificate),
    CertificateVerify(tls13::ExpectCertificateVerify),
    Finished(tls13::ExpectFinished),
    Traffic(Traffic),
    Tls12Certificate(tls12::ExpectCertificate),
    Tls12ClientKeyExchange(tls12::ExpectClientKeyExchange),
    Tls12CertificateVerify(tls12::ExpectCertificateVerify),
    Tls12ChangeCipherSpec(tls12::ExpectChangeCipherSpec),
    Tls12Finished(tls12::ExpectFinished),
    Tls12Traffic(Tls12Traffic),
    /// A flight stopped for a slow key's signature; the rest of it, to run with the
    /// signature.
    AwaitSignature(Resume<Self>),
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
            _ => Err(Error::Misuse("a TLS 1.3 message given to a TLS 1.2 state")),
        }
    }

    fn step_tls12(
        self,
        msg: Tls12Message,
        raw: &[u8],
        now: UnixTime,
        out: &mut Vec<Action>,
    ) -> Result<Self, Error> {
        match self {
            Self::Tls12Certificate(s) => s.handle(msg, raw, now),
            Self::Tls12ClientKeyExchange(s) => s.handle(msg, raw),
            Self::Tls12CertificateVerify(s) => s.handle(msg, raw),
            Self::Tls12Finished(s) => s.handle(msg, raw, now, out),
            // A renegotiating ClientHello (check_type lets nothing else through).
            Self::Tls12Traffic(mut t) => {
                t.refuse_renegotiation(out)?;
                Ok(Self::Tls12Traffic(t))
            }
            _ => Err(Error::Misuse("a TLS 1.2 message given to another state")),
        }
    }

    fn is_tls12(&self) -> bool {
        matches!(
            self,
            Self::Tls12Certificate(_)
                | Self::Tls12ClientKeyExchange(_)
                | Self::Tls12CertificateVerify(_)
                | Self::Tls12ChangeCipherSpec(_)
                | Self::Tls12Finished(_)
                | Self::Tls12Traffic(_)
        )
    }

    fn change_cipher_spec_tls12(self, out: &mut Vec<Action>) -> Result<Self, Error> {
        match self {
            Self::Tls12ChangeCipherSpec(s) => Ok(s.handle(out)),
            _ => Err(PeerMisbehaved::UnexpectedChangeCipherSpec.into()),
        }
    }

    fn resume_signature(self, signature: Vec<u8>, out: &mut Vec<Action>) -> Result<Self, Error> {
        match self {
            Self::AwaitSignature(resume) => resume(signature, out),
            _ => Err(Error::Misuse("a signature given when none was asked for")),
        }
    }

    fn awaits_signature(&self) -> bool {
        matches!(self, Self::AwaitSignature(_))
    }

    fn traffic_mut(&mut self) -> Option<&mut Traffic> {
        match self {
            Self::Traffic(t) => Some(t),
            _ => None,
        }
    }

    fn is_traffic(&self) -> bool {
        matches!(self, Self::Traffic(_) | Self::Tls12Traffic(_))
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
            Self::Tls12Certificate(_) => HandshakeType::CERTIFICATE,
            Self::Tls12ClientKeyExchange(_) => HandshakeType::CLIENT_KEY_EXCHANGE,
            Self::Tls12CertificateVerify(_) => HandshakeType::CERTIFICATE_VERIFY,
            // Only the ChangeCipherSpec may come now.
            Self::Tls12ChangeCipherSpec(_) => {
                return Err(PeerMisbehaved::UnexpectedMessage(typ).into());
            }
            Self::Tls12Finished(_) => HandshakeType::FINISHED,
            // A renegotiation attempt, refused once with a warning.
            Self::Tls12Traffic(_) => HandshakeType::CLIENT_HELLO,
            // The connection feeds nothing while a signature is pending.
            Self::AwaitSignature(_) => {
                return Err(PeerMisbehaved::UnexpectedMessage(typ).into());
            }
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

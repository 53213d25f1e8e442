//! The client state machine, sans-I/O.
//!
//! One `Expect*` type per step, each consumed by its `handle`. hello.rs sends the
//! ClientHello; the server's answer is first negotiated against it — negotiate.rs,
//! pure: version, suite, which of our shares, or a HelloRetryRequest — then taken
//! over by the negotiated version's emitter: tls13/ (the handshake keys or the second
//! ClientHello, the server's encrypted flight, the client's second flight), or
//! tls12.rs when TLS 1.2 is enabled and the server chose it.
//! [`StateMachine`](crate::StateMachine) holds the current state.

mod hello;
mod negotiate;
mod tls12;
mod tls13;

use std::sync::Arc;

use crate::HandshakeType;
use crate::action::Action;
use crate::codec::tls12::Tls12Message;
use crate::common::{Resume, Traffic};
use crate::config::ClientParams;
use crate::error::{Error, PeerMisbehaved};
use crate::machine::SideState;
use crate::tls12::handshake::Tls12Traffic;
use crate::verify::{ServerName, UnixTime};

pub(crate) enum ClientState {
    ServerHello(hello::ExpectServerHello),
    EncryptedExtensions(tls13::ExpectEncryptedExtensions),
    CertificateOrRequest(tls13::ExpectCertificateOrRequest),
    Certificate(tls13::ExpectCertificate),
    CertificateVerify(tls13::ExpectCertificateVerify),
    Finished(tls13::ExpectFinished),
    Traffic(Traffic),
    Tls12Certificate(tls12::ExpectCertificate),
    Tls12ServerKeyExchange(tls12::ExpectServerKeyExchange),
    Tls12CertificateRequestOrDone(tls12::ExpectCertificateRequestOrDone),
    Tls12ChangeCipherSpec(tls12::ExpectChangeCipherSpec),
    Tls12Finished(tls12::ExpectFinished),
    Tls12Traffic(Tls12Traffic),
    /// A flight stopped for a slow key's signature; the rest of it, to run with the
    /// signature.
    AwaitSignature(Resume<Self>),
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
            Self::Tls12Certificate(s) => s.handle(msg, raw),
            Self::Tls12ServerKeyExchange(s) => s.handle(msg, raw, now),
            Self::Tls12CertificateRequestOrDone(s) => s.handle(msg, raw, out),
            Self::Tls12Finished(s) => s.handle(msg, raw, now, out),
            Self::Tls12ChangeCipherSpec(s) => s.ticket(msg, raw),
            // A HelloRequest (check_type lets nothing else through).
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
                | Self::Tls12ServerKeyExchange(_)
                | Self::Tls12CertificateRequestOrDone(_)
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
            Self::Tls12Certificate(_) => typ == HandshakeType::CERTIFICATE,
            // CertificateStatus only if stapling was acknowledged (checked in the state).
            Self::Tls12ServerKeyExchange(_) => {
                typ == HandshakeType::SERVER_KEY_EXCHANGE
                    || typ == HandshakeType::CERTIFICATE_STATUS
            }
            Self::Tls12CertificateRequestOrDone(_) => {
                typ == HandshakeType::CERTIFICATE_REQUEST || typ == HandshakeType::SERVER_HELLO_DONE
            }
            // The ChangeCipherSpec, or before it a NewSessionTicket (checked in the
            // state: only if the server acknowledged session_ticket).
            Self::Tls12ChangeCipherSpec(_) => typ == HandshakeType::NEW_SESSION_TICKET,
            Self::Tls12Finished(_) => typ == HandshakeType::FINISHED,
            // A renegotiation request, refused once with a warning.
            Self::Tls12Traffic(_) => typ == HandshakeType::HELLO_REQUEST,
            // The connection feeds nothing while a signature is pending.
            Self::AwaitSignature(_) => false,
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

//! The handshake header and the message enum (RFC 8446 §4).

use super::hello::{ClientHello, ServerHello, parse_client_hello, parse_server_hello};
use super::limits::DecodeLimits;
use super::post_handshake::{
    KeyUpdate, NewSessionTicket, parse_key_update, parse_new_session_ticket,
};
use super::server_flight::{
    Certificate, CertificateRequest, CertificateVerify, EncryptedExtensions, Finished,
    parse_certificate, parse_certificate_request, parse_certificate_verify,
    parse_encrypted_extensions,
};
use super::{HandshakeType, Len, PResult, atomic, be_u8, be_u24, complete, take, with_len};
use crate::error::{EncodeError, InvalidMessage};

/// Length of the handshake header: `HandshakeType msg_type; uint24 length;`
pub const HANDSHAKE_HEADER_LEN: usize = 4;

/// ```text
/// struct {
///     HandshakeType msg_type;    /* handshake type */
///     uint24 length;             /* remaining bytes in message */
///     ...
/// } Handshake;
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct HandshakeHeader {
    /// `msg_type`.
    pub typ: HandshakeType,
    /// `length` of the body that follows.
    pub len: u32,
}

impl HandshakeHeader {
    /// Reads the four header bytes.
    pub fn from_bytes(b: [u8; HANDSHAKE_HEADER_LEN]) -> Self {
        Self {
            typ: HandshakeType(b[0]),
            len: u32::from_be_bytes([0, b[1], b[2], b[3]]),
        }
    }

    /// Checks the declared length against `limits` before anything is buffered.
    pub fn check(&self, limits: &DecodeLimits) -> Result<(), InvalidMessage> {
        if self.len as usize > limits.max_for(self.typ) {
            return Err(InvalidMessage::HandshakeMessageTooLarge);
        }
        Ok(())
    }
}

/// One TLS 1.3 handshake message, typed.
///
/// Only the TLS 1.3 forms are parsed: a type this crate does not parse (hello_request,
/// the TLS 1.2-only messages, compressed_certificate, message_hash, unassigned codes)
/// comes back as [`HandshakeMessage::Unknown`] and the state machine answers
/// `unexpected_message` (RFC 8446 §4).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum HandshakeMessage {
    /// client_hello(1).
    ClientHello(ClientHello),
    /// server_hello(2), including a HelloRetryRequest
    /// ([`ServerHello::is_hello_retry_request`]).
    ServerHello(ServerHello),
    /// new_session_ticket(4).
    NewSessionTicket(NewSessionTicket),
    /// end_of_early_data(5): `struct {} EndOfEarlyData;`
    EndOfEarlyData,
    /// encrypted_extensions(8).
    EncryptedExtensions(EncryptedExtensions),
    /// certificate(11).
    Certificate(Certificate),
    /// certificate_request(13).
    CertificateRequest(CertificateRequest),
    /// certificate_verify(15).
    CertificateVerify(CertificateVerify),
    /// finished(20).
    Finished(Finished),
    /// key_update(24).
    KeyUpdate(KeyUpdate),
    /// Any other type, body kept as sent.
    Unknown {
        /// `msg_type`.
        typ: HandshakeType,
        /// The body.
        body: Vec<u8>,
    },
}

impl HandshakeMessage {
    /// `msg_type` of this message.
    pub fn typ(&self) -> HandshakeType {
        match self {
            Self::ClientHello(_) => HandshakeType::CLIENT_HELLO,
            Self::ServerHello(_) => HandshakeType::SERVER_HELLO,
            Self::NewSessionTicket(_) => HandshakeType::NEW_SESSION_TICKET,
            Self::EndOfEarlyData => HandshakeType::END_OF_EARLY_DATA,
            Self::EncryptedExtensions(_) => HandshakeType::ENCRYPTED_EXTENSIONS,
            Self::Certificate(_) => HandshakeType::CERTIFICATE,
            Self::CertificateRequest(_) => HandshakeType::CERTIFICATE_REQUEST,
            Self::CertificateVerify(_) => HandshakeType::CERTIFICATE_VERIFY,
            Self::Finished(_) => HandshakeType::FINISHED,
            Self::KeyUpdate(_) => HandshakeType::KEY_UPDATE,
            Self::Unknown { typ, .. } => *typ,
        }
    }

    /// Parses one whole message (header and body) that must fill `input`, with the
    /// default [`DecodeLimits`].
    pub fn parse(input: &[u8]) -> Result<Self, InvalidMessage> {
        Self::parse_with_limits(input, &DecodeLimits::default())
    }

    /// Parses one whole message that must fill `input`, refusing a declared length
    /// above `limits`.
    pub fn parse_with_limits(input: &[u8], limits: &DecodeLimits) -> Result<Self, InvalidMessage> {
        complete(input, |i| parse_handshake(i, limits))
    }

    /// Parses a body of type `typ` that must fill `body`.
    pub fn parse_body(typ: HandshakeType, body: &[u8]) -> Result<Self, InvalidMessage> {
        complete(body, |b| parse_handshake_body(b, typ))
    }

    /// Appends the whole message: header (with the length fixed after the body is
    /// written) and body. The bytes are what the transcript hash takes.
    ///
    /// A vector too long for its length prefix anywhere in the message (or a body over
    /// 2^24 - 1 bytes) is refused with [`EncodeError`] and nothing is appended: a
    /// wrong length is never written.
    pub fn encode(&self, out: &mut Vec<u8>) -> Result<(), EncodeError> {
        atomic(out, |out| {
            out.push(self.typ().0);
            with_len(out, Len::U24, |out| self.encode_body(out))
        })
    }

    /// The whole message as a new `Vec`, or the [`EncodeError`] of [`encode`](Self::encode).
    pub fn to_bytes(&self) -> Result<Vec<u8>, EncodeError> {
        let mut out = Vec::new();
        self.encode(&mut out)?;
        Ok(out)
    }

    /// Appends the body only; refused, appending nothing, as [`encode`](Self::encode).
    pub fn encode_body(&self, out: &mut Vec<u8>) -> Result<(), EncodeError> {
        match self {
            Self::ClientHello(m) => m.encode(out),
            Self::ServerHello(m) => m.encode(out),
            Self::NewSessionTicket(m) => m.encode(out),
            Self::EndOfEarlyData => Ok(()),
            Self::EncryptedExtensions(m) => m.encode(out),
            Self::Certificate(m) => m.encode(out),
            Self::CertificateRequest(m) => m.encode(out),
            Self::CertificateVerify(m) => m.encode(out),
            Self::Finished(m) => {
                m.encode(out);
                Ok(())
            }
            Self::KeyUpdate(m) => {
                m.encode(out);
                Ok(())
            }
            Self::Unknown { body, .. } => {
                out.extend_from_slice(body);
                Ok(())
            }
        }
    }
}

// struct { HandshakeType msg_type; uint24 length; select (Handshake.msg_type) {...}; } Handshake;
pub(crate) fn parse_handshake<'a>(
    i: &'a [u8],
    limits: &DecodeLimits,
) -> PResult<'a, HandshakeMessage> {
    let (i, typ) = be_u8(i)?;
    let (i, len) = be_u24(i)?;
    let header = HandshakeHeader {
        typ: HandshakeType(typ),
        len,
    };
    header
        .check(limits)
        .map_err(|e| nom::Err::Failure(qssl_wire::codec::WireError(e)))?;
    let (i, body) = take(i, len as usize)?;
    let msg = super::exact(body, |b| parse_handshake_body(b, header.typ))?;
    Ok((i, msg))
}

fn parse_handshake_body(b: &[u8], typ: HandshakeType) -> PResult<'_, HandshakeMessage> {
    use HandshakeMessage as M;
    use HandshakeType as T;
    let rest = &b[b.len()..];
    match typ {
        T::CLIENT_HELLO => parse_client_hello(b).map(|(i, m)| (i, M::ClientHello(m))),
        T::SERVER_HELLO => parse_server_hello(b).map(|(i, m)| (i, M::ServerHello(m))),
        T::NEW_SESSION_TICKET => {
            parse_new_session_ticket(b).map(|(i, m)| (i, M::NewSessionTicket(m)))
        }
        T::END_OF_EARLY_DATA => Ok((b, M::EndOfEarlyData)),
        T::ENCRYPTED_EXTENSIONS => {
            parse_encrypted_extensions(b).map(|(i, m)| (i, M::EncryptedExtensions(m)))
        }
        T::CERTIFICATE => parse_certificate(b).map(|(i, m)| (i, M::Certificate(m))),
        T::CERTIFICATE_REQUEST => {
            parse_certificate_request(b).map(|(i, m)| (i, M::CertificateRequest(m)))
        }
        T::CERTIFICATE_VERIFY => {
            parse_certificate_verify(b).map(|(i, m)| (i, M::CertificateVerify(m)))
        }
        T::FINISHED => Ok((
            rest,
            M::Finished(Finished {
                verify_data: b.to_vec(),
            }),
        )),
        T::KEY_UPDATE => parse_key_update(b).map(|(i, m)| (i, M::KeyUpdate(m))),
        _ => Ok((
            rest,
            M::Unknown {
                typ,
                body: b.to_vec(),
            },
        )),
    }
}

//! The TLS 1.2 handshake messages (RFC 5246 §7.4) of the ECDHE + AEAD suites Q-SSL
//! speaks: ServerKeyExchange and ClientKeyExchange of RFC 8422 §5.4/§5.7, the TLS 1.2
//! forms of Certificate and CertificateRequest, NewSessionTicket of RFC 5077 §3.3, and
//! the empty HelloRequest and ServerHelloDone. ClientHello, ServerHello,
//! CertificateVerify (a `DigitallySigned`) and Finished share their layout with TLS 1.3
//! and reuse its structs.
//!
//! The same rules as the TLS 1.3 codec: every length prefix is checked against its RFC
//! range, the caps of [`limits`](super::limits) and the remaining input before anything
//! is allocated; encoders refuse a vector longer than its prefix and append nothing.

use core::fmt;

use qssl_crypto::ids::{NamedGroup, SignatureScheme};

use super::hello::{ClientHello, ServerHello, parse_client_hello, parse_server_hello};
use super::limits::{DecodeLimits, MAX_CERTIFICATE_ENTRIES, MAX_CERTIFICATE_LEN};
use super::message::HandshakeHeader;
use super::server_flight::{CertificateVerify, Finished, parse_certificate_verify};
use super::{
    HandshakeType, Len, PResult, atomic, be_u8, be_u16_as, be_u24, be_u32, complete, fail, list,
    list_max, opaque, prefixed, put_opaque, put_u16, put_u32, take, with_len,
};
use crate::error::{EncodeError, InvalidMessage};

/// ```text
/// struct {
///     SignatureAndHashAlgorithm algorithm;
///     opaque signature<0..2^16-1>;
/// } DigitallySigned;
/// ```
///
/// RFC 5246 §4.7 with the `SignatureAndHashAlgorithm` pair read as one TLS 1.3
/// `SignatureScheme` (RFC 8446 §4.2.3 defines the code points so): the same bytes as
/// a TLS 1.3 [`CertificateVerify`], which is the struct used.
pub type DigitallySigned = CertificateVerify;

/// `ECCurveType` named_curve (RFC 8422 §5.4): the only curve type not deprecated.
pub const EC_CURVE_TYPE_NAMED_CURVE: u8 = 3;

/// ```text
/// struct {
///     ECCurveType    curve_type;       /* named_curve (3) */
///     select (curve_type) {
///         case named_curve:
///             NamedCurve namedcurve;
///     };
/// } ECParameters;
///
/// struct {
///     ECParameters    curve_params;
///     ECPoint         public;          /* opaque point <1..2^8-1> */
/// } ServerECDHParams;
/// ```
///
/// `curve_type` is not stored: any value other than named_curve(3) is refused with
/// [`InvalidMessage::UnsupportedCurveType`] (`illegal_parameter`), since RFC 8422 §5.4
/// deprecates explicit curves and leaves no other layout to parse.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServerEcdhParams {
    /// `namedcurve`.
    pub named_curve: NamedGroup,
    /// `public`: the server's ephemeral ECDH public key (uncompressed point or X25519
    /// u-coordinate; the key exchange checks its form).
    pub public: Vec<u8>,
}

impl ServerEcdhParams {
    /// Appends the encoded params: the bytes the ServerKeyExchange signature covers
    /// after `client_random + server_random` (RFC 8422 §5.4). Refused, appending
    /// nothing, if `public` is over 255 bytes.
    pub fn encode(&self, out: &mut Vec<u8>) -> Result<(), EncodeError> {
        atomic(out, |out| {
            out.push(EC_CURVE_TYPE_NAMED_CURVE);
            put_u16(out, self.named_curve.0);
            put_opaque(out, Len::U8, &self.public)
        })
    }
}

fn parse_server_ecdh_params(i: &[u8]) -> PResult<'_, ServerEcdhParams> {
    // ECCurveType curve_type;
    let (i, curve_type) = be_u8(i)?;
    if curve_type != EC_CURVE_TYPE_NAMED_CURVE {
        return fail(InvalidMessage::UnsupportedCurveType);
    }
    // NamedCurve namedcurve;
    let (i, named_curve) = be_u16_as(i, NamedGroup)?;
    // opaque point <1..2^8-1>;
    let (i, public) = opaque(i, Len::U8, 1, 0xff)?;
    Ok((
        i,
        ServerEcdhParams {
            named_curve,
            public,
        },
    ))
}

/// ```text
/// select (KeyExchangeAlgorithm) {
///     case ec_diffie_hellman:
///         ServerECDHParams    params;
///         Signature           signed_params;   /* DigitallySigned */
/// } ServerKeyExchange;
/// ```
///
/// Only the ECDHE form (RFC 8422 §5.4): Q-SSL offers no other TLS 1.2 key exchange.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServerKeyExchange {
    /// `params`.
    pub params: ServerEcdhParams,
    /// `signed_params`.
    pub signature: DigitallySigned,
}

impl ServerKeyExchange {
    /// Parses the body that must fill `input`.
    pub fn parse(input: &[u8]) -> Result<Self, InvalidMessage> {
        complete(input, parse_server_key_exchange)
    }

    /// Appends the body; refused, appending nothing, if the point is over 255 bytes or
    /// the signature over 2^16 - 1.
    pub fn encode(&self, out: &mut Vec<u8>) -> Result<(), EncodeError> {
        atomic(out, |out| {
            self.params.encode(out)?;
            self.signature.encode(out)
        })
    }
}

fn parse_server_key_exchange(i: &[u8]) -> PResult<'_, ServerKeyExchange> {
    let (i, params) = parse_server_ecdh_params(i)?;
    let (i, signature) = parse_certificate_verify(i)?;
    Ok((i, ServerKeyExchange { params, signature }))
}

/// ```text
/// struct {
///     ECPoint ecdh_Yc;                 /* opaque point <1..2^8-1> */
/// } ClientECDiffieHellmanPublic;
///
/// struct {
///     select (KeyExchangeAlgorithm) {
///         case ec_diffie_hellman: ClientECDiffieHellmanPublic;
///     } exchange_keys;
/// } ClientKeyExchange;
/// ```
///
/// Only the explicit ECDHE form (RFC 8422 §5.7): the implicit (empty) form belongs to
/// fixed-ECDH client certificates, which Q-SSL does not support.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientKeyExchange {
    /// `ecdh_Yc`: the client's ephemeral ECDH public key.
    pub public: Vec<u8>,
}

impl ClientKeyExchange {
    /// Parses the body that must fill `input`.
    pub fn parse(input: &[u8]) -> Result<Self, InvalidMessage> {
        complete(input, parse_client_key_exchange)
    }

    /// Appends the body; refused, appending nothing, if the point is over 255 bytes.
    pub fn encode(&self, out: &mut Vec<u8>) -> Result<(), EncodeError> {
        put_opaque(out, Len::U8, &self.public)
    }
}

fn parse_client_key_exchange(i: &[u8]) -> PResult<'_, ClientKeyExchange> {
    // opaque point <1..2^8-1>;
    let (i, public) = opaque(i, Len::U8, 1, 0xff)?;
    Ok((i, ClientKeyExchange { public }))
}

/// ```text
/// opaque ASN.1Cert<1..2^24-1>;
///
/// struct {
///     ASN.1Cert certificate_list<0..2^24-1>;
/// } Certificate;
/// ```
///
/// RFC 5246 §7.4.2: no request context and no per-certificate extensions. Each
/// certificate is capped at [`MAX_CERTIFICATE_LEN`], the whole message by
/// [`DecodeLimits::max_certificate_message_len`].
#[derive(Clone, PartialEq, Eq, Default)]
pub struct Tls12Certificate {
    /// The DER certificates, end-entity first; empty from a client without one.
    pub chain: Vec<Vec<u8>>,
}

impl fmt::Debug for Tls12Certificate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let lens: Vec<usize> = self.chain.iter().map(Vec::len).collect();
        f.debug_struct("Tls12Certificate")
            .field("cert_lens", &lens)
            .finish()
    }
}

impl Tls12Certificate {
    /// Parses the body that must fill `input`.
    pub fn parse(input: &[u8]) -> Result<Self, InvalidMessage> {
        complete(input, parse_tls12_certificate)
    }

    /// Appends the body; refused, appending nothing, if a certificate or the chain is
    /// over 2^24 - 1 bytes.
    pub fn encode(&self, out: &mut Vec<u8>) -> Result<(), EncodeError> {
        with_len(out, Len::U24, |out| {
            for cert in &self.chain {
                put_opaque(out, Len::U24, cert)?;
            }
            Ok(())
        })
    }
}

fn parse_tls12_certificate(i: &[u8]) -> PResult<'_, Tls12Certificate> {
    // ASN.1Cert certificate_list<0..2^24-1>;
    let (i, body) = prefixed(i, Len::U24, 0, 0xff_ffff)?;
    // opaque ASN.1Cert<1..2^24-1>;
    let chain = list_max(body, MAX_CERTIFICATE_ENTRIES, |b| {
        opaque(b, Len::U24, 1, MAX_CERTIFICATE_LEN)
    })?;
    Ok((i, Tls12Certificate { chain }))
}

qssl_wire::wire_enum! {
    /// `enum { ... (255) } ClientCertificateType;` (RFC 5246 §7.4.4, RFC 8422 §5.5).
    ClientCertificateType(u8) {
        /// rsa_sign(1).
        RSA_SIGN = 1, "rsa_sign";
        /// ecdsa_sign(64).
        ECDSA_SIGN = 64, "ecdsa_sign";
    }
}

/// ```text
/// struct {
///     ClientCertificateType certificate_types<1..2^8-1>;
///     SignatureAndHashAlgorithm
///       supported_signature_algorithms<2..2^16-2>;
///     DistinguishedName certificate_authorities<0..2^16-1>;
/// } CertificateRequest;
///
/// opaque DistinguishedName<1..2^16-1>;
/// ```
///
/// RFC 5246 §7.4.4. A signature algorithm list of odd length ends in half a code point
/// and is [`InvalidMessage::Truncated`], as in the TLS 1.3 signature_algorithms.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tls12CertificateRequest {
    /// `certificate_types`, kept as sent.
    pub certificate_types: Vec<ClientCertificateType>,
    /// `supported_signature_algorithms`, read as TLS 1.3 `SignatureScheme`s.
    pub signature_schemes: Vec<SignatureScheme>,
    /// `certificate_authorities`: DER distinguished names.
    pub certificate_authorities: Vec<Vec<u8>>,
}

impl Tls12CertificateRequest {
    /// Parses the body that must fill `input`.
    pub fn parse(input: &[u8]) -> Result<Self, InvalidMessage> {
        complete(input, parse_tls12_certificate_request)
    }

    /// Appends the body; refused, appending nothing, if a vector is too long for its
    /// length prefix.
    pub fn encode(&self, out: &mut Vec<u8>) -> Result<(), EncodeError> {
        atomic(out, |out| {
            with_len(out, Len::U8, |out| {
                out.extend(self.certificate_types.iter().map(|t| t.0));
                Ok(())
            })?;
            with_len(out, Len::U16, |out| {
                for s in &self.signature_schemes {
                    put_u16(out, s.0);
                }
                Ok(())
            })?;
            with_len(out, Len::U16, |out| {
                for dn in &self.certificate_authorities {
                    put_opaque(out, Len::U16, dn)?;
                }
                Ok(())
            })
        })
    }
}

fn parse_tls12_certificate_request(i: &[u8]) -> PResult<'_, Tls12CertificateRequest> {
    // ClientCertificateType certificate_types<1..2^8-1>;
    let (i, types) = prefixed(i, Len::U8, 1, 0xff)?;
    let certificate_types = types.iter().copied().map(ClientCertificateType).collect();
    // SignatureAndHashAlgorithm supported_signature_algorithms<2..2^16-2>;
    let (i, body) = prefixed(i, Len::U16, 2, 0xfffe)?;
    let signature_schemes = list(body, |b| be_u16_as(b, SignatureScheme))?;
    // DistinguishedName certificate_authorities<0..2^16-1>;
    let (i, body) = prefixed(i, Len::U16, 0, 0xffff)?;
    // opaque DistinguishedName<1..2^16-1>;
    let certificate_authorities = list(body, |b| opaque(b, Len::U16, 1, 0xffff))?;
    Ok((
        i,
        Tls12CertificateRequest {
            certificate_types,
            signature_schemes,
            certificate_authorities,
        },
    ))
}

/// ```text
/// struct {
///     uint32 ticket_lifetime_hint;
///     opaque ticket<0..2^16-1>;
/// } NewSessionTicket;
/// ```
///
/// RFC 5077 §3.3. An empty ticket is allowed: it tells the client to drop the ticket
/// it offered and not to resume with one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tls12NewSessionTicket {
    /// `ticket_lifetime_hint`, seconds (0: unspecified).
    pub lifetime_hint: u32,
    /// `ticket`, opaque to the client.
    pub ticket: Vec<u8>,
}

impl Tls12NewSessionTicket {
    /// Parses the body that must fill `input`.
    pub fn parse(input: &[u8]) -> Result<Self, InvalidMessage> {
        complete(input, parse_tls12_new_session_ticket)
    }

    /// Appends the body; refused, appending nothing, if the ticket is over 2^16 - 1
    /// bytes.
    pub fn encode(&self, out: &mut Vec<u8>) -> Result<(), EncodeError> {
        atomic(out, |out| {
            put_u32(out, self.lifetime_hint);
            put_opaque(out, Len::U16, &self.ticket)
        })
    }
}

fn parse_tls12_new_session_ticket(i: &[u8]) -> PResult<'_, Tls12NewSessionTicket> {
    // uint32 ticket_lifetime_hint;
    let (i, lifetime_hint) = be_u32(i)?;
    // opaque ticket<0..2^16-1>;
    let (i, ticket) = opaque(i, Len::U16, 0, 0xffff)?;
    Ok((
        i,
        Tls12NewSessionTicket {
            lifetime_hint,
            ticket,
        },
    ))
}

/// One TLS 1.2 handshake message, typed (RFC 5246 §7.4).
///
/// A type TLS 1.2 with ECDHE has no use for (certificate_status, the TLS 1.3-only
/// messages, unassigned codes) comes back as [`Tls12Message::Unknown`] and the state
/// machine answers `unexpected_message`.
///
/// Finished takes the whole body as `verify_data`, of any length, as in TLS 1.3: the
/// state machine checks the 12 bytes of RFC 5246 §7.4.9 (and compares in constant
/// time).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Tls12Message {
    /// hello_request(0): `struct { } HelloRequest;`
    HelloRequest,
    /// client_hello(1).
    ClientHello(ClientHello),
    /// server_hello(2).
    ServerHello(ServerHello),
    /// certificate(11).
    Certificate(Tls12Certificate),
    /// server_key_exchange(12).
    ServerKeyExchange(ServerKeyExchange),
    /// certificate_request(13).
    CertificateRequest(Tls12CertificateRequest),
    /// server_hello_done(14): `struct { } ServerHelloDone;`
    ServerHelloDone,
    /// certificate_verify(15): `struct { digitally-signed struct {...}; } CertificateVerify;`
    CertificateVerify(CertificateVerify),
    /// client_key_exchange(16).
    ClientKeyExchange(ClientKeyExchange),
    /// finished(20).
    Finished(Finished),
    /// new_session_ticket(4) (RFC 5077).
    NewSessionTicket(Tls12NewSessionTicket),
    /// Any other type, body kept as sent.
    Unknown {
        /// `msg_type`.
        typ: HandshakeType,
        /// The body.
        body: Vec<u8>,
    },
}

impl Tls12Message {
    /// `msg_type` of this message.
    pub fn typ(&self) -> HandshakeType {
        use HandshakeType as T;
        match self {
            Self::HelloRequest => T::HELLO_REQUEST,
            Self::ClientHello(_) => T::CLIENT_HELLO,
            Self::ServerHello(_) => T::SERVER_HELLO,
            Self::Certificate(_) => T::CERTIFICATE,
            Self::ServerKeyExchange(_) => T::SERVER_KEY_EXCHANGE,
            Self::CertificateRequest(_) => T::CERTIFICATE_REQUEST,
            Self::ServerHelloDone => T::SERVER_HELLO_DONE,
            Self::CertificateVerify(_) => T::CERTIFICATE_VERIFY,
            Self::ClientKeyExchange(_) => T::CLIENT_KEY_EXCHANGE,
            Self::Finished(_) => T::FINISHED,
            Self::NewSessionTicket(_) => T::NEW_SESSION_TICKET,
            Self::Unknown { typ, .. } => *typ,
        }
    }

    /// Parses one whole message (header and body) that must fill `input`, with the
    /// default [`DecodeLimits`].
    pub fn parse(input: &[u8]) -> Result<Self, InvalidMessage> {
        Self::parse_with_limits(input, &DecodeLimits::default())
    }

    /// Parses one whole message that must fill `input`, refusing a declared length
    /// above `limits` ([`InvalidMessage::HandshakeMessageTooLarge`]) before reading the
    /// body.
    pub fn parse_with_limits(input: &[u8], limits: &DecodeLimits) -> Result<Self, InvalidMessage> {
        complete(input, |i| parse_tls12_handshake(i, limits))
    }

    /// Parses a body of type `typ` that must fill `body`.
    pub fn parse_body(typ: HandshakeType, body: &[u8]) -> Result<Self, InvalidMessage> {
        complete(body, |b| parse_tls12_body(b, typ))
    }

    /// Appends the whole message: header (length fixed after the body is written) and
    /// body, the bytes the transcript takes. Refused with [`EncodeError`], appending
    /// nothing, if any vector is too long for its prefix.
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
            Self::HelloRequest | Self::ServerHelloDone => Ok(()),
            Self::ClientHello(m) => m.encode(out),
            Self::ServerHello(m) => m.encode(out),
            Self::Certificate(m) => m.encode(out),
            Self::ServerKeyExchange(m) => m.encode(out),
            Self::CertificateRequest(m) => m.encode(out),
            Self::CertificateVerify(m) => m.encode(out),
            Self::ClientKeyExchange(m) => m.encode(out),
            Self::Finished(m) => {
                m.encode(out);
                Ok(())
            }
            Self::NewSessionTicket(m) => m.encode(out),
            Self::Unknown { body, .. } => {
                out.extend_from_slice(body);
                Ok(())
            }
        }
    }
}

// struct { HandshakeType msg_type; uint24 length; select (HandshakeType) {...} body; } Handshake;
fn parse_tls12_handshake<'a>(i: &'a [u8], limits: &DecodeLimits) -> PResult<'a, Tls12Message> {
    let (i, typ) = be_u8(i)?;
    let (i, len) = be_u24(i)?;
    let header = HandshakeHeader {
        typ: HandshakeType(typ),
        len,
    };
    if let Err(e) = header.check(limits) {
        return fail(e);
    }
    let (i, body) = take(i, len as usize)?;
    let msg = super::exact(body, |b| parse_tls12_body(b, header.typ))?;
    Ok((i, msg))
}

fn parse_tls12_body(b: &[u8], typ: HandshakeType) -> PResult<'_, Tls12Message> {
    use HandshakeType as T;
    use Tls12Message as M;
    let rest = &b[b.len()..];
    match typ {
        T::HELLO_REQUEST => Ok((b, M::HelloRequest)),
        T::CLIENT_HELLO => parse_client_hello(b).map(|(i, m)| (i, M::ClientHello(m))),
        T::SERVER_HELLO => parse_server_hello(b).map(|(i, m)| (i, M::ServerHello(m))),
        T::CERTIFICATE => parse_tls12_certificate(b).map(|(i, m)| (i, M::Certificate(m))),
        T::SERVER_KEY_EXCHANGE => {
            parse_server_key_exchange(b).map(|(i, m)| (i, M::ServerKeyExchange(m)))
        }
        T::CERTIFICATE_REQUEST => {
            parse_tls12_certificate_request(b).map(|(i, m)| (i, M::CertificateRequest(m)))
        }
        T::SERVER_HELLO_DONE => Ok((b, M::ServerHelloDone)),
        T::CERTIFICATE_VERIFY => {
            parse_certificate_verify(b).map(|(i, m)| (i, M::CertificateVerify(m)))
        }
        T::CLIENT_KEY_EXCHANGE => {
            parse_client_key_exchange(b).map(|(i, m)| (i, M::ClientKeyExchange(m)))
        }
        T::FINISHED => Ok((
            rest,
            M::Finished(Finished {
                verify_data: b.to_vec(),
            }),
        )),
        T::NEW_SESSION_TICKET => {
            parse_tls12_new_session_ticket(b).map(|(i, m)| (i, M::NewSessionTicket(m)))
        }
        _ => Ok((
            rest,
            M::Unknown {
                typ,
                body: b.to_vec(),
            },
        )),
    }
}

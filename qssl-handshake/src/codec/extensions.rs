//! Extensions (RFC 8446 §4.2 and the RFCs each one comes from), as typed values.
//!
//! An extension's body format depends on the message that carries it (key_share is a
//! list in a ClientHello, one entry in a ServerHello, a bare group in a
//! HelloRetryRequest), so parsing takes an [`ExtensionContext`]. A type this crate does
//! not parse in that context is kept as [`Extension::Unknown`], never rejected: deciding
//! whether it was allowed there is the state machine's job (RFC 8446 §4.2).

use core::fmt;
use std::collections::BTreeSet;

use qssl_crypto::ids::{NamedGroup, SignatureScheme};

use super::limits::{MAX_EXTENSIONS, MAX_KEY_EXCHANGE_LEN, MAX_KEY_SHARES};
use super::{
    Len, PResult, ProtocolVersion, atomic, be_u8, be_u16, be_u16_as, be_u32, exact, fail, list,
    list_max, opaque, prefixed, put_opaque, put_u16, put_u32, with_len,
};
use crate::error::{EncodeError, InvalidMessage};

qssl_wire::wire_enum! {
    /// `enum { ... } ExtensionType;` (RFC 8446 §4.2, IANA "TLS ExtensionType Values").
    ExtensionType(u16) {
        /// RFC 6066 §3.
        SERVER_NAME = 0, "server_name";
        /// RFC 6066 §8 (OCSP stapling).
        STATUS_REQUEST = 5, "status_request";
        /// RFC 8422, RFC 7919 (named_group_list).
        SUPPORTED_GROUPS = 10, "supported_groups";
        /// RFC 8422 (TLS 1.2 only).
        EC_POINT_FORMATS = 11, "ec_point_formats";
        /// RFC 8446 §4.2.3.
        SIGNATURE_ALGORITHMS = 13, "signature_algorithms";
        /// RFC 7301.
        APPLICATION_LAYER_PROTOCOL_NEGOTIATION = 16, "application_layer_protocol_negotiation";
        /// RFC 6962.
        SIGNED_CERTIFICATE_TIMESTAMP = 18, "signed_certificate_timestamp";
        /// RFC 7685.
        PADDING = 21, "padding";
        /// RFC 7627.
        EXTENDED_MASTER_SECRET = 23, "extended_master_secret";
        /// RFC 8879.
        COMPRESS_CERTIFICATE = 27, "compress_certificate";
        /// RFC 8449.
        RECORD_SIZE_LIMIT = 28, "record_size_limit";
        /// RFC 5077 (TLS 1.2 tickets).
        SESSION_TICKET = 35, "session_ticket";
        /// RFC 8446 §4.2.11.
        PRE_SHARED_KEY = 41, "pre_shared_key";
        /// RFC 8446 §4.2.10.
        EARLY_DATA = 42, "early_data";
        /// RFC 8446 §4.2.1.
        SUPPORTED_VERSIONS = 43, "supported_versions";
        /// RFC 8446 §4.2.2.
        COOKIE = 44, "cookie";
        /// RFC 8446 §4.2.9.
        PSK_KEY_EXCHANGE_MODES = 45, "psk_key_exchange_modes";
        /// RFC 8446 §4.2.4.
        CERTIFICATE_AUTHORITIES = 47, "certificate_authorities";
        /// RFC 8446 §4.2.5.
        OID_FILTERS = 48, "oid_filters";
        /// RFC 8446 §4.2.6.
        POST_HANDSHAKE_AUTH = 49, "post_handshake_auth";
        /// RFC 8446 §4.2.3.
        SIGNATURE_ALGORITHMS_CERT = 50, "signature_algorithms_cert";
        /// RFC 8446 §4.2.8.
        KEY_SHARE = 51, "key_share";
        /// draft-ietf-tls-esni.
        ENCRYPTED_CLIENT_HELLO = 0xfe0d, "encrypted_client_hello";
        /// RFC 5746 (TLS 1.2 only).
        RENEGOTIATION_INFO = 0xff01, "renegotiation_info";
    }
}

qssl_wire::wire_enum! {
    /// `enum { psk_ke(0), psk_dhe_ke(1), (255) } PskKeyExchangeMode;` (RFC 8446 §4.2.9).
    PskKeyExchangeMode(u8) {
        /// PSK-only key establishment.
        PSK_KE = 0, "psk_ke";
        /// PSK with (EC)DHE key establishment.
        PSK_DHE_KE = 1, "psk_dhe_ke";
    }
}

qssl_wire::wire_enum! {
    /// `enum { ocsp(1), (255) } CertificateStatusType;` (RFC 6066 §8).
    CertificateStatusType(u8) {
        /// An OCSP response (RFC 6960).
        OCSP = 1, "ocsp";
    }
}

/// Which message an extension block belongs to: it decides how bodies are read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ExtensionContext {
    /// ClientHello (TLS 1.3 and 1.2).
    ClientHello,
    /// ServerHello (TLS 1.3 and 1.2), other than a HelloRetryRequest.
    ServerHello,
    /// HelloRetryRequest.
    HelloRetryRequest,
    /// EncryptedExtensions.
    EncryptedExtensions,
    /// CertificateRequest (TLS 1.3).
    CertificateRequest,
    /// A CertificateEntry's extensions (TLS 1.3).
    Certificate,
    /// NewSessionTicket (TLS 1.3).
    NewSessionTicket,
}

/// `struct { NamedGroup group; opaque key_exchange<1..2^16-1>; } KeyShareEntry;`
#[derive(Clone, PartialEq, Eq)]
pub struct KeyShareEntry {
    /// The group of the share.
    pub group: NamedGroup,
    /// The public share, at most [`MAX_KEY_EXCHANGE_LEN`] bytes when parsed.
    pub key_exchange: Vec<u8>,
}

impl fmt::Debug for KeyShareEntry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The share is public, but 1,665 bytes of hex help nobody.
        f.debug_struct("KeyShareEntry")
            .field("group", &self.group)
            .field("key_exchange_len", &self.key_exchange.len())
            .finish()
    }
}

/// `struct { opaque identity<1..2^16-1>; uint32 obfuscated_ticket_age; } PskIdentity;`
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PskIdentity {
    /// The ticket or external PSK label.
    pub identity: Vec<u8>,
    /// Ticket age plus `ticket_age_add`, mod 2^32 (RFC 8446 §4.2.11.1).
    pub obfuscated_ticket_age: u32,
}

/// The ClientHello form of pre_shared_key (RFC 8446 §4.2.11):
/// `struct { PskIdentity identities<7..2^16-1>; PskBinderEntry binders<33..2^16-1>; } OfferedPsks;`
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PreSharedKeyOffer {
    /// The offered identities.
    pub identities: Vec<PskIdentity>,
    /// One binder per identity (`opaque PskBinderEntry<32..255>;`).
    pub binders: Vec<Vec<u8>>,
}

impl PreSharedKeyOffer {
    /// Length of the encoded `binders` vector (its 2-byte prefix included): the bytes
    /// at the end of the ClientHello left out of the binder's partial transcript.
    pub fn binders_encoded_len(&self) -> usize {
        2 + self.binders.iter().map(|b| 1 + b.len()).sum::<usize>()
    }
}

/// The ClientHello form of status_request (RFC 6066 §8).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CertificateStatusRequest {
    /// `struct { ResponderID responder_id_list<0..2^16-1>; Extensions request_extensions; } OCSPStatusRequest;`
    Ocsp {
        /// `opaque ResponderID<1..2^16-1>;` (DER), usually empty.
        responder_id_list: Vec<Vec<u8>>,
        /// `opaque Extensions<0..2^16-1>;` (DER OCSP request extensions).
        request_extensions: Vec<u8>,
    },
    /// A status type other than ocsp, carried as the rest of the body.
    Unknown {
        /// The status_type byte.
        typ: CertificateStatusType,
        /// The bytes after it.
        data: Vec<u8>,
    },
}

/// The CertificateEntry form of status_request (RFC 8446 §4.4.2.1, RFC 6066 §8).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CertificateStatus {
    /// `opaque OCSPResponse<1..2^24-1>;` (DER).
    Ocsp(Vec<u8>),
    /// A status type other than ocsp, carried as the rest of the body.
    Unknown {
        /// The status_type byte.
        typ: CertificateStatusType,
        /// The bytes after it.
        data: Vec<u8>,
    },
}

/// One extension, typed by its type and the message it came in.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Extension {
    /// ClientHello server_name: the host_name entries (RFC 6066 §3), as sent.
    ServerName(Vec<Vec<u8>>),
    /// Empty server_name from a server: the name was used.
    ServerNameAck,
    /// ClientHello status_request.
    StatusRequest(CertificateStatusRequest),
    /// Empty status_request (TLS 1.2 ServerHello; TLS 1.3 CertificateRequest).
    StatusRequestAck,
    /// status_request inside a TLS 1.3 CertificateEntry: the stapled response.
    CertificateStatus(CertificateStatus),
    /// supported_groups.
    SupportedGroups(Vec<NamedGroup>),
    /// signature_algorithms.
    SignatureAlgorithms(Vec<SignatureScheme>),
    /// signature_algorithms_cert.
    SignatureAlgorithmsCert(Vec<SignatureScheme>),
    /// ALPN: the client's list, or the server's single choice (RFC 7301 §3.1).
    Alpn(Vec<Vec<u8>>),
    /// padding (RFC 7685), bytes kept as sent.
    Padding(Vec<u8>),
    /// extended_master_secret (RFC 7627), empty.
    ExtendedMasterSecret,
    /// record_size_limit (RFC 8449).
    RecordSizeLimit(u16),
    /// ClientHello pre_shared_key.
    PreSharedKeyOffer(PreSharedKeyOffer),
    /// ServerHello pre_shared_key: `uint16 selected_identity;`
    PreSharedKeySelected(u16),
    /// Empty early_data (ClientHello, EncryptedExtensions).
    EarlyData,
    /// NewSessionTicket early_data: `uint32 max_early_data_size;`
    EarlyDataMax(u32),
    /// ClientHello supported_versions.
    SupportedVersionsOffer(Vec<ProtocolVersion>),
    /// ServerHello / HelloRetryRequest supported_versions.
    SupportedVersionsSelected(ProtocolVersion),
    /// cookie (ClientHello, HelloRetryRequest).
    Cookie(Vec<u8>),
    /// psk_key_exchange_modes.
    PskKeyExchangeModes(Vec<PskKeyExchangeMode>),
    /// certificate_authorities: DER distinguished names.
    CertificateAuthorities(Vec<Vec<u8>>),
    /// ClientHello key_share: `KeyShareEntry client_shares<0..2^16-1>;`
    KeyShareOffer(Vec<KeyShareEntry>),
    /// ServerHello key_share: `KeyShareEntry server_share;`
    KeyShareSelected(KeyShareEntry),
    /// HelloRetryRequest key_share: `NamedGroup selected_group;`
    KeyShareRetry(NamedGroup),
    /// renegotiation_info (RFC 5746): `opaque renegotiated_connection<0..255>;`
    RenegotiationInfo(Vec<u8>),
    /// Any type not parsed in this context, kept byte for byte.
    Unknown {
        /// The extension type.
        typ: ExtensionType,
        /// The extension_data as sent.
        data: Vec<u8>,
    },
}

impl Extension {
    /// The type this extension is sent as.
    pub fn typ(&self) -> ExtensionType {
        match self {
            Self::ServerName(_) | Self::ServerNameAck => ExtensionType::SERVER_NAME,
            Self::StatusRequest(_) | Self::StatusRequestAck | Self::CertificateStatus(_) => {
                ExtensionType::STATUS_REQUEST
            }
            Self::SupportedGroups(_) => ExtensionType::SUPPORTED_GROUPS,
            Self::SignatureAlgorithms(_) => ExtensionType::SIGNATURE_ALGORITHMS,
            Self::SignatureAlgorithmsCert(_) => ExtensionType::SIGNATURE_ALGORITHMS_CERT,
            Self::Alpn(_) => ExtensionType::APPLICATION_LAYER_PROTOCOL_NEGOTIATION,
            Self::Padding(_) => ExtensionType::PADDING,
            Self::ExtendedMasterSecret => ExtensionType::EXTENDED_MASTER_SECRET,
            Self::RecordSizeLimit(_) => ExtensionType::RECORD_SIZE_LIMIT,
            Self::PreSharedKeyOffer(_) | Self::PreSharedKeySelected(_) => {
                ExtensionType::PRE_SHARED_KEY
            }
            Self::EarlyData | Self::EarlyDataMax(_) => ExtensionType::EARLY_DATA,
            Self::SupportedVersionsOffer(_) | Self::SupportedVersionsSelected(_) => {
                ExtensionType::SUPPORTED_VERSIONS
            }
            Self::Cookie(_) => ExtensionType::COOKIE,
            Self::PskKeyExchangeModes(_) => ExtensionType::PSK_KEY_EXCHANGE_MODES,
            Self::CertificateAuthorities(_) => ExtensionType::CERTIFICATE_AUTHORITIES,
            Self::KeyShareOffer(_) | Self::KeyShareSelected(_) | Self::KeyShareRetry(_) => {
                ExtensionType::KEY_SHARE
            }
            Self::RenegotiationInfo(_) => ExtensionType::RENEGOTIATION_INFO,
            Self::Unknown { typ, .. } => *typ,
        }
    }

    /// Parses one extension (`struct { ExtensionType extension_type;
    /// opaque extension_data<0..2^16-1>; } Extension;`) that must fill `input`.
    pub fn parse(input: &[u8], ctx: ExtensionContext) -> Result<Self, InvalidMessage> {
        super::complete(input, |i| parse_extension(i, ctx))
    }

    /// Appends the wire form: type, 2-byte length, body. A body or vector too long for
    /// its length prefix is refused and nothing is appended.
    pub fn encode(&self, out: &mut Vec<u8>) -> Result<(), EncodeError> {
        atomic(out, |out| {
            put_u16(out, self.typ().0);
            with_len(out, Len::U16, |out| self.encode_body(out))
        })
    }

    fn encode_body(&self, out: &mut Vec<u8>) -> Result<(), EncodeError> {
        match self {
            Self::ServerName(names) => with_len(out, Len::U16, |out| {
                for n in names {
                    out.push(0);
                    put_opaque(out, Len::U16, n)?;
                }
                Ok(())
            }),
            Self::ServerNameAck
            | Self::StatusRequestAck
            | Self::ExtendedMasterSecret
            | Self::EarlyData => Ok(()),
            Self::StatusRequest(CertificateStatusRequest::Ocsp {
                responder_id_list,
                request_extensions,
            }) => {
                out.push(CertificateStatusType::OCSP.0);
                with_len(out, Len::U16, |out| {
                    for r in responder_id_list {
                        put_opaque(out, Len::U16, r)?;
                    }
                    Ok(())
                })?;
                put_opaque(out, Len::U16, request_extensions)
            }
            Self::StatusRequest(CertificateStatusRequest::Unknown { typ, data })
            | Self::CertificateStatus(CertificateStatus::Unknown { typ, data }) => {
                out.push(typ.0);
                out.extend_from_slice(data);
                Ok(())
            }
            Self::CertificateStatus(CertificateStatus::Ocsp(resp)) => {
                out.push(CertificateStatusType::OCSP.0);
                put_opaque(out, Len::U24, resp)
            }
            Self::SupportedGroups(groups) => with_len(out, Len::U16, |out| {
                for g in groups {
                    put_u16(out, g.0);
                }
                Ok(())
            }),
            Self::SignatureAlgorithms(schemes) | Self::SignatureAlgorithmsCert(schemes) => {
                with_len(out, Len::U16, |out| {
                    for s in schemes {
                        put_u16(out, s.0);
                    }
                    Ok(())
                })
            }
            Self::Alpn(protocols) => with_len(out, Len::U16, |out| {
                for p in protocols {
                    put_opaque(out, Len::U8, p)?;
                }
                Ok(())
            }),
            Self::Padding(bytes) => {
                out.extend_from_slice(bytes);
                Ok(())
            }
            Self::RecordSizeLimit(v) | Self::PreSharedKeySelected(v) => {
                put_u16(out, *v);
                Ok(())
            }
            Self::PreSharedKeyOffer(offer) => {
                with_len(out, Len::U16, |out| {
                    for id in &offer.identities {
                        put_opaque(out, Len::U16, &id.identity)?;
                        put_u32(out, id.obfuscated_ticket_age);
                    }
                    Ok(())
                })?;
                with_len(out, Len::U16, |out| {
                    for b in &offer.binders {
                        put_opaque(out, Len::U8, b)?;
                    }
                    Ok(())
                })
            }
            Self::EarlyDataMax(v) => {
                put_u32(out, *v);
                Ok(())
            }
            Self::SupportedVersionsOffer(versions) => with_len(out, Len::U8, |out| {
                for v in versions {
                    put_u16(out, v.0);
                }
                Ok(())
            }),
            Self::SupportedVersionsSelected(v) => {
                put_u16(out, v.0);
                Ok(())
            }
            Self::Cookie(c) => put_opaque(out, Len::U16, c),
            Self::PskKeyExchangeModes(modes) => with_len(out, Len::U8, |out| {
                out.extend(modes.iter().map(|m| m.0));
                Ok(())
            }),
            Self::CertificateAuthorities(names) => with_len(out, Len::U16, |out| {
                for n in names {
                    put_opaque(out, Len::U16, n)?;
                }
                Ok(())
            }),
            Self::KeyShareOffer(shares) => with_len(out, Len::U16, |out| {
                for s in shares {
                    encode_key_share_entry(s, out)?;
                }
                Ok(())
            }),
            Self::KeyShareSelected(s) => encode_key_share_entry(s, out),
            Self::KeyShareRetry(g) => {
                put_u16(out, g.0);
                Ok(())
            }
            Self::RenegotiationInfo(r) => put_opaque(out, Len::U8, r),
            Self::Unknown { data, .. } => {
                out.extend_from_slice(data);
                Ok(())
            }
        }
    }
}

fn encode_key_share_entry(s: &KeyShareEntry, out: &mut Vec<u8>) -> Result<(), EncodeError> {
    put_u16(out, s.group.0);
    put_opaque(out, Len::U16, &s.key_exchange)
}

/// Finds the extension of type `typ` in a parsed block.
pub fn find_extension(extensions: &[Extension], typ: ExtensionType) -> Option<&Extension> {
    extensions.iter().find(|e| e.typ() == typ)
}

/// Appends an extension block: `Extension extensions<0..2^16-1>;`. A block (or any
/// vector inside it) too long for its length prefix is refused and nothing is
/// appended.
pub fn encode_extensions(extensions: &[Extension], out: &mut Vec<u8>) -> Result<(), EncodeError> {
    with_len(out, Len::U16, |out| {
        for e in extensions {
            e.encode(out)?;
        }
        Ok(())
    })
}

/// Parses an extension block (`Extension extensions<0..2^16-1>;`), rejecting a type that
/// appears twice (RFC 8446 §4.2).
pub fn parse_extensions(
    input: &[u8],
    ctx: ExtensionContext,
) -> Result<Vec<Extension>, InvalidMessage> {
    super::complete(input, |i| parse_extension_block(i, ctx))
}

// Extension extensions<0..2^16-1>;
pub(crate) fn parse_extension_block(
    i: &[u8],
    ctx: ExtensionContext,
) -> PResult<'_, Vec<Extension>> {
    let (i, body) = prefixed(i, Len::U16, 0, 0xffff)?;
    let exts = list_max(body, MAX_EXTENSIONS, |b| parse_extension(b, ctx))?;
    let mut seen = BTreeSet::new();
    for e in &exts {
        if !seen.insert(e.typ().0) {
            return fail(InvalidMessage::DuplicateExtension);
        }
    }
    Ok((i, exts))
}

// struct { ExtensionType extension_type; opaque extension_data<0..2^16-1>; } Extension;
pub(crate) fn parse_extension(i: &[u8], ctx: ExtensionContext) -> PResult<'_, Extension> {
    let (i, typ) = be_u16_as(i, ExtensionType)?;
    let (i, data) = prefixed(i, Len::U16, 0, 0xffff)?;
    let ext = exact(data, |d| parse_body(d, typ, ctx))?;
    Ok((i, ext))
}

fn empty<'a>(ext: Extension) -> impl FnOnce(&'a [u8]) -> PResult<'a, Extension> {
    move |d| Ok((d, ext))
}

fn parse_body(d: &[u8], typ: ExtensionType, ctx: ExtensionContext) -> PResult<'_, Extension> {
    use ExtensionContext as C;
    use ExtensionType as T;
    match (typ, ctx) {
        (T::SERVER_NAME, C::ClientHello) => server_name_list(d),
        (T::SERVER_NAME, C::ServerHello | C::EncryptedExtensions) => {
            empty(Extension::ServerNameAck)(d)
        }
        (T::STATUS_REQUEST, C::ClientHello) => status_request(d),
        (T::STATUS_REQUEST, C::ServerHello | C::CertificateRequest) => {
            empty(Extension::StatusRequestAck)(d)
        }
        (T::STATUS_REQUEST, C::Certificate) => certificate_status(d),
        (T::SUPPORTED_GROUPS, C::ClientHello | C::EncryptedExtensions) => {
            // NamedGroup named_group_list<2..2^16-1>;
            let (d, body) = prefixed(d, Len::U16, 2, 0xffff)?;
            let groups = list(body, |b| be_u16_as(b, NamedGroup))?;
            Ok((d, Extension::SupportedGroups(groups)))
        }
        (T::SIGNATURE_ALGORITHMS, C::ClientHello | C::CertificateRequest) => {
            let (d, s) = signature_schemes(d)?;
            Ok((d, Extension::SignatureAlgorithms(s)))
        }
        (T::SIGNATURE_ALGORITHMS_CERT, C::ClientHello | C::CertificateRequest) => {
            let (d, s) = signature_schemes(d)?;
            Ok((d, Extension::SignatureAlgorithmsCert(s)))
        }
        (
            T::APPLICATION_LAYER_PROTOCOL_NEGOTIATION,
            C::ClientHello | C::ServerHello | C::EncryptedExtensions,
        ) => {
            // ProtocolName protocol_name_list<2..2^16-1>;
            let (d, body) = prefixed(d, Len::U16, 2, 0xffff)?;
            // opaque ProtocolName<1..2^8-1>;
            let names = list(body, |b| opaque(b, Len::U8, 1, 0xff))?;
            Ok((d, Extension::Alpn(names)))
        }
        // The padding extension's body is the padding (RFC 7685 §3).
        (T::PADDING, C::ClientHello) => Ok((&d[d.len()..], Extension::Padding(d.to_vec()))),
        (T::EXTENDED_MASTER_SECRET, C::ClientHello | C::ServerHello) => {
            empty(Extension::ExtendedMasterSecret)(d)
        }
        (T::RECORD_SIZE_LIMIT, C::ClientHello | C::ServerHello | C::EncryptedExtensions) => {
            // uint16 RecordSizeLimit;
            let (d, v) = be_u16(d)?;
            if v < 64 {
                return fail(InvalidMessage::RecordSizeLimitTooSmall);
            }
            Ok((d, Extension::RecordSizeLimit(v)))
        }
        (T::PRE_SHARED_KEY, C::ClientHello) => offered_psks(d),
        (T::PRE_SHARED_KEY, C::ServerHello) => {
            // uint16 selected_identity;
            let (d, v) = be_u16(d)?;
            Ok((d, Extension::PreSharedKeySelected(v)))
        }
        (T::EARLY_DATA, C::ClientHello | C::EncryptedExtensions) => empty(Extension::EarlyData)(d),
        (T::EARLY_DATA, C::NewSessionTicket) => {
            // uint32 max_early_data_size;
            let (d, v) = be_u32(d)?;
            Ok((d, Extension::EarlyDataMax(v)))
        }
        (T::SUPPORTED_VERSIONS, C::ClientHello) => {
            // ProtocolVersion versions<2..254>;
            let (d, body) = prefixed(d, Len::U8, 2, 254)?;
            let v = list(body, |b| be_u16_as(b, ProtocolVersion))?;
            Ok((d, Extension::SupportedVersionsOffer(v)))
        }
        (T::SUPPORTED_VERSIONS, C::ServerHello | C::HelloRetryRequest) => {
            // ProtocolVersion selected_version;
            let (d, v) = be_u16_as(d, ProtocolVersion)?;
            Ok((d, Extension::SupportedVersionsSelected(v)))
        }
        (T::COOKIE, C::ClientHello | C::HelloRetryRequest) => {
            // struct { opaque cookie<1..2^16-1>; } Cookie;
            let (d, c) = opaque(d, Len::U16, 1, 0xffff)?;
            Ok((d, Extension::Cookie(c)))
        }
        (T::PSK_KEY_EXCHANGE_MODES, C::ClientHello) => {
            // PskKeyExchangeMode ke_modes<1..255>;
            let (d, body) = prefixed(d, Len::U8, 1, 255)?;
            let modes = body.iter().copied().map(PskKeyExchangeMode).collect();
            Ok((d, Extension::PskKeyExchangeModes(modes)))
        }
        (T::CERTIFICATE_AUTHORITIES, C::ClientHello | C::CertificateRequest) => {
            // DistinguishedName authorities<3..2^16-1>;
            let (d, body) = prefixed(d, Len::U16, 3, 0xffff)?;
            // opaque DistinguishedName<1..2^16-1>;
            let names = list(body, |b| opaque(b, Len::U16, 1, 0xffff))?;
            Ok((d, Extension::CertificateAuthorities(names)))
        }
        (T::KEY_SHARE, C::ClientHello) => {
            // KeyShareEntry client_shares<0..2^16-1>;
            let (d, body) = prefixed(d, Len::U16, 0, 0xffff)?;
            let shares = list_max(body, MAX_KEY_SHARES, key_share_entry)?;
            Ok((d, Extension::KeyShareOffer(shares)))
        }
        (T::KEY_SHARE, C::ServerHello) => {
            // KeyShareEntry server_share;
            let (d, s) = key_share_entry(d)?;
            Ok((d, Extension::KeyShareSelected(s)))
        }
        (T::KEY_SHARE, C::HelloRetryRequest) => {
            // NamedGroup selected_group;
            let (d, g) = be_u16_as(d, NamedGroup)?;
            Ok((d, Extension::KeyShareRetry(g)))
        }
        (T::RENEGOTIATION_INFO, C::ClientHello | C::ServerHello) => {
            // opaque renegotiated_connection<0..255>;
            let (d, r) = opaque(d, Len::U8, 0, 255)?;
            Ok((d, Extension::RenegotiationInfo(r)))
        }
        _ => Ok((
            &d[d.len()..],
            Extension::Unknown {
                typ,
                data: d.to_vec(),
            },
        )),
    }
}

// struct { NameType name_type; select (name_type) { case host_name: HostName; } name; } ServerName;
// struct { ServerName server_name_list<1..2^16-1> } ServerNameList;
fn server_name_list(d: &[u8]) -> PResult<'_, Extension> {
    let (d, body) = prefixed(d, Len::U16, 1, 0xffff)?;
    let names = list(body, |b| {
        let (b, name_type) = be_u8(b)?;
        if name_type != 0 {
            return fail(InvalidMessage::UnknownServerNameType);
        }
        // opaque HostName<1..2^16-1>;
        opaque(b, Len::U16, 1, 0xffff)
    })?;
    Ok((d, Extension::ServerName(names)))
}

// SignatureScheme supported_signature_algorithms<2..2^16-2>;
fn signature_schemes(d: &[u8]) -> PResult<'_, Vec<SignatureScheme>> {
    let (d, body) = prefixed(d, Len::U16, 2, 0xfffe)?;
    let s = list(body, |b| be_u16_as(b, SignatureScheme))?;
    Ok((d, s))
}

// struct { CertificateStatusType status_type;
//          select (status_type) { case ocsp: OCSPStatusRequest; } request; } CertificateStatusRequest;
fn status_request(d: &[u8]) -> PResult<'_, Extension> {
    let (d, typ) = be_u8(d)?;
    let typ = CertificateStatusType(typ);
    if typ != CertificateStatusType::OCSP {
        let data = d.to_vec();
        return Ok((
            &d[d.len()..],
            Extension::StatusRequest(CertificateStatusRequest::Unknown { typ, data }),
        ));
    }
    // ResponderID responder_id_list<0..2^16-1>;
    let (d, body) = prefixed(d, Len::U16, 0, 0xffff)?;
    // opaque ResponderID<1..2^16-1>;
    let responder_id_list = list(body, |b| opaque(b, Len::U16, 1, 0xffff))?;
    // opaque Extensions<0..2^16-1>;
    let (d, request_extensions) = opaque(d, Len::U16, 0, 0xffff)?;
    Ok((
        d,
        Extension::StatusRequest(CertificateStatusRequest::Ocsp {
            responder_id_list,
            request_extensions,
        }),
    ))
}

// struct { CertificateStatusType status_type;
//          select (status_type) { case ocsp: OCSPResponse; } response; } CertificateStatus;
fn certificate_status(d: &[u8]) -> PResult<'_, Extension> {
    let (d, typ) = be_u8(d)?;
    let typ = CertificateStatusType(typ);
    if typ != CertificateStatusType::OCSP {
        let data = d.to_vec();
        return Ok((
            &d[d.len()..],
            Extension::CertificateStatus(CertificateStatus::Unknown { typ, data }),
        ));
    }
    // opaque OCSPResponse<1..2^24-1>;
    let (d, resp) = opaque(d, Len::U24, 1, 0xff_ffff)?;
    Ok((
        d,
        Extension::CertificateStatus(CertificateStatus::Ocsp(resp)),
    ))
}

// struct { NamedGroup group; opaque key_exchange<1..2^16-1>; } KeyShareEntry;
pub(crate) fn key_share_entry(d: &[u8]) -> PResult<'_, KeyShareEntry> {
    let (d, group) = be_u16_as(d, NamedGroup)?;
    let (d, key_exchange) = opaque(d, Len::U16, 1, MAX_KEY_EXCHANGE_LEN)?;
    Ok((
        d,
        KeyShareEntry {
            group,
            key_exchange,
        },
    ))
}

// struct { PskIdentity identities<7..2^16-1>; PskBinderEntry binders<33..2^16-1>; } OfferedPsks;
fn offered_psks(d: &[u8]) -> PResult<'_, Extension> {
    let (d, body) = prefixed(d, Len::U16, 7, 0xffff)?;
    let identities = list(body, |b| {
        // struct { opaque identity<1..2^16-1>; uint32 obfuscated_ticket_age; } PskIdentity;
        let (b, identity) = opaque(b, Len::U16, 1, 0xffff)?;
        let (b, obfuscated_ticket_age) = be_u32(b)?;
        Ok((
            b,
            PskIdentity {
                identity,
                obfuscated_ticket_age,
            },
        ))
    })?;
    let (d, body) = prefixed(d, Len::U16, 33, 0xffff)?;
    // opaque PskBinderEntry<32..255>;
    let binders = list(body, |b| opaque(b, Len::U8, 32, 255))?;
    Ok((
        d,
        Extension::PreSharedKeyOffer(PreSharedKeyOffer {
            identities,
            binders,
        }),
    ))
}

//! ClientHello, ServerHello and HelloRetryRequest (RFC 8446 §4.1; the TLS 1.2 forms of
//! RFC 5246 §7.4.1 share the layout).

use qssl_crypto::ids::CipherSuite;

use super::extensions::{
    Extension, ExtensionContext, ExtensionType, encode_extensions, find_extension,
    parse_extension_block,
};
use super::{
    Len, PResult, ProtocolVersion, atomic, be_u8, be_u16_as, fail, list, opaque, prefixed,
    put_opaque, put_u16, take, with_len,
};
use crate::error::{EncodeError, InvalidMessage};

/// `opaque Random[32];`
pub type Random = [u8; 32];

/// The ServerHello.random that marks a HelloRetryRequest: SHA-256("HelloRetryRequest")
/// (RFC 8446 §4.1.3).
pub const HELLO_RETRY_REQUEST_RANDOM: Random = [
    0xCF, 0x21, 0xAD, 0x74, 0xE5, 0x9A, 0x61, 0x11, 0xBE, 0x1D, 0x8C, 0x02, 0x1E, 0x65, 0xB8, 0x91,
    0xC2, 0xA2, 0x11, 0x16, 0x7A, 0xBB, 0x8C, 0x5E, 0x07, 0x9E, 0x09, 0xE2, 0xC8, 0xA8, 0x33, 0x9C,
];

/// ```text
/// struct {
///     ProtocolVersion legacy_version = 0x0303;
///     Random random;
///     opaque legacy_session_id<0..32>;
///     CipherSuite cipher_suites<2..2^16-2>;
///     opaque legacy_compression_methods<1..2^8-1>;
///     Extension extensions<8..2^16-1>;
/// } ClientHello;
/// ```
///
/// The extension block is required (also for TLS 1.2, where Q-SSL needs
/// extended_master_secret): a ClientHello that ends after the compression methods is
/// `Truncated`. The block's lower bound is taken as 0 so TLS 1.2 hellos share the codec.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientHello {
    /// `legacy_version` (0x0303 from TLS 1.3 clients).
    pub legacy_version: ProtocolVersion,
    /// `random`.
    pub random: Random,
    /// `legacy_session_id`, at most 32 bytes.
    pub session_id: Vec<u8>,
    /// `cipher_suites`, in the client's order of preference.
    pub cipher_suites: Vec<CipherSuite>,
    /// `legacy_compression_methods`, kept as sent (TLS 1.3 requires exactly `[0]`:
    /// the state machine checks it, RFC 8446 §4.1.2).
    pub compression_methods: Vec<u8>,
    /// `extensions`, no type twice, pre_shared_key (if any) last.
    pub extensions: Vec<Extension>,
}

impl ClientHello {
    /// Parses a ClientHello body (without the handshake header) that must fill `input`.
    pub fn parse(input: &[u8]) -> Result<Self, InvalidMessage> {
        super::complete(input, parse_client_hello)
    }

    /// Appends the body (without the handshake header). A vector too long for its
    /// length prefix (an extension block over 2^16 - 1 bytes, say) is refused and
    /// nothing is appended.
    pub fn encode(&self, out: &mut Vec<u8>) -> Result<(), EncodeError> {
        atomic(out, |out| {
            put_u16(out, self.legacy_version.0);
            out.extend_from_slice(&self.random);
            put_opaque(out, Len::U8, &self.session_id)?;
            with_len(out, Len::U16, |out| {
                for s in &self.cipher_suites {
                    put_u16(out, s.0);
                }
                Ok(())
            })?;
            put_opaque(out, Len::U8, &self.compression_methods)?;
            encode_extensions(&self.extensions, out)
        })
    }

    /// The extension of type `typ`, if offered.
    pub fn extension(&self, typ: ExtensionType) -> Option<&Extension> {
        find_extension(&self.extensions, typ)
    }

    /// If the hello offers a PSK: how many bytes at the end of its encoding are the
    /// binders vector. The PSK binder's transcript is the encoded message (header
    /// included) minus these bytes (RFC 8446 §4.2.11.2).
    pub fn binders_encoded_len(&self) -> Option<usize> {
        match self.extensions.last() {
            Some(Extension::PreSharedKeyOffer(offer)) => Some(offer.binders_encoded_len()),
            _ => None,
        }
    }
}

pub(crate) fn parse_client_hello(i: &[u8]) -> PResult<'_, ClientHello> {
    let (i, legacy_version) = be_u16_as(i, ProtocolVersion)?;
    let (i, random) = random(i)?;
    // opaque legacy_session_id<0..32>;
    let (i, session_id) = opaque(i, Len::U8, 0, 32)?;
    // CipherSuite cipher_suites<2..2^16-2>;
    let (i, body) = prefixed(i, Len::U16, 2, 0xfffe)?;
    let cipher_suites = list(body, |b| be_u16_as(b, CipherSuite))?;
    // opaque legacy_compression_methods<1..2^8-1>;
    let (i, compression_methods) = opaque(i, Len::U8, 1, 0xff)?;
    // Extension extensions<8..2^16-1>;
    let (i, extensions) = parse_extension_block(i, ExtensionContext::ClientHello)?;
    if let Some(pos) = extensions
        .iter()
        .position(|e| e.typ() == ExtensionType::PRE_SHARED_KEY)
        && pos + 1 != extensions.len()
    {
        return fail(InvalidMessage::PreSharedKeyNotLast);
    }
    Ok((
        i,
        ClientHello {
            legacy_version,
            random,
            session_id,
            cipher_suites,
            compression_methods,
            extensions,
        },
    ))
}

/// ```text
/// struct {
///     ProtocolVersion legacy_version = 0x0303;
///     Random random;
///     opaque legacy_session_id_echo<0..32>;
///     CipherSuite cipher_suite;
///     uint8 legacy_compression_method = 0;
///     Extension extensions<6..2^16-1>;
/// } ServerHello;
/// ```
///
/// Also a HelloRetryRequest: same layout, `random` = [`HELLO_RETRY_REQUEST_RANDOM`], and
/// its extensions are parsed in [`ExtensionContext::HelloRetryRequest`] (key_share is a
/// bare `selected_group`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServerHello {
    /// `legacy_version` (0x0303 from TLS 1.3 servers).
    pub legacy_version: ProtocolVersion,
    /// `random`.
    pub random: Random,
    /// `legacy_session_id_echo`, at most 32 bytes.
    pub session_id: Vec<u8>,
    /// `cipher_suite`.
    pub cipher_suite: CipherSuite,
    /// `legacy_compression_method`, kept as sent (must be 0: the state machine checks).
    pub compression_method: u8,
    /// `extensions`, no type twice.
    pub extensions: Vec<Extension>,
}

impl ServerHello {
    /// Parses a ServerHello or HelloRetryRequest body that must fill `input`.
    pub fn parse(input: &[u8]) -> Result<Self, InvalidMessage> {
        super::complete(input, parse_server_hello)
    }

    /// Appends the body (without the handshake header); refused, appending nothing,
    /// if a vector is too long for its length prefix.
    pub fn encode(&self, out: &mut Vec<u8>) -> Result<(), EncodeError> {
        atomic(out, |out| {
            put_u16(out, self.legacy_version.0);
            out.extend_from_slice(&self.random);
            put_opaque(out, Len::U8, &self.session_id)?;
            put_u16(out, self.cipher_suite.0);
            out.push(self.compression_method);
            encode_extensions(&self.extensions, out)
        })
    }

    /// Whether this is a HelloRetryRequest (RFC 8446 §4.1.3).
    pub fn is_hello_retry_request(&self) -> bool {
        self.random == HELLO_RETRY_REQUEST_RANDOM
    }

    /// The extension of type `typ`, if present.
    pub fn extension(&self, typ: ExtensionType) -> Option<&Extension> {
        find_extension(&self.extensions, typ)
    }
}

pub(crate) fn parse_server_hello(i: &[u8]) -> PResult<'_, ServerHello> {
    let (i, legacy_version) = be_u16_as(i, ProtocolVersion)?;
    let (i, random) = random(i)?;
    // opaque legacy_session_id_echo<0..32>;
    let (i, session_id) = opaque(i, Len::U8, 0, 32)?;
    // CipherSuite cipher_suite;
    let (i, cipher_suite) = be_u16_as(i, CipherSuite)?;
    // uint8 legacy_compression_method = 0;
    let (i, compression_method) = be_u8(i)?;
    let ctx = if random == HELLO_RETRY_REQUEST_RANDOM {
        ExtensionContext::HelloRetryRequest
    } else {
        ExtensionContext::ServerHello
    };
    // Extension extensions<6..2^16-1>;
    let (i, extensions) = parse_extension_block(i, ctx)?;
    Ok((
        i,
        ServerHello {
            legacy_version,
            random,
            session_id,
            cipher_suite,
            compression_method,
            extensions,
        },
    ))
}

// opaque Random[32];
fn random(i: &[u8]) -> PResult<'_, Random> {
    let (i, r) = take(i, 32)?;
    let mut out = [0u8; 32];
    out.copy_from_slice(r);
    Ok((i, out))
}

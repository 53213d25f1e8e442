//! EncryptedExtensions, CertificateRequest, Certificate, CertificateVerify and Finished
//! (RFC 8446 §4.3–§4.4): the authentication messages, in their TLS 1.3 form.

use core::fmt;

use qssl_crypto::ids::SignatureScheme;

use super::extensions::{
    Extension, ExtensionContext, ExtensionType, encode_extensions, find_extension,
    parse_extension_block,
};
use super::limits::{MAX_CERTIFICATE_ENTRIES, MAX_CERTIFICATE_LEN, MAX_SIGNATURE_LEN};
use super::{
    Len, PResult, atomic, be_u16_as, list_max, opaque, prefixed, put_opaque, put_u16, with_len,
};
use crate::error::{EncodeError, InvalidMessage};

/// `struct { Extension extensions<0..2^16-1>; } EncryptedExtensions;`
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct EncryptedExtensions {
    /// The server's extensions, no type twice.
    pub extensions: Vec<Extension>,
}

impl EncryptedExtensions {
    /// Parses the body that must fill `input`.
    pub fn parse(input: &[u8]) -> Result<Self, InvalidMessage> {
        super::complete(input, parse_encrypted_extensions)
    }

    /// Appends the body; refused, appending nothing, if the block is too long.
    pub fn encode(&self, out: &mut Vec<u8>) -> Result<(), EncodeError> {
        encode_extensions(&self.extensions, out)
    }

    /// The extension of type `typ`, if present.
    pub fn extension(&self, typ: ExtensionType) -> Option<&Extension> {
        find_extension(&self.extensions, typ)
    }
}

pub(crate) fn parse_encrypted_extensions(i: &[u8]) -> PResult<'_, EncryptedExtensions> {
    let (i, extensions) = parse_extension_block(i, ExtensionContext::EncryptedExtensions)?;
    Ok((i, EncryptedExtensions { extensions }))
}

/// ```text
/// struct {
///     opaque certificate_request_context<0..2^8-1>;
///     Extension extensions<2..2^16-1>;
/// } CertificateRequest;
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CertificateRequest {
    /// Echoed in the client's Certificate; empty during the handshake.
    pub context: Vec<u8>,
    /// The extensions (signature_algorithms is mandatory: the state machine checks).
    pub extensions: Vec<Extension>,
}

impl CertificateRequest {
    /// Parses the body that must fill `input`.
    pub fn parse(input: &[u8]) -> Result<Self, InvalidMessage> {
        super::complete(input, parse_certificate_request)
    }

    /// Appends the body; refused, appending nothing, if a vector is too long for its
    /// length prefix (certificate_authorities over 2^16 - 1 bytes, say).
    pub fn encode(&self, out: &mut Vec<u8>) -> Result<(), EncodeError> {
        atomic(out, |out| {
            put_opaque(out, Len::U8, &self.context)?;
            encode_extensions(&self.extensions, out)
        })
    }

    /// The extension of type `typ`, if present.
    pub fn extension(&self, typ: ExtensionType) -> Option<&Extension> {
        find_extension(&self.extensions, typ)
    }
}

pub(crate) fn parse_certificate_request(i: &[u8]) -> PResult<'_, CertificateRequest> {
    // opaque certificate_request_context<0..2^8-1>;
    let (i, context) = opaque(i, Len::U8, 0, 0xff)?;
    // Extension extensions<2..2^16-1>; (the lower bound is left to the state machine,
    // which reports a missing signature_algorithms as missing_extension)
    let (i, extensions) = parse_extension_block(i, ExtensionContext::CertificateRequest)?;
    Ok((
        i,
        CertificateRequest {
            context,
            extensions,
        },
    ))
}

/// ```text
/// struct {
///     select (certificate_type) {
///         case RawPublicKey: opaque ASN1_subjectPublicKeyInfo<1..2^24-1>;
///         case X509: opaque cert_data<1..2^24-1>;
///     };
///     Extension extensions<0..2^16-1>;
/// } CertificateEntry;
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct CertificateEntry {
    /// The DER certificate, at most [`MAX_CERTIFICATE_LEN`] bytes when parsed.
    pub cert_data: Vec<u8>,
    /// Per-certificate extensions (status_request carries a stapled OCSP response).
    pub extensions: Vec<Extension>,
}

impl fmt::Debug for CertificateEntry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CertificateEntry")
            .field("cert_data_len", &self.cert_data.len())
            .field("extensions", &self.extensions)
            .finish()
    }
}

/// ```text
/// struct {
///     opaque certificate_request_context<0..2^8-1>;
///     CertificateEntry certificate_list<0..2^24-1>;
/// } Certificate;
/// ```
///
/// The whole message is bounded by
/// [`DecodeLimits::max_certificate_message_len`](crate::DecodeLimits) in the joiner.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Certificate {
    /// Empty in the server's Certificate; echoes the CertificateRequest's otherwise.
    pub context: Vec<u8>,
    /// The chain, end-entity first.
    pub entries: Vec<CertificateEntry>,
}

impl Certificate {
    /// Parses the body that must fill `input`.
    pub fn parse(input: &[u8]) -> Result<Self, InvalidMessage> {
        super::complete(input, parse_certificate)
    }

    /// Appends the body; refused, appending nothing, if a vector is too long for its
    /// length prefix (a chain over 2^24 - 1 bytes, say).
    pub fn encode(&self, out: &mut Vec<u8>) -> Result<(), EncodeError> {
        atomic(out, |out| {
            put_opaque(out, Len::U8, &self.context)?;
            with_len(out, Len::U24, |out| {
                for e in &self.entries {
                    put_opaque(out, Len::U24, &e.cert_data)?;
                    encode_extensions(&e.extensions, out)?;
                }
                Ok(())
            })
        })
    }
}

pub(crate) fn parse_certificate(i: &[u8]) -> PResult<'_, Certificate> {
    // opaque certificate_request_context<0..2^8-1>;
    let (i, context) = opaque(i, Len::U8, 0, 0xff)?;
    // CertificateEntry certificate_list<0..2^24-1>;
    let (i, body) = prefixed(i, Len::U24, 0, 0xff_ffff)?;
    let entries = list_max(body, MAX_CERTIFICATE_ENTRIES, |b| {
        // opaque cert_data<1..2^24-1>;
        let (b, cert_data) = opaque(b, Len::U24, 1, MAX_CERTIFICATE_LEN)?;
        // Extension extensions<0..2^16-1>;
        let (b, extensions) = parse_extension_block(b, ExtensionContext::Certificate)?;
        Ok((
            b,
            CertificateEntry {
                cert_data,
                extensions,
            },
        ))
    })?;
    Ok((i, Certificate { context, entries }))
}

/// ```text
/// struct {
///     SignatureScheme algorithm;
///     opaque signature<0..2^16-1>;
/// } CertificateVerify;
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct CertificateVerify {
    /// The signature scheme.
    pub scheme: SignatureScheme,
    /// The signature, at most [`MAX_SIGNATURE_LEN`] bytes when parsed.
    pub signature: Vec<u8>,
}

impl fmt::Debug for CertificateVerify {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CertificateVerify")
            .field("scheme", &self.scheme)
            .field("signature_len", &self.signature.len())
            .finish()
    }
}

impl CertificateVerify {
    /// Parses the body that must fill `input`.
    pub fn parse(input: &[u8]) -> Result<Self, InvalidMessage> {
        super::complete(input, parse_certificate_verify)
    }

    /// Appends the body; refused, appending nothing, if the signature is over
    /// 2^16 - 1 bytes.
    pub fn encode(&self, out: &mut Vec<u8>) -> Result<(), EncodeError> {
        atomic(out, |out| {
            put_u16(out, self.scheme.0);
            put_opaque(out, Len::U16, &self.signature)
        })
    }
}

pub(crate) fn parse_certificate_verify(i: &[u8]) -> PResult<'_, CertificateVerify> {
    // SignatureScheme algorithm;
    let (i, scheme) = be_u16_as(i, SignatureScheme)?;
    // opaque signature<0..2^16-1>;
    let (i, signature) = opaque(i, Len::U16, 0, MAX_SIGNATURE_LEN)?;
    Ok((i, CertificateVerify { scheme, signature }))
}

/// `struct { opaque verify_data[Hash.length]; } Finished;`
///
/// The codec takes the whole body: only the state machine knows `Hash.length`, and a
/// Finished of the wrong length fails its constant-time comparison (`decrypt_error`,
/// RFC 8446 §4.4.4).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finished {
    /// `verify_data`.
    pub verify_data: Vec<u8>,
}

impl Finished {
    /// Takes the whole body as `verify_data`.
    pub fn parse(input: &[u8]) -> Result<Self, InvalidMessage> {
        Ok(Self {
            verify_data: input.to_vec(),
        })
    }

    /// Appends the body (no length prefix: it cannot fail).
    pub fn encode(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(&self.verify_data);
    }
}

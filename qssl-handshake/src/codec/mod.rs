//! Wire codec: nom primitives bounded by length prefixes, and the encoders' length
//! placeholders. nom stays inside this module tree: every public entry point returns
//! [`InvalidMessage`].

use qssl_wire::codec;

use crate::error::InvalidMessage;

pub(crate) mod extensions;
pub(crate) mod hello;
pub(crate) mod joiner;
pub mod limits;
pub(crate) mod message;
pub(crate) mod post_handshake;
pub(crate) mod server_flight;
pub(crate) mod tls12;

// The length-prefixed vector codec lives in `qssl_wire::codec`, shared by every layer;
// here it is fixed to this crate's error, `InvalidMessage`, so the parsers below read
// `be_u16(i)?` without naming it.

/// The nom error of this crate's parsers.
pub(crate) type WireError = codec::WireError<InvalidMessage>;
/// A parser result over a borrowed byte cursor.
pub(crate) type PResult<'a, T> = codec::PResult<'a, T, InvalidMessage>;

pub(crate) use codec::{Len, atomic, fail, put_opaque, put_u16, put_u32, with_len};

impl From<codec::DecodeError> for InvalidMessage {
    fn from(e: codec::DecodeError) -> Self {
        match e {
            codec::DecodeError::TrailingBytes => Self::TrailingBytes,
            codec::DecodeError::LengthOutOfRange => Self::LengthOutOfRange,
            codec::DecodeError::TooLarge => Self::TooLarge,
            // Truncated, and whatever a newer qssl-wire adds: the input is short.
            _ => Self::Truncated,
        }
    }
}

pub(crate) fn be_u8(i: &[u8]) -> PResult<'_, u8> {
    codec::be_u8(i)
}

pub(crate) fn be_u16(i: &[u8]) -> PResult<'_, u16> {
    codec::be_u16(i)
}

pub(crate) fn be_u24(i: &[u8]) -> PResult<'_, u32> {
    codec::be_u24(i)
}

pub(crate) fn be_u32(i: &[u8]) -> PResult<'_, u32> {
    codec::be_u32(i)
}

/// Takes exactly `n` bytes.
pub(crate) fn take(i: &[u8], n: usize) -> PResult<'_, &[u8]> {
    codec::take(i, n)
}

/// A `<min..max>` vector's body (see [`codec::prefixed`]).
pub(crate) fn prefixed(i: &[u8], len: Len, min: usize, max: usize) -> PResult<'_, &[u8]> {
    codec::prefixed(i, len, min, max)
}

/// A `<min..max>` vector of opaque bytes.
pub(crate) fn opaque(i: &[u8], len: Len, min: usize, max: usize) -> PResult<'_, Vec<u8>> {
    codec::opaque(i, len, min, max)
}

/// Elements until `body` is used up (see [`codec::list`]).
pub(crate) fn list<'a, T>(
    body: &'a [u8],
    elem: impl FnMut(&'a [u8]) -> PResult<'a, T>,
) -> Result<Vec<T>, nom::Err<WireError>> {
    codec::list(body, elem)
}

/// Like [`list`], but at most `max` elements: one more is
/// [`InvalidMessage::TooLarge`], found before it is stored (a count cap from
/// [`limits`] holds however small the peer makes its elements).
pub(crate) fn list_max<'a, T>(
    mut body: &'a [u8],
    max: usize,
    mut elem: impl FnMut(&'a [u8]) -> PResult<'a, T>,
) -> Result<Vec<T>, nom::Err<WireError>> {
    let mut out = Vec::new();
    while !body.is_empty() {
        if out.len() == max {
            return fail(InvalidMessage::TooLarge);
        }
        let (rest, v) = elem(body)?;
        if rest.len() >= body.len() {
            return fail(InvalidMessage::LengthOutOfRange);
        }
        out.push(v);
        body = rest;
    }
    Ok(out)
}

/// Runs `p` on `i` and requires it to use all of `i`.
pub(crate) fn exact<'a, T>(
    i: &'a [u8],
    p: impl FnOnce(&'a [u8]) -> PResult<'a, T>,
) -> Result<T, nom::Err<WireError>> {
    codec::exact(i, p)
}

/// The crate boundary: runs `p` over all of `i`, converting nom's error to ours.
pub(crate) fn complete<'a, T>(
    i: &'a [u8],
    p: impl FnOnce(&'a [u8]) -> PResult<'a, T>,
) -> Result<T, InvalidMessage> {
    codec::complete(i, p)
}

qssl_wire::wire_enum! {
    /// `enum { ... } HandshakeType;` (RFC 8446 §4, RFC 5246 §7.4, IANA registry).
    HandshakeType(u8) {
        /// TLS 1.2 renegotiation request; never valid in TLS 1.3.
        HELLO_REQUEST = 0, "hello_request";
        /// RFC 8446 §4.1.2.
        CLIENT_HELLO = 1, "client_hello";
        /// RFC 8446 §4.1.3 (also carries HelloRetryRequest).
        SERVER_HELLO = 2, "server_hello";
        /// RFC 8446 §4.6.1.
        NEW_SESSION_TICKET = 4, "new_session_ticket";
        /// RFC 8446 §4.5.
        END_OF_EARLY_DATA = 5, "end_of_early_data";
        /// RFC 8446 §4.3.1.
        ENCRYPTED_EXTENSIONS = 8, "encrypted_extensions";
        /// RFC 8446 §4.4.2.
        CERTIFICATE = 11, "certificate";
        /// TLS 1.2, RFC 5246 §7.4.3.
        SERVER_KEY_EXCHANGE = 12, "server_key_exchange";
        /// RFC 8446 §4.3.2.
        CERTIFICATE_REQUEST = 13, "certificate_request";
        /// TLS 1.2, RFC 5246 §7.4.5.
        SERVER_HELLO_DONE = 14, "server_hello_done";
        /// RFC 8446 §4.4.3.
        CERTIFICATE_VERIFY = 15, "certificate_verify";
        /// TLS 1.2, RFC 5246 §7.4.7.
        CLIENT_KEY_EXCHANGE = 16, "client_key_exchange";
        /// RFC 8446 §4.4.4.
        FINISHED = 20, "finished";
        /// TLS 1.2 OCSP stapling, RFC 6066 §8.
        CERTIFICATE_STATUS = 22, "certificate_status";
        /// RFC 8446 §4.6.3.
        KEY_UPDATE = 24, "key_update";
        /// RFC 8879.
        COMPRESSED_CERTIFICATE = 25, "compressed_certificate";
        /// RFC 8446 §4.4.1: the synthetic message that replaces ClientHello1 in the
        /// transcript after a HelloRetryRequest. Never sent.
        MESSAGE_HASH = 254, "message_hash";
    }
}

pub use qssl_wire::ProtocolVersion;

/// Read a `CipherSuite`/`NamedGroup`/`SignatureScheme`-style 16-bit code point.
pub(crate) fn be_u16_as<T>(i: &[u8], f: fn(u16) -> T) -> PResult<'_, T> {
    let (i, v) = be_u16(i)?;
    Ok((i, f(v)))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The shared codec's failures arrive as this crate's errors (and alerts).
    #[test]
    fn wire_failures_become_invalid_message() {
        let err = |r: PResult<'_, &[u8]>| codec::into_error(r.unwrap_err());
        assert_eq!(
            err(prefixed(&[0, 4, 1, 2, 3, 4], Len::U16, 1, 3)),
            InvalidMessage::TooLarge
        );
        assert_eq!(
            err(prefixed(&[0, 0], Len::U16, 1, 3)),
            InvalidMessage::LengthOutOfRange
        );
        assert_eq!(
            err(prefixed(&[0, 3, 1, 2], Len::U16, 1, 3)),
            InvalidMessage::Truncated
        );
        assert_eq!(
            complete(&[1, 2], |i| be_u8(i)),
            Err(InvalidMessage::TrailingBytes)
        );
    }
}

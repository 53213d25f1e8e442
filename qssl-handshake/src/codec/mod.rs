//! Wire codec: nom primitives bounded by length prefixes, and the encoders' length
//! placeholders. nom stays inside this module tree: every public entry point returns
//! [`InvalidMessage`].

use nom::IResult;

use crate::error::{EncodeError, InvalidMessage};

pub(crate) mod extensions;
pub(crate) mod hello;
pub(crate) mod joiner;
pub mod limits;
pub(crate) mod message;
pub(crate) mod post_handshake;
pub(crate) mod server_flight;

/// The nom error type of our parsers: it carries the [`InvalidMessage`] that the
/// public API returns, so no nom `ErrorKind` ever leaves the crate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct WireError(pub(crate) InvalidMessage);

impl<'a> nom::error::ParseError<&'a [u8]> for WireError {
    fn from_error_kind(_input: &'a [u8], _kind: nom::error::ErrorKind) -> Self {
        // Our parsers are `complete` parsers over a length-bounded slice: the only way a
        // nom primitive fails there is running out of input.
        Self(InvalidMessage::Truncated)
    }

    fn append(_input: &'a [u8], _kind: nom::error::ErrorKind, other: Self) -> Self {
        other
    }
}

/// A parser result over a borrowed byte cursor.
pub(crate) type PResult<'a, T> = IResult<&'a [u8], T, WireError>;

/// A nom failure carrying `e`. `Failure`, not `Error`: no alternative parse exists.
pub(crate) fn fail<T>(e: InvalidMessage) -> Result<T, nom::Err<WireError>> {
    Err(nom::Err::Failure(WireError(e)))
}

pub(crate) fn be_u8(i: &[u8]) -> PResult<'_, u8> {
    nom::number::complete::be_u8(i)
}

pub(crate) fn be_u16(i: &[u8]) -> PResult<'_, u16> {
    nom::number::complete::be_u16(i)
}

pub(crate) fn be_u24(i: &[u8]) -> PResult<'_, u32> {
    nom::number::complete::be_u24(i)
}

pub(crate) fn be_u32(i: &[u8]) -> PResult<'_, u32> {
    nom::number::complete::be_u32(i)
}

/// Takes exactly `n` bytes.
pub(crate) fn take(i: &[u8], n: usize) -> PResult<'_, &[u8]> {
    if n > i.len() {
        return fail(InvalidMessage::Truncated);
    }
    let (head, rest) = i.split_at(n);
    Ok((rest, head))
}

/// Width of a length prefix.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Len {
    U8,
    U16,
    U24,
}

impl Len {
    const fn width(self) -> usize {
        match self {
            Self::U8 => 1,
            Self::U16 => 2,
            Self::U24 => 3,
        }
    }

    /// The longest body the prefix can express.
    const fn max(self) -> usize {
        (1 << (8 * self.width())) - 1
    }
}

/// Reads a `<min..max>` vector's length prefix and returns its body, after checking the
/// length against `max` and the remaining input: nothing is allocated before this.
pub(crate) fn prefixed(i: &[u8], len: Len, min: usize, max: usize) -> PResult<'_, &[u8]> {
    let (i, n) = match len {
        Len::U8 => be_u8(i).map(|(i, n)| (i, usize::from(n)))?,
        Len::U16 => be_u16(i).map(|(i, n)| (i, usize::from(n)))?,
        Len::U24 => be_u24(i).map(|(i, n)| (i, n as usize))?,
    };
    if n > max {
        return fail(InvalidMessage::TooLarge);
    }
    if n < min {
        return fail(InvalidMessage::LengthOutOfRange);
    }
    take(i, n)
}

/// Reads a `<min..max>` vector of opaque bytes into a `Vec`.
pub(crate) fn opaque(i: &[u8], len: Len, min: usize, max: usize) -> PResult<'_, Vec<u8>> {
    let (i, body) = prefixed(i, len, min, max)?;
    Ok((i, body.to_vec()))
}

/// Parses elements until `body` (an already length-checked slice) is used up. Each
/// element consumes at least one byte, so the `Vec` never outgrows the input.
pub(crate) fn list<'a, T>(
    mut body: &'a [u8],
    mut elem: impl FnMut(&'a [u8]) -> PResult<'a, T>,
) -> Result<Vec<T>, nom::Err<WireError>> {
    let mut out = Vec::new();
    while !body.is_empty() {
        let (rest, v) = elem(body)?;
        if rest.len() >= body.len() {
            // An element that consumed nothing would loop forever.
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
    let (rest, v) = p(i)?;
    if !rest.is_empty() {
        return fail(InvalidMessage::TrailingBytes);
    }
    Ok(v)
}

/// The crate boundary: runs `p` over all of `i`, converting nom's error to ours.
pub(crate) fn complete<'a, T>(
    i: &'a [u8],
    p: impl FnOnce(&'a [u8]) -> PResult<'a, T>,
) -> Result<T, InvalidMessage> {
    exact(i, p).map_err(to_invalid)
}

pub(crate) fn to_invalid(e: nom::Err<WireError>) -> InvalidMessage {
    match e {
        nom::Err::Error(WireError(e)) | nom::Err::Failure(WireError(e)) => e,
        nom::Err::Incomplete(_) => InvalidMessage::Truncated,
    }
}

/// Appends a `len`-wide placeholder, runs `body`, then writes the body's length into the
/// placeholder: one pass, no intermediate buffer.
///
/// A body longer than the prefix can express (`2^(8·width) - 1` bytes) is refused with
/// [`EncodeError::TooLong`] and `out` is cut back to where it was, so a wrong length is
/// never written and nothing of the failed vector stays behind. The error of an inner
/// vector (a nested `with_len`) is passed on the same way.
pub(crate) fn with_len(
    out: &mut Vec<u8>,
    len: Len,
    body: impl FnOnce(&mut Vec<u8>) -> Result<(), EncodeError>,
) -> Result<(), EncodeError> {
    let w = len.width();
    let at = out.len();
    out.extend_from_slice(&[0u8; 3][..w]);
    if let Err(e) = body(out) {
        out.truncate(at);
        return Err(e);
    }
    let n = out.len() - at - w;
    if n > len.max() {
        out.truncate(at);
        return Err(EncodeError::TooLong {
            len: n,
            max: len.max(),
        });
    }
    // n <= 2^24 - 1: it fits a u32, and the prefix takes its low `w` bytes exactly.
    let be = (n as u32).to_be_bytes();
    out[at..at + w].copy_from_slice(&be[4 - w..]);
    Ok(())
}

/// Writes `data` as an opaque vector with a `len`-wide prefix, or refuses it (writing
/// nothing) if it is longer than the prefix can express.
pub(crate) fn put_opaque(out: &mut Vec<u8>, len: Len, data: &[u8]) -> Result<(), EncodeError> {
    if data.len() > len.max() {
        return Err(EncodeError::TooLong {
            len: data.len(),
            max: len.max(),
        });
    }
    with_len(out, len, |out| {
        out.extend_from_slice(data);
        Ok(())
    })
}

/// Runs a whole encoder: on error `out` is cut back to its length before the call, so
/// a public `encode` that fails appends nothing (not even the fields before the vector
/// that did not fit).
pub(crate) fn atomic(
    out: &mut Vec<u8>,
    f: impl FnOnce(&mut Vec<u8>) -> Result<(), EncodeError>,
) -> Result<(), EncodeError> {
    let at = out.len();
    let r = f(out);
    if r.is_err() {
        out.truncate(at);
    }
    r
}

pub(crate) fn put_u16(out: &mut Vec<u8>, v: u16) {
    out.extend_from_slice(&v.to_be_bytes());
}

pub(crate) fn put_u32(out: &mut Vec<u8>, v: u32) {
    out.extend_from_slice(&v.to_be_bytes());
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

    #[test]
    fn prefixed_checks_cap_then_minimum_then_input() {
        assert_eq!(
            prefixed(&[0, 3, 1, 2, 3, 9], Len::U16, 1, 3),
            Ok((&[9u8][..], &[1u8, 2, 3][..]))
        );
        let err = |r: PResult<'_, &[u8]>| to_invalid(r.unwrap_err());
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
            err(prefixed(&[0, 0], Len::U24, 0, 3)),
            InvalidMessage::Truncated
        );
    }

    #[test]
    fn with_len_fixes_the_placeholder() {
        let mut out = vec![0xee];
        with_len(&mut out, Len::U24, |o| {
            o.extend_from_slice(&[7; 300]);
            Ok(())
        })
        .unwrap();
        assert_eq!(&out[..4], &[0xee, 0, 1, 44]);
        assert_eq!(out.len(), 304);
        let mut out = Vec::new();
        with_len(&mut out, Len::U8, |_| Ok(())).unwrap();
        assert_eq!(out, [0]);
    }

    /// The largest body of each width is written with its exact length; one byte more
    /// is refused and leaves `out` as it was (issue 8 item 6: it used to panic in debug
    /// builds and write the length modulo 2^(8·width) in release builds).
    #[test]
    fn with_len_refuses_a_body_its_prefix_cannot_express() {
        for (len, max) in [(Len::U8, 0xff), (Len::U16, 0xffff), (Len::U24, 0xff_ffff)] {
            let mut out = vec![0xee];
            with_len(&mut out, len, |o| {
                o.resize(o.len() + max, 7);
                Ok(())
            })
            .unwrap();
            assert_eq!(out.len(), 1 + len.width() + max);
            assert!(out[1..1 + len.width()].iter().all(|&b| b == 0xff));

            let mut out = vec![0xee];
            let err = with_len(&mut out, len, |o| {
                o.resize(o.len() + max + 1, 7);
                Ok(())
            });
            assert_eq!(err, Err(EncodeError::TooLong { len: max + 1, max }));
            assert_eq!(out, [0xee]);

            let big = vec![7u8; max + 1];
            let mut out = vec![0xee];
            assert_eq!(
                put_opaque(&mut out, len, &big),
                Err(EncodeError::TooLong { len: max + 1, max })
            );
            assert_eq!(out, [0xee]);
        }
    }

    /// An inner vector that does not fit fails the outer one too, and `atomic` takes
    /// back the fields written before it.
    #[test]
    fn nested_overflow_propagates_and_leaves_nothing() {
        let mut out = vec![1, 2];
        let err = atomic(&mut out, |o| {
            o.extend_from_slice(&[3, 3]);
            with_len(o, Len::U24, |o| put_opaque(o, Len::U8, &[9; 256]))
        });
        assert_eq!(err, Err(EncodeError::TooLong { len: 256, max: 255 }));
        assert_eq!(out, [1, 2]);
    }
}

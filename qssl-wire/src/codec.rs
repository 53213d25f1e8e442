//! Length-prefixed TLS vectors (RFC 8446 §3.4), read and written the same way by every
//! layer: nom parsers over a length-bounded slice, and encoders that write a length
//! placeholder and fix it after the body.
//!
//! Reading: [`prefixed`] checks a vector's length against the field's cap, its RFC
//! minimum and the remaining input before anything is allocated, and [`list`] refuses
//! an element that consumes nothing, so no loop over peer input can stall. The parsers
//! are generic over the caller's error type `E` (anything a [`DecodeError`] converts
//! into), carried inside nom as [`WireError<E>`], so a layer's own failures (a
//! duplicate extension, say) travel through the same `?` as a truncation.
//!
//! Writing: [`with_len`] refuses a body longer than its prefix can express
//! ([`EncodeError::TooLong`]) and cuts `out` back, so a wrong length is never written.
//!
//! ```
//! use qssl_wire::codec::{self, DecodeError, Len, PResult};
//!
//! // struct { opaque name<1..2^8-1>; uint16 port; } Example;
//! fn example(i: &[u8]) -> PResult<'_, (Vec<u8>, u16), DecodeError> {
//!     let (i, name) = codec::opaque(i, Len::U8, 1, 255)?;
//!     let (i, port) = codec::be_u16(i)?;
//!     Ok((i, (name, port)))
//! }
//!
//! let mut out = Vec::new();
//! codec::put_opaque(&mut out, Len::U8, b"host")?;
//! codec::put_u16(&mut out, 443);
//! assert_eq!(codec::complete(&out, example), Ok((b"host".to_vec(), 443)));
//! assert_eq!(codec::complete(&out[..3], example), Err(DecodeError::Truncated));
//! # Ok::<(), codec::EncodeError>(())
//! ```

use alloc::vec::Vec;
use core::fmt;

use nom::IResult;

/// Why bytes could not be read as a length-prefixed structure. Each layer converts it
/// into its own error (and alert): all four are "decode_error" in TLS terms.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum DecodeError {
    /// The input ended before a field or vector was complete.
    Truncated,
    /// Bytes were left over after a structure or a vector's elements.
    TrailingBytes,
    /// A length below the field's RFC minimum, or a list element that used no bytes.
    LengthOutOfRange,
    /// A length above the cap the caller gave for the field.
    TooLarge,
}

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Truncated => "input truncated",
            Self::TrailingBytes => "trailing bytes",
            Self::LengthOutOfRange => "length below the field's minimum",
            Self::TooLarge => "length above the field's maximum",
        })
    }
}

impl core::error::Error for DecodeError {}

/// Why one of our own structures could not be encoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum EncodeError {
    /// A vector of `len` bytes where its prefix allows at most `max` (255, 2^16 - 1 or
    /// 2^24 - 1).
    TooLong {
        /// The body's length.
        len: usize,
        /// The most the length prefix can express.
        max: usize,
    },
}

impl fmt::Display for EncodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::TooLong { len, max } => {
                write!(f, "{len} bytes do not fit a vector of at most {max} bytes")
            }
        }
    }
}

impl core::error::Error for EncodeError {}

/// The nom error of our parsers: it carries the caller's error `E`, so no nom
/// `ErrorKind` ever reaches a public API.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WireError<E>(pub E);

impl<'a, E: From<DecodeError>> nom::error::ParseError<&'a [u8]> for WireError<E> {
    fn from_error_kind(_input: &'a [u8], _kind: nom::error::ErrorKind) -> Self {
        // `complete` parsers over a length-bounded slice: the only way a nom
        // primitive fails there is running out of input.
        Self(E::from(DecodeError::Truncated))
    }

    fn append(_input: &'a [u8], _kind: nom::error::ErrorKind, other: Self) -> Self {
        other
    }
}

/// A parser result over a borrowed byte cursor, failing with `E`.
pub type PResult<'a, T, E> = IResult<&'a [u8], T, WireError<E>>;

/// A nom failure carrying `e`. `Failure`, not `Error`: no alternative parse exists.
pub fn fail<T, E>(e: E) -> Result<T, nom::Err<WireError<E>>> {
    Err(nom::Err::Failure(WireError(e)))
}

/// One byte.
pub fn be_u8<E: From<DecodeError>>(i: &[u8]) -> PResult<'_, u8, E> {
    nom::number::complete::be_u8(i)
}

/// A big-endian `uint16`.
pub fn be_u16<E: From<DecodeError>>(i: &[u8]) -> PResult<'_, u16, E> {
    nom::number::complete::be_u16(i)
}

/// A big-endian `uint24`.
pub fn be_u24<E: From<DecodeError>>(i: &[u8]) -> PResult<'_, u32, E> {
    nom::number::complete::be_u24(i)
}

/// A big-endian `uint32`.
pub fn be_u32<E: From<DecodeError>>(i: &[u8]) -> PResult<'_, u32, E> {
    nom::number::complete::be_u32(i)
}

/// Takes exactly `n` bytes.
pub fn take<E: From<DecodeError>>(i: &[u8], n: usize) -> PResult<'_, &[u8], E> {
    if n > i.len() {
        return fail(E::from(DecodeError::Truncated));
    }
    let (head, rest) = i.split_at(n);
    Ok((rest, head))
}

/// Width of a length prefix.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Len {
    /// `<..2^8-1>`
    U8,
    /// `<..2^16-1>`
    U16,
    /// `<..2^24-1>`
    U24,
}

impl Len {
    /// Bytes in the prefix.
    pub const fn width(self) -> usize {
        match self {
            Self::U8 => 1,
            Self::U16 => 2,
            Self::U24 => 3,
        }
    }

    /// The longest body the prefix can express.
    pub const fn max(self) -> usize {
        (1 << (8 * self.width())) - 1
    }
}

/// Reads a `<min..max>` vector's length prefix and returns its body, after checking
/// the length against `max`, then `min`, then the remaining input: nothing is
/// allocated before this.
pub fn prefixed<E: From<DecodeError>>(
    i: &[u8],
    len: Len,
    min: usize,
    max: usize,
) -> PResult<'_, &[u8], E> {
    let (i, n) = match len {
        Len::U8 => be_u8(i).map(|(i, n)| (i, usize::from(n)))?,
        Len::U16 => be_u16(i).map(|(i, n)| (i, usize::from(n)))?,
        Len::U24 => be_u24(i).map(|(i, n)| (i, n as usize))?,
    };
    if n > max {
        return fail(E::from(DecodeError::TooLarge));
    }
    if n < min {
        return fail(E::from(DecodeError::LengthOutOfRange));
    }
    take(i, n)
}

/// Reads a `<min..max>` vector of opaque bytes into a `Vec`.
pub fn opaque<E: From<DecodeError>>(
    i: &[u8],
    len: Len,
    min: usize,
    max: usize,
) -> PResult<'_, Vec<u8>, E> {
    let (i, body) = prefixed(i, len, min, max)?;
    Ok((i, body.to_vec()))
}

/// Parses elements until `body` (an already length-checked slice) is used up. Each
/// element must consume at least one byte, so the `Vec` never outgrows the input and
/// the loop always progresses.
pub fn list<'a, T, E: From<DecodeError>>(
    mut body: &'a [u8],
    mut elem: impl FnMut(&'a [u8]) -> PResult<'a, T, E>,
) -> Result<Vec<T>, nom::Err<WireError<E>>> {
    let mut out = Vec::new();
    while !body.is_empty() {
        let (rest, v) = elem(body)?;
        if rest.len() >= body.len() {
            return fail(E::from(DecodeError::LengthOutOfRange));
        }
        out.push(v);
        body = rest;
    }
    Ok(out)
}

/// Runs `p` on `i` and requires it to use all of `i`.
pub fn exact<'a, T, E: From<DecodeError>>(
    i: &'a [u8],
    p: impl FnOnce(&'a [u8]) -> PResult<'a, T, E>,
) -> Result<T, nom::Err<WireError<E>>> {
    let (rest, v) = p(i)?;
    if !rest.is_empty() {
        return fail(E::from(DecodeError::TrailingBytes));
    }
    Ok(v)
}

/// A layer's boundary: runs `p` over all of `i`, converting nom's error to `E`.
pub fn complete<'a, T, E: From<DecodeError>>(
    i: &'a [u8],
    p: impl FnOnce(&'a [u8]) -> PResult<'a, T, E>,
) -> Result<T, E> {
    exact(i, p).map_err(into_error)
}

/// The caller's error inside a nom error.
pub fn into_error<E: From<DecodeError>>(e: nom::Err<WireError<E>>) -> E {
    match e {
        nom::Err::Error(WireError(e)) | nom::Err::Failure(WireError(e)) => e,
        nom::Err::Incomplete(_) => E::from(DecodeError::Truncated),
    }
}

/// Appends a `len`-wide placeholder, runs `body`, then writes the body's length into
/// the placeholder: one pass, no intermediate buffer.
///
/// A body longer than the prefix can express (`2^(8·width) - 1` bytes) is refused with
/// [`EncodeError::TooLong`] and `out` is cut back to where it was, so a wrong length is
/// never written and nothing of the failed vector stays behind. The error of an inner
/// vector (a nested `with_len`) is passed on the same way.
pub fn with_len(
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
pub fn put_opaque(out: &mut Vec<u8>, len: Len, data: &[u8]) -> Result<(), EncodeError> {
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
/// an `encode` that fails appends nothing (not even the fields before the vector that
/// did not fit).
pub fn atomic(
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

/// Appends a big-endian `uint16`.
pub fn put_u16(out: &mut Vec<u8>, v: u16) {
    out.extend_from_slice(&v.to_be_bytes());
}

/// Appends a big-endian `uint32`.
pub fn put_u32(out: &mut Vec<u8>, v: u32) {
    out.extend_from_slice(&v.to_be_bytes());
}

#[cfg(test)]
mod tests {
    use alloc::vec;

    use super::*;

    type R<'a, T> = PResult<'a, T, DecodeError>;

    #[test]
    fn prefixed_checks_cap_then_minimum_then_input() {
        let p = |i: &'static [u8], len, min, max| -> R<'static, &'static [u8]> {
            prefixed(i, len, min, max)
        };
        assert_eq!(
            p(&[0, 3, 1, 2, 3, 9], Len::U16, 1, 3),
            Ok((&[9u8][..], &[1u8, 2, 3][..]))
        );
        let err = |r: R<'_, &[u8]>| into_error(r.unwrap_err());
        assert_eq!(
            err(p(&[0, 4, 1, 2, 3, 4], Len::U16, 1, 3)),
            DecodeError::TooLarge
        );
        assert_eq!(
            err(p(&[0, 0], Len::U16, 1, 3)),
            DecodeError::LengthOutOfRange
        );
        assert_eq!(
            err(p(&[0, 3, 1, 2], Len::U16, 1, 3)),
            DecodeError::Truncated
        );
        assert_eq!(err(p(&[0, 0], Len::U24, 0, 3)), DecodeError::Truncated);
    }

    #[test]
    fn list_refuses_an_element_that_consumes_nothing() {
        let nothing = |i| -> R<'_, ()> { Ok((i, ())) };
        assert_eq!(
            list(&[1, 2], nothing).map_err(into_error),
            Err(DecodeError::LengthOutOfRange)
        );
        assert_eq!(
            list(&[1, 2], be_u8::<DecodeError>).map_err(into_error),
            Ok(vec![1, 2])
        );
    }

    #[test]
    fn exact_refuses_trailing_bytes() {
        assert_eq!(complete(&[0, 7], be_u16::<DecodeError>), Ok(7));
        assert_eq!(
            complete(&[0, 7, 0], be_u16::<DecodeError>),
            Err(DecodeError::TrailingBytes)
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
    /// is refused and leaves `out` as it was (it once panicked in debug builds and
    /// wrote the length modulo 2^(8·width) in release builds).
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

    proptest::proptest! {
        /// Any body up to a U16 prefix's limit round-trips, and every strict prefix
        /// of the encoding is Truncated.
        #[test]
        fn opaque_round_trips_and_truncates(body in proptest::collection::vec(proptest::num::u8::ANY, 0..600)) {
            let mut out = Vec::new();
            put_opaque(&mut out, Len::U16, &body).unwrap();
            let parse = |i| -> R<'_, Vec<u8>> { opaque(i, Len::U16, 0, 0xffff) };
            proptest::prop_assert_eq!(complete(&out, parse), Ok(body.clone()));
            for cut in 0..out.len() {
                proptest::prop_assert_eq!(complete(&out[..cut], parse), Err(DecodeError::Truncated));
            }
        }
    }
}

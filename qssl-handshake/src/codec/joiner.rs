//! Reassembly of handshake messages from record payloads (RFC 8446 §5.1): one message
//! may span several records, one record may hold several messages.

use std::collections::VecDeque;

use super::HandshakeType;
use super::limits::DecodeLimits;
use super::message::{HANDSHAKE_HEADER_LEN, HandshakeHeader, HandshakeMessage};
use crate::error::InvalidMessage;

/// One complete handshake message, as the exact bytes received (header included): what
/// the transcript hash must take, whatever the parser makes of them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RawHandshake {
    typ: HandshakeType,
    bytes: Vec<u8>,
}

impl RawHandshake {
    /// `msg_type`.
    pub fn typ(&self) -> HandshakeType {
        self.typ
    }

    /// The whole message, header included, as received.
    pub fn bytes(&self) -> &[u8] {
        &self.bytes
    }

    /// The body (after the 4-byte header).
    pub fn body(&self) -> &[u8] {
        self.bytes.get(HANDSHAKE_HEADER_LEN..).unwrap_or_default()
    }

    /// Parses the message (its length was checked when its header arrived).
    pub fn parse(&self) -> Result<HandshakeMessage, InvalidMessage> {
        HandshakeMessage::parse_body(self.typ, self.body())
    }

    /// The bytes, header included.
    pub fn into_bytes(self) -> Vec<u8> {
        self.bytes
    }
}

/// Joins handshake record payloads into whole messages.
///
/// Each header's declared length is checked against [`DecodeLimits`] as soon as its
/// fourth byte arrives, before any of the body is stored: an oversized message is
/// refused with [`InvalidMessage::HandshakeMessageTooLarge`] (`decode_error`). Bodies
/// are then stored only as their bytes arrive, so memory stays bounded by the limit
/// plus what the caller has pushed. After an error every later call returns it again.
///
/// Whether a message may span a key change (RFC 8446 §5.1: it may not; the caller
/// checks [`is_mid_message`](Self::is_mid_message) before switching keys) and whether
/// zero-length handshake records are allowed are the record/connection's business.
///
/// ```
/// use qssl_handshake::{DecodeLimits, HandshakeJoiner, HandshakeType};
///
/// let mut joiner = HandshakeJoiner::new(DecodeLimits::default());
/// // A Finished (type 20, length 2) split over two records, then a KeyUpdate.
/// joiner.push(&[20, 0, 0]).unwrap();
/// assert!(joiner.pop().is_none());
/// joiner.push(&[2, 0xaa, 0xbb, 24, 0, 0, 1, 0]).unwrap();
/// let fin = joiner.pop().unwrap();
/// assert_eq!(fin.typ(), HandshakeType::FINISHED);
/// assert_eq!(fin.bytes(), [20, 0, 0, 2, 0xaa, 0xbb]);
/// assert_eq!(joiner.pop().unwrap().typ(), HandshakeType::KEY_UPDATE);
/// assert!(!joiner.is_mid_message());
/// ```
#[derive(Debug)]
pub struct HandshakeJoiner {
    limits: DecodeLimits,
    header: [u8; HANDSHAKE_HEADER_LEN],
    header_len: usize,
    /// The message whose header is complete: its declared body length and the bytes so far.
    current: Option<(HandshakeType, usize, Vec<u8>)>,
    ready: VecDeque<RawHandshake>,
    failed: Option<InvalidMessage>,
}

impl HandshakeJoiner {
    /// An empty joiner enforcing `limits`.
    pub fn new(limits: DecodeLimits) -> Self {
        Self {
            limits,
            header: [0; HANDSHAKE_HEADER_LEN],
            header_len: 0,
            current: None,
            ready: VecDeque::new(),
            failed: None,
        }
    }

    /// Takes in one handshake record's payload. Complete messages become available
    /// through [`pop`](Self::pop).
    pub fn push(&mut self, mut fragment: &[u8]) -> Result<(), InvalidMessage> {
        if let Some(e) = self.failed {
            return Err(e);
        }
        while !fragment.is_empty() {
            if let Some((typ, body_len, buf)) = &mut self.current {
                let want = HANDSHAKE_HEADER_LEN + *body_len - buf.len();
                let n = want.min(fragment.len());
                let (now, rest) = fragment.split_at(n);
                buf.extend_from_slice(now);
                fragment = rest;
                if buf.len() == HANDSHAKE_HEADER_LEN + *body_len {
                    let typ = *typ;
                    if let Some((_, _, bytes)) = self.current.take() {
                        self.ready.push_back(RawHandshake { typ, bytes });
                    }
                }
                continue;
            }
            let n = (HANDSHAKE_HEADER_LEN - self.header_len).min(fragment.len());
            let (now, rest) = fragment.split_at(n);
            self.header[self.header_len..self.header_len + n].copy_from_slice(now);
            self.header_len += n;
            fragment = rest;
            if self.header_len < HANDSHAKE_HEADER_LEN {
                continue;
            }
            let header = HandshakeHeader::from_bytes(self.header);
            if let Err(e) = header.check(&self.limits) {
                self.failed = Some(e);
                return Err(e);
            }
            self.header_len = 0;
            let body_len = header.len as usize;
            // Reserve only what is already here: a peer cannot make us allocate a whole
            // declared length by sending a header alone.
            let mut buf = Vec::with_capacity(HANDSHAKE_HEADER_LEN + body_len.min(fragment.len()));
            buf.extend_from_slice(&self.header);
            if body_len == 0 {
                self.ready.push_back(RawHandshake {
                    typ: header.typ,
                    bytes: buf,
                });
            } else {
                self.current = Some((header.typ, body_len, buf));
            }
        }
        Ok(())
    }

    /// The oldest complete message, if any.
    pub fn pop(&mut self) -> Option<RawHandshake> {
        self.ready.pop_front()
    }

    /// How many complete messages wait to be popped.
    pub fn ready_len(&self) -> usize {
        self.ready.len()
    }

    /// Whether part of a message (some header or body bytes) is buffered: a key change
    /// now would split a message across keys (`unexpected_message`, RFC 8446 §5.1).
    pub fn is_mid_message(&self) -> bool {
        self.header_len != 0 || self.current.is_some()
    }

    /// Bytes held for the message in progress (header included).
    pub fn buffered_len(&self) -> usize {
        self.header_len + self.current.as_ref().map_or(0, |(_, _, b)| b.len())
    }
}

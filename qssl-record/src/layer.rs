//! Both directions of a connection's record layer: the keys of each epoch, the
//! content rules every record obeys, and fragmentation of outgoing data.

use crate::deframer::InboundRecord;
use crate::error::RecordError;
use crate::header::RecordHeader;
use crate::limits::{MAX_EMPTY_RECORDS_IN_A_ROW, MAX_PLAINTEXT_LEN};
use crate::protector::{Protector, SealStatus};
use crate::types::{ContentType, ProtocolVersion};
use bytes::{BufMut, BytesMut};
use qssl_alert::TlsVersion;

/// The record layer of one connection: an optional [`Protector`] per direction.
///
/// With no protector a direction is in the clear (the start of every
/// handshake). The handshake installs keys per direction as it derives them
/// ([`set_read_protector`](Self::set_read_protector),
/// [`set_write_protector`](Self::set_write_protector)); each installation
/// starts a new epoch with sequence number 0 and wipes the previous key.
#[derive(Debug)]
pub struct RecordLayer {
    read: Option<Protector>,
    write: Option<Protector>,
    plaintext_version: ProtocolVersion,
    /// Whether a record has been deprotected: from then on the peer sends nothing in
    /// the clear but change_cipher_spec.
    has_decrypted: bool,
    /// Zero-length records received since the last non-empty one.
    empty_in_a_row: usize,
}

impl Default for RecordLayer {
    fn default() -> Self {
        Self::new()
    }
}

impl RecordLayer {
    /// A record layer with no keys, writing plaintext records as version 0x0303.
    pub fn new() -> Self {
        Self {
            read: None,
            write: None,
            plaintext_version: ProtocolVersion::TLSV1_2,
            has_decrypted: false,
            empty_in_a_row: 0,
        }
    }

    /// The `legacy_record_version` for records written in the clear. A client
    /// may use 0x0301 for its initial ClientHello (RFC 8446 §5.1).
    pub fn set_plaintext_version(&mut self, version: ProtocolVersion) {
        self.plaintext_version = version;
    }

    /// Installs the keys for reading (a new epoch).
    pub fn set_read_protector(&mut self, protector: Protector) {
        self.read = Some(protector);
    }

    /// Installs the keys for writing (a new epoch).
    pub fn set_write_protector(&mut self, protector: Protector) {
        self.write = Some(protector);
    }

    /// Removes the write keys: records are written in the clear again. Only for a
    /// TLS 1.3 client whose second ClientHello follows 0-RTT data it sent under the
    /// early traffic key (RFC 8446 §4.1.2: the second ClientHello is plaintext).
    pub fn clear_write_protector(&mut self) {
        self.write = None;
    }

    /// The read direction's protector, if keys are installed.
    pub fn read_protector(&self) -> Option<&Protector> {
        self.read.as_ref()
    }

    /// Whether a protected record has been opened successfully. A TLS 1.3 peer may
    /// send an alert in the clear only before its first protected record (it fails
    /// before it has keys); once one has been opened, a plaintext alert cannot be the
    /// peer's and must go through [`open`](Self::open), which refuses it.
    pub fn has_decrypted(&self) -> bool {
        self.has_decrypted
    }

    /// The write direction's protector, if keys are installed (e.g. to set padding).
    pub fn write_protector_mut(&mut self) -> Option<&mut Protector> {
        self.write.as_mut()
    }

    /// The write direction's protector, if keys are installed.
    pub fn write_protector(&self) -> Option<&Protector> {
        self.write.as_ref()
    }

    /// Largest content per outgoing record: 2^14, or less under the peer's
    /// record_size_limit (RFC 8449; in TLS 1.3 minus the inner type byte).
    pub fn max_fragment_len(&self) -> usize {
        self.write
            .as_ref()
            .map_or(MAX_PLAINTEXT_LEN, Protector::max_fragment_len)
    }

    /// Whether the write key has reached its usage threshold (RFC 8446 §5.5).
    pub fn needs_key_update(&self) -> bool {
        self.write.as_ref().is_some_and(Protector::needs_key_update)
    }

    /// Fragments `data` into records of at most
    /// [`max_fragment_len`](Self::max_fragment_len) bytes, protects them if
    /// write keys are installed, and appends them to `out`.
    ///
    /// Empty application data becomes one empty record (RFC 8446 §5.1 allows
    /// it). Empty handshake or alert data, and application data without keys,
    /// are refused (RFC 8446 §5.1, §5.4). Returns the most urgent
    /// [`SealStatus`] of the records written.
    pub fn write(
        &mut self,
        typ: ContentType,
        data: &[u8],
        out: &mut BytesMut,
    ) -> Result<SealStatus, RecordError> {
        if data.is_empty() && typ != ContentType::APPLICATION_DATA {
            return Err(RecordError::RefusedToSend(typ));
        }
        let max = self.max_fragment_len().max(1);
        let mut status = SealStatus::Ok;
        match &mut self.write {
            Some(p) => {
                // One reservation for every record of this write: a large write
                // grows the output buffer once, not once per record.
                let full = data.len() / max;
                let rest = data.len() % max;
                let total = full.saturating_mul(p.sealed_len(max)).saturating_add(
                    if rest > 0 || data.is_empty() {
                        p.sealed_len(rest)
                    } else {
                        0
                    },
                );
                out.reserve(total);
                let mut chunks = data.chunks(max);
                let first = chunks.next().unwrap_or(&[]);
                for chunk in core::iter::once(first).chain(chunks) {
                    status = status.max(p.seal_into(typ, chunk, out)?);
                }
            }
            None => {
                if typ == ContentType::APPLICATION_DATA {
                    return Err(RecordError::RefusedToSend(typ));
                }
                for chunk in data.chunks(max) {
                    let header = RecordHeader {
                        typ,
                        version: self.plaintext_version,
                        len: chunk.len() as u16,
                    };
                    out.reserve(chunk.len() + crate::HEADER_LEN);
                    out.put_slice(&header.to_bytes());
                    out.put_slice(chunk);
                }
            }
        }
        Ok(status)
    }

    /// Deprotects `record` in place (if read keys are installed) and checks the
    /// content rules; returns the real content type and the content.
    ///
    /// Rules applied (each names its alert in [`RecordError::alert`]):
    /// - no read keys: application data is refused (RFC 8446 §5.1: "Application
    ///   Data records MUST NOT be written to the wire unprotected");
    /// - TLS 1.3 read keys: a plaintext change_cipher_spec passes through (the
    ///   handshake decides whether it is in its allowed window, RFC 8446 §5);
    ///   any other outer type than application_data is refused;
    /// - a protected change_cipher_spec is refused (RFC 8446 §5), and under TLS 1.2
    ///   read keys any change_cipher_spec record (the one allowed came before them);
    /// - zero-length handshake or alert content is `unexpected_message`
    ///   (RFC 8446 §5.4); an alert record holds exactly two bytes (RFC 8446 §5.1),
    ///   otherwise `decode_error` (§6); change_cipher_spec is exactly `0x01`;
    /// - plaintext longer than 2^14 (or the advertised record_size_limit) is
    ///   `record_overflow`;
    /// - more than [`MAX_EMPTY_RECORDS_IN_A_ROW`] zero-length records (only
    ///   application data may be empty) without a non-empty record between them are
    ///   `unexpected_message` ([`RecordError::TooManyEmptyRecords`]): each costs us a
    ///   decryption and gives the reader nothing, so an unbounded run of them keeps a
    ///   reader busy for ever.
    pub fn open<'a>(
        &mut self,
        record: InboundRecord<'a>,
    ) -> Result<(ContentType, &'a mut [u8]), RecordError> {
        let outer = record.header.typ;
        let (typ, data) = match &mut self.read {
            Some(p)
                if p.version() == TlsVersion::Tls13 && outer == ContentType::CHANGE_CIPHER_SPEC =>
            {
                (outer, record.payload)
            }
            // TLS 1.2: the change_cipher_spec came before the read key; another one
            // after it is out of place (RFC 5246 §7.1), whatever it holds.
            Some(p)
                if p.version() == TlsVersion::Tls12 && outer == ContentType::CHANGE_CIPHER_SPEC =>
            {
                return Err(RecordError::ProtectedChangeCipherSpec);
            }
            Some(p) => {
                let (typ, data) = p.open_in_place(record)?;
                self.has_decrypted = true;
                if typ == ContentType::CHANGE_CIPHER_SPEC {
                    return Err(RecordError::ProtectedChangeCipherSpec);
                }
                (typ, data)
            }
            None => {
                if outer == ContentType::APPLICATION_DATA {
                    return Err(RecordError::UnexpectedPlaintext(outer));
                }
                (outer, record.payload)
            }
        };
        check_content(typ, data)?;
        if data.is_empty() {
            self.empty_in_a_row += 1;
            if self.empty_in_a_row > MAX_EMPTY_RECORDS_IN_A_ROW {
                return Err(RecordError::TooManyEmptyRecords);
            }
        } else {
            self.empty_in_a_row = 0;
        }
        Ok((typ, data))
    }
}

/// The per-type rules of RFC 8446 §5.1 and §5.4, for protected and
/// unprotected records alike.
fn check_content(typ: ContentType, data: &[u8]) -> Result<(), RecordError> {
    if data.len() > MAX_PLAINTEXT_LEN {
        return Err(RecordError::PlaintextOverflow {
            len: data.len(),
            max: MAX_PLAINTEXT_LEN,
        });
    }
    match typ {
        // "Implementations MUST NOT send Handshake and Alert records that have a
        // zero-length TLSInnerPlaintext.content; if such a message is received,
        // the receiving implementation MUST terminate the connection with an
        // 'unexpected_message' alert." (RFC 8446 §5.4)
        ContentType::HANDSHAKE | ContentType::ALERT if data.is_empty() => {
            Err(RecordError::EmptyFragment(typ))
        }
        // "a record with an Alert type MUST contain exactly one message" (§5.1);
        // anything else cannot be parsed as one alert: decode_error (§6).
        ContentType::ALERT if data.len() != 2 => Err(RecordError::AlertLength(data.len())),
        // "An implementation which receives any other change_cipher_spec value
        // ... MUST abort the handshake with an 'unexpected_message' alert." (§5)
        ContentType::CHANGE_CIPHER_SPEC if data != [1] => Err(RecordError::BadChangeCipherSpec),
        t if !t.is_supported() => Err(RecordError::UnknownContentType(t)),
        _ => Ok(()),
    }
}

//! Sans-I/O reassembly of records from a byte stream.

use std::collections::VecDeque;
use std::ops::Range;

use crate::error::RecordError;
use crate::header::{HEADER_LEN, RecordHeader};
use crate::limits::{MAX_CIPHERTEXT_LEN_TLS12, MAX_CIPHERTEXT_LEN_TLS13};
use qssl_alert::TlsVersion;

/// One whole record, borrowed from the [`Deframer`]'s buffer.
///
/// `payload` is mutable so that it can be decrypted where it lies
/// ([`RecordLayer::open`](crate::RecordLayer::open)); nothing is copied or
/// allocated per record.
#[derive(Debug)]
pub struct InboundRecord<'a> {
    /// The header as received.
    pub header: RecordHeader,
    /// The `header.len` bytes after it.
    pub payload: &'a mut [u8],
}

/// Collects bytes in any split (partial headers, partial bodies, many records
/// in one read) and yields whole records.
///
/// The buffer is bounded: it never holds more than one maximum-size record plus
/// its header, so a peer cannot make it grow. A header that declares more than
/// the configured limit is rejected as `record_overflow` as soon as its five
/// bytes are in, before any of the body is kept. After an error the deframer
/// returns that same error forever.
///
/// Two ways to feed it: [`extend`](Self::extend) copies from a slice, and
/// [`spare_capacity`](Self::spare_capacity) + [`commit`](Self::commit) let a
/// caller read from a socket straight into the buffer.
///
/// Decrypted application data can stay where it was decrypted until the reader takes
/// it ([`hold`](Self::hold), [`read_held`](Self::read_held)): one copy, into the
/// reader's buffer, between the AEAD and the application. Held plaintext does not
/// count against the one-record bound, which applies to the bytes not yet handed
/// out as records; the caller bounds how much it holds ([`held_len`](Self::held_len)).
///
/// The buffer costs nothing while the connection is idle: it is freed once every
/// byte received has been handed out as a record (the `None` of
/// [`next_record`](Self::next_record) that follows), and allocated again, whole, by
/// the next read, so that one read still takes up to a full record (callers that
/// read once per flight keep working).
#[derive(Debug)]
pub struct Deframer {
    buf: Vec<u8>,
    start: usize,
    end: usize,
    max_record_len: usize,
    failed: Option<RecordError>,
    /// Held plaintext, oldest first: ranges of `buf`, all before `start`, the first
    /// one shortened from the front as it is read.
    held: VecDeque<Range<usize>>,
    /// Their total length.
    held_len: usize,
    /// The payload of the record last handed out, while it may be held.
    last_payload: Option<Range<usize>>,
}

impl Deframer {
    /// A deframer that accepts records of up to `max_record_len` bytes after the
    /// header (see [`MAX_CIPHERTEXT_LEN_TLS13`], [`MAX_CIPHERTEXT_LEN_TLS12`]).
    pub fn new(max_record_len: usize) -> Self {
        Self {
            buf: Vec::new(),
            start: 0,
            end: 0,
            max_record_len: max_record_len.min(usize::from(u16::MAX)),
            failed: None,
            held: VecDeque::new(),
            held_len: 0,
            last_payload: None,
        }
    }

    /// A deframer with the protocol limit of `version`. Before the version is
    /// negotiated, a client offering TLS 1.2 uses the TLS 1.2 (larger) limit.
    pub fn for_version(version: TlsVersion) -> Self {
        Self::new(match version {
            TlsVersion::Tls12 => MAX_CIPHERTEXT_LEN_TLS12,
            TlsVersion::Tls13 => MAX_CIPHERTEXT_LEN_TLS13,
        })
    }

    /// Changes the limit, e.g. once TLS 1.3 has been negotiated. Applies to
    /// headers not yet read.
    pub fn set_max_record_len(&mut self, max_record_len: usize) {
        self.max_record_len = max_record_len.min(usize::from(u16::MAX));
    }

    /// The limit in force.
    pub fn max_record_len(&self) -> usize {
        self.max_record_len
    }

    fn capacity(&self) -> usize {
        HEADER_LEN + self.max_record_len
    }

    /// Bytes received and not yet handed out as records.
    pub fn buffered_len(&self) -> usize {
        self.end - self.start
    }

    /// Whether part of a record is waiting for more bytes: at the transport's
    /// end of stream this means the peer's data was truncated.
    pub fn has_partial_record(&self) -> bool {
        self.buffered_len() > 0
    }

    /// Where the bytes not yet handed out as records may reach in `buf`: one record
    /// past `start`; without held plaintext, one record from the buffer's front (so
    /// the buffer never exceeds one record).
    fn limit(&self) -> usize {
        if self.held.is_empty() {
            self.capacity()
        } else {
            self.start + self.capacity()
        }
    }

    /// Moves the bytes still needed (held plaintext and bytes not yet handed out) to
    /// the front. Without held plaintext: when the free tail is too small to be
    /// worth reading into. With it: once the bytes no longer needed before `start`
    /// (headers, tags, records not held, plaintext read) are as many as those kept,
    /// so the buffer stays within twice what is kept, and each byte is moved a
    /// bounded number of times on average however the reader and the peer
    /// interleave. Consumed bytes are only skipped over until then.
    fn compact(&mut self, wanted: usize) {
        // A compaction moves the last record's payload: it can no longer be held.
        self.last_payload = None;
        if self.held.is_empty() {
            if self.start == self.end {
                self.start = 0;
                self.end = 0;
            }
            let cap = self.capacity();
            let tail = cap.saturating_sub(self.end);
            if self.start > 0 && (tail < wanted.min(cap / 2) || tail == 0) {
                self.buf.copy_within(self.start..self.end, 0);
                self.end -= self.start;
                self.start = 0;
            }
            return;
        }
        let dead = self.start - self.held_len;
        let kept = self.held_len + (self.end - self.start);
        if dead > 0 && dead >= kept {
            // The held ranges become one, at the front, then the unread bytes.
            let mut at = 0;
            for r in &self.held {
                self.buf.copy_within(r.clone(), at);
                at += r.len();
            }
            self.held.clear();
            self.held.push_back(0..at);
            self.buf.copy_within(self.start..self.end, at);
            self.end = at + (self.end - self.start);
            self.start = at;
        }
    }

    /// Keeps `range` of the payload of the record [`next_record`](Self::next_record)
    /// handed out last (its decrypted content, e.g. `0..len` for TLS 1.3) for
    /// [`read_held`](Self::read_held), after the plaintext held already. Call it
    /// before anything else touches the deframer. `false` (nothing held) if there is
    /// no such record or `range` is not inside its payload: a caller's bug.
    pub fn hold(&mut self, range: Range<usize>) -> bool {
        let Some(payload) = self.last_payload.take() else {
            return false;
        };
        if range.start > range.end || range.end > payload.len() {
            return false;
        }
        if range.start < range.end {
            self.held_len += range.end - range.start;
            self.held
                .push_back(payload.start + range.start..payload.start + range.end);
        }
        true
    }

    /// Bytes of held plaintext not yet read.
    pub fn held_len(&self) -> usize {
        self.held_len
    }

    /// Moves held plaintext, oldest first, into `out`; returns how many bytes. The
    /// buffer is freed once nothing is held or waiting.
    pub fn read_held(&mut self, out: &mut [u8]) -> usize {
        let mut n = 0;
        while n < out.len() {
            let Some(front) = self.held.front_mut() else {
                break;
            };
            let take = front.len().min(out.len() - n);
            out[n..n + take].copy_from_slice(&self.buf[front.start..front.start + take]);
            front.start += take;
            n += take;
            if front.start == front.end {
                self.held.pop_front();
            }
        }
        self.held_len -= n;
        if self.held.is_empty() && self.start == self.end {
            self.release();
        }
        n
    }

    /// Frees the buffer: nothing is held and every byte received was handed out.
    fn release(&mut self) {
        self.buf = Vec::new();
        self.held = VecDeque::new();
        self.start = 0;
        self.end = 0;
        self.last_payload = None;
    }

    /// Copies as much of `data` as fits and returns how many bytes were taken.
    /// Fewer than `data.len()` means the buffer holds a full record: take
    /// records with [`next_record`](Self::next_record), then offer the rest again.
    pub fn extend(&mut self, data: &[u8]) -> usize {
        self.compact(data.len());
        let room = self.limit().saturating_sub(self.end);
        let n = data.len().min(room);
        if self.buf.len() < self.end + n {
            self.buf.resize(self.end + n, 0);
        }
        self.buf[self.end..self.end + n].copy_from_slice(&data[..n]);
        self.end += n;
        n
    }

    /// The free part of the buffer, for a caller to read into; follow with
    /// [`commit`](Self::commit). Empty when the buffer holds a full record that
    /// has not been taken yet.
    pub fn spare_capacity(&mut self) -> &mut [u8] {
        self.compact(usize::MAX);
        let limit = self.limit();
        if self.buf.len() < limit {
            self.buf.resize(limit, 0);
        }
        let end = self.end.min(limit);
        &mut self.buf[end..limit]
    }

    /// Bytes of heap the buffer holds now (0 when idle).
    pub fn allocated(&self) -> usize {
        self.buf.capacity()
    }

    /// Marks `n` bytes written into [`spare_capacity`](Self::spare_capacity) as received.
    ///
    /// # Panics
    /// If `n` is larger than the slice `spare_capacity` returned (a caller bug).
    pub fn commit(&mut self, n: usize) {
        assert!(
            self.end + n <= self.buf.len().min(self.limit()),
            "Deframer::commit beyond spare capacity"
        );
        self.end += n;
    }

    /// The next whole record, `None` if more bytes are needed, or the error
    /// that ends the connection.
    pub fn next_record(&mut self) -> Option<Result<InboundRecord<'_>, RecordError>> {
        if let Some(e) = self.failed {
            return Some(Err(e));
        }
        let avail = &self.buf[self.start..self.end];
        let header = match RecordHeader::parse(avail) {
            Ok(Some(h)) => h,
            Ok(None) => {
                if avail.is_empty() && self.held.is_empty() {
                    // Everything received was handed out and nothing is held: release
                    // the buffer until the next read (an idle connection keeps no
                    // 16 KiB buffer).
                    self.release();
                }
                return None;
            }
            Err(e) => return Some(Err(self.fail(e))),
        };
        if !header.typ.is_supported() {
            return Some(Err(self.fail(RecordError::UnknownContentType(header.typ))));
        }
        let len = usize::from(header.len);
        if len > self.max_record_len {
            return Some(Err(self.fail(RecordError::CiphertextOverflow {
                len,
                max: self.max_record_len,
            })));
        }
        if avail.len() < HEADER_LEN + len {
            return None;
        }
        let body = self.start + HEADER_LEN;
        self.start = body + len;
        self.last_payload = Some(body..body + len);
        Some(Ok(InboundRecord {
            header,
            payload: &mut self.buf[body..body + len],
        }))
    }

    fn fail(&mut self, e: RecordError) -> RecordError {
        self.failed = Some(e);
        e
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::types::{ContentType, ProtocolVersion};
    use proptest::prelude::*;
    use qssl_alert::AlertDescription;

    fn record(typ: u8, version: u16, body: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        RecordHeader {
            typ: ContentType(typ),
            version: ProtocolVersion(version),
            len: u16::try_from(body.len()).unwrap(),
        }
        .encode(&mut out);
        out.extend_from_slice(body);
        out
    }

    #[test]
    fn several_records_in_one_read() {
        let mut d = Deframer::for_version(TlsVersion::Tls13);
        let mut wire = record(22, 0x0301, b"hello");
        wire.extend(record(23, 0x0303, b""));
        wire.extend(record(21, 0x0303, &[1, 0]));
        wire.extend(&[22, 3, 3]); // a partial header at the end
        assert_eq!(d.extend(&wire), wire.len());
        let r = d.next_record().unwrap().unwrap();
        assert_eq!(r.header.typ, ContentType::HANDSHAKE);
        assert_eq!(r.header.version, ProtocolVersion::TLSV1_0);
        assert_eq!(r.payload, b"hello");
        assert!(d.next_record().unwrap().unwrap().payload.is_empty());
        assert_eq!(d.next_record().unwrap().unwrap().payload, [1, 0]);
        assert!(d.next_record().is_none());
        assert!(d.has_partial_record());
        d.extend(&[0, 1, 9]);
        assert_eq!(d.next_record().unwrap().unwrap().payload, [9]);
        assert!(!d.has_partial_record());
    }

    #[test]
    fn overflow_is_rejected_from_the_header_alone() {
        for (version, max) in [
            (TlsVersion::Tls13, MAX_CIPHERTEXT_LEN_TLS13),
            (TlsVersion::Tls12, MAX_CIPHERTEXT_LEN_TLS12),
        ] {
            // Exactly the limit is fine: the header is accepted and the body awaited.
            let mut d = Deframer::for_version(version);
            let ok = u16::try_from(max).unwrap().to_be_bytes();
            d.extend(&[23, 3, 3, ok[0], ok[1]]);
            assert!(d.next_record().is_none());

            let mut d = Deframer::for_version(version);
            let over = u16::try_from(max + 1).unwrap().to_be_bytes();
            d.extend(&[23, 3, 3, over[0], over[1]]);
            let err = d.next_record().unwrap().unwrap_err();
            assert_eq!(err, RecordError::CiphertextOverflow { len: max + 1, max });
            assert_eq!(err.alert(), AlertDescription::RECORD_OVERFLOW);
            // Sticky.
            assert_eq!(d.next_record().unwrap().unwrap_err(), err);
        }
    }

    #[test]
    fn unknown_and_heartbeat_types_are_unexpected_message() {
        for typ in [0u8, 19, 24, 25, 255] {
            let mut d = Deframer::for_version(TlsVersion::Tls13);
            d.extend(&record(typ, 0x0303, b"x"));
            let err = d.next_record().unwrap().unwrap_err();
            assert_eq!(err, RecordError::UnknownContentType(ContentType(typ)));
            assert_eq!(err.alert(), AlertDescription::UNEXPECTED_MESSAGE);
        }
    }

    #[test]
    fn non_tls_major_version_is_decode_error() {
        let mut d = Deframer::for_version(TlsVersion::Tls13);
        d.extend(&record(22, 0x0203, b"x"));
        let err = d.next_record().unwrap().unwrap_err();
        assert_eq!(err.alert(), AlertDescription::DECODE_ERROR);
    }

    #[test]
    fn buffer_is_bounded_and_spare_capacity_reads_in_place() {
        let mut d = Deframer::new(100);
        let big = vec![0xaa; 1000];
        // Only one maximum record (plus header) fits.
        assert_eq!(d.extend(&big), 105);
        let mut d = Deframer::new(100);
        let wire: Vec<u8> = (0..3).flat_map(|i| record(23, 0x0303, &[i; 60])).collect();
        let mut fed = 0;
        let mut got = Vec::new();
        while got.len() < 3 {
            let spare = d.spare_capacity();
            let n = spare.len().min(wire.len() - fed).min(37);
            spare[..n].copy_from_slice(&wire[fed..fed + n]);
            d.commit(n);
            fed += n;
            while let Some(r) = d.next_record() {
                got.push(r.unwrap().payload.to_vec());
            }
        }
        assert_eq!(got, vec![vec![0u8; 60], vec![1u8; 60], vec![2u8; 60]]);
    }

    #[test]
    fn the_buffer_is_freed_when_idle_and_allocated_again_by_the_next_read() {
        let mut d = Deframer::for_version(TlsVersion::Tls13);
        assert_eq!(d.allocated(), 0);
        let body = vec![7u8; 16 * 1024];
        let wire = record(23, 0x0303, &body);
        // One read can take a whole record.
        let spare = d.spare_capacity();
        assert!(spare.len() >= wire.len());
        spare[..wire.len()].copy_from_slice(&wire);
        d.commit(wire.len());
        assert_eq!(d.next_record().unwrap().unwrap().payload, &body[..]);
        // All handed out: the next look frees the buffer.
        assert!(d.next_record().is_none());
        assert_eq!(d.allocated(), 0);
        // A partial record keeps it.
        d.extend(&wire[..100]);
        assert!(d.next_record().is_none());
        assert!(d.allocated() >= 100);
        d.extend(&wire[100..]);
        assert_eq!(d.next_record().unwrap().unwrap().payload, &body[..]);
        assert!(d.next_record().is_none());
        assert_eq!(d.allocated(), 0);
        // And the next read has the whole bound again.
        assert_eq!(
            d.spare_capacity().len(),
            HEADER_LEN + MAX_CIPHERTEXT_LEN_TLS13
        );
    }

    #[test]
    fn hold_takes_only_the_last_records_payload() {
        let mut d = Deframer::for_version(TlsVersion::Tls13);
        assert!(!d.hold(0..0), "no record handed out yet");
        d.extend(&record(23, 0x0303, b"hello world"));
        d.extend(&record(23, 0x0303, b"xyz"));
        assert_eq!(d.next_record().unwrap().unwrap().payload, b"hello world");
        assert!(!d.hold(0..12), "beyond the payload");
        // A refused hold uses up the chance: the record is gone.
        assert!(!d.hold(0..5));
        assert_eq!(d.next_record().unwrap().unwrap().payload, b"xyz");
        assert!(d.hold(1..3));
        assert!(!d.hold(0..1), "once per record");
        assert!(d.next_record().is_none());
        assert_eq!(d.held_len(), 2);
        assert!(d.allocated() > 0, "held plaintext keeps the buffer");
        let mut out = [0u8; 8];
        assert_eq!(d.read_held(&mut out), 2);
        assert_eq!(&out[..2], b"yz");
        assert_eq!(d.allocated(), 0, "freed once read");
    }

    /// A peer sending records that are not held (handshake messages, say) behind
    /// held plaintext that is never read cannot grow the buffer with them: the
    /// bytes no longer needed are squeezed out.
    #[test]
    fn records_behind_unread_plaintext_do_not_accumulate() {
        let mut d = Deframer::new(400);
        d.extend(&record(23, 0x0303, b"kept"));
        assert_eq!(d.next_record().unwrap().unwrap().payload, b"kept");
        assert!(d.hold(0..4));
        let other = record(22, 0x0303, &[0x55; 300]);
        for _ in 0..1000 {
            let mut fed = 0;
            while fed < other.len() {
                fed += d.extend(&other[fed..]);
                while let Some(r) = d.next_record() {
                    assert_eq!(r.unwrap().payload.len(), 300);
                }
            }
            assert!(d.allocated() < 4096, "{} bytes", d.allocated());
        }
        let mut out = [0u8; 8];
        assert_eq!(d.read_held(&mut out), 4);
        assert_eq!(&out[..4], b"kept");
        assert_eq!(d.allocated(), 0);
    }

    /// A strategy for whole records with any supported type and SSL3/TLS version.
    fn records() -> impl Strategy<Value = Vec<(u8, u16, Vec<u8>)>> {
        proptest::collection::vec(
            (
                20u8..=23,
                0x0300u16..=0x0304,
                proptest::collection::vec(any::<u8>(), 0..400),
            ),
            0..8,
        )
    }

    proptest! {
        #[test]
        fn any_chunking_gives_the_same_records(
            recs in records(),
            cuts in proptest::collection::vec(1usize..600, 0..40),
            use_spare: bool,
        ) {
            let wire: Vec<u8> = recs.iter().flat_map(|(t, v, b)| record(*t, *v, b)).collect();
            let mut d = Deframer::new(400);
            let mut got = Vec::new();
            let mut fed = 0;
            let mut cuts = cuts.into_iter().cycle();
            while fed < wire.len() {
                let want = cuts.next().unwrap_or(wire.len()).min(wire.len() - fed);
                let n = if use_spare {
                    let spare = d.spare_capacity();
                    let n = want.min(spare.len());
                    spare[..n].copy_from_slice(&wire[fed..fed + n]);
                    d.commit(n);
                    n
                } else {
                    d.extend(&wire[fed..fed + want])
                };
                fed += n;
                while let Some(r) = d.next_record() {
                    let r = r.unwrap();
                    got.push((r.header.typ.0, r.header.version.0, r.payload.to_vec()));
                }
                prop_assert!(n > 0 || want == 0, "no progress");
            }
            prop_assert_eq!(got, recs);
            prop_assert!(!d.has_partial_record());
        }

        /// Records held in part (any range of their payload) and read back in reads
        /// of any size, interleaved with more bytes arriving: the reader gets exactly
        /// the held ranges, in order, and the buffer stays within a bound of what is
        /// kept (a small multiple of the held bytes and one record).
        #[test]
        fn held_plaintext_reads_back_in_order_within_a_bound(
            recs in records(),
            holds in proptest::collection::vec((any::<prop::sample::Index>(), any::<prop::sample::Index>(), any::<bool>()), 8),
            cuts in proptest::collection::vec(1usize..600, 1..40),
            reads in proptest::collection::vec(1usize..700, 1..40),
        ) {
            let wire: Vec<u8> = recs.iter().flat_map(|(t, v, b)| record(*t, *v, b)).collect();
            let mut d = Deframer::new(400);
            let (mut expected, mut got) = (Vec::new(), Vec::new());
            let mut fed = 0;
            let mut taken = 0;
            let mut cuts = cuts.into_iter().cycle();
            let mut reads = reads.into_iter().cycle();
            let mut out = vec![0u8; 700];
            while fed < wire.len() || d.held_len() > 0 {
                if fed < wire.len() {
                    let want = cuts.next().unwrap_or(1).min(wire.len() - fed);
                    let spare = d.spare_capacity();
                    let n = want.min(spare.len());
                    spare[..n].copy_from_slice(&wire[fed..fed + n]);
                    d.commit(n);
                    fed += n;
                    prop_assert!(n > 0, "no progress");
                }
                while let Some(r) = d.next_record() {
                    let len = r.unwrap().payload.len();
                    let (a, b, keep) = holds[taken % holds.len()];
                    let body = &recs[taken].2;
                    taken += 1;
                    if keep {
                        let (x, y) = if len == 0 { (0, 0) } else {
                            let (x, y) = (a.index(len + 1), b.index(len + 1));
                            (x.min(y), x.max(y))
                        };
                        prop_assert!(d.hold(x..y));
                        expected.extend_from_slice(&body[x..y]);
                    }
                }
                let n = reads.next().unwrap_or(1);
                let k = d.read_held(&mut out[..n]);
                prop_assert!(k == n.min(k + d.held_len()));
                got.extend_from_slice(&out[..k]);
                prop_assert!(
                    d.allocated() <= 8 * (d.held_len() + HEADER_LEN + 400),
                    "{} bytes allocated for {} held", d.allocated(), d.held_len()
                );
            }
            prop_assert_eq!(taken, recs.len());
            prop_assert_eq!(got, expected);
            prop_assert_eq!(d.allocated(), 0);
        }

        #[test]
        fn truncation_yields_a_prefix_then_needs_more(recs in records(), cut: prop::sample::Index) {
            let wire: Vec<u8> = recs.iter().flat_map(|(t, v, b)| record(*t, *v, b)).collect();
            let cut = if wire.is_empty() { 0 } else { cut.index(wire.len()) };
            let mut d = Deframer::new(400);
            let mut got = Vec::new();
            let mut fed = 0;
            loop {
                fed += d.extend(&wire[fed..cut]);
                while let Some(r) = d.next_record() {
                    let r = r.unwrap();
                    got.push((r.header.typ.0, r.header.version.0, r.payload.to_vec()));
                }
                if fed == cut { break; }
            }
            prop_assert!(got.len() <= recs.len());
            prop_assert_eq!(&got[..], &recs[..got.len()]);
            // Every record wholly inside the cut was yielded; the rest is partial.
            let whole = recs.iter().scan(0, |end, r| { *end += HEADER_LEN + r.2.len(); Some(*end) })
                .take_while(|&end| end <= cut).count();
            prop_assert_eq!(got.len(), whole);
            let used: usize = got.iter().map(|r| HEADER_LEN + r.2.len()).sum();
            prop_assert_eq!(d.has_partial_record(), used < cut);
        }

        #[test]
        fn random_bytes_never_panic(
            bytes in proptest::collection::vec(any::<u8>(), 0..3000),
            chunk in 1usize..700,
            max in 0usize..20_000,
        ) {
            let mut d = Deframer::new(max);
            let mut error = None;
            for piece in bytes.chunks(chunk) {
                let mut piece = piece;
                loop {
                    let n = d.extend(piece);
                    piece = &piece[n..];
                    loop {
                        match d.next_record() {
                            None => break,
                            Some(Ok(r)) => prop_assert!(r.payload.len() <= max),
                            Some(Err(e)) => {
                                if let Some(prev) = error { prop_assert_eq!(prev, e); }
                                error = Some(e);
                                break;
                            }
                        }
                    }
                    if piece.is_empty() || error.is_some() { break; }
                }
                if error.is_some() { break; }
            }
            prop_assert!(d.buffered_len() <= HEADER_LEN + max);
        }
    }
}

//! Record framing seen from outside the connection: a transport wrapper that follows
//! the TLS record headers (RFC 8446 §5.1: type, version, 2-byte length) in the bytes
//! it reads, so the pool can tell whether the connection's record buffer holds part
//! of a record, without reaching into the connection.

use std::io::{self, Read, Write};

/// A transport whose reads are followed record by record.
#[derive(Debug)]
pub(crate) struct Tracked<T> {
    pub(crate) inner: T,
    /// Header bytes of the record being received (0 at a boundary).
    header: [u8; 5],
    header_len: usize,
    /// Body bytes of the current record not yet received.
    body_left: usize,
}

impl<T> Tracked<T> {
    pub(crate) fn new(inner: T) -> Self {
        Self {
            inner,
            header: [0; 5],
            header_len: 0,
            body_left: 0,
        }
    }

    /// Whether every byte read so far belongs to a whole record.
    pub(crate) fn at_record_boundary(&self) -> bool {
        self.header_len == 0 && self.body_left == 0
    }

    fn follow(&mut self, mut bytes: &[u8]) {
        // Each turn consumes at least one byte.
        while !bytes.is_empty() {
            if self.body_left > 0 {
                let n = self.body_left.min(bytes.len());
                self.body_left -= n;
                bytes = &bytes[n..];
                continue;
            }
            let need = 5 - self.header_len;
            let n = need.min(bytes.len());
            self.header[self.header_len..self.header_len + n].copy_from_slice(&bytes[..n]);
            self.header_len += n;
            bytes = &bytes[n..];
            if self.header_len == 5 {
                self.body_left = usize::from(u16::from_be_bytes([self.header[3], self.header[4]]));
                self.header_len = 0;
            }
        }
    }
}

impl<T: Read> Read for Tracked<T> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.follow(&buf[..n]);
        Ok(n)
    }
}

impl<T: Write> Write for Tracked<T> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.inner.write(buf)
    }
    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(len: u16) -> Vec<u8> {
        let mut r = vec![23, 3, 3];
        r.extend_from_slice(&len.to_be_bytes());
        r.extend(std::iter::repeat_n(0xAA, usize::from(len)));
        r
    }

    #[test]
    fn follows_records_split_anywhere() {
        let mut stream = record(10);
        stream.extend(record(0));
        stream.extend(record(300));
        let boundaries = [15usize, 20, stream.len()];
        for split in 0..=stream.len() {
            let mut t = Tracked::new(io::empty());
            t.follow(&stream[..split]);
            assert_eq!(
                t.at_record_boundary(),
                split == 0 || boundaries.contains(&split),
                "after {split} bytes"
            );
            t.follow(&stream[split..]);
            assert!(t.at_record_boundary());
        }
        // Byte by byte.
        let mut t = Tracked::new(io::empty());
        for (i, b) in stream.iter().enumerate() {
            t.follow(std::slice::from_ref(b));
            assert_eq!(t.at_record_boundary(), boundaries.contains(&(i + 1)));
        }
    }
}

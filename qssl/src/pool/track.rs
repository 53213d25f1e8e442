//! Record framing seen from outside the connection: a transport wrapper that follows
//! the TLS record headers (RFC 8446 §5.1: type, version, 2-byte length) in the bytes
//! it reads, so the pool can tell whether the connection's record buffer holds part
//! of a record, without reaching into the connection.

use std::io::{self, Read, Write};

/// Follows record headers through the bytes it is shown.
#[derive(Debug, Default)]
pub(crate) struct RecordTracker {
    /// Header bytes of the record being received (0 at a boundary).
    header: [u8; 5],
    header_len: usize,
    /// Body bytes of the current record not yet received.
    body_left: usize,
}

impl RecordTracker {
    /// Whether every byte shown so far belongs to a whole record.
    pub(crate) fn at_record_boundary(&self) -> bool {
        self.header_len == 0 && self.body_left == 0
    }

    pub(crate) fn follow(&mut self, mut bytes: &[u8]) {
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

/// A transport whose reads are followed record by record.
#[derive(Debug)]
pub(crate) struct Tracked<T> {
    pub(crate) inner: T,
    pub(crate) tracker: RecordTracker,
}

impl<T> Tracked<T> {
    pub(crate) fn new(inner: T) -> Self {
        Self {
            inner,
            tracker: RecordTracker::default(),
        }
    }

    /// Whether every byte read so far belongs to a whole record.
    pub(crate) fn at_record_boundary(&self) -> bool {
        self.tracker.at_record_boundary()
    }
}

/// A `Read + Write` view of a socket whose reads feed a [`RecordTracker`].
pub(crate) struct Follow<'a, T> {
    pub(crate) io: T,
    pub(crate) tracker: &'a mut RecordTracker,
}

impl<T: Read> Read for Follow<'_, T> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.io.read(buf)?;
        self.tracker.follow(&buf[..n]);
        Ok(n)
    }
}

impl<T: Write> Write for Follow<'_, T> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.io.write(buf)
    }
    fn flush(&mut self) -> io::Result<()> {
        self.io.flush()
    }
}

impl<T: Read> Read for Tracked<T> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.tracker.follow(&buf[..n]);
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

/// The pool's view of a socket: reads and writes that never wait, for the liveness
/// check and the close_notify of a discarded connection.
pub(crate) trait NonBlocking: Send + 'static {
    /// Runs `f` over a non-blocking, tracked view of the socket.
    fn nonblocking<R>(
        this: &mut Tracked<Self>,
        f: impl FnOnce(&mut dyn ReadWrite) -> R,
    ) -> io::Result<R>
    where
        Self: Sized;
}

/// `Read + Write` as one trait object.
pub(crate) trait ReadWrite: Read + Write {}
impl<T: Read + Write> ReadWrite for T {}

impl NonBlocking for std::net::TcpStream {
    fn nonblocking<R>(
        this: &mut Tracked<Self>,
        f: impl FnOnce(&mut dyn ReadWrite) -> R,
    ) -> io::Result<R> {
        this.inner.set_nonblocking(true)?;
        let r = f(&mut Follow {
            io: &mut this.inner,
            tracker: &mut this.tracker,
        });
        this.inner.set_nonblocking(false)?;
        Ok(r)
    }
}

/// tokio's sockets are non-blocking already; the reads go to the socket directly
/// (through `socket2::SockRef`), not through tokio's readiness cache, which may not
/// have seen yet what the kernel has.
#[cfg(feature = "tokio")]
impl NonBlocking for ::tokio::net::TcpStream {
    fn nonblocking<R>(
        this: &mut Tracked<Self>,
        f: impl FnOnce(&mut dyn ReadWrite) -> R,
    ) -> io::Result<R> {
        let sock = socket2::SockRef::from(&this.inner);
        Ok(f(&mut Follow {
            io: &*sock,
            tracker: &mut this.tracker,
        }))
    }
}

#[cfg(feature = "tokio")]
impl<T: ::tokio::io::AsyncRead + Unpin> ::tokio::io::AsyncRead for Tracked<T> {
    fn poll_read(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
        buf: &mut ::tokio::io::ReadBuf<'_>,
    ) -> std::task::Poll<io::Result<()>> {
        let before = buf.filled().len();
        let this = &mut *self;
        let r = std::pin::Pin::new(&mut this.inner).poll_read(cx, buf);
        if let std::task::Poll::Ready(Ok(())) = r {
            this.tracker.follow(&buf.filled()[before..]);
        }
        r
    }
}

#[cfg(feature = "tokio")]
impl<T: ::tokio::io::AsyncWrite + Unpin> ::tokio::io::AsyncWrite for Tracked<T> {
    fn poll_write(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
        buf: &[u8],
    ) -> std::task::Poll<io::Result<usize>> {
        std::pin::Pin::new(&mut self.inner).poll_write(cx, buf)
    }
    fn poll_flush(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<io::Result<()>> {
        std::pin::Pin::new(&mut self.inner).poll_flush(cx)
    }
    fn poll_shutdown(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<io::Result<()>> {
        std::pin::Pin::new(&mut self.inner).poll_shutdown(cx)
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
            let mut t = RecordTracker::default();
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
        let mut t = RecordTracker::default();
        for (i, b) in stream.iter().enumerate() {
            t.follow(std::slice::from_ref(b));
            assert_eq!(t.at_record_boundary(), boundaries.contains(&(i + 1)));
        }
    }
}

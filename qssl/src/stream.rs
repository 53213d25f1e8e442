//! Blocking streams over any `Read + Write` transport.

use std::io::{self, Read, Write};
use std::ops::DerefMut;

use crate::conn::ConnectionCommon;

/// A connection and a transport borrowed together: `Read`/`Write` of plaintext that
/// completes the handshake on first use.
#[derive(Debug)]
pub struct Stream<'a, C: ?Sized, T: ?Sized> {
    /// The connection.
    pub conn: &'a mut C,
    /// The transport.
    pub sock: &'a mut T,
}

impl<'a, C, T> Stream<'a, C, T>
where
    C: DerefMut<Target = ConnectionCommon> + ?Sized,
    T: Read + Write,
{
    /// Pairs `conn` with `sock`.
    pub fn new(conn: &'a mut C, sock: &'a mut T) -> Self {
        Self { conn, sock }
    }

    fn complete_prior_io(&mut self) -> io::Result<()> {
        if self.conn.is_handshaking() {
            self.conn.complete_io(self.sock)?;
        }
        if self.conn.wants_write() {
            self.conn.complete_io(self.sock)?;
        }
        Ok(())
    }
}

impl<C, T> Read for Stream<'_, C, T>
where
    C: DerefMut<Target = ConnectionCommon> + ?Sized,
    T: Read + Write,
{
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.complete_prior_io()?;
        loop {
            match self.conn.reader().read(buf) {
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                    self.conn.complete_io(self.sock)?;
                }
                other => return other,
            }
        }
    }
}

impl<C, T> Write for Stream<'_, C, T>
where
    C: DerefMut<Target = ConnectionCommon> + ?Sized,
    T: Read + Write,
{
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.complete_prior_io()?;
        let n = self.conn.writer().write(buf)?;
        // Push what was sealed without waiting for the peer.
        while self.conn.wants_write() {
            self.conn.write_tls_some(self.sock)?;
        }
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.complete_prior_io()?;
        while self.conn.wants_write() {
            self.conn.write_tls_some(self.sock)?;
        }
        self.sock.flush()
    }
}

/// [`Stream`] owning its connection and transport.
#[derive(Debug)]
pub struct StreamOwned<C, T> {
    /// The connection.
    pub conn: C,
    /// The transport.
    pub sock: T,
}

impl<C, T> StreamOwned<C, T>
where
    C: DerefMut<Target = ConnectionCommon>,
    T: Read + Write,
{
    /// Pairs `conn` with `sock`.
    pub fn new(conn: C, sock: T) -> Self {
        Self { conn, sock }
    }

    fn as_stream(&mut self) -> Stream<'_, C, T> {
        Stream {
            conn: &mut self.conn,
            sock: &mut self.sock,
        }
    }
}

impl<C, T> Read for StreamOwned<C, T>
where
    C: DerefMut<Target = ConnectionCommon>,
    T: Read + Write,
{
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.as_stream().read(buf)
    }
}

impl<C, T> Write for StreamOwned<C, T>
where
    C: DerefMut<Target = ConnectionCommon>,
    T: Read + Write,
{
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.as_stream().write(buf)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.as_stream().flush()
    }
}

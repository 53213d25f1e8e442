//! Feeding a connection a peer's byte stream through the facade's public API only
//! (`read_tls`, `process_new_packets`, `write_tls`, `reader`, `writer`), as an
//! application's event loop would.

use std::io::{self, Read, Write};

use qssl::{ClientConnection, IoState, ServerConnection};

/// The calls [`feed`] makes, for either side.
pub trait Connection {
    /// `read_tls`.
    fn read_tls(&mut self, rd: &mut dyn Read) -> io::Result<usize>;
    /// `process_new_packets`.
    fn process_new_packets(&mut self) -> Result<IoState, qssl::Error>;
    /// `write_tls`.
    fn write_tls(&mut self, wr: &mut dyn Write) -> io::Result<usize>;
    /// `is_handshaking`.
    fn is_handshaking(&self) -> bool;
    /// Reads decrypted application data into `buf` (`reader().read`).
    fn read_plaintext(&mut self, buf: &mut [u8]) -> io::Result<usize>;
    /// Queues application data (`writer().write_all`).
    fn write_plaintext(&mut self, data: &[u8]) -> io::Result<()>;
    /// `send_close_notify`.
    fn send_close_notify(&mut self);
}

macro_rules! connection {
    ($t:ty) => {
        impl Connection for $t {
            fn read_tls(&mut self, rd: &mut dyn Read) -> io::Result<usize> {
                (**self).read_tls(rd)
            }
            fn process_new_packets(&mut self) -> Result<IoState, qssl::Error> {
                (**self).process_new_packets()
            }
            fn write_tls(&mut self, wr: &mut dyn Write) -> io::Result<usize> {
                (**self).write_tls(wr)
            }
            fn is_handshaking(&self) -> bool {
                (**self).is_handshaking()
            }
            fn read_plaintext(&mut self, buf: &mut [u8]) -> io::Result<usize> {
                self.reader().read(buf)
            }
            fn write_plaintext(&mut self, data: &[u8]) -> io::Result<()> {
                self.writer().write_all(data)
            }
            fn send_close_notify(&mut self) {
                (**self).send_close_notify()
            }
        }
    };
}

connection!(ClientConnection);
connection!(ServerConnection);

/// Most plaintext taken from the reader per call.
const READ_CHUNK: usize = 4096;

fn flush(conn: &mut dyn Connection) {
    let mut sink = io::sink();
    while conn.write_tls(&mut sink).is_ok_and(|n| n > 0) {}
}

/// Feeds `input` to `conn` as a transport would deliver it, then the end of stream:
/// read, process, flush what the connection wrote (its next flight, or the alert of
/// a fatal error) into a sink, and drain the plaintext that arrived, as an
/// application does. Once the handshake is over the application also writes a few
/// bytes, so the post-handshake paths (application data, KeyUpdate, close_notify,
/// alerts) run as well as the handshake.
///
/// Every turn takes input or stops: a `read_tls` that takes nothing twice in a row
/// (the connection will not read although `process_new_packets` ran in between) ends
/// the loop rather than spinning.
pub fn feed(conn: &mut dyn Connection, mut input: &[u8]) {
    let mut plaintext = [0u8; READ_CHUNK];
    let mut answered = false;
    let mut stalled = false;
    loop {
        let before = input.len();
        // An error means the connection's buffers are full until processed.
        let took = conn.read_tls(&mut input).unwrap_or_default();
        let state = conn.process_new_packets();
        flush(conn);
        let Ok(state) = state else {
            return;
        };
        if state.plaintext_bytes_to_read > 0 {
            while conn.read_plaintext(&mut plaintext).is_ok_and(|n| n > 0) {}
        }
        if !conn.is_handshaking() && !answered {
            answered = true;
            let _ = conn.write_plaintext(b"fuzz");
            flush(conn);
        }
        if before == 0 || state.peer_has_closed {
            // The end of stream was delivered (read_tls saw nothing left) or the
            // peer closed: close our side too.
            conn.send_close_notify();
            flush(conn);
            return;
        }
        if took == 0 {
            if stalled {
                return;
            }
            stalled = true;
        } else {
            stalled = false;
        }
    }
}

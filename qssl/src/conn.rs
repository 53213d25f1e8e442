//! Connections with I/O: bytes in with `read_tls`, bytes out with `write_tls`,
//! plaintext through `reader()` / `writer()`, the clock read here. The protocol is
//! [`qssl_handshake::Connection`], the sans-I/O core this file delegates to.

use std::io;
use std::ops::{Deref, DerefMut};
use std::sync::Arc;

use qssl_crypto::ids::{CipherSuite, NamedGroup, SignatureScheme};
use qssl_handshake::verify::{CertificateDer, ServerName, VerifiedPath};
use qssl_handshake::{Connection, EarlyDataStatus, HandshakeSummary, NewSessionTicket};

use crate::config::{ClientConfig, ServerConfig};
use crate::error::Error;
use crate::time::TimeProvider;

pub use qssl_handshake::{
    ConnectionInfo, IoState, MAX_KEPT_TICKET_BYTES, MAX_KEPT_TICKETS, MAX_WARNING_ALERTS,
};

/// The state shared by client and server connections; both deref to it.
pub struct ConnectionCommon {
    pub(crate) core: Connection,
    time: Arc<dyn TimeProvider>,
    /// Signatures of slow keys are made inside `process_new_packets` (the default);
    /// off, the caller takes them (`take_signature_request`), as the tokio adapter
    /// does to sign off its executor threads.
    inline_signing: bool,
}

impl core::fmt::Debug for ConnectionCommon {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("ConnectionCommon")
            .field("core", &self.core)
            .field("time", &self.time)
            .finish()
    }
}

impl ConnectionCommon {
    /// Reads TLS bytes from `rd` straight into the record buffer (no extra copy).
    /// `Ok(0)` is the transport's end of stream.
    pub fn read_tls(&mut self, rd: &mut dyn io::Read) -> io::Result<usize> {
        let buf = self.core.receive_buffer().map_err(io::Error::other)?;
        let n = rd.read(buf)?;
        if n == 0 {
            self.core.receive_eof();
        } else {
            self.core.commit_received(n);
        }
        Ok(n)
    }

    /// Writes pending TLS bytes to `wr`; returns how many were taken.
    pub fn write_tls(&mut self, wr: &mut dyn io::Write) -> io::Result<usize> {
        if !self.core.wants_write() {
            return Ok(0);
        }
        let n = wr.write(self.core.pending_tls())?;
        self.core.consume_tls(n);
        Ok(n)
    }

    /// Whether the connection wants more TLS bytes.
    pub fn wants_read(&self) -> bool {
        self.core.wants_read()
    }

    /// Whether TLS bytes are waiting for [`write_tls`](Self::write_tls).
    pub fn wants_write(&self) -> bool {
        self.core.wants_write()
    }

    /// Whether the handshake is still in progress.
    pub fn is_handshaking(&self) -> bool {
        self.core.is_handshaking()
    }

    /// Processes every whole record received so far, at the time of the
    /// configuration's [`TimeProvider`] (the system clock by default). A fatal error
    /// queues one alert for the peer (flush it with `write_tls`) and is returned by
    /// every later call.
    ///
    /// A handshake signature by a key that
    /// [`signs_slowly`](qssl_crypto::sign::SigningKey::signs_slowly) (an HSM key) is
    /// made here, blocking, unless [`set_inline_signing(false)`](Self::set_inline_signing).
    pub fn process_new_packets(&mut self) -> Result<IoState, Error> {
        loop {
            let state = self.core.process(self.time.now())?;
            if !self.inline_signing {
                return Ok(state);
            }
            let Some(request) = self.core.take_signature_request() else {
                return Ok(state);
            };
            self.core.complete_signature(request.sign())?;
        }
    }

    /// Whether [`process_new_packets`](Self::process_new_packets) makes slow keys'
    /// handshake signatures itself (`true`, the default: right for blocking I/O).
    /// `false` leaves them to the caller: take each with
    /// [`take_signature_request`](Self::take_signature_request), sign where blocking
    /// is fine (an async runtime's blocking pool), and hand the result to
    /// [`complete_signature`](Self::complete_signature); meanwhile the connection
    /// reads nothing more.
    pub fn set_inline_signing(&mut self, inline: bool) {
        self.inline_signing = inline;
    }

    /// The handshake signature waiting to be made, if any (only with inline signing
    /// off; see [`set_inline_signing`](Self::set_inline_signing)).
    pub fn take_signature_request(&mut self) -> Option<qssl_handshake::SignRequest> {
        self.core.take_signature_request()
    }

    /// Whether the handshake waits for a signature (taken or not).
    pub fn awaits_signature(&self) -> bool {
        self.core.awaits_signature()
    }

    /// Gives the handshake the signature it asked for (or the key's failure, which
    /// ends the connection with internal_error); then call
    /// [`process_new_packets`](Self::process_new_packets) for what arrived meanwhile.
    pub fn complete_signature(
        &mut self,
        result: Result<Vec<u8>, qssl_crypto::error::CryptoError>,
    ) -> Result<(), Error> {
        self.core.complete_signature(result)
    }

    /// Sends a KeyUpdate asking the peer to update too (RFC 8446 §4.6.3).
    pub fn refresh_traffic_keys(&mut self) -> Result<(), Error> {
        self.core.refresh_traffic_keys()
    }

    /// Queues close_notify: we send nothing more (the peer may still send, RFC 8446 §6.1).
    pub fn send_close_notify(&mut self) {
        self.core.send_close_notify();
    }

    /// The received plaintext.
    pub fn reader(&mut self) -> Reader<'_> {
        Reader { conn: self }
    }

    /// Plaintext to send. Before the handshake completes it is buffered (up to 64 KiB).
    pub fn writer(&mut self) -> Writer<'_> {
        Writer { conn: self }
    }

    /// TLS 1.3 once the handshake is complete.
    pub fn protocol_version(&self) -> Option<qssl_wire::TlsVersion> {
        self.core.protocol_version()
    }

    /// The negotiated cipher suite.
    pub fn negotiated_cipher_suite(&self) -> Option<CipherSuite> {
        self.core.negotiated_cipher_suite()
    }

    /// The negotiated key exchange group.
    pub fn negotiated_key_exchange_group(&self) -> Option<NamedGroup> {
        self.core.negotiated_key_exchange_group()
    }

    /// The scheme the peer signed its CertificateVerify with (none for a server
    /// whose client did not authenticate).
    pub fn peer_signature_scheme(&self) -> Option<SignatureScheme> {
        self.core.peer_signature_scheme()
    }

    /// The agreed ALPN protocol.
    pub fn alpn_protocol(&self) -> Option<&[u8]> {
        self.core.alpn_protocol()
    }

    /// The peer's certificate chain, end entity first.
    pub fn peer_certificates(&self) -> Option<&[CertificateDer<'static>]> {
        self.core.peer_certificates()
    }

    /// What the handshake negotiated, with the post-quantum flags.
    pub fn connection_info(&self) -> Option<ConnectionInfo> {
        self.core.connection_info()
    }

    /// The certificate path this side verified for the peer, end entity first, with
    /// each signature's algorithm (`None` before the handshake ends).
    pub fn peer_verified_path(&self) -> Option<&VerifiedPath> {
        self.core.peer_verified_path()
    }

    /// Whether the key exchange is post-quantum (`None` before the handshake ends).
    pub fn is_post_quantum(&self) -> Option<bool> {
        self.core.is_post_quantum()
    }

    /// The full handshake summary.
    pub fn handshake_summary(&self) -> Option<&HandshakeSummary> {
        self.core.handshake_summary()
    }

    /// The session tickets received and not yet taken (client side), oldest first.
    ///
    /// A server may send any number of NewSessionTickets: only the newest
    /// [`MAX_KEPT_TICKETS`] are kept, and older ones are dropped while the kept
    /// tickets' encoded size exceeds [`MAX_KEPT_TICKET_BYTES`].
    pub fn received_tickets(&self) -> &[NewSessionTicket] {
        self.core.received_tickets()
    }

    /// Takes the session tickets received so far (see
    /// [`received_tickets`](Self::received_tickets)); the connection keeps none.
    pub fn take_received_tickets(&mut self) -> Vec<NewSessionTicket> {
        self.core.take_received_tickets()
    }

    /// The fatal error that ended the connection, if any.
    pub fn error(&self) -> Option<Error> {
        self.core.error()
    }

    /// Blocking helper: drives I/O on `io` until the handshake completes (if it was in
    /// progress) or until some bytes moved. Returns (bytes read, bytes written).
    ///
    /// Every turn of its loop reads, writes or changes the handshake's state; a turn
    /// that does none of these (the connection wants neither to read nor to write
    /// and the handshake is not over) is an error, never a spin.
    pub fn complete_io<T: io::Read + io::Write>(
        &mut self,
        io: &mut T,
    ) -> io::Result<(usize, usize)> {
        let until_handshaked = self.is_handshaking();
        let (mut rdlen, mut wrlen) = (0, 0);
        // The transport may have ended in an earlier read_tls.
        let mut eof = self.core.transport_ended();
        loop {
            let before = (rdlen, wrlen, eof, self.is_handshaking());
            while self.wants_write() {
                wrlen += self.write_tls_some(io)?;
            }
            io.flush()?;
            if !until_handshaked && wrlen > 0 {
                return Ok((rdlen, wrlen));
            }
            if !eof && self.wants_read() {
                match self.read_tls(io)? {
                    0 => eof = true,
                    n => rdlen += n,
                }
            }
            if let Err(e) = self.process_new_packets() {
                while self.wants_write() {
                    if !matches!(self.write_tls(io), Ok(n) if n > 0) {
                        break;
                    }
                }
                let _ = io.flush();
                return Err(e.into());
            }
            match (eof, until_handshaked, self.is_handshaking()) {
                (_, true, false) => {
                    while self.wants_write() {
                        wrlen += self.write_tls_some(io)?;
                    }
                    io.flush()?;
                    return Ok((rdlen, wrlen));
                }
                (_, false, _) => return Ok((rdlen, wrlen)),
                (true, true, true) => return Err(io::ErrorKind::UnexpectedEof.into()),
                (false, true, true) => {}
            }
            if (rdlen, wrlen, eof, self.is_handshaking()) == before {
                return Err(io::Error::other(
                    "complete_io: no progress (the handshake is incomplete and the \
                     connection wants neither to read nor to write)",
                ));
            }
        }
    }

    /// [`write_tls`](Self::write_tls) that treats a transport taking nothing as an
    /// error (`WriteZero`), so a loop of writes cannot spin on it.
    pub(crate) fn write_tls_some(&mut self, wr: &mut dyn io::Write) -> io::Result<usize> {
        match self.write_tls(wr)? {
            0 => Err(io::ErrorKind::WriteZero.into()),
            n => Ok(n),
        }
    }
}

/// Reads received plaintext. `Ok(0)` after the peer's close_notify; `UnexpectedEof`
/// if the transport ended without one; `WouldBlock` if nothing is buffered yet.
#[derive(Debug)]
pub struct Reader<'a> {
    conn: &'a mut ConnectionCommon,
}

impl io::Read for Reader<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let core = &mut self.conn.core;
        if core.plaintext_len() > 0 {
            return Ok(core.read_plaintext(buf));
        }
        if let Some(e) = core.error() {
            return Err(e.into());
        }
        if core.peer_has_closed() || buf.is_empty() {
            return Ok(0);
        }
        if core.transport_ended() {
            return Err(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                "peer closed the connection without close_notify",
            ));
        }
        Err(io::ErrorKind::WouldBlock.into())
    }
}

/// Writes plaintext: sealed into records at once after the handshake, buffered
/// (bounded) before.
#[derive(Debug)]
pub struct Writer<'a> {
    conn: &'a mut ConnectionCommon,
}

impl io::Write for Writer<'_> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let core = &mut self.conn.core;
        if let Some(e) = core.error() {
            return Err(e.into());
        }
        if core.close_notify_sent() {
            return Err(io::Error::new(
                io::ErrorKind::BrokenPipe,
                "close_notify already sent",
            ));
        }
        Ok(core.write_plaintext(buf)?)
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// A client connection.
#[derive(Debug)]
pub struct ClientConnection {
    inner: ConnectionCommon,
}

impl ClientConnection {
    /// Starts a handshake with `server_name`: the ClientHello is ready for `write_tls`.
    pub fn new(config: Arc<ClientConfig>, server_name: ServerName<'static>) -> Result<Self, Error> {
        let core = Connection::client(
            config.params.clone(),
            server_name,
            config.key_log.clone(),
            config.time.now(),
        )?;
        Ok(Self {
            inner: ConnectionCommon {
                core,
                time: config.time.clone(),
                inline_signing: true,
            },
        })
    }

    /// Sends `data` as 0-RTT data, right behind the ClientHello, if this connection
    /// resumes a session whose ticket allows early data and the config enables it
    /// ([`ClientConfigBuilder::with_early_data`](crate::ClientConfigBuilder::with_early_data));
    /// returns how many bytes went (up to the ticket's max_early_data_size; 0 when
    /// early data cannot be sent now). Call it before the first `write_tls`. Early
    /// data can be replayed by an attacker and is not forward secret: send only what
    /// is safe to receive twice (an idempotent request). Once the handshake is done,
    /// [`early_data_status`](Self::early_data_status) says whether the server took
    /// it; if not, the bytes are in [`rejected_early_data`](Self::rejected_early_data)
    /// and nothing written since goes out until the application calls
    /// [`resend_rejected_early_data`](Self::resend_rejected_early_data) or
    /// [`discard_rejected_early_data`](Self::discard_rejected_early_data).
    pub fn write_early_data(&mut self, data: &[u8]) -> Result<usize, Error> {
        self.inner.core.write_early_data(data)
    }

    /// Whether 0-RTT data was offered and whether the server accepted it, once the
    /// handshake is complete.
    pub fn early_data_status(&self) -> Option<EarlyDataStatus> {
        self.inner.core.early_data_status()
    }

    /// The 0-RTT data the server did not take, while the application has not decided
    /// what to do with it.
    pub fn rejected_early_data(&self) -> Option<&[u8]> {
        self.inner.core.rejected_early_data()
    }

    /// Sends the rejected 0-RTT data again as ordinary data, ahead of anything
    /// written since; returns its length.
    pub fn resend_rejected_early_data(&mut self) -> Result<usize, Error> {
        self.inner.core.resend_rejected_early_data()
    }

    /// Drops the rejected 0-RTT data; what was written since goes out.
    pub fn discard_rejected_early_data(&mut self) -> Result<(), Error> {
        self.inner.core.discard_rejected_early_data()
    }

    /// The OCSP response the server stapled, if any, as received: whether it was
    /// validated and good is [`VerifiedPath::ocsp_good`] of
    /// [`peer_verified_path`](ConnectionCommon::peer_verified_path).
    pub fn ocsp_response(&self) -> Option<&[u8]> {
        self.inner
            .handshake_summary()
            .and_then(|s| s.ocsp_response.as_deref())
    }
}

impl Deref for ClientConnection {
    type Target = ConnectionCommon;
    fn deref(&self) -> &ConnectionCommon {
        &self.inner
    }
}

impl DerefMut for ClientConnection {
    fn deref_mut(&mut self) -> &mut ConnectionCommon {
        &mut self.inner
    }
}

/// A server connection.
#[derive(Debug)]
pub struct ServerConnection {
    inner: ConnectionCommon,
}

impl ServerConnection {
    /// A server connection waiting for a ClientHello.
    pub fn new(config: Arc<ServerConfig>) -> Result<Self, Error> {
        let core = Connection::server(config.params.clone(), config.key_log.clone());
        Ok(Self {
            inner: ConnectionCommon {
                core,
                time: config.time.clone(),
                inline_signing: true,
            },
        })
    }

    /// How many bytes at the start of the received stream arrived as 0-RTT data
    /// (accepted only when the config allows it,
    /// [`ServerConfigBuilder::with_max_early_data`](crate::ServerConfigBuilder::with_max_early_data)):
    /// they are readable before the handshake completes, and may be a replay
    /// that the anti-replay store could not tell apart (RFC 8446 §8).
    pub fn early_data_received(&self) -> usize {
        self.inner.core.early_data_received()
    }

    /// Whether the client offered 0-RTT data and whether it was accepted, once the
    /// handshake is complete.
    pub fn early_data_status(&self) -> Option<EarlyDataStatus> {
        self.inner.core.early_data_status()
    }

    /// The server name the client asked for (SNI), once the handshake is complete.
    pub fn server_name(&self) -> Option<&str> {
        self.inner
            .handshake_summary()
            .and_then(|s| s.server_name.as_deref())
    }
}

impl Deref for ServerConnection {
    type Target = ConnectionCommon;
    fn deref(&self) -> &ConnectionCommon {
        &self.inner
    }
}

impl DerefMut for ServerConnection {
    fn deref_mut(&mut self) -> &mut ConnectionCommon {
        &mut self.inner
    }
}

//! Sans-I/O connections: bytes in with `read_tls`, bytes out with `write_tls`,
//! plaintext through `reader()` / `writer()`.

use std::collections::VecDeque;
use std::io;
use std::ops::{Deref, DerefMut};
use std::sync::Arc;

use bytes::{Buf, BytesMut};
use qssl_alert::{Alert, AlertAction, AlertDescription, TlsVersion};
use qssl_crypto::ids::{CipherSuite, NamedGroup, SignatureScheme};
use qssl_handshake::verify::{CertificateDer, ServerName, UnixTime, VerifiedPath};
use qssl_handshake::{
    Action, DecodeLimits, HandshakeJoiner, HandshakeSummary, HandshakeType, NewSessionTicket,
    PeerMisbehaved, ProtocolVersion, StateMachine,
};
use qssl_record::{ContentType, Deframer, RecordLayer, SealStatus};

use crate::config::{ClientConfig, ServerConfig};
use crate::error::Error;
use crate::key_log::KeyLog;

/// Plaintext written before the handshake completes is buffered up to this many bytes.
const MAX_EARLY_PLAINTEXT: usize = 64 * 1024;
/// `read_tls` stops taking bytes while this much received plaintext is unread.
const MAX_RECEIVED_PLAINTEXT: usize = 16 * 1024 * 1024;
/// Warning alerts (user_canceled) accepted on one connection; the next one is
/// `PeerMisbehaved::TooManyWarningAlerts` (unexpected_message). Counted in total, not
/// in a row: a peer has no reason to send more than one (RFC 8446 §6.1 wants
/// close_notify after user_canceled), and a total cannot be reset by interleaving
/// other records. rustls allows the same 4.
pub const MAX_WARNING_ALERTS: u32 = 4;
/// Session tickets kept for the application (the newest ones; older ones are dropped).
pub const MAX_KEPT_TICKETS: usize = 8;
/// Encoded bytes of the session tickets kept; the oldest are dropped past it.
pub const MAX_KEPT_TICKET_BYTES: usize = 128 * 1024;

/// What [`ConnectionCommon::process_new_packets`] left for the caller to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IoState {
    /// Bytes waiting for [`ConnectionCommon::write_tls`].
    pub tls_bytes_to_write: usize,
    /// Plaintext bytes waiting in [`ConnectionCommon::reader`].
    pub plaintext_bytes_to_read: usize,
    /// The peer sent close_notify.
    pub peer_has_closed: bool,
}

/// What an established connection negotiated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ConnectionInfo {
    /// Always TLS 1.3 for now.
    pub protocol_version: ProtocolVersion,
    /// The cipher suite.
    pub cipher_suite: CipherSuite,
    /// The key exchange group.
    pub key_exchange_group: NamedGroup,
    /// The server's CertificateVerify scheme.
    pub server_signature_scheme: SignatureScheme,
    /// Whether the key exchange is post-quantum (hybrid or ML-KEM).
    pub kx_post_quantum: bool,
    /// Whether the peer's authentication, as this side verified it, is post-quantum:
    /// its certificate path was validated to a trust anchor, every signature on it
    /// (each certificate's, up to the one made by the anchor's key) is ML-DSA, and so
    /// is its CertificateVerify. On a client this is the server's authentication, on
    /// a server the client's (false without a client certificate). False with a
    /// verifier that validates no path (`danger::NoServerVerification`). The links
    /// are in [`ConnectionCommon::peer_verified_path`].
    pub peer_auth_post_quantum: bool,
}

/// The newest NewSessionTickets, bounded by [`MAX_KEPT_TICKETS`] and
/// [`MAX_KEPT_TICKET_BYTES`]: a server may send any number of them.
#[derive(Debug, Default)]
struct ReceivedTickets {
    tickets: Vec<NewSessionTicket>,
    /// Encoded size of each ticket in `tickets`, in the same order.
    sizes: Vec<usize>,
    bytes: usize,
}

impl ReceivedTickets {
    fn push(&mut self, t: NewSessionTicket) {
        let mut encoded = Vec::new();
        // A ticket parsed off the wire always re-encodes (its lengths were checked
        // on the way in); one that did not could not be kept or used, so it is not.
        if t.encode(&mut encoded).is_err() {
            return;
        }
        let size = encoded.len();
        self.tickets.push(t);
        self.sizes.push(size);
        self.bytes += size;
        // At most MAX_KEPT_TICKETS + 1 entries: removing from the front is cheap.
        while self.tickets.len() > MAX_KEPT_TICKETS || self.bytes > MAX_KEPT_TICKET_BYTES {
            self.tickets.remove(0);
            self.bytes -= self.sizes.remove(0);
        }
    }

    fn take(&mut self) -> Vec<NewSessionTicket> {
        self.sizes.clear();
        self.bytes = 0;
        core::mem::take(&mut self.tickets)
    }
}

/// A test hook that sees (and may rewrite) every outgoing handshake message.
#[doc(hidden)]
pub type HandshakeHook = Box<dyn FnMut(HandshakeType, &mut Vec<u8>) + Send>;

/// The state shared by client and server connections; both deref to it.
pub struct ConnectionCommon {
    hs: StateMachine,
    deframer: Deframer,
    record: RecordLayer,
    joiner: HandshakeJoiner,
    sendable: BytesMut,
    pending_handshake: Vec<u8>,
    early_plaintext: Vec<u8>,
    received: VecDeque<u8>,
    actions: Vec<Action>,
    error: Option<Error>,
    summary: Option<Box<HandshakeSummary>>,
    tickets: ReceivedTickets,
    key_log: Option<Arc<dyn KeyLog>>,
    hook: Option<HandshakeHook>,
    peer_closed: bool,
    sent_close: bool,
    seen_eof: bool,
    sent_fatal: bool,
    warning_alerts: u32,
}

impl core::fmt::Debug for ConnectionCommon {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("ConnectionCommon")
            .field("handshaking", &self.is_handshaking())
            .field("error", &self.error)
            .field("peer_closed", &self.peer_closed)
            .finish_non_exhaustive()
    }
}

impl ConnectionCommon {
    fn new(hs: StateMachine, key_log: Option<Arc<dyn KeyLog>>) -> Self {
        Self {
            hs,
            deframer: Deframer::for_version(TlsVersion::Tls13),
            record: RecordLayer::new(),
            joiner: HandshakeJoiner::new(DecodeLimits::default()),
            sendable: BytesMut::with_capacity(4096),
            pending_handshake: Vec::new(),
            early_plaintext: Vec::new(),
            received: VecDeque::new(),
            actions: Vec::new(),
            error: None,
            summary: None,
            tickets: ReceivedTickets::default(),
            key_log,
            hook: None,
            peer_closed: false,
            sent_close: false,
            seen_eof: false,
            sent_fatal: false,
            warning_alerts: 0,
        }
    }

    /// Reads TLS bytes from `rd` straight into the record buffer (no extra copy).
    /// `Ok(0)` is the transport's end of stream.
    pub fn read_tls(&mut self, rd: &mut dyn io::Read) -> io::Result<usize> {
        if self.received.len() >= MAX_RECEIVED_PLAINTEXT {
            return Err(io::Error::other("received plaintext buffer full"));
        }
        let spare = self.deframer.spare_capacity();
        if spare.is_empty() {
            return Err(io::Error::other(
                "record buffer full: call process_new_packets",
            ));
        }
        let n = rd.read(spare)?;
        self.deframer.commit(n);
        if n == 0 {
            self.seen_eof = true;
        }
        Ok(n)
    }

    /// Writes pending TLS bytes to `wr`; returns how many were taken.
    pub fn write_tls(&mut self, wr: &mut dyn io::Write) -> io::Result<usize> {
        if self.sendable.is_empty() {
            return Ok(0);
        }
        let n = wr.write(&self.sendable)?;
        self.sendable.advance(n);
        Ok(n)
    }

    /// Whether the connection wants more TLS bytes.
    pub fn wants_read(&self) -> bool {
        self.error.is_none() && !self.peer_closed && !self.seen_eof
    }

    /// Whether TLS bytes are waiting for [`write_tls`](Self::write_tls).
    pub fn wants_write(&self) -> bool {
        !self.sendable.is_empty()
    }

    /// Whether the handshake is still in progress.
    pub fn is_handshaking(&self) -> bool {
        self.hs.is_handshaking()
    }

    /// Processes every whole record received so far. A fatal error queues one alert
    /// for the peer (flush it with `write_tls`) and is returned by every later call.
    pub fn process_new_packets(&mut self) -> Result<IoState, Error> {
        if let Some(e) = self.error {
            return Err(e);
        }
        let now = UnixTime::now();
        if let Err(e) = self.process(now) {
            return Err(self.fatal(e));
        }
        Ok(IoState {
            tls_bytes_to_write: self.sendable.len(),
            plaintext_bytes_to_read: self.received.len(),
            peer_has_closed: self.peer_closed,
        })
    }

    fn process(&mut self, now: UnixTime) -> Result<(), Error> {
        while !self.peer_closed {
            let Some(record) = self.deframer.next_record() else {
                break;
            };
            let record = record?;
            // A peer that fails before it has our keys alerts in the clear: accept a
            // plaintext alert, so the real reason is reported, until the peer's first
            // protected record. After that everything but change_cipher_spec must be
            // protected, and a plaintext alert is an on-path attacker's: the record
            // layer refuses it. Anything but two bytes is not one alert (§5.1) and goes
            // to the record layer too.
            let plaintext_alert = record.header.typ == ContentType::ALERT
                && !self.record.has_decrypted()
                && record.payload.len() == Alert::LEN;
            let (typ, data) = if plaintext_alert {
                (ContentType::ALERT, &mut *record.payload)
            } else {
                self.record.open(record)?
            };
            // RFC 8446 §5.1: a handshake message split over records has no record of
            // another type between its pieces.
            if typ != ContentType::HANDSHAKE && self.joiner.is_mid_message() {
                return Err(PeerMisbehaved::InterleavedWithHandshakeMessage.into());
            }
            match typ {
                ContentType::HANDSHAKE => {
                    self.joiner.push(data)?;
                    while let Some(msg) = self.joiner.pop() {
                        self.hs
                            .handle(&msg, now, &mut self.actions)
                            .map_err(Error::Handshake)?;
                        apply_actions(
                            &mut self.actions,
                            &mut self.record,
                            &self.joiner,
                            &mut self.sendable,
                            &mut self.pending_handshake,
                            &mut self.hook,
                            &self.key_log,
                            &mut self.summary,
                            &mut self.tickets,
                        )?;
                    }
                }
                ContentType::CHANGE_CIPHER_SPEC => self.hs.handle_change_cipher_spec()?,
                ContentType::ALERT => {
                    let alert = Alert::parse(data).map_err(|_| Error::MalformedAlert)?;
                    match alert.action_in(TlsVersion::Tls13) {
                        // The handshake cannot complete without the peer's messages:
                        // it ends here rather than waiting for bytes that will not come.
                        AlertAction::CloseRead if self.hs.is_handshaking() => {
                            return Err(Error::PeerClosedDuringHandshake);
                        }
                        AlertAction::CloseRead => self.peer_closed = true,
                        AlertAction::Terminate => {
                            self.sent_fatal = true;
                            return Err(Error::AlertReceived(alert.description));
                        }
                        AlertAction::NoteCanceled | AlertAction::IgnoreWarning => {
                            self.warning_alerts += 1;
                            if self.warning_alerts > MAX_WARNING_ALERTS {
                                return Err(PeerMisbehaved::TooManyWarningAlerts.into());
                            }
                        }
                    }
                }
                ContentType::APPLICATION_DATA if !self.hs.is_handshaking() => {
                    if !data.is_empty() {
                        self.hs.application_data_received();
                    }
                    self.received.extend(data.iter());
                }
                other => return Err(Error::UnexpectedRecord(other)),
            }
        }
        if self.summary.is_some() && !self.early_plaintext.is_empty() {
            let early = core::mem::take(&mut self.early_plaintext);
            self.send_plaintext(&early)?;
        }
        Ok(())
    }

    fn fatal(&mut self, e: Error) -> Error {
        if let Some(first) = self.error {
            return first;
        }
        self.error = Some(e);
        if let Some(alert) = e.alert()
            && !self.sent_fatal
        {
            self.sent_fatal = true;
            // Anything half-written for the handshake goes first: the alert ends it.
            self.pending_handshake.clear();
            // close_notify is a closure alert, sent at the warning level (RFC 8446 §6.1).
            let alert = if alert == AlertDescription::CLOSE_NOTIFY {
                Alert::close_notify()
            } else {
                Alert::fatal(alert)
            };
            let _ = self
                .record
                .write(ContentType::ALERT, &alert.to_bytes(), &mut self.sendable);
        }
        e
    }

    fn send_plaintext(&mut self, data: &[u8]) -> Result<(), Error> {
        // A KeyUpdate owed for the peer's update_requested goes just before our next
        // application data (RFC 8446 §4.6.3), once however many requests came.
        self.hs
            .answer_key_update(&mut self.actions)
            .map_err(Error::Handshake)?;
        self.flush_actions()?;
        let status = self
            .record
            .write(ContentType::APPLICATION_DATA, data, &mut self.sendable)?;
        if status >= SealStatus::KeyUpdateDue {
            self.refresh_keys(false)?;
        }
        Ok(())
    }

    fn refresh_keys(&mut self, request_peer: bool) -> Result<(), Error> {
        self.hs
            .update_keys(request_peer, &mut self.actions)
            .map_err(Error::Handshake)?;
        apply_actions(
            &mut self.actions,
            &mut self.record,
            &self.joiner,
            &mut self.sendable,
            &mut self.pending_handshake,
            &mut self.hook,
            &self.key_log,
            &mut self.summary,
            &mut self.tickets,
        )
    }

    /// Sends a KeyUpdate asking the peer to update too (RFC 8446 §4.6.3).
    pub fn refresh_traffic_keys(&mut self) -> Result<(), Error> {
        if let Some(e) = self.error {
            return Err(e);
        }
        self.refresh_keys(true).map_err(|e| self.fatal(e))
    }

    /// Queues close_notify: we send nothing more (the peer may still send, RFC 8446 §6.1).
    pub fn send_close_notify(&mut self) {
        if self.sent_close || self.sent_fatal {
            return;
        }
        self.sent_close = true;
        let _ = self.record.write(
            ContentType::ALERT,
            &Alert::close_notify().to_bytes(),
            &mut self.sendable,
        );
    }

    /// The received plaintext.
    pub fn reader(&mut self) -> Reader<'_> {
        Reader { conn: self }
    }

    /// Plaintext to send. Before the handshake completes it is buffered (up to 64 KiB).
    pub fn writer(&mut self) -> Writer<'_> {
        Writer { conn: self }
    }

    fn summary(&self) -> Option<&HandshakeSummary> {
        self.summary.as_deref()
    }

    /// TLS 1.3 once the handshake is complete.
    pub fn protocol_version(&self) -> Option<ProtocolVersion> {
        self.summary().map(|s| s.version)
    }

    /// The negotiated cipher suite.
    pub fn negotiated_cipher_suite(&self) -> Option<CipherSuite> {
        self.summary().map(|s| s.suite.suite)
    }

    /// The negotiated key exchange group.
    pub fn negotiated_key_exchange_group(&self) -> Option<NamedGroup> {
        self.summary().map(|s| s.group)
    }

    /// The scheme the peer signed its CertificateVerify with (none for a server
    /// whose client did not authenticate).
    pub fn peer_signature_scheme(&self) -> Option<SignatureScheme> {
        let s = self.summary()?;
        if self.hs.is_client() {
            Some(s.server_signature_scheme)
        } else {
            s.client_signature_scheme
        }
    }

    /// The agreed ALPN protocol.
    pub fn alpn_protocol(&self) -> Option<&[u8]> {
        self.summary().and_then(|s| s.alpn_protocol.as_deref())
    }

    /// The peer's certificate chain, end entity first.
    pub fn peer_certificates(&self) -> Option<&[CertificateDer<'static>]> {
        self.summary()
            .map(|s| s.peer_certificates.as_slice())
            .filter(|c| !c.is_empty())
    }

    /// What the handshake negotiated, with the post-quantum flags.
    pub fn connection_info(&self) -> Option<ConnectionInfo> {
        self.summary().map(|s| ConnectionInfo {
            protocol_version: s.version,
            cipher_suite: s.suite.suite,
            key_exchange_group: s.group,
            server_signature_scheme: s.server_signature_scheme,
            kx_post_quantum: s.kx_post_quantum,
            peer_auth_post_quantum: s.peer_auth_post_quantum,
        })
    }

    /// The certificate path this side verified for the peer, end entity first, with
    /// each signature's algorithm (`None` before the handshake ends).
    pub fn peer_verified_path(&self) -> Option<&VerifiedPath> {
        self.summary().map(|s| &s.peer_verified_path)
    }

    /// Whether the key exchange is post-quantum (`None` before the handshake ends).
    pub fn is_post_quantum(&self) -> Option<bool> {
        self.summary().map(|s| s.kx_post_quantum)
    }

    /// The full handshake summary.
    pub fn handshake_summary(&self) -> Option<&HandshakeSummary> {
        self.summary()
    }

    /// The session tickets received and not yet taken (client side), oldest first.
    ///
    /// A server may send any number of NewSessionTickets: only the newest
    /// [`MAX_KEPT_TICKETS`] are kept, and older ones are dropped while the kept
    /// tickets' encoded size exceeds [`MAX_KEPT_TICKET_BYTES`].
    pub fn received_tickets(&self) -> &[NewSessionTicket] {
        &self.tickets.tickets
    }

    /// Takes the session tickets received so far (see
    /// [`received_tickets`](Self::received_tickets)); the connection keeps none.
    pub fn take_received_tickets(&mut self) -> Vec<NewSessionTicket> {
        self.tickets.take()
    }

    /// The fatal error that ended the connection, if any.
    pub fn error(&self) -> Option<Error> {
        self.error
    }

    /// Test hook: sees and may rewrite each outgoing handshake message before it is
    /// protected (the transcript already holds the original bytes).
    #[doc(hidden)]
    pub fn set_handshake_hook(&mut self, hook: HandshakeHook) {
        self.hook = Some(hook);
    }

    /// Test hook: queues raw TLS bytes for the peer.
    #[doc(hidden)]
    pub fn inject_tls(&mut self, bytes: &[u8]) {
        self.sendable.extend_from_slice(bytes);
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
        let mut eof = self.seen_eof;
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

#[allow(clippy::too_many_arguments)]
fn apply_actions(
    actions: &mut Vec<Action>,
    record: &mut RecordLayer,
    joiner: &HandshakeJoiner,
    sendable: &mut BytesMut,
    pending: &mut Vec<u8>,
    hook: &mut Option<HandshakeHook>,
    key_log: &Option<Arc<dyn KeyLog>>,
    summary: &mut Option<Box<HandshakeSummary>>,
    tickets: &mut ReceivedTickets,
) -> Result<(), Error> {
    let flush = |record: &mut RecordLayer, pending: &mut Vec<u8>, sendable: &mut BytesMut| {
        if pending.is_empty() {
            return Ok::<(), Error>(());
        }
        let _ = record.write(ContentType::HANDSHAKE, pending, sendable)?;
        pending.clear();
        Ok(())
    };
    for action in actions.drain(..) {
        match action {
            Action::SendHandshake { typ, mut bytes } => {
                if let Some(h) = hook.as_mut() {
                    h(typ, &mut bytes);
                }
                pending.extend_from_slice(&bytes);
            }
            Action::SendChangeCipherSpec => {
                flush(record, pending, sendable)?;
                let _ = record.write(ContentType::CHANGE_CIPHER_SPEC, &[1], sendable)?;
            }
            Action::SetWriteKey(key) => {
                flush(record, pending, sendable)?;
                record.set_write_protector(key.protector()?);
            }
            Action::SetReadKey(key) => {
                // RFC 8446 §5.1: handshake messages may not span a key change.
                if joiner.is_mid_message() || joiner.ready_len() > 0 {
                    return Err(PeerMisbehaved::MessageSpansKeyChange.into());
                }
                record.set_read_protector(key.protector()?);
            }
            Action::HandshakeComplete(s) => *summary = Some(s),
            Action::SessionTicket(t) => tickets.push(*t),
            Action::KeyLog {
                label,
                client_random,
                secret,
            } => {
                if let Some(kl) = key_log {
                    kl.log(label, &client_random, &secret);
                }
            }
            _ => {}
        }
    }
    flush(record, pending, sendable)
}

/// Reads received plaintext. `Ok(0)` after the peer's close_notify; `UnexpectedEof`
/// if the transport ended without one; `WouldBlock` if nothing is buffered yet.
#[derive(Debug)]
pub struct Reader<'a> {
    conn: &'a mut ConnectionCommon,
}

impl io::Read for Reader<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let received = &mut self.conn.received;
        if !received.is_empty() {
            let (a, b) = received.as_slices();
            let n = a.len().min(buf.len());
            buf[..n].copy_from_slice(&a[..n]);
            let m = b.len().min(buf.len() - n);
            buf[n..n + m].copy_from_slice(&b[..m]);
            received.drain(..n + m);
            return Ok(n + m);
        }
        if let Some(e) = self.conn.error {
            return Err(e.into());
        }
        if self.conn.peer_closed || buf.is_empty() {
            return Ok(0);
        }
        if self.conn.seen_eof {
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
        let conn = &mut *self.conn;
        if let Some(e) = conn.error {
            return Err(e.into());
        }
        if conn.sent_close {
            return Err(io::Error::new(
                io::ErrorKind::BrokenPipe,
                "close_notify already sent",
            ));
        }
        if conn.summary.is_none() {
            let room = MAX_EARLY_PLAINTEXT.saturating_sub(conn.early_plaintext.len());
            let n = room.min(buf.len());
            conn.early_plaintext.extend_from_slice(&buf[..n]);
            return Ok(n);
        }
        if let Err(e) = conn.send_plaintext(buf) {
            return Err(conn.fatal(e).into());
        }
        Ok(buf.len())
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
        let mut actions = Vec::new();
        let hs = StateMachine::client(config.params.clone(), server_name, &mut actions)?;
        let mut inner = ConnectionCommon::new(hs, config.key_log.clone());
        inner.actions = actions;
        inner.flush_actions()?;
        Ok(Self { inner })
    }

    /// The OCSP response the server stapled, if any, as received: whether it was
    /// validated and good is [`VerifiedPath::ocsp_good`] of
    /// [`peer_verified_path`](ConnectionCommon::peer_verified_path).
    pub fn ocsp_response(&self) -> Option<&[u8]> {
        self.inner
            .summary()
            .and_then(|s| s.ocsp_response.as_deref())
    }
}

impl ConnectionCommon {
    fn flush_actions(&mut self) -> Result<(), Error> {
        apply_actions(
            &mut self.actions,
            &mut self.record,
            &self.joiner,
            &mut self.sendable,
            &mut self.pending_handshake,
            &mut self.hook,
            &self.key_log,
            &mut self.summary,
            &mut self.tickets,
        )
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
        let hs = StateMachine::server(config.params.clone());
        Ok(Self {
            inner: ConnectionCommon::new(hs, config.key_log.clone()),
        })
    }

    /// The server name the client asked for (SNI), once the handshake is complete.
    pub fn server_name(&self) -> Option<&str> {
        self.inner.summary().and_then(|s| s.server_name.as_deref())
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

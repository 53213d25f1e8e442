//! The sans-I/O connection core: one TLS connection, client or server, from received
//! bytes to bytes to send, with the time passed in.
//!
//! The data path, in the order bytes travel:
//!
//! 1. Received bytes go into the [`Deframer`]'s buffer ([`Connection::receive_buffer`]
//!    and [`Connection::commit_received`], or [`Connection::feed`]): at most one
//!    record's worth is buffered, and nothing is taken while the application has not
//!    read 16 MiB of plaintext.
//! 2. [`Connection::process`] takes whole records out of the deframer and opens them
//!    in place with the [`RecordLayer`] (plaintext before keys; a plaintext two-byte
//!    alert is accepted until the peer's first protected record).
//! 3. Handshake records go to the [`HandshakeJoiner`], which hands out whole
//!    messages; a record of another type between the pieces of a message is refused
//!    (RFC 8446 §5.1).
//! 4. Each message goes to the [`StateMachine`] with `now`, which answers with
//!    [`Action`]s.
//! 5. The actions are applied here: handshake messages are queued and sealed into
//!    records, keys are installed (a read key only at a record boundary with no
//!    handshake bytes left over, RFC 8446 §5.1), the summary, tickets and key-log
//!    lines are kept.
//! 6. Sealed records wait in the output buffer for [`Connection::pending_tls`] /
//!    [`Connection::consume_tls`]; application data waits for
//!    [`Connection::read_plaintext`]; alerts, close_notify and the repeated-message
//!    limits are handled on the way.
//!
//! The first fatal error is kept here and nowhere else: it queues one alert for the
//! peer and is returned by every later call.

mod error;
mod tickets;

use std::sync::Arc;

use bytes::{Buf, BytesMut};
use qssl_alert::{Alert, AlertAction, AlertDescription, TlsVersion};
use qssl_crypto::ids::{CipherSuite, NamedGroup, SignatureScheme};
use qssl_record::{ContentType, Deframer, RecordLayer, SealStatus};

use crate::action::{Action, EarlyDataStatus, HandshakeSummary};

use crate::codec::HandshakeType;
use crate::config::{ClientParams, ServerParams};
use crate::error::PeerMisbehaved;
use crate::machine::StateMachine;
use crate::verify::{CertificateDer, ServerName, UnixTime, VerifiedPath};
use crate::{DecodeLimits, HandshakeJoiner, NewSessionTicket};

pub use error::ConnectionError;
pub(crate) use tickets::ReceivedTickets;
pub use tickets::{MAX_KEPT_TICKET_BYTES, MAX_KEPT_TICKETS};

/// Plaintext written before the handshake completes is buffered up to this many bytes.
pub const MAX_EARLY_PLAINTEXT: usize = 64 * 1024;
/// No received bytes are taken while this much received plaintext is unread.
pub const MAX_RECEIVED_PLAINTEXT: usize = 16 * 1024 * 1024;
/// Warning alerts (user_canceled) accepted on one connection; the next one is
/// `PeerMisbehaved::TooManyWarningAlerts` (unexpected_message). Counted in total, not
/// in a row: a peer has no reason to send more than one (RFC 8446 §6.1 wants
/// close_notify after user_canceled), and a total cannot be reset by interleaving
/// other records. rustls allows the same 4.
pub const MAX_WARNING_ALERTS: u32 = 4;

/// Receives TLS secrets as they are derived. For debugging only: whoever reads the
/// log can decrypt the traffic.
pub trait KeyLog: Send + Sync + core::fmt::Debug {
    /// One secret: `label` is the NSS label (`CLIENT_HANDSHAKE_TRAFFIC_SECRET`,
    /// `SERVER_HANDSHAKE_TRAFFIC_SECRET`, `CLIENT_TRAFFIC_SECRET_0`,
    /// `SERVER_TRAFFIC_SECRET_0`, `EXPORTER_SECRET`), `client_random` identifies the
    /// connection.
    fn log(&self, label: &str, client_random: &[u8], secret: &[u8]);
}

/// What [`Connection::process`] left for the caller to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct IoState {
    /// Bytes waiting in [`Connection::pending_tls`].
    pub tls_bytes_to_write: usize,
    /// Plaintext bytes waiting for [`Connection::read_plaintext`].
    pub plaintext_bytes_to_read: usize,
    /// The peer sent close_notify.
    pub peer_has_closed: bool,
}

/// What an established connection negotiated. Fields may be added (TLS 1.2,
/// resumption), so it is read, never built, outside this crate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct ConnectionInfo {
    /// The negotiated version (TLS 1.3 is the only one Q-SSL negotiates today).
    pub protocol_version: TlsVersion,
    /// The cipher suite.
    pub cipher_suite: CipherSuite,
    /// The key exchange group; `None` for a `psk_ke` resumption (no key exchange).
    pub key_exchange_group: Option<NamedGroup>,
    /// The handshake resumed an earlier session.
    pub resumed: bool,
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
    /// are in [`Connection::peer_verified_path`].
    pub peer_auth_post_quantum: bool,
}

/// Why [`Connection::receive_buffer`] has no room now. Not an error of the
/// connection: the caller must first do what the variant says.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ReceiveBlocked {
    /// [`MAX_RECEIVED_PLAINTEXT`] bytes of received plaintext are unread.
    #[error("received plaintext buffer full: read the plaintext first")]
    PlaintextFull,
    /// The record buffer holds whole records: process them first.
    #[error("record buffer full: process the records received so far first")]
    RecordBufferFull,
}

/// One TLS 1.3 connection, client or server, sans-I/O.
///
/// Bytes from the peer go in through [`receive_buffer`](Self::receive_buffer) /
/// [`commit_received`](Self::commit_received) (or [`feed`](Self::feed)), then
/// [`process`](Self::process) runs them through the record layer, the handshake
/// joiner and the [`StateMachine`] at the time `now` given by the caller. Bytes for
/// the peer come out of [`pending_tls`](Self::pending_tls); plaintext goes in with
/// [`write_plaintext`](Self::write_plaintext) and comes out with
/// [`read_plaintext`](Self::read_plaintext). The connection never reads a clock,
/// the environment or a socket.
///
/// ```
/// # use std::sync::Arc;
/// # fn demo(client: Arc<qssl_handshake::ClientParams>, server: Arc<qssl_handshake::ServerParams>) -> Result<(), qssl_handshake::ConnectionError> {
/// use qssl_handshake::{Connection, ConnectionError, UnixTime, verify::ServerName};
///
/// /// Moves what `from` has for `to`, processing as `to`'s record buffer fills.
/// fn pass(from: &mut Connection, to: &mut Connection, now: UnixTime) -> Result<(), ConnectionError> {
///     while from.wants_write() {
///         // Processing empties the record buffer but for a partial record: room.
///         let n = to.feed(from.pending_tls()).expect("room after processing");
///         from.consume_tls(n);
///         to.process(now)?;
///     }
///     Ok(())
/// }
///
/// let now = UnixTime::since_unix_epoch(std::time::Duration::from_secs(1_750_000_000));
/// let mut c = Connection::client(client, ServerName::try_from("localhost").unwrap(), None, now)?;
/// let mut s = Connection::server(server, None);
/// pass(&mut c, &mut s, now)?; // ClientHello
/// pass(&mut s, &mut c, now)?; // ServerHello ... Finished
/// pass(&mut c, &mut s, now)?; // Finished
/// assert!(!c.is_handshaking() && !s.is_handshaking());
/// # Ok(()) }
/// ```
pub struct Connection {
    machine: StateMachine,
    deframer: Deframer,
    record: RecordLayer,
    joiner: HandshakeJoiner,
    /// Sealed records not yet taken by the caller.
    sendable: BytesMut,
    /// Handshake messages of the current flight, sealed together at the next key
    /// change or when the flight ends, so consecutive messages share records.
    pending_handshake: Vec<u8>,
    /// Plaintext written before the handshake completed (bounded), sent once it
    /// has; held longer while the application decides about rejected 0-RTT data.
    held_plaintext: Vec<u8>,
    /// Client: 0-RTT data (RFC 8446 §2.3).
    early: EarlyWriter,
    /// Server: bytes of a client's not-accepted 0-RTT records still to skip
    /// (RFC 8446 §4.2.10); 0 once a record opened or none was offered.
    skip_early: usize,
    /// Server: bytes of the received stream that arrived as accepted 0-RTT data.
    early_received: usize,
    actions: Vec<Action>,
    /// A signature the handshake waits for, until the application takes it.
    pending_sign: Option<Box<crate::SignRequest>>,
    /// The first fatal error; every later call returns it.
    error: Option<ConnectionError>,
    summary: Option<Box<HandshakeSummary>>,
    tickets: ReceivedTickets,
    key_log: Option<Arc<dyn KeyLog>>,
    #[cfg(feature = "test-hooks")]
    pub(crate) hook: Option<crate::testing::HandshakeHook>,
    peer_closed: bool,
    sent_close: bool,
    transport_ended: bool,
    warning_alerts: u32,
}

/// A client's 0-RTT data: sealed under the early traffic key while the server may
/// still take it, kept (bounded by the ticket's max_early_data_size and
/// [`MAX_EARLY_PLAINTEXT`]) until the server says whether it did.
#[derive(Debug, Default)]
struct EarlyWriter {
    /// Early data may be written now.
    active: bool,
    /// Bytes of early data still allowed.
    budget: usize,
    /// What was sent as early data, for the application to resend if rejected.
    sent: Vec<u8>,
    /// The server rejected non-empty early data and the application has not said
    /// whether to resend it: plaintext written meanwhile is held, so the stream
    /// keeps its order whatever it decides.
    undecided: bool,
}

impl core::fmt::Debug for Connection {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Connection")
            .field("client", &self.machine.is_client())
            .field("handshaking", &self.is_handshaking())
            .field("error", &self.error)
            .field("peer_closed", &self.peer_closed)
            .finish_non_exhaustive()
    }
}

impl Connection {
    /// A client connection to `server_name`: the ClientHello is ready in
    /// [`pending_tls`](Self::pending_tls). `key_log` receives the secrets if the
    /// params ask for key logging. `now` dates the session ticket offered, if the
    /// params' session store has one for `server_name`.
    pub fn client(
        params: Arc<ClientParams>,
        server_name: ServerName<'static>,
        key_log: Option<Arc<dyn KeyLog>>,
        now: UnixTime,
    ) -> Result<Self, ConnectionError> {
        let mut actions = Vec::new();
        let machine = StateMachine::client(params, server_name, now, &mut actions)?;
        Self::started(machine, actions, key_log)
    }

    /// A server connection waiting for a ClientHello.
    pub fn server(params: Arc<ServerParams>, key_log: Option<Arc<dyn KeyLog>>) -> Self {
        Self::new(StateMachine::server(params), key_log)
    }

    /// A connection around a machine that has already emitted `actions`.
    pub(crate) fn started(
        machine: StateMachine,
        actions: Vec<Action>,
        key_log: Option<Arc<dyn KeyLog>>,
    ) -> Result<Self, ConnectionError> {
        let mut conn = Self::new(machine, key_log);
        conn.actions = actions;
        conn.apply_actions()?;
        Ok(conn)
    }

    fn new(machine: StateMachine, key_log: Option<Arc<dyn KeyLog>>) -> Self {
        Self {
            machine,
            deframer: Deframer::for_version(TlsVersion::Tls13),
            record: RecordLayer::new(),
            joiner: HandshakeJoiner::new(DecodeLimits::default()),
            sendable: BytesMut::with_capacity(4096),
            pending_handshake: Vec::new(),
            held_plaintext: Vec::new(),
            early: EarlyWriter::default(),
            skip_early: 0,
            early_received: 0,
            actions: Vec::new(),
            pending_sign: None,
            error: None,
            summary: None,
            tickets: ReceivedTickets::default(),
            key_log,
            #[cfg(feature = "test-hooks")]
            hook: None,
            peer_closed: false,
            sent_close: false,
            transport_ended: false,
            warning_alerts: 0,
        }
    }

    // ------------------------------------------------------------ bytes in

    /// Where the next received bytes go: the record buffer's free space, so a
    /// transport can read straight into it. Hand over what was written with
    /// [`commit_received`](Self::commit_received).
    pub fn receive_buffer(&mut self) -> Result<&mut [u8], ReceiveBlocked> {
        if self.deframer.held_len() >= MAX_RECEIVED_PLAINTEXT {
            return Err(ReceiveBlocked::PlaintextFull);
        }
        let spare = self.deframer.spare_capacity();
        if spare.is_empty() {
            return Err(ReceiveBlocked::RecordBufferFull);
        }
        Ok(spare)
    }

    /// The first `n` bytes of [`receive_buffer`](Self::receive_buffer) now hold
    /// received bytes.
    pub fn commit_received(&mut self, n: usize) {
        self.deframer.commit(n);
    }

    /// Copies as much of `bytes` as the record buffer takes now; returns how many.
    pub fn feed(&mut self, bytes: &[u8]) -> Result<usize, ReceiveBlocked> {
        let spare = self.receive_buffer()?;
        let n = spare.len().min(bytes.len());
        spare[..n].copy_from_slice(&bytes[..n]);
        self.commit_received(n);
        Ok(n)
    }

    /// The transport ended (end of stream): no more bytes will come.
    pub fn receive_eof(&mut self) {
        self.transport_ended = true;
    }

    /// Whether the connection wants more bytes from the peer.
    pub fn wants_read(&self) -> bool {
        self.error.is_none() && !self.peer_closed && !self.transport_ended
    }

    // ------------------------------------------------------------ processing

    /// Processes every whole record received so far, at the time `now` (certificate
    /// validity and OCSP freshness are judged against it). A fatal error queues one
    /// alert for the peer (take it with [`pending_tls`](Self::pending_tls)) and is
    /// returned by every later call.
    pub fn process(&mut self, now: UnixTime) -> Result<IoState, ConnectionError> {
        if let Some(e) = self.error {
            return Err(e);
        }
        if let Err(e) = self.process_records(now) {
            return Err(self.fatal(e));
        }
        Ok(IoState {
            tls_bytes_to_write: self.sendable.len(),
            plaintext_bytes_to_read: self.deframer.held_len(),
            peer_has_closed: self.peer_closed,
        })
    }

    /// Hands the messages the joiner holds to the machine, one by one, until none is
    /// left or the machine waits for a signature (the rest stay for later).
    fn drain_joiner(&mut self, now: UnixTime) -> Result<(), ConnectionError> {
        while !self.machine.awaits_signature() {
            let Some(msg) = self.joiner.pop() else {
                break;
            };
            self.machine.handle(&msg, now, &mut self.actions)?;
            self.apply_actions()?;
        }
        Ok(())
    }

    fn process_records(&mut self, now: UnixTime) -> Result<(), ConnectionError> {
        // Messages left over when a signature paused the handshake go first.
        self.drain_joiner(now)?;
        while !self.peer_closed && !self.machine.awaits_signature() {
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
            // A server skipping 0-RTT data it did not take (RFC 8446 §4.2.10): after
            // a HelloRetryRequest the client's application data records, otherwise
            // records that fail to open under the handshake key, up to a budget.
            let len = record.payload.len();
            if self.skip_early > 0
                && self.record.read_protector().is_none()
                && record.header.typ == ContentType::APPLICATION_DATA
            {
                self.skip_early =
                    self.skip_early
                        .checked_sub(len)
                        .ok_or(ConnectionError::Record(
                            qssl_record::RecordError::UnexpectedPlaintext(
                                ContentType::APPLICATION_DATA,
                            ),
                        ))?;
                continue;
            }
            // Where the payload starts, to tell the deframer which part of it the
            // plaintext is (it stays there until read).
            let payload_at = record.payload.as_ptr() as usize;
            let opened = if plaintext_alert {
                Ok((ContentType::ALERT, &mut *record.payload))
            } else {
                self.record.open(record)
            };
            let (typ, data) = match opened {
                // Only while skipping: with nothing to skip, an empty record that
                // fails to open is as bad as any other.
                Err(qssl_record::RecordError::BadRecordMac)
                    if self.skip_early > 0 && self.skip_early >= len =>
                {
                    self.skip_early -= len;
                    continue;
                }
                other => other?,
            };
            if self.record.has_decrypted() {
                self.skip_early = 0;
            }
            // RFC 8446 §5.1: a handshake message split over records has no record of
            // another type between its pieces.
            if typ != ContentType::HANDSHAKE && self.joiner.is_mid_message() {
                return Err(PeerMisbehaved::InterleavedWithHandshakeMessage.into());
            }
            match typ {
                ContentType::HANDSHAKE => {
                    self.joiner.push(data)?;
                    self.drain_joiner(now)?;
                }
                ContentType::CHANGE_CIPHER_SPEC => {
                    self.machine.handle_change_cipher_spec(&mut self.actions)?;
                    self.apply_actions()?;
                }
                ContentType::ALERT => {
                    let alert = Alert::parse(data).map_err(|_| ConnectionError::MalformedAlert)?;
                    match alert.action_in(self.alert_version()) {
                        // The handshake cannot complete without the peer's messages:
                        // it ends here rather than waiting for bytes that will not come.
                        AlertAction::CloseRead if self.machine.is_handshaking() => {
                            return Err(ConnectionError::PeerClosedDuringHandshake);
                        }
                        AlertAction::CloseRead => self.peer_closed = true,
                        AlertAction::Terminate => {
                            return Err(ConnectionError::AlertReceived(alert.description));
                        }
                        AlertAction::NoteCanceled | AlertAction::IgnoreWarning => {
                            self.warning_alerts += 1;
                            if self.warning_alerts > MAX_WARNING_ALERTS {
                                return Err(PeerMisbehaved::TooManyWarningAlerts.into());
                            }
                        }
                    }
                }
                ContentType::APPLICATION_DATA if !self.machine.is_handshaking() => {
                    if !data.is_empty() {
                        self.machine.application_data_received();
                    }
                    let held = held_range(data, payload_at);
                    self.hold(held)?;
                }
                // Accepted 0-RTT data, within max_early_data_size.
                ContentType::APPLICATION_DATA
                    if self.machine.early_data_received(data.len())? =>
                {
                    self.early_received += data.len();
                    let held = held_range(data, payload_at);
                    self.hold(held)?;
                }
                other => return Err(ConnectionError::UnexpectedRecord(other)),
            }
        }
        self.send_held_plaintext()
    }

    /// Plaintext written during the handshake goes out once it is complete.
    fn send_held_plaintext(&mut self) -> Result<(), ConnectionError> {
        if self.summary.is_some() && !self.held_plaintext.is_empty() && !self.early.undecided {
            let early = core::mem::take(&mut self.held_plaintext);
            self.send_plaintext(&early)?;
        }
        Ok(())
    }

    /// The signature the handshake waits for, if it does (a key that
    /// [`signs_slowly`](qssl_crypto::sign::SigningKey::signs_slowly)): sign it
    /// wherever blocking is fine and give the result to
    /// [`complete_signature`](Self::complete_signature). Until then the connection
    /// reads nothing more (received records stay buffered); what the flight had
    /// before the signature is already in [`pending_tls`](Self::pending_tls).
    pub fn take_signature_request(&mut self) -> Option<crate::SignRequest> {
        self.pending_sign.take().map(|b| *b)
    }

    /// Whether the handshake waits for a signature (taken or not).
    pub fn awaits_signature(&self) -> bool {
        self.error.is_none() && self.machine.awaits_signature()
    }

    /// The signature for the request [`take_signature_request`](Self::take_signature_request)
    /// handed out, or the key's failure (which ends the connection with
    /// internal_error). The rest of the flight is queued; call
    /// [`process`](Self::process) again for what arrived meanwhile.
    pub fn complete_signature(
        &mut self,
        result: Result<Vec<u8>, qssl_crypto::error::CryptoError>,
    ) -> Result<(), ConnectionError> {
        if let Some(e) = self.error {
            return Err(e);
        }
        self.pending_sign = None;
        let done = self
            .machine
            .complete_signature(result, &mut self.actions)
            .map_err(ConnectionError::from)
            .and_then(|()| self.apply_actions())
            .and_then(|()| self.send_held_plaintext());
        done.map_err(|e| self.fatal(e))
    }

    /// The version whose alert rules apply: TLS 1.2 once negotiated (its warning
    /// alerts are warnings), TLS 1.3 otherwise (every alert but close_notify and
    /// user_canceled is fatal, RFC 8446 §6.2).
    fn alert_version(&self) -> TlsVersion {
        if self.machine.is_tls12() {
            TlsVersion::Tls12
        } else {
            TlsVersion::Tls13
        }
    }

    /// Leaves a record's decrypted application data in the record buffer, where the
    /// reader takes it from (one copy, into the reader's buffer).
    fn hold(&mut self, range: core::ops::Range<usize>) -> Result<(), ConnectionError> {
        if self.deframer.hold(range) {
            Ok(())
        } else {
            // Cannot happen: the record layer opens in place, so the plaintext is
            // part of the payload it was given. Should it, the data is not dropped
            // silently: the connection ends with internal_error.
            Err(ConnectionError::Record(
                qssl_record::RecordError::RefusedToSend(ContentType::APPLICATION_DATA),
            ))
        }
    }

    /// Keeps the first fatal error (and returns it): one alert for the peer, if the
    /// error calls for one and none was sent, then nothing more.
    fn fatal(&mut self, e: ConnectionError) -> ConnectionError {
        if let Some(first) = self.error {
            return first;
        }
        self.error = Some(e);
        if let Some(alert) = e.alert() {
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

    /// Applies the machine's actions in order, then seals the handshake bytes queued.
    fn apply_actions(&mut self) -> Result<(), ConnectionError> {
        let mut actions = core::mem::take(&mut self.actions);
        let applied = actions.drain(..).try_for_each(|a| self.apply(a));
        // The vector goes back empty, its allocation kept for the next message.
        actions.clear();
        self.actions = actions;
        applied?;
        self.flush_handshake()
    }

    fn apply(&mut self, action: Action) -> Result<(), ConnectionError> {
        match action {
            Action::SendHandshake { typ, bytes } => self.queue_handshake(typ, bytes),
            Action::SendChangeCipherSpec => {
                self.flush_handshake()?;
                // In the clear: no key, no usage limit.
                let _ =
                    self.record
                        .write(ContentType::CHANGE_CIPHER_SPEC, &[1], &mut self.sendable)?;
            }
            Action::SendWarningAlert(description) => {
                self.flush_handshake()?;
                let alert = Alert::warning(description);
                let _ =
                    self.record
                        .write(ContentType::ALERT, &alert.to_bytes(), &mut self.sendable)?;
            }
            Action::SetWriteKey(key) => {
                self.flush_handshake()?;
                self.record.set_write_protector(key.protector()?);
            }
            Action::SetReadKey(key) => {
                // RFC 8446 §5.1: handshake messages may not span a key change, so the
                // new key applies only at a record boundary with nothing left over.
                // TLS 1.2's change_cipher_spec is held to the same: a CCS inside a
                // message, or before the rest of its record's messages, is refused.
                if self.joiner.is_mid_message() || self.joiner.ready_len() > 0 {
                    return Err(if self.machine.is_tls12() {
                        PeerMisbehaved::UnexpectedChangeCipherSpec
                    } else {
                        PeerMisbehaved::MessageSpansKeyChange
                    }
                    .into());
                }
                if matches!(key, crate::action::TrafficKey::Tls12(_)) {
                    // RFC 5246 §6.2.3: a TLS 1.2 ciphertext may be 2^14 + 2048 bytes.
                    self.deframer.set_max_record_len(
                        Deframer::for_version(TlsVersion::Tls12).max_record_len(),
                    );
                }
                self.record.set_read_protector(key.protector()?);
            }
            Action::HandshakeComplete(s) => self.summary = Some(s),
            Action::StartEarlyData { key, max } => {
                self.flush_handshake()?;
                self.record.set_write_protector(key.protector()?);
                self.early.active = true;
                self.early.budget = (max as usize).min(MAX_EARLY_PLAINTEXT);
            }
            Action::EndEarlyData { accepted } => {
                self.flush_handshake()?;
                self.early.active = false;
                if accepted {
                    self.early.sent = Vec::new();
                } else {
                    self.early.undecided = !self.early.sent.is_empty();
                }
            }
            Action::ClearWriteKey => {
                self.flush_handshake()?;
                self.record.clear_write_protector();
            }
            Action::SkipEarlyData { max } => self.skip_early = max,
            Action::SessionTicket(t) => self.tickets.push(*t),
            Action::Sign(request) => {
                // What the flight has so far goes out while the key signs.
                self.flush_handshake()?;
                self.pending_sign = Some(request);
            }
            Action::KeyLog {
                label,
                client_random,
                secret,
            } => {
                if let Some(kl) = &self.key_log {
                    kl.log(label, &client_random, &secret);
                }
            }
        }
        Ok(())
    }

    #[cfg(not(feature = "test-hooks"))]
    fn queue_handshake(&mut self, _typ: HandshakeType, bytes: Vec<u8>) {
        self.pending_handshake.extend_from_slice(&bytes);
    }

    /// With the `test-hooks` feature the test hook may rewrite the message first (the
    /// transcript already holds the original bytes).
    #[cfg(feature = "test-hooks")]
    fn queue_handshake(&mut self, typ: HandshakeType, mut bytes: Vec<u8>) {
        if let Some(h) = self.hook.as_mut() {
            h(typ, &mut bytes);
        }
        self.pending_handshake.extend_from_slice(&bytes);
    }

    /// Seals the queued handshake bytes into records under the current write key.
    fn flush_handshake(&mut self) -> Result<(), ConnectionError> {
        if self.pending_handshake.is_empty() {
            return Ok(());
        }
        // A key's usage limit is acted on when application data is sealed (see
        // `send_plaintext`): the few handshake records of a key change cannot reach it.
        let _ = self.record.write(
            ContentType::HANDSHAKE,
            &self.pending_handshake,
            &mut self.sendable,
        )?;
        // Freed, not cleared: a server's flight with an ML-DSA chain is ~10 KiB.
        self.pending_handshake = Vec::new();
        Ok(())
    }

    // ------------------------------------------------------------ bytes out

    /// The sealed bytes waiting for the peer, oldest first.
    pub fn pending_tls(&self) -> &[u8] {
        &self.sendable
    }

    /// The first `n` bytes of [`pending_tls`](Self::pending_tls) were sent.
    pub fn consume_tls(&mut self, n: usize) {
        self.sendable.advance(n.min(self.sendable.len()));
        if self.sendable.is_empty() {
            // All sent: free the buffer (a flight or a burst of records may have
            // grown it past 16 KiB); the next record allocates what it needs.
            self.sendable = BytesMut::new();
        }
    }

    /// Test hook: queues raw bytes for the peer after what is already queued.
    #[cfg(feature = "test-hooks")]
    pub(crate) fn inject_tls(&mut self, bytes: &[u8]) {
        self.sendable.extend_from_slice(bytes);
    }

    /// Test hook: seals `bytes` as handshake records under the current write key
    /// (e.g. a HelloRequest our state machines never send).
    #[cfg(feature = "test-hooks")]
    pub(crate) fn send_handshake_bytes(&mut self, bytes: &[u8]) -> Result<(), ConnectionError> {
        let _ = self
            .record
            .write(ContentType::HANDSHAKE, bytes, &mut self.sendable)?;
        Ok(())
    }

    /// Whether bytes wait in [`pending_tls`](Self::pending_tls).
    pub fn wants_write(&self) -> bool {
        !self.sendable.is_empty()
    }

    // ------------------------------------------------------------ plaintext

    /// Received plaintext bytes not yet read.
    pub fn plaintext_len(&self) -> usize {
        self.deframer.held_len()
    }

    /// Moves received plaintext into `buf`; returns how many bytes (0 if none is
    /// buffered: see [`peer_has_closed`](Self::peer_has_closed),
    /// [`transport_ended`](Self::transport_ended) and [`error`](Self::error)).
    pub fn read_plaintext(&mut self, buf: &mut [u8]) -> usize {
        // Straight from the record buffer, where the records were decrypted.
        self.deframer.read_held(buf)
    }

    /// Plaintext to send: sealed into records at once after the handshake, buffered
    /// before (up to [`MAX_EARLY_PLAINTEXT`] bytes; the count taken is returned).
    /// After [`send_close_notify`](Self::send_close_notify) nothing is taken (`Ok(0)`).
    /// An empty `data` after the handshake sends an empty record.
    pub fn write_plaintext(&mut self, data: &[u8]) -> Result<usize, ConnectionError> {
        if let Some(e) = self.error {
            return Err(e);
        }
        if self.sent_close {
            return Ok(0);
        }
        if self.summary.is_none() || self.early.undecided {
            let room = MAX_EARLY_PLAINTEXT.saturating_sub(self.held_plaintext.len());
            let n = room.min(data.len());
            self.held_plaintext.extend_from_slice(&data[..n]);
            return Ok(n);
        }
        if let Err(e) = self.send_plaintext(data) {
            return Err(self.fatal(e));
        }
        Ok(data.len())
    }

    /// Client: sends `data` as 0-RTT data (RFC 8446 §2.3) if the ClientHello offered
    /// it and the server has not answered yet, up to the ticket's
    /// max_early_data_size; returns how many bytes went (0 when early data cannot be
    /// sent now: no ticket allowing it, 0-RTT not enabled, or the server already
    /// answered). Early data may be replayed by an attacker and is not forward
    /// secret: send only what is safe to receive twice. Whether the server took it
    /// is [`early_data_status`](Self::early_data_status) once the handshake is
    /// complete; if it did not, decide with
    /// [`resend_rejected_early_data`](Self::resend_rejected_early_data) or
    /// [`discard_rejected_early_data`](Self::discard_rejected_early_data).
    pub fn write_early_data(&mut self, data: &[u8]) -> Result<usize, ConnectionError> {
        if let Some(e) = self.error {
            return Err(e);
        }
        if !self.early.active || self.sent_close {
            return Ok(0);
        }
        let n = self.early.budget.min(data.len());
        if n == 0 {
            return Ok(0);
        }
        if let Err(e) = self.record.write(
            ContentType::APPLICATION_DATA,
            &data[..n],
            &mut self.sendable,
        ) {
            return Err(self.fatal(e.into()));
        }
        self.early.budget -= n;
        self.early.sent.extend_from_slice(&data[..n]);
        Ok(n)
    }

    /// Whether 0-RTT data was offered, and accepted, once the handshake is complete.
    pub fn early_data_status(&self) -> Option<EarlyDataStatus> {
        self.handshake_summary().map(|s| s.early_data)
    }

    /// Client: the server did not take our 0-RTT data and we have not decided what to
    /// do with it yet: the bytes (nothing written since goes out until we decide).
    pub fn rejected_early_data(&self) -> Option<&[u8]> {
        self.early.undecided.then_some(self.early.sent.as_slice())
    }

    /// Client: sends the rejected 0-RTT data again, as ordinary application data,
    /// ahead of anything written since; returns its length (0 if there is none).
    pub fn resend_rejected_early_data(&mut self) -> Result<usize, ConnectionError> {
        if let Some(e) = self.error {
            return Err(e);
        }
        if !self.early.undecided || self.summary.is_none() {
            return Ok(0);
        }
        self.early.undecided = false;
        let early = core::mem::take(&mut self.early.sent);
        let held = core::mem::take(&mut self.held_plaintext);
        for data in [early.as_slice(), held.as_slice()] {
            if !data.is_empty()
                && let Err(e) = self.send_plaintext(data)
            {
                return Err(self.fatal(e));
            }
        }
        Ok(early.len())
    }

    /// Client: drops the rejected 0-RTT data (the application will not send it
    /// again); what was written since goes out.
    pub fn discard_rejected_early_data(&mut self) -> Result<(), ConnectionError> {
        if let Some(e) = self.error {
            return Err(e);
        }
        if !self.early.undecided || self.summary.is_none() {
            return Ok(());
        }
        self.early.undecided = false;
        self.early.sent = Vec::new();
        let held = core::mem::take(&mut self.held_plaintext);
        if !held.is_empty()
            && let Err(e) = self.send_plaintext(&held)
        {
            return Err(self.fatal(e));
        }
        Ok(())
    }

    /// Server: how many bytes at the start of the received stream arrived as accepted
    /// 0-RTT data (possibly replayed: RFC 8446 §8), counted whether read yet or not.
    pub fn early_data_received(&self) -> usize {
        self.early_received
    }

    fn send_plaintext(&mut self, data: &[u8]) -> Result<(), ConnectionError> {
        // A KeyUpdate owed for the peer's update_requested goes just before our next
        // application data (RFC 8446 §4.6.3), once however many requests came.
        self.machine.answer_key_update(&mut self.actions)?;
        self.apply_actions()?;
        let status = self
            .record
            .write(ContentType::APPLICATION_DATA, data, &mut self.sendable)?;
        if status >= SealStatus::KeyUpdateDue {
            if self.machine.is_tls12() {
                // TLS 1.2 has no KeyUpdate and we refuse renegotiation: a key at its
                // usage limit ends the connection cleanly.
                self.send_close_notify();
            } else {
                self.refresh_keys(false)?;
            }
        }
        Ok(())
    }

    fn refresh_keys(&mut self, request_peer: bool) -> Result<(), ConnectionError> {
        self.machine.update_keys(request_peer, &mut self.actions)?;
        self.apply_actions()
    }

    /// Sends a KeyUpdate asking the peer to update too (RFC 8446 §4.6.3).
    pub fn refresh_traffic_keys(&mut self) -> Result<(), ConnectionError> {
        if let Some(e) = self.error {
            return Err(e);
        }
        self.refresh_keys(true).map_err(|e| self.fatal(e))
    }

    /// Queues close_notify: we send nothing more (the peer may still send, RFC 8446
    /// §6.1). Once only, and not after a fatal error.
    pub fn send_close_notify(&mut self) {
        if self.sent_close || self.error.is_some() {
            return;
        }
        self.sent_close = true;
        let _ = self.record.write(
            ContentType::ALERT,
            &Alert::close_notify().to_bytes(),
            &mut self.sendable,
        );
    }

    // ------------------------------------------------------------ state

    /// The fatal error that ended the connection, if any.
    pub fn error(&self) -> Option<ConnectionError> {
        self.error
    }

    /// Whether this is the client side.
    pub fn is_client(&self) -> bool {
        self.machine.is_client()
    }

    /// Whether the handshake has not completed (yet, or ever: a connection that
    /// failed during its handshake stays handshaking).
    pub fn is_handshaking(&self) -> bool {
        self.summary.is_none()
    }

    /// The peer sent close_notify.
    pub fn peer_has_closed(&self) -> bool {
        self.peer_closed
    }

    /// The transport ended ([`receive_eof`](Self::receive_eof)).
    pub fn transport_ended(&self) -> bool {
        self.transport_ended
    }

    /// We queued close_notify.
    pub fn close_notify_sent(&self) -> bool {
        self.sent_close
    }

    /// The full handshake summary, once the handshake is complete.
    pub fn handshake_summary(&self) -> Option<&HandshakeSummary> {
        self.summary.as_deref()
    }

    /// The negotiated version, once the handshake is complete.
    pub fn protocol_version(&self) -> Option<TlsVersion> {
        self.handshake_summary().map(|s| s.version)
    }

    /// The negotiated cipher suite.
    pub fn negotiated_cipher_suite(&self) -> Option<CipherSuite> {
        self.handshake_summary().map(|s| s.suite.suite())
    }

    /// The negotiated key exchange group.
    pub fn negotiated_key_exchange_group(&self) -> Option<NamedGroup> {
        self.handshake_summary().and_then(|s| s.group)
    }

    /// The scheme the peer signed its CertificateVerify with (none for a server
    /// whose client did not authenticate).
    pub fn peer_signature_scheme(&self) -> Option<SignatureScheme> {
        let s = self.handshake_summary()?;
        if self.is_client() {
            Some(s.server_signature_scheme)
        } else {
            s.client_signature_scheme
        }
    }

    /// The agreed ALPN protocol.
    pub fn alpn_protocol(&self) -> Option<&[u8]> {
        self.handshake_summary()
            .and_then(|s| s.alpn_protocol.as_deref())
    }

    /// The peer's certificate chain, end entity first.
    pub fn peer_certificates(&self) -> Option<&[CertificateDer<'static>]> {
        self.handshake_summary()
            .map(|s| s.peer_certificates.as_slice())
            .filter(|c| !c.is_empty())
    }

    /// What the handshake negotiated, with the post-quantum flags.
    pub fn connection_info(&self) -> Option<ConnectionInfo> {
        self.handshake_summary().map(|s| ConnectionInfo {
            protocol_version: s.version,
            cipher_suite: s.suite.suite(),
            key_exchange_group: s.group,
            resumed: s.resumed,
            server_signature_scheme: s.server_signature_scheme,
            kx_post_quantum: s.kx_post_quantum,
            peer_auth_post_quantum: s.peer_auth_post_quantum,
        })
    }

    /// The certificate path this side verified for the peer, end entity first, with
    /// each signature's algorithm (`None` before the handshake ends).
    pub fn peer_verified_path(&self) -> Option<&VerifiedPath> {
        self.handshake_summary().map(|s| &s.peer_verified_path)
    }

    /// Whether the key exchange is post-quantum (`None` before the handshake ends).
    pub fn is_post_quantum(&self) -> Option<bool> {
        self.handshake_summary().map(|s| s.kx_post_quantum)
    }

    /// The session tickets received and not yet taken (client side), oldest first.
    ///
    /// A server may send any number of NewSessionTickets: only the newest
    /// [`MAX_KEPT_TICKETS`] are kept, and older ones are dropped while the kept
    /// tickets' encoded size exceeds [`MAX_KEPT_TICKET_BYTES`].
    pub fn received_tickets(&self) -> &[NewSessionTicket] {
        self.tickets.as_slice()
    }

    /// Takes the session tickets received so far (see
    /// [`received_tickets`](Self::received_tickets)); the connection keeps none.
    pub fn take_received_tickets(&mut self) -> Vec<NewSessionTicket> {
        self.tickets.take()
    }
}

/// Where `data`, the decrypted content of a record whose payload started at address
/// `payload_at`, lies in that payload (the record layer opens in place: TLS 1.3
/// content at its start, TLS 1.2 after an explicit nonce).
fn held_range(data: &[u8], payload_at: usize) -> core::ops::Range<usize> {
    // Addresses only, never dereferenced. An empty slice may point anywhere: it
    // holds nothing.
    let start = (data.as_ptr() as usize).wrapping_sub(payload_at);
    if data.is_empty() {
        return 0..0;
    }
    start..start.saturating_add(data.len())
}

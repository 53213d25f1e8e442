//! Async TLS over tokio: [`TlsConnector`] / [`TlsAcceptor`] run the handshake over any
//! `AsyncRead + AsyncWrite + Unpin` transport and yield a [`TlsStream`] that is itself
//! `AsyncRead + AsyncWrite`.
//!
//! This is a thin driver around the sans-I/O [`ClientConnection`] /
//! [`ServerConnection`]: bytes move between the transport and the connection's own
//! bounded buffers, nothing else is buffered here. A read returns `Ok(0)` only after the
//! peer's close_notify; a transport that ends without one is an
//! [`io::ErrorKind::UnexpectedEof`] error, as for the blocking [`Stream`](crate::Stream).
//! [`AsyncWriteExt::shutdown`](::tokio::io::AsyncWriteExt::shutdown) sends close_notify,
//! flushes, then shuts the transport down.
//!
//! A TLS failure is an `io::Error` of kind `InvalidData` carrying a [`TlsError`], whose
//! message names the alert sent or received (e.g. `... (sent alert unknown_ca)`).
//!
//! A server handshake has no deadline by default: a peer that stalls mid-handshake
//! holds its [`Accept`] until the transport fails. [`TlsAcceptor::with_handshake_timeout`]
//! sets one (the runtime needs its timer: `enable_time` / `enable_all`); past it the
//! handshake ends with an `io::Error` of kind `TimedOut`.
//!
//! Enabled by the `tokio` feature. A client and a server in one process, over an
//! in-memory pipe:
//!
//! ```
//! use std::sync::Arc;
//! use qssl::pki_types::{CertificateDer, ServerName};
//! use qssl::tokio::{TlsAcceptor, TlsConnector};
//! use qssl::{ClientConfig, RootCertStore, ServerConfig};
//! use qssl_crypto::{keys, pki, sign::{KeyAlgorithm, SigningKey}};
//! use tokio::io::{AsyncReadExt, AsyncWriteExt};
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! // A throwaway PKI: an ML-DSA-65 root and a leaf for "localhost".
//! let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH)?.as_secs();
//! let root_key = keys::generate(KeyAlgorithm::MlDsa65)?;
//! let mut ca = pki::CertificateParams::new("demo root", &[1], now - 60, now + 3600);
//! ca.role = pki::CertificateRole::Ca { path_len: None };
//! let root = pki::self_signed(&ca, &pki::KeySigner(&root_key))?;
//! let leaf_key = keys::generate(KeyAlgorithm::MlDsa65)?;
//! let mut ee = pki::CertificateParams::new("", &[2], now - 60, now + 3600);
//! ee.dns_names = vec!["localhost".into()];
//! let leaf = pki::issue(&ee, &leaf_key.public_key_spki(), &root.der, &pki::KeySigner(&root_key))?;
//!
//! let acceptor = TlsAcceptor::from(Arc::new(
//!     ServerConfig::builder()
//!         .with_single_cert(vec![CertificateDer::from(leaf.der)], Box::new(leaf_key))
//!         .build()?,
//! ));
//! let mut roots = RootCertStore::new();
//! roots.add(CertificateDer::from(root.der))?;
//! let connector = TlsConnector::from(Arc::new(
//!     ClientConfig::builder().with_root_certificates(Arc::new(roots)).build()?,
//! ));
//!
//! let rt = tokio::runtime::Builder::new_current_thread().build()?;
//! rt.block_on(async move {
//!     let (client_io, server_io) = tokio::io::duplex(16 * 1024);
//!     let server = tokio::spawn(async move {
//!         let mut tls = acceptor.accept(server_io).await?;
//!         let mut buf = [0u8; 5];
//!         tls.read_exact(&mut buf).await?;
//!         tls.write_all(&buf).await?; // echo
//!         tls.shutdown().await // close_notify
//!     });
//!
//!     let mut tls = connector.connect(ServerName::try_from("localhost")?, client_io).await?;
//!     let info = tls.get_ref().1.connection_info().expect("handshake done");
//!     assert!(info.kx_post_quantum && info.peer_auth_post_quantum);
//!     tls.write_all(b"hello").await?;
//!     let mut echo = Vec::new();
//!     tls.read_to_end(&mut echo).await?; // up to the server's close_notify
//!     assert_eq!(echo, b"hello");
//!     server.await??;
//!     Ok::<_, Box<dyn std::error::Error>>(())
//! })?;
//! # Ok(()) }
//! ```

use std::fmt;
use std::future::Future;
use std::io::{self, Read, Write};
use std::ops::DerefMut;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use ::tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use ::tokio::time::Sleep;

use crate::config::{ClientConfig, ServerConfig};
use crate::conn::{ClientConnection, ConnectionCommon, ServerConnection};
use crate::error::Error;
use crate::pki_types::ServerName;

/// At most this much plaintext is sealed per `poll_write`: with the rule that pending
/// TLS bytes are written out before more plaintext is taken, it bounds what the
/// connection holds for the transport.
const MAX_WRITE_CHUNK: usize = 64 * 1024;

/// The TLS failure inside the `io::Error`s of this module (kind `InvalidData`).
///
/// Its message is the [`Error`]'s followed by the alert this side sent for it, so
/// a log line says what the peer was told; an [`Error::AlertReceived`] already names
/// the peer's alert. Get it back with
/// `io_error.get_ref().and_then(|e| e.downcast_ref::<TlsError>())`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TlsError(pub Error);

impl TlsError {
    /// The connection's error.
    pub fn error(&self) -> Error {
        self.0
    }

    /// The fatal alert the peer sent, if that is what ended the connection.
    pub fn alert_received(&self) -> Option<crate::AlertDescription> {
        match self.0 {
            Error::AlertReceived(a) => Some(a),
            _ => None,
        }
    }

    /// The fatal alert this side sent (or tried to send) for the error.
    pub fn alert_sent(&self) -> Option<crate::AlertDescription> {
        self.0.alert()
    }
}

impl fmt::Display for TlsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.alert_sent() {
            Some(alert) => write!(f, "{} (sent alert {alert})", self.0),
            None => write!(f, "{}", self.0),
        }
    }
}

impl std::error::Error for TlsError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&self.0)
    }
}

impl From<TlsError> for io::Error {
    fn from(e: TlsError) -> Self {
        io::Error::new(io::ErrorKind::InvalidData, e)
    }
}

fn tls_io_error(e: Error) -> io::Error {
    TlsError(e).into()
}

/// An error the connection's reader or writer returned: the connection's fatal error
/// is re-wrapped so that its message names the alert.
fn rewrap(conn: &ConnectionCommon, e: io::Error) -> io::Error {
    match conn.error() {
        Some(err) if e.kind() == io::ErrorKind::InvalidData => tls_io_error(err),
        _ => e,
    }
}

/// `io::Read` over an `AsyncRead` for one poll: `Pending` becomes `WouldBlock` (the
/// waker is registered by the transport).
struct SyncReadAdapter<'a, 'b, T> {
    io: &'a mut T,
    cx: &'a mut Context<'b>,
}

impl<T: AsyncRead + Unpin> Read for SyncReadAdapter<'_, '_, T> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let mut buf = ReadBuf::new(buf);
        match Pin::new(&mut *self.io).poll_read(self.cx, &mut buf) {
            Poll::Ready(Ok(())) => Ok(buf.filled().len()),
            Poll::Ready(Err(e)) => Err(e),
            Poll::Pending => Err(io::ErrorKind::WouldBlock.into()),
        }
    }
}

/// `io::Write` over an `AsyncWrite` for one poll, as [`SyncReadAdapter`].
struct SyncWriteAdapter<'a, 'b, T> {
    io: &'a mut T,
    cx: &'a mut Context<'b>,
}

impl<T: AsyncWrite + Unpin> Write for SyncWriteAdapter<'_, '_, T> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match Pin::new(&mut *self.io).poll_write(self.cx, buf) {
            Poll::Ready(r) => r,
            Poll::Pending => Err(io::ErrorKind::WouldBlock.into()),
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        match Pin::new(&mut *self.io).poll_flush(self.cx) {
            Poll::Ready(r) => r,
            Poll::Pending => Err(io::ErrorKind::WouldBlock.into()),
        }
    }
}

/// A TLS connection over an async transport, after its handshake.
///
/// `C` is [`ClientConnection`] or [`ServerConnection`]; see the aliases
/// [`client::TlsStream`] and [`server::TlsStream`].
#[derive(Debug)]
pub struct TlsStream<IO, C> {
    io: IO,
    conn: C,
    /// A slow key's handshake signature, being made on tokio's blocking pool so
    /// that this task's executor thread serves other connections meanwhile.
    signing: Option<tokio::task::JoinHandle<Result<Vec<u8>, qssl_crypto::error::CryptoError>>>,
}

/// Client-side names, as in tokio-rustls.
pub mod client {
    /// A client's TLS stream.
    pub type TlsStream<IO> = super::TlsStream<IO, crate::ClientConnection>;
}

/// Server-side names, as in tokio-rustls.
pub mod server {
    /// A server's TLS stream.
    pub type TlsStream<IO> = super::TlsStream<IO, crate::ServerConnection>;
}

impl<IO, C> TlsStream<IO, C> {
    /// The transport and the connection (negotiated group, suite, post-quantum flags:
    /// [`ConnectionCommon::connection_info`]).
    pub fn get_ref(&self) -> (&IO, &C) {
        (&self.io, &self.conn)
    }

    /// The transport and the connection, mutably. Reading from or writing to the
    /// transport directly corrupts the TLS stream.
    pub fn get_mut(&mut self) -> (&mut IO, &mut C) {
        (&mut self.io, &mut self.conn)
    }

    /// The transport and the connection. Bytes the connection still holds stay in it.
    pub fn into_inner(self) -> (IO, C) {
        (self.io, self.conn)
    }
}

impl<IO, C> TlsStream<IO, C>
where
    IO: AsyncRead + AsyncWrite + Unpin,
    C: DerefMut<Target = ConnectionCommon>,
{
    /// Writes TLS bytes until the connection has none left.
    fn poll_write_tls(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        while self.conn.wants_write() {
            let mut wr = SyncWriteAdapter {
                io: &mut self.io,
                cx,
            };
            match self.conn.write_tls(&mut wr) {
                Ok(0) => return Poll::Ready(Err(io::ErrorKind::WriteZero.into())),
                Ok(_) => {}
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => return Poll::Pending,
                Err(e) => return Poll::Ready(Err(e)),
            }
        }
        Poll::Ready(Ok(()))
    }

    /// Reads TLS bytes once and processes them. `Ready(Ok(n))` with `n == 0` at the
    /// transport's end of stream.
    fn poll_read_tls(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<usize>> {
        let mut rd = SyncReadAdapter {
            io: &mut self.io,
            cx,
        };
        let n = match self.conn.read_tls(&mut rd) {
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => return Poll::Pending,
            Err(e) => return Poll::Ready(Err(e)),
        };
        if let Err(e) = self.conn.process_new_packets() {
            self.send_alert(cx);
            return Poll::Ready(Err(tls_io_error(e)));
        }
        Poll::Ready(Ok(n))
    }

    /// Best effort: the fatal alert the connection queued reaches the peer if the
    /// transport takes it now; the error is reported either way.
    fn send_alert(&mut self, cx: &mut Context<'_>) {
        if let Poll::Ready(Ok(())) = self.poll_write_tls(cx) {
            let _ = Pin::new(&mut self.io).poll_flush(cx);
        }
    }

    /// A slow key's signature: started on the blocking pool when the handshake asks
    /// for one, given back when done (then what arrived meanwhile is processed).
    /// `Ready(Ok(true))` when the handshake can go on, `Ready(Ok(false))` when no
    /// signature is involved, `Pending` while one is being made.
    fn poll_signature(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<bool>> {
        if self.signing.is_none() {
            let Some(request) = self.conn.take_signature_request() else {
                return Poll::Ready(Ok(false));
            };
            self.signing = Some(tokio::task::spawn_blocking(move || request.sign()));
        }
        let Some(task) = self.signing.as_mut() else {
            return Poll::Ready(Ok(false));
        };
        let joined = match Pin::new(task).poll(cx) {
            Poll::Pending => return Poll::Pending,
            Poll::Ready(joined) => joined,
        };
        self.signing = None;
        // A signer that panicked (or a runtime shutting down) is a failed signature.
        let result = joined.unwrap_or(Err(qssl_crypto::error::CryptoError::SigningFailed(
            "the signing task did not finish",
        )));
        let done = self
            .conn
            .complete_signature(result)
            .and_then(|()| self.conn.process_new_packets().map(drop));
        if let Err(e) = done {
            self.send_alert(cx);
            return Poll::Ready(Err(tls_io_error(e)));
        }
        Poll::Ready(Ok(true))
    }

    /// Drives the handshake to its end: everything written, nothing more expected.
    fn poll_handshake(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        loop {
            // The flight so far goes out while a signature is being made.
            match self.poll_signature(cx) {
                Poll::Ready(Ok(_)) => {}
                Poll::Ready(Err(e)) => return Poll::Ready(Err(e)),
                Poll::Pending => {
                    if let Poll::Ready(Err(e)) = self.poll_write_tls(cx) {
                        return Poll::Ready(Err(e));
                    }
                    return Poll::Pending;
                }
            }
            let wrote_all = match self.poll_write_tls(cx) {
                Poll::Ready(Ok(())) => true,
                Poll::Ready(Err(e)) => return Poll::Ready(Err(e)),
                Poll::Pending => false,
            };
            if !self.conn.is_handshaking() {
                if !wrote_all {
                    return Poll::Pending;
                }
                return Pin::new(&mut self.io).poll_flush(cx);
            }
            // Our flight may be half written while the peer's next one is already
            // readable (or the peer is failing us): read in any case. Each turn of the
            // loop reads at least one byte or returns, so it never spins.
            match self.poll_read_tls(cx) {
                Poll::Ready(Ok(0)) => {
                    return Poll::Ready(Err(io::Error::new(
                        io::ErrorKind::UnexpectedEof,
                        "peer closed the connection during the handshake",
                    )));
                }
                Poll::Ready(Ok(_)) => {}
                Poll::Ready(Err(e)) => return Poll::Ready(Err(e)),
                Poll::Pending => {
                    if wrote_all {
                        // The transport may buffer (BufWriter, TLS over TLS): the
                        // peer must see our flight before it can answer.
                        if let Poll::Ready(Err(e)) = Pin::new(&mut self.io).poll_flush(cx) {
                            return Poll::Ready(Err(e));
                        }
                    }
                    return Poll::Pending;
                }
            }
        }
    }
}

impl<IO, C> AsyncRead for TlsStream<IO, C>
where
    IO: AsyncRead + AsyncWrite + Unpin,
    C: DerefMut<Target = ConnectionCommon> + Unpin,
{
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        if buf.remaining() == 0 {
            return Poll::Ready(Ok(()));
        }
        // Only the transport's read side is polled here, so a reader and a writer in
        // two tasks (`tokio::io::split`) never take each other's wakers. A KeyUpdate
        // the peer asked for is not queued here: the connection sends it just before
        // our next application data, so an idle writer costs nothing.
        loop {
            match this.conn.reader().read(buf.initialize_unfilled()) {
                Ok(n) => {
                    buf.advance(n);
                    return Poll::Ready(Ok(()));
                }
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {}
                Err(e) => return Poll::Ready(Err(rewrap(&this.conn, e))),
            }
            // Nothing buffered: read more. The reader was empty, so the plaintext the
            // connection holds stays within one record's worth.
            match this.poll_read_tls(cx) {
                // End of stream or new bytes: the reader now has data, `Ok(0)` (close_notify),
                // `UnexpectedEof`, or still nothing and we read again.
                Poll::Ready(Ok(_)) => {}
                Poll::Ready(Err(e)) => return Poll::Ready(Err(e)),
                Poll::Pending => return Poll::Pending,
            }
        }
    }
}

impl<IO, C> AsyncWrite for TlsStream<IO, C>
where
    IO: AsyncRead + AsyncWrite + Unpin,
    C: DerefMut<Target = ConnectionCommon> + Unpin,
{
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        // Backpressure: take no plaintext while sealed bytes wait for the transport.
        match this.poll_write_tls(cx) {
            Poll::Ready(Ok(())) => {}
            other => return other.map(|r| r.map(|()| 0)),
        }
        if buf.is_empty() {
            return Poll::Ready(Ok(0));
        }
        let chunk = &buf[..buf.len().min(MAX_WRITE_CHUNK)];
        let n = match this.conn.writer().write(chunk) {
            Ok(n) => n,
            Err(e) => return Poll::Ready(Err(rewrap(&this.conn, e))),
        };
        // Push what we can now; the rest goes first on the next write or flush.
        if let Poll::Ready(Err(e)) = this.poll_write_tls(cx) {
            return Poll::Ready(Err(e));
        }
        Poll::Ready(Ok(n))
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        match this.poll_write_tls(cx) {
            Poll::Ready(Ok(())) => Pin::new(&mut this.io).poll_flush(cx),
            other => other,
        }
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        // Idempotent: queued once however often shutdown is polled.
        this.conn.send_close_notify();
        match this.poll_write_tls(cx) {
            Poll::Ready(Ok(())) => {}
            other => return other,
        }
        match Pin::new(&mut this.io).poll_flush(cx) {
            Poll::Ready(Ok(())) => {}
            other => return other,
        }
        Pin::new(&mut this.io).poll_shutdown(cx)
    }
}

/// A handshake in progress, or what stopped it before it began.
enum MidHandshake<IO, C> {
    Handshaking(TlsStream<IO, C>),
    Failed(io::Error, IO),
    Done,
}

impl<IO, C> MidHandshake<IO, C>
where
    IO: AsyncRead + AsyncWrite + Unpin,
    C: DerefMut<Target = ConnectionCommon> + Unpin,
{
    /// [`poll_fallible`](Self::poll_fallible), ended with a `TimedOut` error once
    /// `deadline` (if any) has passed with the handshake still pending.
    fn poll_with_deadline(
        &mut self,
        deadline: &mut Option<Deadline>,
        cx: &mut Context<'_>,
    ) -> Poll<Result<TlsStream<IO, C>, (io::Error, IO)>> {
        match self.poll_fallible(cx) {
            Poll::Pending => {}
            ready => return ready,
        }
        let Some(deadline) = deadline else {
            return Poll::Pending;
        };
        if deadline.poll_elapsed(cx).is_pending() {
            return Poll::Pending;
        }
        let e = io::Error::new(
            io::ErrorKind::TimedOut,
            format!("TLS handshake not complete within {:?}", deadline.timeout),
        );
        match std::mem::replace(self, Self::Done) {
            Self::Handshaking(stream) => Poll::Ready(Err((e, stream.io))),
            Self::Failed(e, io) => Poll::Ready(Err((e, io))),
            Self::Done => panic!("handshake future polled after completion"),
        }
    }

    fn poll_fallible(
        &mut self,
        cx: &mut Context<'_>,
    ) -> Poll<Result<TlsStream<IO, C>, (io::Error, IO)>> {
        let result = match self {
            Self::Handshaking(stream) => match stream.poll_handshake(cx) {
                Poll::Pending => return Poll::Pending,
                Poll::Ready(r) => r,
            },
            Self::Failed(..) => Ok(()),
            Self::Done => panic!("handshake future polled after completion"),
        };
        match (std::mem::replace(self, Self::Done), result) {
            (Self::Handshaking(stream), Ok(())) => Poll::Ready(Ok(stream)),
            (Self::Handshaking(stream), Err(e)) => Poll::Ready(Err((e, stream.io))),
            (Self::Failed(e, io), _) => Poll::Ready(Err((e, io))),
            (Self::Done, _) => unreachable!("replaced above"),
        }
    }
}

impl<IO, C> fmt::Debug for MidHandshake<IO, C> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Handshaking(_) => "Handshaking",
            Self::Failed(..) => "Failed",
            Self::Done => "Done",
        })
    }
}

/// A server handshake's deadline: a point in time fixed when the handshake starts, and
/// the timer waiting for it, made on the first poll (inside the runtime).
struct Deadline {
    at: Instant,
    timeout: Duration,
    sleep: Option<Pin<Box<Sleep>>>,
}

impl Deadline {
    fn new(timeout: Duration) -> Self {
        Self {
            at: Instant::now() + timeout,
            timeout,
            sleep: None,
        }
    }

    fn poll_elapsed(&mut self, cx: &mut Context<'_>) -> Poll<()> {
        let at = self.at;
        self.sleep
            .get_or_insert_with(|| {
                Box::pin(::tokio::time::sleep_until(
                    ::tokio::time::Instant::from_std(at),
                ))
            })
            .as_mut()
            .poll(cx)
    }
}

impl fmt::Debug for Deadline {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Deadline")
            .field("timeout", &self.timeout)
            .finish_non_exhaustive()
    }
}

/// Starts client handshakes with one shared [`ClientConfig`].
#[derive(Debug, Clone)]
pub struct TlsConnector {
    config: Arc<ClientConfig>,
}

impl TlsConnector {
    /// A connector for `config`.
    pub fn new(config: Arc<ClientConfig>) -> Self {
        Self { config }
    }

    /// The configuration.
    pub fn config(&self) -> &Arc<ClientConfig> {
        &self.config
    }

    /// Runs a client handshake with `server_name` over `io`.
    pub fn connect<IO>(&self, server_name: ServerName<'static>, io: IO) -> Connect<IO>
    where
        IO: AsyncRead + AsyncWrite + Unpin,
    {
        let state = match ClientConnection::new(self.config.clone(), server_name) {
            Ok(mut conn) => {
                conn.set_inline_signing(false);
                MidHandshake::Handshaking(TlsStream {
                    io,
                    conn,
                    signing: None,
                })
            }
            Err(e) => MidHandshake::Failed(tls_io_error(e), io),
        };
        Connect(state)
    }
}

impl From<Arc<ClientConfig>> for TlsConnector {
    fn from(config: Arc<ClientConfig>) -> Self {
        Self::new(config)
    }
}

/// Accepts server handshakes with one shared [`ServerConfig`].
#[derive(Debug, Clone)]
pub struct TlsAcceptor {
    config: Arc<ServerConfig>,
    handshake_timeout: Option<Duration>,
}

impl TlsAcceptor {
    /// An acceptor for `config`, without a handshake deadline.
    pub fn new(config: Arc<ServerConfig>) -> Self {
        Self {
            config,
            handshake_timeout: None,
        }
    }

    /// Ends each handshake that is not complete `timeout` after
    /// [`accept`](Self::accept) was called (a peer that stalls or trickles bytes
    /// mid-handshake) with an `io::Error` of kind `TimedOut`. The runtime must have
    /// its timer enabled (`Builder::enable_time` or `enable_all`; `#[tokio::main]`
    /// does).
    #[must_use]
    pub fn with_handshake_timeout(mut self, timeout: Duration) -> Self {
        self.handshake_timeout = Some(timeout);
        self
    }

    /// The handshake deadline, if any.
    pub fn handshake_timeout(&self) -> Option<Duration> {
        self.handshake_timeout
    }

    /// The configuration.
    pub fn config(&self) -> &Arc<ServerConfig> {
        &self.config
    }

    /// Runs a server handshake over `io`.
    pub fn accept<IO>(&self, io: IO) -> Accept<IO>
    where
        IO: AsyncRead + AsyncWrite + Unpin,
    {
        let state = match ServerConnection::new(self.config.clone()) {
            Ok(mut conn) => {
                conn.set_inline_signing(false);
                MidHandshake::Handshaking(TlsStream {
                    io,
                    conn,
                    signing: None,
                })
            }
            Err(e) => MidHandshake::Failed(tls_io_error(e), io),
        };
        Accept(state, self.handshake_timeout.map(Deadline::new))
    }
}

impl From<Arc<ServerConfig>> for TlsAcceptor {
    fn from(config: Arc<ServerConfig>) -> Self {
        Self::new(config)
    }
}

/// The client handshake of [`TlsConnector::connect`]: resolves to the stream once the
/// handshake is complete and our last flight is flushed.
#[derive(Debug)]
#[must_use = "futures do nothing unless polled"]
pub struct Connect<IO>(MidHandshake<IO, ClientConnection>);

impl<IO> Connect<IO> {
    /// A future that gives the transport back on failure.
    pub fn into_fallible(self) -> FallibleConnect<IO> {
        FallibleConnect(self.0)
    }
}

impl<IO: AsyncRead + AsyncWrite + Unpin> Future for Connect<IO> {
    type Output = io::Result<client::TlsStream<IO>>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        self.get_mut()
            .0
            .poll_fallible(cx)
            .map(|r| r.map_err(|(e, _io)| e))
    }
}

/// [`Connect`] that hands the transport back with the error.
#[derive(Debug)]
#[must_use = "futures do nothing unless polled"]
pub struct FallibleConnect<IO>(MidHandshake<IO, ClientConnection>);

impl<IO: AsyncRead + AsyncWrite + Unpin> Future for FallibleConnect<IO> {
    type Output = Result<client::TlsStream<IO>, (io::Error, IO)>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        self.get_mut().0.poll_fallible(cx)
    }
}

/// The server handshake of [`TlsAcceptor::accept`]: resolves to the stream once the
/// handshake is complete, or to a `TimedOut` error at the acceptor's handshake
/// deadline.
#[derive(Debug)]
#[must_use = "futures do nothing unless polled"]
pub struct Accept<IO>(MidHandshake<IO, ServerConnection>, Option<Deadline>);

impl<IO> Accept<IO> {
    /// A future that gives the transport back on failure.
    pub fn into_fallible(self) -> FallibleAccept<IO> {
        FallibleAccept(self.0, self.1)
    }
}

impl<IO: AsyncRead + AsyncWrite + Unpin> Future for Accept<IO> {
    type Output = io::Result<server::TlsStream<IO>>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        this.0
            .poll_with_deadline(&mut this.1, cx)
            .map(|r| r.map_err(|(e, _io)| e))
    }
}

/// [`Accept`] that hands the transport back with the error.
#[derive(Debug)]
#[must_use = "futures do nothing unless polled"]
pub struct FallibleAccept<IO>(MidHandshake<IO, ServerConnection>, Option<Deadline>);

impl<IO: AsyncRead + AsyncWrite + Unpin> Future for FallibleAccept<IO> {
    type Output = Result<server::TlsStream<IO>, (io::Error, IO)>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        this.0.poll_with_deadline(&mut this.1, cx)
    }
}

impl<IO, C> TlsStream<IO, C> {
    /// Rejoins what [`into_inner`](Self::into_inner) split, for a connection whose
    /// handshake is done (`qssl::pool::tokio` keeps its idle connections apart).
    pub(crate) fn from_parts(io: IO, conn: C) -> Self {
        Self {
            io,
            conn,
            signing: None,
        }
    }
}

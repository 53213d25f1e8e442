//! The tokio flavour of the pool: the same keys, limits, liveness check, return
//! rules and counters as the blocking [`Pool`](super::Pool) (the logic is shared);
//! acquirers wait on a `tokio::sync::Notify`, connections are made with
//! `tokio::net` and the [`TlsConnector`], and a handed-out connection is a
//! [`TlsStream`] (`AsyncRead + AsyncWrite`).

use std::fmt;
use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use ::tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use ::tokio::net::TcpStream;

use super::track::Tracked;
use super::{Conn, Inner, PoolConfig, PoolKey, PoolStats, Reason, Step};
use crate::config::ClientConfig;
use crate::conn::ClientConnection;
use crate::pki_types::ServerName;
use crate::reconnect::{Clock, StdClock};
use crate::tokio::{TlsConnector, TlsStream};

type PooledIo = Tracked<TcpStream>;

/// A pool of client connections for tokio; cheap to clone, shared by tasks.
#[derive(Clone)]
pub struct Pool {
    inner: Arc<Inner<TcpStream>>,
}

impl fmt::Debug for Pool {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Pool")
            .field("config", &self.inner.config)
            .field("stats", &self.stats())
            .finish()
    }
}

impl Pool {
    /// A pool with these limits, on the system clock.
    pub fn new(config: PoolConfig) -> Self {
        Self::with_clock(config, Arc::new(StdClock))
    }

    /// A pool that judges idle time and lifetime by `clock` (the acquire timeout
    /// runs on tokio's clock).
    pub fn with_clock(config: PoolConfig, clock: Arc<dyn Clock>) -> Self {
        Self {
            inner: Arc::new(Inner::new(config, clock)),
        }
    }

    /// The limits.
    pub fn config(&self) -> &PoolConfig {
        &self.inner.config
    }

    /// The counters so far.
    pub fn stats(&self) -> PoolStats {
        self.inner.lock().stats
    }

    /// As the blocking [`Pool::acquire`](super::Pool::acquire).
    pub async fn acquire(
        &self,
        config: &Arc<ClientConfig>,
        host: &str,
        port: u16,
        server_name: ServerName<'static>,
    ) -> io::Result<PooledConnection> {
        let inner = &self.inner;
        let deadline = ::tokio::time::Instant::now() + inner.config.acquire_timeout;
        let key = Inner::<TcpStream>::key(config, host, port, &server_name);
        let mut waited = false;
        loop {
            // Registered before the state is read, so no wake-up is lost.
            let notified = inner.notify.notified();
            let mut notified = std::pin::pin!(notified);
            notified.as_mut().enable();
            let step = {
                let mut st = inner.lock();
                inner.step(&mut st, &key, &mut waited)
            };
            match step {
                Step::Idle(conn, since) => {
                    if let Some(conn) = inner.vet(*conn, since) {
                        return Ok(self.hand_out(key, conn, true));
                    }
                }
                Step::Connect => {
                    let made = ::tokio::time::timeout_at(
                        deadline,
                        self.connect(config, host, port, server_name.clone()),
                    )
                    .await
                    .unwrap_or_else(|_| {
                        Err(io::Error::new(
                            io::ErrorKind::TimedOut,
                            "pool: acquire timed out",
                        ))
                    });
                    let conn = inner.connected(&key, made)?;
                    return Ok(self.hand_out(key, conn, false));
                }
                Step::Wait => {
                    if ::tokio::time::timeout_at(deadline, notified).await.is_err() {
                        return Err(inner.timed_out());
                    }
                }
            }
        }
    }

    fn hand_out(&self, key: PoolKey, conn: Conn<TcpStream>, reused: bool) -> PooledConnection {
        let Conn {
            tls,
            sock,
            created,
            id,
            _config,
        } = conn;
        PooledConnection {
            stream: Some(TlsStream::from_parts(sock, tls)),
            created,
            id,
            config: _config,
            key,
            reused,
            pool: self.inner.clone(),
        }
    }

    async fn connect(
        &self,
        config: &Arc<ClientConfig>,
        host: &str,
        port: u16,
        server_name: ServerName<'static>,
    ) -> io::Result<(Conn<TcpStream>, bool)> {
        let addrs: Vec<_> = ::tokio::net::lookup_host((host, port)).await?.collect();
        let mut last = io::Error::new(io::ErrorKind::NotFound, "pool: host has no address");
        let mut found = None;
        for addr in addrs {
            let r = if self.inner.config.tcp_fast_open {
                crate::tfo::connect_tokio(addr)
                    .await
                    .map(|(s, on)| (s, !on.is_enabled()))
            } else {
                TcpStream::connect(addr).await.map(|s| (s, false))
            };
            match r {
                Ok(s) => {
                    found = Some(s);
                    break;
                }
                Err(e) => last = e,
            }
        }
        let (sock, tfo_refused) = found.ok_or(last)?;
        sock.set_nodelay(true)?;
        let stream = TlsConnector::new(config.clone())
            .connect(server_name, Tracked::new(sock))
            .await?;
        let (sock, tls) = stream.into_inner();
        Ok((self.inner.new_conn(config, tls, sock), tfo_refused))
    }
}

/// A connection out of a tokio [`Pool`]: `AsyncRead + AsyncWrite` of plaintext.
/// Dropping it puts it back (or closes it), as for the blocking pool.
pub struct PooledConnection {
    stream: Option<TlsStream<PooledIo, ClientConnection>>,
    created: std::time::Instant,
    id: u64,
    config: Arc<ClientConfig>,
    key: PoolKey,
    reused: bool,
    pool: Arc<Inner<TcpStream>>,
}

impl fmt::Debug for PooledConnection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PooledConnection")
            .field("key", &self.key)
            .field("id", &self.id)
            .field("reused", &self.reused)
            .finish()
    }
}

impl PooledConnection {
    fn stream(&self) -> &TlsStream<PooledIo, ClientConnection> {
        // Taken out only by `discard` and `drop`, which consume the value.
        self.stream.as_ref().unwrap_or_else(|| unreachable!())
    }

    fn stream_mut(&mut self) -> &mut TlsStream<PooledIo, ClientConnection> {
        self.stream.as_mut().unwrap_or_else(|| unreachable!())
    }

    /// The TLS connection.
    pub fn connection(&self) -> &ClientConnection {
        self.stream().get_ref().1
    }

    /// The TCP stream under it.
    pub fn tcp_stream(&self) -> &TcpStream {
        &self.stream().get_ref().0.inner
    }

    /// A number unique to this connection within its pool.
    pub fn id(&self) -> u64 {
        self.id
    }

    /// Whether the pool had it idle (true) or made it for this acquire (false).
    pub fn is_reused(&self) -> bool {
        self.reused
    }

    /// The key it belongs to.
    pub fn key(&self) -> &PoolKey {
        &self.key
    }

    fn take_conn(&mut self) -> Option<Conn<TcpStream>> {
        let (sock, tls) = self.stream.take()?.into_inner();
        Some(Conn {
            tls,
            sock,
            created: self.created,
            id: self.id,
            _config: self.config.clone(),
        })
    }

    /// Closes it (close_notify) instead of putting it back.
    pub fn discard(mut self) {
        if let Some(c) = self.take_conn() {
            self.pool.discard(c, Reason::ByUser);
        }
    }
}

impl AsyncRead for PooledConnection {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        Pin::new(self.stream_mut()).poll_read(cx, buf)
    }
}

impl AsyncWrite for PooledConnection {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(self.stream_mut()).poll_write(cx, buf)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(self.stream_mut()).poll_flush(cx)
    }

    /// Sends close_notify: the connection will not go back to the pool.
    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(self.stream_mut()).poll_shutdown(cx)
    }
}

impl Drop for PooledConnection {
    fn drop(&mut self) {
        if let Some(c) = self.take_conn() {
            self.pool.put_back(&self.key, c);
        }
    }
}

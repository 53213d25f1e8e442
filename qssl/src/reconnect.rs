//! Reconnection with a policy: capped exponential backoff with full jitter, a bounded
//! number of retries, an overall deadline, and one table ([`retries`]) of which
//! failures are worth another attempt.
//!
//! A post-quantum handshake is not free, and a fleet of clients that retries in lock
//! step after an outage turns the server's recovery into a handshake storm. So every
//! delay is drawn uniformly from `[0, cap]` ("full jitter"), where the cap grows from
//! [`ReconnectPolicy::initial_delay`] by [`ReconnectPolicy::backoff_factor`] per retry
//! up to [`ReconnectPolicy::max_delay`]. A failure that another attempt cannot fix (the
//! server's certificate is not trusted, the peers share no acceptable parameters) is
//! returned at once.
//!
//! Time comes from a [`Clock`] and the jitter from a [`JitterSource`], both
//! replaceable, so the policy can be tested on a virtual clock without sleeping.
//!
//! ```no_run
//! use std::sync::Arc;
//! use std::time::Duration;
//! use qssl::reconnect::{ReconnectPolicy, connect_with_retry};
//! # fn demo(config: Arc<qssl::ClientConfig>) -> Result<(), Box<dyn std::error::Error>> {
//! let policy = ReconnectPolicy {
//!     max_retries: 5,
//!     deadline: Some(Duration::from_secs(30)),
//!     ..ReconnectPolicy::default()
//! };
//! let name = qssl::pki_types::ServerName::try_from("example.com")?;
//! let mut tls = connect_with_retry(&policy, &config, "example.com:443", name)?;
//! # let _ = &mut tls; Ok(()) }
//! ```

use std::fmt;
use std::io;
use std::net::{SocketAddr, TcpStream, ToSocketAddrs};
use std::sync::Arc;
use std::time::{Duration, Instant};

use qssl_alert::AlertDescription;

use crate::config::ClientConfig;
use crate::conn::ClientConnection;
use crate::error::Error;
use crate::pki_types::ServerName;
use crate::stream::StreamOwned;

/// How often and how patiently to try again.
#[derive(Debug, Clone, PartialEq)]
pub struct ReconnectPolicy {
    /// Attempts after the first: `0` tries once.
    pub max_retries: u32,
    /// The cap of the first delay.
    pub initial_delay: Duration,
    /// Each retry's cap is the one before times this (values below 1 count as 1).
    pub backoff_factor: f64,
    /// No delay exceeds this.
    pub max_delay: Duration,
    /// Draw each delay uniformly from `[0, cap]` (true, the default) instead of
    /// waiting the cap itself. Without jitter, clients that failed together retry
    /// together.
    pub full_jitter: bool,
    /// No attempt starts, and no delay ends, later than this after the first attempt
    /// started. Each attempt of [`connect_with_retry`] is also cut off there.
    pub deadline: Option<Duration>,
    /// How long one attempt (TCP connect plus handshake) of [`connect_with_retry`]
    /// may take, besides the deadline.
    pub attempt_timeout: Option<Duration>,
}

impl Default for ReconnectPolicy {
    /// 3 retries, 100 ms doubling up to 10 s, full jitter, no overall deadline,
    /// 10 s per attempt.
    fn default() -> Self {
        Self {
            max_retries: 3,
            initial_delay: Duration::from_millis(100),
            backoff_factor: 2.0,
            max_delay: Duration::from_secs(10),
            full_jitter: true,
            deadline: None,
            attempt_timeout: Some(Duration::from_secs(10)),
        }
    }
}

impl ReconnectPolicy {
    /// The longest delay before retry number `retry` (1 = the first retry):
    /// `initial_delay * backoff_factor^(retry - 1)`, at most `max_delay`.
    pub fn delay_cap(&self, retry: u32) -> Duration {
        let factor = if self.backoff_factor.is_finite() {
            self.backoff_factor.max(1.0)
        } else {
            1.0
        };
        let exp = i32::try_from(retry.saturating_sub(1)).unwrap_or(i32::MAX);
        let secs = self.initial_delay.as_secs_f64() * factor.powi(exp);
        let max = self.max_delay.as_secs_f64();
        if !secs.is_finite() || secs >= max {
            self.max_delay
        } else {
            Duration::from_secs_f64(secs)
        }
    }

    /// The delay before retry number `retry`: the cap, or with
    /// [`full_jitter`](Self::full_jitter) a uniform draw from `[0, cap]`.
    pub fn delay(&self, retry: u32, jitter: &dyn JitterSource) -> Duration {
        let cap = self.delay_cap(retry);
        if self.full_jitter {
            let f = jitter.fraction().clamp(0.0, 1.0);
            cap.mul_f64(f).min(cap)
        } else {
            cap
        }
    }
}

/// Where the retry loop reads the time and how it waits.
pub trait Clock: Send + Sync + fmt::Debug {
    /// The current instant.
    fn now(&self) -> Instant;
    /// Waits `d` (a virtual clock advances itself instead).
    fn sleep(&self, d: Duration);
}

/// The monotonic system clock and `std::thread::sleep`: the default.
#[derive(Debug, Default, Clone, Copy)]
pub struct StdClock;

impl Clock for StdClock {
    fn now(&self) -> Instant {
        Instant::now()
    }
    fn sleep(&self, d: Duration) {
        std::thread::sleep(d);
    }
}

/// A clock that moves only when slept on (or [`advance`](Self::advance)d): tests of
/// timing run instantly and exactly.
#[derive(Debug)]
pub struct VirtualClock {
    start: Instant,
    elapsed: std::sync::Mutex<Duration>,
    slept: std::sync::Mutex<Vec<Duration>>,
}

impl Default for VirtualClock {
    fn default() -> Self {
        Self::new()
    }
}

impl VirtualClock {
    /// A virtual clock starting now.
    pub fn new() -> Self {
        Self {
            start: Instant::now(),
            elapsed: std::sync::Mutex::new(Duration::ZERO),
            slept: std::sync::Mutex::new(Vec::new()),
        }
    }

    /// Moves the clock forward by `d`.
    pub fn advance(&self, d: Duration) {
        let mut e = self.elapsed.lock().unwrap_or_else(|p| p.into_inner());
        *e += d;
    }

    /// Every `sleep` so far, in order.
    pub fn sleeps(&self) -> Vec<Duration> {
        self.slept.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }
}

impl Clock for VirtualClock {
    fn now(&self) -> Instant {
        self.start + *self.elapsed.lock().unwrap_or_else(|p| p.into_inner())
    }
    fn sleep(&self, d: Duration) {
        self.slept.lock().unwrap_or_else(|p| p.into_inner()).push(d);
        self.advance(d);
    }
}

/// Where the jitter comes from.
pub trait JitterSource: Send + Sync + fmt::Debug {
    /// A number uniformly distributed in `[0, 1)`.
    fn fraction(&self) -> f64;
}

/// Jitter from the operating system's random generator: the default, so no two
/// processes share a sequence.
#[derive(Debug, Default, Clone, Copy)]
pub struct OsJitter;

impl JitterSource for OsJitter {
    fn fraction(&self) -> f64 {
        let mut b = [0u8; 8];
        // A failing OS generator leaves zeros: the shortest delay, still bounded by
        // the policy; not worth failing a reconnect for.
        let _ = qssl_crypto::rand::OS_RANDOM.fill(&mut b);
        // 53 random bits: every value is exact in an f64 and below 1.
        (u64::from_le_bytes(b) >> 11) as f64 / (1u64 << 53) as f64
    }
}

/// What kind of failure ended an attempt, as far as retrying is concerned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Failure {
    /// The transport failed: refused, reset, unreachable, broken pipe.
    Transport,
    /// The attempt took too long.
    Timeout,
    /// The peer closed the connection (TCP end of stream or close_notify) in the
    /// middle of the handshake, without an error alert.
    ClosedWithoutAlert,
    /// A fatal alert was received from the peer.
    AlertReceived(AlertDescription),
    /// This side failed the handshake and sent (or tried to send) this alert.
    AlertSent(AlertDescription),
    /// The local configuration cannot work.
    Config,
}

/// Fatal alerts about certificates or policy: the same server will refuse, or be
/// refused, the same way next time, so they are never retried whichever side sent
/// them. `handshake_failure` is what a `pq_only` peer sends when no post-quantum
/// group is shared.
pub const NEVER_RETRY_ALERTS: &[AlertDescription] = &[
    AlertDescription::CERTIFICATE_REVOKED,
    AlertDescription::UNKNOWN_CA,
    AlertDescription::BAD_CERTIFICATE,
    AlertDescription::UNSUPPORTED_CERTIFICATE,
    AlertDescription::CERTIFICATE_EXPIRED,
    AlertDescription::CERTIFICATE_UNKNOWN,
    AlertDescription::CERTIFICATE_REQUIRED,
    AlertDescription::BAD_CERTIFICATE_STATUS_RESPONSE,
    AlertDescription::ACCESS_DENIED,
    AlertDescription::INSUFFICIENT_SECURITY,
    AlertDescription::HANDSHAKE_FAILURE,
    AlertDescription::PROTOCOL_VERSION,
    AlertDescription::INAPPROPRIATE_FALLBACK,
    AlertDescription::NO_APPLICATION_PROTOCOL,
    AlertDescription::UNRECOGNIZED_NAME,
];

/// The table of what retries. Transport errors, timeouts and a close without an
/// alert do; an alert in [`NEVER_RETRY_ALERTS`], received or sent, and a broken
/// configuration never do. Other alerts (bad_record_mac, decode_error,
/// internal_error, ...) do: they are not about who the peers are, a corrupted path or
/// a server's transient fault can cause them, and the policy bounds the attempts.
pub fn retries(failure: Failure) -> bool {
    match failure {
        Failure::Transport | Failure::Timeout | Failure::ClosedWithoutAlert => true,
        Failure::AlertReceived(a) | Failure::AlertSent(a) => !NEVER_RETRY_ALERTS.contains(&a),
        Failure::Config => false,
    }
}

/// Classifies an attempt's `io::Error`: a TLS error inside it (the facade's
/// [`Error`], or the tokio adapter's `TlsError`) by its alert, otherwise by the
/// error kind.
pub fn classify(e: &io::Error) -> Failure {
    if let Some(tls) = tls_error(e) {
        return match tls {
            Error::AlertReceived(AlertDescription::CLOSE_NOTIFY) => Failure::ClosedWithoutAlert,
            Error::AlertReceived(a) => Failure::AlertReceived(a),
            Error::PeerClosedDuringHandshake => Failure::ClosedWithoutAlert,
            Error::Config(_) => Failure::Config,
            other => other.alert().map_or(Failure::Transport, Failure::AlertSent),
        };
    }
    match e.kind() {
        io::ErrorKind::TimedOut | io::ErrorKind::WouldBlock => Failure::Timeout,
        io::ErrorKind::UnexpectedEof => Failure::ClosedWithoutAlert,
        _ => Failure::Transport,
    }
}

/// The TLS error carried by `e`, if any.
pub fn tls_error(e: &io::Error) -> Option<Error> {
    let inner = e.get_ref()?;
    if let Some(tls) = inner.downcast_ref::<Error>() {
        return Some(*tls);
    }
    #[cfg(feature = "tokio")]
    if let Some(tls) = inner.downcast_ref::<crate::tokio::TlsError>() {
        return Some(tls.error());
    }
    None
}

/// Why the retry loop stopped without a connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GaveUp {
    /// The last failure is one that is never retried.
    NotRetryable(Failure),
    /// `max_retries` retries failed.
    MaxRetries,
    /// The next attempt would start after the deadline.
    Deadline,
}

/// The retry loop's failure: why it stopped, after how many attempts, and the last
/// attempt's error.
#[derive(Debug)]
pub struct RetryError {
    /// Why it stopped.
    pub gave_up: GaveUp,
    /// Attempts made (at least 1).
    pub attempts: u32,
    /// The last attempt's error.
    pub last: io::Error,
}

impl fmt::Display for RetryError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let why = match self.gave_up {
            GaveUp::NotRetryable(_) => "not retryable",
            GaveUp::MaxRetries => "retries exhausted",
            GaveUp::Deadline => "deadline reached",
        };
        write!(
            f,
            "gave up after {} attempt{} ({why}): {}",
            self.attempts,
            if self.attempts == 1 { "" } else { "s" },
            self.last
        )
    }
}

impl std::error::Error for RetryError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&self.last)
    }
}

impl From<RetryError> for io::Error {
    fn from(e: RetryError) -> Self {
        let kind = e.last.kind();
        io::Error::new(kind, e)
    }
}

/// One attempt's outcome, for [`Retry::on_attempt`].
#[derive(Debug)]
pub struct Attempt<'a> {
    /// 1 for the first attempt.
    pub number: u32,
    /// `None` on success.
    pub error: Option<&'a io::Error>,
    /// The failure's class.
    pub failure: Option<Failure>,
    /// The delay before the next attempt; `None` if there is none.
    pub next_delay: Option<Duration>,
}

/// The backoff state of one retry loop, shared by the blocking and tokio flavours:
/// after each failure it says whether and how long to wait.
#[derive(Debug)]
pub struct Backoff<'p> {
    policy: &'p ReconnectPolicy,
    start: Instant,
    attempts: u32,
}

impl<'p> Backoff<'p> {
    /// A loop whose first attempt starts at `start`.
    pub fn new(policy: &'p ReconnectPolicy, start: Instant) -> Self {
        Self {
            policy,
            start,
            attempts: 0,
        }
    }

    /// Attempts made so far.
    pub fn attempts(&self) -> u32 {
        self.attempts
    }

    /// Time left before the deadline at `now` (`None`: no deadline).
    pub fn remaining(&self, now: Instant) -> Option<Duration> {
        self.policy
            .deadline
            .map(|d| (self.start + d).saturating_duration_since(now))
    }

    /// Records a failed attempt that ended at `now`: `Ok(delay)` to wait before the
    /// next one, or why to stop.
    pub fn failed(
        &mut self,
        failure: Failure,
        now: Instant,
        jitter: &dyn JitterSource,
    ) -> Result<Duration, GaveUp> {
        self.attempts += 1;
        if !retries(failure) {
            return Err(GaveUp::NotRetryable(failure));
        }
        if self.attempts > self.policy.max_retries {
            return Err(GaveUp::MaxRetries);
        }
        let delay = self.policy.delay(self.attempts, jitter);
        if let Some(left) = self.remaining(now)
            && delay >= left
        {
            return Err(GaveUp::Deadline);
        }
        Ok(delay)
    }

    /// Records a successful attempt.
    pub fn succeeded(&mut self) {
        self.attempts += 1;
    }
}

type AttemptHook<'a> = Box<dyn FnMut(&Attempt<'_>) + 'a>;

/// A blocking retry loop: a policy with its clock, jitter and per-attempt callback.
pub struct Retry<'a> {
    policy: &'a ReconnectPolicy,
    clock: Arc<dyn Clock>,
    jitter: Arc<dyn JitterSource>,
    hook: Option<AttemptHook<'a>>,
}

impl fmt::Debug for Retry<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Retry")
            .field("policy", self.policy)
            .field("clock", &self.clock)
            .field("jitter", &self.jitter)
            .finish_non_exhaustive()
    }
}

impl<'a> Retry<'a> {
    /// A loop for `policy` on the system clock with OS jitter.
    pub fn new(policy: &'a ReconnectPolicy) -> Self {
        Self {
            policy,
            clock: Arc::new(StdClock),
            jitter: Arc::new(OsJitter),
            hook: None,
        }
    }

    /// Uses `clock` for the deadline and the waits.
    pub fn with_clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = clock;
        self
    }

    /// Draws jitter from `jitter`.
    pub fn with_jitter(mut self, jitter: Arc<dyn JitterSource>) -> Self {
        self.jitter = jitter;
        self
    }

    /// Calls `hook` after every attempt (e.g. to print one line per attempt).
    pub fn on_attempt(mut self, hook: impl FnMut(&Attempt<'_>) + 'a) -> Self {
        self.hook = Some(Box::new(hook));
        self
    }

    /// Runs `attempt` until it succeeds or the policy gives up. `attempt` gets the
    /// attempt number (1 first) and the time left before the deadline.
    pub fn run<T>(
        mut self,
        mut attempt: impl FnMut(u32, Option<Duration>) -> io::Result<T>,
    ) -> Result<T, RetryError> {
        let mut backoff = Backoff::new(self.policy, self.clock.now());
        loop {
            let number = backoff.attempts() + 1;
            let left = backoff.remaining(self.clock.now());
            match attempt(number, left) {
                Ok(v) => {
                    backoff.succeeded();
                    if let Some(h) = self.hook.as_mut() {
                        h(&Attempt {
                            number,
                            error: None,
                            failure: None,
                            next_delay: None,
                        });
                    }
                    return Ok(v);
                }
                Err(e) => {
                    let failure = classify(&e);
                    let next = backoff.failed(failure, self.clock.now(), &*self.jitter);
                    if let Some(h) = self.hook.as_mut() {
                        h(&Attempt {
                            number,
                            error: Some(&e),
                            failure: Some(failure),
                            next_delay: next.ok(),
                        });
                    }
                    match next {
                        Ok(delay) => self.clock.sleep(delay),
                        Err(gave_up) => {
                            return Err(RetryError {
                                gave_up,
                                attempts: number,
                                last: e,
                            });
                        }
                    }
                }
            }
        }
    }
}

/// The shorter of two optional limits.
fn min_limit(a: Option<Duration>, b: Option<Duration>) -> Option<Duration> {
    match (a, b) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    }
}

/// One blocking attempt: TCP connect to each of `addrs` in turn, then the whole
/// handshake, within `limit`. The returned stream has no timeouts set.
pub fn connect_once(
    config: &Arc<ClientConfig>,
    addrs: &[SocketAddr],
    server_name: ServerName<'static>,
    limit: Option<Duration>,
) -> io::Result<StreamOwned<ClientConnection, TcpStream>> {
    if limit == Some(Duration::ZERO) {
        return Err(io::ErrorKind::TimedOut.into());
    }
    let mut last = io::Error::new(io::ErrorKind::InvalidInput, "no address to connect to");
    let mut sock = None;
    for addr in addrs {
        let r = match limit {
            Some(t) => TcpStream::connect_timeout(addr, t),
            None => TcpStream::connect(addr),
        };
        match r {
            Ok(s) => {
                sock = Some(s);
                break;
            }
            Err(e) => last = e,
        }
    }
    let mut sock = sock.ok_or(last)?;
    sock.set_nodelay(true)?;
    sock.set_read_timeout(limit)?;
    sock.set_write_timeout(limit)?;
    let mut conn = ClientConnection::new(config.clone(), server_name).map_err(io::Error::from)?;
    while conn.is_handshaking() {
        conn.complete_io(&mut sock)?;
    }
    sock.set_read_timeout(None)?;
    sock.set_write_timeout(None)?;
    Ok(StreamOwned::new(conn, sock))
}

/// Connects to `addr` (resolved once) and completes the handshake, retrying as
/// `policy` says on the system clock with OS jitter. The connection resumes through
/// `config`'s session store like any other. For another clock, jitter or a line per
/// attempt, use [`Retry`] with [`connect_once`].
pub fn connect_with_retry(
    policy: &ReconnectPolicy,
    config: &Arc<ClientConfig>,
    addr: impl ToSocketAddrs,
    server_name: ServerName<'static>,
) -> Result<StreamOwned<ClientConnection, TcpStream>, RetryError> {
    let addrs: Vec<SocketAddr> = match addr.to_socket_addrs() {
        Ok(a) => a.collect(),
        Err(last) => {
            return Err(RetryError {
                gave_up: GaveUp::NotRetryable(Failure::Config),
                attempts: 0,
                last,
            });
        }
    };
    Retry::new(policy).run(|_, left| {
        connect_once(
            config,
            &addrs,
            server_name.clone(),
            min_limit(left, policy.attempt_timeout),
        )
    })
}

/// The tokio flavour: the same policy, table and [`Backoff`], waiting with
/// `tokio::time::sleep` (so `tokio::time::pause` makes it a virtual clock).
#[cfg(feature = "tokio")]
pub mod r#async {
    use std::future::Future;
    use std::io;
    use std::net::SocketAddr;
    use std::sync::Arc;
    use std::time::Duration;

    use ::tokio::net::TcpStream;

    use super::{
        Attempt, Backoff, JitterSource, OsJitter, ReconnectPolicy, RetryError, classify, min_limit,
    };
    use crate::pki_types::ServerName;
    use crate::tokio::{TlsConnector, TlsStream};
    use crate::{ClientConfig, ClientConnection};

    /// Runs `attempt` until it succeeds or `policy` gives up, on tokio's clock.
    /// `on_attempt` sees every attempt.
    pub async fn retry<T, F, Fut>(
        policy: &ReconnectPolicy,
        jitter: &dyn JitterSource,
        mut on_attempt: impl FnMut(&Attempt<'_>),
        mut attempt: F,
    ) -> Result<T, RetryError>
    where
        F: FnMut(u32, Option<Duration>) -> Fut,
        Fut: Future<Output = io::Result<T>>,
    {
        let now = || ::tokio::time::Instant::now().into_std();
        let mut backoff = Backoff::new(policy, now());
        loop {
            let number = backoff.attempts() + 1;
            let left = backoff.remaining(now());
            match attempt(number, left).await {
                Ok(v) => {
                    backoff.succeeded();
                    on_attempt(&Attempt {
                        number,
                        error: None,
                        failure: None,
                        next_delay: None,
                    });
                    return Ok(v);
                }
                Err(e) => {
                    let failure = classify(&e);
                    let next = backoff.failed(failure, now(), jitter);
                    on_attempt(&Attempt {
                        number,
                        error: Some(&e),
                        failure: Some(failure),
                        next_delay: next.ok(),
                    });
                    match next {
                        Ok(delay) => ::tokio::time::sleep(delay).await,
                        Err(gave_up) => {
                            return Err(RetryError {
                                gave_up,
                                attempts: number,
                                last: e,
                            });
                        }
                    }
                }
            }
        }
    }

    /// Connects to `addr` over tokio TCP and completes the handshake, retrying as
    /// `policy` says (OS jitter; each attempt cut off at the deadline and the
    /// policy's attempt timeout).
    pub async fn connect_with_retry(
        policy: &ReconnectPolicy,
        config: &Arc<ClientConfig>,
        addr: SocketAddr,
        server_name: ServerName<'static>,
    ) -> Result<TlsStream<TcpStream, ClientConnection>, RetryError> {
        let connector = TlsConnector::new(config.clone());
        retry(
            policy,
            &OsJitter,
            |_| {},
            |_, left| {
                let connector = connector.clone();
                let name = server_name.clone();
                let limit = min_limit(left, policy.attempt_timeout);
                async move {
                    let work = async {
                        let sock = TcpStream::connect(addr).await?;
                        sock.set_nodelay(true)?;
                        connector.connect(name, sock).await
                    };
                    match limit {
                        Some(t) => ::tokio::time::timeout(t, work)
                            .await
                            .map_err(|_| io::Error::from(io::ErrorKind::TimedOut))?,
                        None => work.await,
                    }
                }
            },
        )
        .await
    }
}

//! `qssl server`: accepts TLS connections until stopped, a thread each; echoes, or
//! with `--http` answers like `openssl s_server -www`.

use std::io::{self, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::sync::{Arc, Condvar, Mutex, PoisonError};
use std::thread;
use std::time::{Duration, Instant};

use clap::Args;
use qssl::default_crypto_provider as default_provider;
use qssl::{EarlyDataStatus, ServerConfig, ServerConnection, StreamOwned, WebPkiClientVerifier};

use crate::error::CliError;
use crate::pkcs11;
use crate::report::{EarlyData, PeerAuth};
use crate::tls::{self, AlpnList, GroupList, IO_TIMEOUT};

/// `qssl server` arguments.
#[derive(Debug, Args)]
pub(crate) struct ServerArgs {
    /// Address to listen on, e.g. 127.0.0.1:4433 (port 0: any free port; the bound
    /// address is printed).
    #[arg(long, value_name = "ADDR")]
    listen: String,
    /// Certificate chain, leaf first (PEM). Repeat `--cert A --key A --cert B --key
    /// B` to serve several chains: each client gets the first it can verify (e.g.
    /// an ML-DSA chain first, an ECDSA chain for clients without ML-DSA).
    #[arg(long, value_name = "chain.pem", required = true)]
    cert: Vec<PathBuf>,
    /// The private key of the leaf of the `--cert` in the same position (PEM,
    /// PKCS#8 or SEC1/PKCS#1), or a `pkcs11:` URI (RFC 7512) of a key on a PKCS#11
    /// token, with `--pkcs11-module` and the PIN in `QSSL_PKCS11_PIN`.
    #[arg(long, value_name = "key.pem|pkcs11:URI", required = true)]
    key: Vec<PathBuf>,
    /// The PKCS#11 module (shared library) for `pkcs11:` keys, unless the URI names
    /// one (`module-path`).
    #[arg(long, value_name = "PATH")]
    pkcs11_module: Option<PathBuf>,
    /// Key exchange groups in preference order, OpenSSL names separated by ':'.
    #[arg(long, value_name = "G:G", value_parser = tls::group_list)]
    groups: Option<GroupList>,
    /// ALPN protocols, separated by ','.
    #[arg(long, value_name = "P,P", value_parser = tls::alpn_list)]
    alpn: Option<AlpnList>,
    /// Require client certificates issued by these CAs (PEM).
    #[arg(long, value_name = "ca.pem")]
    client_ca: Option<PathBuf>,
    /// Answer each HTTP request with a page listing the negotiated parameters.
    #[arg(long)]
    http: bool,
    /// Stateless HelloRetryRequest (RFC 8446 §4.2.2): the retry carries a cookie
    /// holding the handshake state, which the connection then drops.
    #[arg(long)]
    stateless_retry: bool,
    /// Issue no session tickets and resume no session: every client runs a full
    /// handshake. By default two tickets follow each handshake.
    #[arg(long)]
    no_tickets: bool,
    /// Accept 0-RTT data (RFC 8446 §2.3): up to BYTES per connection (16384 when
    /// not given, at most 1 MiB), announced in the tickets; each log line says
    /// `early-data=accepted(N)`, `rejected` or `none`. Without it no 0-RTT data is
    /// accepted. Early data is the first bytes of the stream, echoed or read as the
    /// request like the rest; an attacker can replay it, and this process's
    /// anti-replay store does not stop replays to other servers.
    #[arg(
        long,
        value_name = "BYTES",
        num_args = 0..=1,
        default_missing_value = "16384",
        value_parser = clap::value_parser!(u32).range(0..=i64::from(MAX_EARLY_DATA)),
        conflicts_with = "no_tickets"
    )]
    early_data: Option<u32>,
    /// Speak TLS 1.2 as well as TLS 1.3, to clients without TLS 1.3 (ECDHE with
    /// AES-GCM or ChaCha20-Poly1305, extended master secret required). TLS 1.2 has
    /// no post-quantum key exchange: such connections log `version=TLSv1.2` and
    /// `pq: key exchange no`.
    #[arg(long)]
    tls12: bool,
    /// Drop a client whose handshake is not complete this many seconds after it
    /// connected (one that stalls mid-handshake or trickles bytes).
    #[arg(
        long,
        value_name = "SECONDS",
        default_value_t = 10,
        value_parser = clap::value_parser!(u64).range(1..=3600)
    )]
    handshake_timeout: u64,
    /// At most this many handshakes at once: further connections wait in the
    /// listen backlog until one completes or times out (established connections do
    /// not count).
    #[arg(
        long,
        value_name = "N",
        default_value_t = 256,
        value_parser = clap::value_parser!(u32).range(1..)
    )]
    max_handshakes: u32,
    /// Ask for TCP Fast Open on the listener. Q-SSL sets no per-listener
    /// TCP_FASTOPEN (no safe setter in the sockets crates it uses), so this reports
    /// on stderr whether the kernel enables it for every listener
    /// (net.ipv4.tcp_fastopen with 0x2 and 0x400) and serves either way.
    #[arg(long)]
    tfo: bool,
}

/// The most 0-RTT data `--early-data` may accept per connection: the server holds
/// it all before the handshake completes and the application reads any.
const MAX_EARLY_DATA: u32 = 1 << 20;

/// Runs `qssl server`: returns only on a setup error.
pub(crate) fn run(args: &ServerArgs) -> Result<(), CliError> {
    let mut builder = ServerConfig::builder();
    for (cert, key) in tls::cert_key_pairs(&args.cert, &args.key)? {
        let chain = tls::load_chain(cert)?;
        let key = pkcs11::signing_key(key, &chain, args.pkcs11_module.as_deref())?;
        builder = builder.add_cert(chain, key);
    }
    if let Some(GroupList(groups)) = &args.groups {
        builder = builder.with_groups(tls::kx_groups(groups));
    }
    if let Some(AlpnList(protocols)) = &args.alpn {
        builder = builder.with_alpn_protocols(protocols.clone());
    }
    if args.stateless_retry {
        builder = builder.with_stateless_retry(true);
    }
    if args.no_tickets {
        builder = builder.without_resumption();
    }
    if args.tls12 {
        builder = builder.with_tls12();
    }
    if let Some(max) = args.early_data {
        builder = builder.with_max_early_data(max);
    }
    if let Some(ca) = &args.client_ca {
        let roots = tls::load_roots(ca)?;
        builder = builder.with_client_cert_verifier(Arc::new(WebPkiClientVerifier::new(
            roots,
            &default_provider(),
            true,
        )));
    }
    let config = Arc::new(builder.build().map_err(CliError::Config)?);

    let listener = TcpListener::bind(&args.listen).map_err(|source| CliError::Net {
        action: "listen on",
        addr: args.listen.clone(),
        source,
    })?;
    let local = listener.local_addr().map_err(|source| CliError::Net {
        action: "listen on",
        addr: args.listen.clone(),
        source,
    })?;
    if args.tfo {
        crate::tfo::report_server(&mut io::stderr());
    }
    let mode = if args.http { "http" } else { "echo" };
    match args.early_data {
        Some(max) if max > 0 => {
            println!("listening on {local} ({mode}, 0-RTT up to {max} bytes)");
        }
        _ => println!("listening on {local} ({mode})"),
    }
    let _ = io::stdout().flush();

    let slots = Arc::new(HandshakeSlots::new(args.max_handshakes as usize));
    let handshake_timeout = Duration::from_secs(args.handshake_timeout);
    loop {
        // A free handshake slot before the next accept: over the limit, clients wait
        // in the kernel's backlog instead of costing a thread each.
        let slot = slots.acquire();
        let sock = match listener.accept() {
            Ok((sock, _)) => sock,
            Err(e) => {
                eprintln!("qssl: accept failed: {e}");
                continue;
            }
        };
        let config = config.clone();
        let http = args.http;
        thread::spawn(move || {
            let peer = sock
                .peer_addr()
                .map_or_else(|_| "unknown peer".to_owned(), |a| a.to_string());
            match serve(config, sock, http, &peer, slot, handshake_timeout) {
                Ok(()) => {}
                Err(e) => eprintln!("qssl: {peer}: {}", tls::describe(&e)),
            }
        });
    }
}

/// Counts the handshakes in progress against `--max-handshakes`.
struct HandshakeSlots {
    busy: Mutex<usize>,
    freed: Condvar,
    max: usize,
}

/// One handshake in progress; its slot is freed when dropped.
struct HandshakeSlot(Arc<HandshakeSlots>);

impl HandshakeSlots {
    fn new(max: usize) -> Self {
        Self {
            busy: Mutex::new(0),
            freed: Condvar::new(),
            max,
        }
    }

    /// Waits for a free slot and takes it.
    fn acquire(self: &Arc<Self>) -> HandshakeSlot {
        // The counter stays consistent even if a holder panicked: recover it.
        let mut busy = self.busy.lock().unwrap_or_else(PoisonError::into_inner);
        while *busy >= self.max {
            busy = self
                .freed
                .wait(busy)
                .unwrap_or_else(PoisonError::into_inner);
        }
        *busy += 1;
        HandshakeSlot(self.clone())
    }
}

impl Drop for HandshakeSlot {
    fn drop(&mut self) {
        let mut busy = self.0.busy.lock().unwrap_or_else(PoisonError::into_inner);
        *busy -= 1;
        self.0.freed.notify_one();
    }
}

/// The socket during the handshake: every read and write waits at most until the
/// deadline, so a peer trickling a byte at a time cannot keep the handshake (and its
/// slot) for longer than `--handshake-timeout`.
struct Deadline<'a> {
    sock: &'a TcpStream,
    until: Instant,
}

impl Deadline<'_> {
    /// The time left, or the error that ends the handshake.
    fn left(&self) -> io::Result<Duration> {
        let left = self.until.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Err(io::Error::new(
                io::ErrorKind::TimedOut,
                "handshake deadline passed",
            ));
        }
        Ok(left.min(IO_TIMEOUT))
    }
}

impl Read for Deadline<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.sock.set_read_timeout(Some(self.left()?))?;
        (&*self.sock).read(buf)
    }
}

impl Write for Deadline<'_> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.sock.set_write_timeout(Some(self.left()?))?;
        (&*self.sock).write(buf)
    }

    fn flush(&mut self) -> io::Result<()> {
        (&*self.sock).flush()
    }
}

/// One connection: handshake (holding `slot`, for `timeout` at most), log what was
/// negotiated, then echo or answer HTTP.
fn serve(
    config: Arc<ServerConfig>,
    sock: TcpStream,
    http: bool,
    peer: &str,
    slot: HandshakeSlot,
    timeout: Duration,
) -> io::Result<()> {
    let deadline = Instant::now() + timeout;
    let conn = ServerConnection::new(config)?;
    let mut tls = StreamOwned::new(conn, sock);
    let mut io = Deadline {
        sock: &tls.sock,
        until: deadline,
    };
    if let Err(e) = tls.conn.complete_io(&mut io) {
        if Instant::now() >= deadline {
            return Err(io::Error::other(format!(
                "handshake not complete within {} s: dropped",
                timeout.as_secs()
            )));
        }
        return Err(e);
    }
    drop(slot);
    tls.sock.set_read_timeout(Some(IO_TIMEOUT))?;
    tls.sock.set_write_timeout(Some(IO_TIMEOUT))?;
    let Some(mut negotiated) = tls::negotiated(&tls.conn, false) else {
        return Err(io::Error::other("handshake did not complete"));
    };
    let early = early_data(&tls.conn);
    negotiated.early_data = Some(early);
    // pq-client-auth: the client's authentication as this server verified it (a
    // server cannot know how the client verified the server's own chain).
    println!(
        "{peer}: {} {} {} {} pq-kx={} pq-client-auth={} resumed={} early-data={}",
        negotiated.version,
        negotiated.suite,
        negotiated
            .group
            .map_or_else(|| "psk_ke".to_owned(), |g| g.to_string()),
        negotiated.signature,
        negotiated.kx_post_quantum,
        negotiated.peer_auth.as_ref().map_or("none", PeerAuth::pq),
        if negotiated.resumed { "yes" } else { "no" },
        early.log_value()
    );
    let _ = io::stdout().flush();
    if http {
        read_http_request(&mut tls)?;
        tls.write_all(negotiated.http_response(peer).as_bytes())?;
        tls.conn.send_close_notify();
        tls.flush()?;
        linger(&mut tls);
        Ok(())
    } else {
        echo(&mut tls)?;
        tls.conn.send_close_notify();
        tls.flush()
    }
}

/// How long `--http` waits for the client's close_notify after answering.
const LINGER_TIMEOUT: Duration = Duration::from_secs(2);

/// The most `--http` reads (and drops) after answering.
const MAX_LINGER: usize = 64 * 1024;

/// After the answer: reads and drops what the client still sends, until its
/// close_notify or EOF, bounded in bytes and time. Closing a socket with unread
/// bytes resets the connection, and a reset can discard the answer at the client
/// before it reads it: e.g. when the request came as 0-RTT data, the client's
/// close_notify comes after its Finished, often after this answer.
fn linger(tls: &mut StreamOwned<ServerConnection, TcpStream>) {
    if tls.sock.set_read_timeout(Some(LINGER_TIMEOUT)).is_err() {
        return;
    }
    let mut buf = [0u8; 1024];
    let mut total = 0;
    while total < MAX_LINGER {
        match tls.read(&mut buf) {
            Ok(0) | Err(_) => return,
            Ok(n) => total += n,
        }
    }
}

/// What became of the client's 0-RTT data, once the handshake is complete.
fn early_data(conn: &ServerConnection) -> EarlyData {
    match conn.early_data_status() {
        Some(EarlyDataStatus::Accepted) => EarlyData::Accepted {
            bytes: conn.early_data_received(),
            after: 0,
        },
        Some(EarlyDataStatus::Rejected) => EarlyData::Rejected { resent: None },
        Some(EarlyDataStatus::NotOffered) | None => EarlyData::NotOffered,
    }
}

/// Echoes until the client's close_notify.
fn echo<S: Read + Write>(tls: &mut S) -> io::Result<()> {
    let mut buf = vec![0u8; 16 * 1024];
    loop {
        match tls.read(&mut buf)? {
            0 => return Ok(()),
            n => {
                tls.write_all(&buf[..n])?;
                tls.flush()?;
            }
        }
    }
}

/// The longest request head `--http` reads.
const MAX_REQUEST: usize = 16 * 1024;

/// Reads an HTTP request head (up to the blank line), bounded.
fn read_http_request(tls: &mut impl Read) -> io::Result<()> {
    let mut request = Vec::new();
    let mut buf = [0u8; 1024];
    while !request.windows(4).any(|w| w == b"\r\n\r\n") {
        let n = tls.read(&mut buf)?;
        if n == 0 {
            break;
        }
        request.extend_from_slice(&buf[..n]);
        if request.len() > MAX_REQUEST {
            return Err(io::Error::new(
                io::ErrorKind::InvalidData,
                "HTTP request head over 16 KiB",
            ));
        }
    }
    Ok(())
}

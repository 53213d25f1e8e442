//! The soak test behind `cargo xtask soak` (issue 14): a real `qssl server` process on
//! loopback, first under good clients only, then under the same good clients beside
//! hostile ones, each phase half the run.
//!
//! - Good clients: Q-SSL (full and resumed handshakes through the client's session
//!   store, 16 KiB echoed each connection) and OpenSSL through the vendored `openssl`
//!   crate (full handshakes: the crate binds `SSL_set_session` only as `unsafe`).
//! - Hostile clients: connections that stop after their ClientHello, connections that
//!   never speak, garbage, KeyUpdate floods after a completed handshake, floods of
//!   plaintext warning alerts.
//!
//! It reports each phase's good handshakes per second and failures, the server's peak
//! RSS (`VmHWM`) and thread count (`/proc/<pid>/status`), and fails (exit status 1) if a
//! good client failed or the server's RSS kept growing through the hostile phase.
//!
//! Usage: `soak --qssl PATH [--seconds N]` (default 60). `cargo xtask soak` builds both
//! binaries and runs this.

use std::collections::VecDeque;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitCode, Stdio};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use openssl::ssl::{SslConnector, SslMethod, SslVersion};
use qssl::pki_types::{CertificateDer, ServerName};
use qssl::{ClientConfig, ClientConnection, RootCertStore, StreamOwned};

/// Bytes each good connection sends and reads back.
const ECHO_BYTES: usize = 16 * 1024;
/// How long a good client waits on the server before counting a failure.
const GOOD_TIMEOUT: Duration = Duration::from_secs(20);
/// How long a stalling client holds its connection: past the server's default
/// 10 s handshake deadline.
const STALL_FOR: Duration = Duration::from_secs(12);
/// Stalled / silent connections opened per second, each.
const STALLS_PER_SECOND: u32 = 10;

#[derive(Default)]
struct Counts {
    full: AtomicU64,
    resumed: AtomicU64,
    failures: AtomicU64,
}

struct Phase {
    name: &'static str,
    qssl: Counts,
    openssl: Counts,
    hostile: AtomicU64,
    errors: Mutex<Vec<String>>,
}

impl Phase {
    fn new(name: &'static str) -> Self {
        Self {
            name,
            qssl: Counts::default(),
            openssl: Counts::default(),
            hostile: AtomicU64::new(0),
            errors: Mutex::new(Vec::new()),
        }
    }

    fn fail(&self, counts: &Counts, what: String) {
        counts.failures.fetch_add(1, Ordering::Relaxed);
        let mut errors = self.errors.lock().unwrap_or_else(|e| e.into_inner());
        if errors.len() < 10 {
            errors.push(what);
        }
    }
}

/// One `/proc/<pid>/status` reading.
#[derive(Clone, Copy, Debug, Default)]
struct Sample {
    at: f64,
    rss_kib: u64,
    hwm_kib: u64,
    threads: u64,
}

fn sample(pid: u32, start: Instant) -> Option<Sample> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let field = |name: &str| {
        status
            .lines()
            .find_map(|l| l.strip_prefix(name))
            .and_then(|v| v.split_whitespace().next())
            .and_then(|v| v.parse().ok())
    };
    Some(Sample {
        at: start.elapsed().as_secs_f64(),
        rss_kib: field("VmRSS:")?,
        hwm_kib: field("VmHWM:")?,
        threads: field("Threads:")?,
    })
}

struct Server {
    child: Child,
    addr: String,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start_server(qssl: &Path, dir: &Path) -> Result<Server, String> {
    let mut child = Command::new(qssl)
        .current_dir(dir)
        .args([
            "server",
            "--listen",
            "127.0.0.1:0",
            "--cert",
            "pki/chain.pem",
            "--key",
            "pki/key.pem",
        ])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("spawn {}: {e}", qssl.display()))?;
    let mut lines = BufReader::new(child.stdout.take().ok_or("no stdout")?).lines();
    let first = lines
        .next()
        .and_then(Result::ok)
        .ok_or("qssl server printed nothing")?;
    let addr = first
        .strip_prefix("listening on ")
        .and_then(|r| r.split(' ').next())
        .ok_or_else(|| format!("unexpected first line {first:?}"))?
        .to_owned();
    // Keep draining both pipes so the server never blocks on a full one.
    thread::spawn(move || lines.for_each(drop));
    let stderr = child.stderr.take().ok_or("no stderr")?;
    thread::spawn(move || BufReader::new(stderr).lines().for_each(drop));
    Ok(Server { child, addr })
}

fn qssl_config(ca_pem: &str) -> Result<Arc<ClientConfig>, String> {
    let mut roots = RootCertStore::new();
    for der in qssl_crypto::pki::pem_certificates(ca_pem).map_err(|e| e.to_string())? {
        roots
            .add(CertificateDer::from(der))
            .map_err(|e| e.to_string())?;
    }
    ClientConfig::builder()
        .with_root_certificates(Arc::new(roots))
        .build()
        .map(Arc::new)
        .map_err(|e| e.to_string())
}

fn connect(addr: &str) -> std::io::Result<TcpStream> {
    let sock = TcpStream::connect(addr)?;
    sock.set_read_timeout(Some(GOOD_TIMEOUT))?;
    sock.set_write_timeout(Some(GOOD_TIMEOUT))?;
    Ok(sock)
}

/// One Q-SSL connection: handshake (resumed when the session store has a ticket),
/// 16 KiB echoed, close_notify. Returns whether it resumed.
fn qssl_once(config: &Arc<ClientConfig>, addr: &str) -> Result<bool, String> {
    let sock = connect(addr).map_err(|e| format!("connect: {e}"))?;
    let conn = ClientConnection::new(
        config.clone(),
        ServerName::try_from("localhost").map_err(|e| e.to_string())?,
    )
    .map_err(|e| e.to_string())?;
    let mut tls = StreamOwned::new(conn, sock);
    let data = vec![0x5a; ECHO_BYTES];
    tls.write_all(&data).map_err(|e| format!("write: {e}"))?;
    let mut back = vec![0; ECHO_BYTES];
    tls.read_exact(&mut back)
        .map_err(|e| format!("read: {e}"))?;
    if back != data {
        return Err("echo differs".into());
    }
    let resumed = tls.conn.connection_info().is_some_and(|info| info.resumed);
    tls.conn.send_close_notify();
    let _ = tls.flush();
    Ok(resumed)
}

/// One OpenSSL connection: a full handshake (the `openssl` crate binds
/// `SSL_set_session` only as an `unsafe fn`, so no resumption here), 16 KiB echoed,
/// close_notify.
fn openssl_once(connector: &SslConnector, addr: &str) -> Result<(), String> {
    let sock = connect(addr).map_err(|e| format!("connect: {e}"))?;
    let mut tls = connector
        .connect("localhost", sock)
        .map_err(|e| format!("handshake: {e}"))?;
    let data = vec![0xa5; ECHO_BYTES];
    tls.write_all(&data).map_err(|e| format!("write: {e}"))?;
    let mut back = vec![0; ECHO_BYTES];
    tls.read_exact(&mut back)
        .map_err(|e| format!("read: {e}"))?;
    if back != data {
        return Err("echo differs".into());
    }
    let _ = tls.shutdown();
    Ok(())
}

/// A ClientHello record from a fresh Q-SSL client.
fn client_hello(config: &Arc<ClientConfig>) -> Vec<u8> {
    let Ok(name) = ServerName::try_from("localhost") else {
        return Vec::new();
    };
    let Ok(mut conn) = ClientConnection::new(config.clone(), name) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    while conn.wants_write() {
        if conn.write_tls(&mut out).is_err() {
            break;
        }
    }
    out
}

/// Reads until the server closes (or 15 s), discarding.
fn read_until_closed(sock: &mut TcpStream) {
    let _ = sock.set_read_timeout(Some(Duration::from_secs(15)));
    let mut buf = [0u8; 4096];
    while let Ok(n) = sock.read(&mut buf) {
        if n == 0 {
            break;
        }
    }
}

/// The hostile clients, until `stop`.
fn hostile(addr: &str, config: &Arc<ClientConfig>, phase: &Phase, stop: &AtomicBool) {
    thread::scope(|s| {
        // Stalled after the ClientHello, and silent: held past the handshake deadline.
        for send_hello in [true, false] {
            s.spawn(move || {
                let hello = client_hello(config);
                let mut held: VecDeque<(Instant, TcpStream)> = VecDeque::new();
                while !stop.load(Ordering::Relaxed) {
                    if let Ok(mut sock) = TcpStream::connect(addr) {
                        if send_hello {
                            let _ = sock.write_all(&hello);
                        }
                        held.push_back((Instant::now(), sock));
                        phase.hostile.fetch_add(1, Ordering::Relaxed);
                    }
                    while held.front().is_some_and(|(t, _)| t.elapsed() > STALL_FOR) {
                        held.pop_front();
                    }
                    thread::sleep(Duration::from_secs(1) / STALLS_PER_SECOND);
                }
            });
        }
        // Garbage: 4 KiB of pseudo-random bytes.
        s.spawn(move || {
            let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
            while !stop.load(Ordering::Relaxed) {
                let garbage: Vec<u8> = (0..4096)
                    .map(|_| {
                        x ^= x << 13;
                        x ^= x >> 7;
                        x ^= x << 17;
                        x as u8
                    })
                    .collect();
                if let Ok(mut sock) = TcpStream::connect(addr) {
                    let _ = sock.write_all(&garbage);
                    read_until_closed(&mut sock);
                    phase.hostile.fetch_add(1, Ordering::Relaxed);
                }
                thread::sleep(Duration::from_millis(20));
            }
        });
        // KeyUpdate floods after a completed handshake.
        s.spawn(move || {
            while !stop.load(Ordering::Relaxed) {
                let Ok(sock) = connect(addr) else { continue };
                let Ok(name) = ServerName::try_from("localhost") else {
                    return;
                };
                let Ok(conn) = ClientConnection::new(config.clone(), name) else {
                    return;
                };
                let mut tls = StreamOwned::new(conn, sock);
                if tls.write_all(b"x").is_err() {
                    continue;
                }
                for _ in 0..200 {
                    if tls.conn.refresh_traffic_keys().is_err() {
                        break;
                    }
                    if tls.conn.write_tls(&mut tls.sock).is_err() {
                        break;
                    }
                }
                read_until_closed(&mut tls.sock);
                phase.hostile.fetch_add(1, Ordering::Relaxed);
            }
        });
        // Warning alert floods (plaintext user_canceled) before the ClientHello.
        s.spawn(move || {
            let alerts: Vec<u8> = [0x15, 3, 3, 0, 2, 1, 90].repeat(100);
            while !stop.load(Ordering::Relaxed) {
                if let Ok(mut sock) = TcpStream::connect(addr) {
                    let _ = sock.write_all(&alerts);
                    read_until_closed(&mut sock);
                    phase.hostile.fetch_add(1, Ordering::Relaxed);
                }
                thread::sleep(Duration::from_millis(20));
            }
        });
    });
}

/// The good clients, until `stop`: two Q-SSL threads (one resuming, one not) and one
/// OpenSSL thread.
fn good(addr: &str, ca_pem: &str, ca_path: &Path, phase: &Phase, stop: &AtomicBool) {
    thread::scope(|s| {
        // One thread keeps its session store (resumed handshakes after the first),
        // the other starts each connection from a new configuration (full handshakes).
        for resume in [true, false] {
            s.spawn(move || {
                let mut config = match qssl_config(ca_pem) {
                    Ok(c) => c,
                    Err(e) => return phase.fail(&phase.qssl, format!("qssl config: {e}")),
                };
                while !stop.load(Ordering::Relaxed) {
                    if !resume {
                        match qssl_config(ca_pem) {
                            Ok(c) => config = c,
                            Err(e) => {
                                return phase.fail(&phase.qssl, format!("qssl config: {e}"));
                            }
                        }
                    }
                    match qssl_once(&config, addr) {
                        Ok(true) => phase.qssl.resumed.fetch_add(1, Ordering::Relaxed),
                        Ok(false) => phase.qssl.full.fetch_add(1, Ordering::Relaxed),
                        Err(e) => {
                            phase.fail(&phase.qssl, format!("qssl: {e}"));
                            0
                        }
                    };
                }
            });
        }
        s.spawn(move || {
            let connector = (|| {
                let mut b = SslConnector::builder(SslMethod::tls_client())?;
                b.set_ca_file(ca_path)?;
                b.set_min_proto_version(Some(SslVersion::TLS1_3))?;
                Ok::<_, openssl::error::ErrorStack>(b.build())
            })();
            let connector = match connector {
                Ok(c) => c,
                Err(e) => return phase.fail(&phase.openssl, format!("openssl config: {e}")),
            };
            while !stop.load(Ordering::Relaxed) {
                match openssl_once(&connector, addr) {
                    Ok(()) => {
                        phase.openssl.full.fetch_add(1, Ordering::Relaxed);
                    }
                    Err(e) => phase.fail(&phase.openssl, format!("openssl: {e}")),
                }
            }
        });
    });
}

fn run_phase(
    phase: &Phase,
    seconds: f64,
    addr: &str,
    ca_pem: &str,
    ca_path: &Path,
    with_hostile: bool,
) {
    let stop = AtomicBool::new(false);
    let config = qssl_config(ca_pem).ok();
    thread::scope(|s| {
        s.spawn(|| good(addr, ca_pem, ca_path, phase, &stop));
        if let (true, Some(config)) = (with_hostile, &config) {
            s.spawn(|| hostile(addr, config, phase, &stop));
        }
        thread::sleep(Duration::from_secs_f64(seconds));
        stop.store(true, Ordering::Relaxed);
    });
}

fn report(phase: &Phase, seconds: f64) -> u64 {
    let line = |who: &str, c: &Counts| {
        let full = c.full.load(Ordering::Relaxed);
        let resumed = c.resumed.load(Ordering::Relaxed);
        let failures = c.failures.load(Ordering::Relaxed);
        println!(
            "  {who:8} {:7.1} handshakes/s ({full} full, {resumed} resumed), {failures} failures",
            (full + resumed) as f64 / seconds
        );
        failures
    };
    println!("{} ({seconds:.0} s):", phase.name);
    let failures = line("qssl", &phase.qssl) + line("openssl", &phase.openssl);
    let hostile = phase.hostile.load(Ordering::Relaxed);
    if hostile > 0 {
        println!("  hostile  {hostile} connections");
    }
    for e in phase
        .errors
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .iter()
    {
        println!("  error: {e}");
    }
    failures
}

fn main() -> ExitCode {
    match run() {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::FAILURE,
        Err(e) => {
            eprintln!("soak: {e}");
            ExitCode::FAILURE
        }
    }
}

fn run() -> Result<bool, String> {
    let mut qssl = None;
    let mut seconds = 60u64;
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        match a.as_str() {
            "--qssl" => qssl = args.next().map(PathBuf::from),
            "--seconds" => {
                seconds = args
                    .next()
                    .and_then(|n| n.parse().ok())
                    .filter(|&n| n >= 2)
                    .ok_or("--seconds takes a number >= 2")?;
            }
            other => return Err(format!("unknown argument {other:?}")),
        }
    }
    let qssl = qssl.ok_or("usage: soak --qssl PATH [--seconds N]")?;
    let dir = std::env::temp_dir().join(format!("qssl-soak-{}", std::process::id()));
    std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
    let made = Command::new(&qssl)
        .current_dir(&dir)
        .args(["cert", "--out", "pki", "--alg", "ecdsa-p256"])
        .output()
        .map_err(|e| e.to_string())?;
    if !made.status.success() {
        return Err(format!(
            "qssl cert: {}",
            String::from_utf8_lossy(&made.stderr)
        ));
    }
    let ca_path = dir.join("pki/ca.pem");
    let ca_pem = std::fs::read_to_string(&ca_path).map_err(|e| e.to_string())?;
    let server = start_server(&qssl, &dir)?;
    let pid = server.child.id();
    let start = Instant::now();
    let samples = Arc::new(Mutex::new(Vec::<Sample>::new()));
    let sampling = Arc::new(AtomicBool::new(true));
    let sampler = {
        let (samples, sampling) = (samples.clone(), sampling.clone());
        thread::spawn(move || {
            while sampling.load(Ordering::Relaxed) {
                if let Some(s) = sample(pid, start) {
                    samples.lock().unwrap_or_else(|e| e.into_inner()).push(s);
                }
                thread::sleep(Duration::from_millis(250));
            }
        })
    };
    let half = seconds as f64 / 2.0;
    let quiet = Phase::new("good clients only");
    run_phase(&quiet, half, &server.addr, &ca_pem, &ca_path, false);
    let hostile_from = start.elapsed().as_secs_f64();
    let loud = Phase::new("good clients beside hostile ones");
    run_phase(&loud, half, &server.addr, &ca_pem, &ca_path, true);
    sampling.store(false, Ordering::Relaxed);
    let _ = sampler.join();
    let alive = sample(pid, start);
    drop(server);
    let _ = std::fs::remove_dir_all(&dir);

    let failures = report(&quiet, half) + report(&loud, half);
    let samples = samples.lock().unwrap_or_else(|e| e.into_inner()).clone();
    let peak = samples.iter().map(|s| s.hwm_kib).max().unwrap_or(0);
    let threads = samples.iter().map(|s| s.threads).max().unwrap_or(0);
    println!(
        "server: peak RSS {:.1} MiB (VmHWM), at most {threads} threads",
        peak as f64 / 1024.0
    );
    // Growth: the hostile phase's last quarter against its second quarter (the first
    // fills the stall queues and the allocator's pools).
    let hostile: Vec<&Sample> = samples.iter().filter(|s| s.at >= hostile_from).collect();
    let quarter = hostile.len() / 4;
    let mean =
        |s: &[&Sample]| s.iter().map(|x| x.rss_kib as f64).sum::<f64>() / s.len().max(1) as f64;
    let (second, last) = if quarter > 0 {
        (
            mean(&hostile[quarter..2 * quarter]),
            mean(&hostile[hostile.len() - quarter..]),
        )
    } else {
        (0.0, 0.0)
    };
    println!(
        "server RSS during the hostile phase: {:.1} MiB (second quarter) -> {:.1} MiB (last quarter)",
        second / 1024.0,
        last / 1024.0
    );
    let mut ok = true;
    if failures > 0 {
        println!("FAIL: {failures} good connections failed");
        ok = false;
    }
    if alive.is_none() {
        println!("FAIL: the server exited");
        ok = false;
    }
    if last > second * 1.5 + 16.0 * 1024.0 {
        println!("FAIL: the server's memory kept growing under hostile load");
        ok = false;
    }
    if quiet.qssl.full.load(Ordering::Relaxed) + quiet.qssl.resumed.load(Ordering::Relaxed) == 0 {
        println!("FAIL: no good handshake at all");
        ok = false;
    }
    Ok(ok)
}

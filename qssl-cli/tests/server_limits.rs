//! `qssl server` against peers that hold handshakes open (issue 14): the handshake
//! deadline (`--handshake-timeout`) drops a client that says nothing, one that trickles
//! its ClientHello a byte at a time, and one that stops after its ClientHello; the
//! concurrent-handshake limit (`--max-handshakes`) makes a good client wait for a slot
//! instead of being served beside an unbounded number of stalled ones.

mod common;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::{Child, Stdio};
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

use common::{Run, TempDir, qssl, run_bounded};

const LIMIT: Duration = Duration::from_secs(60);

/// A `qssl server` child process, killed when dropped.
struct Server {
    child: Child,
    port: u16,
}

impl Server {
    fn start(args: &[&str], dir: &Path) -> Server {
        let mut child = qssl()
            .current_dir(dir)
            .args(["server", "--listen", "127.0.0.1:0"])
            .args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("spawn qssl server");
        let stdout = child.stdout.take().unwrap();
        let (tx, rx) = mpsc::channel();
        thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                let _ = tx.send(line);
            }
        });
        let line = rx
            .recv_timeout(Duration::from_secs(30))
            .expect("qssl server printed no listening line");
        let port = line
            .strip_prefix("listening on 127.0.0.1:")
            .and_then(|rest| rest.split(' ').next())
            .and_then(|p| p.parse().ok())
            .unwrap_or_else(|| panic!("unexpected first line {line:?}"));
        Server { child, port }
    }

    fn addr(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn make_pki(dir: &Path) {
    let run = run_bounded(
        qssl()
            .current_dir(dir)
            .args(["cert", "--out", "pki", "--alg", "ecdsa-p256"]),
        LIMIT,
    );
    assert!(run.status.success(), "{run:?}");
}

fn good_client(dir: &Path, addr: &str) -> Run {
    run_bounded(
        qssl().current_dir(dir).args([
            "client",
            addr,
            "--ca",
            "pki/ca.pem",
            "--server-name",
            "localhost",
            "--send",
            "ping",
        ]),
        LIMIT,
    )
}

/// An OpenSSL ClientHello record captured by the interop runs.
fn openssl_client_hello() -> Vec<u8> {
    let wire = std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../fuzz/corpus/server/openssl"
    ))
    .unwrap();
    let len = u16::from_be_bytes([wire[3], wire[4]]) as usize;
    wire[..5 + len].to_vec()
}

/// Reads (and drops) what the server sends until it closes the connection; returns
/// how long that took from `start`. Panics after `limit`.
fn time_until_closed(sock: &mut TcpStream, start: Instant, limit: Duration) -> Duration {
    sock.set_read_timeout(Some(limit)).unwrap();
    let mut buf = [0u8; 4096];
    loop {
        match sock.read(&mut buf) {
            Ok(0) => return start.elapsed(),
            Ok(_) => {}
            Err(e)
                if matches!(
                    e.kind(),
                    std::io::ErrorKind::ConnectionReset | std::io::ErrorKind::BrokenPipe
                ) =>
            {
                return start.elapsed();
            }
            Err(e) => panic!("not closed after {:?}: {e}", start.elapsed()),
        }
    }
}

/// With `--handshake-timeout 2`: a silent client, one sending its ClientHello a byte
/// every 200 ms (which would take 5 minutes, each read well under the 30 s I/O timeout),
/// and one that stops after its ClientHello are each dropped about 2 s after they
/// connected, not after 30 s or never. A good client is then served as usual.
#[test]
fn stalled_handshakes_are_dropped_at_the_deadline() {
    let dir = TempDir::new("limits-deadline");
    make_pki(dir.path());
    let server = Server::start(
        &[
            "--cert",
            "pki/chain.pem",
            "--key",
            "pki/key.pem",
            "--handshake-timeout",
            "2",
        ],
        dir.path(),
    );
    let hello = openssl_client_hello();
    let mut waits = Vec::new();
    for kind in ["silent", "trickle", "after ClientHello"] {
        let start = Instant::now();
        let mut sock = TcpStream::connect(server.addr()).unwrap();
        let trickler = match kind {
            "trickle" => {
                let mut w = sock.try_clone().unwrap();
                let hello = hello.clone();
                Some(thread::spawn(move || {
                    for b in hello {
                        if w.write_all(&[b]).is_err() {
                            return;
                        }
                        thread::sleep(Duration::from_millis(200));
                    }
                }))
            }
            "after ClientHello" => {
                sock.write_all(&hello).unwrap();
                None
            }
            _ => None,
        };
        let took = time_until_closed(&mut sock, start, Duration::from_secs(20));
        waits.push((kind, took));
        drop(sock);
        if let Some(t) = trickler {
            t.join().unwrap();
        }
    }
    for (kind, took) in &waits {
        assert!(
            *took >= Duration::from_millis(1800) && *took < Duration::from_secs(8),
            "{kind}: dropped after {took:?}, want about 2 s ({waits:?})"
        );
    }
    let run = good_client(dir.path(), &server.addr());
    assert!(run.status.success(), "{run:?}");
    assert!(run.stdout.contains("ping"), "{run:?}");
}

/// With `--max-handshakes 2 --handshake-timeout 3`: two silent clients hold both
/// handshake slots, so a good client connecting next is not answered until one of
/// them is dropped (about 3 s), and then completes. With the slots free it completes
/// at once.
#[test]
fn handshakes_beyond_the_limit_wait_for_a_slot() {
    let dir = TempDir::new("limits-slots");
    make_pki(dir.path());
    let server = Server::start(
        &[
            "--cert",
            "pki/chain.pem",
            "--key",
            "pki/key.pem",
            "--max-handshakes",
            "2",
            "--handshake-timeout",
            "3",
        ],
        dir.path(),
    );
    let start = Instant::now();
    let run = good_client(dir.path(), &server.addr());
    let free = start.elapsed();
    assert!(run.status.success(), "{run:?}");

    let silent: Vec<TcpStream> = (0..2)
        .map(|_| TcpStream::connect(server.addr()).unwrap())
        .collect();
    // Both accepted and holding their slots before the good client comes.
    thread::sleep(Duration::from_millis(300));
    let start = Instant::now();
    let run = good_client(dir.path(), &server.addr());
    let queued = start.elapsed();
    assert!(run.status.success(), "{run:?}");
    assert!(run.stdout.contains("ping"), "{run:?}");
    assert!(
        queued >= Duration::from_millis(2400),
        "served after {queued:?} beside two stalled handshakes with --max-handshakes 2"
    );
    assert!(queued < Duration::from_secs(15), "served after {queued:?}");
    assert!(
        free < queued,
        "free slots: {free:?}, behind stalled handshakes: {queued:?}"
    );
    drop(silent);
}

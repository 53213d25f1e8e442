//! `qssl client --retries N --retry-delay MS` (one stderr line per attempt; what the
//! retry table never retries is tried once) and `--tfo` on both sides, as separate
//! processes over loopback.

mod common;

use std::io::{BufRead, BufReader};
use std::net::TcpListener;
use std::path::Path;
use std::process::{Child, Stdio};
use std::time::Duration;

use common::{Run, TempDir, qssl, run_bounded};

const LIMIT: Duration = Duration::from_secs(60);

fn make_pki(dir: &Path, name: &str) {
    let run = run_bounded(qssl().current_dir(dir).args(["cert", "--out", name]), LIMIT);
    assert!(run.status.success(), "{run:?}");
}

/// `qssl server` on a free port; returns the child (killed by the caller), the
/// port and the stderr lines it printed before `listening on`... (its stderr is
/// read to the end after it is killed).
struct Server {
    child: Child,
    port: u16,
}

impl Server {
    fn start(dir: &Path, extra: &[&str]) -> Server {
        let mut child = qssl()
            .current_dir(dir)
            .args(["server", "--listen", "127.0.0.1:0"])
            .args(["--cert", "pki/chain.pem", "--key", "pki/key.pem"])
            .args(extra)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
        let line = lines.next().unwrap().unwrap();
        // Keep draining.
        std::thread::spawn(move || for _ in lines {});
        let port = line
            .strip_prefix("listening on 127.0.0.1:")
            .and_then(|r| r.split(' ').next())
            .and_then(|p| p.parse().ok())
            .unwrap_or_else(|| panic!("unexpected first line {line:?}"));
        Server { child, port }
    }

    fn stop(mut self) -> String {
        let _ = self.child.kill();
        let mut err = String::new();
        use std::io::Read;
        let _ = self.child.stderr.take().unwrap().read_to_string(&mut err);
        let _ = self.child.wait();
        err
    }
}

fn client(dir: &Path, args: &[&str]) -> Run {
    run_bounded(qssl().current_dir(dir).arg("client").args(args), LIMIT)
}

fn attempt_lines(run: &Run) -> Vec<&str> {
    run.stderr
        .lines()
        .filter(|l| l.starts_with("attempt "))
        .collect()
}

#[test]
fn refused_connections_are_retried_with_one_line_per_attempt() {
    let dir = TempDir::new("retry-refused");
    make_pki(dir.path(), "pki");
    let port = {
        let l = TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let addr = format!("127.0.0.1:{port}");
    let run = client(
        dir.path(),
        &[
            &addr,
            "--ca",
            "pki/ca.pem",
            "--server-name",
            "localhost",
            "--send",
            "x",
            "--retries",
            "3",
            "--retry-delay",
            "1",
        ],
    );
    assert!(!run.status.success());
    let lines = attempt_lines(&run);
    assert_eq!(lines.len(), 4, "{}", run.stderr);
    for (i, l) in lines.iter().enumerate() {
        assert!(
            l.starts_with(&format!("attempt {}/4: cannot connect to", i + 1)),
            "{l}"
        );
    }
    assert!(lines[..3].iter().all(|l| l.contains("; retrying in ")));
    assert!(
        lines[3].ends_with("giving up (retries exhausted)"),
        "{}",
        lines[3]
    );
    // Then the usual one error line.
    assert!(
        run.stderr
            .lines()
            .last()
            .unwrap()
            .starts_with("qssl: cannot connect to")
    );
}

#[test]
fn an_untrusted_server_is_tried_once_and_a_trusted_one_connects() {
    let dir = TempDir::new("retry-unknown-ca");
    make_pki(dir.path(), "pki");
    make_pki(dir.path(), "other");
    let server = Server::start(dir.path(), &[]);
    let addr = format!("127.0.0.1:{}", server.port);
    let common = [
        "--server-name",
        "localhost",
        "--send",
        "hi",
        "--retries",
        "5",
        "--retry-delay",
        "1",
    ];
    let mut args = vec![addr.as_str(), "--ca", "other/ca.pem"];
    args.extend(common);
    let run = client(dir.path(), &args);
    assert!(!run.status.success());
    let lines = attempt_lines(&run);
    assert_eq!(lines.len(), 1, "{}", run.stderr);
    assert!(lines[0].contains("unknown_ca"), "{}", lines[0]);
    assert!(
        lines[0].ends_with("giving up (not retried)"),
        "{}",
        lines[0]
    );

    let mut args = vec![addr.as_str(), "--ca", "pki/ca.pem"];
    args.extend(common);
    let run = client(dir.path(), &args);
    assert!(run.status.success(), "{run:?}");
    assert_eq!(attempt_lines(&run), ["attempt 1/6: connected"]);
    assert!(run.stdout.contains("hi"), "{}", run.stdout);
    server.stop();
}

#[test]
fn tfo_on_both_sides_connects_and_says_what_the_kernel_did() {
    let dir = TempDir::new("tfo");
    make_pki(dir.path(), "pki");
    let server = Server::start(dir.path(), &["--tfo"]);
    let addr = format!("127.0.0.1:{}", server.port);
    let sysctl = qssl::tfo::sysctl_value();
    for _ in 0..2 {
        let run = client(
            dir.path(),
            &[
                &addr,
                "--ca",
                "pki/ca.pem",
                "--server-name",
                "localhost",
                "--send",
                "tfo",
                "--tfo",
            ],
        );
        assert!(run.status.success(), "{run:?}");
        assert!(run.stdout.contains("tfo"));
        let line = run
            .stderr
            .lines()
            .find(|l| l.starts_with("tcp fast open: "))
            .unwrap_or_else(|| panic!("no tcp fast open line: {}", run.stderr));
        if sysctl.is_some_and(|v| v & 1 != 0) {
            assert_eq!(line, "tcp fast open: enabled (TCP_FASTOPEN_CONNECT)");
        } else {
            assert!(line.contains("refused by the kernel"), "{line}");
        }
    }
    let err = server.stop();
    let line = err
        .lines()
        .find(|l| l.starts_with("tcp fast open: "))
        .unwrap_or_else(|| panic!("no server tcp fast open line: {err}"));
    if sysctl.is_some_and(|v| v & 0x402 == 0x402) {
        assert!(line.contains("enabled for every listener"), "{line}");
    } else {
        assert!(
            line.contains("refused") && line.contains("serving without it"),
            "{line}"
        );
        eprintln!("note: server Fast Open off on this kernel: {line}");
    }
}

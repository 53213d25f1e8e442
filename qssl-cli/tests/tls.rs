//! `qssl demo`, and `qssl server` + `qssl client` as separate processes over loopback.

mod common;

use std::io::{BufRead, BufReader};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::path::Path;
use std::process::{Child, Stdio};
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

use common::{Run, TempDir, openssl_tls13, qssl, run_bounded};

const LIMIT: Duration = Duration::from_secs(60);

/// A `qssl server` child process, killed when dropped (also when a test fails).
struct Server {
    child: Child,
    port: u16,
    /// The lines it printed after the `listening on` line.
    log: mpsc::Receiver<String>,
}

impl Server {
    /// Starts `qssl server --listen 127.0.0.1:0 ...` and reads the port it bound.
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
        // Keeps draining so the server never blocks on a full pipe.
        thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                let _ = tx.send(line);
            }
        });
        let line = rx
            .recv_timeout(Duration::from_secs(30))
            .expect("qssl server printed no listening line");
        let mut server = Server {
            child,
            port: 0,
            log: rx,
        };
        let port = line
            .strip_prefix("listening on 127.0.0.1:")
            .and_then(|rest| rest.split(' ').next())
            .and_then(|p| p.parse().ok())
            .unwrap_or_else(|| panic!("unexpected first line {line:?}"));
        server.port = port;
        server
    }

    fn addr(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }

    /// The next `n` per-connection log lines, waiting for them (a connection's line
    /// is printed when its handshake completes).
    fn log_lines(&self, n: usize) -> Vec<String> {
        (0..n)
            .map(|i| {
                self.log
                    .recv_timeout(Duration::from_secs(30))
                    .unwrap_or_else(|_| panic!("qssl server logged {i} of {n} lines"))
            })
            .collect()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// `qssl cert --out DIR/NAME --alg ALG`.
fn make_pki(dir: &Path, name: &str, alg: &str) {
    let run = run_bounded(
        qssl()
            .current_dir(dir)
            .args(["cert", "--out", name, "--alg", alg]),
        LIMIT,
    );
    assert!(run.status.success(), "{run:?}");
}

fn client(dir: &Path, args: &[&str]) -> Run {
    run_bounded(qssl().current_dir(dir).arg("client").args(args), LIMIT)
}

#[test]
fn demo_negotiates_hybrid_kx_and_mldsa() {
    let run = run_bounded(qssl().arg("demo"), LIMIT);
    println!("{}", run.stdout);
    assert!(run.status.success(), "{run:?}");
    assert!(run.stderr.is_empty(), "{}", run.stderr);
    for expected in [
        "version: TLSv1.3",
        "group: X25519MLKEM768",
        "signature: mldsa65",
        "pq: key exchange yes, authentication yes",
        "resumed: no\nhandshake: full, ",
        "bytes client -> server",
        "resumed: yes, a second connection of the same client config",
        "psk_dhe_ke over X25519MLKEM768, no certificates sent",
        "handshake: resumed, ",
        "(medians of 5 more handshakes of each; the two above: ",
        "seed claim: full handshake ~70 ms, 2 RTT; abbreviated ~15 ms, 1 RTT; 4.7x faster",
    ] {
        assert!(run.stdout.contains(expected), "missing {expected:?}");
    }
    // The resumed handshake's server flight has no certificate chain in it.
    let server_bytes = |kind: &str| -> usize {
        let line = run
            .stdout
            .lines()
            .find(|l| l.starts_with(&format!("handshake: {kind}, ")))
            .unwrap();
        let (_, rest) = line.split_once(" bytes client -> server, ").unwrap();
        rest.split(' ').next().unwrap().parse().unwrap()
    };
    let chain: usize = run
        .stdout
        .split_once("(chain sent: ")
        .and_then(|(_, rest)| rest.split(' ').next())
        .and_then(|n| n.parse().ok())
        .unwrap();
    assert!(server_bytes("full") > chain, "{}", run.stdout);
    assert!(server_bytes("resumed") < chain / 4, "{}", run.stdout);
    // A ratio of two measured times.
    let speedup = run.stdout.split_once("speedup: ").unwrap().1;
    let ratio: f64 = speedup.split('x').next().unwrap().parse().unwrap();
    assert!(ratio.is_finite() && ratio > 0.0, "{speedup}");
}

/// The `resumed:` values of a client's output, in order.
fn resumed_lines(stdout: &str) -> Vec<&str> {
    stdout
        .lines()
        .filter_map(|l| l.strip_prefix("resumed: "))
        .collect()
}

/// `qssl client --reconnect 2` against `qssl server`: three connections through one
/// configuration, the later two resuming with the tickets the one before read; with
/// `qssl server --no-tickets` none resumes.
#[test]
fn client_reconnects_and_resumes_through_its_session_store() {
    let dir = TempDir::new("tls-reconnect");
    make_pki(dir.path(), "ml", "mldsa65");
    let server = Server::start(
        &["--cert", "ml/chain.pem", "--key", "ml/key.pem"],
        dir.path(),
    );
    let args = [
        server.addr(),
        "--ca".into(),
        "ml/ca.pem".into(),
        "--server-name".into(),
        "localhost".into(),
        "--send".into(),
        "again".into(),
        "--reconnect".into(),
        "2".into(),
    ];
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let run = client(dir.path(), &args);
    assert!(run.status.success(), "{run:?}");
    let out = &run.stdout;
    assert_eq!(resumed_lines(out), ["no", "yes", "yes"], "{out}");
    let sections: Vec<&str> = out.split("connection ").skip(1).collect();
    for (i, section) in sections.iter().enumerate() {
        assert!(
            section.starts_with(&format!("{} of 3\nconnected: ", i + 1)),
            "{section}"
        );
        // Each connection's reply, on its own line before the next separator.
        assert!(section.trim_end().ends_with("again"), "{section}");
        // The original session's authentication, reported again.
        assert!(
            section.contains("pq: key exchange yes, authentication yes\n"),
            "{section}"
        );
    }
    assert_eq!(sections.len(), 3, "{out}");

    // Without --reconnect: one connection, no separator.
    let run = client(dir.path(), &args[..args.len() - 2]);
    assert!(run.status.success(), "{run:?}");
    assert!(!run.stdout.contains("connection 1 of"), "{}", run.stdout);
    assert!(run.stdout.ends_with("again"), "{}", run.stdout);

    let server = Server::start(
        &[
            "--cert",
            "ml/chain.pem",
            "--key",
            "ml/key.pem",
            "--no-tickets",
        ],
        dir.path(),
    );
    let mut args = args.clone();
    let addr = server.addr();
    args[0] = &addr;
    let run = client(dir.path(), &args);
    assert!(run.status.success(), "{run:?}");
    assert_eq!(
        resumed_lines(&run.stdout),
        ["no", "no", "no"],
        "{}",
        run.stdout
    );
}

#[test]
fn echo_over_loopback_with_mldsa_and_ecdsa_certificates() {
    let dir = TempDir::new("tls-echo");
    for (name, alg, signature, pq_auth) in [
        ("ml", "mldsa65", "mldsa65", "yes"),
        ("ec", "ecdsa-p384", "ecdsa_secp384r1_sha384", "no"),
    ] {
        make_pki(dir.path(), name, alg);
        let server = Server::start(
            &[
                "--cert",
                &format!("{name}/chain.pem"),
                "--key",
                &format!("{name}/key.pem"),
            ],
            dir.path(),
        );
        let ca = format!("{name}/ca.pem");
        let run = client(
            dir.path(),
            &[
                &server.addr(),
                "--ca",
                &ca,
                "--server-name",
                "localhost",
                "--send",
                "ping 123",
            ],
        );
        assert!(run.status.success(), "{alg}: {run:?}");
        let out = &run.stdout;
        assert!(out.contains("version: TLSv1.3\n"), "{out}");
        assert!(out.contains("group: X25519MLKEM768\n"), "{out}");
        assert!(out.contains(&format!("signature: {signature}\n")), "{out}");
        assert!(
            out.contains(&format!("pq: key exchange yes, authentication {pq_auth}\n")),
            "{out}"
        );
        // `qssl cert` makes root -> intermediate -> leaf of one algorithm: the leaf's
        // and the intermediate's signatures are on the verified path.
        assert!(
            out.contains(&format!("chain-signatures: {signature}, {signature}\n")),
            "{out}"
        );
        assert!(out.ends_with("ping 123"), "echo missing: {out}");

        // A classical group when asked for one, verified by IP address this time.
        let run = client(
            dir.path(),
            &[
                &server.addr(),
                "--ca",
                &ca,
                "--groups",
                "secp384r1",
                "--send",
                "x",
            ],
        );
        assert!(run.status.success(), "{alg}: {run:?}");
        assert!(
            run.stdout.contains("group: secp384r1\n")
                && run.stdout.contains("pq: key exchange no, "),
            "{}",
            run.stdout
        );
    }
}

/// One `qssl server` with two chains: a client that verifies ML-DSA gets the ML-DSA
/// chain, one limited to classical schemes (`--sigalgs`) the ECDSA chain.
#[test]
fn server_with_two_chains_serves_each_client_the_one_it_verifies() {
    let dir = TempDir::new("tls-two-chains");
    make_pki(dir.path(), "ml", "mldsa65");
    make_pki(dir.path(), "ec", "ecdsa-p256");
    let both = std::fs::read_to_string(dir.path().join("ml/ca.pem")).unwrap()
        + &std::fs::read_to_string(dir.path().join("ec/ca.pem")).unwrap();
    std::fs::write(dir.path().join("both.pem"), both).unwrap();
    let server = Server::start(
        &[
            "--cert",
            "ml/chain.pem",
            "--key",
            "ml/key.pem",
            "--cert",
            "ec/chain.pem",
            "--key",
            "ec/key.pem",
        ],
        dir.path(),
    );
    for (sigalgs, signature, pq_auth) in [
        (None, "mldsa65", "yes"),
        (
            Some("ecdsa_secp256r1_sha256:rsa_pss_rsae_sha256:ed25519"),
            "ecdsa_secp256r1_sha256",
            "no",
        ),
    ] {
        let mut args = vec![server.addr(), "--ca".into(), "both.pem".into()];
        args.extend([
            "--server-name".into(),
            "localhost".into(),
            "--send".into(),
            "hi".into(),
        ]);
        if let Some(list) = sigalgs {
            args.extend(["--sigalgs".into(), list.to_owned()]);
        }
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let run = client(dir.path(), &args);
        assert!(run.status.success(), "{sigalgs:?}: {run:?}");
        assert!(
            run.stdout.contains(&format!("signature: {signature}\n")),
            "{}",
            run.stdout
        );
        assert!(
            run.stdout.contains(&format!("authentication {pq_auth}")),
            "{}",
            run.stdout
        );
    }
    // A --cert without its --key is one line, not a panic or a half-configured server.
    let run = run_bounded(
        qssl().current_dir(dir.path()).args([
            "server",
            "--listen",
            "127.0.0.1:0",
            "--cert",
            "ml/chain.pem",
            "--key",
            "ml/key.pem",
            "--cert",
            "ec/chain.pem",
        ]),
        LIMIT,
    );
    assert!(!run.status.success());
    assert!(
        run.stderr.contains("2 --cert but 1 --key"),
        "{}",
        run.stderr
    );
}

/// `qssl server --stateless-retry`: a client whose first key share the server does not
/// take gets a HelloRetryRequest (with a cookie) and completes, by default and with
/// the option; the client reports the retry.
#[test]
fn hello_retry_with_and_without_stateless_retry() {
    let dir = TempDir::new("tls-hrr");
    make_pki(dir.path(), "ec", "ecdsa-p256");
    for stateless in [false, true] {
        let mut args = vec![
            "--cert",
            "ec/chain.pem",
            "--key",
            "ec/key.pem",
            "--groups",
            "x25519",
        ];
        if stateless {
            args.push("--stateless-retry");
        }
        let server = Server::start(&args, dir.path());
        let run = client(
            dir.path(),
            &[
                &server.addr(),
                "--ca",
                "ec/ca.pem",
                "--server-name",
                "localhost",
                "--groups",
                "secp384r1:x25519",
                "--send",
                "retry",
            ],
        );
        assert!(run.status.success(), "stateless {stateless}: {run:?}");
        assert!(run.stdout.contains("group: x25519\n"), "{}", run.stdout);
        assert!(run.stdout.contains("hello-retry: yes\n"), "{}", run.stdout);
        assert!(run.stdout.ends_with("retry"), "{}", run.stdout);
    }
}

/// `qssl client --reconnect 2` against `openssl s_server -www`: OpenSSL's own page
/// says whether it resumed the session (`New` / `Reused`), which must match what the
/// client reports.
#[test]
fn client_resumes_with_openssl_s_server() {
    let openssl = match openssl_tls13() {
        Ok(path) => path,
        Err(why) => {
            println!("SKIPPED resumption against openssl s_server: no OpenSSL ({why})");
            return;
        }
    };
    let dir = TempDir::new("tls-openssl-resume");
    make_pki(dir.path(), "ec", "ecdsa-p256");
    let mut child = std::process::Command::new(&openssl)
        .current_dir(dir.path())
        .args(["s_server", "-accept", "127.0.0.1:0", "-www"])
        .args(["-cert", "ec/chain.pem", "-cert_chain", "ec/chain.pem"])
        .args(["-key", "ec/key.pem"])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn openssl s_server");
    let stdout = child.stdout.take().unwrap();
    let (tx, rx) = mpsc::channel();
    thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if let Some(addr) = line.strip_prefix("ACCEPT ") {
                let _ = tx.send(addr.to_owned());
            }
        }
    });
    // Killed however the test ends.
    let server = Server {
        child,
        port: 0,
        log: mpsc::channel().1,
    };
    let addr = rx
        .recv_timeout(Duration::from_secs(30))
        .expect("openssl s_server printed no ACCEPT line");
    let run = client(
        dir.path(),
        &[
            &addr,
            "--ca",
            "ec/ca.pem",
            "--server-name",
            "localhost",
            "--send",
            "GET / HTTP/1.0\r\n\r\n",
            "--reconnect",
            "2",
        ],
    );
    drop(server);
    assert!(run.status.success(), "{run:?}");
    let out = &run.stdout;
    assert_eq!(resumed_lines(out), ["no", "yes", "yes"], "{out}");
    let sections: Vec<&str> = out.split("\nconnection ").collect();
    assert_eq!(sections.len(), 3, "{out}");
    assert!(sections[0].contains("New, TLSv1.3"), "{}", sections[0]);
    for section in &sections[1..] {
        assert!(section.contains("Reused, TLSv1.3"), "{section}");
    }
}

#[test]
fn http_mode_answers_with_the_negotiated_parameters() {
    let dir = TempDir::new("tls-http");
    make_pki(dir.path(), "ec", "ecdsa-p256");
    let server = Server::start(
        &[
            "--cert",
            "ec/chain.pem",
            "--key",
            "ec/key.pem",
            "--http",
            "--groups",
            "SecP256r1MLKEM768:x25519",
        ],
        dir.path(),
    );
    let run = client(
        dir.path(),
        &[
            &server.addr(),
            "--ca",
            "ec/ca.pem",
            "--groups",
            "SecP256r1MLKEM768",
            "--send",
            "GET / HTTP/1.0\r\n\r\n",
        ],
    );
    assert!(run.status.success(), "{run:?}");
    let page = run
        .stdout
        .split_once("HTTP/1.0 200 OK\r\n")
        .expect("HTTP answer")
        .1;
    assert!(page.contains("group: SecP256r1MLKEM768"), "{page}");
    assert!(page.contains("signature: ecdsa_secp256r1_sha256"), "{page}");
    // The server reports the client's authentication (it has none), not its own.
    assert!(
        page.contains("pq: key exchange yes, client authentication none\n"),
        "{page}"
    );
}

#[test]
fn client_certificates_are_required_with_client_ca() {
    let dir = TempDir::new("tls-mtls");
    make_pki(dir.path(), "srv", "mldsa44");
    make_pki(dir.path(), "cli", "ed25519");
    let server = Server::start(
        &[
            "--cert",
            "srv/chain.pem",
            "--key",
            "srv/key.pem",
            "--client-ca",
            "cli/ca.pem",
        ],
        dir.path(),
    );
    let run = client(
        dir.path(),
        &[
            &server.addr(),
            "--ca",
            "srv/ca.pem",
            "--cert",
            "cli/chain.pem",
            "--key",
            "cli/key.pem",
            "--send",
            "with cert",
        ],
    );
    assert!(run.status.success(), "{run:?}");
    assert!(
        run.stdout.contains("client-signature: ed25519"),
        "{}",
        run.stdout
    );
    assert!(run.stdout.ends_with("with cert"));

    let run = client(
        dir.path(),
        &[&server.addr(), "--ca", "srv/ca.pem", "--send", "no cert"],
    );
    let line = run.one_error_line();
    assert!(line.contains("certificate_required"), "{line}");
}

#[test]
fn unknown_ca_fails_with_one_line_naming_the_alert() {
    let dir = TempDir::new("tls-unknown-ca");
    make_pki(dir.path(), "a", "mldsa65");
    make_pki(dir.path(), "b", "mldsa65");
    let server = Server::start(&["--cert", "a/chain.pem", "--key", "a/key.pem"], dir.path());
    let run = client(
        dir.path(),
        &[&server.addr(), "--ca", "b/ca.pem", "--send", "x"],
    );
    let line = run.one_error_line();
    assert!(
        line.contains("issuer unknown") && line.contains("unknown_ca"),
        "{line}"
    );
    assert!(
        run.stdout.is_empty(),
        "nothing printed as connected: {}",
        run.stdout
    );

    // A name the certificate does not carry.
    let run = client(
        dir.path(),
        &[
            &server.addr(),
            "--ca",
            "a/ca.pem",
            "--server-name",
            "other.example",
            "--send",
            "x",
        ],
    );
    let line = run.one_error_line();
    assert!(line.contains("server name"), "{line}");
}

#[test]
fn unreachable_port_and_bad_files_are_one_line() {
    let dir = TempDir::new("tls-unreachable");
    make_pki(dir.path(), "a", "ed25519");
    // A port nobody listens on: bind one, then free it.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let addr = format!("127.0.0.1:{port}");
    let run = client(dir.path(), &[&addr, "--ca", "a/ca.pem", "--send", "x"]);
    let line = run.one_error_line();
    assert!(
        line.contains("cannot connect to") && line.contains(&addr),
        "{line}"
    );

    let run = client(dir.path(), &[&addr, "--ca", "missing.pem", "--send", "x"]);
    assert!(run.one_error_line().contains("missing.pem"));
    let run = client(
        dir.path(),
        &[&addr, "--ca", "a/ca.pem", "--groups", "kyber768"],
    );
    assert!(run.one_error_line().contains("'kyber768'"));

    // The server refuses a key file that is not a key, before listening.
    let run = run_bounded(
        qssl().current_dir(dir.path()).args([
            "server",
            "--listen",
            "127.0.0.1:0",
            "--cert",
            "a/chain.pem",
            "--key",
            "a/ca.pem",
        ]),
        LIMIT,
    );
    let line = run.one_error_line();
    assert!(line.contains("cannot load private key a/ca.pem"), "{line}");
}

/// What a `qssl client --early-data` run printed per connection: its
/// `early-data:` value and the reply after the `handshake:` line (up to the next
/// `connection I of N` line).
fn early_data_reports(stdout: &str) -> Vec<(&str, &str)> {
    let starts: Vec<usize> = stdout
        .match_indices("connected: ")
        .map(|(i, _)| i)
        .filter(|&i| i == 0 || stdout[..i].ends_with('\n'))
        .collect();
    let ends = starts[1..].iter().map(|&next| {
        // The start of the `connection I of N` line before the next report.
        let before = &stdout[..next - 1];
        before.rfind('\n').map_or(0, |p| p + 1)
    });
    starts
        .iter()
        .zip(ends.chain([stdout.len()]))
        .map(|(&start, end)| {
            let section = &stdout[start..end];
            let early = section
                .lines()
                .find_map(|l| l.strip_prefix("early-data: "))
                .unwrap_or_else(|| panic!("no early-data line: {section}"));
            let after = section.split_once("\nhandshake: ").unwrap().1;
            (early, after.split_once('\n').unwrap().1)
        })
        .collect()
}

/// The `early-data=` value of a server log line, and its `resumed=` value.
fn logged_early_data(line: &str) -> (&str, &str) {
    let field = |name: &str| {
        line.split(' ')
            .find_map(|f| f.strip_prefix(name))
            .unwrap_or_else(|| panic!("no {name} in {line:?}"))
    };
    (field("early-data="), field("resumed="))
}

/// `qssl client --reconnect 1 --early-data FILE`: against `qssl server
/// --early-data` the first connection has no ticket (`not offered`), the second
/// sends FILE as 0-RTT data, and the server says it took those bytes and echoes
/// FILE once; with a smaller limit the rest follows the handshake; a server
/// without `--early-data` issues tickets without early_data, so none is offered;
/// `--http` answers a request that came as 0-RTT data.
#[test]
fn client_early_data_against_qssl_server() {
    let dir = TempDir::new("tls-early-data");
    make_pki(dir.path(), "ec", "ecdsa-p256");
    let request = "0-RTT request: safe to replay\n";
    std::fs::write(dir.path().join("req.txt"), request).unwrap();
    std::fs::write(dir.path().join("get.txt"), "GET / HTTP/1.0\r\n\r\n").unwrap();
    let cert = ["--cert", "ec/chain.pem", "--key", "ec/key.pem"];
    let run_client = |server: &Server, file: &str| {
        let run = client(
            dir.path(),
            &[
                &server.addr(),
                "--ca",
                "ec/ca.pem",
                "--server-name",
                "localhost",
                "--early-data",
                file,
                "--reconnect",
                "1",
            ],
        );
        assert!(run.status.success(), "{run:?}");
        run
    };
    let len = request.len();

    // Accepted: all of FILE went as 0-RTT data.
    let server = Server::start(&[&cert[..], &["--early-data"]].concat(), dir.path());
    let run = run_client(&server, "req.txt");
    assert_eq!(resumed_lines(&run.stdout), ["no", "yes"], "{}", run.stdout);
    assert_eq!(
        early_data_reports(&run.stdout),
        [
            ("not offered", request),
            (format!("accepted ({len} bytes)").as_str(), request)
        ],
        "{}",
        run.stdout
    );
    let log = server.log_lines(2);
    assert_eq!(logged_early_data(&log[0]), ("none", "no"), "{log:?}");
    assert_eq!(
        logged_early_data(&log[1]),
        (format!("accepted({len})").as_str(), "yes"),
        "{log:?}"
    );

    // The ticket allows 8 bytes: those go early, the rest after the handshake, and
    // the server still echoes FILE whole and in order.
    let server = Server::start(&[&cert[..], &["--early-data", "8"]].concat(), dir.path());
    let run = run_client(&server, "req.txt");
    assert_eq!(resumed_lines(&run.stdout), ["no", "yes"], "{}", run.stdout);
    let rest = len - 8;
    assert_eq!(
        early_data_reports(&run.stdout),
        [
            ("not offered", request),
            (
                format!("accepted (8 bytes, {rest} more after the handshake)").as_str(),
                request
            )
        ],
        "{}",
        run.stdout
    );
    let log = server.log_lines(2);
    assert_eq!(
        logged_early_data(&log[1]),
        ("accepted(8)", "yes"),
        "{log:?}"
    );

    // No --early-data: the session resumes, but its ticket allows no 0-RTT data.
    let server = Server::start(&cert, dir.path());
    let run = run_client(&server, "req.txt");
    assert_eq!(resumed_lines(&run.stdout), ["no", "yes"], "{}", run.stdout);
    assert_eq!(
        early_data_reports(&run.stdout),
        [("not offered", request), ("not offered", request)],
        "{}",
        run.stdout
    );
    let log = server.log_lines(2);
    assert_eq!(logged_early_data(&log[1]), ("none", "yes"), "{log:?}");

    // --http reads the request that came as 0-RTT data and says so on its page.
    let server = Server::start(
        &[&cert[..], &["--early-data", "--http"]].concat(),
        dir.path(),
    );
    let run = run_client(&server, "get.txt");
    // The client's report, then the page's, for each connection.
    assert_eq!(
        resumed_lines(&run.stdout),
        ["no", "no", "yes", "yes"],
        "{}",
        run.stdout
    );
    let pages: Vec<&str> = early_data_reports(&run.stdout)
        .into_iter()
        .map(|(_, reply)| reply)
        .collect();
    assert!(
        pages[0].starts_with("HTTP/1.0 200 OK\r\n")
            && pages[0].contains("early-data: not offered\n"),
        "{}",
        pages[0]
    );
    assert!(
        pages[1].starts_with("HTTP/1.0 200 OK\r\n")
            && pages[1].contains("resumed: yes\nearly-data: accepted (18 bytes)\n"),
        "{}",
        pages[1]
    );

    // FILE replaces --send; 0-RTT needs tickets.
    let run = client(
        dir.path(),
        &[&server.addr(), "--early-data", "req.txt", "--send", "x"],
    );
    assert!(run.one_error_line().contains("--send"), "{run:?}");
    let run = client(
        dir.path(),
        &[
            &server.addr(),
            "--ca",
            "ec/ca.pem",
            "--early-data",
            "none.txt",
        ],
    );
    assert!(run.one_error_line().contains("none.txt"), "{run:?}");
    let run = run_bounded(
        qssl()
            .current_dir(dir.path())
            .args(["server", "--listen", "127.0.0.1:0"])
            .args(cert)
            .args(["--early-data", "--no-tickets"]),
        LIMIT,
    );
    assert!(run.one_error_line().contains("--no-tickets"), "{run:?}");
}

/// A TCP relay on 127.0.0.1 that sends its first connection to `targets[0]`, its
/// second to `targets[1]` and so on (later ones to the last), so that one client's
/// reconnections reach different servers. Returns its address.
fn relay(targets: Vec<String>) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap().to_string();
    thread::spawn(move || {
        for (i, client) in listener.incoming().enumerate() {
            let (Ok(client), Some(target)) = (client, targets.get(i).or(targets.last())) else {
                return;
            };
            let Ok(server) = TcpStream::connect(target) else {
                return;
            };
            for (mut from, mut to) in [
                (client.try_clone().unwrap(), server.try_clone().unwrap()),
                (server, client),
            ] {
                thread::spawn(move || {
                    let _ = std::io::copy(&mut from, &mut to);
                    let _ = to.shutdown(Shutdown::Write);
                });
            }
        }
    });
    addr
}

/// Rejected 0-RTT data is sent again after the handshake: the client's second
/// connection offers the first server's ticket (allowing early data) to a second
/// server, which cannot resume it, runs a full handshake and skips the early data;
/// it still gets FILE exactly once, and echoes it.
#[test]
fn rejected_early_data_is_resent_after_the_handshake() {
    let dir = TempDir::new("tls-early-data-rejected");
    make_pki(dir.path(), "ec", "ecdsa-p256");
    let request = "sent early, then again\n";
    std::fs::write(dir.path().join("req.txt"), request).unwrap();
    let cert = ["--cert", "ec/chain.pem", "--key", "ec/key.pem"];
    let first = Server::start(&[&cert[..], &["--early-data"]].concat(), dir.path());
    let second = Server::start(&cert, dir.path());
    let addr = relay(vec![first.addr(), second.addr()]);
    let run = client(
        dir.path(),
        &[
            &addr,
            "--ca",
            "ec/ca.pem",
            "--server-name",
            "localhost",
            "--early-data",
            "req.txt",
            "--reconnect",
            "1",
        ],
    );
    assert!(run.status.success(), "{run:?}");
    assert_eq!(resumed_lines(&run.stdout), ["no", "no"], "{}", run.stdout);
    let len = request.len();
    assert_eq!(
        early_data_reports(&run.stdout),
        [
            ("not offered", request),
            (
                format!("rejected ({len} bytes resent after the handshake)").as_str(),
                request
            )
        ],
        "{}",
        run.stdout
    );
    assert_eq!(logged_early_data(&first.log_lines(1)[0]), ("none", "no"));
    assert_eq!(
        logged_early_data(&second.log_lines(1)[0]),
        ("rejected", "no")
    );
}

/// `qssl client --early-data` against `openssl s_server -early_data` (classical
/// groups: OpenSSL 3.0 has no ML-KEM): the resumed connections send FILE as 0-RTT
/// data, OpenSSL accepts it and prints it as early data.
#[test]
fn client_early_data_with_openssl_s_server() {
    let openssl = match openssl_tls13() {
        Ok(path) => path,
        Err(why) => {
            println!("SKIPPED 0-RTT against openssl s_server: no OpenSSL ({why})");
            return;
        }
    };
    let dir = TempDir::new("tls-openssl-early-data");
    make_pki(dir.path(), "ec", "ecdsa-p256");
    let request = "early hello to openssl\n";
    std::fs::write(dir.path().join("req.txt"), request).unwrap();
    let mut child = std::process::Command::new(&openssl)
        .current_dir(dir.path())
        .args(["s_server", "-accept", "127.0.0.1:0", "-early_data"])
        .args(["-naccept", "3"])
        .args(["-cert", "ec/chain.pem", "-cert_chain", "ec/chain.pem"])
        .args(["-key", "ec/key.pem"])
        // Held open and silent: at end of input s_server would end each connection.
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn openssl s_server");
    let stdout = child.stdout.take().unwrap();
    let (tx, rx) = mpsc::channel();
    thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            let _ = tx.send(line);
        }
    });
    // Killed however the test ends.
    let mut server = Server {
        child,
        port: 0,
        log: mpsc::channel().1,
    };
    let addr = loop {
        let line = rx
            .recv_timeout(Duration::from_secs(30))
            .expect("openssl s_server printed no ACCEPT line");
        if let Some(addr) = line.strip_prefix("ACCEPT ") {
            break addr.to_owned();
        }
    };
    let run = client(
        dir.path(),
        &[
            &addr,
            "--ca",
            "ec/ca.pem",
            "--server-name",
            "localhost",
            "--early-data",
            "req.txt",
            "--reconnect",
            "2",
        ],
    );
    assert!(run.status.success(), "{run:?}");
    let len = request.len();
    let accepted = format!("accepted ({len} bytes)");
    let reports: Vec<&str> = early_data_reports(&run.stdout)
        .into_iter()
        .map(|(early, _)| early)
        .collect();
    assert_eq!(
        reports,
        ["not offered", accepted.as_str(), accepted.as_str()],
        "{}",
        run.stdout
    );
    assert_eq!(resumed_lines(&run.stdout), ["no", "yes", "yes"]);
    // With -naccept 3 s_server exits after the third connection, flushing its output.
    let deadline = Instant::now() + LIMIT;
    while server.child.try_wait().unwrap().is_none() {
        assert!(Instant::now() < deadline, "openssl s_server did not exit");
        thread::sleep(Duration::from_millis(20));
    }
    let log: Vec<String> = rx.try_iter().collect();
    let count = |what: &str| log.iter().filter(|l| l.as_str() == what).count();
    // s_server writes the early data itself unbuffered and its notes through stdio,
    // so only the counts are reliable, not the order.
    assert_eq!(count("No early data received"), 1, "{log:#?}");
    assert_eq!(count("Early data received:"), 2, "{log:#?}");
    assert_eq!(count("End of early data"), 2, "{log:#?}");
    assert_eq!(count(request.trim_end()), 3, "{log:#?}");
}

/// Debian's own `openssl` command (3.0 on bookworm), found on the PATH. CI installs
/// it (`.ci/run`), so there its absence fails the test; elsewhere the test says
/// loudly that it did not run.
fn system_openssl(what: &str) -> Option<std::path::PathBuf> {
    match std::process::Command::new("openssl")
        .arg("version")
        .output()
    {
        Ok(out) if out.status.success() => {
            println!(
                "system openssl: {}",
                String::from_utf8_lossy(&out.stdout).trim()
            );
            Some("openssl".into())
        }
        _ => {
            let msg = format!(
                "\n*** NOT RUN: {what}: no `openssl` command on the PATH \
                 (apt-get install openssl) ***\n"
            );
            assert!(std::env::var_os("CI").is_none(), "{msg}");
            eprintln!("{msg}");
            println!("{msg}");
            None
        }
    }
}

/// `openssl s_client -tls1_2` (the system's OpenSSL) against `qssl server --tls12`:
/// a TLS 1.2 handshake that OpenSSL verifies, an echo, and the server's log line.
#[test]
fn tls12_server_with_system_openssl_s_client() {
    let Some(openssl) = system_openssl("TLS 1.2 qssl server x openssl s_client -tls1_2") else {
        return;
    };
    let dir = TempDir::new("tls12-s-client");
    make_pki(dir.path(), "ec", "ecdsa-p256");
    make_pki(dir.path(), "rsa", "rsa2048");
    for (pki, suite, openssl_suite) in [
        (
            "ec",
            "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256",
            "ECDHE-ECDSA-CHACHA20-POLY1305",
        ),
        (
            "rsa",
            "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
            "ECDHE-RSA-AES128-GCM-SHA256",
        ),
    ] {
        let cert = format!("{pki}/chain.pem");
        let key = format!("{pki}/key.pem");
        let server = Server::start(&["--cert", &cert, "--key", &key, "--tls12"], dir.path());
        let mut s_client = std::process::Command::new(&openssl);
        s_client
            .current_dir(dir.path())
            .args(["s_client", "-tls1_2", "-brief", "-verify_return_error"])
            .args(["-connect", &server.addr(), "-servername", "localhost"])
            .args([
                "-CAfile",
                &format!("{pki}/ca.pem"),
                "-cipher",
                openssl_suite,
            ])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let mut child = s_client.spawn().expect("spawn openssl s_client");
        {
            use std::io::Write;
            let mut stdin = child.stdin.take().unwrap();
            stdin.write_all(b"ping over TLS 1.2\n").unwrap();
            // Closing stdin ends s_client after the echo came back.
            thread::sleep(Duration::from_millis(500));
        }
        let run = common::wait_bounded(child, LIMIT);
        let all = format!("{}{}", run.stdout, run.stderr);
        assert!(all.contains("Protocol version: TLSv1.2"), "{all}");
        assert!(
            all.contains(&format!("Ciphersuite: {openssl_suite}")),
            "{all}"
        );
        assert!(all.contains("Verification: OK"), "{all}");
        assert!(run.stdout.contains("ping over TLS 1.2"), "echo: {all}");
        let line = &server.log_lines(1)[0];
        assert!(line.contains(&format!("TLSv1.2 {suite} ")), "{line}");
        assert!(line.contains("pq-kx=false"), "{line}");
    }
}

/// `qssl client --tls12` against `openssl s_server -tls1_2` (the system's OpenSSL):
/// the report says TLS 1.2 and no post-quantum key exchange, and the page comes
/// back; without `--tls12` the same server is refused (protocol_version).
#[test]
fn tls12_client_with_system_openssl_s_server() {
    let Some(openssl) = system_openssl("TLS 1.2 qssl client x openssl s_server -tls1_2") else {
        return;
    };
    let dir = TempDir::new("tls12-s-server");
    make_pki(dir.path(), "ec", "ecdsa-p384");
    let (server, addr) = tls12_www_server(&openssl, dir.path());
    let common_args = [
        addr.as_str(),
        "--ca",
        "ec/ca.pem",
        "--server-name",
        "localhost",
        "--send",
        "GET / HTTP/1.0\r\n\r\n",
    ];
    let run = client(dir.path(), &[&common_args[..], &["--tls12"]].concat());
    assert!(run.status.success(), "{run:?}");
    let out = &run.stdout;
    assert!(out.contains("version: TLSv1.2\n"), "{out}");
    assert!(out.contains("pq: key exchange no,"), "{out}");
    assert!(out.contains("HTTP/1.0 200 ok"), "{out}");
    assert!(
        out.contains("New, TLSv1.2, Cipher is ECDHE-ECDSA-"),
        "{out}"
    );
    // OpenSSL saw our empty renegotiation_info (RFC 5746).
    assert!(out.contains("Secure Renegotiation IS supported"), "{out}");

    let run = client(dir.path(), &common_args);
    drop(server);
    assert!(!run.status.success(), "{run:?}");
    assert!(run.one_error_line().contains("protocol_version"), "{run:?}");
}

/// `openssl s_client -tls1_2 -reconnect` (the system's OpenSSL) resumes five times
/// with `qssl server --tls12`: by ticket (s_client's default) and by session ID
/// (`-no_ticket`); the server logs each resumption too.
#[test]
fn system_openssl_s_client_resumes_tls12_by_ticket_and_session_id() {
    let Some(openssl) = system_openssl("TLS 1.2 resumption, openssl s_client -reconnect") else {
        return;
    };
    let dir = TempDir::new("tls12-reconnect");
    make_pki(dir.path(), "ec", "ecdsa-p256");
    let server = Server::start(
        &["--cert", "ec/chain.pem", "--key", "ec/key.pem", "--tls12"],
        dir.path(),
    );
    for extra in [&[][..], &["-no_ticket"][..]] {
        let run = run_bounded(
            std::process::Command::new(&openssl)
                .current_dir(dir.path())
                .args(["s_client", "-tls1_2", "-reconnect"])
                .args(extra)
                .args(["-connect", &server.addr(), "-servername", "localhost"])
                .args(["-CAfile", "ec/ca.pem"])
                .stdin(Stdio::null()),
            LIMIT,
        );
        let out = format!("{}{}", run.stdout, run.stderr);
        let new = out.matches("New, TLSv1.2,").count();
        let reused = out.matches("Reused, TLSv1.2,").count();
        assert_eq!((new, reused), (1, 5), "{extra:?}: {out}");
        let lines = server.log_lines(6);
        let resumed = lines.iter().filter(|l| l.contains("resumed=yes")).count();
        assert_eq!(resumed, 5, "{extra:?}: {lines:?}");
    }
}

/// `qssl client --tls12 --reconnect 2` resumes with `openssl s_server -tls1_2`.
#[test]
fn tls12_client_reconnects_and_resumes_with_system_openssl() {
    let Some(openssl) = system_openssl("TLS 1.2 resumption, qssl client --reconnect") else {
        return;
    };
    let dir = TempDir::new("tls12-client-reconnect");
    make_pki(dir.path(), "ec", "ecdsa-p256");
    let (server, addr) = tls12_www_server(&openssl, dir.path());
    let run = client(
        dir.path(),
        &[
            &addr,
            "--ca",
            "ec/ca.pem",
            "--server-name",
            "localhost",
            "--tls12",
            "--send",
            "GET / HTTP/1.0\r\n\r\n",
            "--reconnect",
            "2",
        ],
    );
    drop(server);
    assert!(run.status.success(), "{run:?}");
    let out = &run.stdout;
    assert_eq!(resumed_lines(out), ["no", "yes", "yes"], "{out}");
    assert_eq!(out.matches("version: TLSv1.2").count(), 3, "{out}");
    assert_eq!(out.matches("Reused, TLSv1.2").count(), 2, "{out}");
}

/// `openssl s_server -tls1_2 -www` with `ec/`'s chain and key in `dir`: the server
/// (killed when dropped, however the test ends) and the address it accepts on.
fn tls12_www_server(openssl: &Path, dir: &Path) -> (Server, String) {
    let mut child = std::process::Command::new(openssl)
        .current_dir(dir)
        .args(["s_server", "-tls1_2", "-accept", "127.0.0.1:0", "-www"])
        .args(["-cert", "ec/chain.pem", "-cert_chain", "ec/chain.pem"])
        .args(["-key", "ec/key.pem"])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn openssl s_server");
    let stdout = child.stdout.take().unwrap();
    let (tx, rx) = mpsc::channel();
    thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if let Some(addr) = line.strip_prefix("ACCEPT ") {
                let _ = tx.send(addr.to_owned());
            }
        }
    });
    let server = Server {
        child,
        port: 0,
        log: mpsc::channel().1,
    };
    let addr = rx
        .recv_timeout(Duration::from_secs(30))
        .expect("openssl s_server printed no ACCEPT line");
    (server, addr)
}

//! OpenSSL's own command-line client, `openssl s_client`, run as a child process:
//! the one way this harness has to make an OpenSSL *client* resume a session.
//!
//! An OpenSSL client never resumes by itself (its session cache is never looked
//! up on the client side): the application must hand the saved session to
//! `SSL_set_session`, which the `openssl` crate 0.10 binds only as an `unsafe fn`
//! (the caller vouches that the session belongs to the same `SSL_CTX`), and
//! `unsafe` is forbidden in this workspace. `s_client` does exactly that in C:
//! `-sess_out` writes each session its new-session callback receives (in TLS 1.3,
//! one per NewSessionTicket) to a file, `-sess_in` reads it back and sets it
//! before the handshake. Its report ("New," or "Reused,", the tickets that
//! arrived, the verification result) is OpenSSL's own account.
//!
//! The program is `$QSSL_INTEROP_OPENSSL` if set, else `openssl` on the `PATH`:
//! the system's OpenSSL, not the vendored 3.5+ build the rest of the harness links
//! (`openssl-src` builds no programs), so it may lack ML-KEM and ML-DSA; see
//! [`SClient::has_post_quantum`].

use std::io::{Read, Write};
use std::net::{IpAddr, SocketAddr};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, ExitStatus, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use qssl::EarlyDataStatus;

use crate::PeerError;
use crate::openssl_peer::openssl_groups_list;
use crate::peer::{ClientOptions, IO_TIMEOUT, echo_header};

const PEER: &str = "openssl s_client";

/// The environment variable naming the `openssl` program to run.
pub const OPENSSL_PROGRAM_VAR: &str = "QSSL_INTEROP_OPENSSL";

/// What a run's output is kept to (s_client prints certificates and sessions).
const MAX_OUTPUT: usize = 1 << 20;

/// `openssl s_client`, configured from the harness' [`ClientOptions`] (groups,
/// trust anchors, server name; suites, ALPN, client certificates and signature
/// schemes are not passed on), with a session file of its own.
pub struct SClient {
    program: PathBuf,
    version: String,
    dir: ScratchDir,
    groups: Option<String>,
    server_name: String,
}

/// What one `s_client` run reported.
#[derive(Debug)]
pub struct SClientRun {
    /// s_client's own verdict, from `SSL_session_reused`: its "Reused," line
    /// (`false` for "New,").
    pub reused: bool,
    /// "Verify return code: 0 (ok)": the server's chain verified against the
    /// trust anchors (on a resumption, the original session's result).
    pub verified: bool,
    /// How many "Post-Handshake New Session Ticket arrived" it printed: tickets
    /// received and written to the session file.
    pub tickets: usize,
    /// What s_client printed of its 0-RTT data ("Early data was accepted",
    /// "rejected", "not sent": `SSL_get_early_data_status`); `None` if it printed
    /// nothing of it.
    pub early_data: Option<EarlyDataStatus>,
    /// Whether the request was written again after s_client said its 0-RTT data
    /// was not accepted ([`SClient::run_early`]).
    pub resent: bool,
    /// Whether the echo payload came back.
    pub echoed: bool,
    /// How the process ended.
    pub status: ExitStatus,
    /// Standard output and error, lossily decoded (for failure messages).
    pub output: String,
}

impl SClient {
    /// Finds the program and writes the trust anchors to a scratch directory.
    /// [`PeerError::Unsupported`] if there is no `openssl` program to run.
    pub fn new(opts: &ClientOptions) -> Result<Self, PeerError> {
        let program = std::env::var_os(OPENSSL_PROGRAM_VAR)
            .map_or_else(|| PathBuf::from("openssl"), PathBuf::from);
        let out = Command::new(&program)
            .arg("version")
            .stdin(Stdio::null())
            .output()
            .map_err(|e| PeerError::Unsupported {
                peer: PEER,
                what: format!("running {}: {e}", program.display()),
            })?;
        if !out.status.success() {
            return Err(PeerError::Unsupported {
                peer: PEER,
                what: format!("{} version: {}", program.display(), out.status),
            });
        }
        let version = String::from_utf8_lossy(&out.stdout).trim().to_owned();
        let dir = ScratchDir::new()?;
        std::fs::write(dir.path().join("roots.pem"), &opts.trust_anchors_pem)?;
        let groups = if opts.groups.is_empty() {
            None
        } else {
            Some(openssl_groups_list(&opts.groups)?)
        };
        Ok(Self {
            program,
            version,
            dir,
            groups,
            server_name: opts.server_name.clone(),
        })
    }

    /// `openssl version`, e.g. "OpenSSL 3.0.19 27 Jan 2026 (Library: ...)".
    pub fn version(&self) -> &str {
        &self.version
    }

    /// Whether the program is OpenSSL 3.5 or newer (ML-KEM groups, ML-DSA
    /// certificates).
    pub fn has_post_quantum(&self) -> bool {
        let mut numbers = self
            .version
            .strip_prefix("OpenSSL ")
            .and_then(|v| v.split_whitespace().next())
            .unwrap_or("")
            .split('.')
            .map(|n| n.parse::<u32>().unwrap_or(0));
        let (major, minor) = (numbers.next().unwrap_or(0), numbers.next().unwrap_or(0));
        (major, minor) >= (3, 5)
    }

    /// Where the last session received is kept.
    fn session_file(&self) -> PathBuf {
        self.dir.path().join("session.pem")
    }

    /// Whether a session has been saved (a ticket arrived in an earlier run).
    pub fn has_session(&self) -> bool {
        self.session_file().is_file()
    }

    /// Connects to `addr`, sends `payload` in the harness' echo request, waits
    /// for it to come back, then closes its standard input so that s_client sends
    /// close_notify and exits. Every session received is saved; with `resume`, the
    /// saved one is offered first (`-sess_in`). Fails if the echo does not come
    /// back within [`IO_TIMEOUT`].
    pub fn run(
        &self,
        addr: SocketAddr,
        payload: &[u8],
        resume: bool,
    ) -> Result<SClientRun, PeerError> {
        let mut cmd = self.command(addr);
        if resume {
            cmd.arg("-sess_in").arg(self.session_file());
        }
        let mut request = echo_header(payload.len() as u64);
        request.extend_from_slice(payload);
        self.finish(cmd, |child| drive(child, payload, &request))
    }

    /// Resumes the saved session (`-sess_in`) sending the harness' echo request
    /// of `payload` as 0-RTT data: s_client's `-early_data FILE`, which writes the
    /// file with `SSL_write_early_data` right behind its ClientHello if the
    /// session's ticket allows early data. Once s_client has printed what became
    /// of it ("Early data was accepted", "rejected", "not sent"), the request is
    /// written again on its standard input if the server did not take it, as an
    /// application resending rejected 0-RTT data would
    /// ([`SClientRun::resent`]); then as [`run`](Self::run).
    pub fn run_early(&self, addr: SocketAddr, payload: &[u8]) -> Result<SClientRun, PeerError> {
        let mut request = echo_header(payload.len() as u64);
        request.extend_from_slice(payload);
        let file = self.dir.path().join("early_data.bin");
        std::fs::write(&file, &request)?;
        let mut cmd = self.command(addr);
        cmd.arg("-sess_in")
            .arg(self.session_file())
            .arg("-early_data")
            .arg(&file);
        self.finish(cmd, |child| drive_early(child, payload, &request))
    }

    /// s_client connecting to `addr`, TLS 1.3 only, verifying the server against
    /// the trust anchors alone, saving every session it gets (`-sess_out`).
    fn command(&self, addr: SocketAddr) -> Command {
        let mut cmd = Command::new(&self.program);
        cmd.arg("s_client")
            .arg("-connect")
            .arg(addr.to_string())
            .arg("-tls1_3")
            .arg("-nocommands")
            .arg("-verify_return_error")
            .arg("-no-CApath")
            .arg("-no-CAstore")
            .arg("-CAfile")
            .arg(self.dir.path().join("roots.pem"))
            .arg("-sess_out")
            .arg(self.session_file());
        match self.server_name.parse::<IpAddr>() {
            Ok(_) => cmd.arg("-noservername").arg("-verify_ip"),
            Err(_) => cmd
                .arg("-servername")
                .arg(&self.server_name)
                .arg("-verify_hostname"),
        };
        cmd.arg(&self.server_name);
        if let Some(groups) = &self.groups {
            cmd.arg("-groups").arg(groups);
        }
        cmd
    }

    /// Runs `cmd` with piped standard streams through `drive`, and reads
    /// s_client's report off its output.
    fn finish(
        &self,
        mut cmd: Command,
        drive: impl FnOnce(&mut Child) -> Result<Driven, PeerError>,
    ) -> Result<SClientRun, PeerError> {
        let mut child = cmd
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()?;
        let driven = match drive(&mut child) {
            Ok(done) => done,
            Err(e) => {
                let _ = child.kill();
                let _ = child.wait();
                return Err(e);
            }
        };
        let out = String::from_utf8_lossy(&driven.stdout);
        let output = format!(
            "{out}\n--- stderr ---\n{}",
            String::from_utf8_lossy(&driven.stderr)
        );
        let status = driven.status;
        let reused = out.lines().any(|l| l.starts_with("Reused, "));
        if !reused && !out.lines().any(|l| l.starts_with("New, ")) {
            return Err(PeerError::Handshake {
                peer: PEER,
                detail: format!("no \"New,\" or \"Reused,\" line ({status}):\n{output}"),
            });
        }
        let early_data = EARLY_DATA_LINES
            .iter()
            .find(|(line, _)| out.lines().any(|l| l == *line))
            .map(|&(_, status)| status);
        Ok(SClientRun {
            reused,
            verified: out.contains("Verify return code: 0 (ok)"),
            tickets: out
                .matches("Post-Handshake New Session Ticket arrived")
                .count(),
            early_data,
            resent: driven.resent,
            echoed: driven.echoed,
            status,
            output,
        })
    }
}

/// What s_client prints of its 0-RTT data once the handshake is over
/// (`SSL_get_early_data_status`), and what each line means.
const EARLY_DATA_LINES: [(&str, EarlyDataStatus); 3] = [
    ("Early data was accepted", EarlyDataStatus::Accepted),
    ("Early data was rejected", EarlyDataStatus::Rejected),
    ("Early data was not sent", EarlyDataStatus::NotOffered),
];

/// One driven s_client process.
struct Driven {
    echoed: bool,
    resent: bool,
    status: ExitStatus,
    stdout: Vec<u8>,
    stderr: Vec<u8>,
}

/// Feeds `request`, waits for the echo of `payload`, closes standard input,
/// waits for the process to end (killing it after [`IO_TIMEOUT`]) and collects
/// its output.
fn drive(child: &mut Child, payload: &[u8], request: &[u8]) -> Result<Driven, PeerError> {
    drive_with(child, payload, |stdin, _| {
        // A write that fails (s_client already gone: a failed handshake) shows as no
        // echo, with s_client's output to say why.
        let _ = stdin.write_all(request).and_then(|()| stdin.flush());
        false
    })
}

/// Waits for s_client's verdict on its 0-RTT data; unless it was accepted, writes
/// `request` on its standard input; then as [`drive`].
fn drive_early(child: &mut Child, payload: &[u8], request: &[u8]) -> Result<Driven, PeerError> {
    drive_with(child, payload, |stdin, output| {
        let lines = EARLY_DATA_LINES.map(|(line, _)| line.as_bytes());
        let accepted = output.wait_for(&lines) == Some(0);
        if !accepted {
            let _ = stdin.write_all(request).and_then(|()| stdin.flush());
        }
        !accepted
    })
}

/// Runs `feed` (which writes the request and says whether it did so after a
/// rejection), waits for the echo, ends standard input (s_client then sends
/// close_notify, waits briefly for the server's and exits), waits for the
/// process and collects its output.
fn drive_with(
    child: &mut Child,
    payload: &[u8],
    feed: impl FnOnce(&mut ChildStdin, &mut Output) -> bool,
) -> Result<Driven, PeerError> {
    let missing = || PeerError::Protocol("s_client's pipes were not set up".into());
    let mut stdin: ChildStdin = child.stdin.take().ok_or_else(missing)?;
    let (chunks, stdout) = collect(child.stdout.take().ok_or_else(missing)?);
    let (_, stderr) = collect(child.stderr.take().ok_or_else(missing)?);
    let mut output = Output::new(chunks);
    let resent = feed(&mut stdin, &mut output);
    let echoed = output.wait_for(&[payload]).is_some();
    drop(stdin);
    let status = wait_bounded(child)?;
    let stdout = join(stdout)?;
    let stderr = join(stderr)?;
    let echoed = echoed || contains(&stdout, payload);
    Ok(Driven {
        echoed,
        resent,
        status,
        stdout,
        stderr,
    })
}

/// Waits for `child` to exit; kills it once [`IO_TIMEOUT`] has passed.
fn wait_bounded(child: &mut Child) -> Result<ExitStatus, PeerError> {
    let deadline = Instant::now() + IO_TIMEOUT;
    loop {
        if let Some(status) = child.try_wait()? {
            return Ok(status);
        }
        if Instant::now() >= deadline {
            child.kill()?;
            return Ok(child.wait()?);
        }
        thread::sleep(Duration::from_millis(5));
    }
}

/// Reads `pipe` to its end on a thread (bounded to [`MAX_OUTPUT`]), sending each
/// chunk as it comes.
fn collect(mut pipe: impl Read + Send + 'static) -> (Receiver<Vec<u8>>, JoinHandle<Vec<u8>>) {
    let (tx, rx) = mpsc::channel();
    let handle = thread::spawn(move || {
        let mut all = Vec::new();
        let mut buf = [0u8; 8192];
        loop {
            match pipe.read(&mut buf) {
                Ok(0) | Err(_) => break,
                Ok(n) => {
                    if all.len() < MAX_OUTPUT {
                        all.extend_from_slice(&buf[..n]);
                    }
                    let _ = tx.send(buf[..n].to_vec());
                }
            }
        }
        all
    });
    (rx, handle)
}

fn join(handle: JoinHandle<Vec<u8>>) -> Result<Vec<u8>, PeerError> {
    handle
        .join()
        .map_err(|_| PeerError::Protocol("pipe reader panicked".into()))
}

/// s_client's standard output as it comes, kept (bounded) so that several
/// waits see all of it.
struct Output {
    chunks: Receiver<Vec<u8>>,
    seen: Vec<u8>,
    deadline: Instant,
}

impl Output {
    fn new(chunks: Receiver<Vec<u8>>) -> Self {
        Self {
            chunks,
            seen: Vec::new(),
            deadline: Instant::now() + IO_TIMEOUT,
        }
    }

    /// The index of the first of `needles` found in the output, waiting for
    /// more until one appears, the pipe closes, [`MAX_OUTPUT`] bytes have come
    /// or [`IO_TIMEOUT`] has passed since the process started.
    fn wait_for(&mut self, needles: &[&[u8]]) -> Option<usize> {
        loop {
            if let Some(i) = needles.iter().position(|n| contains(&self.seen, n)) {
                return Some(i);
            }
            if self.seen.len() > MAX_OUTPUT {
                return None;
            }
            let left = self.deadline.saturating_duration_since(Instant::now());
            match self.chunks.recv_timeout(left) {
                Ok(chunk) => self.seen.extend_from_slice(&chunk),
                Err(RecvTimeoutError::Timeout | RecvTimeoutError::Disconnected) => return None,
            }
        }
    }
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    needle.is_empty() || haystack.windows(needle.len()).any(|w| w == needle)
}

/// A directory of our own under the system's temporary directory, removed on drop.
struct ScratchDir(PathBuf);

impl ScratchDir {
    fn new() -> Result<Self, PeerError> {
        static COUNTER: AtomicU64 = AtomicU64::new(0);
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap_or(Duration::ZERO)
            .as_nanos();
        let path = std::env::temp_dir().join(format!(
            "qssl-interop-s_client-{}-{nanos}-{}",
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::Relaxed)
        ));
        std::fs::create_dir(&path)?;
        Ok(Self(path))
    }

    fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for ScratchDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_a_needle() {
        assert!(contains(b"abcdef", b"cde"));
        assert!(!contains(b"abcdef", b"ce"));
        assert!(!contains(b"ab", b"abc"));
    }
}

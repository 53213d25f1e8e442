//! Helpers shared by the integration tests: run the built `qssl` binary with a time
//! limit, temporary directories, and the optional OpenSSL 3.5 binary.

#![allow(dead_code)] // each test file uses a different subset

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::thread;
use std::time::{Duration, Instant};

/// What a finished `qssl` run printed.
#[derive(Debug)]
pub(crate) struct Run {
    pub(crate) status: ExitStatus,
    pub(crate) stdout: String,
    pub(crate) stderr: String,
}

impl Run {
    /// Asserts a failed run that printed exactly one line on stderr, with no panic,
    /// and returns that line.
    pub(crate) fn one_error_line(&self) -> &str {
        assert!(!self.status.success(), "expected failure: {self:?}");
        assert!(
            !self.stderr.contains("panicked") && !self.stderr.contains("RUST_BACKTRACE"),
            "panicked: {}",
            self.stderr
        );
        let lines: Vec<&str> = self.stderr.lines().collect();
        assert_eq!(
            lines.len(),
            1,
            "expected one stderr line, got {:?}",
            self.stderr
        );
        assert!(lines[0].starts_with("qssl: "), "{:?}", lines[0]);
        lines[0]
    }
}

/// The `qssl` binary under test.
pub(crate) fn qssl() -> Command {
    Command::new(env!("CARGO_BIN_EXE_qssl"))
}

/// Runs `cmd` to completion, killing it after `limit`.
pub(crate) fn run_bounded(cmd: &mut Command, limit: Duration) -> Run {
    let child = cmd
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn qssl");
    wait_bounded(child, limit)
}

/// Waits for `child` (stdout and stderr piped), killing it after `limit`.
pub(crate) fn wait_bounded(mut child: Child, limit: Duration) -> Run {
    let mut out = child.stdout.take().expect("stdout piped");
    let mut err = child.stderr.take().expect("stderr piped");
    let out = thread::spawn(move || {
        let mut s = String::new();
        let _ = out.read_to_string(&mut s);
        s
    });
    let err = thread::spawn(move || {
        let mut s = String::new();
        let _ = err.read_to_string(&mut s);
        s
    });
    let deadline = Instant::now() + limit;
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait") {
            break status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!(
                "qssl did not finish within {limit:?}; stderr: {}",
                err.join().unwrap_or_default()
            );
        }
        thread::sleep(Duration::from_millis(20));
    };
    Run {
        status,
        stdout: out.join().expect("stdout reader"),
        stderr: err.join().expect("stderr reader"),
    }
}

/// A directory removed when dropped.
pub(crate) struct TempDir(pub(crate) PathBuf);

impl TempDir {
    pub(crate) fn new(name: &str) -> Self {
        let dir = std::env::temp_dir().join(format!("qssl-cli-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        TempDir(dir)
    }

    pub(crate) fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// An OpenSSL binary that knows ML-DSA: `$QSSL_OPENSSL`, else
/// `/work/openssl35/bin/openssl`. `Err` says why there is none.
pub(crate) fn openssl_35() -> Result<PathBuf, String> {
    let path = std::env::var_os("QSSL_OPENSSL").map_or_else(
        || PathBuf::from("/work/openssl35/bin/openssl"),
        PathBuf::from,
    );
    match Command::new(&path)
        .args(["list", "-signature-algorithms"])
        .output()
    {
        Ok(out) if String::from_utf8_lossy(&out.stdout).contains("ML-DSA-65") => Ok(path),
        Ok(_) => Err(format!("{} lists no ML-DSA-65", path.display())),
        Err(e) => Err(format!("{}: {e}", path.display())),
    }
}

/// An OpenSSL binary that speaks TLS 1.3 (1.1.1 or later; no post-quantum algorithms
/// needed): `$QSSL_OPENSSL`, else `/work/openssl35/bin/openssl`, else `openssl` on
/// the PATH. `Err` says why there is none.
pub(crate) fn openssl_tls13() -> Result<PathBuf, String> {
    let candidates = std::env::var_os("QSSL_OPENSSL").map_or_else(
        || {
            vec![
                PathBuf::from("/work/openssl35/bin/openssl"),
                PathBuf::from("openssl"),
            ]
        },
        |p| vec![PathBuf::from(p)],
    );
    let mut why = Vec::new();
    for path in candidates {
        match Command::new(&path).arg("version").output() {
            Ok(out) => {
                let version = String::from_utf8_lossy(&out.stdout).into_owned();
                if version.starts_with("OpenSSL 3") || version.starts_with("OpenSSL 1.1.1") {
                    return Ok(path);
                }
                why.push(format!("{}: {}", path.display(), version.trim()));
            }
            Err(e) => why.push(format!("{}: {e}", path.display())),
        }
    }
    Err(why.join("; "))
}

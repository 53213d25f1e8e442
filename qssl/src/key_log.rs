//! Key logging in the NSS `SSLKEYLOGFILE` format, for Wireshark and friends.

use std::fs::{File, OpenOptions};
use std::io::Write;
use std::sync::Mutex;

pub use qssl_handshake::KeyLog;

/// Writes key log lines (`LABEL <client_random hex> <secret hex>`) to the file named
/// by the `SSLKEYLOGFILE` environment variable, appending. Does nothing when the
/// variable is unset or the file cannot be opened.
#[derive(Debug)]
pub struct KeyLogFile {
    file: Mutex<Option<File>>,
}

impl KeyLogFile {
    /// Opens `$SSLKEYLOGFILE` for appending (the facade reads the environment; the
    /// handshake layer never does).
    pub fn new() -> Self {
        let file = std::env::var_os("SSLKEYLOGFILE")
            .and_then(|path| OpenOptions::new().append(true).create(true).open(path).ok());
        Self {
            file: Mutex::new(file),
        }
    }
}

impl Default for KeyLogFile {
    fn default() -> Self {
        Self::new()
    }
}

fn hex_into(out: &mut String, bytes: &[u8]) {
    use core::fmt::Write as _;
    for b in bytes {
        let _ = write!(out, "{b:02x}");
    }
}

impl KeyLog for KeyLogFile {
    fn log(&self, label: &str, client_random: &[u8], secret: &[u8]) {
        let Ok(mut guard) = self.file.lock() else {
            return;
        };
        let Some(file) = guard.as_mut() else {
            return;
        };
        let mut line = zeroize::Zeroizing::new(String::with_capacity(label.len() + 200));
        line.push_str(label);
        line.push(' ');
        hex_into(&mut line, client_random);
        line.push(' ');
        hex_into(&mut line, secret);
        line.push('\n');
        let _ = file.write_all(line.as_bytes());
    }
}

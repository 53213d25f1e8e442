//! Test-only helpers. **Not part of the API**: hidden from the documentation and
//! exempt from semver.
//!
//! The in-memory pair helper of `qssl_handshake::testing`, driving facade
//! connections through `read_tls` / `process_new_packets` / `write_tls` (so the same
//! loop serves the handshake crate's tests and ours), and with the `test-hooks`
//! feature the hooks that rewrite our handshake messages or send raw bytes.

use qssl_handshake::testing::{self as core_testing, Endpoint};

use crate::conn::ConnectionCommon;
use crate::error::Error;

impl Endpoint for ConnectionCommon {
    type Error = Error;

    fn take_tls(&mut self, out: &mut Vec<u8>) {
        while self.wants_write() {
            // Writing into a Vec cannot fail or stop short.
            let _ = self.write_tls(out);
        }
    }

    fn offer_tls(&mut self, bytes: &[u8]) -> Result<usize, String> {
        let mut rd = bytes;
        self.read_tls(&mut rd).map_err(|e| e.to_string())
    }

    fn process_received(&mut self) -> Result<(), Error> {
        self.process_new_packets().map(drop)
    }

    fn is_handshaking(&self) -> bool {
        ConnectionCommon::is_handshaking(self)
    }
}

/// Moves every pending TLS byte from `from` to `to` and processes it there. Returns
/// the bytes moved and `to`'s processing result.
pub fn transfer(
    from: &mut ConnectionCommon,
    to: &mut ConnectionCommon,
) -> (usize, Result<(), Error>) {
    core_testing::transfer(from, to)
}

/// Feeds `bytes` to `to`, processing as the record buffer fills; panics if `to`
/// refuses bytes (a full receive buffer) instead of waiting for ever.
pub fn transfer_bytes(bytes: &[u8], to: &mut ConnectionCommon) -> (usize, Result<(), Error>) {
    core_testing::transfer_bytes(bytes, to)
}

/// Runs the handshake to the end or to the first error on each side. Returns each
/// side's result: the error it detected itself or the alert it received.
pub fn run(
    c: &mut ConnectionCommon,
    s: &mut ConnectionCommon,
) -> (Result<(), Error>, Result<(), Error>) {
    core_testing::run(c, s)
}

/// Completes the handshake or panics.
pub fn do_handshake(c: &mut ConnectionCommon, s: &mut ConnectionCommon) {
    core_testing::do_handshake(c, s);
}

/// A test hook that sees (and may rewrite) every outgoing handshake message.
#[cfg(feature = "test-hooks")]
pub use qssl_handshake::testing::HandshakeHook;

/// Gives `conn` a hook that sees and may rewrite each outgoing handshake message
/// before it is protected (the transcript already holds the original bytes).
#[cfg(feature = "test-hooks")]
pub fn set_handshake_hook(conn: &mut ConnectionCommon, hook: HandshakeHook) {
    core_testing::set_handshake_hook(&mut conn.core, hook);
}

/// Queues raw TLS bytes for the peer, after what `conn` has already queued.
#[cfg(feature = "test-hooks")]
pub fn inject_tls(conn: &mut ConnectionCommon, bytes: &[u8]) {
    core_testing::inject_tls(&mut conn.core, bytes);
}

/// Seals `bytes` as handshake records under `conn`'s current write key and queues
/// them (a message Q-SSL never sends, such as a TLS 1.2 HelloRequest).
#[cfg(feature = "test-hooks")]
pub fn send_handshake_bytes(conn: &mut ConnectionCommon, bytes: &[u8]) -> Result<(), Error> {
    core_testing::send_handshake_bytes(&mut conn.core, bytes)
}

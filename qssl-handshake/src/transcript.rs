//! The transcript hash (RFC 8446 §4.4.1): a running hash over the exact bytes of every
//! handshake message, header included, in the order sent and received.
//!
//! The hash function is the cipher suite's, which neither side knows when the first
//! ClientHello goes out: until [`Transcript::start_hash`] the bytes are buffered.

use qssl_crypto::hash::{Hash, HashContext, HashOutput};

use crate::codec::HandshakeType;

/// The running transcript hash of one handshake.
pub struct Transcript {
    state: State,
}

enum State {
    /// The suite is not known yet: the exact bytes so far (the ClientHello).
    Buffer(Vec<u8>),
    /// The suite's hash over everything so far.
    Hashing(Box<dyn HashContext>),
}

impl core::fmt::Debug for Transcript {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match &self.state {
            State::Buffer(b) => write!(f, "Transcript(buffered {} bytes)", b.len()),
            State::Hashing(h) => write!(f, "Transcript({:?})", h.algorithm()),
        }
    }
}

impl Default for Transcript {
    fn default() -> Self {
        Self::new()
    }
}

impl Transcript {
    /// An empty transcript, buffering until the hash is known.
    pub fn new() -> Self {
        Self {
            state: State::Buffer(Vec::new()),
        }
    }

    /// Adds one whole handshake message (header included), exactly as sent or received.
    pub fn add(&mut self, message: &[u8]) {
        match &mut self.state {
            State::Buffer(b) => b.extend_from_slice(message),
            State::Hashing(h) => h.update(message),
        }
    }

    /// Whether the hash function has been fixed.
    pub fn is_hashing(&self) -> bool {
        matches!(self.state, State::Hashing(_))
    }

    /// Fixes the hash function (the negotiated suite's) and hashes what was buffered.
    /// Later calls leave an already started hash alone.
    pub fn start_hash(&mut self, hash: &'static dyn Hash) {
        if let State::Buffer(b) = &mut self.state {
            let mut ctx = hash.start();
            ctx.update(b);
            self.state = State::Hashing(ctx);
        }
    }

    /// After a HelloRetryRequest (RFC 8446 §4.4.1): replaces ClientHello1 — everything
    /// added so far — with the synthetic `message_hash` message
    /// `254 ‖ 00 00 Hash.length ‖ Hash(ClientHello1)`, hashed with `hash`.
    pub fn replace_with_message_hash(&mut self, hash: &'static dyn Hash) {
        let digest = match core::mem::replace(&mut self.state, State::Buffer(Vec::new())) {
            State::Buffer(b) => hash.hash(&b),
            State::Hashing(h) => h.finish(),
        };
        *self = Self::from_message_hash(hash, digest.as_bytes());
    }

    /// A transcript that starts with the synthetic `message_hash` message for a
    /// ClientHello1 of which only the hash is known: what a stateless server rebuilds
    /// from its HelloRetryRequest cookie. `ch1_hash` is a digest of `hash` (at most 64
    /// bytes, so its length fits the low byte of the uint24 length).
    pub(crate) fn from_message_hash(hash: &'static dyn Hash, ch1_hash: &[u8]) -> Self {
        let mut ctx = hash.start();
        ctx.update(&[HandshakeType::MESSAGE_HASH.0, 0, 0, ch1_hash.len() as u8]);
        ctx.update(ch1_hash);
        Self {
            state: State::Hashing(ctx),
        }
    }

    /// `Transcript-Hash` of the messages so far followed by `partial` (a ClientHello
    /// cut before its PSK binders, RFC 8446 §4.2.11.2), under `hash` if the hash is
    /// not fixed yet; the transcript itself is left as it was.
    pub fn hash_with(&self, hash: &'static dyn Hash, partial: &[u8]) -> HashOutput {
        match &self.state {
            State::Buffer(b) => {
                let mut ctx = hash.start();
                ctx.update(b);
                ctx.update(partial);
                ctx.finish()
            }
            State::Hashing(h) => {
                let mut ctx = h.fork();
                ctx.update(partial);
                ctx.finish()
            }
        }
    }

    /// The exact bytes added so far, while the hash is not fixed (a TLS 1.2 client
    /// keeps them: its CertificateVerify signs the messages themselves).
    pub(crate) fn buffered(&self) -> Option<&[u8]> {
        match &self.state {
            State::Buffer(b) => Some(b),
            State::Hashing(_) => None,
        }
    }

    /// `Transcript-Hash` of the messages so far. `None` before the hash is fixed.
    pub fn current_hash(&self) -> Option<HashOutput> {
        match &self.state {
            State::Buffer(_) => None,
            State::Hashing(h) => Some(h.fork_finish()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use qssl_crypto::hash::SHA256;

    #[test]
    fn buffered_bytes_are_hashed_once_the_suite_is_known() {
        let mut t = Transcript::new();
        t.add(b"client hello");
        assert!(t.current_hash().is_none());
        t.start_hash(SHA256);
        t.add(b"server hello");
        let want = SHA256.hash(b"client helloserver hello");
        assert_eq!(t.current_hash().unwrap().as_bytes(), want.as_bytes());
    }

    #[test]
    fn message_hash_replaces_client_hello1() {
        let mut t = Transcript::new();
        t.add(b"ch1");
        t.replace_with_message_hash(SHA256);
        t.add(b"hrr");
        let inner = SHA256.hash(b"ch1");
        let mut msg = vec![254, 0, 0, 32];
        msg.extend_from_slice(inner.as_bytes());
        msg.extend_from_slice(b"hrr");
        assert_eq!(
            t.current_hash().unwrap().as_bytes(),
            SHA256.hash(&msg).as_bytes()
        );
    }
}

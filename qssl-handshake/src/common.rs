//! Pieces both state machines share: sending a message through the transcript,
//! CertificateVerify content, key-log emission, and the post-handshake traffic state
//! (KeyUpdate, NewSessionTicket).

use qssl_crypto::hash::HashOutput;
use qssl_crypto::hkdf::Prk;
use qssl_crypto::suites::Tls13CipherSuite;
use zeroize::Zeroizing;

use crate::action::{Action, TrafficKey};
use crate::codec::HandshakeType;
use crate::error::{Error, PeerMisbehaved};
use crate::key_schedule::{Side, next_traffic_secret};
use crate::transcript::Transcript;
use crate::verify::UnixTime;
use crate::{HandshakeMessage, KeyUpdate, KeyUpdateRequest, RawHandshake};

/// RFC 8446 §4.4.3 context string of the server's CertificateVerify.
pub(crate) const SERVER_CV_CONTEXT: &[u8] = b"TLS 1.3, server CertificateVerify";
/// RFC 8446 §4.4.3 context string of the client's CertificateVerify.
pub(crate) const CLIENT_CV_CONTEXT: &[u8] = b"TLS 1.3, client CertificateVerify";

/// The content a CertificateVerify signs: 64 × 0x20 ‖ context ‖ 0x00 ‖ transcript hash.
pub(crate) fn signed_content(context: &[u8], hash: &HashOutput) -> Vec<u8> {
    let mut m = Vec::with_capacity(64 + context.len() + 1 + hash.as_bytes().len());
    m.extend_from_slice(&[0x20; 64]);
    m.extend_from_slice(context);
    m.push(0);
    m.extend_from_slice(hash.as_bytes());
    m
}

/// Encodes `msg` once, adds it to the transcript and queues it for sending. A message
/// that cannot be encoded (a field too long for its length prefix) is
/// [`Error::Encode`]: nothing is added or queued.
pub(crate) fn send(
    msg: &HandshakeMessage,
    transcript: &mut Transcript,
    out: &mut Vec<Action>,
) -> Result<(), Error> {
    let bytes = msg.to_bytes()?;
    transcript.add(&bytes);
    out.push(Action::SendHandshake {
        typ: msg.typ(),
        bytes,
    });
    Ok(())
}

/// The transcript hash, which exists once the suite is known (always, past the hellos).
pub(crate) fn hash(transcript: &Transcript) -> Result<HashOutput, Error> {
    transcript
        .current_hash()
        .ok_or(Error::Misuse("transcript hash before the suite is known"))
}

/// Queues a key-log line if enabled.
pub(crate) fn key_log(
    enabled: bool,
    label: &'static str,
    client_random: &[u8; 32],
    secret: &Prk,
    out: &mut Vec<Action>,
) {
    if enabled {
        out.push(Action::KeyLog {
            label,
            client_random: *client_random,
            secret: Zeroizing::new(secret.expose_secret().to_vec()),
        });
    }
}

/// A traffic key action for `secret`, re-derived so the state keeps its own copy.
pub(crate) fn traffic_key(
    suite: &'static Tls13CipherSuite,
    secret: &Prk,
    record_size_limit: Option<u16>,
) -> Result<TrafficKey, Error> {
    // A Prk is not Clone: expanding with an empty label would change it, so copy
    // through the suite's HKDF, which keeps the secret inside zeroizing storage.
    let secret = suite.hkdf.prk_from_secret(secret.expose_secret())?;
    Ok(TrafficKey {
        suite,
        secret,
        record_size_limit,
    })
}

/// The established connection's handshake side: application traffic secrets and the
/// post-handshake messages (RFC 8446 §4.6).
#[derive(Debug)]
pub(crate) struct Traffic {
    pub(crate) side: Side,
    pub(crate) suite: &'static Tls13CipherSuite,
    pub(crate) read_secret: Prk,
    pub(crate) write_secret: Prk,
    /// Our record_size_limit (read) and the peer's (write).
    pub(crate) read_limit: Option<u16>,
    pub(crate) write_limit: Option<u16>,
    /// A KeyUpdate with update_requested arrived and our answer is not yet sent:
    /// several requests before we answer get one answer.
    pub(crate) answer_pending: bool,
}

impl Traffic {
    /// A post-handshake message from the peer.
    pub(crate) fn handle(
        &mut self,
        msg: HandshakeMessage,
        out: &mut Vec<Action>,
    ) -> Result<(), Error> {
        match msg {
            HandshakeMessage::KeyUpdate(ku) => {
                self.read_secret = next_traffic_secret(&self.read_secret)?;
                out.push(Action::SetReadKey(traffic_key(
                    self.suite,
                    &self.read_secret,
                    self.read_limit,
                )?));
                if ku.request_update == KeyUpdateRequest::UpdateRequested {
                    self.answer_pending = true;
                    self.send_key_update(false, out)?;
                }
                Ok(())
            }
            HandshakeMessage::NewSessionTicket(t) if self.side == Side::Client => {
                // RFC 8446 §4.6.1: "Servers MUST NOT use any value greater than 604800 seconds."
                if t.lifetime > 604_800 {
                    return Err(PeerMisbehaved::BadTicketLifetime.into());
                }
                out.push(Action::SessionTicket(Box::new(t)));
                Ok(())
            }
            HandshakeMessage::NewSessionTicket(_) => {
                Err(PeerMisbehaved::MisplacedPostHandshakeMessage.into())
            }
            other => Err(PeerMisbehaved::UnexpectedMessage(other.typ()).into()),
        }
    }

    /// Sends a KeyUpdate and switches our write key. `request_peer`: ask the peer to
    /// update too (only sent when no answer is owed, so requests never ping-pong).
    pub(crate) fn send_key_update(
        &mut self,
        request_peer: bool,
        out: &mut Vec<Action>,
    ) -> Result<(), Error> {
        let request_update = if request_peer && !self.answer_pending {
            KeyUpdateRequest::UpdateRequested
        } else {
            KeyUpdateRequest::UpdateNotRequested
        };
        self.answer_pending = false;
        let msg = HandshakeMessage::KeyUpdate(KeyUpdate { request_update });
        out.push(Action::SendHandshake {
            typ: HandshakeType::KEY_UPDATE,
            bytes: msg.to_bytes()?,
        });
        self.write_secret = next_traffic_secret(&self.write_secret)?;
        out.push(Action::SetWriteKey(traffic_key(
            self.suite,
            &self.write_secret,
            self.write_limit,
        )?));
        Ok(())
    }
}

/// One side's state enum, as [`Machine`] drives it.
pub(crate) trait SideState: Sized {
    /// RFC 8446 §6: a message of the wrong type for the state is
    /// unexpected_message whatever its body, so this runs before parsing.
    fn check_type(&self, typ: HandshakeType) -> Result<(), Error>;
    /// Consumes the state with one parsed message and its exact bytes.
    fn step(
        self,
        msg: HandshakeMessage,
        raw: &[u8],
        now: UnixTime,
        out: &mut Vec<Action>,
    ) -> Result<Self, Error>;
    /// The post-handshake state, once the handshake is complete.
    fn traffic_mut(&mut self) -> Option<&mut Traffic>;
    /// Whether the handshake is complete.
    fn is_traffic(&self) -> bool;
}

/// What the client and server wrappers share: the current state or the first
/// fatal error (which sticks), and the one-CCS-during-the-handshake rule.
pub(crate) struct Machine<S> {
    state: Result<S, Error>,
    ccs_seen: bool,
}

impl<S: SideState> Machine<S> {
    pub(crate) fn new(state: S) -> Self {
        Self {
            state: Ok(state),
            ccs_seen: false,
        }
    }

    pub(crate) fn handle(
        &mut self,
        msg: &RawHandshake,
        now: UnixTime,
        out: &mut Vec<Action>,
    ) -> Result<(), Error> {
        let state = core::mem::replace(&mut self.state, Err(Error::Misuse("re-entered")));
        let next = state.and_then(|state| {
            state
                .check_type(msg.typ())
                .and_then(|()| msg.parse().map_err(Error::from))
                .and_then(|parsed| state.step(parsed, msg.bytes(), now, out))
        });
        let result = next.as_ref().map(|_| ()).map_err(|e| *e);
        self.state = next;
        result
    }

    /// A plaintext change_cipher_spec (already checked to be `0x01`): allowed
    /// once, during the handshake (RFC 8446 §5).
    pub(crate) fn handle_change_cipher_spec(&mut self) -> Result<(), Error> {
        if self.ccs_seen || !self.is_handshaking() || self.state.is_err() {
            return Err(self.fail(PeerMisbehaved::UnexpectedChangeCipherSpec.into()));
        }
        self.ccs_seen = true;
        Ok(())
    }

    /// Records a fatal error; the first one sticks and is returned.
    pub(crate) fn fail(&mut self, e: Error) -> Error {
        match &self.state {
            Err(first) => *first,
            Ok(_) => {
                self.state = Err(e);
                e
            }
        }
    }

    /// Sends a KeyUpdate and switches the write key, once the handshake is complete.
    pub(crate) fn update_keys(
        &mut self,
        request_peer: bool,
        out: &mut Vec<Action>,
    ) -> Result<(), Error> {
        match &mut self.state {
            Ok(s) => match s.traffic_mut() {
                Some(t) => t.send_key_update(request_peer, out),
                None => Err(Error::Misuse("KeyUpdate before the handshake is complete")),
            },
            Err(e) => Err(*e),
        }
    }

    /// Whether the handshake is still in progress (or failed before completing).
    pub(crate) fn is_handshaking(&self) -> bool {
        !matches!(&self.state, Ok(s) if s.is_traffic())
    }
}

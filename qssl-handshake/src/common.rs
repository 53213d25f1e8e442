//! Pieces both state machines share: sending a message through the transcript,
//! CertificateVerify content, key-log emission, and the post-handshake traffic state
//! (KeyUpdate, NewSessionTicket).

use std::sync::Arc;

use qssl_crypto::hash::HashOutput;
use qssl_crypto::hkdf::Prk;
use qssl_crypto::ids::SignatureScheme;
use qssl_crypto::sign::SigningKey;
use qssl_crypto::suites::Tls13CipherSuite;
use qssl_session::{ClientSessionStore, ClientTicket};
use zeroize::Zeroizing;

use crate::action::{Action, Tls13TrafficKey, TrafficKey};
use crate::codec::HandshakeType;
use crate::error::{Error, PeerMisbehaved};
use crate::key_schedule::{
    HandshakeSecret, MasterSecret, Side, next_traffic_secret, resumption_psk,
};
use crate::resumption::SessionState;
use crate::transcript::Transcript;
use crate::verify::UnixTime;
use crate::{
    Extension, ExtensionType, HandshakeMessage, KeyUpdate, KeyUpdateRequest, NewSessionTicket,
};

/// A signature a handshake waits for: made by a key that
/// [`signs_slowly`](qssl_crypto::sign::SigningKey::signs_slowly) (a PKCS#11 token, a
/// remote signer). The connection hands it out
/// ([`Connection::take_signature_request`](crate::Connection::take_signature_request));
/// whoever signs gives the result back with
/// [`Connection::complete_signature`](crate::Connection::complete_signature), and
/// the handshake goes on from there.
pub struct SignRequest {
    key: Arc<dyn SigningKey>,
    scheme: SignatureScheme,
    message: Vec<u8>,
}

impl core::fmt::Debug for SignRequest {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("SignRequest")
            .field("key", &self.key)
            .field("scheme", &self.scheme)
            .field("message_len", &self.message.len())
            .finish()
    }
}

impl SignRequest {
    /// Signs: blocking for as long as the key takes (call it where blocking is
    /// fine: a blocking stream, or an async runtime's blocking pool).
    pub fn sign(&self) -> Result<Vec<u8>, qssl_crypto::error::CryptoError> {
        self.key.sign(self.scheme, &self.message)
    }

    /// The key to sign with.
    pub fn key(&self) -> &Arc<dyn SigningKey> {
        &self.key
    }

    /// The scheme to sign with.
    pub fn scheme(&self) -> SignatureScheme {
        self.scheme
    }

    /// The content to sign (the key hashes it as the scheme says).
    pub fn message(&self) -> &[u8] {
        &self.message
    }
}

/// What a handshake signature covers: the key, the scheme and the content.
pub(crate) type ToSign = (Arc<dyn SigningKey>, SignatureScheme, Vec<u8>);

/// The rest of a flight, run with the signature once it exists.
pub(crate) type Resume<S> =
    Box<dyn FnOnce(Vec<u8>, &mut Vec<Action>) -> Result<S, Error> + Send + 'static>;

/// Signs `message` with `key` and goes on with `then`: at once for a fast key; for a
/// slow one ([`SigningKey::signs_slowly`]), by handing out a [`SignRequest`]
/// (`Action::Sign`) and returning the state `waiting(then)` that resumes when the
/// signature comes back.
pub(crate) fn sign_then<S>(
    key: &Arc<dyn SigningKey>,
    scheme: SignatureScheme,
    message: Vec<u8>,
    out: &mut Vec<Action>,
    then: impl FnOnce(Vec<u8>, &mut Vec<Action>) -> Result<S, Error> + Send + 'static,
    waiting: fn(Resume<S>) -> S,
) -> Result<S, Error> {
    if key.signs_slowly() {
        out.push(Action::Sign(Box::new(SignRequest {
            key: Arc::clone(key),
            scheme,
            message,
        })));
        return Ok(waiting(Box::new(then)));
    }
    let signature = key.sign(scheme, &message)?;
    then(signature, out)
}

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

/// RFC 8446 §4.4.4: `verify_data` is exactly Hash.length bytes. A Finished of another
/// length is a malformed message (decode_error), told apart before the constant-time
/// MAC comparison, which would otherwise report it as a wrong MAC (decrypt_error).
/// The length is public, so checking it first leaks nothing.
pub(crate) fn check_finished_len(hash: &HashOutput, verify_data: &[u8]) -> Result<(), Error> {
    if verify_data.len() == hash.as_bytes().len() {
        Ok(())
    } else {
        Err(PeerMisbehaved::FinishedWrongLength.into())
    }
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

/// Queues the key-log lines of the handshake traffic secrets (NSS key log labels,
/// the only place they are spelled).
pub(crate) fn log_handshake_secrets(
    enabled: bool,
    client_random: &[u8; 32],
    secrets: &HandshakeSecret,
    out: &mut Vec<Action>,
) {
    for (label, side) in [
        ("CLIENT_HANDSHAKE_TRAFFIC_SECRET", Side::Client),
        ("SERVER_HANDSHAKE_TRAFFIC_SECRET", Side::Server),
    ] {
        key_log(
            enabled,
            label,
            client_random,
            secrets.traffic_secret(side),
            out,
        );
    }
}

/// Queues the key-log lines of the first application traffic secrets and the
/// exporter secret.
pub(crate) fn log_application_secrets(
    enabled: bool,
    client_random: &[u8; 32],
    master: &MasterSecret,
    out: &mut Vec<Action>,
) {
    for (label, side) in [
        ("CLIENT_TRAFFIC_SECRET_0", Side::Client),
        ("SERVER_TRAFFIC_SECRET_0", Side::Server),
    ] {
        key_log(
            enabled,
            label,
            client_random,
            master.traffic_secret(side),
            out,
        );
    }
    key_log(
        enabled,
        "EXPORTER_SECRET",
        client_random,
        master.exporter_secret(),
        out,
    );
}

/// A TLS 1.3 traffic key action for `secret`, re-derived so the state keeps its own copy.
pub(crate) fn traffic_key(
    suite: &'static Tls13CipherSuite,
    secret: &Prk,
    record_size_limit: Option<u16>,
) -> Result<TrafficKey, Error> {
    // A Prk is not Clone: expanding with an empty label would change it, so copy
    // through the suite's HKDF, which keeps the secret inside zeroizing storage.
    let secret = suite.hkdf.prk_from_secret(secret.expose_secret())?;
    Ok(TrafficKey::Tls13(Tls13TrafficKey {
        suite,
        secret,
        record_size_limit,
    }))
}

/// KeyUpdates accepted in a row without application data between them; the next one
/// is [`PeerMisbehaved::TooManyKeyUpdates`] (unexpected_message). rustls allows the
/// same 32. A well-behaved peer updates after about 2^24 records, or on a request.
pub const MAX_KEY_UPDATES_IN_A_ROW: u32 = 32;

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
    /// The peer asked for an update (update_requested) and our KeyUpdate is owed. It
    /// is sent just before our next application data record, where RFC 8446 §4.6.3
    /// requires it, and not when the request arrives: a connection that only reads
    /// then owes one flag, not one queued message per request, and however many
    /// requests arrive while we are silent get a single answer (§4.6.3).
    pub(crate) answer_pending: bool,
    /// KeyUpdates received since the peer's last application data.
    pub(crate) key_updates_in_a_row: u32,
    /// Client with a session store: what turns each NewSessionTicket into a
    /// resumable session.
    pub(crate) tickets: Option<Box<ClientTickets>>,
}

/// What a client needs to keep the server's tickets (RFC 8446 §4.6.1).
pub(crate) struct ClientTickets {
    pub(crate) store: Arc<dyn ClientSessionStore>,
    /// The name the store knows the server by.
    pub(crate) key: String,
    pub(crate) resumption_master_secret: Prk,
    /// The session's details, copied into each ticket's state (its secret and
    /// ticket fields empty).
    pub(crate) template: SessionState,
}

impl core::fmt::Debug for ClientTickets {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("ClientTickets")
            .field("key", &self.key)
            .finish_non_exhaustive()
    }
}

impl ClientTickets {
    /// Derives the ticket's PSK and puts the resumable session in the store. A
    /// ticket with lifetime 0 is discarded (§4.6.1: "the ticket should be discarded
    /// immediately"); one whose state cannot be encoded is not kept either.
    fn keep(&self, t: &NewSessionTicket, now: u64) -> Result<(), Error> {
        if t.lifetime == 0 {
            return Ok(());
        }
        let psk = resumption_psk(&self.resumption_master_secret, &t.nonce)?;
        let mut state = self.template.clone();
        state.secret = Zeroizing::new(psk.expose_secret().to_vec());
        state.ticket.clone_from(&t.ticket);
        state.lifetime = t.lifetime;
        state.age_add = t.age_add;
        state.issued_at = now;
        state.max_early_data = match t.extension(ExtensionType::EARLY_DATA) {
            Some(Extension::EarlyDataMax(n)) => *n,
            _ => 0,
        };
        if let Ok(value) = state.encode() {
            self.store.insert_ticket(
                &self.key,
                ClientTicket {
                    value,
                    expires_at: now.saturating_add(u64::from(t.lifetime)),
                },
            );
        }
        Ok(())
    }
}

impl Traffic {
    /// A post-handshake message from the peer.
    pub(crate) fn handle(
        &mut self,
        msg: HandshakeMessage,
        now: UnixTime,
        out: &mut Vec<Action>,
    ) -> Result<(), Error> {
        match msg {
            HandshakeMessage::KeyUpdate(ku) => {
                self.key_updates_in_a_row += 1;
                if self.key_updates_in_a_row > MAX_KEY_UPDATES_IN_A_ROW {
                    return Err(PeerMisbehaved::TooManyKeyUpdates.into());
                }
                self.read_secret = next_traffic_secret(&self.read_secret)?;
                out.push(Action::SetReadKey(traffic_key(
                    self.suite,
                    &self.read_secret,
                    self.read_limit,
                )?));
                if ku.request_update == KeyUpdateRequest::UpdateRequested {
                    self.answer_pending = true;
                }
                Ok(())
            }
            HandshakeMessage::NewSessionTicket(t) if self.side == Side::Client => {
                // RFC 8446 §4.6.1: "Servers MUST NOT use any value greater than 604800 seconds."
                if t.lifetime > qssl_session::MAX_TICKET_LIFETIME {
                    return Err(PeerMisbehaved::BadTicketLifetime.into());
                }
                if let Some(tickets) = &self.tickets {
                    tickets.keep(&t, now.as_secs())?;
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

    /// Sends the KeyUpdate owed for the peer's update_requested, if one is owed.
    pub(crate) fn answer_key_update(&mut self, out: &mut Vec<Action>) -> Result<(), Error> {
        if self.answer_pending {
            self.send_key_update(false, out)?;
        }
        Ok(())
    }

    /// The peer sent application data: its KeyUpdate budget starts again.
    pub(crate) fn application_data_received(&mut self) {
        self.key_updates_in_a_row = 0;
    }

    /// Sends a KeyUpdate and switches our write key. `request_peer`: ask the peer to
    /// update too (only when no answer is owed, so requests never ping-pong). Either
    /// way it is the answer to an owed request.
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

#[cfg(test)]
mod tests {
    use super::*;
    use qssl_crypto::suites::TLS13_AES_128_GCM_SHA256 as SUITE;

    const NOW: UnixTime =
        UnixTime::since_unix_epoch(core::time::Duration::from_secs(1_800_000_000));

    fn traffic() -> Traffic {
        let prk = |b: u8| SUITE.hkdf.prk_from_secret(&[b; 32]).unwrap();
        Traffic {
            side: Side::Client,
            suite: &SUITE,
            read_secret: prk(1),
            write_secret: prk(2),
            read_limit: None,
            write_limit: None,
            answer_pending: false,
            key_updates_in_a_row: 0,
            tickets: None,
        }
    }

    fn key_update(request_update: KeyUpdateRequest) -> HandshakeMessage {
        HandshakeMessage::KeyUpdate(KeyUpdate { request_update })
    }

    /// The KeyUpdate messages among `out`, decoded.
    fn sent_key_updates(out: &[Action]) -> Vec<KeyUpdateRequest> {
        out.iter()
            .filter_map(|a| match a {
                Action::SendHandshake { bytes, .. } => match HandshakeMessage::parse(bytes) {
                    Ok(HandshakeMessage::KeyUpdate(ku)) => Some(ku.request_update),
                    _ => None,
                },
                _ => None,
            })
            .collect()
    }

    #[test]
    fn requests_while_silent_get_one_answer_when_we_next_send() {
        let mut t = traffic();
        let mut out = Vec::new();
        for _ in 0..5 {
            t.handle(key_update(KeyUpdateRequest::UpdateRequested), NOW, &mut out)
                .unwrap();
        }
        // Five read-key changes, nothing sent yet.
        assert_eq!(
            out.iter()
                .filter(|a| matches!(a, Action::SetReadKey(_)))
                .count(),
            5
        );
        assert!(sent_key_updates(&out).is_empty());
        let mut out = Vec::new();
        t.answer_key_update(&mut out).unwrap();
        assert_eq!(
            sent_key_updates(&out),
            [KeyUpdateRequest::UpdateNotRequested]
        );
        assert!(matches!(out.last(), Some(Action::SetWriteKey(_))));
        // Answered: the next send owes nothing.
        let mut out = Vec::new();
        t.answer_key_update(&mut out).unwrap();
        assert!(out.is_empty());
    }

    #[test]
    fn key_updates_in_a_row_are_capped_until_application_data() {
        let mut t = traffic();
        let mut out = Vec::new();
        for _ in 0..MAX_KEY_UPDATES_IN_A_ROW {
            t.handle(
                key_update(KeyUpdateRequest::UpdateNotRequested),
                NOW,
                &mut out,
            )
            .unwrap();
        }
        t.application_data_received();
        for _ in 0..MAX_KEY_UPDATES_IN_A_ROW {
            t.handle(key_update(KeyUpdateRequest::UpdateRequested), NOW, &mut out)
                .unwrap();
        }
        let err = t
            .handle(
                key_update(KeyUpdateRequest::UpdateNotRequested),
                NOW,
                &mut out,
            )
            .unwrap_err();
        assert_eq!(
            err,
            Error::PeerMisbehaved(PeerMisbehaved::TooManyKeyUpdates)
        );
        assert_eq!(
            err.alert(),
            qssl_alert::AlertDescription::UNEXPECTED_MESSAGE
        );
    }
}

//! TLS 1.3 after the server's first message: the handshake keys once a ServerHello
//! is negotiated, or the second ClientHello a HelloRetryRequest asks for.

use qssl_crypto::suites::Tls13CipherSuite;

use super::{ClientHs, ExpectEncryptedExtensions};
use crate::action::{Action, EarlyDataStatus};
use crate::client::ClientState;
use crate::client::hello::{ClientStart, ExpectServerHello, OfferedShare, bind_psk};
use crate::client::negotiate::{ClientNegotiation, RetryRequest};
use crate::common::{self, traffic_key};
use crate::error::{Error, PeerMisbehaved};
use crate::key_schedule::{EarlySecret, HandshakeSecret, Side};
use crate::verify::VerifiedPath;
use crate::{Extension, ExtensionType, HandshakeMessage, HandshakeType, KeyShareEntry};

/// Completes our share with the server's, derives the handshake secrets from the
/// transcript up to the ServerHello (`raw`), and installs the handshake keys.
pub(crate) fn accept_server_hello(
    state: ExpectServerHello,
    neg: ClientNegotiation<'_>,
    suite: &'static Tls13CipherSuite,
    raw: &[u8],
    out: &mut Vec<Action>,
) -> Result<ClientState, Error> {
    let ExpectServerHello {
        start,
        hello,
        share,
        mut transcript,
        sent_ccs,
        resuming,
        early_data,
        early_data_retried,
        ..
    } = state;
    // The session resumed: the one we offered, if the server selected it.
    let resumed = match (neg.psk, resuming) {
        (Some(_), Some(r)) => Some(r.state),
        (Some(_), None) => return Err(Error::Misuse("a PSK accepted that was not offered")),
        (None, _) => None,
    };
    let shared = match &neg.key_exchange {
        Some(server) => Some(
            if server.component {
                share.kx.complete_hybrid_component(server.peer_share)
            } else {
                share.kx.complete(server.peer_share)
            }
            .map_err(|_| PeerMisbehaved::InvalidKeyShare)?,
        ),
        None => None,
    };
    transcript.start_hash(suite.hash);
    transcript.add(raw);
    let hello_hash = common::hash(&transcript)?;
    let early = EarlySecret::new(suite, resumed.as_ref().map(|r| r.secret.as_slice()));
    // psk_ke: no key exchange, and the (EC)DHE input is Hash.length zeros (§7.1).
    let zeros = [0u8; qssl_crypto::hash::MAX_HASH_LEN];
    let ikm = match &shared {
        Some(s) => s.as_bytes(),
        None => &zeros[..suite.hash.output_len()],
    };
    let secrets = early.into_handshake(ikm, &hello_hash)?;
    drop(shared);
    // 0-RTT: without the PSK the early data is lost for sure; with it, the
    // EncryptedExtensions will say, and until then (or, if accepted, until the
    // server's Finished) we keep writing under the early key.
    let early_data = match (early_data, resumed.is_some()) {
        (false, _) if early_data_retried => EarlyDataStatus::Rejected,
        (false, _) => EarlyDataStatus::NotOffered,
        (true, false) => {
            out.push(Action::EndEarlyData { accepted: false });
            EarlyDataStatus::Rejected
        }
        (true, true) => EarlyDataStatus::Accepted,
    };
    let write_key_pending = early_data == EarlyDataStatus::Accepted;
    use_handshake_keys(&start, suite, &secrets, sent_ccs, !write_key_pending, out)?;
    let offered_alpn = hello
        .extension(ExtensionType::APPLICATION_LAYER_PROTOCOL_NEGOTIATION)
        .is_some();
    Ok(ClientState::EncryptedExtensions(
        ExpectEncryptedExtensions {
            hs: ClientHs {
                start,
                suite,
                group: neg.key_exchange.as_ref().map(|s| s.group),
                resumed,
                transcript,
                secrets,
                hello_retry_request: neg.after_retry,
                offered_alpn,
                alpn_protocol: None,
                peer_record_size_limit: None,
                cert_request: None,
                peer_certificates: Vec::new(),
                ocsp_response: None,
                verified_path: VerifiedPath::unverified(),
                server_scheme: None,
                early_data,
                write_key_pending,
            },
        },
    ))
}

/// The handshake secrets' key-log lines, the read key, the middlebox
/// change_cipher_spec, and (unless 0-RTT may go on: `write`) the write key.
fn use_handshake_keys(
    start: &ClientStart,
    suite: &'static Tls13CipherSuite,
    secrets: &HandshakeSecret,
    sent_ccs: bool,
    write: bool,
    out: &mut Vec<Action>,
) -> Result<(), Error> {
    let log = start.params.key_log;
    let server = secrets.traffic_secret(Side::Server);
    let client = secrets.traffic_secret(Side::Client);
    common::log_handshake_secrets(log, &start.random, secrets, out);
    // Our record_size_limit binds the server only if it supports RFC 8449, which
    // its EncryptedExtensions (inside this very flight) will say: a server that
    // does not know the extension sends full-size records (OpenSSL, rustls). So
    // the handshake records are read without it; see `finished.rs` for the rest.
    out.push(Action::SetReadKey(traffic_key(suite, server, None)?));
    // Compatibility mode: the dummy change_cipher_spec goes right before the
    // encrypted flight (RFC 8446 Appendix D.4), so it is sent now, in the clear,
    // and the handshake write key follows it: any alert from here on is encrypted.
    if !start.session_id.is_empty() && !sent_ccs {
        out.push(Action::SendChangeCipherSpec);
    }
    // The server's record_size_limit is not known before EncryptedExtensions; our
    // handshake flight is small enough not to need it.
    if write {
        out.push(Action::SetWriteKey(traffic_key(suite, client, None)?));
    }
    Ok(())
}

/// Sends the second ClientHello `retry` asks for: a share for its group, its cookie
/// echoed; the transcript restarts as `message_hash(ClientHello1) ‖ HRR` (`raw`).
/// A session offered in the first ClientHello is offered again if its hash is the
/// HelloRetryRequest's suite's (RFC 8446 §4.1.4: otherwise the client drops it), with
/// its age and binder computed anew; early_data never goes into a second hello.
pub(crate) fn emit_retried_hello(
    state: ExpectServerHello,
    retry: RetryRequest<'_>,
    raw: &[u8],
    now: u64,
    out: &mut Vec<Action>,
) -> Result<ClientState, Error> {
    let ExpectServerHello {
        start,
        mut hello,
        mut share,
        mut transcript,
        mut sent_ccs,
        mut resuming,
        early_data,
        ..
    } = state;
    // Early data ends with the first ClientHello, and the second goes in the clear
    // (RFC 8446 §4.1.2: no early_data in it).
    if early_data {
        out.push(Action::EndEarlyData { accepted: false });
        out.push(Action::ClearWriteKey);
    }
    transcript.replace_with_message_hash(retry.suite.hash);
    transcript.add(raw);
    if let Some(group) = retry.group {
        let kx = group.start(start.params.provider.secure_random)?;
        let entry = KeyShareEntry {
            group: group.name(),
            key_exchange: kx.pub_key().to_vec(),
        };
        for e in &mut hello.extensions {
            if let Extension::KeyShareOffer(entries) = e {
                *entries = vec![entry.clone()];
            }
        }
        share = OfferedShare {
            kx,
            component: None,
        };
    }
    resuming = resuming.filter(|r| r.suite.hash.algorithm() == retry.suite.hash.algorithm());
    hello.extensions.retain(|e| {
        !matches!(
            e.typ(),
            ExtensionType::COOKIE | ExtensionType::EARLY_DATA | ExtensionType::PRE_SHARED_KEY
        )
    });
    hello
        .extensions
        .extend(retry.cookie.map(|c| Extension::Cookie(c.to_vec())));
    // pre_shared_key last (RFC 8446 §4.2.11).
    if let Some(r) = &resuming {
        hello.extensions.push(r.extension(now));
    }
    // Encoded before anything is queued: a hello that cannot be built sends only
    // the alert. A cookie near 2^16 bytes passes the HRR's own length fields but
    // not our extension block: the HRR asked for something impossible.
    let encoded = match &resuming {
        Some(r) => bind_psk(&mut hello, r, &transcript),
        None => HandshakeMessage::ClientHello(hello.clone())
            .to_bytes()
            .map_err(Error::from),
    };
    let bytes = encoded.map_err(|e| match (retry.cookie, e) {
        (Some(_), Error::Encode(_)) => Error::from(PeerMisbehaved::HelloRetryCookieTooLarge),
        (_, e) => e,
    })?;
    if !start.session_id.is_empty() && !sent_ccs {
        out.push(Action::SendChangeCipherSpec);
        sent_ccs = true;
    }
    transcript.add(&bytes);
    out.push(Action::SendHandshake {
        typ: HandshakeType::CLIENT_HELLO,
        bytes,
    });
    Ok(ClientState::ServerHello(ExpectServerHello {
        start,
        hello,
        share,
        transcript,
        retry_suite: Some(retry.suite),
        sent_ccs,
        resuming,
        // After a HelloRetryRequest the server speaks TLS 1.3: no TLS 1.2 session.
        resuming12: None,
        early_data: false,
        early_data_retried: early_data,
    }))
}

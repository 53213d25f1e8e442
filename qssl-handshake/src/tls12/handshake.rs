//! What the TLS 1.2 client and server state machines share: sending a message
//! through the transcript (and the message log a CertificateVerify signs), the
//! extensions only TLS 1.2 reads, both Finished messages, the summary of a
//! completed handshake and the established connection's refusal to renegotiate.

use qssl_alert::AlertDescription;
use qssl_crypto::ids::NamedGroup;
use qssl_crypto::kx::SupportedKxGroup;
use qssl_crypto::suites::{SupportedCipherSuite, Tls12CipherSuite};
use qssl_wire::TlsVersion;

use super::keys::{KEY_LOG_LABEL, MasterSecret};
use crate::action::{Action, EarlyDataStatus, HandshakeSummary};
use crate::codec::tls12::Tls12Message;
use crate::error::{Error, PeerMisbehaved};
use crate::key_schedule::Side;
use crate::transcript::Transcript;
use crate::verify::{CertificateDer, VerifiedPath};
use crate::{Extension, ExtensionType, Finished};

/// RFC 8446 §4.1.3: the last 8 bytes of the random of a TLS 1.3-capable server that
/// negotiates TLS 1.2. A Q-SSL server always speaks TLS 1.3, so it always sets them
/// when it answers in TLS 1.2.
pub(crate) const DOWNGRADE_TLS12: [u8; 8] = *b"DOWNGRD\x01";

/// RFC 5246 §7.4.9: `verify_data` is 12 bytes for every suite Q-SSL has.
pub(crate) const VERIFY_DATA_LEN: usize = 12;

/// The only point format Q-SSL uses (RFC 8422 §5.1.2: uncompressed(0), mandatory).
const UNCOMPRESSED: u8 = 0;

/// Whether `group` can be a TLS 1.2 ECDHE curve: x25519, secp256r1 and secp384r1
/// (RFC 8422). Hybrid and pure ML-KEM groups exist only in TLS 1.3 and are never
/// chosen for TLS 1.2, even when both sides list them.
pub(crate) fn is_tls12_group(group: NamedGroup) -> bool {
    matches!(
        group,
        NamedGroup::X25519 | NamedGroup::SECP256R1 | NamedGroup::SECP384R1
    )
}

/// The first of `ours` (in our order) that TLS 1.2 can use and that `accept` takes.
pub(crate) fn first_tls12_group(
    ours: &[&'static dyn SupportedKxGroup],
    accept: impl Fn(NamedGroup) -> bool,
) -> Option<&'static dyn SupportedKxGroup> {
    ours.iter()
        .copied()
        .find(|g| is_tls12_group(g.name()) && accept(g.name()))
}

/// `ec_point_formats` (RFC 8422 §5.1.2) listing only uncompressed points, as both
/// sides send it.
pub(crate) fn ec_point_formats() -> Extension {
    Extension::Unknown {
        typ: ExtensionType::EC_POINT_FORMATS,
        // ECPointFormat ec_point_format_list<1..2^8-1>;
        data: vec![1, UNCOMPRESSED],
    }
}

/// Checks a peer's `ec_point_formats` body: a well-formed list that includes the
/// uncompressed format (RFC 8422 §5.1.2: it "MUST" be supported).
pub(crate) fn check_ec_point_formats(data: &[u8]) -> Result<(), Error> {
    let Some((&len, list)) = data.split_first() else {
        return Err(crate::error::InvalidMessage::Truncated.into());
    };
    if usize::from(len) != list.len() || list.is_empty() {
        return Err(crate::error::InvalidMessage::LengthOutOfRange.into());
    }
    if list.contains(&UNCOMPRESSED) {
        Ok(())
    } else {
        Err(PeerMisbehaved::NoUncompressedPoints.into())
    }
}

/// The exact bytes of every handshake message so far, for a TLS 1.2
/// CertificateVerify (RFC 5246 §7.4.8 signs `handshake_messages` themselves, not a
/// hash). Kept only while a CertificateVerify may still be made or checked.
pub(crate) type MessageLog = Option<Vec<u8>>;

/// Encodes `msg`, adds it to the transcript (and the log, if kept) and queues it.
pub(crate) fn send(
    msg: &Tls12Message,
    transcript: &mut Transcript,
    log: &mut MessageLog,
    out: &mut Vec<Action>,
) -> Result<(), Error> {
    let bytes = msg.to_bytes()?;
    transcript.add(&bytes);
    if let Some(log) = log {
        log.extend_from_slice(&bytes);
    }
    out.push(Action::SendHandshake {
        typ: msg.typ(),
        bytes,
    });
    Ok(())
}

/// Adds a received message to the transcript (and the log, if kept).
pub(crate) fn record(raw: &[u8], transcript: &mut Transcript, log: &mut MessageLog) {
    transcript.add(raw);
    if let Some(log) = log {
        log.extend_from_slice(raw);
    }
}

/// The transcript hash; the suite's hash is fixed from the ServerHello on.
fn hash(transcript: &Transcript) -> Result<qssl_crypto::hash::HashOutput, Error> {
    transcript.current_hash().ok_or(Error::Misuse(
        "TLS 1.2 transcript hash before the suite is known",
    ))
}

/// Our Finished (RFC 5246 §7.4.9), over every handshake message so far: queued, and
/// added to the transcript.
pub(crate) fn send_finished(
    master: &MasterSecret,
    side: Side,
    transcript: &mut Transcript,
    out: &mut Vec<Action>,
) -> Result<(), Error> {
    let verify_data = master.finished(side, &hash(transcript)?).to_vec();
    send(
        &Tls12Message::Finished(Finished { verify_data }),
        transcript,
        &mut None,
        out,
    )
}

/// Checks the peer's Finished: 12 bytes (another length is malformed: decode_error,
/// told apart before the comparison since the length is public), equal in constant
/// time to what `side` should have computed (decrypt_error otherwise, RFC 5246
/// §7.2.2). The message is then added to the transcript.
pub(crate) fn check_finished(
    master: &MasterSecret,
    side: Side,
    msg: &Tls12Message,
    raw: &[u8],
    transcript: &mut Transcript,
) -> Result<(), Error> {
    let Tls12Message::Finished(fin) = msg else {
        return Err(PeerMisbehaved::UnexpectedMessage(msg.typ()).into());
    };
    if fin.verify_data.len() != VERIFY_DATA_LEN {
        return Err(PeerMisbehaved::FinishedWrongLength.into());
    }
    master
        .verify_finished(side, &hash(transcript)?, &fin.verify_data)
        .map_err(|_| PeerMisbehaved::BadFinished)?;
    transcript.add(raw);
    Ok(())
}

/// The key-log line of the master secret (NSS `CLIENT_RANDOM`), if enabled.
pub(crate) fn log_master_secret(
    enabled: bool,
    client_random: &[u8; 32],
    master: &MasterSecret,
    out: &mut Vec<Action>,
) {
    if enabled {
        out.push(Action::KeyLog {
            label: KEY_LOG_LABEL,
            client_random: *client_random,
            secret: master.key_log_secret(),
        });
    }
}

/// What a completed TLS 1.2 handshake reports: never post-quantum (no TLS 1.2 key
/// exchange is), no HelloRetryRequest, no early data.
#[derive(Debug)]
pub(crate) struct Tls12Outcome {
    pub(crate) suite: &'static Tls12CipherSuite,
    pub(crate) group: NamedGroup,
    /// The handshake resumed a session (abbreviated): the certificates and schemes
    /// reported are the session's.
    pub(crate) resumed: bool,
    pub(crate) server_scheme: qssl_crypto::ids::SignatureScheme,
    pub(crate) client_scheme: Option<qssl_crypto::ids::SignatureScheme>,
    pub(crate) alpn_protocol: Option<Vec<u8>>,
    pub(crate) peer_certificates: Vec<CertificateDer<'static>>,
    pub(crate) server_name: Option<String>,
    pub(crate) ocsp_response: Option<Vec<u8>>,
    pub(crate) peer_verified_path: VerifiedPath,
}

impl Tls12Outcome {
    pub(crate) fn into_summary(self) -> Box<HandshakeSummary> {
        Box::new(HandshakeSummary {
            version: TlsVersion::Tls12,
            suite: SupportedCipherSuite::Tls12(self.suite),
            group: Some(self.group),
            resumed: self.resumed,
            server_signature_scheme: self.server_scheme,
            client_signature_scheme: self.client_scheme,
            alpn_protocol: self.alpn_protocol,
            peer_certificates: self.peer_certificates,
            server_name: self.server_name,
            ocsp_response: self.ocsp_response,
            hello_retry_request: false,
            early_data: EarlyDataStatus::NotOffered,
            peer_record_size_limit: None,
            kx_post_quantum: false,
            peer_verified_path: self.peer_verified_path,
            // A TLS 1.2 signature is never ML-DSA between standard peers, and the
            // key exchange is classical anyway: nothing here resists a quantum
            // adversary.
            peer_auth_post_quantum: false,
        })
    }
}

/// The established TLS 1.2 connection's handshake side. TLS 1.2 has no post-handshake
/// messages Q-SSL accepts: a renegotiation request (a client's HelloRequest from the
/// server, a server's new ClientHello) gets a no_renegotiation warning once (RFC 5746
/// §4.2, §4.4: Q-SSL never renegotiates), and a second one ends the connection.
#[derive(Debug)]
pub(crate) struct Tls12Traffic {
    refused_once: bool,
}

impl Tls12Traffic {
    pub(crate) fn new() -> Self {
        Self {
            refused_once: false,
        }
    }

    /// A HelloRequest (client side) or ClientHello (server side) after the handshake.
    pub(crate) fn refuse_renegotiation(&mut self, out: &mut Vec<Action>) -> Result<(), Error> {
        if self.refused_once {
            return Err(PeerMisbehaved::RenegotiationRefused.into());
        }
        self.refused_once = true;
        out.push(Action::SendWarningAlert(AlertDescription::NO_RENEGOTIATION));
        Ok(())
    }
}

//! The server's first TLS 1.3 flight (RFC 8446 §2): ServerHello, then under the
//! handshake keys EncryptedExtensions, CertificateRequest (with client
//! authentication), Certificate, CertificateVerify and Finished, then the application
//! write key. Everything it sends was decided by the negotiation; this only computes
//! and encodes.

use std::sync::Arc;

use qssl_crypto::error::CryptoError;
use qssl_crypto::ids::SignatureScheme;
use qssl_crypto::kx::SupportedKxGroup;
use qssl_crypto::suites::Tls13CipherSuite;

use super::{ExpectCertificate, ExpectEndOfEarlyData, ExpectFinished, ServerHs};
use crate::action::{Action, EarlyDataStatus};
use crate::common::{self, SERVER_CV_CONTEXT, signed_content, traffic_key};
use crate::config::ServerParams;
use crate::error::{Error, PeerMisbehaved};
use crate::key_schedule::{EarlySecret, HandshakeSecret, MasterSecret, Side};
use crate::server::ServerState;
use crate::server::negotiate::{KeyExchange, PskModes, RecordSizeLimits, ServerNegotiation};
use crate::server::resume::{self, AcceptedPsk};
use crate::transcript::Transcript;
use crate::verify::VerifiedPath;
use crate::{
    Certificate, CertificateEntry, CertificateRequest, CertificateStatus, CertificateVerify,
    ClientHello, EncryptedExtensions, Extension, Finished, HandshakeMessage, KeyShareEntry,
    ProtocolVersion, ServerHello,
};

/// Answers `ch` (whose exact bytes are `raw`) with the whole flight `neg` describes,
/// resuming `psk` if one was accepted (no CertificateRequest, Certificate or
/// CertificateVerify then: the PSK authenticates, RFC 8446 §2.2).
/// `retry_transcript`: the transcript up to our HelloRetryRequest, for a second
/// ClientHello.
#[allow(clippy::too_many_arguments)]
pub(crate) fn emit_server_flight(
    params: Arc<ServerParams>,
    ch: &ClientHello,
    raw: &[u8],
    suite: &'static Tls13CipherSuite,
    neg: ServerNegotiation<'_>,
    psk: Option<AcceptedPsk>,
    early_data: EarlyDataStatus,
    retry_transcript: Option<Transcript>,
    out: &mut Vec<Action>,
) -> Result<ServerState, Error> {
    let KeyExchange::Share { group, peer_share } = neg.key_exchange else {
        return Err(Error::Misuse(
            "server flight without a key share to complete",
        ));
    };
    // psk_ke: the key exchange is skipped.
    let exchange = match &psk {
        Some(p) if p.without_key_exchange => None,
        _ => Some((group, peer_share)),
    };
    let mut transcript = retry_transcript.unwrap_or_else(|| {
        let mut t = Transcript::new();
        t.start_hash(suite.hash);
        t
    });
    transcript.add(raw);
    // Accepted 0-RTT is read under client_early_traffic_secret, over Hash(ClientHello).
    let early_read = match (&psk, early_data) {
        (Some(p), EarlyDataStatus::Accepted) => {
            let secret = EarlySecret::new(suite, Some(&p.state.secret))
                .client_early_traffic_secret(&common::hash(&transcript)?)?;
            common::key_log(
                params.key_log,
                "CLIENT_EARLY_TRAFFIC_SECRET",
                &ch.random,
                &secret,
                out,
            );
            Some(secret)
        }
        _ => None,
    };
    let secrets = send_server_hello(
        &params,
        ch,
        suite,
        exchange,
        psk.as_ref(),
        &mut transcript,
        out,
    )?;
    let limits = neg.record_size_limit;
    use_handshake_keys(
        &params,
        ch,
        suite,
        &secrets,
        limits,
        neg.after_retry,
        early_read.as_ref(),
        out,
    )?;
    if early_data == EarlyDataStatus::Rejected {
        out.push(Action::SkipEarlyData {
            max: resume::early_data_skip_budget(&params),
        });
    }
    let accepted = early_data == EarlyDataStatus::Accepted;
    send_encrypted_extensions(&params, &neg, accepted, &mut transcript, out)?;
    let resumed = psk.is_some();
    let verify = if resumed {
        None
    } else {
        send_certificate_request(&params, &mut transcript, out)?;
        Some(send_certificate(&neg, &mut transcript, out)?)
    };
    let tail = FlightTail {
        params: params.clone(),
        suite,
        group: exchange.map(|(g, _)| g.name()),
        scheme: neg.scheme,
        resumed: psk.map(|p| p.state),
        send_tickets: PskModes::of(ch).allow_tickets(&params),
        early_data,
        transcript,
        alpn_protocol: neg.alpn_protocol,
        sni: neg.server_name,
        record_size_limit: limits,
        hello_retry_request: neg.after_retry,
        secrets,
        client_random: ch.random,
    };
    match verify {
        None => tail.finish(None, out),
        Some((key, scheme, content)) => common::sign_then(
            &key,
            scheme,
            content,
            out,
            move |signature, out| tail.finish(Some(CertificateVerify { scheme, signature }), out),
            ServerState::AwaitSignature,
        ),
    }
}

/// What the server's flight still has to send after the Certificate — the
/// CertificateVerify (once signed), Finished, the application write key — and what
/// the states after it keep.
struct FlightTail {
    params: Arc<ServerParams>,
    suite: &'static Tls13CipherSuite,
    group: Option<qssl_crypto::ids::NamedGroup>,
    scheme: SignatureScheme,
    resumed: Option<crate::resumption::SessionState>,
    send_tickets: bool,
    early_data: EarlyDataStatus,
    transcript: Transcript,
    alpn_protocol: Option<Vec<u8>>,
    sni: Option<String>,
    record_size_limit: RecordSizeLimits,
    hello_retry_request: bool,
    secrets: HandshakeSecret,
    client_random: [u8; 32],
}

impl FlightTail {
    fn finish(
        self,
        verify: Option<CertificateVerify>,
        out: &mut Vec<Action>,
    ) -> Result<ServerState, Error> {
        let mut transcript = self.transcript;
        if let Some(cv) = verify {
            common::send(
                &HandshakeMessage::CertificateVerify(cv),
                &mut transcript,
                out,
            )?;
        }
        let params = self.params;
        let master = send_finished(
            &params,
            &self.client_random,
            self.secrets,
            &mut transcript,
            out,
        )?;
        let server_secret = master.traffic_secret(Side::Server);
        out.push(Action::SetWriteKey(traffic_key(
            self.suite,
            server_secret,
            self.record_size_limit.peer,
        )?));
        let accepted = self.early_data == EarlyDataStatus::Accepted;
        let resumed = self.resumed.is_some();
        let hs = ServerHs {
            params: params.clone(),
            suite: self.suite,
            group: self.group,
            scheme: self.scheme,
            resumed: self.resumed,
            send_tickets: self.send_tickets,
            early_data: self.early_data,
            transcript,
            master,
            alpn_protocol: self.alpn_protocol,
            sni: self.sni,
            record_size_limit: self.record_size_limit,
            hello_retry_request: self.hello_retry_request,
            client_certificates: Vec::new(),
            client_path: VerifiedPath::unverified(),
            client_scheme: None,
        };
        Ok(match &params.client_verifier {
            _ if accepted => ServerState::EndOfEarlyData(ExpectEndOfEarlyData {
                remaining: params.max_early_data,
                hs,
            }),
            Some(_) if !resumed => ServerState::Certificate(ExpectCertificate { hs }),
            _ => ServerState::Finished(ExpectFinished { hs }),
        })
    }
}

/// Completes the client's share (unless `exchange` is `None`: psk_ke), sends the
/// ServerHello (selecting `psk` if one resumes), and derives the handshake secrets
/// from the transcript up to it.
fn send_server_hello(
    params: &ServerParams,
    ch: &ClientHello,
    suite: &'static Tls13CipherSuite,
    exchange: Option<(&'static dyn SupportedKxGroup, &[u8])>,
    psk: Option<&AcceptedPsk>,
    transcript: &mut Transcript,
    out: &mut Vec<Action>,
) -> Result<HandshakeSecret, Error> {
    let rng = params.provider.secure_random;
    let completed = match exchange {
        Some((group, peer_share)) => Some(group.start_and_complete(peer_share, rng).map_err(
            |e| match e {
                CryptoError::InvalidKeyShare(_) => Error::from(PeerMisbehaved::InvalidKeyShare),
                other => Error::from(other),
            },
        )?),
        None => None,
    };
    let mut random = [0u8; 32];
    rng.fill(&mut random)?;
    // key_share first, as the RFC 8448 traces (NSS) order them; pre_shared_key last,
    // as in their resumed handshake.
    let mut extensions = Vec::with_capacity(3);
    let (secret, key_share) = match completed {
        Some(c) => (
            Some(c.secret),
            Some(KeyShareEntry {
                group: c.group,
                key_exchange: c.pub_key,
            }),
        ),
        None => (None, None),
    };
    extensions.extend(key_share.map(Extension::KeyShareSelected));
    extensions.push(Extension::SupportedVersionsSelected(
        ProtocolVersion::TLSV1_3,
    ));
    extensions.extend(psk.map(|p| Extension::PreSharedKeySelected(p.identity)));
    let sh = ServerHello {
        legacy_version: ProtocolVersion::TLSV1_2,
        random,
        session_id: ch.session_id.clone(),
        cipher_suite: suite.suite,
        compression_method: 0,
        extensions,
    };
    common::send(&HandshakeMessage::ServerHello(sh), transcript, out)?;
    let hello_hash = common::hash(transcript)?;
    let early = EarlySecret::new(suite, psk.map(|p| p.state.secret.as_slice()));
    // psk_ke: the (EC)DHE input is Hash.length zeros (RFC 8446 §7.1).
    let zeros = [0u8; qssl_crypto::hash::MAX_HASH_LEN];
    let ikm = match &secret {
        Some(s) => s.as_bytes(),
        None => &zeros[..suite.hash.output_len()],
    };
    Ok(early.into_handshake(ikm, &hello_hash)?)
}

/// After the ServerHello: the middlebox change_cipher_spec, the handshake secrets'
/// key-log lines, and the handshake keys for both directions (for reading, the
/// early traffic key instead while accepted 0-RTT lasts: `early_read`).
#[allow(clippy::too_many_arguments)]
fn use_handshake_keys(
    params: &ServerParams,
    ch: &ClientHello,
    suite: &'static Tls13CipherSuite,
    secrets: &HandshakeSecret,
    limits: RecordSizeLimits,
    after_retry: bool,
    early_read: Option<&qssl_crypto::hkdf::Prk>,
    out: &mut Vec<Action>,
) -> Result<(), Error> {
    // Compatibility mode: a dummy change_cipher_spec after our first handshake
    // message (RFC 8446 Appendix D.4), unless one followed the HelloRetryRequest.
    if !ch.session_id.is_empty() && !after_retry {
        out.push(Action::SendChangeCipherSpec);
    }
    let client = secrets.traffic_secret(Side::Client);
    let server = secrets.traffic_secret(Side::Server);
    common::log_handshake_secrets(params.key_log, &ch.random, secrets, out);
    out.push(Action::SetWriteKey(traffic_key(
        suite,
        server,
        limits.peer,
    )?));
    // RFC 8449 §4: our limit binds only a client that sent the extension (it learns
    // ours from EncryptedExtensions); any other may send full-size records.
    // Early data was sent before the client knew our record_size_limit.
    out.push(Action::SetReadKey(match early_read {
        Some(early) => traffic_key(suite, early, None)?,
        None => traffic_key(suite, client, limits.own)?,
    }));
    Ok(())
}

/// EncryptedExtensions, in the order of the RFC 8448 traces so a known-answer test can
/// compare bytes.
fn send_encrypted_extensions(
    params: &ServerParams,
    neg: &ServerNegotiation<'_>,
    early_data_accepted: bool,
    transcript: &mut Transcript,
    out: &mut Vec<Action>,
) -> Result<(), Error> {
    let mut extensions = Vec::new();
    if params.send_supported_groups {
        extensions.push(Extension::SupportedGroups(
            params.groups.iter().map(|g| g.name()).collect(),
        ));
    }
    if let Some(limit) = neg.record_size_limit.own {
        extensions.push(Extension::RecordSizeLimit(limit));
    }
    if neg.server_name.is_some() {
        extensions.push(Extension::ServerNameAck);
    }
    if let Some(p) = &neg.alpn_protocol {
        extensions.push(Extension::Alpn(vec![p.clone()]));
    }
    if early_data_accepted {
        extensions.push(Extension::EarlyData);
    }
    let ee = EncryptedExtensions { extensions };
    common::send(&HandshakeMessage::EncryptedExtensions(ee), transcript, out)
}

/// A CertificateRequest when client authentication is configured: the schemes and
/// CAs our verifier accepts.
fn send_certificate_request(
    params: &ServerParams,
    transcript: &mut Transcript,
    out: &mut Vec<Action>,
) -> Result<(), Error> {
    let Some(v) = &params.client_verifier else {
        return Ok(());
    };
    let mut extensions = vec![Extension::SignatureAlgorithms(v.supported_verify_schemes())];
    let hints = v.root_hint_subjects();
    if !hints.is_empty() {
        extensions.push(Extension::CertificateAuthorities(hints));
    }
    let request = CertificateRequest {
        context: Vec::new(),
        extensions,
    };
    common::send(
        &HandshakeMessage::CertificateRequest(request),
        transcript,
        out,
    )
}

/// The negotiated chain (the OCSP staple on the end entity if the client asked and we
/// have one); returns what the CertificateVerify signs — the key, the scheme and the
/// content over the transcript up to the chain.
fn send_certificate(
    neg: &ServerNegotiation<'_>,
    transcript: &mut Transcript,
    out: &mut Vec<Action>,
) -> Result<common::ToSign, Error> {
    let cert = &neg.certificate;
    let entries = cert
        .chain
        .iter()
        .enumerate()
        .map(|(i, c)| CertificateEntry {
            cert_data: c.as_ref().to_vec(),
            extensions: match (&cert.ocsp, i, neg.ocsp_requested) {
                (Some(r), 0, true) => {
                    vec![Extension::CertificateStatus(CertificateStatus::Ocsp(
                        r.clone(),
                    ))]
                }
                _ => Vec::new(),
            },
        })
        .collect();
    let certificate = Certificate {
        context: Vec::new(),
        entries,
    };
    common::send(&HandshakeMessage::Certificate(certificate), transcript, out)?;
    let content = signed_content(SERVER_CV_CONTEXT, &common::hash(transcript)?);
    Ok((Arc::clone(&cert.key), neg.scheme, content))
}

/// Our Finished, then the master secret and the application secrets' key-log lines.
fn send_finished(
    params: &ServerParams,
    client_random: &[u8; 32],
    secrets: HandshakeSecret,
    transcript: &mut Transcript,
    out: &mut Vec<Action>,
) -> Result<MasterSecret, Error> {
    let verify_data = secrets.finished(Side::Server, &common::hash(transcript)?)?;
    let fin = Finished {
        verify_data: verify_data.as_bytes().to_vec(),
    };
    common::send(&HandshakeMessage::Finished(fin), transcript, out)?;
    let master = secrets.into_master(&common::hash(transcript)?)?;
    common::log_application_secrets(params.key_log, client_random, &master, out);
    Ok(master)
}

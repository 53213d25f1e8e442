//! TLS 1.2 on the client (RFC 5246 §7.3 with RFC 8422 ECDHE, RFC 7627 extended
//! master secret, RFC 5746 renegotiation_info): after a TLS 1.2 ServerHello (checked
//! by negotiate.rs), the server's flight (Certificate, CertificateStatus when
//! stapling was acknowledged, ServerKeyExchange, CertificateRequest,
//! ServerHelloDone), our flight (Certificate, ClientKeyExchange, CertificateVerify,
//! ChangeCipherSpec, Finished), then the server's ChangeCipherSpec and Finished.

use qssl_crypto::error::CryptoError;
use qssl_crypto::ids::{NamedGroup, SignatureScheme};
use qssl_crypto::suites::Tls12CipherSuite;

use super::ClientState;
use super::hello::{ClientStart, ExpectServerHello};
use super::negotiate::Tls12ServerHello;
use crate::action::Action;
use crate::codec::tls12::{
    ClientKeyExchange, ServerKeyExchange, Tls12Certificate, Tls12CertificateRequest, Tls12Message,
    Tls12NewSessionTicket,
};
use crate::common;
use crate::config::ClientParams;
use crate::error::{Error, InvalidMessage, PeerIncompatible, PeerMisbehaved};
use crate::key_schedule::Side;
use crate::resolve::CertificateCriteria;
use crate::resumption::{SessionState, Tls12Resumption};
use crate::tls12::handshake::{self, MessageLog, Tls12Outcome, Tls12Traffic, is_tls12_group};
use crate::tls12::signing::{
    authentication_of, choose_tls12_scheme, usable_in_tls12, verify_server_key_exchange,
};
use crate::tls12::{KeyBlock, MasterSecret};
use crate::transcript::Transcript;
use crate::verify::{CertificateDer, UnixTime, VerifiedPath};
use crate::{CertificateVerify, HandshakeType};
use qssl_crypto::tls12_prf::MASTER_SECRET_LEN;
use qssl_session::ClientTicket;

/// What the client knows once a TLS 1.2 ServerHello is in.
pub(crate) struct ClientHs12 {
    start: ClientStart,
    suite: &'static Tls12CipherSuite,
    extended_master_secret: bool,
    alpn_protocol: Option<Vec<u8>>,
    /// The server acknowledged status_request: a CertificateStatus may follow its
    /// Certificate (RFC 6066 §8).
    ocsp_acknowledged: bool,
    server_random: [u8; 32],
    transcript: Transcript,
    /// Every message so far, kept until we know whether we sign a CertificateVerify.
    log: MessageLog,
    server_certificates: Vec<CertificateDer<'static>>,
    ocsp_response: Option<Vec<u8>>,
    verified_path: VerifiedPath,
    server_scheme: Option<SignatureScheme>,
    group: Option<NamedGroup>,
    /// The ECDHE shared secret and our public value, once the ServerKeyExchange is
    /// verified.
    exchange: Option<(qssl_crypto::kx::SharedSecret, Vec<u8>)>,
    cert_request: Option<Tls12CertificateRequest>,
    /// The server's session ID (the session's, for a later resumption by ID).
    session_id: Vec<u8>,
    /// The server acknowledged session_ticket: a NewSessionTicket is due before its
    /// ChangeCipherSpec.
    ticket_acknowledged: bool,
    /// The NewSessionTicket received, if any.
    new_ticket: Option<Tls12NewSessionTicket>,
    /// The session this handshake resumes (abbreviated handshake).
    resumed: Option<SessionState>,
}

/// The ServerHello chose TLS 1.2: the transcript starts with the suite's hash. A
/// resumption (the server echoed the session offered) goes straight to the server's
/// ChangeCipherSpec with the session's master secret; a full handshake waits for the
/// server's Certificate.
pub(crate) fn accept_server_hello(
    prev: ExpectServerHello,
    sh: Tls12ServerHello,
    server_random: [u8; 32],
    raw: &[u8],
    out: &mut Vec<Action>,
) -> Result<ClientState, Error> {
    let mut transcript = prev.transcript;
    // A TLS 1.2 ServerHello only answers a first ClientHello, whose bytes are
    // still buffered: they open the log a client CertificateVerify signs.
    let log = transcript.buffered().map(<[u8]>::to_vec);
    if log.is_none() {
        return Err(Error::Misuse(
            "TLS 1.2 ServerHello after the transcript hash started",
        ));
    }
    transcript.start_hash(sh.suite.hash);
    let resumed = if sh.resumed { prev.resuming12 } else { None };
    let mut hs = ClientHs12 {
        start: prev.start,
        suite: sh.suite,
        extended_master_secret: sh.extended_master_secret,
        alpn_protocol: sh.alpn_protocol,
        ocsp_acknowledged: sh.ocsp_acknowledged,
        server_random,
        transcript,
        log,
        server_certificates: Vec::new(),
        ocsp_response: None,
        verified_path: VerifiedPath::unverified(),
        server_scheme: None,
        group: None,
        exchange: None,
        cert_request: None,
        session_id: sh.session_id,
        ticket_acknowledged: sh.ticket_acknowledged,
        new_ticket: None,
        resumed,
    };
    handshake::record(raw, &mut hs.transcript, &mut hs.log);
    let Some(session) = &hs.resumed else {
        return Ok(ClientState::Tls12Certificate(ExpectCertificate { hs }));
    };
    // Abbreviated handshake (RFC 5246 §7.3, Figure 2).
    hs.log = None;
    let master_bytes: &[u8; MASTER_SECRET_LEN] = session
        .secret
        .as_slice()
        .try_into()
        .map_err(|_| Error::Misuse("a TLS 1.2 session without a 48-byte master secret"))?;
    let master = MasterSecret::from_bytes(hs.suite, master_bytes);
    hs.server_certificates = session.peer_certificates.clone();
    hs.verified_path = session.peer_path();
    hs.server_scheme = Some(session.server_scheme);
    hs.group = Some(session.group);
    let client_scheme = session.client_scheme;
    handshake::log_master_secret(hs.start.params.key_log, &hs.start.random, &master, out);
    let block = master.key_block(&hs.start.random, &hs.server_random);
    Ok(ClientState::Tls12ChangeCipherSpec(ExpectChangeCipherSpec {
        hs,
        keys: Keys {
            master,
            block,
            client_scheme,
        },
    }))
}

fn unexpected<T>(msg: &Tls12Message) -> Result<T, Error> {
    Err(PeerMisbehaved::UnexpectedMessage(msg.typ()).into())
}

/// Waiting for the server's Certificate.
pub(crate) struct ExpectCertificate {
    hs: ClientHs12,
}

impl ExpectCertificate {
    pub(crate) fn handle(mut self, msg: Tls12Message, raw: &[u8]) -> Result<ClientState, Error> {
        let Tls12Message::Certificate(Tls12Certificate { chain }) = msg else {
            return unexpected(&msg);
        };
        if chain.is_empty() {
            return Err(PeerMisbehaved::NoServerCertificate.into());
        }
        self.hs.server_certificates = chain.into_iter().map(CertificateDer::from).collect();
        handshake::record(raw, &mut self.hs.transcript, &mut self.hs.log);
        Ok(ClientState::Tls12ServerKeyExchange(
            ExpectServerKeyExchange { hs: self.hs },
        ))
    }
}

/// Waiting for the ServerKeyExchange (or, if stapling was acknowledged, a
/// CertificateStatus before it). The chain is verified when the key exchange
/// arrives, with the staple if one came.
pub(crate) struct ExpectServerKeyExchange {
    hs: ClientHs12,
}

/// `struct { CertificateStatusType status_type; opaque OCSPResponse<1..2^24-1>; }`
/// (RFC 6066 §8), status_type ocsp(1): the response.
fn parse_certificate_status(body: &[u8]) -> Result<Vec<u8>, Error> {
    let [1, a, b, c, response @ ..] = body else {
        return Err(InvalidMessage::Truncated.into());
    };
    let len = u32::from_be_bytes([0, *a, *b, *c]) as usize;
    if len == 0 || len != response.len() {
        return Err(InvalidMessage::LengthOutOfRange.into());
    }
    Ok(response.to_vec())
}

impl ExpectServerKeyExchange {
    pub(crate) fn handle(
        mut self,
        msg: Tls12Message,
        raw: &[u8],
        now: UnixTime,
    ) -> Result<ClientState, Error> {
        let ske = match msg {
            Tls12Message::Unknown { typ, body }
                if typ == HandshakeType::CERTIFICATE_STATUS
                    && self.hs.ocsp_acknowledged
                    && self.hs.ocsp_response.is_none() =>
            {
                self.hs.ocsp_response = Some(parse_certificate_status(&body)?);
                handshake::record(raw, &mut self.hs.transcript, &mut self.hs.log);
                return Ok(ClientState::Tls12ServerKeyExchange(self));
            }
            Tls12Message::ServerKeyExchange(ske) => ske,
            other => return unexpected(&other),
        };
        let hs = &mut self.hs;
        let params = hs.start.params.clone();
        let chain = &hs.server_certificates;
        hs.verified_path = params.verifier.verify_server_cert(
            &chain[0],
            &chain[1..],
            &hs.start.server_name,
            hs.ocsp_response.as_deref().unwrap_or_default(),
            now,
        )?;
        self.exchange(&params, &ske)?;
        handshake::record(raw, &mut self.hs.transcript, &mut self.hs.log);
        Ok(ClientState::Tls12CertificateRequestOrDone(
            ExpectCertificateRequestOrDone { hs: self.hs },
        ))
    }

    /// Checks the server's ECDHE parameters and their signature, and completes the
    /// exchange with a key of our own.
    fn exchange(&mut self, params: &ClientParams, ske: &ServerKeyExchange) -> Result<(), Error> {
        let hs = &mut self.hs;
        let curve = ske.params.named_curve;
        if params.pq_only {
            return Err(PeerIncompatible::NoPostQuantumGroup.into());
        }
        // One of the groups we listed, and one TLS 1.2 can use.
        let group = hs
            .start
            .groups
            .iter()
            .copied()
            .find(|g| g.name() == curve && is_tls12_group(curve))
            .ok_or(PeerMisbehaved::SelectedUnofferedParameter)?;
        // RFC 5246 §7.4.3: the signature is of the kind the suite names (an ECDSA
        // suite's ServerKeyExchange is not signed with RSA, nor the reverse).
        if authentication_of(ske.signature.scheme) != Some(hs.suite.authentication) {
            return Err(PeerMisbehaved::SignatureSchemeNotOffered.into());
        }
        verify_server_key_exchange(
            &params.provider.tls12_verifiers(),
            &hs.server_certificates[0],
            ske,
            &hs.start.random,
            &hs.server_random,
            &hs.start.verify_schemes,
        )?;
        let kx = group.start(params.provider.secure_random)?;
        let public = kx.pub_key().to_vec();
        let shared = kx.complete(&ske.params.public).map_err(|e| match e {
            CryptoError::InvalidKeyShare(_) => Error::from(PeerMisbehaved::InvalidKeyShare),
            other => Error::from(other),
        })?;
        hs.server_scheme = Some(ske.signature.scheme);
        hs.group = Some(curve);
        hs.exchange = Some((shared, public));
        Ok(())
    }
}

/// Waiting for a CertificateRequest or the ServerHelloDone.
pub(crate) struct ExpectCertificateRequestOrDone {
    hs: ClientHs12,
}

impl ExpectCertificateRequestOrDone {
    pub(crate) fn handle(
        mut self,
        msg: Tls12Message,
        raw: &[u8],
        out: &mut Vec<Action>,
    ) -> Result<ClientState, Error> {
        match msg {
            Tls12Message::CertificateRequest(req) if self.hs.cert_request.is_none() => {
                self.hs.cert_request = Some(req);
                handshake::record(raw, &mut self.hs.transcript, &mut self.hs.log);
                Ok(ClientState::Tls12CertificateRequestOrDone(self))
            }
            Tls12Message::ServerHelloDone => {
                handshake::record(raw, &mut self.hs.transcript, &mut self.hs.log);
                send_flight(self.hs, out)
            }
            other => unexpected(&other),
        }
    }
}

/// Our flight after ServerHelloDone: Certificate (if asked), ClientKeyExchange,
/// CertificateVerify (if we sent a certificate), ChangeCipherSpec, Finished.
fn send_flight(mut hs: ClientHs12, out: &mut Vec<Action>) -> Result<ClientState, Error> {
    let params = hs.start.params.clone();
    let client_auth = hs
        .cert_request
        .take()
        .map(|request| choose_client_certificate(&params, &request));
    if let Some(auth) = &client_auth {
        let chain = match auth {
            Some((ck, _)) => ck.chain.iter().map(|c| c.to_vec()).collect(),
            None => Vec::new(),
        };
        handshake::send(
            &Tls12Message::Certificate(Tls12Certificate { chain }),
            &mut hs.transcript,
            &mut hs.log,
            out,
        )?;
    }
    let (pre_master, public) = hs
        .exchange
        .take()
        .ok_or(Error::Misuse("ServerHelloDone before the key exchange"))?;
    handshake::send(
        &Tls12Message::ClientKeyExchange(ClientKeyExchange { public }),
        &mut hs.transcript,
        &mut hs.log,
        out,
    )?;
    let master = if hs.extended_master_secret {
        let session_hash = hs
            .transcript
            .current_hash()
            .ok_or(Error::Misuse("TLS 1.2 transcript without a hash"))?;
        MasterSecret::extended(hs.suite, pre_master.as_bytes(), &session_hash)?
    } else {
        MasterSecret::legacy(
            hs.suite,
            pre_master.as_bytes(),
            &hs.start.random,
            &hs.server_random,
        )
    };
    if let Some(Some((ck, scheme))) = client_auth {
        let log = hs.log.take().ok_or(Error::Misuse(
            "client CertificateVerify without the message log",
        ))?;
        return common::sign_then(
            &ck.key,
            scheme,
            log,
            out,
            move |signature, out| {
                let mut hs = hs;
                handshake::send(
                    &Tls12Message::CertificateVerify(CertificateVerify { scheme, signature }),
                    &mut hs.transcript,
                    &mut None,
                    out,
                )?;
                finish_flight(hs, master, Some(scheme), out)
            },
            ClientState::AwaitSignature,
        );
    }
    finish_flight(hs, master, None, out)
}

/// The end of our flight, after the CertificateVerify if any: ChangeCipherSpec and
/// Finished under the new keys.
fn finish_flight(
    mut hs: ClientHs12,
    master: MasterSecret,
    client_scheme: Option<SignatureScheme>,
    out: &mut Vec<Action>,
) -> Result<ClientState, Error> {
    hs.log = None;
    let params = hs.start.params.clone();
    handshake::log_master_secret(params.key_log, &hs.start.random, &master, out);
    let block = master.key_block(&hs.start.random, &hs.server_random);
    out.push(Action::SendChangeCipherSpec);
    out.push(Action::SetWriteKey(block.traffic_key(Side::Client, None)));
    handshake::send_finished(&master, Side::Client, &mut hs.transcript, out)?;
    Ok(ClientState::Tls12ChangeCipherSpec(ExpectChangeCipherSpec {
        hs,
        keys: Keys {
            master,
            block,
            client_scheme,
        },
    }))
}

type ChosenCertificate = Option<(std::sync::Arc<crate::CertifiedKey>, SignatureScheme)>;

/// Our certificate for the server's CertificateRequest, and the scheme to sign
/// with: one of its schemes our key makes; none if we have no such certificate.
fn choose_client_certificate(
    params: &ClientParams,
    request: &Tls12CertificateRequest,
) -> ChosenCertificate {
    let schemes: Vec<SignatureScheme> = request
        .signature_schemes
        .iter()
        .copied()
        .filter(|s| usable_in_tls12(*s))
        .collect();
    let mut criteria = CertificateCriteria::new(&schemes);
    criteria.certificate_authorities = &request.certificate_authorities;
    let ck = params.client_auth.as_ref()?.resolve(&criteria)?;
    let scheme = choose_tls12_scheme(ck.key.schemes(), &schemes)?;
    Some((ck, scheme))
}

/// The master secret, the key block and what we signed with.
struct Keys {
    master: MasterSecret,
    block: KeyBlock,
    client_scheme: Option<SignatureScheme>,
}

/// Waiting for the server's ChangeCipherSpec: no handshake message may come now.
pub(crate) struct ExpectChangeCipherSpec {
    hs: ClientHs12,
    keys: Keys,
}

impl ExpectChangeCipherSpec {
    /// A NewSessionTicket (RFC 5077 §3.3): only if the server acknowledged
    /// session_ticket, and once.
    pub(crate) fn ticket(mut self, msg: Tls12Message, raw: &[u8]) -> Result<ClientState, Error> {
        match msg {
            Tls12Message::NewSessionTicket(t)
                if self.hs.ticket_acknowledged && self.hs.new_ticket.is_none() =>
            {
                self.hs.transcript.add(raw);
                self.hs.new_ticket = Some(t);
                Ok(ClientState::Tls12ChangeCipherSpec(self))
            }
            other => unexpected(&other),
        }
    }

    pub(crate) fn handle(self, out: &mut Vec<Action>) -> ClientState {
        out.push(Action::SetReadKey(
            self.keys.block.traffic_key(Side::Server, None),
        ));
        ClientState::Tls12Finished(ExpectFinished {
            hs: self.hs,
            keys: self.keys,
        })
    }
}

/// Waiting for the server's Finished, under its new key.
pub(crate) struct ExpectFinished {
    hs: ClientHs12,
    keys: Keys,
}

impl ExpectFinished {
    pub(crate) fn handle(
        self,
        msg: Tls12Message,
        raw: &[u8],
        now: UnixTime,
        out: &mut Vec<Action>,
    ) -> Result<ClientState, Error> {
        let mut hs = self.hs;
        let keys = self.keys;
        handshake::check_finished(&keys.master, Side::Server, &msg, raw, &mut hs.transcript)?;
        if hs.resumed.is_some() {
            // The server's Finished came first; ours completes the handshake.
            out.push(Action::SendChangeCipherSpec);
            out.push(Action::SetWriteKey(
                keys.block.traffic_key(Side::Client, None),
            ));
            handshake::send_finished(&keys.master, Side::Client, &mut hs.transcript, out)?;
        }
        keep_session(&hs, &keys, now.as_secs());
        let outcome = Tls12Outcome {
            suite: hs.suite,
            group: hs
                .group
                .ok_or(Error::Misuse("TLS 1.2 Finished without a key exchange"))?,
            resumed: hs.resumed.is_some(),
            server_scheme: hs.server_scheme.ok_or(Error::Misuse(
                "TLS 1.2 Finished without a ServerKeyExchange",
            ))?,
            client_scheme: keys.client_scheme,
            alpn_protocol: hs.alpn_protocol,
            peer_certificates: hs.server_certificates,
            server_name: hs.start.sni,
            ocsp_response: hs.ocsp_response,
            peer_verified_path: hs.verified_path,
        };
        out.push(Action::HandshakeComplete(outcome.into_summary()));
        Ok(ClientState::Tls12Traffic(Tls12Traffic::new()))
    }
}

/// How long a TLS 1.2 session without a ticket lifetime hint stays in the store.
const DEFAULT_SESSION_LIFETIME: u32 = 2 * 3600;

/// After a completed handshake: the session in the store, resumable by the ticket
/// the server sent or else by its session ID. A resumed session goes back in (TLS
/// 1.2 sessions may be resumed more than once, RFC 5246 §7.3), with a new ticket if
/// the server sent one. Nothing is kept without a store, or with neither a ticket
/// nor a session ID.
fn keep_session(hs: &ClientHs12, keys: &Keys, now: u64) {
    let params = &hs.start.params;
    let Some(store) = &params.session_store else {
        return;
    };
    let ticket = hs
        .new_ticket
        .as_ref()
        .map(|t| (t.ticket.clone(), t.lifetime_hint));
    let mut session = match &hs.resumed {
        Some(s) => s.clone(),
        None => {
            let mut s = SessionState::after_full_handshake(
                hs.suite.suite,
                now,
                hs.group.unwrap_or(NamedGroup(0)),
                hs.server_scheme.unwrap_or(SignatureScheme(0)),
                keys.client_scheme,
                hs.server_certificates.clone(),
                hs.verified_path.clone(),
            );
            s.secret = keys.master.key_log_secret();
            s.alpn = hs.alpn_protocol.clone();
            s.server_name = hs.start.sni.clone();
            s.tls12 = Some(Tls12Resumption {
                session_id: hs.session_id.clone(),
                extended_master_secret: hs.extended_master_secret,
            });
            s
        }
    };
    if let Some((t, hint)) = ticket {
        session.ticket = t;
        session.issued_at = now;
        session.lifetime = if hint == 0 {
            DEFAULT_SESSION_LIFETIME
        } else {
            hint
        };
    } else if hs.resumed.is_none() {
        session.issued_at = now;
        session.lifetime = DEFAULT_SESSION_LIFETIME;
    }
    let id_empty = session
        .tls12
        .as_ref()
        .is_none_or(|t| t.session_id.is_empty());
    if session.ticket.is_empty() && id_empty {
        return;
    }
    if let Ok(value) = session.encode() {
        store.insert_ticket(
            &hs.start.store_key,
            ClientTicket {
                value,
                expires_at: session
                    .issued_at
                    .saturating_add(u64::from(session.lifetime)),
            },
        );
    }
}

//! TLS 1.2 on the server (RFC 5246 §7.3 with RFC 8422 ECDHE, RFC 7627 extended
//! master secret, RFC 5746 renegotiation_info): the negotiation of a ClientHello
//! that has nothing newer than TLS 1.2 ([`negotiate`], pure), the server's flight
//! (ServerHello, Certificate, ServerKeyExchange, CertificateRequest,
//! ServerHelloDone) and the states that read the client's (Certificate,
//! ClientKeyExchange, CertificateVerify, ChangeCipherSpec, Finished) before our
//! ChangeCipherSpec and Finished.
//!
//! Full handshakes only: no session ID is issued (the ServerHello's is empty, which
//! RFC 5246 §7.4.1.3 reads as "not resumable") and no ticket.

use std::sync::Arc;

use qssl_crypto::error::CryptoError;
use qssl_crypto::ids::{CipherSuite, SignatureScheme};
use qssl_crypto::kx::{ActiveKeyExchange, SupportedKxGroup};
use qssl_crypto::suites::Tls12CipherSuite;

use super::ServerState;
use super::negotiate::choose_alpn;
use crate::action::Action;
use crate::codec::tls12::{
    ClientCertificateType, DigitallySigned, ServerEcdhParams, ServerKeyExchange, Tls12Certificate,
    Tls12CertificateRequest, Tls12Message, Tls12NewSessionTicket,
};
use crate::common;
use crate::config::ServerParams;
use crate::error::{Error, PeerIncompatible, PeerMisbehaved};
use crate::key_schedule::Side;
use crate::resolve::{CertificateCriteria, CertifiedKey};
use crate::resumption::{SessionState, Tls12Resumption};
use crate::tls12::handshake::{
    self, DOWNGRADE_TLS12, MessageLog, Tls12Outcome, Tls12Traffic, check_ec_point_formats,
    first_tls12_group,
};
use crate::tls12::signing::{
    authentication_of, choose_tls12_scheme, server_key_exchange_content, usable_in_tls12,
    verify_tls12_signature,
};
use crate::tls12::{KeyBlock, MasterSecret};
use crate::transcript::Transcript;
use crate::verify::{CertificateDer, UnixTime, VerifiedPath};
use crate::{ClientHello, Extension, ExtensionType, ProtocolVersion, ServerHello};
use qssl_crypto::tls12_prf::MASTER_SECRET_LEN;

/// What a TLS 1.2 ClientHello and our [`ServerParams`] agree on.
#[derive(Debug)]
pub(crate) struct Tls12Negotiation {
    pub(crate) suite: &'static Tls12CipherSuite,
    pub(crate) group: &'static dyn SupportedKxGroup,
    pub(crate) certificate: Arc<CertifiedKey>,
    /// The ServerKeyExchange's scheme.
    pub(crate) scheme: SignatureScheme,
    pub(crate) alpn_protocol: Option<Vec<u8>>,
    pub(crate) server_name: Option<String>,
    /// RFC 7627: both sides use the extended master secret.
    pub(crate) extended_master_secret: bool,
    /// RFC 5746: the client signalled secure renegotiation (SCSV or an empty
    /// renegotiation_info), which our ServerHello acknowledges.
    pub(crate) secure_renegotiation: bool,
    /// The client sent ec_point_formats, which our ServerHello answers.
    pub(crate) point_formats: bool,
    /// session_ticket (RFC 5077 §3.2): `None` if the client did not send it (it takes
    /// no tickets), else the ticket it offers (empty: none yet).
    pub(crate) ticket: Option<Vec<u8>>,
}

/// What a ClientHello offering TLS 1.2 at most and `params` agree on, or why they
/// cannot. Errors in a fixed order: compression, server name, renegotiation_info,
/// extended master secret, point formats, suites, group, certificate, ALPN.
pub(crate) fn negotiate(
    ch: &ClientHello,
    params: &ServerParams,
) -> Result<Tls12Negotiation, Error> {
    // RFC 5246 §7.4.1.2: the client lists null compression; we choose nothing else.
    if !ch.compression_methods.contains(&0) {
        return Err(PeerMisbehaved::BadCompression.into());
    }
    let server_name = crate::sni::requested_server_name(ch)?;
    // RFC 5746 §3.6: the SCSV or an empty renegotiation_info signal support; a
    // non-empty one on an initial handshake aborts it.
    let mut secure_renegotiation = ch
        .cipher_suites
        .contains(&CipherSuite::TLS_EMPTY_RENEGOTIATION_INFO_SCSV);
    if let Some(Extension::RenegotiationInfo(r)) = ch.extension(ExtensionType::RENEGOTIATION_INFO) {
        if !r.is_empty() {
            return Err(PeerMisbehaved::BadRenegotiationInfo.into());
        }
        secure_renegotiation = true;
    }
    let extended_master_secret = ch
        .extension(ExtensionType::EXTENDED_MASTER_SECRET)
        .is_some();
    if !extended_master_secret && !params.tls12_allow_legacy_master_secret {
        return Err(PeerIncompatible::NoExtendedMasterSecret.into());
    }
    let point_formats = match ch.extension(ExtensionType::EC_POINT_FORMATS) {
        Some(Extension::Unknown { data, .. }) => {
            check_ec_point_formats(data)?;
            true
        }
        _ => false,
    };
    let offered: Vec<&'static Tls12CipherSuite> = params
        .tls12_suites
        .iter()
        .copied()
        .filter(|s| ch.cipher_suites.contains(&s.suite))
        .collect();
    if offered.is_empty() {
        return Err(PeerIncompatible::NoCommonCipherSuite.into());
    }
    // No TLS 1.2 group is post-quantum.
    if params.pq_only {
        return Err(PeerIncompatible::NoPostQuantumGroup.into());
    }
    let group = match ch.extension(ExtensionType::SUPPORTED_GROUPS) {
        Some(Extension::SupportedGroups(g)) => {
            first_tls12_group(&params.groups, |n| g.contains(&n))
        }
        // RFC 8422 §4: a client without supported_groups accepts any curve.
        _ => first_tls12_group(&params.groups, |_| true),
    }
    .ok_or(PeerIncompatible::NoCommonGroup)?;
    let client_schemes: &[SignatureScheme] = match ch.extension(ExtensionType::SIGNATURE_ALGORITHMS)
    {
        Some(Extension::SignatureAlgorithms(s)) => s,
        // Its default is SHA-1 (RFC 5246 §7.4.1.4.1), which we never sign.
        _ => &[],
    };
    // Schemes a key of an offered suite's kind can sign the ServerKeyExchange with.
    let usable: Vec<SignatureScheme> = client_schemes
        .iter()
        .copied()
        .filter(|s| usable_in_tls12(*s))
        .filter(|s| {
            authentication_of(*s).is_some_and(|a| offered.iter().any(|o| o.authentication == a))
        })
        .collect();
    let mut criteria = CertificateCriteria::new(&usable);
    criteria.server_name = server_name.as_deref();
    criteria.cert_signature_schemes = Some(
        match ch.extension(ExtensionType::SIGNATURE_ALGORITHMS_CERT) {
            Some(Extension::SignatureAlgorithmsCert(s)) => s,
            _ => client_schemes,
        },
    );
    let certificate = params
        .cert_resolver
        .resolve(&criteria)
        .ok_or(PeerIncompatible::NoCommonSignatureScheme)?;
    let scheme = choose_tls12_scheme(certificate.key.schemes(), &usable)
        .ok_or(PeerIncompatible::NoCommonSignatureScheme)?;
    let suite = offered
        .iter()
        .copied()
        .find(|s| Some(s.authentication) == authentication_of(scheme))
        .ok_or(PeerIncompatible::NoCommonCipherSuite)?;
    let alpn_protocol = choose_alpn(ch, params)?;
    let ticket = match ch.extension(ExtensionType::SESSION_TICKET) {
        Some(Extension::Unknown { data, .. }) => Some(data.clone()),
        _ => None,
    };
    Ok(Tls12Negotiation {
        suite,
        group,
        certificate,
        scheme,
        alpn_protocol,
        server_name,
        extended_master_secret,
        secure_renegotiation,
        point_formats,
        ticket,
    })
}

/// Everything the server keeps between its flight and the client's Finished.
pub(crate) struct ServerHs12 {
    params: Arc<ServerParams>,
    neg: Tls12Negotiation,
    client_random: [u8; 32],
    server_random: [u8; 32],
    transcript: Transcript,
    /// Every message so far, kept while a client CertificateVerify may come.
    log: MessageLog,
    kx: Option<Box<dyn ActiveKeyExchange>>,
    /// The schemes our CertificateRequest listed.
    request_schemes: Vec<SignatureScheme>,
    client_certificates: Vec<CertificateDer<'static>>,
    client_path: VerifiedPath,
    client_scheme: Option<SignatureScheme>,
    /// The session ID our ServerHello gave (empty: none, or a ticket instead).
    session_id: Vec<u8>,
    /// A NewSessionTicket follows the client's Finished (we acknowledged its
    /// session_ticket extension).
    send_ticket: bool,
    /// The session this handshake resumes (abbreviated handshake).
    resumed: Option<SessionState>,
}

/// Answers `ch` (exact bytes `raw`): an abbreviated handshake if it offers a session
/// we can resume (a ticket first, then a session ID), the full flight otherwise.
pub(crate) fn emit_server_flight(
    params: Arc<ServerParams>,
    ch: &ClientHello,
    raw: &[u8],
    neg: Tls12Negotiation,
    now: UnixTime,
    out: &mut Vec<Action>,
) -> Result<ServerState, Error> {
    let rng = params.provider.secure_random;
    let mut server_random = [0u8; 32];
    rng.fill(&mut server_random)?;
    // RFC 8446 §4.1.3: a server that could have spoken TLS 1.3 says it chose 1.2.
    if params.tls13 {
        server_random[24..].copy_from_slice(&DOWNGRADE_TLS12);
    }
    if let Some(session) = find_session(&params, ch, &neg, now.as_secs())? {
        return emit_abbreviated(params, ch, raw, neg, session, server_random, out);
    }
    // A client that takes tickets gets one (and no session ID: the ticket is the
    // session, RFC 5077 §3.4); another gets a session ID if we keep a cache.
    let send_ticket = neg.ticket.is_some() && params.ticketer.is_some();
    let mut session_id = Vec::new();
    if !send_ticket && params.tls12_session_cache.is_some() {
        session_id = vec![0u8; 32];
        rng.fill(&mut session_id)?;
    }
    let mut transcript = Transcript::new();
    transcript.start_hash(neg.suite.hash);
    let mut log: MessageLog = params.client_verifier.as_ref().map(|_| Vec::new());
    handshake::record(raw, &mut transcript, &mut log);

    let mut extensions = common_extensions(&neg, neg.extended_master_secret);
    if send_ticket {
        extensions.push(session_ticket(Vec::new()));
    }
    let hello = ServerHello {
        legacy_version: ProtocolVersion::TLSV1_2,
        random: server_random,
        session_id: session_id.clone(),
        cipher_suite: neg.suite.suite,
        compression_method: 0,
        extensions,
    };
    handshake::send(
        &Tls12Message::ServerHello(hello),
        &mut transcript,
        &mut log,
        out,
    )?;
    let chain = neg.certificate.chain.iter().map(|c| c.to_vec()).collect();
    handshake::send(
        &Tls12Message::Certificate(Tls12Certificate { chain }),
        &mut transcript,
        &mut log,
        out,
    )?;
    let kx = neg.group.start(rng)?;
    let ecdh = ServerEcdhParams {
        named_curve: neg.group.name(),
        public: kx.pub_key().to_vec(),
    };
    let content = server_key_exchange_content(&ch.random, &server_random, &ecdh)?;
    if !usable_in_tls12(neg.scheme) {
        return Err(Error::Misuse(
            "ServerKeyExchange signature scheme not usable in TLS 1.2",
        ));
    }
    let key = Arc::clone(&neg.certificate.key);
    let scheme = neg.scheme;
    let hs = ServerHs12 {
        params,
        neg,
        client_random: ch.random,
        server_random,
        transcript,
        log,
        kx: Some(kx),
        request_schemes: Vec::new(),
        client_certificates: Vec::new(),
        client_path: VerifiedPath::unverified(),
        client_scheme: None,
        session_id,
        send_ticket,
        resumed: None,
    };
    common::sign_then(
        &key,
        scheme,
        content,
        out,
        move |signature, out| {
            let signed = DigitallySigned { scheme, signature };
            finish_server_flight(hs, ecdh, signed, out)
        },
        ServerState::AwaitSignature,
    )
}

/// The server's flight from its ServerKeyExchange (signed) on: CertificateRequest
/// when client authentication is on, ServerHelloDone.
fn finish_server_flight(
    mut hs: ServerHs12,
    ecdh: ServerEcdhParams,
    signature: DigitallySigned,
    out: &mut Vec<Action>,
) -> Result<ServerState, Error> {
    handshake::send(
        &Tls12Message::ServerKeyExchange(ServerKeyExchange {
            params: ecdh,
            signature,
        }),
        &mut hs.transcript,
        &mut hs.log,
        out,
    )?;
    let params = hs.params.clone();
    if let Some(verifier) = &params.client_verifier {
        let mut request_schemes = verifier.supported_verify_schemes();
        // TLS 1.2 clients may sign with PKCS#1 v1.5 (RFC 5246 §7.4.8).
        for s in [
            SignatureScheme::RSA_PKCS1_SHA256,
            SignatureScheme::RSA_PKCS1_SHA384,
            SignatureScheme::RSA_PKCS1_SHA512,
        ] {
            if !request_schemes.contains(&s) {
                request_schemes.push(s);
            }
        }
        request_schemes.retain(|s| usable_in_tls12(*s));
        let request = Tls12CertificateRequest {
            certificate_types: vec![
                ClientCertificateType::ECDSA_SIGN,
                ClientCertificateType::RSA_SIGN,
            ],
            signature_schemes: request_schemes.clone(),
            certificate_authorities: verifier.root_hint_subjects(),
        };
        handshake::send(
            &Tls12Message::CertificateRequest(request),
            &mut hs.transcript,
            &mut hs.log,
            out,
        )?;
        hs.request_schemes = request_schemes;
    }
    handshake::send(
        &Tls12Message::ServerHelloDone,
        &mut hs.transcript,
        &mut hs.log,
        out,
    )?;
    Ok(if params.client_verifier.is_some() {
        ServerState::Tls12Certificate(ExpectCertificate { hs })
    } else {
        ServerState::Tls12ClientKeyExchange(ExpectClientKeyExchange { hs })
    })
}

/// `session_ticket` (RFC 5077 §3.2) with `ticket` (empty: an acknowledgement).
fn session_ticket(ticket: Vec<u8>) -> Extension {
    Extension::Unknown {
        typ: ExtensionType::SESSION_TICKET,
        data: ticket,
    }
}

/// The ServerHello extensions both handshakes send.
fn common_extensions(neg: &Tls12Negotiation, extended_master_secret: bool) -> Vec<Extension> {
    let mut extensions = Vec::with_capacity(6);
    if neg.server_name.is_some() {
        extensions.push(Extension::ServerNameAck);
    }
    if neg.secure_renegotiation {
        extensions.push(Extension::RenegotiationInfo(Vec::new()));
    }
    if extended_master_secret {
        extensions.push(Extension::ExtendedMasterSecret);
    }
    if neg.point_formats {
        extensions.push(handshake::ec_point_formats());
    }
    if let Some(p) = &neg.alpn_protocol {
        extensions.push(Extension::Alpn(vec![p.clone()]));
    }
    extensions
}

/// The session `ch` asks to resume, if we can: its ticket (opened by our ticketer)
/// or else its session ID (in our cache); a TLS 1.2 session, live, for the same
/// server name, with a suite the client offers and we allow, whose client
/// authentication still satisfies our verifier. Anything else is a full handshake,
/// except the one refusal RFC 7627 §5.3 requires: a session made with the extended
/// master secret offered by a ClientHello without it.
fn find_session(
    params: &ServerParams,
    ch: &ClientHello,
    neg: &Tls12Negotiation,
    now: u64,
) -> Result<Option<SessionState>, Error> {
    let from_ticket = match (&neg.ticket, &params.ticketer) {
        (Some(ticket), Some(ticketer)) if !ticket.is_empty() => ticketer.redeem(ticket, now),
        _ => None,
    };
    let from_cache = || match &params.tls12_session_cache {
        Some(cache) if !ch.session_id.is_empty() => cache.get(&ch.session_id, now),
        _ => None,
    };
    let Some(bytes) = from_ticket.or_else(from_cache) else {
        return Ok(None);
    };
    let Some(state) = SessionState::decode(&bytes) else {
        return Ok(None);
    };
    let Some(tls12) = &state.tls12 else {
        return Ok(None);
    };
    let suite_ok = params.tls12_suites.iter().any(|s| s.suite == state.suite)
        && ch.cipher_suites.contains(&state.suite);
    let auth_ok = match &params.client_verifier {
        Some(v) if v.client_auth_mandatory() => !state.peer_certificates.is_empty(),
        _ => true,
    };
    if !suite_ok || !auth_ok || !state.is_live(now) || state.server_name != neg.server_name {
        return Ok(None);
    }
    match (tls12.extended_master_secret, neg.extended_master_secret) {
        (true, false) => Err(PeerIncompatible::NoExtendedMasterSecret.into()),
        (false, true) => Ok(None),
        _ => Ok(Some(state)),
    }
}

/// The abbreviated handshake (RFC 5246 §7.3, Figure 2): ServerHello echoing the
/// client's session ID, ChangeCipherSpec and our Finished, keys from the session's
/// master secret and this handshake's randoms.
fn emit_abbreviated(
    params: Arc<ServerParams>,
    ch: &ClientHello,
    raw: &[u8],
    neg: Tls12Negotiation,
    session: SessionState,
    server_random: [u8; 32],
    out: &mut Vec<Action>,
) -> Result<ServerState, Error> {
    let suite = params
        .tls12_suites
        .iter()
        .copied()
        .find(|s| s.suite == session.suite)
        .ok_or(Error::Misuse(
            "resumed a session of a suite we do not allow",
        ))?;
    let master_bytes: &[u8; MASTER_SECRET_LEN] = session
        .secret
        .as_slice()
        .try_into()
        .map_err(|_| Error::Misuse("a TLS 1.2 session without a 48-byte master secret"))?;
    let master = MasterSecret::from_bytes(suite, master_bytes);
    let ems = session
        .tls12
        .as_ref()
        .is_some_and(|t| t.extended_master_secret);
    let mut transcript = Transcript::new();
    transcript.start_hash(suite.hash);
    transcript.add(raw);
    let hello = ServerHello {
        legacy_version: ProtocolVersion::TLSV1_2,
        random: server_random,
        session_id: ch.session_id.clone(),
        cipher_suite: suite.suite,
        compression_method: 0,
        extensions: common_extensions(&neg, ems),
    };
    handshake::send(
        &Tls12Message::ServerHello(hello),
        &mut transcript,
        &mut None,
        out,
    )?;
    let block = master.key_block(&ch.random, &server_random);
    handshake::log_master_secret(params.key_log, &ch.random, &master, out);
    out.push(Action::SendChangeCipherSpec);
    out.push(Action::SetWriteKey(block.traffic_key(Side::Server, None)));
    handshake::send_finished(&master, Side::Server, &mut transcript, out)?;
    let neg = Tls12Negotiation {
        suite,
        extended_master_secret: ems,
        scheme: session.server_scheme,
        ..neg
    };
    let hs = ServerHs12 {
        params,
        neg,
        client_random: ch.random,
        server_random,
        transcript,
        log: None,
        kx: None,
        request_schemes: Vec::new(),
        client_certificates: session.peer_certificates.clone(),
        client_path: session.peer_path(),
        client_scheme: session.client_scheme,
        session_id: Vec::new(),
        send_ticket: false,
        resumed: Some(session),
    };
    Ok(ServerState::Tls12ChangeCipherSpec(ExpectChangeCipherSpec {
        hs,
        keys: Keys { master, block },
    }))
}

fn unexpected<T>(msg: &Tls12Message) -> Result<T, Error> {
    Err(PeerMisbehaved::UnexpectedMessage(msg.typ()).into())
}

/// Waiting for the client's Certificate (we sent a CertificateRequest).
pub(crate) struct ExpectCertificate {
    hs: ServerHs12,
}

impl ExpectCertificate {
    pub(crate) fn handle(
        mut self,
        msg: Tls12Message,
        raw: &[u8],
        now: UnixTime,
    ) -> Result<ServerState, Error> {
        let Tls12Message::Certificate(cert) = &msg else {
            return unexpected(&msg);
        };
        let Some(verifier) = self.hs.params.client_verifier.clone() else {
            return Err(Error::Misuse(
                "client Certificate without a client verifier",
            ));
        };
        if cert.chain.is_empty() {
            if verifier.client_auth_mandatory() {
                return Err(PeerMisbehaved::NoClientCertificateTls12.into());
            }
            // No CertificateVerify will come: the log is not needed.
            self.hs.log = None;
        } else {
            let chain: Vec<CertificateDer<'static>> = cert
                .chain
                .iter()
                .map(|c| CertificateDer::from(c.clone()))
                .collect();
            self.hs.client_path = verifier.verify_client_cert(&chain[0], &chain[1..], now)?;
            self.hs.client_certificates = chain;
        }
        handshake::record(raw, &mut self.hs.transcript, &mut self.hs.log);
        Ok(ServerState::Tls12ClientKeyExchange(
            ExpectClientKeyExchange { hs: self.hs },
        ))
    }
}

/// Waiting for the client's ClientKeyExchange.
pub(crate) struct ExpectClientKeyExchange {
    hs: ServerHs12,
}

impl ExpectClientKeyExchange {
    pub(crate) fn handle(mut self, msg: Tls12Message, raw: &[u8]) -> Result<ServerState, Error> {
        let Tls12Message::ClientKeyExchange(cke) = &msg else {
            return unexpected(&msg);
        };
        let kx = self
            .hs
            .kx
            .take()
            .ok_or(Error::Misuse("ClientKeyExchange twice"))?;
        let pre_master = kx.complete(&cke.public).map_err(|e| match e {
            CryptoError::InvalidKeyShare(_) => Error::from(PeerMisbehaved::InvalidKeyShare),
            other => Error::from(other),
        })?;
        handshake::record(raw, &mut self.hs.transcript, &mut self.hs.log);
        let suite = self.hs.neg.suite;
        let master = if self.hs.neg.extended_master_secret {
            let session_hash = self
                .hs
                .transcript
                .current_hash()
                .ok_or(Error::Misuse("TLS 1.2 transcript without a hash"))?;
            MasterSecret::extended(suite, pre_master.as_bytes(), &session_hash)?
        } else {
            MasterSecret::legacy(
                suite,
                pre_master.as_bytes(),
                &self.hs.client_random,
                &self.hs.server_random,
            )
        };
        let keys = Keys {
            block: master.key_block(&self.hs.client_random, &self.hs.server_random),
            master,
        };
        if self.hs.client_certificates.is_empty() {
            self.hs.log = None;
            Ok(ServerState::Tls12ChangeCipherSpec(ExpectChangeCipherSpec {
                hs: self.hs,
                keys,
            }))
        } else {
            Ok(ServerState::Tls12CertificateVerify(
                ExpectCertificateVerify { hs: self.hs, keys },
            ))
        }
    }
}

/// How long a TLS 1.2 session in the session-ID cache stays resumable when there is
/// no ticketer to take the lifetime from.
const SESSION_CACHE_LIFETIME: u32 = 2 * 3600;

/// After a full handshake: the session, sealed into a ticket (a NewSessionTicket
/// goes out now, before our ChangeCipherSpec, RFC 5077 §3.3) or kept in the cache
/// under the session ID our ServerHello gave.
fn keep_session(
    hs: &ServerHs12,
    master: &MasterSecret,
    now: u64,
) -> Result<Option<Tls12Message>, Error> {
    let params = &hs.params;
    let lifetime = params
        .ticketer
        .as_ref()
        .map_or(SESSION_CACHE_LIFETIME, |t| t.lifetime());
    let mut session = SessionState::after_full_handshake(
        hs.neg.suite.suite,
        now,
        hs.neg.group.name(),
        hs.neg.scheme,
        hs.client_scheme,
        hs.client_certificates.clone(),
        hs.client_path.clone(),
    );
    session.secret = master.key_log_secret();
    session.issued_at = now;
    session.lifetime = lifetime;
    session.alpn = hs.neg.alpn_protocol.clone();
    session.server_name = hs.neg.server_name.clone();
    session.tls12 = Some(Tls12Resumption {
        session_id: hs.session_id.clone(),
        extended_master_secret: hs.neg.extended_master_secret,
    });
    if hs.send_ticket {
        let encoded = session.encode()?;
        // RFC 5077 §3.3: having acknowledged session_ticket, a server with no ticket
        // to give sends an empty one.
        let ticket = params
            .ticketer
            .as_ref()
            .and_then(|t| t.issue(&encoded, now))
            .unwrap_or_default();
        return Ok(Some(Tls12Message::NewSessionTicket(
            Tls12NewSessionTicket {
                lifetime_hint: if ticket.is_empty() { 0 } else { lifetime },
                ticket,
            },
        )));
    }
    if let (Some(cache), false) = (&params.tls12_session_cache, hs.session_id.is_empty()) {
        let encoded = session.encode()?;
        cache.put(&hs.session_id, encoded, now + u64::from(lifetime));
    }
    Ok(None)
}

/// The master secret and the key block derived from it.
struct Keys {
    master: MasterSecret,
    block: KeyBlock,
}

/// Waiting for the client's CertificateVerify (it sent a certificate).
pub(crate) struct ExpectCertificateVerify {
    hs: ServerHs12,
    keys: Keys,
}

impl ExpectCertificateVerify {
    pub(crate) fn handle(mut self, msg: Tls12Message, raw: &[u8]) -> Result<ServerState, Error> {
        let Tls12Message::CertificateVerify(cv) = &msg else {
            return unexpected(&msg);
        };
        let log = self
            .hs
            .log
            .take()
            .ok_or(Error::Misuse("CertificateVerify without the message log"))?;
        verify_tls12_signature(
            &self.hs.params.provider.tls12_verifiers(),
            &self.hs.client_certificates[0],
            cv,
            &log,
            &self.hs.request_schemes,
        )?;
        self.hs.client_scheme = Some(cv.scheme);
        self.hs.transcript.add(raw);
        Ok(ServerState::Tls12ChangeCipherSpec(ExpectChangeCipherSpec {
            hs: self.hs,
            keys: self.keys,
        }))
    }
}

/// Waiting for the client's ChangeCipherSpec: no handshake message may come now.
pub(crate) struct ExpectChangeCipherSpec {
    hs: ServerHs12,
    keys: Keys,
}

impl ExpectChangeCipherSpec {
    /// The client's ChangeCipherSpec: its records are protected from now on.
    pub(crate) fn handle(self, out: &mut Vec<Action>) -> ServerState {
        out.push(Action::SetReadKey(
            self.keys.block.traffic_key(Side::Client, None),
        ));
        ServerState::Tls12Finished(ExpectFinished {
            hs: self.hs,
            keys: self.keys,
        })
    }
}

/// Waiting for the client's Finished, under its new key.
pub(crate) struct ExpectFinished {
    hs: ServerHs12,
    keys: Keys,
}

impl ExpectFinished {
    pub(crate) fn handle(
        self,
        msg: Tls12Message,
        raw: &[u8],
        now: UnixTime,
        out: &mut Vec<Action>,
    ) -> Result<ServerState, Error> {
        let mut hs = self.hs;
        let keys = self.keys;
        handshake::check_finished(&keys.master, Side::Client, &msg, raw, &mut hs.transcript)?;
        // An abbreviated handshake sent our Finished first: the client's completes it.
        let group = match &hs.resumed {
            Some(session) => session.group,
            None => {
                handshake::log_master_secret(
                    hs.params.key_log,
                    &hs.client_random,
                    &keys.master,
                    out,
                );
                // The NewSessionTicket, if any, is in the transcript our Finished
                // covers.
                if let Some(ticket) = keep_session(&hs, &keys.master, now.as_secs())? {
                    handshake::send(&ticket, &mut hs.transcript, &mut None, out)?;
                }
                out.push(Action::SendChangeCipherSpec);
                out.push(Action::SetWriteKey(
                    keys.block.traffic_key(Side::Server, None),
                ));
                handshake::send_finished(&keys.master, Side::Server, &mut hs.transcript, out)?;
                hs.neg.group.name()
            }
        };
        let outcome = Tls12Outcome {
            suite: hs.neg.suite,
            group,
            resumed: hs.resumed.is_some(),
            server_scheme: hs.neg.scheme,
            client_scheme: hs.client_scheme,
            alpn_protocol: hs.neg.alpn_protocol,
            peer_certificates: hs.client_certificates,
            server_name: hs.neg.server_name,
            ocsp_response: None,
            peer_verified_path: hs.client_path,
        };
        out.push(Action::HandshakeComplete(outcome.into_summary()));
        Ok(ServerState::Tls12Traffic(Tls12Traffic::new()))
    }
}

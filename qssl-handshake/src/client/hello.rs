//! Client: the ClientHello, then the server's answer (a ServerHello or a
//! HelloRetryRequest), negotiated (negotiate.rs, pure) and taken over by the
//! negotiated version's emitter.

use std::sync::Arc;

use qssl_crypto::ids::{NamedGroup, SignatureScheme};
use qssl_crypto::kx::{ActiveKeyExchange, SupportedKxGroup};
use qssl_crypto::suites::{SupportedCipherSuite, Tls13CipherSuite};
use qssl_wire::TlsVersion;

use super::ClientState;
use super::negotiate::{self, Offered, OfferedPsk, OfferedTls12, ServerHelloChoice};
use super::{tls12, tls13};
use crate::action::Action;
use crate::common;
use crate::config::ClientParams;
use crate::error::{Error, PeerMisbehaved};
use crate::key_schedule::EarlySecret;
use crate::resumption::SessionState;
use crate::transcript::Transcript;
use crate::verify::{ServerName, UnixTime};
use crate::{
    CertificateStatusRequest, ClientHello, Extension, ExtensionType, HandshakeMessage,
    HandshakeType, KeyShareEntry, PreSharedKeyOffer, ProtocolVersion, PskIdentity,
    PskKeyExchangeMode,
};

/// The key share(s) in flight: one key, possibly sent twice (a hybrid and its
/// X25519 component, draft-ietf-tls-ecdhe-mlkem §4.1 reuse).
pub(crate) struct OfferedShare {
    pub(crate) kx: Box<dyn ActiveKeyExchange>,
    pub(crate) component: Option<NamedGroup>,
}

/// Everything fixed by the first ClientHello.
pub(crate) struct ClientStart {
    pub(crate) params: Arc<ClientParams>,
    pub(crate) server_name: ServerName<'static>,
    /// The name the session store knows this server by.
    pub(crate) store_key: String,
    pub(crate) sni: Option<String>,
    pub(crate) random: [u8; 32],
    pub(crate) session_id: Vec<u8>,
    pub(crate) groups: Vec<&'static dyn SupportedKxGroup>,
    pub(crate) verify_schemes: Vec<SignatureScheme>,
}

/// Waiting for ServerHello (or HelloRetryRequest).
pub(crate) struct ExpectServerHello {
    pub(crate) start: ClientStart,
    pub(crate) hello: ClientHello,
    pub(crate) share: OfferedShare,
    pub(crate) transcript: Transcript,
    /// After a HelloRetryRequest: the suite it chose (the ServerHello must agree).
    pub(crate) retry_suite: Option<&'static Tls13CipherSuite>,
    /// The middlebox change_cipher_spec went out with our second ClientHello.
    pub(crate) sent_ccs: bool,
    /// The session whose ticket the ClientHello offers, if any.
    pub(crate) resuming: Option<Resuming>,
    /// The TLS 1.2 session the ClientHello offers (session ID or ticket), if any.
    pub(crate) resuming12: Option<SessionState>,
    /// The ClientHello offers 0-RTT and early data may be going out under the early
    /// traffic key.
    pub(crate) early_data: bool,
    /// The first ClientHello offered 0-RTT and a HelloRetryRequest ended it.
    pub(crate) early_data_retried: bool,
}

/// A session being offered for resumption (pre_shared_key, RFC 8446 §4.2.11).
pub(crate) struct Resuming {
    pub(crate) state: SessionState,
    /// The suite whose hash computes the binder: the session's own, or one we offer
    /// with the same hash.
    pub(crate) suite: &'static Tls13CipherSuite,
}

impl Resuming {
    /// What the negotiation checks the server's choice against.
    pub(crate) fn offered(&self, params: &ClientParams) -> OfferedPsk {
        OfferedPsk {
            hash: self.suite.hash.algorithm(),
            psk_ke: params.psk_ke,
        }
    }

    /// The pre_shared_key extension offering this session's ticket at `now`, with a
    /// placeholder binder of the right length ([`bind_psk`] fills it in).
    pub(crate) fn extension(&self, now: u64) -> Extension {
        Extension::PreSharedKeyOffer(PreSharedKeyOffer {
            identities: vec![PskIdentity {
                identity: self.state.ticket.clone(),
                obfuscated_ticket_age: self.state.obfuscated_age(now),
            }],
            binders: vec![vec![0; self.suite.hash.output_len()]],
        })
    }
}

/// How many tickets a ClientHello may take from the store before it finds one it can
/// offer (each one tried is used up: tickets are single-use).
const MAX_TICKETS_TRIED: usize = 4;

/// A session to offer, of either version.
pub(crate) enum Resumable {
    /// A TLS 1.3 ticket, offered in pre_shared_key.
    Tls13(Resuming),
    /// A TLS 1.2 session, offered by session ID or in session_ticket.
    Tls12(SessionState),
}

/// The newest session for `key` that we can offer at `now`: live; a TLS 1.3 ticket
/// with a suite of its hash among ours, or (with TLS 1.2 offered) a TLS 1.2 session
/// of one of our TLS 1.2 suites.
fn take_resumable(params: &ClientParams, key: &str, now: u64) -> Option<Resumable> {
    let store = params.session_store.as_ref()?;
    for _ in 0..MAX_TICKETS_TRIED {
        let ticket = store.take_ticket(key, now)?;
        let Some(state) = SessionState::decode(&ticket.value) else {
            continue;
        };
        if !state.is_live(now) {
            continue;
        }
        if state.tls12.is_some() {
            if offers_tls12(params) && params.tls12_suites.iter().any(|s| s.suite == state.suite) {
                return Some(Resumable::Tls12(state));
            }
            continue;
        }
        if state.ticket.is_empty() || !params.tls13 {
            continue;
        }
        let same = params
            .suites
            .iter()
            .copied()
            .find(|s| s.suite == state.suite);
        let hash = params
            .provider
            .tls13_suite(state.suite)
            .map(|s| s.hash.algorithm());
        let suite = same.or_else(|| {
            params
                .suites
                .iter()
                .copied()
                .find(|s| Some(s.hash.algorithm()) == hash)
        });
        if let Some(suite) = suite {
            return Some(Resumable::Tls13(Resuming { state, suite }));
        }
    }
    None
}

/// Encodes `hello`, whose last extension offers `resuming`'s PSK with a placeholder
/// binder, and fills in the real binder (RFC 8446 §4.2.11.2): the MAC over the
/// transcript so far and the ClientHello cut before its binders. The placeholder has
/// the binder's length, so no length in the message changes. The exact bytes.
pub(crate) fn bind_psk(
    hello: &mut ClientHello,
    resuming: &Resuming,
    transcript: &Transcript,
) -> Result<Vec<u8>, Error> {
    let mut bytes = HandshakeMessage::ClientHello(hello.clone()).to_bytes()?;
    let cut = hello
        .binders_encoded_len()
        .ok_or(Error::Misuse("no pre_shared_key to bind"))?;
    let partial = bytes
        .len()
        .checked_sub(cut)
        .ok_or(Error::Misuse("binders longer than the ClientHello"))?;
    let hash = transcript.hash_with(resuming.suite.hash, &bytes[..partial]);
    let early = EarlySecret::new(resuming.suite, Some(&resuming.state.secret));
    let binder = early.resumption_binder(&hash)?;
    let binder = binder.as_bytes();
    let at = bytes.len() - binder.len();
    bytes[at..].copy_from_slice(binder);
    if let Some(Extension::PreSharedKeyOffer(offer)) = hello.extensions.last_mut() {
        offer.binders = vec![binder.to_vec()];
    }
    Ok(bytes)
}

fn start_share(
    params: &ClientParams,
    group: &'static dyn SupportedKxGroup,
    groups: &[&'static dyn SupportedKxGroup],
) -> Result<(OfferedShare, Vec<KeyShareEntry>), Error> {
    let kx = group.start(params.provider.secure_random)?;
    let mut entries = vec![KeyShareEntry {
        group: kx.group(),
        key_exchange: kx.pub_key().to_vec(),
    }];
    let mut component = None;
    if kx.group() == NamedGroup::X25519MLKEM768
        && groups.iter().any(|g| g.name() == NamedGroup::X25519)
        && let Some((g, public)) = kx.hybrid_component()
    {
        entries.push(KeyShareEntry {
            group: g,
            key_exchange: public.to_vec(),
        });
        component = Some(g);
    }
    Ok((OfferedShare { kx, component }, entries))
}

/// The first ClientHello's extensions, in the order we always send them:
/// pre_shared_key, if a session is offered, last (RFC 8446 §4.2.11).
#[allow(clippy::too_many_arguments)]
fn hello_extensions(
    params: &ClientParams,
    sni: Option<&str>,
    groups: &[&'static dyn SupportedKxGroup],
    verify_schemes: &[SignatureScheme],
    shares: Vec<KeyShareEntry>,
    resuming: Option<(&Resuming, u64)>,
    early_data: bool,
    tls12_ticket: Option<&[u8]>,
) -> Vec<Extension> {
    let mut extensions = Vec::with_capacity(10);
    if let Some(name) = sni {
        extensions.push(Extension::ServerName(vec![name.as_bytes().to_vec()]));
    }
    // A TLS 1.2-only hello is a plain RFC 5246 one: no supported_versions, no
    // key_share, nothing to resume with, no 0-RTT.
    let tls13 = params.tls13;
    if tls13 {
        let mut versions = vec![ProtocolVersion::TLSV1_3];
        if offers_tls12(params) {
            versions.push(ProtocolVersion::TLSV1_2);
        }
        extensions.push(Extension::SupportedVersionsOffer(versions));
    }
    extensions.push(Extension::SupportedGroups(
        groups.iter().map(|g| g.name()).collect(),
    ));
    extensions.push(Extension::SignatureAlgorithms(verify_schemes.to_vec()));
    if tls13 {
        extensions.push(Extension::KeyShareOffer(shares));
    }
    if !params.alpn_protocols.is_empty() {
        extensions.push(Extension::Alpn(params.alpn_protocols.clone()));
    }
    if params.request_ocsp {
        extensions.push(Extension::StatusRequest(CertificateStatusRequest::Ocsp {
            responder_id_list: Vec::new(),
            request_extensions: Vec::new(),
        }));
    }
    if let Some(limit) = params.record_size_limit {
        extensions.push(Extension::RecordSizeLimit(limit));
    }
    // Without it a server may not send NewSessionTicket (RFC 8446 §4.2.9).
    if tls13 {
        let mut modes = vec![PskKeyExchangeMode::PSK_DHE_KE];
        if params.psk_ke {
            modes.push(PskKeyExchangeMode::PSK_KE);
        }
        extensions.push(Extension::PskKeyExchangeModes(modes));
    }
    if offers_tls12(params) {
        // RFC 7627, RFC 8422 §5.1.2 and RFC 5746 §3.4 (an empty renegotiation_info
        // rather than the SCSV): what a TLS 1.2 server needs from us.
        extensions.push(Extension::ExtendedMasterSecret);
        extensions.push(crate::tls12::handshake::ec_point_formats());
        extensions.push(Extension::RenegotiationInfo(Vec::new()));
        // RFC 5077 §3.2: the ticket of the session offered, or empty to ask for one.
        if let Some(ticket) = tls12_ticket {
            extensions.push(Extension::Unknown {
                typ: ExtensionType::SESSION_TICKET,
                data: ticket.to_vec(),
            });
        }
    }
    if early_data {
        extensions.push(Extension::EarlyData);
    }
    if let Some((r, now)) = resuming {
        extensions.push(r.extension(now));
    }
    extensions
}

/// Whether the ClientHello offers TLS 1.2 besides TLS 1.3: enabled, with suites, and
/// not `pq_only` (no TLS 1.2 key exchange is post-quantum).
pub(crate) fn offers_tls12(params: &ClientParams) -> bool {
    params.tls12 && !params.pq_only && !params.tls12_suites.is_empty()
}

/// The schemes our signature_algorithms lists: the verifier's, and with TLS 1.2
/// offered the PKCS#1 v1.5 ones a TLS 1.2 ServerKeyExchange may use (RFC 8446
/// §4.2.3 lets a TLS 1.3 client list them "for backwards compatibility"; a TLS 1.3
/// CertificateVerify with one is still refused).
fn verify_schemes(params: &ClientParams) -> Vec<SignatureScheme> {
    let mut schemes = params.verifier.supported_verify_schemes();
    if offers_tls12(params) {
        for s in [
            SignatureScheme::RSA_PKCS1_SHA256,
            SignatureScheme::RSA_PKCS1_SHA384,
            SignatureScheme::RSA_PKCS1_SHA512,
        ] {
            if !schemes.contains(&s) {
                schemes.push(s);
            }
        }
    }
    schemes
}

/// Builds and sends the first ClientHello.
pub(crate) fn start(
    params: Arc<ClientParams>,
    server_name: ServerName<'static>,
    now: UnixTime,
    out: &mut Vec<Action>,
) -> Result<ExpectServerHello, Error> {
    if !params.tls13 && !offers_tls12(&params) {
        return Err(Error::Misuse("neither TLS 1.3 nor TLS 1.2 is enabled"));
    }
    let groups: Vec<_> = params
        .groups
        .iter()
        .copied()
        .filter(|g| !params.pq_only || g.name().is_post_quantum())
        .filter(|g| params.tls13 || crate::tls12::handshake::is_tls12_group(g.name()))
        .collect();
    let Some(&first) = groups.first() else {
        return Err(Error::Misuse("no key exchange group to offer"));
    };
    if params.tls13 && params.suites.is_empty() {
        return Err(Error::Misuse("no cipher suite to offer"));
    }
    let rng = params.provider.secure_random;
    let mut random = [0u8; 32];
    rng.fill(&mut random)?;
    let store_key = params.session_key(&server_name);
    let now = now.as_secs();
    let (resuming, resuming12) = match take_resumable(&params, &store_key, now) {
        Some(Resumable::Tls13(r)) => (Some(r), None),
        Some(Resumable::Tls12(s)) => (None, Some(s)),
        None => (None, None),
    };
    let resumed_id = resuming12
        .as_ref()
        .and_then(|s| s.tls12.as_ref())
        .map(|t| t.session_id.clone())
        .filter(|id| !id.is_empty());
    let offers_ticket12 = resuming12.as_ref().is_some_and(|s| !s.ticket.is_empty());
    let mut session_id = Vec::new();
    if let Some(id) = resumed_id {
        // RFC 8446 §4.1.2: a cached TLS 1.2 session ID goes in legacy_session_id.
        session_id = id;
    } else if (params.middlebox_compat && params.tls13) || offers_ticket12 {
        // RFC 8446 Appendix D.4; with a TLS 1.2 ticket, the ID the server echoes
        // if it accepts the ticket (RFC 5077 §3.4). In a TLS 1.2-only hello the
        // field otherwise means resumption, so it stays empty.
        session_id = vec![0u8; 32];
        rng.fill(&mut session_id)?;
    }
    let sni = match &server_name {
        ServerName::DnsName(d) if params.enable_sni => Some(d.as_ref().to_owned()),
        _ => None,
    };
    let verify_schemes = verify_schemes(&params);
    // The group this server chose last time, if we still offer it: its share goes
    // first and the server has no reason for a HelloRetryRequest.
    let first = params
        .session_store
        .as_ref()
        .and_then(|s| s.kx_group(&store_key))
        .and_then(|g| groups.iter().copied().find(|x| x.name() == g))
        .unwrap_or(first);
    // 0-RTT only under the ticket's own suite (RFC 8446 §4.2.10).
    let early_data = params.early_data
        && resuming
            .as_ref()
            .is_some_and(|r| r.state.max_early_data > 0 && r.suite.suite == r.state.suite);
    let (share, entries) = start_share(&params, first, &groups)?;
    let extensions = hello_extensions(
        &params,
        sni.as_deref(),
        &groups,
        &verify_schemes,
        entries,
        resuming.as_ref().map(|r| (r, now)),
        early_data,
        params
            .session_store
            .as_ref()
            .map(|_| resuming12.as_ref().map_or(&[][..], |s| s.ticket.as_slice())),
    );
    let mut hello = ClientHello {
        legacy_version: ProtocolVersion::TLSV1_2,
        random,
        session_id: session_id.clone(),
        cipher_suites: params
            .suites
            .iter()
            .map(|s| s.suite)
            .filter(|_| params.tls13)
            .chain(
                params
                    .tls12_suites
                    .iter()
                    .map(|s| s.suite)
                    .filter(|_| offers_tls12(&params)),
            )
            .collect(),
        compression_methods: vec![0],
        extensions,
    };
    let mut transcript = Transcript::new();
    let bytes = match &resuming {
        Some(r) => bind_psk(&mut hello, r, &transcript)?,
        None => HandshakeMessage::ClientHello(hello.clone()).to_bytes()?,
    };
    transcript.add(&bytes);
    out.push(Action::SendHandshake {
        typ: HandshakeType::CLIENT_HELLO,
        bytes,
    });
    let mut sent_ccs = false;
    if let (true, Some(r)) = (early_data, &resuming) {
        let hello_hash = transcript.hash_with(r.suite.hash, &[]);
        let secret = EarlySecret::new(r.suite, Some(&r.state.secret))
            .client_early_traffic_secret(&hello_hash)?;
        common::key_log(
            params.key_log,
            "CLIENT_EARLY_TRAFFIC_SECRET",
            &random,
            &secret,
            out,
        );
        // Compatibility mode with early data: the change_cipher_spec right after
        // the first ClientHello (RFC 8446 Appendix D.4).
        if !session_id.is_empty() {
            out.push(Action::SendChangeCipherSpec);
            sent_ccs = true;
        }
        out.push(Action::StartEarlyData {
            key: common::traffic_key(r.suite, &secret, None)?,
            max: r.state.max_early_data,
        });
    }
    Ok(ExpectServerHello {
        start: ClientStart {
            params,
            server_name,
            store_key,
            sni,
            random,
            session_id,
            groups,
            verify_schemes,
        },
        hello,
        share,
        transcript,
        retry_suite: None,
        sent_ccs,
        resuming,
        resuming12,
        early_data,
        early_data_retried: false,
    })
}

/// Test-only entry point (see [`crate::testing::client_from_hello`]): the client
/// state as if it had just sent `hello_bytes`, holding `kx` for one of its shares.
/// Everything fixed by a sent ClientHello (random, session id, SNI, the schemes it
/// accepts for CertificateVerify, the transcript) is taken from the message itself.
pub(crate) fn start_from_hello(
    params: Arc<ClientParams>,
    server_name: ServerName<'static>,
    hello_bytes: &[u8],
    kx: Box<dyn ActiveKeyExchange>,
) -> Result<ExpectServerHello, Error> {
    let Ok(HandshakeMessage::ClientHello(hello)) = HandshakeMessage::parse(hello_bytes) else {
        return Err(Error::Misuse("not a whole ClientHello"));
    };
    let offered = match hello.extension(ExtensionType::KEY_SHARE) {
        Some(Extension::KeyShareOffer(entries)) => entries
            .iter()
            .any(|e| e.group == kx.group() && e.key_exchange == kx.pub_key()),
        _ => false,
    };
    if !offered {
        return Err(Error::Misuse("the key share is not in the ClientHello"));
    }
    // The same reading of server_name as a server's (one DNS name, lowercased).
    let sni = crate::sni::requested_server_name(&hello)?;
    let verify_schemes = match hello.extension(ExtensionType::SIGNATURE_ALGORITHMS) {
        Some(Extension::SignatureAlgorithms(s)) => s.clone(),
        _ => return Err(Error::Misuse("ClientHello without signature_algorithms")),
    };
    let mut transcript = Transcript::new();
    transcript.add(hello_bytes);
    Ok(ExpectServerHello {
        start: ClientStart {
            store_key: params.session_key(&server_name),
            groups: params.groups.clone(),
            params,
            server_name,
            sni,
            random: hello.random,
            session_id: hello.session_id.clone(),
            verify_schemes,
        },
        hello,
        share: OfferedShare {
            kx,
            component: None,
        },
        transcript,
        retry_suite: None,
        sent_ccs: false,
        resuming: None,
        resuming12: None,
        early_data: false,
        early_data_retried: false,
    })
}

impl ExpectServerHello {
    /// Negotiates the server's answer against what we offered, and hands the result
    /// to the version's emitter (or answers a HelloRetryRequest).
    pub(crate) fn handle(
        self,
        msg: HandshakeMessage,
        raw: &[u8],
        now: UnixTime,
        out: &mut Vec<Action>,
    ) -> Result<ClientState, Error> {
        let HandshakeMessage::ServerHello(sh) = msg else {
            return Err(PeerMisbehaved::UnexpectedMessage(msg.typ()).into());
        };
        let offered = Offered {
            suites: &self.start.params.suites,
            groups: &self.start.groups,
            share: self.share.kx.group(),
            component_share: self.share.component,
            session_id: &self.start.session_id,
            pq_only: self.start.params.pq_only,
            retry_suite: self.retry_suite.map(|s| s.suite),
            psk: self
                .resuming
                .as_ref()
                .map(|r| r.offered(&self.start.params)),
            tls13: self.start.params.tls13,
            tls12: offers_tls12(&self.start.params).then_some(OfferedTls12 {
                session: self.resuming12.as_ref(),
                ticket_sent: self.start.params.session_store.is_some(),
                suites: &self.start.params.tls12_suites,
                alpn: &self.start.params.alpn_protocols,
                sni: self.start.sni.is_some(),
                ocsp: self.start.params.request_ocsp,
                allow_legacy_master_secret: self.start.params.tls12_allow_legacy_master_secret,
            }),
        };
        match negotiate::negotiate(&sh, &offered)? {
            ServerHelloChoice::Tls12(_) if self.retry_suite.is_some() => {
                // RFC 8446 §4.1.4: the server that asked for a retry speaks TLS 1.3.
                Err(PeerMisbehaved::IllegalHelloRetryRequest.into())
            }
            ServerHelloChoice::Tls12(tls12) => {
                if self.early_data {
                    // 0-RTT went out under a TLS 1.3 key: none of it was taken, and
                    // our TLS 1.2 messages go in the clear.
                    out.push(Action::EndEarlyData { accepted: false });
                    out.push(Action::ClearWriteKey);
                }
                tls12::accept_server_hello(self, tls12, sh.random, raw, out)
            }
            ServerHelloChoice::Retry(retry) => {
                tls13::emit_retried_hello(self, retry, raw, now.as_secs(), out)
            }
            ServerHelloChoice::Accept(neg) => match (neg.version, neg.suite) {
                (TlsVersion::Tls13, SupportedCipherSuite::Tls13(suite)) => {
                    tls13::accept_server_hello(self, neg, suite, raw, out)
                }
                // TLS 1.2 plugs in here, with its own emitter; negotiate cannot pick it yet.
                _ => Err(Error::Misuse("negotiated a version without an emitter")),
            },
        }
    }
}

//! Client: the ClientHello, a possible HelloRetryRequest, and the ServerHello.

use std::sync::Arc;

use qssl_crypto::ids::{NamedGroup, SignatureScheme};
use qssl_crypto::kx::{ActiveKeyExchange, SupportedKxGroup};
use qssl_crypto::suites::Tls13CipherSuite;

use super::ClientState;
use super::tls13::{ClientHs, ExpectEncryptedExtensions};
use crate::action::Action;
use crate::common::{self, key_log, traffic_key};
use crate::config::ClientParams;
use crate::error::{Error, PeerIncompatible, PeerMisbehaved};
use crate::key_schedule::EarlySecret;
use crate::transcript::Transcript;
use crate::verify::ServerName;
use crate::{
    CertificateStatusRequest, ClientHello, Extension, ExtensionType, HandshakeMessage,
    HandshakeType, KeyShareEntry, ProtocolVersion, PskKeyExchangeMode, ServerHello,
};

/// RFC 8446 §4.1.3: the last 8 bytes of a TLS 1.3 server's random when it negotiates
/// TLS 1.2 (`01`) or TLS 1.1 and below (`00`).
const DOWNGRADE_TLS12: [u8; 8] = *b"DOWNGRD\x01";
const DOWNGRADE_TLS11: [u8; 8] = *b"DOWNGRD\x00";

/// The key share(s) in flight: one key, possibly sent twice (a hybrid and its
/// X25519 component, draft-ietf-tls-ecdhe-mlkem §4.1 reuse).
pub(crate) struct OfferedShare {
    kx: Box<dyn ActiveKeyExchange>,
    component: Option<NamedGroup>,
}

/// Everything fixed by the first ClientHello.
pub(crate) struct ClientStart {
    pub(crate) params: Arc<ClientParams>,
    pub(crate) server_name: ServerName<'static>,
    pub(crate) sni: Option<String>,
    pub(crate) random: [u8; 32],
    pub(crate) session_id: Vec<u8>,
    pub(crate) groups: Vec<&'static dyn SupportedKxGroup>,
    pub(crate) verify_schemes: Vec<SignatureScheme>,
}

/// Waiting for ServerHello (or HelloRetryRequest).
pub(crate) struct ExpectServerHello {
    start: ClientStart,
    hello: ClientHello,
    share: OfferedShare,
    transcript: Transcript,
    /// After a HelloRetryRequest: the suite it chose (the ServerHello must agree).
    retry_suite: Option<&'static Tls13CipherSuite>,
    sent_ccs: bool,
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

/// Builds and sends the first ClientHello.
pub(crate) fn start(
    params: Arc<ClientParams>,
    server_name: ServerName<'static>,
    out: &mut Vec<Action>,
) -> Result<ExpectServerHello, Error> {
    let groups: Vec<_> = params
        .groups
        .iter()
        .copied()
        .filter(|g| !params.pq_only || g.name().is_post_quantum())
        .collect();
    let Some(&first) = groups.first() else {
        return Err(Error::Misuse("no key exchange group to offer"));
    };
    if params.suites.is_empty() {
        return Err(Error::Misuse("no cipher suite to offer"));
    }
    let rng = params.provider.secure_random;
    let mut random = [0u8; 32];
    rng.fill(&mut random)?;
    let mut session_id = Vec::new();
    if params.middlebox_compat {
        session_id = vec![0u8; 32];
        rng.fill(&mut session_id)?;
    }
    let sni = match &server_name {
        ServerName::DnsName(d) if params.enable_sni => Some(d.as_ref().to_owned()),
        _ => None,
    };
    let verify_schemes = params.verifier.supported_verify_schemes();
    let (share, entries) = start_share(&params, first, &groups)?;

    let mut extensions = Vec::with_capacity(10);
    if let Some(name) = &sni {
        extensions.push(Extension::ServerName(vec![name.as_bytes().to_vec()]));
    }
    extensions.push(Extension::SupportedVersionsOffer(vec![
        ProtocolVersion::TLSV1_3,
    ]));
    extensions.push(Extension::SupportedGroups(
        groups.iter().map(|g| g.name()).collect(),
    ));
    extensions.push(Extension::SignatureAlgorithms(verify_schemes.clone()));
    extensions.push(Extension::KeyShareOffer(entries));
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
    extensions.push(Extension::PskKeyExchangeModes(vec![
        PskKeyExchangeMode::PSK_DHE_KE,
    ]));
    let hello = ClientHello {
        legacy_version: ProtocolVersion::TLSV1_2,
        random,
        session_id: session_id.clone(),
        cipher_suites: params.suites.iter().map(|s| s.suite).collect(),
        compression_methods: vec![0],
        extensions,
    };
    let mut transcript = Transcript::new();
    common::send(
        &HandshakeMessage::ClientHello(hello.clone()),
        &mut transcript,
        out,
    )?;
    Ok(ExpectServerHello {
        start: ClientStart {
            params,
            server_name,
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
        sent_ccs: false,
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
    let sni = match hello.extension(ExtensionType::SERVER_NAME) {
        Some(Extension::ServerName(names)) => names
            .first()
            .and_then(|n| core::str::from_utf8(n).ok())
            .map(str::to_owned),
        _ => None,
    };
    let verify_schemes = match hello.extension(ExtensionType::SIGNATURE_ALGORITHMS) {
        Some(Extension::SignatureAlgorithms(s)) => s.clone(),
        _ => return Err(Error::Misuse("ClientHello without signature_algorithms")),
    };
    let mut transcript = Transcript::new();
    transcript.add(hello_bytes);
    Ok(ExpectServerHello {
        start: ClientStart {
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
    })
}

impl ExpectServerHello {
    pub(crate) fn handle(
        mut self,
        msg: HandshakeMessage,
        raw: &[u8],
        out: &mut Vec<Action>,
    ) -> Result<ClientState, Error> {
        let HandshakeMessage::ServerHello(sh) = msg else {
            return Err(PeerMisbehaved::UnexpectedMessage(msg.typ()).into());
        };
        // Checked for TLS 1.2-and-below answers and, harmlessly, for all others.
        let tail = &sh.random[24..];
        if tail == DOWNGRADE_TLS12 || tail == DOWNGRADE_TLS11 {
            return Err(PeerMisbehaved::DowngradeDetected.into());
        }
        match sh.extension(ExtensionType::SUPPORTED_VERSIONS) {
            Some(Extension::SupportedVersionsSelected(v)) if *v == ProtocolVersion::TLSV1_3 => {}
            Some(_) => return Err(PeerMisbehaved::SelectedUnofferedParameter.into()),
            None => return Err(PeerIncompatible::NoTls13.into()),
        }
        // RFC 8446 §4.1.3: "legacy_version ... MUST be set to 0x0303" (the HRR too).
        if sh.legacy_version != ProtocolVersion::TLSV1_2 {
            return Err(PeerMisbehaved::BadLegacyVersion.into());
        }
        if sh.session_id != self.start.session_id {
            return Err(PeerMisbehaved::SessionIdMismatch.into());
        }
        if sh.compression_method != 0 {
            return Err(PeerMisbehaved::BadCompression.into());
        }
        let suite = self
            .start
            .params
            .suites
            .iter()
            .copied()
            .find(|s| s.suite == sh.cipher_suite)
            .ok_or(PeerMisbehaved::SelectedUnofferedParameter)?;
        if self.retry_suite.is_some_and(|s| s.suite != suite.suite) {
            return Err(PeerMisbehaved::SelectedUnofferedParameter.into());
        }
        if sh.is_hello_retry_request() {
            return self.handle_retry(sh, suite, raw, out);
        }
        for e in &sh.extensions {
            if !matches!(
                e.typ(),
                ExtensionType::SUPPORTED_VERSIONS | ExtensionType::KEY_SHARE
            ) {
                return Err(PeerMisbehaved::UnsolicitedExtension.into());
            }
        }
        let Some(Extension::KeyShareSelected(share)) = sh.extension(ExtensionType::KEY_SHARE)
        else {
            return Err(PeerMisbehaved::MissingKeyShare.into());
        };
        let group = share.group;
        let ours = self.share.kx.group();
        let shared = if group == ours {
            self.share.kx.complete(&share.key_exchange)
        } else if Some(group) == self.share.component {
            self.share.kx.complete_hybrid_component(&share.key_exchange)
        } else {
            return Err(PeerMisbehaved::SelectedUnofferedParameter.into());
        }
        .map_err(|_| PeerMisbehaved::InvalidKeyShare)?;
        if self.start.params.pq_only && !group.is_post_quantum() {
            return Err(PeerIncompatible::NoPostQuantumGroup.into());
        }

        self.transcript.start_hash(suite.hash);
        self.transcript.add(raw);
        let hello_hash = common::hash(&self.transcript)?;
        let hs = EarlySecret::new(suite, None).into_handshake(shared.as_bytes(), &hello_hash)?;
        drop(shared);
        let params = &self.start.params;
        let side = crate::key_schedule::Side::Server;
        key_log(
            params.key_log,
            "SERVER_HANDSHAKE_TRAFFIC_SECRET",
            &self.start.random,
            hs.traffic_secret(side),
            out,
        );
        key_log(
            params.key_log,
            "CLIENT_HANDSHAKE_TRAFFIC_SECRET",
            &self.start.random,
            hs.traffic_secret(side.peer()),
            out,
        );
        // Our record_size_limit binds the server only if it supports RFC 8449, which
        // its EncryptedExtensions (inside this very flight) will say: a server that
        // does not know the extension sends full-size records (OpenSSL, rustls). So
        // the handshake records are read without it; see `tls13.rs` for the rest.
        out.push(Action::SetReadKey(traffic_key(
            suite,
            hs.traffic_secret(side),
            None,
        )?));
        // Compatibility mode: the dummy change_cipher_spec goes right before the
        // encrypted flight (RFC 8446 Appendix D.4), so it is sent now, in the clear,
        // and the handshake write key follows it: any alert from here on is encrypted.
        if !self.start.session_id.is_empty() && !self.sent_ccs {
            out.push(Action::SendChangeCipherSpec);
        }
        // The server's record_size_limit is not known before EncryptedExtensions; our
        // handshake flight is small enough not to need it.
        out.push(Action::SetWriteKey(traffic_key(
            suite,
            hs.traffic_secret(side.peer()),
            None,
        )?));
        Ok(ClientState::EncryptedExtensions(
            ExpectEncryptedExtensions {
                hs: ClientHs {
                    start: self.start,
                    suite,
                    group,
                    transcript: self.transcript,
                    secrets: hs,
                    hello_retry_request: self.retry_suite.is_some(),
                    offered_alpn: !self
                        .hello
                        .extensions
                        .iter()
                        .all(|e| e.typ() != ExtensionType::APPLICATION_LAYER_PROTOCOL_NEGOTIATION),
                    alpn_protocol: None,
                    peer_record_size_limit: None,
                    cert_request: None,
                    peer_certificates: Vec::new(),
                    ocsp_response: None,
                    verified_path: crate::verify::VerifiedPath::unverified(),
                    server_scheme: None,
                },
            },
        ))
    }

    fn handle_retry(
        mut self,
        hrr: ServerHello,
        suite: &'static Tls13CipherSuite,
        raw: &[u8],
        out: &mut Vec<Action>,
    ) -> Result<ClientState, Error> {
        if self.retry_suite.is_some() {
            return Err(PeerMisbehaved::SecondHelloRetryRequest.into());
        }
        let mut group = None;
        let mut cookie = None;
        for e in &hrr.extensions {
            match e {
                Extension::SupportedVersionsSelected(_) => {}
                Extension::KeyShareRetry(g) => group = Some(*g),
                Extension::Cookie(c) => cookie = Some(c.clone()),
                _ => return Err(PeerMisbehaved::UnsolicitedExtension.into()),
            }
        }
        // RFC 8446 §4.1.4: an HRR that would not change the ClientHello, or names a
        // group not offered or already shared, is illegal_parameter.
        if group.is_none() && cookie.is_none() {
            return Err(PeerMisbehaved::IllegalHelloRetryRequest.into());
        }
        if let Some(g) = group {
            let offered = self.start.groups.iter().any(|o| o.name() == g);
            let shared = g == self.share.kx.group() || Some(g) == self.share.component;
            if !offered || shared {
                return Err(PeerMisbehaved::IllegalHelloRetryRequest.into());
            }
        }

        self.transcript.replace_with_message_hash(suite.hash);
        self.transcript.add(raw);
        let mut hello = self.hello;
        if let Some(g) = group {
            let kx_group = self
                .start
                .groups
                .iter()
                .copied()
                .find(|o| o.name() == g)
                .ok_or(PeerMisbehaved::IllegalHelloRetryRequest)?;
            let kx = kx_group.start(self.start.params.provider.secure_random)?;
            let entry = KeyShareEntry {
                group: g,
                key_exchange: kx.pub_key().to_vec(),
            };
            for e in &mut hello.extensions {
                if let Extension::KeyShareOffer(entries) = e {
                    *entries = vec![entry.clone()];
                }
            }
            self.share = OfferedShare {
                kx,
                component: None,
            };
        }
        hello
            .extensions
            .retain(|e| e.typ() != ExtensionType::COOKIE);
        let echoes_cookie = cookie.is_some();
        if let Some(c) = cookie {
            // Before pre_shared_key if ever present (it must stay last); we never send one.
            hello.extensions.push(Extension::Cookie(c));
        }
        // Encoded before anything is queued: a hello that cannot be built sends only
        // the alert. A cookie near 2^16 bytes passes the HRR's own length fields but
        // not our extension block: the HRR asked for something impossible.
        let bytes = HandshakeMessage::ClientHello(hello.clone())
            .to_bytes()
            .map_err(|e| {
                if echoes_cookie {
                    Error::from(PeerMisbehaved::HelloRetryCookieTooLarge)
                } else {
                    Error::from(e)
                }
            })?;
        if !self.start.session_id.is_empty() && !self.sent_ccs {
            out.push(Action::SendChangeCipherSpec);
            self.sent_ccs = true;
        }
        self.transcript.add(&bytes);
        out.push(Action::SendHandshake {
            typ: HandshakeType::CLIENT_HELLO,
            bytes,
        });
        Ok(ClientState::ServerHello(ExpectServerHello {
            start: self.start,
            hello,
            share: self.share,
            transcript: self.transcript,
            retry_suite: Some(suite),
            sent_ccs: self.sent_ccs,
        }))
    }
}

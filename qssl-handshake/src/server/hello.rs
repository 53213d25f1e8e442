//! Server: the ClientHello (and a second one after HelloRetryRequest), then the
//! server's whole first flight.

use std::sync::Arc;

use qssl_crypto::ids::NamedGroup;
use qssl_crypto::kx::SupportedKxGroup;
use qssl_crypto::suites::Tls13CipherSuite;

use super::ServerState;
use super::tls13::{ExpectCertificate, ExpectFinished, ServerHs};
use crate::action::Action;
use crate::common::{self, SERVER_CV_CONTEXT, key_log, signed_content, traffic_key};
use crate::config::ServerParams;
use crate::error::{Error, PeerIncompatible, PeerMisbehaved};
use crate::key_schedule::{EarlySecret, Side};
use crate::resolve::CertificateCriteria;
use crate::transcript::Transcript;
use crate::{
    Certificate, CertificateEntry, CertificateRequest, CertificateStatus, CertificateVerify,
    ClientHello, EncryptedExtensions, Extension, ExtensionType, Finished,
    HELLO_RETRY_REQUEST_RANDOM, HandshakeMessage, KeyShareEntry, ProtocolVersion, ServerHello,
};

/// What a HelloRetryRequest fixed, and the transcript up to it: kept between the
/// hellos by a stateful server, rebuilt from the cookie by a stateless one.
struct Retry {
    suite: &'static Tls13CipherSuite,
    group: NamedGroup,
    session_id: Vec<u8>,
    transcript: Transcript,
}

/// Waiting for a ClientHello (the first, or the second after a HelloRetryRequest).
pub(crate) struct ExpectClientHello {
    pub(crate) params: Arc<ServerParams>,
    /// Stateful retry: what our HelloRetryRequest fixed.
    retry: Option<Retry>,
    /// Stateless retry: this connection sent a HelloRetryRequest and kept nothing of
    /// it but this bit, so the next ClientHello must bring our cookie back.
    cookie_expected: bool,
}

impl ExpectClientHello {
    pub(crate) fn new(params: Arc<ServerParams>) -> Self {
        Self {
            params,
            retry: None,
            cookie_expected: false,
        }
    }

    /// A change_cipher_spec before any ClientHello: with stateless retry, the
    /// middlebox CCS a client sends after a HelloRetryRequest that an earlier
    /// instance of this server answered (RFC 8446 Appendix D.4). Taken only then,
    /// and the ClientHello that follows must carry our cookie (else BadCookie).
    pub(crate) fn expect_cookie_after_early_ccs(&mut self) -> bool {
        if !self.params.stateless_retry || self.retry.is_some() {
            return false;
        }
        self.cookie_expected = true;
        true
    }

    pub(crate) fn handle(
        self,
        msg: HandshakeMessage,
        raw: &[u8],
        out: &mut Vec<Action>,
    ) -> Result<ServerState, Error> {
        let HandshakeMessage::ClientHello(ch) = msg else {
            return Err(PeerMisbehaved::UnexpectedMessage(msg.typ()).into());
        };
        let params = self.params;
        match ch.extension(ExtensionType::SUPPORTED_VERSIONS) {
            Some(Extension::SupportedVersionsOffer(v)) if v.contains(&ProtocolVersion::TLSV1_3) => {
            }
            _ => return Err(PeerIncompatible::NoTls13.into()),
        }
        // RFC 8446 §4.1.2: a TLS 1.3 client sets 0x0303 here; anything lower is a
        // client too old for us (or a probe), whatever supported_versions says.
        if ch.legacy_version < ProtocolVersion::TLSV1_2 {
            return Err(PeerIncompatible::LegacyVersionTooLow.into());
        }
        if ch.compression_methods != [0] {
            return Err(PeerMisbehaved::BadCompression.into());
        }
        let sni = super::sni::requested_server_name(&ch)?;
        let suite = params
            .suites
            .iter()
            .copied()
            .find(|s| ch.cipher_suites.contains(&s.suite))
            .ok_or(PeerIncompatible::NoCommonCipherSuite)?;
        let Some(Extension::SupportedGroups(client_groups)) =
            ch.extension(ExtensionType::SUPPORTED_GROUPS)
        else {
            return Err(PeerMisbehaved::MissingExtension.into());
        };
        let Some(Extension::SignatureAlgorithms(client_schemes)) =
            ch.extension(ExtensionType::SIGNATURE_ALGORITHMS)
        else {
            return Err(PeerMisbehaved::MissingExtension.into());
        };
        let Some(Extension::KeyShareOffer(shares)) = ch.extension(ExtensionType::KEY_SHARE) else {
            return Err(PeerMisbehaved::MissingKeyShare.into());
        };
        // RFC 8446 §4.2.8: one share per group, each group in supported_groups.
        for (i, s) in shares.iter().enumerate() {
            if !client_groups.contains(&s.group) || shares[..i].iter().any(|o| o.group == s.group) {
                return Err(PeerMisbehaved::InconsistentKeyShares.into());
            }
        }

        let retry = match self.retry {
            Some(r) => Some(r),
            None => stateless_retry(&params, &ch, self.cookie_expected)?,
        };
        if let Some(retry) = &retry {
            // RFC 8446 §4.1.4: the second hello must answer the HelloRetryRequest.
            let [share] = shares.as_slice() else {
                return Err(PeerMisbehaved::IllegalHelloRetryRequest.into());
            };
            if share.group != retry.group
                || retry.suite.suite != suite.suite
                || ch.session_id != retry.session_id
            {
                return Err(PeerMisbehaved::IllegalHelloRetryRequest.into());
            }
        }

        // Server preference among the groups the client supports (and pq_only's rule).
        let candidates: Vec<&'static dyn SupportedKxGroup> = params
            .groups
            .iter()
            .copied()
            .filter(|g| client_groups.contains(&g.name()))
            .collect();
        let acceptable: Vec<_> = candidates
            .iter()
            .copied()
            .filter(|g| !params.pq_only || g.name().is_post_quantum())
            .collect();
        if acceptable.is_empty() {
            return Err(if params.pq_only {
                PeerIncompatible::NoPostQuantumGroup
            } else {
                PeerIncompatible::NoCommonGroup
            }
            .into());
        }
        let chosen = acceptable
            .iter()
            .copied()
            .find_map(|g| shares.iter().find(|s| s.group == g.name()).map(|s| (g, s)));

        let cert_schemes = match ch.extension(ExtensionType::SIGNATURE_ALGORITHMS_CERT) {
            Some(Extension::SignatureAlgorithmsCert(s)) => Some(s.as_slice()),
            _ => None,
        };
        let certificate_authorities = match ch.extension(ExtensionType::CERTIFICATE_AUTHORITIES) {
            Some(Extension::CertificateAuthorities(cas)) => cas.as_slice(),
            _ => &[],
        };
        let mut criteria = CertificateCriteria::new(client_schemes);
        criteria.server_name = sni.as_deref();
        criteria.cert_signature_schemes = cert_schemes;
        criteria.certificate_authorities = certificate_authorities;
        // A resolver that returns a key the client cannot verify is treated as if it
        // had returned none: the same alert either way.
        let (cert, scheme) = params
            .cert_resolver
            .resolve(&criteria)
            .and_then(|c| c.tls13_scheme(client_schemes).map(|s| (c, s)))
            .ok_or(PeerIncompatible::NoCommonSignatureScheme)?;

        let alpn_protocol =
            match ch.extension(ExtensionType::APPLICATION_LAYER_PROTOCOL_NEGOTIATION) {
                Some(Extension::Alpn(offered)) if !params.alpn_protocols.is_empty() => Some(
                    params
                        .alpn_protocols
                        .iter()
                        .find(|p| offered.contains(p))
                        .cloned()
                        .ok_or(PeerIncompatible::NoApplicationProtocol)?,
                ),
                _ => None,
            };

        let Some((group, share)) = chosen else {
            if retry.is_some() {
                return Err(PeerMisbehaved::IllegalHelloRetryRequest.into());
            }
            return send_retry(params, &ch, raw, suite, acceptable[0].name(), out);
        };

        let after_retry = retry.is_some();
        let mut transcript = match retry {
            Some(r) => r.transcript,
            None => {
                let mut t = Transcript::new();
                t.start_hash(suite.hash);
                t
            }
        };
        transcript.add(raw);
        let completed = group
            .start_and_complete(&share.key_exchange, params.provider.secure_random)
            .map_err(|e| match e {
                qssl_crypto::error::CryptoError::InvalidKeyShare(_) => {
                    Error::from(PeerMisbehaved::InvalidKeyShare)
                }
                other => Error::from(other),
            })?;

        let rng = params.provider.secure_random;
        let mut random = [0u8; 32];
        rng.fill(&mut random)?;
        let sh = ServerHello {
            legacy_version: ProtocolVersion::TLSV1_2,
            random,
            session_id: ch.session_id.clone(),
            cipher_suite: suite.suite,
            compression_method: 0,
            // key_share first, as the RFC 8448 traces (NSS) order them.
            extensions: vec![
                Extension::KeyShareSelected(KeyShareEntry {
                    group: completed.group,
                    key_exchange: completed.pub_key,
                }),
                Extension::SupportedVersionsSelected(ProtocolVersion::TLSV1_3),
            ],
        };
        common::send(&HandshakeMessage::ServerHello(sh), &mut transcript, out)?;
        let hello_hash = common::hash(&transcript)?;
        let secrets = EarlySecret::new(suite, None)
            .into_handshake(completed.secret.as_bytes(), &hello_hash)?;
        drop(completed.secret);

        let client_limit = match ch.extension(ExtensionType::RECORD_SIZE_LIMIT) {
            Some(Extension::RecordSizeLimit(l)) => Some(*l),
            _ => None,
        };
        let ocsp_requested = ch.extension(ExtensionType::STATUS_REQUEST).is_some();
        let client_random = ch.random;

        // Compatibility mode: a dummy change_cipher_spec after our first handshake
        // message (RFC 8446 Appendix D.4), unless one followed the HelloRetryRequest.
        if !ch.session_id.is_empty() && !after_retry {
            out.push(Action::SendChangeCipherSpec);
        }
        key_log(
            params.key_log,
            "CLIENT_HANDSHAKE_TRAFFIC_SECRET",
            &client_random,
            secrets.traffic_secret(Side::Client),
            out,
        );
        key_log(
            params.key_log,
            "SERVER_HANDSHAKE_TRAFFIC_SECRET",
            &client_random,
            secrets.traffic_secret(Side::Server),
            out,
        );
        out.push(Action::SetWriteKey(traffic_key(
            suite,
            secrets.traffic_secret(Side::Server),
            client_limit,
        )?));
        // RFC 8449 §4: our limit binds only a client that sent the extension (it
        // learns ours from EncryptedExtensions); any other may send full-size records.
        out.push(Action::SetReadKey(traffic_key(
            suite,
            secrets.traffic_secret(Side::Client),
            params.record_size_limit.filter(|_| client_limit.is_some()),
        )?));

        // The order of the RFC 8448 traces, so a known-answer test can compare bytes.
        let mut ee = Vec::new();
        if params.send_supported_groups {
            ee.push(Extension::SupportedGroups(
                params.groups.iter().map(|g| g.name()).collect(),
            ));
        }
        if let (Some(limit), Some(_)) = (params.record_size_limit, client_limit) {
            ee.push(Extension::RecordSizeLimit(limit));
        }
        if sni.is_some() {
            ee.push(Extension::ServerNameAck);
        }
        if let Some(p) = &alpn_protocol {
            ee.push(Extension::Alpn(vec![p.clone()]));
        }
        common::send(
            &HandshakeMessage::EncryptedExtensions(EncryptedExtensions { extensions: ee }),
            &mut transcript,
            out,
        )?;
        if let Some(v) = &params.client_verifier {
            let mut extensions = vec![Extension::SignatureAlgorithms(v.supported_verify_schemes())];
            let hints = v.root_hint_subjects();
            if !hints.is_empty() {
                extensions.push(Extension::CertificateAuthorities(hints));
            }
            common::send(
                &HandshakeMessage::CertificateRequest(CertificateRequest {
                    context: Vec::new(),
                    extensions,
                }),
                &mut transcript,
                out,
            )?;
        }
        let entries = cert
            .chain
            .iter()
            .enumerate()
            .map(|(i, c)| CertificateEntry {
                cert_data: c.as_ref().to_vec(),
                extensions: match (&cert.ocsp, i, ocsp_requested) {
                    (Some(r), 0, true) => {
                        vec![Extension::CertificateStatus(CertificateStatus::Ocsp(
                            r.clone(),
                        ))]
                    }
                    _ => Vec::new(),
                },
            })
            .collect();
        common::send(
            &HandshakeMessage::Certificate(Certificate {
                context: Vec::new(),
                entries,
            }),
            &mut transcript,
            out,
        )?;
        let content = signed_content(SERVER_CV_CONTEXT, &common::hash(&transcript)?);
        let signature = cert.key.sign(scheme, &content)?;
        common::send(
            &HandshakeMessage::CertificateVerify(CertificateVerify { scheme, signature }),
            &mut transcript,
            out,
        )?;
        let verify_data = secrets.finished(Side::Server, &common::hash(&transcript)?)?;
        common::send(
            &HandshakeMessage::Finished(Finished {
                verify_data: verify_data.as_bytes().to_vec(),
            }),
            &mut transcript,
            out,
        )?;
        let master = secrets.into_master(&common::hash(&transcript)?)?;
        key_log(
            params.key_log,
            "CLIENT_TRAFFIC_SECRET_0",
            &client_random,
            master.traffic_secret(Side::Client),
            out,
        );
        key_log(
            params.key_log,
            "SERVER_TRAFFIC_SECRET_0",
            &client_random,
            master.traffic_secret(Side::Server),
            out,
        );
        key_log(
            params.key_log,
            "EXPORTER_SECRET",
            &client_random,
            master.exporter_secret(),
            out,
        );
        out.push(Action::SetWriteKey(traffic_key(
            suite,
            master.traffic_secret(Side::Server),
            client_limit,
        )?));

        let hs = ServerHs {
            params: params.clone(),
            suite,
            group: group.name(),
            scheme,
            transcript,
            master,
            alpn_protocol,
            sni,
            client_limit,
            hello_retry_request: after_retry,
            client_certificates: Vec::new(),
            client_path: crate::verify::VerifiedPath::unverified(),
            client_scheme: None,
        };
        Ok(match &params.client_verifier {
            Some(_) => ServerState::Certificate(ExpectCertificate { hs }),
            None => ServerState::Finished(ExpectFinished { hs }),
        })
    }
}

/// The HelloRetryRequest we send for `suite` and `group` (and rebuild, byte for byte,
/// from a stateless cookie): `session_id` is the ClientHello's, echoed.
fn retry_request(
    session_id: &[u8],
    suite: &'static Tls13CipherSuite,
    group: NamedGroup,
    cookie: Option<Vec<u8>>,
) -> HandshakeMessage {
    let mut extensions = vec![
        Extension::SupportedVersionsSelected(ProtocolVersion::TLSV1_3),
        Extension::KeyShareRetry(group),
    ];
    extensions.extend(cookie.map(Extension::Cookie));
    HandshakeMessage::ServerHello(ServerHello {
        legacy_version: ProtocolVersion::TLSV1_2,
        random: HELLO_RETRY_REQUEST_RANDOM,
        session_id: session_id.to_vec(),
        cipher_suite: suite.suite,
        compression_method: 0,
        extensions,
    })
}

/// Sends a HelloRetryRequest for `group` and waits for the second ClientHello:
/// keeping the transcript (stateful, no cookie), or keeping nothing but the fact that
/// a cookie must come back (stateless, RFC 8446 §4.2.2).
fn send_retry(
    params: Arc<ServerParams>,
    ch: &ClientHello,
    raw: &[u8],
    suite: &'static Tls13CipherSuite,
    group: NamedGroup,
    out: &mut Vec<Action>,
) -> Result<ServerState, Error> {
    let ch1_hash = suite.hash.hash(raw);
    let mut transcript = Transcript::from_message_hash(suite.hash, ch1_hash.as_bytes());
    let cookie = params.stateless_retry.then(|| {
        params.hrr_cookie_key.seal(
            suite.suite.0,
            group.0,
            ch1_hash.as_bytes(),
            &ch.session_id,
            &ch.random,
        )
    });
    common::send(
        &retry_request(&ch.session_id, suite, group, cookie),
        &mut transcript,
        out,
    )?;
    if !ch.session_id.is_empty() {
        out.push(Action::SendChangeCipherSpec);
    }
    if params.stateless_retry {
        // Stateless: the transcript and what the HRR chose are dropped here; the
        // cookie brings them back.
        drop(transcript);
        return Ok(ServerState::ClientHello(ExpectClientHello {
            params,
            retry: None,
            cookie_expected: true,
        }));
    }
    Ok(ServerState::ClientHello(ExpectClientHello {
        params,
        retry: Some(Retry {
            suite,
            group,
            session_id: ch.session_id.clone(),
            transcript,
        }),
        cookie_expected: false,
    }))
}

/// With stateless retry on: the [`Retry`] that a ClientHello's cookie stands for, with
/// the transcript rebuilt as `message_hash(Hash(ClientHello1)) ‖ HelloRetryRequest`;
/// `None` for a ClientHello without a cookie on a connection that owes none (a first
/// ClientHello). A cookie that does not verify, or a missing one after our
/// HelloRetryRequest, is `BadCookie`.
///
/// With stateless retry off we never send a cookie and a ClientHello's is ignored, as
/// any extension the server does not use: RFC 8446 §4.2.2 forbids clients to send one
/// in an initial ClientHello but gives the server no rule for it, and ignoring it is
/// what OpenSSL and rustls do (a client may carry one over from a stateless server of
/// the same name).
fn stateless_retry(
    params: &ServerParams,
    ch: &ClientHello,
    cookie_expected: bool,
) -> Result<Option<Retry>, Error> {
    if !params.stateless_retry {
        return Ok(None);
    }
    let cookie = match ch.extension(ExtensionType::COOKIE) {
        Some(Extension::Cookie(c)) => c,
        _ if cookie_expected => return Err(PeerMisbehaved::BadCookie.into()),
        _ => return Ok(None),
    };
    let opened = params
        .hrr_cookie_key
        .open(cookie, &ch.session_id, &ch.random)
        .ok_or(PeerMisbehaved::BadCookie)?;
    // The tag verified, so we made this cookie under this configuration's key: the
    // suite and group are ours. Anything else is a retry this hello does not answer.
    let suite = params
        .suites
        .iter()
        .copied()
        .find(|s| s.suite.0 == opened.suite)
        .ok_or(PeerMisbehaved::IllegalHelloRetryRequest)?;
    if opened.ch1_hash.len() != suite.hash.output_len() {
        return Err(PeerMisbehaved::IllegalHelloRetryRequest.into());
    }
    let group = NamedGroup(opened.group);
    let mut transcript = Transcript::from_message_hash(suite.hash, opened.ch1_hash);
    let hrr = retry_request(&ch.session_id, suite, group, Some(cookie.clone()));
    transcript.add(&hrr.to_bytes()?);
    Ok(Some(Retry {
        suite,
        group,
        session_id: ch.session_id.clone(),
        transcript,
    }))
}

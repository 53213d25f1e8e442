//! Client: the server's encrypted flight (EncryptedExtensions, CertificateRequest,
//! Certificate, CertificateVerify, Finished) and the client's second flight.

use qssl_crypto::ids::{NamedGroup, SignatureScheme};
use qssl_crypto::suites::Tls13CipherSuite;

use super::ClientState;
use super::hello::ClientStart;
use crate::action::{Action, HandshakeSummary};
use crate::common::{
    self, CLIENT_CV_CONTEXT, SERVER_CV_CONTEXT, Traffic, key_log, signed_content, traffic_key,
};
use crate::error::{Error, PeerMisbehaved};
use crate::key_schedule::{HandshakeSecret, Side};
use crate::transcript::Transcript;
use crate::verify::{CertificateDer, UnixTime, VerifiedPath};
use crate::{
    Certificate, CertificateCriteria, CertificateEntry, CertificateRequest, CertificateStatus,
    CertificateVerify, Extension, ExtensionType, Finished, HandshakeMessage, ProtocolVersion,
};

/// What the client knows once the ServerHello is in.
pub(crate) struct ClientHs {
    pub(crate) start: ClientStart,
    pub(crate) suite: &'static Tls13CipherSuite,
    pub(crate) group: NamedGroup,
    pub(crate) transcript: Transcript,
    pub(crate) secrets: HandshakeSecret,
    pub(crate) hello_retry_request: bool,
    pub(crate) offered_alpn: bool,
    pub(crate) alpn_protocol: Option<Vec<u8>>,
    pub(crate) peer_record_size_limit: Option<u16>,
    /// The server's CertificateRequest (checked to carry signature_algorithms).
    pub(crate) cert_request: Option<CertificateRequest>,
    pub(crate) peer_certificates: Vec<CertificateDer<'static>>,
    pub(crate) ocsp_response: Option<Vec<u8>>,
    /// What the verifier validated of the server's chain.
    pub(crate) verified_path: VerifiedPath,
    pub(crate) server_scheme: Option<SignatureScheme>,
}

/// What a CertificateRequest says the server can verify (RFC 8446 §4.3.2).
fn request_criteria(request: &CertificateRequest) -> CertificateCriteria<'_> {
    let find = |typ| crate::find_extension(&request.extensions, typ);
    let schemes = match find(ExtensionType::SIGNATURE_ALGORITHMS) {
        Some(Extension::SignatureAlgorithms(s)) => s.as_slice(),
        _ => &[],
    };
    let mut criteria = CertificateCriteria::new(schemes);
    if let Some(Extension::SignatureAlgorithmsCert(s)) =
        find(ExtensionType::SIGNATURE_ALGORITHMS_CERT)
    {
        criteria.cert_signature_schemes = Some(s);
    }
    if let Some(Extension::CertificateAuthorities(cas)) =
        find(ExtensionType::CERTIFICATE_AUTHORITIES)
    {
        criteria.certificate_authorities = cas;
    }
    criteria
}

fn unexpected<T>(msg: &HandshakeMessage) -> Result<T, Error> {
    Err(PeerMisbehaved::UnexpectedMessage(msg.typ()).into())
}

pub(crate) struct ExpectEncryptedExtensions {
    pub(crate) hs: ClientHs,
}

impl ExpectEncryptedExtensions {
    pub(crate) fn handle(
        mut self,
        msg: HandshakeMessage,
        raw: &[u8],
    ) -> Result<ClientState, Error> {
        let HandshakeMessage::EncryptedExtensions(ee) = &msg else {
            return unexpected(&msg);
        };
        for e in &ee.extensions {
            match e {
                Extension::ServerNameAck if self.hs.start.sni.is_some() => {}
                Extension::Alpn(list) if self.hs.offered_alpn => {
                    let [proto] = list.as_slice() else {
                        return Err(PeerMisbehaved::SelectedUnofferedAlpn.into());
                    };
                    if !self.hs.start.params.alpn_protocols.contains(proto) {
                        return Err(PeerMisbehaved::SelectedUnofferedAlpn.into());
                    }
                    self.hs.alpn_protocol = Some(proto.clone());
                }
                Extension::RecordSizeLimit(limit)
                    if self.hs.start.params.record_size_limit.is_some() =>
                {
                    self.hs.peer_record_size_limit = Some(*limit);
                }
                // The server's supported groups are informational (RFC 8446 §4.2.7).
                Extension::SupportedGroups(_) => {}
                _ => return Err(PeerMisbehaved::UnsolicitedExtension.into()),
            }
        }
        self.hs.transcript.add(raw);
        Ok(ClientState::CertificateOrRequest(
            ExpectCertificateOrRequest { hs: self.hs },
        ))
    }
}

pub(crate) struct ExpectCertificateOrRequest {
    pub(crate) hs: ClientHs,
}

impl ExpectCertificateOrRequest {
    pub(crate) fn handle(
        mut self,
        msg: HandshakeMessage,
        raw: &[u8],
        now: UnixTime,
    ) -> Result<ClientState, Error> {
        match msg {
            HandshakeMessage::CertificateRequest(req) => {
                // RFC 8446 §4.3.2: zero length unless post-handshake.
                if !req.context.is_empty() {
                    return Err(PeerMisbehaved::BadCertificateRequestContext.into());
                }
                if crate::find_extension(&req.extensions, ExtensionType::SIGNATURE_ALGORITHMS)
                    .is_none()
                {
                    return Err(PeerMisbehaved::MissingExtension.into());
                }
                self.hs.cert_request = Some(req);
                self.hs.transcript.add(raw);
                Ok(ClientState::Certificate(ExpectCertificate { hs: self.hs }))
            }
            HandshakeMessage::Certificate(_) => {
                ExpectCertificate { hs: self.hs }.handle(msg, raw, now)
            }
            other => unexpected(&other),
        }
    }
}

pub(crate) struct ExpectCertificate {
    pub(crate) hs: ClientHs,
}

impl ExpectCertificate {
    pub(crate) fn handle(
        mut self,
        msg: HandshakeMessage,
        raw: &[u8],
        now: UnixTime,
    ) -> Result<ClientState, Error> {
        let HandshakeMessage::Certificate(cert) = msg else {
            return unexpected(&msg);
        };
        if !cert.context.is_empty() {
            return Err(PeerMisbehaved::BadCertificateRequestContext.into());
        }
        let Some(leaf) = cert.entries.first() else {
            return Err(PeerMisbehaved::NoServerCertificate.into());
        };
        let mut ocsp = None;
        for e in &leaf.extensions {
            match e {
                Extension::CertificateStatus(CertificateStatus::Ocsp(r))
                    if self.hs.start.params.request_ocsp =>
                {
                    ocsp = Some(r.clone());
                }
                Extension::CertificateStatus(_) if self.hs.start.params.request_ocsp => {}
                _ => return Err(PeerMisbehaved::UnsolicitedExtension.into()),
            }
        }
        for entry in &cert.entries[1..] {
            if !entry.extensions.is_empty() {
                return Err(PeerMisbehaved::UnsolicitedExtension.into());
            }
        }
        let chain: Vec<CertificateDer<'static>> = cert
            .entries
            .into_iter()
            .map(|e| CertificateDer::from(e.cert_data))
            .collect();
        self.hs.verified_path = self.hs.start.params.verifier.verify_server_cert(
            &chain[0],
            &chain[1..],
            &self.hs.start.server_name,
            ocsp.as_deref().unwrap_or_default(),
            now,
        )?;
        self.hs.peer_certificates = chain;
        self.hs.ocsp_response = ocsp;
        self.hs.transcript.add(raw);
        Ok(ClientState::CertificateVerify(ExpectCertificateVerify {
            hs: self.hs,
        }))
    }
}

pub(crate) struct ExpectCertificateVerify {
    pub(crate) hs: ClientHs,
}

impl ExpectCertificateVerify {
    pub(crate) fn handle(
        mut self,
        msg: HandshakeMessage,
        raw: &[u8],
    ) -> Result<ClientState, Error> {
        let HandshakeMessage::CertificateVerify(cv) = msg else {
            return unexpected(&msg);
        };
        if !self.hs.start.verify_schemes.contains(&cv.scheme) {
            return Err(PeerMisbehaved::SignatureSchemeNotOffered.into());
        }
        let content = signed_content(SERVER_CV_CONTEXT, &common::hash(&self.hs.transcript)?);
        self.hs.start.params.verifier.verify_tls13_signature(
            &content,
            &self.hs.peer_certificates[0],
            cv.scheme,
            &cv.signature,
        )?;
        self.hs.server_scheme = Some(cv.scheme);
        self.hs.transcript.add(raw);
        Ok(ClientState::Finished(ExpectFinished { hs: self.hs }))
    }
}

pub(crate) struct ExpectFinished {
    pub(crate) hs: ClientHs,
}

impl ExpectFinished {
    pub(crate) fn handle(
        self,
        msg: HandshakeMessage,
        raw: &[u8],
        out: &mut Vec<Action>,
    ) -> Result<ClientState, Error> {
        let HandshakeMessage::Finished(fin) = &msg else {
            return unexpected(&msg);
        };
        let mut hs = self.hs;
        let h = common::hash(&hs.transcript)?;
        common::check_finished_len(&h, &fin.verify_data)?;
        hs.secrets
            .verify_finished(Side::Server, &h, &fin.verify_data)
            .map_err(|_| PeerMisbehaved::BadFinished)?;
        hs.transcript.add(raw);
        let server_finished_hash = common::hash(&hs.transcript)?;
        let params = hs.start.params.clone();
        let suite = hs.suite;
        let peer_limit = hs.peer_record_size_limit;
        // RFC 8449 §4: our limit applies only if the server sent the extension too
        // (it then knows our limit); otherwise it may send full-size records.
        let own_limit = params.record_size_limit.filter(|_| peer_limit.is_some());

        // Second flight, under the client handshake key (installed at ServerHello).
        let mut client_scheme = None;
        if let Some(request) = hs.cert_request.take() {
            let criteria = request_criteria(&request);
            let auth = params
                .client_auth
                .as_ref()
                .and_then(|resolver| resolver.resolve(&criteria))
                .and_then(|ck| {
                    let scheme = ck.tls13_scheme(criteria.signature_schemes)?;
                    Some((ck, scheme))
                });
            let context = request.context;
            let entries = match &auth {
                Some((ck, _)) => ck
                    .chain
                    .iter()
                    .map(|c| CertificateEntry {
                        cert_data: c.as_ref().to_vec(),
                        extensions: Vec::new(),
                    })
                    .collect(),
                None => Vec::new(),
            };
            common::send(
                &HandshakeMessage::Certificate(Certificate { context, entries }),
                &mut hs.transcript,
                out,
            )?;
            if let Some((ck, scheme)) = &auth {
                let scheme = *scheme;
                let content = signed_content(CLIENT_CV_CONTEXT, &common::hash(&hs.transcript)?);
                let signature = ck.key.sign(scheme, &content)?;
                common::send(
                    &HandshakeMessage::CertificateVerify(CertificateVerify { scheme, signature }),
                    &mut hs.transcript,
                    out,
                )?;
                client_scheme = Some(scheme);
            }
        }
        let master = hs.secrets.into_master(&server_finished_hash)?;
        let verify_data = master.client_finished(&common::hash(&hs.transcript)?)?;
        common::send(
            &HandshakeMessage::Finished(Finished {
                verify_data: verify_data.as_bytes().to_vec(),
            }),
            &mut hs.transcript,
            out,
        )?;
        let random = &hs.start.random;
        key_log(
            params.key_log,
            "CLIENT_TRAFFIC_SECRET_0",
            random,
            master.traffic_secret(Side::Client),
            out,
        );
        key_log(
            params.key_log,
            "SERVER_TRAFFIC_SECRET_0",
            random,
            master.traffic_secret(Side::Server),
            out,
        );
        key_log(
            params.key_log,
            "EXPORTER_SECRET",
            random,
            master.exporter_secret(),
            out,
        );
        out.push(Action::SetWriteKey(traffic_key(
            suite,
            master.traffic_secret(Side::Client),
            peer_limit,
        )?));
        out.push(Action::SetReadKey(traffic_key(
            suite,
            master.traffic_secret(Side::Server),
            own_limit,
        )?));
        let server_scheme = hs
            .server_scheme
            .ok_or(Error::Misuse("no server signature"))?;
        out.push(Action::HandshakeComplete(Box::new(HandshakeSummary {
            version: ProtocolVersion::TLSV1_3,
            suite,
            group: hs.group,
            server_signature_scheme: server_scheme,
            client_signature_scheme: client_scheme,
            alpn_protocol: hs.alpn_protocol,
            peer_certificates: hs.peer_certificates,
            server_name: hs.start.sni.clone(),
            ocsp_response: hs.ocsp_response,
            hello_retry_request: hs.hello_retry_request,
            peer_record_size_limit: peer_limit,
            kx_post_quantum: hs.group.is_post_quantum(),
            peer_auth_post_quantum: hs.verified_path.is_post_quantum()
                && server_scheme.is_post_quantum(),
            peer_verified_path: hs.verified_path,
        })));
        let (client, server) = master.into_traffic_secrets();
        Ok(ClientState::Traffic(Traffic {
            side: Side::Client,
            suite,
            read_secret: server,
            write_secret: client,
            read_limit: own_limit,
            write_limit: peer_limit,
            answer_pending: false,
            key_updates_in_a_row: 0,
        }))
    }
}

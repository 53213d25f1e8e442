//! Client: the server's encrypted flight before its Finished (EncryptedExtensions,
//! CertificateRequest, Certificate, CertificateVerify).

use super::{ClientHs, ExpectFinished};
use crate::client::ClientState;
use crate::common::{self, SERVER_CV_CONTEXT, signed_content};
use crate::error::{Error, PeerMisbehaved};
use crate::verify::{CertificateDer, UnixTime};
use crate::{CertificateStatus, Extension, ExtensionType, HandshakeMessage};

pub(super) fn unexpected<T>(msg: &HandshakeMessage) -> Result<T, Error> {
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
        // A resumption authenticates with the PSK: the server's Finished comes next
        // (RFC 8446 §2.2), and a Certificate or CertificateRequest is unexpected.
        if self.hs.resumed.is_some() {
            return Ok(ClientState::Finished(ExpectFinished { hs: self.hs }));
        }
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

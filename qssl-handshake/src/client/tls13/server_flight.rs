//! Client: the server's encrypted flight before its Finished (EncryptedExtensions,
//! CertificateRequest, Certificate, CertificateVerify).

use super::{ClientHs, ExpectFinished};
use crate::action::{Action, EarlyDataStatus};
use crate::client::ClientState;
use crate::common::{self, SERVER_CV_CONTEXT, signed_content, traffic_key};
use crate::error::{Error, PeerMisbehaved};
use crate::key_schedule::Side;
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
        out: &mut Vec<Action>,
    ) -> Result<ClientState, Error> {
        let HandshakeMessage::EncryptedExtensions(ee) = &msg else {
            return unexpected(&msg);
        };
        let mut early_accepted = false;
        for e in &ee.extensions {
            match e {
                // Only if we offered 0-RTT and the server resumed our PSK.
                Extension::EarlyData if self.hs.write_key_pending => early_accepted = true,
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
        if self.hs.write_key_pending {
            self.early_data_outcome(early_accepted, out)?;
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

impl ExpectEncryptedExtensions {
    /// The EncryptedExtensions decide 0-RTT: accepted, we write early data until the
    /// server's Finished (RFC 8446 §4.2.10; the ALPN protocol must be the session's);
    /// rejected, early data stops and the handshake write key goes in now.
    fn early_data_outcome(&mut self, accepted: bool, out: &mut Vec<Action>) -> Result<(), Error> {
        let hs = &mut self.hs;
        if accepted {
            let session_alpn = hs.resumed.as_ref().and_then(|r| r.alpn.as_ref());
            if hs.alpn_protocol.as_ref() != session_alpn {
                return Err(PeerMisbehaved::SelectedUnofferedAlpn.into());
            }
            return Ok(());
        }
        hs.early_data = EarlyDataStatus::Rejected;
        hs.write_key_pending = false;
        out.push(Action::EndEarlyData { accepted: false });
        let client = hs.secrets.traffic_secret(Side::Client);
        out.push(Action::SetWriteKey(traffic_key(hs.suite, client, None)?));
        Ok(())
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

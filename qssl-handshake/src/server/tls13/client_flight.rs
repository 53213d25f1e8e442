//! Server: the client's second flight (Certificate, CertificateVerify, Finished).

use super::ServerHs;
use crate::HandshakeMessage;
use crate::action::{Action, HandshakeSummary};
use crate::common::{self, CLIENT_CV_CONTEXT, Traffic, signed_content, traffic_key};
use crate::error::{Error, PeerMisbehaved};
use crate::key_schedule::Side;
use crate::resumption::SessionState;
use crate::server::ServerState;
use crate::server::resume;
use crate::verify::{CertificateDer, UnixTime};
use qssl_crypto::suites::SupportedCipherSuite;
use qssl_wire::TlsVersion;

fn unexpected<T>(msg: &HandshakeMessage) -> Result<T, Error> {
    Err(PeerMisbehaved::UnexpectedMessage(msg.typ()).into())
}

pub(crate) struct ExpectCertificate {
    pub(crate) hs: ServerHs,
}

impl ExpectCertificate {
    pub(crate) fn handle(
        mut self,
        msg: HandshakeMessage,
        raw: &[u8],
        now: UnixTime,
    ) -> Result<ServerState, Error> {
        let HandshakeMessage::Certificate(cert) = msg else {
            return unexpected(&msg);
        };
        let Some(verifier) = self.hs.params.client_verifier.clone() else {
            return Err(Error::Misuse("client Certificate without a verifier"));
        };
        if !cert.context.is_empty() {
            return Err(PeerMisbehaved::BadCertificateRequestContext.into());
        }
        if cert.entries.iter().any(|e| !e.extensions.is_empty()) {
            return Err(PeerMisbehaved::UnsolicitedExtension.into());
        }
        self.hs.transcript.add(raw);
        if cert.entries.is_empty() {
            if verifier.client_auth_mandatory() {
                return Err(PeerMisbehaved::NoClientCertificate.into());
            }
            return Ok(ServerState::Finished(ExpectFinished { hs: self.hs }));
        }
        let chain: Vec<CertificateDer<'static>> = cert
            .entries
            .into_iter()
            .map(|e| CertificateDer::from(e.cert_data))
            .collect();
        self.hs.client_path = verifier.verify_client_cert(&chain[0], &chain[1..], now)?;
        self.hs.client_certificates = chain;
        Ok(ServerState::CertificateVerify(ExpectCertificateVerify {
            hs: self.hs,
        }))
    }
}

pub(crate) struct ExpectCertificateVerify {
    pub(crate) hs: ServerHs,
}

impl ExpectCertificateVerify {
    pub(crate) fn handle(
        mut self,
        msg: HandshakeMessage,
        raw: &[u8],
    ) -> Result<ServerState, Error> {
        let HandshakeMessage::CertificateVerify(cv) = msg else {
            return unexpected(&msg);
        };
        let Some(verifier) = self.hs.params.client_verifier.clone() else {
            return Err(Error::Misuse("client CertificateVerify without a verifier"));
        };
        if !verifier.supported_verify_schemes().contains(&cv.scheme) {
            return Err(PeerMisbehaved::SignatureSchemeNotOffered.into());
        }
        let content = signed_content(CLIENT_CV_CONTEXT, &common::hash(&self.hs.transcript)?);
        verifier.verify_tls13_signature(
            &content,
            &self.hs.client_certificates[0],
            cv.scheme,
            &cv.signature,
        )?;
        self.hs.client_scheme = Some(cv.scheme);
        self.hs.transcript.add(raw);
        Ok(ServerState::Finished(ExpectFinished { hs: self.hs }))
    }
}

/// Accepted 0-RTT: application data under the early key until EndOfEarlyData
/// (RFC 8446 §4.5), at most max_early_data_size bytes of it.
pub(crate) struct ExpectEndOfEarlyData {
    pub(crate) hs: ServerHs,
    /// Early data bytes still allowed.
    pub(crate) remaining: u32,
}

impl ExpectEndOfEarlyData {
    /// EndOfEarlyData: the client's handshake key takes over for reading.
    pub(crate) fn handle(
        mut self,
        msg: HandshakeMessage,
        raw: &[u8],
        out: &mut Vec<Action>,
    ) -> Result<ServerState, Error> {
        let HandshakeMessage::EndOfEarlyData = msg else {
            return unexpected(&msg);
        };
        self.hs.transcript.add(raw);
        let key = traffic_key(
            self.hs.suite,
            self.hs.master.client_handshake_secret(),
            self.hs.record_size_limit.own,
        )?;
        out.push(Action::SetReadKey(key));
        Ok(ServerState::Finished(ExpectFinished { hs: self.hs }))
    }

    /// `len` bytes of early data arrived: within max_early_data_size, or
    /// [`PeerMisbehaved::TooMuchEarlyData`].
    pub(crate) fn early_data(&mut self, len: usize) -> Result<(), Error> {
        let len = u32::try_from(len).map_err(|_| PeerMisbehaved::TooMuchEarlyData)?;
        self.remaining = self
            .remaining
            .checked_sub(len)
            .ok_or(PeerMisbehaved::TooMuchEarlyData)?;
        Ok(())
    }
}

pub(crate) struct ExpectFinished {
    pub(crate) hs: ServerHs,
}

impl ExpectFinished {
    pub(crate) fn handle(
        self,
        msg: HandshakeMessage,
        raw: &[u8],
        now: UnixTime,
        out: &mut Vec<Action>,
    ) -> Result<ServerState, Error> {
        let HandshakeMessage::Finished(fin) = &msg else {
            return unexpected(&msg);
        };
        let mut hs = self.hs;
        let h = common::hash(&hs.transcript)?;
        common::check_finished_len(&h, &fin.verify_data)?;
        hs.master
            .verify_client_finished(&h, &fin.verify_data)
            .map_err(|_| PeerMisbehaved::BadFinished)?;
        hs.transcript.add(raw);
        let suite = hs.suite;
        // As for the handshake keys: only a client that sent record_size_limit knows ours.
        let own_limit = hs.record_size_limit.own;
        out.push(Action::SetReadKey(traffic_key(
            suite,
            hs.master.traffic_secret(Side::Client),
            own_limit,
        )?));
        let now = now.as_secs();
        // A resumption reports the session's authentication (this handshake had
        // none); its keys are post-quantum if the PSK's or this exchange's are.
        let resumed = hs.resumed.is_some();
        let session = match hs.resumed.take() {
            Some(r) => r,
            None => SessionState::after_full_handshake(
                suite.suite,
                now,
                hs.group
                    .ok_or(Error::Misuse("full handshake without a group"))?,
                hs.scheme,
                hs.client_scheme,
                core::mem::take(&mut hs.client_certificates),
                hs.client_path,
            ),
        };
        let kx_post_quantum =
            session.kx_post_quantum || hs.group.is_some_and(|g| g.is_post_quantum());
        out.push(Action::HandshakeComplete(Box::new(HandshakeSummary {
            version: TlsVersion::Tls13,
            suite: SupportedCipherSuite::Tls13(suite),
            group: hs.group,
            resumed,
            server_signature_scheme: session.server_scheme,
            client_signature_scheme: session.client_scheme,
            alpn_protocol: hs.alpn_protocol.clone(),
            peer_certificates: session.peer_certificates.clone(),
            server_name: hs.sni.clone(),
            ocsp_response: None,
            hello_retry_request: hs.hello_retry_request,
            early_data: hs.early_data,
            peer_record_size_limit: hs.record_size_limit.peer,
            kx_post_quantum,
            // The client's authentication: the server's own is judged by the client.
            peer_auth_post_quantum: session.peer_path.is_post_quantum()
                && session.client_scheme.is_some_and(|s| s.is_post_quantum()),
            peer_verified_path: session.peer_path(),
        })));
        if hs.send_tickets && hs.params.ticket_count > 0 {
            let rms = hs
                .master
                .resumption_master_secret(&common::hash(&hs.transcript)?)?;
            let template = SessionState {
                kx_post_quantum,
                alpn: hs.alpn_protocol,
                server_name: hs.sni,
                ..session
            };
            resume::send_tickets(&hs.params, &rms, &template, now, out)?;
        }
        let (client, server) = hs.master.into_traffic_secrets();
        Ok(ServerState::Traffic(Traffic {
            side: Side::Server,
            suite,
            read_secret: client,
            write_secret: server,
            read_limit: own_limit,
            write_limit: hs.record_size_limit.peer,
            answer_pending: false,
            key_updates_in_a_row: 0,
            tickets: None,
        }))
    }
}

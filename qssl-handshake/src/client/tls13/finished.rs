//! Client: the server's Finished, then the client's second flight (Certificate and
//! CertificateVerify when asked, Finished) and the application keys.

use super::ClientHs;
use super::server_flight::unexpected;
use crate::action::{Action, HandshakeSummary};
use crate::client::ClientState;
use crate::client::hello::ClientStart;
use crate::common::{self, CLIENT_CV_CONTEXT, ClientTickets, Traffic, signed_content, traffic_key};
use crate::config::ClientParams;
use crate::error::{Error, PeerMisbehaved};
use crate::key_schedule::{MasterSecret, Side};
use crate::resumption::SessionState;
use crate::transcript::Transcript;
use crate::verify::UnixTime;
use crate::{
    Certificate, CertificateCriteria, CertificateEntry, CertificateRequest, CertificateVerify,
    Extension, ExtensionType, Finished, HandshakeMessage,
};
use qssl_crypto::ids::SignatureScheme;
use qssl_crypto::suites::SupportedCipherSuite;
use qssl_wire::TlsVersion;

/// Waiting for the server's Finished.
pub(crate) struct ExpectFinished {
    pub(crate) hs: ClientHs,
}

impl ExpectFinished {
    pub(crate) fn handle(
        self,
        msg: HandshakeMessage,
        raw: &[u8],
        now: UnixTime,
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
        // Accepted 0-RTT ends with EndOfEarlyData under the early key; the rest of
        // our flight goes under the handshake key (RFC 8446 §4.5).
        if hs.write_key_pending {
            out.push(Action::EndEarlyData { accepted: true });
            common::send(&HandshakeMessage::EndOfEarlyData, &mut hs.transcript, out)?;
            let client = hs.secrets.traffic_secret(Side::Client);
            out.push(Action::SetWriteKey(traffic_key(hs.suite, client, None)?));
        }
        // Second flight, under the client handshake key (installed at ServerHello).
        let to_sign = match hs.cert_request.take() {
            Some(request) => send_client_auth(&params, request, &mut hs.transcript, out)?,
            None => None,
        };
        let now = now.as_secs();
        match to_sign {
            None => complete(hs, server_finished_hash, None, now, out),
            Some((key, scheme, content)) => common::sign_then(
                &key,
                scheme,
                content,
                out,
                move |signature, out| {
                    let mut hs = hs;
                    let cv = CertificateVerify { scheme, signature };
                    common::send(
                        &HandshakeMessage::CertificateVerify(cv),
                        &mut hs.transcript,
                        out,
                    )?;
                    complete(hs, server_finished_hash, Some(scheme), now, out)
                },
                ClientState::AwaitSignature,
            ),
        }
    }
}

/// The rest of the client's second flight after its CertificateVerify (or without
/// one): Finished, the application keys, the summary and the traffic state.
fn complete(
    mut hs: ClientHs,
    server_finished_hash: qssl_crypto::hash::HashOutput,
    client_scheme: Option<SignatureScheme>,
    now: u64,
    out: &mut Vec<Action>,
) -> Result<ClientState, Error> {
    let params = hs.start.params.clone();
    let master = hs.secrets.into_master(&server_finished_hash)?;
    send_finished(&hs.start, &master, &mut hs.transcript, out)?;
    let suite = hs.suite;
    let peer_limit = hs.peer_record_size_limit;
    // RFC 8449 §4: our limit applies only if the server sent the extension too
    // (it then knows our limit); otherwise it may send full-size records.
    let own_limit = params.record_size_limit.filter(|_| peer_limit.is_some());
    let client = master.traffic_secret(Side::Client);
    out.push(Action::SetWriteKey(traffic_key(suite, client, peer_limit)?));
    let server = master.traffic_secret(Side::Server);
    out.push(Action::SetReadKey(traffic_key(suite, server, own_limit)?));
    // A resumption reports the session's authentication, which this handshake
    // did not repeat; its keys are post-quantum if the PSK's or this key
    // exchange's are.
    let resumed = hs.resumed.is_some();
    let session = match hs.resumed.take() {
        Some(r) => r,
        None => SessionState::after_full_handshake(
            suite.suite,
            now,
            hs.group
                .ok_or(Error::Misuse("full handshake without a group"))?,
            hs.server_scheme
                .ok_or(Error::Misuse("no server signature"))?,
            client_scheme,
            core::mem::take(&mut hs.peer_certificates),
            hs.verified_path,
        ),
    };
    let kx_post_quantum = session.kx_post_quantum || hs.group.is_some_and(|g| g.is_post_quantum());
    let server_scheme = session.server_scheme;
    out.push(Action::HandshakeComplete(Box::new(HandshakeSummary {
        version: TlsVersion::Tls13,
        suite: SupportedCipherSuite::Tls13(suite),
        group: hs.group,
        resumed,
        server_signature_scheme: server_scheme,
        client_signature_scheme: session.client_scheme,
        alpn_protocol: hs.alpn_protocol.clone(),
        peer_certificates: session.peer_certificates.clone(),
        server_name: hs.start.sni.clone(),
        ocsp_response: hs.ocsp_response,
        hello_retry_request: hs.hello_retry_request,
        early_data: hs.early_data,
        peer_record_size_limit: peer_limit,
        kx_post_quantum,
        peer_auth_post_quantum: session.peer_path.is_post_quantum()
            && server_scheme.is_post_quantum(),
        peer_verified_path: session.peer_path(),
    })));
    let tickets = match &params.session_store {
        Some(store) => {
            if let Some(g) = hs.group {
                store.set_kx_group(&hs.start.store_key, g);
            }
            let rms = master.resumption_master_secret(&common::hash(&hs.transcript)?)?;
            Some(Box::new(ClientTickets {
                store: store.clone(),
                key: hs.start.store_key.clone(),
                resumption_master_secret: rms,
                template: SessionState {
                    suite: suite.suite,
                    kx_post_quantum,
                    alpn: hs.alpn_protocol,
                    server_name: hs.start.sni.clone(),
                    ..session
                },
            }))
        }
        None => None,
    };
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
        tickets,
    }))
}

/// Answers the server's CertificateRequest: our resolver's chain for what the server
/// verifies, or an empty Certificate when we have none; returns what our
/// CertificateVerify must sign, if we sent a chain.
fn send_client_auth(
    params: &ClientParams,
    request: CertificateRequest,
    transcript: &mut Transcript,
    out: &mut Vec<Action>,
) -> Result<Option<common::ToSign>, Error> {
    let criteria = request_criteria(&request);
    let auth = params
        .client_auth
        .as_ref()
        .and_then(|resolver| resolver.resolve(&criteria))
        .and_then(|ck| {
            let scheme = ck.tls13_scheme(criteria.signature_schemes)?;
            Some((ck, scheme))
        });
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
    let certificate = Certificate {
        context: request.context,
        entries,
    };
    common::send(&HandshakeMessage::Certificate(certificate), transcript, out)?;
    let Some((ck, scheme)) = auth else {
        return Ok(None);
    };
    let content = signed_content(CLIENT_CV_CONTEXT, &common::hash(transcript)?);
    Ok(Some((std::sync::Arc::clone(&ck.key), scheme, content)))
}

/// Our Finished, and the application secrets' key-log lines.
fn send_finished(
    start: &ClientStart,
    master: &MasterSecret,
    transcript: &mut Transcript,
    out: &mut Vec<Action>,
) -> Result<(), Error> {
    let verify_data = master.client_finished(&common::hash(transcript)?)?;
    let fin = Finished {
        verify_data: verify_data.as_bytes().to_vec(),
    };
    common::send(&HandshakeMessage::Finished(fin), transcript, out)?;
    common::log_application_secrets(start.params.key_log, &start.random, master, out);
    Ok(())
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

//! Server: the ClientHello (and a second one after HelloRetryRequest). Each is
//! negotiated (negotiate.rs, pure) and answered by the negotiated version's emitter.

use std::sync::Arc;

use qssl_crypto::suites::SupportedCipherSuite;
use qssl_wire::TlsVersion;

use super::ServerState;
use super::negotiate::{self, KeyExchange, Prior};
use super::resume;
use super::tls12;
use super::tls13::{self, Retry};
use crate::HandshakeMessage;
use crate::action::{Action, EarlyDataStatus};
use crate::config::ServerParams;
use crate::error::{Error, PeerMisbehaved};
use crate::verify::UnixTime;

/// Waiting for a ClientHello (the first, or the second after a HelloRetryRequest).
pub(crate) struct ExpectClientHello {
    pub(crate) params: Arc<ServerParams>,
    /// Stateful retry: what our HelloRetryRequest fixed.
    retry: Option<Retry>,
    /// Stateless retry: this connection sent a HelloRetryRequest and kept nothing of
    /// it but this bit, so the next ClientHello must bring our cookie back.
    cookie_expected: bool,
    /// The first ClientHello offered 0-RTT, which our HelloRetryRequest refused.
    early_data_retried: bool,
}

impl ExpectClientHello {
    pub(crate) fn new(params: Arc<ServerParams>) -> Self {
        Self {
            params,
            retry: None,
            cookie_expected: false,
            early_data_retried: false,
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

    /// Recovers what a HelloRetryRequest of ours fixed (kept, or opened from the
    /// cookie), negotiates, and hands the result to the version's emitter.
    pub(crate) fn handle(
        self,
        msg: HandshakeMessage,
        raw: &[u8],
        now: UnixTime,
        out: &mut Vec<Action>,
    ) -> Result<ServerState, Error> {
        let HandshakeMessage::ClientHello(ch) = msg else {
            return Err(PeerMisbehaved::UnexpectedMessage(msg.typ()).into());
        };
        let params = self.params;
        if negotiate::choose_version(&ch, &params)? == TlsVersion::Tls12 {
            // RFC 8446 §4.1.4: the answer to a HelloRetryRequest is a TLS 1.3 hello.
            if self.retry.is_some() || self.cookie_expected {
                return Err(PeerMisbehaved::IllegalHelloRetryRequest.into());
            }
            let neg = tls12::negotiate(&ch, &params)?;
            return tls12::emit_server_flight(params, &ch, raw, neg, now, out);
        }
        let retry = match self.retry {
            Some(r) => Ok(Some(r)),
            None => tls13::recover_retry(&params, &ch, self.cookie_expected),
        };
        let prior = match &retry {
            Ok(None) => Prior::FirstHello,
            Ok(Some(r)) => Prior::AfterRetry(&r.fixed),
            Err(e) => Prior::Unrecoverable(*e),
        };
        let neg = negotiate::negotiate(&ch, &params, prior)?;
        let retry = retry?;
        match (neg.version, neg.suite) {
            (TlsVersion::Tls13, SupportedCipherSuite::Tls13(suite)) => match neg.key_exchange {
                KeyExchange::Retry { group } => {
                    // Early data sent with the first ClientHello is never taken.
                    if neg.early_data_offered {
                        out.push(Action::SkipEarlyData {
                            max: resume::early_data_skip_budget(&params),
                        });
                    }
                    let kept = tls13::emit_retry(&params, &ch, raw, suite, group, out)?;
                    Ok(ServerState::ClientHello(Self {
                        retry: kept,
                        cookie_expected: params.stateless_retry,
                        early_data_retried: neg.early_data_offered,
                        params,
                    }))
                }
                KeyExchange::Share { .. } => {
                    let transcript = retry.map(|r| r.transcript);
                    let psk = match neg.psk_offer {
                        Some(offer) => resume::accept(
                            &params,
                            offer,
                            raw,
                            suite,
                            neg.server_name.as_deref(),
                            transcript.as_ref(),
                            now.as_secs(),
                        )?,
                        None => None,
                    };
                    let early_accepted = match (&psk, neg.psk_offer) {
                        (Some(p), Some(offer)) if neg.early_data_offered && !neg.after_retry => {
                            resume::accept_early_data(
                                &params,
                                p,
                                offer,
                                suite,
                                neg.alpn_protocol.as_deref(),
                                now.as_secs(),
                            )
                        }
                        _ => false,
                    };
                    let early = match (neg.early_data_offered, early_accepted) {
                        (false, _) if self.early_data_retried => EarlyDataStatus::Rejected,
                        (false, _) => EarlyDataStatus::NotOffered,
                        (true, true) => EarlyDataStatus::Accepted,
                        (true, false) => EarlyDataStatus::Rejected,
                    };
                    tls13::emit_server_flight(
                        params, &ch, raw, suite, neg, psk, early, transcript, out,
                    )
                }
            },
            // TLS 1.2 was answered above, before the TLS 1.3 negotiation.
            _ => Err(Error::Misuse("negotiated a version without an emitter")),
        }
    }
}

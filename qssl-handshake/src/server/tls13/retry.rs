//! The TLS 1.3 HelloRetryRequest (RFC 8446 §4.1.4): sending it, and for a stateless
//! server (§4.2.2) recovering what it fixed from the cookie the second ClientHello
//! echoes.

use qssl_crypto::ids::NamedGroup;
use qssl_crypto::suites::Tls13CipherSuite;

use crate::action::Action;
use crate::common;
use crate::config::ServerParams;
use crate::error::{Error, PeerMisbehaved};
use crate::server::negotiate::RetryFixed;
use crate::transcript::Transcript;
use crate::{
    ClientHello, Extension, ExtensionType, HELLO_RETRY_REQUEST_RANDOM, HandshakeMessage,
    ProtocolVersion, ServerHello,
};

/// What a HelloRetryRequest fixed, and the transcript up to it: kept between the
/// hellos by a stateful server, rebuilt from the cookie by a stateless one.
pub(crate) struct Retry {
    pub(crate) fixed: RetryFixed,
    pub(crate) transcript: Transcript,
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

/// Sends a HelloRetryRequest for `group` after `ch` (whose exact bytes are `raw`).
/// Returns what the server keeps until the second ClientHello: the [`Retry`] when
/// stateful; nothing when stateless (RFC 8446 §4.2.2), the cookie carrying it instead.
pub(crate) fn emit_retry(
    params: &ServerParams,
    ch: &ClientHello,
    raw: &[u8],
    suite: &'static Tls13CipherSuite,
    group: NamedGroup,
    out: &mut Vec<Action>,
) -> Result<Option<Retry>, Error> {
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
        return Ok(None);
    }
    Ok(Some(Retry {
        fixed: RetryFixed {
            suite: suite.suite,
            group,
            session_id: ch.session_id.clone(),
        },
        transcript,
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
pub(crate) fn recover_retry(
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
        fixed: RetryFixed {
            suite: suite.suite,
            group,
            session_id: ch.session_id.clone(),
        },
        transcript,
    }))
}

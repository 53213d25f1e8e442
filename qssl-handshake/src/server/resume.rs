//! Server: which of a client's offered sessions resumes (RFC 8446 §4.2.11), and the
//! tickets that let a client resume later (§4.6.1).
//!
//! An offered ticket that does not open, has expired, was made for another server
//! name, or whose suite's hash is not the one chosen is passed over: the client gets
//! a full handshake, never an error. The binder of the identity selected must verify
//! (decrypt_error otherwise): it proves the client holds the PSK and binds the
//! ClientHello to it.

use qssl_crypto::suites::Tls13CipherSuite;
use qssl_session::{MAX_TICKET_LIFETIME, is_fresh};
use zeroize::Zeroizing;

use super::negotiate::PskOffer;
use crate::action::Action;
use crate::config::ServerParams;
use crate::error::{Error, PeerMisbehaved};
use crate::key_schedule::{EarlySecret, resumption_psk};
use crate::resumption::SessionState;
use crate::transcript::Transcript;
use crate::{Extension, HandshakeMessage, HandshakeType, NewSessionTicket};

/// At most this many offered identities are tried (each costs a ticket opening).
const MAX_IDENTITIES_TRIED: usize = 4;

/// The session the client resumes.
#[derive(Debug)]
pub(crate) struct AcceptedPsk {
    /// Index of the identity in the client's offer (selected_identity).
    pub(crate) identity: u16,
    /// The session, as the ticket carried it.
    pub(crate) state: SessionState,
    /// psk_ke: no key exchange in this handshake.
    pub(crate) without_key_exchange: bool,
}

/// Finds the first offered identity that resumes and checks its binder.
/// `ch_raw`: the ClientHello's exact bytes; `retry_transcript`: the transcript up to
/// our HelloRetryRequest if this is the second ClientHello.
pub(crate) fn accept(
    params: &ServerParams,
    offer: PskOffer<'_>,
    ch_raw: &[u8],
    suite: &'static Tls13CipherSuite,
    server_name: Option<&str>,
    retry_transcript: Option<&Transcript>,
    now: u64,
) -> Result<Option<AcceptedPsk>, Error> {
    let Some(ticketer) = &params.ticketer else {
        return Ok(None);
    };
    let identities = offer.offer.identities.iter().zip(&offer.offer.binders);
    for (i, (id, binder)) in identities.enumerate().take(MAX_IDENTITIES_TRIED) {
        let Some(plain) = ticketer.redeem(&id.identity, now) else {
            continue;
        };
        let Some(state) = SessionState::decode(&plain) else {
            continue;
        };
        if !resumable(params, &state, suite, server_name, offer, now) {
            continue;
        }
        let cut = offer.offer.binders_encoded_len();
        let partial = ch_raw
            .len()
            .checked_sub(cut)
            .and_then(|n| ch_raw.get(..n))
            .ok_or(Error::Misuse("binders longer than the ClientHello"))?;
        let hash = match retry_transcript {
            Some(t) => t.hash_with(suite.hash, partial),
            None => suite.hash.hash(partial),
        };
        EarlySecret::new(suite, Some(&state.secret))
            .verify_resumption_binder(&hash, binder)
            .map_err(|_| PeerMisbehaved::BadPskBinder)?;
        let identity = u16::try_from(i).map_err(|_| Error::Misuse("identity index"))?;
        return Ok(Some(AcceptedPsk {
            identity,
            state,
            without_key_exchange: offer.without_key_exchange,
        }));
    }
    Ok(None)
}

/// Whether an opened session may resume this handshake.
fn resumable(
    params: &ServerParams,
    state: &SessionState,
    suite: &'static Tls13CipherSuite,
    server_name: Option<&str>,
    offer: PskOffer<'_>,
    now: u64,
) -> bool {
    // A TLS 1.2 session (the ticketer seals both) never resumes in TLS 1.3.
    let same_hash = state.tls12.is_none()
        && params
            .provider
            .tls13_suite(state.suite)
            .is_some_and(|s| s.hash.algorithm() == suite.hash.algorithm());
    // A client certificate the configuration requires must be in the session.
    let auth_ok = match &params.client_verifier {
        Some(v) if v.client_auth_mandatory() => !state.peer_certificates.is_empty(),
        _ => true,
    };
    // Without a key exchange only the PSK protects the keys: under pq_only it must
    // come from a post-quantum one.
    let pq_ok = !params.pq_only || !offer.without_key_exchange || state.kx_post_quantum;
    state.is_live(now)
        && same_hash
        && state.server_name.as_deref() == server_name
        && auth_ok
        && pq_ok
}

/// Whether 0-RTT data offered with `psk` is accepted (RFC 8446 §4.2.10, §8): the
/// server takes early data; the PSK is the first identity offered; the ticket allows
/// early data and was issued under this very suite and ALPN protocol; the ticket age
/// the client reports is within the anti-replay window of the server's own view; and
/// the anti-replay store has not seen this ticket offered with early data (and had
/// room to remember it). The ClientHello must be a first one: the caller does not
/// ask after a HelloRetryRequest.
pub(crate) fn accept_early_data(
    params: &ServerParams,
    psk: &AcceptedPsk,
    offer: PskOffer<'_>,
    suite: &'static Tls13CipherSuite,
    alpn: Option<&[u8]>,
    now: u64,
) -> bool {
    let state = &psk.state;
    let Some(id) = offer.offer.identities.first() else {
        return false;
    };
    let age_ms = id.obfuscated_ticket_age.wrapping_sub(state.age_add);
    params.max_early_data > 0
        && psk.identity == 0
        && state.max_early_data > 0
        && state.suite == suite.suite
        && state.alpn.as_deref() == alpn
        && is_fresh(state.issued_at, age_ms, now, params.anti_replay.window())
        // Last: it records the ticket, which only an otherwise acceptable offer may.
        && params.anti_replay.first_use(&id.identity, now)
}

/// How many bytes of a client's 0-RTT records a server skips when it does not take
/// them: its own max_early_data_size, and at least 16 KiB plus record overhead for
/// clients holding tickets from a configuration that allowed more.
pub(crate) fn early_data_skip_budget(params: &ServerParams) -> usize {
    const FLOOR: usize = 16 * 1024 + 4096;
    (params.max_early_data as usize)
        .saturating_add(4096)
        .max(FLOOR)
}

/// Sends `params.ticket_count` NewSessionTickets for the session `template`
/// describes (its secret, times and age_add filled in per ticket). Each ticket's PSK
/// is `HKDF-Expand-Label(resumption_master_secret, "resumption", nonce)` with the
/// ticket's index as its nonce. A ticketer that cannot issue (`None`) ends the
/// series: the client simply holds fewer tickets.
pub(crate) fn send_tickets(
    params: &ServerParams,
    resumption_master_secret: &qssl_crypto::hkdf::Prk,
    template: &SessionState,
    now: u64,
    out: &mut Vec<Action>,
) -> Result<(), Error> {
    let Some(ticketer) = &params.ticketer else {
        return Ok(());
    };
    // No ticket outlives the authentication it carries (seven days, §4.6.1).
    let auth_left = (template.auth_time + u64::from(MAX_TICKET_LIFETIME)).saturating_sub(now);
    let lifetime = ticketer
        .lifetime()
        .min(MAX_TICKET_LIFETIME)
        .min(u32::try_from(auth_left).unwrap_or(MAX_TICKET_LIFETIME));
    if lifetime == 0 {
        return Ok(());
    }
    let rng = params.provider.secure_random;
    for i in 0..params.ticket_count {
        let nonce = [i];
        let psk = resumption_psk(resumption_master_secret, &nonce)?;
        let mut age_add = [0u8; 4];
        rng.fill(&mut age_add)?;
        let mut state = template.clone();
        state.secret = Zeroizing::new(psk.expose_secret().to_vec());
        state.issued_at = now;
        state.lifetime = lifetime;
        state.age_add = u32::from_be_bytes(age_add);
        state.max_early_data = params.max_early_data;
        let Some(ticket) = ticketer.issue(&state.encode()?, now) else {
            break;
        };
        // Our max_early_data_size, when we take 0-RTT (the state remembers it).
        let extensions = match state.max_early_data {
            0 => Vec::new(),
            n => vec![Extension::EarlyDataMax(n)],
        };
        let nst = NewSessionTicket {
            lifetime,
            age_add: state.age_add,
            nonce: nonce.to_vec(),
            ticket,
            extensions,
        };
        // Post-handshake: not part of the transcript.
        out.push(Action::SendHandshake {
            typ: HandshakeType::NEW_SESSION_TICKET,
            bytes: HandshakeMessage::NewSessionTicket(nst).to_bytes()?,
        });
    }
    Ok(())
}

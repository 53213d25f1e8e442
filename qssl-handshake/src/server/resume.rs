//! Server: which of a client's offered sessions resumes (RFC 8446 §4.2.11), and the
//! tickets that let a client resume later (§4.6.1).
//!
//! An offered ticket that does not open, has expired, was made for another server
//! name, or whose suite's hash is not the one chosen is passed over: the client gets
//! a full handshake, never an error. The binder of the identity selected must verify
//! (decrypt_error otherwise): it proves the client holds the PSK and binds the
//! ClientHello to it.

use qssl_crypto::suites::Tls13CipherSuite;
use qssl_session::MAX_TICKET_LIFETIME;
use zeroize::Zeroizing;

use super::negotiate::PskOffer;
use crate::action::Action;
use crate::config::ServerParams;
use crate::error::{Error, PeerMisbehaved};
use crate::key_schedule::{EarlySecret, resumption_psk};
use crate::resumption::SessionState;
use crate::transcript::Transcript;
use crate::{HandshakeMessage, HandshakeType, NewSessionTicket};

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
    let same_hash = params
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
        let Some(ticket) = ticketer.issue(&state.encode()?, now) else {
            break;
        };
        let nst = NewSessionTicket {
            lifetime,
            age_add: state.age_add,
            nonce: nonce.to_vec(),
            ticket,
            extensions: Vec::new(),
        };
        // Post-handshake: not part of the transcript.
        out.push(Action::SendHandshake {
            typ: HandshakeType::NEW_SESSION_TICKET,
            bytes: HandshakeMessage::NewSessionTicket(nst).to_bytes()?,
        });
    }
    Ok(())
}

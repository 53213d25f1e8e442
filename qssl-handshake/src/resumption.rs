//! TLS 1.3 resumption (RFC 8446 §2.2, §4.2.11, §4.6.1): what a session remembers, in
//! the one encoding both sides use — the server seals it into its tickets (or keeps it
//! in a store under the ticket), the client keeps it next to the ticket in its
//! [`ClientSessionStore`](qssl_session::ClientSessionStore) — and the rules about
//! tickets' ages.
//!
//! ```text
//! state = version (1) = 1
//!         suite (2) ‖ secret <1..255> ‖ auth_time (8) ‖ issued_at (8)
//!         ‖ lifetime (4) ‖ age_add (4) ‖ max_early_data (4)
//!         ‖ group (2) ‖ kx_post_quantum (1)
//!         ‖ server_scheme (2) ‖ client_scheme (1: present?) [2]
//!         ‖ alpn <0..255> (1: present?) ‖ server_name <0..255> (1: present?)
//!         ‖ peer_certificates <0..2^24-1> of <1..2^24-1>
//!         ‖ peer_path <0..2^16-1> of (certificate index (2) ‖ scheme (2)) ‖ ocsp_good (1)
//!         ‖ ticket <0..2^16-1>
//!         ‖ tls12 (1: present?) [session_id <0..32> ‖ extended_master_secret (1)]
//! ```
//!
//! A TLS 1.2 session (RFC 5246 §7.3, RFC 5077) is the same record with `tls12`
//! present: `secret` is then its 48-byte master secret, `suite` a TLS 1.2 suite and
//! `session_id` the id it resumes by (the client's copy; a ticket is in `ticket`).
//! A TLS 1.3 handshake never resumes one, nor a TLS 1.2 handshake a TLS 1.3 one.
//!
//! Decoding is bounded like every other codec of this crate: a state comes back from
//! a store the application may share, so it is parsed as carefully as peer input.

use qssl_crypto::ids::{CipherSuite, NamedGroup, SignatureScheme};
use qssl_wire::codec::{
    DecodeError, Len, PResult, atomic, be_u8, be_u16, be_u32, complete, fail, list, opaque,
    prefixed, put_opaque, put_u16, put_u32, take, with_len,
};
use zeroize::Zeroizing;

use crate::error::EncodeError;
use crate::verify::{CertificateDer, PathSignature, VerifiedPath};

/// The encoding's version byte: a state of another version is not resumed.
const STATE_VERSION: u8 = 2;

/// The most peer certificates a state may carry (a chain longer than this was never
/// accepted by a verifier either).
const MAX_STATE_CERTIFICATES: usize = 16;

/// What one session remembers for resumption. The same type on both sides: the
/// client's `ticket` is the identity it offers; a server leaves it empty (the ticket
/// carries or names the state).
#[derive(Clone, PartialEq, Eq)]
pub(crate) struct SessionState {
    /// The suite of the session: a resumption must use one with the same hash.
    pub(crate) suite: CipherSuite,
    /// The PSK (RFC 8446 §4.6.1): `HKDF-Expand-Label(resumption_master_secret,
    /// "resumption", ticket_nonce, Hash.length)`.
    pub(crate) secret: Zeroizing<Vec<u8>>,
    /// When the peer was authenticated (the full handshake): resumptions never
    /// stretch an authentication past the longest ticket lifetime.
    pub(crate) auth_time: u64,
    /// Server: when the ticket was issued; client: when it was received.
    pub(crate) issued_at: u64,
    /// ticket_lifetime, seconds.
    pub(crate) lifetime: u32,
    /// ticket_age_add.
    pub(crate) age_add: u32,
    /// max_early_data_size the ticket allows (0: no 0-RTT).
    pub(crate) max_early_data: u32,
    /// The key exchange group of the full handshake.
    pub(crate) group: NamedGroup,
    /// The PSK comes from a key exchange that resists a quantum adversary (the full
    /// handshake's, or a post-quantum resumption's).
    pub(crate) kx_post_quantum: bool,
    /// The scheme of the server's CertificateVerify in the full handshake.
    pub(crate) server_scheme: SignatureScheme,
    /// The scheme of the client's, if it authenticated.
    pub(crate) client_scheme: Option<SignatureScheme>,
    /// The ALPN protocol of the session.
    pub(crate) alpn: Option<Vec<u8>>,
    /// The server name of the session: a ticket resumes only for the same name.
    pub(crate) server_name: Option<String>,
    /// The peer's certificates, end entity first (empty if it sent none).
    pub(crate) peer_certificates: Vec<CertificateDer<'static>>,
    /// What the verifier validated of them.
    pub(crate) peer_path: VerifiedPath,
    /// Client side: the ticket to offer as the PSK identity (TLS 1.3) or in
    /// session_ticket (TLS 1.2, RFC 5077).
    pub(crate) ticket: Vec<u8>,
    /// A TLS 1.2 session: how it resumes.
    pub(crate) tls12: Option<Tls12Resumption>,
}

/// What only a TLS 1.2 session has.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Tls12Resumption {
    /// The session ID (RFC 5246 §7.4.1.2), empty for a ticket-only session.
    pub(crate) session_id: Vec<u8>,
    /// The session used the extended master secret (RFC 7627 §5.3: a resumption
    /// must too).
    pub(crate) extended_master_secret: bool,
}

impl core::fmt::Debug for SessionState {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("SessionState")
            .field("suite", &self.suite)
            .field("secret", &"[REDACTED]")
            .field("auth_time", &self.auth_time)
            .field("issued_at", &self.issued_at)
            .field("lifetime", &self.lifetime)
            .field("group", &self.group)
            .field("server_name", &self.server_name)
            .finish_non_exhaustive()
    }
}

impl SessionState {
    /// What a full handshake at `now` established, before any ticket: no secret,
    /// times, ALPN, server name or ticket yet (each NewSessionTicket fills them).
    pub(crate) fn after_full_handshake(
        suite: CipherSuite,
        now: u64,
        group: NamedGroup,
        server_scheme: SignatureScheme,
        client_scheme: Option<SignatureScheme>,
        peer_certificates: Vec<CertificateDer<'static>>,
        peer_path: VerifiedPath,
    ) -> Self {
        Self {
            suite,
            secret: Zeroizing::default(),
            auth_time: now,
            issued_at: 0,
            lifetime: 0,
            age_add: 0,
            max_early_data: 0,
            group,
            kx_post_quantum: false,
            server_scheme,
            client_scheme,
            alpn: None,
            server_name: None,
            peer_certificates,
            peer_path,
            ticket: Vec::new(),
            tls12: None,
        }
    }

    /// The encoding, wiped on drop (it holds the PSK).
    pub(crate) fn encode(&self) -> Result<Zeroizing<Vec<u8>>, EncodeError> {
        let mut out = Zeroizing::new(Vec::with_capacity(128));
        atomic(&mut out, |out| {
            out.push(STATE_VERSION);
            put_u16(out, self.suite.0);
            put_opaque(out, Len::U8, &self.secret)?;
            out.extend_from_slice(&self.auth_time.to_be_bytes());
            out.extend_from_slice(&self.issued_at.to_be_bytes());
            put_u32(out, self.lifetime);
            put_u32(out, self.age_add);
            put_u32(out, self.max_early_data);
            put_u16(out, self.group.0);
            out.push(u8::from(self.kx_post_quantum));
            put_u16(out, self.server_scheme.0);
            put_optional(out, self.client_scheme.map(|s| s.0.to_be_bytes()).as_ref())?;
            put_optional(out, self.alpn.as_ref())?;
            put_optional(out, self.server_name.as_ref().map(String::as_bytes))?;
            with_len(out, Len::U24, |out| {
                for c in &self.peer_certificates {
                    put_opaque(out, Len::U24, c.as_ref())?;
                }
                Ok(())
            })?;
            with_len(out, Len::U16, |out| {
                for s in self.peer_path.signatures() {
                    let index =
                        u16::try_from(s.certificate()).map_err(|_| EncodeError::TooLong {
                            len: s.certificate(),
                            max: usize::from(u16::MAX),
                        })?;
                    put_u16(out, index);
                    put_u16(out, s.scheme().0);
                }
                Ok(())
            })?;
            out.push(u8::from(self.peer_path.ocsp_good()));
            put_opaque(out, Len::U16, &self.ticket)?;
            match &self.tls12 {
                None => out.push(0),
                Some(t) => {
                    out.push(1);
                    put_opaque(out, Len::U8, &t.session_id)?;
                    out.push(u8::from(t.extended_master_secret));
                }
            }
            Ok(())
        })?;
        Ok(out)
    }

    /// The state `bytes` encode; `None` for anything else (another version, a
    /// malformed or truncated encoding, trailing bytes).
    pub(crate) fn decode(bytes: &[u8]) -> Option<Self> {
        complete::<_, DecodeError>(bytes, parse_state).ok()
    }

    /// Whether the ticket may still be offered or accepted at `now`: within its
    /// lifetime, and within seven days of the authentication it carries.
    pub(crate) fn is_live(&self, now: u64) -> bool {
        let max = u64::from(qssl_session::MAX_TICKET_LIFETIME);
        now.saturating_sub(self.issued_at) <= u64::from(self.lifetime.min(max as u32))
            && now.saturating_sub(self.auth_time) <= max
            && now >= self.issued_at.saturating_sub(CLOCK_SKEW)
    }

    /// The ticket's age as the client reports it (RFC 8446 §4.2.11.1): milliseconds
    /// since it was received plus ticket_age_add, modulo 2^32.
    pub(crate) fn obfuscated_age(&self, now: u64) -> u32 {
        let age_ms = now.saturating_sub(self.issued_at).saturating_mul(1000);
        (age_ms as u32).wrapping_add(self.age_add)
    }

    /// The peer's verified path (a copy for a connection's summary).
    pub(crate) fn peer_path(&self) -> VerifiedPath {
        self.peer_path.clone()
    }
}

/// A state issued up to this many seconds "in the future" (clocks of a fleet differ)
/// is still live.
const CLOCK_SKEW: u64 = 60;

fn put_optional(out: &mut Vec<u8>, v: Option<impl AsRef<[u8]>>) -> Result<(), EncodeError> {
    match v {
        Some(v) => {
            out.push(1);
            put_opaque(out, Len::U8, v.as_ref())
        }
        None => {
            out.push(0);
            Ok(())
        }
    }
}

fn optional(i: &[u8]) -> PResult<'_, Option<Vec<u8>>, DecodeError> {
    let (i, present) = be_u8(i)?;
    match present {
        0 => Ok((i, None)),
        1 => opaque(i, Len::U8, 0, 255).map(|(i, v)| (i, Some(v))),
        _ => fail(DecodeError::LengthOutOfRange),
    }
}

fn be_u64(i: &[u8]) -> PResult<'_, u64, DecodeError> {
    let (i, b) = take(i, 8)?;
    let mut a = [0u8; 8];
    a.copy_from_slice(b);
    Ok((i, u64::from_be_bytes(a)))
}

fn boolean(i: &[u8]) -> PResult<'_, bool, DecodeError> {
    let (i, b) = be_u8(i)?;
    match b {
        0 => Ok((i, false)),
        1 => Ok((i, true)),
        _ => fail(DecodeError::LengthOutOfRange),
    }
}

fn parse_state(i: &[u8]) -> PResult<'_, SessionState, DecodeError> {
    let (i, version) = be_u8(i)?;
    if version != STATE_VERSION {
        return fail(DecodeError::LengthOutOfRange);
    }
    let (i, suite) = be_u16(i)?;
    let (i, secret) = opaque(i, Len::U8, 32, 64)?;
    let secret = Zeroizing::new(secret);
    let (i, auth_time) = be_u64(i)?;
    let (i, issued_at) = be_u64(i)?;
    let (i, lifetime) = be_u32(i)?;
    let (i, age_add) = be_u32(i)?;
    let (i, max_early_data) = be_u32(i)?;
    let (i, group) = be_u16(i)?;
    let (i, kx_post_quantum) = boolean(i)?;
    let (i, server_scheme) = be_u16(i)?;
    let (i, client_scheme) = optional(i)?;
    let client_scheme = match client_scheme.as_deref() {
        None => None,
        Some([a, b]) => Some(SignatureScheme(u16::from_be_bytes([*a, *b]))),
        Some(_) => return fail(DecodeError::LengthOutOfRange),
    };
    let (i, alpn) = optional(i)?;
    let (i, server_name) = optional(i)?;
    let server_name = match server_name {
        None => None,
        Some(n) => match String::from_utf8(n) {
            Ok(s) => Some(s),
            Err(_) => return fail(DecodeError::LengthOutOfRange),
        },
    };
    let (i, body) = prefixed(i, Len::U24, 0, Len::U24.max())?;
    let peer_certificates = list(body, |b| opaque(b, Len::U24, 1, Len::U24.max()))?;
    if peer_certificates.len() > MAX_STATE_CERTIFICATES {
        return fail(DecodeError::TooLarge);
    }
    let (i, body) = prefixed(i, Len::U16, 0, 4 * MAX_STATE_CERTIFICATES * 2)?;
    let signatures = list(body, |b| {
        let (b, index) = be_u16(b)?;
        let (b, scheme) = be_u16(b)?;
        Ok((
            b,
            PathSignature::new(usize::from(index), SignatureScheme(scheme)),
        ))
    })?;
    let (i, ocsp_good) = boolean(i)?;
    let mut peer_path = VerifiedPath::new(signatures);
    if ocsp_good {
        peer_path = peer_path.with_ocsp_good();
    }
    let (i, ticket) = opaque(i, Len::U16, 0, Len::U16.max())?;
    let (i, is_tls12) = boolean(i)?;
    let (i, tls12) = if is_tls12 {
        // RFC 5246 §7.4.1.2: SessionID session_id<0..32>.
        let (i, session_id) = opaque(i, Len::U8, 0, 32)?;
        let (i, extended_master_secret) = boolean(i)?;
        (
            i,
            Some(Tls12Resumption {
                session_id,
                extended_master_secret,
            }),
        )
    } else {
        (i, None)
    };
    Ok((
        i,
        SessionState {
            suite: CipherSuite(suite),
            secret,
            auth_time,
            issued_at,
            lifetime,
            age_add,
            max_early_data,
            group: NamedGroup(group),
            kx_post_quantum,
            server_scheme: SignatureScheme(server_scheme),
            client_scheme,
            alpn,
            server_name,
            peer_certificates: peer_certificates
                .into_iter()
                .map(CertificateDer::from)
                .collect(),
            peer_path,
            ticket,
            tls12,
        },
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn state() -> SessionState {
        SessionState {
            suite: CipherSuite::TLS13_AES_256_GCM_SHA384,
            secret: Zeroizing::new(vec![7; 48]),
            auth_time: 1_700_000_000,
            issued_at: 1_700_000_100,
            lifetime: 7200,
            age_add: 0xdead_beef,
            max_early_data: 16384,
            group: NamedGroup::X25519MLKEM768,
            kx_post_quantum: true,
            server_scheme: SignatureScheme::MLDSA65,
            client_scheme: Some(SignatureScheme::ED25519),
            alpn: Some(b"h2".to_vec()),
            server_name: Some("example.com".into()),
            peer_certificates: vec![CertificateDer::from(vec![0x30, 1, 2]); 2],
            peer_path: VerifiedPath::new(vec![
                PathSignature::new(0, SignatureScheme::MLDSA65),
                PathSignature::new(1, SignatureScheme::MLDSA87),
            ])
            .with_ocsp_good(),
            ticket: vec![9; 100],
            tls12: None,
        }
    }

    #[test]
    fn round_trip() {
        let s = state();
        let bytes = s.encode().unwrap();
        assert_eq!(SessionState::decode(&bytes).unwrap(), s);
        let mut bare = state();
        bare.client_scheme = None;
        bare.alpn = None;
        bare.server_name = None;
        bare.peer_certificates.clear();
        bare.peer_path = VerifiedPath::unverified();
        bare.ticket.clear();
        assert_eq!(SessionState::decode(&bare.encode().unwrap()).unwrap(), bare);
    }

    #[test]
    fn a_tls12_session_round_trips() {
        let mut s = state();
        s.suite = CipherSuite::TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256;
        s.secret = Zeroizing::new(vec![5; 48]);
        s.tls12 = Some(Tls12Resumption {
            session_id: vec![3; 32],
            extended_master_secret: true,
        });
        let bytes = s.encode().unwrap();
        assert_eq!(SessionState::decode(&bytes), Some(s.clone()));
        // A session id longer than RFC 5246 allows is refused.
        s.tls12 = Some(Tls12Resumption {
            session_id: vec![3; 33],
            extended_master_secret: false,
        });
        assert_eq!(SessionState::decode(&s.encode().unwrap()), None);
    }

    #[test]
    fn truncations_and_trailing_bytes_are_refused() {
        let bytes = state().encode().unwrap();
        for n in 0..bytes.len() {
            assert!(SessionState::decode(&bytes[..n]).is_none(), "prefix {n}");
        }
        let mut longer = bytes.to_vec();
        longer.push(0);
        assert!(SessionState::decode(&longer).is_none());
        let mut other_version = bytes.to_vec();
        other_version[0] = 1;
        assert!(SessionState::decode(&other_version).is_none());
    }

    #[test]
    fn liveness_follows_lifetime_and_authentication_age() {
        let s = state();
        assert!(s.is_live(s.issued_at));
        assert!(s.is_live(s.issued_at + 7200));
        assert!(!s.is_live(s.issued_at + 7201));
        let mut old = state();
        old.lifetime = qssl_session::MAX_TICKET_LIFETIME;
        old.issued_at = old.auth_time + 6 * 24 * 3600;
        assert!(old.is_live(old.auth_time + 7 * 24 * 3600));
        assert!(!old.is_live(old.auth_time + 7 * 24 * 3600 + 1));
        assert!(!s.is_live(s.issued_at - CLOCK_SKEW - 1));
    }

    #[test]
    fn obfuscated_age_adds_age_add_modulo_2_32() {
        let s = state();
        assert_eq!(s.obfuscated_age(s.issued_at), 0xdead_beef);
        assert_eq!(
            s.obfuscated_age(s.issued_at + 10),
            0xdead_beefu32.wrapping_add(10_000)
        );
    }

    proptest! {
        #[test]
        fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..600)) {
            let _ = SessionState::decode(&bytes);
        }

        #[test]
        fn mutated_states_never_panic(at in 0usize..200, value in any::<u8>()) {
            let mut bytes = state().encode().unwrap().to_vec();
            let at = at % bytes.len();
            bytes[at] = value;
            if let Some(s) = SessionState::decode(&bytes) {
                // Whatever decodes re-encodes to the same bytes.
                prop_assert_eq!(s.encode().unwrap().to_vec(), bytes);
            }
        }
    }
}

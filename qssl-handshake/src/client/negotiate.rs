//! The client's negotiation: what the server's ServerHello (or HelloRetryRequest)
//! chose, checked against what our ClientHello offered.
//!
//! [`negotiate`] is pure: lookups in the message and in [`Offered`], no I/O, no
//! randomness, no cryptography. Its result says whether the server accepted one of
//! our shares ([`ClientNegotiation`], which the version's emitter turns into the
//! handshake keys) or asks for another ([`RetryRequest`], answered with a second
//! ClientHello). What TLS 1.3 negotiates later (ALPN, the server's record_size_limit,
//! its certificate) comes encrypted and is checked by the states that receive it.

use qssl_crypto::hash::HashAlgorithm;
use qssl_crypto::ids::{CipherSuite, NamedGroup};
use qssl_crypto::kx::SupportedKxGroup;
use qssl_crypto::suites::{SupportedCipherSuite, Tls12CipherSuite, Tls13CipherSuite};
use qssl_wire::TlsVersion;

use crate::error::{Error, PeerIncompatible, PeerMisbehaved};
use crate::{Extension, ExtensionType, ProtocolVersion, ServerHello};

/// RFC 8446 §4.1.3: the last 8 bytes of a TLS 1.3 server's random when it negotiates
/// TLS 1.2 (`01`) or TLS 1.1 and below (`00`).
const DOWNGRADE_TLS12: [u8; 8] = *b"DOWNGRD\x01";
const DOWNGRADE_TLS11: [u8; 8] = *b"DOWNGRD\x00";

/// What our ClientHello offered, as the server's answer is checked against it.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Offered<'a> {
    /// The cipher suites offered.
    pub(crate) suites: &'a [&'static Tls13CipherSuite],
    /// supported_groups.
    pub(crate) groups: &'a [&'static dyn SupportedKxGroup],
    /// The group of the key our share(s) hold.
    pub(crate) share: NamedGroup,
    /// A second share reusing that key's classical component (X25519 inside
    /// X25519MLKEM768), if sent.
    pub(crate) component_share: Option<NamedGroup>,
    /// legacy_session_id, which the server echoes.
    pub(crate) session_id: &'a [u8],
    /// Refuse a key exchange that is not post-quantum.
    pub(crate) pq_only: bool,
    /// After a HelloRetryRequest: the suite it chose, which the ServerHello must keep.
    pub(crate) retry_suite: Option<CipherSuite>,
    /// The session offered in pre_shared_key (one identity), if any.
    pub(crate) psk: Option<OfferedPsk>,
    /// TLS 1.3 was offered (false for a TLS 1.2-only hello).
    pub(crate) tls13: bool,
    /// TLS 1.2 was offered too (supported_versions lists it): what a TLS 1.2
    /// ServerHello is checked against.
    pub(crate) tls12: Option<OfferedTls12<'a>>,
}

/// What a ClientHello that also offers TLS 1.2 allows a TLS 1.2 ServerHello to pick.
#[derive(Debug, Clone, Copy)]
pub(crate) struct OfferedTls12<'a> {
    /// The TLS 1.2 session offered (by session ID or ticket), if any.
    pub(crate) session: Option<&'a crate::resumption::SessionState>,
    /// session_ticket was sent (RFC 5077): the server may acknowledge it.
    pub(crate) ticket_sent: bool,
    /// The TLS 1.2 suites offered.
    pub(crate) suites: &'a [&'static Tls12CipherSuite],
    /// The ALPN protocols offered.
    pub(crate) alpn: &'a [Vec<u8>],
    /// server_name was sent.
    pub(crate) sni: bool,
    /// status_request was sent.
    pub(crate) ocsp: bool,
    /// A server without extended master secret is accepted.
    pub(crate) allow_legacy_master_secret: bool,
}

/// What a TLS 1.2 ServerHello chose (RFC 5246 §7.4.1.3).
#[derive(Debug)]
pub(crate) struct Tls12ServerHello {
    pub(crate) suite: &'static Tls12CipherSuite,
    pub(crate) extended_master_secret: bool,
    pub(crate) alpn_protocol: Option<Vec<u8>>,
    pub(crate) ocsp_acknowledged: bool,
    /// The server resumed the session we offered (abbreviated handshake).
    pub(crate) resumed: bool,
    /// The server acknowledged session_ticket: a NewSessionTicket comes before its
    /// ChangeCipherSpec.
    pub(crate) ticket_acknowledged: bool,
    /// The server's session ID (a full handshake's is the session's for resumption).
    pub(crate) session_id: Vec<u8>,
}

/// What a pre_shared_key offer allows the server to choose.
#[derive(Debug, Clone, Copy)]
pub(crate) struct OfferedPsk {
    /// The PSK's hash: the suite chosen with it must have the same (RFC 8446 §4.2.11).
    pub(crate) hash: HashAlgorithm,
    /// psk_ke was offered too: the server may resume without a key exchange.
    pub(crate) psk_ke: bool,
}

/// The server's answer.
#[derive(Debug)]
pub(crate) enum ServerHelloChoice<'a> {
    /// A ServerHello: the handshake goes on with these parameters.
    Accept(ClientNegotiation<'a>),
    /// A HelloRetryRequest: send a second ClientHello.
    Retry(RetryRequest<'a>),
    /// A TLS 1.2 ServerHello (we offered TLS 1.2 too and the server has nothing newer).
    Tls12(Tls12ServerHello),
}

/// What a ServerHello chose.
#[derive(Debug)]
pub(crate) struct ClientNegotiation<'a> {
    /// The protocol version (only TLS 1.3 today; a TLS 1.2 ServerHello is told apart
    /// here once it exists, and its emitter takes over).
    pub(crate) version: TlsVersion,
    /// One of our suites.
    pub(crate) suite: SupportedCipherSuite,
    /// The server's key share for one of ours; `None` only for a `psk_ke`
    /// resumption we offered.
    pub(crate) key_exchange: Option<ServerShare<'a>>,
    /// The pre-shared key the server accepted (resumption), if any.
    pub(crate) psk: Option<PskAccepted>,
    /// The ServerHello follows our HelloRetryRequest answer.
    pub(crate) after_retry: bool,
}

/// The server's share, for one of the shares we sent.
#[derive(Debug)]
pub(crate) struct ServerShare<'a> {
    /// The group it is for.
    pub(crate) group: NamedGroup,
    /// It answers our second share, the hybrid's classical component, rather than the
    /// key's own group.
    pub(crate) component: bool,
    /// The server's key_exchange bytes.
    pub(crate) peer_share: &'a [u8],
}

/// What a HelloRetryRequest asks of the second ClientHello.
#[derive(Debug)]
pub(crate) struct RetryRequest<'a> {
    /// The suite it chose (the ServerHello must keep it).
    pub(crate) suite: &'static Tls13CipherSuite,
    /// A share for this group instead of ours, if it asks for one.
    pub(crate) group: Option<&'static dyn SupportedKxGroup>,
    /// A cookie to echo, if it sent one.
    pub(crate) cookie: Option<&'a [u8]>,
}

/// A pre-shared key the server accepted (pre_shared_key in its ServerHello, RFC 8446
/// §4.2.11): the index of the identity it selected (we offer one, so always 0).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct PskAccepted {
    pub(crate) identity: u16,
}

/// What `sh` chose, or why it is not an answer to what we `offered`.
pub(crate) fn negotiate<'a>(
    sh: &'a ServerHello,
    offered: &Offered<'_>,
) -> Result<ServerHelloChoice<'a>, Error> {
    // Checked for TLS 1.2-and-below answers and, harmlessly, for all others; by a
    // client that offered TLS 1.3 only (RFC 8446 §4.1.3: "TLS 1.3 clients").
    let tail = &sh.random[24..];
    if offered.tls13 && (tail == DOWNGRADE_TLS12 || tail == DOWNGRADE_TLS11) {
        return Err(PeerMisbehaved::DowngradeDetected.into());
    }
    let version = match sh.extension(ExtensionType::SUPPORTED_VERSIONS) {
        Some(Extension::SupportedVersionsSelected(v))
            if *v == ProtocolVersion::TLSV1_3 && offered.tls13 =>
        {
            TlsVersion::Tls13
        }
        // RFC 8446 §4.2.1: a server negotiating TLS 1.2 sends no supported_versions.
        Some(_) => return Err(PeerMisbehaved::SelectedUnofferedParameter.into()),
        None => match offered.tls12 {
            Some(tls12) if sh.legacy_version == ProtocolVersion::TLSV1_2 => {
                return read_tls12(sh, offered, &tls12).map(ServerHelloChoice::Tls12);
            }
            Some(_) => return Err(PeerIncompatible::NoCommonVersion.into()),
            None => return Err(PeerIncompatible::NoTls13.into()),
        },
    };
    // RFC 8446 §4.1.3: "legacy_version ... MUST be set to 0x0303" (the HRR too).
    if sh.legacy_version != ProtocolVersion::TLSV1_2 {
        return Err(PeerMisbehaved::BadLegacyVersion.into());
    }
    if sh.session_id != offered.session_id {
        return Err(PeerMisbehaved::SessionIdMismatch.into());
    }
    if sh.compression_method != 0 {
        return Err(PeerMisbehaved::BadCompression.into());
    }
    let suite = offered
        .suites
        .iter()
        .copied()
        .find(|s| s.suite == sh.cipher_suite)
        .ok_or(PeerMisbehaved::SelectedUnofferedParameter)?;
    if offered.retry_suite.is_some_and(|s| s != suite.suite) {
        return Err(PeerMisbehaved::SelectedUnofferedParameter.into());
    }
    if sh.is_hello_retry_request() {
        return read_retry(sh, suite, offered).map(ServerHelloChoice::Retry);
    }
    for e in &sh.extensions {
        let allowed = match e.typ() {
            ExtensionType::SUPPORTED_VERSIONS | ExtensionType::KEY_SHARE => true,
            ExtensionType::PRE_SHARED_KEY => offered.psk.is_some(),
            _ => false,
        };
        if !allowed {
            return Err(PeerMisbehaved::UnsolicitedExtension.into());
        }
    }
    let psk = read_psk(sh, suite, offered)?;
    let key_exchange = match sh.extension(ExtensionType::KEY_SHARE) {
        // psk_ke (RFC 8446 §4.2.9): only if we offered it, for the PSK it accepted.
        None if psk.is_some() && offered.psk.is_some_and(|p| p.psk_ke) => {
            if offered.pq_only {
                return Err(PeerIncompatible::NoPostQuantumGroup.into());
            }
            None
        }
        _ => Some(read_share(sh, offered)?),
    };
    Ok(ServerHelloChoice::Accept(ClientNegotiation {
        version,
        suite: SupportedCipherSuite::Tls13(suite),
        key_exchange,
        psk,
        after_retry: offered.retry_suite.is_some(),
    }))
}

/// A TLS 1.2 ServerHello (RFC 5246 §7.4.1.3): one of our TLS 1.2 suites, null
/// compression, no resumption of a session we did not offer, and only extensions we
/// asked for — renegotiation_info empty (RFC 5746 §3.4), extended master secret
/// unless allowed without (RFC 7627 §5.3), ec_point_formats with uncompressed points
/// (RFC 8422 §5.2), one of our ALPN protocols.
fn read_tls12(
    sh: &ServerHello,
    offered: &Offered<'_>,
    tls12: &OfferedTls12<'_>,
) -> Result<Tls12ServerHello, Error> {
    if sh.compression_method != 0 {
        return Err(PeerMisbehaved::BadCompression.into());
    }
    let suite = tls12
        .suites
        .iter()
        .copied()
        .find(|s| s.suite == sh.cipher_suite)
        .ok_or(PeerMisbehaved::SelectedUnofferedParameter)?;
    // The server echoes our session ID to resume the session we offered (by that ID
    // or by ticket, RFC 5077 §3.4). Without a session offered, our ID is a random
    // compatibility value (RFC 8446 §4.1.2): echoing it claims a session we never had.
    let echoed = !sh.session_id.is_empty() && sh.session_id == offered.session_id;
    let resumed = match (echoed, tls12.session) {
        (false, _) => None,
        (true, Some(session)) => Some(session),
        (true, None) => return Err(PeerMisbehaved::SelectedUnofferedParameter.into()),
    };
    // RFC 5246 §7.4.1.3: a resumption keeps the session's suite.
    if resumed.is_some_and(|s| s.suite != suite.suite) {
        return Err(PeerMisbehaved::SelectedUnofferedParameter.into());
    }
    let mut ticket_acknowledged = false;
    let mut extended_master_secret = false;
    let mut alpn_protocol = None;
    let mut ocsp_acknowledged = false;
    for e in &sh.extensions {
        match e {
            Extension::RenegotiationInfo(r) if r.is_empty() => {}
            Extension::RenegotiationInfo(_) => {
                return Err(PeerMisbehaved::BadRenegotiationInfo.into());
            }
            Extension::ExtendedMasterSecret => extended_master_secret = true,
            Extension::Unknown { typ, data } if *typ == ExtensionType::EC_POINT_FORMATS => {
                crate::tls12::handshake::check_ec_point_formats(data)?;
            }
            Extension::Alpn(list) if !tls12.alpn.is_empty() => {
                let [proto] = list.as_slice() else {
                    return Err(PeerMisbehaved::SelectedUnofferedAlpn.into());
                };
                if !tls12.alpn.contains(proto) {
                    return Err(PeerMisbehaved::SelectedUnofferedAlpn.into());
                }
                alpn_protocol = Some(proto.clone());
            }
            Extension::ServerNameAck if tls12.sni => {}
            Extension::StatusRequestAck if tls12.ocsp => ocsp_acknowledged = true,
            Extension::Unknown { typ, data }
                if *typ == ExtensionType::SESSION_TICKET
                    && tls12.ticket_sent
                    && data.is_empty() =>
            {
                ticket_acknowledged = true;
            }
            _ => return Err(PeerMisbehaved::UnsolicitedExtension.into()),
        }
    }
    if !extended_master_secret && !tls12.allow_legacy_master_secret {
        return Err(PeerIncompatible::NoExtendedMasterSecret.into());
    }
    // RFC 7627 §5.3: a resumption uses the extension exactly when the session did.
    if let Some(session) = resumed {
        let session_ems = session
            .tls12
            .as_ref()
            .is_some_and(|t| t.extended_master_secret);
        match (session_ems, extended_master_secret) {
            (true, false) => return Err(PeerIncompatible::NoExtendedMasterSecret.into()),
            (false, true) => return Err(PeerMisbehaved::SelectedUnofferedParameter.into()),
            _ => {}
        }
    }
    Ok(Tls12ServerHello {
        suite,
        extended_master_secret,
        alpn_protocol,
        ocsp_acknowledged,
        resumed: resumed.is_some(),
        ticket_acknowledged,
        session_id: sh.session_id.clone(),
    })
}

/// The PSK the ServerHello selected, if any (pre_shared_key may only be there if we
/// offered one): our only identity, with a suite of the PSK's hash (RFC 8446
/// §4.2.11: "Clients MUST verify that the server's selected_identity is within the
/// range supplied by the client, that the server selected a cipher suite indicating a
/// Hash associated with the PSK").
fn read_psk(
    sh: &ServerHello,
    suite: &'static Tls13CipherSuite,
    offered: &Offered<'_>,
) -> Result<Option<PskAccepted>, Error> {
    let Some(e) = sh.extension(ExtensionType::PRE_SHARED_KEY) else {
        return Ok(None);
    };
    let (Extension::PreSharedKeySelected(identity), Some(psk)) = (e, offered.psk) else {
        return Err(PeerMisbehaved::UnsolicitedExtension.into());
    };
    if *identity != 0 {
        return Err(PeerMisbehaved::SelectedUnofferedParameter.into());
    }
    if suite.hash.algorithm() != psk.hash {
        return Err(PeerMisbehaved::PskIncompatible.into());
    }
    Ok(Some(PskAccepted {
        identity: *identity,
    }))
}

/// The ServerHello's key share: for one of the groups we sent a share for, and
/// post-quantum under `pq_only`.
fn read_share<'a>(sh: &'a ServerHello, offered: &Offered<'_>) -> Result<ServerShare<'a>, Error> {
    let Some(Extension::KeyShareSelected(share)) = sh.extension(ExtensionType::KEY_SHARE) else {
        return Err(PeerMisbehaved::MissingKeyShare.into());
    };
    let group = share.group;
    let component = if group == offered.share {
        false
    } else if Some(group) == offered.component_share {
        true
    } else {
        return Err(PeerMisbehaved::SelectedUnofferedParameter.into());
    };
    if offered.pq_only && !group.is_post_quantum() {
        return Err(PeerIncompatible::NoPostQuantumGroup.into());
    }
    Ok(ServerShare {
        group,
        component,
        peer_share: &share.key_exchange,
    })
}

/// RFC 8446 §4.1.4: a HelloRetryRequest must change the ClientHello (a group, a
/// cookie), name a group we offered and did not already share, and come only once.
fn read_retry<'a>(
    hrr: &'a ServerHello,
    suite: &'static Tls13CipherSuite,
    offered: &Offered<'_>,
) -> Result<RetryRequest<'a>, Error> {
    if offered.retry_suite.is_some() {
        return Err(PeerMisbehaved::SecondHelloRetryRequest.into());
    }
    let mut group = None;
    let mut cookie = None;
    for e in &hrr.extensions {
        match e {
            Extension::SupportedVersionsSelected(_) => {}
            Extension::KeyShareRetry(g) => group = Some(*g),
            Extension::Cookie(c) => cookie = Some(c.as_slice()),
            _ => return Err(PeerMisbehaved::UnsolicitedExtension.into()),
        }
    }
    if group.is_none() && cookie.is_none() {
        return Err(PeerMisbehaved::IllegalHelloRetryRequest.into());
    }
    let group = match group {
        None => None,
        Some(g) if g == offered.share || Some(g) == offered.component_share => {
            return Err(PeerMisbehaved::IllegalHelloRetryRequest.into());
        }
        Some(g) => Some(
            offered
                .groups
                .iter()
                .copied()
                .find(|o| o.name() == g)
                .ok_or(PeerMisbehaved::IllegalHelloRetryRequest)?,
        ),
    };
    Ok(RetryRequest {
        suite,
        group,
        cookie,
    })
}

/// The decisions alone: each test builds a ServerHello value and reads what it
/// negotiates against an [`Offered`] (or the refusal and its alert). No key is made
/// or completed; shares are opaque bytes here.
#[cfg(test)]
mod tests {
    use qssl_alert::AlertDescription;
    use qssl_crypto::kx::{SECP256R1, X25519, X25519MLKEM768};
    use qssl_crypto::suites::{TLS13_AES_128_GCM_SHA256, TLS13_CHACHA20_POLY1305_SHA256};

    use super::*;
    use crate::{HELLO_RETRY_REQUEST_RANDOM, KeyShareEntry};

    const AES128: CipherSuite = CipherSuite::TLS13_AES_128_GCM_SHA256;
    const CHACHA: CipherSuite = CipherSuite::TLS13_CHACHA20_POLY1305_SHA256;
    const HYBRID: NamedGroup = NamedGroup::X25519MLKEM768;
    const SUITES: &[&Tls13CipherSuite] =
        &[&TLS13_AES_128_GCM_SHA256, &TLS13_CHACHA20_POLY1305_SHA256];
    const SESSION_ID: [u8; 32] = [9; 32];

    fn groups() -> Vec<&'static dyn SupportedKxGroup> {
        vec![X25519MLKEM768, X25519, SECP256R1]
    }

    /// A typical first ClientHello: a hybrid share and its x25519 component.
    fn offered<'a>(groups: &'a [&'static dyn SupportedKxGroup]) -> Offered<'a> {
        Offered {
            suites: SUITES,
            groups,
            share: HYBRID,
            component_share: Some(NamedGroup::X25519),
            session_id: &SESSION_ID,
            pq_only: false,
            retry_suite: None,
            psk: None,
            tls13: true,
            tls12: None,
        }
    }

    fn server_hello(suite: CipherSuite, extensions: Vec<Extension>) -> ServerHello {
        ServerHello {
            legacy_version: ProtocolVersion::TLSV1_2,
            random: [3; 32],
            session_id: SESSION_ID.to_vec(),
            cipher_suite: suite,
            compression_method: 0,
            extensions,
        }
    }

    /// A ServerHello choosing `suite` with a share for `group`.
    fn accepting(suite: CipherSuite, group: NamedGroup) -> ServerHello {
        server_hello(
            suite,
            vec![
                Extension::KeyShareSelected(KeyShareEntry {
                    group,
                    key_exchange: group.0.to_be_bytes().repeat(8),
                }),
                Extension::SupportedVersionsSelected(ProtocolVersion::TLSV1_3),
            ],
        )
    }

    /// A HelloRetryRequest for `suite` with these extensions besides supported_versions.
    fn retrying(suite: CipherSuite, extensions: Vec<Extension>) -> ServerHello {
        let mut hrr = server_hello(suite, extensions);
        hrr.random = HELLO_RETRY_REQUEST_RANDOM;
        hrr.extensions.insert(
            0,
            Extension::SupportedVersionsSelected(ProtocolVersion::TLSV1_3),
        );
        hrr
    }

    fn accepted<'a>(sh: &'a ServerHello, offered: &Offered<'_>) -> ClientNegotiation<'a> {
        match negotiate(sh, offered).unwrap() {
            ServerHelloChoice::Accept(n) => n,
            ServerHelloChoice::Retry(r) => panic!("a retry: {r:?}"),
            ServerHelloChoice::Tls12(t) => panic!("TLS 1.2: {t:?}"),
        }
    }

    fn retry<'a>(sh: &'a ServerHello, offered: &Offered<'_>) -> RetryRequest<'a> {
        match negotiate(sh, offered).unwrap() {
            ServerHelloChoice::Retry(r) => r,
            ServerHelloChoice::Accept(n) => panic!("accepted: {n:?}"),
            ServerHelloChoice::Tls12(t) => panic!("TLS 1.2: {t:?}"),
        }
    }

    fn refusal(sh: &ServerHello, offered: &Offered<'_>) -> (Error, AlertDescription) {
        let e = negotiate(sh, offered).unwrap_err();
        (e, e.alert())
    }

    #[test]
    fn a_server_hello_for_our_share_or_its_component_is_accepted() {
        let groups = groups();
        let sh = accepting(CHACHA, HYBRID);
        let n = accepted(&sh, &offered(&groups));
        assert_eq!(n.version, TlsVersion::Tls13);
        assert_eq!(n.suite.suite(), CHACHA);
        assert_eq!(n.key_exchange.as_ref().unwrap().group, HYBRID);
        assert!(!n.key_exchange.as_ref().unwrap().component);
        assert_eq!(
            n.key_exchange.as_ref().unwrap().peer_share,
            HYBRID.0.to_be_bytes().repeat(8)
        );
        assert!(!n.after_retry);
        assert!(n.psk.is_none());

        let sh = accepting(AES128, NamedGroup::X25519);
        let n = accepted(&sh, &offered(&groups));
        assert_eq!(n.key_exchange.as_ref().unwrap().group, NamedGroup::X25519);
        assert!(n.key_exchange.as_ref().unwrap().component);
    }

    #[test]
    fn a_share_or_suite_we_did_not_offer_is_illegal_parameter() {
        let groups = groups();
        let unoffered = (
            PeerMisbehaved::SelectedUnofferedParameter.into(),
            AlertDescription::ILLEGAL_PARAMETER,
        );
        // secp256r1 is supported, but we sent no share for it.
        let sh = accepting(AES128, NamedGroup::SECP256R1);
        assert_eq!(refusal(&sh, &offered(&groups)), unoffered);
        let sh = accepting(CipherSuite::TLS13_AES_256_GCM_SHA384, HYBRID);
        assert_eq!(refusal(&sh, &offered(&groups)), unoffered);
        // After a retry, the ServerHello keeps the retry's suite.
        let mut after = offered(&groups);
        after.retry_suite = Some(CHACHA);
        let sh = accepting(AES128, HYBRID);
        assert_eq!(refusal(&sh, &after), unoffered);
        let sh = accepting(CHACHA, HYBRID);
        assert!(accepted(&sh, &after).after_retry);
    }

    #[test]
    fn pq_only_refuses_a_classical_key_exchange() {
        let groups = groups();
        let mut pq = offered(&groups);
        pq.pq_only = true;
        let sh = accepting(AES128, NamedGroup::X25519);
        assert_eq!(
            refusal(&sh, &pq),
            (
                PeerIncompatible::NoPostQuantumGroup.into(),
                AlertDescription::HANDSHAKE_FAILURE
            )
        );
        let sh = accepting(AES128, HYBRID);
        assert_eq!(accepted(&sh, &pq).key_exchange.unwrap().group, HYBRID);
    }

    #[test]
    fn version_and_legacy_fields_are_checked() {
        let groups = groups();
        let mut sh = accepting(AES128, HYBRID);
        sh.random[24..].copy_from_slice(b"DOWNGRD\x01");
        assert_eq!(
            refusal(&sh, &offered(&groups)),
            (
                PeerMisbehaved::DowngradeDetected.into(),
                AlertDescription::ILLEGAL_PARAMETER
            )
        );
        let mut sh = accepting(AES128, HYBRID);
        sh.extensions.pop();
        assert_eq!(
            refusal(&sh, &offered(&groups)),
            (
                PeerIncompatible::NoTls13.into(),
                AlertDescription::PROTOCOL_VERSION
            )
        );
        let mut sh = accepting(AES128, HYBRID);
        sh.extensions[1] = Extension::SupportedVersionsSelected(ProtocolVersion::TLSV1_2);
        assert_eq!(
            refusal(&sh, &offered(&groups)).0,
            PeerMisbehaved::SelectedUnofferedParameter.into()
        );
        let mut sh = accepting(AES128, HYBRID);
        sh.session_id = vec![1; 32];
        assert_eq!(
            refusal(&sh, &offered(&groups)).0,
            PeerMisbehaved::SessionIdMismatch.into()
        );
    }

    #[test]
    fn a_psk_we_did_not_offer_is_unsolicited_and_the_slot_stays_empty() {
        let groups = groups();
        let mut sh = accepting(AES128, HYBRID);
        sh.extensions.push(Extension::PreSharedKeySelected(0));
        assert_eq!(
            refusal(&sh, &offered(&groups)),
            (
                PeerMisbehaved::UnsolicitedExtension.into(),
                AlertDescription::UNSUPPORTED_EXTENSION
            )
        );
    }

    #[test]
    fn a_retry_asks_for_an_offered_group_we_did_not_share_or_a_cookie() {
        let groups = groups();
        let hrr = retrying(
            AES128,
            vec![Extension::KeyShareRetry(NamedGroup::SECP256R1)],
        );
        let r = retry(&hrr, &offered(&groups));
        assert_eq!(r.suite.suite, AES128);
        assert_eq!(r.group.map(|g| g.name()), Some(NamedGroup::SECP256R1));
        assert_eq!(r.cookie, None);

        let hrr = retrying(CHACHA, vec![Extension::Cookie(b"opaque".to_vec())]);
        let r = retry(&hrr, &offered(&groups));
        assert!(r.group.is_none());
        assert_eq!(r.cookie, Some(&b"opaque"[..]));

        let illegal = (
            PeerMisbehaved::IllegalHelloRetryRequest.into(),
            AlertDescription::ILLEGAL_PARAMETER,
        );
        // Nothing would change in the second ClientHello.
        assert_eq!(
            refusal(&retrying(AES128, vec![]), &offered(&groups)),
            illegal
        );
        // A group we already sent a share for (either of the two).
        for shared in [HYBRID, NamedGroup::X25519] {
            let hrr = retrying(AES128, vec![Extension::KeyShareRetry(shared)]);
            assert_eq!(refusal(&hrr, &offered(&groups)), illegal);
        }
        // A group we do not support.
        let hrr = retrying(
            AES128,
            vec![Extension::KeyShareRetry(NamedGroup::SECP384R1)],
        );
        assert_eq!(refusal(&hrr, &offered(&groups)), illegal);
    }

    #[test]
    fn a_second_retry_is_refused() {
        let groups = groups();
        let mut after = offered(&groups);
        after.retry_suite = Some(AES128);
        let hrr = retrying(
            AES128,
            vec![Extension::KeyShareRetry(NamedGroup::SECP256R1)],
        );
        assert_eq!(
            refusal(&hrr, &after),
            (
                PeerMisbehaved::SecondHelloRetryRequest.into(),
                AlertDescription::UNEXPECTED_MESSAGE
            )
        );
    }
}

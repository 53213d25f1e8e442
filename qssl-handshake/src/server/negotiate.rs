//! The server's negotiation: what a ClientHello and our [`ServerParams`] agree on,
//! decided before anything is computed, drawn or sent.
//!
//! [`negotiate`] is pure: lookups in the hello and the configuration and a call to
//! the certificate resolver, no I/O, no randomness, no cryptography. Its result, a
//! [`ServerNegotiation`], is version-neutral; the emitter of the version it names
//! (`tls13::emit_server_flight`, or `tls13::emit_retry` when it asks for another key
//! share) turns it into messages and keys. Errors come in a fixed order (version,
//! compression, server name, suite, the hello's own extensions, the retry, group,
//! certificate, ALPN), so one ClientHello always draws the same alert.

use std::sync::Arc;

use qssl_crypto::ids::{CipherSuite, NamedGroup, SignatureScheme};
use qssl_crypto::kx::SupportedKxGroup;
use qssl_crypto::suites::SupportedCipherSuite;
use qssl_wire::TlsVersion;

use crate::config::ServerParams;
use crate::error::{Error, PeerIncompatible, PeerMisbehaved};
use crate::resolve::{CertificateCriteria, CertifiedKey};
use crate::{
    ClientHello, Extension, ExtensionType, KeyShareEntry, PreSharedKeyOffer, ProtocolVersion,
    PskKeyExchangeMode,
};

/// What a HelloRetryRequest of ours fixed, which the second ClientHello must keep
/// (RFC 8446 §4.1.4): kept by a stateful server, opened from the cookie by a
/// stateless one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct RetryFixed {
    /// The suite the HelloRetryRequest named.
    pub(crate) suite: CipherSuite,
    /// The group it asked a share for.
    pub(crate) group: NamedGroup,
    /// The first ClientHello's legacy_session_id, which the second must repeat.
    pub(crate) session_id: Vec<u8>,
}

/// Whether the ClientHello answers a HelloRetryRequest of ours, as the caller found
/// out (a stateless server has to open the cookie for that, which is cryptography and
/// so happens before [`negotiate`]).
#[derive(Debug)]
pub(crate) enum Prior<'a> {
    /// No retry on this handshake: a first ClientHello.
    FirstHello,
    /// A second ClientHello, after a HelloRetryRequest that fixed these.
    AfterRetry(&'a RetryFixed),
    /// A retry is owed but cannot be recovered (the cookie is missing or does not
    /// verify). Reported after the hello's own errors, which come first.
    Unrecoverable(Error),
}

/// Everything the server's reply to one ClientHello depends on.
#[derive(Debug)]
pub(crate) struct ServerNegotiation<'a> {
    /// The protocol version (only TLS 1.3 today; TLS 1.2 is chosen here once it
    /// exists, and its emitter takes over from the same negotiation).
    pub(crate) version: TlsVersion,
    /// The suite: ours, by server preference, among the client's.
    pub(crate) suite: SupportedCipherSuite,
    /// Complete the client's share, or ask for another.
    pub(crate) key_exchange: KeyExchange<'a>,
    /// The chain and key to authenticate with.
    pub(crate) certificate: Arc<CertifiedKey>,
    /// The scheme our CertificateVerify signs with: the key's preference among the
    /// client's signature_algorithms.
    pub(crate) scheme: SignatureScheme,
    /// The ALPN protocol: ours, by preference, among the client's.
    pub(crate) alpn_protocol: Option<Vec<u8>>,
    /// The host name the client asked for (validated, lowercased), acknowledged in
    /// EncryptedExtensions.
    pub(crate) server_name: Option<String>,
    /// The client's offer of sessions to resume, if it made one we could accept
    /// (a ticketer configured, a key exchange mode we allow). Which identity, if
    /// any, resumes is decided next, by opening tickets and checking a binder
    /// (`resume::accept`), which is cryptography and so not done here.
    pub(crate) psk_offer: Option<PskOffer<'a>>,
    /// The record size limits of each direction (RFC 8449).
    pub(crate) record_size_limit: RecordSizeLimits,
    /// The client asked for an OCSP staple (status_request).
    pub(crate) ocsp_requested: bool,
    /// This is the second ClientHello, after our HelloRetryRequest.
    pub(crate) after_retry: bool,
    /// The client offered 0-RTT (early_data in its ClientHello): accepted or skipped.
    pub(crate) early_data_offered: bool,
}

/// The key exchange decision.
#[derive(Debug)]
pub(crate) enum KeyExchange<'a> {
    /// The client sent a share for `group`, our most preferred among its shares.
    Share {
        /// The group, as we implement it.
        group: &'static dyn SupportedKxGroup,
        /// The client's key_exchange bytes for it.
        peer_share: &'a [u8],
    },
    /// No share we accept: a HelloRetryRequest asks for `group`, our most preferred
    /// group the client supports.
    Retry {
        /// The group asked for.
        group: NamedGroup,
    },
}

/// RFC 8449 for both directions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct RecordSizeLimits {
    /// The client's limit: our records stay within it.
    pub(crate) peer: Option<u16>,
    /// Ours, announced in EncryptedExtensions and applied to what we read, only when
    /// the client sent a limit too (§4: a client that did not cannot know ours).
    pub(crate) own: Option<u16>,
}

/// A well-formed pre_shared_key offer (RFC 8446 §4.2.11) and the mode a resumption
/// would use.
#[derive(Debug, Clone, Copy)]
pub(crate) struct PskOffer<'a> {
    /// The identities and binders, as many of one as of the other.
    pub(crate) offer: &'a PreSharedKeyOffer,
    /// Resume without a key exchange (psk_ke): the client offered it and we allow it.
    /// Otherwise psk_dhe_ke, which the client offered.
    pub(crate) without_key_exchange: bool,
}

/// The client's psk_key_exchange_modes, as a server reads them.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct PskModes {
    pub(crate) dhe_ke: bool,
    pub(crate) ke: bool,
}

impl PskModes {
    /// The modes `ch` lists (none without the extension).
    pub(crate) fn of(ch: &ClientHello) -> Self {
        match ch.extension(ExtensionType::PSK_KEY_EXCHANGE_MODES) {
            Some(Extension::PskKeyExchangeModes(m)) => Self {
                dhe_ke: m.contains(&PskKeyExchangeMode::PSK_DHE_KE),
                ke: m.contains(&PskKeyExchangeMode::PSK_KE),
            },
            _ => Self::default(),
        }
    }

    /// Whether a ticket could resume under a mode both sides allow (RFC 8446 §4.2.9:
    /// servers "SHOULD NOT send NewSessionTicket with tickets that are not compatible
    /// with the advertised modes").
    pub(crate) fn allow_tickets(self, params: &ServerParams) -> bool {
        self.dhe_ke || (self.ke && params.psk_ke)
    }
}

/// What `ch` and `params` agree on, or why they cannot agree. `prior` says whether
/// `ch` answers a HelloRetryRequest of ours.
pub(crate) fn negotiate<'a>(
    ch: &'a ClientHello,
    params: &ServerParams,
    prior: Prior<'_>,
) -> Result<ServerNegotiation<'a>, Error> {
    let version = choose_version(ch, params)?;
    if version != TlsVersion::Tls13 {
        return Err(Error::Misuse(
            "a TLS 1.2 ClientHello given to the TLS 1.3 negotiation",
        ));
    }
    if ch.compression_methods != [0] {
        return Err(PeerMisbehaved::BadCompression.into());
    }
    let server_name = crate::sni::requested_server_name(ch)?;
    let suite = params
        .suites
        .iter()
        .copied()
        .find(|s| ch.cipher_suites.contains(&s.suite))
        .map(SupportedCipherSuite::Tls13)
        .ok_or(PeerIncompatible::NoCommonCipherSuite)?;
    let offer = Offer::read(ch)?;
    let after_retry = match prior {
        Prior::FirstHello => false,
        Prior::AfterRetry(fixed) => {
            offer.check_answers_retry(fixed, suite.suite(), &ch.session_id)?;
            true
        }
        Prior::Unrecoverable(e) => return Err(e),
    };
    let acceptable = acceptable_groups(params, offer.groups)?;
    let (certificate, scheme) = choose_certificate(ch, params, &offer, server_name.as_deref())?;
    let alpn_protocol = choose_alpn(ch, params)?;
    let key_exchange = match acceptable.iter().find_map(|&g| offer.share_for(g)) {
        Some((group, share)) => KeyExchange::Share {
            group,
            peer_share: &share.key_exchange,
        },
        // RFC 8446 §4.1.4: the second hello must bring the share we asked for.
        None if after_retry => return Err(PeerMisbehaved::IllegalHelloRetryRequest.into()),
        None => KeyExchange::Retry {
            group: acceptable[0].name(),
        },
    };
    let psk_offer = read_psk_offer(ch, params)?;
    let peer_limit = match ch.extension(ExtensionType::RECORD_SIZE_LIMIT) {
        Some(Extension::RecordSizeLimit(l)) => Some(*l),
        _ => None,
    };
    Ok(ServerNegotiation {
        version,
        suite,
        key_exchange,
        certificate,
        scheme,
        alpn_protocol,
        server_name,
        psk_offer,
        record_size_limit: RecordSizeLimits {
            peer: peer_limit,
            own: params.record_size_limit.filter(|_| peer_limit.is_some()),
        },
        ocsp_requested: ch.extension(ExtensionType::STATUS_REQUEST).is_some(),
        after_retry,
        early_data_offered: ch.extension(ExtensionType::EARLY_DATA).is_some(),
    })
}

/// The client's pre_shared_key, checked (RFC 8446 §4.2.11: one binder per identity;
/// §4.2.9: psk_key_exchange_modes with it), if we could resume with it: a ticketer
/// configured and a mode we allow.
fn read_psk_offer<'a>(
    ch: &'a ClientHello,
    params: &ServerParams,
) -> Result<Option<PskOffer<'a>>, Error> {
    let Some(Extension::PreSharedKeyOffer(offer)) = ch.extension(ExtensionType::PRE_SHARED_KEY)
    else {
        return Ok(None);
    };
    if ch
        .extension(ExtensionType::PSK_KEY_EXCHANGE_MODES)
        .is_none()
    {
        return Err(PeerMisbehaved::PskWithoutKeyExchangeModes.into());
    }
    if offer.identities.len() != offer.binders.len() {
        return Err(PeerMisbehaved::PskBinderCountMismatch.into());
    }
    let modes = PskModes::of(ch);
    let without_key_exchange = modes.ke && params.psk_ke;
    if params.ticketer.is_none() || !(without_key_exchange || modes.dhe_ke) {
        return Ok(None);
    }
    Ok(Some(PskOffer {
        offer,
        without_key_exchange,
    }))
}

/// The highest version both sides speak: TLS 1.3 if the client lists it in
/// supported_versions (and `params.tls13`, the default); otherwise TLS 1.2 if `params.tls12` and the client offers it
/// (in supported_versions — which may also list versions we do not know, drafts
/// among them — or, without that extension, by a legacy_version of 0x0303 or more,
/// RFC 5246 Appendix E.1).
pub(crate) fn choose_version(ch: &ClientHello, params: &ServerParams) -> Result<TlsVersion, Error> {
    let (offers13, offers12) = match ch.extension(ExtensionType::SUPPORTED_VERSIONS) {
        Some(Extension::SupportedVersionsOffer(v)) => (
            v.contains(&ProtocolVersion::TLSV1_3),
            v.contains(&ProtocolVersion::TLSV1_2),
        ),
        _ => (false, ch.legacy_version >= ProtocolVersion::TLSV1_2),
    };
    // RFC 8446 §4.1.2: a TLS 1.3 client sets 0x0303 here; anything lower is a
    // client too old for us (or a probe), whatever supported_versions says.
    if offers13 && ch.legacy_version < ProtocolVersion::TLSV1_2 {
        return Err(PeerIncompatible::LegacyVersionTooLow.into());
    }
    if offers13 && params.tls13 {
        return Ok(TlsVersion::Tls13);
    }
    if !params.tls12 {
        return Err(PeerIncompatible::NoTls13.into());
    }
    if offers12 && ch.legacy_version >= ProtocolVersion::TLSV1_2 {
        Ok(TlsVersion::Tls12)
    } else if ch.legacy_version < ProtocolVersion::TLSV1_2 {
        Err(PeerIncompatible::LegacyVersionTooLow.into())
    } else {
        Err(PeerIncompatible::NoCommonVersion.into())
    }
}

/// The extensions every negotiation reads, checked to be present and consistent.
struct Offer<'a> {
    groups: &'a [NamedGroup],
    schemes: &'a [SignatureScheme],
    shares: &'a [KeyShareEntry],
}

impl<'a> Offer<'a> {
    fn read(ch: &'a ClientHello) -> Result<Self, Error> {
        let Some(Extension::SupportedGroups(groups)) =
            ch.extension(ExtensionType::SUPPORTED_GROUPS)
        else {
            return Err(PeerMisbehaved::MissingExtension.into());
        };
        let Some(Extension::SignatureAlgorithms(schemes)) =
            ch.extension(ExtensionType::SIGNATURE_ALGORITHMS)
        else {
            return Err(PeerMisbehaved::MissingExtension.into());
        };
        let Some(Extension::KeyShareOffer(shares)) = ch.extension(ExtensionType::KEY_SHARE) else {
            return Err(PeerMisbehaved::MissingKeyShare.into());
        };
        // RFC 8446 §4.2.8: one share per group, each group in supported_groups.
        for (i, s) in shares.iter().enumerate() {
            if !groups.contains(&s.group) || shares[..i].iter().any(|o| o.group == s.group) {
                return Err(PeerMisbehaved::InconsistentKeyShares.into());
            }
        }
        Ok(Self {
            groups,
            schemes,
            shares,
        })
    }

    /// RFC 8446 §4.1.4: the second hello answers the HelloRetryRequest: one share, for
    /// the group asked, the same suite and legacy_session_id.
    fn check_answers_retry(
        &self,
        fixed: &RetryFixed,
        suite: CipherSuite,
        session_id: &[u8],
    ) -> Result<(), Error> {
        let [share] = self.shares else {
            return Err(PeerMisbehaved::IllegalHelloRetryRequest.into());
        };
        if share.group != fixed.group || suite != fixed.suite || session_id != fixed.session_id {
            return Err(PeerMisbehaved::IllegalHelloRetryRequest.into());
        }
        Ok(())
    }

    fn share_for(
        &self,
        group: &'static dyn SupportedKxGroup,
    ) -> Option<(&'static dyn SupportedKxGroup, &'a KeyShareEntry)> {
        self.shares
            .iter()
            .find(|s| s.group == group.name())
            .map(|s| (group, s))
    }
}

/// Our groups the client supports, in our preference order, minus classical ones
/// under `pq_only`; never empty.
fn acceptable_groups(
    params: &ServerParams,
    client_groups: &[NamedGroup],
) -> Result<Vec<&'static dyn SupportedKxGroup>, Error> {
    let acceptable: Vec<_> = params
        .groups
        .iter()
        .copied()
        .filter(|g| client_groups.contains(&g.name()))
        .filter(|g| !params.pq_only || g.name().is_post_quantum())
        .collect();
    if acceptable.is_empty() {
        return Err(if params.pq_only {
            PeerIncompatible::NoPostQuantumGroup
        } else {
            PeerIncompatible::NoCommonGroup
        }
        .into());
    }
    Ok(acceptable)
}

/// The resolver's chain for what the client can verify, and the scheme to sign with.
/// A resolver that returns a key the client cannot verify is treated as if it had
/// returned none: the same alert either way.
fn choose_certificate(
    ch: &ClientHello,
    params: &ServerParams,
    offer: &Offer<'_>,
    server_name: Option<&str>,
) -> Result<(Arc<CertifiedKey>, SignatureScheme), Error> {
    let mut criteria = CertificateCriteria::new(offer.schemes);
    criteria.server_name = server_name;
    if let Some(Extension::SignatureAlgorithmsCert(s)) =
        ch.extension(ExtensionType::SIGNATURE_ALGORITHMS_CERT)
    {
        criteria.cert_signature_schemes = Some(s);
    }
    if let Some(Extension::CertificateAuthorities(cas)) =
        ch.extension(ExtensionType::CERTIFICATE_AUTHORITIES)
    {
        criteria.certificate_authorities = cas;
    }
    params
        .cert_resolver
        .resolve(&criteria)
        .and_then(|c| c.tls13_scheme(offer.schemes).map(|s| (c, s)))
        .ok_or_else(|| PeerIncompatible::NoCommonSignatureScheme.into())
}

/// Our most preferred ALPN protocol the client offered; none if either side has no
/// list, and no_application_protocol if both have one and they do not meet.
pub(crate) fn choose_alpn(
    ch: &ClientHello,
    params: &ServerParams,
) -> Result<Option<Vec<u8>>, Error> {
    match ch.extension(ExtensionType::APPLICATION_LAYER_PROTOCOL_NEGOTIATION) {
        Some(Extension::Alpn(offered)) if !params.alpn_protocols.is_empty() => params
            .alpn_protocols
            .iter()
            .find(|p| offered.contains(p))
            .cloned()
            .map(Some)
            .ok_or_else(|| PeerIncompatible::NoApplicationProtocol.into()),
        _ => Ok(None),
    }
}

/// The decisions alone: each test builds a ClientHello value and reads the negotiation
/// (or the refusal and its alert). Nothing is drawn, exchanged or signed; key shares
/// are opaque bytes here. The certificates are OpenSSL-made fixtures: an ECDSA P-256
/// leaf under an RSA CA (the OCSP vectors) and a self-signed ML-DSA-65 certificate
/// (qssl-crypto's key fixtures), behind the built-in [`CertificateSet`].
#[cfg(test)]
mod tests {
    use qssl_alert::AlertDescription;
    use qssl_crypto::keys;
    use qssl_crypto::kx::{SECP256R1, X25519, X25519MLKEM768};
    use qssl_crypto::pki::pem_certificates;
    use qssl_crypto::provider::default_provider;
    use qssl_crypto::suites::{
        TLS13_AES_128_GCM_SHA256, TLS13_AES_256_GCM_SHA384, TLS13_CHACHA20_POLY1305_SHA256,
    };

    use super::*;
    use crate::verify::CertificateDer;
    use crate::{
        CertificateSet, CertificateStatusRequest, PreSharedKeyOffer, PskIdentity,
        PskKeyExchangeMode,
    };

    const AES128: CipherSuite = CipherSuite::TLS13_AES_128_GCM_SHA256;
    const AES256: CipherSuite = CipherSuite::TLS13_AES_256_GCM_SHA384;
    const CHACHA: CipherSuite = CipherSuite::TLS13_CHACHA20_POLY1305_SHA256;
    const HYBRID: NamedGroup = NamedGroup::X25519MLKEM768;
    const ECDSA: SignatureScheme = SignatureScheme::ECDSA_SECP256R1_SHA256;
    const MLDSA: SignatureScheme = SignatureScheme::MLDSA65;

    fn ecdsa_key() -> CertifiedKey {
        let mut chain =
            pem_certificates(include_str!("../../tests/vectors/ocsp/good.pem")).unwrap();
        chain.extend(pem_certificates(include_str!("../../tests/vectors/ocsp/ca.pem")).unwrap());
        let key = keys::load_private_key_pem(include_str!("../../tests/vectors/ocsp/good.key"));
        CertifiedKey::new(
            chain.into_iter().map(CertificateDer::from).collect(),
            Arc::new(key.unwrap()),
        )
    }

    fn mldsa_key() -> CertifiedKey {
        let key = keys::load_private_key_der(include_bytes!(
            "../../../qssl-crypto/tests/fixtures/mldsa65-both.der"
        ));
        let cert = include_bytes!("../../../qssl-crypto/tests/fixtures/mldsa65-both.cert.der");
        CertifiedKey::new(
            vec![CertificateDer::from(cert.to_vec())],
            Arc::new(key.unwrap()),
        )
    }

    /// Suites AES-128, AES-256, ChaCha20; groups the hybrid, x25519, secp256r1; the
    /// ML-DSA chain preferred over the ECDSA one.
    fn params() -> ServerParams {
        let provider = default_provider();
        let set = CertificateSet::new(vec![mldsa_key(), ecdsa_key()], &provider).unwrap();
        let mut p = ServerParams::new(Arc::new(provider), Arc::new(set)).unwrap();
        p.suites = vec![
            &TLS13_AES_128_GCM_SHA256,
            &TLS13_AES_256_GCM_SHA384,
            &TLS13_CHACHA20_POLY1305_SHA256,
        ];
        p.groups = vec![X25519MLKEM768, X25519, SECP256R1];
        p
    }

    /// A key share whose bytes say which group it is for.
    fn share(group: NamedGroup) -> KeyShareEntry {
        KeyShareEntry {
            group,
            key_exchange: group.0.to_be_bytes().repeat(16),
        }
    }

    /// A TLS 1.3 ClientHello offering `suites`, `groups` (sharing `shared`) and
    /// verifying `schemes`.
    fn hello(
        suites: &[CipherSuite],
        groups: &[NamedGroup],
        shared: &[NamedGroup],
        schemes: &[SignatureScheme],
    ) -> ClientHello {
        ClientHello {
            legacy_version: ProtocolVersion::TLSV1_2,
            random: [7; 32],
            session_id: vec![9; 32],
            cipher_suites: suites.to_vec(),
            compression_methods: vec![0],
            extensions: vec![
                Extension::SupportedVersionsOffer(vec![ProtocolVersion::TLSV1_3]),
                Extension::SupportedGroups(groups.to_vec()),
                Extension::SignatureAlgorithms(schemes.to_vec()),
                Extension::KeyShareOffer(shared.iter().copied().map(share).collect()),
            ],
        }
    }

    /// The version choice with TLS 1.2 enabled (RFC 8446 §4.2.1, RFC 5246 Appendix
    /// E.1): TLS 1.3 whenever offered; TLS 1.2 from a supported_versions that lists it
    /// among versions we do not know (drafts, a future 0x0305), or from a plain TLS 1.2
    /// hello; protocol_version for anything older; and with TLS 1.2 off, a TLS
    /// 1.2-only client is NoTls13.
    #[test]
    fn version_choice_with_tls12_enabled() {
        let mut p = params();
        p.tls12 = true;
        let with_versions = |v: &[u16], legacy: u16| {
            let mut ch = typical();
            ch.legacy_version = ProtocolVersion(legacy);
            ch.extensions[0] =
                Extension::SupportedVersionsOffer(v.iter().copied().map(ProtocolVersion).collect());
            ch
        };
        let plain = |legacy: u16| {
            let mut ch = typical();
            ch.legacy_version = ProtocolVersion(legacy);
            ch.extensions.remove(0);
            ch
        };
        let v = |ch: &ClientHello, p: &ServerParams| choose_version(ch, p);
        assert_eq!(
            v(&with_versions(&[0x0304, 0x0303], 0x0303), &p),
            Ok(TlsVersion::Tls13)
        );
        assert_eq!(
            v(
                &with_versions(&[0x7f1c, 0x0305, 0x0303, 0x0302], 0x0303),
                &p
            ),
            Ok(TlsVersion::Tls12)
        );
        assert_eq!(
            v(&with_versions(&[0x7f1c, 0x0304], 0x0303), &p),
            Ok(TlsVersion::Tls13)
        );
        assert_eq!(v(&plain(0x0303), &p), Ok(TlsVersion::Tls12));
        // A hello newer than TLS 1.2 without supported_versions: TLS 1.2 (E.1).
        assert_eq!(v(&plain(0x0304), &p), Ok(TlsVersion::Tls12));
        let too_old = v(&plain(0x0302), &p).unwrap_err();
        assert_eq!(too_old.alert(), AlertDescription::PROTOCOL_VERSION);
        let no_common = v(&with_versions(&[0x0302, 0x7f1c], 0x0303), &p).unwrap_err();
        assert_eq!(no_common, PeerIncompatible::NoCommonVersion.into());
        assert_eq!(no_common.alert(), AlertDescription::PROTOCOL_VERSION);
        // TLS 1.2 off (the default): a TLS 1.2 client is refused as before.
        p.tls12 = false;
        assert_eq!(v(&plain(0x0303), &p), Err(PeerIncompatible::NoTls13.into()));
        // TLS 1.3 off (a TLS 1.2-only server): TLS 1.2 even from a TLS 1.3 client.
        p.tls12 = true;
        p.tls13 = false;
        assert_eq!(
            v(&with_versions(&[0x0304, 0x0303], 0x0303), &p),
            Ok(TlsVersion::Tls12)
        );
    }

    /// What a typical client offers: AES-128 and ChaCha20, the hybrid and x25519 with a
    /// share each, ECDSA and ML-DSA.
    fn typical() -> ClientHello {
        hello(
            &[AES128, CHACHA],
            &[HYBRID, NamedGroup::X25519],
            &[HYBRID, NamedGroup::X25519],
            &[ECDSA, MLDSA],
        )
    }

    fn first<'a>(
        ch: &'a ClientHello,
        params: &ServerParams,
    ) -> Result<ServerNegotiation<'a>, Error> {
        negotiate(ch, params, Prior::FirstHello)
    }

    fn refusal(ch: &ClientHello, params: &ServerParams) -> (Error, AlertDescription) {
        let e = first(ch, params).unwrap_err();
        (e, e.alert())
    }

    fn shared_group(n: &ServerNegotiation<'_>) -> Option<(NamedGroup, Vec<u8>)> {
        match &n.key_exchange {
            KeyExchange::Share { group, peer_share } => Some((group.name(), peer_share.to_vec())),
            KeyExchange::Retry { .. } => None,
        }
    }

    fn retry_group(n: &ServerNegotiation<'_>) -> Option<NamedGroup> {
        match n.key_exchange {
            KeyExchange::Retry { group } => Some(group),
            KeyExchange::Share { .. } => None,
        }
    }

    #[test]
    fn suite_is_the_servers_preference_among_the_clients() {
        let mut ch = typical();
        ch.cipher_suites = vec![CHACHA, AES256];
        let n = first(&ch, &params()).unwrap();
        assert_eq!(n.version, TlsVersion::Tls13);
        assert_eq!(n.suite.suite(), AES256);
        assert_eq!(n.suite.version(), TlsVersion::Tls13);

        ch.cipher_suites = vec![CipherSuite(0x1305), CipherSuite(0xc02b)];
        assert_eq!(
            refusal(&ch, &params()),
            (
                PeerIncompatible::NoCommonCipherSuite.into(),
                AlertDescription::HANDSHAKE_FAILURE
            )
        );
    }

    #[test]
    fn group_is_the_servers_preference_among_the_clients_shares() {
        // The client prefers x25519; the server's order decides.
        let ch = hello(
            &[AES128],
            &[NamedGroup::X25519, HYBRID],
            &[NamedGroup::X25519, HYBRID],
            &[ECDSA],
        );
        let n = first(&ch, &params()).unwrap();
        assert_eq!(shared_group(&n), Some((HYBRID, share(HYBRID).key_exchange)));
        assert!(!n.after_retry);

        // Among the shares only: a preferred group without a share does not force a
        // retry when another acceptable group has one.
        let ch = hello(
            &[AES128],
            &[HYBRID, NamedGroup::SECP256R1],
            &[NamedGroup::SECP256R1],
            &[ECDSA],
        );
        let n = first(&ch, &params()).unwrap();
        assert_eq!(
            shared_group(&n).map(|(g, _)| g),
            Some(NamedGroup::SECP256R1)
        );
    }

    #[test]
    fn no_usable_share_asks_for_the_servers_preferred_supported_group() {
        // secp384r1 is shared but not ours; of the client's groups we prefer x25519.
        let ch = hello(
            &[AES128],
            &[
                NamedGroup::SECP384R1,
                NamedGroup::SECP256R1,
                NamedGroup::X25519,
            ],
            &[NamedGroup::SECP384R1],
            &[ECDSA],
        );
        let n = first(&ch, &params()).unwrap();
        assert_eq!(retry_group(&n), Some(NamedGroup::X25519));
        assert_eq!(n.suite.suite(), AES128);
    }

    #[test]
    fn no_common_group_is_handshake_failure() {
        let ch = hello(
            &[AES128],
            &[NamedGroup::SECP384R1],
            &[NamedGroup::SECP384R1],
            &[ECDSA],
        );
        assert_eq!(
            refusal(&ch, &params()),
            (
                PeerIncompatible::NoCommonGroup.into(),
                AlertDescription::HANDSHAKE_FAILURE
            )
        );
    }

    #[test]
    fn pq_only_refuses_classical_shares_and_retries_for_a_post_quantum_group() {
        let mut pq = params();
        pq.pq_only = true;
        // Classical share, hybrid supported: a retry for the hybrid, where the same
        // hello is accepted as it is without pq_only.
        let ch = hello(
            &[AES128],
            &[NamedGroup::X25519, HYBRID],
            &[NamedGroup::X25519],
            &[ECDSA],
        );
        assert_eq!(retry_group(&first(&ch, &pq).unwrap()), Some(HYBRID));
        let n = first(&ch, &params()).unwrap();
        assert_eq!(shared_group(&n).map(|(g, _)| g), Some(NamedGroup::X25519));

        // Nothing post-quantum supported: refused, naming the reason.
        let ch = hello(
            &[AES128],
            &[NamedGroup::X25519],
            &[NamedGroup::X25519],
            &[ECDSA],
        );
        assert_eq!(
            refusal(&ch, &pq),
            (
                PeerIncompatible::NoPostQuantumGroup.into(),
                AlertDescription::HANDSHAKE_FAILURE
            )
        );
    }

    #[test]
    fn the_second_hello_must_answer_the_retry() {
        let fixed = RetryFixed {
            suite: AES128,
            group: HYBRID,
            session_id: vec![9; 32],
        };
        let after = |ch: &ClientHello| {
            negotiate(ch, &params(), Prior::AfterRetry(&fixed))
                .map(|n| (n.after_retry, shared_group(&n).map(|(g, _)| g)))
        };
        let answer = hello(
            &[AES128],
            &[HYBRID, NamedGroup::X25519],
            &[HYBRID],
            &[ECDSA],
        );
        assert_eq!(after(&answer), Ok((true, Some(HYBRID))));

        let illegal = Err(Error::from(PeerMisbehaved::IllegalHelloRetryRequest));
        // Another acceptable group than the one asked for.
        let other = hello(
            &[AES128],
            &[HYBRID, NamedGroup::X25519],
            &[NamedGroup::X25519],
            &[ECDSA],
        );
        assert_eq!(after(&other).map(|_| ()), illegal);
        // Two shares.
        let two = hello(
            &[AES128],
            &[HYBRID, NamedGroup::X25519],
            &[HYBRID, NamedGroup::X25519],
            &[ECDSA],
        );
        assert_eq!(after(&two).map(|_| ()), illegal);
        // Another suite.
        let mut suite = answer.clone();
        suite.cipher_suites = vec![AES256];
        assert_eq!(after(&suite).map(|_| ()), illegal);
        // Another legacy_session_id.
        let mut sid = answer.clone();
        sid.session_id = vec![1; 32];
        assert_eq!(after(&sid).map(|_| ()), illegal);
        // A share for a group we do not take, as the only one: no second retry.
        let fixed = RetryFixed {
            group: NamedGroup::SECP384R1,
            ..fixed.clone()
        };
        let useless = hello(
            &[AES128],
            &[NamedGroup::SECP384R1, HYBRID],
            &[NamedGroup::SECP384R1],
            &[ECDSA],
        );
        assert_eq!(
            negotiate(&useless, &params(), Prior::AfterRetry(&fixed)).map(|_| ()),
            illegal
        );
    }

    #[test]
    fn an_unrecoverable_retry_is_reported_after_the_hellos_own_errors() {
        let bad_cookie = Error::from(PeerMisbehaved::BadCookie);
        let ch = typical();
        let e = negotiate(&ch, &params(), Prior::Unrecoverable(bad_cookie)).unwrap_err();
        assert_eq!(
            (e, e.alert()),
            (bad_cookie, AlertDescription::ILLEGAL_PARAMETER)
        );
        // A hello that is wrong in itself draws its own alert first.
        let mut missing = typical();
        missing
            .extensions
            .retain(|e| e.typ() != ExtensionType::KEY_SHARE);
        assert_eq!(
            negotiate(&missing, &params(), Prior::Unrecoverable(bad_cookie)).unwrap_err(),
            PeerMisbehaved::MissingKeyShare.into()
        );
    }

    #[test]
    fn the_certificate_is_one_the_client_can_verify() {
        let mut ch = typical();
        let n = first(&ch, &params()).unwrap();
        assert_eq!(n.scheme, MLDSA);
        assert!(n.certificate.key.schemes().contains(&MLDSA));

        ch.extensions[2] = Extension::SignatureAlgorithms(vec![SignatureScheme::ED25519, ECDSA]);
        let n = first(&ch, &params()).unwrap();
        assert_eq!(n.scheme, ECDSA);
        assert_eq!(n.certificate.chain.len(), 2, "the ECDSA leaf and its CA");
    }

    #[test]
    fn no_common_signature_scheme_is_handshake_failure() {
        let mut ch = typical();
        ch.extensions[2] = Extension::SignatureAlgorithms(vec![
            SignatureScheme::ED25519,
            SignatureScheme::RSA_PSS_RSAE_SHA256,
        ]);
        assert_eq!(
            refusal(&ch, &params()),
            (
                PeerIncompatible::NoCommonSignatureScheme.into(),
                AlertDescription::HANDSHAKE_FAILURE
            )
        );
    }

    #[test]
    fn alpn_is_the_servers_preference_and_no_overlap_is_refused() {
        let mut p = params();
        p.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
        let mut ch = typical();
        // Neither side's list absent: no ALPN, no refusal.
        assert_eq!(first(&ch, &p).unwrap().alpn_protocol, None);
        ch.extensions
            .push(Extension::Alpn(vec![b"http/1.1".to_vec(), b"h2".to_vec()]));
        assert_eq!(first(&ch, &p).unwrap().alpn_protocol, Some(b"h2".to_vec()));
        assert_eq!(first(&ch, &params()).unwrap().alpn_protocol, None);

        let last = ch.extensions.len() - 1;
        ch.extensions[last] = Extension::Alpn(vec![b"spdy/3".to_vec()]);
        assert_eq!(
            refusal(&ch, &p),
            (
                PeerIncompatible::NoApplicationProtocol.into(),
                AlertDescription::NO_APPLICATION_PROTOCOL
            )
        );
    }

    fn with_psk(
        mut ch: ClientHello,
        modes: Option<Vec<PskKeyExchangeMode>>,
        binders: usize,
    ) -> ClientHello {
        if let Some(m) = modes {
            ch.extensions.push(Extension::PskKeyExchangeModes(m));
        }
        ch.extensions
            .push(Extension::PreSharedKeyOffer(PreSharedKeyOffer {
                identities: vec![PskIdentity {
                    identity: b"a ticket".to_vec(),
                    obfuscated_ticket_age: 1000,
                }],
                binders: vec![vec![0x55; 32]; binders],
            }));
        ch
    }

    #[test]
    fn a_psk_offer_is_read_with_the_mode_both_sides_allow() {
        let dhe = vec![PskKeyExchangeMode::PSK_DHE_KE];
        let both = vec![PskKeyExchangeMode::PSK_DHE_KE, PskKeyExchangeMode::PSK_KE];
        let ch = with_psk(typical(), Some(dhe.clone()), 1);
        let n = first(&ch, &params()).unwrap();
        let offer = n.psk_offer.unwrap();
        assert_eq!(offer.offer.identities.len(), 1);
        assert!(!offer.without_key_exchange);
        // The key exchange and certificate are negotiated all the same: a ticket that
        // does not resume falls back to them.
        assert_eq!(shared_group(&n).map(|(g, _)| g), Some(HYBRID));
        assert_eq!(n.scheme, MLDSA);

        // psk_ke only when both sides opt in.
        let ch = with_psk(typical(), Some(both), 1);
        assert!(
            !first(&ch, &params())
                .unwrap()
                .psk_offer
                .unwrap()
                .without_key_exchange
        );
        let mut p = params();
        p.psk_ke = true;
        assert!(
            first(&ch, &p)
                .unwrap()
                .psk_offer
                .unwrap()
                .without_key_exchange
        );
        // A client allowing only psk_ke, to a server that does not: no resumption.
        let ch = with_psk(typical(), Some(vec![PskKeyExchangeMode::PSK_KE]), 1);
        assert!(first(&ch, &params()).unwrap().psk_offer.is_none());
        // No ticketer: nothing resumes.
        let mut p = params();
        p.ticketer = None;
        let ch = with_psk(typical(), Some(dhe), 1);
        assert!(first(&ch, &p).unwrap().psk_offer.is_none());
    }

    #[test]
    fn a_psk_offer_without_modes_or_with_a_binder_per_identity_missing_is_refused() {
        let ch = with_psk(typical(), None, 1);
        assert_eq!(
            refusal(&ch, &params()),
            (
                PeerMisbehaved::PskWithoutKeyExchangeModes.into(),
                AlertDescription::MISSING_EXTENSION
            )
        );
        for binders in [0, 2] {
            let ch = with_psk(
                typical(),
                Some(vec![PskKeyExchangeMode::PSK_DHE_KE]),
                binders,
            );
            assert_eq!(
                refusal(&ch, &params()),
                (
                    PeerMisbehaved::PskBinderCountMismatch.into(),
                    AlertDescription::ILLEGAL_PARAMETER
                ),
                "{binders} binders"
            );
        }
    }

    #[test]
    fn server_name_record_size_limit_and_ocsp_wish_are_read() {
        let mut p = params();
        p.record_size_limit = Some(1024);
        let mut ch = typical();
        let n = first(&ch, &p).unwrap();
        assert_eq!(n.server_name, None);
        // Our limit only for a client that sent one (RFC 8449 §4).
        assert_eq!(
            n.record_size_limit,
            RecordSizeLimits {
                peer: None,
                own: None
            }
        );
        assert!(!n.ocsp_requested);

        ch.extensions
            .push(Extension::ServerName(vec![b"WWW.Example.COM".to_vec()]));
        ch.extensions.push(Extension::RecordSizeLimit(512));
        ch.extensions
            .push(Extension::StatusRequest(CertificateStatusRequest::Ocsp {
                responder_id_list: Vec::new(),
                request_extensions: Vec::new(),
            }));
        let n = first(&ch, &p).unwrap();
        assert_eq!(n.server_name.as_deref(), Some("www.example.com"));
        assert_eq!(
            n.record_size_limit,
            RecordSizeLimits {
                peer: Some(512),
                own: Some(1024)
            }
        );
        assert!(n.ocsp_requested);
    }

    #[test]
    fn refusals_come_in_a_fixed_order() {
        // No TLS 1.3 beats everything else wrong with the hello.
        let mut ch = typical();
        ch.cipher_suites.clear();
        ch.extensions[0] = Extension::SupportedVersionsOffer(vec![ProtocolVersion::TLSV1_2]);
        assert_eq!(
            refusal(&ch, &params()),
            (
                PeerIncompatible::NoTls13.into(),
                AlertDescription::PROTOCOL_VERSION
            )
        );
        // Then the suite before the missing key share.
        let mut ch = typical();
        ch.cipher_suites.clear();
        ch.extensions
            .retain(|e| e.typ() != ExtensionType::KEY_SHARE);
        assert_eq!(
            refusal(&ch, &params()).0,
            PeerIncompatible::NoCommonCipherSuite.into()
        );
        // The group before the certificate.
        let ch = hello(
            &[AES128],
            &[NamedGroup::SECP384R1],
            &[NamedGroup::SECP384R1],
            &[SignatureScheme::ED25519],
        );
        assert_eq!(
            refusal(&ch, &params()).0,
            PeerIncompatible::NoCommonGroup.into()
        );
    }
}

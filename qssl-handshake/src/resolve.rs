//! Choosing the certificate to present: a server with more than one chain (an ML-DSA
//! chain for clients that verify ML-DSA, an ECDSA or RSA chain for the rest, on one
//! port), and a client answering a CertificateRequest.
//!
//! The state machines consult a [`CertificateResolver`] with what the peer said it
//! can verify ([`CertificateCriteria`]); the one built in, [`CertificateSet`], holds
//! several [`CertifiedKey`]s and picks the first the peer can verify. Signing goes
//! through [`qssl_crypto::sign::SigningKey`] only, so a key in an HSM is
//! one more implementation.
//!
//! ```
//! use std::sync::Arc;
//! use qssl_crypto::ids::SignatureScheme;
//! use qssl_crypto::pki::TestPki;
//! use qssl_crypto::provider::default_provider;
//! use qssl_crypto::rand::OS_RANDOM;
//! use qssl_crypto::sign::KeyAlgorithm;
//! use qssl_handshake::{CertificateCriteria, CertificateResolver, CertificateSet, CertifiedKey};
//!
//! let certified = |alg| -> Result<CertifiedKey, Box<dyn std::error::Error>> {
//!     let pki = TestPki::generate(alg, &["localhost".into()], 1_750_000_000, OS_RANDOM)?;
//!     let chain = vec![
//!         pki.leaf.certificate.der.clone().into(),
//!         pki.intermediate.der.clone().into(),
//!     ];
//!     Ok(CertifiedKey::new(chain, Arc::new(pki.leaf.key)))
//! };
//! let set = CertificateSet::new(
//!     vec![certified(KeyAlgorithm::MlDsa65)?, certified(KeyAlgorithm::EcdsaP256)?],
//!     &default_provider(),
//! )?;
//!
//! // A client that verifies only ECDSA gets the ECDSA chain...
//! let classical = [SignatureScheme::ECDSA_SECP256R1_SHA256];
//! let chosen = set.resolve(&CertificateCriteria::new(&classical)).unwrap();
//! assert!(chosen.key.schemes().contains(&SignatureScheme::ECDSA_SECP256R1_SHA256));
//!
//! // ...one that verifies ML-DSA gets the first chain, the ML-DSA one.
//! let pq = [SignatureScheme::MLDSA65, SignatureScheme::ECDSA_SECP256R1_SHA256];
//! let chosen = set.resolve(&CertificateCriteria::new(&pq)).unwrap();
//! assert!(chosen.key.schemes().contains(&SignatureScheme::MLDSA65));
//!
//! // Nothing fits: no certificate (the server fails with handshake_failure).
//! assert!(set.resolve(&CertificateCriteria::new(&[SignatureScheme::ED25519])).is_none());
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use core::fmt;
use std::sync::Arc;

use qssl_crypto::ids::SignatureScheme;
use qssl_crypto::pki::certificate_algorithms;
use qssl_crypto::provider::CryptoProvider;
use qssl_crypto::sign::SigningKey;
use rustls_pki_types::{CertificateDer, ServerName};

/// A certificate chain (end entity first), the key of its end entity, and the OCSP
/// response to staple for it (servers only).
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct CertifiedKey {
    /// The chain, end entity first.
    pub chain: Vec<CertificateDer<'static>>,
    /// The end entity's private key (software or HSM).
    pub key: Arc<dyn SigningKey>,
    /// A DER OCSPResponse for the end entity, stapled for clients that ask.
    pub ocsp: Option<Vec<u8>>,
}

impl CertifiedKey {
    /// `chain` (end entity first) with the end entity's `key`, no OCSP staple.
    pub fn new(chain: Vec<CertificateDer<'static>>, key: Arc<dyn SigningKey>) -> Self {
        Self {
            chain,
            key,
            ocsp: None,
        }
    }

    /// Staples `response` (a DER OCSPResponse) for clients that ask (status_request).
    pub fn with_ocsp(mut self, response: Vec<u8>) -> Self {
        self.ocsp = Some(response);
        self
    }

    /// The first scheme the key can sign a TLS 1.3 CertificateVerify with that is in
    /// `offered` (the key's preference order).
    pub fn tls13_scheme(&self, offered: &[SignatureScheme]) -> Option<SignatureScheme> {
        self.key
            .schemes()
            .iter()
            .copied()
            .find(|s| s.usable_in_tls13_handshake() && offered.contains(s))
    }
}

/// What the peer said about the certificates it can verify: from a ClientHello (on
/// a server) or a CertificateRequest (on a client).
#[derive(Debug, Clone, Copy)]
#[non_exhaustive]
pub struct CertificateCriteria<'a> {
    /// The host name the client asked for (server side; already validated).
    pub server_name: Option<&'a str>,
    /// signature_algorithms: schemes the peer verifies a CertificateVerify with.
    pub signature_schemes: &'a [SignatureScheme],
    /// signature_algorithms_cert: schemes the peer verifies certificate signatures
    /// with; `None` when absent, and then `signature_schemes` applies to both
    /// (RFC 8446 §4.2.3).
    pub cert_signature_schemes: Option<&'a [SignatureScheme]>,
    /// certificate_authorities: DER DistinguishedNames of the CAs the peer trusts
    /// (empty when not sent).
    pub certificate_authorities: &'a [Vec<u8>],
}

impl<'a> CertificateCriteria<'a> {
    /// Criteria with only signature_algorithms known.
    pub fn new(signature_schemes: &'a [SignatureScheme]) -> Self {
        Self {
            server_name: None,
            signature_schemes,
            cert_signature_schemes: None,
            certificate_authorities: &[],
        }
    }

    /// The schemes that apply to signatures inside certificates.
    pub fn schemes_for_certificates(&self) -> &'a [SignatureScheme] {
        self.cert_signature_schemes
            .unwrap_or(self.signature_schemes)
    }
}

/// Chooses the certificate to present.
///
/// Returning `None` means no certificate: a server then fails the handshake
/// (handshake_failure), a client sends an empty Certificate (the server decides
/// whether that is acceptable). A resolver must return a key that can sign with
/// one of `criteria.signature_schemes` (see [`CertifiedKey::tls13_scheme`]); if it
/// does not, the handshake fails as if it had returned `None`.
pub trait CertificateResolver: Send + Sync + fmt::Debug {
    /// The chain and key for a peer described by `criteria`.
    fn resolve(&self, criteria: &CertificateCriteria<'_>) -> Option<Arc<CertifiedKey>>;
}

/// The built-in [`CertificateResolver`]: several certified keys in preference order.
///
/// For each handshake it considers the keys that can sign a CertificateVerify the
/// peer verifies, and among those prefers, in this order: a leaf valid for the
/// requested server name; a chain whose every certificate signature (self-issued
/// roots aside) the peer can verify per signature_algorithms_cert; a chain issued
/// under a CA the peer listed in certificate_authorities. Ties go to the earlier
/// key. RFC 8446 §4.4.2.2 lets a server send a chain the client may not be able to
/// verify when it has nothing better, so the last two are preferences, not filters.
#[derive(Debug)]
pub struct CertificateSet {
    entries: Vec<Entry>,
}

#[derive(Debug)]
struct Entry {
    key: Arc<CertifiedKey>,
    /// Per certificate whose signature a relying party checks (self-issued
    /// certificates skipped): the schemes a verifier of that signature may list.
    chain_schemes: Vec<Vec<SignatureScheme>>,
    /// The issuer Names along the chain.
    issuers: Vec<Vec<u8>>,
}

/// Why a [`CertificateSet`] could not be built.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CertificateSetError {
    /// No certified key at all.
    #[error("no certificate")]
    Empty,
    /// A certified key with an empty chain.
    #[error("certified key {0} has an empty chain")]
    EmptyChain(usize),
    /// A certificate that does not parse as X.509.
    #[error("certified key {0}: certificate {1} does not parse")]
    BadCertificate(usize, usize),
}

impl CertificateSet {
    /// The set of `keys`, most preferred first. `provider`'s verifiers tell which
    /// signature scheme names each certificate's signature algorithm.
    pub fn new(
        keys: Vec<CertifiedKey>,
        provider: &CryptoProvider,
    ) -> Result<Self, CertificateSetError> {
        if keys.is_empty() {
            return Err(CertificateSetError::Empty);
        }
        let mut entries = Vec::with_capacity(keys.len());
        for (k, key) in keys.into_iter().enumerate() {
            if key.chain.is_empty() {
                return Err(CertificateSetError::EmptyChain(k));
            }
            let mut chain_schemes = Vec::new();
            let mut issuers = Vec::new();
            for (c, cert) in key.chain.iter().enumerate() {
                let algs = certificate_algorithms(cert.as_ref())
                    .map_err(|_| CertificateSetError::BadCertificate(k, c))?;
                issuers.push(algs.issuer);
                if algs.self_issued {
                    continue;
                }
                chain_schemes.push(
                    provider
                        .signature_verifiers
                        .iter()
                        .filter(|v| v.signature_alg_id().as_ref() == algs.signature.as_slice())
                        .map(|v| v.scheme())
                        .collect(),
                );
            }
            entries.push(Entry {
                key: Arc::new(key),
                chain_schemes,
                issuers,
            });
        }
        Ok(Self { entries })
    }

    /// The certified keys, in preference order.
    pub fn keys(&self) -> impl Iterator<Item = &Arc<CertifiedKey>> {
        self.entries.iter().map(|e| &e.key)
    }
}

impl Entry {
    /// How well this entry fits, or `None` if the peer cannot verify its
    /// CertificateVerify at all. Larger is better; fields in priority order.
    fn fit(&self, c: &CertificateCriteria<'_>) -> Option<(bool, bool, bool)> {
        self.key.tls13_scheme(c.signature_schemes)?;
        let name = c.server_name.is_none_or(|n| self.valid_for(n));
        let offered = c.schemes_for_certificates();
        let chain = self
            .chain_schemes
            .iter()
            .all(|schemes| schemes.iter().any(|s| offered.contains(s)));
        let ca = !c.certificate_authorities.is_empty()
            && self
                .issuers
                .iter()
                .any(|i| c.certificate_authorities.contains(i));
        Some((name, chain, ca))
    }

    fn valid_for(&self, name: &str) -> bool {
        let (Some(leaf), Ok(name)) = (self.key.chain.first(), ServerName::try_from(name)) else {
            return false;
        };
        webpki::EndEntityCert::try_from(leaf)
            .is_ok_and(|cert| cert.verify_is_valid_for_subject_name(&name).is_ok())
    }
}

impl CertificateResolver for CertificateSet {
    fn resolve(&self, criteria: &CertificateCriteria<'_>) -> Option<Arc<CertifiedKey>> {
        // One key: the preferences below cannot change the answer, so skip their cost
        // (parsing the leaf for the name check) on every handshake.
        if let [only] = self.entries.as_slice() {
            only.key.tls13_scheme(criteria.signature_schemes)?;
            return Some(Arc::clone(&only.key));
        }
        let mut best: Option<(&Entry, (bool, bool, bool))> = None;
        for entry in &self.entries {
            let Some(fit) = entry.fit(criteria) else {
                continue;
            };
            // Strictly better only: ties keep the earlier (preferred) key.
            if best.is_none_or(|(_, b)| fit > b) {
                best = Some((entry, fit));
            }
        }
        best.map(|(e, _)| Arc::clone(&e.key))
    }
}

#[cfg(test)]
mod tests {
    use qssl_crypto::pki::TestPki;
    use qssl_crypto::provider::default_provider;
    use qssl_crypto::rand::OS_RANDOM;
    use qssl_crypto::sign::KeyAlgorithm;

    use super::*;

    const NOW: u64 = 1_750_000_000;

    fn pki(alg: KeyAlgorithm, name: &str) -> TestPki {
        TestPki::generate(alg, &[name.to_owned()], NOW, OS_RANDOM).unwrap()
    }

    fn certified(pki: TestPki) -> CertifiedKey {
        let chain = vec![
            pki.leaf.certificate.der.clone().into(),
            pki.intermediate.der.clone().into(),
            pki.root.der.clone().into(),
        ];
        CertifiedKey::new(chain, Arc::new(pki.leaf.key))
    }

    fn scheme_of(k: &CertifiedKey) -> SignatureScheme {
        k.key.schemes()[0]
    }

    use SignatureScheme as S;

    #[test]
    fn first_verifiable_key_wins() {
        let set = CertificateSet::new(
            vec![
                certified(pki(KeyAlgorithm::MlDsa65, "localhost")),
                certified(pki(KeyAlgorithm::EcdsaP384, "localhost")),
                certified(pki(KeyAlgorithm::Ed25519, "localhost")),
            ],
            &default_provider(),
        )
        .unwrap();
        let pick = |offered: &[S]| {
            set.resolve(&CertificateCriteria::new(offered))
                .map(|k| scheme_of(&k))
        };
        assert_eq!(
            pick(&[S::MLDSA65, S::ECDSA_SECP384R1_SHA384]),
            Some(S::MLDSA65)
        );
        assert_eq!(
            pick(&[S::ED25519, S::ECDSA_SECP384R1_SHA384]),
            Some(S::ECDSA_SECP384R1_SHA384)
        );
        assert_eq!(pick(&[S::ED25519]), Some(S::ED25519));
        assert_eq!(pick(&[S::RSA_PSS_RSAE_SHA256]), None);
    }

    /// A one-level chain: a leaf of `leaf_alg` for `name` issued by a root of
    /// `ca_alg`. Returns the key and the root's subject.
    fn issued(ca_alg: KeyAlgorithm, leaf_alg: KeyAlgorithm, name: &str) -> (CertifiedKey, Vec<u8>) {
        use qssl_crypto::keys;
        use qssl_crypto::pki::{self, CertificateParams, CertificateRole, KeySigner};
        let root_key = keys::generate(ca_alg).unwrap();
        let mut params = CertificateParams::new(
            &format!("root {name} {ca_alg:?}"),
            &[1],
            NOW - 60,
            NOW + 3600,
        );
        params.role = CertificateRole::Ca { path_len: None };
        let root = pki::self_signed(&params, &KeySigner(&root_key)).unwrap();
        let leaf_key = keys::generate(leaf_alg).unwrap();
        let mut params = CertificateParams::new("", &[2], NOW - 60, NOW + 3600);
        params.role = CertificateRole::EndEntity {
            server_auth: true,
            client_auth: true,
        };
        params.dns_names = vec![name.to_owned()];
        let leaf = pki::issue(
            &params,
            &leaf_key.public_key_spki(),
            &root.der,
            &KeySigner(&root_key),
        )
        .unwrap();
        let subject = qssl_crypto::pki::certificate_algorithms(&leaf.der)
            .unwrap()
            .issuer;
        let chain = vec![leaf.der.into(), root.der.into()];
        (CertifiedKey::new(chain, Arc::new(leaf_key)), subject)
    }

    #[test]
    fn certificate_signatures_the_peer_cannot_verify_are_avoided() {
        // Both leaves are ECDSA P-256; the first is signed by an ML-DSA-65 CA.
        let (under_mldsa, _) = issued(KeyAlgorithm::MlDsa65, KeyAlgorithm::EcdsaP256, "localhost");
        let (under_ecdsa, _) = issued(
            KeyAlgorithm::EcdsaP256,
            KeyAlgorithm::EcdsaP256,
            "localhost",
        );
        let set = CertificateSet::new(vec![under_mldsa, under_ecdsa], &default_provider()).unwrap();
        let first = |k: &Arc<CertifiedKey>| Arc::ptr_eq(k, set.keys().next().unwrap());

        let classical = [S::ECDSA_SECP256R1_SHA256];
        let chosen = set.resolve(&CertificateCriteria::new(&classical)).unwrap();
        assert!(
            !first(&chosen),
            "a classical verifier gets the all-ECDSA chain"
        );

        let mut c = CertificateCriteria::new(&classical);
        let with_mldsa = [S::ECDSA_SECP256R1_SHA256, S::MLDSA65];
        c.cert_signature_schemes = Some(&with_mldsa);
        assert!(
            first(&set.resolve(&c).unwrap()),
            "ML-DSA in signature_algorithms_cert"
        );

        // signature_algorithms alone covers certificates too (RFC 8446 §4.2.3).
        assert!(first(
            &set.resolve(&CertificateCriteria::new(&with_mldsa)).unwrap()
        ));

        // Nothing verifiable in the chains: the CertificateVerify still decides.
        let mut c = CertificateCriteria::new(&classical);
        c.cert_signature_schemes = Some(&[S::ED25519]);
        assert!(
            first(&set.resolve(&c).unwrap()),
            "fallback keeps preference order"
        );
    }

    #[test]
    fn the_requested_name_and_listed_cas_are_preferred() {
        let (a, _) = issued(
            KeyAlgorithm::EcdsaP256,
            KeyAlgorithm::EcdsaP256,
            "a.example",
        );
        let (b, b_root) = issued(
            KeyAlgorithm::EcdsaP256,
            KeyAlgorithm::EcdsaP256,
            "b.example",
        );
        let set = CertificateSet::new(vec![a, b], &default_provider()).unwrap();
        let keys: Vec<_> = set.keys().cloned().collect();
        let schemes = [S::ECDSA_SECP256R1_SHA256];

        let mut c = CertificateCriteria::new(&schemes);
        assert!(Arc::ptr_eq(&set.resolve(&c).unwrap(), &keys[0]));
        c.server_name = Some("b.example");
        assert!(Arc::ptr_eq(&set.resolve(&c).unwrap(), &keys[1]));
        c.server_name = Some("c.example");
        assert!(
            Arc::ptr_eq(&set.resolve(&c).unwrap(), &keys[0]),
            "no match: first"
        );

        let cas = [b_root];
        let mut c = CertificateCriteria::new(&schemes);
        c.certificate_authorities = &cas;
        assert!(Arc::ptr_eq(&set.resolve(&c).unwrap(), &keys[1]));
    }

    #[test]
    fn empty_and_malformed_sets_are_refused() {
        let p = default_provider();
        assert_eq!(
            CertificateSet::new(vec![], &p).unwrap_err(),
            CertificateSetError::Empty
        );
        let (mut k, _) = issued(KeyAlgorithm::Ed25519, KeyAlgorithm::Ed25519, "x.example");
        let key = Arc::clone(&k.key);
        k.chain.push(CertificateDer::from(vec![0x30, 0x00]));
        assert_eq!(
            CertificateSet::new(vec![k], &p).unwrap_err(),
            CertificateSetError::BadCertificate(0, 2)
        );
        assert_eq!(
            CertificateSet::new(vec![CertifiedKey::new(vec![], key)], &p).unwrap_err(),
            CertificateSetError::EmptyChain(0)
        );
    }
}

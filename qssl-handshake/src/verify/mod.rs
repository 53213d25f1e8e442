//! Certificate verification: path validation with `rustls-webpki` 0.103, using
//! Q-SSL's own signature verifiers, so ML-DSA-44/65/87 chains verify beside ECDSA
//! P-256/P-384, Ed25519 and RSA (PSS and PKCS#1 v1.5 certificate signatures).
//!
//! The state machines see only the traits [`ServerCertVerifier`] (used by a client)
//! and [`ClientCertVerifier`] (used by a server that asks for client certificates).
//! [`WebPkiServerVerifier`] and [`WebPkiClientVerifier`] implement them over a
//! [`RootCertStore`]; [`danger::NoServerVerification`] skips path validation for
//! tests and custom verifiers. Every refusal is a [`CertificateError`] whose alert is
//! [`CertificateError::alert`].
//!
//! A verifier returns the [`VerifiedPath`] it validated: the signature algorithm of
//! every certificate from the leaf up to the one signed by the trust anchor's key.
//! The handshake reports the peer's authentication as post-quantum only when all of
//! those and the CertificateVerify are ML-DSA: an ML-DSA leaf under an ECDSA or RSA
//! CA is only as strong as the CA's classical signature.
//!
//! Sans-I/O: the time of validation is an argument (`now`); nothing here reads a
//! clock or fetches anything (no AIA chasing, no OCSP or CRL fetching).
//!
//! OCSP: the server verifier receives the stapled response bytes and validates them
//! per RFC 6960 against the end entity's issuer on the verified path: signed by the
//! issuer or by a delegated responder certificate it issued (id-kp-OCSPSigning),
//! about this certificate (CertID), current at `now` (thisUpdate, nextUpdate, with
//! [`OCSP_CLOCK_SKEW`]; [`OCSP_MAX_AGE_WITHOUT_NEXT_UPDATE`] without a nextUpdate),
//! status good. With [`WebPkiServerVerifier::require_ocsp`] a missing staple is
//! [`CertificateError::OcspResponseRequired`] and every validation failure is its
//! own error (bad_certificate_status_response; revoked is
//! [`CertificateError::Revoked`], certificate_revoked). Without it (the default) a
//! staple is still validated: a valid "revoked" refuses the connection, and any
//! staple that fails validation is ignored, as if none had been sent, because the
//! client did not make OCSP a condition and an unverifiable staple proves nothing.
//! [`VerifiedPath::ocsp_good`] says whether a staple was validated and good.
//!
//! ```
//! use std::sync::Arc;
//! use qssl_crypto::sign::{KeyAlgorithm, SignatureScheme, SigningKey};
//! use qssl_crypto::{keys, pki, provider::default_provider};
//! use qssl_handshake::verify::{
//!     CertificateDer, CertificateError, RootCertStore, ServerCertVerifier, ServerName,
//!     UnixTime, WebPkiServerVerifier,
//! };
//!
//! let now = 1_750_000_000;
//! // A root CA and a leaf for "example.com", both ML-DSA-65.
//! let root_key = keys::generate(KeyAlgorithm::MlDsa65)?;
//! let mut params = pki::CertificateParams::new("Q-SSL root", &[1], now - 60, now + 3600);
//! params.role = pki::CertificateRole::Ca { path_len: None };
//! let root = pki::self_signed(&params, &pki::KeySigner(&root_key))?;
//! let leaf_key = keys::generate(KeyAlgorithm::MlDsa65)?;
//! let mut params = pki::CertificateParams::new("", &[2], now - 60, now + 3600);
//! params.dns_names = vec!["example.com".into()];
//! let leaf = pki::issue(&params, &leaf_key.public_key_spki(), &root.der, &pki::KeySigner(&root_key))?;
//!
//! let mut roots = RootCertStore::new();
//! roots.add(CertificateDer::from(root.der.clone()))?;
//! let verifier = WebPkiServerVerifier::new(Arc::new(roots), &default_provider());
//! let at = UnixTime::since_unix_epoch(std::time::Duration::from_secs(now));
//! let leaf = CertificateDer::from(leaf.der);
//!
//! let name = ServerName::try_from("example.com")?;
//! let path = verifier.verify_server_cert(&leaf, &[], &name, &[], at)?;
//! // One link: the leaf, signed by the root's ML-DSA-65 key.
//! assert_eq!(path.signatures().len(), 1);
//! assert_eq!(path.signatures()[0].scheme(), SignatureScheme::MLDSA65);
//! assert!(path.is_post_quantum());
//!
//! let other = ServerName::try_from("example.org")?;
//! let err = verifier.verify_server_cert(&leaf, &[], &other, &[], at).unwrap_err();
//! assert_eq!(err, CertificateError::NotValidForName);
//! assert_eq!(err.alert(), qssl_alert::AlertDescription::BAD_CERTIFICATE);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use core::fmt;
use std::sync::Arc;

use qssl_crypto::ids::SignatureScheme;
use qssl_crypto::provider::CryptoProvider;
use qssl_crypto::sign::SignatureVerifier;
use rustls_pki_types::SignatureVerificationAlgorithm;
pub use rustls_pki_types::{CertificateDer, ServerName, TrustAnchor, UnixTime};

mod error;
mod ocsp;
mod path;
mod roots;

pub use error::CertificateError;
pub use ocsp::{MAX_RESPONDER_CANDIDATES, OCSP_CLOCK_SKEW, OCSP_MAX_AGE_WITHOUT_NEXT_UPDATE};
pub use path::{PathSignature, VerifiedPath};
pub use roots::RootCertStore;

use error::from_webpki;

mod cache;

/// Decides whether a server's certificate chain and handshake signature are
/// acceptable. Used by the client state machine.
pub trait ServerCertVerifier: Send + Sync + fmt::Debug {
    /// Validates the server's chain: `end_entity` first, then the `intermediates` it
    /// sent (in any order; path building picks what it needs), for `server_name`, at
    /// time `now`. `ocsp_response` is the stapled OCSP response (empty if none).
    ///
    /// Returns the path it verified ([`VerifiedPath::unverified`] if it did not
    /// validate a path to a trust anchor): the handshake reports post-quantum
    /// authentication from it.
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        now: UnixTime,
    ) -> Result<VerifiedPath, CertificateError>;

    /// Checks a TLS 1.3 CertificateVerify signature made by `cert`'s key over `message`
    /// (the 64 spaces ‖ context string ‖ 0 ‖ transcript hash content, built by the caller).
    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        scheme: SignatureScheme,
        signature: &[u8],
    ) -> Result<(), CertificateError>;

    /// Schemes to list in signature_algorithms (TLS 1.3-usable only, PKCS#1 excluded),
    /// in preference order.
    fn supported_verify_schemes(&self) -> Vec<SignatureScheme>;

    /// What this verifier accepts, as a digest, for session resumption: a resumed
    /// connection is authenticated by the session it resumes, not by certificates
    /// checked again, so a client resumes only sessions verified under the same
    /// binding (configurations that share a session store but trust different
    /// servers never resume each other's sessions). Two verifiers may return the
    /// same value only if they accept exactly the same servers. `None` (the default)
    /// binds sessions to the one `ClientParams` that made them.
    fn session_binding(&self) -> Option<[u8; 32]> {
        None
    }
}

/// Decides whether a client's certificate chain and handshake signature are
/// acceptable. Used by the server state machine when it requests client certificates.
pub trait ClientCertVerifier: Send + Sync + fmt::Debug {
    /// Whether a client that sends no certificate is refused (`certificate_required`).
    fn client_auth_mandatory(&self) -> bool;

    /// DER-encoded DistinguishedNames for the certificate_authorities extension of
    /// CertificateRequest.
    fn root_hint_subjects(&self) -> Vec<Vec<u8>>;

    /// Validates the client's chain (`end_entity` first, then `intermediates`) at
    /// time `now`, for clientAuth. Returns the path it verified, as
    /// [`ServerCertVerifier::verify_server_cert`] does.
    fn verify_client_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        now: UnixTime,
    ) -> Result<VerifiedPath, CertificateError>;

    /// Checks a TLS 1.3 CertificateVerify signature made by `cert`'s key over `message`
    /// (the 64 spaces ‖ context string ‖ 0 ‖ transcript hash content, built by the caller).
    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        scheme: SignatureScheme,
        signature: &[u8],
    ) -> Result<(), CertificateError>;

    /// Schemes to list in signature_algorithms (TLS 1.3-usable only, PKCS#1 excluded),
    /// in preference order.
    fn supported_verify_schemes(&self) -> Vec<SignatureScheme>;
}

/// The signature algorithms a verifier accepts, taken from a provider once.
#[derive(Debug, Clone)]
struct Algorithms {
    /// Every verifier of the provider: for certificate signatures (PKCS#1 included).
    verifiers: Vec<&'static dyn SignatureVerifier>,
    /// The same, as `webpki` takes them.
    cert_algs: Vec<&'static dyn SignatureVerificationAlgorithm>,
}

impl Algorithms {
    fn new(provider: &CryptoProvider) -> Self {
        let verifiers = provider.signature_verifiers.clone();
        let cert_algs = verifiers
            .iter()
            .map(|v| *v as &'static dyn SignatureVerificationAlgorithm)
            .collect();
        Self {
            verifiers,
            cert_algs,
        }
    }

    /// Path validation to `roots` for `usage`, then (for servers) the name check,
    /// then, for a non-empty `ocsp_response`, its validation against the end
    /// entity's issuer on the verified path (the second value; `None` without one).
    ///
    /// The work a hostile chain can cause is bounded by `webpki` (path depth, at most
    /// 100 signature checks per validation) and by the handshake codec's limit on the
    /// Certificate message.
    #[allow(clippy::too_many_arguments)]
    fn verify_chain(
        &self,
        roots: &RootCertStore,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        now: UnixTime,
        usage: webpki::KeyUsage,
        server_name: Option<&ServerName<'_>>,
        ocsp_response: &[u8],
    ) -> Result<(VerifiedPath, Option<Result<(), CertificateError>>), CertificateError> {
        let cert = webpki::EndEntityCert::try_from(end_entity).map_err(from_webpki)?;
        let path = cert
            .verify_for_usage(
                &self.cert_algs,
                roots.anchors(),
                intermediates,
                now,
                usage,
                None,
                None,
            )
            .map_err(from_webpki)?;
        if let Some(name) = server_name {
            cert.verify_is_valid_for_subject_name(name)
                .map_err(from_webpki)?;
        }
        let verified = path::describe(&self.verifiers, end_entity, intermediates, &path)?;
        if ocsp_response.is_empty() {
            return Ok((verified, None));
        }
        // The issuer of the end entity: the first intermediate on the path, else the
        // trust anchor.
        let issuer_der;
        let issuer = match path.intermediate_certificates().next() {
            Some(cert) => {
                issuer_der = cert.der();
                webpki::anchor_from_trusted_cert(&issuer_der).map_err(from_webpki)?
            }
            None => path.anchor().clone(),
        };
        let status = ocsp::check(
            ocsp_response,
            end_entity,
            &issuer,
            &self.verifiers,
            &self.cert_algs,
            now,
        );
        Ok((verified, Some(status)))
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        scheme: SignatureScheme,
        signature: &[u8],
    ) -> Result<(), CertificateError> {
        if !scheme.usable_in_tls13_handshake() {
            return Err(CertificateError::UnsupportedHandshakeSignatureScheme);
        }
        let verifier = self
            .verifiers
            .iter()
            .copied()
            .find(|v| v.scheme() == scheme)
            .ok_or(CertificateError::UnsupportedHandshakeSignatureScheme)?;
        let cert = webpki::EndEntityCert::try_from(cert).map_err(from_webpki)?;
        cert.verify_signature(
            verifier as &dyn SignatureVerificationAlgorithm,
            message,
            signature,
        )
        .map_err(|e| match e {
            webpki::Error::InvalidSignatureForPublicKey => CertificateError::BadHandshakeSignature,
            #[allow(deprecated)]
            webpki::Error::UnsupportedSignatureAlgorithmForPublicKeyContext(_)
            | webpki::Error::UnsupportedSignatureAlgorithmForPublicKey => {
                CertificateError::HandshakeSignatureKeyMismatch
            }
            other => from_webpki(other),
        })
    }

    fn tls13_schemes(&self) -> Vec<SignatureScheme> {
        let mut schemes: Vec<SignatureScheme> = Vec::with_capacity(self.verifiers.len());
        for scheme in self.verifiers.iter().map(|v| v.scheme()) {
            if scheme.usable_in_tls13_handshake() && !schemes.contains(&scheme) {
                schemes.push(scheme);
            }
        }
        schemes
    }
}

/// A [`ServerCertVerifier`] that validates the server's chain against a
/// [`RootCertStore`] with `rustls-webpki`: path building, validity at `now`,
/// basicConstraints, keyUsage, extKeyUsage serverAuth (when the leaf has an
/// extKeyUsage), and DNS / IP subjectAltName matching.
#[derive(Debug, Clone)]
pub struct WebPkiServerVerifier {
    roots: Arc<RootCertStore>,
    algorithms: Algorithms,
    require_ocsp: bool,
    /// SHA-256 over the trust anchors, the signature algorithms and the OCSP policy.
    binding: [u8; 32],
    /// Chains validated before (shared by clones; `None` when turned off).
    cache: Option<Arc<cache::ChainCache>>,
}

impl WebPkiServerVerifier {
    /// Verifies against `roots` with the signature verifiers of `provider`.
    pub fn new(roots: Arc<RootCertStore>, provider: &CryptoProvider) -> Self {
        let mut v = Self {
            roots,
            algorithms: Algorithms::new(provider),
            require_ocsp: false,
            binding: [0; 32],
            cache: Some(Arc::new(cache::ChainCache::new())),
        };
        v.binding = v.compute_binding();
        v
    }

    /// Everything that decides which servers this verifier accepts, hashed once:
    /// each anchor's subject, key and name constraints, the certificate signature
    /// algorithms, and whether OCSP is required.
    fn compute_binding(&self) -> [u8; 32] {
        use sha2::Digest;
        let mut h = sha2::Sha256::new();
        h.update(b"qssl webpki server verifier v1");
        let mut field = |b: &[u8]| {
            h.update((b.len() as u64).to_be_bytes());
            h.update(b);
        };
        for a in self.roots.anchors() {
            field(a.subject.as_ref());
            field(a.subject_public_key_info.as_ref());
            field(a.name_constraints.as_ref().map_or(&[][..], |n| n.as_ref()));
        }
        let schemes: Vec<u8> = self
            .algorithms
            .verifiers
            .iter()
            .flat_map(|v| v.scheme().0.to_be_bytes())
            .collect();
        field(&schemes);
        field(&[u8::from(self.require_ocsp)]);
        h.finalize().into()
    }

    /// Whether the server must staple a valid OCSP response saying good: none is
    /// [`CertificateError::OcspResponseRequired`], an invalid one is refused with the
    /// `Ocsp*` error of its defect, a revoked status with
    /// [`CertificateError::Revoked`]. Off by default: a stapled response is then
    /// still validated, a valid "revoked" still refuses the certificate, and an
    /// invalid staple is ignored (see the module docs).
    pub fn require_ocsp(mut self, require: bool) -> Self {
        self.require_ocsp = require;
        self.binding = self.compute_binding();
        self
    }

    /// Whether a server chain validated before is trusted again without validating
    /// its path (on by default, up to 64 chains): for the same server name and the
    /// same certificates, while all of them are within their validity, without an
    /// OCSP staple and without `require_ocsp`. The server's CertificateVerify is
    /// checked on every connection either way. Off: every chain is validated.
    pub fn with_chain_cache(mut self, on: bool) -> Self {
        self.cache = on.then(|| Arc::new(cache::ChainCache::new()));
        self
    }

    /// How many validated chains the cache holds now.
    pub fn cached_chains(&self) -> usize {
        self.cache.as_ref().map_or(0, |c| c.len())
    }
}

impl ServerCertVerifier for WebPkiServerVerifier {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        now: UnixTime,
    ) -> Result<VerifiedPath, CertificateError> {
        // A revocation status is fresh news each time: with a staple, or when one is
        // required, the chain is validated in full.
        let cache = self
            .cache
            .as_ref()
            .filter(|_| ocsp_response.is_empty() && !self.require_ocsp);
        let key = cache.map(|_| cache::ChainCache::key(end_entity, intermediates, server_name));
        if let (Some(cache), Some(key)) = (cache, &key)
            && let Some(path) = cache.get(key, now)
        {
            return Ok(path);
        }
        let (path, ocsp) = self.algorithms.verify_chain(
            &self.roots,
            end_entity,
            intermediates,
            now,
            webpki::KeyUsage::server_auth(),
            Some(server_name),
            ocsp_response,
        )?;
        if let (Some(cache), Some(key), None) = (cache, key, &ocsp) {
            cache.put(key, end_entity, intermediates, &path);
        }
        // After the chain: a bad chain is the more useful error to report.
        match ocsp {
            None if self.require_ocsp => Err(CertificateError::OcspResponseRequired),
            None => Ok(path),
            Some(Ok(())) => Ok(path.with_ocsp_good()),
            // Not asked for: a verified "revoked" from the issuer's responder still
            // ends the connection; any other failure leaves the staple unused.
            Some(Err(e)) if self.require_ocsp || e == CertificateError::Revoked => Err(e),
            Some(Err(_)) => Ok(path),
        }
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        scheme: SignatureScheme,
        signature: &[u8],
    ) -> Result<(), CertificateError> {
        self.algorithms
            .verify_tls13_signature(message, cert, scheme, signature)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.algorithms.tls13_schemes()
    }

    fn session_binding(&self) -> Option<[u8; 32]> {
        Some(self.binding)
    }
}

/// A [`ClientCertVerifier`] that validates client chains against a
/// [`RootCertStore`] with `rustls-webpki` (extKeyUsage clientAuth when the leaf has
/// an extKeyUsage; no name check), and hints the store's subjects to the client.
#[derive(Debug, Clone)]
pub struct WebPkiClientVerifier {
    roots: Arc<RootCertStore>,
    algorithms: Algorithms,
    mandatory: bool,
}

impl WebPkiClientVerifier {
    /// Verifies against `roots` with the signature verifiers of `provider`;
    /// `mandatory`: whether a client without a certificate is refused.
    pub fn new(roots: Arc<RootCertStore>, provider: &CryptoProvider, mandatory: bool) -> Self {
        Self {
            roots,
            algorithms: Algorithms::new(provider),
            mandatory,
        }
    }
}

impl ClientCertVerifier for WebPkiClientVerifier {
    fn client_auth_mandatory(&self) -> bool {
        self.mandatory
    }

    fn root_hint_subjects(&self) -> Vec<Vec<u8>> {
        self.roots.subjects()
    }

    fn verify_client_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        now: UnixTime,
    ) -> Result<VerifiedPath, CertificateError> {
        let (path, _) = self.algorithms.verify_chain(
            &self.roots,
            end_entity,
            intermediates,
            now,
            webpki::KeyUsage::client_auth(),
            None,
            &[],
        )?;
        Ok(path)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        scheme: SignatureScheme,
        signature: &[u8],
    ) -> Result<(), CertificateError> {
        self.algorithms
            .verify_tls13_signature(message, cert, scheme, signature)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.algorithms.tls13_schemes()
    }
}

/// Verifiers that turn off security checks. **Dangerous**: read each item's docs.
pub mod danger {
    use super::{
        Algorithms, CertificateDer, CertificateError, CryptoProvider, ServerCertVerifier,
        ServerName, SignatureScheme, UnixTime, VerifiedPath,
    };

    /// **DANGER: accepts ANY server certificate chain, for ANY name, at ANY time.**
    ///
    /// With this verifier a client talks to whoever answers, including an attacker
    /// in the middle: the connection is encrypted but NOT authenticated. Use it only
    /// in tests, or as the inner part of a custom verifier that checks the chain its
    /// own way (certificate pinning, a private PKI) *before* delegating here.
    ///
    /// It still checks the CertificateVerify signature against the presented leaf's
    /// key (so the peer holds the key of the certificate it sent), refusing PKCS#1
    /// and unknown schemes like the real verifiers do. It returns
    /// [`VerifiedPath::unverified`], so the connection never reports post-quantum
    /// authentication, whatever the CertificateVerify scheme.
    #[derive(Debug, Clone)]
    pub struct NoServerVerification {
        algorithms: Algorithms,
    }

    impl NoServerVerification {
        /// Uses the signature verifiers of `provider` for CertificateVerify.
        pub fn new(provider: &CryptoProvider) -> Self {
            Self {
                algorithms: Algorithms::new(provider),
            }
        }
    }

    impl ServerCertVerifier for NoServerVerification {
        fn verify_server_cert(
            &self,
            _end_entity: &CertificateDer<'_>,
            _intermediates: &[CertificateDer<'_>],
            _server_name: &ServerName<'_>,
            _ocsp_response: &[u8],
            _now: UnixTime,
        ) -> Result<VerifiedPath, CertificateError> {
            // Nothing verified: the handshake never reports this peer's
            // authentication as post-quantum.
            Ok(VerifiedPath::unverified())
        }

        fn verify_tls13_signature(
            &self,
            message: &[u8],
            cert: &CertificateDer<'_>,
            scheme: SignatureScheme,
            signature: &[u8],
        ) -> Result<(), CertificateError> {
            self.algorithms
                .verify_tls13_signature(message, cert, scheme, signature)
        }

        fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
            self.algorithms.tls13_schemes()
        }
    }
}

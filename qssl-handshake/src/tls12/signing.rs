//! The ServerKeyExchange signature of TLS 1.2 ECDHE (RFC 8422 §5.4, RFC 5246 §7.4.3):
//! what is signed, which scheme a server signs with, signing and verifying.
//!
//! The signed content is `client_random ‖ server_random ‖ ServerECDHParams`, the
//! params exactly as encoded on the wire ([`ServerEcdhParams::encode`]).
//!
//! # Schemes in TLS 1.2
//!
//! TLS 1.2 reads a `SignatureScheme` code point as a (hash, signature) pair
//! (RFC 5246 §7.4.1.4.1). Q-SSL accepts the same schemes as in TLS 1.3 plus
//! `rsa_pkcs1_sha256/384/512`, which TLS 1.2 allows in ServerKeyExchange (TLS 1.3
//! keeps them for certificate signatures only). Never: the MD5, SHA-1 and SHA-224
//! pairs (hash bytes 1, 2 and 3), nor anything Q-SSL does not know; see
//! [`TLS12_SCHEMES`].
//!
//! ECDSA: in TLS 1.2, `ecdsa_secp256r1_sha256` (0x0403) only means "ECDSA with
//! SHA-256" (RFC 5246 §7.4.1.4.1), on whatever curve the certificate's key is.
//! Signing, Q-SSL keeps the TLS 1.3 reading: a server's ECDSA key lists only the
//! scheme of its own curve ([`qssl_crypto::sign::SigningKey::schemes`]), so the hash
//! always has the strength of the curve. Verifying, it accepts what TLS 1.2 allows:
//! OpenSSL signs with the peer's first ECDSA scheme whatever its key's curve
//! (checked in `qssl-interop/tests/tls12_server_key_exchange.rs`), so a P-384 key
//! may sign SHA-256 and a P-256 key SHA-384. The provider's
//! [`tls12_verifiers`](qssl_crypto::provider::CryptoProvider::tls12_verifiers) hold
//! those two combinations besides the usual ones, and the certificate's key picks
//! the verifier ([`verify_tls12_signature`]). TLS 1.3 and certificate paths never
//! see them.
//!
//! Ed25519 may be used in TLS 1.2 (RFC 8422 §5.1.3, code point 0x0807), and ML-DSA
//! when both sides list it (Q-SSL to Q-SSL): a scheme is only ever chosen from the
//! ones the peer offered.
//!
//! A client that sends no signature_algorithms means {sha1,rsa}/{sha1,ecdsa}
//! (RFC 5246 §7.4.1.4.1). Q-SSL never signs SHA-1, so [`choose_tls12_scheme`] finds
//! no scheme for it, which for the server is
//! [`PeerIncompatible::NoCommonSignatureScheme`](crate::PeerIncompatible::NoCommonSignatureScheme)
//! (handshake_failure).

use qssl_crypto::ids::SignatureScheme;
use qssl_crypto::sign::{SignatureVerifier, SigningKey};
use qssl_crypto::suites::Tls12Authentication;
use rustls_pki_types::{CertificateDer, SignatureVerificationAlgorithm};

use crate::codec::tls12::{DigitallySigned, ServerEcdhParams, ServerKeyExchange};
use crate::error::{EncodeError, Error, PeerMisbehaved};
use crate::verify::CertificateError;

/// Every scheme Q-SSL signs or accepts a ServerKeyExchange with: the TLS 1.3 schemes
/// and the PKCS#1 v1.5 ones. No MD5, SHA-1 or SHA-224 pair is here, nor
/// `rsa_pss_pss_*` (Q-SSL has no verifier for RSASSA-PSS keys).
pub const TLS12_SCHEMES: &[SignatureScheme] = &[
    SignatureScheme::MLDSA44,
    SignatureScheme::MLDSA65,
    SignatureScheme::MLDSA87,
    SignatureScheme::ECDSA_SECP256R1_SHA256,
    SignatureScheme::ECDSA_SECP384R1_SHA384,
    SignatureScheme::ED25519,
    SignatureScheme::RSA_PSS_RSAE_SHA256,
    SignatureScheme::RSA_PSS_RSAE_SHA384,
    SignatureScheme::RSA_PSS_RSAE_SHA512,
    SignatureScheme::RSA_PKCS1_SHA256,
    SignatureScheme::RSA_PKCS1_SHA384,
    SignatureScheme::RSA_PKCS1_SHA512,
];

/// Whether Q-SSL signs or accepts a TLS 1.2 ServerKeyExchange with `scheme`.
pub fn usable_in_tls12(scheme: SignatureScheme) -> bool {
    TLS12_SCHEMES.contains(&scheme)
}

/// Which suites' certificates can make `scheme`: ECDSA suites take ECDSA keys and
/// Ed25519 (RFC 8422 §5.1.3), RSA suites RSA keys. ML-DSA has no TLS 1.2 suite.
pub(crate) fn authentication_of(scheme: SignatureScheme) -> Option<Tls12Authentication> {
    use SignatureScheme as S;
    match scheme {
        S::ECDSA_SECP256R1_SHA256 | S::ECDSA_SECP384R1_SHA384 | S::ED25519 => {
            Some(Tls12Authentication::Ecdsa)
        }
        S::RSA_PSS_RSAE_SHA256
        | S::RSA_PSS_RSAE_SHA384
        | S::RSA_PSS_RSAE_SHA512
        | S::RSA_PKCS1_SHA256
        | S::RSA_PKCS1_SHA384
        | S::RSA_PKCS1_SHA512 => Some(Tls12Authentication::Rsa),
        _ => None,
    }
}

/// The content a ServerKeyExchange signature covers (RFC 8422 §5.4):
/// `client_random ‖ server_random ‖ ServerECDHParams`.
///
/// Fails only if `params.public` is longer than its 255-byte prefix allows.
pub fn server_key_exchange_content(
    client_random: &[u8; 32],
    server_random: &[u8; 32],
    params: &ServerEcdhParams,
) -> Result<Vec<u8>, EncodeError> {
    // 64 bytes of randoms, 4 of params header, at most 255 of point.
    let mut content = Vec::with_capacity(64 + 4 + params.public.len());
    content.extend_from_slice(client_random);
    content.extend_from_slice(server_random);
    params.encode(&mut content)?;
    Ok(content)
}

/// The scheme a TLS 1.2 server signs its ServerKeyExchange with: the first of
/// `key_schemes_in_preference` (the certificate key's schemes, the server's order)
/// that the client listed in `peer_signature_algorithms` and that TLS 1.2 allows
/// Q-SSL to use ([`usable_in_tls12`]).
///
/// `None` when there is none, including when the client sent no
/// signature_algorithms (an empty list): its default is SHA-1, which Q-SSL never
/// signs (see the module docs).
pub fn choose_tls12_scheme(
    key_schemes_in_preference: &[SignatureScheme],
    peer_signature_algorithms: &[SignatureScheme],
) -> Option<SignatureScheme> {
    key_schemes_in_preference
        .iter()
        .copied()
        .find(|s| usable_in_tls12(*s) && peer_signature_algorithms.contains(s))
}

/// Signs a ServerKeyExchange `content` ([`server_key_exchange_content`]) with `key`.
///
/// A scheme outside [`TLS12_SCHEMES`] is refused with
/// [`Error::Misuse`] before the key is asked; a scheme the key cannot make is the
/// key's [`qssl_crypto::error::CryptoError::UnsupportedSignatureScheme`].
pub fn sign_server_key_exchange(
    key: &dyn SigningKey,
    scheme: SignatureScheme,
    content: &[u8],
) -> Result<DigitallySigned, Error> {
    if !usable_in_tls12(scheme) {
        return Err(Error::Misuse(
            "ServerKeyExchange signature scheme not usable in TLS 1.2",
        ));
    }
    let signature = key.sign(scheme, content)?;
    Ok(DigitallySigned { scheme, signature })
}

/// Checks a server's ServerKeyExchange signature (client side): its scheme must be
/// one of `offered_schemes` (the client's signature_algorithms) and usable in TLS 1.2,
/// else [`PeerMisbehaved::SignatureSchemeNotOffered`] (`illegal_parameter`); then the
/// signature must verify under the key of `cert` (the server's end-entity
/// certificate) over `client_random ‖ server_random ‖ params`.
///
/// `verifiers` are the provider's TLS 1.2 list (`CryptoProvider::tls12_verifiers`:
/// several ECDSA verifiers share a scheme there, one per curve). They are
/// used directly, not through `ServerCertVerifier::verify_tls13_signature`, because
/// that refuses the PKCS#1 v1.5 schemes TLS 1.2 allows here.
///
/// Errors, each with one alert:
/// - [`CertificateError::UnsupportedHandshakeSignatureScheme`] (`illegal_parameter`):
///   no verifier for the scheme (offered, but the provider lacks it);
/// - [`CertificateError::HandshakeSignatureKeyMismatch`] (`illegal_parameter`): the
///   certificate's key cannot make that scheme (an RSA key and an ECDSA scheme, or
///   an ECDSA key on another curve than the scheme's);
/// - [`CertificateError::BadHandshakeSignature`] (`decrypt_error`, RFC 5246 §7.2.2:
///   "unable to correctly verify a signature"): the signature does not verify. The
///   same error as a bad TLS 1.3 CertificateVerify: both are "the handshake
///   signature of the server's key is wrong";
/// - [`CertificateError::BadEncoding`] (`bad_certificate`) if `cert` does not parse as
///   an end-entity certificate (in a handshake it was parsed and validated before).
pub fn verify_server_key_exchange(
    verifiers: &[&'static dyn SignatureVerifier],
    cert: &CertificateDer<'_>,
    ske: &ServerKeyExchange,
    client_random: &[u8; 32],
    server_random: &[u8; 32],
    offered_schemes: &[SignatureScheme],
) -> Result<(), Error> {
    let content = server_key_exchange_content(client_random, server_random, &ske.params)?;
    verify_tls12_signature(verifiers, cert, &ske.signature, &content, offered_schemes)
}

/// Checks a TLS 1.2 `digitally-signed` value made by `cert`'s key over `content`:
/// a ServerKeyExchange's (through [`verify_server_key_exchange`]) or a client's
/// CertificateVerify, whose content is every handshake message before it (RFC 5246
/// §7.4.8). The errors and alerts are those of [`verify_server_key_exchange`].
pub fn verify_tls12_signature(
    verifiers: &[&'static dyn SignatureVerifier],
    cert: &CertificateDer<'_>,
    signed: &DigitallySigned,
    content: &[u8],
    offered_schemes: &[SignatureScheme],
) -> Result<(), Error> {
    let scheme = signed.scheme;
    if !offered_schemes.contains(&scheme) || !usable_in_tls12(scheme) {
        return Err(PeerMisbehaved::SignatureSchemeNotOffered.into());
    }
    let cert = webpki::EndEntityCert::try_from(cert).map_err(|_| CertificateError::BadEncoding)?;
    // Several verifiers may serve one scheme (ECDSA on either curve, in TLS 1.2):
    // the one whose key algorithm is the certificate's decides; a signature that
    // fails under it is bad, whatever the others would say.
    let mut refusal = CertificateError::UnsupportedHandshakeSignatureScheme;
    for verifier in verifiers.iter().copied().filter(|v| v.scheme() == scheme) {
        let result = cert.verify_signature(
            verifier as &dyn SignatureVerificationAlgorithm,
            content,
            &signed.signature,
        );
        match result {
            Ok(()) => return Ok(()),
            #[allow(deprecated)]
            Err(
                webpki::Error::UnsupportedSignatureAlgorithmForPublicKeyContext(_)
                | webpki::Error::UnsupportedSignatureAlgorithmForPublicKey,
            ) => refusal = CertificateError::HandshakeSignatureKeyMismatch,
            // InvalidSignatureForPublicKey, and anything else `verify_signature` may
            // report (the enum is non-exhaustive): a failed signature.
            Err(_) => return Err(CertificateError::BadHandshakeSignature.into()),
        }
    }
    Err(refusal.into())
}

#[cfg(test)]
mod tests {
    use super::*;
    use qssl_alert::AlertDescription;
    use qssl_crypto::error::CryptoError;
    use qssl_crypto::ids::NamedGroup;
    use qssl_crypto::keys::{self, PrivateKey};
    use qssl_crypto::pki::{self, CertificateParams};
    use qssl_crypto::sign::{ALL_VERIFIERS, KeyAlgorithm};

    const S: fn(u16) -> SignatureScheme = SignatureScheme;

    fn params() -> ServerEcdhParams {
        ServerEcdhParams {
            named_curve: NamedGroup::X25519,
            public: (0..32).collect(),
        }
    }

    /// A self-signed certificate for `key` (only its SPKI matters here).
    fn certificate(key: &dyn SigningKey) -> CertificateDer<'static> {
        let p = CertificateParams::new("ske test", &[1], 1_700_000_000, 1_900_000_000);
        let cert = pki::self_signed(&p, &pki::KeySigner(key)).unwrap();
        CertificateDer::from(cert.der)
    }

    #[test]
    fn content_is_randoms_then_encoded_params() {
        let cr = [0x11; 32];
        let sr = [0x22; 32];
        let content = server_key_exchange_content(&cr, &sr, &params()).unwrap();
        let mut want = vec![0x11; 32];
        want.extend_from_slice(&[0x22; 32]);
        // curve_type named_curve(3), x25519 (0x001d), point length 32, point.
        want.extend_from_slice(&[3, 0x00, 0x1d, 32]);
        want.extend(0..32u8);
        assert_eq!(content, want);

        let long = ServerEcdhParams {
            named_curve: NamedGroup::SECP256R1,
            public: vec![4; 256],
        };
        assert!(server_key_exchange_content(&cr, &sr, &long).is_err());
    }

    #[test]
    fn scheme_choice() {
        use SignatureScheme as SS;
        let rsa_key = [
            SS::RSA_PSS_RSAE_SHA256,
            SS::RSA_PSS_RSAE_SHA384,
            SS::RSA_PKCS1_SHA256,
        ];
        let p256_key = [SS::ECDSA_SECP256R1_SHA256];
        let p384_key = [SS::ECDSA_SECP384R1_SHA384];
        // (key schemes, client list, chosen)
        let table: &[(&[SS], &[SS], Option<SS>)] = &[
            // PKCS#1 v1.5 is allowed in TLS 1.2.
            (
                &[SS::RSA_PKCS1_SHA256],
                &[SS::RSA_PKCS1_SHA256],
                Some(SS::RSA_PKCS1_SHA256),
            ),
            (
                &rsa_key,
                &[SS::RSA_PKCS1_SHA256],
                Some(SS::RSA_PKCS1_SHA256),
            ),
            // The key's order wins over the client's.
            (
                &rsa_key,
                &[
                    SS::RSA_PKCS1_SHA256,
                    SS::RSA_PSS_RSAE_SHA384,
                    SS::RSA_PSS_RSAE_SHA256,
                ],
                Some(SS::RSA_PSS_RSAE_SHA256),
            ),
            // ECDSA only with the key's own curve.
            (&p256_key, &[SS::ECDSA_SECP384R1_SHA384], None),
            (&p384_key, &[SS::ECDSA_SECP256R1_SHA256], None),
            (
                &p384_key,
                &[SS::ECDSA_SECP256R1_SHA256, SS::ECDSA_SECP384R1_SHA384],
                Some(SS::ECDSA_SECP384R1_SHA384),
            ),
            // Ed25519 and ML-DSA when both list them.
            (&[SS::ED25519], &[SS::ED25519], Some(SS::ED25519)),
            (
                &[SS::MLDSA65],
                &[SS::ED25519, SS::MLDSA65],
                Some(SS::MLDSA65),
            ),
            (&[SS::MLDSA65], &[SS::MLDSA44], None),
            // SHA-1 and MD5 never, even if both list them: rsa_pkcs1_sha1,
            // ecdsa_sha1, (md5, rsa), (sha224, ecdsa).
            (&[S(0x0201)], &[S(0x0201)], None),
            (&[S(0x0203), SS::ECDSA_SECP256R1_SHA256], &[S(0x0203)], None),
            (&[S(0x0101)], &[S(0x0101)], None),
            (&[S(0x0303)], &[S(0x0303)], None),
            // No signature_algorithms: the SHA-1 default, so nothing.
            (&rsa_key, &[], None),
            (&p256_key, &[], None),
        ];
        for (key, peer, want) in table {
            assert_eq!(choose_tls12_scheme(key, peer), *want, "{key:?} / {peer:?}");
        }
    }

    /// A PKCS#1 v1.5 signer for the tests: qssl-crypto's RSA key signs PSS only.
    #[derive(Debug)]
    struct Pkcs1Key(rsa::PrivateKey, PrivateKey);

    impl SigningKey for Pkcs1Key {
        fn algorithm(&self) -> KeyAlgorithm {
            KeyAlgorithm::Rsa
        }
        fn schemes(&self) -> &[SignatureScheme] {
            &[
                SignatureScheme::RSA_PKCS1_SHA256,
                SignatureScheme::RSA_PKCS1_SHA512,
            ]
        }
        fn sign(&self, scheme: SignatureScheme, message: &[u8]) -> Result<Vec<u8>, CryptoError> {
            let signature = match scheme {
                SignatureScheme::RSA_PKCS1_SHA256 => self.0.pkcs1v15_sign::<sha2::Sha256>(message),
                SignatureScheme::RSA_PKCS1_SHA512 => self.0.pkcs1v15_sign::<sha2::Sha512>(message),
                other => return Err(CryptoError::UnsupportedSignatureScheme(other)),
            };
            signature.map_err(|_| CryptoError::SigningFailed("RSA PKCS#1"))
        }
        fn public_key_spki(&self) -> Vec<u8> {
            self.1.public_key_spki()
        }
    }

    fn pkcs1_key() -> Pkcs1Key {
        use rsa::pkcs8::DecodePrivateKey;
        let key = keys::generate_rsa(2048).unwrap();
        let der = key.to_pkcs8_der().unwrap();
        Pkcs1Key(rsa::PrivateKey::from_pkcs8_der(&der).unwrap(), key)
    }

    /// Signs with `scheme`, verifies, then checks the refusals: a tampered byte of
    /// the params or of each random, a scheme not offered, a scheme of another key.
    ///
    /// `cert_key` self-signs the certificate of `key`'s public key: itself, except for
    /// the PKCS#1 signer, which cannot make the PSS signature `pki` asks of an RSA key.
    fn round_trip(
        key: &dyn SigningKey,
        cert_key: &dyn SigningKey,
        scheme: SignatureScheme,
        wrong_key_scheme: SignatureScheme,
    ) {
        assert_eq!(key.public_key_spki(), cert_key.public_key_spki());
        let cert = certificate(cert_key);
        let cr = [7; 32];
        let sr = [9; 32];
        let offered = TLS12_SCHEMES;
        let content = server_key_exchange_content(&cr, &sr, &params()).unwrap();
        let signature = sign_server_key_exchange(key, scheme, &content).unwrap();
        assert_eq!(signature.scheme, scheme);
        let ske = ServerKeyExchange {
            params: params(),
            signature,
        };
        let verify =
            |ske: &ServerKeyExchange, cr: &[u8; 32], sr: &[u8; 32], offered: &[SignatureScheme]| {
                verify_server_key_exchange(ALL_VERIFIERS, &cert, ske, cr, sr, offered)
            };
        assert_eq!(verify(&ske, &cr, &sr, offered), Ok(()), "{scheme:?}");

        let bad_sig = Err(Error::Certificate(CertificateError::BadHandshakeSignature));
        let mut tampered = ske.clone();
        tampered.params.public[5] ^= 0x01;
        assert_eq!(verify(&tampered, &cr, &sr, offered), bad_sig);
        let mut tampered = ske.clone();
        tampered.params.named_curve = NamedGroup::SECP256R1;
        assert_eq!(verify(&tampered, &cr, &sr, offered), bad_sig);
        let mut cr2 = cr;
        cr2[31] ^= 0x80;
        assert_eq!(verify(&ske, &cr2, &sr, offered), bad_sig);
        // The randoms in the other order.
        assert_eq!(verify(&ske, &sr, &cr, offered), bad_sig);
        let mut tampered = ske.clone();
        let last = tampered.signature.signature.len() - 1;
        tampered.signature.signature[last] ^= 0x01;
        assert_eq!(verify(&tampered, &cr, &sr, offered), bad_sig);
        assert_eq!(
            Error::Certificate(CertificateError::BadHandshakeSignature).alert(),
            AlertDescription::DECRYPT_ERROR
        );

        // Not offered.
        let others: Vec<_> = offered.iter().copied().filter(|s| *s != scheme).collect();
        let not_offered = verify(&ske, &cr, &sr, &others).unwrap_err();
        assert_eq!(
            not_offered,
            Error::PeerMisbehaved(PeerMisbehaved::SignatureSchemeNotOffered)
        );
        assert_eq!(not_offered.alert(), AlertDescription::ILLEGAL_PARAMETER);

        // Offered, but the certificate's key cannot make it.
        let mut relabelled = ske.clone();
        relabelled.signature.scheme = wrong_key_scheme;
        assert_eq!(
            verify(&relabelled, &cr, &sr, offered),
            Err(Error::Certificate(
                CertificateError::HandshakeSignatureKeyMismatch
            ))
        );
    }

    #[test]
    fn round_trips_and_refusals() {
        use SignatureScheme as SS;
        let p256 = keys::generate(KeyAlgorithm::EcdsaP256).unwrap();
        let p384 = keys::generate(KeyAlgorithm::EcdsaP384).unwrap();
        let ed = keys::generate(KeyAlgorithm::Ed25519).unwrap();
        let mldsa = keys::generate(KeyAlgorithm::MlDsa65).unwrap();
        let rsa = keys::generate_rsa(2048).unwrap();
        let pkcs1 = pkcs1_key();
        // (key, certificate signer, scheme, a scheme the key cannot make)
        let cases: [(&dyn SigningKey, &dyn SigningKey, SS, SS); 8] = [
            (
                &p256,
                &p256,
                SS::ECDSA_SECP256R1_SHA256,
                SS::ECDSA_SECP384R1_SHA384,
            ),
            // A P-384 key does not verify as ecdsa_secp256r1_sha256: the curve must match.
            (
                &p384,
                &p384,
                SS::ECDSA_SECP384R1_SHA384,
                SS::ECDSA_SECP256R1_SHA256,
            ),
            (&ed, &ed, SS::ED25519, SS::ECDSA_SECP256R1_SHA256),
            (&mldsa, &mldsa, SS::MLDSA65, SS::MLDSA44),
            (&rsa, &rsa, SS::RSA_PSS_RSAE_SHA256, SS::ED25519),
            (
                &rsa,
                &rsa,
                SS::RSA_PSS_RSAE_SHA512,
                SS::ECDSA_SECP384R1_SHA384,
            ),
            (&pkcs1, &pkcs1.1, SS::RSA_PKCS1_SHA256, SS::ED25519),
            (
                &pkcs1,
                &pkcs1.1,
                SS::RSA_PKCS1_SHA512,
                SS::ECDSA_SECP256R1_SHA256,
            ),
        ];
        for (key, cert_key, scheme, wrong) in cases {
            round_trip(key, cert_key, scheme, wrong);
        }
    }

    #[test]
    fn pss_and_pkcs1_are_not_interchangeable() {
        use SignatureScheme as SS;
        let pkcs1 = pkcs1_key();
        let cert = certificate(&pkcs1.1);
        let content = server_key_exchange_content(&[1; 32], &[2; 32], &params()).unwrap();
        let mut signature =
            sign_server_key_exchange(&pkcs1, SS::RSA_PKCS1_SHA256, &content).unwrap();
        signature.scheme = SS::RSA_PSS_RSAE_SHA256;
        let ske = ServerKeyExchange {
            params: params(),
            signature,
        };
        assert_eq!(
            verify_server_key_exchange(
                ALL_VERIFIERS,
                &cert,
                &ske,
                &[1; 32],
                &[2; 32],
                TLS12_SCHEMES
            ),
            Err(Error::Certificate(CertificateError::BadHandshakeSignature))
        );
    }

    #[test]
    fn sha1_and_unknown_schemes_refused_even_if_offered() {
        let key = keys::generate(KeyAlgorithm::EcdsaP256).unwrap();
        let cert = certificate(&key);
        for scheme in [S(0x0201), S(0x0203), S(0x0101), S(0x0809)] {
            let ske = ServerKeyExchange {
                params: params(),
                signature: DigitallySigned {
                    scheme,
                    signature: vec![0x30, 0x00],
                },
            };
            assert_eq!(
                verify_server_key_exchange(
                    ALL_VERIFIERS,
                    &cert,
                    &ske,
                    &[0; 32],
                    &[0; 32],
                    &[scheme]
                ),
                Err(Error::PeerMisbehaved(
                    PeerMisbehaved::SignatureSchemeNotOffered
                )),
                "{scheme:?}"
            );
        }
    }

    #[test]
    fn signing_refuses_schemes_outside_tls12_and_the_key() {
        let key = keys::generate(KeyAlgorithm::EcdsaP256).unwrap();
        assert!(matches!(
            sign_server_key_exchange(&key, S(0x0203), b"content"),
            Err(Error::Misuse(_))
        ));
        assert_eq!(
            sign_server_key_exchange(&key, SignatureScheme::ECDSA_SECP384R1_SHA384, b"content"),
            Err(Error::Crypto(CryptoError::UnsupportedSignatureScheme(
                SignatureScheme::ECDSA_SECP384R1_SHA384
            )))
        );
    }

    #[test]
    fn provider_without_the_scheme() {
        let key = keys::generate(KeyAlgorithm::EcdsaP256).unwrap();
        let cert = certificate(&key);
        let content = server_key_exchange_content(&[1; 32], &[2; 32], &params()).unwrap();
        let signature =
            sign_server_key_exchange(&key, SignatureScheme::ECDSA_SECP256R1_SHA256, &content)
                .unwrap();
        let ske = ServerKeyExchange {
            params: params(),
            signature,
        };
        let only_ed25519 = [qssl_crypto::sign::ED25519];
        assert_eq!(
            verify_server_key_exchange(
                &only_ed25519,
                &cert,
                &ske,
                &[1; 32],
                &[2; 32],
                TLS12_SCHEMES
            ),
            Err(Error::Certificate(
                CertificateError::UnsupportedHandshakeSignatureScheme
            ))
        );
    }
}

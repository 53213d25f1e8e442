//! Root → intermediate → leaf chains built with `qssl_crypto::pki` for ECDSA
//! P-384, Ed25519, ML-DSA-65, RSA PKCS#1 v1.5 / RSA-PSS (and one chain mixing
//! ML-DSA, ECDSA and Ed25519), parsed back
//! with x509-cert and verified with the primitive crates; then, when an
//! OpenSSL binary is available, checked by `openssl verify`.
//!
//! The signers here wrap the primitive crates directly: Q-SSL's own
//! `SigningKey` implementation of `CertificateSigner` belongs to the signature
//! module.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::path::{Path, PathBuf};
use std::process::Command;

use der::asn1::{AnyRef, Ia5String, OctetString};
use der::{Decode, Encode, Reader, SliceReader};
use qssl_crypto::error::CryptoError;
use qssl_crypto::pki::{
    self, Certificate, CertificateParams, CertificateRole, CertificateSigner, PkiError,
};
use sha1::{Digest, Sha1};
use spki::{AlgorithmIdentifierOwned, DecodePublicKey, EncodePublicKey, ObjectIdentifier};
use x509_cert::certificate::Version;
use x509_cert::ext::pkix::name::GeneralName;
use x509_cert::ext::pkix::{
    AuthorityKeyIdentifier, BasicConstraints, ExtendedKeyUsage, KeyUsage, KeyUsages,
    SubjectAltName, SubjectKeyIdentifier,
};

const ECDSA_WITH_SHA384: &str = "1.2.840.10045.4.3.3"; // RFC 5758 §3.2
const ED25519: &str = "1.3.101.112"; // RFC 8410 §3
const ML_DSA_65: &str = "2.16.840.1.101.3.4.3.18"; // FIPS 204 / RFC 9881
const SHA256_WITH_RSA: &str = "1.2.840.113549.1.1.11"; // RFC 4055 §5
const RSASSA_PSS: &str = "1.2.840.113549.1.1.10"; // RFC 4055 §3.1
const ID_KP_SERVER_AUTH: &str = "1.3.6.1.5.5.7.3.1";
const ID_KP_CLIENT_AUTH: &str = "1.3.6.1.5.5.7.3.2";

/// 2023-11-14T22:13:20Z.
const NOT_BEFORE: u64 = 1_700_000_000;
/// 2100-01-01T00:00:00Z: past 2049, so notAfter is a GeneralizedTime.
const NOT_AFTER: u64 = 4_102_444_800;
/// The time `openssl verify -attime` checks at (2025-06-15).
const VERIFY_AT: u64 = 1_750_000_000;

fn alg_id(oid: &str) -> Vec<u8> {
    AlgorithmIdentifierOwned {
        oid: ObjectIdentifier::new_unwrap(oid),
        parameters: None,
    }
    .to_der()
    .unwrap()
}

struct P384(p384::ecdsa::SigningKey);
struct Ed25519(ed25519_dalek::SigningKey);
struct MlDsa65(ml_dsa::SigningKey<ml_dsa::MlDsa65>);

impl CertificateSigner for P384 {
    fn signature_algorithm_der(&self) -> Vec<u8> {
        alg_id(ECDSA_WITH_SHA384)
    }
    fn subject_public_key_info_der(&self) -> Vec<u8> {
        self.0
            .verifying_key()
            .to_public_key_der()
            .unwrap()
            .into_vec()
    }
    fn sign(&self, tbs_der: &[u8]) -> Result<Vec<u8>, CryptoError> {
        use p384::ecdsa::signature::Signer;
        let sig: p384::ecdsa::DerSignature = self.0.sign(tbs_der);
        Ok(sig.to_bytes().to_vec())
    }
}

impl CertificateSigner for Ed25519 {
    fn signature_algorithm_der(&self) -> Vec<u8> {
        alg_id(ED25519)
    }
    fn subject_public_key_info_der(&self) -> Vec<u8> {
        self.0
            .verifying_key()
            .to_public_key_der()
            .unwrap()
            .into_vec()
    }
    fn sign(&self, tbs_der: &[u8]) -> Result<Vec<u8>, CryptoError> {
        use ed25519_dalek::Signer;
        Ok(self.0.sign(tbs_der).to_bytes().to_vec())
    }
}

impl CertificateSigner for MlDsa65 {
    fn signature_algorithm_der(&self) -> Vec<u8> {
        alg_id(ML_DSA_65)
    }
    fn subject_public_key_info_der(&self) -> Vec<u8> {
        use ml_dsa::signature::Keypair;
        self.0
            .verifying_key()
            .to_public_key_der()
            .unwrap()
            .into_vec()
    }
    fn sign(&self, tbs_der: &[u8]) -> Result<Vec<u8>, CryptoError> {
        use ml_dsa::signature::Signer;
        // Pure ML-DSA with the empty context string, as RFC 9881 §3 requires.
        Ok(self.0.sign(tbs_der).encode().to_vec())
    }
}

/// RSA PKCS#1 v1.5 with SHA-256 (sha256WithRSAEncryption, NULL parameters).
struct RsaPkcs1(rsa::pkcs1v15::SigningKey<sha2::Sha256>);
/// RSA-PSS with SHA-256, MGF1-SHA-256, 32-byte salt, on an rsaEncryption key
/// (TLS's rsa_pss_rsae_sha256).
struct RsaPss(rsa::pss::SigningKey<sha2::Sha256>);

fn rsa_public_key_der(key: &rsa::PrivateKey) -> Vec<u8> {
    key.to_public_key().to_public_key_der().unwrap().into_vec()
}

fn rsa_pss_sha256_alg_id() -> Vec<u8> {
    use spki::DynSignatureAlgorithmIdentifier;
    let key = rsa_key(1);
    rsa::pss::SigningKey::<sha2::Sha256>::new(key)
        .signature_algorithm_identifier()
        .unwrap()
        .to_der()
        .unwrap()
}

impl CertificateSigner for RsaPkcs1 {
    fn signature_algorithm_der(&self) -> Vec<u8> {
        AlgorithmIdentifierOwned {
            oid: ObjectIdentifier::new_unwrap(SHA256_WITH_RSA),
            parameters: Some(der::asn1::Null.into()),
        }
        .to_der()
        .unwrap()
    }
    fn subject_public_key_info_der(&self) -> Vec<u8> {
        rsa_public_key_der(self.0.as_ref())
    }
    fn sign(&self, tbs_der: &[u8]) -> Result<Vec<u8>, CryptoError> {
        use rsa::signature::{SignatureEncoding, Signer};
        Ok(self.0.sign(tbs_der).to_vec())
    }
}

impl CertificateSigner for RsaPss {
    fn signature_algorithm_der(&self) -> Vec<u8> {
        rsa_pss_sha256_alg_id()
    }
    fn subject_public_key_info_der(&self) -> Vec<u8> {
        rsa_public_key_der(self.0.as_ref())
    }
    fn sign(&self, tbs_der: &[u8]) -> Result<Vec<u8>, CryptoError> {
        use rsa::signature::{SignatureEncoding, Signer};
        Ok(self.0.sign(tbs_der).to_vec())
    }
}

/// The `n`th (1-based) of the three OpenSSL-made RSA-2048 test keys.
fn rsa_key(n: u8) -> rsa::PrivateKey {
    use rsa::pkcs8::DecodePrivateKey;
    let blocks = pki::pem_blocks(include_str!("fixtures/pki/rsa2048-test-keys.pem")).unwrap();
    let block = &blocks[usize::from(n - 1)];
    assert_eq!(block.label, "PRIVATE KEY");
    rsa::PrivateKey::from_pkcs8_der(&block.der).unwrap()
}

#[derive(Clone, Copy, Debug, PartialEq)]
enum Alg {
    P384,
    Ed25519,
    MlDsa65,
    RsaPkcs1,
    RsaPss,
}

/// Deterministic keys from a one-byte seed: the tests must be reproducible.
fn key(alg: Alg, seed: u8) -> Box<dyn CertificateSigner> {
    match alg {
        Alg::P384 => Box::new(P384(
            p384::ecdsa::SigningKey::from_slice(&[seed; 48]).unwrap(),
        )),
        Alg::Ed25519 => Box::new(Ed25519(ed25519_dalek::SigningKey::from_bytes(&[seed; 32]))),
        Alg::MlDsa65 => Box::new(MlDsa65(ml_dsa::SigningKey::from_seed(&[seed; 32].into()))),
        Alg::RsaPkcs1 => Box::new(RsaPkcs1(rsa::pkcs1v15::SigningKey::new(rsa_key(seed)))),
        Alg::RsaPss => Box::new(RsaPss(rsa::pss::SigningKey::new(rsa_key(seed)))),
    }
}

/// Verifies `signature` over `message` with the key in `spki_der`, with the
/// primitive crate for the signature algorithm `sig_alg_der`.
fn verify(spki_der: &[u8], sig_alg_der: &[u8], message: &[u8], signature: &[u8]) -> bool {
    // A key of another type than the algorithm's fails to load: not verified.
    let spki = spki::SubjectPublicKeyInfoRef::from_der(spki_der).unwrap();
    let sig_alg = AlgorithmIdentifierOwned::from_der(sig_alg_der).unwrap();
    match sig_alg.oid.to_string().as_str() {
        ECDSA_WITH_SHA384 => {
            use p384::ecdsa::signature::Verifier;
            let Ok(vk) = p384::ecdsa::VerifyingKey::from_public_key_der(spki_der) else {
                return false;
            };
            let Ok(sig) = p384::ecdsa::DerSignature::from_bytes(signature) else {
                return false;
            };
            vk.verify(message, &sig).is_ok()
        }
        ED25519 => {
            let Ok(vk) = ed25519_dalek::VerifyingKey::from_public_key_der(spki_der) else {
                return false;
            };
            let Ok(sig) = ed25519_dalek::Signature::from_slice(signature) else {
                return false;
            };
            vk.verify_strict(message, &sig).is_ok()
        }
        ML_DSA_65 => {
            use ml_dsa::signature::Verifier;
            let Ok(vk) = ml_dsa::VerifyingKey::<ml_dsa::MlDsa65>::try_from(spki) else {
                return false;
            };
            let Ok(sig) = ml_dsa::Signature::<ml_dsa::MlDsa65>::try_from(signature) else {
                return false;
            };
            vk.verify(message, &sig).is_ok()
        }
        SHA256_WITH_RSA => {
            use rsa::signature::Verifier;
            let Ok(pk) = rsa::PublicKey::from_public_key_der(spki_der) else {
                return false;
            };
            let vk = rsa::pkcs1v15::VerifyingKey::<sha2::Sha256>::new(pk);
            let Ok(sig) = rsa::pkcs1v15::Signature::try_from(signature) else {
                return false;
            };
            vk.verify(message, &sig).is_ok()
        }
        RSASSA_PSS => {
            use rsa::signature::Verifier;
            // The parameters must be the SHA-256 / MGF1-SHA-256 / salt 32 set we verify with.
            assert_eq!(sig_alg_der, rsa_pss_sha256_alg_id());
            let Ok(pk) = rsa::PublicKey::from_public_key_der(spki_der) else {
                return false;
            };
            let vk = rsa::pss::VerifyingKey::<sha2::Sha256>::new(pk);
            let Ok(sig) = rsa::pss::Signature::try_from(signature) else {
                return false;
            };
            vk.verify(message, &sig).is_ok()
        }
        other => panic!("no verifier for {other}"),
    }
}

/// The TBSCertificate exactly as it appears in the certificate's bytes.
fn tbs_bytes(cert_der: &[u8]) -> &[u8] {
    let outer = AnyRef::from_der(cert_der).unwrap();
    let mut reader = SliceReader::new(outer.value()).unwrap();
    reader.tlv_bytes().unwrap()
}

fn sha1(bytes: &[u8]) -> Vec<u8> {
    Sha1::digest(bytes).to_vec()
}

struct Chain {
    keys: [Box<dyn CertificateSigner>; 3],
    root: Certificate,
    inter: Certificate,
    leaf: Certificate,
}

fn leaf_ips() -> Vec<IpAddr> {
    vec![
        IpAddr::V4(Ipv4Addr::new(127, 0, 0, 1)),
        IpAddr::V6(Ipv6Addr::LOCALHOST),
    ]
}

/// Root (pathLen 1) → intermediate (pathLen 0) → leaf (serverAuth + clientAuth,
/// DNS and IP SANs), each level with its own algorithm.
fn build_chain(algs: [Alg; 3]) -> Chain {
    let keys = [key(algs[0], 1), key(algs[1], 2), key(algs[2], 3)];

    let mut root_params =
        CertificateParams::new("Q-SSL test root", &[0x01, 0x02], NOT_BEFORE, NOT_AFTER);
    root_params.role = CertificateRole::Ca { path_len: Some(1) };
    let root = pki::self_signed(&root_params, keys[0].as_ref()).unwrap();

    let mut inter_params = CertificateParams::new(
        "Q-SSL test intermediate",
        &[0x7f; 20],
        NOT_BEFORE,
        NOT_AFTER,
    );
    inter_params.role = CertificateRole::Ca { path_len: Some(0) };
    let inter = pki::issue(
        &inter_params,
        &keys[1].subject_public_key_info_der(),
        &root.der,
        keys[0].as_ref(),
    )
    .unwrap();

    let mut leaf_params =
        CertificateParams::new("localhost", &[0x80, 0, 0, 1], NOT_BEFORE, NOT_AFTER);
    leaf_params.role = CertificateRole::EndEntity {
        server_auth: true,
        client_auth: true,
    };
    leaf_params.dns_names = vec!["localhost".into(), "*.test.qssl".into()];
    leaf_params.ip_addresses = leaf_ips();
    let leaf = pki::issue(
        &leaf_params,
        &keys[2].subject_public_key_info_der(),
        &inter.der,
        keys[1].as_ref(),
    )
    .unwrap();

    Chain {
        keys,
        root,
        inter,
        leaf,
    }
}

struct Expected<'a> {
    subject_cn: &'a str,
    issuer_cn: &'a str,
    serial: &'a [u8],
    ca_path_len: Option<Option<u8>>,
}

fn common_name(name: &x509_cert::name::Name) -> String {
    // A UTF8String, as OpenSSL writes by default.
    match name.common_name().unwrap().unwrap() {
        x509_cert::ext::pkix::name::DirectoryString::Utf8String(s) => s,
        other => panic!("commonName is not a UTF8String: {other:?}"),
    }
}

fn check_cert(
    cert: &Certificate,
    expected: &Expected<'_>,
    subject_key: &dyn CertificateSigner,
    issuer_key: &dyn CertificateSigner,
) {
    let parsed = x509_cert::Certificate::from_der(&cert.der).unwrap();
    // Re-encoding gives the same bytes: the output is DER, not just BER.
    assert_eq!(parsed.to_der().unwrap(), cert.der);
    let tbs = parsed.tbs_certificate();

    assert_eq!(tbs.version(), Version::V3);
    assert_eq!(tbs.serial_number().as_bytes(), expected.serial);
    assert_eq!(common_name(tbs.subject()), expected.subject_cn);
    assert_eq!(common_name(tbs.issuer()), expected.issuer_cn);
    assert_eq!(
        tbs.validity().not_before.to_unix_duration().as_secs(),
        NOT_BEFORE
    );
    assert_eq!(
        tbs.validity().not_after.to_unix_duration().as_secs(),
        NOT_AFTER
    );
    assert!(matches!(
        tbs.validity().not_after,
        x509_cert::time::Time::GeneralTime(_)
    ));
    assert_eq!(
        tbs.subject_public_key_info().to_der().unwrap(),
        subject_key.subject_public_key_info_der()
    );
    let sig_alg = issuer_key.signature_algorithm_der();
    assert_eq!(tbs.signature().to_der().unwrap(), sig_alg);
    assert_eq!(parsed.signature_algorithm().to_der().unwrap(), sig_alg);

    // Extensions.
    let (critical, bc) = tbs.get_extension::<BasicConstraints>().unwrap().unwrap();
    assert!(critical, "basicConstraints must be critical");
    let (critical, ku) = tbs.get_extension::<KeyUsage>().unwrap().unwrap();
    assert!(critical, "keyUsage must be critical");
    let eku = tbs.get_extension::<ExtendedKeyUsage>().unwrap();
    let san = tbs.get_extension::<SubjectAltName>().unwrap();
    match expected.ca_path_len {
        Some(path_len) => {
            assert!(bc.ca);
            assert_eq!(bc.path_len_constraint, path_len);
            assert_eq!(ku.0, KeyUsages::KeyCertSign | KeyUsages::CRLSign);
            assert!(eku.is_none());
            assert!(san.is_none());
        }
        None => {
            assert!(!bc.ca);
            assert_eq!(bc.path_len_constraint, None);
            assert_eq!(
                ku.0,
                der::flagset::FlagSet::from(KeyUsages::DigitalSignature)
            );
            let (critical, eku) = eku.unwrap();
            assert!(!critical);
            let ekus: Vec<String> = eku.0.iter().map(|oid| oid.to_string()).collect();
            assert_eq!(ekus, [ID_KP_SERVER_AUTH, ID_KP_CLIENT_AUTH]);
            let (critical, san) = san.unwrap();
            assert!(!critical, "subject is not empty, so SAN is not critical");
            let want = vec![
                GeneralName::DnsName(Ia5String::new("localhost").unwrap()),
                GeneralName::DnsName(Ia5String::new("*.test.qssl").unwrap()),
                GeneralName::IpAddress(OctetString::new([127, 0, 0, 1]).unwrap()),
                GeneralName::IpAddress(OctetString::new(Ipv6Addr::LOCALHOST.octets()).unwrap()),
            ];
            assert_eq!(san.0, want);
        }
    }

    // Key identifiers: SHA-1 over the subjectPublicKey bits (RFC 5280 §4.2.1.2 (1)).
    let subject_spki = tbs.subject_public_key_info();
    let issuer_spki_der = issuer_key.subject_public_key_info_der();
    let issuer_spki = spki::SubjectPublicKeyInfoOwned::from_der(&issuer_spki_der).unwrap();
    let (critical, ski) = tbs
        .get_extension::<SubjectKeyIdentifier>()
        .unwrap()
        .unwrap();
    assert!(!critical);
    assert_eq!(
        ski.0.as_bytes(),
        sha1(subject_spki.subject_public_key.raw_bytes())
    );
    let (critical, aki) = tbs
        .get_extension::<AuthorityKeyIdentifier>()
        .unwrap()
        .unwrap();
    assert!(!critical);
    assert_eq!(
        aki.key_identifier.unwrap().as_bytes(),
        sha1(issuer_spki.subject_public_key.raw_bytes())
    );
    assert!(aki.authority_cert_issuer.is_none() && aki.authority_cert_serial_number.is_none());

    // The signature over the TBS bytes verifies with the issuer's key...
    let tbs_der = tbs_bytes(&cert.der);
    assert_eq!(tbs_der, tbs.to_der().unwrap());
    let signature = parsed.signature().raw_bytes();
    assert!(verify(&issuer_spki_der, &sig_alg, tbs_der, signature));
    // ...and not with the subject's (except for a self-signed certificate),
    // nor over a changed TBS.
    if issuer_spki_der != subject_key.subject_public_key_info_der() {
        assert!(!verify(
            &subject_key.subject_public_key_info_der(),
            &sig_alg,
            tbs_der,
            signature
        ));
    }
    let mut tampered = tbs_der.to_vec();
    let last = tampered.len() - 1;
    tampered[last] ^= 1;
    assert!(!verify(&issuer_spki_der, &sig_alg, &tampered, signature));
}

fn check_chain(chain: &Chain) {
    let [root_key, inter_key, leaf_key] = &chain.keys;
    check_cert(
        &chain.root,
        &Expected {
            subject_cn: "Q-SSL test root",
            issuer_cn: "Q-SSL test root",
            serial: &[0x01, 0x02],
            ca_path_len: Some(Some(1)),
        },
        root_key.as_ref(),
        root_key.as_ref(),
    );
    check_cert(
        &chain.inter,
        &Expected {
            subject_cn: "Q-SSL test intermediate",
            issuer_cn: "Q-SSL test root",
            serial: &[0x7f; 20],
            ca_path_len: Some(Some(0)),
        },
        inter_key.as_ref(),
        root_key.as_ref(),
    );
    check_cert(
        &chain.leaf,
        &Expected {
            subject_cn: "localhost",
            issuer_cn: "Q-SSL test intermediate",
            // 0x80... is positive: DER (and x509-cert's decoded value) adds a zero sign octet.
            serial: &[0, 0x80, 0, 0, 1],
            ca_path_len: None,
        },
        leaf_key.as_ref(),
        inter_key.as_ref(),
    );
}

#[test]
fn p384_chain() {
    check_chain(&build_chain([Alg::P384; 3]));
}

#[test]
fn ed25519_chain() {
    check_chain(&build_chain([Alg::Ed25519; 3]));
}

#[test]
fn ml_dsa_65_chain() {
    let chain = build_chain([Alg::MlDsa65; 3]);
    check_chain(&chain);
    // An ML-DSA-65 signature is 3309 bytes and its public key 1952: the
    // certificates are far larger than classical ones.
    assert!(chain.leaf.der.len() > 5000, "{}", chain.leaf.der.len());
}

#[test]
fn rsa_chain() {
    // PKCS#1 v1.5 root signs a PSS-signing intermediate, which signs the leaf with PSS.
    check_chain(&build_chain([Alg::RsaPkcs1, Alg::RsaPss, Alg::RsaPss]));
}

#[test]
fn mixed_chain() {
    check_chain(&build_chain([Alg::MlDsa65, Alg::P384, Alg::Ed25519]));
}

#[test]
fn deterministic_signers_give_identical_certificates() {
    let a = build_chain([Alg::Ed25519, Alg::P384, Alg::Ed25519]);
    let b = build_chain([Alg::Ed25519, Alg::P384, Alg::Ed25519]);
    assert_eq!(a.leaf, b.leaf);
    assert_eq!(a.root, b.root);
}

#[test]
fn pem_round_trip_of_a_chain_file() {
    let chain = build_chain([Alg::P384; 3]);
    let file = format!(
        "leaf\n{}intermediate\n{}",
        chain.leaf.to_pem(),
        chain.inter.to_pem()
    );
    let ders = pki::pem_certificates(&file).unwrap();
    assert_eq!(ders, vec![chain.leaf.der.clone(), chain.inter.der.clone()]);
}

#[test]
fn issuer_signer_must_hold_the_issuer_certificates_key() {
    let chain = build_chain([Alg::P384; 3]);
    let params = CertificateParams::new("x", &[1], NOT_BEFORE, NOT_AFTER);
    let other = key(Alg::P384, 9);
    let err = pki::issue(
        &params,
        &other.subject_public_key_info_der(),
        &chain.inter.der,
        chain.keys[0].as_ref(), // the root's key, not the intermediate's
    )
    .unwrap_err();
    assert_eq!(err, PkiError::IssuerKeyMismatch);
}

#[test]
fn bad_inputs_are_errors() {
    let root_key = key(Alg::Ed25519, 1);
    let mut params = CertificateParams::new("ca", &[1], NOT_BEFORE, NOT_AFTER);
    params.role = CertificateRole::Ca { path_len: None };
    let root = pki::self_signed(&params, root_key.as_ref()).unwrap();
    let spki = key(Alg::Ed25519, 2).subject_public_key_info_der();

    let leaf = CertificateParams::new("leaf", &[1], NOT_BEFORE, NOT_AFTER);
    let issue = |p: &CertificateParams| pki::issue(p, &spki, &root.der, root_key.as_ref());
    assert!(issue(&leaf).is_ok());

    let mut p = leaf.clone();
    p.serial_number = vec![0, 0];
    assert_eq!(issue(&p), Err(PkiError::InvalidSerialNumber));
    p.serial_number = vec![0xff; 20];
    assert_eq!(issue(&p), Err(PkiError::InvalidSerialNumber));

    let mut p = leaf.clone();
    p.not_before = NOT_AFTER + 1;
    assert_eq!(issue(&p), Err(PkiError::InvalidValidity));

    let mut p = leaf.clone();
    p.common_name.clear();
    assert_eq!(issue(&p), Err(PkiError::NoSubject));
    p.dns_names = vec!["only-san.test".into()];
    let cert = issue(&p).unwrap();
    let parsed = x509_cert::Certificate::from_der(&cert.der).unwrap();
    assert!(parsed.tbs_certificate().subject().is_empty());
    let (critical, _) = parsed
        .tbs_certificate()
        .get_extension::<SubjectAltName>()
        .unwrap()
        .unwrap();
    assert!(critical, "SAN is critical when the subject is empty");

    let mut p = params.clone();
    p.common_name.clear();
    assert_eq!(
        pki::self_signed(&p, root_key.as_ref()),
        Err(PkiError::EmptyCaName)
    );

    let mut p = leaf.clone();
    p.dns_names = vec!["bücher.example".into()];
    assert_eq!(issue(&p), Err(PkiError::InvalidDnsName));
    p.dns_names = vec![String::new()];
    assert_eq!(issue(&p), Err(PkiError::InvalidDnsName));

    assert_eq!(
        pki::issue(&leaf, &spki[..spki.len() - 1], &root.der, root_key.as_ref()),
        Err(PkiError::InvalidSubjectPublicKeyInfo)
    );
    assert_eq!(
        pki::issue(&leaf, &spki, &root.der[1..], root_key.as_ref()),
        Err(PkiError::InvalidIssuerCertificate)
    );

    struct Failing;
    impl CertificateSigner for Failing {
        fn signature_algorithm_der(&self) -> Vec<u8> {
            alg_id(ED25519)
        }
        fn subject_public_key_info_der(&self) -> Vec<u8> {
            key(Alg::Ed25519, 5).subject_public_key_info_der()
        }
        fn sign(&self, _: &[u8]) -> Result<Vec<u8>, CryptoError> {
            Err(CryptoError::OutputTooLong("test"))
        }
    }
    assert_eq!(
        pki::self_signed(&params, &Failing),
        Err(PkiError::Signing(CryptoError::OutputTooLong("test")))
    );
    struct BadAlg;
    impl CertificateSigner for BadAlg {
        fn signature_algorithm_der(&self) -> Vec<u8> {
            vec![0x30, 0x01]
        }
        fn subject_public_key_info_der(&self) -> Vec<u8> {
            key(Alg::Ed25519, 5).subject_public_key_info_der()
        }
        fn sign(&self, _: &[u8]) -> Result<Vec<u8>, CryptoError> {
            Ok(vec![0; 64])
        }
    }
    assert_eq!(
        pki::self_signed(&params, &BadAlg),
        Err(PkiError::InvalidSigner)
    );
}

// ---------------------------------------------------------------------------
// OpenSSL acceptance.

/// An OpenSSL binary that knows ML-DSA: `$QSSL_OPENSSL`, else
/// `/work/openssl35/bin/openssl`. `Err` says why none was found.
fn openssl_with_ml_dsa() -> Result<PathBuf, String> {
    let candidates: Vec<PathBuf> = match std::env::var_os("QSSL_OPENSSL") {
        Some(path) => vec![PathBuf::from(path)],
        None => vec![PathBuf::from("/work/openssl35/bin/openssl")],
    };
    let mut why = Vec::new();
    for path in candidates {
        match Command::new(&path)
            .args(["list", "-signature-algorithms"])
            .output()
        {
            Ok(out) if String::from_utf8_lossy(&out.stdout).contains("ML-DSA-65") => {
                return Ok(path);
            }
            Ok(_) => why.push(format!("{} lists no ML-DSA-65", path.display())),
            Err(e) => why.push(format!("{}: {e}", path.display())),
        }
    }
    Err(why.join("; "))
}

struct TempDir(PathBuf);

impl TempDir {
    fn new(name: &str) -> Self {
        let dir = std::env::temp_dir().join(format!("qssl-pki-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        TempDir(dir)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Runs `openssl verify` on the chain (plain, `-x509_strict`, and as a TLS
/// server for `localhost` / `127.0.0.1`) and asserts it prints `leaf.pem: OK`.
fn openssl_verify(openssl: &Path, chain: &Chain, name: &str) {
    let dir = TempDir::new(name);
    let write = |file: &str, cert: &Certificate| {
        std::fs::write(dir.0.join(file), cert.to_pem()).unwrap();
    };
    write("root.pem", &chain.root);
    write("inter.pem", &chain.inter);
    write("leaf.pem", &chain.leaf);
    let attime = VERIFY_AT.to_string();
    let base = [
        "verify",
        "-attime",
        &attime,
        "-CAfile",
        "root.pem",
        "-untrusted",
        "inter.pem",
    ];
    let extra: [&[&str]; 3] = [
        &[],
        &["-x509_strict"],
        &[
            "-x509_strict",
            "-purpose",
            "sslserver",
            "-verify_hostname",
            "localhost",
            "-verify_ip",
            "127.0.0.1",
        ],
    ];
    for extra in extra {
        let out = Command::new(openssl)
            .current_dir(&dir.0)
            .args(base)
            .args(extra)
            .arg("leaf.pem")
            .output()
            .unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout);
        let stderr = String::from_utf8_lossy(&out.stderr);
        println!(
            "[{name}] {} {} {} leaf.pem\n  -> {}{}",
            openssl.display(),
            base.join(" "),
            extra.join(" "),
            stdout.trim(),
            stderr.trim()
        );
        assert!(
            out.status.success() && stdout.trim() == "leaf.pem: OK",
            "openssl verify failed for {name}: {stdout}{stderr}"
        );
    }
    // And a chain it must refuse: the leaf against the wrong root.
    let out = Command::new(openssl)
        .current_dir(&dir.0)
        .args([
            "verify",
            "-attime",
            &attime,
            "-CAfile",
            "inter.pem",
            "root.pem",
        ])
        .output()
        .unwrap();
    assert!(
        !out.status.success(),
        "openssl accepted a root signed by nobody it trusts"
    );
}

#[test]
fn openssl_3_5_accepts_the_chains() {
    let openssl = match openssl_with_ml_dsa() {
        Ok(path) => path,
        Err(why) => {
            println!("SKIPPED openssl_3_5_accepts_the_chains: no OpenSSL with ML-DSA ({why})");
            return;
        }
    };
    for (name, algs) in [
        ("p384", [Alg::P384; 3]),
        ("ed25519", [Alg::Ed25519; 3]),
        ("mldsa65", [Alg::MlDsa65; 3]),
        ("mixed", [Alg::MlDsa65, Alg::P384, Alg::Ed25519]),
        ("rsa", [Alg::RsaPkcs1, Alg::RsaPss, Alg::RsaPss]),
    ] {
        openssl_verify(&openssl, &build_chain(algs), name);
    }
}

#[test]
fn system_openssl_accepts_the_classical_chains() {
    let openssl = Path::new("openssl");
    if Command::new(openssl).arg("version").output().is_err() {
        println!("SKIPPED system_openssl_accepts_the_classical_chains: no `openssl` on PATH");
        return;
    }
    for (name, algs) in [
        ("p384-sys", [Alg::P384; 3]),
        ("ed25519-sys", [Alg::Ed25519; 3]),
    ] {
        openssl_verify(openssl, &build_chain(algs), name);
    }
}

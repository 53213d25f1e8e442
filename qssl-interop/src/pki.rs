//! Throw-away test PKIs made with OpenSSL itself, in memory.
//!
//! Each [`TestPki`] is a root CA → intermediate CA → two leaves (a server leaf
//! with `DNS:localhost, IP:127.0.0.1` and EKU serverAuth, a client leaf with EKU
//! clientAuth), all keys of one [`KeyAlgorithm`]. Nothing is written to disk and
//! nothing is checked in: a test run makes fresh keys and certificates, valid from
//! one hour ago for 30 days, with random 127-bit serials.

use std::time::{SystemTime, UNIX_EPOCH};

use openssl::asn1::Asn1Time;
use openssl::bn::{BigNum, MsbOption};
use openssl::ec::{EcGroup, EcKey};
use openssl::hash::MessageDigest;
use openssl::nid::Nid;
use openssl::pkey::{HasPublic, Id, KeyType, PKey, PKeyRef, Private};
use openssl::rsa::Rsa;
use openssl::x509::extension::{
    AuthorityKeyIdentifier, BasicConstraints, ExtendedKeyUsage, KeyUsage, SubjectAlternativeName,
    SubjectKeyIdentifier,
};
use openssl::x509::{X509, X509Builder, X509NameBuilder};
use qssl_crypto::ids::SignatureScheme;

use crate::PeerError;

/// The key (and certificate signature) algorithm of a test PKI.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum KeyAlgorithm {
    /// ML-DSA-44 (FIPS 204).
    MlDsa44,
    /// ML-DSA-65 (FIPS 204).
    MlDsa65,
    /// ML-DSA-87 (FIPS 204).
    MlDsa87,
    /// ECDSA on P-256, certificates signed with SHA-256.
    EcdsaP256,
    /// ECDSA on P-384, certificates signed with SHA-384.
    EcdsaP384,
    /// Ed25519.
    Ed25519,
    /// RSA-2048 (`rsaEncryption` key): PKCS#1 v1.5 SHA-256 certificate signatures,
    /// RSA-PSS (`rsa_pss_rsae_*`) in the TLS 1.3 handshake.
    Rsa2048,
}

impl KeyAlgorithm {
    /// Every algorithm, post-quantum first.
    pub const ALL: [Self; 7] = [
        Self::MlDsa44,
        Self::MlDsa65,
        Self::MlDsa87,
        Self::EcdsaP256,
        Self::EcdsaP384,
        Self::Ed25519,
        Self::Rsa2048,
    ];

    /// Makes a fresh private key of this algorithm.
    pub fn generate(self) -> Result<PKey<Private>, PeerError> {
        let key = match self {
            Self::MlDsa44 => ml_dsa(KeyType::ML_DSA_44)?,
            Self::MlDsa65 => ml_dsa(KeyType::ML_DSA_65)?,
            Self::MlDsa87 => ml_dsa(KeyType::ML_DSA_87)?,
            Self::EcdsaP256 => ec(Nid::X9_62_PRIME256V1)?,
            Self::EcdsaP384 => ec(Nid::SECP384R1)?,
            Self::Ed25519 => PKey::generate_ed25519()?,
            Self::Rsa2048 => PKey::from_rsa(Rsa::generate(2048)?)?,
        };
        Ok(key)
    }

    /// The algorithm of a key made by OpenSSL, or `None` for any other kind
    /// (e.g. ECDSA on P-521, RSA of another size).
    pub fn of_key<T: HasPublic>(key: &PKeyRef<T>) -> Option<Self> {
        if key.is_a(KeyType::ML_DSA_44) {
            return Some(Self::MlDsa44);
        }
        if key.is_a(KeyType::ML_DSA_65) {
            return Some(Self::MlDsa65);
        }
        if key.is_a(KeyType::ML_DSA_87) {
            return Some(Self::MlDsa87);
        }
        match key.id() {
            Id::ED25519 => Some(Self::Ed25519),
            Id::RSA if key.bits() == 2048 => Some(Self::Rsa2048),
            Id::EC => {
                let nid = key.ec_key().ok()?.group().curve_name()?;
                match nid {
                    Nid::X9_62_PRIME256V1 => Some(Self::EcdsaP256),
                    Nid::SECP384R1 => Some(Self::EcdsaP384),
                    _ => None,
                }
            }
            _ => None,
        }
    }

    /// The algorithm of the public key in a DER certificate, if it is one of ours.
    pub fn of_certificate_der(der: &[u8]) -> Option<Self> {
        let cert = X509::from_der(der).ok()?;
        let key = cert.public_key().ok()?;
        Self::of_key(&key)
    }

    /// The TLS 1.3 signature scheme a key of this algorithm signs CertificateVerify
    /// with. For RSA it is `rsa_pss_rsae_sha256`, but a signer may pick SHA-384 or
    /// SHA-512 among the schemes its peer offers.
    pub fn signature_scheme(self) -> SignatureScheme {
        match self {
            Self::MlDsa44 => SignatureScheme::MLDSA44,
            Self::MlDsa65 => SignatureScheme::MLDSA65,
            Self::MlDsa87 => SignatureScheme::MLDSA87,
            Self::EcdsaP256 => SignatureScheme::ECDSA_SECP256R1_SHA256,
            Self::EcdsaP384 => SignatureScheme::ECDSA_SECP384R1_SHA384,
            Self::Ed25519 => SignatureScheme::ED25519,
            Self::Rsa2048 => SignatureScheme::RSA_PSS_RSAE_SHA256,
        }
    }

    /// Whether the algorithm resists a quantum adversary.
    pub fn is_post_quantum(self) -> bool {
        matches!(self, Self::MlDsa44 | Self::MlDsa65 | Self::MlDsa87)
    }

    // ML-DSA and EdDSA sign the message itself: OpenSSL wants "no digest" for them.
    fn certificate_digest(self) -> MessageDigest {
        match self {
            Self::EcdsaP256 | Self::Rsa2048 => MessageDigest::sha256(),
            Self::EcdsaP384 => MessageDigest::sha384(),
            Self::MlDsa44 | Self::MlDsa65 | Self::MlDsa87 | Self::Ed25519 => MessageDigest::null(),
        }
    }
}

fn ml_dsa(kind: KeyType) -> Result<PKey<Private>, PeerError> {
    // FIPS 204 key generation from a fresh 32-byte seed (ξ).
    let mut seed = [0u8; 32];
    openssl::rand::rand_bytes(&mut seed)?;
    Ok(PKey::private_key_from_seed(None, kind, None, &seed)?)
}

fn ec(curve: Nid) -> Result<PKey<Private>, PeerError> {
    let group = EcGroup::from_curve_name(curve)?;
    Ok(PKey::from_ec_key(EcKey::generate(&group)?)?)
}

/// A certificate chain and its private key, both PEM, as a TLS peer loads them.
#[derive(Clone)]
pub struct Identity {
    /// The algorithm of the leaf key.
    pub algorithm: KeyAlgorithm,
    /// `CERTIFICATE` blocks, leaf first, then the intermediate (not the root).
    pub chain_pem: String,
    /// The leaf's private key, a PKCS#8 `PRIVATE KEY` block as OpenSSL writes it.
    pub key_pem: String,
}

impl std::fmt::Debug for Identity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Test keys are still keys: keep them out of logs.
        f.debug_struct("Identity")
            .field("algorithm", &self.algorithm)
            .field("chain_pem", &format_args!("{} bytes", self.chain_pem.len()))
            .field("key_pem", &"<redacted>")
            .finish()
    }
}

/// A root → intermediate → {server, client} PKI of one key algorithm.
#[derive(Clone, Debug)]
pub struct TestPki {
    /// The algorithm of every key in the PKI.
    pub algorithm: KeyAlgorithm,
    /// The root CA certificate (the trust anchor), PEM.
    pub root_pem: String,
    /// The intermediate CA certificate, PEM.
    pub intermediate_pem: String,
    /// The server identity: SAN `DNS:localhost, IP:127.0.0.1`, EKU serverAuth.
    pub server: Identity,
    /// The client identity: SAN `DNS:client.localhost`, EKU clientAuth.
    pub client: Identity,
}

/// The DNS name in the server leaf's subjectAltName.
pub const SERVER_DNS_NAME: &str = "localhost";
/// The IP address in the server leaf's subjectAltName.
pub const SERVER_IP: &str = "127.0.0.1";

#[derive(Clone, Copy, PartialEq, Eq)]
enum Role {
    Root,
    Intermediate,
    Server,
    Client,
}

impl TestPki {
    /// Makes a fresh PKI. ML-DSA and ECDSA take milliseconds; RSA-2048 key
    /// generation takes a few hundred (four keys).
    pub fn generate(algorithm: KeyAlgorithm) -> Result<Self, PeerError> {
        Self::generate_named(algorithm, "Q-SSL interop test")
    }

    /// As [`generate`](Self::generate), the CAs named `"{ca_name} root"` and
    /// `"{ca_name} intermediate"`. Two PKIs whose CAs share names differ only in
    /// keys, which path builders report as a bad signature rather than an
    /// unknown CA: give a CA that must be unknown its own name.
    pub fn generate_named(algorithm: KeyAlgorithm, ca_name: &str) -> Result<Self, PeerError> {
        let root_key = algorithm.generate()?;
        let root = certificate(
            &format!("{ca_name} root"),
            &root_key,
            None,
            Role::Root,
            algorithm,
        )?;
        let int_key = algorithm.generate()?;
        let int = certificate(
            &format!("{ca_name} intermediate"),
            &int_key,
            Some((&root, &root_key)),
            Role::Intermediate,
            algorithm,
        )?;
        let issuer = Some((&int, &int_key));
        let server_key = algorithm.generate()?;
        let server = certificate("localhost", &server_key, issuer, Role::Server, algorithm)?;
        let client_key = algorithm.generate()?;
        let client = certificate("client", &client_key, issuer, Role::Client, algorithm)?;

        let int_pem = pem(&int)?;
        let identity = |leaf: &X509, key: &PKey<Private>| -> Result<Identity, PeerError> {
            Ok(Identity {
                algorithm,
                chain_pem: format!("{}{}", pem(leaf)?, int_pem),
                key_pem: utf8(key.private_key_to_pem_pkcs8()?)?,
            })
        };
        Ok(Self {
            algorithm,
            root_pem: pem(&root)?,
            intermediate_pem: int_pem.clone(),
            server: identity(&server, &server_key)?,
            client: identity(&client, &client_key)?,
        })
    }
}

/// The key algorithm as `qssl-crypto` names it.
fn qssl_algorithm(algorithm: KeyAlgorithm) -> qssl_crypto::sign::KeyAlgorithm {
    use qssl_crypto::sign::KeyAlgorithm as Q;
    match algorithm {
        KeyAlgorithm::MlDsa44 => Q::MlDsa44,
        KeyAlgorithm::MlDsa65 => Q::MlDsa65,
        KeyAlgorithm::MlDsa87 => Q::MlDsa87,
        KeyAlgorithm::EcdsaP256 => Q::EcdsaP256,
        KeyAlgorithm::EcdsaP384 => Q::EcdsaP384,
        KeyAlgorithm::Ed25519 => Q::Ed25519,
        KeyAlgorithm::Rsa2048 => Q::Rsa,
    }
}

impl TestPki {
    /// The same shape of PKI (root → intermediate → server and client leaves)
    /// made by exactly the function `qssl cert` and `qssl demo` call,
    /// [`qssl_crypto::pki::TestPki::generate`] (keys from `qssl_crypto::keys`,
    /// signatures through `KeySigner`). Peers that accept it prove that Q-SSL's
    /// certificates (ML-DSA included) are well-formed for independent X.509 stacks.
    pub fn generate_with_qssl(algorithm: KeyAlgorithm) -> Result<Self, PeerError> {
        use qssl_crypto::pki::{Leaf, TestPki as QsslPki};
        use qssl_crypto::rand::OS_RANDOM;

        let failed = |what: &str, e: &dyn std::fmt::Display| {
            PeerError::Material(format!("Q-SSL {what}: {e}"))
        };
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_err(|_| PeerError::Material("clock before 1970".into()))?
            .as_secs();
        let pki = QsslPki::generate(
            qssl_algorithm(algorithm),
            &[SERVER_DNS_NAME.to_owned(), SERVER_IP.to_owned()],
            now,
            OS_RANDOM,
        )
        .map_err(|e| failed("test PKI", &e))?;
        let client = pki
            .issue_leaf(&["client.localhost".to_owned()], false, true, OS_RANDOM)
            .map_err(|e| failed("client certificate", &e))?;
        let identity = |leaf: &Leaf| -> Result<Identity, PeerError> {
            let key_pem = leaf.key.to_pkcs8_pem().map_err(|e| failed("PKCS#8", &e))?;
            Ok(Identity {
                algorithm,
                chain_pem: pki.chain_pem(leaf),
                key_pem: key_pem.as_str().to_owned(),
            })
        };
        Ok(Self {
            algorithm,
            root_pem: pki.root.to_pem(),
            intermediate_pem: pki.intermediate.to_pem(),
            server: identity(&pki.leaf)?,
            client: identity(&client)?,
        })
    }
}

/// Checks `chain_pem` (leaf first, then intermediates) against the trust anchors
/// `roots_pem` with OpenSSL's `X509_verify_cert` (at the current time, default
/// purpose checks off); `Err` carries OpenSSL's reason.
pub fn verify_with_openssl(roots_pem: &str, chain_pem: &str) -> Result<(), PeerError> {
    use openssl::stack::Stack;
    use openssl::x509::store::X509StoreBuilder;
    use openssl::x509::{X509StoreContext, X509VerifyResult};

    let mut store = X509StoreBuilder::new()?;
    for root in X509::stack_from_pem(roots_pem.as_bytes())? {
        store.add_cert(root)?;
    }
    let store = store.build();
    let mut chain = X509::stack_from_pem(chain_pem.as_bytes())?.into_iter();
    let leaf = chain
        .next()
        .ok_or_else(|| PeerError::Material("empty certificate chain".into()))?;
    let mut untrusted = Stack::new()?;
    for cert in chain {
        untrusted.push(cert)?;
    }
    let mut ctx = X509StoreContext::new()?;
    let (ok, result) = ctx.init(&store, &leaf, &untrusted, |c| {
        let ok = c.verify_cert()?;
        Ok((ok, c.error()))
    })?;
    if ok && result == X509VerifyResult::OK {
        Ok(())
    } else {
        Err(PeerError::Material(format!(
            "OpenSSL X509_verify_cert refused the chain: {}",
            result.error_string()
        )))
    }
}

fn pem(cert: &X509) -> Result<String, PeerError> {
    utf8(cert.to_pem()?)
}

fn utf8(bytes: Vec<u8>) -> Result<String, PeerError> {
    String::from_utf8(bytes).map_err(|_| PeerError::Material("PEM is not UTF-8".into()))
}

fn certificate(
    common_name: &str,
    subject_key: &PKey<Private>,
    issuer: Option<(&X509, &PKey<Private>)>,
    role: Role,
    algorithm: KeyAlgorithm,
) -> Result<X509, PeerError> {
    let mut name = X509NameBuilder::new()?;
    name.append_entry_by_nid(Nid::ORGANIZATIONNAME, "Q-SSL interop")?;
    name.append_entry_by_nid(Nid::COMMONNAME, common_name)?;
    let name = name.build();

    let mut b = X509Builder::new()?;
    b.set_version(2)?;
    let mut serial = BigNum::new()?;
    serial.rand(127, MsbOption::MAYBE_ZERO, false)?;
    let serial = serial.to_asn1_integer()?;
    b.set_serial_number(&serial)?;
    b.set_subject_name(&name)?;
    b.set_issuer_name(issuer.map_or(&*name, |(cert, _)| cert.subject_name()))?;
    b.set_pubkey(subject_key)?;
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_err(|_| PeerError::Material("clock before 1970".into()))?
        .as_secs();
    let now = i64::try_from(now).map_err(|_| PeerError::Material("clock overflow".into()))?;
    // An hour of slack for peers whose clocks read a little behind ours.
    let (not_before, not_after) = (
        Asn1Time::from_unix(now - 3600)?,
        Asn1Time::days_from_now(30)?,
    );
    b.set_not_before(&not_before)?;
    b.set_not_after(&not_after)?;

    match role {
        Role::Root | Role::Intermediate => {
            let mut bc = BasicConstraints::new();
            bc.critical().ca();
            if role == Role::Intermediate {
                bc.pathlen(0);
            }
            b.append_extension(bc.build()?)?;
            b.append_extension(
                KeyUsage::new()
                    .critical()
                    .key_cert_sign()
                    .crl_sign()
                    .build()?,
            )?;
        }
        Role::Server | Role::Client => {
            b.append_extension(BasicConstraints::new().critical().build()?)?;
            b.append_extension(KeyUsage::new().critical().digital_signature().build()?)?;
            let mut eku = ExtendedKeyUsage::new();
            if role == Role::Server {
                eku.server_auth();
            } else {
                eku.client_auth();
            }
            b.append_extension(eku.build()?)?;
        }
    }
    let issuer_cert = issuer.map(|(cert, _)| &**cert);
    let ski = SubjectKeyIdentifier::new().build(&b.x509v3_context(issuer_cert, None))?;
    b.append_extension(ski)?;
    if issuer.is_some() {
        let aki = AuthorityKeyIdentifier::new()
            .keyid(true)
            .build(&b.x509v3_context(issuer_cert, None))?;
        b.append_extension(aki)?;
    }
    match role {
        Role::Server => {
            let san = SubjectAlternativeName::new()
                .dns(SERVER_DNS_NAME)
                .ip(SERVER_IP)
                .build(&b.x509v3_context(issuer_cert, None))?;
            b.append_extension(san)?;
        }
        Role::Client => {
            let san = SubjectAlternativeName::new()
                .dns("client.localhost")
                .build(&b.x509v3_context(issuer_cert, None))?;
            b.append_extension(san)?;
        }
        Role::Root | Role::Intermediate => {}
    }
    let signing_key = issuer.map_or(subject_key, |(_, key)| key);
    b.sign(signing_key, algorithm.certificate_digest())?;
    Ok(b.build())
}

#[cfg(test)]
mod tests {
    use super::*;
    use openssl::stack::Stack;
    use openssl::x509::store::X509StoreBuilder;
    use openssl::x509::{X509StoreContext, X509VerifyResult};

    fn verify(pki: &TestPki, identity: &Identity) -> X509VerifyResult {
        let mut store = X509StoreBuilder::new().unwrap();
        store
            .add_cert(X509::from_pem(pki.root_pem.as_bytes()).unwrap())
            .unwrap();
        let store = store.build();
        let mut chain = X509::stack_from_pem(identity.chain_pem.as_bytes()).unwrap();
        assert_eq!(chain.len(), 2, "leaf and intermediate");
        let leaf = chain.remove(0);
        let mut untrusted = Stack::new().unwrap();
        for c in chain {
            untrusted.push(c).unwrap();
        }
        let mut ctx = X509StoreContext::new().unwrap();
        ctx.init(&store, &leaf, &untrusted, |c| {
            c.verify_cert()?;
            Ok(c.error())
        })
        .unwrap()
    }

    #[test]
    fn every_algorithm_makes_a_chain_openssl_accepts() {
        for alg in KeyAlgorithm::ALL {
            let pki = TestPki::generate(alg).unwrap();
            for id in [&pki.server, &pki.client] {
                assert_eq!(verify(&pki, id), X509VerifyResult::OK, "{alg:?}");
                let leaf = X509::from_pem(id.chain_pem.as_bytes()).unwrap();
                assert_eq!(
                    KeyAlgorithm::of_certificate_der(&leaf.to_der().unwrap()),
                    Some(alg)
                );
                let key = PKey::private_key_from_pem(id.key_pem.as_bytes()).unwrap();
                assert_eq!(KeyAlgorithm::of_key(&key), Some(alg));
                assert!(leaf.public_key().unwrap().public_eq(&key));
            }
        }
    }

    #[test]
    fn a_foreign_root_does_not_verify() {
        let a = TestPki::generate(KeyAlgorithm::EcdsaP256).unwrap();
        let b = TestPki::generate(KeyAlgorithm::EcdsaP256).unwrap();
        let mixed = TestPki {
            root_pem: b.root_pem.clone(),
            ..a.clone()
        };
        assert_ne!(verify(&mixed, &a.server), X509VerifyResult::OK);
    }

    #[test]
    fn server_leaf_names_localhost_and_loopback() {
        let pki = TestPki::generate(KeyAlgorithm::Ed25519).unwrap();
        let leaf = X509::from_pem(pki.server.chain_pem.as_bytes()).unwrap();
        let names = leaf.subject_alt_names().unwrap();
        let dns: Vec<_> = names.iter().filter_map(|n| n.dnsname()).collect();
        let ips: Vec<_> = names.iter().filter_map(|n| n.ipaddress()).collect();
        assert_eq!(dns, ["localhost"]);
        assert_eq!(ips, [&[127u8, 0, 0, 1][..]]);
    }

    #[test]
    fn identity_debug_hides_the_key() {
        let pki = TestPki::generate(KeyAlgorithm::EcdsaP256).unwrap();
        let text = format!("{:?}", pki.server);
        assert!(!text.contains("PRIVATE KEY"));
        assert!(text.contains("redacted"));
    }
}

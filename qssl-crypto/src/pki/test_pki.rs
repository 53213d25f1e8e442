//! One way to make a test PKI, shared by `qssl cert`, `qssl demo`, the handshake
//! tests and the interoperability matrix, so that "a chain made by Q-SSL" means
//! the same certificates everywhere.

use std::net::{IpAddr, Ipv4Addr};

use super::{
    Certificate, CertificateParams, CertificateRole, KeySigner, PkiError, issue, self_signed,
};
use crate::keys::{self, PrivateKey};
use crate::rand::SecureRandom;
use crate::sign::{KeyAlgorithm, SigningKey};

/// How far back certificates start (clock skew between peers).
const BACKDATE_SECS: u64 = 3600;
/// How long certificates stay valid.
const VALIDITY_SECS: u64 = 365 * 24 * 3600;

/// A root → intermediate → leaf PKI whose keys are all of one algorithm.
pub struct TestPki {
    /// The self-signed root CA: the trust anchor.
    pub root: Certificate,
    /// The intermediate CA, signed by the root (pathLen 0).
    pub intermediate: Certificate,
    /// The leaf, signed by the intermediate, usable as a TLS server and client
    /// certificate.
    pub leaf: Leaf,
    intermediate_key: PrivateKey,
    algorithm: KeyAlgorithm,
    not_before: u64,
    not_after: u64,
}

/// An end-entity certificate and its private key.
pub struct Leaf {
    /// The certificate.
    pub certificate: Certificate,
    /// Its private key.
    pub key: PrivateKey,
}

impl TestPki {
    /// Makes a fresh PKI with keys of `algorithm`, valid from an hour before
    /// `now_unix` for a year. The leaf names `names` (DNS names, or IP addresses
    /// where they parse as one) plus 127.0.0.1, with `names[0]` (or `localhost`)
    /// as its common name. The CA names carry a random tag, so that two PKIs made
    /// apart never share an issuer name.
    pub fn generate(
        algorithm: KeyAlgorithm,
        names: &[String],
        now_unix: u64,
        rng: &dyn SecureRandom,
    ) -> Result<Self, PkiError> {
        let not_before = now_unix.saturating_sub(BACKDATE_SECS);
        let not_after = now_unix.saturating_add(VALIDITY_SECS);
        let tag: String = serial(rng)?[..4]
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        let alg = algorithm_name(algorithm);

        let root_key = generate(algorithm)?;
        let mut params = CertificateParams::new(
            &format!("Q-SSL test root CA {alg} {tag}"),
            &serial(rng)?,
            not_before,
            not_after,
        );
        params.role = CertificateRole::Ca { path_len: Some(1) };
        let root = self_signed(&params, &KeySigner(&root_key))?;

        let intermediate_key = generate(algorithm)?;
        let mut params = CertificateParams::new(
            &format!("Q-SSL test intermediate CA {alg} {tag}"),
            &serial(rng)?,
            not_before,
            not_after,
        );
        params.role = CertificateRole::Ca { path_len: Some(0) };
        let intermediate = issue(
            &params,
            &intermediate_key.public_key_spki(),
            &root.der,
            &KeySigner(&root_key),
        )?;

        let mut pki = Self {
            root,
            intermediate,
            leaf: Leaf {
                certificate: Certificate { der: Vec::new() },
                key: generate(algorithm)?,
            },
            intermediate_key,
            algorithm,
            not_before,
            not_after,
        };
        pki.leaf = pki.issue_leaf(names, true, true, rng)?;
        Ok(pki)
    }

    /// Issues another leaf from the intermediate (e.g. a client certificate),
    /// with a fresh key of the PKI's algorithm and the same naming rules as
    /// [`generate`](Self::generate).
    pub fn issue_leaf(
        &self,
        names: &[String],
        server_auth: bool,
        client_auth: bool,
        rng: &dyn SecureRandom,
    ) -> Result<Leaf, PkiError> {
        let key = generate(self.algorithm)?;
        let mut ip_addresses = Vec::new();
        let mut dns_names = Vec::new();
        for name in names {
            match name.parse::<IpAddr>() {
                Ok(ip) => ip_addresses.push(ip),
                Err(_) => dns_names.push(name.clone()),
            }
        }
        let loopback = IpAddr::V4(Ipv4Addr::LOCALHOST);
        if !ip_addresses.contains(&loopback) {
            ip_addresses.push(loopback);
        }
        let common_name = names.first().map_or("localhost", String::as_str);
        let mut params =
            CertificateParams::new(common_name, &serial(rng)?, self.not_before, self.not_after);
        params.role = CertificateRole::EndEntity {
            server_auth,
            client_auth,
        };
        params.dns_names = dns_names;
        params.ip_addresses = ip_addresses;
        let certificate = issue(
            &params,
            &key.public_key_spki(),
            &self.intermediate.der,
            &KeySigner(&self.intermediate_key),
        )?;
        Ok(Leaf { certificate, key })
    }

    /// The key algorithm of every key in the PKI.
    pub fn algorithm(&self) -> KeyAlgorithm {
        self.algorithm
    }

    /// `leaf` then the intermediate, PEM: what a server or client sends.
    pub fn chain_pem(&self, leaf: &Leaf) -> String {
        leaf.certificate.to_pem() + &self.intermediate.to_pem()
    }
}

fn generate(algorithm: KeyAlgorithm) -> Result<PrivateKey, PkiError> {
    keys::generate(algorithm).map_err(PkiError::KeyGeneration)
}

/// 16 random bytes, positive and non-zero as RFC 5280 §4.1.2.2 wants.
fn serial(rng: &dyn SecureRandom) -> Result<[u8; 16], PkiError> {
    let mut serial = [0u8; 16];
    rng.fill(&mut serial).map_err(PkiError::KeyGeneration)?;
    serial[0] = (serial[0] & 0x7f) | 0x40;
    Ok(serial)
}

fn algorithm_name(algorithm: KeyAlgorithm) -> &'static str {
    match algorithm {
        KeyAlgorithm::EcdsaP256 => "ecdsa-p256",
        KeyAlgorithm::EcdsaP384 => "ecdsa-p384",
        KeyAlgorithm::Ed25519 => "ed25519",
        KeyAlgorithm::Rsa => "rsa",
        KeyAlgorithm::MlDsa44 => "mldsa44",
        KeyAlgorithm::MlDsa65 => "mldsa65",
        KeyAlgorithm::MlDsa87 => "mldsa87",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rand::OS_RANDOM;
    use crate::sign::verifier_for;
    use der::{Decode, Encode};

    #[test]
    fn chain_links_and_names() {
        let pki = TestPki::generate(
            KeyAlgorithm::EcdsaP256,
            &["example.test".into(), "10.0.0.1".into()],
            1_750_000_000,
            OS_RANDOM,
        )
        .unwrap();
        // Each certificate is signed by the next key up.
        let pairs = [
            (&pki.intermediate, &pki.root),
            (&pki.leaf.certificate, &pki.intermediate),
        ];
        for (child, parent) in pairs {
            let child = x509_cert::Certificate::from_der(&child.der).unwrap();
            let parent = x509_cert::Certificate::from_der(&parent.der).unwrap();
            let parent_key = parent
                .tbs_certificate()
                .subject_public_key_info()
                .subject_public_key
                .raw_bytes();
            let verifier = verifier_for(crate::ids::SignatureScheme::ECDSA_SECP256R1_SHA256);
            verifier
                .unwrap()
                .verify(
                    parent_key,
                    &child.tbs_certificate().to_der().unwrap(),
                    child.signature().raw_bytes(),
                )
                .unwrap();
            assert_eq!(
                child.tbs_certificate().issuer(),
                parent.tbs_certificate().subject()
            );
        }
        let leaf = x509_cert::Certificate::from_der(&pki.leaf.certificate.der).unwrap();
        let validity = leaf.tbs_certificate().validity();
        assert_eq!(
            validity.not_before.to_unix_duration().as_secs(),
            1_750_000_000 - 3600
        );
        assert_eq!(
            pki.chain_pem(&pki.leaf)
                .matches("BEGIN CERTIFICATE")
                .count(),
            2
        );
        assert_eq!(
            pki.leaf.key.public_key_spki(),
            leaf.tbs_certificate()
                .subject_public_key_info()
                .to_der()
                .unwrap()
        );
    }

    #[test]
    fn two_pkis_never_share_issuer_names() {
        let a = TestPki::generate(KeyAlgorithm::Ed25519, &[], 1_750_000_000, OS_RANDOM).unwrap();
        let b = TestPki::generate(KeyAlgorithm::Ed25519, &[], 1_750_000_000, OS_RANDOM).unwrap();
        let subject = |c: &Certificate| {
            x509_cert::Certificate::from_der(&c.der)
                .unwrap()
                .tbs_certificate()
                .subject()
                .to_der()
                .unwrap()
        };
        assert_ne!(subject(&a.root), subject(&b.root));
        assert_ne!(subject(&a.intermediate), subject(&b.intermediate));
    }
}

//! Signing keys on aws-lc, loaded through the portable loaders.
//!
//! Why load with [`crate::keys`] first: it reads every form OpenSSL 3.5 writes
//! (PKCS#8, SEC1, PKCS#1, and all three RFC 9881 ML-DSA forms, including the
//! seed-only one), checks what aws-lc would not (an ML-DSA `both` key whose halves
//! disagree, RSA outside 2048–8192 bits, parameters that must be absent) and names
//! what is wrong in a [`KeyFormatError`]. Using it for both providers means they
//! accept and refuse exactly the same files with the same errors. The validated key
//! material is then handed to aws-lc (seed, expanded key or PKCS#8), the portable
//! copy is wiped, and aws-lc's public key must equal the portable one.

use crate::error::CryptoError;
use crate::keys::{self, Inner, KeyFormatError, MlDsaKeyForm};
use crate::sign::{KeyAlgorithm, SignatureScheme, SigningKey, check_scheme};
use aws_lc_rs::encoding::{AsDer, AsRawBytes};
use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::rsa::KeySize;
use aws_lc_rs::signature::{
    self as lc, EcdsaKeyPair, Ed25519KeyPair, KeyPair as _, PqdsaKeyPair, RsaKeyPair,
};
use core::fmt;
use pkcs8::EncodePrivateKey;
use zeroize::Zeroizing;

/// A private key whose signatures aws-lc computes.
///
/// Randomness: ECDSA nonces, RSA-PSS salts and blinding and ML-DSA's hedging come
/// from aws-lc's DRBG (seeded from the operating system), because aws-lc-rs takes
/// no outside source for them. Ed25519 and ML-DSA keys are generated from seeds
/// drawn from the operating system, ECDSA and RSA keys by aws-lc.
pub struct PrivateKey {
    inner: AwsInner,
}

enum AwsInner {
    Ecdsa(KeyAlgorithm, EcdsaKeyPair),
    Ed25519(Ed25519KeyPair),
    Rsa(RsaKeyPair),
    /// The seed is kept (wiped on drop) when known, to write it back out: aws-lc
    /// cannot give it back for every key.
    MlDsa(KeyAlgorithm, PqdsaKeyPair, Option<Zeroizing<[u8; 32]>>),
}

const RSA_PSS_SCHEMES: [SignatureScheme; 3] = [
    SignatureScheme::RSA_PSS_RSAE_SHA256,
    SignatureScheme::RSA_PSS_RSAE_SHA384,
    SignatureScheme::RSA_PSS_RSAE_SHA512,
];

fn ecdsa_signing(alg: KeyAlgorithm) -> &'static lc::EcdsaSigningAlgorithm {
    match alg {
        KeyAlgorithm::EcdsaP256 => &lc::ECDSA_P256_SHA256_ASN1_SIGNING,
        _ => &lc::ECDSA_P384_SHA384_ASN1_SIGNING,
    }
}

fn mldsa_signing(alg: KeyAlgorithm) -> &'static lc::PqdsaSigningAlgorithm {
    match alg {
        KeyAlgorithm::MlDsa44 => &lc::ML_DSA_44_SIGNING,
        KeyAlgorithm::MlDsa65 => &lc::ML_DSA_65_SIGNING,
        _ => &lc::ML_DSA_87_SIGNING,
    }
}

fn name(alg: KeyAlgorithm) -> &'static str {
    match alg {
        KeyAlgorithm::EcdsaP256 => "ECDSA P-256",
        KeyAlgorithm::EcdsaP384 => "ECDSA P-384",
        KeyAlgorithm::Ed25519 => "Ed25519",
        KeyAlgorithm::Rsa => "RSA",
        KeyAlgorithm::MlDsa44 => "ML-DSA-44",
        KeyAlgorithm::MlDsa65 => "ML-DSA-65",
        _ => "ML-DSA-87",
    }
}

impl PrivateKey {
    /// A fresh key of `algorithm` (RSA: 2048 bits).
    pub fn generate(algorithm: KeyAlgorithm) -> Result<Self, CryptoError> {
        let failed = CryptoError::KeyGenerationFailed(name(algorithm));
        let inner = match algorithm {
            KeyAlgorithm::EcdsaP256 | KeyAlgorithm::EcdsaP384 => AwsInner::Ecdsa(
                algorithm,
                EcdsaKeyPair::generate(ecdsa_signing(algorithm)).map_err(|_| failed)?,
            ),
            KeyAlgorithm::Ed25519 => {
                let mut seed = Zeroizing::new([0u8; 32]);
                crate::sign::random_bytes(&mut seed[..])?;
                AwsInner::Ed25519(
                    Ed25519KeyPair::from_seed_unchecked(&seed[..]).map_err(|_| failed)?,
                )
            }
            KeyAlgorithm::Rsa => {
                AwsInner::Rsa(RsaKeyPair::generate(KeySize::Rsa2048).map_err(|_| failed)?)
            }
            KeyAlgorithm::MlDsa44 | KeyAlgorithm::MlDsa65 | KeyAlgorithm::MlDsa87 => {
                let mut seed = Zeroizing::new([0u8; 32]);
                crate::sign::random_bytes(&mut seed[..])?;
                return Self::mldsa_from_seed(algorithm, &seed);
            }
        };
        Ok(Self { inner })
    }

    /// An ML-DSA key from its 32-byte seed (FIPS 204 ML-DSA.KeyGen_internal, run by
    /// aws-lc). `algorithm` must be one of the ML-DSA kinds.
    pub fn mldsa_from_seed(algorithm: KeyAlgorithm, seed: &[u8; 32]) -> Result<Self, CryptoError> {
        if !algorithm.is_post_quantum() {
            return Err(CryptoError::KeyGenerationFailed(
                "ML-DSA from seed (not an ML-DSA algorithm)",
            ));
        }
        let pair = PqdsaKeyPair::from_seed(mldsa_signing(algorithm), seed)
            .map_err(|_| CryptoError::KeyGenerationFailed(name(algorithm)))?;
        Ok(Self {
            inner: AwsInner::MlDsa(algorithm, pair, Some(Zeroizing::new(*seed))),
        })
    }

    /// Loads a key from DER: every form [`crate::keys::load_private_key_der`] reads.
    pub fn load_der(der: &[u8]) -> Result<Self, CryptoError> {
        Self::from_portable(keys::load_private_key_der(der)?)
    }

    /// Loads the first private key of a PEM document, as
    /// [`crate::keys::load_private_key_pem`].
    pub fn load_pem(pem: &str) -> Result<Self, CryptoError> {
        Self::from_portable(keys::load_private_key_pem(pem)?)
    }

    /// Moves a validated portable key into aws-lc; the portable copy is wiped
    /// when it drops here. aws-lc's public key must be the portable one.
    pub fn from_portable(key: keys::PrivateKey) -> Result<Self, CryptoError> {
        let malformed = CryptoError::MalformedKey(KeyFormatError::KeyMaterial);
        let encoding = CryptoError::MalformedKey(KeyFormatError::Encoding);
        let expected_public = key.public_key_raw();
        let inner = match &key.inner {
            Inner::EcdsaP256(k) => {
                let der = k.inner().to_pkcs8_der().map_err(|_| encoding)?;
                let pair =
                    EcdsaKeyPair::from_pkcs8(&lc::ECDSA_P256_SHA256_ASN1_SIGNING, der.as_bytes())
                        .map_err(|_| malformed)?;
                AwsInner::Ecdsa(KeyAlgorithm::EcdsaP256, pair)
            }
            Inner::EcdsaP384(k) => {
                let der = k.inner().to_pkcs8_der().map_err(|_| encoding)?;
                let pair =
                    EcdsaKeyPair::from_pkcs8(&lc::ECDSA_P384_SHA384_ASN1_SIGNING, der.as_bytes())
                        .map_err(|_| malformed)?;
                AwsInner::Ecdsa(KeyAlgorithm::EcdsaP384, pair)
            }
            Inner::Ed25519(k) => {
                let seed = Zeroizing::new(k.inner().to_bytes());
                AwsInner::Ed25519(
                    Ed25519KeyPair::from_seed_unchecked(&seed[..]).map_err(|_| malformed)?,
                )
            }
            Inner::Rsa(k) => {
                let der = k.inner().to_pkcs8_der().map_err(|_| encoding)?;
                AwsInner::Rsa(RsaKeyPair::from_pkcs8(der.as_bytes()).map_err(|_| malformed)?)
            }
            Inner::MlDsa44(k) => mldsa_inner(KeyAlgorithm::MlDsa44, k.seed(), &k.expanded_bytes())?,
            Inner::MlDsa65(k) => mldsa_inner(KeyAlgorithm::MlDsa65, k.seed(), &k.expanded_bytes())?,
            Inner::MlDsa87(k) => mldsa_inner(KeyAlgorithm::MlDsa87, k.seed(), &k.expanded_bytes())?,
        };
        let this = Self { inner };
        if this.public_key_raw() != expected_public {
            return Err(CryptoError::MalformedKey(KeyFormatError::PublicKeyMismatch));
        }
        Ok(this)
    }

    /// The raw public key as it sits in the SPKI `subjectPublicKey` BIT STRING (what a
    /// [`crate::sign::SignatureVerifier`] takes).
    pub fn public_key_raw(&self) -> Vec<u8> {
        match &self.inner {
            AwsInner::Ecdsa(_, pair) => pair.public_key().as_ref().to_vec(),
            AwsInner::Ed25519(pair) => pair.public_key().as_ref().to_vec(),
            AwsInner::Rsa(pair) => pair.public_key().as_ref().to_vec(),
            AwsInner::MlDsa(_, pair, _) => pair.public_key().as_ref().to_vec(),
        }
    }

    /// PKCS#8 DER as OpenSSL 3.5 writes it by default (ML-DSA: the `both` form when
    /// the seed is known, else `expandedKey`), as [`crate::keys::PrivateKey::to_pkcs8_der`].
    pub fn to_pkcs8_der(&self) -> Result<Zeroizing<Vec<u8>>, CryptoError> {
        match self.to_pkcs8_der_with_form(MlDsaKeyForm::Both) {
            Err(CryptoError::MalformedKey(KeyFormatError::MlDsaSeedUnknown)) => {
                self.to_pkcs8_der_with_form(MlDsaKeyForm::Expanded)
            }
            other => other,
        }
    }

    /// PKCS#8 DER, writing an ML-DSA key in `form` (ignored for other algorithms).
    pub fn to_pkcs8_der_with_form(
        &self,
        form: MlDsaKeyForm,
    ) -> Result<Zeroizing<Vec<u8>>, CryptoError> {
        let encoding = CryptoError::MalformedKey(KeyFormatError::Encoding);
        // aws-lc's documents wipe themselves when they drop.
        let der = match &self.inner {
            AwsInner::Ecdsa(_, pair) => pair.to_pkcs8v1().map_err(|_| encoding)?.as_ref().to_vec(),
            AwsInner::Ed25519(pair) => pair.to_pkcs8v1().map_err(|_| encoding)?.as_ref().to_vec(),
            AwsInner::Rsa(pair) => {
                let doc: aws_lc_rs::encoding::Pkcs8V1Der<'static> =
                    pair.as_der().map_err(|_| encoding)?;
                doc.as_ref().to_vec()
            }
            AwsInner::MlDsa(alg, pair, seed) => {
                let raw = pair.private_key().as_raw_bytes().map_err(|_| encoding)?;
                let private_key =
                    crate::sign::mldsa::private_key_der(form, seed.as_deref(), raw.as_ref());
                let oid = match alg {
                    KeyAlgorithm::MlDsa44 => keys::ID_ML_DSA_44,
                    KeyAlgorithm::MlDsa65 => keys::ID_ML_DSA_65,
                    _ => keys::ID_ML_DSA_87,
                };
                return keys::mldsa_pkcs8(private_key, oid);
            }
        };
        Ok(Zeroizing::new(der))
    }

    /// PKCS#8 PEM (`-----BEGIN PRIVATE KEY-----`), ML-DSA in OpenSSL's default form.
    pub fn to_pkcs8_pem(&self) -> Result<Zeroizing<String>, CryptoError> {
        let der = self.to_pkcs8_der()?;
        der::pem::encode_string("PRIVATE KEY", der::pem::LineEnding::LF, &der)
            .map(Zeroizing::new)
            .map_err(|_| CryptoError::MalformedKey(KeyFormatError::Encoding))
    }
}

/// An aws-lc ML-DSA key from the seed when known (so it can be written back), else
/// from the expanded key.
fn mldsa_inner(
    alg: KeyAlgorithm,
    seed: Option<Zeroizing<[u8; 32]>>,
    expanded: &[u8],
) -> Result<AwsInner, CryptoError> {
    let malformed = CryptoError::MalformedKey(KeyFormatError::KeyMaterial);
    let pair = match &seed {
        Some(seed) => PqdsaKeyPair::from_seed(mldsa_signing(alg), &seed[..]),
        None => PqdsaKeyPair::from_raw_private_key(mldsa_signing(alg), expanded),
    }
    .map_err(|_| malformed)?;
    Ok(AwsInner::MlDsa(alg, pair, seed))
}

impl fmt::Debug for PrivateKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "AwsLcPrivateKey({}, ..)", name(self.algorithm()))
    }
}

impl SigningKey for PrivateKey {
    fn algorithm(&self) -> KeyAlgorithm {
        match &self.inner {
            AwsInner::Ecdsa(alg, _) | AwsInner::MlDsa(alg, _, _) => *alg,
            AwsInner::Ed25519(_) => KeyAlgorithm::Ed25519,
            AwsInner::Rsa(_) => KeyAlgorithm::Rsa,
        }
    }

    fn schemes(&self) -> &[SignatureScheme] {
        match &self.inner {
            AwsInner::Ecdsa(KeyAlgorithm::EcdsaP256, _) => {
                &[SignatureScheme::ECDSA_SECP256R1_SHA256]
            }
            AwsInner::Ecdsa(..) => &[SignatureScheme::ECDSA_SECP384R1_SHA384],
            AwsInner::Ed25519(_) => &[SignatureScheme::ED25519],
            AwsInner::Rsa(_) => &RSA_PSS_SCHEMES,
            AwsInner::MlDsa(KeyAlgorithm::MlDsa44, ..) => &[SignatureScheme::MLDSA44],
            AwsInner::MlDsa(KeyAlgorithm::MlDsa65, ..) => &[SignatureScheme::MLDSA65],
            AwsInner::MlDsa(..) => &[SignatureScheme::MLDSA87],
        }
    }

    fn sign(&self, scheme: SignatureScheme, message: &[u8]) -> Result<Vec<u8>, CryptoError> {
        check_scheme(scheme, self.schemes())?;
        let failed = CryptoError::SigningFailed(name(self.algorithm()));
        match &self.inner {
            AwsInner::Ecdsa(_, pair) => {
                // aws-lc-rs ignores this generator and uses aws-lc's own.
                let signature = pair
                    .sign(&SystemRandom::new(), message)
                    .map_err(|_| failed)?;
                Ok(signature.as_ref().to_vec())
            }
            AwsInner::Ed25519(pair) => Ok(pair.sign(message).as_ref().to_vec()),
            AwsInner::Rsa(pair) => {
                let padding: &'static dyn lc::RsaEncoding = match scheme {
                    SignatureScheme::RSA_PSS_RSAE_SHA256 => &lc::RSA_PSS_SHA256,
                    SignatureScheme::RSA_PSS_RSAE_SHA384 => &lc::RSA_PSS_SHA384,
                    _ => &lc::RSA_PSS_SHA512,
                };
                let mut signature = vec![0u8; pair.public_modulus_len()];
                pair.sign(padding, &SystemRandom::new(), message, &mut signature)
                    .map_err(|_| failed)?;
                Ok(signature)
            }
            AwsInner::MlDsa(_, pair, _) => {
                let mut signature = vec![0u8; pair.algorithm().signature_len()];
                let len = pair.sign(message, &mut signature).map_err(|_| failed)?;
                signature.truncate(len);
                Ok(signature)
            }
        }
    }

    fn public_key_spki(&self) -> Vec<u8> {
        let spki = match &self.inner {
            AwsInner::Ecdsa(_, pair) => pair.public_key().as_der(),
            AwsInner::Ed25519(pair) => pair.public_key().as_der(),
            AwsInner::Rsa(pair) => pair.public_key().as_der(),
            AwsInner::MlDsa(_, pair, _) => pair.public_key().as_der(),
        };
        // Encoding a valid key into a fixed-shape SPKI does not fail.
        spki.map(|der| der.as_ref().to_vec()).unwrap_or_default()
    }
}

/// The aws-lc provider's [`crate::provider::KeyProvider`]: [`PrivateKey`]s from
/// DER or PEM.
#[derive(Debug)]
pub struct AwsLcKeyProvider;

impl crate::provider::KeyProvider for AwsLcKeyProvider {
    fn load_private_key_der(&self, der: &[u8]) -> Result<Box<dyn SigningKey>, CryptoError> {
        Ok(Box::new(PrivateKey::load_der(der)?))
    }

    fn load_private_key_pem(&self, pem: &str) -> Result<Box<dyn SigningKey>, CryptoError> {
        Ok(Box::new(PrivateKey::load_pem(pem)?))
    }
}

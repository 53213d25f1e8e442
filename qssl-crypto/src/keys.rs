//! Private keys: loading (PKCS#8 DER and PEM), generation and PKCS#8 export.
//!
//! Every algorithm of [`crate::sign`] loads from the PKCS#8 files OpenSSL 3.5 writes,
//! including all three ML-DSA private key forms of RFC 9881 (seed only, expanded only,
//! and both). A [`PrivateKey`] is a [`SigningKey`]; `Box<dyn SigningKey>` it for a config.

use crate::error::CryptoError;
use crate::sign::ecdsa::{EcdsaP256Key, EcdsaP384Key};
use crate::sign::eddsa::Ed25519Key;
use crate::sign::mldsa::{MlDsaKey, oid_der, push_tlv};
use crate::sign::rsa::RsaKey;
use crate::sign::{KeyAlgorithm, SignatureScheme, SigningKey};
use core::fmt;
use der::Decode;
use der::asn1::ObjectIdentifier;
use pkcs8::{DecodePrivateKey, EncodePrivateKey};
use zeroize::Zeroizing;

const ID_EC_PUBLIC_KEY: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.2.1");
const SECP256R1: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.3.1.7");
const SECP384R1: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.132.0.34");
const ID_ED25519: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.101.112");
const RSA_ENCRYPTION: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.1");
pub(crate) const ID_ML_DSA_44: ObjectIdentifier =
    ObjectIdentifier::new_unwrap("2.16.840.1.101.3.4.3.17");
pub(crate) const ID_ML_DSA_65: ObjectIdentifier =
    ObjectIdentifier::new_unwrap("2.16.840.1.101.3.4.3.18");
pub(crate) const ID_ML_DSA_87: ObjectIdentifier =
    ObjectIdentifier::new_unwrap("2.16.840.1.101.3.4.3.19");

/// An object identifier found in a key, kept by value so that errors stay `Copy`.
///
/// `Display` gives the dotted form (`1.2.840.10045.3.1.1`).
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Oid {
    len: u8,
    bytes: [u8; Oid::MAX_LEN],
}

impl Oid {
    /// Longest OID body kept; a longer one is shown truncated.
    const MAX_LEN: usize = 32;

    fn new(oid: &ObjectIdentifier) -> Self {
        let body = oid.as_bytes();
        let len = body.len().min(Self::MAX_LEN);
        let mut bytes = [0u8; Self::MAX_LEN];
        bytes[..len].copy_from_slice(&body[..len]);
        Self {
            len: len as u8,
            bytes,
        }
    }

    /// The OID's content octets (DER, without tag and length).
    pub fn as_bytes(&self) -> &[u8] {
        &self.bytes[..usize::from(self.len)]
    }
}

impl fmt::Display for Oid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match ObjectIdentifier::from_bytes(self.as_bytes()) {
            Ok(oid) => write!(f, "{oid}"),
            Err(_) => write!(f, "OID bytes {:02x?}", self.as_bytes()),
        }
    }
}

impl fmt::Debug for Oid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Oid({self})")
    }
}

/// What was wrong with a private key's encoding.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum KeyFormatError {
    /// The text is not PEM, or has no `PRIVATE KEY` block.
    #[error("no PEM private key block (expected -----BEGIN PRIVATE KEY-----)")]
    Pem,
    /// The key is password-encrypted (`ENCRYPTED PRIVATE KEY`), which is not supported.
    #[error("encrypted PKCS#8 keys are not supported; decrypt with `openssl pkey` first")]
    Encrypted,
    /// The DER is not a PKCS#8 `PrivateKeyInfo` (or SEC1 / PKCS#1 key for those PEM labels).
    #[error("not a PKCS#8 PrivateKeyInfo")]
    Pkcs8,
    /// The `AlgorithmIdentifier` parameters are wrong for the algorithm.
    #[error("wrong AlgorithmIdentifier parameters for the key algorithm")]
    AlgorithmParameters,
    /// The private key inside the PKCS#8 structure is malformed for its algorithm.
    #[error("private key material is malformed for its algorithm")]
    KeyMaterial,
    /// An ML-DSA `both` key whose expanded key is not the one its seed derives.
    #[error("ML-DSA seed and expanded key do not match")]
    MlDsaSeedMismatch,
    /// The private key does not produce signatures its public key accepts.
    #[error("private key fails its pairwise consistency check")]
    PublicKeyMismatch,
    /// RSA modulus outside 2048 to 8192 bits.
    #[error("RSA modulus must be 2048 to 8192 bits")]
    UnsupportedRsaSize,
    /// The seed of an ML-DSA key is unknown, so it cannot be written in that form.
    #[error("ML-DSA seed unknown (key was loaded expanded-only)")]
    MlDsaSeedUnknown,
    /// Encoding the key failed.
    #[error("key encoding failed")]
    Encoding,
}

/// How an ML-DSA private key is written inside PKCS#8 (RFC 9881 §6, the three
/// `ML-DSA-PrivateKey` choices; OpenSSL 3.5 `ml-dsa.output_formats`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MlDsaKeyForm {
    /// `seed [0] OCTET STRING (SIZE (32))` (OpenSSL `seed-only`).
    Seed,
    /// `expandedKey OCTET STRING` (OpenSSL `priv-only`).
    Expanded,
    /// `both SEQUENCE { seed, expandedKey }` (OpenSSL `seed-priv`, its default).
    Both,
}

/// A software private key of any supported algorithm.
pub struct PrivateKey {
    pub(crate) inner: Inner,
}

pub(crate) enum Inner {
    EcdsaP256(EcdsaP256Key),
    EcdsaP384(EcdsaP384Key),
    Ed25519(Ed25519Key),
    Rsa(RsaKey),
    MlDsa44(MlDsaKey<ml_dsa::MlDsa44>),
    MlDsa65(MlDsaKey<ml_dsa::MlDsa65>),
    MlDsa87(MlDsaKey<ml_dsa::MlDsa87>),
}

impl PrivateKey {
    fn as_dyn(&self) -> &dyn SigningKey {
        match &self.inner {
            Inner::EcdsaP256(k) => k,
            Inner::EcdsaP384(k) => k,
            Inner::Ed25519(k) => k,
            Inner::Rsa(k) => k,
            Inner::MlDsa44(k) => k,
            Inner::MlDsa65(k) => k,
            Inner::MlDsa87(k) => k,
        }
    }

    /// PKCS#8 DER as OpenSSL 3.5 writes it by default: for ML-DSA the `both` form when
    /// the seed is known, else `expandedKey`.
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
        let doc = match &self.inner {
            Inner::EcdsaP256(k) => k.inner().to_pkcs8_der(),
            Inner::EcdsaP384(k) => k.inner().to_pkcs8_der(),
            Inner::Ed25519(k) => k.inner().to_pkcs8_der(),
            Inner::Rsa(k) => k.inner().to_pkcs8_der(),
            Inner::MlDsa44(k) => return mldsa_pkcs8(k.private_key_der(form), ID_ML_DSA_44),
            Inner::MlDsa65(k) => return mldsa_pkcs8(k.private_key_der(form), ID_ML_DSA_65),
            Inner::MlDsa87(k) => return mldsa_pkcs8(k.private_key_der(form), ID_ML_DSA_87),
        };
        let doc = doc.map_err(|_| encoding)?;
        Ok(Zeroizing::new(doc.as_bytes().to_vec()))
    }

    /// PKCS#8 PEM (`-----BEGIN PRIVATE KEY-----`), ML-DSA in OpenSSL's default form.
    pub fn to_pkcs8_pem(&self) -> Result<Zeroizing<String>, CryptoError> {
        let der = self.to_pkcs8_der()?;
        der::pem::encode_string("PRIVATE KEY", der::pem::LineEnding::LF, &der)
            .map(Zeroizing::new)
            .map_err(|_| CryptoError::MalformedKey(KeyFormatError::Encoding))
    }

    /// The raw public key as it sits in the SPKI `subjectPublicKey` BIT STRING (what a
    /// [`crate::sign::SignatureVerifier`] takes).
    pub fn public_key_raw(&self) -> Vec<u8> {
        match &self.inner {
            Inner::MlDsa44(k) => k.public_key().to_vec(),
            Inner::MlDsa65(k) => k.public_key().to_vec(),
            Inner::MlDsa87(k) => k.public_key().to_vec(),
            _ => subject_public_key(&self.public_key_spki()).unwrap_or_default(),
        }
    }
}

/// The `subjectPublicKey` BIT STRING contents of a DER SPKI.
pub fn subject_public_key(spki_der: &[u8]) -> Option<Vec<u8>> {
    let spki = spki::SubjectPublicKeyInfoRef::from_der(spki_der).ok()?;
    spki.subject_public_key.as_bytes().map(<[u8]>::to_vec)
}

pub(crate) fn mldsa_pkcs8(
    private_key: Option<Zeroizing<Vec<u8>>>,
    oid: ObjectIdentifier,
) -> Result<Zeroizing<Vec<u8>>, CryptoError> {
    let private_key =
        private_key.ok_or(CryptoError::MalformedKey(KeyFormatError::MlDsaSeedUnknown))?;
    // PrivateKeyInfo ::= SEQUENCE { version 0, AlgorithmIdentifier { OID } (no params),
    //                               privateKey OCTET STRING }   (RFC 5958, RFC 9881 §6)
    let mut body = Zeroizing::new(Vec::with_capacity(private_key.len() + 32));
    body.extend_from_slice(&[0x02, 0x01, 0x00]);
    push_tlv(&mut body, 0x30, &oid_der(&oid.to_string()));
    push_tlv(&mut body, 0x04, &private_key);
    let mut out = Zeroizing::new(Vec::with_capacity(body.len() + 4));
    push_tlv(&mut out, 0x30, &body);
    Ok(out)
}

impl fmt::Debug for PrivateKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.as_dyn(), f)
    }
}

impl SigningKey for PrivateKey {
    fn algorithm(&self) -> KeyAlgorithm {
        self.as_dyn().algorithm()
    }

    fn schemes(&self) -> &[SignatureScheme] {
        self.as_dyn().schemes()
    }

    fn sign(&self, scheme: SignatureScheme, message: &[u8]) -> Result<Vec<u8>, CryptoError> {
        self.as_dyn().sign(scheme, message)
    }

    fn public_key_spki(&self) -> Vec<u8> {
        self.as_dyn().public_key_spki()
    }
}

/// Loads a PKCS#8 `PrivateKeyInfo` / `OneAsymmetricKey` (DER) of any supported algorithm.
///
/// Also takes the traditional DER that `openssl pkey -outform DER` writes for RSA
/// (PKCS#1 `RSAPrivateKey`) and EC (SEC1 `ECPrivateKey`) keys.
pub fn load_private_key_der(der: &[u8]) -> Result<PrivateKey, CryptoError> {
    let Ok(info) = pkcs8::PrivateKeyInfoRef::from_der(der) else {
        return load_pkcs1_rsa(der)
            .or_else(|_| load_sec1_ec(der))
            .map_err(|_| CryptoError::MalformedKey(KeyFormatError::Pkcs8));
    };
    load_pkcs8(der, info)
}

fn load_pkcs8(der: &[u8], info: pkcs8::PrivateKeyInfoRef<'_>) -> Result<PrivateKey, CryptoError> {
    let malformed = CryptoError::MalformedKey(KeyFormatError::KeyMaterial);
    let oid = info.algorithm.oid;
    let inner = if oid == ID_EC_PUBLIC_KEY {
        let curve: ObjectIdentifier = info
            .algorithm
            .parameters
            .ok_or(CryptoError::MalformedKey(
                KeyFormatError::AlgorithmParameters,
            ))?
            .decode_as()
            .map_err(|_| CryptoError::MalformedKey(KeyFormatError::AlgorithmParameters))?;
        if curve == SECP256R1 {
            let key = p256::ecdsa::SigningKey::from_pkcs8_der(der).map_err(|_| malformed)?;
            Inner::EcdsaP256(EcdsaP256Key::new(key))
        } else if curve == SECP384R1 {
            let key = p384::ecdsa::SigningKey::from_pkcs8_der(der).map_err(|_| malformed)?;
            Inner::EcdsaP384(EcdsaP384Key::new(key))
        } else {
            return Err(CryptoError::UnsupportedKeyAlgorithm(Oid::new(&curve)));
        }
    } else if oid == ID_ED25519 {
        let key = ed25519_dalek::SigningKey::from_pkcs8_der(der).map_err(|_| malformed)?;
        Inner::Ed25519(Ed25519Key::new(key))
    } else if oid == RSA_ENCRYPTION {
        let key = rsa::PrivateKey::from_pkcs8_der(der).map_err(|_| malformed)?;
        Inner::Rsa(RsaKey::new(key)?)
    } else if oid == ID_ML_DSA_44 || oid == ID_ML_DSA_65 || oid == ID_ML_DSA_87 {
        // RFC 9881 §6: parameters MUST be absent.
        if info.algorithm.parameters.is_some() {
            return Err(CryptoError::MalformedKey(
                KeyFormatError::AlgorithmParameters,
            ));
        }
        let private_key = info.private_key.as_bytes();
        if oid == ID_ML_DSA_44 {
            Inner::MlDsa44(load_mldsa(private_key)?)
        } else if oid == ID_ML_DSA_65 {
            Inner::MlDsa65(load_mldsa(private_key)?)
        } else {
            Inner::MlDsa87(load_mldsa(private_key)?)
        }
    } else {
        return Err(CryptoError::UnsupportedKeyAlgorithm(Oid::new(&oid)));
    };
    Ok(PrivateKey { inner })
}

/// Loads the first private key block of a PEM file: `PRIVATE KEY` (PKCS#8), and the
/// legacy `RSA PRIVATE KEY` (PKCS#1) and `EC PRIVATE KEY` (SEC1) that older tools write.
/// Other blocks (certificates, parameters) are skipped.
pub fn load_private_key_pem(pem: &str) -> Result<PrivateKey, CryptoError> {
    let mut rest = pem;
    while let Some(start) = rest.find("-----BEGIN ") {
        let block = &rest[start..];
        let Some(label_end) = block[11..].find("-----") else {
            break;
        };
        let label = &block[11..11 + label_end];
        let end_marker = format!("-----END {label}-----");
        let Some(end) = block.find(&end_marker) else {
            break;
        };
        let text = &block[..end + end_marker.len()];
        rest = &block[end + end_marker.len()..];
        match label {
            "PRIVATE KEY" | "RSA PRIVATE KEY" | "EC PRIVATE KEY" => {
                let (_, der) = der::pem::decode_vec(text.as_bytes())
                    .map_err(|_| CryptoError::MalformedKey(KeyFormatError::Pem))?;
                let der = Zeroizing::new(der);
                return match label {
                    "PRIVATE KEY" => load_private_key_der(&der),
                    "RSA PRIVATE KEY" => load_pkcs1_rsa(&der),
                    _ => load_sec1_ec(&der),
                };
            }
            "ENCRYPTED PRIVATE KEY" => {
                return Err(CryptoError::MalformedKey(KeyFormatError::Encrypted));
            }
            _ => {}
        }
    }
    Err(CryptoError::MalformedKey(KeyFormatError::Pem))
}

fn load_pkcs1_rsa(der: &[u8]) -> Result<PrivateKey, CryptoError> {
    use rsa::pkcs1::DecodeRsaPrivateKey;
    let key = rsa::PrivateKey::from_pkcs1_der(der)
        .map_err(|_| CryptoError::MalformedKey(KeyFormatError::Pkcs8))?;
    Ok(PrivateKey {
        inner: Inner::Rsa(RsaKey::new(key)?),
    })
}

fn load_sec1_ec(der: &[u8]) -> Result<PrivateKey, CryptoError> {
    // The curve is named inside the ECPrivateKey; each decoder refuses the other's.
    if let Ok(key) = p256::SecretKey::from_sec1_der(der) {
        return Ok(PrivateKey {
            inner: Inner::EcdsaP256(EcdsaP256Key::new(key.into())),
        });
    }
    if let Ok(key) = p384::SecretKey::from_sec1_der(der) {
        return Ok(PrivateKey {
            inner: Inner::EcdsaP384(EcdsaP384Key::new(key.into())),
        });
    }
    Err(CryptoError::MalformedKey(KeyFormatError::KeyMaterial))
}

/// Reads one DER TLV: (tag, value, rest). Definite, minimal lengths up to 2^16 - 1 only.
pub(crate) fn read_tlv(input: &[u8]) -> Option<(u8, &[u8], &[u8])> {
    let (&tag, rest) = input.split_first()?;
    let (&first, rest) = rest.split_first()?;
    let (len, rest) = match first {
        0x00..=0x7f => (usize::from(first), rest),
        0x81 => {
            let (&l, rest) = rest.split_first()?;
            if l < 0x80 {
                return None;
            }
            (usize::from(l), rest)
        }
        0x82 => {
            let (l, rest) = rest.split_at_checked(2)?;
            let len = usize::from(l[0]) << 8 | usize::from(l[1]);
            if len < 0x100 {
                return None;
            }
            (len, rest)
        }
        _ => return None,
    };
    let (value, rest) = rest.split_at_checked(len)?;
    Some((tag, value, rest))
}

/// `ML-DSA-PrivateKey ::= CHOICE { seed [0] OCTET STRING (SIZE (32)),
///     expandedKey OCTET STRING, both SEQUENCE { seed OCTET STRING, expandedKey OCTET STRING } }`
fn load_mldsa<P: crate::sign::mldsa::Level>(
    private_key: &[u8],
) -> Result<MlDsaKey<P>, CryptoError> {
    let malformed = CryptoError::MalformedKey(KeyFormatError::KeyMaterial);
    let (tag, value, rest) = read_tlv(private_key).ok_or(malformed)?;
    if !rest.is_empty() {
        return Err(malformed);
    }
    match tag {
        0x80 => {
            let seed: &[u8; 32] = value.try_into().map_err(|_| malformed)?;
            Ok(MlDsaKey::from_seed(seed))
        }
        0x04 => MlDsaKey::from_expanded(value),
        0x30 => {
            let (seed_tag, seed, rest) = read_tlv(value).ok_or(malformed)?;
            let (exp_tag, expanded, rest) = read_tlv(rest).ok_or(malformed)?;
            if seed_tag != 0x04 || exp_tag != 0x04 || !rest.is_empty() {
                return Err(malformed);
            }
            let seed: &[u8; 32] = seed.try_into().map_err(|_| malformed)?;
            MlDsaKey::from_both(seed, expanded)
        }
        _ => Err(malformed),
    }
}

/// A fresh key of `algorithm` from the operating system's randomness (RSA: 2048 bits).
pub fn generate(algorithm: KeyAlgorithm) -> Result<PrivateKey, CryptoError> {
    let inner = match algorithm {
        KeyAlgorithm::EcdsaP256 => Inner::EcdsaP256(EcdsaP256Key::generate()?),
        KeyAlgorithm::EcdsaP384 => Inner::EcdsaP384(EcdsaP384Key::generate()?),
        KeyAlgorithm::Ed25519 => Inner::Ed25519(Ed25519Key::generate()?),
        KeyAlgorithm::Rsa => Inner::Rsa(RsaKey::generate(2048)?),
        KeyAlgorithm::MlDsa44 => Inner::MlDsa44(MlDsaKey::generate()?),
        KeyAlgorithm::MlDsa65 => Inner::MlDsa65(MlDsaKey::generate()?),
        KeyAlgorithm::MlDsa87 => Inner::MlDsa87(MlDsaKey::generate()?),
    };
    Ok(PrivateKey { inner })
}

/// A fresh RSA key of `bits` (2048 to 8192) bits, public exponent 65537.
pub fn generate_rsa(bits: usize) -> Result<PrivateKey, CryptoError> {
    Ok(PrivateKey {
        inner: Inner::Rsa(RsaKey::generate(bits)?),
    })
}

/// An ML-DSA key from its 32-byte seed (FIPS 204 ML-DSA.KeyGen_internal), e.g. for
/// deterministic test PKIs. `algorithm` must be one of the ML-DSA kinds.
pub fn mldsa_from_seed(
    algorithm: KeyAlgorithm,
    seed: &[u8; 32],
) -> Result<PrivateKey, CryptoError> {
    let inner = match algorithm {
        KeyAlgorithm::MlDsa44 => Inner::MlDsa44(MlDsaKey::from_seed(seed)),
        KeyAlgorithm::MlDsa65 => Inner::MlDsa65(MlDsaKey::from_seed(seed)),
        KeyAlgorithm::MlDsa87 => Inner::MlDsa87(MlDsaKey::from_seed(seed)),
        _ => {
            return Err(CryptoError::KeyGenerationFailed(
                "ML-DSA from seed (not an ML-DSA algorithm)",
            ));
        }
    };
    Ok(PrivateKey { inner })
}

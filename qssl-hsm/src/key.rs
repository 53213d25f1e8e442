//! [`Pkcs11SigningKey`]: a private key on a token behind qssl-crypto's `SigningKey`.

use core::fmt;
use std::sync::Mutex;

use cryptoki::mechanism::dsa::{HedgeType, SignAdditionalContext};
use cryptoki::mechanism::eddsa::{EddsaParams, EddsaSignatureScheme};
use cryptoki::mechanism::rsa::{PkcsMgfType, PkcsPssParams};
use cryptoki::mechanism::{Mechanism, MechanismType};
use cryptoki::object::{
    Attribute, AttributeType, KeyType, MlDsaParameterSetType, ObjectClass, ObjectHandle,
    ParameterSetType,
};
use cryptoki::session::Session;
use qssl_crypto::error::CryptoError;
use qssl_crypto::hash::{SHA256, SHA384};
use qssl_crypto::sign::{KeyAlgorithm, SignatureScheme, SigningKey};

use crate::error::HsmError;
use crate::spki;
use crate::token::{Module, PoolOptions, Token, TokenSelector};
use crate::uri::Pkcs11Uri;
use crate::{Pin, error::classify};

/// Which private key on a token.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum KeySelector {
    /// The key whose `CKA_LABEL` is this (`object=` in a URI).
    Label(String),
    /// The key whose `CKA_ID` is this (`id=` in a URI).
    Id(Vec<u8>),
    /// Both must match.
    LabelAndId(String, Vec<u8>),
}

impl KeySelector {
    /// The selector a `pkcs11:` URI names (after [`Pkcs11Uri::check_private_key`]).
    pub fn from_uri(uri: &Pkcs11Uri) -> Result<Self, HsmError> {
        uri.check_private_key()?;
        Ok(match (uri.object()?, uri.id()) {
            (Some(label), Some(id)) => Self::LabelAndId(label.to_owned(), id.to_vec()),
            (Some(label), None) => Self::Label(label.to_owned()),
            (None, Some(id)) => Self::Id(id.to_vec()),
            (None, None) => return Err(crate::uri::UriError::NoObject.into()),
        })
    }

    fn template(&self, class: ObjectClass) -> Vec<Attribute> {
        let mut t = vec![Attribute::Class(class)];
        match self {
            Self::Label(l) => t.push(Attribute::Label(l.as_bytes().to_vec())),
            Self::Id(id) => t.push(Attribute::Id(id.clone())),
            Self::LabelAndId(l, id) => {
                t.push(Attribute::Label(l.as_bytes().to_vec()));
                t.push(Attribute::Id(id.clone()));
            }
        }
        t
    }
}

impl fmt::Display for KeySelector {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let hex = |id: &[u8]| id.iter().map(|b| format!("{b:02x}")).collect::<String>();
        match self {
            Self::Label(l) => write!(f, "labelled {l:?}"),
            Self::Id(id) => write!(f, "with id {}", hex(id)),
            Self::LabelAndId(l, id) => write!(f, "labelled {l:?} with id {}", hex(id)),
        }
    }
}

/// The mechanism each scheme signs with, and what the token is given.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Plan {
    /// CKM_ECDSA over our own digest; `field` bytes per coordinate.
    Ecdsa { sha384: bool, field: usize },
    /// CKM_EDDSA (pure Ed25519) over the message.
    Ed25519,
    /// CKM_RSA_PKCS_PSS over our own digest.
    RsaPss { sha384: bool },
    /// CKM_SHA512_RSA_PKCS_PSS over the message: qssl-crypto has no SHA-512 of its own.
    RsaPssSha512,
    /// CKM_ML_DSA (pure, empty context) over the message.
    MlDsa,
}

fn plan(scheme: SignatureScheme) -> Option<(Plan, MechanismType)> {
    use SignatureScheme as S;
    Some(match scheme {
        S::ECDSA_SECP256R1_SHA256 => (
            Plan::Ecdsa {
                sha384: false,
                field: 32,
            },
            MechanismType::ECDSA,
        ),
        S::ECDSA_SECP384R1_SHA384 => (
            Plan::Ecdsa {
                sha384: true,
                field: 48,
            },
            MechanismType::ECDSA,
        ),
        S::ED25519 => (Plan::Ed25519, MechanismType::EDDSA),
        S::RSA_PSS_RSAE_SHA256 => (Plan::RsaPss { sha384: false }, MechanismType::RSA_PKCS_PSS),
        S::RSA_PSS_RSAE_SHA384 => (Plan::RsaPss { sha384: true }, MechanismType::RSA_PKCS_PSS),
        S::RSA_PSS_RSAE_SHA512 => (Plan::RsaPssSha512, MechanismType::SHA512_RSA_PKCS_PSS),
        S::MLDSA44 | S::MLDSA65 | S::MLDSA87 => (Plan::MlDsa, MechanismType::ML_DSA),
        _ => return None,
    })
}

/// The schemes a key of `algorithm` can use in TLS, most preferred first.
fn candidate_schemes(algorithm: KeyAlgorithm) -> &'static [SignatureScheme] {
    use SignatureScheme as S;
    match algorithm {
        KeyAlgorithm::EcdsaP256 => &[S::ECDSA_SECP256R1_SHA256],
        KeyAlgorithm::EcdsaP384 => &[S::ECDSA_SECP384R1_SHA384],
        KeyAlgorithm::Ed25519 => &[S::ED25519],
        KeyAlgorithm::Rsa => &[
            S::RSA_PSS_RSAE_SHA256,
            S::RSA_PSS_RSAE_SHA384,
            S::RSA_PSS_RSAE_SHA512,
        ],
        KeyAlgorithm::MlDsa44 => &[S::MLDSA44],
        KeyAlgorithm::MlDsa65 => &[S::MLDSA65],
        KeyAlgorithm::MlDsa87 => &[S::MLDSA87],
        _ => &[],
    }
}

fn mechanism_name(m: MechanismType) -> &'static str {
    match m {
        m if m == MechanismType::ECDSA => "CKM_ECDSA",
        m if m == MechanismType::EDDSA => "CKM_EDDSA",
        m if m == MechanismType::RSA_PKCS_PSS => "CKM_RSA_PKCS_PSS",
        m if m == MechanismType::SHA512_RSA_PKCS_PSS => "CKM_SHA512_RSA_PKCS_PSS",
        m if m == MechanismType::ML_DSA => "CKM_ML_DSA",
        _ => "a signing mechanism",
    }
}

/// The schemes `token` can sign with for keys of `algorithm`: those whose mechanism
/// the token lists. None at all is [`HsmError::MissingMechanism`] (e.g. ML-DSA on
/// SoftHSM2, which has no CKM_ML_DSA).
pub fn token_schemes(
    token: &Token,
    algorithm: KeyAlgorithm,
) -> Result<Vec<SignatureScheme>, HsmError> {
    let candidates = candidate_schemes(algorithm);
    let offered: Vec<SignatureScheme> = candidates
        .iter()
        .copied()
        .filter(|&s| plan(s).is_some_and(|(_, m)| token.has_mechanism(m)))
        .collect();
    if offered.is_empty() {
        let mechanism = candidates
            .first()
            .and_then(|&s| plan(s))
            .map_or("a signing mechanism", |(_, m)| mechanism_name(m));
        return Err(HsmError::MissingMechanism {
            algorithm,
            mechanism,
            token: token.label().to_owned(),
        });
    }
    Ok(offered)
}

/// A private key held on a PKCS#11 token, usable wherever qssl takes a
/// `Box<dyn SigningKey>` (server certificate, client certificate, certificate
/// issuing with `pki::KeySigner`).
///
/// Signing borrows a session from the token's pool, so many threads sign at once up
/// to the pool size; the key never leaves the token.
pub struct Pkcs11SigningKey {
    token: Token,
    /// Re-found by `selector` when the token invalidates it (SoftHSM2 drops the
    /// handles of private objects on logout).
    handle: Mutex<ObjectHandle>,
    selector: KeySelector,
    algorithm: KeyAlgorithm,
    schemes: Vec<SignatureScheme>,
    spki: Vec<u8>,
}

impl Pkcs11SigningKey {
    /// Finds the private key `selector` names on `token` and checks it against the
    /// certificate it will be used with (`certificate_der`, the end-entity
    /// certificate): the token must list a mechanism for the certificate's key
    /// algorithm ([`HsmError::MissingMechanism`]), the key must exist
    /// ([`HsmError::KeyNotFound`]) and its public key must be the certificate's
    /// ([`HsmError::CertificateMismatch`]).
    pub fn new(
        token: &Token,
        selector: &KeySelector,
        certificate_der: &[u8],
    ) -> Result<Self, HsmError> {
        let (cert_algorithm, cert_spki) = spki::certificate_key(certificate_der)?;
        token_schemes(token, cert_algorithm)?;
        let key = Self::without_certificate(token, selector)?;
        if key.algorithm != cert_algorithm {
            return Err(HsmError::CertificateMismatch {
                key: selector.to_string(),
                token: token.label().to_owned(),
                detail: "the key algorithm differs from the certificate's",
            });
        }
        if key.spki != cert_spki {
            return Err(HsmError::CertificateMismatch {
                key: selector.to_string(),
                token: token.label().to_owned(),
                detail: "the public key differs from the certificate's",
            });
        }
        Ok(key)
    }

    /// Finds the private key `selector` names, with no certificate to check it
    /// against (to issue a certificate for it, for instance).
    pub fn without_certificate(token: &Token, selector: &KeySelector) -> Result<Self, HsmError> {
        let label = token.label().to_owned();
        let found =
            token.with_session(|s| s.find_objects(&selector.template(ObjectClass::PRIVATE_KEY)))?;
        let handle = match found.as_slice() {
            [one] => *one,
            [] => {
                return Err(HsmError::KeyNotFound {
                    wanted: selector.to_string(),
                    token: label,
                });
            }
            many => {
                return Err(HsmError::AmbiguousKey {
                    wanted: selector.to_string(),
                    count: many.len(),
                    token: label,
                });
            }
        };
        let (algorithm, public_key) = token
            .with_session(|s| Ok(read_public_key(s, handle, selector)))?
            .map_err(|e| match e {
                ReadError::Ck(e) => classify(e, &label),
                ReadError::Hsm(e) => e,
            })?;
        let schemes = token_schemes(token, algorithm)?;
        Ok(Self {
            token: token.clone(),
            handle: Mutex::new(handle),
            selector: selector.clone(),
            algorithm,
            schemes,
            spki: spki::spki(algorithm, &public_key),
        })
    }

    /// Loads the module if the URI names one (`module-path`, else `module`), finds
    /// the token by `token=` or `slot-id=`, logs in with `pin` and finds the key the
    /// URI names, checked against `certificate_der` as [`new`](Self::new) does.
    /// URIs that carry a PIN (`pin-value`, `pin-source`) are refused.
    pub fn from_uri(
        uri: &Pkcs11Uri,
        module: Option<&Module>,
        pin: Pin,
        options: PoolOptions,
        certificate_der: &[u8],
    ) -> Result<Self, HsmError> {
        let selector = KeySelector::from_uri(uri)?;
        let loaded;
        let module = match (uri.module_path()?, module) {
            (Some(path), _) => {
                loaded = Module::load(path)?;
                &loaded
            }
            (None, Some(m)) => m,
            (None, None) => {
                return Err(HsmError::ModuleLoad {
                    path: "".into(),
                    reason: "no module-path in the URI and no module given".into(),
                });
            }
        };
        let token_selector = match (uri.slot_id()?, uri.token()?) {
            (Some(id), _) => TokenSelector::SlotId(id),
            (None, Some(label)) => TokenSelector::Label(label.to_owned()),
            (None, None) => {
                return Err(HsmError::TokenNotFound {
                    wanted: "(the URI has neither token= nor slot-id=)".into(),
                    present: "not searched".into(),
                });
            }
        };
        let token = module.open_token(&token_selector, pin, options)?;
        Self::new(&token, &selector, certificate_der)
    }

    /// The token the key is on.
    pub fn token(&self) -> &Token {
        &self.token
    }

    /// `C_Sign` on `s`; if the token says the handle is no longer valid, finds the
    /// key again by its selector (in a fresh, logged-in session this succeeds) and
    /// signs with the new handle.
    fn sign_on(
        &self,
        s: &Session,
        mech: &Mechanism<'_>,
        data: &[u8],
    ) -> Result<Vec<u8>, cryptoki::error::Error> {
        use cryptoki::error::{Error as E, RvError as Rv};
        let handle = *self.handle.lock().unwrap_or_else(|p| p.into_inner());
        match s.sign(mech, handle, data) {
            Err(stale @ E::Pkcs11(Rv::ObjectHandleInvalid | Rv::KeyHandleInvalid, _)) => {
                match s
                    .find_objects(&self.selector.template(ObjectClass::PRIVATE_KEY))?
                    .as_slice()
                {
                    [one] => {
                        *self.handle.lock().unwrap_or_else(|p| p.into_inner()) = *one;
                        s.sign(mech, *one, data)
                    }
                    _ => Err(stale),
                }
            }
            other => other,
        }
    }

    /// Signs as [`SigningKey::sign`] does, with the full error.
    pub fn try_sign(&self, scheme: SignatureScheme, message: &[u8]) -> Result<Vec<u8>, HsmError> {
        let Some((plan, _)) = plan(scheme).filter(|_| self.schemes.contains(&scheme)) else {
            return Err(HsmError::MissingMechanism {
                algorithm: self.algorithm,
                mechanism: "a mechanism for this scheme",
                token: self.token.label().to_owned(),
            });
        };
        let sign = |mech: &Mechanism<'_>, data: &[u8]| {
            self.token.with_session(|s| self.sign_on(s, mech, data))
        };
        match plan {
            Plan::Ecdsa { sha384, field } => {
                let digest = if sha384 {
                    SHA384.hash(message)
                } else {
                    SHA256.hash(message)
                };
                let raw = sign(&Mechanism::Ecdsa, digest.as_bytes())?;
                spki::ecdsa_der(&raw, field)
            }
            Plan::Ed25519 => {
                let mech = Mechanism::Eddsa(EddsaParams::new(EddsaSignatureScheme::Ed25519));
                sign(&mech, message)
            }
            Plan::RsaPss { sha384 } => {
                let (digest, params) = if sha384 {
                    (
                        SHA384.hash(message),
                        PkcsPssParams {
                            hash_alg: MechanismType::SHA384,
                            mgf: PkcsMgfType::MGF1_SHA384,
                            s_len: 48.into(),
                        },
                    )
                } else {
                    (
                        SHA256.hash(message),
                        PkcsPssParams {
                            hash_alg: MechanismType::SHA256,
                            mgf: PkcsMgfType::MGF1_SHA256,
                            s_len: 32.into(),
                        },
                    )
                };
                let mech = Mechanism::RsaPkcsPss(params);
                sign(&mech, digest.as_bytes())
            }
            Plan::RsaPssSha512 => {
                let mech = Mechanism::Sha512RsaPkcsPss(PkcsPssParams {
                    hash_alg: MechanismType::SHA512,
                    mgf: PkcsMgfType::MGF1_SHA512,
                    s_len: 64.into(),
                });
                sign(&mech, message)
            }
            Plan::MlDsa => {
                let mech = Mechanism::MlDsa(SignAdditionalContext::new(HedgeType::Preferred, None));
                sign(&mech, message)
            }
        }
    }
}

enum ReadError {
    Ck(cryptoki::error::Error),
    Hsm(HsmError),
}

impl From<cryptoki::error::Error> for ReadError {
    fn from(e: cryptoki::error::Error) -> Self {
        Self::Ck(e)
    }
}

fn attr_bytes(attrs: &[Attribute], want: AttributeType) -> Option<Vec<u8>> {
    attrs.iter().find_map(|a| match (a, want) {
        (Attribute::EcParams(v), AttributeType::EcParams)
        | (Attribute::EcPoint(v), AttributeType::EcPoint)
        | (Attribute::Modulus(v), AttributeType::Modulus)
        | (Attribute::PublicExponent(v), AttributeType::PublicExponent)
        | (Attribute::Value(v), AttributeType::Value)
        | (Attribute::Id(v), AttributeType::Id)
        | (Attribute::Label(v), AttributeType::Label) => Some(v.clone()),
        _ => None,
    })
}

/// Reads `attrs` from the private key, and where it lacks them (SoftHSM2 keeps the EC
/// point only on the public key object) from the public key object with the same id
/// (or, without an id, the same label).
fn public_attrs(
    s: &Session,
    private: ObjectHandle,
    selector: &KeySelector,
    attrs: &[AttributeType],
    try_private: bool,
) -> Result<Vec<Attribute>, ReadError> {
    if try_private {
        let on_private = s.get_attributes(private, attrs)?;
        if attrs.iter().all(|&a| attr_bytes(&on_private, a).is_some()) {
            return Ok(on_private);
        }
    }
    let ids = s.get_attributes(private, &[AttributeType::Id, AttributeType::Label])?;
    let partner = match attr_bytes(&ids, AttributeType::Id).filter(|id| !id.is_empty()) {
        Some(id) => KeySelector::Id(id),
        None => match attr_bytes(&ids, AttributeType::Label) {
            Some(l) => KeySelector::Label(String::from_utf8_lossy(&l).into_owned()),
            None => selector.clone(),
        },
    };
    let found = s.find_objects(&partner.template(ObjectClass::PUBLIC_KEY))?;
    for handle in found {
        let on_public = s.get_attributes(handle, attrs)?;
        if attrs.iter().all(|&a| attr_bytes(&on_public, a).is_some()) {
            return Ok(on_public);
        }
    }
    Err(ReadError::Hsm(HsmError::UnsupportedKey(format!(
        "the public key of the key {selector} is readable neither on the private key nor on \
         a public key object with the same id"
    ))))
}

/// The key's algorithm and its raw public key (the SPKI BIT STRING contents).
fn read_public_key(
    s: &Session,
    handle: ObjectHandle,
    selector: &KeySelector,
) -> Result<(KeyAlgorithm, Vec<u8>), ReadError> {
    let unsupported = |what: String| ReadError::Hsm(HsmError::UnsupportedKey(what));
    let kinds = s.get_attributes(handle, &[AttributeType::KeyType])?;
    let Some(key_type) = kinds.iter().find_map(|a| match a {
        Attribute::KeyType(k) => Some(*k),
        _ => None,
    }) else {
        return Err(unsupported("the key has no CKA_KEY_TYPE".into()));
    };
    if key_type == KeyType::EC || key_type == KeyType::EC_EDWARDS {
        let attrs = public_attrs(
            s,
            handle,
            selector,
            &[AttributeType::EcParams, AttributeType::EcPoint],
            true,
        )?;
        let params = attr_bytes(&attrs, AttributeType::EcParams).unwrap_or_default();
        let point = attr_bytes(&attrs, AttributeType::EcPoint).unwrap_or_default();
        let (algorithm, len) = if key_type == KeyType::EC && params == spki::OID_P256 {
            (KeyAlgorithm::EcdsaP256, 65)
        } else if key_type == KeyType::EC && params == spki::OID_P384 {
            (KeyAlgorithm::EcdsaP384, 97)
        } else if key_type == KeyType::EC_EDWARDS
            && (params == spki::OID_ED25519 || params == spki::NAME_ED25519)
        {
            (KeyAlgorithm::Ed25519, 32)
        } else {
            return Err(unsupported(
                "an elliptic-curve key on a curve other than P-256, P-384 or Ed25519".into(),
            ));
        };
        let point = spki::ec_point(&point, len)
            .ok_or_else(|| unsupported("a malformed CKA_EC_POINT".into()))?;
        return Ok((algorithm, point));
    }
    if key_type == KeyType::RSA {
        let attrs = public_attrs(
            s,
            handle,
            selector,
            &[AttributeType::Modulus, AttributeType::PublicExponent],
            true,
        )?;
        let n = attr_bytes(&attrs, AttributeType::Modulus).unwrap_or_default();
        let e = attr_bytes(&attrs, AttributeType::PublicExponent).unwrap_or_default();
        return Ok((KeyAlgorithm::Rsa, spki::rsa_public_key(&n, &e)));
    }
    if key_type == KeyType::ML_DSA {
        let sets = s.get_attributes(handle, &[AttributeType::ParameterSet])?;
        let set = sets.iter().find_map(|a| match a {
            Attribute::ParameterSet(p) => Some(**p),
            _ => None,
        });
        let is = |p: MlDsaParameterSetType| set == Some(*ParameterSetType::from(p));
        let algorithm = if is(MlDsaParameterSetType::ML_DSA_44) {
            KeyAlgorithm::MlDsa44
        } else if is(MlDsaParameterSetType::ML_DSA_65) {
            KeyAlgorithm::MlDsa65
        } else if is(MlDsaParameterSetType::ML_DSA_87) {
            KeyAlgorithm::MlDsa87
        } else {
            return Err(unsupported(
                "an ML-DSA key of an unknown parameter set".into(),
            ));
        };
        // Only the public key object's CKA_VALUE is the public key: the private
        // key's CKA_VALUE is the secret (tokens refuse to read it out, but never ask).
        let attrs = public_attrs(s, handle, selector, &[AttributeType::Value], false)?;
        let value = attr_bytes(&attrs, AttributeType::Value).unwrap_or_default();
        return Ok((algorithm, value));
    }
    Err(unsupported(format!("key type {key_type}")))
}

impl fmt::Debug for Pkcs11SigningKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Pkcs11SigningKey")
            .field("token", &self.token.label())
            .field("key", &self.selector.to_string())
            .field("algorithm", &self.algorithm)
            .finish()
    }
}

impl SigningKey for Pkcs11SigningKey {
    fn algorithm(&self) -> KeyAlgorithm {
        self.algorithm
    }

    /// A token signs in milliseconds (more over a network): handshakes pause for it,
    /// and the tokio adapter signs on the blocking pool.
    fn signs_slowly(&self) -> bool {
        true
    }

    fn schemes(&self) -> &[SignatureScheme] {
        &self.schemes
    }

    fn sign(&self, scheme: SignatureScheme, message: &[u8]) -> Result<Vec<u8>, CryptoError> {
        if !self.schemes.contains(&scheme) {
            return Err(CryptoError::UnsupportedSignatureScheme(scheme));
        }
        self.try_sign(scheme, message).map_err(CryptoError::from)
    }

    fn public_key_spki(&self) -> Vec<u8> {
        self.spki.clone()
    }
}

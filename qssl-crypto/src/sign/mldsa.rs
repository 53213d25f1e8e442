//! ML-DSA (FIPS 204) for TLS (draft-ietf-tls-mldsa) and X.509 (RFC 9881).
//!
//! Signing and verification use RustCrypto `ml-dsa`: it derives keys from the 32-byte
//! seed (the form OpenSSL 3.5 writes by default and RFC 9881 recommends), wipes its
//! secrets on drop, needs no FFI, and passes every Wycheproof ML-DSA verification vector.
//! `pqcrypto-mldsa` 0.1.2 was not used: it has no seed-based key generation, its secret
//! key type is `Copy` without zeroization, and its verifier accepts Wycheproof signatures
//! whose `z` exceeds the infinity-norm bound (130 of 610 empty-context vectors wrong).
//! It stays as the independent implementation in the differential test.
//!
//! Signatures are hedged (FIPS 204 Algorithm 2 with fresh randomness) with an empty
//! context string, over the message itself (pure ML-DSA, no pre-hash).

use super::{KeyAlgorithm, SignatureScheme, SigningKey, Verifier, check_scheme, os_rng};
use crate::error::CryptoError;
use crate::keys::{KeyFormatError, MlDsaKeyForm};
use core::fmt;
use core::marker::PhantomData;
use rustls_pki_types::alg_id;
use subtle::ConstantTimeEq;
use zeroize::Zeroizing;

/// One ML-DSA parameter set, with what TLS and X.509 call it.
pub(crate) trait Level: ml_dsa::MlDsaParams + Send + Sync + 'static {
    const ALGORITHM: KeyAlgorithm;
    const SCHEME: SignatureScheme;
    const NAME: &'static str;
    /// `id-ml-dsa-*` (RFC 9881 §2), dotted.
    const OID: &'static str;
    const PUBLIC_KEY_LEN: usize;
    /// η: the bound on the coefficients of the secret vectors s1 and s2 (FIPS 204 Table 1).
    const ETA: u8;
    /// ℓ + k: how many polynomials s1 and s2 hold together.
    const SECRET_POLYNOMIALS: usize;
}

/// Whether every coefficient of s1 and s2 in an `expandedKey` lies in [-η, η].
///
/// skEncode (FIPS 204 Algorithm 24) is ρ (32) ‖ K (32) ‖ tr (64) ‖ BitPack(s1, η, η) ‖
/// BitPack(s2, η, η) ‖ BitPack(t0, ...): each secret coefficient c is packed as η − c
/// in bitlen(2η) bits (3 for η = 2, 4 for η = 4), so a packed value above 2η cannot
/// come from any key. ml-dsa 0.1 decodes such a value with an `assert!` (a panic, found
/// by the `keys` fuzz target), so a corrupt key must be refused before it gets there.
/// t0 needs no check: every 13-bit value is a coefficient in range.
fn secret_vectors_in_range<P: Level>(expanded: &[u8]) -> bool {
    let bits = if P::ETA == 2 { 3 } else { 4 };
    let max = u32::from(2 * P::ETA);
    let mask = (1u32 << bits) - 1;
    // 256 coefficients of `bits` bits: 32 * bits bytes per polynomial.
    let len = P::SECRET_POLYNOMIALS * 32 * bits;
    let Some(packed) = expanded.get(128..128 + len) else {
        return false;
    };
    // `bits` bytes hold exactly 8 coefficients, least significant bits first. Secret
    // bytes: every coefficient is looked at, with no branch on its value.
    let mut over = 0u32;
    for group in packed.chunks_exact(bits) {
        let word = group
            .iter()
            .rev()
            .fold(0u32, |acc, &b| (acc << 8) | u32::from(b));
        for i in 0..8 {
            // The top bit of max - v is set exactly when v > max (both below 2^4).
            over |= max.wrapping_sub((word >> (bits * i)) & mask) >> 31;
        }
    }
    over == 0
}

impl Level for ml_dsa::MlDsa44 {
    const ALGORITHM: KeyAlgorithm = KeyAlgorithm::MlDsa44;
    const SCHEME: SignatureScheme = SignatureScheme::MLDSA44;
    const NAME: &'static str = "ML-DSA-44";
    const OID: &'static str = "2.16.840.1.101.3.4.3.17";
    const PUBLIC_KEY_LEN: usize = 1312;
    const ETA: u8 = 2;
    const SECRET_POLYNOMIALS: usize = 8;
}

impl Level for ml_dsa::MlDsa65 {
    const ALGORITHM: KeyAlgorithm = KeyAlgorithm::MlDsa65;
    const SCHEME: SignatureScheme = SignatureScheme::MLDSA65;
    const NAME: &'static str = "ML-DSA-65";
    const OID: &'static str = "2.16.840.1.101.3.4.3.18";
    const PUBLIC_KEY_LEN: usize = 1952;
    const ETA: u8 = 4;
    const SECRET_POLYNOMIALS: usize = 11;
}

impl Level for ml_dsa::MlDsa87 {
    const ALGORITHM: KeyAlgorithm = KeyAlgorithm::MlDsa87;
    const SCHEME: SignatureScheme = SignatureScheme::MLDSA87;
    const NAME: &'static str = "ML-DSA-87";
    const OID: &'static str = "2.16.840.1.101.3.4.3.19";
    const PUBLIC_KEY_LEN: usize = 2592;
    const ETA: u8 = 2;
    const SECRET_POLYNOMIALS: usize = 15;
}

macro_rules! verifier {
    ($name:ident, $level:ty, $scheme:ident, $desc:literal, $alg:expr) => {
        pub(crate) static $name: Verifier = Verifier {
            scheme: SignatureScheme::$scheme,
            description: concat!($desc, " (RustCrypto ml-dsa)"),
            public_key_alg_id: $alg,
            signature_alg_id: $alg,
            verify: verify::<$level>,
        };
    };
}

verifier!(
    VERIFY_44,
    ml_dsa::MlDsa44,
    MLDSA44,
    "ML-DSA-44",
    alg_id::ML_DSA_44
);
verifier!(
    VERIFY_65,
    ml_dsa::MlDsa65,
    MLDSA65,
    "ML-DSA-65",
    alg_id::ML_DSA_65
);
verifier!(
    VERIFY_87,
    ml_dsa::MlDsa87,
    MLDSA87,
    "ML-DSA-87",
    alg_id::ML_DSA_87
);

/// ML-DSA.Verify (FIPS 204 Algorithm 3) with an empty context.
fn verify<P: Level>(
    public_key: &[u8],
    message: &[u8],
    signature: &[u8],
) -> Result<(), CryptoError> {
    // Exact lengths are checked by the conversions before any decoding.
    let encoded = ml_dsa::EncodedVerifyingKey::<P>::try_from(public_key)
        .map_err(|_| CryptoError::BadPublicKey(P::NAME))?;
    let key = ml_dsa::VerifyingKey::<P>::decode(&encoded);
    // Decoding refuses malformed hint encodings (FIPS 204 Algorithm 21).
    let signature =
        ml_dsa::Signature::<P>::try_from(signature).map_err(|_| CryptoError::BadSignature)?;
    if key.verify_with_context(message, &[], &signature) {
        Ok(())
    } else {
        Err(CryptoError::BadSignature)
    }
}

enum Secret<P: Level> {
    /// The seed is known: expanded key derived from it.
    Seeded(ml_dsa::SigningKey<P>),
    /// Only the expanded key is known (OpenSSL `priv-only` files).
    Expanded(Box<ml_dsa::ExpandedSigningKey<P>>),
}

/// An ML-DSA private key of parameter set `P`.
pub(crate) struct MlDsaKey<P: Level> {
    secret: Secret<P>,
    public_key: Vec<u8>,
    _level: PhantomData<P>,
}

impl<P: Level> MlDsaKey<P> {
    /// ML-DSA.KeyGen_internal (FIPS 204 Algorithm 6) from a 32-byte seed.
    pub(crate) fn from_seed(seed: &[u8; 32]) -> Self {
        let xi = Zeroizing::new(ml_dsa::Seed::from(*seed));
        let key = ml_dsa::SigningKey::<P>::from_seed(&xi);
        let public_key = key.expanded_key().verifying_key().encode().to_vec();
        Self {
            secret: Secret::Seeded(key),
            public_key,
            _level: PhantomData,
        }
    }

    pub(crate) fn generate() -> Result<Self, CryptoError> {
        let mut seed = Zeroizing::new([0u8; 32]);
        super::random_bytes(&mut seed[..])?;
        Ok(Self::from_seed(&seed))
    }

    /// From an `expandedKey` (FIPS 204 skEncode output). The key is checked by signing
    /// and verifying a test message: a corrupt or foreign key fails here, not in a handshake.
    pub(crate) fn from_expanded(expanded: &[u8]) -> Result<Self, CryptoError> {
        if !secret_vectors_in_range::<P>(expanded) {
            return Err(CryptoError::MalformedKey(KeyFormatError::KeyMaterial));
        }
        let bytes = Zeroizing::new(
            ml_dsa::ExpandedSigningKeyBytes::<P>::try_from(expanded)
                .map_err(|_| CryptoError::MalformedKey(KeyFormatError::KeyMaterial))?,
        );
        // `from_expanded` is deprecated only to steer users to seeds; OpenSSL still writes
        // expanded-only keys, and the pairwise check below stands in for validation.
        #[allow(deprecated)]
        let key = ml_dsa::ExpandedSigningKey::<P>::from_expanded(&bytes);
        let public_key = key.verifying_key().encode().to_vec();
        let this = Self {
            secret: Secret::Expanded(Box::new(key)),
            public_key,
            _level: PhantomData,
        };
        this.pairwise_check()?;
        Ok(this)
    }

    /// From both forms: the expanded key must be the one the seed derives (as OpenSSL checks).
    pub(crate) fn from_both(seed: &[u8; 32], expanded: &[u8]) -> Result<Self, CryptoError> {
        let this = Self::from_seed(seed);
        let derived = this.expanded_bytes();
        if expanded.len() != derived.len() || !bool::from(derived.ct_eq(expanded)) {
            return Err(CryptoError::MalformedKey(KeyFormatError::MlDsaSeedMismatch));
        }
        Ok(this)
    }

    fn expanded(&self) -> &ml_dsa::ExpandedSigningKey<P> {
        match &self.secret {
            Secret::Seeded(key) => key.expanded_key(),
            Secret::Expanded(key) => key,
        }
    }

    /// The FIPS 204 `skEncode` form of the private key.
    pub(crate) fn expanded_bytes(&self) -> Zeroizing<Vec<u8>> {
        #[allow(deprecated)]
        let bytes = Zeroizing::new(self.expanded().to_expanded());
        Zeroizing::new(bytes.to_vec())
    }

    /// The 32-byte seed ξ, if the key was made or loaded from it.
    pub(crate) fn seed(&self) -> Option<Zeroizing<[u8; 32]>> {
        match &self.secret {
            Secret::Seeded(key) => {
                let seed = Zeroizing::new(key.to_seed());
                let mut out = Zeroizing::new([0u8; 32]);
                out.copy_from_slice(&seed[..]);
                Some(out)
            }
            Secret::Expanded(_) => None,
        }
    }

    fn pairwise_check(&self) -> Result<(), CryptoError> {
        const MESSAGE: &[u8] = b"qssl ML-DSA pairwise consistency check";
        let signature = self.sign(P::SCHEME, MESSAGE)?;
        let verifier = super::verifier_for(P::SCHEME)
            .ok_or(CryptoError::UnsupportedSignatureScheme(P::SCHEME))?;
        verifier
            .verify(&self.public_key, MESSAGE, &signature)
            .map_err(|_| CryptoError::MalformedKey(KeyFormatError::PublicKeyMismatch))
    }

    /// The `privateKey` OCTET STRING contents of PKCS#8 in `form` (None: seed unknown).
    pub(crate) fn private_key_der(&self, form: MlDsaKeyForm) -> Option<Zeroizing<Vec<u8>>> {
        let seed = self.seed();
        private_key_der(form, seed.as_deref(), &self.expanded_bytes())
    }

    pub(crate) fn public_key(&self) -> &[u8] {
        &self.public_key
    }
}

/// The `ML-DSA-PrivateKey` (RFC 9881 §6) in `form` from the seed (if known) and the
/// expanded key; None when `form` needs the seed and it is unknown. Shared by both
/// providers so that they write byte-identical files.
pub(crate) fn private_key_der(
    form: MlDsaKeyForm,
    seed: Option<&[u8; 32]>,
    expanded: &[u8],
) -> Option<Zeroizing<Vec<u8>>> {
    let mut out = Zeroizing::new(Vec::with_capacity(expanded.len() + 48));
    match (form, seed) {
        (MlDsaKeyForm::Seed, Some(seed)) => {
            out.extend_from_slice(&[0x80, 0x20]);
            out.extend_from_slice(seed);
        }
        (MlDsaKeyForm::Expanded, _) => push_octet_string(&mut out, expanded),
        (MlDsaKeyForm::Both, Some(seed)) => {
            let mut body = Zeroizing::new(Vec::with_capacity(expanded.len() + 40));
            push_octet_string(&mut body, seed);
            push_octet_string(&mut body, expanded);
            push_tlv(&mut out, 0x30, &body);
        }
        (_, None) => return None,
    }
    Some(out)
}

pub(crate) fn push_octet_string(out: &mut Vec<u8>, value: &[u8]) {
    push_tlv(out, 0x04, value);
}

/// DER TLV; lengths here are below 2^16 (largest: ML-DSA-87 `both`, 4,934 bytes).
pub(crate) fn push_tlv(out: &mut Vec<u8>, tag: u8, value: &[u8]) {
    out.push(tag);
    let len = value.len();
    if len < 0x80 {
        out.push(len as u8);
    } else if len < 0x100 {
        out.extend_from_slice(&[0x81, len as u8]);
    } else {
        out.extend_from_slice(&[0x82, (len >> 8) as u8, len as u8]);
    }
    out.extend_from_slice(value);
}

impl<P: Level> fmt::Debug for MlDsaKey<P> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "MlDsaKey({}, ..)", P::NAME)
    }
}

impl<P: Level> SigningKey for MlDsaKey<P> {
    fn algorithm(&self) -> KeyAlgorithm {
        P::ALGORITHM
    }

    fn schemes(&self) -> &[SignatureScheme] {
        core::slice::from_ref(&P::SCHEME)
    }

    fn sign(&self, scheme: SignatureScheme, message: &[u8]) -> Result<Vec<u8>, CryptoError> {
        check_scheme(scheme, self.schemes())?;
        let signature = self
            .expanded()
            .sign_randomized(message, &[], &mut os_rng())
            .map_err(|_| CryptoError::SigningFailed(P::NAME))?;
        Ok(signature.encode().to_vec())
    }

    fn public_key_spki(&self) -> Vec<u8> {
        // SEQUENCE { SEQUENCE { OID }, BIT STRING { 0 unused bits, key } } (RFC 9881 §4).
        let mut alg = Vec::with_capacity(16);
        push_tlv(&mut alg, 0x30, oid_der(P::OID).as_slice());
        let mut bits = Vec::with_capacity(P::PUBLIC_KEY_LEN + 1);
        bits.push(0);
        bits.extend_from_slice(&self.public_key);
        let mut body = alg;
        push_tlv(&mut body, 0x03, &bits);
        let mut out = Vec::with_capacity(body.len() + 4);
        push_tlv(&mut out, 0x30, &body);
        out
    }
}

/// DER `OBJECT IDENTIFIER` TLV of a dotted OID known at compile time.
pub(crate) fn oid_der(dotted: &str) -> Vec<u8> {
    let mut out = Vec::with_capacity(13);
    if let Ok(oid) = der::asn1::ObjectIdentifier::new(dotted) {
        push_tlv(&mut out, 0x06, oid.as_bytes());
    }
    out
}

//! The providers every integration test runs on: [`backends`] gives each
//! compiled provider (`qssl_crypto::provider::compiled_providers`) together with
//! its key type's constructors, so that a test is written once and run on the
//! portable provider and, with the feature `aws-lc`, on the aws-lc provider.

// Each test crate uses a different part of this module.
#![allow(dead_code)]

use qssl_crypto::aead::Aead;
use qssl_crypto::error::CryptoError;
use qssl_crypto::hash::Hash;
use qssl_crypto::hkdf::Hkdf;
use qssl_crypto::hmac::Hmac;
use qssl_crypto::ids::CipherSuite;
use qssl_crypto::keys::{self, MlDsaKeyForm};
use qssl_crypto::kx::{NamedGroup, SupportedKxGroup};
use qssl_crypto::provider::{CryptoProvider, compiled_providers};
use qssl_crypto::sign::{KeyAlgorithm, SignatureScheme, SignatureVerifier, SigningKey};
use qssl_crypto::tls12_prf::Prf;
use zeroize::Zeroizing;

/// What the tests need from a provider's private key type beyond [`SigningKey`].
pub(crate) trait Key: SigningKey {
    fn public_key_raw(&self) -> Vec<u8>;
    fn to_pkcs8_der(&self) -> Result<Zeroizing<Vec<u8>>, CryptoError>;
    fn to_pkcs8_der_with_form(&self, form: MlDsaKeyForm)
    -> Result<Zeroizing<Vec<u8>>, CryptoError>;
    fn to_pkcs8_pem(&self) -> Result<Zeroizing<String>, CryptoError>;
}

macro_rules! impl_key {
    ($t:ty) => {
        impl Key for $t {
            fn public_key_raw(&self) -> Vec<u8> {
                <$t>::public_key_raw(self)
            }
            fn to_pkcs8_der(&self) -> Result<Zeroizing<Vec<u8>>, CryptoError> {
                <$t>::to_pkcs8_der(self)
            }
            fn to_pkcs8_der_with_form(
                &self,
                form: MlDsaKeyForm,
            ) -> Result<Zeroizing<Vec<u8>>, CryptoError> {
                <$t>::to_pkcs8_der_with_form(self, form)
            }
            fn to_pkcs8_pem(&self) -> Result<Zeroizing<String>, CryptoError> {
                <$t>::to_pkcs8_pem(self)
            }
        }
    };
}

impl_key!(keys::PrivateKey);
#[cfg(feature = "aws-lc")]
impl_key!(qssl_crypto::provider::aws_lc::PrivateKey);

type KeyResult = Result<Box<dyn Key>, CryptoError>;

/// One provider under test.
pub(crate) struct Backend {
    /// `"portable"` or `"aws-lc"`.
    pub(crate) name: &'static str,
    pub(crate) provider: CryptoProvider,
    pub(crate) generate: fn(KeyAlgorithm) -> KeyResult,
    pub(crate) load_der: fn(&[u8]) -> KeyResult,
    pub(crate) load_pem: fn(&str) -> KeyResult,
    pub(crate) mldsa_from_seed: fn(KeyAlgorithm, &[u8; 32]) -> KeyResult,
}

fn boxed<K: Key + 'static>(r: Result<K, CryptoError>) -> KeyResult {
    r.map(|k| Box::new(k) as Box<dyn Key>)
}

/// Every compiled provider, in [`compiled_providers`] order.
pub(crate) fn backends() -> Vec<Backend> {
    compiled_providers()
        .into_iter()
        .map(|(name, provider)| match name {
            "portable" => Backend {
                name,
                provider,
                generate: |a| boxed(keys::generate(a)),
                load_der: |d| boxed(keys::load_private_key_der(d)),
                load_pem: |p| boxed(keys::load_private_key_pem(p)),
                mldsa_from_seed: |a, s| boxed(keys::mldsa_from_seed(a, s)),
            },
            #[cfg(feature = "aws-lc")]
            "aws-lc" => {
                use qssl_crypto::provider::aws_lc::PrivateKey;
                Backend {
                    name,
                    provider,
                    generate: |a| boxed(PrivateKey::generate(a)),
                    load_der: |d| boxed(PrivateKey::load_der(d)),
                    load_pem: |p| boxed(PrivateKey::load_pem(p)),
                    mldsa_from_seed: |a, s| boxed(PrivateKey::mldsa_from_seed(a, s)),
                }
            }
            other => panic!("no test backend for provider {other}"),
        })
        .collect()
}

impl Backend {
    pub(crate) fn verifier(&self, scheme: SignatureScheme) -> &'static dyn SignatureVerifier {
        self.provider
            .verifier(scheme)
            .unwrap_or_else(|| panic!("{}: no verifier for {scheme:?}", self.name))
    }

    pub(crate) fn group(&self, group: NamedGroup) -> &'static dyn SupportedKxGroup {
        self.provider
            .kx_group(group)
            .unwrap_or_else(|| panic!("{}: no group {group:?}", self.name))
    }

    fn suite(&self, suite: CipherSuite) -> &'static qssl_crypto::suites::Tls13CipherSuite {
        self.provider
            .tls13_suite(suite)
            .unwrap_or_else(|| panic!("{}: no suite {suite:?}", self.name))
    }

    pub(crate) fn aes_128_gcm(&self) -> &'static dyn Aead {
        self.suite(CipherSuite::TLS13_AES_128_GCM_SHA256).aead
    }

    pub(crate) fn aes_256_gcm(&self) -> &'static dyn Aead {
        self.suite(CipherSuite::TLS13_AES_256_GCM_SHA384).aead
    }

    pub(crate) fn chacha20_poly1305(&self) -> &'static dyn Aead {
        self.suite(CipherSuite::TLS13_CHACHA20_POLY1305_SHA256).aead
    }

    pub(crate) fn sha256(&self) -> &'static dyn Hash {
        self.suite(CipherSuite::TLS13_AES_128_GCM_SHA256).hash
    }

    pub(crate) fn hkdf_sha256(&self) -> &'static dyn Hkdf {
        self.suite(CipherSuite::TLS13_AES_128_GCM_SHA256).hkdf
    }

    pub(crate) fn hkdf_sha384(&self) -> &'static dyn Hkdf {
        self.suite(CipherSuite::TLS13_AES_256_GCM_SHA384).hkdf
    }

    pub(crate) fn hmac_sha256(&self) -> &'static dyn Hmac {
        self.hkdf_sha256().hmac()
    }

    pub(crate) fn hmac_sha384(&self) -> &'static dyn Hmac {
        self.hkdf_sha384().hmac()
    }

    /// The TLS 1.2 PRF of the provider's SHA-256 and SHA-384 suites.
    pub(crate) fn tls12_prfs(&self) -> (&'static dyn Prf, &'static dyn Prf) {
        let prf = |suite| {
            self.provider
                .tls12_suite(suite)
                .unwrap_or_else(|| panic!("{}: no suite {suite:?}", self.name))
                .prf
        };
        (
            prf(CipherSuite::TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256),
            prf(CipherSuite::TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384),
        )
    }
}

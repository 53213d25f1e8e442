//! Cipher suites: which AEAD, hash and key derivation a suite code point means.
//!
//! A suite is plain data over `&'static dyn` algorithms, so a provider lists
//! suites without the record or handshake layers knowing which crate computes them.

use crate::aead::{AES_128_GCM, AES_256_GCM, Aead, CHACHA20_POLY1305};
use crate::hash::Hash;
use crate::hkdf::Hkdf;
use crate::ids::CipherSuite;
use crate::tls12_prf::Prf;
use qssl_wire::TlsVersion;

/// A TLS 1.3 cipher suite (RFC 8446 §B.4): an AEAD and the hash of the key schedule.
#[derive(Debug)]
pub struct Tls13CipherSuite {
    /// The suite's code point.
    pub suite: CipherSuite,
    /// Record protection.
    pub aead: &'static dyn Aead,
    /// The transcript hash.
    pub hash: &'static dyn Hash,
    /// HKDF over the same hash, for the key schedule.
    pub hkdf: &'static dyn Hkdf,
    /// How many records one key may protect before a KeyUpdate is due
    /// (RFC 8446 §5.5; AES-GCM 2^24.5, ChaCha20-Poly1305 effectively unlimited).
    pub confidentiality_limit: u64,
}

/// How a TLS 1.2 suite authenticates the server's ECDHE parameters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tls12Authentication {
    /// ECDHE_ECDSA suites: the server certificate holds an ECDSA key.
    Ecdsa,
    /// ECDHE_RSA suites: the server certificate holds an RSA key.
    Rsa,
}

/// How a TLS 1.2 AEAD suite builds its per-record nonce.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tls12NonceStyle {
    /// RFC 5288: 4-byte implicit salt from the key block ‖ 8-byte explicit nonce on the wire.
    GcmExplicit,
    /// RFC 7905: 12-byte IV from the key block XOR the sequence number, nothing on the wire.
    ChaChaXor,
}

/// A TLS 1.2 ECDHE AEAD cipher suite (RFC 5289, RFC 7905).
#[derive(Debug)]
pub struct Tls12CipherSuite {
    /// The suite's code point.
    pub suite: CipherSuite,
    /// Record protection.
    pub aead: &'static dyn Aead,
    /// The PRF (and so the hash of the handshake transcript).
    pub prf: &'static dyn Prf,
    /// The transcript hash, for extended master secret and Finished.
    pub hash: &'static dyn Hash,
    /// What kind of certificate key the suite needs.
    pub authentication: Tls12Authentication,
    /// Nonce construction.
    pub nonce: Tls12NonceStyle,
}

impl Tls12CipherSuite {
    /// Bytes of fixed IV the key block provides per direction.
    pub fn fixed_iv_len(&self) -> usize {
        match self.nonce {
            Tls12NonceStyle::GcmExplicit => 4,
            Tls12NonceStyle::ChaChaXor => 12,
        }
    }
}

/// Either version's suite.
#[derive(Debug, Clone, Copy)]
pub enum SupportedCipherSuite {
    /// A TLS 1.3 suite.
    Tls13(&'static Tls13CipherSuite),
    /// A TLS 1.2 suite.
    Tls12(&'static Tls12CipherSuite),
}

impl SupportedCipherSuite {
    /// The suite's code point.
    pub fn suite(&self) -> CipherSuite {
        match self {
            Self::Tls13(s) => s.suite,
            Self::Tls12(s) => s.suite,
        }
    }

    /// The protocol version the suite belongs to: a suite is defined for one version
    /// only (RFC 8446 §B.4, RFC 5246 §A.5), so negotiating it fixes the version.
    pub fn version(&self) -> TlsVersion {
        match self {
            Self::Tls13(_) => TlsVersion::Tls13,
            Self::Tls12(_) => TlsVersion::Tls12,
        }
    }

    /// The TLS 1.3 suite, if this is one.
    pub fn tls13(&self) -> Option<&'static Tls13CipherSuite> {
        match self {
            Self::Tls13(s) => Some(s),
            Self::Tls12(_) => None,
        }
    }
}

/// AES-GCM's limit is 2^24.5 records (RFC 8446 §5.5); round down.
pub(crate) const GCM_LIMIT: u64 = 23_726_566;

/// Declares every suite Q-SSL speaks and the two preference lists over one set of
/// AEAD implementations. Providers differ only in their AEADs (the hashes, HKDF and
/// PRF are ours in both), so the portable suites below and the aws-lc ones in
/// `provider::aws_lc` come from this one table and cannot drift apart.
macro_rules! suite_set {
    ($aes128:expr, $aes256:expr, $chacha:expr) => {
        $crate::suites::suite_set!(@tls13 TLS13_AES_128_GCM_SHA256, $aes128, SHA256, HKDF_SHA256, $crate::suites::GCM_LIMIT);
        $crate::suites::suite_set!(@tls13 TLS13_AES_256_GCM_SHA384, $aes256, SHA384, HKDF_SHA384, $crate::suites::GCM_LIMIT);
        $crate::suites::suite_set!(@tls13 TLS13_CHACHA20_POLY1305_SHA256, $chacha, SHA256, HKDF_SHA256, u64::MAX);
        $crate::suites::suite_set!(@tls12 TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384, $aes256, TLS12_PRF_SHA384, SHA384, Ecdsa, GcmExplicit);
        $crate::suites::suite_set!(@tls12 TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256, $aes128, TLS12_PRF_SHA256, SHA256, Ecdsa, GcmExplicit);
        $crate::suites::suite_set!(@tls12 TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256, $chacha, TLS12_PRF_SHA256, SHA256, Ecdsa, ChaChaXor);
        $crate::suites::suite_set!(@tls12 TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384, $aes256, TLS12_PRF_SHA384, SHA384, Rsa, GcmExplicit);
        $crate::suites::suite_set!(@tls12 TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256, $aes128, TLS12_PRF_SHA256, SHA256, Rsa, GcmExplicit);
        $crate::suites::suite_set!(@tls12 TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256, $chacha, TLS12_PRF_SHA256, SHA256, Rsa, ChaChaXor);

        /// The TLS 1.3 suites in Q-SSL's default preference order.
        pub static ALL_TLS13_SUITES: &[&$crate::suites::Tls13CipherSuite] = &[
            &TLS13_AES_128_GCM_SHA256,
            &TLS13_AES_256_GCM_SHA384,
            &TLS13_CHACHA20_POLY1305_SHA256,
        ];

        /// The TLS 1.2 suites in Q-SSL's default preference order (AEAD only).
        pub static ALL_TLS12_SUITES: &[&$crate::suites::Tls12CipherSuite] = &[
            &TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
            &TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
            &TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256,
            &TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,
            &TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
            &TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256,
        ];
    };
    (@tls13 $name:ident, $aead:expr, $hash:ident, $hkdf:ident, $limit:expr) => {
        #[doc = concat!("`", stringify!($name), "` (RFC 8446 §B.4).")]
        pub static $name: $crate::suites::Tls13CipherSuite = $crate::suites::Tls13CipherSuite {
            suite: $crate::ids::CipherSuite::$name,
            aead: $aead,
            hash: $crate::hash::$hash,
            hkdf: $crate::hkdf::$hkdf,
            confidentiality_limit: $limit,
        };
    };
    (@tls12 $name:ident, $aead:expr, $prf:ident, $hash:ident, $auth:ident, $nonce:ident) => {
        #[doc = concat!("`", stringify!($name), "` (RFC 5289 / RFC 7905).")]
        pub static $name: $crate::suites::Tls12CipherSuite = $crate::suites::Tls12CipherSuite {
            suite: $crate::ids::CipherSuite::$name,
            aead: $aead,
            prf: $crate::tls12_prf::$prf,
            hash: $crate::hash::$hash,
            authentication: $crate::suites::Tls12Authentication::$auth,
            nonce: $crate::suites::Tls12NonceStyle::$nonce,
        };
    };
}
pub(crate) use suite_set;

suite_set!(AES_128_GCM, AES_256_GCM, CHACHA20_POLY1305);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suites_pair_the_right_hash_and_key_length() {
        for s in ALL_TLS13_SUITES {
            let name = s.suite.name().unwrap();
            assert!(
                name.ends_with(&format!("SHA{}", s.hash.output_len() * 8)),
                "{name}"
            );
            assert_eq!(s.hkdf.hash_len(), s.hash.output_len());
        }
        for s in ALL_TLS12_SUITES {
            let name = s.suite.name().unwrap();
            assert!(
                name.ends_with(&format!("SHA{}", s.hash.output_len() * 8)),
                "{name}"
            );
            assert_eq!(s.prf.algorithm(), s.hash.algorithm());
            let key_bits = if name.contains("AES_128") { 16 } else { 32 };
            assert_eq!(s.aead.key_len(), key_bits, "{name}");
        }
    }

    #[test]
    fn a_suite_fixes_the_version() {
        for s in ALL_TLS13_SUITES {
            let either = SupportedCipherSuite::Tls13(s);
            assert_eq!(either.version(), TlsVersion::Tls13);
            assert_eq!(either.suite(), s.suite);
            assert!(either.tls13().is_some_and(|t| core::ptr::eq(t, *s)));
        }
        for s in ALL_TLS12_SUITES {
            let either = SupportedCipherSuite::Tls12(s);
            assert_eq!(either.version(), TlsVersion::Tls12);
            assert!(either.tls13().is_none());
        }
    }
}

//! Wire identifiers shared by every layer: cipher suites, named groups and
//! signature schemes.
//!
//! Each is an open newtype over its wire integer so that a code point Q-SSL does
//! not implement survives decode → encode (a ClientHello lists many we ignore)
//! and prints as hex instead of being rejected.

qssl_wire::wire_enum! {
    /// A TLS cipher suite (IANA "TLS Cipher Suites" registry).
    CipherSuite(u16) {
        /// TLS 1.3, RFC 8446 §B.4.
        TLS13_AES_128_GCM_SHA256 = 0x1301, "TLS_AES_128_GCM_SHA256";
        /// TLS 1.3, RFC 8446 §B.4.
        TLS13_AES_256_GCM_SHA384 = 0x1302, "TLS_AES_256_GCM_SHA384";
        /// TLS 1.3, RFC 8446 §B.4.
        TLS13_CHACHA20_POLY1305_SHA256 = 0x1303, "TLS_CHACHA20_POLY1305_SHA256";
        /// TLS 1.2, RFC 5289.
        TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256 = 0xC02B, "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256";
        /// TLS 1.2, RFC 5289.
        TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384 = 0xC02C, "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384";
        /// TLS 1.2, RFC 5289.
        TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256 = 0xC02F, "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256";
        /// TLS 1.2, RFC 5289.
        TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384 = 0xC030, "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384";
        /// TLS 1.2, RFC 7905.
        TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256 = 0xCCA8, "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256";
        /// TLS 1.2, RFC 7905.
        TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256 = 0xCCA9, "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256";
        /// Signalling value, RFC 5746 §3.3 (renegotiation_info in a TLS 1.2 ClientHello).
        TLS_EMPTY_RENEGOTIATION_INFO_SCSV = 0x00FF, "TLS_EMPTY_RENEGOTIATION_INFO_SCSV";
    }
}

qssl_wire::wire_enum! {
    /// A key exchange group (IANA "TLS Supported Groups" registry); names are
    /// OpenSSL's so that `-groups` lists carry over unchanged.
    NamedGroup(u16) {
        /// NIST P-256 ECDHE (RFC 8446).
        SECP256R1 = 0x0017, "secp256r1";
        /// NIST P-384 ECDHE (RFC 8446).
        SECP384R1 = 0x0018, "secp384r1";
        /// X25519 (RFC 7748, RFC 8446).
        X25519 = 0x001D, "x25519";
        /// ML-KEM-512 alone (draft-ietf-tls-mlkem).
        MLKEM512 = 0x0200, "MLKEM512";
        /// ML-KEM-768 alone (draft-ietf-tls-mlkem).
        MLKEM768 = 0x0201, "MLKEM768";
        /// ML-KEM-1024 alone (draft-ietf-tls-mlkem).
        MLKEM1024 = 0x0202, "MLKEM1024";
        /// P-256 ECDHE + ML-KEM-768 (draft-ietf-tls-ecdhe-mlkem).
        SECP256R1MLKEM768 = 0x11EB, "SecP256r1MLKEM768";
        /// X25519 + ML-KEM-768 (draft-ietf-tls-ecdhe-mlkem), the deployed default.
        X25519MLKEM768 = 0x11EC, "X25519MLKEM768";
        /// P-384 ECDHE + ML-KEM-1024 (draft-ietf-tls-ecdhe-mlkem).
        SECP384R1MLKEM1024 = 0x11ED, "SecP384r1MLKEM1024";
    }
}

impl NamedGroup {
    /// Parses a group name as OpenSSL's `-groups` accepts it: the names of
    /// [`from_name`](Self::from_name) plus the NIST aliases `P-256`, `P-384`
    /// and `prime256v1`.
    pub fn from_openssl_name(name: &str) -> Option<Self> {
        match name.to_ascii_lowercase().as_str() {
            "p-256" | "prime256v1" => Some(Self::SECP256R1),
            "p-384" => Some(Self::SECP384R1),
            _ => Self::from_name(name),
        }
    }

    /// Whether a connection using this group resists a quantum adversary:
    /// hybrids and pure ML-KEM.
    pub fn is_post_quantum(self) -> bool {
        matches!(self.0, 0x0200..=0x0202 | 0x11EB..=0x11ED)
    }

    /// Whether the group combines ML-KEM with a classical ECDH (the hybrids of
    /// draft-ietf-tls-ecdhe-mlkem): secure while either component holds.
    pub fn is_hybrid(self) -> bool {
        matches!(self.0, 0x11EB..=0x11ED)
    }
}

qssl_wire::wire_enum! {
    /// A signature scheme (IANA "TLS SignatureScheme" registry).
    SignatureScheme(u16) {
        /// RSASSA-PKCS1-v1_5 with SHA-256; certificate signatures only in TLS 1.3.
        RSA_PKCS1_SHA256 = 0x0401, "rsa_pkcs1_sha256";
        /// ECDSA over P-256 with SHA-256.
        ECDSA_SECP256R1_SHA256 = 0x0403, "ecdsa_secp256r1_sha256";
        /// RSASSA-PKCS1-v1_5 with SHA-384; certificate signatures only in TLS 1.3.
        RSA_PKCS1_SHA384 = 0x0501, "rsa_pkcs1_sha384";
        /// ECDSA over P-384 with SHA-384.
        ECDSA_SECP384R1_SHA384 = 0x0503, "ecdsa_secp384r1_sha384";
        /// RSASSA-PKCS1-v1_5 with SHA-512; certificate signatures only in TLS 1.3.
        RSA_PKCS1_SHA512 = 0x0601, "rsa_pkcs1_sha512";
        /// RSASSA-PSS with SHA-256, rsaEncryption key.
        RSA_PSS_RSAE_SHA256 = 0x0804, "rsa_pss_rsae_sha256";
        /// RSASSA-PSS with SHA-384, rsaEncryption key.
        RSA_PSS_RSAE_SHA384 = 0x0805, "rsa_pss_rsae_sha384";
        /// RSASSA-PSS with SHA-512, rsaEncryption key.
        RSA_PSS_RSAE_SHA512 = 0x0806, "rsa_pss_rsae_sha512";
        /// Ed25519 (RFC 8032).
        ED25519 = 0x0807, "ed25519";
        /// ML-DSA-44 (FIPS 204, draft-ietf-tls-mldsa).
        MLDSA44 = 0x0904, "mldsa44";
        /// ML-DSA-65 (FIPS 204, draft-ietf-tls-mldsa).
        MLDSA65 = 0x0905, "mldsa65";
        /// ML-DSA-87 (FIPS 204, draft-ietf-tls-mldsa).
        MLDSA87 = 0x0906, "mldsa87";
    }
}

impl SignatureScheme {
    /// Whether signatures of this scheme resist a quantum adversary (ML-DSA).
    pub fn is_post_quantum(self) -> bool {
        matches!(self.0, 0x0904..=0x0906)
    }

    /// Whether TLS 1.3 allows the scheme in `CertificateVerify` (RFC 8446 §4.2.3: the
    /// PKCS#1 v1.5 schemes are for certificate signatures only).
    pub fn usable_in_tls13_handshake(self) -> bool {
        self.name().is_some()
            && !matches!(
                self,
                Self::RSA_PKCS1_SHA256 | Self::RSA_PKCS1_SHA384 | Self::RSA_PKCS1_SHA512
            )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_unknowns_print_hex() {
        assert_eq!(
            NamedGroup::from_name("X25519MLKEM768"),
            Some(NamedGroup(0x11EC))
        );
        assert_eq!(
            NamedGroup::from_name("secp384r1"),
            Some(NamedGroup::SECP384R1)
        );
        assert_eq!(NamedGroup::from_name("ffdhe2048"), None);
        assert_eq!(format!("{:?}", NamedGroup(0x0100)), "NamedGroup(0x0100)");
        assert_eq!(SignatureScheme::MLDSA65.to_string(), "mldsa65");
        assert_eq!(CipherSuite(0x1302).to_string(), "TLS_AES_256_GCM_SHA384");
    }

    #[test]
    fn post_quantum_classification() {
        let pq = [
            NamedGroup::MLKEM512,
            NamedGroup::MLKEM768,
            NamedGroup::MLKEM1024,
            NamedGroup::X25519MLKEM768,
            NamedGroup::SECP256R1MLKEM768,
            NamedGroup::SECP384R1MLKEM1024,
        ];
        for g in pq {
            assert!(g.is_post_quantum(), "{g}");
        }
        for g in [
            NamedGroup::X25519,
            NamedGroup::SECP256R1,
            NamedGroup::SECP384R1,
            NamedGroup(0x0203),
        ] {
            assert!(!g.is_post_quantum(), "{g}");
        }
        assert!(SignatureScheme::MLDSA44.is_post_quantum());
        assert!(!SignatureScheme::ED25519.is_post_quantum());
    }
}

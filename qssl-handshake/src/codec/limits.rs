//! Size caps for peer-supplied lengths, sized for post-quantum payloads.
//!
//! Each constant caps one length prefix below what its RFC vector allows: a peer
//! exceeding one gets [`InvalidMessage::TooLarge`](crate::InvalidMessage::TooLarge)
//! (`decode_error`). The whole-message caps are run-time settings ([`DecodeLimits`]).

/// Largest `KeyShareEntry.key_exchange` accepted (`opaque key_exchange<1..2^16-1>`).
///
/// The largest share of any group Q-SSL knows: a SecP384r1MLKEM1024 client share,
/// P-384 uncompressed point (97) ‖ ML-KEM-1024 encapsulation key (1568) = 1665 bytes
/// (X25519MLKEM768: 1216, MLKEM1024: 1568). Exact per-group lengths are checked by the
/// key exchange (`illegal_parameter`); this cap only bounds what is stored.
pub const MAX_KEY_EXCHANGE_LEN: usize = 1568 + 97;

/// Largest CertificateVerify signature accepted (`opaque signature<0..2^16-1>`):
/// ML-DSA-87 signatures are 4,627 bytes and RSA-8192 1,024; 8 KiB leaves room for
/// composite (ML-DSA + classical) signatures.
pub const MAX_SIGNATURE_LEN: usize = 8 * 1024;

/// Largest single certificate accepted (`opaque cert_data<1..2^24-1>`): ML-DSA-87
/// certificates are about 7.5 KB; 64 KiB leaves room for large SAN lists.
pub const MAX_CERTIFICATE_LEN: usize = 64 * 1024;

/// Most extensions in one extension block (any message; RFC 8446 §4.2 lets 2^16 - 1
/// bytes hold 16,383 empty ones). Browsers send under 20 in a ClientHello, GREASE
/// included, and the IANA registry names about 60 types; a peer sending more is
/// refused before the 65th is stored.
pub const MAX_EXTENSIONS: usize = 64;

/// Most `KeyShareEntry`s in a ClientHello's key_share (`<0..2^16-1>` would allow
/// about 13,000 tiny ones). Clients send one to three, plus a GREASE share; Q-SSL
/// knows eight groups.
pub const MAX_KEY_SHARES: usize = 16;

/// Most certificates in a Certificate message (TLS 1.3 and TLS 1.2). Real chains have
/// two to five; path building is bounded separately (`PathTooComplex`), this bounds
/// what is parsed and stored (the message size cap alone would admit tens of
/// thousands of one-byte certificates).
pub const MAX_CERTIFICATE_ENTRIES: usize = 32;

/// Default [`DecodeLimits::max_message_len`]: every handshake message other than
/// Certificate. A ClientHello offering every hybrid share Q-SSL knows is about 6 KB.
pub const DEFAULT_MAX_MESSAGE_LEN: usize = 64 * 1024;

/// Default [`DecodeLimits::max_certificate_message_len`]: room for a chain of several
/// ML-DSA certificates with stapled OCSP responses.
pub const DEFAULT_MAX_CERTIFICATE_MESSAGE_LEN: usize = 256 * 1024;

/// Run-time caps on whole handshake messages, applied to the 24-bit length in the
/// handshake header before a byte of the body is buffered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DecodeLimits {
    /// Cap on the body of any message except Certificate and CompressedCertificate.
    pub max_message_len: usize,
    /// Cap on the body of Certificate and CompressedCertificate messages.
    pub max_certificate_message_len: usize,
}

impl Default for DecodeLimits {
    fn default() -> Self {
        Self {
            max_message_len: DEFAULT_MAX_MESSAGE_LEN,
            max_certificate_message_len: DEFAULT_MAX_CERTIFICATE_MESSAGE_LEN,
        }
    }
}

impl DecodeLimits {
    /// The cap on the body of a message of type `typ`.
    pub fn max_for(&self, typ: super::HandshakeType) -> usize {
        match typ {
            super::HandshakeType::CERTIFICATE | super::HandshakeType::COMPRESSED_CERTIFICATE => {
                self.max_certificate_message_len
            }
            _ => self.max_message_len,
        }
    }
}

//! Size and usage limits of the record layer, with their sources.

/// Largest TLSPlaintext fragment: 2^14 (RFC 8446 §5.1, RFC 5246 §6.2.1).
pub const MAX_PLAINTEXT_LEN: usize = 1 << 14;
/// Largest TLS 1.3 TLSInnerPlaintext: content + type byte (RFC 8446 §5.4).
pub const MAX_INNER_PLAINTEXT_LEN_TLS13: usize = MAX_PLAINTEXT_LEN + 1;
/// Largest TLS 1.3 TLSCiphertext.length: 2^14 + 256 (RFC 8446 §5.2).
pub const MAX_CIPHERTEXT_LEN_TLS13: usize = MAX_PLAINTEXT_LEN + 256;
/// Largest TLS 1.2 TLSCiphertext.length: 2^14 + 2048 (RFC 5246 §6.2.3).
pub const MAX_CIPHERTEXT_LEN_TLS12: usize = MAX_PLAINTEXT_LEN + 2048;
/// Smallest record_size_limit a peer may send (RFC 8449 §4).
pub const MIN_RECORD_SIZE_LIMIT: usize = 64;

/// Zero-length records (only application data may be empty, RFC 8446 §5.4) accepted
/// in a row; the next one is `unexpected_message`. OpenSSL's `MAX_EMPTY_RECORDS` is
/// the same 32. A non-empty record of any type starts the count again.
pub const MAX_EMPTY_RECORDS_IN_A_ROW: usize = 32;

/// Records sealed under one AES-GCM key before `SealStatus::KeyUpdateDue`
/// (see [`crate::SealStatus`]). RFC 8446 §5.5 allows 2^24.5 full-size records; we ask
/// for a new key at 2^24 to keep a margin.
pub const AES_GCM_KEY_UPDATE_THRESHOLD: u64 = 1 << 24;
/// The same for ChaCha20-Poly1305. RFC 8446 §5.5: "the record sequence number
/// would wrap before the safety limit is reached"; we still ask at 2^62 so the
/// connection rekeys long before the sequence number runs out.
pub const CHACHA20_POLY1305_KEY_UPDATE_THRESHOLD: u64 = 1 << 62;

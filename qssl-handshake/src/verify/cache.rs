//! A client's cache of server chains it has validated (seed §7.4 "certificate
//! caching"): a repeat connection to the same server name that presents the same
//! chain, verified by the same verifier (so the same trust anchors and algorithms),
//! within the window in which every certificate of the chain is valid, gets the
//! path validated the first time instead of building and checking it again. Path
//! validation — several signature verifications, ML-DSA ones among them — is what it
//! saves; the server's CertificateVerify is always checked, so the server still
//! proves it holds the key.
//!
//! Not cached: anything with an OCSP staple or under `require_ocsp` (a revocation
//! status is a fresh statement each time), and failures (a chain that failed is
//! validated again, and fails again, with its precise error).

use std::sync::Mutex;

use super::{CertificateDer, ServerName, UnixTime, VerifiedPath};

/// Chains kept per verifier (least recently used goes first). A client talks to few
/// servers; each entry is a digest and a short path.
pub(crate) const CHAIN_CACHE_ENTRIES: usize = 64;

/// One validated chain: the path, and the seconds between which all the chain's
/// certificates are valid.
#[derive(Debug, Clone)]
struct Entry {
    path: VerifiedPath,
    not_before: u64,
    not_after: u64,
}

/// The cache, shared by the clones of one verifier.
#[derive(Debug)]
pub(crate) struct ChainCache {
    entries: Mutex<lru::LruCache<[u8; 32], Entry>>,
}

impl ChainCache {
    pub(crate) fn new() -> Self {
        Self {
            entries: Mutex::new(lru::LruCache::new(
                core::num::NonZeroUsize::MIN.saturating_add(CHAIN_CACHE_ENTRIES - 1),
            )),
        }
    }

    /// The key: the server name and every certificate as sent, in order.
    pub(crate) fn key(
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
    ) -> [u8; 32] {
        use sha2::Digest;
        let mut h = sha2::Sha256::new();
        let mut field = |b: &[u8]| {
            h.update((b.len() as u64).to_be_bytes());
            h.update(b);
        };
        field(server_name.to_str().as_bytes());
        field(end_entity.as_ref());
        for c in intermediates {
            field(c.as_ref());
        }
        h.finalize().into()
    }

    /// The path validated for `key`, if it is cached and `now` is inside its
    /// validity window.
    pub(crate) fn get(&self, key: &[u8; 32], now: UnixTime) -> Option<VerifiedPath> {
        let now = now.as_secs();
        let mut entries = self.entries.lock().ok()?;
        let entry = entries.get(key)?;
        if now < entry.not_before || now > entry.not_after {
            entries.pop(key);
            return None;
        }
        Some(entry.path.clone())
    }

    /// Remembers `path` for `key`, if every certificate's validity parses (else the
    /// chain is simply validated again next time).
    pub(crate) fn put(
        &self,
        key: [u8; 32],
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        path: &VerifiedPath,
    ) {
        let Some((not_before, not_after)) = validity_window(end_entity, intermediates) else {
            return;
        };
        if let Ok(mut entries) = self.entries.lock() {
            entries.put(
                key,
                Entry {
                    path: path.clone(),
                    not_before,
                    not_after,
                },
            );
        }
    }

    /// Chains currently cached.
    pub(crate) fn len(&self) -> usize {
        self.entries.lock().map_or(0, |e| e.len())
    }
}

/// The latest notBefore and earliest notAfter over the certificates sent, in Unix
/// seconds: inside it, none of them has expired or is not yet valid.
fn validity_window(
    end_entity: &CertificateDer<'_>,
    intermediates: &[CertificateDer<'_>],
) -> Option<(u64, u64)> {
    use x509_cert::der::Decode;
    let mut window = (0u64, u64::MAX);
    for der in core::iter::once(end_entity).chain(intermediates) {
        let cert = x509_cert::Certificate::from_der(der.as_ref()).ok()?;
        let validity = cert.tbs_certificate().validity();
        let not_before = validity.not_before.to_unix_duration().as_secs();
        let not_after = validity.not_after.to_unix_duration().as_secs();
        window = (window.0.max(not_before), window.1.min(not_after));
    }
    Some(window)
}

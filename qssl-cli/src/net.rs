//! Pieces of `server`, `client` and `demo` that do not depend on TLS: group and ALPN
//! lists, and a byte-counting stream.

use std::io::{self, Read, Write};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use qssl::default_crypto_provider as default_provider;
use qssl_crypto::ids::{NamedGroup, SignatureScheme};

/// Parses an OpenSSL-style `-groups` list (`X25519MLKEM768:x25519`), keeping only
/// groups the default provider implements.
pub(crate) fn parse_groups(list: &str) -> Result<Vec<NamedGroup>, String> {
    let provider = default_provider();
    let known = || {
        provider
            .kx_groups
            .iter()
            .map(|g| g.name().to_string())
            .collect::<Vec<_>>()
            .join(", ")
    };
    let mut groups = Vec::new();
    for name in list.split(':') {
        let group = NamedGroup::from_openssl_name(name)
            .filter(|g| provider.kx_group(*g).is_some())
            .ok_or_else(|| format!("unknown group '{name}' (known: {})", known()))?;
        if !groups.contains(&group) {
            groups.push(group);
        }
    }
    Ok(groups)
}

/// Parses an OpenSSL-style `-sigalgs` list of TLS 1.3 scheme names
/// (`mldsa65:ecdsa_secp256r1_sha256`), keeping only schemes the default provider
/// verifies and TLS 1.3 allows in a CertificateVerify.
pub(crate) fn parse_sigalgs(list: &str) -> Result<Vec<SignatureScheme>, String> {
    let provider = default_provider();
    let usable = |s: SignatureScheme| {
        s.usable_in_tls13_handshake()
            && provider.signature_verifiers.iter().any(|v| v.scheme() == s)
    };
    let known = || {
        SignatureScheme::KNOWN
            .iter()
            .copied()
            .filter(|s| usable(*s))
            .map(|s| s.to_string())
            .collect::<Vec<_>>()
            .join(", ")
    };
    let mut schemes = Vec::new();
    for name in list.split(':') {
        let scheme = SignatureScheme::from_name(name)
            .filter(|s| usable(*s))
            .ok_or_else(|| format!("unknown signature scheme '{name}' (known: {})", known()))?;
        if !schemes.contains(&scheme) {
            schemes.push(scheme);
        }
    }
    Ok(schemes)
}

/// Parses a comma-separated ALPN list (`h2,http/1.1`).
pub(crate) fn parse_alpn(list: &str) -> Result<Vec<Vec<u8>>, String> {
    list.split(',')
        .map(|p| {
            if p.is_empty() || p.len() > 255 {
                Err(format!("ALPN protocol '{p}' must be 1 to 255 bytes"))
            } else {
                Ok(p.as_bytes().to_vec())
            }
        })
        .collect()
}

/// Bytes read and written through a [`Counted`] stream.
#[derive(Debug, Default)]
pub(crate) struct Counters {
    read: AtomicU64,
    written: AtomicU64,
}

impl Counters {
    /// (bytes read, bytes written) so far.
    pub(crate) fn get(&self) -> (u64, u64) {
        (
            self.read.load(Ordering::Relaxed),
            self.written.load(Ordering::Relaxed),
        )
    }
}

/// A stream that counts the bytes crossing it (the TLS bytes on the wire, when it
/// wraps the socket under a TLS connection).
#[derive(Debug)]
pub(crate) struct Counted<S> {
    /// The wrapped stream.
    pub(crate) inner: S,
    /// Shared counters.
    pub(crate) counters: Arc<Counters>,
}

impl<S: Read> Read for Counted<S> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.counters.read.fetch_add(n as u64, Ordering::Relaxed);
        Ok(n)
    }
}

impl<S: Write> Write for Counted<S> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.counters.written.fetch_add(n as u64, Ordering::Relaxed);
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn groups_use_openssl_names() {
        assert_eq!(
            parse_groups("X25519MLKEM768:SecP384r1MLKEM1024:x25519:P-256"),
            Ok(vec![
                NamedGroup::X25519MLKEM768,
                NamedGroup::SECP384R1MLKEM1024,
                NamedGroup::X25519,
                NamedGroup::SECP256R1
            ])
        );
        let err = parse_groups("X25519MLKEM768:kyber1024").unwrap_err();
        assert!(
            err.contains("'kyber1024'") && err.contains("MLKEM1024"),
            "{err}"
        );
        // Parsed by name but not implemented: refused, not silently dropped.
        assert!(parse_groups("MLKEM512").is_err());
        assert!(parse_groups("").is_err());
    }

    #[test]
    fn alpn_lists() {
        assert_eq!(
            parse_alpn("h2,http/1.1"),
            Ok(vec![b"h2".to_vec(), b"http/1.1".to_vec()])
        );
        assert!(parse_alpn("h2,,x").is_err());
        assert!(parse_alpn(&"x".repeat(256)).is_err());
    }

    #[test]
    fn counted_counts_both_directions() {
        let counters = Arc::new(Counters::default());
        let mut s = Counted {
            inner: io::Cursor::new(b"hello".to_vec()),
            counters: counters.clone(),
        };
        let mut buf = [0u8; 3];
        s.read_exact(&mut buf).unwrap();
        s.write_all(b"abcdef").unwrap();
        assert_eq!(counters.get(), (3, 6));
    }
}

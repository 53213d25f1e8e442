//! Hash functions: SHA-256 and SHA-384.
//!
//! Algorithms are `&'static dyn Hash` values so that a second provider (aws-lc)
//! can stand in without touching the handshake. A [`HashContext`] can be
//! [forked](HashContext::fork_finish) because the TLS transcript hash is read at
//! several points (after ServerHello, after server Finished, …) while it keeps
//! growing.

use core::fmt;
use sha2::Digest;

/// Room for the largest output of any hash a provider may offer (SHA-512),
/// which sizes [`HashOutput`] without an allocation.
pub const MAX_HASH_LEN: usize = 64;

/// Which hash function an algorithm value implements.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum HashAlgorithm {
    /// SHA-256 (FIPS 180-4), 32-byte output.
    Sha256,
    /// SHA-384 (FIPS 180-4), 48-byte output.
    Sha384,
}

impl HashAlgorithm {
    /// Output length in bytes (`Hash.length` in RFC 8446).
    pub const fn output_len(self) -> usize {
        match self {
            Self::Sha256 => 32,
            Self::Sha384 => 48,
        }
    }

    /// Input block length in bytes (`B` in RFC 2104).
    pub const fn block_len(self) -> usize {
        match self {
            Self::Sha256 => 64,
            Self::Sha384 => 128,
        }
    }
}

/// A digest value (or an HMAC tag) held inline: no allocation, `Copy`.
///
/// Holds public values such as transcript hashes and Finished verify_data; code
/// that puts a secret in one wipes it with [`zeroize::Zeroize`] itself.
#[derive(Clone, Copy)]
pub struct HashOutput {
    buf: [u8; MAX_HASH_LEN],
    len: usize,
}

impl HashOutput {
    // Panics if `bytes` is longer than MAX_HASH_LEN: only hash and HMAC
    // implementations call this, with their own fixed-size output.
    pub(crate) fn new(bytes: &[u8]) -> Self {
        let mut buf = [0u8; MAX_HASH_LEN];
        buf[..bytes.len()].copy_from_slice(bytes);
        Self {
            buf,
            len: bytes.len(),
        }
    }

    /// The digest bytes.
    pub fn as_bytes(&self) -> &[u8] {
        &self.buf[..self.len]
    }
}

impl AsRef<[u8]> for HashOutput {
    fn as_ref(&self) -> &[u8] {
        self.as_bytes()
    }
}

impl PartialEq for HashOutput {
    /// Not constant-time: for public values. Compare secrets or MACs with
    /// [`crate::hmac::HmacKey::verify`] or `subtle`.
    fn eq(&self, other: &Self) -> bool {
        self.as_bytes() == other.as_bytes()
    }
}

impl Eq for HashOutput {}

impl fmt::Debug for HashOutput {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("HashOutput(")?;
        for b in self.as_bytes() {
            write!(f, "{b:02x}")?;
        }
        f.write_str(")")
    }
}

impl zeroize::Zeroize for HashOutput {
    fn zeroize(&mut self) {
        self.buf.zeroize();
        self.len = 0;
    }
}

/// A hash function.
pub trait Hash: Send + Sync + fmt::Debug {
    /// Which function this is.
    fn algorithm(&self) -> HashAlgorithm;

    /// Output length in bytes.
    fn output_len(&self) -> usize {
        self.algorithm().output_len()
    }

    /// Hashes `data` in one go.
    fn hash(&self, data: &[u8]) -> HashOutput;

    /// Starts an incremental hash.
    fn start(&self) -> Box<dyn HashContext>;
}

/// An incremental hash computation.
pub trait HashContext: Send + Sync {
    /// Which function this is.
    fn algorithm(&self) -> HashAlgorithm;

    /// Adds `data` to the input.
    fn update(&mut self, data: &[u8]);

    /// An independent copy of the current state.
    fn fork(&self) -> Box<dyn HashContext>;

    /// The hash of everything so far, leaving `self` open for more input.
    fn fork_finish(&self) -> HashOutput;

    /// The hash of everything so far.
    fn finish(self: Box<Self>) -> HashOutput;
}

/// SHA-256 (FIPS 180-4).
pub static SHA256: &dyn Hash = &Sha2Hash::<sha2::Sha256> {
    alg: HashAlgorithm::Sha256,
    _d: core::marker::PhantomData,
};

/// SHA-384 (FIPS 180-4).
pub static SHA384: &dyn Hash = &Sha2Hash::<sha2::Sha384> {
    alg: HashAlgorithm::Sha384,
    _d: core::marker::PhantomData,
};

struct Sha2Hash<D> {
    alg: HashAlgorithm,
    _d: core::marker::PhantomData<fn() -> D>,
}

impl<D> fmt::Debug for Sha2Hash<D> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.alg, f)
    }
}

impl<D> Hash for Sha2Hash<D>
where
    D: Digest + Clone + Send + Sync + 'static,
{
    fn algorithm(&self) -> HashAlgorithm {
        self.alg
    }

    fn hash(&self, data: &[u8]) -> HashOutput {
        HashOutput::new(&D::digest(data))
    }

    fn start(&self) -> Box<dyn HashContext> {
        Box::new(Sha2Context {
            alg: self.alg,
            state: D::new(),
        })
    }
}

struct Sha2Context<D> {
    alg: HashAlgorithm,
    state: D,
}

impl<D> HashContext for Sha2Context<D>
where
    D: Digest + Clone + Send + Sync + 'static,
{
    fn algorithm(&self) -> HashAlgorithm {
        self.alg
    }

    fn update(&mut self, data: &[u8]) {
        Digest::update(&mut self.state, data);
    }

    fn fork(&self) -> Box<dyn HashContext> {
        Box::new(Sha2Context {
            alg: self.alg,
            state: self.state.clone(),
        })
    }

    fn fork_finish(&self) -> HashOutput {
        HashOutput::new(&self.state.clone().finalize())
    }

    fn finish(self: Box<Self>) -> HashOutput {
        HashOutput::new(&self.state.finalize())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ids::CipherSuite;
    use crate::provider::compiled_providers;

    /// Every provider's SHA-256 and SHA-384 (from its suites), with its name.
    fn hashes() -> Vec<(&'static str, &'static dyn Hash, &'static dyn Hash)> {
        compiled_providers()
            .into_iter()
            .map(|(name, p)| {
                let sha256 = p
                    .tls13_suite(CipherSuite::TLS13_AES_128_GCM_SHA256)
                    .unwrap();
                let sha384 = p
                    .tls13_suite(CipherSuite::TLS13_AES_256_GCM_SHA384)
                    .unwrap();
                (name, sha256.hash, sha384.hash)
            })
            .collect()
    }

    // FIPS 180-2 Appendix B.1 / D.1: the one-block message "abc".
    #[test]
    fn fips_180_abc() {
        for (name, sha256, sha384) in hashes() {
            assert_eq!(sha256.algorithm(), HashAlgorithm::Sha256, "{name}");
            assert_eq!(sha384.algorithm(), HashAlgorithm::Sha384, "{name}");
            assert_eq!(
                hex::encode(sha256.hash(b"abc")),
                "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
                "{name}"
            );
            assert_eq!(
                hex::encode(sha384.hash(b"abc")),
                "cb00753f45a35e8bb5a03d699ac65007272c32ab0eded1631a8b605a43ff5bed\
                 8086072ba1e7cc2358baeca134c825a7",
                "{name}"
            );
        }
    }

    #[test]
    fn incremental_fork_and_finish_agree_with_one_shot() {
        for (name, sha256, sha384) in hashes() {
            for h in [sha256, sha384] {
                let mut ctx = h.start();
                assert_eq!(ctx.algorithm(), h.algorithm(), "{name}");
                ctx.update(b"ab");
                let forked = ctx.fork();
                assert_eq!(ctx.fork_finish(), h.hash(b"ab"), "{name}");
                ctx.update(b"c");
                assert_eq!(ctx.fork_finish(), h.hash(b"abc"), "{name}");
                assert_eq!(ctx.finish(), h.hash(b"abc"), "{name}");
                // The fork taken before "c" must not have seen it.
                assert_eq!(forked.finish(), h.hash(b"ab"), "{name}");
                assert_eq!(h.hash(b"").as_bytes().len(), h.output_len(), "{name}");
            }
        }
    }
}

//! A buffer for secret bytes that is wiped when dropped.

use core::fmt;
use subtle::ConstantTimeEq;
use zeroize::{Zeroize, ZeroizeOnDrop};

/// Secret bytes (a derived key, a master secret, a PSK), wiped on drop.
///
/// Not `Clone` (a copy would be one more thing to wipe), `Debug` prints only the
/// length, and equality is constant-time. Held on the heap so that moving the
/// value does not leave copies of the bytes behind on the stack.
#[derive(Zeroize, ZeroizeOnDrop)]
pub struct Secret(Box<[u8]>);

impl Secret {
    /// `len` zero bytes, to be filled through [`expose_mut`](Self::expose_mut).
    pub fn zeroed(len: usize) -> Self {
        Self(vec![0u8; len].into_boxed_slice())
    }

    /// A copy of `bytes`; the caller remains responsible for wiping its own copy.
    pub fn from_slice(bytes: &[u8]) -> Self {
        Self(bytes.into())
    }

    /// The secret bytes. Named so that every read of a secret stands out.
    pub fn expose(&self) -> &[u8] {
        &self.0
    }

    /// The secret bytes, writable.
    pub fn expose_mut(&mut self) -> &mut [u8] {
        &mut self.0
    }

    /// Length in bytes (not secret).
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether the secret is empty.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Secret([REDACTED; {}])", self.0.len())
    }
}

impl PartialEq for Secret {
    /// Constant-time in the contents (lengths are public).
    fn eq(&self, other: &Self) -> bool {
        self.0.ct_eq(&other.0).into()
    }
}

impl Eq for Secret {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_is_redacted_and_eq_compares_contents() {
        let s = Secret::from_slice(&[0xAB; 5]);
        let dbg = format!("{s:?}");
        assert_eq!(dbg, "Secret([REDACTED; 5])");
        assert!(!dbg.to_lowercase().contains("ab,"));
        assert_eq!(s, Secret::from_slice(&[0xAB; 5]));
        assert_ne!(s, Secret::from_slice(&[0xAB, 0xAB, 0xAB, 0xAB, 0xAC]));
        assert_ne!(s, Secret::from_slice(&[0xAB; 4]));
        let mut z = Secret::zeroed(3);
        z.expose_mut().copy_from_slice(b"abc");
        assert_eq!(z.expose(), b"abc");
        assert_eq!(z.len(), 3);
        assert!(!z.is_empty());
    }
}

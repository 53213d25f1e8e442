//! [`RootCertStore`]: the trust anchors a verifier builds paths to.

use rustls_pki_types::{CertificateDer, TrustAnchor};

use super::error::{CertificateError, from_webpki};

/// A set of trust anchors (root CA certificates reduced to subject, public key and
/// name constraints, as `webpki` uses them).
///
/// Adding a certificate does not check that it is a CA: it is trusted because the
/// application says so. Only its subject, public key and name constraints are kept;
/// its validity period, basicConstraints and pathLenConstraint are not enforced
/// (RFC 5280 §6.1.1 (d) leaves that optional, and `webpki` does not).
///
/// A self-signed end-entity certificate added here does verify today as a chain of
/// one (nothing asks whether an anchor is a CA), but `webpki` documents self-signed
/// leaves as unsupported: prefer trusting the CA that issued the leaf.
#[derive(Debug, Clone, Default)]
pub struct RootCertStore {
    anchors: Vec<TrustAnchor<'static>>,
}

impl RootCertStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds the certificate `der` (X.509 v3, or v1 as old roots are) as a trust anchor.
    ///
    /// [`CertificateError::BadEncoding`] (or another mapped `webpki` error) if it does
    /// not parse; the store is then unchanged.
    pub fn add(&mut self, der: CertificateDer<'_>) -> Result<(), CertificateError> {
        let anchor = webpki::anchor_from_trusted_cert(&der).map_err(from_webpki)?;
        self.anchors.push(anchor.to_owned());
        Ok(())
    }

    /// Adds every `CERTIFICATE` block of the PEM document `pem`; returns how many.
    ///
    /// All or nothing: if the document holds no `CERTIFICATE` block, a block with
    /// another label, or a block that fails to decode, nothing is added and the error
    /// is [`CertificateError::BadEncoding`] (or another mapped `webpki` error).
    pub fn add_pem(&mut self, pem: &str) -> Result<usize, CertificateError> {
        let ders =
            qssl_crypto::pki::pem_certificates(pem).map_err(|_| CertificateError::BadEncoding)?;
        let mut anchors = Vec::with_capacity(ders.len());
        for der in &ders {
            let der = CertificateDer::from(der.as_slice());
            let anchor = webpki::anchor_from_trusted_cert(&der).map_err(from_webpki)?;
            anchors.push(anchor.to_owned());
        }
        let added = anchors.len();
        self.anchors.extend(anchors);
        Ok(added)
    }

    /// How many trust anchors the store holds.
    pub fn len(&self) -> usize {
        self.anchors.len()
    }

    /// Whether the store holds no trust anchor.
    pub fn is_empty(&self) -> bool {
        self.anchors.is_empty()
    }

    /// The subject of every anchor as a DER `DistinguishedName` (the complete
    /// `SEQUENCE`, tag and length included), in insertion order: what a server lists
    /// in the `certificate_authorities` extension of a CertificateRequest.
    pub fn subjects(&self) -> Vec<Vec<u8>> {
        self.anchors
            .iter()
            .map(|a| der_sequence(a.subject.as_ref()))
            .collect()
    }

    /// The trust anchors, in insertion order.
    pub fn anchors(&self) -> &[TrustAnchor<'static>] {
        &self.anchors
    }
}

/// `webpki` keeps a Name's (and an anchor's SPKI's) contents without the `SEQUENCE`
/// header; TLS and OCSP use the whole DER value.
pub(super) fn der_sequence(contents: &[u8]) -> Vec<u8> {
    let len = contents.len();
    let mut out = Vec::with_capacity(len + 6);
    out.push(0x30);
    if len < 0x80 {
        out.push(len as u8);
    } else {
        let bytes = len.to_be_bytes();
        let skip = bytes.iter().take_while(|b| **b == 0).count();
        out.push(0x80 | (bytes.len() - skip) as u8);
        out.extend_from_slice(&bytes[skip..]);
    }
    out.extend_from_slice(contents);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn der_sequence_lengths() {
        assert_eq!(der_sequence(&[]), [0x30, 0x00]);
        assert_eq!(der_sequence(&[1; 0x7f])[..2], [0x30, 0x7f]);
        assert_eq!(der_sequence(&[1; 0x80])[..3], [0x30, 0x81, 0x80]);
        assert_eq!(der_sequence(&[1; 0x1234])[..4], [0x30, 0x82, 0x12, 0x34]);
    }

    #[test]
    fn garbage_is_refused_and_store_unchanged() {
        let mut store = RootCertStore::new();
        assert_eq!(
            store.add(CertificateDer::from(&[0x30, 0x03, 0x02, 0x01][..])),
            Err(CertificateError::BadEncoding)
        );
        assert!(store.is_empty());
        assert_eq!(
            store.add_pem("no pem here"),
            Err(CertificateError::BadEncoding)
        );
        let bad = "-----BEGIN CERTIFICATE-----\nMAA=\n-----END CERTIFICATE-----\n";
        assert_eq!(store.add_pem(bad), Err(CertificateError::BadEncoding));
        assert_eq!(store.len(), 0);
    }
}

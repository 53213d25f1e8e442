//! The DER this crate writes and reads itself: SubjectPublicKeyInfo from a token's
//! public key attributes, ECDSA signatures from the raw `r‖s` tokens return, and the
//! SubjectPublicKeyInfo out of a certificate.

use der::{Decode, Encode};
use qssl_crypto::sign::KeyAlgorithm;

use crate::error::HsmError;

// OBJECT IDENTIFIER TLVs.
pub(crate) const OID_P256: &[u8] = &[0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07];
pub(crate) const OID_P384: &[u8] = &[0x06, 0x05, 0x2b, 0x81, 0x04, 0x00, 0x22];
pub(crate) const OID_ED25519: &[u8] = &[0x06, 0x03, 0x2b, 0x65, 0x70];
/// `edwards25519` as a PrintableString: the CKA_EC_PARAMS form PKCS#11 3.0 allows
/// and SoftHSM2 accepts.
pub(crate) const NAME_ED25519: &[u8] = b"\x13\x0cedwards25519";
const OID_EC_PUBLIC_KEY: &[u8] = &[0x06, 0x07, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01];
const OID_RSA: &[u8] = &[
    0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01,
];
const OID_MLDSA_PREFIX: &[u8] = &[0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x03];

/// Appends a DER length.
fn push_len(out: &mut Vec<u8>, len: usize) {
    if len < 0x80 {
        out.push(len as u8);
    } else {
        let bytes = len.to_be_bytes();
        let skip = bytes.iter().take_while(|&&b| b == 0).count();
        out.push(0x80 | (bytes.len() - skip) as u8);
        out.extend_from_slice(&bytes[skip..]);
    }
}

pub(crate) fn tlv(tag: u8, body: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(body.len() + 6);
    out.push(tag);
    push_len(&mut out, body.len());
    out.extend_from_slice(body);
    out
}

/// A DER INTEGER from unsigned big-endian bytes (minimal, non-negative).
pub(crate) fn unsigned_integer(bytes: &[u8]) -> Vec<u8> {
    let skip = bytes.iter().take_while(|&&b| b == 0).count();
    let trimmed = &bytes[skip..];
    let mut body = Vec::with_capacity(trimmed.len() + 1);
    if trimmed.first().is_none_or(|&b| b & 0x80 != 0) {
        body.push(0);
    }
    body.extend_from_slice(trimmed);
    tlv(0x02, &body)
}

/// The AlgorithmIdentifier DER of each key algorithm, as certificates carry it.
pub(crate) fn algorithm_identifier(alg: KeyAlgorithm) -> Vec<u8> {
    let mut body = Vec::new();
    match alg {
        KeyAlgorithm::EcdsaP256 => {
            body.extend_from_slice(OID_EC_PUBLIC_KEY);
            body.extend_from_slice(OID_P256);
        }
        KeyAlgorithm::EcdsaP384 => {
            body.extend_from_slice(OID_EC_PUBLIC_KEY);
            body.extend_from_slice(OID_P384);
        }
        KeyAlgorithm::Ed25519 => body.extend_from_slice(OID_ED25519),
        KeyAlgorithm::Rsa => {
            body.extend_from_slice(OID_RSA);
            body.extend_from_slice(&[0x05, 0x00]);
        }
        KeyAlgorithm::MlDsa44 | KeyAlgorithm::MlDsa65 | KeyAlgorithm::MlDsa87 => {
            body.extend_from_slice(OID_MLDSA_PREFIX);
            body.push(match alg {
                KeyAlgorithm::MlDsa44 => 0x11,
                KeyAlgorithm::MlDsa65 => 0x12,
                _ => 0x13,
            });
        }
        // KeyAlgorithm is non_exhaustive; a new one gets an identifier that matches
        // no certificate, so its keys are refused as a mismatch.
        _ => {}
    }
    tlv(0x30, &body)
}

/// `SubjectPublicKeyInfo { algorithm, BIT STRING (0 unused bits) key }`.
pub(crate) fn spki(alg: KeyAlgorithm, key: &[u8]) -> Vec<u8> {
    let mut bits = Vec::with_capacity(key.len() + 1);
    bits.push(0);
    bits.extend_from_slice(key);
    let mut body = algorithm_identifier(alg);
    body.extend(tlv(0x03, &bits));
    tlv(0x30, &body)
}

/// `RSAPublicKey ::= SEQUENCE { modulus INTEGER, publicExponent INTEGER }`.
pub(crate) fn rsa_public_key(modulus: &[u8], exponent: &[u8]) -> Vec<u8> {
    let mut body = unsigned_integer(modulus);
    body.extend(unsigned_integer(exponent));
    tlv(0x30, &body)
}

/// An `Ecdsa-Sig-Value` from the fixed-length `r‖s` PKCS#11 returns.
pub(crate) fn ecdsa_der(raw: &[u8], field_len: usize) -> Result<Vec<u8>, HsmError> {
    if raw.len() != 2 * field_len {
        return Err(HsmError::Pkcs11(format!(
            "CKM_ECDSA returned {} bytes, expected {}",
            raw.len(),
            2 * field_len
        )));
    }
    let (r, s) = raw.split_at(field_len);
    let mut body = unsigned_integer(r);
    body.extend(unsigned_integer(s));
    Ok(tlv(0x30, &body))
}

/// The point inside CKA_EC_POINT: a DER OCTET STRING around it (PKCS#11 says so;
/// SoftHSM2 does it) or the bare point (kryoptic for Ed25519). `point_len` tells
/// them apart, since an uncompressed point also starts with 0x04.
pub(crate) fn ec_point(attr: &[u8], point_len: usize) -> Option<Vec<u8>> {
    if attr.len() == point_len {
        return Some(attr.to_vec());
    }
    let (&tag, rest) = attr.split_first()?;
    if tag != 0x04 {
        return None;
    }
    let (len, body) = match rest.split_first()? {
        (&l, body) if l < 0x80 => (usize::from(l), body),
        (0x81, body) => (usize::from(*body.first()?), &body[1..]),
        _ => return None,
    };
    (len == point_len && body.len() == len).then(|| body.to_vec())
}

/// The key algorithm a certificate's SubjectPublicKeyInfo names, and that SPKI's DER.
///
/// Matched byte for byte against the AlgorithmIdentifiers above (RFC 5480, RFC 8410,
/// RFC 3279 with its NULL parameters, RFC 9881): a certificate that spells one
/// differently (RSA without the NULL) is refused rather than guessed at.
pub(crate) fn certificate_key(cert_der: &[u8]) -> Result<(KeyAlgorithm, Vec<u8>), HsmError> {
    let cert = x509_cert::Certificate::from_der(cert_der)
        .map_err(|_| HsmError::BadCertificate("the certificate does not parse as X.509"))?;
    let spki = cert.tbs_certificate().subject_public_key_info();
    let alg_der = spki
        .algorithm
        .to_der()
        .map_err(|_| HsmError::BadCertificate("cannot encode the key algorithm"))?;
    let spki_der = spki
        .to_der()
        .map_err(|_| HsmError::BadCertificate("cannot encode the public key"))?;
    let algorithm = [
        KeyAlgorithm::EcdsaP256,
        KeyAlgorithm::EcdsaP384,
        KeyAlgorithm::Ed25519,
        KeyAlgorithm::Rsa,
        KeyAlgorithm::MlDsa44,
        KeyAlgorithm::MlDsa65,
        KeyAlgorithm::MlDsa87,
    ]
    .into_iter()
    .find(|&a| algorithm_identifier(a) == alg_der)
    .ok_or(HsmError::BadCertificate(
        "the certificate's key is not ECDSA P-256/P-384, Ed25519, RSA or ML-DSA",
    ))?;
    Ok((algorithm, spki_der))
}

#[cfg(test)]
mod tests {
    use super::*;
    use qssl_crypto::keys;
    use qssl_crypto::sign::SigningKey;

    #[test]
    fn our_spki_equals_the_software_keys() {
        // The same bytes qssl-crypto (RustCrypto's encoders) writes for each kind.
        for alg in [
            KeyAlgorithm::EcdsaP256,
            KeyAlgorithm::EcdsaP384,
            KeyAlgorithm::Ed25519,
            KeyAlgorithm::MlDsa65,
        ] {
            let key = keys::generate(alg).unwrap();
            assert_eq!(
                spki(alg, &key.public_key_raw()),
                key.public_key_spki(),
                "{alg:?}"
            );
        }
    }

    #[test]
    fn ecdsa_der_known_answers() {
        // r = 1, s = 0x80…: the minimal INTEGER of r, a sign octet before s.
        let mut raw = [0u8; 64];
        raw[31] = 1;
        raw[32] = 0x80;
        let der = ecdsa_der(&raw, 32).unwrap();
        let mut want = vec![0x30, 0x26, 0x02, 0x01, 0x01, 0x02, 0x21, 0x00, 0x80];
        want.extend_from_slice(&[0u8; 31]);
        assert_eq!(der, want);
        assert!(ecdsa_der(&raw[..63], 32).is_err());
    }

    #[test]
    fn ec_point_takes_both_forms() {
        let point = [7u8; 32];
        let mut wrapped = vec![0x04, 0x20];
        wrapped.extend_from_slice(&point);
        assert_eq!(ec_point(&point, 32).unwrap(), point);
        assert_eq!(ec_point(&wrapped, 32).unwrap(), point);
        assert_eq!(ec_point(&wrapped[..10], 32), None);
        let mut p384 = vec![0x04, 0x61];
        p384.extend_from_slice(&[4u8; 97]);
        assert_eq!(ec_point(&p384, 97).unwrap(), vec![4u8; 97]);
    }
}

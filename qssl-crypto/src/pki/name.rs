//! Subject names: one RDN holding a commonName, or the empty Name.

use der::asn1::{Any, Utf8StringRef};
use der::{Decode, Encode};
use spki::ObjectIdentifier;
use x509_cert::attr::AttributeTypeAndValue;
use x509_cert::name::{Name, RdnSequence, RelativeDistinguishedName};

use super::PkiError;

/// id-at-commonName (RFC 4519 §2.3 / X.520).
const ID_AT_COMMON_NAME: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.4.3");

/// ub-common-name (RFC 5280 Appendix A.1): the longest commonName allowed.
const UB_COMMON_NAME: usize = 64;

/// `CN=<common_name>` as a UTF8String (what `openssl req` writes by default),
/// or the empty Name for an empty `common_name`.
pub(crate) fn common_name(common_name: &str) -> Result<Name, PkiError> {
    let mut rdns = RdnSequence::default();
    if !common_name.is_empty() {
        // OpenSSL enforces the upper bound when it builds names, so honour it here
        // rather than make certificates that other tools cannot reproduce.
        if common_name.chars().count() > UB_COMMON_NAME {
            return Err(PkiError::Encoding);
        }
        let value = Utf8StringRef::new(common_name).map_err(|_| PkiError::Encoding)?;
        let mut rdn = RelativeDistinguishedName::default();
        rdn.insert(AttributeTypeAndValue {
            oid: ID_AT_COMMON_NAME,
            value: Any::encode_from(&value).map_err(|_| PkiError::Encoding)?,
        })
        .map_err(|_| PkiError::Encoding)?;
        rdns.push(rdn);
    }
    // x509-cert builds a `Name` only from DER (outside its `hazmat` feature).
    let der = rdns.to_der().map_err(|_| PkiError::Encoding)?;
    Name::from_der(&der).map_err(|_| PkiError::Encoding)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn common_name_der_is_one_utf8_rdn() {
        let der = common_name("a").unwrap().to_der().unwrap();
        // SEQUENCE { SET { SEQUENCE { OID 2.5.4.3, UTF8String "a" } } }
        assert_eq!(
            der,
            [
                0x30, 0x0c, 0x31, 0x0a, 0x30, 0x08, 0x06, 0x03, 0x55, 0x04, 0x03, 0x0c, 0x01, b'a'
            ]
        );
    }

    #[test]
    fn empty_common_name_is_empty_sequence() {
        assert_eq!(common_name("").unwrap().to_der().unwrap(), [0x30, 0x00]);
    }

    #[test]
    fn overlong_common_name_is_refused() {
        assert!(common_name(&"x".repeat(64)).is_ok());
        assert_eq!(common_name(&"x".repeat(65)), Err(PkiError::Encoding));
    }
}

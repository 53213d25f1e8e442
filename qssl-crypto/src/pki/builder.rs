//! TBSCertificate assembly, signing and the final Certificate encoding.
//!
//! x509-cert 0.3 keeps the fields of its `TbsCertificate` private outside its
//! `builder` feature, and that builder wants `signature`-crate signers with
//! typed verifying keys. Our signers are byte-oriented trait objects (an HSM
//! key is just a DER SPKI and a `sign` call), so the TBSCertificate is one
//! small `der`-derived struct here built from x509-cert's field types; the
//! result is parsed back with x509-cert before it is returned.

use std::net::IpAddr;

use der::asn1::{BitString, Ia5String, OctetString};
use der::{Decode, Encode, Sequence};
use sha1::{Digest, Sha1};
use spki::ObjectIdentifier;
use x509_cert::certificate::Version;
use x509_cert::ext::pkix::name::GeneralName;
use x509_cert::ext::pkix::{
    AuthorityKeyIdentifier, BasicConstraints, ExtendedKeyUsage, KeyUsage, KeyUsages,
    SubjectAltName, SubjectKeyIdentifier,
};
use x509_cert::ext::{Extension, Extensions};
use x509_cert::name::Name;
use x509_cert::serial_number::SerialNumber;
use x509_cert::time::{Time, Validity};
use x509_cert::{AlgorithmIdentifier, SubjectPublicKeyInfo};

use super::params::{CertificateParams, CertificateRole};
use super::{Certificate, CertificateSigner, PkiError, name};

// Extension OIDs (RFC 5280 §4.2.1).
const ID_CE_SUBJECT_KEY_IDENTIFIER: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.29.14");
const ID_CE_KEY_USAGE: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.29.15");
const ID_CE_SUBJECT_ALT_NAME: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.29.17");
const ID_CE_BASIC_CONSTRAINTS: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.29.19");
const ID_CE_AUTHORITY_KEY_IDENTIFIER: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.29.35");
const ID_CE_EXT_KEY_USAGE: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.29.37");
const ID_KP_SERVER_AUTH: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.6.1.5.5.7.3.1");
const ID_KP_CLIENT_AUTH: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.6.1.5.5.7.3.2");

/// RFC 5280 §4.1:
/// ```text
/// TBSCertificate  ::=  SEQUENCE  {
///      version         [0]  EXPLICIT Version DEFAULT v1,
///      serialNumber         CertificateSerialNumber,
///      signature            AlgorithmIdentifier,
///      issuer               Name,
///      validity             Validity,
///      subject              Name,
///      subjectPublicKeyInfo SubjectPublicKeyInfo,
///      extensions      [3]  EXPLICIT Extensions OPTIONAL }
/// ```
/// (The unique identifiers are left out: RFC 5280 §4.1.2.8 forbids CAs to make them.)
#[derive(Sequence)]
struct TbsCertificate {
    #[asn1(context_specific = "0", tag_mode = "EXPLICIT")]
    version: Version,
    serial_number: SerialNumber,
    signature: AlgorithmIdentifier,
    issuer: Name,
    validity: Validity,
    subject: Name,
    subject_public_key_info: SubjectPublicKeyInfo,
    #[asn1(context_specific = "3", tag_mode = "EXPLICIT")]
    extensions: Extensions,
}

/// ```text
/// Certificate  ::=  SEQUENCE  {
///      tbsCertificate       TBSCertificate,
///      signatureAlgorithm   AlgorithmIdentifier,
///      signatureValue       BIT STRING  }
/// ```
#[derive(Sequence)]
struct SignedCertificate {
    tbs_certificate: TbsCertificate,
    signature_algorithm: AlgorithmIdentifier,
    signature_value: BitString,
}

/// Makes a self-signed certificate: subject and issuer are `params`'s name and
/// the subject key is `signer`'s own.
pub fn self_signed(
    params: &CertificateParams,
    signer: &dyn CertificateSigner,
) -> Result<Certificate, PkiError> {
    let spki = signer_spki(signer)?;
    let subject = subject_name(params)?;
    let authority_key_id = key_identifier(&spki);
    build(
        params,
        subject.clone(),
        spki,
        subject,
        authority_key_id,
        signer,
    )
}

/// Makes a certificate for the key `subject_spki_der` (a DER
/// SubjectPublicKeyInfo), issued by the holder of `issuer_cert_der` (a DER
/// certificate) and signed by `issuer_signer`, which must hold that
/// certificate's key.
///
/// The issuer Name is copied from the issuer certificate's subject and the
/// AuthorityKeyIdentifier from its SubjectKeyIdentifier (or, if it has none,
/// computed from its public key the same way ours are).
pub fn issue(
    params: &CertificateParams,
    subject_spki_der: &[u8],
    issuer_cert_der: &[u8],
    issuer_signer: &dyn CertificateSigner,
) -> Result<Certificate, PkiError> {
    let subject_spki = SubjectPublicKeyInfo::from_der(subject_spki_der)
        .map_err(|_| PkiError::InvalidSubjectPublicKeyInfo)?;
    let issuer_cert = x509_cert::Certificate::from_der(issuer_cert_der)
        .map_err(|_| PkiError::InvalidIssuerCertificate)?;
    let issuer_tbs = issuer_cert.tbs_certificate();
    if signer_spki(issuer_signer)? != *issuer_tbs.subject_public_key_info() {
        return Err(PkiError::IssuerKeyMismatch);
    }
    let authority_key_id = match issuer_tbs
        .get_extension::<SubjectKeyIdentifier>()
        .map_err(|_| PkiError::InvalidIssuerCertificate)?
    {
        Some((_, ski)) => ski.0.into_bytes().into_vec(),
        None => key_identifier(issuer_tbs.subject_public_key_info()),
    };
    build(
        params,
        subject_name(params)?,
        subject_spki,
        issuer_tbs.subject().clone(),
        authority_key_id,
        issuer_signer,
    )
}

fn signer_spki(signer: &dyn CertificateSigner) -> Result<SubjectPublicKeyInfo, PkiError> {
    SubjectPublicKeyInfo::from_der(&signer.subject_public_key_info_der())
        .map_err(|_| PkiError::InvalidSigner)
}

fn subject_name(params: &CertificateParams) -> Result<Name, PkiError> {
    if params.common_name.is_empty() {
        if matches!(params.role, CertificateRole::Ca { .. }) {
            return Err(PkiError::EmptyCaName);
        }
        if params.dns_names.is_empty() && params.ip_addresses.is_empty() {
            return Err(PkiError::NoSubject);
        }
    }
    name::common_name(&params.common_name)
}

/// RFC 5280 §4.2.1.2 method (1): SHA-1 of the subjectPublicKey BIT STRING's
/// value (without tag, length and unused-bits octet). SHA-1 is only a name
/// here, not a security function; OpenSSL and most CAs compute the same.
fn key_identifier(spki: &SubjectPublicKeyInfo) -> Vec<u8> {
    Sha1::digest(spki.subject_public_key.raw_bytes()).to_vec()
}

fn serial_number(bytes: &[u8]) -> Result<SerialNumber, PkiError> {
    let first_nonzero = bytes.iter().position(|&b| b != 0);
    let Some(start) = first_nonzero else {
        return Err(PkiError::InvalidSerialNumber);
    };
    SerialNumber::new(&bytes[start..]).map_err(|_| PkiError::InvalidSerialNumber)
}

fn validity(not_before: u64, not_after: u64) -> Result<Validity, PkiError> {
    if not_before > not_after {
        return Err(PkiError::InvalidValidity);
    }
    let time = |secs: u64| -> Result<Time, PkiError> {
        let date = der::DateTime::from_unix_duration(core::time::Duration::from_secs(secs))
            .map_err(|_| PkiError::InvalidValidity)?;
        // Picks UTCTime through 2049 and GeneralizedTime from 2050 (RFC 5280 §4.1.2.5).
        Ok(Time::from(date))
    };
    Ok(Validity::new(time(not_before)?, time(not_after)?))
}

fn extension(
    oid: ObjectIdentifier,
    critical: bool,
    value: &impl Encode,
) -> Result<Extension, PkiError> {
    let der = value.to_der().map_err(|_| PkiError::Encoding)?;
    Ok(Extension {
        extn_id: oid,
        critical,
        extn_value: OctetString::new(der).map_err(|_| PkiError::Encoding)?,
    })
}

fn subject_alt_names(params: &CertificateParams) -> Result<Vec<GeneralName>, PkiError> {
    let mut names = Vec::with_capacity(params.dns_names.len() + params.ip_addresses.len());
    for dns in &params.dns_names {
        if dns.is_empty() {
            return Err(PkiError::InvalidDnsName);
        }
        names.push(GeneralName::DnsName(
            Ia5String::new(dns).map_err(|_| PkiError::InvalidDnsName)?,
        ));
    }
    for ip in &params.ip_addresses {
        let octets = match ip {
            IpAddr::V4(v4) => v4.octets().to_vec(),
            IpAddr::V6(v6) => v6.octets().to_vec(),
        };
        names.push(GeneralName::IpAddress(
            OctetString::new(octets).map_err(|_| PkiError::Encoding)?,
        ));
    }
    Ok(names)
}

fn extensions(
    params: &CertificateParams,
    subject: &Name,
    subject_spki: &SubjectPublicKeyInfo,
    authority_key_id: Vec<u8>,
) -> Result<Extensions, PkiError> {
    let (basic, usage, ekus) = match params.role {
        CertificateRole::Ca { path_len } => (
            BasicConstraints {
                ca: true,
                path_len_constraint: path_len,
            },
            KeyUsages::KeyCertSign | KeyUsages::CRLSign,
            Vec::new(),
        ),
        CertificateRole::EndEntity {
            server_auth,
            client_auth,
        } => {
            let mut ekus = Vec::new();
            if server_auth {
                ekus.push(ID_KP_SERVER_AUTH);
            }
            if client_auth {
                ekus.push(ID_KP_CLIENT_AUTH);
            }
            (
                BasicConstraints {
                    ca: false,
                    path_len_constraint: None,
                },
                KeyUsages::DigitalSignature.into(),
                ekus,
            )
        }
    };

    let mut exts = vec![
        // RFC 5280 §4.2.1.9: critical in CA certificates; OpenSSL's -x509_strict checks it.
        extension(ID_CE_BASIC_CONSTRAINTS, true, &basic)?,
        extension(ID_CE_KEY_USAGE, true, &KeyUsage(usage))?,
    ];
    if !ekus.is_empty() {
        exts.push(extension(
            ID_CE_EXT_KEY_USAGE,
            false,
            &ExtendedKeyUsage(ekus),
        )?);
    }
    let sans = subject_alt_names(params)?;
    if !sans.is_empty() {
        // RFC 5280 §4.2.1.6: critical exactly when the subject Name is empty.
        exts.push(extension(
            ID_CE_SUBJECT_ALT_NAME,
            subject.is_empty(),
            &SubjectAltName(sans),
        )?);
    }
    let ski = OctetString::new(key_identifier(subject_spki)).map_err(|_| PkiError::Encoding)?;
    exts.push(extension(
        ID_CE_SUBJECT_KEY_IDENTIFIER,
        false,
        &SubjectKeyIdentifier(ski),
    )?);
    let aki = AuthorityKeyIdentifier {
        key_identifier: Some(OctetString::new(authority_key_id).map_err(|_| PkiError::Encoding)?),
        authority_cert_issuer: None,
        authority_cert_serial_number: None,
    };
    exts.push(extension(ID_CE_AUTHORITY_KEY_IDENTIFIER, false, &aki)?);
    Ok(exts)
}

fn build(
    params: &CertificateParams,
    subject: Name,
    subject_spki: SubjectPublicKeyInfo,
    issuer: Name,
    authority_key_id: Vec<u8>,
    signer: &dyn CertificateSigner,
) -> Result<Certificate, PkiError> {
    let signature_algorithm = AlgorithmIdentifier::from_der(&signer.signature_algorithm_der())
        .map_err(|_| PkiError::InvalidSigner)?;
    let tbs_certificate = TbsCertificate {
        version: Version::V3,
        serial_number: serial_number(&params.serial_number)?,
        signature: signature_algorithm.clone(),
        issuer,
        validity: validity(params.not_before, params.not_after)?,
        extensions: extensions(params, &subject, &subject_spki, authority_key_id)?,
        subject,
        subject_public_key_info: subject_spki,
    };
    let tbs_der = tbs_certificate.to_der().map_err(|_| PkiError::Encoding)?;
    let signature = signer.sign(&tbs_der).map_err(PkiError::Signing)?;
    let cert = SignedCertificate {
        tbs_certificate,
        signature_algorithm,
        signature_value: BitString::from_bytes(&signature).map_err(|_| PkiError::Encoding)?,
    };
    let der = cert.to_der().map_err(|_| PkiError::Encoding)?;
    // Our own struct mirrors x509-cert's; a parse here catches any drift between
    // them before a peer does. DER is canonical, so the signed TBS bytes are the
    // ones inside `der`.
    x509_cert::Certificate::from_der(&der).map_err(|_| PkiError::Encoding)?;
    Ok(Certificate { der })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serial_numbers() {
        assert_eq!(serial_number(&[]), Err(PkiError::InvalidSerialNumber));
        assert_eq!(serial_number(&[0, 0]), Err(PkiError::InvalidSerialNumber));
        assert_eq!(serial_number(&[0, 0, 5]).unwrap().as_bytes(), [5]);
        assert!(serial_number(&[0x7f; 20]).is_ok());
        // 20 octets with the top bit set need a 21st (sign) octet.
        assert_eq!(
            serial_number(&[0x80; 20]),
            Err(PkiError::InvalidSerialNumber)
        );
        assert_eq!(serial_number(&[1; 21]), Err(PkiError::InvalidSerialNumber));
        let der = serial_number(&[0x80]).unwrap().to_der().unwrap();
        assert_eq!(der, [0x02, 0x02, 0x00, 0x80]);
    }

    #[test]
    fn validity_picks_utc_then_generalized_time() {
        // 2049-12-31T23:59:59Z and 2050-01-01T00:00:00Z.
        let v = validity(2_524_607_999, 2_524_608_000).unwrap();
        assert!(matches!(v.not_before, Time::UtcTime(_)));
        assert!(matches!(v.not_after, Time::GeneralTime(_)));
        assert_eq!(v.not_before.to_unix_duration().as_secs(), 2_524_607_999);
        assert_eq!(validity(2, 1).unwrap_err(), PkiError::InvalidValidity);
        assert_eq!(
            validity(0, u64::MAX).unwrap_err(),
            PkiError::InvalidValidity
        );
    }
}

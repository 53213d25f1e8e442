//! What the caller decides about a certificate.

use std::net::IpAddr;

/// What a certificate is for; decides basicConstraints, keyUsage and extKeyUsage.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CertificateRole {
    /// A certification authority: `cA TRUE`, keyUsage keyCertSign + cRLSign,
    /// no extKeyUsage.
    Ca {
        /// basicConstraints pathLenConstraint: how many intermediate CAs may
        /// follow this one (`Some(0)`: it signs only end entities); `None`: no limit.
        path_len: Option<u8>,
    },
    /// An end-entity (leaf) certificate: `cA FALSE`, keyUsage digitalSignature,
    /// extKeyUsage as chosen (omitted when both are false).
    EndEntity {
        /// Include id-kp-serverAuth.
        server_auth: bool,
        /// Include id-kp-clientAuth.
        client_auth: bool,
    },
}

/// Everything about a certificate except the keys.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct CertificateParams {
    /// Subject commonName (a UTF8String). Empty means an empty subject Name,
    /// allowed only for end entities with at least one SAN (the SAN is then
    /// marked critical, RFC 5280 §4.2.1.6).
    pub common_name: String,
    /// DNS names for subjectAltName (ASCII; wildcards such as `*.example.com` are passed through).
    pub dns_names: Vec<String>,
    /// IP addresses (v4 and v6) for subjectAltName.
    pub ip_addresses: Vec<IpAddr>,
    /// notBefore, Unix seconds. Supplied by the caller: nothing here reads a clock.
    pub not_before: u64,
    /// notAfter, Unix seconds (inclusive, as in RFC 5280).
    pub not_after: u64,
    /// Serial number as unsigned big-endian bytes (typically 16 random bytes
    /// from the caller's RNG). Leading zeros are ignored; it must be non-zero
    /// and at most 20 octets once DER-encoded, so clear the top bit of a
    /// 20-byte value.
    pub serial_number: Vec<u8>,
    /// CA or end entity.
    pub role: CertificateRole,
}

impl CertificateParams {
    /// Parameters for a server end entity (`serverAuth`) with no SANs; set
    /// [`role`](Self::role), [`dns_names`](Self::dns_names) and
    /// [`ip_addresses`](Self::ip_addresses) as needed.
    pub fn new(
        common_name: &str,
        serial_number: &[u8],
        not_before_unix: u64,
        not_after_unix: u64,
    ) -> Self {
        Self {
            common_name: common_name.to_owned(),
            dns_names: Vec::new(),
            ip_addresses: Vec::new(),
            not_before: not_before_unix,
            not_after: not_after_unix,
            serial_number: serial_number.to_vec(),
            role: CertificateRole::EndEntity {
                server_auth: true,
                client_auth: false,
            },
        }
    }
}

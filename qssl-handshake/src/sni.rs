//! Reading a ClientHello's server_name extension (RFC 6066 §3): the server's
//! negotiation and the client's test hook that starts from a recorded ClientHello.

use core::net::IpAddr;

use rustls_pki_types::DnsName;

use crate::error::{Error, PeerMisbehaved};
use crate::{ClientHello, Extension, ExtensionType};

/// The host name the client asked for, validated and lowercased, or `None`.
///
/// RFC 6066 §3: a HostName is an ASCII DNS name without a trailing dot, "literal
/// IPv4 and IPv6 addresses are not permitted", and the list "MUST NOT contain more
/// than one name of the same name_type". Several host names, or one that is not a
/// DNS name (control characters, empty labels, non-ASCII, a trailing dot), are
/// refused with illegal_parameter: the application would otherwise be handed a
/// string it may log or route on. An IP literal is ignored instead (the handshake
/// goes on as if no name was sent), as rustls does: some clients send one, and
/// nothing else in the ClientHello is wrong.
pub(crate) fn requested_server_name(ch: &ClientHello) -> Result<Option<String>, Error> {
    let Some(Extension::ServerName(names)) = ch.extension(ExtensionType::SERVER_NAME) else {
        return Ok(None);
    };
    // The codec refuses name types other than host_name and empty lists.
    let [name] = names.as_slice() else {
        return Err(PeerMisbehaved::InvalidServerName.into());
    };
    let name = core::str::from_utf8(name).map_err(|_| PeerMisbehaved::InvalidServerName)?;
    if name.parse::<IpAddr>().is_ok() {
        return Ok(None);
    }
    if name.ends_with('.') || DnsName::try_from(name).is_err() {
        return Err(PeerMisbehaved::InvalidServerName.into());
    }
    Ok(Some(name.to_ascii_lowercase()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ProtocolVersion;

    fn hello(names: &[&[u8]]) -> ClientHello {
        ClientHello {
            legacy_version: ProtocolVersion::TLSV1_2,
            random: [0; 32],
            session_id: Vec::new(),
            cipher_suites: Vec::new(),
            compression_methods: vec![0],
            extensions: vec![Extension::ServerName(
                names.iter().map(|n| n.to_vec()).collect(),
            )],
        }
    }

    fn refused(names: &[&[u8]]) -> bool {
        requested_server_name(&hello(names))
            == Err(Error::PeerMisbehaved(PeerMisbehaved::InvalidServerName))
    }

    #[test]
    fn a_dns_name_is_taken_lowercased() {
        assert_eq!(
            requested_server_name(&hello(&[b"WWW.Example.COM"])),
            Ok(Some("www.example.com".to_owned()))
        );
        assert_eq!(
            requested_server_name(&hello(&[b"xn--bcher-kva.example"])),
            Ok(Some("xn--bcher-kva.example".to_owned()))
        );
    }

    #[test]
    fn no_extension_is_no_name() {
        let mut ch = hello(&[]);
        ch.extensions.clear();
        assert_eq!(requested_server_name(&ch), Ok(None));
    }

    #[test]
    fn ip_literals_are_ignored() {
        for ip in [&b"127.0.0.1"[..], b"::1", b"2001:db8::1", b"192.0.2.7"] {
            assert_eq!(requested_server_name(&hello(&[ip])), Ok(None), "{ip:?}");
        }
    }

    #[test]
    fn malformed_names_are_refused() {
        assert!(refused(&[b"exa\x00mple.com"]));
        assert!(refused(&[b"example.com\n"]));
        assert!(refused(&[b"ex ample.com"]));
        assert!(refused(&[b"example.com."]));
        assert!(refused(&[b"a..b"]));
        assert!(refused(&[b".example.com"]));
        assert!(refused(&["bücher.example".as_bytes()]));
        assert!(refused(&[b"\xff\xfe"]));
        assert!(refused(&[&[b'a'; 300][..]]));
    }

    #[test]
    fn several_host_names_are_refused() {
        assert!(refused(&[b"a.example", b"b.example"]));
        assert!(refused(&[b"a.example", b"a.example"]));
    }

    #[test]
    fn refusal_is_illegal_parameter() {
        assert_eq!(
            Error::from(PeerMisbehaved::InvalidServerName).alert(),
            qssl_alert::AlertDescription::ILLEGAL_PARAMETER
        );
    }
}

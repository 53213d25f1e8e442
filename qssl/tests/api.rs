//! The facade's public API names only types it re-exports: a user of `qssl` alone
//! can name every type that a `qssl` function takes or returns, including the
//! errors' insides. This file compiles against `qssl::` paths only; a type that
//! leaked from a lower crate without a re-export would not be nameable here.

use std::sync::Arc;

use qssl::{
    AlertDescription, CertificateError, CipherSuite, ClientConfig, ClientParams, ConnectionInfo,
    ContentType, Error, HandshakeError, HandshakeSummary, InvalidMessage, IoState, NamedGroup,
    NewSessionTicket, PeerIncompatible, PeerMisbehaved, ProtocolVersion, RecordError, ServerConfig,
    ServerParams, SignatureScheme, TlsVersion, VerifiedPath,
};

/// Every layer of an error can be taken apart with `qssl::` names, and each has its
/// alert.
fn describe(e: Error) -> (Option<AlertDescription>, &'static str) {
    let layer = match e {
        Error::Handshake(h) => match h {
            HandshakeError::InvalidMessage(m) => {
                let _: InvalidMessage = m;
                "message"
            }
            HandshakeError::PeerMisbehaved(m) => {
                let _: PeerMisbehaved = m;
                "misbehaved"
            }
            HandshakeError::PeerIncompatible(m) => {
                let _: PeerIncompatible = m;
                "incompatible"
            }
            HandshakeError::Certificate(c) => {
                let _: CertificateError = c;
                "certificate"
            }
            _ => "handshake",
        },
        Error::Record(r) => {
            let _: RecordError = r;
            "record"
        }
        Error::UnexpectedRecord(t) => {
            let _: ContentType = t;
            "unexpected record"
        }
        Error::AlertReceived(_) => "alert received",
        _ => "other",
    };
    (e.alert(), layer)
}

#[test]
fn errors_are_nameable_through_the_facade() {
    let e = Error::from(PeerMisbehaved::BadFinished);
    assert_eq!(
        describe(e),
        (Some(AlertDescription::DECRYPT_ERROR), "misbehaved")
    );
    assert_eq!(
        describe(Error::UnexpectedRecord(ContentType::APPLICATION_DATA)),
        (
            Some(AlertDescription::UNEXPECTED_MESSAGE),
            "unexpected record"
        )
    );
    assert_eq!(
        describe(Error::AlertReceived(AlertDescription::HANDSHAKE_FAILURE)),
        (None, "alert received")
    );
}

/// What a connection reports is typed with `qssl::` names too.
#[allow(dead_code)]
fn reported(info: ConnectionInfo, summary: &HandshakeSummary, io: IoState) {
    let _: TlsVersion = info.protocol_version;
    let _: ProtocolVersion = info.protocol_version.wire();
    let _: CipherSuite = info.cipher_suite;
    let _: Option<NamedGroup> = info.key_exchange_group;
    let _: bool = info.resumed;
    let _: SignatureScheme = info.server_signature_scheme;
    let _: Option<&VerifiedPath> = None;
    let _: Option<NewSessionTicket> = None;
    let _ = (summary, io.tls_bytes_to_write);
    let _: Result<TlsVersion, _> = TlsVersion::try_from(info.protocol_version.wire());
}

#[test]
fn configs_expose_their_params_through_the_facade() {
    let roots = Arc::new(qssl::RootCertStore::new());
    let client = ClientConfig::builder()
        .with_root_certificates(roots)
        .build()
        .unwrap();
    let params: &ClientParams = client.params();
    assert_eq!(params.groups[0].name(), NamedGroup::X25519MLKEM768);
    let err = ServerConfig::builder().build().unwrap_err();
    assert_eq!(err, Error::Config("no server certificate"));
    let _: fn(&ServerConfig) -> &ServerParams = ServerConfig::params;
}

/// What a user gets by default: a configuration built without `with_provider`
/// computes with aws-lc when the feature `aws-lc` is on (the default) and with the
/// portable provider otherwise: its groups, suites and verifiers are that provider's
/// own objects, not the other's.
#[test]
fn configs_default_to_the_builds_provider() {
    let expected = if cfg!(feature = "aws-lc") {
        "aws-lc"
    } else {
        "portable"
    };
    assert_eq!(qssl::DEFAULT_PROVIDER_NAME, expected);
    let providers = qssl_crypto::provider::compiled_providers();
    assert_eq!(
        providers.len(),
        if cfg!(feature = "aws-lc") { 2 } else { 1 }
    );
    let client = ClientConfig::builder()
        .with_root_certificates(Arc::new(qssl::RootCertStore::new()))
        .build()
        .unwrap();
    let used = &client.params().provider;
    for (name, p) in &providers {
        let same = core::ptr::addr_eq(used.kx_groups[0], p.kx_groups[0])
            && core::ptr::addr_eq(used.tls13_cipher_suites[0], p.tls13_cipher_suites[0])
            && core::ptr::addr_eq(used.signature_verifiers[0], p.signature_verifiers[0]);
        assert_eq!(same, *name == expected, "provider {name}");
    }
}

//! The TLS 1.3 handshake of Q-SSL and its sans-I/O connection core: the wire codec,
//! the transcript hash ([`transcript`]), the key schedule ([`key_schedule`]),
//! certificate verification ([`verify`]), the state machine of both sides
//! ([`StateMachine`]), which consumes whole handshake messages and returns [`Action`]s
//! (send this message, install these keys, handshake complete), and [`Connection`],
//! which runs received bytes through the record layer, the [`HandshakeJoiner`] and the
//! state machine, applies the actions and holds the bytes to send, with the time passed
//! in by the caller. Every handshake error is an [`Error`] whose alert is
//! [`Error::alert`]; a connection keeps its first error as a [`ConnectionError`].
//!
//! The codec:
//!
//! Every TLS 1.3 handshake message (RFC 8446 §4) and the extensions Q-SSL speaks are
//! typed values with a parser (`T::parse(&[u8]) -> Result<T, InvalidMessage>`, built on
//! nom `complete` parsers inside length-bounded slices) and an encoder
//! (`fn encode(&self, out: &mut Vec<u8>) -> Result<(), EncodeError>`, writing each
//! length as a placeholder fixed after the body, and refusing — appending nothing — a
//! body longer than its prefix can express, so a wrong length is never sent). Code points Q-SSL does not implement survive decode → encode as
//! open newtypes or [`Extension::Unknown`]. Every length prefix is checked against its
//! RFC range, a post-quantum-sized cap ([`limits`]) and the remaining input before
//! anything is allocated. [`HandshakeJoiner`] reassembles messages from records and
//! keeps their exact bytes for the transcript. Every decode error is an
//! [`InvalidMessage`] whose alert is chosen by [`InvalidMessage::alert`].
//!
//! ```
//! use qssl_handshake::{
//!     ClientHello, Extension, ExtensionType, HandshakeMessage, InvalidMessage,
//!     KeyShareEntry, ProtocolVersion,
//! };
//! use qssl_alert::AlertDescription;
//! use qssl_crypto::ids::{CipherSuite, NamedGroup};
//!
//! let hello = ClientHello {
//!     legacy_version: ProtocolVersion::TLSV1_2,
//!     random: [7; 32],
//!     session_id: vec![],
//!     cipher_suites: vec![CipherSuite::TLS13_AES_128_GCM_SHA256],
//!     compression_methods: vec![0],
//!     extensions: vec![
//!         Extension::SupportedVersionsOffer(vec![ProtocolVersion::TLSV1_3]),
//!         Extension::KeyShareOffer(vec![KeyShareEntry {
//!             group: NamedGroup::X25519MLKEM768,
//!             key_exchange: vec![0x42; 1216],
//!         }]),
//!     ],
//! };
//! let bytes = HandshakeMessage::ClientHello(hello.clone()).to_bytes().unwrap();
//! let parsed = HandshakeMessage::parse(&bytes).unwrap();
//! assert_eq!(parsed, HandshakeMessage::ClientHello(hello));
//! assert_eq!(parsed.to_bytes().unwrap(), bytes);
//!
//! // Any strict prefix is truncated, and the peer hears decode_error.
//! let err = HandshakeMessage::parse(&bytes[..bytes.len() - 1]).unwrap_err();
//! assert_eq!(err, InvalidMessage::Truncated);
//! assert_eq!(err.alert(), AlertDescription::DECODE_ERROR);
//! # let _ = ExtensionType::KEY_SHARE;
//! ```

#![cfg_attr(not(test), deny(clippy::unwrap_used, clippy::expect_used))]

mod action;
mod client;
mod codec;
mod common;
mod config;
mod connection;
mod error;
pub mod fuzzing;
pub mod key_schedule;
mod machine;
pub mod resolve;
mod resumption;
mod server;
mod sni;
#[doc(hidden)]
pub mod testing;
pub mod tls12;
pub mod transcript;
pub mod verify;

pub use action::{
    Action, EarlyDataStatus, HandshakeSummary, Tls12TrafficKey, Tls13TrafficKey, TrafficKey,
};
pub use common::{MAX_KEY_UPDATES_IN_A_ROW, SignRequest};
pub use config::{
    ClientParams, DEFAULT_CLIENT_GROUPS, DEFAULT_TICKET_KEY_PERIOD, HrrCookieKey, ServerParams,
    default_client_groups, default_server_groups,
};
pub use connection::{
    Connection, ConnectionError, ConnectionInfo, IoState, KeyLog, MAX_EARLY_PLAINTEXT,
    MAX_KEPT_TICKET_BYTES, MAX_KEPT_TICKETS, MAX_RECEIVED_PLAINTEXT, MAX_WARNING_ALERTS,
    ReceiveBlocked,
};
pub use machine::StateMachine;
/// The session stores and ticketers resumption runs on (the `qssl-session` crate).
pub use qssl_session as session;
pub use resolve::{
    CertificateCriteria, CertificateResolver, CertificateSet, CertificateSetError, CertifiedKey,
};

pub use codec::extensions::{
    CertificateStatus, CertificateStatusRequest, CertificateStatusType, Extension,
    ExtensionContext, ExtensionType, KeyShareEntry, PreSharedKeyOffer, PskIdentity,
    PskKeyExchangeMode, encode_extensions, find_extension, parse_extensions,
};
pub use codec::hello::{ClientHello, HELLO_RETRY_REQUEST_RANDOM, Random, ServerHello};
pub use codec::joiner::{HandshakeJoiner, RawHandshake};
pub use codec::limits;
pub use codec::limits::DecodeLimits;
pub use codec::message::{HANDSHAKE_HEADER_LEN, HandshakeHeader, HandshakeMessage};
pub use codec::post_handshake::{KeyUpdate, KeyUpdateRequest, NewSessionTicket};
pub use codec::server_flight::{
    Certificate, CertificateEntry, CertificateRequest, CertificateVerify, EncryptedExtensions,
    Finished,
};
pub use codec::tls12::{
    ClientCertificateType, ClientKeyExchange, DigitallySigned, EC_CURVE_TYPE_NAMED_CURVE,
    ServerEcdhParams, ServerKeyExchange, Tls12Certificate, Tls12CertificateRequest, Tls12Message,
    Tls12NewSessionTicket,
};
pub use codec::{HandshakeType, ProtocolVersion};
pub use error::{EncodeError, Error, InvalidMessage, PeerIncompatible, PeerMisbehaved};
pub use verify::{
    CertificateDer, CertificateError, ClientCertVerifier, PathSignature, RootCertStore,
    ServerCertVerifier, ServerName, TrustAnchor, UnixTime, VerifiedPath, WebPkiClientVerifier,
    WebPkiServerVerifier,
};

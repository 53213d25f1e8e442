//! Interoperability tests for Q-SSL: the peers, the test PKI and the loopback
//! driver.
//!
//! This crate is test-only (`publish = false`). It drives OpenSSL 3.5+ (the
//! `openssl` crate, `vendored`: built from source by `openssl-src`) and rustls 0.23
//! (aws-lc-rs provider) in process over 127.0.0.1, so the rest of the workspace
//! never compiles either. Every implementation — Q-SSL ([`QsslClient`], [`QsslServer`]) too —
//! plugs in through two traits, [`ClientPeer`] and [`ServerPeer`], which turn a
//! recorded TCP stream into an established [`TlsSession`]; the driver
//! ([`spawn_server`], [`run_client`]) does sockets, threads, time-outs, the
//! request/response exchange, KeyUpdate timing, and reads the hellos off the wire
//! ([`wire`]) so that every connection's group and suite are known even where an
//! implementation's API is silent.
//!
//! For session resumption, which an OpenSSL client can only do through
//! `SSL_set_session` (an `unsafe fn` in the `openssl` crate), OpenSSL's own
//! `s_client` program is driven as a child process ([`SClient`]); so is its 0-RTT
//! data ([`SClient::run_early`]).
//!
//! 0-RTT (RFC 8446 §2.3): each end reports what became of the early data
//! ([`Negotiated::early_data`]); [`QsslClient::run_early`] sends some and keeps
//! the first flight an attacker could record, which [`replay`] sends again;
//! [`QsslServer::with_log`] records what each server connection took even when
//! its handshake never completes (a replay's cannot).
//!
//! ```
//! use qssl_interop::{
//!     run_client, spawn_server, ClientOptions, KeyAlgorithm, KeyUpdate, NamedGroup,
//!     OpenSslClient, Response, RustlsServer, ServerOptions, TestPki, Workload,
//! };
//!
//! let pki = TestPki::generate(KeyAlgorithm::EcdsaP256)?;
//! let mut server = ServerOptions::new(pki.server.clone());
//! server.groups = vec![NamedGroup::X25519MLKEM768];
//! let running = spawn_server(Box::new(RustlsServer::new(&server)?), 1, false)?;
//!
//! let mut client = ClientOptions::new(pki.root_pem.clone());
//! client.groups = vec![NamedGroup::X25519MLKEM768];
//! let client = OpenSslClient::new(&client)?;
//! let done = run_client(&client, running.addr, &Workload::Echo(b"hi".to_vec()), KeyUpdate::Never)?;
//!
//! assert_eq!(done.response, Response::Echo(b"hi".to_vec()));
//! assert_eq!(done.report.group(), Some(NamedGroup::X25519MLKEM768));
//! assert_eq!(running.join_one()?.report.negotiated.group, Some(NamedGroup::X25519MLKEM768));
//! # Ok::<(), qssl_interop::PeerError>(())
//! ```

mod error;
mod openssl_command;
mod openssl_peer;
mod peer;
pub mod pki;
mod qssl_peer;
mod rustls_peer;
pub mod wire;

pub use error::PeerError;
pub use openssl_command::{OPENSSL_PROGRAM_VAR, SClient, SClientRun};
pub use openssl_peer::{
    OpenSslClient, OpenSslEarlyData, OpenSslServer, openssl_ciphersuites, openssl_groups_list,
    openssl_version,
};
pub use peer::{
    ClientOptions, ClientPeer, ClientReport, EarlyData, IO_TIMEOUT, KeyUpdate, MAX_ECHO,
    Negotiated, Report, Response, RunningServer, ServerOptions, ServerPeer, ServerReport, TLS13,
    TlsSession, Workload, replay, run_client, spawn_server,
};
pub use pki::{Identity, KeyAlgorithm, TestPki, verify_with_openssl};
pub use qssl_crypto::ids::{CipherSuite, NamedGroup, SignatureScheme};
pub use qssl_peer::{AcceptLog, QSSL_NAME, QsslAccept, QsslClient, QsslEarlyRun, QsslServer};
pub use rustls_peer::{
    RUSTLS_VERSION, RustlsClient, RustlsResumption, RustlsServer, rustls_group, rustls_suite,
};
pub use wire::WireTap;

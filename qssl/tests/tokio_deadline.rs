//! The tokio adapter's handshake deadline (issue 14): `TlsAcceptor::with_handshake_timeout`
//! ends a handshake that a silent or trickling peer holds open with `TimedOut` (and
//! `into_fallible` gives the transport back); a handshake that completes in time is
//! unaffected; without the setting (the default) there is no deadline.
#![cfg(feature = "tokio")]

mod common;

use std::io;
use std::sync::Arc;
use std::time::{Duration, Instant};

use common::*;
use qssl::pki_types::ServerName;
use qssl::tokio::{TlsAcceptor, TlsConnector};
use qssl_crypto::sign::KeyAlgorithm;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

fn endpoints() -> (TlsConnector, TlsAcceptor) {
    let (cb, sb) = configs(&pki_for(KeyAlgorithm::EcdsaP256));
    (
        TlsConnector::from(Arc::new(cb.build().unwrap())),
        TlsAcceptor::from(Arc::new(sb.build().unwrap())),
    )
}

/// A ClientHello record from our own client.
fn client_hello() -> Vec<u8> {
    let (cb, sb) = configs(&pki_for(KeyAlgorithm::EcdsaP256));
    let (mut c, _) = pair(cb.build().unwrap(), sb.build().unwrap());
    let mut out = Vec::new();
    while c.wants_write() {
        c.write_tls(&mut out).unwrap();
    }
    out
}

const TIMEOUT: Duration = Duration::from_millis(500);

#[tokio::test]
async fn a_silent_peer_is_timed_out() {
    let (_, acceptor) = endpoints();
    let acceptor = acceptor.with_handshake_timeout(TIMEOUT);
    assert_eq!(acceptor.handshake_timeout(), Some(TIMEOUT));
    let (_client_io, server_io) = tokio::io::duplex(64 * 1024);
    let start = Instant::now();
    let err = acceptor.accept(server_io).await.unwrap_err();
    let took = start.elapsed();
    assert_eq!(err.kind(), io::ErrorKind::TimedOut, "{err}");
    assert!(
        took >= TIMEOUT && took < TIMEOUT * 6,
        "timed out after {took:?}"
    );
}

/// A ClientHello sent a byte every 20 ms (about 30 s in all): the deadline counts from
/// `accept`, not from the last byte; the fallible form hands the transport back.
#[tokio::test]
async fn a_trickling_peer_is_timed_out_and_the_transport_returned() {
    let (_, acceptor) = endpoints();
    let acceptor = acceptor.with_handshake_timeout(TIMEOUT);
    let (mut client_io, server_io) = tokio::io::duplex(64 * 1024);
    let hello = client_hello();
    let trickle = tokio::spawn(async move {
        for b in hello {
            if client_io.write_all(&[b]).await.is_err() {
                return;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    });
    let start = Instant::now();
    let (err, mut io) = acceptor
        .accept(server_io)
        .into_fallible()
        .await
        .map(drop)
        .unwrap_err();
    let took = start.elapsed();
    assert_eq!(err.kind(), io::ErrorKind::TimedOut, "{err}");
    assert!(
        took >= TIMEOUT && took < TIMEOUT * 6,
        "timed out after {took:?}"
    );
    // The transport is usable: the trickle is still arriving on it.
    let mut buf = [0u8; 1];
    assert_eq!(io.read(&mut buf).await.unwrap(), 1);
    trickle.abort();
}

#[tokio::test]
async fn a_handshake_in_time_is_not_affected() {
    let (connector, acceptor) = endpoints();
    let acceptor = acceptor.with_handshake_timeout(Duration::from_secs(30));
    let (client_io, server_io) = tokio::io::duplex(64 * 1024);
    let server = tokio::spawn(async move {
        let mut tls = acceptor.accept(server_io).await.unwrap();
        let mut buf = [0u8; 4];
        tls.read_exact(&mut buf).await.unwrap();
        tls.write_all(&buf).await.unwrap();
        tls.shutdown().await.unwrap();
    });
    let mut tls = connector
        .connect(ServerName::try_from("localhost").unwrap(), client_io)
        .await
        .unwrap();
    tls.write_all(b"ping").await.unwrap();
    let mut echo = Vec::new();
    tls.read_to_end(&mut echo).await.unwrap();
    assert_eq!(echo, b"ping");
    server.await.unwrap();
}

/// The default: no deadline, the handshake waits for the silent peer.
#[tokio::test]
async fn by_default_there_is_no_deadline() {
    let (_, acceptor) = endpoints();
    assert_eq!(acceptor.handshake_timeout(), None);
    let (_client_io, server_io) = tokio::io::duplex(64 * 1024);
    let waited = tokio::time::timeout(Duration::from_secs(2), acceptor.accept(server_io)).await;
    assert!(waited.is_err(), "accept ended: {waited:?}");
}

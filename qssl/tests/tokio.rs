//! The tokio adapter (`qssl::tokio`) over `tokio::io::duplex` and loopback TCP:
//! X25519MLKEM768 + ML-DSA-65 handshakes, 1 MiB echoed while it is being sent,
//! close_notify both ways, EOF without close_notify, handshake failures as `io::Error`s
//! naming the alert. Every test is bounded in time.
#![cfg(feature = "tokio")]

mod common;

use std::future::Future;
use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::task::{Context, Poll};
use std::time::Duration;

use common::*;
use qssl::pki_types::ServerName;
use qssl::tokio::{TlsAcceptor, TlsConnector, TlsError};
use qssl::{AlertDescription, ClientConfig, Error};
use qssl_crypto::ids::{NamedGroup, SignatureScheme};
use qssl_crypto::sign::KeyAlgorithm;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt, DuplexStream};
use tokio::net::{TcpListener, TcpStream};

const LIMIT: Duration = Duration::from_secs(60);
const MIB: usize = 1 << 20;

/// Runs `f` on a multi-threaded runtime (client and server on separate threads when
/// they are spawned), failing the test if it takes longer than [`LIMIT`].
fn run<F: Future<Output = ()> + Send + 'static>(f: F) {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        tokio::time::timeout(LIMIT, f)
            .await
            .expect("test timed out");
    });
}

fn endpoints() -> (TlsConnector, TlsAcceptor) {
    let p = pki_for(KeyAlgorithm::MlDsa65);
    let (cb, sb) = configs(&p);
    (
        TlsConnector::from(Arc::new(cb.build().unwrap())),
        TlsAcceptor::from(Arc::new(sb.build().unwrap())),
    )
}

fn localhost() -> ServerName<'static> {
    ServerName::try_from("localhost").unwrap()
}

/// A small duplex buffer, so that both sides hit backpressure many times per MiB.
fn duplex() -> (DuplexStream, DuplexStream) {
    tokio::io::duplex(8 * 1024)
}

async fn tcp_pair() -> (TcpStream, TcpStream) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (client, server) = tokio::join!(TcpStream::connect(addr), listener.accept());
    (client.unwrap(), server.unwrap().0)
}

/// A pattern that a shifted or dropped byte cannot reproduce.
fn pattern(len: usize, seed: u8) -> Vec<u8> {
    (0..len)
        .map(|i| (i as u32).wrapping_mul(2_654_435_761).to_le_bytes()[1] ^ seed)
        .collect()
}

fn tls_error(e: &io::Error) -> Error {
    e.get_ref()
        .and_then(|inner| inner.downcast_ref::<TlsError>())
        .unwrap_or_else(|| panic!("not a TLS error: {e:?}"))
        .error()
}

/// Handshake, check what was negotiated on both sides, then: the server echoes
/// everything until the client's close_notify, answers with its own; the client
/// sends 1 MiB while it reads the echo, then reads `Ok(0)`.
async fn handshake_echo_close<IO>(client_io: IO, server_io: IO)
where
    IO: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let (connector, acceptor) = endpoints();
    let server = tokio::spawn(async move {
        let tls = acceptor.accept(server_io).await.unwrap();
        let info = tls.get_ref().1.connection_info().unwrap();
        assert_eq!(info.key_exchange_group, Some(NamedGroup::X25519MLKEM768));
        assert_eq!(info.server_signature_scheme, SignatureScheme::MLDSA65);
        // The server reports its peer's authentication: no client certificate.
        assert!(info.kx_post_quantum && !info.peer_auth_post_quantum);
        assert_eq!(tls.get_ref().1.server_name(), Some("localhost"));

        let (mut rd, mut wr) = tokio::io::split(tls);
        // `copy` ends when a read returns Ok(0): only the client's close_notify does.
        let echoed = tokio::io::copy(&mut rd, &mut wr).await.unwrap();
        assert_eq!(echoed, MIB as u64);
        wr.shutdown().await.unwrap();
        // After both close_notifys, reads stay at Ok(0).
        let mut tls = rd.unsplit(wr);
        assert_eq!(tls.read(&mut [0u8; 16]).await.unwrap(), 0);
    });

    let tls = connector.connect(localhost(), client_io).await.unwrap();
    let (_, conn) = tls.get_ref();
    let info = conn.connection_info().unwrap();
    assert_eq!(info.key_exchange_group, Some(NamedGroup::X25519MLKEM768));
    assert_eq!(info.server_signature_scheme, SignatureScheme::MLDSA65);
    assert!(info.kx_post_quantum && info.peer_auth_post_quantum);
    assert_eq!(conn.peer_signature_scheme(), Some(SignatureScheme::MLDSA65));
    assert!(!conn.is_handshaking());

    let data = pattern(MIB, 0x5a);
    let (mut rd, mut wr) = tokio::io::split(tls);
    let sent = data.clone();
    let writer = async move {
        // Odd-sized writes, so records and chunks do not line up with the pattern.
        for piece in sent.chunks(100_003) {
            wr.write_all(piece).await.unwrap();
        }
        wr.shutdown().await.unwrap(); // close_notify; the echo keeps coming
        wr
    };
    let reader = async move {
        let mut got = Vec::with_capacity(MIB);
        let n = rd.read_to_end(&mut got).await.unwrap(); // up to the server's close_notify
        assert_eq!(n, MIB);
        (rd, got)
    };
    let (wr, (rd, got)) = tokio::join!(writer, reader);
    assert!(got == data, "echo differs");
    let mut tls = rd.unsplit(wr);
    assert_eq!(tls.read(&mut [0u8; 16]).await.unwrap(), 0);
    // Nothing may be written after our close_notify.
    let e = tls.write_all(b"late").await.unwrap_err();
    assert_eq!(e.kind(), io::ErrorKind::BrokenPipe);
    server.await.unwrap();
}

#[test]
fn duplex_handshake_echo_and_close_notify() {
    run(async {
        let (c, s) = duplex();
        handshake_echo_close(c, s).await;
    });
}

#[test]
fn tcp_handshake_echo_and_close_notify() {
    run(async {
        let (c, s) = tcp_pair().await;
        handshake_echo_close(c, s).await;
    });
}

/// Both sides send 1 MiB at once and read the other's; neither may block the other.
#[test]
fn duplex_both_directions_at_once() {
    run(async {
        let (c, s) = duplex();
        let (connector, acceptor) = endpoints();
        let side = |data: Vec<u8>, expect: Vec<u8>| {
            move |tls: Box<dyn AsyncReadWrite>| async move {
                let (mut rd, mut wr) = tokio::io::split(tls);
                let writer = async {
                    wr.write_all(&data).await.unwrap();
                    wr.flush().await.unwrap();
                };
                let reader = async {
                    let mut got = vec![0u8; expect.len()];
                    rd.read_exact(&mut got).await.unwrap();
                    assert!(got == expect, "data differs");
                };
                tokio::join!(writer, reader);
            }
        };
        let (a, b) = (pattern(MIB, 1), pattern(MIB, 2));
        let server_side = side(b.clone(), a.clone());
        let server = tokio::spawn(async move {
            let tls = acceptor.accept(s).await.unwrap();
            server_side(Box::new(tls)).await;
        });
        let tls = connector.connect(localhost(), c).await.unwrap();
        side(a, b)(Box::new(tls)).await;
        server.await.unwrap();
    });
}

trait AsyncReadWrite: AsyncRead + AsyncWrite + Unpin + Send {}
impl<T: AsyncRead + AsyncWrite + Unpin + Send> AsyncReadWrite for T {}

/// The client reads a byte (so nothing is left unread: over TCP that would turn the
/// close into a reset), then drops its transport without close_notify.
async fn eof_without_close_notify<IO>(client_io: IO, server_io: IO)
where
    IO: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let (connector, acceptor) = endpoints();
    let client = tokio::spawn(async move {
        let mut tls = connector.connect(localhost(), client_io).await.unwrap();
        let mut b = [0u8; 1];
        tls.read_exact(&mut b).await.unwrap();
        tls.write_all(b"partial").await.unwrap();
        tls.flush().await.unwrap();
        drop(tls);
    });
    let mut tls = acceptor.accept(server_io).await.unwrap();
    tls.write_all(b"x").await.unwrap();
    let mut got = Vec::new();
    let e = tls.read_to_end(&mut got).await.unwrap_err();
    assert_eq!(e.kind(), io::ErrorKind::UnexpectedEof, "{e}");
    assert_eq!(got, b"partial", "data before the EOF is delivered");
    // The error sticks.
    let e = tls.read(&mut [0u8; 4]).await.unwrap_err();
    assert_eq!(e.kind(), io::ErrorKind::UnexpectedEof);
    client.await.unwrap();
}

#[test]
fn duplex_eof_without_close_notify_is_unexpected_eof() {
    run(async {
        let (c, s) = duplex();
        eof_without_close_notify(c, s).await;
    });
}

#[test]
fn tcp_eof_without_close_notify_is_unexpected_eof() {
    run(async {
        let (c, s) = tcp_pair().await;
        eof_without_close_notify(c, s).await;
    });
}

/// A client trusting another root: it refuses the server's certificate with
/// unknown_ca, the server reports the alert it received. Both errors say so.
async fn wrong_root<IO>(client_io: IO, server_io: IO)
where
    IO: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let (_, acceptor) = endpoints();
    let other = pki_for(KeyAlgorithm::EcdsaP256);
    let connector = TlsConnector::from(Arc::new(
        ClientConfig::builder()
            .with_root_certificates(other.roots())
            .build()
            .unwrap(),
    ));
    let server = tokio::spawn(async move { acceptor.accept(server_io).await.map(|_| ()) });
    // Keep the client's transport until the server has read the alert: over TCP, a
    // close with unread bytes would be a reset instead.
    let (e, client_io) = connector
        .connect(localhost(), client_io)
        .into_fallible()
        .await
        .map(|_| ())
        .unwrap_err();
    assert_eq!(e.kind(), io::ErrorKind::InvalidData);
    assert!(e.to_string().contains("unknown_ca"), "client: {e}");
    assert!(matches!(tls_error(&e), Error::Handshake(_)));
    assert_eq!(
        e.get_ref()
            .and_then(|i| i.downcast_ref::<TlsError>())
            .unwrap()
            .alert_sent(),
        Some(AlertDescription::UNKNOWN_CA)
    );

    let e = server.await.unwrap().unwrap_err();
    drop(client_io);
    assert_eq!(e.kind(), io::ErrorKind::InvalidData);
    assert!(e.to_string().contains("unknown_ca"), "server: {e}");
    assert_eq!(
        tls_error(&e),
        Error::AlertReceived(AlertDescription::UNKNOWN_CA)
    );
}

#[test]
fn duplex_wrong_root_fails_with_unknown_ca() {
    run(async {
        let (c, s) = duplex();
        wrong_root(c, s).await;
    });
}

#[test]
fn tcp_wrong_root_fails_with_unknown_ca() {
    run(async {
        let (c, s) = tcp_pair().await;
        wrong_root(c, s).await;
    });
}

/// A peer that hangs up mid-handshake ends the handshake with UnexpectedEof, and a
/// server that never answers leaves the client pending: not polled again until the
/// transport wakes it (no spin), no error.
#[test]
fn duplex_handshake_eof_and_silence() {
    run(async {
        let (connector, _) = endpoints();
        let (c, mut s) = duplex();
        let client = tokio::spawn(async move { connector.connect(localhost(), c).await });
        // Read the ClientHello, then hang up.
        let mut hello = [0u8; 5];
        s.read_exact(&mut hello).await.unwrap();
        assert_eq!(hello[0], 22, "a handshake record");
        drop(s);
        let e = client.await.unwrap().map(|_| ()).unwrap_err();
        assert_eq!(e.kind(), io::ErrorKind::UnexpectedEof);

        let (connector, _) = endpoints();
        let (c, _s) = duplex();
        let polls = Arc::new(AtomicUsize::new(0));
        let silent = tokio::time::timeout(
            Duration::from_millis(200),
            CountPolls(connector.connect(localhost(), c), polls.clone()),
        )
        .await;
        assert!(silent.is_err(), "a handshake without a peer cannot finish");
        // Woken only by the transport: one poll to send the ClientHello, none while
        // the peer is silent.
        assert!(polls.load(Ordering::Relaxed) <= 2, "{polls:?} polls");
    });
}

/// Counts the polls of the future it wraps.
struct CountPolls<F>(F, Arc<AtomicUsize>);

impl<F: Future + Unpin> Future for CountPolls<F> {
    type Output = F::Output;
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        self.1.fetch_add(1, Ordering::Relaxed);
        Pin::new(&mut self.0).poll(cx)
    }
}

/// Garbage from the "server" is a TLS error carrying the alert we sent.
#[test]
fn duplex_garbage_is_a_tls_error() {
    run(async {
        let (connector, _) = endpoints();
        let (c, mut s) = duplex();
        let client = tokio::spawn(async move { connector.connect(localhost(), c).await });
        s.write_all(b"HTTP/1.1 400 Bad Request\r\n\r\n")
            .await
            .unwrap();
        let e = client.await.unwrap().map(|_| ()).unwrap_err();
        assert_eq!(e.kind(), io::ErrorKind::InvalidData);
        let err = tls_error(&e);
        let alert = err.alert().expect("an alert is sent");
        assert!(e.to_string().contains(&alert.to_string()), "{e}");
    });
}

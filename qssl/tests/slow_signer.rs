//! Handshakes that pause for a slow key's signature (an HSM key: `signs_slowly`):
//! the sans-I/O connection hands out a `SignRequest`, sends what the flight has so
//! far, reads nothing more until the signature comes back, and finishes the flight
//! with it — for the TLS 1.3 server CertificateVerify, the TLS 1.3 client
//! CertificateVerify, the TLS 1.2 ServerKeyExchange and the TLS 1.2 client
//! CertificateVerify; a failed signature ends the handshake with internal_error; and
//! in the tokio adapter a 200 ms signer does not hold up a handshake with a software
//! key on the same single-threaded runtime.
#![cfg(feature = "tokio")]

mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use common::*;
use qssl::{AlertDescription as A, ConnectionCommon, Error, TlsVersion};
use qssl_crypto::error::CryptoError;
use qssl_crypto::sign::{KeyAlgorithm, SignatureScheme, SigningKey};

/// A software key that says it is slow (as a PKCS#11 key does) and sleeps `delay`
/// in every signature; `signed` counts them.
#[derive(Debug)]
struct SlowKey {
    inner: Box<dyn SigningKey>,
    delay: Duration,
    signed: Arc<AtomicUsize>,
}

impl SigningKey for SlowKey {
    fn algorithm(&self) -> KeyAlgorithm {
        self.inner.algorithm()
    }

    fn schemes(&self) -> &[SignatureScheme] {
        self.inner.schemes()
    }

    fn sign(&self, scheme: SignatureScheme, message: &[u8]) -> Result<Vec<u8>, CryptoError> {
        std::thread::sleep(self.delay);
        self.signed.fetch_add(1, Ordering::SeqCst);
        self.inner.sign(scheme, message)
    }

    fn public_key_spki(&self) -> Vec<u8> {
        self.inner.public_key_spki()
    }

    fn signs_slowly(&self) -> bool {
        true
    }
}

fn slow(p: &Pki, delay: Duration) -> (Box<SlowKey>, Arc<AtomicUsize>) {
    let signed = Arc::new(AtomicUsize::new(0));
    let key = SlowKey {
        inner: p.key(),
        delay,
        signed: signed.clone(),
    };
    (Box::new(key), signed)
}

/// Moves bytes both ways until neither side has anything to say; whoever waits for
/// a signature stays waiting (inline signing is off on both).
fn settle(c: &mut ConnectionCommon, s: &mut ConnectionCommon) -> Result<(), Error> {
    for _ in 0..16 {
        let (a, r) = transfer(c, s);
        r?;
        let (b, r) = transfer(s, c);
        r?;
        if a == 0 && b == 0 {
            break;
        }
    }
    Ok(())
}

/// One handshake where `signer` (the client or the server) holds a slow key: it
/// pauses with a request, the peer has received the flight so far (and not the
/// rest), the signature completes it. Returns the negotiated version.
fn paused_handshake(
    cb: qssl::ClientConfigBuilder,
    sb: qssl::ServerConfigBuilder,
    signer_is_server: bool,
) -> TlsVersion {
    let (mut c, mut s) = pair(cb.build().unwrap(), sb.build().unwrap());
    c.set_inline_signing(false);
    s.set_inline_signing(false);
    settle(&mut c, &mut s).unwrap();
    let (signer, peer): (&mut ConnectionCommon, &mut ConnectionCommon) = if signer_is_server {
        (&mut s, &mut c)
    } else {
        (&mut c, &mut s)
    };
    assert!(
        signer.awaits_signature(),
        "the handshake waits for the signature"
    );
    assert!(peer.is_handshaking() && signer.is_handshaking());
    let request = signer
        .take_signature_request()
        .expect("a signature request");
    assert!(signer.take_signature_request().is_none(), "handed out once");
    let signature = request.sign();
    signer.complete_signature(signature).unwrap();
    assert!(!signer.awaits_signature());
    settle(&mut c, &mut s).unwrap();
    assert!(!c.is_handshaking() && !s.is_handshaking());
    send_and_check(&mut c, &mut s, b"after the pause");
    send_and_check(&mut s, &mut c, b"and back");
    c.connection_info().unwrap().protocol_version
}

#[test]
fn tls13_server_certificate_verify_waits_for_a_slow_key() {
    let p = pki_for(KeyAlgorithm::EcdsaP256);
    let (key, signed) = slow(&p, Duration::ZERO);
    let cb = qssl::ClientConfig::builder().with_root_certificates(p.roots());
    let sb = qssl::ServerConfig::builder().with_single_cert(p.chain.clone(), key);
    assert_eq!(paused_handshake(cb, sb, true), TlsVersion::Tls13);
    assert_eq!(signed.load(Ordering::SeqCst), 1);
}

#[test]
fn tls12_server_key_exchange_waits_for_a_slow_key() {
    let p = pki_for(KeyAlgorithm::EcdsaP384);
    let (key, signed) = slow(&p, Duration::ZERO);
    let cb = qssl::ClientConfig::builder()
        .with_root_certificates(p.roots())
        .with_protocol_versions(&[TlsVersion::Tls12]);
    let sb = qssl::ServerConfig::builder()
        .with_single_cert(p.chain.clone(), key)
        .with_tls12();
    assert_eq!(paused_handshake(cb, sb, true), TlsVersion::Tls12);
    assert_eq!(signed.load(Ordering::SeqCst), 1);
}

/// The client's CertificateVerify with its key slow, in both versions.
#[test]
fn client_certificate_verify_waits_for_a_slow_key() {
    for version in [TlsVersion::Tls13, TlsVersion::Tls12] {
        let server_pki = pki_for(KeyAlgorithm::EcdsaP256);
        let client_pki = pki_for(KeyAlgorithm::Ed25519);
        let (key, signed) = slow(&client_pki, Duration::ZERO);
        let cb = qssl::ClientConfig::builder()
            .with_root_certificates(server_pki.roots())
            .with_client_auth_cert(client_pki.chain.clone(), key)
            .with_protocol_versions(&[version]);
        let sb = qssl::ServerConfig::builder()
            .with_single_cert(server_pki.chain.clone(), server_pki.key())
            .with_tls12()
            .with_client_cert_verifier(Arc::new(qssl::WebPkiClientVerifier::new(
                client_pki.roots(),
                &qssl_crypto::provider::default_provider(),
                true,
            )));
        assert_eq!(paused_handshake(cb, sb, false), version);
        assert_eq!(signed.load(Ordering::SeqCst), 1, "{version:?}");
    }
}

/// A key that fails (a token removed mid-handshake) ends the handshake: internal_error
/// for the peer.
#[test]
fn a_failed_slow_signature_is_internal_error() {
    let p = pki_for(KeyAlgorithm::EcdsaP256);
    let (key, _) = slow(&p, Duration::ZERO);
    let (mut c, mut s) = pair(
        qssl::ClientConfig::builder()
            .with_root_certificates(p.roots())
            .build()
            .unwrap(),
        qssl::ServerConfig::builder()
            .with_single_cert(p.chain.clone(), key)
            .build()
            .unwrap(),
    );
    s.set_inline_signing(false);
    settle(&mut c, &mut s).unwrap();
    assert!(s.take_signature_request().is_some());
    let err = s
        .complete_signature(Err(CryptoError::SigningFailed("token removed")))
        .unwrap_err();
    assert_eq!(err.alert(), Some(A::INTERNAL_ERROR));
    let (_, r) = transfer(&mut s, &mut c);
    assert_eq!(r, Err(Error::AlertReceived(A::INTERNAL_ERROR)));
}

/// The default (inline signing) still completes with a slow key: the blocking path.
#[test]
fn inline_signing_completes_by_default() {
    let p = pki_for(KeyAlgorithm::EcdsaP256);
    let (key, signed) = slow(&p, Duration::ZERO);
    let (mut c, mut s) = pair(
        qssl::ClientConfig::builder()
            .with_root_certificates(p.roots())
            .build()
            .unwrap(),
        qssl::ServerConfig::builder()
            .with_single_cert(p.chain.clone(), key)
            .build()
            .unwrap(),
    );
    do_handshake(&mut c, &mut s);
    assert_eq!(signed.load(Ordering::SeqCst), 1);
}

/// On ONE executor thread: a server whose key takes 200 ms to sign, and a server with
/// a software key. The slow handshake starts first; the fast one, started after it,
/// still finishes first — the slow signature runs on the blocking pool, not on the
/// executor thread. (Signing inline would hold the thread for the 200 ms and finish
/// the slow handshake first.) The assertion is on order, not on durations.
#[test]
fn a_slow_signer_does_not_hold_up_other_handshakes_on_the_runtime() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let p = pki_for(KeyAlgorithm::EcdsaP256);
    let (key, signed) = slow(&p, Duration::from_millis(200));
    let slow_server = Arc::new(
        qssl::ServerConfig::builder()
            .with_single_cert(p.chain.clone(), key)
            .build()
            .unwrap(),
    );
    let fast_server = Arc::new(
        qssl::ServerConfig::builder()
            .with_single_cert(p.chain.clone(), p.key())
            .build()
            .unwrap(),
    );
    let client = Arc::new(
        qssl::ClientConfig::builder()
            .with_root_certificates(p.roots())
            .without_resumption()
            .build()
            .unwrap(),
    );
    let order = Arc::new(std::sync::Mutex::new(Vec::new()));
    rt.block_on(async {
        let run = |server: Arc<qssl::ServerConfig>, name: &'static str| {
            let client = client.clone();
            let order = order.clone();
            async move {
                let (a, b) = tokio::io::duplex(64 * 1024);
                let acceptor = qssl::tokio::TlsAcceptor::from(server);
                let connector = qssl::tokio::TlsConnector::from(client);
                let server = tokio::spawn(async move {
                    let mut s = acceptor.accept(b).await.unwrap();
                    let mut buf = [0u8; 4];
                    s.read_exact(&mut buf).await.unwrap();
                    s.write_all(&buf).await.unwrap();
                    s.flush().await.unwrap();
                });
                let mut c = connector
                    .connect("localhost".try_into().unwrap(), a)
                    .await
                    .unwrap();
                order.lock().unwrap().push(name);
                c.write_all(b"ping").await.unwrap();
                let mut buf = [0u8; 4];
                c.read_exact(&mut buf).await.unwrap();
                assert_eq!(&buf, b"ping");
                server.await.unwrap();
            }
        };
        let slow_task = tokio::spawn(run(slow_server, "slow"));
        // Let the slow handshake reach its signature before the fast one starts.
        tokio::task::yield_now().await;
        tokio::task::yield_now().await;
        let fast_task = tokio::spawn(run(fast_server, "fast"));
        tokio::time::timeout(Duration::from_secs(60), async {
            fast_task.await.unwrap();
            slow_task.await.unwrap();
        })
        .await
        .expect("handshakes did not finish");
    });
    assert_eq!(*order.lock().unwrap(), ["fast", "slow"]);
    assert_eq!(signed.load(Ordering::SeqCst), 1);
}

//! Requests per second over `qssl::pool` (reuse, and a resumed handshake per request)
//! against a new full handshake per request: X25519MLKEM768 + ML-DSA-65, a Q-SSL echo
//! server on loopback TCP, one client thread, a 64-byte request echoed back.
//!
//! `cargo run --release -p qssl --example pool_bench [SECONDS]` (default 3 per mode).

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::Arc;
use std::time::{Duration, Instant};

use qssl::crypto::sign::{KeyAlgorithm, SigningKey};
use qssl::crypto::{keys, pki};
use qssl::pki_types::{CertificateDer, ServerName};
use qssl::pool::{Pool, PoolConfig};
use qssl::{
    ClientConfig, ClientConnection, RootCertStore, ServerConfig, ServerConnection, StreamOwned,
};

type Res<T> = Result<T, Box<dyn std::error::Error>>;

fn pki() -> Res<(
    CertificateDer<'static>,
    CertificateDer<'static>,
    Box<dyn SigningKey>,
)> {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)?
        .as_secs();
    let root_key = keys::generate(KeyAlgorithm::MlDsa65)?;
    let mut ca = pki::CertificateParams::new("bench root", &[1], now - 60, now + 3600);
    ca.role = pki::CertificateRole::Ca { path_len: None };
    let root = pki::self_signed(&ca, &pki::KeySigner(&root_key))?;
    let leaf_key = keys::generate(KeyAlgorithm::MlDsa65)?;
    let mut ee = pki::CertificateParams::new("", &[2], now - 60, now + 3600);
    ee.dns_names = vec!["localhost".into()];
    let leaf = pki::issue(
        &ee,
        &leaf_key.public_key_spki(),
        &root.der,
        &pki::KeySigner(&root_key),
    )?;
    Ok((
        CertificateDer::from(root.der),
        CertificateDer::from(leaf.der),
        Box::new(leaf_key),
    ))
}

/// An echo server, one thread per connection.
fn serve(listener: TcpListener, config: Arc<ServerConfig>) {
    for sock in listener.incoming().flatten() {
        let config = config.clone();
        std::thread::spawn(move || {
            let _ = sock.set_nodelay(true);
            let Ok(conn) = ServerConnection::new(config) else {
                return;
            };
            let mut tls = StreamOwned::new(conn, sock);
            let mut buf = [0u8; 4096];
            while let Ok(n) = tls.read(&mut buf) {
                if n == 0 || tls.write_all(&buf[..n]).is_err() {
                    break;
                }
            }
        });
    }
}

fn request(io: &mut impl ReadWrite, msg: &[u8], back: &mut [u8]) -> Res<()> {
    io.write_all(msg)?;
    io.read_exact(back)?;
    if back != msg {
        return Err("echo mismatch".into());
    }
    Ok(())
}

trait ReadWrite: Read + Write {}
impl<T: Read + Write> ReadWrite for T {}

/// Runs `f` for `secs`; returns requests per second.
fn rate(secs: Duration, mut f: impl FnMut() -> Res<()>) -> Res<f64> {
    let start = Instant::now();
    let mut n = 0u64;
    while start.elapsed() < secs {
        f()?;
        n += 1;
    }
    Ok(n as f64 / start.elapsed().as_secs_f64())
}

fn main() -> Res<()> {
    let secs = Duration::from_secs(
        std::env::args()
            .nth(1)
            .and_then(|s| s.parse().ok())
            .unwrap_or(3),
    );
    let (root, leaf, key) = pki()?;
    let server = Arc::new(
        ServerConfig::builder()
            .with_single_cert(vec![leaf], key)
            .build()?,
    );
    let mut roots = RootCertStore::new();
    roots.add(root)?;
    let roots = Arc::new(roots);
    let listener = TcpListener::bind("127.0.0.1:0")?;
    let addr = listener.local_addr()?;
    std::thread::spawn(move || serve(listener, server));
    let name = ServerName::try_from("localhost")?;
    let msg = [0x5au8; 64];
    let mut back = [0u8; 64];

    // A new TCP connection and a full handshake per request.
    let full = Arc::new(
        ClientConfig::builder()
            .with_root_certificates(roots.clone())
            .without_resumption()
            .build()?,
    );
    let full_rate = rate(secs, || {
        let sock = TcpStream::connect(addr)?;
        sock.set_nodelay(true)?;
        let conn = ClientConnection::new(full.clone(), name.clone())?;
        let mut tls = StreamOwned::new(conn, sock);
        request(&mut tls, &msg, &mut back)
    })?;

    // Through a pool that keeps nothing idle: a new connection per request, resumed.
    let resuming = Arc::new(
        ClientConfig::builder()
            .with_root_certificates(roots.clone())
            .build()?,
    );
    let no_idle = Pool::new(PoolConfig {
        max_idle_per_key: 0,
        ..PoolConfig::default()
    });
    let resumed_rate = rate(secs, || {
        let mut c = no_idle.acquire(&resuming, "127.0.0.1", addr.port(), name.clone())?;
        request(&mut c, &msg, &mut back)
    })?;
    let s = no_idle.stats();

    // Through a pool: the connection is reused.
    let pool = Pool::new(PoolConfig::default());
    let reuse_rate = rate(secs, || {
        let mut c = pool.acquire(&resuming, "127.0.0.1", addr.port(), name.clone())?;
        request(&mut c, &msg, &mut back)
    })?;
    let p = pool.stats();

    println!("| mode | requests/s | ÷ full handshake |");
    println!("|---|---:|---:|");
    println!("| new connection, full handshake per request | {full_rate:.0} | 1.00 |");
    println!(
        "| pool, no idle kept: new connection per request, resumed ({} of {} resumed) | {resumed_rate:.0} | {:.2} |",
        s.resumed,
        s.created,
        resumed_rate / full_rate
    );
    println!(
        "| pool, connection reused ({} created, {} reused) | {reuse_rate:.0} | {:.2} |",
        p.created,
        p.reused,
        reuse_rate / full_rate
    );
    Ok(())
}

//! `qssl demo`: a fresh ML-DSA-65 PKI in memory, a server on 127.0.0.1, a client
//! offering X25519MLKEM768, one exchange with a full handshake and one that resumes
//! it, and what each negotiated and cost.

use std::io::{self, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::Arc;
use std::thread;
use std::time::{Duration, Instant};

use qssl::pki_types::{CertificateDer, ServerName};
use qssl::{
    ClientConfig, ClientConnection, RootCertStore, ServerConfig, ServerConnection, StreamOwned,
};
use qssl_crypto::ids::NamedGroup;

use crate::cert::{self, Alg};
use crate::error::CliError;
use crate::net::{Counted, Counters};
use crate::report::Negotiated;
use crate::tls::{self, IO_TIMEOUT};

const MESSAGE: &[u8] = b"hello, post-quantum world";

/// Further handshakes of each kind timed for the speedup: one pair alone varies
/// several-fold (the first connection pays one-time costs, and the machine may be
/// busy), so the ratio is of medians.
const ROUNDS: usize = 5;

/// Runs `qssl demo`.
pub(crate) fn run() -> Result<(), CliError> {
    let start = Instant::now();
    let pki = cert::make_pki(Alg::Mldsa65, &["localhost".to_owned()])?;
    let pki_time = start.elapsed();
    let chain = vec![
        CertificateDer::from(pki.leaf.certificate.der.clone()),
        CertificateDer::from(pki.intermediate.der.clone()),
    ];
    let chain_bytes: usize = chain.iter().map(|c| c.as_ref().len()).sum();
    let server_config = Arc::new(
        ServerConfig::builder()
            .with_single_cert(chain, Box::new(pki.leaf.key))
            .build()
            .map_err(CliError::Config)?,
    );
    let mut roots = RootCertStore::new();
    roots
        .add(CertificateDer::from(pki.root.der.clone()))
        .map_err(|source| CliError::TrustAnchor {
            path: "the demo root".into(),
            source,
        })?;
    let roots = Arc::new(roots);
    let client_builder = || {
        ClientConfig::builder()
            .with_root_certificates(roots.clone())
            .with_groups(tls::kx_groups(&[NamedGroup::X25519MLKEM768]))
    };
    let client_config = Arc::new(client_builder().build().map_err(CliError::Config)?);
    // For the timing rounds' full handshakes: the same client, never resuming.
    let full_config = Arc::new(
        client_builder()
            .without_resumption()
            .build()
            .map_err(CliError::Config)?,
    );

    let listener = TcpListener::bind("127.0.0.1:0").map_err(|source| CliError::Net {
        action: "listen on",
        addr: "127.0.0.1:0".to_owned(),
        source,
    })?;
    let addr = listener.local_addr().map_err(|source| CliError::Net {
        action: "listen on",
        addr: "127.0.0.1:0".to_owned(),
        source,
    })?;
    let server = thread::spawn(move || -> io::Result<()> {
        // The full handshake's connection, the resumed one's, then the timing rounds'.
        for _ in 0..2 + 2 * ROUNDS {
            let (sock, _) = listener.accept()?;
            echo(&server_config, sock)?;
        }
        Ok(())
    });

    let peer = addr.to_string();
    let name =
        ServerName::try_from("localhost").map_err(|_| CliError::ServerName("localhost".into()))?;
    // Both connections share `client_config`, and so its session store: the first
    // leaves the tickets it read there, the second offers one.
    let full = exchange(addr, &client_config, &name)?;
    let resumed = exchange(addr, &client_config, &name)?;
    // Alternating, so both kinds see the same conditions.
    let (mut full_times, mut resumed_times) = (Vec::new(), Vec::new());
    let mut all_resumed = true;
    for _ in 0..ROUNDS {
        full_times.push(exchange(addr, &full_config, &name)?.millis());
        let again = exchange(addr, &client_config, &name)?;
        all_resumed &= again.negotiated.resumed;
        resumed_times.push(again.millis());
    }
    match server.join() {
        Ok(Ok(())) => {}
        Ok(Err(source)) => return Err(CliError::Tls { peer, source }),
        Err(_) => return Err(CliError::Demo("the server thread panicked")),
    }

    println!("Q-SSL demo: TLS 1.3 on loopback {addr}, server and client in this process");
    println!(
        "pki: ML-DSA-65 root -> intermediate -> leaf for localhost, made in {:.1} ms \
         (chain sent: {chain_bytes} bytes)",
        pki_time.as_secs_f64() * 1e3
    );
    print!("{}", full.negotiated.lines());
    println!("handshake: full, {}", full.cost());
    println!(
        "data: sent {} bytes, echoed back intact, closed with close_notify",
        MESSAGE.len()
    );
    let again = &resumed.negotiated;
    if !again.resumed {
        // Said plainly rather than dressed up: the demo's point is the comparison.
        println!(
            "resumed: no, the second connection ran a full handshake too ({})",
            resumed.cost()
        );
        return Ok(());
    }
    let kx = again.group.map_or_else(
        || "psk_ke, no key exchange".to_owned(),
        |g| format!("psk_dhe_ke over {g}"),
    );
    println!(
        "resumed: yes, a second connection of the same client config with a ticket \
         from the first ({kx}, no certificates sent, pq: key exchange {})",
        if again.kx_post_quantum { "yes" } else { "no" }
    );
    println!("handshake: resumed, {}", resumed.cost());
    let (full_ms, resumed_ms) = (median(&mut full_times), median(&mut resumed_times));
    println!(
        "speedup: {:.1}x, full {full_ms:.1} ms, resumed {resumed_ms:.1} ms (medians of \
         {ROUNDS} more handshakes of each{}; the two above: {:.1}x)",
        full_ms / resumed_ms,
        if all_resumed {
            ""
        } else {
            ", not all of which resumed"
        },
        full.millis() / resumed.millis()
    );
    println!(
        "timing: Instant from ClientConnection::new to the end of the client's handshake, \
         over loopback TCP, server and client in this process ({} build)",
        if cfg!(debug_assertions) {
            "debug"
        } else {
            "release"
        }
    );
    println!(
        "seed claim: full handshake ~70 ms, 2 RTT; abbreviated ~15 ms, 1 RTT; 4.7x faster \
         (TLS 1.2 round trips, not measured). In TLS 1.3 both handshakes take 1 RTT: \
         resumption saves the certificate chain and its signatures, not a round trip"
    );
    Ok(())
}

/// The median of `times` (the upper one of an even count); 0 for none.
fn median(times: &mut [f64]) -> f64 {
    times.sort_by(f64::total_cmp);
    times.get(times.len() / 2).copied().unwrap_or(0.0)
}

/// What one client connection of the demo measured.
struct Exchange {
    negotiated: Negotiated,
    handshake_time: Duration,
    /// TLS bytes read and written by the client during its handshake.
    received: u64,
    sent: u64,
}

impl Exchange {
    fn millis(&self) -> f64 {
        self.handshake_time.as_secs_f64() * 1e3
    }

    /// `12.3 ms, N bytes client -> server, M bytes server -> client`.
    fn cost(&self) -> String {
        format!(
            "{:.1} ms, {} bytes client -> server, {} bytes server -> client",
            self.millis(),
            self.sent,
            self.received
        )
    }
}

/// One client connection to the demo server: handshake (timed, its bytes counted),
/// MESSAGE sent and its echo checked, close_notify both ways. Reading the echo also
/// reads the session tickets the server sent after the handshake, which is what puts
/// them in the configuration's session store.
fn exchange(
    addr: SocketAddr,
    config: &Arc<ClientConfig>,
    name: &ServerName<'static>,
) -> Result<Exchange, CliError> {
    let peer = addr.to_string();
    let tls_err = |source: io::Error| CliError::Tls {
        peer: peer.clone(),
        source,
    };
    let sock = TcpStream::connect(addr).map_err(|source| CliError::Net {
        action: "connect to",
        addr: peer.clone(),
        source,
    })?;
    sock.set_read_timeout(Some(IO_TIMEOUT)).map_err(tls_err)?;
    let counters = Arc::new(Counters::default());
    let sock = Counted {
        inner: sock,
        counters: counters.clone(),
    };
    // The ClientHello (and its key shares) is made in `new`: part of the handshake.
    let handshake_start = Instant::now();
    let conn = ClientConnection::new(config.clone(), name.clone()).map_err(CliError::Config)?;
    let mut tls = StreamOwned::new(conn, sock);
    tls.conn.complete_io(&mut tls.sock).map_err(tls_err)?;
    let handshake_time = handshake_start.elapsed();
    let (received, sent) = counters.get();
    let negotiated = tls::negotiated(&tls.conn, true)
        .ok_or_else(|| tls_err(io::Error::other("handshake did not complete")))?;

    tls.write_all(MESSAGE)
        .and_then(|()| tls.flush())
        .map_err(tls_err)?;
    let mut echo = vec![0u8; MESSAGE.len()];
    tls.read_exact(&mut echo).map_err(tls_err)?;
    if echo != MESSAGE {
        return Err(CliError::Demo("the server echoed different bytes"));
    }
    tls.conn.send_close_notify();
    tls.flush().map_err(tls_err)?;
    let mut rest = Vec::new();
    tls.read_to_end(&mut rest).map_err(tls_err)?;
    Ok(Exchange {
        negotiated,
        handshake_time,
        received,
        sent,
    })
}

/// The server's side of one connection: echo until the client's close_notify, then
/// close_notify.
fn echo(config: &Arc<ServerConfig>, sock: TcpStream) -> io::Result<()> {
    sock.set_read_timeout(Some(IO_TIMEOUT))?;
    let mut tls = StreamOwned::new(ServerConnection::new(config.clone())?, sock);
    let mut buf = [0u8; 1024];
    loop {
        match tls.read(&mut buf)? {
            0 => break,
            n => {
                tls.write_all(&buf[..n])?;
                tls.flush()?;
            }
        }
    }
    tls.conn.send_close_notify();
    tls.flush()
}

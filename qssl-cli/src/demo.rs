//! `qssl demo`: a fresh ML-DSA-65 PKI in memory, a server on 127.0.0.1, a client
//! offering X25519MLKEM768, one exchange, and what it negotiated and cost.

use std::io::{self, Read, Write};
use std::net::TcpListener;
use std::sync::Arc;
use std::thread;
use std::time::Instant;

use qssl::pki_types::{CertificateDer, ServerName};
use qssl::{
    ClientConfig, ClientConnection, RootCertStore, ServerConfig, ServerConnection, StreamOwned,
};
use qssl_crypto::ids::NamedGroup;

use crate::cert::{self, Alg};
use crate::error::CliError;
use crate::net::{Counted, Counters};
use crate::tls::{self, IO_TIMEOUT};

const MESSAGE: &[u8] = b"hello, post-quantum world";

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
    let client_config = Arc::new(
        ClientConfig::builder()
            .with_root_certificates(Arc::new(roots))
            .with_groups(tls::kx_groups(&[NamedGroup::X25519MLKEM768]))
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
        let (sock, _) = listener.accept()?;
        sock.set_read_timeout(Some(IO_TIMEOUT))?;
        let mut tls = StreamOwned::new(ServerConnection::new(server_config)?, sock);
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
    });

    let peer = addr.to_string();
    let tls_err = |source: io::Error| CliError::Tls {
        peer: peer.clone(),
        source,
    };
    let sock = std::net::TcpStream::connect(addr).map_err(|source| CliError::Net {
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
    let name =
        ServerName::try_from("localhost").map_err(|_| CliError::ServerName("localhost".into()))?;
    let conn = ClientConnection::new(client_config, name).map_err(CliError::Config)?;
    let mut tls = StreamOwned::new(conn, sock);
    let handshake_start = Instant::now();
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
    match server.join() {
        Ok(Ok(())) => {}
        Ok(Err(e)) => return Err(tls_err(e)),
        Err(_) => return Err(CliError::Demo("the server thread panicked")),
    }

    println!("Q-SSL demo: TLS 1.3 on loopback {addr}, server and client in this process");
    println!(
        "pki: ML-DSA-65 root -> intermediate -> leaf for localhost, made in {:.1} ms \
         (chain sent: {chain_bytes} bytes)",
        pki_time.as_secs_f64() * 1e3
    );
    print!("{}", negotiated.lines());
    println!(
        "handshake: full, {:.1} ms, {sent} bytes client -> server, {received} bytes server -> client",
        handshake_time.as_secs_f64() * 1e3
    );
    println!(
        "data: sent {} bytes, echoed back intact, closed with close_notify",
        MESSAGE.len()
    );
    println!(
        "resumption: not implemented yet (session tickets are a later issue); no resumed handshake shown"
    );
    Ok(())
}

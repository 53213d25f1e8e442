//! `qssl server`: accepts TLS connections until stopped, a thread each; echoes, or
//! with `--http` answers like `openssl s_server -www`.

use std::io::{self, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::sync::Arc;
use std::thread;

use clap::Args;
use qssl::{ServerConfig, ServerConnection, StreamOwned, WebPkiClientVerifier};
use qssl_crypto::provider::default_provider;

use crate::error::CliError;
use crate::files;
use crate::report::PeerAuth;
use crate::tls::{self, AlpnList, GroupList, IO_TIMEOUT};

/// `qssl server` arguments.
#[derive(Debug, Args)]
pub(crate) struct ServerArgs {
    /// Address to listen on, e.g. 127.0.0.1:4433 (port 0: any free port; the bound
    /// address is printed).
    #[arg(long, value_name = "ADDR")]
    listen: String,
    /// Certificate chain, leaf first (PEM). Repeat `--cert A --key A --cert B --key
    /// B` to serve several chains: each client gets the first it can verify (e.g.
    /// an ML-DSA chain first, an ECDSA chain for clients without ML-DSA).
    #[arg(long, value_name = "chain.pem", required = true)]
    cert: Vec<PathBuf>,
    /// The private key of the leaf of the `--cert` in the same position (PEM,
    /// PKCS#8 or SEC1/PKCS#1).
    #[arg(long, value_name = "key.pem", required = true)]
    key: Vec<PathBuf>,
    /// Key exchange groups in preference order, OpenSSL names separated by ':'.
    #[arg(long, value_name = "G:G", value_parser = tls::group_list)]
    groups: Option<GroupList>,
    /// ALPN protocols, separated by ','.
    #[arg(long, value_name = "P,P", value_parser = tls::alpn_list)]
    alpn: Option<AlpnList>,
    /// Require client certificates issued by these CAs (PEM).
    #[arg(long, value_name = "ca.pem")]
    client_ca: Option<PathBuf>,
    /// Answer each HTTP request with a page listing the negotiated parameters.
    #[arg(long)]
    http: bool,
    /// Stateless HelloRetryRequest (RFC 8446 §4.2.2): the retry carries a cookie
    /// holding the handshake state, which the connection then drops.
    #[arg(long)]
    stateless_retry: bool,
    /// Issue no session tickets and resume no session: every client runs a full
    /// handshake. By default two tickets follow each handshake.
    #[arg(long)]
    no_tickets: bool,
}

/// Runs `qssl server`: returns only on a setup error.
pub(crate) fn run(args: &ServerArgs) -> Result<(), CliError> {
    let mut builder = ServerConfig::builder();
    for (cert, key) in tls::cert_key_pairs(&args.cert, &args.key)? {
        builder = builder.add_cert(tls::load_chain(cert)?, Box::new(files::load_key(key)?));
    }
    if let Some(GroupList(groups)) = &args.groups {
        builder = builder.with_groups(tls::kx_groups(groups));
    }
    if let Some(AlpnList(protocols)) = &args.alpn {
        builder = builder.with_alpn_protocols(protocols.clone());
    }
    if args.stateless_retry {
        builder = builder.with_stateless_retry(true);
    }
    if args.no_tickets {
        builder = builder.without_resumption();
    }
    if let Some(ca) = &args.client_ca {
        let roots = tls::load_roots(ca)?;
        builder = builder.with_client_cert_verifier(Arc::new(WebPkiClientVerifier::new(
            roots,
            &default_provider(),
            true,
        )));
    }
    let config = Arc::new(builder.build().map_err(CliError::Config)?);

    let listener = TcpListener::bind(&args.listen).map_err(|source| CliError::Net {
        action: "listen on",
        addr: args.listen.clone(),
        source,
    })?;
    let local = listener.local_addr().map_err(|source| CliError::Net {
        action: "listen on",
        addr: args.listen.clone(),
        source,
    })?;
    println!(
        "listening on {local} ({})",
        if args.http { "http" } else { "echo" }
    );
    let _ = io::stdout().flush();

    for sock in listener.incoming() {
        let sock = match sock {
            Ok(sock) => sock,
            Err(e) => {
                eprintln!("qssl: accept failed: {e}");
                continue;
            }
        };
        let config = config.clone();
        let http = args.http;
        thread::spawn(move || {
            let peer = sock
                .peer_addr()
                .map_or_else(|_| "unknown peer".to_owned(), |a| a.to_string());
            match serve(config, sock, http, &peer) {
                Ok(()) => {}
                Err(e) => eprintln!("qssl: {peer}: {}", tls::describe(&e)),
            }
        });
    }
    Ok(())
}

/// One connection: handshake, log what was negotiated, then echo or answer HTTP.
fn serve(config: Arc<ServerConfig>, sock: TcpStream, http: bool, peer: &str) -> io::Result<()> {
    sock.set_read_timeout(Some(IO_TIMEOUT))?;
    sock.set_write_timeout(Some(IO_TIMEOUT))?;
    let conn = ServerConnection::new(config)?;
    let mut tls = StreamOwned::new(conn, sock);
    tls.conn.complete_io(&mut tls.sock)?;
    let Some(negotiated) = tls::negotiated(&tls.conn, false) else {
        return Err(io::Error::other("handshake did not complete"));
    };
    // pq-client-auth: the client's authentication as this server verified it (a
    // server cannot know how the client verified the server's own chain).
    println!(
        "{peer}: {} {} {} {} pq-kx={} pq-client-auth={} resumed={}",
        negotiated.version,
        negotiated.suite,
        negotiated
            .group
            .map_or_else(|| "psk_ke".to_owned(), |g| g.to_string()),
        negotiated.signature,
        negotiated.kx_post_quantum,
        negotiated.peer_auth.as_ref().map_or("none", PeerAuth::pq),
        if negotiated.resumed { "yes" } else { "no" }
    );
    let _ = io::stdout().flush();
    if http {
        read_http_request(&mut tls)?;
        tls.write_all(negotiated.http_response(peer).as_bytes())?;
    } else {
        echo(&mut tls)?;
    }
    tls.conn.send_close_notify();
    tls.flush()
}

/// Echoes until the client's close_notify.
fn echo<S: Read + Write>(tls: &mut S) -> io::Result<()> {
    let mut buf = vec![0u8; 16 * 1024];
    loop {
        match tls.read(&mut buf)? {
            0 => return Ok(()),
            n => {
                tls.write_all(&buf[..n])?;
                tls.flush()?;
            }
        }
    }
}

/// The longest request head `--http` reads.
const MAX_REQUEST: usize = 16 * 1024;

/// Reads an HTTP request head (up to the blank line), bounded.
fn read_http_request(tls: &mut impl Read) -> io::Result<()> {
    let mut request = Vec::new();
    let mut buf = [0u8; 1024];
    while !request.windows(4).any(|w| w == b"\r\n\r\n") {
        let n = tls.read(&mut buf)?;
        if n == 0 {
            break;
        }
        request.extend_from_slice(&buf[..n]);
        if request.len() > MAX_REQUEST {
            return Err(io::Error::new(
                io::ErrorKind::InvalidData,
                "HTTP request head over 16 KiB",
            ));
        }
    }
    Ok(())
}

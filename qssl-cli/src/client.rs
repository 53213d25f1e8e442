//! `qssl client`: connect, print what was negotiated, send, print the reply.

use std::io::{self, Read, Write};
use std::net::{SocketAddr, TcpStream, ToSocketAddrs};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use clap::Args;
use qssl::default_crypto_provider as default_provider;
use qssl::pki_types::ServerName;
use qssl::{ClientConfig, ClientConnection, EarlyDataStatus, StreamOwned};

use crate::error::CliError;
use crate::pkcs11;
use crate::report::EarlyData;
use crate::tls::{self, AlpnList, GroupList, IO_TIMEOUT, SigalgList};

/// Where the system's CA bundle is on Debian-like systems, used without `--ca`.
const SYSTEM_CA_BUNDLE: &str = "/etc/ssl/certs/ca-certificates.crt";

/// How long one TCP connection attempt may take.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// `qssl client` arguments.
#[derive(Debug, Args)]
pub(crate) struct ClientArgs {
    /// The server, HOST:PORT.
    #[arg(value_name = "HOST:PORT")]
    connect: String,
    /// Trust anchors (PEM); default: the system CA bundle.
    #[arg(long, value_name = "ca.pem")]
    ca: Option<PathBuf>,
    /// Name to verify the certificate against and send as SNI (default: HOST).
    #[arg(long, value_name = "NAME")]
    server_name: Option<String>,
    /// Key exchange groups in preference order, OpenSSL names separated by ':'.
    #[arg(long, value_name = "G:G", value_parser = tls::group_list)]
    groups: Option<GroupList>,
    /// ALPN protocols to offer, separated by ','.
    #[arg(long, value_name = "P,P", value_parser = tls::alpn_list)]
    alpn: Option<AlpnList>,
    /// Signature schemes to accept (signature_algorithms), TLS 1.3 names separated
    /// by ':' as OpenSSL's -sigalgs, e.g. `ecdsa_secp256r1_sha256:rsa_pss_rsae_sha256`.
    #[arg(long, value_name = "S:S", value_parser = tls::sigalg_list)]
    sigalgs: Option<SigalgList>,
    /// Client certificate chain, leaf first (PEM), for servers that ask. Repeat
    /// `--cert A --key A --cert B --key B` to offer a choice: the first chain the
    /// server can verify is sent.
    #[arg(long, value_name = "chain.pem", requires = "key")]
    cert: Vec<PathBuf>,
    /// The private key of the leaf of the `--cert` in the same position (PEM), or a
    /// `pkcs11:` URI (RFC 7512) of a key on a PKCS#11 token, with `--pkcs11-module`
    /// and the PIN in `QSSL_PKCS11_PIN`.
    #[arg(long, value_name = "key.pem|pkcs11:URI", requires = "cert")]
    key: Vec<PathBuf>,
    /// The PKCS#11 module (shared library) for `pkcs11:` keys, unless the URI names
    /// one (`module-path`).
    #[arg(long, value_name = "PATH")]
    pkcs11_module: Option<PathBuf>,
    /// Text to send (default: all of standard input).
    #[arg(long, value_name = "TEXT")]
    send: Option<String>,
    /// Send FILE (instead of TEXT or standard input) as 0-RTT data, right behind the
    /// ClientHello, when the connection resumes with a ticket that allows it: so
    /// with `--reconnect N`, as the first connection has no ticket. Up to the
    /// ticket's max_early_data_size goes early, the rest after the handshake; if
    /// the server rejects it, it is sent again after the handshake, so the server
    /// gets FILE once either way. Each connection reports `early-data: not
    /// offered`, `accepted (...)` or `rejected (... resent after the handshake)`.
    /// An attacker can replay 0-RTT data: send only requests safe to receive twice.
    #[arg(long, value_name = "FILE", conflicts_with = "send")]
    early_data: Option<PathBuf>,
    /// After the first connection, connect N more times with the same configuration,
    /// so through its session store: each connection offers a ticket the one before
    /// received, and resumes if the server accepts it. Each connection is printed
    /// after a `connection I of TOTAL` line, and sends the same text.
    #[arg(long, value_name = "N", default_value_t = 0)]
    reconnect: u16,
    /// Speak TLS 1.2 as well as TLS 1.3, for servers without TLS 1.3. TLS 1.3 is
    /// still preferred, and a TLS 1.3 server that answers in TLS 1.2 (a downgrade
    /// attack) is refused. A TLS 1.2 connection says `version: TLSv1.2` and
    /// `pq: key exchange no`: TLS 1.2 has no post-quantum key exchange.
    #[arg(long)]
    tls12: bool,
    /// Retry a failed connection (TCP connect and handshake) up to N times, waiting
    /// a jittered, doubling delay from `--retry-delay` between attempts. Failures a
    /// retry cannot fix (an untrusted or revoked certificate, no shared parameters,
    /// a refused protocol version) are not retried. One line per attempt on stderr.
    #[arg(long, value_name = "N", default_value_t = 0)]
    retries: u32,
    /// The first retry's delay cap in milliseconds (doubling up to 30 s).
    #[arg(long, value_name = "MS", default_value_t = 200)]
    retry_delay: u64,
    /// Connect with TCP Fast Open (TCP_FASTOPEN_CONNECT): once the server gave a
    /// cookie, the ClientHello (and any 0-RTT data) travels in the SYN. Says on
    /// stderr whether the kernel took the option; connects without it otherwise.
    #[arg(long)]
    tfo: bool,
}

/// Runs `qssl client`.
pub(crate) fn run(args: &ClientArgs) -> Result<(), CliError> {
    let (host, _) = split_host_port(&args.connect)?;
    let name = args.server_name.clone().unwrap_or_else(|| host.to_owned());
    let server_name =
        ServerName::try_from(name.clone()).map_err(|_| CliError::ServerName(name.clone()))?;

    let roots = tls::load_roots(args.ca.as_deref().unwrap_or(Path::new(SYSTEM_CA_BUNDLE)))?;
    let mut provider = default_provider();
    if let Some(SigalgList(schemes)) = &args.sigalgs {
        // signature_algorithms lists the schemes the provider's verifiers cover.
        provider
            .signature_verifiers
            .retain(|v| schemes.contains(&v.scheme()));
    }
    let mut builder = ClientConfig::builder()
        .with_provider(provider)
        .with_root_certificates(roots);
    if let Some(GroupList(groups)) = &args.groups {
        builder = builder.with_groups(tls::kx_groups(groups));
    }
    if let Some(AlpnList(protocols)) = &args.alpn {
        builder = builder.with_alpn_protocols(protocols.clone());
    }
    if args.early_data.is_some() {
        builder = builder.with_early_data(true);
    }
    if args.tls12 {
        builder = builder.with_tls12();
    }
    for (cert, key) in tls::cert_key_pairs(&args.cert, &args.key)? {
        let chain = tls::load_chain(cert)?;
        let key = pkcs11::signing_key(key, &chain, args.pkcs11_module.as_deref())?;
        builder = builder.add_client_auth_cert(chain, key);
    }
    // One configuration for every connection: its session store carries the tickets
    // one connection receives to the next.
    let config = Arc::new(builder.build().map_err(CliError::Config)?);

    // Read what to send before connecting, so a slow stdin does not hold a connection.
    let data = match (&args.send, &args.early_data) {
        (_, Some(path)) => std::fs::read(path).map_err(|e| CliError::file("read", path, e))?,
        (Some(text), None) => text.as_bytes().to_vec(),
        (None, None) => {
            let mut data = Vec::new();
            io::stdin()
                .read_to_end(&mut data)
                .map_err(|source| CliError::Stdio {
                    what: "reading standard input",
                    source,
                })?;
            data
        }
    };

    let mut stdout = io::stdout().lock();
    let total = u32::from(args.reconnect) + 1;
    for i in 1..=total {
        if total > 1 {
            writeln!(stdout, "connection {i} of {total}")
                .and_then(|()| stdout.flush())
                .map_err(out_err)?;
        }
        let reply_ended_line = exchange(
            &args.connect,
            args,
            &config,
            &server_name,
            &name,
            &data,
            args.early_data.is_some(),
            &mut stdout,
        )?;
        // Keep the next separator on a line of its own after a reply without a
        // final newline.
        if i < total && !reply_ended_line {
            writeln!(stdout).map_err(out_err)?;
        }
    }
    Ok(())
}

fn out_err(source: io::Error) -> CliError {
    CliError::Stdio {
        what: "writing standard output",
        source,
    }
}

/// One connection: connect, handshake, print what was negotiated, send `data` and
/// close_notify, print the reply until the server closes. Reading the reply also
/// processes the session tickets the server sent after the handshake, which the
/// configuration's session store keeps for the next connection. With `early`, as
/// much of `data` as the ticket allows goes as 0-RTT data, and the report says what
/// became of it. Returns whether the reply was empty or ended with a newline.
#[allow(clippy::too_many_arguments)]
fn exchange(
    addr: &str,
    args: &ClientArgs,
    config: &Arc<ClientConfig>,
    server_name: &ServerName<'static>,
    name: &str,
    data: &[u8],
    early: bool,
    stdout: &mut impl Write,
) -> Result<bool, CliError> {
    // Connect and handshake, as often as `--retries` allows.
    let policy = crate::retry::policy(args.retries, args.retry_delay);
    let (mut tls, early_sent, elapsed) = crate::retry::run(&policy, &mut io::stderr(), || {
        let sock = connect(addr, args.tfo)?;
        let peer = sock
            .peer_addr()
            .map_or_else(|_| addr.to_owned(), |a| a.to_string());
        let tls_err = |source: io::Error| CliError::Tls {
            peer: peer.clone(),
            source,
        };
        let mut conn =
            ClientConnection::new(config.clone(), server_name.clone()).map_err(CliError::Config)?;
        // Before the first write_tls, so it leaves with the ClientHello; 0 without a
        // ticket that allows 0-RTT.
        let early_sent = if early {
            conn.write_early_data(data).map_err(|e| tls_err(e.into()))?
        } else {
            0
        };
        let mut tls = StreamOwned::new(conn, sock);
        let start = Instant::now();
        tls.conn.complete_io(&mut tls.sock).map_err(tls_err)?;
        Ok((tls, early_sent, start.elapsed()))
    })?;
    let peer = tls
        .sock
        .peer_addr()
        .map_or_else(|_| addr.to_owned(), |a| a.to_string());
    let tls_err = |source: io::Error| CliError::Tls {
        peer: peer.clone(),
        source,
    };
    let mut negotiated = tls::negotiated(&tls.conn, true)
        .ok_or_else(|| tls_err(io::Error::other("handshake did not complete")))?;
    // What went early is `data[..early_sent]`; the rest follows as ordinary data.
    let rest = data.get(early_sent..).unwrap_or_default();
    if early {
        negotiated.early_data = Some(match tls.conn.early_data_status() {
            Some(EarlyDataStatus::Accepted) => EarlyData::Accepted {
                bytes: early_sent,
                after: rest.len(),
            },
            Some(EarlyDataStatus::Rejected) => {
                // The server skipped it: send it again now, ahead of the rest, so
                // it still gets `data` once and in order.
                let resent = tls
                    .conn
                    .resend_rejected_early_data()
                    .map_err(|e| tls_err(e.into()))?;
                EarlyData::Rejected {
                    resent: Some(resent),
                }
            }
            Some(EarlyDataStatus::NotOffered) | None => EarlyData::NotOffered,
        });
    }

    write!(
        stdout,
        "connected: {peer} as {name}\n{}handshake: {:.1} ms\n",
        negotiated.lines(),
        elapsed.as_secs_f64() * 1e3
    )
    .and_then(|()| stdout.flush())
    .map_err(out_err)?;

    // We have nothing more to say after `data`; the server answers, then closes.
    let sent = tls.write_all(rest).and_then(|()| {
        tls.conn.send_close_notify();
        tls.flush()
    });
    if let Err(e) = sent {
        return Err(tls_err(alert_behind(&mut tls, e)));
    }
    let mut buf = vec![0u8; 16 * 1024];
    let mut ended_line = true;
    loop {
        match tls.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => {
                ended_line = buf[..n].ends_with(b"\n");
                stdout
                    .write_all(&buf[..n])
                    .and_then(|()| stdout.flush())
                    .map_err(out_err)?;
            }
            // Many servers close TCP without close_notify after answering.
            Err(e) if e.kind() == io::ErrorKind::UnexpectedEof => break,
            Err(e) => return Err(tls_err(e)),
        }
    }
    Ok(ended_line)
}

/// A write that fails at the socket (broken pipe, reset) often means the server
/// refused us with an alert that is already in our receive buffer — e.g.
/// certificate_required, sent after our Finished. Read it so the error names it.
fn alert_behind(tls: &mut StreamOwned<ClientConnection, TcpStream>, err: io::Error) -> io::Error {
    let is_tls = err
        .get_ref()
        .is_some_and(|e| e.downcast_ref::<qssl::Error>().is_some());
    if is_tls {
        return err;
    }
    // Bounded: a few reads of whatever is pending, never waiting on a silent peer.
    for _ in 0..4 {
        match tls.conn.read_tls(&mut tls.sock) {
            Ok(0) | Err(_) => break,
            Ok(_) => {
                if let Err(e) = tls.conn.process_new_packets() {
                    return e.into();
                }
            }
        }
    }
    err
}

/// Splits `HOST:PORT` (`[v6]:PORT` too) into host and port.
fn split_host_port(addr: &str) -> Result<(&str, u16), CliError> {
    let bad = || CliError::Net {
        action: "parse",
        addr: addr.to_owned(),
        source: io::Error::new(io::ErrorKind::InvalidInput, "expected HOST:PORT"),
    };
    let (host, port) = addr.rsplit_once(':').ok_or_else(bad)?;
    let host = host
        .strip_prefix('[')
        .and_then(|h| h.strip_suffix(']'))
        .unwrap_or(host);
    let port = port.parse().map_err(|_| bad())?;
    if host.is_empty() {
        return Err(bad());
    }
    Ok((host, port))
}

/// Connects to the first address of `addr` that answers, each attempt bounded;
/// with `tfo`, through TCP Fast Open.
fn connect(addr: &str, tfo: bool) -> Result<TcpStream, CliError> {
    let net_err = |action, source| CliError::Net {
        action,
        addr: addr.to_owned(),
        source,
    };
    let addrs: Vec<SocketAddr> = addr
        .to_socket_addrs()
        .map_err(|e| net_err("resolve", e))?
        .collect();
    let mut last = io::Error::new(io::ErrorKind::NotFound, "no address");
    for a in addrs {
        let sock = if tfo {
            crate::tfo::connect(&a, CONNECT_TIMEOUT, &mut io::stderr())
        } else {
            TcpStream::connect_timeout(&a, CONNECT_TIMEOUT)
        };
        match sock {
            Ok(sock) => {
                sock.set_read_timeout(Some(IO_TIMEOUT))
                    .and_then(|()| sock.set_write_timeout(Some(IO_TIMEOUT)))
                    .map_err(|e| net_err("connect to", e))?;
                return Ok(sock);
            }
            Err(e) => last = e,
        }
    }
    Err(net_err("connect to", last))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn host_port_forms() {
        assert_eq!(
            split_host_port("localhost:4433").unwrap(),
            ("localhost", 4433)
        );
        assert_eq!(split_host_port("[::1]:443").unwrap(), ("::1", 443));
        assert!(split_host_port("localhost").is_err());
        assert!(split_host_port(":443").is_err());
        assert!(split_host_port("h:99999").is_err());
    }
}

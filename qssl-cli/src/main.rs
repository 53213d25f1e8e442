//! `qssl`: the Q-SSL command line.
//!
//! ```sh
//! qssl demo                                # loopback TLS 1.3: X25519MLKEM768 + ML-DSA-65, full then resumed, no files
//! qssl cert --out pki                      # ML-DSA-65 root → intermediate → leaf, as PEM files
//! qssl server --listen 127.0.0.1:4433 --cert pki/chain.pem --key pki/key.pem [--http] [--early-data]
//! qssl client 127.0.0.1:4433 --ca pki/ca.pem --server-name localhost --send hello [--reconnect 2]
//! qssl client 127.0.0.1:4433 --ca pki/ca.pem --server-name localhost --early-data req.txt --reconnect 1
//! qssl server ... --tls12 / qssl client ... --tls12   # TLS 1.2 as well as 1.3, for legacy peers
//! read -rs QSSL_PKCS11_PIN && export QSSL_PKCS11_PIN   # the token PIN, never an argument
//! qssl server --listen 127.0.0.1:4433 --cert pki/chain.pem --key 'pkcs11:token=qssl;object=server' \
//!     --pkcs11-module /usr/lib/softhsm/libsofthsm2.so
//! qssl speed [ALGORITHM...] [--provider default|portable] [--seconds S]
//! ```
//!
//! `client` prints `version:`, `suite:`, `group:`, `signature:`, `pq:`,
//! `chain-signatures:` and `resumed:` lines, then the reply; with `--reconnect N` it
//! connects N more times through the same configuration (resuming with the tickets
//! each connection read), each after a `connection I of TOTAL` line; with
//! `--early-data FILE` it sends FILE as 0-RTT data when a ticket allows it and
//! prints `early-data:` after `resumed:`. `pq: ..., authentication yes` only when
//! every signature on the server's verified certificate path and its CertificateVerify
//! are ML-DSA. Every failure (a bad flag, a missing or unreadable file, a failed
//! handshake) ends the process with a non-zero status and one line on stderr naming
//! the cause, e.g. the alert sent or received. With `--tls12` either side also
//! speaks TLS 1.2 to a peer without TLS 1.3: the report then says `version: TLSv1.2`
//! and `pq: key exchange no` (TLS 1.2 has no post-quantum key exchange).

mod cert;
mod client;
mod demo;
mod error;
mod files;
mod net;
mod pkcs11;
mod report;
mod retry;
mod server;
mod speed;
mod tfo;
mod tls;

use std::process::ExitCode;

use clap::error::ErrorKind;
use clap::{Parser, Subcommand};

use crate::error::CliError;

/// The Q-SSL command line: post-quantum TLS 1.3 test PKIs and tools.
#[derive(Debug, Parser)]
#[command(name = "qssl", version)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Write a test PKI: DIR/ca.pem (root), DIR/chain.pem (leaf then intermediate),
    /// DIR/key.pem (leaf key, PKCS#8).
    Cert(cert::CertArgs),
    /// A loopback TLS 1.3 handshake with a fresh ML-DSA-65 PKI and X25519MLKEM768,
    /// then one that resumes it, and what each negotiated and cost. No arguments, no
    /// files.
    Demo,
    /// Serve TLS until stopped: echo, or with --http a page of the negotiated parameters.
    Server(server::ServerArgs),
    /// Connect, print what was negotiated, send TEXT (or stdin), print the reply.
    Client(client::ClientArgs),
    /// Like `openssl speed`: ML-KEM and hybrid key exchange, signatures, AEADs and
    /// in-memory full handshakes per second, as a table.
    Speed(speed::SpeedArgs),
}

fn run(command: Command) -> Result<(), CliError> {
    match command {
        Command::Cert(args) => cert::run(&args),
        Command::Demo => demo::run(),
        Command::Server(args) => server::run(&args),
        Command::Client(args) => client::run(&args),
        Command::Speed(args) => speed::run(&args),
    }
}

/// clap's own error text spans several lines (tips, usage); keep its first paragraph
/// (the cause, plus the accepted values or missing flags) on one line.
fn one_line_usage_error(err: &clap::Error) -> String {
    if err.kind() == ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand {
        return "a subcommand is required (see `qssl --help`)".to_owned();
    }
    let text = err.to_string();
    let paragraph: Vec<&str> = text
        .lines()
        .map(str::trim)
        .skip_while(|l| l.is_empty())
        .take_while(|l| !l.is_empty())
        .collect();
    let joined = paragraph.join(" ");
    let cause = joined.strip_prefix("error: ").unwrap_or(&joined);
    format!("{cause} (see `qssl --help`)")
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(err) => {
            if err.use_stderr() {
                eprintln!("qssl: {}", one_line_usage_error(&err));
                return ExitCode::from(2);
            }
            // --help and --version.
            let _ = err.print();
            return ExitCode::SUCCESS;
        }
    };
    match run(cli.command) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("qssl: {err}");
            ExitCode::FAILURE
        }
    }
}

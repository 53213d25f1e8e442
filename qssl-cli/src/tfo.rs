//! `--tfo` for `qssl client` and `qssl server`: TCP Fast Open through
//! [`qssl::tfo`], with one line on stderr saying whether the kernel took it.

use std::io::{self, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::Duration;

use qssl::tfo::{self, TfoStatus};

/// Connects to `addr` with `TCP_FASTOPEN_CONNECT`, reporting on `log` whether the
/// kernel took the option (the connection is made either way).
pub(crate) fn connect(
    addr: &SocketAddr,
    timeout: Duration,
    log: &mut dyn Write,
) -> io::Result<TcpStream> {
    let (sock, status) = tfo::connect(addr, timeout)?;
    let _ = match &status {
        TfoStatus::Enabled => writeln!(log, "tcp fast open: enabled (TCP_FASTOPEN_CONNECT)"),
        TfoStatus::Refused(_) => writeln!(
            log,
            "tcp fast open: {status}; connected without it (net.ipv4.tcp_fastopen needs bit 0x1)"
        ),
    };
    Ok(sock)
}

/// What `qssl server --tfo` can have: the kernel's listener-wide setting.
pub(crate) fn report_server(log: &mut dyn Write) {
    let _ = match tfo::server_status() {
        TfoStatus::Enabled => writeln!(
            log,
            "tcp fast open: enabled for every listener by the kernel ({})",
            tfo::SYSCTL
        ),
        status @ TfoStatus::Refused(_) => {
            writeln!(log, "tcp fast open: {status}; serving without it")
        }
    };
}

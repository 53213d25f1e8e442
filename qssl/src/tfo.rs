//! TCP Fast Open (RFC 7413) for the client side, Linux only: sockets are built with
//! `socket2` and `TCP_FASTOPEN_CONNECT` is set through `nix`'s safe socket option.
//! With the option on and a Fast Open cookie from an earlier connection to the same
//! server, `connect` returns at once and the first write (our ClientHello, and with
//! a resumed session its 0-RTT data) goes out in the SYN. Without a cookie the
//! handshake is the usual one and asks the server for a cookie.
//!
//! The kernel decides: `net.ipv4.tcp_fastopen` must have bit 1 (client) set, and the
//! server must have Fast Open enabled for a cookie to come back. When the option is
//! refused, [`connect`] still connects, without Fast Open, and says why
//! ([`TfoStatus::Refused`]).
//!
//! The server side (`TCP_FASTOPEN` on a listener, a queue length) has no safe setter
//! in the sockets crates we use, and Q-SSL forbids `unsafe`; [`server_status`] reports
//! whether the kernel enables it for every listener anyway (`net.ipv4.tcp_fastopen`
//! with bits 0x2 and 0x400).

use std::fmt;
use std::io;
use std::net::{SocketAddr, TcpStream};
use std::time::Duration;

/// Whether Fast Open is on for a socket.
#[derive(Debug)]
pub enum TfoStatus {
    /// The kernel took the option.
    Enabled,
    /// The kernel (or this platform) refused it; the socket works without it.
    Refused(io::Error),
}

impl TfoStatus {
    /// Whether Fast Open is on.
    pub fn is_enabled(&self) -> bool {
        matches!(self, Self::Enabled)
    }
}

impl fmt::Display for TfoStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Enabled => f.write_str("enabled"),
            Self::Refused(e) => write!(f, "refused by the kernel ({e})"),
        }
    }
}

/// Where the kernel's Fast Open switch is.
pub const SYSCTL: &str = "/proc/sys/net/ipv4/tcp_fastopen";

/// The kernel's `net.ipv4.tcp_fastopen` (`None` where it cannot be read).
pub fn sysctl_value() -> Option<u32> {
    let s = std::fs::read_to_string(SYSCTL).ok()?;
    let s = s.trim();
    match s.strip_prefix("0x") {
        Some(hex) => u32::from_str_radix(hex, 16).ok(),
        None => s.parse().ok(),
    }
}

#[cfg(any(target_os = "linux", target_os = "android"))]
fn set_connect_option(sock: &socket2::Socket) -> io::Result<()> {
    use nix::sys::socket::{setsockopt, sockopt::TcpFastOpenConnect};
    setsockopt(sock, TcpFastOpenConnect, &true).map_err(io::Error::from)
}

#[cfg(not(any(target_os = "linux", target_os = "android")))]
fn set_connect_option(_sock: &socket2::Socket) -> io::Result<()> {
    Err(io::Error::new(
        io::ErrorKind::Unsupported,
        "TCP_FASTOPEN_CONNECT is Linux-only",
    ))
}

/// Connects to `addr` within `timeout`, asking for Fast Open first. The stream is in
/// blocking mode. A refused option is reported, not an error.
pub fn connect(addr: &SocketAddr, timeout: Duration) -> io::Result<(TcpStream, TfoStatus)> {
    use socket2::{Domain, Protocol, SockAddr, Socket, Type};
    let sock = Socket::new(
        Domain::for_address(*addr),
        Type::STREAM,
        Some(Protocol::TCP),
    )?;
    let status = match set_connect_option(&sock) {
        Ok(()) => TfoStatus::Enabled,
        Err(e) => TfoStatus::Refused(e),
    };
    sock.connect_timeout(&SockAddr::from(*addr), timeout)?;
    Ok((sock.into(), status))
}

/// Whether the kernel gives every listener Fast Open without the per-socket option
/// (`net.ipv4.tcp_fastopen` has 0x2, server, and 0x400, no socket option needed).
pub fn server_status() -> TfoStatus {
    match sysctl_value() {
        Some(v) if v & 0x2 != 0 && v & 0x400 != 0 => TfoStatus::Enabled,
        Some(v) => TfoStatus::Refused(io::Error::new(
            io::ErrorKind::Unsupported,
            format!(
                "{SYSCTL} is {v:#x}: server Fast Open needs bits 0x2 and 0x400 \
                 (e.g. sysctl -w net.ipv4.tcp_fastopen=0x403), as Q-SSL sets no \
                 per-listener TCP_FASTOPEN (no safe setter)"
            ),
        )),
        None => TfoStatus::Refused(io::Error::new(
            io::ErrorKind::Unsupported,
            format!("{SYSCTL} cannot be read: no TCP Fast Open on this system"),
        )),
    }
}

/// The tokio flavour of [`connect`]: the same socket, connected through
/// `tokio::net::TcpSocket`.
#[cfg(feature = "tokio")]
pub async fn connect_tokio(addr: SocketAddr) -> io::Result<(::tokio::net::TcpStream, TfoStatus)> {
    use socket2::{Domain, Protocol, Socket, Type};
    let sock = Socket::new(Domain::for_address(addr), Type::STREAM, Some(Protocol::TCP))?;
    let status = match set_connect_option(&sock) {
        Ok(()) => TfoStatus::Enabled,
        Err(e) => TfoStatus::Refused(e),
    };
    sock.set_nonblocking(true)?;
    let std_sock: std::net::TcpStream = sock.into();
    let tsock = ::tokio::net::TcpSocket::from_std_stream(std_sock);
    let stream = tsock.connect(addr).await?;
    Ok((stream, status))
}

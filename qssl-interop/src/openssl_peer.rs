//! OpenSSL (built from source by `openssl-src`, 3.5 or newer) as a peer.
//!
//! What the `openssl` crate 0.10 does not bind, and the harness therefore cannot
//! do without `unsafe` (forbidden in this workspace):
//! - `SSL_key_update`: an OpenSSL peer never *initiates* KeyUpdate
//!   ([`TlsSession::key_update`] returns [`PeerError::Unsupported`]); it does
//!   answer one, which the tests check with rustls initiating.
//! - `SSL_get0_group_name` / `SSL_get_negotiated_group`: the group is read off
//!   the wire instead ([`crate::Report::group`]).
//! - `SSL_get_peer_signature_type_nid`: `Negotiated::peer_signature` stays `None`;
//!   the peer's key type is known from its certificate.
//! - `SSL_get_early_data_status`: an OpenSSL server's account of 0-RTT data is
//!   what `SSL_read_early_data` gave it ([`OpenSslEarlyData`]); an OpenSSL
//!   client's 0-RTT is driven through `openssl s_client`, which prints its status.
//! - `SSL_set_session` is bound, but as an `unsafe fn`: [`OpenSslClient`] never
//!   resumes (an OpenSSL client does not look its session cache up by itself);
//!   resumption by an OpenSSL client is driven through `openssl s_client`
//!   ([`crate::SClient`]).
//! - `SSL_CTX_set_tlsext_ticket_key_evp_cb` / `SSL_CTX_set_tlsext_ticket_keys`: an
//!   [`OpenSslServer`] seals its tickets under the random key its `SSL_CTX` made
//!   (OpenSSL rotates none by itself); a new server has a new key.

use std::io::{self, Read, Write};
use std::net::{IpAddr, TcpStream};

use openssl::pkey::PKey;
use openssl::ssl::{
    AlpnError, ShutdownState, Ssl, SslContext, SslContextBuilder, SslMethod, SslRef, SslStream,
    SslVerifyMode, SslVersion,
};
use openssl::x509::X509;
use openssl::x509::store::X509StoreBuilder;
use qssl_crypto::ids::{CipherSuite, NamedGroup, SignatureScheme};

use crate::PeerError;
use crate::peer::{
    ClientOptions, ClientPeer, EarlyData, Negotiated, ServerOptions, ServerPeer, TlsSession,
};
use crate::pki::Identity;
use crate::wire::WireTap;

/// The OpenSSL version linked in, e.g. `"OpenSSL 3.6.3 ..."`.
pub fn openssl_version() -> &'static str {
    openssl::version::version()
}

const PEER: &str = "OpenSSL";

/// OpenSSL's `-groups` list for `groups`: Q-SSL's group names are OpenSSL's.
pub fn openssl_groups_list(groups: &[NamedGroup]) -> Result<String, PeerError> {
    names(
        groups
            .iter()
            .map(|g| g.name().ok_or_else(|| unsupported(*g))),
    )
}

/// OpenSSL's `-ciphersuites` list for `suites` (IANA names).
pub fn openssl_ciphersuites(suites: &[CipherSuite]) -> Result<String, PeerError> {
    names(
        suites
            .iter()
            .map(|s| s.name().ok_or_else(|| unsupported(*s))),
    )
}

fn unsupported(what: impl std::fmt::Debug) -> PeerError {
    PeerError::Unsupported {
        peer: PEER,
        what: format!("{what:?}"),
    }
}

fn names<'a>(names: impl Iterator<Item = Result<&'a str, PeerError>>) -> Result<String, PeerError> {
    Ok(names.collect::<Result<Vec<_>, _>>()?.join(":"))
}

/// ALPN names in wire format (each prefixed by its length).
fn alpn_wire(protocols: &[Vec<u8>]) -> Result<Vec<u8>, PeerError> {
    let mut out = Vec::new();
    for p in protocols {
        let len = u8::try_from(p.len())
            .ok()
            .filter(|&l| l > 0)
            .ok_or_else(|| PeerError::Material("ALPN name must be 1..=255 bytes".into()))?;
        out.push(len);
        out.extend_from_slice(p);
    }
    Ok(out)
}

/// TLS 1.3 only, groups and suites as asked.
fn base(
    method: SslMethod,
    groups: &[NamedGroup],
    suites: &[CipherSuite],
) -> Result<SslContextBuilder, PeerError> {
    let mut b = SslContextBuilder::new(method)?;
    b.set_min_proto_version(Some(SslVersion::TLS1_3))?;
    b.set_max_proto_version(Some(SslVersion::TLS1_3))?;
    if !groups.is_empty() {
        b.set_groups_list(&openssl_groups_list(groups)?)?;
    }
    if !suites.is_empty() {
        b.set_ciphersuites(&openssl_ciphersuites(suites)?)?;
    }
    Ok(b)
}

/// OpenSSL 3.5 takes the IANA names of TLS 1.3 schemes in a sigalgs list.
fn sigalgs_list(schemes: &[SignatureScheme]) -> Result<String, PeerError> {
    let names = schemes
        .iter()
        .map(|s| {
            s.name()
                .ok_or_else(|| PeerError::Material(format!("no OpenSSL name for {s:?}")))
        })
        .collect::<Result<Vec<_>, _>>()?;
    Ok(names.join(":"))
}

fn load_identity(b: &mut SslContextBuilder, identity: &Identity) -> Result<(), PeerError> {
    let mut chain = X509::stack_from_pem(identity.chain_pem.as_bytes())?.into_iter();
    let leaf = chain
        .next()
        .ok_or_else(|| PeerError::Material("empty certificate chain".into()))?;
    b.set_certificate(&leaf)?;
    for cert in chain {
        b.add_extra_chain_cert(cert)?;
    }
    let key = PKey::private_key_from_pem(identity.key_pem.as_bytes())?;
    b.set_private_key(&key)?;
    b.check_private_key()?;
    Ok(())
}

fn trust(
    b: &mut SslContextBuilder,
    roots_pem: &str,
    names_for_clients: bool,
) -> Result<(), PeerError> {
    let mut store = X509StoreBuilder::new()?;
    for root in X509::stack_from_pem(roots_pem.as_bytes())? {
        if names_for_clients {
            b.add_client_ca(&root)?;
        }
        store.add_cert(root)?;
    }
    b.set_verify_cert_store(store.build())?;
    Ok(())
}

/// An OpenSSL TLS 1.3 server.
pub struct OpenSslServer {
    ctx: SslContext,
    early_data: Option<OpenSslEarlyData>,
}

/// How an [`OpenSslServer`] meets a client's 0-RTT data (RFC 8446 §2.3).
///
/// OpenSSL takes 0-RTT data only from a server that asks for it with
/// `SSL_read_early_data` before the handshake, and then only when its own checks
/// pass: the session's ticket allows early data (the context's max_early_data
/// when it was issued), the connection's max_early_data is not 0, the ticket age
/// is fresh, and — OpenSSL's anti-replay, on by default once max_early_data is
/// set — the ticket is single-use (kept in the server's session cache and removed
/// when redeemed). Whatever it does not take it skips.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OpenSslEarlyData {
    /// `SSL_read_early_data` until it is done, then the rest of the handshake.
    Read,
    /// The handshake straight away, never `SSL_read_early_data`: OpenSSL
    /// rejects any 0-RTT data.
    Ignore,
    /// `SSL_read_early_data`, on a connection whose own max_early_data is 0
    /// (`SSL_set_max_early_data`): rejected all the same. Such a connection does
    /// not resume the context's tickets either: with max_early_data set (and
    /// anti-replay on) OpenSSL issues tickets that are ids in its session cache,
    /// and a connection without early data takes tickets for self-encrypted ones.
    ReadWithLimitZero,
}

/// The most 0-RTT data the harness reads from one connection (OpenSSL's own
/// limit, recv_max_early_data, is 16 KiB by default).
const MAX_EARLY_READ: usize = 1 << 20;

impl OpenSslServer {
    /// Builds the server context: TLS 1.3 only, `set_groups_list`,
    /// `set_ciphersuites`, the chain and key (any type OpenSSL loads, ML-DSA
    /// included), client certificates required if `client_ca_pem` is set, ALPN in
    /// the server's order of preference. Resumption is OpenSSL's default: two
    /// stateless TLS 1.3 tickets per handshake, sealed under the context's own
    /// random key, so every connection this server accepts can resume another's.
    pub fn new(opts: &ServerOptions) -> Result<Self, PeerError> {
        Ok(Self {
            ctx: Self::context(opts)?.build(),
            early_data: None,
        })
    }

    /// A server as [`new`](Self::new) makes it whose context takes up to
    /// `max_early_data` bytes of 0-RTT data (`SSL_CTX_set_max_early_data`, which
    /// its tickets then announce) and which reads it
    /// ([`OpenSslEarlyData::Read`]); [`Negotiated::early_data`] says what it read.
    pub fn with_max_early_data(
        opts: &ServerOptions,
        max_early_data: u32,
    ) -> Result<Self, PeerError> {
        let mut b = Self::context(opts)?;
        b.set_max_early_data(max_early_data)?;
        Ok(Self {
            ctx: b.build(),
            early_data: Some(OpenSslEarlyData::Read),
        })
    }

    /// This server's context — its ticket key, its session cache, its
    /// max_early_data — meeting 0-RTT data as `mode` says: the tickets it issued
    /// resume on the server returned.
    pub fn early_data_mode(&self, mode: OpenSslEarlyData) -> Self {
        Self {
            ctx: self.ctx.clone(),
            early_data: Some(mode),
        }
    }

    fn context(opts: &ServerOptions) -> Result<SslContextBuilder, PeerError> {
        if !opts.more_identities.is_empty() {
            return Err(PeerError::Material(
                "the OpenSSL server of this harness serves one chain".into(),
            ));
        }
        let mut b = base(SslMethod::tls_server(), &opts.groups, &opts.suites)?;
        load_identity(&mut b, &opts.identity)?;
        if let Some(ca) = &opts.client_ca_pem {
            trust(&mut b, ca, true)?;
            b.set_verify(SslVerifyMode::PEER | SslVerifyMode::FAIL_IF_NO_PEER_CERT);
        }
        if !opts.alpn.is_empty() {
            let ours = opts.alpn.clone();
            b.set_alpn_select_callback(move |_, offered| select_alpn(&ours, offered));
        }
        Ok(b)
    }

    /// The handshake with 0-RTT handled as `mode` says; the 0-RTT data read.
    fn accept_early(
        &self,
        mode: OpenSslEarlyData,
        tcp: WireTap<TcpStream>,
    ) -> Result<(SslStream<WireTap<TcpStream>>, Vec<u8>), PeerError> {
        let mut ssl = Ssl::new(&self.ctx)?;
        if mode == OpenSslEarlyData::ReadWithLimitZero {
            ssl.set_max_early_data(0)?;
        }
        ssl.set_accept_state();
        let mut stream = SslStream::new(ssl, tcp)?;
        let mut early = Vec::new();
        if mode != OpenSslEarlyData::Ignore {
            let mut buf = [0u8; 4096];
            // Each turn reads some 0-RTT data, or ends (0: all read, or none taken).
            loop {
                match stream.read_early_data(&mut buf) {
                    Ok(0) => break,
                    Ok(n) if early.len() + n <= MAX_EARLY_READ => {
                        early.extend_from_slice(&buf[..n]);
                    }
                    Ok(_) => {
                        return Err(PeerError::Protocol(format!(
                            "more than {MAX_EARLY_READ} bytes of 0-RTT data"
                        )));
                    }
                    Err(e) => {
                        return Err(PeerError::Handshake {
                            peer: PEER,
                            detail: format!("SSL_read_early_data: {e}"),
                        });
                    }
                }
            }
        }
        stream.do_handshake().map_err(|e| PeerError::Handshake {
            peer: PEER,
            detail: e.to_string(),
        })?;
        Ok((stream, early))
    }
}

/// The first of `ours` that the client offered, as a slice of the client's list
/// (the callback must return memory that outlives it).
fn select_alpn<'a>(ours: &[Vec<u8>], offered: &'a [u8]) -> Result<&'a [u8], AlpnError> {
    for want in ours {
        let mut rest = offered;
        while let Some((&len, tail)) = rest.split_first() {
            let Some((name, next)) = tail.split_at_checked(usize::from(len)) else {
                return Err(AlpnError::ALERT_FATAL);
            };
            if name == want.as_slice() {
                return Ok(name);
            }
            rest = next;
        }
    }
    Err(AlpnError::ALERT_FATAL)
}

impl ServerPeer for OpenSslServer {
    fn name(&self) -> String {
        short_version()
    }

    fn accept(&self, tcp: WireTap<TcpStream>) -> Result<Box<dyn TlsSession>, PeerError> {
        match self.early_data {
            None => {
                let ssl = Ssl::new(&self.ctx)?;
                let stream = ssl.accept(tcp).map_err(handshake_error)?;
                Ok(Box::new(OpenSslSession::new(stream)))
            }
            Some(mode) => {
                let (stream, early) = self.accept_early(mode, tcp)?;
                Ok(Box::new(OpenSslSession {
                    stream,
                    early: Some(early),
                    early_read: 0,
                }))
            }
        }
    }
}

/// An OpenSSL TLS 1.3 client.
pub struct OpenSslClient {
    ctx: SslContext,
    server_name: String,
}

impl OpenSslClient {
    /// Builds the client context: TLS 1.3 only, groups, suites, the trust
    /// anchors (and nothing from the system store), the optional client identity,
    /// ALPN. The server name is verified against the certificate's SAN (as an IP
    /// address if it parses as one) and sent as SNI if it is a DNS name.
    pub fn new(opts: &ClientOptions) -> Result<Self, PeerError> {
        let mut b = base(SslMethod::tls_client(), &opts.groups, &opts.suites)?;
        trust(&mut b, &opts.trust_anchors_pem, false)?;
        b.set_verify(SslVerifyMode::PEER);
        if let Some(identity) = &opts.identity {
            load_identity(&mut b, identity)?;
        }
        if !opts.alpn.is_empty() {
            b.set_alpn_protos(&alpn_wire(&opts.alpn)?)?;
        }
        if !opts.signature_schemes.is_empty() {
            b.set_sigalgs_list(&sigalgs_list(&opts.signature_schemes)?)?;
        }
        Ok(Self {
            ctx: b.build(),
            server_name: opts.server_name.clone(),
        })
    }
}

impl ClientPeer for OpenSslClient {
    fn name(&self) -> String {
        short_version()
    }

    fn connect(&self, tcp: WireTap<TcpStream>) -> Result<Box<dyn TlsSession>, PeerError> {
        let mut ssl = Ssl::new(&self.ctx)?;
        match self.server_name.parse::<IpAddr>() {
            Ok(ip) => ssl.param_mut().set_ip(ip)?,
            Err(_) => {
                ssl.set_hostname(&self.server_name)?;
                ssl.param_mut().set_host(&self.server_name)?;
            }
        }
        let stream = ssl.connect(tcp).map_err(handshake_error)?;
        Ok(Box::new(OpenSslSession::new(stream)))
    }
}

fn short_version() -> String {
    // "OpenSSL 3.6.3 27 Jan 2026" → "OpenSSL 3.6.3"
    openssl_version()
        .split_whitespace()
        .take(2)
        .collect::<Vec<_>>()
        .join(" ")
}

fn handshake_error<S: std::fmt::Debug>(e: openssl::ssl::HandshakeError<S>) -> PeerError {
    PeerError::Handshake {
        peer: PEER,
        detail: e.to_string(),
    }
}

struct OpenSslSession {
    stream: SslStream<WireTap<TcpStream>>,
    /// A server's 0-RTT data, when it was set up to read it: the start of what
    /// its application reads.
    early: Option<Vec<u8>>,
    early_read: usize,
}

impl OpenSslSession {
    fn new(stream: SslStream<WireTap<TcpStream>>) -> Self {
        Self {
            stream,
            early: None,
            early_read: 0,
        }
    }
}

impl Read for OpenSslSession {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let unread = self
            .early
            .as_deref()
            .and_then(|early| early.get(self.early_read..))
            .unwrap_or_default();
        if !unread.is_empty() && !buf.is_empty() {
            let n = unread.len().min(buf.len());
            buf[..n].copy_from_slice(&unread[..n]);
            self.early_read += n;
            return Ok(n);
        }
        self.stream.read(buf)
    }
}

impl Write for OpenSslSession {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.stream.write(buf)
    }
    fn flush(&mut self) -> io::Result<()> {
        self.stream.flush()
    }
}

fn negotiated(ssl: &SslRef) -> Negotiated {
    let version = ssl.version2().and_then(|v| match v {
        SslVersion::TLS1_3 => Some(0x0304),
        SslVersion::TLS1_2 => Some(0x0303),
        _ => None,
    });
    Negotiated {
        version,
        suite: ssl
            .current_cipher()
            .map(|c| CipherSuite(u16::from_be_bytes(c.protocol_id()))),
        group: None,
        alpn: ssl.selected_alpn_protocol().map(<[u8]>::to_vec),
        peer_signature: None,
        peer_certificate: ssl.peer_certificate().and_then(|c| c.to_der().ok()),
        info: None,
        resumed: Some(ssl.session_reused()),
        early_data: None,
    }
}

impl TlsSession for OpenSslSession {
    fn negotiated(&self) -> Negotiated {
        Negotiated {
            early_data: self.early.as_ref().map(|early| EarlyData {
                status: None,
                received: early.clone(),
                count: early.len(),
            }),
            ..negotiated(self.stream.ssl())
        }
    }

    fn key_update(&mut self) -> Result<(), PeerError> {
        Err(PeerError::Unsupported {
            peer: PEER,
            what: "initiating KeyUpdate (the openssl crate 0.10 has no SSL_key_update binding)"
                .into(),
        })
    }

    fn received_close_notify(&mut self) -> Option<bool> {
        Some(self.stream.get_shutdown().contains(ShutdownState::RECEIVED))
    }

    fn close(&mut self) -> Result<(), PeerError> {
        self.stream
            .shutdown()
            .map(drop)
            .map_err(|e| PeerError::Handshake {
                peer: PEER,
                detail: format!("shutdown: {e}"),
            })
    }
}

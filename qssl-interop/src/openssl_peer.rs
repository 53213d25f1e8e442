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
use crate::peer::{ClientOptions, ClientPeer, Negotiated, ServerOptions, ServerPeer, TlsSession};
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
}

impl OpenSslServer {
    /// Builds the server context: TLS 1.3 only, `set_groups_list`,
    /// `set_ciphersuites`, the chain and key (any type OpenSSL loads, ML-DSA
    /// included), client certificates required if `client_ca_pem` is set, ALPN in
    /// the server's order of preference. Resumption is OpenSSL's default: two
    /// stateless TLS 1.3 tickets per handshake, sealed under the context's own
    /// random key, so every connection this server accepts can resume another's.
    pub fn new(opts: &ServerOptions) -> Result<Self, PeerError> {
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
        Ok(Self { ctx: b.build() })
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
        let ssl = Ssl::new(&self.ctx)?;
        let stream = ssl.accept(tcp).map_err(handshake_error)?;
        Ok(Box::new(OpenSslSession(stream)))
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
        Ok(Box::new(OpenSslSession(stream)))
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

struct OpenSslSession(SslStream<WireTap<TcpStream>>);

impl Read for OpenSslSession {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.0.read(buf)
    }
}

impl Write for OpenSslSession {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.0.write(buf)
    }
    fn flush(&mut self) -> io::Result<()> {
        self.0.flush()
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
    }
}

impl TlsSession for OpenSslSession {
    fn negotiated(&self) -> Negotiated {
        negotiated(self.0.ssl())
    }

    fn key_update(&mut self) -> Result<(), PeerError> {
        Err(PeerError::Unsupported {
            peer: PEER,
            what: "initiating KeyUpdate (the openssl crate 0.10 has no SSL_key_update binding)"
                .into(),
        })
    }

    fn received_close_notify(&mut self) -> Option<bool> {
        Some(self.0.get_shutdown().contains(ShutdownState::RECEIVED))
    }

    fn close(&mut self) -> Result<(), PeerError> {
        self.0
            .shutdown()
            .map(drop)
            .map_err(|e| PeerError::Handshake {
                peer: PEER,
                detail: format!("shutdown: {e}"),
            })
    }
}

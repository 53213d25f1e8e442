//! What the TLS 1.2 interop tests share: OpenSSL's client and server, in process, over
//! an in-memory duplex that records everything each side wrote.

// Each test binary that includes this module uses its own part of it.
#![allow(dead_code)]

use std::cell::RefCell;
use std::io::{self, Read, Write};
use std::rc::Rc;

use openssl::ssl::{
    ErrorCode, Ssl, SslContext, SslContextBuilder, SslMethod, SslSessionCacheMode, SslStream,
    SslVerifyMode, SslVersion,
};
use openssl::x509::X509;
use openssl::x509::store::X509StoreBuilder;
use qssl_interop::TestPki;

/// One end of the duplex: reads what the peer wrote, keeps a copy of what it writes.
pub(crate) struct End {
    inbox: Rc<RefCell<Vec<u8>>>,
    outbox: Rc<RefCell<Vec<u8>>>,
    sent: Rc<RefCell<Vec<u8>>>,
}

impl Read for End {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        let mut q = self.inbox.borrow_mut();
        if q.is_empty() {
            return Err(io::ErrorKind::WouldBlock.into());
        }
        let n = q.len().min(out.len());
        out[..n].copy_from_slice(&q[..n]);
        q.drain(..n);
        Ok(n)
    }
}

impl Write for End {
    fn write(&mut self, data: &[u8]) -> io::Result<usize> {
        self.outbox.borrow_mut().extend_from_slice(data);
        self.sent.borrow_mut().extend_from_slice(data);
        Ok(data.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// What went over the wire each way, for the whole life of the connection.
pub(crate) struct Recording {
    pub(crate) client: Rc<RefCell<Vec<u8>>>,
    pub(crate) server: Rc<RefCell<Vec<u8>>>,
}

pub(crate) fn duplex() -> (End, End, Recording) {
    let to_server = Rc::new(RefCell::new(Vec::new()));
    let to_client = Rc::new(RefCell::new(Vec::new()));
    let rec = Recording {
        client: Rc::new(RefCell::new(Vec::new())),
        server: Rc::new(RefCell::new(Vec::new())),
    };
    let client = End {
        inbox: Rc::clone(&to_client),
        outbox: Rc::clone(&to_server),
        sent: Rc::clone(&rec.client),
    };
    let server = End {
        inbox: to_server,
        outbox: to_client,
        sent: Rc::clone(&rec.server),
    };
    (client, server, rec)
}

/// OpenSSL contexts speaking TLS 1.2 only with `cipher_list`, no session cache; the
/// client verifies `pki`'s chain, the server presents it. `tweak(builder,
/// is_client)` adds what a test needs (a key log, a sigalgs list).
pub(crate) fn tls12_contexts(
    pki: &TestPki,
    cipher_list: &str,
    tweak: impl Fn(&mut SslContextBuilder, bool),
) -> (SslContext, SslContext) {
    let base = |method, is_client| {
        let mut b = SslContextBuilder::new(method).unwrap();
        b.set_min_proto_version(Some(SslVersion::TLS1_2)).unwrap();
        b.set_max_proto_version(Some(SslVersion::TLS1_2)).unwrap();
        b.set_cipher_list(cipher_list).unwrap();
        b.set_session_cache_mode(SslSessionCacheMode::OFF);
        tweak(&mut b, is_client);
        b
    };
    let mut client = base(SslMethod::tls_client(), true);
    let mut store = X509StoreBuilder::new().unwrap();
    for root in X509::stack_from_pem(pki.root_pem.as_bytes()).unwrap() {
        store.add_cert(root).unwrap();
    }
    client.set_verify_cert_store(store.build()).unwrap();
    client.set_verify(SslVerifyMode::PEER);

    let mut server = base(SslMethod::tls_server(), false);
    let mut chain = X509::stack_from_pem(pki.server.chain_pem.as_bytes())
        .unwrap()
        .into_iter();
    server.set_certificate(&chain.next().unwrap()).unwrap();
    for cert in chain {
        server.add_extra_chain_cert(cert).unwrap();
    }
    let key = openssl::pkey::PKey::private_key_from_pem(pki.server.key_pem.as_bytes()).unwrap();
    server.set_private_key(&key).unwrap();
    (client.build(), server.build())
}

fn step(result: Result<(), openssl::ssl::Error>) -> bool {
    match result {
        Ok(()) => true,
        Err(e) if e.code() == ErrorCode::WANT_READ || e.code() == ErrorCode::WANT_WRITE => false,
        Err(e) => panic!("OpenSSL handshake: {e}"),
    }
}

/// A completed OpenSSL TLS 1.2 handshake between `contexts`' client (to "localhost")
/// and server, and the recording of it.
pub(crate) fn handshake(
    contexts: &(SslContext, SslContext),
) -> (SslStream<End>, SslStream<End>, Recording) {
    let (c_end, s_end, rec) = duplex();
    let mut c = Ssl::new(&contexts.0).unwrap();
    c.set_hostname("localhost").unwrap();
    c.param_mut().set_host("localhost").unwrap();
    c.set_connect_state();
    let mut s = Ssl::new(&contexts.1).unwrap();
    s.set_accept_state();
    let mut client = SslStream::new(c, c_end).unwrap();
    let mut server = SslStream::new(s, s_end).unwrap();
    // Each round moves one flight; a TLS 1.2 handshake has four.
    let done = (0..16).any(|_| {
        let c = step(client.do_handshake());
        let s = step(server.do_handshake());
        c && s
    });
    assert!(done, "OpenSSL handshake did not finish");
    assert_eq!(client.ssl().version_str(), "TLSv1.2");
    (client, server, rec)
}

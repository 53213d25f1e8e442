//! A real Q-SSL echo server on loopback TCP (the facade's blocking `ServerConnection`
//! over `std::net`), one thread per connection, that a test can stop (every live
//! connection is shut down, as when a server process exits) and start again on the
//! same port with the same configuration, so that its tickets still open.
#![allow(dead_code, unreachable_pub)]

use std::io::{self, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

use qssl::{Error, ServerConfig, ServerConnection, StreamOwned};

/// What the server saw of one connection's handshake: whether it resumed, or the
/// error that ended it.
pub type Seen = Result<bool, Error>;

/// A running echo server.
pub struct LoopbackServer {
    addr: SocketAddr,
    stop: Arc<AtomicBool>,
    accept_thread: Option<JoinHandle<()>>,
    live: Arc<Mutex<Vec<TcpStream>>>,
    handlers: Arc<Mutex<Vec<JoinHandle<()>>>>,
    seen: Arc<Mutex<Vec<Seen>>>,
    accepted: Arc<AtomicUsize>,
}

impl LoopbackServer {
    /// Starts on a free loopback port.
    pub fn start(config: Arc<ServerConfig>) -> Self {
        Self::start_on(config, "127.0.0.1:0".parse().unwrap()).unwrap()
    }

    /// Starts on `addr` (e.g. the port of a stopped server).
    pub fn start_on(config: Arc<ServerConfig>, addr: SocketAddr) -> io::Result<Self> {
        // The port of a server stopped a moment ago can be briefly unavailable.
        let mut tries = 0;
        let listener = loop {
            match TcpListener::bind(addr) {
                Ok(l) => break l,
                Err(e) if tries < 50 && e.kind() == io::ErrorKind::AddrInUse => {
                    tries += 1;
                    std::thread::sleep(Duration::from_millis(100));
                }
                Err(e) => return Err(e),
            }
        };
        let addr = listener.local_addr()?;
        let stop = Arc::new(AtomicBool::new(false));
        let live = Arc::new(Mutex::new(Vec::new()));
        let handlers = Arc::new(Mutex::new(Vec::new()));
        let seen = Arc::new(Mutex::new(Vec::new()));
        let accepted = Arc::new(AtomicUsize::new(0));
        let accept_thread = {
            let (stop, live, handlers, seen, accepted) = (
                stop.clone(),
                live.clone(),
                handlers.clone(),
                seen.clone(),
                accepted.clone(),
            );
            std::thread::spawn(move || {
                for sock in listener.incoming() {
                    if stop.load(Ordering::SeqCst) {
                        break;
                    }
                    let Ok(sock) = sock else { continue };
                    accepted.fetch_add(1, Ordering::SeqCst);
                    if let Ok(c) = sock.try_clone() {
                        live.lock().unwrap().push(c);
                    }
                    let (config, seen) = (config.clone(), seen.clone());
                    let h = std::thread::spawn(move || serve(config, sock, &seen));
                    handlers.lock().unwrap().push(h);
                }
            })
        };
        Ok(Self {
            addr,
            stop,
            accept_thread: Some(accept_thread),
            live,
            handlers,
            seen,
            accepted,
        })
    }

    /// The listening address.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// TCP connections accepted so far.
    pub fn accepted(&self) -> usize {
        self.accepted.load(Ordering::SeqCst)
    }

    /// Every finished handshake so far, in order.
    pub fn seen(&self) -> Vec<Seen> {
        self.seen.lock().unwrap().clone()
    }

    /// Waits (at most a minute, for a stuck test) until `n` handshakes have ended on
    /// the server's side: a client can finish its handshake, or fail it, before the
    /// server has read its last flight.
    pub fn wait_seen(&self, n: usize) -> Vec<Seen> {
        let start = std::time::Instant::now();
        while self.seen.lock().unwrap().len() < n && start.elapsed() < Duration::from_secs(60) {
            std::thread::sleep(Duration::from_millis(5));
        }
        self.seen()
    }

    /// Stops accepting, shuts every live connection down (the clients see the end of
    /// the stream) and waits for the server's threads.
    pub fn stop(mut self) -> Vec<Seen> {
        self.shutdown();
        self.seen()
    }

    fn shutdown(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        // Wakes the accept loop, which then sees the flag.
        let _ = TcpStream::connect(self.addr);
        if let Some(t) = self.accept_thread.take() {
            let _ = t.join();
        }
        for s in self.live.lock().unwrap().drain(..) {
            let _ = s.shutdown(std::net::Shutdown::Both);
        }
        let handlers: Vec<_> = self.handlers.lock().unwrap().drain(..).collect();
        for h in handlers {
            let _ = h.join();
        }
    }
}

impl Drop for LoopbackServer {
    fn drop(&mut self) {
        if self.accept_thread.is_some() {
            self.shutdown();
        }
    }
}

/// Handshake, then echo until the client stops.
fn serve(config: Arc<ServerConfig>, mut sock: TcpStream, seen: &Mutex<Vec<Seen>>) {
    // Bounds a stuck test; no assertion depends on it.
    let _ = sock.set_read_timeout(Some(Duration::from_secs(120)));
    let mut conn = match ServerConnection::new(config) {
        Ok(c) => c,
        Err(e) => {
            seen.lock().unwrap().push(Err(e));
            return;
        }
    };
    while conn.is_handshaking() {
        if let Err(e) = conn.complete_io(&mut sock) {
            if let Some(err) = conn.error() {
                seen.lock().unwrap().push(Err(err));
            }
            let _ = e;
            return;
        }
    }
    let resumed = conn.connection_info().is_some_and(|i| i.resumed);
    seen.lock().unwrap().push(Ok(resumed));
    let mut tls = StreamOwned::new(conn, sock);
    let mut buf = [0u8; 4096];
    loop {
        match tls.read(&mut buf) {
            Ok(0) | Err(_) => return,
            Ok(n) => {
                if tls.write_all(&buf[..n]).is_err() {
                    return;
                }
            }
        }
    }
}

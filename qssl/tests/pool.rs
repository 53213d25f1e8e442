//! `qssl::pool` against a real Q-SSL echo server on loopback (X25519MLKEM768 +
//! ML-DSA-65): reuse, the liveness check across a server restart (no dead
//! connection is handed out; the new ones resume, as the server sees), the acquire
//! timeout and the cap on handshakes at once, 32 threads sharing one pool, what is
//! closed on return, idle timeout and lifetime on a virtual clock, the idle limits,
//! keys, and TCP Fast Open. Waits are bounded; no assertion depends on speed.

mod common;
mod loopback;

use std::collections::HashSet;
use std::io::{self, Read, Write};
use std::net::TcpListener;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use common::*;
use loopback::LoopbackServer;
use qssl::pki_types::ServerName;
use qssl::pool::{Pool, PoolConfig, PooledConnection};
use qssl::reconnect::VirtualClock;
use qssl::{ClientConfig, ServerConfig};
use qssl_crypto::sign::KeyAlgorithm;

/// Only for "does not hang": far above anything a loaded machine needs.
const HANG: Duration = Duration::from_secs(60);

fn setup() -> (Arc<ClientConfig>, Arc<ServerConfig>) {
    let p = pki_for(KeyAlgorithm::MlDsa65);
    let (cb, sb) = configs(&p);
    (Arc::new(cb.build().unwrap()), Arc::new(sb.build().unwrap()))
}

fn localhost() -> ServerName<'static> {
    ServerName::try_from("localhost").unwrap()
}

fn acquire(pool: &Pool, config: &Arc<ClientConfig>, server: &LoopbackServer) -> PooledConnection {
    pool.acquire(config, "127.0.0.1", server.addr().port(), localhost())
        .unwrap()
}

/// Sends `msg` and checks the echo.
fn echo(conn: &mut PooledConnection, msg: &[u8]) {
    conn.write_all(msg).unwrap();
    let mut got = vec![0u8; msg.len()];
    conn.read_exact(&mut got).unwrap();
    assert_eq!(got, msg);
}

#[test]
fn a_returned_connection_is_reused() {
    let (client, server_config) = setup();
    let server = LoopbackServer::start(server_config);
    let pool = Pool::new(PoolConfig::default());
    let mut c = acquire(&pool, &client, &server);
    assert!(!c.is_reused());
    let info = c.connection().connection_info().unwrap();
    assert!(info.kx_post_quantum && info.peer_auth_post_quantum);
    echo(&mut c, b"one");
    let id = c.id();
    drop(c);
    let mut c = acquire(&pool, &client, &server);
    assert!(c.is_reused());
    assert_eq!(c.id(), id);
    echo(&mut c, b"two");
    drop(c);
    let s = pool.stats();
    assert_eq!(
        (s.created, s.reused, s.discarded.total(), s.idle),
        (1, 1, 0, 1)
    );
    // The server saw one handshake.
    assert_eq!(server.stop(), [Ok(false)]);
}

#[test]
fn after_a_restart_no_dead_connection_is_handed_out_and_new_ones_resume() {
    let (client, server_config) = setup();
    let server = LoopbackServer::start(server_config.clone());
    let addr = server.addr();
    let pool = Pool::new(PoolConfig::default());
    // Three connections at once, each used (which also takes in the server's
    // tickets), then all idle.
    let mut held: Vec<_> = (0..3).map(|_| acquire(&pool, &client, &server)).collect();
    for (i, c) in held.iter_mut().enumerate() {
        echo(c, format!("before {i}").as_bytes());
    }
    let before: HashSet<u64> = held.iter().map(|c| c.id()).collect();
    drop(held);
    assert_eq!(pool.stats().idle, 3);

    // The server goes away (every connection is shut down) and comes back on the
    // same port with the same configuration (so the same ticket keys).
    let seen = server.stop();
    assert_eq!(seen.len(), 3);
    let server = LoopbackServer::start_on(server_config, addr).unwrap();

    let mut held: Vec<_> = (0..3).map(|_| acquire(&pool, &client, &server)).collect();
    for (i, c) in held.iter_mut().enumerate() {
        assert!(!c.is_reused(), "a dead connection was handed out");
        assert!(!before.contains(&c.id()));
        echo(c, format!("after {i}").as_bytes());
        assert!(c.connection().connection_info().unwrap().resumed);
    }
    drop(held);
    let s = pool.stats();
    assert_eq!(s.discarded.closed_by_peer, 3, "{s:?}");
    assert_eq!(s.created, 6);
    assert_eq!(s.reused, 0);
    // The restarted server resumed all three.
    assert_eq!(server.stop(), [Ok(true), Ok(true), Ok(true)]);
}

/// A TCP server that accepts and then says nothing; it counts connections.
fn silent_server() -> (std::net::SocketAddr, Arc<Mutex<Vec<std::net::TcpStream>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let held = Arc::new(Mutex::new(Vec::new()));
    let h = held.clone();
    std::thread::spawn(move || {
        for s in listener.incoming().flatten() {
            h.lock().unwrap().push(s);
        }
    });
    (addr, held)
}

#[test]
fn acquire_times_out_as_configured_and_handshakes_at_once_are_capped() {
    let (client, _) = setup();
    let (addr, accepted) = silent_server();
    let timeout = Duration::from_millis(500);
    let pool = Pool::new(PoolConfig {
        acquire_timeout: timeout,
        max_connecting_per_key: 1,
        ..PoolConfig::default()
    });
    let run = |pool: Pool, client: Arc<ClientConfig>| {
        std::thread::spawn(move || {
            let t = Instant::now();
            let r = pool.acquire(&client, "127.0.0.1", addr.port(), localhost());
            (r.map(|c| c.id()), t.elapsed())
        })
    };
    let a = run(pool.clone(), client.clone());
    // The second acquirer finds the one handshake slot taken and waits.
    let start = Instant::now();
    while pool.stats().connect_failed == 0 && accepted.lock().unwrap().is_empty() {
        assert!(start.elapsed() < HANG);
        std::thread::sleep(Duration::from_millis(5));
    }
    let b = run(pool.clone(), client.clone());
    while pool.stats().waited == 0 && pool.stats().timed_out == 0 {
        assert!(start.elapsed() < HANG);
        std::thread::sleep(Duration::from_millis(5));
    }
    // While B waits and A has not given up, only A's connection reached the server.
    let s = pool.stats();
    assert!(
        s.waited == 0 || s.timed_out > 0 || accepted.lock().unwrap().len() == 1,
        "the handshake cap let a second one through"
    );
    for (r, elapsed) in [a.join().unwrap(), b.join().unwrap()] {
        let e = r.unwrap_err();
        assert_eq!(e.kind(), io::ErrorKind::TimedOut, "{e}");
        assert!(elapsed >= timeout, "gave up early: {elapsed:?}");
        assert!(elapsed < HANG);
    }
    let s = pool.stats();
    assert_eq!(s.created, 0);
    assert_eq!(s.waited, 1, "{s:?}");
    assert!(s.timed_out >= 2, "{s:?}");
}

#[test]
fn thirty_two_threads_never_get_the_same_connection_at_once() {
    let (client, server_config) = setup();
    let server = Arc::new(LoopbackServer::start(server_config));
    let pool = Pool::new(PoolConfig {
        max_idle_per_key: 8,
        max_connecting_per_key: 4,
        acquire_timeout: HANG,
        ..PoolConfig::default()
    });
    let in_use = Arc::new(Mutex::new(HashSet::new()));
    const ROUNDS: usize = 8;
    let threads: Vec<_> = (0..32)
        .map(|t| {
            let (pool, client, server, in_use) =
                (pool.clone(), client.clone(), server.clone(), in_use.clone());
            std::thread::spawn(move || {
                for r in 0..ROUNDS {
                    let mut c = acquire(&pool, &client, &server);
                    assert!(
                        in_use.lock().unwrap().insert(c.id()),
                        "connection {} handed out twice",
                        c.id()
                    );
                    // Each user's bytes come back to it alone.
                    echo(&mut c, format!("thread {t} round {r}").as_bytes());
                    assert!(in_use.lock().unwrap().remove(&c.id()));
                }
            })
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
    let s = pool.stats();
    assert_eq!(s.created + s.reused, 32 * ROUNDS as u64, "{s:?}");
    assert!(s.reused > 0, "{s:?}");
    let server = Arc::try_unwrap(server).ok().unwrap();
    // The server saw one handshake per connection the pool created.
    let seen = server.stop();
    assert_eq!(seen.len() as u64, s.created);
    assert!(seen.iter().all(Result::is_ok));
}

#[test]
fn a_connection_returned_with_unread_plaintext_is_closed() {
    let (client, server_config) = setup();
    let server = LoopbackServer::start(server_config);
    let pool = Pool::new(PoolConfig::default());
    let mut c = acquire(&pool, &client, &server);
    c.write_all(b"hello").unwrap();
    let mut one = [0u8; 1];
    c.read_exact(&mut one).unwrap();
    let id = c.id();
    drop(c); // "ello" is unread
    let s = pool.stats();
    assert_eq!((s.discarded.unread_data, s.idle), (1, 0), "{s:?}");
    let mut c = acquire(&pool, &client, &server);
    assert!(!c.is_reused());
    assert_ne!(c.id(), id);
    echo(&mut c, b"fresh");
}

#[test]
fn data_that_arrives_while_idle_is_not_handed_to_the_next_user() {
    let (client, server_config) = setup();
    let server = LoopbackServer::start(server_config);
    let pool = Pool::new(PoolConfig::default());
    let mut c = acquire(&pool, &client, &server);
    echo(&mut c, b"first"); // the tickets are in
    c.write_all(b"late").unwrap();
    // Wait until the echo is in the socket, not read by the connection.
    c.tcp_stream().set_read_timeout(Some(HANG)).unwrap();
    let mut peek = [0u8; 1];
    assert_eq!(c.tcp_stream().peek(&mut peek).unwrap(), 1);
    c.tcp_stream().set_read_timeout(None).unwrap();
    drop(c);
    assert_eq!(pool.stats().idle, 1);
    let mut c = acquire(&pool, &client, &server);
    assert!(!c.is_reused());
    echo(&mut c, b"mine");
    let s = pool.stats();
    assert_eq!(s.discarded.unread_data, 1, "{s:?}");
}

#[test]
fn idle_timeout_and_lifetime_on_a_virtual_clock() {
    let (client, server_config) = setup();
    let server = LoopbackServer::start(server_config);
    let clock = Arc::new(VirtualClock::new());
    let pool = Pool::with_clock(
        PoolConfig {
            idle_timeout: Some(Duration::from_secs(30)),
            max_lifetime: Some(Duration::from_secs(300)),
            ..PoolConfig::default()
        },
        clock.clone(),
    );
    let mut c = acquire(&pool, &client, &server);
    echo(&mut c, b"a");
    drop(c);
    clock.advance(Duration::from_secs(29));
    let mut c = acquire(&pool, &client, &server);
    assert!(c.is_reused(), "29 s idle is under the timeout");
    echo(&mut c, b"b");
    drop(c);
    clock.advance(Duration::from_secs(30));
    let mut c = acquire(&pool, &client, &server);
    assert!(!c.is_reused(), "30 s idle is the timeout");
    assert_eq!(pool.stats().discarded.idle_timeout, 1);
    // Kept busy, but older than its lifetime: not handed out again.
    for _ in 0..11 {
        echo(&mut c, b"c");
        drop(c);
        clock.advance(Duration::from_secs(29));
        c = acquire(&pool, &client, &server);
    }
    let s = pool.stats();
    assert_eq!(s.discarded.lifetime, 1, "{s:?}");
    assert_eq!(s.created, 3, "{s:?}");
    drop(c);
}

#[test]
fn idle_limits_and_keys() {
    let (client, server_config) = setup();
    let server = LoopbackServer::start(server_config);
    let pool = Pool::new(PoolConfig {
        max_idle_per_key: 2,
        max_idle_total: 3,
        ..PoolConfig::default()
    });
    let held: Vec<_> = (0..3).map(|_| acquire(&pool, &client, &server)).collect();
    drop(held);
    let s = pool.stats();
    assert_eq!((s.idle, s.discarded.over_capacity), (2, 1), "{s:?}");

    // Another configuration with the same content is another key.
    let p = pki_for(KeyAlgorithm::MlDsa65);
    let other = Arc::new(configs(&p).0.build().unwrap());
    let c = acquire(&pool, &other, &server);
    assert!(!c.is_reused());
    assert_ne!(c.key(), acquire(&pool, &client, &server).key());
    // Its connection fills the total (2 + 1); one more of `client` would exceed it.
    drop(c);
    let s = pool.stats();
    assert_eq!(s.idle, 3, "{s:?}");
    // By host string too: "localhost" is not "127.0.0.1".
    let c = pool
        .acquire(&client, "localhost", server.addr().port(), localhost())
        .unwrap();
    assert!(!c.is_reused());
}

#[test]
fn tcp_fast_open_connections_work_and_a_refusal_is_counted() {
    let (client, server_config) = setup();
    let server = LoopbackServer::start(server_config);
    let pool = Pool::new(PoolConfig {
        tcp_fast_open: true,
        max_idle_per_key: 0,
        ..PoolConfig::default()
    });
    for i in 0..3 {
        let mut c = acquire(&pool, &client, &server);
        echo(&mut c, format!("tfo {i}").as_bytes());
    }
    let s = pool.stats();
    assert_eq!(s.created, 3);
    let client_bit = qssl::tfo::sysctl_value().is_some_and(|v| v & 1 != 0);
    if client_bit {
        assert_eq!(s.tfo_refused, 0, "the kernel allows client Fast Open");
    } else {
        eprintln!(
            "note: net.ipv4.tcp_fastopen has no client bit: Fast Open refused, {} connections without it",
            s.tfo_refused
        );
        assert_eq!(s.tfo_refused, 3);
    }
    let seen = server.stop();
    assert_eq!(seen.len(), 3);
}

#[test]
fn a_connection_returned_inside_a_record_is_closed() {
    let (client, server_config) = setup();
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    // After the handshake and one request, the server answers with a whole record
    // and, in the same write, the first bytes of another.
    let server = std::thread::spawn(move || {
        let (mut sock, _) = listener.accept().unwrap();
        let mut conn = qssl::ServerConnection::new(server_config).unwrap();
        while conn.is_handshaking() {
            conn.complete_io(&mut sock).unwrap();
        }
        let mut tls = qssl::StreamOwned::new(conn, sock);
        let mut req = [0u8; 3];
        tls.read_exact(&mut req).unwrap();
        let mut out = Vec::new();
        tls.conn.writer().write_all(b"ok").unwrap();
        while tls.conn.wants_write() {
            tls.conn.write_tls(&mut out).unwrap();
        }
        // An application_data header announcing 100 bytes, and 3 of them.
        out.extend_from_slice(&[23, 3, 3, 0, 100, 1, 2, 3]);
        tls.sock.write_all(&out).unwrap();
        // Hold the connection until the client is done with it.
        let mut rest = Vec::new();
        let _ = tls.sock.read_to_end(&mut rest);
    });
    let pool = Pool::new(PoolConfig::default());
    let mut c = pool
        .acquire(&client, "127.0.0.1", port, localhost())
        .unwrap();
    c.write_all(b"req").unwrap();
    let mut ok = [0u8; 2];
    c.read_exact(&mut ok).unwrap();
    assert_eq!(&ok, b"ok");
    drop(c);
    let s = pool.stats();
    assert_eq!((s.discarded.mid_record, s.idle), (1, 0), "{s:?}");
    server.join().unwrap();
}

//! The tokio flavours: `qssl::pool::tokio` against a real Q-SSL server on loopback
//! (32 tasks sharing one pool; a restart: no dead connection handed out, the new
//! ones resume; the acquire timeout), and `qssl::reconnect::async` on tokio's paused
//! clock (delays as configured; a server that comes up after three refusals is
//! reached on the fourth attempt).
#![cfg(feature = "tokio")]

mod common;
mod loopback;

use std::collections::HashSet;
use std::io;
use std::net::TcpListener;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use common::*;
use loopback::LoopbackServer;
use qssl::pki_types::ServerName;
use qssl::pool::PoolConfig;
use qssl::pool::tokio::{Pool, PooledConnection};
use qssl::reconnect::{Failure, GaveUp, OsJitter, ReconnectPolicy};
use qssl::tokio::TlsConnector;
use qssl::{ClientConfig, ServerConfig};
use qssl_crypto::sign::KeyAlgorithm;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// Only for "does not hang".
const HANG: Duration = Duration::from_secs(60);

fn setup() -> (Arc<ClientConfig>, Arc<ServerConfig>) {
    let p = pki_for(KeyAlgorithm::MlDsa65);
    let (cb, sb) = configs(&p);
    (Arc::new(cb.build().unwrap()), Arc::new(sb.build().unwrap()))
}

fn localhost() -> ServerName<'static> {
    ServerName::try_from("localhost").unwrap()
}

fn multi_thread() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap()
}

async fn acquire(pool: &Pool, config: &Arc<ClientConfig>, port: u16) -> PooledConnection {
    tokio::time::timeout(HANG, pool.acquire(config, "127.0.0.1", port, localhost()))
        .await
        .expect("acquire hung")
        .unwrap()
}

async fn echo(c: &mut PooledConnection, msg: &[u8]) {
    c.write_all(msg).await.unwrap();
    let mut got = vec![0u8; msg.len()];
    tokio::time::timeout(HANG, c.read_exact(&mut got))
        .await
        .expect("echo hung")
        .unwrap();
    assert_eq!(got, msg);
}

#[test]
fn thirty_two_tasks_never_get_the_same_connection_at_once() {
    let (client, server_config) = setup();
    let server = LoopbackServer::start(server_config);
    let port = server.addr().port();
    let pool = Pool::new(PoolConfig {
        max_idle_per_key: 8,
        max_connecting_per_key: 4,
        acquire_timeout: HANG,
        ..PoolConfig::default()
    });
    const ROUNDS: usize = 8;
    let in_use = Arc::new(Mutex::new(HashSet::new()));
    multi_thread().block_on(async {
        let tasks: Vec<_> = (0..32)
            .map(|t| {
                let (pool, client, in_use) = (pool.clone(), client.clone(), in_use.clone());
                tokio::spawn(async move {
                    for r in 0..ROUNDS {
                        let mut c = acquire(&pool, &client, port).await;
                        assert!(
                            in_use.lock().unwrap().insert(c.id()),
                            "connection {} handed out twice",
                            c.id()
                        );
                        echo(&mut c, format!("task {t} round {r}").as_bytes()).await;
                        assert!(in_use.lock().unwrap().remove(&c.id()));
                    }
                })
            })
            .collect();
        for t in tasks {
            t.await.unwrap();
        }
    });
    let s = pool.stats();
    assert_eq!(s.created + s.reused, 32 * ROUNDS as u64, "{s:?}");
    assert!(s.reused > 0, "{s:?}");
    let seen = server.stop();
    assert_eq!(seen.len() as u64, s.created);
}

#[test]
fn after_a_restart_no_dead_connection_is_handed_out_and_new_ones_resume() {
    let (client, server_config) = setup();
    let server = LoopbackServer::start(server_config.clone());
    let addr = server.addr();
    let pool = Pool::new(PoolConfig::default());
    let rt = multi_thread();
    let before: HashSet<u64> = rt.block_on(async {
        let mut held = Vec::new();
        for _ in 0..3 {
            held.push(acquire(&pool, &client, addr.port()).await);
        }
        for (i, c) in held.iter_mut().enumerate() {
            echo(c, format!("before {i}").as_bytes()).await;
        }
        held.iter().map(|c| c.id()).collect()
    });
    assert_eq!(pool.stats().idle, 3);
    assert_eq!(server.stop().len(), 3);
    let server = LoopbackServer::start_on(server_config, addr).unwrap();
    rt.block_on(async {
        let mut held = Vec::new();
        for _ in 0..3 {
            held.push(acquire(&pool, &client, addr.port()).await);
        }
        for (i, c) in held.iter_mut().enumerate() {
            assert!(!c.is_reused(), "a dead connection was handed out");
            assert!(!before.contains(&c.id()));
            echo(c, format!("after {i}").as_bytes()).await;
            assert!(c.connection().connection_info().unwrap().resumed);
        }
    });
    let s = pool.stats();
    assert_eq!(s.discarded.closed_by_peer, 3, "{s:?}");
    assert_eq!((s.created, s.resumed, s.reused), (6, 3, 0), "{s:?}");
    assert_eq!(server.stop(), [Ok(true), Ok(true), Ok(true)]);
}

#[test]
fn acquire_times_out_as_configured() {
    let (client, _) = setup();
    // Accepts, then says nothing.
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let held = Arc::new(Mutex::new(Vec::new()));
    let h = held.clone();
    std::thread::spawn(move || {
        for s in listener.incoming().flatten() {
            h.lock().unwrap().push(s);
        }
    });
    let timeout = Duration::from_millis(400);
    let pool = Pool::new(PoolConfig {
        acquire_timeout: timeout,
        max_connecting_per_key: 1,
        ..PoolConfig::default()
    });
    multi_thread().block_on(async {
        let start = tokio::time::Instant::now();
        let tasks: Vec<_> = (0..2)
            .map(|_| {
                let (pool, client) = (pool.clone(), client.clone());
                tokio::spawn(async move {
                    let r = pool.acquire(&client, "127.0.0.1", port, localhost()).await;
                    (r.map(|c| c.id()), start.elapsed())
                })
            })
            .collect();
        // Half-way through the timeout one handshake at most has started (a slow
        // machine can only lower the count). Once the first gives up, the second
        // may start one with the time it has left.
        tokio::time::sleep(timeout / 2).await;
        assert!(
            held.lock().unwrap().len() <= 1,
            "the handshake cap let a second one through"
        );
        for t in tasks {
            let (r, elapsed) = t.await.unwrap();
            assert_eq!(r.unwrap_err().kind(), io::ErrorKind::TimedOut);
            assert!(elapsed >= timeout && elapsed < HANG, "{elapsed:?}");
        }
    });
    let s = pool.stats();
    assert_eq!((s.created, s.waited), (0, 1), "{s:?}");
    assert_eq!(s.timed_out, 2, "{s:?}");
}

fn paused() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .start_paused(true)
        .build()
        .unwrap()
}

#[test]
fn async_retry_waits_as_configured_on_a_paused_clock() {
    let policy = ReconnectPolicy {
        max_retries: 4,
        initial_delay: Duration::from_millis(100),
        backoff_factor: 2.0,
        max_delay: Duration::from_millis(500),
        full_jitter: false,
        deadline: None,
        attempt_timeout: None,
    };
    paused().block_on(async {
        let start = tokio::time::Instant::now();
        let mut delays = Vec::new();
        let err = qssl::reconnect::r#async::retry(
            &policy,
            &OsJitter,
            |a| delays.extend(a.next_delay),
            |_, _| async { Err::<(), _>(io::Error::from(io::ErrorKind::ConnectionRefused)) },
        )
        .await
        .unwrap_err();
        assert_eq!(err.attempts, 5);
        assert_eq!(err.gave_up, GaveUp::MaxRetries);
        let want = [100, 200, 400, 500].map(Duration::from_millis);
        assert_eq!(delays, want);
        // The paused clock moved by exactly the delays.
        assert_eq!(start.elapsed(), want.iter().sum::<Duration>());
    });
}

#[test]
fn async_retry_reaches_a_server_that_comes_up_after_three_refusals() {
    let (client, server_config) = setup();
    let addr = {
        let l = TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap()
    };
    let policy = ReconnectPolicy {
        max_retries: 5,
        ..ReconnectPolicy::default()
    };
    let server: Mutex<Option<LoopbackServer>> = Mutex::new(None);
    let mut seen_attempts = Vec::new();
    let connector = TlsConnector::new(client);
    let tls = paused()
        .block_on(qssl::reconnect::r#async::retry(
            &policy,
            &OsJitter,
            |a| {
                seen_attempts.push((a.number, a.failure));
                if a.number == 3 {
                    *server.lock().unwrap() =
                        Some(LoopbackServer::start_on(server_config.clone(), addr).unwrap());
                }
            },
            |_, _| {
                let connector = connector.clone();
                async move {
                    let sock = tokio::net::TcpStream::connect(addr).await?;
                    connector.connect(localhost(), sock).await
                }
            },
        ))
        .unwrap();
    assert!(tls.get_ref().1.connection_info().unwrap().kx_post_quantum);
    assert_eq!(
        seen_attempts,
        [
            (1, Some(Failure::Transport)),
            (2, Some(Failure::Transport)),
            (3, Some(Failure::Transport)),
            (4, None)
        ]
    );
    drop(tls);
    let server = server.lock().unwrap().take().unwrap();
    server.wait_seen(1);
    assert_eq!(server.stop(), [Ok(false)]);
}

#[test]
fn tcp_fast_open_through_the_tokio_pool() {
    let (client, server_config) = setup();
    let server = LoopbackServer::start(server_config);
    let port = server.addr().port();
    let pool = Pool::new(PoolConfig {
        tcp_fast_open: true,
        max_idle_per_key: 0,
        ..PoolConfig::default()
    });
    multi_thread().block_on(async {
        for i in 0..3 {
            let mut c = acquire(&pool, &client, port).await;
            echo(&mut c, format!("tfo {i}").as_bytes()).await;
        }
    });
    let s = pool.stats();
    assert_eq!(s.created, 3);
    if qssl::tfo::sysctl_value().is_some_and(|v| v & 1 != 0) {
        assert_eq!(s.tfo_refused, 0, "the kernel allows client Fast Open");
    } else {
        eprintln!(
            "note: no client Fast Open on this kernel ({} refused)",
            s.tfo_refused
        );
        assert_eq!(s.tfo_refused, 3);
    }
    assert_eq!(server.stop().len(), 3);
}

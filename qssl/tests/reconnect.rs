//! `qssl::reconnect` on a virtual clock (no test sleeps for its delays): the backoff
//! grows as configured, stays under the maximum, is jittered, and stops at the
//! retry limit or the deadline; the table of what retries; against a real server on
//! loopback, an untrusted certificate is tried exactly once and a server that comes
//! up after three refused connections is reached on the fourth.

mod common;
mod loopback;

use std::io;
use std::net::{SocketAddr, TcpListener};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use common::*;
use loopback::LoopbackServer;
use qssl::pki_types::ServerName;
use qssl::reconnect::{
    Failure, GaveUp, JitterSource, NEVER_RETRY_ALERTS, OsJitter, ReconnectPolicy, Retry,
    VirtualClock, classify, connect_once, retries,
};
use qssl::{AlertDescription, Error};
use qssl_crypto::sign::KeyAlgorithm;

fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

/// Jitter that replays a fixed sequence of fractions.
#[derive(Debug)]
struct Fixed(Mutex<Vec<f64>>);

impl JitterSource for Fixed {
    fn fraction(&self) -> f64 {
        let mut v = self.0.lock().unwrap();
        v.remove(0)
    }
}

fn refused() -> io::Error {
    io::ErrorKind::ConnectionRefused.into()
}

/// Runs a loop whose every attempt fails with `ConnectionRefused`; returns the
/// sleeps, the time left each attempt was given, and the error.
fn always_refused(
    policy: &ReconnectPolicy,
    jitter: Arc<dyn JitterSource>,
) -> (
    Vec<Duration>,
    Vec<Option<Duration>>,
    qssl::reconnect::RetryError,
) {
    let clock = Arc::new(VirtualClock::new());
    let mut lefts = Vec::new();
    let err = Retry::new(policy)
        .with_clock(clock.clone())
        .with_jitter(jitter)
        .run(|_, left| -> io::Result<()> {
            lefts.push(left);
            Err(refused())
        })
        .unwrap_err();
    (clock.sleeps(), lefts, err)
}

fn no_jitter(initial: u64, factor: f64, max: u64, retries: u32) -> ReconnectPolicy {
    ReconnectPolicy {
        max_retries: retries,
        initial_delay: ms(initial),
        backoff_factor: factor,
        max_delay: ms(max),
        full_jitter: false,
        deadline: None,
        attempt_timeout: None,
    }
}

#[test]
fn delays_grow_by_the_factor_up_to_the_maximum_and_stop_at_max_retries() {
    let policy = no_jitter(100, 2.0, 1000, 6);
    let (sleeps, _, err) = always_refused(&policy, Arc::new(OsJitter));
    assert_eq!(sleeps, [100, 200, 400, 800, 1000, 1000].map(ms).to_vec());
    assert_eq!(err.attempts, 7);
    assert_eq!(err.gave_up, GaveUp::MaxRetries);
    assert_eq!(err.last.kind(), io::ErrorKind::ConnectionRefused);

    let policy = no_jitter(50, 3.0, 10_000, 3);
    let (sleeps, _, err) = always_refused(&policy, Arc::new(OsJitter));
    assert_eq!(sleeps, [50, 150, 450].map(ms).to_vec());
    assert_eq!(err.attempts, 4);
}

#[test]
fn zero_retries_tries_once() {
    let policy = no_jitter(100, 2.0, 1000, 0);
    let (sleeps, _, err) = always_refused(&policy, Arc::new(OsJitter));
    assert!(sleeps.is_empty());
    assert_eq!(err.attempts, 1);
    assert_eq!(err.gave_up, GaveUp::MaxRetries);
}

#[test]
fn full_jitter_scales_each_cap_by_the_drawn_fraction() {
    let policy = ReconnectPolicy {
        full_jitter: true,
        ..no_jitter(100, 2.0, 1000, 5)
    };
    let fractions = vec![0.5, 0.25, 0.0, 0.999, 0.1];
    let (sleeps, _, _) = always_refused(&policy, Arc::new(Fixed(Mutex::new(fractions))));
    let caps = [100.0, 200.0, 400.0, 800.0, 1000.0];
    let want: Vec<Duration> = [0.5, 0.25, 0.0, 0.999, 0.1]
        .iter()
        .zip(caps)
        .map(|(f, c)| Duration::from_secs_f64(c / 1000.0).mul_f64(*f))
        .collect();
    assert_eq!(sleeps, want);
}

#[test]
fn os_jitter_stays_under_each_cap_and_varies() {
    let policy = ReconnectPolicy {
        full_jitter: true,
        ..no_jitter(100, 2.0, 1000, 40)
    };
    let (sleeps, _, err) = always_refused(&policy, Arc::new(OsJitter));
    assert_eq!(sleeps.len(), 40);
    assert_eq!(err.attempts, 41);
    for (i, s) in sleeps.iter().enumerate() {
        let cap = policy.delay_cap(i as u32 + 1);
        assert!(*s <= cap, "retry {}: {s:?} over its cap {cap:?}", i + 1);
        assert!(*s <= policy.max_delay);
    }
    // 30 draws at the 1 s cap: equal draws there would mean no jitter (the chance
    // that 30 uniform draws of 53 bits coincide is nil).
    let at_max: Vec<_> = sleeps[10..].to_vec();
    let mut distinct = at_max.clone();
    distinct.sort();
    distinct.dedup();
    assert!(distinct.len() > 20, "jitter does not vary: {at_max:?}");
    assert!(at_max.iter().any(|s| *s < ms(900)));
}

#[test]
fn stops_at_the_deadline_and_gives_each_attempt_the_time_left() {
    let policy = ReconnectPolicy {
        deadline: Some(Duration::from_secs(1)),
        ..no_jitter(300, 2.0, 10_000, 10)
    };
    let (sleeps, lefts, err) = always_refused(&policy, Arc::new(OsJitter));
    // 0.3 s, then 0.6 s (ending at 0.9 s); the next 1.2 s would pass the deadline.
    assert_eq!(sleeps, [ms(300), ms(600)]);
    assert_eq!(err.gave_up, GaveUp::Deadline);
    assert_eq!(err.attempts, 3);
    assert_eq!(
        lefts,
        [Some(ms(1000)), Some(ms(700)), Some(ms(100))].to_vec()
    );
}

#[test]
fn the_retry_table() {
    let tls = |e: Error| io::Error::from(e);
    for a in NEVER_RETRY_ALERTS {
        let f = classify(&tls(Error::AlertReceived(*a)));
        assert_eq!(f, Failure::AlertReceived(*a));
        assert!(!retries(f), "{a:?} received must not retry");
        assert!(
            !retries(Failure::AlertSent(*a)),
            "{a:?} sent must not retry"
        );
    }
    for a in [
        AlertDescription::CERTIFICATE_REVOKED,
        AlertDescription::UNKNOWN_CA,
        AlertDescription::BAD_CERTIFICATE,
        AlertDescription::CERTIFICATE_EXPIRED,
        AlertDescription::INSUFFICIENT_SECURITY,
        AlertDescription::HANDSHAKE_FAILURE,
        AlertDescription::PROTOCOL_VERSION,
    ] {
        assert!(NEVER_RETRY_ALERTS.contains(&a), "{a:?}");
    }
    for kind in [
        io::ErrorKind::ConnectionRefused,
        io::ErrorKind::ConnectionReset,
        io::ErrorKind::BrokenPipe,
        io::ErrorKind::TimedOut,
        io::ErrorKind::WouldBlock,
        io::ErrorKind::UnexpectedEof,
    ] {
        assert!(retries(classify(&kind.into())), "{kind:?}");
    }
    assert_eq!(
        classify(&io::ErrorKind::UnexpectedEof.into()),
        Failure::ClosedWithoutAlert
    );
    assert!(retries(classify(&tls(Error::PeerClosedDuringHandshake))));
    assert!(retries(classify(&tls(Error::AlertReceived(
        AlertDescription::INTERNAL_ERROR
    )))));
    assert!(!retries(classify(&tls(Error::Config("broken")))));
}

fn localhost() -> ServerName<'static> {
    ServerName::try_from("localhost").unwrap()
}

#[test]
fn an_unknown_ca_is_tried_exactly_once() {
    let server_pki = pki_for(KeyAlgorithm::EcdsaP256);
    let other_pki = pki_for(KeyAlgorithm::Ed25519);
    let (_, sb) = configs(&server_pki);
    let server = LoopbackServer::start(Arc::new(sb.build().unwrap()));
    let client = Arc::new(
        qssl::ClientConfig::builder()
            .with_root_certificates(other_pki.roots())
            .build()
            .unwrap(),
    );
    let policy = ReconnectPolicy {
        max_retries: 5,
        ..ReconnectPolicy::default()
    };
    let clock = Arc::new(VirtualClock::new());
    let addrs = [server.addr()];
    let err = Retry::new(&policy)
        .with_clock(clock.clone())
        .run(|_, left| connect_once(&client, &addrs, localhost(), left))
        .unwrap_err();
    assert_eq!(err.attempts, 1);
    assert_eq!(
        err.gave_up,
        GaveUp::NotRetryable(Failure::AlertSent(AlertDescription::UNKNOWN_CA))
    );
    assert!(clock.sleeps().is_empty());
    server.wait_seen(1);
    let seen = server.stop();
    // The server saw one connection, ended by our unknown_ca alert.
    assert_eq!(
        seen,
        [Err(Error::AlertReceived(AlertDescription::UNKNOWN_CA))]
    );
}

/// A port nothing listens on (for now).
fn free_port() -> SocketAddr {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    l.local_addr().unwrap()
}

#[test]
fn a_server_that_comes_up_after_three_refusals_is_reached_on_the_fourth_attempt() {
    let p = pki_for(KeyAlgorithm::MlDsa65);
    let (cb, sb) = configs(&p);
    let client = Arc::new(cb.build().unwrap());
    let server_config = Arc::new(sb.build().unwrap());
    let addr = free_port();
    let policy = ReconnectPolicy {
        max_retries: 5,
        ..ReconnectPolicy::default()
    };
    let clock = Arc::new(VirtualClock::new());
    let server: Mutex<Option<LoopbackServer>> = Mutex::new(None);
    let lines = Mutex::new(Vec::new());
    let tls = Retry::new(&policy)
        .with_clock(clock.clone())
        .on_attempt(|a| {
            lines.lock().unwrap().push((
                a.number,
                a.error.map(|e| e.kind()),
                a.failure,
                a.next_delay.is_some(),
            ));
            // The server starts during the third delay.
            if a.number == 3 {
                *server.lock().unwrap() =
                    Some(LoopbackServer::start_on(server_config.clone(), addr).unwrap());
            }
        })
        .run(|_, left| connect_once(&client, &[addr], localhost(), left))
        .unwrap();
    let info = tls.conn.connection_info().unwrap();
    assert!(info.kx_post_quantum && info.peer_auth_post_quantum);
    let refused = Some(io::ErrorKind::ConnectionRefused);
    assert_eq!(
        *lines.lock().unwrap(),
        [
            (1, refused, Some(Failure::Transport), true),
            (2, refused, Some(Failure::Transport), true),
            (3, refused, Some(Failure::Transport), true),
            (4, None, None, false),
        ]
    );
    assert_eq!(clock.sleeps().len(), 3);
    drop(tls);
    let server = server.lock().unwrap().take().unwrap();
    assert_eq!(server.accepted(), 1);
    server.wait_seen(1);
    assert_eq!(server.stop(), [Ok(false)]);
}

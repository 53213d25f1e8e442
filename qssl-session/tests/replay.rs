//! 0-RTT anti-replay: the freshness check and the memory of offers seen, on a
//! virtual clock.

use std::collections::HashSet;
use std::sync::Arc;
use std::thread;

use qssl_session::{AntiReplay, ReplayGuard, is_fresh};

#[test]
fn a_repeat_is_rejected_for_as_long_as_it_could_be_fresh() {
    let g = ReplayGuard::new(10, 100);
    assert_eq!(g.window(), 10);
    assert!(g.first_use(b"ticket", 1000));
    assert!(!g.first_use(b"ticket", 1000));
    // One window later a replay could still pass the freshness check (if the
    // first offer's age was a full window short), so it is still refused...
    assert!(!g.first_use(b"ticket", 1011));
    assert!(!g.first_use(b"ticket", 1020));
    // ...until two windows have passed; then the offer is stale anyway.
    assert!(g.first_use(b"ticket", 1021));
    assert!(!g.first_use(b"ticket", 1021));
    // Other keys are other offers, whatever their length.
    assert!(g.first_use(b"another", 1021));
    assert!(g.first_use(&vec![7; 65_535], 1021));
    assert!(!g.first_use(&vec![7; 65_535], 1022));
    assert!(g.first_use(&vec![7; 65_534], 1022));
}

#[test]
fn the_window_the_guard_keeps_covers_every_replay_is_fresh_would_accept() {
    // An offer first seen at `seen` with the worst age error, replayed later with
    // the same reported age: as long as it is still fresh, the guard refuses it.
    let w = 10;
    let g = ReplayGuard::new(w, 1000);
    let issued = 5_000;
    let seen = 6_000;
    let client_age_ms = (seen - issued + u64::from(w)) as u32 * 1000;
    assert!(is_fresh(issued, client_age_ms, seen, w));
    assert!(g.first_use(b"offer", seen));
    for replay_at in seen..seen + 100 {
        if is_fresh(issued, client_age_ms, replay_at, w) {
            assert!(
                !g.first_use(b"offer", replay_at),
                "replay at {replay_at} accepted"
            );
        }
    }
}

#[test]
fn fails_closed_when_full() {
    let g = ReplayGuard::new(10, 3);
    assert_eq!(g.capacity(), 3);
    for k in [b"a", b"b", b"c"] {
        assert!(g.first_use(k, 1000));
    }
    assert!(!g.first_use(b"d", 1005), "full: early data refused");
    assert!(!g.first_use(b"d", 1005));
    assert!(!g.first_use(b"a", 1005), "and repeats still refused");
    assert_eq!(g.len(), 3);
    // Once the old offers age out there is room again.
    assert!(g.first_use(b"d", 1021));
    assert_eq!(g.len(), 1);
}

#[test]
fn a_clock_going_back_does_not_let_an_offer_out_early() {
    let g = ReplayGuard::new(10, 100);
    assert!(g.first_use(b"a", 1000));
    // Another connection's clock is a second behind: "b" is kept as if seen at 1000.
    assert!(g.first_use(b"b", 999));
    assert!(!g.first_use(b"b", 1020));
    assert!(g.first_use(b"a", 1021));
    assert!(g.first_use(b"b", 1021));
}

#[test]
fn the_default_is_a_ten_second_window_for_100000_offers() {
    let g = ReplayGuard::default();
    assert_eq!(g.window(), 10);
    assert_eq!(g.capacity(), 100_000);
    assert!(g.first_use(b"x", 0));
    assert!(!g.first_use(b"x", 20));
    assert!(g.first_use(b"x", 21));
}

#[test]
fn concurrent_offers_are_each_accepted_once() {
    let g = Arc::new(ReplayGuard::new(10, 1_000_000));
    let handles: Vec<_> = (0..8u32)
        .map(|t| {
            let g = Arc::clone(&g);
            thread::spawn(move || {
                (0..10_000u32)
                    .map(|k| (k + t * 1250) % 10_000)
                    .filter(|k| g.first_use(&k.to_be_bytes(), 1000))
                    .collect::<Vec<u32>>()
            })
        })
        .collect();
    let mut accepted = Vec::new();
    for h in handles {
        accepted.extend(h.join().unwrap());
    }
    assert_eq!(accepted.len(), 10_000);
    assert_eq!(accepted.iter().collect::<HashSet<_>>().len(), 10_000);
}

#[test]
fn freshness_boundaries() {
    // Issued at 1000, now 1100: the server's view of the age is 100 s.
    let (issued, now) = (1000, 1100);
    assert!(is_fresh(issued, 100_000, now, 10));
    assert!(is_fresh(issued, 90_000, now, 10));
    assert!(!is_fresh(issued, 89_999, now, 10), "89 s: 11 s off");
    assert!(is_fresh(issued, 110_999, now, 10), "110 s: whole seconds");
    assert!(!is_fresh(issued, 111_000, now, 10));
    // A zero window takes the same second only.
    assert!(is_fresh(issued, 100_500, now, 0));
    assert!(!is_fresh(issued, 99_999, now, 0));
    // A clock behind the issue time counts the server's age as 0.
    assert!(is_fresh(2000, 10_999, 1000, 10));
    assert!(!is_fresh(2000, 11_000, 1000, 10));
    // Extremes do not overflow.
    assert!(!is_fresh(0, u32::MAX, u64::MAX, u32::MAX));
    assert!(is_fresh(u64::MAX, u32::MAX, u64::MAX, u32::MAX));
}

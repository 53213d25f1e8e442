//! Memory stays bounded under a flood of distinct sessions: 200,000 sessions into
//! each bounded store, the live heap measured by `dhat`'s counting allocator.
//!
//! Its own test binary with one test: the allocator counts every allocation of the
//! process, so nothing else may run meanwhile.

use qssl_session::{
    AntiReplay, ClientSessionStore, ClientTicket, InMemoryClientSessionStore,
    InMemoryServerSessionStore, ReplayGuard, ServerSessionStore,
};
use zeroize::Zeroizing;

#[global_allocator]
static ALLOC: dhat::Alloc = dhat::Alloc;

fn live_bytes() -> usize {
    dhat::HeapStats::get().curr_bytes
}

const FLOOD: u32 = 200_000;
const MIB: usize = 1 << 20;

/// Floods with `step(i)` for every `i`, sampling the live heap every 1,000
/// steps; returns the largest growth seen over `base`.
fn peak_growth(base: usize, mut step: impl FnMut(u32)) -> usize {
    let mut peak = 0;
    for i in 0..FLOOD {
        step(i);
        if i % 1000 == 999 {
            peak = peak.max(live_bytes().saturating_sub(base));
        }
    }
    peak
}

fn server_store_bounded_in_bytes() {
    // The entry bound (100,000) is far away: the 1 MiB byte bound must hold.
    let base = live_bytes();
    let s = InMemoryServerSessionStore::new(100_000, MIB);
    let peak = peak_growth(base, |i| {
        let id = [&i.to_be_bytes()[..], &[0xAB; 28]].concat();
        assert!(s.put(&id, Zeroizing::new(vec![1; 1024]), u64::MAX));
    });
    eprintln!(
        "server store, byte-bound: peak heap growth {peak} bytes, {} sessions",
        s.len()
    );
    assert!(s.bytes() <= MIB);
    // Full, not merely small: it kept close to 1 MiB of sessions, the newest.
    assert!(s.len() > 800, "{} sessions", s.len());
    let newest = [&(FLOOD - 1).to_be_bytes()[..], &[0xAB; 28]].concat();
    assert!(s.get(&newest, 0).is_some());
    assert!(
        peak < MIB + MIB / 4,
        "heap grew by {peak} bytes for a 1 MiB store"
    );
}

fn server_store_bounded_in_entries() {
    let base = live_bytes();
    let s = InMemoryServerSessionStore::new(1000, MIB);
    let peak = peak_growth(base, |i| {
        assert!(s.put(&i.to_be_bytes(), Zeroizing::new(vec![1; 200]), u64::MAX));
    });
    eprintln!(
        "server store, entry-bound: peak heap growth {peak} bytes, {} sessions",
        s.len()
    );
    assert!(s.len() <= 1000 && s.len() > 900, "{} sessions", s.len());
    // 1000 sessions of ~200 bytes with their bookkeeping: far under the byte bound.
    assert!(
        peak < 1000 * (200 + 4 + 128) + 64 * 1024,
        "heap grew by {peak} bytes"
    );
}

fn client_store_bounded() {
    let base = live_bytes();
    let s = InMemoryClientSessionStore::new(1000, 4).with_max_bytes(MIB);
    let peak = peak_growth(base, |i| {
        let server = format!("server-{i}.example");
        for _ in 0..2 {
            s.insert_ticket(
                &server,
                ClientTicket {
                    value: Zeroizing::new(vec![2; 600]),
                    expires_at: u64::MAX,
                },
            );
        }
    });
    eprintln!(
        "client store: peak heap growth {peak} bytes, {} servers",
        s.len()
    );
    assert!(s.bytes() <= MIB);
    assert!(s.len() > 500, "{} servers", s.len());
    assert!(
        s.take_ticket(&format!("server-{}.example", FLOOD - 1), 0)
            .is_some()
    );
    assert!(
        peak < MIB + MIB / 4,
        "heap grew by {peak} bytes for a 1 MiB store"
    );
}

fn replay_guard_bounded_and_closed_when_full() {
    let base = live_bytes();
    let capacity = 10_000;
    let g = ReplayGuard::new(10, capacity);
    let mut accepted = 0;
    let peak = peak_growth(base, |i| {
        // Long keys: what is kept of each is a fixed-size digest.
        let key = [&i.to_be_bytes()[..], &[0xCD; 252]].concat();
        accepted += usize::from(g.first_use(&key, 1000));
    });
    eprintln!("replay guard: peak heap growth {peak} bytes, {accepted} accepted");
    assert_eq!(accepted, capacity, "fails closed once full");
    assert_eq!(g.len(), capacity);
    // About 60 bytes per entry with the collections' power-of-two growth.
    assert!(
        peak < capacity * 100,
        "heap grew by {peak} bytes for {capacity} entries"
    );
    // After the offers age out it accepts again, in the same memory.
    let peak = peak_growth(base, |i| {
        let key = [&i.to_be_bytes()[..], &[0xEF; 252]].concat();
        g.first_use(&key, 1021 + u64::from(i / 1000));
    });
    assert!(g.first_use(b"fresh", 1021 + u64::from(FLOOD)));
    assert!(
        peak < capacity * 100,
        "heap grew by {peak} bytes for {capacity} entries"
    );
}

#[test]
fn a_flood_of_distinct_sessions_uses_bounded_memory() {
    let _profiler = dhat::Profiler::builder().testing().build();
    server_store_bounded_in_bytes();
    server_store_bounded_in_entries();
    client_store_bounded();
    replay_guard_bounded_and_closed_when_full();
}

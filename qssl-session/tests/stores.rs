//! The in-memory client and server stores: eviction order, bounds, expiry on a
//! virtual clock (times are passed in, nothing sleeps), and many threads at once.

use std::collections::HashSet;
use std::sync::Arc;
use std::thread;

use qssl_crypto::ids::NamedGroup;
use qssl_session::{
    ClientSessionStore, ClientTicket, InMemoryClientSessionStore, InMemoryServerSessionStore,
    ServerSessionStore,
};
use zeroize::Zeroizing;

fn ticket(tag: u8, len: usize, expires_at: u64) -> ClientTicket {
    ClientTicket {
        value: Zeroizing::new(vec![tag; len]),
        expires_at,
    }
}

fn tag(t: Option<ClientTicket>) -> Option<u8> {
    t.map(|t| t.value[0])
}

// ---- client store ----

#[test]
fn client_keeps_the_newest_tickets_and_takes_newest_first_once() {
    let s = InMemoryClientSessionStore::new(10, 3);
    for i in 1..=5 {
        s.insert_ticket("a.example", ticket(i, 100, 1000));
    }
    s.insert_ticket("b.example", ticket(9, 100, 1000));
    // Three per server: 1 and 2, the oldest, were dropped.
    assert_eq!(tag(s.take_ticket("a.example", 0)), Some(5));
    assert_eq!(tag(s.take_ticket("a.example", 0)), Some(4));
    assert_eq!(tag(s.take_ticket("a.example", 0)), Some(3));
    assert_eq!(tag(s.take_ticket("a.example", 0)), None);
    // Single use, and per server.
    assert_eq!(tag(s.take_ticket("b.example", 0)), Some(9));
    assert_eq!(tag(s.take_ticket("b.example", 0)), None);
    assert_eq!(tag(s.take_ticket("c.example", 0)), None);
}

#[test]
fn client_drops_expired_tickets_on_a_virtual_clock() {
    let s = InMemoryClientSessionStore::new(10, 4);
    s.insert_ticket("a", ticket(1, 10, 100));
    s.insert_ticket("a", ticket(2, 10, 200));
    s.insert_ticket("a", ticket(3, 10, 150));
    // At 160 the newest (3, until 150) has expired: the next newest live one is 2.
    assert_eq!(tag(s.take_ticket("a", 160)), Some(2));
    // 1 expired too, and was dropped on the way.
    assert_eq!(tag(s.take_ticket("a", 0)), None);
    // A ticket is live through its expiry second.
    s.insert_ticket("a", ticket(4, 10, 300));
    assert_eq!(tag(s.take_ticket("a", 301)), None);
    s.insert_ticket("a", ticket(5, 10, 300));
    assert_eq!(tag(s.take_ticket("a", 300)), Some(5));
}

#[test]
fn client_remembers_the_group_and_forgets_the_least_recently_used_server() {
    let s = InMemoryClientSessionStore::new(2, 4);
    s.set_kx_group("a", NamedGroup::X25519MLKEM768);
    s.set_kx_group("b", NamedGroup::SECP384R1);
    assert_eq!(s.kx_group("a"), Some(NamedGroup::X25519MLKEM768));
    // "a" was just used, so a third server pushes out "b", group and all.
    s.insert_ticket("c", ticket(1, 10, 100));
    assert_eq!(s.len(), 2);
    assert_eq!(s.kx_group("b"), None);
    assert_eq!(s.kx_group("a"), Some(NamedGroup::X25519MLKEM768));
    // The group outlives the server's tickets.
    s.insert_ticket("a", ticket(2, 10, 100));
    assert_eq!(tag(s.take_ticket("a", 0)), Some(2));
    assert_eq!(s.kx_group("a"), Some(NamedGroup::X25519MLKEM768));
    s.set_kx_group("a", NamedGroup::X25519);
    assert_eq!(s.kx_group("a"), Some(NamedGroup::X25519));
    // A server with neither tickets nor group is not kept.
    assert_eq!(tag(s.take_ticket("c", 0)), Some(1));
    assert_eq!(s.len(), 1);
}

#[test]
fn client_byte_bound_drops_oldest_tickets_and_oversized_ones() {
    let max = 4096;
    let s = InMemoryClientSessionStore::new(10, 4).with_max_bytes(max);
    for i in 1..=3 {
        s.insert_ticket("a", ticket(i, 1500, 1000));
        assert!(s.bytes() <= max, "{} bytes", s.bytes());
    }
    // Three 1500-byte tickets do not fit in 4 KiB with their bookkeeping: the
    // oldest went.
    assert_eq!(tag(s.take_ticket("a", 0)), Some(3));
    assert_eq!(tag(s.take_ticket("a", 0)), Some(2));
    assert_eq!(tag(s.take_ticket("a", 0)), None);
    // One larger than the whole store is not kept at all.
    s.insert_ticket("a", ticket(7, 100, 1000));
    s.insert_ticket("a", ticket(8, 5000, 1000));
    assert!(s.bytes() <= max);
    assert_eq!(tag(s.take_ticket("a", 0)), None);
}

#[test]
fn client_with_no_room_keeps_nothing() {
    let s = InMemoryClientSessionStore::new(10, 0);
    s.insert_ticket("a", ticket(1, 10, 100));
    assert!(s.take_ticket("a", 0).is_none());
    let s = InMemoryClientSessionStore::new(0, 4);
    s.insert_ticket("a", ticket(1, 10, 100));
    s.set_kx_group("a", NamedGroup::X25519);
    assert!(s.take_ticket("a", 0).is_none());
    assert_eq!(s.kx_group("a"), None);
    assert!(s.is_empty());
}

#[test]
fn client_default_is_256_servers_of_4_tickets_in_4_mib() {
    let s = InMemoryClientSessionStore::default();
    for i in 0..6 {
        s.insert_ticket("a", ticket(i, 200, 1000));
    }
    let mut taken = Vec::new();
    while let Some(t) = s.take_ticket("a", 0) {
        taken.push(t.value[0]);
    }
    assert_eq!(taken, vec![5, 4, 3, 2]);
    for i in 0..1000 {
        s.insert_ticket(&format!("server{i}.example"), ticket(1, 200, 1000));
    }
    // Sharded: each shard keeps its share of the 256, so the total may fall a
    // little short of 256, never above.
    assert!((200..=256).contains(&s.len()), "{} servers kept", s.len());
    assert!(s.bytes() <= InMemoryClientSessionStore::DEFAULT_MAX_BYTES);
    assert!(s.take_ticket("server999.example", 0).is_some());
}

// ---- server store ----

fn val(tag: u8, len: usize) -> Zeroizing<Vec<u8>> {
    Zeroizing::new(vec![tag; len])
}

fn live(s: &InMemoryServerSessionStore, ids: &[&[u8]]) -> Vec<Vec<u8>> {
    ids.iter()
        .filter(|id| s.get(id, 0).is_some())
        .map(|id| id.to_vec())
        .collect()
}

#[test]
fn server_evicts_the_least_recently_used_first() {
    let s = InMemoryServerSessionStore::with_shards(3, usize::MAX, 1);
    assert!(s.put(b"a", val(1, 10), 100));
    assert!(s.put(b"b", val(2, 10), 100));
    assert!(s.put(b"c", val(3, 10), 100));
    // Touching "a" makes "b" the least recently used.
    assert_eq!(s.get(b"a", 0).as_deref(), Some(&vec![1; 10]));
    assert!(s.put(b"d", val(4, 10), 100));
    assert_eq!(s.len(), 3);
    assert!(s.get(b"b", 0).is_none());
    // Order now (oldest first): c, a, d. Replacing "c" makes it the newest.
    assert!(s.put(b"c", val(5, 10), 100));
    assert!(s.put(b"e", val(6, 10), 100));
    assert_eq!(
        live(&s, &[b"a", b"c", b"d", b"e"]),
        vec![b"c".to_vec(), b"d".to_vec(), b"e".to_vec()]
    );
    assert_eq!(s.get(b"c", 0).as_deref(), Some(&vec![5; 10]));
}

#[test]
fn server_byte_bound_evicts_oldest_and_refuses_what_cannot_fit() {
    // One shard of 2 KiB: sessions of 500 bytes plus id and bookkeeping.
    let s = InMemoryServerSessionStore::with_shards(100, 2048, 1);
    for i in 0..10u8 {
        assert!(s.put(&[i], val(i, 500), 100));
        assert!(s.bytes() <= 2048);
    }
    // (1 + 500 + 128) bytes each: three fit.
    let ids: Vec<[u8; 1]> = (0..10u8).map(|i| [i]).collect();
    let ids: Vec<&[u8]> = ids.iter().map(|i| &i[..]).collect();
    assert_eq!(live(&s, &ids), vec![vec![7], vec![8], vec![9]]);
    // Larger than the store: refused, and what was under the id is gone.
    assert!(!s.put(&[9], val(0, 3000), 100));
    assert!(s.get(&[9], 0).is_none());
    assert_eq!(s.len(), 2);
}

#[test]
fn server_sessions_expire_on_a_virtual_clock() {
    let s = InMemoryServerSessionStore::new(100, 1 << 20);
    assert!(s.put(b"a", val(1, 10), 1000));
    assert!(s.put(b"b", val(2, 10), 2000));
    assert!(s.get(b"a", 1000).is_some(), "live through its last second");
    assert!(s.get(b"a", 1001).is_none());
    assert!(s.get(b"a", 0).is_none(), "dropped once seen expired");
    assert!(s.take(b"b", 2001).is_none());
    assert!(s.take(b"b", 0).is_none(), "take removes even when expired");
    assert!(s.is_empty());
    assert_eq!(s.bytes(), 0);
    assert!(s.put(b"c", val(3, 10), 1000));
    assert_eq!(s.take(b"c", 999).as_deref(), Some(&vec![3; 10]));
    assert!(s.take(b"c", 999).is_none());
}

#[test]
fn server_default_is_10000_sessions_in_16_mib() {
    let s = InMemoryServerSessionStore::default();
    assert_eq!(s.shards(), 16);
    for i in 0..12_000u32 {
        assert!(s.put(&i.to_be_bytes(), val(1, 300), 100));
    }
    assert!(s.len() <= 10_000 && s.len() > 9_000, "{} sessions", s.len());
    assert!(s.bytes() <= InMemoryServerSessionStore::DEFAULT_MAX_BYTES);
    assert!(s.get(&11_999u32.to_be_bytes(), 0).is_some());
    // A session larger than one shard's share of the bytes (1 MiB) is refused.
    assert!(!s.put(b"huge", val(1, 1 << 20), 100));
}

#[test]
fn shared_through_an_arc() {
    let s: Arc<dyn ServerSessionStore> = Arc::new(InMemoryServerSessionStore::default());
    let other = Arc::clone(&s);
    assert!(s.put(b"id", val(1, 10), 100));
    assert!(other.take(b"id", 0).is_some());
    assert!(s.get(b"id", 0).is_none());
}

// ---- many threads ----

const THREADS: u32 = 8;
const OPS: u32 = 10_000;

fn id(t: u32, i: u32) -> [u8; 8] {
    let mut id = [0u8; 8];
    id[..4].copy_from_slice(&t.to_be_bytes());
    id[4..].copy_from_slice(&i.to_be_bytes());
    id
}

#[test]
fn many_threads_put_get_and_take_without_losing_sessions() {
    // Room for everything: no session may go missing.
    let s = Arc::new(InMemoryServerSessionStore::new(1 << 20, 1 << 30));
    let handles: Vec<_> = (0..THREADS)
        .map(|t| {
            let s = Arc::clone(&s);
            thread::spawn(move || {
                for i in 0..OPS {
                    let id = id(t, i);
                    let v = Zeroizing::new(id.repeat(4));
                    assert!(s.put(&id, v.clone(), 1000));
                    assert_eq!(s.get(&id, 500), Some(v.clone()), "lost {t}/{i}");
                    if i % 2 == 0 {
                        assert_eq!(s.take(&id, 500), Some(v), "lost {t}/{i}");
                        assert_eq!(s.take(&id, 500), None);
                    }
                }
            })
        })
        .collect();
    for h in handles {
        h.join().unwrap();
    }
    assert_eq!(s.len(), (THREADS * OPS / 2) as usize);
    for t in 0..THREADS {
        for i in (1..OPS).step_by(2) {
            assert_eq!(
                s.get(&id(t, i), 0).map(|v| v.to_vec()),
                Some(id(t, i).repeat(4))
            );
        }
    }
}

#[test]
fn racing_threads_resume_each_session_exactly_once() {
    let s = Arc::new(InMemoryServerSessionStore::new(1 << 20, 1 << 30));
    let n = 20_000u32;
    for i in 0..n {
        assert!(s.put(&id(0, i), val(1, 50), 1000));
    }
    let handles: Vec<_> = (0..THREADS)
        .map(|t| {
            let s = Arc::clone(&s);
            thread::spawn(move || {
                // Each thread walks the ids from its own starting point.
                let start = t * (n / THREADS);
                (0..n)
                    .map(|k| (start + k) % n)
                    .filter(|&i| s.take(&id(0, i), 500).is_some())
                    .collect::<Vec<u32>>()
            })
        })
        .collect();
    let mut taken = Vec::new();
    for h in handles {
        taken.extend(h.join().unwrap());
    }
    assert_eq!(
        taken.len(),
        n as usize,
        "each session taken once, none lost"
    );
    assert_eq!(taken.iter().collect::<HashSet<_>>().len(), n as usize);
    assert!(s.is_empty());
}

#[test]
fn bounds_hold_under_a_concurrent_flood() {
    let (max_entries, max_bytes) = (1000, 256 << 10);
    let s = Arc::new(InMemoryServerSessionStore::new(max_entries, max_bytes));
    let handles: Vec<_> = (0..THREADS)
        .map(|t| {
            let s = Arc::clone(&s);
            thread::spawn(move || {
                for i in 0..OPS {
                    let len = 100 + (i as usize * 7) % 300;
                    assert!(s.put(&id(t, i), val(1, len), 1000));
                    let _ = s.get(&id(t, i / 2), 500);
                    if i % 1000 == 0 {
                        assert!(s.len() <= max_entries && s.bytes() <= max_bytes);
                    }
                }
            })
        })
        .collect();
    for h in handles {
        h.join().unwrap();
    }
    assert!(s.len() <= max_entries, "{} entries", s.len());
    assert!(s.bytes() <= max_bytes, "{} bytes", s.bytes());
    // Bounded, not empty: the byte bound is the binding one here (about 400
    // bytes a session), and the store is close to it.
    assert!(s.bytes() > max_bytes * 3 / 4, "{} bytes", s.bytes());
}

#[test]
fn many_clients_share_one_store() {
    let s = Arc::new(InMemoryClientSessionStore::new(100_000, 4));
    let handles: Vec<_> = (0..THREADS)
        .map(|t| {
            let s = Arc::clone(&s);
            thread::spawn(move || {
                for i in 0..OPS {
                    let server = format!("t{t}-s{}", i % 50);
                    s.insert_ticket(&server, ticket((i % 256) as u8, 64, 1000));
                    s.set_kx_group(&server, NamedGroup::X25519MLKEM768);
                    let got = s.take_ticket(&server, 500).expect("the ticket just stored");
                    assert_eq!(got.value[0], (i % 256) as u8);
                    assert_eq!(s.kx_group(&server), Some(NamedGroup::X25519MLKEM768));
                }
            })
        })
        .collect();
    for h in handles {
        h.join().unwrap();
    }
    assert_eq!(s.len(), (THREADS * 50) as usize);
}

#[test]
fn tickets_for_one_server_are_never_handed_out_twice() {
    let s = Arc::new(InMemoryClientSessionStore::new(10, 4));
    let handles: Vec<_> = (0..THREADS)
        .map(|t| {
            let s = Arc::clone(&s);
            thread::spawn(move || {
                let mut taken = Vec::new();
                for i in 0..OPS {
                    let unique = (t * OPS + i).to_be_bytes().to_vec();
                    s.insert_ticket(
                        "shared",
                        ClientTicket {
                            value: Zeroizing::new(unique),
                            expires_at: 1000,
                        },
                    );
                    if i % 3 == 0
                        && let Some(got) = s.take_ticket("shared", 0)
                    {
                        taken.push(got.value.to_vec());
                    }
                }
                taken
            })
        })
        .collect();
    let mut all = Vec::new();
    for h in handles {
        all.extend(h.join().unwrap());
    }
    let mut rest = Vec::new();
    while let Some(t) = s.take_ticket("shared", 0) {
        rest.push(t.value.to_vec());
    }
    assert!(rest.len() <= 4);
    let n = all.len() + rest.len();
    all.extend(rest);
    assert_eq!(
        all.iter().collect::<HashSet<_>>().len(),
        n,
        "a ticket was taken twice"
    );
    assert!(n > (THREADS * OPS / 3) as usize / 2);
}

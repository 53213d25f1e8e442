//! Ticketers: the stateless key ring across periods (a virtual clock: times are
//! passed in), forged and damaged tickets, and stateful single-use tickets.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::thread;

use proptest::prelude::*;
use qssl_crypto::aead::{AES_256_GCM, CHACHA20_POLY1305};
use qssl_crypto::error::CryptoError;
use qssl_crypto::rand::{OS_RANDOM, SecureRandom};
use qssl_session::ticket::{KEY_ID_LEN, TICKET_OVERHEAD};
use qssl_session::{
    InMemoryServerSessionStore, MAX_TICKET_LIFETIME, ServerSessionStore, StatefulTickets,
    TicketKeyRing, Ticketer,
};

const P: u64 = 100;

fn ring() -> TicketKeyRing {
    TicketKeyRing::new(P as u32, AES_256_GCM, OS_RANDOM).unwrap()
}

/// A time `offset` seconds into epoch `e`.
fn at(e: u64, offset: u64) -> u64 {
    e * P + offset
}

fn opens(r: &TicketKeyRing, t: &[u8], now: u64) -> Option<Vec<u8>> {
    r.redeem(t, now).map(|s| s.to_vec())
}

#[test]
fn a_ticket_opens_during_its_period_and_the_next_then_never() {
    let r = ring();
    let e = 17_000_000;
    let t = r.issue(b"state of e", at(e, 37)).unwrap();
    assert_eq!(t.len(), b"state of e".len() + TICKET_OVERHEAD);
    for now in [at(e, 37), at(e, 99), at(e + 1, 0), at(e + 1, 99)] {
        assert_eq!(
            opens(&r, &t, now).as_deref(),
            Some(&b"state of e"[..]),
            "at {now}"
        );
    }
    assert_eq!(opens(&r, &t, at(e + 2, 0)), None);
    // The key is gone, not merely out of date: an earlier time does not bring it back.
    assert_eq!(opens(&r, &t, at(e + 1, 50)), None);
    assert!(format!("{r:?}").contains("key_epochs: []"), "{r:?}");
}

#[test]
fn key_ring_rotation_across_two_periods() {
    let r = ring();
    let e = 5_000;
    let t0 = r.issue(b"issued in e", at(e, 10)).unwrap();
    let t0b = r.issue(b"also in e", at(e, 90)).unwrap();
    let t1 = r.issue(b"issued in e+1", at(e + 1, 10)).unwrap();
    // One key per period: tickets of one period share a key id, the next has another.
    assert_eq!(t0[..KEY_ID_LEN], t0b[..KEY_ID_LEN]);
    assert_ne!(t0[..KEY_ID_LEN], t1[..KEY_ID_LEN]);
    // During e+1 both keys open.
    assert_eq!(
        opens(&r, &t0, at(e + 1, 50)).as_deref(),
        Some(&b"issued in e"[..])
    );
    assert_eq!(
        opens(&r, &t0b, at(e + 1, 50)).as_deref(),
        Some(&b"also in e"[..])
    );
    assert_eq!(
        opens(&r, &t1, at(e + 1, 50)).as_deref(),
        Some(&b"issued in e+1"[..])
    );
    // During e+2 only e+1's.
    let t2 = r.issue(b"issued in e+2", at(e + 2, 0)).unwrap();
    assert_ne!(t2[..KEY_ID_LEN], t1[..KEY_ID_LEN]);
    assert_eq!(opens(&r, &t0, at(e + 2, 0)), None);
    assert_eq!(
        opens(&r, &t1, at(e + 2, 99)).as_deref(),
        Some(&b"issued in e+1"[..])
    );
    assert_eq!(
        opens(&r, &t2, at(e + 2, 99)).as_deref(),
        Some(&b"issued in e+2"[..])
    );
    // During e+3 only e+2's.
    assert_eq!(opens(&r, &t1, at(e + 3, 0)), None);
    assert_eq!(
        opens(&r, &t2, at(e + 3, 99)).as_deref(),
        Some(&b"issued in e+2"[..])
    );
    // Long idle: nothing opens, and the next ticket gets a fresh key.
    assert_eq!(opens(&r, &t2, at(e + 100, 0)), None);
    let t100 = r.issue(b"later", at(e + 100, 0)).unwrap();
    assert_eq!(
        opens(&r, &t100, at(e + 100, 1)).as_deref(),
        Some(&b"later"[..])
    );
}

#[test]
fn a_ticket_issued_at_the_last_second_of_a_period_lives_a_lifetime() {
    let r = ring();
    assert_eq!(r.lifetime(), 100);
    let issued = at(42, 99);
    let t = r.issue(b"s", issued).unwrap();
    let lifetime = u64::from(r.lifetime());
    assert!(r.redeem(&t, issued + lifetime).is_some());
    assert!(r.redeem(&t, issued + lifetime + 1).is_none());
}

#[test]
fn lifetime_is_the_period_and_never_above_seven_days() {
    let huge = TicketKeyRing::new(u32::MAX, AES_256_GCM, OS_RANDOM).unwrap();
    assert_eq!(huge.period(), u32::MAX);
    assert_eq!(huge.lifetime(), MAX_TICKET_LIFETIME);
    assert_eq!(MAX_TICKET_LIFETIME, 604_800);
    let d = TicketKeyRing::with_defaults().unwrap();
    assert_eq!(d.period(), 6 * 3600);
    assert_eq!(d.lifetime(), 6 * 3600);
    let t = d.issue(b"default", 1_700_000_000).unwrap();
    assert!(d.redeem(&t, 1_700_000_000 + 6 * 3600).is_some());
}

#[test]
fn a_zero_period_is_refused() {
    assert!(matches!(
        TicketKeyRing::new(0, AES_256_GCM, OS_RANDOM),
        Err(CryptoError::BadLength { .. })
    ));
}

#[test]
fn tickets_of_another_ring_do_not_open() {
    let (a, b) = (ring(), ring());
    let now = at(9, 9);
    let ta = a.issue(b"a's", now).unwrap();
    let tb = b.issue(b"b's", now).unwrap();
    assert!(b.redeem(&ta, now).is_none());
    assert!(a.redeem(&tb, now).is_none());
    // Another ring is another key even if the key id were copied over.
    let mut forged = ta.clone();
    forged[..KEY_ID_LEN].copy_from_slice(&tb[..KEY_ID_LEN]);
    assert!(b.redeem(&forged, now).is_none());
}

#[test]
fn every_flipped_bit_and_every_truncation_is_refused() {
    let r = ring();
    let now = at(3, 3);
    let t = r.issue(b"some session state", now).unwrap();
    assert!(r.redeem(&t, now).is_some());
    for i in 0..t.len() {
        for bit in 0..8 {
            let mut bad = t.clone();
            bad[i] ^= 1 << bit;
            assert!(r.redeem(&bad, now).is_none(), "byte {i} bit {bit}");
        }
    }
    for len in 0..t.len() {
        assert!(r.redeem(&t[..len], now).is_none(), "truncated to {len}");
    }
    let mut longer = t.clone();
    longer.push(0);
    assert!(r.redeem(&longer, now).is_none());
}

#[test]
fn empty_and_large_states_round_trip_under_chacha20_poly1305_too() {
    let r = TicketKeyRing::new(3600, CHACHA20_POLY1305, OS_RANDOM).unwrap();
    let now = 1_700_000_000;
    let empty = r.issue(b"", now).unwrap();
    assert_eq!(empty.len(), TICKET_OVERHEAD);
    assert_eq!(r.redeem(&empty, now).map(|s| s.len()), Some(0));
    let big = vec![0xA5; 65_000];
    let t = r.issue(&big, now).unwrap();
    assert_eq!(r.redeem(&t, now).as_deref(), Some(&big));
    // Sealed: the state does not show through.
    assert!(!t.windows(64).any(|w| w.iter().all(|&b| b == 0xA5)));
}

#[test]
fn many_threads_issue_and_redeem_across_an_epoch_change() {
    let r = Arc::new(ring());
    let handles: Vec<_> = (0..8u64)
        .map(|t| {
            let r = Arc::clone(&r);
            thread::spawn(move || {
                for i in 0..2_000u64 {
                    // Times sweep from epoch 10 into 11, each thread a little apart.
                    let now = at(10, 50) + (i + t * 7) / 20;
                    let state = (t * 100_000 + i).to_be_bytes();
                    let ticket = r.issue(&state, now).unwrap();
                    assert_eq!(
                        r.redeem(&ticket, now + 1).as_deref().map(|s| &s[..]),
                        Some(&state[..])
                    );
                }
            })
        })
        .collect();
    for h in handles {
        h.join().unwrap();
    }
}

/// Randomness that works for a set number of draws, then fails: the ring must then
/// issue nothing rather than a ticket with predictable bytes.
#[derive(Debug)]
struct Exhaustible(AtomicUsize);

impl SecureRandom for Exhaustible {
    fn fill(&self, dest: &mut [u8]) -> Result<(), CryptoError> {
        self.0
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
            .map_err(|_| CryptoError::RandomFailed)?;
        OS_RANDOM.fill(dest)
    }
}

static DRY: Exhaustible = Exhaustible(AtomicUsize::new(0));
// Two draws for the trial key in `new`, two for the first real key, one nonce.
static THIRSTY: Exhaustible = Exhaustible(AtomicUsize::new(5));

#[test]
fn failing_randomness_means_no_ring_or_no_ticket() {
    assert!(matches!(
        TicketKeyRing::new(P as u32, AES_256_GCM, &DRY),
        Err(CryptoError::RandomFailed)
    ));
    let r = TicketKeyRing::new(P as u32, AES_256_GCM, &THIRSTY).unwrap();
    let t = r.issue(b"one", at(1, 0)).unwrap();
    assert!(r.issue(b"two", at(1, 0)).is_none());
    assert!(r.redeem(&t, at(1, 0)).is_some());
}

proptest! {
    #[test]
    fn arbitrary_bytes_never_open(junk in proptest::collection::vec(any::<u8>(), 0..200), offset in 0u64..300) {
        let r = ring();
        let real = r.issue(b"state", at(1000, 0)).unwrap();
        let now = at(1000, 0) + offset;
        prop_assert!(r.redeem(&junk, now).is_none());
        // Junk behind a real key id gets as far as the AEAD, and no further.
        let mut named = real[..KEY_ID_LEN].to_vec();
        named.extend_from_slice(&junk);
        prop_assert!(r.redeem(&named, now).is_none());
    }
}

// ---- stateful tickets ----

fn stateful(lifetime: u32) -> StatefulTickets<InMemoryServerSessionStore> {
    StatefulTickets::new(InMemoryServerSessionStore::default(), lifetime, OS_RANDOM)
}

#[test]
fn stateful_tickets_are_single_use() {
    let st = stateful(3600);
    let t = st.issue(b"session", 1000).unwrap();
    assert_eq!(t.len(), 32);
    assert_eq!(
        st.redeem(&t, 1500).as_deref().map(|s| &s[..]),
        Some(&b"session"[..])
    );
    assert!(
        st.redeem(&t, 1500).is_none(),
        "a second resumption with one ticket"
    );
    assert!(st.store().is_empty());
    let other = st.issue(b"session", 1000).unwrap();
    assert_ne!(t, other);
}

#[test]
fn stateful_tickets_expire_after_their_lifetime() {
    let st = stateful(100);
    assert_eq!(st.lifetime(), 100);
    let a = st.issue(b"a", 1000).unwrap();
    let b = st.issue(b"b", 1000).unwrap();
    assert!(
        st.redeem(&a, 1100).is_some(),
        "live through its last second"
    );
    assert!(st.redeem(&b, 1101).is_none());
    assert!(stateful(u32::MAX).lifetime() == MAX_TICKET_LIFETIME);
}

#[test]
fn stateful_tickets_refuse_strangers_and_issue_nothing_when_the_store_refuses() {
    let st = stateful(100);
    let t = st.issue(b"a", 1000).unwrap();
    assert!(st.redeem(&t[..31], 1000).is_none());
    assert!(st.redeem(&[0; 32], 1000).is_none());
    assert!(st.redeem(&[], 1000).is_none());
    assert!(st.redeem(&t, 1000).is_some());
    let tiny = StatefulTickets::new(
        InMemoryServerSessionStore::with_shards(10, 512, 1),
        100,
        OS_RANDOM,
    );
    assert!(tiny.issue(&[0; 1000], 1000).is_none());
    assert!(tiny.issue(&[0; 100], 1000).is_some());
}

#[test]
fn stateful_tickets_redeem_on_every_server_sharing_the_store() {
    let shared: Arc<dyn ServerSessionStore> = Arc::new(InMemoryServerSessionStore::default());
    let a = StatefulTickets::new(Arc::clone(&shared), 600, OS_RANDOM);
    let b = StatefulTickets::new(Arc::clone(&shared), 600, OS_RANDOM);
    let t = a.issue(b"fleet", 1000).unwrap();
    assert!(b.redeem(&t, 1001).is_some());
    assert!(a.redeem(&t, 1001).is_none());
}

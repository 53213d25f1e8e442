//! The map under both in-memory stores: byte-string keys, least-recently-used
//! eviction, a time-to-live per entry, bounded in entries and in bytes, split into
//! mutex-protected shards so that threads resuming different sessions rarely wait
//! for each other.
//!
//! Each shard is an [`lru::LruCache`] (a hash map over a doubly linked list: get,
//! insert, remove and evict are O(1)) plus a byte count. A key's shard is chosen by
//! std's keyed SipHash (`RandomState`, a random key per map), so a peer that picks
//! session ids cannot aim them all at one shard. Eviction is least-recently-used
//! within a shard: globally it is approximate, as in every sharded cache.

use std::collections::hash_map::RandomState;
use std::hash::BuildHasher;
use std::sync::{Mutex, MutexGuard, PoisonError};

use ::lru::LruCache;
use zeroize::Zeroizing;

use crate::UnixSeconds;

/// Bytes counted per entry on top of its key and value: the list node (key
/// pointer, value, links), the hash slot and the table's growth slack. Measured
/// at 115 to 140 bytes per server session (tests/memory.rs prints the live heap),
/// so that the byte bound is close to a bound on what the store really holds.
pub(crate) const ENTRY_OVERHEAD: usize = 128;

/// Never more shards than this: each costs a mutex and an empty map.
pub(crate) const MAX_SHARDS: usize = 16;

/// A shard holds at least this many entries when the store is small, so that
/// sharding does not make eviction order too coarse an approximation of LRU.
const MIN_ENTRIES_PER_SHARD: usize = 64;

/// The shard count for a store of `max_entries`: up to [`MAX_SHARDS`], fewer for
/// small stores.
pub(crate) fn default_shards(max_entries: usize) -> usize {
    (max_entries / MIN_ENTRIES_PER_SHARD).clamp(1, MAX_SHARDS)
}

/// What a stored value costs in bytes, and whether it may be dropped as empty.
pub(crate) trait Cost {
    /// Heap and inline bytes the value holds (its allocations' capacities, not
    /// merely their lengths).
    fn cost(&self) -> usize;

    /// `true` when the value carries nothing worth keeping, so the entry goes.
    fn is_vacant(&self) -> bool {
        false
    }
}

impl Cost for Zeroizing<Vec<u8>> {
    fn cost(&self) -> usize {
        self.capacity()
    }
}

struct Slot<V> {
    value: V,
    /// What this entry counts against the shard's byte budget.
    cost: usize,
    /// The last second at which the entry is live.
    expires_at: UnixSeconds,
}

struct Shard<V> {
    map: LruCache<Box<[u8]>, Slot<V>, RandomState>,
    bytes: usize,
    max_entries: usize,
    max_bytes: usize,
}

fn entry_cost<V: Cost>(key: &[u8], value: &V) -> usize {
    key.len()
        .saturating_add(value.cost())
        .saturating_add(ENTRY_OVERHEAD)
}

impl<V: Cost> Shard<V> {
    fn new(max_entries: usize, max_bytes: usize) -> Self {
        Self {
            // Unbounded for the crate: the entry bound is ours, and the map grows
            // with what is stored instead of being allocated at its bound up front.
            map: LruCache::unbounded_with_hasher(RandomState::new()),
            bytes: 0,
            max_entries,
            max_bytes,
        }
    }

    fn remove(&mut self, key: &[u8]) -> Option<Slot<V>> {
        let slot = self.map.pop(key)?;
        self.bytes -= slot.cost;
        Some(slot)
    }

    /// Drops the least recently used entry; `false` when there is none.
    fn evict_lru(&mut self) -> bool {
        match self.map.pop_lru() {
            Some((_, slot)) => {
                self.bytes -= slot.cost;
                true
            }
            None => false,
        }
    }

    /// Evicts until the shard is within its byte budget; the most recently used
    /// entry goes last, and only if it alone exceeds the budget.
    fn shrink_to_budget(&mut self) {
        while self.bytes > self.max_bytes && self.evict_lru() {}
    }

    fn insert(&mut self, key: &[u8], value: V, expires_at: UnixSeconds) -> bool {
        // What was under the key goes whatever happens: a caller replacing a value
        // must never read the old one back.
        self.remove(key);
        let cost = entry_cost(key, &value);
        if self.max_entries == 0 || cost > self.max_bytes {
            return false;
        }
        while self.map.len() >= self.max_entries || self.bytes + cost > self.max_bytes {
            if !self.evict_lru() {
                break;
            }
        }
        self.bytes += cost;
        self.map.push(
            key.into(),
            Slot {
                value,
                cost,
                expires_at,
            },
        );
        true
    }

    /// The live entry under `key`, made most recently used; an expired one is
    /// dropped.
    fn live_mut(&mut self, key: &[u8], now: UnixSeconds) -> Option<&mut Slot<V>> {
        let expired = now > self.map.peek(key)?.expires_at;
        if expired {
            self.remove(key);
            return None;
        }
        self.map.get_mut(key)
    }

    fn update<R>(
        &mut self,
        key: &[u8],
        now: UnixSeconds,
        f: impl FnOnce(&mut V) -> R,
    ) -> Option<R> {
        let slot = self.live_mut(key, now)?;
        let result = f(&mut slot.value);
        let old_cost = slot.cost;
        let new_cost = entry_cost(key, &slot.value);
        slot.cost = new_cost;
        let vacant = slot.value.is_vacant();
        self.bytes = self.bytes - old_cost + new_cost;
        if vacant {
            self.remove(key);
        } else {
            self.shrink_to_budget();
        }
        Some(result)
    }
}

/// A sharded LRU map from byte strings to `V`; see the module documentation.
pub(crate) struct ShardedLru<V> {
    shards: Box<[Mutex<Shard<V>>]>,
    hasher: RandomState,
}

/// `total` split into `n` parts that differ by at most one and add up to `total`.
fn share(total: usize, n: usize, i: usize) -> usize {
    total / n + usize::from(i < total % n)
}

impl<V: Cost> ShardedLru<V> {
    /// A map of at most `max_entries` entries and `max_bytes` bytes (keys, values
    /// and [`ENTRY_OVERHEAD`]) over `shards` shards (at least one), each holding
    /// its share of both bounds.
    pub(crate) fn new(shards: usize, max_entries: usize, max_bytes: usize) -> Self {
        let n = shards.max(1);
        Self {
            shards: (0..n)
                .map(|i| Mutex::new(Shard::new(share(max_entries, n, i), share(max_bytes, n, i))))
                .collect(),
            hasher: RandomState::new(),
        }
    }

    fn shard(&self, key: &[u8]) -> MutexGuard<'_, Shard<V>> {
        // The modulo bias over 2^64 is irrelevant for at most 16 shards.
        let i = (self.hasher.hash_one(key) % self.shards.len() as u64) as usize;
        // A panic while a shard was locked (none of our code under the lock
        // panics) leaves consistent list links: the map itself stays usable.
        self.shards[i]
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }

    /// Stores `value` under `key` until `expires_at` (inclusive), as the most
    /// recently used entry, evicting the shard's least recently used entries
    /// while either bound would be exceeded. `false` (and nothing stored, the old
    /// value under `key` removed) when the entry alone exceeds the shard's byte
    /// budget.
    pub(crate) fn insert(&self, key: &[u8], value: V, expires_at: UnixSeconds) -> bool {
        self.shard(key).insert(key, value, expires_at)
    }

    /// `f` of the live value under `key`, which becomes the most recently used.
    pub(crate) fn get<R>(
        &self,
        key: &[u8],
        now: UnixSeconds,
        f: impl FnOnce(&V) -> R,
    ) -> Option<R> {
        self.shard(key)
            .live_mut(key, now)
            .map(|slot| f(&slot.value))
    }

    /// Removes and returns the value under `key` if it is live at `now`.
    pub(crate) fn take(&self, key: &[u8], now: UnixSeconds) -> Option<V> {
        let slot = self.shard(key).remove(key)?;
        (now <= slot.expires_at).then_some(slot.value)
    }

    /// Applies `f` to the live value under `key` (made most recently used), then
    /// recounts its cost: a value left vacant is removed, and one that grew
    /// evicts the shard's least recently used entries (itself last).
    pub(crate) fn update<R>(
        &self,
        key: &[u8],
        now: UnixSeconds,
        f: impl FnOnce(&mut V) -> R,
    ) -> Option<R> {
        self.shard(key).update(key, now, f)
    }

    /// As [`update`](Self::update), creating the entry from `new` (live until
    /// `expires_at`) when there is no live one. `f` is also told the largest
    /// [`Cost::cost`] the value may reach and still fit the shard, so that it can
    /// trim itself rather than be dropped whole. `None` when no entry can be made
    /// (a store bounded to nothing).
    pub(crate) fn upsert<R>(
        &self,
        key: &[u8],
        now: UnixSeconds,
        expires_at: UnixSeconds,
        new: impl FnOnce() -> V,
        f: impl FnOnce(&mut V, usize) -> R,
    ) -> Option<R> {
        let mut shard = self.shard(key);
        if shard.live_mut(key, now).is_none() && !shard.insert(key, new(), expires_at) {
            return None;
        }
        let budget = shard
            .max_bytes
            .saturating_sub(key.len().saturating_add(ENTRY_OVERHEAD));
        shard.update(key, now, |v| f(v, budget))
    }

    /// Entries held, live or expired but not yet dropped.
    pub(crate) fn len(&self) -> usize {
        self.shards
            .iter()
            .map(|s| s.lock().unwrap_or_else(PoisonError::into_inner).map.len())
            .sum()
    }

    /// Bytes counted against the byte bound.
    pub(crate) fn bytes(&self) -> usize {
        self.shards
            .iter()
            .map(|s| s.lock().unwrap_or_else(PoisonError::into_inner).bytes)
            .sum()
    }

    /// The number of shards.
    pub(crate) fn shard_count(&self) -> usize {
        self.shards.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn val(n: usize, b: u8) -> Zeroizing<Vec<u8>> {
        Zeroizing::new(vec![b; n])
    }

    fn keys(
        m: &ShardedLru<Zeroizing<Vec<u8>>>,
        candidates: &[&[u8]],
        now: UnixSeconds,
    ) -> Vec<Vec<u8>> {
        candidates
            .iter()
            .filter(|k| m.get(k, now, |_| ()).is_some())
            .map(|k| k.to_vec())
            .collect()
    }

    #[test]
    fn least_recently_used_goes_first_and_touched_entries_survive() {
        let m = ShardedLru::new(1, 3, usize::MAX);
        for k in [b"a", b"b", b"c"] {
            assert!(m.insert(k, val(1, k[0]), 100));
        }
        // "a" is touched, so "b" is now the least recently used.
        assert_eq!(m.get(b"a", 0, |v| v[0]), Some(b'a'));
        assert!(m.insert(b"d", val(1, b'd'), 100));
        assert_eq!(m.len(), 3);
        assert_eq!(m.get(b"b", 0, |_| ()), None);
        // Order now (oldest first): c, a, d.
        assert!(m.insert(b"e", val(1, b'e'), 100));
        assert_eq!(m.get(b"c", 0, |_| ()), None);
        assert_eq!(keys(&m, &[b"a", b"d", b"e"], 0).len(), 3);
    }

    #[test]
    fn byte_bound_evicts_as_many_as_needed_and_refuses_what_cannot_fit() {
        let per = 1 + 100 + ENTRY_OVERHEAD;
        let m = ShardedLru::new(1, 1000, 3 * per);
        for k in [b"a", b"b", b"c"] {
            assert!(m.insert(k, val(100, 0), 100));
        }
        assert_eq!(m.bytes(), 3 * per);
        // Two entries' worth: the two least recently used go.
        assert!(m.insert(b"d", val(200 + 1 + ENTRY_OVERHEAD, 0), 100));
        assert_eq!(
            keys(&m, &[b"a", b"b", b"c", b"d"], 0),
            vec![b"c".to_vec(), b"d".to_vec()]
        );
        assert!(m.bytes() <= 3 * per);
        // Larger than the whole shard: refused, and the old value under the key is gone.
        assert!(!m.insert(b"c", val(3 * per, 0), 100));
        assert_eq!(m.get(b"c", 0, |_| ()), None);
        assert_eq!(keys(&m, &[b"d"], 0).len(), 1);
    }

    #[test]
    fn replacing_a_key_recounts_its_bytes() {
        let m = ShardedLru::new(1, 10, usize::MAX);
        assert!(m.insert(b"k", val(500, 1), 100));
        assert!(m.insert(b"k", val(10, 2), 100));
        assert_eq!(m.len(), 1);
        assert_eq!(m.bytes(), 1 + 10 + ENTRY_OVERHEAD);
        assert_eq!(m.get(b"k", 0, |v| v.to_vec()), Some(vec![2; 10]));
    }

    #[test]
    fn expired_entries_are_never_returned_and_dropped_when_touched() {
        let m = ShardedLru::new(1, 10, usize::MAX);
        assert!(m.insert(b"a", val(1, 1), 100));
        assert!(m.insert(b"b", val(1, 1), 200));
        // Live through its last second, gone after it.
        assert!(m.get(b"a", 100, |_| ()).is_some());
        assert!(m.get(b"a", 101, |_| ()).is_none());
        assert_eq!(m.len(), 1, "the expired entry is dropped when touched");
        assert!(m.take(b"b", 201).is_none());
        assert_eq!(m.len(), 0);
        assert_eq!(m.bytes(), 0);
        assert!(m.update(b"b", 0, |_| ()).is_none());
    }

    #[test]
    fn no_entries_allowed_stores_nothing() {
        let m = ShardedLru::new(4, 0, usize::MAX);
        assert!(!m.insert(b"a", val(1, 1), 100));
        assert!(m.upsert(b"a", 0, 100, || val(1, 1), |_, _| ()).is_none());
        assert_eq!(m.len(), 0);
    }

    #[test]
    fn bounds_are_split_exactly_across_shards() {
        let m: ShardedLru<Zeroizing<Vec<u8>>> = ShardedLru::new(3, 10, 100);
        let shards: Vec<(usize, usize)> = m
            .shards
            .iter()
            .map(|s| {
                let s = s.lock().unwrap();
                (s.max_entries, s.max_bytes)
            })
            .collect();
        assert_eq!(shards, vec![(4, 34), (3, 33), (3, 33)]);
        assert_eq!(default_shards(10), 1);
        assert_eq!(default_shards(256), 4);
        assert_eq!(default_shards(10_000), MAX_SHARDS);
    }

    /// A value that can empty itself, for `update`'s vacancy rule.
    struct Bag(Vec<u8>);
    impl Cost for Bag {
        fn cost(&self) -> usize {
            self.0.capacity()
        }
        fn is_vacant(&self) -> bool {
            self.0.is_empty()
        }
    }

    #[test]
    fn update_recounts_and_drops_vacant_values() {
        let m = ShardedLru::new(1, 10, 3 * (1 + 100 + ENTRY_OVERHEAD));
        assert!(m.insert(b"a", Bag(vec![0; 100]), u64::MAX));
        assert!(m.insert(b"b", Bag(vec![0; 100]), u64::MAX));
        // "a" grows to two entries' worth: "b", the least recently used, goes.
        let budget = m
            .upsert(
                b"a",
                0,
                u64::MAX,
                || Bag(Vec::new()),
                |v, budget| {
                    v.0 = vec![0; 202 + ENTRY_OVERHEAD];
                    budget
                },
            )
            .unwrap();
        assert_eq!(budget, 3 * (1 + 100 + ENTRY_OVERHEAD) - 1 - ENTRY_OVERHEAD);
        assert!(m.get(b"b", 0, |_| ()).is_none());
        assert_eq!(m.bytes(), 1 + 202 + 2 * ENTRY_OVERHEAD);
        // Emptied: removed.
        assert_eq!(m.update(b"a", 0, |v| v.0 = Vec::new()), Some(()));
        assert_eq!(m.len(), 0);
        assert_eq!(m.bytes(), 0);
        // Created on demand.
        assert!(
            m.upsert(b"c", 0, u64::MAX, || Bag(Vec::new()), |v, _| v.0.push(1))
                .is_some()
        );
        assert_eq!(m.get(b"c", 0, |v| v.0.clone()), Some(vec![1]));
    }
}

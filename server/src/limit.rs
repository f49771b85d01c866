//! Token buckets: per device (each report costs a token), per origin network (reports,
//! and new devices), so that one device, or one network minting devices, that spends
//! faster than its refill rate is refused (429) without slowing anyone else down.
//!
//! Buckets live in memory. A bucket that has refilled completely carries no information
//! and is forgotten when the table grows past its soft size; past its hard size (an
//! attacker with very many addresses) the least recently used half goes, which can only
//! give those keys a fresh budget, never refuse an honest one.

use std::collections::HashMap;
use std::hash::Hash;
use std::sync::Mutex;
use std::time::Instant;

/// Keys kept before full buckets are forgotten, and the hard ceiling.
const SOFT_KEYS: usize = 100_000;
const HARD_KEYS: usize = 1_000_000;

pub struct Buckets<K> {
    burst: f64,
    per_sec: f64,
    buckets: Mutex<HashMap<K, (f64, Instant)>>,
}

/// Per-device report budget (kept under its old name).
pub type RateLimiter = Buckets<String>;

impl<K: Eq + Hash + Clone> Buckets<K> {
    /// `burst` tokens at once, `per_minute` refilled each minute.
    pub fn new(burst: u32, per_minute: u32) -> Buckets<K> {
        Buckets::with_rate(burst, f64::from(per_minute) / 60.0)
    }

    /// `burst` tokens at once, `per_sec` refilled each second.
    pub fn with_rate(burst: u32, per_sec: f64) -> Buckets<K> {
        Buckets { burst: f64::from(burst), per_sec: per_sec.max(0.0), buckets: Mutex::new(HashMap::new()) }
    }

    /// This process's share of a budget that `processes` processes keep together (each in
    /// its own memory): `burst / processes` tokens at once (rounded up, at least one) and
    /// `per_sec / processes` a second.
    pub fn shared(processes: u32, burst: u32, per_sec: f64) -> Buckets<K> {
        let n = processes.max(1);
        Buckets::with_rate(burst.div_ceil(n).max(1), per_sec / f64::from(n))
    }

    /// Takes `cost` tokens from `key`'s bucket; on refusal, the seconds until enough
    /// have refilled (nothing is taken then).
    pub fn take(&self, key: &K, cost: u32) -> Result<(), u64> {
        let now = Instant::now();
        let mut buckets = self.buckets.lock().unwrap_or_else(|e| e.into_inner());
        if buckets.len() > SOFT_KEYS && !buckets.contains_key(key) {
            self.forget(&mut buckets, now);
        }
        let (tokens, at) = buckets.entry(key.clone()).or_insert((self.burst, now));
        *tokens = (*tokens + now.duration_since(*at).as_secs_f64() * self.per_sec).min(self.burst);
        *at = now;
        let cost = f64::from(cost);
        if *tokens >= cost {
            *tokens -= cost;
            Ok(())
        } else if self.per_sec <= 0.0 || cost > self.burst {
            Err(3600)
        } else {
            Err(((cost - *tokens) / self.per_sec).ceil().max(1.0) as u64)
        }
    }

    /// Gives back tokens taken by [`take`](Self::take) for a request another limit refused.
    pub fn refund(&self, key: &K, cost: u32) {
        let mut buckets = self.buckets.lock().unwrap_or_else(|e| e.into_inner());
        if let Some((tokens, _)) = buckets.get_mut(key) {
            *tokens = (*tokens + f64::from(cost)).min(self.burst);
        }
    }

    pub fn len(&self) -> usize {
        self.buckets.lock().unwrap_or_else(|e| e.into_inner()).len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn forget(&self, buckets: &mut HashMap<K, (f64, Instant)>, now: Instant) {
        let (burst, per_sec) = (self.burst, self.per_sec);
        buckets.retain(|_, (tokens, at)| *tokens + now.duration_since(*at).as_secs_f64() * per_sec < burst);
        if buckets.len() > HARD_KEYS {
            let mut ages: Vec<Instant> = buckets.values().map(|(_, at)| *at).collect();
            let mid = ages.len() / 2;
            let (_, cut, _) = ages.select_nth_unstable(mid);
            let cut = *cut;
            buckets.retain(|_, (_, at)| *at > cut);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_device_does_not_drain_another() {
        let l = RateLimiter::new(5, 60);
        assert!(l.take(&"a".to_string(), 5).is_ok());
        assert!(l.take(&"a".to_string(), 1).is_err());
        assert!(l.take(&"b".to_string(), 5).is_ok());
        assert!(l.take(&"a".to_string(), 10).is_err(), "more than the burst is never allowed");
    }

    #[test]
    fn refunds_and_waits() {
        let l: Buckets<u64> = Buckets::new(10, 6);
        assert!(l.take(&1, 10).is_ok());
        assert_eq!(l.take(&1, 1), Err(10), "one token every 10 s");
        l.refund(&1, 4);
        assert!(l.take(&1, 4).is_ok());
        assert!(l.take(&1, 1).is_err());
    }

    #[test]
    fn the_table_stays_bounded() {
        let l: Buckets<u64> = Buckets::new(1, 60_000_000);
        for k in 0..(SOFT_KEYS as u64 + 10) {
            l.take(&k, 1).unwrap();
        }
        // Each bucket refills within a microsecond or so: the next new key forgets them.
        std::thread::sleep(std::time::Duration::from_millis(5));
        l.take(&u64::MAX, 1).unwrap();
        assert!(l.len() < 100, "{}", l.len());
    }
}

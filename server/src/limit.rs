//! Per-device token buckets: each report costs a token; a device that spends faster
//! than the refill rate is refused (429) without slowing anyone else down.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Instant;

pub struct RateLimiter {
    burst: f64,
    per_sec: f64,
    buckets: Mutex<HashMap<String, (f64, Instant)>>,
}

impl RateLimiter {
    pub fn new(burst: u32, per_minute: u32) -> RateLimiter {
        RateLimiter { burst: f64::from(burst), per_sec: f64::from(per_minute) / 60.0, buckets: Mutex::new(HashMap::new()) }
    }

    /// Takes `cost` tokens from `device`'s bucket; on refusal, the seconds until enough
    /// have refilled.
    pub fn take(&self, device: &str, cost: u32) -> Result<(), u64> {
        let now = Instant::now();
        let mut buckets = self.buckets.lock().unwrap_or_else(|e| e.into_inner());
        if buckets.len() > 100_000 {
            // Forget devices whose buckets are full again: they lose nothing.
            let (burst, per_sec) = (self.burst, self.per_sec);
            buckets.retain(|_, (tokens, at)| *tokens + now.duration_since(*at).as_secs_f64() * per_sec < burst);
        }
        let (tokens, at) = buckets.entry(device.to_string()).or_insert((self.burst, now));
        *tokens = (*tokens + now.duration_since(*at).as_secs_f64() * self.per_sec).min(self.burst);
        *at = now;
        let cost = f64::from(cost);
        if *tokens >= cost {
            *tokens -= cost;
            Ok(())
        } else if self.per_sec <= 0.0 || cost > self.burst {
            Err(3600)
        } else {
            Err(((cost - *tokens) / self.per_sec).ceil() as u64)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_device_does_not_drain_another() {
        let l = RateLimiter::new(5, 60);
        assert!(l.take("a", 5).is_ok());
        assert!(l.take("a", 1).is_err());
        assert!(l.take("b", 5).is_ok());
        assert!(l.take("a", 10).is_err(), "more than the burst is never allowed");
    }
}

//! Failed-login limiting (contract §2): at most N failures per address and per username within
//! a sliding window, then 429 until the window moves on.

use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;
use std::time::{Duration, Instant};

pub struct LoginLimiter {
    max_failures: usize,
    window: Duration,
    failures: Mutex<HashMap<String, VecDeque<Instant>>>,
}

/// Above this many tracked keys, stale ones are dropped before a new one is added, so a flood of
/// made-up usernames cannot grow the map without bound.
const PRUNE_AT: usize = 10_000;

impl LoginLimiter {
    pub fn new(max_failures: usize, window: Duration) -> Self {
        Self {
            max_failures,
            window,
            failures: Mutex::new(HashMap::new()),
        }
    }

    /// True when any of `keys` already has the maximum failures inside the window.
    pub fn is_blocked(&self, keys: &[String]) -> bool {
        let now = Instant::now();
        let mut map = self.failures.lock().expect("limiter lock");
        keys.iter().any(|key| match map.get_mut(key) {
            Some(times) => {
                Self::expire(times, now, self.window);
                times.len() >= self.max_failures
            }
            None => false,
        })
    }

    pub fn record_failure(&self, keys: &[String]) {
        let now = Instant::now();
        let mut map = self.failures.lock().expect("limiter lock");
        if map.len() >= PRUNE_AT {
            let window = self.window;
            map.retain(|_, times| {
                Self::expire(times, now, window);
                !times.is_empty()
            });
        }
        for key in keys {
            let times = map.entry(key.clone()).or_default();
            Self::expire(times, now, self.window);
            times.push_back(now);
        }
    }

    /// A successful login forgets the username's failures (not the address's).
    pub fn clear(&self, key: &str) {
        self.failures.lock().expect("limiter lock").remove(key);
    }

    fn expire(times: &mut VecDeque<Instant>, now: Instant, window: Duration) {
        while times
            .front()
            .is_some_and(|t| now.duration_since(*t) >= window)
        {
            times.pop_front();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blocks_after_max_and_forgets_after_window() {
        let limiter = LoginLimiter::new(2, Duration::from_millis(50));
        let keys = vec!["user:a".to_string()];
        assert!(!limiter.is_blocked(&keys));
        limiter.record_failure(&keys);
        limiter.record_failure(&keys);
        assert!(limiter.is_blocked(&keys));
        std::thread::sleep(Duration::from_millis(60));
        assert!(!limiter.is_blocked(&keys));
    }
}

//! Failed-login limiting (contract §2): at most N failures per address and per username within
//! a sliding window, then 429 until the window moves on. An attempt is counted when it starts
//! (`reserve`), before the password work, and given back only when it succeeds: parallel
//! guesses cannot all pass the check before any of them has failed.

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
    #[cfg(test)]
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

    /// Counts an attempt for every key, unless one of them is already at the limit (`None`).
    /// The attempt stays counted (a failure) unless `Attempt::succeeded` gives it back.
    pub fn reserve<'a>(&'a self, keys: &[String]) -> Option<Attempt<'a>> {
        let now = Instant::now();
        let mut map = self.failures.lock().expect("limiter lock");
        let blocked = keys.iter().any(|key| {
            map.get_mut(key).is_some_and(|times| {
                Self::expire(times, now, self.window);
                times.len() >= self.max_failures
            })
        });
        if blocked {
            return None;
        }
        // counted under the same lock as the check, so two attempts cannot both take the last slot
        Self::record(&mut map, keys, now, self.window);
        Some(Attempt {
            limiter: self,
            keys: keys.to_vec(),
            at: now,
        })
    }

    #[cfg(test)]
    pub fn record_failure(&self, keys: &[String]) {
        let mut map = self.failures.lock().expect("limiter lock");
        Self::record(&mut map, keys, Instant::now(), self.window);
    }

    fn record(
        map: &mut HashMap<String, VecDeque<Instant>>,
        keys: &[String],
        now: Instant,
        window: Duration,
    ) {
        if map.len() >= PRUNE_AT {
            map.retain(|_, times| {
                Self::expire(times, now, window);
                !times.is_empty()
            });
        }
        for key in keys {
            let times = map.entry(key.clone()).or_default();
            Self::expire(times, now, window);
            times.push_back(now);
        }
    }

    /// Takes back one attempt counted at `at` for each key.
    fn give_back(&self, keys: &[String], at: Instant) {
        let mut map = self.failures.lock().expect("limiter lock");
        for key in keys {
            if let Some(times) = map.get_mut(key)
                && let Some(i) = times.iter().position(|t| *t == at)
            {
                times.remove(i);
            }
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

/// A login attempt in progress, counted as a failure unless it succeeds.
pub struct Attempt<'a> {
    limiter: &'a LoginLimiter,
    keys: Vec<String>,
    at: Instant,
}

impl Attempt<'_> {
    /// The password was right: the attempt is not a failure.
    pub fn succeeded(self) {
        self.limiter.give_back(&self.keys, self.at);
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

    #[test]
    fn attempts_count_before_they_finish() {
        let limiter = LoginLimiter::new(3, Duration::from_secs(60));
        let keys = vec!["user:a".to_string(), "ip:1".to_string()];
        let first = limiter.reserve(&keys).expect("room for the first");
        let held: Vec<_> = (0..2).map(|_| limiter.reserve(&keys).unwrap()).collect();
        assert!(
            limiter.reserve(&keys).is_none(),
            "three in flight fill the limit"
        );
        first.succeeded();
        assert!(
            limiter.reserve(&keys).is_some(),
            "a success gives its attempt back"
        );
        drop(held);
        assert!(limiter.is_blocked(&keys), "failures stay counted");
    }
}

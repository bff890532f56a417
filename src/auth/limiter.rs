//! Failed-login limiting (contract §2, issue 13 items 6 and 7): a growing delay, never a lock.
//!
//! Failures are counted under three keys: the account from this address, the account from
//! anywhere, and the address for any account. Each key allows some failures freely; after that
//! every further attempt waits a delay that doubles (1 s, 2 s, 4 s …) up to the key's cap, and
//! the answer says how long (`Retry-After`). So an attacker can slow an account down but never
//! hold it shut: from another address its owner waits at most the account cap (a minute by
//! default), and an office behind one NAT address shares a much higher address allowance.
//!
//! An attempt is counted when it starts (`reserve`), before the password work, and given back
//! when it succeeds: parallel guesses cannot all pass the check before any has failed. A success
//! also forgets the account's failures; a key with no failure for `FORGET_AFTER` is dropped.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// How one key's delay grows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Backoff {
    /// Failures allowed without any delay.
    pub free: u32,
    /// The delay after the first failure beyond `free`; it doubles with each further one.
    pub first_delay: Duration,
    /// The longest delay.
    pub max_delay: Duration,
}

impl Backoff {
    /// The wait after the last failure when `failures` have been counted.
    fn delay(&self, failures: u32) -> Duration {
        if failures < self.free {
            return Duration::ZERO;
        }
        let doublings = (failures - self.free).min(30);
        self.first_delay
            .saturating_mul(1u32 << doublings)
            .min(self.max_delay)
    }
}

/// The three keys' rules.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LoginPolicy {
    /// One account from one address: the usual attacker.
    pub account_from_address: Backoff,
    /// One account from every address together: a spread-out attack on one account. Its cap is
    /// what the real owner waits at worst.
    pub account: Backoff,
    /// One address for every account: many accounts tried from one place; high, because an
    /// office's people share one address.
    pub address: Backoff,
}

impl Default for LoginPolicy {
    fn default() -> Self {
        let second = Duration::from_secs(1);
        Self {
            account_from_address: Backoff {
                free: 5,
                first_delay: second,
                max_delay: Duration::from_secs(15 * 60),
            },
            account: Backoff {
                free: 20,
                first_delay: second,
                max_delay: Duration::from_secs(60),
            },
            address: Backoff {
                free: 100,
                first_delay: second,
                max_delay: Duration::from_secs(5 * 60),
            },
        }
    }
}

/// A key's failures are forgotten after this long without a new one.
pub const FORGET_AFTER: Duration = Duration::from_secs(15 * 60);

/// Above this many tracked keys, forgotten ones are dropped before a new one is added, so a flood
/// of made-up usernames cannot grow the map without bound.
const PRUNE_AT: usize = 10_000;

#[derive(Debug)]
struct Failures {
    count: u32,
    last: Instant,
}

pub struct LoginLimiter {
    policy: LoginPolicy,
    keys: Mutex<HashMap<String, Failures>>,
    clock: std::sync::Arc<crate::times::Clock>,
}

/// The keys one attempt is counted under, with their rules.
fn keys_of(policy: &LoginPolicy, username: &str, addr: Option<IpAddr>) -> Vec<(String, Backoff)> {
    let account = username.to_lowercase();
    let mut keys = vec![(format!("user:{account}"), policy.account)];
    if let Some(ip) = addr {
        keys.push((format!("user:{account}@{ip}"), policy.account_from_address));
        keys.push((format!("ip:{ip}"), policy.address));
    }
    keys
}

impl LoginLimiter {
    pub fn new(policy: LoginPolicy, clock: std::sync::Arc<crate::times::Clock>) -> Self {
        Self {
            policy,
            keys: Mutex::new(HashMap::new()),
            clock,
        }
    }

    /// Counts an attempt by `username` from `addr`, or says how long to wait first.
    pub fn reserve(&self, username: &str, addr: Option<IpAddr>) -> Result<Attempt<'_>, Duration> {
        self.reserve_at(self.clock.instant(), username, addr)
    }

    fn reserve_at(
        &self,
        now: Instant,
        username: &str,
        addr: Option<IpAddr>,
    ) -> Result<Attempt<'_>, Duration> {
        let keys = keys_of(&self.policy, username, addr);
        let mut map = self.lock();
        let wait = keys
            .iter()
            .filter_map(|(key, rule)| {
                let f = map.get(key).filter(|f| now - f.last < FORGET_AFTER)?;
                let ready = f.last + rule.delay(f.count);
                (ready > now).then(|| ready - now)
            })
            .max();
        if let Some(wait) = wait {
            return Err(wait);
        }
        // counted under the same lock as the check, so two attempts cannot both take the last
        // free slot
        if map.len() >= PRUNE_AT {
            map.retain(|_, f| now - f.last < FORGET_AFTER);
        }
        for (key, _) in &keys {
            let entry = map.entry(key.clone()).or_insert(Failures {
                count: 0,
                last: now,
            });
            if now - entry.last >= FORGET_AFTER {
                entry.count = 0;
            }
            entry.count += 1;
            entry.last = now;
        }
        Ok(Attempt {
            limiter: self,
            keys: keys.into_iter().map(|(k, _)| k).collect(),
        })
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, Failures>> {
        // every critical section leaves the map consistent, even if a holder panicked
        self.keys.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// A login attempt in progress, counted as a failure unless it succeeds.
pub struct Attempt<'a> {
    limiter: &'a LoginLimiter,
    keys: Vec<String>,
}

impl Attempt<'_> {
    /// The password was right: the attempt is not a failure, and the account's failures are
    /// forgotten (the address's stay: it may be guessing other accounts too).
    pub fn succeeded(self) {
        let mut map = self.limiter.lock();
        for key in &self.keys {
            if key.starts_with("user:") {
                map.remove(key);
            } else if let Some(f) = map.get_mut(key) {
                f.count = f.count.saturating_sub(1);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SEC: Duration = Duration::from_secs(1);

    fn policy(free: u32) -> LoginPolicy {
        let rule = Backoff {
            free,
            first_delay: SEC,
            max_delay: 8 * SEC,
        };
        LoginPolicy {
            account_from_address: rule,
            account: Backoff {
                free: free * 4,
                ..rule
            },
            address: Backoff {
                free: free * 10,
                ..rule
            },
        }
    }

    fn ip(last: u8) -> Option<IpAddr> {
        Some(IpAddr::from([10, 0, 0, last]))
    }

    #[test]
    fn the_delay_doubles_after_the_free_failures_up_to_the_cap() {
        let limiter = LoginLimiter::new(policy(3), Default::default());
        let t0 = Instant::now();
        for _ in 0..3 {
            drop(limiter.reserve_at(t0, "a", ip(1)).expect("free"));
        }
        assert_eq!(limiter.reserve_at(t0, "a", ip(1)).err(), Some(SEC));
        let mut at = t0;
        for want in [2, 4, 8, 8, 8] {
            at += limiter.reserve_at(at, "a", ip(1)).err().unwrap_or_default();
            drop(limiter.reserve_at(at, "a", ip(1)).expect("after the wait"));
            assert_eq!(limiter.reserve_at(at, "a", ip(1)).err(), Some(want * SEC));
        }
        // forgotten after a quiet spell
        let later = at + FORGET_AFTER;
        drop(limiter.reserve_at(later, "a", ip(1)).expect("forgotten"));
    }

    #[test]
    fn another_address_is_slowed_only_by_the_account_cap() {
        let limiter = LoginLimiter::new(policy(2), Default::default());
        let t0 = Instant::now();
        for _ in 0..2 {
            drop(limiter.reserve_at(t0, "a", ip(1)).unwrap());
        }
        assert!(limiter.reserve_at(t0, "a", ip(1)).is_err());
        // the owner elsewhere, and other accounts from the attacker's address, go on
        drop(limiter.reserve_at(t0, "a", ip(2)).expect("the owner"));
        drop(limiter.reserve_at(t0, "b", ip(1)).expect("another account"));
    }

    #[test]
    fn attempts_count_before_they_finish_and_a_success_gives_back() {
        let limiter = LoginLimiter::new(policy(3), Default::default());
        let t0 = Instant::now();
        let first = limiter.reserve_at(t0, "a", ip(1)).expect("room");
        let held: Vec<_> = (0..2)
            .map(|_| limiter.reserve_at(t0, "a", ip(1)).unwrap())
            .collect();
        assert!(
            limiter.reserve_at(t0, "a", ip(1)).is_err(),
            "three in flight use the free attempts"
        );
        first.succeeded();
        let again = limiter.reserve_at(t0, "a", ip(1));
        assert!(again.is_ok(), "a success forgets the account's failures");
        drop(again);
        drop(held);
    }

    #[test]
    fn usernames_are_one_account_whatever_their_case() {
        let limiter = LoginLimiter::new(policy(1), Default::default());
        let t0 = Instant::now();
        drop(limiter.reserve_at(t0, "Admin", ip(1)).unwrap());
        assert!(limiter.reserve_at(t0, "admin", ip(1)).is_err());
    }
}

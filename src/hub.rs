//! The hub: which phones have a socket open, a way to send one of them a message, and the live
//! event feed the PC page watches over `/ws/admin`.
//!
//! The phone socket task registers itself and gets a `PhoneLink` guard; dropping the guard (on
//! close, error or panic) removes the entry, unless a newer socket of the same phone already
//! replaced it.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use serde::Serialize;
use serde_json::Value;
use tokio::sync::{broadcast, mpsc};

/// What the hub asks a phone's socket task to do.
#[derive(Debug, Clone)]
pub enum ToPhone {
    /// Send this JSON message.
    Message(Value),
    /// Close the socket (replaced by a newer socket, or the phone was unbound).
    Close,
}

/// Whether a message reached a connected socket's queue.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Delivery {
    Sent,
    NotConnected,
}

/// One live event for the PC page, with who owns it so each watcher sees only what it may.
#[derive(Debug, Clone, Serialize)]
pub struct AdminEvent {
    /// e.g. `PHONE_ONLINE`, `PHONE_OFFLINE`, `PHONE_BOUND`, `CALL_STATE`
    #[serde(rename = "type")]
    pub kind: String,
    pub data: Value,
    /// The user the event concerns (phone owner, caller).
    #[serde(skip)]
    pub owner_id: String,
    /// That user's department (managers see their department).
    #[serde(skip)]
    pub owner_department: String,
}

struct Entry {
    user_id: String,
    link_id: u64,
    tx: mpsc::UnboundedSender<ToPhone>,
    /// When the phone last spoke (epoch ms): fresher than the database, which is written at
    /// most every `phones::presence::TOUCH_EVERY_MS` per phone.
    last_active_ms: i64,
    /// When this socket connected (a phone's 在线时长 on the page).
    online_since_ms: i64,
}

pub struct Hub {
    phones: Mutex<HashMap<i64, Entry>>,
    next_link: AtomicU64,
    admin: broadcast::Sender<AdminEvent>,
    /// Users whose sessions just ended (disabled, password changed): their `/ws/admin` feeds
    /// close at once instead of at the next token re-check.
    ended: broadcast::Sender<String>,
    /// Set once when the server stops: every `/ws/admin` feed closes (phones are told one by
    /// one), so no socket outlives the server that accepted it.
    closing: tokio::sync::watch::Sender<bool>,
    /// When each phone's socket last closed, since this server started (a phone that dropped
    /// off during the day is marked on the page).
    went_offline: Mutex<HashMap<i64, i64>>,
    /// The server's clock: when a phone was last active, came online, went offline.
    clock: Arc<crate::times::Clock>,
}

impl Default for Hub {
    fn default() -> Self {
        Self::new(Default::default())
    }
}

impl Hub {
    pub fn new(clock: Arc<crate::times::Clock>) -> Self {
        // a slow PC page that falls this far behind skips events rather than holding memory
        let (admin, _) = broadcast::channel(1024);
        let (ended, _) = broadcast::channel(64);
        Self {
            phones: Mutex::new(HashMap::new()),
            next_link: AtomicU64::new(1),
            admin,
            ended,
            closing: tokio::sync::watch::Sender::new(false),
            went_offline: Mutex::new(HashMap::new()),
            clock,
        }
    }

    /// Registers a phone's socket. A previous socket of the same phone is told to close.
    /// Keep the returned guard for as long as the socket lives.
    pub fn register(
        self: &Arc<Self>,
        phone_id: i64,
        user_id: &str,
        tx: mpsc::UnboundedSender<ToPhone>,
    ) -> PhoneLink {
        let link_id = self.next_link.fetch_add(1, Ordering::Relaxed);
        let entry = Entry {
            user_id: user_id.to_string(),
            link_id,
            tx,
            last_active_ms: self.clock.now_ms(),
            online_since_ms: self.clock.now_ms(),
        };
        let previous = self.lock().insert(phone_id, entry);
        if let Some(old) = previous {
            let _ = old.tx.send(ToPhone::Close);
        }
        PhoneLink {
            hub: Arc::clone(self),
            phone_id,
            link_id,
        }
    }

    /// Queues a message for a phone's socket.
    pub fn send(&self, phone_id: i64, message: Value) -> Delivery {
        self.deliver(phone_id, ToPhone::Message(message))
    }

    /// Queues a message and then a close (unbind: DEVICE_UNBIND, then the socket goes).
    pub fn send_and_close(&self, phone_id: i64, message: Value) -> Delivery {
        let delivery = self.send(phone_id, message);
        self.deliver(phone_id, ToPhone::Close);
        delivery
    }

    fn deliver(&self, phone_id: i64, what: ToPhone) -> Delivery {
        match self.lock().get(&phone_id) {
            Some(entry) if entry.tx.send(what).is_ok() => Delivery::Sent,
            _ => Delivery::NotConnected,
        }
    }

    /// Tells a phone's socket to close (its binding was replaced); nothing is sent first.
    pub fn close(&self, phone_id: i64) -> Delivery {
        self.deliver(phone_id, ToPhone::Close)
    }

    /// When the phone's socket last closed since this server started; `None` when it never
    /// had one (or has one now).
    pub fn went_offline(&self, phone_id: i64) -> Option<i64> {
        if self.is_online(phone_id) {
            return None;
        }
        let gone = self.went_offline.lock().unwrap_or_else(|p| p.into_inner());
        gone.get(&phone_id).copied()
    }

    /// When a connected phone's socket opened; `None` when it has none.
    pub fn online_since(&self, phone_id: i64) -> Option<i64> {
        self.lock().get(&phone_id).map(|e| e.online_since_ms)
    }

    /// When a connected phone last spoke; `None` when it has no socket open.
    pub fn last_active(&self, phone_id: i64) -> Option<i64> {
        self.lock().get(&phone_id).map(|e| e.last_active_ms)
    }

    pub fn is_online(&self, phone_id: i64) -> bool {
        self.lock().contains_key(&phone_id)
    }

    /// The ids of `user_id`'s phones that have a socket open.
    pub fn online_phones(&self, user_id: &str) -> Vec<i64> {
        self.lock()
            .iter()
            .filter(|(_, e)| e.user_id == user_id)
            .map(|(id, _)| *id)
            .collect()
    }

    /// Publishes an event to every `/ws/admin` watcher (each filters by visibility).
    pub fn publish(&self, event: AdminEvent) {
        // no watcher connected is not an error
        let _ = self.admin.send(event);
    }

    pub fn subscribe(&self) -> broadcast::Receiver<AdminEvent> {
        self.admin.subscribe()
    }

    /// Ends every live session of `user_id` now: their phones' sockets close and their
    /// `/ws/admin` feeds are told to close. Their tokens were already revoked in the database,
    /// so nothing reconnects.
    pub fn end_sessions(&self, user_id: &str) {
        for phone_id in self.online_phones(user_id) {
            self.close(phone_id);
        }
        let _ = self.ended.send(user_id.to_string());
    }

    /// The server is stopping: every phone socket and every `/ws/admin` feed closes now. The
    /// upgraded sockets are not hyper's connections any more, so its graceful shutdown neither
    /// waits for them nor ends them; without this they lived on in a process that kept running
    /// (a test's, a service host's) and clients never learnt the server was gone.
    pub fn shut_down(&self) {
        let phones: Vec<i64> = self.lock().keys().copied().collect();
        for phone_id in phones {
            self.close(phone_id);
        }
        self.closing.send_replace(true);
    }

    /// Changes to `true` when the server stops (`shut_down`).
    pub fn closing(&self) -> tokio::sync::watch::Receiver<bool> {
        self.closing.subscribe()
    }

    /// The users whose sessions end from now on (`end_sessions`).
    pub fn ended_sessions(&self) -> broadcast::Receiver<String> {
        self.ended.subscribe()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<i64, Entry>> {
        // the map stays consistent even if a holder panicked: every critical section is one call
        self.phones.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// Held by a phone's socket task; removes the hub entry when dropped (also on panic), unless a
/// newer socket of the same phone replaced it.
pub struct PhoneLink {
    hub: Arc<Hub>,
    phone_id: i64,
    link_id: u64,
}

impl PhoneLink {
    pub fn phone_id(&self) -> i64 {
        self.phone_id
    }

    /// Notes that the phone spoke at `at_ms` (only while this socket is the current one).
    pub fn touch(&self, at_ms: i64) {
        if let Some(e) = self.hub.lock().get_mut(&self.phone_id)
            && e.link_id == self.link_id
        {
            e.last_active_ms = e.last_active_ms.max(at_ms);
        }
    }

    /// True while this socket is the phone's current one.
    pub fn is_current(&self) -> bool {
        self.hub
            .lock()
            .get(&self.phone_id)
            .is_some_and(|e| e.link_id == self.link_id)
    }
}

impl Drop for PhoneLink {
    fn drop(&mut self) {
        let mut phones = self.hub.lock();
        if phones
            .get(&self.phone_id)
            .is_some_and(|e| e.link_id == self.link_id)
        {
            phones.remove(&self.phone_id);
            drop(phones);
            self.hub
                .went_offline
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .insert(self.phone_id, self.hub.clock.now_ms());
        }
    }
}

/// A server → socket message (contract §5; the PC page's feed too), the one envelope every push uses: `type`, a fresh
/// `messageId`, `timestamp` in ms (the time of sending, by the system clock), and `data` when
/// there is any.
pub fn socket_message(kind: &str, data: Option<serde_json::Value>) -> serde_json::Value {
    let mut msg = serde_json::json!({
        "type": kind,
        "messageId": crate::ids::message_id(),
        "timestamp": crate::times::now_ms(),
    });
    if let Some(data) = data {
        msg["data"] = data;
    }
    msg
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn newer_socket_replaces_older_and_older_drop_keeps_newer() {
        let hub = Arc::new(Hub::default());
        let (tx1, mut rx1) = mpsc::unbounded_channel();
        let (tx2, mut rx2) = mpsc::unbounded_channel();
        let first = hub.register(7, "user_a", tx1);
        let second = hub.register(7, "user_a", tx2);
        assert!(matches!(rx1.try_recv(), Ok(ToPhone::Close)));
        assert!(!first.is_current() && second.is_current());
        drop(first);
        assert!(hub.is_online(7));
        assert_eq!(hub.send(7, json!({"type": "X"})), Delivery::Sent);
        assert!(matches!(rx2.try_recv(), Ok(ToPhone::Message(_))));
        drop(second);
        assert!(!hub.is_online(7));
        assert_eq!(hub.send(7, json!({})), Delivery::NotConnected);
    }

    #[test]
    fn entry_goes_when_the_socket_task_panics() {
        let hub = Arc::new(Hub::default());
        let (tx, _rx) = mpsc::unbounded_channel();
        let hub2 = Arc::clone(&hub);
        let joined = std::thread::spawn(move || {
            let _link = hub2.register(1, "u", tx);
            panic!("socket task failed");
        })
        .join();
        assert!(joined.is_err());
        assert!(!hub.is_online(1));
        assert!(hub.online_phones("u").is_empty());
    }

    #[test]
    fn last_active_follows_the_current_socket_only() {
        let hub = Arc::new(Hub::default());
        let (tx, _rx) = mpsc::unbounded_channel();
        let old = hub.register(5, "u", tx.clone());
        let new = hub.register(5, "u", tx);
        new.touch(i64::MAX - 1);
        old.touch(i64::MAX);
        assert_eq!(hub.last_active(5), Some(i64::MAX - 1));
        assert_eq!(hub.close(5), Delivery::Sent);
        drop(new);
        assert_eq!(hub.last_active(5), None);
        assert_eq!(hub.close(5), Delivery::NotConnected);
    }

    #[test]
    fn online_phones_by_user() {
        let hub = Arc::new(Hub::default());
        let (tx, _rx) = mpsc::unbounded_channel();
        let _a = hub.register(1, "u1", tx.clone());
        let _b = hub.register(2, "u2", tx.clone());
        let _c = hub.register(3, "u1", tx);
        let mut mine = hub.online_phones("u1");
        mine.sort();
        assert_eq!(mine, vec![1, 3]);
        assert_eq!(hub.online_phones("u2"), vec![2]);
    }
}

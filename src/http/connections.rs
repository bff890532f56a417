//! Open connections counted per client address (issue 13, item 10): one machine opening
//! connections and sending nothing cannot take every file descriptor and stop the office's
//! phones. Each admitted connection holds a `Slot`; dropping it gives the place back.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Arc, Mutex};

#[derive(Clone)]
pub struct Connections {
    per_address: usize,
    open: Arc<Mutex<HashMap<IpAddr, usize>>>,
}

/// One admitted connection's place in its address's count.
pub struct Slot {
    open: Arc<Mutex<HashMap<IpAddr, usize>>>,
    addr: IpAddr,
}

impl Connections {
    pub fn new(per_address: usize) -> Self {
        Self {
            per_address,
            open: Arc::default(),
        }
    }

    /// A place for one more connection from `addr`, or `None` when it has its allowance open.
    pub fn admit(&self, addr: IpAddr) -> Option<Slot> {
        let mut open = lock(&self.open);
        let count = open.entry(addr).or_insert(0);
        if *count >= self.per_address {
            return None;
        }
        *count += 1;
        Some(Slot {
            open: Arc::clone(&self.open),
            addr,
        })
    }
}

impl Drop for Slot {
    fn drop(&mut self) {
        let mut open = lock(&self.open);
        if let Some(count) = open.get_mut(&self.addr) {
            *count -= 1;
            if *count == 0 {
                open.remove(&self.addr);
            }
        }
    }
}

fn lock(open: &Mutex<HashMap<IpAddr, usize>>) -> std::sync::MutexGuard<'_, HashMap<IpAddr, usize>> {
    // each critical section is one count change: consistent even after a panic elsewhere
    open.lock().unwrap_or_else(|p| p.into_inner())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_address_gets_its_allowance_and_a_closed_one_frees_a_place() {
        let connections = Connections::new(2);
        let a = IpAddr::from([10, 0, 0, 1]);
        let first = connections.admit(a).unwrap();
        let _second = connections.admit(a).unwrap();
        assert!(connections.admit(a).is_none());
        assert!(connections.admit(IpAddr::from([10, 0, 0, 2])).is_some());
        drop(first);
        assert!(connections.admit(a).is_some());
    }
}

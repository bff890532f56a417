//! The power dialer's doorbell: whoever changes what a session waits for (a call's end, a
//! follow-up, a command from the page) rings it, and the driver looks at once instead of at its
//! next timer. Apart from the driver so that the server state can hold it without importing
//! the dialer.

use std::sync::atomic::{AtomicBool, Ordering};

use tokio::sync::Notify;

#[derive(Debug)]
pub struct Bell {
    bell: Notify,
    /// Whether the driver's last look found a running session. Every call's change would ring
    /// otherwise, and each ring is a database read on a blocking thread: three or four per dial
    /// in an office where nobody uses the power dialer (issue 18's profile of the dial path).
    dialing: AtomicBool,
}

impl Default for Bell {
    fn default() -> Self {
        Bell {
            bell: Notify::new(),
            // until the first look, as if someone were dialing
            dialing: AtomicBool::new(true),
        }
    }
}

impl Bell {
    /// Rings for a change to the sessions themselves (start, a command, new rules); a ring
    /// while the driver is busy is kept for its next wait (never lost).
    pub fn ring(&self) {
        self.bell.notify_one();
    }

    /// Rings for a change only a running session waits for (a call's end, a follow-up): none
    /// is running, nothing to look at. A session that starts rings with `ring`, and the look
    /// that follows sees it and sets `dialing` before any of its calls can change.
    pub fn ring_if_dialing(&self) {
        if self.dialing.load(Ordering::Acquire) {
            self.bell.notify_one();
        }
    }

    /// The driver says whether it found a running session.
    pub fn set_dialing(&self, dialing: bool) {
        self.dialing.store(dialing, Ordering::Release);
    }

    pub async fn rung(&self) {
        self.bell.notified().await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    async fn rang(wake: &Bell) -> bool {
        tokio::time::timeout(Duration::from_millis(20), wake.rung())
            .await
            .is_ok()
    }

    #[tokio::test]
    async fn a_call_rings_only_while_someone_dials_and_a_session_always_rings() {
        let wake = Bell::default();
        // before the driver's first look, as if someone dialed
        wake.ring_if_dialing();
        assert!(rang(&wake).await);
        wake.set_dialing(false);
        wake.ring_if_dialing();
        assert!(
            !rang(&wake).await,
            "nobody dials: a call's change is not looked at"
        );
        wake.ring();
        assert!(rang(&wake).await, "a session's change always is");
        wake.set_dialing(true);
        wake.ring_if_dialing();
        assert!(rang(&wake).await);
    }
}

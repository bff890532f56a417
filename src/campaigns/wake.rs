//! The power dialer's doorbell: whoever changes what a session waits for (a call's end, a
//! follow-up, a command from the page) rings it, and the driver looks at once instead of at its
//! next timer. Apart from the driver so that the server state can hold it without importing
//! the dialer.

use tokio::sync::Notify;

#[derive(Debug, Default)]
pub struct Wake(Notify);

impl Wake {
    /// Rings; a ring while the driver is busy is kept for its next wait (never lost).
    pub fn ring(&self) {
        self.0.notify_one();
    }

    pub async fn rung(&self) {
        self.0.notified().await;
    }
}

//! What a phone's parts tell each other and the program running it: the call tasks, the socket
//! loop and the fleet or bench that started the phone. A leaf of the simulator, so the phone
//! and its calls import it without importing each other both ways.

use std::time::Instant;

use serde_json::Value;

/// Where a phone prints its steps.
#[derive(Debug, Clone)]
pub enum Log {
    /// Print each step with this label.
    Print(String),
    Quiet,
}

impl Log {
    pub fn say(&self, line: impl AsRef<str>) {
        if let Log::Print(label) = self {
            println!("[{label}] {}", line.as_ref());
        }
    }
}

/// What a phone reports to the program running it (fleet, benches).
#[derive(Debug, Clone)]
pub enum Event {
    /// The server acknowledged DEVICE_ONLINE.
    Online,
    /// A DIAL_COMMAND arrived at this instant.
    Dial {
        call_id: String,
        device_id: String,
        at: Instant,
    },
    /// A follow-up (§5.1) left for the server at this instant.
    FollowUp { device_id: String, at: Instant },
    /// The socket went down.
    Disconnected,
}

/// What call tasks hand to the socket loop.
#[derive(Debug)]
pub enum ToSocket {
    /// Send, and resend until acknowledged.
    Tracked(String, Value),
    /// A call is over.
    Done(String),
}

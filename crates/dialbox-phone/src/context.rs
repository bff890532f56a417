//! What a phone's calls share: the server, the device, how the phone behaves, where it logs and
//! the way to its socket; and what the server may say about a call in progress. Apart from
//! `call` so that the screens a call passes through (`screens`) use it too without a loop.

use serde_json::{Value, json};
use tokio::sync::mpsc;

use crate::Behaviour;
use crate::api::Api;
use crate::device::Device;
use crate::events::{Log, ToSocket};

/// What the server may say about a call in progress.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Signal {
    /// CANCEL_DIAL / DIAL_CANCEL: the PC took the dial back.
    Cancel,
    /// CALL_END / END_CALL from the server: the PC ended the call.
    PcEnded,
}

/// What every call of a phone shares.
pub struct Ctx {
    pub api: Api,
    pub device: Device,
    pub behaviour: Behaviour,
    pub log: Log,
    pub to_socket: mpsc::UnboundedSender<ToSocket>,
    /// Where the phone's events go (the benches time the follow-up to the next dial).
    pub events: Option<mpsc::UnboundedSender<crate::events::Event>>,
}

impl Ctx {
    /// Queues a message for the socket, to be resent until acknowledged.
    pub fn send(&self, kind: &str, data: Value) {
        let (id, msg) = crate::socket::message(kind, Some(data), self.device.dialect);
        let _ = self.to_socket.send(ToSocket::Tracked(id, msg));
    }

    pub fn status(&self, call_id: &str, status: &str) {
        self.log.say(format!("{call_id}: CALL_STATUS {status}"));
        self.send(
            "CALL_STATUS",
            json!({ "callId": call_id, "status": status }),
        );
    }
}

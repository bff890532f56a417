//! A call's state and its end result (contract §6) as types: the strings live only here, where
//! they meet the database and the wire.

words! {
    /// Where a call is (contract §6): live while calling, ringing or connected.
    pub enum CallState {
        Calling => "calling",
        Ringing => "ringing",
        Connected => "connected",
        Ended => "ended",
        /// Canceled from the PC before the phone answered it (the phone may still report an end).
        Canceled => "canceled",
    }
}

impl CallState {
    /// Calling, ringing or connected: the phone is on it.
    pub fn is_live(self) -> bool {
        matches!(
            self,
            CallState::Calling | CallState::Ringing | CallState::Connected
        )
    }
}

words! {
    /// How a call ended: the §4.2 results.
    pub enum EndStatus {
        Connected => "connected",
        Missed => "missed",
        Busy => "busy",
        Rejected => "rejected",
        Failed => "failed",
    }
}

/// The API's `callStatus` values (the §5.3 / §5.6 filter): a live or canceled call's state, an
/// ended call's result (`Call::call_status`).
pub const CALL_STATUSES: [&str; 8] = [
    "connected",
    "missed",
    "busy",
    "rejected",
    "failed",
    "calling",
    "ringing",
    "canceled",
];

/// A call status (`Call::call_status`) in the page's words: what a follow-up without notes says
/// and what an export writes. `failed` and anything unknown read 呼叫失败.
pub fn status_word(status: &str) -> &'static str {
    match status {
        "calling" => "呼叫中",
        "ringing" => "振铃",
        "connected" => "已接通",
        "missed" => "未接听",
        "busy" => "对方忙线",
        "rejected" => "对方拒接",
        "canceled" => "已取消",
        _ => "呼叫失败",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for &s in CallState::ALL {
            assert_eq!(CallState::parse(s.as_str()), Some(s));
        }
        for &s in EndStatus::ALL {
            assert_eq!(EndStatus::parse(s.as_str()), Some(s));
        }
        assert_eq!(CallState::parse("dialing"), None);
        // callStatus is every end result and every state but `ended`
        let mut want: Vec<&str> = EndStatus::ALL.iter().map(|s| s.as_str()).collect();
        want.extend(
            CallState::ALL
                .iter()
                .filter(|s| **s != CallState::Ended)
                .map(|s| s.as_str()),
        );
        want.sort();
        want.dedup();
        let mut have = CALL_STATUSES.to_vec();
        have.sort();
        assert_eq!(have, want);
    }
}

//! The power dialer's states (issue 16): a session's status and why it pauses or waits, a list
//! number's queue and its outcome. The words are the `dialer_sessions` and `campaign_items`
//! columns' (`sql/0006_campaigns.sql`) and the page's.

words! {
    /// A session: dialing its list, stopped until someone resumes it, or out of numbers.
    pub enum SessionStatus {
        Running => "running",
        Paused => "paused",
        Finished => "finished",
    }
}

words! {
    /// Why a session is paused.
    pub enum PauseReason {
        /// Someone pressed 暂停.
        User => "user",
        /// Its phone went offline, or left between the choice and the send.
        PhoneOffline => "phone_offline",
        /// The server restarted: a restart never dials by itself.
        Restart => "restart",
        NoPhone => "no_phone",
        Error => "error",
    }
}

words! {
    /// A pacing rule that held a dial back (contract §6's PACING_LIMITED `rule`).
    pub enum PaceRule {
        MinGap => "min_gap",
        /// The phone is on a call the list did not make (inbound, from the dialpad).
        OnCall => "on_call",
        HourlyCap => "hourly_cap",
        DailyCap => "daily_cap",
        QuietHours => "quiet_hours",
    }
}

/// What a running session's next dial waits for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WaitReason {
    /// 整理时间 after its call, unless the follow-up comes first.
    WrapUp,
    /// A retry or callback not due yet.
    Queue,
    Paced(PaceRule),
}

impl WaitReason {
    pub fn as_str(self) -> &'static str {
        match self {
            WaitReason::WrapUp => "wrap_up",
            WaitReason::Queue => "queue",
            WaitReason::Paced(rule) => rule.as_str(),
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "wrap_up" => Some(WaitReason::WrapUp),
            "queue" => Some(WaitReason::Queue),
            other => PaceRule::parse(other).map(WaitReason::Paced),
        }
    }
}

text_column!(WaitReason);

words! {
    /// Where a list number is: waiting (new, to retry, a callback), being dialed, or done.
    pub enum Queue {
        Fresh => "fresh",
        Retry => "retry",
        /// 再联系: due at the time the salesperson asked for.
        Callback => "callback",
        Dialing => "dialing",
        Done => "done",
    }
}

impl Queue {
    /// The queues a session dials from, in the order it takes them.
    pub const WAITING: [Queue; 3] = [Queue::Callback, Queue::Retry, Queue::Fresh];

    pub fn is_waiting(self) -> bool {
        Self::WAITING.contains(&self)
    }
}

words! {
    /// What became of a list number's last dial: its call's result, or why it was left out.
    pub enum Outcome {
        Connected => "connected",
        Missed => "missed",
        Busy => "busy",
        Rejected => "rejected",
        Failed => "failed",
        /// The PC canceled the dial before the phone answered.
        Canceled => "canceled",
        /// 跳过 on the 工作台.
        Skipped => "skipped",
        DoNotCall => "do_not_call",
        /// Not a phone number, or its customer is gone.
        Invalid => "invalid",
    }
}

impl Outcome {
    /// An ended or canceled call's `callStatus` (`Call::call_status`) as an outcome: the same
    /// word. A call that ended without a result (none is stored so) counts as failed.
    pub fn of_call_status(status: &str) -> Self {
        Self::parse(status)
            .filter(|o| o.is_call_result())
            .unwrap_or(Outcome::Failed)
    }

    fn is_call_result(self) -> bool {
        !matches!(
            self,
            Outcome::Skipped | Outcome::DoNotCall | Outcome::Invalid
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::states::call::EndStatus;

    #[test]
    fn words_round_trip() {
        for &s in SessionStatus::ALL {
            assert_eq!(SessionStatus::parse(s.as_str()), Some(s));
        }
        for &r in PauseReason::ALL {
            assert_eq!(PauseReason::parse(r.as_str()), Some(r));
        }
        for &q in Queue::ALL {
            assert_eq!(Queue::parse(q.as_str()), Some(q));
        }
        for &o in Outcome::ALL {
            assert_eq!(Outcome::parse(o.as_str()), Some(o));
        }
        let waits = [WaitReason::WrapUp, WaitReason::Queue]
            .into_iter()
            .chain(PaceRule::ALL.iter().map(|&r| WaitReason::Paced(r)));
        for w in waits {
            assert_eq!(WaitReason::parse(w.as_str()), Some(w));
        }
        assert_eq!(WaitReason::parse("lunch"), None);
    }

    #[test]
    fn every_call_end_is_an_outcome_of_the_same_word() {
        for &end in EndStatus::ALL {
            assert_eq!(Outcome::of_call_status(end.as_str()).as_str(), end.as_str());
        }
        assert_eq!(Outcome::of_call_status("canceled"), Outcome::Canceled);
        assert_eq!(Outcome::of_call_status("skipped"), Outcome::Failed);
    }
}

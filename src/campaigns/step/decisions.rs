//! The power dialer's decisions (issue 28): what a due session does next, as plain functions
//! of what the step's transaction read, and how that is written onto the session row. Tested
//! below without a server; the step (`mod.rs`) reads, asks, applies and saves.

use crate::calls::refusal::Refusal;
use crate::db::dialer_sessions::Session;
use crate::states::dialer::{Outcome, PauseReason, SessionStatus, WaitReason};

/// What a due session does next.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Next {
    /// Its call is still live: no timer, the call's end sets the next one.
    AwaitCall,
    /// Stop until someone resumes it.
    Pause(PauseReason),
    /// Look again at `until`.
    Wait { until: i64, reason: WaitReason },
    /// No number left and none coming due.
    Finish,
    /// A long run of numbers left out: the rest next round, without holding the lock.
    GoOn,
}

/// What to do with a number whose dial was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refused {
    /// Mark it done with this outcome and try the next number.
    LeaveOut(Outcome),
    /// The session itself stops here.
    Session(Next),
}

/// The questions the step asks.
pub mod decide {
    use super::*;

    /// Running with its next time reached.
    pub fn is_due(s: &Session, now: i64) -> bool {
        s.status == SessionStatus::Running && s.next_at.is_some_and(|t| t <= now)
    }

    /// Nothing due now: the next retry or callback, or the end of the list.
    pub fn nothing_due(next_later: Option<i64>) -> Next {
        match next_later {
            Some(until) => Next::Wait {
                until,
                reason: WaitReason::Queue,
            },
            None => Next::Finish,
        }
    }

    /// A refused dial: a number that cannot be called is left out; a pace makes the session
    /// wait (without a known end — a call the list did not make — it looks again in 5 s); no
    /// phone pauses it. `None` for a failure, which the step returns as an error.
    pub fn refused(refusal: &Refusal, now: i64) -> Option<Refused> {
        Some(match refusal {
            Refusal::DoNotCall => Refused::LeaveOut(Outcome::DoNotCall),
            Refusal::BadNumber(_) => Refused::LeaveOut(Outcome::Invalid),
            Refusal::Paced { blocked, .. } => Refused::Session(Next::Wait {
                until: blocked.until.unwrap_or(now + 5_000),
                reason: WaitReason::Paced(blocked.rule),
            }),
            Refusal::NoPhone(_) => Refused::Session(Next::Pause(PauseReason::PhoneOffline)),
            Refusal::Failed(_) => return None,
        })
    }
}

/// Writes `next` onto the session (saved by the caller).
pub fn apply(s: &mut Session, next: Next, now: i64) {
    match next {
        Next::AwaitCall => s.next_at = None,
        Next::Pause(reason) => pause(s, reason),
        Next::Wait { until, reason } => {
            s.next_at = Some(until);
            s.wait_reason = Some(reason);
        }
        Next::Finish => {
            s.status = SessionStatus::Finished;
            s.next_at = None;
            s.wait_reason = None;
        }
        Next::GoOn => s.next_at = Some(now),
    }
}

/// Pauses the session: no timer, nothing waited for.
pub fn pause(s: &mut Session, reason: PauseReason) {
    s.status = SessionStatus::Paused;
    s.pause_reason = Some(reason);
    s.next_at = None;
    s.wait_reason = None;
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::calls::pacing::Blocked;
    use crate::error::{ApiError, ErrorCode};
    use crate::states::dialer::PaceRule;

    fn session(status: SessionStatus, next_at: Option<i64>) -> Session {
        Session {
            user_id: "u".into(),
            campaign_id: "c".into(),
            phone_id: Some(1),
            status,
            pause_reason: None,
            item_id: None,
            call_id: None,
            call_ended_at: None,
            next_at,
            wait_reason: Some(WaitReason::WrapUp),
            started_at: 0,
            updated_at: 0,
        }
    }

    #[test]
    fn only_a_running_session_whose_time_came_is_due() {
        assert!(decide::is_due(
            &session(SessionStatus::Running, Some(100)),
            100
        ));
        assert!(!decide::is_due(
            &session(SessionStatus::Running, Some(101)),
            100
        ));
        assert!(!decide::is_due(&session(SessionStatus::Running, None), 100));
        assert!(!decide::is_due(
            &session(SessionStatus::Paused, Some(0)),
            100
        ));
        assert!(!decide::is_due(
            &session(SessionStatus::Finished, Some(0)),
            100
        ));
    }

    #[test]
    fn an_empty_queue_waits_for_the_next_due_number_or_finishes() {
        assert_eq!(
            decide::nothing_due(Some(500)),
            Next::Wait {
                until: 500,
                reason: WaitReason::Queue
            }
        );
        assert_eq!(decide::nothing_due(None), Next::Finish);
    }

    #[test]
    fn each_refusal_has_its_answer() {
        let now = 1_000;
        let bad = Refusal::BadNumber(ApiError::invalid("x"));
        let dnc = Refusal::DoNotCall;
        let paced = |until| Refusal::Paced {
            blocked: Blocked {
                rule: PaceRule::HourlyCap,
                until,
                message: String::new(),
            },
            at: now,
        };
        let offline = Refusal::NoPhone(ApiError::new(ErrorCode::DeviceOffline));
        let failed = Refusal::Failed(ApiError::new(ErrorCode::InternalError));
        let table = [
            (dnc, Some(Refused::LeaveOut(Outcome::DoNotCall))),
            (bad, Some(Refused::LeaveOut(Outcome::Invalid))),
            (
                paced(Some(9_000)),
                Some(Refused::Session(Next::Wait {
                    until: 9_000,
                    reason: WaitReason::Paced(PaceRule::HourlyCap),
                })),
            ),
            // on a call the list did not make: look again soon
            (
                paced(None),
                Some(Refused::Session(Next::Wait {
                    until: 6_000,
                    reason: WaitReason::Paced(PaceRule::HourlyCap),
                })),
            ),
            (
                offline,
                Some(Refused::Session(Next::Pause(PauseReason::PhoneOffline))),
            ),
            (failed, None),
        ];
        for (refusal, want) in table {
            let what = format!("{refusal:?}");
            assert_eq!(decide::refused(&refusal, now), want, "{what}");
        }
    }

    #[test]
    fn apply_writes_each_next_onto_the_session() {
        let now = 1_000;
        let mut s = session(SessionStatus::Running, Some(now));
        apply(&mut s, Next::AwaitCall, now);
        assert_eq!((s.next_at, s.wait_reason), (None, Some(WaitReason::WrapUp)));

        let mut s = session(SessionStatus::Running, Some(now));
        apply(&mut s, Next::Pause(PauseReason::PhoneOffline), now);
        assert!(s.paused_for(PauseReason::PhoneOffline));
        assert_eq!((s.next_at, s.wait_reason), (None, None));

        let mut s = session(SessionStatus::Running, Some(now));
        let wait = Next::Wait {
            until: 7,
            reason: WaitReason::Queue,
        };
        apply(&mut s, wait, now);
        assert_eq!(
            (s.next_at, s.wait_reason),
            (Some(7), Some(WaitReason::Queue))
        );
        assert_eq!(s.status, SessionStatus::Running);

        let mut s = session(SessionStatus::Running, Some(now));
        apply(&mut s, Next::Finish, now);
        assert_eq!(s.status, SessionStatus::Finished);
        assert_eq!((s.next_at, s.wait_reason), (None, None));

        let mut s = session(SessionStatus::Running, Some(0));
        apply(&mut s, Next::GoOn, now);
        assert_eq!(s.next_at, Some(now));
    }
}

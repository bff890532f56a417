//! A call's state and its end result (contract §6) as types: the strings live only here, where
//! they meet the database and the wire.

use rusqlite::types::{FromSql, FromSqlError, FromSqlResult, ToSql, ToSqlOutput, ValueRef};

/// Where a call is (contract §6): live while calling, ringing or connected.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CallState {
    Calling,
    Ringing,
    Connected,
    Ended,
    /// Canceled from the PC before the phone answered it (the phone may still report an end).
    Canceled,
}

impl CallState {
    pub const ALL: [CallState; 5] = [
        CallState::Calling,
        CallState::Ringing,
        CallState::Connected,
        CallState::Ended,
        CallState::Canceled,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            CallState::Calling => "calling",
            CallState::Ringing => "ringing",
            CallState::Connected => "connected",
            CallState::Ended => "ended",
            CallState::Canceled => "canceled",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.as_str() == text)
    }

    /// Calling, ringing or connected: the phone is on it.
    pub fn is_live(self) -> bool {
        matches!(
            self,
            CallState::Calling | CallState::Ringing | CallState::Connected
        )
    }
}

/// How a call ended: the §4.2 results.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum EndStatus {
    Connected,
    Missed,
    Busy,
    Rejected,
    Failed,
}

impl EndStatus {
    pub const ALL: [EndStatus; 5] = [
        EndStatus::Connected,
        EndStatus::Missed,
        EndStatus::Busy,
        EndStatus::Rejected,
        EndStatus::Failed,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            EndStatus::Connected => "connected",
            EndStatus::Missed => "missed",
            EndStatus::Busy => "busy",
            EndStatus::Rejected => "rejected",
            EndStatus::Failed => "failed",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.as_str() == text)
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

macro_rules! sql_text {
    ($t:ty) => {
        impl ToSql for $t {
            fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
                Ok(ToSqlOutput::from(self.as_str()))
            }
        }

        impl FromSql for $t {
            fn column_result(value: ValueRef<'_>) -> FromSqlResult<Self> {
                let text = value.as_str()?;
                Self::parse(text).ok_or_else(|| {
                    FromSqlError::Other(format!("unknown {}: {text}", stringify!($t)).into())
                })
            }
        }
    };
}
sql_text!(CallState);
sql_text!(EndStatus);

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
        for s in CallState::ALL {
            assert_eq!(CallState::parse(s.as_str()), Some(s));
        }
        for s in EndStatus::ALL {
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

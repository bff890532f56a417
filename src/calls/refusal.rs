//! Why a dial does not go out, as a type. The click's handler answers it as the API's error;
//! the power dialer decides on it (leave the number out, wait, pause), never on an error code
//! or an HTTP status.

use super::pacing::Blocked;
use crate::db::DbError;
use crate::error::{ApiError, ErrorCode};

#[derive(Debug)]
pub enum Refusal {
    /// The request names no number to dial: not a phone number, a customer that is gone,
    /// neither given, or a name too long. The error says which.
    BadNumber(ApiError),
    /// The number is on the do-not-call list (黑名单).
    DoNotCall,
    /// The pace holds the phone back at `at`: which rule, and from when it may dial.
    Paced { blocked: Blocked, at: i64 },
    /// No phone can take it: the person or phone is none the caller may dial with, the person
    /// is disabled, or has no phone bound or none online. The error says which.
    NoPhone(ApiError),
    /// The database failed.
    Failed(ApiError),
}

impl From<Refusal> for ApiError {
    fn from(refusal: Refusal) -> Self {
        match refusal {
            Refusal::BadNumber(e) | Refusal::NoPhone(e) | Refusal::Failed(e) => e,
            Refusal::DoNotCall => ApiError::new(ErrorCode::DoNotCall),
            Refusal::Paced { blocked, at } => blocked.into_error(at),
        }
    }
}

impl From<DbError> for Refusal {
    fn from(e: DbError) -> Self {
        Refusal::Failed(e.into())
    }
}

pub type RefusalResult<T> = Result<T, Refusal>;

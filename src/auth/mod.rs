//! Who is asking: passwords, tokens, login limits, roles and visibility.

pub mod caller;
pub mod limiter;
pub mod login;
pub mod password;
pub mod token;

pub use crate::access::Role;
pub use caller::{Caller, Scope};

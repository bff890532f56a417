//! Who is asking: passwords, tokens, login limits, roles and visibility.

pub mod caller;
pub mod limiter;
pub mod password;
pub mod role;
pub mod token;

pub use caller::{Caller, Scope};
pub use role::Role;

//! Roles and visibility (contract §2): sales_staff see their own, managers their department,
//! admins everything. Below `db` and `auth` (both use these), importing nothing of ours.

use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// The records a caller may see, as a condition on the owning user (`db` turns it into SQL).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scope {
    All,
    Department(String),
    Own(String),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Admin,
    Manager,
    SalesStaff,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Manager => "manager",
            Role::SalesStaff => "sales_staff",
        }
    }

    /// The page's word (审计日志 and messages say it so).
    pub fn word(self) -> &'static str {
        match self {
            Role::Admin => "管理员",
            Role::Manager => "经理",
            Role::SalesStaff => "销售",
        }
    }
}

impl FromStr for Role {
    type Err = ();

    fn from_str(s: &str) -> Result<Self, ()> {
        match s {
            "admin" => Ok(Role::Admin),
            "manager" => Ok(Role::Manager),
            "sales_staff" => Ok(Role::SalesStaff),
            _ => Err(()),
        }
    }
}

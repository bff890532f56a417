//! A caller's `Scope` (`access`) as the SQL condition the list queries add: here, beside the
//! queries that use it, so the rule that a manager sees their department's users is written
//! once in SQL.

use crate::access::Scope;

/// A condition on the user id column `user_col`, with its parameter when it has one:
/// `WHERE {cond}` with `?` bound to the parameter. A manager sees their department's users
/// (and always themselves).
pub fn condition(scope: &Scope, user_col: &str) -> (String, Option<String>) {
    match scope {
        Scope::All => ("1 = 1".to_string(), None),
        Scope::Department(dept) => (
            format!("{user_col} IN (SELECT id FROM users WHERE department = ?)"),
            Some(dept.clone()),
        ),
        Scope::Own(id) => (format!("{user_col} = ?"), Some(id.clone())),
    }
}

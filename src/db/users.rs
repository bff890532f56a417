//! Queries on `users`.

use rusqlite::{Connection, OptionalExtension, Row, params};

use super::DbResult;
use crate::access::Role;

#[derive(Debug, Clone)]
pub struct User {
    pub id: String,
    pub username: String,
    pub password_hash: String,
    pub real_name: String,
    /// The real name, or the username when there is none (the `users_named` view's).
    pub display_name: String,
    pub department: String,
    pub role: Role,
    pub disabled: bool,
    pub token_version: i64,
    pub created_at: i64,
    pub updated_at: i64,
}

const COLUMNS: &str = "id, username, password_hash, real_name, department, role, disabled, \
                       token_version, created_at, updated_at, display_name";

fn from_row(row: &Row<'_>) -> rusqlite::Result<User> {
    let role: String = row.get(5)?;
    Ok(User {
        id: row.get(0)?,
        username: row.get(1)?,
        password_hash: row.get(2)?,
        real_name: row.get(3)?,
        department: row.get(4)?,
        // the CHECK constraint keeps the column to the three roles
        role: role.parse().unwrap_or(Role::SalesStaff),
        disabled: row.get(6)?,
        token_version: row.get(7)?,
        created_at: row.get(8)?,
        updated_at: row.get(9)?,
        display_name: row.get(10)?,
    })
}

pub struct NewUser<'a> {
    pub id: &'a str,
    pub username: &'a str,
    pub password_hash: &'a str,
    pub real_name: &'a str,
    pub department: &'a str,
    pub role: Role,
}

pub fn insert(conn: &Connection, user: &NewUser<'_>, now: i64) -> DbResult<User> {
    conn.execute(
        "INSERT INTO users (id, username, password_hash, real_name, department, role,
                            created_at, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?7)",
        params![
            user.id,
            user.username,
            user.password_hash,
            user.real_name,
            user.department,
            user.role.as_str(),
            now
        ],
    )?;
    by_id(conn, user.id)
}

pub fn by_id(conn: &Connection, id: &str) -> DbResult<User> {
    let sql = format!("SELECT {COLUMNS} FROM users_named WHERE id = ?1");
    Ok(conn.prepare_cached(&sql)?.query_row([id], from_row)?)
}

pub fn by_username(conn: &Connection, username: &str) -> DbResult<Option<User>> {
    let sql = format!("SELECT {COLUMNS} FROM users_named WHERE username = ?1");
    Ok(conn
        .prepare_cached(&sql)?
        .query_row([username], from_row)
        .optional()?)
}

pub fn username_taken(conn: &Connection, username: &str) -> DbResult<bool> {
    Ok(conn
        .prepare_cached("SELECT 1 FROM users WHERE username = ?1")?
        .query_row([username], |_| Ok(()))
        .optional()?
        .is_some())
}

/// All users, oldest first (the admin page's table and `dialbox user list`).
pub fn list(conn: &Connection) -> DbResult<Vec<User>> {
    let sql = format!("SELECT {COLUMNS} FROM users_named ORDER BY created_at, id");
    let mut stmt = conn.prepare_cached(&sql)?;
    let rows = stmt.query_map([], from_row)?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

pub fn count(conn: &Connection) -> DbResult<i64> {
    Ok(conn
        .prepare_cached("SELECT COUNT(*) FROM users")?
        .query_row([], |r| r.get(0))?)
}

/// Changes the profile fields; `None` keeps a field as it is.
pub fn update_profile(
    conn: &Connection,
    id: &str,
    real_name: Option<&str>,
    department: Option<&str>,
    role: Option<Role>,
    now: i64,
) -> DbResult<User> {
    let changed = conn.execute(
        "UPDATE users SET real_name = COALESCE(?2, real_name),
                          department = COALESCE(?3, department),
                          role = COALESCE(?4, role),
                          updated_at = ?5
         WHERE id = ?1",
        params![id, real_name, department, role.map(Role::as_str), now],
    )?;
    if changed == 0 {
        return Err(super::DbError::NotFound);
    }
    by_id(conn, id)
}

/// Sets a new password hash and revokes every token issued before.
pub fn set_password(conn: &Connection, id: &str, password_hash: &str, now: i64) -> DbResult<()> {
    let changed = conn.execute(
        "UPDATE users SET password_hash = ?2, token_version = token_version + 1, updated_at = ?3
         WHERE id = ?1",
        params![id, password_hash, now],
    )?;
    if changed == 0 {
        return Err(super::DbError::NotFound);
    }
    Ok(())
}

/// Disables or re-enables a user. Disabling revokes every token the user holds.
pub fn set_disabled(conn: &Connection, id: &str, disabled: bool, now: i64) -> DbResult<User> {
    let changed = conn.execute(
        "UPDATE users SET disabled = ?2,
                          token_version = token_version + (CASE WHEN ?2 THEN 1 ELSE 0 END),
                          updated_at = ?3
         WHERE id = ?1",
        params![id, disabled, now],
    )?;
    if changed == 0 {
        return Err(super::DbError::NotFound);
    }
    by_id(conn, id)
}

/// Active admins other than `except`: the last admin may not be disabled or demoted.
pub fn other_active_admins(conn: &Connection, except: &str) -> DbResult<i64> {
    Ok(conn
        .prepare_cached(
            "SELECT COUNT(*) FROM users WHERE role = 'admin' AND disabled = 0 AND id <> ?1",
        )?
        .query_row([except], |r| r.get(0))?)
}

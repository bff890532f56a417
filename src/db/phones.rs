//! Queries on `work_phones`. A bound phone has `unbound_at IS NULL`; unbinding keeps the row
//! (calls point at it) and revokes its wsToken by the same stroke.

use rusqlite::{Connection, OptionalExtension, Row, params};

use super::DbResult;
use crate::access::Scope;

/// What a device token is checked against: the phone's owner and its current token id, for a
/// phone that is still bound. `NotFound` once the phone is unbound.
pub fn active_token(conn: &Connection, phone_id: i64) -> DbResult<(String, String)> {
    Ok(conn
        .prepare_cached(
            "SELECT user_id, token_id FROM work_phones WHERE id = ?1 AND unbound_at IS NULL",
        )?
        .query_row(params![phone_id], |r| Ok((r.get(0)?, r.get(1)?)))?)
}

/// A bound phone with its owner's department (visibility needs it).
#[derive(Debug, Clone)]
pub struct Phone {
    pub id: i64,
    pub user_id: String,
    pub owner_department: String,
    /// The owner's real name, or the username when it has none.
    pub owner_name: String,
    pub device_id: String,
    pub phone_number: Option<String>,
    pub device_name: String,
    pub device_model: String,
    pub os_type: String,
    pub os_version: String,
    pub app_version: String,
    pub is_primary: bool,
    pub last_active_at: Option<i64>,
    pub created_at: i64,
}

const SELECT: &str = "SELECT p.id, p.user_id, u.department, p.device_id, p.phone_number,
        p.device_name, p.device_model, p.os_type, p.os_version, p.app_version, p.is_primary,
        p.last_active_at, p.created_at, u.display_name
     FROM work_phones p JOIN users_named u ON u.id = p.user_id";

fn from_row(r: &Row<'_>) -> rusqlite::Result<Phone> {
    Ok(Phone {
        id: r.get(0)?,
        user_id: r.get(1)?,
        owner_department: r.get(2)?,
        device_id: r.get(3)?,
        phone_number: r.get(4)?,
        device_name: r.get(5)?,
        device_model: r.get(6)?,
        os_type: r.get(7)?,
        os_version: r.get(8)?,
        app_version: r.get(9)?,
        is_primary: r.get(10)?,
        last_active_at: r.get(11)?,
        created_at: r.get(12)?,
        owner_name: r.get(13)?,
    })
}

/// A phone by id, bound or not (a bind request's status shows the phone it bound).
pub fn by_id(conn: &Connection, id: i64) -> DbResult<Phone> {
    let sql = format!("{SELECT} WHERE p.id = ?1");
    Ok(conn.prepare_cached(&sql)?.query_row([id], from_row)?)
}

/// A bound phone by id; `NotFound` when unknown or unbound.
pub fn active_by_id(conn: &Connection, id: i64) -> DbResult<Phone> {
    let sql = format!("{SELECT} WHERE p.id = ?1 AND p.unbound_at IS NULL");
    Ok(conn.prepare_cached(&sql)?.query_row([id], from_row)?)
}

/// The bound phone of a device, if any.
pub fn active_by_device(conn: &Connection, device_id: &str) -> DbResult<Option<Phone>> {
    let sql = format!("{SELECT} WHERE p.device_id = ?1 AND p.unbound_at IS NULL");
    Ok(conn
        .prepare_cached(&sql)?
        .query_row([device_id], from_row)
        .optional()?)
}

/// The id of the bound phone with this number, if any.
pub fn active_id_by_number(conn: &Connection, number: &str) -> DbResult<Option<i64>> {
    Ok(conn
        .prepare_cached(
            "SELECT id FROM work_phones WHERE phone_number = ?1 AND unbound_at IS NULL",
        )?
        .query_row([number], |r| r.get(0))
        .optional()?)
}

/// A user's bound phones, primary first, then oldest binding first.
pub fn active_of_user(conn: &Connection, user_id: &str) -> DbResult<Vec<Phone>> {
    let sql = format!(
        "{SELECT} WHERE p.user_id = ?1 AND p.unbound_at IS NULL
         ORDER BY p.is_primary DESC, p.created_at, p.id"
    );
    let mut stmt = conn.prepare_cached(&sql)?;
    let rows = stmt.query_map([user_id], from_row)?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// Bound phones whose owner matches the SQL condition `cond` on `p.user_id` (a `Scope::sql`).
pub fn active_in_scope(conn: &Connection, scope: &Scope) -> DbResult<Vec<Phone>> {
    let (cond, param) = super::scope::condition(scope, "p.user_id");
    let sql = format!(
        "{SELECT} WHERE p.unbound_at IS NULL AND {cond}
         ORDER BY p.user_id, p.is_primary DESC, p.created_at, p.id"
    );
    let mut stmt = conn.prepare_cached(&sql)?;
    let rows = match param.as_deref() {
        Some(p) => stmt.query_map([p], from_row)?,
        None => stmt.query_map([], from_row)?,
    };
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// What a bind writes about the device.
pub struct DeviceInfo<'a> {
    pub device_id: &'a str,
    pub phone_number: Option<&'a str>,
    pub device_name: &'a str,
    pub device_model: &'a str,
    pub os_type: &'a str,
    pub os_version: &'a str,
    pub app_version: &'a str,
}

/// Binds a new phone; returns its id.
pub fn insert(
    conn: &Connection,
    user_id: &str,
    info: &DeviceInfo<'_>,
    is_primary: bool,
    token_id: &str,
    now: i64,
) -> DbResult<i64> {
    conn.execute(
        "INSERT INTO work_phones (user_id, device_id, phone_number, device_name, device_model,
             os_type, os_version, app_version, is_primary, token_id, last_active_at, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?11)",
        params![
            user_id,
            info.device_id,
            info.phone_number,
            info.device_name,
            info.device_model,
            info.os_type,
            info.os_version,
            info.app_version,
            is_primary,
            token_id,
            now
        ],
    )?;
    Ok(conn.last_insert_rowid())
}

/// The same device binding again for the same user: the row keeps its id and primary flag and
/// takes the new device details and a new token id (the old wsToken stops working).
pub fn rebind(
    conn: &Connection,
    id: i64,
    info: &DeviceInfo<'_>,
    token_id: &str,
    now: i64,
) -> DbResult<()> {
    conn.execute(
        "UPDATE work_phones SET phone_number = ?2, device_name = ?3, device_model = ?4,
             os_type = ?5, os_version = ?6, app_version = ?7, token_id = ?8,
             last_active_at = ?9, created_at = ?9
         WHERE id = ?1 AND unbound_at IS NULL",
        params![
            id,
            info.phone_number,
            info.device_name,
            info.device_model,
            info.os_type,
            info.os_version,
            info.app_version,
            token_id,
            now
        ],
    )?;
    Ok(())
}

/// Unbinds a phone: revokes its token and drops its primary flag.
pub fn unbind(conn: &Connection, id: i64, now: i64) -> DbResult<()> {
    let changed = conn.execute(
        "UPDATE work_phones SET unbound_at = ?2, is_primary = 0
         WHERE id = ?1 AND unbound_at IS NULL",
        params![id, now],
    )?;
    if changed == 0 {
        return Err(super::DbError::NotFound);
    }
    Ok(())
}

/// Makes `id` its owner's only primary phone.
pub fn set_primary(conn: &Connection, user_id: &str, id: i64) -> DbResult<()> {
    conn.execute(
        "UPDATE work_phones SET is_primary = (id = ?2)
         WHERE user_id = ?1 AND unbound_at IS NULL",
        params![user_id, id],
    )?;
    Ok(())
}

/// Records when a phone last spoke (kept at most ~30 s stale; the hub has the live value).
pub fn touch(conn: &Connection, id: i64, at_ms: i64) -> DbResult<()> {
    conn.execute(
        "UPDATE work_phones SET last_active_at = MAX(COALESCE(last_active_at, 0), ?2)
         WHERE id = ?1",
        params![id, at_ms],
    )?;
    Ok(())
}

/// The app's version as DEVICE_ONLINE reports it.
pub fn set_app_version(conn: &Connection, id: i64, version: &str) -> DbResult<()> {
    conn.execute(
        "UPDATE work_phones SET app_version = ?2 WHERE id = ?1",
        params![id, version],
    )?;
    Ok(())
}

//! Queries on `customers`. `phone` is always the normalised number (`customers::phone`).

use rusqlite::{Connection, OptionalExtension, Row, params};

use super::{DbError, DbResult};

#[derive(Debug, Clone)]
pub struct Customer {
    pub id: String,
    pub name: String,
    /// 公司 (issue 30); empty when not known.
    pub company: String,
    pub phone: String,
    /// Up to five more numbers (座机, a second mobile), in the order given.
    pub other_phones: Vec<String>,
    pub level: String,
    pub tags: Vec<String>,
    pub follow_status: String,
    pub last_contact_time: Option<i64>,
    pub next_follow_time: Option<i64>,
    pub owner_id: Option<String>,
    pub owner_name: Option<String>,
    pub notes: String,
    pub created_at: i64,
    pub updated_at: i64,
}

pub(super) const SELECT: &str = "SELECT c.id, c.name, c.phone, c.level, c.tags, c.follow_status, \
    c.last_contact_time, c.next_follow_time, c.owner_id, \
    u.display_name, c.notes, c.created_at, \
    c.updated_at, \
    (SELECT json_group_array(number) FROM \
      (SELECT number FROM customer_numbers WHERE customer_id = c.id ORDER BY position)), \
    c.company \
    FROM customers c LEFT JOIN users_named u ON u.id = c.owner_id";

/// A JSON array column → strings (a broken value reads as no tags).
pub fn tags_from_json(text: &str) -> Vec<String> {
    serde_json::from_str(text).unwrap_or_default()
}

pub fn tags_to_json(tags: &[String]) -> String {
    serde_json::to_string(tags).unwrap_or_else(|_| "[]".into())
}

pub(super) fn from_row(row: &Row<'_>) -> rusqlite::Result<Customer> {
    let tags: String = row.get(4)?;
    Ok(Customer {
        id: row.get(0)?,
        name: row.get(1)?,
        phone: row.get(2)?,
        level: row.get(3)?,
        tags: tags_from_json(&tags),
        follow_status: row.get(5)?,
        last_contact_time: row.get(6)?,
        next_follow_time: row.get(7)?,
        owner_id: row.get(8)?,
        owner_name: row.get(9)?,
        notes: row.get(10)?,
        created_at: row.get(11)?,
        updated_at: row.get(12)?,
        other_phones: tags_from_json(&row.get::<_, String>(13)?),
        company: row.get(14)?,
    })
}

pub fn by_id(conn: &Connection, id: &str) -> DbResult<Customer> {
    let sql = format!("{SELECT} WHERE c.id = ?1");
    Ok(conn.prepare_cached(&sql)?.query_row([id], from_row)?)
}

/// The customer with this normalised number as its main number or one of its others (the
/// number rule of contract §14; a number is never both).
pub fn by_phone(conn: &Connection, phone: &str) -> DbResult<Option<Customer>> {
    let sql = format!(
        "{SELECT} WHERE c.phone = ?1 UNION ALL {SELECT} WHERE c.id = \
         (SELECT customer_id FROM customer_numbers WHERE number = ?1) LIMIT 1"
    );
    Ok(conn
        .prepare_cached(&sql)?
        .query_row([phone], from_row)
        .optional()?)
}

/// Replaces a customer's other numbers (already normalised, distinct, not its main number).
fn write_other_phones(conn: &Connection, id: &str, numbers: &[String]) -> DbResult<()> {
    conn.prepare_cached("DELETE FROM customer_numbers WHERE customer_id = ?1")?
        .execute([id])?;
    let mut insert = conn.prepare_cached(
        "INSERT INTO customer_numbers (number, customer_id, position) VALUES (?1, ?2, ?3)",
    )?;
    for (position, number) in numbers.iter().enumerate() {
        insert.execute(params![number, id, position as i64])?;
    }
    Ok(())
}

/// The fields a customer is written with.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct CustomerFields {
    pub name: String,
    pub company: String,
    pub phone: String,
    pub other_phones: Vec<String>,
    pub level: String,
    pub tags: Vec<String>,
    pub follow_status: String,
    pub next_follow_time: Option<i64>,
    pub owner_id: Option<String>,
    pub notes: String,
}

impl Customer {
    /// Its editable fields, to merge a change into (or to keep, as an import's undo does).
    pub fn fields(&self) -> CustomerFields {
        CustomerFields {
            name: self.name.clone(),
            company: self.company.clone(),
            phone: self.phone.clone(),
            other_phones: self.other_phones.clone(),
            level: self.level.clone(),
            tags: self.tags.clone(),
            follow_status: self.follow_status.clone(),
            next_follow_time: self.next_follow_time,
            owner_id: self.owner_id.clone(),
            notes: self.notes.clone(),
        }
    }
}

pub fn insert(conn: &Connection, id: &str, f: &CustomerFields, now: i64) -> DbResult<()> {
    conn.execute(
        "INSERT INTO customers (id, name, phone, level, tags, follow_status, next_follow_time,
                                owner_id, notes, created_at, updated_at, company)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?10, ?11)",
        params![
            id,
            f.name,
            f.phone,
            f.level,
            tags_to_json(&f.tags),
            f.follow_status,
            f.next_follow_time,
            f.owner_id,
            f.notes,
            now,
            f.company
        ],
    )?;
    write_other_phones(conn, id, &f.other_phones)
}

/// Moves the customer's last contact up to `at` (never back: an older call ending later, or a
/// corrected end, does not hide a newer contact).
pub fn touch_last_contact(conn: &Connection, id: &str, at: i64) -> DbResult<()> {
    conn.prepare_cached(
        "UPDATE customers SET last_contact_time = ?2
         WHERE id = ?1 AND (last_contact_time IS NULL OR last_contact_time < ?2)",
    )?
    .execute(params![id, at])?;
    Ok(())
}

/// Rewrites every editable field (the caller merged the change into the current row).
pub fn update(conn: &Connection, id: &str, f: &CustomerFields, now: i64) -> DbResult<()> {
    // the old others go first: the new main number may be one of them
    write_other_phones(conn, id, &[])?;
    let changed = conn.execute(
        "UPDATE customers SET name = ?2, phone = ?3, level = ?4, tags = ?5, follow_status = ?6,
                next_follow_time = ?7, owner_id = ?8, notes = ?9, updated_at = ?10, company = ?11
         WHERE id = ?1",
        params![
            id,
            f.name,
            f.phone,
            f.level,
            tags_to_json(&f.tags),
            f.follow_status,
            f.next_follow_time,
            f.owner_id,
            f.notes,
            now,
            f.company
        ],
    )?;
    if changed == 0 {
        return Err(DbError::NotFound);
    }
    write_other_phones(conn, id, &f.other_phones)
}

/// What a follow-up (§5.1) writes to its customer (contract §7).
pub fn record_follow_up(
    conn: &Connection,
    id: &str,
    tags: &[String],
    follow_status: Option<&str>,
    last_contact_time: i64,
    next_follow_time: Option<i64>,
    now: i64,
) -> DbResult<()> {
    conn.execute(
        "UPDATE customers SET tags = ?2, follow_status = COALESCE(?3, follow_status),
                last_contact_time = ?4,
                next_follow_time = COALESCE(?5, next_follow_time), updated_at = ?6
         WHERE id = ?1",
        params![
            id,
            tags_to_json(tags),
            follow_status,
            last_contact_time,
            next_follow_time,
            now
        ],
    )?;
    Ok(())
}

pub fn delete(conn: &Connection, id: &str) -> DbResult<()> {
    if conn.execute("DELETE FROM customers WHERE id = ?1", [id])? == 0 {
        return Err(DbError::NotFound);
    }
    Ok(())
}

//! Writing an import's rows (issue 30): a new number becomes a customer; a number the office
//! already has is skipped, or — 按电话更新, chosen in the dialog — that customer takes the row's
//! filled cells (an empty cell changes nothing). Every customer made or changed is noted in the
//! import's batch with what it was before, so the import can be undone (`import_undo`).

use std::collections::HashMap;

use rusqlite::Transaction;

use super::import_rows::{ImportRow, Skipped};
use crate::db::customers::{Customer, CustomerFields};
use crate::db::{self, users::User};
use crate::error::{ApiError, ApiResult};

/// What the import does with a row whose number is already a customer's.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Leave the customer as it is (the default: an import never changes data unasked).
    Skip,
    /// Give the customer the row's filled cells (export → edit in Excel → import).
    Update,
}

impl Mode {
    /// `?mode=` as the dialog sends it; nothing is `skip`.
    pub fn parse(text: Option<&str>) -> ApiResult<Self> {
        match text {
            None | Some("skip") => Ok(Self::Skip),
            Some("update") => Ok(Self::Update),
            Some(_) => Err(ApiError::invalid_field("mode", "mode 须为 skip 或 update")),
        }
    }

    pub fn word(self) -> &'static str {
        match self {
            Self::Skip => "skip",
            Self::Update => "update",
        }
    }
}

/// The office's people, to read a 负责人 cell by username or by name.
pub struct Owners {
    by_username: HashMap<String, String>,
    /// A name two people share finds nobody (`None`): the import will not guess between them.
    by_name: HashMap<String, Option<String>>,
}

impl Owners {
    pub fn of(users: Vec<User>) -> Self {
        let mut by_name: HashMap<String, Option<String>> = HashMap::new();
        let mut by_username = HashMap::new();
        for u in users {
            for name in [&u.real_name, &u.display_name] {
                let name = name.trim();
                if name.is_empty() {
                    continue;
                }
                by_name
                    .entry(name.to_string())
                    .and_modify(|id| {
                        if id.as_deref() != Some(u.id.as_str()) {
                            *id = None;
                        }
                    })
                    .or_insert_with(|| Some(u.id.clone()));
            }
            by_username.insert(u.username.to_lowercase(), u.id);
        }
        Self {
            by_username,
            by_name,
        }
    }

    /// The person a cell names, or why nobody.
    fn find(&self, text: &str) -> Result<String, String> {
        let text = text.trim();
        if let Some(id) = self.by_username.get(&text.to_lowercase()) {
            return Ok(id.clone());
        }
        match self.by_name.get(text) {
            Some(Some(id)) => Ok(id.clone()),
            Some(None) => Err(format!("负责人“{text}”有同名的多人，未分配")),
            None => Err(format!("负责人无法识别: {text}（未分配）")),
        }
    }
}

/// What one transaction of rows did.
#[derive(Debug, Default)]
pub struct Written {
    pub created: usize,
    pub updated: usize,
    /// Found by number, and the row said nothing new.
    pub unchanged: usize,
    pub skipped: Vec<Skipped>,
    /// Rows written, with a cell that was not used (a 负责人 nobody is).
    pub unmapped: Vec<Skipped>,
}

/// One batch of rows in one transaction, noted in import `batch`.
pub fn write_rows(
    tx: &Transaction<'_>,
    batch: &str,
    mode: Mode,
    owners: &Owners,
    rows: Vec<ImportRow>,
    now: i64,
) -> ApiResult<Written> {
    let mut w = Written::default();
    for row in rows {
        let line = row.line;
        let found = match customer_of(tx, &row)? {
            Ok(found) => found,
            Err(reason) => {
                w.skipped.push(Skipped { row: line, reason });
                continue;
            }
        };
        if let (Some(c), Mode::Skip) = (&found, mode) {
            w.skipped.push(Skipped {
                row: line,
                reason: format!("号码已存在（客户：{}）", c.name),
            });
            continue;
        }
        // only for a row that is written: a skipped row's 负责人 is no news
        let owner = match row.owner.as_deref().map(|o| owners.find(o)) {
            None => None,
            Some(Ok(id)) => Some(id),
            Some(Err(reason)) => {
                w.unmapped.push(Skipped { row: line, reason });
                None
            }
        };
        match found {
            None => {
                let id = crate::ids::customer_id();
                db::customers::insert(tx, &id, &new_fields(row, owner), now)?;
                db::imports::record_change(tx, batch, &id, None, now)?;
                w.created += 1;
            }
            Some(c) => {
                let before = c.fields();
                let after = updated_fields(&before, row, owner);
                if after.other_phones.len() > crate::limits::MAX_OTHER_PHONES {
                    w.skipped.push(Skipped {
                        row: line,
                        reason: format!(
                            "客户 {} 的其他号码将超过{}个，未更新",
                            c.name,
                            crate::limits::MAX_OTHER_PHONES
                        ),
                    });
                    continue;
                }
                if after == before {
                    w.unchanged += 1;
                    continue;
                }
                db::customers::update(tx, &c.id, &after, now)?;
                let before = serde_json::to_string(&before).map_err(ApiError::internal)?;
                db::imports::record_change(tx, batch, &c.id, Some(&before), now)?;
                w.updated += 1;
            }
        }
    }
    db::imports::add_counts(tx, batch, w.created as i64, w.updated as i64)?;
    Ok(w)
}

/// The one customer that has any of the row's numbers (main or other), or why the row cannot
/// be written: its numbers belong to two customers.
fn customer_of(
    tx: &Transaction<'_>,
    row: &ImportRow,
) -> ApiResult<Result<Option<Customer>, String>> {
    let mut found: Option<Customer> = None;
    for number in std::iter::once(&row.phone).chain(&row.other_phones) {
        let Some(c) = db::customers::by_phone(tx, number)? else {
            continue;
        };
        match &found {
            Some(first) if first.id != c.id => {
                return Ok(Err(format!(
                    "号码分属两位客户（{}、{}），未导入",
                    first.name, c.name
                )));
            }
            Some(_) => {}
            None => found = Some(c),
        }
    }
    Ok(Ok(found))
}

/// A new customer from a row: what the row leaves empty takes the defaults.
fn new_fields(row: ImportRow, owner: Option<String>) -> CustomerFields {
    CustomerFields {
        name: row.name,
        company: row.company.unwrap_or_default(),
        phone: row.phone,
        other_phones: row.other_phones,
        level: row.level.unwrap_or_else(|| "normal".into()),
        tags: row.tags,
        follow_status: row.follow_status.unwrap_or_else(|| "new".into()),
        next_follow_time: None,
        owner_id: owner,
        notes: row.notes,
    }
}

/// A known customer with the row's filled cells; an empty cell keeps the field. The main
/// number stays the customer's: the row's other numbers are added to theirs.
fn updated_fields(
    before: &CustomerFields,
    row: ImportRow,
    owner: Option<String>,
) -> CustomerFields {
    let mut f = before.clone();
    f.name = row.name;
    if let Some(company) = row.company {
        f.company = company;
    }
    for number in std::iter::once(row.phone).chain(row.other_phones) {
        if number != f.phone && !f.other_phones.contains(&number) {
            f.other_phones.push(number);
        }
    }
    if let Some(level) = row.level {
        f.level = level;
    }
    if !row.tags.is_empty() {
        f.tags = row.tags;
    }
    if let Some(status) = row.follow_status {
        f.follow_status = status;
    }
    if owner.is_some() {
        f.owner_id = owner;
    }
    if !row.notes.is_empty() {
        f.notes = row.notes;
    }
    f
}

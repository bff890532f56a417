//! Schema migrations: `sql/NNNN_name.sql`, embedded in the binary, applied in order at start and
//! tracked with `PRAGMA user_version`.

use rusqlite::Connection;

/// Every migration, in order. Migration `i` (0-based) brings the database to version `i + 1`.
const MIGRATIONS: &[(&str, &str)] = &[
    ("0001_init", include_str!("../../sql/0001_init.sql")),
    (
        "0002_call_search",
        include_str!("../../sql/0002_call_search.sql"),
    ),
    (
        "0003_recording_files",
        include_str!("../../sql/0003_recording_files.sql"),
    ),
    (
        "0004_audit_log",
        include_str!("../../sql/0004_audit_log.sql"),
    ),
    (
        "0005_follow_up_after_call",
        include_str!("../../sql/0005_follow_up_after_call.sql"),
    ),
    (
        "0006_campaigns",
        include_str!("../../sql/0006_campaigns.sql"),
    ),
    (
        "0007_search_follows_text",
        include_str!("../../sql/0007_search_follows_text.sql"),
    ),
    (
        "0008_rollup_levels",
        include_str!("../../sql/0008_rollup_levels.sql"),
    ),
    (
        "0009_recordings_by_call_time",
        include_str!("../../sql/0009_recordings_by_call_time.sql"),
    ),
    (
        "0010_user_names",
        include_str!("../../sql/0010_user_names.sql"),
    ),
    (
        "0011_customer_numbers",
        include_str!("../../sql/0011_customer_numbers.sql"),
    ),
    (
        "0012_call_aliases",
        include_str!("../../sql/0012_call_aliases.sql"),
    ),
    (
        "0013_company_and_imports",
        include_str!("../../sql/0013_company_and_imports.sql"),
    ),
    (
        "0014_customer_search",
        include_str!("../../sql/0014_customer_search.sql"),
    ),
];

/// The schema version this binary writes.
pub const SCHEMA_VERSION: i64 = MIGRATIONS.len() as i64;

#[derive(Debug, thiserror::Error)]
pub enum MigrateError {
    #[error(
        "the database is schema version {found}, newer than this dialbox understands ({supported}); \
         run the newer dialbox or restore a backup"
    )]
    TooNew { found: i64, supported: i64 },
    #[error("migration {name} failed: {source}")]
    Failed {
        name: &'static str,
        source: rusqlite::Error,
    },
    #[error("the database's schema version is {0}: it is not a DialBox database")]
    NotOurs(i64),
    #[error("cannot read the schema version: {0}")]
    Version(rusqlite::Error),
}

/// Brings the database up to `SCHEMA_VERSION`, each migration in its own transaction, and refuses
/// a database written by a newer binary before touching it.
pub fn migrate(conn: &mut Connection) -> Result<(), MigrateError> {
    let found: i64 = conn
        .pragma_query_value(None, "user_version", |row| row.get(0))
        .map_err(MigrateError::Version)?;
    if found < 0 {
        return Err(MigrateError::NotOurs(found));
    }
    if found > SCHEMA_VERSION {
        return Err(MigrateError::TooNew {
            found,
            supported: SCHEMA_VERSION,
        });
    }
    for (index, (name, sql)) in MIGRATIONS.iter().enumerate().skip(found as usize) {
        let failed = |source| MigrateError::Failed { name, source };
        let tx = conn.transaction().map_err(failed)?;
        tx.execute_batch(sql).map_err(failed)?;
        tx.pragma_update(None, "user_version", index as i64 + 1)
            .map_err(failed)?;
        tx.commit().map_err(failed)?;
        tracing::info!(migration = name, "applied migration");
    }
    Ok(())
}

//! `dialbox gen-calls` (hidden): fills a data folder quickly with realistic calls — and the
//! matching `call_daily_stats` — for the benchmarks. Users `bench_user_NNN` in five
//! departments, a thousand customers, calls over the last `days` office days in working hours.
//! One transaction per 50,000 calls, prepared statements throughout.

use std::collections::HashMap;
use std::time::Instant;

use chrono::{Duration, NaiveDate};
use chrono_tz::Tz;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use crate::auth::{Role, password};
use crate::calls::rollup::{self, Contribution};
use crate::config::Config;
use crate::db::calls::Call;
use crate::db::customers::CustomerFields;
use crate::db::stats::{self, Totals};
use crate::db::{self, DbError, settings};
use crate::states::call::{CallState, EndStatus};

const BATCH: u64 = 50_000;

/// `(id, name, phone)` of a customer, `(id, real name, department)` of a user.
type Person = (String, String, String);
/// The customers calls are drawn from (the rest only fill the table: caller ID's bench).
const CALLED_CUSTOMERS: usize = 1_000;
const NOTES: [&str; 6] = [
    "",
    "",
    "客户咨询产品",
    "需要发送报价单",
    "客户在开会，稍后回电",
    "已成交",
];
const TAGS: [&str; 4] = ["意向", "需报价", "再联系", "无意向"];

#[derive(Debug, Clone)]
pub struct GenArgs {
    pub count: u64,
    pub users: u32,
    pub days: u32,
    /// Customers the folder holds (at least `CALLED_CUSTOMERS`); every fourth has an other
    /// number, a landline (contract §14).
    pub customers: usize,
    pub seed: Option<u64>,
}

/// What was generated, for the command's one line of output.
#[derive(Debug)]
pub struct GenReport {
    pub calls: u64,
    pub users: usize,
    pub timezone: Tz,
    pub seconds: f64,
}

fn err(e: impl std::fmt::Display) -> String {
    e.to_string()
}

/// Generates into the data folder of `config` (created and migrated when needed).
pub fn generate(config: &Config, args: &GenArgs) -> Result<GenReport, String> {
    if args.users == 0 || args.days == 0 {
        return Err("--users and --days must be at least 1".into());
    }
    let started = Instant::now();
    let pool = crate::app::open_database(config).map_err(err)?;
    let mut conn = pool.get().map_err(err)?;
    // the indexes' growing ends (a thousand customers' calls each) stay in memory
    conn.execute_batch("PRAGMA cache_size = -262144;")
        .map_err(err)?;
    // the rollup's days are in the zone the data folder already uses, else the configured one
    let tz: Tz = match settings::get(&conn, rollup::TIMEZONE_KEY).map_err(err)? {
        Some(name) => name
            .parse()
            .map_err(|_| format!("unknown stored zone {name}"))?,
        None => config.timezone,
    };
    rollup::ensure_timezone(&mut conn, tz).map_err(err)?;
    let mut rng = match args.seed {
        Some(seed) => StdRng::seed_from_u64(seed),
        None => StdRng::from_rng(&mut rand::rng()),
    };
    let users = ensure_users(&conn, args.users)?;
    let customers = ensure_customers(&conn, &mut rng, args.customers)?;
    let today = crate::times::local_day(crate::times::now_ms(), tz);
    // the search index is built once at the end: one pass over the calls costs a fraction of
    // keeping it in step row by row
    let search_trigger = pause_search_index(&conn)?;
    let written = write_calls(&mut conn, args, &mut rng, (&users, &customers), today, tz);
    // put the index back even when writing failed: the folder stays searchable
    resume_search_index(&conn, &search_trigger)?;
    written?;
    Ok(GenReport {
        calls: args.count,
        users: users.len(),
        timezone: tz,
        seconds: started.elapsed().as_secs_f64(),
    })
}

/// Every generated call, oldest day first, in transactions of `BATCH`.
fn write_calls(
    conn: &mut rusqlite::Connection,
    args: &GenArgs,
    rng: &mut StdRng,
    (users, customers): (&[Person], &[Person]),
    today: NaiveDate,
    tz: Tz,
) -> Result<(), String> {
    let mut batch = Batch::open(conn)?;
    // oldest day first, each day's calls by start time: the time-ordered indexes (start, the
    // id's day, each user's and customer's calls) then grow at their ends instead of at random
    // pages all over a file of gigabytes — what made ten million calls take half an hour
    for back in (0..args.days).rev() {
        let day = today - Duration::days(i64::from(back));
        let mut calls: Vec<Call> = (0..share(args.count, args.days, back))
            .map(|_| random_call(rng, users, customers, day, tz))
            .collect();
        calls.sort_unstable_by_key(|c| c.start_time);
        for call in &calls {
            batch.add(call, tz)?;
            if batch.written == BATCH {
                batch.commit()?;
                batch = Batch::open(conn)?;
            }
        }
    }
    batch.commit()?;
    Ok(())
}

/// Drops the trigger that indexes each new call for search; returns its SQL to restore it.
fn pause_search_index(conn: &rusqlite::Connection) -> Result<String, String> {
    let sql: String = conn
        .query_row(
            "SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name = 'call_search_insert'",
            [],
            |r| r.get(0),
        )
        .map_err(err)?;
    conn.execute_batch("DROP TRIGGER call_search_insert")
        .map_err(err)?;
    Ok(sql)
}

/// Rebuilds the search index over every call and puts its trigger back, in one transaction.
fn resume_search_index(conn: &rusqlite::Connection, trigger: &str) -> Result<(), String> {
    conn.execute_batch(&format!(
        "BEGIN IMMEDIATE;
         INSERT INTO call_search (call_search) VALUES ('rebuild');
         {trigger};
         COMMIT;"
    ))
    .map_err(err)
}

/// The calls of day `back` (days before today) when `count` calls are spread over `days`: an
/// even share, the remainder going to the most recent days.
fn share(count: u64, days: u32, back: u32) -> u64 {
    let days = u64::from(days);
    count / days + u64::from(u64::from(back) < count % days)
}

/// One transaction of generated calls and the statistics they add.
struct Batch<'c> {
    tx: rusqlite::Transaction<'c>,
    sums: HashMap<(String, String), Totals>,
    written: u64,
}

impl<'c> Batch<'c> {
    fn open(conn: &'c mut rusqlite::Connection) -> Result<Self, String> {
        let tx = conn
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
            .map_err(err)?;
        Ok(Self {
            tx,
            sums: HashMap::new(),
            written: 0,
        })
    }

    fn add(&mut self, call: &Call, tz: Tz) -> Result<(), String> {
        db::calls::insert(&self.tx, call).map_err(err)?;
        rollup::accumulate(&mut self.sums, &Contribution::of(call, tz));
        self.written += 1;
        Ok(())
    }

    fn commit(self) -> Result<(), String> {
        for ((day, user), t) in &self.sums {
            stats::add_totals(&self.tx, day, user, t).map_err(err)?;
        }
        self.tx.commit().map_err(err)
    }
}

/// `(id, real name, department)` of bench_user_001..=n, created when missing.
fn ensure_users(conn: &rusqlite::Connection, n: u32) -> Result<Vec<Person>, String> {
    let hash = password::hash("bench-password")?;
    let mut out = Vec::new();
    for i in 1..=n {
        let username = format!("bench_user_{i:03}");
        let user = match db::users::by_username(conn, &username).map_err(err)? {
            Some(u) => u,
            None => db::users::insert(
                conn,
                &db::users::NewUser {
                    id: &crate::ids::user_id(),
                    username: &username,
                    password_hash: &hash,
                    real_name: &format!("销售{i:03}"),
                    department: &format!("销售{}部", i % 5 + 1),
                    role: Role::SalesStaff,
                },
                crate::times::now_ms(),
            )
            .map_err(err)?,
        };
        out.push((user.id, user.real_name, user.department));
    }
    Ok(out)
}

/// `(id, name, phone)` of the first thousand customers, after making the folder hold `want`.
fn ensure_customers(
    conn: &rusqlite::Connection,
    rng: &mut StdRng,
    want: usize,
) -> Result<Vec<Person>, String> {
    let have: i64 = conn
        .query_row("SELECT COUNT(*) FROM customers", [], |r| r.get(0))
        .map_err(err)?;
    let mut made = have as usize;
    let now = crate::times::now_ms();
    // written in batches of one transaction each: a million single commits take minutes
    conn.execute_batch("BEGIN IMMEDIATE").map_err(err)?;
    while made < want.max(CALLED_CUSTOMERS) {
        if made > 0 && made.is_multiple_of(BATCH as usize) {
            conn.execute_batch("COMMIT; BEGIN IMMEDIATE").map_err(err)?;
        }
        let other = format!("010{:08}", rng.random_range(0..100_000_000u64));
        let fields = CustomerFields {
            name: format!("客户{:04}", rng.random_range(0..10_000)),
            phone: format!("13{:09}", rng.random_range(0..1_000_000_000u64)),
            other_phones: if made.is_multiple_of(4) {
                vec![other]
            } else {
                vec![]
            },
            level: "normal".into(),
            follow_status: "new".into(),
            ..Default::default()
        };
        match db::customers::insert(conn, &crate::ids::customer_id(), &fields, now) {
            Ok(()) => made += 1,
            Err(DbError::Sqlite(_)) => continue, // a number drawn twice
            Err(e) => return Err(err(e)),
        }
    }
    conn.execute_batch("COMMIT").map_err(err)?;
    let mut stmt = conn
        .prepare("SELECT id, name, phone FROM customers LIMIT ?1")
        .map_err(err)?;
    let rows = stmt
        .query_map([CALLED_CUSTOMERS as i64], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?))
        })
        .map_err(err)?;
    rows.collect::<rusqlite::Result<_>>().map_err(err)
}

fn random_call(
    rng: &mut StdRng,
    users: &[Person],
    customers: &[Person],
    day: NaiveDate,
    tz: Tz,
) -> Call {
    let (user_id, user_name, department) = &users[rng.random_range(0..users.len())];
    let (customer_id, customer_name, phone) = &customers[rng.random_range(0..customers.len())];
    // working hours, 08:00–21:00 office time
    let start =
        crate::times::day_start_ms(day, tz) + rng.random_range(8 * 3_600_000..21 * 3_600_000);
    let status = match rng.random_range(0..100) {
        0..60 => "connected",
        60..80 => "missed",
        80..88 => "busy",
        88..95 => "rejected",
        _ => "failed",
    };
    let duration = if status == "connected" {
        rng.random_range(5..900)
    } else {
        0
    };
    let tags = if rng.random_bool(0.3) {
        vec![TAGS[rng.random_range(0..TAGS.len())].to_string()]
    } else {
        vec![]
    };
    Call {
        id: crate::ids::call_id(start, tz),
        user_id: user_id.clone(),
        phone_id: None,
        customer_id: Some(customer_id.clone()),
        customer_name: customer_name.clone(),
        customer_phone: phone.clone(),
        call_type: if rng.random_bool(0.8) {
            "outbound"
        } else {
            "inbound"
        }
        .into(),
        state: CallState::Ended,
        end_status: EndStatus::parse(status),
        end_reason: None,
        start_time: start,
        connected_at: (status == "connected").then_some(start + 5_000),
        end_time: Some(start + 5_000 + duration * 1000),
        duration,
        has_recording: status == "connected" && rng.random_bool(0.5),
        notes: NOTES[rng.random_range(0..NOTES.len())].into(),
        call_tags: tags,
        follow_up_required: rng.random_bool(0.2),
        order_id: None,
        created_at: start,
        updated_at: start,
        user_name: user_name.clone(),
        department: department.clone(),
        recording_path: None,
        recording_id: None,
    }
}

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
    // random start times touch index pages all over: keep them in memory while generating
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
    let mut left = args.count;
    while left > 0 {
        let n = left.min(BATCH);
        let tx = conn
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
            .map_err(err)?;
        let mut sums: HashMap<(String, String), Totals> = HashMap::new();
        for _ in 0..n {
            let call = random_call(&mut rng, &users, &customers, today, args.days, tz);
            db::calls::insert(&tx, &call).map_err(err)?;
            rollup::accumulate(&mut sums, &Contribution::of(&call, tz));
        }
        for ((day, user), t) in &sums {
            stats::add_totals(&tx, day, user, t).map_err(err)?;
        }
        tx.commit().map_err(err)?;
        left -= n;
    }
    Ok(GenReport {
        calls: args.count,
        users: users.len(),
        timezone: tz,
        seconds: started.elapsed().as_secs_f64(),
    })
}

/// `(id, real name, department)` of bench_user_001..=n, created when missing.
fn ensure_users(
    conn: &rusqlite::Connection,
    n: u32,
) -> Result<Vec<(String, String, String)>, String> {
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
) -> Result<Vec<(String, String, String)>, String> {
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
    users: &[(String, String, String)],
    customers: &[(String, String, String)],
    today: NaiveDate,
    days: u32,
    tz: Tz,
) -> Call {
    let (user_id, user_name, department) = &users[rng.random_range(0..users.len())];
    let (customer_id, customer_name, phone) = &customers[rng.random_range(0..customers.len())];
    let day = today - Duration::days(i64::from(rng.random_range(0..days)));
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

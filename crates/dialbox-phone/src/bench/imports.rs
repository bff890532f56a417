//! `hostile-imports` (issue 27): what an import costs the server in memory, for hostile files
//! and the largest honest one — each file alone, then three at once — as the growth of the
//! server's RSS over its level before the import (sampled every 5 ms while the request runs).

use std::time::{Duration, Instant};

use hostile_sheets::biff as build;
use hostile_sheets::{far_cell, numbers, xls};
use serde_json::{Value, json};

use super::report::table;
use super::{BenchArgs, Target};

/// The files: (name, bytes).
fn files() -> Result<Vec<(&'static str, Vec<u8>)>, String> {
    let xlsx = |rows: u32, cols: u16| -> Result<Vec<u8>, String> {
        let mut book = rust_xlsxwriter::Workbook::new();
        let sheet = book
            .add_worksheet_with_constant_memory()
            .map_err(|e| e.to_string())?;
        for row in 0..rows {
            for col in 0..cols {
                let result = {
                    // a real list: names and numbers unique, a few levels and tags, some notes
                    let value = match col {
                        0 => format!("客户{row}"),
                        1 => format!("13{:09}", row),
                        2 => ["普通", "VIP", "重要"][row as usize % 3].to_string(),
                        3 => format!("华东；标签{}", row % 20),
                        4 => "有意向".to_string(),
                        _ if row % 3 == 0 => format!("备注{row}"),
                        _ => String::new(),
                    };
                    sheet.write_string(row, col, value).map(|_| ())
                };
                result.map_err(|e| e.to_string())?;
            }
        }
        book.save_to_buffer().map_err(|e| e.to_string())
    };
    let corners = build::workbook(
        &["姓名", "x"],
        &[build::label_sst(0, 0, 0), build::label_sst(65_535, 255, 1)],
    );
    let long = "a".repeat(30_000);
    let copies: Vec<_> = (0..5_000).map(|r| build::label_sst(r, 0, 0)).collect();
    Ok(vec![
        (
            "xlsx: one value at XFD1048576",
            far_cell(1_048_576, "XFD1048576"),
        ),
        ("xlsx: 200,000 rows × 80 numbers", numbers(200_000, 80)),
        (
            "xlsx: 200,000 customers × 6 text columns (honest)",
            xlsx(200_001, 6)?,
        ),
        ("xls: cells at both corners", xls(&corners)),
        (
            "xls: one long string in 5,000 cells",
            xls(&build::workbook(&[&long], &copies)),
        ),
        (
            "csv: 4 million one-character lines",
            "1\n".repeat(4_000_000).into_bytes(),
        ),
    ])
}

/// Posts `bytes` to the customers import `parallel` times at once; the answers' statuses and the
/// peak RSS growth in KiB while they ran.
async fn post(
    target: &Target,
    bytes: &[u8],
    parallel: usize,
) -> (Vec<(u16, String)>, Option<u64>, f64) {
    tokio::time::sleep(Duration::from_millis(300)).await;
    let before = target.rss_kib();
    let requests = (0..parallel).map(|_| {
        let api = target.api.clone();
        let (token, body) = (target.admin_token.clone(), bytes.to_vec());
        async move {
            // the files have no header: their columns are said, as the page's mapping step does
            api.client()
                .post(api.url(
                    "/api/v1/customers/import?columns=name,phone,level,tags,followStatus,notes",
                ))
                .bearer_auth(token)
                .body(body)
                .timeout(Duration::from_secs(600))
                .send()
                .await
        }
    });
    let started = Instant::now();
    let mut all = std::pin::pin!(futures_util::future::join_all(requests));
    let mut peak = before;
    let answers = loop {
        tokio::select! {
            answers = &mut all => break answers,
            _ = tokio::time::sleep(Duration::from_millis(5)) => {
                peak = peak.max(target.rss_kib());
            }
        }
    };
    let secs = started.elapsed().as_secs_f64();
    let mut statuses = Vec::new();
    for answer in answers {
        statuses.push(match answer {
            Ok(r) => {
                let status = r.status().as_u16();
                let body: Value = r.json().await.unwrap_or_default();
                let words = body["message"].as_str().unwrap_or_default().to_string();
                (status, words)
            }
            Err(e) => (0, e.to_string()),
        });
    }
    let growth = before.zip(peak).map(|(b, p)| p.saturating_sub(b));
    (statuses, growth, secs)
}

/// `hostile-imports`: each file alone, then three at once.
pub async fn run(args: &BenchArgs) -> Result<Value, String> {
    let target = Target::open(args, &[]).await?;
    let mut rows = Vec::new();
    let mut results = Vec::new();
    for (name, bytes) in files()? {
        for parallel in [1, 3] {
            let (answers, growth, secs) = post(&target, &bytes, parallel).await;
            let mib = growth.map(|k| k as f64 / 1024.0);
            let statuses: Vec<u16> = answers.iter().map(|a| a.0).collect();
            let said = answers.first().map(|a| a.1.clone()).unwrap_or_default();
            rows.push((
                format!("{name}, {parallel} at once"),
                format!(
                    "{:?} in {secs:.2} s, RSS +{} ({said})",
                    statuses,
                    mib.map_or("n/a".into(), |m| format!("{m:.1} MiB"))
                ),
            ));
            results.push(json!({
                "file": name,
                "file_kib": bytes.len() / 1024,
                "parallel": parallel,
                "statuses": statuses,
                "message": said,
                "secs": secs,
                "rss_growth_mib": mib,
            }));
        }
    }
    let rows: Vec<(&str, String)> = rows.iter().map(|(a, b)| (a.as_str(), b.clone())).collect();
    table("hostile imports (server RSS growth)", &rows);
    Ok(json!({ "bench": "hostile-imports", "runs": results }))
}

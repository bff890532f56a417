//! `bench SCENARIO --compare B`: the scenario on two `dialbox` binaries, A (`--dialbox`, or the
//! one beside this program) and B, in turn on fresh servers, `--rounds` times each, the order
//! alternating (A B, B A, …) so that a box growing busier or quieter weighs on both alike. The
//! benches that read generated calls get one folder, generated once by A and copied for every
//! round. Every number of the scenario's JSON is then shown as A's and B's median over the
//! rounds and the ratio B / A (below 1: B is lower — faster, for a time).

use std::collections::BTreeMap;
use std::path::PathBuf;

use serde_json::{Value, json};

use super::report::{r3, table};
use super::server::dialbox_path;
use super::{BenchArgs, Which};

pub async fn run(args: &BenchArgs, b: PathBuf) -> Result<Value, String> {
    if args.scenario == Which::All {
        return Err("--compare takes one scenario, not `all`".into());
    }
    if args.server.is_some() {
        return Err("--compare starts its own servers: leave out --server".into());
    }
    let binaries = [dialbox_path(args)?, b];
    for binary in &binaries {
        if !binary.exists() {
            return Err(format!("no dialbox binary at {}", binary.display()));
        }
    }
    // one set of calls for every round of both binaries
    let template = tempfile::Builder::new()
        .prefix("dialbox-bench-compare-")
        .tempdir()
        .map_err(|e| format!("cannot make a temporary folder: {e}"))?;
    let mut base = args.clone();
    base.compare = None;
    if reads_calls(args.scenario) && base.from_data.is_none() {
        let data = template.path().join("data");
        let records = args.records.unwrap_or(match args.scenario {
            Which::RecordsPage => 100_000,
            _ => 2_000_000,
        });
        base.dialbox = Some(binaries[0].clone());
        super::data::generate(&base, &data, records, &[])?;
        base.from_data = Some(data);
    }
    let mut results: [Vec<Value>; 2] = [Vec::new(), Vec::new()];
    for round in 0..args.rounds.max(1) {
        let order = if round % 2 == 0 { [0, 1] } else { [1, 0] };
        for side in order {
            println!(
                "\n=== round {} of {}: {} = {}",
                round + 1,
                args.rounds.max(1),
                ["A", "B"][side],
                binaries[side].display()
            );
            let mut one = base.clone();
            one.dialbox = Some(binaries[side].clone());
            results[side].push(super::one(args.scenario, &one).await?);
        }
    }
    let [a, b] = results.map(|runs| figures(&runs));
    let mut rows = Vec::new();
    let mut out = serde_json::Map::new();
    for (name, a_values) in &a {
        let Some(b_values) = b.get(name) else {
            continue;
        };
        let (am, bm) = (median(a_values), median(b_values));
        let ratio = (am != 0.0).then(|| bm / am);
        rows.push((
            name.clone(),
            format!(
                "A {:>10}   B {:>10}   B/A {}",
                r3(am),
                r3(bm),
                ratio.map_or("—".to_string(), |r| format!("{r:.2}"))
            ),
        ));
        out.insert(
            name.clone(),
            json!({ "a": a_values, "b": b_values, "a_median": r3(am), "b_median": r3(bm),
                    "ratio": ratio.map(r3) }),
        );
    }
    let rows: Vec<(&str, String)> = rows.iter().map(|(k, v)| (k.as_str(), v.clone())).collect();
    table(
        &format!(
            "compare {:?}: medians of {} rounds; A {} / B {}",
            args.scenario,
            args.rounds.max(1),
            binaries[0].display(),
            binaries[1].display()
        ),
        &rows,
    );
    Ok(json!({
        "bench": "compare",
        "scenario": format!("{:?}", args.scenario),
        "a": binaries[0].display().to_string(),
        "b": binaries[1].display().to_string(),
        "rounds": args.rounds.max(1),
        "figures": out,
    }))
}

/// The scenarios that read generated calls.
fn reads_calls(which: Which) -> bool {
    matches!(which, Which::Stats | Which::RecordsPage | Which::Export)
}

/// Every number in the rounds' JSON, by its path (`queries.year.p99_ms`), one value per round.
pub(super) fn figures(runs: &[Value]) -> BTreeMap<String, Vec<f64>> {
    let mut out = BTreeMap::new();
    for run in runs {
        leaves(run, String::new(), &mut out);
    }
    out
}

fn leaves(value: &Value, path: String, out: &mut BTreeMap<String, Vec<f64>>) {
    match value {
        Value::Number(n) => {
            if let Some(x) = n.as_f64() {
                out.entry(path).or_default().push(x);
            }
        }
        Value::Object(map) => {
            for (key, v) in map {
                let next = if path.is_empty() {
                    key.clone()
                } else {
                    format!("{path}.{key}")
                };
                leaves(v, next, out);
            }
        }
        _ => {}
    }
}

/// The median of the rounds' values (the mean of the middle two for an even count).
pub(super) fn median(values: &[f64]) -> f64 {
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    match sorted.len() {
        0 => 0.0,
        n if n % 2 == 1 => sorted[n / 2],
        n => (sorted[n / 2 - 1] + sorted[n / 2]) / 2.0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_number_is_a_figure_by_its_path() {
        let runs = [
            json!({ "bench": "x", "p50_ms": 2.0, "views": { "all": { "per_sec": 10 } } }),
            json!({ "bench": "x", "p50_ms": 4.0, "views": { "all": { "per_sec": 30 } } }),
        ];
        let f = figures(&runs);
        assert_eq!(f["p50_ms"], vec![2.0, 4.0]);
        assert_eq!(f["views.all.per_sec"], vec![10.0, 30.0]);
        assert!(!f.contains_key("bench"));
        assert_eq!(median(&[3.0, 1.0, 2.0]), 2.0);
        assert_eq!(median(&[4.0, 1.0]), 2.5);
    }
}

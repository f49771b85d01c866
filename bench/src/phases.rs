//! One phase per child process. Each prints one JSON object.

use crate::{median, peak_rss_mib};
use ringfence_core::number::{parse, Region};
use ringfence_core::{Call, DirectoryKind, Format, List, Screener};
use serde_json::{json, Value};
use std::hint::black_box;
use std::io::{BufRead, BufWriter, Write};
use std::path::Path;
use std::time::Instant;

pub fn run(args: &[String]) -> Value {
    let a =
        |i: usize| args.get(i).map(String::as_str).unwrap_or_else(|| panic!("phase {args:?}: missing argument {i}"));
    match a(0) {
        "normalise" => normalise(Path::new(a(1)), a(2).parse().unwrap_or(5)),
        "import" => import(Path::new(a(1)), Path::new(a(2))),
        "import-raw" => import_raw(Path::new(a(1)), Path::new(a(2))),
        "add-rules" => add_rules(Path::new(a(1)), Path::new(a(2))),
        "screen" => screen(Path::new(a(1)), Path::new(a(2)), Path::new(a(3)), a(4).parse().unwrap_or(100_000)),
        "screen-limited" => crate::limited_rules::run(Path::new(a(1)), a(2).parse().unwrap_or(100_000)),
        "cold-start" => cold_start(Path::new(a(1)), a(2)),
        "noop" => json!({ "peak_rss_mib": peak_rss_mib() }),
        "export" => export(Path::new(a(1)), Path::new(a(2))),
        "export-raw" => export_raw(Path::new(a(1)), Path::new(a(2))),
        "sync" => crate::sync::run(a(1).parse().unwrap_or(1_000_000), Path::new(a(2))),
        other => panic!("unknown phase {other}"),
    }
}

fn ms(since: Instant) -> f64 {
    since.elapsed().as_secs_f64() * 1e3
}

/// Lines `REGION<TAB>RAW` (the baseline harness's input format).
fn read_inputs(path: &Path) -> Vec<(String, String)> {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    text.lines()
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .filter_map(|l| l.split_once('\t'))
        .map(|(r, raw)| (r.to_string(), raw.trim_end_matches('\r').to_string()))
        .collect()
}

/// Normalise + classify throughput, ours and the phonenumber crate's, same inputs, same
/// process, alternating repetitions so that machine noise hits both alike.
fn normalise(path: &Path, reps: usize) -> Value {
    let inputs = read_inputs(path);
    let ours: Vec<(Region, &str)> =
        inputs.iter().map(|(r, raw)| (r.parse().unwrap_or(Region::US), raw.as_str())).collect();
    let theirs: Vec<(Option<phonenumber::country::Id>, &str)> =
        inputs.iter().map(|(r, raw)| (r.parse().ok(), raw.as_str())).collect();
    // First call in this process: what a freshly started app pays once (for the crate,
    // that includes building its metadata database).
    let t = Instant::now();
    black_box(parse(ours[0].1, ours[0].0));
    let ours_first_us = t.elapsed().as_secs_f64() * 1e6;
    let t = Instant::now();
    black_box(phonenumber::parse(theirs[0].0, theirs[0].1).ok());
    let theirs_first_us = t.elapsed().as_secs_f64() * 1e6;
    let db = &*phonenumber::metadata::DATABASE;

    let (mut ours_ns, mut theirs_ns) = (Vec::new(), Vec::new());
    for rep in 0..=reps {
        let t = Instant::now();
        for (region, raw) in &ours {
            black_box(parse(raw, *region));
        }
        let o = t.elapsed().as_nanos() as f64 / ours.len() as f64;
        let t = Instant::now();
        for (id, raw) in &theirs {
            if let Ok(n) = phonenumber::parse(*id, raw) {
                black_box(n.number_type(db));
            }
        }
        let p = t.elapsed().as_nanos() as f64 / theirs.len() as f64;
        if rep > 0 {
            // Repetition 0 warms caches for both.
            ours_ns.push(o);
            theirs_ns.push(p);
        }
    }
    json!({
        "inputs": inputs.len(),
        "reps": reps,
        "ours_ns": median(&mut ours_ns),
        "phonenumber_crate_ns": median(&mut theirs_ns),
        "ours_first_call_us": ours_first_us,
        "phonenumber_crate_first_call_us": theirs_first_us,
    })
}

fn import(csv: &Path, db: &Path) -> Value {
    let t = Instant::now();
    let mut s = Screener::open(db, Region::US).expect("open");
    let summary = s.import(Format::Csv, std::fs::File::open(csv).expect("csv")).expect("import");
    json!({
        "ms": ms(t),
        "rows": summary.rows,
        "imported": summary.imported,
        "skipped": summary.skipped_total(),
        "peak_rss_mib": peak_rss_mib(),
    })
}

/// The floor: the same rows straight into SQLite, one transaction, no parsing beyond
/// the digits.
fn import_raw(csv: &Path, db: &Path) -> Value {
    let t = Instant::now();
    let mut conn = rusqlite::Connection::open(db).expect("open");
    conn.execute_batch(
        "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL;
         CREATE TABLE community (number INTEGER NOT NULL, source INTEGER NOT NULL, category INTEGER NOT NULL,
           votes REAL NOT NULL, last_activity INTEGER NOT NULL, PRIMARY KEY (number, source)) WITHOUT ROWID;",
    )
    .expect("schema");
    let tx = conn.transaction().expect("tx");
    let mut rows = 0u64;
    {
        let mut stmt = tx
            .prepare("INSERT INTO community VALUES (?1, 0, 0, ?2, 0) ON CONFLICT DO UPDATE SET votes = votes + excluded.votes")
            .expect("prepare");
        let f = std::io::BufReader::new(std::fs::File::open(csv).expect("csv"));
        for line in f.lines().skip(1) {
            let line = line.expect("read");
            let mut parts = line.split(',');
            let number: i64 = parts.next().unwrap_or("").trim_start_matches('+').parse().unwrap_or(0);
            let votes: f64 = parts.nth(1).unwrap_or("1").parse().unwrap_or(1.0);
            stmt.execute(rusqlite::params![number, votes]).expect("insert");
            rows += 1;
        }
    }
    tx.commit().expect("commit");
    json!({ "ms": ms(t), "rows": rows, "peak_rss_mib": peak_rss_mib() })
}

fn read_rules(path: &Path) -> Vec<(List, String)> {
    std::fs::read_to_string(path)
        .expect("rules")
        .lines()
        .filter_map(|l| l.split_once(' '))
        .map(|(list, p)| (if list == "block" { List::Block } else { List::Allow }, p.to_string()))
        .collect()
}

fn add_rules(rules: &Path, db: &Path) -> Value {
    let mut s = Screener::open(db, Region::US).expect("open");
    let t = Instant::now();
    let rules = read_rules(rules);
    let mut added = 0;
    for list in [List::Block, List::Allow] {
        let batch: Vec<(&str, Option<&str>)> =
            rules.iter().filter(|(l, _)| *l == list).map(|(_, p)| (p.as_str(), None)).collect();
        added += s.add_rules(list, &batch).expect("add rules");
    }
    json!({ "ms": ms(t), "added": added })
}

/// Latency percentiles of `calls` screenings of each kind.
fn screen(db: &Path, csv: &Path, rules: &Path, calls: usize) -> Value {
    let mut s = Screener::open(db, Region::US).expect("open");
    let listed: Vec<String> = std::io::BufReader::new(std::fs::File::open(csv).expect("csv"))
        .lines()
        .skip(1)
        .map(|l| l.expect("read").split(',').next().unwrap_or_default().to_string())
        .collect();
    let rules = read_rules(rules);
    let exact_rules: Vec<&str> = rules.iter().map(|(_, p)| p.as_str()).filter(|p| !p.ends_with('*')).collect();
    let mut rng = fastrand::Rng::with_seed(99);
    let misses: Vec<String> =
        (0..calls.min(100_000)).map(|_| format!("+{}", crate::data::number(&mut rng) + 7)).collect();

    let mut run = |name: &str, pick: &mut dyn FnMut(usize) -> String| -> Value {
        let inputs: Vec<String> = (0..calls).map(&mut *pick).collect();
        for raw in inputs.iter().take(1000) {
            black_box(s.screen(&Call::new(raw)));
        }
        let mut ns: Vec<f64> = Vec::with_capacity(calls);
        let mut actions = std::collections::BTreeMap::<&str, u64>::new();
        for raw in &inputs {
            let t = Instant::now();
            let d = s.screen(&Call::new(raw));
            ns.push(t.elapsed().as_nanos() as f64);
            *actions.entry(d.action.as_str()).or_default() += 1;
        }
        percentiles(name, &mut ns, json!(actions))
    };
    let hit = run("community hit", &mut |i| listed[(i * 7919) % listed.len()].clone());
    let miss = run("miss", &mut |i| misses[i % misses.len()].clone());
    let rule = run("rule hit", &mut |i| exact_rules[(i * 31) % exact_rules.len()].to_string());
    let hidden = run("hidden caller", &mut |_| String::new());

    // Issue 13: the unknown-caller step with the repeat count (silence, so every unknown
    // caller is counted: one indexed range read on history (number, at)), with 1,000
    // calls recorded in the last hour, a few hundred of them repeats in the window.
    s.set_policy("unknown", "silence").expect("policy");
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_secs() as i64);
    let pool = misses.len().min(1000);
    let repeaters = (pool * 7 / 10).max(1);
    for i in 0..1000usize {
        let at = now - 3600 + (i as i64) * 36 / 10;
        s.screen_and_record(&Call { at: Some(at), ..Call::new(&misses[i % repeaters]) }).expect("record");
    }
    let mut ns: Vec<f64> = Vec::with_capacity(calls);
    let mut actions = std::collections::BTreeMap::<&str, u64>::new();
    for i in 0..calls {
        let call = Call::new(&misses[i % pool]);
        let t = Instant::now();
        let d = s.screen(&call);
        ns.push(t.elapsed().as_nanos() as f64);
        *actions.entry(d.action.as_str()).or_default() += 1;
    }
    let unknown = percentiles("unknown caller, repeat count (1,000 calls in the last hour)", &mut ns, json!(actions));
    s.set_policy("unknown", "allow").expect("policy");
    s.clear_history().expect("history");

    // Baseline: a bare primary-key lookup in the same file.
    let conn = rusqlite::Connection::open(db).expect("open");
    let keys: Vec<i64> = (0..calls).map(|i| listed[(i * 7919) % listed.len()][1..].parse().unwrap_or(0)).collect();
    let mut stmt = conn.prepare_cached("SELECT votes FROM community WHERE number = ?1").expect("prepare");
    let mut ns = Vec::with_capacity(calls);
    for k in &keys {
        let t = Instant::now();
        black_box(stmt.query_row([k], |r| r.get::<_, f64>(0)).ok());
        ns.push(t.elapsed().as_nanos() as f64);
    }
    let sqlite = percentiles("sqlite primary-key lookup", &mut ns, Value::Null);
    json!({ "kinds": [hit, miss, rule, hidden, unknown], "baseline": sqlite })
}

pub(crate) fn percentiles(name: &str, ns: &mut [f64], extra: Value) -> Value {
    ns.sort_by(f64::total_cmp);
    let at = |q: f64| ns[((ns.len() - 1) as f64 * q) as usize] / 1e3;
    json!({ "name": name, "calls": ns.len(), "p50_us": at(0.5), "p99_us": at(0.99), "max_us": at(1.0), "actions": extra })
}

/// What a freshly started process pays to answer its first call.
fn cold_start(db: &Path, number: &str) -> Value {
    let t = Instant::now();
    let mut s = Screener::open(db, Region::US).expect("open");
    let open_ms = ms(t);
    let d = s.screen(&Call::new(number));
    json!({ "open_ms": open_ms, "first_decision_ms": ms(t), "action": d.action.as_str(), "peak_rss_mib": peak_rss_mib() })
}

fn export(db: &Path, out: &Path) -> Value {
    let t = Instant::now();
    let mut s = Screener::open(db, Region::US).expect("open");
    let mut w = BufWriter::new(std::fs::File::create(out).expect("out"));
    let mut n = 0u64;
    for e in s.call_directory(DirectoryKind::Blocking, None).expect("export") {
        writeln!(w, "{}", e.expect("entry").number.digits()).expect("write");
        n += 1;
    }
    w.flush().expect("flush");
    json!({ "ms": ms(t), "entries": n, "peak_rss_mib": peak_rss_mib() })
}

/// The floor: the same numbers in key order straight from SQLite.
fn export_raw(db: &Path, out: &Path) -> Value {
    let t = Instant::now();
    let conn = rusqlite::Connection::open(db).expect("open");
    let mut w = BufWriter::new(std::fs::File::create(out).expect("out"));
    let mut stmt = conn.prepare("SELECT DISTINCT number FROM community ORDER BY number").expect("prepare");
    let mut rows = stmt.query([]).expect("query");
    let mut n = 0u64;
    while let Some(r) = rows.next().expect("row") {
        writeln!(w, "{}", r.get::<_, i64>(0).expect("number")).expect("write");
        n += 1;
    }
    w.flush().expect("flush");
    json!({ "ms": ms(t), "entries": n, "peak_rss_mib": peak_rss_mib() })
}

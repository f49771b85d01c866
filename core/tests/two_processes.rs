//! Two real processes on one database file (an app and its screening service or Call
//! Directory extension), both starting on a file that does not exist yet, then writing
//! rules, reports, history, imports and settings and screening calls as fast as they can
//! for `RINGFENCE_TWO_PROCESS_SECS` (default 10) seconds.
//!
//! No error of any kind (`database is locked` above all) may reach a caller, including
//! through `Screener::last_error`; every acknowledged write is in the file at the end;
//! each process's screens see the other's new block-list entries.

mod common;

use common::{ack, acks, errors, integrity, worker_args, Worker};
use ringfence_core::{Action, Call, Category, Format, List, Region, Screener};
use std::time::{Duration, Instant};

fn seconds() -> u64 {
    std::env::var("RINGFENCE_TWO_PROCESS_SECS").ok().and_then(|v| v.parse().ok()).unwrap_or(10)
}

fn kr(local: u64) -> (String, i64) {
    (format!("010{local}"), (821_000_000_000 + local) as i64)
}

#[test]
#[ignore = "a worker process that the two-process tests spawn (common::Worker), not a test"]
fn pair_worker() {
    let args = worker_args().expect("run by the two-process tests, with RINGFENCE_TEST_WORKER set");
    let (db, me, secs): (&str, u64, u64) = (&args[0], args[1].parse().unwrap(), args[2].parse().unwrap());
    let other = 1 - me;
    let base = 20_000_000 + me * 30_000_000;
    let mut s = match Screener::open(db, Region::KR) {
        Ok(s) => s,
        Err(e) => return println!("ERR open: {e}"),
    };
    let err = |what: &str, e: &dyn std::fmt::Display| println!("ERR {what}: {e}");
    if let Err(e) = s.set_policy("history.limit", "1000000") {
        err("policy", &e);
    }
    let deadline = Instant::now() + Duration::from_secs(secs);
    let (mut writes, mut screens, mut seen_other, mut i) = (0u64, 0u64, 0u64, 0u64);
    let mut last_seen: Option<String> = None;
    while Instant::now() < deadline {
        match i % 6 {
            0 => match s.add_rule(List::Block, &kr(base + i).0, Some(&format!("p{me}"))) {
                Ok((r, _)) => ack(format!("rule {}", r.pattern.to_string().trim_start_matches('+'))),
                Err(e) => err("add_rule", &e),
            },
            1 => match s.report(&kr(base + 10_000_000 + i).0, Category::Telemarketing, Some("two processes")) {
                Ok(r) => ack(format!("report {}", r.idempotency_key)),
                Err(e) => err("report", &e),
            },
            2 => {
                let input = kr(base + 20_000_000 + i).0;
                match s.screen_and_record(&Call::new(&input)) {
                    Ok(_) => ack(format!("history {input}")),
                    Err(e) => err("record", &e),
                }
            }
            3 => {
                // The other process's newest rule: seen by `rules` (which picks up changes)
                // and then by a screen.
                match s.rules(List::Block) {
                    Ok(rules) => {
                        let theirs = rules
                            .iter()
                            .filter(|r| r.label.as_deref() == Some(&format!("p{other}")))
                            .map(|r| r.pattern)
                            .max_by_key(|p| p.to_string());
                        if let Some(p) = theirs {
                            let d = s.screen(&Call::new(&p.to_string()));
                            if d.action != Action::Block {
                                println!("ERR the other process's rule {p} does not block: {d:?}");
                            }
                            if last_seen.as_deref() != Some(&p.to_string()) {
                                seen_other += 1;
                                last_seen = Some(p.to_string());
                            }
                        }
                    }
                    Err(e) => err("rules", &e),
                }
            }
            4 => {
                let rows: String =
                    (0..5).map(|j| format!("{},scam,1\n", kr(80_000_000 + me * 5_000_000 + i * 5 + j).0)).collect();
                match s.import(Format::Csv, rows.as_bytes()) {
                    Ok(_) => ack(format!("import {}", kr(80_000_000 + me * 5_000_000 + i * 5).1)),
                    Err(e) => err("import", &e),
                }
            }
            _ => match s.set_policy("threshold.warn", if i % 12 == 5 { "2" } else { "3" }) {
                Ok(_) => ack("policy"),
                Err(e) => err("policy", &e),
            },
        }
        writes += u64::from(i % 6 != 3);
        // And a screened call after every step, as the screening service would.
        let d = s.screen(&Call::new(&kr(base + 25_000_000 + i).0));
        screens += 1;
        if let Some(e) = s.last_error() {
            err("screen", &e);
        }
        if d.action == Action::Block {
            println!("ERR an unknown number was blocked: {d:?}");
        }
        i += 1;
    }
    println!("DONE writes={writes} screens={screens} seen_other={seen_other}");
}

#[test]
fn two_processes_write_and_screen_one_file() {
    if worker_args().is_some() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("shared.db");
    let secs = seconds();
    // Both start at once on a file that does not exist: the first launch of an app and
    // its extension.
    let workers: Vec<Worker> = (0..2)
        .map(|me| Worker::spawn("pair_worker", &[db.to_str().unwrap(), &me.to_string(), &secs.to_string()], None))
        .collect();
    let outputs: Vec<Vec<String>> =
        workers.into_iter().map(|w| w.wait_or_kill(Duration::from_secs(secs + 60)).1).collect();
    let problems = integrity(&db);
    assert!(problems.is_empty(), "integrity_check: {problems:?}");
    let conn = rusqlite::Connection::open(&db).unwrap();
    let count = |sql: &str, p: &dyn rusqlite::ToSql| -> i64 { conn.query_row(sql, [p], |r| r.get(0)).unwrap() };
    let mut totals = (0, 0, 0, 0);
    for (me, lines) in outputs.iter().enumerate() {
        assert!(
            errors(lines).is_empty(),
            "process {me}: {} errors, first: {:?}",
            errors(lines).len(),
            errors(lines).iter().take(5).collect::<Vec<_>>()
        );
        let done = lines.iter().find_map(|l| l.strip_prefix("DONE ")).unwrap_or_else(|| {
            panic!("process {me} did not finish: {:?}", lines.iter().rev().take(5).collect::<Vec<_>>())
        });
        eprintln!("process {me}: {done}");
        let field = |k: &str| -> u64 { done.split(' ').find_map(|f| f.strip_prefix(k)).unwrap().parse().unwrap() };
        totals.0 += field("writes=");
        totals.1 += field("screens=");
        totals.2 += field("seen_other=");
        let acked = acks(lines);
        totals.3 += acked.len();
        for a in acked {
            let (kind, v) = a.split_once(' ').unwrap_or((a, ""));
            let n = match kind {
                "rule" => {
                    count("SELECT count(*) FROM rules WHERE list = 1 AND digits = ?1", &v.parse::<i64>().unwrap())
                }
                "report" => count("SELECT count(*) FROM reports WHERE idempotency_key = ?1", &v),
                "history" => count("SELECT count(*) FROM history WHERE input = ?1", &v),
                "import" => count("SELECT count(*) FROM community WHERE number = ?1", &v.parse::<i64>().unwrap()),
                "policy" => 1,
                _ => panic!("{a}"),
            };
            assert_eq!(n, 1, "process {me}: acknowledged {a} is not in the file");
        }
    }
    eprintln!(
        "two processes, {secs} s: {} writes and {} screens, all {} acknowledged writes present; each saw the other's new rules {} times",
        totals.0, totals.1, totals.3, totals.2
    );
    assert!(totals.2 >= 2, "the processes never saw each other's rules");
    let s = Screener::open(&db, Region::KR).unwrap();
    assert!(s.integrity_check().unwrap().is_empty());
}

/// The first launch, many times over: two connections create the same new file at the
/// same moment. `PRAGMA journal_mode = WAL` used to fail with `database is locked` here
/// (SQLite does not call the busy handler for that lock); the store now retries it.
#[test]
fn two_first_launches_at_the_same_moment() {
    if worker_args().is_some() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    for round in 0..100 {
        let path = dir.path().join(format!("first-{round}.db"));
        let barrier = std::sync::Arc::new(std::sync::Barrier::new(2));
        let opens: Vec<_> = (0..2)
            .map(|_| {
                let (path, barrier) = (path.clone(), barrier.clone());
                std::thread::spawn(move || {
                    barrier.wait();
                    Screener::open(&path, Region::KR).map(drop).map_err(|e| e.to_string())
                })
            })
            .collect();
        for o in opens {
            o.join().unwrap().unwrap_or_else(|e| panic!("round {round}: {e}"));
        }
    }
}

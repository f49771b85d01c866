//! SIGKILL at random moments: during imports, and during a stream of list edits, reports
//! and history writes. After every kill the database opens, passes `PRAGMA
//! integrity_check`, holds every write the child acknowledged (it prints `ACK` only after
//! the call returned), and an import is all or nothing.
//!
//! The child is this test binary run again (see `common/mod.rs`). Kills per test:
//! `RINGFENCE_KILLS` (default 25); random points: `RINGFENCE_TEST_SEED` repeats a run.

mod common;

use common::{ack, acks, errors, integrity, worker_args, Rng, Worker};
use ringfence_core::{Category, Format, List, Region, Screener};
use rusqlite::Connection;
use std::collections::{BTreeSet, HashSet};
use std::path::Path;
use std::time::Duration;

const IMPORT_ROWS: u64 = 3000;
const BULK_RULES: u64 = 20;

fn kills() -> u64 {
    std::env::var("RINGFENCE_KILLS").ok().and_then(|v| v.parse().ok()).unwrap_or(25)
}

/// E.164 key of the `i`-th number of a range: KR mobiles 010-XXXX-XXXX, all valid.
fn kr_mobile(base: u64, i: u64) -> (String, i64) {
    let local = base + i;
    assert!((20_000_000..100_000_000).contains(&local));
    (format!("010{local}"), (821_000_000_000 + local) as i64)
}

/// Import batch `b`: its own range of numbers, so its rows can be counted.
fn batch_base(b: u64) -> u64 {
    20_000_000 + b * IMPORT_ROWS
}

fn batch_csv(b: u64) -> String {
    let mut s = String::from("number,category,votes\n");
    for i in 0..IMPORT_ROWS {
        s.push_str(&kr_mobile(batch_base(b), i).0);
        s.push_str(",scam,2\n");
    }
    s
}

/// The child: does the work until it is killed (or its round's work is done).
#[test]
#[ignore = "a worker process that the crash tests spawn (common::Worker), not a test"]
fn crash_worker() {
    let args = worker_args().expect("run by the crash tests, with RINGFENCE_TEST_WORKER set");
    let (mode, db, round): (&str, &str, u64) = (&args[0], &args[1], args[2].parse().unwrap());
    let mut s = match Screener::open(db, Region::KR) {
        Ok(s) => s,
        Err(e) => {
            println!("ERR open: {e}");
            return;
        }
    };
    match mode {
        "import" => {
            for k in 0..100 {
                let b = round * 100 + k;
                println!("BEGIN import {b}");
                match s.import(Format::Csv, batch_csv(b).as_bytes()) {
                    Ok(sum) if sum.imported == IMPORT_ROWS => ack(format!("import {b}")),
                    Ok(sum) => println!("ERR import {b}: {sum:?}"),
                    Err(e) => println!("ERR import {b}: {e}"),
                }
            }
        }
        "edits" => {
            let base = 40_000_000 + round * 100_000;
            for i in 0..10_000u64 {
                let (n, key) = kr_mobile(base, i);
                let result = match i % 6 {
                    0 | 1 => s.add_rule(List::Block, &n, Some("crash test")).map(|_| format!("rule {key}")),
                    2 => s
                        .report(&n, Category::Scam, Some("crash test"))
                        .map(|r| format!("report {}", r.idempotency_key)),
                    3 => s.add_contact(&n).map(|_| format!("contact {key}")),
                    4 => {
                        let bulk_base = 60_000_000 + round * 100_000 + i * BULK_RULES;
                        let patterns: Vec<(String, Option<String>)> =
                            (0..BULK_RULES).map(|j| (kr_mobile(bulk_base, j).0, None)).collect();
                        println!("BEGIN bulk {bulk_base}");
                        s.add_rules(List::Block, &patterns).map(|_| format!("bulk {bulk_base}"))
                    }
                    _ => {
                        // Remove the rule added five steps ago (acknowledged by now), and
                        // keep the call in the history.
                        let (earlier, earlier_key) = kr_mobile(base, i - 5);
                        println!("BEGIN unrule {earlier_key}");
                        match s.remove_rule(List::Block, &earlier) {
                            Ok(true) => {
                                ack(format!("unrule {earlier_key}"));
                                s.screen_and_record(&ringfence_core::Call::new(&n)).map(|_| "history".to_string())
                            }
                            Ok(false) => Ok(format!("missing {earlier_key}")),
                            Err(e) => Err(e),
                        }
                    }
                };
                match result {
                    Ok(what) if what.starts_with("missing") => println!("ERR {what}"),
                    Ok(what) => ack(what),
                    Err(e) => println!("ERR step {i}: {e}"),
                }
            }
        }
        other => panic!("unknown mode {other}"),
    }
    println!("DONE");
}

/// Opens the file as the app would after the crash, and checks it is sound.
fn reopen_and_check(db: &Path, round: u64) -> Connection {
    let s = Screener::open(db, Region::KR).unwrap_or_else(|e| panic!("round {round}: the database does not open: {e}"));
    drop(s);
    let problems = integrity(db);
    assert!(problems.is_empty(), "round {round}: integrity_check: {problems:?}");
    Connection::open(db).unwrap()
}

fn count(conn: &Connection, sql: &str, params: impl rusqlite::Params) -> i64 {
    conn.query_row(sql, params, |r| r.get(0)).unwrap()
}

#[test]
fn kill_during_imports() {
    if worker_args().is_some() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("crash-import.db");
    drop(Screener::open(&db, Region::KR).unwrap());
    let mut rng = Rng::from_env_or_time();
    let (mut complete, mut torn) = (BTreeSet::new(), 0);
    for round in 0..kills() {
        let mut w = Worker::spawn("crash_worker", &["import", db.to_str().unwrap(), &round.to_string()], None);
        std::thread::sleep(Duration::from_millis(30 + rng.below(500)));
        w.kill();
        let (_, lines) = w.wait();
        assert!(errors(&lines).is_empty(), "round {round}: {:?}", errors(&lines));
        let begun: Vec<u64> =
            lines.iter().filter_map(|l| l.strip_prefix("BEGIN import ")).map(|b| b.parse().unwrap()).collect();
        let acked: HashSet<u64> =
            acks(&lines).iter().filter_map(|a| a.strip_prefix("import ")).map(|b| b.parse().unwrap()).collect();
        let conn = reopen_and_check(&db, round);
        for b in begun {
            let lo = kr_mobile(batch_base(b), 0).1;
            let n = count(
                &conn,
                "SELECT count(*) FROM community WHERE number BETWEEN ?1 AND ?2",
                [lo, lo + IMPORT_ROWS as i64 - 1],
            );
            assert!(n == 0 || n == IMPORT_ROWS as i64, "round {round}: import {b} is torn: {n} of {IMPORT_ROWS} rows");
            if acked.contains(&b) {
                assert_eq!(n, IMPORT_ROWS as i64, "round {round}: acknowledged import {b} lost");
            }
            if n > 0 {
                complete.insert(b);
            } else {
                torn += 1;
            }
        }
        // One `imports` row per complete file, none for a rolled-back one.
        assert_eq!(count(&conn, "SELECT count(*) FROM imports", []), complete.len() as i64, "round {round}");
    }
    eprintln!(
        "{} kills during imports: {} imports complete, {} rolled back by the kill",
        kills(),
        complete.len(),
        torn
    );
    assert!(torn > 0, "no kill landed inside an import: the test proves nothing");
}

#[test]
fn kill_during_list_edits_and_reports() {
    if worker_args().is_some() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("crash-edits.db");
    drop(Screener::open(&db, Region::KR).unwrap());
    let mut rng = Rng::from_env_or_time();
    let mut rules: BTreeSet<i64> = BTreeSet::new();
    let mut removed: BTreeSet<i64> = BTreeSet::new();
    let (mut reports, mut contacts, mut bulks): (Vec<String>, Vec<i64>, Vec<(i64, bool)>) = (vec![], vec![], vec![]);
    let mut acked_total = 0;
    for round in 0..kills() {
        let mut w = Worker::spawn("crash_worker", &["edits", db.to_str().unwrap(), &round.to_string()], None);
        std::thread::sleep(Duration::from_millis(30 + rng.below(400)));
        w.kill();
        let (_, lines) = w.wait();
        assert!(errors(&lines).is_empty(), "round {round}: {:?}", errors(&lines));
        let acked = acks(&lines);
        acked_total += acked.len();
        for a in &acked {
            let (kind, v) = a.split_once(' ').unwrap_or((a, ""));
            match kind {
                "rule" => {
                    rules.insert(v.parse().unwrap());
                }
                "unrule" => {
                    let k = v.parse().unwrap();
                    rules.remove(&k);
                    removed.insert(k);
                }
                "report" => reports.push(v.to_string()),
                "contact" => contacts.push(v.parse().unwrap()),
                "bulk" | "history" => {}
                _ => panic!("{a}"),
            }
        }
        // A removal the child began but did not acknowledge may or may not have happened.
        let mut in_flight: BTreeSet<i64> = BTreeSet::new();
        for l in &lines {
            if let Some(k) = l.strip_prefix("BEGIN unrule ") {
                let k: i64 = k.parse().unwrap();
                if !acked.contains(&format!("unrule {k}").as_str()) {
                    in_flight.insert(k);
                }
            }
            if let Some(b) = l.strip_prefix("BEGIN bulk ") {
                let base: u64 = b.parse().unwrap();
                bulks.push((kr_mobile(base, 0).1, acked.contains(&format!("bulk {base}").as_str())));
            }
        }
        let conn = reopen_and_check(&db, round);
        for k in &in_flight {
            if count(&conn, "SELECT count(*) FROM rules WHERE list = 1 AND kind = 0 AND digits = ?1", [k]) == 0 {
                rules.remove(k);
                removed.insert(*k);
            }
        }
        for k in &rules {
            assert_eq!(
                count(&conn, "SELECT count(*) FROM rules WHERE list = 1 AND kind = 0 AND digits = ?1", [k]),
                1,
                "round {round}: acknowledged rule +{k} lost"
            );
        }
        for k in &removed {
            assert_eq!(
                count(&conn, "SELECT count(*) FROM rules WHERE list = 1 AND kind = 0 AND digits = ?1", [k]),
                0,
                "round {round}: removed rule +{k} is back"
            );
        }
        for key in &reports {
            assert_eq!(
                count(&conn, "SELECT count(*) FROM reports WHERE idempotency_key = ?1", [key]),
                1,
                "round {round}: report {key} lost"
            );
        }
        for k in &contacts {
            assert_eq!(
                count(&conn, "SELECT count(*) FROM contacts WHERE number = ?1", [k]),
                1,
                "round {round}: contact +{k} lost"
            );
        }
        for (lo, was_acked) in &bulks {
            let n = count(
                &conn,
                "SELECT count(*) FROM rules WHERE digits BETWEEN ?1 AND ?2",
                [*lo, lo + BULK_RULES as i64 - 1],
            );
            assert!(n == 0 || n == BULK_RULES as i64, "round {round}: bulk add at +{lo} is torn: {n} rules");
            assert!(!was_acked || n == BULK_RULES as i64, "round {round}: acknowledged bulk add at +{lo} lost");
        }
        // The screener sees what the file holds.
        let mut s = Screener::open(&db, Region::KR).unwrap();
        assert_eq!(
            s.rules(List::Block).unwrap().len() as i64,
            count(&conn, "SELECT count(*) FROM rules WHERE list = 1", [])
        );
    }
    eprintln!(
        "{} kills during edits: {acked_total} acknowledged writes, all present ({} rules, {} removals, {} reports, {} contacts, {} bulk adds begun)",
        kills(),
        rules.len(),
        removed.len(),
        reports.len(),
        contacts.len(),
        bulks.len()
    );
    assert!(acked_total > kills() as usize, "the children hardly wrote anything");
}

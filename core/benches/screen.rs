//! Screening latency on a database the size of a real one: 1,000,000 community entries,
//! 10,000 rules (a tenth of them prefixes). The baseline, measured in the same run, is
//! one bare SQLite primary-key lookup on the same file: the floor for any design that
//! keeps the community data in SQLite.

use criterion::{criterion_group, criterion_main, BatchSize, Criterion};
use ringfence_core::{Call, List, Region, Screener};
use std::hint::black_box;
use std::path::Path;

const COMMUNITY: u64 = 1_000_000;
const RULES: u64 = 10_000;

/// Deterministic pseudo-random numbers (no rand dependency): an LCG step.
fn next(x: &mut u64) -> u64 {
    *x = x.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
    *x >> 33
}

/// US mobile-looking numbers +1 NXX NXX XXXX.
fn us_number(x: &mut u64) -> u64 {
    let area = 201 + next(x) % 700;
    let exchange = 201 + next(x) % 700;
    10_000_000_000 + area * 10_000_000 + exchange * 10_000 + next(x) % 10_000
}

fn build(path: &Path) -> Vec<u64> {
    let mut s = Screener::open(path, Region::US).unwrap();
    let conn = rusqlite::Connection::open(path).unwrap();
    let mut seed = 42;
    let mut listed = Vec::with_capacity(COMMUNITY as usize);
    conn.execute_batch("BEGIN").unwrap();
    {
        let mut stmt = conn
            .prepare("INSERT OR IGNORE INTO community (number, source, category, votes, last_activity) VALUES (?1, 1, ?2, ?3, strftime('%s','now'))")
            .unwrap();
        for _ in 0..COMMUNITY {
            let n = us_number(&mut seed);
            stmt.execute(rusqlite::params![
                n as i64,
                (5 + next(&mut seed) % 3) as i64,
                (1 + next(&mut seed) % 20) as f64
            ])
            .unwrap();
            listed.push(n);
        }
    }
    conn.execute_batch("COMMIT").unwrap();
    for i in 0..RULES {
        let n = us_number(&mut seed);
        let pattern = if i % 10 == 0 { format!("+{}*", n / 10_000) } else { format!("+{n}") };
        let list = if i % 2 == 0 { List::Block } else { List::Allow };
        s.add_rule(list, &pattern, None).unwrap();
    }
    listed
}

fn bench(c: &mut Criterion) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bench.db");
    let listed = build(&path);
    let mut s = Screener::open(&path, Region::US).unwrap();
    let conn = rusqlite::Connection::open(&path).unwrap();
    let mut seed = 7;
    let mut g = c.benchmark_group("screen");

    g.bench_function("baseline: one SQLite primary-key lookup", |b| {
        let mut stmt = conn.prepare_cached("SELECT votes FROM community WHERE number = ?1").unwrap();
        b.iter(|| {
            let n = listed[(next(&mut seed) % COMMUNITY) as usize];
            black_box(stmt.query_row([n as i64], |r| r.get::<_, f64>(0)).ok())
        })
    });
    g.bench_function("community hit", |b| {
        b.iter_batched(
            || format!("+{}", listed[(next(&mut seed) % COMMUNITY) as usize]),
            |raw| black_box(s.screen(&Call::new(&raw))),
            BatchSize::SmallInput,
        )
    });
    g.bench_function("miss (unknown number)", |b| {
        b.iter_batched(
            || format!("({}) 555-{:04}", 201 + next(&mut seed) % 700, next(&mut seed) % 10_000),
            |raw| black_box(s.screen(&Call::new(&raw))),
            BatchSize::SmallInput,
        )
    });
    g.bench_function("hidden caller", |b| b.iter(|| black_box(s.screen(&Call::new("anonymous")))));
    g.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(50).measurement_time(std::time::Duration::from_secs(4));
    targets = bench
}
criterion_main!(benches);

//! The benchmark suite. `scripts/bench.sh` runs it; it prints a table and writes
//! docs/benchmarks.md with the machine and the date.
//!
//! Every figure comes with a baseline measured in the same run, and the comparison is a
//! ratio. Phases that report memory run in a child process of their own (this binary,
//! `phase NAME ...`), so each peak RSS is that phase's alone.
//!
//!   ringfence-bench [--quick] [--out FILE] [--baseline-json FILE]
//!   ringfence-bench phase NAME ARGS...      (used by the suite itself)

mod data;
mod limited_rules;
mod phases;
mod report;
mod sync;

use serde_json::{json, Value};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

/// Sizes from the performance issue; `--quick` divides them for a smoke run.
pub struct Sizes {
    pub community: usize,
    pub rules: usize,
    pub export: usize,
    pub calls: usize,
    pub reps: usize,
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.first().map(String::as_str) == Some("phase") {
        let out = phases::run(&args[1..]);
        println!("{out}");
        return;
    }
    let quick = args.iter().any(|a| a == "--quick");
    let value_of = |flag: &str| args.iter().position(|a| a == flag).and_then(|i| args.get(i + 1)).cloned();
    let out = value_of("--out").map(PathBuf::from);
    let baseline = value_of("--baseline-json").map(PathBuf::from);
    let inputs = value_of("--inputs").map(PathBuf::from).unwrap_or_else(|| PathBuf::from("target/baseline/inputs.tsv"));
    let sizes = if quick {
        Sizes { community: 100_000, rules: 1_000, export: 200_000, calls: 20_000, reps: 3 }
    } else {
        Sizes { community: 1_000_000, rules: 10_000, export: 2_000_000, calls: 200_000, reps: 7 }
    };
    let results = suite(&sizes, &inputs, baseline.as_deref());
    let table = report::markdown(&results, &sizes, quick);
    println!("{table}");
    if let Some(path) = out {
        std::fs::write(&path, &table).unwrap_or_else(|e| panic!("writing {}: {e}", path.display()));
        eprintln!("written to {}", path.display());
    }
}

/// Runs this binary as a child for one phase; returns its JSON and the wall time.
pub fn child(args: &[&str]) -> (Value, f64) {
    let exe = std::env::current_exe().expect("own path");
    let started = Instant::now();
    let out = Command::new(exe).arg("phase").args(args).output().expect("spawn phase");
    let wall_ms = started.elapsed().as_secs_f64() * 1e3;
    if !out.status.success() {
        panic!("phase {args:?} failed: {}", String::from_utf8_lossy(&out.stderr));
    }
    let text = String::from_utf8_lossy(&out.stdout);
    let v = serde_json::from_str(text.trim()).unwrap_or_else(|e| panic!("phase {args:?} printed {text:?}: {e}"));
    (v, wall_ms)
}

fn suite(sizes: &Sizes, inputs: &Path, baseline: Option<&Path>) -> Value {
    let work = PathBuf::from("target/bench-work");
    let _ = std::fs::remove_dir_all(&work);
    std::fs::create_dir_all(&work).expect("work dir");
    let w = |name: &str| work.join(name).to_string_lossy().into_owned();

    eprintln!("normalise: ringfence and the phonenumber crate on {}", inputs.display());
    let (normalise, _) = child(&["normalise", &inputs.to_string_lossy(), &sizes.reps.to_string()]);
    let libphonenumber = baseline.map(|p| {
        std::fs::read_to_string(p)
            .unwrap_or_default()
            .lines()
            .filter_map(|l| serde_json::from_str::<Value>(l).ok())
            .collect::<Vec<_>>()
    });

    eprintln!("generating {} community entries and {} rules", sizes.community, sizes.rules);
    data::write_community_csv(Path::new(&w("community.csv")), sizes.community, 1);
    data::write_rules(Path::new(&w("rules.txt")), sizes.rules, 2);

    eprintln!("import");
    let (import_raw, _) = child(&["import-raw", &w("community.csv"), &w("raw.db")]);
    let (import, _) = child(&["import", &w("community.csv"), &w("screen.db")]);
    child(&["add-rules", &w("rules.txt"), &w("screen.db")]);

    eprintln!("screening latency");
    let (screen, _) =
        child(&["screen", &w("screen.db"), &w("community.csv"), &w("rules.txt"), &sizes.calls.to_string()]);

    eprintln!("screening latency with 10,000 rules, 1,000 limited (issue 13)");
    let (screen_limited, _) = child(&["screen-limited", &w("limited.db"), &sizes.calls.to_string()]);

    eprintln!("cold start");
    let number = data::first_number(Path::new(&w("community.csv")));
    let mut cold = Vec::new();
    let mut noop = Vec::new();
    for _ in 0..sizes.reps {
        let (v, wall) = child(&["cold-start", &w("screen.db"), &number]);
        cold.push((v, wall));
        let (v, wall) = child(&["noop"]);
        noop.push((v, wall));
    }

    eprintln!("export of {} entries", sizes.export);
    data::build_export_db(Path::new(&w("export.db")), sizes.export, 3);
    let (export_raw, _) = child(&["export-raw", &w("export.db"), &w("export-raw.txt")]);
    let (export, _) = child(&["export", &w("export.db"), &w("export.txt")]);
    let same = std::fs::read(w("export.txt")).ok() == std::fs::read(w("export-raw.txt")).ok();

    eprintln!("sync: snapshot of {} entries and a 10,000-change delta", sizes.community);
    let (sync, _) = child(&["sync", &sizes.community.to_string(), &work.to_string_lossy()]);

    json!({
        "sync": sync,
        "normalise": normalise,
        "libphonenumber": libphonenumber,
        "import": import,
        "import_raw": import_raw,
        "screen": screen,
        "screen_limited": screen_limited,
        "cold": cold.iter().map(|(v, wall)| json!({"child": v, "wall_ms": wall})).collect::<Vec<_>>(),
        "noop": noop.iter().map(|(v, wall)| json!({"child": v, "wall_ms": wall})).collect::<Vec<_>>(),
        "export": export,
        "export_raw": export_raw,
        "export_identical_to_raw_scan": same,
    })
}

/// Median of a list of numbers.
pub fn median(xs: &mut [f64]) -> f64 {
    xs.sort_by(f64::total_cmp);
    if xs.is_empty() {
        return f64::NAN;
    }
    xs[xs.len() / 2]
}

/// Peak resident memory of this process, in MiB (Linux: VmHWM).
pub fn peak_rss_mib() -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
        .map_or(f64::NAN, |kb| kb / 1024.0)
}

//! The results as a Markdown page: machine, date, then one table per benchmark, each
//! with its target and its same-run baseline as a ratio.

use crate::{median, Sizes};
use serde_json::Value;
use std::fmt::Write;

fn f(v: &Value) -> f64 {
    v.as_f64().unwrap_or(f64::NAN)
}

fn verdict(ok: bool) -> &'static str {
    if ok {
        "met"
    } else {
        "**missed**"
    }
}

fn machine() -> String {
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .unwrap_or_default()
        .lines()
        .find_map(|l| l.strip_prefix("model name").map(|m| m.trim_start_matches([' ', '\t', ':']).to_string()))
        .unwrap_or_else(|| "unknown CPU".into());
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    let run = |cmd: &str, args: &[&str]| {
        std::process::Command::new(cmd)
            .args(args)
            .output()
            .ok()
            .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
            .unwrap_or_default()
    };
    format!(
        "{cpu}, {cores} cores, {}; {}; commit {}",
        run("uname", &["-sr"]),
        run("date", &["-u", "+%Y-%m-%d %H:%M UTC"]),
        run("git", &["rev-parse", "--short", "HEAD"])
    )
}

pub fn markdown(r: &Value, sizes: &Sizes, quick: bool) -> String {
    let mut s = String::new();
    let _ = writeln!(s, "# Benchmarks\n");
    let _ = writeln!(
        s,
        "Written by `scripts/bench.sh`{}. Machine: {}.\n",
        if quick { " --quick (reduced sizes)" } else { "" },
        machine()
    );
    let _ = writeln!(
        s,
        "Release build. Medians of repeated runs; every comparison is a ratio against a baseline \
         measured in the same run. Sizes: {} community entries, {} rules (a tenth prefixes), \
         {} exported entries, {} calls per latency kind.\n",
        sizes.community, sizes.rules, sizes.export, sizes.calls
    );

    // 1. Normalise + classify.
    let n = &r["normalise"];
    let ours = f(&n["ours_ns"]);
    let _ = writeln!(s, "## 1. Normalise + classify ({} real and generated inputs)\n", n["inputs"]);
    let _ = writeln!(s, "| implementation | ns per number | ringfence is faster by |\n|---|---:|---:|");
    let _ = writeln!(s, "| ringfence | {ours:.0} | 1.0x |");
    let cpp = r["libphonenumber"]
        .as_array()
        .and_then(|lines| lines.iter().find(|l| l["impl"] == "libphonenumber-cpp" && l["label"] == "all").cloned());
    if let Some(lines) = r["libphonenumber"].as_array() {
        for l in lines.iter().filter(|l| l["label"] == "all") {
            let theirs = f(&l["median_ns_per_number"]);
            let _ = writeln!(
                s,
                "| {} {} (parse + type) | {theirs:.0} | {:.1}x |",
                l["impl"].as_str().unwrap_or("?"),
                l["version"].as_str().unwrap_or(""),
                theirs / ours
            );
        }
    }
    let crate_ns = f(&n["phonenumber_crate_ns"]);
    let _ = writeln!(s, "| Rust `phonenumber` crate 0.3.10 (parse + type) | {crate_ns:.0} | {:.1}x |", crate_ns / ours);
    let _ = writeln!(
        s,
        "\nFirst call in a fresh process: ringfence {:.0} us, `phonenumber` crate {:.0} us.",
        f(&n["ours_first_call_us"]),
        f(&n["phonenumber_crate_first_call_us"])
    );
    match cpp {
        Some(c) => {
            let ratio = f(&c["median_ns_per_number"]) / ours;
            let _ = writeln!(s, "Target: at least 2x libphonenumber C++: {:.1}x, {}.\n", ratio, verdict(ratio >= 2.0));
        }
        None => {
            let _ =
                writeln!(s, "Target: at least 2x libphonenumber C++: not measured in this run (no baseline JSON).\n");
        }
    }

    // 2. Screening latency.
    let sc = &r["screen"];
    let _ = writeln!(s, "## 2. Screening latency (warm)\n");
    let _ = writeln!(s, "| calls | p50 us | p99 us | max us | p99 vs SQLite lookup p99 |\n|---|---:|---:|---:|---:|");
    let base_p99 = f(&sc["baseline"]["p99_us"]);
    let mut worst_p99: f64 = 0.0;
    for k in sc["kinds"].as_array().into_iter().flatten() {
        let p99 = f(&k["p99_us"]);
        worst_p99 = worst_p99.max(p99);
        let _ = writeln!(
            s,
            "| {} | {:.2} | {:.2} | {:.0} | {:.1}x |",
            k["name"].as_str().unwrap_or("?"),
            f(&k["p50_us"]),
            p99,
            f(&k["max_us"]),
            p99 / base_p99
        );
    }
    let b = &sc["baseline"];
    let _ = writeln!(
        s,
        "| baseline: one SQLite primary-key lookup | {:.2} | {:.2} | {:.0} | 1.0x |",
        f(&b["p50_us"]),
        base_p99,
        f(&b["max_us"])
    );
    let _ = writeln!(s, "\nTarget: p99 under 10 us: worst p99 {:.2} us, {}.\n", worst_p99, verdict(worst_p99 < 10.0));
    // Issue 13: the same with the policies of a demanding user.
    let lim = &r["screen_limited"];
    if let Some(kinds) = lim["kinds"].as_array() {
        let _ = writeln!(
            s,
            "With {} rules of which {} are limited (to a night window, temporary, to a SIM), two group rules, \
             unknown = silence, quiet hours and 1,000 calls recorded in the last hour; each call with its time, \
             UTC offset and SIM (`ringfence-bench phase screen-limited`):\n",
            lim["rules"], lim["limited"]
        );
        let _ = writeln!(s, "| calls | p50 us | p99 us | max us |\n|---|---:|---:|---:|");
        let mut worst: f64 = 0.0;
        for k in kinds {
            worst = worst.max(f(&k["p99_us"]));
            let name = k["name"].as_str().unwrap_or("?");
            let _ =
                writeln!(s, "| {name} | {:.2} | {:.2} | {:.0} |", f(&k["p50_us"]), f(&k["p99_us"]), f(&k["max_us"]));
        }
        let _ = writeln!(s, "\nTarget: p99 under 10 us: worst p99 {worst:.2} us, {}.\n", verdict(worst < 10.0));
    }

    // 3. Cold start.
    let mut wall: Vec<f64> = r["cold"].as_array().into_iter().flatten().map(|c| f(&c["wall_ms"])).collect();
    let mut inproc: Vec<f64> =
        r["cold"].as_array().into_iter().flatten().map(|c| f(&c["child"]["first_decision_ms"])).collect();
    let mut rss: Vec<f64> =
        r["cold"].as_array().into_iter().flatten().map(|c| f(&c["child"]["peak_rss_mib"])).collect();
    let mut noop_wall: Vec<f64> = r["noop"].as_array().into_iter().flatten().map(|c| f(&c["wall_ms"])).collect();
    let mut noop_rss: Vec<f64> =
        r["noop"].as_array().into_iter().flatten().map(|c| f(&c["child"]["peak_rss_mib"])).collect();
    let (wall, inproc, rss, noop_wall, noop_rss) =
        (median(&mut wall), median(&mut inproc), median(&mut rss), median(&mut noop_wall), median(&mut noop_rss));
    let _ = writeln!(
        s,
        "## 3. Cold start: a fresh process opens the {}-entry database and decides one call\n",
        sizes.community
    );
    let _ =
        writeln!(s, "| | process start to exit ms | open + first decision ms | peak RSS MiB |\n|---|---:|---:|---:|");
    let _ = writeln!(s, "| ringfence | {wall:.1} | {inproc:.1} | {rss:.1} |");
    let _ = writeln!(s, "| baseline: the same binary doing nothing | {noop_wall:.1} | - | {noop_rss:.1} |");
    let _ = writeln!(
        s,
        "\nRatio to the empty process: {:.1}x time, {:.1}x memory. Target: under 100 ms and 50 MB: {}.\n\
         (The database file is in the OS page cache, as on a phone that screened a call recently.)\n",
        wall / noop_wall,
        rss / noop_rss,
        verdict(wall < 100.0 && rss < 50.0)
    );

    // 4. Import and export.
    let (imp, raw) = (&r["import"], &r["import_raw"]);
    let (exp, exp_raw) = (&r["export"], &r["export_raw"]);
    let _ = writeln!(s, "## 4. Import and export\n");
    let _ = writeln!(s, "| | entries | ms | peak RSS MiB | vs baseline |\n|---|---:|---:|---:|---:|");
    let _ = writeln!(
        s,
        "| import (CSV, parse, validate, upsert) | {} | {:.0} | {:.1} | {:.1}x |",
        imp["imported"],
        f(&imp["ms"]),
        f(&imp["peak_rss_mib"]),
        f(&imp["ms"]) / f(&raw["ms"])
    );
    let _ = writeln!(
        s,
        "| baseline: naive SQLite upsert of the same rows, in file order | {} | {:.0} | {:.1} | 1.0x |",
        raw["rows"],
        f(&raw["ms"]),
        f(&raw["peak_rss_mib"])
    );
    let _ = writeln!(
        s,
        "| Call Directory export (ascending, streamed) | {} | {:.0} | {:.1} | {:.1}x |",
        exp["entries"],
        f(&exp["ms"]),
        f(&exp["peak_rss_mib"]),
        f(&exp["ms"]) / f(&exp_raw["ms"])
    );
    let _ = writeln!(
        s,
        "| baseline: raw SQLite ordered scan | {} | {:.0} | {:.1} | 1.0x |",
        exp_raw["entries"],
        f(&exp_raw["ms"]),
        f(&exp_raw["peak_rss_mib"])
    );
    let _ = writeln!(
        s,
        "\nExport output identical to the raw scan: {}. Targets: import of {} under 5 s: {}; export of {} under 3 s and 64 MiB: {}.\n",
        r["export_identical_to_raw_scan"],
        sizes.community,
        verdict(f(&imp["ms"]) < 5000.0),
        sizes.export,
        verdict(f(&exp["ms"]) < 3000.0 && f(&exp["peak_rss_mib"]) < 64.0)
    );
    // 5. Sync.
    let y = &r["sync"];
    let n = f(&y["entries"]);
    let per = |k: &str| f(&y[k]) / n;
    let _ = writeln!(s, "## 5. Sync: community files on the wire and applied on the phone\n");
    let _ = writeln!(s, "| | bytes | bytes per entry | vs signed snapshot |\n|---|---:|---:|---:|");
    let _ = writeln!(
        s,
        "| signed snapshot ({} entries) | {} | {:.2} | 1.0x |",
        y["entries"],
        y["snapshot_bytes"],
        per("snapshot_bytes")
    );
    let _ = writeln!(
        s,
        "| baseline: the same listing as CSV | {} | {:.2} | {:.1}x |",
        y["csv_bytes"],
        per("csv_bytes"),
        f(&y["csv_bytes"]) / f(&y["snapshot_bytes"])
    );
    let _ = writeln!(
        s,
        "| baseline: that CSV compressed with zstd -19 | {} | {:.2} | {:.1}x |",
        y["csv_zstd_bytes"],
        per("csv_zstd_bytes"),
        f(&y["csv_zstd_bytes"]) / f(&y["snapshot_bytes"])
    );
    let _ = writeln!(s, "\n| | ms | vs baseline |\n|---|---:|---:|");
    let _ = writeln!(s, "| encode + sign the snapshot (server) | {:.0} | |", f(&y["encode_ms"]));
    let _ = writeln!(s, "| verify + decode the snapshot (phone) | {:.0} | |", f(&y["decode_ms"]));
    let _ = writeln!(s, "| apply the snapshot to a fresh phone database | {:.0} | |", f(&y["snapshot_apply_ms"]));
    let _ = writeln!(
        s,
        "| apply a {}-change delta ({} bytes): verify, decode, one transaction, until live | {:.0} | {:.1}x |",
        y["delta_changes"],
        y["delta_bytes"],
        f(&y["delta_apply_ms"]),
        f(&y["delta_apply_ms"]) / f(&y["raw_delta_ms"])
    );
    let _ = writeln!(
        s,
        "| then the WAL checkpoint, on the same background thread | {:.0} | |",
        f(&y["delta_checkpoint_ms"])
    );
    let _ = writeln!(
        s,
        "| baseline: the delta's rows written straight into SQLite (its COMMIT checkpoints) | {:.0} | 1.0x |",
        f(&y["raw_delta_ms"])
    );
    let _ = writeln!(
        s,
        "\nPeak RSS of the sync phase (which also builds the listing): {:.0} MiB. Targets: under 4 bytes per entry: {}; delta apply under 100 ms: {}.\n",
        f(&y["peak_rss_mib"]),
        verdict(per("snapshot_bytes") < 4.0),
        verdict(f(&y["delta_apply_ms"]) < 100.0)
    );
    criterion_section(&mut s);
    s
}

/// The criterion micro-benchmarks of the core (`cargo bench -p ringfence-core`, which
/// `scripts/bench.sh` runs first): every estimate found under target/criterion, per
/// element where the benchmark declares a throughput.
fn criterion_section(s: &mut String) {
    let root = std::path::Path::new("target/criterion");
    let mut rows = Vec::new();
    let mut visit = vec![root.to_path_buf()];
    while let Some(dir) = visit.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else { continue };
        for e in entries.flatten() {
            let p = e.path();
            if p.file_name().is_some_and(|n| n == "new") {
                let read =
                    |f: &str| -> Option<Value> { serde_json::from_str(&std::fs::read_to_string(p.join(f)).ok()?).ok() };
                if let (Some(b), Some(est)) = (read("benchmark.json"), read("estimates.json")) {
                    let ns = f(&est["median"]["point_estimate"]);
                    let per = b["throughput"]["Elements"].as_f64().unwrap_or(1.0);
                    rows.push((b["full_id"].as_str().unwrap_or("?").to_string(), ns / per));
                }
            } else if p.is_dir() && p.file_name().is_some_and(|n| n != "report") {
                visit.push(p);
            }
        }
    }
    if rows.is_empty() {
        return;
    }
    rows.sort_by(|a, b| a.0.cmp(&b.0));
    let _ = writeln!(s, "## 6. Criterion micro-benchmarks (`cargo bench -p ringfence-core`)\n");
    let _ = writeln!(s, "Medians; per caller ID for the `normalise` groups, per call for `screen`. The last column is the baseline's time divided by this row's (above 1: faster), both measured in the same run; a group's baseline is the `phonenumber` crate's parse + type on the same inputs, or one bare SQLite lookup.\n");
    let _ = writeln!(s, "| benchmark | ns | speed vs its group's baseline |\n|---|---:|---:|");
    // A group's baseline is its bare SQLite lookup or its `phonenumber` crate run.
    let group = |id: &str| id.split('/').next().unwrap_or(id).to_string();
    let is_baseline = |id: &str| id.contains("baseline") || id.contains("phonenumber");
    for (id, ns) in &rows {
        let base = rows.iter().find(|(b, _)| group(b) == group(id) && is_baseline(b)).map(|(_, ns)| *ns);
        let ratio = base.map_or("-".to_string(), |b| format!("{:.2}x", b / ns));
        let _ = writeln!(s, "| {id} | {ns:.0} | {ratio} |");
    }
    s.push('\n');
}

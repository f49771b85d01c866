//! Every input the fuzzers ever crashed on, replayed under `cargo test`, plus the fuzz
//! seeds (so a change that breaks a seed is caught without running a fuzzer).
//!
//! The targets' bodies live in `fuzz/src/targets.rs` and are included here as they are:
//! the fuzzer and this test run the same code with the same checks. A crash input that
//! `scripts/fuzz.sh` finds is copied to `tests/fixtures/fuzz-regressions/<target>/`, and
//! this test runs it from then on.

#[allow(dead_code)]
#[path = "../../fuzz/src/targets.rs"]
mod targets;

use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn files(dir: &Path) -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = match std::fs::read_dir(dir) {
        Ok(rd) => rd.map(|e| e.expect("dir entry").path()).filter(|p| p.is_file()).collect(),
        Err(_) => Vec::new(),
    };
    out.sort();
    out
}

/// Runs every file of `<base>/<target>/` through its target; returns how many ran.
fn replay(base: &Path) -> usize {
    let mut ran = 0;
    for (name, target) in targets::TARGETS {
        for f in files(&base.join(name)) {
            let data = std::fs::read(&f).expect("read input");
            let outcome = std::panic::catch_unwind(|| target(&data));
            assert!(outcome.is_ok(), "{name}: {} fails again", f.display());
            ran += 1;
        }
    }
    ran
}

#[test]
fn crash_inputs_found_by_fuzzing() {
    let ran = replay(&root().join("tests/fixtures/fuzz-regressions"));
    assert!(ran >= 1, "no regression inputs found");
}

#[test]
fn fuzz_seeds() {
    let ran = replay(&root().join("fuzz/seeds"));
    assert!(ran >= 100, "only {ran} seeds");
}

/// Every target has a seed directory and a `[[bin]]` in fuzz/Cargo.toml.
#[test]
fn every_target_is_wired_up() {
    let manifest = std::fs::read_to_string(root().join("fuzz/Cargo.toml")).unwrap();
    for (name, _) in targets::TARGETS {
        assert!(manifest.contains(&format!("name = \"{name}\"")), "{name} has no [[bin]] in fuzz/Cargo.toml");
        assert!(root().join("fuzz/fuzz_targets").join(format!("{name}.rs")).is_file(), "{name}: no fuzz_targets file");
        assert!(!files(&root().join("fuzz/seeds").join(name)).is_empty(), "{name}: no seeds");
    }
}

/// The first crash, spelled out: a prefix whose digits after the country code began with
/// the national prefix twice was shown as `+8201*` but read back as `+821*`, so `block
/// remove` with what `block list` showed removed a different rule, or none.
#[test]
fn a_prefix_reads_back_as_displayed() {
    use ringfence_core::number::parse_pattern;
    use ringfence_core::Region;
    for (raw, home, shown) in [
        ("+82 0 01*", Region::KR, "+821*"),
        ("+82 0 0 0 10*", Region::KR, "+8210*"),
        ("+8200*", Region::KR, "+820*"),
        ("010*", Region::KR, "+8210*"),
        ("+7 8 8 495*", Region::US, "+7495*"),
    ] {
        let p = parse_pattern(raw, home).unwrap();
        assert_eq!(p.to_string(), shown, "{raw:?}");
        assert_eq!(parse_pattern(&p.to_string(), home).unwrap(), p, "{raw:?}");
    }
}

/// A call time far in the past (`Call::at = i64::MIN`, from a buggy or hostile app) on a
/// number with community evidence overflowed the decay's age in debug builds (a panic; in
/// release, a wrapped age). Found by reading the `screen` target's time flag against
/// `community::decayed`; the inputs are in `fuzz-regressions/screen/`.
#[test]
fn extreme_call_times_do_not_overflow() {
    use ringfence_core::{Call, Format, Region, Screener};
    let mut s = Screener::open_in_memory(Region::US).unwrap();
    s.import(Format::Csv, "+12125550199,robocall,9\n".as_bytes()).unwrap();
    for at in [i64::MIN, -1, 0, i64::MAX] {
        let d = s.screen(&Call { at: Some(at), ..Call::new("+1 212 555 0199") });
        assert!(d.score.is_some_and(f64::is_finite), "{at}: {d:?}");
        s.screen_and_record(&Call { at: Some(at), ..Call::new("+1 212 555 0199") }).unwrap();
    }
}

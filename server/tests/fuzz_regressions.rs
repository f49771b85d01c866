//! Every input the server's fuzz targets ever crashed on, replayed under `cargo test`,
//! plus their seeds. The targets' bodies live in `fuzz/src/server_targets.rs` and are
//! included here as they are (see `core/tests/fuzz_regressions.rs` for the core's).

#[allow(dead_code)]
#[path = "../../fuzz/src/server_targets.rs"]
mod server_targets;

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

fn replay(base: &Path) -> usize {
    let mut ran = 0;
    for (name, target) in server_targets::SERVER_TARGETS {
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
    // None yet for the server's targets; the directory is replayed when there are.
    replay(&root().join("tests/fixtures/fuzz-regressions"));
}

#[test]
fn fuzz_seeds() {
    let ran = replay(&root().join("fuzz/seeds"));
    assert!(ran >= 15, "only {ran} seeds");
}

/// Every server target has a seed directory and a `[[bin]]` in fuzz/Cargo.toml.
#[test]
fn every_target_is_wired_up() {
    let manifest = std::fs::read_to_string(root().join("fuzz/Cargo.toml")).unwrap();
    for (name, _) in server_targets::SERVER_TARGETS {
        assert!(manifest.contains(&format!("name = \"{name}\"")), "{name} has no [[bin]] in fuzz/Cargo.toml");
        assert!(root().join("fuzz/fuzz_targets").join(format!("{name}.rs")).is_file(), "{name}: no fuzz_targets file");
        assert!(!files(&root().join("fuzz/seeds").join(name)).is_empty(), "{name}: no seeds");
    }
}

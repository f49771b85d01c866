//! Every input the server's fuzz targets ever crashed on, replayed under `cargo test`,
//! plus their seeds. The targets' bodies live in `fuzz/src/server_targets.rs` and are
//! included here as they are (see `core/tests/fuzz_regressions.rs` for the core's).

#[allow(dead_code)]
#[path = "../../fuzz/src/server_targets.rs"]
mod server_targets;

#[path = "../../fuzz/src/replay.rs"]
mod replay;

use replay::check_wired_up;
use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    replay::root(env!("CARGO_MANIFEST_DIR"))
}

fn replay(base: &Path) -> usize {
    replay::replay(base, server_targets::SERVER_TARGETS)
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
    check_wired_up(&root(), server_targets::SERVER_TARGETS);
}

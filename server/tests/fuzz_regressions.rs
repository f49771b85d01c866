//! The server's fuzz targets under `cargo test`: their seeds replayed, every saved crash
//! input of theirs replayed, and every target wired up. The targets' bodies live in
//! `fuzz/src/server_targets.rs` and are included here as they are (see
//! `core/tests/fuzz_regressions.rs` for the core's).
//!
//! No server target has crashed yet, so `tests/fixtures/fuzz-regressions/` holds only the
//! core's folders. When `scripts/fuzz.sh` finds a crash in a server target it copies the
//! input to `tests/fixtures/fuzz-regressions/<target>/`, and `crash_inputs_found_by_fuzzing`
//! replays it from then on.

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

/// Replays the server targets' folders of crash inputs, and fails where an input would
/// be replayed by nobody: the folder missing or empty, a server target's folder empty,
/// or a folder named after no target of the core's (`fuzz/src/targets.rs`, replayed by
/// `core/tests/fuzz_regressions.rs`) or the server's.
#[test]
fn crash_inputs_found_by_fuzzing() {
    let base = root().join("tests/fixtures/fuzz-regressions");
    let folders: Vec<String> = std::fs::read_dir(&base)
        .unwrap_or_else(|e| panic!("{}: {e}", base.display()))
        .map(|e| e.unwrap())
        .filter(|e| e.path().is_dir())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    assert!(!folders.is_empty(), "{} holds no crash inputs", base.display());
    let core_targets = std::fs::read_to_string(root().join("fuzz/src/targets.rs")).unwrap();
    let mut server_inputs = 0;
    for name in &folders {
        let inputs = replay::files(&base.join(name)).len();
        assert!(inputs > 0, "{name}: an empty folder of crash inputs");
        if server_targets::SERVER_TARGETS.iter().any(|(t, _)| t == name) {
            server_inputs += inputs;
        } else {
            assert!(
                core_targets.contains(&format!("(\"{name}\", {name})")),
                "{name}: no fuzz target of that name, its crash inputs are replayed by nobody"
            );
        }
    }
    assert_eq!(replay(&base), server_inputs, "every server crash input ran");
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

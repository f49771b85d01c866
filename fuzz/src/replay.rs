//! Replaying saved inputs under `cargo test`: included (with `#[path]`) by
//! `core/tests/fuzz_regressions.rs` and `server/tests/fuzz_regressions.rs`, each with its
//! own targets, so the two test files share one way of finding and running inputs. Uses
//! only `std`.

use std::path::{Path, PathBuf};

/// A named target, as `targets::TARGETS` and `server_targets::SERVER_TARGETS` list them.
pub type Named = (&'static str, fn(&[u8]));

/// The repository root, seen from a crate one level below it.
pub fn root(manifest_dir: &str) -> PathBuf {
    Path::new(manifest_dir).join("..")
}

/// The files of `dir`, sorted; none if it does not exist.
pub fn files(dir: &Path) -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = match std::fs::read_dir(dir) {
        Ok(rd) => rd.map(|e| e.expect("dir entry").path()).filter(|p| p.is_file()).collect(),
        Err(_) => Vec::new(),
    };
    out.sort();
    out
}

/// Runs every file of `<base>/<target>/` through its target; returns how many ran.
pub fn replay(base: &Path, targets: &[Named]) -> usize {
    let mut ran = 0;
    for (name, target) in targets {
        for f in files(&base.join(name)) {
            let data = std::fs::read(&f).expect("read input");
            let outcome = std::panic::catch_unwind(|| target(&data));
            assert!(outcome.is_ok(), "{name}: {} fails again", f.display());
            ran += 1;
        }
    }
    ran
}

/// Every target has a `[[bin]]` in fuzz/Cargo.toml, a `fuzz_targets/<name>.rs` and seeds.
pub fn check_wired_up(root: &Path, targets: &[Named]) {
    let manifest = std::fs::read_to_string(root.join("fuzz/Cargo.toml")).unwrap();
    for (name, _) in targets {
        assert!(manifest.contains(&format!("name = \"{name}\"")), "{name} has no [[bin]] in fuzz/Cargo.toml");
        assert!(root.join("fuzz/fuzz_targets").join(format!("{name}.rs")).is_file(), "{name}: no fuzz_targets file");
        assert!(!files(&root.join("fuzz/seeds").join(name)).is_empty(), "{name}: no seeds");
    }
}

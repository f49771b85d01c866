//! The fuzz targets' bodies. Each `fuzz_targets/<name>.rs` is one line that calls the
//! function of the same name in [`targets`]; `core/tests/fuzz_regressions.rs` includes the
//! same file to replay every saved crash input under `cargo test`.

pub mod targets;

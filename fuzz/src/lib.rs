//! The fuzz targets' bodies. Each `fuzz_targets/<name>.rs` is one line that calls the
//! function of the same name in [`targets`] (the core's: numbers, screening, importers,
//! the community files) or [`server_targets`] (the server's request decoding);
//! `core/tests/fuzz_regressions.rs` and `server/tests/fuzz_regressions.rs` include the
//! same files to replay every saved crash input under `cargo test`.

pub mod replay;
pub mod server_targets;
pub mod targets;

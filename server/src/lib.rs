//! ringfence-server: collects spam reports from phones, aggregates them into a listing,
//! and publishes it as signed snapshot and delta files (see `docs/protocol.md`).
//!
//! Modules depend one way, from the pure formulas up to the process (`error`, every
//! failure, is below them all): `rules` → `aggregate` → `ranges` → `storage` → `db` →
//! `publish` → `retention`; `request`, `origin` and `limit` read requests; `state` is
//! what the handlers in `api` share; `serve`, `config`, `keys` and `secrets` are for
//! start-up (`main.rs`). `disputes` (the vocabulary of disputes, read by `storage`),
//! `page` (the public page at `/`, its strings in `page_text`) and `review` (the
//! operator's `disputes` command) are the dispute flow. `docs/architecture.md` has a line on each.

pub mod aggregate;
pub mod api;
pub mod comment;
pub mod config;
pub mod db;
pub mod disputes;
pub mod error;
pub mod keys;
pub mod leader;
pub mod limit;
pub mod origin;
pub mod page;
pub mod page_text;
pub mod publish;
pub mod ranges;
pub mod request;
pub mod retention;
pub mod review;
pub mod rules;
pub mod secrets;
pub mod serve;
pub mod state;
pub mod storage;

/// Now, in Unix seconds (0 if the clock is before 1970).
pub fn now() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs() as i64).unwrap_or(0)
}
